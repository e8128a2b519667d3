//! "Explore with sample data" in the real window: from the first screen,
//! with nothing connected, the demo shop opens inside the app (its own
//! simulator on 127.0.0.1) under a DEMO banner; its balance syncs and its
//! activity shows; "Leave the sample account" goes back to the person's
//! own, empty, first screen. The sample never touched the keyring, the
//! person's Stripe (the test's simulator hears nothing) or their files.

use crate::APP;
use desk_testkit::window::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_account_opens_from_the_first_screen_and_is_left_without_a_trace() {
    let _window = one_window_at_a_time().await;
    // Where the person's own Stripe would be: nothing may reach it.
    let stripe = simulator().await;
    let keyring_before = keyring_entries();
    let data_dir = temp_dir("window-sample");
    let driver = Driver::start(APP, &stripe, &data_dir);
    let shots = artifacts_dir();
    let w = driver.session().await;

    // The first screen offers it beside pasting a key.
    w.wait_for_text("#screen-title", "Connect your Stripe account")
        .await;
    w.wait_for_text("#sample-path", "Not ready to connect yet?")
        .await;
    plain_words::assert_plain_words(&w, "first screen with the sample offer").await;
    w.screenshot_both_themes(&shots.join("sample-01-offer.png"))
        .await;

    w.click("#btn-explore-sample").await;
    w.wait_for_text("#header-account", "Demo Coffee Roasters")
        .await;
    let banner = w
        .wait_for_text("#banner", "A made-up shop on this computer")
        .await;
    assert!(banner.starts_with("DEMO"), "{banner}");
    assert!(
        !banner.contains("127.0.0.1"),
        "the sample's own address is no warning: {banner}"
    );
    w.wait_for_text("#connection-list", "Demo Coffee Roasters")
        .await;
    plain_words::assert_plain_words(&w, "the sample account").await;
    w.screenshot_both_themes(&shots.join("sample-02-open.png"))
        .await;

    // Its year of trading syncs into Balances.
    w.click("#nav-balances").await;
    w.wait_for_text("#screen-title", "Balances").await;
    w.click("#btn-bal-sync").await;
    let started = std::time::Instant::now();
    let synced = loop {
        let text = w.text("#bal-sync-message").await;
        if text.contains("Synced") {
            break text;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(180),
            "the sample's 20,000 transactions never synced: {}",
            w.text("#bal-sync-progress").await
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    eprintln!(
        "window_sample: the sample's balance synced in {:.1} s: {synced}",
        started.elapsed().as_secs_f64()
    );
    // A year of trading (20,000), and what the shop did since it opened.
    assert!(synced.starts_with("Synced: 20,0"), "{synced}");
    plain_words::assert_plain_words(&w, "the sample's balance").await;
    w.screenshot(&shots.join("sample-03-balances.png")).await;

    // Its shop keeps trading: Activity has its payments.
    w.click("#nav-activity").await;
    w.wait_for_text("#act-scroll", "Demo Coffee Roasters").await;
    plain_words::assert_plain_words(&w, "the sample's activity").await;
    w.screenshot(&shots.join("sample-04-activity.png")).await;

    // Leaving goes back to the person's own first screen.
    w.click("#btn-leave-sample").await;
    w.wait_for_text("#header-account", "Not connected").await;
    w.wait_for_text("#screen-title", "Connect your Stripe account")
        .await;
    w.wait_until_gone("#btn-leave-sample").await;
    let banner = w
        .execute("return document.querySelector('#banner').innerText")
        .await;
    assert!(
        !banner.as_str().unwrap_or_default().contains("DEMO"),
        "{banner}"
    );
    w.wait_for_text("#sample-path", "Explore with sample data")
        .await;
    w.wait_for_text("#explore-sample-message", "You left the sample account")
        .await;
    plain_words::assert_plain_words(&w, "back from the sample account").await;
    w.screenshot(&shots.join("sample-05-left.png")).await;

    // Coming back finds the sample as it was left.
    w.click("#btn-explore-sample").await;
    w.wait_for_text("#header-account", "Demo Coffee Roasters")
        .await;
    w.click("#btn-leave-sample").await;
    w.wait_for_text("#header-account", "Not connected").await;

    assert_eq!(
        keyring_entries(),
        keyring_before,
        "the sample put nothing in the keyring"
    );
    assert!(
        stripe.requests().is_empty(),
        "the person's Stripe heard from the sample: {:?}",
        stripe
            .requests()
            .iter()
            .map(|r| &r.path)
            .collect::<Vec<_>>()
    );
    let saved = std::fs::read_to_string(data_dir.join("connections.json")).unwrap_or_default();
    assert!(
        !saved.contains("Demo Coffee Roasters"),
        "the person's saved connections name the sample: {saved}"
    );
    assert!(
        files_containing(&data_dir, &[stripe_sim::demo::KEY]).is_empty(),
        "the sample's key was written to a file"
    );
    w.quit().await;
}
