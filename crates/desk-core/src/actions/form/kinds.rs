//! Each field on its own, by its kind: the value's shape, Stripe's limits,
//! and the parameter it becomes.

use super::super::{places, Field, FieldKind, Lookup};
use super::text::{
    custom_id_problem, day_start, email_problem, id_problem, phone_problem,
    statement_descriptor_problem, url_problem,
};
use super::{Checker, FieldValue, KeyValueRow, SubscriptionItemRow};
use crate::money;
use crate::stripe::Param;

/// Stripe's limits for metadata (API reference, "Metadata").
const METADATA_KEYS: usize = 50;
const METADATA_KEY_LEN: usize = 40;
const METADATA_VALUE_LEN: usize = 500;
const SUBSCRIPTION_ITEMS: usize = 20;
/// Each part of an address (the OpenAPI description's `maxLength`).
const ADDRESS_LINE_LEN: usize = 5000;

/// Checks one non-empty value against its field's kind; `None` after
/// reporting a mistake (or when the value steers the request but sends nothing).
pub(super) fn check_field(
    c: &mut Checker,
    field: &Field,
    value: &FieldValue,
    original: Option<&FieldValue>,
) -> Option<Param> {
    let id = field.id.as_str();
    let label = field.label.as_str();
    let expect_text = |c: &mut Checker| match value {
        FieldValue::Text(t) => Some(t.trim().to_owned()),
        _ => {
            c.fail(id, format!("{label} should be text."));
            None
        }
    };
    match &field.kind {
        FieldKind::Text { max_len, .. } => {
            let t = expect_text(c)?;
            if t.chars().count() > *max_len as usize {
                c.fail(id, format!("{label} can be at most {max_len} characters."));
                return None;
            }
            Some(Param::Text(t))
        }
        FieldKind::StatementDescriptor => {
            let typed = expect_text(c)?;
            // "Non-ASCII characters are automatically stripped": say what
            // Stripe will keep, rather than refuse what was typed.
            let t: String = typed.chars().filter(char::is_ascii).collect();
            let t = t.trim().to_owned();
            match statement_descriptor_problem(&t) {
                Some(p) => {
                    c.fail(id, p);
                    None
                }
                None => {
                    if t != typed {
                        c.note(
                            id,
                            format!(
                                "Stripe leaves out letters such as é or ß: it will show {}.",
                                t.to_uppercase()
                            ),
                        );
                    }
                    Some(Param::Text(t))
                }
            }
        }
        FieldKind::Email => {
            let t = expect_text(c)?;
            match email_problem(&t) {
                Some(p) => {
                    c.fail(id, p);
                    None
                }
                None => Some(Param::Text(t)),
            }
        }
        FieldKind::Phone => {
            let t = expect_text(c)?;
            match phone_problem(&t) {
                Some(p) => {
                    c.fail(id, p);
                    None
                }
                None => Some(Param::Text(t)),
            }
        }
        FieldKind::Url => {
            let t = expect_text(c)?;
            match url_problem(&t) {
                Some(p) => {
                    c.fail(id, p);
                    None
                }
                None => Some(Param::Text(t)),
            }
        }
        FieldKind::UrlList { max } => {
            let items = list_items(value);
            if items.len() > *max as usize {
                c.fail(id, format!("{label}: at most {max}."));
                return None;
            }
            for (i, u) in items.iter().enumerate() {
                if let Some(p) = url_problem(u) {
                    c.fail(id, format!("Line {}: {p}", i + 1));
                    return None;
                }
            }
            Some(Param::List(items.into_iter().map(Param::Text).collect()))
        }
        FieldKind::TextList { max, max_len } => text_list(c, field, value, *max, *max_len),
        FieldKind::Amount { currency_field } => {
            let t = expect_text(c)?;
            let Some(currency) = c.text(currency_field) else {
                // Reported at the currency field by the cross-field rules.
                return None;
            };
            match money::parse_amount(&t, &currency, c.form.number_format) {
                Ok(a) => Some(Param::Text(a.minor.to_string())),
                Err(e) => {
                    c.fail(id, e.message(&currency));
                    None
                }
            }
        }
        FieldKind::Currency => {
            let t = expect_text(c)?.to_ascii_lowercase();
            if t.len() != 3 || !t.chars().all(|ch| ch.is_ascii_lowercase()) {
                c.fail(id, "Enter a currency as three letters, such as eur or usd.");
                return None;
            }
            Some(Param::Text(t))
        }
        FieldKind::Id { prefix, custom } => {
            let t = expect_text(c)?;
            let problem = match id_problem(&t, prefix, label) {
                Some(_) if *custom => custom_id_problem(&t, label),
                other => other,
            };
            match problem {
                Some(p) => {
                    c.fail(id, p);
                    None
                }
                None => Some(Param::Text(t)),
            }
        }
        FieldKind::Choice { options } => {
            let t = expect_text(c)?;
            if !options.iter().any(|o| o.value == t) {
                let names: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
                c.fail(id, format!("Choose one of: {}.", names.join(", ")));
                return None;
            }
            Some(Param::Text(t))
        }
        FieldKind::YesNo => match value {
            FieldValue::Yes(b) => Some(Param::Text(b.to_string())),
            FieldValue::Text(t) if t == "true" || t == "false" => Some(Param::Text(t.clone())),
            _ => {
                c.fail(id, format!("{label} is yes or no."));
                None
            }
        },
        FieldKind::Integer { min, max } => {
            let t = expect_text(c)?;
            match t.parse::<i64>() {
                Ok(n) if (*min..=*max).contains(&n) => Some(Param::Text(n.to_string())),
                _ => {
                    c.fail(id, format!("Enter a whole number from {min} to {max}."));
                    None
                }
            }
        }
        FieldKind::Date => {
            let t = expect_text(c)?;
            match day_start(&t) {
                Some(ts) => Some(Param::Text(ts.to_string())),
                None => {
                    c.fail(id, "Enter a date as YYYY-MM-DD, such as 2026-01-31.");
                    None
                }
            }
        }
        FieldKind::Address => address(c, id, label, value, original),
        FieldKind::Metadata => {
            let FieldValue::Rows(rows) = value else {
                c.fail(id, format!("{label} should be rows of key and value."));
                return None;
            };
            let before: Vec<KeyValueRow> = match original {
                Some(FieldValue::Rows(r)) => r.clone(),
                _ => Vec::new(),
            };
            check_metadata(c, id, rows, &before)
        }
        FieldKind::SubscriptionItems => subscription_items(c, id, label, value),
        FieldKind::KeyValueRows => None,
    }
}

