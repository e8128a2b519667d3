// "Run for every row of a spreadsheet", loaded on first visit (dynamic
// import from main.ts): a file opened through the system's open dialog,
// its sheet and header row, what runs for every row (a workflow or one
// action) with the columns matched by name, the dry run with its table of
// rows and their mistakes at the cell, the run with Pause, Resume and
// Cancel, and the results saved as a copy of the file.

import * as actionsApi from "../api/actions.js";
import * as bulkApi from "../api/bulk.js";
import * as workflowsApi from "../api/workflows.js";
import { numberFormat } from "../actions/fields.js";
import type { Action } from "../bindings/Action";
import type { BulkOptions } from "../bindings/BulkOptions";
import type { BulkProgress } from "../bindings/BulkProgress";
import type { BulkTarget } from "../bindings/BulkTarget";
import type { DryRunSummary } from "../bindings/DryRunSummary";
import type { ExistingMatch } from "../bindings/ExistingMatch";
import type { Mapping } from "../bindings/Mapping";
import type { ResultsFormat } from "../bindings/ResultsFormat";
import type { RowFilter } from "../bindings/RowFilter";
import type { SheetView } from "../bindings/SheetView";
import type { Slot } from "../bindings/Slot";
import type { SlotSource } from "../bindings/SlotSource";
import type { Workflow } from "../bindings/Workflow";
import { confirmDialog } from "../dialog.js";
import { busy, clear, h, setMessage } from "../dom.js";
import { duration, when } from "../lib/time.js";
import { activeConnection, navigate, state } from "../state.js";
import { toAppError } from "../tauri.js";
import { Scope, type View } from "../view.js";
import { expected } from "../workflows/context.js";
import { RowsTable } from "./table.js";

/** A slot the person added: one metadata key of an action. */
interface Added {
  id: string;
  label: string;
}

/** What the screen keeps between visits: the open file and what was chosen for it. */
interface Kept {
  sheet: SheetView | null;
  target: BulkTarget | null;
  slots: Slot[];
  added: Added[];
  mapping: Mapping;
  options: BulkOptions;
  summary: DryRunSummary | null;
  filter: RowFilter;
  progress: BulkProgress | null;
  running: boolean;
}

const kept: Kept = {
  sheet: null,
  target: null,
  slots: [],
  added: [],
  mapping: { slots: [] },
  options: { number_format: numberFormat(), skip_existing: { type: "nothing" } },
  summary: null,
  filter: "all",
  progress: null,
  running: false,
};

let shown: SpreadsheetScreen | null = null;

export function spreadsheetScreen(): HTMLElement {
  shown?.dispose();
  shown = new SpreadsheetScreen();
  return shown.el;
}

const targetKey = (t: BulkTarget): string => (t.type === "workflow" ? `workflow:${t.workflow_id}` : `action:${t.action_id}`);
const targetOf = (key: string): BulkTarget | null => {
  const [kind, id] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
  if (!id) return null;
  return kind === "workflow" ? { type: "workflow", workflow_id: id } : { type: "action", action_id: id };
};
const n = (x: number): string => x.toLocaleString("en-US");

class SpreadsheetScreen implements View {
  readonly el = h("section", { class: "screen bulk-screen", attrs: { "aria-labelledby": "screen-title" } });
  private readonly scope = new Scope();
  private readonly fileCard = h("div", { id: "bulk-file", class: "card" });
  private readonly targetCard = h("div", { id: "bulk-target-card", class: "card" });
  private readonly checkCard = h("div", { id: "bulk-check-card", class: "card", attrs: { hidden: true } });
  private readonly runCard = h("div", { id: "bulk-run-card", class: "card", attrs: { hidden: true } });
  private readonly message = h("p", { id: "bulk-message", class: "field-message", attrs: { hidden: true } });
  private workflows: Workflow[] = [];
  private actions: Action[] = [];
  private table: RowsTable | null = null;

