// Running a workflow: its inputs (with pickers for customers and prices),
// the plan confirmed when it must be, the steps as they go, and the run
// history with Run again and Resume.

import * as actionsApi from "../api/actions.js";
import * as workflowsApi from "../api/workflows.js";
import { numberFormat } from "../actions/fields.js";
import { resultCard } from "../actions/result.js";
import type { InputSpec } from "../bindings/InputSpec";
import type { LoopRecord } from "../bindings/LoopRecord";
import type { LookupAnswer } from "../bindings/LookupAnswer";
import type { Problem } from "../bindings/Problem";
import type { RunPlan } from "../bindings/RunPlan";
import type { RunRecord } from "../bindings/RunRecord";
import type { StepRecord } from "../bindings/StepRecord";
import type { Workflow } from "../bindings/Workflow";
import { confirmDialog } from "../dialog.js";
import { clear, h, setMessage } from "../dom.js";
import { state, subscribe } from "../state.js";
import { when } from "../lib/time.js";
import { toAppError } from "../tauri.js";
import { expected, readingOrder, type WorkflowsContext } from "./context.js";
import { markAt } from "./fields.js";
import { describeKind, describeList } from "./inputs.js";
import { planStep } from "./plan.js";

/** A run input: a text box, with a picker where the input is a customer (by name or email) or a price (a product,
 * then one of its prices). The box still takes a pasted ID. */
