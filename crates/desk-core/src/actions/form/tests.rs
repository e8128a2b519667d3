//! The form checker end to end: a filled form in, a request or the
//! mistakes at their fields out.

use super::*;
use crate::actions::{find, FormRule, HttpMethod};
use crate::money::NumberFormat;

fn action(id: &str) -> &'static Action {
    find(id).unwrap()
}

fn errors(id: &str, form: &FilledForm) -> Vec<FieldError> {
    build(action(id), form).expect_err("should be refused")
}

fn refused_at(id: &str, form: FilledForm, field: &str, words: &str) {
    let errs = errors(id, &form);
    assert!(
        errs.iter()
            .any(|e| e.field == field && e.message.contains(words)),
        "{id}: expected {field:?} to say {words:?}, got {errs:?}"
    );
}

fn encoded(id: &str, form: FilledForm) -> String {
    build(action(id), &form).unwrap().params.encode()
}

fn rows(pairs: &[(&str, &str)]) -> FieldValue {
    FieldValue::Rows(
        pairs
            .iter()
            .map(|(k, v)| KeyValueRow {
                key: (*k).into(),
                value: (*v).into(),
            })
            .collect(),
    )
}

fn items(prices: &[(&str, &str)]) -> FieldValue {
    FieldValue::Items(
        prices
            .iter()
            .map(|(p, q)| SubscriptionItemRow {
                price: (*p).into(),
                quantity: (*q).into(),
            })
            .collect(),
    )
}

#[test]
fn email_shape_and_length() {
    for bad in [
        "a",
        "a@b",
        "a b@c.com",
        "@c.com",
        "a@@c.com",
        "a@.com",
        "a@c..com",
    ] {
        refused_at(
            "create_customer",
            FilledForm::new().text("email", bad),
            "email",
            "like name@example.com",
        );
    }
    let long = format!("{}@example.com", "a".repeat(501));
    refused_at(
        "create_customer",
        FilledForm::new().text("email", &long),
        "email",
        "512",
    );
    assert_eq!(
        encoded(
            "create_customer",
            FilledForm::new().text("email", " zoe@example.com ")
        ),
        "email=zoe%40example.com"
    );
}

#[test]
fn statement_descriptor_rules() {
    let f = |t: &str| {
        FilledForm::new()
            .text("name", "Tea")
            .text("statement_descriptor", t)
    };
    refused_at(
        "create_product",
        f(&"A".repeat(23)),
        "statement_descriptor",
        "22",
    );
    refused_at(
        "create_product",
        f("12345"),
        "statement_descriptor",
        "one letter",
    );
    for bad in ["Tea<", "Tea>", "Tea\\", "Tea\"", "Tea'"] {
        refused_at(
            "create_product",
            f(bad),
            "statement_descriptor",
            "cannot show",
        );
    }
    assert!(build(action("create_product"), &f(&"A".repeat(22))).is_ok());
}

#[test]
fn unit_label_and_text_lengths() {
    let f = FilledForm::new()
        .text("name", "Tea")
        .text("unit_label", "thirteen-char");
    refused_at("create_product", f, "unit_label", "at most 12");
    let f = FilledForm::new()
        .text("name", "Tea")
        .text("unit_label", "twelve-chars");
    assert!(build(action("create_product"), &f).is_ok());
    refused_at(
        "create_product",
        FilledForm::new(),
        "name",
        "Name is required",
    );
    // The OpenAPI description's limits: 5,000 characters, not fewer.
    let long = "x".repeat(5000);
    assert!(build(
        action("create_product"),
        &FilledForm::new().text("name", &long)
    )
    .is_ok());
    assert!(build(
        action("create_customer"),
        &FilledForm::new().text("description", &long)
    )
    .is_ok());
    refused_at(
        "create_product",
        FilledForm::new().text("name", &format!("{long}x")),
        "name",
        "at most 5000 characters",
    );
}

