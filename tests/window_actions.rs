//! The Actions screen in the real app window, against the simulator:
//! a form drawn from its description, a mistake shown at its field before
//! anything is sent, a customer created and looked up, as a person would.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use stripe_sim::{KeyAccess, SeedSpec};
use support::*;

const KEY: &str = "sk_test_51WindowActionsKey00000000004242";
/// Reads everything, writes nothing (as the demo's restricted key).
const READ_ONLY: &str = "rk_test_51WindowActionsReadOnly00001111";
const ACCOUNT: &str = "acct_1WindowActions";

/// Waits up to 20 s until `script` returns true.
async fn wait_js(w: &webdriver::Session, script: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while w.execute(script).await != serde_json::Value::Bool(true) {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Chooses an option of a drop-down (WebDriver cannot click the options
/// of a closed `<select>`): as picking it would, with its change event.
async fn choose(w: &webdriver::Session, select: &str, value: &str) {
    w.find(select).await;
    let done = w
        .execute(&format!(
            "const s = document.querySelector({select:?}); s.focus(); s.value = {value:?}; s.dispatchEvent(new Event('change', {{bubbles: true}})); s.dispatchEvent(new Event('input', {{bubbles: true}})); return s.value === {value:?};"
        ))
        .await;
    assert_eq!(
        done,
        serde_json::Value::Bool(true),
        "{select} has no option {value}"
    );
}

/// Submits the form shown and waits for its result's headline.
async fn submit_and_see(w: &webdriver::Session, headline: &str) {
    w.execute("document.querySelector('.action-result') && document.querySelector('.action-result').replaceChildren()")
        .await;
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text(".action-result h3", headline).await;
}

async fn open_action(w: &webdriver::Session, id: &str, title: &str) {
    w.click(&format!("[data-action='{id}']")).await;
    w.wait_for_text(".action-form h2", title).await;
}

/// The `id` in the JSON of the result shown.
async fn result_id(w: &webdriver::Session) -> String {
    w.execute("return JSON.parse(document.querySelector('.action-result pre').textContent).id")
        .await
        .as_str()
        .expect("an ID in the result's JSON")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_a_customer_and_look_it_up_from_the_actions_screen() {
    require_desktop();
    let sim = simulator().await;
    sim.add_account(ACCOUNT, "Acme Actions Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim.add_account("acct_1WindowReadOnly", "Read Only Books");
    let reads: BTreeSet<String> = ["rak_customer_read", "rak_product_read", "rak_price_read"]
        .map(str::to_owned)
        .into();
    sim.add_key(
        READ_ONLY,
        "acct_1WindowReadOnly",
        KeyAccess::Restricted(reads),
    );
    let data_dir = temp_dir("window-actions");
    let shots = artifacts_dir();
    let driver = Driver::start(&sim, &data_dir);
    let w = driver.session().await;

    connect_with_key(&w, KEY, "Secret key, test mode", "Acme Actions Shop").await;

    w.click("#nav-actions").await;
    w.wait_for_text(".action-form h2", "Create Customer").await;
    // A mistake is shown next to its field, and nothing reaches Stripe.
    sim.clear_requests();
    w.type_into("[data-field='email'] input", "zoe-at-example")
        .await;
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text(
        "[data-field='email'] .field-message",
        "like name@example.com",
    )
    .await;
    w.screenshot(&shots.join("actions-01-email-refused.png"))
        .await;
    assert!(sim.requests().iter().all(|r| r.path != "/v1/customers"));

    w.type_into("[data-field='name'] input", "Zoë Café").await;
    w.type_into("[data-field='email'] input", "zoe@example.com")
        .await;
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text(".action-result h3", "Created").await;
    w.wait_for_text(".action-result .summary", "zoe@example.com")
        .await;
    w.screenshot(&shots.join("actions-02-customer-created.png"))
        .await;
    assert_eq!(sim.count("acct_1WindowActions", "customers"), 1);

    // Update: fill the form from Stripe, change one thing, and only that is sent.
    let id = w
        .execute("return JSON.parse(document.querySelector('.action-result pre').textContent).id")
        .await
        .as_str()
        .expect("the new customer's ID in the result")
        .to_owned();
    w.click("[data-action='update_customer']").await;
    w.wait_for_text(".action-form h2", "Update Customer").await;
    w.type_into("[data-field='customer'] input", &id).await;
    w.click("[data-field='customer'] button").await;
    // The form is redrawn with the customer's current values.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let v = w
            .execute("return document.querySelector(\"[data-field='email'] input\").value")
            .await;
        if v == "zoe@example.com" {
            break;
        }
        if std::time::Instant::now() > deadline {
            let why = w
                .execute("return document.querySelector(\"[data-field='customer']\").innerText")
                .await;
            panic!("email never filled: {v}; the customer field says {why}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    w.type_into("[data-field='email'] input", "zoe@new.example")
        .await;
    sim.clear_requests();
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text(".action-result h3", "Updated").await;
    let sent = sim.requests();
    let update = sent
        .iter()
        .find(|r| r.method == "POST" && r.path.starts_with("/v1/customers/"))
        .expect("the update");
    assert_eq!(update.body, "email=zoe%40new.example");
    w.screenshot(&shots.join("actions-03-customer-updated.png"))
        .await;

    w.click("[data-action='list_customers']").await;
    w.wait_for_text(".action-form h2", "List Customers").await;
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text(".action-result h3", "1 found").await;
    w.screenshot(&shots.join("actions-04-list.png")).await;

    // Stripe's refusal is shown at the field its `param` names; the input stays.
    w.click("[data-action='create_subscription']").await;
    w.wait_for_text(".action-form h2", "Create Subscription")
        .await;
    w.type_into("[data-field='customer'] input", "cus_nobody1")
        .await;
    w.type_into("[data-field='items'] .row input", "price_nothing1")
        .await;
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text(
        "[data-field='customer'] .field-message",
        "No such customer: 'cus_nobody1'",
    )
    .await;
    let kept = w
        .execute("return document.querySelector(\"[data-field='customer'] input\").value")
        .await;
    assert_eq!(kept, "cus_nobody1");
    w.screenshot(&shots.join("actions-06-refusal-at-field.png"))
        .await;

    // Get Customer by ID.
    open_action(&w, "get_customer", "Get Customer by ID").await;
    w.type_into("[data-field='customer'] input", &id).await;
    submit_and_see(&w, "Found").await;
    w.wait_for_text(".action-result .summary", "zoe@new.example")
        .await;
    w.screenshot(&shots.join("result-get_customer.png")).await;

    // Create Product with a monthly price, so a subscription can be sold at once.
    open_action(&w, "create_product", "Create Product").await;
    w.type_into("[data-field='name'] input", "Tea club").await;
    w.type_into("[data-field='price_amount'] input", "12.50")
        .await;
    w.type_into("[data-field='price_currency'] input", "eur")
        .await;
    choose(&w, "[data-field='price_interval'] select", "month").await;
    w.wait_for_text(
        "[data-field='price_amount'] .amount-understood",
        "12.50 EUR",
    )
    .await;
    submit_and_see(&w, "Created").await;
    w.wait_for_text(".action-result .summary", "Tea club").await;
    let product = result_id(&w).await;
    w.screenshot(&shots.join("result-create_product.png")).await;

    // Get Product by ID, with its prices.
    open_action(&w, "get_product", "Get Product by ID").await;
    w.type_into("[data-field='product'] input", &product).await;
    submit_and_see(&w, "Found").await;
    w.wait_for_text(".action-result-card", "12.50 EUR").await;
    w.screenshot(&shots.join("result-get_product.png")).await;

    open_action(&w, "list_products", "List Products").await;
    submit_and_see(&w, "1 found").await;
    w.screenshot(&shots.join("result-list_products.png")).await;

    // Create Subscription through the pickers: a customer found by name,
    // the product's recurring price chosen from a list.
    open_action(&w, "create_subscription", "Create Subscription").await;
    w.type_into("[data-field='customer'] .picker-search", "zoë")
        .await;
    w.wait_for_text("[data-field='customer'] .picker-choices", "Zoë Café")
        .await;
    w.screenshot(&shots.join("actions-07-customer-picker.png"))
        .await;
    w.click("[data-field='customer'] .picker-choice").await;
    w.wait_for_text("[data-field='customer'] .picker-note", "Chosen: Zoë Café")
        .await;
    let picked = w
        .execute("return document.querySelector(\"[data-field='customer'] input\").value")
        .await;
    assert_eq!(picked, id.as_str());
    let option = format!("[data-field='items'] .pick-parent option[value='{product}']");
    wait_js(
        &w,
        &format!("return document.querySelector({option:?}) !== null"),
        "the product in the item's product list",
    )
    .await;
    choose(&w, "[data-field='items'] .pick-parent", &product).await;
    // Its one recurring price is taken at once.
    wait_js(
        &w,
        "return document.querySelector(\"[data-field='items'] .item-id\").value.startsWith('price_')",
        "the price ID filled from the product's price",
    )
    .await;
    w.type_into("[data-field='items'] .item-qty", "2").await;
    w.screenshot(&shots.join("actions-08-subscription-items.png"))
        .await;
    submit_and_see(&w, "Created").await;
    w.wait_for_text(".action-result .summary", "12.50 EUR")
        .await;
    assert_eq!(sim.count(ACCOUNT, "subscriptions"), 1);
    w.screenshot(&shots.join("result-create_subscription.png"))
        .await;

    open_action(&w, "list_subscriptions", "List Subscriptions").await;
    submit_and_see(&w, "1 found").await;
    w.wait_for_text(".action-result .result-items", "Active")
        .await;
    w.screenshot(&shots.join("result-list_subscriptions.png"))
        .await;

    // A request to any endpoint shows Stripe's status with the request ID.
    open_action(&w, "any_endpoint", "Request to any endpoint").await;
    w.type_into("[data-field='path'] input", &format!("/v1/customers/{id}"))
        .await;
    submit_and_see(&w, "Done").await;
    w.wait_for_text(".action-result .result-status", "HTTP 200")
        .await;
    w.wait_for_text(".action-result .result-status", "req_")
        .await;
    w.screenshot(&shots.join("result-any_endpoint.png")).await;
    // A path this app does not know is flagged before anything is sent;
    // ticking the box sends it, and Stripe's own words are one click away.
    w.type_into("[data-field='path'] input", "/v1/brand_new_things")
        .await;
    sim.clear_requests();
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text(
        "[data-field='path'] .field-message",
        "not in this app's list",
    )
    .await;
    assert!(sim
        .requests()
        .iter()
        .all(|r| r.path != "/v1/brand_new_things"));
    w.screenshot(&shots.join("actions-09-unknown-path-flagged.png"))
        .await;
    w.click("[data-field='send_unlisted'] input").await;
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text(".action-form > .field-message", "Unrecognized request URL")
        .await;
    w.click(".action-form > .field-message .stripe-words summary")
        .await;
    w.wait_for_text(".action-form > .field-message .stripe-words", "HTTP 404")
        .await;
    w.wait_for_text(".action-form > .field-message .request-id", "req_")
        .await;
    w.screenshot(&shots.join("actions-10-refusal-stripe-words.png"))
        .await;

    // Where Stripe offers no search, the search box falls back to the email filter and says so.
    sim.set_search_unavailable(ACCOUNT, true);
    open_action(&w, "list_customers", "List Customers").await;
    w.type_into("[data-field='search'] input", "zoe@new.example")
        .await;
    submit_and_see(&w, "1 found").await;
    w.wait_for_text(
        ".action-result .result-note",
        "email is exactly zoe@new.example",
    )
    .await;
    w.screenshot(&shots.join("result-list_customers-search-fallback.png"))
        .await;

    sim.seed_sample_data(
        ACCOUNT,
        SeedSpec {
            customers: 0,
            products: 2,
            subscriptions: 0,
            balance_transactions: 30,
            rng_seed: 9,
        },
    );
    open_action(&w, "list_balance_transactions", "List Balance Transactions").await;
    submit_and_see(&w, "10 found").await;
    w.wait_for_text(".action-result .result-items", "Net").await;
    w.screenshot(&shots.join("result-list_balance_transactions.png"))
        .await;
    open_action(&w, "list_plans", "List Plans").await;
    submit_and_see(&w, "found").await;
    w.wait_for_text(".action-result .result-items", "Every")
        .await;
    w.screenshot(&shots.join("result-list_plans.png")).await;

    // Every form, drawn by the one renderer, for looking at.
    let ids = w
        .execute("return Array.from(document.querySelectorAll('[data-action]')).map(b => b.dataset.action)")
        .await;
    let ids: Vec<String> = serde_json::from_value(ids).unwrap();
    assert_eq!(ids.len(), 12);
    for id in ids {
        w.click(&format!("[data-action='{id}']")).await;
        w.wait_for_text(".action-form h2", "").await;
        w.execute("document.querySelector('main').scrollTop = 0")
            .await;
        w.screenshot(&shots.join(format!("form-{id}.png"))).await;
    }

    // A read-only restricted key: before anything is typed, Create Customer
    // says which permission it lacks, and cannot be submitted.
    w.click("#nav-connections").await;
    connect_with_key(&w, READ_ONLY, "Restricted key", "Read Only Books").await;
    w.click("#nav-actions").await;
    open_action(&w, "create_customer", "Create Customer").await;
    w.wait_for_text(".action-form .note.warn", "rak_customer_write")
        .await;
    wait_js(
        &w,
        "return document.querySelector(\".action-form button[type='submit']\").disabled",
        "the submit button disabled",
    )
    .await;
    w.screenshot(&shots.join("actions-11-read-only-key.png"))
        .await;
    w.quit().await;
}
