//! The twelve actions. Limits are Stripe's (its API reference and the
//! OpenAPI description); the contract test checks every parameter here
//! against that description.

use super::{
    Action, ChoiceOption, Display, DuplicateCheck, Field, FieldKind, FixedList, FormRule,
    HttpMethod, KeyValueRow, KnownRefusal, Lookup, Permission, RelatedList, ResultShape, ShownWhen,
    SummaryField,
};
use std::sync::OnceLock;

pub fn all() -> &'static [Action] {
    static ALL: OnceLock<Vec<Action>> = OnceLock::new();
    ALL.get_or_init(|| {
        vec![
            create_customer(),
            update_customer(),
            get_customer(),
            list_customers(),
            create_subscription(),
            list_subscriptions(),
            create_product(),
            get_product(),
            list_products(),
            list_balance_transactions(),
            list_plans(),
            any_endpoint(),
        ]
    })
}

pub fn find(id: &str) -> Option<&'static Action> {
    all().iter().find(|a| a.id == id)
}

fn field(id: &str, label: &str, help: &str, kind: FieldKind, param: &str) -> Field {
    Field {
        id: id.into(),
        label: label.into(),
        help: help.into(),
        kind,
        required: false,
        param: param.into(),
        advanced: false,
        default: None,
        lookup: None,
        shown_when: None,
    }
}

impl Field {
    fn required(mut self) -> Self {
        self.required = true;
        self
    }
    fn advanced(mut self) -> Self {
        self.advanced = true;
        self
    }
    fn default(mut self, value: &str) -> Self {
        self.default = Some(value.into());
        self
    }
    fn lookup(mut self, lookup: Lookup) -> Self {
        self.lookup = Some(lookup);
        self
    }
    /// Applies only when `field` is one of `values`.
    fn shown_when(mut self, field: &str, values: &[&str]) -> Self {
        self.shown_when = Some(ShownWhen {
            field: field.into(),
            values: values.iter().map(|v| (*v).into()).collect(),
        });
        self
    }
}

impl SummaryField {
    /// A name whose object's ID is at `id_path`, one click away.
    fn with_id(mut self, id_path: &str) -> Self {
        self.id_path = Some(id_path.into());
        self
    }
    fn only_if(mut self, path: &str, values: &[&str]) -> Self {
        self.only_if = Some(ShownWhen {
            field: path.into(),
            values: values.iter().map(|v| (*v).into()).collect(),
        });
        self
    }
}

fn word(value: &str, label: &str) -> ChoiceOption {
    ChoiceOption {
        value: value.into(),
        label: label.into(),
        sends: Vec::new(),
    }
}

fn kv(key: &str, value: &str) -> KeyValueRow {
    KeyValueRow {
        key: key.into(),
        value: value.into(),
    }
}

/// Find a customer by name or email (Stripe's customer search, or the
/// exact-email filter where search is unavailable).
fn customer_lookup() -> Lookup {
    Lookup::Search {
        search_path: "/v1/customers/search".into(),
        matches: CUSTOMER_TEXT_FIELDS.iter().map(|m| (*m).into()).collect(),
        list_path: "/v1/customers".into(),
        fallback_filter: "email".into(),
    }
}

/// A product, then one of its active recurring prices.
fn recurring_price_lookup() -> Lookup {
    Lookup::ParentThenChild {
        parent_label: "Product".into(),
        parent_path: "/v1/products".into(),
        child_path: "/v1/prices".into(),
        child_filter: "product".into(),
        child_params: vec![
            KeyValueRow {
                key: "active".into(),
                value: "true".into(),
            },
            KeyValueRow {
                key: "type".into(),
                value: "recurring".into(),
            },
        ],
    }
}

fn text(max_len: u32) -> FieldKind {
    FieldKind::Text {
        max_len,
        multiline: false,
    }
}

fn id_kind(prefix: &str) -> FieldKind {
    FieldKind::Id {
        prefix: prefix.into(),
        custom: false,
    }
}

