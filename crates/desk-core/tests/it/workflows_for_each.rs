//! Workflows that repeat (issue 21): "For each" over a list result fetched
//! page after page, and over a run input that holds a list, against the
//! local Stripe simulator over real HTTP through the real actions. A run of
//! 250 customer updates SIGKILLed at item 120 in a process of its own and
//! resumed in another updates every customer exactly once; one failed item
//! does not stop the others unless asked; a long list waits for the
//! person's go-ahead; side by side stays under the one rate limiter; what
//! an item creates is found again by its tags after 24 hours.

use desk_core::money::NumberFormat;
use desk_core::secret::Secret;
use desk_core::stripe::{Auth, ClientConfig, Params, Request, StripeClient};
use desk_core::views::Mode;
use desk_core::workflows::desk::plan_for;
use desk_core::workflows::engine::{
    item_idempotency_key, GoAhead, ItemState, Outcome, RunAccount, RunHistory, RunRecord,
    StepState, ITEM_METADATA_KEY, RUN_METADATA_KEY, SIDE_BY_SIDE_ITEMS,
};
use desk_core::workflows::model::InputKind;
use desk_core::workflows::{
    ActionCatalog, ActionSteps, Comparison, Condition, Flow, Step, Test, Workflow, WorkflowStore,
};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use stripe_sim::{KeyAccess, SimConfig, Simulator};

const KEY: &str = "sk_test_51ForEachWorkflowKey0000001234";
const ACCOUNT: &str = "acct_1ForEachShop";

async fn sim() -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(ACCOUNT, "For Each Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim
}

fn client(sim: &Simulator, retries: u32) -> StripeClient {
    let mut c = ClientConfig::new(sim.base_url(), sim.base_url());
    c.retry.max_retries = retries;
    c.retry.initial_delay = Duration::from_millis(5);
    c.retry.max_delay = Duration::from_millis(20);
    c.timeout = Duration::from_secs(10);
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
        name: "For Each Shop".into(),
        livemode: false,
        through: None,
    }
}

fn fields(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

struct Scratch {
    dir: std::path::PathBuf,
    history: RunHistory,
    auth: Auth,
}

impl Scratch {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(desk_core::stripe::random_token("desk-wf-each"));
        Scratch {
            history: RunHistory::new(&dir),
            dir,
            auth: auth(),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `n` customers made straight at the simulator, one after another, as
/// other apps would; `description(i)` for each. Returns their IDs newest
/// first, as Stripe lists them. The requests they took are forgotten.
async fn customers(
    sim: &Simulator,
    n: usize,
    description: impl Fn(usize) -> String,
) -> Vec<String> {
    let http = reqwest::Client::new();
    for i in 0..n {
        let answer = http
            .post(format!("{}/v1/customers", sim.base_url()))
            .bearer_auth(KEY)
            .form(&[
                ("name", format!("Customer {i}")),
                ("email", format!("c{i}@example.com")),
                ("description", description(i)),
            ])
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success());
    }
    let c = client(sim, 2);
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut params = Params::new().text("limit", "100");
        if let Some(a) = &after {
            params = params.text("starting_after", a);
        }
        let page = c
            .send(&auth(), &Request::get("/v1/customers").params(params))
            .await
            .unwrap();
        let data = page["data"].as_array().unwrap();
        ids.extend(data.iter().map(|o| o["id"].as_str().unwrap().to_owned()));
        if page["has_more"] != json!(true) {
            break;
        }
        after = ids.last().cloned();
    }
    sim.clear_requests();
    ids
}

/// List every customer (every page), then change something for each.
fn update_each(every: u32, inner: Value) -> Workflow {
    let mut w = Workflow::new("Update every customer");
    let mut list = Step::action("all_customers", "list_customers", Map::new());
    list.every_page_up_to = Some(every);
    let mut update = fields(inner);
    update.insert("customer".into(), json!("{{item.id}}"));
    w.steps = vec![
        list,
        Step::for_each(
            "update_each",
            "{{all_customers.data}}",
            vec![Step::action("move", "update_customer", update)],
        ),
    ];
    w
}

fn new_address() -> Value {
    json!({"address": {"line1": "1 New Street", "city": "Berlin", "postal_code": "10115", "country": "DE"}})
}

/// `customer.updated` events per customer: each update Stripe carried out.
fn updates_per_customer(sim: &Simulator) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for e in sim.events(ACCOUNT, false) {
        if e["type"] == "customer.updated" {
            *out.entry(e["data"]["object"]["id"].as_str().unwrap().to_owned())
                .or_insert(0) += 1;
        }
    }
    out
}

