//! Runs over a spreadsheet, benchmarked (run by `scripts/bench-bulk.sh`;
//! prints figures, asserts nothing), against the simulator over real HTTP:
//! - `--part run [--rows N]`: N rows (10,000) of Create Customer with 150 ms
//!   of latency per request and Stripe's test-mode limit of 25 requests/s
//!   enforced by the simulator: requests/s against that ceiling;
//! - `--part dry-run [--rows N]`: the time to open and check N rows (10,000);
//! - `--part make --format csv|xlsx --rows N --out PATH`: writes a file of
//!   N rows (used by the next part, so the writing is not measured);
//! - `--part memory --file PATH`: the memory (RSS) the domain adds while
//!   reading the file and holding it with its dry run.

use desk_core::bulk::{BulkOptions, BulkProgress, BulkTarget, ExistingMatch};
use desk_core::connections::secret_store::MemoryStore;
use desk_core::connections::ExpectedConnection;
use desk_core::desk::{Desk, DeskConfig};
use desk_core::money::NumberFormat;
use desk_core::stripe::ClientConfig;
use desk_core::views::Mode;
use desk_core::Bases;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use stripe_sim::{KeyAccess, SimConfig, Simulator};

const KEY: &str = "sk_test_51BenchBulk000000000000000000001";
const ACCOUNT: &str = "acct_1BenchBulk";

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn rows_arg(default: usize) -> usize {
    arg("--rows")
        .and_then(|r| r.parse().ok())
        .unwrap_or(default)
}

/// A customer row: name, email, phone, address line, city, postal code,
/// country, an external ID; one in 50 has a mistake.
fn row(i: usize) -> [String; 8] {
    let email = if i % 50 == 7 {
        format!("person{i}-at-example.com")
    } else {
        format!("person{i}@example.com")
    };
    [
        format!("Person Number {i}"),
        email,
        format!("+44 20 7946 {:04}", i % 10_000),
        format!("{} High Street", i % 300 + 1),
        "London".into(),
        format!("N{} 9GU", i % 20 + 1),
        "GB".into(),
        format!("EXT-{i:06}"),
    ]
}

const HEADER: [&str; 8] = [
    "Name",
    "Email",
    "Phone",
    "Address",
    "City",
    "Postal code",
    "Country",
    "metadata[external_id]",
];

fn make_csv(path: &Path, rows: usize) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(HEADER).unwrap();
    for i in 0..rows {
        w.write_record(row(i)).unwrap();
    }
    w.flush().unwrap();
}

fn make_xlsx(path: &Path, rows: usize) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..rows {
        for (c, v) in row(i).iter().enumerate() {
            sheet.write_string(i as u32 + 1, c as u16, v).unwrap();
        }
    }
    book.save(path).unwrap();
}

async fn sim() -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(ACCOUNT, "Bench Bulk Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim
}

fn desk(sim: &Simulator, dir: &Path) -> Desk {
    let base = sim.base_url();
    let bases = Bases {
        api: base.clone(),
        connect: base.clone(),
        marketplace: base.clone(),
    };
    let mut cfg = DeskConfig::new(bases, dir.to_path_buf());
    cfg.client = ClientConfig::new(&base, &base);
    Desk::new(cfg, Arc::new(MemoryStore::default())).unwrap()
}

async fn connect(d: &Desk) -> ExpectedConnection {
    let c = d.save_key_connection(KEY, false).await.unwrap();
    d.set_active(&c.id).unwrap();
    ExpectedConnection {
        connection_id: c.id,
        mode: Mode::Test,
    }
}

fn options() -> BulkOptions {
    BulkOptions {
        number_format: NumberFormat::POINT,
        skip_existing: ExistingMatch::Nothing,
    }
}

fn target() -> BulkTarget {
    BulkTarget::Action {
        action_id: "create_customer".into(),
    }
}

/// Opens and dry-runs `path`; returns the file and the time each took.
async fn open_and_check(
    d: &Desk,
    expected: &ExpectedConnection,
    path: &Path,
) -> (String, Duration, Duration, String) {
    let t = Instant::now();
    let view = d.bulk_open(path).await.unwrap();
    let opened = t.elapsed();
    let mapping = d
        .bulk_propose_mapping(&view.file_id, &target())
        .unwrap()
        .mapping;
    let t = Instant::now();
    let summary = d
        .bulk_dry_run(&view.file_id, expected, &target(), mapping, options())
        .await
        .unwrap();
    (view.file_id, opened, t.elapsed(), summary.sentence)
}

