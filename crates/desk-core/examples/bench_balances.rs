//! Balances benchmark (run by `scripts/bench-balances.sh`; prints figures,
//! asserts nothing):
//! 1. sync of N transactions from the simulator with 150 ms latency per
//!    request and a 25 requests/s limit: ranges side by side, against one
//!    page after another, against the ceiling (25 x 100 objects/s); then
//!    the same for a growing business (90% of the transactions in the newest
//!    10% of the account's life), and for such an account whose record
//!    leaves `created` out (the sync probes for its oldest transaction);
//! 2. with a million stored rows: a filtered sorted page, per-currency
//!    totals, chart series.
//!
//! `cargo run --release -p desk-core --example bench_balances -- [--sync N] [--rows N] [--db PATH]`

use desk_core::balances::{
    sync, BalanceStore, Bucket, Cancel, Filter, PageRequest, Sort, SortColumn, SyncOptions,
    TimeRange,
};
use desk_core::stripe::Params;
use desk_core::stripe::{Auth, ClientConfig, StripeClient};
use desk_core::views::Mode;
use desk_core::Secret;
use futures_util::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use stripe_sim::{KeyAccess, SeedSpec, SimConfig, Simulator};

const KEY: &str = "sk_test_51BenchBalances0000000000000000";
const ACCOUNT: &str = "acct_1BenchShop";
const LATENCY: Duration = Duration::from_millis(150);
const RATE: u32 = 25;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let sync_n = arg("--sync", 100_000);
    let rows = arg("--rows", 1_000_000);
    if sync_n > 0 {
        bench_sync(sync_n).await;
    }
    if rows > 0 {
        bench_queries(rows);
    }
}

/// The account a sync benchmark runs against.
#[derive(Clone, Copy, PartialEq, Eq)]
enum History {
    /// Transactions spread evenly over the account's life.
    Uniform,
    /// 90% of them in the newest 10% of its life, as a growing business has them.
    Growing,
    /// Growing, and `GET /v1/account` leaves `created` out.
    GrowingWithoutCreated,
}

async fn bench_sync(n: usize) {
    let ceiling = f64::from(RATE) * 100.0;
    println!("== sync of {n} balance transactions: {} ms latency per request, {RATE} requests/s limit ==", LATENCY.as_millis());
    let (sim, client, auth) = bench_account(n, History::Uniform).await;
    let side_rate =
        sync_side_by_side(&sim, &client, &auth, "side by side (10 workers)", true).await;

    // One page after another, stored the same way.
    let dir = tempfile::tempdir().unwrap();
    let seq_store = BalanceStore::open(&dir.path().join("one-after-another.sqlite3")).unwrap();
    let started = Instant::now();
    let mut stream =
        Box::pin(client.list::<Value>(&auth, "/v1/balance_transactions", Params::new()));
    let mut page = Vec::with_capacity(100);
    let mut count = 0usize;
    while let Some(item) = stream.next().await {
        page.push(item.unwrap());
        if page.len() == 100 {
            count += seq_store.upsert(&page).unwrap();
            page.clear();
        }
    }
    count += seq_store.upsert(&page).unwrap();
    let seq_secs = started.elapsed().as_secs_f64();
    let seq_rate = count as f64 / seq_secs;
    println!(
        "one page after another:    {count} objects in {seq_secs:.1} s = {seq_rate:.0} objects/s ({:.1}% of the ceiling)",
        seq_rate / ceiling * 100.0
    );
    println!("ceiling:                   {RATE} requests/s x 100 = {ceiling:.0} objects/s");
    println!(
        "side by side is {:.1}x one page after another; goal >= 90% of the ceiling: {}",
        side_rate / seq_rate,
        met(side_rate, ceiling)
    );
    drop(sim);

    for (history, label) in [
        (
            History::Growing,
            "growing (90% in the newest 10% of its life)",
        ),
        (
            History::GrowingWithoutCreated,
            "growing, account without created",
        ),
    ] {
        let (sim, client, auth) = bench_account(n, history).await;
        let rate = sync_side_by_side(&sim, &client, &auth, label, false).await;
        println!("  goal >= 90% of the ceiling: {}", met(rate, ceiling));
    }
}

fn met(rate: f64, ceiling: f64) -> &'static str {
    if rate >= 0.9 * ceiling {
        "met"
    } else {
        "NOT met"
    }
}

