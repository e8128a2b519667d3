// One step as the review of an imported workflow and the confirmation of a
// run show it: what it does, its method and whole path, every value.

import type { StepPlan } from "../bindings/StepPlan";
import { h } from "../dom.js";

/** One step as the review and the confirmation show it: what it does, its method and whole path, every value. */
export function planStep(s: StepPlan): HTMLElement {
  const li = h("li", { class: "wf-plan-step", data: { step: s.step } }, h("strong", { class: "wf-plan-title", text: `Step ${s.number} · ${s.title}` }));
  li.appendChild(h("span", { class: "help", text: s.writes ? " creates or changes something in Stripe" : " only looks things up" }));
  // What will be sent, exactly as it will be sent: this is where a person
  // checks a workflow someone else wrote, so nothing here is put in words.
  if (s.method) li.appendChild(h("p", { class: "wf-plan-request", data: { verbatim: "" } }, h("code", { text: `${s.method} ${s.path}` })));
  if (s.params.length) {
    const dl = h("dl", { class: "summary wf-plan-values" });
    for (const p of s.params) dl.append(h("dt", { text: p.name }), h("dd", { text: p.value, data: { verbatim: "" } }));
    li.appendChild(dl);
  }
  if (s.moves_out) li.appendChild(h("p", { class: "note warn", text: `This step ${s.moves_out}.` }));
  return li;
}
