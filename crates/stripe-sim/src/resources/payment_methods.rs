//! PaymentMethods, as far as a saved card goes: Stripe's test tokens
//! (`pm_card_visa` and friends) attached to a customer, listed, and set as
//! the customer's `invoice_settings.default_payment_method`.

use crate::api::{ps, require, Ctx, Reply};
use crate::error::ApiError;
use crate::state::{gen_id, Data};
use crate::store::ListQuery;
use serde_json::{json, Value};

/// Stripe's test PaymentMethods (docs.stripe.com/testing): each use of one
/// makes a new card PaymentMethod with that brand and number's last four.
const TEST_CARDS: [(&str, &str, &str); 4] = [
    ("pm_card_visa", "visa", "4242"),
    ("pm_card_mastercard", "mastercard", "4444"),
    ("pm_card_amex", "amex", "8431"),
    ("pm_card_visa_debit", "visa", "5556"),
];

/// Stripe's refusal when a default payment method is not the customer's.
fn not_the_customers(id: &str, param: &str) -> ApiError {
    ApiError::invalid(
        Some("resource_missing"),
        param,
        format!(
            "The customer does not have a payment method with the ID {id}. The payment method must be attached to the customer."
        ),
    )
}

/// A card PaymentMethod made from a test token, not yet attached.
fn from_test_token(token: &str, ctx: &Ctx) -> Option<Value> {
    let (_, brand, last4) = TEST_CARDS.iter().find(|(t, _, _)| *t == token)?;
    Some(json!({
        "id": gen_id("pm_", 24),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": {
            "address": {"city": null, "country": null, "line1": null, "line2": null, "postal_code": null, "state": null},
            "email": null,
            "name": null,
            "phone": null,
        },
        "card": {
            "brand": brand,
            "checks": {"address_line1_check": null, "address_postal_code_check": null, "cvc_check": "unchecked"},
            "country": "US",
            "display_brand": brand,
            "exp_month": 12,
            // Test cards take any future expiry; a year on from the clock.
            "exp_year": 1970 + ctx.now / 31_556_952 + 1,
            "fingerprint": gen_id("", 16),
            "funding": "credit",
            "last4": last4,
            "networks": {"available": [brand], "preferred": null},
            "wallet": null,
        },
        "created": ctx.now,
        "customer": null,
        "livemode": ctx.livemode,
        "metadata": {},
        "type": "card",
    }))
}

/// `POST /v1/payment_methods/{id}/attach`: a test token becomes a new
/// PaymentMethod of the customer; an existing unattached one is attached.
pub(crate) fn attach(data: &mut Data, ctx: &Ctx, id: &str, p: &Value) -> Reply {
    let customer = require(p, "customer")?
        .as_str()
        .unwrap_or_default()
        .to_string();
    if !data.customers.contains(&customer) {
        return Err(ApiError::missing("customer", &customer, "customer"));
    }
    let pm = attach_to(data, ctx, id, &customer)?;
    Ok((200, pm))
}

/// Attaches `id` (a test token in test mode, or an unattached PaymentMethod) to `customer`.
pub(crate) fn attach_to(
    data: &mut Data,
    ctx: &Ctx,
    id: &str,
    customer: &str,
) -> Result<Value, ApiError> {
    let made = (!ctx.livemode).then(|| from_test_token(id, ctx)).flatten();
    let mut pm = match (made, data.payment_methods.get(id)) {
        (Some(new), _) => new,
        (None, Some(existing)) => existing.clone(),
        (None, None) => return Err(ApiError::missing("PaymentMethod", id, "payment_method")),
    };
    match pm["customer"].as_str() {
        Some(c) if c == customer => return Ok(pm),
        Some(_) => {
            return Err(ApiError::invalid(
                None,
                "payment_method",
                "The payment method you provided has already been attached to a customer.",
            ))
        }
        None => {}
    }
    pm["customer"] = json!(customer);
    crate::api::emit(data, ctx, "payment_method.attached", &pm, None);
    data.payment_methods.insert(pm.clone());
    Ok(pm)
}

/// Checks that `id` is one of the customer's PaymentMethods, for
/// `invoice_settings[default_payment_method]` and a subscription's
/// `default_payment_method`.
pub(crate) fn check_owned(
    data: &Data,
    customer: &str,
    id: &str,
    param: &str,
) -> Result<(), ApiError> {
    match data.payment_methods.get(id) {
        Some(pm) if pm["customer"] == json!(customer) => Ok(()),
        _ => Err(not_the_customers(id, param)),
    }
}

/// `GET /v1/payment_methods?customer=...` and `GET /v1/customers/{id}/payment_methods`.
pub(crate) fn list(
    data: &Data,
    q: &ListQuery,
    p: &Value,
    customer: Option<&str>,
) -> Result<Value, ApiError> {
    let customer = customer.or_else(|| ps(p, "customer").filter(|s| !s.is_empty()));
    if let Some(c) = customer {
        if !data.customers.contains(c) {
            return Err(ApiError::missing("customer", c, "customer"));
        }
    }
    let kind = ps(p, "type").filter(|s| !s.is_empty());
    let url = match customer {
        Some(c) => format!("/v1/customers/{c}/payment_methods"),
        None => "/v1/payment_methods".to_string(),
    };
    data.payment_methods.list_json(q, &url, |pm| {
        customer.is_none_or(|c| pm["customer"] == json!(c))
            && kind.is_none_or(|k| pm["type"] == json!(k))
    })
}

/// The PaymentMethod a charge_automatically invoice of `customer` is paid
/// with: the subscription's own, else the customer's default (or legacy
/// default source), as Stripe picks it.
pub(crate) fn default_for(
    data: &Data,
    customer: &str,
    subscription_pm: Option<&str>,
) -> Option<String> {
    if let Some(pm) = subscription_pm {
        return Some(pm.to_string());
    }
    let c = data.customers.get(customer)?;
    c["invoice_settings"]["default_payment_method"]
        .as_str()
        .or_else(|| c["default_source"].as_str())
        .map(str::to_string)
}

/// The simulator's own way to give a customer a saved card: what
/// `POST /v1/payment_methods/pm_card_visa/attach` then
/// `POST /v1/customers/{id}` with `invoice_settings[default_payment_method]` do.
pub(crate) fn save_test_card(
    data: &mut Data,
    ctx: &Ctx,
    customer: &str,
    token: &str,
) -> Result<String, ApiError> {
    if !data.customers.contains(customer) {
        return Err(ApiError::missing("customer", customer, "customer"));
    }
    let pm = attach_to(data, ctx, token, customer)?;
    let id = pm["id"].as_str().unwrap_or_default().to_string();
    if let Some(c) = data.customers.get_mut(customer) {
        c["invoice_settings"]["default_payment_method"] = json!(id);
    }
    let updated = data.customers.get(customer).cloned();
    if let Some(c) = updated {
        crate::api::emit(data, ctx, "customer.updated", &c, None);
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_tokens_have_their_brand_and_last_four() {
        let ctx = Ctx {
            now: 1_780_000_000,
            account_id: "acct_1".into(),
            livemode: false,
            request_id: "req_1".into(),
            idempotency_key: None,
            api_version: "x".into(),
            connected_account: None,
        };
        let pm = from_test_token("pm_card_mastercard", &ctx).unwrap();
        assert_eq!(pm["card"]["brand"], "mastercard");
        assert_eq!(pm["card"]["last4"], "4444");
        assert!(pm["card"]["exp_year"].as_i64().unwrap() > 2026);
        assert!(from_test_token("pm_1Real", &ctx).is_none());
    }
}