#[test]
fn metadata_limits() {
    let many: Vec<(String, String)> = (0..51).map(|i| (format!("k{i}"), "v".into())).collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let f = |m: FieldValue| FilledForm::new().value("metadata", m);
    refused_at("create_customer", f(rows(&many)), "metadata", "At most 50");
    assert!(build(action("create_customer"), &f(rows(&many[..50]))).is_ok());
    refused_at(
        "create_customer",
        f(rows(&[(&"k".repeat(41), "v")])),
        "metadata",
        "40 characters",
    );
    refused_at(
        "create_customer",
        f(rows(&[("a[b]", "v")])),
        "metadata",
        "[ or ]",
    );
    refused_at(
        "create_customer",
        f(rows(&[("k", &"v".repeat(501))])),
        "metadata",
        "500",
    );
    refused_at(
        "create_customer",
        f(rows(&[("k", "1"), ("k", "2")])),
        "metadata",
        "twice",
    );
    refused_at("create_customer", f(rows(&[("", "v")])), "metadata", "key");
    assert_eq!(
        encoded("create_customer", f(rows(&[("order id", "A&B"), ("", "")]))),
        "metadata[order%20id]=A%26B"
    );
}

#[test]
fn amounts_go_through_money() {
    let f = |amount: &str, currency: &str| {
        FilledForm::new()
            .text("name", "Tea")
            .text("price_amount", amount)
            .text("price_currency", currency)
    };
    assert_eq!(
        encoded("create_product", f("1,234.5", "USD")),
        "name=Tea&default_price_data[unit_amount]=123450&default_price_data[currency]=usd"
    );
    assert!(encoded("create_product", f("500", "jpy")).contains("[unit_amount]=500&"));
    refused_at(
        "create_product",
        f("1.5", "jpy"),
        "price_amount",
        "no decimal places",
    );
    refused_at(
        "create_product",
        f("1.234", "kwd"),
        "price_amount",
        "steps of 0.010",
    );
    let mut comma = f("12,50", "eur");
    comma.number_format = NumberFormat::COMMA;
    assert!(encoded("create_product", comma).contains("[unit_amount]=1250&"));
    refused_at("create_product", f("12", ""), "price_currency", "currency");
    refused_at("create_product", f("", "eur"), "price_amount", "amount");
    refused_at(
        "create_product",
        f("12", "euro"),
        "price_currency",
        "three letters",
    );
    let recurring = f("9", "eur")
        .text("price_interval", "month")
        .text("price_interval_count", "3");
    assert!(encoded("create_product", recurring)
        .ends_with("default_price_data[recurring][interval]=month&default_price_data[recurring][interval_count]=3"));
    let count_alone = f("9", "eur").text("price_interval_count", "3");
    refused_at(
        "create_product",
        count_alone,
        "price_interval_count",
        "how often",
    );
}

#[test]
fn ids_need_their_prefix() {
    refused_at(
        "get_customer",
        FilledForm::new().text("customer", "prod_1"),
        "customer",
        "starting with cus_",
    );
    refused_at(
        "get_customer",
        FilledForm::new().text("customer", "cus_"),
        "customer",
        "cus_",
    );
    refused_at(
        "get_customer",
        FilledForm::new().text("customer", "cus_1/../x"),
        "customer",
        "cus_",
    );
    // Products may have IDs the account chose, but not any text.
    refused_at(
        "get_product",
        FilledForm::new().text("product", "gold monthly/1"),
        "product",
        "letters, digits, _ and -",
    );
    let gold = build(
        action("get_product"),
        &FilledForm::new().text("product", "gold-monthly"),
    )
    .unwrap();
    assert_eq!(gold.path, "/v1/products/gold-monthly");
    let by_plan = build(
        action("create_subscription"),
        &FilledForm::new()
            .text("customer", "cus_1")
            .value("items", items(&[("gold-monthly", "1")])),
    )
    .unwrap();
    assert!(by_plan
        .params
        .encode()
        .contains("items[0][price]=gold-monthly"));
    let after = build(
        action("list_products"),
        &FilledForm::new().text("starting_after", "gold"),
    )
    .unwrap();
    assert_eq!(after.params.encode(), "starting_after=gold");
    let built = build(
        action("get_customer"),
        &FilledForm::new().text("customer", "cus_9"),
    )
    .unwrap();
    assert_eq!(built.path, "/v1/customers/cus_9");
    assert!(built.params.is_empty());
    let sub = FilledForm::new()
        .text("customer", "cus_1")
        .value("items", items(&[("prod_1", "1")]));
    refused_at(
        "create_subscription",
        sub.value("items", items(&[("a price", "1")])),
        "items",
        "Item 1: The price: an ID has only letters, digits, _ and -.",
    );
}

