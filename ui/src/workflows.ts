// The Workflows screen: named, ordered steps, each an action drawn with the
// Actions screen's one field renderer. References to earlier results show as
// chips in words ("Step 1, Create Customer → ID"); typing `{{` in a field
// opens the menu of inputs and earlier results (from the domain's menu.rs).
// Loaded on first visit (dynamic import from main.ts).

import type { Action } from "./bindings/Action";
import type { EditorWords } from "./bindings/EditorWords";
import type { ExpectedConnection } from "./bindings/ExpectedConnection";
import type { Field } from "./bindings/Field";
import type { FieldValue } from "./bindings/FieldValue";
import type { InputKind } from "./bindings/InputKind";
import type { InputSpec } from "./bindings/InputSpec";
import type { LookupAnswer } from "./bindings/LookupAnswer";
import type { MenuEntry } from "./bindings/MenuEntry";
import type { Problem } from "./bindings/Problem";
import type { RunPlan } from "./bindings/RunPlan";
import type { RunRecord } from "./bindings/RunRecord";
import type { StepPlan } from "./bindings/StepPlan";
import type { StepRecord } from "./bindings/StepRecord";
import type { Workflow } from "./bindings/Workflow";
import { numberFormat, renderField, resultCard, type Control } from "./actions.js";
import { confirmDialog } from "./dialog.js";
import { clear, h, setMessage } from "./dom.js";
import { activeConnection, navigate } from "./state.js";
import * as actionsApi from "./api/actions.js";
import * as workflowsApi from "./api/workflows.js";
import { toAppError } from "./tauri.js";

type WorkflowStep = Workflow["steps"][number];

let actions: Action[] = [];
let workflows: Workflow[] = [];
let templates: Workflow[] = [];
let currentId: string | null = null;
/** The deleted workflow, until Undo or the next change. */
let undoable: Workflow | null = null;
/** What the list says happened last (deleted, imported, accepted), until the next change. */
let listNote: string | null = null;
/** What the editor says happened last (a step added, moved or removed), until the next change. */
let editNote: string | null = null;

export function workflowsScreen(): HTMLElement {
  const title = h("h1", { id: "screen-title", class: "screen-title", text: "Workflows", attrs: { tabindex: "-1" } });
  const screen = h("section", { class: "screen", attrs: { "aria-labelledby": "screen-title" } }, title);
  screen.appendChild(
    h("p", {
      id: "wf-intro",
      class: "card-text wf-intro",
      text: "A workflow does several actions one after another, and later steps can use what earlier ones made, such as a new customer's ID.",
    }),
  );
  if (!activeConnection()) {
    const go = h("button", { id: "btn-go-connections", class: "btn primary", text: "Go to Connections", attrs: { type: "button" } });
    go.addEventListener("click", () => navigate("connections"));
    screen.appendChild(h("div", { class: "card empty-state" }, h("p", { class: "empty-text", text: "Connect a Stripe account first." }), go));
    return screen;
  }
  const list = h("nav", { class: "action-list wf-list", attrs: { "aria-label": "Workflows" } });
  const pane = h("div", { class: "action-pane" });
  screen.appendChild(h("div", { class: "actions-layout" }, list, pane));
  void load(list, pane);
  return screen;
}

async function load(list: HTMLElement, pane: HTMLElement): Promise<void> {
  try {
    if (!actions.length) actions = await actionsApi.list();
    if (!templates.length) templates = await workflowsApi.templates();
    const listing = await workflowsApi.list();
    workflows = listing.workflows;
    const refused = listing.refused.map((r) => `${r.file}: ${r.reason}`);
    drawList(list, pane, refused);
  } catch (e) {
    pane.appendChild(h("p", { class: "field-message is-error", text: toAppError(e).message, attrs: { role: "alert" } }));
  }
}

function actionName(id: string): string {
  return actions.find((a) => a.id === id)?.name ?? id.replace(/_/g, " ");
}

/** "Step 2 · Create Subscription". */
function stepTitle(index: number, action: string): string {
  return `Step ${index + 1} · ${actionName(action)}`;
}

/** The connection and mode on screen: every run and plan carries them. */
function expected(): ExpectedConnection | null {
  const c = activeConnection();
  return c ? { connection_id: c.id, mode: c.mode } : null;
}

