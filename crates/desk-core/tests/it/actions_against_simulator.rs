//! Every action run through the one Stripe client against the local
//! simulator over real HTTP, and the Desk entry points on a saved connection.

use desk_core::actions::form::{AddressValue, KeyValueRow, SubscriptionItemRow};
use desk_core::actions::{self, ActionResult, FieldValue, FilledForm, Submission};
use desk_core::connections::secret_store::MemoryStore;
use desk_core::connections::ExpectedConnection;
use desk_core::desk::{Desk, DeskConfig};
use desk_core::stripe::{Auth, ClientConfig, IdempotencyKey, StripeClient};
use desk_core::views::Mode;
use desk_core::{AppError, Bases, Error, Secret};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use stripe_sim::{Failure, KeyAccess, SeedSpec, SimConfig, Simulator};

/// The first try of a submission whose key is `id`.
fn first_try(id: &str) -> Submission {
    Submission::first(IdempotencyKey::new(id).unwrap())
}

const KEY: &str = "sk_test_51ActionsTestKey000000000001234";
const READ_ONLY: &str = "rk_test_51ActionsReadOnly00000000005678";
const ACCOUNT: &str = "acct_1ActionsShop";

async fn sim() -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(ACCOUNT, "Actions Tea Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    let read: BTreeSet<String> = ["rak_customer_read".to_owned()].into();
    sim.add_key(READ_ONLY, ACCOUNT, KeyAccess::Restricted(read));
    sim
}

fn config(base: &str) -> ClientConfig {
    let mut c = ClientConfig::new(base, base);
    c.retry.initial_delay = Duration::from_millis(5);
    c.retry.max_delay = Duration::from_millis(20);
    c.timeout = Duration::from_secs(5);
    c
}

fn auth(key: &str) -> Auth {
    Auth {
        secret: Secret::new(key),
        mode: Mode::Test,
        stripe_account: None,
    }
}

async fn run(sim: &Simulator, id: &str, form: FilledForm) -> Result<ActionResult, Error> {
    let client = StripeClient::new(config(&sim.base_url())).unwrap();
    let action = actions::find(id).unwrap();
    actions::run(
        &client,
        &auth(KEY),
        action,
        &form,
        &IdempotencyKey::random(),
    )
    .await
}

fn row<'a>(r: &'a [actions::SummaryRow], label: &str) -> &'a str {
    &r.iter()
        .find(|x| x.label == label)
        .unwrap_or_else(|| panic!("no {label} in {r:?}"))
        .value
}

/// The ID behind a row's name ("Maria Lopez" is `cus_...`), one click away on screen.
fn row_id<'a>(r: &'a [actions::SummaryRow], label: &str) -> &'a str {
    r.iter()
        .find(|x| x.label == label)
        .and_then(|x| x.id.as_deref())
        .unwrap_or_else(|| panic!("no ID behind {label} in {r:?}"))
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

#[tokio::test]
async fn create_a_product_with_a_price_a_customer_and_a_subscription() {
    let sim = sim().await;
    let product = run(
        &sim,
        "create_product",
        FilledForm::new()
            .text("name", "Tea club")
            .text("price_amount", "1,234.5")
            .text("price_currency", "USD")
            .text("price_interval", "month"),
    )
    .await
    .unwrap();
    assert_eq!(product.headline, "Created");
    assert_eq!(row(&product.rows, "Name"), "Tea club");
    // The price as a person reads it, its ID one click away.
    assert_eq!(row(&product.rows, "Price"), "1,234.50 USD / month");
    let price = row_id(&product.rows, "Price").to_owned();
    assert!(price.starts_with("price_"), "{price}");
    // What a workflow reads keeps Stripe's ID.
    assert_eq!(product.json["default_price"], price.as_str());

    let customer = run(
        &sim,
        "create_customer",
        FilledForm::new()
            .text("name", "Zoë Café")
            .text("email", "zoe@example.com")
            .value(
                "address",
                FieldValue::Address(AddressValue {
                    city: "Leeds".into(),
                    country: "gb".into(),
                    ..AddressValue::default()
                }),
            )
            .value("metadata", rows(&[("order", "42")])),
    )
    .await
    .unwrap();
    assert_eq!(row(&customer.rows, "Country"), "GB");
    let cus = row_id(&customer.rows, "Name").to_owned();
    assert!(cus.starts_with("cus_"));
    assert_eq!(
        customer.dashboard_url,
        Some(format!("https://dashboard.stripe.com/test/customers/{cus}"))
    );
    assert_eq!(customer.json["metadata"]["order"], "42");

    let sub = run(
        &sim,
        "create_subscription",
        FilledForm::new().text("customer", &cus).value(
            "items",
            FieldValue::Items(vec![SubscriptionItemRow {
                price: price.clone(),
                quantity: "2".into(),
            }]),
        ),
    )
    .await
    .unwrap();
    assert_eq!(row(&sub.rows, "Customer"), "Zoë Café");
    assert_eq!(row_id(&sub.rows, "Customer"), cus);
    assert_eq!(row(&sub.rows, "Product"), "Tea club");
    assert_eq!(row(&sub.rows, "Price"), "1,234.50 USD / month");
    assert_eq!(row(&sub.rows, "Status"), "Active");
    assert_eq!(sub.json["customer"], cus.as_str(), "the JSON keeps the ID");

    let listed = run(
        &sim,
        "list_subscriptions",
        FilledForm::new()
            .text("customer", &cus)
            .text("price", &price),
    )
    .await
    .unwrap();
    assert_eq!(listed.headline, "Subscriptions");
    assert_eq!(listed.items.len(), 1);
    assert_eq!(row(&listed.items[0], "Customer"), "Zoë Café");
    let got = run(
        &sim,
        "get_product",
        FilledForm::new().text("product", row_id(&product.rows, "Name")),
    )
    .await
    .unwrap();
    assert_eq!(got.headline, "Found");
    // With its prices.
    assert_eq!(got.related.len(), 1, "{:?}", got.related_error);
    assert_eq!(row_id(&got.related[0], "Price"), price);
    assert_eq!(row(&got.related[0], "Price"), "1,234.50 USD / month");
    let products = run(
        &sim,
        "list_products",
        FilledForm::new().text("active", "true"),
    )
    .await
    .unwrap();
    assert_eq!(products.items.len(), 1);
    let plans = run(&sim, "list_plans", FilledForm::new()).await.unwrap();
    assert!(plans.json["data"].is_array());
}

