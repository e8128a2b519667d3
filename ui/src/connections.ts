// The Connections screen: on first launch a welcome with the two ways to
// connect; afterwards the saved connections as cards, then "Add a connection".

import type { AppError } from "./bindings/AppError";
import type { ConnectionSummary } from "./bindings/ConnectionSummary";
import type { ConnectionTest } from "./bindings/ConnectionTest";
import type { ConnectionsView } from "./bindings/ConnectionsView";
import { confirmDialog } from "./dialog.js";
import { busy, clear, errorText, h, setMessage, spinner } from "./dom.js";
import { keyForm, modeWord, renderPermissions, setOnSaved } from "./keyform.js";
import { connectPanel } from "./oauth.js";
import { connections, setView, state, subscribe } from "./state.js";
import { call, toAppError } from "./tauri.js";

let screen: HTMLElement | null = null;

/** Test results of saved connections, kept across redraws of the list. */
const cardResults = new Map<string, { test?: ConnectionTest; error?: AppError }>();

export function connectionsScreen(): HTMLElement {
  if (!screen) screen = buildScreen();
  return screen;
}

export function modeBadge(mode: string, id?: string): HTMLElement {
  const live = mode === "live";
  return h("span", {
    id,
    class: `badge ${live ? "badge-live" : "badge-test"}`,
    text: live ? "LIVE" : "TEST",
    attrs: { title: live ? "Live mode: real money" : "Test mode: no real money moves" },
  });
}

export function methodText(c: ConnectionSummary): string {
  if (c.method === "api_key") return c.maskedKey ? `API key ${c.maskedKey}` : "API key";
  if (c.method === "apps_oauth") return "Connected with Stripe (Stripe App)";
  return "Connected with Stripe";
}

function buildScreen(): HTMLElement {
  const title = h("h1", { id: "screen-title", class: "screen-title", attrs: { tabindex: "-1" } });
  const lead = h("p", { class: "lead" });

  const list = h("div", { id: "connection-list", class: "card-grid", attrs: { "aria-label": "Saved connections" } });
  const listSection = h("section", { class: "section", attrs: { hidden: true } }, list);
  const addTitle = h("h2", { class: "section-title", text: "Add a connection" });

  const form = keyForm();
  const keyCard = h(
    "section",
    { class: "card path-card", attrs: { "aria-labelledby": "path-key-title" } },
    h("h2", { id: "path-key-title", class: "card-title" }, h("span", { class: "path-num", text: "1" }), "Paste an API key"),
    form.root,
  );
  const oauthCard = h(
    "section",
    { class: "card path-card", attrs: { "aria-labelledby": "path-oauth-title" } },
    h("h2", { id: "path-oauth-title", class: "card-title" }, h("span", { class: "path-num", text: "2" }), "Connect with Stripe"),
    connectPanel(),
  );

  // How "Connect with Stripe" ended, at the top where the cards are: the
  // flow's own status sits below the fold once accounts are listed.
  const notice = h("div", { id: "connections-notice", class: "result notice", attrs: { hidden: true } });
  let dismissed: string | null = null;
  const renderNotice = (): void => {
    const flow = state.oauthFlow;
    const ok = flow.state === "finished";
    const msg = ok || flow.state === "failed" ? flow.message : null;
    clear(notice);
    notice.hidden = !msg || msg === dismissed || connections().length === 0;
    if (!msg || notice.hidden) return;
    notice.className = `result notice ${ok ? "is-ok" : "is-error"}`;
    notice.setAttribute("role", ok ? "status" : "alert");
    const close = h("button", { class: "btn ghost small", text: "Dismiss", attrs: { type: "button" } });
    close.addEventListener("click", () => {
      dismissed = msg;
      renderNotice();
    });
    notice.append(
      h("span", { class: "result-icon", text: ok ? "✓" : "✗", attrs: { "aria-hidden": "true" } }),
      h("span", { class: "result-text", text: msg }),
      close,
    );
  };
  subscribe("oauth", renderNotice);
  subscribe("connections", renderNotice);
  renderNotice();

  const root = h(
    "section",
    { class: "screen", attrs: { "aria-labelledby": "screen-title" } },
    title,
    lead,
    notice,
    listSection,
    addTitle,
    h("div", { class: "two-col wide-left" }, keyCard, oauthCard),
  );

  const render = (): void => {
    const all = connections();
    const first = all.length === 0;
    root.classList.toggle("is-welcome", first);
    title.textContent = first ? "Connect your Stripe account" : "Connections";
    lead.textContent = first
      ? "Welcome to Stripe Desk. Choose one of the two ways below. You can start with a test-mode key: nothing real happens in test mode."
      : "The Stripe accounts this computer can work with. The current one is used everywhere in Stripe Desk.";
    addTitle.hidden = first;
    listSection.hidden = first;
    renderList(list, all, state.view?.activeId ?? null);
  };
  subscribe("connections", render);
  render();

  setOnSaved((saved) => {
    cardResults.delete(saved.id);
    const card = list.querySelector<HTMLElement>(`.connection-card[data-id="${CSS.escape(saved.id)}"]`);
    if (card) {
      card.scrollIntoView({ block: "nearest" });
      card.focus();
    }
  });

  return root;
}