/// Products and plans may have IDs the account chose (`gold-monthly`).
fn custom_id_kind(prefix: &str) -> FieldKind {
    FieldKind::Id {
        prefix: prefix.into(),
        custom: true,
    }
}

fn choice(options: &[(&str, &str)]) -> FieldKind {
    FieldKind::Choice {
        options: options
            .iter()
            .map(|(value, label)| ChoiceOption {
                value: (*value).into(),
                label: (*label).into(),
                sends: Vec::new(),
            })
            .collect(),
    }
}

fn permission(name: &str, write: bool) -> Option<Permission> {
    Some(Permission {
        name: name.into(),
        write,
    })
}

fn show(label: &str, path: &str, display: Display) -> SummaryField {
    SummaryField {
        label: label.into(),
        path: path.into(),
        display,
        id_path: None,
        only_if: None,
    }
}

fn expand(paths: &[&str]) -> Vec<String> {
    paths.iter().map(|p| (*p).into()).collect()
}

fn outputs(paths: &[&str]) -> Vec<String> {
    paths.iter().map(|p| (*p).into()).collect()
}

fn money(currency: &str) -> Display {
    Display::Money {
        currency: currency.into(),
    }
}

// Paging, shared by every list.
fn limit() -> Field {
    field(
        "limit",
        "Page size",
        "How many to show at once, 1 to 100.",
        FieldKind::Integer { min: 1, max: 100 },
        "limit",
    )
    .default("10")
}

fn starting_after(kind: FieldKind) -> Field {
    field(
        "starting_after",
        "After",
        "Show the page that follows this one (the Next button fills it).",
        kind,
        "starting_after",
    )
    .advanced()
}

fn ending_before(kind: FieldKind) -> Field {
    field(
        "ending_before",
        "Before",
        "Show the page that comes before this one (the Previous button fills it).",
        kind,
        "ending_before",
    )
    .advanced()
}

/// Paging goes one way at a time.
fn paging_rule() -> FormRule {
    FormRule::OneOf {
        fields: vec!["starting_after".into(), "ending_before".into()],
        at: "ending_before".into(),
        message: "Page forward or backward, not both at once.".into(),
    }
}

/// What plain words in a customer search match (Stripe's string fields for customers).
const CUSTOMER_TEXT_FIELDS: [&str; 3] = ["name", "email", "phone"];

fn created_range() -> [Field; 2] {
    [
        field(
            "created_from",
            "Created on or after",
            "The first day to include (UTC).",
            FieldKind::Date,
            "created[gte]",
        ),
        field(
            "created_before",
            "Created before",
            "The first day to leave out (UTC).",
            FieldKind::Date,
            "created[lt]",
        ),
    ]
}

fn metadata() -> Field {
    field(
        "metadata",
        "Notes for your own use",
        "Up to 50 notes, each a name and a value; Stripe keeps them with it and shows them under Metadata.",
        FieldKind::Metadata,
        "metadata",
    )
}

fn customer_fields() -> Vec<Field> {
    vec![
        field(
            "name",
            "Name",
            "The customer's full name or business name.",
            text(256),
            "name",
        ),
        field(
            "email",
            "Email",
            "Where Stripe sends receipts and invoices.",
            FieldKind::Email,
            "email",
        ),
        field(
            "phone",
            "Phone",
            "With the country code, such as +44 20 7946 0958.",
            FieldKind::Phone,
            "phone",
        ),
        field(
            "description",
            "Description",
            "A note shown next to the customer in Stripe.",
            FieldKind::Text {
                max_len: 5000,
                multiline: true,
            },
            "description",
        ),
        field(
            "address",
            "Billing address",
            "Used on invoices and for tax.",
            FieldKind::Address,
            "address",
        )
        .lookup(Lookup::Fixed {
            list: FixedList::Countries,
        }),
        field(
            "preferred_locales",
            "Languages",
            "The languages Stripe writes this customer's emails and invoices in, most preferred first.",
            FieldKind::TextList {
                max: 10,
                max_len: 20,
            },
            "preferred_locales",
        )
        .lookup(Lookup::Fixed {
            list: FixedList::Languages,
        }),
        metadata(),
    ]
}

