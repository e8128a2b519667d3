// The Actions screen: one generic renderer draws every action's form from
// its description (bindings/Action), so no action has a hand-written form.
// Loaded on first visit (dynamic import from main.ts).

import type { Action } from "./bindings/Action";
import type { ActionAvailability } from "./bindings/ActionAvailability";
import type { ActionResult } from "./bindings/ActionResult";
import type { AddressValue } from "./bindings/AddressValue";
import type { Field } from "./bindings/Field";
import type { FieldError } from "./bindings/FieldError";
import type { FieldValue } from "./bindings/FieldValue";
import type { FilledForm } from "./bindings/FilledForm";
import type { KeyValueRow } from "./bindings/KeyValueRow";
import type { Lookup } from "./bindings/Lookup";
import type { LookupAnswer } from "./bindings/LookupAnswer";
import type { NumberFormat } from "./bindings/NumberFormat";
import type { ParsedAmount } from "./bindings/ParsedAmount";
import type { SubscriptionItemRow } from "./bindings/SubscriptionItemRow";
import type { SummaryRow } from "./bindings/SummaryRow";
import { confirmDialog } from "./dialog.js";
import { clear, h, nextId, requestIdLine, setMessage } from "./dom.js";
import { call, toAppError } from "./tauri.js";
import { activeConnection, navigate } from "./state.js";

type Values = Record<string, FieldValue>;

/** Half-filled forms, per connection and action: they survive switching screens and accounts. */
const drafts = new Map<string, Values>();
/** Update forms: the values the form was filled with from Stripe. */
const originals = new Map<string, Values>();
let actionsCache: Action[] | null = null;
/** Connections whose drafts kept in the data dir were read this session. */
const draftsLoaded = new Set<string>();
let currentId = "create_customer";

/** The user's decimal mark, from the system locale. */
export function numberFormat(): NumberFormat {
  return { decimal: (1.5).toLocaleString().includes(",") ? "comma" : "point" };
}

function draftKey(actionId: string): string {
  return `${activeConnection()?.id ?? "none"}/${actionId}`;
}

export function actionsScreen(): HTMLElement {
  const title = h("h1", { id: "screen-title", class: "screen-title", text: "Actions", attrs: { tabindex: "-1" } });
  const list = h("nav", { class: "action-list", attrs: { "aria-label": "Actions" } });
  const pane = h("div", { class: "action-pane" });
  const screen = h("section", { class: "screen", attrs: { "aria-labelledby": "screen-title" } }, title);
  if (!activeConnection()) {
    const go = h("button", { id: "btn-go-connections", class: "btn primary", text: "Go to Connections", attrs: { type: "button" } });
    go.addEventListener("click", () => navigate("connections"));
    screen.appendChild(h("div", { class: "card empty-state" }, h("p", { class: "empty-text", text: "Connect a Stripe account first." }), go));
    return screen;
  }
  screen.appendChild(h("div", { class: "actions-layout" }, list, pane));
  void load(list, pane);
  return screen;
}

async function load(list: HTMLElement, pane: HTMLElement): Promise<void> {
  try {
    actionsCache ??= await call<Action[]>("list_actions");
  } catch (e) {
    pane.appendChild(h("p", { class: "field-message is-error", text: toAppError(e).message, attrs: { role: "alert" } }));
    return;
  }
  const actions = actionsCache;
  // Drafts kept from an earlier session (per connection, in the data dir):
  // read once; what the user typed since wins.
  const conn = activeConnection()?.id;
  if (conn && !draftsLoaded.has(conn)) {
    draftsLoaded.add(conn);
    try {
      const kept = await call<Record<string, FilledForm>>("action_drafts");
      for (const [actionId, form] of Object.entries(kept)) {
        const key = `${conn}/${actionId}`;
        if (drafts.has(key)) continue;
        drafts.set(key, { ...form.values } as Values);
        if (form.original) originals.set(key, { ...form.original } as Values);
      }
    } catch {
      // A draft is a convenience: start empty.
    }
  }
  const draw = (): void => {
    clear(list);
    for (const a of actions) {
      const b = h("button", { class: "action-item", text: a.name, data: { action: a.id }, attrs: { type: "button", title: a.description } });
      if (a.id === currentId) b.setAttribute("aria-current", "true");
      b.addEventListener("click", () => {
        currentId = a.id;
        draw();
      });
      list.appendChild(b);
    }
    clear(pane);
    const action = actions.find((a) => a.id === currentId) ?? actions[0];
    if (action) pane.appendChild(renderForm(action));
  };
  draw();
}

