//! Settings in the real window: the theme and how amounts are typed,
//! the screen left last and the Balances sort,
//! chosen, saved (0600, written whole) and back after a restart, the dark
//! theme painted at once; a form then reads "12,50" as twelve euros fifty
//! and shows it back in the person's way ("12,50 EUR"); "Copy
//! diagnostics" gives versions and log lines with no key and no email
//! address in them; at 200% zoom the window stays usable. Every state is checked for developer words, unnamed
//! fields and axe's findings.

use crate::APP;
use desk_testkit::window::plain_words::assert_plain_words;
use desk_testkit::window::*;
use std::os::unix::fs::PermissionsExt;
use stripe_sim::KeyAccess;

const KEY: &str = "sk_test_51WindowSettingsKey0000000004242";
const ACCOUNT: &str = "acct_1WindowSettings";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn theme_and_amounts_are_kept_across_a_restart_and_diagnostics_hold_no_secret() {
    let _window = one_window_at_a_time().await;
    let sim = simulator().await;
    sim.add_account(ACCOUNT, "Settings Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    let data_dir = temp_dir("window-settings");
    let shots = artifacts_dir();
    let driver = Driver::start(APP, &sim, &data_dir);
    let w = driver.session().await;
    connect_with_key(&w, KEY, "Secret key, test mode", "Settings Shop").await;
    // A customer with an email, so the log could name one.
    w.click("#nav-actions").await;
    w.click("[data-action='create_customer']").await;
    w.type_into("[data-field='name'] input", "Nora Settings")
        .await;
    w.type_into("[data-field='email'] input", "nora@settings.example")
        .await;
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text(".action-result", "nora@settings.example")
        .await;

    // The Balances table sorted by amount, smallest first.
    w.click("#nav-balances").await;
    let sorted = "return document.querySelector(\"[data-sort='net']\").parentElement.getAttribute('aria-sort')";
    // A click can miss while the screen still lays out below the header
    // (seen once on a busy machine): clicked again until it sorts.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        w.click("[data-sort='net']").await;
        let tried = std::time::Instant::now();
        while w.execute(sorted).await == "none"
            && tried.elapsed() < std::time::Duration::from_secs(2)
        {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        if w.execute(sorted).await == "ascending" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never sorted by amount"
        );
    }

    w.click("#nav-settings").await;
    w.wait_for_text("#screen-title", "Settings").await;
    w.click("#set-theme-dark").await;
    w.wait_for_text("#settings-message", "Saved").await;
    assert_eq!(
        w.execute("return document.documentElement.dataset.theme")
            .await,
        "dark"
    );
    w.click("#set-number-comma").await;
    w.wait_for_text("#settings-message", "forms read amounts")
        .await;
    w.click("#set-date-day_month_year").await;
    w.wait_for_text("#settings-message", "dates now look like 31/12/2026")
        .await;
    let file = data_dir.join("settings.json");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "private to the person");
    assert_plain_words(&w, "Settings").await;
    w.screenshot(&shots.join("settings-01-dark.png")).await;

    // Help: versions and the log, with no key and no email address.
    w.click("#btn-copy-diagnostics").await;
    w.wait_for_text("#help-message", "taken out").await;
    let report = w
        .execute("return document.getElementById('diagnostics-text').value")
        .await;
    let report = report.as_str().unwrap().to_owned();
    assert!(report.starts_with("Stripe Desk "), "{report}");
    assert!(report.contains("Last 50 lines of the log"), "{report}");
    assert!(report.contains("Stripe Desk started"), "{report}");
    for leak in [KEY, &KEY[KEY.len() - 12..], "nora@settings.example"] {
        assert!(!report.contains(leak), "{leak} in the diagnostics");
    }
    assert_plain_words(&w, "Settings").await;
    w.screenshot(&shots.join("settings-02-diagnostics.png"))
        .await;
    w.quit().await;

    // After a restart: dark at once, the choices kept, and forms read commas.
    let w = driver.session().await;
    assert_eq!(
        w.execute("return document.documentElement.dataset.theme || ''")
            .await,
        "dark",
        "the first frame is dark"
    );
    w.wait_for_text("#header-account", "Settings Shop").await;
    // The screen left last comes back by itself.
    w.wait_for_text("#screen-title", "Settings").await;
    w.find("#set-theme-dark").await;
    assert_eq!(
        w.execute("return [document.getElementById('set-theme-dark').checked, document.getElementById('set-number-comma').checked, document.getElementById('set-date-day_month_year').checked]")
            .await,
        serde_json::json!([true, true, true])
    );
    // And the Balances table as it was sorted, its dates day first.
    w.click("#nav-balances").await;
    w.find("[data-sort='net']").await;
    assert_eq!(w.execute(sorted).await, "ascending");
    let today = w
        .execute("const d = new Date(); return `${String(d.getDate()).padStart(2, '0')}/${String(d.getMonth() + 1).padStart(2, '0')}/${d.getFullYear()}`")
        .await;
    let read_at = w
        .wait_for_text("#bal-read-at", today.as_str().unwrap())
        .await;
    assert!(
        read_at.starts_with(&format!(
            "Read from Stripe at {}, ",
            today.as_str().unwrap()
        )),
        "{read_at}"
    );
    w.click("#nav-actions").await;
    w.click("[data-action='create_product']").await;
    w.type_into("[data-field='price_amount'] input", "12,50")
        .await;
    w.type_into("[data-field='price_currency'] input", "eur")
        .await;
    w.wait_for_text(
        "[data-field='price_amount'] .amount-understood",
        "Understood as 12,50 EUR",
    )
    .await;
    assert_plain_words(&w, "Actions").await;
    w.screenshot(&shots.join("settings-03-dark-form.png")).await;

    // 200% zoom (Ctrl+= five times, 20% a step): the window's width halves
    // in the page's terms, nothing scrolls sideways, every sidebar entry is
    // there by its icon and keeps its name, and axe still finds nothing.
    for _ in 0..5 {
        w.press("\u{E009}=\u{E000}").await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while w
        .execute("return window.innerWidth")
        .await
        .as_u64()
        .unwrap_or(9999)
        > 600
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the page never zoomed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        w.execute("return document.documentElement.scrollWidth <= window.innerWidth + 1 && document.querySelector('.main').scrollWidth <= document.querySelector('.main').clientWidth + 1")
            .await,
        true,
        "nothing scrolls sideways at 200%"
    );
    assert_eq!(
        w.execute("return Array.from(document.querySelectorAll('.nav-item')).map((b) => b.getBoundingClientRect().width > 20 && b.textContent.trim().length > 3).every((x) => x)")
            .await,
        true
    );
    assert_plain_words(&w, "Actions at 200%").await;
    w.screenshot_both_themes(&shots.join("settings-04-zoom-200.png"))
        .await;
    w.press("\u{E009}0\u{E000}").await;

    // The smallest window a laptop gives it, 900×600: nothing scrolls
    // sideways, the sidebar has every entry and the form is all there.
    let (width, height) = w.set_window_size(900, 600).await;
    assert!(
        (880..=900).contains(&width) && (560..=600).contains(&height),
        "the window is {width}×{height}"
    );
    assert_eq!(
        w.execute("return document.documentElement.scrollWidth <= window.innerWidth + 1 && document.querySelector('.main').scrollWidth <= document.querySelector('.main').clientWidth + 1")
            .await,
        true,
        "nothing scrolls sideways at 900×600"
    );
    assert_eq!(
        w.execute("return Array.from(document.querySelectorAll('.nav-item')).every((b) => { const r = b.getBoundingClientRect(); return r.width > 20 && r.bottom <= window.innerHeight; })")
            .await,
        true,
        "every sidebar entry shows at 900×600"
    );
    assert_plain_words(&w, "Actions at 900×600").await;
    w.screenshot_both_themes(&shots.join("settings-05-900x600.png"))
        .await;
    assert_every_call_audited(&data_dir).await;
    w.quit().await;

    // The window closed at 900×600 opens at that size again.
    let kept: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data_dir.join("window.json")).unwrap()).unwrap();
    let kept = &kept["window"];
    assert_eq!(
        (kept["width"].as_u64(), kept["height"].as_u64()),
        (Some(width), Some(height)),
        "window.json: {kept}"
    );
    let w = driver.session().await;
    w.wait_for_text("#header-account", "Settings Shop").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let size = w
            .execute("return [window.innerWidth, window.innerHeight]")
            .await;
        if (size[0].as_u64(), size[1].as_u64()) == (Some(width), Some(height)) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the window opened at {size}, not {width}×{height}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    w.quit().await;
    drop(driver);
}
