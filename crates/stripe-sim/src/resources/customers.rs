//! Customers: create, update, list by email, and search.

use crate::api::{
    emit, metadata_merge, metadata_new, p_int, ps, require, set, str_or_null, string_array, Ctx,
    Reply,
};
use crate::error::ApiError;
use crate::resources::payment_methods;
use crate::state::{gen_id, Data};
use crate::store::ListQuery;
use serde_json::{json, Map, Value};

/// `GET /v1/customers` with its filters.
pub(crate) fn list(data: &Data, q: &ListQuery, p: &Value) -> Result<Value, ApiError> {
    let eq = |k: &str| ps(p, k).filter(|s| !s.is_empty()).map(str::to_string);
    let email = eq("email");
    data.customers.list_json(q, "/v1/customers", |c| {
        email.as_ref().is_none_or(|e| c["email"] == json!(e))
    })
}

/// One clause of Stripe's search language: `field:'exact'` or `field~'part'`.
#[derive(Debug, PartialEq)]
pub(crate) struct Clause {
    pub field: String,
    /// `~`: a substring, case-insensitive (Stripe wants 3 characters or more).
    pub substring: bool,
    pub value: String,
}

/// A parsed query: its clauses, joined all by AND or all by OR ("AND and
/// OR operators are mutually exclusive").
#[derive(Debug, PartialEq)]
pub(crate) struct Query {
    pub clauses: Vec<Clause>,
    pub any: bool,
}

/// The customer fields Stripe's search takes, and whether each is a
/// string field (substring `~` allowed) or a token field (exact only):
/// Stripe's "Query fields for customers" lists `email`, `name` and `phone`
/// as strings, `metadata` as a token and `created` as a number.
fn customer_field(field: &str) -> Option<bool> {
    match field {
        "email" | "name" | "phone" => Some(true),
        "created" => Some(false),
        f if f.starts_with("metadata[") && f.ends_with(']') => Some(false),
        _ => None,
    }
}

/// Stripe's customer search subset: `email:'x'`, `name~'x'`,
/// `metadata['k']:'v'`, up to 10 clauses joined with AND or with OR (or a
/// space, which means AND); quotes inside values escaped `\'`.
pub(crate) fn parse_search(query: &str) -> Result<Query, String> {
    let mut clauses = Vec::new();
    let mut joiner: Option<bool> = None;
    let mut rest = query.trim();
    loop {
        let op_at = rest
            .find([':', '~'])
            .ok_or_else(|| "a clause is field:'value' or field~'value'".to_string())?;
        let field = rest[..op_at].trim().to_string();
        let substring = rest[op_at..].starts_with('~');
        let after = rest[op_at + 1..].trim_start();
        let quote = after
            .chars()
            .next()
            .filter(|q| *q == '\'' || *q == '"')
            .ok_or_else(|| format!("the value for {field} must be quoted"))?;
        let mut value = String::new();
        let mut chars = after[1..].char_indices();
        let mut end = None;
        while let Some((i, ch)) = chars.next() {
            match ch {
                '\\' => {
                    if let Some((_, next)) = chars.next() {
                        value.push(next);
                    }
                }
                c if c == quote => {
                    end = Some(1 + i + c.len_utf8());
                    break;
                }
                c => value.push(c),
            }
        }
        let end = end.ok_or_else(|| format!("the value for {field} has no closing quote"))?;
        let Some(string_field) = customer_field(&field) else {
            return Err(format!(
                "{field} is not a field you can search customers by"
            ));
        };
        if substring && !string_field {
            return Err(format!("{field} does not support substring matching (~)"));
        }
        if substring && value.chars().count() < 3 {
            return Err(format!("a ~ search needs at least 3 characters ({field})"));
        }
        clauses.push(Clause {
            field,
            substring,
            value,
        });
        if clauses.len() > 10 {
            return Err("a query has at most 10 clauses".into());
        }
        rest = after[end..].trim_start();
        if rest.is_empty() {
            return Ok(Query {
                clauses,
                any: joiner == Some(true),
            });
        }
        let (or, next) = if let Some(r) = strip_keyword(rest, "OR") {
            (true, r)
        } else if let Some(r) = strip_keyword(rest, "AND") {
            (false, r)
        } else {
            (false, rest)
        };
        if joiner.is_some_and(|j| j != or) {
            return Err("AND and OR cannot be combined in one query".into());
        }
        joiner = Some(or);
        rest = next;
    }
}

