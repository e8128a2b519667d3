//! Workflows started by events, against the simulator over real HTTP:
//! a trigger on "a customer is added" with a condition runs once per
//! matching event (and an amount condition in the person's convention on
//! payments); events that came while the app was closed run at the next
//! start; a paused trigger and events from before it was switched on run
//! nothing; a backlog of more than 20 waits for the person; a workflow
//! never starts on its own writes, also through another workflow;
//! `{{event.…}}` is checked and offered; live mode asks once.

use crate::support::connect;
use desk_core::bulk::{TriggerComparison, TriggerCondition, TriggerSpec};
use desk_core::connections::secret_store::MemoryStore;
use desk_core::desk::{Desk, DeskConfig};
use desk_core::money::NumberFormat;
use desk_core::stripe::{Auth, ClientConfig, Params, Request, StripeClient};
use desk_core::views::Mode;
use desk_core::workflows::engine::{Outcome, RunRecord};
use desk_core::workflows::Workflow;
use desk_core::{Bases, Secret};
use serde_json::{json, Map, Value};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use stripe_sim::{KeyAccess, Payment, SimConfig, Simulator, Trigger};

const KEY: &str = "sk_test_51TriggerShop00000000000000000001";
const LIVE_KEY: &str = "sk_live_FAKE_trigger_shop_key_0009";
const ACCOUNT: &str = "acct_1TriggerShop";

async fn sim() -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(ACCOUNT, "Trigger Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim.add_key(LIVE_KEY, ACCOUNT, KeyAccess::Full);
    sim
}

/// A Desk whose clock is the simulator's: moving it on is time passing
/// (or the app being closed that long).
/// The keyring, kept across the app's restarts.
fn keyring() -> Arc<MemoryStore> {
    static KEYRING: std::sync::OnceLock<Arc<MemoryStore>> = std::sync::OnceLock::new();
    KEYRING
        .get_or_init(|| Arc::new(MemoryStore::default()))
        .clone()
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
    client.retry.max_delay = Duration::from_millis(20);
    client.test_mode_rate = 1000;
    client.live_mode_rate = 1000;
    cfg.client = client;
    let clock = sim.clone();
    cfg.activity.clock = Arc::new(move || clock.now());
    Desk::new(cfg, keyring()).unwrap()
}

fn client(sim: &Simulator) -> StripeClient {
    let mut c = ClientConfig::new(sim.base_url(), sim.base_url());
    c.test_mode_rate = 1000;
    StripeClient::new(c).unwrap()
}

fn auth() -> Auth {
    Auth {
        secret: Secret::new(KEY),
        mode: Mode::Test,
        stripe_account: None,
    }
}

