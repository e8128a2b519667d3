use crate::common;

use crate::common::{raw, sim, Client, ACCOUNT, KEY};
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};
use stripe_sim::{Failure, KeyAccess, SeedSpec};

fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("list data")
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn create_then_get_update_delete() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    let r = c
        .post(
            "/v1/customers",
            "name=Jenny+Rosen&email=jenny%40example.com&metadata[order]=6735",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("request-id").unwrap().starts_with("req_"));
    assert_eq!(r.header("stripe-version"), Some("2026-05-27.dahlia"));
    let created = r.json();
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("cus_") && id.len() == 18);
    assert_eq!(created["livemode"], false);
    assert_eq!(created["metadata"]["order"], "6735");

    let got = c.get(&format!("/v1/customers/{id}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json(), created);

    let upd = c
        .post(
            &format!("/v1/customers/{id}"),
            "name=Jenny+R&metadata[order]=",
        )
        .await
        .json();
    assert_eq!(upd["name"], "Jenny R");
    assert_eq!(upd["email"], "jenny@example.com");
    assert_eq!(upd["metadata"], serde_json::json!({}));

    let events = c.get("/v1/events?type=customer.*").await.json();
    let types: Vec<&str> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["customer.updated", "customer.created"]);
    assert_eq!(
        events["data"][0]["data"]["previous_attributes"]["name"],
        "Jenny Rosen"
    );

    let del = c.delete(&format!("/v1/customers/{id}")).await.json();
    assert_eq!(del["deleted"], true);
    assert_eq!(sim.count(ACCOUNT, "customers"), 0);
    let again = c.get(&format!("/v1/customers/{id}")).await;
    assert_eq!(again.json()["deleted"], true);

    let missing = c.get("/v1/customers/cus_nope").await;
    assert_eq!(missing.status, 404);
    let e = &missing.json()["error"];
    assert_eq!(e["code"], "resource_missing");
    assert_eq!(e["param"], "id");
    assert_eq!(e["message"], "No such customer: 'cus_nope'");

    let unknown = c.get("/v1/xyz").await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Unrecognized request URL (GET: /v1/xyz)"));
}

#[tokio::test]
async fn list_paging_over_many_items() {
    let sim = sim().await;
    sim.seed_sample_data(
        ACCOUNT,
        SeedSpec {
            customers: 250,
            rng_seed: 7,
            ..SeedSpec::default()
        },
    );
    let c = Client::new(&sim, KEY);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(after) => format!("/v1/customers?limit=100&starting_after={after}"),
            None => "/v1/customers?limit=100".to_string(),
        };
        let page = c.get(&path).await.json();
        assert_eq!(page["object"], "list");
        assert_eq!(page["url"], "/v1/customers");
        let page_ids = ids(&page);
        pages += 1;
        let created: Vec<i64> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["created"].as_i64().unwrap())
            .collect();
        assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first");
        seen.extend(page_ids.clone());
        if page["has_more"] == false {
            break;
        }
        cursor = page_ids.last().cloned();
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 250);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 250);

    // Backwards from the 150th item gives the 100 before it, still newest first.
    let back = c
        .get(&format!(
            "/v1/customers?limit=100&ending_before={}",
            seen[150]
        ))
        .await
        .json();
    assert_eq!(ids(&back), seen[50..150].to_vec());
    assert_eq!(back["has_more"], true);

    // Default limit is 10; out of range is refused.
    assert_eq!(ids(&c.get("/v1/customers").await.json()).len(), 10);
    let bad = c.get("/v1/customers?limit=101").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["param"], "limit");
    let bad = c.get("/v1/customers?starting_after=cus_unknown").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["code"], "resource_missing");

    // Search by exact email.
    let first = c.get(&format!("/v1/customers/{}", seen[0])).await.json();
    let email = first["email"].as_str().unwrap();
    let found = c
        .get(&format!(
            "/v1/customers/search?query={}",
            urlencode(&format!("email:'{email}'"))
        ))
        .await
        .json();
    assert_eq!(found["object"], "search_result");
    assert_eq!(ids(&found), [seen[0].clone()]);
    assert_eq!(found["next_page"], Value::Null);
}

