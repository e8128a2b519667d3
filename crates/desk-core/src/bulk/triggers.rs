//! Workflows that start by themselves when something happens in Stripe.
//!
//! A trigger is a kind of event heard by Activity (a customer added, a
//! payment succeeded or failed, a subscription started or cancelled, an
//! invoice paid...) and, optionally, conditions on the event's fields. The
//! kinds and their fields are described once, as data ([`kinds`]); the
//! fields are what `{{event.…}}` offers in a step, checked like every other
//! reference (`Workflow::check_started_by`).
//!
//! Each matching event runs the workflow once, for ever: the run's ID is
//! the event's and the workflow's, so its keys derive from the event and
//! the step, and the ledger keeps each decision. A workflow never starts
//! on an event its own write caused: the event's `request.idempotency_key`
//! names the run that wrote (`stripe-desk-<run>-<step>-<n>`), and a run of
//! this workflow, or a run started by an event that one of its runs caused,
//! does not start it again.
//!
//! The trigger's conditions are a small type of their own, with the
//! comparison words workflow conditions use (equals, contains, ends with,
//! greater than); the two could share one type once both have landed.

use super::wire::{EventField, TriggerComparison, TriggerCondition, TriggerKind, TriggerSpec};
use crate::money::{self, NumberFormat};
use crate::workflows::{Kind, Shape};
use serde_json::Value;

/// The most events a trigger runs without asking first.
pub const BACKLOG_WITHOUT_ASKING: u64 = 20;
/// Stripe keeps events 30 days: older ones never come.
pub const EVENTS_KEPT_SECS: i64 = 30 * 86_400;

fn field(path: &str, label: &str, kind: Kind) -> EventField {
    EventField {
        path: path.into(),
        label: label.into(),
        kind,
    }
}

fn customer_fields() -> Vec<EventField> {
    vec![
        field("id", "Customer", Kind::id("cus_")),
        field("name", "Name", Kind::Text),
        field("email", "Email", Kind::Email),
        field("phone", "Phone", Kind::Text),
        field("description", "Description", Kind::Text),
        field("address.city", "City", Kind::Text),
        field("address.country", "Country", Kind::Text),
    ]
}

fn payment_fields() -> Vec<EventField> {
    vec![
        field("id", "Payment", Kind::id("ch_")),
        field("amount", "Amount", Kind::Amount),
        field("currency", "Currency", Kind::Currency),
        field("customer", "Customer", Kind::id("cus_")),
        field("receipt_email", "Receipt email", Kind::Email),
        field("billing_details.name", "Name on the card", Kind::Text),
        field("billing_details.email", "Payer's email", Kind::Email),
        field("description", "Description", Kind::Text),
    ]
}

fn subscription_fields() -> Vec<EventField> {
    vec![
        field("id", "Subscription", Kind::id("sub_")),
        field("customer", "Customer", Kind::id("cus_")),
        field("status", "Status", Kind::Text),
    ]
}

fn invoice_fields(amount: &str) -> Vec<EventField> {
    vec![
        field("id", "Invoice", Kind::id("in_")),
        field("number", "Invoice number", Kind::Text),
        field("customer", "Customer", Kind::id("cus_")),
        field("customer_email", "Customer's email", Kind::Email),
        field(amount, "Amount", Kind::Amount),
        field("currency", "Currency", Kind::Currency),
    ]
}

