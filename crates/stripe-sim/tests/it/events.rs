//! Events: the shape of what every write emits, the 30 days Stripe keeps
//! them, the list's filters, the quirks (late events, IDs out of time
//! order), events on demand, deauthorization and the demo's activity.

use crate::common::{raw, sim, Client, ACCOUNT, KEY};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;
use stripe_sim::{KeyAccess, Payment, Trigger};

const DAY: u64 = 86_400;

fn types(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("list data")
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

/// Every event of a list, following `has_more` as a client would.
async fn all_events(c: &Client<'_>, query: &str) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut after = String::new();
    loop {
        let page = c
            .get(&format!("/v1/events?limit=100{query}{after}"))
            .await
            .json();
        let data = page["data"].as_array().unwrap().clone();
        let more = page["has_more"].as_bool().unwrap();
        if let Some(last) = data.last() {
            after = format!("&starting_after={}", last["id"].as_str().unwrap());
        }
        out.extend(data);
        if !more {
            return out;
        }
    }
}

#[tokio::test]
async fn every_write_emits_an_event_in_stripes_shape() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    let created = c
        .post_idem(
            "/v1/customers",
            "name=Jane+Cooper&email=jane%40example.com",
            "idem-events-1",
        )
        .await
        .unwrap();
    let request_id = created.header("request-id").unwrap().to_string();
    let id = created.json()["id"].as_str().unwrap().to_string();
    c.post(&format!("/v1/customers/{id}"), "name=Jane+C").await;

    let list = c.get("/v1/events").await.json();
    assert_eq!(list["object"], "list");
    assert_eq!(list["url"], "/v1/events");
    assert_eq!(types(&list), ["customer.updated", "customer.created"]);
    let [updated, created_ev] = [&list["data"][0], &list["data"][1]];
    assert!(created_ev["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(created_ev["object"], "event");
    assert_eq!(created_ev["livemode"], false);
    assert_eq!(created_ev["pending_webhooks"], 0);
    assert_eq!(created_ev["api_version"], "2026-05-27.dahlia");
    assert_eq!(created_ev["data"]["object"]["id"], id.as_str());
    assert_eq!(created_ev["data"]["object"]["name"], "Jane Cooper");
    assert!(created_ev["data"].get("previous_attributes").is_none());
    assert_eq!(created_ev["request"]["id"], request_id.as_str());
    assert_eq!(created_ev["request"]["idempotency_key"], "idem-events-1");
    assert!(created_ev.get("account").is_none(), "not a Connect event");
    assert_eq!(
        updated["data"]["previous_attributes"],
        json!({"name": "Jane Cooper"})
    );
    assert_eq!(updated["data"]["object"]["name"], "Jane C");

    // Retrieve by id.
    let evt = created_ev["id"].as_str().unwrap();
    assert_eq!(
        c.get(&format!("/v1/events/{evt}")).await.json(),
        *created_ev
    );

    // Through Stripe-Account, the event names the connected account.
    sim.connect_account(ACCOUNT, "acct_1Connected");
    let on = Client::new(&sim, KEY).on_behalf_of("acct_1Connected");
    on.post("/v1/products", "name=Beans").await;
    let theirs = on.get("/v1/events").await.json();
    assert_eq!(types(&theirs), ["product.created"]);
    assert_eq!(theirs["data"][0]["account"], "acct_1Connected");
}

#[tokio::test]
async fn events_older_than_30_days_are_neither_listed_nor_retrieved() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    c.post("/v1/customers", "name=Old+Timer").await;
    let old = c.get("/v1/events").await.json()["data"][0].clone();
    let old_id = old["id"].as_str().unwrap();

    sim.advance_clock(Duration::from_secs(29 * DAY));
    c.post("/v1/customers", "name=Newcomer").await;
    assert_eq!(
        c.get("/v1/events").await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "29 days old is still kept"
    );

    sim.advance_clock(Duration::from_secs(2 * DAY));
    let list = c.get("/v1/events").await.json();
    assert_eq!(types(&list), ["customer.created"]);
    assert_eq!(list["data"][0]["data"]["object"]["name"], "Newcomer");
    // Even when asked for by date.
    let by_date = c
        .get(&format!("/v1/events?created[lte]={}", old["created"]))
        .await
        .json();
    assert_eq!(by_date["data"], json!([]));
    let gone = c.get(&format!("/v1/events/{old_id}")).await;
    assert_eq!(gone.status, 404);
    assert_eq!(
        gone.json()["error"]["message"],
        format!("No such event: '{old_id}'")
    );
    // The simulator still knows it (ground truth for tests).
    assert_eq!(sim.events(ACCOUNT, false).len(), 2);
}

#[tokio::test]
async fn the_list_filters_by_type_types_created_and_delivery_success() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PaymentSucceeded(Payment::new(1250, "eur").by("Jane Cooper")),
    );
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PaymentFailed(
            Payment::new(4000, "usd").email("acme@example.com"),
            "card_declined".into(),
        ),
    );
    c.post("/v1/customers", "name=Jane+Cooper").await;

    let charges = c.get("/v1/events?type=charge.*").await.json();
    assert_eq!(types(&charges), ["charge.failed", "charge.succeeded"]);
    let two = c
        .get("/v1/events?types[0]=charge.failed&types[1]=customer.created")
        .await
        .json();
    assert_eq!(types(&two), ["customer.created", "charge.failed"]);
    let both = c
        .get("/v1/events?type=charge.failed&types[0]=customer.created")
        .await;
    assert_eq!(both.status, 400, "{}", both.body);
    assert!(both.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("either `type` or `types`, but not both"));
    let many: String = (0..21)
        .map(|i| format!("&types[{i}]=charge.x{i}"))
        .collect();
    let too_many = c.get(&format!("/v1/events?limit=3{many}")).await;
    assert_eq!(too_many.status, 400, "{}", too_many.body);
    assert_eq!(too_many.json()["error"]["param"], "types");

    // No webhook endpoints: nothing is pending, so every event was "delivered".
    let delivered = c
        .get("/v1/events?delivery_success=true&limit=100")
        .await
        .json();
    assert_eq!(delivered["data"].as_array().unwrap().len(), 7);
    let failed = c.get("/v1/events?delivery_success=false").await.json();
    assert_eq!(failed["data"], json!([]));

    let now = sim.now();
    let future = c
        .get(&format!("/v1/events?created[gt]={}", now + 10))
        .await
        .json();
    assert_eq!(future["data"], json!([]));
    let recent = c
        .get(&format!("/v1/events?created[gte]={}&limit=100", now - 60))
        .await
        .json();
    assert_eq!(recent["data"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn triggers_emit_what_stripe_sends_for_payments_refunds_disputes_and_payouts() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    let ids = sim.trigger(
        ACCOUNT,
        false,
        Trigger::PaymentSucceeded(
            Payment::new(1250, "eur")
                .by("Jane Cooper")
                .email("jane@example.com"),
        ),
    );
    assert_eq!(ids.len(), 3);
    let list = c.get("/v1/events").await.json();
    assert_eq!(
        BTreeSet::from_iter(types(&list)),
        BTreeSet::from_iter(
            [
                "payment_intent.created",
                "charge.succeeded",
                "payment_intent.succeeded"
            ]
            .map(String::from)
        )
    );
    let charge = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "charge.succeeded")
        .unwrap()["data"]["object"]
        .clone();
    assert_eq!(charge["object"], "charge");
    assert_eq!(charge["amount"], 1250);
    assert_eq!(charge["currency"], "eur");
    assert_eq!(charge["status"], "succeeded");
    assert_eq!(charge["paid"], true);
    assert_eq!(charge["billing_details"]["name"], "Jane Cooper");
    assert_eq!(charge["billing_details"]["email"], "jane@example.com");
    assert!(charge["balance_transaction"]
        .as_str()
        .unwrap()
        .starts_with("txn_"));
    assert!(charge["payment_intent"]
        .as_str()
        .unwrap()
        .starts_with("pi_"));
    // Events Stripe makes on its own carry no request.
    let ev = &list["data"][0];
    assert_eq!(ev["request"], json!({"id": null, "idempotency_key": null}));

    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PaymentFailed(
            Payment::new(4000, "usd").email("acme@example.com"),
            "insufficient_funds".into(),
        ),
    );
    let failed =
        c.get("/v1/events?type=charge.failed").await.json()["data"][0]["data"]["object"].clone();
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["paid"], false);
    assert_eq!(failed["failure_code"], "card_declined");
    assert_eq!(failed["outcome"]["reason"], "insufficient_funds");
    assert_eq!(
        failed["failure_message"],
        "Your card has insufficient funds."
    );
    assert_eq!(failed["receipt_email"], "acme@example.com");
    let pi = c
        .get("/v1/events?type=payment_intent.payment_failed")
        .await
        .json()["data"][0]["data"]["object"]
        .clone();
    assert_eq!(
        pi["last_payment_error"]["decline_code"],
        "insufficient_funds"
    );

    sim.trigger(
        ACCOUNT,
        false,
        Trigger::Refunded(Payment::new(500, "eur").by("Jane Cooper")),
    );
    let refunded =
        c.get("/v1/events?type=charge.refunded").await.json()["data"][0]["data"]["object"].clone();
    assert_eq!(refunded["refunded"], true);
    assert_eq!(refunded["amount_refunded"], 500);
    assert_eq!(
        types(&c.get("/v1/events?type=refund.created").await.json()),
        ["refund.created"]
    );

    sim.trigger(
        ACCOUNT,
        false,
        Trigger::DisputeOpened(Payment::new(5000, "usd")),
    );
    let dispute = c.get("/v1/events?type=charge.dispute.created").await.json()["data"][0]["data"]
        ["object"]
        .clone();
    assert_eq!(dispute["object"], "dispute");
    assert_eq!(dispute["status"], "needs_response");
    assert_eq!(dispute["amount"], 5000);
    let due = dispute["evidence_details"]["due_by"].as_i64().unwrap();
    assert!(due > sim.now() + 6 * DAY as i64, "weeks to respond");
    assert!(dispute["charge"].as_str().unwrap().starts_with("ch_"));

    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PayoutCreated {
            amount: 123_400,
            currency: "eur".into(),
            arrival_days: 2,
        },
    );
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PayoutPaid {
            amount: 99_00,
            currency: "usd".into(),
        },
    );
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PayoutFailed {
            amount: 10_00,
            currency: "usd".into(),
            failure_code: "account_closed".into(),
        },
    );
    let payouts = c.get("/v1/events?type=payout.*").await.json();
    assert_eq!(
        types(&payouts),
        ["payout.failed", "payout.paid", "payout.created"]
    );
    let created = &payouts["data"][2]["data"]["object"];
    assert_eq!(created["status"], "in_transit");
    assert_eq!(created["amount"], 123_400);
    assert!(created["arrival_date"].as_i64().unwrap() > sim.now() + DAY as i64);
    let failed = &payouts["data"][0]["data"]["object"];
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["failure_code"], "account_closed");
    assert!(failed["failure_message"]
        .as_str()
        .unwrap()
        .contains("closed"));

    sim.trigger(ACCOUNT, false, Trigger::BalanceAvailable);
    let balance = c.get("/v1/events?type=balance.available").await.json()["data"][0]["data"]
        ["object"]
        .clone();
    assert_eq!(balance["object"], "balance");
    assert!(balance["available"].is_array());

    // Live mode is its own log.
    sim.trigger(
        ACCOUNT,
        true,
        Trigger::PaymentSucceeded(Payment::new(100, "usd")),
    );
    assert_eq!(sim.events(ACCOUNT, true).len(), 3);
    assert!(sim
        .events(ACCOUNT, true)
        .iter()
        .all(|e| e["livemode"] == true));
}

