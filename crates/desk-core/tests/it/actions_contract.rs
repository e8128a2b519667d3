//! Contract: every request an action's form can produce is one Stripe's
//! OpenAPI description (the copy this repository carries) accepts, and every
//! response field a summary or a workflow reads exists in its answer.

use desk_core::actions::form::{AddressValue, KeyValueRow, SubscriptionItemRow};
use desk_core::actions::{self, Action, Display, FieldKind, FieldValue, FilledForm, HttpMethod};
use std::collections::BTreeMap;
use stripe_sim::{Spec, SpecSource};

fn spec() -> std::sync::Arc<Spec> {
    Spec::load(&SpecSource::Bundled).unwrap()
}

fn method(m: HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Delete => "DELETE",
    }
}

/// A valid value for any field of this kind.
fn sample(kind: &FieldKind) -> FieldValue {
    let text = |s: &str| FieldValue::Text(s.into());
    match kind {
        FieldKind::Text { .. } => text("Sample"),
        FieldKind::StatementDescriptor => text("SAMPLE TEA"),
        FieldKind::Email => text("zoe@example.com"),
        FieldKind::Phone => text("+44 20 7946 0958"),
        FieldKind::Url => text("https://example.com/tea"),
        FieldKind::UrlList { max } => FieldValue::List(
            (0..*max)
                .map(|i| format!("https://example.com/{i}.png"))
                .collect(),
        ),
        FieldKind::TextList { .. } => FieldValue::List(vec!["en".into(), "fr-CA".into()]),
        FieldKind::Amount { .. } => text("12.50"),
        FieldKind::Currency => text("eur"),
        FieldKind::Id { prefix, .. } => text(&format!("{prefix}1Abc")),
        FieldKind::Choice { options } => text(&options.last().unwrap().value),
        FieldKind::YesNo => FieldValue::Yes(true),
        FieldKind::Integer { min, .. } => text(&min.to_string()),
        FieldKind::Date => text("2026-01-31"),
        FieldKind::Address => FieldValue::Address(AddressValue {
            line1: "1 Tea Street".into(),
            line2: "Flat 2".into(),
            city: "Leeds".into(),
            postal_code: "LS1 1AA".into(),
            state: "West Yorkshire".into(),
            country: "GB".into(),
        }),
        FieldKind::Metadata | FieldKind::KeyValueRows => FieldValue::Rows(vec![KeyValueRow {
            key: "order".into(),
            value: "42".into(),
        }]),
        FieldKind::SubscriptionItems => FieldValue::Items(vec![
            SubscriptionItemRow {
                price: "price_1".into(),
                quantity: "2".into(),
            },
            SubscriptionItemRow {
                price: "price_2".into(),
                quantity: String::new(),
            },
        ]),
    }
}

/// Fields that exclude each other: a form fills one of each group at a time.
const EXCLUSIVE: &[&[&str]] = &[
    &["starting_after", "ending_before"],
    &["search", "email"],
    &["search", "created_from"],
    &["search", "created_before"],
    &["search", "starting_after"],
    &["search", "ending_before"],
    &["page", "email"],
    &["page", "created_from"],
    &["page", "created_before"],
    &["page", "starting_after"],
    &["page", "ending_before"],
];

/// Forms with every optional field filled, as many as the exclusive groups
/// need, plus one with only the required fields.
fn forms(action: &Action) -> Vec<FilledForm> {
    let full: BTreeMap<String, FieldValue> = action
        .fields
        .iter()
        .map(|f| (f.id.clone(), sample(&f.kind)))
        .collect();
    // Drop one member of each clashing pair, then the other.
    let mut variants = Vec::new();
    for drop_first in [true, false] {
        let mut v = full.clone();
        for group in EXCLUSIVE {
            let (drop, keep) = if drop_first {
                (group[0], group[1])
            } else {
                (group[1], group[0])
            };
            if v.contains_key(keep) {
                v.remove(drop);
            }
        }
        if !variants.contains(&v) {
            variants.push(v);
        }
    }
    let mut out: Vec<FilledForm> = variants
        .into_iter()
        .map(|values| {
            let mut form = FilledForm {
                values,
                ..FilledForm::default()
            };
            // Days to pay go with invoices.
            if action.id == "create_subscription" {
                form = form.text("collection_method", "send_invoice");
            }
            form
        })
        .collect();
    let required: BTreeMap<String, FieldValue> = action
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| (f.id.clone(), sample(&f.kind)))
        .collect();
    out.push(FilledForm {
        values: required,
        ..FilledForm::default()
    });
    out
}

