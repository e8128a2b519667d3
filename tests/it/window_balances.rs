//! The Balances screen in the real app window, against the simulator: the
//! screen before a first sync, a first sync with visible progress, an
//! account with Issuing spend, a reserve, a Connect reserve and a manual
//! payout that still matches Stripe's balance, filters chosen from what the
//! copy holds and their totals and summary checked against each other and
//! an integer sum over the simulator's own data, dates checked at their
//! field, the virtual table scrolled, payouts' details, the chart, a CSV
//! export read back, and the offline view once the simulator is gone. Every
//! state is read for developer words.

use crate::APP;
use desk_core::balances::BalanceStore;
use desk_core::views::Mode;
use desk_testkit::window::plain_words::assert_plain_words;
use desk_testkit::window::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use stripe_sim::{KeyAccess, SeedSpec, Simulator};

const KEY: &str = "sk_test_51WindowBalancesKey0000000000424242";
const ACCOUNT: &str = "acct_1WindowBalances";
const OTHER_KEY: &str = "sk_test_51WindowBalancesOther00000000777777";
const OTHER_ACCOUNT: &str = "acct_1WindowBalancesOther";
/// The other account's copy: large enough that its export runs for a while.
const LARGE: usize = 100_000;

async fn wait_js(w: &webdriver::Session, script: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while w.execute(script).await != Value::Bool(true) {
        if Instant::now() > deadline {
            let screen = w
                .execute("return document.getElementById('main').innerText.slice(-2000);")
                .await;
            panic!("never: {what}; the screen reads {screen}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Picks the option of a drop-down whose text starts with `label`, with its change event.
async fn choose_in(w: &webdriver::Session, select: &str, label: &str) {
    w.find(select).await;
    let done = w
        .execute(&format!(
            "const s = document.querySelector({select:?}); const o = Array.from(s.options).find((o) => o.text.startsWith({label:?})); if (!o) return false; s.value = o.value; s.dispatchEvent(new Event('change', {{bubbles: true}})); return true;"
        ))
        .await;
    assert_eq!(done, Value::Bool(true), "{select} has no option {label}");
}

/// `2026-11-25 09:30:05` for unix seconds, read as UTC.
fn clock(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .unwrap()
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `balances_page` replies the app has sent, from its IPC audit.
fn page_calls(data_dir: &std::path::Path) -> usize {
    std::fs::read_to_string(data_dir.join("ipc-replies.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| l.contains(r#""command":"balances_page""#))
        .count()
}

/// `minor` as the screen shows it: grouped thousands, the currency's decimals.
fn shown(minor: i64, decimals: u32) -> String {
    let digits = format!(
        "{:0>width$}",
        minor.unsigned_abs(),
        width = decimals as usize + 1
    );
    let (whole, frac) = digits.split_at(digits.len() - decimals as usize);
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if minor < 0 { "-" } else { "" };
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    format!("{sign}{grouped}{frac}")
}

/// A CSV amount (`-12.345`) back to minor units, by its digits.
fn minor_units(text: &str) -> i64 {
    text.replace('.', "").parse().expect("an amount")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_filter_total_chart_export_and_offline_on_the_balances_screen() {
    let _window = one_window_at_a_time().await;
    // The simulator runs on a runtime of its own, so the test can stop it
    // (every connection refused) and see the offline view.
    let sim_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sim: Simulator = std::thread::scope(|s| {
        s.spawn(|| sim_runtime.block_on(simulator()))
            .join()
            .unwrap()
    });
    sim.add_account(ACCOUNT, "Acme Balances Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    // The account's days are Tokyo's: the chart says so once a sync has read it.
    sim.set_timezone(ACCOUNT, "Asia/Tokyo");
    sim.seed_sample_data(
        ACCOUNT,
        SeedSpec {
            customers: 0,
            products: 0,
            subscriptions: 0,
            balance_transactions: 4000,
            rng_seed: 10,
        },
    );
    // Slow enough that the progress of a first sync is there to see.
    sim.set_latency(Duration::from_millis(150));
    sim.set_rate_limit(Some(25));
    assert!(sim.balance_transactions(ACCOUNT).len() >= 4000);

    let data_dir = temp_dir("window-balances");
    let shots = artifacts_dir();
    let driver = Driver::start(APP, &sim, &data_dir);
    let w = driver.session().await;
    connect_with_key(&w, KEY, "Secret key, test mode", "Acme Balances Shop").await;

    // Issuing spend, a reserve, a Connect reserve and a manual payout: a
    // healthy account that must not "differ" from Stripe's balance.
    sim.add_issuing_activity(ACCOUNT, "usd", 250_000, 61_234);
    sim.hold_reserve(ACCOUNT, "usd", 50_000);
    sim.set_connect_reserved(ACCOUNT, "usd", 4_200);
    let manual = sim.add_manual_payout(ACCOUNT, "usd", 10_000);
    let truth = sim.balance_transactions(ACCOUNT);

    w.click("#nav-balances").await;
    w.wait_for_text("#bal-status", "No transactions stored yet")
        .await;
    // "Never" synced: nothing is claimed before a sync has finished, and
    // no currency is called different from Stripe's balance.
    w.wait_for_text("#bal-status", "never synced").await;
    w.wait_for_text("#bal-reconcile", "Not synced yet").await;
    w.wait_for_text(
        "#bal-now-table tr[data-currency='usd'] td:last-child",
        "Not synced yet",
    )
    .await;
    assert_eq!(w.count("#bal-now-table td.is-diff").await, 0);
    assert_plain_words(&w, "Balances").await;
    w.screenshot(&shots.join("balances-00-not-synced.png"))
        .await;
    // Cancel stops a sync cleanly; the next one resumes (slow pages make the moment certain).
    sim.set_latency(Duration::from_millis(1500));
    w.click("#btn-bal-sync").await;
    w.wait_for_text("#bal-sync-progress", "transactions stored")
        .await;
    w.click("#btn-bal-cancel-sync").await;
    wait_js(
        &w,
        "const m = document.getElementById('bal-sync-message'); return !!m && m.textContent.startsWith('Sync cancelled');",
        "the sync stops on Cancel",
    )
    .await;
    w.wait_for_text("#bal-status", "first sync not finished")
        .await;
    sim.set_latency(Duration::from_millis(150));
    w.click("#btn-bal-sync").await;
    // Progress while it runs: transactions stored, the pace, in words.
    w.wait_for_text("#bal-sync-progress", "transactions stored")
        .await;
    let during = w.text("#bal-sync-progress").await;
    assert!(during.contains("a second"), "{during}");
    assert_plain_words(&w, "Balances").await;
    w.screenshot(&shots.join("balances-01-syncing.png")).await;
    wait_js(
        &w,
        "const m = document.getElementById('bal-sync-message'); return !!m && m.textContent.startsWith('Synced');",
        "the sync finishes",
    )
    .await;
    let stored = format!("{} transactions stored", shown(truth.len() as i64, 0));
    w.wait_for_text("#bal-status", &stored).await;
    w.wait_for_text(
        "#bal-sync-message",
        "1 manual payout: Stripe does not list what it settled.",
    )
    .await;
    // The copy agrees with GET /v1/balance, part by part: Issuing's own
    // balance matches, the reserve and the Connect reserve stand beside.
    w.wait_for_text("#bal-reconcile", "Stripe's balance matches your copy.")
        .await;
    assert_eq!(w.count("#bal-now-table td.is-diff").await, 0);
    w.wait_for_text("#bal-now-table tr[data-part='issuing']", "Issuing balance")
        .await;
    assert_eq!(
        w.text("#bal-now-table tr[data-part='issuing'] td:last-child")
            .await,
        "0.00 USD"
    );
    let reserve = w.text("#bal-now-table tr[data-part='risk_reserved']").await;
    assert!(
        reserve.contains("Held in reserve by Stripe")
            && reserve.contains("500.00 USD")
            && reserve.contains("Not compared"),
        "{reserve}"
    );
    let connect = w
        .text("#bal-now-table tr[data-part='connect_reserved']")
        .await;
    assert!(
        connect.contains("42.00 USD") && connect.contains("Not compared"),
        "{connect}"
    );
    w.wait_for_text(
        "#bal-now [data-note='risk_reserved']",
        "Stripe's balance does not show its reserve apart",
    )
    .await;
    w.wait_for_text(
        "#bal-chart-zone",
        "Days are Tokyo time, the account's time zone",
    )
    .await;
    assert_plain_words(&w, "Balances").await;
    w.execute("document.getElementById('screen-title').scrollIntoView();")
        .await;
    w.screenshot_both_themes(&shots.join("balances-02-synced.png"))
        .await;
    // Stripe's balance off by 1.234 KWD: the difference is shown, never hidden.
    sim.set_balance_skew(ACCOUNT, "kwd", 1234);
    w.click("#btn-bal-refresh").await;
    w.wait_for_text("#bal-reconcile", "Stripe's balance and your copy differ")
        .await;
    assert_eq!(
        w.text("#bal-now-table tr[data-currency='kwd'] td.is-diff")
            .await,
        "1.234 KWD"
    );
    assert_eq!(
        w.count("#bal-now-table td.is-diff").await,
        1,
        "only KWD differs"
    );
    w.screenshot(&shots.join("balances-02b-difference.png"))
        .await;
    assert_plain_words(&w, "Balances").await;
    sim.set_balance_skew(ACCOUNT, "kwd", 0);
    w.click("#btn-bal-refresh").await;
    w.wait_for_text("#bal-reconcile", "Stripe's balance matches your copy.")
        .await;

    // The filters offer what the copy holds, in words: "Charge", not "charge".
    let options = w
        .execute(
            "return Array.from(document.querySelectorAll('#flt-type option')).map((o) => o.text);",
        )
        .await;
    let options: Vec<&str> = options
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    for word in [
        "All types",
        "Charge",
        "Refund",
        "Stripe fee",
        "Payout",
        "Issuing card spending",
        "Reserve held",
    ] {
        assert!(options.contains(&word), "{word} not among {options:?}");
    }
    assert!(options.iter().all(|o| !o.contains('_')), "{options:?}");
    let currencies = w
        .execute("return Array.from(document.querySelectorAll('#flt-currency option')).map((o) => o.text).join('|');")
        .await;
    assert!(currencies.as_str().unwrap().contains("JPY"), "{currencies}");

    // Filter: charges in JPY; totals equal an integer sum over the simulator's data.
    choose_in(&w, "#flt-type", "Charge").await;
    choose_in(&w, "#flt-currency", "JPY").await;
    w.click("#btn-bal-apply").await;
    let mut expected: BTreeMap<&str, (u64, i64, i64, i64)> = BTreeMap::new();
    for t in &truth {
        let cur = t["currency"].as_str().unwrap();
        if t["type"] == "charge" && (cur == "jpy" || cur == "kwd") {
            let e = expected.entry(cur).or_default();
            e.0 += 1;
            e.1 += t["amount"].as_i64().unwrap();
            e.2 += t["fee"].as_i64().unwrap();
            e.3 += t["net"].as_i64().unwrap();
        }
    }
    assert_eq!(expected.len(), 2, "the seed has JPY and KWD charges");
    for (cur, (_, amount, fee, net)) in expected.iter().filter(|(c, _)| **c == "jpy") {
        let decimals = 0;
        let row = format!("#bal-totals-table tr[data-currency='{cur}']");
        w.wait_for_text(
            &format!("{row} td[data-total='net']"),
            &format!("{} {}", shown(*net, decimals), cur.to_uppercase()),
        )
        .await;
        assert_eq!(
            w.text(&format!("{row} td[data-total='amount']")).await,
            format!("{} {}", shown(*amount, decimals), cur.to_uppercase())
        );
        assert_eq!(
            w.text(&format!("{row} td[data-total='fee']")).await,
            format!("{} {}", shown(*fee, decimals), cur.to_uppercase())
        );
    }
    assert_eq!(w.count("#bal-totals-table tbody tr").await, 1);
    let selected = expected["jpy"].0;
    w.wait_for_text(
        "#bt-count",
        &format!("{} transactions", shown(selected as i64, 0)),
    )
    .await;
    // The summary by category uses the same filters, says so, and agrees
    // with the totals: Charges show gross, Stripe's fees and net.
    let (_, amount, fee, net) = expected["jpy"];
    let summary = ".bal-summary[data-currency='jpy']";
    for (sum, value) in [("gross", amount), ("fee", fee), ("net", net)] {
        let want = format!("{} JPY", shown(value, 0));
        w.wait_for_text(
            &format!("{summary} tr[data-category='charge'] td[data-sum='{sum}']"),
            &want,
        )
        .await;
        assert_eq!(
            w.text(&format!("{summary} tr[data-total] td[data-sum='{sum}']"))
                .await,
            want
        );
    }
    assert_eq!(w.count(&format!("{summary} tr[data-category]")).await, 1);
    let said = w.text("#bal-totals-filter").await;
    assert_eq!(said, "For Charge · JPY");
    assert_eq!(w.text("#bal-summary-filter").await, said);
    assert_plain_words(&w, "Balances").await;
    w.execute("document.getElementById('bal-totals').scrollIntoView();")
        .await;
    w.screenshot(&shots.join("balances-03-filtered.png")).await;

    // Dates are checked at their field: a half-typed one says so and
    // nothing is applied; an end before the start too.
    w.send_keys("#flt-created-from", "11").await;
    w.click("#btn-bal-apply").await;
    w.wait_for_text("#flt-created-from-message", "Finish the date")
        .await;
    w.wait_for_text("#bal-filters-message", "Nothing was applied")
        .await;
    assert_eq!(w.text("#bal-totals-filter").await, said);
    w.execute("for (const [id, v] of [['flt-created-from', '2026-03-10'], ['flt-created-to', '2026-03-01']]) { const i = document.getElementById(id); i.value = v; i.dispatchEvent(new Event('input')); }")
        .await;
    w.click("#btn-bal-apply").await;
    w.wait_for_text("#flt-created-to-message", "This is before the start date.")
        .await;
    assert_eq!(w.text("#flt-created-from-message").await, "");
    assert_plain_words(&w, "Balances").await;
    w.execute("document.getElementById('bal-filters').scrollIntoView();")
        .await;
    w.screenshot(&shots.join("balances-03b-dates-checked.png"))
        .await;

    // The Created filter counts the account's days (Tokyo's, UTC+9), not
    // UTC's: one day picked where the two differ.
    const TOKYO: i64 = 9 * 3600;
    let created: Vec<i64> = truth
        .iter()
        .map(|t| t["created"].as_i64().unwrap())
        .collect();
    let in_day = |start: i64| {
        created
            .iter()
            .filter(|c| (start..start + 86_400).contains(*c))
            .count()
    };
    let (tokyo_midnight, tokyo_count) = created
        .iter()
        .map(|c| (c + TOKYO).div_euclid(86_400) * 86_400 - TOKYO)
        .map(|start| (start, in_day(start)))
        .find(|(start, n)| *n != in_day(start + TOKYO))
        .expect("a day whose transactions differ between Tokyo and UTC");
    let date = w
        .execute(&format!(
            "return new Date({}).toISOString().slice(0, 10);",
            (tokyo_midnight + TOKYO) * 1000
        ))
        .await;
    let date = date.as_str().unwrap();
    w.execute(&format!(
        "for (const [id, v] of [['flt-type', ''], ['flt-currency', ''], ['flt-created-from', '{date}'], ['flt-created-to', '{date}']]) {{ const i = document.getElementById(id); i.value = v; i.dispatchEvent(new Event('input')); }}"
    ))
    .await;
    w.click("#btn-bal-apply").await;
    wait_js(
        &w,
        &format!("return document.getElementById('bt-count').textContent === '{tokyo_count} transactions';"),
        &format!("{tokyo_count} transactions on {date} in Tokyo"),
    )
    .await;
    // The messages of the last Apply no longer hold: gone.
    assert_eq!(w.text("#flt-created-to-message").await, "");
    assert_eq!(w.text("#bal-filters-message").await, "");
    // One day, with the balance before and after it.
    w.wait_for_text("#bal-summary-filter", "For created ").await;
    w.wait_for_text(".bal-summary tr[data-edge='start']", "Balance before")
        .await;

    // Scroll the table far down: rows arrive by keyset pages; the DOM holds only what is visible.
    w.click("#btn-bal-reset").await;
    w.wait_for_text("#bt-count", &stored.replace(" stored", ""))
        .await;
    w.execute("const s = document.getElementById('bt-scroll'); s.scrollTop = 1500 * 30; s.dispatchEvent(new Event('scroll'));")
        .await;
    wait_js(
        &w,
        "return !!document.querySelector('.bt-row[data-index=\"1500\"]');",
        "row 1500 is drawn after scrolling",
    )
    .await;
    let in_dom = w.count(".bt-row").await;
    assert!(in_dom < 40, "{in_dom} rows in the DOM");
    // Newest first: row 1500 is the 1501st newest of the simulator's data.
    let mut by_created: Vec<(i64, &str)> = truth
        .iter()
        .map(|t| (t["created"].as_i64().unwrap(), t["id"].as_str().unwrap()))
        .collect();
    by_created.sort_by(|a, b| b.cmp(a));
    let id_1500 = w
        .execute("return document.querySelector('.bt-row[data-index=\"1500\"]').dataset.id;")
        .await;
    assert_eq!(id_1500.as_str(), Some(by_created[1500].1));
    w.click(".bt-row[data-index='1500']").await;
    w.wait_for_text("#bal-detail .card-title", by_created[1500].1)
        .await;
    wait_js(
        &w,
        &format!(
            "return document.getElementById('bal-json').textContent.includes('\"id\": \"{}\"');",
            by_created[1500].1
        ),
        "the transaction's JSON",
    )
    .await;
    w.screenshot(&shots.join("balances-04-scrolled-detail.png"))
        .await;

    // End jumps to the bottom at once: the last page is the first of the
    // reversed sort, read in one request instead of every page from the top.
    // Page requests are counted in the app's IPC audit (one line a reply).
    let before_end = page_calls(&data_dir);
    let last = by_created.len() - 1;
    let jumped = Instant::now();
    w.send_keys("#bt-scroll", "\u{E010}").await;
    wait_js(
        &w,
        &format!(
            "const r = document.querySelector('.bt-row[data-index=\"{last}\"]'); return !!r && r.dataset.id === '{}';",
            by_created[last].1
        ),
        "the oldest transaction, the last row, after End",
    )
    .await;
    let took = jumped.elapsed();
    println!("End to the last row on screen: {} ms", took.as_millis());
    assert!(took < Duration::from_secs(3), "End took {took:?}");
    let end_calls = page_calls(&data_dir) - before_end;
    // One, or two when the view shows the short last page and the one before it.
    assert!(end_calls <= 2, "End read {end_calls} pages");
    w.screenshot(&shots.join("balances-04b-end.png")).await;
    // A jump back into the table walks backward from the end's pages,
    // the nearer anchor, not forward from row 1500.
    w.execute("const s = document.getElementById('bt-scroll'); s.scrollTop = 3300 * 30; s.dispatchEvent(new Event('scroll'));")
        .await;
    wait_js(
        &w,
        &format!(
            "const r = document.querySelector('.bt-row[data-index=\"3300\"]'); return !!r && r.dataset.id === '{}';",
            by_created[3300].1
        ),
        "row 3300 after a jump up from the end",
    )
    .await;
    assert_eq!(
        page_calls(&data_dir) - before_end - end_calls,
        1,
        "one backward request from the end's pages"
    );
    let in_dom = w.count(".bt-row").await;
    assert!(in_dom < 40, "{in_dom} rows in the DOM");

    // A transaction made in the last hour of a UTC day is made in the first
    // hour of the next day in Tokyo: the table and the detail read Tokyo's
    // clock, and the table names the zone once.
    w.wait_for_text("#bt-zone", "Times are Tokyo time, the account's time zone")
        .await;
    let near = by_created
        .iter()
        .position(|(c, _)| c.rem_euclid(86_400) >= 15 * 3600 && c.rem_euclid(86_400) < 16 * 3600)
        .expect("a transaction between 15:00 and 16:00 UTC");
    let (created_at, near_id) = by_created[near];
    let available_on = truth.iter().find(|t| t["id"] == near_id).unwrap()["available_on"]
        .as_i64()
        .unwrap();
    let tokyo_time = clock(created_at + TOKYO);
    assert_ne!(
        tokyo_time[..10],
        clock(created_at)[..10],
        "a different day in Tokyo and UTC"
    );
    w.execute(&format!(
        "const s = document.getElementById('bt-scroll'); s.scrollTop = {near} * 30; s.dispatchEvent(new Event('scroll'));"
    ))
    .await;
    let row = format!(".bt-row[data-index='{near}']");
    // To the minute in the table; the detail has the seconds.
    w.wait_for_text(&format!("{row} span:nth-child(1)"), &tokyo_time[..16])
        .await;
    let id = w
        .execute(&format!(
            "return document.querySelector(\"{row}\").dataset.id;"
        ))
        .await;
    assert_eq!(id.as_str(), Some(near_id));
    assert_eq!(
        w.text(&format!("{row} span:nth-child(9)")).await,
        clock(available_on + TOKYO)[..10]
    );
    w.click(&row).await;
    w.wait_for_text(
        "#bal-detail .bal-facts",
        &format!("{tokyo_time} Tokyo time"),
    )
    .await;
    w.wait_for_text("#export-zone", "Dates in the file are UTC")
        .await;
    // Every column fits: the last one ends inside the table, none is cut at its edge.
    let fits = w
        .execute("const t = document.getElementById('bt-scroll'); const last = document.querySelector('.bt-row span:last-child'); return last.getBoundingClientRect().right <= t.getBoundingClientRect().right && t.scrollWidth <= t.clientWidth;")
        .await;
    assert_eq!(
        fits,
        Value::Bool(true),
        "a column is cut off at the table's edge"
    );
    let headings_fit = w
        .execute("return Array.from(document.querySelectorAll('.bt-sort')).every((b) => b.scrollWidth <= b.clientWidth + 1 && b.scrollHeight <= b.clientHeight + 1);")
        .await;
    assert_eq!(
        headings_fit,
        Value::Bool(true),
        "a column heading is cut short"
    );
    // Dates, amounts and statuses are never cut short ("pen…" for "Pending").
    for (column, what) in [
        (1, "a time"),
        (4, "a gross"),
        (6, "a net"),
        (8, "a status"),
        (9, "an available date"),
    ] {
        let fit = w
            .execute(&format!("return Array.from(document.querySelectorAll('.bt-row span:nth-child({column})')).every((s) => s.scrollWidth <= s.clientWidth);"))
            .await;
        assert_eq!(fit, Value::Bool(true), "{what} is cut short");
    }
    assert_plain_words(&w, "Balances").await;
    w.execute("document.getElementById('bal-table-card').scrollIntoView();")
        .await;
    w.screenshot(&shots.join("balances-04c-near-midnight.png"))
        .await;

    // Payouts. A manual one: Stripe does not list what it settled.
    let open_row = |index: usize| {
        format!("const s = document.getElementById('bt-scroll'); s.scrollTop = {index} * 30; s.dispatchEvent(new Event('scroll'));")
    };
    let manual_txn = truth
        .iter()
        .find(|t| t["source"] == manual.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap();
    let at = by_created
        .iter()
        .position(|(_, id)| *id == manual_txn)
        .unwrap();
    w.execute(&open_row(at)).await;
    w.click(&format!(".bt-row[data-index='{at}']")).await;
    w.wait_for_text(
        "#bal-payout-state",
        "Manual payout: Stripe does not list what it settled.",
    )
    .await;
    assert_plain_words(&w, "Balances").await;
    w.execute("document.getElementById('bal-payout').scrollIntoView({block: 'end'});")
        .await;
    w.screenshot(&shots.join("balances-04d-manual-payout.png"))
        .await;
    // An automatic one: how many it paid out and the newest few; the table shows them all.
    let (po_txn, po, settled) = truth
        .iter()
        .filter(|t| t["type"] == "payout" && t["source"] != manual.as_str())
        .map(|t| {
            let po = t["source"].as_str().unwrap();
            (
                t["id"].as_str().unwrap(),
                po,
                sim.payout_settled(ACCOUNT, po).len(),
            )
        })
        .max_by_key(|p| p.2)
        .unwrap();
    assert!(settled > 10);
    let at = by_created.iter().position(|(_, id)| *id == po_txn).unwrap();
    w.execute(&open_row(at)).await;
    w.click(&format!(".bt-row[data-index='{at}']")).await;
    let all = shown(settled as i64, 0);
    w.wait_for_text("#bal-payout-limit", &format!("The newest 10 of {all}"))
        .await;
    w.wait_for_text("#bal-payout-state", "equals the payout")
        .await;
    assert_eq!(w.count("#bal-payout-rows tbody tr").await, 10);
    assert_plain_words(&w, "Balances").await;
    w.execute("document.getElementById('bal-payout').scrollIntoView({block: 'end'});")
        .await;
    w.screenshot(&shots.join("balances-04e-payout.png")).await;
    w.click("#btn-bal-payout-all").await;
    w.wait_for_text("#bt-count", &format!("{all} transactions"))
        .await;
    w.wait_for_text("#bal-totals-filter", &format!("paid out in {po}"))
        .await;
    w.click("#btn-bal-reset").await;
    w.wait_for_text("#bt-count", &stored.replace(" stored", ""))
        .await;

    // Sort by net: money columns sort within each currency, then by amount, then created and ID.
    let mut by_net: Vec<(&str, i64, i64, &str)> = truth
        .iter()
        .map(|t| {
            (
                t["currency"].as_str().unwrap(),
                t["net"].as_i64().unwrap(),
                t["created"].as_i64().unwrap(),
                t["id"].as_str().unwrap(),
            )
        })
        .collect();
    by_net.sort();
    w.click("[data-sort='net']").await;
    wait_js(
        &w,
        &format!(
            "const r = document.querySelector('.bt-row[data-index=\"0\"]'); return !!r && r.dataset.id === '{}';",
            by_net[0].3
        ),
        "the smallest net first",
    )
    .await;
    // The summary (all time): each currency's balance after is the sum of its nets.
    for cur in ["jpy", "kwd", "usd"] {
        let net: i64 = truth
            .iter()
            .filter(|t| t["currency"] == cur)
            .map(|t| t["net"].as_i64().unwrap())
            .sum();
        let decimals = match cur {
            "jpy" => 0,
            "kwd" => 3,
            _ => 2,
        };
        w.wait_for_text(
            &format!(".bal-summary[data-currency='{cur}'] tr[data-edge='end']"),
            &format!("{} {}", shown(net, decimals), cur.to_uppercase()),
        )
        .await;
    }

    // The chart (uPlot, served from the app) draws the net per month.
    w.execute("document.getElementById('bal-chart-card').scrollIntoView();")
        .await;
    wait_js(
        &w,
        "return !!document.querySelector('#bal-chart canvas');",
        "the chart",
    )
    .await;
    w.execute("const s = document.getElementById('chart-bucket'); s.value = 'month'; s.dispatchEvent(new Event('change'));")
        .await;
    wait_js(
        &w,
        "return document.getElementById('chart-bucket').value === 'month' && !!document.querySelector('#bal-chart canvas');",
        "the monthly chart",
    )
    .await;
    w.screenshot_both_themes(&shots.join("balances-05-chart.png"))
        .await;
    // The canvas knows no CSS: the net line takes the palette's colour for
    // the theme in use, and is drawn again when the theme changes. (Its
    // legend marker is drawn in the line's colour.)
    let net_line_is_the_palettes = "const p = document.createElement('span'); \
         p.style.color = 'var(--chart-net)'; document.body.append(p); \
         const palette = getComputedStyle(p).color; p.remove(); \
         const marker = document.querySelector('#bal-chart .u-series:nth-child(2) .u-marker'); \
         return !!marker && getComputedStyle(marker).borderTopColor === palette;";
    let net_line = "return getComputedStyle(document.querySelector('#bal-chart .u-series:nth-child(2) .u-marker')).borderTopColor;";
    wait_js(
        &w,
        net_line_is_the_palettes,
        "the net line in the light theme's colour",
    )
    .await;
    let light = w.execute(net_line).await;
    w.execute("document.documentElement.dataset.theme = 'dark';")
        .await;
    wait_js(
        &w,
        net_line_is_the_palettes,
        "the net line in the dark theme's colour",
    )
    .await;
    assert_ne!(
        w.execute(net_line).await,
        light,
        "the net line kept its light colour in the dark theme"
    );
    w.execute("document.documentElement.removeAttribute('data-theme');")
        .await;
    wait_js(
        &w,
        net_line_is_the_palettes,
        "the net line back in the system theme's colour",
    )
    .await;

    // CSV of the KWD charges, read back: every row, and sums equal to the simulator's.
    choose_in(&w, "#flt-type", "Charge").await;
    choose_in(&w, "#flt-currency", "KWD").await;
    w.click("#btn-bal-apply").await;
    let kwd = expected["kwd"];
    w.wait_for_text("#bt-count", &format!("{} transactions", kwd.0))
        .await;
    let out = temp_dir("window-balances-export").join("kwd charges.csv");
    // Where to save is picked in the system's save dialog (the app opens it).
    w.click("#btn-export").await;
    answer_file_dialog("Export balance transactions", &out, true).await;
    w.wait_for_text("#export-message", "Exported").await;
    assert_plain_words(&w, "Balances").await;
    let text = std::fs::read_to_string(&out).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 BOM for Excel");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "id");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (mut rows, mut amount, mut fee, mut net) = (0u64, 0i64, 0i64, 0i64);
    for record in reader.records() {
        let r = record.unwrap();
        assert_eq!(&r[col("currency")], "KWD");
        assert_eq!(&r[col("type")], "charge");
        assert_eq!(
            r[col("net")].split('.').nth(1).map(str::len),
            Some(3),
            "three decimals"
        );
        assert!(r[col("created")].ends_with('Z'), "ISO 8601 in UTC");
        rows += 1;
        amount += minor_units(&r[col("amount")]);
        fee += minor_units(&r[col("fee")]);
        net += minor_units(&r[col("net")]);
    }
    assert_eq!((rows, amount, fee, net), kwd);
    w.execute("document.getElementById('bal-export').scrollIntoView();")
        .await;
    w.screenshot(&shots.join("balances-06-exported.png")).await;
    // The filters change: the message about the last export no longer holds.
    w.click("#btn-bal-reset").await;
    wait_js(
        &w,
        "return document.getElementById('export-message').textContent === '';",
        "the export's message cleared when the selection changed",
    )
    .await;

    // Each account has its own copy: a second connection shows its own one,
    // and switching back shows the first again. The second one is large, as
    // a finished first sync leaves it (a sync of this many at test mode's
    // 2,500 objects/s would take most of a minute).
    sim.add_account(OTHER_ACCOUNT, "Other Books");
    sim.add_key(OTHER_KEY, OTHER_ACCOUNT, KeyAccess::Full);
    sim.seed_sample_data(
        OTHER_ACCOUNT,
        SeedSpec {
            customers: 0,
            products: 0,
            subscriptions: 0,
            balance_transactions: LARGE,
            rng_seed: 11,
        },
    );
    let other_truth = sim.balance_transactions(OTHER_ACCOUNT);
    let other_copy = BalanceStore::open(&BalanceStore::path_for(
        &data_dir,
        OTHER_ACCOUNT,
        Mode::Test,
    ))
    .unwrap();
    for chunk in other_truth.chunks(10_000) {
        other_copy.upsert(chunk).unwrap();
    }
    other_copy.build_indexes().unwrap();
    drop(other_copy);
    let other_stored = format!("{} transactions stored", shown(other_truth.len() as i64, 0));
    w.click("#nav-connections").await;
    w.type_into("#key-input", OTHER_KEY).await;
    w.wait_for_text("#key-message", "Secret key, test mode")
        .await;
    w.click("#btn-save-key").await;
    w.wait_for_text(".connection-card", "Other Books").await;
    choose_in(&w, "#account-switcher", "Other Books").await;
    w.wait_for_text("#header-account", "Other Books").await;
    w.click("#nav-balances").await;
    w.wait_for_text("#bal-status", &other_stored).await;

    // A large export cancelled while its progress shows leaves no file and
    // no temporary file behind. Cancel is pressed the moment the first
    // progress appears (from the page, so the export cannot finish first).
    let cancelled_dir = temp_dir("window-balances-cancelled-export");
    let cancelled = cancelled_dir.join("everything.csv");
    w.execute(
        "const m = document.getElementById('export-message'); window.exportSeen = ''; new MutationObserver((_, o) => { if (/rows written/.test(m.textContent)) { o.disconnect(); window.exportSeen = m.textContent; document.getElementById('btn-export-cancel').click(); } }).observe(m, {childList: true, characterData: true, subtree: true});",
    )
    .await;
    w.click("#btn-export").await;
    answer_file_dialog("Export balance transactions", &cancelled, true).await;
    w.wait_for_text("#export-message", "Export cancelled; no file was written.")
        .await;
    let seen = w.execute("return window.exportSeen;").await;
    let of_total = format!(" of {} rows written", shown(other_truth.len() as i64, 0));
    assert!(
        seen.as_str().is_some_and(|s| s.ends_with(&of_total)),
        "progress was shown before the cancel: {seen}"
    );
    let left: Vec<_> = std::fs::read_dir(&cancelled_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "a cancelled export left {left:?}");
    w.execute("document.getElementById('bal-export').scrollIntoView();")
        .await;
    w.screenshot(&shots.join("balances-06b-export-cancelled.png"))
        .await;

    choose_in(&w, "#account-switcher", "Acme Balances Shop").await;
    w.wait_for_text("#header-account", "Acme Balances Shop")
        .await;
    w.wait_for_text("#bal-status", &stored).await;

    // Stripe unreachable: the screen works from the copy and says when it was last synced.
    sim_runtime.shutdown_background();
    w.click("#btn-bal-refresh").await;
    w.wait_for_text("#bal-offline", "Offline").await;
    assert_plain_words(&w, "Balances").await;
    // A time on the user's own clock (its format is the locale's), not "never".
    let synced_at = |line: &str, words: &str| {
        line.split_once(words)
            .is_some_and(|(_, at)| at.starts_with(|c: char| c.is_ascii_digit()))
    };
    w.wait_for_text("#bal-offline", "Last synced ").await;
    let offline = w.text("#bal-offline").await;
    assert!(synced_at(&offline, "Last synced "), "{offline}");
    let status = w.text("#bal-status").await;
    assert!(synced_at(&status, "last synced "), "{status}");
    w.click("#btn-bal-reset").await;
    w.wait_for_text("#bt-count", &stored.replace(" stored", ""))
        .await;
    w.wait_for_text(".bt-row[data-index='0']", "").await;
    w.execute("document.getElementById('screen-title').scrollIntoView();")
        .await;
    w.screenshot(&shots.join("balances-07-offline.png")).await;

    // Removing the connection asks about the copy; "Delete the copy" deletes its database.
    let copies = data_dir.join("balances");
    // One database per account (and mode), with its WAL files.
    let files = |prefix: &str| {
        std::fs::read_dir(&copies)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(prefix)
            })
            .count()
    };
    let acme = format!("{ACCOUNT}-");
    let other = format!("{OTHER_ACCOUNT}-");
    assert!(files(&acme) > 0, "the copy is on disk");
    w.click("#nav-connections").await;
    w.click(".connection-card.is-active .btn-remove").await;
    w.click("#confirm-yes").await;
    w.wait_for_text("#confirm-title", "local copy").await;
    w.screenshot(&shots.join("balances-08-keep-or-delete-copy.png"))
        .await;
    w.click("#confirm-yes").await;
    w.wait_until_gone("#confirm-dialog").await;
    // The dialog closes first; the deletion follows it.
    for _ in 0..100 {
        if files(&acme) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(files(&acme), 0, "the removed account's copy is deleted");
    assert!(files(&other) > 0, "the other account's copy stays");
    assert_every_call_audited(&data_dir).await;
    w.quit().await;
    // The other account's copy is large: none of it stays behind.
    let _ = std::fs::remove_dir_all(&data_dir);
}
