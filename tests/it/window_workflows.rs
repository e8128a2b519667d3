//! The Workflows screen in the real app window, against the simulator, as
//! a person would: "create a customer, then a subscription for the new
//! customer" built with the `{{` menu by keyboard only, the reference then
//! shown as a chip in words; step 2 refused (an inactive price) at its
//! field; fixed; resumed; exactly one customer and one subscription in
//! Stripe; the workflow and its history still there after a restart. Also:
//! a choice switched to a value from an earlier step; done steps shown as
//! the Actions screen shows results; inputs renamed in place; export and
//! import through the system's dialogs, which the app opens (the page
//! cannot name a file); an import shown in words and accepted before it
//! runs; a template run with its price picked by product; a customer input
//! found by name. Every state is checked for developer words.

use crate::APP;
use desk_testkit::window::plain_words::assert_plain_words;
use desk_testkit::window::*;
use stripe_sim::KeyAccess;

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
        "const s = document.querySelector({css:?}); s.value = {value:?}; s.dispatchEvent(new Event('change', {{bubbles: true}}));"
    )
}

/// A field that shows its references as chips: press them to edit the text.
async fn edit(w: &webdriver::Session, field: &str) {
    let view = format!("{field} .wf-ref-view");
    let shown = w
        .execute(&format!(
            "const v = document.querySelector({view:?}); return !!v && !v.hidden"
        ))
        .await;
    if shown.as_bool() == Some(true) {
        w.click(&view).await;
    }
}

/// Opens a "Name used when typing {{" section.
async fn open_names(w: &webdriver::Session, scope: &str) {
    w.execute(&format!(
        "document.querySelectorAll({:?}).forEach(d => d.open = true)",
        format!("{scope} details.wf-ref-name")
    ))
    .await;
}

