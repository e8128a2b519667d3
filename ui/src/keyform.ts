// "Paste an API key": the key field, its instant check, Test and Save.
// Built once and kept, so what the user typed survives redraws; the field is
// cleared only after a successful save.

import type { AppError } from "./bindings/AppError";
import type { ConnectionTest } from "./bindings/ConnectionTest";
import type { ConnectionSummary } from "./bindings/ConnectionSummary";
import type { KeyCheck } from "./bindings/KeyCheck";
import type { KeyGuideCheck } from "./bindings/KeyGuideCheck";
import type { PermissionCheck } from "./bindings/PermissionCheck";
import type { SaveKeyOutcome } from "./bindings/SaveKeyOutcome";
import type { WhenAlreadySaved } from "./bindings/WhenAlreadySaved";
import { chooseDialog } from "./dialog.js";
import { busy, clear, errorText, h, setMessage, spinner } from "./dom.js";
import { keyGuide } from "./keyguide.js";
import { keyringAvailable, setView, state, subscribe } from "./state.js";
import * as connectionsApi from "./api/connections.js";
import { toAppError, windowError } from "./tauri.js";

const HELP_KEYRING = "Stripe Desk keeps it in your computer's keyring, never in a file.";
const HELP_NO_KEYRING = "It begins sk_ or rk_.";

export interface KeyForm {
  root: HTMLElement;
  focus(): void;
}

let form: KeyForm | null = null;

/** Called after a successful save, with the new connection. */
let onSaved: (c: ConnectionSummary) => void = () => {};
export function setOnSaved(fn: (c: ConnectionSummary) => void): void {
  onSaved = fn;
}

export function keyForm(): KeyForm {
  if (!form) form = buildKeyForm();
  return form;
}

export function modeWord(mode: string | null): string {
  return mode === "live" ? "live mode" : mode === "test" ? "test mode" : "";
}