fn check_metadata(
    c: &mut Checker,
    id: &str,
    rows: &[KeyValueRow],
    before: &[KeyValueRow],
) -> Option<Param> {
    let rows: Vec<&KeyValueRow> = rows
        .iter()
        .filter(|r| !(r.key.trim().is_empty() && r.value.is_empty()))
        .collect();
    if rows.len() > METADATA_KEYS {
        c.fail(id, format!("At most {METADATA_KEYS} rows."));
        return None;
    }
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let n = i + 1;
        let key = row.key.trim();
        let problem = if key.is_empty() {
            Some("give the row a key.".to_owned())
        } else if key.chars().count() > METADATA_KEY_LEN {
            Some(format!(
                "a key can be at most {METADATA_KEY_LEN} characters."
            ))
        } else if key.contains(['[', ']']) {
            Some("a key cannot contain [ or ].".to_owned())
        } else if row.value.chars().count() > METADATA_VALUE_LEN {
            Some(format!(
                "a value can be at most {METADATA_VALUE_LEN} characters."
            ))
        } else if seen.contains(&key) {
            Some(format!("the key {key} appears twice."))
        } else {
            None
        };
        if let Some(p) = problem {
            c.fail(id, format!("Row {n}: {p}"));
            return None;
        }
        seen.push(key);
        let unchanged = before
            .iter()
            .any(|b| b.key.trim() == key && b.value == row.value);
        if !unchanged {
            out.push((key.to_owned(), Param::Text(row.value.clone())));
        }
    }
    // Keys that were there before and are gone now are removed by sending "".
    for b in before {
        let key = b.key.trim();
        if !key.is_empty() && !seen.contains(&key) {
            out.push((key.to_owned(), Param::Text(String::new())));
        }
    }
    Some(Param::Map(out))
}

