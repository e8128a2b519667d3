// What the feed shows: this account or all of them, a kind, days, and a
// search over names, emails and IDs. Bad dates are said at their field;
// nothing typed is lost.

import type { ActivityKind } from "../bindings/ActivityKind";
import { h, setMessage } from "../dom.js";
import { dateToUnix } from "../lib/time.js";
import { connections } from "../state.js";
import { Scope, type View } from "../view.js";
import { accountWords, KINDS, ZONE, type ActivityContext } from "./context.js";

export class FiltersCard implements View {
  readonly el = h("div", { id: "act-filters", class: "card" });
  private readonly scope = new Scope();
  private readonly scopeSelect = h("select", { id: "act-scope", class: "input" });
  private readonly kind = h("select", { id: "act-kind", class: "input" });
  private readonly from = h("input", { id: "act-from", class: "input", attrs: { type: "date" } });
  private readonly to = h("input", { id: "act-to", class: "input", attrs: { type: "date" } });
  private readonly search = h("input", { id: "act-search", class: "input", attrs: { type: "search", placeholder: "Name, email or reference", autocomplete: "off" } });
  private readonly dateMessage = h("p", { id: "act-date-message", class: "field-message", attrs: { hidden: true } });
  private typing = 0;

  constructor(
    private readonly ctx: ActivityContext,
    private readonly changed: () => void,
  ) {
    const active = connections().find((c) => c.id === ctx.activeId);
    if (active) this.scopeSelect.appendChild(h("option", { text: `This account (${accountWords(active.displayName, active.mode)})`, attrs: { value: active.id } }));
    this.scopeSelect.appendChild(h("option", { text: "All accounts", attrs: { value: "" } }));
    this.scopeSelect.value = ctx.connectionId ?? "";
    this.kind.appendChild(h("option", { text: "Everything", attrs: { value: "" } }));
    for (const k of KINDS) this.kind.appendChild(h("option", { text: k.label, attrs: { value: k.kind } }));
    const field = (id: string, label: string, input: HTMLElement) => h("div", { class: "act-field" }, h("label", { class: "label", text: label, attrs: { for: id } }), input);
    this.el.append(
      h("h2", { class: "card-title", text: "Show" }),
      // What is shown, then when and what it says: two rows that keep
      // From and To together at any width.
      h("div", { class: "act-filter-row" }, field("act-scope", "Accounts", this.scopeSelect), field("act-kind", "Kind", this.kind)),
      h("div", { class: "act-filter-row" }, field("act-from", "From", this.from), field("act-to", "To", this.to), field("act-search", "Search", this.search)),
      this.dateMessage,
      h("p", { class: "help", text: "Times are in this computer's time zone." }),
    );
    this.scope.on(this.scopeSelect, "change", () => {
      ctx.connectionId = this.scopeSelect.value || null;
      this.changed();
    });
    this.scope.on(this.kind, "change", () => {
      ctx.kinds = this.kind.value ? [this.kind.value as ActivityKind] : [];
      this.changed();
    });
    for (const input of [this.from, this.to]) this.scope.on(input, "change", () => this.readDates());
    // Typing waits for a pause; a field emptied at once (its clear button) is read at once too.
    const searched = (): void => {
      window.clearTimeout(this.typing);
      this.typing = this.scope.later(() => {
        if (ctx.search === this.search.value) return;
        ctx.search = this.search.value;
        this.changed();
      }, 250);
    };
    this.scope.on(this.search, "input", searched);
    this.scope.on(this.search, "change", searched);
  }

  /** Shows one account's lines (a notification clicked). */
  showAccount(connectionId: string, kinds: ActivityKind[]): void {
    // Another account than the one on screen: every account's feed holds it.
    const here = Array.from(this.scopeSelect.options).some((o) => o.value === connectionId);
    this.scopeSelect.value = here ? connectionId : "";
    this.ctx.connectionId = this.scopeSelect.value || null;
    this.kind.value = kinds.length === 1 && KINDS.some((k) => k.kind === kinds[0]) ? kinds[0]! : "";
    this.ctx.kinds = this.kind.value ? [this.kind.value as ActivityKind] : [];
  }

  private readDates(): void {
    const from = this.from.value ? dateToUnix(this.from.value, false, ZONE) : null;
    const to = this.to.value ? dateToUnix(this.to.value, true, ZONE) : null;
    if ((this.from.value && from === null) || (this.to.value && to === null)) {
      setMessage(this.dateMessage, "Write a date as the calendar offers it, for example 2026-03-12.");
      return;
    }
    if (from !== null && to !== null && from >= to) {
      setMessage(this.dateMessage, "The first day is after the last one: change one of them.");
      return;
    }
    setMessage(this.dateMessage, null);
    this.ctx.from = from;
    this.ctx.to = to;
    this.changed();
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