function drawList(list: HTMLElement, pane: HTMLElement, refused: string[] = []): void {
  clear(list);
  for (const w of workflows) {
    const b = h("button", { class: "action-item wf-item", data: { workflow: w.id }, attrs: { type: "button", title: w.name } }, h("span", { class: "wf-item-name", text: w.name }));
    if (!w.reviewed) b.appendChild(h("span", { class: "wf-badge", text: "Not reviewed" }));
    if (w.id === currentId) b.setAttribute("aria-current", "true");
    b.addEventListener("click", () => {
      currentId = w.id;
      listNote = null;
      drawList(list, pane);
    });
    list.appendChild(b);
  }
  // New: empty, or from a template that says what it does.
  const group = h("fieldset", { id: "wf-template", class: "wf-new" }, h("legend", { class: "label", text: "Start a new workflow" }));
  const choice = (value: string, name: string, about: string, checked: boolean): HTMLElement => {
    const id = `wf-template-${value === "" ? "empty" : value}`;
    const radio = h("input", { id, attrs: { type: "radio", name: "wf-template", value, checked } });
    return h("label", { class: "wf-template-choice", attrs: { for: id } }, radio, h("span", { class: "wf-template-name", text: name }), h("span", { class: "help wf-template-about", text: about }));
  };
  group.appendChild(choice("", "Empty workflow", "Start from nothing and add steps.", true));
  templates.forEach((t, i) => group.appendChild(choice(String(i), t.name, t.description, false)));
  const create = h("button", { id: "btn-wf-new", class: "btn primary", text: "New workflow", attrs: { type: "button" } });
  create.addEventListener("click", async () => {
    const picked = group.querySelector<HTMLInputElement>("input[name='wf-template']:checked")?.value ?? "";
    let w: Workflow;
    if (picked === "") {
      w = await workflowsApi.create();
    } else {
      // Templates come with their own IDs: a new one each time.
      templates = await workflowsApi.templates();
      w = templates[Number(picked)] as Workflow;
      await workflowsApi.save(w);
    }
    workflows.push(w);
    currentId = w.id;
    undoable = null;
    listNote = null;
    drawList(list, pane);
  });
  group.appendChild(create);
  list.appendChild(group);
  const note = h("p", { id: "wf-list-message", class: "field-message", attrs: { hidden: true, role: "status" } });
  list.appendChild(note);
  if (listNote) setMessage(note, listNote, "ok");
  if (undoable) {
    const w = undoable;
    const undo = h("button", { id: "btn-wf-undo", class: "btn secondary", text: `Undo delete of “${w.name}”`, attrs: { type: "button", title: w.name } });
    undo.addEventListener("click", async () => {
      await workflowsApi.save(w);
      undoable = null;
      listNote = `“${w.name}” is back.`;
      workflows.push(w);
      currentId = w.id;
      drawList(list, pane);
    });
    list.appendChild(undo);
  }
  for (const r of refused) list.appendChild(h("p", { class: "field-message is-error", text: `Not loaded: ${r}` }));
  clear(pane);
  const current = workflows.find((w) => w.id === currentId);
  const redraw = (): void => drawList(list, pane);
  if (!current) {
    pane.appendChild(h("p", { class: "card-text", text: "Pick a workflow, or start a new one from a template." }));
    pane.appendChild(importRow(redraw));
  } else if (!current.reviewed) {
    pane.appendChild(reviewCard(current, redraw));
  } else {
    pane.appendChild(editor(current, redraw));
  }
}

// ---------------------------------------------------------------------------
// An imported workflow, in words, before the person accepts it
// ---------------------------------------------------------------------------

/** One step as the review and the confirmation show it: what it does, its method and whole path, every value. */
function planStep(s: StepPlan): HTMLElement {
  const li = h("li", { class: "wf-plan-step", data: { step: s.step } }, h("strong", { class: "wf-plan-title", text: `Step ${s.number} · ${s.title}` }));
  li.appendChild(h("span", { class: "help", text: s.writes ? " creates or changes something in Stripe" : " only looks things up" }));
  // What will be sent, exactly as it will be sent: this is where a person
  // checks a workflow someone else wrote, so nothing here is put in words.
  if (s.method) li.appendChild(h("p", { class: "wf-plan-request", data: { verbatim: "" } }, h("code", { text: `${s.method} ${s.path}` })));
  if (s.params.length) {
    const dl = h("dl", { class: "summary wf-plan-values" });
    for (const p of s.params) dl.append(h("dt", { text: p.name }), h("dd", { text: p.value, data: { verbatim: "" } }));
    li.appendChild(dl);
  }
  if (s.moves_out) li.appendChild(h("p", { class: "note warn", text: `This step ${s.moves_out}.` }));
  return li;
}

function reviewCard(w: Workflow, redraw: () => void): HTMLElement {
  const card = h("div", { id: "wf-review", class: "card wf-review" });
  card.appendChild(h("h2", { class: "card-title wf-title", text: `Read what “${w.name}” does`, attrs: { title: w.name } }));
  card.appendChild(h("p", { class: "card-text", text: "This workflow came from a file. It does nothing until you accept it: check every step below, above all any request to an endpoint, and that it only does what you expect." }));
  const body = h("div", { class: "wf-review-body", text: "Reading the workflow…" });
  const message = h("p", { id: "wf-review-message", class: "field-message", attrs: { hidden: true } });
  const accept = h("button", { id: "btn-wf-accept", class: "btn primary", text: "Accept it", attrs: { type: "button", disabled: true } });
  const reject = h("button", { id: "btn-wf-reject", class: "btn danger", text: "Delete it", attrs: { type: "button" } });
  card.append(body, h("div", { class: "row" }, accept, reject), message);
  void workflowsApi.review(w.id).then(
    (r) => {
      clear(body);
      body.appendChild(h("p", { class: "label", text: r.inputs.length ? `Each run asks for: ${r.inputs.join(", ")}.` : "Each run asks for nothing." }));
      const steps = h("ol", { class: "wf-plan" });
      r.steps.forEach((s) => steps.appendChild(planStep(s)));
      body.appendChild(steps);
      if (r.problems.length) body.appendChild(h("p", { class: "note warn", text: `${r.problems.length === 1 ? "One thing" : `${r.problems.length} things`} would stop it from running; you can fix them after accepting it.` }));
      accept.disabled = false;
    },
    (e: unknown) => setMessage(message, toAppError(e).message, "error"),
  );
  accept.addEventListener("click", async () => {
    try {
      const got = await workflowsApi.accept(w.id);
      Object.assign(w, got);
      listNote = `“${w.name}” was accepted: you can edit and run it now.`;
      redraw();
    } catch (e) {
      setMessage(message, toAppError(e).message, "error");
    }
  });
  reject.addEventListener("click", async () => {
    try {
      await workflowsApi.remove(w.id);
      workflows = workflows.filter((x) => x.id !== w.id);
      currentId = null;
      listNote = `“${w.name}” was deleted; nothing from it ran.`;
      redraw();
    } catch (e) {
      setMessage(message, toAppError(e).message, "error");
    }
  });
  return card;
}

