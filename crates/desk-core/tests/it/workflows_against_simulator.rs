//! Workflow runs against the local Stripe simulator over real HTTP: a failed
//! step, its fix and Resume; the app killed between steps and after a
//! request Stripe committed but never answered; the look-up after 24 hours.
//! Every case ends with the simulator holding no duplicate.
//!
//! The step executor here sends the requests directly with the real
//! `StripeClient`; in the app it is bound to the actions' descriptions.

use desk_core::money::NumberFormat;
use desk_core::secret::Secret;
use desk_core::stripe::{Auth, ClientConfig, IdempotencyKey, Request, StripeClient};
use desk_core::stripe::{Param, Params};
use desk_core::views::Mode;
use desk_core::workflows::catalog::{Kind, Shape, StepCatalog};
use desk_core::workflows::engine::{
    Engine, FailureKind, Outcome, RunAccount, RunError, RunHistory, RunRecord, StepCall,
    StepExecutor, StepFailure, StepResult, StepState, RUN_METADATA_KEY, STEP_METADATA_KEY,
};
use desk_core::workflows::model::{InputKind, Workflow};
use desk_testkit::prices::active_and_archived_prices;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use stripe_sim::{Failure, KeyAccess, SimConfig, Simulator};
use tokio::sync::Notify;

const KEY: &str = "sk_test_51WorkflowTestKey000000000001234";
const ACCOUNT: &str = "acct_1WorkflowShop";

async fn sim() -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(ACCOUNT, "Workflow Test Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim
}

fn client(sim: &Simulator, max_retries: u32) -> StripeClient {
    let mut c = ClientConfig::new(sim.base_url(), sim.base_url());
    c.retry.max_retries = max_retries;
    c.retry.initial_delay = Duration::from_millis(5);
    c.retry.max_delay = Duration::from_millis(20);
    c.timeout = Duration::from_secs(5);
    StripeClient::new(c).unwrap()
}

fn auth() -> Auth {
    Auth {
        secret: Secret::new(KEY),
        mode: Mode::Test,
        stripe_account: None,
    }
}

fn account() -> RunAccount {
    RunAccount {
        id: ACCOUNT.into(),
        name: "Workflow Test Shop".into(),
        livemode: false,
        through: None,
    }
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(desk_core::stripe::random_token("desk-wf-run"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The three actions these tests use, described just enough for the checks.
struct Catalog;

impl StepCatalog for Catalog {
    fn output_shape(&self, action_id: &str) -> Option<Shape> {
        let subscription = || {
            Shape::object(vec![
                ("id", Shape::value(Kind::id("sub_"))),
                ("customer", Shape::value(Kind::id("cus_"))),
            ])
        };
        Some(match action_id {
            "create_customer" => Shape::object(vec![
                ("id", Shape::value(Kind::id("cus_"))),
                ("email", Shape::value(Kind::Email)),
            ]),
            "create_subscription" => subscription(),
            "list_subscriptions" => Shape::object(vec![("data", Shape::list(subscription()))]),
            _ => return None,
        })
    }

    fn field_kind(&self, action_id: &str, field: &str) -> Option<Kind> {
        Some(match (action_id, field) {
            ("create_customer", "email") => Kind::Email,
            ("create_customer", "name") => Kind::Text,
            ("create_subscription" | "list_subscriptions", "customer") => Kind::id("cus_"),
            ("create_subscription", "items") => Kind::Group,
            ("create_subscription", "items.price") => Kind::id("price_"),
            ("create_subscription", "items.quantity") => Kind::Integer,
            ("list_subscriptions", "status") => Kind::Text,
            _ => return None,
        })
    }

    fn writes(&self, action_id: &str) -> bool {
        action_id.starts_with("create_")
    }
}

/// Where a test stops the "app": the future then never finishes and is dropped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KillAt {
    Nowhere,
    /// Before sending the n-th request (1-based).
    BeforeCall(usize),
    /// After the n-th request ended, before the engine hears of it.
    AfterCall(usize),
}

struct SimExecutor {
    client: StripeClient,
    auth: Auth,
    kill_at: KillAt,
    killed: Arc<Notify>,
    calls: AtomicUsize,
    lookups: AtomicUsize,
}

impl SimExecutor {
    fn new(sim: &Simulator, max_retries: u32, kill_at: KillAt) -> SimExecutor {
        SimExecutor {
            client: client(sim, max_retries),
            auth: auth(),
            kill_at,
            killed: Arc::new(Notify::new()),
            calls: AtomicUsize::new(0),
            lookups: AtomicUsize::new(0),
        }
    }

    async fn die(&self) -> ! {
        self.killed.notify_one();
        std::future::pending::<()>().await;
        unreachable!()
    }
}

fn param(value: &Value) -> Param {
    match value {
        Value::String(s) => Param::Text(s.clone()),
        Value::Array(items) => Param::List(items.iter().map(param).collect()),
        Value::Object(map) => Param::Map(map.iter().map(|(k, v)| (k.clone(), param(v))).collect()),
        other => Param::Text(other.to_string()),
    }
}

fn params(call: &StepCall) -> Params {
    let mut p = Params::new();
    for (k, v) in &call.fields {
        p = p.param(k, param(v));
    }
    if !call.metadata.is_empty() {
        let rows = call
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), Param::Text(v.clone())))
            .collect();
        p = p.param("metadata", Param::Map(rows));
    }
    p
}

