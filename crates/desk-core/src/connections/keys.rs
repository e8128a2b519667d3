//! What a pasted API key is, before anything is sent to Stripe.

use crate::secret::Secret;
use crate::stripe::Auth;
use crate::views::Mode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Secret,
    Restricted,
}

/// A key that looks like a usable Stripe secret or restricted key.
#[derive(Debug, Clone)]
pub struct ApiKey {
    secret: Secret,
    pub kind: KeyKind,
    pub mode: Mode,
}

/// Why a pasted text is not a usable key, in the user's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProblem {
    Empty,
    Publishable,
    WrongShape(&'static str),
}

impl KeyProblem {
    pub fn message(&self) -> &'static str {
        match self {
            KeyProblem::Empty => "Paste your secret or restricted API key here.",
            KeyProblem::Publishable => {
                "This is a publishable key; paste the secret or restricted key from Developers > API keys"
            }
            KeyProblem::WrongShape(why) => why,
        }
    }
}

const PREFIXES: [(&str, KeyKind, Mode); 4] = [
    ("sk_test_", KeyKind::Secret, Mode::Test),
    ("sk_live_", KeyKind::Secret, Mode::Live),
    ("rk_test_", KeyKind::Restricted, Mode::Test),
    ("rk_live_", KeyKind::Restricted, Mode::Live),
];

impl ApiKey {
    /// Classifies pasted text. Surrounding whitespace (a stray newline from
    /// copying) is trimmed; anything else odd is refused with a reason.
    pub fn parse(input: &str) -> Result<ApiKey, KeyProblem> {
        let key = input.trim();
        if key.is_empty() {
            return Err(KeyProblem::Empty);
        }
        if key.starts_with("pk_test_") || key.starts_with("pk_live_") || key.starts_with("pk_") {
            return Err(KeyProblem::Publishable);
        }
        if key.chars().any(char::is_whitespace) {
            return Err(KeyProblem::WrongShape(
                "The key contains spaces or line breaks. Copy it again with the Copy button in the Stripe Dashboard.",
            ));
        }
        let Some((prefix, kind, mode)) = PREFIXES.iter().find(|(p, ..)| key.starts_with(p)) else {
            let why = if key.starts_with("whsec_") {
                "This is a webhook signing secret, not an API key. Paste the secret or restricted key from Developers > API keys."
            } else if key.starts_with("acct_") {
                "This is an account ID, not an API key. Paste the secret or restricted key from Developers > API keys."
            } else {
                "This does not look like a Stripe API key. Secret keys start with sk_ and restricted keys with rk_."
            };
            return Err(KeyProblem::WrongShape(why));
        };
        let rest = &key[prefix.len()..];
        if rest.len() < 8 || !rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(KeyProblem::WrongShape(
                "This key looks cut off or mistyped. Copy it again from Developers > API keys.",
            ));
        }
        Ok(ApiKey {
            secret: Secret::new(key),
            kind: *kind,
            mode: *mode,
        })
    }

    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// Acting as the key's own account.
    pub fn auth(&self) -> Auth {
        Auth {
            secret: self.secret.clone(),
            mode: self.mode,
            stripe_account: None,
        }
    }

    pub fn masked(&self) -> String {
        mask(self.secret.expose())
    }

    pub fn describe(&self) -> String {
        let kind = match self.kind {
            KeyKind::Secret => "Secret key",
            KeyKind::Restricted => "Restricted key",
        };
        format!("{kind}, {} mode", self.mode.word())
    }
}

/// `sk_test_...4242`: the prefix and the last four characters, enough to
/// recognise a key, never enough to use it.
pub fn mask(key: &str) -> String {
    let prefix_end = key
        .match_indices('_')
        .nth(1)
        .map(|(i, _)| i + 1)
        .unwrap_or(0)
        .min(8);
    let chars: Vec<char> = key.chars().collect();
    let last4: String = if chars.len() >= prefix_end + 8 {
        chars[chars.len() - 4..].iter().collect()
    } else {
        String::new()
    };
    format!("{}...{}", &key[..prefix_end], last4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_four_kinds_and_trims() {
        let k = ApiKey::parse("  sk_test_51Habcdefgh4242\n").unwrap();
        assert_eq!((k.kind, k.mode), (KeyKind::Secret, Mode::Test));
        assert_eq!(k.secret().expose(), "sk_test_51Habcdefgh4242");
        assert_eq!(
            ApiKey::parse("rk_live_abcdefgh1234").unwrap().kind,
            KeyKind::Restricted
        );
        assert_eq!(
            ApiKey::parse("sk_live_abcdefgh1234").unwrap().mode,
            Mode::Live
        );
        assert_eq!(
            ApiKey::parse("rk_test_abcdefgh1234").unwrap().mode,
            Mode::Test
        );
    }

    #[test]
    fn refuses_publishable_keys_with_the_explanation() {
        let err = ApiKey::parse("pk_test_51Habcdefgh").unwrap_err();
        assert_eq!(err, KeyProblem::Publishable);
        assert_eq!(
            err.message(),
            "This is a publishable key; paste the secret or restricted key from Developers > API keys"
        );
    }

    #[test]
    fn refuses_other_text_with_a_reason() {
        for bad in [
            "",
            "   ",
            "hello",
            "whsec_abc",
            "acct_123",
            "sk_test_",
            "sk_test_ab cdefgh",
            "sk_test_abc$defgh",
        ] {
            let err = ApiKey::parse(bad).unwrap_err();
            assert!(!err.message().is_empty(), "{bad:?}");
        }
    }

    #[test]
    fn masks_keep_prefix_and_last_four_only() {
        assert_eq!(mask("sk_test_51Habcdefgh4242"), "sk_test_...4242");
        assert_eq!(mask("rk_live_abcdefgh1234"), "rk_live_...1234");
        assert_eq!(mask("sk_test_ab"), "sk_test_...");
        assert_eq!(mask("weird"), "...");
    }
}
