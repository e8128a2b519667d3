// The bookkeeping of a virtual list over keyset pages (the Balances
// table, the Activity feed): which rows a scroll position shows, which pages of rows are held
// (only those of the visible rows), and from which anchor the next page is
// read: the top, the end, or where a page read before begins or ends. The
// backend walks the sort key over the pages between (`skip_pages`) and
// sends the rows of the one page asked for, with where each page passed
// over ends (new anchors). No DOM here.

import type { BalanceRow } from "../bindings/BalanceRow";
import type { Cursor } from "../bindings/Cursor";

/** The rows a scrolled area shows, and how far they are drawn up from their place. */
export interface Visible {
  first: number;
  last: number;
  /** Pixels the rows are drawn above their place (tall tables scroll in proportion). */
  offset: number;
}

/**
 * The rows shown at `scrollTop`. WebKit paints nothing past 2^24 px, so a
 * table taller than `maxHeight` scrolls in proportion: where the rows would
 * be at full height, drawn that far up from their place in the shorter
 * area, so the last one ends at its bottom.
 */
export function visibleRows(scrollTop: number, view: number, total: number, rowHeight: number, headHeight: number, maxHeight: number): Visible {
  const top = Math.max(0, scrollTop);
  const full = total * rowHeight;
  const shown = Math.min(full, maxHeight);
  const ratio = full > shown ? (full + headHeight - view) / (shown + headHeight - view) : 1;
  const first = Math.floor(Math.max(0, top * ratio - headHeight) / rowHeight);
  const visible = Math.ceil(view / rowHeight) + 2;
  return { first, last: Math.min(total, first + visible), offset: top * (ratio - 1) };
}

/** A row of a keyset-paged list: its place in the sort. */
export interface Keyed<C> {
  cursor: C;
}

/** What a planned request brings: the page's rows, and where each page walked over ends. */
export interface PageOf<R, C> {
  rows: R[];
  skipped: C[];
}

/** One request for a page: from which anchor, which way, over how many pages. */
export interface PagePlan<C = Cursor> {
  /** The page whose rows come back. */
  page: number;
  /** The anchor's page: the walk starts where it begins (forward) or where the page before it ends. */
  from: number;
  forward: boolean;
  /** From the end of the table (the first page of the reversed sort). */
  fromEnd: boolean;
  skip: number;
  after: C | null;
  before: C | null;
  limit: number;
}

export class PageBook<R extends Keyed<unknown> = BalanceRow> {
  total = 0;
  /** The rows of the pages the visible rows are on, by page index (page i holds rows i*size...). */
  private readonly pages = new Map<number, R[]>();
  /**
   * The anchors a jump walks from: `afterAt.get(i)` is the cursor after
   * which page i begins (null: the top), `beforeAt.get(i)` the one before
   * which page i - 1 ends. The end of the table needs none. Two cursors per
   * page read, no rows.
   */
  private afterAt = new Map<number, R["cursor"] | null>([[0, null]]);
  private beforeAt = new Map<number, R["cursor"]>();
  /** The pages the visible rows are on, first and last. */
  private want: [number, number] = [0, 0];

  constructor(readonly size: number) {}

  /** Forgets every page and anchor (the filter or the sort changed). */
  reset(): void {
    this.pages.clear();
    this.afterAt = new Map<number, R["cursor"] | null>([[0, null]]);
    this.beforeAt = new Map();
    this.want = [0, 0];
  }

  row(index: number): R | undefined {
    return this.pages.get(Math.floor(index / this.size))?.[index % this.size];
  }

  /** Rows `first` to `last - 1` are on screen: only their pages stay held (memory stays flat). */
  show(first: number, last: number): void {
    this.want = [Math.floor(first / this.size), Math.floor(Math.max(first, last - 1) / this.size)];
    for (const p of Array.from(this.pages.keys())) if (p < this.want[0] || p > this.want[1]) this.pages.delete(p);
  }

  /** The first page on screen not held yet, or null when all are. */
  missing(): number | null {
    const [lo, hi] = this.want;
    for (let p = lo; p <= hi && p * this.size < this.total; p++) if (!this.pages.has(p)) return p;
    return null;
  }

  /** The request that reads page `target` walking the fewest pages from an anchor. */
  plan(target: number): PagePlan<R["cursor"]> {
    const end = Math.ceil(this.total / this.size);
    const lastSize = this.total - (end - 1) * this.size;
    // Pages to walk from each anchor: forward from where page b begins
    // (target - b + 1), backward from where page b - 1 ends (b - target).
    let best = { from: end, forward: false, cost: end - target };
    for (const b of this.afterAt.keys()) if (b <= target && target - b + 1 < best.cost) best = { from: b, forward: true, cost: target - b + 1 };
    for (const b of this.beforeAt.keys()) if (b > target && b - target < best.cost) best = { from: b, forward: false, cost: b - target };
    const fromEnd = !best.forward && best.from === end;
    // The last page is the short one: from the end, it is read alone first,
    // so every page walked over holds a whole page of rows.
    const skip = fromEnd && lastSize < this.size ? 0 : best.cost - 1;
    return {
      page: best.forward ? best.from + skip : best.from - 1 - skip,
      from: best.from,
      forward: best.forward,
      fromEnd,
      skip,
      after: best.forward ? (this.afterAt.get(best.from) ?? null) : null,
      before: best.forward || fromEnd ? null : (this.beforeAt.get(best.from) ?? null),
      limit: fromEnd && skip === 0 ? lastSize : this.size,
    };
  }

  /** Keeps what a planned request brought: the new anchors, and the page's rows if still on screen. */
  record(plan: PagePlan<R["cursor"]>, page: PageOf<R, R["cursor"]>): void {
    page.skipped.forEach((cursor, k) => {
      if (plan.forward) this.afterAt.set(plan.from + k + 1, cursor);
      else this.beforeAt.set(plan.from - k - 1, cursor);
    });
    const rows = page.rows;
    // Nothing came back (the copy changed under the table): stop rather than ask again.
    if (!rows.length) throw new Error("The table changed while it was read; apply the filters again.");
    this.afterAt.set(plan.page + 1, rows[rows.length - 1]!.cursor);
    this.beforeAt.set(plan.page, rows[0]!.cursor);
    if (plan.page >= this.want[0] && plan.page <= this.want[1]) this.pages.set(plan.page, rows);
  }
}