fn summary(output: Value) -> StepResult {
    let summary = format!(
        "{} {}",
        output["object"].as_str().unwrap_or("result"),
        output["id"].as_str().unwrap_or("")
    );
    StepResult {
        output,
        summary,
        shown: None,
    }
}

fn metadata_of(call: &StepCall, key: &str) -> String {
    call.metadata
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

impl StepExecutor for SimExecutor {
    async fn execute(&self, call: &StepCall) -> Result<StepResult, StepFailure> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if self.kill_at == KillAt::BeforeCall(n) {
            self.die().await;
        }
        let mut params = params(call);
        if call.action == "create_subscription" {
            // A new customer has no saved card, and real Stripe (so the
            // simulator) will not charge one now: Stripe emails an invoice.
            params = params
                .text("collection_method", "send_invoice")
                .text("days_until_due", "30");
        }
        let mut request = match call.action.as_str() {
            "create_customer" => Request::post("/v1/customers"),
            "create_subscription" => Request::post("/v1/subscriptions"),
            "list_subscriptions" => Request::get("/v1/subscriptions"),
            other => panic!("no action {other}"),
        }
        .params(params);
        if let Some(key) = &call.idempotency_key {
            request = request.idempotency_key(IdempotencyKey::new(key.as_str()).unwrap());
        }
        let answer = self.client.send(&self.auth, &request).await;
        if self.kill_at == KillAt::AfterCall(n) {
            self.die().await;
        }
        answer.map(summary).map_err(|e| StepFailure::from_error(&e))
    }

    async fn find_created(&self, call: &StepCall) -> Result<Option<StepResult>, StepFailure> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        let run = metadata_of(call, RUN_METADATA_KEY);
        let step = metadata_of(call, STEP_METADATA_KEY);
        let found = match call.action.as_str() {
            "create_customer" => {
                let query = format!(
                    "metadata['{RUN_METADATA_KEY}']:'{run}' AND metadata['{STEP_METADATA_KEY}']:'{step}'"
                );
                let page = self
                    .client
                    .send(
                        &self.auth,
                        &Request::get("/v1/customers/search")
                            .params(Params::new().text("query", query)),
                    )
                    .await
                    .map_err(|e| StepFailure::from_error(&e))?;
                page["data"].get(0).cloned()
            }
            "create_subscription" => {
                let customer = call.fields["customer"].as_str().unwrap_or_default();
                let page = self
                    .client
                    .send(
                        &self.auth,
                        &Request::get("/v1/subscriptions").params(
                            Params::new()
                                .text("customer", customer)
                                .text("status", "all")
                                .text("limit", "100"),
                        ),
                    )
                    .await
                    .map_err(|e| StepFailure::from_error(&e))?;
                page["data"].as_array().and_then(|subs| {
                    subs.iter()
                        .find(|s| {
                            s["metadata"][RUN_METADATA_KEY] == json!(run)
                                && s["metadata"][STEP_METADATA_KEY] == json!(step)
                        })
                        .cloned()
                })
            }
            other => panic!("no lookup for {other}"),
        };
        Ok(found.map(summary))
    }
}

