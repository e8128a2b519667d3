//! Deterministic sample data: customers, products with prices and plans,
//! subscriptions, and balance transactions over the past ~18 months.

use crate::api::{build_subscription, make_event};
use crate::resources::balance;
use crate::state::Data;
use crate::store::Item;
use crate::{SeedSpec, DEFAULT_API_VERSION};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

const DAY: i64 = 86_400;
const SPAN_DAYS: i64 = 540;

const FIRST: &[&str] = &[
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Sophia",
    "Elijah",
    "Mia",
    "Lucas",
    "Isabella",
    "Mateo",
    "Ava",
    "Levi",
    "Charlotte",
    "Ethan",
    "Harper",
    "James",
    "Aisha",
    "Kenji",
    "Priya",
    "Diego",
    "Fatima",
    "Hiro",
    "Chloe",
    "Marcus",
    "Lena",
    "Tomás",
    "Zoe",
    "Ravi",
    "Ingrid",
    "Omar",
    "Yuki",
    "Grace",
    "Mohammed",
    "Elena",
    "Samuel",
    "Nora",
    "Felix",
    "Maya",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Garcia",
    "Martinez",
    "Brown",
    "Nguyen",
    "Patel",
    "Kim",
    "Müller",
    "Rossi",
    "Tanaka",
    "Okafor",
    "Silva",
    "Dubois",
    "Kowalski",
    "Andersson",
    "O'Brien",
    "Cohen",
    "Haddad",
    "Walker",
    "Young",
    "Lopez",
    "Wright",
    "Hill",
    "Green",
    "Adams",
    "Baker",
    "Nelson",
    "Carter",
    "Mitchell",
    "Perez",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
];
const DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "mail.example"];
const PRODUCTS: &[&str] = &[
    "House Espresso Blend",
    "Single Origin Ethiopia",
    "Decaf Colombia",
    "Cold Brew Concentrate",
    "Monthly Tasting Box",
    "Barista Training Session",
    "Pour-Over Kit",
    "Office Coffee Plan",
    "Guatemala Huehuetenango",
    "Kenya AA",
    "Seasonal Holiday Roast",
    "Chai Spice Blend",
    "Matcha Ceremonial Grade",
    "Dark Roast Sumatra",
    "Espresso Machine Service",
    "Green Beans Wholesale",
];

pub(crate) fn rid(rng: &mut StdRng, prefix: &str, len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut s = String::with_capacity(prefix.len() + len);
    s.push_str(prefix);
    for _ in 0..len {
        s.push(CHARS[rng.random_range(0..CHARS.len())] as char);
    }
    s
}

fn event(data: &mut Data, kind: &str, obj: &Value) {
    let ev = make_event(
        kind,
        obj.clone(),
        None,
        obj.created(),
        data.livemode,
        DEFAULT_API_VERSION,
        json!({"id": null, "idempotency_key": null}),
    );
    data.events.insert(ev);
}