fn urlencode(s: &str) -> String {
    stripe_sim::form::encode(&[("x", s)])
        .trim_start_matches("x=")
        .to_string()
}

#[tokio::test]
async fn openapi_validation() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    let r = c.post("/v1/customers", "name=A&foo=bar").await;
    assert_eq!(r.status, 400);
    let e = &r.json()["error"];
    assert_eq!(e["code"], "parameter_unknown");
    assert_eq!(e["param"], "foo");
    assert_eq!(e["message"], "Received unknown parameter: foo");
    assert_eq!(e["type"], "invalid_request_error");

    let r = c.post("/v1/customers", "address[planet]=Mars").await;
    assert_eq!(r.json()["error"]["param"], "address[planet]");

    let r = c.post("/v1/customers", "balance=lots").await;
    assert_eq!(r.status, 400);
    let e = &r.json()["error"];
    assert_eq!(e["code"], "parameter_invalid_integer");
    assert_eq!(e["param"], "balance");

    let r = c.get("/v1/customers?limit=ten").await;
    assert_eq!(r.json()["error"]["code"], "parameter_invalid_integer");
    let r = c.get("/v1/customers?created[gte]=yesterday").await;
    assert_eq!(r.json()["error"]["param"], "created[gte]");
    let r = c.get("/v1/customers?colour=red").await;
    assert_eq!(r.json()["error"]["param"], "colour");
    let r = c.get("/v1/customers/search").await;
    assert_eq!(r.json()["error"]["code"], "parameter_missing");

    let ok = c
        .post(
            "/v1/customers",
            "name=A&metadata[a]=1&expand[]=default_source&address[city]=Paris&preferred_locales[]=fr",
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let cus = ok.json()["id"].as_str().unwrap().to_string();
    let r = c
        .post(&format!("/v1/customers/{cus}"), "metadata=&description=")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let prod = c.post("/v1/products", "name=Beans").await.json();
    let pid = prod["id"].as_str().unwrap();
    let r = c
        .post(
            "/v1/prices",
            &format!("product={pid}&unit_amount=500&currency=usd&recurring[interval]=fortnight"),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["param"], "recurring[interval]");
    let price = c
        .post(
            "/v1/prices",
            &format!("product={pid}&unit_amount=500&currency=usd&recurring[interval]=month"),
        )
        .await
        .json();
    let price_id = price["id"].as_str().unwrap();
    let r = c
        .post(
            "/v1/subscriptions",
            &format!("customer={cus}&items[0][price]={price_id}&items[0][quantity]=two"),
        )
        .await;
    let e = &r.json()["error"];
    assert_eq!(e["code"], "parameter_invalid_integer");
    assert_eq!(e["param"], "items[0][quantity]");
    let r = c
        .post(
            "/v1/subscriptions",
            &format!("customer={cus}&items[0][price]={price_id}&items[0][flavour]=x"),
        )
        .await;
    assert_eq!(r.json()["error"]["param"], "items[0][flavour]");
    let r = c.post("/v1/products", "name=X&active=maybe").await;
    assert_eq!(r.json()["error"]["param"], "active");
    let r = c.post("/v1/products", "name=X&active=").await;
    assert_eq!(r.json()["error"]["code"], "parameter_invalid_empty");
}

