// The parts of a step that decide and repeat, drawn in the editor: its
// "Only if" (comparisons combined by all of / any of, each a `{{ }}`
// reference, a comparison in words and a value typed in the person's
// convention), a "For each"'s list and options, a "First of"'s choices,
// and a list step's "fetch every page". Each part sits in a `.field` named
// as the domain names its place (`only_if.tests.0.to`, `flow.over`,
// `flow.of.1`, `every_page_up_to`), so a problem found before a run is
// shown there, and the `{{` menu knows what the part may take.

import { numberFormat } from "../actions/fields.js";
import type { Comparison } from "../bindings/Comparison";
import type { Condition } from "../bindings/Condition";
import { h } from "../dom.js";
import type { WorkflowStep } from "./context.js";
import { chips, type References } from "./fields.js";

/** Every comparison a condition can make, as the editor's list names it. */
const TESTS: [Comparison["test"], string][] = [
  ["is_empty", "is empty"],
  ["is_not_empty", "is not empty"],
  ["equals", "equals"],
  ["contains", "contains"],
  ["starts_with", "starts with"],
  ["ends_with", "ends with"],
  ["greater_than", "is more than"],
  ["less_than", "is less than"],
  ["is_one_of", "is one of"],
  ["is_true", "is yes"],
  ["is_false", "is no"],
];
const WITHOUT_VALUE = new Set<Comparison["test"]>(["is_empty", "is_not_empty", "is_true", "is_false"]);

/** A part of a step: a `.field` named by its place, with its label, its box and its message. */
function part(place: string, id: string, label: string, box: HTMLInputElement | HTMLTextAreaElement, help?: string): HTMLElement {
  box.id = id;
  box.setAttribute("spellcheck", "false");
  box.setAttribute("aria-describedby", `${id}-msg`);
  return h(
    "div",
    { class: "field wf-part", data: { field: place } },
    h("label", { class: "label", text: label, attrs: { for: id } }),
    box,
    help ? h("p", { class: "help", text: help }) : null,
    h("p", { id: `${id}-msg`, class: "field-message", attrs: { hidden: true } }),
  );
}

/** What a part's box holds, once drawn: its text as typed. */
export interface PartsView {
  el: HTMLElement;
  /** Writes what is typed into the step. */
  sync: (step: WorkflowStep) => void;
}

