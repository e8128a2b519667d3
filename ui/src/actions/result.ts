// An action's result: headline, notes, request ID, summary rows, a list's
// page as a table with IDs one click away, paging, Dashboard link, JSON.

import * as appApi from "../api/app.js";
import type { ActionResult } from "../bindings/ActionResult";
import type { SummaryRow } from "../bindings/SummaryRow";
import { clear, h, requestIdLine } from "../dom.js";
import { when } from "../lib/time.js";
import type { Values } from "./context.js";

/** A form's result in `box`, with Previous and Next on a list's page; `page` sends the form for another. */
export function renderResult(box: HTMLElement, r: ActionResult, paged: boolean, page: (values: Values) => void): void {
  clear(box);
  const paging: HTMLElement[] = [];
  if (paged && r.firstId && r.items.length) {
    const prev = h("button", { class: "btn secondary", text: "Previous", attrs: { type: "button" } });
    prev.addEventListener("click", () => page({ ending_before: r.firstId ?? "" }));
    paging.push(prev);
  }
  if (r.hasMore && (r.nextPage || r.lastId)) {
    const next = h("button", { class: "btn secondary", text: "Next", attrs: { type: "button" } });
    next.addEventListener("click", () => page(r.nextPage ? { page: r.nextPage } : { starting_after: r.lastId ?? "" }));
    paging.push(next);
  }
  const card = resultCard(r, paging);
  box.appendChild(card);
  card.scrollIntoView({ block: "start" });
}

/** An action's result as this screen shows it (headline, note, request ID, summary rows, a list as a table,
 * prices, Dashboard link, JSON); also a done workflow step's. `paging`: this screen's Previous and Next. */
export function resultCard(r: ActionResult, paging: HTMLElement[] = []): HTMLElement {
  const card = h("div", { class: "card action-result-card" }, h("h3", { class: "card-title", text: r.headline }));
  if (r.note) card.appendChild(h("p", { class: "note warn result-note", text: r.note, attrs: { role: "status" } }));
  const requestId = requestIdLine(r.requestId);
  if (r.actionId === "any_endpoint" && r.status !== null) {
    card.appendChild(h("p", { class: "result-status" }, h("span", { class: "http-status", text: `HTTP ${r.status}` }), requestId));
  } else if (requestId) card.appendChild(requestId);
  const advanced = r.actionId === "any_endpoint";
  if (r.rows.length) card.appendChild(summary(r.rows, advanced));
  if (r.items.length) {
    // Each row's own ID, from Stripe's answer (a workflow step's result keeps it elsewhere).
    const data = (r.json as { data?: Array<{ id?: unknown }> } | null)?.data ?? [];
    const ids = r.items.map((_, i) => (typeof data[i]?.id === "string" ? (data[i]?.id as string) : null));
    card.appendChild(table(r.items, ids));
  }
  const nav = h("div", { class: "actions" });
  if (r.items.length) {
    // A page of a list: how many are shown, never a total Stripe did not give.
    nav.appendChild(h("span", { class: "showing", text: `Showing ${r.items.length}` }));
  }
  nav.append(...paging);
  if (r.related.length) {
    card.appendChild(h("h4", { text: "Prices" }));
    r.related.forEach((item) => card.appendChild(summary(item, false)));
  }
  if (r.relatedError) card.appendChild(h("p", { class: "field-message is-error", text: r.relatedError }));
  if (r.dashboardUrl) {
    const url = r.dashboardUrl;
    const open = h("button", { class: "btn secondary", text: "Open in the Stripe Dashboard", attrs: { type: "button" } });
    open.addEventListener("click", () => void appApi.openDashboard(url).catch(() => undefined));
    nav.appendChild(open);
  }
  card.appendChild(nav);
  // The request to any endpoint is for people who want the JSON: open it.
  const json = h(
    "details",
    { class: "json", attrs: { open: advanced } },
    h("summary", { text: "Show what Stripe sent" }),
    h("pre", { text: JSON.stringify(r.json, null, 2) }),
  );
  card.appendChild(json);
  return card;
}

