// The Connections screen: on first launch a welcome with the two ways to
// connect; afterwards the saved connections as cards, then "Add a connection".

import type { AppError } from "./bindings/AppError";
import type { ConnectionSummary } from "./bindings/ConnectionSummary";
import type { ConnectionTest } from "./bindings/ConnectionTest";
import type { ConnectionsView } from "./bindings/ConnectionsView";
import { confirmDialog } from "./dialog.js";
import { busy, clear, errorText, h, setMessage, spinner } from "./dom.js";
import { keyForm, modeWord, renderPermissions, setOnSaved } from "./keyform.js";
import { keyGuide } from "./keyguide.js";
import { connectPanel } from "./oauth.js";
import { connections, setView, state, subscribe } from "./state.js";
import * as appApi from "./api/app.js";
import * as balancesApi from "./api/balances.js";
import * as connectionsApi from "./api/connections.js";
import { toAppError } from "./tauri.js";

let screen: HTMLElement | null = null;
/** Shows (or, with null, clears) what the last removal did. */
let showRemoved: (text: string | null) => void = () => {};

/** Test results of saved connections, kept across redraws of the list. */
const cardResults = new Map<string, { test?: ConnectionTest; error?: AppError }>();

/** Says, on the first screen, that the sample account was left. */
export let showSampleLeft = (): void => undefined;

/** "Leave the sample account" (the banner's, and the sample's Connections
 * screen's): a failure is said by `failed`, next to the button. */
