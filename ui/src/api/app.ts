// The app itself: what it is, the system browser, amounts as understood.

import type { NumberFormat } from "../bindings/NumberFormat";
import type { Sort } from "../bindings/Sort";
import { call } from "../tauri.js";

export const info = () => call("app_info");

/** Opens a page of the Stripe Dashboard in the system browser. */
export const openDashboard = (url: string) => call("dashboard_open", { url });

/** "12.50 EUR": the amount as the app will send it. */
export const understandAmount = (amount: string, currency: string, numberFormat: NumberFormat) =>
  call("money_understand_amount", { amount, currency, numberFormat });

/** Where the person left the app (the screen, the Balances sort). */
export const place = () => call("app_place");
/** Keeps the screen shown or the Balances sort for the next start. */
export const remember = (route: string | null, balancesSort: Sort | null) => call("app_remember", { route, balancesSort });

/** "Explore with sample data": the demo shop inside the app, instead of the person's accounts. */
export const enterSample = () => call("sample_enter");
/** "Leave the sample account": back to the person's own accounts. */
export const leaveSample = () => call("sample_leave");
