//! Creates customers through `actions::submit` against a simulator that
//! fails a share of requests, the way the window does: one submission per
//! form, "Try again" with the same key after a network failure, and after a
//! 5xx (which Stripe replays for that key) a new try that first looks for
//! what the submission made, then sends under a new key.
//! Shared by desk-core's exactly-once test and its `examples/bench_exactly_once.rs`.

use desk_core::actions::{self, FilledForm, Submission};
use desk_core::stripe::{Auth, ClientConfig, IdempotencyKey, StripeClient};
use desk_core::views::Mode;
use desk_core::{Error, Secret};
use futures_util::StreamExt;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use stripe_sim::{Failure, KeyAccess, SimConfig, Simulator};

pub const KEY: &str = "sk_test_51ExactlyOnce0000000000000001234";
pub const ACCOUNT: &str = "acct_1ExactlyOnce";

pub struct Report {
    pub wanted: usize,
    pub customers: usize,
    /// POSTs to /v1/customers, every attempt counted.
    pub attempts: usize,
    /// Automatic retries by the client plus manual "Try again"s.
    pub retries: usize,
    pub manual_retries: usize,
    pub distinct_keys: usize,
    /// Tries after a 5xx: each looked first, then used a new key.
    pub new_key_tries: usize,
    /// Of those, the ones that found what the submission had made.
    pub found_after_5xx: usize,
    /// Submissions whose last try found what an earlier try made and so
    /// never sent its own key. (A try whose answer was lost looks first when
    /// it is tried again, so a found result may follow its own key's send.)
    pub last_key_unsent: usize,
    pub elapsed: Duration,
}

fn transient(e: &Error) -> bool {
    matches!(e, Error::Network(_) | Error::Timeout)
        || e.status().is_some_and(|s| s >= 500 || s == 409)
        // The look-up before a new key failed: try again, looking again.
        || e.code() == "look_up_failed"
}

pub async fn run(wanted: usize, failure_rate: f64, concurrency: usize) -> Report {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(ACCOUNT, "Exactly Once Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim.fail_randomly(
        failure_rate,
        &[
            Failure::ServerError500,
            Failure::CommitThen500,
            Failure::DropConnection,
            Failure::CommitThenDrop,
        ],
    );
    let mut config = ClientConfig::new(sim.base_url(), sim.base_url());
    // Short waits and no client-side rate limit: a local simulator, not Stripe.
    config.retry.initial_delay = Duration::from_millis(10);
    config.retry.max_delay = Duration::from_millis(40);
    config.test_mode_rate = 10_000;
    config.timeout = Duration::from_secs(10);
    let client = StripeClient::new(config).unwrap();
    let auth = Auth {
        secret: Secret::new(KEY),
        mode: Mode::Test,
        stripe_account: None,
    };
    let action = actions::find("create_customer").unwrap();
    let started = Instant::now();
    let outcomes: Vec<(usize, usize, bool, String)> = futures_util::stream::iter(0..wanted)
        .map(|i| {
            let (client, auth) = (&client, &auth);
            async move {
                let form = FilledForm::new()
                    .text("name", &format!("Customer {i}"))
                    .text("email", &format!("c{i}@example.com"));
                let mut submission = Submission::first(IdempotencyKey::random());
                let mut tries = 0;
                loop {
                    match actions::submit(client, auth, action, &form, &submission).await {
                        Ok(r) => {
                            let found = r.headline == "Already created by the earlier try";
                            let last_key = submission.idempotency_key().unwrap().to_string();
                            return (tries, submission.attempt as usize, found, last_key);
                        }
                        Err(e) if transient(&e) && tries < 20 => {
                            tries += 1;
                            // Stripe keeps a 5xx under its key: the next try looks, then uses a new one.
                            if e.status().is_some_and(|s| s >= 500) {
                                submission.attempt += 1;
                            }
                        }
                        Err(e) => panic!("customer {i}: {e}"),
                    }
                }
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let manual: Vec<usize> = outcomes.iter().map(|o| o.0).collect();
    let elapsed = started.elapsed();
    let posts: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/customers")
        .collect();
    let sent_keys = posts
        .iter()
        .filter_map(|r| r.header("idempotency-key"))
        .collect::<HashSet<_>>();
    let distinct_keys = sent_keys.len();
    let last_key_unsent = outcomes
        .iter()
        .filter(|o| !sent_keys.contains(o.3.as_str()))
        .count();
    sim.fail_randomly(0.0, &[]);
    Report {
        wanted,
        customers: sim.count(ACCOUNT, "customers"),
        attempts: posts.len(),
        retries: posts.len() - wanted,
        manual_retries: manual.iter().sum(),
        distinct_keys,
        new_key_tries: outcomes.iter().map(|o| o.1).sum(),
        found_after_5xx: outcomes.iter().filter(|o| o.2).count(),
        last_key_unsent,
        elapsed,
    }
}
