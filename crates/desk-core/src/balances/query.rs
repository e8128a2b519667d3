//! Reads of the local copy for the table and the chart: keyset pages (never
//! OFFSET), totals and chart series (the bookkeeper's views are in
//! `summary.rs`). All sums are SQLite integer sums of minor units; nothing
//! passes through a float.

use super::store::{db_error, BalanceStore};
use crate::error::{Code, Error};
use rusqlite::types::Value as Sql;
use rusqlite::{params_from_iter, Row};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

const DAY: i64 = 86_400;

/// A time zone's UTC offset for a chart query.
struct ZoneOffset {
    /// Seconds east of UTC, as SQL over `created`: a number, or a `CASE` on
    /// the instants it changes (daylight saving time).
    sql: String,
    /// Every offset it takes over the rows' span.
    offsets: Vec<i64>,
}

impl ZoneOffset {
    /// SQL that is 1 for a row on the local day before (`after`: after) its
    /// UTC day, else 0; `None` when no row can be. A row is when its second
    /// of the UTC day is before (after) a cut that depends on its offset;
    /// rows clear of every cut are told without the `CASE` on instants,
    /// which costs a third of the query when it runs for every row.
    fn shifted(&self, after: bool) -> Option<String> {
        let cut = |o: i64| if after { DAY - o } else { -o }.clamp(0, DAY);
        let lo = self.offsets.iter().map(|&o| cut(o)).min()?;
        let hi = self.offsets.iter().map(|&o| cut(o)).max()?;
        let (s, offset) = ("created % 86400", &self.sql);
        if after {
            (lo < DAY).then(|| {
                format!("CASE WHEN {s} >= {hi} THEN 1 WHEN {s} < {lo} THEN 0 ELSE {s} + {offset} >= 86400 END")
            })
        } else {
            (hi > 0).then(|| {
                format!("CASE WHEN {s} < {lo} THEN 1 WHEN {s} >= {hi} THEN 0 ELSE {s} + {offset} < 0 END")
            })
        }
    }
}

/// `[from, to)` in unix seconds; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimeRange {
    #[ts(type = "number | null")]
    pub from: Option<i64>,
    #[ts(type = "number | null")]
    pub to: Option<i64>,
}

/// What the table, totals, chart and export select. Empty lists match all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct Filter {
    pub types: Vec<String>,
    pub reporting_categories: Vec<String>,
    pub statuses: Vec<String>,
    pub currencies: Vec<String>,
    pub created: TimeRange,
    pub available_on: TimeRange,
    pub payout: Option<String>,
    pub source: Option<String>,
    /// Text the description contains (case-insensitive for ASCII).
    pub text: Option<String>,
}

impl Filter {
    /// Payout and source pick a handful of rows: an index on them beats any other plan.
    fn is_narrow(&self) -> bool {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        set(&self.payout) || set(&self.source)
    }

    /// What a scan of the `bt_sums` index can answer without the table.
    fn covered_by_totals_index(&self) -> bool {
        !self.is_narrow() && self.text.as_deref().is_none_or(|t| t.trim().is_empty())
    }

