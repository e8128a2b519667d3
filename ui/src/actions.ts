// The Actions screen: one generic renderer draws every action's form from
// its description (bindings/Action), so no action has a hand-written form.
// Loaded on first visit (dynamic import from main.ts).

import type { Action } from "./bindings/Action";
import type { ActionResult } from "./bindings/ActionResult";
import type { AddressValue } from "./bindings/AddressValue";
import type { ExpectedConnection } from "./bindings/ExpectedConnection";
import type { Field } from "./bindings/Field";
import type { FieldError } from "./bindings/FieldError";
import type { FieldValue } from "./bindings/FieldValue";
import type { FilledForm } from "./bindings/FilledForm";
import type { KeyValueRow } from "./bindings/KeyValueRow";
import type { Lookup } from "./bindings/Lookup";
import type { LookupAnswer } from "./bindings/LookupAnswer";
import type { LookupChoice } from "./bindings/LookupChoice";
import type { NumberFormat } from "./bindings/NumberFormat";
import type { Submission } from "./bindings/Submission";
import type { SubscriptionItemRow } from "./bindings/SubscriptionItemRow";
import type { SummaryRow } from "./bindings/SummaryRow";
import { confirmDialog } from "./dialog.js";
import { clear, h, nextId, requestIdLine, setMessage } from "./dom.js";
import * as actionsApi from "./api/actions.js";
import * as appApi from "./api/app.js";
import { toAppError } from "./tauri.js";
import { activeConnection, navigate } from "./state.js";

type Values = Record<string, FieldValue>;

/** A map from Rust (whose values ts-rs types as optional) without its empty entries. */
function known(map: { [key in string]?: FieldValue }): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(map)) if (v !== undefined) out[k] = v;
  return out;
}

/** Half-filled forms, per connection and action: they survive switching screens and accounts. */
const drafts = new Map<string, Values>();
/** Update forms: the values the form was filled with from Stripe. */
const originals = new Map<string, Values>();
let actionsCache: Action[] | null = null;
/** Connections whose drafts kept in the data dir were read this session. */
const draftsLoaded = new Set<string>();
let currentId = "create_customer";
/** Said at the top of the next form drawn: an answer that came after the screen was redrawn. */
let pendingNotice: string | null = null;

/** Sent once the form is drawn: a link from another screen (Activity's "Open customer"). */
let submitWhenDrawn = false;

/** Opens an action's form for the connection on screen, filled with `values`, and sends it once drawn. */
export function openActionWith(actionId: string, values: Record<string, string>): void {
  currentId = actionId;
  drafts.set(draftKey(actionId), { ...values });
  submitWhenDrawn = true;
}

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
    actionsCache ??= await actionsApi.list();
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
      const kept = await actionsApi.drafts();
      for (const [actionId, form] of Object.entries(kept)) {
        if (!form) continue;
        const key = `${conn}/${actionId}`;
        if (drafts.has(key)) continue;
        drafts.set(key, known(form.values));
        if (form.original) originals.set(key, known(form.original));
      }
    } catch {
      // A draft is a convenience: start empty.
    }
  }
  const draw = (): void => {
    clear(list);
    const item = (a: Action): HTMLElement => {
      const b = h("button", { class: "action-item", text: a.name, data: { action: a.id }, attrs: { type: "button", title: a.name } });
      if (a.id === currentId) b.setAttribute("aria-current", "true");
      b.addEventListener("click", () => {
        currentId = a.id;
        draw();
      });
      return b;
    };
    for (const a of actions.filter((a) => !a.advanced)) list.appendChild(item(a));
    // Requests by method and path are for people who know Stripe's API: apart.
    const advanced = actions.filter((a) => a.advanced);
    if (advanced.length) {
      list.appendChild(h("h2", { class: "action-list-heading", text: "Advanced" }));
      for (const a of advanced) list.appendChild(item(a));
    }
    clear(pane);
    const action = actions.find((a) => a.id === currentId) ?? actions[0];
    if (action) pane.appendChild(renderForm(action, (id, values) => openWith(id, values)));
  };
  /** Opens another action's form filled with `values`, and sends it. */
  const openWith = (id: string, values: Values): void => {
    currentId = id;
    drafts.set(draftKey(id), { ...values });
    draw();
    pane.querySelector<HTMLFormElement>("form.action-form")?.requestSubmit();
  };
  draw();
  if (submitWhenDrawn) {
    submitWhenDrawn = false;
    pane.querySelector<HTMLFormElement>("form.action-form")?.requestSubmit();
  }
}

