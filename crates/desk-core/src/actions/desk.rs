//! The actions as the window uses them, on the current connection.

use super::lookup::{LookupAnswer, LookupChoice, SEARCH_UNAVAILABLE};
use super::{ActionResult, FieldError, FieldValue, FilledForm, HttpMethod, Lookup, Submission};
use crate::connections::connection_test::{probe_write, Probe};
use crate::connections::ExpectedConnection;
use crate::error::{permission_words, Code, Error};
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
    /// user types, and before asking a live-mode confirmation): the
    /// mistakes, and notes on what will be sent in place of what was typed.
    pub fn check_action(
        &self,
        action_id: &str,
        form: &FilledForm,
    ) -> Result<Vec<FieldError>, Error> {
        let action = find(action_id)?;
        let (built, mut notes) = super::form::check(action, form);
        let mut found = built.err().unwrap_or_default();
        found.append(&mut notes);
        Ok(found)
    }

    /// Runs the action on the active connection, if it is the one the
    /// person saw (`expected`): a switch between showing the form and
    /// sending it sends nothing. `submission` is one per submission, chosen
    /// by the window, so pressing Enter twice or "Try again" creates one
    /// object. After a successful write, the form's kept draft is cleared.
    pub async fn run_action(
        &self,
        action_id: &str,
        form: &FilledForm,
        submission: &Submission,
        expected: &ExpectedConnection,
    ) -> Result<ActionResult, Error> {
        let action = find(action_id)?;
        let (record, auth) = self.connections().expected_auth(expected).await?;
        let (id, account_name) = (record.id, record.display_name);
        let mut outcome = super::submit(self.client(), &auth, action, form, submission).await;
        if let Err(e) = &outcome {
            if let Some(fallback) = search_fallback(action, form, e) {
                outcome = match fallback {
                    // Search is not offered here: the exact-email filter, and say so.
                    Ok((by_email, note)) => {
                        super::submit(self.client(), &auth, action, &by_email, submission)
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
            Ok(result) => {
                if action.writes {
                    // Sent: what was typed is done with (and may hold what should not be kept).
                    let _ = self.drafts().save(&id, action_id, &FilledForm::new());
                }
                Ok(result)
            }
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
        if let Lookup::Fixed { list } = lookup {
            // Kept in the app: no account needed.
            return Ok(super::lookup::fixed(*list, query));
        }
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
            Error::invalid(Code::InvalidForm, e.message.clone(), Some(&e.field))
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
                Code::ResourceDeleted,
                "This was deleted in Stripe and cannot be changed.",
                Some(&id_field.id),
            ));
        }
        Ok(super::prefill(action, &object))
    }
}

impl crate::Desk {
    /// Before a create: an existing object with the same value of the
    /// action's `duplicate_check` field (a customer with this email), found
    /// by the list's exact filter, for the window to offer instead.
    pub async fn action_duplicate(
        &self,
        action_id: &str,
        form: &FilledForm,
    ) -> Result<Option<LookupChoice>, Error> {
        let action = find(action_id)?;
        let Some(check) = &action.duplicate_check else {
            return Ok(None);
        };
        let value = match form.values.get(&check.field) {
            Some(FieldValue::Text(t)) if !t.trim().is_empty() => t.trim().to_owned(),
            _ => return Ok(None),
        };
        let (record, auth) = self.current_auth().await?;
        let request = Request::get(&check.list_path)
            .params(Params::new().text(&check.filter, value).text("limit", "1"));
        let page = self
            .client()
            .send(&auth, &request)
            .await
            .inspect_err(|e| self.note_call_error(&record.id, e))?;
        let first = page["data"].as_array().and_then(|d| d.first());
        Ok(first.and_then(|o| {
            let id = o["id"].as_str()?.to_owned();
            let email = o["email"].as_str().unwrap_or_default();
            Some(LookupChoice {
                label: o["name"]
                    .as_str()
                    .filter(|n| !n.is_empty())
                    .unwrap_or(email)
                    .to_owned(),
                detail: email.to_owned(),
                id,
            })
        }))
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
                    "{} was connected with read-only access, so it can't {}. Connect it again with read and write access.",
                    record.display_name,
                    what_it_does(action)
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
        let need = permission_words(&permission.name);
        let what = what_it_does(action);
        let cannot = || {
            ActionAvailability {
            allowed: Some(false),
            reason: Some(format!(
                "This key can't {what}: it needs {need}. Edit the key in the Stripe Dashboard, under Developers > API keys."
            )),
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
        Ok(match probe_write(self.client(), &auth, list_path).await {
            Probe::Missing(_) => cannot(),
            Probe::Allowed => ActionAvailability {
                allowed: Some(true),
                reason: None,
            },
            Probe::Unknown(_) => ActionAvailability {
                allowed: None,
                reason: Some(format!(
                    "To {what}, this key needs {need}; Stripe checks it when you send the form."
                )),
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
            Code::SearchUnavailable,
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

/// "create customers", "see subscriptions": what an action does, in words
/// for a sentence about permissions.
pub(crate) fn what_it_does(action: &super::Action) -> String {
    let noun = &action.result.noun;
    let plural = if noun.ends_with('s') {
        noun.clone()
    } else {
        format!("{noun}s")
    };
    if action.writes {
        let verb = action
            .name
            .split_whitespace()
            .next()
            .unwrap_or("change")
            .to_lowercase();
        format!("{verb} {plural}")
    } else {
        format!("see {plural}")
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
                Code::ResourceMissing,
                format!("No {noun} with this ID in {account_name}."),
                field,
            )
        }
        _ => e,
    }
}