/// A product with an active and an archived monthly price.
async fn prices(sim: &Simulator) -> (String, String) {
    active_and_archived_prices(&client(sim, 2), &auth()).await
}

/// "Create a customer, then a subscription for {{create_customer.id}}",
/// then list that customer's subscriptions.
fn workflow() -> Workflow {
    let mut w = Workflow::new("New customer with a subscription");
    w.add_input("email", "Email", InputKind::Email).unwrap();
    w.add_input(
        "price",
        "Price",
        InputKind::IdWithPrefix {
            prefix: "price_".into(),
        },
    )
    .unwrap();
    w.add_step("create_customer", "create_customer").unwrap();
    w.steps[0].fields = fields(json!({"name": "Jo Baker", "email": "{{input.email}}"}));
    w.add_step("create_subscription", "create_subscription")
        .unwrap();
    w.steps[1].fields = fields(json!({
        "customer": "{{create_customer.id}}",
        "items": [{"price": "{{input.price}}", "quantity": 1}],
    }));
    w.add_step("their_subscriptions", "list_subscriptions")
        .unwrap();
    w.steps[2].fields =
        fields(json!({"customer": "{{create_subscription.customer}}", "status": "all"}));
    w
}

fn fields(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn inputs(price: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("email".to_string(), "jo@example.com".to_string()),
        ("price".to_string(), price.to_string()),
    ])
}

fn state_name(s: &StepState) -> &'static str {
    match s {
        StepState::Waiting => "waiting",
        StepState::Running => "running",
        StepState::Done { .. } => "done",
        StepState::Failed { .. } => "failed",
    }
}

fn states(run: &RunRecord) -> Vec<&'static str> {
    run.steps.iter().map(|s| state_name(&s.state)).collect()
}

fn posts(sim: &Simulator, path: &str) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .map(|r| r.header("idempotency-key").unwrap_or_default().to_owned())
        .collect()
}

fn output(run: &RunRecord, step: &str) -> Value {
    match &run.step(step).unwrap().state {
        StepState::Done { result, .. } => result.output.clone(),
        other => panic!("{step} is not done: {other:?}"),
    }
}

fn clock_at(now: &Arc<AtomicI64>) -> impl Fn() -> i64 + Send + Sync {
    let now = now.clone();
    move || now.load(Ordering::SeqCst)
}