export function leaveSampleButton(id: string, classes: string, failed: (err: AppError) => void): HTMLButtonElement {
  const leave = h("button", { id, class: classes, text: "Leave the sample account", attrs: { type: "button" } });
  leave.addEventListener("click", () => {
    void busy([leave], async () => {
      try {
        await (await import("./sample.js")).leaveSample();
      } catch (e) {
        failed(toAppError(e));
      }
    });
  });
  return leave;
}

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
  const openKeys = h("button", {
    id: "btn-open-api-keys",
    class: "btn secondary small",
    text: "Open Stripe's API keys page",
    attrs: { type: "button", title: "Opens your Stripe Dashboard in your web browser" },
  });
  const openKeysMessage = h("p", { class: "field-message", attrs: { hidden: true } });
  openKeys.addEventListener("click", () => {
    void appApi.openDashboard("https://dashboard.stripe.com/test/apikeys").catch((e) =>
      setMessage(openKeysMessage, toAppError(e).message, "error"),
    );
  });
  const keyCard = h(
    "section",
    { class: "card path-card key-path", attrs: { "aria-labelledby": "path-key-title" } },
    h("h2", { id: "path-key-title", class: "card-title" }, "Paste your API key"),
    h(
      "ol",
      { class: "key-steps" },
      h("li", {}, "In your Stripe Dashboard, open Developers, then API keys. ", openKeys, openKeysMessage),
      h("li", {}, "Copy the secret key, or create a restricted key that may do only what you need: “Create a key for Stripe Desk” below tells you what to allow."),
      h("li", {}, "Paste it here. Start with a test-mode key (it begins sk_test_ or rk_test_): nothing real happens in test mode."),
    ),
    keyGuide().root,
    form.root,
  );
  // Trying the app before pasting anything: the demo shop, inside the app.
  const explore = h("button", { id: "btn-explore-sample", class: "btn secondary", text: "Explore with sample data", attrs: { type: "button" } });
  const exploreMessage = h("p", { id: "explore-sample-message", class: "field-message", attrs: { role: "status" } });
  explore.addEventListener("click", () => {
    void busy([explore], async () => {
      setMessage(exploreMessage, "Opening the sample account…", "hint");
      try {
        await (await import("./sample.js")).exploreSample();
        setMessage(exploreMessage, null);
      } catch (e) {
        const err = toAppError(e);
        setMessage(exploreMessage, err.message, "error", err.request_id);
      }
    });
  });
  const sampleOffer = h(
    "div",
    { id: "sample-path", class: "sample-offer", attrs: { role: "group", "aria-labelledby": "sample-offer-text" } },
    h("p", { id: "sample-offer-text", class: "sample-offer-text" }, h("strong", { text: "Not ready to connect yet? " }), "Try Stripe Desk with a made-up coffee shop. It stays on this computer and never reaches Stripe."),
    explore,
    exploreMessage,
  );
  // In the sample account, connecting is for after leaving it.
  const leaveMessage = h("p", { class: "field-message", attrs: { role: "status" } });
  const leave = leaveSampleButton("btn-leave-sample-here", "btn secondary small", (err) => setMessage(leaveMessage, err.message, "error", err.request_id));
  const sampleNote = h(
    "div",
    { id: "sample-note", class: "sample-offer" },
    h("p", { class: "sample-offer-text", text: "This is the sample account. To connect your own Stripe account, leave it first." }),
    leave,
    leaveMessage,
  );
  // Said once the person is back: where the sample went.
  showSampleLeft = (): void => setMessage(exploreMessage, "You left the sample account. Nothing of it reached Stripe, and you can explore it again at any time.", "ok");

  // OAuth needs an OAuth app of one's own (client ID, secret, redirect):
  // a platform's or a developer's path, folded away from a shop owner's.
  const oauthCard = h(
    "details",
    { id: "oauth-path", class: "card path-card oauth-path" },
    h("summary", { id: "path-oauth-title", class: "card-title" }, "For platforms and developers: Connect with Stripe"),
    h(
      "p",
      { class: "help" },
      "If you run a Stripe Connect platform or built a Stripe App, you can connect accounts through your own OAuth app instead of a key.",
    ),
    connectPanel(),
  );
  // A flow in progress, or an OAuth app already set up, keeps it open.
  const openOAuthWhenInUse = (): void => {
    const s = state.oauthSettings;
    if (state.oauthFlow.state !== "idle" || (s && s.clientId)) oauthCard.open = true;
  };
  subscribe("oauth", openOAuthWhenInUse);
  openOAuthWhenInUse();

  // What the last removal did, until the list changes again otherwise.
  const removedNote = h("p", { id: "connections-removed", class: "result is-ok", attrs: { role: "status", hidden: true } });
  showRemoved = (text: string | null): void => {
    removedNote.textContent = text ? `✓ ${text}` : "";
    removedNote.hidden = !text;
  };

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
    sampleOffer,
    notice,
    removedNote,
    listSection,
    addTitle,
    sampleNote,
    keyCard,
    oauthCard,
  );

  const render = (): void => {
    const all = connections();
    const first = all.length === 0;
    root.classList.toggle("is-welcome", first);
    title.textContent = first ? "Connect your Stripe account" : "Connections";
    lead.textContent = first
      ? "Welcome to Stripe Desk. To work with your Stripe account, paste an API key from your Stripe Dashboard: it stays in this computer's keyring."
      : "The Stripe accounts this computer can work with. The current one is used everywhere in Stripe Desk.";
    const sample = state.info?.sample ?? false;
    addTitle.hidden = first || sample;
    listSection.hidden = first;
    sampleOffer.hidden = !first;
    sampleNote.hidden = !sample;
    keyCard.hidden = sample;
    oauthCard.hidden = sample;
    // Cards are drawn again only when what they show changed: a broadcast
    // that changes nothing must not replace a card under a click.
    const activeId = state.view?.activeId ?? null;
    const drawnFor = JSON.stringify([all, activeId]);
    if (drawnFor !== listDrawnFor) {
      listDrawnFor = drawnFor;
      renderList(list, all, activeId);
    }
  };
  let listDrawnFor = "";
  subscribe("connections", render);
  subscribe("info", render);
  render();

  setOnSaved((saved) => {
    showRemoved(null);
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
    attrs: { type: "button", "aria-expanded": "false", title: "Work in an account connected to this one through Stripe Connect" },
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
        const t = await connectionsApi.test(c.id);
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
        setView(await connectionsApi.activate(c.id));
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
          if (await balancesApi.hasCopy(c.id).catch(() => false)) {
            const drop = await confirmDialog({
              title: "Delete the local copy of balances too?",
              body: `Stripe Desk keeps a copy of ${c.displayName}'s balance transactions on this computer. Keep it for when you connect this account again, or delete it now.`,
              yes: "Delete the copy",
              no: "Keep the copy",
              danger: true,
            });
            if (drop) await balancesApi.deleteCopy(c.id);
          }
          cardResults.delete(c.id);
          setView(await connectionsApi.remove(c.id));
          showRemoved(
            c.method === "connect_oauth"
              ? `Removed ${c.displayName}: Stripe Desk is disconnected from it and its credentials were deleted from this computer.`
              : `Removed ${c.displayName}: its key was deleted from this computer's keyring.`,
          );
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
        submit: (value) => connectionsApi.rename(c.id, value),
        errorParam: "name",
      }),
    );
  });

  accountBtn.addEventListener("click", () => {
    toggleEdit(editSlot, accountBtn, renameBtn, () =>
      inlineForm({
        label: "Connected account ID",
        help: "To work in an account connected to yours through Stripe Connect. Its ID starts with acct_ and is on the account's page in your Stripe Dashboard, under Connect. Leave empty to work in this account.",
        value: c.accountOverride ?? "",
        placeholder: "acct_…",
        saveText: "Use this account",
        idPrefix: `account-${c.id}`,
        submit: (value) => connectionsApi.overrideAccount(c.id, value === "" ? null : value),
        errorParam: "accountId",
        allowEmpty: true,
      }),
    );
  });

  const tags: HTMLElement[] = [];
  if (active) tags.push(h("span", { class: "tag tag-current", text: "Current" }));
  if (c.restricted) tags.push(h("span", { class: "tag tag-restricted", text: "Restricted key" }));
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
      h("h2", { class: "card-name", text: c.displayName }),
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
    c.accountOverride
      ? h("p", {
          class: "card-meta",
          text: `Working in connected account ${c.accountOverrideName ? `${c.accountOverrideName} (${c.accountOverride})` : c.accountOverride}`,
        })
      : null,
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
