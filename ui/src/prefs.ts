// The person's settings as the window applies them: the theme (on <html>,
// mirrored in the webview's storage so the next start paints in it at
// once), how amounts are typed, which every form reads, and how dates are
// written, which every screen's dates follow; and where they
// left the app (the screen, the Balances sort), kept for the next start.

import * as appApi from "./api/app.js";
import type { AppSettings } from "./bindings/AppSettings";
import type { NumberFormat } from "./bindings/NumberFormat";
import type { Place } from "./bindings/Place";
import type { Sort } from "./bindings/Sort";
import { setDateFormat } from "./lib/time.js";

const THEME_KEY = "stripe-desk-theme";
let numberChoice: NumberFormat | null = null;

export function applySettings(s: AppSettings): void {
  const root = document.documentElement;
  if (s.theme === "system") delete root.dataset.theme;
  else root.dataset.theme = s.theme;
  try {
    localStorage.setItem(THEME_KEY, s.theme);
  } catch {
    // Storage refused: the theme still applies from the settings after start.
  }
  numberChoice = s.number_format ?? null;
  setDateFormat(s.date_format ?? null);
}

/** How the person types amounts: their choice, or as the system's language writes them. */
export function numberFormat(): NumberFormat {
  return numberChoice ?? { decimal: (1.5).toLocaleString().includes(",") ? "comma" : "point" };
}

let place: Place = { window: null, route: null, balances_sort: null };

export function setPlace(p: Place): void {
  place = p;
}

/** How the person last sorted the Balances table. */
export function balancesSort(): Sort | null {
  return place.balances_sort;
}

export function rememberSort(sort: Sort): void {
  place.balances_sort = sort;
  void appApi.remember(null, sort).catch(() => undefined);
}

/** The screens a start may open on again (not a flow half done). */
const KEPT_ROUTES = new Set(["connections", "actions", "workflows", "balances", "activity", "settings"]);

export function rememberRoute(route: string): void {
  if (!KEPT_ROUTES.has(route) || place.route === route) return;
  place.route = route;
  void appApi.remember(route, null).catch(() => undefined);
}