function buildKeyForm(): KeyForm {
  const input = h("input", {
    id: "key-input",
    class: "input mono",
    attrs: {
      type: "password",
      name: "stripe-key",
      autocomplete: "off",
      autocapitalize: "off",
      autocorrect: "off",
      spellcheck: "false",
      placeholder: "sk_test_… or rk_live_…",
      "aria-describedby": "key-help key-message key-missing",
    },
  });
  const showBtn = h("button", {
    id: "btn-show-key",
    class: "btn ghost small",
    text: "Show",
    attrs: { type: "button", "aria-pressed": "false", "aria-controls": "key-input", title: "Show or hide the key" },
  });
  const help = h("p", { id: "key-help", class: "help", text: HELP_KEYRING });
  const message = h("p", { id: "key-message", class: "field-message", attrs: { hidden: true } });
  // What the key still lacks for what was chosen in "Create a key for Stripe Desk".
  const missing = h("div", { id: "key-missing", class: "key-missing", attrs: { hidden: true } });

  const keyringNote = h("div", { id: "keyring-note", class: "note warn", attrs: { hidden: true } });
  const sessionOnly = h("input", { id: "session-only", attrs: { type: "checkbox", name: "session-only" } });
  const sessionRow = h(
    "div",
    { id: "session-only-row", class: "check-row", attrs: { hidden: true } },
    sessionOnly,
    h("label", { attrs: { for: "session-only" } }, "Use for this session only"),
  );

  const testBtn = h("button", { id: "btn-test-key", class: "btn secondary", text: "Test connection", attrs: { type: "button" } });
  const saveBtn = h("button", { id: "btn-save-key", class: "btn primary", text: "Save connection", attrs: { type: "submit" } });
  const result = h("div", { id: "test-result", class: "result", attrs: { "aria-live": "polite", hidden: true } });
  const perms = h("ul", { id: "permission-list", class: "permissions", attrs: { hidden: true, "aria-label": "What this key is allowed to do" } });

  const root = h(
    "form",
    { id: "key-form", class: "stack", attrs: { novalidate: true, autocomplete: "off" } },
    h(
      "div",
      { class: "field" },
      h("label", { class: "label", attrs: { for: "key-input" } }, "Secret or restricted API key"),
      help,
      h("div", { class: "input-row" }, input, showBtn),
      message,
      missing,
    ),
    keyringNote,
    sessionRow,
    h("div", { class: "actions" }, testBtn, saveBtn),
    result,
    perms,
  );

  // --- keyring: without one, the key can only be used for this session ---
  const applyKeyring = (): void => {
    const info = state.info;
    const ok = keyringAvailable();
    help.textContent = ok ? HELP_KEYRING : HELP_NO_KEYRING;
    keyringNote.hidden = ok;
    sessionRow.hidden = ok;
    if (!ok) {
      const problem = info?.keyring.problem ?? "no keyring service found";
      keyringNote.textContent =
        `Stripe Desk cannot use this computer's keyring (${problem}), so it cannot store your key safely. ` +
        "You can still use it for this session only; it will not be written to disk.";
      if (!sessionRow.dataset.touched) sessionOnly.checked = true;
    } else {
      sessionOnly.checked = false;
    }
    saveLabel();
  };
  const saveLabel = (): void => {
    saveBtn.textContent = !keyringAvailable() && sessionOnly.checked ? "Connect for this session" : "Save connection";
  };
  sessionOnly.addEventListener("change", () => {
    sessionRow.dataset.touched = "1";
    saveLabel();
  });
  subscribe("info", applyKeyring);
  applyKeyring();

  // --- show / hide ---
  showBtn.addEventListener("click", () => {
    const showing = input.type === "text";
    input.type = showing ? "password" : "text";
    showBtn.textContent = showing ? "Show" : "Hide";
    showBtn.setAttribute("aria-pressed", showing ? "false" : "true");
    input.focus();
  });

  // --- instant check while typing (debounced, newest answer wins) ---
  let timer: number | undefined;
  let seq = 0;
  const classify = async (): Promise<void> => {
    const mine = ++seq;
    const key = input.value.trim();
    if (!key) {
      setMessage(message, null);
      input.removeAttribute("aria-invalid");
      return;
    }
    try {
      const check = await connectionsApi.classifyKey(key);
      // A verdict belongs to the text it judged.
      if (mine !== seq || input.value.trim() !== key) return;
      showCheck(check);
    } catch (e) {
      if (mine !== seq) return;
      showKeyError(toAppError(e));
    }
  };
  const showCheck = (check: KeyCheck): void => {
    if (check.valid) {
      input.removeAttribute("aria-invalid");
      const kind = check.restricted ? "Restricted key" : "Secret key";
      const mode = modeWord(check.mode);
      setMessage(message, mode ? `${kind}, ${mode}` : kind, "hint");
    } else {
      input.setAttribute("aria-invalid", "true");
      setMessage(message, check.message ?? "This does not look like a Stripe secret or restricted key.", "error");
    }
  };
  const showKeyError = (err: AppError): void => {
    input.setAttribute("aria-invalid", "true");
    setMessage(message, err.message, "error", err.request_id);
  };
  input.addEventListener("input", () => {
    // A result belongs to the key it was made for.
    clearResult();
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void classify(), 150);
  });
  // A click on Test or Save right after pasting must not leave the verdict
  // on the previous text under the field.
  const classifyNow = (): void => {
    window.clearTimeout(timer);
    void classify();
  };
  input.addEventListener("change", classifyNow);

  const clearResult = (): void => {
    savedId = null;
    hideMissing();
    result.hidden = true;
    clear(result);
    result.className = "result";
    perms.hidden = true;
    clear(perms);
  };
  const showResult = (kind: "ok" | "error" | "working", content: Node | string): void => {
    clear(result);
    result.className = `result is-${kind}`;
    const icon = kind === "ok" ? "✓" : kind === "error" ? "✗" : "";
    if (icon) result.appendChild(h("span", { class: "result-icon", text: icon, attrs: { "aria-hidden": "true" } }));
    result.appendChild(typeof content === "string" ? h("span", { class: "result-text", text: content }) : content);
    result.hidden = false;
  };

  const controls = [testBtn, saveBtn, showBtn, sessionOnly];

  // "Saved: …" belongs to the connection it names: gone with it.
  let savedId: string | null = null;
  subscribe("connections", () => {
    if (savedId && !(state.view?.connections ?? []).some((c) => c.id === savedId)) {
      savedId = null;
      clearResult();
    }
  });

  // --- What the key lacks for the guide's goals, at the field ---
  const hideMissing = (): void => {
    missing.hidden = true;
    missing.removeAttribute("role");
    clear(missing);
  };
  // A verdict belongs to the goals it judged.
  keyGuide().onChange(() => {
    if (!missing.hidden) {
      hideMissing();
      input.removeAttribute("aria-invalid");
    }
  });
  const showGuideVerdict = (check: KeyGuideCheck): void => {
    hideMissing();
    if (!check.test.available) return;
    const later = check.later.map((s) => h("p", { class: "help" }, s));
    if (check.missing.length > 0) {
      input.setAttribute("aria-invalid", "true");
      missing.append(
        h("p", { class: "field-message is-error" }, "This key cannot yet do everything you chose:"),
        h("ul", { class: "missing-list" }, ...check.missing.map((m) => h("li", {}, m))),
        h("p", { class: "help" }, "Edit the key's permissions on the API keys page of your Stripe Dashboard, then test it again."),
        ...later,
      );
      missing.setAttribute("role", "alert");
    } else {
      input.removeAttribute("aria-invalid");
      missing.append(h("p", { class: "field-message is-ok" }, "✓ This key can do everything you chose."), ...later);
      missing.setAttribute("role", "status");
    }
    missing.hidden = false;
  };

  // --- Test connection ---
  /** Runs `action` on the typed key with the form busy; a refusal that
   * concerns the key goes under the field, anything else in the result area. */
  const withKey = (working: string, action: (key: string) => Promise<void>): void => {
    classifyNow();
    const key = input.value.trim();
    if (!key) {
      showKeyError(windowError("missing_key", "Paste your secret or restricted key first.", "key"));
      input.focus();
      return;
    }
    clearResult();
    showResult("working", spinner(working));
    input.readOnly = true;
    void busy(controls, async () => {
      try {
        await action(key);
      } catch (e) {
        const err = toAppError(e);
        if (err.param === "key") {
          clearResult();
          showKeyError(err);
          input.focus();
        } else {
          showResult("error", errorText(err.message, err.request_id));
        }
      } finally {
        input.readOnly = false;
      }
    });
  };

  testBtn.addEventListener("click", () => {
    withKey("Testing…", async (key) => {
      const goals = keyGuide().goals();
      if (goals.length === 0) {
        showTest(await connectionsApi.testKey(key));
        return;
      }
      const check = await connectionsApi.checkKeyFor(key, goals);
      showTest(check.test);
      showGuideVerdict(check);
    });
  });

  const showTest = (test: ConnectionTest): void => {
    showResult(test.available ? "ok" : "error", errorText(test.headline, test.requestId));
    renderPermissions(perms, test.permissions);
  };

  // --- Save connection (tests first, on the backend) ---
  root.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const wantSessionOnly = !keyringAvailable() && sessionOnly.checked;
    withKey("Checking the key with Stripe and saving…", async (key) => {
      // With goals chosen, a key that cannot do them is not saved.
      const goals = keyGuide().goals();
      if (goals.length > 0) {
        const check = await connectionsApi.checkKeyFor(key, goals);
        if (!check.ready) {
          showTest(check.test);
          showGuideVerdict(check);
          if (check.test.available) {
            showResult("error", "Not saved: this key cannot yet do everything you chose. What is missing is listed under the key.");
          }
          return;
        }
      }
      const save = (whenSaved: WhenAlreadySaved): Promise<SaveKeyOutcome> =>
        connectionsApi.saveKey(key, wantSessionOnly, whenSaved);
      let outcome = await save("ask");
      if (outcome.outcome === "alreadySaved") {
        // Another key of this account is saved: the person decides.
        const choice = await chooseDialog<WhenAlreadySaved>({
          title: `${outcome.existing.displayName} already has a key saved`,
          body: outcome.question,
          choices: [
            { key: "replace", text: "Replace it", kind: "danger" },
            { key: "keep_both", text: "Keep both", kind: "primary" },
          ],
        });
        if (!choice) {
          showResult("error", "Nothing was saved. The saved key is unchanged.");
          return;
        }
        outcome = await save(choice);
      }
      if (outcome.outcome !== "saved") return;
      const saved = outcome.connection;
      // Only now, after success, does the field forget the key.
      input.value = "";
      input.type = "password";
      showBtn.textContent = "Show";
      showBtn.setAttribute("aria-pressed", "false");
      input.removeAttribute("aria-invalid");
      setMessage(message, null);
      showResult(
        "ok",
        `Saved: ${saved.displayName} (${saved.accountId}), ${modeWord(saved.mode)}.` +
          (saved.sessionOnly ? " It will be forgotten when Stripe Desk closes." : ""),
      );
      try {
        setView(await connectionsApi.list());
      } catch {
        /* the connections-changed event will bring it */
      }
      savedId = saved.id;
      onSaved(saved);
    });
  });

  return { root, focus: () => input.focus() };
}

export function renderPermissions(list: HTMLElement, permissions: PermissionCheck[]): void {
  clear(list);
  list.hidden = permissions.length === 0;
  if (permissions.length === 0) return;
  for (const p of permissions) {
    const icon = p.state === "allowed" ? "✓" : p.state === "denied" ? "✗" : "•";
    const stateText =
      p.state === "allowed" ? "allowed" : p.state === "denied" ? "not allowed" : "checked when first used";
    list.appendChild(
      h(
        "li",
        { class: `perm perm-${p.state}`, data: { state: p.state } },
        h("span", { class: "perm-icon", text: icon, attrs: { "aria-hidden": "true" } }),
        h(
          "span",
          { class: "perm-body" },
          h("span", { class: "perm-label", text: p.label }),
          h("span", { class: "perm-state", text: ` — ${stateText}` }),
          p.detail ? h("span", { class: "perm-detail", text: p.detail }) : null,
        ),
      ),
    );
  }
}
