// What the Workflows screen knows and keeps between visits: the actions,
// the templates, the saved workflows, which one is open, and what the list
// and the editor said last.

import type { Action } from "../bindings/Action";
import type { ExpectedConnection } from "../bindings/ExpectedConnection";
import type { Field } from "../bindings/Field";
import type { Workflow } from "../bindings/Workflow";
import { activeConnection } from "../state.js";

export type WorkflowStep = Workflow["steps"][number];

export class WorkflowsContext {
  actions: Action[] = [];
  templates: Workflow[] = [];
  workflows: Workflow[] = [];
  currentId: string | null = null;
  /** The deleted workflow, until Undo or the next change. */
  undoable: Workflow | null = null;
  /** What the list says happened last (deleted, imported, accepted), until the next change. */
  listNote: string | null = null;
  /** What the editor says happened last (a step added, moved or removed), until the next change. */
  editNote: string | null = null;
  /** Files in the workflows folder that could not be read, with why. */
  refused: string[] = [];
  /** Draws the list and the open workflow again (set by the screen shown). */
  redraw: () => void = () => undefined;

  actionName(id: string): string {
    return this.actions.find((a) => a.id === id)?.name ?? id.replace(/_/g, " ");
  }

  /** "Step 2 · Create Subscription". */
  stepTitle(index: number, action: string): string {
    return `Step ${index + 1} · ${this.actionName(action)}`;
  }

  /** What a step is: its action's name, or "Only if", "Group", "For each", "First of". */
  stepKind(step: WorkflowStep): string {
    switch (step.flow?.kind) {
      case "group":
        return step.only_if ? "Only if" : "Group";
      case "for_each":
        return "For each";
      case "first_of":
        return "First of";
      default:
        return this.actionName(step.action);
    }
  }

  /** "Step 3 · For each": the step called `name`, numbered in reading order as the domain numbers it. */
  titleOf(w: Workflow, name: string, fallbackAction = ""): string {
    const order = readingOrder(w.steps);
    const index = order.findIndex((s) => s.name === name);
    const step = order[index];
    return step ? `Step ${index + 1} · ${this.stepKind(step)}` : this.actionName(fallbackAction);
  }

  /** The label of a step's field, for a failure said there. */
  fieldLabel(action: string, field: string | null): string | null {
    if (!field) return null;
    const top = field.split(/[.[]/)[0];
    return this.actions.find((a) => a.id === action)?.fields.find((f) => f.id === top)?.label ?? null;
  }

  /** The field of an action whose picker finds IDs of this kind: customers by name or email, a product's prices. */
  pickerFor(prefix: string): { actionId: string; field: Field } | null {
    for (const a of this.actions) {
      for (const f of a.fields) {
        const search = f.lookup?.type === "search" && f.kind.type === "id" && f.kind.prefix === prefix;
        const priced = prefix === "price_" && f.lookup?.type === "parentThenChild" && f.kind.type === "subscriptionItems";
        if (search || priced) return { actionId: a.id, field: f };
      }
    }
    return null;
  }
}

/** Every step, those inside groups and "For each" steps too, in reading order (a group, its steps, its "Otherwise" steps). */
export function readingOrder(steps: WorkflowStep[]): WorkflowStep[] {
  const out: WorkflowStep[] = [];
  for (const s of steps) {
    out.push(s);
    if (s.flow?.kind === "group") out.push(...readingOrder(s.flow.steps), ...readingOrder(s.flow.otherwise));
    else if (s.flow?.kind === "for_each") out.push(...readingOrder(s.flow.steps));
  }
  return out;
}

/** The connection and mode on screen: every run and plan carries them. */
export function expected(): ExpectedConnection | null {
  const c = activeConnection();
  return c ? { connection_id: c.id, mode: c.mode } : null;
}