  constructor() {
    const back = h("button", { id: "btn-bulk-back", class: "btn ghost small", text: "← Workflows", attrs: { type: "button" } });
    back.addEventListener("click", () => navigate("workflows"));
    this.el.append(
      h("div", { class: "row" }, back),
      h("h1", { id: "screen-title", class: "screen-title", text: "Run for every row of a spreadsheet", attrs: { tabindex: "-1" } }),
      h("p", {
        class: "card-text",
        text: "Open a spreadsheet of customers, products or anything a workflow takes. Every row is checked before anything is sent, and each row is done once only, however often you run the same file.",
      }),
      this.message,
    );
    if (!activeConnection()) {
      const go = h("button", { id: "btn-go-connections", class: "btn primary", text: "Go to Connections", attrs: { type: "button" } });
      go.addEventListener("click", () => navigate("connections"));
      this.el.appendChild(h("div", { class: "card empty-state" }, h("p", { class: "empty-text", text: "Connect a Stripe account first." }), go));
      return;
    }
    this.el.append(this.fileCard, this.targetCard, this.checkCard, this.runCard);
    if (state.bulkTarget) {
      kept.target = state.bulkTarget;
      state.bulkTarget = null;
      kept.summary = null;
    }
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const [listing, actions] = await Promise.all([workflowsApi.list(), actionsApi.list()]);
      if (this.scope.disposed) return;
      this.workflows = listing.workflows.filter((w) => w.reviewed);
      this.actions = actions.filter((a) => a.path !== "");
      this.drawFile();
      if (kept.sheet && kept.target) await this.propose(false);
      this.drawTarget();
      this.drawCheck();
      this.drawRun();
    } catch (e) {
      setMessage(this.message, toAppError(e).message, "error");
    }
  }

  // ----- The file -----

  private drawFile(): void {
    const card = this.fileCard;
    clear(card);
    card.appendChild(h("h2", { class: "card-title", text: "1. The spreadsheet" }));
    const open = h("button", { id: "btn-bulk-open", class: "btn primary", text: kept.sheet ? "Open another file…" : "Open a spreadsheet…", attrs: { type: "button" } });
    const said = h("p", { id: "bulk-file-message", class: "field-message", attrs: { hidden: true } });
    open.addEventListener("click", () =>
      busy([open], async () => {
        try {
          const sheet = await bulkApi.open();
          if (!sheet) return;
          if (kept.sheet) void bulkApi.close(kept.sheet.file_id);
          kept.sheet = sheet;
          kept.summary = null;
          kept.progress = null;
          await this.sheetChanged();
        } catch (e) {
          setMessage(said, toAppError(e).message, "error");
        }
      }),
    );
    const sheet = kept.sheet;
    if (!sheet) {
      card.append(h("p", { class: "help", text: "CSV (any separator), Excel (.xlsx, .xls) or OpenDocument (.ods)." }), h("div", { class: "row" }, open), said);
      this.drawJobs(card);
      return;
    }
    const format =
      sheet.format.type === "csv" ? `CSV, separated by ${sheet.format.delimiter}, ${sheet.format.encoding}` : sheet.format.type === "ods" ? "OpenDocument spreadsheet" : "Excel workbook";
    card.append(
      h("p", { id: "bulk-file-name", class: "card-text" }, h("strong", { text: sheet.file_name }), ` · ${format} · ${n(sheet.rows)} ${sheet.rows === 1 ? "row" : "rows"} below the column names`),
      h("p", { class: "help", text: sheet.limits }),
    );
    if (sheet.sheets.length > 1) {
      const pick = h("select", { id: "bulk-sheet", class: "input" }, ...sheet.sheets.map((s) => h("option", { text: s, attrs: { value: s, selected: s === sheet.sheet } })));
      pick.addEventListener("change", () =>
        busy([pick], async () => {
          try {
            kept.sheet = await bulkApi.chooseSheet(sheet.file_id, pick.value);
            kept.summary = null;
            await this.sheetChanged();
          } catch (e) {
            setMessage(said, toAppError(e).message, "error");
          }
        }),
      );
      card.append(h("div", { class: "field" }, h("label", { class: "label", text: "Sheet", attrs: { for: "bulk-sheet" } }), pick));
    }
    const header = h("select", { id: "bulk-header-row", class: "input" }, h("option", { text: "No row has the column names", attrs: { value: "" } }));
    const lastChoice = Math.max(sheet.header_row ?? 0, sheet.detected_header_row ?? 0, Math.min(sheet.last_row ?? 1, 20));
    for (let r = 1; r <= lastChoice; r++) {
      const found = r === sheet.detected_header_row ? " (found)" : "";
      header.appendChild(h("option", { text: `Row ${r}${found}`, attrs: { value: String(r), selected: r === sheet.header_row } }));
    }
    if (sheet.header_row === null) header.value = "";
    header.addEventListener("change", () =>
      busy([header], async () => {
        try {
          kept.sheet = await bulkApi.setHeaderRow(sheet.file_id, header.value === "" ? null : Number(header.value));
          kept.summary = null;
          await this.sheetChanged();
          document.getElementById("bulk-header-row")?.focus();
        } catch (e) {
          setMessage(said, toAppError(e).message, "error");
        }
      }),
    );
    card.append(
      h("div", { class: "field" }, h("label", { class: "label", text: "The column names are in", attrs: { for: "bulk-header-row" } }), header),
      h("p", { class: "help", text: `Columns: ${sheet.columns.map((c) => c.name).join(", ")}` }),
      h("div", { class: "row" }, open),
      said,
    );
  }

  /** Earlier runs over files on this computer. */
  private drawJobs(card: HTMLElement): void {
    void bulkApi.jobs().then(
      (jobs) => {
        if (this.scope.disposed || !jobs.length || kept.sheet) return;
        const list = h("ul", { id: "bulk-jobs", class: "plain-list" });
        for (const j of jobs.slice(0, 10)) {
          list.appendChild(
            h("li", {
              text: `${j.file_name} · ${when(j.updated_at)} · ${n(j.created)} done, ${n(j.skipped)} skipped, ${n(j.failed)} failed${j.livemode ? " · live mode" : ""}`,
            }),
          );
        }
        card.append(h("h3", { class: "card-title", text: "Earlier runs on this computer" }), list, h("p", { class: "help", text: "Open the same file again to see its rows, save its results or run its failed rows again." }));
      },
      () => undefined,
    );
  }

  private async sheetChanged(): Promise<void> {
    this.drawFile();
    if (kept.target) await this.propose(true);
    this.drawTarget();
    this.drawCheck();
    this.drawRun();
  }

  // ----- What runs, and the columns -----

  /** The target's slots, and (with `fresh`) the mapping found by the columns' names. */
  private async propose(fresh: boolean): Promise<void> {
    if (!kept.sheet || !kept.target) return;
    try {
      const got = await bulkApi.proposeMapping(kept.sheet.file_id, kept.target);
      kept.slots = got.slots;
      if (fresh || !kept.mapping.slots.length) {
        kept.mapping = got.mapping;
        kept.added = [];
      }
    } catch (e) {
      setMessage(this.message, toAppError(e).message, "error");
    }
  }

  private drawTarget(): void {
    const card = this.targetCard;
    clear(card);
    card.appendChild(h("h2", { class: "card-title", text: "2. What to do for every row" }));
    const pick = h("select", { id: "bulk-target", class: "input" }, h("option", { text: "Choose…", attrs: { value: "" } }));
    const wf = h("optgroup", { attrs: { label: "Your workflows" } }, ...this.workflows.map((w) => h("option", { text: w.name, attrs: { value: `workflow:${w.id}` } })));
    const ac = h("optgroup", { attrs: { label: "One action" } }, ...this.actions.map((a) => h("option", { text: a.name, attrs: { value: `action:${a.id}` } })));
    if (this.workflows.length) pick.appendChild(wf);
    pick.appendChild(ac);
    pick.value = kept.target ? targetKey(kept.target) : "";
    pick.addEventListener("change", () =>
      busy([pick], async () => {
        kept.target = targetOf(pick.value);
        kept.summary = null;
        await this.propose(true);
        this.drawTarget();
        this.drawCheck();
        this.drawRun();
        document.getElementById("bulk-target")?.focus();
      }),
    );
    card.append(h("div", { class: "field" }, h("label", { class: "label", text: "Run this", attrs: { for: "bulk-target" } }), pick));
    const sheet = kept.sheet;
    if (!sheet || !kept.target) {
      card.appendChild(h("p", { class: "help", text: sheet ? "Choose a workflow or an action." : "Open a spreadsheet first." }));
      return;
    }

    // The columns for each thing it takes.
    card.appendChild(h("h3", { class: "card-title", text: "Which column fills what" }));
    const slots: Array<{ id: string; label: string; takes: string; required: boolean }> = [...kept.slots, ...kept.added.map((a) => ({ ...a, takes: "any text", required: false }))];
    slots.forEach((slot, i) => card.appendChild(this.slotField(slot, i)));
    if (kept.target.type === "action" && this.actions.find((a) => a.id === (kept.target as { action_id: string }).action_id)?.fields.some((f) => f.kind.type === "metadata")) {
      const keyId = "bulk-meta-key";
      const key = h("input", { id: keyId, class: "input", attrs: { spellcheck: "false", placeholder: "external_id" } });
      const add = h("button", { id: "btn-bulk-meta-add", class: "btn secondary", text: "Add", attrs: { type: "button" } });
      const said = h("p", { class: "field-message", attrs: { hidden: true } });
      add.addEventListener("click", () => {
        const k = key.value.trim();
        if (!/^[A-Za-z0-9_\-.]{1,40}$/.test(k)) {
          setMessage(said, "A key is 1 to 40 letters, digits, _ - or . (for example external_id).", "error");
          key.focus();
          return;
        }
        const id = `metadata.${k}`;
        if (!slots.some((s) => s.id === id)) kept.added.push({ id, label: `Extra information → ${k}` });
        this.drawTarget();
        document.getElementById("btn-bulk-meta-add")?.focus();
      });
      card.append(
        h(
          "div",
          { class: "field" },
          h("label", { class: "label", text: "Keep a column as extra information (metadata) under the key", attrs: { for: keyId } }),
          h("div", { class: "row" }, key, add),
          said,
        ),
      );
    }

    // Options: the number convention, and rows that exist already.
    const fmt = h(
      "select",
      { id: "bulk-number-format", class: "input" },
      h("option", { text: "12,50 (comma before the cents)", attrs: { value: "comma" } }),
      h("option", { text: "12.50 (point before the cents)", attrs: { value: "point" } }),
    );
    fmt.value = kept.options.number_format.decimal;
    fmt.addEventListener("change", () => {
      kept.options.number_format = { decimal: fmt.value === "comma" ? "comma" : "point" };
    });
    card.append(h("div", { class: "field" }, h("label", { class: "label", text: "Amounts in the file are written like", attrs: { for: "bulk-number-format" } }), fmt));
    card.appendChild(this.existingField(sheet));

    const check = h("button", { id: "btn-bulk-check", class: "btn primary", text: "Check every row", attrs: { type: "button" } });
    const said = h("p", { id: "bulk-check-message", class: "field-message", attrs: { hidden: true } });
    check.addEventListener("click", () => busy([check], () => this.dryRun(said)));
    card.append(h("div", { class: "row" }, check), h("p", { class: "help", text: "Nothing is sent to Stripe until you press Run." }), said);
  }

  private slotField(slot: { id: string; label: string; takes: string; required: boolean }, i: number): HTMLElement {
    const sheet = kept.sheet as SheetView;
    const id = `bulk-map-${i}`;
    const current = kept.mapping.slots.find((m) => m.slot === slot.id);
    const source: SlotSource = current?.source ?? { type: "nothing" };
    const pick = h("select", { id, class: "input", data: { slot: slot.id } }, h("option", { text: slot.required ? "Choose a column (needed)" : "Leave out", attrs: { value: "nothing" } }));
    for (const c of sheet.columns) {
      const sample = c.sample.find((s) => s !== "");
      pick.appendChild(h("option", { text: `${c.letter} · ${c.name}${sample ? ` (e.g. ${sample})` : ""}`, attrs: { value: `column:${c.index}` } }));
    }
    pick.appendChild(h("option", { text: "The same value on every row…", attrs: { value: "constant" } }));
    pick.value = source.type === "column" ? `column:${source.column}` : source.type;
    const constId = `bulk-const-${i}`;
    const constant = h("input", { id: constId, class: "input", attrs: { value: source.type === "constant" ? source.value : "", spellcheck: "false" } });
    const constRow = h("div", { class: "field bulk-constant" }, h("label", { class: "label", text: `${slot.label}: the value for every row`, attrs: { for: constId } }), constant);
    constRow.hidden = source.type !== "constant";
    const write = (): void => {
      const s: SlotSource =
        pick.value === "constant" ? { type: "constant", value: constant.value } : pick.value.startsWith("column:") ? { type: "column", column: Number(pick.value.slice(7)) } : { type: "nothing" };
      kept.mapping.slots = kept.mapping.slots.filter((m) => m.slot !== slot.id);
      kept.mapping.slots.push({ slot: slot.id, source: s, by_name: false });
      constRow.hidden = s.type !== "constant";
      badge.hidden = true;
    };
    pick.addEventListener("change", write);
    constant.addEventListener("input", write);
    const badge = h("span", { class: "tag", text: "matched by name" });
    badge.hidden = !current?.by_name;
    return h(
      "div",
      { class: "field bulk-slot" },
      h("label", { class: "label", attrs: { for: id } }, slot.label, slot.required ? " (needed)" : "", " ", badge),
      pick,
      h("p", { class: "help", text: `Takes ${slot.takes}.` }),
      constRow,
    );
  }

  private existingField(sheet: SheetView): HTMLElement {
    const m = kept.options.skip_existing;
    const kind = h(
      "select",
      { id: "bulk-existing", class: "input" },
      h("option", { text: "Do not look for customers that exist", attrs: { value: "nothing" } }),
      h("option", { text: "Skip rows whose customer exists, matched by email", attrs: { value: "email" } }),
      h("option", { text: "Skip rows whose customer exists, matched by an ID kept in extra information", attrs: { value: "metadata" } }),
    );
    kind.value = m.type;
    const colId = "bulk-existing-column";
    const column = h("select", { id: colId, class: "input" }, ...sheet.columns.map((c) => h("option", { text: `${c.letter} · ${c.name}`, attrs: { value: String(c.index) } })));
    const keyId = "bulk-existing-key";
    const key = h("input", { id: keyId, class: "input", attrs: { value: m.type === "metadata" ? m.key : "external_id", spellcheck: "false" } });
    if (m.type !== "nothing") column.value = String(m.column);
    else {
      const guess = sheet.columns.find((c) => /mail/i.test(c.name));
      if (guess) column.value = String(guess.index);
    }
    const colField = h("div", { class: "field" }, h("label", { class: "label", text: "The column to match", attrs: { for: colId } }), column);
    const keyField = h("div", { class: "field" }, h("label", { class: "label", text: "The extra information's key", attrs: { for: keyId } }), key);
    const write = (): void => {
      const c = Number(column.value);
      const next: ExistingMatch = kind.value === "email" ? { type: "email", column: c } : kind.value === "metadata" ? { type: "metadata", key: key.value.trim(), column: c } : { type: "nothing" };
      kept.options.skip_existing = next;
      colField.hidden = next.type === "nothing";
      keyField.hidden = next.type !== "metadata";
    };
    kind.addEventListener("change", write);
    column.addEventListener("change", write);
    key.addEventListener("input", write);
    colField.hidden = m.type === "nothing";
    keyField.hidden = m.type !== "metadata";
    return h("div", { class: "field" }, h("label", { class: "label", text: "Customers that exist already", attrs: { for: "bulk-existing" } }), kind, colField, keyField);
  }

  // ----- The dry run -----

  private async dryRun(said: HTMLElement): Promise<void> {
    const exp = expected();
    if (!kept.sheet || !kept.target || !exp) return;
    setMessage(said, null);
    try {
      kept.summary = await bulkApi.dryRun(kept.sheet.file_id, exp, kept.target, kept.mapping, kept.options);
      kept.filter = kept.summary.needs_fixing > 0 ? "needs_fixing" : "all";
      kept.progress = null;
      this.drawCheck();
      this.drawRun();
      document.getElementById("bulk-summary")?.focus();
    } catch (e) {
      const err = toAppError(e);
      setMessage(said, err.message, "error", err.request_id);
    }
  }

  private drawCheck(): void {
    const card = this.checkCard;
    this.table?.dispose();
    this.table = null;
    clear(card);
    const s = kept.summary;
    const sheet = kept.sheet;
    card.hidden = !s || !sheet;
    if (!s || !sheet) return;
    card.append(h("h2", { class: "card-title", text: "3. The rows, checked" }), h("p", { id: "bulk-summary", class: "card-text bulk-summary", text: s.sentence, attrs: { role: "status", tabindex: "-1" } }));
    for (const p of s.mapping_problems) card.appendChild(h("p", { class: "field-message is-error", text: p }));
    for (const p of s.workflow_problems) card.appendChild(h("p", { class: "field-message is-error", text: p.reason }));

    const filter = h(
      "select",
      { id: "bulk-filter", class: "input" },
      ...(
        [
          ["all", "Every row"],
          ["needs_fixing", "Rows that need fixing"],
          ["ready", "Rows ready"],
          ["skipped", "Rows skipped"],
          ["created", "Rows done"],
          ["failed", "Rows that failed"],
        ] as Array<[RowFilter, string]>
      ).map(([v, t]) => h("option", { text: t, attrs: { value: v } })),
    );
    filter.value = kept.filter;
    filter.addEventListener("change", () => {
      kept.filter = filter.value as RowFilter;
      void this.table?.show(kept.filter);
    });
    const skipBad = h("button", { id: "btn-bulk-skip-bad", class: "btn secondary", text: "Leave out the rows that need fixing", attrs: { type: "button", disabled: s.needs_fixing === 0 } });
    const said = h("p", { id: "bulk-rows-message", class: "field-message", attrs: { hidden: true } });
    skipBad.addEventListener("click", () =>
      busy([skipBad], async () => {
        try {
          kept.summary = await bulkApi.leaveOutRowsToFix(sheet.file_id);
          kept.filter = "all";
          this.drawCheck();
          this.drawRun();
        } catch (e) {
          setMessage(said, toAppError(e).message, "error");
        }
      }),
    );
    const controls = h("div", { class: "row bulk-controls" }, h("label", { class: "label", text: "Show", attrs: { for: "bulk-filter" } }), filter, skipBad);
    if (kept.options.skip_existing.type !== "nothing") {
      const find = h("button", { id: "btn-bulk-find", class: "btn secondary", text: "Find customers that exist", attrs: { type: "button" } });
      find.addEventListener("click", () =>
        busy([find], async () => {
          const exp = expected();
          if (!exp) return;
          try {
            const done = await bulkApi.findExisting(sheet.file_id, exp, (p) => setMessage(said, `Checked ${n(p.checked)} of ${n(p.total)} rows: ${n(p.existing)} exist.`, "hint"));
            kept.summary = await bulkApi.summary(sheet.file_id);
            this.drawCheck();
            this.drawRun();
            const line = document.getElementById("bulk-rows-message");
            if (line) setMessage(line, done.sentence ?? `${n(done.existing)} rows match a customer that exists.`, "ok");
          } catch (e) {
            const err = toAppError(e);
            setMessage(said, err.message, "error", err.request_id);
          }
        }),
      );
      controls.appendChild(find);
    }
    card.append(controls, said);
    const table = new RowsTable(
      sheet.file_id,
      sheet.columns.map((c) => c.name),
      () => void this.refreshSummary(),
    );
    this.table = table;
    card.appendChild(table.el);
    void table.show(kept.filter);
  }

  private async refreshSummary(): Promise<void> {
    if (!kept.sheet) return;
    try {
      kept.summary = await bulkApi.summary(kept.sheet.file_id);
      if (kept.filter === "needs_fixing" && kept.summary.needs_fixing === 0) {
        // Nothing is left to fix: every row shows again.
        kept.filter = "all";
        const filter = document.getElementById("bulk-filter") as HTMLSelectElement | null;
        if (filter) filter.value = "all";
        await this.table?.show("all");
      }
      const line = document.getElementById("bulk-summary");
      if (line) line.textContent = kept.summary.sentence;
      const skipBad = document.getElementById("btn-bulk-skip-bad") as HTMLButtonElement | null;
      if (skipBad) skipBad.disabled = kept.summary.needs_fixing === 0;
      this.drawRun();
    } catch (e) {
      setMessage(this.message, toAppError(e).message, "error");
    }
  }

  // ----- The run -----

  private drawRun(): void {
    const card = this.runCard;
    clear(card);
    const s = kept.summary;
    const sheet = kept.sheet;
    card.hidden = !s || !sheet;
    if (!s || !sheet) return;
    card.appendChild(h("h2", { class: "card-title", text: "4. Run" }));
    const p = kept.progress;
    const failed = p?.failed ?? 0;
    const runText = s.ready > 0 ? `Run for ${n(s.ready)} ${s.ready === 1 ? "row" : "rows"}` : s.done_before > 0 && s.needs_fixing === 0 ? "Every row is done" : "No rows are ready";
    const run = h("button", { id: "btn-bulk-run", class: "btn primary", text: runText, attrs: { type: "button", disabled: s.ready === 0 || kept.running } });
    const retry = h("button", { id: "btn-bulk-retry", class: "btn secondary", text: `Run the ${n(failed)} failed ${failed === 1 ? "row" : "rows"} again`, attrs: { type: "button" } });
    retry.hidden = kept.running || failed === 0;
    const pause = h("button", { id: "btn-bulk-pause", class: "btn secondary", text: "Pause", attrs: { type: "button" } });
    const resume = h("button", { id: "btn-bulk-resume", class: "btn secondary", text: "Resume", attrs: { type: "button" } });
    const cancel = h("button", { id: "btn-bulk-cancel", class: "btn danger", text: "Cancel the run", attrs: { type: "button" } });
    const bar = h("progress", { id: "bulk-progress-bar", attrs: { max: "1", value: "0", "aria-label": "Rows done" } });
    const line = h("p", { id: "bulk-progress", class: "card-text", attrs: { role: "status", "aria-live": "polite" } });
    const said = h("p", { id: "bulk-run-message", class: "field-message", attrs: { hidden: true } });
    const paint = (q: BulkProgress | null): void => {
      const live = kept.running && q !== null;
      pause.hidden = !live || q.state !== "running";
      resume.hidden = !live || q.state !== "paused";
      cancel.hidden = !live || q.state === "cancelling";
      bar.hidden = q === null;
      if (!q) {
        line.textContent = "";
        return;
      }
      bar.max = Math.max(1, q.total);
      bar.value = q.done;
      const speed = q.state === "running" && q.rows_per_second > 0 ? ` · ${q.rows_per_second.toFixed(1)} rows a second` : "";
      const left = q.state === "running" && q.seconds_left !== null ? ` · about ${duration(q.seconds_left)} left` : "";
      const where: Record<BulkProgress["state"], string> = {
        running: "Running",
        paused: "Paused: no new row starts until you resume",
        cancelling: "Stopping: rows already sent finish",
        cancelled: "Stopped: running the file again goes on where it stopped",
        finished: "Finished",
      };
      line.textContent = `${where[q.state]}. ${n(q.done)} of ${n(q.total)} rows: ${n(q.created)} done, ${n(q.skipped)} skipped, ${n(q.failed)} failed${speed}${left}.`;
    };
    paint(p);
    const control = (button: HTMLButtonElement, call: (id: string) => Promise<null>): void => {
      button.addEventListener("click", () =>
        busy([button], async () => {
          try {
            await call(sheet.file_id);
          } catch (e) {
            setMessage(said, toAppError(e).message, "error");
          }
        }),
      );
    };
    control(pause, bulkApi.pause);
    control(resume, bulkApi.resume);
    control(cancel, bulkApi.cancel);
    const start = (retryFailed: boolean): Promise<void> =>
      busy([run, retry], async () => {
        const exp = expected();
        if (!exp) return;
        setMessage(said, null);
        try {
          const plan = await bulkApi.plan(sheet.file_id, exp, retryFailed);
          if (plan.rows === 0) {
            setMessage(said, "No row is left to run: every row is done, skipped or needs fixing.", "hint");
            return;
          }
          let confirmation: string | null = null;
          if (plan.confirmation) {
            const ok = await confirmDialog({ title: plan.account.livemode ? "Run in live mode?" : "Send this out of the account?", body: plan.sentence, yes: "Run" });
            if (!ok) return;
            confirmation = plan.confirmation;
          } else {
            setMessage(said, plan.sentence, "hint");
          }
          kept.running = true;
          paint({ job_id: "", state: "running", total: plan.rows, done: 0, created: 0, skipped: 0, failed: 0, rows_per_second: 0, seconds_left: null, changed: [] });
          // Pause and Cancel come with the run's first word: before it, there is nothing to pause.
          pause.hidden = true;
          cancel.hidden = true;
          line.textContent = "Starting…";
          retry.hidden = true;
          const end = await bulkApi.run(sheet.file_id, exp, retryFailed, confirmation, (q) => {
            if (this.scope.disposed) return;
            kept.progress = q;
            paint(q);
            this.table?.update(q.changed);
          });
          kept.progress = end;
          kept.running = false;
          kept.summary = await bulkApi.summary(sheet.file_id);
          if (this.scope.disposed) return;
          this.drawRun();
          kept.filter = "all";
          const filter = document.getElementById("bulk-filter") as HTMLSelectElement | null;
          if (filter) filter.value = "all";
          await this.table?.show("all");
          const s2 = document.getElementById("bulk-summary");
          if (s2) s2.textContent = kept.summary.sentence;
          document.getElementById("bulk-progress")?.focus();
        } catch (e) {
          kept.running = false;
          const err = toAppError(e);
          if (!this.scope.disposed) {
            paint(kept.progress);
            setMessage(said, err.message, "error", err.request_id);
          }
        }
      });
    run.addEventListener("click", () => void start(false));
    retry.addEventListener("click", () => void start(true));
    card.append(h("div", { class: "row" }, run, retry, pause, resume, cancel), bar, line, said);

    // The results, as a copy of the file with each row's outcome.
    if (p && !kept.running) {
      const format = h(
        "select",
        { id: "bulk-results-format", class: "input" },
        h("option", { text: "Excel workbook (.xlsx)", attrs: { value: "xlsx" } }),
        h("option", { text: "CSV (.csv)", attrs: { value: "csv" } }),
      );
      const save = h("button", { id: "btn-bulk-save", class: "btn secondary", text: "Save the results…", attrs: { type: "button" } });
      const saved = h("p", { id: "bulk-save-message", class: "field-message", attrs: { hidden: true } });
      save.addEventListener("click", () =>
        busy([save, format], async () => {
          try {
            const file = await bulkApi.saveResults(sheet.file_id, format.value as ResultsFormat);
            if (file) setMessage(saved, `Saved to ${file.path}, with each row's status, what it made and why it failed.`, "ok");
          } catch (e) {
            setMessage(saved, toAppError(e).message, "error");
          }
        }),
      );
      card.append(
        h("h3", { class: "card-title", text: "The results" }),
        h("p", { class: "help", text: "A copy of your file with three columns added: the row's status, what it made in Stripe, and why it failed. Card, bank account and ID numbers are hidden." }),
        h("div", { class: "row" }, h("label", { class: "label", text: "Save as", attrs: { for: "bulk-results-format" } }), format, save),
        saved,
      );
    }
  }

  dispose(): void {
    this.table?.dispose();
    this.scope.dispose();
    this.el.remove();
  }
}