#[tokio::test]
async fn update_sends_only_what_changed() {
    let sim = sim().await;
    let created = run(
        &sim,
        "create_customer",
        FilledForm::new()
            .text("name", "Zoë")
            .text("email", "zoe@example.com")
            .text("phone", "+44 1234 5678"),
    )
    .await
    .unwrap();
    let id = row_id(&created.rows, "Name").to_owned();
    let original: std::collections::BTreeMap<String, FieldValue> = [
        ("name", "Zoë"),
        ("email", "zoe@example.com"),
        ("phone", "+44 1234 5678"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), FieldValue::Text(v.into())))
    .collect();
    let mut values = original.clone();
    values.insert("customer".into(), FieldValue::Text(id.clone()));
    values.insert("email".into(), FieldValue::Text("zoe@new.example".into()));
    values.insert("phone".into(), FieldValue::Text(String::new()));
    sim.clear_requests();
    let updated = run(
        &sim,
        "update_customer",
        FilledForm {
            values,
            original: Some(original),
            ..FilledForm::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(updated.headline, "Updated");
    let sent = sim.requests();
    assert_eq!(sent.last().unwrap().body, "email=zoe%40new.example&phone=");
    assert_eq!(updated.json["phone"], serde_json::Value::Null);
    assert_eq!(row(&updated.rows, "Name"), "Zoë");

    let found = run(
        &sim,
        "list_customers",
        FilledForm::new().text("email", "zoe@new.example"),
    )
    .await
    .unwrap();
    assert_eq!(found.first_id.as_deref(), Some(id.as_str()));
}

#[tokio::test]
async fn a_stripe_refusal_names_the_form_field() {
    let sim = sim().await;
    let err = run(
        &sim,
        "create_subscription",
        FilledForm::new().text("customer", "cus_nobody").value(
            "items",
            FieldValue::Items(vec![SubscriptionItemRow {
                price: "price_nothing".into(),
                quantity: String::new(),
            }]),
        ),
    )
    .await
    .unwrap_err();
    let app = AppError::from(err);
    assert_eq!(app.param.as_deref(), Some("customer"), "{app:?}");
    assert!(app.message.contains("cus_nobody"), "{app:?}");

    // A form mistake never reaches Stripe.
    sim.clear_requests();
    let err = run(
        &sim,
        "get_customer",
        FilledForm::new().text("customer", "prod_1"),
    )
    .await
    .unwrap_err();
    assert_eq!(AppError::from(err).param.as_deref(), Some("customer"));
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn balance_transactions_are_formatted_in_their_currency() {
    let sim = sim().await;
    sim.seed_sample_data(
        ACCOUNT,
        SeedSpec {
            balance_transactions: 30,
            rng_seed: 7,
            ..SeedSpec::default()
        },
    );
    let page = run(
        &sim,
        "list_balance_transactions",
        FilledForm::new().text("limit", "5"),
    )
    .await
    .unwrap();
    assert_eq!(page.items.len(), 5);
    assert!(page.has_more);
    let first = &page.json["data"][0];
    let expected = desk_core::money::format(
        first["amount"].as_i64().unwrap(),
        first["currency"].as_str().unwrap(),
    );
    assert_eq!(row(&page.items[0], "Amount"), expected);
    let next = run(
        &sim,
        "list_balance_transactions",
        FilledForm::new()
            .text("limit", "5")
            .text("starting_after", page.last_id.as_deref().unwrap()),
    )
    .await
    .unwrap();
    assert_ne!(next.first_id, page.first_id);
}

#[tokio::test]
async fn any_endpoint_reaches_what_the_forms_do_not_cover() {
    let sim = sim().await;
    let r = run(
        &sim,
        "any_endpoint",
        FilledForm::new()
            .text("method", "POST")
            .text("path", "/v1/customers")
            .value("params", rows(&[("name", "Raw"), ("metadata[a]", "1")])),
    )
    .await
    .unwrap();
    assert_eq!(r.headline, "Done");
    assert_eq!(r.json["metadata"]["a"], "1");
    let id = r.json["id"].as_str().unwrap();
    let deleted = run(
        &sim,
        "any_endpoint",
        FilledForm::new()
            .text("method", "DELETE")
            .text("path", &format!("/v1/customers/{id}")),
    )
    .await
    .unwrap();
    assert_eq!(deleted.json["deleted"], true);
    let gone = run(&sim, "get_customer", FilledForm::new().text("customer", id))
        .await
        .unwrap();
    assert_eq!(gone.headline, "This customer was deleted");
}

#[tokio::test]
async fn one_submission_creates_one_customer_even_when_the_answer_is_lost() {
    let sim = sim().await;
    let client = StripeClient::new(config(&sim.base_url())).unwrap();
    let action = actions::find("create_customer").unwrap();
    let form = FilledForm::new().text("name", "Once");
    let key = IdempotencyKey::random();
    sim.fail_next(1, Failure::CommitThenDrop);
    let first = actions::run(&client, &auth(KEY), action, &form, &key)
        .await
        .unwrap();
    // "Try again" of the same submission: same key, same customer.
    let again = actions::run(&client, &auth(KEY), action, &form, &key)
        .await
        .unwrap();
    assert_eq!(first.json["id"], again.json["id"]);
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    // The first answer was lost, so the client's own retry got the replay.
    assert_eq!(first.replayed, Some(true));
    assert_eq!(first.headline, "Already created by this same request");
    assert_eq!(again.headline, "Already created by this same request");
    assert!(first
        .request_id
        .as_deref()
        .is_some_and(|r| r.starts_with("req_")));
}

fn desk(sim: &Simulator, name: &str) -> Desk {
    let base = sim.base_url();
    let bases = Bases {
        api: base.clone(),
        connect: base.clone(),
        marketplace: base.clone(),
    };
    let dir = std::env::temp_dir().join(format!("desk-actions-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut cfg = DeskConfig::new(bases, dir);
    cfg.client = config(&base);
    Desk::new(cfg, Arc::new(MemoryStore::default())).unwrap()
}

/// The connection on screen, as the window sends it with every write.
fn seen(d: &Desk) -> ExpectedConnection {
    let view = d.list_connections();
    let id = view.active_id.clone().unwrap_or_default();
    let mode = view
        .connections
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.mode)
        .unwrap_or(Mode::Test);
    ExpectedConnection {
        connection_id: id,
        mode,
    }
}

#[tokio::test]
async fn desk_runs_actions_on_the_current_connection() {
    let sim = sim().await;
    let d = desk(&sim, "current");
    let none = d
        .run_action(
            "get_customer",
            &FilledForm::new().text("customer", "cus_1"),
            &first_try("k1"),
            &seen(&d),
        )
        .await
        .unwrap_err();
    assert!(none.plain_message().contains("Nothing was sent"));

    d.save_key_connection(KEY, false).await.unwrap();
    assert_eq!(d.actions().len(), 12);
    let errors = d
        .check_action("create_customer", &FilledForm::new().text("email", "nope"))
        .unwrap();
    assert_eq!(errors[0].field, "email");
    let missing = d
        .run_action(
            "get_customer",
            &FilledForm::new().text("customer", "cus_missing1"),
            &first_try("k2"),
            &seen(&d),
        )
        .await
        .unwrap_err();
    let app = AppError::from(missing);
    assert_eq!(app.message, "No customer with this ID in Actions Tea Shop.");
    assert_eq!(app.param.as_deref(), Some("customer"));

    // An update form starts from the customer as it is now.
    let created = d
        .run_action(
            "create_customer",
            &FilledForm::new()
                .text("name", "Zoë")
                .value("metadata", rows(&[("order", "42")])),
            &first_try("k4"),
            &seen(&d),
        )
        .await
        .unwrap();
    let id = created.json["id"].as_str().unwrap();
    let values = d
        .action_current_values("update_customer", id)
        .await
        .unwrap();
    assert_eq!(values["name"], FieldValue::Text("Zoë".into()));
    assert_eq!(values["metadata"], rows(&[("order", "42")]));
    let unknown = d
        .action_current_values("update_customer", "cus_missing2")
        .await
        .unwrap_err();
    assert_eq!(
        AppError::from(unknown).message,
        "No customer with this ID in Actions Tea Shop."
    );
    assert!(d.action_current_values("get_customer", id).await.is_err());

    // A read-only restricted key: Stripe names the permission it lacks.
    let ro = desk(&sim, "read-only");
    ro.save_key_connection(READ_ONLY, false).await.unwrap();
    // Known before the form is filled.
    let full = d.action_availability("create_customer").await.unwrap();
    assert_eq!((full.allowed, full.reason), (Some(true), None));
    let read = ro.action_availability("get_customer").await.unwrap();
    assert_eq!(read.allowed, Some(true));
    // Known before the form is filled, and nothing is created by asking.
    let write = ro.action_availability("create_customer").await.unwrap();
    assert_eq!(write.allowed, Some(false));
    // In the Dashboard's words, not Stripe's permission name.
    let reason = write.reason.unwrap();
    assert!(
        reason.contains("This key can't create customers: it needs Customers: Write"),
        "{reason}"
    );
    assert!(!reason.contains("rak_"), "{reason}");
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    let products = ro.action_availability("create_product").await.unwrap();
    assert_eq!(products.allowed, Some(false));
    assert!(products.reason.unwrap().contains("Products: Write"));
    // A restricted key that may write: the probe's 400 creates nothing and says yes.
    const WRITER: &str = "rk_test_51ActionsCustomerWriter000000009999";
    let write: BTreeSet<String> = ["rak_customer_write".to_owned()].into();
    sim.add_key(WRITER, ACCOUNT, KeyAccess::Restricted(write));
    let writer = desk(&sim, "writer");
    writer.save_key_connection(WRITER, false).await.unwrap();
    let may = writer.action_availability("create_customer").await.unwrap();
    assert_eq!((may.allowed, may.reason), (Some(true), None));
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    let denied = ro
        .run_action(
            "create_customer",
            &FilledForm::new().text("name", "X"),
            &first_try("k3"),
            &seen(&ro),
        )
        .await
        .unwrap_err();
    assert!(AppError::from(denied)
        .message
        .contains("it needs Customers: Write"));
    assert_eq!(
        actions::find("create_customer")
            .unwrap()
            .permission
            .as_ref()
            .unwrap()
            .name,
        "rak_customer_write"
    );
}

#[tokio::test]
async fn customer_search_by_name_part_email_and_pages() {
    let sim = sim().await;
    for (name, email) in [
        ("Zoë O'Brien", "zoe@example.com"),
        ("Tea One", "one@example.com"),
        ("Tea Two", "two@example.com"),
        ("Tea Three", "three@example.com"),
    ] {
        run(
            &sim,
            "create_customer",
            FilledForm::new().text("name", name).text("email", email),
        )
        .await
        .unwrap();
    }
    let search = |q: &str| FilledForm::new().text("search", q).text("limit", "2");
    let obrien = run(&sim, "list_customers", search("o'bri")).await.unwrap();
    assert_eq!(obrien.items.len(), 1);
    assert_eq!(row(&obrien.items[0], "Name"), "Zoë O'Brien");
    let by_email = run(&sim, "list_customers", search("TWO@example.com"))
        .await
        .unwrap();
    assert_eq!(row(&by_email.items[0], "Name"), "Tea Two");

    let first = run(&sim, "list_customers", search("tea")).await.unwrap();
    assert_eq!(first.items.len(), 2);
    assert!(first.has_more);
    let page = first.next_page.clone().unwrap();
    let second = run(&sim, "list_customers", search("tea").text("page", &page))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 1);
    assert!(!second.has_more);
    let names: BTreeSet<String> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|r| row(r, "Name").to_owned())
        .collect();
    assert_eq!(names.len(), 3);

    // Stripe's own syntax passes through; a mistake in it comes back at the search field.
    let err = run(&sim, "list_customers", search("colour:'red'"))
        .await
        .unwrap_err();
    let app = AppError::from(err);
    assert_eq!(app.param.as_deref(), Some("search"), "{app:?}");
}

#[tokio::test]
async fn pickers_find_customers_and_recurring_prices_and_fall_back_without_search() {
    let sim = sim().await;
    let d = desk(&sim, "pickers");
    d.save_key_connection(KEY, false).await.unwrap();
    let form = |f: FilledForm, k: &str| {
        let d = &d;
        let k = k.to_owned();
        async move {
            d.run_action("create_customer", &f, &first_try(&k), &seen(d))
                .await
                .unwrap()
        }
    };
    form(
        FilledForm::new()
            .text("name", "Zoë Café")
            .text("email", "zoe@example.com"),
        "c1",
    )
    .await;
    form(FilledForm::new().text("name", "Tea Two"), "c2").await;

    // The customer picker: Stripe's search by part of a name.
    let found = d
        .lookup_choices("create_subscription", "customer", "café", None)
        .await
        .unwrap();
    assert_eq!(found.choices.len(), 1, "{found:?}");
    assert_eq!(found.choices[0].label, "Zoë Café");
    assert!(found.choices[0].id.starts_with("cus_"));
    assert!(found.choices[0].detail.contains("zoe@example.com"));
    let short = d
        .lookup_choices("create_subscription", "customer", "z", None)
        .await
        .unwrap();
    assert!(short.note.unwrap().contains("at least 3"));

    // Where search is unavailable: the exact-email filter, and it says so.
    sim.set_search_unavailable(ACCOUNT, true);
    let by_email = d
        .lookup_choices("create_subscription", "customer", "zoe@example.com", None)
        .await
        .unwrap();
    assert_eq!(by_email.choices.len(), 1);
    assert!(by_email.note.unwrap().contains("not available"));
    let by_name = d
        .lookup_choices("create_subscription", "customer", "Zoë", None)
        .await
        .unwrap();
    assert!(by_name.choices.is_empty());
    assert!(by_name.note.unwrap().contains("whole email"));
    // List Customers: the search box falls back to the email filter too.
    let listed = d
        .run_action(
            "list_customers",
            &FilledForm::new().text("search", "zoe@example.com"),
            &first_try("l1"),
            &seen(&d),
        )
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert!(listed
        .note
        .as_deref()
        .unwrap()
        .contains("email is exactly zoe@example.com"));
    let by_name = d
        .run_action(
            "list_customers",
            &FilledForm::new().text("search", "Zoë"),
            &first_try("l2"),
            &seen(&d),
        )
        .await
        .unwrap_err();
    let app = AppError::from(by_name);
    assert_eq!(app.param.as_deref(), Some("search"));
    assert!(app.message.contains("whole email"), "{app:?}");

    // The price picker: active products, then a product's active recurring prices.
    let monthly = d
        .run_action(
            "create_product",
            &FilledForm::new()
                .text("name", "Tea club")
                .text("price_amount", "12")
                .text("price_currency", "eur")
                .text("price_interval", "month"),
            &first_try("p1"),
            &seen(&d),
        )
        .await
        .unwrap();
    d.run_action(
        "create_product",
        &FilledForm::new()
            .text("name", "One-off mug")
            .text("price_amount", "9")
            .text("price_currency", "eur"),
        &first_try("p2"),
        &seen(&d),
    )
    .await
    .unwrap();
    let products = d
        .lookup_choices("create_subscription", "items", "", None)
        .await
        .unwrap();
    assert_eq!(products.choices.len(), 2);
    let club = products
        .choices
        .iter()
        .find(|c| c.label == "Tea club")
        .unwrap();
    let prices = d
        .lookup_choices("create_subscription", "items", "", Some(&club.id))
        .await
        .unwrap();
    assert_eq!(prices.choices.len(), 1);
    assert_eq!(prices.choices[0].label, "12.00 EUR every month");
    assert_eq!(
        prices.choices[0].id,
        monthly.json["default_price"].as_str().unwrap()
    );
    let mug = products
        .choices
        .iter()
        .find(|c| c.label == "One-off mug")
        .unwrap();
    let none = d
        .lookup_choices("create_subscription", "items", "", Some(&mug.id))
        .await
        .unwrap();
    assert!(none.choices.is_empty());
    assert!(none.note.unwrap().contains("no active recurring price"));
    assert!(d
        .lookup_choices("create_customer", "name", "x", None)
        .await
        .is_err());
}

#[tokio::test]
async fn any_endpoint_shows_the_status_and_a_refusal_keeps_stripes_words() {
    let sim = sim().await;
    let ok = run(
        &sim,
        "any_endpoint",
        FilledForm::new()
            .text("method", "GET")
            .text("path", "/v1/customers"),
    )
    .await
    .unwrap();
    assert_eq!(ok.status, Some(200));
    assert!(ok.request_id.is_some());
    let refused = run(
        &sim,
        "any_endpoint",
        FilledForm::new()
            .text("method", "GET")
            .text("path", "/v1/customers/cus_nobody"),
    )
    .await
    .unwrap_err();
    let app = AppError::from(refused);
    assert_eq!(app.status, Some(404));
    assert_eq!(
        app.stripe_message.as_deref(),
        Some("No such customer: 'cus_nobody'")
    );
    assert!(app.request_id.is_some());
}

#[tokio::test]
async fn drafts_survive_a_restart_per_connection_in_private_files() {
    let sim = sim().await;
    let name = "drafts";
    let d = desk(&sim, name);
    assert!(d.action_drafts().is_empty());
    d.save_key_connection(KEY, false).await.unwrap();
    let half = FilledForm::new()
        .text("name", "Zoë half-typed")
        .value("metadata", rows(&[("order", "4")]));
    d.save_action_draft("create_customer", &half).unwrap();
    assert!(d.save_action_draft("no_such_action", &half).is_err());
    let dir = std::env::temp_dir().join(format!("desk-actions-{name}-{}", std::process::id()));
    drop(d);

    // The app starts again over the same data dir (not `desk()`, which empties it).
    let reopen = || {
        let base = sim.base_url();
        let bases = Bases {
            api: base.clone(),
            connect: base.clone(),
            marketplace: base.clone(),
        };
        let mut cfg = DeskConfig::new(bases, dir.clone());
        cfg.client = config(&base);
        Desk::new(cfg, Arc::new(MemoryStore::default())).unwrap()
    };
    let again = reopen();
    let drafts = again.action_drafts();
    assert_eq!(drafts["create_customer"].values, half.values);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let drafts_dir = dir.join("drafts");
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&drafts_dir), 0o700);
        for f in std::fs::read_dir(&drafts_dir).unwrap() {
            assert_eq!(mode(&f.unwrap().path()), 0o600);
        }
    }
    // An emptied form is forgotten.
    again
        .save_action_draft("create_customer", &FilledForm::new())
        .unwrap();
    assert!(reopen().action_drafts().is_empty());
}