pub fn seed(data: &mut Data, spec: &SeedSpec, now: i64) {
    let mut rng = StdRng::seed_from_u64(spec.rng_seed);
    let livemode = data.livemode;
    let past = |rng: &mut StdRng| now - rng.random_range(0..SPAN_DAYS * DAY);

    for i in 0..spec.customers {
        let first = FIRST[rng.random_range(0..FIRST.len())];
        let last = LAST[rng.random_range(0..LAST.len())];
        let domain = DOMAINS[rng.random_range(0..DOMAINS.len())];
        let local: String = format!("{first}.{last}")
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        let email = format!("{local}{}@{domain}", i + data.customers.len());
        let obj = json!({
            "id": rid(&mut rng, "cus_", 14),
            "object": "customer",
            "address": null,
            "balance": 0,
            "created": past(&mut rng),
            "currency": "usd",
            "default_source": null,
            "delinquent": false,
            "description": null,
            "discount": null,
            "email": email,
            "invoice_prefix": rid(&mut rng, "", 8).to_uppercase(),
            "invoice_settings": {"custom_fields": null, "default_payment_method": null, "footer": null, "rendering_options": null},
            "livemode": livemode,
            "metadata": {},
            "name": format!("{first} {last}"),
            "next_invoice_sequence": 1,
            "phone": format!("+1555{:07}", rng.random_range(0..10_000_000u32)),
            "preferred_locales": [],
            "shipping": null,
            "tax_exempt": "none",
            "test_clock": null,
        });
        event(data, "customer.created", &obj);
        data.customers.insert(obj);
    }

    for i in 0..spec.products {
        let base = PRODUCTS[i % PRODUCTS.len()];
        let name = if i < PRODUCTS.len() {
            base.to_string()
        } else {
            format!("{base} #{}", i / PRODUCTS.len() + 1)
        };
        let created = past(&mut rng);
        let product_id = rid(&mut rng, "prod_", 14);
        let price_id = rid(&mut rng, "price_", 24);
        let amount = rng.random_range(5..=60) * 100;
        let product = json!({
            "id": product_id,
            "object": "product",
            "active": true,
            "created": created,
            "default_price": price_id,
            "description": format!("{name}, roasted to order."),
            "images": [],
            "livemode": livemode,
            "marketing_features": [],
            "metadata": {},
            "name": name,
            "package_dimensions": null,
            "shippable": null,
            "statement_descriptor": null,
            "tax_code": null,
            "type": "service",
            "unit_label": null,
            "updated": created,
            "url": null,
        });
        let price = json!({
            "id": price_id,
            "object": "price",
            "active": true,
            "billing_scheme": "per_unit",
            "created": created,
            "currency": "usd",
            "custom_unit_amount": null,
            "livemode": livemode,
            "lookup_key": null,
            "metadata": {},
            "nickname": "Monthly",
            "product": product_id,
            "recurring": {"interval": "month", "interval_count": 1, "meter": null, "trial_period_days": null, "usage_type": "licensed"},
            "tax_behavior": "unspecified",
            "tiers_mode": null,
            "transform_quantity": null,
            "type": "recurring",
            "unit_amount": amount,
            "unit_amount_decimal": amount.to_string(),
        });
        let yearly = amount * 10;
        let plan = json!({
            "id": rid(&mut rng, "plan_", 24),
            "object": "plan",
            "active": true,
            "amount": yearly,
            "amount_decimal": yearly.to_string(),
            "billing_scheme": "per_unit",
            "created": created,
            "currency": "usd",
            "interval": "year",
            "interval_count": 1,
            "livemode": livemode,
            "metadata": {},
            "meter": null,
            "nickname": "Yearly",
            "product": product_id,
            "tiers_mode": null,
            "transform_usage": null,
            "trial_period_days": null,
            "usage_type": "licensed",
        });
        event(data, "product.created", &product);
        event(data, "price.created", &price);
        event(data, "plan.created", &plan);
        data.products.insert(product);
        data.prices.insert(price);
        data.plans.insert(plan);
    }

    // Subscriptions pick from what exists (in a stable order) so they're
    // deterministic too.
    let customers: Vec<(String, i64)> = data
        .customers
        .iter()
        .map(|c| (c.id().to_string(), c.created()))
        .collect();
    let prices: Vec<String> = data
        .prices
        .iter()
        .filter(|p| p["type"] == json!("recurring"))
        .map(|p| p.id().to_string())
        .collect();
    if !customers.is_empty() && !prices.is_empty() {
        for _ in 0..spec.subscriptions {
            let (customer, since) = &customers[rng.random_range(0..customers.len())];
            let price = &prices[rng.random_range(0..prices.len())];
            let created = rng.random_range(*since..=now.max(*since));
            let quantity = if rng.random_bool(0.8) {
                1
            } else {
                rng.random_range(2..=5)
            };
            let extra = json!({"metadata": {}});
            let Ok(mut sub) = build_subscription(
                data,
                customer,
                &[(price.clone(), quantity, json!({}))],
                created,
                livemode,
                &extra,
            ) else {
                continue;
            };
            let sub_id = rid(&mut rng, "sub_", 24);
            sub["id"] = json!(sub_id);
            if let Some(items) = sub["items"]["data"].as_array_mut() {
                for it in items {
                    it["subscription"] = json!(sub_id);
                }
            }
            sub["items"]["url"] = json!(format!("/v1/subscription_items?subscription={sub_id}"));
            // A few canceled ones, as a real account has.
            if rng.random_bool(0.15) {
                let ended = rng.random_range(created..=now.max(created));
                sub["status"] = json!("canceled");
                sub["canceled_at"] = json!(ended);
                sub["ended_at"] = json!(ended);
            }
            event(data, "customer.subscription.created", &sub);
            data.subscriptions.insert(sub);
        }
    }

    balance::seed(
        data,
        &mut rng,
        spec.balance_transactions,
        now,
        SPAN_DAYS * DAY,
        |rng, prefix| rid(rng, prefix, 24),
    );
}
