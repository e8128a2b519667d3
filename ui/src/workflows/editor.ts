// The editor of a saved workflow: its name, what each run asks for, its
// steps (each an action drawn with the Actions screen's field renderer,
// references as chips in words, `{{` opening the menu), and the run card.

import * as workflowsApi from "../api/workflows.js";
import { renderField, type Control } from "../actions/fields.js";
import type { FieldValue } from "../bindings/FieldValue";
import type { Problem } from "../bindings/Problem";
import type { Workflow } from "../bindings/Workflow";
import { confirmDialog } from "../dialog.js";
import { clear, h, setMessage } from "../dom.js";
import { toAppError } from "../tauri.js";
import type { WorkflowsContext, WorkflowStep } from "./context.js";
import { chips, labelRows, markAt, References, switchableField } from "./fields.js";
import { fileRow } from "./files.js";
import { inputsCard } from "./inputs.js";
import { attachMenu } from "./menu.js";
import { runCard } from "./run.js";

interface StepView {
  name: HTMLInputElement;
  controls: Control[];
  el: HTMLElement;
}

export function editor(ws: WorkflowsContext, w: Workflow): HTMLElement {
  const box = h("div", { class: "wf-editor" });
  const problemsBox = h("div", { id: "wf-problems", attrs: { role: "status" } });
  const saveMessage = h("p", { id: "wf-save-message", class: "field-message", attrs: { hidden: true, role: "status" } });
  const name = h("input", { id: "wf-name", class: "input", attrs: { value: w.name } });
  const stepViews: StepView[] = [];
  const words = new References();

  /** The workflow as edited now. */
  const read = (): Workflow => {
    const steps = stepViews.map((v, i) => {
      const fields: Record<string, unknown> = {};
      for (const c of v.controls) {
        const value = c.read();
        if (value !== undefined) fields[c.field.id] = value;
      }
      return { name: v.name.value.trim(), action: (w.steps[i] as WorkflowStep).action, fields };
    });
    return { ...w, name: name.value, steps };
  };
  const showProblems = (problems: Problem[]): void => {
    for (const m of Array.from(box.querySelectorAll<HTMLElement>(".wf-step .field-message, .wf-inputs .field-message"))) setMessage(m, null);
    clear(problemsBox);
    for (const p of problems) {
      const at = markAt(box, p.step, p.field, p.reason);
      if (at) continue;
      const index = w.steps.findIndex((s) => s.name === p.step);
      const where = index >= 0 ? `${ws.stepTitle(index, (w.steps[index] as WorkflowStep).action)}: ` : "";
      problemsBox.appendChild(h("p", { class: "field-message is-error", text: `${where}${p.reason}` }));
    }
  };
  const save = async (): Promise<Problem[]> => {
    const now = read();
    Object.assign(w, now);
    const problems = await workflowsApi.save(now);
    showProblems(problems);
    return problems;
  };
  // A message about the last save, check or removal holds until the next change.
  box.addEventListener("input", () => setMessage(saveMessage, null));

  // Name, rename, duplicate, delete, export/import.
  const rename = h("button", { id: "btn-wf-rename", class: "btn secondary", text: "Rename", attrs: { type: "button" } });
  rename.addEventListener("click", async () => {
    try {
      w.name = (await workflowsApi.rename(w.id, name.value)).name;
      ws.listNote = `Renamed to “${w.name}”.`;
      ws.redraw();
    } catch (e) {
      setMessage(saveMessage, toAppError(e).message, "error");
    }
  });
  const duplicate = h("button", { id: "btn-wf-duplicate", class: "btn secondary", text: "Duplicate", attrs: { type: "button" } });
  duplicate.addEventListener("click", async () => {
    await save();
    const copy = await workflowsApi.duplicate(w.id);
    ws.workflows.push(copy);
    ws.currentId = copy.id;
    ws.listNote = `Made “${copy.name}”.`;
    ws.redraw();
  });
  const remove = h("button", { id: "btn-wf-delete", class: "btn danger", text: "Delete", attrs: { type: "button" } });
  remove.addEventListener("click", async () => {
    const ok = await confirmDialog({ title: `Delete “${w.name}”?`, body: "Its run history stays on this computer. You can undo this until you make another change.", yes: "Delete", danger: true });
    if (!ok) return;
    ws.undoable = await workflowsApi.remove(w.id);
    ws.workflows = ws.workflows.filter((x) => x.id !== w.id);
    ws.currentId = null;
    ws.listNote = `“${w.name}” was deleted.`;
    ws.redraw();
  });
  box.appendChild(
    h(
      "div",
      { class: "card" },
      h("label", { class: "label", text: "Name", attrs: { for: "wf-name" } }),
      name,
      h("div", { class: "row" }, rename, duplicate, remove),
      fileRow(ws, w, save),
    ),
  );

  // Inputs.
  box.appendChild(inputsCard(ws, w, save));

  // Steps.
  w.steps.forEach((step, index) => {
    const action = ws.actions.find((a) => a.id === step.action);
    const card = h("div", { class: "card wf-step", data: { step: step.name } });
    const nameId = `wf-step-name-${index}`;
    const stepName = h("input", { id: nameId, class: "input wf-step-name", attrs: { value: step.name, spellcheck: "false" } });
    const up = h("button", { class: "btn secondary btn-wf-up", text: "Move up", attrs: { type: "button", disabled: index === 0, "aria-label": `Move step ${index + 1} up` } });
    const down = h("button", { class: "btn secondary btn-wf-down", text: "Move down", attrs: { type: "button", disabled: index === w.steps.length - 1, "aria-label": `Move step ${index + 1} down` } });
    const drop = h("button", { class: "btn secondary btn-wf-remove-step", text: "Remove step", attrs: { type: "button", "aria-label": `Remove step ${index + 1}` } });
    const move = async (to: number): Promise<void> => {
      Object.assign(w, read());
      const [s] = w.steps.splice(index, 1);
      w.steps.splice(to, 0, s as WorkflowStep);
      await workflowsApi.save(w);
      ws.editNote = `Moved ${ws.stepTitle(index, step.action)} to position ${to + 1}.`;
      ws.redraw();
    };
    up.addEventListener("click", () => void move(index - 1));
    down.addEventListener("click", () => void move(index + 1));
    drop.addEventListener("click", async () => {
      Object.assign(w, read());
      w.steps.splice(index, 1);
      await workflowsApi.save(w);
      ws.editNote = `Removed ${ws.stepTitle(index, step.action)}.`;
      ws.redraw();
    });
    card.appendChild(h("h2", { class: "card-title", text: ws.stepTitle(index, step.action) }));
    if (action) card.appendChild(h("p", { class: "help", text: action.description }));
    card.appendChild(h("div", { class: "row" }, up, down, drop));
    // The name references use: for those who type `{{` by hand.
    const stepMessage = h("p", { class: "field-message wf-step-message", attrs: { hidden: true } });
    card.appendChild(
      h(
        "details",
        { class: "wf-ref-name" },
        h("summary", { text: "Name used when typing {{" }),
        h("label", { class: "label", text: "Name of this step in references", attrs: { for: nameId } }),
        stepName,
        h("p", { class: "help", text: "Lowercase letters, digits and _. References to this step follow a new name." }),
      ),
    );
    card.appendChild(stepMessage);
    const notes = h("div", { class: "wf-step-notes" });
    card.appendChild(notes);
    // A new name: references to the step follow it.
    stepName.addEventListener("change", async () => {
      const now = read();
      const renamed = stepName.value.trim();
      (now.steps[index] as WorkflowStep).name = step.name;
      try {
        Object.assign(w, await workflowsApi.renameStep(now, step.name, renamed));
        ws.redraw();
      } catch (e) {
        setMessage(stepMessage, toAppError(e).message, "error");
      }
    });
    const controls: Control[] = [];
    const menuOn = (field: HTMLElement): void => attachMenu(field, () => read(), () => stepName.value.trim() || step.name, words);
    for (const f of action?.fields ?? []) {
      if (f.advanced && step.fields[f.id] === undefined) continue;
      const values = step.fields as Record<string, FieldValue>;
      const c = f.kind.type === "choice" || f.kind.type === "yesNo" ? switchableField(f, values, menuOn) : renderField(f, values);
      // References are text: inputs that would refuse `{{` become text boxes.
      for (const i of Array.from(c.el.querySelectorAll<HTMLInputElement>("input"))) {
        if (["number", "email", "url", "tel", "date"].includes(i.type)) i.type = "text";
      }
      labelRows(c.el);
      controls.push(c);
      card.appendChild(c.el);
    }
    for (const field of Array.from(card.querySelectorAll<HTMLElement>(".field"))) menuOn(field);
    for (const i of Array.from(card.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>(".field input[type='text'], .field input:not([type]), .field textarea"))) chips(i, words);
    card.addEventListener("change", () => void words.refresh(read()));
    stepViews.push({ name: stepName, controls, el: card });
    box.appendChild(card);
  });

  // Add a step.
  const pick = h("select", { id: "wf-add-action", class: "input" });
  for (const a of ws.actions) pick.appendChild(h("option", { text: a.name, attrs: { value: a.id } }));
  const add = h("button", { id: "btn-wf-add-step", class: "btn secondary", text: "Add step", attrs: { type: "button" } });
  add.addEventListener("click", async () => {
    Object.assign(w, read());
    let n = 1;
    let stepName = pick.value;
    while (w.steps.some((s) => s.name === stepName)) stepName = `${pick.value}_${++n}`;
    w.steps.push({ name: stepName, action: pick.value, fields: {} });
    try {
      await workflowsApi.save(w);
      ws.editNote = `Added ${ws.stepTitle(w.steps.length - 1, pick.value)}.`;
      ws.redraw();
    } catch (e) {
      w.steps.pop();
      setMessage(saveMessage, toAppError(e).message, "error");
    }
  });
  const saveButton = h("button", { id: "btn-wf-save", class: "btn secondary", text: "Save and check", attrs: { type: "button" } });
  saveButton.addEventListener("click", async () => {
    try {
      const problems = await save();
      setMessage(
        saveMessage,
        problems.length === 0 ? "Saved. Nothing stops it from running." : `Saved. ${problems.length === 1 ? "One thing" : `${problems.length} things`} to fix before it runs: see the marks.`,
        problems.length === 0 ? "ok" : "error",
      );
    } catch (e) {
      setMessage(saveMessage, toAppError(e).message, "error");
    }
  });
  box.appendChild(
    h(
      "div",
      { class: "card" },
      h("div", { class: "row" }, h("label", { class: "label", text: "Add a step that", attrs: { for: "wf-add-action" } }), pick, add),
      h("div", { class: "row" }, saveButton),
      saveMessage,
    ),
  );
  box.appendChild(problemsBox);
  box.appendChild(runCard(ws, w, save, showProblems));
  // Notes on steps (sends data out, cannot be checked after a day), and chips in words.
  void words.refresh(w).then((got) => {
    for (const n of got?.notes ?? []) {
      const at = box.querySelector<HTMLElement>(`.wf-step[data-step="${CSS.escape(n.step)}"] .wf-step-notes`);
      at?.appendChild(h("p", { class: "note warn wf-step-note", text: n.note }));
    }
  });
  // What the list said last goes once the person edits.
  box.addEventListener("input", () => {
    ws.listNote = null;
    ws.editNote = null;
    const m = document.getElementById("wf-list-message");
    if (m) setMessage(m, null);
  });
  if (ws.editNote) setMessage(saveMessage, ws.editNote, "ok");
  ws.editNote = null;
  return box;
}
