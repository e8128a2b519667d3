// What the views of the Activity screen share: which accounts the feed
// covers (the one on screen, or all), the filters applied, the person's
// clock, and the generation that tells a late answer from a current one.

import type { ActivityKind } from "../bindings/ActivityKind";
import type { FeedCursor } from "../bindings/FeedCursor";
import type { FeedQuery } from "../bindings/FeedQuery";
import type { Mode } from "../bindings/Mode";

/** The kinds the filter offers, in the order a shop owner thinks of them. */
export const KINDS: Array<{ kind: ActivityKind; label: string }> = [
  { kind: "payments", label: "Payments" },
  { kind: "refunds", label: "Refunds" },
  { kind: "disputes", label: "Disputes" },
  { kind: "payouts", label: "Payouts" },
  { kind: "customers", label: "Customers" },
  { kind: "subscriptions", label: "Subscriptions" },
  { kind: "products", label: "Products" },
];

/** The person's own clock (the computer's time zone). */
export const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "4 Dec 2026, 22:31": an event's time on the person's clock. */
export { clockTime } from "../lib/time.js";

/** "Acme Shop · test": which account a line is from. */
export function accountWords(name: string, mode: Mode): string {
  return `${name} · ${mode === "live" ? "live" : "test"}`;
}

export class ActivityContext {
  /** null: every account. */
  connectionId: string | null;
  kinds: ActivityKind[] = [];
  from: number | null = null;
  to: number | null = null;
  search = "";
  /** Bumped whenever the filters change, so late answers of an old query are dropped. */
  generation = 0;

  constructor(readonly activeId: string | null) {
    this.connectionId = activeId;
  }

  /** Whether a filter narrows the feed (beyond the accounts). */
  filtered(): boolean {
    return this.kinds.length > 0 || this.from !== null || this.to !== null || this.search.trim() !== "";
  }

  query(page: { after?: FeedCursor | null; before?: FeedCursor | null; fromEnd?: boolean; limit?: number } = {}): FeedQuery {
    return {
      connection_id: this.connectionId,
      kinds: this.kinds,
      from: this.from,
      to: this.to,
      search: this.search.trim() || null,
      after: page.after ?? null,
      before: page.before ?? null,
      from_end: page.fromEnd ?? false,
      limit: page.limit ?? 0,
      time_zone: ZONE,
    };
  }
}
