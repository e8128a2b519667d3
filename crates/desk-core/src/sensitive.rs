//! What is never kept: values of fields Stripe marks secret or sensitive
//! (card numbers, CVCs, bank account numbers, ID numbers, secrets such as a
//! webhook endpoint's signing secret or a PaymentIntent's client secret),
//! and values that are secrets whatever field they sit in (`whsec_...`,
//! `sk_...`, `rk_...`, card numbers typed into free text). Whatever stores
//! what Stripe sent or what a person typed (run history, drafts) masks them
//! through [`mask_json`] first.

use serde_json::Value;

/// Field names Stripe documents as secret or sensitive. Matched on the last
/// name of a parameter or JSON path (`card[cvc]`, `bank_account.account_number`).
const SENSITIVE_NAMES: &[&str] = &[
    "cvc",
    "cvc2",
    "cvv",
    "account_number",
    "routing_number",
    "iban",
    "id_number",
    "id_number_secondary",
    "personal_id_number",
    "ssn_last_4",
    "secret",
    "client_secret",
    "secret_key",
    "password",
    "access_token",
    "refresh_token",
    "api_key",
];

/// Prefixes of values that are secrets wherever they appear.
const SECRET_PREFIXES: &[&str] = &[
    "whsec_", "sk_live_", "sk_test_", "rk_live_", "rk_test_", "ek_live_", "ek_test_",
];

/// How a masked value ends, so masking twice changes nothing.
const HIDDEN: &str = " (hidden)";

