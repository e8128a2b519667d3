// Days and times in the account's zone, through Intl: what the Balances
// table, filters and chart notes read.
// Runs on the compiled UI (`npm run build:ui` first): node --test ui/test/

import assert from "node:assert/strict";
import { test } from "node:test";
import { clockTime, dateToUnix, dateWords, dayIn, duration, setDateFormat, timeIn, when, zoneOffset, zoneWords } from "../dist/lib/time.js";

const at = (iso) => Date.parse(iso) / 1000;

test("a day is the zone's, across daylight saving time", () => {
  // New York is at -5 until 8 March 2026 07:00 UTC, then -4.
  assert.equal(zoneOffset(at("2026-03-07T12:00:00Z"), "America/New_York"), -5 * 3600);
  assert.equal(zoneOffset(at("2026-03-09T12:00:00Z"), "America/New_York"), -4 * 3600);
  assert.equal(dayIn(at("2026-03-07T04:30:00Z"), "America/New_York"), "2026-03-06");
  assert.equal(dayIn(at("2026-03-09T04:30:00Z"), "America/New_York"), "2026-03-09");
  assert.equal(dayIn(at("2026-03-01T23:30:00Z"), "Asia/Tokyo"), "2026-03-02");
  assert.equal(dayIn(at("2026-03-01T23:30:00Z"), null), "2026-03-01");
  assert.equal(timeIn(at("2026-11-25T00:30:05Z"), "Asia/Kathmandu"), "2026-11-25 06:15:05");
});

test("a typed date is midnight in the zone; an end is the next day's midnight", () => {
  assert.equal(dateToUnix("2026-03-08", false, "America/New_York"), at("2026-03-08T05:00:00Z"));
  // The day daylight saving time starts: its end is midnight at -4.
  assert.equal(dateToUnix("2026-03-08", true, "America/New_York"), at("2026-03-09T04:00:00Z"));
  assert.equal(dateToUnix("2026-03-08", false), at("2026-03-08T00:00:00Z"));
  assert.equal(dateToUnix("2026-3-8", false), null);
});

test("zones and durations in words", () => {
  assert.equal(zoneWords("Asia/Tokyo"), "Tokyo time");
  assert.equal(zoneWords("America/Port_of_Spain"), "Port of Spain time");
  assert.equal(zoneWords("Etc/UTC"), "UTC");
  assert.equal(zoneWords(null), "UTC");
  assert.equal(duration(42), "42 s");
  assert.equal(duration(200), "3 min 20 s");
  assert.equal(duration(7260), "2 h 1 min");
});

test("dates follow the order chosen in Settings, and the system's when none is", () => {
  const moment = at("2026-12-31T09:30:05Z");
  try {
    setDateFormat("day_month_year");
    assert.equal(dateWords("2026-03-08"), "08/03/2026");
    assert.equal(timeIn(moment, null), "31/12/2026 09:30:05");
    assert.match(when(moment), /^\d\d\/\d\d\/2026, /);
    setDateFormat("month_day_year");
    assert.equal(dateWords("2026-03-08"), "03/08/2026");
    assert.equal(timeIn(moment, "Asia/Tokyo"), "12/31/2026 18:30:05");
    setDateFormat("year_month_day");
    assert.equal(dateWords("2026-03-08"), "2026-03-08");
    assert.match(clockTime(moment), /^2026-12-3[01], /);
  } finally {
    setDateFormat(null);
  }
  assert.equal(timeIn(moment, null), "2026-12-31 09:30:05");
  assert.notEqual(dateWords("2026-03-08"), "08/03/2026");
});