#[test]
fn subscription_needs_customer_and_one_to_twenty_items() {
    refused_at(
        "create_subscription",
        FilledForm::new(),
        "customer",
        "required",
    );
    refused_at(
        "create_subscription",
        FilledForm::new(),
        "items",
        "required",
    );
    let many: Vec<(String, String)> = (0..21)
        .map(|i| (format!("price_{i}"), "1".into()))
        .collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(p, q)| (p.as_str(), q.as_str())).collect();
    let f = |i: FieldValue| {
        FilledForm::new()
            .text("customer", "cus_1")
            .value("items", i)
    };
    refused_at(
        "create_subscription",
        f(items(&many)),
        "items",
        "At most 20",
    );
    assert!(build(action("create_subscription"), &f(items(&many[..20]))).is_ok());
    refused_at(
        "create_subscription",
        f(items(&[("price_1", "0")])),
        "items",
        "quantity",
    );
    assert_eq!(
        encoded(
            "create_subscription",
            f(items(&[("price_1", "2"), ("price_2", "")]))
        ),
        "customer=cus_1&items[0][price]=price_1&items[0][quantity]=2&items[1][price]=price_2&collection_method=send_invoice&days_until_due=30"
    );
    // Each way to pay sends what Stripe needs for it, and only what applies.
    let way = |payment: &str| f(items(&[("price_1", "")])).text("payment", payment);
    assert!(encoded("create_subscription", way("saved_card"))
        .ends_with("&collection_method=charge_automatically"));
    assert!(encoded("create_subscription", way("payment_page"))
        .ends_with("&payment_behavior=default_incomplete"));
    assert!(encoded(
        "create_subscription",
        way("invoice").text("days_until_due", "14")
    )
    .ends_with("&collection_method=send_invoice&days_until_due=14"));
    refused_at(
        "create_subscription",
        way("trial"),
        "trial_period_days",
        "required",
    );
    let trial = encoded(
        "create_subscription",
        way("trial")
            .text("trial_period_days", "14")
            .text("days_until_due", "30"),
    );
    assert!(trial.ends_with("&trial_period_days=14"), "{trial}");
    assert!(!trial.contains("days_until_due"), "{trial}");
    refused_at(
        "create_subscription",
        way("cash"),
        "payment",
        "Choose one of",
    );
}

#[test]
fn up_to_eight_image_urls() {
    let f = |urls: Vec<String>| {
        FilledForm::new()
            .text("name", "Tea")
            .value("images", FieldValue::List(urls))
    };
    let urls: Vec<String> = (0..9)
        .map(|i| format!("https://example.com/{i}.png"))
        .collect();
    refused_at("create_product", f(urls.clone()), "images", "at most 8");
    assert!(encoded("create_product", f(urls[..8].to_vec())).contains("images[7]=https"));
    refused_at(
        "create_product",
        f(vec!["ftp://x/y".into()]),
        "images",
        "Line 1",
    );
    refused_at(
        "create_product",
        FilledForm::new()
            .text("name", "T")
            .text("url", "example.com"),
        "url",
        "https://",
    );
}

