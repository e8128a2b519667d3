//! What each kind of Stripe event means to Stripe Desk, described once as
//! data: the feed's kind, the notification it may give, and what it changes
//! in the app. The sentences are in `sentences.rs`; types not listed here
//! still get a kind from their prefix and a sentence from their name.

use super::wire::{ActivityKind, InAppLink, NotificationKind};
use crate::actions::run::DASHBOARD;
use crate::views::Mode;
use serde_json::Value;

/// What hearing an event changes in the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Money moved: bring the account's Balances copy up to date.
    SyncBalances,
    /// An application lost access to the account: maybe this connection.
    Deauthorized,
}

pub(crate) struct EventType {
    pub name: &'static str,
    pub kind: ActivityKind,
    pub notify: Option<NotificationKind>,
    pub effect: Option<Effect>,
}

const fn t(
    name: &'static str,
    kind: ActivityKind,
    notify: Option<NotificationKind>,
    effect: Option<Effect>,
) -> EventType {
    EventType {
        name,
        kind,
        notify,
        effect,
    }
}

use ActivityKind as K;
use NotificationKind as N;

/// The events whose kind differs from their prefix's, or that notify or
/// change something. Everything else falls back to [`kind_by_prefix`].
pub(crate) const CATALOG: &[EventType] = &[
    t(
        "charge.succeeded",
        K::Payments,
        Some(N::SuccessfulPayments),
        None,
    ),
    t("charge.failed", K::Payments, Some(N::FailedPayments), None),
    t(
        "charge.refunded",
        K::Refunds,
        None,
        Some(Effect::SyncBalances),
    ),
    t(
        "charge.dispute.created",
        K::Disputes,
        Some(N::Disputes),
        None,
    ),
    t(
        "payout.paid",
        K::Payouts,
        Some(N::Payouts),
        Some(Effect::SyncBalances),
    ),
    t(
        "payout.failed",
        K::Payouts,
        Some(N::Payouts),
        Some(Effect::SyncBalances),
    ),
    t(
        "balance.available",
        K::Payouts,
        None,
        Some(Effect::SyncBalances),
    ),
    t(
        "account.application.deauthorized",
        K::Account,
        Some(N::Disconnections),
        Some(Effect::Deauthorized),
    ),
];

pub(crate) fn lookup(event_type: &str) -> Option<&'static EventType> {
    CATALOG.iter().find(|e| e.name == event_type)
}

/// The feed's kind of an event type.
pub(crate) fn kind_of(event_type: &str) -> ActivityKind {
    lookup(event_type).map_or_else(|| kind_by_prefix(event_type), |e| e.kind)
}

fn kind_by_prefix(event_type: &str) -> ActivityKind {
    const PREFIXES: &[(&str, ActivityKind)] = &[
        ("charge.dispute.", K::Disputes),
        ("radar.early_fraud_warning.", K::Disputes),
        ("charge.refund.", K::Refunds),
        ("refund.", K::Refunds),
        ("charge.", K::Payments),
        ("payment_intent.", K::Payments),
        ("checkout.session.", K::Payments),
        ("invoice.", K::Payments),
        ("customer.subscription.", K::Subscriptions),
        ("subscription_schedule.", K::Subscriptions),
        ("customer.", K::Customers),
        ("product.", K::Products),
        ("price.", K::Products),
        ("plan.", K::Products),
        ("payout.", K::Payouts),
        ("balance.", K::Payouts),
        ("account.", K::Account),
    ];
    PREFIXES
        .iter()
        .find(|(p, _)| event_type.starts_with(p))
        .map_or(K::Other, |(_, k)| *k)
}

/// Events a notification or a change in the app may need the whole of.
pub(crate) fn matters(event_type: &str) -> bool {
    lookup(event_type).is_some_and(|e| e.notify.is_some() || e.effect.is_some())
}