#[tokio::test]
async fn products_prices_plans_subscriptions() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    let r = c.post("/v1/subscriptions", "").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "parameter_missing");
    assert_eq!(r.json()["error"]["param"], "customer");
    let r = c.post("/v1/subscriptions", "customer=cus_x").await;
    assert_eq!(r.json()["error"]["param"], "items");
    let r = c
        .post(
            "/v1/subscriptions",
            "customer=cus_x&items[0][price]=price_x",
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "resource_missing");
    assert_eq!(r.json()["error"]["param"], "customer");

    // A saved card (Stripe's test PaymentMethod), so the first invoice is paid.
    let cus = c
        .post(
            "/v1/customers",
            "email=a%40b.co&payment_method=pm_card_visa&invoice_settings[default_payment_method]=pm_card_visa",
        )
        .await
        .json();
    assert!(cus["invoice_settings"]["default_payment_method"]
        .as_str()
        .is_some_and(|pm| pm.starts_with("pm_") && pm != "pm_card_visa"));
    let cus = cus["id"].as_str().unwrap();
    let prod = c
        .post(
            "/v1/products",
            "name=Tasting+Box&default_price_data[currency]=usd&default_price_data[unit_amount]=2500&default_price_data[recurring][interval]=month",
        )
        .await;
    assert_eq!(prod.status, 200, "{}", prod.body);
    let prod = prod.json();
    let price = prod["default_price"].as_str().unwrap().to_string();
    let got_price = c.get(&format!("/v1/prices/{price}")).await.json();
    assert_eq!(got_price["unit_amount"], 2500);
    assert_eq!(got_price["recurring"]["interval"], "month");

    let plan = c
        .post(
            "/v1/plans",
            &format!(
                "amount=25000&currency=usd&interval=year&product={}",
                prod["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(plan.status, 200, "{}", plan.body);
    let plan = plan.json();
    assert_eq!(plan["object"], "plan");
    assert_eq!(
        c.get(&format!("/v1/plans/{}", plan["id"].as_str().unwrap()))
            .await
            .json(),
        plan
    );

    let sub = c
        .post(
            "/v1/subscriptions",
            &format!("customer={cus}&items[0][price]={price}&items[0][quantity]=2"),
        )
        .await;
    assert_eq!(sub.status, 200, "{}", sub.body);
    let sub = sub.json();
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["items"]["data"][0]["price"]["id"], price.as_str());
    assert_eq!(sub["items"]["data"][0]["quantity"], 2);
    let sub_id = sub["id"].as_str().unwrap();

    // An archived price is refused with Stripe's wording, at the item's price.
    let archived = c.post(&format!("/v1/prices/{price}"), "active=false").await;
    assert_eq!(archived.status, 200, "{}", archived.body);
    let r = c
        .post(
            "/v1/subscriptions",
            &format!("customer={cus}&items[0][price]={price}"),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.json()["error"]["param"], "items[0][price]");
    assert_eq!(
        r.json()["error"]["message"],
        "The price specified is inactive. This field only accepts active prices."
    );
    c.post(&format!("/v1/prices/{price}"), "active=true").await;

    let by_plan = c
        .post(
            "/v1/subscriptions",
            // This API version has no items[][plan]; a plan id works as a price id.
            &format!(
                "customer={cus}&items[0][price]={}",
                plan["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(by_plan.status, 200, "{}", by_plan.body);

    let listed = c
        .get(&format!("/v1/subscriptions?customer={cus}&price={price}"))
        .await
        .json();
    assert_eq!(ids(&listed), [sub_id.to_string()]);
    let canceled = c
        .delete(&format!("/v1/subscriptions/{sub_id}"))
        .await
        .json();
    assert_eq!(canceled["status"], "canceled");
    let listed = c
        .get(&format!("/v1/subscriptions?customer={cus}"))
        .await
        .json();
    assert_eq!(ids(&listed).len(), 1, "canceled ones are hidden by default");
    let listed = c
        .get(&format!("/v1/subscriptions?customer={cus}&status=all"))
        .await
        .json();
    assert_eq!(ids(&listed).len(), 2);
    let ev = c
        .get("/v1/events?type=customer.subscription.deleted")
        .await
        .json();
    assert_eq!(ev["data"][0]["data"]["object"]["id"], sub_id);
    assert_eq!(sim.count(ACCOUNT, "subscriptions"), 2);
    assert_eq!(sim.count(ACCOUNT, "prices"), 1);
    assert_eq!(sim.count(ACCOUNT, "plans"), 1);
}

#[tokio::test]
async fn auth_errors() {
    let sim = sim().await;
    let r = raw(&sim, "GET", "/v1/customers", &[], "").await.unwrap();
    assert_eq!(r.status, 401);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("You did not provide an API key"));
    assert_eq!(r.json()["error"]["type"], "invalid_request_error");

    let r = Client::new(&sim, "sk_test_unknownkey9876")
        .get("/v1/customers")
        .await;
    assert_eq!(r.status, 401);
    let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(
        msg.starts_with("Invalid API Key provided: sk_test_"),
        "{msg}"
    );
    assert!(
        msg.ends_with("9876") && !msg.contains("unknownkey"),
        "{msg}"
    );

    let r = Client::new(&sim, "pk_test_abc").get("/v1/customers").await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("publishable API key"));

    // Basic auth with the key as the user name works like Bearer.
    let basic = format!("Basic {}", b64(&format!("{KEY}:")));
    let r = raw(&sim, "GET", "/v1/account", &[("Authorization", &basic)], "")
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let acct = r.json();
    assert_eq!(acct["id"], ACCOUNT);
    assert_eq!(
        acct["settings"]["dashboard"]["display_name"],
        "Acme Test Shop"
    );
    assert_eq!(acct["business_profile"]["name"], "Acme Test Shop");

    sim.revoke_key(KEY);
    let r = Client::new(&sim, KEY).get("/v1/customers").await;
    assert_eq!(r.status, 401);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Expired API Key provided: sk_test_"));
}

fn b64(s: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, &x| (acc << 8) | x as u32) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn restricted_key_permissions_and_livemode() {
    let sim = sim().await;
    let perms: BTreeSet<String> = ["rak_customer_write".to_string()].into();
    sim.add_key(
        "rk_test_51abc0000001111",
        ACCOUNT,
        KeyAccess::Restricted(perms),
    );
    let rk = Client::new(&sim, "rk_test_51abc0000001111");
    assert_eq!(
        rk.get("/v1/customers").await.status,
        200,
        "write implies read"
    );
    assert_eq!(rk.post("/v1/customers", "name=A").await.status, 200);
    assert_eq!(rk.get("/v1/account").await.status, 200);
    let r = rk.get("/v1/balance_transactions").await;
    assert_eq!(r.status, 403);
    let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert_eq!(
        msg,
        format!(
            "The provided key 'rk_test_***********1111' does not have the required permissions for this endpoint on account '{ACCOUNT}'. Having the 'rak_balance_transaction_source_read' permission would allow this request to continue."
        )
    );
    let r = rk.post("/v1/products", "name=X").await;
    assert!(r.body.contains("'rak_product_write'"));
    // The permission comes before the parameters: a parameter no endpoint
    // takes is refused for the permission, or else for itself, creating nothing.
    let r = rk.post("/v1/products", "no_such_parameter=1").await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("'rak_product_write'"));
    let r = rk.post("/v1/customers", "no_such_parameter=1").await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("no_such_parameter"), "{}", r.body);
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);

    sim.add_key("sk_live_abcdef123456", ACCOUNT, KeyAccess::Full);
    let live = Client::new(&sim, "sk_live_abcdef123456");
    let cus = live.post("/v1/customers", "name=L").await.json();
    assert_eq!(cus["livemode"], true);
    // Test and live data are separate.
    assert_eq!(ids(&live.get("/v1/customers").await.json()).len(), 1);
    assert_eq!(ids(&rk.get("/v1/customers").await.json()).len(), 1);
    assert_eq!(sim.count(ACCOUNT, "customers"), 2);
}