function shownValue(row: SummaryRow): string {
  return row.timestamp !== null ? when(row.timestamp) : row.value;
}

/** An ID one click away: "ID" opens to show it, with Copy. */
function idBehind(id: string, of: string): HTMLElement {
  const copy = h("button", { class: "btn ghost small", text: "Copy", attrs: { type: "button", "aria-label": `Copy the ID of ${of}` } });
  copy.addEventListener("click", () => void navigator.clipboard.writeText(id).catch(() => undefined));
  return h("details", { class: "id-behind" }, h("summary", { text: "ID", attrs: { title: `Show the ID of ${of}` } }), h("code", { text: id }), copy);
}

function summary(rows: SummaryRow[], showIds: boolean): HTMLElement {
  const dl = h("dl", { class: "summary" });
  for (const row of rows) {
    const value = shownValue(row);
    const dd = h("dd", {});
    if (row.link) {
      // A page for the customer: copy it into an email, or open it.
      // A name starts with the words on the button (what voice control hears).
      const page = row.label.toLowerCase();
      const copy = h("button", { class: "btn secondary small", text: "Copy link", attrs: { type: "button", "aria-label": `Copy link to the ${page}` } });
      copy.addEventListener("click", () => {
        void navigator.clipboard.writeText(row.value).then(
          () => {
            copy.textContent = "Copied";
            copy.setAttribute("aria-label", `Copied the link to the ${page}`);
          },
          () => undefined,
        );
      });
      const open = h("button", { class: "btn secondary small", text: "Open", attrs: { type: "button", "aria-label": `Open the ${page}` } });
      open.addEventListener("click", () => void appApi.openDashboard(row.value).catch(() => undefined));
      dd.append(h("input", { class: "input link-value", attrs: { readonly: true, value: row.value, "aria-label": row.label } }), copy, open);
    } else if (row.copy && !showIds) {
      dd.appendChild(idBehind(row.value, row.label));
    } else {
      dd.appendChild(h("span", { class: "value", text: value, attrs: { title: value } }));
      if (row.copy) {
        const copy = h("button", { class: "btn ghost small", text: "Copy", attrs: { type: "button", "aria-label": `Copy ${row.label}` } });
        copy.addEventListener("click", () => void navigator.clipboard.writeText(row.value).catch(() => undefined));
        dd.appendChild(copy);
      }
      if (row.id) dd.appendChild(idBehind(row.id, value));
    }
    dl.appendChild(h("dt", { text: row.label }));
    dl.appendChild(dd);
  }
  return dl;
}

/** A list's page as a table: one column per label, names and amounts in the
 * cells, each row's ID one click away. */
function table(items: SummaryRow[][], ids: Array<string | null>): HTMLElement {
  const labels: string[] = [];
  for (const item of items) for (const row of item) if (!row.copy && !labels.includes(row.label)) labels.push(row.label);
  const withIds = ids.some((id) => id !== null);
  const head = h("tr", {}, ...labels.map((l) => h("th", { text: l, attrs: { scope: "col" } })), withIds ? h("th", { text: "ID", attrs: { scope: "col" } }) : null);
  const body = h("tbody", {});
  items.forEach((item, i) => {
    const tr = h("tr", {});
    for (const label of labels) {
      const row = item.find((r) => r.label === label);
      const value = row ? shownValue(row) : "";
      const whole = ["Status", "Price", "Amount", "Fee", "Net"].includes(label);
      tr.appendChild(h("td", { text: value, class: whole ? "whole" : undefined, attrs: { title: value } }));
    }
    const first = item.find((r) => !r.copy);
    const id = ids[i] ?? null;
    if (withIds) tr.appendChild(h("td", { class: "id-cell" }, id ? idBehind(id, first ? shownValue(first) : "this") : null));
    body.appendChild(tr);
  });
  return h("div", { class: "result-table-wrap" }, h("table", { class: "result-table" }, h("thead", {}, head), body));
}
