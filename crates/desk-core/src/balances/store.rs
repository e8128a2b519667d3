//! The SQLite file behind one account's copy: opening it privately, schema
//! migrations, and the writes the sync makes (each page of rows together
//! with its range's cursor, in one transaction).

use crate::error::Error;
use crate::private_files;
use crate::views::Mode;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use ts_rs::TS;

/// Versioned schema: entry `n` takes `user_version` from `n` to `n + 1`.
/// Never edit a released step; add one.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE balance_transactions (
    id TEXT PRIMARY KEY NOT NULL,
    created INTEGER NOT NULL,
    available_on INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    fee INTEGER NOT NULL,
    net INTEGER NOT NULL,
    currency TEXT NOT NULL,
    type TEXT NOT NULL,
    reporting_category TEXT NOT NULL,
    status TEXT NOT NULL,
    -- '' rather than NULL, so keyset comparisons need no NULL cases.
    description TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    payout TEXT NOT NULL DEFAULT ''
);
-- Stripe's JSON apart from the columns, so scans for totals stay narrow.
CREATE TABLE balance_transaction_json (
    id TEXT PRIMARY KEY NOT NULL,
    json TEXT NOT NULL
) WITHOUT ROWID;
-- Sync bookkeeping: `created` ranges [lo, hi) still being fetched, newest
-- first; `cursor` is the last id stored (Stripe's `starting_after`).
CREATE TABLE sync_ranges (
    id INTEGER PRIMARY KEY,
    lo INTEGER NOT NULL,
    hi INTEGER,
    cursor TEXT,
    cursor_created INTEGER,
    done INTEGER NOT NULL DEFAULT 0
);
-- Payouts whose settled transactions have been linked.
CREATE TABLE payout_links (
    id TEXT PRIMARY KEY NOT NULL,
    transactions INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;
"#,
    // 2: each transaction's `balance_type` (the balance it moves), taken in
    // place from the JSON Stripe sent, which always carried it; and what became
    // of each payout (linked, a manual payout Stripe cannot itemise, still being
    // reconciled by Stripe, or failed), with the reason of a failure. Payouts
    // linked to nothing were linked while Stripe was still reconciling them:
    // they are looked at again.
    r#"
ALTER TABLE balance_transactions ADD COLUMN balance_type TEXT NOT NULL DEFAULT 'payments';
UPDATE balance_transactions
   SET balance_type = (SELECT json_extract(j.json, '$.balance_type')
                         FROM balance_transaction_json j WHERE j.id = balance_transactions.id)
 WHERE id IN (SELECT id FROM balance_transaction_json
               WHERE json_extract(json, '$.balance_type') IS NOT NULL
                 AND json_extract(json, '$.balance_type') != 'payments');
ALTER TABLE payout_links ADD COLUMN status TEXT NOT NULL DEFAULT 'linked';
ALTER TABLE payout_links ADD COLUMN message TEXT NOT NULL DEFAULT '';
DELETE FROM payout_links WHERE transactions = 0;
"#,
];

/// The indexes the screen's queries need. They are derived data, built in
/// one sorted pass once the first sync has fetched everything (much cheaper
/// than keeping fourteen indexes up to date row by row while a million rows
/// arrive), and kept up to date row by row after that. To change one, give
/// it a new name and drop the old one here.
const QUERY_INDEXES: &str = r#"
-- One index per sort column, ending in (created, id): the sort key. Money
-- sorts within each currency first: amounts in different currencies do not compare.
CREATE INDEX IF NOT EXISTS bt_created ON balance_transactions (created, id);
CREATE INDEX IF NOT EXISTS bt_available_on ON balance_transactions (available_on, created, id);
CREATE INDEX IF NOT EXISTS bt_amount ON balance_transactions (currency, amount, created, id);
CREATE INDEX IF NOT EXISTS bt_fee ON balance_transactions (currency, fee, created, id);
CREATE INDEX IF NOT EXISTS bt_net ON balance_transactions (currency, net, created, id);
CREATE INDEX IF NOT EXISTS bt_currency ON balance_transactions (currency, created, id);
CREATE INDEX IF NOT EXISTS bt_type ON balance_transactions (type, created, id);
CREATE INDEX IF NOT EXISTS bt_category ON balance_transactions (reporting_category, created, id);
CREATE INDEX IF NOT EXISTS bt_status ON balance_transactions (status, created, id);
CREATE INDEX IF NOT EXISTS bt_source ON balance_transactions (source, created, id);
CREATE INDEX IF NOT EXISTS bt_payout ON balance_transactions (payout, created, id);
CREATE INDEX IF NOT EXISTS bt_description ON balance_transactions (description, created, id);
-- Everything totals, chart, period summary and reconciliation read, so they
-- scan this narrow index instead of the table (a million rows in ~100 ms,
-- not seconds); in (currency, day) order, so the chart groups without sorting.
DROP INDEX IF EXISTS bt_totals;
CREATE INDEX IF NOT EXISTS bt_sums ON balance_transactions
    (currency, created / 86400, created, type, reporting_category, status, available_on, balance_type, amount, fee, net);
"#;

/// The names of `QUERY_INDEXES`, to tell whether all exist.
const QUERY_INDEX_NAMES: &[&str] = &[
    "bt_created",
    "bt_available_on",
    "bt_amount",
    "bt_fee",
    "bt_net",
    "bt_currency",
    "bt_type",
    "bt_category",
    "bt_status",
    "bt_source",
    "bt_payout",
    "bt_description",
    "bt_sums",
];

/// One account's local copy.
pub struct BalanceStore {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// The query indexes exist (not yet during a first sync).
    indexed: AtomicBool,
}

/// How much is in the copy, and how fresh it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, TS)]
#[ts(export)]
pub struct StoreStats {
    #[ts(type = "number")]
    pub transactions: u64,
    #[ts(type = "number | null")]
    pub newest_created: Option<i64>,
    /// Unix seconds of the last sync that finished.
    #[ts(type = "number | null")]
    pub last_synced_at: Option<i64>,
    /// A first sync has finished at least once.
    pub complete: bool,
    /// The account's time zone as of the last sync (IANA name, Stripe's
    /// `settings.dashboard.timezone`): the one its Dashboard shows days in.
    pub timezone: Option<String>,
}

/// One fetched page of a range, to store with the range's new cursor.
pub(crate) struct PageWrite {
    pub range_id: i64,
    pub rows: Vec<Value>,
    /// Id and `created` of the page's last object.
    pub cursor: Option<(String, i64)>,
    pub done: bool,
}

/// A range of the sync plan as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredRange {
    pub id: i64,
    pub lo: i64,
    /// `None`: open-ended (no `created[lt]`).
    pub hi: Option<i64>,
    pub cursor: Option<String>,
    pub cursor_created: Option<i64>,
}

