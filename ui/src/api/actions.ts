// Actions: the catalog, a form checked and run, pickers, drafts.

import type { ExpectedConnection } from "../bindings/ExpectedConnection";
import type { FilledForm } from "../bindings/FilledForm";
import type { Submission } from "../bindings/Submission";
import { call } from "../tauri.js";

export const list = () => call("action_list");
export const check = (actionId: string, form: FilledForm) => call("action_check", { actionId, form });
export const run = (actionId: string, form: FilledForm, submission: Submission, expected: ExpectedConnection) =>
  call("action_run", { actionId, form, submission, expected });
export const lookup = (actionId: string, fieldId: string, query: string, parent: string | null) =>
  call("action_lookup", { actionId, fieldId, query, parent });
export const drafts = () => call("action_drafts");
export const saveDraft = (actionId: string, form: FilledForm) => call("action_save_draft", { actionId, form });
export const currentValues = (actionId: string, objectId: string) => call("action_current_values", { actionId, objectId });
export const availability = (actionId: string) => call("action_availability", { actionId });
export const duplicate = (actionId: string, form: FilledForm) => call("action_duplicate", { actionId, form });
