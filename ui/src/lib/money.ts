// Money as the screen shows it: integer minor units become text from the
// integer's digits, never through a float. The currencies' decimal places
// come from desk_core::money (bindings/Currencies.ts, generated).

import { UNCOMMON_EXPONENTS } from "../bindings/Currencies.js";

/** Decimal places the currency shows to people. */
export function displayExponent(currency: string): number {
  return UNCOMMON_EXPONENTS[currency.toLowerCase()]?.[0] ?? 2;
}

/** Decimal places Stripe's integer amount carries (ISK and UGX: two, shown as none). */
export function wireExponent(currency: string): number {
  return UNCOMMON_EXPONENTS[currency.toLowerCase()]?.[1] ?? 2;
}

/** `-1,234.567 KWD` from `-1234567` minor units. */
export function money(minor: number, currency: string): string {
  const wire = wireExponent(currency);
  const shown = displayExponent(currency);
  const negative = BigInt(minor) < 0n;
  const digits = (negative ? -BigInt(minor) : BigInt(minor)).toString();
  const padded = digits.padStart(wire + 1, "0");
  const whole = padded.slice(0, padded.length - wire);
  let frac = padded.slice(padded.length - wire);
  // Wire decimals beyond the shown ones are dropped only when they are zero: never hide money.
  if (frac.length > shown && /^0*$/.test(frac.slice(shown))) frac = frac.slice(0, shown);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${frac ? "." + frac : ""} ${currency.toUpperCase()}`;
}
