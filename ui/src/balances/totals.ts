// Totals: count, gross, fees and net per currency of what the filters select.

import { clear, h } from "../dom.js";
import { money } from "../lib/money.js";
import { Scope, type View } from "../view.js";
import type { BalancesContext } from "./context.js";
import { errorLine } from "./words.js";

export class TotalsCard implements View {
  readonly el = h("div", { id: "bal-totals", class: "card" });
  private readonly scope = new Scope();

  constructor(
    private readonly ctx: BalancesContext,
    /** How many transactions the filters select: the table's length. */
    private readonly counted: (total: number) => void,
  ) {}

  async load(): Promise<void> {
    const card = this.el;
    const generation = this.ctx.generation;
    clear(card);
    card.append(h("h2", { class: "card-title", text: "Totals" }), h("p", { id: "bal-totals-filter", class: "help", text: this.ctx.filterWords() }));
    try {
      const totals = await this.ctx.api.totals(this.ctx.filter);
      // A later reload (other filters) owns the card now.
      if (generation !== this.ctx.generation || this.scope.disposed) return;
      this.counted(totals.reduce((n, t) => n + t.count, 0));
      if (!totals.length) {
        card.appendChild(h("p", { class: "help", text: "Nothing in your copy matches. Sync, or change the filters." }));
        return;
      }
      const tbody = h("tbody");
      for (const t of totals) {
        tbody.appendChild(h("tr", { data: { currency: t.currency } },
          h("td", { text: t.currency.toUpperCase() }),
          h("td", { class: "num", text: t.count.toLocaleString("en-US") }),
          h("td", { class: "num", data: { total: "amount" }, text: money(t.amount, t.currency) }),
          h("td", { class: "num", data: { total: "fee" }, text: money(t.fee, t.currency) }),
          h("td", { class: "num", data: { total: "net" }, text: money(t.net, t.currency) })));
      }
      card.appendChild(h("table", { id: "bal-totals-table", class: "bal-table" },
        h("thead", {}, h("tr", {}, ...["Currency", "Transactions", "Gross", "Stripe fees", "Net"].map((x) => h("th", { text: x })))),
        tbody));
    } catch (e) {
      if (generation === this.ctx.generation) card.appendChild(errorLine(e));
    }
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