// ---------------------------------------------------------------------------
// The one form renderer
// ---------------------------------------------------------------------------

export interface Control {
  field: Field;
  el: HTMLElement;
  read(): FieldValue | undefined;
  message: HTMLElement;
  /** Redraws what depends on another field (an amount on its currency). */
  refresh?: () => void;
}

function renderForm(action: Action): HTMLElement {
  const values: Values = drafts.get(draftKey(action.id)) ?? {};
  drafts.set(draftKey(action.id), values);
  const form = h("form", { class: "card action-form", attrs: { novalidate: true, "aria-labelledby": `title-${action.id}` } });
  form.appendChild(h("h2", { id: `title-${action.id}`, class: "card-title", text: action.name }));
  form.appendChild(h("p", { class: "card-text", text: action.description }));
  const needs = action.permission
    ? h("p", { class: "help", text: `A restricted key needs the ${action.permission.name} permission.` })
    : null;
  if (needs) form.appendChild(needs);
  // What this connection may do, known before the form is filled.
  const access = h("p", { class: "note warn", attrs: { hidden: true, role: "status" } });
  let blocked = false;
  form.appendChild(access);
  call<ActionAvailability>("action_availability", { actionId: action.id }).then(
    (a) => {
      if (!a.reason) return;
      access.textContent = a.reason;
      access.hidden = false;
      if (needs) needs.hidden = true; // The warning says it, for this key.
      blocked = a.allowed === false;
      submit.disabled = blocked;
    },
    () => undefined, // Not knowing is fine: Stripe still says so at submit.
  );
  const top = h("p", { class: "field-message", attrs: { hidden: true } });
  form.appendChild(top);
  const controls: Control[] = action.fields.map((f) => renderField(f, values, action.id));
  for (const c of controls) {
    // "Understood as 12.50 EUR" follows the currency too, whichever is typed first.
    if (c.field.kind.type !== "amount" || !c.refresh) continue;
    const currencyId = c.field.kind.currencyField;
    const refresh = c.refresh;
    controls.find((x) => x.field.id === currencyId)?.el.addEventListener("input", () => refresh());
  }
  if (action.changesOnly) {
    // Fill the form with the object as it is now; only changes are then sent.
    const idControl = controls.find((c) => c.field.param === "{id}");
    if (idControl) {
      const fill = h("button", { class: "btn secondary small", text: "Fill from Stripe", attrs: { type: "button" } });
      fill.addEventListener("click", () => {
        const id = idControl.read();
        if (typeof id !== "string") {
          setMessage(idControl.message, "Paste the ID first.");
          return;
        }
        call<Values>("action_current_values", { actionId: action.id, objectId: id }).then(
          (current) => {
            for (const k of Object.keys(values)) delete values[k];
            Object.assign(values, current);
            originals.set(draftKey(action.id), { ...current });
            void call("save_action_draft", {
              actionId: action.id,
              form: { values: { ...current }, original: { ...current }, numberFormat: numberFormat() },
            }).catch(() => undefined);
            const host = wrap.parentElement;
            if (host) {
              clear(host);
              host.appendChild(renderForm(action));
            }
          },
          (e: unknown) => setMessage(idControl.message, toAppError(e).message),
        );
      });
      idControl.el.insertBefore(fill, idControl.message);
    }
  }
  const basic = controls.filter((c) => !c.field.advanced);
  const advanced = controls.filter((c) => c.field.advanced);
  basic.forEach((c) => form.appendChild(c.el));
  if (advanced.length) {
    const more = h("details", { class: "advanced" }, h("summary", { text: "More options" }));
    advanced.forEach((c) => more.appendChild(c.el));
    form.appendChild(more);
  }
  const submit = h("button", { class: "btn primary", text: action.id === "any_endpoint" ? "Send request" : action.writes ? action.name : "Look up", attrs: { type: "submit" } });
  form.appendChild(h("div", { class: "actions" }, submit));
  const result = h("div", { class: "action-result", attrs: { "aria-live": "polite" } });
  const wrap = h("div", {}, form, result);

  // One idempotency key per submission: kept while the same values are
  // retried ("Try again"), replaced when anything changes.
  let key: string | null = null;
  let keyFor = "";
  let inFlight = false;

  const collect = (): FilledForm => {
    for (const c of controls) {
      const v = c.read();
      if (v === undefined) delete values[c.field.id];
      else values[c.field.id] = v;
    }
    const original = originals.get(draftKey(action.id)) ?? null;
    return { values: { ...values }, original: original ? { ...original } : null, numberFormat: numberFormat() };
  };

  const showErrors = (errors: FieldError[]): void => {
    for (const c of controls) setMessage(c.message, null);
    for (const e of errors) {
      const c = controls.find((x) => x.field.id === e.field);
      if (c) setMessage(c.message, e.message);
      else setMessage(top, e.message);
    }
    const first = controls.find((c) => errors.some((e) => e.field === c.field.id));
    first?.el.querySelector<HTMLElement>("input, select, textarea")?.focus();
  };

  const send = async (filled: FilledForm): Promise<void> => {
    setMessage(top, null);
    const errors = await call<FieldError[]>("check_action", { actionId: action.id, form: filled });
    showErrors(errors);
    if (errors.length) {
      clear(result); // An earlier answer would read as this one's.
      return;
    }
    const conn = activeConnection();
    const live = conn?.mode === "live";
    const method = action.id === "any_endpoint" ? filled.values["method"] : null;
    // Every live write and every DELETE asks first; test-mode writes do not.
    const ask = method === "DELETE" || (action.writes && live && method !== "GET");
    if (ask) {
      const where = conn?.displayName ?? "this account";
      const ok = await confirmDialog({
        title: `${action.name} in ${where}?`,
        body: live ? `This changes live data in ${where}.` : `This deletes it in ${where}.`,
        yes: action.name,
        danger: true,
      });
      if (!ok) return;
    }
    const snapshot = JSON.stringify(filled.values);
    if (key === null || keyFor !== snapshot) {
      key = crypto.randomUUID();
      keyFor = snapshot;
    }
    try {
      const r = await call<ActionResult>("run_action", { actionId: action.id, form: filled, idempotencyKey: key });
      key = null;
      if (action.changesOnly && originals.has(draftKey(action.id))) {
        // What was just sent is now what Stripe has.
        originals.set(draftKey(action.id), { ...values });
      }
      const paged = "starting_after" in filled.values || "ending_before" in filled.values;
      renderResult(result, r, paged, (paging) => {
        for (const [k, v] of Object.entries(paging)) values[k] = v;
        for (const k of ["starting_after", "ending_before", "page"]) if (!(k in paging)) delete values[k];
        clear(wrap.parentElement ?? wrap);
        (wrap.parentElement ?? wrap).appendChild(renderForm(action));
      });
    } catch (e) {
      const err = toAppError(e);
      const c = err.param ? controls.find((x) => x.field.id === err.param) : undefined;
      const stripe = { status: err.status ?? null, message: err.stripe_message ?? null };
      if (c) setMessage(c.message, err.message, "error", err.request_id, stripe);
      else setMessage(top, err.message, "error", err.request_id, stripe);
      clear(result);
      if (["network", "timeout", "stripe_unavailable", "conflict"].includes(err.code)) {
        const again = h("button", { class: "btn secondary", text: "Try again", attrs: { type: "button" } });
        again.addEventListener("click", () => void run());
        result.appendChild(again);
      }
    }
  };

  const run = async (): Promise<void> => {
    if (inFlight) return; // Enter pressed twice or a double click: one submission.
    inFlight = true;
    submit.disabled = true;
    try {
      await send(collect());
    } catch (e) {
      setMessage(top, toAppError(e).message);
    } finally {
      inFlight = false;
      submit.disabled = blocked;
    }
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void run();
  });
  // Kept in the data dir a moment after the last keystroke, so a restart keeps it.
  let saveTimer: number | undefined;
  const persist = (): void => {
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(() => {
      void call("save_action_draft", { actionId: action.id, form: collect() }).catch(() => undefined);
    }, 400);
  };
  form.addEventListener("input", () => {
    collect();
    persist();
  });
  form.addEventListener("change", () => persist());
  return wrap;
}

