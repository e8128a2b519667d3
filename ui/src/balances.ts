// The Balances screen: the balance now, the local copy's sync, a virtual
// table over the copy (pages by keyset from the backend), totals, the
// reconciliation with Stripe, the summary by category, a chart (uPlot,
// loaded with this screen) and CSV export. Loaded on first visit (dynamic
// import from main.ts). Stripe's codes never reach the screen: the words
// for types, categories and statuses come from the backend
// (`balances_filter_choices`), which names them once.
//
// Money stays integer minor units; it becomes text only in `money()`, from
// the integer's digits, never through a float.

// The shapes of the balances_* commands are generated from the Rust types (ts-rs).
import type { BalanceRow } from "./bindings/BalanceRow";
import type { ChartSeries } from "./bindings/ChartSeries";
import type { ExportProgress } from "./bindings/ExportProgress";
import type { Choice } from "./bindings/Choice";
import type { Filter } from "./bindings/Filter";
import type { FilterChoices } from "./bindings/FilterChoices";
import type { Sort } from "./bindings/Sort";
import type { SortColumn } from "./bindings/SortColumn";
import type { StoreStats } from "./bindings/StoreStats";
import type { SyncOutcome } from "./bindings/SyncOutcome";
import type { SyncProgress } from "./bindings/SyncProgress";
import type { Code } from "./bindings/Code";
import type { Cursor } from "./bindings/Cursor";
import { clear, h, setMessage } from "./dom.js";
import { activeConnection, navigate } from "./state.js";
import * as appApi from "./api/app.js";
import { BalancesApi } from "./api/balances.js";
import { toAppError } from "./tauri.js";

// ---------------------------------------------------------------------------
// Money: the same currency lists as desk_core::money (display and wire exponents)
// ---------------------------------------------------------------------------

const ZERO_DECIMAL = new Set(["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf", "isk"]);
const THREE_DECIMAL = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);

function displayExponent(currency: string): number {
  const c = currency.toLowerCase();
  return ZERO_DECIMAL.has(c) ? 0 : THREE_DECIMAL.has(c) ? 3 : 2;
}

/** ISK and UGX are shown without decimals but carried with two. */
function wireExponent(currency: string): number {
  const c = currency.toLowerCase();
  return c === "isk" || c === "ugx" ? 2 : displayExponent(c);
}

/** `-1,234.567 KWD` from `-1234567` minor units: digits only, no float. */
export function money(minor: number, currency: string): string {
  const wire = wireExponent(currency);
  const shown = displayExponent(currency);
  const digits = BigInt(minor) < 0n ? (-BigInt(minor)).toString() : BigInt(minor).toString();
  const padded = digits.padStart(wire + 1, "0");
  const whole = padded.slice(0, padded.length - wire);
  let frac = padded.slice(padded.length - wire);
  // Wire decimals beyond the shown ones are dropped only when they are zero: never hide money.
  if (frac.length > shown && /^0*$/.test(frac.slice(shown))) frac = frac.slice(0, shown);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const sign = BigInt(minor) < 0n ? "-" : "";
  return `${sign}${grouped}${frac ? "." + frac : ""} ${currency.toUpperCase()}`;
}

/** When the app itself read or synced: on the user's own clock, as the Actions screen shows times. */
function when(unix: number | null): string {
  if (unix === null) return "never";
  return new Date(unix * 1000).toLocaleString();
}

function day(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(0, 10);
}

/** One formatter per zone: building one costs more than formatting a table's worth of rows. */
const zoneClocks = new Map<string, Intl.DateTimeFormat>();

/** Seconds east of UTC in `zone` at `unix` (what the clock there reads, less the instant). */
function zoneOffset(unix: number, zone: string): number {
  let clock = zoneClocks.get(zone);
  if (!clock) {
    clock = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    zoneClocks.set(zone, clock);
  }
  const parts = clock.formatToParts(new Date(unix * 1000));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second")) / 1000 - unix;
}

/** The `YYYY-MM-DD` that `unix` falls on in `zone` (UTC when null). */
function dayIn(unix: number, zone: string | null): string {
  return day(zone === null ? unix : unix + zoneOffset(unix, zone));
}

/** `2026-11-25 09:30:05`, what a clock in `zone` (UTC when null) reads at `unix`. */
function timeIn(unix: number, zone: string | null): string {
  const local = zone === null ? unix : unix + zoneOffset(unix, zone);
  return new Date(local * 1000).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * A date input's `YYYY-MM-DD` as unix seconds at 00:00 that day in `zone`
 * (UTC when null); `end` gives the next day's (ranges are `[from, to)`).
 */
function dateToUnix(value: string, end: boolean, zone: string | null = null): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const midnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (end ? 1 : 0)) / 1000;
  if (zone === null) return midnight;
  // The offset at that midnight, asked twice: the first guess may sit across a DST change.
  const first = midnight - zoneOffset(midnight, zone);
  return midnight - zoneOffset(first, zone);
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** `Asia/Tokyo` -> "Tokyo time"; UTC by any name -> "UTC". */
export function zoneWords(zone: string | null): string {
  if (zone === null || /^(Etc\/)?(UTC|UCT|GMT|Zulu|Universal|Greenwich)(\+0|-0|0)?$/.test(zone)) return "UTC";
  const city = zone.split("/").pop()!.replace(/_/g, " ");
  return `${city} time`;
}

let currencyNames: Intl.DisplayNames | null | undefined;

/** `EUR (Euro)`, or `EUR` where the system has no name for it. */
function currencyWords(code: string): string {
  const upper = code.toUpperCase();
  if (currencyNames === undefined) {
    try {
      currencyNames = new Intl.DisplayNames(["en"], { type: "currency" });
    } catch {
      currencyNames = null;
    }
  }
  const name = currencyNames?.of(upper);
  return name && name !== upper ? `${upper} (${name})` : upper;
}