/// A simulator with `n` transactions shaped like `history`, at the
/// benchmark's latency and rate limit, and a client paced the same way.
async fn bench_account(n: usize, history: History) -> (Simulator, StripeClient, Auth) {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(ACCOUNT, "Bench Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    match history {
        History::Uniform => sim.seed_sample_data(
            ACCOUNT,
            SeedSpec {
                balance_transactions: n,
                rng_seed: 42,
                ..SeedSpec::default()
            },
        ),
        History::Growing | History::GrowingWithoutCreated => {
            sim.seed_growing_balance_history(ACCOUNT, n, 42)
        }
    }
    if history == History::GrowingWithoutCreated {
        sim.omit_account_created(ACCOUNT);
    }
    sim.set_latency(LATENCY);
    sim.set_rate_limit(Some(RATE));
    let mut config = ClientConfig::new(sim.base_url(), sim.base_url());
    config.test_mode_rate = RATE;
    let client = StripeClient::new(config).unwrap();
    let auth = Auth {
        secret: Secret::new(KEY),
        mode: Mode::Test,
        stripe_account: None,
    };
    (sim, client, auth)
}

/// A first sync with ranges side by side, through the one client and its
/// rate limiter; prints its figures and returns objects per second.
async fn sync_side_by_side(
    sim: &Simulator,
    client: &StripeClient,
    auth: &Auth,
    label: &str,
    link_payouts: bool,
) -> f64 {
    let ceiling = f64::from(RATE) * 100.0;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("side-by-side.sqlite3")).unwrap());
    sim.clear_requests();
    let options = SyncOptions {
        workers: 10,
        link_payouts,
        ..SyncOptions::default()
    };
    let outcome = sync(
        client,
        auth,
        store.clone(),
        &options,
        &Cancel::new(),
        &|_| {},
    )
    .await
    .unwrap();
    let limited = sim.requests().iter().filter(|r| r.status == 429).count();
    let rate = outcome.stored as f64 / outcome.transactions_seconds;
    println!(
        "{label}: {} objects in {:.1} s = {:.0} objects/s ({:.1}% of the ceiling), {} pages, {} answered 429",
        outcome.stored,
        outcome.transactions_seconds,
        rate,
        rate / ceiling * 100.0,
        outcome.pages,
        limited
    );
    println!(
        "  of which {:.1} s writing to the local copy ({:.0}% of the time: near 100% means storage, not Stripe, sets the pace)",
        outcome.storing_seconds,
        outcome.storing_seconds / outcome.transactions_seconds * 100.0
    );
    println!(
        "  then building the query indexes in one pass: {:.1} s ({:.0} objects/s counting it)",
        outcome.indexing_seconds,
        outcome.stored as f64 / (outcome.transactions_seconds + outcome.indexing_seconds)
    );
    if link_payouts {
        println!(
            "  then linking {} payouts to what they settled: {:.1} s",
            outcome.payouts_linked, outcome.payouts_seconds
        );
    }
    rate
}

