// The table of balance transactions: virtual (the DOM holds only the
// visible rows), read page by page by keyset from the backend
// (lib/pages.ts keeps the pages and anchors), sortable by any column.

import type { BalanceRow } from "../bindings/BalanceRow";
import type { SortColumn } from "../bindings/SortColumn";
import { h } from "../dom.js";
import { money } from "../lib/money.js";
import { PageBook, visibleRows } from "../lib/pages.js";
import { arrowKeys } from "../lib/arrows.js";
import { DrawnRows } from "../lib/rows.js";
import { rememberSort } from "../prefs.js";
import { dayIn, timeIn, zoneWords } from "../lib/time.js";
import { toAppError } from "../tauri.js";
import { Scope, type View } from "../view.js";
import type { BalancesContext } from "./context.js";

/**
 * The table's columns: what fits a window 1,100 px wide without scrolling
 * sideways. Category, source and payout are in a row's details.
 */
const COLUMNS: Array<{ key: SortColumn; label: string; money?: boolean }> = [
  { key: "created", label: "Created" },
  { key: "type", label: "Type" },
  { key: "description", label: "Description" },
  { key: "amount", label: "Gross", money: true },
  { key: "fee", label: "Fee", money: true },
  { key: "net", label: "Net", money: true },
  { key: "currency", label: "Currency" },
  { key: "status", label: "Status" },
  { key: "available_on", label: "Available on" },
];

const ROW_HEIGHT = 30;
const HEAD_HEIGHT = 32;
/**
 * The tallest the scrolled area gets. WebKit lays out far beyond this but
 * paints nothing past 2^24 px (float precision): a million rows of 30 px
 * showed an empty table from 56% down. Taller tables map the scroll position
 * onto the rows in proportion.
 */
const MAX_SCROLL_HEIGHT = 8_000_000;
const PAGE_SIZE = 200;

export interface TableEvents {
  /** The sort changed. */
  sorted(): void;
  /** A row was picked: its details. */
  open(row: BalanceRow): void;
}

export class TableCard implements View {
  readonly el = h("div", { id: "bal-table-card", class: "card" });
  private readonly scope = new Scope();
  private readonly book = new PageBook(PAGE_SIZE);
  /** One walk at a time; it heads for whatever is visible when each request returns. */
  private walking = false;
  private readonly head = h("div", { class: "bt-head bt-grid", attrs: { role: "row" } });
  private readonly scroller = h("div", { id: "bt-scroll", class: "bt-scroll", attrs: { tabindex: "0", role: "rowgroup" } });
  private readonly spacer = h("div", { class: "bt-spacer" });
  private readonly count = h("p", { id: "bt-count", class: "help" });
  private readonly zone = h("p", { id: "bt-zone", class: "help" });
  /** The rows on screen; a drawn row keeps its element while pages arrive around it. */
  private readonly rows = new DrawnRows<BalanceRow>(this.spacer);

  constructor(
    private readonly ctx: BalancesContext,
    private readonly events: TableEvents,
  ) {
    this.drawShell();
  }

  /** Forgets every page (the filter or the sort changed) and goes back to the top. */
  reset(): void {
    this.book.reset();
    this.rows.forget();
    this.walking = false;
    this.scroller.scrollTop = 0;
  }

  /** How many rows the filters select. */
  setTotal(total: number): void {
    this.book.total = total;
    this.count.textContent = `${total.toLocaleString("en-US")} transactions`;
    this.spacer.style.height = `${Math.min(total * ROW_HEIGHT, MAX_SCROLL_HEIGHT)}px`;
    this.draw();
  }

  /** The account's zone is known: the times say which, and rows drawn before are drawn in it. */
  noteZone(): void {
    const zone = this.ctx.timezone;
    this.zone.textContent = zone === null ? "Times are UTC until a sync reads the account's time zone." : `Times are ${zoneWords(zone)}, the account's time zone.`;
    this.rows.forget();
    this.draw();
  }