/** `2026-11-25` as the user's locale writes a date ("Nov 25, 2026"). */
function dateWords(isoDay: string): string {
  const [y, m, d] = isoDay.split("-").map(Number);
  try {
    return new Date(Date.UTC(y!, m! - 1, d!)).toLocaleDateString(undefined, { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" });
  } catch {
    return isoDay;
  }
}

function say(el: HTMLElement, kind: "error" | "hint" | "ok", text: string): void {
  setMessage(el, text, kind);
}

function errorLine(e: unknown): HTMLElement {
  return h("p", { class: "field-message is-error", text: toAppError(e).message, attrs: { role: "alert" } });
}

const OFFLINE_CODES = new Set<Code>(["network", "timeout", "stripe_unavailable"]);

// ---------------------------------------------------------------------------
// The screen
// ---------------------------------------------------------------------------

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

/** The screen survives redraws of the main area (e.g. after a connections broadcast). */
let screen: { connectionId: string; root: HTMLElement } | null = null;

export function balancesScreen(): HTMLElement {
  const active = activeConnection();
  if (screen && active && screen.connectionId === active.id) return screen.root;
  const title = h("h1", { id: "screen-title", class: "screen-title", text: "Balances", attrs: { tabindex: "-1" } });
  const root = h("section", { class: "screen screen-wide", attrs: { "aria-labelledby": "screen-title" } }, title);
  if (!active) {
    const go = h("button", { id: "btn-go-connections", class: "btn primary", text: "Go to Connections", attrs: { type: "button" } });
    go.addEventListener("click", () => navigate("connections"));
    root.appendChild(h("div", { class: "card empty-state" }, h("p", { class: "empty-text", text: "Connect a Stripe account first." }), go));
    screen = null;
    return root;
  }
  screen = { connectionId: active.id, root };
  new BalancesView(active.id, active.mode, root).start();
  return root;
}

/** Words for Stripe's codes, from the backend; a code it has no word for yet reads as its words. */
class Words {
  private readonly types = new Map<string, string>();
  private readonly categories = new Map<string, string>();
  private readonly statuses = new Map<string, string>();
  private readonly balances = new Map<string, string>();

  learn(c: FilterChoices): void {
    for (const [map, list] of [[this.types, c.types], [this.categories, c.reporting_categories], [this.statuses, c.statuses], [this.balances, c.balances]] as const) {
      for (const choice of list) map.set(choice.value, choice.label);
    }
  }

  private static spelled(code: string): string {
    const s = code.replace(/_/g, " ");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  type(code: string): string {
    return this.types.get(code) ?? Words.spelled(code);
  }
  category(code: string): string {
    return this.categories.get(code) ?? Words.spelled(code);
  }
  status(code: string): string {
    return this.statuses.get(code) ?? Words.spelled(code);
  }
  balance(code: string): string {
    return this.balances.get(code) ?? Words.spelled(code);
  }
}

/** A drop-down of `choices` after an "all" option; keeps what was picked when the choices change. */
function fillSelect(select: HTMLSelectElement, all: string, choices: Choice[]): void {
  const picked = select.value;
  select.replaceChildren(h("option", { text: all, attrs: { value: "" } }), ...choices.map((c) => h("option", { text: c.label, attrs: { value: c.value, title: c.label } })));
  select.value = choices.some((c) => c.value === picked) ? picked : "";
}

class BalancesView {
  private filter: Filter = emptyFilter();
  private sort: Sort = { column: "created", descending: true };
  private total = 0;
  /** The rows of the pages the visible rows are on, by page index (page i holds rows i*PAGE_SIZE...). */
  private pages = new Map<number, BalanceRow[]>();
  /**
   * The anchors a jump walks from: `afterAt.get(i)` is the cursor after
   * which page i begins (null: the top), `beforeAt.get(i)` the one before
   * which page i - 1 ends. The end of the table needs none: it is the first
   * page of the reversed sort. Two cursors per page read, no rows.
   */
  private afterAt = new Map<number, Cursor | null>([[0, null]]);
  private beforeAt = new Map<number, Cursor>();
  /** The pages the visible rows are on, first and last. */
  private want: [number, number] = [0, 0];
  /** One walk at a time; it heads for whatever is visible when each request returns. */
  private walking = false;
  /** Bumped whenever filter or sort change, so late pages of an old query are dropped. */
  private generation = 0;
  private chartBucket: "day" | "week" | "month" = "day";
  private chartCurrency = "";
  private chartExtra = false;
  /** The account's time zone as of the last sync (null before one). */
  private timezone: string | null = null;
  private readonly words = new Words();
  /** The filters' drop-downs, refilled from the copy after every sync. */
  private readonly typeSelect = h("select", { id: "flt-type", class: "input" });
  private readonly categorySelect = h("select", { id: "flt-category", class: "input" });
  private readonly statusSelect = h("select", { id: "flt-status", class: "input" });
  private readonly currencySelect = h("select", { id: "flt-currency", class: "input" });

  private readonly balanceCard = h("div", { id: "bal-now", class: "card" });
  private readonly syncCard = h("div", { id: "bal-sync", class: "card" });
  private readonly filterCard = h("form", { id: "bal-filters", class: "card bal-filters", attrs: { novalidate: true } });
  private readonly totalsCard = h("div", { id: "bal-totals", class: "card" });
  private readonly summaryCard = h("div", { id: "bal-summary", class: "card" });
  private readonly chartCard = h("div", { id: "bal-chart-card", class: "card" });
  private readonly tableCard = h("div", { id: "bal-table-card", class: "card" });
  private readonly exportCard = h("div", { id: "bal-export", class: "card" });
  private readonly detail = h("div", { id: "bal-detail", class: "card", attrs: { hidden: true } });
  private readonly head = h("div", { class: "bt-head bt-grid", attrs: { role: "row" } });
  private readonly scroller = h("div", { id: "bt-scroll", class: "bt-scroll", attrs: { tabindex: "0", role: "rowgroup" } });
  private readonly spacer = h("div", { class: "bt-spacer" });
  private readonly count = h("p", { id: "bt-count", class: "help" });
  private readonly tableZone = h("p", { id: "bt-zone", class: "help" });
  private readonly syncProgress = h("p", { id: "bal-sync-progress", class: "help", attrs: { "aria-live": "polite" } });
  private readonly syncBar = h("progress", { id: "bal-sync-bar", class: "bal-bar", attrs: { hidden: true } });
  private readonly syncMessage = h("p", { id: "bal-sync-message", class: "field-message" });
  /** The export's last word: it spoke of the selection before the filters changed. */
  private exportMessage: HTMLElement | null = null;

  private readonly api: BalancesApi;

  constructor(
    id: string,
    private readonly mode: string,
    private readonly root: HTMLElement,
  ) {
    this.api = new BalancesApi(id);
  }

  start(): void {
    this.root.append(
      this.balanceCard,
      this.syncCard,
      this.filterCard,
      this.totalsCard,
      this.summaryCard,
      this.tableCard,
      this.detail,
      this.chartCard,
      this.exportCard,
    );
    this.drawFilters();
    this.drawTableShell();
    this.drawExport();
    void this.refreshBalance();
    void this.refreshStatus();
    void this.loadChoices().then(() => this.reload());
  }

  // ---- Balance now and reconciliation ----

  private async refreshBalance(): Promise<void> {
    const card = this.balanceCard;
    clear(card);
    const refresh = h("button", { id: "btn-bal-refresh", class: "btn secondary small", text: "Refresh", attrs: { type: "button" } });
    refresh.addEventListener("click", () => void this.refreshBalance());
    card.append(h("h2", { class: "card-title", text: "Balance now" }, refresh));
    const body = h("div", { class: "bal-now-body" }, h("p", { class: "help", text: "Reading the balance from Stripe…" }));
    card.appendChild(body);
    refresh.disabled = true;
    try {
      const r = await this.api.reconcile();
      clear(body);
      body.appendChild(h("p", { id: "bal-read-at", class: "help", text: `Read from Stripe at ${when(r.read_at)}` }));
      const table = h("table", { id: "bal-now-table", class: "bal-table" },
        h("thead", {}, h("tr", {}, ...["Currency", "Balance", "Available", "Pending", "In your copy", "Difference"].map((t) => h("th", { text: t })))));
      const tbody = h("tbody");
      const notes = new Set<string>();
      let previous = "";
      for (const l of r.lines) {
        const amount = (v: number | null) => (v === null ? "—" : money(v, l.currency));
        let difference: HTMLElement;
        if (!r.synced) {
          difference = h("td", { class: "num help", text: "Not synced yet" });
        } else if (l.difference === null) {
          difference = h("td", { class: "num help", text: "Not compared", attrs: { title: partNote(l.part) } });
          notes.add(l.part);
        } else {
          difference = h("td", { class: `num ${l.difference === 0 ? "is-ok" : "is-diff"}`, text: money(l.difference, l.currency) });
        }
        tbody.appendChild(h("tr", { class: l.currency === previous ? "is-part" : "", data: { currency: l.currency, part: l.part } },
          h("td", { text: l.currency === previous ? "" : l.currency.toUpperCase() }),
          h("td", { class: "clip", text: l.label, attrs: { title: l.label } }),
          h("td", { class: "num", text: amount(l.available) }),
          h("td", { class: "num", text: amount(l.pending) }),
          h("td", { class: "num", text: r.synced || l.in_copy === null ? amount(l.in_copy) : "—" }),
          difference));
        previous = l.currency;
      }
      table.appendChild(tbody);
      body.appendChild(h("div", { class: "bal-table-wrap" }, table));
      for (const part of notes) body.appendChild(h("p", { class: "help", data: { note: part }, text: partNote(part) }));
      const differs = r.lines.some((l) => l.difference !== null && l.difference !== 0);
      body.appendChild(h("p", {
        id: "bal-reconcile",
        class: `field-message ${!r.synced ? "is-hint" : r.matches ? "is-ok" : "is-error"}`,
        attrs: { role: "status" },
        text: !r.synced
          ? "Not synced yet: sync to compare Stripe's balance with your copy."
          : r.matches
            ? "Stripe's balance matches your copy."
            : differs
              ? "Stripe's balance and your copy differ (see Difference). Sync to bring your copy up to date."
              : "Stripe's balance could not be compared with your copy.",
      }));
    } catch (e) {
      clear(body);
      const err = toAppError(e);
      if (typeof err.code === "string" && OFFLINE_CODES.has(err.code)) {
        const line = h("p", { id: "bal-offline", class: "field-message is-error", attrs: { role: "status" }, text: `Offline: ${err.message} The screen works from your copy.` });
        body.appendChild(line);
        void this.api.status()
          .then((s) => line.append(` Last synced ${when(s.last_synced_at)}.`))
          .catch(() => undefined);
      } else {
        body.appendChild(errorLine(e));
      }
      void this.refreshStatus();
    } finally {
      refresh.disabled = false;
    }
  }

  // ---- Sync ----

  private async refreshStatus(): Promise<void> {
    try {
      const s = await this.api.status();
      this.drawSync(s);
    } catch (e) {
      clear(this.syncCard);
      this.syncCard.append(h("h2", { class: "card-title", text: "Your copy" }), errorLine(e));
    }
  }

  private drawSync(s: StoreStats): void {
    this.timezone = s.timezone;
    const zone = document.getElementById("bal-chart-zone");
    if (zone) zone.textContent = this.zoneNote();
    this.tableZone.textContent = this.timezone === null
      ? "Times are UTC until a sync reads the account's time zone."
      : `Times are ${zoneWords(this.timezone)}, the account's time zone.`;
    // Rows drawn before the zone was known are drawn again in it.
    this.draw();
    const card = this.syncCard;
    clear(card);
    const sync = h("button", { id: "btn-bal-sync", class: "btn primary small", text: "Sync", attrs: { type: "button" } });
    const cancel = h("button", { id: "btn-bal-cancel-sync", class: "btn secondary small", text: "Cancel", attrs: { type: "button", hidden: true } });
    // The same progress and message lines through every redraw: what they say holds until the next sync.
    const { syncProgress: progress, syncBar: bar, syncMessage: message } = this;
    const stored = s.transactions === 0 ? "No transactions stored yet" : `${s.transactions.toLocaleString("en-US")} transactions stored`;
    const synced = s.last_synced_at === null ? "never synced" : `last synced ${when(s.last_synced_at)}`;
    card.append(
      h("h2", { class: "card-title", text: "Your copy" }),
      h("p", { id: "bal-status", text: `${stored} · ${synced}${s.complete || s.transactions === 0 ? "" : " · first sync not finished"}` }),
      h("div", { class: "actions" }, sync, cancel),
      bar,
      progress,
      message,
    );
    cancel.addEventListener("click", () => void this.api.cancelSync().catch(() => undefined));
    sync.addEventListener("click", () => {
      sync.disabled = true;
      cancel.hidden = false;
      bar.hidden = false;
      bar.removeAttribute("value");
      setMessage(message, null);
      progress.textContent = "Starting…";
      const onProgress = (p: SyncProgress): void => {
        const eta = p.eta_seconds === null ? "" : ` · about ${duration(p.eta_seconds)} left`;
        progress.textContent = p.phase === "payouts"
          ? `Matching payouts to what they paid out: ${p.stored.toLocaleString("en-US")} of ${(p.total ?? p.stored).toLocaleString("en-US")}${eta}`
          : `${p.stored.toLocaleString("en-US")} transactions stored · ${Math.round(p.objects_per_second).toLocaleString("en-US")} a second${eta}`;
        if (p.phase === "payouts" && p.total) {
          bar.max = p.total;
          bar.value = p.stored;
        } else if (p.eta_seconds !== null && p.objects_per_second > 0) {
          const left = p.eta_seconds * p.objects_per_second;
          bar.max = p.stored + left;
          bar.value = p.stored;
        }
      };
      void this.api.sync(onProgress)
        .then((o) => {
          say(message, o.completed ? "ok" : "hint", o.completed ? syncedWords(o) : "Sync cancelled. What was stored stays; the next sync goes on from there.");
        })
        .catch((e: unknown) => say(message, "error", `${toAppError(e).message} Your copy stays as it was.`))
        .finally(() => {
          // The sync is over: its progress no longer holds; the message says how it ended.
          progress.textContent = "";
          bar.hidden = true;
          void this.refreshStatus();
          void this.loadChoices().then(() => this.reload());
          void this.refreshBalance();
        });
    });
  }

  // ---- Filters ----

  /** The drop-downs offer what the copy holds, in words. */
  private async loadChoices(): Promise<void> {
    try {
      const c = await this.api.filterChoices();
      this.words.learn(c);
      fillSelect(this.typeSelect, "All types", c.types);
      fillSelect(this.categorySelect, "All categories", c.reporting_categories);
      fillSelect(this.statusSelect, "Any status", c.statuses);
      fillSelect(this.currencySelect, "All currencies", c.currencies.map((v) => ({ value: v, label: currencyWords(v) })));
    } catch {
      // The filters still work on what they hold; the table says what went wrong.
    }
  }

  private drawFilters(): void {
    const f = this.filterCard;
    const field = (label: string, control: HTMLElement): HTMLElement => {
      const message = h("span", { class: "field-message", attrs: { hidden: true, "aria-live": "polite" } });
      const wrap = h("label", { class: "field bal-field" }, h("span", { class: "label", text: label }), control, message);
      f.appendChild(wrap);
      return message;
    };
    const input = (id: string, label: string, type = "text"): [HTMLInputElement, HTMLElement] => {
      const i = h("input", { id, class: "input", attrs: { type, autocomplete: "off", spellcheck: "false" } });
      const message = field(label, i);
      message.id = `${id}-message`;
      i.setAttribute("aria-describedby", message.id);
      return [i, message];
    };
    f.appendChild(h("h2", { class: "card-title bal-wide", text: "Filters" }));
    f.appendChild(h("p", { class: "help bal-wide", text: "Apply sets what the totals, the summary, the table, the chart and the export show." }));
    for (const s of [this.typeSelect, this.categorySelect, this.statusSelect, this.currencySelect]) {
      fillSelect(s, s === this.typeSelect ? "All types" : s === this.categorySelect ? "All categories" : s === this.statusSelect ? "Any status" : "All currencies", []);
    }
    field("Type", this.typeSelect);
    field("Category", this.categorySelect);
    field("Status", this.statusSelect);
    field("Currency", this.currencySelect);
    const dates = [
      input("flt-created-from", "Created from", "date"),
      input("flt-created-to", "Created to", "date"),
      input("flt-available-from", "Available from", "date"),
      input("flt-available-to", "Available to", "date"),
    ];
    const [payout] = input("flt-payout", "Payout");
    const [source] = input("flt-source", "Source");
    const [text] = input("flt-text", "Description contains");
    const apply = h("button", { id: "btn-bal-apply", class: "btn primary small", text: "Apply", attrs: { type: "submit" } });
    const reset = h("button", { id: "btn-bal-reset", class: "btn ghost small", text: "Clear", attrs: { type: "reset" } });
    const formMessage = h("p", { id: "bal-filters-message", class: "field-message bal-wide", attrs: { hidden: true } });
    f.appendChild(h("div", { class: "actions bal-wide" }, apply, reset));
    f.appendChild(formMessage);
    const opt = (v: string) => (v.trim() ? v.trim() : null);
    const one = (v: string) => (v ? [v] : []);
    // A message stops holding as soon as its field changes.
    for (const [i, m] of dates) i.addEventListener("input", () => setMessage(m, null));
    this.payoutInput = payout;
    f.addEventListener("submit", (ev) => {
      ev.preventDefault();
      setMessage(formMessage, null);
      // Half-typed dates say so at their field; nothing is applied until they are whole.
      let firstBad: HTMLInputElement | null = null;
      for (const [i, m] of dates) {
        const bad = i.validity.badInput || (i.value !== "" && dateToUnix(i.value, false) === null);
        setMessage(m, bad ? "Finish the date (day, month and year), or clear it." : null);
        if (bad) firstBad ??= i;
      }
      for (const [[fromI], [toI, toM]] of [[dates[0]!, dates[1]!], [dates[2]!, dates[3]!]] as const) {
        if (!toM.textContent && fromI.value && toI.value && toI.value < fromI.value) {
          setMessage(toM, "This is before the start date.");
          firstBad ??= toI;
        }
      }
      if (firstBad) {
        setMessage(formMessage, "Nothing was applied: correct the dates marked above.");
        firstBad.focus();
        return;
      }
      const [[createdFrom], [createdTo], [availFrom], [availTo]] = dates;
      this.filter = {
        types: one(this.typeSelect.value),
        reporting_categories: one(this.categorySelect.value),
        statuses: one(this.statusSelect.value),
        currencies: one(this.currencySelect.value),
        // Days are the account's, as in the table, the chart and the summary.
        created: { from: dateToUnix(createdFrom.value, false, this.timezone), to: dateToUnix(createdTo.value, true, this.timezone) },
        available_on: { from: dateToUnix(availFrom.value, false, this.timezone), to: dateToUnix(availTo.value, true, this.timezone) },
        payout: opt(payout.value),
        source: opt(source.value),
        text: opt(text.value),
      };
      void this.reload();
    });
    f.addEventListener("reset", () => {
      for (const [, m] of dates) setMessage(m, null);
      setMessage(formMessage, null);
      this.filter = emptyFilter();
      void this.reload();
    });
  }

  private payoutInput: HTMLInputElement | null = null;

  /** The table, totals and summary of one payout's transactions (from a payout's details). */
  private showPayoutInTable(payout: string): void {
    this.filterCard.reset();
    this.filter = { ...emptyFilter(), payout };
    if (this.payoutInput) this.payoutInput.value = payout;
    void this.reload();
    this.totalsCard.scrollIntoView({ block: "start" });
  }

  /** What the filters select, in words, for the cards that show it. */
  private filterWords(): string {
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

  /** Everything that depends on the filter or the sort. */
  private async reload(): Promise<void> {
    this.generation++;
    this.pages.clear();
    this.afterAt = new Map([[0, null]]);
    this.beforeAt = new Map();
    this.walking = false;
    this.scroller.scrollTop = 0;
    this.detail.hidden = true;
    if (this.exportMessage) setMessage(this.exportMessage, null);
    await Promise.all([this.loadTotals(), this.loadChart(), this.loadSummary()]);
  }

  // ---- Totals ----

  private async loadTotals(): Promise<void> {
    const card = this.totalsCard;
    const generation = this.generation;
    clear(card);
    card.append(h("h2", { class: "card-title", text: "Totals" }), h("p", { id: "bal-totals-filter", class: "help", text: this.filterWords() }));
    try {
      const totals = await this.api.totals(this.filter);
      // A later reload (other filters) owns the card now.
      if (generation !== this.generation) return;
      this.total = totals.reduce((n, t) => n + t.count, 0);
      this.count.textContent = `${this.total.toLocaleString("en-US")} transactions`;
      this.spacer.style.height = `${Math.min(this.total * ROW_HEIGHT, MAX_SCROLL_HEIGHT)}px`;
      this.draw();
      if (!totals.length) {
        card.appendChild(h("p", { class: "help", text: "Nothing in your copy matches. Sync, or change the filters." }));
        return;
      }
      const tbody = h("tbody");
      for (const t of totals) {
        tbody.appendChild(h("tr", { data: { currency: t.currency } },
          h("td", { text: t.currency.toUpperCase() }),
          h("td", { class: "num", text: t.count.toLocaleString("en-US") }),
          h("td", { class: "num", data: { total: "amount" }, text: money(t.amount, t.currency) }),
          h("td", { class: "num", data: { total: "fee" }, text: money(t.fee, t.currency) }),
          h("td", { class: "num", data: { total: "net" }, text: money(t.net, t.currency) })));
      }
      card.appendChild(h("table", { id: "bal-totals-table", class: "bal-table" },
        h("thead", {}, h("tr", {}, ...["Currency", "Transactions", "Gross", "Stripe fees", "Net"].map((x) => h("th", { text: x })))),
        tbody));
    } catch (e) {
      card.appendChild(errorLine(e));
    }
  }

  // ---- Summary by category (Stripe's balance summary report) ----

  private async loadSummary(): Promise<void> {
    const card = this.summaryCard;
    const generation = this.generation;
    clear(card);
    card.append(
      h("h2", { class: "card-title", text: "Summary by category" }),
      h("p", { id: "bal-summary-filter", class: "help", text: this.filterWords() }),
    );
    try {
      const summaries = await this.api.periodSummary(this.filter);
      if (generation !== this.generation) return;
      if (!summaries.length) {
        card.appendChild(h("p", { class: "help", text: "Nothing in your copy matches." }));
        return;
      }
      const grid = h("div", { class: "bal-summaries" });
      for (const s of summaries) {
        const cur = s.currency;
        const line = (cls: string, label: string, count: string, gross: string, fee: string, net: string, data: Record<string, string> = {}) =>
          h("tr", { class: cls, data },
            h("td", { class: "clip", text: label, attrs: { title: label } }),
            h("td", { class: "num help", text: count }),
            h("td", { class: "num", data: { sum: "gross" }, text: gross }),
            h("td", { class: "num", data: { sum: "fee" }, text: fee }),
            h("td", { class: "num", data: { sum: "net" }, text: net }));
        const rows: HTMLElement[] = [];
        if (s.starting_balance !== null) rows.push(line("is-edge", "Balance before", "", "", "", money(s.starting_balance, cur), { edge: "start" }));
        for (const a of s.activity) {
          rows.push(line("", a.label, a.sums.count.toLocaleString("en-US"), money(a.sums.gross, cur), money(a.sums.fee, cur), money(a.sums.net, cur), { category: a.category }));
        }
        rows.push(line("is-edge", "Total", s.total.count.toLocaleString("en-US"), money(s.total.gross, cur), money(s.total.fee, cur), money(s.total.net, cur), { total: "1" }));
        if (s.ending_balance !== null) rows.push(line("is-edge", "Balance after", "", "", "", money(s.ending_balance, cur), { edge: "end" }));
        grid.appendChild(h("table", { class: "bal-table bal-summary", data: { currency: cur } },
          h("caption", { text: currencyWords(cur) }),
          h("thead", {}, h("tr", {}, ...["Category", "Transactions", "Gross", "Stripe fees", "Net"].map((x) => h("th", { text: x })))),
          h("tbody", {}, ...rows)));
      }
      card.appendChild(grid);
      if (summaries.every((s) => s.starting_balance === null)) {
        card.appendChild(h("p", { class: "help", text: "The balance before and after shows when only dates and currencies are filtered." }));
      }
    } catch (e) {
      card.appendChild(errorLine(e));
    }
  }

  // ---- The table (virtual: the DOM holds only the visible rows) ----

  private drawTableShell(): void {
    const card = this.tableCard;
    card.append(h("h2", { class: "card-title", text: "Balance transactions" }), this.count, this.tableZone);
    for (const c of COLUMNS) {
      const b = h("button", { class: `bt-sort${c.money ? " num" : ""}`, text: c.label, data: { sort: c.key }, attrs: { type: "button", role: "columnheader" } });
      b.addEventListener("click", () => {
        this.sort = this.sort.column === c.key ? { column: c.key, descending: !this.sort.descending } : { column: c.key, descending: c.key === "created" };
        this.drawHead();
        void this.reload();
      });
      this.head.appendChild(b);
    }
    this.drawHead();
    this.scroller.appendChild(this.spacer);
    // The header scrolls sideways with the rows and stays on top (sticky).
    this.scroller.prepend(this.head);
    card.append(h("div", { class: "bt-table", attrs: { role: "table", "aria-label": "Balance transactions" } }, this.scroller));
    this.scroller.addEventListener("scroll", () => this.draw(), { passive: true });
    // Home and End (with or without Ctrl) jump to either end of the whole table.
    this.scroller.addEventListener("keydown", (ev) => {
      if (ev.key !== "End" && ev.key !== "Home") return;
      ev.preventDefault();
      this.scroller.scrollTop = ev.key === "End" ? this.scroller.scrollHeight : 0;
    });
  }

  private drawHead(): void {
    for (const b of Array.from(this.head.querySelectorAll<HTMLButtonElement>(".bt-sort"))) {
      const c = COLUMNS.find((x) => x.key === b.dataset.sort)!;
      const on = this.sort.column === c.key;
      b.textContent = on ? `${c.label} ${this.sort.descending ? "↓" : "↑"}` : c.label;
      b.setAttribute("aria-sort", on ? (this.sort.descending ? "descending" : "ascending") : "none");
    }
  }

  private draw(): void {
    const view = this.scroller.clientHeight || 450;
    const scrollTop = Math.max(0, this.scroller.scrollTop);
    // Where the rows would be scrolled to at full height; the rows are drawn
    // that far up from their place in the (shorter) scrolled area, so the
    // last one ends at its bottom.
    const full = this.total * ROW_HEIGHT;
    const shown = Math.min(full, MAX_SCROLL_HEIGHT);
    const ratio = full > shown ? (full + HEAD_HEIGHT - view) / (shown + HEAD_HEIGHT - view) : 1;
    const offset = scrollTop * (ratio - 1);
    const first = Math.floor(Math.max(0, scrollTop * ratio - HEAD_HEIGHT) / ROW_HEIGHT);
    const visible = Math.ceil(view / ROW_HEIGHT) + 2;
    const last = Math.min(this.total, first + visible);
    const rows: HTMLElement[] = [];
    let missing = false;
    for (let i = first; i < last; i++) {
      const row = this.pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE];
      if (!row) {
        missing = true;
        rows.push(h("div", { class: "bt-row bt-grid is-loading", attrs: { style: null } }, h("span", { text: "…" })));
      } else {
        rows.push(this.rowEl(row, i));
      }
      rows[rows.length - 1]!.style.top = `${i * ROW_HEIGHT - offset}px`;
    }
    this.spacer.replaceChildren(...rows);
    // Only the pages of the visible rows stay: scrolling a million rows keeps memory flat.
    this.want = [Math.floor(first / PAGE_SIZE), Math.floor(Math.max(first, last - 1) / PAGE_SIZE)];
    for (const p of Array.from(this.pages.keys())) if (p < this.want[0] || p > this.want[1]) this.pages.delete(p);
    if (missing) void this.walk();
  }

  private rowEl(r: BalanceRow, index: number): HTMLElement {
    const cells = [
      timeIn(r.created, this.timezone).slice(0, 16),
      this.words.type(r.type),
      r.description ?? "",
      money(r.amount, r.currency),
      money(r.fee, r.currency),
      money(r.net, r.currency),
      r.currency.toUpperCase(),
      this.words.status(r.status),
      dayIn(r.available_on, this.timezone),
    ];
    const el = h("div", { class: "bt-row bt-grid", data: { id: r.id, index: String(index) }, attrs: { role: "row", tabindex: "-1" } },
      ...cells.map((t, i) => h("span", { class: COLUMNS[i]!.money ? "num" : "", text: COLUMNS[i]!.money ? t.replace(/ [A-Z]{3}$/, "") : t, attrs: { role: "cell", title: i === 0 ? timeIn(r.created, this.timezone) : t } })));
    el.addEventListener("click", () => void this.showDetail(r));
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
    const generation = this.generation;
    try {
      for (;;) {
        const [lo, hi] = this.want;
        let target = -1;
        for (let p = lo; p <= hi && p * PAGE_SIZE < this.total; p++) if (!this.pages.has(p)) { target = p; break; }
        if (target < 0) break;
        await this.step(target, generation);
        if (generation !== this.generation) return;
        this.draw();
      }
    } catch (e) {
      if (generation === this.generation) this.count.textContent = toAppError(e).message;
    } finally {
      if (generation === this.generation) this.walking = false;
    }
  }

  /**
   * One request from the anchor nearest to page `target`: the backend walks
   * the sort key over the pages between (`skip_pages`) and sends the rows of
   * the target only, with where each page passed over ends (new anchors).
   */
  private async step(target: number, generation: number): Promise<void> {
    const end = Math.ceil(this.total / PAGE_SIZE);
    const lastSize = this.total - (end - 1) * PAGE_SIZE;
    // Pages to walk from each anchor: forward from where page b begins
    // (target - b + 1), backward from where page b - 1 ends (b - target).
    let best: { from: number; forward: boolean; cost: number } = { from: end, forward: false, cost: end - target };
    for (const b of this.afterAt.keys()) if (b <= target && target - b + 1 < best.cost) best = { from: b, forward: true, cost: target - b + 1 };
    for (const b of this.beforeAt.keys()) if (b > target && b - target < best.cost) best = { from: b, forward: false, cost: b - target };
    const fromEnd = !best.forward && best.from === end;
    // The last page is the short one: from the end, it is read alone first,
    // so every page walked over holds PAGE_SIZE rows.
    const skip = fromEnd && lastSize < PAGE_SIZE ? 0 : best.cost - 1;
    const request = {
      filter: this.filter,
      sort: this.sort,
      after: best.forward ? this.afterAt.get(best.from)! : null,
      before: best.forward || fromEnd ? null : this.beforeAt.get(best.from)!,
      from_end: fromEnd,
      limit: fromEnd && skip === 0 ? lastSize : PAGE_SIZE,
      skip_pages: skip,
    };
    const page = await this.api.page(request);
    if (generation !== this.generation) return;
    page.skipped.forEach((cursor, k) => {
      if (best.forward) this.afterAt.set(best.from + k + 1, cursor);
      else this.beforeAt.set(best.from - k - 1, cursor);
    });
    const p = best.forward ? best.from + skip : best.from - 1 - skip;
    const rows = page.rows;
    // Nothing came back (the copy changed under the table): stop rather than ask again.
    if (!rows.length) throw new Error("The table changed while it was read; apply the filters again.");
    this.afterAt.set(p + 1, rows[rows.length - 1]!.cursor);
    this.beforeAt.set(p, rows[0]!.cursor);
    if (p >= this.want[0] && p <= this.want[1]) this.pages.set(p, rows);
  }

  // ---- Details ----

  private async showDetail(r: BalanceRow): Promise<void> {
    const d = this.detail;
    clear(d);
    d.hidden = false;
    const close = h("button", { class: "btn ghost small", text: "Close", attrs: { type: "button" } });
    close.addEventListener("click", () => (d.hidden = true));
    const url = dashboardUrl(r, this.mode);
    const open = h("button", { id: "btn-bal-dashboard", class: "btn secondary small", text: "Open in the Stripe Dashboard", attrs: { type: "button" } });
    open.addEventListener("click", () => void appApi.openDashboard(url).catch(() => undefined));
    const facts: Array<[string, string]> = [
      ["ID", r.id], ["Created", this.zoned(r.created)], ["Available on", this.zoned(r.available_on)], ["Type", this.words.type(r.type)],
      ["Category", this.words.category(r.reporting_category)], ["Status", this.words.status(r.status)],
      ["Balance", this.words.balance(r.balance_type)],
      ["Gross", money(r.amount, r.currency)], ["Fee", money(r.fee, r.currency)], ["Net", money(r.net, r.currency)], ["Description", r.description ?? "—"],
      ["Source", r.source ?? "—"], ["Payout", r.payout ?? "—"],
    ];
    const isPayout = r.type === "payout" && !!r.source;
    const payoutBox = h("div", { id: "bal-payout", attrs: { "aria-live": "polite" } });
    const payoutBtn = !isPayout && r.payout ? h("button", { id: "btn-bal-payout", class: "btn secondary small", text: "The payout that paid this out", attrs: { type: "button" } }) : null;
    payoutBtn?.addEventListener("click", () => void this.showPayout(r.payout!, payoutBox));
    const json = h("pre", { id: "bal-json", class: "json", text: "Loading…" });
    d.append(
      h("h2", { class: "card-title", text: `Transaction ${r.id}` }, close),
      h("dl", { class: "bal-facts" }, ...facts.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })])),
      h("div", { class: "actions" }, open, payoutBtn),
      payoutBox,
      h("details", {}, h("summary", { text: "Everything Stripe sent" }), json),
    );
    d.scrollIntoView({ block: "nearest" });
    // A payout's own row: what it paid out, at once.
    if (isPayout) void this.showPayout(r.source!, payoutBox);
    try {
      json.textContent = JSON.stringify(await this.api.transaction(r.id), null, 2);
    } catch (e) {
      json.textContent = toAppError(e).message;
    }
  }

  /** What a payout paid out: its state in words, the count and net, the newest few, and the way to all of them. */
  private async showPayout(payout: string, box: HTMLElement): Promise<void> {
    clear(box);
    try {
      const p = await this.api.payout(payout);
      const cur = p.currency ?? p.newest[0]?.currency ?? "usd";
      const amount = p.payout_amount === null ? "not in your copy" : money(p.payout_amount, cur);
      const state = h("p", { id: "bal-payout-state", class: "field-message" });
      box.append(h("h3", { class: "section-title", text: `Payout ${payout}` }), state);
      switch (p.state) {
        case "manual":
          say(state, "hint", "Manual payout: Stripe does not list what it settled.");
          return;
        case "reconciling":
          say(state, "hint", "Stripe is still matching this payout to what it paid out; the next sync links them.");
          return;
        case "failed":
          say(state, "error", `Could not match this payout to what it paid out: ${p.message ?? ""} The next sync tries again.`);
          return;
        case "not_looked_at":
          say(state, "hint", "Not matched yet: the next sync matches this payout to what it paid out.");
          return;
        case "linked":
          break;
      }
      say(state, p.matches ? "ok" : "error", p.matches
        ? `It paid out ${p.count.toLocaleString("en-US")} transactions, whose net ${money(p.settled_net, cur)} equals the payout.`
        : `It paid out ${p.count.toLocaleString("en-US")} transactions with a net of ${money(p.settled_net, cur)}; the payout is ${amount}.`);
      if (!p.count) return;
      const list = h("table", { id: "bal-payout-rows", class: "bal-table" },
        h("thead", {}, h("tr", {}, ...["Created", "Type", "Description", "Net"].map((t) => h("th", { text: t })))),
        h("tbody", {}, ...p.newest.map((t) => h("tr", { data: { id: t.id } },
          h("td", { text: timeIn(t.created, this.timezone).slice(0, 16) }),
          h("td", { text: this.words.type(t.type) }),
          h("td", { class: "clip", text: t.description ?? "", attrs: { title: t.description ?? "" } }),
          h("td", { class: "num", text: money(t.net, t.currency) })))));
      const all = h("button", { id: "btn-bal-payout-all", class: "btn secondary small", text: `Show all ${p.count.toLocaleString("en-US")} in the table`, attrs: { type: "button" } });
      all.addEventListener("click", () => this.showPayoutInTable(payout));
      const shown = p.newest.length < p.count
        ? `The newest ${p.newest.length} of ${p.count.toLocaleString("en-US")}; the table shows them all.`
        : `All ${p.count.toLocaleString("en-US")}.`;
      box.append(list, h("p", { id: "bal-payout-limit", class: "help", text: shown }), h("div", { class: "actions" }, all));
    } catch (e) {
      box.appendChild(errorLine(e));
    }
  }

  // ---- Chart ----

  private async loadChart(): Promise<void> {
    const card = this.chartCard;
    const generation = this.generation;
    clear(card);
    const bucket = h("select", { id: "chart-bucket", class: "input small" },
      ...(["day", "week", "month"] as const).map((b) => h("option", { text: `Per ${b}`, attrs: { value: b } })));
    bucket.value = this.chartBucket;
    const currency = h("select", { id: "chart-currency", class: "input small" });
    const extra = h("input", { id: "chart-extra", attrs: { type: "checkbox" } });
    extra.checked = this.chartExtra;
    const plot = h("div", { id: "bal-chart", class: "bal-chart" });
    card.append(
      h("h2", { class: "card-title", text: "Net over time" }),
      h("p", { id: "bal-chart-zone", class: "help", text: this.zoneNote() }),
      h("div", { class: "actions" }, bucket, currency, h("label", { class: "check" }, extra, " Gross and fees too")),
      plot,
    );
    try {
      const [uplot, series] = await Promise.all([loadUPlot(), this.api.chart(this.filter, this.chartBucket)]);
      if (generation !== this.generation) return;
      if (!series.length) {
        plot.appendChild(h("p", { class: "help", text: "Nothing to chart." }));
        return;
      }
      for (const s of series) currency.appendChild(h("option", { text: s.currency.toUpperCase(), attrs: { value: s.currency } }));
      if (!series.some((s) => s.currency === this.chartCurrency)) this.chartCurrency = series[0]!.currency;
      currency.value = this.chartCurrency;
      const drawn = series.find((s) => s.currency === this.chartCurrency)!;
      drawChart(uplot, plot, drawn, this.chartExtra);
    } catch (e) {
      plot.appendChild(errorLine(e));
    }
    bucket.addEventListener("change", () => {
      this.chartBucket = bucket.value as "day" | "week" | "month";
      void this.loadChart();
    });
    currency.addEventListener("change", () => {
      this.chartCurrency = currency.value;
      void this.loadChart();
    });
    extra.addEventListener("change", () => {
      this.chartExtra = extra.checked;
      void this.loadChart();
    });
  }

  /** `2026-11-25 09:30:05 Tokyo time`: the detail view names the zone it reads in. */
  private zoned(unix: number): string {
    return `${timeIn(unix, this.timezone)} ${zoneWords(this.timezone)}`;
  }

  /** Which days the chart, the summary and the Created filter count in. */
  private zoneNote(): string {
    return this.timezone === null
      ? "Days are UTC until a sync reads the account's time zone."
      : `Days are ${zoneWords(this.timezone)}, the account's time zone (as in its Stripe Dashboard).`;
  }

  // ---- Export ----

  private drawExport(): void {
    const card = this.exportCard;
    // Where to save is picked in the system's save dialog, which the app opens (and which asks before
    // replacing a file): there is no typed path, so the page can never name a file to write.
    const go = h("button", { id: "btn-export", class: "btn primary small", text: "Export CSV…", attrs: { type: "button" } });
    const cancel = h("button", { id: "btn-export-cancel", class: "btn secondary small", text: "Cancel", attrs: { type: "button", hidden: true } });
    const bar = h("progress", { id: "export-bar", class: "bal-bar", attrs: { hidden: true } });
    const message = h("p", { id: "export-message", class: "field-message", attrs: { "aria-live": "polite" } });
    this.exportMessage = message;
    card.append(
      h("h2", { class: "card-title", text: "Export what the filters select to CSV" }),
      h("p", { id: "export-zone", class: "help", text: "Dates in the file are UTC, written like 2026-11-25T14:30:00Z whatever the account's time zone, so spreadsheets and other tools read them alike. Text that a spreadsheet would take for a formula starts with an apostrophe." }),
      h("div", { class: "actions" }, go, cancel),
      bar,
      message,
    );
    cancel.addEventListener("click", () => void this.api.cancelExport().catch(() => undefined));
    go.addEventListener("click", () => {
      go.disabled = true;
      cancel.hidden = false;
      bar.hidden = false;
      bar.value = 0;
      say(message, "hint", "Exporting…");
      const onProgress = (p: ExportProgress): void => {
        bar.max = Math.max(1, p.total);
        bar.value = p.written;
        say(message, "hint", `${p.written.toLocaleString("en-US")} of ${p.total.toLocaleString("en-US")} rows written`);
      };
      void this.api.export(this.filter, this.sort, onProgress)
        .then((saved) => saved === null ? say(message, "hint", "") : say(message, saved.rows === null ? "hint" : "ok",
          saved.rows === null ? "Export cancelled; no file was written." : `Exported ${saved.rows.toLocaleString("en-US")} rows to ${saved.path}.`))
        .catch((e: unknown) => say(message, "error", toAppError(e).message))
        .finally(() => {
          go.disabled = false;
          cancel.hidden = true;
          bar.hidden = true;
        });
    });
  }
}

