//! The `Idempotency-Key` of a POST: checked once, where it is made or where
//! it comes in from the window, so the client can send it as it is.

use crate::error::{Code, Error};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What Stripe takes as an idempotency key: 1 to 255 characters
/// ("Idempotency keys can be up to 255 characters long"), here also plain
/// visible ASCII, as an HTTP header carries it unchanged. (async-stripe's
/// `IdempotencyKey` checks the same length.)
#[derive(Debug, Clone, PartialEq, Eq, Hash, TS)]
#[ts(export, type = "string")]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const MAX_LEN: usize = 255;

    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        match problem(&key) {
            None => Ok(IdempotencyKey(key)),
            Some(problem) => Err(Error::invalid(Code::InvalidForm, problem, None)),
        }
    }

    /// 128 random bits, as text.
    pub fn random() -> Self {
        IdempotencyKey(super::random_token("desk"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn problem(key: &str) -> Option<String> {
    if key.is_empty() {
        Some("An idempotency key cannot be empty.".into())
    } else if key.len() > IdempotencyKey::MAX_LEN {
        Some(format!(
            "An idempotency key can be at most {} characters; this one has {}.",
            IdempotencyKey::MAX_LEN,
            key.chars().count()
        ))
    } else if !key.bytes().all(|b| b.is_ascii_graphic()) {
        Some("An idempotency key is letters, digits and punctuation, without spaces.".into())
    } else {
        None
    }
}

impl Serialize for IdempotencyKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for IdempotencyKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let key = String::deserialize(d)?;
        match problem(&key) {
            None => Ok(IdempotencyKey(key)),
            Some(problem) => Err(serde::de::Error::custom(problem)),
        }
    }
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_one_to_255_visible_characters() {
        assert!(IdempotencyKey::new("").is_err());
        assert!(IdempotencyKey::new("a".repeat(256)).is_err());
        assert!(IdempotencyKey::new("two words").is_err());
        assert!(IdempotencyKey::new("line\nbreak").is_err());
        assert!(IdempotencyKey::new("é").is_err());
        let longest = IdempotencyKey::new("a".repeat(255)).unwrap();
        assert_eq!(longest.as_str().len(), 255);
        let random = IdempotencyKey::random();
        assert!(IdempotencyKey::new(random.as_str()).is_ok());
        assert_ne!(random, IdempotencyKey::random());
    }

    #[test]
    fn the_window_s_key_is_checked_as_it_comes_in() {
        let ok: IdempotencyKey = serde_json::from_str("\"8f14e45f-ceea-467a\"").unwrap();
        assert_eq!(ok.as_str(), "8f14e45f-ceea-467a");
        for bad in ["\"\"".to_owned(), format!("\"{}\"", "k".repeat(256))] {
            let err = serde_json::from_str::<IdempotencyKey>(&bad).unwrap_err();
            assert!(err.to_string().contains("idempotency key"), "{err}");
        }
        assert_eq!(
            serde_json::to_string(&ok).unwrap(),
            "\"8f14e45f-ceea-467a\""
        );
    }
}
