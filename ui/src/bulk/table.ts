// The checked rows of a spreadsheet as a virtual table: only the rows on
// screen are drawn, read a page at a time from the backend (50,000 rows
// never reach the window at once). A cell with a mistake is a button that
// opens the fix under the table; a run's changed rows are redrawn in place.

import * as bulkApi from "../api/bulk.js";
import type { RowFilter } from "../bindings/RowFilter";
import type { RowOutcome } from "../bindings/RowOutcome";
import type { RowState } from "../bindings/RowState";
import type { RowView } from "../bindings/RowView";
import { clear, copyText, h, setMessage } from "../dom.js";
import { arrowKeys } from "../lib/arrows.js";
import { DrawnRows } from "../lib/rows.js";
import { toAppError } from "../tauri.js";
import { Scope, type View } from "../view.js";

const ROW_HEIGHT = 34;
const PAGE = 100;

/** A row's state in words, for its status cell. */
export function stateWords(s: RowState): string {
  switch (s.state) {
    case "ready":
      return "Ready";
    case "needs_fixing":
      return "Needs fixing";
    case "skipped":
      return `Skipped: ${s.reason}`;
    case "running":
      return "Running…";
    case "created":
      return s.found_existing ? "Done (found in Stripe, made earlier)" : "Done";
    case "failed":
      return `Failed: ${s.message}`;
  }
}

export class RowsTable implements View {
  readonly el = h("div", { class: "bulk-table-wrap" });
  private readonly scope = new Scope();
  private readonly scroller = h("div", { id: "bulk-scroll", class: "bulk-scroll", attrs: { tabindex: "0", role: "rowgroup", "aria-label": "Rows, scroll for more" } });
  private readonly spacer = h("div", { class: "bulk-spacer" });
  private readonly drawn = new DrawnRows<RowView>(this.spacer);
  private readonly count = h("p", { id: "bulk-count", class: "help", attrs: { role: "status" } });
  private readonly fix = h("div", { id: "bulk-fix", class: "bulk-fix card", attrs: { hidden: true, role: "group", "aria-label": "Fix a cell" } });
  private pages = new Map<number, RowView[]>();
  private asked = new Set<number>();
  private total = 0;
  private filter: RowFilter = "all";
  private seq = 0;

  constructor(
    private readonly fileId: string,
    private readonly columns: string[],
    /** Told when a fix changed what the summary counts. */
    private readonly onChanged: () => void,
  ) {
    const width = 70 + 220 + columns.length * 150;
    this.spacer.style.minWidth = `${width}px`;
    const head = h(
      "div",
      { class: "bulk-head bulk-grid", attrs: { role: "row" } },
      h("span", { text: "Row", attrs: { role: "columnheader" } }),
      h("span", { text: "Status", attrs: { role: "columnheader" } }),
      ...columns.map((c) => h("span", { text: c, attrs: { role: "columnheader", title: c } })),
    );
    head.style.minWidth = `${width}px`;
    this.grid(head);
    this.scroller.appendChild(head);
    this.scroller.appendChild(this.spacer);
    this.el.append(this.count, h("div", { class: "bulk-table", attrs: { role: "table", "aria-label": "Rows of the spreadsheet" } }, this.scroller), this.fix);
    this.scope.on(this.scroller, "scroll", () => this.paint());
    // Up and Down move row by row; Enter opens a row's first mistake to fix.
    arrowKeys(this.scroller, "bulk-row", ROW_HEIGHT, (row) => row.querySelector<HTMLButtonElement>(".bulk-cell-fix")?.click());
  }

  private grid(row: HTMLElement): void {
    row.style.gridTemplateColumns = `70px 220px repeat(${this.columns.length}, 150px)`;
  }

  /** Shows the rows `filter` selects, from the first. */
  async show(filter: RowFilter): Promise<void> {
    this.filter = filter;
    this.pages.clear();
    this.asked.clear();
    this.drawn.forget();
    const seq = ++this.seq;
    try {
      const first = await bulkApi.rows({ file_id: this.fileId, filter, offset: 0, limit: PAGE });
      if (seq !== this.seq || this.scope.disposed) return;
      this.total = first.total;
      this.pages.set(0, first.rows);
      this.scroller.scrollTop = 0;
      this.paint();
    } catch (e) {
      setMessage(this.count, toAppError(e).message, "error");
    }
  }

  /** Reads the rows again (after a fix, leaving rows out, a run's end). */
  reload(): Promise<void> {
    return this.show(this.filter);
  }

  /** A run's changed rows, redrawn where they are shown. */
  update(changed: RowOutcome[]): void {
    if (!changed.length) return;
    const by = new Map(changed.map((c) => [c.row, c.state]));
    let any = false;
    for (const [p, rows] of this.pages) {
      const next = rows.map((r) => {
        const s = by.get(r.row);
        if (!s) return r;
        any = true;
        return { ...r, state: s };
      });
      this.pages.set(p, next);
    }
    if (any) this.paint();
  }

