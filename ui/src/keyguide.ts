// "Create a key for Stripe Desk": what the person wants to do, the
// permissions to set for it in the Stripe Dashboard (the backend derives
// them from what the app does), and a button to the Dashboard's API keys
// page. The key form asks which goals are chosen and checks a pasted key
// for them.
//
// Stripe documents no address that opens "Create restricted key" with
// these permissions filled in, so the guide lists them to set by hand.

import type { KeyGoal } from "./bindings/KeyGoal";
import type { PermissionToSet } from "./bindings/PermissionToSet";
import { clear, h, setMessage } from "./dom.js";
import * as appApi from "./api/app.js";
import * as connectionsApi from "./api/connections.js";
import { toAppError } from "./tauri.js";

const API_KEYS_TEST = "https://dashboard.stripe.com/test/apikeys";
const API_KEYS_LIVE = "https://dashboard.stripe.com/apikeys";

export interface KeyGuide {
  root: HTMLElement;
  /** The goals ticked, in the order offered. */
  goals(): KeyGoal[];
  /** Called when the ticked goals change. */
  onChange(fn: () => void): void;
}

let guide: KeyGuide | null = null;

export function keyGuide(): KeyGuide {
  if (!guide) guide = buildKeyGuide();
  return guide;
}

function buildKeyGuide(): KeyGuide {
  const boxes: Array<{ goal: KeyGoal; input: HTMLInputElement }> = [];
  const listeners: Array<() => void> = [];
  const problem = h("p", { id: "key-guide-problem", class: "field-message", attrs: { hidden: true } });

  const goalsSet = h(
    "fieldset",
    { id: "key-guide-goals", class: "guide-goals" },
    h("legend", { class: "label" }, "What do you want to do with Stripe Desk?"),
  );

  const rows = h("tbody", {});
  const table = h(
    "table",
    { id: "key-guide-permissions", class: "result-table guide-table" },
    h("caption", { class: "guide-caption" }, "Permissions to set for this key"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { attrs: { scope: "col" } }, "Resource"),
        h("th", { attrs: { scope: "col" } }, "Permission"),
        h("th", { attrs: { scope: "col" } }, "So that Stripe Desk can"),
      ),
    ),
    rows,
  );

  const openTest = h("button", { id: "btn-guide-open-test", class: "btn secondary small", text: "Open it in test mode", attrs: { type: "button" } });
  const openLive = h("button", { id: "btn-guide-open-live", class: "btn ghost small", text: "Open it in live mode", attrs: { type: "button" } });
  const openMessage = h("p", { id: "key-guide-open-message", class: "field-message", attrs: { hidden: true } });
  const open = (url: string): void => {
    setMessage(openMessage, null);
    void appApi
      .openDashboard(url)
      .then(() => setMessage(openMessage, "The API keys page is opening in your web browser.", "ok"))
      .catch((e) => setMessage(openMessage, toAppError(e).message, "error"));
  };
  openTest.addEventListener("click", () => open(API_KEYS_TEST));
  openLive.addEventListener("click", () => open(API_KEYS_LIVE));

  const plan = h(
    "div",
    { id: "key-guide-plan", class: "guide-plan", attrs: { hidden: true } },
    h(
      "ol",
      { class: "key-steps" },
      h(
        "li",
        {},
        "Open the API keys page of your Stripe Dashboard. Start in test mode: nothing real happens there. ",
        h("span", { class: "guide-buttons" }, openTest, openLive),
        openMessage,
      ),
      h("li", {}, "Click “Create restricted key” and name it Stripe Desk."),
      h("li", {}, "Set the permissions below. Leave everything else at None."),
      h("li", {}, "Click “Create key”, copy the key (Stripe shows it only once) and paste it below. Stripe Desk then checks that it can do what you chose."),
    ),
    table,
    h("p", { class: "help" }, "Stripe has no link that fills these in for you, so set them by hand."),
  );
  const empty = h("p", { id: "key-guide-empty", class: "help" }, "Choose at least one to see the permissions to set.");

  const root = h(
    "details",
    { id: "key-guide", class: "key-guide" },
    h("summary", { id: "key-guide-title", class: "guide-summary" }, "Create a key for Stripe Desk"),
    h(
      "p",
      { class: "help" },
      "Stripe recommends a restricted key for apps like this one: it may do only what you allow. Choose what you want to do, and the guide lists what to allow.",
    ),
    goalsSet,
    problem,
    empty,
    plan,
  );

  const goals = (): KeyGoal[] => boxes.filter((b) => b.input.checked).map((b) => b.goal);

  // Newest answer wins: ticking quickly must not show an older list.
  let seq = 0;
  const renderPlan = async (): Promise<void> => {
    const mine = ++seq;
    const chosen = goals();
    listeners.forEach((fn) => fn());
    if (chosen.length === 0) {
      plan.hidden = true;
      empty.hidden = false;
      return;
    }
    try {
      const list = await connectionsApi.keyPermissions(chosen);
      if (mine !== seq) return;
      fillTable(rows, list);
      setMessage(problem, null);
      empty.hidden = true;
      plan.hidden = false;
    } catch (e) {
      if (mine !== seq) return;
      setMessage(problem, toAppError(e).message, "error");
    }
  };

  void connectionsApi
    .keyGoals()
    .then((options) => {
      for (const o of options) {
        const id = `goal-${o.goal}`;
        const input = h("input", { id, attrs: { type: "checkbox", name: "key-goal", value: o.goal, "aria-describedby": `${id}-help` } });
        input.addEventListener("change", () => void renderPlan());
        boxes.push({ goal: o.goal, input });
        goalsSet.appendChild(
          h(
            "div",
            { class: "check-row" },
            input,
            h("div", {}, h("label", { attrs: { for: id } }, o.label), h("p", { id: `${id}-help`, class: "help" }, o.help)),
          ),
        );
      }
    })
    .catch((e) => setMessage(problem, toAppError(e).message, "error"));

  return { root, goals, onChange: (fn) => listeners.push(fn) };
}

function fillTable(rows: HTMLElement, list: PermissionToSet[]): void {
  clear(rows);
  for (const p of list) {
    rows.appendChild(
      h(
        "tr",
        { class: `guide-perm guide-${p.level}` },
        h("th", { attrs: { scope: "row" } }, p.resource),
        h("td", { class: "whole" }, p.levelWord),
        h("td", {}, p.uses),
      ),
    );
  }
}
