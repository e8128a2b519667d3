//! The Stripe actions (Create Customer, List Products, ...) described once,
//! as data: what each asks for, what Stripe parameter each field becomes,
//! and how its result is summarised. The window draws every form from these
//! descriptions, [`form::build`] is the one place that checks a filled form
//! and turns it into a request, and workflows will read the same fields and
//! outputs.

mod catalog;
pub mod desk;
pub mod drafts;
pub mod endpoints;
pub mod form;
pub mod lookup;
pub mod places;
pub mod run;

pub use catalog::{all, find};
pub use form::{build, prefill, BuiltRequest, FieldError, FieldValue, FilledForm, KeyValueRow};
pub use run::{run, submit, ActionResult, Submission, SummaryRow};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "UPPERCASE")]
#[ts(export)]
pub enum HttpMethod {
    Get,
    Post,
    Delete,
}

/// A restricted key's permission (`rak_customer_write`), as Stripe names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Permission {
    pub name: String,
    pub write: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChoiceOption {
    /// What Stripe gets; empty means the parameter is left out.
    pub value: String,
    pub label: String,
    /// For a choice that steers the request (its field has no parameter of
    /// its own): the parameters this choice sends, such as
    /// `collection_method=send_invoice` for "Email them an invoice".
    pub sends: Vec<KeyValueRow>,
}

/// A field that applies only when another field has one of some values
/// (days to pay, only when the customer is emailed an invoice): hidden and
/// not sent otherwise, and required only when it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ShownWhen {
    pub field: String,
    pub values: Vec<String>,
}

/// A rule between fields of one form, checked once each field has passed
/// on its own ([`form`]): like the fields, the form's rules are data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
#[ts(export)]
pub enum FormRule {
    /// `field` filled needs `needs` filled too; else `message` at `at`.
    #[serde(rename_all = "camelCase")]
    Needs {
        field: String,
        needs: String,
        at: String,
        message: String,
    },
    /// At most one of `fields` (paging forward or backward); else
    /// `message` at `at`.
    #[serde(rename_all = "camelCase")]
    OneOf {
        fields: Vec<String>,
        at: String,
        message: String,
    },
    /// A search box. Filled, the request goes to `path` with Stripe's
    /// search `query`: plain words become a substring match on each of
    /// `matches`, Stripe's own syntax goes as typed; of the form's other
    /// fields only `keeps` are sent, and none of `excludes` may be filled.
    /// `page` (a page of results) goes only with a search. Plain words are
    /// at least 3 characters (Stripe's substring match); else `too_short`.
    #[serde(rename_all = "camelCase")]
    Search {
        field: String,
        path: String,
        matches: Vec<String>,
        keeps: Vec<String>,
        excludes: Vec<String>,
        page: String,
        too_short: String,
    },
}