fn customer_summary() -> Vec<SummaryField> {
    vec![
        show("Name", "name", Display::Text).with_id("id"),
        show("Email", "email", Display::Text),
        show("Phone", "phone", Display::Text),
        show("Country", "address.country", Display::Text),
        show("Created", "created", Display::Date),
    ]
}

const CUSTOMER_OUTPUTS: &[&str] = &[
    "id",
    "name",
    "email",
    "phone",
    "description",
    "address.country",
    "created",
];

fn create_customer() -> Action {
    Action {
        id: "create_customer".into(),
        name: "Create Customer".into(),
        description: "Adds a customer you can bill, with contact details and a billing address."
            .into(),
        method: HttpMethod::Post,
        path: "/v1/customers".into(),
        writes: true,
        permission: permission("rak_customer_write", true),
        fields: customer_fields(),
        result: ResultShape {
            list: false,
            noun: "customer".into(),
            expand: Vec::new(),
            summary: customer_summary(),
            outputs: outputs(CUSTOMER_OUTPUTS),
            related: None,
        },
        changes_only: false,
        advanced: false,
        duplicate_check: Some(DuplicateCheck {
            field: "email".into(),
            list_path: "/v1/customers".into(),
            filter: "email".into(),
        }),
        refusals: Vec::new(),
        rules: Vec::new(),
        free_form: false,
    }
}

fn customer_id_field(help: &str) -> Field {
    field("customer", "Customer", help, id_kind("cus_"), "{id}")
        .required()
        .lookup(customer_lookup())
}

fn update_customer() -> Action {
    let mut fields = vec![customer_id_field(
        "The customer to change: find them by name or email, or paste their ID from Stripe.",
    )];
    fields.extend(customer_fields());
    Action {
        id: "update_customer".into(),
        name: "Update Customer".into(),
        description: "Changes a customer's details; only what you change is sent.".into(),
        method: HttpMethod::Post,
        path: "/v1/customers/{id}".into(),
        writes: true,
        permission: permission("rak_customer_write", true),
        fields,
        result: ResultShape {
            list: false,
            noun: "customer".into(),
            expand: Vec::new(),
            summary: customer_summary(),
            outputs: outputs(CUSTOMER_OUTPUTS),
            related: None,
        },
        changes_only: true,
        advanced: false,
        duplicate_check: None,
        refusals: Vec::new(),
        rules: Vec::new(),
        free_form: false,
    }
}

fn get_customer() -> Action {
    Action {
        id: "get_customer".into(),
        name: "Get Customer by ID".into(),
        description: "Looks up one customer by its ID.".into(),
        method: HttpMethod::Get,
        path: "/v1/customers/{id}".into(),
        writes: false,
        permission: permission("rak_customer_read", false),
        fields: vec![customer_id_field(
            "Find the customer by name or email, or paste their ID from Stripe.",
        )],
        result: ResultShape {
            list: false,
            noun: "customer".into(),
            expand: Vec::new(),
            summary: customer_summary(),
            outputs: outputs(CUSTOMER_OUTPUTS),
            related: None,
        },
        changes_only: false,
        advanced: false,
        duplicate_check: None,
        refusals: Vec::new(),
        rules: Vec::new(),
        free_form: false,
    }
}

