//! Activity against the simulator over real HTTP: polling while events
//! arrive late and out of order (nothing missed, nothing twice), catching
//! up after days closed and after more than Stripe's 30 days, a
//! disconnection, a key without permission to read events, Balances kept
//! up to date by what is heard, the feed (all accounts, filters, search,
//! keyset pages), unread counts, notifications, settings and the poller.

use desk_core::activity::{
    ActivityKind, ActivityPoller, ActivitySettings, FeedLine, FeedQuery, FollowProblem,
    NotificationChoices, NotificationKind, PollReport,
};
use desk_core::connections::secret_store::MemoryStore;
use desk_core::desk::{Desk, DeskConfig};
use desk_core::stripe::ClientConfig;
use desk_core::views::{Mode, OAuthProvider, OAuthSettingsForm, RedirectKind};
use desk_core::{Bases, Secret};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stripe_sim::{KeyAccess, OAuthKind, Payment, SeedSpec, SimConfig, Simulator, Trigger};

const KEY: &str = "sk_test_51ActivityShop000000000000000001";
const ACCOUNT: &str = "acct_1ActivityShop";
const OTHER_KEY: &str = "sk_test_51SecondShop0000000000000000002";
const OTHER: &str = "acct_1SecondShop";
const DAY: u64 = 86_400;

async fn sim() -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(ACCOUNT, "Activity Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim.add_account(OTHER, "Second Shop");
    sim.add_key(OTHER_KEY, OTHER, KeyAccess::Full);
    sim
}

/// A Desk on the simulator whose clock is the simulator's (so moving the
/// simulator's clock on is the app being closed that long).
fn desk_with(sim: &Simulator, dir: &Path, tick: Option<Duration>) -> Desk {
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
    client.timeout = Duration::from_secs(10);
    client.test_mode_rate = 1000;
    client.live_mode_rate = 1000;
    cfg.client = client;
    let clock = sim.clone();
    cfg.activity.clock = Arc::new(move || clock.now());
    cfg.activity.tick = tick;
    Desk::new(cfg, Arc::new(MemoryStore::default())).unwrap()
}

fn desk(sim: &Simulator, dir: &Path) -> Desk {
    desk_with(sim, dir, None)
}

async fn connect(d: &Desk, key: &str) -> String {
    d.save_key_connection(key, false).await.unwrap().id
}

fn paid(amount: i64, currency: &str, name: &str) -> Trigger {
    Trigger::PaymentSucceeded(Payment::new(amount, currency).by(name))
}

/// Every line of a feed, walked page by page as the window scrolls.
async fn walk(d: &Desk, mut q: FeedQuery) -> Vec<FeedLine> {
    let mut out: Vec<FeedLine> = Vec::new();
    loop {
        let page = d.activity_feed(q.clone()).await.unwrap();
        let more = page.has_more;
        if let Some(last) = page.lines.last() {
            q.after = Some(last.cursor.clone());
        }
        out.extend(page.lines);
        if !more {
            return out;
        }
    }
}

fn feed(connection: Option<&str>) -> FeedQuery {
    FeedQuery {
        connection_id: connection.map(str::to_string),
        limit: 50,
        time_zone: Some("Europe/Paris".into()),
        ..FeedQuery::default()
    }
}

fn ids(lines: &[FeedLine]) -> Vec<String> {
    lines.iter().map(|l| l.event_id.clone()).collect()
}

/// Every event of the account Stripe still lists (the last 30 days).
fn stripe_ids(sim: &Simulator, account: &str) -> BTreeSet<String> {
    let oldest = sim.now() - 30 * DAY as i64;
    sim.events(account, false)
        .iter()
        .filter(|e| e["created"].as_i64().unwrap() >= oldest)
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

fn event_lists(sim: &Simulator) -> Vec<stripe_sim::RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(|r| r.path == "/v1/events")
        .collect()
}

fn problem(r: &PollReport, id: &str) -> Option<FollowProblem> {
    r.account(id).unwrap().problem
}

