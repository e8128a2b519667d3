// The Balances screen, loaded on first visit (dynamic import from main.ts),
// on the account's local copy: eight cards, each a view of its own
// (balance now, your copy, filters, totals, summary, table with the row
// details, chart, export), sharing one BalancesContext. Stripe's codes never
// reach the screen: their words come from the backend
// (`balances_filter_choices`), which names them once. Money stays integer
// minor units until lib/money.ts writes it.

import { BalancesApi } from "../api/balances.js";
import { h } from "../dom.js";
import { activeConnection, navigate, state } from "../state.js";
import { Scope, type View } from "../view.js";
import { BalanceNowCard } from "./balance_now.js";
import { ChartCard } from "./chart.js";
import { BalancesContext } from "./context.js";
import { DetailCard } from "./detail.js";
import { ExportCard } from "./export.js";
import { FiltersCard } from "./filters.js";
import { SummaryCard } from "./summary.js";
import { SyncCard } from "./sync.js";
import { TableCard } from "./table.js";
import { TotalsCard } from "./totals.js";

/** The screen survives redraws of the main area (e.g. after a connections broadcast), per connection. */
let current: { connectionId: string; screen: BalancesScreen } | null = null;

export function balancesScreen(): HTMLElement {
  const active = activeConnection();
  if (current && active && current.connectionId === active.id) {
    current.screen.openPending();
    return current.screen.el;
  }
  current?.screen.dispose();
  current = null;
  if (!active) {
    const root = h("section", { class: "screen screen-wide", attrs: { "aria-labelledby": "screen-title" } }, title());
    const go = h("button", { id: "btn-go-connections", class: "btn primary", text: "Go to Connections", attrs: { type: "button" } });
    go.addEventListener("click", () => navigate("connections"));
    root.appendChild(h("div", { class: "card empty-state" }, h("p", { class: "empty-text", text: "Connect a Stripe account first." }), go));
    return root;
  }
  const screen = new BalancesScreen(new BalancesContext(new BalancesApi(active.id), active.mode));
  current = { connectionId: active.id, screen };
  return screen.el;
}

function title(): HTMLElement {
  return h("h1", { id: "screen-title", class: "screen-title", text: "Balances", attrs: { tabindex: "-1" } });
}

class BalancesScreen implements View {
  readonly el = h("section", { class: "screen screen-wide", attrs: { "aria-labelledby": "screen-title" } }, title());
  private readonly scope = new Scope();
  private readonly reload: () => Promise<void>;
  private readonly filters: FiltersCard;

  constructor(private readonly ctx: BalancesContext) {
    const own = <T extends View>(view: T): T => this.scope.own(view);
    const balance = own(new BalanceNowCard(ctx, () => void sync.refresh()));
    const sync = own(
      new SyncCard(ctx, {
        zone: () => {
          chart.noteZone();
          table.noteZone();
        },
        synced: () => {
          void filters.loadChoices().then(reload);
          void balance.refresh();
        },
      }),
    );
    const filters = own(new FiltersCard(ctx, () => void reload()));
    const totals = own(new TotalsCard(ctx, (n) => table.setTotal(n)));
    const summary = own(new SummaryCard(ctx));
    const table = own(new TableCard(ctx, { sorted: () => void reload(), open: (row) => void detail.show(row) }));
    const detail = own(
      new DetailCard(ctx, (payout) => {
        filters.showPayout(payout);
        void reload();
        totals.el.scrollIntoView({ block: "start" });
      }),
    );
    const chart = own(new ChartCard(ctx));
    const exporting = own(new ExportCard(ctx));
    /** Everything that depends on the filter or the sort. */
    const reload = (this.reload = async (): Promise<void> => {
      if (this.scope.disposed) return;
      this.ctx.generation++;
      table.reset();
      detail.hide();
      exporting.clearMessage();
      await Promise.all([totals.load(), chart.load(), summary.load()]);
    });
    this.filters = filters;
    this.takePending();
    this.el.append(balance.el, sync.el, filters.el, totals.el, summary.el, table.el, detail.el, chart.el, exporting.el);
    void balance.refresh();
    void sync.refresh();
    void filters.loadChoices().then(reload);
  }

  /** A link from Activity: one payout's or one charge's transactions. */
  openPending(): void {
    if (this.takePending()) void this.reload();
  }

  private takePending(): boolean {
    const open = state.balancesOpen;
    state.balancesOpen = null;
    if (!open) return false;
    if ("payout" in open) this.filters.showPayout(open.payout);
    else this.filters.showSource(open.source);
    return true;
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