/** Draws one field from its description (also a workflow step's field); `actionId` turns on its picker
 * (`field.lookup`), which asks the app for choices. */
export function renderField(field: Field, values: Values, actionId?: string): Control {
  const id = nextId(`f-${field.id}`);
  const helpId = `${id}-help`;
  const message = h("p", { class: "field-message", attrs: { hidden: true, id: `${id}-msg` } });
  const label = h("label", { class: "label", text: field.label, attrs: { for: id, title: stripeParam(field) } });
  if (field.required) label.appendChild(h("span", { class: "required", text: " *", attrs: { "aria-label": "required" } }));
  const help = h("p", { class: "help", id: helpId, text: field.help });
  const described = `${helpId} ${id}-msg`;
  const current = values[field.id];
  const text = (v: FieldValue | undefined): string => (typeof v === "string" ? v : (field.default ?? ""));
  const input = (type: string): HTMLInputElement =>
    h("input", {
      id,
      class: "input",
      attrs: { type, value: text(current), "aria-describedby": described, title: stripeParam(field), required: field.required },
    });
  let el: HTMLElement;
  let read: () => FieldValue | undefined;
  let refresh: (() => void) | undefined;
  let helpPlaced = false;
  const kind = field.kind;
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
      if (kind.type === "id") i.setAttribute("placeholder", `${kind.prefix}…`);
      if (kind.type === "text") i.setAttribute("maxlength", String(kind.maxLen));
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
      const understood = h("p", { class: "help amount-understood", attrs: { "aria-live": "polite" } });
      const update = async (): Promise<void> => {
        const cur = document.querySelector<HTMLInputElement>(`[data-field="${kind.currencyField}"] input`)?.value ?? "";
        if (!i.value.trim() || !cur.trim()) {
          understood.textContent = "";
          return;
        }
        try {
          const a = await call<ParsedAmount>("understand_amount", { amount: i.value, currency: cur, numberFormat: numberFormat() });
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
      const s = h("select", { id, class: "input", attrs: { "aria-describedby": described, title: stripeParam(field) } });
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
      const lines = Array.isArray(current) ? (current as string[]).join("\n") : "";
      const t = h("textarea", { id, class: "input", text: lines, attrs: { rows: "3", "aria-describedby": described } });
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
        ["country", "Country (two letters)"],
      ];
      const inputs = new Map<keyof AddressValue, HTMLInputElement>();
      const box = h("fieldset", { id, class: "address", attrs: { "aria-describedby": described } });
      for (const [name, words] of parts) {
        const pid = `${id}-${name}`;
        const i = h("input", { id: pid, class: "input", attrs: { value: a[name] ?? "", maxlength: name === "country" ? "2" : "200" } });
        inputs.set(name, i);
        box.appendChild(h("label", { class: "label", text: words, attrs: { for: pid } }));
        box.appendChild(i);
      }
      el = box;
      read = () => {
        const v: AddressValue = { line1: "", line2: "", city: "", postalCode: "", state: "", country: "" };
        for (const [name, i] of inputs) v[name] = i.value;
        return Object.values(v).some((x) => x.trim() !== "") ? v : undefined;
      };
      break;
    }
    case "metadata":
    case "keyValueRows":
    case "subscriptionItems": {
      const items = kind.type === "subscriptionItems";
      const names: [string, string] = items ? ["Price (price_…)", "Quantity"] : ["Key", "Value"];
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
  // A yes/no box sits before its label, on one line, as checkboxes do.
  const wrap =
    kind.type === "yesNo"
      ? h("div", { class: "field yes-no", data: { field: field.id } }, h("div", { class: "check-line" }, el, label), help, message)
      : h("div", { class: "field", data: { field: field.id } }, label, el, helpPlaced ? null : help, message);
  return { field, el: wrap, read, message, refresh };
}

// ---------------------------------------------------------------------------
// Pickers, drawn from a field's `lookup`
// ---------------------------------------------------------------------------

function lookupChoices(actionId: string, fieldId: string, query: string, parent: string | null): Promise<LookupAnswer> {
  return call<LookupAnswer>("lookup_choices", { actionId, fieldId, query, parent });
}

/** The parents' choices, asked once per form and shared by its rows. */
function lazyChoices(actionId: string, fieldId: string, parent: string | null): () => Promise<LookupAnswer> {
  let asked: Promise<LookupAnswer> | null = null;
  return () => (asked ??= lookupChoices(actionId, fieldId, "", parent));
}

/** "Find by name or email": choices under the ID input; picking one fills it. */
function searchPicker(actionId: string, field: Field, target: HTMLInputElement): HTMLElement {
  const sid = nextId(`find-${field.id}`);
  const box = h("input", {
    id: sid,
    class: "input picker-search",
    attrs: { type: "search", placeholder: "Name or email", autocomplete: "off", "aria-controls": `${sid}-choices` },
  });
  const note = h("p", { class: "help picker-note", attrs: { "aria-live": "polite", hidden: true } });
  const choices = h("ul", { id: `${sid}-choices`, class: "picker-choices", attrs: { "aria-label": `Customers found` } });
  let timer: number | undefined;
  let asked = 0;
  const find = async (): Promise<void> => {
    const query = box.value.trim();
    const mine = ++asked;
    if (!query) {
      clear(choices);
      note.hidden = true;
      return;
    }
    try {
      const answer = await lookupChoices(actionId, field.id, query, null);
      if (mine !== asked) return; // A later keystroke asked again.
      clear(choices);
      note.textContent = answer.note ?? "";
      note.hidden = !answer.note;
      for (const c of answer.choices) {
        const pickIt = h("button", { class: "picker-choice", attrs: { type: "button" } }, h("span", { class: "picker-label", text: c.label }), h("span", { class: "picker-detail", text: c.detail }));
        pickIt.addEventListener("click", () => {
          target.value = c.id;
          target.dispatchEvent(new Event("input", { bubbles: true }));
          clear(choices);
          note.textContent = `Chosen: ${c.label}`;
          note.hidden = false;
          target.focus();
        });
        choices.appendChild(h("li", {}, pickIt));
      }
    } catch (e) {
      if (mine !== asked) return;
      clear(choices);
      note.textContent = toAppError(e).message;
      note.hidden = false;
    }
  };
  box.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void find(), 300);
  });
  box.addEventListener("keydown", (ev) => {
    // Enter here searches; it does not submit the form.
    if (ev.key === "Enter") {
      ev.preventDefault();
      window.clearTimeout(timer);
      void find();
    }
  });
  return h(
    "div",
    { class: "picker" },
    h("label", { class: "label picker-caption", text: "Find by name or email", attrs: { for: sid } }),
    box,
    note,
    choices,
  );
}

