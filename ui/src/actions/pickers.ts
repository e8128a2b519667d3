// Pickers, drawn from a field's `lookup`: a customer found by name or email,
// a country or languages by name, a product then its price.

import * as actionsApi from "../api/actions.js";
import type { Field } from "../bindings/Field";
import type { FieldValue } from "../bindings/FieldValue";
import type { Lookup } from "../bindings/Lookup";
import type { LookupAnswer } from "../bindings/LookupAnswer";
import type { LookupChoice } from "../bindings/LookupChoice";
import { clear, h, nextId } from "../dom.js";
import { toAppError } from "../tauri.js";

export function lookupChoices(actionId: string, fieldId: string, query: string, parent: string | null): Promise<LookupAnswer> {
  return actionsApi.lookup(actionId, fieldId, query, parent);
}

/** The parents' choices, asked once per form and shared by its rows. */
export function lazyChoices(actionId: string, fieldId: string, parent: string | null): () => Promise<LookupAnswer> {
  let asked: Promise<LookupAnswer> | null = null;
  return () => (asked ??= lookupChoices(actionId, fieldId, "", parent));
}

/** Choices under a search box, narrowed as the person types; picking one calls `pick`. */
function choiceList(
  box: HTMLInputElement,
  listId: string,
  what: string,
  ask: (typed: string) => Promise<LookupAnswer>,
  pick: (c: LookupChoice) => void,
  note: HTMLElement,
): HTMLElement {
  const choices = h("ul", { id: listId, class: "picker-choices", attrs: { "aria-label": what } });
  let timer: number | undefined;
  let asked = 0;
  const find = async (): Promise<void> => {
    const typed = box.value.trim();
    const mine = ++asked;
    if (!typed) {
      clear(choices);
      note.hidden = true;
      return;
    }
    try {
      const answer = await ask(typed);
      if (mine !== asked) return; // A later keystroke asked again.
      clear(choices);
      note.textContent = answer.note ?? "";
      note.hidden = !answer.note;
      for (const c of answer.choices.slice(0, 12)) {
        const pickIt = h("button", { class: "picker-choice", attrs: { type: "button" } }, h("span", { class: "picker-label", text: c.label }), h("span", { class: "picker-detail", text: c.detail }));
        pickIt.addEventListener("click", () => {
          clear(choices);
          pick(c);
        });
        choices.appendChild(h("li", {}, pickIt));
      }
    } catch (e) {
      if (mine !== asked) return;
      clear(choices);
      note.textContent = toAppError(e).message;
      note.hidden = false;
    }
  };
  box.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void find(), 250);
  });
  box.addEventListener("keydown", (ev) => {
    // Enter here searches; it does not submit the form.
    if (ev.key === "Enter") {
      ev.preventDefault();
      window.clearTimeout(timer);
      void find();
    }
  });
  return choices;
}

/** "Find by name or email": choices under the ID input; picking one fills it. */
export function searchPicker(actionId: string, field: Field, target: HTMLInputElement): HTMLElement {
  const sid = nextId(`find-${field.id}`);
  const box = h("input", {
    id: sid,
    class: "input picker-search",
    attrs: { type: "search", placeholder: "Name, email or phone", autocomplete: "off", "aria-controls": `${sid}-choices` },
  });
  const note = h("p", { class: "help picker-note", attrs: { "aria-live": "polite", hidden: true } });
  const choices = choiceList(box, `${sid}-choices`, "Customers found", (q) => lookupChoices(actionId, field.id, q, null), (c) => {
    target.value = c.id;
    target.dispatchEvent(new Event("input", { bubbles: true }));
    note.textContent = `Chosen: ${c.label}`;
    note.hidden = false;
    target.focus();
  }, note);
  return h(
    "div",
    { class: "picker" },
    h("label", { class: "label picker-caption", text: "Find by name, email or phone (3 characters or more)", attrs: { for: sid } }),
    box,
    note,
    choices,
  );
}

/** One entry of a list kept in the app (a country), found by its name; reads its code. */
export function fixedSingle(actionId: string, field: Field, id: string, code: string): { el: HTMLElement; read: () => string } {
  let chosen = code;
  const box = h("input", { id, class: "input picker-search country", attrs: { type: "search", autocomplete: "off", placeholder: "Type a country's name", "aria-controls": `${id}-choices` } });
  const note = h("p", { class: "help picker-note", attrs: { "aria-live": "polite", hidden: true } });
  // A country already set (from Stripe, or a draft) is shown by its name.
  if (code) {
    box.value = code;
    void lookupChoices(actionId, field.id, code, null).then((a) => {
      const same = a.choices.find((c) => c.id.toUpperCase() === code.toUpperCase());
      if (same && box.value === code) box.value = same.label;
    }, () => undefined);
  }
  const choices = choiceList(box, `${id}-choices`, "Countries", (q) => lookupChoices(actionId, field.id, q, null), (c) => {
    chosen = c.id;
    box.value = c.label;
    note.hidden = true;
    box.dispatchEvent(new Event("change", { bubbles: true }));
    box.closest("form")?.dispatchEvent(new Event("input"));
  }, note);
  box.addEventListener("input", () => {
    chosen = ""; // Typed, not picked: the check says what to do with it.
  });
  return {
    el: h("div", { class: "fixed-picker" }, box, note, choices),
    // What was picked, or what was typed (a name or code, checked by the app).
    read: () => chosen || box.value.trim(),
  };
}

