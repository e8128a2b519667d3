// The list of workflows beside the open one: each saved workflow (an
// imported one marked until reviewed), a new one empty or from a template,
// Undo of a delete, and files that could not be read.

import * as workflowsApi from "../api/workflows.js";
import type { Workflow } from "../bindings/Workflow";
import { clear, h, setMessage } from "../dom.js";
import type { WorkflowsContext } from "./context.js";
import { editor } from "./editor.js";
import { importRow } from "./files.js";
import { reviewCard } from "./review.js";

export function drawList(ws: WorkflowsContext, list: HTMLElement, pane: HTMLElement): void {
  clear(list);
  for (const w of ws.workflows) {
    const b = h("button", { class: "action-item wf-item", data: { workflow: w.id }, attrs: { type: "button", title: w.name } }, h("span", { class: "wf-item-name", text: w.name }));
    if (!w.reviewed) b.appendChild(h("span", { class: "wf-badge", text: "Not reviewed" }));
    if (w.id === ws.currentId) b.setAttribute("aria-current", "true");
    b.addEventListener("click", () => {
      ws.currentId = w.id;
      ws.listNote = null;
      ws.redraw();
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
  ws.templates.forEach((t, i) => group.appendChild(choice(String(i), t.name, t.description, false)));
  const create = h("button", { id: "btn-wf-new", class: "btn primary", text: "New workflow", attrs: { type: "button" } });
  create.addEventListener("click", async () => {
    const picked = group.querySelector<HTMLInputElement>("input[name='wf-template']:checked")?.value ?? "";
    let w: Workflow;
    if (picked === "") {
      w = await workflowsApi.create();
    } else {
      // Templates come with their own IDs: a new one each time.
      ws.templates = await workflowsApi.templates();
      w = ws.templates[Number(picked)] as Workflow;
      await workflowsApi.save(w);
    }
    ws.workflows.push(w);
    ws.currentId = w.id;
    ws.undoable = null;
    ws.listNote = null;
    ws.redraw();
  });
  group.appendChild(create);
  list.appendChild(group);
  const note = h("p", { id: "wf-list-message", class: "field-message", attrs: { hidden: true, role: "status" } });
  list.appendChild(note);
  if (ws.listNote) setMessage(note, ws.listNote, "ok");
  if (ws.undoable) {
    const w = ws.undoable;
    const undo = h("button", { id: "btn-wf-undo", class: "btn secondary", text: `Undo delete of “${w.name}”`, attrs: { type: "button", title: w.name } });
    undo.addEventListener("click", async () => {
      await workflowsApi.save(w);
      ws.undoable = null;
      ws.listNote = `“${w.name}” is back.`;
      ws.workflows.push(w);
      ws.currentId = w.id;
      ws.redraw();
    });
    list.appendChild(undo);
  }
  for (const r of ws.refused) list.appendChild(h("p", { class: "field-message is-error", text: `Not loaded: ${r}` }));
  clear(pane);
  const current = ws.workflows.find((w) => w.id === ws.currentId);
  if (!current) {
    pane.appendChild(h("p", { class: "card-text", text: "Pick a workflow, or start a new one from a template." }));
    pane.appendChild(importRow(ws));
  } else if (!current.reviewed) {
    pane.appendChild(reviewCard(ws, current));
  } else {
    pane.appendChild(editor(ws, current));
  }
}
