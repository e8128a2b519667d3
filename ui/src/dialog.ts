// In-page questions (never window.confirm): a modal <dialog> with a safe
// default (focus starts on "Cancel"; Escape cancels).

import { h } from "./dom.js";

export interface ConfirmOptions {
  title: string;
  body: string;
  yes: string;
  no?: string;
  danger?: boolean;
  /** More than a sentence (a list of what will be sent), under the body. */
  details?: HTMLElement;
}

export interface Choice<K extends string> {
  key: K;
  text: string;
  /** The button's look: the main answer, a risky one, or a plain one. */
  kind?: "primary" | "danger" | "secondary";
}

export interface ChoiceOptions<K extends string> {
  title: string;
  body: string;
  choices: Choice<K>[];
  /** The safe way out (Escape, and where focus starts). */
  cancel?: string;
  /** More than a sentence (a list of what will be sent), under the body. */
  details?: HTMLElement;
}

/** Asks a yes/no question; `true` for yes. */
export async function confirmDialog(opts: ConfirmOptions): Promise<boolean> {
  const answer = await chooseDialog({
    title: opts.title,
    body: opts.body,
    choices: [{ key: "yes", text: opts.yes, kind: opts.danger ? "danger" : "primary" }],
    cancel: opts.no,
    details: opts.details,
  });
  return answer === "yes";
}

/** Asks the person to pick one answer; `null` when they cancel. */
export function chooseDialog<K extends string>(opts: ChoiceOptions<K>): Promise<K | null> {
  document.getElementById("confirm-dialog")?.remove();
  return new Promise<K | null>((resolve) => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const title = h("h2", { id: "confirm-title", class: "dialog-title", text: opts.title });
    const body = h("p", { id: "confirm-body", class: "dialog-body", text: opts.body });
    const buttons = opts.choices.map((c, i) =>
      h("button", {
        id: opts.choices.length === 1 ? "confirm-yes" : `confirm-${c.key}`,
        class: `btn ${c.kind ?? (i === 0 ? "primary" : "secondary")}`,
        text: c.text,
        attrs: { type: "button" },
      }),
    );
    const no = h("button", { id: "confirm-no", class: "btn secondary", text: opts.cancel ?? "Cancel", attrs: { type: "button" } });
    const dialog = h(
      "dialog",
      {
        id: "confirm-dialog",
        class: "dialog",
        attrs: { "aria-labelledby": "confirm-title", "aria-describedby": "confirm-body" },
      },
      title,
      body,
      opts.details ?? null,
      h("div", { class: "dialog-actions" }, no, ...buttons),
    );
    let done = false;
    const finish = (answer: K | null): void => {
      if (done) return;
      done = true;
      if (dialog.open) dialog.close();
      dialog.remove();
      previous?.focus();
      resolve(answer);
    };
    buttons.forEach((b, i) => b.addEventListener("click", () => finish(opts.choices[i].key)));
    no.addEventListener("click", () => finish(null));
    dialog.addEventListener("cancel", (ev) => {
      ev.preventDefault();
      finish(null);
    });
    dialog.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        finish(null);
      }
    });
    document.body.appendChild(dialog);
    if (typeof dialog.showModal === "function") {
      dialog.showModal();
    } else {
      dialog.setAttribute("open", "");
    }
    no.focus();
  });
}