/// Files the app writes are private: folder 0700, file 0600. The database
/// file is made before SQLite opens it, since SQLite gives its -wal and -shm
/// files the database file's mode.
fn create_private(path: &Path) -> Result<(), Error> {
    let storage = |e: std::io::Error| Error::Storage(e.to_string());
    let dir = path
        .parent()
        .ok_or_else(|| Error::Storage("no folder for the database".into()))?;
    private_files::private_dir(dir).map_err(storage)?;
    private_files::open_append(path).map_err(storage)?;
    Ok(())
}

pub(crate) fn db_error(e: rusqlite::Error) -> Error {
    Error::Storage(format!("local copy: {e}"))
}

impl BalanceStore {
    /// `<data_dir>/balances/<account>-<mode>.sqlite3`: one copy per account and mode.
    pub fn path_for(data_dir: &Path, account_id: &str, mode: Mode) -> PathBuf {
        let safe: String = account_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        data_dir
            .join("balances")
            .join(format!("{safe}-{}.sqlite3", mode.word()))
    }

    /// Opens (creating if needed) the copy at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<BalanceStore, Error> {
        create_private(path)?;
        let mut conn = Connection::open(path).map_err(db_error)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_error)?;
        // WAL with NORMAL is durable across process crashes (only an OS
        // crash can lose the last commits, never corrupt or half-apply them).
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_error)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(db_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db_error)?;
        // 64 MB of page cache (SQLite's default is 2 MB): a million rows and
        // their indexes stay warm for scans and inserts.
        conn.pragma_update(None, "cache_size", -64_000)
            .map_err(db_error)?;
        migrate(&mut conn)?;
        let store = BalanceStore {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            indexed: AtomicBool::new(false),
        };
        // A copy that was complete once keeps its indexes (a crash while
        // they were being built leaves them to build now).
        if store.stats()?.complete {
            store.build_indexes()?;
        } else {
            let marks = vec!["?"; QUERY_INDEX_NAMES.len()].join(", ");
            let count: i64 = store
                .conn()
                .query_row(
                    &format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ({marks})"),
                    rusqlite::params_from_iter(QUERY_INDEX_NAMES),
                    |r| r.get(0),
                )
                .map_err(db_error)?;
            store
                .indexed
                .store(count == QUERY_INDEX_NAMES.len() as i64, Ordering::SeqCst);
        }
        Ok(store)
    }

    /// Builds the query indexes that are missing, and refreshes the
    /// planner's statistics. Quick when they exist.
    pub fn build_indexes(&self) -> Result<(), Error> {
        if !self.is_indexed() {
            // Then fold the freshly written indexes from the WAL into the
            // database file: reads through a large WAL are several times slower.
            let build = format!("{QUERY_INDEXES} PRAGMA wal_checkpoint(TRUNCATE);");
            self.conn().execute_batch(&build).map_err(db_error)?;
            self.indexed.store(true, Ordering::SeqCst);
        }
        self.optimize()
    }

    /// Whether the query indexes exist; queries name them only then.
    pub fn is_indexed(&self) -> bool {
        self.indexed.load(Ordering::SeqCst)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn stats(&self) -> Result<StoreStats, Error> {
        let conn = self.conn();
        let (transactions, newest_created): (i64, Option<i64>) = conn
            .query_row(
                "SELECT COUNT(*), MAX(created) FROM balance_transactions",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(db_error)?;
        let last_synced_at = get_meta(&conn, "last_synced_at")?.and_then(|v| v.parse().ok());
        let complete = get_meta(&conn, "complete")?.is_some();
        let timezone = get_meta(&conn, "timezone")?;
        Ok(StoreStats {
            transactions: transactions as u64,
            newest_created,
            last_synced_at,
            complete,
            timezone,
        })
    }

    /// The account's time zone as of the last sync.
    pub(crate) fn timezone(&self) -> Result<Option<String>, Error> {
        get_meta(&self.conn(), "timezone")
    }

    /// Keeps the account's time zone with the copy (each sync does, from Stripe).
    pub fn set_timezone(&self, zone: &str) -> Result<(), Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db_error)?;
        set_meta(&tx, "timezone", zone)?;
        tx.commit().map_err(db_error)
    }

    /// Stripe's JSON of one stored transaction.
    pub fn transaction_json(&self, id: &str) -> Result<Option<Value>, Error> {
        let text: Option<String> = self
            .conn()
            .query_row(
                "SELECT json FROM balance_transaction_json WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_error)?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| Error::Storage(e.to_string())))
            .transpose()
    }

    /// Upserts Stripe balance transactions (by id) in one transaction; for tests and the benchmark.
    pub fn upsert(&self, objects: &[Value]) -> Result<usize, Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db_error)?;
        let n = upsert_rows(&tx, objects)?;
        tx.commit().map_err(db_error)?;
        Ok(n)
    }

    /// Open ranges of the sync plan, oldest plan first.
    pub(crate) fn open_ranges(&self) -> Result<Vec<StoredRange>, Error> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT id, lo, hi, cursor, cursor_created FROM sync_ranges WHERE done = 0 ORDER BY id",
            )
            .map_err(db_error)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(StoredRange {
                    id: r.get(0)?,
                    lo: r.get(1)?,
                    hi: r.get(2)?,
                    cursor: r.get(3)?,
                    cursor_created: r.get(4)?,
                })
            })
            .map_err(db_error)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db_error)?;
        Ok(rows)
    }

    pub(crate) fn has_finished_ranges(&self) -> Result<bool, Error> {
        self.conn()
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM sync_ranges WHERE done = 1)",
                [],
                |r| r.get(0),
            )
            .map_err(db_error)
    }

    /// Stores a new plan: `[lo, hi)` ranges, each open.
    pub(crate) fn plan(&self, ranges: &[(i64, Option<i64>)]) -> Result<(), Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db_error)?;
        tx.execute("DELETE FROM sync_ranges", [])
            .map_err(db_error)?;
        for (lo, hi) in ranges {
            tx.execute(
                "INSERT INTO sync_ranges (lo, hi) VALUES (?1, ?2)",
                params![lo, hi],
            )
            .map_err(db_error)?;
        }
        tx.commit().map_err(db_error)
    }

    /// Splits range `id` at `at`: it keeps `[at, hi)` (and its cursor), a
    /// new open range gets `[lo, at)`. Returns the new range's id.
    pub(crate) fn split(&self, id: i64, lo: i64, at: i64) -> Result<i64, Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db_error)?;
        tx.execute(
            "UPDATE sync_ranges SET lo = ?1 WHERE id = ?2",
            params![at, id],
        )
        .map_err(db_error)?;
        tx.execute(
            "INSERT INTO sync_ranges (lo, hi) VALUES (?1, ?2)",
            params![lo, at],
        )
        .map_err(db_error)?;
        let new_id = tx.last_insert_rowid();
        tx.commit().map_err(db_error)?;
        Ok(new_id)
    }

    /// Stores pages and moves their ranges' cursors, all in one
    /// transaction, so a crash leaves each page either stored with its
    /// cursor or not at all. Several pages at once share the index and WAL
    /// writes (group commit).
    pub(crate) fn commit_pages(&self, pages: &[PageWrite]) -> Result<(), Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db_error)?;
        for p in pages {
            upsert_rows(&tx, &p.rows)?;
            tx.execute(
                "UPDATE sync_ranges SET cursor = COALESCE(?1, cursor), cursor_created = COALESCE(?2, cursor_created), done = ?3 WHERE id = ?4",
                params![
                    p.cursor.as_ref().map(|c| c.0.as_str()),
                    p.cursor.as_ref().map(|c| c.1),
                    p.done,
                    p.range_id
                ],
            )
            .map_err(db_error)?;
        }
        tx.commit().map_err(db_error)
    }

    /// Ends a plan whose ranges are all done: the copy is complete as of `now`.
    pub(crate) fn finish_plan(&self, now: i64) -> Result<(), Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db_error)?;
        tx.execute("DELETE FROM sync_ranges", [])
            .map_err(db_error)?;
        set_meta(&tx, "complete", "1")?;
        set_meta(&tx, "last_synced_at", &now.to_string())?;
        tx.commit().map_err(db_error)?;
        drop(conn);
        self.build_indexes()
    }

    /// Refreshes the query planner's statistics where they went stale
    /// (SQLite's advice after large changes), sampling so it stays quick.
    pub fn optimize(&self) -> Result<(), Error> {
        self.conn()
            .execute_batch("PRAGMA analysis_limit = 1000; PRAGMA optimize;")
            .map_err(db_error)
    }

    /// Where a later sync starts: the newest stored, or the last sync when
    /// nothing is stored (an account with no activity yet), minus the
    /// look-back; or the oldest pending row, whichever is earlier (pending
    /// rows can still change). `None` before a sync has finished.
    pub(crate) fn incremental_start(&self, look_back: i64) -> Result<Option<i64>, Error> {
        let conn = self.conn();
        let (newest, pending): (Option<i64>, Option<i64>) = conn
            .query_row(
                "SELECT MAX(created), (SELECT MIN(created) FROM balance_transactions WHERE status = 'pending')
                 FROM balance_transactions",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(db_error)?;
        let last_synced: Option<i64> =
            get_meta(&conn, "last_synced_at")?.and_then(|v| v.parse().ok());
        Ok(newest.or(last_synced).map(|n| {
            let from = n - look_back;
            pending.map_or(from, |p| p.min(from))
        }))
    }

    /// Payouts in the copy whose settled transactions are not linked yet
    /// (new ones, those Stripe was still reconciling, those that failed),
    /// oldest first, with when each was made.
    pub(crate) fn unlinked_payouts(&self) -> Result<Vec<(String, i64)>, Error> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT source, MIN(created) FROM balance_transactions
                 WHERE type = 'payout' AND source LIKE 'po_%'
                   AND source NOT IN (SELECT id FROM payout_links WHERE status IN ('linked', 'manual'))
                 GROUP BY source ORDER BY 2",
            )
            .map_err(db_error)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db_error)?
            .collect::<Result<Vec<(String, i64)>, _>>()
            .map_err(db_error)?;
        Ok(rows)
    }

    /// Stores one page of what a payout settled and links each row to it,
    /// in one transaction: a payout is linked page by page, never held whole.
    pub(crate) fn link_payout_page(&self, payout: &str, objects: &[Value]) -> Result<(), Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db_error)?;
        upsert_rows(&tx, objects)?;
        {
            let mut stmt = tx
                .prepare_cached("UPDATE balance_transactions SET payout = ?1 WHERE id = ?2")
                .map_err(db_error)?;
            for o in objects {
                if let Some(id) = o.get("id").and_then(Value::as_str) {
                    stmt.execute(params![payout, id]).map_err(db_error)?;
                }
            }
        }
        tx.commit().map_err(db_error)
    }

    /// Records what became of a payout's linking (see [`PayoutLink`]).
    pub(crate) fn set_payout_link(&self, payout: &str, link: &PayoutLink) -> Result<(), Error> {
        let (status, transactions, message) = match link {
            PayoutLink::Linked { transactions } => ("linked", *transactions as i64, ""),
            PayoutLink::Manual => ("manual", 0, ""),
            PayoutLink::Reconciling => ("reconciling", 0, ""),
            PayoutLink::Failed { message } => ("failed", 0, message.as_str()),
        };
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO payout_links (id, transactions, status, message) VALUES (?1, ?2, ?3, ?4)",
                params![payout, transactions, status, message],
            )
            .map(|_| ())
            .map_err(db_error)
    }

    /// What became of a payout's linking; `None` before a sync looked at it.
    pub(crate) fn payout_link(&self, payout: &str) -> Result<Option<PayoutLink>, Error> {
        self.conn()
            .query_row(
                "SELECT status, transactions, message FROM payout_links WHERE id = ?1",
                [payout],
                |r| {
                    let status: String = r.get(0)?;
                    let transactions: i64 = r.get(1)?;
                    let message: String = r.get(2)?;
                    Ok(match status.as_str() {
                        "manual" => PayoutLink::Manual,
                        "reconciling" => PayoutLink::Reconciling,
                        "failed" => PayoutLink::Failed { message },
                        _ => PayoutLink::Linked {
                            transactions: transactions as u64,
                        },
                    })
                },
            )
            .optional()
            .map_err(db_error)
    }
}

