// What every card of the Balances screen shares: the connection's calls,
// the filter and the sort applied, the account's time zone, Stripe's codes
// in words, and the generation that tells a late answer from a current one.

import type { BalancesApi } from "../api/balances.js";
import type { Filter } from "../bindings/Filter";
import type { Sort } from "../bindings/Sort";
import { dateWords, dayIn, timeIn, zoneWords } from "../lib/time.js";
import { emptyFilter, Words } from "./words.js";
import { balancesSort } from "../prefs.js";

export class BalancesContext {
  filter: Filter = emptyFilter();
  /** As the person last sorted it, on this computer. */
  sort: Sort = balancesSort() ?? { column: "created", descending: true };
  /** The account's time zone as of the last sync (null before one). */
  timezone: string | null = null;
  /** Bumped whenever the filter or the sort change, so late answers of an old query are dropped. */
  generation = 0;
  readonly words = new Words();

  constructor(
    readonly api: BalancesApi,
    readonly mode: string,
  ) {}

  /** `2026-11-25 09:30:05 Tokyo time`: the detail view names the zone it reads in. */
  zoned(unix: number): string {
    return `${timeIn(unix, this.timezone)} ${zoneWords(this.timezone)}`;
  }

  /** Which days the chart, the summary and the Created filter count in. */
  zoneNote(): string {
    return this.timezone === null
      ? "Days are UTC until a sync reads the account's time zone."
      : `Days are ${zoneWords(this.timezone)}, the account's time zone (as in its Stripe Dashboard).`;
  }

  /** What the filters select, in words, for the cards that show it. */
  filterWords(): string {
    const f = this.filter;
    const parts: string[] = [];
    if (f.types.length) parts.push(f.types.map((t) => this.words.type(t)).join(", "));
    if (f.reporting_categories.length) parts.push(f.reporting_categories.map((c) => this.words.category(c)).join(", "));
    if (f.statuses.length) parts.push(f.statuses.map((c) => this.words.status(c)).join(", "));
    if (f.currencies.length) parts.push(f.currencies.map((c) => c.toUpperCase()).join(", "));
    const range = (what: string, r: { from: number | null; to: number | null }) => {
      if (r.from === null && r.to === null) return;
      const from = r.from === null ? null : dateWords(dayIn(r.from, this.timezone));
      const to = r.to === null ? null : dateWords(dayIn(r.to - 1, this.timezone));
      parts.push(from && to ? `${what} ${from} to ${to}` : from ? `${what} from ${from}` : `${what} up to ${to}`);
    };
    range("created", f.created);
    range("available", f.available_on);
    if (f.payout) parts.push(`paid out in ${f.payout}`);
    if (f.source) parts.push(`related to ${f.source}`);
    if (f.text) parts.push(`description contains "${f.text}"`);
    return parts.length ? `For ${parts.join(" · ")}` : "For every transaction in your copy";
  }
}
