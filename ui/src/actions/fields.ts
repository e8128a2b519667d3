// The one field renderer: draws a field of any kind from its description,
// for the Actions screen's forms and a workflow step's fields alike.

import type { AddressValue } from "../bindings/AddressValue";
import type { Field } from "../bindings/Field";
import type { FieldValue } from "../bindings/FieldValue";
import type { KeyValueRow } from "../bindings/KeyValueRow";
import type { LookupChoice } from "../bindings/LookupChoice";
import { numberFormat } from "../prefs.js";
import type { SubscriptionItemRow } from "../bindings/SubscriptionItemRow";
import * as appApi from "../api/app.js";
import { h, nextId, setMessage } from "../dom.js";
import { toAppError } from "../tauri.js";
import type { Values } from "./context.js";
import { fixedMulti, fixedSingle, lazyChoices, lookupChoices, parentThenChildPicker, searchPicker } from "./pickers.js";

/** The person's decimal mark: their setting, or the system's language. */
export { numberFormat };

export interface Control {
  field: Field;
  el: HTMLElement;
  read(): FieldValue | undefined;
  message: HTMLElement;
  /** Redraws what depends on another field (an amount on its currency, a way to pay on the customer). */
  refresh?: () => void;
}

/** Draws one field from its description (also a workflow step's field); `actionId` turns on its picker
 * (`field.lookup`), which asks the app for choices. */