#[tokio::test]
async fn a_failed_step_stops_the_run_and_resume_with_the_fix_creates_each_object_once() {
    let sim = sim().await;
    let (active, archived) = prices(&sim).await;
    let data = temp_dir();
    let history = RunHistory::new(&data);
    let executor = SimExecutor::new(&sim, 2, KillAt::Nowhere);
    let now = Arc::new(AtomicI64::new(1_800_000_000));
    let clock = clock_at(&now);
    let engine = Engine {
        catalog: &Catalog,
        executor: &executor,
        history: &history,
        clock: &clock,
        number_format: NumberFormat::POINT,
        resend_unchecked: false,
    };
    let w = workflow();

    let mut seen: Vec<Vec<&'static str>> = Vec::new();
    let run = engine
        .start(&w, account(), inputs(&archived), &mut |r: &RunRecord| {
            seen.push(states(r))
        })
        .await
        .unwrap();
    assert_eq!(
        seen,
        vec![
            vec!["waiting", "waiting", "waiting"],
            vec!["running", "waiting", "waiting"],
            vec!["done", "waiting", "waiting"],
            vec!["done", "running", "waiting"],
            vec!["done", "failed", "waiting"],
        ]
    );
    assert_eq!(
        run.outcome,
        Outcome::Failed {
            step: "create_subscription".into()
        }
    );
    let StepState::Failed { failure } = &run.step("create_subscription").unwrap().state else {
        unreachable!()
    };
    assert_eq!(failure.kind, FailureKind::Refused);
    assert_eq!(failure.param.as_deref(), Some("items[0][price]"));
    assert_eq!(
        failure.reason,
        "The price specified is inactive. This field only accepts active prices."
    );
    let customer = output(&run, "create_customer");
    assert_eq!(customer["email"], "jo@example.com");
    assert_eq!(customer["metadata"][RUN_METADATA_KEY], json!(run.run_id));
    assert_eq!(customer["metadata"][STEP_METADATA_KEY], "create_customer");
    assert_eq!(
        (
            sim.count(ACCOUNT, "customers"),
            sim.count(ACCOUNT, "subscriptions")
        ),
        (1, 0)
    );
    // The record on disk is the one returned: the app can show it after a restart.
    assert_eq!(history.load(&w.id, &run.run_id).unwrap(), run);

    // The user fixes the price and resumes: the customer is not created again.
    now.fetch_add(600, Ordering::SeqCst);
    let mut seen = Vec::new();
    let resumed = engine
        .resume(
            &w,
            &run.run_id,
            &account(),
            Some(inputs(&active)),
            &mut |r: &RunRecord| seen.push(states(r)),
        )
        .await
        .unwrap();
    assert_eq!(resumed.outcome, Outcome::Succeeded);
    assert_eq!(seen.first().unwrap(), &vec!["done", "failed", "waiting"]);
    assert_eq!(seen.last().unwrap(), &vec!["done", "done", "done"]);
    assert_eq!(
        (
            sim.count(ACCOUNT, "customers"),
            sim.count(ACCOUNT, "subscriptions")
        ),
        (1, 1)
    );
    let subscription = output(&resumed, "create_subscription");
    assert_eq!(subscription["customer"], customer["id"]);
    assert_eq!(
        subscription["metadata"][STEP_METADATA_KEY],
        "create_subscription"
    );
    assert_eq!(
        output(&resumed, "their_subscriptions")["data"][0]["id"],
        subscription["id"]
    );
    assert_eq!(output(&resumed, "create_customer"), customer);

    // One customer request ever; the subscription's second try has a new
    // key, since Stripe keeps the refusal under the first.
    let run_id = &run.run_id;
    assert_eq!(
        posts(&sim, "/v1/customers"),
        [format!("stripe-desk-{run_id}-create_customer-0")]
    );
    assert_eq!(
        posts(&sim, "/v1/subscriptions"),
        [
            format!("stripe-desk-{run_id}-create_subscription-0"),
            format!("stripe-desk-{run_id}-create_subscription-1"),
        ]
    );

    // Resuming a finished run does nothing.
    let again = engine
        .resume(&w, &run.run_id, &account(), None, &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(again.outcome, Outcome::Succeeded);
    assert_eq!(
        (
            sim.count(ACCOUNT, "customers"),
            sim.count(ACCOUNT, "subscriptions")
        ),
        (1, 1)
    );

    // History: when, which account, the inputs, each result, how it ended.
    let runs = history.list(&w.id).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].account, account());
    assert_eq!(runs[0].inputs, inputs(&active));
    assert_eq!(runs[0].started_at, 1_800_000_000);
    assert_eq!(runs[0].outcome, Outcome::Succeeded);

    // "Run again with these inputs" is a new run: new keys, new objects.
    let second = engine
        .start(
            &w,
            account(),
            runs[0].inputs.clone(),
            &mut |_: &RunRecord| {},
        )
        .await
        .unwrap();
    assert_eq!(second.outcome, Outcome::Succeeded);
    assert_ne!(second.run_id, run.run_id);
    assert_eq!(
        (
            sim.count(ACCOUNT, "customers"),
            sim.count(ACCOUNT, "subscriptions")
        ),
        (2, 2)
    );
    assert_eq!(history.list(&w.id).unwrap()[0].run_id, second.run_id);
    std::fs::remove_dir_all(data).unwrap();
}