fn list_customers() -> Action {
    let mut fields = vec![
        field(
            "search",
            "Search",
            "At least 3 characters of a name, an email or a phone number, such as gmail or maria.lopez.",
            text(1000),
            "query",
        ),
        field(
            "email",
            "Email is exactly",
            "Only customers with exactly this email.",
            FieldKind::Email,
            "email",
        ),
    ];
    fields.extend(created_range());
    fields.extend([
        limit(),
        starting_after(id_kind("cus_")),
        ending_before(id_kind("cus_")),
        field(
            "page",
            "Search page",
            "The next page of search results (the Next button fills it).",
            text(5000),
            "page",
        )
        .advanced(),
    ]);
    Action {
        id: "list_customers".into(),
        name: "List Customers".into(),
        description:
            "Lists customers, newest first, filtered by email or creation date, or found by search."
                .into(),
        method: HttpMethod::Get,
        path: "/v1/customers".into(),
        writes: false,
        permission: permission("rak_customer_read", false),
        fields,
        result: ResultShape {
            list: true,
            noun: "customers".into(),
            expand: Vec::new(),
            summary: customer_summary(),
            outputs: outputs(CUSTOMER_OUTPUTS),
            related: None,
        },
        changes_only: false,
        advanced: false,
        duplicate_check: None,
        refusals: Vec::new(),
        rules: vec![
            paging_rule(),
            FormRule::Search {
                field: "search".into(),
                path: "/v1/customers/search".into(),
                matches: CUSTOMER_TEXT_FIELDS.iter().map(|m| (*m).into()).collect(),
                keeps: vec!["limit".into(), "page".into()],
                excludes: ["email", "created_from", "created_before", "starting_after", "ending_before"]
                    .map(String::from)
                    .into(),
                page: "page".into(),
                too_short: "Type at least 3 characters to search, or put a whole email in \"Email is exactly\".".into(),
            },
        ],
        free_form: false,
    }
}

/// Stripe's whole list (`GET /v1/subscriptions` `status`), in plain words.
const SUBSCRIPTION_STATUSES: [(&str, &str); 11] = [
    ("", "Any but ended"),
    ("active", "Active"),
    ("trialing", "In a free trial"),
    ("past_due", "Past due"),
    ("unpaid", "Unpaid"),
    ("incomplete", "Waiting for the first payment"),
    ("incomplete_expired", "First payment never made"),
    ("paused", "Paused"),
    ("canceled", "Canceled"),
    ("ended", "Ended (canceled or never paid)"),
    ("all", "All, ended ones too"),
];

fn subscription_summary() -> Vec<SummaryField> {
    vec![
        show("Customer", "customer.name", Display::Text).with_id("customer.id"),
        show("Product", "items.data.price.product.name", Display::Text)
            .with_id("items.data.price.product.id"),
        show(
            "Price",
            "items.data.price.unit_amount",
            Display::Recurring {
                currency: "items.data.price.currency".into(),
                interval: "items.data.price.recurring.interval".into(),
                count: "items.data.price.recurring.interval_count".into(),
            },
        )
        .with_id("items.data.price.id"),
        show("Status", "status", Display::Status).with_id("id"),
        show(
            "How they pay",
            "collection_method",
            Display::Words {
                words: vec![
                    word("charge_automatically", "Charged automatically"),
                    word("send_invoice", "Emailed invoice"),
                ],
            },
        ),
        show("Trial ends", "trial_end", Display::Date),
        show(
            "Invoice emailed to",
            "latest_invoice.customer_email",
            Display::Text,
        )
        .only_if("collection_method", &["send_invoice"]),
        show("Due", "latest_invoice.due_date", Display::Date),
        show(
            "Payment page",
            "latest_invoice.hosted_invoice_url",
            Display::Link,
        )
        .only_if("latest_invoice.status", &["open"]),
        show("Created", "created", Display::Date),
    ]
}

const SUBSCRIPTION_OUTPUTS: &[&str] = &[
    "id",
    "customer",
    "status",
    "currency",
    "latest_invoice",
    "trial_end",
    "created",
];

/// How a new subscription's customer pays, in plain words; each choice
/// sends what Stripe needs for it.
fn payment_choices() -> FieldKind {
    let option = |value: &str, label: &str, sends: Vec<KeyValueRow>| ChoiceOption {
        value: value.into(),
        label: label.into(),
        sends,
    };
    FieldKind::Choice {
        options: vec![
            option(
                "invoice",
                "Email them an invoice to pay online",
                vec![kv("collection_method", "send_invoice")],
            ),
            option(
                "saved_card",
                "Charge the card saved on the customer",
                vec![kv("collection_method", "charge_automatically")],
            ),
            option("trial", "Start with a free trial", Vec::new()),
            option(
                "payment_page",
                "Create it unpaid and give me a payment page",
                vec![kv("payment_behavior", "default_incomplete")],
            ),
        ],
    }
}