  private paint(): void {
    const n = this.total;
    this.count.textContent = n === 0 ? "No rows to show." : `${n.toLocaleString("en-US")} ${n === 1 ? "row" : "rows"}`;
    this.spacer.style.height = `${n * ROW_HEIGHT}px`;
    const top = this.scroller.scrollTop;
    const view = this.scroller.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - 2);
    const last = Math.min(n, first + Math.ceil(view / ROW_HEIGHT) + 4);
    const rowAt = (i: number): RowView | undefined => this.pages.get(Math.floor(i / PAGE))?.[i % PAGE];
    const missing = this.drawn.draw(
      first,
      last,
      rowAt,
      (row) => this.rowEl(row),
      () => h("div", { class: "bulk-row bulk-grid is-loading", attrs: { role: "row" } }, h("span", { text: "…", attrs: { role: "cell" } })),
      (i) => i * ROW_HEIGHT,
    );
    if (missing) {
      for (let p = Math.floor(first / PAGE); p <= Math.floor(Math.max(first, last - 1) / PAGE); p++) void this.load(p);
    }
  }

  private async load(page: number): Promise<void> {
    if (this.pages.has(page) || this.asked.has(page)) return;
    this.asked.add(page);
    const seq = this.seq;
    try {
      const got = await bulkApi.rows({ file_id: this.fileId, filter: this.filter, offset: page * PAGE, limit: PAGE });
      if (seq !== this.seq || this.scope.disposed) return;
      this.pages.set(page, got.rows);
      this.total = got.total;
      this.paint();
    } catch (e) {
      setMessage(this.count, toAppError(e).message, "error");
    } finally {
      this.asked.delete(page);
    }
  }

  private rowEl(r: RowView): HTMLElement {
    const status = stateWords(r.state);
    const row = h(
      "div",
      { class: `bulk-row bulk-grid is-${r.state.state}`, data: { row: String(r.row) }, attrs: { role: "row", tabindex: "-1" } },
      h("span", { class: "num", text: String(r.row), attrs: { role: "cell" } }),
      this.statusCell(r, status),
      ...r.cells.map((value, c) => {
        const problem = r.problems.find((p) => p.column === c);
        const fixed = r.fixed.includes(c);
        if (!problem) {
          return h("span", { class: fixed ? "is-fixed" : "", text: value, attrs: { role: "cell", title: fixed ? `${value} (fixed here)` : value } });
        }
        const shownText = value === "" ? "(empty)" : value;
        const b = h("button", {
          class: "bulk-cell-fix",
          text: shownText,
          data: { column: String(c) },
          attrs: { type: "button", "aria-label": `${shownText}: row ${r.row}, ${problem.column_name}: ${problem.message} Fix it` },
        });
        b.addEventListener("click", () => this.openFix(r, c, value, `Row ${r.row}, ${problem.column_name}: ${problem.message}`));
        return h("span", { class: "is-problem", attrs: { role: "cell" } }, b);
      }),
    );
    this.grid(row);
    // A mistake not at a cell (a constant, the row as a whole) is said in the status cell's title.
    const whole = r.problems.filter((p) => p.column === null).map((p) => `${p.column_name}: ${p.message}`);
    if (whole.length) row.children[1]?.setAttribute("title", `${status}. ${whole.join(" ")}`);
    return row;
  }

  /** The row's state; what a done row made is one click away (Copy ID), never read out. */
  private statusCell(r: RowView, status: string): HTMLElement {
    const cell = h("span", { class: "bulk-status", attrs: { role: "cell", title: status } }, h("span", { text: status }));
    if (r.state.state === "created" && r.state.ids.length) {
      const ids = r.state.ids.join(", ");
      const copy = h("button", { class: "btn ghost small bulk-copy", text: "Copy ID", attrs: { type: "button", title: ids, "aria-label": `Copy ID of what row ${r.row} made` } });
      copy.addEventListener("click", () => {
        void copyText(ids, copy).then((ok) => {
          copy.textContent = ok ? "Copied" : "Press Ctrl+C";
        });
      });
      cell.append(" ", copy);
    }
    return cell;
  }

  private openFix(r: RowView, column: number, value: string, problem: string): void {
    clear(this.fix);
    const id = "bulk-fix-value";
    const input = h("input", { id, class: "input", attrs: { value, spellcheck: "false", "aria-describedby": "bulk-fix-problem" } });
    const save = h("button", { id: "btn-bulk-fix-save", class: "btn primary", text: "Save the fix", attrs: { type: "button" } });
    const leave = h("button", { id: "btn-bulk-fix-leave", class: "btn secondary", text: "Leave this row out", attrs: { type: "button" } });
    const close = h("button", { id: "btn-bulk-fix-close", class: "btn ghost", text: "Close", attrs: { type: "button" } });
    const message = h("p", { id: "bulk-fix-problem", class: "field-message is-error", text: problem, attrs: { role: "alert" } });
    const said = h("p", { id: "bulk-fix-message", class: "field-message", attrs: { hidden: true } });
    const done = (text: string): void => {
      this.fix.hidden = true;
      this.onChanged();
      void this.reload().then(() => setMessage(this.count, text, "ok"));
    };
    save.addEventListener("click", async () => {
      try {
        const fixed = await bulkApi.fixCell(this.fileId, r.row, column, input.value);
        const left = fixed.problems.find((p) => p.column === column);
        if (left) {
          setMessage(message, `Row ${r.row}, ${left.column_name}: ${left.message}`, "error");
          input.focus();
          return;
        }
        done(`Row ${r.row} fixed: ${stateWords(fixed.state)}.`);
      } catch (e) {
        setMessage(said, toAppError(e).message, "error");
      }
    });
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") save.click();
      if (ev.key === "Escape") close.click();
    });
    leave.addEventListener("click", async () => {
      try {
        await bulkApi.leaveOut(this.fileId, [r.row], true);
        done(`Row ${r.row} is left out of the run.`);
      } catch (e) {
        setMessage(said, toAppError(e).message, "error");
      }
    });
    close.addEventListener("click", () => {
      this.fix.hidden = true;
      this.scroller.focus();
    });
    this.fix.append(
      h("h3", { class: "card-title", text: `Fix row ${r.row}` }),
      message,
      h("label", { class: "label", text: "What the cell should hold (the file itself is not changed)", attrs: { for: id } }),
      input,
      h("div", { class: "row" }, save, leave, close),
      said,
    );
    this.fix.hidden = false;
    input.focus();
    input.select();
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
