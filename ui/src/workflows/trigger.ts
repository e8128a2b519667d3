// A workflow that starts by itself: the kind of event that starts it
// ("A customer is created"), conditions on the event's fields, the inputs
// every such run takes, switched on (asked once in live mode, naming the
// account), paused or removed; a backlog larger than runs without asking
// waits for the person's word. And the way to run it for every row of a
// spreadsheet.

import * as bulkApi from "../api/bulk.js";
import { numberFormat } from "../actions/fields.js";
import type { Problem } from "../bindings/Problem";
import type { TriggerComparison } from "../bindings/TriggerComparison";
import type { TriggerCondition } from "../bindings/TriggerCondition";
import type { TriggerKind } from "../bindings/TriggerKind";
import type { TriggerSpec } from "../bindings/TriggerSpec";
import type { TriggerView } from "../bindings/TriggerView";
import type { Workflow } from "../bindings/Workflow";
import { confirmDialog } from "../dialog.js";
import { busy, clear, h, setMessage } from "../dom.js";
import { navigate, setTriggerRound, state, subscribe } from "../state.js";
import { toAppError } from "../tauri.js";
import { expected } from "./context.js";

/** The event kind that starts each workflow (saved or being chosen): `{{event.…}}` is checked and offered against it. */
const startedBy = new Map<string, string>();
/** A trigger being set, kept while the screen is drawn again (the account's details changed). */
const drafts = new Map<string, TriggerSpec>();
let kinds: TriggerKind[] = [];

export function eventTypeOf(workflowId: string): string | null {
  return startedBy.get(workflowId) ?? null;
}

/** The workflow's problems, with `{{event.…}}` checked against the kind of event that starts it. */
export async function problemsOf(w: Workflow, saved: Problem[]): Promise<Problem[]> {
  const kind = eventTypeOf(w.id);
  return kind ? bulkApi.triggerCheck(w, kind) : saved;
}

/** "Run for every row of a spreadsheet…" (saved first, so the rows run what is on screen). */
export function spreadsheetRow(w: Workflow, save: () => Promise<Problem[]>): HTMLElement {
  const go = h("button", { id: "btn-wf-bulk", class: "btn secondary", text: "Run for every row of a spreadsheet…", attrs: { type: "button" } });
  go.addEventListener("click", async () => {
    await save();
    state.bulkTarget = { type: "workflow", workflow_id: w.id };
    navigate("spreadsheet");
  });
  return h("div", { class: "row" }, go);
}

const COMPARISONS: Array<[TriggerComparison, string]> = [
  ["equals", "is"],
  ["contains", "contains"],
  ["ends_with", "ends with"],
  ["greater_than", "is more than"],
];

