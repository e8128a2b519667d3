//! Customers, products, plans, subscriptions and their first invoice, as
//! real Stripe has them (each test is a row of FIDELITY.md).

use crate::common::*;
use std::time::Duration;

async fn customer(c: &Client<'_>, body: &str) -> String {
    let r = c.post("/v1/customers", body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

/// A product with a monthly price of 24.90 EUR; returns the price's ID.
async fn monthly_price(c: &Client<'_>) -> String {
    let r = c
        .post(
            "/v1/products",
            "name=Tea+club&default_price_data[currency]=eur&default_price_data[unit_amount]=2490&default_price_data[recurring][interval]=month",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["default_price"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_customer_without_a_payment_method_cannot_be_charged_now() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    let cus = customer(&c, "name=Maria+Lopez&email=maria%40example.com").await;
    let price = monthly_price(&c).await;
    for behaviour in [
        "",
        "&payment_behavior=allow_incomplete",
        "&payment_behavior=error_if_incomplete",
    ] {
        let r = c
            .post(
                "/v1/subscriptions",
                &format!("customer={cus}&items[0][price]={price}{behaviour}"),
            )
            .await;
        assert_eq!(r.status, 400, "{behaviour}: {}", r.body);
        let e = &r.json()["error"];
        assert!(e["message"].as_str().unwrap().starts_with(
            "This customer has no attached payment source or default payment method."
        ));
    }
    assert_eq!(sim.count(ACCOUNT, "subscriptions"), 0);
    assert_eq!(sim.count(ACCOUNT, "invoices"), 0);
    // Nothing due now (a trial) needs no payment method.
    let trial = c
        .post(
            "/v1/subscriptions",
            &format!("customer={cus}&items[0][price]={price}&trial_period_days=14"),
        )
        .await;
    assert_eq!(trial.status, 200, "{}", trial.body);
    assert_eq!(trial.json()["status"], "trialing");
}

#[tokio::test]
async fn default_incomplete_leaves_it_unpaid_with_a_payment_page() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    let cus = customer(&c, "name=Maria+Lopez").await;
    let price = monthly_price(&c).await;
    let r = c
        .post(
            "/v1/subscriptions",
            &format!("customer={cus}&items[0][price]={price}&payment_behavior=default_incomplete&expand[]=latest_invoice"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sub = r.json();
    assert_eq!(sub["status"], "incomplete");
    let invoice = &sub["latest_invoice"];
    assert_eq!(invoice["object"], "invoice");
    assert_eq!(invoice["status"], "open");
    assert_eq!(invoice["amount_due"], 2490);
    assert!(invoice["hosted_invoice_url"]
        .as_str()
        .unwrap()
        .starts_with("https://invoice.stripe.com/i/"));
    // Unpaid 23 hours on, it expires and its invoice is voided.
    sim.advance_clock(Duration::from_secs(23 * 3600 + 1));
    let id = sub["id"].as_str().unwrap();
    let later = c
        .get(&format!("/v1/subscriptions/{id}?expand[]=latest_invoice"))
        .await
        .json();
    assert_eq!(later["status"], "incomplete_expired");
    assert_eq!(later["latest_invoice"]["status"], "void");
    let ended = c.get("/v1/subscriptions?status=ended").await.json();
    assert_eq!(ended["data"][0]["id"], id);
    let current = c.get("/v1/subscriptions").await.json();
    assert_eq!(current["data"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn send_invoice_needs_days_until_due_and_emails_the_invoice() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    let cus = customer(&c, "name=Maria+Lopez&email=maria%40example.com").await;
    let price = monthly_price(&c).await;
    let r = c
        .post(
            "/v1/subscriptions",
            &format!("customer={cus}&items[0][price]={price}&collection_method=send_invoice"),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.json()["error"]["param"], "days_until_due");
    let r = c
        .post(
            "/v1/subscriptions",
            &format!("customer={cus}&items[0][price]={price}&collection_method=send_invoice&days_until_due=30&expand[]=latest_invoice"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sub = r.json();
    assert_eq!(sub["status"], "active");
    let invoice = &sub["latest_invoice"];
    assert_eq!(invoice["status"], "open");
    assert_eq!(invoice["collection_method"], "send_invoice");
    assert_eq!(
        invoice["due_date"].as_i64().unwrap() - invoice["created"].as_i64().unwrap(),
        30 * 86_400
    );
    assert!(invoice["hosted_invoice_url"].as_str().is_some());
    assert_eq!(
        sim.emailed_invoices(ACCOUNT),
        [(
            "maria@example.com".to_string(),
            invoice["id"].as_str().unwrap().to_string()
        )]
    );
}

#[tokio::test]
async fn a_saved_test_card_pays_the_first_invoice() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    let cus = customer(&c, "name=Maria+Lopez").await;
    let price = monthly_price(&c).await;
    // As Stripe's pm_card_visa: attach, then make it the default.
    let pm = c
        .post(
            "/v1/payment_methods/pm_card_visa/attach",
            &format!("customer={cus}"),
        )
        .await;
    assert_eq!(pm.status, 200, "{}", pm.body);
    let pm = pm.json();
    let pm_id = pm["id"].as_str().unwrap();
    assert_ne!(pm_id, "pm_card_visa");
    assert_eq!(pm["card"]["last4"], "4242");
    // Not the customer's: refused.
    let other = customer(&c, "name=Other").await;
    let r = c
        .post(
            &format!("/v1/customers/{other}"),
            &format!("invoice_settings[default_payment_method]={pm_id}"),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = c
        .post(
            &format!("/v1/customers/{cus}"),
            &format!("invoice_settings[default_payment_method]={pm_id}"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got = c
        .get(&format!(
            "/v1/customers/{cus}?expand[]=invoice_settings.default_payment_method"
        ))
        .await
        .json();
    assert_eq!(
        got["invoice_settings"]["default_payment_method"]["card"]["brand"],
        "visa"
    );
    let listed = c
        .get(&format!("/v1/customers/{cus}/payment_methods"))
        .await
        .json();
    assert_eq!(listed["data"][0]["id"], pm_id);
    let sub = c
        .post(
            "/v1/subscriptions",
            &format!(
                "customer={cus}&items[0][price]={price}&expand[]=latest_invoice&expand[]=customer"
            ),
        )
        .await;
    assert_eq!(sub.status, 200, "{}", sub.body);
    let sub = sub.json();
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["latest_invoice"]["status"], "paid");
    assert_eq!(sub["latest_invoice"]["amount_paid"], 2490);
    assert_eq!(sub["customer"]["name"], "Maria Lopez");
    // The library helper does the same.
    let third = customer(&c, "name=Third").await;
    let saved = sim
        .save_test_card(ACCOUNT, &third, "pm_card_mastercard")
        .unwrap();
    let got = c.get(&format!("/v1/customers/{third}")).await.json();
    assert_eq!(
        got["invoice_settings"]["default_payment_method"],
        saved.as_str()
    );
}

#[tokio::test]
async fn custom_product_and_plan_ids_work_as_ids_cursors_and_prices() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    let p = c.post("/v1/products", "id=gold&name=Gold").await;
    assert_eq!(p.status, 200, "{}", p.body);
    c.post("/v1/products", "name=Silver").await;
    let plan = c
        .post(
            "/v1/plans",
            "id=gold-monthly&amount=2490&currency=eur&interval=month&product=gold",
        )
        .await;
    assert_eq!(plan.status, 200, "{}", plan.body);
    assert_eq!(c.get("/v1/products/gold").await.json()["name"], "Gold");
    let after = c.get("/v1/products?starting_after=gold").await;
    assert_eq!(after.status, 200, "{}", after.body);
    let cus = customer(&c, "name=Plan+Buyer&payment_method=pm_card_visa&invoice_settings[default_payment_method]=pm_card_visa").await;
    let sub = c
        .post(
            "/v1/subscriptions",
            &format!(
                "customer={cus}&items[0][price]=gold-monthly&expand[]=items.data.price.product"
            ),
        )
        .await;
    assert_eq!(sub.status, 200, "{}", sub.body);
    let sub = sub.json();
    assert_eq!(sub["items"]["data"][0]["price"]["id"], "gold-monthly");
    assert_eq!(sub["items"]["data"][0]["price"]["product"]["name"], "Gold");
}

#[tokio::test]
async fn customer_search_finds_part_of_an_email_name_or_phone() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    customer(
        &c,
        "name=Maria+Lopez&email=maria.lopez%40gmail.com&phone=%2B34600111222",
    )
    .await;
    customer(&c, "name=Jo+Baker&email=jo%40bakery.example").await;
    let search = |q: &str| {
        let q = q
            .replace(' ', "%20")
            .replace('\'', "%27")
            .replace('~', "%7E");
        format!("/v1/customers/search?query={q}")
    };
    let names = |v: &serde_json::Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    for part in ["gmail", "maria.lopez", "600111", "LOPEZ"] {
        let r = c
            .get(&search(&format!(
                "name~'{part}' OR email~'{part}' OR phone~'{part}'"
            )))
            .await;
        assert_eq!(r.status, 200, "{part}: {}", r.body);
        assert_eq!(names(&r.json()), ["Maria Lopez"], "{part}");
    }
    // Fewer than 3 characters, or ~ on a field that takes only exact values: refused.
    assert_eq!(c.get(&search("email~'gm'")).await.status, 400);
    assert_eq!(c.get(&search("metadata['k']~'abc'")).await.status, 400);
    // AND and OR together: refused.
    assert_eq!(
        c.get(&search("name~'mar' OR email~'mar' AND phone~'600'"))
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn the_email_filter_is_exact_and_case_sensitive_and_emails_are_not_unique() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    customer(&c, "email=ann%40example.com").await;
    customer(&c, "email=ann%40example.com").await;
    customer(&c, "email=Ann%40Example.com").await;
    let count = |v: serde_json::Value| v["data"].as_array().unwrap().len();
    let r = c.get("/v1/customers?email=ann%40example.com").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(count(r.json()), 2, "two customers may share an email");
    assert_eq!(
        count(c.get("/v1/customers?email=ANN%40EXAMPLE.COM").await.json()),
        0
    );
    assert_eq!(
        count(c.get("/v1/customers?email=ann%40example").await.json()),
        0
    );
    // An ID kept in metadata is found by search, ten values to a query.
    customer(&c, "email=b%40example.com&metadata[external_id]=B-2").await;
    let q = "metadata['external_id']:'A-1' OR metadata['external_id']:'B-2'"
        .replace(' ', "%20")
        .replace('\'', "%27");
    let r = c.get(&format!("/v1/customers/search?query={q}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["data"][0]["metadata"]["external_id"], "B-2");
    let eleven = (0..11)
        .map(|i| format!("metadata['external_id']:'X{i}'"))
        .collect::<Vec<_>>()
        .join(" OR ")
        .replace(' ', "%20")
        .replace('\'', "%27");
    assert_eq!(
        c.get(&format!("/v1/customers/search?query={eleven}"))
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn a_statement_descriptor_loses_its_non_ascii_letters() {
    let sim = sim().await;
    let c = Client::new(&sim, KEY);
    let r = c
        .post(
            "/v1/products",
            "name=Tea&statement_descriptor=CAF%C3%89+ZO%C3%8B+TEA",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["statement_descriptor"], "CAF ZO TEA");
}
