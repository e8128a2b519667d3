// How Activity follows the accounts: how often it asks Stripe, how long it
// keeps what it heard, and which desktop notifications each account gives.

import * as activityApi from "../api/activity.js";
import type { AccountNotifications } from "../bindings/AccountNotifications";
import type { ActivitySettingsView } from "../bindings/ActivitySettingsView";
import type { NotificationChoices } from "../bindings/NotificationChoices";
import { busy, clear, h, setMessage } from "../dom.js";
import { toAppError } from "../tauri.js";
import { Scope, type View } from "../view.js";
import { accountWords } from "./context.js";

const CHOICES: Array<{ key: keyof NotificationChoices; label: string }> = [
  { key: "failed_payments", label: "Failed payments" },
  { key: "disputes", label: "New disputes" },
  { key: "payouts", label: "Payouts paid or failed" },
  { key: "successful_payments", label: "Successful payments" },
  { key: "disconnections", label: "The account disconnected" },
];

export class SettingsCard implements View {
  readonly el = h("div", { id: "act-settings", class: "card" });
  private readonly scope = new Scope();
  private readonly interval = h("input", { id: "act-interval", class: "input input-short", attrs: { type: "number", min: "10", max: "3600", step: "1", inputmode: "numeric" } });
  private readonly retention = h("input", { id: "act-retention", class: "input input-short", attrs: { type: "number", min: "30", max: "3650", step: "1", inputmode: "numeric" } });
  private readonly intervalMessage = h("p", { id: "act-interval-message", class: "field-message", attrs: { hidden: true } });
  private readonly retentionMessage = h("p", { id: "act-retention-message", class: "field-message", attrs: { hidden: true } });
  private readonly saved = h("p", { id: "act-settings-message", class: "field-message", attrs: { hidden: true } });
  private readonly accounts = h("div", { id: "act-notify" });

  constructor() {
    const save = h("button", { id: "btn-act-save-settings", class: "btn primary small", text: "Save", attrs: { type: "submit" } });
    const form = h(
      "form",
      { class: "act-settings-form", attrs: { novalidate: true } },
      h("label", { class: "label", text: "Check for new activity every (seconds)", attrs: { for: "act-interval" } }),
      this.interval,
      this.intervalMessage,
      h("label", { class: "label", text: "Keep activity on this computer for (days)", attrs: { for: "act-retention" } }),
      this.retention,
      this.retentionMessage,
      h("div", { class: "actions" }, save),
      this.saved,
    );
    this.scope.on(form, "submit", (ev: Event) => {
      ev.preventDefault();
      void busy([save], () => this.save());
    });
    this.el.append(
      h("h2", { class: "card-title", text: "Checking and notifications" }),
      h("p", { class: "help", text: "Stripe Desk asks Stripe for what happened in every connected account while it is open. Stripe keeps events for 30 days; this computer keeps them as long as you choose." }),
      form,
      h("h3", { class: "act-subtitle", text: "Desktop notifications" }),
      h("p", { class: "help", text: "Until you choose, live accounts notify failed payments, disputes and disconnections; test accounts notify nothing." }),
      this.accounts,
    );
  }

  async load(): Promise<void> {
    try {
      this.draw(await activityApi.settings());
    } catch (e) {
      setMessage(this.saved, toAppError(e).message);
    }
  }

  private draw(view: ActivitySettingsView): void {
    if (document.activeElement !== this.interval) this.interval.value = String(view.settings.poll_interval_seconds);
    if (document.activeElement !== this.retention) this.retention.value = String(view.settings.retention_days);
    clear(this.accounts);
    for (const a of view.accounts) this.accounts.appendChild(this.accountEl(a));
  }

  private accountEl(a: AccountNotifications): HTMLElement {
    const message = h("p", { class: "field-message", attrs: { hidden: true } });
    const boxes = CHOICES.map((c) => {
      const box = h("input", { attrs: { type: "checkbox", "data-choice": c.key } });
      box.checked = a.choices[c.key];
      return { c, box };
    });
    for (const { box } of boxes) {
      box.addEventListener("change", () => {
        const choices = { ...a.choices };
        for (const { c, box: b } of boxes) choices[c.key] = b.checked;
        void activityApi.setNotifications(a.connection_id, choices).then(
          () => {
            a.choices = choices;
            setMessage(message, "Saved.", "ok");
          },
          (e: unknown) => setMessage(message, toAppError(e).message),
        );
      });
    }
    return h(
      "fieldset",
      { class: "act-notify-account", data: { connection: a.connection_id } },
      h("legend", { text: accountWords(a.account_name, a.mode) }),
      ...boxes.map(({ c, box }) => h("label", { class: "checkbox" }, box, ` ${c.label}`)),
      message,
    );
  }

  private async save(): Promise<void> {
    setMessage(this.intervalMessage, null);
    setMessage(this.retentionMessage, null);
    setMessage(this.saved, null);
    const interval = Number(this.interval.value.trim());
    const retention = Number(this.retention.value.trim());
    if (!Number.isInteger(interval) || interval < 0 || interval > 4_000_000_000 || this.interval.value.trim() === "") {
      setMessage(this.intervalMessage, "Write a whole number of seconds, from 10 to 3600.");
      return;
    }
    if (!Number.isInteger(retention) || retention < 0 || retention > 4_000_000_000 || this.retention.value.trim() === "") {
      setMessage(this.retentionMessage, "Write a whole number of days, from 30 to 3650.");
      return;
    }
    try {
      this.draw(await activityApi.saveSettings({ poll_interval_seconds: interval, retention_days: retention }));
      setMessage(this.saved, "Saved. Stripe Desk follows the new settings now.", "ok");
    } catch (e) {
      const err = toAppError(e);
      setMessage(err.param === "retention_days" ? this.retentionMessage : err.param === "poll_interval_seconds" ? this.intervalMessage : this.saved, err.message);
    }
  }

  dispose(): void {
    this.scope.dispose();
    this.el.remove();
  }
}