fn create_subscription() -> Action {
    Action {
        id: "create_subscription".into(),
        name: "Create Subscription".into(),
        description: "Starts billing a customer on a schedule for one or more recurring prices."
            .into(),
        method: HttpMethod::Post,
        path: "/v1/subscriptions".into(),
        writes: true,
        permission: permission("rak_subscription_write", true),
        fields: vec![
            field(
                "customer",
                "Customer",
                "Who pays: find them by name or email, or paste their ID from Stripe.",
                id_kind("cus_"),
                "customer",
            )
            .required()
            .lookup(customer_lookup()),
            field(
                "items",
                "What they subscribe to",
                "One to 20 recurring prices: choose a product and one of its prices, or paste a price's ID.",
                FieldKind::SubscriptionItems,
                "items",
            )
            .required()
            .lookup(recurring_price_lookup()),
            field(
                "payment",
                "How the customer will pay",
                "Stripe needs a way to collect the first payment.",
                payment_choices(),
                "",
            )
            .required()
            .default("invoice")
            .lookup(Lookup::SavedCard {
                customer_field: "customer".into(),
            }),
            field(
                "days_until_due",
                "Days to pay each invoice",
                "Stripe emails the invoice with a link to pay online.",
                FieldKind::Integer { min: 1, max: 365 },
                "days_until_due",
            )
            .required()
            .default("30")
            .shown_when("payment", &["invoice"]),
            field(
                "trial_period_days",
                "Free trial days",
                "Nothing is charged until the trial ends.",
                FieldKind::Integer { min: 1, max: 730 },
                "trial_period_days",
            )
            .required()
            .shown_when("payment", &["trial"]),
            metadata(),
        ],
        result: ResultShape {
            list: false,
            noun: "subscription".into(),
            expand: expand(&["customer", "latest_invoice", "items.data.price.product"]),
            summary: subscription_summary(),
            outputs: outputs(SUBSCRIPTION_OUTPUTS),
            related: None,
        },
        changes_only: false,
        advanced: false,
        duplicate_check: None,
        refusals: vec![KnownRefusal {
            stripe_says: "This customer has no attached payment source or default payment method".into(),
            field: "payment".into(),
            words: "This customer has no card saved, so Stripe cannot charge them now. Choose another way to pay: email an invoice, a free trial, or a payment page.".into(),
        }],
        rules: Vec::new(),
        free_form: false,
    }
}

fn list_subscriptions() -> Action {
    let mut fields = vec![
        field(
            "customer",
            "Customer",
            "Only this customer's subscriptions: find them by name or email.",
            id_kind("cus_"),
            "customer",
        )
        .lookup(customer_lookup()),
        field(
            "status",
            "Status",
            "Stripe leaves ended subscriptions out unless you ask for them.",
            choice(&SUBSCRIPTION_STATUSES),
            "status",
        ),
        field(
            "price",
            "Price",
            "Only subscriptions to this price (paste its ID from Stripe).",
            id_kind("price_"),
            "price",
        ),
    ];
    fields.extend(created_range());
    fields.extend([
        limit(),
        starting_after(id_kind("sub_")),
        ending_before(id_kind("sub_")),
    ]);
    Action {
        id: "list_subscriptions".into(),
        name: "List Subscriptions".into(),
        description: "Lists subscriptions, newest first, by customer, status or price.".into(),
        method: HttpMethod::Get,
        path: "/v1/subscriptions".into(),
        writes: false,
        permission: permission("rak_subscription_read", false),
        fields,
        result: ResultShape {
            list: true,
            noun: "subscriptions".into(),
            expand: expand(&["data.customer", "data.items.data.price.product"]),
            summary: subscription_summary(),
            outputs: outputs(SUBSCRIPTION_OUTPUTS),
            related: None,
        },
        changes_only: false,
        advanced: false,
        duplicate_check: None,
        refusals: Vec::new(),
        rules: vec![paging_rule()],
        free_form: false,
    }
}

