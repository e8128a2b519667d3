// Filters: type, category, status, currency (choices from the copy, in
// words), dates in the account's days, payout, source and words in the
// description. Apply sets what every other card shows.

import { h, setMessage } from "../dom.js";
import { dateToUnix } from "../lib/time.js";
import { Scope, type View } from "../view.js";
import type { BalancesContext } from "./context.js";
import { currencyWords, emptyFilter, fillSelect } from "./words.js";

export class FiltersCard implements View {
  readonly el = h("form", { id: "bal-filters", class: "card bal-filters", attrs: { novalidate: true } });
  private readonly scope = new Scope();
  /** The drop-downs, refilled from the copy after every sync. */
  private readonly typeSelect = h("select", { id: "flt-type", class: "input" });
  private readonly categorySelect = h("select", { id: "flt-category", class: "input" });
  private readonly statusSelect = h("select", { id: "flt-status", class: "input" });
  private readonly currencySelect = h("select", { id: "flt-currency", class: "input" });
  private payoutInput: HTMLInputElement | null = null;
  private sourceInput: HTMLInputElement | null = null;

  constructor(
    private readonly ctx: BalancesContext,
    /** The filter changed. */
    private readonly applied: () => void,
  ) {
    this.draw();
  }

  /** The drop-downs offer what the copy holds, in words. */
  async loadChoices(): Promise<void> {
    try {
      const c = await this.ctx.api.filterChoices();
      if (this.scope.disposed) return;
      this.ctx.words.learn(c);
      fillSelect(this.typeSelect, "All types", c.types);
      fillSelect(this.categorySelect, "All categories", c.reporting_categories);
      fillSelect(this.statusSelect, "Any status", c.statuses);
      fillSelect(this.currencySelect, "All currencies", c.currencies.map((v) => ({ value: v, label: currencyWords(v) })));
    } catch {
      // The filters still work on what they hold; the table says what went wrong.
    }
  }

  /** One payout's transactions (from a payout's details): the form says so too. */
  showPayout(payout: string): void {
    this.el.reset();
    this.ctx.filter = { ...emptyFilter(), payout };
    if (this.payoutInput) this.payoutInput.value = payout;
  }

  /** The transactions of one charge or refund (a link from Activity): the form says so too. */
  showSource(source: string): void {
    this.el.reset();
    this.ctx.filter = { ...emptyFilter(), source };
    if (this.sourceInput) this.sourceInput.value = source;
  }

  private draw(): void {
    const f = this.el;
    const field = (label: string, control: HTMLElement): HTMLElement => {
      const message = h("span", { class: "field-message", attrs: { hidden: true, "aria-live": "polite" } });
      f.appendChild(h("label", { class: "field bal-field" }, h("span", { class: "label", text: label }), control, message));
      return message;
    };
    const input = (id: string, label: string, type = "text"): [HTMLInputElement, HTMLElement] => {
      const i = h("input", { id, class: "input", attrs: { type, autocomplete: "off", spellcheck: "false" } });
      const message = field(label, i);
      message.id = `${id}-message`;
      i.setAttribute("aria-describedby", message.id);
      return [i, message];
    };
    f.appendChild(h("h2", { class: "card-title bal-wide", text: "Filters" }));
    f.appendChild(h("p", { class: "help bal-wide", text: "Apply sets what the totals, the summary, the table, the chart and the export show." }));
    fillSelect(this.typeSelect, "All types", []);
    fillSelect(this.categorySelect, "All categories", []);
    fillSelect(this.statusSelect, "Any status", []);
    fillSelect(this.currencySelect, "All currencies", []);
    field("Type", this.typeSelect);
    field("Category", this.categorySelect);
    field("Status", this.statusSelect);
    field("Currency", this.currencySelect);
    const dates = [
      input("flt-created-from", "Created from", "date"),
      input("flt-created-to", "Created to", "date"),
      input("flt-available-from", "Available from", "date"),
      input("flt-available-to", "Available to", "date"),
    ];
    const [payout] = input("flt-payout", "Payout");
    const [source] = input("flt-source", "Source");
    const [text] = input("flt-text", "Description contains");
    const apply = h("button", { id: "btn-bal-apply", class: "btn primary small", text: "Apply", attrs: { type: "submit" } });
    const reset = h("button", { id: "btn-bal-reset", class: "btn ghost small", text: "Clear", attrs: { type: "reset" } });
    const formMessage = h("p", { id: "bal-filters-message", class: "field-message bal-wide", attrs: { hidden: true } });
    f.appendChild(h("div", { class: "actions bal-wide" }, apply, reset));
    f.appendChild(formMessage);
    const opt = (v: string) => (v.trim() ? v.trim() : null);
    const one = (v: string) => (v ? [v] : []);
    // A message stops holding as soon as its field changes.
    for (const [i, m] of dates) i.addEventListener("input", () => setMessage(m, null));
    this.payoutInput = payout;
    this.sourceInput = source;
    f.addEventListener("submit", (ev) => {
      ev.preventDefault();
      setMessage(formMessage, null);
      // Half-typed dates say so at their field; nothing is applied until they are whole.
      let firstBad: HTMLInputElement | null = null;
      for (const [i, m] of dates) {
        const bad = i.validity.badInput || (i.value !== "" && dateToUnix(i.value, false) === null);
        setMessage(m, bad ? "Finish the date (day, month and year), or clear it." : null);
        if (bad) firstBad ??= i;
      }
      for (const [[fromI], [toI, toM]] of [[dates[0]!, dates[1]!], [dates[2]!, dates[3]!]] as const) {
        if (!toM.textContent && fromI.value && toI.value && toI.value < fromI.value) {
          setMessage(toM, "This is before the start date.");
          firstBad ??= toI;
        }
      }
      if (firstBad) {
        setMessage(formMessage, "Nothing was applied: correct the dates marked above.");
        firstBad.focus();
        return;
      }
      const [[createdFrom], [createdTo], [availFrom], [availTo]] = dates;
      const zone = this.ctx.timezone;
      this.ctx.filter = {
        types: one(this.typeSelect.value),
        reporting_categories: one(this.categorySelect.value),
        statuses: one(this.statusSelect.value),
        currencies: one(this.currencySelect.value),
        // Days are the account's, as in the table, the chart and the summary.
        created: { from: dateToUnix(createdFrom.value, false, zone), to: dateToUnix(createdTo.value, true, zone) },
        available_on: { from: dateToUnix(availFrom.value, false, zone), to: dateToUnix(availTo.value, true, zone) },
        payout: opt(payout.value),
        source: opt(source.value),
        text: opt(text.value),
      };
      this.applied();
    });
    f.addEventListener("reset", () => {
      for (const [, m] of dates) setMessage(m, null);
      setMessage(formMessage, null);
      this.ctx.filter = emptyFilter();
      this.applied();
    });
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