/// The object of the newest event of `kind`.
async fn newest_object(c: &Client<'_>, kind: &str) -> Value {
    c.get(&format!("/v1/events?type={kind}")).await.json()["data"][0]["data"]["object"].clone()
}

/// The balance transaction an object names, retrieved by ID; it must also
/// be listed, and the listed copy must be the same.
async fn its_transaction(c: &Client<'_>, object: &Value) -> Value {
    let id = object["balance_transaction"]
        .as_str()
        .unwrap_or_else(|| panic!("no balance transaction: {object}"));
    let got = c.get(&format!("/v1/balance_transactions/{id}")).await;
    assert_eq!(got.status, 200, "{id} is not retrievable: {}", got.body);
    let txn = got.json();
    let listed = c.get("/v1/balance_transactions?limit=100").await.json();
    let listed = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id);
    assert_eq!(listed, Some(&txn), "{id} is not listed");
    txn
}

/// (available, pending) of the payments balance in `currency`.
async fn balance_in(c: &Client<'_>, currency: &str) -> (i64, i64) {
    let b = c.get("/v1/balance").await.json();
    let side = |k: &str| {
        b[k].as_array()
            .unwrap()
            .iter()
            .find(|e| e["currency"] == currency)
            .map_or(0, |e| e["amount"].as_i64().unwrap())
    };
    (side("available"), side("pending"))
}