fn product_summary() -> Vec<SummaryField> {
    vec![
        show("Name", "name", Display::Text).with_id("id"),
        show(
            "Price",
            "default_price.unit_amount",
            Display::Recurring {
                currency: "default_price.currency".into(),
                interval: "default_price.recurring.interval".into(),
                count: "default_price.recurring.interval_count".into(),
            },
        )
        .with_id("default_price.id"),
        show("For sale", "active", Display::YesNo),
        show("Description", "description", Display::Text),
        show("Created", "created", Display::Date),
    ]
}

const PRODUCT_OUTPUTS: &[&str] = &["id", "name", "active", "default_price", "description"];

fn create_product() -> Action {
    Action {
        id: "create_product".into(),
        name: "Create Product".into(),
        description: "Adds something you sell, optionally with its price, so it can be sold at once.".into(),
        method: HttpMethod::Post,
        path: "/v1/products".into(),
        writes: true,
        permission: permission("rak_product_write", true),
        fields: vec![
            field("name", "Name", "What customers see on invoices and receipts.", text(5000), "name").required(),
            field(
                "description",
                "Description",
                "A longer text for customers.",
                FieldKind::Text { max_len: 40000, multiline: true },
                "description",
            ),
            field("active", "Available for sale", "Inactive products cannot be bought.", FieldKind::YesNo, "active")
                .default("true"),
            field(
                "unit_label",
                "Unit",
                "What one of it is called on invoices (seat, kg), up to 12 characters.",
                text(12),
                "unit_label",
            ),
            field(
                "statement_descriptor",
                "On card statements",
                "Up to 22 characters with at least one letter, shown on the buyer's bank statement in capitals. Stripe leaves out letters such as é or ß.",
                FieldKind::StatementDescriptor,
                "statement_descriptor",
            ),
            field("url", "Web page", "A page about the product (https://...).", FieldKind::Url, "url"),
            field(
                "images",
                "Image addresses",
                "Up to 8 image URLs, one a line.",
                FieldKind::UrlList { max: 8 },
                "images",
            ),
            metadata(),
            field(
                "price_amount",
                "Price",
                "Optional: what it costs.",
                FieldKind::Amount { currency_field: "price_currency".into() },
                "default_price_data[unit_amount]",
            ),
            field(
                "price_currency",
                "Currency",
                "Three letters, such as eur or usd.",
                FieldKind::Currency,
                "default_price_data[currency]",
            ),
            field(
                "price_interval",
                "Billed",
                "Once, or again every few days, weeks, months or years.",
                choice(&[
                    ("", "Once"),
                    ("day", "Every N days"),
                    ("week", "Every N weeks"),
                    ("month", "Every N months"),
                    ("year", "Every N years"),
                ]),
                "default_price_data[recurring][interval]",
            ),
            field(
                "price_interval_count",
                "N",
                "For a repeating price: every how many days, weeks, months or years.",
                FieldKind::Integer { min: 1, max: 365 },
                "default_price_data[recurring][interval_count]",
            ),
        ],
        result: ResultShape {
            list: false,
            noun: "product".into(),
            expand: expand(&["default_price"]),
            summary: product_summary(),
            outputs: outputs(PRODUCT_OUTPUTS),
            related: None,
        },
        changes_only: false,
        advanced: false,
        duplicate_check: None,
        refusals: Vec::new(),
        rules: vec![
            FormRule::Needs {
                field: "price_interval".into(),
                needs: "price_amount".into(),
                at: "price_amount".into(),
                message: "A repeating price needs an amount.".into(),
            },
            FormRule::Needs {
                field: "price_interval_count".into(),
                needs: "price_interval".into(),
                at: "price_interval_count".into(),
                message: "Choose how often it repeats, or leave N empty.".into(),
            },
        ],
        free_form: false,
    }
}

