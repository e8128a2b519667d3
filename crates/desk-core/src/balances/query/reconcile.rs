//! The reconciliation with Stripe's balance (`GET /v1/balance`), part by
//! part of the balance.

use super::super::store::{db_error, BalanceStore};
use super::super::words;
use super::{Filter, Reconciliation, ReconciliationLine};
use crate::error::Error;
use serde_json::Value;
use std::collections::BTreeMap;

impl BalanceStore {
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
pub(super) const PARTS: [&str; 5] = [
    "payments",
    "issuing",
    "refund_and_dispute_prefunding",
    "risk_reserved",
    "connect_reserved",
];

/// The parts both Stripe's balance and the copy have a figure for.
const COMPARED: [&str; 3] = ["payments", "issuing", "refund_and_dispute_prefunding"];