export function renderField(field: Field, values: Values, actionId?: string): Control {
  const id = nextId(`f-${field.id}`);
  const helpId = `${id}-help`;
  const message = h("p", { class: "field-message", attrs: { hidden: true, id: `${id}-msg` } });
  const named = <K extends "label" | "legend">(tag: K): HTMLElementTagNameMap[K] => {
    const words = h(tag, { class: "label", text: field.label });
    if (field.required) words.appendChild(h("span", { class: "required", text: " *", attrs: { "aria-label": "required" } }));
    return words;
  };
  const label = named("label");
  label.htmlFor = id;
  const help = h("p", { class: "help", id: helpId, text: field.help });
  const described = `${helpId} ${id}-msg`;
  const current = values[field.id];
  const text = (v: FieldValue | undefined): string => (typeof v === "string" ? v : (field.default ?? ""));
  // Never cut what a person typed to fit a length: the check says so at the field.
  const input = (type: string): HTMLInputElement =>
    h("input", {
      id,
      class: "input",
      attrs: { type, value: text(current), "aria-describedby": described, required: field.required },
    });
  let el: HTMLElement;
  let read: () => FieldValue | undefined;
  let refresh: (() => void) | undefined;
  let helpPlaced = false;
  const kind = field.kind;
  const fixed = field.lookup?.type === "fixed" ? field.lookup : null;
  switch (kind.type) {
    case "text":
    case "statementDescriptor":
    case "email":
    case "phone":
    case "url":
    case "currency":
    case "id":
    case "integer":
    case "date": {
      const types: Record<string, string> = { email: "email", phone: "tel", url: "url", integer: "number", date: "date" };
      const multiline = kind.type === "text" && kind.multiline;
      const i = multiline
        ? h("textarea", { id, class: "input", text: text(current), attrs: { rows: "3", "aria-describedby": described } })
        : input(types[kind.type] ?? "text");
      el = i;
      if (actionId && field.lookup?.type === "search" && i instanceof HTMLInputElement) {
        // The help is about the input: under it, before the picker.
        el = h("div", { class: "with-picker" }, i, help, searchPicker(actionId, field, i));
        helpPlaced = true;
      }
      read = () => (i.value.trim() === "" ? undefined : i.value);
      break;
    }
    case "amount": {
      const i = input("text");
      i.setAttribute("inputmode", "decimal");
      // An example written as this person types amounts (Settings).
      help.textContent = `${field.help ?? ""} Type it like ${numberFormat().decimal === "comma" ? "12,50" : "12.50"}.`.trim();
      const understood = h("p", { class: "help amount-understood", attrs: { "aria-live": "polite" } });
      const update = async (): Promise<void> => {
        const cur = document.querySelector<HTMLInputElement>(`[data-field="${kind.currencyField}"] input`)?.value ?? "";
        if (!i.value.trim() || !cur.trim()) {
          understood.textContent = "";
          return;
        }
        try {
          const a = await appApi.understandAmount(i.value, cur, numberFormat());
          understood.textContent = `Understood as ${a.asUnderstood}`;
        } catch (e) {
          understood.textContent = toAppError(e).message;
        }
      };
      i.addEventListener("input", () => void update());
      refresh = () => void update();
      el = h("div", {}, i, understood);
      read = () => (i.value.trim() === "" ? undefined : i.value);
      break;
    }
    case "choice": {
      if (actionId && field.lookup?.type === "savedCard") {
        // How a subscription is paid: every way, in words; the saved card
        // only when the customer chosen has one. The legend names the group.
        const group = h("fieldset", { id, class: "choice-group", attrs: { "aria-describedby": described } }, named("legend"));
        const radios: HTMLInputElement[] = [];
        const chosen = text(current);
        for (const o of kind.options) {
          const rid = `${id}-${o.value}`;
          const r = h("input", { id: rid, attrs: { type: "radio", name: id, value: o.value } });
          r.checked = o.value === chosen;
          const words = h("span", { text: o.label });
          radios.push(r);
          group.appendChild(h("label", { class: "choice", data: { choice: o.value }, attrs: { for: rid } }, r, words));
        }
        const card = radios.find((r) => r.value === "saved_card");
        const cardWords = card?.parentElement?.querySelector("span");
        const customerField = field.lookup.customerField;
        let asked = 0;
        const check = async (): Promise<void> => {
          if (!card || !cardWords) return;
          const customer = document.querySelector<HTMLInputElement>(`[data-field="${customerField}"] input`)?.value.trim() ?? "";
          const mine = ++asked;
          let found: LookupChoice | undefined;
          try {
            found = customer ? (await lookupChoices(actionId, field.id, "", customer)).choices[0] : undefined;
          } catch {
            found = undefined;
          }
          if (mine !== asked) return;
          const base = kind.options.find((o) => o.value === "saved_card")?.label ?? "";
          card.disabled = !found;
          cardWords.textContent = found ? `${base} (${found.label})` : `${base} (none saved)`;
          if (!found && card.checked) {
            card.checked = false;
            radios.find((r) => r.value === (field.default ?? ""))?.click();
          }
        };
        void check();
        let timer: number | undefined;
        refresh = () => {
          window.clearTimeout(timer);
          timer = window.setTimeout(() => void check(), 300);
        };
        el = group;
        read = () => radios.find((r) => r.checked)?.value;
        break;
      }
      const s = h("select", { id, class: "input", attrs: { "aria-describedby": described } });
      for (const o of kind.options) {
        const opt = h("option", { text: o.label, attrs: { value: o.value } });
        if (o.value === text(current)) opt.selected = true;
        s.appendChild(opt);
      }
      el = s;
      read = () => (s.value === "" ? undefined : s.value);
      break;
    }
    case "yesNo": {
      const c = h("input", { id, attrs: { type: "checkbox", "aria-describedby": described } });
      c.checked = typeof current === "boolean" ? current : field.default === "true";
      el = c;
      read = () => c.checked;
      break;
    }
    case "urlList":
    case "textList": {
      const existing = Array.isArray(current) ? (current as string[]) : [];
      if (fixed && actionId) {
        // Languages: picked from Stripe's list by name, kept in order.
        const picked = fixedMulti(actionId, field, id, described, existing);
        el = picked.el;
        read = picked.read;
        break;
      }
      const t = h("textarea", { id, class: "input", text: existing.join("\n"), attrs: { rows: "3", "aria-describedby": described } });
      el = t;
      read = () => {
        const items = t.value.split(/[\n,]/).map((s) => s.trim()).filter((s) => s !== "");
        return items.length ? items : undefined;
      };
      break;
    }
    case "address": {
      const a = (current && typeof current === "object" && !Array.isArray(current) ? current : {}) as Partial<AddressValue>;
      const parts: Array<[keyof AddressValue, string]> = [
        ["line1", "Street and number"],
        ["line2", "Apartment, floor"],
        ["city", "City"],
        ["postalCode", "Postal code"],
        ["state", "State or region"],
      ];
      const inputs = new Map<keyof AddressValue, HTMLInputElement>();
      const box = h("fieldset", { id, class: "address", attrs: { "aria-describedby": described } }, named("legend"));
      for (const [name, words] of parts) {
        const pid = `${id}-${name}`;
        const i = h("input", { id: pid, class: "input", attrs: { value: a[name] ?? "" } });
        inputs.set(name, i);
        box.appendChild(h("label", { class: "label", text: words, attrs: { for: pid } }));
        box.appendChild(i);
      }
      // The country, found by its name and sent as its code: "Germ" is Germany (DE).
      const country = fixed && actionId ? fixedSingle(actionId, field, `${id}-country`, a.country ?? "") : null;
      const plainCountry = country ? null : h("input", { id: `${id}-country`, class: "input", attrs: { value: a.country ?? "" } });
      box.appendChild(h("label", { class: "label", text: "Country", attrs: { for: `${id}-country` } }));
      box.appendChild(country?.el ?? plainCountry ?? h("span"));
      el = box;
      read = () => {
        const v: AddressValue = { line1: "", line2: "", city: "", postalCode: "", state: "", country: "" };
        for (const [name, i] of inputs) v[name] = i.value;
        v.country = country ? country.read() : (plainCountry?.value ?? "");
        return Object.values(v).some((x) => x.trim() !== "") ? v : undefined;
      };
      break;
    }
    case "metadata":
    case "keyValueRows":
    case "subscriptionItems": {
      const items = kind.type === "subscriptionItems";
      const names: [string, string] = items ? ["Price", "Quantity"] : kind.type === "metadata" ? ["Name", "Value"] : ["Key", "Value"];
      const rows = h("div", { id, class: "rows", attrs: { role: "group", "aria-describedby": described } });
      const pick = actionId && items && field.lookup?.type === "parentThenChild" ? field.lookup : null;
      const parents = pick && actionId ? lazyChoices(actionId, field.id, null) : null;
      const max = items ? 20 : kind.type === "metadata" ? 50 : 500;
      const addRow = (a = "", b = ""): void => {
        const n = rows.querySelectorAll(".row").length + 1;
        const ra = h("input", { class: "input item-id", attrs: { value: a, "aria-label": `${names[0]}, row ${n}`, placeholder: names[0] } });
        const rb = h("input", { class: "input item-qty", attrs: { value: b, "aria-label": `${names[1]}, row ${n}`, placeholder: names[1], inputmode: items ? "numeric" : null } });
        const remove = h("button", { class: "btn secondary", text: "Remove", attrs: { type: "button", "aria-label": `Remove row ${n}` } });
        const row = h("div", { class: items ? "row item" : "row" }, ra, rb, remove);
        if (pick && parents && actionId) row.prepend(...parentThenChildPicker(actionId, field, pick, parents, ra, n));
        remove.addEventListener("click", () => {
          row.remove();
          rows.closest("form")?.dispatchEvent(new Event("input"));
        });
        rows.appendChild(row);
      };
      const existing = Array.isArray(current) ? (current as Array<KeyValueRow | SubscriptionItemRow>) : [];
      for (const r of existing) {
        if ("price" in r) addRow(r.price, r.quantity);
        else if ("key" in r) addRow(r.key, r.value);
      }
      if (!existing.length) addRow();
      const add = h("button", { class: "btn secondary", text: items ? "Add an item" : "Add a row", attrs: { type: "button" } });
      add.addEventListener("click", () => {
        if (rows.querySelectorAll(".row").length >= max) {
          setMessage(message, items ? "At most 20 items in one subscription." : `At most ${max} rows.`);
          return;
        }
        addRow();
        rows.querySelector<HTMLElement>(".row:last-child select, .row:last-child input")?.focus();
      });
      el = h("div", {}, rows, add);
      read = () => {
        const pairs = Array.from(rows.querySelectorAll(".row")).map((r) => {
          const [a, b] = Array.from(r.querySelectorAll("input")).map((i) => i.value);
          return [a ?? "", b ?? ""] as const;
        });
        const filled = pairs.filter(([a, b]) => a.trim() !== "" || b.trim() !== "");
        if (!filled.length) return undefined;
        return items
          ? filled.map(([price, quantity]) => ({ price, quantity }))
          : filled.map(([key, value]) => ({ key, value }));
      };
      break;
    }
  }
  // A yes/no box sits before its label, on one line, as checkboxes do; a
  // group of boxes (a fieldset) is named by its legend, a label names one box.
  const wrap =
    kind.type === "yesNo"
      ? h("div", { class: "field yes-no", data: { field: field.id } }, h("div", { class: "check-line" }, el, label), help, message)
      : h("div", { class: "field", data: { field: field.id } }, el instanceof HTMLFieldSetElement ? null : label, el, helpPlaced ? null : help, message);
  return { field, el: wrap, read, message, refresh };
}
