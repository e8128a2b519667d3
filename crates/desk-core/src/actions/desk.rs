//! The actions as the window uses them, on the current connection.

use super::{ActionResult, FieldError, FilledForm};
use crate::error::Error;

impl crate::Desk {
    /// Every action's description, for the window's one form renderer.
    pub fn actions(&self) -> &'static [super::Action] {
        super::all()
    }

    /// Checks a form without sending anything (the window calls it as the
    /// user types, and before asking a live-mode confirmation).
    pub fn check_action(
        &self,
        action_id: &str,
        form: &FilledForm,
    ) -> Result<Vec<FieldError>, Error> {
        let action = find(action_id)?;
        Ok(super::build(action, form).err().unwrap_or_default())
    }

    /// Runs the action on the current connection. `idempotency_key` is one
    /// per submission, chosen by the window, so pressing Enter twice or
    /// "Try again" after a network failure creates one object.
    pub async fn run_action(
        &self,
        action_id: &str,
        form: &FilledForm,
        idempotency_key: &str,
    ) -> Result<ActionResult, Error> {
        let action = find(action_id)?;
        let (id, account_name, auth) = self.current_auth().await?;
        match super::run(self.client(), &auth, action, form, idempotency_key).await {
            Ok(result) => Ok(result),
            Err(e) => {
                self.note_call_error(&id, &e);
                Err(unknown_object(e, action, &account_name))
            }
        }
    }
}

fn find(action_id: &str) -> Result<&'static super::Action, Error> {
    super::find(action_id).ok_or_else(|| Error::NotFound(format!("No action called {action_id}.")))
}

/// "No such customer: 'cus_x'" on a lookup becomes a sentence naming the account.
fn unknown_object(e: Error, action: &super::Action, account_name: &str) -> Error {
    let lookup = !action.writes && action.path.contains("{id}");
    match &e {
        Error::Stripe { status: 404, .. } if lookup => {
            let noun = action
                .name
                .split_whitespace()
                .nth(1)
                .unwrap_or("object")
                .to_ascii_lowercase();
            let field = action
                .fields
                .iter()
                .find(|f| f.param == "{id}")
                .map(|f| f.id.as_str());
            Error::invalid(
                "resource_missing",
                format!("No {noun} with this ID in {account_name}."),
                field,
            )
        }
        _ => e,
    }
}