/// What kind of input a field is, with its limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
#[ts(export)]
pub enum FieldKind {
    #[serde(rename_all = "camelCase")]
    Text {
        max_len: u32,
        multiline: bool,
    },
    /// At most 22 characters, at least one letter, none of `<>\"'`.
    StatementDescriptor,
    Email,
    Phone,
    Url,
    /// Several URLs, one a line.
    #[serde(rename_all = "camelCase")]
    UrlList {
        max: u32,
    },
    /// Several short words, such as locales.
    #[serde(rename_all = "camelCase")]
    TextList {
        max: u32,
        max_len: u32,
    },
    /// A decimal typed in the currency of another field of the form.
    #[serde(rename_all = "camelCase")]
    Amount {
        currency_field: String,
    },
    /// A three-letter ISO code, such as `eur`.
    Currency,
    /// An object's ID: `prefix` and letters, digits and `_`; with `custom`,
    /// also an ID the account chose (products and plans: `gold-monthly`).
    Id {
        prefix: String,
        custom: bool,
    },
    Choice {
        options: Vec<ChoiceOption>,
    },
    YesNo,
    Integer {
        #[ts(type = "number")]
        min: i64,
        #[ts(type = "number")]
        max: i64,
    },
    /// A day, `YYYY-MM-DD`; sent as the Unix time of its start (UTC).
    Date,
    /// Line 1, line 2, city, postal code, state, country.
    Address,
    /// Up to 50 key/value rows.
    Metadata,
    /// Up to 20 rows of price ID and quantity.
    SubscriptionItems,
    /// Raw Stripe parameters (`items[0][price]`, `expand[]`) for any endpoint.
    KeyValueRows,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Field {
    /// The key of this field's value in a filled form.
    pub id: String,
    pub label: String,
    /// One line of help under the field.
    pub help: String,
    pub kind: FieldKind,
    pub required: bool,
    /// The Stripe parameter it becomes (`address`, `default_price_data[unit_amount]`,
    /// `{id}` for the path); empty when the field only steers the request.
    pub param: String,
    /// Paging and rarely used filters: the window may fold them away.
    pub advanced: bool,
    /// Used when the form leaves the field out (the window shows it filled in).
    pub default: Option<String>,
    /// A picker drawn next to the input, so the user can find the ID
    /// instead of pasting it (the input still takes a pasted ID).
    pub lookup: Option<Lookup>,
    pub shown_when: Option<ShownWhen>,
}

/// How a field's picker finds its choices; [`lookup`] runs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
#[ts(export)]
pub enum Lookup {
    /// Type a name or email: Stripe's search at `search_path` (paged by
    /// `next_page`) for what `matches` contain, or, where search is
    /// unavailable, the list at `list_path` filtered by exact `fallback_filter`.
    #[serde(rename_all = "camelCase")]
    Search {
        search_path: String,
        matches: Vec<String>,
        list_path: String,
        fallback_filter: String,
    },
    /// Pick a parent from `parent_path` (active ones), then one of its
    /// children from `child_path?{child_filter}={parent}` narrowed by
    /// `child_params` (a product's active recurring prices).
    #[serde(rename_all = "camelCase")]
    ParentThenChild {
        parent_label: String,
        parent_path: String,
        child_path: String,
        child_filter: String,
        child_params: Vec<KeyValueRow>,
    },
    /// A list kept in the app ([`places`]): the field (or an address's
    /// country) takes one of its codes, found by its name.
    #[serde(rename_all = "camelCase")]
    Fixed { list: FixedList },
    /// The card saved on the customer chosen in `customer_field` (brand and
    /// last four), so the choice that charges it is offered only when there is one.
    #[serde(rename_all = "camelCase")]
    SavedCard { customer_field: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum FixedList {
    Countries,
    Languages,
}

impl FixedList {
    pub fn options(self) -> &'static [ChoiceOption] {
        match self {
            FixedList::Countries => places::countries(),
            FixedList::Languages => places::locales(),
        }
    }
}

/// How a value in the result is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
#[ts(export)]
pub enum Display {
    Text,
    /// Shown with a Copy button.
    Id,
    /// Minor units in the currency found at `currency` (a path in the same object).
    Money {
        currency: String,
    },
    /// Unix time.
    Date,
    /// Stripe's status words (`past_due`) in plain words.
    Status,
    YesNo,
    /// A recurring price: "24.90 EUR / month", "9.00 EUR every 3 months".
    Recurring {
        currency: String,
        interval: String,
        count: String,
    },
    /// A page of Stripe's for the customer (a hosted invoice): Copy and Open.
    Link,
    /// One of Stripe's code words, each in the words given here.
    Words {
        words: Vec<ChoiceOption>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SummaryField {
    pub label: String,
    /// Dotted path in the object (`address.country`).
    pub path: String,
    pub display: Display,
    /// Where the ID behind a name is (`customer.id` for `customer.name`):
    /// shown one click away.
    pub id_path: Option<String>,
    /// Shown only when the value at this path is one of these.
    pub only_if: Option<ShownWhen>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ResultShape {
    /// A Stripe list (`data`, `has_more`): the summary is per item.
    pub list: bool,
    /// What a list holds, for its heading ("Customers").
    pub noun: String,
    /// Asked with the request (`expand[]`), so names and amounts can be
    /// shown instead of IDs at no extra request; the JSON a workflow reads
    /// keeps the IDs.
    pub expand: Vec<String>,
    pub summary: Vec<SummaryField>,
    /// Fields of the result a later workflow step may reference, as
    /// `{{step.path}}` (for lists, per item under `data`).
    pub outputs: Vec<String>,
    /// A list fetched after the object, such as a product's prices.
    pub related: Option<RelatedList>,
}

/// `GET path?{filter}={the object's id}`, summarised per item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RelatedList {
    pub label: String,
    pub path: String,
    pub filter: String,
    pub summary: Vec<SummaryField>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Action {
    pub id: String,
    pub name: String,
    pub description: String,
    pub method: HttpMethod,
    /// Stripe's path, with `{id}` for the field whose param is `{id}`.
    pub path: String,
    pub writes: bool,
    /// `None` for the request to any endpoint: it depends on the endpoint.
    pub permission: Option<Permission>,
    pub fields: Vec<Field>,
    pub result: ResultShape,
    /// Update forms send only what changed from the object's current values.
    pub changes_only: bool,
    /// Shown under "Advanced", away from everyday actions.
    pub advanced: bool,
    /// Before creating: an existing object with the same value of this
    /// field, found by the list's exact filter, is offered instead.
    pub duplicate_check: Option<DuplicateCheck>,
    /// Stripe refusals that name no parameter, turned into plain words at
    /// the field they concern.
    pub refusals: Vec<KnownRefusal>,
    /// Rules between its fields, checked after each field on its own.
    pub rules: Vec<FormRule>,
    /// The method, path and parameters are fields of the form itself (the
    /// request to any endpoint), not the action's.
    pub free_form: bool,
}

/// `GET list_path?{filter}={the form's field}` finds an existing one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DuplicateCheck {
    pub field: String,
    pub list_path: String,
    pub filter: String,
}

/// Stripe's message starting with `stripe_says` becomes `words` at `field`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KnownRefusal {
    pub stripe_says: String,
    pub field: String,
    pub words: String,
}

impl Action {
    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// The field a Stripe error's `param` (`address[country]`, `items[0][price]`)
    /// concerns, so the refusal shows next to it.
    pub fn field_for_param(&self, param: &str) -> Option<&Field> {
        let top = param.split('[').next().unwrap_or(param);
        self.fields
            .iter()
            .find(|f| f.param == param)
            .or_else(|| {
                self.fields
                    .iter()
                    .filter(|f| !f.param.is_empty())
                    .find(|f| {
                        param.starts_with(&f.param) && param[f.param.len()..].starts_with('[')
                    })
            })
            .or_else(|| self.fields.iter().find(|f| f.param == top))
    }
}