// ---------------------------------------------------------------------------
// The editor
// ---------------------------------------------------------------------------

interface StepView {
  name: HTMLInputElement;
  controls: Control[];
  el: HTMLElement;
}

/** References in words, for the chips; refreshed as the workflow changes. */
class Words {
  private map = new Map<string, string>();
  private views = new Set<() => void>();
  add(reference: string, words: string): void {
    this.map.set(reference, words);
  }
  get(reference: string): string | undefined {
    return this.map.get(reference);
  }
  onChange(draw: () => void): void {
    this.views.add(draw);
  }
  async refresh(w: Workflow): Promise<EditorWords | null> {
    try {
      const got = await workflowsApi.words(w);
      for (const r of got.references) this.map.set(r.reference, r.words);
      for (const draw of this.views) draw();
      return got;
    } catch {
      return null;
    }
  }
}

function editor(w: Workflow, redraw: () => void): HTMLElement {
  const box = h("div", { class: "wf-editor" });
  const problemsBox = h("div", { id: "wf-problems", attrs: { role: "status" } });
  const saveMessage = h("p", { id: "wf-save-message", class: "field-message", attrs: { hidden: true, role: "status" } });
  const name = h("input", { id: "wf-name", class: "input", attrs: { value: w.name } });
  const stepViews: StepView[] = [];
  const words = new Words();

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
      const where = index >= 0 ? `${stepTitle(index, (w.steps[index] as WorkflowStep).action)}: ` : "";
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
      listNote = `Renamed to “${w.name}”.`;
      redraw();
    } catch (e) {
      setMessage(saveMessage, toAppError(e).message, "error");
    }
  });
  const duplicate = h("button", { id: "btn-wf-duplicate", class: "btn secondary", text: "Duplicate", attrs: { type: "button" } });
  duplicate.addEventListener("click", async () => {
    await save();
    const copy = await workflowsApi.duplicate(w.id);
    workflows.push(copy);
    currentId = copy.id;
    listNote = `Made “${copy.name}”.`;
    redraw();
  });
  const remove = h("button", { id: "btn-wf-delete", class: "btn danger", text: "Delete", attrs: { type: "button" } });
  remove.addEventListener("click", async () => {
    const ok = await confirmDialog({ title: `Delete “${w.name}”?`, body: "Its run history stays on this computer. You can undo this until you make another change.", yes: "Delete", danger: true });
    if (!ok) return;
    undoable = await workflowsApi.remove(w.id);
    workflows = workflows.filter((x) => x.id !== w.id);
    currentId = null;
    listNote = `“${w.name}” was deleted.`;
    redraw();
  });
  box.appendChild(
    h(
      "div",
      { class: "card" },
      h("label", { class: "label", text: "Name", attrs: { for: "wf-name" } }),
      name,
      h("div", { class: "row" }, rename, duplicate, remove),
      fileRow(w, save, redraw),
    ),
  );

  // Inputs.
  box.appendChild(inputsCard(w, save, redraw));

  // Steps.
  w.steps.forEach((step, index) => {
    const action = actions.find((a) => a.id === step.action);
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
      editNote = `Moved ${stepTitle(index, step.action)} to position ${to + 1}.`;
      redraw();
    };
    up.addEventListener("click", () => void move(index - 1));
    down.addEventListener("click", () => void move(index + 1));
    drop.addEventListener("click", async () => {
      Object.assign(w, read());
      w.steps.splice(index, 1);
      await workflowsApi.save(w);
      editNote = `Removed ${stepTitle(index, step.action)}.`;
      redraw();
    });
    card.appendChild(h("h2", { class: "card-title", text: stepTitle(index, step.action) }));
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
        redraw();
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
  for (const a of actions) pick.appendChild(h("option", { text: a.name, attrs: { value: a.id } }));
  const add = h("button", { id: "btn-wf-add-step", class: "btn secondary", text: "Add step", attrs: { type: "button" } });
  add.addEventListener("click", async () => {
    Object.assign(w, read());
    let n = 1;
    let stepName = pick.value;
    while (w.steps.some((s) => s.name === stepName)) stepName = `${pick.value}_${++n}`;
    w.steps.push({ name: stepName, action: pick.value, fields: {} });
    try {
      await workflowsApi.save(w);
      editNote = `Added ${stepTitle(w.steps.length - 1, pick.value)}.`;
      redraw();
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
  box.appendChild(runCard(w, save, showProblems));
  // Notes on steps (sends data out, cannot be checked after a day), and chips in words.
  void words.refresh(w).then((got) => {
    for (const n of got?.notes ?? []) {
      const at = box.querySelector<HTMLElement>(`.wf-step[data-step="${CSS.escape(n.step)}"] .wf-step-notes`);
      at?.appendChild(h("p", { class: "note warn wf-step-note", text: n.note }));
    }
  });
  // What the list said last goes once the person edits.
  box.addEventListener("input", () => {
    listNote = null;
    editNote = null;
    const m = document.getElementById("wf-list-message");
    if (m) setMessage(m, null);
  });
  if (editNote) setMessage(saveMessage, editNote, "ok");
  editNote = null;
  return box;
}

/** Rows (subscription items, parameters) get visible column headings; the `price_…` placeholder goes. */
function labelRows(el: HTMLElement): void {
  const rows = el.querySelector<HTMLElement>(".rows");
  if (!rows) return;
  const items = rows.querySelector(".item-id")?.getAttribute("aria-label")?.startsWith("Price") ?? false;
  const [a, b] = items ? ["Price", "Quantity"] : ["Name", "Value"];
  rows.before(h("div", { class: "wf-rows-head", attrs: { "aria-hidden": "true" } }, h("span", { class: "label", text: a }), h("span", { class: "label", text: b })));
  for (const i of Array.from(rows.querySelectorAll<HTMLInputElement>(".item-id"))) i.placeholder = a;
}

/** A text box that holds references shows them as chips in words; pressing it (or Enter) edits the text, where `{{` opens the menu. */
function chips(input: HTMLInputElement | HTMLTextAreaElement, words: Words): void {
  const view = h("div", { class: "wf-ref-view input", attrs: { role: "button", tabindex: "0" } });
  input.before(view);
  // A reference, unless escaped (`\{{`): group 1 is the escape, group 2 what is inside.
  const pattern = /(\\)?\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;
  let editing = false;
  const draw = (): void => {
    const text = input.value;
    const found = Array.from(text.matchAll(pattern)).filter((m) => !m[1]);
    const has = !editing && found.length > 0;
    view.hidden = !has;
    input.hidden = has;
    if (!has) return;
    clear(view);
    let at = 0;
    const spoken: string[] = [];
    for (const m of found) {
      const before = text.slice(at, m.index);
      if (before) {
        view.append(before);
        spoken.push(before);
      }
      const said = words.get(`{{${m[2]}}}`) ?? (m[2] ?? "").replace(/[._]/g, " ");
      view.appendChild(h("span", { class: "wf-chip", text: said }));
      spoken.push(said);
      at = (m.index ?? 0) + m[0].length;
    }
    const rest = text.slice(at);
    if (rest) {
      view.append(rest);
      spoken.push(rest);
    }
    const label = input.id ? document.querySelector(`label[for="${CSS.escape(input.id)}"]`)?.textContent ?? "" : input.getAttribute("aria-label") ?? "";
    view.setAttribute("aria-label", `${label}: ${spoken.join("")}. Press to change.`);
  };
  const edit = (): void => {
    editing = true;
    draw();
    input.focus();
    const end = input.value.length;
    input.setSelectionRange(end, end);
  };
  view.addEventListener("click", edit);
  view.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      edit();
    }
  });
  input.addEventListener("focus", () => {
    editing = true;
  });
  input.addEventListener("blur", () => {
    // The menu keeps focus in the field; chips come back once the person moves on.
    window.setTimeout(() => {
      if (document.activeElement === input) return;
      editing = false;
      draw();
    }, 150);
  });
  words.onChange(draw);
  draw();
}

