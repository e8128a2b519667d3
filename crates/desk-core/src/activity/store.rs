//! One account's events on this computer: a SQLite file per account and
//! mode, `<data dir>/activity/<account>-<mode>.sqlite3` (0600 in a 0700
//! folder), beside the Balances copy rather than inside it: it is written
//! every 30 seconds while a Balances sync may hold that file's write lock
//! for long transactions, it is kept for its own retention, and removing
//! or rebuilding one copy leaves the other alone.
//!
//! Each event is stored once (by its `evt_` ID). Rows keep what the feed
//! filters and sorts on; the JSON sits in a table of its own, so scans for
//! a search stay narrow.

use crate::error::Error;
use crate::private_files;
use crate::views::Mode;
use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::catalog;
use super::wire::ActivityKind;

/// Versioned schema: entry `n` takes `user_version` from `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE events (
    -- Arrival order: what is unread is what arrived after the last read.
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    created INTEGER NOT NULL,
    type TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- Lowercase names, emails and IDs, for the search.
    search TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_created ON events (created, id);
CREATE INDEX events_kind ON events (kind, created, id);
CREATE TABLE event_json (
    id TEXT PRIMARY KEY NOT NULL,
    json TEXT NOT NULL
) WITHOUT ROWID;
-- Names of customers and products heard of, for events that only carry an ID.
CREATE TABLE names (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) WITHOUT ROWID;
"#];

/// An event stored by this call for the first time.
#[derive(Debug, Clone)]
pub(crate) struct NewEvent {
    pub id: String,
    pub created: i64,
    pub event_type: String,
    /// Kept only for events a notification or a change in the app may need.
    pub json: Option<Value>,
}

/// A stored event as the feed reads it.
#[derive(Debug, Clone)]
pub(crate) struct StoredEvent {
    pub seq: i64,
    pub id: String,
    pub created: i64,
    pub kind: ActivityKind,
    pub json: Value,
}

/// What the feed selects in one copy.
#[derive(Debug, Clone, Default)]
pub(crate) struct EventFilter {
    pub kinds: Vec<ActivityKind>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub search: Option<String>,
}

impl EventFilter {
    fn clauses(&self, clauses: &mut Vec<String>, args: &mut Vec<Sql>) {
        if !self.kinds.is_empty() {
            let marks = vec!["?"; self.kinds.len()].join(", ");
            clauses.push(format!("kind IN ({marks})"));
            args.extend(self.kinds.iter().map(|k| Sql::Text(k.code().into())));
        }
        if let Some(from) = self.from {
            clauses.push("created >= ?".into());
            args.push(Sql::Integer(from));
        }
        if let Some(to) = self.to {
            clauses.push("created < ?".into());
            args.push(Sql::Integer(to));
        }
        if let Some(s) = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let escaped = s
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            clauses.push("search LIKE ? ESCAPE '\\'".into());
            args.push(Sql::Text(format!("%{escaped}%")));
        }
    }
}

/// Where a page starts in one copy, newest first: rows strictly older
/// (`Older`) or newer (`Newer`) than `(created, id)`; `inclusive_created`
/// also takes rows of that very second (another copy's cursor sorts first).
#[derive(Debug, Clone)]
pub(crate) enum Bound {
    None,
    Older {
        created: i64,
        id: Option<String>,
        inclusive_created: bool,
    },
    Newer {
        created: i64,
        id: Option<String>,
        inclusive_created: bool,
    },
}

pub(crate) struct ActivityStore {
    conn: Mutex<Connection>,
}

pub(crate) fn db_error(e: rusqlite::Error) -> Error {
    Error::Storage(format!("activity: {e}"))
}

impl ActivityStore {
    /// `<data_dir>/activity/<account>-<mode>.sqlite3`.
    pub fn path_for(data_dir: &Path, account_id: &str, mode: Mode) -> PathBuf {
        data_dir
            .join("activity")
            .join(format!("{}.sqlite3", copy_name(account_id, mode)))
    }