#[tokio::test]
async fn polling_while_events_arrive_late_and_out_of_order_misses_none_and_keeps_each_once() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let id = connect(&d, KEY).await;
    // Each event appears up to 2.5 s after it was made (Stripe's lag).
    sim.set_event_delay(Duration::from_millis(2500));
    sim.trigger(ACCOUNT, false, paid(100, "usd", "First Customer"));
    tokio::time::sleep(Duration::from_millis(2600)).await;
    d.activity_poll_all().await;

    let producer = {
        let sim = sim.clone();
        tokio::spawn(async move {
            for i in 0..60 {
                let t = if i % 7 == 0 {
                    Trigger::PaymentFailed(
                        Payment::new(4000 + i, "usd").email("acme@example.com"),
                        "card_declined".into(),
                    )
                } else {
                    paid(1000 + i, "eur", "Jane Cooper")
                };
                sim.trigger(ACCOUNT, false, t);
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
        })
    };
    // When each event was first stored, by poll, to show some came late.
    let mut first_seen: HashMap<String, (usize, i64)> = HashMap::new();
    let mut polls = 0;
    let mut record = |lines: &[FeedLine], poll: usize| {
        for l in lines {
            first_seen
                .entry(l.event_id.clone())
                .or_insert((poll, l.created));
        }
    };
    while !producer.is_finished() {
        let r = d.activity_poll_all().await;
        assert_eq!(problem(&r, &id), None, "{r:?}");
        polls += 1;
        record(&walk(&d, feed(Some(&id))).await, polls);
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    // Once the last event has had time to appear, one more poll.
    tokio::time::sleep(Duration::from_millis(2600)).await;
    d.activity_poll_all().await;
    polls += 1;
    let lines = walk(&d, feed(Some(&id))).await;
    record(&lines, polls);
    assert!(polls >= 5, "polled while events arrived ({polls} polls)");

    let stored = ids(&lines);
    let unique: BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(unique.len(), stored.len(), "an event stored twice");
    assert_eq!(unique, stripe_ids(&sim, ACCOUNT), "an event missed");
    assert_eq!(stored.len(), 3 + 60 * 3);
    // Newest first.
    assert!(lines.windows(2).all(|w| w[0].created >= w[1].created));
    // Some events were first stored by a poll after one that had already
    // stored a newer event: they came late, and were not missed.
    let late = first_seen
        .values()
        .any(|(poll, created)| first_seen.values().any(|(p, c)| p < poll && c > created));
    assert!(late, "the test did not make any event appear late");
    // Never a cursor by event ID across polls: every request that starts a
    // walk asks by `created[gte]`.
    for r in event_lists(&sim) {
        assert!(
            r.query.contains("created%5Bgte%5D=") || r.query.contains("created[gte]="),
            "{}",
            r.query
        );
        assert!(!r.query.contains("ending_before"), "{}", r.query);
    }
}

#[tokio::test]
async fn after_three_days_closed_everything_missed_is_fetched() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let id = connect(&d, KEY).await;
    sim.trigger(ACCOUNT, false, paid(1250, "eur", "Jane Cooper"));
    let first = d.activity_poll_all().await;
    assert_eq!(first.account(&id).unwrap().new_events, 3);
    assert_eq!(
        first.unread.total, 0,
        "what the first poll brings is history"
    );

    // Closed for three days, while the shop kept trading.
    sim.advance_clock(Duration::from_secs(3 * DAY));
    sim.seed_events(ACCOUNT, 1_500, Duration::from_secs(3 * DAY), 3);
    let back = d.activity_poll_all().await;
    let acct = back.account(&id).unwrap();
    assert_eq!(acct.problem, None, "{acct:?}");
    assert_eq!(acct.new_events, 1_500);
    assert!(acct.requests >= 15, "every page: {}", acct.requests);
    assert_eq!(back.unread.total, 1_500);
    let stored: BTreeSet<String> = ids(&walk(&d, feed(Some(&id))).await).into_iter().collect();
    assert_eq!(stored, stripe_ids(&sim, ACCOUNT));
    assert!(
        d.activity_feed(feed(None))
            .await
            .unwrap()
            .notices
            .is_empty(),
        "three days is within what Stripe keeps"
    );
    let read = d.activity_mark_read(None).await.unwrap();
    assert_eq!(read.total, 0);
}

