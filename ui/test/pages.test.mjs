// The Balances table's page bookkeeping: which rows a scroll position
// shows, which pages stay held, and from which anchor each page is read.
// Runs on the compiled UI (`npm run build:ui` first): node --test ui/test/

import assert from "node:assert/strict";
import { test } from "node:test";
import { PageBook, visibleRows } from "../dist/lib/pages.js";

/** A page of the table as the backend would answer `plan` over rows 0..total-1. */
function answer(plan, total, size) {
  const cursor = (i) => [{ Int: i }];
  const rows = [];
  const start = plan.page * size;
  for (let i = start; i < Math.min(total, start + plan.limit); i++) rows.push({ id: `txn_${i}`, cursor: cursor(i) });
  const skipped = [];
  for (let k = 0; k < plan.skip; k++) {
    const p = plan.forward ? plan.from + k : plan.from - 1 - k;
    skipped.push(cursor(plan.forward ? p * size + size - 1 : p * size));
  }
  return { rows, has_more: true, skipped };
}

test("a short table shows its rows in place; a tall one scrolls in proportion", () => {
  assert.deepEqual(visibleRows(0, 300, 1000, 30, 32, 8_000_000), { first: 0, last: 12, offset: 0 });
  const middle = visibleRows(5000, 300, 1000, 30, 32, 8_000_000);
  assert.equal(middle.first, Math.floor((5000 - 32) / 30));
  // A million rows of 30 px would be 30,000,000 px: the bottom of the
  // shorter area shows the last rows.
  const end = visibleRows(8_000_000 + 32 - 300, 300, 1_000_000, 30, 32, 8_000_000);
  assert.equal(end.last, 1_000_000);
  assert.ok(end.offset > 0);
});

test("only the pages of the visible rows are held, and each is read from the nearest anchor", () => {
  const size = 200;
  const total = 100_000; // 500 pages; the last one whole
  const book = new PageBook(size);
  book.total = total;
  // The top: page 0, from the top, nothing passed over.
  book.show(0, 12);
  assert.equal(book.missing(), 0);
  let plan = book.plan(0);
  assert.deepEqual([plan.forward, plan.skip, plan.after, plan.fromEnd], [true, 0, null, false]);
  book.record(plan, answer(plan, total, size));
  assert.equal(book.row(5).id, "txn_5");
  assert.equal(book.missing(), null);
  // A jump to the end reads the end, not the 499 pages before it.
  book.show(total - 12, total);
  assert.equal(book.row(5), undefined, "page 0 is let go");
  plan = book.plan(book.missing());
  assert.deepEqual([plan.page, plan.fromEnd, plan.skip], [499, true, 0]);
  book.record(plan, answer(plan, total, size));
  assert.equal(book.row(total - 1).id, `txn_${total - 1}`);
  // The middle: walked from the closer side (the top's anchor is 250 pages
  // away, the end's 249), passing over the pages between.
  book.show(250 * size, 250 * size + 12);
  plan = book.plan(book.missing());
  assert.deepEqual([plan.page, plan.forward, plan.skip], [250, false, 248]);
  book.record(plan, answer(plan, total, size));
  assert.equal(book.row(250 * size).id, `txn_${250 * size}`);
  // Next to a page read before: one step from its anchor.
  book.show(251 * size, 251 * size + 12);
  plan = book.plan(book.missing());
  assert.deepEqual([plan.page, plan.forward, plan.skip], [251, true, 0]);
  assert.deepEqual(plan.after, [{ Int: 251 * size - 1 }]);
  // A new filter forgets everything.
  book.reset();
  assert.equal(book.row(251 * size), undefined);
});

test("a short last page is read alone from the end, so every page passed over is whole", () => {
  const book = new PageBook(200);
  book.total = 1050; // six pages, the last of 50 rows
  book.show(1000, 1050);
  const plan = book.plan(book.missing());
  assert.deepEqual([plan.page, plan.fromEnd, plan.skip, plan.limit], [5, true, 0, 50]);
  assert.throws(() => book.record(plan, { rows: [], has_more: false, skipped: [] }), /table changed/);
});