#[tokio::test]
async fn a_restricted_key_needs_a_connect_permission_to_act_for_a_connected_account() {
    let sim = sim().await;
    sim.add_account("acct_1Connected", "Connected Shop");
    sim.connect_account(ACCOUNT, "acct_1Connected");
    let reads: BTreeSet<String> = ["rak_customer_read".to_string()].into();
    sim.add_key(
        "rk_test_51noconnect0001111",
        ACCOUNT,
        KeyAccess::Restricted(reads),
    );
    let own = Client::new(&sim, "rk_test_51noconnect0001111");
    assert_eq!(own.get("/v1/customers").await.status, 200);
    let r = own
        .on_behalf_of("acct_1Connected")
        .get("/v1/customers")
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json()["error"]["message"],
        "You passed a restricted API key with the Stripe-Account header, but the restricted API key does not have any Connect permissions."
    );
    let connect: BTreeSet<String> = ["rak_customer_read", "rak_connected_account_read"]
        .map(String::from)
        .into();
    sim.add_key(
        "rk_test_51connect00002222",
        ACCOUNT,
        KeyAccess::Restricted(connect),
    );
    let platform = Client::new(&sim, "rk_test_51connect00002222").on_behalf_of("acct_1Connected");
    assert_eq!(platform.get("/v1/customers").await.status, 200);
    assert_eq!(
        platform.get("/v1/account").await.json()["id"],
        "acct_1Connected"
    );
}

