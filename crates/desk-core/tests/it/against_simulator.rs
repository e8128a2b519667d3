//! The domain against the local Stripe simulator over real HTTP: retries and
//! idempotency, pagination, key checks and Test connection, saved connections.

use desk_core::connections::key_guide::{permissions_for, AccessLevel, KeyGoal};
use desk_core::connections::secret_store::{MemoryStore, SecretStore};
use desk_core::desk::{Desk, DeskConfig};
use desk_core::stripe::{Auth, ClientConfig, Params, Request, StripeClient};
use desk_core::views::{KeyringStatus, Mode, PermissionState};
use desk_core::{AppError, Bases, Error, Secret};
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use stripe_sim::{Failure, KeyAccess, SimConfig, Simulator};

const KEY: &str = "sk_test_51DomainTestKey0000000000001234";
const ACCOUNT: &str = "acct_1DomainShop";

async fn sim() -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(ACCOUNT, "Domain Test Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim
}

/// Fast retries so the tests do not sleep for seconds; the real delays are
/// checked in `stripe/retry.rs`.
fn config(base: &str) -> ClientConfig {
    let mut c = ClientConfig::new(base, base);
    c.retry.initial_delay = Duration::from_millis(5);
    c.retry.max_delay = Duration::from_millis(20);
    c.timeout = Duration::from_secs(5);
    c
}

fn client(sim: &Simulator) -> StripeClient {
    StripeClient::new(config(&sim.base_url())).unwrap()
}

fn auth(key: &str) -> Auth {
    Auth {
        secret: Secret::new(key),
        mode: Mode::Test,
        stripe_account: None,
    }
}