/** A choice or yes/no field: drawn as on the Actions screen (a list, a box to tick), or switched to "a value from
 * an earlier step or input", a text box with the `{{` menu; and back. It starts switched when it holds a reference.
 * The domain checks that the reference's kind fits; a choice's value is checked against its choices at run time. */
function switchableField(f: Field, values: Record<string, FieldValue>, menuOn: (field: HTMLElement) => void): Control {
  const current = values[f.id];
  let byReference = typeof current === "string" && current.includes("{{");
  const picked = renderField(f, byReference ? {} : values);
  const asText: Field = { ...f, kind: { type: "text", maxLen: 5000, multiline: false }, default: null, lookup: null };
  const typed = renderField(asText, byReference ? values : {});
  typed.el.querySelector("input")?.setAttribute("placeholder", "Type {{ to pick an earlier result");
  menuOn(typed.el);
  const toggle = h("button", { class: "btn ghost small wf-use-reference", attrs: { type: "button" } });
  const box = h("div", { class: "wf-switchable", data: { switchable: f.id } });
  const draw = (): void => {
    clear(box);
    box.append((byReference ? typed : picked).el, toggle);
    toggle.textContent = byReference ? "Pick a value instead" : "Use a value from an earlier step or input";
    toggle.setAttribute("aria-label", `${f.label}: ${toggle.textContent.toLowerCase()}`);
  };
  toggle.addEventListener("click", () => {
    byReference = !byReference;
    draw();
    (byReference ? typed : picked).el.querySelector<HTMLElement>("input, select")?.focus();
  });
  draw();
  return {
    field: f,
    el: box,
    read: () => (byReference ? typed : picked).read(),
    get message() {
      return (byReference ? typed : picked).message;
    },
  };
}