  private drawShell(): void {
    this.el.append(h("h2", { class: "card-title", text: "Balance transactions" }), this.count, this.zone);
    // The heading cell says how the table is sorted; the button in it sorts.
    for (const c of COLUMNS) {
      const b = h("button", { class: `bt-sort${c.money ? " num" : ""}`, text: c.label, data: { sort: c.key }, attrs: { type: "button" } });
      b.addEventListener("click", () => {
        const sort = this.ctx.sort;
        this.ctx.sort = sort.column === c.key ? { column: c.key, descending: !sort.descending } : { column: c.key, descending: c.key === "created" };
        rememberSort(this.ctx.sort);
        this.drawHead();
        this.events.sorted();
      });
      this.head.appendChild(h("div", { class: "bt-head-cell", attrs: { role: "columnheader" } }, b));
    }
    this.drawHead();
    this.scroller.appendChild(this.spacer);
    // The header scrolls sideways with the rows and stays on top (sticky).
    this.scroller.prepend(this.head);
    this.el.append(h("div", { class: "bt-table", attrs: { role: "table", "aria-label": "Balance transactions" } }, this.scroller));
    this.scroller.addEventListener("scroll", () => this.draw(), { passive: true });
    // Up and Down move row by row, Enter opens the row's detail.
    arrowKeys(this.scroller, "bt-row", ROW_HEIGHT, (row) => row.click());
    // Home and End (with or without Ctrl) jump to either end of the whole table.
    this.scroller.addEventListener("keydown", (ev) => {
      if (ev.key !== "End" && ev.key !== "Home") return;
      ev.preventDefault();
      this.scroller.scrollTop = ev.key === "End" ? this.scroller.scrollHeight : 0;
    });
  }

  private drawHead(): void {
    const sort = this.ctx.sort;
    for (const b of Array.from(this.head.querySelectorAll<HTMLButtonElement>(".bt-sort"))) {
      const c = COLUMNS.find((x) => x.key === b.dataset.sort)!;
      const on = sort.column === c.key;
      b.textContent = on ? `${c.label} ${sort.descending ? "↓" : "↑"}` : c.label;
      b.parentElement!.setAttribute("aria-sort", on ? (sort.descending ? "descending" : "ascending") : "none");
    }
  }

  private draw(): void {
    if (this.scope.disposed) return;
    const view = this.scroller.clientHeight || 450;
    const { first, last, offset } = visibleRows(this.scroller.scrollTop, view, this.book.total, ROW_HEIGHT, HEAD_HEIGHT, MAX_SCROLL_HEIGHT);
    const missing = this.rows.draw(
      first,
      last,
      (i) => this.book.row(i),
      (row, i) => this.rowEl(row, i),
      () => h("div", { class: "bt-row bt-grid is-loading" }, h("span", { text: "…" })),
      (i) => i * ROW_HEIGHT - offset,
    );
    // Only the pages of the visible rows stay: scrolling a million rows keeps memory flat.
    this.book.show(first, last);
    if (missing) void this.walk();
  }

  private rowEl(r: BalanceRow, index: number): HTMLElement {
    const { words, timezone } = this.ctx;
    const cells = [
      timeIn(r.created, timezone).slice(0, 16),
      words.type(r.type),
      r.description ?? "",
      money(r.amount, r.currency),
      money(r.fee, r.currency),
      money(r.net, r.currency),
      r.currency.toUpperCase(),
      words.status(r.status),
      dayIn(r.available_on, timezone),
    ];
    const el = h("div", { class: "bt-row bt-grid", data: { id: r.id, index: String(index) }, attrs: { role: "row", tabindex: "-1" } },
      ...cells.map((t, i) => h("span", { class: COLUMNS[i]!.money ? "num" : "", text: COLUMNS[i]!.money ? t.replace(/ [A-Z]{3}$/, "") : t, attrs: { role: "cell", title: i === 0 ? timeIn(r.created, timezone) : t } })));
    el.addEventListener("click", () => this.events.open(r));
    return el;
  }

  /**
   * Reads the visible pages, each from the nearest anchor (the top, the end,
   * or a page read before) forward or backward by keyset: a jump to the end
   * reads the end, a jump to the middle walks from the closer side.
   */
  private async walk(): Promise<void> {
    if (this.walking) return;
    this.walking = true;
    const generation = this.ctx.generation;
    try {
      for (let target = this.book.missing(); target !== null; target = this.book.missing()) {
        const plan = this.book.plan(target);
        const page = await this.ctx.api.page({
          filter: this.ctx.filter,
          sort: this.ctx.sort,
          after: plan.after,
          before: plan.before,
          from_end: plan.fromEnd,
          limit: plan.limit,
          skip_pages: plan.skip,
        });
        if (generation !== this.ctx.generation || this.scope.disposed) return;
        this.book.record(plan, page);
        this.draw();
      }
    } catch (e) {
      if (generation === this.ctx.generation) this.count.textContent = toAppError(e).message;
    } finally {
      if (generation === this.ctx.generation) this.walking = false;
    }
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
