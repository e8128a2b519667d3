// A transaction's details: its facts in words, the Dashboard, the payout
// that paid it out (or, for a payout, what it paid out), and Stripe's JSON.

import type { BalanceRow } from "../bindings/BalanceRow";
import * as appApi from "../api/app.js";
import { clear, h } from "../dom.js";
import { money } from "../lib/money.js";
import { timeIn } from "../lib/time.js";
import { toAppError } from "../tauri.js";
import { Scope, type View } from "../view.js";
import type { BalancesContext } from "./context.js";
import { dashboardUrl, errorLine, say } from "./words.js";

export class DetailCard implements View {
  readonly el = h("div", { id: "bal-detail", class: "card", attrs: { hidden: true } });
  private readonly scope = new Scope();
  /** Bumped by every row opened: a slow answer for an earlier one is dropped. */
  private shown = 0;

  constructor(
    private readonly ctx: BalancesContext,
    /** The table, totals and summary of one payout's transactions. */
    private readonly showPayoutInTable: (payout: string) => void,
  ) {}

  hide(): void {
    this.el.hidden = true;
  }

  async show(r: BalanceRow): Promise<void> {
    const mine = ++this.shown;
    const { ctx } = this;
    const d = this.el;
    clear(d);
    d.hidden = false;
    const close = h("button", { class: "btn ghost small", text: "Close", attrs: { type: "button" } });
    close.addEventListener("click", () => this.hide());
    const url = dashboardUrl(r, ctx.mode);
    const open = h("button", { id: "btn-bal-dashboard", class: "btn secondary small", text: "Open in the Stripe Dashboard", attrs: { type: "button" } });
    open.addEventListener("click", () => void appApi.openDashboard(url).catch(() => undefined));
    const w = ctx.words;
    const facts: Array<[string, string]> = [
      ["ID", r.id], ["Created", ctx.zoned(r.created)], ["Available on", ctx.zoned(r.available_on)], ["Type", w.type(r.type)],
      ["Category", w.category(r.reporting_category)], ["Status", w.status(r.status)],
      ["Balance", w.balance(r.balance_type)],
      ["Gross", money(r.amount, r.currency)], ["Fee", money(r.fee, r.currency)], ["Net", money(r.net, r.currency)], ["Description", r.description ?? "—"],
      ["Source", r.source ?? "—"], ["Payout", r.payout ?? "—"],
    ];
    const isPayout = r.type === "payout" && !!r.source;
    const payoutBox = h("div", { id: "bal-payout", attrs: { "aria-live": "polite" } });
    const payoutBtn = !isPayout && r.payout ? h("button", { id: "btn-bal-payout", class: "btn secondary small", text: "The payout that paid this out", attrs: { type: "button" } }) : null;
    payoutBtn?.addEventListener("click", () => void this.showPayout(r.payout!, payoutBox));
    const json = h("pre", { id: "bal-json", class: "json", text: "Loading…" });
    d.append(
      h("h2", { class: "card-title", text: `Transaction ${r.id}` }, close),
      h("dl", { class: "bal-facts" }, ...facts.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })])),
      h("div", { class: "actions" }, open, payoutBtn),
      payoutBox,
      h("details", {}, h("summary", { text: "Everything Stripe sent" }), json),
    );
    d.scrollIntoView({ block: "nearest" });
    // A payout's own row: what it paid out, at once.
    if (isPayout) void this.showPayout(r.source!, payoutBox);
    try {
      const sent = await ctx.api.transaction(r.id);
      if (mine === this.shown) json.textContent = JSON.stringify(sent, null, 2);
    } catch (e) {
      if (mine === this.shown) json.textContent = toAppError(e).message;
    }
  }

  /** What a payout paid out: its state in words, the count and net, the newest few, and the way to all of them. */
  private async showPayout(payout: string, box: HTMLElement): Promise<void> {
    const { ctx } = this;
    clear(box);
    try {
      const p = await ctx.api.payout(payout);
      if (this.scope.disposed) return;
      const cur = p.currency ?? p.newest[0]?.currency ?? "usd";
      const amount = p.payout_amount === null ? "not in your copy" : money(p.payout_amount, cur);
      const state = h("p", { id: "bal-payout-state", class: "field-message" });
      box.append(h("h3", { class: "section-title", text: `Payout ${payout}` }), state);
      switch (p.state) {
        case "manual":
          say(state, "hint", "Manual payout: Stripe does not list what it settled.");
          return;
        case "reconciling":
          say(state, "hint", "Stripe is still matching this payout to what it paid out; the next sync links them.");
          return;
        case "failed":
          say(state, "error", `Could not match this payout to what it paid out: ${p.message ?? ""} The next sync tries again.`);
          return;
        case "not_looked_at":
          say(state, "hint", "Not matched yet: the next sync matches this payout to what it paid out.");
          return;
        case "linked":
          break;
      }
      say(state, p.matches ? "ok" : "error", p.matches
        ? `It paid out ${p.count.toLocaleString("en-US")} transactions, whose net ${money(p.settled_net, cur)} equals the payout.`
        : `It paid out ${p.count.toLocaleString("en-US")} transactions with a net of ${money(p.settled_net, cur)}; the payout is ${amount}.`);
      if (!p.count) return;
      const list = h("table", { id: "bal-payout-rows", class: "bal-table" },
        h("thead", {}, h("tr", {}, ...["Created", "Type", "Description", "Net"].map((t) => h("th", { text: t })))),
        h("tbody", {}, ...p.newest.map((t) => h("tr", { data: { id: t.id } },
          h("td", { text: timeIn(t.created, ctx.timezone).slice(0, 16) }),
          h("td", { text: ctx.words.type(t.type) }),
          h("td", { class: "clip", text: t.description ?? "", attrs: { title: t.description ?? "" } }),
          h("td", { class: "num", text: money(t.net, t.currency) })))));
      const all = h("button", { id: "btn-bal-payout-all", class: "btn secondary small", text: `Show all ${p.count.toLocaleString("en-US")} in the table`, attrs: { type: "button" } });
      all.addEventListener("click", () => this.showPayoutInTable(payout));
      const shown = p.newest.length < p.count
        ? `The newest ${p.newest.length} of ${p.count.toLocaleString("en-US")}; the table shows them all.`
        : `All ${p.count.toLocaleString("en-US")}.`;
      box.append(list, h("p", { id: "bal-payout-limit", class: "help", text: shown }), h("div", { class: "actions" }, all));
    } catch (e) {
      box.appendChild(errorLine(e));
    }
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