/** Shows a reason at the step's field (`items.0.price` at `items`); false if there is no such place. */
function markAt(box: HTMLElement, step: string | null, field: string | null, reason: string): boolean {
  const scope = step === null ? box.querySelector<HTMLElement>(".wf-inputs") : box.querySelector<HTMLElement>(`.wf-step[data-step="${CSS.escape(step)}"]`);
  if (!scope) return false;
  const top = field?.split(".")[0];
  const target = top
    ? scope.querySelector<HTMLElement>(`.field[data-field="${CSS.escape(top)}"] .field-message`)
    : scope.querySelector<HTMLElement>(".wf-step-message");
  if (!target) return false;
  setMessage(target, reason, "error");
  return true;
}

/** Import through the system's open dialog, which the app opens: a refused file (damaged, too big, from a newer
 * Stripe Desk, not a workflow) is said here; nothing saved changes. An accepted file waits for its review. */
function importButton(msg: HTMLElement, redraw: () => void): HTMLElement {
  const imp = h("button", { id: "btn-wf-import", class: "btn secondary", text: "Import…", attrs: { type: "button" } });
  imp.addEventListener("click", async () => {
    setMessage(msg, null);
    try {
      const got = await workflowsApi.importFile();
      if (!got) return;
      workflows.push(got.workflow);
      currentId = got.workflow.id;
      listNote = `Imported “${got.workflow.name}”: read what it does before you accept it.`;
      redraw();
    } catch (e) {
      setMessage(msg, toAppError(e).message, "error");
    }
  });
  return imp;
}

function importRow(redraw: () => void): HTMLElement {
  const msg = h("p", { id: "wf-file-message", class: "field-message", attrs: { hidden: true, role: "status" } });
  return h("div", { class: "card wf-file" }, h("p", { class: "card-text", text: "Or add a workflow someone shared with you as a file: you will see what it does before it can run." }), h("div", { class: "row" }, importButton(msg, redraw)), msg);
}

/** Export through the system's save dialog, which the app opens (it asks before replacing a file). */
function fileRow(w: Workflow, save: () => Promise<Problem[]>, redraw: () => void): HTMLElement {
  const msg = h("p", { id: "wf-file-message", class: "field-message", attrs: { hidden: true, role: "status" } });
  const exp = h("button", { id: "btn-wf-export", class: "btn secondary", text: "Export…", attrs: { type: "button" } });
  exp.addEventListener("click", async () => {
    setMessage(msg, null);
    try {
      await save(); // What is exported is what the editor shows.
      const saved = await workflowsApi.exportFile(w.id);
      if (saved) setMessage(msg, `Exported to ${saved.path}.`, "ok");
    } catch (e) {
      setMessage(msg, toAppError(e).message, "error");
    }
  });
  return h("div", { class: "wf-file" }, h("div", { class: "row" }, exp, importButton(msg, redraw)), msg);
}

/** What an input asks for, in words. */
function describeKind(k: InputKind): string {
  switch (k.type) {
    case "text":
      return "text";
    case "email":
      return "an email address";
    case "amount_in":
      return `an amount in ${k.currency.toUpperCase()}`;
    case "id_with_prefix":
      return ({ cus_: "a customer", price_: "a price", prod_: "a product" } as Record<string, string>)[k.prefix] ?? `an ID starting with ${k.prefix}`;
  }
}

/** A name for references from a label: "Customer email" becomes `customer_email`. */
function nameFrom(label: string): string {
  const base = label
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 40);
  return /^[a-z]/.test(base) ? base : `value_${base}`.replace(/_+$/, "");
}

