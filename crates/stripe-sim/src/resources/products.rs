//! Products and their prices.

use crate::api::{
    emit, metadata_merge, metadata_new, p_bool, p_int, ps, require, set, str_or_null, string_array,
    Ctx, Reply,
};
use crate::error::ApiError;
use crate::state::{gen_id, Data};
use crate::store::ListQuery;
use serde_json::{json, Map, Value};

/// `GET /v1/products` with its filters.
pub(crate) fn list_products(data: &Data, q: &ListQuery, p: &Value) -> Result<Value, ApiError> {
    let eq = |k: &str| ps(p, k).filter(|s| !s.is_empty()).map(str::to_string);
    let active = p_bool(p, "active")?;
    let shippable = p_bool(p, "shippable")?;
    let ids = string_array(p.get("ids"));
    let url = eq("url");
    data.products.list_json(q, "/v1/products", |o| {
        active.is_none_or(|a| o["active"] == json!(a))
            && shippable.is_none_or(|s| o["shippable"] == json!(s))
            && (ids.is_empty() || ids.iter().any(|i| o["id"] == json!(i)))
            && url.as_ref().is_none_or(|u| o["url"] == json!(u))
    })
}

/// `GET /v1/prices` with its filters.
pub(crate) fn list_prices(data: &Data, q: &ListQuery, p: &Value) -> Result<Value, ApiError> {
    let eq = |k: &str| ps(p, k).filter(|s| !s.is_empty()).map(str::to_string);
    let active = p_bool(p, "active")?;
    let currency = eq("currency");
    let product = eq("product");
    let kind = eq("type");
    let interval = p
        .pointer("/recurring/interval")
        .and_then(Value::as_str)
        .map(str::to_string);
    let lookup_keys = string_array(p.get("lookup_keys"));
    data.prices.list_json(q, "/v1/prices", |o| {
        active.is_none_or(|a| o["active"] == json!(a))
            && currency.as_ref().is_none_or(|c| o["currency"] == json!(c))
            && product.as_ref().is_none_or(|x| o["product"] == json!(x))
            && kind.as_ref().is_none_or(|x| o["type"] == json!(x))
            && interval
                .as_ref()
                .is_none_or(|x| o.pointer("/recurring/interval") == Some(&json!(x)))
            && (lookup_keys.is_empty() || lookup_keys.iter().any(|k| o["lookup_key"] == json!(k)))
    })
}

/// "Non-ASCII characters are automatically stripped" from a statement
/// descriptor (the OpenAPI description of `statement_descriptor`).
fn statement_descriptor(p: &Value) -> Value {
    match ps(p, "statement_descriptor") {
        Some(s) if !s.is_empty() => json!(s.chars().filter(char::is_ascii).collect::<String>()),
        _ => Value::Null,
    }
}

pub(crate) fn product_json(
    id: String,
    name: &str,
    ctx_now: i64,
    livemode: bool,
    p: &Value,
) -> Result<Value, ApiError> {
    Ok(json!({
        "id": id,
        "object": "product",
        "active": p_bool(p, "active")?.unwrap_or(true),
        "created": ctx_now,
        "default_price": null,
        "description": str_or_null(p, "description"),
        "images": string_array(p.get("images")),
        "livemode": livemode,
        "marketing_features": [],
        "metadata": metadata_new(p),
        "name": name,
        "package_dimensions": null,
        "shippable": p_bool(p, "shippable")?,
        "statement_descriptor": statement_descriptor(p),
        "tax_code": str_or_null(p, "tax_code"),
        "type": "service",
        "unit_label": str_or_null(p, "unit_label"),
        "updated": ctx_now,
        "url": str_or_null(p, "url"),
    }))
}

