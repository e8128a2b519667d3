//! The actions as the window uses them, on the current connection.

use super::lookup::{LookupAnswer, SEARCH_UNAVAILABLE};
use super::{ActionResult, FieldError, FieldValue, FilledForm, HttpMethod};
use crate::error::Error;
use crate::stripe::Params;
use crate::stripe::Request;
use crate::views::ConnectionMethod;
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

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
        let (record, auth) = self.current_auth().await?;
        let (id, account_name) = (record.id, record.display_name);
        let mut outcome = super::run(self.client(), &auth, action, form, idempotency_key).await;
        if let Err(e) = &outcome {
            if let Some(fallback) = search_fallback(action, form, e) {
                outcome = match fallback {
                    // Search is not offered here: the exact-email filter, and say so.
                    Ok((by_email, note)) => {
                        super::run(self.client(), &auth, action, &by_email, idempotency_key)
                            .await
                            .map(|mut r| {
                                r.note = Some(note);
                                r
                            })
                    }
                    Err(e) => Err(e),
                };
            }
        }
        match outcome {
            Ok(result) => Ok(result),
            Err(e) => {
                self.note_call_error(&id, &e);
                Err(unknown_object(e, action, &account_name, false))
            }
        }
    }
}

impl crate::Desk {
    /// The current connection's half-filled forms, kept across restarts.
    pub fn action_drafts(&self) -> super::drafts::ConnectionDrafts {
        match self.list_connections().active_id {
            Some(id) => self.drafts().load(&id),
            None => Default::default(),
        }
    }

    /// Keeps one action's half-filled form for the current connection (an
    /// empty form forgets it).
    pub fn save_action_draft(&self, action_id: &str, form: &FilledForm) -> Result<(), Error> {
        find(action_id)?;
        let Some(id) = self.list_connections().active_id else {
            return Ok(());
        };
        self.drafts().save(&id, action_id, form)
    }

    /// A field's picker: customers found by name or email, or a product's
    /// active recurring prices (`parent` the product), as its [`super::Lookup`] says.
    pub async fn lookup_choices(
        &self,
        action_id: &str,
        field_id: &str,
        query: &str,
        parent: Option<&str>,
    ) -> Result<LookupAnswer, Error> {
        let action = find(action_id)?;
        let lookup = action
            .field(field_id)
            .and_then(|f| f.lookup.as_ref())
            .ok_or_else(|| {
                Error::NotFound(format!("{} has no picker for {field_id}.", action.name))
            })?;
        let (record, auth) = self.current_auth().await?;
        super::lookup::find(self.client(), &auth, lookup, query, parent)
            .await
            .inspect_err(|e| self.note_call_error(&record.id, e))
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
        let (record, auth) = self.current_auth().await?;
        let (id, account_name) = (record.id, record.display_name);
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

/// Whether the current connection can run an action, known before the form
/// is filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ActionAvailability {
    /// `None`: Stripe decides when the form is sent (a restricted key's
    /// write permissions cannot be checked without writing).
    pub allowed: Option<bool>,
    pub reason: Option<String>,
}

impl crate::Desk {
    /// Checks the action's permission on the current connection: an OAuth
    /// `read_only` grant cannot write; a restricted key's read permission is
    /// tried with a one-item list of the same resource (Stripe's write
    /// permission includes read, so a missing read means a missing write).
    pub async fn action_availability(&self, action_id: &str) -> Result<ActionAvailability, Error> {
        let action = find(action_id)?;
        let (record, auth) = self.current_auth().await?;
        let Some(permission) = &action.permission else {
            return Ok(ActionAvailability {
                allowed: None,
                reason: None,
            });
        };
        let oauth = record.method != ConnectionMethod::ApiKey;
        if action.writes && oauth && record.scope.as_deref() == Some("read_only") {
            return Ok(ActionAvailability {
                allowed: Some(false),
                reason: Some(format!(
                    "{} was connected with read-only access, so it cannot {}. Connect it again with read and write access.",
                    record.display_name,
                    action.name.to_lowercase()
                )),
            });
        }
        if !record.restricted {
            return Ok(ActionAvailability {
                allowed: Some(true),
                reason: None,
            });
        }
        let list_path = action.path.trim_end_matches("/{id}");
        let probe = Request::get(list_path).params(Params::new().text("limit", "1"));
        let read = match self.client().send(&auth, &probe).await {
            Ok(_) => true,
            Err(e) if e.missing_permission().is_some() => false,
            Err(e) => return Err(e),
        };
        let need = &permission.name;
        let cannot = || {
            ActionAvailability {
            allowed: Some(false),
            reason: Some(format!("This restricted key cannot {}: it needs the {need} permission. Edit the key in Developers > API keys.", action.name.to_lowercase())),
        }
        };
        if !read {
            return Ok(cannot());
        }
        if action.method == HttpMethod::Get {
            return Ok(ActionAvailability {
                allowed: Some(true),
                reason: None,
            });
        }
        // A write that cannot succeed: Stripe checks the key's permission
        // before the parameters, so an unknown parameter gets a 403 naming
        // the missing permission, or a 400 that creates nothing.
        let probe = Request::post(list_path).params(Params::new().text(WRITE_PROBE_PARAM, "1"));
        Ok(match self.client().send(&auth, &probe).await {
            Err(e) if e.missing_permission().is_some() => cannot(),
            Err(Error::Stripe { status: 400, .. }) => ActionAvailability { allowed: Some(true), reason: None },
            _ => ActionAvailability {
                allowed: None,
                reason: Some(format!("This restricted key needs the {need} permission; Stripe checks it when you submit.")),
            },
        })
    }
}

/// List Customers with a search, refused because Stripe's search is not
/// offered for this account: the same form with the exact-email filter
/// instead, and the words that say so; or, when what was typed is not an
/// email, a refusal at the search box that says what to type.
fn search_fallback(
    action: &super::Action,
    form: &FilledForm,
    e: &Error,
) -> Option<Result<(FilledForm, String), Error>> {
    if action.id != "list_customers" || !e.is_search_unavailable() {
        return None;
    }
    let typed = match form.values.get("search") {
        Some(FieldValue::Text(t)) => t.trim().to_owned(),
        _ => return None,
    };
    if !typed.contains('@') || typed.contains(':') {
        return Some(Err(Error::invalid(
            "search_unavailable",
            format!("{SEARCH_UNAVAILABLE}. Type a whole email to find customers with exactly that email."),
            Some("search"),
        )));
    }
    let mut by_email = form.clone();
    by_email.values.remove("search");
    by_email.values.remove("page");
    by_email
        .values
        .insert("email".into(), FieldValue::Text(typed.clone()));
    Some(Ok((
        by_email,
        format!(
            "{SEARCH_UNAVAILABLE}, so this shows the customers whose email is exactly {typed}."
        ),
    )))
}

/// A parameter no Stripe endpoint takes, so a write probe is always refused.
const WRITE_PROBE_PARAM: &str = "stripe_desk_permission_probe";

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