function runInput(ws: WorkflowsContext, input: InputSpec): { el: HTMLElement; box: HTMLInputElement | HTMLTextAreaElement } {
  const id = `wf-run-input-${input.name}`;
  const label = h("label", { class: "label", text: input.label || input.name, attrs: { for: id } });
  const message = h("p", { class: "field-message", attrs: { hidden: true } });
  const el = h("div", { class: "field wf-run-input", data: { field: input.name } }, label);
  if (input.list) {
    // Several values, one a line: what a "For each" goes through.
    const lines = h("textarea", { id, class: "input", attrs: { spellcheck: "false", rows: "5", "aria-describedby": `${id}-msg` } });
    message.id = `${id}-msg`;
    el.append(lines, h("p", { class: "help", text: `Asks for ${describeList(input.kind)}, one a line.` }), message);
    return { el, box: lines };
  }
  const box = h("input", { id, class: "input", attrs: { spellcheck: "false" } });
  const help = h("p", { class: "help", text: `Asks for ${describeKind(input.kind)}.` });
  const prefix = input.kind.type === "id_with_prefix" ? input.kind.prefix : null;
  const picker = prefix ? ws.pickerFor(prefix) : null;
  if (picker && prefix === "price_") {
    const product = h("select", { id: `${id}-product`, class: "input pick-parent" });
    const price = h("select", { id: `${id}-price`, class: "input pick-child", attrs: { disabled: true } });
    product.appendChild(h("option", { text: "Loading products…", attrs: { value: "" } }));
    price.appendChild(h("option", { text: "Pick a product first", attrs: { value: "" } }));
    const fill = (s: HTMLSelectElement, a: LookupAnswer, first: string): void => {
      clear(s);
      s.appendChild(h("option", { text: a.choices.length ? first : (a.note ?? "None found"), attrs: { value: "" } }));
      for (const c of a.choices) s.appendChild(h("option", { text: c.label, attrs: { value: c.id } }));
    };
    actionsApi.lookup(picker.actionId, picker.field.id, "", null).then(
      (a) => fill(product, a, "Pick a product"),
      (e: unknown) => fill(product, { choices: [], note: toAppError(e).message }, ""),
    );
    product.addEventListener("change", () => {
      price.disabled = true;
      box.value = "";
      if (!product.value) return;
      actionsApi.lookup(picker.actionId, picker.field.id, "", product.value).then(
        (a) => {
          fill(price, a, "Pick a price");
          price.disabled = a.choices.length === 0;
          if (a.choices.length === 1 && a.choices[0]) {
            price.value = a.choices[0].id;
            box.value = price.value;
          }
        },
        (e: unknown) => fill(price, { choices: [], note: toAppError(e).message }, ""),
      );
    });
    price.addEventListener("change", () => {
      box.value = price.value;
      setMessage(message, null);
    });
    label.setAttribute("for", product.id);
    box.setAttribute("aria-label", `${input.label || input.name}: price ID`);
    el.append(
      h("div", { class: "row wf-run-picker" }, h("label", { class: "label", text: "Product", attrs: { for: product.id } }), product, h("label", { class: "label", text: "Price", attrs: { for: price.id } }), price),
      h("details", { class: "wf-paste" }, h("summary", { text: "Paste a price ID instead" }), box),
    );
  } else if (picker) {
    const sid = `${id}-find`;
    const find = h("input", { id: sid, class: "input picker-search", attrs: { type: "search", placeholder: "Name or email", autocomplete: "off" } });
    const chosen = h("p", { class: "help picker-note", attrs: { "aria-live": "polite", hidden: true } });
    const found = h("ul", { class: "picker-choices", attrs: { "aria-label": "Customers found" } });
    let timer: number | undefined;
    let asked = 0;
    const search = async (): Promise<void> => {
      const mine = ++asked;
      const query = find.value.trim();
      clear(found);
      if (!query) return;
      try {
        const a = await actionsApi.lookup(picker.actionId, picker.field.id, query, null);
        if (mine !== asked) return;
        chosen.textContent = a.note ?? "";
        chosen.hidden = !a.note;
        for (const c of a.choices) {
          const b = h("button", { class: "picker-choice", attrs: { type: "button" } }, h("span", { class: "picker-label", text: c.label }), h("span", { class: "picker-detail", text: c.detail }));
          b.addEventListener("click", () => {
            box.value = c.id;
            clear(found);
            chosen.textContent = `Chosen: ${c.label}`;
            chosen.hidden = false;
            setMessage(message, null);
          });
          found.appendChild(h("li", {}, b));
        }
      } catch (e) {
        chosen.textContent = toAppError(e).message;
        chosen.hidden = false;
      }
    };
    find.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void search(), 300);
    });
    find.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        void search();
      }
    });
    label.setAttribute("for", sid);
    label.textContent = `${input.label || input.name}: find by name or email`;
    el.append(find, chosen, found, h("details", { class: "wf-paste" }, h("summary", { text: "Paste an ID instead" }), box));
  } else {
    el.append(box, help);
    box.setAttribute("aria-describedby", `${id}-msg`);
  }
  message.id = `${id}-msg`;
  el.appendChild(message);
  return { el, box };
}

/** What the confirmation lists: each write with its whole path and values, what leaves the account, what cannot be checked. */
function planDetails(plan: RunPlan): HTMLElement {
  const box = h("div", { id: "confirm-details", class: "wf-confirm-details" });
  for (const l of plan.loops) box.appendChild(h("p", { class: `note${l.asks_first ? " warn" : ""} wf-plan-loop`, text: l.says }));
  for (const m of plan.moves_out) box.appendChild(h("p", { class: "note warn", text: m }));
  for (const m of plan.resend_unchecked) box.appendChild(h("p", { class: "note warn", text: m }));
  if (plan.writes.length) {
    const list = h("ol", { class: "wf-plan" });
    plan.writes.forEach((s) => list.appendChild(planStep(s)));
    box.appendChild(list);
  }
  for (const m of plan.unchecked) box.appendChild(h("p", { class: "help", text: m }));
  return box;
}

function accountWords(a: RunRecord["account"]): string {
  return a.through ? `${a.name} (through ${a.through})` : a.name;
}

