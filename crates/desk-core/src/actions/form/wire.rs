//! What the window sends for a form and what it gets back: values as typed,
//! mistakes at their fields, and the checked request.

use super::super::HttpMethod;
use crate::money::NumberFormat;
use crate::stripe::Params;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyValueRow {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SubscriptionItemRow {
    pub price: String,
    /// As typed; empty means 1.
    pub quantity: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AddressValue {
    #[serde(default)]
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub state: String,
    /// Two-letter ISO code (`DE`).
    #[serde(default)]
    pub country: String,
}

impl AddressValue {
    pub(super) fn parts(&self) -> [(&'static str, &str); 6] {
        [
            ("line1", &self.line1),
            ("line2", &self.line2),
            ("city", &self.city),
            ("postal_code", &self.postal_code),
            ("state", &self.state),
            ("country", &self.country),
        ]
    }
}

/// One field's value as the window holds it. Which shape goes with which
/// field kind: yes/no a `Yes`; lists of URLs or words a `List`; metadata and
/// key/value rows `Rows`; subscription items `Items`; an address `Address`;
/// everything else `Text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(untagged)]
#[ts(export)]
pub enum FieldValue {
    Yes(bool),
    Text(String),
    List(Vec<String>),
    Rows(Vec<KeyValueRow>),
    Items(Vec<SubscriptionItemRow>),
    Address(AddressValue),
}

impl FieldValue {
    pub(super) fn is_empty(&self) -> bool {
        match self {
            FieldValue::Yes(_) => false,
            FieldValue::Text(t) => t.trim().is_empty(),
            FieldValue::List(l) => l.iter().all(|s| s.trim().is_empty()),
            FieldValue::Rows(r) => r
                .iter()
                .all(|r| r.key.trim().is_empty() && r.value.is_empty()),
            FieldValue::Items(i) => i
                .iter()
                .all(|i| i.price.trim().is_empty() && i.quantity.trim().is_empty()),
            FieldValue::Address(a) => a.parts().iter().all(|(_, v)| v.trim().is_empty()),
        }
    }
}

/// A form as submitted: values keyed by field id. For update forms,
/// `original` holds the values the form was filled with, so only changes
/// are sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FilledForm {
    pub values: BTreeMap<String, FieldValue>,
    #[serde(default)]
    pub original: Option<BTreeMap<String, FieldValue>>,
    /// The user's decimal mark, for amounts.
    #[serde(default)]
    pub number_format: NumberFormat,
}

impl FilledForm {
    pub fn new() -> Self {
        FilledForm::default()
    }

    pub fn text(mut self, id: &str, value: &str) -> Self {
        self.values
            .insert(id.into(), FieldValue::Text(value.into()));
        self
    }

    pub fn value(mut self, id: &str, value: FieldValue) -> Self {
        self.values.insert(id.into(), value);
        self
    }
}

/// A mistake in one field, to show next to it; or, with `note`, not a
/// mistake but what will be sent in its place ("Sent as CAFE TEA").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    pub note: bool,
}

/// A checked form, ready for the Stripe client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltRequest {
    pub method: HttpMethod,
    pub path: String,
    pub params: Params,
}
