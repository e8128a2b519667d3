//! A live-mode write from the Actions screen asks first, naming the account;
//! cancelling sends nothing. Half-filled forms survive a restart. (Its own binary: one app window per test process.)

mod support;

use stripe_sim::KeyAccess;
use support::*;

const LIVE_KEY: &str = "sk_live_FAKE_window_actions_key_0777";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_mode_write_asks_first_and_cancel_sends_nothing() {
    require_desktop();
    let sim = simulator().await;
    sim.add_account("acct_1WindowLive", "Acme Live Shop");
    sim.add_key(LIVE_KEY, "acct_1WindowLive", KeyAccess::Full);
    let data_dir = temp_dir("window-actions-live");
    let shots = artifacts_dir();
    let driver = Driver::start(&sim, &data_dir);
    let w = driver.session().await;

    connect_with_key(&w, LIVE_KEY, "live mode", "Acme Live Shop").await;
    w.click("#nav-actions").await;
    w.wait_for_text(".action-form h2", "Create Customer").await;
    w.type_into("[data-field='name'] input", "Real Person")
        .await;
    sim.clear_requests();
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text("#confirm-title", "Create Customer in Acme Live Shop?")
        .await;
    w.screenshot(&shots.join("actions-05-live-confirm.png"))
        .await;
    w.click("#confirm-no").await;
    w.wait_until_gone("#confirm-dialog").await;
    assert!(sim.requests().iter().all(|r| r.method != "POST"));
    assert_eq!(sim.count("acct_1WindowLive", "customers"), 0);

    w.click(".action-form button[type='submit']").await;
    w.wait_for_text("#confirm-title", "Acme Live Shop").await;
    w.click("#confirm-yes").await;
    w.wait_for_text(".action-result h3", "Created").await;
    assert_eq!(sim.count("acct_1WindowLive", "customers"), 1);

    // A half-filled form survives an app restart (kept per connection in the data dir).
    w.click("[data-action='create_product']").await;
    w.wait_for_text(".action-form h2", "Create Product").await;
    w.type_into("[data-field='name'] input", "Half-typed tea")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    w.quit().await;
    let w = driver.session().await;
    w.wait_for_text("#header-account", "Acme Live Shop").await;
    w.click("#nav-actions").await;
    w.wait_for_text(".action-form h2", "Create Customer").await;
    let kept = w
        .execute("return document.querySelector(\"[data-field='name'] input\").value")
        .await;
    assert_eq!(kept, "Real Person");
    w.click("[data-action='create_product']").await;
    w.wait_for_text(".action-form h2", "Create Product").await;
    let kept = w
        .execute("return document.querySelector(\"[data-field='name'] input\").value")
        .await;
    assert_eq!(kept, "Half-typed tea");
    w.screenshot(&shots.join("actions-12-draft-after-restart.png"))
        .await;
    w.quit().await;
}