// ---- Issue 15, 16, 17: what real Stripe and a shop owner need ----

fn items_of(price: &str) -> FieldValue {
    FieldValue::Items(vec![SubscriptionItemRow {
        price: price.into(),
        quantity: String::new(),
    }])
}

/// A monthly price of 24.90 EUR, made through Create Product.
async fn monthly_price(d: &Desk) -> String {
    let product = d
        .run_action(
            "create_product",
            &FilledForm::new()
                .text("name", "Tea club")
                .text("price_amount", "24.90")
                .text("price_currency", "eur")
                .text("price_interval", "month"),
            &Submission::first(IdempotencyKey::random()),
            &seen(d),
        )
        .await
        .unwrap();
    row_id(&product.rows, "Price").to_owned()
}

async fn new_customer(d: &Desk, name: &str) -> String {
    let c = d
        .run_action(
            "create_customer",
            &FilledForm::new().text("name", name).text(
                "email",
                &format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
            ),
            &Submission::first(IdempotencyKey::random()),
            &seen(d),
        )
        .await
        .unwrap();
    row_id(&c.rows, "Name").to_owned()
}

#[tokio::test]
async fn a_brand_new_customer_subscribes_each_way_to_pay() {
    let sim = sim().await;
    let d = desk(&sim, "ways-to-pay");
    d.save_key_connection(KEY, false).await.unwrap();
    let price = monthly_price(&d).await;
    let subscribe =
        |customer: String, payment: &'static str, extra: Option<(&'static str, &'static str)>| {
            let d = &d;
            let price = price.clone();
            async move {
                let mut form = FilledForm::new()
                    .text("customer", &customer)
                    .value("items", items_of(&price))
                    .text("payment", payment);
                if let Some((k, v)) = extra {
                    form = form.text(k, v);
                }
                d.run_action(
                    "create_subscription",
                    &form,
                    &Submission::first(IdempotencyKey::random()),
                    &seen(d),
                )
                .await
            }
        };

    // Charging a card the customer does not have: Stripe refuses, and the
    // refusal reads plainly at the choice of how to pay.
    let maria = new_customer(&d, "Maria Lopez").await;
    let none = d
        .lookup_choices("create_subscription", "payment", "", Some(&maria))
        .await
        .unwrap();
    assert!(none.choices.is_empty(), "{none:?}");
    assert_eq!(
        none.note.as_deref(),
        Some("No card is saved on this customer.")
    );
    let refused = AppError::from(
        subscribe(maria.clone(), "saved_card", None)
            .await
            .unwrap_err(),
    );
    assert_eq!(refused.param.as_deref(), Some("payment"), "{refused:?}");
    assert!(
        refused
            .message
            .starts_with("This customer has no card saved"),
        "{refused:?}"
    );
    assert_eq!(sim.count(ACCOUNT, "subscriptions"), 0);

    // 1. Email an invoice, due in N days: Stripe emails it.
    let emailed = subscribe(maria.clone(), "invoice", Some(("days_until_due", "14")))
        .await
        .unwrap();
    assert_eq!(row(&emailed.rows, "Status"), "Active");
    assert_eq!(
        row(&emailed.rows, "Invoice emailed to"),
        "maria.lopez@example.com"
    );
    assert_eq!(sim.emailed_invoices(ACCOUNT).len(), 1);
    assert_eq!(
        emailed.json["latest_invoice"]
            .as_str()
            .map(|i| i.starts_with("in_")),
        Some(true)
    );

    // 2. The card saved on the customer, shown as brand and last four.
    let jo = new_customer(&d, "Jo Baker").await;
    sim.save_test_card(ACCOUNT, &jo, "pm_card_visa").unwrap();
    let card = d
        .lookup_choices("create_subscription", "payment", "", Some(&jo))
        .await
        .unwrap();
    assert_eq!(card.choices.len(), 1, "{card:?}");
    assert_eq!(card.choices[0].id, "saved_card");
    assert_eq!(card.choices[0].label, "Visa ending 4242");
    let charged = subscribe(jo, "saved_card", None).await.unwrap();
    assert_eq!(row(&charged.rows, "Status"), "Active");
    assert_eq!(row(&charged.rows, "Price"), "24.90 EUR / month");
    assert!(!charged.rows.iter().any(|r| r.label == "Payment page"));

    // 3. A free trial of N days.
    let ann = new_customer(&d, "Ann Smith").await;
    let trial = subscribe(ann, "trial", Some(("trial_period_days", "14")))
        .await
        .unwrap();
    assert_eq!(row(&trial.rows, "Status"), "Trialing");
    assert!(trial.rows.iter().any(|r| r.label == "Trial ends"));

    // 4. Unpaid, with a payment page to give the customer.
    let bo = new_customer(&d, "Bo Lee").await;
    let page = subscribe(bo, "payment_page", None).await.unwrap();
    assert_eq!(row(&page.rows, "Status"), "Incomplete");
    let link = page
        .rows
        .iter()
        .find(|r| r.label == "Payment page")
        .unwrap();
    assert!(link.link);
    assert!(
        link.value.starts_with("https://invoice.stripe.com/i/"),
        "{link:?}"
    );
    assert_eq!(sim.count(ACCOUNT, "subscriptions"), 4);
}