/** Several entries of a list kept in the app (languages), picked by name, kept in order. */
export function fixedMulti(actionId: string, field: Field, id: string, described: string, codes: string[]): { el: HTMLElement; read: () => FieldValue | undefined } {
  const picked: LookupChoice[] = codes.map((c) => ({ id: c, label: c, detail: c }));
  const chips = h("ul", { class: "chips", attrs: { "aria-label": `${field.label} chosen` } });
  const box = h("input", { id, class: "input picker-search", attrs: { type: "search", autocomplete: "off", placeholder: "Type a language", "aria-describedby": described, "aria-controls": `${id}-choices` } });
  const note = h("p", { class: "help picker-note", attrs: { "aria-live": "polite", hidden: true } });
  const drawChips = (): void => {
    clear(chips);
    picked.forEach((c, i) => {
      const remove = h("button", { class: "btn ghost small", text: "Remove", attrs: { type: "button", "aria-label": `Remove ${c.label}` } });
      remove.addEventListener("click", () => {
        picked.splice(i, 1);
        drawChips();
        box.closest("form")?.dispatchEvent(new Event("input"));
      });
      chips.appendChild(h("li", { class: "chip" }, h("span", { text: c.label }), remove));
    });
  };
  drawChips();
  // Codes kept from Stripe or a draft are shown by their names.
  for (const c of picked) {
    void lookupChoices(actionId, field.id, c.id, null).then((a) => {
      const same = a.choices.find((x) => x.id === c.id);
      if (same) {
        c.label = same.label;
        drawChips();
      }
    }, () => undefined);
  }
  const choices = choiceList(box, `${id}-choices`, "Languages", (q) => lookupChoices(actionId, field.id, q, null), (c) => {
    if (!picked.some((p) => p.id === c.id)) picked.push(c);
    box.value = "";
    drawChips();
    box.closest("form")?.dispatchEvent(new Event("input"));
  }, note);
  return {
    el: h("div", { class: "fixed-picker" }, chips, box, note, choices),
    read: () => {
      const typed = box.value.trim();
      const all = picked.map((p) => p.id).concat(typed ? [typed] : []);
      return all.length ? all : undefined;
    },
  };
}

/** A product, then one of its active recurring prices: choosing one fills the row's price ID. */
export function parentThenChildPicker(
  actionId: string,
  field: Field,
  pick: Extract<Lookup, { type: "parentThenChild" }>,
  parents: () => Promise<LookupAnswer>,
  target: HTMLInputElement,
  n: number,
): HTMLElement[] {
  const parent = h("select", { class: "input pick-parent", attrs: { "aria-label": `${pick.parentLabel}, row ${n}` } });
  const child = h("select", { class: "input pick-child", attrs: { "aria-label": `Price, row ${n}`, disabled: true } });
  parent.appendChild(h("option", { text: `${pick.parentLabel}…`, attrs: { value: "" } }));
  child.appendChild(h("option", { text: "…then its price", attrs: { value: "" } }));
  const fill = (select: HTMLSelectElement, answer: LookupAnswer, first: string): void => {
    clear(select);
    select.appendChild(h("option", { text: answer.choices.length ? first : (answer.note ?? "None"), attrs: { value: "" } }));
    for (const c of answer.choices) select.appendChild(h("option", { text: c.label, attrs: { value: c.id } }));
  };
  parents().then(
    (a) => fill(parent, a, `${pick.parentLabel}…`),
    (e: unknown) => fill(parent, { choices: [], note: toAppError(e).message }, ""),
  );
  parent.addEventListener("change", () => {
    child.disabled = true;
    if (!parent.value) return;
    lookupChoices(actionId, field.id, "", parent.value).then(
      (a) => {
        fill(child, a, "Price…");
        child.disabled = a.choices.length === 0;
        if (a.choices.length === 1 && a.choices[0]) {
          // One price: take it.
          child.value = a.choices[0].id;
          child.dispatchEvent(new Event("change"));
        }
      },
      (e: unknown) => fill(child, { choices: [], note: toAppError(e).message }, ""),
    );
  });
  child.addEventListener("change", () => {
    if (!child.value) return;
    target.value = child.value;
    target.dispatchEvent(new Event("input", { bubbles: true }));
  });
  return [parent, child];
}