/// `AND `/`OR ` at the start, case-insensitive, with what follows.
fn strip_keyword<'a>(s: &'a str, word: &str) -> Option<&'a str> {
    let head = s.get(..word.len())?;
    let after = &s[word.len()..];
    (head.eq_ignore_ascii_case(word) && after.starts_with(char::is_whitespace))
        .then(|| after.trim_start())
}

pub(crate) fn search_customers(data: &Data, p: &Value) -> Reply {
    let query = require(p, "query")?.as_str().unwrap_or_default();
    let parsed = parse_search(query).map_err(|why| {
        ApiError::invalid(None, "query", format!("Invalid query: '{query}': {why}."))
    })?;
    let limit = p_int(p, "limit")?.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid(
            None,
            "limit",
            "Invalid limit: must be between 1 and 100",
        ));
    }
    let offset: usize = ps(p, "page")
        .and_then(|s| s.strip_prefix("page_"))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let clause_matches = |c: &Value, clause: &Clause| {
        let have = match clause
            .field
            .strip_prefix("metadata[")
            .and_then(|s| s.strip_suffix(']'))
        {
            Some(key) => {
                let key = key.trim_matches(|c| c == '\'' || c == '"');
                c["metadata"][key].as_str().map(str::to_string)
            }
            None if clause.field == "created" => c["created"].as_i64().map(|n| n.to_string()),
            None => c[clause.field.as_str()].as_str().map(str::to_string),
        };
        let Some(have) = have else { return false };
        if clause.substring {
            have.to_lowercase().contains(&clause.value.to_lowercase())
        } else {
            have.eq_ignore_ascii_case(&clause.value)
        }
    };
    let matches = |c: &Value| {
        if parsed.any {
            parsed
                .clauses
                .iter()
                .any(|clause| clause_matches(c, clause))
        } else {
            parsed
                .clauses
                .iter()
                .all(|clause| clause_matches(c, clause))
        }
    };
    let found: Vec<Value> = data
        .customers
        .iter()
        .filter(|c| matches(c))
        .skip(offset)
        .take(limit as usize + 1)
        .cloned()
        .collect();
    let more = found.len() > limit as usize;
    let data_out: Vec<Value> = found.into_iter().take(limit as usize).collect();
    let next = more.then(|| format!("page_{}", offset + limit as usize));
    Ok((
        200,
        json!({
            "object": "search_result",
            "data": data_out,
            "has_more": more,
            "next_page": next,
            "url": "/v1/customers/search",
        }),
    ))
}

pub(crate) fn invoice_prefix() -> String {
    gen_id("", 8).to_uppercase()
}

pub(crate) fn create_customer(data: &mut Data, ctx: &Ctx, p: &Value) -> Reply {
    let address = p.get("address").filter(|v| v.is_object()).cloned();
    let mut obj = json!({
        "id": gen_id("cus_", 14),
        "object": "customer",
        "address": address,
        "balance": p_int(p, "balance")?.unwrap_or(0),
        "created": ctx.now,
        "currency": null,
        "default_source": null,
        "delinquent": false,
        "description": str_or_null(p, "description"),
        "discount": null,
        "email": str_or_null(p, "email"),
        "invoice_prefix": invoice_prefix(),
        "invoice_settings": {
            "custom_fields": null,
            "default_payment_method": null,
            "footer": null,
            "rendering_options": null,
        },
        "livemode": ctx.livemode,
        "metadata": metadata_new(p),
        "name": str_or_null(p, "name"),
        "next_invoice_sequence": 1,
        "phone": str_or_null(p, "phone"),
        "preferred_locales": string_array(p.get("preferred_locales")),
        "shipping": null,
        "tax_exempt": ps(p, "tax_exempt").unwrap_or("none"),
        "test_clock": null,
    });
    let id = obj["id"].as_str().unwrap_or_default().to_string();
    data.customers.insert(obj.clone());
    // `payment_method`: "The ID of the PaymentMethod to attach to the customer."
    if let Some(pm) = ps(p, "payment_method").filter(|s| !s.is_empty()) {
        match payment_methods::attach_to(data, ctx, pm, &id) {
            Ok(attached) if pm.starts_with("pm_card_") => {
                // A test token became a PaymentMethod with its own ID.
                let default = p.pointer("/invoice_settings/default_payment_method");
                if default.and_then(Value::as_str) == Some(pm) {
                    obj["invoice_settings"]["default_payment_method"] = attached["id"].clone();
                }
            }
            Ok(_) => {}
            Err(e) => {
                data.customers.remove(&id);
                return Err(e);
            }
        }
    }
    if let Some(default) = p
        .pointer("/invoice_settings/default_payment_method")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && !s.starts_with("pm_card_"))
    {
        if let Err(e) = payment_methods::check_owned(
            data,
            &id,
            default,
            "invoice_settings[default_payment_method]",
        ) {
            data.customers.remove(&id);
            return Err(e);
        }
        obj["invoice_settings"]["default_payment_method"] = json!(default);
    }
    emit(data, ctx, "customer.created", &obj, None);
    data.customers.insert(obj.clone());
    Ok((200, obj))
}

