// An in-page confirmation (never window.confirm): a modal <dialog> with a
// safe default (focus starts on "Cancel"; Escape cancels).

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

export function confirmDialog(opts: ConfirmOptions): Promise<boolean> {
  document.getElementById("confirm-dialog")?.remove();
  return new Promise<boolean>((resolve) => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const title = h("h2", { id: "confirm-title", class: "dialog-title", text: opts.title });
    const body = h("p", { id: "confirm-body", class: "dialog-body", text: opts.body });
    const yes = h("button", {
      id: "confirm-yes",
      class: opts.danger ? "btn danger" : "btn primary",
      text: opts.yes,
      attrs: { type: "button" },
    });
    const no = h("button", { id: "confirm-no", class: "btn secondary", text: opts.no ?? "Cancel", attrs: { type: "button" } });
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
      h("div", { class: "dialog-actions" }, no, yes),
    );
    let done = false;
    const finish = (answer: boolean): void => {
      if (done) return;
      done = true;
      if (dialog.open) dialog.close();
      dialog.remove();
      previous?.focus();
      resolve(answer);
    };
    yes.addEventListener("click", () => finish(true));
    no.addEventListener("click", () => finish(false));
    dialog.addEventListener("cancel", (ev) => {
      ev.preventDefault();
      finish(false);
    });
    dialog.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        finish(false);
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