/// What the simulator decodes from the wire, checked against the spec.
fn check_request(spec: &Spec, action: &Action, form: &FilledForm) -> Result<(), String> {
    let built = actions::build(action, form).map_err(|e| format!("{e:?}"))?;
    let m = method(built.method);
    let op = spec
        .find(m, &built.path)
        .ok_or_else(|| format!("{m} {} is not in the spec", built.path))?;
    let decoded = stripe_sim::form::decode(&built.params.encode());
    op.validate(m, &decoded)
        .map_err(|v| format!("{m} {}: {} ({})", built.path, v.message, v.param))
}

#[test]
fn every_form_makes_requests_stripe_accepts() {
    let spec = spec();
    let mut checked = 0;
    for action in actions::all().iter().filter(|a| a.id != "any_endpoint") {
        for form in forms(action) {
            if let Err(e) = check_request(&spec, action, &form) {
                panic!("{}: {e}\nform: {form:?}", action.id);
            }
            checked += 1;
        }
    }
    // At least: all optional fields, and only the required ones.
    assert!(checked >= 11 * 2, "{checked}");
}

#[test]
fn update_customer_clearing_every_field_is_accepted() {
    let spec = spec();
    let action = actions::find("update_customer").unwrap();
    let original: BTreeMap<String, FieldValue> = action
        .fields
        .iter()
        .map(|f| (f.id.clone(), sample(&f.kind)))
        .collect();
    let mut values: BTreeMap<String, FieldValue> =
        [("customer".to_owned(), FieldValue::Text("cus_1".into()))].into();
    let form = FilledForm {
        values: values.clone(),
        original: Some(original.clone()),
        ..FilledForm::default()
    };
    // Stripe cannot empty the languages list; the form says so at the field.
    let errors = actions::build(action, &form).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "preferred_locales");
    values.insert(
        "preferred_locales".into(),
        original["preferred_locales"].clone(),
    );
    let form = FilledForm {
        values,
        original: Some(original),
        ..FilledForm::default()
    };
    let built = actions::build(action, &form).unwrap();
    // metadata="" removes every key, as Stripe documents.
    assert_eq!(
        built.params.encode(),
        "name=&email=&phone=&description=&address=&metadata="
    );
    check_request(&spec, action, &form).unwrap();
}

#[test]
fn any_endpoint_requests_are_checked_too() {
    let spec = spec();
    let action = actions::find("any_endpoint").unwrap();
    let rows = |pairs: &[(&str, &str)]| {
        FieldValue::Rows(
            pairs
                .iter()
                .map(|(k, v)| KeyValueRow {
                    key: (*k).into(),
                    value: (*v).into(),
                })
                .collect(),
        )
    };
    let good = FilledForm::new()
        .text("method", "POST")
        .text("path", "/v1/subscriptions")
        .value(
            "params",
            rows(&[
                ("customer", "cus_1"),
                ("items[0][price]", "price_1"),
                ("expand[]", "customer"),
            ]),
        );
    check_request(&spec, action, &good).unwrap();
    let wrong = FilledForm::new()
        .text("method", "GET")
        .text("path", "/v1/customers")
        .value("params", rows(&[("emial", "a@b.com")]));
    assert!(check_request(&spec, action, &wrong)
        .unwrap_err()
        .contains("emial"));
}

/// Every path a summary or workflow output reads, for this action's answer.
fn response_paths(action: &Action) -> Vec<String> {
    let mut paths: Vec<String> = action
        .result
        .summary
        .iter()
        .map(|f| f.path.clone())
        .collect();
    paths.extend(
        action
            .result
            .summary
            .iter()
            .filter_map(|f| match &f.display {
                Display::Money { currency } => Some(currency.clone()),
                _ => None,
            }),
    );
    paths.extend(action.result.outputs.iter().cloned());
    if action.result.list {
        paths = paths.into_iter().map(|p| format!("data.{p}")).collect();
        paths.push("has_more".into());
    }
    paths
}