function inputsCard(w: Workflow, save: () => Promise<Problem[]>, redraw: () => void): HTMLElement {
  const card = h("div", { class: "card wf-inputs" }, h("h2", { class: "card-title", text: "What each run asks for" }));
  if (!w.inputs.length) card.appendChild(h("p", { class: "help", text: "Nothing yet. Add what a run should ask for, such as a customer's email, and use it in the steps." }));
  w.inputs.forEach((input, i) => {
    const remove = h("button", { class: "btn secondary", text: "Remove", attrs: { type: "button", "aria-label": `Remove “${input.label}”` } });
    remove.addEventListener("click", async () => {
      await save();
      w.inputs.splice(i, 1);
      await workflowsApi.save(w);
      editNote = `Removed “${input.label || input.name}” from what each run asks for.`;
      redraw();
    });
    // A new name: every reference to the input follows it; a clash or a bad name is said here.
    const renameId = `wf-input-rename-${i}`;
    const rename = h("input", { id: renameId, class: "input wf-input-rename", attrs: { value: input.name, spellcheck: "false" } });
    const message = h("p", { class: "field-message", attrs: { hidden: true } });
    rename.addEventListener("change", async () => {
      const renamed = rename.value.trim();
      if (renamed === input.name) return;
      await save();
      try {
        Object.assign(w, await workflowsApi.renameInput(w, input.name, renamed));
        redraw();
      } catch (e) {
        setMessage(message, toAppError(e).message, "error");
        rename.setAttribute("aria-invalid", "true");
      }
    });
    card.appendChild(
      h(
        "div",
        { class: "field wf-input", data: { field: input.name } },
        h("div", { class: "row" }, h("span", { class: "wf-input-label", text: input.label || input.name }), h("span", { class: "help", text: describeKind(input.kind) }), remove),
        h(
          "details",
          { class: "wf-ref-name" },
          h("summary", { text: "Name used when typing {{" }),
          h("label", { class: "label", text: "Name of this input in references", attrs: { for: renameId } }),
          rename,
        ),
        message,
      ),
    );
  });
  const labelled = (id: string, label: string, control: HTMLElement): HTMLElement => h("div", { class: "wf-add-field" }, h("label", { class: "label", text: label, attrs: { for: id } }), control);
  const labelIn = h("input", { id: "wf-input-label", class: "input", attrs: { placeholder: "Customer email" } });
  const kind = h("select", { id: "wf-input-kind", class: "input" });
  for (const [v, t] of [["text", "Text"], ["email", "An email address"], ["amount", "An amount"], ["customer", "A customer"], ["price", "A price (picked by product)"], ["product", "A product"], ["id", "Another kind of ID"]]) {
    kind.appendChild(h("option", { text: t, attrs: { value: v } }));
  }
  const extra = h("input", { id: "wf-input-extra", class: "input", attrs: { placeholder: "usd" } });
  const extraBox = labelled("wf-input-extra", "Currency", extra);
  const nameIn = h("input", { id: "wf-input-name", class: "input", attrs: { placeholder: "made from the label", spellcheck: "false" } });
  const showExtra = (): void => {
    extraBox.hidden = kind.value !== "amount" && kind.value !== "id";
    const label = extraBox.querySelector("label");
    if (label) label.textContent = kind.value === "amount" ? "Currency (three letters)" : "IDs start with";
    extra.placeholder = kind.value === "amount" ? "usd" : "txn_";
  };
  kind.addEventListener("change", showExtra);
  showExtra();
  const add = h("button", { id: "btn-wf-add-input", class: "btn secondary", text: "Add", attrs: { type: "button" } });
  const addMessage = h("p", { id: "wf-input-message", class: "field-message", attrs: { hidden: true } });
  add.addEventListener("click", async () => {
    const label = labelIn.value.trim() || nameIn.value.trim();
    if (!label) {
      setMessage(addMessage, "Say what the run should ask for, such as “Customer email”.", "error");
      return;
    }
    await save();
    const byKind: Record<string, InputKind> = {
      text: { type: "text" },
      email: { type: "email" },
      amount: { type: "amount_in", currency: extra.value.trim().toLowerCase() },
      customer: { type: "id_with_prefix", prefix: "cus_" },
      price: { type: "id_with_prefix", prefix: "price_" },
      product: { type: "id_with_prefix", prefix: "prod_" },
      id: { type: "id_with_prefix", prefix: extra.value.trim() },
    };
    const spec: InputSpec = { name: nameIn.value.trim() || nameFrom(label), label, kind: byKind[kind.value] ?? { type: "text" } };
    w.inputs.push(spec);
    await workflowsApi.save(w);
    editNote = `Each run now asks for “${label}”.`;
    redraw();
  });
  const advanced = h("details", { class: "wf-ref-name" }, h("summary", { text: "Name used when typing {{" }), labelled("wf-input-name", "Name in references", nameIn));
  card.appendChild(
    h(
      "div",
      { class: "wf-add-input" },
      h("h3", { class: "label", text: "Ask for something more" }),
      h("div", { class: "row" }, labelled("wf-input-label", "What the run asks for", labelIn), labelled("wf-input-kind", "Kind", kind), extraBox, add),
      advanced,
      addMessage,
    ),
  );
  return card;
}

// ---------------------------------------------------------------------------
// The `{{` menu: keyboard only (arrows, Enter, Escape)
// ---------------------------------------------------------------------------

/** The catalog's name of the field a text box belongs to (`items.price`). */
function catalogField(field: HTMLElement, input: HTMLElement): string {
  const id = field.dataset.field ?? "";
  const row = input.closest(".row");
  if (row && field.querySelector(".rows")) {
    const column = Array.from(row.querySelectorAll("input")).indexOf(input as HTMLInputElement);
    const label = input.getAttribute("aria-label") ?? "";
    if (label.startsWith("Price")) return `${id}.price`;
    if (label.startsWith("Quantity")) return `${id}.quantity`;
    return column === 0 ? `${id}.key` : `${id}.value`;
  }
  return id;
}

let menuSeq = 0;