/// "List of zero, one, or two balance transactions that show funds
/// withdrawn and reinstated to your Stripe account as a result of this
/// dispute": an opened dispute withdraws the amount and the dispute fee at
/// once, as an `adjustment` reported as `dispute`.
#[tokio::test]
async fn an_opened_dispute_withdraws_its_amount_and_the_dispute_fee() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    let before = balance_in(&c, "usd").await;
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::DisputeOpened(Payment::new(5000, "usd")),
    );
    let dispute = newest_object(&c, "charge.dispute.funds_withdrawn").await;
    let on_dispute = dispute["balance_transactions"].as_array().unwrap();
    assert_eq!(on_dispute.len(), 1, "{dispute}");
    let id = on_dispute[0]["id"].as_str().unwrap();
    let got = c.get(&format!("/v1/balance_transactions/{id}")).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let txn = got.json();
    assert_eq!(txn, on_dispute[0]);
    assert_eq!(txn["type"], "adjustment");
    assert_eq!(txn["reporting_category"], "dispute");
    assert_eq!(txn["source"], dispute["id"]);
    assert_eq!(txn["amount"], -5000);
    assert_eq!(txn["fee"], 1500);
    assert_eq!(txn["net"], -6500);
    assert_eq!(txn["fee_details"][0]["description"], "Dispute fee");
    assert_eq!(txn["status"], "available");
    let listed = c.get("/v1/balance_transactions?limit=100").await.json();
    assert!(listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == id));
    let after = balance_in(&c, "usd").await;
    assert_eq!(after.0, before.0 - 6500, "taken from the available balance");
    assert_eq!(after.1, before.1);
}

