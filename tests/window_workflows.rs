//! The Workflows screen in the real app window, against the simulator, as
//! a person would: "create a customer, then a subscription for
//! {{create_customer.id}}" built with the `{{` menu by keyboard only; step 2
//! refused (an inactive price) at its field; fixed; resumed; exactly one
//! customer and one subscription in Stripe; the workflow and its history
//! still there after a restart. Also: a choice switched to a value from an
//! earlier step; done steps shown as the Actions screen shows results;
//! inputs renamed in place; export and import through the system's dialogs.

mod support;

use stripe_sim::KeyAccess;
use support::*;

const KEY: &str = "sk_test_51WindowWorkflowsKey000000004242";
const ACCOUNT: &str = "acct_1WindowWorkflows";
const DOWN: &str = "\u{E015}";
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";
const TAB: &str = "\u{E004}";

/// POSTs a form to the simulator with the test's key; Stripe's JSON back.
async fn stripe_post(sim: &stripe_sim::Simulator, path: &str, body: &str) -> serde_json::Value {
    reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url()))
        .bearer_auth(KEY)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// An active and an archived monthly price.
async fn prices(sim: &stripe_sim::Simulator) -> (String, String) {
    let product = stripe_post(sim, "/v1/products", "name=Coffee+club").await;
    let product = product["id"].as_str().unwrap();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let body =
            format!("product={product}&unit_amount=1500&currency=usd&recurring[interval]=month");
        let price = stripe_post(sim, "/v1/prices", &body).await;
        ids.push(price["id"].as_str().unwrap().to_owned());
    }
    stripe_post(sim, &format!("/v1/prices/{}", ids[1]), "active=false").await;
    (ids.remove(0), ids.remove(0))
}

