//! Money as integer minor units, shown and parsed with `rust_decimal`.
//! Never a float: Stripe sends integers and so do we.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use ts_rs::TS;

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

/// Every currency whose decimal places are not two, shown or on the wire:
/// `(code, display exponent, wire exponent)`. The window formats amounts
/// from these (`ui/src/bindings/Currencies.ts`, written from this list by a
/// test), so the two tables cannot drift.
pub fn uncommon_exponents() -> Vec<(&'static str, u32, u32)> {
    ZERO_DECIMAL
        .iter()
        .chain(THREE_DECIMAL.iter())
        .map(|c| (*c, display_exponent(c), wire_exponent(c)))
        .collect()
}

/// Which character separates the decimals in the user's own number
/// convention (read by the window from the system locale). It only decides
/// strings that could mean two things, such as "1,234" or "1.234".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum DecimalMark {
    #[default]
    Point,
    Comma,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NumberFormat {
    pub decimal: DecimalMark,
}

impl NumberFormat {
    pub const POINT: NumberFormat = NumberFormat {
        decimal: DecimalMark::Point,
    };
    pub const COMMA: NumberFormat = NumberFormat {
        decimal: DecimalMark::Comma,
    };

    fn marks(self) -> (char, char) {
        match self.decimal {
            DecimalMark::Point => ('.', ','),
            DecimalMark::Comma => (',', '.'),
        }
    }
}

/// A typed amount as Stripe will get it, and as the person should read it
/// back next to the field before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ParsedAmount {
    /// Stripe's integer amount (minor units of the wire exponent).
    #[ts(type = "number")]
    pub minor: i64,
    /// "12.50 EUR", in the user's number convention.
    pub as_understood: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    NotANumber,
    /// A thousands separator in the wrong place, such as "1,2,3" or "12,34.5".
    BadGrouping,
    TooManyDecimals {
        allowed: u32,
    },
    /// Three-decimal currencies: Stripe takes only amounts whose last digit is 0.
    MustEndInZero,
    TooLarge,
}

impl MoneyError {
    pub fn message(&self, currency: &str) -> String {
        let cur = currency.to_ascii_uppercase();
        match self {
            MoneyError::NotANumber => {
                "Enter an amount like 12.50, with digits and at most one decimal mark.".into()
            }
            MoneyError::BadGrouping => {
                "The separators in this amount do not make sense: group thousands in threes (1,234,567.89) or leave them out.".into()
            }
            MoneyError::TooManyDecimals { allowed: 0 } => {
                format!("{cur} has no decimal places: enter a whole amount.")
            }
            MoneyError::TooManyDecimals { allowed } => {
                format!("{cur} amounts have at most {allowed} decimal places.")
            }
            MoneyError::MustEndInZero => format!(
                "Stripe takes {cur} amounts only in steps of 0.010: the third decimal must be 0."
            ),
            MoneyError::TooLarge => "That amount is too large.".into(),
        }
    }
}

/// Stripe's integer amount as a decimal in the currency's major unit, with
/// the currency's display decimals; never rounded, so an ISK or UGX amount
/// with a fraction left from earlier data keeps it ("123.45").
pub fn to_decimal(minor: i64, currency: &str) -> Decimal {
    let mut value = Decimal::from_i128_with_scale(minor as i128, wire_exponent(currency));
    let display = display_exponent(currency);
    if value.normalize().scale() <= display {
        value.rescale(display);
    }
    value
}