#[tokio::test]
async fn triggered_charges_refunds_and_payouts_have_their_balance_transactions() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PaymentSucceeded(Payment::new(1250, "usd").by("Jane Cooper")),
    );
    let charge = newest_object(&c, "charge.succeeded").await;
    let txn = its_transaction(&c, &charge).await;
    // 2.9% + 30 cents, as the sample history charges.
    let fee = 1250 * 29 / 1000 + 30;
    assert_eq!(txn["type"], "charge");
    assert_eq!(txn["reporting_category"], "charge");
    assert_eq!(txn["source"], charge["id"]);
    assert_eq!(txn["currency"], "usd");
    assert_eq!(txn["amount"], 1250);
    assert_eq!(txn["fee"], fee);
    assert_eq!(txn["net"], 1250 - fee);
    assert_eq!(txn["status"], "pending");
    assert!(txn["available_on"].as_i64().unwrap() > sim.now());
    assert_eq!(balance_in(&c, "usd").await, (0, 1250 - fee));

    // A declined card moves no money: no balance transaction.
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PaymentFailed(Payment::new(4000, "usd"), "card_declined".into()),
    );
    assert_eq!(
        newest_object(&c, "charge.failed").await["balance_transaction"],
        Value::Null
    );
    assert_eq!(sim.balance_transactions(ACCOUNT).len(), 1);

    // A refund: the charge it refunds, and the refund taking the amount back.
    sim.trigger(ACCOUNT, false, Trigger::Refunded(Payment::new(500, "usd")));
    let refunded = newest_object(&c, "charge.refunded").await;
    let refunded_txn = its_transaction(&c, &refunded).await;
    assert_eq!(refunded_txn["type"], "charge");
    assert_eq!(refunded_txn["source"], refunded["id"]);
    let refund = newest_object(&c, "refund.created").await;
    let refund_txn = its_transaction(&c, &refund).await;
    assert_eq!(refund_txn["type"], "refund");
    assert_eq!(refund_txn["reporting_category"], "refund");
    assert_eq!(refund_txn["source"], refund["id"]);
    assert_eq!(refund_txn["amount"], -500);
    assert_eq!(refund_txn["fee"], 0);
    assert_eq!(refund_txn["net"], -500);
    let refunded_net = 500 - (500 * 29 / 1000 + 30);
    let pending = 1250 - fee + refunded_net - 500;
    assert_eq!(balance_in(&c, "usd").await, (0, pending));

    // Two days on, it is all available.
    sim.advance_clock(Duration::from_secs(3 * DAY));
    assert_eq!(its_transaction(&c, &charge).await["status"], "available");
    assert_eq!(balance_in(&c, "usd").await, (pending, 0));

    // An automatic payout takes its amount out of the available balance at once.
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PayoutPaid {
            amount: 300,
            currency: "usd".into(),
        },
    );
    let payout = newest_object(&c, "payout.paid").await;
    let payout_txn = its_transaction(&c, &payout).await;
    assert_eq!(payout_txn["type"], "payout");
    assert_eq!(payout_txn["reporting_category"], "payout");
    assert_eq!(payout_txn["source"], payout["id"]);
    assert_eq!(payout_txn["amount"], -300);
    assert_eq!(payout_txn["fee"], 0);
    assert_eq!(payout_txn["net"], -300);
    assert_eq!(payout_txn["status"], "available");
    // The payout itself is Stripe's to look up, naming the same transaction;
    // which transactions it paid out Stripe has not said yet.
    let stored = c
        .get(&format!("/v1/payouts/{}", payout["id"].as_str().unwrap()))
        .await
        .json();
    assert_eq!(stored["balance_transaction"], payout_txn["id"]);
    assert_eq!(stored["automatic"], true);
    assert_eq!(stored["status"], "paid");
    assert_eq!(stored["reconciliation_status"], "in_progress");
    assert_eq!(balance_in(&c, "usd").await, (pending - 300, 0));

    // A failed payout gives the money back, by a second transaction.
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PayoutFailed {
            amount: 200,
            currency: "usd".into(),
            failure_code: "account_closed".into(),
        },
    );
    let failed = newest_object(&c, "payout.failed").await;
    assert_eq!(its_transaction(&c, &failed).await["amount"], -200);
    let mut returned = failed.clone();
    returned["balance_transaction"] = failed["failure_balance_transaction"].clone();
    let returned = its_transaction(&c, &returned).await;
    assert_eq!(returned["type"], "payout_failure");
    assert_eq!(returned["source"], failed["id"]);
    assert_eq!(returned["amount"], 200);
    let stored = c
        .get(&format!("/v1/payouts/{}", failed["id"].as_str().unwrap()))
        .await
        .json();
    assert_eq!(stored["status"], "failed");
    assert_eq!(stored["failure_balance_transaction"], returned["id"]);
    assert_eq!(balance_in(&c, "usd").await, (pending - 300, 0));
}

