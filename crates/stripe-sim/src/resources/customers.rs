//! Customers: create, update, list by email, and search.

use crate::api::{
    emit, metadata_merge, metadata_new, p_int, ps, require, set, str_or_null, string_array, Ctx,
    Reply,
};
use crate::error::ApiError;
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

/// `email:'x'`, `name:"y"`, `metadata['k']:'v'`, joined with AND.
pub(crate) fn parse_search(query: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for clause in query.split(" AND ") {
        let clause = clause.trim();
        let (field, value) = clause.split_once(':')?;
        let value = value.trim();
        let quote = value.chars().next()?;
        if (quote != '\'' && quote != '"') || value.len() < 2 || !value.ends_with(quote) {
            return None;
        }
        out.push((
            field.trim().to_string(),
            value[1..value.len() - 1].to_string(),
        ));
    }
    Some(out)
}

pub(crate) fn search_customers(data: &Data, p: &Value) -> Reply {
    let query = require(p, "query")?.as_str().unwrap_or_default();
    let clauses = parse_search(query).ok_or_else(|| {
        ApiError::invalid(
            None,
            "query",
            format!("Invalid query: '{query}'. The query must be a list of field:'value' clauses joined by AND."),
        )
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
    let matches = |c: &Value| {
        clauses.iter().all(|(field, want)| {
            if let Some(key) = field
                .strip_prefix("metadata[")
                .and_then(|s| s.strip_suffix(']'))
            {
                let key = key.trim_matches(|c| c == '\'' || c == '"');
                c["metadata"][key].as_str() == Some(want)
            } else {
                c[field.as_str()].as_str() == Some(want)
            }
        })
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
    let obj = json!({
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
    emit(data, ctx, "customer.created", &obj, None);
    data.customers.insert(obj.clone());
    Ok((200, obj))
}

pub(crate) fn update_customer(data: &mut Data, ctx: &Ctx, id: &str, p: &Value) -> Reply {
    let balance = p_int(p, "balance")?;
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
    let meta = metadata_merge(&obj["metadata"], p);
    set(obj, &mut prev, "metadata", meta);
    let obj = obj.clone();
    if !prev.is_empty() {
        emit(data, ctx, "customer.updated", &obj, Some(prev));
    }
    Ok((200, obj))
}
