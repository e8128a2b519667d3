// Settings, loaded on first visit: the theme, how amounts are typed, where
// the other settings live (Activity, run history), and help for support
// (Copy diagnostics, Open log folder). Each choice is saved at once, every
// setting together and atomically.

import * as settingsApi from "../api/settings.js";
import type { AppSettings } from "../bindings/AppSettings";
import type { DateFormat } from "../bindings/DateFormat";
import { copyText, h, setMessage } from "../dom.js";
import { applySettings } from "../prefs.js";
import { navigate } from "../state.js";
import { toAppError } from "../tauri.js";

/** Radio buttons in a named group; `change` hears the value picked. */
/** The last day of 2026 in each order a person can choose. */
const DATE_EXAMPLES: Record<DateFormat, string> = {
  day_month_year: "31/12/2026",
  month_day_year: "12/31/2026",
  year_month_day: "2026-12-31",
};

function choices(name: string, legend: string, options: Array<[string, string]>, value: string, change: (v: string) => void): HTMLElement {
  const group = h("fieldset", { class: "field settings-choice", attrs: { id: `set-${name}` } }, h("legend", { class: "label", text: legend }));
  for (const [v, words] of options) {
    const id = `set-${name}-${v}`;
    const radio = h("input", { id, attrs: { type: "radio", name: `set-${name}`, value: v, checked: v === value } });
    radio.addEventListener("change", () => change(v));
    group.appendChild(h("label", { class: "settings-option", attrs: { for: id } }, radio, ` ${words}`));
  }
  return group;
}

export function settingsScreen(): HTMLElement {
  const el = h("section", { class: "screen", attrs: { "aria-labelledby": "screen-title" } });
  el.append(h("h1", { id: "screen-title", class: "screen-title", text: "Settings", attrs: { tabindex: "-1" } }));
  const saved = h("p", { id: "settings-message", class: "field-message", attrs: { hidden: true } });
  const body = h("div", { class: "settings-cards" });
  el.append(saved, body);
  void settingsApi.get().then(
    (s) => draw(body, s, saved),
    (e: unknown) => setMessage(saved, toAppError(e).message, "error"),
  );
  return el;
}

function draw(body: HTMLElement, current: AppSettings, saved: HTMLElement): void {
  let s = current;
  const save = async (next: AppSettings, said: string): Promise<void> => {
    try {
      s = await settingsApi.save(next);
      applySettings(s);
      setMessage(saved, said, "ok");
    } catch (e) {
      setMessage(saved, `${toAppError(e).message} Nothing was changed.`, "error");
    }
  };
  const system = (1.5).toLocaleString().includes(",") ? "12,50" : "12.50";
  body.append(
    h(
      "div",
      { class: "card" },
      h("h2", { class: "card-title", text: "Appearance" }),
      choices("theme", "Theme", [["system", "As the system is set (light or dark)"], ["light", "Light"], ["dark", "Dark"]], s.theme, (v) =>
        void save({ ...s, theme: v as AppSettings["theme"] }, "Saved: the theme changes at once."),
      ),
    ),
    h(
      "div",
      { class: "card" },
      h("h2", { class: "card-title", text: "Amounts" }),
      choices(
        "number",
        "I type amounts like",
        [["system", `As my system's language writes them (${system})`], ["comma", "12,50 (comma before the cents)"], ["point", "12.50 (point before the cents)"]],
        s.number_format?.decimal ?? "system",
        (v) => void save({ ...s, number_format: v === "system" ? null : { decimal: v === "comma" ? "comma" : "point" } }, "Saved: forms read amounts this way now."),
      ),
    ),
    h(
      "div",
      { class: "card" },
      h("h2", { class: "card-title", text: "Dates" }),
      choices(
        "date",
        "Show dates like",
        [
          ["system", `As my system's language writes them (${new Date(2026, 11, 31).toLocaleDateString()})`],
          ["day_month_year", `${DATE_EXAMPLES.day_month_year} (day first)`],
          ["month_day_year", `${DATE_EXAMPLES.month_day_year} (month first)`],
          ["year_month_day", `${DATE_EXAMPLES.year_month_day} (year first)`],
        ],
        s.date_format ?? "system",
        (v) => void save({ ...s, date_format: v === "system" ? null : (v as DateFormat) }, `Saved: dates now look like ${v === "system" ? new Date(2026, 11, 31).toLocaleDateString() : DATE_EXAMPLES[v as DateFormat]}.`),
      ),
    ),
  );
  const activity = h("button", { id: "btn-settings-activity", class: "btn secondary", text: "Activity's settings", attrs: { type: "button" } });
  activity.addEventListener("click", () => navigate("activity"));
  const workflows = h("button", { id: "btn-settings-workflows", class: "btn secondary", text: "Workflows", attrs: { type: "button" } });
  workflows.addEventListener("click", () => navigate("workflows"));
  body.append(
    h(
      "div",
      { class: "card" },
      h("h2", { class: "card-title", text: "Elsewhere" }),
      h("p", { class: "card-text", text: "How often Stripe is asked for news and which notifications show are set on the Activity screen; how long runs are kept, on a workflow's run history." }),
      h("div", { class: "row" }, activity, workflows),
    ),
  );
  // Help.
  const copy = h("button", { id: "btn-copy-diagnostics", class: "btn primary", text: "Copy diagnostics", attrs: { type: "button" } });
  const folder = h("button", { id: "btn-open-logs", class: "btn secondary", text: "Open log folder", attrs: { type: "button" } });
  const shown = h("textarea", { id: "diagnostics-text", class: "input mono", attrs: { readonly: true, rows: "8", "aria-label": "What Copy diagnostics copies" } });
  const said = h("p", { id: "help-message", class: "field-message", attrs: { hidden: true } });
  // Read when the card shows, so Copy copies within the click (the clipboard wants it so).
  copy.disabled = true;
  void settingsApi.diagnostics().then(
    (text) => {
      shown.value = text;
      copy.disabled = false;
    },
    (e: unknown) => setMessage(said, toAppError(e).message, "error"),
  );
  copy.addEventListener("click", () => {
    void copyText(shown.value, shown).then((ok) =>
      setMessage(said, ok ? "Copied: versions, the system, the last errors and log lines. Keys, card numbers and email addresses are taken out." : "Select the text below and press Ctrl+C.", ok ? "ok" : "hint"),
    );
  });
  folder.addEventListener("click", () => void settingsApi.openLogFolder().catch((e: unknown) => setMessage(said, toAppError(e).message, "error")));
  body.append(
    h(
      "div",
      { class: "card" },
      h("h2", { class: "card-title", text: "Help" }),
      h("p", { class: "card-text", text: "When something goes wrong, copy the diagnostics and paste them to whoever helps you: they hold what Stripe Desk noted, with Stripe's request numbers, and never a key or an email address." }),
      h("div", { class: "row" }, copy, folder),
      said,
      shown,
    ),
  );
}
