// Stripe Desk's window: the shell (banner, navigation, header), the screens,
// and the start-up that asks the backend for what it knows.

import type { ConnectionsView } from "./bindings/ConnectionsView";
import type { NotificationTarget } from "./bindings/NotificationTarget";
import type { PollReport } from "./bindings/PollReport";
import type { TriggerRound } from "./bindings/TriggerRound";
import type { OAuthFlowState } from "./bindings/OAuthFlowState";
import { connectionsScreen, leaveSampleButton, modeBadge } from "./connections.js";
import { busy, byId, clear, h, requestIdLine } from "./dom.js";
import { keyForm } from "./keyform.js";
import { connectPanel, loadOAuthSettings, oauthSettingsScreen, onFlowState } from "./oauth.js";
import { activeConnection, connections, navigate, setActivityRound, setInfo, setTriggerRound, setUnread, setView, state, subscribe, type Route } from "./state.js";
import * as activityApi from "./api/activity.js";
import * as appApi from "./api/app.js";
import * as connectionsApi from "./api/connections.js";
import * as oauthApi from "./api/oauth.js";
import * as settingsApi from "./api/settings.js";
import { applySettings, rememberRoute, setPlace } from "./prefs.js";
import { listen, toAppError } from "./tauri.js";

// The screens, in the order index.html draws their buttons (`nav-<route>`).
const NAV: Route[] = ["connections", "actions", "workflows", "balances", "activity"];

function el<T extends HTMLElement>(id: string): T {
  const found = byId<T>(id);
  if (!found) throw new Error(`missing #${id} in index.html`);
  return found;
}

// ---------------------------------------------------------------------------
// Banner
// ---------------------------------------------------------------------------

function renderBanner(): void {
  const banner = el("banner");
  clear(banner);
  const info = state.info;
  if (!info) {
    banner.hidden = true;
    return;
  }
  if (info.sample) {
    const leave = leaveSampleButton("btn-leave-sample", "btn small banner-button", (err) => showFatal(err.message, err.request_id));
    banner.appendChild(
      h("p", { class: "banner-line banner-demo" }, "DEMO — A made-up shop on this computer: nothing here is real or reaches your Stripe account. ", leave),
    );
  } else if (info.demo) {
    banner.appendChild(
      h("p", { class: "banner-line banner-demo", text: "DEMO — local simulator with sample data, not real Stripe" }),
    );
  }
  if (info.nonDefaultBases.length > 0) {
    banner.appendChild(
      h("p", { class: "banner-line banner-warn", text: `Using a non-default Stripe address: ${info.nonDefaultBases.join(", ")}` }),
    );
  }
  banner.hidden = banner.childElementCount === 0;
  renderTriggerNotice();
  const version = byId("app-version");
  if (version) version.textContent = `Version ${info.version}`;
}

/** Events waiting for a word before a workflow runs for them: said on every screen until decided. */
function renderTriggerNotice(): void {
  const banner = el("banner");
  banner.querySelector(".banner-triggers")?.remove();
  const waiting = state.triggerRound?.waiting ?? [];
  const first = waiting[0];
  if (first) {
    const open = h("button", { id: "btn-banner-trigger", class: "btn ghost small", text: "Decide", attrs: { type: "button", "aria-label": `Decide: open “${first.workflow_name}”` } });
    open.addEventListener("click", () => {
      state.workflowOpen = first.workflow_id;
      userNavigated = true;
      if (state.route === "workflows") renderMain();
      else navigate("workflows");
    });
    const more = waiting.length > 1 ? ` (and ${waiting.length - 1} more)` : "";
    banner.appendChild(
      h("p", { class: "banner-line banner-warn banner-triggers" }, `${first.events} events in ${first.account_name} are waiting to start “${first.workflow_name}”${more}. `, open),
    );
  }
  banner.hidden = banner.childElementCount === 0;
}

function showFatal(message: string, requestId: string | null = null): void {
  const banner = el("banner");
  banner.appendChild(h("p", { class: "banner-line banner-error", attrs: { role: "alert" } }, message, requestIdLine(requestId)));
  banner.hidden = false;
}

// ---------------------------------------------------------------------------
// Header: current account, mode badge, switcher
// ---------------------------------------------------------------------------

