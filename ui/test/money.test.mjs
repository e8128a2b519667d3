// Amounts as the Balances screen shows them, from integer minor units and
// the currency table generated from desk_core::money.
// Runs on the compiled UI (`npm run build:ui` first): node --test ui/test/

import assert from "node:assert/strict";
import { test } from "node:test";
import { displayExponent, money, wireExponent } from "../dist/lib/money.js";

test("each currency shows its own decimal places, never through a float", () => {
  assert.equal(money(123456, "usd"), "1,234.56 USD");
  assert.equal(money(-5, "eur"), "-0.05 EUR");
  assert.equal(money(1234567, "kwd"), "1,234.567 KWD");
  assert.equal(money(500, "JPY"), "500 JPY");
  assert.equal(money(0, "gbp"), "0.00 GBP");
  // The largest amount a JSON number carries exactly: every digit stays.
  assert.equal(money(Number.MAX_SAFE_INTEGER, "usd"), "90,071,992,547,409.91 USD");
});

test("ISK and UGX are shown whole but carried with two decimals, which are kept when not zero", () => {
  assert.equal(displayExponent("isk"), 0);
  assert.equal(wireExponent("isk"), 2);
  assert.equal(wireExponent("ugx"), 2);
  assert.equal(money(12300, "isk"), "123 ISK");
  assert.equal(money(12345, "isk"), "123.45 ISK");
  assert.equal(displayExponent("usd"), 2);
  assert.equal(wireExponent("bhd"), 3);
});
