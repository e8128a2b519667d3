//! Subscriptions: create with items, update, cancel, list by customer, status and price.

use crate::api::{
    emit, metadata_merge, metadata_new, p_bool, p_int, ps, require, set, str_or_null, Ctx, Reply,
};
use crate::error::ApiError;
use crate::resources::invoices::{self, Outcome};
use crate::resources::payment_methods;
use crate::resources::plans::{plan_from_price, price_from_plan};
use crate::state::{gen_id, Data};
use crate::store::ListQuery;
use serde_json::{json, Map, Value};

/// `GET /v1/subscriptions` with its filters.
pub(crate) fn list(data: &Data, q: &ListQuery, p: &Value) -> Result<Value, ApiError> {
    let eq = |k: &str| ps(p, k).filter(|s| !s.is_empty()).map(str::to_string);
    let customer = eq("customer");
    let status = eq("status");
    let price = eq("price");
    data.subscriptions.list_json(q, "/v1/subscriptions", |o| {
        let st = o["status"].as_str().unwrap_or_default();
        let status_ok = match status.as_deref() {
            None => st != "canceled" && st != "incomplete_expired",
            Some("all") => true,
            // "Pass `ended` to find subscriptions that are canceled and
            // subscriptions that are expired due to incomplete payment."
            Some("ended") => st == "canceled" || st == "incomplete_expired",
            Some(s) => st == s,
        };
        status_ok
            && customer.as_ref().is_none_or(|c| o["customer"] == json!(c))
            && price.as_ref().is_none_or(|pr| {
                o["items"]["data"]
                    .as_array()
                    .is_some_and(|items| items.iter().any(|i| i["price"]["id"] == json!(pr)))
            })
    })
}

pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn add_interval(ts: i64, interval: &str, count: i64) -> i64 {
    const DAY: i64 = 86_400;
    match interval {
        "day" => ts + DAY * count,
        "week" => ts + 7 * DAY * count,
        _ => {
            let months = if interval == "year" {
                12 * count
            } else {
                count
            };
            let (y, m, d) = civil_from_days(ts.div_euclid(DAY));
            let total = y * 12 + (m - 1) + months;
            let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
            let last = days_from_civil(ny + i64::from(nm == 12), nm % 12 + 1, 1)
                - days_from_civil(ny, nm, 1);
            days_from_civil(ny, nm, d.min(last)) * DAY + ts.rem_euclid(DAY)
        }
    }
}

/// Builds a subscription object; used by the API and by seeding.
pub fn build_subscription(
    data: &Data,
    customer: &str,
    items: &[(String, i64, Value)],
    now: i64,
    livemode: bool,
    extra: &Value,
) -> Result<Value, ApiError> {
    let id = gen_id("sub_", 24);
    let mut item_objs = Vec::new();
    let mut period_end = None;
    let mut currency = Value::Null;
    for (i, (price_id, quantity, metadata)) in items.iter().enumerate() {
        let (price, plan) = if let Some(pr) = data.prices.get(price_id) {
            (pr.clone(), plan_from_price(pr))
        } else if let Some(pl) = data.plans.get(price_id) {
            (price_from_plan(pl), pl.clone())
        } else {
            let kind = if extra.get("_by_plan").is_some() {
                "plan"
            } else {
                "price"
            };
            return Err(ApiError::invalid(
                Some("resource_missing"),
                &format!("items[{i}][{kind}]"),
                format!("No such {kind}: '{price_id}'"),
            ));
        };
        if price["type"] != json!("recurring") {
            return Err(ApiError::invalid(
                None,
                &format!("items[{i}][price]"),
                "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.",
            ));
        }
        let interval = price["recurring"]["interval"].as_str().unwrap_or("month");
        let count = price["recurring"]["interval_count"].as_i64().unwrap_or(1);
        let end = add_interval(now, interval, count);
        period_end.get_or_insert(end);
        currency = price["currency"].clone();
        item_objs.push(json!({
            "id": gen_id("si_", 14),
            "object": "subscription_item",
            "created": now,
            "current_period_end": end,
            "current_period_start": now,
            "discounts": [],
            "metadata": metadata,
            "plan": plan,
            "price": price,
            "quantity": quantity,
            "subscription": id,
            "tax_rates": [],
        }));
    }
    let trial_days = extra
        .get("trial_period_days")
        .and_then(Value::as_i64)
        .filter(|d| *d > 0);
    let (status, trial_start, trial_end) = match trial_days {
        Some(d) => ("trialing", json!(now), json!(now + d * 86_400)),
        None => ("active", Value::Null, Value::Null),
    };
    Ok(json!({
        "id": id,
        "object": "subscription",
        "application": null,
        "billing_cycle_anchor": now,
        "cancel_at": null,
        "cancel_at_period_end": extra.get("cancel_at_period_end").and_then(Value::as_bool).unwrap_or(false),
        "canceled_at": null,
        "collection_method": extra.get("collection_method").and_then(Value::as_str).unwrap_or("charge_automatically"),
        "created": now,
        "currency": currency,
        "customer": customer,
        "days_until_due": extra.get("days_until_due").cloned().unwrap_or(Value::Null),
        "default_payment_method": extra.get("default_payment_method").cloned().unwrap_or(Value::Null),
        "description": extra.get("description").cloned().unwrap_or(Value::Null),
        "discounts": [],
        "ended_at": null,
        "items": {
            "object": "list",
            "data": item_objs,
            "has_more": false,
            "total_count": items.len(),
            "url": format!("/v1/subscription_items?subscription={id}"),
        },
        "latest_invoice": null,
        "livemode": livemode,
        "metadata": extra.get("metadata").cloned().unwrap_or_else(|| json!({})),
        "start_date": now,
        "status": status,
        "trial_end": trial_end,
        "trial_start": trial_start,
        "current_period_end": period_end,
        "current_period_start": now,
    }))
}