pub(crate) fn update_customer(data: &mut Data, ctx: &Ctx, id: &str, p: &Value) -> Reply {
    let balance = p_int(p, "balance")?;
    let default_pm = p
        .pointer("/invoice_settings/default_payment_method")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(pm) = default_pm.as_deref().filter(|s| !s.is_empty()) {
        if !data.customers.contains(id) {
            return Err(ApiError::missing("customer", id, "id"));
        }
        payment_methods::check_owned(data, id, pm, "invoice_settings[default_payment_method]")?;
    }
    let Some(obj) = data.customers.get_mut(id) else {
        return Err(ApiError::missing("customer", id, "id"));
    };
    let mut prev = Map::new();
    for k in ["name", "email", "description", "phone"] {
        if p.get(k).is_some() {
            set(obj, &mut prev, k, str_or_null(p, k));
        }
    }
    if let Some(b) = balance {
        set(obj, &mut prev, "balance", json!(b));
    }
    if let Some(a) = p.get("address") {
        let new = if a.is_object() {
            a.clone()
        } else {
            Value::Null
        };
        set(obj, &mut prev, "address", new);
    }
    if p.get("preferred_locales").is_some() {
        set(
            obj,
            &mut prev,
            "preferred_locales",
            json!(string_array(p.get("preferred_locales"))),
        );
    }
    if let Some(t) = ps(p, "tax_exempt") {
        set(obj, &mut prev, "tax_exempt", json!(t));
    }
    if let Some(pm) = default_pm {
        let mut settings = obj["invoice_settings"].clone();
        settings["default_payment_method"] = if pm.is_empty() {
            Value::Null
        } else {
            json!(pm)
        };
        set(obj, &mut prev, "invoice_settings", settings);
    }
    let meta = metadata_merge(&obj["metadata"], p);
    set(obj, &mut prev, "metadata", meta);
    let obj = obj.clone();
    if !prev.is_empty() {
        emit(data, ctx, "customer.updated", &obj, Some(prev));
    }
    Ok((200, obj))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_language_subset() {
        let q = parse_search(r"email:'a@b.com' AND name~'O\'Bri' AND metadata['k']:'v'").unwrap();
        let c = &q.clauses;
        assert_eq!(c.len(), 3);
        assert!(!q.any);
        assert_eq!(
            (c[0].field.as_str(), c[0].substring, c[0].value.as_str()),
            ("email", false, "a@b.com")
        );
        assert_eq!(
            (c[1].field.as_str(), c[1].substring, c[1].value.as_str()),
            ("name", true, "O'Bri")
        );
        assert_eq!(c[2].field, "metadata['k']");
        assert!(parse_search("name~'ab'")
            .unwrap_err()
            .contains("3 characters"));
        assert!(parse_search("colour:'red'").unwrap_err().contains("colour"));
        let or = parse_search("name~'gmail' OR email~'gmail' or phone~'gmail'").unwrap();
        assert!(or.any);
        assert_eq!(or.clauses.len(), 3);
        assert!(parse_search("email:'a' OR name:'b' AND phone:'c'").is_err());
        assert!(parse_search("metadata['k']~'abc'").is_err());
        assert!(parse_search("email:a").is_err());
        assert!(parse_search("email:'a").is_err());
    }
}
