//! Workflows bound to the real actions (`ActionCatalog`, `ActionSteps`),
//! against the local Stripe simulator over real HTTP: "create a customer,
//! then a subscription for {{create_customer.id}}", a refusal at its field
//! (an inactive price), the fix, Resume, and no duplicate in Stripe.

use desk_core::money::NumberFormat;
use desk_core::secret::Secret;
use desk_core::stripe::{Auth, ClientConfig, Params, Request, StripeClient};
use desk_core::views::Mode;
use desk_core::workflows::engine::{
    Outcome, RunAccount, RunHistory, RunRecord, StepCall, StepExecutor, StepState,
    RUN_METADATA_KEY, STEP_METADATA_KEY,
};
use desk_core::workflows::model::InputKind;
use desk_core::workflows::{templates, ActionCatalog, ActionSteps, StepCatalog, Workflow};
use desk_testkit::prices::active_and_archived_prices;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;
use stripe_sim::{KeyAccess, SimConfig, Simulator};

const KEY: &str = "sk_test_51BoundWorkflowKey00000000001234";
const ACCOUNT: &str = "acct_1BoundWorkflowShop";

async fn sim() -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(ACCOUNT, "Bound Workflow Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim
}

fn client(sim: &Simulator) -> StripeClient {
    let mut c = ClientConfig::new(sim.base_url(), sim.base_url());
    c.retry.initial_delay = Duration::from_millis(5);
    c.retry.max_delay = Duration::from_millis(20);
    StripeClient::new(c).unwrap()
}

fn auth() -> Auth {
    Auth {
        secret: Secret::new(KEY),
        mode: Mode::Test,
        stripe_account: None,
    }
}

/// Runs kept in a scratch folder, removed when the test ends (even when it fails).
struct Scratch {
    dir: std::path::PathBuf,
    history: RunHistory,
    auth: Auth,
}