pub(crate) fn create_product(data: &mut Data, ctx: &Ctx, p: &Value) -> Reply {
    let name = require(p, "name")?.as_str().unwrap_or_default().to_string();
    let id = match ps(p, "id").filter(|s| !s.is_empty()) {
        Some(id) if data.products.contains(id) => {
            return Err(ApiError::invalid(
                Some("resource_already_exists"),
                "id",
                "Product already exists.",
            ))
        }
        Some(id) => id.to_string(),
        None => gen_id("prod_", 14),
    };
    let mut obj = product_json(id.clone(), &name, ctx.now, ctx.livemode, p)?;
    // The price refers to the product, so the product goes in first.
    data.products.insert(obj.clone());
    let default_price = match p.get("default_price_data") {
        Some(dp) if dp.is_object() => {
            let mut dp = dp.clone();
            dp["product"] = json!(id);
            match build_price(data, ctx, &dp, "default_price_data") {
                Ok(price) => Some(price),
                Err(e) => {
                    data.products.remove(&id);
                    return Err(e);
                }
            }
        }
        _ => None,
    };
    if let Some(price) = &default_price {
        obj["default_price"] = price["id"].clone();
        data.products.insert(obj.clone());
    }
    emit(data, ctx, "product.created", &obj, None);
    if let Some(price) = default_price {
        emit(data, ctx, "price.created", &price, None);
        data.prices.insert(price);
    }
    Ok((200, obj))
}

pub(crate) fn update_product(data: &mut Data, ctx: &Ctx, id: &str, p: &Value) -> Reply {
    let active = p_bool(p, "active")?;
    let shippable = p_bool(p, "shippable")?;
    if let Some(dp) = ps(p, "default_price").filter(|s| !s.is_empty()) {
        if !data.prices.contains(dp) {
            return Err(ApiError::invalid(
                Some("resource_missing"),
                "default_price",
                format!("No such price: '{dp}'"),
            ));
        }
    }
    let Some(obj) = data.products.get_mut(id) else {
        return Err(ApiError::missing("product", id, "id"));
    };
    let mut prev = Map::new();
    if let Some(n) = ps(p, "name").filter(|s| !s.is_empty()) {
        set(obj, &mut prev, "name", json!(n));
    }
    if p.get("statement_descriptor").is_some() {
        set(
            obj,
            &mut prev,
            "statement_descriptor",
            statement_descriptor(p),
        );
    }
    for k in [
        "description",
        "tax_code",
        "unit_label",
        "url",
        "default_price",
    ] {
        if p.get(k).is_some() {
            set(obj, &mut prev, k, str_or_null(p, k));
        }
    }
    if let Some(a) = active {
        set(obj, &mut prev, "active", json!(a));
    }
    if let Some(s) = shippable {
        set(obj, &mut prev, "shippable", json!(s));
    }
    if p.get("images").is_some() {
        set(
            obj,
            &mut prev,
            "images",
            json!(string_array(p.get("images"))),
        );
    }
    let meta = metadata_merge(&obj["metadata"], p);
    set(obj, &mut prev, "metadata", meta);
    if !prev.is_empty() {
        obj["updated"] = json!(ctx.now);
    }
    let obj = obj.clone();
    if !prev.is_empty() {
        emit(data, ctx, "product.updated", &obj, Some(prev));
    }
    Ok((200, obj))
}

