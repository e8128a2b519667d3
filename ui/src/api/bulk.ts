// Many at once: a spreadsheet opened, mapped, checked, run and saved with
// its results; and workflows that start by themselves on an event.

import type { BulkOptions } from "../bindings/BulkOptions";
import type { BulkProgress } from "../bindings/BulkProgress";
import type { BulkTarget } from "../bindings/BulkTarget";
import type { ExpectedConnection } from "../bindings/ExpectedConnection";
import type { Mapping } from "../bindings/Mapping";
import type { MatchProgress } from "../bindings/MatchProgress";
import type { ResultsFormat } from "../bindings/ResultsFormat";
import type { RowsQuery } from "../bindings/RowsQuery";
import type { TriggerSpec } from "../bindings/TriggerSpec";
import type { Workflow } from "../bindings/Workflow";
import { call, channel } from "../tauri.js";

/** `null` when the person cancelled the open dialog. */
export const open = () => call("bulk_open");
export const chooseSheet = (fileId: string, sheet: string) => call("bulk_choose_sheet", { fileId, sheet });
export const setHeaderRow = (fileId: string, row: number | null) => call("bulk_set_header_row", { fileId, row });
export const proposeMapping = (fileId: string, target: BulkTarget) => call("bulk_propose_mapping", { fileId, target });
export const dryRun = (fileId: string, expected: ExpectedConnection, target: BulkTarget, mapping: Mapping, options: BulkOptions) =>
  call("bulk_dry_run", { fileId, expected, target, mapping, options });
export const summary = (fileId: string) => call("bulk_summary", { fileId });
export const rows = (query: RowsQuery) => call("bulk_rows", { query });
export const fixCell = (fileId: string, row: number, column: number, value: string) => call("bulk_fix_cell", { fileId, row, column, value });
export const leaveOut = (fileId: string, rows: number[], leftOut: boolean) => call("bulk_leave_out", { fileId, rows, leftOut });
export const leaveOutRowsToFix = (fileId: string) => call("bulk_leave_out_rows_to_fix", { fileId });
export const findExisting = (fileId: string, expected: ExpectedConnection, onProgress: (p: MatchProgress) => void) =>
  call("bulk_find_existing", { fileId, expected, onProgress: channel(onProgress) });
export const plan = (fileId: string, expected: ExpectedConnection, retryFailed: boolean) => call("bulk_plan", { fileId, expected, retryFailed });
export const run = (fileId: string, expected: ExpectedConnection, retryFailed: boolean, confirmation: string | null, onProgress: (p: BulkProgress) => void) =>
  call("bulk_run", { fileId, expected, retryFailed, confirmation, onProgress: channel(onProgress) });
export const pause = (fileId: string) => call("bulk_pause", { fileId });
export const resume = (fileId: string) => call("bulk_resume", { fileId });
export const cancel = (fileId: string) => call("bulk_cancel", { fileId });
/** `null` when the person cancelled the save dialog. */
export const saveResults = (fileId: string, format: ResultsFormat) => call("bulk_save_results", { fileId, format });
export const close = (fileId: string) => call("bulk_close", { fileId });
export const jobs = () => call("bulk_jobs");

// ----- Triggers -----

export const triggerKinds = () => call("trigger_kinds");
export const triggerCheck = (workflow: Workflow, eventType: string) => call("trigger_check_workflow", { workflow, eventType });
export const triggerMenu = (workflow: Workflow, eventType: string, stepName: string, fieldId: string, typed: string) =>
  call("trigger_menu", { workflow, eventType, stepName, fieldId, typed });
export const trigger = (workflowId: string) => call("trigger_get", { workflowId });
export const triggerPlan = (workflowId: string, expected: ExpectedConnection, spec: TriggerSpec) => call("trigger_plan", { workflowId, expected, spec });
export const setTrigger = (workflowId: string, expected: ExpectedConnection, spec: TriggerSpec, confirmation: string | null) =>
  call("trigger_set", { workflowId, expected, spec, confirmation });
export const pauseTrigger = (workflowId: string, paused: boolean, confirmation: string | null) => call("trigger_pause", { workflowId, paused, confirmation });
export const removeTrigger = (workflowId: string) => call("trigger_remove", { workflowId });
export const triggerBacklog = (workflowId: string, run: boolean) => call("trigger_backlog", { workflowId, run });