function renderHeader(): void {
  const name = el("header-account");
  const sub = el("header-sub");
  const badgeSlot = el("mode-badge-slot");
  const switcher = el<HTMLSelectElement>("account-switcher");
  const switcherWrap = el("account-switcher-wrap");
  const active = activeConnection();
  const all = connections();

  clear(badgeSlot);
  if (state.view === null) {
    name.textContent = "Loading…";
    sub.textContent = "";
  } else if (!active) {
    name.textContent = "Not connected";
    name.classList.add("is-none");
    sub.textContent = all.length ? "Choose an account" : "";
  } else {
    name.classList.remove("is-none");
    name.textContent = active.displayName;
    sub.textContent = active.accountOverride
      ? `Working in ${active.accountOverrideName ? `${active.accountOverrideName} (${active.accountOverride})` : active.accountOverride}`
      : active.accountId;
    badgeSlot.appendChild(modeBadge(active.mode, "mode-badge"));
    if (active.revoked) {
      badgeSlot.appendChild(h("span", { class: "tag tag-danger", text: "Disconnected", attrs: { title: active.revoked } }));
    }
  }

  switcherWrap.hidden = all.length < 2;
  clear(switcher);
  if (all.length >= 2) {
    if (!active) switcher.appendChild(h("option", { text: "Choose an account…", attrs: { value: "" } }));
    for (const c of all) {
      switcher.appendChild(h("option", { text: `${c.displayName} · ${c.mode === "live" ? "LIVE" : "test"}`, attrs: { value: c.id } }));
    }
    switcher.value = active?.id ?? "";
  }
}

function wireSwitcher(): void {
  const switcher = el<HTMLSelectElement>("account-switcher");
  switcher.addEventListener("change", () => {
    const id = switcher.value;
    if (!id) return;
    void busy([switcher], async () => {
      try {
        setView(await connectionsApi.activate(id));
      } catch (e) {
        const err = toAppError(e);
        showFatal(err.message, err.request_id);
        renderHeader();
      }
    });
  });
}

// ---------------------------------------------------------------------------
// Navigation and screens
// ---------------------------------------------------------------------------

/** The navigation is drawn by index.html (so the first frame shows it);
 * this wires its buttons. */
function wireNav(): void {
  for (const route of [...NAV, "settings" as const]) {
    el(`nav-${route}`).addEventListener("click", () => {
      userNavigated = true;
      navigate(route);
    });
  }
}

/** Ctrl+1…5 go to the sidebar's screens; Ctrl+K opens the palette (loaded when first asked for). */
function wireShortcuts(): void {
  NAV.forEach((route, i) => {
    const item = el(`nav-${route}`);
    item.setAttribute("aria-keyshortcuts", `Control+${i + 1}`);
    // Named on hover too: a narrow or zoomed window shows the icons only.
    item.title = `${item.textContent?.trim() ?? route} (Ctrl+${i + 1})`;
  });
  document.addEventListener("keydown", (ev) => {
    if (!(ev.ctrlKey || ev.metaKey) || ev.altKey || ev.shiftKey) return;
    const n = Number(ev.key);
    const route = Number.isInteger(n) ? NAV[n - 1] : undefined;
    if (route && !document.querySelector("dialog[open]")) {
      ev.preventDefault();
      userNavigated = true;
      navigate(route);
    } else if (ev.key.toLowerCase() === "k") {
      ev.preventDefault();
      userNavigated = true;
      void import("./palette.js").then((m) => m.openPalette());
    }
  });
}

function renderNav(): void {
  const current = state.route === "oauth-settings" ? "connections" : state.route === "spreadsheet" ? "workflows" : state.route;
  for (const btn of Array.from(document.querySelectorAll<HTMLButtonElement>(".nav-item"))) {
    if (btn.dataset.route === current) btn.setAttribute("aria-current", "page");
    else btn.removeAttribute("aria-current");
  }
}

let userNavigated = false;

/** The screens loaded on first visit, each with what it loads itself (Balances: uPlot). */
const LAZY_SCREENS: Record<Exclude<Route, "connections" | "oauth-settings">, () => Promise<() => HTMLElement>> = {
  actions: () => import("./actions/screen.js").then((m) => m.actionsScreen),
  workflows: () => import("./workflows/screen.js").then((m) => m.workflowsScreen),
  spreadsheet: () => import("./bulk/screen.js").then((m) => m.spreadsheetScreen),
  balances: () => import("./balances/screen.js").then((m) => m.balancesScreen),
  activity: () => import("./activity/screen.js").then((m) => m.activityScreen),
  settings: () => import("./settings/screen.js").then((m) => m.settingsScreen),
};

function renderMain(): void {
  const main = el("main");
  clear(main);
  if (state.view === null) {
    main.appendChild(h("div", { class: "loading" }, h("span", { class: "spinner", attrs: { "aria-hidden": "true" } }), "Loading…"));
    return;
  }
  switch (state.route) {
    case "connections":
      main.appendChild(connectionsScreen());
      break;
    case "oauth-settings":
      main.appendChild(oauthSettingsScreen());
      break;
    default: {
      // Loaded on first visit: nothing of it runs before the first paint.
      const route = state.route;
      const loading = h("div", { class: "loading" }, h("span", { class: "spinner", attrs: { "aria-hidden": "true" } }), "Loading…");
      main.appendChild(loading);
      void LAZY_SCREENS[route]().then(
        (draw) => {
          if (state.route !== route) return;
          loading.replaceWith(draw());
          if (userNavigated) byId("screen-title")?.focus();
        },
        (e: unknown) => loading.replaceWith(h("p", { class: "field-message is-error", text: String(e) })),
      );
      break;
    }
  }
  main.scrollTop = 0;
  if (userNavigated) {
    byId("screen-title")?.focus();
  }
}

