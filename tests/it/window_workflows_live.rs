//! A live-mode workflow run asks once, listing each write with its whole
//! path and values, in which account; cancelling sends nothing; confirming
//! runs the "new product with its price" template to the end. (Its own
//! binary: one app window per test process.)

use crate::APP;
use desk_testkit::window::plain_words::assert_plain_words;
use desk_testkit::window::*;
use stripe_sim::KeyAccess;

const LIVE_KEY: &str = "sk_live_FAKE_window_workflows_key_0778";
const ACCOUNT: &str = "acct_1WorkflowLive";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_run_asks_once_naming_the_account_and_what_it_creates() {
    let _window = one_window_at_a_time().await;
    let sim = simulator().await;
    sim.add_account(ACCOUNT, "Acme Live Workflows");
    sim.add_key(LIVE_KEY, ACCOUNT, KeyAccess::Full);
    let data_dir = temp_dir("window-workflows-live");
    let shots = artifacts_dir();
    let driver = Driver::start(APP, &sim, &data_dir);
    let w = driver.session().await;

    connect_with_key(&w, LIVE_KEY, "live mode", "Acme Live Workflows").await;
    w.click("#nav-workflows").await;
    w.click("#wf-template-1").await;
    w.click("#btn-wf-new").await;
    w.wait_for_text(".wf-item", "New product with its price")
        .await;
    w.type_into("#wf-run-input-product_name", "Coffee club")
        .await;
    w.type_into("#wf-run-input-monthly_amount", "12.50").await;
    sim.clear_requests();
    w.click("#btn-wf-run").await;
    w.wait_for_text("#confirm-title", "Run in live mode in Acme Live Workflows?")
        .await;
    let body = w.text("#confirm-dialog").await;
    assert!(
        body.contains("This creates or changes real things in Acme Live Workflows, in live mode"),
        "{body}"
    );
    for says in [
        "Step 1 · Create Product",
        "POST /v1/products",
        "Coffee club",
        "Step 2 · Request to any endpoint",
        "POST /v1/prices",
        "unit_amount",
        "12.50 USD",
        "[Step 1, Create Product → ID]",
    ] {
        assert!(body.contains(says), "{says} in {body}");
    }
    assert_plain_words(&w, "Workflows").await;
    w.screenshot_both_themes(&shots.join("workflows-05-live-confirm.png"))
        .await;
    w.click("#confirm-no").await;
    w.wait_until_gone("#confirm-dialog").await;
    assert!(sim.requests().iter().all(|r| r.method != "POST"));

    w.click("#btn-wf-run").await;
    w.wait_for_text("#confirm-title", "Acme Live Workflows")
        .await;
    w.click("#confirm-yes").await;
    w.wait_for_text("#wf-run-message", "Every step is done")
        .await;
    w.wait_for_text(
        "#wf-run .wf-run-step[data-step='create_product']",
        "Coffee club",
    )
    .await;
    w.execute("document.querySelector('#wf-run').scrollIntoView()")
        .await;
    assert_plain_words(&w, "Workflows").await;
    w.screenshot(&shots.join("workflows-06-live-done.png"))
        .await;
    assert_eq!(sim.count(ACCOUNT, "products"), 1);
    assert_eq!(sim.count(ACCOUNT, "prices"), 1);
    // The amount typed as 12.50 reached Stripe as 1250 cents, with the run's metadata.
    let prices: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/v1/prices", sim.base_url()))
        .bearer_auth(LIVE_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let price = &prices["data"][0];
    assert_eq!(price["unit_amount"], 1250, "{price}");
    assert_eq!(price["metadata"]["stripe_desk_step"], "create_price");
    assert_every_call_audited(&data_dir).await;
    w.quit().await;
}