#[tokio::test]
async fn events_appear_a_little_after_their_created_time_and_ids_are_not_in_time_order() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    sim.set_event_delay(Duration::from_millis(1500));
    for i in 0..40 {
        sim.trigger(
            ACCOUNT,
            false,
            Trigger::PaymentSucceeded(Payment::new(100 + i, "usd")),
        );
    }
    let now = all_events(&c, "").await;
    assert!(
        now.len() < 120,
        "some of the 120 events are not visible yet ({} are)",
        now.len()
    );
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let later = all_events(&c, "").await;
    assert_eq!(later.len(), 120, "all visible once the delay has passed");
    // Newest first by `created`, but the IDs say nothing of the order.
    let created: Vec<i64> = later
        .iter()
        .map(|e| e["created"].as_i64().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]));
    let ids: Vec<&str> = later.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_ne!(ids, sorted);
    sorted.reverse();
    assert_ne!(ids, sorted);
    // A retrieve of an event not yet visible is a 404, as a list leaves it out.
    sim.set_event_delay(Duration::from_secs(30));
    let hidden = sim.trigger(ACCOUNT, false, Trigger::BalanceAvailable);
    let r = c.get(&format!("/v1/events/{}", hidden[0])).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn a_deauthorization_is_an_event_of_the_connected_account_the_platform_can_no_longer_read() {
    let sim = sim().await;
    sim.add_account("acct_1Shop", "Corner Shop");
    sim.connect_account(ACCOUNT, "acct_1Shop");
    let platform = Client::new(&sim, KEY).on_behalf_of("acct_1Shop");
    assert_eq!(platform.get("/v1/events").await.status, 200);

    sim.disconnect_account(ACCOUNT, "acct_1Shop");
    let events = sim.events("acct_1Shop", false);
    let deauth = events
        .iter()
        .find(|e| e["type"] == "account.application.deauthorized")
        .expect("the event is recorded");
    assert_eq!(deauth["account"], "acct_1Shop");
    assert_eq!(deauth["data"]["object"]["object"], "application");
    assert!(deauth["data"]["object"]["id"]
        .as_str()
        .unwrap()
        .starts_with("ca_"));
    assert_eq!(deauth["data"]["object"]["name"], "Acme Test Shop");
    assert_eq!(sim.events("acct_1Shop", true).len(), 1, "and in live mode");
    // The platform's own log does not carry it.
    assert!(!sim
        .events(ACCOUNT, false)
        .iter()
        .any(|e| e["type"] == "account.application.deauthorized"));
    let after = platform.get("/v1/events").await;
    assert_eq!(after.status, 403);
    assert_eq!(after.json()["error"]["code"], "account_invalid");

    // The event alone, for tests of an app reading one: access stays.
    sim.add_account("acct_1Other", "Other Shop");
    sim.connect_account(ACCOUNT, "acct_1Other");
    sim.trigger(
        "acct_1Other",
        false,
        Trigger::ApplicationDeauthorized {
            client_id: "ca_sim_connected".into(),
            name: "Acme Test Shop".into(),
        },
    );
    let other = Client::new(&sim, KEY).on_behalf_of("acct_1Other");
    let list = other.get("/v1/events").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json()["data"][0]["account"], "acct_1Other");
}