/// Stripe's refusal to charge a customer who has nothing to charge.
pub(crate) const NO_PAYMENT_METHOD: &str = "This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.";

/// How long an `incomplete` subscription waits for its first payment.
pub(crate) const INCOMPLETE_EXPIRES_AFTER: i64 = 23 * 3600;

pub(crate) fn create_subscription(data: &mut Data, ctx: &Ctx, p: &Value) -> Reply {
    let customer = require(p, "customer")?
        .as_str()
        .unwrap_or_default()
        .to_string();
    let items_param = match p.get("items") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        Some(Value::Object(m)) if !m.is_empty() => m.values().cloned().collect(),
        _ => {
            return Err(ApiError::invalid(
                Some("parameter_missing"),
                "items",
                "Missing required param: items.",
            ))
        }
    };
    if !data.customers.contains(&customer) {
        return Err(ApiError::invalid(
            Some("resource_missing"),
            "customer",
            format!("No such customer: '{customer}'"),
        ));
    }
    let mut items = Vec::new();
    let mut by_plan = false;
    for (i, it) in items_param.iter().enumerate() {
        let price = ps(it, "price").or_else(|| {
            by_plan = true;
            ps(it, "plan")
        });
        let Some(price) = price.filter(|s| !s.is_empty()) else {
            return Err(ApiError::invalid(
                Some("parameter_missing"),
                &format!("items[{i}][price]"),
                format!("Missing required param: items[{i}][price]."),
            ));
        };
        let quantity = p_int(it, "quantity")
            .map_err(|e| e.with_param(&format!("items[{i}][quantity]")))?
            .unwrap_or(1);
        // Stripe's wording for an archived price.
        if data
            .prices
            .get(price)
            .is_some_and(|pr| pr["active"] == json!(false))
        {
            return Err(ApiError::invalid(
                None,
                &format!("items[{i}][price]"),
                "The price specified is inactive. This field only accepts active prices.",
            ));
        }
        items.push((price.to_string(), quantity, metadata_new(it)));
    }
    let collection = ps(p, "collection_method")
        .filter(|s| !s.is_empty())
        .unwrap_or("charge_automatically");
    let days_until_due = p_int(p, "days_until_due")?;
    // "Valid only for subscriptions where `collection_method` is set to
    // `send_invoice`", and needed there: it sets the invoices' due date.
    if collection == "send_invoice" && days_until_due.is_none() {
        return Err(ApiError::invalid(
            Some("parameter_missing"),
            "days_until_due",
            "Missing required param: days_until_due.",
        ));
    }
    let subscription_pm = ps(p, "default_payment_method").filter(|s| !s.is_empty());
    if let Some(pm) = subscription_pm {
        payment_methods::check_owned(data, &customer, pm, "default_payment_method")?;
    }
    let mut extra = json!({
        "metadata": metadata_new(p),
        "description": str_or_null(p, "description"),
        "trial_period_days": p_int(p, "trial_period_days")?,
        "cancel_at_period_end": p_bool(p, "cancel_at_period_end")?,
        "collection_method": collection,
        "days_until_due": days_until_due,
        "default_payment_method": subscription_pm,
    });
    if by_plan {
        extra["_by_plan"] = json!(true);
    }
    let mut obj = build_subscription(data, &customer, &items, ctx.now, ctx.livemode, &extra)?;
    // The first invoice: what is due now (nothing in a trial).
    let due_now: i64 = if obj["status"] == json!("trialing") {
        0
    } else {
        obj["items"]["data"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| {
                i["price"]["unit_amount"].as_i64().unwrap_or(0)
                    * i["quantity"].as_i64().unwrap_or(1)
            })
            .sum()
    };
    let behavior = ps(p, "payment_behavior")
        .filter(|s| !s.is_empty())
        .unwrap_or("allow_incomplete");
    let outcome = if due_now == 0 {
        Outcome::Paid
    } else if collection == "send_invoice" {
        // "Subscriptions with `collection_method=send_invoice` are
        // automatically activated regardless of the first Invoice status."
        Outcome::Open
    } else if behavior == "default_incomplete" {
        // "create Subscriptions with `status=incomplete` when the first
        // invoice requires payment": no payment is attempted.
        obj["status"] = json!("incomplete");
        Outcome::Open
    } else if payment_methods::default_for(data, &customer, subscription_pm).is_some() {
        // Stripe's test cards (pm_card_visa, ...) pay.
        Outcome::Paid
    } else {
        return Err(
            ApiError::new(400, "invalid_request_error", NO_PAYMENT_METHOD)
                .with_code(Some("resource_missing")),
        );
    };
    let invoice = invoices::first_invoice(data, ctx, &ctx.account_id, &obj, due_now, outcome);
    obj["latest_invoice"] = invoice["id"].clone();
    emit(data, ctx, "customer.subscription.created", &obj, None);
    data.subscriptions.insert(obj.clone());
    Ok((200, obj))
}

