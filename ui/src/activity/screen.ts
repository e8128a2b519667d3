// The Activity screen, loaded on first visit (dynamic import from main.ts):
// what happened in the account on screen or in all of them, newest first,
// each event a sentence; what stops an account from being followed, in
// plain words; one event's details; and how Activity checks and notifies.
// New lines arrive with each round of the poller (`activity-round`).

import * as activityApi from "../api/activity.js";
import type { AccountNotice } from "../bindings/AccountNotice";
import type { FeedLine } from "../bindings/FeedLine";
import { busy, clear, h, setMessage } from "../dom.js";
import { activeConnection, connections, navigate, setUnread, state, subscribe } from "../state.js";
import { toAppError } from "../tauri.js";
import { Scope, type View } from "../view.js";
import { accountWords, ActivityContext } from "./context.js";
import { EventCard } from "./detail.js";
import { FiltersCard } from "./filters.js";
import { FeedList } from "./list.js";
import { SettingsCard } from "./settings.js";

/** The screen survives redraws of the main area, while the account on screen stays the same. */
let current: { activeId: string | null; screen: ActivityScreen } | null = null;

export function activityScreen(): HTMLElement {
  const activeId = activeConnection()?.id ?? null;
  if (current && current.activeId === activeId && current.screen.el.isConnected === false && connections().length > 0) {
    current.screen.shown();
    return current.screen.el;
  }
  current?.screen.dispose();
  current = null;
  if (connections().length === 0) {
    const root = h("section", { class: "screen", attrs: { "aria-labelledby": "screen-title" } }, title());
    const go = h("button", { id: "btn-go-connections", class: "btn primary", text: "Go to Connections", attrs: { type: "button" } });
    go.addEventListener("click", () => navigate("connections"));
    root.appendChild(
      h("div", { class: "card empty-state" }, h("p", { class: "empty-text", text: "Connect a Stripe account first: Activity then shows what happens in it, as it happens." }), go),
    );
    return root;
  }
  const screen = new ActivityScreen(new ActivityContext(activeId));
  current = { activeId, screen };
  return screen.el;
}

function title(): HTMLElement {
  return h("h1", { id: "screen-title", class: "screen-title", text: "Activity", attrs: { tabindex: "-1" } });
}

class ActivityScreen implements View {
  readonly el = h("section", { id: "activity-screen", class: "screen screen-wide", attrs: { "aria-labelledby": "screen-title" } }, title());
  private readonly scope = new Scope();
  private readonly notices = h("div", { id: "act-notices", attrs: { "aria-live": "polite" } });
  private readonly filters: FiltersCard;
  private readonly list: FeedList;
  private readonly detail: EventCard;
  private readonly settings: SettingsCard;
  /** An event to open once its line is read (a notification clicked). */
  private opening: string | null = null;

  constructor(private readonly ctx: ActivityContext) {
    this.filters = this.scope.own(new FiltersCard(ctx, () => void this.reload(true)));
    this.list = this.scope.own(new FeedList(ctx, (line) => this.open(line)));
    this.detail = this.scope.own(new EventCard(() => this.list.select(null)));
    this.settings = this.scope.own(new SettingsCard());
    this.el.append(this.notices, this.filters.el, this.list.el, this.detail.el, this.settings.el);
    // Each round of the poller: new lines in, the notices again.
    let seen = state.activityRound;
    this.scope.defer(
      subscribe("activity", () => {
        const round = state.activityRound;
        if (round === seen || !round) return;
        seen = round;
        const news = round.accounts.reduce((n, a) => n + a.new_events, 0);
        const problems = round.accounts.some((a) => a.problem !== null);
        if (news > 0 || problems) void this.reload(false);
      }),
    );
    void this.settings.load();
    this.shown();
  }

  /** The screen is on view again (or for the first time). */
  shown(): void {
    const target = state.activityOpen;
    state.activityOpen = null;
    if (target) {
      // One event: its account's feed, and the event opened. A group ("12
      // payments succeeded"): its account's feed of that kind.
      this.filters.showAccount(target.connection_id, target.event_id ? [] : target.kinds);
      this.opening = target.event_id;
    }
    void this.reload(true);
  }

  private open(line: FeedLine): void {
    this.list.select(line.event_id);
    this.detail.show(line);
  }

  /** Everything that depends on the filters; `toTop` after a change of them. */
  private async reload(toTop: boolean): Promise<void> {
    if (this.scope.disposed) return;
    const generation = ++this.ctx.generation;
    this.list.reset(toTop);
    try {
      const [total, first] = await Promise.all([activityApi.count(this.ctx.query()), activityApi.feed(this.ctx.query({ limit: 100 }))]);
      if (generation !== this.ctx.generation || this.scope.disposed) return;
      this.drawNotices(first.notices);
      this.list.setTotal(total);
      if (this.opening) {
        const line = first.lines.find((l) => l.event_id === this.opening);
        this.opening = null;
        if (line) this.open(line);
      }
      // What is on screen is read: the sidebar's count goes.
      if (state.route === "activity") setUnread((await activityApi.markRead(null)).total);
    } catch (e) {
      if (generation === this.ctx.generation) this.list.count.textContent = toAppError(e).message;
    }
  }

  private drawNotices(notices: AccountNotice[]): void {
    clear(this.notices);
    for (const n of notices) {
      const message = h("p", { class: "field-message", attrs: { hidden: true } });
      const buttons: HTMLElement[] = [];
      if (n.problem === "gap") {
        const b = h("button", { class: "btn secondary small", text: "Dismiss", attrs: { type: "button", "data-dismiss": n.connection_id } });
        b.addEventListener("click", () =>
          void busy([b], async () => {
            try {
              await activityApi.dismissGap(n.connection_id);
              await this.reload(false);
            } catch (e) {
              setMessage(message, toAppError(e).message);
            }
          }),
        );
        buttons.push(b);
      }
      if (n.problem === "needs_permission") {
        const b = h("button", { class: "btn secondary small", text: "Try again", attrs: { type: "button" } });
        b.addEventListener("click", () =>
          void busy([b], async () => {
            try {
              await activityApi.retry(n.connection_id);
              setMessage(message, "Stripe Desk asks again now.", "ok");
            } catch (e) {
              setMessage(message, toAppError(e).message);
            }
          }),
        );
        buttons.push(b);
      }
      const tone = n.problem === "gap" || n.problem === "unreachable" ? "notice-warn" : "notice-danger";
      this.notices.appendChild(
        h(
          "div",
          { class: `card act-notice ${tone}`, data: { problem: n.problem, connection: n.connection_id }, attrs: { role: n.problem === "disconnected" ? "alert" : "status" } },
          h("p", {}, h("strong", { text: `${accountWords(n.account_name, n.mode)}: ` }), n.message),
          buttons.length ? h("div", { class: "actions" }, ...buttons) : null,
          message,
        ),
      );
    }
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
