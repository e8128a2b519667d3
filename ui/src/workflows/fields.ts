// A step's fields in the editor: references to earlier results shown as
// chips in words, choices that switch to "a value from an earlier step or
// input", rows with headings, and reasons marked at their field.

import * as workflowsApi from "../api/workflows.js";
import { renderField, type Control } from "../actions/fields.js";
import type { EditorWords } from "../bindings/EditorWords";
import type { Field } from "../bindings/Field";
import type { FieldValue } from "../bindings/FieldValue";
import type { Workflow } from "../bindings/Workflow";
import { clear, h, setMessage } from "../dom.js";

/** References in words, for the chips; refreshed as the workflow changes. */
export class References {
  private map = new Map<string, string>();
  private views = new Set<() => void>();
  add(reference: string, words: string): void {
    this.map.set(reference, words);
  }
  get(reference: string): string | undefined {
    return this.map.get(reference);
  }
  onChange(draw: () => void): void {
    this.views.add(draw);
  }
  async refresh(w: Workflow): Promise<EditorWords | null> {
    try {
      const got = await workflowsApi.words(w);
      for (const r of got.references) this.map.set(r.reference, r.words);
      for (const draw of this.views) draw();
      return got;
    } catch {
      return null;
    }
  }
}

/** Rows (subscription items, parameters) get visible column headings; the `price_…` placeholder goes. */
export function labelRows(el: HTMLElement): void {
  const rows = el.querySelector<HTMLElement>(".rows");
  if (!rows) return;
  const items = rows.querySelector(".item-id")?.getAttribute("aria-label")?.startsWith("Price") ?? false;
  const [a, b] = items ? ["Price", "Quantity"] : ["Name", "Value"];
  rows.before(h("div", { class: "wf-rows-head", attrs: { "aria-hidden": "true" } }, h("span", { class: "label", text: a }), h("span", { class: "label", text: b })));
  for (const i of Array.from(rows.querySelectorAll<HTMLInputElement>(".item-id"))) i.placeholder = a;
}

/** A text box that holds references shows them as chips in words; pressing it (or Enter) edits the text, where `{{` opens the menu. */
export function chips(input: HTMLInputElement | HTMLTextAreaElement, words: References): void {
  const view = h("div", { class: "wf-ref-view input", attrs: { role: "button", tabindex: "0" } });
  input.before(view);
  // A reference, unless escaped (`\{{`): group 1 is the escape, group 2 what is inside.
  const pattern = /(\\)?\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;
  let editing = false;
  const draw = (): void => {
    const text = input.value;
    const found = Array.from(text.matchAll(pattern)).filter((m) => !m[1]);
    const has = !editing && found.length > 0;
    view.hidden = !has;
    input.hidden = has;
    if (!has) return;
    clear(view);
    let at = 0;
    const spoken: string[] = [];
    for (const m of found) {
      const before = text.slice(at, m.index);
      if (before) {
        view.append(before);
        spoken.push(before);
      }
      const said = words.get(`{{${m[2]}}}`) ?? (m[2] ?? "").replace(/[._]/g, " ");
      view.appendChild(h("span", { class: "wf-chip", text: said }));
      spoken.push(said);
      at = (m.index ?? 0) + m[0].length;
    }
    const rest = text.slice(at);
    if (rest) {
      view.append(rest);
      spoken.push(rest);
    }
    const label = input.id ? document.querySelector(`label[for="${CSS.escape(input.id)}"]`)?.textContent ?? "" : input.getAttribute("aria-label") ?? "";
    view.setAttribute("aria-label", `${label}: ${spoken.join("")}. Press to change.`);
  };
  const edit = (): void => {
    editing = true;
    draw();
    input.focus();
    const end = input.value.length;
    input.setSelectionRange(end, end);
  };
  view.addEventListener("click", edit);
  view.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      edit();
    }
  });
  input.addEventListener("focus", () => {
    editing = true;
  });
  input.addEventListener("blur", () => {
    // The menu keeps focus in the field; chips come back once the person moves on.
    window.setTimeout(() => {
      if (document.activeElement === input) return;
      editing = false;
      draw();
    }, 150);
  });
  words.onChange(draw);
  draw();
}

/** A choice or yes/no field: drawn as on the Actions screen (a list, a box to tick), or switched to "a value from
 * an earlier step or input", a text box with the `{{` menu; and back. It starts switched when it holds a reference.
 * The domain checks that the reference's kind fits; a choice's value is checked against its choices at run time. */
export function switchableField(f: Field, values: Record<string, FieldValue>, menuOn: (field: HTMLElement) => void): Control {
  const current = values[f.id];
  let byReference = typeof current === "string" && current.includes("{{");
  const picked = renderField(f, byReference ? {} : values);
  const asText: Field = { ...f, kind: { type: "text", maxLen: 5000, multiline: false }, default: null, lookup: null };
  const typed = renderField(asText, byReference ? values : {});
  typed.el.querySelector("input")?.setAttribute("placeholder", "Type {{ to pick an earlier result");
  menuOn(typed.el);
  const toggle = h("button", { class: "btn ghost small wf-use-reference", attrs: { type: "button" } });
  const box = h("div", { class: "wf-switchable", data: { switchable: f.id } });
  const draw = (): void => {
    clear(box);
    box.append((byReference ? typed : picked).el, toggle);
    toggle.textContent = byReference ? "Pick a value instead" : "Use a value from an earlier step or input";
    toggle.setAttribute("aria-label", `${toggle.textContent}: ${f.label}`);
  };
  toggle.addEventListener("click", () => {
    byReference = !byReference;
    draw();
    (byReference ? typed : picked).el.querySelector<HTMLElement>("input, select")?.focus();
  });
  draw();
  return {
    field: f,
    el: box,
    read: () => (byReference ? typed : picked).read(),
    get message() {
      return (byReference ? typed : picked).message;
    },
  };
}

/** The elements matching `selector` that belong to this step's own card, not to a step inside it. */
export function own(card: HTMLElement, selector: string): HTMLElement[] {
  return Array.from(card.querySelectorAll<HTMLElement>(selector)).filter((e) => e.closest(".wf-step, .wf-inputs") === card);
}

/** Shows a reason at the step's field, at the most precise place drawn (`only_if.tests.0.to`, else `only_if`;
 * `items.0.price` at `items`); false if there is no such place. */
export function markAt(box: HTMLElement, step: string | null, field: string | null, reason: string): boolean {
  const scope = step === null ? box.querySelector<HTMLElement>(".wf-inputs") : box.querySelector<HTMLElement>(`.wf-step[data-step="${CSS.escape(step)}"]`);
  if (!scope) return false;
  let target: HTMLElement | null = null;
  const parts = field ? field.split(".") : [];
  for (let n = parts.length; n > 0 && !target; n--) {
    const place = parts.slice(0, n).join(".");
    const at = own(scope, `.field[data-field="${CSS.escape(place)}"]`).find((f) => !f.hidden && !f.closest("[hidden]"));
    if (!at) continue;
    target = at.querySelector<HTMLElement>(":scope > .field-message") ?? at.querySelector<HTMLElement>(".field-message");
  }
  target ??= own(scope, ".wf-step-message")[0] ?? null;
  if (!target) return false;
  setMessage(target, reason, "error");
  return true;
}
