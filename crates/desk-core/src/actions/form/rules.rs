//! Rules between fields: an amount and its currency (by the fields'
//! kinds), and the action's own rules from the catalog ([`FormRule`]):
//! one field needs another, one of two at most, a search box.

use super::super::{FieldKind, FormRule};
use super::{Checker, Tree};
use crate::stripe::Param;

pub(super) fn cross_field(c: &mut Checker) {
    let action = c.action;
    // An amount needs its currency, and a currency an amount.
    for field in &action.fields {
        if let FieldKind::Amount { currency_field } = &field.kind {
            let amount = c.text(&field.id).is_some();
            let currency = c.text(currency_field).is_some();
            if amount && !currency {
                c.fail(currency_field, "Choose the currency of the amount.");
            }
            if !amount && currency {
                c.fail(&field.id, "Enter the amount, or leave the currency empty.");
            }
        }
    }
    for rule in &action.rules {
        match rule {
            FormRule::Needs {
                field,
                needs,
                at,
                message,
            } => {
                if c.text(field).is_some() && c.text(needs).is_none() {
                    c.fail(at, message.as_str());
                }
            }
            FormRule::OneOf {
                fields,
                at,
                message,
            } => {
                if fields.iter().filter(|f| c.text(f).is_some()).count() > 1 {
                    c.fail(at, message.as_str());
                }
            }
            FormRule::Search {
                field,
                path,
                matches,
                keeps,
                excludes,
                page,
                too_short,
            } => {
                let Some(search) = c.text(field) else {
                    if c.text(page).is_some() {
                        c.fail(page, "A search page goes with a search.");
                    }
                    continue;
                };
                if let Some(f) = excludes.iter().find(|f| c.text(f).is_some()) {
                    c.fail(
                        f,
                        "Search and the filters cannot be combined: clear one of them.",
                    );
                    return;
                }
                if !is_search_syntax(&search) && search.chars().count() < 3 {
                    c.fail(field, too_short.as_str());
                    return;
                }
                c.path = path.clone();
                let mut tree = Tree::default();
                tree.insert("query", Param::Text(search_query(&search, matches)));
                for key in keeps {
                    if let Some(v) = c.text(key) {
                        tree.insert(key, Param::Text(v));
                    }
                }
                c.tree = tree;
            }
        }
    }
}

/// Stripe's own query syntax (`email:'a@b.com' AND metadata['k']:'v'`),
/// passed as typed.
fn is_search_syntax(input: &str) -> bool {
    input.contains(':') || input.contains('~')
}

/// Plain words become a search for anything whose `matches` (a customer's
/// name, email or phone) contain them: Stripe's substring match, `~`,
/// joined with OR. Stripe's own syntax is passed as typed.
pub fn search_query(input: &str, matches: &[impl AsRef<str>]) -> String {
    let input = input.trim();
    if is_search_syntax(input) {
        return input.to_owned();
    }
    let quoted = input.replace('\\', "\\\\").replace('\'', "\\'");
    matches
        .iter()
        .map(|m| format!("{}~'{quoted}'", m.as_ref()))
        .collect::<Vec<_>>()
        .join(" OR ")
}
