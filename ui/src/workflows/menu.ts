// The `{{` menu: what a field may take from the run's inputs and earlier
// steps (asked of the domain's menu.rs as the person types), by keyboard
// only (arrows, Enter, Escape).

import * as bulkApi from "../api/bulk.js";
import * as workflowsApi from "../api/workflows.js";
import type { MenuEntry } from "../bindings/MenuEntry";
import type { Workflow } from "../bindings/Workflow";
import { clear, h } from "../dom.js";
import type { References } from "./fields.js";
import { eventTypeOf } from "./trigger.js";

/** The catalog's name of the field a text box belongs to (`items.price`). */
function catalogField(field: HTMLElement, input: HTMLElement): string {
  const id = field.dataset.field ?? "";
  const row = input.closest(".row");
  if (row && field.querySelector(".rows")) {
    const column = Array.from(row.querySelectorAll("input")).indexOf(input as HTMLInputElement);
    const label = input.getAttribute("aria-label") ?? "";
    if (label.startsWith("Price")) return `${id}.price`;
    if (label.startsWith("Quantity")) return `${id}.quantity`;
    return column === 0 ? `${id}.key` : `${id}.value`;
  }
  return id;
}

let menuSeq = 0;
let boxSeq = 0;

/** Types of text box that may be a combobox (ARIA in HTML); a textarea may not, a number box is a spinbutton. */
const COMBOBOX_TYPES = new Set(["text", "email", "tel", "url", "search"]);

/**
 * Tells a screen reader that a text box offers the menu, before it opens:
 * a one-line box is a combobox (ARIA 1.2: aria-expanded, aria-controls the
 * list it opens, aria-autocomplete); a textarea keeps its role and says
 * only that it completes from a list, naming the list while it is open.
 */
function announceMenu(box: HTMLInputElement | HTMLTextAreaElement): void {
  if (box.dataset.menuList) return;
  box.dataset.menuList = `wf-menu-${++boxSeq}`;
  box.setAttribute("aria-autocomplete", "list");
  if (box instanceof HTMLInputElement && COMBOBOX_TYPES.has(box.type)) {
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", box.dataset.menuList);
  }
}

function menuBoxes(field: HTMLElement): Array<HTMLInputElement | HTMLTextAreaElement> {
  return Array.from(field.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input, textarea")).filter(
    (b) => b instanceof HTMLTextAreaElement || COMBOBOX_TYPES.has(b.type),
  );
}

export function attachMenu(field: HTMLElement, workflow: () => Workflow, stepName: () => string, words: References): void {
  if (field.dataset.menu) return; // Once per field, however often it is found.
  field.dataset.menu = "on";
  let menu: HTMLElement | null = null;
  let entries: MenuEntry[] = [];
  let selected = 0;
  let target: HTMLInputElement | HTMLTextAreaElement | null = null;
  let start = -1;
  // The boxes there now, and rows added later as they take focus.
  for (const b of menuBoxes(field)) announceMenu(b);
  field.addEventListener("focusin", (ev) => {
    const t = ev.target;
    if ((t instanceof HTMLInputElement && COMBOBOX_TYPES.has(t.type)) || t instanceof HTMLTextAreaElement) announceMenu(t);
  });
  const close = (): void => {
    menu?.remove();
    menu = null;
    if (!target) return;
    target.removeAttribute("aria-activedescendant");
    if (target.getAttribute("role") === "combobox") target.setAttribute("aria-expanded", "false");
    else target.removeAttribute("aria-controls");
  };
  const paint = (): void => {
    if (!menu || !target) return;
    clear(menu);
    entries.forEach((e, i) => {
      const id = `${menu!.id}-${i}`;
      const o = h(
        "div",
        { id, class: "wf-menu-option", attrs: { role: "option", "aria-selected": i === selected ? "true" : "false" }, data: { insert: e.insert, path: e.path } },
        h("span", { class: "wf-menu-path", text: e.words }),
        e.example ? h("span", { class: "wf-menu-example", text: ` (last run: ${e.example})` }) : null,
        e.fits ? null : h("span", { class: "wf-menu-misfit", text: " (does not fit this field)" }),
      );
      menu!.appendChild(o);
    });
    if (!entries.length) menu.appendChild(h("div", { class: "wf-menu-empty", text: "Nothing earlier matches." }));
    target.setAttribute("aria-activedescendant", entries.length ? `${menu.id}-${selected}` : "");
  };
  const update = async (input: HTMLInputElement | HTMLTextAreaElement): Promise<void> => {
    const caret = input.selectionStart ?? input.value.length;
    const before = input.value.slice(0, caret);
    const open = before.lastIndexOf("{{");
    const typed = open >= 0 ? before.slice(open + 2) : "";
    // Open while the caret is inside an unclosed `{{`, not after an escaped `\{{`.
    if (open < 0 || /[^a-z0-9_. ]/i.test(typed) || before[open - 1] === "\\") {
      close();
      return;
    }
    target = input;
    start = open;
    const seq = ++menuSeq;
    const w = workflow();
    const startedBy = eventTypeOf(w.id);
    const got = startedBy
      ? await bulkApi.triggerMenu(w, startedBy, stepName(), catalogField(field, input), typed.trim())
      : await workflowsApi.menu(w, stepName(), catalogField(field, input), typed.trim());
    if (seq !== menuSeq) return;
    entries = got;
    selected = 0;
    if (!menu) {
      announceMenu(input);
      menu = h("div", { id: input.dataset.menuList!, class: "wf-menu", attrs: { role: "listbox", "aria-label": "Earlier results and inputs" } });
      input.insertAdjacentElement("afterend", menu);
      // Right under the text box, over what follows it (never over its label).
      menu.style.top = `${input.offsetTop + input.offsetHeight + 2}px`;
      menu.style.left = `${input.offsetLeft}px`;
      input.setAttribute("aria-controls", menu.id);
      if (input.getAttribute("role") === "combobox") input.setAttribute("aria-expanded", "true");
    }
    paint();
  };
  const choose = (): void => {
    const e = entries[selected];
    if (!target || !e) return close();
    const caret = target.selectionStart ?? target.value.length;
    target.value = target.value.slice(0, start) + e.insert + target.value.slice(caret);
    const at = start + e.insert.length;
    target.setSelectionRange(at, at);
    words.add(e.insert, e.words);
    close();
    target.dispatchEvent(new Event("change", { bubbles: true }));
  };
  field.addEventListener("input", (ev) => {
    const t = ev.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement) void update(t);
  });
  field.addEventListener("keydown", (ev) => {
    if (!menu) return;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (entries.length) selected = (selected + (ev.key === "ArrowDown" ? 1 : entries.length - 1)) % entries.length;
      paint();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      choose();
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      close();
    }
  });
  field.addEventListener("focusout", (ev) => {
    if (!field.contains(ev.relatedTarget as Node | null)) close();
  });
}