/// The kinds of event a workflow can start on.
pub fn kinds() -> Vec<TriggerKind> {
    let kind = |t: &str, words: &str, fields: Vec<EventField>| TriggerKind {
        event_type: t.into(),
        words: words.into(),
        fields,
    };
    let mut failed = payment_fields();
    failed.push(field("failure_message", "Why it failed", Kind::Text));
    vec![
        kind("customer.created", "A customer is added", customer_fields()),
        kind(
            "customer.updated",
            "A customer's details change",
            customer_fields(),
        ),
        kind("charge.succeeded", "A payment succeeds", payment_fields()),
        kind("charge.failed", "A payment fails", failed),
        kind(
            "charge.refunded",
            "A payment is refunded",
            vec![
                field("id", "Payment", Kind::id("ch_")),
                field("amount_refunded", "Amount refunded", Kind::Amount),
                field("currency", "Currency", Kind::Currency),
                field("customer", "Customer", Kind::id("cus_")),
            ],
        ),
        kind(
            "customer.subscription.created",
            "A subscription starts",
            subscription_fields(),
        ),
        kind(
            "customer.subscription.deleted",
            "A subscription is cancelled",
            subscription_fields(),
        ),
        kind(
            "invoice.paid",
            "An invoice is paid",
            invoice_fields("amount_paid"),
        ),
        kind(
            "invoice.payment_failed",
            "An invoice's payment fails",
            invoice_fields("amount_due"),
        ),
        kind(
            "product.created",
            "A product is added",
            vec![
                field("id", "Product", Kind::id("prod_")),
                field("name", "Name", Kind::Text),
                field("description", "Description", Kind::Text),
            ],
        ),
        kind(
            "payout.paid",
            "A payout reaches the bank",
            vec![
                field("id", "Payout", Kind::id("po_")),
                field("amount", "Amount", Kind::Amount),
                field("currency", "Currency", Kind::Currency),
            ],
        ),
    ]
}

pub fn kind(event_type: &str) -> Option<TriggerKind> {
    kinds().into_iter().find(|k| k.event_type == event_type)
}

/// Puts `shape` at a dotted path inside an object shape.
fn insert(fields: &mut Vec<(String, Shape)>, path: &[&str], shape: Shape) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        fields.push(((*first).to_owned(), shape));
        return;
    }
    let at = match fields.iter().position(|(k, _)| k == first) {
        Some(i) => i,
        None => {
            fields.push(((*first).to_owned(), Shape::Object { fields: Vec::new() }));
            fields.len() - 1
        }
    };
    if let Shape::Object { fields: inner } = &mut fields[at].1 {
        insert(inner, rest, shape);
    }
}

/// What `{{event.…}}` may reach in this kind of event: its fields, and any
/// metadata key.
pub fn shape(kind: &TriggerKind) -> Shape {
    let mut fields = Vec::new();
    for f in &kind.fields {
        let parts: Vec<&str> = f.path.split('.').collect();
        insert(&mut fields, &parts, Shape::value(f.kind.clone()));
    }
    fields.push(("metadata".into(), Shape::Open));
    Shape::Object { fields }
}

/// The value at a dotted path of the event's object.
fn at<'v>(object: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(object, |v, seg| match v {
        Value::Object(m) => m.get(seg),
        Value::Array(a) => a.get(seg.parse::<usize>().ok()?),
        _ => None,
    })
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_lowercase(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The kind of a condition's field in this kind of event.
fn field_kind(kind: &TriggerKind, path: &str) -> Option<Kind> {
    if path
        .strip_prefix("metadata.")
        .is_some_and(|k| !k.is_empty())
    {
        return Some(Kind::Text);
    }
    kind.fields
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.kind.clone())
}

/// What is wrong with a trigger as set, each in words.
pub fn check_spec(spec: &TriggerSpec) -> Vec<String> {
    let Some(kind) = kind(&spec.event_type) else {
        return vec![format!(
            "Stripe Desk cannot start a workflow on “{}”: pick one of the kinds of event offered.",
            spec.event_type
        )];
    };
    let mut problems = Vec::new();
    for c in &spec.conditions {
        let Some(field_kind) = field_kind(&kind, &c.field) else {
            problems.push(format!(
                "{} has no field “{}”.",
                kind.words,
                c.field.replace(['_', '.'], " ")
            ));
            continue;
        };
        let label = label_of(&kind, &c.field);
        if c.value.trim().is_empty() {
            problems.push(format!("{label}: enter the value to compare with."));
            continue;
        }
        match (c.comparison, &field_kind) {
            (TriggerComparison::GreaterThan, Kind::Amount) | (_, Kind::Amount) => {
                if let Err(e) = money::parse_amount(&c.value, "usd", spec.number_format) {
                    problems.push(format!(
                        "{label}: “{}” is not an amount. {}",
                        c.value,
                        e.message("usd")
                    ));
                }
            }
            (TriggerComparison::GreaterThan, Kind::Integer)
                if c.value.trim().parse::<i64>().is_err() =>
            {
                problems.push(format!("{label}: “{}” is not a whole number.", c.value));
            }
            (TriggerComparison::GreaterThan, Kind::Integer) => {}
            (TriggerComparison::GreaterThan, _) => problems.push(format!(
                "{label} is not a number or an amount: use equals, contains or ends with."
            )),
            _ => {}
        }
    }
    problems
}