/** A product, then one of its active recurring prices: choosing one fills the row's price ID. */
function parentThenChildPicker(
  actionId: string,
  field: Field,
  pick: Extract<Lookup, { type: "parentThenChild" }>,
  parents: () => Promise<LookupAnswer>,
  target: HTMLInputElement,
  n: number,
): HTMLElement[] {
  const parent = h("select", { class: "input pick-parent", attrs: { "aria-label": `${pick.parentLabel}, row ${n}` } });
  const child = h("select", { class: "input pick-child", attrs: { "aria-label": `Price, row ${n}`, disabled: true } });
  parent.appendChild(h("option", { text: `${pick.parentLabel}…`, attrs: { value: "" } }));
  child.appendChild(h("option", { text: "…then its price", attrs: { value: "" } }));
  const fill = (select: HTMLSelectElement, answer: LookupAnswer, first: string): void => {
    clear(select);
    select.appendChild(h("option", { text: answer.choices.length ? first : (answer.note ?? "None"), attrs: { value: "" } }));
    for (const c of answer.choices) select.appendChild(h("option", { text: c.label, attrs: { value: c.id } }));
  };
  parents().then(
    (a) => fill(parent, a, `${pick.parentLabel}…`),
    (e: unknown) => fill(parent, { choices: [], note: toAppError(e).message }, ""),
  );
  parent.addEventListener("change", () => {
    child.disabled = true;
    if (!parent.value) return;
    lookupChoices(actionId, field.id, "", parent.value).then(
      (a) => {
        fill(child, a, "Price…");
        child.disabled = a.choices.length === 0;
        if (a.choices.length === 1 && a.choices[0]) {
          // One price: take it.
          child.value = a.choices[0].id;
          child.dispatchEvent(new Event("change"));
        }
      },
      (e: unknown) => fill(child, { choices: [], note: toAppError(e).message }, ""),
    );
  });
  child.addEventListener("change", () => {
    if (!child.value) return;
    target.value = child.value;
    target.dispatchEvent(new Event("input", { bubbles: true }));
  });
  return [parent, child];
}