/// Secrets are never stored: a PaymentIntent's or a session's
/// `client_secret` lets anyone holding it confirm the payment.
pub(crate) fn remove_secrets(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|k, _| k != "client_secret" && k != "secret");
            for child in map.values_mut() {
                remove_secrets(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(remove_secrets),
        _ => {}
    }
}

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// A customer's or product's (ID, name) an event carries, to name it in
/// later events that carry only its ID.
pub(crate) fn name_of(event: &Value) -> Option<(String, String)> {
    let object = event.pointer("/data/object")?;
    let id = text(object, "/id")?;
    match text(object, "/object")? {
        "customer" => {
            let name = text(object, "/name").or_else(|| text(object, "/email"))?;
            Some((id.to_string(), name.to_string()))
        }
        "product" => Some((id.to_string(), text(object, "/name")?.to_string())),
        _ => None,
    }
}

/// Where the search looks: the IDs, names and emails an event carries (and
/// the names of the customers it names only by ID), lowercase.
pub(crate) fn search_text(event: &Value, names: &mut dyn FnMut(&str) -> Option<String>) -> String {
    const FIELDS: &[&str] = &[
        "/id",
        "/name",
        "/email",
        "/receipt_email",
        "/billing_details/name",
        "/billing_details/email",
        "/customer_name",
        "/customer_email",
        "/customer_details/name",
        "/customer_details/email",
        "/customer",
        "/charge",
        "/payment_intent",
        "/latest_charge",
        "/balance_transaction",
        "/product",
        "/description",
    ];
    let mut words = vec![text(event, "/id").unwrap_or_default().to_string()];
    if let Some(object) = event.pointer("/data/object") {
        for f in FIELDS {
            if let Some(s) = text(object, f) {
                words.push(s.to_string());
            }
        }
        if let Some(customer) = text(object, "/customer") {
            words.extend(names(customer));
        }
    }
    words.join(" ").to_lowercase()
}

/// The Dashboard page of what the event is about (or of the event).
pub(crate) fn dashboard_url(event: &Value, mode: Mode, acting_for: Option<&str>) -> String {
    let account = acting_for.map(|a| format!("{a}/")).unwrap_or_default();
    let test = match mode {
        Mode::Test => "test/",
        Mode::Live => "",
    };
    let event_page = || format!("events/{}", text(event, "/id").unwrap_or_default());
    let object = event.pointer("/data/object").unwrap_or(&Value::Null);
    let id = text(object, "/id").unwrap_or_default();
    let deleted = object.get("deleted").and_then(Value::as_bool) == Some(true)
        || text(event, "/type").is_some_and(|t| t.ends_with(".deleted"));
    let page = match (text(object, "/object").unwrap_or_default(), deleted) {
        (_, true) => event_page(),
        ("charge" | "refund", _) => match text(object, "/payment_intent") {
            Some(pi) => format!("payments/{pi}"),
            None => match text(object, "/charge") {
                Some(ch) => format!("payments/{ch}"),
                None => format!("payments/{id}"),
            },
        },
        ("payment_intent", _) => format!("payments/{id}"),
        ("dispute", _) => format!("disputes/{id}"),
        ("payout", _) => format!("payouts/{id}"),
        ("customer", _) => format!("customers/{id}"),
        ("subscription", _) => format!("subscriptions/{id}"),
        ("invoice", _) => format!("invoices/{id}"),
        ("product", _) => format!("products/{id}"),
        ("price", _) => format!("prices/{id}"),
        ("plan", _) => format!("plans/{id}"),
        ("balance", _) => "balance/overview".to_string(),
        _ => event_page(),
    };
    format!("{DASHBOARD}{account}{test}{page}")
}