#[tokio::test]
async fn after_forty_days_closed_the_gap_is_said_plainly_and_old_events_stay() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let id = connect(&d, KEY).await;
    sim.trigger(ACCOUNT, false, paid(1250, "eur", "Jane Cooper"));
    d.activity_poll_all().await;
    let before: BTreeSet<String> = ids(&walk(&d, feed(Some(&id))).await).into_iter().collect();
    assert_eq!(before.len(), 3);

    sim.advance_clock(Duration::from_secs(40 * DAY));
    sim.seed_events(ACCOUNT, 900, Duration::from_secs(40 * DAY), 4);
    let back = d.activity_poll_all().await;
    let acct = back.account(&id).unwrap();
    assert_eq!(acct.problem, Some(FollowProblem::Gap));
    let message = acct.message.clone().unwrap();
    assert!(
        message.starts_with("Stripe keeps events for 30 days"),
        "{message}"
    );
    assert!(message.contains("is not in Activity"), "{message}");
    // Everything Stripe still has, and what was stored 40 days ago.
    let stored: BTreeSet<String> = ids(&walk(&d, feed(Some(&id))).await).into_iter().collect();
    let mut want = stripe_ids(&sim, ACCOUNT);
    want.extend(before);
    assert_eq!(stored, want);
    assert!(stored.len() < 903, "older seeded events are gone at Stripe");

    let notices = d.activity_feed(feed(None)).await.unwrap().notices;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].problem, FollowProblem::Gap);
    assert_eq!(notices[0].message, message);
    d.activity_dismiss_gap(&id).await.unwrap();
    assert!(d
        .activity_feed(feed(None))
        .await
        .unwrap()
        .notices
        .is_empty());
    // The next poll is an ordinary one.
    let next = d.activity_poll_all().await;
    assert_eq!(problem(&next, &id), None);
}

const PLATFORM_KEY: &str = "sk_test_51ActivityPlatform0000000000777";
const PLATFORM: &str = "acct_1ActivityPlatform";
const CONNECT_CLIENT: &str = "ca_ActivityTestClient";
const BAKERY: &str = "acct_1CornerBakery";

/// A Connect OAuth connection to the bakery, through Stripe's pages.
async fn connect_with_stripe(sim: &Simulator, d: &Desk) -> String {
    sim.add_account(PLATFORM, "Activity Platform");
    sim.add_key(PLATFORM_KEY, PLATFORM, KeyAccess::Full);
    sim.add_oauth_client(CONNECT_CLIENT, PLATFORM_KEY, OAuthKind::Connect);
    sim.add_account(BAKERY, "Corner Bakery");
    sim.set_oauth_decision(stripe_sim::OAuthDecision::Approve {
        account_id: BAKERY.into(),
    });
    d.save_oauth_settings(OAuthSettingsForm {
        provider: OAuthProvider::Connect,
        client_id: CONNECT_CLIENT.into(),
        client_secret: Some(Secret::new(PLATFORM_KEY)),
        scope: "read_only".into(),
        redirect: RedirectKind::AppLink,
        forwarding_page: None,
    })
    .await
    .unwrap();
    let start = d.start_oauth().await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http.get(&start.authorize_url).send().await.unwrap();
    let link = answer.headers()["location"].to_str().unwrap().to_owned();
    d.finish_oauth(&link).await;
    let view = d.list_connections();
    view.connections
        .iter()
        .find(|c| c.account_id == BAKERY)
        .expect("connected")
        .id
        .clone()
}

fn revoked(d: &Desk, id: &str) -> Option<String> {
    d.list_connections()
        .connections
        .into_iter()
        .find(|c| c.id == id)
        .unwrap()
        .revoked
}

#[tokio::test]
async fn a_deauthorization_event_marks_the_connection_at_once_and_keeps_its_activity() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let id = connect_with_stripe(&sim, &d).await;
    sim.trigger(BAKERY, false, paid(450, "eur", "Jane Cooper"));
    let r = d.activity_poll_all().await;
    assert_eq!(r.account(&id).unwrap().new_events, 3, "{r:?}");

    // Stripe's event that the bakery disconnected this app, read before
    // the access ends.
    sim.trigger(
        BAKERY,
        false,
        Trigger::ApplicationDeauthorized {
            client_id: CONNECT_CLIENT.into(),
            name: "Activity Platform".into(),
        },
    );
    let r = d.activity_poll_all().await;
    assert_eq!(problem(&r, &id), Some(FollowProblem::Disconnected));
    assert_eq!(
        revoked(&d, &id).as_deref(),
        Some("Disconnected by Stripe: reconnect")
    );
    // Its activity stays, the deauthorization line with it.
    let lines = walk(&d, feed(Some(&id))).await;
    assert_eq!(lines.len(), 4);
    let gone = lines
        .iter()
        .find(|l| l.kind == ActivityKind::Account)
        .unwrap();
    assert_eq!(
        gone.sentence,
        "Activity Platform was disconnected from this account"
    );
    let notices = d.activity_feed(feed(Some(&id))).await.unwrap().notices;
    assert_eq!(notices[0].problem, FollowProblem::Disconnected);
    // And it is not asked again.
    let asked = event_lists(&sim).len();
    let r = d.activity_poll_all().await;
    assert_eq!(r.account(&id).unwrap().requests, 0);
    assert_eq!(event_lists(&sim).len(), asked);
}