/** The unread count on the sidebar's Activity entry: in figures, and in words for a screen reader. */
function renderUnread(): void {
  const nav = el("nav-activity");
  let badge = nav.querySelector<HTMLElement>(".nav-badge");
  const n = state.unread;
  if (n === 0) {
    badge?.remove();
    return;
  }
  if (!badge) {
    badge = h("span", { class: "nav-badge" });
    nav.appendChild(badge);
  }
  clear(badge);
  badge.append(n > 999 ? "999+" : String(n), h("span", { class: "sr-only", text: ` unread ${n === 1 ? "event" : "events"}` }));
}

function onRoute(): void {
  renderNav();
  renderMain();
}

// ---------------------------------------------------------------------------
// Start-up
// ---------------------------------------------------------------------------

async function boot(): Promise<void> {
  wireNav();
  wireShortcuts();
  wireSwitcher();
  // Build these early so they follow every state change from the start.
  keyForm();
  connectPanel();

  subscribe("info", renderBanner);
  // What the other screens are drawn for: the account they work on, and which accounts exist.
  const drawnFor = (): string => JSON.stringify({ active: activeConnection(), ids: connections().map((c) => c.id) });
  let mainDrawnFor = drawnFor();
  subscribe("connections", () => {
    renderHeader();
    // The connections screen redraws itself. Others redraw only when what
    // they are drawn for changed: a broadcast that changes nothing for them
    // must not take focus, scroll or a click in progress from the person.
    const now = drawnFor();
    if (now === mainDrawnFor) return;
    mainDrawnFor = now;
    if (state.route !== "connections" && state.route !== "oauth-settings") renderMain();
  });
  subscribe("route", onRoute);
  subscribe("activity", renderUnread);
  subscribe("triggers", renderTriggerNotice);
  renderHeader();
  onRoute();

  // Listen before asking, so nothing said in between is missed; the answers
  // below cover what was said before.
  try {
    await Promise.all([
      listen<ConnectionsView>("connections-changed", (view) => {
        const first = state.view === null;
        setView(view);
        if (first) renderMain();
      }),
      listen<OAuthFlowState>("oauth-state", (flow) => {
        onFlowState(flow);
        if (flow.state === "finished") void refreshConnections();
      }),
      listen<PollReport>("activity-round", setActivityRound),
      listen<TriggerRound>("triggers-round", setTriggerRound),
      // A notification was clicked: Activity opens its event.
      listen<NotificationTarget>("activity-open", (target) => {
        state.activityOpen = target;
        userNavigated = true;
        if (state.route === "activity") renderMain();
        else navigate("activity");
      }),
    ]);
  } catch (e) {
    showFatal(`Stripe Desk could not follow changes: ${toAppError(e).message}`);
  }

  const infoP = appApi.info()
    .then(setInfo)
    .catch((e: unknown) => showFatal(`Stripe Desk could not start properly: ${toAppError(e).message}`));
  const flowP = oauthApi.state()
    .then((flow) => onFlowState(flow))
    .catch(() => undefined);
  const settingsP = loadOAuthSettings();
  const settingsP2 = settingsApi.get()
    .then(applySettings)
    .catch(() => undefined);
  const unreadP = activityApi.unread()
    .then((u) => setUnread(u.total))
    .catch(() => undefined);
  await refreshConnections();
  await Promise.all([infoP, flowP, settingsP, settingsP2, unreadP]);
  // Where the person left the app: that screen again, unless they moved on already.
  try {
    const place = await appApi.place();
    setPlace(place);
    const route = place.route as Route | null;
    if (route && !userNavigated && state.route === "connections" && connections().length > 0 && route !== "connections") navigate(route);
  } catch {
    // Nothing kept: the first screen.
  }
  subscribe("route", () => rememberRoute(state.route));

  if (state.route === "connections" && connections().length === 0) keyForm().focus();
}

async function refreshConnections(): Promise<void> {
  const first = state.view === null;
  try {
    setView(await connectionsApi.list());
  } catch (e) {
    if (first) setView({ connections: [], activeId: null });
    showFatal(`Could not read the saved connections: ${toAppError(e).message}`);
  }
  if (first) renderMain();
}

void boot();