fn select(css: &str, value: &str) -> String {
    format!(
        "const s = document.querySelector({css:?}); s.value = {value:?}; s.dispatchEvent(new Event('change'));"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_run_fix_resume_and_find_it_after_a_restart() {
    require_desktop();
    let sim = simulator().await;
    sim.add_account(ACCOUNT, "Acme Workflow Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    let (active, inactive) = prices(&sim).await;
    let data_dir = temp_dir("window-workflows");
    let shots = artifacts_dir();
    let driver = Driver::start(&sim, &data_dir);
    let w = driver.session().await;

    connect_with_key(&w, KEY, "Secret key, test mode", "Acme Workflow Shop").await;

    w.click("#nav-workflows").await;
    w.find("#btn-wf-new").await;
    w.screenshot(&shots.join("workflows-00-empty.png")).await;
    w.execute(&select("#wf-template", "")).await;
    w.click("#btn-wf-new").await;
    w.find("#wf-name").await;
    w.type_into("#wf-name", "Customer with a subscription")
        .await;
    w.click("#btn-wf-rename").await;
    w.wait_for_text(".wf-item", "Customer with a subscription")
        .await;

    w.execute(&select("#wf-add-action", "create_customer"))
        .await;
    w.click("#btn-wf-add-step").await;
    let step1 = "[data-step='create_customer']";
    w.type_into(&format!("{step1} [data-field='name'] input"), "Jo Baker")
        .await;
    w.type_into(
        &format!("{step1} [data-field='email'] input"),
        "jo@example.com",
    )
    .await;
    // Adding a step saves what was typed and redraws.
    w.execute(&select("#wf-add-action", "create_subscription"))
        .await;
    w.click("#btn-wf-add-step").await;
    let step2 = "[data-step='create_subscription']";
    let customer = format!("{step2} [data-field='customer'] input");
    w.find(&customer).await;

    // The `{{` menu, by keyboard only: open, filter, move, Escape, reopen, Enter.
    w.send_keys(&customer, "{{").await;
    w.wait_for_text(&format!("{step2} .wf-menu"), "create_customer.id")
        .await;
    w.send_keys(&customer, "create_customer.i").await;
    w.wait_for_text(
        &format!("{step2} .wf-menu-option[aria-selected='true']"),
        "create_customer.id",
    )
    .await;
    w.screenshot(&shots.join("workflows-01-menu.png")).await;
    w.send_keys(&customer, ESCAPE).await;
    w.wait_until_gone(&format!("{step2} .wf-menu")).await;
    w.type_into(&customer, "").await;
    w.send_keys(&customer, "{{").await;
    w.wait_for_text(&format!("{step2} .wf-menu"), "create_customer.id")
        .await;
    // The one that fits a customer ID comes first; Down wraps round to it.
    let options = w.count(&format!("{step2} .wf-menu-option")).await;
    for _ in 0..options {
        w.send_keys(&customer, DOWN).await;
    }
    w.send_keys(&customer, ENTER).await;
    w.wait_until_gone(&format!("{step2} .wf-menu")).await;
    let value = w
        .execute(&format!(
            "return document.querySelector({customer:?}).value"
        ))
        .await;
    assert_eq!(value, "{{create_customer.id}}");

    // A reference whose kind does not fit is marked at its field before anything is sent.
    w.type_into(&customer, "{{create_customer.email}}").await;
    w.send_keys(&customer, ESCAPE).await;
    sim.clear_requests();
    w.click("#btn-wf-save").await;
    w.wait_for_text(
        &format!("{step2} [data-field='customer'] .field-message"),
        "this field takes a customer ID",
    )
    .await;
    w.execute(&format!(
        "document.querySelector(\"{step2} [data-field='customer']\").scrollIntoView()"
    ))
    .await;
    w.screenshot(&shots.join("workflows-01c-check-at-field.png"))
        .await;
    assert!(sim.requests().is_empty(), "nothing was sent");
    w.type_into(&customer, "{{create_customer.id}}").await;
    w.send_keys(&customer, ESCAPE).await;

    // Step 3: a choice (the subscriptions' status) switched to a value from
    // an earlier step, with the `{{` menu; switched back it is a list again.
    w.execute(&select("#wf-add-action", "list_subscriptions"))
        .await;
    w.click("#btn-wf-add-step").await;
    let step3 = "[data-step='list_subscriptions']";
    let status = format!("{step3} [data-switchable='status']");
    w.find(&format!("{status} select")).await;
    w.execute(&format!(
        "document.querySelector(\"{status}\").scrollIntoView({{block: 'center'}})"
    ))
    .await;
    w.screenshot(&shots.join("workflows-01d-choice-picked.png"))
        .await;
    w.click(&format!("{status} .wf-use-reference")).await;
    let status_in = format!("{status} input");
    w.send_keys(&status_in, "{{create_subscription.sta").await;
    w.wait_for_text(
        &format!("{step3} .wf-menu-option[aria-selected='true']"),
        "create_subscription.status",
    )
    .await;
    w.send_keys(&status_in, ENTER).await;
    w.wait_until_gone(&format!("{step3} .wf-menu")).await;
    w.click(&format!("{status} .wf-use-reference")).await;
    w.find(&format!("{status} select")).await;
    assert_eq!(w.count(&format!("{status} input")).await, 0);
    w.click(&format!("{status} .wf-use-reference")).await;
    let value = w
        .execute(&format!(
            "return document.querySelector({status_in:?}).value"
        ))
        .await;
    assert_eq!(value, "{{create_subscription.status}}");
    // A customer ID cannot name a status: said at the field.
    w.type_into(&status_in, "{{create_subscription.customer}}")
        .await;
    w.send_keys(&status_in, ESCAPE).await;
    w.click("#btn-wf-save").await;
    w.wait_for_text(
        &format!("{step3} [data-field='status'] .field-message"),
        "this field takes one of its choices",
    )
    .await;
    w.execute(&format!(
        "document.querySelector(\"{step3}\").scrollIntoView()"
    ))
    .await;
    w.screenshot(&shots.join("workflows-01e-choice-by-reference.png"))
        .await;
    w.type_into(&status_in, "{{create_subscription.status}}")
        .await;
    w.send_keys(&status_in, ESCAPE).await;

    // Step 2 with the archived price: Stripe refuses it at the items field.
    w.type_into(
        &format!("{step2} [data-field='items'] .row input"),
        &inactive,
    )
    .await;
    w.execute("document.querySelector('#screen-title').scrollIntoView()")
        .await;
    w.screenshot(&shots.join("workflows-01b-built.png")).await;
    w.click("#btn-wf-run").await;
    w.wait_for_text(
        "#wf-run .wf-run-step[data-state='failed']",
        "create_subscription",
    )
    .await;
    w.wait_for_text(
        "#wf-run .wf-run-step[data-step='create_customer']",
        "Jo Baker",
    )
    .await;
    let at_field = w
        .wait_for_text(&format!("{step2} [data-field='items'] .field-message"), "")
        .await;
    assert!(at_field.to_lowercase().contains("active"), "{at_field}");
    w.execute(&format!(
        "document.querySelector(\"{step2} [data-field='items']\").scrollIntoView()"
    ))
    .await;
    w.screenshot(&shots.join("workflows-02-step-2-refused.png"))
        .await;
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    assert_eq!(sim.count(ACCOUNT, "subscriptions"), 0);

    // The fix, then Resume: step 1 is not repeated.
    w.type_into(&format!("{step2} [data-field='items'] .row input"), &active)
        .await;
    w.click("#wf-history .btn-wf-resume").await;
    // Done: its result in names and amounts (the ID one click away).
    w.wait_for_text(
        "#wf-run .wf-run-step[data-step='create_subscription'][data-state='done']",
        "Active",
    )
    .await;
    let behind = w
        .execute("return document.querySelector(\"#wf-run .wf-run-step[data-step='create_subscription'] .id-behind\").textContent")
        .await;
    assert!(
        behind.as_str().unwrap_or_default().contains("cus_"),
        "{behind}"
    );
    w.wait_for_text("#wf-run-message", "Every step is done")
        .await;
    // Each done step as the Actions screen shows its result: headline and rows.
    let card = w
        .wait_for_text(
            "#wf-run .wf-run-step[data-step='create_customer'] .action-result-card",
            "Jo Baker",
        )
        .await;
    assert!(card.contains("jo@example.com"), "{card}");
    w.wait_for_text(
        "#wf-run .wf-run-step[data-step='list_subscriptions'] .action-result-card",
        "Showing 1",
    )
    .await;
    w.wait_for_text(
        "#wf-run .wf-run-step[data-step='create_customer'][data-state='done']",
        "Jo Baker",
    )
    .await;
    w.screenshot(&shots.join("workflows-03-resumed.png")).await;
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    assert_eq!(sim.count(ACCOUNT, "subscriptions"), 1);
    w.execute("document.querySelector('#wf-run').scrollIntoView()")
        .await;
    w.screenshot(&shots.join("workflows-03b-results.png")).await;
    w.quit().await;

    // Restart: the workflow and its history are there.
    let w = driver.session().await;
    w.wait_for_text("#header-account", "Acme Workflow Shop")
        .await;
    w.click("#nav-workflows").await;
    w.click(".wf-item").await;
    w.wait_for_text("#wf-history .wf-history-item", "succeeded")
        .await;
    let customer_ref = w
        .execute(&format!(
            "return document.querySelector({customer:?}).value"
        ))
        .await;
    assert_eq!(customer_ref, "{{create_customer.id}}");
    w.execute("document.querySelector('#wf-history').scrollIntoView()")
        .await;
    w.screenshot(&shots.join("workflows-04-after-restart.png"))
        .await;

    // Duplicate, delete the copy (confirmed), and undo.
    w.click("#btn-wf-duplicate").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while w.count(".wf-item").await != 2 {
        assert!(std::time::Instant::now() < deadline, "no copy");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    w.click("#btn-wf-delete").await;
    w.click("#confirm-yes").await;
    w.find("#btn-wf-undo").await;
    assert_eq!(w.count(".wf-item").await, 1);
    w.click("#btn-wf-undo").await;
    w.wait_until_gone("#btn-wf-undo").await;
    assert_eq!(w.count(".wf-item").await, 2);
    w.click(".wf-item").await;

    // Renaming a step takes its references along.
    let name = format!("{step1} .wf-step-name");
    w.type_into(&name, "new_customer").await;
    w.send_keys(&name, TAB).await;
    let renamed = "[data-step='create_subscription'] [data-field='customer'] input";
    w.find("[data-step='new_customer']").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let v = w
            .execute(&format!("return document.querySelector({renamed:?}).value"))
            .await;
        if v == "{{new_customer.id}}" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "reference is {v}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // An input renamed in place takes its references along; a clash or a
    // bad name is refused next to it.
    w.type_into("#wf-input-name", "email").await;
    w.type_into("#wf-input-label", "Email").await;
    w.execute(&select("#wf-input-kind", "email")).await;
    w.click("#btn-wf-add-input").await;
    w.find(".wf-inputs [data-field='email']").await;
    let email = "[data-step='new_customer'] [data-field='email'] input";
    w.type_into(email, "{{input.email}}").await;
    w.send_keys(email, ESCAPE).await;
    w.click("#btn-wf-save").await;
    let input_name = ".wf-inputs [data-field='email'] .wf-input-rename";
    let input_message = ".wf-inputs [data-field='email'] .field-message";
    w.type_into(input_name, "new_customer").await;
    w.send_keys(input_name, TAB).await;
    w.wait_for_text(input_message, "new_customer is already used")
        .await;
    w.type_into(input_name, "Customer Email").await;
    w.send_keys(input_name, TAB).await;
    w.wait_for_text(input_message, "lowercase letters").await;
    w.execute("document.querySelector('.wf-inputs').scrollIntoView()")
        .await;
    w.screenshot(&shots.join("workflows-05-input-name-refused.png"))
        .await;
    w.type_into(input_name, "customer_email").await;
    w.send_keys(input_name, TAB).await;
    w.find(".wf-inputs [data-field='customer_email']").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let v = w
            .execute(&format!("return document.querySelector({email:?}).value"))
            .await;
        if v == "{{input.customer_email}}" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "reference is {v}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // Export through the system's save dialog; import through its open
    // dialog: a damaged file is refused in plain words and nothing is lost;
    // the exported file comes back as a new workflow.
    let files = temp_dir("window-workflows-files");
    let exported = files.join("customer-with-subscription.json");
    w.click("#btn-wf-export").await;
    answer_file_dialog("Export workflow", &exported, true).await;
    w.wait_for_text("#wf-file-message", "Exported to").await;
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(text.contains("\"stripe-desk-workflow\""), "{text}");
    assert!(text.contains("{{input.customer_email}}"), "{text}");
    let damaged = files.join("damaged.json");
    std::fs::write(&damaged, &text[..text.len() / 2]).unwrap();
    let before = w.count(".wf-item").await;
    w.click("#btn-wf-import").await;
    answer_file_dialog("Import a workflow", &damaged, false).await;
    w.wait_for_text(
        "#wf-file-message",
        "damaged.json was not imported: it is damaged",
    )
    .await;
    w.execute("document.querySelector('#wf-file-message').scrollIntoView({block: 'center'})")
        .await;
    w.screenshot(&shots.join("workflows-06-import-refused.png"))
        .await;
    assert_eq!(w.count(".wf-item").await, before);
    w.click("#btn-wf-import").await;
    answer_file_dialog("Import a workflow", &exported, false).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while w.count(".wf-item").await != before + 1 {
        assert!(std::time::Instant::now() < deadline, "not imported");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    w.find(".wf-inputs [data-field='customer_email']").await;
    w.quit().await;
}
