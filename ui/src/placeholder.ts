// Screens still to come: say what they will do, and lead to Connections
// when there is nothing to work with yet.

import { h } from "./dom.js";
import { connections, navigate, type Route } from "./state.js";

const PLANNED: Record<string, { title: string; icon: string; what: string; items: string[] }> = {
  activity: {
    title: "Activity",
    icon: "◷",
    what: "Follow what happens in your Stripe account: recent events, including when a connected account disconnects Stripe Desk.",
    items: ["Recent events", "New payments and refunds", "Disconnections"],
  },
};

export function placeholderScreen(route: Route): HTMLElement {
  const p = PLANNED[route] ?? { title: route, icon: "•", what: "", items: [] };
  const noConnection = connections().length === 0;
  const go = h("button", { id: "btn-go-connections", class: "btn primary", text: "Go to Connections", attrs: { type: "button" } });
  go.addEventListener("click", () => navigate("connections"));
  return h(
    "section",
    { class: "screen", attrs: { "aria-labelledby": "screen-title" } },
    h("h1", { id: "screen-title", class: "screen-title", text: p.title, attrs: { tabindex: "-1" } }),
    h(
      "div",
      { class: "card empty-state" },
      h("div", { class: "empty-icon", text: p.icon, attrs: { "aria-hidden": "true" } }),
      h("h2", { class: "empty-title", text: "Coming soon" }),
      h("p", { class: "empty-text", text: p.what }),
      p.items.length ? h("ul", { class: "empty-list" }, ...p.items.map((i) => h("li", { text: i }))) : null,
      noConnection ? h("p", { class: "empty-cta-text", text: "Connect a Stripe account first." }) : null,
      noConnection ? go : null,
    ),
  );
}
