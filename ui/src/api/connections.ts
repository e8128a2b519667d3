// Connections: keys pasted, connections tested, switched, renamed, removed.

import type { KeyGoal } from "../bindings/KeyGoal";
import type { WhenAlreadySaved } from "../bindings/WhenAlreadySaved";
import { call } from "../tauri.js";

export const list = () => call("connection_list");
export const classifyKey = (key: string) => call("connection_classify_key", { key });
export const testKey = (key: string) => call("connection_test_key", { key });
/** "Create a key for Stripe Desk": the goals offered, the permissions they take, and a key checked for them. */
export const keyGoals = () => call("connection_key_goals");
export const keyPermissions = (goals: KeyGoal[]) => call("connection_key_permissions", { goals });
export const checkKeyFor = (key: string, goals: KeyGoal[]) => call("connection_check_key_for", { key, goals });
export const saveKey = (key: string, sessionOnly: boolean, whenSaved: WhenAlreadySaved) =>
  call("connection_save_key", { key, sessionOnly, whenSaved });
export const test = (connectionId: string) => call("connection_test", { connectionId });
export const remove = (connectionId: string) => call("connection_remove", { connectionId });
export const activate = (connectionId: string) => call("connection_activate", { connectionId });
export const rename = (connectionId: string, name: string) => call("connection_rename", { connectionId, name });
/** Works in a connected account (`acct_…`), or, with null, in the connection's own. */
export const overrideAccount = (connectionId: string, accountId: string | null) =>
  call("connection_override_account", { connectionId, accountId });
