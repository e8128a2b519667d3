//! The Actions screen in the real app window, against the simulator:
//! a form drawn from its description, a mistake shown at its field before
//! anything is sent, a customer created and looked up, a subscription for a
//! brand-new customer each way a customer can pay, as a person would; and
//! every state checked for developer words.

use crate::APP;
use desk_testkit::window::plain_words::assert_plain_words;
use desk_testkit::window::*;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use stripe_sim::{KeyAccess, SeedSpec};

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

/// A customer made straight through the API, as one made elsewhere (the
/// Dashboard, a shop) would be; returns its ID.
async fn api_customer(sim: &stripe_sim::Simulator, name: &str, email: &str) -> String {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/v1/customers", sim.base_url()))
        .bearer_auth(KEY)
        .form(&[("name", name), ("email", email)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["id"].as_str().unwrap().to_owned()
}

/// Picks a customer in the form's customer picker by part of the name.
async fn pick_customer(w: &webdriver::Session, typed: &str, name: &str) {
    w.type_into("[data-field='customer'] .picker-search", typed)
        .await;
    w.wait_for_text("[data-field='customer'] .picker-choices", name)
        .await;
    w.click("[data-field='customer'] .picker-choice").await;
    w.wait_for_text(
        "[data-field='customer'] .picker-note",
        &format!("Chosen: {name}"),
    )
    .await;
}

/// Picks the product's one recurring price in the first item row.
async fn pick_price(w: &webdriver::Session, product: &str) {
    let option = format!("[data-field='items'] .pick-parent option[value='{product}']");
    wait_js(
        w,
        &format!("return document.querySelector({option:?}) !== null"),
        "the product in the item's product list",
    )
    .await;
    choose(w, "[data-field='items'] .pick-parent", product).await;
    wait_js(
        w,
        "return document.querySelector(\"[data-field='items'] .item-id\").value !== ''",
        "the price filled from the product's price",
    )
    .await;
}

async fn how_to_pay(w: &webdriver::Session, way: &str) {
    w.click(&format!(
        "[data-field='payment'] [data-choice='{way}'] input"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_a_customer_and_look_it_up_from_the_actions_screen() {
    let _window = one_window_at_a_time().await;
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
    let driver = Driver::start(APP, &sim, &data_dir);
    let w = driver.session().await;

    connect_with_key(&w, KEY, "Secret key, test mode", "Acme Actions Shop").await;

    w.click("#nav-actions").await;
    w.wait_for_text(".action-form h2", "Create Customer").await;
    // Everyday actions first; a request by path stands apart, under Advanced.
    w.wait_for_text(".action-list .action-list-heading", "Advanced")
        .await;
    let last = w
        .execute("const b = document.querySelectorAll('.action-list .action-item'); return b[b.length - 1].dataset.action")
        .await;
    assert_eq!(last, "any_endpoint");
    assert_plain_words(&w, "Actions").await;
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
    w.screenshot_both_themes(&shots.join("actions-01-email-refused.png"))
        .await;
    assert!(sim.requests().iter().all(|r| r.path != "/v1/customers"));
    // Editing the field clears what no longer holds.
    w.type_into("[data-field='name'] input", "Zoë Café").await;
    w.type_into("[data-field='email'] input", "zoe@example.com")
        .await;
    wait_js(
        &w,
        "return document.querySelector(\"[data-field='email'] .field-message\").hidden",
        "the email's message cleared once it was edited",
    )
    .await;
    // Germany is picked by its name, never cut to two letters (GE is Georgia).
    w.type_into("[data-field='address'] .country", "Germ").await;
    w.wait_for_text("[data-field='address'] .picker-choices", "Germany")
        .await;
    w.click("[data-field='address'] .picker-choice").await;
    let shown = w
        .execute("return document.querySelector(\"[data-field='address'] .country\").value")
        .await;
    assert_eq!(shown, "Germany");
    w.type_into("[data-field='preferred_locales'] .picker-search", "Germ")
        .await;
    w.wait_for_text("[data-field='preferred_locales'] .picker-choices", "German")
        .await;
    w.click("[data-field='preferred_locales'] .picker-choice")
        .await;
    w.wait_for_text("[data-field='preferred_locales'] .chips", "German")
        .await;
    w.screenshot(&shots.join("actions-02a-country-and-language-picked.png"))
        .await;
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text(".action-result h3", "Created").await;
    w.wait_for_text(".action-result .summary", "zoe@example.com")
        .await;
    assert_plain_words(&w, "Actions").await;
    w.screenshot(&shots.join("actions-02-customer-created.png"))
        .await;
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    let id = result_id(&w).await;
    let stored = sim.object(ACCOUNT, "customers", &id).unwrap();
    assert_eq!(stored["address"]["country"], "DE");
    assert_eq!(stored["preferred_locales"], serde_json::json!(["de"]));
    // Done: the form is put away, so a second click cannot make a second
    // customer; "Create another" starts a fresh, empty one.
    wait_js(
        &w,
        "return document.querySelector('.action-form').hidden",
        "the sent form put away",
    )
    .await;
    w.click("#btn-create-another").await;
    w.wait_for_text(".action-form h2", "Create Customer").await;
    let empty = w
        .execute("return document.querySelector(\"[data-field='name'] input\").value")
        .await;
    assert_eq!(empty, "");
    // The same email again: asked first, and "Open it" shows the one there is.
    w.type_into("[data-field='name'] input", "Zoe Cafe").await;
    w.type_into("[data-field='email'] input", "zoe@example.com")
        .await;
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text(
        ".action-form .duplicate",
        "A customer with this email already exists",
    )
    .await;
    assert_plain_words(&w, "Actions").await;
    w.screenshot(&shots.join("actions-02b-duplicate-email.png"))
        .await;
    w.click("#btn-open-existing").await;
    w.wait_for_text(".action-form h2", "Get Customer by ID")
        .await;
    w.wait_for_text(".action-result h3", "Found").await;
    w.wait_for_text(".action-result .summary", "Zoë Café").await;
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);

    // Update: fill the form from Stripe, change one thing, and only that is sent.
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
    // The country comes back by its name.
    w.wait_for_text("[data-field='preferred_locales'] .chips", "German")
        .await;
    let country = w
        .execute("return document.querySelector(\"[data-field='address'] .country\").value")
        .await;
    assert_eq!(country, "Germany");
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

    // A list is a table of names, with how many are shown; never "N found".
    w.click("[data-action='list_customers']").await;
    w.wait_for_text(".action-form h2", "List Customers").await;
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text(".action-result h3", "Customers").await;
    w.wait_for_text(".action-result .showing", "Showing 1")
        .await;
    w.wait_for_text(".action-result .result-table", "Zoë Café")
        .await;
    assert_plain_words(&w, "Actions").await;
    w.screenshot(&shots.join("actions-04-list.png")).await;
    // Search finds part of an email; fewer than 3 characters is said plainly.
    w.type_into("[data-field='search'] input", "new.exa").await;
    submit_and_see(&w, "Customers").await;
    w.wait_for_text(".action-result .result-table", "Zoë Café")
        .await;
    w.type_into("[data-field='search'] input", "zo").await;
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text(
        "[data-field='search'] .field-message",
        "at least 3 characters",
    )
    .await;
    let kept = w
        .execute("return document.querySelector(\"[data-field='search'] input\").value")
        .await;
    assert_eq!(kept, "zo", "what was typed stays");
    w.type_into("[data-field='search'] input", "").await;

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
    // Letters Stripe leaves out of a statement: said, not refused.
    w.type_into("[data-field='statement_descriptor'] input", "Café Tea")
        .await;
    w.wait_for_text(
        "[data-field='statement_descriptor'] .field-message",
        "it will show CAF TEA",
    )
    .await;
    w.screenshot(&shots.join("actions-06b-statement-descriptor.png"))
        .await;
    submit_and_see(&w, "Created").await;
    w.wait_for_text(".action-result .summary", "12.50 EUR / month")
        .await;
    let product = result_id(&w).await;
    assert_plain_words(&w, "Actions").await;
    w.screenshot(&shots.join("result-create_product.png")).await;

    // Get Product by ID, with its prices.
    open_action(&w, "get_product", "Get Product by ID").await;
    w.type_into("[data-field='product'] input", &product).await;
    submit_and_see(&w, "Found").await;
    w.wait_for_text(".action-result-card", "12.50 EUR").await;
    w.screenshot(&shots.join("result-get_product.png")).await;

    open_action(&w, "list_products", "List Products").await;
    submit_and_see(&w, "Products").await;
    w.wait_for_text(".action-result .result-table", "12.50 EUR / month")
        .await;
    w.screenshot(&shots.join("result-list_products.png")).await;

    // A subscription for a brand-new customer, each way a customer can pay.
    let maria = api_customer(&sim, "Maria Lopez", "maria@example.com").await;
    let jo = api_customer(&sim, "Jo Baker", "jo@example.com").await;
    let ann = api_customer(&sim, "Ann Smith", "ann@example.com").await;
    let bo = api_customer(&sim, "Bo Lee", "bo@example.com").await;
    sim.save_test_card(ACCOUNT, &jo, "pm_card_visa").unwrap();

    // 1. Email them an invoice to pay online, due in N days.
    open_action(&w, "create_subscription", "Create Subscription").await;
    pick_customer(&w, "mar", "Maria Lopez").await;
    pick_price(&w, &product).await;
    // A new customer has no card: that way is not offered.
    w.wait_for_text(
        "[data-field='payment'] [data-choice='saved_card']",
        "none saved",
    )
    .await;
    let disabled = w
        .execute("return document.querySelector(\"[data-field='payment'] [data-choice='saved_card'] input\").disabled")
        .await;
    assert_eq!(disabled, true);
    w.type_into("[data-field='days_until_due'] input", "14")
        .await;
    assert_plain_words(&w, "Actions").await;
    w.screenshot_both_themes(&shots.join("actions-07-how-they-pay-invoice.png"))
        .await;
    submit_and_see(&w, "Created").await;
    w.wait_for_text(".action-result .summary", "Invoice emailed to")
        .await;
    w.wait_for_text(".action-result .summary", "maria@example.com")
        .await;
    w.wait_for_text(".action-result .summary", "12.50 EUR / month")
        .await;
    assert_eq!(sim.emailed_invoices(ACCOUNT).len(), 1);
    assert_plain_words(&w, "Actions").await;
    w.screenshot(&shots.join("result-create_subscription-invoice.png"))
        .await;
    w.click("#btn-create-another").await;

    // 2. The card saved on the customer, shown as brand and last four.
    pick_customer(&w, "Jo B", "Jo Baker").await;
    pick_price(&w, &product).await;
    w.wait_for_text(
        "[data-field='payment'] [data-choice='saved_card']",
        "Visa ending 4242",
    )
    .await;
    how_to_pay(&w, "saved_card").await;
    wait_js(
        &w,
        "return document.querySelector(\"[data-field='days_until_due']\").hidden",
        "days to pay hidden for a card",
    )
    .await;
    w.screenshot(&shots.join("actions-08-how-they-pay-saved-card.png"))
        .await;
    submit_and_see(&w, "Created").await;
    w.wait_for_text(".action-result .summary", "Active").await;
    w.wait_for_text(".action-result .summary", "Jo Baker").await;
    w.click("#btn-create-another").await;

    // 3. A free trial of N days.
    pick_customer(&w, "Ann", "Ann Smith").await;
    pick_price(&w, &product).await;
    how_to_pay(&w, "trial").await;
    w.type_into("[data-field='trial_period_days'] input", "14")
        .await;
    submit_and_see(&w, "Created").await;
    w.wait_for_text(".action-result .summary", "Trial ends")
        .await;
    w.click("#btn-create-another").await;

    // 4. Unpaid, with a payment page to give the customer: Copy and Open.
    pick_customer(&w, "Bo L", "Bo Lee").await;
    pick_price(&w, &product).await;
    how_to_pay(&w, "payment_page").await;
    submit_and_see(&w, "Created").await;
    w.wait_for_text(".action-result .summary", "Payment page")
        .await;
    w.wait_for_text(".action-result .summary", "Incomplete")
        .await;
    let link = w
        .execute("return document.querySelector('.action-result .link-value').value")
        .await;
    assert!(
        link.as_str()
            .unwrap()
            .starts_with("https://invoice.stripe.com/i/"),
        "{link}"
    );
    w.find(".action-result .summary button[aria-label='Copy link to the payment page']")
        .await;
    w.wait_for_text(".action-result .summary", "Open").await;
    assert_plain_words(&w, "Actions").await;
    w.screenshot_both_themes(&shots.join("result-create_subscription-payment-page.png"))
        .await;
    assert_eq!(sim.count(ACCOUNT, "subscriptions"), 4);
    for customer in [&maria, &jo, &ann, &bo] {
        let subs = sim.requests();
        assert!(
            subs.iter()
                .any(|r| r.path == "/v1/subscriptions" && r.body.contains(customer.as_str())),
            "no subscription sent for {customer}"
        );
    }

    // Names and amounts, not IDs, in a table; each ID one click away.
    open_action(&w, "list_subscriptions", "List Subscriptions").await;
    submit_and_see(&w, "Subscriptions").await;
    w.wait_for_text(".action-result .result-table", "Maria Lopez")
        .await;
    w.wait_for_text(".action-result .result-table", "12.50 EUR / month")
        .await;
    w.wait_for_text(".action-result .result-table", "Trialing")
        .await;
    assert_plain_words(&w, "Actions").await;
    w.screenshot(&shots.join("result-list_subscriptions.png"))
        .await;
    // (WebKitWebDriver calls a <summary> in a table cell not interactable; a
    // person's click is the element's click.)
    w.execute("document.querySelector('.action-result .result-table .id-behind summary').click()")
        .await;
    w.wait_for_text(".action-result .result-table .id-behind code", "sub_")
        .await;
    w.screenshot(&shots.join("result-list_subscriptions-id-open.png"))
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
    submit_and_see(&w, "Customers").await;
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
    submit_and_see(&w, "Balance transactions").await;
    w.wait_for_text(".action-result .showing", "Showing 10")
        .await;
    w.wait_for_text(".action-result .result-table", "Net").await;
    w.wait_for_text("[data-field='payout'] .help", "Automatic payouts only")
        .await;
    assert_plain_words(&w, "Actions").await;
    w.screenshot(&shots.join("result-list_balance_transactions.png"))
        .await;
    open_action(&w, "list_plans", "List Plans").await;
    submit_and_see(&w, "Plans").await;
    w.wait_for_text(".action-result .result-table", "Price")
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
        if id != "any_endpoint" {
            assert_plain_words(&w, &format!("Actions ({id})")).await;
        }
        w.screenshot(&shots.join(format!("form-{id}.png"))).await;
    }

    // A read-only restricted key: before anything is typed, Create Customer
    // says, in the Dashboard's words, what the key lacks, and cannot be submitted.
    w.click("#nav-connections").await;
    connect_with_key(&w, READ_ONLY, "Restricted key", "Read Only Books").await;
    w.click("#nav-actions").await;
    open_action(&w, "create_customer", "Create Customer").await;
    w.wait_for_text(
        ".action-form .note.warn",
        "This key can't create customers: it needs Customers: Write",
    )
    .await;
    wait_js(
        &w,
        "return document.querySelector(\".action-form button[type='submit']\").disabled",
        "the submit button disabled",
    )
    .await;
    assert_plain_words(&w, "Actions").await;
    w.screenshot(&shots.join("actions-11-read-only-key.png"))
        .await;
    assert_every_call_audited(&data_dir).await;
    w.quit().await;
}