function stripeParam(field: Field): string {
  if (field.param === "{id}") return "Stripe: part of the address (path)";
  return field.param ? `Stripe parameter: ${field.param}` : "";
}

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

function renderResult(box: HTMLElement, r: ActionResult, paged: boolean, page: (values: Values) => void): void {
  clear(box);
  const paging: HTMLElement[] = [];
  if (paged && r.firstId && r.items.length) {
    const prev = h("button", { class: "btn secondary", text: "Previous", attrs: { type: "button" } });
    prev.addEventListener("click", () => page({ ending_before: r.firstId ?? "" }));
    paging.push(prev);
  }
  if (r.hasMore && (r.nextPage || r.lastId)) {
    const next = h("button", { class: "btn secondary", text: "Next", attrs: { type: "button" } });
    next.addEventListener("click", () => page(r.nextPage ? { page: r.nextPage } : { starting_after: r.lastId ?? "" }));
    paging.push(next);
  }
  const card = resultCard(r, paging);
  box.appendChild(card);
  card.scrollIntoView({ block: "start" });
}

/** An action's result as this screen shows it (headline, note, request ID, summary rows, list items, prices,
 * Dashboard link, JSON); also a done workflow step's. `paging`: this screen's Previous and Next. */
export function resultCard(r: ActionResult, paging: HTMLElement[] = []): HTMLElement {
  const card = h("div", { class: "card action-result-card" }, h("h3", { class: "card-title", text: r.headline }));
  if (r.note) card.appendChild(h("p", { class: "note warn result-note", text: r.note, attrs: { role: "status" } }));
  const requestId = requestIdLine(r.requestId);
  if (r.actionId === "any_endpoint" && r.status !== null) {
    card.appendChild(h("p", { class: "result-status" }, h("span", { class: "http-status", text: `HTTP ${r.status}` }), requestId));
  } else if (requestId) card.appendChild(requestId);
  card.appendChild(summary(r.rows));
  if (r.items.length) {
    const list = h("ol", { class: "result-items" });
    r.items.forEach((item) => list.appendChild(h("li", {}, summary(item))));
    card.appendChild(list);
  }
  if (r.related.length) {
    card.appendChild(h("h4", { text: "Prices" }));
    r.related.forEach((item) => card.appendChild(summary(item)));
  }
  if (r.relatedError) card.appendChild(h("p", { class: "field-message is-error", text: r.relatedError }));
  const nav = h("div", { class: "actions" }, ...paging);
  if (r.dashboardUrl) {
    const url = r.dashboardUrl;
    const open = h("button", { class: "btn secondary", text: "Open in the Stripe Dashboard", attrs: { type: "button" } });
    open.addEventListener("click", () => void call("open_in_dashboard", { url }).catch(() => undefined));
    nav.appendChild(open);
  }
  card.appendChild(nav);
  // The request to any endpoint is for people who want the JSON: open it.
  const json = h(
    "details",
    { class: "json", attrs: { open: r.actionId === "any_endpoint" } },
    h("summary", { text: "Show the JSON" }),
    h("pre", { text: JSON.stringify(r.json, null, 2) }),
  );
  card.appendChild(json);
  return card;
}

function summary(rows: SummaryRow[]): HTMLElement {
  const dl = h("dl", { class: "summary" });
  for (const row of rows) {
    const value = row.timestamp !== null ? new Date(row.timestamp * 1000).toLocaleString() : row.value;
    const dd = h("dd", {}, value);
    if (row.copy) {
      const copy = h("button", { class: "btn ghost small", text: "Copy", attrs: { type: "button", "aria-label": `Copy ${row.label}` } });
      copy.addEventListener("click", () => void navigator.clipboard.writeText(row.value).catch(() => undefined));
      dd.appendChild(copy);
    }
    dl.appendChild(h("dt", { text: row.label }));
    dl.appendChild(dd);
  }
  return dl;
}
