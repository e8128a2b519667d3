//! Count, gross, fees and net per currency of what a filter selects.

use super::super::store::{db_error, BalanceStore};
use super::{CurrencyTotals, Filter};
use crate::error::Error;
use rusqlite::params_from_iter;

impl BalanceStore {
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
}
