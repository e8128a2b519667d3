//! A "For each" of customer updates against the simulator with 150 ms of
//! latency per request and Stripe's test-mode limit of 25 requests/s (the
//! simulator refuses what goes over it): the list fetched every page, then
//! every customer's address changed, side by side under the client's one
//! rate limiter; and, for comparison, one after another on fewer items.
//! Prints items/s against the ceiling (one request per item: 25 items/s)
//! and checks every customer was updated exactly once. Run by
//! `scripts/bench-workflows.sh`.
//!
//! bench_workflow_items [items] [latency-ms] [one-after-another-items]

use desk_core::money::NumberFormat;
use desk_core::secret::Secret;
use desk_core::stripe::{Auth, ClientConfig, StripeClient};
use desk_core::views::Mode;
use desk_core::workflows::engine::{
    GoAhead, Outcome, RunAccount, RunHistory, RunRecord, StepState,
};
use desk_core::workflows::{ActionSteps, Flow, Step, Workflow};
use serde_json::{json, Map};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};
use stripe_sim::{KeyAccess, SimConfig, Simulator};

const KEY: &str = "sk_test_51BenchItemsKey000000000001234";
const ACCOUNT: &str = "acct_1BenchItemsShop";
const CEILING: f64 = 25.0;

fn arg(i: usize, default: u64) -> u64 {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

async fn seed(sim: &Simulator, n: usize) {
    let http = reqwest::Client::new();
    let all: Vec<usize> = (0..n).collect();
    for chunk in all.chunks(50) {
        let made = chunk.iter().map(|i| {
            http.post(format!("{}/v1/customers", sim.base_url()))
                .bearer_auth(KEY)
                .form(&[
                    ("name", format!("Customer {i}")),
                    ("email", format!("c{i}@example.com")),
                ])
                .send()
        });
        for answer in futures_util::future::join_all(made).await {
            assert!(answer.expect("seeded").status().is_success());
        }
    }
}

/// Runs the "For each" over `n` customers; returns the seconds from the
/// first item started to the last one done.
async fn run(n: usize, latency: Duration, side_by_side: bool) -> f64 {
    let sim = Simulator::start(SimConfig::bundled())
        .await
        .expect("simulator");
    sim.add_account(ACCOUNT, "Bench Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    seed(&sim, n).await;
    sim.set_latency(latency);
    sim.set_rate_limit(Some(CEILING as u32));
    let client =
        StripeClient::new(ClientConfig::new(sim.base_url(), sim.base_url())).expect("client");
    let auth = Auth {
        secret: Secret::new(KEY),
        mode: Mode::Test,
        stripe_account: None,
    };
    let dir = std::env::temp_dir().join(desk_core::stripe::random_token("bench-wf-items"));
    let history = RunHistory::new(&dir);
    let steps = ActionSteps {
        client: &client,
        auth: &auth,
    };
    let engine = steps.engine(&history, NumberFormat::POINT);
    let mut w = Workflow::new("Move every customer");
    let mut list = Step::action("everyone", "list_customers", Map::new());
    list.every_page_up_to = Some(n as u32);
    let mut update = Map::new();
    update.insert("customer".into(), json!("{{item.id}}"));
    update.insert(
        "address".into(),
        json!({"line1": "1 New Street", "city": "Berlin", "postal_code": "10115", "country": "DE"}),
    );
    let mut each = Step::for_each(
        "each",
        "{{everyone.data}}",
        vec![Step::action("move", "update_customer", update)],
    );
    if let Some(Flow::ForEach {
        side_by_side: s, ..
    }) = &mut each.flow
    {
        *s = side_by_side;
    }
    w.steps = vec![list, each];
    let account = RunAccount {
        id: ACCOUNT.into(),
        name: "Bench Shop".into(),
        livemode: false,
        through: None,
    };
    let mut began: Option<Instant> = None;
    let mut progress = |r: &RunRecord| {
        let running = r
            .step("each")
            .is_some_and(|s| matches!(s.state, StepState::Running));
        if running && began.is_none() {
            began = Some(Instant::now());
        }
    };
    let done = engine
        .start_with(
            &w,
            account,
            BTreeMap::new(),
            GoAhead { many_items: true },
            &mut progress,
        )
        .await
        .unwrap_or_else(|e| panic!("{}", desk_core::AppError::from(e).message));
    let seconds = began.expect("the loop began").elapsed().as_secs_f64();
    assert_eq!(done.outcome, Outcome::Succeeded, "{:?}", done.step("each"));
    let mut updates: HashMap<String, usize> = HashMap::new();
    for e in sim.events(ACCOUNT, false) {
        if e["type"] == "customer.updated" {
            *updates
                .entry(
                    e["data"]["object"]["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
                .or_default() += 1;
        }
    }
    let refused = sim.requests().iter().filter(|r| r.status == 429).count();
    if updates.len() != n || updates.values().any(|c| *c != 1) || refused > 0 {
        eprintln!(
            "NOT exactly once under the limit: {} customers updated for {n}, {refused} requests refused",
            updates.len()
        );
        std::process::exit(1);
    }
    let _ = std::fs::remove_dir_all(dir);
    seconds
}

#[tokio::main]
async fn main() {
    let items = arg(1, 1000) as usize;
    let latency = Duration::from_millis(arg(2, 150));
    let one_by_one = arg(3, 100) as usize;
    println!(
        "For each customer: change their address (one request each), {} ms latency, {CEILING} requests/s allowed",
        latency.as_millis()
    );
    let side = run(items, latency, true).await;
    println!(
        "side by side:       {items} items in {side:.1} s = {:.1} items/s ({:.0}% of the {CEILING} items/s ceiling)",
        items as f64 / side,
        100.0 * items as f64 / side / CEILING
    );
    if one_by_one > 0 {
        let seq = run(one_by_one, latency, false).await;
        println!(
            "one after another:  {one_by_one} items in {seq:.1} s = {:.1} items/s (at most 1000/{} ms = {:.1})",
            one_by_one as f64 / seq,
            latency.as_millis(),
            1000.0 / latency.as_millis() as f64
        );
    }
    println!("every customer updated exactly once, no request over the limit");
}
