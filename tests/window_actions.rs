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

    w.click("[data-action='list_customers']").await;
    w.wait_for_text(".action-form h2", "List Customers").await;
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text(".action-result h3", "1 found").await;
    w.screenshot(&shots.join("actions-03-list.png")).await;
    w.quit().await;
}