function attachMenu(field: HTMLElement, workflow: () => Workflow, stepName: () => string, words: Words): void {
  if (field.dataset.menu) return; // Once per field, however often it is found.
  field.dataset.menu = "on";
  let menu: HTMLElement | null = null;
  let entries: MenuEntry[] = [];
  let selected = 0;
  let target: HTMLInputElement | HTMLTextAreaElement | null = null;
  let start = -1;
  const close = (): void => {
    menu?.remove();
    menu = null;
    target?.removeAttribute("aria-activedescendant");
    target?.setAttribute("aria-expanded", "false");
  };
  const paint = (): void => {
    if (!menu || !target) return;
    clear(menu);
    entries.forEach((e, i) => {
      const id = `${menu!.id}-${i}`;
      const o = h(
        "div",
        { id, class: "wf-menu-option", attrs: { role: "option", "aria-selected": i === selected ? "true" : "false" }, data: { insert: e.insert, path: e.path } },
        h("span", { class: "wf-menu-path", text: e.words }),
        e.example ? h("span", { class: "wf-menu-example", text: ` (last run: ${e.example})` }) : null,
        e.fits ? null : h("span", { class: "wf-menu-misfit", text: " (does not fit this field)" }),
      );
      menu!.appendChild(o);
    });
    if (!entries.length) menu.appendChild(h("div", { class: "wf-menu-empty", text: "Nothing earlier matches." }));
    target.setAttribute("aria-activedescendant", entries.length ? `${menu.id}-${selected}` : "");
  };
  const update = async (input: HTMLInputElement | HTMLTextAreaElement): Promise<void> => {
    const caret = input.selectionStart ?? input.value.length;
    const before = input.value.slice(0, caret);
    const open = before.lastIndexOf("{{");
    const typed = open >= 0 ? before.slice(open + 2) : "";
    // Open while the caret is inside an unclosed `{{`, not after an escaped `\{{`.
    if (open < 0 || /[^a-z0-9_. ]/i.test(typed) || before[open - 1] === "\\") {
      close();
      return;
    }
    target = input;
    start = open;
    const seq = ++menuSeq;
    const got = await workflowsApi.menu(workflow(), stepName(), catalogField(field, input), typed.trim());
    if (seq !== menuSeq) return;
    entries = got;
    selected = 0;
    if (!menu) {
      menu = h("div", { id: `wf-menu-${seq}`, class: "wf-menu", attrs: { role: "listbox", "aria-label": "Earlier results and inputs" } });
      input.insertAdjacentElement("afterend", menu);
      // Right under the text box, over what follows it (never over its label).
      menu.style.top = `${input.offsetTop + input.offsetHeight + 2}px`;
      menu.style.left = `${input.offsetLeft}px`;
      input.setAttribute("aria-expanded", "true");
      input.setAttribute("aria-controls", menu.id);
    }
    paint();
  };
  const choose = (): void => {
    const e = entries[selected];
    if (!target || !e) return close();
    const caret = target.selectionStart ?? target.value.length;
    target.value = target.value.slice(0, start) + e.insert + target.value.slice(caret);
    const at = start + e.insert.length;
    target.setSelectionRange(at, at);
    words.add(e.insert, e.words);
    close();
    target.dispatchEvent(new Event("change", { bubbles: true }));
  };
  field.addEventListener("input", (ev) => {
    const t = ev.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement) void update(t);
  });
  field.addEventListener("keydown", (ev) => {
    if (!menu) return;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (entries.length) selected = (selected + (ev.key === "ArrowDown" ? 1 : entries.length - 1)) % entries.length;
      paint();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      choose();
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      close();
    }
  });
  field.addEventListener("focusout", (ev) => {
    if (!field.contains(ev.relatedTarget as Node | null)) close();
  });
}

// ---------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------

/** The field of an action whose picker finds IDs of this kind: customers by name or email, a product's prices. */
function pickerFor(prefix: string): { actionId: string; field: Field } | null {
  for (const a of actions) {
    for (const f of a.fields) {
      const search = f.lookup?.type === "search" && f.kind.type === "id" && f.kind.prefix === prefix;
      const priced = prefix === "price_" && f.lookup?.type === "parentThenChild" && f.kind.type === "subscriptionItems";
      if (search || priced) return { actionId: a.id, field: f };
    }
  }
  return null;
}

function lookup(actionId: string, fieldId: string, query: string, parent: string | null): Promise<LookupAnswer> {
  return actionsApi.lookup(actionId, fieldId, query, parent);
}

/** A run input: a text box, with a picker where the input is a customer (by name or email) or a price (a product,
 * then one of its prices). The box still takes a pasted ID. */
