// The app's own settings (theme, how amounts are typed) and help for support.

import type { AppSettings } from "../bindings/AppSettings";
import { call } from "../tauri.js";

export const get = () => call("settings_get");
/** Saves every setting at once, atomically; the answer is what was saved. */
export const save = (settings: AppSettings) => call("settings_save", { settings });
export const diagnostics = () => call("app_diagnostics");
export const openLogFolder = () => call("app_open_log_folder");
