//! Chart series: net, gross and fees per day, week or month, in the days
//! of the account's time zone. SQLite sums by UTC day in the order of the
//! `bt_sums` index (which holds `created / 86400`, so nothing is sorted);
//! in a zone whose offset is not zero, a second pass of the same index
//! sums only the rows that fall on the local day before or after their UTC
//! day (the first or last hours of each UTC day), and those move. Days
//! become weeks and months with `jiff`'s calendar.

use super::super::store::{db_error, BalanceStore};
use super::{Bucket, ChartPoint, ChartSeries, Filter};
use crate::error::Error;
use jiff::civil::Date;
use jiff::SignedDuration;
use rusqlite::{params_from_iter, Row};
use std::collections::BTreeMap;

const DAY: i64 = 86_400;
const EPOCH: Date = Date::constant(1970, 1, 1);

/// Net, gross, fees and count of some rows.
type Sums = [i64; 4];

/// Which way rows leave their UTC day for the local one.
#[derive(Clone, Copy)]
enum Side {
    /// The local day before: the first seconds of a UTC day, west of UTC.
    Before,
    /// The local day after: the last seconds of a UTC day, east of UTC.
    After,
}

/// The zone's offsets over the copy's span, as SQL that picks the rows of
/// each UTC day that fall on another local day.
struct ZoneDays {
    /// Seconds east of UTC over `created`: a number, or a `CASE` on the
    /// instants it changes (daylight saving time).
    offset_sql: String,
    /// Every offset it takes over the span.
    offsets: Vec<i64>,
}

impl ZoneDays {
    /// The condition on a row for leaving its UTC day to `side`; `None`
    /// when no row can. A row leaves when its second of the UTC day is
    /// before (after) a cut that depends on its offset; rows clear of every
    /// cut are told by their second alone, and only the few between the
    /// cuts evaluate the `CASE` on instants.
    fn leaves(&self, side: Side) -> Option<String> {
        let cut = |o: i64| {
            match side {
                Side::Before => -o,
                Side::After => DAY - o,
            }
            .clamp(0, DAY)
        };
        let lo = self.offsets.iter().map(|&o| cut(o)).min()?;
        let hi = self.offsets.iter().map(|&o| cut(o)).max()?;
        let (s, offset) = ("created % 86400", &self.offset_sql);
        match side {
            Side::Before => (hi > 0).then(|| {
                if lo == hi {
                    format!("{s} < {hi}")
                } else {
                    format!("({s} < {lo} OR ({s} < {hi} AND {s} + {offset} < 0))")
                }
            }),
            Side::After => (lo < DAY).then(|| {
                if lo == hi {
                    format!("{s} >= {lo}")
                } else {
                    format!("({s} >= {hi} OR ({s} >= {lo} AND {s} + {offset} >= 86400))")
                }
            }),
        }
    }
}

impl BalanceStore {
    /// Net, gross and fees per bucket and currency for what `filter` selects,
    /// in the days of the account's time zone (kept with the copy; UTC
    /// before a sync has read it); weeks start on Monday. Empty buckets
    /// inside the range are included as zeros, so a chart's x axis is continuous.
    pub fn chart(&self, filter: &Filter, bucket: Bucket) -> Result<Vec<ChartSeries>, Error> {
        let (where_sql, args) = filter.sql();
        let from = self.scan_source(filter);
        let day_sums = |condition: Option<&str>| -> Result<Vec<(String, i64, Sums)>, Error> {
            let where_sql = match (condition, where_sql.is_empty()) {
                (None, _) => where_sql.clone(),
                (Some(c), true) => format!(" WHERE {c}"),
                (Some(c), false) => format!("{where_sql} AND {c}"),
            };
            let sql = format!(
                "SELECT currency, created / 86400, SUM(net), SUM(amount), SUM(fee), COUNT(*)
                 FROM {from}{where_sql} GROUP BY 1, 2 ORDER BY 1, 2"
            );
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(&sql).map_err(db_error)?;
            let rows = stmt
                .query_map(params_from_iter(args.iter().cloned()), read_day)
                .map_err(db_error)?;
            rows.collect::<Result<_, _>>().map_err(db_error)
        };
        // Each UTC day's sums by currency...
        let mut days: BTreeMap<(String, i64), Sums> = BTreeMap::new();
        for (currency, day, sums) in day_sums(None)? {
            days.insert((currency, day), sums);
        }
        // ...less what falls on the local day before or after, which moves there.
        let zone = match self.timezone()? {
            Some(zone) => self.zone_days(&zone)?,
            None => None,
        };
        for side in [Side::Before, Side::After] {
            let Some(leaves) = zone.as_ref().and_then(|z| z.leaves(side)) else {
                continue;
            };
            let to = match side {
                Side::Before => -1,
                Side::After => 1,
            };
            for (currency, day, moved) in day_sums(Some(&leaves))? {
                add(days.entry((currency.clone(), day)).or_default(), moved, -1);
                add(days.entry((currency, day + to)).or_default(), moved, 1);
            }
        }
        // Days into buckets, per currency.
        let mut series: BTreeMap<String, BTreeMap<Date, ChartPoint>> = BTreeMap::new();
        for ((currency, day), [net, gross, fees, count]) in days {
            if count == 0 {
                continue;
            }
            let start = bucket_start(date_of(day)?, bucket);
            let point = series
                .entry(currency)
                .or_default()
                .entry(start)
                .or_insert_with(|| empty_point(start));
            point.net += net;
            point.gross += gross;
            point.fees += fees;
            point.count += count as u64;
        }
        series
            .into_iter()
            .map(|(currency, mut points)| {
                let mut filled = Vec::with_capacity(points.len());
                let first = points.keys().next().copied();
                let last = points.keys().next_back().copied();
                if let (Some(mut d), Some(last)) = (first, last) {
                    while d <= last {
                        filled.push(points.remove(&d).unwrap_or_else(|| empty_point(d)));
                        d = next_bucket(d, bucket)?;
                    }
                }
                Ok(ChartSeries {
                    currency,
                    points: filled,
                })
            })
            .collect()
    }