fn label_of(kind: &TriggerKind, path: &str) -> String {
    match path.strip_prefix("metadata.") {
        Some(key) => format!("Metadata “{key}”"),
        None => kind
            .fields
            .iter()
            .find(|f| f.path == path)
            .map_or_else(|| path.to_owned(), |f| f.label.clone()),
    }
}

/// Whether the event's object meets every condition. Amounts are compared
/// in the event's currency, in integer minor units.
pub fn meets(
    kind: &TriggerKind,
    conditions: &[TriggerCondition],
    format: NumberFormat,
    object: &Value,
) -> bool {
    conditions.iter().all(|c| {
        let Some(have) = at(object, &c.field).filter(|v| !v.is_null()) else {
            return false;
        };
        let field_kind = field_kind(kind, &c.field).unwrap_or(Kind::Text);
        if field_kind == Kind::Amount {
            let currency = object
                .get("currency")
                .and_then(Value::as_str)
                .unwrap_or("usd");
            let (Some(have), Ok(want)) = (
                have.as_i64(),
                money::parse_amount(&c.value, currency, format),
            ) else {
                return false;
            };
            return match c.comparison {
                TriggerComparison::Equals => have == want.minor,
                TriggerComparison::GreaterThan => have > want.minor,
                TriggerComparison::Contains | TriggerComparison::EndsWith => {
                    let shown = money::to_decimal(have, currency).to_string();
                    let want = c.value.trim().to_lowercase();
                    match c.comparison {
                        TriggerComparison::Contains => shown.contains(&want),
                        _ => shown.ends_with(&want),
                    }
                }
            };
        }
        let have = text(have);
        let want = c.value.trim().to_lowercase();
        match c.comparison {
            TriggerComparison::Equals => have == want,
            TriggerComparison::Contains => have.contains(&want),
            TriggerComparison::EndsWith => have.ends_with(&want),
            TriggerComparison::GreaterThan => match (have.parse::<i64>(), want.parse::<i64>()) {
                (Ok(a), Ok(b)) => a > b,
                _ => false,
            },
        }
    })
}