#[tokio::test]
async fn a_real_deauthorization_or_a_revoked_key_marks_the_connection_and_keeps_its_activity() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let bakery = connect_with_stripe(&sim, &d).await;
    let shop = connect(&d, KEY).await;
    sim.trigger(BAKERY, false, paid(450, "eur", "Jane Cooper"));
    sim.trigger(ACCOUNT, false, paid(990, "usd", "Olivia Smith"));
    d.activity_poll_all().await;

    // The bakery removes the platform in its Dashboard: the event goes to
    // its log, and the platform can no longer read it (403).
    sim.disconnect_account(PLATFORM, BAKERY);
    // The shop's key is rolled in the Dashboard (401).
    sim.revoke_key(KEY);
    let r = d.activity_poll_all().await;
    for id in [&bakery, &shop] {
        assert_eq!(problem(&r, id), Some(FollowProblem::Disconnected), "{r:?}");
        assert_eq!(
            revoked(&d, id).as_deref(),
            Some("Disconnected by Stripe: reconnect")
        );
        assert_eq!(walk(&d, feed(Some(id))).await.len(), 3, "kept");
    }
    assert_eq!(walk(&d, feed(None)).await.len(), 6);
}

#[tokio::test]
async fn a_key_without_permission_to_read_events_gets_one_sentence_and_no_retry_loop() {
    let sim = sim().await;
    let rk = "rk_test_51NoEventsKey00000000000000003333";
    sim.add_key(
        rk,
        ACCOUNT,
        KeyAccess::Restricted(BTreeSet::from([
            "rak_customer_read".to_string(),
            "rak_balance_read".to_string(),
        ])),
    );
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let id = connect(&d, rk).await;
    let r = d.activity_poll_all().await;
    assert_eq!(problem(&r, &id), Some(FollowProblem::NeedsPermission));
    let message = r.account(&id).unwrap().message.clone().unwrap();
    assert_eq!(
        message,
        "This key is not allowed to read events, so Activity cannot follow Activity Shop. In the Stripe Dashboard, edit the restricted key and set Events to Read, then try again."
    );
    assert!(!message.contains("rak_"));
    assert_eq!(event_lists(&sim).len(), 1);
    for _ in 0..3 {
        let r = d.activity_poll_all().await;
        assert_eq!(problem(&r, &id), Some(FollowProblem::NeedsPermission));
    }
    assert_eq!(event_lists(&sim).len(), 1, "not asked again");
    let notices = d.activity_feed(feed(None)).await.unwrap().notices;
    assert_eq!(notices[0].message, message);
    // The person edits the key in the Dashboard, then asks again.
    sim.add_key(rk, ACCOUNT, KeyAccess::Full);
    d.activity_retry(&id);
    let r = d.activity_poll_all().await;
    assert_eq!(problem(&r, &id), None);
    assert_eq!(event_lists(&sim).len(), 2);
}