#[tokio::test]
async fn the_new_customer_with_a_subscription_template_emails_an_invoice() {
    use desk_core::money::NumberFormat;
    use desk_core::workflows::engine::{Outcome, RunAccount, RunHistory, RunRecord};
    use desk_core::workflows::{templates, ActionSteps};
    let sim = sim().await;
    let d = desk(&sim, "template");
    d.save_key_connection(KEY, false).await.unwrap();
    let price = monthly_price(&d).await;
    let client = StripeClient::new(config(&sim.base_url())).unwrap();
    let a = auth(KEY);
    let dir = std::env::temp_dir().join(desk_core::stripe::random_token("desk-template"));
    let history = RunHistory::new(&dir);
    let steps = ActionSteps {
        client: &client,
        auth: &a,
    };
    let engine = steps.engine(&history, NumberFormat::POINT);
    let inputs = std::collections::BTreeMap::from([
        ("name".to_owned(), "Maria Lopez".to_owned()),
        ("email".to_owned(), "maria@example.com".to_owned()),
        ("price".to_owned(), price),
    ]);
    let account = RunAccount {
        id: ACCOUNT.into(),
        name: "Actions Tea Shop".into(),
        livemode: false,
        through: None,
    };
    let run = engine
        .start(
            &templates::customer_with_subscription(),
            account,
            inputs,
            &mut |_: &RunRecord| {},
        )
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(run.outcome, Outcome::Succeeded, "{run:?}");
    let sub = run.output("create_subscription").unwrap();
    assert_eq!(sub["collection_method"], "send_invoice");
    assert_eq!(sub["days_until_due"], 30);
    let emailed = sim.emailed_invoices(ACCOUNT);
    assert_eq!(emailed.len(), 1);
    assert_eq!(emailed[0].0, "maria@example.com");
}