function runInput(input: InputSpec): { el: HTMLElement; box: HTMLInputElement } {
  const id = `wf-run-input-${input.name}`;
  const box = h("input", { id, class: "input", attrs: { spellcheck: "false" } });
  const label = h("label", { class: "label", text: input.label || input.name, attrs: { for: id } });
  const help = h("p", { class: "help", text: `Asks for ${describeKind(input.kind)}.` });
  const message = h("p", { class: "field-message", attrs: { hidden: true } });
  const el = h("div", { class: "field wf-run-input", data: { field: input.name } }, label);
  const prefix = input.kind.type === "id_with_prefix" ? input.kind.prefix : null;
  const picker = prefix ? pickerFor(prefix) : null;
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
    lookup(picker.actionId, picker.field.id, "", null).then(
      (a) => fill(product, a, "Pick a product"),
      (e: unknown) => fill(product, { choices: [], note: toAppError(e).message }, ""),
    );
    product.addEventListener("change", () => {
      price.disabled = true;
      box.value = "";
      if (!product.value) return;
      lookup(picker.actionId, picker.field.id, "", product.value).then(
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
        const a = await lookup(picker.actionId, picker.field.id, query, null);
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

function runCard(w: Workflow, save: () => Promise<Problem[]>, showProblems: (p: Problem[]) => void): HTMLElement {
  const card = h("div", { class: "card wf-run-card" }, h("h2", { class: "card-title", text: "Run" }));
  const inputs = new Map<string, HTMLInputElement>();
  for (const input of w.inputs) {
    const { el, box } = runInput(input);
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
    run.steps.forEach((s, i) => live.appendChild(stepLine(s, i)));
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
        const title = plan.moves_out.length
          ? `Send money or data out of ${plan.account.name}?`
          : plan.resend_unchecked.length
            ? `Send a step again in ${plan.account.name}?`
            : `Run in live mode in ${plan.account.name}?`;
        const ok = await confirmDialog({
          title,
          body: plan.account.livemode ? `This creates or changes real things in ${where}, in live mode:` : `This runs in ${where}, in test mode:`,
          details: planDetails(plan),
          yes: plan.account.livemode ? "Run in live mode" : "Run it",
          danger: plan.moves_out.length > 0,
        });
        if (!ok) return;
      }
      started = true;
      going += 1;
      runButton.disabled = true;
      const start = { workflowId: w.id, expected: seen, numberFormat: numberFormat(), confirmation: plan.confirmation };
      const run = resume ? await workflowsApi.resume(start, resume.run_id, values, showRun) : await workflowsApi.run(start, values, showRun);
      showRun(run);
      setMessage(message, run.outcome === "succeeded" ? "Every step is done." : "The run stopped: fix what is marked, then Resume.", run.outcome === "succeeded" ? "ok" : "error");
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
  };
  runButton.addEventListener("click", () => void go(null, typed()));

  const labelOf = (name: string): string => w.inputs.find((i) => i.name === name)?.label || name.replace(/_/g, " ");
  const drawHistory = async (): Promise<void> => {
    const runs = await workflowsApi.runs(w.id);
    clear(history);
    if (!runs.length) history.appendChild(h("p", { class: "help", text: "No runs yet." }));
    for (const r of runs) {
      const when = new Date(r.started_at * 1000).toLocaleString();
      const stoppedAt = r.outcome === "failed" ? r.steps.findIndex((s) => s.name === r.step) : -1;
      const how =
        r.outcome === "succeeded"
          ? "succeeded"
          : r.outcome === "failed"
            ? `stopped at ${stoppedAt >= 0 ? stepTitle(stoppedAt, (r.steps[stoppedAt] as StepRecord).action) : "a step"}`
            : "interrupted";
      const item = h("div", { class: "wf-history-item", data: { run: r.run_id, outcome: r.outcome } });
      item.appendChild(h("p", { class: "wf-history-line", text: `${when} · ${accountWords(r.account)} (${r.account.livemode ? "live" : "test"} mode) · ${how}` }));
      const asked = Object.entries(r.inputs);
      if (asked.length) {
        // A picked customer or price is an ID: one click away, as in results.
        const line = h("p", { class: "help wf-history-inputs" }, "Asked for: ");
        asked.forEach(([k, v], i) => {
          if (i) line.append(", ");
          const value = v ?? "";
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
      r.steps.forEach((s, i) => steps.appendChild(stepLine(s, i, true)));
      item.appendChild(steps);
      const again = h("button", { class: "btn secondary btn-wf-again", text: w.inputs.length ? "Run again with these inputs" : "Run again", attrs: { type: "button" } });
      again.addEventListener("click", () => {
        for (const [k, i] of inputs) i.value = r.inputs[k] ?? "";
        void go(null, typed());
      });
      item.appendChild(again);
      if (r.outcome !== "succeeded") {
        const resume = h("button", { class: "btn primary btn-wf-resume", text: "Resume with my fixes", attrs: { type: "button" } });
        resume.addEventListener("click", () => void go(r, { ...r.inputs, ...Object.fromEntries(Object.entries(typed()).filter(([, v]) => v.trim() !== "")) } as Record<string, string>));
        item.appendChild(resume);
      }
      history.appendChild(item);
    }
  };
  void drawHistory();
  return card;
}

const STATE_WORDS: Record<StepRecord["state"], string> = { waiting: "Waiting", running: "Running…", done: "Done", failed: "Failed" };

/** The label of a step's field, for a failure said there. */
function fieldLabel(action: string, field: string | null): string | null {
  if (!field) return null;
  const top = field.split(/[.[]/)[0];
  return actions.find((a) => a.id === action)?.fields.find((f) => f.id === top)?.label ?? null;
}

/** One step of a run; in the history (`folded`) a done step's result opens from its one-line summary. */
function stepLine(s: StepRecord, index: number, folded = false): HTMLElement {
  const li = h("li", { class: `wf-run-step is-${s.state}`, data: { step: s.name, state: s.state } }, h("strong", { text: `${stepTitle(index, s.action)}: ` }), h("span", { class: "wf-run-state", text: STATE_WORDS[s.state] }));
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
    const at = fieldLabel(s.action, s.field);
    li.appendChild(h("p", { class: "wf-run-reason field-message is-error", text: at ? `${at}: ${s.reason}` : s.reason }));
  }
  return li;
}