fn get_product() -> Action {
    Action {
        id: "get_product".into(),
        name: "Get Product by ID".into(),
        description: "Looks up one product by its ID, with its prices.".into(),
        method: HttpMethod::Get,
        path: "/v1/products/{id}".into(),
        writes: false,
        permission: permission("rak_product_read", false),
        fields: vec![field(
            "product",
            "Product",
            "The product's ID from Stripe, or the one you chose for it (such as gold).",
            custom_id_kind("prod_"),
            "{id}",
        )
        .required()],
        result: ResultShape {
            list: false,
            noun: "product".into(),
            expand: expand(&["default_price"]),
            summary: product_summary(),
            outputs: outputs(PRODUCT_OUTPUTS),
            related: Some(RelatedList {
                label: "Prices".into(),
                path: "/v1/prices".into(),
                filter: "product".into(),
                summary: vec![
                    show(
                        "Price",
                        "unit_amount",
                        Display::Recurring {
                            currency: "currency".into(),
                            interval: "recurring.interval".into(),
                            count: "recurring.interval_count".into(),
                        },
                    )
                    .with_id("id"),
                    show("Name", "nickname", Display::Text),
                    show("For sale", "active", Display::YesNo),
                ],
            }),
        },
        changes_only: false,
        advanced: false,
        duplicate_check: None,
        refusals: Vec::new(),
        rules: Vec::new(),
        free_form: false,
    }
}

fn list_products() -> Action {
    let mut fields = vec![field(
        "active",
        "Available for sale",
        "Only active, or only inactive products; leave empty for both.",
        choice(&[("", "Both"), ("true", "Active"), ("false", "Inactive")]),
        "active",
    )];
    fields.extend(created_range());
    fields.extend([
        limit(),
        starting_after(custom_id_kind("prod_")),
        ending_before(custom_id_kind("prod_")),
    ]);
    Action {
        id: "list_products".into(),
        name: "List Products".into(),
        description: "Lists products, newest first.".into(),
        method: HttpMethod::Get,
        path: "/v1/products".into(),
        writes: false,
        permission: permission("rak_product_read", false),
        fields,
        result: ResultShape {
            list: true,
            noun: "products".into(),
            expand: expand(&["data.default_price"]),
            summary: product_summary(),
            outputs: outputs(PRODUCT_OUTPUTS),
            related: None,
        },
        changes_only: false,
        advanced: false,
        duplicate_check: None,
        refusals: Vec::new(),
        rules: vec![paging_rule()],
        free_form: false,
    }
}

fn list_balance_transactions() -> Action {
    let mut fields = vec![
        field(
            "type",
            "Type",
            "Only one kind of movement, such as charge or payout.",
            choice(&[
                ("", "Any"),
                ("charge", "Charge"),
                ("refund", "Refund"),
                ("payment", "Payment"),
                ("payout", "Payout"),
                ("stripe_fee", "Stripe fee"),
                ("adjustment", "Adjustment"),
                ("transfer", "Transfer"),
            ]),
            "type",
        ),
        field(
            "currency",
            "Currency",
            "Only this currency, such as eur.",
            FieldKind::Currency,
            "currency",
        ),
        field(
            "payout",
            "Payout",
            "Only what an automatic payout paid out (paste the payout's ID). Automatic payouts only: Stripe does not trace manual ones this way.",
            id_kind("po_"),
            "payout",
        ),
        field(
            "source",
            "Source",
            "Only what this charge, refund or transfer caused (its ID).",
            text(5000),
            "source",
        ),
    ];
    fields.extend(created_range());
    fields.extend([
        limit(),
        starting_after(id_kind("txn_")),
        ending_before(id_kind("txn_")),
    ]);
    Action {
        id: "list_balance_transactions".into(),
        name: "List Balance Transactions".into(),
        description: "Lists every movement of money in your Stripe balance, newest first.".into(),
        method: HttpMethod::Get,
        path: "/v1/balance_transactions".into(),
        writes: false,
        permission: permission("rak_balance_transaction_source_read", false),
        fields,
        result: ResultShape {
            list: true,
            noun: "balance transactions".into(),
            expand: Vec::new(),
            summary: vec![
                show("Type", "type", Display::Status).with_id("id"),
                show("Amount", "amount", money("currency")),
                show("Fee", "fee", money("currency")),
                show("Net", "net", money("currency")),
                show("Status", "status", Display::Status),
                show("Created", "created", Display::Date),
                show("Available on", "available_on", Display::Date),
            ],
            outputs: outputs(&[
                "id", "amount", "fee", "net", "currency", "type", "status", "source", "created",
            ]),
            related: None,
        },
        changes_only: false,
        advanced: false,
        duplicate_check: None,
        refusals: Vec::new(),
        rules: vec![paging_rule()],
        free_form: false,
    }
}

