//! Balance data as the Balances screen relies on it: payouts that equal what
//! they settled, a balance that equals the transactions, currencies with
//! their own decimals, filters and paging, and the knobs that break things.

use crate::common;

use crate::common::{Client, ACCOUNT, KEY};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;
use stripe_sim::{Charge, Failure, SeedSpec};

fn seed(n: usize) -> SeedSpec {
    SeedSpec {
        balance_transactions: n,
        rng_seed: 7,
        ..SeedSpec::default()
    }
}

async fn all_pages(c: &Client<'_>, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut path = format!("/v1/balance_transactions?limit=100{query}");
        if let Some(a) = &after {
            path.push_str(&format!("&starting_after={a}"));
        }
        let page = c.get(&path).await.json();
        let data = page["data"].as_array().unwrap().clone();
        after = data.last().map(|t| t["id"].as_str().unwrap().to_string());
        out.extend(data);
        if page["has_more"] == false {
            return out;
        }
    }
}

#[tokio::test]
async fn payouts_balance_and_currencies_agree_with_the_transactions() {
    let sim = common::sim().await;
    sim.seed_sample_data(ACCOUNT, seed(6_000));
    let all = sim.balance_transactions(ACCOUNT);
    assert_eq!(all.len(), 6_000);

    // Decimals: KWD amounts end in 0, ISK in 00, in every amount field.
    let mut currencies = HashSet::new();
    for t in &all {
        let c = t["currency"].as_str().unwrap();
        currencies.insert(c.to_string());
        let step = match c {
            "kwd" => 10,
            "isk" => 100,
            _ => 1,
        };
        for f in ["amount", "fee", "net"] {
            assert_eq!(t[f].as_i64().unwrap() % step, 0, "{c} {f} {t}");
        }
    }
    for c in ["usd", "eur", "jpy", "kwd", "isk"] {
        assert!(currencies.contains(c), "{c} missing");
    }

    // Each payout's amount is minus the nets it settled, fetched through the filter.
    let c = Client::new(&sim, KEY);
    let payouts: Vec<&Value> = all.iter().filter(|t| t["type"] == "payout").collect();
    assert!(payouts.len() >= 40, "{}", payouts.len());
    for po in payouts.iter().take(8) {
        let id = po["source"].as_str().unwrap();
        let settled = all_pages(&c, &format!("&payout={id}")).await;
        assert!(!settled.is_empty());
        let sum: i64 = settled.iter().map(|t| t["net"].as_i64().unwrap()).sum();
        assert_eq!(po["amount"].as_i64().unwrap(), -sum, "{id}");
        assert!(settled.iter().all(|t| t["currency"] == po["currency"]));
        assert!(settled.iter().all(|t| t["status"] == "available"));
    }

    // available + pending per currency equals the sum of nets.
    let mut nets: BTreeMap<String, i64> = BTreeMap::new();
    for t in &all {
        *nets
            .entry(t["currency"].as_str().unwrap().into())
            .or_default() += t["net"].as_i64().unwrap();
    }
    let bal = c.get("/v1/balance").await.json();
    let side = |k: &str, cur: &str| {
        bal[k]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["currency"] == cur)
            .map_or(0, |e| e["amount"].as_i64().unwrap())
    };
    for (cur, net) in &nets {
        assert_eq!(side("available", cur) + side("pending", cur), *net, "{cur}");
    }
    assert!(all.iter().any(|t| t["status"] == "pending"));

    // Broken on purpose: the balance moves, the transactions do not.
    sim.set_balance_skew(ACCOUNT, "eur", 1234);
    let bal2 = c.get("/v1/balance").await.json();
    let eur = |b: &Value| {
        b["available"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["currency"] == "eur")
            .unwrap()["amount"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(eur(&bal2) - eur(&bal), 1234);

    // Time settles pending rows.
    sim.advance_clock(Duration::from_secs(4 * 86_400));
    assert!(sim
        .balance_transactions(ACCOUNT)
        .iter()
        .all(|t| t["status"] == "available"));
}

#[tokio::test]
async fn created_ranges_page_exactly_and_filters_combine() {
    let sim = common::sim().await;
    sim.seed_sample_data(ACCOUNT, seed(3_000));
    let all = sim.balance_transactions(ACCOUNT);
    let c = Client::new(&sim, KEY);
    let now = sim.now();
    let (lo, hi) = (now - 200 * 86_400, now - 100 * 86_400);
    let got = all_pages(&c, &format!("&created[gte]={lo}&created[lt]={hi}")).await;
    let mut want: Vec<&str> = all
        .iter()
        .filter(|t| (lo..hi).contains(&t["created"].as_i64().unwrap()))
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    let mut ids: Vec<&str> = got.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), want.len());
    ids.sort();
    want.sort();
    assert_eq!(ids, want, "every row once, none twice");

    let gt_lte = all_pages(
        &c,
        &format!("&created[gt]={lo}&created[lte]={hi}&currency=jpy&type=charge"),
    )
    .await;
    let expected = all
        .iter()
        .filter(|t| {
            let cr = t["created"].as_i64().unwrap();
            cr > lo && cr <= hi && t["currency"] == "jpy" && t["type"] == "charge"
        })
        .count();
    assert_eq!(gt_lte.len(), expected);
    assert!(expected > 0);

    // Stripe has no `available_on` filter on this list, and neither does the simulator.
    let r = c.get("/v1/balance_transactions?available_on[gte]=1").await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn random_failures_and_rate_limit_knobs() {
    let sim = common::sim().await;
    let c = Client::new(&sim, KEY);
    sim.set_random_failures(1.0, &[Failure::ServerError500]);
    assert_eq!(c.get("/v1/balance").await.status, 500);
    sim.set_random_failures(0.0, &[]);
    assert_eq!(c.get("/v1/balance").await.status, 200);

    sim.set_rate_limit(Some(5));
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(c.get("/v1/balance").await.status);
    }
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(limited >= 5, "{statuses:?}");
    let r = c.get("/v1/balance").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error"]["code"], "rate_limit");
}

