// Connect with Stripe: the OAuth app's settings and the flow.

import type { OAuthSettingsForm } from "../bindings/OAuthSettingsForm";
import { call } from "../tauri.js";

export const settings = () => call("oauth_settings");
export const saveSettings = (form: OAuthSettingsForm) => call("oauth_save_settings", { form });
export const start = () => call("oauth_start");
export const cancel = () => call("oauth_cancel");
export const state = () => call("oauth_state");
