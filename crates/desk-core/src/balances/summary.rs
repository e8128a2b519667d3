//! A bookkeeper's views of the copy: the period summary (Stripe's balance
//! summary report: per reporting category, gross, fees and net), a payout
//! and what it settled, the reconciliation with `GET /v1/balance` (part by
//! part of the balance), and the filters' choices in words. All sums are
//! SQLite integer sums of minor units.

use super::query::{read_row, BalanceRow, Filter, Sort, ROW_COLUMNS};
use super::store::{db_error, BalanceStore, PayoutLink};
use super::words;
use crate::error::Error;
use rusqlite::params_from_iter;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use ts_rs::TS;

/// How many of a payout's transactions its detail shows (the newest);
/// the table, filtered by the payout, shows them all.
pub const PAYOUT_PREVIEW: u32 = 10;

/// Count, gross (Stripe's `amount`), fees and net of some transactions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Sums {
    #[ts(type = "number")]
    pub count: u64,
    #[ts(type = "number")]
    pub gross: i64,
    /// Stripe's fees on them (positive: what Stripe took; net = gross - fee).
    #[ts(type = "number")]
    pub fee: i64,
    #[ts(type = "number")]
    pub net: i64,
}

impl Sums {
    fn add(&mut self, other: Sums) {
        self.count += other.count;
        self.gross += other.gross;
        self.fee += other.fee;
        self.net += other.net;
    }
}

/// One reporting category's line of a period summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CategoryActivity {
    /// Stripe's `reporting_category`.
    pub category: String,
    /// The category in words ("Charges").
    pub label: String,
    pub sums: Sums,
}

/// One currency of what the filters select, as Stripe's balance summary
/// report shows it: activity per reporting category, and their total (the
/// totals table's line for the currency, by construction and by test).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PeriodSummary {
    pub currency: String,
    /// The balance before the period: only when the filters select whole
    /// days of the balance (dates and currencies, nothing narrower).
    #[ts(type = "number | null")]
    pub starting_balance: Option<i64>,
    pub activity: Vec<CategoryActivity>,
    pub total: Sums,
    #[ts(type = "number | null")]
    pub ending_balance: Option<i64>,
}

/// What the last sync found of a payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PayoutState {
    /// Stripe listed what it settled, and it is linked.
    Linked,
    /// Requested by hand: Stripe does not list what it settled.
    Manual,
    /// Stripe is still reconciling it; a later sync links it.
    Reconciling,
    /// Stripe did not answer for it; the next sync tries again.
    Failed,
    /// No sync has looked at it yet.
    NotLookedAt,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PayoutDetail {
    pub payout: String,
    /// The payout's own balance transaction, when it is in the copy.
    pub payout_transaction: Option<BalanceRow>,
    pub currency: Option<String>,
    /// The payout's amount (positive: money sent to the bank).
    #[ts(type = "number | null")]
    pub payout_amount: Option<i64>,
    pub state: PayoutState,
    /// Why it failed, in plain words (state `failed`).
    pub message: Option<String>,
    /// How many transactions it settled, and their net.
    #[ts(type = "number")]
    pub count: u64,
    #[ts(type = "number")]
    pub settled_net: i64,
    /// The newest of them, at most [`PAYOUT_PREVIEW`]: the window shows
    /// these and the count, never the whole list.
    pub newest: Vec<BalanceRow>,
    /// `settled_net` equals `payout_amount`.
    pub matches: bool,
}

/// One part of one currency's balance: Stripe's figure and the copy's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReconciliationLine {
    pub currency: String,
    /// `payments`, `issuing`, `refund_and_dispute_prefunding`,
    /// `risk_reserved` (transactions only: `GET /v1/balance` has no such
    /// part) or `connect_reserved` (Stripe's only: no transaction of the
    /// account moves it).
    pub part: String,
    /// The part in words.
    pub label: String,
    /// The net of the copy's transactions of this part; `None` when no
    /// transaction moves it.
    #[ts(type = "number | null")]
    pub in_copy: Option<i64>,
    /// Stripe's figures; `None` when Stripe's balance has no such figure.
    #[ts(type = "number | null")]
    pub available: Option<i64>,
    #[ts(type = "number | null")]
    pub pending: Option<i64>,
    /// Stripe's total less the copy's: zero when they agree; `None` where
    /// the two cannot be compared (one side has no figure, or the copy's
    /// first sync has not finished).
    #[ts(type = "number | null")]
    pub difference: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Reconciliation {
    /// Unix seconds when the balance was read from Stripe.
    #[ts(type = "number")]
    pub read_at: i64,
    /// A first sync has finished: the copy can be compared with Stripe.
    pub synced: bool,
    pub lines: Vec<ReconciliationLine>,
    /// Synced, and every part that can be compared agrees.
    pub matches: bool,
}

