// The Balances screen's words: Stripe's codes as the backend names them
// (`balances_filter_choices`), currencies, what a sync did, and the small
// helpers every card uses to say things.

import type { BalanceRow } from "../bindings/BalanceRow";
import type { Choice } from "../bindings/Choice";
import type { Filter } from "../bindings/Filter";
import type { FilterChoices } from "../bindings/FilterChoices";
import type { SyncOutcome } from "../bindings/SyncOutcome";
import { h, setMessage } from "../dom.js";
import { toAppError } from "../tauri.js";

/** Words for Stripe's codes, from the backend; a code it has no word for yet reads as its words. */
export class Words {
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

let currencyNames: Intl.DisplayNames | null | undefined;

/** `EUR (Euro)`, or `EUR` where the system has no name for it. */
export function currencyWords(code: string): string {
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

/** A drop-down of `choices` after an "all" option; keeps what was picked when the choices change. */
export function fillSelect(select: HTMLSelectElement, all: string, choices: Choice[]): void {
  const picked = select.value;
  select.replaceChildren(h("option", { text: all, attrs: { value: "" } }), ...choices.map((c) => h("option", { text: c.label, attrs: { value: c.value, title: c.label } })));
  select.value = choices.some((c) => c.value === picked) ? picked : "";
}

export function say(el: HTMLElement, kind: "error" | "hint" | "ok", text: string): void {
  setMessage(el, text, kind);
}

export function errorLine(e: unknown): HTMLElement {
  return h("p", { class: "field-message is-error", text: toAppError(e).message, attrs: { role: "alert" } });
}

/** Why a part of the balance is shown without a difference. */
export function partNote(part: string): string {
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
export function syncedWords(o: SyncOutcome): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const plural = (x: number, one: string, many: string) => (x === 1 ? one : many);
  const words = [`Synced: ${n(o.stored)} new or changed ${plural(o.stored, "transaction", "transactions")}.`];
  if (o.payouts_linked) words.push(`${n(o.payouts_linked)} ${plural(o.payouts_linked, "payout", "payouts")} matched to what they paid out.`);
  if (o.payouts_manual) words.push(`${n(o.payouts_manual)} manual ${plural(o.payouts_manual, "payout", "payouts")}: Stripe does not list what ${plural(o.payouts_manual, "it", "they")} settled.`);
  if (o.payouts_reconciling) words.push(`${n(o.payouts_reconciling)} ${plural(o.payouts_reconciling, "payout", "payouts")} still being matched by Stripe; the next sync links ${plural(o.payouts_reconciling, "it", "them")}.`);
  if (o.payouts_failed) words.push(`${n(o.payouts_failed)} ${plural(o.payouts_failed, "payout", "payouts")} could not be matched; the next sync tries again.`);
  return words.join(" ");
}

export function emptyFilter(): Filter {
  return {
    types: [], reporting_categories: [], statuses: [], currencies: [],
    created: { from: null, to: null }, available_on: { from: null, to: null },
    payout: null, source: null, text: null,
  };
}

/** The Dashboard page of the row's source object (the Dashboard has no page per balance transaction). */
export function dashboardUrl(r: BalanceRow, mode: string): string {
  const base = `https://dashboard.stripe.com/${mode === "test" ? "test/" : ""}`;
  const s = r.source ?? "";
  const page = /^(ch|py)_/.test(s) ? `payments/${s}`
    : s.startsWith("po_") ? `payouts/${s}`
    : s.startsWith("re_") ? `refunds/${s}`
    : /^(dp|du)_/.test(s) ? `disputes/${s}`
    : "balance/overview";
  return base + page;
}
