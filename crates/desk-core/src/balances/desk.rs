//! The Balances screen's entry points on [`Desk`]: each finds the
//! connection's copy (one per account and mode), then runs a sync or a query.
//! SQLite work runs on the blocking pool, never on the async workers.

use super::BalanceStore;
use super::{
    export_csv, fetch_balance, sync, Bucket, Cancel, ChartSeries, CurrencyTotals, ExportProgress,
    Filter, FilterChoices, Page, PageRequest, PayoutDetail, PeriodSummary, Reconciliation, Sort,
    StoreStats, SyncOptions, SyncOutcome, SyncProgress,
};
use crate::connections::saved::ConnectionRecord;
use crate::error::{Code, Error};
use crate::views::{ConnectionMethod, Mode};
use crate::Desk;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Open copies and the work running on them, kept by the [`Desk`].
#[derive(Default)]
pub struct BalancesState {
    stores: Mutex<HashMap<PathBuf, Arc<BalanceStore>>>,
    /// Running syncs and exports by connection id, so Cancel can reach them.
    syncs: Mutex<HashMap<String, Arc<Cancel>>>,
    exports: Mutex<HashMap<String, Arc<Cancel>>>,
}

/// The account whose balance the connection reads (`Stripe-Account` when set).
fn copy_account(record: &ConnectionRecord) -> &str {
    match (record.method, &record.account_override) {
        (ConnectionMethod::ApiKey, Some(other)) => other,
        _ => &record.account_id,
    }
}

/// Removes the entry when the work ends, however it ends.
struct Running<'a> {
    map: &'a Mutex<HashMap<String, Arc<Cancel>>>,
    id: String,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

fn start<'a>(
    map: &'a Mutex<HashMap<String, Arc<Cancel>>>,
    id: &str,
    what: &str,
) -> Result<(Running<'a>, Arc<Cancel>), Error> {
    let mut running = map.lock().unwrap_or_else(|e| e.into_inner());
    if running.contains_key(id) {
        return Err(Error::invalid(
            Code::Busy,
            format!("A {what} of this account is already running."),
            None,
        ));
    }
    let cancel = Cancel::new();
    running.insert(id.to_string(), cancel.clone());
    Ok((
        Running {
            map,
            id: id.to_string(),
        },
        cancel,
    ))
}

impl Desk {
    fn balance_store(&self, connection_id: &str) -> Result<Arc<BalanceStore>, Error> {
        let (record, _) = self.record(connection_id)?;
        let path = BalanceStore::path_for(self.data_dir(), copy_account(&record), record.mode);
        let mut stores = self
            .balances_state()
            .stores
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(s) = stores.get(&path) {
            return Ok(s.clone());
        }
        let store = Arc::new(BalanceStore::open(&path)?);
        stores.insert(path, store.clone());
        Ok(store)
    }