fn list_items(value: &FieldValue) -> Vec<String> {
    let raw: Vec<String> = match value {
        FieldValue::List(l) => l.clone(),
        FieldValue::Text(t) => t.lines().map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    raw.into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Words from a list (languages): each must be one of it, sent as its code.
fn text_list(
    c: &mut Checker,
    field: &Field,
    value: &FieldValue,
    max: u32,
    max_len: u32,
) -> Option<Param> {
    let (id, label) = (field.id.as_str(), field.label.as_str());
    let mut items = list_items(value);
    if items.len() > max as usize {
        c.fail(id, format!("{label}: at most {max}."));
        return None;
    }
    if items.iter().any(|s| s.chars().count() > max_len as usize) {
        c.fail(id, format!("{label}: each at most {max_len} characters."));
        return None;
    }
    if let Some(Lookup::Fixed { list }) = &field.lookup {
        // Picked from a list: each must be one of it, sent as its code.
        for item in &mut items {
            match places::code_of(list.options(), item) {
                Some(code) => *item = code.to_owned(),
                None => {
                    c.fail(
                        id,
                        format!("Stripe does not write in \"{item}\": choose the languages from the list."),
                    );
                    return None;
                }
            }
        }
    }
    Some(Param::List(items.into_iter().map(Param::Text).collect()))
}

/// An address: its country found in the list by code or by name, each
/// part within Stripe's limit; an update sends the parts that changed.
fn address(
    c: &mut Checker,
    id: &str,
    label: &str,
    value: &FieldValue,
    original: Option<&FieldValue>,
) -> Option<Param> {
    let FieldValue::Address(a) = value else {
        c.fail(id, format!("{label} should be an address."));
        return None;
    };
    let typed_country = a.country.trim();
    // The country's ISO code, from the list by code or by name:
    // "Germany" must never become "GE" (Georgia).
    let country = match places::code_of(places::countries(), typed_country) {
        Some(code) => code.to_owned(),
        None if typed_country.is_empty() => String::new(),
        None => {
            c.fail(
                id,
                format!("\"{typed_country}\" is not a country in the list: type the start of its name, such as Germ for Germany, and pick it."),
            );
            return None;
        }
    };
    if a.parts()
        .iter()
        .any(|(_, v)| v.chars().count() > ADDRESS_LINE_LEN)
    {
        c.fail(
            id,
            format!("Each part of an address can be at most {ADDRESS_LINE_LEN} characters."),
        );
        return None;
    }
    let before = match original {
        Some(FieldValue::Address(o)) => Some(o.clone()),
        _ => None,
    };
    let mut parts = Vec::new();
    for (name, v) in a.parts() {
        let v = v.trim();
        let was = before.as_ref().map(|o| {
            o.parts()
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, w)| w.trim().to_owned())
                .unwrap_or_default()
        });
        let v = if name == "country" {
            country.clone()
        } else {
            v.to_owned()
        };
        match was {
            // Update: unchanged parts stay out; a cleared one is sent empty.
            Some(w) if w == v => {}
            Some(_) => parts.push((name.to_owned(), Param::Text(v))),
            None if !v.is_empty() => parts.push((name.to_owned(), Param::Text(v))),
            None => {}
        }
    }
    Some(Param::Map(parts))
}

/// Up to 20 rows of a price (or plan) and a quantity.
fn subscription_items(c: &mut Checker, id: &str, label: &str, value: &FieldValue) -> Option<Param> {
    let FieldValue::Items(items) = value else {
        c.fail(id, format!("{label} should be rows of price and quantity."));
        return None;
    };
    let items: Vec<&SubscriptionItemRow> = items
        .iter()
        .filter(|i| !(i.price.trim().is_empty() && i.quantity.trim().is_empty()))
        .collect();
    if items.len() > SUBSCRIPTION_ITEMS {
        c.fail(
            id,
            format!("At most {SUBSCRIPTION_ITEMS} items in one subscription."),
        );
        return None;
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        // A price (`price_...`), or a plan, whose ID may be the
        // account's own (`gold-monthly`): Stripe takes a plan ID as a price.
        let price = item.price.trim();
        let problem = id_problem(price, "price_", "The price")
            .and_then(|_| custom_id_problem(price, "The price"));
        if let Some(p) = problem {
            c.fail(id, format!("Item {n}: {p}"));
            return None;
        }
        let mut entry = vec![("price".to_owned(), Param::Text(item.price.trim().into()))];
        let q = item.quantity.trim();
        if !q.is_empty() {
            match q.parse::<u32>() {
                Ok(q) if q >= 1 => entry.push(("quantity".into(), Param::Text(q.to_string()))),
                _ => {
                    c.fail(
                        id,
                        format!("Item {n}: the quantity is a whole number, 1 or more."),
                    );
                    return None;
                }
            }
        }
        out.push(Param::Map(entry));
    }
    Some(Param::List(out))
}