#[tokio::test]
async fn try_again_after_stripe_failed_with_a_500_looks_first_then_sends_with_a_new_key() {
    let sim = sim().await;
    let d = desk(&sim, "after-500");
    d.save_key_connection(KEY, false).await.unwrap();
    let form = FilledForm::new().text("name", "Maria Lopez");

    // Stripe made the customer, then failed: the next try finds it.
    let mut submission = first_try("sub-made");
    sim.fail_next(1, Failure::CommitThen500);
    let err = d
        .run_action("create_customer", &form, &submission, &seen(&d))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    // The same key would only get the same 500 back: a new try looks first.
    submission.attempt += 1;
    let found = d
        .run_action("create_customer", &form, &submission, &seen(&d))
        .await
        .unwrap();
    assert_eq!(found.headline, "Already created by the earlier try");
    assert_eq!(found.json["name"], "Maria Lopez");
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);

    // Stripe failed before making anything: the next try sends under a new key.
    sim.clear_requests();
    let mut submission = first_try("sub-lost");
    sim.fail_next(1, Failure::ServerError500);
    d.run_action("create_customer", &form, &submission, &seen(&d))
        .await
        .unwrap_err();
    submission.attempt += 1;
    let made = d
        .run_action("create_customer", &form, &submission, &seen(&d))
        .await
        .unwrap();
    assert_eq!(made.headline, "Created");
    assert_eq!(sim.count(ACCOUNT, "customers"), 2);
    let keys: Vec<String> = sim
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .filter_map(|r| r.header("idempotency-key").map(str::to_owned))
        .collect();
    assert_eq!(keys, ["sub-lost", "sub-lost-1"]);
}

