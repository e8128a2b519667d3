//! The period summary: Stripe's balance summary report from the copy, per
//! reporting category (gross, fees, net), with the balance before and
//! after when the filter selects whole days.

use super::super::store::{db_error, BalanceStore};
use super::super::words;
use super::{CategoryActivity, Filter, PeriodSummary, Sums};
use crate::error::Error;
use rusqlite::params_from_iter;
use std::collections::BTreeMap;

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
}
