// The person's settings as the window applies them: the theme (on <html>,
// mirrored in the webview's storage so the next start paints in it at
// once) and how amounts are typed, which every form reads.

import type { AppSettings } from "./bindings/AppSettings";
import type { NumberFormat } from "./bindings/NumberFormat";

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
}

/** How the person types amounts: their choice, or as the system's language writes them. */
export function numberFormat(): NumberFormat {
  return numberChoice ?? { decimal: (1.5).toLocaleString().includes(",") ? "comma" : "point" };
}