/** The "Only if" of a step: `uid` makes its ids unique in the editor; `menuOn` gives a part the `{{` menu. */
export function conditionEditor(condition: Condition, uid: string, menuOn: (field: HTMLElement) => void, words: References, onRemove: (() => void) | null): PartsView {
  const box = h("fieldset", { class: "wf-condition" }, h("legend", { class: "label", text: "Only if" }));
  const combineId = `${uid}-combine`;
  const combine = h("select", { id: combineId, class: "input wf-combine" });
  combine.append(h("option", { text: "all of these hold", attrs: { value: "all" } }), h("option", { text: "any of these holds", attrs: { value: "any" } }));
  combine.value = condition.combine;
  box.append(
    h("div", { class: "field wf-part", data: { field: "only_if" } }, h("label", { class: "label", text: "Run only if", attrs: { for: combineId } }), combine, h("p", { class: "field-message", attrs: { hidden: true } })),
  );
  const rows = h("ol", { class: "wf-comparisons" });
  box.appendChild(rows);
  interface Row {
    value: HTMLInputElement;
    test: HTMLSelectElement;
    to: HTMLTextAreaElement;
    kept: Comparison;
    parts: HTMLElement[];
    remove: HTMLButtonElement;
  }
  const drawn: Row[] = [];
  let made = 0;
  // Each row's parts are named by its place in the list, as the domain names problems.
  const renumber = (): void => {
    drawn.forEach((r, i) => {
      const [v, t, o] = r.parts as [HTMLElement, HTMLElement, HTMLElement];
      v.dataset.field = `only_if.tests.${i}.value`;
      t.dataset.field = `only_if.tests.${i}.test`;
      o.dataset.field = `only_if.tests.${i}.to`;
      (v.querySelector("label") as HTMLLabelElement).textContent = `Comparison ${i + 1}: what to check`;
      r.remove.textContent = `Remove comparison ${i + 1}`;
    });
  };
  const addRow = (cmp: Comparison, focus: boolean): void => {
    const i = drawn.length;
    const rid = `${uid}-cmp-${made++}`;
    const value = h("input", { class: "input wf-cmp-value", attrs: { value: cmp.value, placeholder: "Type {{ to pick an earlier result" } });
    const test = h("select", { id: `${rid}-test`, class: "input wf-cmp-test" });
    for (const [t, said] of TESTS) test.appendChild(h("option", { text: said, attrs: { value: t } }));
    test.value = cmp.test;
    const to = h("textarea", { class: "input wf-cmp-to", attrs: { rows: "1" } });
    to.value = "to" in cmp ? (Array.isArray(cmp.to) ? cmp.to.join("\n") : cmp.to) : "";
    const valuePart = part(`only_if.tests.${i}.value`, `${rid}-value`, `Comparison ${i + 1}: what to check`, value);
    const testPart = h("div", { class: "field wf-part", data: { field: `only_if.tests.${i}.test` } }, h("label", { class: "label", text: "How it compares", attrs: { for: test.id } }), test, h("p", { class: "field-message", attrs: { hidden: true } }));
    const toPart = part(`only_if.tests.${i}.to`, `${rid}-to`, "Compared with", to);
    const toLabel = toPart.querySelector("label") as HTMLLabelElement;
    const showTo = (): void => {
      const t = test.value as Comparison["test"];
      toPart.hidden = WITHOUT_VALUE.has(t);
      toLabel.textContent = t === "is_one_of" ? "Compared with (one value a line)" : "Compared with";
      to.rows = t === "is_one_of" ? 3 : 1;
    };
    test.addEventListener("change", showTo);
    showTo();
    const remove = h("button", { class: "btn ghost small wf-cmp-remove", text: `Remove comparison ${i + 1}`, attrs: { type: "button" } });
    const li = h("li", { class: "wf-comparison" }, valuePart, testPart, toPart, remove);
    const row: Row = { value, test, to, kept: cmp, parts: [valuePart, testPart, toPart], remove };
    remove.addEventListener("click", () => {
      drawn.splice(drawn.indexOf(row), 1);
      li.remove();
      renumber();
      add.focus();
    });
    drawn.push(row);
    rows.appendChild(li);
    menuOn(valuePart);
    menuOn(toPart);
    chips(value, words);
    chips(to, words);
    if (focus) value.focus();
  };
  condition.tests.forEach((c) => addRow(c, false));
  const add = h("button", { class: "btn secondary small wf-cmp-add", text: "Add a comparison", attrs: { type: "button" } });
  add.addEventListener("click", () => addRow({ value: "", test: "is_not_empty" }, true));
  const buttons = h("div", { class: "row" }, add);
  if (onRemove) {
    const drop = h("button", { class: "btn ghost small wf-condition-remove", text: "Run it always (remove “Only if”)", attrs: { type: "button" } });
    drop.addEventListener("click", onRemove);
    buttons.appendChild(drop);
  }
  box.appendChild(buttons);
  return {
    el: box,
    sync: (step) => {
      const tests: Comparison[] = [];
      for (const r of drawn) {
        const t = r.test.value as Comparison["test"];
        const typed = r.to.value;
        const base = { value: r.value.value.trim(), ...(r.kept.time_zone ? { time_zone: r.kept.time_zone } : {}) };
        let cmp: Comparison;
        if (WITHOUT_VALUE.has(t)) cmp = { ...base, test: t } as Comparison;
        else if (t === "is_one_of") cmp = { ...base, test: t, to: typed.split("\n").map((v) => v.trim()).filter((v) => v !== "") };
        else cmp = { ...base, test: t, to: typed.trim() } as Comparison;
        // A typed amount is read in the convention it was typed in, kept with it.
        if (!WITHOUT_VALUE.has(t) && typed.trim() !== "") cmp.number_format = numberFormat();
        tests.push(cmp);
      }
      step.only_if = { combine: combine.value === "any" ? "any" : "all", tests };
    },
  };
}

