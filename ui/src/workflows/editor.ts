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
import { readingOrder, type WorkflowsContext, type WorkflowStep } from "./context.js";
import { chips, labelRows, markAt, References, switchableField } from "./fields.js";
import { fileRow } from "./files.js";
import { conditionEditor, everyPageEditor, firstOfEditor, forEachEditor } from "./flowparts.js";
import { inputsCard } from "./inputs.js";
import { attachMenu } from "./menu.js";
import { runCard } from "./run.js";
import { problemsOf, spreadsheetRow, triggerCard } from "./trigger.js";

interface StepView {
  /** The step in the workflow's tree: `sync` writes what is typed into it. */
  step: WorkflowStep;
  sync: () => void;
}

/** What a new step of this kind is: an action, or a step that organises others. */
function newStep(kind: string, name: string): WorkflowStep {
  switch (kind) {
    case "flow:group":
      return { name, action: "", fields: {}, only_if: { combine: "all", tests: [{ value: "", test: "is_not_empty" }] }, flow: { kind: "group", steps: [], otherwise: [] } };
    case "flow:for_each":
      return { name, action: "", fields: {}, flow: { kind: "for_each", over: "", steps: [], side_by_side: false, stop_at_first_failure: false } };
    case "flow:first_of":
      return { name, action: "", fields: {}, flow: { kind: "first_of", of: ["", ""] } };
    default:
      return { name, action: kind, fields: {} };
  }
}

/** The name references use for a new step of this kind, one no step or input has. */
function freeName(w: Workflow, kind: string): string {
  const base = kind.startsWith("flow:") ? kind.slice(5) : kind;
  const taken = new Set([...readingOrder(w.steps).map((s) => s.name), ...w.inputs.map((i) => i.name)]);
  let n = 1;
  let name = base;
  while (taken.has(name)) name = `${base}_${++n}`;
  return name;
}