#[tokio::test]
async fn money_moving_starts_an_incremental_balances_sync_when_there_is_a_copy() {
    let sim = sim().await;
    sim.seed_sample_data(
        ACCOUNT,
        SeedSpec {
            balance_transactions: 300,
            rng_seed: 5,
            ..SeedSpec::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let shop = connect(&d, KEY).await;
    let other = connect(&d, OTHER_KEY).await;
    d.balances_sync(&shop, |_| {}).await.unwrap();
    let before = d.balances_status(&shop).await.unwrap().transactions;
    d.activity_poll_all().await;

    sim.add_recent_balance_transactions(ACCOUNT, 25, Duration::from_secs(1), 9);
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PayoutPaid {
            amount: 12_300,
            currency: "usd".into(),
        },
    );
    sim.trigger(
        OTHER,
        false,
        Trigger::PayoutPaid {
            amount: 500,
            currency: "usd".into(),
        },
    );
    let r = d.activity_poll_all().await;
    assert!(r.account(&shop).unwrap().balances_synced);
    // The 25 new ones and the payout's own transaction.
    assert_eq!(
        d.balances_status(&shop).await.unwrap().transactions,
        before + 26
    );
    // No copy, no sync (and none made).
    assert!(!r.account(&other).unwrap().balances_synced);
    assert!(!dir
        .path()
        .join("balances")
        .join(format!("{OTHER}-test.sqlite3"))
        .exists());
    // Heard again later: nothing new, nothing synced.
    let again = d.activity_poll_all().await;
    assert!(!again.account(&shop).unwrap().balances_synced);
}

#[tokio::test]
async fn the_feed_reads_every_account_in_sentences_with_filters_search_and_keyset_pages() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let shop = connect(&d, KEY).await;
    let second = connect(&d, OTHER_KEY).await;
    d.activity_poll_all().await;

    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PaymentSucceeded(
            Payment::new(1250, "eur")
                .by("Jane Cooper")
                .email("jane@example.com"),
        ),
    );
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PaymentFailed(
            Payment::new(4000, "usd").email("acme@example.com"),
            "card_declined".into(),
        ),
    );
    let c = desk_core::stripe::StripeClient::new(ClientConfig::new(sim.base_url(), sim.base_url()))
        .unwrap();
    let auth = desk_core::stripe::Auth {
        secret: Secret::new(KEY),
        mode: Mode::Test,
        stripe_account: None,
    };
    c.send(
        &auth,
        &desk_core::stripe::Request::post("/v1/customers").params(
            desk_core::stripe::Params::new()
                .text("name", "Jane Cooper")
                .text("email", "jane@example.com"),
        ),
    )
    .await
    .unwrap();
    sim.trigger(
        OTHER,
        false,
        Trigger::PayoutCreated {
            amount: 123_400,
            currency: "eur".into(),
            arrival_days: 2,
        },
    );
    sim.trigger(
        OTHER,
        false,
        Trigger::DisputeOpened(Payment::new(5000, "usd")),
    );
    let r = d.activity_poll_all().await;
    assert_eq!(r.new_events(), 3 + 3 + 1 + 1 + 2);
    assert_eq!(r.unread.total, 10);

    let all = walk(&d, feed(None)).await;
    assert_eq!(all.len(), 10);
    assert!(
        all.windows(2).all(|w| w[0].cursor >= w[1].cursor),
        "newest first"
    );
    let sentences: Vec<&str> = all.iter().map(|l| l.sentence.as_str()).collect();
    for want in [
        "Jane Cooper paid 12.50 EUR",
        "A 40.00 USD payment from acme@example.com failed: the card was declined",
        "Customer Jane Cooper created",
    ] {
        assert!(sentences.contains(&want), "{want:?} in {sentences:#?}");
    }
    assert!(
        sentences
            .iter()
            .any(|s| s.starts_with("Payout of 1,234.00 EUR is on its way, expected ")),
        "{sentences:#?}"
    );
    assert!(
        sentences
            .iter()
            .any(|s| s.starts_with("Dispute opened on a 50.00 USD charge: respond by ")),
        "{sentences:#?}"
    );
    for l in &all {
        for bad in [
            "evt_",
            "ch_",
            "pi_",
            "cus_",
            "po_",
            "charge.",
            "payment_intent",
        ] {
            assert!(!l.sentence.contains(bad), "{bad} in {:?}", l.sentence);
        }
        let (name, conn) = if l.connection_id == shop {
            ("Activity Shop", &shop)
        } else {
            ("Second Shop", &second)
        };
        assert_eq!((&l.account_name[..], &l.connection_id), (name, conn));
        assert_eq!(l.mode, Mode::Test);
        assert!(l.unread);
        assert!(
            l.dashboard_url
                .starts_with("https://dashboard.stripe.com/test/"),
            "{}",
            l.dashboard_url
        );
    }
    let jane = all
        .iter()
        .find(|l| l.sentence == "Jane Cooper paid 12.50 EUR")
        .unwrap();
    assert!(matches!(
        &jane.in_app,
        Some(desk_core::activity::InAppLink::BalanceTransaction { transaction_id, source_id }) if transaction_id.starts_with("txn_") && source_id.starts_with("ch_")
    ));
    let customer = all
        .iter()
        .find(|l| l.sentence == "Customer Jane Cooper created")
        .unwrap();
    assert!(matches!(
        &customer.in_app,
        Some(desk_core::activity::InAppLink::Customer { customer_id }) if customer_id.starts_with("cus_")
    ));

    // Filters: by kind, by date, and a search by name, email or ID.
    let payments = walk(
        &d,
        FeedQuery {
            kinds: vec![ActivityKind::Payments],
            ..feed(None)
        },
    )
    .await;
    assert_eq!(payments.len(), 6);
    assert!(payments.iter().all(|l| l.kind == ActivityKind::Payments));
    let disputes_and_payouts = walk(
        &d,
        FeedQuery {
            kinds: vec![ActivityKind::Disputes, ActivityKind::Payouts],
            ..feed(None)
        },
    )
    .await;
    assert_eq!(disputes_and_payouts.len(), 3);
    assert!(disputes_and_payouts
        .iter()
        .all(|l| l.connection_id == second));
    let acme = walk(
        &d,
        FeedQuery {
            search: Some("ACME@example".into()),
            ..feed(None)
        },
    )
    .await;
    assert_eq!(acme.len(), 3, "the failed payment's three events");
    let by_name = walk(
        &d,
        FeedQuery {
            search: Some("jane cooper".into()),
            ..feed(Some(&shop))
        },
    )
    .await;
    assert_eq!(by_name.len(), 2, "the payment and the new customer");
    let by_part = walk(
        &d,
        FeedQuery {
            search: Some("jane".into()),
            ..feed(Some(&shop))
        },
    )
    .await;
    assert_eq!(
        by_part.len(),
        4,
        "and the payment's other two events, by email"
    );
    let detail = d.activity_event(&shop, &jane.event_id).await.unwrap();
    assert_eq!(detail.event_type, "charge.succeeded");
    let charge: serde_json::Value = serde_json::from_str(&detail.json).unwrap();
    let charge_id = charge["data"]["object"]["id"].as_str().unwrap();
    let by_id = walk(
        &d,
        FeedQuery {
            search: Some(charge_id.into()),
            ..feed(None)
        },
    )
    .await;
    // The charge's own event, and the payment's that names it.
    assert_eq!(by_id.len(), 2);
    assert!(ids(&by_id).contains(&jane.event_id));
    let by_event_id = walk(
        &d,
        FeedQuery {
            search: Some(customer.event_id.clone()),
            ..feed(None)
        },
    )
    .await;
    assert_eq!(by_event_id.len(), 1);
    let future = walk(
        &d,
        FeedQuery {
            from: Some(sim.now() + 60),
            ..feed(None)
        },
    )
    .await;
    assert!(future.is_empty());
    let until_now = walk(
        &d,
        FeedQuery {
            to: Some(sim.now() + 1),
            from: Some(sim.now() - 60),
            ..feed(None)
        },
    )
    .await;
    assert_eq!(until_now.len(), 10);
    assert_eq!(d.activity_count(feed(None)).await.unwrap(), 10);
    assert_eq!(
        d.activity_count(FeedQuery {
            kinds: vec![ActivityKind::Payments],
            ..feed(None)
        })
        .await
        .unwrap(),
        6
    );

    // Keyset pages: forward in threes is the whole feed; backward from the
    // end, and from the oldest page up, the same lines.
    let threes = walk(
        &d,
        FeedQuery {
            limit: 3,
            ..feed(None)
        },
    )
    .await;
    assert_eq!(ids(&threes), ids(&all));
    let mut q = FeedQuery {
        limit: 3,
        from_end: true,
        ..feed(None)
    };
    let mut backward: Vec<FeedLine> = Vec::new();
    loop {
        let page = d.activity_feed(q.clone()).await.unwrap();
        let more = page.has_more;
        let first = page.lines.first().map(|l| l.cursor.clone());
        assert!(page.lines.windows(2).all(|w| w[0].cursor > w[1].cursor));
        backward.splice(0..0, page.lines);
        if !more {
            break;
        }
        q = FeedQuery {
            from_end: false,
            before: first,
            ..q
        };
    }
    assert_eq!(ids(&backward), ids(&all));

    // Unread: per account, then read.
    let unread = d.activity_unread().await.unwrap();
    let per: HashMap<String, u64> = unread
        .per_connection
        .iter()
        .map(|c| (c.connection_id.clone(), c.unread))
        .collect();
    assert_eq!((per[&shop], per[&second]), (7, 3));
    let after = d.activity_mark_read(Some(&shop)).await.unwrap();
    assert_eq!(after.total, 3);
    let shop_lines = d.activity_feed(feed(Some(&shop))).await.unwrap().lines;
    assert!(shop_lines.iter().all(|l| !l.unread));
}

