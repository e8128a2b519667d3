// Activity: what happened in every connected account, as the poller heard it.

import type { ActivitySettings } from "../bindings/ActivitySettings";
import type { FeedQuery } from "../bindings/FeedQuery";
import type { NotificationChoices } from "../bindings/NotificationChoices";
import { call } from "../tauri.js";

/** A page of the feed, newest first. */
export const feed = (query: FeedQuery) => call("activity_feed", { query });
/** How many lines the query selects. */
export const count = (query: FeedQuery) => call("activity_count", { query });
/** An event's details, for the toggle under its line. */
export const event = (connectionId: string, eventId: string) => call("activity_event", { connectionId, eventId });
export const unread = () => call("activity_unread");
/** Marks what was heard so far as read: one account's, or with null every one's. */
export const markRead = (connectionId: string | null) => call("activity_mark_read", { connectionId });
export const dismissGap = (connectionId: string) => call("activity_dismiss_gap", { connectionId });
export const settings = () => call("activity_settings");
export const saveSettings = (settings: ActivitySettings) => call("activity_save_settings", { settings });
export const setNotifications = (connectionId: string, choices: NotificationChoices) =>
  call("activity_set_notifications", { connectionId, choices });
/** Asks an account again (its key may read events now). */
export const retry = (connectionId: string) => call("activity_retry", { connectionId });