function renderList(list: HTMLElement, all: ConnectionSummary[], activeId: string | null): void {
  const focusedId = (document.activeElement?.closest(".connection-card") as HTMLElement | null)?.dataset.id;
  clear(list);
  for (const id of Array.from(cardResults.keys())) {
    if (!all.some((c) => c.id === id)) cardResults.delete(id);
  }
  // The current one first, then as the backend orders them.
  const ordered = [...all].sort((a, b) => Number(b.id === activeId) - Number(a.id === activeId));
  for (const c of ordered) list.appendChild(card(c, c.id === activeId));
  if (focusedId) {
    list.querySelector<HTMLElement>(`.connection-card[data-id="${CSS.escape(focusedId)}"]`)?.focus();
  }
}

function card(c: ConnectionSummary, active: boolean): HTMLElement {
  const result = h("div", { class: "result card-result", attrs: { "aria-live": "polite", hidden: true } });
  const perms = h("ul", { class: "permissions compact", attrs: { hidden: true } });
  const showTest = (t: ConnectionTest): void => {
    clear(result);
    result.className = `result card-result ${t.available ? "is-ok" : "is-error"}`;
    result.append(
      h("span", { class: "result-icon", text: t.available ? "✓" : "✗", attrs: { "aria-hidden": "true" } }),
      errorText(t.headline, t.requestId),
    );
    result.hidden = false;
    renderPermissions(perms, t.permissions);
  };
  const showError = (err: AppError): void => {
    clear(result);
    result.className = "result card-result is-error";
    result.setAttribute("role", "alert");
    result.append(h("span", { class: "result-icon", text: "✗", attrs: { "aria-hidden": "true" } }), errorText(err.message, err.request_id));
    result.hidden = false;
  };
  const kept = cardResults.get(c.id);
  if (kept?.test) showTest(kept.test);
  else if (kept?.error) showError(kept.error);

  const testBtn = h("button", { class: "btn secondary small btn-test", text: "Test", attrs: { type: "button" } });
  const activateBtn = active
    ? null
    : h("button", { class: "btn secondary small btn-activate", text: "Make current", attrs: { type: "button" } });
  const renameBtn = h("button", { class: "btn ghost small btn-rename", text: "Rename", attrs: { type: "button", "aria-expanded": "false" } });
  const accountBtn = h("button", {
    class: "btn ghost small btn-account",
    text: "Connected account…",
    attrs: { type: "button", "aria-expanded": "false", title: "Act for an account connected to this one (Stripe-Account)" },
  });
  // Stripe-Account overrides are for API keys; an OAuth connection already names its account.
  accountBtn.hidden = c.method !== "api_key";
  const removeBtn = h("button", { class: "btn ghost small danger-text btn-remove", text: "Remove", attrs: { type: "button" } });
  const buttons = [testBtn, activateBtn, renameBtn, accountBtn, removeBtn];
  const editSlot = h("div", { class: "card-edit" });

  testBtn.addEventListener("click", () => {
    clear(result);
    result.className = "result card-result is-working";
    result.append(spinner("Testing…"));
    result.hidden = false;
    void busy(buttons, async () => {
      try {
        const t = await call<ConnectionTest>("test_connection", { id: c.id });
        cardResults.set(c.id, { test: t });
        showTest(t);
      } catch (e) {
        const err = toAppError(e);
        cardResults.set(c.id, { error: err });
        showError(err);
      }
    });
  });

  activateBtn?.addEventListener("click", () => {
    void busy(buttons, async () => {
      try {
        setView(await call<ConnectionsView>("set_active_connection", { id: c.id }));
      } catch (e) {
        showError(toAppError(e));
      }
    });
  });

  removeBtn.addEventListener("click", () => {
    const body =
      c.method === "connect_oauth"
        ? `Remove ${c.displayName}? This also disconnects Stripe Desk's app from the Stripe account ${c.accountId}, and the stored credentials are deleted from this computer's keyring. Nothing else in your Stripe account is changed.`
        : `Remove ${c.displayName}? The key is deleted from this computer's keyring. Your Stripe account is not changed.`;
    void confirmDialog({ title: "Remove this connection?", body, yes: "Remove", danger: true }).then((yes) => {
      if (!yes) return;
      void busy(buttons, async () => {
        try {
          // The account's local copy of balance transactions: keep it (the default) or delete it.
          if (await call<boolean>("balances_has_copy", { id: c.id }).catch(() => false)) {
            const drop = await confirmDialog({
              title: "Delete the local copy of balances too?",
              body: `Stripe Desk keeps a copy of ${c.displayName}'s balance transactions on this computer. Keep it for when you connect this account again, or delete it now.`,
              yes: "Delete the copy",
              no: "Keep the copy",
              danger: true,
            });
            if (drop) await call("balances_delete_copy", { id: c.id });
          }
          cardResults.delete(c.id);
          setView(await call<ConnectionsView>("remove_connection", { id: c.id }));
        } catch (e) {
          showError(toAppError(e));
        }
      });
    });
  });

  renameBtn.addEventListener("click", () => {
    toggleEdit(editSlot, renameBtn, accountBtn, () =>
      inlineForm({
        label: "New name",
        help: "Only shown in Stripe Desk.",
        value: c.displayName,
        saveText: "Save name",
        idPrefix: `rename-${c.id}`,
        submit: (value) => call<ConnectionsView>("rename_connection", { id: c.id, name: value }),
        errorParam: "name",
      }),
    );
  });

  accountBtn.addEventListener("click", () => {
    toggleEdit(editSlot, accountBtn, renameBtn, () =>
      inlineForm({
        label: "Connected account ID",
        help: "To work in an account connected to this one (it is sent as Stripe-Account). Starts with acct_. Leave empty to work in this account.",
        value: c.accountOverride ?? "",
        placeholder: "acct_…",
        saveText: "Use this account",
        idPrefix: `account-${c.id}`,
        submit: (value) => call<ConnectionsView>("set_account_override", { id: c.id, accountId: value === "" ? null : value }),
        errorParam: "accountId",
        allowEmpty: true,
      }),
    );
  });

  const tags: HTMLElement[] = [];
  if (active) tags.push(h("span", { class: "tag tag-current", text: "Current" }));
  if (c.restricted) tags.push(h("span", { class: "tag", text: "Restricted key" }));
  if (c.sessionOnly) tags.push(h("span", { class: "tag tag-warn", text: "This session only", attrs: { title: "Not stored: forgotten when Stripe Desk closes" } }));

  return h(
    "article",
    {
      class: `card connection-card${active ? " is-active" : ""}${c.revoked ? " is-revoked" : ""}`,
      data: { id: c.id },
      attrs: { tabindex: "-1", "aria-label": `${c.displayName}${active ? " (current)" : ""}` },
    },
    h(
      "div",
      { class: "card-head" },
      h("h3", { class: "card-name", text: c.displayName }),
      modeBadge(c.mode),
      ...tags,
    ),
    h(
      "p",
      { class: "card-meta" },
      h("span", { class: "mono acct", text: c.accountId }),
      h("span", { class: "sep", text: "·", attrs: { "aria-hidden": "true" } }),
      h("span", { class: "method", text: methodText(c) }),
    ),
    c.accountOverride ? h("p", { class: "card-meta", text: `Working in connected account ${c.accountOverride}` }) : null,
    c.revoked ? h("p", { class: "revoked", attrs: { role: "alert" }, text: c.revoked }) : null,
    result,
    perms,
    h("div", { class: "card-actions" }, testBtn, activateBtn, renameBtn, accountBtn, h("span", { class: "spacer" }), removeBtn),
    editSlot,
  );
}

