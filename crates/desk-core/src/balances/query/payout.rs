//! A payout and what it settled, as the last sync found it.

use super::super::store::{db_error, BalanceStore, PayoutLink};
use super::page::{read_row, ROW_COLUMNS};
use super::{PayoutDetail, PayoutState, Sort};
use crate::error::Error;

/// How many of a payout's transactions its detail shows (the newest);
/// the table, filtered by the payout, shows them all.
pub const PAYOUT_PREVIEW: u32 = 10;

impl BalanceStore {
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
}