#[tokio::test]
async fn idempotency_replay_and_mismatch() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    let first = c
        .post_idem("/v1/customers", "name=Once", "key-1")
        .await
        .unwrap();
    assert_eq!(first.status, 200);
    assert_eq!(first.header("idempotent-replayed"), None);
    let second = c
        .post_idem("/v1/customers", "name=Once", "key-1")
        .await
        .unwrap();
    assert_eq!(second.status, 200);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.json(), first.json());
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);

    let other = c
        .post_idem("/v1/customers", "name=Twice", "key-1")
        .await
        .unwrap();
    assert_eq!(other.status, 400);
    let e = &other.json()["error"];
    assert_eq!(e["type"], "idempotency_error");
    assert!(e["message"]
        .as_str()
        .unwrap()
        .starts_with("Keys for idempotent requests can only be used with the same parameters they were first used with."));
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
}

#[tokio::test]
async fn idempotency_keys_are_forgotten_after_24_hours() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    c.post_idem("/v1/customers", "name=Once", "day-key")
        .await
        .unwrap();
    sim.advance_clock(Duration::from_secs(23 * 3600));
    let replay = c
        .post_idem("/v1/customers", "name=Once", "day-key")
        .await
        .unwrap();
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    sim.advance_clock(Duration::from_secs(2 * 3600));
    let fresh = c
        .post_idem("/v1/customers", "name=Once", "day-key")
        .await
        .unwrap();
    assert_eq!(fresh.status, 200);
    assert_eq!(fresh.header("idempotent-replayed"), None);
    assert_eq!(sim.count(ACCOUNT, "customers"), 2);
}

#[tokio::test]
async fn commit_then_drop_and_retry_yields_one_object() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    sim.fail_next(1, Failure::CommitThenDrop);
    let dropped = c.post_idem("/v1/customers", "name=Retry", "idem-42").await;
    assert!(dropped.is_none(), "no response: {dropped:?}");
    assert_eq!(sim.count(ACCOUNT, "customers"), 1, "committed anyway");
    let retry = c
        .post_idem("/v1/customers", "name=Retry", "idem-42")
        .await
        .unwrap();
    assert_eq!(retry.status, 200);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.json()["name"], "Retry");
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    let reqs = sim.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].status, 0);
    assert_eq!(reqs[0].header("idempotency-key"), Some("idem-42"));
    assert_eq!(reqs[1].status, 200);
}

#[tokio::test]
async fn drop_connection_does_nothing() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    sim.fail_next(1, Failure::DropConnection);
    assert!(c
        .post_idem("/v1/customers", "name=Lost", "k")
        .await
        .is_none());
    assert_eq!(sim.count(ACCOUNT, "customers"), 0);
    // The key was never used, so the retry creates the object.
    let retry = c
        .post_idem("/v1/customers", "name=Lost", "k")
        .await
        .unwrap();
    assert_eq!(retry.status, 200);
    assert_eq!(retry.header("idempotent-replayed"), None);
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
}