export function runCard(ws: WorkflowsContext, w: Workflow, save: () => Promise<Problem[]>, showProblems: (p: Problem[]) => void): HTMLElement {
  const card = h("div", { class: "card wf-run-card" }, h("h2", { class: "card-title", text: "Run" }));
  const inputs = new Map<string, HTMLInputElement | HTMLTextAreaElement>();
  for (const input of w.inputs) {
    const { el, box } = runInput(ws, input);
    inputs.set(input.name, box);
    card.appendChild(el);
  }
  const runButton = h("button", { id: "btn-wf-run", class: "btn primary", text: "Run", attrs: { type: "button" } });
  const message = h("p", { id: "wf-run-message", class: "field-message", attrs: { hidden: true, role: "alert" } });
  const live = h("ol", { id: "wf-run", class: "wf-run", attrs: { "aria-live": "polite" } });
  const history = h("div", { id: "wf-history" });
  const keep = h("input", { id: "wf-keep-days", class: "input wf-keep-days", attrs: { inputmode: "numeric", value: "" } });
  const keepSave = h("button", { id: "btn-wf-keep", class: "btn secondary small", text: "Keep for this long", attrs: { type: "button" } });
  const keepMessage = h("p", { id: "wf-keep-message", class: "field-message", attrs: { hidden: true } });
  card.append(
    runButton,
    message,
    live,
    h("h2", { class: "card-title", text: "Run history" }),
    h("div", { class: "row wf-keep" }, h("label", { class: "label", text: "Keep runs for (days)", attrs: { for: "wf-keep-days" } }), keep, keepSave),
    keepMessage,
    history,
  );
  void workflowsApi.settings().then((s) => {
    keep.value = String(s.run_history_days);
  });
  keepSave.addEventListener("click", async () => {
    try {
      const s = await workflowsApi.saveSettings({ run_history_days: Number(keep.value.trim()) });
      keep.value = String(s.run_history_days);
      setMessage(keepMessage, `Runs are kept for ${s.run_history_days} days; older ones are removed.`, "ok");
      void drawHistory();
    } catch (e) {
      setMessage(keepMessage, toAppError(e).message, "error");
    }
  });
  keep.addEventListener("input", () => setMessage(keepMessage, null));

  const typed = (): Record<string, string> => Object.fromEntries(Array.from(inputs, ([k, i]) => [k, i.value]));
  const markInputs = (problems: Problem[]): void => {
    for (const p of problems) {
      if (p.step !== null) continue;
      const m = card.querySelector<HTMLElement>(`.wf-run-input[data-field="${CSS.escape(p.field ?? "")}"] .field-message`);
      if (m) setMessage(m, p.reason, "error");
    }
  };
  // What no longer holds goes when the person types or picks again.
  const changed = (ev: Event): void => {
    if ((ev.target as HTMLElement).closest(".wf-run-input")) {
      setMessage(message, null);
      for (const m of Array.from(card.querySelectorAll<HTMLElement>(".wf-run-input .field-message"))) setMessage(m, null);
    }
  };
  card.addEventListener("input", changed);
  card.addEventListener("change", changed);
  const showRun = (run: RunRecord): void => {
    clear(live);
    run.steps.forEach((s, i) => live.appendChild(stepLine(ws, w, s, i)));
    // A failure's reason also goes to the step's field in the editor.
    const editor = card.closest(".wf-editor") as HTMLElement | null;
    for (const s of run.steps) {
      if (s.state === "failed" && editor) markAt(editor, s.name, s.field, s.reason);
    }
  };
  // Runs going on from this card: Run stays off until the last has ended (a refused Resume ends first).
  let going = 0;
  const go = async (resume: RunRecord | null, values: Record<string, string>): Promise<void> => {
    let started = false;
    let waiting: RunRecord | null = null;
    setMessage(message, null);
    for (const m of Array.from(card.querySelectorAll<HTMLElement>(".wf-run-input .field-message"))) setMessage(m, null);
    const seen = expected();
    if (!seen) {
      setMessage(message, "Connect a Stripe account first.", "error");
      return;
    }
    const problems = await save();
    if (problems.length) {
      showProblems(problems);
      setMessage(message, "Fix what is marked, then run.", "error");
      return;
    }
    try {
      const plan = await workflowsApi.plan(w.id, seen, values, resume?.run_id ?? null, numberFormat());
      if (plan.confirmation) {
        const where = accountWords(plan.account);
        const many = plan.loops.find((l) => l.asks_first);
        const mode = plan.account.livemode ? "live mode" : "test mode";
        const title = plan.moves_out.length
          ? `Send money or data out of ${plan.account.name}?`
          : plan.resend_unchecked.length
            ? `Send a step again in ${plan.account.name}?`
            : many
              ? `Go through ${(many.items ?? 0) - many.done} items in ${plan.account.name} (${mode})?`
              : `Run in live mode in ${plan.account.name}?`;
        const ok = await confirmDialog({
          title,
          body: plan.account.livemode ? `This creates or changes real things in ${where}, in live mode:` : `This runs in ${where}, in test mode:`,
          details: planDetails(plan),
          yes: many && !plan.moves_out.length && !plan.resend_unchecked.length ? "Go through them" : plan.account.livemode ? "Run in live mode" : "Run it",
          danger: plan.moves_out.length > 0,
        });
        if (!ok) {
          if (resume?.outcome === "waiting_for_go_ahead") setMessage(message, "The run waits for your go-ahead: nothing was changed for its items. Press “Go ahead” in the run history when you are ready.", "error");
          return;
        }
      }
      started = true;
      going += 1;
      runButton.disabled = true;
      const start = { workflowId: w.id, expected: seen, numberFormat: numberFormat(), confirmation: plan.confirmation };
      const run = resume ? await workflowsApi.resume(start, resume.run_id, values, showRun) : await workflowsApi.run(start, values, showRun);
      showRun(run);
      if (run.outcome === "waiting_for_go_ahead") waiting = run;
      else setMessage(message, run.outcome === "succeeded" ? "Every step is done." : "The run stopped: fix what is marked, then Resume.", run.outcome === "succeeded" ? "ok" : "error");
    } catch (e) {
      const err = toAppError(e);
      if (err.param && w.inputs.some((i) => i.name === err.param)) {
        // Said once, at the input it concerns.
        markInputs([{ step: null, field: err.param, reason: err.message }]);
        setMessage(message, "Fix what is marked, then run.", "error");
      } else {
        setMessage(message, err.message, "error");
      }
    } finally {
      if (started) going -= 1;
      runButton.disabled = going > 0;
      void drawHistory();
    }
    // A long list found during the run: it asks, naming the account and mode, before any item runs.
    if (waiting) await go(waiting, waiting.inputs as Record<string, string>);
  };
  runButton.addEventListener("click", () => void go(null, typed()));

  const labelOf = (name: string): string => w.inputs.find((i) => i.name === name)?.label || name.replace(/_/g, " ");
  const drawHistory = async (): Promise<void> => {
    const runs = await workflowsApi.runs(w.id);
    clear(history);
    if (!runs.length) history.appendChild(h("p", { class: "help", text: "No runs yet." }));
    for (const r of runs) {
      const started = when(r.started_at);
      const stoppedAt = r.outcome === "failed" ? r.steps.findIndex((s) => s.name === r.step) : -1;
      const how =
        r.outcome === "succeeded"
          ? "succeeded"
          : r.outcome === "failed"
            ? `stopped at ${stoppedAt >= 0 ? titleOf(ws, w, r.steps[stoppedAt] as StepRecord, stoppedAt) : "a step"}`
            : r.outcome === "waiting_for_go_ahead"
              ? `waiting for your go-ahead to go through ${r.items} items`
              : "interrupted";
      const item = h("div", { class: "wf-history-item", data: { run: r.run_id, outcome: r.outcome } });
      item.appendChild(h("p", { class: "wf-history-line", text: `${started} · ${accountWords(r.account)} (${r.account.livemode ? "live" : "test"} mode) · ${how}` }));
      if (r.trigger) item.appendChild(h("p", { class: "help wf-history-trigger", text: `Started by an event: ${r.trigger.sentence}` }));
      const asked = Object.entries(r.inputs);
      if (asked.length) {
        // A picked customer or price is an ID: one click away, as in results.
        const line = h("p", { class: "help wf-history-inputs" }, "Asked for: ");
        asked.forEach(([k, v], i) => {
          if (i) line.append(", ");
          // A list typed one a line reads as one line here.
          const value = (v ?? "").split("\n").filter((l) => l.trim() !== "").join(", ");
          line.append(
            `${labelOf(k)}: `,
            /^[a-z]+_[A-Za-z0-9]{8,}$/.test(value)
              ? h("details", { class: "inline-id" }, h("summary", { text: "ID" }), h("code", { text: value }))
              : value,
          );
        });
        item.appendChild(line);
      }
      const steps = h("ol", { class: "wf-run" });
      r.steps.forEach((s, i) => steps.appendChild(stepLine(ws, w, s, i, true)));
      item.appendChild(steps);
      const again = h("button", { class: "btn secondary btn-wf-again", text: w.inputs.length ? "Run again with these inputs" : "Run again", attrs: { type: "button" } });
      again.addEventListener("click", () => {
        for (const [k, i] of inputs) i.value = r.inputs[k] ?? "";
        void go(null, typed());
      });
      item.appendChild(again);
      if (r.outcome !== "succeeded") {
        const text = r.outcome === "waiting_for_go_ahead" ? "Go ahead" : "Resume with my fixes";
        const resume = h("button", { class: "btn primary btn-wf-resume", text, attrs: { type: "button" } });
        resume.addEventListener("click", () => void go(r, { ...r.inputs, ...Object.fromEntries(Object.entries(typed()).filter(([, v]) => v.trim() !== "")) } as Record<string, string>));
        item.appendChild(resume);
      }
      history.appendChild(item);
    }
  };
  void drawHistory();
  // Runs an event started show as they finish.
  const stop = subscribe("triggers", () => {
    if (!history.isConnected) return stop();
    if (state.triggerRound?.runs.some((r) => r.workflow_id === w.id)) void drawHistory();
  });
  return card;
}

