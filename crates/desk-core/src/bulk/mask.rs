//! What of a spreadsheet is never kept: the one rule of `crate::sensitive`
//! applied to a column's name ("Card number", "IBAN", "Tax ID number") and
//! to every value (a card number in any column).

use crate::sensitive::{is_sensitive_param, is_sensitive_value, masked};

/// Whether a column's name says it holds card numbers, CVCs, bank account
/// or ID numbers, or secrets.
pub fn sensitive_column(name: &str) -> bool {
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return false;
    }
    // "Card number" as `card.number`, "Account number" as `account_number`.
    let dotted = words.join(".");
    let joined = words.join("_");
    let tail2 = words[words.len().saturating_sub(2)..].join("_");
    is_sensitive_param(&dotted)
        || is_sensitive_param(&joined)
        || is_sensitive_param(&tail2)
        || words
            .iter()
            .any(|w| matches!(w.as_str(), "ssn" | "iban" | "cvc" | "cvv" | "pan"))
}

/// A value as it may be shown or kept: hidden when its column is sensitive
/// or it is itself a secret or card number.
pub fn shown(value: &str, sensitive_column: bool) -> String {
    if !value.trim().is_empty() && (sensitive_column || is_sensitive_value(value)) {
        masked(value)
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_columns_by_name() {
        for name in [
            "Card number",
            "card_number",
            "CVC",
            "IBAN",
            "Bank account number",
            "Account Number",
            "ID number",
            "SSN",
            "Client secret",
        ] {
            assert!(sensitive_column(name), "{name}");
        }
        for name in [
            "Email",
            "Name",
            "Invoice number",
            "Phone",
            "Order ID",
            "Amount",
        ] {
            assert!(!sensitive_column(name), "{name}");
        }
    }

    #[test]
    fn values_are_hidden_where_sensitive() {
        assert_eq!(shown("jo@example.com", false), "jo@example.com");
        assert!(shown("4242 4242 4242 4242", false).ends_with("(hidden)"));
        assert!(shown("DE89370400440532013000", true).ends_with("(hidden)"));
        assert_eq!(shown("", true), "");
    }
}