#[tokio::test]
async fn live_mode_notifies_failures_and_disputes_groups_a_burst_and_never_older_events() {
    let sim = sim().await;
    let live = "sk_live_FAKE_activity_live_key_4444";
    sim.add_key(live, ACCOUNT, KeyAccess::Full);
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let id = connect(&d, live).await;
    // History from before Activity ever listened.
    sim.trigger(
        ACCOUNT,
        true,
        Trigger::PaymentFailed(Payment::new(100, "usd"), "card_declined".into()),
    );
    let first = d.activity_poll_all().await;
    assert_eq!(first.account(&id).unwrap().new_events, 3);
    assert!(first.notifications.is_empty(), "{:?}", first.notifications);

    for i in 0..12 {
        sim.trigger(ACCOUNT, true, paid(1000 + i, "eur", "Jane Cooper"));
    }
    sim.trigger(
        ACCOUNT,
        true,
        Trigger::PaymentFailed(
            Payment::new(4000, "usd").email("acme@example.com"),
            "insufficient_funds".into(),
        ),
    );
    sim.trigger(
        ACCOUNT,
        true,
        Trigger::DisputeOpened(Payment::new(5000, "usd")),
    );
    let r = d.activity_poll_all().await;
    let kinds: Vec<NotificationKind> = r.notifications.iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds,
        [NotificationKind::FailedPayments, NotificationKind::Disputes],
        "successful payments are off by default"
    );
    let failed = &r.notifications[0];
    assert_eq!(failed.title, "Activity Shop");
    assert_eq!(
        failed.body,
        "A 40.00 USD payment from acme@example.com failed: the card has insufficient funds"
    );
    assert_eq!(failed.open.connection_id, id);
    let event = failed.open.event_id.clone().unwrap();
    assert_eq!(
        d.activity_event(&id, &event).await.unwrap().event_type,
        "charge.failed"
    );
    assert!(r.notifications[1]
        .body
        .starts_with("Dispute opened on a 50.00 USD charge: respond by "));

    let view = d
        .activity_set_notifications(
            &id,
            NotificationChoices {
                successful_payments: true,
                ..NotificationChoices::defaults(Mode::Live)
            },
        )
        .unwrap();
    let mine = view
        .accounts
        .iter()
        .find(|a| a.connection_id == id)
        .unwrap();
    assert!(mine.choices.successful_payments && !mine.defaults);
    // Nothing new: nothing notified, not even the twelve from before.
    assert!(d.activity_poll_all().await.notifications.is_empty());
    for i in 0..12 {
        sim.trigger(ACCOUNT, true, paid(2000 + i, "gbp", "Olivia Smith"));
    }
    let r = d.activity_poll_all().await;
    assert_eq!(r.notifications.len(), 1);
    assert_eq!(r.notifications[0].body, "12 payments succeeded");
    assert_eq!(r.notifications[0].events, 12);
    assert_eq!(r.notifications[0].open.kinds, [ActivityKind::Payments]);

    // Stripe disconnects the account: one notification for it.
    sim.revoke_key(live);
    let r = d.activity_poll_all().await;
    assert_eq!(r.notifications.len(), 1);
    assert_eq!(r.notifications[0].kind, NotificationKind::Disconnections);
    assert!(d.activity_poll_all().await.notifications.is_empty());
}

