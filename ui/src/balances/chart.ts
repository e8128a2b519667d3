// "Net over time": a chart by day, week or month in the account's days,
// one currency at a time, with gross and fees on request. uPlot is served
// from the app (ui/dist/vendor) and loaded with this screen only.

import type { Bucket } from "../bindings/Bucket";
import type { ChartSeries } from "../bindings/ChartSeries";
import { clear, h } from "../dom.js";
import { money } from "../lib/money.js";
import { onThemeChange, paletteColour } from "../lib/theme.js";
import { Scope, type View } from "../view.js";
import type { BalancesContext } from "./context.js";
import { errorLine } from "./words.js";

interface UPlot {
  destroy(): void;
}

interface UPlotCtor {
  new (opts: unknown, data: unknown, target: HTMLElement): UPlot;
}

let uplotP: Promise<UPlotCtor> | null = null;

function loadUPlot(): Promise<UPlotCtor> {
  if (!uplotP) {
    const css = h("link", { attrs: { rel: "stylesheet", href: "vendor/uPlot.min.css" } });
    document.head.appendChild(css);
    // uPlot builds an Intl.NumberFormat from navigator.language when it loads;
    // under LANG=C WebKit reports "C", which Intl refuses: give it a valid tag.
    try {
      Intl.NumberFormat.supportedLocalesOf([navigator.language]);
    } catch {
      Object.defineProperty(navigator, "language", { value: "en-US", configurable: true });
    }
    // Relative to this module (ui/dist/balances/), not the page.
    const url: string = "../vendor/uPlot.esm.js";
    uplotP = (import(url) as Promise<{ default: UPlotCtor }>).then((m) => m.default);
  }
  return uplotP;
}

export class ChartCard implements View {
  readonly el = h("div", { id: "bal-chart-card", class: "card" });
  private readonly scope = new Scope();
  private bucket: Bucket = "day";
  private currency = "";
  private extra = false;
  /** The chart drawn now: uPlot listens on the window until it is destroyed. */
  private plot: UPlot | null = null;
  /** What it was drawn from: the canvas takes the theme's colours when drawn, so a new theme draws it again. */
  private drawn: { uplot: UPlotCtor; target: HTMLElement; series: ChartSeries } | null = null;
  private zoneNote: HTMLElement | null = null;

  constructor(private readonly ctx: BalancesContext) {
    this.scope.defer(onThemeChange(() => this.redraw()));
  }

  private redraw(): void {
    if (!this.drawn || !this.drawn.target.isConnected) return;
    const { uplot, target, series } = this.drawn;
    this.plot?.destroy();
    this.plot = draw(uplot, target, series, this.extra);
  }

  /** The account's zone is known: the note under the title says whose days these are. */
  noteZone(): void {
    if (this.zoneNote) this.zoneNote.textContent = this.ctx.zoneNote();
  }

  async load(): Promise<void> {
    const card = this.el;
    const generation = this.ctx.generation;
    this.destroyPlot();
    clear(card);
    const bucket = h("select", { id: "chart-bucket", class: "input small" },
      ...(["day", "week", "month"] as const).map((b) => h("option", { text: `Per ${b}`, attrs: { value: b } })));
    bucket.value = this.bucket;
    const currency = h("select", { id: "chart-currency", class: "input small" });
    const extra = h("input", { id: "chart-extra", attrs: { type: "checkbox" } });
    extra.checked = this.extra;
    const target = h("div", { id: "bal-chart", class: "bal-chart" });
    this.zoneNote = h("p", { id: "bal-chart-zone", class: "help", text: this.ctx.zoneNote() });
    card.append(
      h("h2", { class: "card-title", text: "Net over time" }),
      this.zoneNote,
      h("div", { class: "actions" },
        h("label", { class: "label inline", text: "Totals", attrs: { for: "chart-bucket" } }), bucket,
        h("label", { class: "label inline", text: "Currency", attrs: { for: "chart-currency" } }), currency,
        h("label", { class: "check" }, extra, " Gross and fees too")),
      target,
    );
    try {
      const [uplot, series] = await Promise.all([loadUPlot(), this.ctx.api.chart(this.ctx.filter, this.bucket)]);
      if (generation !== this.ctx.generation || this.scope.disposed || !target.isConnected) return;
      if (!series.length) {
        target.appendChild(h("p", { class: "help", text: "Nothing to chart." }));
        return;
      }
      for (const s of series) currency.appendChild(h("option", { text: s.currency.toUpperCase(), attrs: { value: s.currency } }));
      if (!series.some((s) => s.currency === this.currency)) this.currency = series[0]!.currency;
      currency.value = this.currency;
      const drawn = series.find((s) => s.currency === this.currency)!;
      this.drawn = { uplot, target, series: drawn };
      this.plot = draw(uplot, target, drawn, this.extra);
    } catch (e) {
      if (generation === this.ctx.generation) target.appendChild(errorLine(e));
    }
    bucket.addEventListener("change", () => {
      this.bucket = bucket.value as Bucket;
      void this.load();
    });
    currency.addEventListener("change", () => {
      this.currency = currency.value;
      void this.load();
    });
    extra.addEventListener("change", () => {
      this.extra = extra.checked;
      void this.load();
    });
  }

  private destroyPlot(): void {
    this.plot?.destroy();
    this.plot = null;
    this.drawn = null;
  }

  dispose(): void {
    this.destroyPlot();
    this.scope.dispose();
    this.el.remove();
  }
}

function draw(UPlot: UPlotCtor, target: HTMLElement, s: ChartSeries, extra: boolean): UPlot {
  clear(target);
  // Minor units on the y axis, labelled through money(): no float arithmetic on money.
  const xs = s.points.map((p) => p.start);
  const data: number[][] = [xs, s.points.map((p) => p.net)];
  // The canvas knows no CSS: the palette's colours, as the theme in use has them.
  const colour = (name: string): string => paletteColour(target, name);
  const points = { fill: colour("--surface") };
  const series: unknown[] = [{}, { label: "Net", stroke: colour("--chart-net"), width: 2, fill: colour("--chart-net-fill"), points, value: (_u: unknown, v: number | null) => (v === null ? "—" : money(v, s.currency)) }];
  if (extra) {
    data.push(s.points.map((p) => p.gross), s.points.map((p) => p.fees));
    const fmt = (_u: unknown, v: number | null) => (v === null ? "—" : money(v, s.currency));
    series.push({ label: "Gross", stroke: colour("--chart-gross"), width: 1.5, points, value: fmt }, { label: "Fees", stroke: colour("--chart-fees"), width: 1.5, points, value: fmt });
  }
  const width = Math.max(400, (target.clientWidth || 900) - 8);
  const lines = { stroke: colour("--chart-grid") };
  const axis = { stroke: colour("--text-2"), grid: lines, ticks: lines };
  return new UPlot({
    width,
    height: 260,
    series,
    axes: [axis, { ...axis, size: 90, values: (_u: unknown, ticks: number[]) => ticks.map((t) => money(Math.round(t), s.currency).replace(/ [A-Z]{3}$/, "")) }],
  }, data, target);
}