    /// ` WHERE ...` (or nothing) and its parameters.
    pub(super) fn sql(&self) -> (String, Vec<Sql>) {
        let mut clauses = Vec::new();
        let mut args = Vec::new();
        let mut any_of = |column: &str, values: &[String], lower: bool| {
            if values.is_empty() {
                return;
            }
            let marks = vec!["?"; values.len()].join(", ");
            clauses.push(format!("{column} IN ({marks})"));
            args.extend(values.iter().map(|v| {
                Sql::Text(if lower {
                    v.to_ascii_lowercase()
                } else {
                    v.clone()
                })
            }));
        };
        any_of("type", &self.types, false);
        any_of("reporting_category", &self.reporting_categories, false);
        any_of("status", &self.statuses, false);
        any_of("currency", &self.currencies, true);
        for (column, range) in [
            ("created", self.created),
            ("available_on", self.available_on),
        ] {
            if let Some(from) = range.from {
                clauses.push(format!("{column} >= ?"));
                args.push(Sql::Integer(from));
            }
            if let Some(to) = range.to {
                clauses.push(format!("{column} < ?"));
                args.push(Sql::Integer(to));
            }
        }
        for (column, value) in [("payout", &self.payout), ("source", &self.source)] {
            if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                clauses.push(format!("{column} = ?"));
                args.push(Sql::Text(v.to_string()));
            }
        }
        if let Some(t) = self
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let escaped = t
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            clauses.push("description LIKE ? ESCAPE '\\'".into());
            args.push(Sql::Text(format!("%{escaped}%")));
        }
        if clauses.is_empty() {
            (String::new(), args)
        } else {
            (format!(" WHERE {}", clauses.join(" AND ")), args)
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SortColumn {
    #[default]
    Created,
    Type,
    ReportingCategory,
    Description,
    Amount,
    Fee,
    Net,
    Currency,
    Status,
    AvailableOn,
    Source,
    Payout,
}

impl SortColumn {
    fn column(self) -> &'static str {
        match self {
            SortColumn::Created => "created",
            SortColumn::Type => "type",
            SortColumn::ReportingCategory => "reporting_category",
            SortColumn::Description => "description",
            SortColumn::Amount => "amount",
            SortColumn::Fee => "fee",
            SortColumn::Net => "net",
            SortColumn::Currency => "currency",
            SortColumn::Status => "status",
            SortColumn::AvailableOn => "available_on",
            SortColumn::Source => "source",
            SortColumn::Payout => "payout",
        }
    }

    /// The index that gives this sort's order (see the schema).
    fn index(self) -> &'static str {
        match self {
            SortColumn::ReportingCategory => "bt_category",
            SortColumn::Created => "bt_created",
            SortColumn::Type => "bt_type",
            SortColumn::Description => "bt_description",
            SortColumn::Amount => "bt_amount",
            SortColumn::Fee => "bt_fee",
            SortColumn::Net => "bt_net",
            SortColumn::Currency => "bt_currency",
            SortColumn::Status => "bt_status",
            SortColumn::AvailableOn => "bt_available_on",
            SortColumn::Source => "bt_source",
            SortColumn::Payout => "bt_payout",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Sort {
    pub column: SortColumn,
    pub descending: bool,
}

impl Sort {
    pub fn newest_first() -> Sort {
        Sort {
            column: SortColumn::Created,
            descending: true,
        }
    }

    /// The full sort key, unique per row: the column, then `created`, then
    /// `id`; money columns within each currency (each has an index in this shape).
    pub(super) fn key_columns(&self) -> Vec<&'static str> {
        match self.column {
            SortColumn::Created => vec!["created", "id"],
            c @ (SortColumn::Amount | SortColumn::Fee | SortColumn::Net) => {
                vec!["currency", c.column(), "created", "id"]
            }
            c => vec![c.column(), "created", "id"],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(untagged)]
#[ts(export)]
pub enum CursorValue {
    Int(#[ts(type = "number")] i64),
    Text(String),
}

/// A row's position in a sort: its sort key values, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Cursor(pub Vec<CursorValue>);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct PageRequest {
    pub filter: Filter,
    pub sort: Sort,
    /// Rows after this one in the sort (scrolling down)...
    pub after: Option<Cursor>,
    /// ...or before it (scrolling up). Neither: the first page...
    pub before: Option<Cursor>,
    /// ...or, with `from_end`, the last page: the first page of the
    /// reversed sort, so a jump to the end reads no row above it.
    pub from_end: bool,
    #[ts(type = "number")]
    pub limit: u32,
    /// Pages of `limit` rows to pass over first, in the direction of
    /// travel: a jump far from any page the table holds walks the keys
    /// alone (the sort's index) and reads the rows of the one page it lands on.
    #[ts(type = "number")]
    pub skip_pages: u32,
}

/// One row of the table. Amounts in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BalanceRow {
    pub id: String,
    #[ts(type = "number")]
    pub created: i64,
    #[ts(type = "number")]
    pub available_on: i64,
    #[ts(type = "number")]
    pub amount: i64,
    #[ts(type = "number")]
    pub fee: i64,
    #[ts(type = "number")]
    pub net: i64,
    pub currency: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub reporting_category: String,
    pub status: String,
    pub description: Option<String>,
    pub source: Option<String>,
    pub payout: Option<String>,
    /// The balance it moves: `payments`, `issuing`, ... (Stripe's `balance_type`).
    pub balance_type: String,
    /// Where the row sits in the requested sort, for the next request.
    pub cursor: Cursor,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Page {
    pub rows: Vec<BalanceRow>,
    /// More rows exist beyond this page in the direction of travel.
    pub has_more: bool,
    /// Where each page passed over (`skip_pages`) ends in the direction of
    /// travel: its last row's cursor walking forward, its first row's
    /// backward. Fewer than asked when the rows ran out.
    pub skipped: Vec<Cursor>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CurrencyTotals {
    pub currency: String,
    #[ts(type = "number")]
    pub count: u64,
    #[ts(type = "number")]
    pub amount: i64,
    #[ts(type = "number")]
    pub fee: i64,
    #[ts(type = "number")]
    pub net: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Bucket {
    Day,
    Week,
    Month,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChartPoint {
    /// The bucket's first day at 00:00 UTC, a date marker: the days are the
    /// account's (see [`BalanceStore::chart`]); weeks start on Monday.
    #[ts(type = "number")]
    pub start: i64,
    /// `2026-11-25`, the bucket's first day.
    pub label: String,
    #[ts(type = "number")]
    pub net: i64,
    /// Sum of amounts.
    #[ts(type = "number")]
    pub gross: i64,
    #[ts(type = "number")]
    pub fees: i64,
    #[ts(type = "number")]
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChartSeries {
    pub currency: String,
    pub points: Vec<ChartPoint>,
}

pub(super) const ROW_COLUMNS: &str = "id, created, available_on, amount, fee, net, currency, type, reporting_category, status, description, source, payout, balance_type";

fn opt(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// The cursor made of the row's columns at `positions`.
fn read_cursor(r: &Row<'_>, positions: impl Iterator<Item = usize>) -> rusqlite::Result<Cursor> {
    let mut cursor = Vec::new();
    for idx in positions {
        cursor.push(match r.get_ref(idx)? {
            rusqlite::types::ValueRef::Integer(i) => CursorValue::Int(i),
            v => CursorValue::Text(v.as_str().unwrap_or_default().to_string()),
        });
    }
    Ok(Cursor(cursor))
}

pub(super) fn read_row(r: &Row<'_>, key: &[&str]) -> rusqlite::Result<BalanceRow> {
    let cursor = read_cursor(
        r,
        key.iter().map(|k| {
            ROW_COLUMNS
                .split(", ")
                .position(|c| c == *k)
                .expect("sort keys are row columns")
        }),
    )?;
    Ok(BalanceRow {
        id: r.get(0)?,
        created: r.get(1)?,
        available_on: r.get(2)?,
        amount: r.get(3)?,
        fee: r.get(4)?,
        net: r.get(5)?,
        currency: r.get(6)?,
        kind: r.get(7)?,
        reporting_category: r.get(8)?,
        status: r.get(9)?,
        description: opt(r.get(10)?),
        source: opt(r.get(11)?),
        payout: opt(r.get(12)?),
        balance_type: r.get(13)?,
        cursor,
    })
}

impl BalanceStore {
    /// The table, or its covering `bt_sums` index when that answers the
    /// query: SQLite would otherwise prefer a filter's index and visit the
    /// table row by row.
    pub(super) fn scan_source(&self, filter: &Filter) -> &'static str {
        if self.is_indexed() && filter.covered_by_totals_index() {
            "balance_transactions INDEXED BY bt_sums"
        } else {
            "balance_transactions"
        }
    }

    /// One page of the filtered table in the requested sort, by keyset.
    pub fn page(&self, req: &PageRequest) -> Result<Page, Error> {
        let limit = req.limit.clamp(1, 1000) as usize;
        let key = req.sort.key_columns();
        // Walking the sort column's index and skipping what the filter
        // leaves out finds a page in a few thousand steps at most; SQLite
        // would rather use a filter's index and sort every match (a million,
        // for a broad filter). Only payout and source pick so few rows that
        // their own index wins.
        let from = if req.filter.is_narrow() || !self.is_indexed() {
            "balance_transactions".to_string()
        } else {
            format!(
                "balance_transactions INDEXED BY {}",
                req.sort.column.index()
            )
        };
        // Walking backwards reverses the order, then the rows are turned back.
        let backwards = req.after.is_none() && (req.before.is_some() || req.from_end);
        let descending = req.sort.descending != backwards;
        let mut anchor = req.after.clone().or_else(|| req.before.clone());
        if anchor.as_ref().is_some_and(|c| c.0.len() != key.len()) {
            return Err(Error::invalid(
                Code::BadCursor,
                "The table position no longer fits this sort; start from the top.",
                None,
            ));
        }
        let dir = if descending { "DESC" } else { "ASC" };
        let order = key
            .iter()
            .map(|k| format!("{k} {dir}"))
            .collect::<Vec<_>>()
            .join(", ");
        let op = if descending { "<" } else { ">" };
        let key_list = key.join(", ");
        let marks = vec!["?"; key.len()].join(", ");
        let (base_where, base_args) = req.filter.sql();
        // The filter, and past the anchor in the direction of travel.
        let after_anchor = |anchor: &Option<Cursor>| {
            let (mut where_sql, mut args) = (base_where.clone(), base_args.clone());
            if let Some(cursor) = anchor {
                where_sql.push_str(if where_sql.is_empty() {
                    " WHERE "
                } else {
                    " AND "
                });
                where_sql.push_str(&format!("({key_list}) {op} ({marks})"));
                args.extend(cursor.0.iter().map(|v| match v {
                    CursorValue::Int(i) => Sql::Integer(*i),
                    CursorValue::Text(t) => Sql::Text(t.clone()),
                }));
            }
            (where_sql, args)
        };
        let conn = self.conn();
        let mut skipped = Vec::new();
        if req.skip_pages > 0 {
            // The same keyset walk the table would make page by page, on the
            // sort key alone: the sort's index answers it without the table
            // (unless a filter needs a column the index lacks).
            let (where_sql, args) = after_anchor(&anchor);
            let walk = limit * req.skip_pages as usize;
            let sql =
                format!("SELECT {key_list} FROM {from}{where_sql} ORDER BY {order} LIMIT {walk}");
            let mut stmt = conn.prepare_cached(&sql).map_err(db_error)?;
            let mut rows = stmt.query(params_from_iter(args)).map_err(db_error)?;
            let mut n = 0usize;
            while let Some(r) = rows.next().map_err(db_error)? {
                n += 1;
                if n.is_multiple_of(limit) {
                    skipped.push(read_cursor(r, 0..key.len()).map_err(db_error)?);
                }
            }
            if n < walk {
                return Ok(Page {
                    rows: Vec::new(),
                    has_more: false,
                    skipped,
                });
            }
            anchor = skipped.last().cloned();
        }
        let (where_sql, args) = after_anchor(&anchor);
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM {from}{where_sql} ORDER BY {order} LIMIT {}",
            limit + 1
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(db_error)?;
        let mut rows = stmt
            .query_map(params_from_iter(args), |r| read_row(r, &key))
            .map_err(db_error)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db_error)?;
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        if backwards {
            rows.reverse();
        }
        Ok(Page {
            rows,
            has_more,
            skipped,
        })
    }

    /// Count, amount, fee and net per currency, for exactly what `filter` selects.
    pub fn totals(&self, filter: &Filter) -> Result<Vec<CurrencyTotals>, Error> {
        let (where_sql, args) = filter.sql();
        let from = self.scan_source(filter);
        let sql = format!(
            "SELECT currency, COUNT(*), SUM(amount), SUM(fee), SUM(net) FROM {from}{where_sql} GROUP BY currency ORDER BY currency"
        );
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql).map_err(db_error)?;
        let rows = stmt
            .query_map(params_from_iter(args), |r| {
                Ok(CurrencyTotals {
                    currency: r.get(0)?,
                    count: r.get::<_, i64>(1)? as u64,
                    amount: r.get(2)?,
                    fee: r.get(3)?,
                    net: r.get(4)?,
                })
            })
            .map_err(db_error)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db_error)?;
        Ok(rows)
    }

    /// Net, gross and fees per bucket and currency for what `filter` selects,
    /// in the days of the account's time zone (kept with the copy; UTC
    /// before a sync has read it); weeks start on Monday. Empty buckets
    /// inside the range are included as zeros, so a chart's x axis is continuous.
    pub fn chart(&self, filter: &Filter, bucket: Bucket) -> Result<Vec<ChartSeries>, Error> {
        let zone = self.timezone()?;
        let (where_sql, args) = filter.sql();
        let from = self.scan_source(filter);
        let offset = match zone.as_deref() {
            Some(zone) => self.zone_offset(zone)?,
            None => None,
        };
        // Group by UTC day in SQLite, in the order of `bt_sums` (which
        // indexes exactly `created / 86400`; Stripe's times are never
        // negative), and roll days up into the account's days, weeks or
        // months here. In a zone, each UTC day's rows that fall on the local
        // day before or after it are summed apart (grouping by the local day
        // itself would sort a million rows: four times slower).
        let sql = match &offset {
            None => format!(
                "SELECT currency, created / 86400, SUM(net), SUM(amount), SUM(fee), COUNT(*),
                        0, 0, 0, 0, 0, 0, 0, 0
                 FROM {from}{where_sql} GROUP BY 1, 2 ORDER BY 1, 2"
            ),
            Some(zone) => {
                // Only the side the offsets reach is summed apart: each
                // conditional sum costs about a quarter of the plain query.
                let sums = |flag: &str| {
                    format!(
                        "SUM(net * {flag}), SUM(amount * {flag}), SUM(fee * {flag}), SUM({flag})"
                    )
                };
                let zero = || "0, 0, 0, 0".to_string();
                let (before_flag, after_flag) = (zone.shifted(false), zone.shifted(true));
                let before = before_flag.as_ref().map_or_else(zero, |_| sums("b"));
                let after = after_flag.as_ref().map_or_else(zero, |_| sums("a"));
                let (b, a) = (
                    before_flag.unwrap_or_else(|| "0".into()),
                    after_flag.unwrap_or_else(|| "0".into()),
                );
                format!(
                    "SELECT currency, day, SUM(net), SUM(amount), SUM(fee), COUNT(*), {before}, {after}
                     FROM (SELECT currency, created / 86400 AS day, net, amount, fee,
                                  {b} AS b, {a} AS a
                           FROM {from}{where_sql})
                     GROUP BY 1, 2 ORDER BY 1, 2"
                )
            }
        };
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql).map_err(db_error)?;
        let mut series: BTreeMap<String, BTreeMap<i64, ChartPoint>> = BTreeMap::new();
        let mut rows = stmt.query(params_from_iter(args)).map_err(db_error)?;
        while let Some(r) = rows.next().map_err(db_error)? {
            let currency: String = r.get(0).map_err(db_error)?;
            let day: i64 = r.get(1).map_err(db_error)?;
            let sums = |first: usize| -> Result<[i64; 4], Error> {
                let mut v = [0; 4];
                for (k, slot) in v.iter_mut().enumerate() {
                    *slot = r.get(first + k).map_err(db_error)?;
                }
                Ok(v)
            };
            let (all, before, after) = (sums(2)?, sums(6)?, sums(10)?);
            let on_day: [i64; 4] = std::array::from_fn(|k| all[k] - before[k] - after[k]);
            let points = series.entry(currency).or_default();
            for (local_day, [net, gross, fees, count]) in
                [(day - 1, before), (day, on_day), (day + 1, after)]
            {
                if count == 0 {
                    continue;
                }
                let start_day = bucket_start(local_day, bucket);
                let point = points
                    .entry(start_day)
                    .or_insert_with(|| empty_point(start_day));
                point.net += net;
                point.gross += gross;
                point.fees += fees;
                point.count += count as u64;
            }
        }
        Ok(series
            .into_iter()
            .map(|(currency, points)| {
                let first = points.keys().next().copied();
                let last = points.keys().next_back().copied();
                let mut filled = Vec::with_capacity(points.len());
                let mut points = points;
                if let (Some(mut d), Some(last)) = (first, last) {
                    while d <= last {
                        filled.push(points.remove(&d).unwrap_or_else(|| empty_point(d)));
                        d = next_bucket(d, bucket);
                    }
                }
                ChartSeries {
                    currency,
                    points: filled,
                }
            })
            .collect())
    }

    /// The zone's UTC offset in seconds over the span of the copy's rows;
    /// `None` when it is UTC throughout.
    fn zone_offset(&self, zone: &str) -> Result<Option<ZoneOffset>, Error> {
        let tz = jiff::tz::TimeZone::get(zone)
            .map_err(|e| Error::Storage(format!("time zone {zone}: {e}")))?;
        let (first, last): (Option<i64>, Option<i64>) = self
            .conn()
            .query_row(
                "SELECT MIN(created), MAX(created) FROM balance_transactions",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(db_error)?;
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(None);
        };
        let start = jiff::Timestamp::from_second(first)
            .map_err(|e| Error::Storage(format!("time {first}: {e}")))?;
        let mut changes = Vec::new();
        for t in tz.following(start) {
            let at = t.timestamp().as_second();
            if at > last {
                break;
            }
            changes.push((at, t.offset().seconds()));
        }
        let initial = tz.to_offset(start).seconds();
        let mut offsets: Vec<i64> = std::iter::once(initial)
            .chain(changes.iter().map(|c| c.1))
            .map(i64::from)
            .collect();
        offsets.sort_unstable();
        offsets.dedup();
        if offsets == [0] {
            return Ok(None);
        }
        let mut sql = String::from("CASE");
        let mut current = initial;
        for (at, offset) in &changes {
            sql.push_str(&format!(" WHEN created < {at} THEN {current}"));
            current = *offset;
        }
        let sql = if changes.is_empty() {
            current.to_string()
        } else {
            format!("{sql} ELSE {current} END")
        };
        Ok(Some(ZoneOffset { sql, offsets }))
    }
}

fn empty_point(day: i64) -> ChartPoint {
    ChartPoint {
        start: day * DAY,
        label: iso_date(day),
        net: 0,
        gross: 0,
        fees: 0,
        count: 0,
    }
}

/// First day of the bucket holding `day` (days since 1970-01-01, a Thursday).
fn bucket_start(day: i64, bucket: Bucket) -> i64 {
    match bucket {
        Bucket::Day => day,
        Bucket::Week => day - (day + 3).rem_euclid(7),
        Bucket::Month => {
            let (y, m, _) = civil_from_days(day);
            days_from_civil(y, m, 1)
        }
    }
}

fn next_bucket(start: i64, bucket: Bucket) -> i64 {
    match bucket {
        Bucket::Day => start + 1,
        Bucket::Week => start + 7,
        Bucket::Month => {
            let (y, m, _) = civil_from_days(start);
            if m == 12 {
                days_from_civil(y + 1, 1, 1)
            } else {
                days_from_civil(y, m + 1, 1)
            }
        }
    }
}

/// (year, month, day) of a day number (Howard Hinnant's civil calendar algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn iso_date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `2026-11-25T23:31:44Z`: ISO 8601 in UTC.
pub(crate) fn iso_datetime(unix: i64) -> String {
    let day = unix.div_euclid(DAY);
    let secs = unix.rem_euclid(DAY);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        iso_date(day),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn usd(id: &str, created: i64, net: i64) -> Value {
        serde_json::json!({
            "id": id, "object": "balance_transaction", "amount": net, "available_on": created,
            "created": created, "currency": "usd", "description": null, "fee": 0,
            "fee_details": [], "net": net, "reporting_category": "charge", "source": null,
            "status": "available", "type": "charge"
        })
    }

    /// (first day, net) of every bucket that holds transactions.
    fn chart_nets(store: &BalanceStore, bucket: Bucket) -> Vec<(String, i64)> {
        store.chart(&Filter::default(), bucket).unwrap()[0]
            .points
            .iter()
            .filter(|p| p.count > 0)
            .map(|p| (p.label.clone(), p.net))
            .collect()
    }

    fn at(y: i64, m: i64, d: i64, hour: i64, minute: i64) -> i64 {
        days_from_civil(y, m, d) * DAY + hour * 3600 + minute * 60
    }

    /// Rows that tie on every sort column and on `created` in many ways, so
    /// only the ID tells them apart.
    fn tied_rows() -> Vec<Value> {
        (0..61)
            .map(|i: i64| {
                let currency = ["usd", "jpy", "kwd"][(i % 3) as usize];
                let category = ["charge", "refund", "fee"][(i % 3) as usize];
                let status = ["available", "pending"][(i % 2) as usize];
                let kind = ["charge", "refund"][(i % 2) as usize];
                let created = 1_700_000_000 + (i % 4) * 3_600;
                serde_json::json!({
                    "id": format!("txn_{:03}", (i * 37) % 61), "object": "balance_transaction",
                    "amount": (i % 5) * 100, "available_on": created - created % DAY + (i % 2) * DAY,
                    "created": created, "currency": currency,
                    "description": if i % 3 == 0 { Value::Null } else { format!("order {}", i % 4).into() },
                    "fee": -(i % 2) * 30, "fee_details": [], "net": (i % 5) * 100 - (i % 2) * 30,
                    "reporting_category": category,
                    "source": if i % 4 == 0 { Value::Null } else { format!("ch_{}", i % 3).into() },
                    "status": status,
                    "type": kind
                })
            })
            .collect()
    }

    #[test]
    fn backward_pages_from_the_end_are_the_forward_walk_reversed_and_skips_land_alike() {
        let dir = tempfile::tempdir().unwrap();
        let store = BalanceStore::open(&dir.path().join("k.sqlite3")).unwrap();
        store.upsert(&tied_rows()).unwrap();
        let columns = [
            SortColumn::Created,
            SortColumn::Type,
            SortColumn::ReportingCategory,
            SortColumn::Description,
            SortColumn::Amount,
            SortColumn::Fee,
            SortColumn::Net,
            SortColumn::Currency,
            SortColumn::Status,
            SortColumn::AvailableOn,
            SortColumn::Source,
            SortColumn::Payout,
        ];
        for column in columns {
            for descending in [false, true] {
                let sort = Sort { column, descending };
                let req = |after, before, from_end| PageRequest {
                    sort,
                    after,
                    before,
                    from_end,
                    limit: 7,
                    ..PageRequest::default()
                };
                let mut forward = Vec::new();
                let mut rows = Vec::new();
                let mut page = store.page(&req(None, None, false)).unwrap();
                loop {
                    rows.extend(page.rows.iter().cloned());
                    forward.extend(page.rows.iter().map(|r| r.id.clone()));
                    if !page.has_more {
                        break;
                    }
                    let after = page.rows.last().map(|r| r.cursor.clone());
                    page = store.page(&req(after, None, false)).unwrap();
                }
                assert_eq!(forward.len(), 61, "{sort:?}");
                // From the end: the first page of the reversed sort, in the
                // sort's order, then pages before the first row of each.
                let mut backward = Vec::new();
                let mut page = store.page(&req(None, None, true)).unwrap();
                assert_eq!(page.rows.len(), 7);
                loop {
                    backward.extend(page.rows.iter().rev().map(|r| r.id.clone()));
                    if !page.has_more {
                        break;
                    }
                    let before = page.rows.first().map(|r| r.cursor.clone());
                    page = store.page(&req(None, before, false)).unwrap();
                }
                backward.reverse();
                assert_eq!(backward, forward, "{sort:?}");

                // Pages passed over by the key alone land where the page
                // by page walk does, and say where each page ends.
                let skip = |mut r: PageRequest, pages| {
                    r.skip_pages = pages;
                    store.page(&r).unwrap()
                };
                let from_top = skip(req(None, None, false), 3);
                assert_eq!(from_top.rows, rows[21..28], "{sort:?}");
                let ends: Vec<_> = [6, 13, 20].map(|i| rows[i].cursor.clone()).into();
                assert_eq!(from_top.skipped, ends, "{sort:?}");
                let after = Some(rows[20].cursor.clone());
                let from_middle = skip(req(after, None, false), 2);
                assert_eq!(from_middle.rows, rows[35..42], "{sort:?}");
                let from_end = skip(req(None, None, true), 2);
                assert_eq!(from_end.rows, rows[40..47], "{sort:?}");
                let starts: Vec<_> = [54, 47].map(|i| rows[i].cursor.clone()).into();
                assert_eq!(from_end.skipped, starts, "{sort:?}");
                let before = Some(rows[40].cursor.clone());
                let backward = skip(req(None, before, false), 1);
                assert_eq!(backward.rows, rows[26..33], "{sort:?}");
                assert_eq!(backward.skipped, vec![rows[33].cursor.clone()]);
                // Past the last row: no rows, the pages walked until then.
                let beyond = skip(req(None, None, false), 9);
                assert!(beyond.rows.is_empty() && !beyond.has_more);
                assert_eq!(beyond.skipped.len(), 8, "{sort:?}");
            }
        }
        // The rows tie on the sort column and `created` (only the ID
        // breaks them), or the test above would prove less than it says.
        let page = store
            .page(&PageRequest {
                sort: Sort {
                    column: SortColumn::Type,
                    descending: false,
                },
                limit: 61,
                ..PageRequest::default()
            })
            .unwrap();
        assert!(page.rows.windows(2).any(|w| {
            w[0].kind == w[1].kind && w[0].created == w[1].created && w[0].id < w[1].id
        }));
    }

    #[test]
    fn chart_days_are_the_account_s_days() {
        let dir = tempfile::tempdir().unwrap();
        let store = BalanceStore::open(&dir.path().join("c.sqlite3")).unwrap();
        // 1 March 23:30 UTC is 2 March 08:30 in Tokyo (+9) and 1 March 18:30
        // in New York (-5); 2 March 03:00 UTC is 2 March in Tokyo and still
        // 1 March (22:00) in New York; 2 March 12:00 UTC is 2 March in both.
        store
            .upsert(&[
                usd("txn_1", at(2026, 3, 1, 23, 30), 100),
                usd("txn_2", at(2026, 3, 2, 3, 0), 20),
                usd("txn_3", at(2026, 3, 2, 12, 0), 3),
            ])
            .unwrap();
        let day = |label: &str, net: i64| (label.to_string(), net);
        // Before a sync has read the account's zone: UTC days.
        assert_eq!(
            chart_nets(&store, Bucket::Day),
            [day("2026-03-01", 100), day("2026-03-02", 23)]
        );
        store.set_timezone("Asia/Tokyo").unwrap();
        assert_eq!(chart_nets(&store, Bucket::Day), [day("2026-03-02", 123)]);
        store.set_timezone("America/New_York").unwrap();
        assert_eq!(
            chart_nets(&store, Bucket::Day),
            [day("2026-03-01", 120), day("2026-03-02", 3)]
        );
        // All three fall in March in New York too.
        assert_eq!(chart_nets(&store, Bucket::Month), [day("2026-03-01", 123)]);
        store.set_timezone("Etc/UTC").unwrap();
        assert_eq!(
            chart_nets(&store, Bucket::Day),
            [day("2026-03-01", 100), day("2026-03-02", 23)]
        );
    }

    #[test]
    fn a_day_boundary_follows_daylight_saving_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = BalanceStore::open(&dir.path().join("c.sqlite3")).unwrap();
        // New York is at -5 until 8 March 2026 07:00 UTC, then at -4. At
        // 04:30 UTC, 7 March is 6 March 23:30 there and 9 March is 9 March
        // 00:30 (a fixed -5 would put it on 8 March, a Sunday: the week before).
        // 1 March 03:00 UTC is 28 February 22:00 there: February's.
        store
            .upsert(&[
                usd("txn_1", at(2026, 3, 7, 4, 30), 1),
                usd("txn_2", at(2026, 3, 9, 4, 30), 2),
                usd("txn_3", at(2026, 3, 1, 3, 0), 4),
            ])
            .unwrap();
        store.set_timezone("America/New_York").unwrap();
        let day = |label: &str, net: i64| (label.to_string(), net);
        assert_eq!(
            chart_nets(&store, Bucket::Day),
            [
                day("2026-02-28", 4),
                day("2026-03-06", 1),
                day("2026-03-09", 2)
            ]
        );
        // Weeks start on Monday: 23 February, 2 March, 9 March.
        assert_eq!(
            chart_nets(&store, Bucket::Week),
            [
                day("2026-02-23", 4),
                day("2026-03-02", 1),
                day("2026-03-09", 2)
            ]
        );
        assert_eq!(
            chart_nets(&store, Bucket::Month),
            [day("2026-02-01", 4), day("2026-03-01", 3)]
        );
    }

    #[test]
    fn calendar_round_trips_and_buckets() {
        for day in [-1000, -1, 0, 1, 59, 365, 11_016, 20_417, 40_000] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        assert_eq!(iso_datetime(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_datetime(1_764_113_504), "2025-11-25T23:31:44Z");
        assert_eq!(iso_datetime(951_782_400), "2000-02-29T00:00:00Z");
        // 2026-11-25 is a Wednesday; its week starts Monday 2026-11-23.
        let wed = days_from_civil(2026, 11, 25);
        assert_eq!(iso_date(bucket_start(wed, Bucket::Week)), "2026-11-23");
        assert_eq!(iso_date(bucket_start(wed, Bucket::Month)), "2026-11-01");
        let dec = next_bucket(bucket_start(wed, Bucket::Month), Bucket::Month);
        assert_eq!(iso_date(dec), "2026-12-01");
        assert_eq!(iso_date(next_bucket(dec, Bucket::Month)), "2027-01-01");
    }

    #[test]
    fn filter_text_is_a_literal_not_a_pattern() {
        let f = Filter {
            text: Some("50%_off".into()),
            ..Filter::default()
        };
        let (sql, args) = f.sql();
        assert!(sql.contains("LIKE ? ESCAPE"));
        assert_eq!(args, vec![Sql::Text("%50\\%\\_off%".into())]);
    }
}
