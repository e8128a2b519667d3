// "Balance now": Stripe's balance per currency, part by part, against the
// copy, with every difference shown; offline, the screen says so and goes
// on from the copy.

import type { Code } from "../bindings/Code";
import { clear, h } from "../dom.js";
import { money } from "../lib/money.js";
import { when } from "../lib/time.js";
import { toAppError } from "../tauri.js";
import { Scope, type View } from "../view.js";
import type { BalancesContext } from "./context.js";
import { errorLine, partNote } from "./words.js";

/** Not reaching Stripe: the screen works from the copy. */
const OFFLINE = new Set<Code>(["network", "timeout", "stripe_unavailable"]);

export class BalanceNowCard implements View {
  readonly el = h("div", { id: "bal-now", class: "card" });
  private readonly scope = new Scope();

  constructor(
    private readonly ctx: BalancesContext,
    /** Reading the balance failed: what the copy knows may have changed too. */
    private readonly onFailed: () => void,
  ) {}

  async refresh(): Promise<void> {
    const card = this.el;
    clear(card);
    const refresh = h("button", { id: "btn-bal-refresh", class: "btn secondary small", text: "Refresh", attrs: { type: "button" } });
    refresh.addEventListener("click", () => void this.refresh());
    card.append(h("h2", { class: "card-title", text: "Balance now" }, refresh));
    const body = h("div", { class: "bal-now-body" }, h("p", { class: "help", text: "Reading the balance from Stripe…" }));
    card.appendChild(body);
    refresh.disabled = true;
    try {
      const r = await this.ctx.api.reconcile();
      if (this.scope.disposed) return;
      clear(body);
      body.appendChild(h("p", { id: "bal-read-at", class: "help", text: `Read from Stripe at ${when(r.read_at)}` }));
      const table = h("table", { id: "bal-now-table", class: "bal-table" },
        h("thead", {}, h("tr", {}, ...["Currency", "Balance", "Available", "Pending", "In your copy", "Difference"].map((t) => h("th", { text: t })))));
      const tbody = h("tbody");
      const notes = new Set<string>();
      let previous = "";
      for (const l of r.lines) {
        const amount = (v: number | null) => (v === null ? "—" : money(v, l.currency));
        let difference: HTMLElement;
        if (!r.synced) {
          difference = h("td", { class: "num help", text: "Not synced yet" });
        } else if (l.difference === null) {
          difference = h("td", { class: "num help", text: "Not compared", attrs: { title: partNote(l.part) } });
          notes.add(l.part);
        } else {
          difference = h("td", { class: `num ${l.difference === 0 ? "is-ok" : "is-diff"}`, text: money(l.difference, l.currency) });
        }
        tbody.appendChild(h("tr", { class: l.currency === previous ? "is-part" : "", data: { currency: l.currency, part: l.part } },
          h("td", { text: l.currency === previous ? "" : l.currency.toUpperCase() }),
          h("td", { class: "clip", text: l.label, attrs: { title: l.label } }),
          h("td", { class: "num", text: amount(l.available) }),
          h("td", { class: "num", text: amount(l.pending) }),
          h("td", { class: "num", text: r.synced || l.in_copy === null ? amount(l.in_copy) : "—" }),
          difference));
        previous = l.currency;
      }
      table.appendChild(tbody);
      body.appendChild(h("div", { class: "bal-table-wrap" }, table));
      for (const part of notes) body.appendChild(h("p", { class: "help", data: { note: part }, text: partNote(part) }));
      const differs = r.lines.some((l) => l.difference !== null && l.difference !== 0);
      body.appendChild(h("p", {
        id: "bal-reconcile",
        class: `field-message ${!r.synced ? "is-hint" : r.matches ? "is-ok" : "is-error"}`,
        attrs: { role: "status" },
        text: !r.synced
          ? "Not synced yet: sync to compare Stripe's balance with your copy."
          : r.matches
            ? "Stripe's balance matches your copy."
            : differs
              ? "Stripe's balance and your copy differ (see Difference). Sync to bring your copy up to date."
              : "Stripe's balance could not be compared with your copy.",
      }));
    } catch (e) {
      if (this.scope.disposed) return;
      clear(body);
      const err = toAppError(e);
      if (OFFLINE.has(err.code)) {
        const line = h("p", { id: "bal-offline", class: "field-message is-error", attrs: { role: "status" }, text: `Offline: ${err.message} The screen works from your copy.` });
        body.appendChild(line);
        void this.ctx.api
          .status()
          .then((s) => line.append(` Last synced ${when(s.last_synced_at)}.`))
          .catch(() => undefined);
      } else {
        body.appendChild(errorLine(e));
      }
      this.onFailed();
    } finally {
      refresh.disabled = false;
    }
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