/// A customer added by hand (another app, the Dashboard).
async fn add_customer(c: &StripeClient, name: &str, email: &str) -> String {
    c.send(
        &auth(),
        &Request::post("/v1/customers")
            .params(Params::new().text("name", name).text("email", email)),
    )
    .await
    .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn get(c: &StripeClient, path: &str) -> Value {
    c.send(&auth(), &Request::get(path)).await.unwrap()
}

fn fields(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// "When a customer is added, welcome them": their description is set.
fn welcome() -> Workflow {
    let mut w = Workflow::new("Welcome");
    w.add_step("update_customer", "update_customer").unwrap();
    w.steps[0].fields = fields(json!({
        "customer": "{{event.id}}",
        "description": "Welcome, {{event.name}}"
    }));
    w
}

fn on(event_type: &str, conditions: Vec<TriggerCondition>) -> TriggerSpec {
    TriggerSpec {
        event_type: event_type.into(),
        conditions,
        inputs: Default::default(),
        number_format: NumberFormat::POINT,
    }
}

fn cond(field: &str, comparison: TriggerComparison, value: &str) -> TriggerCondition {
    TriggerCondition {
        field: field.into(),
        comparison,
        value: value.into(),
    }
}

async fn round(d: &Desk) -> desk_core::bulk::TriggerRound {
    d.activity_poll_all().await;
    d.triggers_run_due(&mut |_: &RunRecord| {}).await.unwrap()
}

/// Issue 20, "When something happens in Stripe": a trigger on "a customer
/// is added" whose email ends with @vip.example runs the workflow once for
/// each such customer, with the event's fields, keys from the event and the
/// step, in the run history with its event; rounds after run nothing.
/// A payment trigger compares the amount in the person's convention.
#[tokio::test]
async fn a_trigger_with_a_condition_runs_its_workflow_once_per_matching_event() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let expected = connect(&d, KEY).await;
    let c = client(&sim);
    let w = welcome();
    d.save_workflow(&w).unwrap();
    // Without an event, `{{event.…}}` is a step that is not there.
    assert!(!d.check_workflow(&w).is_empty());
    assert!(d.trigger_check_workflow(&w, "customer.created").is_empty());

    let early = add_customer(&c, "Early", "early@vip.example").await;
    round(&d).await;
    sim.advance_clock(Duration::from_secs(5));
    let spec = on(
        "customer.created",
        vec![cond("email", TriggerComparison::EndsWith, "@vip.example")],
    );
    let view = d
        .set_workflow_trigger(&w.id, &expected, spec, None)
        .await
        .unwrap();
    assert_eq!(
        view.sentence,
        "When a customer is added and Email ends with @vip.example"
    );
    assert!(!view.paused);
    sim.advance_clock(Duration::from_secs(5));
    let ann = add_customer(&c, "Ann", "ann@vip.example").await;
    let bob = add_customer(&c, "Bob", "bob@other.example").await;
    let cid = add_customer(&c, "Cid", "cid@VIP.example").await;
    sim.clear_requests();
    let first = round(&d).await;
    assert_eq!(first.runs.len(), 2, "{first:?}");
    assert!(first.runs.iter().all(|r| r.succeeded));
    assert!(first.waiting.is_empty());
    for _ in 0..2 {
        assert!(round(&d).await.runs.is_empty(), "each event runs once");
    }
    assert_eq!(
        get(&c, &format!("/v1/customers/{ann}")).await["description"],
        "Welcome, Ann"
    );
    assert_eq!(
        get(&c, &format!("/v1/customers/{cid}")).await["description"],
        "Welcome, Cid"
    );
    assert_eq!(
        get(&c, &format!("/v1/customers/{bob}")).await["description"],
        Value::Null
    );
    assert_eq!(
        get(&c, &format!("/v1/customers/{early}")).await["description"],
        Value::Null,
        "made before the trigger was on"
    );
    // In the run history with their event; keys from the event and the step.
    let runs = d.workflow_runs(&w.id).unwrap();
    assert_eq!(runs.len(), 2);
    let keys: Vec<String> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .filter_map(|r| r.header("idempotency-key").map(str::to_owned))
        .collect();
    for run in &runs {
        assert_eq!(run.outcome, Outcome::Succeeded);
        let trigger = run.trigger.as_ref().expect("started by an event");
        assert_eq!(trigger.event_type, "customer.created");
        assert!(
            trigger.sentence.contains("Ann") || trigger.sentence.contains("Cid"),
            "{}",
            trigger.sentence
        );
        assert_eq!(run.run_id, format!("{}_{}", trigger.event_id, w.id));
        assert!(
            keys.contains(&format!("stripe-desk-{}-update_customer-0", run.run_id)),
            "{keys:?}"
        );
    }

    // Payments: "Amount is more than 100,00" in the comma convention.
    let mut thanks = Workflow::new("Thank big payers");
    thanks.add_step("create_product", "create_product").unwrap();
    thanks.steps[0].fields = fields(json!({"name": "Thanks for {{event.id}}"}));
    d.save_workflow(&thanks).unwrap();
    let mut spec = on(
        "charge.succeeded",
        vec![cond("amount", TriggerComparison::GreaterThan, "100,00")],
    );
    spec.number_format = NumberFormat::COMMA;
    d.set_workflow_trigger(&thanks.id, &expected, spec, None)
        .await
        .unwrap();
    sim.advance_clock(Duration::from_secs(5));
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PaymentSucceeded(Payment::new(12550, "eur").by("Big")),
    );
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PaymentSucceeded(Payment::new(9999, "eur").by("Small")),
    );
    let paid = round(&d).await;
    let mine: Vec<_> = paid
        .runs
        .iter()
        .filter(|r| r.workflow_id == thanks.id)
        .collect();
    assert_eq!(mine.len(), 1, "{paid:?}");
    assert_eq!(sim.count(ACCOUNT, "products"), 1);
}