#[tokio::test]
async fn a_write_is_refused_when_the_connection_on_screen_changed() {
    let sim = sim().await;
    const OTHER: &str = "sk_test_51ActionsOtherShop0000000000042";
    sim.add_account("acct_1OtherShop", "Other Shop");
    sim.add_key(OTHER, "acct_1OtherShop", KeyAccess::Full);
    let d = desk(&sim, "switched");
    d.save_key_connection(KEY, false).await.unwrap();
    let shown = seen(&d);
    // Meanwhile the active connection becomes another account.
    let other = d.save_key_connection(OTHER, false).await.unwrap();
    d.set_active(&other.id).unwrap();
    sim.clear_requests();
    let err = d
        .run_action(
            "create_customer",
            &FilledForm::new().text("name", "Maria"),
            &first_try("switched-1"),
            &shown,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "connection_changed");
    assert_eq!(
        err.plain_message(),
        "Nothing was sent: the account on screen changed to Other Shop (test mode). Look at it and try again."
    );
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());
    assert_eq!(
        sim.count(ACCOUNT, "customers") + sim.count("acct_1OtherShop", "customers"),
        0
    );
}

#[tokio::test]
async fn drafts_never_keep_card_numbers_or_secrets_and_a_sent_form_is_cleared() {
    let sim = sim().await;
    let d = desk(&sim, "sensitive-drafts");
    d.save_key_connection(KEY, false).await.unwrap();
    let any = FilledForm::new()
        .text("method", "POST")
        .text("path", "/v1/payment_methods")
        .value(
            "params",
            rows(&[
                ("type", "card"),
                ("card[number]", "4242424242424242"),
                ("card[cvc]", "314"),
                ("billing_details[name]", "Maria Lopez"),
            ]),
        );
    d.save_action_draft("any_endpoint", &any).unwrap();
    let customer = FilledForm::new()
        .text("name", "Maria Lopez")
        .text("description", "whsec_abcdefghijklmnopqrstuv");
    d.save_action_draft("create_customer", &customer).unwrap();
    let drafts_dir = std::env::temp_dir()
        .join(format!(
            "desk-actions-sensitive-drafts-{}",
            std::process::id()
        ))
        .join("drafts");
    let mut kept = String::new();
    for entry in std::fs::read_dir(&drafts_dir).unwrap() {
        kept.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    for secret in ["4242424242424242", "314", "whsec_"] {
        assert!(
            !kept.contains(secret),
            "{secret} kept in the drafts: {kept}"
        );
    }
    assert!(
        kept.contains("card[number]") && kept.contains("Maria Lopez"),
        "{kept}"
    );
    // Sent: the draft of that form is gone.
    d.run_action(
        "create_customer",
        &FilledForm::new().text("name", "Maria Lopez"),
        &first_try("draft-1"),
        &seen(&d),
    )
    .await
    .unwrap();
    assert!(!d.action_drafts().contains_key("create_customer"));
    assert!(d.action_drafts().contains_key("any_endpoint"));
}

#[tokio::test]
async fn countries_languages_limits_and_what_stripe_keeps() {
    let sim = sim().await;
    let d = desk(&sim, "places");
    d.save_key_connection(KEY, false).await.unwrap();
    // "Germ" finds Germany, which is sent as DE (never GE, Georgia).
    let found = d
        .lookup_choices("create_customer", "address", "Germ", None)
        .await
        .unwrap();
    assert_eq!(found.choices.len(), 1);
    assert_eq!(
        (
            found.choices[0].id.as_str(),
            found.choices[0].label.as_str()
        ),
        ("DE", "Germany")
    );
    let langs = d
        .lookup_choices("create_customer", "preferred_locales", "Germ", None)
        .await
        .unwrap();
    assert_eq!(langs.choices[0].id, "de");
    let long = "Lindenstraße ".repeat(30);
    let made = d
        .run_action(
            "create_customer",
            &FilledForm::new()
                .text("name", "Maria")
                .text("description", &"Regular since 2019. ".repeat(20))
                .value(
                    "address",
                    FieldValue::Address(AddressValue {
                        line1: long.clone(),
                        country: "Germany".into(),
                        ..AddressValue::default()
                    }),
                )
                .value(
                    "preferred_locales",
                    FieldValue::List(vec!["German".into(), "en".into()]),
                ),
            &first_try("places-1"),
            &seen(&d),
        )
        .await
        .unwrap();
    assert_eq!(made.json["address"]["country"], "DE");
    assert_eq!(made.json["address"]["line1"], long.trim());
    assert_eq!(
        made.json["preferred_locales"],
        serde_json::json!(["de", "en"])
    );
    // Typed text is refused at its field with the reason, never cut.
    let errors = d
        .check_action(
            "create_customer",
            &FilledForm::new()
                .value(
                    "address",
                    FieldValue::Address(AddressValue {
                        country: "Germ".into(),
                        ..AddressValue::default()
                    }),
                )
                .value(
                    "preferred_locales",
                    FieldValue::List(vec!["Klingon".into()]),
                ),
        )
        .unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e.field == "address" && e.message.contains("Germ for Germany")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.field == "preferred_locales"),
        "{errors:?}"
    );
    // A statement descriptor: what Stripe keeps is said, not refused.
    let notes = d
        .check_action(
            "create_product",
            &FilledForm::new()
                .text("name", "Tea")
                .text("statement_descriptor", "Café Zoë Tea"),
        )
        .unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].note && notes[0].message.contains("CAF ZO TEA"),
        "{notes:?}"
    );
}

