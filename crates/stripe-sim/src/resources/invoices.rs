//! Invoices, as far as a subscription's first one goes: paid from a saved
//! card, emailed with `collection_method=send_invoice`, or left open with a
//! payment page (`payment_behavior=default_incomplete`).

use crate::api::{emit, ps, Ctx};
use crate::error::ApiError;
use crate::state::{gen_id, Data};
use crate::store::ListQuery;
use serde_json::{json, Value};

/// How the first invoice ends up when the subscription is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Nothing to pay now (a trial, a free price), or paid from a saved card.
    Paid,
    /// Finalized and waiting: a payment page, and for `send_invoice` an email.
    Open,
}

/// The hosted invoice page Stripe gives a finalized invoice.
fn hosted_url(account: &str, livemode: bool) -> String {
    let mode = if livemode { "live" } else { "test" };
    format!(
        "https://invoice.stripe.com/i/{account}/{mode}_{}",
        gen_id("", 40)
    )
}

/// Builds, stores and returns the first invoice of `subscription` (its items,
/// for `amount_due`), as Stripe does on create.
pub(crate) fn first_invoice(
    data: &mut Data,
    ctx: &Ctx,
    account: &str,
    subscription: &Value,
    amount_due: i64,
    outcome: Outcome,
) -> Value {
    let id = gen_id("in_", 24);
    let customer_id = subscription["customer"].as_str().unwrap_or_default();
    let customer = data
        .customers
        .get(customer_id)
        .cloned()
        .unwrap_or(Value::Null);
    let collection = subscription["collection_method"]
        .as_str()
        .unwrap_or("charge_automatically");
    let due_date = match (collection, subscription["days_until_due"].as_i64()) {
        ("send_invoice", Some(days)) => json!(ctx.now + days * 86_400),
        _ => Value::Null,
    };
    let paid = outcome == Outcome::Paid;
    let lines: Vec<Value> = subscription["items"]["data"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            let unit = item["price"]["unit_amount"].as_i64().unwrap_or(0);
            let qty = item["quantity"].as_i64().unwrap_or(1);
            json!({
                "id": gen_id("il_", 24),
                "object": "line_item",
                "amount": if amount_due == 0 { 0 } else { unit * qty },
                "currency": item["price"]["currency"],
                "description": null,
                "invoice": id,
                "livemode": ctx.livemode,
                "metadata": {},
                "period": {"start": item["current_period_start"], "end": item["current_period_end"]},
                "pricing": {"price_details": {"price": item["price"]["id"], "product": item["price"]["product"]}, "type": "price_details", "unit_amount_decimal": item["price"]["unit_amount_decimal"]},
                "quantity": qty,
            })
        })
        .collect();
    let number = format!(
        "{}-{:04}",
        customer["invoice_prefix"].as_str().unwrap_or("INV"),
        customer["next_invoice_sequence"].as_i64().unwrap_or(1)
    );
    let invoice = json!({
        "id": id,
        "object": "invoice",
        "account_country": "US",
        "amount_due": amount_due,
        "amount_paid": if paid { amount_due } else { 0 },
        "amount_remaining": if paid { 0 } else { amount_due },
        "attempt_count": i64::from(paid && amount_due > 0),
        "attempted": paid && amount_due > 0,
        "auto_advance": !paid,
        "billing_reason": "subscription_create",
        "collection_method": collection,
        "created": ctx.now,
        "currency": subscription["currency"],
        "customer": customer_id,
        "customer_email": customer["email"],
        "customer_name": customer["name"],
        "default_payment_method": null,
        "description": null,
        "due_date": due_date,
        "hosted_invoice_url": hosted_url(account, ctx.livemode),
        "invoice_pdf": format!("https://pay.stripe.com/invoice/{account}/{}/pdf", gen_id("", 24)),
        "lines": {"object": "list", "data": lines, "has_more": false, "url": format!("/v1/invoices/{id}/lines")},
        "livemode": ctx.livemode,
        "metadata": {},
        "number": number,
        "parent": {
            "quote_details": null,
            "subscription_details": {"metadata": subscription["metadata"], "subscription": subscription["id"]},
            "type": "subscription_details",
        },
        "period_end": ctx.now,
        "period_start": ctx.now,
        "status": if paid { "paid" } else { "open" },
        "status_transitions": {
            "finalized_at": ctx.now,
            "marked_uncollectible_at": null,
            "paid_at": if paid { json!(ctx.now) } else { Value::Null },
            "voided_at": null,
        },
        "subtotal": amount_due,
        "total": amount_due,
    });
    if let Some(c) = data.customers.get_mut(customer_id) {
        let next = c["next_invoice_sequence"].as_i64().unwrap_or(1) + 1;
        c["next_invoice_sequence"] = json!(next);
    }
    emit(data, ctx, "invoice.created", &invoice, None);
    emit(data, ctx, "invoice.finalized", &invoice, None);
    if paid {
        emit(data, ctx, "invoice.paid", &invoice, None);
    } else if collection == "send_invoice" {
        // "When sending an invoice, Stripe will email this invoice to the
        // customer with payment instructions."
        if let Some(to) = customer["email"].as_str() {
            data.emailed_invoices.push((to.to_string(), id.clone()));
        }
        emit(data, ctx, "invoice.sent", &invoice, None);
    }
    data.invoices.insert(invoice.clone());
    invoice
}

/// `GET /v1/invoices` with its filters.
pub(crate) fn list(data: &Data, q: &ListQuery, p: &Value) -> Result<Value, ApiError> {
    let eq = |k: &str| ps(p, k).filter(|s| !s.is_empty()).map(str::to_string);
    let (customer, subscription, status) = (eq("customer"), eq("subscription"), eq("status"));
    data.invoices.list_json(q, "/v1/invoices", |i| {
        customer.as_ref().is_none_or(|c| i["customer"] == json!(c))
            && subscription
                .as_ref()
                .is_none_or(|s| i["parent"]["subscription_details"]["subscription"] == json!(s))
            && status.as_ref().is_none_or(|s| i["status"] == json!(s))
    })
}

/// An incomplete subscription's open first invoice is voided when the
/// subscription expires (23 hours unpaid).
pub(crate) fn void(data: &mut Data, ctx_now: i64, id: &str) {
    if let Some(i) = data.invoices.get_mut(id) {
        if i["status"] == json!("open") {
            i["status"] = json!("void");
            i["status_transitions"]["voided_at"] = json!(ctx_now);
            i["amount_remaining"] = json!(0);
        }
    }
}
