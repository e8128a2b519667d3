//! A string that must never be shown: keys, client secrets, tokens.

use std::fmt;

/// Holds a secret. `Debug` and `Display` print a placeholder, it does not
/// implement `Serialize`, so it cannot slip into logs, panics or IPC replies
/// (it is `Deserialize`, to arrive from the window's forms as one);
/// reading it takes an explicit [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it (an HTTP header, the keyring).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Read from the window (a form's field); there is no way back.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("sk_test_abcdef1234");
        assert!(!format!("{s:?} {s}").contains("abcdef"));
        assert_eq!(s.expose(), "sk_test_abcdef1234");
    }
}