#[tokio::test]
async fn test_mode_accounts_notify_nothing_by_default() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let id = connect(&d, KEY).await;
    d.activity_poll_all().await;
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PaymentFailed(Payment::new(100, "usd"), "card_declined".into()),
    );
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::DisputeOpened(Payment::new(100, "usd")),
    );
    let r = d.activity_poll_all().await;
    assert_eq!(r.account(&id).unwrap().new_events, 5);
    assert!(r.notifications.is_empty());
    let view = d.activity_settings();
    assert_eq!(
        view.accounts[0].choices,
        NotificationChoices::defaults(Mode::Test)
    );
    assert!(view.accounts[0].defaults);
}

#[tokio::test]
async fn the_poller_costs_nothing_without_connections_and_one_request_a_round_when_idle() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = Arc::new(desk_with(
        &sim,
        dir.path(),
        Some(Duration::from_millis(100)),
    ));
    let rounds = Arc::new(AtomicUsize::new(0));
    let reports: Arc<Mutex<Vec<PollReport>>> = Arc::default();
    let on_round = {
        let (rounds, reports) = (rounds.clone(), reports.clone());
        move |r: PollReport| {
            rounds.fetch_add(1, Ordering::SeqCst);
            reports.lock().unwrap().push(r);
        }
    };
    let poller = ActivityPoller::start(d.clone(), on_round);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(rounds.load(Ordering::SeqCst), 0);
    assert!(sim.requests().is_empty(), "no request without a connection");
    assert!(!dir.path().join("activity").exists(), "and no file");

    let id = connect(&d, KEY).await;
    poller.poll_now();
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let n = rounds.load(Ordering::SeqCst);
    assert!(n >= 4, "a round every 100 ms: {n}");
    for r in reports.lock().unwrap().iter() {
        assert_eq!(r.account(&id).unwrap().requests, 1, "idle: one request");
    }
    // An event shows up within a round, as its sentence.
    sim.trigger(ACCOUNT, false, paid(1250, "eur", "Jane Cooper"));
    let mut heard = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if reports.lock().unwrap().iter().any(|r| r.new_events() == 3) {
            heard = true;
            break;
        }
    }
    assert!(heard, "the poller heard the payment");
    let lines = d.activity_feed(feed(Some(&id))).await.unwrap().lines;
    assert!(lines
        .iter()
        .any(|l| l.sentence == "Jane Cooper paid 12.50 EUR"));

    poller.stop().await;
    let after = event_lists(&sim).len();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(event_lists(&sim).len(), after, "stopped");
}

