// What the Actions screen knows and keeps between visits: the actions, the
// half-filled forms per connection, which action is open, what to say next.

import type { Action } from "../bindings/Action";
import type { FieldValue } from "../bindings/FieldValue";
import { activeConnection } from "../state.js";

export type Values = Record<string, FieldValue>;

/** A map from Rust (whose values ts-rs types as optional) without its empty entries. */
export function known(map: { [key in string]?: FieldValue }): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(map)) if (v !== undefined) out[k] = v;
  return out;
}

export class ActionsContext {
  /** Half-filled forms, per connection and action: they survive switching screens and accounts. */
  readonly drafts = new Map<string, Values>();
  /** Update forms: the values the form was filled with from Stripe. */
  readonly originals = new Map<string, Values>();
  /** Reading the drafts kept in the data dir, per connection, once a session: a screen drawn meanwhile awaits the same reading. */
  readonly draftsLoaded = new Map<string, Promise<void>>();
  actions: Action[] | null = null;
  currentId = "create_customer";
  /** Said at the top of the next form drawn: an answer that came after the screen was redrawn. */
  pendingNotice: string | null = null;
  /** Send the open form once it is drawn: a link from another screen (Activity's "Open this customer"). */
  submitWhenDrawn = false;
  /** Draws the list and the open form again (set by the screen shown). */
  redraw: () => void = () => undefined;

  draftKey(actionId: string): string {
    return `${activeConnection()?.id ?? "none"}/${actionId}`;
  }
}