async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "never {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Issue 21, "Exactly once per item": a "For each" over 250 customers (the
/// list fetched every page) updates each one's address in a process of its
/// own (`desk-workflow-run`), SIGKILLed after Stripe carried out item 120's
/// update but before its answer came. A new process resumes: items 1-119
/// are not sent again, item 120 is sent again under the same key (Stripe
/// replays its answer), the rest once. Every customer is updated exactly
/// once, and the run history shows 250 outcomes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_for_each_over_250_customers_killed_at_item_120_resumes_updating_each_once() {
    use std::process::{Command, Stdio};
    let sim = sim().await;
    let ids = customers(&sim, 250, |i| format!("Customer number {i}")).await;
    assert_eq!(ids.len(), 250);
    let w = update_each(1000, new_address());
    assert_eq!(w.check(&ActionCatalog), vec![]);
    let scratch = Scratch::new();
    WorkflowStore::new(&scratch.dir).save(&w).unwrap();
    let (base, data_dir, workflow_id) = (sim.base_url(), scratch.dir.clone(), w.id.clone());
    let process = move |resume: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_desk-workflow-run"));
        cmd.args(["--api-base", &base, "--data-dir"])
            .arg(&data_dir)
            .args([
                "--workflow",
                &workflow_id,
                "--account",
                ACCOUNT,
                "--go-ahead",
            ])
            .env("STRIPE_DESK_RUN_KEY", KEY)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(run) = resume {
            cmd.args(["--resume", run]);
        }
        cmd.spawn().unwrap()
    };
    // Item 120's update is carried out at once and answered 5 s later.
    let item_120 = ids[119].clone();
    let its_path = format!("/v1/customers/{item_120}");
    sim.set_latency_when(&its_path, Duration::from_secs(5));
    let mut child = process(None);
    wait_until("updated customer 120", || {
        sim.object(ACCOUNT, "customers", &item_120)
            .is_some_and(|c| c["address"]["line1"] == "1 New Street")
    })
    .await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "still waiting for Stripe's answer"
    );
    child.kill().unwrap(); // SIGKILL: no chance to tidy up.
    child.wait().unwrap();
    sim.set_latency_when(&its_path, Duration::ZERO);

    let history = &scratch.history;
    let killed = history.list(&w.id).unwrap().remove(0);
    assert_eq!(killed.outcome, Outcome::Running);
    let lp = killed.step("update_each").unwrap().items.clone().unwrap();
    assert_eq!((lp.total, lp.done, lp.failed), (250, 119, 0));
    assert_eq!(lp.unfinished.len(), 1, "{:?}", lp.unfinished);
    assert_eq!(lp.unfinished[0].key, item_120);
    assert!(matches!(
        lp.unfinished[0].steps[0].state,
        StepState::Running
    ));
    assert_eq!(updates_per_customer(&sim).len(), 120);

    let out = process(Some(&killed.run_id)).wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run: RunRecord = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        run.outcome,
        Outcome::Succeeded,
        "{:?}",
        run.step("update_each")
    );

    // Every customer updated exactly once.
    let updates = updates_per_customer(&sim);
    assert_eq!(updates.len(), 250);
    let twice: Vec<_> = updates.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "{twice:?}");
    // Item 120 was sent twice under one key, derived from run, step and item.
    let sent: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == its_path)
        .collect();
    let key = item_idempotency_key(&run.run_id, "move", &item_120, 0);
    assert_eq!(sent.len(), 2);
    assert!(sent
        .iter()
        .all(|r| r.header("idempotency-key") == Some(key.as_str())));
    let posts = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 251, "one each, and item 120's second try");

    // The history shows each of the 250 outcomes.
    let kept = history.load(&w.id, &run.run_id).unwrap();
    let lp = kept.step("update_each").unwrap().items.clone().unwrap();
    assert_eq!((lp.total, lp.done, lp.failed, lp.left()), (250, 250, 0, 0));
    assert_eq!(lp.outcomes.len(), 250);
    assert!(lp.unfinished.is_empty());
    let mut numbers: Vec<u32> = lp.outcomes.iter().map(|o| o.number).collect();
    numbers.sort();
    assert_eq!(numbers, (1..=250).collect::<Vec<_>>());
    let first = lp.outcomes.iter().find(|o| o.key == ids[0]).unwrap();
    assert_eq!(first.label, "Customer 249 · c249@example.com");
    assert!(
        matches!(&first.state, ItemState::Done { summary } if summary.contains("Customer 249")),
        "{first:?}"
    );
    assert!(
        !scratch
            .dir
            .join(format!(
                "workflows/runs/{}/{}.items.jsonl",
                w.id, run.run_id
            ))
            .exists(),
        "the items' log is folded into the record at the end"
    );
}