/** Why a part of the balance is shown without a difference. */
function partNote(part: string): string {
  switch (part) {
    case "risk_reserved":
      return "Held in reserve by Stripe: Stripe's balance does not show its reserve apart, so this is your copy's figure alone.";
    case "connect_reserved":
      return "Held for connected accounts: no transaction of this account moves it, so this is Stripe's figure alone.";
    default:
      return "Stripe's balance and your copy have no figures to compare for this part.";
  }
}

/** What a finished sync did, in words. */
function syncedWords(o: SyncOutcome): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const plural = (x: number, one: string, many: string) => (x === 1 ? one : many);
  const words = [`Synced: ${n(o.stored)} new or changed ${plural(o.stored, "transaction", "transactions")}.`];
  if (o.payouts_linked) words.push(`${n(o.payouts_linked)} ${plural(o.payouts_linked, "payout", "payouts")} matched to what they paid out.`);
  if (o.payouts_manual) words.push(`${n(o.payouts_manual)} manual ${plural(o.payouts_manual, "payout", "payouts")}: Stripe does not list what ${plural(o.payouts_manual, "it", "they")} settled.`);
  if (o.payouts_reconciling) words.push(`${n(o.payouts_reconciling)} ${plural(o.payouts_reconciling, "payout", "payouts")} still being matched by Stripe; the next sync links ${plural(o.payouts_reconciling, "it", "them")}.`);
  if (o.payouts_failed) words.push(`${n(o.payouts_failed)} ${plural(o.payouts_failed, "payout", "payouts")} could not be matched; the next sync tries again.`);
  return words.join(" ");
}

