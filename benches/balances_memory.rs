//! Balances memory benchmark (run by `scripts/bench-balances.sh`, which
//! makes the million-row copy first; prints figures, asserts nothing): the
//! real app under Xvfb on a copy of `BENCH_BALANCES_DB`, its connection's
//! account matching the copy. Memory of the app and its WebKit processes
//! (RSS and PSS from /proc/PID/smaps_rollup) idle with the Balances screen
//! open, then again after the table was scrolled from top to bottom through
//! WebDriver in steps; the difference against the 150 MB goal. Before the
//! scroll, the time from a jump (End, a drag to the middle, Home) to its
//! rows on screen.

use desk_core::balances::BalanceStore;
use desk_core::views::Mode;
use desk_testkit::window::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use stripe_sim::KeyAccess;

/// The account the example's rows belong to (`crates/desk-core/examples/bench_balances.rs`).
const ACCOUNT: &str = "acct_1BenchShop";
/// The app measured, built by cargo for this bench.
const APP: &str = env!("CARGO_BIN_EXE_stripe-desk");
const KEY: &str = "sk_test_51BenchBalancesMemory000000000000";
const IDLE: Duration = Duration::from_secs(5);
const GOAL_MB: f64 = 150.0;

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(run());
}

/// Memory once the app has settled: after `IDLE`, the median of five
/// readings a second apart, field by field. One reading moves by tens of
/// MB with WebKit's garbage collection, and a low idle reading made
/// "added over idle" look larger than it is.
async fn settled_memory(pid: u32) -> Memory {
    tokio::time::sleep(IDLE).await;
    let mut readings = Vec::new();
    for i in 0..5 {
        if i > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        readings.push(tree_memory(pid));
    }
    let median = |field: fn(&Memory) -> u64| {
        let mut v: Vec<u64> = readings.iter().map(field).collect();
        v.sort_unstable();
        v[v.len() / 2]
    };
    Memory {
        rss: median(|m| m.rss),
        pss: median(|m| m.pss),
        private: median(|m| m.private),
        processes: readings[0].processes,
    }
}

/// Memory of a process and all its descendants, in kB.
#[derive(Clone, Copy, Default)]
struct Memory {
    rss: u64,
    pss: u64,
    /// Pages no other process maps (Private_Clean + Private_Dirty): unlike
    /// PSS, this does not move when other WebKit apps start or stop on the
    /// machine and share the libraries.
    private: u64,
    processes: usize,
}

fn tree_memory(root: u32) -> Memory {
    let mut pids = vec![root];
    let mut i = 0;
    while i < pids.len() {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", pids[i]));
        for task in tasks.into_iter().flatten().flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            pids.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
        i += 1;
    }
    let mut m = Memory {
        processes: pids.len(),
        ..Memory::default()
    };
    for pid in &pids {
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        let field = |name: &str| {
            rollup
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        m.rss += field("Rss:");
        m.pss += field("Pss:");
        m.private += field("Private_Clean:") + field("Private_Dirty:");
    }
    m
}

/// The app tauri-driver started: the process running this build's binary.
fn app_pid() -> u32 {
    let app = std::fs::canonicalize(APP).unwrap();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == app))
        .expect("the app is running")
}

