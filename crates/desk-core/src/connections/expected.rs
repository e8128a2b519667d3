//! The connection a person saw when they confirmed something. A write
//! command carries it, and is refused when the active connection or its
//! mode has changed since (an OAuth flow finishing, a removal, a switch in
//! another part of the window): the write would otherwise go to an account
//! the person never confirmed.

use super::saved::ConnectionRecord;
use super::Connections;
use crate::error::Error;
use crate::stripe::Auth;
use crate::views::Mode;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The connection and mode shown on screen when the person acted.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExpectedConnection {
    pub connection_id: String,
    pub mode: Mode,
}

impl Connections {
    /// The active connection and who it acts as, if it is still the one
    /// the person saw, in the same mode; refused with `connection_changed`
    /// otherwise, naming the account now on screen.
    pub async fn expected_auth(
        &self,
        expected: &ExpectedConnection,
    ) -> Result<(ConnectionRecord, Auth), Error> {
        let active = self.state.lock().unwrap().saved.active_id.clone();
        let now = match &active {
            Some(id) => self.record(id).ok().map(|(r, _)| r),
            None => None,
        };
        match now {
            Some(record)
                if record.id == expected.connection_id && record.mode == expected.mode =>
            {
                self.auth_for(&record.id).await
            }
            Some(record) => Err(changed(format!(
                "The account on screen changed to {} ({} mode) after you looked. Nothing was sent: check that this is the account you mean, then try again.",
                record.display_name,
                record.mode.word()
            ))),
            None => Err(changed(
                "No Stripe account is connected any more. Nothing was sent: connect the account again, then try again."
                    .into(),
            )),
        }
    }
}

fn changed(message: String) -> Error {
    Error::invalid("connection_changed", message, None)
}
