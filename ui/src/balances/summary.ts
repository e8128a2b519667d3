// Summary by category: Stripe's balance summary report from the copy, per
// currency, with the balance before and after when only dates and
// currencies are filtered.

import { clear, h } from "../dom.js";
import { money } from "../lib/money.js";
import { Scope, type View } from "../view.js";
import type { BalancesContext } from "./context.js";
import { currencyWords, errorLine } from "./words.js";

export class SummaryCard implements View {
  readonly el = h("div", { id: "bal-summary", class: "card" });
  private readonly scope = new Scope();

  constructor(private readonly ctx: BalancesContext) {}

  async load(): Promise<void> {
    const card = this.el;
    const generation = this.ctx.generation;
    clear(card);
    card.append(
      h("h2", { class: "card-title", text: "Summary by category" }),
      h("p", { id: "bal-summary-filter", class: "help", text: this.ctx.filterWords() }),
    );
    try {
      const summaries = await this.ctx.api.periodSummary(this.ctx.filter);
      if (generation !== this.ctx.generation || this.scope.disposed) return;
      if (!summaries.length) {
        card.appendChild(h("p", { class: "help", text: "Nothing in your copy matches." }));
        return;
      }
      const grid = h("div", { class: "bal-summaries" });
      for (const s of summaries) {
        const cur = s.currency;
        const line = (cls: string, label: string, count: string, gross: string, fee: string, net: string, data: Record<string, string> = {}) =>
          h("tr", { class: cls, data },
            h("td", { class: "clip", text: label, attrs: { title: label } }),
            h("td", { class: "num help", text: count }),
            h("td", { class: "num", data: { sum: "gross" }, text: gross }),
            h("td", { class: "num", data: { sum: "fee" }, text: fee }),
            h("td", { class: "num", data: { sum: "net" }, text: net }));
        const rows: HTMLElement[] = [];
        if (s.starting_balance !== null) rows.push(line("is-edge", "Balance before", "", "", "", money(s.starting_balance, cur), { edge: "start" }));
        for (const a of s.activity) {
          rows.push(line("", a.label, a.sums.count.toLocaleString("en-US"), money(a.sums.gross, cur), money(a.sums.fee, cur), money(a.sums.net, cur), { category: a.category }));
        }
        rows.push(line("is-edge", "Total", s.total.count.toLocaleString("en-US"), money(s.total.gross, cur), money(s.total.fee, cur), money(s.total.net, cur), { total: "1" }));
        if (s.ending_balance !== null) rows.push(line("is-edge", "Balance after", "", "", "", money(s.ending_balance, cur), { edge: "end" }));
        grid.appendChild(h("table", { class: "bal-table bal-summary", data: { currency: cur } },
          h("caption", { text: currencyWords(cur) }),
          h("thead", {}, h("tr", {}, ...["Category", "Transactions", "Gross", "Stripe fees", "Net"].map((x) => h("th", { text: x })))),
          h("tbody", {}, ...rows)));
      }
      card.appendChild(grid);
      if (summaries.every((s) => s.starting_balance === null)) {
        card.appendChild(h("p", { class: "help", text: "The balance before and after shows when only dates and currencies are filtered." }));
      }
    } catch (e) {
      if (generation === this.ctx.generation) card.appendChild(errorLine(e));
    }
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