const STATE_WORDS: Record<StepRecord["state"], string> = { waiting: "Waiting", running: "Running…", done: "Done", failed: "Failed" };

/** "Step 3 · For each", numbered as the workflow is now; a step since removed keeps its place in the run. */
function titleOf(ws: WorkflowsContext, w: Workflow, s: StepRecord, index: number): string {
  return readingOrder(w.steps).some((x) => x.name === s.name) ? ws.titleOf(w, s.name) : ws.stepTitle(index, s.action);
}

/** A "For each"'s items: how many are done, failed and left, and (in the history) each item's outcome. */
function itemsLine(items: LoopRecord, folded: boolean): HTMLElement {
  const left = Math.max(0, items.total - items.done - items.failed);
  const said = `${items.done} of ${items.total} items done · ${items.failed} failed · ${left} left`;
  const box = h(
    "div",
    { class: "wf-items" },
    h("progress", { class: "wf-items-bar", attrs: { max: String(Math.max(items.total, 1)), value: String(items.done + items.failed), "aria-label": "Items done" } }),
    h("p", { class: "wf-items-count", text: said }),
  );
  // As it goes, the items that failed are named at once; the history lists every item.
  const failed = items.outcomes.filter((o) => o.state === "failed");
  if (!folded && failed.length) {
    // A long list scrolls: it takes focus so the keyboard can scroll it too.
    const list = h("ul", { class: "wf-item-outcomes", attrs: { tabindex: "0", "aria-label": "Items that failed" } });
    for (const o of failed.slice(0, 20)) list.appendChild(h("li", { class: "wf-item-outcome is-failed", data: { state: "failed" } }, h("strong", { text: `${o.label}: ` }), o.state === "failed" ? o.reason : ""));
    if (failed.length > 20) list.appendChild(h("li", { class: "help", text: `and ${failed.length - 20} more: see the run history.` }));
    box.appendChild(list);
  }
  if (folded && items.outcomes.length) {
    const list = h("ol", { class: "wf-item-outcomes", attrs: { tabindex: "0", "aria-label": "Each item" } });
    for (const o of [...items.outcomes].sort((a, b) => a.number - b.number)) {
      const what = o.state === "done" ? `Done: ${o.summary}` : `Failed: ${o.reason}`;
      list.appendChild(h("li", { class: `wf-item-outcome is-${o.state}`, data: { state: o.state }, attrs: { value: String(o.number) } }, h("strong", { text: `${o.label}: ` }), what));
    }
    box.appendChild(h("details", { class: "wf-items-each" }, h("summary", { text: `Each item (${items.outcomes.length})` }), list));
  }
  return box;
}