/// Issue 20: events that came while the app was closed run at the next
/// start; a paused trigger runs nothing, and events from while it was
/// paused stay unrun when it is switched on again; more than 20 waiting
/// events ask first: run them all, or let them go.
#[tokio::test]
async fn missed_events_run_at_the_next_start_and_a_backlog_asks_first() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let c = client(&sim);
    let w = welcome();
    {
        let d = desk(&sim, dir.path());
        let expected = connect(&d, KEY).await;
        d.save_workflow(&w).unwrap();
        round(&d).await;
        d.set_workflow_trigger(&w.id, &expected, on("customer.created", Vec::new()), None)
            .await
            .unwrap();
        sim.advance_clock(Duration::from_secs(1));
    }
    // The app is closed; three customers come; three hours pass.
    for name in ["Ann", "Bob", "Cid"] {
        add_customer(&c, name, &format!("{}@example.com", name.to_lowercase())).await;
    }
    sim.advance_clock(Duration::from_secs(3 * 3600));
    let d = desk(&sim, dir.path());
    let started = round(&d).await;
    assert_eq!(started.runs.len(), 3, "{started:?}");

    // Paused: nothing runs, and what came meanwhile stays unrun.
    d.pause_workflow_trigger(&w.id, true, None).await.unwrap();
    add_customer(&c, "Dee", "dee@example.com").await;
    assert!(round(&d).await.runs.is_empty());
    sim.advance_clock(Duration::from_secs(2));
    let on_again = d.pause_workflow_trigger(&w.id, false, None).await.unwrap();
    assert!(!on_again.paused);
    assert!(
        round(&d).await.runs.is_empty(),
        "events from while it was paused"
    );
    sim.advance_clock(Duration::from_secs(2));
    add_customer(&c, "Eve", "eve@example.com").await;
    assert_eq!(round(&d).await.runs.len(), 1);

    // A backlog of 25: it asks, and runs them all once told to.
    drop(d);
    for i in 0..25 {
        add_customer(&c, &format!("Many {i}"), &format!("many{i}@example.com")).await;
    }
    sim.advance_clock(Duration::from_secs(3600));
    let d = desk(&sim, dir.path());
    let asking = round(&d).await;
    assert!(asking.runs.is_empty());
    assert_eq!(asking.waiting.len(), 1);
    assert_eq!(asking.waiting[0].events, 25);
    assert_eq!(asking.waiting[0].workflow_name, "Welcome");
    assert_eq!(
        d.workflow_trigger(&w.id).unwrap().unwrap().waiting,
        Some(25)
    );
    d.trigger_backlog(&w.id, true).await.unwrap();
    let ran = round(&d).await;
    assert_eq!(ran.runs.len(), 25);
    assert!(round(&d).await.runs.is_empty());
    // Another backlog, let go.
    sim.advance_clock(Duration::from_secs(2));
    for i in 0..21 {
        add_customer(&c, &format!("More {i}"), &format!("more{i}@example.com")).await;
    }
    assert_eq!(round(&d).await.waiting[0].events, 21);
    d.trigger_backlog(&w.id, false).await.unwrap();
    let after = round(&d).await;
    assert!(
        after.runs.is_empty() && after.waiting.is_empty(),
        "{after:?}"
    );
    assert_eq!(d.workflow_runs(&w.id).unwrap().len(), 3 + 1 + 25);
}