fn list_plans() -> Action {
    let mut fields = vec![
        field(
            "active",
            "Available for new subscriptions",
            "Only active, or only inactive plans; leave empty for both.",
            choice(&[("", "Both"), ("true", "Active"), ("false", "Inactive")]),
            "active",
        ),
        field(
            "product",
            "Product",
            "Only plans of this product (paste its ID from Stripe).",
            custom_id_kind("prod_"),
            "product",
        ),
    ];
    fields.extend(created_range());
    fields.extend([
        limit(),
        starting_after(custom_id_kind("")),
        ending_before(custom_id_kind("")),
    ]);
    Action {
        id: "list_plans".into(),
        name: "List Plans".into(),
        description: "Lists plans, Stripe's older form of recurring prices, newest first.".into(),
        method: HttpMethod::Get,
        path: "/v1/plans".into(),
        writes: false,
        permission: permission("rak_plan_read", false),
        fields,
        result: ResultShape {
            list: true,
            noun: "plans".into(),
            expand: expand(&["data.product"]),
            summary: vec![
                show("Product", "product.name", Display::Text).with_id("product.id"),
                show("Name", "nickname", Display::Text),
                show(
                    "Price",
                    "amount",
                    Display::Recurring {
                        currency: "currency".into(),
                        interval: "interval".into(),
                        count: "interval_count".into(),
                    },
                )
                .with_id("id"),
                show("For new subscriptions", "active", Display::YesNo),
            ],
            outputs: outputs(&[
                "id", "nickname", "amount", "currency", "interval", "product", "active",
            ]),
            related: None,
        },
        changes_only: false,
        advanced: false,
        duplicate_check: None,
        refusals: Vec::new(),
        rules: vec![paging_rule()],
        free_form: false,
    }
}

fn any_endpoint() -> Action {
    Action {
        id: "any_endpoint".into(),
        name: "Request to any endpoint".into(),
        description: "Sends any request to Stripe's API for whatever the forms do not cover."
            .into(),
        method: HttpMethod::Get,
        path: String::new(),
        writes: true,
        permission: None,
        fields: vec![
            field(
                "method",
                "Method",
                "GET reads, POST creates or changes, DELETE removes.",
                choice(&[("GET", "GET"), ("POST", "POST"), ("DELETE", "DELETE")]),
                "",
            )
            .required()
            .default("GET"),
            field(
                "path",
                "Path",
                "Starts with /v1/, as Stripe's API reference writes it: /v1/customers, for example.",
                text(500),
                "",
            )
            .required(),
            field(
                "send_unlisted",
                "Send it even if this app does not know the path",
                "Stripe adds endpoints: a path newer than this app's copy of Stripe's API description is flagged, and sent only with this ticked.",
                FieldKind::YesNo,
                "",
            ),
            field(
                "params",
                "Parameters",
                "The names Stripe's API reference uses, nested ones too: items[0][price], expand[].",
                FieldKind::KeyValueRows,
                "",
            ),
            field(
                "body",
                "Raw form body",
                "Instead of rows: a=1&b[c]=2, exactly as Stripe takes it.",
                FieldKind::Text {
                    max_len: 100_000,
                    multiline: true,
                },
                "",
            )
            .advanced(),
        ],
        result: ResultShape {
            list: false,
            noun: "answer".into(),
            expand: Vec::new(),
            // What came back, in Stripe's word for it; its ID one click away.
            summary: vec![show("Kind", "object", Display::Text).with_id("id")],
            outputs: outputs(&["id"]),
            related: None,
        },
        changes_only: false,
        advanced: true,
        duplicate_check: None,
        refusals: Vec::new(),
        rules: Vec::new(),
        free_form: true,
    }
}