/// Builds a price from create params (also `default_price_data`), checking the product.
pub(crate) fn build_price(
    data: &mut Data,
    ctx: &Ctx,
    p: &Value,
    prefix: &str,
) -> Result<Value, ApiError> {
    let name = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}[{k}]")
        }
    };
    let currency = require(p, "currency")
        .map_err(|_| {
            ApiError::invalid(
                Some("parameter_missing"),
                &name("currency"),
                format!("Missing required param: {}.", name("currency")),
            )
        })?
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    let product = match (
        ps(p, "product").filter(|s| !s.is_empty()),
        p.get("product_data"),
    ) {
        (Some(prod), _) => {
            if !data.products.contains(prod) {
                return Err(ApiError::invalid(
                    Some("resource_missing"),
                    &name("product"),
                    format!("No such product: '{prod}'"),
                ));
            }
            prod.to_string()
        }
        (None, Some(pd)) if pd.is_object() => {
            let pname = require(pd, "name")
                .map_err(|_| {
                    ApiError::invalid(
                        Some("parameter_missing"),
                        "product_data[name]",
                        "Missing required param: product_data[name].",
                    )
                })?
                .as_str()
                .unwrap_or_default()
                .to_string();
            let prod = product_json(gen_id("prod_", 14), &pname, ctx.now, ctx.livemode, pd)?;
            let id = prod["id"].as_str().unwrap_or_default().to_string();
            emit(data, ctx, "product.created", &prod, None);
            data.products.insert(prod);
            id
        }
        _ => {
            return Err(ApiError::invalid(
                Some("parameter_missing"),
                &name("product"),
                format!("Missing required param: {}.", name("product")),
            ))
        }
    };
    let unit_amount =
        match p_int(p, "unit_amount").map_err(|e| e.with_param(&name("unit_amount")))? {
            Some(a) => Some(a),
            None => ps(p, "unit_amount_decimal")
                .and_then(|s| s.parse::<f64>().ok())
                .map(|f| f.round() as i64),
        };
    let custom = p.get("custom_unit_amount").is_some();
    let tiered = ps(p, "billing_scheme") == Some("tiered");
    if unit_amount.is_none() && !custom && !tiered {
        return Err(ApiError::invalid(
            Some("parameter_missing"),
            &name("unit_amount"),
            format!("Missing required param: {}.", name("unit_amount")),
        ));
    }
    let recurring = match p.get("recurring") {
        Some(r) if r.is_object() => {
            let interval = ps(r, "interval").unwrap_or("month");
            let count = p_int(r, "interval_count")?.unwrap_or(1);
            json!({
                "interval": interval,
                "interval_count": count,
                "meter": null,
                "trial_period_days": p_int(r, "trial_period_days")?,
                "usage_type": ps(r, "usage_type").unwrap_or("licensed"),
            })
        }
        _ => Value::Null,
    };
    let kind = if recurring.is_null() {
        "one_time"
    } else {
        "recurring"
    };
    Ok(json!({
        "id": gen_id("price_", 24),
        "object": "price",
        "active": p_bool(p, "active")?.unwrap_or(true),
        "billing_scheme": if tiered { "tiered" } else { "per_unit" },
        "created": ctx.now,
        "currency": currency,
        "custom_unit_amount": null,
        "livemode": ctx.livemode,
        "lookup_key": str_or_null(p, "lookup_key"),
        "metadata": metadata_new(p),
        "nickname": str_or_null(p, "nickname"),
        "product": product,
        "recurring": recurring,
        "tax_behavior": ps(p, "tax_behavior").unwrap_or("unspecified"),
        "tiers_mode": null,
        "transform_quantity": null,
        "type": kind,
        "unit_amount": unit_amount,
        "unit_amount_decimal": unit_amount.map(|a| a.to_string()),
    }))
}

pub(crate) fn create_price(data: &mut Data, ctx: &Ctx, p: &Value) -> Reply {
    let obj = build_price(data, ctx, p, "")?;
    emit(data, ctx, "price.created", &obj, None);
    data.prices.insert(obj.clone());
    Ok((200, obj))
}

pub(crate) fn update_price(data: &mut Data, ctx: &Ctx, id: &str, p: &Value) -> Reply {
    let active = p_bool(p, "active")?;
    let Some(obj) = data.prices.get_mut(id) else {
        return Err(ApiError::missing("price", id, "id"));
    };
    let mut prev = Map::new();
    if let Some(a) = active {
        set(obj, &mut prev, "active", json!(a));
    }
    for k in ["nickname", "lookup_key"] {
        if p.get(k).is_some() {
            set(obj, &mut prev, k, str_or_null(p, k));
        }
    }
    if let Some(t) = ps(p, "tax_behavior") {
        set(obj, &mut prev, "tax_behavior", json!(t));
    }
    let meta = metadata_merge(&obj["metadata"], p);
    set(obj, &mut prev, "metadata", meta);
    let obj = obj.clone();
    if !prev.is_empty() {
        emit(data, ctx, "price.updated", &obj, Some(prev));
    }
    Ok((200, obj))
}
