//! Each event as a sentence a shop owner understands: "Jane Cooper paid
//! 12.50 EUR", "Payout of 1,234.00 EUR is on its way, expected Tuesday".
//! Plain words only: no event names, no IDs, no field names. Amounts come
//! from Stripe's integer minor units through [`crate::money`]; dates are
//! read in the person's time zone.

use crate::money;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::Value;

/// What a sentence may need beyond the event.
pub(crate) struct Context<'a> {
    /// A customer's or product's name by ID, as heard in earlier events.
    pub names: &'a dyn Fn(&str) -> Option<String>,
    pub zone: &'a TimeZone,
    /// Unix seconds: "today", "tomorrow" are said from here.
    pub now: i64,
}

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn amount(o: &Value, key: &str) -> Option<String> {
    let minor = o.get(key)?.as_i64()?;
    let currency = text(o, "/currency")?;
    Some(money::format(minor, currency))
}

/// A day as a person says it: "today", "tomorrow", "Tuesday" within the
/// week, else "12 March" (with the year when it is not this one).
pub(crate) fn day_words(at: i64, ctx: &Context) -> String {
    let (Ok(at), Ok(now)) = (Timestamp::from_second(at), Timestamp::from_second(ctx.now)) else {
        return "an unknown day".into();
    };
    let day = ctx.zone.to_datetime(at).date();
    let today = ctx.zone.to_datetime(now).date();
    let apart = (day - today).get_days();
    match apart {
        0 => "today".into(),
        1 => "tomorrow".into(),
        -1 => "yesterday".into(),
        2..=6 => day.strftime("%A").to_string(),
        _ if day.year() == today.year() => day.strftime("%-d %B").to_string(),
        _ => day.strftime("%-d %B %Y").to_string(),
    }
}

/// Who paid: the name on the payment, the customer's name, or an email.
fn payer(o: &Value, ctx: &Context) -> Option<String> {
    text(o, "/billing_details/name")
        .or_else(|| text(o, "/customer_details/name"))
        .map(str::to_string)
        .or_else(|| text(o, "/customer").and_then(|c| (ctx.names)(c)))
        .or_else(|| {
            text(o, "/billing_details/email")
                .or_else(|| text(o, "/receipt_email"))
                .or_else(|| text(o, "/customer_details/email"))
                .or_else(|| text(o, "/customer_email"))
                .map(str::to_string)
        })
}

/// The customer an object names, by name when known.
fn customer(o: &Value, ctx: &Context) -> Option<String> {
    text(o, "/customer_name")
        .map(str::to_string)
        .or_else(|| text(o, "/customer").and_then(|c| (ctx.names)(c)))
        .or_else(|| text(o, "/customer_email").map(str::to_string))
}

/// Why a card payment failed, in words, from Stripe's decline code.
fn decline_words(code: &str) -> Option<&'static str> {
    Some(match code {
        "insufficient_funds" => "the card has insufficient funds",
        "expired_card" => "the card has expired",
        "incorrect_cvc" | "invalid_cvc" => "the card's security code was wrong",
        "incorrect_number" | "invalid_number" => "the card number was wrong",
        "lost_card" => "the card was reported lost",
        "stolen_card" => "the card was reported stolen",
        "processing_error" => "the card could not be processed",
        "authentication_required" => "the customer did not complete their bank's check",
        "fraudulent" | "highest_risk_level" | "elevated_risk_level" => "it looked like fraud",
        "card_velocity_exceeded" | "withdrawal_count_limit_exceeded" => {
            "the card's limit was reached"
        }
        "card_declined"
        | "generic_decline"
        | "do_not_honor"
        | "call_issuer"
        | "not_permitted"
        | "transaction_not_allowed"
        | "pickup_card"
        | "restricted_card"
        | "security_violation"
        | "service_not_allowed"
        | "revocation_of_authorization"
        | "card_not_supported"
        | "currency_not_supported" => "the card was declined",
        _ => return None,
    })
}

