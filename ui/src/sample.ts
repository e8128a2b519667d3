// The sample account inside the app: "Explore with sample data" on the
// first screen, "Leave the sample account" in the banner. Loaded on the
// first click of either.

import type { ConnectionsView } from "./bindings/ConnectionsView";
import * as activityApi from "./api/activity.js";
import * as appApi from "./api/app.js";
import { showSampleLeft } from "./connections.js";
import { loadOAuthSettings } from "./oauth.js";
import { emit, navigate, setInfo, setUnread, setView, state } from "./state.js";

export async function exploreSample(): Promise<void> {
  await switched(await appApi.enterSample());
}

export async function leaveSample(): Promise<void> {
  await switched(await appApi.leaveSample());
  showSampleLeft();
}

/** The window now shows other accounts: nothing of the ones before stays. */
async function switched(view: ConnectionsView): Promise<void> {
  state.activityRound = null;
  state.activityOpen = null;
  state.balancesOpen = null;
  state.bulkTarget = null;
  state.workflowOpen = null;
  state.triggerRound = null;
  emit("triggers");
  setView(view);
  const [info, unread] = await Promise.all([appApi.info(), activityApi.unread().catch(() => null), loadOAuthSettings()]);
  setInfo(info);
  setUnread(unread?.total ?? 0);
  navigate("connections");
}
