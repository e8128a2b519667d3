//! One whole journey by keyboard only, in the real window against the
//! simulator: connect with a pasted key, create a customer, look the
//! customer up by name, sync Balances and export the CSV (the system's save
//! dialog answered by keys too), then move through the table by arrow keys
//! and open a row with Enter. Focus moves only by Tab, Shift+Tab, the
//! shortcuts (Ctrl+1…5, Ctrl+K) and Enter; no element is clicked. Every
//! control used shows a focus ring, and the palette, a modal dialog, keeps
//! focus inside until it closes.

use crate::APP;
use desk_testkit::window::plain_words::assert_plain_words;
use desk_testkit::window::*;
use std::time::Duration;
use stripe_sim::{KeyAccess, Payment, Trigger};

const KEY: &str = "sk_test_51WindowKeyboardOnly000000004242";
const ACCOUNT: &str = "acct_1WindowKeyboard";
const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const CTRL: &str = "\u{E009}";
const SHIFT: &str = "\u{E008}";
/// Releases the modifiers held down.
const RELEASE: &str = "\u{E000}";

/// Presses keys where the focus is, as a keyboard does.
async fn press(w: &webdriver::Session, keys: &str) {
    w.press(keys).await;
}

/// The focused element, as `#id` or its tag and text.
async fn focused(w: &webdriver::Session) -> String {
    w.execute("const e = document.activeElement; return e ? (e.id ? '#' + e.id : e.tagName + ' ' + (e.textContent || '').trim().slice(0, 40)) : 'nothing'")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Presses Tab until the focus is on `css` (at most 80 times), and checks
/// the focus ring shows there.
async fn tab_to(w: &webdriver::Session, css: &str) {
    for _ in 0..80 {
        let here = w
            .execute(&format!(
                "return !!document.activeElement && document.activeElement.matches({css:?})"
            ))
            .await;
        if here.as_bool() == Some(true) {
            let ring = w
                .execute("const s = getComputedStyle(document.activeElement); return s.outlineStyle !== 'none' || s.boxShadow !== 'none'")
                .await;
            assert_eq!(
                ring.as_bool(),
                Some(true),
                "no focus ring on {}",
                focused(w).await
            );
            return;
        }
        press(w, TAB).await;
    }
    panic!(
        "Tab never reached {css}; the focus is on {}",
        focused(w).await
    );
}

async fn wait_focus(w: &webdriver::Session, css: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let here = w
            .execute(&format!(
                "return !!document.activeElement && document.activeElement.matches({css:?})"
            ))
            .await;
        if here.as_bool() == Some(true) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the focus never came to {css}; it is on {}",
            focused(w).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Ctrl+K, the words, Enter: the palette's first match.
async fn palette(w: &webdriver::Session, words: &str) {
    press(w, &format!("{CTRL}k{RELEASE}")).await;
    wait_focus(w, "#palette-input").await;
    press(w, words).await;
    w.wait_for_text("#palette-option-0", words).await;
    // Focus stays inside the dialog: Tab and Shift+Tab never leave it.
    for keys in [TAB, TAB, TAB, &format!("{SHIFT}{TAB}{RELEASE}")] {
        press(w, keys).await;
        let inside = w
            .execute(
                "return !!document.activeElement && !!document.activeElement.closest('#palette')",
            )
            .await;
        assert_eq!(
            inside.as_bool(),
            Some(true),
            "focus left the palette for {}",
            focused(w).await
        );
    }
    assert_plain_words(w, "Palette").await;
    w.execute("document.getElementById('palette-input').focus()")
        .await;
    press(w, ENTER).await;
    w.wait_until_gone("#palette").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_create_look_up_sync_and_export_by_keyboard_only() {
    let _window = one_window_at_a_time().await;
    let sim = simulator().await;
    sim.add_account(ACCOUNT, "Keyboard Books");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    let data_dir = temp_dir("window-keyboard");
    let files = temp_dir("window-keyboard-files");
    let shots = artifacts_dir();
    let driver = Driver::start(APP, &sim, &data_dir);
    let w = driver.session().await;

    // Connect: the key field has the focus on the first screen.
    wait_focus(&w, "#key-input").await;
    press(&w, KEY).await;
    w.wait_for_text("#key-message", "Secret key, test mode")
        .await;
    press(&w, ENTER).await;
    w.wait_for_text("#header-account", "Keyboard Books").await;

    // Create a customer: Ctrl+K, "Create Customer".
    palette(&w, "Create Customer").await;
    wait_focus(&w, "#screen-title").await;
    tab_to(&w, "[data-field='name'] input").await;
    press(&w, "Ada Keys").await;
    tab_to(&w, "[data-field='email'] input").await;
    press(&w, "ada.keys@example.com").await;
    press(&w, ENTER).await;
    w.wait_for_text(".action-result", "ada.keys@example.com")
        .await;
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    assert_plain_words(&w, "Actions").await;
    w.screenshot(&shots.join("keyboard-01-created.png")).await;

    // Look the customer up by name: Get Customer by ID, found by the picker.
    palette(&w, "Get Customer").await;
    wait_focus(&w, "#screen-title").await;
    tab_to(&w, ".picker-search").await;
    press(&w, "Ada Keys").await;
    press(&w, ENTER).await;
    w.wait_for_text(".picker-choice", "Ada Keys").await;
    tab_to(&w, ".picker-choice").await;
    press(&w, ENTER).await;
    wait_focus(&w, "[data-field='customer'] input:not(.picker-search)").await;
    press(&w, ENTER).await;
    w.wait_for_text(".action-result", "Found").await;
    w.wait_for_text(".action-result", "ada.keys@example.com")
        .await;
    assert_plain_words(&w, "Actions").await;
    w.screenshot(&shots.join("keyboard-02-found.png")).await;

    // A payment, so Balances has rows to move through.
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PaymentSucceeded(Payment::new(1250, "usd").by("Ada Keys")),
    );

    // Balances: Ctrl+4, Sync, then Export through the save dialog.
    press(&w, &format!("{CTRL}4{RELEASE}")).await;
    w.wait_for_text("#screen-title", "Balances").await;
    wait_focus(&w, "#screen-title").await;
    tab_to(&w, "#btn-bal-sync").await;
    press(&w, ENTER).await;
    w.wait_for_text("#bal-sync-message", "Synced").await;
    assert_plain_words(&w, "Balances").await;
    tab_to(&w, "#btn-export").await;
    press(&w, ENTER).await;
    let out = files.join("by-keyboard.csv");
    answer_file_dialog("Export balance transactions", &out, true).await;
    w.wait_for_text("#export-message", "Exported").await;
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .starts_with("\u{feff}"));
    assert_plain_words(&w, "Balances").await;
    w.screenshot(&shots.join("keyboard-03-exported.png")).await;

    // The table by arrow keys: Down onto a row, Enter opens its detail.
    tab_to(&w, "#bt-scroll").await;
    press(&w, "\u{E015}").await;
    wait_focus(&w, ".bt-row").await;
    press(&w, ENTER).await;
    w.wait_for_text("#bal-detail", "Ada Keys").await;
    assert_plain_words(&w, "Balances").await;
    w.screenshot(&shots.join("keyboard-04-row-by-arrows.png"))
        .await;
    assert_every_call_audited(&data_dir).await;
    w.quit().await;
    drop(driver);
}