/** One step of a run; in the history (`folded`) a done step's result opens from its one-line summary. */
function stepLine(ws: WorkflowsContext, w: Workflow, s: StepRecord, index: number, folded = false): HTMLElement {
  const state = s.skipped ? "Skipped" : STATE_WORDS[s.state];
  const li = h("li", { class: `wf-run-step is-${s.skipped ? "skipped" : s.state}`, data: { step: s.name, state: s.skipped ? "skipped" : s.state } }, h("strong", { text: `${titleOf(ws, w, s, index)}: ` }), h("span", { class: "wf-run-state", text: state }));
  // Which way an "Only if" went, and why; why a step did not run.
  if (s.decision) li.appendChild(h("p", { class: "wf-run-why", text: s.decision.why }));
  if (s.skipped && s.skipped !== s.decision?.why) li.appendChild(h("p", { class: "wf-run-why", text: s.skipped }));
  if (s.items) li.appendChild(itemsLine(s.items, folded));
  // A "First of": which result it used; an ID stays one click away, as in results.
  const first = s.state === "done" && s.action === "" && !s.items && !s.decision ? (s.output as { value?: unknown } | null)?.value : undefined;
  if (s.state === "done" && first !== undefined) {
    const shown = typeof first === "string" ? first : JSON.stringify(first);
    const said = s.summary.endsWith(`: ${shown}`) ? s.summary.slice(0, -(shown.length + 2)) : s.summary;
    const id = /^[a-z]+_[A-Za-z0-9]{8,}$/.test(shown);
    li.appendChild(h("p", { class: "wf-run-why" }, `${said}`, id ? h("details", { class: "inline-id" }, h("summary", { text: "ID" }), h("code", { text: shown })) : `: ${shown}`));
  }
  // A group's or a loop's own summary says nothing the lines above do not.
  if (s.state === "done" && (s.items || s.action === "")) return li;
  if (s.state === "done") {
    if (s.found_existing) li.appendChild(h("p", { class: "help", text: "Found: made by an earlier attempt of this run." }));
    // The Actions screen's result, drawn by its code; records from before it was kept have one line.
    if (!s.shown) li.appendChild(h("p", { class: "wf-run-summary", text: s.summary }));
    else {
      const card = resultCard({ ...s.shown, json: s.output });
      // In a run, Stripe's JSON stays folded, whatever the step.
      card.querySelector("details.json")?.removeAttribute("open");
      li.appendChild(folded ? h("details", { class: "wf-run-details" }, h("summary", { class: "wf-run-summary", text: s.summary }), card) : card);
    }
  }
  if (s.state === "failed") {
    const at = ws.fieldLabel(s.action, s.field);
    li.appendChild(h("p", { class: "wf-run-reason field-message is-error", text: at ? `${at}: ${s.reason}` : s.reason }));
  }
  return li;
}