#[tokio::test]
async fn a_restricted_key_without_event_read_is_told_the_permission() {
    let sim = sim().await;
    let rk = "rk_test_51NoEvents0000000000000000";
    sim.add_key(
        rk,
        ACCOUNT,
        KeyAccess::Restricted(BTreeSet::from(["rak_customer_read".to_string()])),
    );
    let r = Client::new(&sim, rk).get("/v1/events").await;
    assert_eq!(r.status, 403);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Having the 'rak_event_read' permission would allow this request to continue."));
}

#[tokio::test]
async fn control_endpoints_trigger_delay_and_deauthorize_over_http() {
    let sim = sim().await;
    let post = |path: &'static str, body: Value| {
        let sim = sim.clone();
        async move {
            raw(&sim, "POST", path, &[], &body.to_string())
                .await
                .unwrap()
        }
    };
    let r = post(
        "/_sim/trigger",
        json!({"account": ACCOUNT, "kind": "payment_failed", "amount": 4000, "currency": "usd", "email": "acme@example.com", "decline_code": "card_declined"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["events"].as_array().unwrap().len(), 3);
    let r = post(
        "/_sim/trigger",
        json!({"account": ACCOUNT, "kind": "payout_created", "amount": 123400, "currency": "eur", "arrival_days": 3}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(
        "/_sim/trigger",
        json!({"account": ACCOUNT, "kind": "nonsense"}),
    )
    .await;
    assert_eq!(r.status, 400);
    let c = Client::new(&sim, KEY);
    assert_eq!(
        types(&c.get("/v1/events?type=payout.created").await.json()),
        ["payout.created"]
    );

    assert_eq!(
        post("/_sim/event_delay_ms", json!({"ms": 60_000}))
            .await
            .status,
        200
    );
    post(
        "/_sim/trigger",
        json!({"account": ACCOUNT, "kind": "balance_available"}),
    )
    .await;
    assert!(types(&c.get("/v1/events?type=balance.available").await.json()).is_empty());

    sim.add_account("acct_1Gone", "Gone Shop");
    sim.connect_account(ACCOUNT, "acct_1Gone");
    let r = post(
        "/_sim/deauthorize",
        json!({"platform": ACCOUNT, "account": "acct_1Gone"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let after = Client::new(&sim, KEY)
        .on_behalf_of("acct_1Gone")
        .get("/v1/events")
        .await;
    assert_eq!(after.status, 403);
}

#[tokio::test]
async fn the_demo_makes_payments_a_failure_and_a_payout_every_period() {
    let sim = sim().await;
    let task = sim.start_demo_activity(ACCOUNT, Duration::from_millis(200));
    tokio::time::sleep(Duration::from_millis(500)).await;
    task.abort();
    let events = sim.events(ACCOUNT, false);
    let count = |t: &str| events.iter().filter(|e| e["type"] == t).count();
    assert!(count("charge.succeeded") >= 2, "{events:?}");
    assert!(count("charge.failed") >= 1);
    assert!(count("payout.created") >= 1);
}

#[tokio::test]
async fn seeded_events_spread_over_a_span_and_page_like_any_list() {
    let sim = sim().await;
    sim.seed_events(ACCOUNT, 2_000, Duration::from_secs(10 * DAY), 7);
    assert_eq!(sim.events(ACCOUNT, false).len(), 2_000);
    let c = Client::new(&sim, KEY);
    let all = all_events(&c, "").await;
    assert_eq!(all.len(), 2_000);
    let unique: BTreeSet<&str> = all.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), 2_000);
    let oldest = all.last().unwrap()["created"].as_i64().unwrap();
    assert!(oldest < sim.now() - 9 * DAY as i64);
}