/// `(VmRSS, VmHWM)` of this process, in KiB.
fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn mb(kib: u64) -> String {
    format!("{:.1} MB", kib as f64 / 1024.0)
}

#[tokio::main]
async fn main() {
    let part = arg("--part").unwrap_or_else(|| "run".into());
    let dir = tempfile::tempdir().unwrap();
    match part.as_str() {
        "make" => {
            let out = PathBuf::from(arg("--out").expect("--out PATH"));
            let rows = rows_arg(50_000);
            match arg("--format").as_deref() {
                Some("xlsx") => make_xlsx(&out, rows),
                _ => make_csv(&out, rows),
            }
        }
        "memory" => {
            let file = PathBuf::from(arg("--file").expect("--file PATH"));
            let sim = sim().await;
            let d = desk(&sim, dir.path());
            let expected = connect(&d).await;
            let size = std::fs::metadata(&file).unwrap().len();
            let (before, _) = rss();
            let (_file_id, opened, checked, sentence) = open_and_check(&d, &expected, &file).await;
            let (held, peak) = rss();
            println!(
                "{}: {} on disk; {sentence}; opened in {:.2} s, checked in {:.2} s",
                file.file_name().unwrap().to_string_lossy(),
                mb(size / 1024),
                opened.as_secs_f64(),
                checked.as_secs_f64()
            );
            println!(
                "  memory added: {} while reading and checking (peak), {} held with the dry run (goal: under 100 MB)",
                mb(peak.saturating_sub(before)),
                mb(held.saturating_sub(before))
            );
        }
        "dry-run" => {
            let rows = rows_arg(10_000);
            let path = dir.path().join("dry-run.csv");
            make_csv(&path, rows);
            let sim = sim().await;
            let d = desk(&sim, dir.path());
            let expected = connect(&d).await;
            // Once to warm up (the action catalog, the allocator), then measured.
            open_and_check(&d, &expected, &path).await;
            let mut times = Vec::new();
            let mut said = String::new();
            for _ in 0..5 {
                let (_, opened, checked, sentence) = open_and_check(&d, &expected, &path).await;
                times.push((opened, checked));
                said = sentence;
            }
            times.sort_by_key(|(o, c)| *o + *c);
            let (opened, checked) = times[times.len() / 2];
            println!(
                "dry run of {rows} rows of Create Customer (median of 5): opened in {:.3} s, checked in {:.3} s, {:.3} s in all (goal: under 2 s): {said}",
                opened.as_secs_f64(),
                checked.as_secs_f64(),
                (opened + checked).as_secs_f64()
            );
        }
        _ => {
            let rows = rows_arg(10_000);
            let path = dir.path().join("run.csv");
            make_csv(&path, rows);
            let sim = sim().await;
            let d = desk(&sim, dir.path());
            let expected = connect(&d).await;
            let (file_id, _, _, sentence) = open_and_check(&d, &expected, &path).await;
            sim.set_latency(Duration::from_millis(150));
            sim.set_rate_limit(Some(25));
            sim.clear_requests();
            let started = Instant::now();
            let mut last_told = Instant::now();
            let done: BulkProgress = d
                .bulk_run(&file_id, &expected, false, None, &mut |p| {
                    if last_told.elapsed() > Duration::from_secs(30) {
                        eprintln!(
                            "  {} of {} rows, {:.1} rows/s, {}s left",
                            p.done,
                            p.total,
                            p.rows_per_second,
                            p.seconds_left.unwrap_or(0)
                        );
                        last_told = Instant::now();
                    }
                })
                .await
                .unwrap();
            let elapsed = started.elapsed().as_secs_f64();
            let requests = sim.requests();
            let sent = requests
                .iter()
                .filter(|r| r.path.starts_with("/v1/"))
                .count();
            let refused = requests.iter().filter(|r| r.status == 429).count();
            let per_second = sent as f64 / elapsed;
            println!("{rows} rows of Create Customer ({sentence}), 150 ms latency, Stripe's limit of 25 requests/s:");
            println!(
                "  {} created, {} failed in {:.1} s: {:.1} requests/s, {:.0}% of the 25/s ceiling (goal: at least 90%); {} refused with 429",
                done.created,
                done.failed,
                elapsed,
                per_second,
                per_second / 25.0 * 100.0,
                refused
            );
        }
    }
}