#[tokio::test]
async fn nothing_runs_when_a_reference_or_an_input_is_wrong() {
    let sim = sim().await;
    let data = temp_dir();
    let history = RunHistory::new(&data);
    let executor = SimExecutor::new(&sim, 2, KillAt::Nowhere);
    let clock = || 1_800_000_000;
    let engine = Engine {
        catalog: &Catalog,
        executor: &executor,
        history: &history,
        clock: &clock,
        number_format: NumberFormat::POINT,
        resend_unchecked: false,
    };
    let mut w = workflow();
    w.steps[1]
        .fields
        .insert("customer".into(), json!("{{create_customer.email}}"));
    let Err(RunError::Problems(problems)) = engine
        .start(&w, account(), inputs("cus_wrong"), &mut |_: &RunRecord| {})
        .await
    else {
        panic!("the run should not start")
    };
    let places: Vec<(Option<&str>, Option<&str>)> = problems
        .iter()
        .map(|p| (p.step.as_deref(), p.field.as_deref()))
        .collect();
    assert_eq!(
        places,
        [
            (Some("create_subscription"), Some("customer")),
            (None, Some("price"))
        ]
    );
    assert!(problems[0]
        .reason
        .contains("is an email address, but this field takes a customer ID"));
    assert!(sim.requests().is_empty());
    assert!(history.list(&w.id).unwrap().is_empty());
    std::fs::remove_dir_all(data).unwrap();
}

/// Starts a run whose executor "dies" at `kill_at`, drops the run there as
/// a killed app would, and returns the run as its record on disk says.
async fn killed_run(
    sim: &Simulator,
    history: &RunHistory,
    w: &Workflow,
    typed: BTreeMap<String, String>,
    kill_at: KillAt,
    max_retries: u32,
    clock: &(dyn Fn() -> i64 + Send + Sync),
) -> RunRecord {
    let executor = SimExecutor::new(sim, max_retries, kill_at);
    let engine = Engine {
        catalog: &Catalog,
        executor: &executor,
        history,
        clock,
        number_format: NumberFormat::POINT,
        resend_unchecked: false,
    };
    let killed = executor.killed.clone();
    let mut progress = |_: &RunRecord| {};
    tokio::select! {
        r = engine.start(w, account(), typed, &mut progress) => panic!("the run should have been killed: {r:?}"),
        () = killed.notified() => {}
    }
    let mut runs = history.list(&w.id).unwrap();
    assert_eq!(runs.len(), 1);
    runs.remove(0)
}