#[test]
fn update_sends_only_changes_and_clears_with_empty_string() {
    let original: BTreeMap<String, FieldValue> = [
        ("name", FieldValue::Text("Zoë".into())),
        ("email", FieldValue::Text("zoe@example.com".into())),
        ("phone", FieldValue::Text("+44 1".into())),
        (
            "address",
            FieldValue::Address(AddressValue {
                city: "Leeds".into(),
                country: "GB".into(),
                ..AddressValue::default()
            }),
        ),
        ("metadata", rows(&[("a", "1"), ("b", "2")])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let mut values = original.clone();
    values.insert("customer".into(), FieldValue::Text("cus_1".into()));
    values.insert("email".into(), FieldValue::Text("zoe@new.example".into()));
    values.insert("phone".into(), FieldValue::Text(String::new()));
    values.insert(
        "address".into(),
        FieldValue::Address(AddressValue {
            city: String::new(),
            country: "GB".into(),
            ..AddressValue::default()
        }),
    );
    values.insert("metadata".into(), rows(&[("a", "1"), ("c", "3")]));
    let form = FilledForm {
        values,
        original: Some(original),
        number_format: NumberFormat::POINT,
    };
    let built = build(action("update_customer"), &form).unwrap();
    assert_eq!(built.path, "/v1/customers/cus_1");
    assert_eq!(
        built.params.encode(),
        "email=zoe%40new.example&phone=&address[city]=&metadata[c]=3&metadata[b]="
    );
}

#[test]
fn paging_forward_or_backward_not_both() {
    let f = FilledForm::new()
        .text("starting_after", "cus_1")
        .text("ending_before", "cus_2");
    refused_at("list_customers", f, "ending_before", "not both");
    refused_at(
        "list_customers",
        FilledForm::new().text("limit", "101"),
        "limit",
        "1 to 100",
    );
}

#[test]
fn created_range_is_sent_as_unix_days() {
    let f = FilledForm::new()
        .text("created_from", "2026-01-31")
        .text("created_before", "2024-02-29");
    assert_eq!(
        encoded("list_customers", f),
        "created[gte]=1769817600&created[lt]=1709164800"
    );
    for bad in ["2026-02-30", "2025-02-29", "31/01/2026", "2026-1-31"] {
        refused_at(
            "list_customers",
            FilledForm::new().text("created_from", bad),
            "created_from",
            "YYYY-MM-DD",
        );
    }
}

#[test]
fn customer_search_uses_stripes_query_language() {
    let built = build(
        action("list_customers"),
        &FilledForm::new()
            .text("search", "O'Brien")
            .text("limit", "5"),
    )
    .unwrap();
    assert_eq!(built.path, "/v1/customers/search");
    assert_eq!(
        built.params.encode(),
        "query=name~%27O%5C%27Brien%27%20OR%20email~%27O%5C%27Brien%27%20OR%20phone~%27O%5C%27Brien%27&limit=5"
    );
    assert_eq!(
        search_query("gmail", &["name", "email", "phone"]),
        "name~'gmail' OR email~'gmail' OR phone~'gmail'"
    );
    refused_at(
        "list_customers",
        FilledForm::new().text("search", "gm"),
        "search",
        "at least 3 characters",
    );
    assert_eq!(
        search_query("metadata['k']:'v'", &["name"]),
        "metadata['k']:'v'"
    );
    let both = FilledForm::new()
        .text("search", "x")
        .text("email", "a@b.com");
    refused_at("list_customers", both, "email", "cannot be combined");
    refused_at(
        "list_customers",
        FilledForm::new().text("page", "p"),
        "page",
        "search",
    );
}

#[test]
fn choices_are_checked() {
    refused_at(
        "list_subscriptions",
        FilledForm::new().text("status", "gone"),
        "status",
        "Choose one of",
    );
    assert_eq!(
        encoded(
            "list_subscriptions",
            FilledForm::new().text("status", "canceled")
        ),
        "status=canceled"
    );
    assert_eq!(
        encoded("list_subscriptions", FilledForm::new().text("status", "")),
        ""
    );
}

#[test]
fn any_endpoint_paths_and_raw_params() {
    let f = |path: &str| FilledForm::new().text("method", "POST").text("path", path);
    refused_at("any_endpoint", f("/v2/x"), "path", "/v1/");
    refused_at("any_endpoint", f("/v1/../x"), "path", "..");
    refused_at(
        "any_endpoint",
        f("/v1/customers?x=1"),
        "path",
        "put parameters in the rows",
    );
    refused_at(
        "any_endpoint",
        f("@127.0.0.1:9"),
        "path",
        "starts with /v1/",
    );
    refused_at("any_endpoint", FilledForm::new(), "path", "required");
    refused_at(
        "any_endpoint",
        f("/v1/customer"),
        "path",
        "POST /v1/customer is not in this app's list",
    );
    // A newer endpoint: flagged, then sent when the user says so.
    let newer = build(
        action("any_endpoint"),
        &f("/v1/brand_new_things").value("send_unlisted", FieldValue::Yes(true)),
    )
    .unwrap();
    assert_eq!(newer.path, "/v1/brand_new_things");
    let get_balance = FilledForm::new()
        .text("method", "DELETE")
        .text("path", "/v1/balance");
    refused_at(
        "any_endpoint",
        get_balance,
        "path",
        "DELETE /v1/balance is not in",
    );
    let built = build(
        action("any_endpoint"),
        &f("/v1/subscriptions").value(
            "params",
            rows(&[("items[0][price]", "price_1"), ("expand[]", "customer")]),
        ),
    )
    .unwrap();
    assert_eq!(built.method, HttpMethod::Post);
    assert_eq!(
        built.params.encode(),
        "items[0][price]=price_1&expand[]=customer"
    );
    refused_at(
        "any_endpoint",
        f("/v1/x").value("params", rows(&[("a]b", "1")])),
        "params",
        "Row 1",
    );
    let raw = build(
        action("any_endpoint"),
        &f("/v1/customers").text("body", "name=Zo%C3%AB&metadata[a]=1"),
    )
    .unwrap();
    assert_eq!(raw.params.encode(), "name=Zo%C3%AB&metadata[a]=1");
    let both = f("/v1/x")
        .text("body", "a=1")
        .value("params", rows(&[("b", "2")]));
    refused_at("any_endpoint", both, "body", "not both");
}

#[test]
fn stripe_params_map_back_to_fields() {
    let a = action("create_customer");
    assert_eq!(a.field_for_param("address[country]").unwrap().id, "address");
    assert_eq!(a.field_for_param("metadata[x]").unwrap().id, "metadata");
    let p = action("create_product");
    assert_eq!(
        p.field_for_param("default_price_data[unit_amount]")
            .unwrap()
            .id,
        "price_amount"
    );
    assert_eq!(
        p.field_for_param("default_price_data[recurring][interval]")
            .unwrap()
            .id,
        "price_interval"
    );
    assert!(p.field_for_param("nothing").is_none());
}

#[test]
fn prefill_then_unchanged_sends_nothing() {
    let a = action("update_customer");
    let object = serde_json::json!({
        "id": "cus_1", "object": "customer", "name": "Zoë", "email": "zoe@example.com",
        "phone": null, "address": {"city": "Leeds", "country": "GB", "line1": null},
        "metadata": {"order": "42"}, "preferred_locales": ["en"],
    });
    let values = prefill(a, &object);
    assert_eq!(values["customer"], FieldValue::Text("cus_1".into()));
    assert_eq!(values["metadata"], rows(&[("order", "42")]));
    assert!(!values.contains_key("phone"));
    let form = FilledForm {
        values: values.clone(),
        original: Some(values),
        number_format: NumberFormat::POINT,
    };
    let built = build(a, &form).unwrap();
    assert_eq!(built.path, "/v1/customers/cus_1");
    assert!(built.params.is_empty(), "{}", built.params.encode());
}

/// The rules between fields are the catalog's data, so an action keeps
/// them under any name (the checker once knew them by the action's id).
#[test]
fn rules_between_fields_come_with_the_action() {
    let renamed = |id: &str| {
        let mut a = action(id).clone();
        a.id = format!("{id}_elsewhere");
        a
    };
    let repeating = FilledForm::new()
        .text("name", "Tea")
        .text("price_interval", "month");
    let errs = build(&renamed("create_product"), &repeating).unwrap_err();
    assert!(
        errs.iter()
            .any(|e| e.field == "price_amount" && e.message.contains("needs an amount")),
        "{errs:?}"
    );
    let search = FilledForm::new().text("search", "maria");
    assert_eq!(
        build(&renamed("list_customers"), &search).unwrap().path,
        "/v1/customers/search"
    );
    let raw = FilledForm::new()
        .text("method", "GET")
        .text("path", "/v1/balance");
    assert_eq!(
        build(&renamed("any_endpoint"), &raw).unwrap().path,
        "/v1/balance"
    );
}

#[test]
fn every_rule_names_fields_of_its_action() {
    for a in crate::actions::all() {
        let known = |id: &String| a.field(id).is_some();
        for rule in &a.rules {
            let named: Vec<&String> = match rule {
                FormRule::Needs {
                    field, needs, at, ..
                } => vec![field, needs, at],
                FormRule::OneOf { fields, at, .. } => fields.iter().chain([at]).collect(),
                FormRule::Search {
                    field,
                    keeps,
                    excludes,
                    page,
                    ..
                } => [field, page]
                    .into_iter()
                    .chain(keeps)
                    .chain(excludes)
                    .collect(),
            };
            for id in named {
                assert!(known(id), "{}: a rule names {id}, not a field", a.id);
            }
        }
    }
}
