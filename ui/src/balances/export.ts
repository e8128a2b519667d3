// Export what the filters select to CSV, through the system's save dialog,
// which the app opens: there is no typed path, so the page can never name
// a file to write.

import type { ExportProgress } from "../bindings/ExportProgress";
import { h, setMessage } from "../dom.js";
import { toAppError } from "../tauri.js";
import { Scope, type View } from "../view.js";
import type { BalancesContext } from "./context.js";
import { say } from "./words.js";

export class ExportCard implements View {
  readonly el = h("div", { id: "bal-export", class: "card" });
  private readonly scope = new Scope();
  /** The export's last word: it spoke of the selection before the filters changed. */
  private readonly message = h("p", { id: "export-message", class: "field-message", attrs: { "aria-live": "polite" } });

  constructor(private readonly ctx: BalancesContext) {
    this.draw();
  }

  /** The filters changed: what was said about the last export no longer holds. */
  clearMessage(): void {
    setMessage(this.message, null);
  }

  private draw(): void {
    const { message } = this;
    const go = h("button", { id: "btn-export", class: "btn primary small", text: "Export CSV…", attrs: { type: "button" } });
    const cancel = h("button", { id: "btn-export-cancel", class: "btn secondary small", text: "Cancel", attrs: { type: "button", hidden: true } });
    const bar = h("progress", { id: "export-bar", class: "bal-bar", attrs: { hidden: true } });
    this.el.append(
      h("h2", { class: "card-title", text: "Export what the filters select to CSV" }),
      h("p", { id: "export-zone", class: "help", text: "Dates in the file are UTC, written like 2026-11-25T14:30:00Z whatever the account's time zone, so spreadsheets and other tools read them alike. Text that a spreadsheet would take for a formula starts with an apostrophe." }),
      h("div", { class: "actions" }, go, cancel),
      bar,
      message,
    );
    cancel.addEventListener("click", () => void this.ctx.api.cancelExport().catch(() => undefined));
    go.addEventListener("click", () => {
      go.disabled = true;
      cancel.hidden = false;
      bar.hidden = false;
      bar.value = 0;
      say(message, "hint", "Exporting…");
      const onProgress = (p: ExportProgress): void => {
        bar.max = Math.max(1, p.total);
        bar.value = p.written;
        say(message, "hint", `${p.written.toLocaleString("en-US")} of ${p.total.toLocaleString("en-US")} rows written`);
      };
      void this.ctx.api
        .export(this.ctx.filter, this.ctx.sort, onProgress)
        .then((saved) => saved === null ? say(message, "hint", "") : say(message, saved.rows === null ? "hint" : "ok",
          saved.rows === null ? "Export cancelled; no file was written." : `Exported ${saved.rows.toLocaleString("en-US")} rows to ${saved.path}.`))
        .catch((e: unknown) => say(message, "error", toAppError(e).message))
        .finally(() => {
          go.disabled = false;
          cancel.hidden = true;
          bar.hidden = true;
        });
    });
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
