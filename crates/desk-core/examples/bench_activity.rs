//! Activity benchmark (run by `scripts/bench-activity.sh`; prints figures,
//! asserts nothing), against the simulator over real HTTP with 150 ms of
//! latency per request and Stripe's test-mode limit of 25 requests/s:
//! 1. idle: requests per minute per account, three accounts followed by the
//!    poller at its default interval (30 s);
//! 2. catch-up of 30 days x 20,000 events: events/s against the ceiling
//!    (25 requests/s x 100 events a page);
//! 3. time from an event's creation to its notification being decided, the
//!    poller at `--interval` seconds, events appearing up to 1 s after they
//!    are made (as Stripe's do), against the interval plus 2 s;
//! 4. with 100,000 stored events: feed pages (newest, next, oldest, a rare
//!    kind, a search), the count, the unread count.
//!
//! `cargo run --release -p desk-core --example bench_activity -- [--idle-seconds N] [--events N] [--interval S] [--samples N] [--stored N]`

use desk_core::activity::{
    ActivityKind, ActivityPoller, DesktopNotification, FeedQuery, NotificationChoices,
};
use desk_core::connections::secret_store::MemoryStore;
use desk_core::desk::{Desk, DeskConfig};
use desk_core::stripe::ClientConfig;
use desk_core::views::Mode;
use desk_core::Bases;
use rand::Rng;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use stripe_sim::{KeyAccess, Payment, SimConfig, Simulator, Trigger};

const LATENCY: Duration = Duration::from_millis(150);
const RATE: u32 = 25;
const DAY: u64 = 86_400;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn key(i: usize) -> String {
    format!("sk_test_51BenchActivity{i:016}")
}

fn account(i: usize) -> String {
    format!("acct_1BenchShop{i}")
}

/// A simulator with `n` accounts, each with a full key.
async fn sim_with(n: usize, latency: Duration, rate: Option<u32>) -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    for i in 0..n {
        sim.add_account(&account(i), &format!("Bench Shop {i}"));
        sim.add_key(&key(i), &account(i), KeyAccess::Full);
    }
    sim.set_latency(latency);
    sim.set_rate_limit(rate);
    sim
}

fn desk_on(sim: &Simulator, dir: &Path, tick: Option<Duration>, rate: u32) -> Arc<Desk> {
    let base = sim.base_url();
    let bases = Bases {
        api: base.clone(),
        connect: base.clone(),
        marketplace: base.clone(),
    };
    let mut cfg = DeskConfig::new(bases, dir.to_path_buf());
    let mut client = ClientConfig::new(&base, &base);
    client.test_mode_rate = rate;
    cfg.client = client;
    cfg.activity.tick = tick;
    Arc::new(Desk::new(cfg, Arc::new(MemoryStore::default())).unwrap())
}

fn event_lists(sim: &Simulator, key: &str) -> usize {
    let auth = format!("Bearer {key}");
    sim.requests()
        .iter()
        .filter(|r| r.path == "/v1/events" && r.header("authorization") == Some(&auth))
        .count()
}

#[tokio::main]
async fn main() {
    let idle = arg("--idle-seconds", 120);
    let events = arg("--events", 20_000) as usize;
    let interval = arg("--interval", 5);
    let samples = arg("--samples", 12) as usize;
    let stored = arg("--stored", 100_000) as usize;
    if idle > 0 {
        bench_idle(idle).await;
    }
    if events > 0 {
        bench_catch_up(events).await;
    }
    if samples > 0 {
        bench_latency(interval, samples).await;
    }
    if stored > 0 {
        bench_pages(stored).await;
    }
}