async fn wait_js(w: &webdriver::Session, script: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while w.execute(script).await != Value::Bool(true) {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn copy_database(from: &Path, data_dir: &Path) -> PathBuf {
    let to = BalanceStore::path_for(data_dir, ACCOUNT, Mode::Test);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, &to).expect("the million-row database copies");
    to
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

async fn run() {
    require_desktop();
    let db = PathBuf::from(std::env::var_os("BENCH_BALANCES_DB").expect(
        "BENCH_BALANCES_DB: the database the example wrote (scripts/bench-balances.sh sets it)",
    ));
    let steps: u64 = std::env::var("BENCH_SCROLL_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let sim = simulator().await;
    sim.add_account(ACCOUNT, "Bench Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    let data_dir = temp_dir("bench-balances-memory");
    copy_database(&db, &data_dir);

    // No IPC audit: it would write every page the table fetches to disk.
    let driver = Driver::start_with(
        APP,
        &sim,
        &data_dir,
        &[("STRIPE_DESK_IPC_AUDIT", "0".as_ref())],
    );
    let w = driver.session().await;
    connect_with_key(&w, KEY, "Secret key, test mode", "Bench Shop").await;
    w.click("#nav-balances").await;
    w.wait_for_text("#bt-count", "transactions").await;
    wait_js(
        &w,
        "return !!document.querySelector('.bt-row[data-index=\"0\"]') && !!document.querySelector('#bal-chart canvas') && !!document.querySelector('.bal-summary');",
        "the Balances screen drawn: first rows, chart, summary",
    )
    .await;
    let total = w
        .execute("return Number(document.getElementById('bt-count').textContent.replace(/[^0-9]/g, ''));")
        .await
        .as_u64()
        .unwrap();
    let pid = app_pid();
    let idle = settled_memory(pid).await;

    // Jumps, as a person makes them: End to the bottom, then the scrollbar
    // dragged to the middle, then Home; each timed from the key or the drag
    // until every row in view is drawn (placeholder rows carry `is-loading`).
    let drawn = |index: u64| {
        format!("return !!document.querySelector('.bt-row[data-index=\"{index}\"]') && !document.querySelector('.bt-row.is-loading');")
    };
    let jumped = Instant::now();
    w.send_keys("#bt-scroll", "\u{E010}").await;
    wait_js(&w, &drawn(total - 1), "the last row after End").await;
    let to_end = jumped.elapsed();
    w.screenshot(&artifacts_dir().join("bench-balances-end.png"))
        .await;
    let jumped = Instant::now();
    w.execute("const s = document.getElementById('bt-scroll'); s.scrollTop = Math.round((s.scrollHeight - s.clientHeight) / 2); s.dispatchEvent(new Event('scroll'));")
        .await;
    wait_js(
        &w,
        "return !!document.querySelector('.bt-row[data-index]') && !document.querySelector('.bt-row.is-loading');",
        "the middle rows after a drag",
    )
    .await;
    let to_middle = jumped.elapsed();
    let jumped = Instant::now();
    w.send_keys("#bt-scroll", "\u{E011}").await;
    wait_js(&w, &drawn(0), "the first row after Home").await;
    let to_top = jumped.elapsed();

    // Top to bottom in steps of the scrollbar (a tall table maps it onto
    // the rows in proportion); each step waits until every row in view is
    // drawn from a fetched page (placeholder rows carry no index), and the
    // last one until the last row is.
    let started = Instant::now();
    let step = total.div_ceil(steps).max(1);
    let mut peak = Memory::default();
    let mut index = 0;
    // A screenshot at each quarter of the way, to look at: WebKit once laid
    // out rows far down that it never painted (see MAX_SCROLL_HEIGHT in
    // ui/src/balances.ts), which nothing in the DOM shows.
    let mut quarter = 1;
    loop {
        index = (index + step).min(total - 1);
        let fraction = index as f64 / (total - 1) as f64;
        w.execute(&format!(
            "const s = document.getElementById('bt-scroll'); s.scrollTop = Math.round((s.scrollHeight - s.clientHeight) * {fraction}); s.dispatchEvent(new Event('scroll'));"
        ))
        .await;
        let drawn = if index == total - 1 {
            format!("!!document.querySelector('.bt-row[data-index=\"{index}\"]')")
        } else {
            "!!document.querySelector('.bt-row[data-index]')".to_string()
        };
        wait_js(
            &w,
            &format!("return {drawn} && !document.querySelector('.bt-row.is-loading');"),
            &format!("the rows at {:.1}% drawn", fraction * 100.0),
        )
        .await;
        if index * 4 >= quarter * (total - 1) {
            w.execute("document.getElementById('bal-table-card').scrollIntoView();")
                .await;
            w.screenshot(
                &artifacts_dir().join(format!("bench-balances-scrolled-{}.png", quarter * 25)),
            )
            .await;
            quarter += 1;
        }
        let now = tree_memory(pid);
        peak.rss = peak.rss.max(now.rss);
        peak.pss = peak.pss.max(now.pss);
        peak.private = peak.private.max(now.private);
        if index == total - 1 {
            break;
        }
    }
    let scrolled = started.elapsed();
    let in_dom = w.count(".bt-row").await;
    let after = settled_memory(pid).await;
    w.quit().await;
    // The copy of the million rows is over a gigabyte.
    let _ = std::fs::remove_dir_all(&data_dir);

    println!(
        "\n== memory of the app with its WebKit processes ({} processes), {total} rows in the copy ==",
        idle.processes
    );
    let line = |m: &Memory| {
        format!(
            "RSS {:7.1} MB   PSS {:7.1} MB   private {:7.1} MB",
            mb(m.rss),
            mb(m.pss),
            mb(m.private)
        )
    };
    println!("idle with the Balances screen open:       {}", line(&idle));
    println!(
        "after scrolling top to bottom, idle {} s: {}",
        IDLE.as_secs(),
        line(&after)
    );
    println!("peak while scrolling:                     {}", line(&peak));
    println!(
        "scrolled in {steps} steps of {step} rows in {:.0} s; {in_dom} rows in the DOM at the bottom; screenshots at each quarter: test-artifacts/bench-balances-scrolled-*.png",
        scrolled.as_secs_f64()
    );
    println!(
        "jumps: End to the last row on screen {:.0} ms; a drag to the middle {:.0} ms; Home back to the first row {:.0} ms",
        to_end.as_secs_f64() * 1000.0,
        to_middle.as_secs_f64() * 1000.0,
        to_top.as_secs_f64() * 1000.0
    );
    let verdict = |added: f64| if added < GOAL_MB { "met" } else { "NOT met" };
    let added = |a: u64, b: u64| mb(b) - mb(a);
    let (rss, pss, private) = (
        added(idle.rss, after.rss),
        added(idle.pss, after.pss),
        added(idle.private, after.private),
    );
    println!(
        "added over idle: RSS {rss:+.1} MB ({}), PSS {pss:+.1} MB ({}), private {private:+.1} MB ({}); goal under {GOAL_MB:.0} MB",
        verdict(rss),
        verdict(pss),
        verdict(private)
    );
}