/// Waits until the page's value at `script` is `want`.
async fn wait_value(w: &webdriver::Session, script: &str, want: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let v = w.execute(script).await;
        let text = match &v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if text == want {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{script} is {v}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Calls a command from the page, as a compromised page could, and returns
/// its answer (`{ok}` or `{err}`) once it comes.
async fn from_page(w: &webdriver::Session, command: &str, args: &str) -> serde_json::Value {
    w.execute(&format!(
        "window.pageCall = null; window.__TAURI__.core.invoke({command:?}, {args}).then(ok => window.pageCall = {{ok: ok === undefined ? null : ok}}, err => window.pageCall = {{err}});"
    ))
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let v = w.execute("return window.pageCall").await;
        if !v.is_null() {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{command} never answered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Closes the system file dialog titled `title` without picking (Escape),
/// if it opens within a few seconds; whether it opened.
async fn dismiss_file_dialog(title: &str) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let found = std::process::Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", title])
            .output()
            .expect("xdotool");
        if let Some(id) = String::from_utf8_lossy(&found.stdout).lines().last() {
            let id = id.to_owned();
            let key = |args: &[&str]| {
                std::process::Command::new("xdotool")
                    .args(args)
                    .status()
                    .unwrap();
            };
            key(&["windowfocus", "--sync", &id]);
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            key(&["key", "Escape"]);
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_run_fix_resume_and_find_it_after_a_restart() {
    let _window = one_window_at_a_time().await;
    let sim = simulator().await;
    sim.add_account(ACCOUNT, "Acme Workflow Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    let (active, inactive) = prices(&sim).await;
    let data_dir = temp_dir("window-workflows");
    let shots = artifacts_dir();
    let driver = Driver::start(APP, &sim, &data_dir);
    let w = driver.session().await;

    connect_with_key(&w, KEY, "Secret key, test mode", "Acme Workflow Shop").await;

    w.click("#nav-workflows").await;
    w.find("#btn-wf-new").await;
    w.wait_for_text("#wf-template", "Adds a customer, then subscribes them")
        .await;
    w.wait_for_text(
        "#wf-intro",
        "A workflow does several actions one after another",
    )
    .await;
    w.screenshot(&shots.join("workflows-00-empty.png")).await;
    assert_plain_words(&w, "Workflows").await;
    w.click("#wf-template-empty").await;
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

    // The `{{` menu, by keyboard only: open, filter, move, Escape, reopen,
    // Enter. It names results in words: the step, its action, the field.
    w.send_keys(&customer, "{{").await;
    w.wait_for_text(&format!("{step2} .wf-menu"), "Step 1, Create Customer → ID")
        .await;
    w.send_keys(&customer, "create_customer.i").await;
    w.wait_for_text(
        &format!("{step2} .wf-menu-option[aria-selected='true']"),
        "Step 1, Create Customer → ID",
    )
    .await;
    w.screenshot(&shots.join("workflows-01-menu.png")).await;
    assert_plain_words(&w, "Workflows").await;
    w.send_keys(&customer, ESCAPE).await;
    w.wait_until_gone(&format!("{step2} .wf-menu")).await;
    w.type_into(&customer, "").await;
    w.send_keys(&customer, "{{").await;
    w.wait_for_text(&format!("{step2} .wf-menu"), "Step 1, Create Customer → ID")
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
        "Step 1, Create Customer → Email is an email address, but this field takes a customer ID",
    )
    .await;
    w.wait_for_text("#wf-save-message", "Saved. One thing to fix before it runs")
        .await;
    // Away from the field, the reference reads as a chip in words.
    w.wait_for_text(
        &format!("{step2} [data-field='customer'] .wf-chip"),
        "Step 1, Create Customer → Email",
    )
    .await;
    w.execute(&format!(
        "document.querySelector(\"{step2} [data-field='customer']\").scrollIntoView()"
    ))
    .await;
    w.screenshot(&shots.join("workflows-01c-check-at-field.png"))
        .await;
    assert_plain_words(&w, "Workflows").await;
    assert!(sim.requests().is_empty(), "nothing was sent");
    edit(&w, &format!("{step2} [data-field='customer']")).await;
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
        "Step 2, Create Subscription → Status",
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
    edit(&w, &status).await;
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
    edit(&w, &status).await;
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
    w.screenshot_both_themes(&shots.join("workflows-01b-built.png"))
        .await;
    assert_plain_words(&w, "Workflows").await;
    w.click("#btn-wf-run").await;
    w.wait_for_text(
        "#wf-run .wf-run-step[data-state='failed']",
        "Step 2 · Create Subscription",
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
    w.screenshot_both_themes(&shots.join("workflows-02-step-2-refused.png"))
        .await;
    assert_plain_words(&w, "Workflows").await;
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
    assert_plain_words(&w, "Workflows").await;
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
    assert_plain_words(&w, "Workflows").await;

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

    // Renaming a step (its name for references is folded away) takes its references along.
    open_names(&w, step1).await;
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

    // An input (its name for references made from its label) renamed in
    // place takes its references along; a clash or a bad name is refused
    // next to it.
    w.type_into("#wf-input-label", "Email").await;
    w.execute(&select("#wf-input-kind", "email")).await;
    w.click("#btn-wf-add-input").await;
    w.find(".wf-inputs [data-field='email']").await;
    w.wait_for_text("#wf-save-message", "Each run now asks for “Email”.")
        .await;
    let email = "[data-step='new_customer'] [data-field='email'] input";
    w.type_into(email, "{{input.email}}").await;
    w.send_keys(email, ESCAPE).await;
    w.click("#btn-wf-save").await;
    open_names(&w, ".wf-inputs [data-field='email']").await;
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
    assert_plain_words(&w, "Workflows").await;
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

    // The page cannot name a file: it may not open dialogs itself, and the
    // file commands open the system's dialog whatever the page passes.
    let files = temp_dir("window-workflows-files");
    let forced = files.join("bashrc");
    let id = w
        .execute("return document.querySelector('.wf-item[aria-current]').dataset.workflow")
        .await;
    let id = id.as_str().unwrap().to_owned();
    let refused = from_page(
        &w,
        "plugin:dialog|save",
        &format!(
            "{{options: {{defaultPath: {:?}}}}}",
            forced.to_str().unwrap()
        ),
    )
    .await;
    assert!(refused.get("err").is_some(), "{refused}");
    let call = format!(
        "{{workflowId: {id:?}, path: {:?}}}",
        forced.to_str().unwrap()
    );
    let answered = {
        let page = from_page(&w, "workflow_export", &call);
        let dismissed = dismiss_file_dialog("Export workflow");
        let (answered, dismissed) = tokio::join!(page, dismissed);
        assert!(dismissed, "the app asked where to save");
        answered
    };
    assert_eq!(answered, serde_json::json!({"ok": null}));
    assert!(!forced.exists(), "nothing was written where the page said");

    // Export through the system's save dialog; import through its open
    // dialog: a damaged file is refused in plain words and nothing is lost;
    // the exported file comes back as a new workflow, shown in words, that
    // runs only once accepted.
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
    w.wait_for_text("#wf-review", "Step 2 · Create Subscription")
        .await;
    w.wait_for_text("#wf-review", "POST /v1/subscriptions")
        .await;
    w.wait_for_text("#wf-list-message", "read what it does before you accept it")
        .await;
    assert_eq!(w.count(".wf-item").await, before + 1);
    w.wait_for_text(".wf-item[aria-current]", "Not reviewed")
        .await;
    assert_eq!(w.count("#btn-wf-run").await, 0, "it cannot run yet");
    w.screenshot(&shots.join("workflows-07-import-review.png"))
        .await;
    assert_plain_words(&w, "Workflows").await;
    w.click("#btn-wf-accept").await;
    w.find(".wf-inputs [data-field='customer_email']").await;
    w.find("#btn-wf-run").await;
    w.wait_for_text("#wf-list-message", "was accepted").await;

    // The template "New customer with a subscription": the price is picked
    // by product, then price. A product's name typed where the price goes
    // is refused once, at that input.
    w.click("#wf-template-0").await;
    w.click("#btn-wf-new").await;
    w.wait_for_text(".wf-item[aria-current]", "New customer with a subscription")
        .await;
    w.type_into("#wf-run-input-name", "Sam Carter").await;
    w.type_into("#wf-run-input-email", "sam@example.com").await;
    w.execute("document.querySelector('.wf-run-input[data-field=\"price\"] details').open = true")
        .await;
    w.type_into("#wf-run-input-price", "Coffee club").await;
    sim.clear_requests();
    w.click("#btn-wf-run").await;
    w.wait_for_text(
        ".wf-run-input[data-field='price'] .field-message",
        "“Coffee club” is not a price: pick a product, then one of its prices.",
    )
    .await;
    w.wait_for_text("#wf-run-message", "Fix what is marked, then run.")
        .await;
    assert!(
        !w.text("#wf-run-message").await.contains("Coffee club"),
        "said once, at the input"
    );
    assert!(sim.requests().iter().all(|r| r.method != "POST"));
    w.execute("document.querySelector('.wf-run-card').scrollIntoView()")
        .await;
    w.screenshot(&shots.join("workflows-08-price-refused.png"))
        .await;
    assert_plain_words(&w, "Workflows").await;
    wait_value(
        &w,
        "return Array.from(document.querySelectorAll('#wf-run-input-price-product option')).some(o => o.textContent === 'Coffee club')",
        "true",
    )
    .await;
    let product_id = w
        .execute("return Array.from(document.querySelectorAll('#wf-run-input-price-product option')).find(o => o.textContent.includes('Coffee club')).value")
        .await;
    w.execute(&select(
        "#wf-run-input-price-product",
        product_id.as_str().unwrap(),
    ))
    .await;
    // Its one active monthly price is taken.
    wait_value(
        &w,
        "return document.querySelector('#wf-run-input-price').value",
        &active,
    )
    .await;
    wait_value(
        &w,
        "return document.querySelector('#wf-run-input-price-price').selectedOptions[0].textContent.includes('15.00')",
        "true",
    )
    .await;
    // What no longer holds is gone.
    w.wait_until_gone(".wf-run-input[data-field='price'] .field-message:not([hidden])")
        .await;
    assert_eq!(w.text("#wf-run-message").await, "");
    w.screenshot(&shots.join("workflows-09-price-picked.png"))
        .await;
    w.click("#btn-wf-run").await;
    w.wait_for_text("#wf-run-message", "Every step is done")
        .await;
    assert_eq!(sim.count(ACCOUNT, "subscriptions"), 2);
    assert_plain_words(&w, "Workflows").await;

    // A customer asked for at each run is found by name.
    w.click("#wf-template-empty").await;
    w.click("#btn-wf-new").await;
    w.wait_for_text(".wf-item[aria-current]", "New workflow")
        .await;
    wait_value(
        &w,
        "return document.querySelector('#wf-name').value",
        "New workflow",
    )
    .await;
    w.type_into("#wf-name", "Subscriptions of a customer").await;
    w.click("#btn-wf-rename").await;
    w.wait_for_text(".wf-item[aria-current]", "Subscriptions of a customer")
        .await;
    w.wait_for_text("#wf-list-message", "Renamed to").await;
    w.type_into("#wf-input-label", "Customer").await;
    w.execute(&select("#wf-input-kind", "customer")).await;
    w.click("#btn-wf-add-input").await;
    w.find(".wf-inputs [data-field='customer']").await;
    w.execute(&select("#wf-add-action", "list_subscriptions"))
        .await;
    w.click("#btn-wf-add-step").await;
    let who = "[data-step='list_subscriptions'] [data-field='customer'] input";
    w.send_keys(who, "{{").await;
    w.wait_for_text(
        "[data-step='list_subscriptions'] .wf-menu-option[aria-selected='true']",
        "Customer",
    )
    .await;
    w.send_keys(who, ENTER).await;
    w.click("#btn-wf-save").await;
    w.wait_for_text("#wf-save-message", "Saved. Nothing stops it from running.")
        .await;
    w.type_into("#wf-run-input-customer-find", "Sam").await;
    w.wait_for_text(
        ".wf-run-input[data-field='customer'] .picker-choice",
        "Sam Carter",
    )
    .await;
    w.click(".wf-run-input[data-field='customer'] .picker-choice")
        .await;
    w.wait_for_text(
        ".wf-run-input[data-field='customer'] .picker-note",
        "Chosen: Sam Carter",
    )
    .await;
    w.screenshot(&shots.join("workflows-10-customer-found.png"))
        .await;
    w.click("#btn-wf-run").await;
    w.wait_for_text("#wf-run-message", "Every step is done")
        .await;
    w.wait_for_text(
        "#wf-run .wf-run-step[data-step='list_subscriptions'] .action-result-card",
        "Showing 1",
    )
    .await;
    assert_plain_words(&w, "Workflows").await;

    // How long runs are kept is shown and changed here; removing a step
    // says what was removed; a long name ends in "…" with the whole name
    // in its tooltip.
    let kept = w
        .execute("return document.querySelector('#wf-keep-days').value")
        .await;
    assert_eq!(kept, "90");
    w.type_into("#wf-keep-days", "0").await;
    w.click("#btn-wf-keep").await;
    w.wait_for_text("#wf-keep-message", "Keep run history for 1 to 3650 days")
        .await;
    w.type_into("#wf-keep-days", "30").await;
    w.click("#btn-wf-keep").await;
    w.wait_for_text("#wf-keep-message", "Runs are kept for 30 days")
        .await;
    w.click("[data-step='list_subscriptions'] .btn-wf-remove-step")
        .await;
    w.wait_for_text("#wf-save-message", "Removed Step 1 · List Subscriptions.")
        .await;
    let title = w
        .execute("const b = document.querySelector('.wf-item[aria-current]'); return [b.title, b.querySelector('.wf-item-name').scrollWidth > b.querySelector('.wf-item-name').clientWidth]")
        .await;
    assert_eq!(
        title,
        serde_json::json!(["Subscriptions of a customer", true])
    );
    w.screenshot(&shots.join("workflows-11-kept-and-removed.png"))
        .await;
    assert_plain_words(&w, "Workflows").await;
    assert_every_call_audited(&data_dir).await;
    w.quit().await;
}

/// GETs from the simulator with the test's key; Stripe's JSON back.
async fn stripe_get(sim: &stripe_sim::Simulator, path: &str) -> serde_json::Value {
    reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Workflows that decide and repeat, built and run in the window by
/// keyboard: the template "Find or create a customer, then subscribe them"
/// adjusted (a condition on a result the step cannot have is marked at the
/// condition; the `{{` menu picks the list; a second comparison added), run
/// once so it creates the customer and once so it finds them (which way it
/// went, and why, in words); then a "For each" over a searched customer
/// list, every page, with its item's ID picked from the menu: 55 customers
/// is more than 50, so the run asks first, naming the account and mode,
/// then shows items done, failed and left, and the history lists each one;
/// last, a "For each" over a list typed at each run, one email a line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_or_create_and_for_each_built_by_keyboard() {
    let _window = one_window_at_a_time().await;
    let sim = simulator().await;
    sim.add_account(ACCOUNT, "Acme Workflow Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    let (active, _) = prices(&sim).await;
    let data_dir = temp_dir("window-workflows-flow");
    let shots = artifacts_dir();
    let driver = Driver::start(APP, &sim, &data_dir);
    let w = driver.session().await;
    connect_with_key(&w, KEY, "Secret key, test mode", "Acme Workflow Shop").await;
    w.click("#nav-workflows").await;
    w.wait_for_text(
        "#wf-template",
        "Find or create a customer, then subscribe them",
    )
    .await;
    w.click("#wf-template-3").await;
    w.click("#btn-wf-new").await;
    w.wait_for_text(
        ".wf-item[aria-current]",
        "Find or create a customer, then subscribe them",
    )
    .await;

    // The group's "Only if", drawn with the steps inside it.
    let group = "[data-step='if_new']";
    w.wait_for_text(&format!("{group} .card-title"), "Step 2 · Only if")
        .await;
    w.find(&format!("{group} .wf-inner [data-step='create_customer']"))
        .await;
    let value = format!("{group} [data-field='only_if.tests.0.value']");
    let value_in = format!("{value} input");
    // A result the step cannot have yet: marked at the condition, nothing sent.
    edit(&w, &value).await;
    w.type_into(&value_in, "{{create_customer.id}}").await;
    w.send_keys(&value_in, ESCAPE).await;
    sim.clear_requests();
    w.click("#btn-wf-save").await;
    w.wait_for_text(
        &format!("{value} .field-message"),
        "comes from a step that runs later",
    )
    .await;
    w.execute(&format!(
        "document.querySelector(\"{group}\").scrollIntoView()"
    ))
    .await;
    w.screenshot(&shots.join("workflows-20-condition-refused.png"))
        .await;
    assert_plain_words(&w, "Workflows").await;
    assert!(sim.requests().is_empty(), "nothing was sent");
    // Picked again with the `{{` menu, by keyboard.
    edit(&w, &value).await;
    w.type_into(&value_in, "").await;
    w.send_keys(&value_in, "{{find_customer.data").await;
    w.wait_for_text(
        &format!("{group} .wf-menu-option[aria-selected='true']"),
        "Step 1, List Customers",
    )
    .await;
    w.send_keys(&value_in, ENTER).await;
    w.wait_until_gone(&format!("{group} .wf-menu")).await;
    wait_value(
        &w,
        &format!("return document.querySelector({value_in:?}).value"),
        "{{find_customer.data}}",
    )
    .await;
    // A second comparison: the email typed contains "@".
    w.send_keys(&format!("{group} .wf-cmp-add"), ENTER).await;
    let second = format!("{group} [data-field='only_if.tests.1.value'] input");
    w.find(&second).await;
    w.send_keys(&second, "{{input.ema").await;
    w.wait_for_text(
        &format!("{group} .wf-menu-option[aria-selected='true']"),
        "Customer email",
    )
    .await;
    w.send_keys(&second, ENTER).await;
    w.wait_until_gone(&format!("{group} .wf-menu")).await;
    w.execute(&select(
        &format!("{group} .wf-comparison:nth-child(2) select"),
        "contains",
    ))
    .await;
    w.type_into(
        &format!("{group} [data-field='only_if.tests.1.to'] textarea"),
        "@",
    )
    .await;
    w.click("#btn-wf-save").await;
    w.wait_for_text("#wf-save-message", "Saved. Nothing stops it from running.")
        .await;
    // Away from the boxes, references read as chips in words.
    w.wait_for_text(
        &format!("{group} [data-field='only_if.tests.1.value'] .wf-chip"),
        "Customer email",
    )
    .await;
    w.execute(&format!(
        "document.querySelector(\"{group}\").scrollIntoView()"
    ))
    .await;
    w.screenshot(&shots.join("workflows-21-only-if-built.png"))
        .await;
    assert_plain_words(&w, "Workflows").await;

    // Run once: no one has that email, so the customer is created.
    w.type_into("#wf-run-input-name", "Ana Silva").await;
    w.type_into("#wf-run-input-email", "ana@example.com").await;
    w.execute("document.querySelector('.wf-run-input[data-field=\"price\"] details').open = true")
        .await;
    w.type_into("#wf-run-input-price", &active).await;
    w.click("#btn-wf-run").await;
    w.wait_for_text("#wf-run-message", "Every step is done")
        .await;
    w.wait_for_text(
        "#wf-run [data-step='if_new'] .wf-run-why",
        "Only if: Step 1 (List Customers) found none",
    )
    .await;
    w.find("#wf-run [data-step='create_customer'][data-state='done']")
        .await;
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    assert_eq!(sim.count(ACCOUNT, "subscriptions"), 1);
    w.execute("document.querySelector('#wf-run').scrollIntoView()")
        .await;
    w.screenshot(&shots.join("workflows-22-created.png")).await;
    assert_plain_words(&w, "Workflows").await;

    // Run again with the same inputs: the customer is found, not made again.
    w.click("#wf-history .btn-wf-again").await;
    w.wait_for_text(
        "#wf-run [data-step='create_customer'][data-state='skipped'] .wf-run-why",
        "Skipped: Step 1 (List Customers) found 1",
    )
    .await;
    w.wait_for_text("#wf-run-message", "Every step is done")
        .await;
    wait_value(
        &w,
        "return document.querySelectorAll('#wf-history .wf-history-item').length",
        "2",
    )
    .await;
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    assert_eq!(sim.count(ACCOUNT, "subscriptions"), 2);
    w.execute("document.querySelector('#wf-run').scrollIntoView()")
        .await;
    w.screenshot(&shots.join("workflows-23-found.png")).await;
    assert_plain_words(&w, "Workflows").await;

    // For each: 55 club members (more than 50) and two others.
    for i in 1..=55 {
        stripe_post(
            &sim,
            "/v1/customers",
            &format!("name=Club+member+{i}&email=member{i}%40example.com"),
        )
        .await;
    }
    for who in ["Walk-in buyer", "Market stall"] {
        stripe_post(
            &sim,
            "/v1/customers",
            &format!("name={}", who.replace(' ', "+")),
        )
        .await;
    }
    w.click("#wf-template-empty").await;
    w.click("#btn-wf-new").await;
    w.wait_for_text(".wf-item[aria-current]", "New workflow")
        .await;
    w.type_into("#wf-name", "Coffee club members").await;
    w.click("#btn-wf-rename").await;
    w.wait_for_text(".wf-item[aria-current]", "Coffee club members")
        .await;
    w.execute(&select("#wf-add-action", "list_customers")).await;
    w.click("#btn-wf-add-step").await;
    let list = "[data-step='list_customers']";
    w.type_into(
        &format!("{list} [data-field='search'] input"),
        "Club member",
    )
    .await;
    w.send_keys(
        &format!("{list} .wf-every-page input[type='checkbox']"),
        " ",
    )
    .await;
    w.type_into(
        &format!("{list} [data-field='every_page_up_to'] input"),
        "200",
    )
    .await;
    w.execute(&select("#wf-add-action", "flow:for_each")).await;
    w.click("#btn-wf-add-step").await;
    let each = "[data-step='for_each']";
    let over = format!("{each} [data-field='flow.over'] input");
    w.send_keys(&over, "{{list_customers.da").await;
    w.wait_for_text(
        &format!("{each} .wf-menu-option[aria-selected='true']"),
        "Step 1, List Customers",
    )
    .await;
    w.send_keys(&over, ENTER).await;
    w.wait_until_gone(&format!("{each} .wf-menu")).await;
    // A step inside: Update Customer, the current item's ID from the menu.
    w.execute(&select(
        &format!("{each} .wf-add-here select"),
        "update_customer",
    ))
    .await;
    w.click(&format!("{each} .wf-add-here button")).await;
    let update = format!("{each} [data-step='update_customer']");
    let who = format!("{update} [data-field='customer'] input");
    w.find(&who).await;
    w.send_keys(&who, "{{item.i").await;
    w.wait_for_text(
        &format!("{update} .wf-menu-option[aria-selected='true']"),
        "Current item",
    )
    .await;
    w.screenshot(&shots.join("workflows-24-item-menu.png"))
        .await;
    assert_plain_words(&w, "Workflows").await;
    w.send_keys(&who, ENTER).await;
    w.wait_until_gone(&format!("{update} .wf-menu")).await;
    wait_value(
        &w,
        &format!("return document.querySelector({who:?}).value"),
        "{{item.id}}",
    )
    .await;
    w.type_into(
        &format!("{update} [data-field='description'] textarea"),
        "Member of the coffee club",
    )
    .await;
    w.click("#btn-wf-save").await;
    w.wait_for_text("#wf-save-message", "Saved. Nothing stops it from running.")
        .await;
    w.wait_for_text(
        &format!("{update} [data-field='customer'] .wf-chip"),
        "Current item",
    )
    .await;
    w.execute(&format!(
        "document.querySelector(\"{each}\").scrollIntoView()"
    ))
    .await;
    w.screenshot(&shots.join("workflows-25-for-each-built.png"))
        .await;
    assert_plain_words(&w, "Workflows").await;

    // The run finds 55 and asks first, naming the account and the mode.
    w.click("#btn-wf-run").await;
    w.wait_for_text(
        "#confirm-title",
        "Go through 55 items in Acme Workflow Shop (test mode)?",
    )
    .await;
    w.wait_for_text("#confirm-details", "55 items").await;
    w.screenshot(&shots.join("workflows-26-go-ahead.png")).await;
    assert_plain_words(&w, "Workflows").await;
    let updated = |customers: &serde_json::Value| {
        customers["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["description"] == "Member of the coffee club")
            .count()
    };
    assert_eq!(
        updated(&stripe_get(&sim, "/v1/customers?limit=100").await),
        0
    );
    w.click("#confirm-yes").await;
    // As the items go (how far it got depends on the machine: not asserted).
    w.wait_for_text(
        "#wf-run [data-step='for_each'] .wf-items-count",
        "items done",
    )
    .await;
    w.execute("document.querySelector(\"#wf-run [data-step='for_each']\").scrollIntoView()")
        .await;
    w.screenshot(&shots.join("workflows-26b-items-going.png"))
        .await;
    w.wait_for_text("#wf-run-message", "Every step is done")
        .await;
    w.wait_for_text(
        "#wf-run [data-step='for_each'] .wf-items-count",
        "55 of 55 items done · 0 failed · 0 left",
    )
    .await;
    let customers = stripe_get(&sim, "/v1/customers?limit=100").await;
    assert_eq!(updated(&customers), 55);
    for c in customers["data"].as_array().unwrap() {
        let member = c["name"].as_str().unwrap_or("").starts_with("Club member");
        assert_eq!(
            c["description"] == "Member of the coffee club",
            member,
            "{c}"
        );
    }
    w.execute("document.querySelector(\"#wf-run [data-step='for_each']\").scrollIntoView()")
        .await;
    w.screenshot_both_themes(&shots.join("workflows-27-for-each-done.png"))
        .await;
    assert_plain_words(&w, "Workflows").await;
    // The history lists each item's outcome, in words.
    w.execute("document.querySelector('#wf-history details.wf-items-each').open = true")
        .await;
    wait_value(
        &w,
        "return document.querySelectorAll('#wf-history .wf-item-outcome[data-state=\"done\"]').length",
        "55",
    )
    .await;
    w.wait_for_text("#wf-history .wf-item-outcome", "Club member")
        .await;
    w.execute("document.querySelector('#wf-history .wf-items-each').scrollIntoView()")
        .await;
    w.screenshot(&shots.join("workflows-28-each-item.png"))
        .await;
    assert_plain_words(&w, "Workflows").await;

    // For each line of a list typed at each run: a line that is not an
    // email is refused at the input, naming the line, before anything is sent.
    w.click("#wf-template-empty").await;
    w.click("#btn-wf-new").await;
    w.wait_for_text(".wf-item[aria-current]", "New workflow")
        .await;
    w.type_into("#wf-input-label", "Emails").await;
    w.execute(&select("#wf-input-kind", "email")).await;
    w.send_keys("#wf-input-list", " ").await;
    w.click("#btn-wf-add-input").await;
    w.wait_for_text(
        ".wf-inputs [data-field='emails']",
        "several email addresses, one a line",
    )
    .await;
    w.execute(&select("#wf-add-action", "flow:for_each")).await;
    w.click("#btn-wf-add-step").await;
    w.send_keys(&over, "{{input.em").await;
    w.wait_for_text(
        &format!("{each} .wf-menu-option[aria-selected='true']"),
        "Emails",
    )
    .await;
    w.send_keys(&over, ENTER).await;
    w.wait_until_gone(&format!("{each} .wf-menu")).await;
    w.execute(&select(
        &format!("{each} .wf-add-here select"),
        "create_customer",
    ))
    .await;
    w.click(&format!("{each} .wf-add-here button")).await;
    let email = format!("{each} [data-step='create_customer'] [data-field='email'] input");
    w.send_keys(&email, "{{ite").await;
    w.wait_for_text(
        &format!("{each} [data-step='create_customer'] .wf-menu-option[aria-selected='true']"),
        "Current item",
    )
    .await;
    w.send_keys(&email, ENTER).await;
    w.wait_until_gone(&format!("{each} .wf-menu")).await;
    w.click("#btn-wf-save").await;
    w.wait_for_text("#wf-save-message", "Saved. Nothing stops it from running.")
        .await;
    let before = sim.count(ACCOUNT, "customers");
    sim.clear_requests();
    w.type_into(
        "#wf-run-input-emails",
        &format!("kim@example.com{ENTER}not an email{ENTER}lee@example.com"),
    )
    .await;
    w.click("#btn-wf-run").await;
    w.wait_for_text(
        ".wf-run-input[data-field='emails'] .field-message",
        "Line 2",
    )
    .await;
    assert!(sim.requests().iter().all(|r| r.method != "POST"));
    w.type_into(
        "#wf-run-input-emails",
        &format!("kim@example.com{ENTER}lee@example.com{ENTER}sam@example.com"),
    )
    .await;
    w.click("#btn-wf-run").await;
    w.wait_for_text("#wf-run-message", "Every step is done")
        .await;
    w.wait_for_text(
        "#wf-run [data-step='for_each'] .wf-items-count",
        "3 of 3 items done · 0 failed · 0 left",
    )
    .await;
    assert_eq!(sim.count(ACCOUNT, "customers"), before + 3);
    w.execute("document.querySelector('.wf-run-card').scrollIntoView()")
        .await;
    w.screenshot(&shots.join("workflows-29-list-input.png"))
        .await;
    assert_plain_words(&w, "Workflows").await;
    assert_every_call_audited(&data_dir).await;

    w.quit().await;
}