impl Scratch {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(desk_core::stripe::random_token("desk-wf-bound"));
        let history = RunHistory::new(&dir);
        Scratch {
            dir,
            history,
            auth: auth(),
        }
    }

    fn steps<'a>(&'a self, client: &'a StripeClient) -> ActionSteps<'a> {
        ActionSteps {
            client,
            auth: &self.auth,
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn account() -> RunAccount {
    RunAccount {
        id: ACCOUNT.into(),
        name: "Bound Workflow Shop".into(),
        livemode: false,
        through: None,
    }
}

/// An active and an archived monthly price of one product.
async fn prices(c: &StripeClient) -> (String, String) {
    active_and_archived_prices(c, &auth()).await
}

async fn all(c: &StripeClient, path: &str) -> Vec<Value> {
    let mut params = Params::new().text("limit", "100");
    if path == "/v1/subscriptions" {
        params = params.text("status", "all");
    }
    let page = c
        .send(&auth(), &Request::get(path).params(params))
        .await
        .unwrap();
    page["data"].as_array().cloned().unwrap_or_default()
}

fn fields(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn workflow(price: &str) -> Workflow {
    let mut w = Workflow::new("Customer, then subscription");
    w.add_input("email", "Email", InputKind::Email).unwrap();
    w.add_step("create_customer", "create_customer").unwrap();
    w.steps[0].fields = fields(json!({"name": "Jo Baker", "email": "{{input.email}}"}));
    w.add_step("create_subscription", "create_subscription")
        .unwrap();
    w.steps[1].fields = fields(json!({
        "customer": "{{create_customer.id}}",
        "items": [{"price": price, "quantity": "1"}],
    }));
    w
}

#[tokio::test]
async fn the_real_actions_run_a_workflow_refuse_at_the_field_and_resume_without_duplicates() {
    let sim = sim().await;
    let c = client(&sim);
    let (active, inactive) = prices(&c).await;
    let scratch = Scratch::new();
    let history = &scratch.history;
    let executor = scratch.steps(&c);
    let engine = executor.engine(history, NumberFormat::POINT);
    let mut w = workflow(&inactive);
    assert_eq!(w.check(&ActionCatalog), vec![]);
    let inputs = BTreeMap::from([("email".to_owned(), "jo@example.com".to_owned())]);
    let mut seen: Vec<Vec<&'static str>> = Vec::new();
    let mut progress = |r: &RunRecord| {
        seen.push(
            r.steps
                .iter()
                .map(|s| match s.state {
                    StepState::Waiting => "waiting",
                    StepState::Running => "running",
                    StepState::Done { .. } => "done",
                    StepState::Failed { .. } => "failed",
                })
                .collect(),
        )
    };
    let run = engine
        .start(&w, account(), inputs, &mut progress)
        .await
        .unwrap();
    assert_eq!(
        run.outcome,
        Outcome::Failed {
            step: "create_subscription".into()
        }
    );
    assert!(seen.contains(&vec!["done", "running"]), "{seen:?}");
    let StepState::Failed { failure } = &run.steps[1].state else {
        panic!("{:?}", run.steps[1].state)
    };
    // Stripe's reason, at the step's field it concerns.
    assert_eq!(failure.field.as_deref(), Some("items"), "{failure:?}");
    assert!(
        failure.reason.to_lowercase().contains("active"),
        "{failure:?}"
    );
    let customer = run.output("create_customer").unwrap().clone();
    assert!(customer["id"].as_str().unwrap().starts_with("cus_"));
    assert_eq!(customer["metadata"][RUN_METADATA_KEY], json!(run.run_id));
    assert_eq!(
        customer["metadata"][STEP_METADATA_KEY],
        json!("create_customer")
    );
    match &run.steps[0].state {
        StepState::Done { result, .. } => {
            assert!(result.summary.contains("Jo Baker"), "{}", result.summary);
            // What the Actions screen shows for this customer, row for row.
            let shown = result.shown.as_ref().expect("the Actions screen's result");
            let action = desk_core::actions::find("create_customer").unwrap();
            let screen = desk_core::actions::run::summarise(action, customer.clone(), None, None);
            assert_eq!(shown.headline, screen.headline);
            assert_eq!(shown.rows, screen.rows);
            assert!(
                shown
                    .rows
                    .iter()
                    .any(|r| r.label == "Email" && r.value == "jo@example.com"),
                "{shown:?}"
            );
            assert!(shown.request_id.is_some(), "{shown:?}");
            assert_eq!(shown.json, Value::Null, "kept once, in output");
        }
        other => panic!("{other:?}"),
    }
    // Kept in the record on disk, for the run history.
    let kept = history.load(&w.id, &run.run_id).unwrap();
    assert_eq!(kept.steps[0].state, run.steps[0].state);

    // The fix: the active price. Resume continues at step 2.
    w.steps[1].fields["items"] = json!([{"price": active, "quantity": "1"}]);
    let mut quiet = |_: &RunRecord| {};
    let resumed = engine
        .resume(&w, &run.run_id, &account(), None, &mut quiet)
        .await
        .unwrap();
    assert_eq!(resumed.outcome, Outcome::Succeeded);
    let sub = resumed.output("create_subscription").unwrap();
    assert_eq!(sub["customer"], customer["id"]);
    assert_eq!(
        sub["metadata"][STEP_METADATA_KEY],
        json!("create_subscription")
    );

    let customers = all(&c, "/v1/customers").await;
    let subscriptions = all(&c, "/v1/subscriptions").await;
    assert_eq!(customers.len(), 1, "{customers:?}");
    assert_eq!(subscriptions.len(), 1, "{subscriptions:?}");

    // A resume after Stripe forgot the key finds the object by its metadata.
    let call = StepCall {
        action: "create_customer".into(),
        fields: Map::new(),
        idempotency_key: None,
        metadata: vec![
            (RUN_METADATA_KEY.into(), run.run_id.clone()),
            (STEP_METADATA_KEY.into(), "create_customer".into()),
        ],
        since: None,
    };
    let found = executor.find_created(&call).await.unwrap().unwrap();
    assert_eq!(found.output["id"], customer["id"]);
    let other_run = StepCall {
        metadata: vec![(RUN_METADATA_KEY.into(), "run_other".into())],
        ..call
    };
    assert!(executor.find_created(&other_run).await.unwrap().is_none());
}

/// The product-with-price template: an amount input reaches Stripe in minor
/// units through the request to any endpoint, whose created price is found
/// again by its metadata.
#[tokio::test]
async fn the_product_with_price_template_runs_and_its_request_step_is_found_again() {
    let sim = sim().await;
    let c = client(&sim);
    let scratch = Scratch::new();
    let history = &scratch.history;
    let executor = scratch.steps(&c);
    let engine = executor.engine(history, NumberFormat::POINT);
    let w = templates::product_with_price();
    let inputs = BTreeMap::from([
        ("product_name".to_owned(), "Coffee club".to_owned()),
        ("monthly_amount".to_owned(), "12.50".to_owned()),
    ]);
    let run = engine
        .start(&w, account(), inputs, &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(run.outcome, Outcome::Succeeded, "{run:?}");
    let price = run.output("create_price").unwrap().clone();
    assert_eq!(price["unit_amount"], json!(1250));
    assert_eq!(
        price["product"],
        run.output("create_product").unwrap()["id"]
    );
    let StepState::Done { .. } = &run.steps[1].state else {
        panic!()
    };
    let call = StepCall {
        action: "any_endpoint".into(),
        fields: run.steps[1].sent.clone().unwrap(),
        idempotency_key: None,
        metadata: vec![
            (RUN_METADATA_KEY.into(), run.run_id.clone()),
            (STEP_METADATA_KEY.into(), "create_price".into()),
        ],
        since: None,
    };
    let found = executor.find_created(&call).await.unwrap().unwrap();
    assert_eq!(found.output["id"], price["id"]);
}

#[test]
fn the_templates_name_real_actions_and_fields() {
    for w in templates::all() {
        assert_eq!(w.check(&ActionCatalog), vec![], "{}", w.name);
        for step in w.in_reading_order() {
            // Groups and "First of" values carry no action of their own.
            if step.flow.is_some() {
                continue;
            }
            assert!(ActionCatalog.output_shape(&step.action).is_some());
        }
    }
    // A kind that does not fit is refused at its field.
    let mut w = templates::customer_with_subscription();
    w.steps[1].fields["customer"] = json!("{{input.email}}");
    let problems = w.check(&ActionCatalog);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field.as_deref(), Some("customer"));
}

/// A choice filled by a reference is checked when the run has the value:
/// one that is not among the choices stops the step at its field, in plain
/// words, before anything is sent; one that is runs.
#[tokio::test]
async fn a_referenced_choice_is_checked_against_the_choices_at_run_time() {
    let sim = sim().await;
    let c = client(&sim);
    let scratch = Scratch::new();
    let history = &scratch.history;
    let executor = scratch.steps(&c);
    let engine = executor.engine(history, NumberFormat::POINT);
    let mut w = Workflow::new("Subscriptions by status");
    w.add_input("status", "Status", InputKind::Text).unwrap();
    w.add_step("list_subscriptions", "list_subscriptions")
        .unwrap();
    w.steps[0].fields = fields(json!({"status": "{{input.status}}"}));
    assert_eq!(w.check(&ActionCatalog), vec![]);
    // An amount cannot name a status: refused before the run.
    let mut wrong = w.clone();
    wrong
        .add_input(
            "fee",
            "Fee",
            InputKind::AmountIn {
                currency: "usd".into(),
            },
        )
        .unwrap();
    wrong.steps[0].fields = fields(json!({"status": "{{input.fee}}"}));
    let problems = wrong.check(&ActionCatalog);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .reason
            .contains("takes one of its choices (active, trialing"),
        "{problems:?}"
    );

    sim.clear_requests();
    let typed = |s: &str| BTreeMap::from([("status".to_owned(), s.to_owned())]);
    let run = engine
        .start(&w, account(), typed("Sleeping"), &mut |_: &RunRecord| {})
        .await
        .unwrap();
    let StepState::Failed { failure } = &run.steps[0].state else {
        panic!("{:?}", run.steps[0].state)
    };
    assert_eq!(failure.field.as_deref(), Some("status"), "{failure:?}");
    assert!(failure.reason.starts_with("Choose one of: "), "{failure:?}");
    assert!(failure.reason.contains("Past due"), "{failure:?}");
    assert!(sim.requests().is_empty(), "nothing was sent");
    let run = engine
        .start(&w, account(), typed("past_due"), &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(run.outcome, Outcome::Succeeded, "{run:?}");
}

/// One workflow runs once at a time: while a run is inside a step, a second
/// Run and a Resume of that run are refused in plain words and send
/// nothing; once it has ended, the workflow runs again.
#[tokio::test]
async fn a_workflow_that_is_running_cannot_be_run_or_resumed_again() {
    let sim = sim().await;
    let c = client(&sim);
    let (active, _) = prices(&c).await;
    let scratch = Scratch::new();
    let history = &scratch.history;
    let executor = scratch.steps(&c);
    let engine = executor.engine(history, NumberFormat::POINT);
    let w = workflow(&active);
    let inputs = || BTreeMap::from([("email".to_owned(), "jo@example.com".to_owned())]);
    sim.set_latency(Duration::from_millis(600));
    let mut quiet = |_: &RunRecord| {};
    let first = engine.start(&w, account(), inputs(), &mut quiet);
    let meanwhile = async {
        // Wait until the first run is inside its first step.
        let run_id = loop {
            let runs = history.list(&w.id).unwrap();
            if let Some(r) = runs.first() {
                if matches!(r.steps[0].state, StepState::Running) {
                    break r.run_id.clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let sent = sim.requests().len();
        let again = engine
            .start(&w, account(), inputs(), &mut |_: &RunRecord| {})
            .await;
        let resumed = engine
            .resume(&w, &run_id, &account(), None, &mut |_: &RunRecord| {})
            .await;
        assert_eq!(sim.requests().len(), sent, "the refusals sent nothing");
        (again, resumed)
    };
    let (first, (again, resumed)) = tokio::join!(first, meanwhile);
    for refused in [again, resumed] {
        let app = desk_core::AppError::from(refused.unwrap_err());
        assert_eq!(app.code, "workflow_running");
        assert!(
            app.message.starts_with("This workflow is running now."),
            "{}",
            app.message
        );
    }
    let first = first.unwrap();
    assert_eq!(first.outcome, Outcome::Succeeded, "{first:?}");
    assert_eq!(
        history.list(&w.id).unwrap().len(),
        1,
        "no second run was recorded"
    );
    sim.set_latency(Duration::ZERO);
    // Ended: the workflow runs again, and resuming the finished run is fine.
    let second = engine
        .start(&w, account(), inputs(), &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(second.outcome, Outcome::Succeeded);
    engine
        .resume(&w, &first.run_id, &account(), None, &mut |_: &RunRecord| {})
        .await
        .unwrap();
}

/// The app killed inside a step, for real: a process runs "a customer, then
/// a subscription for it" through the real binding and is SIGKILLed after
/// Stripe has stored the customer but before its (delayed) answer arrives;
/// a second process resumes and is killed the same way inside the
/// subscription step; a third resumes to the end. The simulator then holds
/// exactly one customer and one subscription, for that customer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_inside_its_steps_resumes_in_a_new_process_without_duplicates() {
    use desk_core::workflows::WorkflowStore;
    use std::process::{Command, Stdio};
    let sim = sim().await;
    let c = client(&sim);
    let (active, _) = prices(&c).await;
    let dir = std::env::temp_dir().join(desk_core::stripe::random_token("desk-wf-killed"));
    let w = workflow(&active);
    WorkflowStore::new(&dir).save(&w).unwrap();
    let history = RunHistory::new(&dir);
    let (base, data_dir, workflow_id) = (sim.base_url(), dir.clone(), w.id.clone());
    let process = move |resume: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_desk-workflow-run"));
        cmd.args(["--api-base", &base, "--data-dir"])
            .arg(&data_dir)
            .args(["--workflow", &workflow_id, "--account", ACCOUNT])
            .args(["--input", "email=jo@example.com"])
            .env("STRIPE_DESK_RUN_KEY", KEY)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(run) = resume {
            cmd.args(["--resume", run]);
        }
        cmd.spawn().unwrap()
    };
    // Stripe stores the object at once and answers 1.5 s later.
    sim.set_latency(Duration::from_millis(1500));
    let step_running = |index: usize| {
        history
            .list(&w.id)
            .unwrap()
            .first()
            .is_some_and(|r| matches!(r.steps[index].state, StepState::Running))
    };

    let mut child = process(None);
    wait_until("stored the customer", || {
        step_running(0) && sim.count(ACCOUNT, "customers") == 1
    })
    .await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "still waiting for Stripe's answer"
    );
    child.kill().unwrap(); // SIGKILL: no chance to tidy up.
    child.wait().unwrap();
    let run_id = history.list(&w.id).unwrap()[0].run_id.clone();
    assert_eq!(history.list(&w.id).unwrap()[0].outcome, Outcome::Running);

    let mut child = process(Some(&run_id));
    wait_until("stored the subscription", || {
        step_running(1) && sim.count(ACCOUNT, "subscriptions") == 1
    })
    .await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "still waiting for Stripe's answer"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let killed = history.load(&w.id, &run_id).unwrap();
    assert!(
        matches!(killed.steps[0].state, StepState::Done { .. }),
        "{killed:?}"
    );
    assert!(
        matches!(killed.steps[1].state, StepState::Running),
        "{killed:?}"
    );

    let out = process(Some(&run_id)).wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run: RunRecord = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run.run_id, run_id);
    assert_eq!(run.outcome, Outcome::Succeeded, "{run:?}");
    sim.set_latency(Duration::ZERO);
    let customers = all(&c, "/v1/customers").await;
    let subscriptions = all(&c, "/v1/subscriptions").await;
    assert_eq!(customers.len(), 1, "{customers:?}");
    assert_eq!(subscriptions.len(), 1, "{subscriptions:?}");
    assert_eq!(subscriptions[0]["customer"], customers[0]["id"]);
    assert_eq!(
        run.output("create_customer").unwrap()["id"],
        customers[0]["id"]
    );
    assert_eq!(
        run.output("create_subscription").unwrap()["id"],
        subscriptions[0]["id"]
    );
    let _ = std::fs::remove_dir_all(dir);
}

async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "never {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn client_without_retries(sim: &Simulator) -> StripeClient {
    let mut c = ClientConfig::new(sim.base_url(), sim.base_url());
    c.retry.max_retries = 0;
    c.timeout = Duration::from_secs(5);
    StripeClient::new(c).unwrap()
}

/// Issue 15, item 6: on a busy account the object a lost create made is
/// not among the newest few hundred by the time a run is resumed a day
/// later. The look-up starts at the first attempt (less some slack for
/// clocks) and walks every page: with 600 customers created after the
/// unanswered one, it is still found and not created a second time.
#[tokio::test]
async fn a_resume_after_24_hours_finds_its_customer_behind_600_newer_ones() {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;
    let sim = sim().await;
    let c = client_without_retries(&sim);
    let scratch = Scratch::new();
    let executor = scratch.steps(&c);
    // The engine's clock follows the simulator's, which the test moves on.
    let skew = Arc::new(AtomicI64::new(0));
    let clock = {
        let skew = skew.clone();
        move || desk_core::workflows::engine::system_clock() + skew.load(Ordering::SeqCst)
    };
    let engine = desk_core::workflows::Engine {
        catalog: &ActionCatalog,
        executor: &executor,
        history: &scratch.history,
        clock: &clock,
        number_format: NumberFormat::POINT,
        resend_unchecked: false,
    };
    let mut w = Workflow::new("One customer");
    w.add_step("create_customer", "create_customer").unwrap();
    w.steps[0].fields = fields(json!({"name": "Jo Baker"}));
    // Stripe stores the customer; its answer is lost.
    sim.fail_next(1, stripe_sim::Failure::CommitThenDrop);
    let run = engine
        .start(&w, account(), BTreeMap::new(), &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert!(matches!(run.outcome, Outcome::Failed { .. }), "{run:?}");
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    // A busy day: 600 customers made by others after it (straight to the
    // simulator, side by side, as other apps would).
    let http = reqwest::Client::new();
    let others = (0..600).map(|i| {
        http.post(format!("{}/v1/customers", sim.base_url()))
            .bearer_auth(KEY)
            .form(&[("name", format!("Other {i}"))])
            .send()
    });
    for answer in futures_util::future::join_all(others).await {
        assert!(answer.unwrap().status().is_success());
    }
    skew.fetch_add(25 * 3600, Ordering::SeqCst);
    sim.advance_clock(Duration::from_secs(25 * 3600));
    let resumed = engine
        .resume(&w, &run.run_id, &account(), None, &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(resumed.outcome, Outcome::Succeeded, "{resumed:?}");
    assert!(
        matches!(
            resumed.steps[0].state,
            StepState::Done {
                found_existing: true,
                ..
            }
        ),
        "{:?}",
        resumed.steps[0].state
    );
    assert_eq!(sim.count(ACCOUNT, "customers"), 601, "no second Jo Baker");
    // It looked from the first attempt on, not through every customer ever.
    let looked: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path == "/v1/customers")
        .collect();
    assert!(!looked.is_empty());
    assert!(
        looked
            .iter()
            .all(|r| r.query.contains("created%5Bgte%5D=") || r.query.contains("created[gte]=")),
        "{:?}",
        looked.iter().map(|r| &r.query).collect::<Vec<_>>()
    );
}

/// The bodies of the POSTs the simulator received on `path`.
fn posted(sim: &Simulator, path: &str) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .map(|r| r.body)
        .collect()
}

/// Issue 15, item 7: a run's tags go only on what it creates, where
/// Stripe takes metadata. An update leaves an existing customer's tags
/// alone; a request to an endpoint that takes no metadata (finalizing an
/// invoice) is sent without it; a raw body carries the tags.
#[tokio::test]
async fn tags_go_only_on_creates_whose_endpoint_takes_metadata() {
    let sim = sim().await;
    let c = client(&sim);
    let scratch = Scratch::new();
    let executor = scratch.steps(&c);
    let engine = executor.engine(&scratch.history, NumberFormat::POINT);
    let earlier = c
        .send(
            &auth(),
            &Request::post("/v1/customers").params(
                Params::new()
                    .text("name", "Jo Baker")
                    .text("metadata[stripe_desk_run]", "run_earlier")
                    .text("metadata[stripe_desk_step]", "create_customer"),
            ),
        )
        .await
        .unwrap();
    let customer = earlier["id"].as_str().unwrap().to_owned();
    assert_eq!(earlier["metadata"]["stripe_desk_run"], "run_earlier");
    sim.clear_requests();

    let mut w = Workflow::new("Tags");
    w.add_step("rename", "update_customer").unwrap();
    w.steps[0].fields = fields(json!({"customer": customer, "name": "Jo B. Baker"}));
    w.add_step("raw", "any_endpoint").unwrap();
    w.steps[1].fields = fields(json!({
        "method": "POST", "path": "/v1/customers", "body": "name=Raw+body+customer",
    }));
    w.add_step("finalize", "any_endpoint").unwrap();
    w.steps[2].fields = fields(json!({
        "method": "POST", "path": "/v1/invoices/in_1Missing/finalize",
    }));
    let run = engine
        .start(&w, account(), BTreeMap::new(), &mut |_: &RunRecord| {})
        .await
        .unwrap();

    // The update: sent without tags, the earlier run's tags kept.
    let updates = posted(&sim, &format!("/v1/customers/{customer}"));
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert!(!updates[0].contains("stripe_desk"), "{}", updates[0]);
    let now = c
        .send(&auth(), &Request::get(format!("/v1/customers/{customer}")))
        .await
        .unwrap();
    assert_eq!(now["name"], "Jo B. Baker");
    assert_eq!(now["metadata"]["stripe_desk_run"], "run_earlier");

    // The raw body: sent as typed, with the run's tags added to it.
    let raw = run.output("raw").unwrap_or_else(|| panic!("{run:?}"));
    assert_eq!(raw["name"], "Raw body customer");
    assert_eq!(raw["metadata"][RUN_METADATA_KEY], json!(run.run_id));
    assert_eq!(raw["metadata"][STEP_METADATA_KEY], "raw");

    // Finalizing takes no metadata: none was sent.
    let finalize = posted(&sim, "/v1/invoices/in_1Missing/finalize");
    assert_eq!(finalize.len(), 1, "{run:?}");
    assert!(!finalize[0].contains("metadata"), "{}", finalize[0]);
}

/// The creates a run tags are the description's: POSTs whose body takes
/// `metadata`, to a path Stripe also lists. `UPDATE_TAGGED_CREATES=1`
/// rewrites `src/workflows/tagged_creates.txt`.
#[test]
fn the_list_of_creates_that_take_tags_matches_the_description() {
    use stripe_sim::{Spec, SpecSource};
    let spec = Spec::load(&SpecSource::Bundled).unwrap();
    let (mut posts, mut untaggable) = (0, 0);
    let mut lines = Vec::new();
    for op in spec.operations() {
        let Some(path) = op.strip_prefix("POST ") else {
            continue;
        };
        posts += 1;
        if !spec.find("POST", path).unwrap().body_takes("metadata") {
            untaggable += 1;
            continue;
        }
        let Some(list) = spec.find("GET", path) else {
            continue;
        };
        if !(spec.response_has(list, "data") && spec.response_has(list, "has_more")) {
            continue;
        }
        let mut line = path.to_owned();
        if list.query_takes("created") {
            line.push_str(" created");
        }
        for needed in list.required_query() {
            line.push_str(&format!(" needs={needed}"));
        }
        lines.push(line);
    }
    println!(
        "{posts} POST operations, {untaggable} take no metadata, {} creates take tags",
        lines.len()
    );
    let mut want = lines.join("\n");
    want.push('\n');
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/workflows/tagged_creates.txt");
    if std::env::var("UPDATE_TAGGED_CREATES").as_deref() == Ok("1") {
        std::fs::write(&file, &want).unwrap();
    }
    assert!(
        desk_core::workflows::tags::LIST == want,
        "src/workflows/tagged_creates.txt drifted from the OpenAPI description: run with UPDATE_TAGGED_CREATES=1"
    );
}

/// Issue 15, item 7: a step that carries no tags (an update) cannot be
/// looked up once Stripe has forgotten its key. A Resume more than a day
/// after it went unanswered is refused, in words naming the step, until
/// the person confirms sending it again; then it is sent once, under a new key.
#[tokio::test]
async fn an_untagged_step_is_not_sent_again_after_24_hours_unless_confirmed() {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;
    let sim = sim().await;
    let c = client_without_retries(&sim);
    let scratch = Scratch::new();
    let executor = scratch.steps(&c);
    let skew = Arc::new(AtomicI64::new(0));
    let clock = {
        let skew = skew.clone();
        move || desk_core::workflows::engine::system_clock() + skew.load(Ordering::SeqCst)
    };
    let mut engine = desk_core::workflows::Engine {
        catalog: &ActionCatalog,
        executor: &executor,
        history: &scratch.history,
        clock: &clock,
        number_format: NumberFormat::POINT,
        resend_unchecked: false,
    };
    let customer = c
        .send(
            &auth(),
            &Request::post("/v1/customers").params(Params::new().text("name", "Jo Baker")),
        )
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut w = Workflow::new("Rename");
    w.add_step("rename", "update_customer").unwrap();
    w.steps[0].fields = fields(json!({"customer": customer, "name": "Jo Again"}));
    sim.fail_next(1, stripe_sim::Failure::DropConnection);
    let run = engine
        .start(&w, account(), BTreeMap::new(), &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert!(matches!(run.outcome, Outcome::Failed { .. }), "{run:?}");
    skew.fetch_add(25 * 3600, Ordering::SeqCst);
    sim.advance_clock(Duration::from_secs(25 * 3600));
    sim.clear_requests();
    let refused = engine
        .resume(&w, &run.run_id, &account(), None, &mut |_: &RunRecord| {})
        .await
        .expect_err("sent again without asking");
    let refused = desk_core::AppError::from(refused);
    assert_eq!(refused.code, "unchecked_step");
    assert!(
        refused
            .message
            .starts_with("Step 1 (Update Customer) may already have been done"),
        "{}",
        refused.message
    );
    assert!(sim.requests().is_empty(), "nothing was sent");
    // Confirmed: sent again once, under the next generation's key.
    engine.resend_unchecked = true;
    let resumed = engine
        .resume(&w, &run.run_id, &account(), None, &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(resumed.outcome, Outcome::Succeeded, "{resumed:?}");
    let sent: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.header("idempotency-key").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(sent, [format!("stripe-desk-{}-rename-1", run.run_id)]);
}
