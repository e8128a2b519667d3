// Export and import through the system's save and open dialogs, which the
// app opens: the page never names a file.

import * as workflowsApi from "../api/workflows.js";
import type { Problem } from "../bindings/Problem";
import type { Workflow } from "../bindings/Workflow";
import { h, setMessage } from "../dom.js";
import { toAppError } from "../tauri.js";
import type { WorkflowsContext } from "./context.js";

/** Import through the system's open dialog, which the app opens: a refused file (damaged, too big, from a newer
 * Stripe Desk, not a workflow) is said here; nothing saved changes. An accepted file waits for its review. */
function importButton(ws: WorkflowsContext, msg: HTMLElement): HTMLElement {
  const imp = h("button", { id: "btn-wf-import", class: "btn secondary", text: "Import…", attrs: { type: "button" } });
  imp.addEventListener("click", async () => {
    setMessage(msg, null);
    try {
      const got = await workflowsApi.importFile();
      if (!got) return;
      ws.workflows.push(got.workflow);
      ws.currentId = got.workflow.id;
      ws.listNote = `Imported “${got.workflow.name}”: read what it does before you accept it.`;
      ws.redraw();
    } catch (e) {
      setMessage(msg, toAppError(e).message, "error");
    }
  });
  return imp;
}

export function importRow(ws: WorkflowsContext): HTMLElement {
  const msg = h("p", { id: "wf-file-message", class: "field-message", attrs: { hidden: true, role: "status" } });
  return h("div", { class: "card wf-file" }, h("p", { class: "card-text", text: "Or add a workflow someone shared with you as a file: you will see what it does before it can run." }), h("div", { class: "row" }, importButton(ws, msg)), msg);
}

/** Export through the system's save dialog, which the app opens (it asks before replacing a file). */
export function fileRow(ws: WorkflowsContext, w: Workflow, save: () => Promise<Problem[]>): HTMLElement {
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
  return h("div", { class: "wf-file" }, h("div", { class: "row" }, exp, importButton(ws, msg)), msg);
}
