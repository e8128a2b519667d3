//! The actions as the window uses them, on the current connection.

use super::{ActionResult, FieldError, FieldValue, FilledForm};
use crate::error::Error;
use crate::stripe::Request;
use std::collections::BTreeMap;

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
                Err(unknown_object(e, action, &account_name, false))
            }
        }
    }
}

impl crate::Desk {
    /// An update form's starting values: the object as it is now in Stripe.
    /// The window keeps them as the form's `original`, so only changes are sent.
    pub async fn action_current_values(
        &self,
        action_id: &str,
        object_id: &str,
    ) -> Result<BTreeMap<String, FieldValue>, Error> {
        let action = find(action_id)?;
        let id_field = action
            .fields
            .iter()
            .find(|f| f.param == "{id}")
            .filter(|_| action.changes_only)
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "{} does not change an existing object.",
                    action.name
                ))
            })?;
        // The same checks as a submission: the ID must have its prefix.
        let only_id = FilledForm::new().text(&id_field.id, object_id);
        let built = super::build(action, &only_id).map_err(|errors| {
            let e = &errors[0];
            Error::invalid("invalid_form", e.message.clone(), Some(&e.field))
        })?;
        let (id, account_name, auth) = self.current_auth().await?;
        let object = match self.client().send(&auth, &Request::get(built.path)).await {
            Ok(v) => v,
            Err(e) => {
                self.note_call_error(&id, &e);
                return Err(unknown_object(e, action, &account_name, true));
            }
        };
        if object.get("deleted").and_then(serde_json::Value::as_bool) == Some(true) {
            return Err(Error::invalid(
                "resource_deleted",
                "This was deleted in Stripe and cannot be changed.",
                Some(&id_field.id),
            ));
        }
        Ok(super::prefill(action, &object))
    }
}

fn find(action_id: &str) -> Result<&'static super::Action, Error> {
    super::find(action_id).ok_or_else(|| Error::NotFound(format!("No action called {action_id}.")))
}

/// "No such customer: 'cus_x'" on a lookup becomes a sentence naming the account.
fn unknown_object(e: Error, action: &super::Action, account_name: &str, reading: bool) -> Error {
    let lookup = (reading || !action.writes) && action.path.contains("{id}");
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
