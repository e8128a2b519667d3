// Times and days in a time zone, as the Balances screen shows them: the
// account's zone (UTC until a sync has read it), through Intl, which knows
// every zone's daylight saving time. Dates are written as the person chose
// in Settings (31/12/2026, 12/31/2026 or 2026-12-31), or as their system's
// language writes them.

import type { DateFormat } from "../bindings/DateFormat";

let dateChoice: DateFormat | null = null;

/** The person's choice in Settings; null: as the system writes dates. */
export function setDateFormat(format: DateFormat | null): void {
  dateChoice = format;
}

/** A day in the person's chosen order; null when they left it to the system. */
function chosenDate(y: number, m: number, d: number): string | null {
  const mm = String(m).padStart(2, "0");
  const dd = String(d).padStart(2, "0");
  switch (dateChoice) {
    case "day_month_year":
      return `${dd}/${mm}/${y}`;
    case "month_day_year":
      return `${mm}/${dd}/${y}`;
    case "year_month_day":
      return `${y}-${mm}-${dd}`;
    default:
      return null;
  }
}

/** One formatter per zone: building one costs more than formatting a table's worth of rows. */
const zoneClocks = new Map<string, Intl.DateTimeFormat>();

/** Seconds east of UTC in `zone` at `unix` (what the clock there reads, less the instant). */
export function zoneOffset(unix: number, zone: string): number {
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

function utcDay(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(0, 10);
}

/** The `YYYY-MM-DD` that `unix` falls on in `zone` (UTC when null). */
export function dayIn(unix: number, zone: string | null): string {
  return utcDay(zone === null ? unix : unix + zoneOffset(unix, zone));
}

/** `2026-11-25 09:30:05`, what a clock in `zone` (UTC when null) reads at
 * `unix`; the date in the person's chosen order if they chose one. */
export function timeIn(unix: number, zone: string | null): string {
  const local = zone === null ? unix : unix + zoneOffset(unix, zone);
  const iso = new Date(local * 1000).toISOString();
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return `${chosenDate(y!, m!, d!) ?? iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/**
 * A date input's `YYYY-MM-DD` as unix seconds at 00:00 that day in `zone`
 * (UTC when null); `end` gives the next day's (ranges are `[from, to)`).
 */
export function dateToUnix(value: string, end: boolean, zone: string | null = null): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const midnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (end ? 1 : 0)) / 1000;
  if (zone === null) return midnight;
  // The offset at that midnight, asked twice: the first guess may sit across a DST change.
  const first = midnight - zoneOffset(midnight, zone);
  return midnight - zoneOffset(first, zone);
}

/** `Asia/Tokyo` -> "Tokyo time"; UTC by any name -> "UTC". */
export function zoneWords(zone: string | null): string {
  if (zone === null || /^(Etc\/)?(UTC|UCT|GMT|Zulu|Universal|Greenwich)(\+0|-0|0)?$/.test(zone)) return "UTC";
  const city = zone.split("/").pop()!.replace(/_/g, " ");
  return `${city} time`;
}

/** "3 min 20 s": how long something has left. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** When the app itself read or synced: on the user's own clock, as the Actions screen shows times. */
export function when(unix: number | null): string {
  if (unix === null) return "never";
  const at = new Date(unix * 1000);
  const date = chosenDate(at.getFullYear(), at.getMonth() + 1, at.getDate());
  return date ? `${date}, ${at.toLocaleTimeString()}` : at.toLocaleString();
}

const clockFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const shortTime = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

/** "4 Dec 2026, 22:31": a moment on the person's own clock, to the minute. */
export function clockTime(unix: number): string {
  const at = new Date(unix * 1000);
  const date = chosenDate(at.getFullYear(), at.getMonth() + 1, at.getDate());
  return date ? `${date}, ${shortTime.format(at)}` : clockFormat.format(at);
}

/** `2026-11-25` as the person reads dates ("Nov 25, 2026", or their chosen order). */
export function dateWords(isoDay: string): string {
  const [y, m, d] = isoDay.split("-").map(Number);
  const chosen = chosenDate(y!, m!, d!);
  if (chosen) return chosen;
  try {
    return new Date(Date.UTC(y!, m! - 1, d!)).toLocaleDateString(undefined, { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" });
  } catch {
    return isoDay;
  }
}
