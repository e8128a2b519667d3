// "Connect with Stripe": the panel that starts and follows a flow, and the
// OAuth app settings screen.

import type { OAuthFlowState } from "./bindings/OAuthFlowState";
import type { OAuthProvider } from "./bindings/OAuthProvider";
import type { OAuthSettingsForm } from "./bindings/OAuthSettingsForm";
import type { RedirectKind } from "./bindings/RedirectKind";
import { busy, clear, errorText, h, setMessage, spinner } from "./dom.js";
import { forwardingPage } from "./forwarding_page.js";
import { navigate, setOAuthFlow, setOAuthSettings, state, subscribe } from "./state.js";
import * as oauthApi from "./api/oauth.js";
import { toAppError } from "./tauri.js";

/** Where Stripe sends the browser back, for the two fixed choices. */
const APP_LINK = "stripe-desk://oauth/callback";
const LOOPBACK_REDIRECT = "http://127.0.0.1/oauth/callback";

export async function loadOAuthSettings(): Promise<void> {
  try {
    setOAuthSettings(await oauthApi.settings());
  } catch {
    setOAuthSettings(null);
  }
}

// ---------------------------------------------------------------------------
// The panel on the Connections screen
// ---------------------------------------------------------------------------

let panel: HTMLElement | null = null;
/** An error from starting the flow, shown until the next state change. */
let startError: string | null = null;
/** It said the OAuth app is not set up: it goes once the settings are complete. */
let startErrorIsSetup = false;

export function connectPanel(): HTMLElement {
  if (!panel) panel = buildConnectPanel();
  return panel;
}

function buildConnectPanel(): HTMLElement {
  const connectBtn = h("button", {
    id: "btn-connect-stripe",
    class: "btn primary stripe",
    text: "Connect with Stripe",
    attrs: { type: "button" },
  });
  const status = h("div", { id: "oauth-status", class: "result", attrs: { "aria-live": "polite", hidden: true } });
  const setupNote = h("p", { class: "help", attrs: { hidden: true } });
  const settingsLink = h("button", {
    id: "nav-oauth-settings",
    class: "btn link",
    text: "OAuth app settings",
    attrs: { type: "button" },
  });
  settingsLink.addEventListener("click", () => navigate("oauth-settings"));

  const root = h(
    "div",
    { class: "stack" },
    h(
      "p",
      { class: "help" },
      "Sign in to Stripe in your browser and approve Stripe Desk. You come back here automatically; no key to copy.",
    ),
    setupNote,
    h("div", { class: "actions" }, connectBtn),
    status,
    h("p", { class: "help small" }, "Uses your Stripe Connect or Stripe Apps OAuth app. ", settingsLink),
  );

  const render = (): void => {
    // Keep keyboard focus inside the panel when its buttons swap.
    const focused = document.activeElement;
    const hadFocus = focused !== null && root.contains(focused);
    renderInner();
    if (!hadFocus) return;
    const cancel = status.querySelector<HTMLButtonElement>("#btn-oauth-cancel");
    if (cancel) cancel.focus();
    else if (focused === connectBtn || !root.contains(focused)) connectBtn.focus();
  };
  const renderInner = (): void => {
    const flow = state.oauthFlow;
    const s = state.oauthSettings;
    const missing = s === null || (s !== undefined && (!s.clientId || !s.clientSecretMasked));
    if (!missing && startErrorIsSetup) startError = null;
    setupNote.hidden = !missing;
    setupNote.textContent = missing
      ? "First tell Stripe Desk about your OAuth app (client ID and secret) in the OAuth app settings below."
      : "";
    connectBtn.hidden = flow.state === "waiting";
    clear(status);
    status.className = "result";
    if (flow.state === "waiting") {
      const cancel = h("button", { id: "btn-oauth-cancel", class: "btn secondary small", text: "Cancel", attrs: { type: "button" } });
      cancel.addEventListener("click", () => {
        void busy([cancel], async () => {
          try {
            setOAuthFlow(await oauthApi.cancel());
          } catch (e) {
            startError = toAppError(e).message;
            render();
          }
        });
      });
      status.classList.add("is-working");
      status.append(spinner(flow.message ?? "Waiting for Stripe… Finish in your browser."), cancel);
      status.hidden = false;
    } else if (startError) {
      status.classList.add("is-error");
      status.append(h("span", { class: "result-icon", text: "✗", attrs: { "aria-hidden": "true" } }), h("span", { text: startError }));
      status.setAttribute("role", "alert");
      status.hidden = false;
    } else if (flow.state === "finished" && flow.message) {
      status.classList.add("is-ok");
      status.append(h("span", { class: "result-icon", text: "✓", attrs: { "aria-hidden": "true" } }), h("span", { text: flow.message }));
      status.hidden = false;
    } else if (flow.state === "failed" && flow.message) {
      status.classList.add("is-error");
      status.append(h("span", { class: "result-icon", text: "✗", attrs: { "aria-hidden": "true" } }), h("span", { text: flow.message }));
      status.setAttribute("role", "alert");
      status.hidden = false;
    } else {
      status.hidden = true;
    }
    if (!status.classList.contains("is-error")) status.setAttribute("role", "status");
  };

  connectBtn.addEventListener("click", () => {
    startError = null;
    void busy([connectBtn], async () => {
      try {
        setOAuthFlow(await oauthApi.start());
      } catch (e) {
        const err = toAppError(e);
        startError = err.message;
        startErrorIsSetup = err.code === "oauth_not_set_up";
        render();
      }
    });
  });

  subscribe("oauth", () => {
    if (state.oauthFlow.state === "waiting") startError = null;
    render();
  });
  render();
  return root;
}

