// The Workflows screen: named, ordered steps, each an action drawn with the
// Actions screen's one field renderer; `{{` in any field opens the menu of
// inputs and earlier results (from the domain's menu.rs). Loaded on first
// visit (dynamic import from main.ts).

import type { Action } from "./bindings/Action";
import type { Field } from "./bindings/Field";
import type { FieldValue } from "./bindings/FieldValue";
import type { InputKind } from "./bindings/InputKind";
import type { Listing } from "./bindings/Listing";
import type { MenuEntry } from "./bindings/MenuEntry";
import type { Problem } from "./bindings/Problem";
import type { RunPlan } from "./bindings/RunPlan";
import type { RunRecord } from "./bindings/RunRecord";
import type { StepRecord } from "./bindings/StepRecord";
import type { Workflow } from "./bindings/Workflow";
import { numberFormat, renderField, resultCard, type Control } from "./actions.js";
import { confirmDialog } from "./dialog.js";
import { clear, h, setMessage } from "./dom.js";
import { activeConnection, navigate } from "./state.js";
import { call, channel, toAppError } from "./tauri.js";

let actions: Action[] = [];
let workflows: Workflow[] = [];
let currentId: string | null = null;
/** The deleted workflow, until Undo or the next change. */
let undoable: Workflow | null = null;

export function workflowsScreen(): HTMLElement {
  const title = h("h1", { id: "screen-title", class: "screen-title", text: "Workflows", attrs: { tabindex: "-1" } });
  const screen = h("section", { class: "screen", attrs: { "aria-labelledby": "screen-title" } }, title);
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
    if (!actions.length) actions = await call<Action[]>("list_actions");
    const listing = await call<Listing>("list_workflows");
    workflows = listing.workflows;
    const refused = listing.refused.map((r) => `${r.file}: ${r.reason}`);
    drawList(list, pane, refused);
  } catch (e) {
    pane.appendChild(h("p", { class: "field-message is-error", text: toAppError(e).message, attrs: { role: "alert" } }));
  }
}

function drawList(list: HTMLElement, pane: HTMLElement, refused: string[] = []): void {
  clear(list);
  for (const w of workflows) {
    const b = h("button", { class: "action-item wf-item", text: w.name, data: { workflow: w.id }, attrs: { type: "button" } });
    if (w.id === currentId) b.setAttribute("aria-current", "true");
    b.addEventListener("click", () => {
      currentId = w.id;
      drawList(list, pane);
    });
    list.appendChild(b);
  }
  // New: from a template or empty.
  const pick = h("select", { id: "wf-template", class: "input", attrs: { "aria-label": "New workflow from" } });
  pick.appendChild(h("option", { text: "Empty workflow", attrs: { value: "" } }));
  const templates = call<Workflow[]>("workflow_templates");
  void templates.then((ts) => ts.forEach((t, i) => pick.appendChild(h("option", { text: t.name, attrs: { value: String(i) } }))));
  const create = h("button", { id: "btn-wf-new", class: "btn primary", text: "New workflow", attrs: { type: "button" } });
  create.addEventListener("click", async () => {
    const ts = await templates;
    let w: Workflow;
    if (pick.value === "") {
      w = await call<Workflow>("new_workflow");
    } else {
      w = ts[Number(pick.value)] as Workflow;
      await call<Problem[]>("save_workflow", { workflow: w });
    }
    workflows.push(w);
    currentId = w.id;
    drawList(list, pane);
  });
  list.appendChild(h("div", { class: "wf-new" }, pick, create));
  if (undoable) {
    const w = undoable;
    const undo = h("button", { id: "btn-wf-undo", class: "btn secondary", text: `Undo delete of “${w.name}”`, attrs: { type: "button" } });
    undo.addEventListener("click", async () => {
      await call<Problem[]>("save_workflow", { workflow: w });
      undoable = null;
      workflows.push(w);
      currentId = w.id;
      drawList(list, pane);
    });
    list.appendChild(undo);
  }
  for (const r of refused) list.appendChild(h("p", { class: "field-message is-error", text: `Not loaded: ${r}` }));
  clear(pane);
  const current = workflows.find((w) => w.id === currentId);
  if (current) pane.appendChild(editor(current, () => drawList(list, pane)));
  else pane.appendChild(h("p", { class: "card-text", text: "Pick a workflow, or make a new one from a template." }));
}

