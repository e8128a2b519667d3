//! Requests as real Stripe answers them: a 5xx kept under its idempotency
//! key, the concurrency limiter, the reason a 429 gives, and `expand[]`.

use crate::common::*;
use std::time::Duration;
use stripe_sim::Failure;

#[tokio::test]
async fn a_post_that_failed_with_a_500_is_replayed_for_24_hours() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    sim.fail_next(1, Failure::ServerError500);
    let first = c
        .post_idem("/v1/customers", "name=Once", "key-500")
        .await
        .unwrap();
    assert_eq!(first.status, 500);
    // The same key gets the same 500, however often it is tried.
    for _ in 0..3 {
        let again = c
            .post_idem("/v1/customers", "name=Once", "key-500")
            .await
            .unwrap();
        assert_eq!(again.status, 500, "{}", again.body);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
    }
    assert_eq!(sim.count(ACCOUNT, "customers"), 0);
    // A new key goes through.
    let fresh = c
        .post_idem("/v1/customers", "name=Once", "key-new")
        .await
        .unwrap();
    assert_eq!(fresh.status, 200);
    // After 24 hours Stripe has forgotten the key.
    sim.advance_clock(Duration::from_secs(24 * 3600 + 60));
    let later = c
        .post_idem("/v1/customers", "name=Once", "key-500")
        .await
        .unwrap();
    assert_eq!(later.status, 200);
    // A 500 after the object was made: it exists, and the key still says 500.
    sim.fail_next(1, Failure::CommitThen500);
    let made = c
        .post_idem("/v1/customers", "name=Made", "key-made")
        .await
        .unwrap();
    assert_eq!(made.status, 500);
    let customers = c.get("/v1/customers?limit=100").await.json();
    assert!(customers["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "Made"));
    let replay = c
        .post_idem("/v1/customers", "name=Made", "key-made")
        .await
        .unwrap();
    assert_eq!(replay.status, 500);
}

#[tokio::test]
async fn a_429_says_which_limiter_refused_it() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    sim.set_rate_limit(Some(1));
    c.get("/v1/customers").await;
    let r = c.get("/v1/customers").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("stripe-rate-limited-reason"), Some("global-rate"));
    sim.set_rate_limit(None);

    sim.set_concurrency_limit(Some(2));
    sim.set_latency(Duration::from_millis(300));
    let base = sim.base_url();
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let base = base.clone();
            tokio::spawn(async move {
                let auth = format!("Bearer {KEY}");
                raw_at(
                    &base,
                    "GET",
                    "/v1/customers",
                    &[("Authorization", &auth)],
                    "",
                )
                .await
                .unwrap()
            })
        })
        .collect();
    let mut reasons = Vec::new();
    for call in calls {
        let r = call.await.unwrap();
        if r.status == 429 {
            reasons.push(r.header("stripe-rate-limited-reason").unwrap().to_string());
        }
    }
    assert_eq!(reasons, ["global-concurrency", "global-concurrency"]);
    assert_eq!(sim.most_concurrent_requests(), 4);
}

#[tokio::test]
async fn expand_replaces_ids_and_refuses_what_cannot_be_expanded() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    let cus = c
        .post("/v1/customers", "name=Maria+Lopez&payment_method=pm_card_visa&invoice_settings[default_payment_method]=pm_card_visa")
        .await
        .json();
    let prod = c
        .post("/v1/products", "name=Tea&default_price_data[currency]=eur&default_price_data[unit_amount]=500&default_price_data[recurring][interval]=month")
        .await
        .json();
    let price = prod["default_price"].as_str().unwrap();
    let sub = c
        .post(
            "/v1/subscriptions",
            &format!(
                "customer={}&items[0][price]={price}",
                cus["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(sub.status, 200, "{}", sub.body);
    let list = c
        .get("/v1/subscriptions?expand[]=data.customer&expand[]=data.items.data.price.product")
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    let first = &list.json()["data"][0];
    assert_eq!(first["customer"]["name"], "Maria Lopez");
    assert_eq!(first["items"]["data"][0]["price"]["product"]["name"], "Tea");
    let products = c
        .get("/v1/products?expand[]=data.default_price")
        .await
        .json();
    assert_eq!(products["data"][0]["default_price"]["unit_amount"], 500);
    let bad = c.get("/v1/subscriptions?expand[]=customer").await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.json()["error"]["message"],
        "This property cannot be expanded (customer)."
    );
}
