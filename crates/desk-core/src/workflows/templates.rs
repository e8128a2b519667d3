//! Ready-made workflows a shop owner would want. Every action and field id
//! they use is named in [`ids`], the one place to adjust if the actions'
//! descriptions name them differently.

use super::conditions::{Comparison, Condition, Test};
use super::model::{InputKind, Step, Workflow};
use serde_json::{json, Map, Value};

pub mod ids {
    pub const CREATE_CUSTOMER: &str = "create_customer";
    pub const CREATE_SUBSCRIPTION: &str = "create_subscription";
    pub const CREATE_PRODUCT: &str = "create_product";
    pub const LIST_CUSTOMERS: &str = "list_customers";
    pub const LIST_SUBSCRIPTIONS: &str = "list_subscriptions";
    /// The request to any endpoint.
    pub const REQUEST: &str = "any_endpoint";

    pub const CUSTOMER_NAME: &str = "name";
    pub const CUSTOMER_EMAIL: &str = "email";
    pub const SUBSCRIPTION_CUSTOMER: &str = "customer";
    pub const SUBSCRIPTION_ITEMS: &str = "items";
    pub const ITEM_PRICE: &str = "price";
    pub const ITEM_QUANTITY: &str = "quantity";
    /// How the subscription is paid, and the choice that emails an invoice.
    pub const SUBSCRIPTION_PAYMENT: &str = "payment";
    pub const PAY_BY_EMAILED_INVOICE: &str = "invoice";
    pub const SUBSCRIPTION_DAYS_TO_PAY: &str = "days_until_due";
    pub const PRODUCT_NAME: &str = "name";
    pub const LIST_EMAIL: &str = "email";
    pub const LIST_LIMIT: &str = "limit";
    pub const LIST_CUSTOMER: &str = "customer";
    pub const LIST_STATUS: &str = "status";
    pub const REQUEST_METHOD: &str = "method";
    pub const REQUEST_PATH: &str = "path";
    pub const REQUEST_PARAMS: &str = "params";
}

