// What the window knows, in one place; views subscribe and redraw their part.

import type { AppInfo } from "./bindings/AppInfo";
import type { BulkTarget } from "./bindings/BulkTarget";
import type { ConnectionSummary } from "./bindings/ConnectionSummary";
import type { ConnectionsView } from "./bindings/ConnectionsView";
import type { OAuthFlowState } from "./bindings/OAuthFlowState";
import type { NotificationTarget } from "./bindings/NotificationTarget";
import type { OAuthSettingsView } from "./bindings/OAuthSettingsView";
import type { PollReport } from "./bindings/PollReport";
import type { TriggerRound } from "./bindings/TriggerRound";

export type Route = "connections" | "oauth-settings" | "actions" | "workflows" | "spreadsheet" | "balances" | "activity" | "settings";

export interface State {
  info: AppInfo | null;
  /** null until the first `list_connections` answer arrives. */
  view: ConnectionsView | null;
  oauthFlow: OAuthFlowState;
  /** undefined: not loaded yet; null: not set up. */
  oauthSettings: OAuthSettingsView | null | undefined;
  route: Route;
  /** Activity: unread events in every account (the sidebar's count). */
  unread: number;
  /** Activity's last round, for a screen showing the feed. */
  activityRound: PollReport | null;
  /** A notification clicked: the Activity screen opens it. */
  activityOpen: NotificationTarget | null;
  /** What Balances shows when next drawn (a link from Activity): one payout's transactions, or one charge's or refund's. */
  balancesOpen: { payout: string } | { source: string } | null;
  /** What the spreadsheet screen runs for every row when next drawn (a workflow's or an action's button). */
  bulkTarget: BulkTarget | null;
  /** The workflow the Workflows screen opens when next drawn (a notice's button). */
  workflowOpen: string | null;
  /** What the last round of workflow triggers ran, and what waits for a word. */
  triggerRound: TriggerRound | null;
}

export const state: State = {
  info: null,
  view: null,
  oauthFlow: { state: "idle", message: null, seq: 0 },
  oauthSettings: undefined,
  route: "connections",
  unread: 0,
  activityRound: null,
  activityOpen: null,
  balancesOpen: null,
  bulkTarget: null,
  triggerRound: null,
  workflowOpen: null,
};

type Topic = "info" | "connections" | "oauth" | "route" | "activity" | "triggers";
const listeners = new Map<Topic, Set<() => void>>();

export function subscribe(topic: Topic, fn: () => void): () => void {
  let set = listeners.get(topic);
  if (!set) {
    set = new Set();
    listeners.set(topic, set);
  }
  set.add(fn);
  return () => set?.delete(fn);
}

export function emit(topic: Topic): void {
  for (const fn of Array.from(listeners.get(topic) ?? [])) {
    try {
      fn();
    } catch (e) {
      console.error(e);
    }
  }
}

export function setInfo(info: AppInfo): void {
  state.info = info;
  emit("info");
}

export function setView(view: ConnectionsView): void {
  state.view = view;
  emit("connections");
}

/** Returns false (and changes nothing) for a state older than the one shown. */
export function setOAuthFlow(flow: OAuthFlowState): boolean {
  // An event can overtake the reply to the call that caused it: keep the newest.
  if (flow.seq < state.oauthFlow.seq) return false;
  state.oauthFlow = flow;
  emit("oauth");
  return true;
}

export function setOAuthSettings(settings: OAuthSettingsView | null): void {
  state.oauthSettings = settings;
  emit("oauth");
}

export function navigate(route: Route): void {
  state.route = route;
  emit("route");
}

export function connections(): ConnectionSummary[] {
  return state.view?.connections ?? [];
}

export function activeConnection(): ConnectionSummary | null {
  const v = state.view;
  if (!v || !v.activeId) return null;
  return v.connections.find((c) => c.id === v.activeId) ?? null;
}

export function keyringAvailable(): boolean {
  return state.info?.keyring.available ?? true;
}

export function setUnread(total: number): void {
  state.unread = total;
  emit("activity");
}

export function setActivityRound(report: PollReport): void {
  state.activityRound = report;
  state.unread = report.unread.total;
  emit("activity");
}

export function setTriggerRound(round: TriggerRound): void {
  state.triggerRound = round;
  emit("triggers");
}
