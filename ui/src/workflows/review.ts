// An imported workflow, in words, before the person accepts it: nothing
// from it runs until then.

import * as workflowsApi from "../api/workflows.js";
import type { Workflow } from "../bindings/Workflow";
import { clear, h, setMessage } from "../dom.js";
import { toAppError } from "../tauri.js";
import type { WorkflowsContext } from "./context.js";
import { planStep } from "./plan.js";

export function reviewCard(ws: WorkflowsContext, w: Workflow): HTMLElement {
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
      ws.listNote = `“${w.name}” was accepted: you can edit and run it now.`;
      ws.redraw();
    } catch (e) {
      setMessage(message, toAppError(e).message, "error");
    }
  });
  reject.addEventListener("click", async () => {
    try {
      await workflowsApi.remove(w.id);
      ws.workflows = ws.workflows.filter((x) => x.id !== w.id);
      ws.currentId = null;
      ws.listNote = `“${w.name}” was deleted; nothing from it ran.`;
      ws.redraw();
    } catch (e) {
      setMessage(message, toAppError(e).message, "error");
    }
  });
  return card;
}
