//! A product with an active and an archived monthly price, made through the
//! API as a person's earlier work would have: the workflow tests subscribe
//! to the first and are refused on the second.

use desk_core::stripe::{Auth, Param, Params, Request, StripeClient};

/// `(active, archived)` price IDs of one new product, 15.00 USD a month.
pub async fn active_and_archived_prices(c: &StripeClient, auth: &Auth) -> (String, String) {
    let product = c
        .send(
            auth,
            &Request::post("/v1/products").params(Params::new().text("name", "Coffee club")),
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let price = c
            .send(
                auth,
                &Request::post("/v1/prices").params(
                    Params::new()
                        .text("product", product["id"].as_str().unwrap())
                        .text("unit_amount", "1500")
                        .text("currency", "usd")
                        .param(
                            "recurring",
                            Param::Map(vec![("interval".into(), Param::Text("month".into()))]),
                        ),
                ),
            )
            .await
            .unwrap();
        ids.push(price["id"].as_str().unwrap().to_owned());
    }
    c.send(
        auth,
        &Request::post(format!("/v1/prices/{}", ids[1]))
            .params(Params::new().text("active", "false")),
    )
    .await
    .unwrap();
    (ids.remove(0), ids.remove(0))
}
