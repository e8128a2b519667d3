//! Balance data as the Balances screen relies on it: payouts that equal what
//! they settled, a balance that equals the transactions, currencies with
//! their own decimals, filters and paging, and the knobs that break things.

mod common;

use common::{Client, ACCOUNT, KEY};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;
use stripe_sim::{Failure, SeedSpec};

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