function emptyFilter(): Filter {
  return {
    types: [], reporting_categories: [], statuses: [], currencies: [],
    created: { from: null, to: null }, available_on: { from: null, to: null },
    payout: null, source: null, text: null,
  };
}

/** The Dashboard page of the row's source object (the Dashboard has no page per balance transaction). */
function dashboardUrl(r: BalanceRow, mode: string): string {
  const base = `https://dashboard.stripe.com/${mode === "test" ? "test/" : ""}`;
  const s = r.source ?? "";
  const page = /^(ch|py)_/.test(s) ? `payments/${s}`
    : s.startsWith("po_") ? `payouts/${s}`
    : s.startsWith("re_") ? `refunds/${s}`
    : /^(dp|du)_/.test(s) ? `disputes/${s}`
    : "balance/overview";
  return base + page;
}

// ---------------------------------------------------------------------------
// uPlot, served from the app (ui/dist/vendor), loaded with this screen only
// ---------------------------------------------------------------------------

interface UPlotCtor {
  new (opts: unknown, data: unknown, target: HTMLElement): { destroy(): void };
}

let uplotP: Promise<UPlotCtor> | null = null;

function loadUPlot(): Promise<UPlotCtor> {
  if (!uplotP) {
    const css = h("link", { attrs: { rel: "stylesheet", href: "vendor/uPlot.min.css" } });
    document.head.appendChild(css);
    // uPlot builds an Intl.NumberFormat from navigator.language when it loads;
    // under LANG=C WebKit reports "C", which Intl refuses: give it a valid tag.
    try {
      Intl.NumberFormat.supportedLocalesOf([navigator.language]);
    } catch {
      Object.defineProperty(navigator, "language", { value: "en-US", configurable: true });
    }
    const url: string = "./vendor/uPlot.esm.js";
    uplotP = (import(url) as Promise<{ default: UPlotCtor }>).then((m) => m.default);
  }
  return uplotP;
}

