// The rows a virtual list has on screen, by index. A row already drawn stays
// the same element while pages arrive around it, so a click whose press and
// release straddle a redraw still reaches it (the Balances table, Activity).

/** One row on screen: what it shows (`null` while its page loads) and its element. */
export interface DrawnRow<R> {
  row: R | null;
  el: HTMLElement;
}

export class DrawnRows<R> {
  private drawn = new Map<number, DrawnRow<R>>();

  constructor(private readonly spacer: HTMLElement) {}

  /**
   * Shows rows `first` to `last - 1` at `top(i)`: the element kept where its
   * row is unchanged, made by `make` (or `loading` while the page is read)
   * where not. Returns whether a row's page is still missing.
   */
  draw(
    first: number,
    last: number,
    rowAt: (i: number) => R | undefined,
    make: (row: R, i: number) => HTMLElement,
    loading: () => HTMLElement,
    top: (i: number) => number,
  ): boolean {
    const next = new Map<number, DrawnRow<R>>();
    let missing = false;
    for (let i = first; i < last; i++) {
      const row = rowAt(i) ?? null;
      let drawn = this.drawn.get(i);
      if (!drawn || drawn.row !== row) drawn = { row, el: row === null ? loading() : make(row, i) };
      missing ||= row === null;
      drawn.el.style.top = `${top(i)}px`;
      next.set(i, drawn);
    }
    for (const [i, drawn] of this.drawn) if (next.get(i)?.el !== drawn.el) drawn.el.remove();
    // What stays is in order already; new rows go in between, nothing kept moves.
    let cursor = this.spacer.firstChild;
    for (const { el } of next.values()) {
      if (cursor === el) cursor = cursor.nextSibling;
      else this.spacer.insertBefore(el, cursor);
    }
    this.drawn = next;
    return missing;
  }

  /** The rows on screen now. */
  shown(): Iterable<DrawnRow<R>> {
    return this.drawn.values();
  }

  /** Takes every row off the screen (the pages were forgotten, or they read differently now). */
  forget(): void {
    for (const { el } of this.drawn.values()) el.remove();
    this.drawn.clear();
  }
}