/** A flow state arrived (event or load): remember it; a finished flow leads to Connections. */
export function onFlowState(flow: OAuthFlowState): void {
  startError = null;
  if (setOAuthFlow(flow) && flow.state === "finished") navigate("connections");
}

// ---------------------------------------------------------------------------
// The OAuth app settings screen
// ---------------------------------------------------------------------------

export function oauthSettingsScreen(): HTMLElement {
  const s = state.oauthSettings ?? null;
  let provider: OAuthProvider = s?.provider ?? "connect";

  const radio = (value: OAuthProvider, label: string, help: string): HTMLElement => {
    const input = h("input", {
      id: `oauth-provider-${value}`,
      attrs: { type: "radio", name: "oauth-provider", value, "aria-describedby": `oauth-provider-${value}-help` },
    });
    input.checked = provider === value;
    input.addEventListener("change", () => {
      if (input.checked) {
        provider = value;
        renderProvider();
      }
    });
    return h(
      "div",
      { class: "radio-row" },
      input,
      h(
        "div",
        {},
        h("label", { attrs: { for: `oauth-provider-${value}` } }, label),
        h("p", { id: `oauth-provider-${value}-help`, class: "help", text: help }),
      ),
    );
  };

  const clientId = h("input", {
    id: "oauth-client-id",
    class: "input mono",
    attrs: { type: "text", autocomplete: "off", spellcheck: "false", "aria-describedby": "oauth-client-id-help oauth-client-id-message" },
  });
  clientId.value = s?.clientId ?? "";
  const clientIdHelp = h("p", { id: "oauth-client-id-help", class: "help" });
  const clientIdError = h("p", { id: "oauth-client-id-message", class: "field-message", attrs: { hidden: true } });

  const secret = h("input", {
    id: "oauth-client-secret",
    class: "input mono",
    attrs: {
      type: "password",
      autocomplete: "off",
      spellcheck: "false",
      "aria-describedby": "oauth-client-secret-help oauth-client-secret-message",
    },
  });
  const secretHelp = h("p", { id: "oauth-client-secret-help", class: "help" });
  const secretError = h("p", { id: "oauth-client-secret-message", class: "field-message", attrs: { hidden: true } });
  const storedSecret = h("p", { id: "oauth-client-secret-stored", class: "help stored", attrs: { hidden: true } });
  const showMasked = (masked: string | null): void => {
    storedSecret.hidden = !masked;
    storedSecret.textContent = masked ? `Stored: ${masked}. Leave the field empty to keep it.` : "";
    secret.placeholder = masked ? "Leave empty to keep the stored secret" : "sk_test_… or sk_live_…";
  };
  showMasked(s?.clientSecretMasked ?? null);

  const scopeLabel = h("label", { class: "label", attrs: { for: "oauth-scope" } }, "Scope");
  const scopeHelp = h("p", { id: "oauth-scope-help", class: "help" });
  const scopeError = h("p", { id: "oauth-scope-message", class: "field-message", attrs: { hidden: true } });
  const scopeSlot = h("div", {});
  let scopeEl: HTMLInputElement | HTMLSelectElement;
  let connectScope = s?.provider === "connect" ? s.scope : "read_write";
  let appsScope = s?.provider === "apps" ? s.scope : "";

  // Where Stripe sends the browser back: the app link, (test mode) a
  // listener on this computer, or (live mode) the user's HTTPS page that
  // forwards to the app link. Saved with the form below.
  let redirectKind: RedirectKind = s?.redirect ?? "app_link";
  let forwardingAddress = s?.redirect === "forwarding_page" ? s.redirectUri : "";
  const redirectChoice = (kind: RedirectKind, label: string, help: string): HTMLElement => {
    const input = h("input", {
      id: `oauth-redirect-${kind}`,
      attrs: {
        type: "radio",
        name: "oauth-redirect-kind",
        value: kind,
        "aria-describedby": `oauth-redirect-${kind}-help oauth-redirect-kind-message`,
      },
    });
    input.checked = redirectKind === kind;
    input.addEventListener("change", () => {
      if (!input.checked) return;
      redirectKind = kind;
      setMessage(redirectKindError, null);
      renderRedirect();
    });
    return h(
      "div",
      { class: "radio-row" },
      input,
      h(
        "div",
        {},
        h("label", { attrs: { for: `oauth-redirect-${kind}` } }, label),
        h("p", { id: `oauth-redirect-${kind}-help`, class: "help", text: help }),
      ),
    );
  };
  const redirectKindError = h("p", { id: "oauth-redirect-kind-message", class: "field-message", attrs: { hidden: true } });
  const redirectLabel = h("label", { class: "label", attrs: { for: "oauth-redirect" } });
  const redirectHelp = h("p", { id: "oauth-redirect-help", class: "help" });
  const redirect = h("input", {
    id: "oauth-redirect",
    class: "input mono",
    attrs: { type: "text", autocomplete: "off", spellcheck: "false", "aria-describedby": "oauth-redirect-help oauth-redirect-message" },
  });
  redirect.addEventListener("input", () => {
    if (redirectKind === "forwarding_page") forwardingAddress = redirect.value;
  });
  const redirectError = h("p", { id: "oauth-redirect-message", class: "field-message", attrs: { hidden: true } });
  const copyBtn = h("button", { id: "btn-copy-redirect", class: "btn secondary small", text: "Copy", attrs: { type: "button" } });
  const copyMsg = h("span", { class: "copy-msg", attrs: { role: "status" } });
  copyBtn.addEventListener("click", () => void copyText(redirect, copyMsg));

  // The page itself, for the user (or their web person) to put online.
  const pageText = h("textarea", {
    id: "oauth-forwarding-page",
    class: "input mono page-source",
    attrs: { readonly: true, rows: "8", spellcheck: "false", "aria-describedby": "oauth-forwarding-page-help" },
  });
  pageText.value = forwardingPage(APP_LINK);
  const copyPageBtn = h("button", { id: "btn-copy-page", class: "btn secondary small", text: "Copy page", attrs: { type: "button" } });
  const copyPageMsg = h("span", { class: "copy-msg", attrs: { role: "status" } });
  copyPageBtn.addEventListener("click", () => void copyText(pageText, copyPageMsg));
  const pageBlock = h(
    "div",
    { id: "oauth-forwarding-page-block", class: "field page-block" },
    h("label", { class: "label", attrs: { for: "oauth-forwarding-page" } }, "The forwarding page"),
    h(
      "p",
      { id: "oauth-forwarding-page-help", class: "help" },
      "Save this as an HTML file on your website at the address above. It passes Stripe's answer on to Stripe Desk, " +
        "and loads nothing from anywhere else.",
    ),
    pageText,
    h("div", { class: "actions" }, copyPageBtn, copyPageMsg),
  );

  function renderRedirect(): void {
    const forwarding = redirectKind === "forwarding_page";
    redirect.readOnly = !forwarding;
    redirect.placeholder = forwarding ? "https://example.com/stripe-desk/callback" : "";
    redirect.value = forwarding ? forwardingAddress : redirectKind === "loopback" ? LOOPBACK_REDIRECT : APP_LINK;
    redirectLabel.textContent = forwarding ? "Address of your forwarding page" : "Redirect URL";
    redirectHelp.textContent = forwarding
      ? "The https:// address where you put the page below. Register this address with Stripe."
      : "Stripe sends you back to Stripe Desk at this address after you approve.";
    setMessage(redirectError, null);
    redirect.removeAttribute("aria-invalid");
    pageBlock.hidden = !forwarding;
  }
  renderRedirect();

  const saveBtn = h("button", { id: "btn-save-oauth", class: "btn primary", text: "Save settings", attrs: { type: "submit" } });
  const result = h("div", { id: "oauth-settings-status", class: "result", attrs: { "aria-live": "polite", hidden: true } });
  const back = h("button", { class: "btn link", text: "← Back to Connections", attrs: { type: "button" } });
  back.addEventListener("click", () => navigate("connections"));

  function renderProvider(): void {
    if (scopeEl) {
      if (scopeEl instanceof HTMLSelectElement) connectScope = scopeEl.value;
      else appsScope = scopeEl.value;
    }
    clear(scopeSlot);
    if (provider === "connect") {
      clientId.placeholder = "ca_…";
      clientIdHelp.textContent =
        "Starts with ca_. Find it in the Stripe Dashboard under Settings > Connect > Onboarding options > OAuth.";
      secretHelp.textContent =
        "Your platform's secret key (sk_…) from Developers > API keys. It stays in this computer's keyring.";
      const sel = h(
        "select",
        { id: "oauth-scope", class: "input", attrs: { "aria-describedby": "oauth-scope-help oauth-scope-message" } },
        h("option", { text: "read_write: view and change data", attrs: { value: "read_write" } }),
        h("option", { text: "read_only: only view data", attrs: { value: "read_only" } }),
      );
      sel.value = connectScope === "read_only" ? "read_only" : "read_write";
      scopeHelp.textContent = "What Stripe Desk may do in the connected account. Choose read_only if you only look things up.";
      scopeEl = sel;
    } else {
      clientId.placeholder = "Your Stripe App's client ID";
      clientIdHelp.textContent = "Your Stripe App's OAuth client ID, from the app's settings in the Stripe Dashboard.";
      secretHelp.textContent =
        "The secret key (sk_…) of the account that owns the app, from Developers > API keys. It stays in this computer's keyring.";
      const inp = h("input", {
        id: "oauth-scope",
        class: "input mono",
        attrs: { type: "text", autocomplete: "off", spellcheck: "false", placeholder: "optional", "aria-describedby": "oauth-scope-help oauth-scope-message" },
      });
      inp.value = appsScope;
      scopeHelp.textContent =
        "Optional. Stripe Apps take their permissions from the app's manifest; leave this empty unless you were told otherwise.";
      scopeEl = inp;
    }
    scopeSlot.appendChild(scopeEl);
  }
  renderProvider();

  const form = h(
    "form",
    { id: "oauth-form", class: "stack", attrs: { novalidate: true, autocomplete: "off" } },
    h(
      "fieldset",
      { class: "field" },
      h("legend", { class: "label", text: "Kind of OAuth app" }),
      radio("connect", "Stripe Connect OAuth", "A Connect platform: Stripe Desk acts on accounts connected to your platform."),
      radio("apps", "Stripe Apps OAuth", "A Stripe App installed in an account from the Stripe App Marketplace."),
    ),
    h(
      "div",
      { class: "field" },
      h("label", { class: "label", attrs: { for: "oauth-client-id" } }, "Client ID"),
      clientIdHelp,
      clientId,
      clientIdError,
    ),
    h(
      "div",
      { class: "field" },
      h("label", { class: "label", attrs: { for: "oauth-client-secret" } }, "Client secret"),
      secretHelp,
      secret,
      storedSecret,
      secretError,
    ),
    h("div", { class: "field" }, scopeLabel, scopeHelp, scopeSlot, scopeError),
    h("div", { class: "actions" }, saveBtn),
    result,
  );

  const errors: Record<string, [HTMLElement, () => HTMLElement]> = {
    redirect: [redirectKindError, () => document.getElementById(`oauth-redirect-${redirectKind}`) ?? redirect],
    forwardingPage: [redirectError, () => redirect],
    clientId: [clientIdError, () => clientId],
    clientSecret: [secretError, () => secret],
    scope: [scopeError, () => scopeEl],
  };
  const clearErrors = (): void => {
    for (const [el, field] of Object.values(errors)) {
      setMessage(el, null);
      field().removeAttribute("aria-invalid");
    }
  };

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearErrors();
    result.hidden = true;
    const secretValue = secret.value.trim();
    void busy([saveBtn], async () => {
      try {
        const form: OAuthSettingsForm = {
          provider,
          clientId: clientId.value.trim(),
          clientSecret: secretValue === "" ? null : secretValue,
          scope: scopeEl.value.trim(),
          redirect: redirectKind,
          forwardingPage: redirectKind === "forwarding_page" ? forwardingAddress.trim() : null,
        };
        const saved = await oauthApi.saveSettings(form);
        secret.value = "";
        showMasked(saved.clientSecretMasked);
        redirect.value = saved.redirectUri;
        if (saved.redirect === "forwarding_page") forwardingAddress = saved.redirectUri;
        setOAuthSettings(saved);
        clear(result);
        result.className = "result is-ok";
        result.append(
          h("span", { class: "result-icon", text: "✓", attrs: { "aria-hidden": "true" } }),
          h("span", { text: "Saved. You can now use “Connect with Stripe” on the Connections screen." }),
        );
        result.hidden = false;
      } catch (e) {
        const err = toAppError(e);
        const target = err.param ? errors[err.param] : undefined;
        if (target) {
          setMessage(target[0], err.message, "error", err.request_id);
          const field = target[1]();
          field.setAttribute("aria-invalid", "true");
          // The field may be far above the Save button: bring its message into view.
          field.focus({ preventScroll: true });
          target[0].scrollIntoView({ block: "center" });
        } else {
          clear(result);
          result.className = "result is-error";
          result.setAttribute("role", "alert");
          result.append(h("span", { class: "result-icon", text: "✗", attrs: { "aria-hidden": "true" } }), errorText(err.message, err.request_id));
          result.hidden = false;
        }
      }
    });
  });

  return h(
    "section",
    { class: "screen", attrs: { "aria-labelledby": "screen-title" } },
    h("div", { class: "crumbs" }, back),
    h("h1", { id: "screen-title", class: "screen-title", text: "OAuth app settings", attrs: { tabindex: "-1" } }),
    h(
      "p",
      { class: "lead" },
      "“Connect with Stripe” signs you in through an OAuth app that you or your developer registered with Stripe. Enter its details once.",
    ),
    h(
      "div",
      { class: "narrow stack" },
      h(
        "section",
        { class: "card", attrs: { "aria-labelledby": "oauth-redirect-title" } },
        h("h2", { id: "oauth-redirect-title", class: "card-title" }, h("span", { class: "path-num", text: "1" }), "Register the redirect URL"),
        h(
          "fieldset",
          { class: "field" },
          h("legend", { class: "label" }, "Where Stripe sends you back"),
          redirectChoice("app_link", "Straight into Stripe Desk (test mode)", "The app's own link, stripe-desk://oauth/callback."),
          redirectChoice("loopback", "Through this computer (test mode)", "Stripe Desk listens on 127.0.0.1 for the moment you connect; any port is used."),
          redirectChoice(
            "forwarding_page",
            "Through your own HTTPS page (live mode)",
            "A small page on your website passes Stripe's answer on to Stripe Desk.",
          ),
          redirectKindError,
        ),
        h("div", { class: "field" }, redirectLabel, redirectHelp, h("div", { class: "input-row" }, redirect, copyBtn), redirectError, copyMsg),
        pageBlock,
        h(
          "p",
          { class: "explain" },
          "Register the address above in your Stripe Dashboard. In live mode Stripe only accepts HTTPS addresses, " +
            "so live mode needs a small HTTPS page that forwards Stripe's answer to stripe-desk://oauth/callback; " +
            "in test mode Stripe also accepts the app link and http://127.0.0.1 addresses.",
        ),
      ),
      h(
        "section",
        { class: "card", attrs: { "aria-labelledby": "oauth-form-title" } },
        h("h2", { id: "oauth-form-title", class: "card-title" }, h("span", { class: "path-num", text: "2" }), "Your OAuth app"),
        form,
      ),
    ),
  );
}

async function copyText(field: HTMLInputElement | HTMLTextAreaElement, msg: HTMLElement): Promise<void> {
  const text = field.value;
  let ok = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      ok = true;
    }
  } catch {
    ok = false;
  }
  if (!ok) {
    // Fallback: select the read-only field and use the old copy command.
    field.focus();
    field.select();
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
  }
  msg.textContent = ok ? "Copied." : "Select the address and press Ctrl+C to copy it.";
  msg.className = ok ? "copy-msg is-ok" : "copy-msg is-hint";
}