/// The parts of a parameter or JSON path, lowercased: `card[number]`,
/// `card.number` and `number` (under `card`) all end in `number`.
fn parts(name: &str) -> Vec<String> {
    name.split(['[', ']', '.'])
        .filter(|p| !p.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Whether a parameter or field (`card[number]`, `client_secret`,
/// `bank_account[account_number]`, `individual.id_number`) holds a value
/// that must never be stored.
pub fn is_sensitive_param(name: &str) -> bool {
    let parts = parts(name);
    let Some(last) = parts.last() else {
        return false;
    };
    if SENSITIVE_NAMES.contains(&last.as_str()) || last.ends_with("_secret") {
        return true;
    }
    // A card's number (not an invoice's): `card[number]`, `cards.0.number`.
    last == "number" && parts.iter().any(|p| p == "card" || p == "cards")
}

/// Whether a value is a secret whatever it is called: a key or signing
/// secret by its prefix, a client secret (`pi_..._secret_...`), or a card
/// number (13 to 19 digits that pass Luhn's check).
pub fn is_sensitive_value(value: &str) -> bool {
    let v = value.trim();
    if v.ends_with(HIDDEN) {
        return false;
    }
    if SECRET_PREFIXES.iter().any(|p| v.starts_with(p)) && v.len() > 8 {
        return true;
    }
    // OAuth refresh tokens and authorization codes: short prefixes, so only
    // with a long tail (an `ac_` word is not a code).
    if ["rt_", "ac_"]
        .iter()
        .any(|p| v.starts_with(p) && v.len() > p.len() + 8)
    {
        return true;
    }
    if v.contains("_secret_") {
        return true;
    }
    looks_like_card_number(v)
}

fn looks_like_card_number(v: &str) -> bool {
    if !v
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
    {
        return false;
    }
    let digits: Vec<u32> = v.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                *d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// What is kept instead of a secret: its kind and at most its last four
/// characters (`whsec_...4f2a`, `...4242`), as keys are shown elsewhere.
pub fn masked(value: &str) -> String {
    let v = value.trim();
    let prefix = SECRET_PREFIXES
        .iter()
        .find(|p| v.starts_with(*p))
        .copied()
        .unwrap_or("");
    let tail: String = v
        .chars()
        .rev()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if v.chars().count() <= 8 {
        return "(hidden)".into();
    }
    format!("{prefix}...{tail}{HIDDEN}")
}

/// Masks, in place, every value under a sensitive name and every sensitive
/// value, at any depth. `path` is where `value` sits (`""` at the top).
pub fn mask_json(value: &mut Value, path: &str) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let here = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let hidden = v
                    .as_str()
                    .is_some_and(|s| s.ends_with(HIDDEN) || s == "(hidden)");
                if is_sensitive_param(&here) && !v.is_null() && !v.is_object() && !hidden {
                    *v = Value::String(masked(&text_of(v)));
                } else {
                    mask_json(v, &here);
                }
            }
        }
        Value::Array(items) => {
            // Rows as forms hold them, `{key, value}`: the key names the value.
            for item in items.iter_mut() {
                let key = item.get("key").and_then(Value::as_str).map(str::to_owned);
                match (key, item.get_mut("value")) {
                    (Some(k), Some(v)) if is_sensitive_param(&k) && !v.is_null() => {
                        *v = Value::String(masked(&text_of(v)));
                    }
                    _ => mask_json(item, path),
                }
            }
        }
        Value::String(s) if is_sensitive_value(s) => *s = masked(s),
        _ => {}
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_stripe_marks_sensitive() {
        for name in [
            "card[number]",
            "card[cvc]",
            "bank_account[account_number]",
            "individual[id_number]",
            "secret",
            "client_secret",
            "cards.0.number",
            "individual.ssn_last_4",
        ] {
            assert!(is_sensitive_param(name), "{name}");
        }
        for name in [
            "number",
            "invoice[number]",
            "email",
            "name",
            "metadata[key]",
        ] {
            assert!(!is_sensitive_param(name), "{name}");
        }
    }

    #[test]
    fn values_that_are_secrets_anywhere() {
        for v in [
            "whsec_abcdefghijklmnop",
            "sk_test_51abcdefghij",
            "rk_live_abcdefghijk",
            "pi_3Abc_secret_XyZ123",
            "4242 4242 4242 4242",
            "4000056655665556",
        ] {
            assert!(is_sensitive_value(v), "{v}");
        }
        for v in [
            "cus_123",
            "jo@example.com",
            "1234567890123",
            "12.50",
            "sku_1",
        ] {
            assert!(!is_sensitive_value(v), "{v}");
        }
    }

    #[test]
    fn masking_keeps_shape_and_drops_secrets() {
        let mut v = json!({
            "id": "we_1",
            "secret": "whsec_0123456789abcdef",
            "url": "https://example.com",
            "card": {"number": "4242424242424242", "last4": "4242", "exp_month": 12},
            "params": [{"key": "card[cvc]", "value": "123"}, {"key": "name", "value": "Jo"}],
            "note": "sk_live_0000000000abcd"
        });
        mask_json(&mut v, "");
        let text = v.to_string();
        for gone in [
            "whsec_0123456789abcdef",
            "4242424242424242",
            "\"123\"",
            "sk_live_0000000000abcd",
        ] {
            assert!(!text.contains(gone), "{gone} in {text}");
        }
        assert_eq!(v["secret"], "whsec_...cdef (hidden)");
        assert_eq!(v["card"]["last4"], "4242");
        assert_eq!(v["params"][1]["value"], "Jo");
        assert_eq!(v["url"], "https://example.com");
    }

    #[test]
    fn sensitive_parameters_by_name() {
        for name in [
            "card[number]",
            "card[cvc]",
            "payment_method_data[card][number]",
            "bank_account[account_number]",
            "external_account[routing_number]",
            "individual[id_number]",
            "individual[ssn_last_4]",
            "secret",
            "client_secret",
            "webhook_secret",
        ] {
            assert!(is_sensitive_param(name), "{name}");
        }
        for name in [
            "name",
            "email",
            "card[exp_month]",
            "metadata[order]",
            "items[0][price]",
            "phone",
        ] {
            assert!(!is_sensitive_param(name), "{name}");
        }
    }

    #[test]
    fn sensitive_values_wherever_they_are_typed() {
        for value in [
            "4242424242424242",
            "4242 4242 4242 4242",
            "5555-5555-5555-4444",
            "sk_live_FAKE_not_a_real_key",
            "rk_test_51abcdefghijklmnop",
            "whsec_abcdefghijklmnop",
            "pi_3Abc_secret_Def",
        ] {
            assert!(is_sensitive_value(value), "{value}");
        }
        for value in [
            "Maria Lopez",
            "4242424242424241",
            "+44 20 7946 0958",
            "12345",
            "cus_NeGfPRiPKxeBi1",
            "sk_",
        ] {
            assert!(!is_sensitive_value(value), "{value}");
        }
    }
}