fn step(name: &str, action: &str, fields: Value) -> Step {
    let fields: Map<String, Value> = match fields {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    Step::action(name, action, fields)
}

fn add_input(w: &mut Workflow, name: &str, label: &str, kind: InputKind) {
    w.add_input(name, label, kind)
        .expect("template input names are valid");
}

/// Create a customer, then a subscription to a price for that customer,
/// paid by an invoice Stripe emails them (due in 30 days): a new customer
/// has no saved card, and real Stripe refuses to charge one who has none.
pub fn customer_with_subscription() -> Workflow {
    use ids::*;
    let mut w = Workflow::new("New customer with a subscription");
    add_input(&mut w, "name", "Customer name", InputKind::Text);
    add_input(&mut w, "email", "Customer email", InputKind::Email);
    add_input(
        &mut w,
        "price",
        "Price to subscribe to",
        InputKind::IdWithPrefix {
            prefix: "price_".into(),
        },
    );
    w.steps = vec![
        step(
            "create_customer",
            CREATE_CUSTOMER,
            json!({ CUSTOMER_NAME: "{{input.name}}", CUSTOMER_EMAIL: "{{input.email}}" }),
        ),
        step(
            "create_subscription",
            CREATE_SUBSCRIPTION,
            json!({
                SUBSCRIPTION_CUSTOMER: "{{create_customer.id}}",
                SUBSCRIPTION_ITEMS: [{ ITEM_PRICE: "{{input.price}}", ITEM_QUANTITY: "1" }],
                SUBSCRIPTION_PAYMENT: PAY_BY_EMAILED_INVOICE,
                SUBSCRIPTION_DAYS_TO_PAY: "30",
            }),
        ),
    ];
    w
}

/// Create a product, then a monthly price for it (through the request to
/// any endpoint: POST /v1/prices), ready to be sold as a subscription.
pub fn product_with_price() -> Workflow {
    use ids::*;
    let mut w = Workflow::new("New product with its price");
    add_input(&mut w, "product_name", "Product name", InputKind::Text);
    add_input(
        &mut w,
        "monthly_amount",
        "Price per month",
        InputKind::AmountIn {
            currency: "usd".into(),
        },
    );
    w.steps = vec![
        step(
            "create_product",
            CREATE_PRODUCT,
            json!({ PRODUCT_NAME: "{{input.product_name}}" }),
        ),
        step(
            "create_price",
            REQUEST,
            json!({
                REQUEST_METHOD: "POST",
                REQUEST_PATH: "/v1/prices",
                // Rows, as the form's parameter rows hold them.
                REQUEST_PARAMS: [
                    { "key": "product", "value": "{{create_product.id}}" },
                    { "key": "unit_amount", "value": "{{input.monthly_amount}}" },
                    { "key": "currency", "value": "usd" },
                    { "key": "recurring[interval]", "value": "month" },
                ],
            }),
        ),
    ];
    w
}

/// Find the customer with an email, then list their subscriptions (all
/// statuses, canceled ones too).
pub fn customer_subscriptions_by_email() -> Workflow {
    use ids::*;
    let mut w = Workflow::new("Find a customer's subscriptions by email");
    add_input(&mut w, "email", "Customer email", InputKind::Email);
    w.steps = vec![
        step(
            "find_customer",
            LIST_CUSTOMERS,
            json!({ LIST_EMAIL: "{{input.email}}", LIST_LIMIT: "1" }),
        ),
        step(
            "list_subscriptions",
            LIST_SUBSCRIPTIONS,
            json!({ LIST_CUSTOMER: "{{find_customer.data.0.id}}", LIST_STATUS: "all" }),
        ),
    ];
    w
}

/// Find the customer with the email (Stripe's exact-email filter); only if
/// there is none, create them; then subscribe whichever it is to a price,
/// paid by an emailed invoice (due in 30 days). Made of the conditions and
/// a "First of" value like any workflow: nothing in the engine knows it.
pub fn find_or_create_customer_then_subscribe() -> Workflow {
    use ids::*;
    let mut w = Workflow::new("Find or create a customer, then subscribe them");
    add_input(&mut w, "name", "Customer name", InputKind::Text);
    add_input(&mut w, "email", "Customer email", InputKind::Email);
    add_input(
        &mut w,
        "price",
        "Price to subscribe to",
        InputKind::IdWithPrefix {
            prefix: "price_".into(),
        },
    );
    w.steps = vec![
        step(
            "find_customer",
            LIST_CUSTOMERS,
            json!({ LIST_EMAIL: "{{input.email}}", LIST_LIMIT: "1" }),
        ),
        Step::group(
            "if_new",
            Condition::all(vec![Comparison::new(
                "{{find_customer.data}}",
                Test::IsEmpty,
            )]),
            vec![step(
                "create_customer",
                CREATE_CUSTOMER,
                json!({ CUSTOMER_NAME: "{{input.name}}", CUSTOMER_EMAIL: "{{input.email}}" }),
            )],
            Vec::new(),
        ),
        Step::first_of(
            "customer",
            &["{{find_customer.data.0.id}}", "{{create_customer.id}}"],
        ),
        step(
            "create_subscription",
            CREATE_SUBSCRIPTION,
            json!({
                SUBSCRIPTION_CUSTOMER: "{{customer.value}}",
                SUBSCRIPTION_ITEMS: [{ ITEM_PRICE: "{{input.price}}", ITEM_QUANTITY: "1" }],
                SUBSCRIPTION_PAYMENT: PAY_BY_EMAILED_INVOICE,
                SUBSCRIPTION_DAYS_TO_PAY: "30",
            }),
        ),
    ];
    w.description =
        "Finds a customer by their email, adds them only if there is none, then subscribes them to one of your prices."
            .into();
    w
}

/// Every template, each a new workflow with its own ID, with a line on
/// what it does for the list a person picks from.
pub fn all() -> Vec<Workflow> {
    let described = |mut w: Workflow, what: &str| {
        w.description = what.to_owned();
        w
    };
    vec![
        described(
            customer_with_subscription(),
            "Adds a customer, then subscribes them to one of your prices.",
        ),
        described(
            product_with_price(),
            "Adds a product, then a monthly price for it, ready to sell as a subscription.",
        ),
        described(
            customer_subscriptions_by_email(),
            "Finds a customer by their email and lists their subscriptions, canceled ones too.",
        ),
        find_or_create_customer_then_subscribe(),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::bound::ActionCatalog;
    use super::*;

    #[test]
    fn every_template_passes_the_checks_against_the_real_actions() {
        for w in all() {
            assert_eq!(w.check(&ActionCatalog), vec![], "{}", w.name);
            assert!(!w.description.is_empty(), "{} says what it does", w.name);
        }
        let a = customer_with_subscription();
        assert_ne!(a.id, customer_with_subscription().id);
    }
}