function toggleEdit(slot: HTMLElement, btn: HTMLButtonElement, other: HTMLButtonElement, build: () => HTMLElement): void {
  const open = btn.getAttribute("aria-expanded") === "true";
  clear(slot);
  btn.setAttribute("aria-expanded", "false");
  other.setAttribute("aria-expanded", "false");
  if (open) return;
  const form = build();
  slot.appendChild(form);
  btn.setAttribute("aria-expanded", "true");
  form.querySelector("input")?.focus();
  form.addEventListener("close-edit", () => {
    clear(slot);
    btn.setAttribute("aria-expanded", "false");
    btn.focus();
  });
}

interface InlineFormOptions {
  label: string;
  help: string;
  value: string;
  placeholder?: string;
  saveText: string;
  idPrefix: string;
  submit: (value: string) => Promise<ConnectionsView>;
  errorParam: string;
  allowEmpty?: boolean;
}

function inlineForm(o: InlineFormOptions): HTMLElement {
  const inputId = `${o.idPrefix}-input`;
  const input = h("input", {
    id: inputId,
    class: "input",
    attrs: { type: "text", autocomplete: "off", spellcheck: "false", placeholder: o.placeholder, "aria-describedby": `${inputId}-help ${inputId}-error` },
  });
  input.value = o.value;
  const error = h("p", { id: `${inputId}-error`, class: "field-message", attrs: { hidden: true } });
  const save = h("button", { class: "btn primary small", text: o.saveText, attrs: { type: "submit" } });
  const cancel = h("button", { class: "btn ghost small", text: "Cancel", attrs: { type: "button" } });
  const form = h(
    "form",
    { class: "inline-form", attrs: { novalidate: true } },
    h("label", { class: "label", attrs: { for: inputId } }, o.label),
    h("p", { id: `${inputId}-help`, class: "help", text: o.help }),
    input,
    error,
    h("div", { class: "actions" }, save, cancel),
  );
  const close = (): void => {
    form.dispatchEvent(new Event("close-edit"));
  };
  cancel.addEventListener("click", close);
  form.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") close();
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const value = input.value.trim();
    if (!value && !o.allowEmpty) {
      setMessage(error, `Enter the ${o.label.toLowerCase()}.`, "error");
      input.setAttribute("aria-invalid", "true");
      return;
    }
    void busy([save, cancel], async () => {
      try {
        const view = await o.submit(value);
        setView(view);
      } catch (e) {
        const err = toAppError(e);
        setMessage(error, err.message, "error", err.request_id);
        input.setAttribute("aria-invalid", "true");
        input.focus();
      }
    });
  });
  return form;
}

export { modeWord };
