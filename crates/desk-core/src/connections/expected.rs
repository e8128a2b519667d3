//! What the person saw when they chose to write: the connection on screen
//! and its mode. Every write command carries it, so a switch of the active
//! connection between showing a form (or a live-mode confirmation) and
//! sending it cannot send to an account nobody looked at.

use super::saved::ConnectionRecord;
use super::Connections;
use crate::error::{Code, Error};
use crate::stripe::Auth;
use crate::views::Mode;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExpectedConnection {
    pub connection_id: String,
    pub mode: Mode,
}

impl Connections {
    /// The active connection and who it acts as, if it is the one the
    /// person saw; otherwise a refusal (`connection_changed`) naming the
    /// account now on screen. Nothing is sent either way from here.
    pub async fn expected_auth(
        &self,
        expected: &ExpectedConnection,
    ) -> Result<(ConnectionRecord, Auth), Error> {
        let active = self.list_connections().active_id;
        let now = active.as_deref().and_then(|id| self.record(id).ok());
        match now {
            Some((record, _)) if record.id == expected.connection_id && record.mode == expected.mode => {
                self.auth_for(&record.id).await
            }
            Some((record, _)) => Err(Error::invalid(
                Code::ConnectionChanged,
                format!(
                    "Nothing was sent: the account on screen changed to {} ({} mode). Look at it and try again.",
                    record.display_name,
                    record.mode.word()
                ),
                None,
            )),
            None => Err(Error::invalid(
                Code::ConnectionChanged,
                "Nothing was sent: no Stripe account is connected now. Connect one and try again.",
                None,
            )),
        }
    }
}