fn idempotency_keys(sim: &Simulator, path: &str) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .map(|r| {
            r.headers
                .iter()
                .find(|(k, _)| k == "idempotency-key")
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_after_commit_is_retried_into_exactly_one_customer() {
    let sim = sim().await;
    let c = client(&sim);
    sim.fail_next(1, Failure::CommitThenDrop);
    let created = c
        .send(
            &auth(KEY),
            &Request::post("/v1/customers").params(Params::new().text("email", "jo@example.com")),
        )
        .await
        .unwrap();
    assert_eq!(created["email"], "jo@example.com");
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    let keys = idempotency_keys(&sim, "/v1/customers");
    assert_eq!(keys.len(), 2, "one attempt, one retry");
    assert!(!keys[0].is_empty());
    assert_eq!(keys[0], keys[1], "the retry reuses the key");
}

#[tokio::test]
async fn every_attempt_of_one_request_carries_the_same_idempotency_key_and_the_pinned_version() {
    let sim = sim().await;
    let c = client(&sim);
    sim.fail_next(2, Failure::DropConnection);
    c.send(
        &auth(KEY),
        &Request::post("/v1/products").params(Params::new().text("name", "Beans")),
    )
    .await
    .unwrap();
    let keys = idempotency_keys(&sim, "/v1/products");
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| k == &keys[0]));
    let versions: BTreeSet<String> = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/products")
        .filter_map(|r| {
            r.headers
                .iter()
                .find(|(k, _)| k == "stripe-version")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert_eq!(versions, BTreeSet::from(["2026-05-27.dahlia".to_string()]));
    // Two separate creates get two different keys.
    c.send(
        &auth(KEY),
        &Request::post("/v1/products").params(Params::new().text("name", "Mugs")),
    )
    .await
    .unwrap();
    let keys = idempotency_keys(&sim, "/v1/products");
    assert_ne!(keys[3], keys[0]);
}

#[tokio::test]
async fn a_dropped_connection_before_commit_is_retried_and_creates_once() {
    let sim = sim().await;
    sim.fail_next(1, Failure::DropConnection);
    client(&sim)
        .send(
            &auth(KEY),
            &Request::post("/v1/customers").params(Params::new().text("name", "Ann")),
        )
        .await
        .unwrap();
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
}

#[tokio::test]
async fn stripe_should_retry_false_is_never_retried() {
    let sim = sim().await;
    sim.fail_next(1, Failure::ShouldRetryFalse500);
    let err = client(&sim)
        .send(&auth(KEY), &Request::post("/v1/customers"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(idempotency_keys(&sim, "/v1/customers").len(), 1);
    assert_eq!(sim.count(ACCOUNT, "customers"), 0);
}

/// Stripe keeps a POST's 500 under its idempotency key and replays it for
/// 24 hours: retrying with that key cannot succeed, so the client does not
/// (stripe-go and stripe-ruby neither). A read's 500 is retried.
#[tokio::test]
async fn a_posts_500_is_not_retried_with_the_same_key_but_a_reads_is() {
    let sim = sim().await;
    sim.fail_next(1, Failure::ServerError500);
    let err = client(&sim)
        .send(
            &auth(KEY),
            &Request::post("/v1/customers").params(Params::new().text("name", "Ann")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(attempts(&sim, "/v1/customers"), [500], "not retried");
    assert_eq!(idempotency_keys(&sim, "/v1/customers").len(), 1);

    sim.clear_requests();
    sim.fail_next(1, Failure::ServerError500);
    client(&sim)
        .send(&auth(KEY), &Request::get("/v1/customers"))
        .await
        .unwrap();
    assert_eq!(attempts(&sim, "/v1/customers"), [500, 200]);
}

/// Stripe's concurrency limiter counts requests in flight: with answers
/// slower than a second, a client that starts N a second would have 2N in
/// flight. The client never has more in flight than it starts in a second.
#[tokio::test]
async fn requests_in_flight_never_exceed_what_the_limiter_starts_in_a_second() {
    let sim = sim().await;
    sim.set_concurrency_limit(Some(5));
    sim.set_latency(Duration::from_millis(1500));
    let mut config = config(&sim.base_url());
    config.test_mode_rate = 5;
    let c = StripeClient::new(config).unwrap();
    let a = auth(KEY);
    let list = Request::get("/v1/customers");
    let calls = (0..15).map(|_| c.send(&a, &list));
    let answers = futures_util::future::join_all(calls).await;
    let refused: Vec<String> = answers
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| e.to_string())
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
    assert!(
        sim.most_concurrent_requests() <= 5,
        "{} in flight at once",
        sim.most_concurrent_requests()
    );
}

/// `Stripe-Rate-Limited-Reason` says which limiter refused, and the words follow it.
#[tokio::test]
async fn a_429_is_told_in_words_of_the_limit_stripe_named() {
    let sim = sim().await;
    sim.set_concurrency_limit(Some(1));
    sim.set_latency(Duration::from_millis(400));
    let c = client(&sim);
    let a = auth(KEY);
    let (customers, products) = (Request::get("/v1/customers"), Request::get("/v1/products"));
    let (one, two) = tokio::join!(c.send(&a, &customers), c.send(&a, &products));
    let err = one.err().or(two.err()).expect("one of them refused");
    assert_eq!(err.status(), Some(429));
    let words = AppError::from(err).message;
    assert!(words.contains("at the same time"), "{words}");
}

fn attempts(sim: &Simulator, path: &str) -> Vec<u16> {
    sim.requests()
        .iter()
        .filter(|r| r.path == path)
        .map(|r| r.status)
        .collect()
}

#[tokio::test]
async fn a_rate_limit_is_not_retried_but_a_lock_timeout_is_and_each_reads_as_what_it_is() {
    let sim = sim().await;
    sim.fail_next(1, Failure::RateLimited429);
    let err = client(&sim)
        .send(&auth(KEY), &Request::get("/v1/customers"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(attempts(&sim, "/v1/customers"), [429], "not retried");
    let app = AppError::from(err);
    assert_eq!(app.code, "rate_limit");
    assert!(app.message.contains("too many requests"), "{}", app.message);

    sim.clear_requests();
    sim.fail_next(1, Failure::LockTimeout429);
    client(&sim)
        .send(&auth(KEY), &Request::get("/v1/customers"))
        .await
        .unwrap();
    assert_eq!(attempts(&sim, "/v1/customers"), [429, 200]);

    sim.clear_requests();
    sim.fail_next(3, Failure::LockTimeout429);
    let err = client(&sim)
        .send(&auth(KEY), &Request::get("/v1/customers"))
        .await
        .unwrap_err();
    assert_eq!(attempts(&sim, "/v1/customers"), [429, 429, 429]);
    let app = AppError::from(err);
    assert_eq!(app.code, "lock_timeout");
    assert!(
        app.message.contains("busy with another request"),
        "{}",
        app.message
    );
    assert!(
        !app.message.contains("too many requests"),
        "{}",
        app.message
    );
}

#[tokio::test]
async fn stripe_field_errors_come_back_with_their_param() {
    let sim = sim().await;
    let err = client(&sim)
        .send(
            &auth(KEY),
            &Request::post("/v1/customers").params(Params::new().text("not_a_field", "x")),
        )
        .await
        .unwrap_err();
    let app = AppError::from(err);
    assert_eq!(app.code, "parameter_unknown");
    assert_eq!(app.param.as_deref(), Some("not_a_field"));
}

#[tokio::test]
async fn pagination_streams_every_object_once_across_pages() {
    let sim = sim().await;
    sim.seed_sample_data(
        ACCOUNT,
        stripe_sim::SeedSpec {
            customers: 250,
            products: 0,
            subscriptions: 0,
            balance_transactions: 0,
            rng_seed: 7,
        },
    );
    let c = client(&sim);
    let a = auth(KEY);
    let ids: Vec<String> = c
        .list::<Value>(&a, "/v1/customers", Params::new())
        .map(|r| r.unwrap()["id"].as_str().unwrap().to_owned())
        .collect()
        .await;
    assert_eq!(ids.len(), 250);
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>().len(),
        250,
        "no object twice"
    );
    let pages = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/customers")
        .count();
    assert_eq!(pages, 3, "100 per page");
}

async fn seeded(customers: usize) -> Simulator {
    let sim = sim().await;
    sim.seed_sample_data(
        ACCOUNT,
        stripe_sim::SeedSpec {
            customers,
            rng_seed: 11,
            ..stripe_sim::SeedSpec::default()
        },
    );
    sim
}

async fn ids_of(stream: impl futures_util::Stream<Item = Result<Value, Error>>) -> Vec<String> {
    stream
        .map(|r| r.unwrap()["id"].as_str().unwrap().to_owned())
        .collect()
        .await
}

fn list_queries(sim: &Simulator, path: &str) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.path == path)
        .map(|r| r.query)
        .collect()
}

#[tokio::test]
async fn ending_before_walks_200_items_backward_and_never_sends_both_cursors() {
    let sim = seeded(250).await;
    let c = client(&sim);
    let a = auth(KEY);
    let forward = ids_of(c.list::<Value>(&a, "/v1/customers", Params::new())).await;
    assert_eq!(forward.len(), 250);
    sim.clear_requests();

    // Newest first, so the 200 before forward[200] are forward[0..200]; going
    // backward they come nearest the cursor first, as in stripe-node.
    let backward = ids_of(c.list::<Value>(
        &a,
        "/v1/customers",
        Params::new().text("ending_before", &forward[200]),
    ))
    .await;
    let want: Vec<String> = forward[..200].iter().rev().cloned().collect();
    assert_eq!(backward, want);
    let queries = list_queries(&sim, "/v1/customers");
    assert_eq!(queries.len(), 2, "{queries:?}");
    for q in &queries {
        assert!(
            !(q.contains("starting_after") && q.contains("ending_before")),
            "{q}"
        );
        assert!(q.contains("ending_before="), "{q}");
    }

    // Asking for both is refused before anything is sent, in Stripe's words.
    sim.clear_requests();
    let both = c
        .list::<Value>(
            &a,
            "/v1/customers",
            Params::new()
                .text("starting_after", &forward[10])
                .text("ending_before", &forward[5]),
        )
        .collect::<Vec<_>>()
        .await;
    let err = AppError::from(both.into_iter().next().unwrap().unwrap_err());
    assert_eq!(
        err.message,
        "You may only specify one of these parameters: ending_before, starting_after."
    );
    assert!(list_queries(&sim, "/v1/customers").is_empty());
}

#[tokio::test]
async fn a_list_keeps_the_callers_page_size() {
    let sim = seeded(20).await;
    let c = client(&sim);
    let got = ids_of(c.list::<Value>(
        &auth(KEY),
        "/v1/customers",
        Params::new().text("limit", "7"),
    ))
    .await;
    assert_eq!(got.len(), 20);
    let queries = list_queries(&sim, "/v1/customers");
    assert_eq!(queries.len(), 3, "7 + 7 + 6: {queries:?}");
    assert!(queries.iter().all(|q| q.contains("limit=7")), "{queries:?}");
}

#[tokio::test]
async fn a_search_pages_by_next_page_over_two_pages() {
    let sim = sim().await;
    let c = client(&sim);
    let a = auth(KEY);
    let mut created = BTreeSet::new();
    for i in 0..15 {
        let customer = c
            .send(
                &a,
                &Request::post("/v1/customers").params(
                    Params::new()
                        .text("name", "Pat Pager")
                        .text("email", format!("pat{i}@example.com")),
                ),
            )
            .await
            .unwrap();
        created.insert(customer["id"].as_str().unwrap().to_owned());
    }
    c.send(
        &a,
        &Request::post("/v1/customers").params(Params::new().text("name", "Someone Else")),
    )
    .await
    .unwrap();
    sim.clear_requests();
    let found = ids_of(
        c.search::<Value>(
            &a,
            "/v1/customers/search",
            Params::new()
                .text("query", "name:'Pat Pager'")
                .text("limit", "10"),
        ),
    )
    .await;
    assert_eq!(found.len(), 15);
    assert_eq!(found.into_iter().collect::<BTreeSet<_>>(), created);
    let queries = list_queries(&sim, "/v1/customers/search");
    assert_eq!(queries.len(), 2, "{queries:?}");
    assert!(queries[1].contains("page="), "{}", queries[1]);
    assert!(
        queries.iter().all(|q| !q.contains("starting_after")),
        "{queries:?}"
    );
    let statuses = attempts(&sim, "/v1/customers/search");
    assert_eq!(statuses, [200, 200]);
}

#[tokio::test]
async fn answers_and_errors_keep_stripes_request_id() {
    let sim = sim().await;
    let c = client(&sim);
    let a = auth(KEY);
    let ok = c
        .send_full(&a, &Request::get("/v1/customers"))
        .await
        .unwrap();
    assert_eq!(ok.status, 200);
    assert!(ok.request_id.as_deref().unwrap().starts_with("req_"));
    assert!(!ok.idempotent_replayed);
    assert_eq!(ok.body["object"], "list");

    let create = Request::post("/v1/customers")
        .params(Params::new().text("name", "Once"))
        .idempotency_key(desk_core::stripe::IdempotencyKey::new("desk_test_replay_1").unwrap());
    let first = c.send_full(&a, &create).await.unwrap();
    let again = c.send_full(&a, &create).await.unwrap();
    assert!(!first.idempotent_replayed);
    assert!(again.idempotent_replayed);
    assert_eq!(first.body["id"], again.body["id"]);
    assert_ne!(first.request_id, again.request_id);

    let err = c
        .send(&a, &Request::get("/v1/customers/cus_nobody"))
        .await
        .unwrap_err();
    let request_id = err.request_id().unwrap().to_owned();
    assert!(request_id.starts_with("req_"));
    let Error::Stripe { error, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        error.request_log_url.as_deref(),
        Some(format!("https://dashboard.stripe.com/test/logs/{request_id}").as_str())
    );
    let app = AppError::from(err);
    assert_eq!(app.request_id.as_deref(), Some(request_id.as_str()));
    assert_eq!(AppError::from(Error::Timeout).request_id, None);
}

#[tokio::test]
async fn a_delete_whose_answer_was_lost_after_commit_is_reported_deleted() {
    let sim = sim().await;
    let c = client(&sim);
    let a = auth(KEY);
    let id = c.send(&a, &Request::post("/v1/customers")).await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    sim.clear_requests();
    sim.fail_next(1, Failure::CommitThenDrop);
    let path = format!("/v1/customers/{id}");
    let gone = c.send(&a, &Request::delete(&path)).await.unwrap();
    assert_eq!(
        gone,
        serde_json::json!({"id": id, "object": "customer", "deleted": true})
    );
    assert_eq!(attempts(&sim, &path), [0, 404], "committed, lost, then 404");
    assert_eq!(sim.count(ACCOUNT, "customers"), 0);

    // Without a lost answer, "no such customer" is still a failure.
    let err = c.send(&a, &Request::delete(&path)).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    // A lost answer never turns a GET's 404 into anything else.
    sim.fail_next(1, Failure::DropConnection);
    let err = c
        .send(&a, &Request::get("/v1/customers/cus_never"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    // A DELETE cannot tell a lost answer before commit from one after, so
    // "no such object" about this very object after any lost answer means gone.
    sim.fail_next(1, Failure::DropConnection);
    let gone = c
        .send(&a, &Request::delete("/v1/customers/cus_never"))
        .await
        .unwrap();
    assert_eq!(gone["deleted"], true);
}

#[tokio::test]
async fn a_sync_at_the_rate_limit_earns_no_429() {
    let sim = seeded(5).await;
    sim.set_rate_limit(Some(10));
    let mut cfg = config(&sim.base_url());
    cfg.test_mode_rate = 10;
    cfg.retry.max_retries = 0;
    let c = Arc::new(StripeClient::new(cfg).unwrap());
    let mut tasks = Vec::new();
    for _ in 0..35 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            c.send(&auth(KEY), &Request::get("/v1/balance")).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let statuses = attempts(&sim, "/v1/balance");
    assert_eq!(statuses.len(), 35);
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}

fn desk(sim_base: &str, data_dir: &Path, secrets: Arc<dyn SecretStore>) -> Desk {
    let bases = Bases {
        api: sim_base.into(),
        connect: sim_base.into(),
        marketplace: sim_base.into(),
    };
    let mut cfg = DeskConfig::new(bases, data_dir.to_path_buf());
    cfg.client = config(sim_base);
    Desk::new(cfg, secrets).unwrap()
}

fn data_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("desk-core-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[tokio::test]
async fn test_connection_names_the_account_and_mode() {
    let sim = sim().await;
    let d = desk(
        &sim.base_url(),
        &data_dir("available"),
        Arc::new(MemoryStore::default()),
    );
    let t = d.test_key(&format!("  {KEY}\n")).await.unwrap();
    assert!(t.available);
    assert_eq!(
        t.headline,
        "Connection available: Domain Test Shop (acct_1DomainShop), test mode"
    );
    assert!(t.permissions.is_empty(), "a secret key may do everything");
}

#[tokio::test]
async fn test_connection_explains_each_way_it_can_fail() {
    let sim = sim().await;
    let dir = data_dir("failures");
    let d = desk(&sim.base_url(), &dir, Arc::new(MemoryStore::default()));

    let unknown = d
        .test_key("sk_test_51NeverIssued000000000000000")
        .await
        .unwrap();
    assert!(!unknown.available);
    assert!(
        unknown
            .headline
            .starts_with("Connection unavailable: Stripe does not recognise this key"),
        "{}",
        unknown.headline
    );
    assert!(
        unknown
            .request_id
            .as_deref()
            .is_some_and(|id| id.starts_with("req_")),
        "{:?}",
        unknown.request_id
    );

    let revoked_key = "sk_test_51RevokedKey00000000000000009999";
    sim.add_key(revoked_key, ACCOUNT, KeyAccess::Full);
    sim.revoke_key(revoked_key);
    let revoked = d.test_key(revoked_key).await.unwrap();
    assert!(
        revoked.headline.contains("expired or was revoked"),
        "{}",
        revoked.headline
    );

    let publishable = d.test_key("pk_test_51Whatever0000000").await.unwrap_err();
    assert_eq!(AppError::from(publishable).param.as_deref(), Some("key"));

    // Nothing listens on this port: no network.
    let closed = free_port();
    let offline = desk(
        &format!("http://127.0.0.1:{closed}"),
        &dir,
        Arc::new(MemoryStore::default()),
    );
    let t = offline.test_key(KEY).await.unwrap();
    assert_eq!(t.headline, "Connection unavailable: Could not reach Stripe. Check your internet connection and try again.");

    // Stripe too slow: timeout.
    sim.set_latency(Duration::from_millis(1500));
    let mut slow_cfg = DeskConfig::new(
        Bases {
            api: sim.base_url(),
            ..Bases::default()
        },
        dir.clone(),
    );
    slow_cfg.client = config(&sim.base_url());
    slow_cfg.client.timeout = Duration::from_millis(300);
    slow_cfg.client.retry.max_retries = 0;
    let slow = Desk::new(slow_cfg, Arc::new(MemoryStore::default())).unwrap();
    let t = slow.test_key(KEY).await.unwrap();
    assert_eq!(t.headline, "Connection unavailable: Stripe did not answer in time. Check your internet connection and try again.");
}

#[tokio::test]
async fn a_restricted_key_gets_a_checklist_naming_missing_permissions() {
    let sim = sim().await;
    let rk = "rk_test_51RestrictedKey000000000001111";
    let allowed: BTreeSet<String> = ["rak_customer_read", "rak_product_read", "rak_balance_read"]
        .map(String::from)
        .into();
    sim.add_key(rk, ACCOUNT, KeyAccess::Restricted(allowed));
    let d = desk(
        &sim.base_url(),
        &data_dir("restricted"),
        Arc::new(MemoryStore::default()),
    );
    let t = d.test_key(rk).await.unwrap();
    assert!(t.available, "{}", t.headline);
    let state = |label: &str| {
        t.permissions
            .iter()
            .find(|p| p.label == label)
            .unwrap_or_else(|| panic!("{label}"))
            .clone()
    };
    assert_eq!(state("Read customers").state, PermissionState::Allowed);
    assert_eq!(state("Read products").state, PermissionState::Allowed);
    assert_eq!(state("Read balance").state, PermissionState::Allowed);
    let subs = state("Read subscriptions");
    assert_eq!(subs.state, PermissionState::Denied);
    // In the Dashboard's words, not Stripe's permission name.
    assert_eq!(
        subs.detail.as_deref(),
        Some("Not allowed: the key needs Subscriptions: Read")
    );
    assert_eq!(
        state("Read balance transactions").state,
        PermissionState::Denied
    );
    assert_eq!(
        state("Create and update customers").state,
        PermissionState::CheckedWhenUsed
    );
}

#[tokio::test]
async fn the_key_guide_names_what_a_read_only_key_lacks_for_what_the_person_chose() {
    let sim = sim().await;
    let read_only = "rk_test_51GuideReadOnly00000000000001111";
    let reads: BTreeSet<String> = [
        "rak_customer_read",
        "rak_product_read",
        "rak_balance_read",
        "rak_balance_transaction_source_read",
    ]
    .map(String::from)
    .into();
    sim.add_key(read_only, ACCOUNT, KeyAccess::Restricted(reads));
    let d = desk(
        &sim.base_url(),
        &data_dir("key-guide"),
        Arc::new(MemoryStore::default()),
    );
    let goals = [KeyGoal::CustomersAndProducts, KeyGoal::BalancesAndReports];
    let check = d
        .connections()
        .check_key_for(read_only, &goals)
        .await
        .unwrap();
    assert!(check.test.available, "{}", check.test.headline);
    assert_eq!(
        check.missing,
        [
            "This key cannot create customers or update customers: set Customers to Write.",
            "This key cannot create products: set Products to Write.",
            "This key cannot see your payouts: set Payouts to Read.",
        ]
    );
    assert!(!check.ready);
    // Asking created nothing.
    assert_eq!(sim.count(ACCOUNT, "customers"), 0);
    assert_eq!(sim.count(ACCOUNT, "products"), 0);

    // The key with what the list says is ready.
    let right = "rk_test_51GuideRightKey000000000000002222";
    let wanted: BTreeSet<String> = permissions_for(&goals)
        .iter()
        .map(|p| match (p.resource.as_str(), p.level) {
            ("Customers", AccessLevel::Write) => "rak_customer_write",
            ("Products", AccessLevel::Write) => "rak_product_write",
            ("Balance", AccessLevel::Read) => "rak_balance_read",
            ("Balance transaction sources", AccessLevel::Read) => {
                "rak_balance_transaction_source_read"
            }
            ("Payouts", AccessLevel::Read) => "rak_payout_read",
            other => panic!("not in this test: {other:?}"),
        })
        .map(String::from)
        .collect();
    sim.add_key(right, ACCOUNT, KeyAccess::Restricted(wanted));
    let check = d.connections().check_key_for(right, &goals).await.unwrap();
    assert_eq!(check.missing, Vec::<String>::new());
    assert!(check.ready, "{check:?}");

    // Connect permissions are Stripe's to check when an account is chosen.
    let connect = d
        .connections()
        .check_key_for(right, &[KeyGoal::ConnectedAccounts])
        .await
        .unwrap();
    assert_eq!(
        connect.later,
        ["Set All Connect resources to Read: Stripe checks it only when you choose a connected account."]
    );
    // Without it, choosing a connected account is refused at the field, in
    // the key editor's words.
    sim.add_account("acct_1GuideConnected", "Guide Connected Cafe");
    sim.connect_account(ACCOUNT, "acct_1GuideConnected");
    let saved = d.save_key_connection(right, false).await.unwrap();
    let refused = AppError::from(
        d.set_account_override(&saved.id, Some("acct_1GuideConnected"))
            .await
            .unwrap_err(),
    );
    assert_eq!(refused.param.as_deref(), Some("accountId"));
    assert!(
        refused
            .message
            .contains("it needs All Connect resources: Read"),
        "{}",
        refused.message
    );
    assert_eq!(d.list_connections().connections[0].revoked, None);
    // A secret key may do everything.
    let secret = d.connections().check_key_for(KEY, &goals).await.unwrap();
    assert!(secret.ready && secret.missing.is_empty());
    // Text that is no key is refused at the field.
    let err = d
        .connections()
        .check_key_for("pk_test_123", &goals)
        .await
        .unwrap_err();
    assert_eq!(AppError::from(err).param.as_deref(), Some("key"));
}

#[tokio::test]
async fn saved_connections_survive_a_restart_and_leave_no_secret_on_disk() {
    let sim = sim().await;
    let dir = data_dir("saved");
    let keyring: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let d = desk(&sim.base_url(), &dir, keyring.clone());
    let saved = d.save_key_connection(KEY, false).await.unwrap();
    assert_eq!(saved.masked_key.as_deref(), Some("sk_test_...1234"));
    assert_eq!(saved.display_name, "Domain Test Shop");
    assert!(keyring
        .get(&format!("connection/{}", saved.id))
        .unwrap()
        .is_some());

    // Saving the same account's key again replaces it rather than duplicating.
    d.save_key_connection(KEY, false).await.unwrap();
    assert_eq!(d.list_connections().connections.len(), 1);

    let again = desk(&sim.base_url(), &dir, keyring.clone());
    let view = again.list_connections();
    assert_eq!(view.active_id.as_deref(), Some(saved.id.as_str()));
    assert!(again.test_connection(&saved.id).await.unwrap().available);

    let on_disk = std::fs::read_to_string(dir.join("connections.json")).unwrap();
    assert!(!on_disk.contains(KEY));
    assert!(on_disk.contains("sk_test_...1234"));

    let view = again.remove_connection(&saved.id).await.unwrap();
    assert!(view.connections.is_empty());
    assert!(keyring
        .get(&format!("connection/{}", saved.id))
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_revoked_key_marks_the_connection_and_keeps_it() {
    let sim = sim().await;
    let key = "sk_test_51WillBeRevoked000000000000005555";
    sim.add_key(key, ACCOUNT, KeyAccess::Full);
    let d = desk(
        &sim.base_url(),
        &data_dir("revoked"),
        Arc::new(MemoryStore::default()),
    );
    let saved = d.save_key_connection(key, false).await.unwrap();
    sim.revoke_key(key);
    let err = d
        .call(&saved.id, &Request::get("/v1/customers"))
        .await
        .unwrap_err();
    assert!(err.is_revoked());
    let view = d.list_connections();
    assert_eq!(
        view.connections[0].revoked.as_deref(),
        Some("Disconnected by Stripe: reconnect")
    );
}

#[tokio::test]
async fn a_bad_key_or_missing_keyring_refuses_to_save_with_a_reason() {
    struct NoKeyring;
    impl SecretStore for NoKeyring {
        fn put(&self, _: &str, _: &Secret) -> Result<(), Error> {
            Err(Error::Keyring("no keyring service is running".into()))
        }
        fn get(&self, _: &str) -> Result<Option<Secret>, Error> {
            Ok(None)
        }
        fn delete(&self, _: &str) -> Result<(), Error> {
            Ok(())
        }
        fn status(&self) -> KeyringStatus {
            KeyringStatus {
                available: false,
                problem: Some("no keyring service is running".into()),
            }
        }
    }
    let sim = sim().await;
    let dir = data_dir("nokeyring");
    let d = desk(&sim.base_url(), &dir, Arc::new(NoKeyring));
    let err = AppError::from(d.save_key_connection(KEY, false).await.unwrap_err());
    assert_eq!(err.code, "keyring_unavailable");
    assert!(err.message.contains("session only"), "{}", err.message);

    // Session only: usable now, never written to disk.
    let s = d.save_key_connection(KEY, true).await.unwrap();
    assert!(s.session_only);
    assert!(d.test_connection(&s.id).await.unwrap().available);
    assert!(!std::fs::read_to_string(dir.join("connections.json"))
        .unwrap_or_default()
        .contains(&s.id));

    let bad = AppError::from(
        d.save_key_connection("sk_test_51NeverIssued000000000000000", true)
            .await
            .unwrap_err(),
    );
    assert_eq!(bad.code, "connection_unavailable");
    assert_eq!(bad.param.as_deref(), Some("key"));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn a_restricted_key_for_a_saved_account_asks_before_replacing_the_full_access_one() {
    use desk_core::views::{SaveKeyOutcome, WhenAlreadySaved};
    let sim = sim().await;
    let restricted = "rk_test_51DomainReadOnly000000000000001111";
    sim.add_key(
        restricted,
        ACCOUNT,
        KeyAccess::Restricted(BTreeSet::from(["rak_customer_read".to_owned()])),
    );
    let keyring: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let d = desk(&sim.base_url(), &data_dir("replace-ask"), keyring.clone());
    let full = d.save_key_connection(KEY, false).await.unwrap();

    // The very same key again only refreshes: nothing to ask.
    let again = d
        .save_key_as(KEY, false, WhenAlreadySaved::Ask)
        .await
        .unwrap();
    assert!(matches!(again, SaveKeyOutcome::Saved { connection } if connection.id == full.id));

    // A different key of the same account asks first, and saves nothing.
    let asked = d
        .save_key_as(restricted, false, WhenAlreadySaved::Ask)
        .await
        .unwrap();
    let SaveKeyOutcome::AlreadySaved { existing, question } = asked else {
        panic!("saving a restricted key over a full-access one must ask first");
    };
    assert_eq!(existing.id, full.id);
    assert!(
        question.contains("full-access key (sk_test_...1234)")
            && question.contains("restricted key (rk_test_...1111)")
            && question.contains("Domain Test Shop"),
        "{question}"
    );
    let view = d.list_connections();
    assert_eq!(view.connections.len(), 1);
    assert!(!view.connections[0].restricted, "the full-access key stays");
    assert_eq!(
        keyring
            .get(&format!("connection/{}", full.id))
            .unwrap()
            .unwrap()
            .expose(),
        KEY
    );

    // Keep both: two connections, each named by what its key can do.
    let SaveKeyOutcome::Saved { connection: second } = d
        .save_key_as(restricted, false, WhenAlreadySaved::KeepBoth)
        .await
        .unwrap()
    else {
        panic!("keep both saves");
    };
    assert_ne!(second.id, full.id);
    assert_eq!(second.display_name, "Domain Test Shop (restricted key)");
    assert_eq!(d.list_connections().connections.len(), 2);
    assert!(d.test_connection(&full.id).await.unwrap().available);

    // Replace, asked for: the saved connection takes the new key.
    d.remove_connection(&second.id).await.unwrap();
    let SaveKeyOutcome::Saved {
        connection: replaced,
    } = d
        .save_key_as(restricted, false, WhenAlreadySaved::Replace)
        .await
        .unwrap()
    else {
        panic!("replace saves");
    };
    assert_eq!(replaced.id, full.id);
    assert!(replaced.restricted);
    assert_eq!(d.list_connections().connections.len(), 1);
}

#[tokio::test]
async fn a_mistyped_connected_account_is_refused_at_the_field_and_a_real_disconnection_says_so() {
    let sim = sim().await;
    sim.add_account("acct_1ConnectedCafe", "Connected Cafe");
    sim.connect_account(ACCOUNT, "acct_1ConnectedCafe");
    let d = desk(
        &sim.base_url(),
        &data_dir("override-check"),
        Arc::new(MemoryStore::default()),
    );
    let saved = d.save_key_connection(KEY, false).await.unwrap();

    // A mistyped ID: Stripe's 403 reads as "no such connected account" at
    // the field, nothing is stored, and the connection is not marked revoked.
    let err = d
        .set_account_override(&saved.id, Some("acct_1ConnectedCaf"))
        .await
        .unwrap_err();
    let shown = AppError::from(err);
    assert_eq!(shown.code, "no_such_connected_account");
    assert_eq!(shown.param.as_deref(), Some("accountId"));
    assert!(
        shown.message.starts_with("No such connected account"),
        "{}",
        shown.message
    );
    let view = d.list_connections();
    assert_eq!(view.connections[0].account_override, None);
    assert_eq!(view.connections[0].revoked, None);

    // The real one: kept, with the name Stripe gives it.
    let view = d
        .set_account_override(&saved.id, Some("acct_1ConnectedCafe"))
        .await
        .unwrap();
    let c = &view.connections[0];
    assert_eq!(c.account_override.as_deref(), Some("acct_1ConnectedCafe"));
    assert_eq!(c.account_override_name.as_deref(), Some("Connected Cafe"));

    // Later the account leaves the platform: the card says which account
    // left, not that the key stopped working.
    sim.disconnect_account(ACCOUNT, "acct_1ConnectedCafe");
    let err = d
        .call(&saved.id, &Request::get("/v1/customers"))
        .await
        .unwrap_err();
    assert!(err.is_revoked());
    let revoked = d.list_connections().connections[0].revoked.clone().unwrap();
    assert!(
        revoked.contains("can no longer act for the connected account acct_1ConnectedCafe"),
        "{revoked}"
    );
    // Working in its own account again ends that state.
    let view = d.set_account_override(&saved.id, None).await.unwrap();
    assert_eq!(view.connections[0].revoked, None);
    assert!(d.test_connection(&saved.id).await.unwrap().available);
}