/// "When a customer is added and Email ends with @example.com".
pub fn sentence(spec: &TriggerSpec) -> String {
    let Some(kind) = kind(&spec.event_type) else {
        return format!("When {} happens", spec.event_type);
    };
    let mut out = format!("When {}", lower_first(&kind.words));
    for (i, c) in spec.conditions.iter().enumerate() {
        let how = match c.comparison {
            TriggerComparison::Equals => "is",
            TriggerComparison::Contains => "contains",
            TriggerComparison::EndsWith => "ends with",
            TriggerComparison::GreaterThan => "is more than",
        };
        out.push_str(if i == 0 { " and " } else { ", and " });
        out.push_str(&format!(
            "{} {how} {}",
            label_of(&kind, &c.field),
            c.value.trim()
        ));
    }
    out
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The run an event's write came from, by the key it was sent with
/// (`stripe-desk-<run>-<step>-<n>`): `None` for writes not made by a workflow.
pub fn writing_run(event: &Value) -> Option<String> {
    let key = event.pointer("/request/idempotency_key")?.as_str()?;
    let rest = key.strip_prefix("stripe-desk-")?;
    let mut parts = rest.rsplitn(3, '-');
    let generation = parts.next()?;
    let step = parts.next()?;
    let run = parts.next()?;
    let ok = generation.chars().all(|c| c.is_ascii_digit())
        && !step.is_empty()
        && !run.is_empty()
        && run.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then(|| run.to_owned())
}

/// The run ID of the workflow's run for an event: from both IDs, so its
/// keys derive from the event and the step.
pub fn run_id_for(event_id: &str, workflow_id: &str) -> Option<String> {
    let safe = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (safe(event_id) && safe(workflow_id)).then(|| format!("{event_id}_{workflow_id}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cond(field: &str, comparison: TriggerComparison, value: &str) -> TriggerCondition {
        TriggerCondition {
            field: field.into(),
            comparison,
            value: value.into(),
        }
    }

    #[test]
    fn conditions_compare_text_and_amounts_in_the_persons_convention() {
        let payment = kind("charge.succeeded").unwrap();
        let object = json!({"amount": 12550, "currency": "eur", "receipt_email": "Jo@Example.com"});
        let comma = NumberFormat::COMMA;
        assert!(meets(
            &payment,
            &[cond("amount", TriggerComparison::GreaterThan, "100,00")],
            comma,
            &object
        ));
        assert!(!meets(
            &payment,
            &[cond("amount", TriggerComparison::GreaterThan, "125,50")],
            comma,
            &object
        ));
        assert!(meets(
            &payment,
            &[cond("amount", TriggerComparison::Equals, "125,50")],
            comma,
            &object
        ));
        assert!(meets(
            &payment,
            &[cond(
                "receipt_email",
                TriggerComparison::EndsWith,
                "@example.com"
            )],
            comma,
            &object
        ));
        assert!(meets(
            &payment,
            &[cond("receipt_email", TriggerComparison::Contains, "jo@")],
            comma,
            &object
        ));
        assert!(!meets(
            &payment,
            &[cond(
                "receipt_email",
                TriggerComparison::Equals,
                "ann@example.com"
            )],
            comma,
            &object
        ));
        // A field the event lacks never meets a condition.
        assert!(!meets(
            &payment,
            &[cond("customer", TriggerComparison::Equals, "cus_1")],
            comma,
            &object
        ));
        let yen = json!({"amount": 1500, "currency": "jpy"});
        assert!(meets(
            &payment,
            &[cond("amount", TriggerComparison::GreaterThan, "1.000")],
            NumberFormat::COMMA,
            &yen
        ));
    }

    #[test]
    fn a_spec_is_checked_in_words() {
        let spec = |conditions| TriggerSpec {
            event_type: "customer.created".into(),
            conditions,
            inputs: Default::default(),
            number_format: NumberFormat::POINT,
        };
        assert!(check_spec(&spec(vec![cond(
            "email",
            TriggerComparison::EndsWith,
            "@x.com"
        )]))
        .is_empty());
        assert!(check_spec(&spec(vec![cond(
            "metadata.plan",
            TriggerComparison::Equals,
            "gold"
        )]))
        .is_empty());
        let bad = check_spec(&spec(vec![
            cond("emial", TriggerComparison::Equals, "x"),
            cond("name", TriggerComparison::GreaterThan, "5"),
            cond("email", TriggerComparison::Equals, " "),
        ]));
        assert_eq!(bad.len(), 3, "{bad:?}");
        assert!(bad[1].contains("is not a number or an amount"), "{bad:?}");
        let mut other = spec(Vec::new());
        other.event_type = "issuing_card.created".into();
        assert_eq!(check_spec(&other).len(), 1);
    }

    #[test]
    fn the_writing_run_is_read_from_the_key() {
        let e = |key: &str| json!({"request": {"id": "req_1", "idempotency_key": key}});
        assert_eq!(
            writing_run(&e("stripe-desk-evt_1_wf_2-create_customer-0")).as_deref(),
            Some("evt_1_wf_2")
        );
        assert_eq!(
            writing_run(&e("stripe-desk-bulk_ab12_7-create_customer-3")).as_deref(),
            Some("bulk_ab12_7")
        );
        assert_eq!(writing_run(&e("9f3a-uuid-key")), None);
        assert_eq!(
            writing_run(&json!({"request": {"idempotency_key": null}})),
            None
        );
    }

    #[test]
    fn sentences_say_the_kind_and_conditions() {
        let spec = TriggerSpec {
            event_type: "customer.created".into(),
            conditions: vec![cond("email", TriggerComparison::EndsWith, "@example.com")],
            inputs: Default::default(),
            number_format: NumberFormat::POINT,
        };
        assert_eq!(
            sentence(&spec),
            "When a customer is added and Email ends with @example.com"
        );
    }
}