/// Rows shaped like Stripe's, written straight into the store.
fn synthetic(rng: &mut StdRng, i: usize, now: i64) -> Value {
    const CUR: [(&str, i64); 6] = [
        ("usd", 1),
        ("eur", 1),
        ("gbp", 1),
        ("jpy", 1),
        ("kwd", 10),
        ("isk", 100),
    ];
    const KINDS: [(&str, &str); 5] = [
        ("charge", "charge"),
        ("charge", "charge"),
        ("refund", "refund"),
        ("stripe_fee", "fee"),
        ("payout", "payout"),
    ];
    let (currency, step) = CUR[rng.random_range(0..CUR.len())];
    let (kind, category) = KINDS[rng.random_range(0..KINDS.len())];
    let created = now - rng.random_range(0..3 * 365 * 86_400);
    let amount = rng.random_range(-20_000..50_000) * step;
    let fee = if kind == "charge" {
        amount.abs() * 29 / 1000 / step * step
    } else {
        0
    };
    let available_on = (created / 86_400 + 2) * 86_400;
    json!({
        "id": format!("txn_bench{i:019}"),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": available_on,
        "created": created,
        "currency": currency,
        "description": format!("Payment for order #{}", rng.random_range(1000..99_999)),
        "fee": fee,
        "fee_details": [],
        "net": amount - fee,
        "reporting_category": category,
        "source": format!("ch_bench{:019}", rng.random_range(0..u32::MAX)),
        "status": if available_on <= now { "available" } else { "pending" },
        "type": kind,
    })
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

/// `--db PATH` keeps the million-row database there and reuses it next time.
fn bench_queries(rows: usize) {
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .iter()
        .position(|a| a == "--db")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("million.sqlite3"));
    let store = BalanceStore::open(&path).unwrap();
    let now = 1_764_000_000;
    let have = store.stats().unwrap().transactions as usize;
    let started = Instant::now();
    if have < rows {
        let mut rng = StdRng::seed_from_u64(7);
        let mut batch = Vec::with_capacity(10_000);
        for i in 0..rows {
            let row = synthetic(&mut rng, i, now);
            if i < have {
                continue;
            }
            batch.push(row);
            if batch.len() == 10_000 {
                store.upsert(&batch).unwrap();
                batch.clear();
            }
        }
        store.upsert(&batch).unwrap();
        // As after a first sync: the query indexes are built in one pass.
        store.build_indexes().unwrap();
    }
    println!(
        "\n== queries over {} stored rows (written in {:.1} s; file {:.0} MB) ==",
        store.stats().unwrap().transactions,
        started.elapsed().as_secs_f64(),
        std::fs::metadata(store.path())
            .map(|m| m.len())
            .unwrap_or(0) as f64
            / 1e6
    );

    let filter = Filter {
        currencies: vec!["eur".into()],
        types: vec!["charge".into()],
        created: TimeRange {
            from: Some(now - 365 * 86_400),
            to: None,
        },
        ..Filter::default()
    };
    let first = PageRequest {
        filter: filter.clone(),
        sort: Sort {
            column: SortColumn::Amount,
            descending: true,
        },
        limit: 100,
        ..PageRequest::default()
    };
    let first_t = time(9, || store.page(&first).unwrap());
    // Fifty pages down, to show the keyset costs the same deep in the table.
    let mut deep = first.clone();
    for _ in 0..50 {
        let p = store.page(&deep).unwrap();
        deep.after = p.rows.last().map(|r| r.cursor.clone());
    }
    let deep_t = time(9, || store.page(&deep).unwrap());
    let newest = PageRequest {
        sort: Sort::newest_first(),
        limit: 100,
        ..PageRequest::default()
    };
    let newest_t = time(9, || store.page(&newest).unwrap());
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "filtered (eur, charge, last year) page sorted by amount: first {:.2} ms, 50 pages down {:.2} ms; unfiltered newest page {:.2} ms (goal < 20 ms)",
        ms(first_t),
        ms(deep_t),
        ms(newest_t)
    );
    let all_t = time(5, || store.totals(&Filter::default()).unwrap());
    let filtered_t = time(5, || store.totals(&filter).unwrap());
    println!(
        "per-currency totals: all rows {:.0} ms, filtered {:.0} ms (goal < 300 ms)",
        ms(all_t),
        ms(filtered_t)
    );
    let day_t = time(5, || store.chart(&Filter::default(), Bucket::Day).unwrap());
    let month_t = time(5, || {
        store.chart(&Filter::default(), Bucket::Month).unwrap()
    });
    let filtered_chart_t = time(5, || store.chart(&filter, Bucket::Week).unwrap());
    // In the account's days: a zone at a fixed offset, and one with daylight saving time.
    let zoned = |zone: &str| {
        store.set_timezone(zone).unwrap();
        time(5, || store.chart(&Filter::default(), Bucket::Day).unwrap())
    };
    let (tokyo_t, new_york_t) = (zoned("Asia/Tokyo"), zoned("America/New_York"));
    store.set_timezone("Etc/UTC").unwrap();
    println!(
        "chart series: all rows by day {:.0} ms (in Asia/Tokyo's days {:.0} ms, America/New_York's {:.0} ms), by month {:.0} ms, filtered by week {:.0} ms (goal < 300 ms)",
        ms(day_t),
        ms(tokyo_t),
        ms(new_york_t),
        ms(month_t),
        ms(filtered_chart_t)
    );
    let dates = Filter {
        created: filter.created,
        ..Filter::default()
    };
    let summary_t = time(5, || store.period_summary(&Filter::default()).unwrap());
    let dates_t = time(5, || store.period_summary(&dates).unwrap());
    let filtered_summary_t = time(5, || store.period_summary(&filter).unwrap());
    let balance = json!({"object": "balance", "available": [{"amount": 0, "currency": "usd"}], "pending": []});
    let reconcile_t = time(5, || store.reconcile(&balance, now).unwrap());
    let choices_t = time(5, || store.filter_choices().unwrap());
    println!(
        "summary by category: all rows {:.0} ms, last year with the balance before and after {:.0} ms, filtered {:.0} ms; reconciliation {:.0} ms; the filters' choices {:.1} ms (goal < 300 ms)",
        ms(summary_t),
        ms(dates_t),
        ms(filtered_summary_t),
        ms(reconcile_t),
        ms(choices_t)
    );
}