/// Stripe's own message made to fit after "failed:": "Your card was
/// declined." becomes "the card was declined".
fn stripe_message_words(message: &str) -> String {
    let m = message.trim().trim_end_matches('.');
    let m = m
        .strip_prefix("Your ")
        .map(|rest| format!("the {rest}"))
        .unwrap_or_else(|| m.to_string());
    let mut chars = m.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => m,
    }
}

fn failure_reason(o: &Value) -> Option<String> {
    let codes = [
        text(o, "/outcome/reason"),
        text(o, "/last_payment_error/decline_code"),
        text(o, "/failure_code"),
        text(o, "/last_payment_error/code"),
    ];
    codes
        .into_iter()
        .flatten()
        .find_map(decline_words)
        .map(str::to_string)
        .or_else(|| {
            text(o, "/failure_message")
                .or_else(|| text(o, "/last_payment_error/message"))
                .map(stripe_message_words)
        })
}

fn payout_failure(o: &Value) -> Option<String> {
    let words = match text(o, "/failure_code")? {
        "account_closed" => "the bank account is closed",
        "account_frozen" => "the bank account is frozen",
        "bank_account_restricted" => "the bank account does not accept this kind of payment",
        "could_not_process" | "debit_not_authorized" => "the bank could not process it",
        "insufficient_funds" => "the Stripe balance was too low",
        "invalid_account_number" | "incorrect_account_holder_name" => {
            "the bank account details are wrong"
        }
        "no_account" => "the bank account does not exist",
        "declined" => "the bank declined it",
        "invalid_currency" => "the bank account cannot take this currency",
        _ => return text(o, "/failure_message").map(stripe_message_words),
    };
    Some(words.to_string())
}

/// "12.00 EUR a month", "30.00 USD every 3 months", "5.00 USD".
fn price_words(price: &Value) -> Option<String> {
    let amount = price
        .get("unit_amount")
        .or_else(|| price.get("amount"))?
        .as_i64()?;
    let money = money::format(amount, text(price, "/currency")?);
    let interval = text(price, "/recurring/interval").or_else(|| text(price, "/interval"));
    let count = price
        .pointer("/recurring/interval_count")
        .or_else(|| price.get("interval_count"))
        .and_then(Value::as_i64)
        .unwrap_or(1);
    Some(match interval {
        None => money,
        Some(i) if count == 1 => format!("{money} a {i}"),
        Some(i) => format!("{money} every {count} {i}s"),
    })
}

/// A field's name in words, for "changed: name, email".
fn field_words(field: &str) -> String {
    match field {
        "metadata" => "notes".into(),
        "address" => "address".into(),
        "shipping" => "shipping address".into(),
        "invoice_settings" | "default_source" | "default_payment_method" => {
            "payment details".into()
        }
        "tax_exempt" => "tax status".into(),
        "preferred_locales" => "language".into(),
        "unit_label" => "unit".into(),
        "images" => "pictures".into(),
        "default_price" => "price".into(),
        other => other.replace('_', " "),
    }
}

fn changed_fields(previous: Option<&Value>) -> Option<String> {
    let fields: Vec<String> = previous?
        .as_object()?
        .keys()
        .filter(|k| !matches!(k.as_str(), "updated" | "livemode"))
        .map(|k| field_words(k))
        .collect();
    (!fields.is_empty()).then(|| fields.join(", "))
}