/// What became of a payout when a sync looked at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PayoutLink {
    /// Stripe listed what it settled; so many transactions.
    Linked { transactions: u64 },
    /// Requested by hand: Stripe does not list what it settled.
    Manual,
    /// Automatic, but Stripe is still reconciling it: linked by a later sync.
    Reconciling,
    /// Stripe did not answer for it; a later sync tries again.
    Failed { message: String },
}

fn migrate(conn: &mut Connection) -> Result<(), Error> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(db_error)?;
    if version as usize > MIGRATIONS.len() {
        return Err(Error::Storage(format!(
            "the local copy was written by a newer Stripe Desk (schema {version}); update the app"
        )));
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction().map_err(db_error)?;
        tx.execute_batch(step).map_err(db_error)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(db_error)?;
        tx.commit().map_err(db_error)?;
    }
    Ok(())
}

fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>, Error> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .map_err(db_error)
}

fn set_meta(tx: &Transaction<'_>, key: &str, value: &str) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )
    .map(|_| ())
    .map_err(db_error)
}

/// Upserts by id. `payout` is not a field of the object (Stripe only
/// filters by it), so an update never clears a link.
fn upsert_rows(tx: &Transaction<'_>, objects: &[Value]) -> Result<usize, Error> {
    let mut row = tx
        .prepare_cached(
            "INSERT INTO balance_transactions
               (id, created, available_on, amount, fee, net, currency, type, reporting_category, status, description, source, balance_type)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT(id) DO UPDATE SET
               created = excluded.created, available_on = excluded.available_on,
               amount = excluded.amount, fee = excluded.fee, net = excluded.net,
               currency = excluded.currency, type = excluded.type,
               reporting_category = excluded.reporting_category, status = excluded.status,
               description = excluded.description, source = excluded.source,
               balance_type = excluded.balance_type",
        )
        .map_err(db_error)?;
    let mut json = tx
        .prepare_cached(
            "INSERT INTO balance_transaction_json (id, json) VALUES (?1, ?2)
             ON CONFLICT(id) DO UPDATE SET json = excluded.json",
        )
        .map_err(db_error)?;
    let bad = |what: &str| Error::Decode(format!("balance transaction without {what}"));
    for o in objects {
        let s = |k: &str| o.get(k).and_then(Value::as_str);
        let i = |k: &str| o.get(k).and_then(Value::as_i64).ok_or_else(|| bad(k));
        let id = s("id").ok_or_else(|| bad("id"))?;
        // `source` may come expanded (an object) or as an id.
        let source = match o.get("source") {
            Some(Value::String(s)) => s.as_str(),
            Some(Value::Object(m)) => m.get("id").and_then(Value::as_str).unwrap_or_default(),
            _ => "",
        };
        row.execute(params![
            id,
            i("created")?,
            i("available_on")?,
            i("amount")?,
            i("fee")?,
            i("net")?,
            s("currency").ok_or_else(|| bad("currency"))?,
            s("type").ok_or_else(|| bad("type"))?,
            s("reporting_category").unwrap_or_default(),
            s("status").ok_or_else(|| bad("status"))?,
            s("description").unwrap_or_default(),
            source,
            // Older API versions left it out: everything was the payments balance then.
            s("balance_type").unwrap_or("payments"),
        ])
        .map_err(db_error)?;
        json.execute(params![id, o.to_string()]).map_err(db_error)?;
    }
    Ok(objects.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(path: &Path) -> i64 {
        Connection::open(path)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn migrations_run_once_in_order_and_a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("copy").join("a.sqlite3");
        let store = BalanceStore::open(&path).unwrap();
        assert_eq!(version(&path), MIGRATIONS.len() as i64);
        let journal: String = store
            .conn()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(journal, "wal");
        drop(store);
        BalanceStore::open(&path).unwrap();
        assert_eq!(version(&path), MIGRATIONS.len() as i64);

        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = BalanceStore::open(&path).err().unwrap();
        assert!(err.plain_message().contains("newer Stripe Desk"), "{err}");
    }

    /// A copy written before `balance_type` was kept is brought up to date
    /// in place, from the JSON Stripe sent (no re-sync), and its query
    /// indexes are rebuilt under their new names.
    #[test]
    fn an_old_copy_gains_balance_types_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            let row = |id: &str, balance_type: Option<&str>| {
                let mut json = serde_json::json!({"id": id, "object": "balance_transaction"});
                if let Some(b) = balance_type {
                    json["balance_type"] = b.into();
                }
                conn.execute(
                    "INSERT INTO balance_transactions (id, created, available_on, amount, fee, net, currency, type, reporting_category, status)
                     VALUES (?1, 1, 1, 100, 0, 100, 'usd', 'topup', 'topup', 'available')",
                    [id],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO balance_transaction_json (id, json) VALUES (?1, ?2)",
                    params![id, json.to_string()],
                )
                .unwrap();
            };
            row("txn_issuing", Some("issuing"));
            row("txn_payments", Some("payments"));
            row("txn_before_the_field", None);
            conn.execute_batch(
                "INSERT INTO payout_links (id, transactions) VALUES ('po_linked', 5), ('po_empty', 0);
                 INSERT INTO meta (key, value) VALUES ('complete', '1');
                 CREATE INDEX bt_totals ON balance_transactions (currency, created);",
            )
            .unwrap();
        }
        let store = BalanceStore::open(&path).unwrap();
        assert_eq!(version(&path), MIGRATIONS.len() as i64);
        let kinds: Vec<(String, String)> = store
            .conn()
            .prepare("SELECT id, balance_type FROM balance_transactions ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let want = [
            ("txn_before_the_field", "payments"),
            ("txn_issuing", "issuing"),
            ("txn_payments", "payments"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()));
        assert_eq!(kinds, want);
        // Kept links stay linked; one linked to nothing is looked at again.
        assert_eq!(
            store.payout_link("po_linked").unwrap(),
            Some(PayoutLink::Linked { transactions: 5 })
        );
        assert_eq!(store.payout_link("po_empty").unwrap(), None);
        assert!(store.is_indexed());
        let index = |name: &str| -> bool {
            store
                .conn()
                .query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?1",
                    [name],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap()
                == 1
        };
        assert!(index("bt_sums") && !index("bt_totals"));
    }

    #[test]
    fn one_copy_per_account_and_mode() {
        let d = Path::new("/data");
        let test = BalanceStore::path_for(d, "acct_1A", Mode::Test);
        let live = BalanceStore::path_for(d, "acct_1A", Mode::Live);
        assert_ne!(test, live);
        assert_eq!(test, Path::new("/data/balances/acct_1A-test.sqlite3"));
        // Nothing in an account id can reach outside the folder.
        let odd = BalanceStore::path_for(d, "../../etc/x", Mode::Test);
        assert_eq!(odd, Path::new("/data/balances/etcx-test.sqlite3"));
    }
}
