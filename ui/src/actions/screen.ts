// The Actions screen, loaded on first visit (dynamic import from main.ts): the list of
// actions and the open one's form (form.ts, fields.ts, pickers.ts, result.ts).

import * as actionsApi from "../api/actions.js";
import type { Action } from "../bindings/Action";
import { clear, h } from "../dom.js";
import { activeConnection, navigate } from "../state.js";
import { toAppError } from "../tauri.js";
import { Scope, type View } from "../view.js";
import { ActionsContext, known, type Values } from "./context.js";
import { ActionForm } from "./form.js";

/** What the screen keeps between visits: drafts, which action is open, what to say next. */
const kept = new ActionsContext();
/** The screen shown: a new one replaces it (the main area was redrawn). */
let shown: ActionsScreen | null = null;

/** Opens an action's form for the connection on screen, filled with `values`, and sends it once drawn. */
export function openActionWith(actionId: string, values: Values): void {
  kept.currentId = actionId;
  kept.drafts.set(kept.draftKey(actionId), { ...values });
  kept.submitWhenDrawn = true;
}

/** Opens an action's form (empty, or its draft) when the screen is next drawn. */
export function openAction(actionId: string): void {
  kept.currentId = actionId;
}

export function actionsScreen(): HTMLElement {
  shown?.dispose();
  shown = new ActionsScreen(kept);
  return shown.el;
}

class ActionsScreen implements View {
  readonly el = h("section", { class: "screen", attrs: { "aria-labelledby": "screen-title" } });
  private readonly scope = new Scope();
  private readonly list = h("nav", { class: "action-list", attrs: { "aria-label": "Actions" } });
  private readonly pane = h("div", { class: "action-pane" });
  /** The open action's form, replaced when another is drawn. */
  private form: ActionForm | null = null;
  /** Set once the actions and the kept drafts are read. */
  private actions: Action[] | null = null;

  constructor(private readonly ctx: ActionsContext) {
    this.el.appendChild(h("h1", { id: "screen-title", class: "screen-title", text: "Actions", attrs: { tabindex: "-1" } }));
    if (!activeConnection()) {
      const go = h("button", { id: "btn-go-connections", class: "btn primary", text: "Go to Connections", attrs: { type: "button" } });
      go.addEventListener("click", () => navigate("connections"));
      this.el.appendChild(h("div", { class: "card empty-state" }, h("p", { class: "empty-text", text: "Connect a Stripe account first." }), go));
      return;
    }
    this.el.appendChild(h("div", { class: "actions-layout" }, this.list, this.pane));
    // Only the screen on display draws again (a form's answer that came after it was replaced).
    ctx.redraw = () => {
      if (!this.scope.disposed && this.el.isConnected) this.draw();
    };
    this.scope.defer(() => this.form?.dispose());
    void this.load();
  }

  private async load(): Promise<void> {
    const ctx = this.ctx;
    try {
      ctx.actions ??= await actionsApi.list();
    } catch (e) {
      if (!this.scope.disposed) this.pane.appendChild(h("p", { class: "field-message is-error", text: toAppError(e).message, attrs: { role: "alert" } }));
      return;
    }
    const actions = ctx.actions;
    // Drafts kept from an earlier session (per connection, in the data dir):
    // read once; what the user typed since wins.
    // A screen drawn again while they are read waits for the same reading,
    // so it never draws the form before its draft is there.
    const conn = activeConnection()?.id;
    if (conn) {
      let reading = ctx.draftsLoaded.get(conn);
      if (!reading) {
        reading = actionsApi.drafts().then(
          (stored) => {
            for (const [actionId, form] of Object.entries(stored)) {
              if (!form) continue;
              const key = `${conn}/${actionId}`;
              if (ctx.drafts.has(key)) continue;
              ctx.drafts.set(key, known(form.values));
              if (form.original) ctx.originals.set(key, known(form.original));
            }
          },
          // A draft is a convenience: start empty.
          () => undefined,
        );
        ctx.draftsLoaded.set(conn, reading);
      }
      await reading;
    }
    if (this.scope.disposed) return;
    this.actions = actions;
    this.draw();
  }

  private draw(): void {
    const actions = this.actions;
    if (!actions) return;
    const ctx = this.ctx;
    const list = this.list;
    clear(list);
    const item = (a: Action): HTMLElement => {
      const b = h("button", { class: "action-item", text: a.name, data: { action: a.id }, attrs: { type: "button", title: a.name } });
      if (a.id === ctx.currentId) b.setAttribute("aria-current", "true");
      b.addEventListener("click", () => {
        ctx.currentId = a.id;
        this.draw();
      });
      return b;
    };
    for (const a of actions.filter((a) => !a.advanced)) list.appendChild(item(a));
    // Requests by method and path are for people who know Stripe's API: apart.
    const advanced = actions.filter((a) => a.advanced);
    if (advanced.length) {
      list.appendChild(h("h2", { class: "action-list-heading", text: "Advanced" }));
      for (const a of advanced) list.appendChild(item(a));
    }
    const action = actions.find((a) => a.id === ctx.currentId) ?? actions[0];
    this.showForm(action);
  }

  /** Replaces the pane's form with a fresh one for `action` (none: an empty pane). */
  private showForm(action: Action | undefined): void {
    this.form?.dispose();
    this.form = null;
    clear(this.pane);
    if (!action) return;
    this.form = new ActionForm(this.ctx, action, {
      openWith: (id, values) => this.openWith(id, values),
      redraw: () => this.showForm(action),
    });
    this.pane.appendChild(this.form.el);
    if (this.ctx.submitWhenDrawn) {
      this.ctx.submitWhenDrawn = false;
      this.pane.querySelector<HTMLFormElement>("form.action-form")?.requestSubmit();
    }
  }

  /** Opens another action's form filled with `values`, and sends it. */
  private openWith(id: string, values: Values): void {
    openActionWith(id, values);
    this.draw();
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
