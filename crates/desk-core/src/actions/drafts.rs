//! Half-filled forms, kept per connection in the data dir so they survive
//! an app restart: `drafts/<connection id>.json` (0600, in a 0700 dir,
//! written atomically), action id -> the form as the window holds it.
//! Form values are what the user typed (names, emails), never a key: a
//! value that is a secret, a card, bank account or ID number (by its
//! parameter's name or by itself, [`crate::sensitive`]) is left out.

use super::form::{AddressValue, KeyValueRow};
use super::{FieldValue, FilledForm};
use crate::error::Error;
use crate::private_files;
use crate::sensitive::{is_sensitive_param, is_sensitive_value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// One connection's drafts, by action id.
pub type ConnectionDrafts = BTreeMap<String, FilledForm>;

/// A draft bigger than this is not kept (a pasted raw body, say): the
/// window still holds it until the app closes.
const MAX_DRAFT_BYTES: usize = 256 * 1024;

pub struct Drafts {
    dir: PathBuf,
    /// One writer at a time: each save rewrites the connection's file.
    write: Mutex<()>,
}

impl Drafts {
    pub fn new(data_dir: &std::path::Path) -> Self {
        Drafts {
            dir: data_dir.join("drafts"),
            write: Mutex::new(()),
        }
    }

    /// Connection ids are ours (`conn_...`); anything else is refused rather
    /// than turned into a path.
    fn file(&self, connection_id: &str) -> Result<PathBuf, Error> {
        let ok = !connection_id.is_empty()
            && connection_id.len() <= 100
            && connection_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !ok {
            return Err(Error::Storage(
                "a connection id that cannot name a drafts file".into(),
            ));
        }
        Ok(self.dir.join(format!("{connection_id}.json")))
    }

    /// The connection's drafts; none when nothing was kept or the file
    /// cannot be read (a draft is a convenience, never worth a failure).
    pub fn load(&self, connection_id: &str) -> ConnectionDrafts {
        let Ok(path) = self.file(connection_id) else {
            return ConnectionDrafts::new();
        };
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "unreadable drafts file; starting with none");
                ConnectionDrafts::new()
            }),
            Err(_) => ConnectionDrafts::new(),
        }
    }

    /// Keeps (or, for an empty form, forgets) one action's draft.
    pub fn save(
        &self,
        connection_id: &str,
        action_id: &str,
        form: &FilledForm,
    ) -> Result<(), Error> {
        let path = self.file(connection_id)?;
        let form = &without_sensitive(form);
        let size = serde_json::to_vec(form).map(|b| b.len()).unwrap_or(0);
        let _one_writer = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let mut all = self.load(connection_id);
        if form.values.is_empty() || size > MAX_DRAFT_BYTES {
            if all.remove(action_id).is_none() {
                return Ok(());
            }
        } else {
            all.insert(action_id.to_owned(), form.clone());
        }
        private_files::private_dir(&self.dir).map_err(|e| Error::Storage(e.to_string()))?;
        let bytes = serde_json::to_vec(&all).map_err(|e| Error::Storage(e.to_string()))?;
        private_files::write_atomically(&path, &bytes).map_err(|e| Error::Storage(e.to_string()))
    }

    /// A removed connection's drafts go with it.
    pub fn forget(&self, connection_id: &str) {
        if let Ok(path) = self.file(connection_id) {
            let _one_writer = self.write.lock().unwrap_or_else(|e| e.into_inner());
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The form as it may be kept: every sensitive value left out (a row keeps
/// its parameter name, with the value emptied, so the person sees where it
/// goes and types it again).
pub fn without_sensitive(form: &FilledForm) -> FilledForm {
    let mut kept = form.clone();
    kept.values = form
        .values
        .iter()
        .filter_map(|(id, value)| keepable(value).map(|v| (id.clone(), v)))
        .collect();
    kept.original = form.original.as_ref().map(|o| {
        o.iter()
            .filter_map(|(id, value)| keepable(value).map(|v| (id.clone(), v)))
            .collect()
    });
    kept
}

fn keepable(value: &FieldValue) -> Option<FieldValue> {
    let clean = |s: &str| (!is_sensitive_value(s)).then(|| s.to_owned());
    Some(match value {
        FieldValue::Yes(b) => FieldValue::Yes(*b),
        FieldValue::Text(t) if t.contains('=') => FieldValue::Text(without_sensitive_pairs(t)),
        FieldValue::Text(t) => FieldValue::Text(clean(t)?),
        FieldValue::List(items) => {
            FieldValue::List(items.iter().filter_map(|i| clean(i)).collect())
        }
        FieldValue::Rows(rows) => FieldValue::Rows(
            rows.iter()
                .map(|r| KeyValueRow {
                    key: r.key.clone(),
                    value: if is_sensitive_param(&r.key) || is_sensitive_value(&r.value) {
                        String::new()
                    } else {
                        r.value.clone()
                    },
                })
                .collect(),
        ),
        FieldValue::Items(items) => FieldValue::Items(items.clone()),
        FieldValue::Address(a) => FieldValue::Address(AddressValue {
            line1: clean(&a.line1).unwrap_or_default(),
            line2: clean(&a.line2).unwrap_or_default(),
            city: a.city.clone(),
            postal_code: a.postal_code.clone(),
            state: a.state.clone(),
            country: a.country.clone(),
        }),
    })
}

/// A raw form body (`a=1&card[number]=...`) with its sensitive pairs left out.
fn without_sensitive_pairs(body: &str) -> String {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    if pairs.is_empty() {
        return if is_sensitive_value(body) {
            String::new()
        } else {
            body.to_owned()
        };
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !(is_sensitive_param(&k) || is_sensitive_value(&v)) {
            out.append_pair(&k, &v);
        }
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_card_numbers_are_never_kept() {
        let form = FilledForm::new()
            .text("name", "Maria")
            .text("note", "4242 4242 4242 4242")
            .text(
                "body",
                "amount=500&card[number]=4242424242424242&card[cvc]=123&currency=eur",
            )
            .value(
                "params",
                FieldValue::Rows(vec![
                    KeyValueRow {
                        key: "card[number]".into(),
                        value: "4000056655665556".into(),
                    },
                    KeyValueRow {
                        key: "bank_account[account_number]".into(),
                        value: "000123456789".into(),
                    },
                    KeyValueRow {
                        key: "individual[id_number]".into(),
                        value: "123-45-6789".into(),
                    },
                    KeyValueRow {
                        key: "description".into(),
                        value: "whsec_abcdefghijklmno".into(),
                    },
                    KeyValueRow {
                        key: "email".into(),
                        value: "maria@example.com".into(),
                    },
                ]),
            );
        let kept = without_sensitive(&form);
        let text = serde_json::to_string(&kept).unwrap();
        for secret in [
            "4242",
            "4000056655665556",
            "000123456789",
            "123-45-6789",
            "whsec_",
            "cvc]=123",
        ] {
            assert!(!text.contains(secret), "{secret} kept: {text}");
        }
        assert!(
            text.contains("Maria") && text.contains("maria@example.com"),
            "{text}"
        );
        assert!(
            text.contains("card[number]"),
            "the row's name stays: {text}"
        );
        assert_eq!(
            kept.values["body"],
            FieldValue::Text("amount=500&currency=eur".into())
        );
    }
}
