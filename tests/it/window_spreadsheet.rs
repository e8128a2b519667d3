//! Many at once, in the real app window against the simulator: a
//! spreadsheet of customers opened through the system's open dialog from
//! Create Customer's form, its columns matched by name, one bad email
//! fixed in place in the dry run's table, run with Pause (no new row
//! starts) and Resume, exactly one customer per row, a second Run that
//! makes nothing, and the results saved as a copy of the file. And a
//! workflow that starts by itself: switched on for "a customer is added"
//! with a condition, a matching customer made in Stripe runs it once (seen
//! in its run history with its event), one that does not match runs
//! nothing, and 21 at once wait for a word (a notice on every screen) and
//! are let go. Every state is checked for developer words and unnamed fields.

use crate::APP;
use desk_core::workflows::{Workflow, WorkflowStore};
use desk_testkit::window::plain_words::assert_plain_words;
use desk_testkit::window::*;
use serde_json::json;
use std::time::{Duration, Instant};
use stripe_sim::KeyAccess;

const KEY: &str = "sk_test_51WindowSpreadsheetKey00000004242";
const ACCOUNT: &str = "acct_1WindowSpreadsheet";
const ROWS: usize = 300;
/// The row (as the spreadsheet numbers it, header = 1) whose email is wrong.
const BAD_ROW: usize = 8;

fn select(css: &str, value: &str) -> String {
    format!(
        "const s = document.querySelector({css:?}); s.value = {value:?}; s.dispatchEvent(new Event('change', {{bubbles: true}}));"
    )
}