/// Splits a typed amount into its whole digits and decimal digits, deciding
/// which mark is the decimal one. `None` decimals means no decimal mark.
fn split_marks(s: &str, format: NumberFormat) -> Result<(String, Option<String>), MoneyError> {
    let (user_decimal, user_group) = format.marks();
    let points = s.matches('.').count();
    let commas = s.matches(',').count();
    // Which mark, if any, is the decimal one.
    let decimal = match (points, commas) {
        (0, 0) => None,
        // Both kinds: the last one is the decimal mark and must be alone.
        (p, c) if p > 0 && c > 0 => {
            let last = if s.rfind('.') > s.rfind(',') {
                '.'
            } else {
                ','
            };
            if s.matches(last).count() > 1 {
                return Err(MoneyError::BadGrouping);
            }
            Some(last)
        }
        // One kind, several times: only a thousands separator can repeat.
        (p, c) if p > 1 || c > 1 => None,
        // One mark, once.
        _ => {
            let mark = if points == 1 { '.' } else { ',' };
            let (before, after) = s.split_once(mark).expect("one mark");
            let could_group =
                after.len() == 3 && (1..=3).contains(&before.len()) && !before.starts_with('0');
            if could_group && mark == user_group {
                // "1,234" for someone who writes 1,234.50: a thousand and more.
                debug_assert_ne!(mark, user_decimal);
                None
            } else {
                Some(mark)
            }
        }
    };
    let (whole, frac) = match decimal {
        Some(mark) => {
            let (w, f) = s.rsplit_once(mark).expect("mark present");
            (w, Some(f))
        }
        None => (s, None),
    };
    if let Some(f) = frac {
        if f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()) {
            return Err(MoneyError::BadGrouping);
        }
    }
    // The whole part: plain digits, or groups of three after a first group of 1 to 3.
    let group = ['.', ','].into_iter().find(|c| whole.contains(*c));
    let whole_digits = match group {
        None => whole.to_owned(),
        Some(sep) => {
            let groups: Vec<&str> = whole.split(sep).collect();
            let ok = groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()))
                && (1..=3).contains(&groups[0].len())
                && groups[1..].iter().all(|g| g.len() == 3);
            if !ok {
                return Err(MoneyError::BadGrouping);
            }
            groups.concat()
        }
    };
    if whole_digits.is_empty() && frac.is_none() {
        return Err(MoneyError::NotANumber);
    }
    Ok((whole_digits, frac.map(str::to_owned)))
}

/// Parses what a person typed ("12.5", "1,234.50", "12,50") into Stripe's
/// integer amount and the text to show back. A decimal comma or point is
/// accepted; a string that could mean two things ("1,234") follows the
/// user's `format`; more decimals than the currency shows are refused,
/// never rounded away.
pub fn parse_amount(
    input: &str,
    currency: &str,
    format: NumberFormat,
) -> Result<ParsedAmount, MoneyError> {
    let s = input.trim();
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && s.chars().any(|c| c.is_ascii_digit());
    if !plain {
        return Err(MoneyError::NotANumber);
    }
    let (whole, frac) = split_marks(s, format)?;
    let frac = frac.unwrap_or_default();
    let allowed = display_exponent(currency);
    // Counted as typed: "1.000" JPY is not quietly one yen.
    if frac.len() as u32 > allowed {
        return Err(MoneyError::TooManyDecimals { allowed });
    }
    let text = if whole.is_empty() {
        format!("0.{frac}")
    } else if frac.is_empty() {
        whole
    } else {
        format!("{whole}.{frac}")
    };
    let value = Decimal::from_str(&text).map_err(|_| MoneyError::TooLarge)?;
    let minor = value
        .checked_mul(Decimal::from(10i64.pow(wire_exponent(currency))))
        .and_then(|minor| minor.to_i64())
        .ok_or(MoneyError::TooLarge)?;
    if THREE_DECIMAL.contains(&currency.to_ascii_lowercase().as_str()) && minor % 10 != 0 {
        return Err(MoneyError::MustEndInZero);
    }
    Ok(ParsedAmount {
        minor,
        as_understood: format_in(minor, currency, format),
    })
}

/// "12.50 USD", "1,000 JPY", "1.230 KWD": for tables and totals.
pub fn format(minor: i64, currency: &str) -> String {
    format_in(minor, currency, NumberFormat::POINT)
}

