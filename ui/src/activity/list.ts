// The feed: a virtual list (the DOM holds only the visible lines), newest
// first, read page by page by keyset (lib/pages.ts keeps the pages and
// anchors, as for the Balances table). A line drawn stays the same element
// while pages arrive around it.

import * as activityApi from "../api/activity.js";
import type { FeedCursor } from "../bindings/FeedCursor";
import type { FeedLine } from "../bindings/FeedLine";
import { h } from "../dom.js";
import { PageBook, visibleRows, type PageOf, type PagePlan } from "../lib/pages.js";
import { DrawnRows } from "../lib/rows.js";
import { toAppError } from "../tauri.js";
import { Scope, type View } from "../view.js";
import { accountWords, clockTime, type ActivityContext } from "./context.js";
import { arrowKeys } from "../lib/arrows.js";

const ROW_HEIGHT = 52;
const MAX_SCROLL_HEIGHT = 8_000_000;
const PAGE_SIZE = 100;

export class FeedList implements View {
  readonly el = h("div", { id: "act-feed-card", class: "card" });
  private readonly scope = new Scope();
  private readonly book = new PageBook<FeedLine>(PAGE_SIZE);
  private walking = false;
  private readonly scroller = h("div", { id: "act-scroll", class: "act-scroll", attrs: { tabindex: "0", role: "list", "aria-label": "Activity" } });
  private readonly spacer = h("div", { class: "act-spacer" });
  readonly count = h("p", { id: "act-count", class: "help", attrs: { "aria-live": "polite" } });
  private readonly rows = new DrawnRows<FeedLine>(this.spacer);
  private selected: string | null = null;

  constructor(
    private readonly ctx: ActivityContext,
    private readonly open: (line: FeedLine) => void,
  ) {
    this.el.append(h("h2", { class: "card-title", text: "What happened" }), this.count);
    this.scroller.appendChild(this.spacer);
    this.el.appendChild(this.scroller);
    this.scope.on(this.scroller, "scroll", () => this.draw(), { passive: true });
    // Up and Down move line by line, Enter opens the line's details.
    arrowKeys(this.scroller, "act-row", ROW_HEIGHT, (row) => row.querySelector("button")?.click());
    this.scope.on(this.scroller, "keydown", (ev: KeyboardEvent) => {
      if (ev.key !== "End" && ev.key !== "Home") return;
      ev.preventDefault();
      this.scroller.scrollTop = ev.key === "End" ? this.scroller.scrollHeight : 0;
    });
  }

  /** Forgets every page (the filters changed, or new lines came in). */
  reset(toTop: boolean): void {
    this.book.reset();
    this.rows.forget();
    this.walking = false;
    if (toTop) this.scroller.scrollTop = 0;
  }

  setTotal(total: number): void {
    this.book.total = total;
    this.count.textContent =
      total > 0
        ? `${total.toLocaleString("en-US")} ${total === 1 ? "event" : "events"}, newest first`
        : this.ctx.filtered()
          ? "Nothing matches what you chose to show."
          : "Nothing has happened here yet. New events show up here as Stripe Desk hears of them.";
    this.spacer.style.height = `${Math.min(total * ROW_HEIGHT, MAX_SCROLL_HEIGHT)}px`;
    // As tall as its lines, up to a screenful: no empty box.
    this.scroller.style.height = `${Math.min(total * ROW_HEIGHT + 2, 420)}px`;
    this.scroller.hidden = total === 0;
    this.draw();
  }

  /** Marks the line shown in the details. */
  select(eventId: string | null): void {
    this.selected = eventId;
    for (const { row, el } of this.rows.shown()) el.classList.toggle("is-selected", !!row && row.event_id === eventId);
  }

  private draw(): void {
    if (this.scope.disposed) return;
    const view = this.scroller.clientHeight || 420;
    const { first, last, offset } = visibleRows(this.scroller.scrollTop, view, this.book.total, ROW_HEIGHT, 0, MAX_SCROLL_HEIGHT);
    const missing = this.rows.draw(
      first,
      last,
      (i) => this.book.row(i),
      (line) => this.lineEl(line),
      () => h("div", { class: "act-row is-loading", attrs: { role: "listitem" } }, h("span", { text: "…" })),
      (i) => i * ROW_HEIGHT - offset,
    );
    this.book.show(first, last);
    if (missing) void this.walk();
  }

  private lineEl(line: FeedLine): HTMLElement {
    const el = h(
      "div",
      {
        class: `act-row${line.unread ? " is-unread" : ""}${line.event_id === this.selected ? " is-selected" : ""}`,
        data: { event: line.event_id, kind: line.kind },
        attrs: { role: "listitem", tabindex: "-1" },
      },
      h("span", { class: "act-meta" }, h("time", { text: clockTime(line.created) }), " · ", h("span", { class: "act-account", text: accountWords(line.account_name, line.mode) }), line.unread ? h("span", { class: "act-new", text: "New" }) : null),
      h("button", { class: "act-sentence", text: line.sentence, attrs: { type: "button", title: `${line.sentence}: show its details` } }),
    );
    el.querySelector("button")!.addEventListener("click", () => this.open(line));
    return el;
  }

  /** Reads the visible pages, each from the nearest anchor (the top, the end, or a page read before). */
  private async walk(): Promise<void> {
    if (this.walking) return;
    this.walking = true;
    const generation = this.ctx.generation;
    try {
      for (let target = this.book.missing(); target !== null; target = this.book.missing()) {
        const plan = this.book.plan(target);
        const page = await this.read(plan);
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

  /** One planned page; the feed has no server-side skip, so pages walked over are read here. */
  private async read(plan: PagePlan<FeedCursor>): Promise<PageOf<FeedLine, FeedCursor>> {
    const skipped: FeedCursor[] = [];
    let after = plan.after;
    let before = plan.before;
    let fromEnd = plan.fromEnd;
    for (let k = 0; k < plan.skip; k++) {
      const { lines } = await activityApi.feed(this.ctx.query({ after, before, fromEnd, limit: PAGE_SIZE }));
      const edge = plan.forward ? lines[lines.length - 1] : lines[0];
      if (!edge) break;
      if (plan.forward) after = edge.cursor;
      else before = edge.cursor;
      fromEnd = false;
      skipped.push(edge.cursor);
    }
    const page = await activityApi.feed(this.ctx.query({ after, before, fromEnd, limit: plan.limit }));
    return { rows: page.lines, skipped };
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