// ---------------------------------------------------------------------------
// The one form renderer
// ---------------------------------------------------------------------------

export interface Control {
  field: Field;
  el: HTMLElement;
  read(): FieldValue | undefined;
  message: HTMLElement;
  /** Redraws what depends on another field (an amount on its currency, a way to pay on the customer). */
  refresh?: () => void;
}

/** The connection on screen now, as a write command carries it. */
function seenConnection(): ExpectedConnection | null {
  const c = activeConnection();
  return c ? { connection_id: c.id, mode: c.mode } : null;
}

function renderForm(action: Action, openWith: (actionId: string, values: Values) => void): HTMLElement {
  const values: Values = drafts.get(draftKey(action.id)) ?? {};
  drafts.set(draftKey(action.id), values);
  const form = h("form", { class: "card action-form", attrs: { novalidate: true, "aria-labelledby": `title-${action.id}` } });
  form.appendChild(h("h2", { id: `title-${action.id}`, class: "card-title", text: action.name }));
  form.appendChild(h("p", { class: "card-text", text: action.description }));
  // What this connection may do, known before the form is filled; said
  // only when something stands in the way (never a permission's code name).
  const access = h("p", { class: "note warn", attrs: { hidden: true, role: "status" } });
  let blocked = false;
  form.appendChild(access);
  actionsApi.availability(action.id).then(
    (a) => {
      if (!a.reason) return;
      access.textContent = a.reason;
      access.hidden = false;
      blocked = a.allowed === false;
      submit.disabled = blocked;
    },
    () => undefined, // Not knowing is fine: Stripe still says so at submit.
  );
  const top = h("p", { class: "field-message", attrs: { hidden: true } });
  form.appendChild(top);
  if (pendingNotice) {
    setMessage(top, pendingNotice);
    pendingNotice = null;
  }
  const controls: Control[] = action.fields.map((f) => renderField(f, values, action.id));
  const control = (id: string): Control | undefined => controls.find((c) => c.field.id === id);
  for (const c of controls) {
    // "Understood as 12.50 EUR" follows the currency too, whichever is typed first.
    if (c.field.kind.type !== "amount" || !c.refresh) continue;
    const refresh = c.refresh;
    control(c.field.kind.currencyField)?.el.addEventListener("input", () => refresh());
  }
  for (const c of controls) {
    // A way to pay that depends on the customer chosen (their saved card).
    if (c.field.lookup?.type !== "savedCard" || !c.refresh) continue;
    const refresh = c.refresh;
    control(c.field.lookup.customerField)?.el.addEventListener("input", () => refresh());
  }
  // Fields that apply only to one choice (days to pay an emailed invoice).
  const applyShownWhen = (): void => {
    for (const c of controls) {
      const when = c.field.shownWhen;
      if (!when) continue;
      const v = control(when.field)?.read();
      c.el.hidden = !(typeof v === "string" && when.values.includes(v));
    }
  };
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
        actionsApi.currentValues(action.id, id).then(
          (got) => {
            const current = known(got);
            for (const k of Object.keys(values)) delete values[k];
            Object.assign(values, current);
            originals.set(draftKey(action.id), { ...current });
            void actionsApi
              .saveDraft(action.id, { values: { ...current }, original: { ...current }, numberFormat: numberFormat() })
              .catch(() => undefined);
            redraw();
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
  applyShownWhen();
  const submit = h("button", { class: "btn primary", text: action.freeForm ? "Send request" : action.writes ? action.name : "Look up", attrs: { type: "submit" } });
  /** "A customer with this email already exists": open it, or create another anyway. */
  const duplicate = h("div", { class: "note warn duplicate", attrs: { hidden: true, role: "alert" } });
  form.appendChild(h("div", { class: "actions" }, submit));
  form.appendChild(duplicate);
  const result = h("div", { class: "action-result", attrs: { "aria-live": "polite" } });
  const wrap = h("div", {}, form, result);
  const redraw = (): void => {
    const host = wrap.parentElement;
    if (!host) return;
    clear(host);
    host.appendChild(renderForm(action, openWith));
  };

  // One submission per form sent: kept while the same values are tried
  // again; a new try after Stripe failed with a 5xx (which it replays for
  // the same key) looks first for what the submission made, then sends
  // under a new key.
  let submission: Submission | null = null;
  let submissionFor = "";
  let inFlight = false;
  let duplicateChecked = "";

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
      const c = control(e.field);
      if (c) setMessage(c.message, e.message, e.note ? "hint" : "error");
      else setMessage(top, e.message, e.note ? "hint" : "error");
    }
    const first = controls.find((c) => errors.some((e) => !e.note && e.field === c.field.id));
    first?.el.querySelector<HTMLElement>("input, select, textarea")?.focus();
  };

  /** The form's part is done: the result, and "Create another" for a fresh, empty one. */
  const finished = (): void => {
    // Timers still due would read the sent form back into the draft.
    window.clearTimeout(saveTimer);
    window.clearTimeout(noteTimer);
    for (const k of Object.keys(values)) delete values[k];
    form.hidden = true;
    const again = h("button", { class: "btn primary", text: `Create another`, attrs: { type: "button", id: "btn-create-another" } });
    again.addEventListener("click", () => {
      for (const k of Object.keys(values)) delete values[k];
      redraw();
    });
    result.appendChild(h("div", { class: "actions" }, again));
  };

  const send = async (filled: FilledForm, expected: ExpectedConnection | null): Promise<void> => {
    setMessage(top, null);
    duplicate.hidden = true;
    const errors = await actionsApi.check(action.id, filled);
    showErrors(errors);
    if (errors.some((e) => !e.note)) {
      clear(result); // An earlier answer would read as this one's.
      return;
    }
    if (!expected) {
      setMessage(top, "Connect a Stripe account first.");
      return;
    }
    const snapshot = JSON.stringify(filled.values);
    // Before a second object just like one that exists (a customer with this email).
    if (action.duplicateCheck && duplicateChecked !== snapshot) {
      const same = await actionsApi.duplicate(action.id, filled).catch(() => null);
      if (same) {
        showDuplicate(same, snapshot);
        return;
      }
    }
    const conn = activeConnection();
    const live = expected.mode === "live";
    const method = action.freeForm ? filled.values["method"] : null;
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
    if (submission === null || submissionFor !== snapshot) {
      submission = { id: crypto.randomUUID(), attempt: 0 };
      submissionFor = snapshot;
    }
    try {
      const r = await actionsApi.run(action.id, filled, submission, expected);
      submission = null;
      if (action.changesOnly && originals.has(draftKey(action.id))) {
        // What was just sent is now what Stripe has.
        originals.set(draftKey(action.id), { ...values });
      }
      const paged = "starting_after" in filled.values || "ending_before" in filled.values;
      renderResult(result, r, paged, (paging) => {
        for (const [k, v] of Object.entries(paging)) values[k] = v;
        for (const k of ["starting_after", "ending_before", "page"]) if (!(k in paging)) delete values[k];
        redraw();
      });
      // A create is done: a second click must not make a second one.
      if (action.writes && !action.changesOnly && !action.advanced) finished();
    } catch (e) {
      const err = toAppError(e);
      if (!wrap.isConnected) {
        // The screen was redrawn meanwhile (the account on screen changed): say it there.
        pendingNotice = err.message;
        document.querySelector<HTMLElement>(".action-pane")?.replaceChildren();
        if (document.querySelector(".action-pane")) void load(document.querySelector(".action-list") as HTMLElement, document.querySelector(".action-pane") as HTMLElement);
        return;
      }
      const c = err.param ? control(err.param) : undefined;
      const stripe = { status: err.status ?? null, message: err.stripe_message ?? null };
      if (c) setMessage(c.message, err.message, "error", err.request_id, stripe);
      else setMessage(top, err.message, "error", err.request_id, stripe);
      clear(result);
      // Stripe keeps a 5xx under the key: the next try is a new one.
      const spent = (err.status ?? 0) >= 500;
      if (spent && submission) submission = { id: submission.id, attempt: submission.attempt + 1 };
      if (err.retryable) {
        const again = h("button", { class: "btn secondary", text: "Try again", attrs: { type: "button", id: "btn-try-again" } });
        again.addEventListener("click", () => void run());
        result.appendChild(again);
        if (spent && action.writes) {
          result.appendChild(h("p", { class: "help", text: "Stripe had a problem partway. Trying again first looks for what this may already have made, so nothing is made twice." }));
        }
      }
    }
  };

  const showDuplicate = (same: LookupChoice, snapshot: string): void => {
    clear(duplicate);
    const open = h("button", { class: "btn secondary", text: "Open it", attrs: { type: "button", id: "btn-open-existing" } });
    const anyway = h("button", { class: "btn secondary", text: "Create another anyway", attrs: { type: "button", id: "btn-create-anyway" } });
    open.addEventListener("click", () => openWith("get_customer", { customer: same.id }));
    anyway.addEventListener("click", () => {
      duplicateChecked = snapshot;
      duplicate.hidden = true;
      void run();
    });
    duplicate.append(
      h("span", { text: `A customer with this email already exists: ${same.label}. Open it, or create another anyway.` }),
      h("span", { class: "actions" }, open, anyway),
    );
    duplicate.hidden = false;
    open.focus();
  };

  const run = async (): Promise<void> => {
    if (inFlight) return; // Enter pressed twice or a double click: one submission.
    inFlight = true;
    submit.disabled = true;
    // The account the person is looking at now, before any question is asked.
    const expected = seenConnection();
    try {
      await send(collect(), expected);
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
  let noteTimer: number | undefined;
  const persist = (): void => {
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(() => {
      void actionsApi.saveDraft(action.id, collect()).catch(() => undefined);
    }, 400);
  };
  // What will be sent in place of what was typed (a statement descriptor
  // without é), said as the person types; mistakes wait for the submit.
  const notes = (): void => {
    window.clearTimeout(noteTimer);
    noteTimer = window.setTimeout(() => {
      void actionsApi.check(action.id, collect()).then(
        (found) => {
          for (const c of controls) if (c.message.classList.contains("is-hint")) setMessage(c.message, null);
          for (const n of found.filter((e) => e.note)) {
            const c = control(n.field);
            if (c) setMessage(c.message, n.message, "hint");
          }
        },
        () => undefined,
      );
    }, 300);
  };
  form.addEventListener("input", (ev) => {
    collect();
    persist();
    notes();
    applyShownWhen();
    // What was said about the last try no longer holds once the form changes.
    setMessage(top, null);
    duplicate.hidden = true;
    result.querySelector("#btn-try-again")?.parentElement?.replaceChildren();
    const field = (ev.target as HTMLElement).closest<HTMLElement>("[data-field]")?.dataset["field"];
    const c = field ? control(field) : undefined;
    if (c && !c.message.classList.contains("is-hint")) setMessage(c.message, null);
  });
  form.addEventListener("change", () => {
    persist();
    applyShownWhen();
  });
  return wrap;
}

/** Draws one field from its description (also a workflow step's field); `actionId` turns on its picker
 * (`field.lookup`), which asks the app for choices. */
export function renderField(field: Field, values: Values, actionId?: string): Control {
  const id = nextId(`f-${field.id}`);
  const helpId = `${id}-help`;
  const message = h("p", { class: "field-message", attrs: { hidden: true, id: `${id}-msg` } });
  const label = h("label", { class: "label", text: field.label, attrs: { for: id } });
  if (field.required) label.appendChild(h("span", { class: "required", text: " *", attrs: { "aria-label": "required" } }));
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
        // only when the customer chosen has one.
        const group = h("div", { id, class: "choice-group", attrs: { role: "radiogroup", "aria-describedby": described } });
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
      const box = h("fieldset", { id, class: "address", attrs: { "aria-describedby": described } });
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
  // A yes/no box sits before its label, on one line, as checkboxes do.
  const wrap =
    kind.type === "yesNo"
      ? h("div", { class: "field yes-no", data: { field: field.id } }, h("div", { class: "check-line" }, el, label), help, message)
      : h("div", { class: "field", data: { field: field.id } }, kind.type === "choice" && field.lookup?.type === "savedCard" ? h("span", { class: "label", text: field.label, attrs: { id: `${id}-label` } }) : label, el, helpPlaced ? null : help, message);
  if (kind.type === "choice" && field.lookup?.type === "savedCard") el.setAttribute("aria-labelledby", `${id}-label`);
  return { field, el: wrap, read, message, refresh };
}

// ---------------------------------------------------------------------------
// Pickers, drawn from a field's `lookup`
// ---------------------------------------------------------------------------

function lookupChoices(actionId: string, fieldId: string, query: string, parent: string | null): Promise<LookupAnswer> {
  return actionsApi.lookup(actionId, fieldId, query, parent);
}

/** The parents' choices, asked once per form and shared by its rows. */
function lazyChoices(actionId: string, fieldId: string, parent: string | null): () => Promise<LookupAnswer> {
  let asked: Promise<LookupAnswer> | null = null;
  return () => (asked ??= lookupChoices(actionId, fieldId, "", parent));
}

/** Choices under a search box, narrowed as the person types; picking one calls `pick`. */
function choiceList(
  box: HTMLInputElement,
  listId: string,
  what: string,
  ask: (typed: string) => Promise<LookupAnswer>,
  pick: (c: LookupChoice) => void,
  note: HTMLElement,
): HTMLElement {
  const choices = h("ul", { id: listId, class: "picker-choices", attrs: { "aria-label": what } });
  let timer: number | undefined;
  let asked = 0;
  const find = async (): Promise<void> => {
    const typed = box.value.trim();
    const mine = ++asked;
    if (!typed) {
      clear(choices);
      note.hidden = true;
      return;
    }
    try {
      const answer = await ask(typed);
      if (mine !== asked) return; // A later keystroke asked again.
      clear(choices);
      note.textContent = answer.note ?? "";
      note.hidden = !answer.note;
      for (const c of answer.choices.slice(0, 12)) {
        const pickIt = h("button", { class: "picker-choice", attrs: { type: "button" } }, h("span", { class: "picker-label", text: c.label }), h("span", { class: "picker-detail", text: c.detail }));
        pickIt.addEventListener("click", () => {
          clear(choices);
          pick(c);
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
    timer = window.setTimeout(() => void find(), 250);
  });
  box.addEventListener("keydown", (ev) => {
    // Enter here searches; it does not submit the form.
    if (ev.key === "Enter") {
      ev.preventDefault();
      window.clearTimeout(timer);
      void find();
    }
  });
  return choices;
}

/** "Find by name or email": choices under the ID input; picking one fills it. */
function searchPicker(actionId: string, field: Field, target: HTMLInputElement): HTMLElement {
  const sid = nextId(`find-${field.id}`);
  const box = h("input", {
    id: sid,
    class: "input picker-search",
    attrs: { type: "search", placeholder: "Name, email or phone", autocomplete: "off", "aria-controls": `${sid}-choices` },
  });
  const note = h("p", { class: "help picker-note", attrs: { "aria-live": "polite", hidden: true } });
  const choices = choiceList(box, `${sid}-choices`, "Customers found", (q) => lookupChoices(actionId, field.id, q, null), (c) => {
    target.value = c.id;
    target.dispatchEvent(new Event("input", { bubbles: true }));
    note.textContent = `Chosen: ${c.label}`;
    note.hidden = false;
    target.focus();
  }, note);
  return h(
    "div",
    { class: "picker" },
    h("label", { class: "label picker-caption", text: "Find by name, email or phone (3 characters or more)", attrs: { for: sid } }),
    box,
    note,
    choices,
  );
}

/** One entry of a list kept in the app (a country), found by its name; reads its code. */
function fixedSingle(actionId: string, field: Field, id: string, code: string): { el: HTMLElement; read: () => string } {
  let chosen = code;
  const box = h("input", { id, class: "input picker-search country", attrs: { type: "search", autocomplete: "off", placeholder: "Type a country's name", "aria-controls": `${id}-choices` } });
  const note = h("p", { class: "help picker-note", attrs: { "aria-live": "polite", hidden: true } });
  // A country already set (from Stripe, or a draft) is shown by its name.
  if (code) {
    box.value = code;
    void lookupChoices(actionId, field.id, code, null).then((a) => {
      const same = a.choices.find((c) => c.id.toUpperCase() === code.toUpperCase());
      if (same && box.value === code) box.value = same.label;
    }, () => undefined);
  }
  const choices = choiceList(box, `${id}-choices`, "Countries", (q) => lookupChoices(actionId, field.id, q, null), (c) => {
    chosen = c.id;
    box.value = c.label;
    note.hidden = true;
    box.dispatchEvent(new Event("change", { bubbles: true }));
    box.closest("form")?.dispatchEvent(new Event("input"));
  }, note);
  box.addEventListener("input", () => {
    chosen = ""; // Typed, not picked: the check says what to do with it.
  });
  return {
    el: h("div", { class: "fixed-picker" }, box, note, choices),
    // What was picked, or what was typed (a name or code, checked by the app).
    read: () => chosen || box.value.trim(),
  };
}

/** Several entries of a list kept in the app (languages), picked by name, kept in order. */
function fixedMulti(actionId: string, field: Field, id: string, described: string, codes: string[]): { el: HTMLElement; read: () => FieldValue | undefined } {
  const picked: LookupChoice[] = codes.map((c) => ({ id: c, label: c, detail: c }));
  const chips = h("ul", { class: "chips", attrs: { "aria-label": `${field.label} chosen` } });
  const box = h("input", { id, class: "input picker-search", attrs: { type: "search", autocomplete: "off", placeholder: "Type a language", "aria-describedby": described, "aria-controls": `${id}-choices` } });
  const note = h("p", { class: "help picker-note", attrs: { "aria-live": "polite", hidden: true } });
  const drawChips = (): void => {
    clear(chips);
    picked.forEach((c, i) => {
      const remove = h("button", { class: "btn ghost small", text: "Remove", attrs: { type: "button", "aria-label": `Remove ${c.label}` } });
      remove.addEventListener("click", () => {
        picked.splice(i, 1);
        drawChips();
        box.closest("form")?.dispatchEvent(new Event("input"));
      });
      chips.appendChild(h("li", { class: "chip" }, h("span", { text: c.label }), remove));
    });
  };
  drawChips();
  // Codes kept from Stripe or a draft are shown by their names.
  for (const c of picked) {
    void lookupChoices(actionId, field.id, c.id, null).then((a) => {
      const same = a.choices.find((x) => x.id === c.id);
      if (same) {
        c.label = same.label;
        drawChips();
      }
    }, () => undefined);
  }
  const choices = choiceList(box, `${id}-choices`, "Languages", (q) => lookupChoices(actionId, field.id, q, null), (c) => {
    if (!picked.some((p) => p.id === c.id)) picked.push(c);
    box.value = "";
    drawChips();
    box.closest("form")?.dispatchEvent(new Event("input"));
  }, note);
  return {
    el: h("div", { class: "fixed-picker" }, chips, box, note, choices),
    read: () => {
      const typed = box.value.trim();
      const all = picked.map((p) => p.id).concat(typed ? [typed] : []);
      return all.length ? all : undefined;
    },
  };
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

/** An action's result as this screen shows it (headline, note, request ID, summary rows, a list as a table,
 * prices, Dashboard link, JSON); also a done workflow step's. `paging`: this screen's Previous and Next. */
export function resultCard(r: ActionResult, paging: HTMLElement[] = []): HTMLElement {
  const card = h("div", { class: "card action-result-card" }, h("h3", { class: "card-title", text: r.headline }));
  if (r.note) card.appendChild(h("p", { class: "note warn result-note", text: r.note, attrs: { role: "status" } }));
  const requestId = requestIdLine(r.requestId);
  if (r.actionId === "any_endpoint" && r.status !== null) {
    card.appendChild(h("p", { class: "result-status" }, h("span", { class: "http-status", text: `HTTP ${r.status}` }), requestId));
  } else if (requestId) card.appendChild(requestId);
  const advanced = r.actionId === "any_endpoint";
  if (r.rows.length) card.appendChild(summary(r.rows, advanced));
  if (r.items.length) {
    // Each row's own ID, from Stripe's answer (a workflow step's result keeps it elsewhere).
    const data = (r.json as { data?: Array<{ id?: unknown }> } | null)?.data ?? [];
    const ids = r.items.map((_, i) => (typeof data[i]?.id === "string" ? (data[i]?.id as string) : null));
    card.appendChild(table(r.items, ids));
  }
  const nav = h("div", { class: "actions" });
  if (r.items.length) {
    // A page of a list: how many are shown, never a total Stripe did not give.
    nav.appendChild(h("span", { class: "showing", text: `Showing ${r.items.length}` }));
  }
  nav.append(...paging);
  if (r.related.length) {
    card.appendChild(h("h4", { text: "Prices" }));
    r.related.forEach((item) => card.appendChild(summary(item, false)));
  }
  if (r.relatedError) card.appendChild(h("p", { class: "field-message is-error", text: r.relatedError }));
  if (r.dashboardUrl) {
    const url = r.dashboardUrl;
    const open = h("button", { class: "btn secondary", text: "Open in the Stripe Dashboard", attrs: { type: "button" } });
    open.addEventListener("click", () => void appApi.openDashboard(url).catch(() => undefined));
    nav.appendChild(open);
  }
  card.appendChild(nav);
  // The request to any endpoint is for people who want the JSON: open it.
  const json = h(
    "details",
    { class: "json", attrs: { open: advanced } },
    h("summary", { text: "Show what Stripe sent" }),
    h("pre", { text: JSON.stringify(r.json, null, 2) }),
  );
  card.appendChild(json);
  return card;
}

function shownValue(row: SummaryRow): string {
  return row.timestamp !== null ? new Date(row.timestamp * 1000).toLocaleString() : row.value;
}

/** An ID one click away: "ID" opens to show it, with Copy. */
function idBehind(id: string, of: string): HTMLElement {
  const copy = h("button", { class: "btn ghost small", text: "Copy", attrs: { type: "button", "aria-label": `Copy the ID of ${of}` } });
  copy.addEventListener("click", () => void navigator.clipboard.writeText(id).catch(() => undefined));
  return h("details", { class: "id-behind" }, h("summary", { text: "ID", attrs: { title: `Show the ID of ${of}` } }), h("code", { text: id }), copy);
}

function summary(rows: SummaryRow[], showIds: boolean): HTMLElement {
  const dl = h("dl", { class: "summary" });
  for (const row of rows) {
    const value = shownValue(row);
    const dd = h("dd", {});
    if (row.link) {
      // A page for the customer: copy it into an email, or open it.
      const copy = h("button", { class: "btn secondary small", text: "Copy link", attrs: { type: "button", "aria-label": `Copy the ${row.label.toLowerCase()} link` } });
      copy.addEventListener("click", () => {
        void navigator.clipboard.writeText(row.value).then(
          () => (copy.textContent = "Copied"),
          () => undefined,
        );
      });
      const open = h("button", { class: "btn secondary small", text: "Open", attrs: { type: "button" } });
      open.addEventListener("click", () => void appApi.openDashboard(row.value).catch(() => undefined));
      dd.append(h("input", { class: "input link-value", attrs: { readonly: true, value: row.value, "aria-label": row.label } }), copy, open);
    } else if (row.copy && !showIds) {
      dd.appendChild(idBehind(row.value, row.label));
    } else {
      dd.appendChild(h("span", { class: "value", text: value, attrs: { title: value } }));
      if (row.copy) {
        const copy = h("button", { class: "btn ghost small", text: "Copy", attrs: { type: "button", "aria-label": `Copy ${row.label}` } });
        copy.addEventListener("click", () => void navigator.clipboard.writeText(row.value).catch(() => undefined));
        dd.appendChild(copy);
      }
      if (row.id) dd.appendChild(idBehind(row.id, value));
    }
    dl.appendChild(h("dt", { text: row.label }));
    dl.appendChild(dd);
  }
  return dl;
}

/** A list's page as a table: one column per label, names and amounts in the
 * cells, each row's ID one click away. */
function table(items: SummaryRow[][], ids: Array<string | null>): HTMLElement {
  const labels: string[] = [];
  for (const item of items) for (const row of item) if (!row.copy && !labels.includes(row.label)) labels.push(row.label);
  const withIds = ids.some((id) => id !== null);
  const head = h("tr", {}, ...labels.map((l) => h("th", { text: l, attrs: { scope: "col" } })), withIds ? h("th", { text: "ID", attrs: { scope: "col" } }) : null);
  const body = h("tbody", {});
  items.forEach((item, i) => {
    const tr = h("tr", {});
    for (const label of labels) {
      const row = item.find((r) => r.label === label);
      const value = row ? shownValue(row) : "";
      const whole = ["Status", "Price", "Amount", "Fee", "Net"].includes(label);
      tr.appendChild(h("td", { text: value, class: whole ? "whole" : undefined, attrs: { title: value } }));
    }
    const first = item.find((r) => !r.copy);
    const id = ids[i] ?? null;
    if (withIds) tr.appendChild(h("td", { class: "id-cell" }, id ? idBehind(id, first ? shownValue(first) : "this") : null));
    body.appendChild(tr);
  });
  return h("div", { class: "result-table-wrap" }, h("table", { class: "result-table" }, h("thead", {}, head), body));
}
