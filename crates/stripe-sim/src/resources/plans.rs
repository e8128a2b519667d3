//! Plans, Stripe's older form of recurring prices, kept in step with prices.

use crate::api::{
    emit, metadata_merge, metadata_new, p_bool, p_int, ps, require, set, str_or_null, Ctx, Reply,
};
use crate::error::ApiError;
use crate::resources::products::product_json;
use crate::state::{gen_id, Data};
use crate::store::ListQuery;
use serde_json::{json, Map, Value};

/// `GET /v1/plans` with its filters.
pub(crate) fn list(data: &Data, q: &ListQuery, p: &Value) -> Result<Value, ApiError> {
    let eq = |k: &str| ps(p, k).filter(|s| !s.is_empty()).map(str::to_string);
    let active = p_bool(p, "active")?;
    let product = eq("product");
    data.plans.list_json(q, "/v1/plans", |o| {
        active.is_none_or(|a| o["active"] == json!(a))
            && product.as_ref().is_none_or(|x| o["product"] == json!(x))
    })
}

pub(crate) fn create_plan(data: &mut Data, ctx: &Ctx, p: &Value) -> Reply {
    let currency = require(p, "currency")?
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    let interval = require(p, "interval")?
        .as_str()
        .unwrap_or_default()
        .to_string();
    let amount = p_int(p, "amount")?;
    let product = match p.get("product") {
        Some(Value::String(id)) if !id.is_empty() => {
            if !data.products.contains(id) {
                return Err(ApiError::invalid(
                    Some("resource_missing"),
                    "product",
                    format!("No such product: '{id}'"),
                ));
            }
            id.clone()
        }
        Some(pd) if pd.is_object() => {
            let pname = require(pd, "name")
                .map_err(|e| e.with_param("product[name]"))?
                .as_str()
                .unwrap_or_default()
                .to_string();
            let id = ps(pd, "id")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| gen_id("prod_", 14));
            let prod = product_json(id.clone(), &pname, ctx.now, ctx.livemode, pd)?;
            emit(data, ctx, "product.created", &prod, None);
            data.products.insert(prod);
            id
        }
        _ => {
            return Err(ApiError::invalid(
                Some("parameter_missing"),
                "product",
                "Missing required param: product.",
            ))
        }
    };
    let id = match ps(p, "id").filter(|s| !s.is_empty()) {
        Some(id) if data.plans.contains(id) => {
            return Err(ApiError::invalid(
                Some("resource_already_exists"),
                "id",
                "Plan already exists.",
            ))
        }
        Some(id) => id.to_string(),
        None => gen_id("plan_", 24),
    };
    let obj = json!({
        "id": id,
        "object": "plan",
        "active": p_bool(p, "active")?.unwrap_or(true),
        "amount": amount,
        "amount_decimal": amount.map(|a| a.to_string()),
        "billing_scheme": ps(p, "billing_scheme").unwrap_or("per_unit"),
        "created": ctx.now,
        "currency": currency,
        "interval": interval,
        "interval_count": p_int(p, "interval_count")?.unwrap_or(1),
        "livemode": ctx.livemode,
        "metadata": metadata_new(p),
        "meter": null,
        "nickname": str_or_null(p, "nickname"),
        "product": product,
        "tiers_mode": null,
        "transform_usage": null,
        "trial_period_days": p_int(p, "trial_period_days")?,
        "usage_type": ps(p, "usage_type").unwrap_or("licensed"),
    });
    emit(data, ctx, "plan.created", &obj, None);
    data.plans.insert(obj.clone());
    Ok((200, obj))
}

pub(crate) fn update_plan(data: &mut Data, ctx: &Ctx, id: &str, p: &Value) -> Reply {
    let active = p_bool(p, "active")?;
    let trial = p_int(p, "trial_period_days")?;
    let Some(obj) = data.plans.get_mut(id) else {
        return Err(ApiError::missing("plan", id, "id"));
    };
    let mut prev = Map::new();
    if let Some(a) = active {
        set(obj, &mut prev, "active", json!(a));
    }
    if p.get("nickname").is_some() {
        set(obj, &mut prev, "nickname", str_or_null(p, "nickname"));
    }
    if let Some(t) = trial {
        set(obj, &mut prev, "trial_period_days", json!(t));
    }
    if let Some(prod) = ps(p, "product") {
        set(obj, &mut prev, "product", json!(prod));
    }
    let meta = metadata_merge(&obj["metadata"], p);
    set(obj, &mut prev, "metadata", meta);
    let obj = obj.clone();
    if !prev.is_empty() {
        emit(data, ctx, "plan.updated", &obj, Some(prev));
    }
    Ok((200, obj))
}

/// A plan-shaped view of a recurring price (subscription items carry both).
pub fn plan_from_price(price: &Value) -> Value {
    json!({
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": price["billing_scheme"],
        "created": price["created"],
        "currency": price["currency"],
        "interval": price["recurring"]["interval"],
        "interval_count": price["recurring"]["interval_count"],
        "livemode": price["livemode"],
        "metadata": price["metadata"],
        "meter": null,
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": null,
        "transform_usage": null,
        "trial_period_days": null,
        "usage_type": "licensed",
    })
}

/// A price-shaped view of a plan.
pub fn price_from_plan(plan: &Value) -> Value {
    json!({
        "id": plan["id"],
        "object": "price",
        "active": plan["active"],
        "billing_scheme": plan["billing_scheme"],
        "created": plan["created"],
        "currency": plan["currency"],
        "custom_unit_amount": null,
        "livemode": plan["livemode"],
        "lookup_key": null,
        "metadata": plan["metadata"],
        "nickname": plan["nickname"],
        "product": plan["product"],
        "recurring": {
            "interval": plan["interval"],
            "interval_count": plan["interval_count"],
            "meter": null,
            "trial_period_days": plan["trial_period_days"],
            "usage_type": plan["usage_type"],
        },
        "tax_behavior": "unspecified",
        "tiers_mode": null,
        "transform_quantity": null,
        "type": "recurring",
        "unit_amount": plan["amount"],
        "unit_amount_decimal": plan["amount_decimal"],
    })
}