/// Issue 20: a workflow never starts on an event its own write caused (the
/// event's `request.idempotency_key` names its run), nor on one caused by
/// a workflow it started: "customer added → add a customer" makes one
/// copy, and "product added → add a customer" with "customer added → add a
/// product" stops after one turn each.
#[tokio::test]
async fn a_workflow_never_triggers_itself() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let expected = connect(&d, KEY).await;
    let c = client(&sim);
    let mut copy = Workflow::new("Copy customers");
    copy.add_step("create_customer", "create_customer").unwrap();
    copy.steps[0].fields =
        fields(json!({"name": "Copy of {{event.name}}", "email": "{{event.email}}"}));
    d.save_workflow(&copy).unwrap();
    round(&d).await;
    d.set_workflow_trigger(
        &copy.id,
        &expected,
        on("customer.created", Vec::new()),
        None,
    )
    .await
    .unwrap();
    sim.advance_clock(Duration::from_secs(1));
    add_customer(&c, "Ann", "ann@example.com").await;
    assert_eq!(round(&d).await.runs.len(), 1);
    for _ in 0..3 {
        assert!(
            round(&d).await.runs.is_empty(),
            "its own customer does not start it"
        );
    }
    assert_eq!(sim.count(ACCOUNT, "customers"), 2);
    // The event its write caused carries its key.
    let own = sim
        .events(ACCOUNT, false)
        .into_iter()
        .find(|e| e["data"]["object"]["name"] == "Copy of Ann")
        .unwrap();
    assert!(own["request"]["idempotency_key"]
        .as_str()
        .unwrap()
        .starts_with("stripe-desk-evt_"));
    d.remove_workflow_trigger(&copy.id).unwrap();

    // Two workflows that would start each other.
    let mut product_for = Workflow::new("Product for each customer");
    product_for
        .add_step("create_product", "create_product")
        .unwrap();
    product_for.steps[0].fields = fields(json!({"name": "For {{event.name}}"}));
    let mut customer_for = Workflow::new("Customer for each product");
    customer_for
        .add_step("create_customer", "create_customer")
        .unwrap();
    customer_for.steps[0].fields = fields(json!({"name": "Buyer of {{event.name}}"}));
    d.save_workflow(&product_for).unwrap();
    d.save_workflow(&customer_for).unwrap();
    sim.advance_clock(Duration::from_secs(1));
    d.set_workflow_trigger(
        &product_for.id,
        &expected,
        on("customer.created", Vec::new()),
        None,
    )
    .await
    .unwrap();
    d.set_workflow_trigger(
        &customer_for.id,
        &expected,
        on("product.created", Vec::new()),
        None,
    )
    .await
    .unwrap();
    sim.advance_clock(Duration::from_secs(1));
    c.send(
        &auth(),
        &Request::post("/v1/products").params(Params::new().text("name", "Tea")),
    )
    .await
    .unwrap();
    let mut ran = 0;
    for _ in 0..6 {
        ran += round(&d).await.runs.len();
    }
    // Tea → a buyer of Tea → a product for that buyer → stops there.
    assert_eq!(ran, 2);
    assert_eq!(sim.count(ACCOUNT, "products"), 2);
    assert_eq!(sim.count(ACCOUNT, "customers"), 3);
}

