//! The checks a typed value goes through before it is used: the one place
//! workflows check emails, ID prefixes and amounts. When the actions'
//! checker lands, point these functions at it instead of keeping two.

use crate::money::{self, NumberFormat};

/// Stripe's limit for a customer's email.
pub const EMAIL_MAX: usize = 512;

/// A plain email shape: something@domain.tld, no spaces, at most 512 characters.
pub fn check_email(value: &str) -> Result<(), String> {
    if value.chars().count() > EMAIL_MAX {
        return Err(format!(
            "An email address has at most {EMAIL_MAX} characters."
        ));
    }
    let shaped = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
                && !value.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if shaped {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not an email address: it should look like name@example.com."
        ))
    }
}

/// A Stripe ID with the right prefix: `cus_` then letters and digits.
pub fn check_id(value: &str, prefix: &str) -> Result<(), String> {
    let rest = value.strip_prefix(prefix).unwrap_or_default();
    if value.starts_with(prefix)
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not the right kind of ID: it should start with {prefix}, like {prefix}ABC123."
        ))
    }
}

/// An amount as typed ("12.50") in Stripe's integer minor units, read in
/// the user's number convention.
pub fn check_amount(value: &str, currency: &str, format: NumberFormat) -> Result<i64, String> {
    money::parse_amount(value, currency, format)
        .map(|parsed| parsed.minor)
        .map_err(|e| e.message(currency))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["jo@example.com", "a.b+c@shop.co.uk"] {
            assert_eq!(check_email(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "jo",
            "jo@",
            "@example.com",
            "jo@example",
            "jo@@example.com",
            "jo @x.com",
            "jo@.com",
            "jo@x..com",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(EMAIL_MAX));
        assert!(check_email(&long).unwrap_err().contains("512"));
    }

    #[test]
    fn ids() {
        assert_eq!(check_id("cus_N1a2", "cus_"), Ok(()));
        for bad in ["cus_", "prod_1", "cus 1", "cus_1 ", "CUS_1"] {
            assert!(check_id(bad, "cus_").is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts_use_the_money_rules() {
        assert_eq!(
            check_amount("1,234.5", "usd", NumberFormat::POINT),
            Ok(123450)
        );
        assert_eq!(check_amount("500", "jpy", NumberFormat::POINT), Ok(500));
        assert!(check_amount("1.5", "jpy", NumberFormat::POINT)
            .unwrap_err()
            .contains("JPY"));
    }
}
