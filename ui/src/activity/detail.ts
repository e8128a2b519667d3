// One event opened: its sentence, account and time, where to see what it
// is about (in Stripe Desk where a screen shows it, else the Stripe
// Dashboard), and the details Stripe sent behind a toggle.

import * as activityApi from "../api/activity.js";
import * as appApi from "../api/app.js";
import * as balancesApi from "../api/balances.js";
import * as connectionsApi from "../api/connections.js";
import type { FeedLine } from "../bindings/FeedLine";
import { clear, h } from "../dom.js";
import { activeConnection, navigate, setView, state } from "../state.js";
import { toAppError } from "../tauri.js";
import { Scope, type View } from "../view.js";
import { accountWords, clockTime } from "./context.js";

export class EventCard implements View {
  readonly el = h("div", { id: "act-detail", class: "card", attrs: { hidden: true, "aria-live": "polite" } });
  private readonly scope = new Scope();
  private shown = 0;

  constructor(private readonly closed: () => void) {}

  hide(): void {
    this.el.hidden = true;
    this.closed();
  }

  show(line: FeedLine): void {
    const mine = ++this.shown;
    const d = this.el;
    clear(d);
    d.hidden = false;
    const close = h("button", { class: "btn ghost small", text: "Close", attrs: { type: "button" } });
    close.addEventListener("click", () => this.hide());
    const message = h("p", { class: "field-message", attrs: { hidden: true } });
    const links: HTMLElement[] = [];
    const link = line.in_app;
    if (link?.screen === "customer") {
      const b = h("button", { id: "btn-act-open-customer", class: "btn secondary small", text: "Open this customer", attrs: { type: "button" } });
      b.addEventListener("click", () => void this.openCustomer(line, link.customer_id, message));
      links.push(b);
    }
    if (link?.screen === "payout" || link?.screen === "balance_transaction") {
      // Only where the account has a local copy in Balances.
      const b = h("button", { id: "btn-act-open-balances", class: "btn secondary small", text: link.screen === "payout" ? "Show its transactions in Balances" : "Show in Balances", attrs: { type: "button", hidden: true } });
      b.addEventListener("click", () => void this.openBalances(line, link.screen === "payout" ? { payout: link.payout_id } : { source: link.source_id }, message));
      links.push(b);
      void balancesApi.hasCopy(line.connection_id).then(
        (has) => {
          if (mine === this.shown) b.hidden = !has;
        },
        () => undefined,
      );
    }
    const dash = h("button", { id: "btn-act-dashboard", class: "btn secondary small", text: "Open in the Stripe Dashboard", attrs: { type: "button" } });
    dash.addEventListener("click", () =>
      void appApi.openDashboard(line.dashboard_url).catch((e: unknown) => {
        message.textContent = toAppError(e).message;
        message.className = "field-message is-error";
        message.hidden = false;
      }),
    );
    links.push(dash);
    const json = h("pre", { id: "act-json", class: "json", text: "Loading…" });
    const details = h("details", { id: "act-details" }, h("summary", { text: "Everything Stripe sent" }), json);
    let loaded = false;
    this.scope.on(details, "toggle", () => {
      if (!details.open || loaded) return;
      loaded = true;
      activityApi.event(line.connection_id, line.event_id).then(
        (e) => {
          if (mine === this.shown) json.textContent = e.json;
        },
        (e: unknown) => {
          if (mine === this.shown) json.textContent = toAppError(e).message;
        },
      );
    });
    d.append(
      h("h2", { class: "card-title", text: "The event" }, close),
      h("p", { id: "act-detail-sentence", class: "act-detail-sentence", text: line.sentence }),
      h("p", { class: "help", text: `${accountWords(line.account_name, line.mode)} · ${clockTime(line.created)}` }),
      h("div", { class: "actions" }, ...links),
      message,
      details,
    );
    d.scrollIntoView({ block: "nearest" });
  }

  /** Get Customer with this customer, in the line's account. */
  private async openCustomer(line: FeedLine, customerId: string, message: HTMLElement): Promise<void> {
    await this.inAccount(line, message, async () => {
      const actions = await import("../actions/screen.js");
      actions.openActionWith("get_customer", { customer: customerId });
      navigate("actions");
    });
  }

  /** Balances, on the payout's or the charge's transactions, in the line's account. */
  private async openBalances(line: FeedLine, open: { payout: string } | { source: string }, message: HTMLElement): Promise<void> {
    await this.inAccount(line, message, () => {
      state.balancesOpen = open;
      navigate("balances");
      return Promise.resolve();
    });
  }

  /** Makes the line's account the current one, then goes. */
  private async inAccount(line: FeedLine, message: HTMLElement, go: () => Promise<void>): Promise<void> {
    try {
      if (activeConnection()?.id !== line.connection_id) setView(await connectionsApi.activate(line.connection_id));
      await go();
    } catch (e) {
      message.textContent = toAppError(e).message;
      message.className = "field-message is-error";
      message.hidden = false;
    }
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