async fn bench_idle(seconds: u64) {
    const ACCOUNTS: usize = 3;
    println!(
        "== idle: {ACCOUNTS} accounts followed at the default interval, {} ms latency ==",
        LATENCY.as_millis()
    );
    let sim = sim_with(ACCOUNTS, LATENCY, Some(RATE)).await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk_on(&sim, dir.path(), None, RATE);
    for i in 0..ACCOUNTS {
        d.save_key_connection(&key(i), false).await.unwrap();
    }
    let interval = d.activity_interval();
    sim.clear_requests();
    let poller = ActivityPoller::start(d.clone(), |_| {});
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    poller.stop().await;
    let minutes = seconds as f64 / 60.0;
    for i in 0..ACCOUNTS {
        let n = event_lists(&sim, &key(i));
        println!(
            "account {i}: {n} requests in {seconds} s = {:.2} requests a minute (interval {} s; goal: at most 2)",
            n as f64 / minutes,
            interval.as_secs()
        );
    }
    let all = sim.requests().len();
    println!(
        "all requests of any kind: {all} in {seconds} s = {:.2} a minute per account",
        all as f64 / minutes / ACCOUNTS as f64
    );
}

async fn bench_catch_up(n: usize) {
    println!(
        "== catch-up of 30 days x {n} events: {} ms latency per request, {RATE} requests/s limit ==",
        LATENCY.as_millis()
    );
    let sim = sim_with(1, LATENCY, Some(RATE)).await;
    sim.seed_events(&account(0), n, Duration::from_secs(30 * DAY - 3600), 42);
    let dir = tempfile::tempdir().unwrap();
    let d = desk_on(&sim, dir.path(), None, RATE);
    let id = d.save_key_connection(&key(0), false).await.unwrap().id;
    sim.clear_requests();
    let started = Instant::now();
    let report = d.activity_poll_all().await;
    let secs = started.elapsed().as_secs_f64();
    let acct = report.account(&id).unwrap();
    let limited = sim.requests().iter().filter(|r| r.status == 429).count();
    let ceiling = f64::from(RATE) * 100.0;
    // The one client sends at most 25 requests in any 1.05 s (its limiter's
    // 50 ms of slack for network jitter, `stripe/rate_limit.rs`).
    let client_ceiling = ceiling / 1.05;
    let rate = acct.new_events as f64 / secs;
    println!(
        "{} events stored in {secs:.1} s = {rate:.0} events/s: {:.1}% of Stripe's ceiling ({ceiling:.0} events/s), {:.1}% of the client's ({client_ceiling:.0} events/s); {} requests ({:.1}/s), {limited} answered 429, problem: {:?}",
        acct.new_events,
        rate / ceiling * 100.0,
        rate / client_ceiling * 100.0,
        acct.requests,
        acct.requests as f64 / secs,
        acct.problem
    );
    let one_by_one = n.div_ceil(100) as f64 * LATENCY.as_secs_f64();
    println!(
        "(one page after another would take at least {one_by_one:.1} s at this latency: {:.0}% of the ceiling)",
        n as f64 / one_by_one / ceiling * 100.0
    );
}

async fn bench_latency(interval: u64, samples: usize) {
    let interval_d = Duration::from_secs(interval);
    println!(
        "== event made -> notification decided: poller every {interval} s, {} ms latency, events appear up to 1 s late ==",
        LATENCY.as_millis()
    );
    let sim = sim_with(1, LATENCY, Some(RATE)).await;
    sim.set_event_delay(Duration::from_secs(1));
    let dir = tempfile::tempdir().unwrap();
    let d = desk_on(&sim, dir.path(), Some(interval_d), RATE);
    let id = d.save_key_connection(&key(0), false).await.unwrap().id;
    d.activity_poll_all().await;
    d.activity_set_notifications(
        &id,
        NotificationChoices {
            successful_payments: true,
            ..NotificationChoices::defaults(Mode::Test)
        },
    )
    .unwrap();
    let (tx, mut rx) =
        tokio::sync::mpsc::unbounded_channel::<(Instant, Vec<DesktopNotification>)>();
    let poller = ActivityPoller::start(d.clone(), move |r| {
        let _ = tx.send((Instant::now(), r.notifications));
    });
    let mut took: Vec<f64> = Vec::new();
    for _ in 0..samples {
        let wait = rand::rng().random_range(0..interval * 1000);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        while rx.try_recv().is_ok() {}
        let ids = sim.trigger(
            &account(0),
            false,
            Trigger::PaymentSucceeded(Payment::new(1250, "eur").by("Jane Cooper")),
        );
        let made = Instant::now();
        let charge = &ids[1];
        loop {
            let (at, notes) = rx.recv().await.unwrap();
            if notes
                .iter()
                .any(|n| n.open.event_id.as_deref() == Some(charge.as_str()))
            {
                took.push(at.duration_since(made).as_secs_f64());
                break;
            }
        }
    }
    poller.stop().await;
    took.sort_by(f64::total_cmp);
    let median = took[took.len() / 2];
    let max = took[took.len() - 1];
    println!(
        "{samples} payments: median {median:.2} s, worst {max:.2} s (bound: the interval plus 2 s = {} s)",
        interval + 2
    );
}