/// Stripe's `payout` filter is "for automatic Stripe payouts only": a manual
/// payout is refused in Stripe's words, and an automatic one lists what it
/// settled only once its `reconciliation_status` is `completed`.
#[tokio::test]
async fn only_reconciled_automatic_payouts_list_what_they_settled() {
    let sim = common::sim().await;
    sim.seed_sample_data(ACCOUNT, seed(2_000));
    let c = Client::new(&sim, KEY);

    // Every seeded payout is automatic and reconciled, and has its object.
    let all = sim.balance_transactions(ACCOUNT);
    let payout_rows: Vec<&Value> = all.iter().filter(|t| t["type"] == "payout").collect();
    let listed = {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut path = "/v1/payouts?limit=100".to_string();
            if let Some(a) = &after {
                path.push_str(&format!("&starting_after={a}"));
            }
            let page = c.get(&path).await.json();
            let data = page["data"].as_array().unwrap().clone();
            after = data.last().map(|p| p["id"].as_str().unwrap().to_string());
            out.extend(data);
            if page["has_more"] == false {
                break out;
            }
        }
    };
    assert_eq!(listed.len(), payout_rows.len());
    for row in &payout_rows {
        let po = c
            .get(&format!("/v1/payouts/{}", row["source"].as_str().unwrap()))
            .await
            .json();
        assert_eq!(po["object"], "payout");
        assert_eq!(po["automatic"], true);
        assert_eq!(po["reconciliation_status"], "completed");
        assert_eq!(
            po["amount"].as_i64().unwrap(),
            -row["amount"].as_i64().unwrap()
        );
        assert_eq!(po["balance_transaction"], row["id"]);
    }

    // A manual payout: listing by it is refused, with Stripe's message.
    let manual = sim.add_manual_payout(ACCOUNT, "usd", 12_345);
    let po = c.get(&format!("/v1/payouts/{manual}")).await.json();
    assert_eq!(po["automatic"], false);
    assert_eq!(po["reconciliation_status"], "not_applicable");
    let r = c
        .get(&format!("/v1/balance_transactions?payout={manual}"))
        .await;
    assert_eq!(r.status, 400);
    let e = r.json();
    assert_eq!(
        e["error"]["message"],
        "Balance transaction history can only be filtered on automatic transfers, not manual."
    );
    assert_eq!(e["error"]["param"], "payout");
    assert_eq!(e["error"]["type"], "invalid_request_error");
    // Its own balance transaction is in the list like any other.
    let own = sim.balance_transactions(ACCOUNT);
    let row = own.iter().find(|t| t["source"] == manual.as_str()).unwrap();
    assert_eq!(row["amount"], -12_345);

    // An automatic payout Stripe is still reconciling lists nothing yet;
    // once completed, exactly what it settled.
    sim.advance_clock(Duration::from_secs(5 * 86_400));
    let auto = sim.add_automatic_payout(ACCOUNT, "eur", false);
    let po = c.get(&format!("/v1/payouts/{auto}")).await.json();
    assert_eq!(po["automatic"], true);
    assert_eq!(po["reconciliation_status"], "in_progress");
    let waiting = all_pages(&c, &format!("&payout={auto}")).await;
    assert!(
        waiting.is_empty(),
        "{} listed while in progress",
        waiting.len()
    );
    sim.complete_payout_reconciliation(ACCOUNT, &auto);
    let settled = all_pages(&c, &format!("&payout={auto}")).await;
    assert!(!settled.is_empty());
    let net: i64 = settled.iter().map(|t| t["net"].as_i64().unwrap()).sum();
    assert_eq!(po["amount"].as_i64().unwrap(), net);
    assert!(settled.iter().all(|t| t["currency"] == "eur"));
}