/// Where the app itself shows what the event is about.
pub(crate) fn in_app_link(event: &Value) -> Option<InAppLink> {
    let object = event.pointer("/data/object")?;
    if object.get("deleted").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let deleted = text(event, "/type").is_some_and(|t| t.ends_with(".deleted"));
    match text(object, "/object")? {
        "customer" if !deleted => Some(InAppLink::Customer {
            customer_id: text(object, "/id")?.to_string(),
        }),
        "payout" => Some(InAppLink::Payout {
            payout_id: text(object, "/id")?.to_string(),
        }),
        "charge" | "refund" => Some(InAppLink::BalanceTransaction {
            transaction_id: text(object, "/balance_transaction")?.to_string(),
            source_id: text(object, "/id")?.to_string(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_come_from_the_table_then_the_prefix() {
        assert_eq!(kind_of("charge.refunded"), K::Refunds);
        assert_eq!(kind_of("charge.dispute.closed"), K::Disputes);
        assert_eq!(kind_of("charge.captured"), K::Payments);
        assert_eq!(kind_of("customer.subscription.updated"), K::Subscriptions);
        assert_eq!(kind_of("customer.updated"), K::Customers);
        assert_eq!(kind_of("price.created"), K::Products);
        assert_eq!(kind_of("balance.available"), K::Payouts);
        assert_eq!(kind_of("issuing_card.created"), K::Other);
    }

    #[test]
    fn client_secrets_are_removed_at_any_depth() {
        let mut e = json!({"data": {"object": {"id": "pi_1", "client_secret": "pi_1_secret_x",
            "next_action": {"items": [{"secret": "s", "keep": 1}]}}}});
        remove_secrets(&mut e);
        let text = e.to_string();
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("keep"));
    }

    #[test]
    fn links_go_to_the_app_where_a_screen_shows_it_else_the_dashboard() {
        let charge = json!({"id": "evt_1", "type": "charge.succeeded", "data": {"object": {
            "id": "ch_1", "object": "charge", "payment_intent": "pi_1", "balance_transaction": "txn_1"}}});
        assert_eq!(
            in_app_link(&charge),
            Some(InAppLink::BalanceTransaction {
                transaction_id: "txn_1".into(),
                source_id: "ch_1".into()
            })
        );
        assert_eq!(
            dashboard_url(&charge, Mode::Test, None),
            "https://dashboard.stripe.com/test/payments/pi_1"
        );
        assert_eq!(
            dashboard_url(&charge, Mode::Live, Some("acct_9")),
            "https://dashboard.stripe.com/acct_9/payments/pi_1"
        );
        let customer = json!({"id": "evt_2", "type": "customer.created", "data": {"object": {"id": "cus_1", "object": "customer"}}});
        assert_eq!(
            in_app_link(&customer),
            Some(InAppLink::Customer {
                customer_id: "cus_1".into()
            })
        );
        let gone = json!({"id": "evt_3", "type": "customer.deleted", "data": {"object": {"id": "cus_1", "object": "customer"}}});
        assert_eq!(in_app_link(&gone), None);
        assert_eq!(
            dashboard_url(&gone, Mode::Test, None),
            "https://dashboard.stripe.com/test/events/evt_3"
        );
        let odd = json!({"id": "evt_4", "type": "issuing_card.created", "data": {"object": {"id": "ic_1", "object": "issuing.card"}}});
        assert_eq!(
            dashboard_url(&odd, Mode::Live, None),
            "https://dashboard.stripe.com/events/evt_4"
        );
        assert!(crate::actions::run::is_dashboard_url(&dashboard_url(
            &odd,
            Mode::Live,
            None
        )));
    }

    #[test]
    fn the_search_text_holds_names_emails_and_ids() {
        let e = json!({"id": "evt_A1", "data": {"object": {"id": "ch_B2", "object": "charge",
            "billing_details": {"name": "Jane Cooper", "email": "Jane@Example.com"}, "customer": "cus_C3"}}});
        let s = search_text(&e, &mut |id| {
            (id == "cus_C3").then(|| "Jane C.".to_string())
        });
        for want in [
            "evt_a1",
            "ch_b2",
            "jane cooper",
            "jane@example.com",
            "cus_c3",
            "jane c.",
        ] {
            assert!(s.contains(want), "{want} in {s}");
        }
    }
}
