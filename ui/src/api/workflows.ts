// Workflows: saved, checked, reviewed, exported and imported, run and resumed.

import type { ExpectedConnection } from "../bindings/ExpectedConnection";
import type { NumberFormat } from "../bindings/NumberFormat";
import type { RunRecord } from "../bindings/RunRecord";
import type { Workflow } from "../bindings/Workflow";
import type { WorkflowSettings } from "../bindings/WorkflowSettings";
import { call, channel } from "../tauri.js";

type Inputs = { [key in string]?: string };

export const list = () => call("workflow_list");
export const create = () => call("workflow_new");
export const templates = () => call("workflow_templates");
/** Saves it as edited; the answer is what would stop it from running. */
export const save = (workflow: Workflow) => call("workflow_save", { workflow });
/** What would stop it from running, without saving it. */
export const check = (workflow: Workflow) => call("workflow_check", { workflow });
export const rename = (workflowId: string, name: string) => call("workflow_rename", { workflowId, name });
export const renameStep = (workflow: Workflow, oldName: string, newName: string) =>
  call("workflow_rename_step", { workflow, oldName, newName });
export const renameInput = (workflow: Workflow, oldName: string, newName: string) =>
  call("workflow_rename_input", { workflow, oldName, newName });
export const duplicate = (workflowId: string) => call("workflow_duplicate", { workflowId });
/** The answer is the deleted workflow, for Undo. */
export const remove = (workflowId: string) => call("workflow_delete", { workflowId });
export const exportFile = (workflowId: string) => call("workflow_export", { workflowId });
export const importFile = () => call("workflow_import");
export const review = (workflowId: string) => call("workflow_review", { workflowId });
export const accept = (workflowId: string) => call("workflow_accept", { workflowId });
export const words = (workflow: Workflow) => call("workflow_words", { workflow });
export const settings = () => call("workflow_settings");
export const saveSettings = (settings: WorkflowSettings) => call("workflow_save_settings", { settings });
export const menu = (workflow: Workflow, stepName: string, fieldId: string, typed: string) =>
  call("workflow_menu", { workflow, stepName, fieldId, typed });
export const runs = (workflowId: string) => call("workflow_runs", { workflowId });
export const plan = (workflowId: string, expected: ExpectedConnection, inputs: Inputs, runId: string | null, numberFormat: NumberFormat) =>
  call("workflow_plan", { workflowId, expected, inputs, runId, numberFormat });

/** What a run or a Resume is given. */
export interface RunStart {
  workflowId: string;
  expected: ExpectedConnection;
  numberFormat: NumberFormat;
  confirmation: string | null;
}

export const run = (start: RunStart, inputs: Inputs, onProgress: (run: RunRecord) => void) =>
  call("workflow_run", { ...start, inputs, onProgress: channel(onProgress) });
export const resume = (start: RunStart, runId: string, inputs: Inputs | null, onProgress: (run: RunRecord) => void) =>
  call("workflow_resume", { ...start, runId, inputs, onProgress: channel(onProgress) });