/// Like [`format`], in the user's number convention ("1.234,50 EUR").
pub fn format_in(minor: i64, currency: &str, number_format: NumberFormat) -> String {
    let (decimal, group) = number_format.marks();
    let text = to_decimal(minor, currency).to_string();
    let (sign, digits) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |d| ("-", d));
    let (int, frac) = digits
        .split_once('.')
        .map_or((digits, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(ch);
    }
    let frac = frac.map(|f| format!("{decimal}{f}")).unwrap_or_default();
    format!("{sign}{grouped}{frac} {}", currency.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: NumberFormat = NumberFormat::POINT;
    const C: NumberFormat = NumberFormat::COMMA;

    fn minor(input: &str, currency: &str, f: NumberFormat) -> Result<i64, MoneyError> {
        parse_amount(input, currency, f).map(|a| a.minor)
    }

    /// Like the ts-rs bindings: written by the tests into
    /// `ui/src/bindings`, and `scripts/test.sh` fails if the committed file differs.
    #[test]
    fn the_window_s_currency_table_is_written_from_this_one() {
        let row =
            |(code, display, wire): &(&str, u32, u32)| format!("  {code}: [{display}, {wire}],\n");
        let rows: String = uncommon_exponents().iter().map(row).collect();
        let text = format!(
            "// Generated from crates/desk-core/src/money.rs by `cargo test -p desk-core` (money::tests). Do not edit.\n\n\
             /** Decimal places shown and on the wire, for each currency where they are not two. */\n\
             export const UNCOMMON_EXPONENTS: Readonly<Record<string, readonly [number, number]>> = {{\n{rows}}};\n"
        );
        assert!(
            text.contains("  jpy: [0, 0],")
                && text.contains("  isk: [0, 2],")
                && text.contains("  kwd: [3, 3],")
        );
        let dir = std::path::PathBuf::from(
            std::env::var("TS_RS_EXPORT_DIR").expect("set by .cargo/config.toml"),
        );
        let path = dir.join("Currencies.ts");
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).unwrap();
        }
    }

    #[test]
    fn two_decimal_currencies() {
        assert_eq!(minor("12.50", "usd", P), Ok(1250));
        assert_eq!(minor("1,234.5", "USD", P), Ok(123450));
        assert_eq!(
            minor("1,234.5", "EUR", C),
            Ok(123450),
            "unambiguous either way"
        );
        assert_eq!(minor("0.01", "usd", P), Ok(1));
        assert_eq!(to_decimal(1250, "usd").to_string(), "12.50");
        assert_eq!(format(123456789, "usd"), "1,234,567.89 USD");
        assert_eq!(format(-5, "usd"), "-0.05 USD");
        assert_eq!(
            minor("1.001", "usd", P),
            Err(MoneyError::TooManyDecimals { allowed: 2 })
        );
    }

    #[test]
    fn decimal_comma_is_a_decimal_not_a_thousands_separator() {
        // Old code: "12,50" became 1250.00 (125000), a hundred times too much.
        let a = parse_amount("12,50", "eur", C).unwrap();
        assert_eq!(a.minor, 1250);
        assert_eq!(a.as_understood, "12,50 EUR");
        assert_eq!(minor("12,50", "eur", P), Ok(1250), "two digits never group");
        assert_eq!(minor("1.234.567,89", "eur", C), Ok(123456789));
        assert_eq!(minor("1.234.567,89", "eur", P), Ok(123456789));
    }

    #[test]
    fn a_string_that_could_mean_two_things_follows_the_users_convention() {
        assert_eq!(minor("1,234", "usd", P), Ok(123400));
        assert_eq!(
            minor("1,234", "eur", C),
            Err(MoneyError::TooManyDecimals { allowed: 2 })
        );
        assert_eq!(minor("1.234", "eur", C), Ok(123400));
        assert_eq!(
            minor("1.234", "usd", P),
            Err(MoneyError::TooManyDecimals { allowed: 2 })
        );
        // Old code: "1.000" JPY was one yen.
        assert_eq!(minor("1.000", "jpy", C), Ok(1000));
        assert_eq!(
            minor("1.000", "jpy", P),
            Err(MoneyError::TooManyDecimals { allowed: 0 })
        );
    }

    #[test]
    fn separators_that_make_no_sense_are_refused() {
        // Old code: "1,2,3" became 123.00.
        for bad in [
            "1,2,3",
            "12,34.5",
            "1.234,567.89",
            "1,234.5,6",
            "12..5",
            "1.2.3",
            "5.",
        ] {
            assert_eq!(
                minor(bad, "usd", P),
                Err(MoneyError::BadGrouping),
                "{bad:?}"
            );
        }
        assert!(MoneyError::BadGrouping.message("usd").contains("threes"));
    }

    #[test]
    fn as_understood_is_shown_in_the_users_convention() {
        let a = parse_amount("1,234.5", "usd", P).unwrap();
        assert_eq!(
            (a.minor, a.as_understood.as_str()),
            (123450, "1,234.50 USD")
        );
        let a = parse_amount("1234,5", "eur", C).unwrap();
        assert_eq!(
            (a.minor, a.as_understood.as_str()),
            (123450, "1.234,50 EUR")
        );
        assert_eq!(
            parse_amount("12.5", "eur", P).unwrap().as_understood,
            "12.50 EUR"
        );
    }

    #[test]
    fn every_zero_decimal_currency() {
        for c in [
            "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "vnd", "vuv",
            "xaf", "xof", "xpf",
        ] {
            assert_eq!(minor("500", c, P), Ok(500), "{c}");
            assert_eq!(to_decimal(500, c).to_string(), "500", "{c}");
            assert_eq!(
                minor("5.5", c, P),
                Err(MoneyError::TooManyDecimals { allowed: 0 }),
                "{c}"
            );
        }
        assert_eq!(
            minor("1.5", "jpy", P),
            Err(MoneyError::TooManyDecimals { allowed: 0 })
        );
        assert_eq!(
            minor("1,5", "jpy", C),
            Err(MoneyError::TooManyDecimals { allowed: 0 })
        );
        assert_eq!(format(1000, "jpy"), "1,000 JPY");
    }

    #[test]
    fn three_decimal_currencies_end_in_zero_for_stripe() {
        for c in ["bhd", "jod", "kwd", "omr", "tnd"] {
            assert_eq!(minor("1.23", c, P), Ok(1230), "{c}");
            assert_eq!(minor("1.230", c, P), Ok(1230), "{c}");
            // Old code accepted 1234, which Stripe refuses.
            assert_eq!(minor("1.234", c, P), Err(MoneyError::MustEndInZero), "{c}");
            assert_eq!(to_decimal(1230, c).to_string(), "1.230", "{c}");
        }
        assert_eq!(
            MoneyError::MustEndInZero.message("kwd"),
            "Stripe takes KWD amounts only in steps of 0.010: the third decimal must be 0."
        );
        assert_eq!(format(1230, "kwd"), "1.230 KWD");
    }

    #[test]
    fn isk_and_ugx_are_whole_for_people_and_two_decimal_for_stripe() {
        for c in ["isk", "ugx"] {
            assert_eq!(minor("500", c, P), Ok(50000), "{c}");
            assert_eq!(to_decimal(50000, c).to_string(), "500", "{c}");
            assert!(minor("5.5", c, P).is_err(), "{c}");
        }
        assert_eq!(format(123400, "isk"), "1,234 ISK");
    }

    #[test]
    fn isk_and_ugx_fractions_from_earlier_data_are_shown_exactly() {
        // Old code rounded these to "123 ISK".
        assert_eq!(format(12345, "isk"), "123.45 ISK");
        assert_eq!(format(12340, "ugx"), "123.40 UGX");
        assert_eq!(to_decimal(12345, "isk").to_string(), "123.45");
    }

    #[test]
    fn garbage_is_refused_not_guessed() {
        for bad in ["", "abc", "1e3", "NaN", "-5", ".", " ", "12 50", "$5"] {
            assert!(minor(bad, "usd", P).is_err(), "{bad:?}");
        }
        assert_eq!(
            minor("99999999999999999999999", "usd", P),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn round_trips_for_every_exponent() {
        for c in ["usd", "jpy", "kwd", "isk"] {
            for m in [0i64, 100, 12300, 987600] {
                for f in [P, C] {
                    let shown = format_in(m, c, f);
                    let typed = shown.rsplit_once(' ').unwrap().0;
                    assert_eq!(minor(typed, c, f), Ok(m), "{c} {m} {f:?}");
                }
            }
        }
    }
}