fn missing_in_response(spec: &Spec, action: &Action, path: &str) -> Vec<String> {
    let m = method(action.method);
    let concrete = action.path.replace("{id}", "x_1");
    let op = spec.find(m, &concrete).expect("in the spec");
    response_paths(action)
        .into_iter()
        .filter(|p| !spec.response_has(op, p))
        .map(|p| format!("{} {path}: {p}", action.id))
        .collect()
}

#[test]
fn every_field_a_summary_reads_is_in_stripes_answer() {
    let spec = spec();
    let mut missing = Vec::new();
    for action in actions::all().iter().filter(|a| a.id != "any_endpoint") {
        missing.extend(missing_in_response(&spec, action, &action.path));
    }
    // Search answers have the same shape as lists.
    let search = spec.find("GET", "/v1/customers/search").unwrap();
    let list = actions::find("list_customers").unwrap();
    for p in response_paths(list) {
        if !spec.response_has(search, &p) {
            missing.push(format!("search: {p}"));
        }
    }
    // Related lists (a product's prices): the request and the fields read.
    for action in actions::all() {
        let Some(related) = &action.result.related else {
            continue;
        };
        let op = spec.find("GET", &related.path).expect("in the spec");
        let query = stripe_sim::form::decode(&format!("{}=x_1&limit=100", related.filter));
        op.validate("GET", &query).unwrap();
        for f in &related.summary {
            let mut paths = vec![format!("data.{}", f.path)];
            if let Display::Money { currency } = &f.display {
                paths.push(format!("data.{currency}"));
            }
            missing.extend(
                paths
                    .into_iter()
                    .filter(|p| !spec.response_has(op, p))
                    .map(|p| format!("{} related: {p}", action.id)),
            );
        }
    }
    assert!(missing.is_empty(), "not in Stripe's answers: {missing:#?}");
    assert!(spec.response_has(search, "next_page"));
}

/// The checks above are not vacuous: a renamed parameter or response field fails them.
#[test]
fn a_renamed_field_fails_the_contract() {
    let spec = spec();
    let mut action = actions::find("create_customer").unwrap().clone();
    let email = action.fields.iter_mut().find(|f| f.id == "email").unwrap();
    email.param = "e_mail".into();
    let form = FilledForm::new().text("email", "zoe@example.com");
    assert!(check_request(&spec, &action, &form)
        .unwrap_err()
        .contains("e_mail"));

    let mut action = actions::find("list_customers").unwrap().clone();
    action.result.summary[1].path = "emial".into();
    let missing = missing_in_response(&spec, &action, &action.path.clone());
    assert_eq!(missing, ["list_customers /v1/customers: data.emial"]);

    let mut action = actions::find("create_product").unwrap().clone();
    let amount = action
        .fields
        .iter_mut()
        .find(|f| f.id == "price_amount")
        .unwrap();
    amount.param = "default_price_data[amount]".into();
    let form = FilledForm::new()
        .text("name", "Tea")
        .text("price_amount", "1")
        .text("price_currency", "eur");
    let err = check_request(&spec, &action, &form).unwrap_err();
    assert!(err.contains("default_price_data[amount]"), "{err}");
}

/// The endpoint list the app carries (for requests to any endpoint) is the
/// description's; `UPDATE_STRIPE_ENDPOINTS=1` rewrites it.
#[test]
fn the_endpoint_list_matches_the_description() {
    let mut want = spec().operations().join("\n");
    want.push('\n');
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/actions/stripe_endpoints.txt");
    if std::env::var("UPDATE_STRIPE_ENDPOINTS").as_deref() == Ok("1") {
        std::fs::write(&file, &want).unwrap();
    }
    assert!(
        actions::endpoints::LIST == want,
        "src/actions/stripe_endpoints.txt drifted from the OpenAPI description: run with UPDATE_STRIPE_ENDPOINTS=1"
    );
}