/// A value a filter can take, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Choice {
    /// Stripe's code, what the filter sends.
    pub value: String,
    pub label: String,
}

/// The values present in the copy, for the filters' drop-downs, in words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FilterChoices {
    pub types: Vec<Choice>,
    pub reporting_categories: Vec<Choice>,
    pub statuses: Vec<Choice>,
    /// Lowercase ISO codes.
    pub currencies: Vec<String>,
    /// Every part of a balance (a transaction's `balance_type`), in words.
    pub balances: Vec<Choice>,
}

impl Filter {
    /// Only dates and currencies: what it selects is whole days of each
    /// currency's balance, so a starting and an ending balance make sense.
    fn selects_whole_balance(&self) -> bool {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        self.types.is_empty()
            && self.reporting_categories.is_empty()
            && self.statuses.is_empty()
            && self.available_on.from.is_none()
            && self.available_on.to.is_none()
            && !set(&self.payout)
            && !set(&self.source)
            && !set(&self.text)
    }
}

impl BalanceStore {
    /// Per currency, what `filter` selects by reporting category (gross,
    /// fees, net), their total, and, when the filter selects whole days,
    /// the balance before and after.
    pub fn period_summary(&self, filter: &Filter) -> Result<Vec<PeriodSummary>, Error> {
        let (where_sql, args) = filter.sql();
        let from = self.scan_source(filter);
        let conn = self.conn();
        let mut out: BTreeMap<String, PeriodSummary> = BTreeMap::new();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT currency, reporting_category, COUNT(*), SUM(amount), SUM(fee), SUM(net)
                 FROM {from}{where_sql} GROUP BY 1, 2"
            ))
            .map_err(db_error)?;
        let mut rows = stmt.query(params_from_iter(args)).map_err(db_error)?;
        while let Some(r) = rows.next().map_err(db_error)? {
            let currency: String = r.get(0).map_err(db_error)?;
            let category: String = r.get(1).map_err(db_error)?;
            let sums = Sums {
                count: r.get::<_, i64>(2).map_err(db_error)? as u64,
                gross: r.get(3).map_err(db_error)?,
                fee: r.get(4).map_err(db_error)?,
                net: r.get(5).map_err(db_error)?,
            };
            let summary = out
                .entry(currency.clone())
                .or_insert_with(|| PeriodSummary {
                    currency,
                    starting_balance: None,
                    activity: Vec::new(),
                    total: Sums::default(),
                    ending_balance: None,
                });
            summary.total.add(sums);
            summary.activity.push(CategoryActivity {
                label: words::category_label(&category),
                category,
                sums,
            });
        }
        drop(rows);
        drop(stmt);
        for s in out.values_mut() {
            s.activity.sort_by(|a, b| {
                (words::category_order(&a.category), &a.label)
                    .cmp(&(words::category_order(&b.category), &b.label))
            });
        }
        if filter.selects_whole_balance() && !out.is_empty() {
            // Everything of each currency before the period's start and end.
            let whole = Filter {
                currencies: filter.currencies.clone(),
                ..Filter::default()
            };
            let (where_sql, where_args) = whole.sql();
            let table = self.scan_source(&whole);
            let start = filter.created.from.unwrap_or(i64::MIN);
            let end = filter.created.to.unwrap_or(i64::MAX);
            // ?1 and ?2 first: the filter's own `?`s are numbered after them.
            let args = [
                rusqlite::types::Value::Integer(start),
                rusqlite::types::Value::Integer(end),
            ]
            .into_iter()
            .chain(where_args);
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT currency, SUM(CASE WHEN created < ?1 THEN net ELSE 0 END),
                            SUM(CASE WHEN created < ?2 THEN net ELSE 0 END)
                     FROM {table}{where_sql} GROUP BY currency"
                ))
                .map_err(db_error)?;
            let mut rows = stmt.query(params_from_iter(args)).map_err(db_error)?;
            while let Some(r) = rows.next().map_err(db_error)? {
                let currency: String = r.get(0).map_err(db_error)?;
                if let Some(s) = out.get_mut(&currency) {
                    s.starting_balance = Some(r.get(1).map_err(db_error)?);
                    s.ending_balance = Some(r.get(2).map_err(db_error)?);
                }
            }
        }
        Ok(out.into_values().collect())
    }

    /// A payout, what the last sync found of it, how many transactions it
    /// settled and their net, and the newest few of them.
    pub fn payout_detail(&self, payout: &str) -> Result<PayoutDetail, Error> {
        let link = self.payout_link(payout)?;
        let key = Sort::newest_first().key_columns();
        let conn = self.conn();
        let own = conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM balance_transactions WHERE type = 'payout' AND source = ?1 LIMIT 1"
            ))
            .map_err(db_error)?
            .query_map([payout], |r| read_row(r, &key))
            .map_err(db_error)?
            .next()
            .transpose()
            .map_err(db_error)?;
        // Stripe's `payout` filter may or may not list the payout's own row: leave it out here.
        let settled =
            "FROM balance_transactions WHERE payout = ?1 AND NOT (type = 'payout' AND source = ?1)";
        let (count, settled_net): (i64, i64) = conn
            .query_row(
                &format!("SELECT COUNT(*), COALESCE(SUM(net), 0) {settled}"),
                [payout],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(db_error)?;
        let newest = conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} {settled} ORDER BY created DESC, id DESC LIMIT {PAYOUT_PREVIEW}"
            ))
            .map_err(db_error)?
            .query_map([payout], |r| read_row(r, &key))
            .map_err(db_error)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db_error)?;
        let payout_amount = own.as_ref().map(|o| -o.amount);
        let (state, message) = match link {
            Some(PayoutLink::Linked { .. }) => (PayoutState::Linked, None),
            Some(PayoutLink::Manual) => (PayoutState::Manual, None),
            Some(PayoutLink::Reconciling) => (PayoutState::Reconciling, None),
            Some(PayoutLink::Failed { message }) => (PayoutState::Failed, Some(message)),
            None => (PayoutState::NotLookedAt, None),
        };
        Ok(PayoutDetail {
            payout: payout.to_string(),
            currency: own.as_ref().map(|o| o.currency.clone()),
            matches: state == PayoutState::Linked && payout_amount == Some(settled_net),
            payout_amount,
            payout_transaction: own,
            state,
            message,
            count: count as u64,
            settled_net,
            newest,
        })
    }

    /// Compares the copy with Stripe's balance (`GET /v1/balance`, read at
    /// `read_at`), part by part: available plus pending is the payments
    /// balance only, so it is compared with the copy's `payments`
    /// transactions; Issuing's and the refund-and-dispute prefunding's
    /// parts with theirs; the reserve (transactions only) and the Connect
    /// reserve (Stripe's only) are shown beside, never compared. Every
    /// difference is reported, and none before a first sync has finished.
    pub fn reconcile(&self, balance: &Value, read_at: i64) -> Result<Reconciliation, Error> {
        let synced = self.stats()?.complete;
        let mut lines: Lines = BTreeMap::new();
        {
            // Per currency in the index's order (no sorting of a million
            // rows): the payments balance, and whether any other part has
            // transactions; those few are then summed by part.
            let source = self.scan_source(&Filter::default());
            let conn = self.conn();
            let mut others = false;
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT currency, SUM(CASE WHEN balance_type = 'payments' THEN net ELSE 0 END),
                            COUNT(*) - COUNT(CASE WHEN balance_type = 'payments' THEN 1 END)
                     FROM {source} GROUP BY currency"
                ))
                .map_err(db_error)?;
            let mut rows = stmt.query([]).map_err(db_error)?;
            while let Some(r) = rows.next().map_err(db_error)? {
                let currency: String = r.get(0).map_err(db_error)?;
                line(&mut lines, &currency, "payments").in_copy = Some(r.get(1).map_err(db_error)?);
                others |= r.get::<_, i64>(2).map_err(db_error)? > 0;
            }
            drop(rows);
            if others {
                let mut stmt = conn
                    .prepare_cached(&format!(
                        "SELECT currency, balance_type, SUM(net) FROM {source}
                         WHERE balance_type != 'payments' GROUP BY 1, 2"
                    ))
                    .map_err(db_error)?;
                let mut rows = stmt.query([]).map_err(db_error)?;
                while let Some(r) = rows.next().map_err(db_error)? {
                    let currency: String = r.get(0).map_err(db_error)?;
                    let part: String = r.get(1).map_err(db_error)?;
                    line(&mut lines, &currency, &part).in_copy = Some(r.get(2).map_err(db_error)?);
                }
            }
        }
        // Stripe's side: (part, field of the balance object, pending?).
        let amounts = |v: Option<&Value>| -> Vec<(String, i64)> {
            v.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|e| {
                    Some((
                        e.get("currency")?.as_str()?.to_string(),
                        e.get("amount").and_then(Value::as_i64).unwrap_or(0),
                    ))
                })
                .collect()
        };
        let sides: [(&str, Option<&Value>, bool); 6] = [
            ("payments", balance.get("available"), false),
            ("payments", balance.get("pending"), true),
            ("issuing", balance.pointer("/issuing/available"), false),
            (
                "refund_and_dispute_prefunding",
                balance.pointer("/refund_and_dispute_prefunding/available"),
                false,
            ),
            (
                "refund_and_dispute_prefunding",
                balance.pointer("/refund_and_dispute_prefunding/pending"),
                true,
            ),
            ("connect_reserved", balance.get("connect_reserved"), false),
        ];
        for (part, field, pending) in sides {
            for (currency, amount) in amounts(field) {
                // A part Stripe lists at zero for a currency the copy has no part of says nothing.
                let known = lines.keys().any(|(c, _, p)| *c == currency && p == part);
                if amount == 0 && part != "payments" && !known {
                    continue;
                }
                let l = line(&mut lines, &currency, part);
                let slot = if pending {
                    &mut l.pending
                } else {
                    &mut l.available
                };
                *slot = Some(slot.unwrap_or(0) + amount);
            }
        }
        let mut lines: Vec<ReconciliationLine> = lines.into_values().collect();
        for l in &mut lines {
            let compared = COMPARED.contains(&l.part.as_str());
            if compared && synced {
                let stripe = l.available.unwrap_or(0) + l.pending.unwrap_or(0);
                l.difference = Some(stripe - l.in_copy.unwrap_or(0));
            }
        }
        Ok(Reconciliation {
            read_at,
            synced,
            matches: synced && lines.iter().all(|l| l.difference.is_none_or(|d| d == 0)),
            lines,
        })
    }

    /// The types, reporting categories, statuses and currencies in the
    /// copy, in words. Each list is read from its index by skipping from
    /// one value to the next (a few lookups per value, not a scan).
    pub fn filter_choices(&self) -> Result<FilterChoices, Error> {
        let conn = self.conn();
        let distinct = |column: &str| -> Result<Vec<String>, Error> {
            let sql = format!(
                "WITH RECURSIVE v(x) AS (
                   SELECT MIN({column}) FROM balance_transactions
                   UNION ALL
                   SELECT (SELECT MIN({column}) FROM balance_transactions WHERE {column} > v.x) FROM v WHERE v.x IS NOT NULL
                 ) SELECT x FROM v WHERE x IS NOT NULL"
            );
            conn.prepare_cached(&sql)
                .map_err(db_error)?
                .query_map([], |r| r.get(0))
                .map_err(db_error)?
                .collect::<Result<Vec<String>, _>>()
                .map_err(db_error)
        };
        let choices = |codes: Vec<String>, label: fn(&str) -> String| {
            let mut c: Vec<Choice> = codes
                .into_iter()
                .map(|value| Choice {
                    label: label(&value),
                    value,
                })
                .collect();
            c.sort_by(|a, b| a.label.cmp(&b.label));
            c
        };
        let mut categories = choices(distinct("reporting_category")?, words::category_label);
        categories.sort_by_key(|c| words::category_order(&c.value));
        Ok(FilterChoices {
            types: choices(distinct("type")?, words::type_label),
            reporting_categories: categories,
            statuses: choices(distinct("status")?, words::status_label),
            currencies: distinct("currency")?,
            balances: PARTS
                .iter()
                .map(|p| Choice {
                    value: p.to_string(),
                    label: words::part_label(p),
                })
                .collect(),
        })
    }
}

/// Reconciliation lines by (currency, the part's place, the part): in the order shown.
type Lines = BTreeMap<(String, usize, String), ReconciliationLine>;

/// The line of a currency's part, made empty when new.
fn line<'a>(lines: &'a mut Lines, currency: &str, part: &str) -> &'a mut ReconciliationLine {
    let order = PARTS.iter().position(|p| *p == part).unwrap_or(PARTS.len());
    lines
        .entry((currency.to_string(), order, part.to_string()))
        .or_insert_with(|| ReconciliationLine {
            currency: currency.to_string(),
            part: part.to_string(),
            label: words::part_label(part),
            in_copy: None,
            available: None,
            pending: None,
            difference: None,
        })
}

/// The parts of a balance, in the order they are shown.
const PARTS: [&str; 5] = [
    "payments",
    "issuing",
    "refund_and_dispute_prefunding",
    "risk_reserved",
    "connect_reserved",
];

/// The parts both Stripe's balance and the copy have a figure for.
const COMPARED: [&str; 3] = ["payments", "issuing", "refund_and_dispute_prefunding"];