function drawChart(UPlot: UPlotCtor, target: HTMLElement, s: ChartSeries, extra: boolean): void {
  clear(target);
  // Minor units on the y axis, labelled through money(): no float arithmetic on money.
  const xs = s.points.map((p) => p.start);
  const data: number[][] = [xs, s.points.map((p) => p.net)];
  const series: unknown[] = [{}, { label: "Net", stroke: "#635bff", width: 2, fill: "rgba(99,91,255,0.08)", value: (_u: unknown, v: number | null) => (v === null ? "—" : money(v, s.currency)) }];
  if (extra) {
    data.push(s.points.map((p) => p.gross), s.points.map((p) => p.fees));
    const fmt = (_u: unknown, v: number | null) => (v === null ? "—" : money(v, s.currency));
    series.push({ label: "Gross", stroke: "#0e7a4d", width: 1.5, value: fmt }, { label: "Fees", stroke: "#c0123c", width: 1.5, value: fmt });
  }
  const width = Math.max(400, (target.clientWidth || 900) - 8);
  new UPlot({
    width,
    height: 260,
    series,
    axes: [{}, { size: 90, values: (_u: unknown, ticks: number[]) => ticks.map((t) => money(Math.round(t), s.currency).replace(/ [A-Z]{3}$/, "")) }],
  }, data, target);
}
