//! The Actions screen in the real app window, against the simulator:
//! a form drawn from its description, a mistake shown at its field before
//! anything is sent, a customer created and looked up, as a person would.

mod support;

use stripe_sim::KeyAccess;
use support::*;

const KEY: &str = "sk_test_51WindowActionsKey00000000004242";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_a_customer_and_look_it_up_from_the_actions_screen() {
    require_desktop();
    let sim = simulator().await;
    sim.add_account("acct_1WindowActions", "Acme Actions Shop");
    sim.add_key(KEY, "acct_1WindowActions", KeyAccess::Full);
    let data_dir = temp_dir("window-actions");
    let shots = artifacts_dir();
    let driver = Driver::start(&sim, &data_dir);
    let w = driver.session().await;

    w.type_into("#key-input", KEY).await;
    w.wait_for_text("#key-message", "Secret key, test mode")
        .await;
    w.click("#btn-save-key").await;
    w.wait_for_text("#header-account", "Acme Actions Shop")
        .await;

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
    w.quit().await;
}