// ---------------------------------------------------------------------------
// The editor
// ---------------------------------------------------------------------------

interface StepView {
  name: HTMLInputElement;
  controls: Control[];
  el: HTMLElement;
}

function editor(w: Workflow, redraw: () => void): HTMLElement {
  const box = h("div", { class: "wf-editor" });
  const problemsBox = h("div", { id: "wf-problems", attrs: { role: "status" } });
  const name = h("input", { id: "wf-name", class: "input", attrs: { value: w.name, "aria-label": "Workflow name" } });
  const stepViews: StepView[] = [];

  /** The workflow as edited now. */
  const read = (): Workflow => {
    const steps = stepViews.map((v, i) => {
      const fields: Record<string, unknown> = {};
      for (const c of v.controls) {
        const value = c.read();
        if (value !== undefined) fields[c.field.id] = value;
      }
      return { name: v.name.value.trim(), action: (w.steps[i] as Workflow["steps"][number]).action, fields };
    });
    return { ...w, name: name.value, steps };
  };
  const save = async (): Promise<Problem[]> => {
    const now = read();
    Object.assign(w, now);
    const problems = await call<Problem[]>("save_workflow", { workflow: now });
    showProblems(problems);
    return problems;
  };
  const showProblems = (problems: Problem[]): void => {
    for (const m of Array.from(box.querySelectorAll<HTMLElement>(".wf-step .field-message, .wf-inputs .field-message"))) setMessage(m, null);
    clear(problemsBox);
    for (const p of problems) {
      const at = markAt(box, p.step, p.field, p.reason);
      if (!at) problemsBox.appendChild(h("p", { class: "field-message is-error", text: p.step ? `${p.step}: ${p.reason}` : p.reason }));
    }
  };

  // Name, rename, duplicate, delete, export/import.
  const rename = h("button", { id: "btn-wf-rename", class: "btn secondary", text: "Rename", attrs: { type: "button" } });
  rename.addEventListener("click", async () => {
    w.name = (await call<Workflow>("rename_workflow", { id: w.id, name: name.value })).name;
    redraw();
  });
  const duplicate = h("button", { id: "btn-wf-duplicate", class: "btn secondary", text: "Duplicate", attrs: { type: "button" } });
  duplicate.addEventListener("click", async () => {
    await save();
    const copy = await call<Workflow>("duplicate_workflow", { id: w.id });
    workflows.push(copy);
    currentId = copy.id;
    redraw();
  });
  const remove = h("button", { id: "btn-wf-delete", class: "btn danger", text: "Delete", attrs: { type: "button" } });
  remove.addEventListener("click", async () => {
    const ok = await confirmDialog({ title: `Delete “${w.name}”?`, body: "Its run history stays on this computer. You can undo this until you make another change.", yes: "Delete", danger: true });
    if (!ok) return;
    undoable = await call<Workflow>("delete_workflow", { id: w.id });
    workflows = workflows.filter((x) => x.id !== w.id);
    currentId = null;
    redraw();
  });
  box.appendChild(h("div", { class: "card" }, h("label", { class: "label", text: "Name", attrs: { for: "wf-name" } }), name, h("div", { class: "row" }, rename, duplicate, remove), fileRow(w, save, redraw)));

  // Inputs.
  box.appendChild(inputsCard(w, save, redraw));

  // Steps.
  w.steps.forEach((step, index) => {
    const action = actions.find((a) => a.id === step.action);
    const card = h("div", { class: "card wf-step", data: { step: step.name } });
    const stepName = h("input", { class: "input wf-step-name", attrs: { value: step.name, "aria-label": `Step ${index + 1} name` } });
    const up = h("button", { class: "btn secondary btn-wf-up", text: "Move up", attrs: { type: "button", disabled: index === 0 } });
    const down = h("button", { class: "btn secondary btn-wf-down", text: "Move down", attrs: { type: "button", disabled: index === w.steps.length - 1 } });
    const drop = h("button", { class: "btn secondary btn-wf-remove-step", text: "Remove step", attrs: { type: "button" } });
    const move = async (to: number): Promise<void> => {
      Object.assign(w, read());
      const [s] = w.steps.splice(index, 1);
      w.steps.splice(to, 0, s as Workflow["steps"][number]);
      await call<Problem[]>("save_workflow", { workflow: w });
      redraw();
    };
    up.addEventListener("click", () => void move(index - 1));
    down.addEventListener("click", () => void move(index + 1));
    drop.addEventListener("click", async () => {
      Object.assign(w, read());
      w.steps.splice(index, 1);
      await call<Problem[]>("save_workflow", { workflow: w });
      redraw();
    });
    card.appendChild(h("h2", { class: "card-title", text: `${index + 1}. ${action?.name ?? step.action}` }));
    card.appendChild(h("div", { class: "row" }, stepName, up, down, drop));
    const stepMessage = h("p", { class: "field-message wf-step-message", attrs: { hidden: true } });
    // A new name: references to the step follow it.
    stepName.addEventListener("change", async () => {
      const now = read();
      const renamed = stepName.value.trim();
      (now.steps[index] as Workflow["steps"][number]).name = step.name;
      try {
        Object.assign(w, await call<Workflow>("rename_workflow_step", { workflow: now, old: step.name, new: renamed }));
        redraw();
      } catch (e) {
        setMessage(stepMessage, toAppError(e).message, "error");
      }
    });
    card.appendChild(stepMessage);
    const controls: Control[] = [];
    const menuOn = (field: HTMLElement): void => attachMenu(field, () => read(), () => stepName.value.trim() || step.name);
    for (const f of action?.fields ?? []) {
      if (f.advanced && step.fields[f.id] === undefined) continue;
      const values = step.fields as Record<string, FieldValue>;
      const c = f.kind.type === "choice" || f.kind.type === "yesNo" ? switchableField(f, values, menuOn) : renderField(f, values);
      // References are text: inputs that would refuse `{{` become text boxes.
      for (const i of Array.from(c.el.querySelectorAll<HTMLInputElement>("input"))) {
        if (["number", "email", "url", "tel", "date"].includes(i.type)) i.type = "text";
      }
      controls.push(c);
      card.appendChild(c.el);
    }
    for (const field of Array.from(card.querySelectorAll<HTMLElement>(".field"))) menuOn(field);
    stepViews.push({ name: stepName, controls, el: card });
    box.appendChild(card);
  });

  // Add a step.
  const pick = h("select", { id: "wf-add-action", class: "input", attrs: { "aria-label": "Action for the new step" } });
  for (const a of actions) pick.appendChild(h("option", { text: a.name, attrs: { value: a.id } }));
  const add = h("button", { id: "btn-wf-add-step", class: "btn secondary", text: "Add step", attrs: { type: "button" } });
  add.addEventListener("click", async () => {
    Object.assign(w, read());
    let n = 1;
    let stepName = pick.value;
    while (w.steps.some((s) => s.name === stepName)) stepName = `${pick.value}_${++n}`;
    w.steps.push({ name: stepName, action: pick.value, fields: {} });
    await call<Problem[]>("save_workflow", { workflow: w });
    redraw();
  });
  const saveButton = h("button", { id: "btn-wf-save", class: "btn secondary", text: "Save and check", attrs: { type: "button" } });
  saveButton.addEventListener("click", () => void save());
  box.appendChild(h("div", { class: "card row" }, pick, add, saveButton));
  box.appendChild(problemsBox);
  box.appendChild(runCard(w, save, showProblems));
  return box;
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
  typed.el.querySelector("input")?.setAttribute("placeholder", "{{step.field}} or {{input.name}}");
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

/** Export and import through the system's save and open dialogs. A refused file (damaged, from a newer
 * Stripe Desk, not a workflow) is said here; nothing saved changes. */
function fileRow(w: Workflow, save: () => Promise<Problem[]>, redraw: () => void): HTMLElement {
  const msg = h("p", { id: "wf-file-message", class: "field-message", attrs: { hidden: true, role: "status" } });
  const filters = [{ name: "Stripe Desk workflow", extensions: ["json"] }];
  const exp = h("button", { id: "btn-wf-export", class: "btn secondary", text: "Export…", attrs: { type: "button" } });
  exp.addEventListener("click", async () => {
    setMessage(msg, null);
    try {
      const fileName = `${w.name.replace(/[^\p{L}\p{N} _-]+/gu, "").trim() || "workflow"}.json`;
      const path = await call<string | null>("plugin:dialog|save", { options: { title: "Export workflow", defaultPath: fileName, filters } });
      if (!path) return;
      await save(); // What is exported is what the editor shows.
      await call("export_workflow", { id: w.id, path });
      setMessage(msg, `Exported to ${path}.`, "ok");
    } catch (e) {
      setMessage(msg, toAppError(e).message, "error");
    }
  });
  const imp = h("button", { id: "btn-wf-import", class: "btn secondary", text: "Import…", attrs: { type: "button" } });
  imp.addEventListener("click", async () => {
    setMessage(msg, null);
    try {
      const path = await call<string | null>("plugin:dialog|open", { options: { title: "Import a workflow", multiple: false, directory: false, filters } });
      if (!path) return;
      const got = await call<Workflow>("import_workflow", { path });
      workflows.push(got);
      currentId = got.id;
      redraw();
    } catch (e) {
      setMessage(msg, toAppError(e).message, "error");
    }
  });
  return h("div", { class: "wf-file" }, h("div", { class: "row" }, exp, imp), msg);
}

function describeKind(k: InputKind): string {
  switch (k.type) {
    case "text":
      return "text";
    case "email":
      return "email";
    case "amount_in":
      return `amount in ${k.currency.toUpperCase()}`;
    case "id_with_prefix":
      return `ID (${k.prefix}…)`;
  }
}

function inputsCard(w: Workflow, save: () => Promise<Problem[]>, redraw: () => void): HTMLElement {
  const card = h("div", { class: "card wf-inputs" }, h("h2", { class: "card-title", text: "Inputs asked for at each run" }));
  w.inputs.forEach((input, i) => {
    const remove = h("button", { class: "btn secondary", text: "Remove", attrs: { type: "button" } });
    remove.addEventListener("click", async () => {
      await save();
      w.inputs.splice(i, 1);
      await call<Problem[]>("save_workflow", { workflow: w });
      redraw();
    });
    // A new name: every `{{input.<old>}}` in the steps follows it; a clash or a bad name is said here.
    const rename = h("input", { class: "input wf-input-rename", attrs: { value: input.name, spellcheck: "false", "aria-label": `Name of the input “${input.label}”` } });
    const message = h("p", { class: "field-message", attrs: { hidden: true } });
    rename.addEventListener("change", async () => {
      const renamed = rename.value.trim();
      if (renamed === input.name) return;
      await save();
      try {
        Object.assign(w, await call<Workflow>("rename_workflow_input", { workflow: w, old: input.name, new: renamed }));
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
        h("div", { class: "row" }, h("code", { class: "wf-input-ref" }, "{{input.", rename, "}}"), h("span", { text: `${input.label} · ${describeKind(input.kind)}` }), remove),
        message,
      ),
    );
  });
  const nameIn = h("input", { id: "wf-input-name", class: "input", attrs: { placeholder: "name (email)", "aria-label": "New input name" } });
  const labelIn = h("input", { id: "wf-input-label", class: "input", attrs: { placeholder: "Label", "aria-label": "New input label" } });
  const kind = h("select", { id: "wf-input-kind", class: "input", attrs: { "aria-label": "New input kind" } });
  for (const [v, t] of [["text", "Text"], ["email", "Email"], ["amount", "Amount in…"], ["id", "ID with prefix…"]]) kind.appendChild(h("option", { text: t, attrs: { value: v } }));
  const extra = h("input", { id: "wf-input-extra", class: "input", attrs: { placeholder: "usd or cus_", "aria-label": "Currency or ID prefix" } });
  const add = h("button", { id: "btn-wf-add-input", class: "btn secondary", text: "Add input", attrs: { type: "button" } });
  add.addEventListener("click", async () => {
    await save();
    const k: InputKind =
      kind.value === "amount" ? { type: "amount_in", currency: extra.value.trim().toLowerCase() } : kind.value === "id" ? { type: "id_with_prefix", prefix: extra.value.trim() } : { type: kind.value as "text" | "email" };
    w.inputs.push({ name: nameIn.value.trim(), label: labelIn.value.trim() || nameIn.value.trim(), kind: k });
    await call<Problem[]>("save_workflow", { workflow: w });
    redraw();
  });
  card.appendChild(h("div", { class: "row" }, nameIn, labelIn, kind, extra, add));
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
    if (label === "Quantity") return `${id}.quantity`;
    return column === 0 ? `${id}.key` : `${id}.value`;
  }
  return id;
}

let menuSeq = 0;

function attachMenu(field: HTMLElement, workflow: () => Workflow, stepName: () => string): void {
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
        { id, class: "wf-menu-option", attrs: { role: "option", "aria-selected": i === selected ? "true" : "false" }, data: { insert: e.insert } },
        h("span", { class: "wf-menu-path", text: e.path }),
        e.example ? h("span", { class: "wf-menu-example", text: ` ${e.example}` }) : null,
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
    if (open < 0 || /[^a-z0-9_.]/i.test(typed) || before[open - 1] === "\\") {
      close();
      return;
    }
    target = input;
    start = open;
    const seq = ++menuSeq;
    const got = await call<MenuEntry[]>("workflow_menu", { workflow: workflow(), step: stepName(), field: catalogField(field, input), typed });
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

function runCard(w: Workflow, save: () => Promise<Problem[]>, showProblems: (p: Problem[]) => void): HTMLElement {
  const card = h("div", { class: "card wf-run-card" }, h("h2", { class: "card-title", text: "Run" }));
  const inputs = new Map<string, HTMLInputElement>();
  for (const input of w.inputs) {
    const id = `wf-run-input-${input.name}`;
    const i = h("input", { id, class: "input", attrs: { "aria-label": input.label } });
    inputs.set(input.name, i);
    card.appendChild(h("div", { class: "field wf-run-input", data: { field: input.name } }, h("label", { class: "label", text: `${input.label} (${describeKind(input.kind)})`, attrs: { for: id } }), i, h("p", { class: "field-message", attrs: { hidden: true } })));
  }
  const runButton = h("button", { id: "btn-wf-run", class: "btn primary", text: "Run", attrs: { type: "button" } });
  const message = h("p", { id: "wf-run-message", class: "field-message", attrs: { hidden: true, role: "alert" } });
  const live = h("ol", { id: "wf-run", class: "wf-run", attrs: { "aria-live": "polite" } });
  const history = h("div", { id: "wf-history" });
  card.append(runButton, message, live, h("h2", { class: "card-title", text: "Run history" }), history);

  const typed = (): Record<string, string> => Object.fromEntries(Array.from(inputs, ([k, i]) => [k, i.value]));
  const markInputs = (problems: Problem[]): void => {
    for (const p of problems) {
      if (p.step !== null) continue;
      const m = card.querySelector<HTMLElement>(`.wf-run-input[data-field="${CSS.escape(p.field ?? "")}"] .field-message`);
      if (m) setMessage(m, p.reason, "error");
    }
  };
  const showRun = (run: RunRecord): void => {
    clear(live);
    for (const s of run.steps) live.appendChild(stepLine(s));
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
    const problems = await save();
    if (problems.length) {
      showProblems(problems);
      setMessage(message, "Fix what is marked, then run.", "error");
      return;
    }
    try {
      const plan = await call<RunPlan>("workflow_plan", { workflowId: w.id });
      if (plan.account.livemode && plan.writes.length) {
        const ok = await confirmDialog({
          title: `Run in live mode in ${plan.account.name}?`,
          body: `This creates or changes real objects in ${plan.account.name}: ${plan.writes.join("; ")}.`,
          yes: "Run in live mode",
        });
        if (!ok) return;
      }
      started = true;
      going += 1;
      runButton.disabled = true;
      const progress = channel<RunRecord>(showRun);
      const run = resume
        ? await call<RunRecord>("resume_workflow", { workflowId: w.id, runId: resume.run_id, inputs: values, numberFormat: numberFormat(), progress })
        : await call<RunRecord>("run_workflow", { workflowId: w.id, inputs: values, numberFormat: numberFormat(), progress });
      showRun(run);
      setMessage(message, run.outcome === "succeeded" ? "Every step is done." : "The run stopped: fix what is marked, then Resume.", run.outcome === "succeeded" ? "ok" : "error");
    } catch (e) {
      const err = toAppError(e);
      setMessage(message, err.message, "error");
      if (err.param) markInputs([{ step: null, field: err.param, reason: err.message }]);
    } finally {
      if (started) going -= 1;
      runButton.disabled = going > 0;
      void drawHistory();
    }
  };
  runButton.addEventListener("click", () => void go(null, typed()));

  const drawHistory = async (): Promise<void> => {
    const runs = await call<RunRecord[]>("workflow_runs", { workflowId: w.id });
    clear(history);
    if (!runs.length) history.appendChild(h("p", { class: "help", text: "No runs yet." }));
    for (const r of runs) {
      const when = new Date(r.started_at * 1000).toLocaleString();
      const how = r.outcome === "succeeded" ? "succeeded" : r.outcome === "failed" ? `failed at ${r.step}` : "interrupted";
      const item = h("div", { class: "wf-history-item", data: { run: r.run_id, outcome: r.outcome } });
      item.appendChild(h("p", { class: "wf-history-line", text: `${when} · ${r.account.name} (${r.account.livemode ? "live" : "test"}) · ${how}` }));
      const inputsText = Object.entries(r.inputs).map(([k, v]) => `${k} = ${v}`).join(", ");
      if (inputsText) item.appendChild(h("p", { class: "help", text: `Inputs: ${inputsText}` }));
      const steps = h("ol", { class: "wf-run" });
      for (const s of r.steps) steps.appendChild(stepLine(s, true));
      item.appendChild(steps);
      const again = h("button", { class: "btn secondary btn-wf-again", text: "Run again with these inputs", attrs: { type: "button" } });
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

/** One step of a run; in the history (`folded`) a done step's result opens from its one-line summary. */
function stepLine(s: StepRecord, folded = false): HTMLElement {
  const li = h("li", { class: `wf-run-step is-${s.state}`, data: { step: s.name, state: s.state } }, h("strong", { text: `${s.name}: ` }), h("span", { class: "wf-run-state", text: STATE_WORDS[s.state] }));
  if (s.state === "done") {
    if (s.found_existing) li.appendChild(h("p", { class: "help", text: "Found: created by an earlier attempt of this run." }));
    // The Actions screen's result, drawn by its code; records from before it was kept have one line.
    if (!s.shown) li.appendChild(h("p", { class: "wf-run-summary", text: s.summary }));
    else if (folded) li.appendChild(h("details", { class: "wf-run-details" }, h("summary", { class: "wf-run-summary", text: s.summary }), resultCard({ ...s.shown, json: s.output })));
    else li.appendChild(resultCard({ ...s.shown, json: s.output }));
  }
  if (s.state === "failed") li.appendChild(h("p", { class: "wf-run-reason field-message is-error", text: s.field ? `${s.field}: ${s.reason}` : s.reason }));
  return li;
}