/// Issue 21, "Progress and failures": one item whose value the action
/// refuses (a phone number that is not one) fails; the others are updated
/// and the run stops after the loop, saying which item failed and why, at
/// its field. Resume after the fix runs that item only. With "stop at the
/// first failure", the items after it are not run.
#[tokio::test]
async fn a_failed_item_does_not_stop_the_others_unless_asked() {
    let sim = sim().await;
    let phone = |i: usize| {
        if i == 2 {
            "call me".to_owned()
        } else {
            format!("+44 20 7946 00{i:02}")
        }
    };
    let ids = customers(&sim, 5, phone).await;
    let c = client(&sim, 2);
    let scratch = Scratch::new();
    let executor = ActionSteps {
        client: &c,
        auth: &scratch.auth,
    };
    let engine = executor.engine(&scratch.history, NumberFormat::POINT);
    let mut w = update_each(100, json!({"phone": "{{item.description}}"}));
    w.steps.push(Step::action(
        "after",
        "list_customers",
        fields(json!({"limit": "1"})),
    ));
    assert_eq!(w.check(&ActionCatalog), vec![]);
    let run = engine
        .start(&w, account(), BTreeMap::new(), &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(
        run.outcome,
        Outcome::Failed {
            step: "update_each".into()
        }
    );
    let each = run.step("update_each").unwrap();
    let lp = each.items.clone().unwrap();
    assert_eq!((lp.total, lp.done, lp.failed, lp.left()), (5, 4, 1, 0));
    let failed = lp
        .outcomes
        .iter()
        .find(|o| matches!(o.state, ItemState::Failed { .. }))
        .unwrap();
    // Newest first: customer 2 is the third listed.
    assert_eq!(failed.key, ids[2]);
    assert_eq!(failed.label, "Customer 2 · c2@example.com");
    let ItemState::Failed { step, failure } = &failed.state else {
        unreachable!()
    };
    assert_eq!(
        (step.as_str(), failure.field.as_deref()),
        ("move", Some("phone"))
    );
    assert!(
        failure.reason.starts_with("Enter a phone number"),
        "{failure:?}"
    );
    let StepState::Failed { failure } = &each.state else {
        panic!("{each:?}")
    };
    assert!(
        failure.reason.starts_with("4 of 5 items done, 1 failed, 0 left. The first that failed, Customer 2 · c2@example.com: Enter a phone number"),
        "{}",
        failure.reason
    );
    assert!(matches!(
        run.step("after").unwrap().state,
        StepState::Waiting
    ));
    assert_eq!(updates_per_customer(&sim).len(), 4);

    // The fix, in the workflow (the run's list is the one it fetched):
    // change the phone only if the description is a phone number. Resume
    // runs the failed item only; its change is now skipped, saying why.
    let Some(Flow::ForEach { steps, .. }) = &mut w.steps[1].flow else {
        unreachable!()
    };
    let update = steps.remove(0);
    steps.push(Step::group(
        "has_phone",
        Condition::all(vec![Comparison::new(
            "{{item.description}}",
            Test::StartsWith { to: "+".into() },
        )]),
        vec![update],
        Vec::new(),
    ));
    assert_eq!(w.check(&ActionCatalog), vec![]);
    sim.clear_requests();
    let resumed = engine
        .resume(&w, &run.run_id, &account(), None, &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(resumed.outcome, Outcome::Succeeded, "{resumed:#?}");
    assert!(
        sim.requests().iter().all(|r| r.method == "GET"),
        "nothing sent again"
    );
    let lp = resumed.step("update_each").unwrap().items.clone().unwrap();
    assert_eq!((lp.done, lp.failed, lp.outcomes.len()), (5, 0, 5));
    let fixed = lp.outcomes.iter().find(|o| o.key == ids[2]).unwrap();
    assert_eq!(
        fixed.state,
        ItemState::Done {
            summary:
                "Skipped: Current item → Description is “call me”, which does not start with “+”"
                    .into()
        }
    );
    assert!(matches!(
        resumed.step("after").unwrap().state,
        StepState::Done { .. }
    ));
    assert_eq!(updates_per_customer(&sim).len(), 4);

    // Stop at the first failure, one after another: items after it wait.
    let sim = sim_with_failing_third().await;
    let c = client(&sim, 2);
    let scratch = Scratch::new();
    let executor = ActionSteps {
        client: &c,
        auth: &scratch.auth,
    };
    let engine = executor.engine(&scratch.history, NumberFormat::POINT);
    let mut w = update_each(100, json!({"phone": "{{item.description}}"}));
    if let Some(Flow::ForEach {
        stop_at_first_failure,
        ..
    }) = &mut w.steps[1].flow
    {
        *stop_at_first_failure = true;
    }
    let run = engine
        .start(&w, account(), BTreeMap::new(), &mut |_: &RunRecord| {})
        .await
        .unwrap();
    let each = run.step("update_each").unwrap();
    let lp = each.items.clone().unwrap();
    assert_eq!((lp.total, lp.done, lp.failed, lp.left()), (5, 2, 1, 2));
    let StepState::Failed { failure } = &each.state else {
        panic!("{each:?}")
    };
    assert!(
        failure
            .reason
            .ends_with("It stopped at the first failure: 2 were not run."),
        "{}",
        failure.reason
    );
    assert_eq!(updates_per_customer(&sim).len(), 2);
}

async fn sim_with_failing_third() -> Simulator {
    let sim = sim().await;
    customers(&sim, 5, |i| {
        if i == 2 {
            "call me".to_owned()
        } else {
            format!("+44 20 7946 00{i:02}")
        }
    })
    .await;
    sim
}

/// Issue 21, "Before the run" and "Running the items": a list of 60 waits
/// for the person's go-ahead, saying how many items and changes, in which
/// account and mode, and sends nothing; with it, the items run side by
/// side, more than one at a time and never more than the client allows,
/// with no request over Stripe's rate limit.
#[tokio::test]
async fn sixty_items_wait_for_the_go_ahead_then_run_side_by_side_under_the_rate_limit() {
    let sim = sim().await;
    customers(&sim, 60, |i| format!("Customer number {i}")).await;
    let c = client(&sim, 2);
    let scratch = Scratch::new();
    let executor = ActionSteps {
        client: &c,
        auth: &scratch.auth,
    };
    let engine = executor.engine(&scratch.history, NumberFormat::POINT);
    let mut w = update_each(100, new_address());
    if let Some(Flow::ForEach { side_by_side, .. }) = &mut w.steps[1].flow {
        *side_by_side = true;
    }
    // Before the run: the count is known only once the list is fetched.
    let plan = plan_for(&w, account(), &BTreeMap::new(), None, NumberFormat::POINT);
    assert_eq!(plan.loops.len(), 1);
    assert_eq!(
        (plan.loops[0].items, plan.loops[0].at_most),
        (None, Some(100))
    );
    assert!(
        plan.loops[0]
            .says
            .contains("up to 100 changes in For Each Shop (test mode)"),
        "{}",
        plan.loops[0].says
    );
    assert!(plan.writes.iter().any(|s| s.step == "move" && s.per_item));

    sim.clear_requests();
    let waiting = engine
        .start(&w, account(), BTreeMap::new(), &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(
        waiting.outcome,
        Outcome::WaitingForGoAhead {
            step: "update_each".into(),
            items: 60
        }
    );
    assert!(
        sim.requests().iter().all(|r| r.method == "GET"),
        "nothing changed"
    );
    // A Resume's plan knows the count, asks first, names account and mode.
    let plan = plan_for(
        &w,
        account(),
        &BTreeMap::new(),
        Some(&waiting),
        NumberFormat::POINT,
    );
    assert_eq!(plan.loops[0].items, Some(60));
    assert!(plan.loops[0].asks_first);
    assert_eq!(
        plan.loops[0].says,
        "Step 2 (For each) will go through 60 items, with 1 change each: 60 changes in For Each Shop (test mode)."
    );
    // Without the go-ahead it waits again; with it, it goes.
    let again = engine
        .resume(
            &w,
            &waiting.run_id,
            &account(),
            None,
            &mut |_: &RunRecord| {},
        )
        .await
        .unwrap();
    assert!(matches!(again.outcome, Outcome::WaitingForGoAhead { .. }));
    sim.set_latency(Duration::from_millis(100));
    sim.set_rate_limit(Some(25));
    let mut seen = Vec::new();
    let done = engine
        .resume_with(
            &w,
            &waiting.run_id,
            &account(),
            None,
            GoAhead { many_items: true },
            &mut |r: &RunRecord| {
                if let Some(lp) = r.step("update_each").and_then(|s| s.items.as_ref()) {
                    seen.push((lp.done, lp.failed, lp.left()));
                }
            },
        )
        .await
        .unwrap();
    assert_eq!(
        done.outcome,
        Outcome::Succeeded,
        "{:?}",
        done.step("update_each")
    );
    assert_eq!(updates_per_customer(&sim).len(), 60);
    // Progress counted items done and left as they went.
    assert!(seen.contains(&(30, 0, 30)), "{seen:?}");
    assert_eq!(seen.last(), Some(&(60, 0, 0)));
    let most = sim.most_concurrent_requests();
    assert!((2..=SIDE_BY_SIDE_ITEMS).contains(&most), "{most} at once");
    assert!(
        sim.requests().iter().all(|r| r.status == 200),
        "nothing over the limit"
    );
}

/// Issue 21, "Lists larger than one page": a list step fetches every page
/// up to the limit the person set, as one result.
#[tokio::test]
async fn a_list_step_fetches_every_page_up_to_its_limit() {
    let sim = sim().await;
    let ids = customers(&sim, 250, |i| format!("Customer number {i}")).await;
    let c = client(&sim, 2);
    let scratch = Scratch::new();
    let executor = ActionSteps {
        client: &c,
        auth: &scratch.auth,
    };
    let engine = executor.engine(&scratch.history, NumberFormat::POINT);
    for (most, found, pages, more) in [(120u32, 120usize, 2usize, true), (1000, 250, 3, false)] {
        let mut w = Workflow::new("Everyone");
        let mut list = Step::action("everyone", "list_customers", Map::new());
        list.every_page_up_to = Some(most);
        w.steps = vec![list];
        sim.clear_requests();
        let run = engine
            .start(&w, account(), BTreeMap::new(), &mut |_: &RunRecord| {})
            .await
            .unwrap();
        let out = run.output("everyone").unwrap();
        let got: Vec<&str> = out["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            got,
            ids[..found].iter().map(String::as_str).collect::<Vec<_>>()
        );
        assert_eq!(out["has_more"], json!(more));
        let asked: Vec<String> = sim.requests().into_iter().map(|r| r.query).collect();
        assert_eq!(asked.len(), pages, "{asked:?}");
        assert!(
            asked[1].contains(&format!("starting_after={}", ids[99])),
            "{asked:?}"
        );
        if most == 120 {
            assert!(asked[1].contains("limit=20"), "{asked:?}");
        }
        let StepState::Done { result, .. } = &run.step("everyone").unwrap().state else {
            unreachable!()
        };
        assert_eq!(result.shown.as_ref().unwrap().items.len(), found);
    }
}

/// Issue 21: a "For each" over a run input that holds a list (one email a
/// line) creates a customer per line, each tagged with the item; an item
/// whose answer was lost is found again by its tags after 24 hours, not
/// created twice. A line that is not an email is refused at the input.
#[tokio::test]
async fn a_for_each_over_an_input_list_tags_each_item_and_finds_it_after_24_hours() {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;
    let sim = sim().await;
    let c = client(&sim, 0);
    let scratch = Scratch::new();
    let executor = ActionSteps {
        client: &c,
        auth: &scratch.auth,
    };
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
    let mut w = Workflow::new("Add from a list");
    w.add_list_input("emails", "Customer emails", InputKind::Email)
        .unwrap();
    w.steps = vec![Step::for_each(
        "each",
        "{{input.emails}}",
        vec![Step::action(
            "add",
            "create_customer",
            fields(json!({"email": "{{item}}", "name": "From the list"})),
        )],
    )];
    assert_eq!(w.check(&ActionCatalog), vec![]);
    // The list itself cannot fill a field that takes one value.
    let mut whole = w.clone();
    let Some(Flow::ForEach { steps, .. }) = &mut whole.steps[0].flow else {
        unreachable!()
    };
    steps[0]
        .fields
        .insert("email".into(), json!("{{input.emails}}"));
    let found = whole.check(&ActionCatalog);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field.as_deref(), Some("email"));
    assert_eq!(
        found[0].reason,
        "Customer emails holds several values, one a line: go through them with a “For each”, and use the current item inside it."
    );
    let typed = |t: &str| BTreeMap::from([("emails".to_owned(), t.to_owned())]);
    let refused = engine
        .start(
            &w,
            account(),
            typed("a@example.com\nnope"),
            &mut |_: &RunRecord| {},
        )
        .await
        .unwrap_err();
    let app = desk_core::AppError::from(refused);
    assert_eq!(app.param.as_deref(), Some("emails"));
    assert!(
        app.message
            .starts_with("Line 2: \"nope\" is not an email address"),
        "{}",
        app.message
    );

    // The second create is carried out but its answer is lost.
    let mut armed = false;
    let run = engine
        .start(
            &w,
            account(),
            typed("a@example.com\nb@example.com\n\nc@example.com"),
            &mut |r: &RunRecord| {
                let first_done = r
                    .step("each")
                    .and_then(|s| s.items.as_ref())
                    .is_some_and(|lp| lp.done == 1);
                if first_done && !armed {
                    armed = true;
                    sim.fail_next(1, stripe_sim::Failure::CommitThenDrop);
                }
            },
        )
        .await
        .unwrap();
    assert_eq!(
        run.outcome,
        Outcome::Failed {
            step: "each".into()
        }
    );
    assert_eq!(sim.count(ACCOUNT, "customers"), 3);
    let lp = run.step("each").unwrap().items.clone().unwrap();
    assert_eq!((lp.total, lp.done, lp.failed), (3, 2, 1));
    // A day later Stripe has forgotten the key: the item is looked up by its tags.
    skew.fetch_add(25 * 3600, Ordering::SeqCst);
    sim.advance_clock(Duration::from_secs(25 * 3600));
    let resumed = engine
        .resume(&w, &run.run_id, &account(), None, &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(resumed.outcome, Outcome::Succeeded, "{resumed:#?}");
    assert_eq!(sim.count(ACCOUNT, "customers"), 3, "b@example.com once");
    let all = c
        .send(
            &auth(),
            &Request::get("/v1/customers").params(Params::new().text("limit", "10")),
        )
        .await
        .unwrap();
    for customer in all["data"].as_array().unwrap() {
        let email = customer["email"].as_str().unwrap();
        assert_eq!(customer["metadata"][ITEM_METADATA_KEY], email, "{customer}");
        assert_eq!(customer["metadata"][RUN_METADATA_KEY], json!(run.run_id));
    }
}