#[tokio::test]
async fn search_finds_part_of_an_email_and_a_duplicate_email_is_found_before_creating() {
    let sim = sim().await;
    let d = desk(&sim, "search-parts");
    d.save_key_connection(KEY, false).await.unwrap();
    new_customer(&d, "Maria Lopez").await;
    new_customer(&d, "Jo Baker").await;
    for part in ["lopez", "maria.lopez", "example"] {
        let listed = d
            .run_action(
                "list_customers",
                &FilledForm::new().text("search", part),
                &Submission::first(IdempotencyKey::random()),
                &seen(&d),
            )
            .await
            .unwrap();
        assert!(
            listed.items.iter().any(|i| row(i, "Name") == "Maria Lopez"),
            "{part}: {:?}",
            listed.items
        );
    }
    let found = d
        .lookup_choices("create_subscription", "customer", "maria.lo", None)
        .await
        .unwrap();
    assert_eq!(found.choices.len(), 1, "{found:?}");
    let nothing = d
        .lookup_choices("create_subscription", "customer", "zzzz", None)
        .await
        .unwrap();
    let note = nothing.note.unwrap();
    assert_eq!(
        note,
        "No customer's name, email or phone contains \"zzzz\"."
    );
    let short = d
        .lookup_choices("create_subscription", "customer", "ma", None)
        .await
        .unwrap();
    assert!(short.note.unwrap().contains("at least 3 characters"));
    // Before creating a second customer with an email that exists.
    let same = d
        .action_duplicate(
            "create_customer",
            &FilledForm::new().text("email", "maria.lopez@example.com"),
        )
        .await
        .unwrap()
        .expect("the existing customer");
    assert_eq!(same.label, "Maria Lopez");
    assert!(d
        .action_duplicate(
            "create_customer",
            &FilledForm::new().text("email", "new@example.com")
        )
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn products_and_plans_with_ids_the_account_chose() {
    let sim = sim().await;
    let client = StripeClient::new(config(&sim.base_url())).unwrap();
    let a = auth(KEY);
    let post = |path: &'static str, params: desk_core::stripe::Params| {
        let (client, a) = (&client, &a);
        async move {
            client
                .send(a, &desk_core::stripe::Request::post(path).params(params))
                .await
                .unwrap()
        }
    };
    use desk_core::stripe::Params;
    post(
        "/v1/products",
        Params::new().text("id", "gold").text("name", "Gold"),
    )
    .await;
    post("/v1/products", Params::new().text("name", "Silver")).await;
    post(
        "/v1/plans",
        Params::new()
            .text("id", "gold-monthly")
            .text("amount", "2490")
            .text("currency", "eur")
            .text("interval", "month")
            .text("product", "gold"),
    )
    .await;
    let got = run(
        &sim,
        "get_product",
        FilledForm::new().text("product", "gold"),
    )
    .await
    .unwrap();
    assert_eq!(row(&got.rows, "Name"), "Gold");
    let after = run(
        &sim,
        "list_products",
        FilledForm::new().text("starting_after", "gold"),
    )
    .await
    .unwrap();
    assert!(after.items.is_empty() || after.items.iter().all(|i| row(i, "Name") != "Gold"));
    let plans = run(&sim, "list_plans", FilledForm::new()).await.unwrap();
    assert_eq!(row(&plans.items[0], "Product"), "Gold");
    assert_eq!(row(&plans.items[0], "Price"), "24.90 EUR / month");
    let cus = run(
        &sim,
        "create_customer",
        FilledForm::new()
            .text("name", "Plan Buyer")
            .text("email", "p@example.com"),
    )
    .await
    .unwrap();
    let sub = run(
        &sim,
        "create_subscription",
        FilledForm::new()
            .text("customer", row_id(&cus.rows, "Name"))
            .value("items", items_of("gold-monthly")),
    )
    .await
    .unwrap();
    assert_eq!(row(&sub.rows, "Product"), "Gold");
    let ended = run(
        &sim,
        "list_subscriptions",
        FilledForm::new().text("status", "ended"),
    )
    .await
    .unwrap();
    assert_eq!(ended.headline, "Nothing found");
}
