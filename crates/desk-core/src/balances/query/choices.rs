//! The filters' choices: what the copy holds, in words.

use super::super::store::{db_error, BalanceStore};
use super::super::words;
use super::reconcile::PARTS;
use super::{Choice, FilterChoices};
use crate::error::Error;

impl BalanceStore {
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
