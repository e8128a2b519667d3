//! "Create a key for Stripe Desk" in the real window: what the person wants
//! to do, the permissions to set as the Dashboard names them, the
//! Dashboard's API keys page in the browser, then a pasted restricted key
//! checked for what was chosen: a read-only one is told what it lacks at
//! the field, one with the right permissions is saved.

use crate::APP;
use desk_testkit::window::*;
use std::time::Duration;
use stripe_sim::KeyAccess;

/// Like the demo's read-only restricted key: it may read, never write.
const READ_ONLY: &str = "rk_test_51GuideWindowReadOnly000000001111";
const RIGHT: &str = "rk_test_51GuideWindowRightKey0000000002222";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_guide_lists_the_permissions_and_names_what_a_read_only_key_lacks() {
    let _window = one_window_at_a_time().await;
    let sim = simulator().await;
    sim.add_account("acct_1GuideShop", "Guide Test Shop");
    let reads = [
        "rak_customer_read",
        "rak_product_read",
        "rak_price_read",
        "rak_plan_read",
        "rak_subscription_read",
        "rak_balance_read",
        "rak_balance_transaction_source_read",
        "rak_event_read",
    ];
    sim.add_key(
        READ_ONLY,
        "acct_1GuideShop",
        KeyAccess::Restricted(reads.map(String::from).into()),
    );
    let right = [
        "rak_customer_write",
        "rak_product_write",
        "rak_balance_read",
        "rak_balance_transaction_source_read",
        "rak_payout_read",
    ];
    sim.add_key(
        RIGHT,
        "acct_1GuideShop",
        KeyAccess::Restricted(right.map(String::from).into()),
    );
    let data_dir = temp_dir("window-key-guide");
    let opened = data_dir.join("browser-opened.log");
    install_stand_in_browser();
    let driver = Driver::start_with(
        APP,
        &sim,
        &data_dir,
        &[("STAND_IN_BROWSER_OPENED", opened.as_os_str())],
    );
    let shots = artifacts_dir();
    let w = driver.session().await;

    // The first screen offers the guide beside pasting a key, folded.
    w.wait_for_text("#key-guide-title", "Create a key for Stripe Desk")
        .await;
    let open = w
        .execute("return document.querySelector('#key-guide').open")
        .await;
    assert_eq!(open, serde_json::json!(false), "the guide starts folded");
    w.click("#key-guide-title").await;
    w.wait_for_text("#key-guide-goals", "Look things up only")
        .await;
    for goal in [
        "Create customers and products",
        "Subscriptions",
        "Balances and reports",
        "Activity and notifications",
        "Workflows on connected accounts",
    ] {
        w.wait_for_text("#key-guide-goals", goal).await;
    }
    w.wait_for_text("#key-guide-empty", "Choose at least one")
        .await;
    plain_words::assert_plain_words(&w, "key guide, nothing chosen").await;
    w.screenshot(&shots.join("key-guide-01-goals.png")).await;

    // Customers and products, and balances: the list, as the Dashboard names it.
    w.click("#goal-customers_and_products").await;
    w.click("#goal-balances_and_reports").await;
    w.wait_for_text("#key-guide-permissions", "Payouts").await;
    let rows = w
        .execute(
            "return [...document.querySelectorAll('#key-guide-permissions tbody tr')]\
             .map((r) => [...r.cells].slice(0, 2).map((c) => c.innerText).join(': '))",
        )
        .await;
    assert_eq!(
        rows,
        serde_json::json!([
            "Customers: Write",
            "Products: Write",
            "Balance: Read",
            "Balance transaction sources: Read",
            "Payouts: Read",
        ])
    );
    w.wait_for_text("#key-guide-permissions", "create customers")
        .await;
    plain_words::assert_plain_words(&w, "key guide, permissions listed").await;
    w.execute(
        "document.querySelector('#key-guide-permissions').scrollIntoView({ block: 'center' })",
    )
    .await;
    w.screenshot(&shots.join("key-guide-02-permissions.png"))
        .await;

    // The Dashboard's API keys page opens in the browser (test mode first).
    w.click("#btn-guide-open-test").await;
    w.wait_for_text("#key-guide-open-message", "opening in your web browser")
        .await;
    let mut seen = String::new();
    for _ in 0..50 {
        seen = std::fs::read_to_string(&opened).unwrap_or_default();
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen.trim(), "https://dashboard.stripe.com/test/apikeys");

    // The read-only key: the guide names at the field what it still lacks.
    w.type_into("#key-input", READ_ONLY).await;
    w.wait_for_text("#key-message", "Restricted key, test mode")
        .await;
    w.click("#btn-test-key").await;
    w.wait_for_text(
        "#test-result",
        "Connection available: Guide Test Shop (acct_1GuideShop), test mode",
    )
    .await;
    w.wait_for_text(
        "#key-missing",
        "This key cannot create customers or update customers: set Customers to Write.",
    )
    .await;
    w.wait_for_text(
        "#key-missing",
        "This key cannot create products: set Products to Write.",
    )
    .await;
    w.wait_for_text(
        "#key-missing",
        "This key cannot see your payouts: set Payouts to Read.",
    )
    .await;
    let invalid = w
        .execute("return document.querySelector('#key-input').getAttribute('aria-invalid')")
        .await;
    assert_eq!(invalid, serde_json::json!("true"));
    plain_words::assert_plain_words(&w, "key guide, read-only key").await;
    w.execute("document.querySelector('#key-missing').scrollIntoView({ block: 'center' })")
        .await;
    w.screenshot(&shots.join("key-guide-03-read-only-key.png"))
        .await;

    // Saving it is refused and says why; nothing is saved, the key stays typed.
    w.click("#btn-save-key").await;
    w.wait_for_text(
        "#test-result",
        "Not saved: this key cannot yet do everything you chose",
    )
    .await;
    assert_eq!(w.count(".connection-card").await, 0);
    w.wait_for_text("#header-account", "Not connected").await;
    let typed = w
        .execute("return document.querySelector('#key-input').value")
        .await;
    assert_eq!(typed, serde_json::json!(READ_ONLY));
    plain_words::assert_plain_words(&w, "key guide, read-only key not saved").await;
    w.execute("document.querySelector('#test-result').scrollIntoView({ block: 'center' })")
        .await;
    w.screenshot(&shots.join("key-guide-03b-not-saved.png"))
        .await;

    // The key with what the list says: accepted, then saved.
    w.type_into("#key-input", RIGHT).await;
    w.wait_for_text("#key-message", "Restricted key, test mode")
        .await;
    assert_eq!(w.text("#key-missing").await, "", "the old verdict is gone");
    w.click("#btn-test-key").await;
    w.wait_for_text("#key-missing", "This key can do everything you chose.")
        .await;
    plain_words::assert_plain_words(&w, "key guide, the right key").await;
    w.execute("document.querySelector('#key-missing').scrollIntoView({ block: 'center' })")
        .await;
    w.screenshot(&shots.join("key-guide-04-right-key.png"))
        .await;
    w.click("#btn-save-key").await;
    w.wait_for_text("#header-account", "Guide Test Shop").await;
    w.wait_for_text("#connection-list", "rk_test_...2222").await;
    plain_words::assert_plain_words(&w, "Connections, restricted key saved").await;
    w.screenshot(&shots.join("key-guide-05-saved.png")).await;
    // Leave the keyring as it was found.
    w.click(".connection-card .btn-remove").await;
    w.click("#confirm-yes").await;
    w.wait_until_gone(".connection-card").await;
    assert_every_call_audited(&data_dir).await;
    w.quit().await;
    assert_eq!(
        files_containing(&data_dir, &[READ_ONLY, RIGHT]),
        Vec::<String>::new()
    );
}