export function triggerCard(w: Workflow, save: () => Promise<Problem[]>, onKind: () => void): HTMLElement {
  const card = h("div", { id: "wf-trigger", class: "card" });
  const message = h("p", { id: "wf-trigger-message", class: "field-message", attrs: { hidden: true } });
  let current: TriggerView | null = null;
  let editing = false;

  const draw = (): void => {
    clear(card);
    card.appendChild(h("h2", { class: "card-title", text: "Start by itself" }));
    if (current && !editing) drawOn(current);
    else drawEditor(current?.spec ?? null);
    card.appendChild(message);
  };

  const drawOn = (t: TriggerView): void => {
    const mode = t.account.livemode ? "live" : "test";
    card.appendChild(
      h("p", { id: "wf-trigger-sentence", class: "card-text" }, h("strong", { text: t.paused ? "Paused. " : "On. " }), `${t.sentence}, it runs in ${t.account.name} (${mode} mode).`),
    );
    card.appendChild(h("p", { class: "help", text: "Each event runs it once, also events that came while Stripe Desk was closed (up to 30 days). A change this workflow makes itself never starts it again." }));
    if (t.waiting) {
      const all = h("button", { id: "btn-wf-trigger-run-backlog", class: "btn primary", text: `Run it for all ${t.waiting}`, attrs: { type: "button" } });
      const none = h("button", { id: "btn-wf-trigger-skip-backlog", class: "btn secondary", text: "Let them go", attrs: { type: "button" } });
      const decide = (run: boolean) => (): Promise<void> =>
        busy([all, none], async () => {
          try {
            current = await bulkApi.triggerBacklog(w.id, run);
            // Decided: the notice on every screen goes.
            const round = state.triggerRound;
            if (round) setTriggerRound({ ...round, waiting: round.waiting.filter((b) => b.workflow_id !== w.id) });
            draw();
            setMessage(message, run ? "They run in the next round." : "Those events will not run it.", "ok");
          } catch (e) {
            setMessage(message, toAppError(e).message, "error");
          }
        });
      all.addEventListener("click", decide(true));
      none.addEventListener("click", decide(false));
      card.append(h("p", { id: "wf-trigger-backlog", class: "note warn", text: `${t.waiting} events are waiting to run it: more than runs without asking.`, attrs: { role: "alert" } }), h("div", { class: "row" }, all, none));
    }
    const toggle = h("button", { id: t.paused ? "btn-wf-trigger-resume" : "btn-wf-trigger-pause", class: "btn secondary", text: t.paused ? "Switch on again" : "Pause", attrs: { type: "button" } });
    toggle.addEventListener("click", () =>
      busy([toggle], async () => {
        try {
          let confirmation: string | null = null;
          const exp = expected();
          if (t.paused && exp) {
            const plan = await bulkApi.triggerPlan(w.id, exp, t.spec);
            if (plan.confirmation) {
              if (!(await confirmDialog({ title: "Switch it on again?", body: plan.sentence, yes: "Switch on" }))) return;
              confirmation = plan.confirmation;
            }
          }
          current = await bulkApi.pauseTrigger(w.id, !t.paused, confirmation);
          draw();
          setMessage(message, current.paused ? "Paused: events that come now do not start it." : "On again: events from now on start it.", "ok");
        } catch (e) {
          setMessage(message, toAppError(e).message, "error");
        }
      }),
    );
    const change = h("button", { id: "btn-wf-trigger-change", class: "btn secondary", text: "Change", attrs: { type: "button" } });
    change.addEventListener("click", () => {
      editing = true;
      draw();
    });
    const remove = h("button", { id: "btn-wf-trigger-remove", class: "btn danger", text: "Stop starting by itself", attrs: { type: "button" } });
    remove.addEventListener("click", () =>
      busy([remove], async () => {
        try {
          await bulkApi.removeTrigger(w.id);
          current = null;
          startedBy.delete(w.id);
          onKind();
          draw();
          setMessage(message, "It runs only when you press Run now.", "ok");
        } catch (e) {
          setMessage(message, toAppError(e).message, "error");
        }
      }),
    );
    card.appendChild(h("div", { class: "row" }, toggle, change, remove));
  };

  const drawEditor = (spec: TriggerSpec | null): void => {
    const pick = h("select", { id: "wf-trigger-kind", class: "input" }, h("option", { text: "Only when I press Run", attrs: { value: "" } }), ...kinds.map((k) => h("option", { text: k.words, attrs: { value: k.event_type } })));
    pick.value = spec?.event_type ?? eventTypeOf(w.id) ?? "";
    card.appendChild(h("div", { class: "field" }, h("label", { class: "label", text: "Run this workflow", attrs: { for: "wf-trigger-kind" } }), pick));
    const rest = h("div", { class: "wf-trigger-rest" });
    card.appendChild(rest);
    const draft = drafts.get(w.id);
    const from = draft ?? spec;
    const conditions: TriggerCondition[] = from ? structuredClone(from.conditions) : [];
    const inputs: { [key in string]?: string } = { ...(from?.inputs ?? {}) };
    if (draft) pick.value = draft.event_type;
    const keep = (): void => {
      if (pick.value) drafts.set(w.id, { event_type: pick.value, conditions, inputs, number_format: numberFormat() });
      else drafts.delete(w.id);
    };
    rest.addEventListener("input", keep);
    rest.addEventListener("change", keep);
    const drawRest = (): void => {
      clear(rest);
      const kind = kinds.find((k) => k.event_type === pick.value);
      if (!kind) return;
      rest.appendChild(h("p", { class: "help", text: "Steps can use the event's details: type {{ in a field and pick “The event → …”." }));
      const list = h("div", { class: "wf-trigger-conditions", attrs: { role: "group", "aria-label": "Only when" } });
      conditions.forEach((c, i) => {
        const field = h("select", { id: `wf-trigger-field-${i}`, class: "input", attrs: { "aria-label": `Condition ${i + 1}: the event's detail` } }, ...kind.fields.map((f) => h("option", { text: f.label, attrs: { value: f.path } })));
        field.value = c.field;
        if (!kind.fields.some((f) => f.path === c.field)) c.field = field.value;
        const how = h("select", { id: `wf-trigger-how-${i}`, class: "input", attrs: { "aria-label": `Condition ${i + 1}: how it compares` } }, ...COMPARISONS.map(([v, t]) => h("option", { text: t, attrs: { value: v } })));
        how.value = c.comparison;
        const value = h("input", { id: `wf-trigger-value-${i}`, class: "input", attrs: { value: c.value, spellcheck: "false", "aria-label": `Condition ${i + 1}: the value` } });
        const drop = h("button", { class: "btn ghost small", text: `Remove condition ${i + 1}`, attrs: { type: "button" } });
        field.addEventListener("change", () => (c.field = field.value));
        how.addEventListener("change", () => (c.comparison = how.value as TriggerComparison));
        value.addEventListener("input", () => (c.value = value.value));
        drop.addEventListener("click", () => {
          conditions.splice(i, 1);
          keep();
          drawRest();
        });
        list.appendChild(
          h(
            "div",
            { class: "row wf-trigger-condition" },
            h("span", { class: "label", text: i === 0 ? "Only when" : "and", attrs: { "aria-hidden": "true" } }),
            field,
            how,
            value,
            drop,
          ),
        );
      });
      const add = h("button", { id: "btn-wf-trigger-add-condition", class: "btn ghost small", text: "Add a condition", attrs: { type: "button" } });
      add.addEventListener("click", () => {
        conditions.push({ field: kind.fields[0]?.path ?? "", comparison: "equals", value: "" });
        keep();
        drawRest();
        document.getElementById(`wf-trigger-value-${conditions.length - 1}`)?.focus();
      });
      rest.append(list, h("div", { class: "row" }, add));
      for (const input of w.inputs) {
        const id = `wf-trigger-input-${input.name}`;
        const box = h("input", { id, class: "input", attrs: { value: inputs[input.name] ?? "", spellcheck: "false" } });
        box.addEventListener("input", () => (inputs[input.name] = box.value));
        rest.append(h("div", { class: "field" }, h("label", { class: "label", text: `${input.label || input.name} (the same for every run it starts)`, attrs: { for: id } }), box));
      }
      const on = h("button", { id: "btn-wf-trigger-on", class: "btn primary", text: current ? "Save and switch on" : "Switch on", attrs: { type: "button" } });
      on.addEventListener("click", () =>
        busy([on], async () => {
          const exp = expected();
          if (!exp) return;
          setMessage(message, null);
          try {
            await save();
            const next: TriggerSpec = { event_type: kind.event_type, conditions, inputs, number_format: numberFormat() };
            const plan = await bulkApi.triggerPlan(w.id, exp, next);
            let confirmation: string | null = null;
            if (plan.confirmation) {
              if (!(await confirmDialog({ title: plan.account.livemode ? "Switch it on in live mode?" : "Switch it on?", body: plan.sentence, yes: "Switch on" }))) return;
              confirmation = plan.confirmation;
            }
            current = await bulkApi.setTrigger(w.id, exp, next, confirmation);
            drafts.delete(w.id);
            editing = false;
            draw();
            setMessage(message, "On: each such event from now on runs it once.", "ok");
          } catch (e) {
            const err = toAppError(e);
            setMessage(message, err.message, "error", err.request_id);
          }
        }),
      );
      const buttons = h("div", { class: "row" }, on);
      if (current) {
        const keepIt = h("button", { id: "btn-wf-trigger-keep", class: "btn secondary", text: "Keep it as it was", attrs: { type: "button" } });
        keepIt.addEventListener("click", () => {
          drafts.delete(w.id);
          editing = false;
          if (current) startedBy.set(w.id, current.spec.event_type);
          onKind();
          draw();
        });
        buttons.appendChild(keepIt);
      }
      rest.appendChild(buttons);
    };
    pick.addEventListener("change", () => {
      if (pick.value) startedBy.set(w.id, pick.value);
      else startedBy.delete(w.id);
      conditions.length = 0;
      keep();
      onKind();
      drawRest();
    });
    drawRest();
  };

  const load = async (): Promise<void> => {
    try {
      if (!kinds.length) kinds = await bulkApi.triggerKinds();
      current = await bulkApi.trigger(w.id);
      const draft = drafts.get(w.id);
      editing ||= draft !== undefined;
      if (draft) startedBy.set(w.id, draft.event_type);
      else if (current) startedBy.set(w.id, current.spec.event_type);
      else startedBy.delete(w.id);
      onKind();
      draw();
    } catch (e) {
      setMessage(message, toAppError(e).message, "error");
      card.appendChild(message);
    }
  };
  // A round of triggers: this workflow ran, or events wait for a word.
  const stop = subscribe("triggers", () => {
    if (!card.isConnected) return stop();
    const round = state.triggerRound;
    if (round && !editing && (round.waiting.some((b) => b.workflow_id === w.id) || round.runs.some((r) => r.workflow_id === w.id))) void load();
  });
  void load();
  return card;
}
