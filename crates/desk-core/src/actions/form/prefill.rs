//! An update form's starting values, from the object as Stripe sent it.

use super::super::{Action, FieldKind};
use super::{AddressValue, FieldValue, KeyValueRow};
use std::collections::BTreeMap;

/// The form's values for an object Stripe sent, so an update form starts
/// from what is there now (and sends only what the person changes).
pub fn prefill(action: &Action, object: &serde_json::Value) -> BTreeMap<String, FieldValue> {
    use serde_json::Value;
    let mut out = BTreeMap::new();
    for field in &action.fields {
        if field.param.is_empty() {
            continue;
        }
        if field.param == "{id}" {
            if let Some(id) = object.get("id").and_then(Value::as_str) {
                out.insert(field.id.clone(), FieldValue::Text(id.into()));
            }
            continue;
        }
        let mut v = object;
        for seg in field.param.split(['[', ']']).filter(|s| !s.is_empty()) {
            match v.get(seg) {
                Some(next) => v = next,
                None => {
                    v = &Value::Null;
                    break;
                }
            }
        }
        let text = |v: &Value| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| v.as_i64().map(|n| n.to_string()))
        };
        let value = match &field.kind {
            FieldKind::YesNo => v.as_bool().map(FieldValue::Yes),
            FieldKind::Address => v.as_object().map(|_| {
                let part = |k: &str| {
                    v.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                FieldValue::Address(AddressValue {
                    line1: part("line1"),
                    line2: part("line2"),
                    city: part("city"),
                    postal_code: part("postal_code"),
                    state: part("state"),
                    country: part("country"),
                })
            }),
            FieldKind::Metadata => v.as_object().map(|m| {
                FieldValue::Rows(
                    m.iter()
                        // This app's own tags (`stripe_desk_submission`,
                        // a workflow run's): not the person's notes, and
                        // left as they are by an update.
                        .filter(|(k, _)| !k.starts_with("stripe_desk_"))
                        .map(|(k, val)| KeyValueRow {
                            key: k.clone(),
                            value: val.as_str().unwrap_or_default().to_owned(),
                        })
                        .collect(),
                )
            }),
            FieldKind::TextList { .. } | FieldKind::UrlList { .. } => v.as_array().map(|a| {
                FieldValue::List(
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                )
            }),
            _ => text(v).map(FieldValue::Text),
        };
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            out.insert(field.id.clone(), value);
        }
    }
    out
}
