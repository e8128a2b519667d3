// Arrow keys in a virtual list (the Balances table, the Activity feed, a
// spreadsheet's rows): Up and Down move the focus row by row, scrolling
// the list where the next row is not drawn yet; Enter opens the focused
// row. Rows are the list's elements of one class, in their order on screen.

/** Wires `scroller`'s keys to move between its `.rowClass` rows; `open` is Enter's. */
export function arrowKeys(scroller: HTMLElement, rowClass: string, rowHeight: number, open: (row: HTMLElement) => void): void {
  const rows = (): HTMLElement[] => Array.from(scroller.querySelectorAll<HTMLElement>(`.${rowClass}:not(.is-loading)`));
  const focus = (row: HTMLElement): void => {
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  };
  scroller.addEventListener("keydown", (ev) => {
    const active = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const current = active?.classList.contains(rowClass) && scroller.contains(active) ? active : null;
    if (ev.key === "Enter") {
      if (current) {
        ev.preventDefault();
        open(current);
      }
      return;
    }
    if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
    ev.preventDefault();
    const down = ev.key === "ArrowDown";
    if (!current) {
      // From the list itself: the first row in view.
      const first = rows().find((r) => r.offsetTop + r.offsetHeight > scroller.scrollTop);
      if (first) focus(first);
      return;
    }
    const all = rows();
    const next = all[all.indexOf(current) + (down ? 1 : -1)];
    if (next) {
      focus(next);
      return;
    }
    // At the edge of what is drawn: scroll one row, then move once it is.
    const before = scroller.scrollTop;
    scroller.scrollTop += down ? rowHeight : -rowHeight;
    if (scroller.scrollTop === before) return;
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        const again = rows();
        const after = again[again.indexOf(current) + (down ? 1 : -1)];
        if (after) focus(after);
      }),
    );
  });
}