fn status_words(status: &str) -> String {
    match status {
        "past_due" => "past due".into(),
        "incomplete" => "waiting for its first payment".into(),
        "incomplete_expired" => "expired before its first payment".into(),
        "trialing" => "in its trial".into(),
        other => other.replace('_', " "),
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The sentence for an event.
pub(crate) fn describe(event: &Value, ctx: &Context) -> String {
    let kind = text(event, "/type").unwrap_or_default();
    let null = Value::Null;
    let o = event.pointer("/data/object").unwrap_or(&null);
    let previous = event.pointer("/data/previous_attributes");
    known(kind, o, previous, ctx).unwrap_or_else(|| unknown(kind, o))
}

fn known(kind: &str, o: &Value, previous: Option<&Value>, ctx: &Context) -> Option<String> {
    let amt = || amount(o, "amount");
    let who = payer(o, ctx);
    let from = who
        .as_deref()
        .map(|w| format!(" from {w}"))
        .unwrap_or_default();
    let because = |s: String| failure_reason(o).map(|r| format!("{s}: {r}")).unwrap_or(s);
    Some(match kind {
        // Payments.
        "charge.succeeded" => match &who {
            Some(w) => format!("{w} paid {}", amt()?),
            None => format!("A payment of {} succeeded", amt()?),
        },
        "charge.failed" => because(format!("A {} payment{from} failed", amt()?)),
        "charge.captured" => format!("A {} payment{from} was captured", amt()?),
        "charge.pending" => format!("A {} payment{from} is pending", amt()?),
        "charge.expired" => format!("An uncaptured {} payment{from} expired", amt()?),
        "charge.updated" => format!("A {} payment{from} was updated", amt()?),
        "payment_intent.created" => format!("A {} payment{from} was started", amt()?),
        "payment_intent.succeeded" => format!("The {} payment{from} is complete", amt()?),
        "payment_intent.payment_failed" => because(format!(
            "A {} payment attempt{from} did not go through",
            amt()?
        )),
        "payment_intent.canceled" => format!("A {} payment{from} was canceled", amt()?),
        "payment_intent.processing" => format!("A {} payment{from} is processing", amt()?),
        "payment_intent.requires_action" => {
            format!("A {} payment{from} is waiting for the customer", amt()?)
        }
        "payment_intent.amount_capturable_updated" => {
            format!("A {} payment{from} is ready to capture", amt()?)
        }
        "checkout.session.completed" => match (&who, amount(o, "amount_total")) {
            (Some(w), Some(a)) => format!("{w} completed a checkout of {a}"),
            (None, Some(a)) => format!("A checkout of {a} was completed"),
            _ => "A checkout was completed".into(),
        },
        // Refunds.
        "charge.refunded" => {
            let refunded = amount(o, "amount_refunded")?;
            let whole = o.get("amount_refunded") == o.get("amount");
            let to = who
                .as_deref()
                .map(|w| format!(" to {w}"))
                .unwrap_or_default();
            if whole {
                format!("{refunded} refunded{to}")
            } else {
                format!("{refunded} of a {} payment refunded{to}", amt()?)
            }
        }
        "refund.created" | "charge.refund.created" => format!("A refund of {} was started", amt()?),
        "refund.updated" | "charge.refund.updated" => match text(o, "/status") {
            Some("succeeded") => format!("The refund of {} went through", amt()?),
            Some("failed") => format!("The refund of {} failed", amt()?),
            Some("canceled") => format!("The refund of {} was canceled", amt()?),
            _ => format!("The refund of {} was updated", amt()?),
        },
        "refund.failed" => format!("The refund of {} failed", amt()?),
        // Disputes.
        "charge.dispute.created" => {
            let base = format!("Dispute opened on a {} charge", amt()?);
            match o
                .pointer("/evidence_details/due_by")
                .and_then(Value::as_i64)
            {
                Some(due) => format!("{base}: respond by {}", day_words(due, ctx)),
                None => base,
            }
        }
        "charge.dispute.closed" => match text(o, "/status") {
            Some("won") => format!("You won the dispute over a {} charge", amt()?),
            Some("lost") => format!("You lost the dispute over a {} charge", amt()?),
            Some("warning_closed") => format!("The inquiry about a {} charge was closed", amt()?),
            _ => format!("The dispute over a {} charge was closed", amt()?),
        },
        "charge.dispute.updated" => format!("The dispute over a {} charge was updated", amt()?),
        "charge.dispute.funds_withdrawn" => {
            format!("{} was taken from your balance for a dispute", amt()?)
        }
        "charge.dispute.funds_reinstated" => {
            format!("{} was returned to your balance after a dispute", amt()?)
        }
        // Payouts and balance.
        "payout.created" | "payout.updated"
            if matches!(text(o, "/status"), Some("pending" | "in_transit")) =>
        {
            let base = format!("Payout of {} is on its way", amt()?);
            match o.get("arrival_date").and_then(Value::as_i64) {
                Some(at) => format!("{base}, expected {}", day_words(at, ctx)),
                None => base,
            }
        }
        "payout.created" => format!("Payout of {} was created", amt()?),
        "payout.updated" => format!("Payout of {} was updated", amt()?),
        "payout.paid" => format!("Payout of {} has arrived in your bank account", amt()?),
        "payout.failed" => match payout_failure(o) {
            Some(r) => format!("Payout of {} failed: {r}", amt()?),
            None => format!("Payout of {} failed", amt()?),
        },
        "payout.canceled" => format!("Payout of {} was canceled", amt()?),
        "payout.reconciliation_completed" => {
            format!("Payout of {} is fully accounted for", amt()?)
        }
        "balance.available" => {
            let amounts: Vec<String> = o
                .get("available")?
                .as_array()?
                .iter()
                .filter_map(|a| amount(a, "amount"))
                .collect();
            if amounts.is_empty() {
                return None;
            }
            format!("Available balance is now {}", amounts.join(" and "))
        }
        // Customers.
        "customer.created" => match text(o, "/name").or_else(|| text(o, "/email")) {
            Some(n) => format!("Customer {n} created"),
            None => "A new customer was created".into(),
        },
        "customer.updated" => {
            let name = text(o, "/name").or_else(|| text(o, "/email"));
            let base = match name {
                Some(n) => format!("Customer {n} changed"),
                None => "A customer changed".into(),
            };
            match changed_fields(previous) {
                Some(f) => format!("{base}: {f}"),
                None => base,
            }
        }
        "customer.deleted" => match text(o, "/name").or_else(|| text(o, "/email")) {
            Some(n) => format!("Customer {n} deleted"),
            None => "A customer was deleted".into(),
        },
        // Subscriptions and invoices.
        k if k.starts_with("customer.subscription.") => subscription(k, o, previous, ctx)?,
        "invoice.paid" | "invoice.payment_succeeded" => {
            let a = amount(o, "amount_paid")?;
            match customer(o, ctx) {
                Some(c) => format!("{c} paid an invoice of {a}"),
                None => format!("An invoice of {a} was paid"),
            }
        }
        "invoice.payment_failed" => {
            let a = amount(o, "amount_due")?;
            match customer(o, ctx) {
                Some(c) => format!("Payment of an invoice of {a} from {c} failed"),
                None => format!("Payment of an invoice of {a} failed"),
            }
        }
        "invoice.created"
        | "invoice.finalized"
        | "invoice.sent"
        | "invoice.voided"
        | "invoice.upcoming"
        | "invoice.marked_uncollectible" => {
            let a = amount(o, "amount_due")?;
            let what = match kind {
                "invoice.created" => "created",
                "invoice.finalized" => "ready to be paid",
                "invoice.sent" => "sent",
                "invoice.voided" => "voided",
                "invoice.upcoming" => "coming up",
                _ => "marked as unlikely to be paid",
            };
            match customer(o, ctx) {
                Some(c) => format!("Invoice of {a} for {c} {what}"),
                None => format!("Invoice of {a} {what}"),
            }
        }
        // Products, prices, plans.
        "product.created" => format!("Product {} added", text(o, "/name")?),
        "product.updated" => {
            let base = format!("Product {} changed", text(o, "/name")?);
            match changed_fields(previous) {
                Some(f) => format!("{base}: {f}"),
                None => base,
            }
        }
        "product.deleted" => format!("Product {} removed", text(o, "/name")?),
        "price.created" | "plan.created" => match product_name(o, ctx) {
            Some(p) => format!("New price for {p}: {}", price_words(o)?),
            None => format!("New price: {}", price_words(o)?),
        },
        "price.updated" | "plan.updated" => match product_name(o, ctx) {
            Some(p) => format!("A price of {p} changed"),
            None => format!("The price {} changed", price_words(o)?),
        },
        "price.deleted" | "plan.deleted" => match product_name(o, ctx) {
            Some(p) => format!("A price of {p} was removed"),
            None => format!("The price {} was removed", price_words(o)?),
        },
        // The account.
        "account.application.deauthorized" => match text(o, "/name") {
            Some(n) => format!("{n} was disconnected from this account"),
            None => "An app was disconnected from this account".into(),
        },
        "account.application.authorized" => match text(o, "/name") {
            Some(n) => format!("{n} was connected to this account"),
            None => "An app was connected to this account".into(),
        },
        "account.updated" => "The account's details changed".into(),
        "account.external_account.created" => "A bank account was added for payouts".into(),
        "account.external_account.updated" => "A bank account for payouts changed".into(),
        "account.external_account.deleted" => "A bank account for payouts was removed".into(),
        _ => return None,
    })
}

fn product_name(price: &Value, ctx: &Context) -> Option<String> {
    match price.get("product")? {
        Value::String(id) => (ctx.names)(id),
        p => text(p, "/name").map(str::to_string),
    }
}

fn subscription(kind: &str, o: &Value, previous: Option<&Value>, ctx: &Context) -> Option<String> {
    let who = customer(o, ctx);
    let item = o.pointer("/items/data/0");
    let price = item.and_then(|i| i.get("price").or_else(|| i.get("plan")));
    let product = price.and_then(|p| product_name(p, ctx));
    let cost = price.and_then(price_words);
    let of = who
        .as_deref()
        .map(|w| format!(" of {w}"))
        .unwrap_or_default();
    Some(match kind {
        "customer.subscription.created" => {
            let start = match &who {
                Some(w) => format!("{w} subscribed"),
                None => "New subscription".into(),
            };
            match (product, cost) {
                (Some(p), Some(c)) => format!("{start} to {p} ({c})"),
                (Some(p), None) => format!("{start} to {p}"),
                (None, Some(c)) => format!("{start} ({c})"),
                (None, None) => start,
            }
        }
        "customer.subscription.deleted" => format!("The subscription{of} ended"),
        "customer.subscription.paused" => format!("The subscription{of} was paused"),
        "customer.subscription.resumed" => format!("The subscription{of} was resumed"),
        "customer.subscription.trial_will_end" => {
            match o.get("trial_end").and_then(Value::as_i64) {
                Some(end) => format!("The trial{of} ends {}", day_words(end, ctx)),
                None => format!("The trial{of} ends soon"),
            }
        }
        "customer.subscription.updated" => {
            let was = previous.and_then(|p| p.get("status"));
            let ending = previous.and_then(|p| p.get("cancel_at_period_end"))
                == Some(&Value::Bool(false))
                && o.get("cancel_at_period_end") == Some(&Value::Bool(true));
            if let (Some(_), Some(now)) = (was, text(o, "/status")) {
                format!("The subscription{of} is now {}", status_words(now))
            } else if ending {
                match o.get("current_period_end").and_then(Value::as_i64) {
                    Some(end) => format!("The subscription{of} will end {}", day_words(end, ctx)),
                    None => format!("The subscription{of} will end"),
                }
            } else {
                format!("The subscription{of} changed")
            }
        }
        _ => return None,
    })
}

/// A line for an event this app has no sentence for, from its name and
/// what its object carries: `issuing_card.created` -> "Issuing card created".
fn unknown(kind: &str, o: &Value) -> String {
    let mut parts: Vec<&str> = kind.split('.').filter(|p| !p.is_empty()).collect();
    let verb = parts.pop().unwrap_or("happened");
    let noun = parts.join(" ").replace('_', " ");
    let verb = verb.replace('_', " ");
    let head = if noun.is_empty() {
        capitalise(&verb)
    } else {
        capitalise(&format!("{noun} {verb}"))
    };
    let detail = text(o, "/name")
        .or_else(|| text(o, "/nickname"))
        .map(str::to_string)
        .or_else(|| amount(o, "amount"));
    match detail {
        Some(d) => format!("{head}: {d}"),
        None => head,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Monday 2 March 2026, 10:00 UTC.
    const NOW: i64 = 1_772_445_600;
    const DAY: i64 = 86_400;

    fn say(kind: &str, object: Value) -> String {
        say_with(kind, object, None, &|_| None)
    }

    fn say_with(
        kind: &str,
        object: Value,
        previous: Option<Value>,
        names: &dyn Fn(&str) -> Option<String>,
    ) -> String {
        let mut data = json!({"object": object});
        if let Some(p) = previous {
            data["previous_attributes"] = p;
        }
        let event = json!({"id": "evt_1", "type": kind, "data": data});
        let zone = TimeZone::get("Europe/Paris").unwrap();
        let s = describe(
            &event,
            &Context {
                names,
                zone: &zone,
                now: NOW,
            },
        );
        assert_plain(&s);
        s
    }

    /// No developer words on a line.
    fn assert_plain(s: &str) {
        for bad in [
            "evt_", "ch_", "cus_", "pi_", "po_", "_", "object", "{", "null",
        ] {
            assert!(!s.contains(bad), "{bad:?} in {s:?}");
        }
    }

    #[test]
    fn the_issues_examples_read_as_written() {
        assert_eq!(
            say(
                "charge.succeeded",
                json!({"object": "charge", "amount": 1250, "currency": "eur",
                    "billing_details": {"name": "Jane Cooper", "email": "jane@example.com"}})
            ),
            "Jane Cooper paid 12.50 EUR"
        );
        assert_eq!(
            say(
                "charge.failed",
                json!({"object": "charge", "amount": 4000, "currency": "usd",
                    "billing_details": {"name": null, "email": null}, "receipt_email": "acme@example.com",
                    "failure_code": "card_declined", "failure_message": "Your card was declined.",
                    "outcome": {"reason": "generic_decline"}})
            ),
            "A 40.00 USD payment from acme@example.com failed: the card was declined"
        );
        // Arrives on Tuesday 3 March... is "tomorrow"; Thursday the 5th by name.
        assert_eq!(
            say(
                "payout.created",
                json!({"object": "payout", "amount": 123_400, "currency": "eur",
                    "status": "in_transit", "arrival_date": NOW + 3 * DAY})
            ),
            "Payout of 1,234.00 EUR is on its way, expected Thursday"
        );
        assert_eq!(
            say(
                "payout.created",
                json!({"object": "payout", "amount": 123_400, "currency": "eur",
                    "status": "pending", "arrival_date": NOW + DAY})
            ),
            "Payout of 1,234.00 EUR is on its way, expected tomorrow"
        );
        assert_eq!(
            say(
                "charge.dispute.created",
                json!({"object": "dispute", "amount": 5000, "currency": "usd",
                    "evidence_details": {"due_by": NOW + 10 * DAY}})
            ),
            "Dispute opened on a 50.00 USD charge: respond by 12 March"
        );
        assert_eq!(
            say(
                "customer.created",
                json!({"object": "customer", "name": "Jane Cooper"})
            ),
            "Customer Jane Cooper created"
        );
    }

    #[test]
    fn days_are_the_persons_days() {
        let names = |_: &str| None;
        let in_zone = |zone: &str, at: i64| {
            let zone = TimeZone::get(zone).unwrap();
            day_words(
                at,
                &Context {
                    names: &names,
                    zone: &zone,
                    now: NOW,
                },
            )
        };
        // 22:00 on Monday in UTC is 11:00 on Tuesday in Auckland, where it
        // is already 23:00 on Monday now.
        assert_eq!(in_zone("UTC", NOW + 12 * 3600), "today");
        assert_eq!(in_zone("Pacific/Auckland", NOW + 12 * 3600), "tomorrow");
        assert_eq!(in_zone("UTC", NOW - DAY), "yesterday");
        assert_eq!(in_zone("UTC", NOW + 400 * DAY), "6 April 2027");
    }

    #[test]
    fn decline_reasons_and_payout_failures_are_words() {
        let failed = |reason: &str| {
            say(
                "charge.failed",
                json!({"amount": 999, "currency": "gbp", "billing_details": {"name": "Olivia Smith"},
                "failure_code": "card_declined", "outcome": {"reason": reason}}),
            )
        };
        assert_eq!(
            failed("insufficient_funds"),
            "A 9.99 GBP payment from Olivia Smith failed: the card has insufficient funds"
        );
        assert!(failed("expired_card").ends_with("the card has expired"));
        // A code this app does not know: Stripe's message, made to fit.
        let odd = say(
            "charge.failed",
            json!({"amount": 500, "currency": "usd", "failure_code": "weird_new_code",
                "failure_message": "Your card does not support this type of purchase."}),
        );
        assert_eq!(
            odd,
            "A 5.00 USD payment failed: the card does not support this type of purchase"
        );
        assert_eq!(
            say(
                "payout.failed",
                json!({"amount": 1000, "currency": "usd", "failure_code": "account_closed"})
            ),
            "Payout of 10.00 USD failed: the bank account is closed"
        );
    }

    #[test]
    fn currencies_keep_their_decimals() {
        assert_eq!(
            say(
                "charge.succeeded",
                json!({"amount": 1500, "currency": "jpy", "billing_details": {"name": "Kenji Tanaka"}})
            ),
            "Kenji Tanaka paid 1,500 JPY"
        );
        assert_eq!(
            say(
                "charge.succeeded",
                json!({"amount": 12_340, "currency": "kwd", "billing_details": {"name": "Omar Haddad"}})
            ),
            "Omar Haddad paid 12.340 KWD"
        );
    }

    #[test]
    fn refunds_changes_subscriptions_and_products() {
        assert_eq!(
            say(
                "charge.refunded",
                json!({"amount": 4000, "amount_refunded": 1000, "currency": "usd",
                    "billing_details": {"name": "Jane Cooper"}})
            ),
            "10.00 USD of a 40.00 USD payment refunded to Jane Cooper"
        );
        assert_eq!(
            say_with(
                "customer.updated",
                json!({"name": "Jane Cooper", "email": "j@example.com"}),
                Some(json!({"email": "old@example.com", "metadata": {}})),
                &|_| None
            ),
            "Customer Jane Cooper changed: email, notes"
        );
        let names = |id: &str| match id {
            "cus_1" => Some("Jane Cooper".to_string()),
            "prod_1" => Some("House Espresso Blend".to_string()),
            _ => None,
        };
        let sub = json!({"customer": "cus_1", "status": "active", "items": {"data": [
            {"price": {"product": "prod_1", "unit_amount": 1200, "currency": "eur",
                "recurring": {"interval": "month", "interval_count": 1}}}]}});
        assert_eq!(
            say_with("customer.subscription.created", sub.clone(), None, &names),
            "Jane Cooper subscribed to House Espresso Blend (12.00 EUR a month)"
        );
        let mut late = sub.clone();
        late["status"] = json!("past_due");
        assert_eq!(
            say_with(
                "customer.subscription.updated",
                late,
                Some(json!({"status": "active"})),
                &names
            ),
            "The subscription of Jane Cooper is now past due"
        );
        assert_eq!(
            say_with("customer.subscription.deleted", sub, None, &|_| None),
            "The subscription ended"
        );
        assert_eq!(
            say_with(
                "price.created",
                json!({"product": "prod_1", "unit_amount": 3000, "currency": "usd",
                    "recurring": {"interval": "month", "interval_count": 3}}),
                None,
                &names
            ),
            "New price for House Espresso Blend: 30.00 USD every 3 months"
        );
        assert_eq!(
            say(
                "balance.available",
                json!({"object": "balance", "available": [
                    {"amount": 123_400, "currency": "eur"}, {"amount": 500, "currency": "usd"}]})
            ),
            "Available balance is now 1,234.00 EUR and 5.00 USD"
        );
        assert_eq!(
            say(
                "account.application.deauthorized",
                json!({"object": "application", "id": "ca_1", "name": "Acme Analytics"})
            ),
            "Acme Analytics was disconnected from this account"
        );
    }

    #[test]
    fn unknown_events_still_read_as_words() {
        assert_eq!(
            say(
                "issuing_card.created",
                json!({"object": "issuing.card", "id": "ic_1"})
            ),
            "Issuing card created"
        );
        assert_eq!(
            say(
                "topup.succeeded",
                json!({"object": "topup", "amount": 10_000, "currency": "usd"})
            ),
            "Topup succeeded: 100.00 USD"
        );
        assert_eq!(
            say("tax.settings.updated", json!({"object": "tax.settings"})),
            "Tax settings updated"
        );
        // A known type whose object lacks what its sentence needs falls back too.
        assert_eq!(
            say("charge.succeeded", json!({"object": "charge"})),
            "Charge succeeded"
        );
    }
}