fn median_ms(mut runs: Vec<Duration>) -> f64 {
    runs.sort();
    runs[runs.len() / 2].as_secs_f64() * 1000.0
}

async fn time<T, F: std::future::Future<Output = T>>(
    runs: usize,
    mut f: impl FnMut() -> F,
) -> (f64, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f().await);
        times.push(t.elapsed());
    }
    (median_ms(times), last.unwrap())
}

async fn bench_pages(n: usize) {
    println!("== with {n} events stored: feed pages of 100 lines (median of 15 runs) ==");
    let sim = sim_with(1, Duration::ZERO, None).await;
    sim.seed_events(&account(0), n, Duration::from_secs(29 * DAY), 7);
    let dir = tempfile::tempdir().unwrap();
    // Filled quickly: no latency, and the client not held to Stripe's limit.
    let d = desk_on(&sim, dir.path(), None, 10_000);
    let id = d.save_key_connection(&key(0), false).await.unwrap().id;
    let started = Instant::now();
    let r = d.activity_poll_all().await;
    println!(
        "(filled by one poll, without latency or rate limit: {} events in {:.1} s)",
        r.account(&id).unwrap().new_events,
        started.elapsed().as_secs_f64()
    );
    let q = FeedQuery {
        connection_id: Some(id.clone()),
        limit: 100,
        time_zone: Some("Europe/Paris".into()),
        ..FeedQuery::default()
    };
    let (ms, first) = time(15, || d.activity_feed(q.clone())).await;
    let first = first.unwrap();
    let (warm, _) = time(15, || d.activity_feed(q.clone())).await;
    println!(
        "newest page: {ms:.1} ms right after the catch-up wrote everything, {warm:.1} ms after that ({} lines)",
        first.lines.len()
    );
    let next = FeedQuery {
        after: first.lines.last().map(|l| l.cursor.clone()),
        ..q.clone()
    };
    let (ms, _) = time(15, || d.activity_feed(next.clone())).await;
    println!("next page (keyset, after the last line): {ms:.1} ms");
    let end = FeedQuery {
        from_end: true,
        ..q.clone()
    };
    let (ms, _) = time(15, || d.activity_feed(end.clone())).await;
    println!("oldest page (a jump to the end): {ms:.1} ms");
    let rare = FeedQuery {
        kinds: vec![ActivityKind::Disputes],
        ..q.clone()
    };
    let (ms, page) = time(15, || d.activity_feed(rare.clone())).await;
    println!(
        "disputes only: {ms:.1} ms ({} lines)",
        page.unwrap().lines.len()
    );
    let search = FeedQuery {
        search: Some("olivia".into()),
        ..q.clone()
    };
    let (ms, page) = time(15, || d.activity_feed(search.clone())).await;
    println!(
        "search for a name (\"olivia\"): {ms:.1} ms ({} lines)",
        page.unwrap().lines.len()
    );
    let needle = first.lines[50].event_id.clone();
    let one = FeedQuery {
        search: Some(needle),
        ..q.clone()
    };
    let (ms, page) = time(15, || d.activity_feed(one.clone())).await;
    println!(
        "search for one event's ID (matches 1, reads every row): {ms:.1} ms ({} line)",
        page.unwrap().lines.len()
    );
    let (ms, count) = time(15, || d.activity_count(q.clone())).await;
    println!("count of all lines: {ms:.1} ms ({})", count.unwrap());
    let (ms, count) = time(15, || d.activity_count(search.clone())).await;
    println!("count of a search: {ms:.1} ms ({})", count.unwrap());
    let (ms, _) = time(15, || d.activity_unread()).await;
    println!("unread count: {ms:.1} ms");
}
