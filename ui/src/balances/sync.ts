// "Your copy": how much is stored and when it was synced; Sync with its
// progress (stored, pace, time left; then the payouts) and Cancel.

import type { StoreStats } from "../bindings/StoreStats";
import type { SyncProgress } from "../bindings/SyncProgress";
import { clear, h, setMessage } from "../dom.js";
import { duration, when } from "../lib/time.js";
import { toAppError } from "../tauri.js";
import { Scope, type View } from "../view.js";
import type { BalancesContext } from "./context.js";
import { errorLine, say, syncedWords } from "./words.js";

export interface SyncEvents {
  /** The account's time zone is known (or known again). */
  zone(): void;
  /** A sync ended: the copy may hold more, and differ from Stripe less. */
  synced(): void;
}

export class SyncCard implements View {
  readonly el = h("div", { id: "bal-sync", class: "card" });
  private readonly scope = new Scope();
  // The same progress and message lines through every redraw: what they say holds until the next sync.
  private readonly progress = h("p", { id: "bal-sync-progress", class: "help", attrs: { "aria-live": "polite" } });
  private readonly bar = h("progress", { id: "bal-sync-bar", class: "bal-bar", attrs: { hidden: true } });
  private readonly message = h("p", { id: "bal-sync-message", class: "field-message" });

  constructor(
    private readonly ctx: BalancesContext,
    private readonly events: SyncEvents,
  ) {}

  async refresh(): Promise<void> {
    try {
      const s = await this.ctx.api.status();
      if (!this.scope.disposed) this.draw(s);
    } catch (e) {
      if (this.scope.disposed) return;
      clear(this.el);
      this.el.append(h("h2", { class: "card-title", text: "Your copy" }), errorLine(e));
    }
  }

  private draw(s: StoreStats): void {
    this.ctx.timezone = s.timezone;
    this.events.zone();
    const card = this.el;
    clear(card);
    const sync = h("button", { id: "btn-bal-sync", class: "btn primary small", text: "Sync", attrs: { type: "button" } });
    const cancel = h("button", { id: "btn-bal-cancel-sync", class: "btn secondary small", text: "Cancel", attrs: { type: "button", hidden: true } });
    const { progress, bar, message } = this;
    const stored = s.transactions === 0 ? "No transactions stored yet" : `${s.transactions.toLocaleString("en-US")} transactions stored`;
    const synced = s.last_synced_at === null ? "never synced" : `last synced ${when(s.last_synced_at)}`;
    card.append(
      h("h2", { class: "card-title", text: "Your copy" }),
      h("p", { id: "bal-status", text: `${stored} · ${synced}${s.complete || s.transactions === 0 ? "" : " · first sync not finished"}` }),
      h("div", { class: "actions" }, sync, cancel),
      bar,
      progress,
      message,
    );
    cancel.addEventListener("click", () => void this.ctx.api.cancelSync().catch(() => undefined));
    sync.addEventListener("click", () => {
      sync.disabled = true;
      cancel.hidden = false;
      bar.hidden = false;
      bar.removeAttribute("value");
      setMessage(message, null);
      progress.textContent = "Starting…";
      const onProgress = (p: SyncProgress): void => {
        const eta = p.eta_seconds === null ? "" : ` · about ${duration(p.eta_seconds)} left`;
        progress.textContent = p.phase === "payouts"
          ? `Matching payouts to what they paid out: ${p.stored.toLocaleString("en-US")} of ${(p.total ?? p.stored).toLocaleString("en-US")}${eta}`
          : `${p.stored.toLocaleString("en-US")} transactions stored · ${Math.round(p.objects_per_second).toLocaleString("en-US")} a second${eta}`;
        if (p.phase === "payouts" && p.total) {
          bar.max = p.total;
          bar.value = p.stored;
        } else if (p.eta_seconds !== null && p.objects_per_second > 0) {
          const left = p.eta_seconds * p.objects_per_second;
          bar.max = p.stored + left;
          bar.value = p.stored;
        }
      };
      void this.ctx.api
        .sync(onProgress)
        .then((o) => {
          say(message, o.completed ? "ok" : "hint", o.completed ? syncedWords(o) : "Sync cancelled. What was stored stays; the next sync goes on from there.");
        })
        .catch((e: unknown) => say(message, "error", `${toAppError(e).message} Your copy stays as it was.`))
        .finally(() => {
          if (this.scope.disposed) return;
          // The sync is over: its progress no longer holds; the message says how it ended.
          progress.textContent = "";
          bar.hidden = true;
          void this.refresh();
          this.events.synced();
        });
    });
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
