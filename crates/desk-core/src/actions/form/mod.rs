//! The one place that checks a filled form and turns it into a Stripe
//! request. Every rule a person can break is caught here, before anything
//! is sent, and reported at its field in plain words. By stage:
//! [`wire`] the values as the window sends them, [`kinds`] each field by
//! its kind, [`text`] the rules of text (email, web address, ID, phone,
//! statement descriptor, date), [`rules`] the rules between fields (data
//! in the catalog), [`request`] the nested parameters and the free-form
//! request, [`prefill`] an update form's starting values.

mod kinds;
mod prefill;
mod request;
mod rules;
mod text;
mod wire;

pub use prefill::prefill;
pub use rules::search_query;
pub use wire::{
    AddressValue, BuiltRequest, FieldError, FieldValue, FilledForm, KeyValueRow,
    SubscriptionItemRow,
};

use super::{Action, Field, FieldKind};
use crate::stripe::Param;
use request::Tree;
use std::collections::BTreeMap;

/// One form being checked: what is found wrong (and noted), and the
/// request as it is built, field by field.
struct Checker<'a> {
    action: &'a Action,
    form: &'a FilledForm,
    errors: Vec<FieldError>,
    notes: Vec<FieldError>,
    tree: Tree,
    path: String,
    /// Each field's default, used where a new object's form left it out.
    defaults: BTreeMap<String, FieldValue>,
}

impl Checker<'_> {
    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
            note: false,
        });
    }

    fn note(&mut self, field: &str, message: impl Into<String>) {
        self.notes.push(FieldError {
            field: field.into(),
            message: message.into(),
            note: true,
        });
    }

    /// The field's value, or its default where the form left it out (a
    /// new object's form; an update sends only what changed).
    fn value(&self, id: &str) -> Option<&FieldValue> {
        self.form
            .values
            .get(id)
            .filter(|v| !v.is_empty())
            .or_else(|| self.defaults.get(id))
    }

    /// Whether a field applies, given the field its `shown_when` names.
    fn applies(&self, field: &Field) -> bool {
        let Some(when) = &field.shown_when else {
            return true;
        };
        match self.value(&when.field) {
            Some(FieldValue::Text(t)) => when.values.iter().any(|v| v == t.trim()),
            _ => false,
        }
    }

    fn text(&self, id: &str) -> Option<String> {
        match self.value(id) {
            Some(FieldValue::Text(t)) => Some(t.trim().to_owned()),
            _ => None,
        }
    }
}

/// Checks a filled form and builds its request, or says what is wrong with
/// which fields. Nothing is sent from here.
pub fn build(action: &Action, form: &FilledForm) -> Result<BuiltRequest, Vec<FieldError>> {
    check(action, form).0
}

/// Checks a form as [`build`] does, and also says what will be sent in
/// place of what was typed where Stripe would change it (notes).
pub fn check(
    action: &Action,
    form: &FilledForm,
) -> (Result<BuiltRequest, Vec<FieldError>>, Vec<FieldError>) {
    let defaults = if action.changes_only {
        BTreeMap::new()
    } else {
        action
            .fields
            .iter()
            // A required field's default stands in for it (how a new
            // subscription is paid: an emailed invoice, due in 30 days).
            .filter(|f| f.required)
            .filter_map(|f| {
                let d = f.default.as_ref()?;
                let v = match f.kind {
                    FieldKind::YesNo => FieldValue::Yes(d == "true"),
                    _ => FieldValue::Text(d.clone()),
                };
                Some((f.id.clone(), v))
            })
            .collect()
    };
    let mut c = Checker {
        action,
        form,
        errors: Vec::new(),
        notes: Vec::new(),
        tree: Tree::default(),
        path: action.path.clone(),
        defaults,
    };
    if action.free_form {
        return (request::free_form(c), Vec::new());
    }
    for field in &action.fields {
        if !c.applies(field) {
            // Not for this way (days to pay a card payment): neither sent nor required.
            continue;
        }
        let value = c.value(&field.id).cloned();
        let original = form
            .original
            .as_ref()
            .and_then(|o| o.get(&field.id))
            .filter(|v| !v.is_empty())
            .cloned();
        if action.changes_only && field.param != "{id}" {
            if value == original {
                continue;
            }
            if value.is_none() {
                if matches!(field.kind, FieldKind::TextList { .. }) {
                    // Stripe's description allows no empty string here.
                    c.fail(
                        &field.id,
                        format!(
                            "Stripe cannot empty {}: replace the list instead.",
                            field.label
                        ),
                    );
                    continue;
                }
                // Stripe's rule: an empty string unsets the parameter.
                if !field.param.is_empty() {
                    c.tree.insert(&field.param, Param::Text(String::new()));
                }
                continue;
            }
        }
        let Some(value) = value else {
            if field.required {
                c.fail(&field.id, format!("{} is required.", field.label));
            }
            continue;
        };
        let Some(param) = kinds::check_field(&mut c, field, &value, original.as_ref()) else {
            continue;
        };
        if field.param == "{id}" {
            if let Param::Text(id) = &param {
                c.path = c.path.replace("{id}", id);
            }
        } else if !field.param.is_empty() {
            c.tree.insert(&field.param, param);
        } else if let (FieldKind::Choice { options }, Param::Text(chosen)) = (&field.kind, &param) {
            // A choice that steers the request sends what its option says.
            for row in options
                .iter()
                .filter(|o| &o.value == chosen)
                .flat_map(|o| &o.sends)
            {
                c.tree.insert(&row.key, Param::Text(row.value.clone()));
            }
        }
    }
    rules::cross_field(&mut c);
    let notes = std::mem::take(&mut c.notes);
    if !c.errors.is_empty() {
        return (Err(c.errors), notes);
    }
    let built = BuiltRequest {
        method: action.method,
        path: c.path,
        params: c.tree.into_params(),
    };
    (Ok(built), notes)
}

#[cfg(test)]
mod tests;