    /// The zone's offsets over the span of the copy's rows; `None` when it
    /// is UTC throughout.
    fn zone_days(&self, zone: &str) -> Result<Option<ZoneDays>, Error> {
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
            changes.push((at, i64::from(t.offset().seconds())));
        }
        let initial = i64::from(tz.to_offset(start).seconds());
        let mut offsets: Vec<i64> = std::iter::once(initial)
            .chain(changes.iter().map(|c| c.1))
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
        let offset_sql = if changes.is_empty() {
            current.to_string()
        } else {
            format!("{sql} ELSE {current} END")
        };
        Ok(Some(ZoneDays {
            offset_sql,
            offsets,
        }))
    }
}

fn read_day(r: &Row<'_>) -> rusqlite::Result<(String, i64, Sums)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?],
    ))
}

fn add(to: &mut Sums, sums: Sums, sign: i64) {
    for (t, s) in to.iter_mut().zip(sums) {
        *t += sign * s;
    }
}

/// The date of a day number (days since 1970-01-01).
fn date_of(day: i64) -> Result<Date, Error> {
    EPOCH
        .checked_add(SignedDuration::from_secs(day * DAY))
        .map_err(|e| Error::Storage(format!("day {day}: {e}")))
}

fn empty_point(start: Date) -> ChartPoint {
    ChartPoint {
        start: start.duration_since(EPOCH).as_secs(),
        label: start.to_string(),
        net: 0,
        gross: 0,
        fees: 0,
        count: 0,
    }
}

/// The first day of the bucket holding `date`; weeks start on Monday.
fn bucket_start(date: Date, bucket: Bucket) -> Date {
    match bucket {
        Bucket::Day => date,
        Bucket::Week => {
            let back = i64::from(date.weekday().to_monday_zero_offset());
            date.saturating_sub(SignedDuration::from_hours(24 * back))
        }
        Bucket::Month => date.first_of_month(),
    }
}

fn next_bucket(start: Date, bucket: Bucket) -> Result<Date, Error> {
    let next = match bucket {
        Bucket::Day => start.tomorrow(),
        Bucket::Week => start.checked_add(SignedDuration::from_hours(24 * 7)),
        Bucket::Month => start.last_of_month().tomorrow(),
    };
    next.map_err(|e| Error::Storage(format!("after {start}: {e}")))
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

    fn at(y: i16, m: i8, d: i8, hour: i8, minute: i8) -> i64 {
        jiff::tz::TimeZone::UTC
            .to_timestamp(Date::constant(y, m, d).at(hour, minute, 0, 0))
            .unwrap()
            .as_second()
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
    fn weeks_start_on_monday_and_months_roll_over() {
        // 2026-11-25 is a Wednesday; its week starts Monday 2026-11-23.
        let wed = Date::constant(2026, 11, 25);
        assert_eq!(bucket_start(wed, Bucket::Week).to_string(), "2026-11-23");
        assert_eq!(bucket_start(wed, Bucket::Month).to_string(), "2026-11-01");
        let dec = next_bucket(bucket_start(wed, Bucket::Month), Bucket::Month).unwrap();
        assert_eq!(dec.to_string(), "2026-12-01");
        let jan = next_bucket(dec, Bucket::Month).unwrap();
        assert_eq!(jan.to_string(), "2027-01-01");
        assert_eq!(empty_point(jan).start, 1_798_761_600);
        assert_eq!(date_of(20_417).unwrap().to_string(), "2025-11-25");
        assert_eq!(date_of(-1).unwrap().to_string(), "1969-12-31");
    }

    /// In zones east and west, with and without daylight saving time, at
    /// whole, half and quarter hours, the chart's days are each row's own
    /// local day (asked of jiff row by row).
    #[test]
    fn every_row_lands_on_its_local_day_in_any_zone() {
        let dir = tempfile::tempdir().unwrap();
        let store = BalanceStore::open(&dir.path().join("z.sqlite3")).unwrap();
        // Three years of rows every 3 hours 7 minutes: every hour of the
        // day, across every change of offset.
        let start = at(2023, 1, 1, 0, 0);
        let rows: Vec<Value> = (0..8_000)
            .map(|i| usd(&format!("txn_{i:05}"), start + i * 11_220, i % 97 + 1))
            .collect();
        store.upsert(&rows).unwrap();
        store.build_indexes().unwrap();
        for zone in [
            "America/New_York",
            "Asia/Tokyo",
            "Asia/Kathmandu",
            "Australia/Lord_Howe",
            "America/St_Johns",
            "Pacific/Chatham",
            "Pacific/Kiritimati",
            "Pacific/Pago_Pago",
            "Europe/London",
        ] {
            store.set_timezone(zone).unwrap();
            let tz = jiff::tz::TimeZone::get(zone).unwrap();
            let mut expected: BTreeMap<String, i64> = BTreeMap::new();
            for r in &rows {
                let t = jiff::Timestamp::from_second(r["created"].as_i64().unwrap()).unwrap();
                let local = tz.to_datetime(t).date().to_string();
                *expected.entry(local).or_default() += r["net"].as_i64().unwrap();
            }
            let got: BTreeMap<String, i64> = chart_nets(&store, Bucket::Day).into_iter().collect();
            assert_eq!(got, expected, "{zone}");
        }
    }
}