/// Each part of `GET /v1/balance` equals the transactions of its
/// `balance_type`: Issuing spend and reserves never touch available plus
/// pending, and the Connect reserve is a part of its own.
#[tokio::test]
async fn each_part_of_the_balance_equals_the_transactions_of_its_balance_type() {
    let sim = common::sim().await;
    sim.seed_sample_data(ACCOUNT, seed(1_500));
    sim.add_issuing_activity(ACCOUNT, "usd", 500_000, 123_456);
    sim.hold_reserve(ACCOUNT, "usd", 77_700);
    sim.prefund_refunds_and_disputes(ACCOUNT, "eur", 10_000);
    sim.set_connect_reserved(ACCOUNT, "usd", 4_200);
    let c = Client::new(&sim, KEY);
    let bal = c.get("/v1/balance").await.json();
    let all = sim.balance_transactions(ACCOUNT);
    let nets = |balance_type: &str, cur: &str| -> i64 {
        all.iter()
            .filter(|t| t["balance_type"] == balance_type && t["currency"] == cur)
            .map(|t| t["net"].as_i64().unwrap())
            .sum()
    };
    let part = |v: &Value, cur: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|e| e["currency"] == cur)
            .map_or(0, |e| e["amount"].as_i64().unwrap())
    };
    for cur in ["usd", "eur"] {
        assert_eq!(
            part(&bal["available"], cur) + part(&bal["pending"], cur),
            nets("payments", cur),
            "{cur}"
        );
    }
    assert_eq!(part(&bal["issuing"]["available"], "usd"), 500_000 - 123_456);
    assert_eq!(nets("issuing", "usd"), 500_000 - 123_456);
    // Held out of the payments balance, into the Risk Reserved one (which
    // the balance object has no field for).
    assert_eq!(nets("risk_reserved", "usd"), 77_700);
    let holds: Vec<&Value> = all.iter().filter(|t| t["type"] == "reserve_hold").collect();
    assert_eq!(holds.len(), 2);
    assert!(holds
        .iter()
        .all(|t| t["reporting_category"] == "risk_reserved_funds"));
    assert!(bal.get("risk_reserved").is_none());
    let prefunding = &bal["refund_and_dispute_prefunding"];
    assert_eq!(
        part(&prefunding["available"], "eur") + part(&prefunding["pending"], "eur"),
        10_000
    );
    assert_eq!(part(&bal["connect_reserved"], "usd"), 4_200);
    // The issuing rows are of Issuing's types.
    assert!(all
        .iter()
        .filter(|t| t["balance_type"] == "issuing")
        .all(|t| t["type"] == "topup" || t["type"] == "issuing_transaction"));
}

#[tokio::test]
async fn an_account_may_leave_created_out_and_history_may_grow() {
    let sim = common::sim().await;
    let c = Client::new(&sim, KEY);
    assert!(c.get("/v1/account").await.json()["created"].is_i64());
    sim.omit_account_created(ACCOUNT);
    let account = c.get("/v1/account").await.json();
    assert!(account.get("created").is_none(), "{account}");

    // A growing business: 90% of its transactions in the newest 10% of its life.
    sim.seed_growing_balance_history(ACCOUNT, 5_000, 3);
    let all = sim.balance_transactions(ACCOUNT);
    assert_eq!(all.len(), 5_000);
    let created: Vec<i64> = all.iter().map(|t| t["created"].as_i64().unwrap()).collect();
    let (oldest, newest) = (*created.iter().min().unwrap(), sim.now());
    let cut = newest - (newest - oldest) / 10;
    let recent = created.iter().filter(|c| **c >= cut).count();
    assert!(
        (4_400..=4_600).contains(&recent),
        "{recent} in the newest tenth"
    );

    // A charge placed exactly, as a test needs one.
    let at = sim.now() - 3_600;
    let id = sim.add_charge(
        ACCOUNT,
        Charge {
            currency: "eur".into(),
            amount: 10_000,
            created: at,
            description: "=1+1".into(),
        },
    );
    let t = c
        .get(&format!("/v1/balance_transactions/{id}"))
        .await
        .json();
    assert_eq!(t["created"], at);
    assert_eq!(t["fee"], 320);
    assert_eq!(t["description"], "=1+1");
    assert_eq!(t["balance_type"], "payments");
}