async fn wait_js(w: &webdriver::Session, script: &str, what: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        if w.execute(script).await.as_bool() == Some(true) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Customers in the simulator, made by the run.
fn customers(sim: &stripe_sim::Simulator) -> usize {
    sim.count(ACCOUNT, "customers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spreadsheet_checked_fixed_run_paused_resumed_and_saved() {
    let _window = one_window_at_a_time().await;
    let sim = simulator().await;
    sim.add_account(ACCOUNT, "Corner Bakery");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    let data_dir = temp_dir("window-spreadsheet");
    let shots = artifacts_dir();
    let files = temp_dir("window-spreadsheet-files");
    // A semicolon CSV as a European spreadsheet writes it, one email wrong.
    let mut csv = String::from("Name;E-mail address;Town\n");
    for i in 2..ROWS + 2 {
        let email = if i == BAD_ROW {
            "grace.example.com".to_owned()
        } else {
            format!("baker{i}@example.com")
        };
        csv.push_str(&format!("Customer {i};{email};Lyon\n"));
    }
    let sheet = files.join("customers.csv");
    std::fs::write(&sheet, csv).unwrap();

    let driver = Driver::start(APP, &sim, &data_dir);
    let w = driver.session().await;
    connect_with_key(&w, KEY, "Secret key, test mode", "Corner Bakery").await;

    // From Create Customer's form.
    w.click("#nav-actions").await;
    w.click("[data-action='create_customer']").await;
    w.click("#btn-action-bulk").await;
    w.wait_for_text("#screen-title", "Run for every row of a spreadsheet")
        .await;
    w.find("#bulk-target").await;
    assert_eq!(
        w.execute("return document.getElementById('bulk-target').value")
            .await,
        "action:create_customer"
    );
    assert_plain_words(&w, "Spreadsheet").await;
    w.click("#btn-bulk-open").await;
    answer_file_dialog("Open a spreadsheet", &sheet, false).await;
    w.wait_for_text("#bulk-file-name", "customers.csv").await;
    let about = w.text("#bulk-file").await;
    assert!(about.contains("semicolon"), "{about}");
    assert!(about.contains(&format!("{ROWS} rows")), "{about}");
    // "E-mail address" is the email, by its name.
    let email_slot = w
        .execute("return Array.from(document.querySelectorAll('.bulk-slot select')).find((s) => s.dataset.slot === 'email').value")
        .await;
    assert_eq!(email_slot, "column:1", "matched by name");
    let name_slot = w
        .execute("return Array.from(document.querySelectorAll('.bulk-slot select')).find((s) => s.dataset.slot === 'name').value")
        .await;
    assert_eq!(name_slot, "column:0");
    assert_plain_words(&w, "Spreadsheet").await;
    w.screenshot(&shots.join("spreadsheet-01-mapping.png"))
        .await;

    // The dry run: one row needs fixing, at its cell; nothing sent.
    w.click("#btn-bulk-check").await;
    w.wait_for_text("#bulk-summary", &format!("{} rows ready", ROWS - 1))
        .await;
    w.wait_for_text("#bulk-summary", "1 needs fixing").await;
    assert_eq!(customers(&sim), 0, "a dry run sends nothing");
    w.find(".bulk-cell-fix").await;
    let label = w
        .execute("return document.querySelector('.bulk-cell-fix').getAttribute('aria-label')")
        .await;
    assert!(
        label
            .as_str()
            .unwrap()
            .contains(&format!("row {BAD_ROW}, E-mail address")),
        "{label}"
    );
    assert_plain_words(&w, "Spreadsheet").await;
    w.screenshot(&shots.join("spreadsheet-02-dry-run.png"))
        .await;
    w.click(".bulk-cell-fix").await;
    w.wait_for_text("#bulk-fix-problem", &format!("Row {BAD_ROW}"))
        .await;
    // Still wrong: said there, what was typed stays.
    w.type_into("#bulk-fix-value", "grace@example").await;
    w.click("#btn-bulk-fix-save").await;
    w.wait_for_text("#bulk-fix-problem", "email").await;
    assert_eq!(
        w.execute("return document.getElementById('bulk-fix-value').value")
            .await,
        "grace@example"
    );
    assert_plain_words(&w, "Spreadsheet").await;
    w.screenshot(&shots.join("spreadsheet-03-fix.png")).await;
    w.type_into("#bulk-fix-value", "grace@example.com").await;
    w.click("#btn-bulk-fix-save").await;
    w.wait_for_text("#bulk-summary", &format!("{ROWS} rows ready"))
        .await;

    // Run (25 rows a second in test mode: 12 s for these), paused: rows
    // already sent finish, no new one starts.
    sim.set_latency(Duration::from_millis(400));
    w.click("#btn-bulk-run").await;
    w.click("#btn-bulk-pause").await;
    w.wait_for_text("#bulk-progress", "Paused").await;
    let mut paused_at = customers(&sim);
    // In-flight rows land, then nothing more.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let settled = customers(&sim);
    assert!(settled >= paused_at);
    paused_at = settled;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(customers(&sim), paused_at, "nothing starts while paused");
    assert!(paused_at < ROWS, "paused before the end ({paused_at})");
    assert_plain_words(&w, "Spreadsheet").await;
    w.screenshot(&shots.join("spreadsheet-04-paused.png")).await;
    w.click("#btn-bulk-resume").await;
    sim.set_latency(Duration::ZERO);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !w.text("#bulk-progress").await.contains("Finished") {
        assert!(
            Instant::now() < deadline,
            "{}",
            w.text("#bulk-progress").await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let done = w.text("#bulk-progress").await;
    assert!(done.contains(&format!("{ROWS} done")), "{done}");
    assert_eq!(customers(&sim), ROWS, "exactly one customer per row");
    let fixed: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/v1/customers?email=grace@example.com",
            sim.base_url()
        ))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        fixed["data"].as_array().unwrap().len(),
        1,
        "the fixed row sent the fix"
    );
    assert_plain_words(&w, "Spreadsheet").await;
    w.screenshot(&shots.join("spreadsheet-05-finished.png"))
        .await;

    // The results, as a copy of the file with each row's outcome.
    let out = files.join("results.csv");
    w.execute(&select("#bulk-results-format", "csv")).await;
    w.click("#btn-bulk-save").await;
    answer_file_dialog("Save the results", &out, true).await;
    w.wait_for_text("#bulk-save-message", "Saved to").await;
    let saved = std::fs::read_to_string(&out).unwrap();
    // With a byte-order mark (Excel reads UTF-8 by it) and the file's own delimiter.
    let saved = saved.strip_prefix('\u{feff}').expect("a byte-order mark");
    let lines: Vec<&str> = saved.lines().collect();
    assert_eq!(lines.len(), ROWS + 1, "{saved}");
    assert_eq!(
        lines[0],
        "Name;E-mail address;Town;Result;Stripe IDs;Message"
    );
    assert!(lines[1..].iter().all(|l| l.contains(";cus_")), "{saved}");
    assert!(
        lines[BAD_ROW - 1].contains("grace@example.com"),
        "{}",
        lines[BAD_ROW - 1]
    );

    // The same file opened again (as if on another day): every row is done, Run makes nothing.
    w.click("#btn-bulk-open").await;
    answer_file_dialog("Open a spreadsheet", &sheet, false).await;
    w.wait_for_text("#bulk-file-name", "customers.csv").await;
    w.click("#btn-bulk-check").await;
    w.wait_for_text("#bulk-summary", &format!("{ROWS} done in an earlier run"))
        .await;
    w.wait_for_text("#btn-bulk-run", "Every row is done").await;
    assert_eq!(
        w.execute("return document.getElementById('btn-bulk-run').disabled")
            .await,
        true
    );
    assert_eq!(customers(&sim), ROWS);
    assert_plain_words(&w, "Spreadsheet").await;
    w.screenshot(&shots.join("spreadsheet-06-opened-again.png"))
        .await;
    assert_every_call_audited(&data_dir).await;
    w.quit().await;
    drop(driver);
}

/// "Welcome": a note on the new customer, with the event's name.
fn welcome() -> Workflow {
    let mut w: Workflow = serde_json::from_value(json!({
        "id": "wf_welcome",
        "name": "Welcome",
        "description": "",
        "reviewed": true,
        "inputs": [],
        "steps": [{
            "name": "update_customer",
            "action": "update_customer",
            "fields": {"customer": "{{event.id}}", "description": "Welcome, {{event.name}}"}
        }]
    }))
    .unwrap();
    w.reviewed = true;
    w
}

async fn stripe_customer(sim: &stripe_sim::Simulator, name: &str, email: &str) -> String {
    let made: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/v1/customers", sim.base_url()))
        .bearer_auth(KEY)
        .form(&[("name", name), ("email", email)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    made["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trigger_switched_on_runs_the_workflow_once_for_a_matching_customer() {
    let _window = one_window_at_a_time().await;
    let sim = simulator().await;
    sim.add_account(ACCOUNT, "Corner Bakery");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    let data_dir = temp_dir("window-trigger");
    let shots = artifacts_dir();
    // A workflow saved (and reviewed) on an earlier day.
    WorkflowStore::new(&data_dir).save(&welcome()).unwrap();

    let driver = Driver::start(APP, &sim, &data_dir);
    let w = driver.session().await;
    connect_with_key(&w, KEY, "Secret key, test mode", "Corner Bakery").await;
    // Activity asks Stripe every 10 seconds (the most often).
    w.click("#nav-activity").await;
    w.type_into("#act-interval", "10").await;
    w.click("#btn-act-save-settings").await;
    w.wait_for_text("#act-settings-message", "Saved").await;

    w.click("#nav-workflows").await;
    w.click("[data-workflow='wf_welcome']").await;
    w.find("#wf-trigger-kind").await;
    w.execute(&select("#wf-trigger-kind", "customer.created"))
        .await;
    w.click("#btn-wf-trigger-add-condition").await;
    w.execute(&select("#wf-trigger-field-0", "email")).await;
    w.execute(&select("#wf-trigger-how-0", "ends_with")).await;
    w.type_into("#wf-trigger-value-0", "@example.com").await;
    assert_plain_words(&w, "Workflows").await;
    w.screenshot(&shots.join("trigger-01-editor.png")).await;
    w.click("#btn-wf-trigger-on").await;
    w.wait_for_text("#wf-trigger-sentence", "On.").await;
    let sentence = w.text("#wf-trigger-sentence").await;
    assert!(sentence.contains("Corner Bakery (test mode)"), "{sentence}");
    assert!(sentence.contains("@example.com"), "{sentence}");
    // `{{event.…}}` is checked against "a customer is added": nothing to fix.
    assert_eq!(
        w.execute("return document.querySelectorAll('#wf-problems .field-message, .wf-step .field-message.is-error:not([hidden])').length")
            .await,
        0
    );
    assert_plain_words(&w, "Workflows").await;
    w.screenshot(&shots.join("trigger-02-on.png")).await;

    // Made in Stripe, after the trigger was switched on.
    sim.advance_clock(Duration::from_secs(2));
    let ada = stripe_customer(&sim, "Ada Lovelace", "ada@example.com").await;
    let bob = stripe_customer(&sim, "Bob Other", "bob@other.org").await;
    wait_js(
        &w,
        "return !!Array.from(document.querySelectorAll('#wf-history .wf-history-trigger')).find((p) => p.textContent.includes('Ada Lovelace'))",
        "the triggered run shows in the run history",
        Duration::from_secs(60),
    )
    .await;
    let ada_now = sim.object(ACCOUNT, "customers", &ada).unwrap();
    assert_eq!(ada_now["description"], "Welcome, Ada Lovelace");
    let bob_now = sim.object(ACCOUNT, "customers", &bob).unwrap();
    assert!(bob_now["description"].is_null(), "{bob_now}");
    // One run for Ada's event, and not again at the next rounds.
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(w.count("#wf-history .wf-history-item").await, 1);
    assert_plain_words(&w, "Workflows").await;
    w.screenshot(&shots.join("trigger-03-ran.png")).await;

    // More than 20 at once wait for a word, said on every screen.
    w.click("#nav-balances").await;
    for i in 0..21 {
        stripe_customer(
            &sim,
            &format!("Guest {i}"),
            &format!("guest{i}@example.com"),
        )
        .await;
    }
    w.wait_for_text(
        ".banner-triggers",
        "21 events in Corner Bakery are waiting to start “Welcome”",
    )
    .await;
    assert_plain_words(&w, "Balances").await;
    w.screenshot(&shots.join("trigger-04-backlog-notice.png"))
        .await;
    w.click("#btn-banner-trigger").await;
    w.wait_for_text("#wf-trigger-backlog", "21 events are waiting")
        .await;
    w.click("#btn-wf-trigger-skip-backlog").await;
    w.wait_for_text("#wf-trigger-message", "will not run it")
        .await;
    w.wait_until_gone(".banner-triggers").await;
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(
        w.count("#wf-history .wf-history-item").await,
        1,
        "the events let go ran nothing"
    );

    // Paused: said so.
    w.click("#btn-wf-trigger-pause").await;
    w.wait_for_text("#wf-trigger-sentence", "Paused.").await;
    assert_every_call_audited(&data_dir).await;
    w.quit().await;
    drop(driver);
}
