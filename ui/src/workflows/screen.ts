// The Workflows screen, loaded on first visit (dynamic import from main.ts):
// named, ordered steps, each an action drawn with the Actions screen's one
// field renderer. References to earlier results show as chips in words
// ("Step 1, Create Customer → ID"); typing `{{` in a field opens the menu of
// inputs and earlier results (from the domain's menu.rs). Its parts: the
// list (list.ts), an imported workflow's review (review.ts), the editor
// (editor.ts, with fields.ts, menu.ts, inputs.ts, files.ts) and the run
// card (run.ts), sharing a WorkflowsContext.

import * as actionsApi from "../api/actions.js";
import * as workflowsApi from "../api/workflows.js";
import { h } from "../dom.js";
import { activeConnection, navigate, state } from "../state.js";
import { toAppError } from "../tauri.js";
import { Scope, type View } from "../view.js";
import { WorkflowsContext } from "./context.js";
import { drawList } from "./list.js";

/** What the screen keeps between visits: which workflow is open, what was said last. */
const kept = new WorkflowsContext();
/** The screen shown: a new one replaces it (the main area was redrawn). */
let shown: WorkflowsScreen | null = null;

export function workflowsScreen(): HTMLElement {
  shown?.dispose();
  shown = new WorkflowsScreen(kept);
  return shown.el;
}

class WorkflowsScreen implements View {
  readonly el = h("section", { class: "screen", attrs: { "aria-labelledby": "screen-title" } });
  private readonly scope = new Scope();

  constructor(private readonly ws: WorkflowsContext) {
    this.el.append(
      h("h1", { id: "screen-title", class: "screen-title", text: "Workflows", attrs: { tabindex: "-1" } }),
      h("p", {
        id: "wf-intro",
        class: "card-text wf-intro",
        text: "A workflow does several actions one after another, and later steps can use what earlier ones made, such as a new customer's ID.",
      }),
    );
    if (!activeConnection()) {
      const go = h("button", { id: "btn-go-connections", class: "btn primary", text: "Go to Connections", attrs: { type: "button" } });
      go.addEventListener("click", () => navigate("connections"));
      this.el.appendChild(h("div", { class: "card empty-state" }, h("p", { class: "empty-text", text: "Connect a Stripe account first." }), go));
      return;
    }
    if (state.workflowOpen) {
      ws.currentId = state.workflowOpen;
      state.workflowOpen = null;
    }
    const list = h("nav", { class: "action-list wf-list", attrs: { "aria-label": "Workflows" } });
    const pane = h("div", { class: "action-pane" });
    this.el.appendChild(h("div", { class: "actions-layout" }, list, pane));
    ws.redraw = () => {
      if (!this.scope.disposed) drawList(ws, list, pane);
    };
    void this.load(pane);
  }

  private async load(pane: HTMLElement): Promise<void> {
    const ws = this.ws;
    try {
      if (!ws.actions.length) ws.actions = await actionsApi.list();
      if (!ws.templates.length) ws.templates = await workflowsApi.templates();
      const listing = await workflowsApi.list();
      if (this.scope.disposed) return;
      ws.workflows = listing.workflows;
      ws.refused = listing.refused.map((r) => `${r.file}: ${r.reason}`);
      ws.redraw();
      // What could not be read is said once, when the list is read.
      ws.refused = [];
    } catch (e) {
      if (!this.scope.disposed) pane.appendChild(h("p", { class: "field-message is-error", text: toAppError(e).message, attrs: { role: "alert" } }));
    }
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