/// Stripe's clock on incomplete subscriptions: unpaid 23 hours after
/// creation, one becomes `incomplete_expired` and its open invoice is voided.
pub(crate) fn expire_incomplete(data: &mut Data, now: i64) {
    let due: Vec<(String, Option<String>)> = data
        .subscriptions
        .iter()
        .filter(|s| {
            s["status"] == json!("incomplete")
                && now - s["created"].as_i64().unwrap_or(now) >= INCOMPLETE_EXPIRES_AFTER
        })
        .map(|s| {
            (
                s["id"].as_str().unwrap_or_default().to_string(),
                s["latest_invoice"].as_str().map(str::to_string),
            )
        })
        .collect();
    for (id, invoice) in due {
        if let Some(s) = data.subscriptions.get_mut(&id) {
            s["status"] = json!("incomplete_expired");
            s["ended_at"] = json!(now);
        }
        if let Some(invoice) = invoice {
            invoices::void(data, now, &invoice);
        }
    }
}

pub(crate) fn update_subscription(data: &mut Data, ctx: &Ctx, id: &str, p: &Value) -> Reply {
    let cancel_at_period_end = p_bool(p, "cancel_at_period_end")?;
    let Some(obj) = data.subscriptions.get_mut(id) else {
        return Err(ApiError::missing("subscription", id, "id"));
    };
    let mut prev = Map::new();
    if p.get("description").is_some() {
        set(obj, &mut prev, "description", str_or_null(p, "description"));
    }
    if let Some(c) = cancel_at_period_end {
        set(obj, &mut prev, "cancel_at_period_end", json!(c));
        let at = if c {
            obj["current_period_end"].clone()
        } else {
            Value::Null
        };
        set(obj, &mut prev, "cancel_at", at);
    }
    let meta = metadata_merge(&obj["metadata"], p);
    set(obj, &mut prev, "metadata", meta);
    let obj = obj.clone();
    if !prev.is_empty() {
        emit(data, ctx, "customer.subscription.updated", &obj, Some(prev));
    }
    Ok((200, obj))
}

pub(crate) fn cancel_subscription(data: &mut Data, ctx: &Ctx, id: &str) -> Reply {
    let Some(obj) = data.subscriptions.get_mut(id) else {
        return Err(ApiError::missing("subscription", id, "id"));
    };
    if obj["status"] == json!("canceled") {
        return Err(ApiError::invalid(
            None,
            "id",
            format!("A canceled subscription can only update its cancellation_details and metadata. (subscription {id})"),
        ));
    }
    obj["status"] = json!("canceled");
    obj["canceled_at"] = json!(ctx.now);
    obj["ended_at"] = json!(ctx.now);
    let obj = obj.clone();
    emit(data, ctx, "customer.subscription.deleted", &obj, None);
    Ok((200, obj))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_arithmetic() {
        // 2024-01-31 00:00 UTC + 1 month = 2024-02-29
        let jan31 = days_from_civil(2024, 1, 31) * 86_400;
        assert_eq!(
            civil_from_days(add_interval(jan31, "month", 1) / 86_400),
            (2024, 2, 29)
        );
        assert_eq!(
            civil_from_days(add_interval(jan31, "year", 1) / 86_400),
            (2025, 1, 31)
        );
        let dec15 = days_from_civil(2023, 12, 15) * 86_400 + 3600;
        assert_eq!(add_interval(dec15, "month", 1) % 86_400, 3600);
        assert_eq!(
            civil_from_days(add_interval(dec15, "month", 1) / 86_400),
            (2024, 1, 15)
        );
    }
}
