//! Money as integer minor units, shown and parsed with `rust_decimal`.
//! Never a float: Stripe sends integers and so do we.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Currencies whose smallest unit is the whole unit (Stripe's zero-decimal list).
const ZERO_DECIMAL: [&str; 17] = [
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf", "isk",
];
const THREE_DECIMAL: [&str; 5] = ["bhd", "jod", "kwd", "omr", "tnd"];

/// How many decimal places the currency shows to people.
pub fn display_exponent(currency: &str) -> u32 {
    let c = currency.to_ascii_lowercase();
    if ZERO_DECIMAL.contains(&c.as_str()) {
        0
    } else if THREE_DECIMAL.contains(&c.as_str()) {
        3
    } else {
        2
    }
}

/// How many decimal places Stripe's integer amount carries. Equal to the
/// display exponent except ISK and UGX: shown without decimals, but sent to
/// Stripe as two-decimal amounts that must end in 00.
pub fn wire_exponent(currency: &str) -> u32 {
    match currency.to_ascii_lowercase().as_str() {
        "isk" | "ugx" => 2,
        c => display_exponent(c),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    NotANumber,
    TooManyDecimals { allowed: u32 },
    TooLarge,
}

impl MoneyError {
    pub fn message(&self, currency: &str) -> String {
        let cur = currency.to_ascii_uppercase();
        match self {
            MoneyError::NotANumber => "Enter an amount like 12.50, using digits only.".into(),
            MoneyError::TooManyDecimals { allowed: 0 } => {
                format!("{cur} has no decimal places: enter a whole amount.")
            }
            MoneyError::TooManyDecimals { allowed } => {
                format!("{cur} amounts have at most {allowed} decimal places.")
            }
            MoneyError::TooLarge => "That amount is too large.".into(),
        }
    }
}

/// Stripe's integer amount as a decimal in the currency's major unit,
/// with exactly the currency's display decimals.
pub fn to_decimal(minor: i64, currency: &str) -> Decimal {
    let mut value = Decimal::from_i128_with_scale(minor as i128, wire_exponent(currency));
    value.rescale(display_exponent(currency));
    value
}

/// Parses what a person typed ("12.5", "1,234.50") into Stripe's integer amount.
/// More decimals than the currency shows are refused, never rounded away.
pub fn parse_amount(input: &str, currency: &str) -> Result<i64, MoneyError> {
    let cleaned: String = input.trim().chars().filter(|c| *c != ',').collect();
    // Digits with at most one point: no exponents, signs or words.
    let plain = !cleaned.is_empty()
        && cleaned.chars().all(|c| c.is_ascii_digit() || c == '.')
        && cleaned.matches('.').count() <= 1
        && cleaned.chars().any(|c| c.is_ascii_digit());
    if !plain {
        return Err(MoneyError::NotANumber);
    }
    let value = Decimal::from_str(&cleaned).map_err(|_| MoneyError::NotANumber)?;
    let allowed = display_exponent(currency);
    if value.normalize().scale() > allowed {
        return Err(MoneyError::TooManyDecimals { allowed });
    }
    value
        .checked_mul(Decimal::from(10i64.pow(wire_exponent(currency))))
        .and_then(|minor| minor.to_i64())
        .ok_or(MoneyError::TooLarge)
}

/// "12.50 USD", "1,000 JPY", "1.230 KWD": for tables and totals.
pub fn format(minor: i64, currency: &str) -> String {
    let d = to_decimal(minor, currency);
    let dp = display_exponent(currency);
    let text = format!("{:.*}", dp as usize, d);
    let (sign, digits) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |d| ("-", d));
    let (int, frac) = digits
        .split_once('.')
        .map_or((digits, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
    format!("{sign}{grouped}{frac} {}", currency.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_decimal_currencies() {
        assert_eq!(parse_amount("12.50", "usd"), Ok(1250));
        assert_eq!(parse_amount("1,234.5", "EUR"), Ok(123450));
        assert_eq!(parse_amount("0.01", "usd"), Ok(1));
        assert_eq!(to_decimal(1250, "usd").to_string(), "12.50");
        assert_eq!(format(123456789, "usd"), "1,234,567.89 USD");
        assert_eq!(format(-5, "usd"), "-0.05 USD");
        assert_eq!(
            parse_amount("1.001", "usd"),
            Err(MoneyError::TooManyDecimals { allowed: 2 })
        );
    }

    #[test]
    fn every_zero_decimal_currency() {
        for c in [
            "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "vnd", "vuv",
            "xaf", "xof", "xpf",
        ] {
            assert_eq!(parse_amount("500", c), Ok(500), "{c}");
            assert_eq!(to_decimal(500, c).to_string(), "500", "{c}");
            assert_eq!(
                parse_amount("5.5", c),
                Err(MoneyError::TooManyDecimals { allowed: 0 }),
                "{c}"
            );
        }
        assert_eq!(format(1000, "jpy"), "1,000 JPY");
    }

    #[test]
    fn three_decimal_currencies_end_in_zero_for_stripe() {
        for c in ["bhd", "jod", "kwd", "omr", "tnd"] {
            assert_eq!(parse_amount("1.23", c), Ok(1230), "{c}");
            assert_eq!(parse_amount("1.234", c), Ok(1234), "{c}");
            assert_eq!(to_decimal(1230, c).to_string(), "1.230", "{c}");
        }
        assert_eq!(format(1230, "kwd"), "1.230 KWD");
    }

    #[test]
    fn isk_and_ugx_are_whole_for_people_and_two_decimal_for_stripe() {
        for c in ["isk", "ugx"] {
            assert_eq!(parse_amount("500", c), Ok(50000), "{c}");
            assert_eq!(to_decimal(50000, c).to_string(), "500", "{c}");
            assert!(parse_amount("5.5", c).is_err(), "{c}");
        }
        assert_eq!(format(123400, "isk"), "1,234 ISK");
    }

    #[test]
    fn garbage_is_refused_not_guessed() {
        for bad in ["", "abc", "1e3", "12..5", "NaN", "-5", ".", "1.2.3"] {
            assert!(parse_amount(bad, "usd").is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_amount("99999999999999999999999", "usd"),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn round_trips_for_every_exponent() {
        for c in ["usd", "jpy", "kwd", "isk"] {
            for minor in [0i64, 100, 12300, 987600] {
                let shown = to_decimal(minor, c).to_string();
                assert_eq!(parse_amount(&shown, c), Ok(minor), "{c} {minor}");
            }
        }
    }
}
