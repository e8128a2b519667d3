// What each run asks for: inputs with a label, a kind and a name for
// references; renamed, references follow.

import * as workflowsApi from "../api/workflows.js";
import type { InputKind } from "../bindings/InputKind";
import type { InputSpec } from "../bindings/InputSpec";
import type { Problem } from "../bindings/Problem";
import type { Workflow } from "../bindings/Workflow";
import { h, setMessage } from "../dom.js";
import { toAppError } from "../tauri.js";
import type { WorkflowsContext } from "./context.js";

/** What an input asks for, in words. */
export function describeKind(k: InputKind): string {
  switch (k.type) {
    case "text":
      return "text";
    case "email":
      return "an email address";
    case "amount_in":
      return `an amount in ${k.currency.toUpperCase()}`;
    case "id_with_prefix":
      return ({ cus_: "a customer", price_: "a price", prod_: "a product" } as Record<string, string>)[k.prefix] ?? `an ID starting with ${k.prefix}`;
  }
}

/** What a list input asks for, one a line, in words: "several email addresses". */
export function describeList(k: InputKind): string {
  switch (k.type) {
    case "text":
      return "several lines of text";
    case "email":
      return "several email addresses";
    case "amount_in":
      return `several amounts in ${k.currency.toUpperCase()}`;
    case "id_with_prefix":
      return ({ cus_: "several customers", price_: "several prices", prod_: "several products" } as Record<string, string>)[k.prefix] ?? `several IDs starting with ${k.prefix}`;
  }
}

/** A name for references from a label: "Customer email" becomes `customer_email`. */
function nameFrom(label: string): string {
  const base = label
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 40);
  return /^[a-z]/.test(base) ? base : `value_${base}`.replace(/_+$/, "");
}

export function inputsCard(ws: WorkflowsContext, w: Workflow, save: () => Promise<Problem[]>): HTMLElement {
  const card = h("div", { class: "card wf-inputs" }, h("h2", { class: "card-title", text: "What each run asks for" }));
  if (!w.inputs.length) card.appendChild(h("p", { class: "help", text: "Nothing yet. Add what a run should ask for, such as a customer's email, and use it in the steps." }));
  w.inputs.forEach((input, i) => {
    const remove = h("button", { class: "btn secondary", text: "Remove", attrs: { type: "button", "aria-label": `Remove “${input.label}”` } });
    remove.addEventListener("click", async () => {
      await save();
      w.inputs.splice(i, 1);
      await workflowsApi.save(w);
      ws.editNote = `Removed “${input.label || input.name}” from what each run asks for.`;
      ws.redraw();
    });
    // A new name: every reference to the input follows it; a clash or a bad name is said here.
    const renameId = `wf-input-rename-${i}`;
    const rename = h("input", { id: renameId, class: "input wf-input-rename", attrs: { value: input.name, spellcheck: "false" } });
    const message = h("p", { class: "field-message", attrs: { hidden: true } });
    rename.addEventListener("change", async () => {
      const renamed = rename.value.trim();
      if (renamed === input.name) return;
      await save();
      try {
        Object.assign(w, await workflowsApi.renameInput(w, input.name, renamed));
        ws.redraw();
      } catch (e) {
        setMessage(message, toAppError(e).message, "error");
        rename.setAttribute("aria-invalid", "true");
      }
    });
    card.appendChild(
      h(
        "div",
        { class: "field wf-input", data: { field: input.name } },
        h("div", { class: "row" }, h("span", { class: "wf-input-label", text: input.label || input.name }), h("span", { class: "help", text: input.list ? `${describeList(input.kind)}, one a line` : describeKind(input.kind) }), remove),
        h(
          "details",
          { class: "wf-ref-name" },
          h("summary", { text: "Name used when typing {{" }),
          h("label", { class: "label", text: "Name of this input in references", attrs: { for: renameId } }),
          rename,
        ),
        message,
      ),
    );
  });
  const labelled = (id: string, label: string, control: HTMLElement): HTMLElement => h("div", { class: "wf-add-field" }, h("label", { class: "label", text: label, attrs: { for: id } }), control);
  const labelIn = h("input", { id: "wf-input-label", class: "input", attrs: { placeholder: "Customer email" } });
  const kind = h("select", { id: "wf-input-kind", class: "input" });
  for (const [v, t] of [["text", "Text"], ["email", "An email address"], ["amount", "An amount"], ["customer", "A customer"], ["price", "A price (picked by product)"], ["product", "A product"], ["id", "Another kind of ID"]]) {
    kind.appendChild(h("option", { text: t, attrs: { value: v } }));
  }
  const extra = h("input", { id: "wf-input-extra", class: "input", attrs: { placeholder: "usd" } });
  const extraBox = labelled("wf-input-extra", "Currency", extra);
  const nameIn = h("input", { id: "wf-input-name", class: "input", attrs: { placeholder: "made from the label", spellcheck: "false" } });
  const showExtra = (): void => {
    extraBox.hidden = kind.value !== "amount" && kind.value !== "id";
    const label = extraBox.querySelector("label");
    if (label) label.textContent = kind.value === "amount" ? "Currency (three letters)" : "IDs start with";
    extra.placeholder = kind.value === "amount" ? "usd" : "txn_";
  };
  kind.addEventListener("change", showExtra);
  showExtra();
  // A list a "For each" can go through: several values, one a line, each checked as its kind.
  const several = h("input", { id: "wf-input-list", attrs: { type: "checkbox" } });
  const severalBox = h("div", { class: "row wf-check" }, several, h("label", { text: "Several, one a line (a list a “For each” can go through)", attrs: { for: several.id } }));
  const add = h("button", { id: "btn-wf-add-input", class: "btn secondary", text: "Add", attrs: { type: "button" } });
  const addMessage = h("p", { id: "wf-input-message", class: "field-message", attrs: { hidden: true } });
  add.addEventListener("click", async () => {
    const label = labelIn.value.trim() || nameIn.value.trim();
    if (!label) {
      setMessage(addMessage, "Say what the run should ask for, such as “Customer email”.", "error");
      return;
    }
    await save();
    const byKind: Record<string, InputKind> = {
      text: { type: "text" },
      email: { type: "email" },
      amount: { type: "amount_in", currency: extra.value.trim().toLowerCase() },
      customer: { type: "id_with_prefix", prefix: "cus_" },
      price: { type: "id_with_prefix", prefix: "price_" },
      product: { type: "id_with_prefix", prefix: "prod_" },
      id: { type: "id_with_prefix", prefix: extra.value.trim() },
    };
    const spec: InputSpec = { name: nameIn.value.trim() || nameFrom(label), label, kind: byKind[kind.value] ?? { type: "text" }, ...(several.checked ? { list: true } : {}) };
    w.inputs.push(spec);
    await workflowsApi.save(w);
    ws.editNote = `Each run now asks for “${label}”.`;
    ws.redraw();
  });
  const advanced = h("details", { class: "wf-ref-name" }, h("summary", { text: "Name used when typing {{" }), labelled("wf-input-name", "Name in references", nameIn));
  card.appendChild(
    h(
      "div",
      { class: "wf-add-input" },
      h("h3", { class: "label", text: "Ask for something more" }),
      h("div", { class: "row" }, labelled("wf-input-label", "What the run asks for", labelIn), labelled("wf-input-kind", "Kind", kind), extraBox, add),
      severalBox,
      advanced,
      addMessage,
    ),
  );
  return card;
}