/// `{{event.…}}` is checked like every other reference, against the kind
/// of event, offered in the `{{` menu with that kind's fields, and a
/// trigger whose workflow or conditions do not hold is refused in words.
#[tokio::test]
async fn event_references_are_checked_and_offered() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let expected = connect(&d, KEY).await;
    let mut w = Workflow::new("Checked");
    w.add_step("update_customer", "update_customer").unwrap();
    w.steps[0].fields =
        fields(json!({"customer": "{{event.email}}", "description": "{{event.emial}}"}));
    d.save_workflow(&w).unwrap();
    let reasons: Vec<String> = d
        .trigger_check_workflow(&w, "customer.created")
        .into_iter()
        .map(|p| p.reason)
        .collect();
    assert_eq!(
        reasons,
        [
            "The event → Email is an email address, but this field takes a customer ID.",
            "The event → Emial is not part of the event that starts this workflow.",
        ]
    );
    let refused = d
        .set_workflow_trigger(&w.id, &expected, on("customer.created", Vec::new()), None)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "workflow_not_ready");
    let menu = d.trigger_menu(&w, "customer.created", "update_customer", "customer", "");
    let event_entries: Vec<(&str, bool)> = menu
        .iter()
        .filter(|e| e.path.starts_with("event."))
        .map(|e| (e.path.as_str(), e.fits))
        .collect();
    assert_eq!(event_entries[0], ("event.id", true));
    assert!(event_entries.contains(&("event.email", false)));
    assert_eq!(menu[0].insert, "{{event.id}}");
    assert_eq!(menu[0].words, "The event → Customer");
    let typed = d.trigger_menu(
        &w,
        "customer.created",
        "update_customer",
        "description",
        "mail",
    );
    assert!(typed
        .iter()
        .all(|e| e.path.contains("mail") || e.words.to_lowercase().contains("mail")));

    let good = welcome();
    d.save_workflow(&good).unwrap();
    let bad = on(
        "customer.created",
        vec![cond("name", TriggerComparison::GreaterThan, "5")],
    );
    let refused = d
        .set_workflow_trigger(&good.id, &expected, bad, None)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "trigger_invalid");
    assert_eq!(
        refused.plain_message(),
        "Name is not a number or an amount: use equals, contains or ends with."
    );
    let unknown = d
        .set_workflow_trigger(
            &good.id,
            &expected,
            on("issuing_card.created", Vec::new()),
            None,
        )
        .await
        .unwrap_err();
    assert!(unknown
        .plain_message()
        .starts_with("Stripe Desk cannot start a workflow on"));
    assert!(
        d.workflow_trigger(&good.id).unwrap().is_none(),
        "nothing was set"
    );
    let kinds = d.trigger_kinds();
    for t in [
        "customer.created",
        "charge.succeeded",
        "charge.failed",
        "customer.subscription.created",
        "customer.subscription.deleted",
        "invoice.paid",
    ] {
        assert!(kinds.iter().any(|k| k.event_type == t), "{t}");
    }
}

/// Switching a trigger on in live mode asks once, naming the account; so
/// does switching it on again after a pause.
#[tokio::test]
async fn switching_a_trigger_on_in_live_mode_asks_once() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let expected = connect(&d, LIVE_KEY).await;
    let w = welcome();
    d.save_workflow(&w).unwrap();
    let spec = on("customer.created", Vec::new());
    let refused = d
        .set_workflow_trigger(&w.id, &expected, spec.clone(), None)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "confirmation_needed");
    let plan = d.trigger_plan(&w.id, &expected, &spec).await.unwrap();
    assert!(plan.account.livemode);
    assert_eq!(
        plan.sentence,
        format!(
            "When a customer is added, “Welcome” runs by itself in {} (live mode), once for each event.",
            plan.account.name
        )
    );
    let token = plan.confirmation.unwrap();
    d.set_workflow_trigger(&w.id, &expected, spec.clone(), Some(&token))
        .await
        .unwrap();
    d.pause_workflow_trigger(&w.id, true, None).await.unwrap();
    let refused = d
        .pause_workflow_trigger(&w.id, false, Some(&token))
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        "confirmation_needed",
        "a confirmation is used once"
    );
    let again = d.trigger_plan(&w.id, &expected, &spec).await.unwrap();
    let on_again = d
        .pause_workflow_trigger(&w.id, false, again.confirmation.as_deref())
        .await
        .unwrap();
    assert!(!on_again.paused && on_again.account.livemode);
}

/// A workflow that sends data out of the account is switched on only
/// with the confirmation, in test mode too.
#[tokio::test]
async fn a_trigger_whose_workflow_sends_data_out_asks_first_in_test_mode_too() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let expected = connect(&d, KEY).await;
    let mut w = Workflow::new("Tell a stranger");
    w.add_step("listen", "any_endpoint").unwrap();
    w.steps[0].fields = fields(json!({
        "method": "POST",
        "path": "/v1/webhook_endpoints",
        "params": [{"key": "url", "value": "https://collector.example/hook"}, {"key": "enabled_events[0]", "value": "*"}],
    }));
    d.save_workflow(&w).unwrap();
    let spec = on("customer.created", Vec::new());
    let refused = d
        .set_workflow_trigger(&w.id, &expected, spec.clone(), None)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "confirmation_needed");
    let plan = d.trigger_plan(&w.id, &expected, &spec).await.unwrap();
    assert!(
        plan.sentence.contains("It sends out of the account"),
        "{}",
        plan.sentence
    );
    d.set_workflow_trigger(&w.id, &expected, spec, plan.confirmation.as_deref())
        .await
        .unwrap();
}