    async fn on_store<T: Send + 'static>(
        &self,
        connection_id: &str,
        f: impl FnOnce(&BalanceStore) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let store = self.balance_store(connection_id)?;
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| Error::Storage(e.to_string()))?
    }

    /// Brings the connection's copy up to date; `progress` hears after every page.
    pub async fn balances_sync(
        &self,
        connection_id: &str,
        progress: impl Fn(SyncProgress) + Send + Sync,
    ) -> Result<SyncOutcome, Error> {
        let (_running, cancel) = start(&self.balances_state().syncs, connection_id, "sync")?;
        let (_, auth) = self.auth_for(connection_id).await?;
        let store = self.balance_store(connection_id)?;
        // Enough requests in flight to fill the mode's rate limit (25/s in
        // test mode, 100/s live) at a few hundred milliseconds each.
        let options = SyncOptions {
            workers: match auth.mode {
                Mode::Test => 10,
                Mode::Live => 32,
            },
            ..SyncOptions::default()
        };
        let result = sync(self.client(), &auth, store, &options, &cancel, &progress).await;
        if let Err(e) = &result {
            self.note_call_error(connection_id, e);
        }
        result
    }

    /// Stops the running sync of this connection, if any.
    pub fn balances_cancel_sync(&self, connection_id: &str) {
        if let Some(c) = self
            .balances_state()
            .syncs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(connection_id)
        {
            c.cancel();
        }
    }

    /// How much is in the copy and when it was last synced (works offline).
    pub async fn balances_status(&self, connection_id: &str) -> Result<StoreStats, Error> {
        self.on_store(connection_id, |s| s.stats()).await
    }

    pub async fn balances_page(
        &self,
        connection_id: &str,
        req: PageRequest,
    ) -> Result<Page, Error> {
        self.on_store(connection_id, move |s| s.page(&req)).await
    }

    pub async fn balances_totals(
        &self,
        connection_id: &str,
        filter: Filter,
    ) -> Result<Vec<CurrencyTotals>, Error> {
        self.on_store(connection_id, move |s| s.totals(&filter))
            .await
    }

    pub async fn balances_chart(
        &self,
        connection_id: &str,
        filter: Filter,
        bucket: Bucket,
    ) -> Result<Vec<ChartSeries>, Error> {
        self.on_store(connection_id, move |s| s.chart(&filter, bucket))
            .await
    }

    /// What `filter` selects, per currency and reporting category (the
    /// same filter the totals and the table use).
    pub async fn balances_period_summary(
        &self,
        connection_id: &str,
        filter: Filter,
    ) -> Result<Vec<PeriodSummary>, Error> {
        self.on_store(connection_id, move |s| s.period_summary(&filter))
            .await
    }

    /// The types, categories, statuses and currencies in the copy, in words.
    pub async fn balances_filter_choices(
        &self,
        connection_id: &str,
    ) -> Result<FilterChoices, Error> {
        self.on_store(connection_id, |s| s.filter_choices()).await
    }

    pub async fn balances_payout(
        &self,
        connection_id: &str,
        payout: String,
    ) -> Result<PayoutDetail, Error> {
        self.on_store(connection_id, move |s| s.payout_detail(&payout))
            .await
    }

    /// Stripe's JSON of one stored transaction, for the details pane.
    pub async fn balances_transaction(
        &self,
        connection_id: &str,
        transaction_id: String,
    ) -> Result<Value, Error> {
        self.on_store(connection_id, move |s| {
            s.transaction_json(&transaction_id)?.ok_or_else(|| {
                Error::NotFound(format!("{transaction_id} is not in the local copy."))
            })
        })
        .await
    }

    /// Reads the balance from Stripe and compares it with the copy.
    pub async fn balances_reconcile(&self, connection_id: &str) -> Result<Reconciliation, Error> {
        let (_, auth) = self.auth_for(connection_id).await?;
        let (balance, read_at) = match fetch_balance(self.client(), &auth).await {
            Ok(b) => b,
            Err(e) => {
                self.note_call_error(connection_id, &e);
                return Err(e);
            }
        };
        self.on_store(connection_id, move |s| s.reconcile(&balance, read_at))
            .await
    }

    /// Writes what `filter` selects to `target` as CSV. `Ok(None)`: cancelled, nothing written.
    pub async fn balances_export(
        &self,
        connection_id: &str,
        filter: Filter,
        sort: Sort,
        target: PathBuf,
        progress: impl Fn(ExportProgress) + Send + 'static,
    ) -> Result<Option<u64>, Error> {
        let (_running, cancel) = start(&self.balances_state().exports, connection_id, "export")?;
        self.on_store(connection_id, move |s| {
            export_csv(s, &filter, sort, &target, &cancel, progress)
        })
        .await
    }

    pub fn balances_cancel_export(&self, connection_id: &str) {
        if let Some(c) = self
            .balances_state()
            .exports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(connection_id)
        {
            c.cancel();
        }
    }

    /// Deletes the connection's copy (when the user chose not to keep it).
    /// Deletes the copy a connection's removal leaves behind. A copy another
    /// connection to the same account still uses is refused, not deleted.
    pub fn balances_delete_copy(&self, connection_id: &str) -> Result<(), Error> {
        let (record, _) = self.record(connection_id)?;
        if let Some(other) = self.copy_shared_with(&record) {
            return Err(Error::invalid(
                Code::CopyInUse,
                format!(
                    "The connection \"{}\" uses this account's local copy too, so it was kept.",
                    other.display_name
                ),
                None,
            ));
        }
        let path = BalanceStore::path_for(self.data_dir(), copy_account(&record), record.mode);
        self.balances_state()
            .stores
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&path);
        delete_database(&path)
    }
}

impl Desk {
    /// Whether the connection's copy is on disk (asked before removing the
    /// connection; opens nothing, so asking creates no database).
    /// Whether removing this connection would leave a copy only it uses:
    /// the question keep-or-delete is asked then, and only then. Two
    /// connections to one account (a key and Connect) share its copy.
    pub fn balances_has_copy(&self, connection_id: &str) -> Result<bool, Error> {
        let (record, _) = self.record(connection_id)?;
        Ok(self.copy_shared_with(&record).is_none()
            && BalanceStore::path_for(self.data_dir(), copy_account(&record), record.mode).exists())
    }

    /// Another connection that reads the same copy (same account, same mode).
    fn copy_shared_with(&self, record: &ConnectionRecord) -> Option<ConnectionRecord> {
        self.records().into_iter().find(|other| {
            other.id != record.id
                && other.mode == record.mode
                && copy_account(other) == copy_account(record)
        })
    }
}

fn delete_database(path: &Path) -> Result<(), Error> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(PathBuf::from(p)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::Storage(format!("{}: {e}", path.display()))),
        }
    }
    Ok(())
}