#[tokio::test]
async fn injected_errors_and_rate_limit() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    sim.fail_next(1, Failure::ServerError500);
    sim.fail_next(1, Failure::RateLimited429);
    sim.fail_next(1, Failure::LockTimeout429);
    sim.fail_next(1, Failure::ShouldRetryFalse500);
    let r = c.post("/v1/customers", "name=A").await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["error"]["type"], "api_error");
    let r = c.get("/v1/customers").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error"]["code"], "rate_limit");
    let r = c.get("/v1/customers").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error"]["code"], "lock_timeout");
    let r = c.get("/v1/customers").await;
    assert_eq!(r.status, 500);
    assert_eq!(r.header("stripe-should-retry"), Some("false"));
    assert_eq!(c.get("/v1/customers").await.status, 200);
    assert_eq!(sim.count(ACCOUNT, "customers"), 0);

    sim.set_rate_limit(Some(5));
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(c.get("/v1/customers").await.status);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(statuses[7], 429);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(c.get("/v1/customers").await.status, 200, "bucket refills");
    sim.set_rate_limit(None);

    sim.set_latency(Duration::from_millis(150));
    let t = Instant::now();
    assert_eq!(c.get("/v1/balance").await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn stripe_account_scoping() {
    let sim = sim().await;
    sim.add_account("acct_other", "Other Shop");
    sim.add_key("sk_test_other000000", "acct_other", KeyAccess::Full);
    let mine = Client::new(&sim, KEY);
    mine.post("/v1/customers", "name=Mine").await;
    let r = Client::new(&sim, KEY)
        .on_behalf_of("acct_other")
        .get("/v1/customers")
        .await;
    assert_eq!(r.status, 403);
    let e = &r.json()["error"];
    assert_eq!(e["code"], "account_invalid");
    assert!(e["message"]
        .as_str()
        .unwrap()
        .contains("does not have access to account 'acct_other' (or that account does not exist). Application access may have been revoked."));
    // Naming one's own account is fine.
    let own = Client::new(&sim, KEY).on_behalf_of(ACCOUNT);
    assert_eq!(ids(&own.get("/v1/customers").await.json()).len(), 1);
    let other = Client::new(&sim, "sk_test_other000000");
    assert_eq!(ids(&other.get("/v1/customers").await.json()).len(), 0);
}

#[tokio::test]
async fn seeded_balance_transactions() {
    let sim = sim().await;
    let t = Instant::now();
    let spec = SeedSpec {
        customers: 50,
        products: 5,
        subscriptions: 20,
        balance_transactions: 20_000,
        rng_seed: 99,
    };
    sim.seed_sample_data(ACCOUNT, spec);
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    assert_eq!(sim.count(ACCOUNT, "balance_transactions"), 20_000);
    assert_eq!(sim.count(ACCOUNT, "customers"), 50);
    assert_eq!(sim.count(ACCOUNT, "products"), 5);
    assert_eq!(sim.count(ACCOUNT, "prices"), 5);
    assert_eq!(sim.count(ACCOUNT, "plans"), 5);
    assert_eq!(sim.count(ACCOUNT, "subscriptions"), 20);
    assert!(sim.count(ACCOUNT, "events") >= 50 + 15 + 20);

    let c = Client::new(&sim, KEY);
    let page = c.get("/v1/balance_transactions?limit=100").await.json();
    let txns = page["data"].as_array().unwrap();
    assert_eq!(txns.len(), 100);
    assert_eq!(page["has_more"], true);
    for t in txns {
        assert_eq!(
            t["net"].as_i64().unwrap(),
            t["amount"].as_i64().unwrap() - t["fee"].as_i64().unwrap()
        );
        if t["currency"] == "kwd" {
            assert_eq!(t["amount"].as_i64().unwrap() % 10, 0);
        }
    }
    // created range + type + currency filters.
    let now = sim.now();
    let from = now - 90 * 86_400;
    let to = now - 60 * 86_400;
    let r = c
        .get(&format!(
            "/v1/balance_transactions?limit=100&type=charge&currency=eur&created[gte]={from}&created[lt]={to}"
        ))
        .await
        .json();
    let data = r["data"].as_array().unwrap();
    assert!(!data.is_empty());
    for t in data {
        assert_eq!(t["type"], "charge");
        assert_eq!(t["currency"], "eur");
        let c = t["created"].as_i64().unwrap();
        assert!(c >= from && c < to);
    }
    let one = &data[0];
    let got = c
        .get(&format!(
            "/v1/balance_transactions/{}",
            one["id"].as_str().unwrap()
        ))
        .await
        .json();
    assert_eq!(&got, one);
    let by_source = c
        .get(&format!(
            "/v1/balance_transactions?source={}",
            one["source"].as_str().unwrap()
        ))
        .await
        .json();
    assert_eq!(ids(&by_source), [one["id"].as_str().unwrap().to_string()]);
    let payouts = c
        .get("/v1/balance_transactions?type=payout&limit=1")
        .await
        .json();
    let po = payouts["data"][0]["source"].as_str().unwrap().to_string();
    assert!(po.starts_with("po_"));
    let paid = c
        .get(&format!("/v1/balance_transactions?payout={po}&limit=100"))
        .await
        .json();
    assert!(!paid["data"].as_array().unwrap().is_empty());

    let bal = c.get("/v1/balance").await.json();
    assert_eq!(bal["object"], "balance");
    assert_eq!(bal["available"][0]["currency"], "usd");
    let currencies: HashSet<&str> = bal["available"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["currency"].as_str().unwrap())
        .collect();
    assert_eq!(
        currencies,
        HashSet::from(["usd", "eur", "gbp", "jpy", "kwd", "isk"])
    );

    // Same seed, same data (ids included) in another simulator.
    let sim2 = common::sim().await;
    sim2.seed_sample_data(ACCOUNT, spec);
    let c2 = Client::new(&sim2, KEY);
    let a = c.get("/v1/customers?limit=100").await.json();
    let b = c2.get("/v1/customers?limit=100").await.json();
    let mut ia = ids(&a);
    let mut ib = ids(&b);
    ia.sort();
    ib.sort();
    assert_eq!(ia, ib);
}

#[tokio::test]
async fn control_endpoints_over_http() {
    let sim = sim().await;
    let post = |path: &'static str, body: &'static str| {
        let sim = sim.clone();
        async move {
            raw(
                &sim,
                "POST",
                path,
                &[("Content-Type", "application/json")],
                body,
            )
            .await
            .unwrap()
        }
    };
    assert_eq!(
        post("/_sim/fail_next", r#"{"n":1,"failure":"ServerError500"}"#)
            .await
            .status,
        200
    );
    let c = Client::new(&sim, KEY);
    assert_eq!(c.get("/v1/customers").await.status, 500);
    assert_eq!(c.get("/v1/customers").await.status, 200);
    assert_eq!(
        post(
            "/_sim/revoke_key",
            &*Box::leak(format!(r#"{{"key":"{KEY}"}}"#).into_boxed_str())
        )
        .await
        .status,
        200
    );
    assert_eq!(c.get("/v1/customers").await.status, 401);
    let reqs = raw(&sim, "GET", "/_sim/requests", &[], "")
        .await
        .unwrap()
        .json();
    assert_eq!(reqs.as_array().unwrap().len(), 3);
    assert_eq!(reqs[0]["status"], 500);
    assert_eq!(post("/_sim/latency_ms", r#"{"ms":5}"#).await.status, 200);
    assert_eq!(
        post("/_sim/oauth_decision", r#"{"deny":true}"#)
            .await
            .status,
        200
    );
    assert_eq!(
        post("/_sim/fail_next", r#"{"failure":"Nope"}"#)
            .await
            .status,
        400
    );
}

/// 200k in release (the demo and benchmarks use that scale); 20k in debug.
#[tokio::test]
async fn seeding_at_scale_is_quick_and_pages_stay_cheap() {
    let n = if cfg!(debug_assertions) {
        20_000
    } else {
        200_000
    };
    let sim = sim().await;
    let t = Instant::now();
    sim.seed_sample_data(
        ACCOUNT,
        SeedSpec {
            balance_transactions: n,
            rng_seed: 3,
            ..SeedSpec::default()
        },
    );
    let seeded = t.elapsed();
    eprintln!("seeded {n} balance transactions in {seeded:?}");
    assert!(seeded < Duration::from_secs(5), "{seeded:?}");
    assert_eq!(sim.count(ACCOUNT, "balance_transactions"), n);

    let c = Client::new(&sim, KEY);
    let t = Instant::now();
    let now = sim.now();
    let mut after: Option<String> = None;
    let mut total = 0;
    // Walk one 30-day slice page by page, as a sync would.
    loop {
        let mut path = format!(
            "/v1/balance_transactions?limit=100&created[gte]={}&created[lt]={}",
            now - 120 * 86_400,
            now - 90 * 86_400
        );
        if let Some(a) = &after {
            path.push_str(&format!("&starting_after={a}"));
        }
        let page = c.get(&path).await.json();
        let page_ids = ids(&page);
        total += page_ids.len();
        if page["has_more"] == false {
            break;
        }
        after = page_ids.last().cloned();
    }
    eprintln!(
        "walked {total} transactions of one slice in {:?}",
        t.elapsed()
    );
    // ~30/540 of all, give or take randomness.
    assert!(total > n / 30 && total < n / 10, "{total}");
}

#[tokio::test]
async fn a_list_refuses_both_cursors_with_stripes_words() {
    let sim = sim().await;
    sim.seed_sample_data(
        ACCOUNT,
        SeedSpec {
            customers: 3,
            rng_seed: 3,
            ..SeedSpec::default()
        },
    );
    let c = Client::new(&sim, KEY);
    let all = ids(&c.get("/v1/customers").await.json());
    let r = c
        .get(&format!(
            "/v1/customers?starting_after={}&ending_before={}",
            all[0], all[2]
        ))
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let error = &r.json()["error"];
    assert_eq!(
        error["message"],
        "You may only specify one of these parameters: ending_before, starting_after."
    );
    assert_eq!(error["type"], "invalid_request_error");
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_errors_link_the_request_log() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    sim.fail_next(1, Failure::LockTimeout429);
    let answers = [
        c.get("/v1/customers").await,
        c.get("/v1/customers").await,
        c.get("/v1/customers/cus_missing").await,
        c.get("/v1/no_such_thing").await,
        c.post("/v1/customers", "not_a_field=1").await,
        Client::new(&sim, "sk_test_51NotAKey000000000000000")
            .get("/v1/customers")
            .await,
    ];
    let mut seen = BTreeSet::new();
    for r in &answers {
        let id = r.header("request-id").expect("Request-Id on every answer");
        assert!(id.starts_with("req_"), "{id}");
        assert!(seen.insert(id.to_string()), "one id per request");
        if r.status >= 400 {
            assert_eq!(
                r.json()["error"]["request_log_url"],
                format!("https://dashboard.stripe.com/test/logs/{id}"),
                "{}",
                r.body
            );
        }
    }
    let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200, 404, 404, 400, 401]);
}

/// Stripe checks parameters against the endpoint before anything else:
/// `metadata` where the endpoint takes none (finalizing an invoice, paying
/// it, cancelling a subscription) is "Received unknown parameter:
/// metadata", whether or not the object exists.
#[tokio::test]
async fn metadata_is_refused_where_the_endpoint_takes_none() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    for path in [
        "/v1/invoices/in_1Missing/finalize",
        "/v1/invoices/in_1Missing/pay",
        "/v1/payment_intents/pi_1Missing/cancel",
    ] {
        let r = c.post(path, "metadata[stripe_desk_run]=run_1").await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        let e = &r.json()["error"];
        assert_eq!(
            e["message"], "Received unknown parameter: metadata",
            "{path}"
        );
        assert_eq!(e["param"], "metadata", "{path}");
        assert_eq!(e["code"], "parameter_unknown", "{path}");
    }
    // Where it is taken, it is kept.
    let r = c
        .post("/v1/customers", "metadata[stripe_desk_run]=run_1")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}
