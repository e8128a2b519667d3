//! The one rule for what must never be kept (drafts, run history, logs,
//! local databases): card numbers, CVCs, bank account numbers, ID numbers
//! and secrets. By the parameter's name (Stripe's, as typed in a request to
//! any endpoint: `card[number]`, `bank_account[account_number]`) and by the
//! value itself (a key, a webhook secret, a client secret, a card number).

/// The last part of a parameter name: `card[number]` -> `number`.
fn leaf(name: &str) -> &str {
    name.trim_end_matches(']')
        .rsplit(['[', '.'])
        .next()
        .unwrap_or(name)
}

/// Whether Stripe marks a parameter of this name as secret or sensitive:
/// card numbers and CVCs, bank account and routing numbers, ID numbers
/// (`id_number`, `ssn_last_4`, `personal_id_number`), and secrets
/// (`secret`, `client_secret`, `password`).
pub fn is_sensitive_param(name: &str) -> bool {
    let name = name.trim().to_ascii_lowercase();
    let leaf = leaf(&name);
    let in_card =
        name.starts_with("card[") || name.contains("[card]") || name.contains("card_details");
    matches!(
        leaf,
        "cvc"
            | "cvv"
            | "account_number"
            | "routing_number"
            | "iban"
            | "id_number"
            | "id_number_secondary"
            | "personal_id_number"
            | "ssn_last_4"
            | "secret"
            | "client_secret"
            | "password"
    ) || (in_card && leaf == "number")
        || leaf.ends_with("_secret")
        || leaf.ends_with("_number") && (leaf.contains("account") || leaf.contains("card"))
}

/// Whether a value is itself a secret or a card number, whatever field it
/// was typed in: an API key (`sk_`, `rk_`), a webhook signing secret
/// (`whsec_`), a client secret (`pi_..._secret_...`), an OAuth token, or 13
/// to 19 digits that pass the Luhn check.
pub fn is_sensitive_value(value: &str) -> bool {
    let v = value.trim();
    let prefixes = [
        "sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_", "rt_", "ac_",
    ];
    if prefixes
        .iter()
        .any(|p| v.starts_with(p) && v.len() > p.len() + 8)
    {
        return true;
    }
    if v.contains("_secret_") {
        return true;
    }
    let digits: Vec<u32> = v
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_digit(10))
        .collect::<Option<Vec<u32>>>()
        .unwrap_or_default();
    (13..=19).contains(&digits.len()) && luhn(&digits)
}

fn luhn(digits: &[u32]) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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
            "sk_live_51abcdefghijklmnop",
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
