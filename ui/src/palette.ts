// The command palette (Ctrl+K), loaded when first asked for: "go to" any
// screen, run any action, open any workflow, by typing a few letters and
// pressing Enter. A modal dialog: focus stays inside it, and goes back to
// where it was when it closes.

import * as actionsApi from "./api/actions.js";
import * as workflowsApi from "./api/workflows.js";
import { clear, h } from "./dom.js";
import { navigate, state, type Route } from "./state.js";

interface Entry {
  words: string;
  /** What kind of entry, said after its words. */
  kind: string;
  run: () => void;
}

const SCREENS: Array<[Route, string]> = [
  ["connections", "Connections"],
  ["actions", "Actions"],
  ["workflows", "Workflows"],
  ["balances", "Balances"],
  ["activity", "Activity"],
];

async function entries(): Promise<Entry[]> {
  const out: Entry[] = SCREENS.map(([route, name], i) => ({ words: `Go to ${name}`, kind: `Ctrl+${i + 1}`, run: () => navigate(route) }));
  out.push({ words: "Run for every row of a spreadsheet", kind: "Screen", run: () => navigate("spreadsheet") });
  out.push({ words: "Settings", kind: "Screen", run: () => navigate("settings") });
  out.push({ words: "Copy diagnostics", kind: "Settings", run: () => navigate("settings") });
  // The sample account, from anywhere: in, or back out.
  const sample = state.info?.sample ?? false;
  out.push({
    words: sample ? "Leave the sample account" : "Explore with sample data",
    kind: "Sample account",
    run: () => void import("./sample.js").then((m) => (sample ? m.leaveSample() : m.exploreSample())).catch(() => navigate("connections")),
  });
  // What needs an account answers only once one is connected: the rest stays.
  const [actions, workflows] = await Promise.all([actionsApi.list().catch(() => []), workflowsApi.list().catch(() => null)]);
  for (const a of actions) {
    out.push({
      words: a.name,
      kind: "Action",
      run: () => {
        void import("./actions/screen.js").then((m) => {
          m.openAction(a.id);
          navigate("actions");
        });
      },
    });
  }
  for (const w of workflows?.workflows ?? []) {
    out.push({
      words: w.name,
      kind: "Workflow",
      run: () => {
        state.workflowOpen = w.id;
        navigate("workflows");
      },
    });
  }
  return out;
}

/** Every word typed is in the entry's words (or its kind). */
function matches(e: Entry, typed: string): boolean {
  const hay = `${e.words} ${e.kind}`.toLowerCase();
  return typed
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w)
    .every((w) => hay.includes(w));
}

export async function openPalette(): Promise<void> {
  if (document.getElementById("palette")) return;
  const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const input = h("input", {
    id: "palette-input",
    class: "input",
    attrs: { role: "combobox", "aria-expanded": "true", "aria-controls": "palette-list", "aria-autocomplete": "list", "aria-label": "Go to a screen, run an action or open a workflow", autocomplete: "off", spellcheck: "false" },
  });
  const list = h("ul", { id: "palette-list", class: "palette-list", attrs: { role: "listbox", "aria-label": "Matches" } });
  const count = h("p", { id: "palette-count", class: "help", attrs: { role: "status" } });
  const dialog = h(
    "dialog",
    { id: "palette", class: "dialog palette", attrs: { "aria-labelledby": "palette-title" } },
    h("h2", { id: "palette-title", class: "dialog-title", text: "Go to or run" }),
    input,
    count,
    list,
    h("p", { class: "help", text: "↑ ↓ to choose, Enter to go, Escape to close." }),
  );
  let all: Entry[] = [];
  let shown: Entry[] = [];
  let selected = 0;
  const paint = (): void => {
    shown = all.filter((e) => matches(e, input.value)).slice(0, 50);
    selected = Math.min(selected, Math.max(0, shown.length - 1));
    clear(list);
    shown.forEach((e, i) => {
      const li = h(
        "li",
        { id: `palette-option-${i}`, class: "palette-option", attrs: { role: "option", "aria-selected": i === selected ? "true" : "false" } },
        h("span", { class: "palette-words", text: e.words }),
        h("span", { class: "palette-kind", text: e.kind }),
      );
      li.addEventListener("click", () => choose(i));
      list.appendChild(li);
    });
    if (shown.length) input.setAttribute("aria-activedescendant", `palette-option-${selected}`);
    else input.removeAttribute("aria-activedescendant");
    count.textContent = shown.length ? `${shown.length} ${shown.length === 1 ? "match" : "matches"}` : "Nothing matches.";
    document.getElementById(`palette-option-${selected}`)?.scrollIntoView({ block: "nearest" });
  };
  const close = (): void => {
    if (dialog.open) dialog.close();
    dialog.remove();
  };
  const choose = (i: number): void => {
    const e = shown[i];
    if (!e) return;
    close();
    e.run();
  };
  input.addEventListener("input", () => {
    selected = 0;
    paint();
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (shown.length) selected = (selected + (ev.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
      paint();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      choose(selected);
    }
  });
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (previous?.isConnected && document.activeElement === document.body) previous.focus();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  input.focus();
  count.textContent = "Loading…";
  all = await entries();
  if (dialog.isConnected) paint();
}