export function editor(ws: WorkflowsContext, w: Workflow): HTMLElement {
  const box = h("div", { class: "wf-editor" });
  const problemsBox = h("div", { id: "wf-problems", attrs: { role: "status" } });
  const saveMessage = h("p", { id: "wf-save-message", class: "field-message", attrs: { hidden: true, role: "status" } });
  const name = h("input", { id: "wf-name", class: "input", attrs: { value: w.name } });
  const stepViews: StepView[] = [];
  const words = new References();

  /** Writes what is typed into the workflow's steps, where they are. */
  const sync = (): void => {
    for (const v of stepViews) v.sync();
    w.name = name.value;
  };
  /** The workflow as edited now. */
  const read = (): Workflow => {
    sync();
    return structuredClone(w);
  };
  const showProblems = (problems: Problem[]): void => {
    for (const m of Array.from(box.querySelectorAll<HTMLElement>(".wf-step .field-message, .wf-inputs .field-message"))) setMessage(m, null);
    clear(problemsBox);
    for (const p of problems) {
      const at = markAt(box, p.step, p.field, p.reason);
      if (at) continue;
      const where = p.step ? `${ws.titleOf(w, p.step)}: ` : "";
      problemsBox.appendChild(h("p", { class: "field-message is-error", text: `${where}${p.reason}` }));
    }
  };
  const save = async (): Promise<Problem[]> => {
    const now = read();
    const problems = await problemsOf(now, await workflowsApi.save(now));
    showProblems(problems);
    return problems;
  };
  /** Saves the change just made to the steps, says what it was, and draws them again. */
  const changed = async (note: string, undo: () => void): Promise<void> => {
    try {
      await workflowsApi.save(structuredClone(w));
      ws.editNote = note;
      ws.redraw();
    } catch (e) {
      undo();
      setMessage(saveMessage, toAppError(e).message, "error");
    }
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
      spreadsheetRow(w, save),
    ),
  );

  // Inputs.
  box.appendChild(inputsCard(ws, w, save));

  // Steps, those inside groups and "For each" steps drawn inside them.
  let number = 0;
  const menuFor = (own: () => string) => (field: HTMLElement): void => attachMenu(field, () => read(), own, words);
  /** A row that adds a step to `into`: an action, or a step that organises others. */
  const addRow = (into: WorkflowStep[], label: string, ids: { select?: string; button?: string }, inLoop: boolean): HTMLElement => {
    const pick = h("select", { class: "input wf-add-kind", attrs: ids.select ? { id: ids.select } : {} });
    const sid = ids.select ?? `wf-add-${++addSeq}`;
    pick.id = sid;
    for (const a of ws.actions) pick.appendChild(h("option", { text: a.name, attrs: { value: a.id } }));
    const organise = h("optgroup", { attrs: { label: "Decide or repeat" } });
    organise.append(h("option", { text: "“Only if” steps, with “Otherwise”", attrs: { value: "flow:group" } }));
    if (!inLoop) organise.append(h("option", { text: "“For each” item of a list", attrs: { value: "flow:for_each" } }));
    organise.append(h("option", { text: "“First of” several results", attrs: { value: "flow:first_of" } }));
    pick.appendChild(organise);
    const add = h("button", { class: "btn secondary wf-add-step", text: "Add step", attrs: ids.button ? { type: "button", id: ids.button } : { type: "button", "aria-label": label.replace(/^Add a step/, "Add step") } });
    add.addEventListener("click", () => {
      sync();
      const step = newStep(pick.value, freeName(w, pick.value));
      into.push(step);
      const at = readingOrder(w.steps).indexOf(step);
      void changed(`Added Step ${at + 1} · ${ws.stepKind(step)}.`, () => into.pop());
    });
    return h("div", { class: "row wf-add-here" }, h("label", { class: "label", text: label, attrs: { for: sid } }), pick, add);
  };
  let addSeq = 0;
  const drawSteps = (steps: WorkflowStep[], into: HTMLElement, inLoop: boolean): void => {
    steps.forEach((step, index) => {
      const at = number++;
      const title = `Step ${at + 1} · ${ws.stepKind(step)}`;
      const action = step.flow ? undefined : ws.actions.find((a) => a.id === step.action);
      const card = h("div", { class: `card wf-step${step.flow ? ` wf-flow wf-${step.flow.kind}` : ""}`, data: { step: step.name } });
      const uid = `wf-s${at}`;
      const nameId = `wf-step-name-${at}`;
      const savedName = step.name;
      const stepName = h("input", { id: nameId, class: "input wf-step-name", attrs: { value: step.name, spellcheck: "false" } });
      const up = h("button", { class: "btn secondary btn-wf-up", text: "Move up", attrs: { type: "button", disabled: index === 0, "aria-label": `Move up: ${title}` } });
      const down = h("button", { class: "btn secondary btn-wf-down", text: "Move down", attrs: { type: "button", disabled: index === steps.length - 1, "aria-label": `Move down: ${title}` } });
      const drop = h("button", { class: "btn secondary btn-wf-remove-step", text: "Remove step", attrs: { type: "button", "aria-label": `Remove step ${at + 1}` } });
      const move = (to: number): void => {
        sync();
        const [s] = steps.splice(index, 1);
        steps.splice(to, 0, s as WorkflowStep);
        void changed(`Moved ${title} to position ${to + 1}.`, () => {
          steps.splice(to, 1);
          steps.splice(index, 0, s as WorkflowStep);
        });
      };
      up.addEventListener("click", () => move(index - 1));
      down.addEventListener("click", () => move(index + 1));
      drop.addEventListener("click", () => {
        sync();
        const [s] = steps.splice(index, 1);
        void changed(`Removed ${title}.`, () => steps.splice(index, 0, s as WorkflowStep));
      });
      card.appendChild(h("h2", { class: "card-title", text: title }));
      const about =
        step.flow?.kind === "group"
          ? "The steps inside run only when this holds; the “Otherwise” steps run when it does not."
          : step.flow?.kind === "for_each"
            ? "Repeats the steps inside for each item of a list, and shows how many are done, failed and left."
            : step.flow?.kind === "first_of"
              ? "Takes the first of these that has a value, so later steps can use it whichever way the run went."
              : action?.description;
      if (about) card.appendChild(h("p", { class: "help", text: about }));
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
        sync();
        const renamed = stepName.value.trim();
        step.name = savedName;
        try {
          Object.assign(w, await workflowsApi.renameStep(structuredClone(w), savedName, renamed));
          ws.redraw();
        } catch (e) {
          setMessage(stepMessage, toAppError(e).message, "error");
        }
      });
      const own = (): string => stepName.value.trim() || step.name;
      const menuOn = menuFor(own);
      const parts: { sync: (s: WorkflowStep) => void }[] = [];
      // "Only if": always on a group; on any other step once asked for.
      if (step.only_if || step.flow?.kind === "group") {
        const cond = step.only_if ?? { combine: "all", tests: [] };
        const removable =
          step.flow?.kind === "group"
            ? null
            : () => {
                sync();
                const kept = step.only_if;
                delete step.only_if;
                void changed(`${title} runs always now.`, () => {
                  if (kept) step.only_if = kept;
                });
              };
        const c = conditionEditor(cond, uid, menuOn, words, removable);
        card.appendChild(c.el);
        parts.push(c);
      } else if (step.flow?.kind !== "first_of") {
        const guard = h("button", { class: "btn ghost small wf-add-condition", text: "Run only if…", attrs: { type: "button", "aria-label": `Run only if a condition holds: ${title}` } });
        guard.addEventListener("click", () => {
          sync();
          step.only_if = { combine: "all", tests: [{ value: "", test: "is_not_empty" }] };
          void changed(`${title} now has an “Only if”.`, () => delete step.only_if);
        });
        card.appendChild(h("div", { class: "row" }, guard));
      }
      const controls: Control[] = [];
      if (step.flow?.kind === "for_each") {
        const f = forEachEditor(step, uid, menuOn, words);
        card.appendChild(f.el);
        parts.push(f);
      } else if (step.flow?.kind === "first_of") {
        const f = firstOfEditor(step, uid, menuOn, words);
        card.appendChild(f.el);
        parts.push(f);
      } else if (!step.flow) {
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
        for (const field of Array.from(card.querySelectorAll<HTMLElement>(".field:not(.wf-part)"))) menuOn(field);
        for (const i of Array.from(card.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>(".field:not(.wf-part) input[type='text'], .field:not(.wf-part) input:not([type]), .field:not(.wf-part) textarea"))) chips(i, words);
        if (action?.result.list) {
          const e = everyPageEditor(step, uid);
          card.appendChild(e.el);
          parts.push(e);
        }
      }
      card.addEventListener("change", () => void words.refresh(read()));
      stepViews.push({
        step,
        sync: () => {
          step.name = stepName.value.trim();
          if (!step.flow) {
            const fields: Record<string, unknown> = {};
            for (const c of controls) {
              const value = c.read();
              if (value !== undefined) fields[c.field.id] = value;
            }
            step.fields = fields;
          }
          for (const p of parts) p.sync(step);
        },
      });
      into.appendChild(card);
      // The steps inside, then where more are added.
      if (step.flow?.kind === "group" || step.flow?.kind === "for_each") {
        const inner = h("div", { class: "wf-inner", attrs: { role: "group", "aria-label": `Steps inside ${title}` } });
        card.appendChild(inner);
        drawSteps(step.flow.steps, inner, inLoop || step.flow.kind === "for_each");
        inner.appendChild(addRow(step.flow.steps, step.flow.kind === "group" ? "Add a step that runs when it holds" : "Add a step to repeat for each item", {}, inLoop || step.flow.kind === "for_each"));
        if (step.flow.kind === "group") {
          const other = h("div", { class: "wf-inner wf-otherwise field", data: { field: "flow.otherwise" }, attrs: { role: "group", "aria-label": `Otherwise (${title})` } });
          other.appendChild(h("h3", { class: "card-title wf-otherwise-title", text: "Otherwise" }));
          card.appendChild(other);
          drawSteps(step.flow.otherwise, other, inLoop);
          other.appendChild(addRow(step.flow.otherwise, "Add a step that runs when it does not hold", {}, inLoop));
          other.appendChild(h("p", { class: "field-message", attrs: { hidden: true } }));
        }
        card.insertBefore(h("div", { class: "field wf-part", data: { field: "flow.steps" } }, h("p", { class: "field-message", attrs: { hidden: true } })), inner);
      }
    });
  };
  const stepsBox = h("div", { class: "wf-steps" });
  drawSteps(w.steps, stepsBox, false);
  box.appendChild(stepsBox);

  // Add a step.
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
  box.appendChild(h("div", { class: "card" }, addRow(w.steps, "Add a step that", { select: "wf-add-action", button: "btn-wf-add-step" }, false), h("div", { class: "row" }, saveButton), saveMessage));
  box.appendChild(problemsBox);
  // The kind of event that starts it changes what `{{event.…}}` may name.
  const recheck = async (): Promise<void> => {
    const now = read();
    showProblems(await problemsOf(now, await workflowsApi.check(now)));
  };
  box.appendChild(triggerCard(w, save, () => void recheck()));
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