#[tokio::test]
async fn a_run_killed_between_steps_resumes_without_duplicates() {
    let sim = sim().await;
    let (active, _) = prices(&sim).await;
    let data = temp_dir();
    let history = RunHistory::new(&data);
    let w = workflow();
    let clock = || 1_800_000_000;
    // Killed as the second request (the subscription) was about to go.
    let run = killed_run(
        &sim,
        &history,
        &w,
        inputs(&active),
        KillAt::BeforeCall(2),
        2,
        &clock,
    )
    .await;
    assert_eq!(run.outcome, Outcome::Running);
    assert_eq!(states(&run), ["done", "running", "waiting"]);
    assert_eq!(
        (
            sim.count(ACCOUNT, "customers"),
            sim.count(ACCOUNT, "subscriptions")
        ),
        (1, 0)
    );

    let executor = SimExecutor::new(&sim, 2, KillAt::Nowhere);
    let engine = Engine {
        catalog: &Catalog,
        executor: &executor,
        history: &history,
        clock: &clock,
        number_format: NumberFormat::POINT,
        resend_unchecked: false,
    };
    let resumed = engine
        .resume(&w, &run.run_id, &account(), None, &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(resumed.outcome, Outcome::Succeeded);
    assert_eq!(
        (
            sim.count(ACCOUNT, "customers"),
            sim.count(ACCOUNT, "subscriptions")
        ),
        (1, 1)
    );
    assert_eq!(posts(&sim, "/v1/customers").len(), 1);
    assert_eq!(executor.lookups.load(Ordering::SeqCst), 0);

    // Resume refuses another account.
    let other = RunAccount {
        id: "acct_other".into(),
        ..account()
    };
    let Err(RunError::Other(e)) = engine
        .resume(&w, &run.run_id, &other, None, &mut |_: &RunRecord| {})
        .await
    else {
        panic!("resume in another account must be refused")
    };
    assert!(e.plain_message().contains("Workflow Test Shop"), "{e}");
    std::fs::remove_dir_all(data).unwrap();
}

#[tokio::test]
async fn a_create_committed_but_unanswered_when_the_app_died_is_replayed_not_repeated() {
    let sim = sim().await;
    let (active, _) = prices(&sim).await;
    let data = temp_dir();
    let history = RunHistory::new(&data);
    let w = workflow();
    let clock = || 1_800_000_000;
    // Stripe stores the customer, the answer is lost, and the app dies.
    sim.fail_next(1, Failure::CommitThenDrop);
    let run = killed_run(
        &sim,
        &history,
        &w,
        inputs(&active),
        KillAt::AfterCall(1),
        0,
        &clock,
    )
    .await;
    assert_eq!(states(&run), ["running", "waiting", "waiting"]);
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);

    let executor = SimExecutor::new(&sim, 2, KillAt::Nowhere);
    let engine = Engine {
        catalog: &Catalog,
        executor: &executor,
        history: &history,
        clock: &clock,
        number_format: NumberFormat::POINT,
        resend_unchecked: false,
    };
    let resumed = engine
        .resume(&w, &run.run_id, &account(), None, &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(resumed.outcome, Outcome::Succeeded);
    assert_eq!(
        (
            sim.count(ACCOUNT, "customers"),
            sim.count(ACCOUNT, "subscriptions")
        ),
        (1, 1)
    );
    // The same key twice: Stripe replayed the customer it had made.
    let keys = posts(&sim, "/v1/customers");
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);
    let customer = output(&resumed, "create_customer");
    assert_eq!(
        output(&resumed, "create_subscription")["customer"],
        customer["id"]
    );
    std::fs::remove_dir_all(data).unwrap();
}