    pub fn open(path: &Path) -> Result<ActivityStore, Error> {
        let storage = |e: std::io::Error| Error::Storage(e.to_string());
        let dir = path
            .parent()
            .ok_or_else(|| Error::Storage("no folder for the activity database".into()))?;
        private_files::private_dir(dir).map_err(storage)?;
        // Made 0600 before SQLite opens it: its -wal and -shm take its mode.
        private_files::open_append(path).map_err(storage)?;
        let mut conn = Connection::open(path).map_err(db_error)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db_error)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(db_error)?;
        for (n, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction().map_err(db_error)?;
            tx.execute_batch(step).map_err(db_error)?;
            tx.pragma_update(None, "user_version", n as i64 + 1)
                .map_err(db_error)?;
            tx.commit().map_err(db_error)?;
        }
        Ok(ActivityStore {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores the events not stored yet (by ID) and learns the names they
    /// carry; returns those that were new.
    pub fn insert(&self, events: &[Value]) -> Result<Vec<NewEvent>, Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db_error)?;
        let mut new = Vec::new();
        {
            let mut add = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO events (id, created, type, kind, search) VALUES (?, ?, ?, ?, ?)",
                )
                .map_err(db_error)?;
            let mut add_json = tx
                .prepare_cached("INSERT OR IGNORE INTO event_json (id, json) VALUES (?, ?)")
                .map_err(db_error)?;
            let mut name = tx
                .prepare_cached("INSERT OR REPLACE INTO names (id, name) VALUES (?, ?)")
                .map_err(db_error)?;
            let mut known = tx
                .prepare_cached("SELECT name FROM names WHERE id = ?")
                .map_err(db_error)?;
            for raw in events {
                let mut event = raw.clone();
                catalog::remove_secrets(&mut event);
                let (Some(id), Some(created), Some(event_type)) = (
                    event.get("id").and_then(Value::as_str).map(str::to_string),
                    event.get("created").and_then(Value::as_i64),
                    event
                        .get("type")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                ) else {
                    tracing::warn!("an event without id, created or type was skipped");
                    continue;
                };
                if let Some((object_id, object_name)) = catalog::name_of(&event) {
                    name.execute(params![object_id, object_name])
                        .map_err(db_error)?;
                }
                let mut lookup = |id: &str| -> Option<String> {
                    known
                        .query_row([id], |r| r.get::<_, String>(0))
                        .optional()
                        .ok()
                        .flatten()
                };
                let search = catalog::search_text(&event, &mut lookup);
                let kind = catalog::kind_of(&event_type);
                let added = add
                    .execute(params![id, created, event_type, kind.code(), search])
                    .map_err(db_error)?;
                if added == 1 {
                    let text = serde_json::to_string(&event).unwrap_or_default();
                    add_json.execute(params![id, text]).map_err(db_error)?;
                    let keep = catalog::matters(&event_type);
                    new.push(NewEvent {
                        id,
                        created,
                        event_type,
                        json: keep.then_some(event),
                    });
                }
            }
        }
        tx.commit().map_err(db_error)?;
        Ok(new)
    }

    /// Up to `limit` events of one type created at or after `since`,
    /// oldest first, with their JSON: what a workflow's trigger reads
    /// (`crate::bulk::triggers`).
    pub fn of_type_since(
        &self,
        event_type: &str,
        since: i64,
        limit: usize,
    ) -> Result<Vec<(String, i64, Value)>, Error> {
        let conn = self.conn();
        let mut q = conn
            .prepare_cached(
                "SELECT e.id, e.created, j.json FROM events e JOIN event_json j ON j.id = e.id
                 WHERE e.type = ? AND e.created >= ? ORDER BY e.created, e.id LIMIT ?",
            )
            .map_err(db_error)?;
        let rows = q
            .query_map(params![event_type, since, limit as i64], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(db_error)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, created, json) = row.map_err(db_error)?;
            if let Ok(json) = serde_json::from_str(&json) {
                out.push((id, created, json));
            }
        }
        Ok(out)
    }

    pub fn meta(&self, key: &str) -> Result<Option<i64>, Error> {
        self.conn()
            .query_row("SELECT value FROM meta WHERE key = ?", [key], |r| r.get(0))
            .optional()
            .map_err(db_error)
    }

    pub fn set_meta(&self, key: &str, value: Option<i64>) -> Result<(), Error> {
        let conn = self.conn();
        match value {
            Some(v) => conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                params![key, v],
            ),
            None => conn.execute("DELETE FROM meta WHERE key = ?", [key]),
        }
        .map(|_| ())
        .map_err(db_error)
    }

    pub fn last_seq(&self) -> Result<i64, Error> {
        self.conn()
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))
            .map_err(db_error)
    }

    /// Events that arrived after `read_seq`.
    pub fn count_after(&self, read_seq: i64) -> Result<u64, Error> {
        self.conn()
            .query_row(
                "SELECT COUNT(*) FROM events WHERE seq > ?",
                [read_seq],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(db_error)
    }

    /// Up to `limit` events of the filter beyond `bound`, in the order of
    /// travel (newest first, or oldest first going towards the newest).
    pub fn page(
        &self,
        filter: &EventFilter,
        bound: &Bound,
        limit: usize,
        oldest_first: bool,
    ) -> Result<Vec<StoredEvent>, Error> {
        let mut clauses = Vec::new();
        let mut args = Vec::new();
        filter.clauses(&mut clauses, &mut args);
        let mut key =
            |op: &str, created: i64, id: &Option<String>, inclusive: bool| match (id, inclusive) {
                (_, true) => {
                    clauses.push(format!("created {op}= ?"));
                    args.push(Sql::Integer(created));
                }
                (Some(id), false) => {
                    clauses.push(format!("(created, e.id) {op} (?, ?)"));
                    args.push(Sql::Integer(created));
                    args.push(Sql::Text(id.clone()));
                }
                (None, false) => {
                    clauses.push(format!("created {op} ?"));
                    args.push(Sql::Integer(created));
                }
            };
        match bound {
            Bound::None => {}
            Bound::Older {
                created,
                id,
                inclusive_created,
            } => key("<", *created, id, *inclusive_created),
            Bound::Newer {
                created,
                id,
                inclusive_created,
            } => key(">", *created, id, *inclusive_created),
        }
        let filter_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let order = if oldest_first { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT e.seq, e.id, created, kind, j.json FROM events e INDEXED BY events_created \
             JOIN event_json j ON j.id = e.id{} ORDER BY created {order}, e.id {order} LIMIT {}",
            filter_sql, limit
        );
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql).map_err(db_error)?;
        let rows = stmt
            .query_map(params_from_iter(args), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(db_error)?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, id, created, kind, json) = row.map_err(db_error)?;
            out.push(StoredEvent {
                seq,
                id,
                created,
                kind: ActivityKind::from_code(&kind),
                json: serde_json::from_str(&json).unwrap_or(Value::Null),
            });
        }
        Ok(out)
    }

    /// How many events the filter selects (for the list's height).
    pub fn count(&self, filter: &EventFilter) -> Result<u64, Error> {
        let mut clauses = Vec::new();
        let mut args = Vec::new();
        filter.clauses(&mut clauses, &mut args);
        let where_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        self.conn()
            .query_row(
                &format!("SELECT COUNT(*) FROM events{where_sql}"),
                params_from_iter(args),
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(db_error)
    }

    pub fn event_json(&self, id: &str) -> Result<Option<Value>, Error> {
        let text: Option<String> = self
            .conn()
            .query_row("SELECT json FROM event_json WHERE id = ?", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db_error)?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// A customer's or product's name, as last heard.
    pub fn name(&self, id: &str) -> Option<String> {
        self.conn()
            .query_row("SELECT name FROM names WHERE id = ?", [id], |r| r.get(0))
            .optional()
            .ok()
            .flatten()
    }

    /// Removes events older than `before` (the retention setting).
    pub fn prune(&self, before: i64) -> Result<u64, Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db_error)?;
        tx.execute(
            "DELETE FROM event_json WHERE id IN (SELECT id FROM events WHERE created < ?)",
            [before],
        )
        .map_err(db_error)?;
        let n = tx
            .execute("DELETE FROM events WHERE created < ?", [before])
            .map_err(db_error)?;
        tx.commit().map_err(db_error)?;
        Ok(n as u64)
    }
}

/// `acct_1Shop-test`: names a copy (the file, and the feed's tie-break).
pub(crate) fn copy_name(account_id: &str, mode: Mode) -> String {
    let safe: String = account_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    format!("{safe}-{}", mode.word())
}