/// With nothing connected the poller looks again only every idle tick (an
/// hour here): a key saved then is followed at once, not an hour later.
#[tokio::test]
async fn a_first_connection_is_followed_at_once() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = Arc::new(desk_with(&sim, dir.path(), Some(Duration::from_secs(3600))));
    let rounds = Arc::new(AtomicUsize::new(0));
    let on_round = {
        let rounds = rounds.clone();
        move |_: PollReport| {
            rounds.fetch_add(1, Ordering::SeqCst);
        }
    };
    let poller = ActivityPoller::start(d.clone(), on_round);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rounds.load(Ordering::SeqCst), 0);
    connect(&d, KEY).await;
    let mut followed = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if rounds.load(Ordering::SeqCst) > 0 {
            followed = true;
            break;
        }
    }
    assert!(followed, "no round within 5 s of the first connection");
    poller.stop().await;
}

#[tokio::test]
async fn settings_are_checked_kept_and_private_and_no_secret_is_stored() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let id = connect(&d, KEY).await;
    assert_eq!(d.activity_settings().settings, ActivitySettings::default());
    assert_eq!(d.activity_interval(), Duration::from_secs(30));
    let e = d
        .activity_save_settings(ActivitySettings {
            poll_interval_seconds: 3,
            retention_days: 365,
        })
        .unwrap_err();
    assert_eq!(
        desk_core::AppError::from(e).param.as_deref(),
        Some("poll_interval_seconds")
    );
    let e = d
        .activity_save_settings(ActivitySettings {
            poll_interval_seconds: 60,
            retention_days: 10,
        })
        .unwrap_err();
    assert_eq!(
        desk_core::AppError::from(e).param.as_deref(),
        Some("retention_days")
    );
    d.activity_save_settings(ActivitySettings {
        poll_interval_seconds: 60,
        retention_days: 31,
    })
    .unwrap();
    assert_eq!(d.activity_interval(), Duration::from_secs(60));

    sim.trigger(ACCOUNT, false, paid(1250, "eur", "Jane Cooper"));
    d.activity_poll_all().await;
    // Kept after a restart.
    let again = desk(&sim, dir.path());
    assert_eq!(again.activity_settings().settings.retention_days, 31);
    assert_eq!(walk(&again, feed(Some(&id))).await.len(), 3);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let activity = dir.path().join("activity");
        assert_eq!(mode(&activity), 0o700);
        assert_eq!(mode(&activity.join("settings.json")), 0o600);
        let db = activity.join(format!("{ACCOUNT}-test.sqlite3"));
        assert_eq!(mode(&db), 0o600);
        // A PaymentIntent's client secret is never written.
        for entry in std::fs::read_dir(&activity).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("_secret_"), "a client secret on disk");
        }
    }

    // Events older than the retention leave this computer at the next poll.
    sim.advance_clock(Duration::from_secs(40 * DAY));
    sim.trigger(ACCOUNT, false, paid(700, "usd", "Olivia Smith"));
    d.activity_poll_all().await;
    let lines = walk(&d, feed(Some(&id))).await;
    assert_eq!(lines.len(), 3);
    assert!(lines
        .iter()
        .any(|l| l.sentence == "Olivia Smith paid 7.00 USD"));
}