/** A "For each": the list it goes through, side by side, stop at the first failure. */
export function forEachEditor(step: WorkflowStep, uid: string, menuOn: (field: HTMLElement) => void, words: References): PartsView {
  const flow = step.flow?.kind === "for_each" ? step.flow : null;
  const over = h("input", { class: "input wf-over", attrs: { value: flow?.over ?? "", placeholder: "Type {{ to pick a list" } });
  const overPart = part("flow.over", `${uid}-over`, "Go through each item of", over, "A list an earlier step found, or an input that holds a list. Inside, the {{ menu offers the current item's details.");
  const side = h("input", { id: `${uid}-side`, attrs: { type: "checkbox" } });
  side.checked = flow?.side_by_side ?? false;
  const stop = h("input", { id: `${uid}-stop`, attrs: { type: "checkbox" } });
  stop.checked = flow?.stop_at_first_failure ?? false;
  const el = h(
    "div",
    { class: "wf-for-each" },
    overPart,
    h("div", { class: "row wf-check" }, side, h("label", { text: "Side by side: several items at once, within Stripe's limits", attrs: { for: side.id } })),
    h("div", { class: "row wf-check" }, stop, h("label", { text: "Stop at the first failure (otherwise every item is tried)", attrs: { for: stop.id } })),
  );
  menuOn(overPart);
  chips(over, words);
  return {
    el,
    sync: (s) => {
      if (s.flow?.kind !== "for_each") return;
      s.flow.over = over.value.trim();
      s.flow.side_by_side = side.checked;
      s.flow.stop_at_first_failure = stop.checked;
    },
  };
}

/** A "First of": the results it tries, in order. */
export function firstOfEditor(step: WorkflowStep, uid: string, menuOn: (field: HTMLElement) => void, words: References): PartsView {
  const of = step.flow?.kind === "first_of" ? [...step.flow.of] : [];
  while (of.length < 2) of.push("");
  const list = h("div", { class: "wf-first-of" });
  const boxes: HTMLInputElement[] = [];
  const addBox = (text: string, focus: boolean): void => {
    const i = boxes.length;
    const box = h("input", { class: "input wf-of", attrs: { value: text, placeholder: "Type {{ to pick an earlier result" } });
    const p = part(`flow.of.${i}`, `${uid}-of-${i}`, i === 0 ? "Take this if it has a value" : "Otherwise this", box);
    list.insertBefore(p, more);
    boxes.push(box);
    menuOn(p);
    chips(box, words);
    if (focus) box.focus();
  };
  const more = h("button", { class: "btn secondary small wf-of-add", text: "Add another to try", attrs: { type: "button" } });
  more.addEventListener("click", () => addBox("", true));
  list.appendChild(more);
  for (const t of of) addBox(t, false);
  return {
    el: h("div", { class: "field wf-part", data: { field: "flow.of" } }, list, h("p", { class: "field-message", attrs: { hidden: true } })),
    sync: (s) => {
      if (s.flow?.kind !== "first_of") return;
      s.flow.of = boxes.map((b) => b.value.trim()).filter((t, i) => t !== "" || i < 2);
    },
  };
}

/** "Fetch every page, up to N items" on a step that lists. */
export function everyPageEditor(step: WorkflowStep, uid: string): PartsView {
  const on = h("input", { id: `${uid}-pages`, attrs: { type: "checkbox" } });
  on.checked = step.every_page_up_to !== undefined;
  const most = h("input", { class: "input wf-pages-most", attrs: { inputmode: "numeric", value: String(step.every_page_up_to ?? 500) } });
  const mostPart = part("every_page_up_to", `${uid}-pages-most`, "Up to this many items", most, "Stripe gives 100 a page; this fetches page after page until it has them all, or this many.");
  mostPart.hidden = !on.checked;
  on.addEventListener("change", () => {
    mostPart.hidden = !on.checked;
  });
  return {
    el: h("div", { class: "wf-every-page" }, h("div", { class: "row wf-check" }, on, h("label", { text: "Fetch every page, not only the first", attrs: { for: on.id } })), mostPart),
    sync: (s) => {
      if (!on.checked) {
        delete s.every_page_up_to;
        return;
      }
      // Digits with the person's thousands separators ("1.000", "1,000", "1 000").
      const typed = most.value.trim();
      const digits = /^[\d\s.,'’]+$/.test(typed) ? typed.replace(/\D/g, "") : "";
      s.every_page_up_to = digits === "" ? 0 : Math.min(Number(digits), 4294967295);
    },
  };
}
