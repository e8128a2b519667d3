// Balances: one connection's local copy, read and synced.

import type { Bucket } from "../bindings/Bucket";
import type { ExportProgress } from "../bindings/ExportProgress";
import type { Filter } from "../bindings/Filter";
import type { PageRequest } from "../bindings/PageRequest";
import type { Sort } from "../bindings/Sort";
import type { SyncProgress } from "../bindings/SyncProgress";
import { call, channel } from "../tauri.js";

/** Has a copy been made for this connection (asked before removing it). */
export const hasCopy = (connectionId: string) => call("balances_has_copy", { connectionId });
export const deleteCopy = (connectionId: string) => call("balances_delete_copy", { connectionId });

/** The calls of one connection's copy. */
export class BalancesApi {
  constructor(readonly connectionId: string) {}

  sync(onProgress: (p: SyncProgress) => void) {
    return call("balances_sync", { connectionId: this.connectionId, onProgress: channel(onProgress) });
  }
  cancelSync() {
    return call("balances_cancel_sync", { connectionId: this.connectionId });
  }
  status() {
    return call("balances_status", { connectionId: this.connectionId });
  }
  page(request: PageRequest) {
    return call("balances_page", { connectionId: this.connectionId, request });
  }
  totals(filter: Filter) {
    return call("balances_totals", { connectionId: this.connectionId, filter });
  }
  chart(filter: Filter, bucket: Bucket) {
    return call("balances_chart", { connectionId: this.connectionId, filter, bucket });
  }
  periodSummary(filter: Filter) {
    return call("balances_period_summary", { connectionId: this.connectionId, filter });
  }
  filterChoices() {
    return call("balances_filter_choices", { connectionId: this.connectionId });
  }
  payout(payoutId: string) {
    return call("balances_payout", { connectionId: this.connectionId, payoutId });
  }
  transaction(transactionId: string) {
    return call("balances_transaction", { connectionId: this.connectionId, transactionId });
  }
  reconcile() {
    return call("balances_reconcile", { connectionId: this.connectionId });
  }
  /** Opens the system's save dialog, then writes the CSV; null when the dialog was cancelled. */
  export(filter: Filter, sort: Sort, onProgress: (p: ExportProgress) => void) {
    return call("balances_export", { connectionId: this.connectionId, filter, sort, onProgress: channel(onProgress) });
  }
  cancelExport() {
    return call("balances_cancel_export", { connectionId: this.connectionId });
  }
}
