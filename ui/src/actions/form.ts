// One action's form, drawn from its description: the submit (checked, asked
// about when live, sent once), the duplicate check, drafts, Create another.

import * as actionsApi from "../api/actions.js";
import type { Action } from "../bindings/Action";
import type { ExpectedConnection } from "../bindings/ExpectedConnection";
import type { FieldError } from "../bindings/FieldError";
import type { FilledForm } from "../bindings/FilledForm";
import type { LookupChoice } from "../bindings/LookupChoice";
import type { Submission } from "../bindings/Submission";
import { confirmDialog } from "../dialog.js";
import { clear, h, setMessage } from "../dom.js";
import { activeConnection, navigate, state } from "../state.js";
import { toAppError } from "../tauri.js";
import { Scope, type View } from "../view.js";
import { known, type ActionsContext, type Values } from "./context.js";
import { numberFormat, renderField, type Control } from "./fields.js";
import { renderResult } from "./result.js";

/** The connection on screen now, as a write command carries it. */
function seenConnection(): ExpectedConnection | null {
  const c = activeConnection();
  return c ? { connection_id: c.id, mode: c.mode } : null;
}

/** What the screen does for a form: open another action filled and sent, draw this one afresh. */
export interface FormHooks {
  openWith(actionId: string, values: Values): void;
  redraw(): void;
}

/** One action's form and its result; a new one replaces it when it is drawn again. */
export class ActionForm implements View {
  readonly el: HTMLElement;
  private readonly scope = new Scope();

  constructor(ctx: ActionsContext, action: Action, hooks: FormHooks) {
    this.el = drawForm(ctx, action, hooks, this.scope);
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}

function drawForm(ctx: ActionsContext, action: Action, hooks: FormHooks, scope: Scope): HTMLElement {
  const { drafts, originals } = ctx;
  const draftKey = (actionId: string): string => ctx.draftKey(actionId);
  const openWith = hooks.openWith;
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
  if (ctx.pendingNotice) {
    setMessage(top, ctx.pendingNotice);
    ctx.pendingNotice = null;
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
  const buttons = h("div", { class: "actions" }, submit);
  // Creates and updates can run for every row of a spreadsheet.
  if (action.writes && !action.freeForm && action.path !== "") {
    const many = h("button", { id: "btn-action-bulk", class: "btn ghost", text: "Run for every row of a spreadsheet…", attrs: { type: "button" } });
    many.addEventListener("click", () => {
      state.bulkTarget = { type: "action", action_id: action.id };
      navigate("spreadsheet");
    });
    buttons.appendChild(many);
  }
  form.appendChild(buttons);
  form.appendChild(duplicate);
  const result = h("div", { class: "action-result", attrs: { "aria-live": "polite" } });
  const wrap = h("div", {}, form, result);
  const redraw = (): void => {
    // Only a form still shown is drawn again.
    if (!wrap.parentElement) return;
    hooks.redraw();
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
      // The account the request changes: a connected account when one is chosen, not the platform.
      const platform = conn?.displayName ?? "this account";
      const where = conn?.accountOverride ? (conn.accountOverrideName ?? conn.accountOverride) : platform;
      const through = conn?.accountOverride ? `, the account connected to ${platform}` : "";
      const ok = await confirmDialog({
        title: `${action.name} in ${where}?`,
        body: live ? `This changes live data in ${where}${through}.` : `This deletes it in ${where}${through}.`,
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
        ctx.pendingNotice = err.message;
        ctx.redraw();
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
  // A draft save still due when the form goes is left to finish: nothing typed is lost.
  let saveTimer: number | undefined;
  let noteTimer: number | undefined;
  scope.defer(() => window.clearTimeout(noteTimer));
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