#[tokio::test]
async fn a_resume_after_24_hours_looks_the_object_up_before_creating_it() {
    let sim = sim().await;
    let (active, _) = prices(&sim).await;
    let data = temp_dir();
    let history = RunHistory::new(&data);
    let w = workflow();
    let now = Arc::new(AtomicI64::new(1_800_000_000));
    let clock = clock_at(&now);

    // Committed, unanswered, app killed; resumed 25 hours later, when
    // Stripe no longer knows the key.
    sim.fail_next(1, Failure::CommitThenDrop);
    let run = killed_run(
        &sim,
        &history,
        &w,
        inputs(&active),
        KillAt::AfterCall(1),
        0,
        &clock,
    )
    .await;
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    now.fetch_add(25 * 3600, Ordering::SeqCst);
    sim.advance_clock(Duration::from_secs(25 * 3600));
    let executor = SimExecutor::new(&sim, 2, KillAt::Nowhere);
    let engine = Engine {
        catalog: &Catalog,
        executor: &executor,
        history: &history,
        clock: &clock,
        number_format: NumberFormat::POINT,
        resend_unchecked: false,
    };
    let resumed = engine
        .resume(&w, &run.run_id, &account(), None, &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(resumed.outcome, Outcome::Succeeded);
    // Stripe has forgotten the key by now: only the look-up prevents a second customer.
    assert_eq!(
        (
            sim.count(ACCOUNT, "customers"),
            sim.count(ACCOUNT, "subscriptions")
        ),
        (1, 1)
    );
    assert_eq!(executor.lookups.load(Ordering::SeqCst), 1);
    assert!(matches!(
        resumed.step("create_customer").unwrap().state,
        StepState::Done {
            found_existing: true,
            ..
        }
    ));
    assert_eq!(
        posts(&sim, "/v1/customers").len(),
        1,
        "found, not created again"
    );
    assert_eq!(
        (
            sim.count(ACCOUNT, "customers"),
            sim.count(ACCOUNT, "subscriptions")
        ),
        (1, 1)
    );
    std::fs::remove_dir_all(data).unwrap();
}

#[tokio::test]
async fn a_resume_after_24_hours_creates_what_never_reached_stripe_once() {
    let sim = sim().await;
    let (active, _) = prices(&sim).await;
    let data = temp_dir();
    let history = RunHistory::new(&data);
    let w = workflow();
    let now = Arc::new(AtomicI64::new(1_800_000_000));
    let clock = clock_at(&now);

    // The connection drops before Stripe does anything; the app dies.
    sim.fail_next(1, Failure::DropConnection);
    let run = killed_run(
        &sim,
        &history,
        &w,
        inputs(&active),
        KillAt::AfterCall(1),
        0,
        &clock,
    )
    .await;
    assert_eq!(sim.count(ACCOUNT, "customers"), 0);
    now.fetch_add(25 * 3600, Ordering::SeqCst);
    let executor = SimExecutor::new(&sim, 2, KillAt::Nowhere);
    let engine = Engine {
        catalog: &Catalog,
        executor: &executor,
        history: &history,
        clock: &clock,
        number_format: NumberFormat::POINT,
        resend_unchecked: false,
    };
    let resumed = engine
        .resume(&w, &run.run_id, &account(), None, &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(resumed.outcome, Outcome::Succeeded);
    assert_eq!(executor.lookups.load(Ordering::SeqCst), 1);
    let run_id = &run.run_id;
    assert_eq!(
        posts(&sim, "/v1/customers"),
        [
            format!("stripe-desk-{run_id}-create_customer-0"),
            format!("stripe-desk-{run_id}-create_customer-1"),
        ]
    );
    assert_eq!(
        (
            sim.count(ACCOUNT, "customers"),
            sim.count(ACCOUNT, "subscriptions")
        ),
        (1, 1)
    );
    std::fs::remove_dir_all(data).unwrap();
}

#[tokio::test]
async fn a_reference_to_a_result_that_is_not_there_fails_at_its_field_before_sending() {
    let sim = sim().await;
    let (active, _) = prices(&sim).await;
    let data = temp_dir();
    let history = RunHistory::new(&data);
    let executor = SimExecutor::new(&sim, 2, KillAt::Nowhere);
    let clock = || 1_800_000_000;
    let engine = Engine {
        catalog: &Catalog,
        executor: &executor,
        history: &history,
        clock: &clock,
        number_format: NumberFormat::POINT,
        resend_unchecked: false,
    };
    let mut w = Workflow::new("Subscribe again");
    w.add_input(
        "price",
        "Price",
        InputKind::IdWithPrefix {
            prefix: "price_".into(),
        },
    )
    .unwrap();
    w.add_step("find", "list_subscriptions").unwrap();
    w.steps[0].fields = fields(json!({"customer": "cus_nobody", "status": "all"}));
    w.add_step("subscribe", "create_subscription").unwrap();
    w.steps[1].fields = fields(json!({
        "customer": "{{find.data.0.customer}}",
        "items": [{"price": "{{input.price}}"}],
    }));
    let typed = BTreeMap::from([("price".to_string(), active)]);
    // The engine's future can be handed to an async runtime's other threads.
    fn assert_send<T: Send>(t: T) -> T {
        t
    }
    let run = assert_send(engine.start(&w, account(), typed, &mut |_: &RunRecord| {}))
        .await
        .unwrap();
    assert_eq!(
        run.outcome,
        Outcome::Failed {
            step: "subscribe".into()
        }
    );
    let StepState::Failed { failure } = &run.step("subscribe").unwrap().state else {
        unreachable!()
    };
    assert_eq!(failure.field.as_deref(), Some("customer"));
    assert_eq!(failure.kind, FailureKind::Refused);
    assert_eq!(
        failure.reason,
        "Step 1, List subscriptions → First found → Customer is not there in this run (the earlier result has nothing there), so this step was not sent."
    );
    assert!(posts(&sim, "/v1/subscriptions").is_empty());
    std::fs::remove_dir_all(data).unwrap();
}
