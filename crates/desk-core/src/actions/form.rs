//! The one place that checks a filled form and turns it into a Stripe
//! request. Every rule a person can break is caught here, before anything
//! is sent, and reported at its field in plain words.

use super::{places, Action, FieldKind, HttpMethod, Lookup};
use crate::money::{self, NumberFormat};
use crate::stripe::{Param, Params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyValueRow {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SubscriptionItemRow {
    pub price: String,
    /// As typed; empty means 1.
    pub quantity: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AddressValue {
    #[serde(default)]
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub state: String,
    /// Two-letter ISO code (`DE`).
    #[serde(default)]
    pub country: String,
}

impl AddressValue {
    fn parts(&self) -> [(&'static str, &str); 6] {
        [
            ("line1", &self.line1),
            ("line2", &self.line2),
            ("city", &self.city),
            ("postal_code", &self.postal_code),
            ("state", &self.state),
            ("country", &self.country),
        ]
    }
}

/// One field's value as the window holds it. Which shape goes with which
/// field kind: yes/no a `Yes`; lists of URLs or words a `List`; metadata and
/// key/value rows `Rows`; subscription items `Items`; an address `Address`;
/// everything else `Text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(untagged)]
#[ts(export)]
pub enum FieldValue {
    Yes(bool),
    Text(String),
    List(Vec<String>),
    Rows(Vec<KeyValueRow>),
    Items(Vec<SubscriptionItemRow>),
    Address(AddressValue),
}

impl FieldValue {
    fn is_empty(&self) -> bool {
        match self {
            FieldValue::Yes(_) => false,
            FieldValue::Text(t) => t.trim().is_empty(),
            FieldValue::List(l) => l.iter().all(|s| s.trim().is_empty()),
            FieldValue::Rows(r) => r
                .iter()
                .all(|r| r.key.trim().is_empty() && r.value.is_empty()),
            FieldValue::Items(i) => i
                .iter()
                .all(|i| i.price.trim().is_empty() && i.quantity.trim().is_empty()),
            FieldValue::Address(a) => a.parts().iter().all(|(_, v)| v.trim().is_empty()),
        }
    }
}

/// A form as submitted: values keyed by field id. For update forms,
/// `original` holds the values the form was filled with, so only changes
/// are sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FilledForm {
    pub values: BTreeMap<String, FieldValue>,
    #[serde(default)]
    pub original: Option<BTreeMap<String, FieldValue>>,
    /// The user's decimal mark, for amounts.
    #[serde(default)]
    pub number_format: NumberFormat,
}

impl FilledForm {
    pub fn new() -> Self {
        FilledForm::default()
    }

    pub fn text(mut self, id: &str, value: &str) -> Self {
        self.values
            .insert(id.into(), FieldValue::Text(value.into()));
        self
    }

    pub fn value(mut self, id: &str, value: FieldValue) -> Self {
        self.values.insert(id.into(), value);
        self
    }
}

/// A mistake in one field, to show next to it; or, with `note`, not a
/// mistake but what will be sent in its place ("Sent as CAFE TEA").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    pub note: bool,
}

/// A checked form, ready for the Stripe client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltRequest {
    pub method: HttpMethod,
    pub path: String,
    pub params: Params,
}

/// Stripe's limits for metadata (API reference, "Metadata").
const METADATA_KEYS: usize = 50;
const METADATA_KEY_LEN: usize = 40;
const METADATA_VALUE_LEN: usize = 500;
const EMAIL_LEN: usize = 512;
const SUBSCRIPTION_ITEMS: usize = 20;
/// Each part of an address (the OpenAPI description's `maxLength`).
const ADDRESS_LINE_LEN: usize = 5000;

/// A nested parameter tree, built field by field and turned into `Params`.
#[derive(Default)]
struct Tree(Vec<(String, Node)>);

enum Node {
    Leaf(Param),
    Branch(Tree),
}

impl Tree {
    /// Puts a value at a Stripe parameter path such as `a[b][c]`.
    fn insert(&mut self, path: &str, value: Param) {
        let segs: Vec<&str> = path.split(['[', ']']).filter(|s| !s.is_empty()).collect();
        let mut tree = self;
        for (i, seg) in segs.iter().enumerate() {
            let last = i == segs.len() - 1;
            let pos = tree.0.iter().position(|(k, _)| k == seg);
            if last {
                let node = Node::Leaf(value);
                match pos {
                    Some(p) => tree.0[p].1 = node,
                    None => tree.0.push(((*seg).into(), node)),
                }
                return;
            }
            let p = match pos {
                Some(p) => p,
                None => {
                    tree.0.push(((*seg).into(), Node::Branch(Tree::default())));
                    tree.0.len() - 1
                }
            };
            if let Node::Leaf(_) = tree.0[p].1 {
                tree.0[p].1 = Node::Branch(Tree::default());
            }
            let Node::Branch(next) = &mut tree.0[p].1 else {
                unreachable!("made a branch above")
            };
            tree = next;
        }
    }

    fn into_param(self) -> Param {
        Param::Map(
            self.0
                .into_iter()
                .map(|(k, n)| (k, n.into_param()))
                .collect(),
        )
    }

    fn into_params(self) -> Params {
        self.0
            .into_iter()
            .fold(Params::new(), |p, (k, n)| p.param(&k, n.into_param()))
    }
}

impl Node {
    fn into_param(self) -> Param {
        match self {
            Node::Leaf(p) => p,
            Node::Branch(t) => t.into_param(),
        }
    }
}

struct Checker<'a> {
    action: &'a Action,
    form: &'a FilledForm,
    errors: Vec<FieldError>,
    notes: Vec<FieldError>,
    tree: Tree,
    path: String,
    /// Each field's default, used where a new object's form left it out.
    defaults: BTreeMap<String, FieldValue>,
}

impl Checker<'_> {
    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
            note: false,
        });
    }

    fn note(&mut self, field: &str, message: impl Into<String>) {
        self.notes.push(FieldError {
            field: field.into(),
            message: message.into(),
            note: true,
        });
    }

    /// The field's value, or its default where the form left it out (a
    /// new object's form; an update sends only what changed).
    fn value(&self, id: &str) -> Option<&FieldValue> {
        self.form
            .values
            .get(id)
            .filter(|v| !v.is_empty())
            .or_else(|| self.defaults.get(id))
    }

    /// Whether a field applies, given the field its `shown_when` names.
    fn applies(&self, field: &super::Field) -> bool {
        let Some(when) = &field.shown_when else {
            return true;
        };
        match self.value(&when.field) {
            Some(FieldValue::Text(t)) => when.values.iter().any(|v| v == t.trim()),
            _ => false,
        }
    }

    fn text(&self, id: &str) -> Option<String> {
        match self.value(id) {
            Some(FieldValue::Text(t)) => Some(t.trim().to_owned()),
            _ => None,
        }
    }
}

/// Checks a filled form and builds its request, or says what is wrong with
/// which fields. Nothing is sent from here.
pub fn build(action: &Action, form: &FilledForm) -> Result<BuiltRequest, Vec<FieldError>> {
    check(action, form).0
}

/// Checks a form as [`build`] does, and also says what will be sent in
/// place of what was typed where Stripe would change it (notes).
pub fn check(
    action: &Action,
    form: &FilledForm,
) -> (Result<BuiltRequest, Vec<FieldError>>, Vec<FieldError>) {
    let defaults = if action.changes_only {
        BTreeMap::new()
    } else {
        action
            .fields
            .iter()
            // A required field's default stands in for it (how a new
            // subscription is paid: an emailed invoice, due in 30 days).
            .filter(|f| f.required)
            .filter_map(|f| {
                let d = f.default.as_ref()?;
                let v = match f.kind {
                    FieldKind::YesNo => FieldValue::Yes(d == "true"),
                    _ => FieldValue::Text(d.clone()),
                };
                Some((f.id.clone(), v))
            })
            .collect()
    };
    let mut c = Checker {
        action,
        form,
        errors: Vec::new(),
        notes: Vec::new(),
        tree: Tree::default(),
        path: action.path.clone(),
        defaults,
    };
    if action.id == "any_endpoint" {
        return (any_endpoint(c), Vec::new());
    }
    for field in &action.fields {
        if !c.applies(field) {
            // Not for this way (days to pay a card payment): neither sent nor required.
            continue;
        }
        let value = c.value(&field.id).cloned();
        let original = form
            .original
            .as_ref()
            .and_then(|o| o.get(&field.id))
            .filter(|v| !v.is_empty())
            .cloned();
        if action.changes_only && field.param != "{id}" {
            if value == original {
                continue;
            }
            if value.is_none() {
                if matches!(field.kind, FieldKind::TextList { .. }) {
                    // Stripe's description allows no empty string here.
                    c.fail(
                        &field.id,
                        format!(
                            "Stripe cannot empty {}: replace the list instead.",
                            field.label
                        ),
                    );
                    continue;
                }
                // Stripe's rule: an empty string unsets the parameter.
                if !field.param.is_empty() {
                    c.tree.insert(&field.param, Param::Text(String::new()));
                }
                continue;
            }
        }
        let Some(value) = value else {
            if field.required {
                c.fail(&field.id, format!("{} is required.", field.label));
            }
            continue;
        };
        let Some(param) = check_field(&mut c, field, &value, original.as_ref()) else {
            continue;
        };
        if field.param == "{id}" {
            if let Param::Text(id) = &param {
                c.path = c.path.replace("{id}", id);
            }
        } else if !field.param.is_empty() {
            c.tree.insert(&field.param, param);
        } else if let (FieldKind::Choice { options }, Param::Text(chosen)) = (&field.kind, &param) {
            // A choice that steers the request sends what its option says.
            for row in options
                .iter()
                .filter(|o| &o.value == chosen)
                .flat_map(|o| &o.sends)
            {
                c.tree.insert(&row.key, Param::Text(row.value.clone()));
            }
        }
    }
    cross_field_rules(&mut c);
    let notes = std::mem::take(&mut c.notes);
    if !c.errors.is_empty() {
        return (Err(c.errors), notes);
    }
    let built = BuiltRequest {
        method: action.method,
        path: c.path,
        params: c.tree.into_params(),
    };
    (Ok(built), notes)
}

/// Checks one non-empty value against its field's kind; `None` after
/// reporting a mistake (or when the value steers the request but sends nothing).
fn check_field(
    c: &mut Checker,
    field: &super::Field,
    value: &FieldValue,
    original: Option<&FieldValue>,
) -> Option<Param> {
    let id = field.id.as_str();
    let label = field.label.as_str();
    let expect_text = |c: &mut Checker| match value {
        FieldValue::Text(t) => Some(t.trim().to_owned()),
        _ => {
            c.fail(id, format!("{label} should be text."));
            None
        }
    };
    match &field.kind {
        FieldKind::Text { max_len, .. } => {
            let t = expect_text(c)?;
            if t.chars().count() > *max_len as usize {
                c.fail(id, format!("{label} can be at most {max_len} characters."));
                return None;
            }
            Some(Param::Text(t))
        }
        FieldKind::StatementDescriptor => {
            let typed = expect_text(c)?;
            // "Non-ASCII characters are automatically stripped": say what
            // Stripe will keep, rather than refuse what was typed.
            let t: String = typed.chars().filter(char::is_ascii).collect();
            let t = t.trim().to_owned();
            match statement_descriptor_problem(&t) {
                Some(p) => {
                    c.fail(id, p);
                    None
                }
                None => {
                    if t != typed {
                        c.note(
                            id,
                            format!(
                                "Stripe leaves out letters such as é or ß: it will show {}.",
                                t.to_uppercase()
                            ),
                        );
                    }
                    Some(Param::Text(t))
                }
            }
        }
        FieldKind::Email => {
            let t = expect_text(c)?;
            match email_problem(&t) {
                Some(p) => {
                    c.fail(id, p);
                    None
                }
                None => Some(Param::Text(t)),
            }
        }
        FieldKind::Phone => {
            let t = expect_text(c)?;
            let ok = t.chars().count() <= 20
                && t.chars().filter(char::is_ascii_digit).count() >= 3
                && t.chars()
                    .all(|ch| ch.is_ascii_digit() || " +-().".contains(ch));
            if !ok {
                c.fail(
                    id,
                    "Enter a phone number of up to 20 characters: digits, spaces, + - ( ).",
                );
                return None;
            }
            Some(Param::Text(t))
        }
        FieldKind::Url => {
            let t = expect_text(c)?;
            match url_problem(&t) {
                Some(p) => {
                    c.fail(id, p);
                    None
                }
                None => Some(Param::Text(t)),
            }
        }
        FieldKind::UrlList { max } => {
            let items = list_items(value);
            if items.len() > *max as usize {
                c.fail(id, format!("{label}: at most {max}."));
                return None;
            }
            for (i, u) in items.iter().enumerate() {
                if let Some(p) = url_problem(u) {
                    c.fail(id, format!("Line {}: {p}", i + 1));
                    return None;
                }
            }
            Some(Param::List(items.into_iter().map(Param::Text).collect()))
        }
        FieldKind::TextList { max, max_len } => {
            let mut items = list_items(value);
            if items.len() > *max as usize {
                c.fail(id, format!("{label}: at most {max}."));
                return None;
            }
            if items.iter().any(|s| s.chars().count() > *max_len as usize) {
                c.fail(id, format!("{label}: each at most {max_len} characters."));
                return None;
            }
            if let Some(Lookup::Fixed { list }) = &field.lookup {
                // Picked from a list: each must be one of it, sent as its code.
                for item in &mut items {
                    match places::code_of(list.options(), item) {
                        Some(code) => *item = code.to_owned(),
                        None => {
                            c.fail(
                                id,
                                format!("Stripe does not write in \"{item}\": choose the languages from the list."),
                            );
                            return None;
                        }
                    }
                }
            }
            Some(Param::List(items.into_iter().map(Param::Text).collect()))
        }
        FieldKind::Amount { currency_field } => {
            let t = expect_text(c)?;
            let Some(currency) = c.text(currency_field) else {
                // Reported at the currency field by the cross-field rules.
                return None;
            };
            match money::parse_amount(&t, &currency, c.form.number_format) {
                Ok(a) => Some(Param::Text(a.minor.to_string())),
                Err(e) => {
                    c.fail(id, e.message(&currency));
                    None
                }
            }
        }
        FieldKind::Currency => {
            let t = expect_text(c)?.to_ascii_lowercase();
            if t.len() != 3 || !t.chars().all(|ch| ch.is_ascii_lowercase()) {
                c.fail(id, "Enter a currency as three letters, such as eur or usd.");
                return None;
            }
            Some(Param::Text(t))
        }
        FieldKind::Id { prefix, custom } => {
            let t = expect_text(c)?;
            let problem = match id_problem(&t, prefix, label) {
                Some(_) if *custom => custom_id_problem(&t, label),
                other => other,
            };
            match problem {
                Some(p) => {
                    c.fail(id, p);
                    None
                }
                None => Some(Param::Text(t)),
            }
        }
        FieldKind::Choice { options } => {
            let t = expect_text(c)?;
            if !options.iter().any(|o| o.value == t) {
                let names: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
                c.fail(id, format!("Choose one of: {}.", names.join(", ")));
                return None;
            }
            Some(Param::Text(t))
        }
        FieldKind::YesNo => match value {
            FieldValue::Yes(b) => Some(Param::Text(b.to_string())),
            FieldValue::Text(t) if t == "true" || t == "false" => Some(Param::Text(t.clone())),
            _ => {
                c.fail(id, format!("{label} is yes or no."));
                None
            }
        },
        FieldKind::Integer { min, max } => {
            let t = expect_text(c)?;
            match t.parse::<i64>() {
                Ok(n) if (*min..=*max).contains(&n) => Some(Param::Text(n.to_string())),
                _ => {
                    c.fail(id, format!("Enter a whole number from {min} to {max}."));
                    None
                }
            }
        }
        FieldKind::Date => {
            let t = expect_text(c)?;
            match day_start(&t) {
                Some(ts) => Some(Param::Text(ts.to_string())),
                None => {
                    c.fail(id, "Enter a date as YYYY-MM-DD, such as 2026-01-31.");
                    None
                }
            }
        }
        FieldKind::Address => {
            let FieldValue::Address(a) = value else {
                c.fail(id, format!("{label} should be an address."));
                return None;
            };
            let typed_country = a.country.trim();
            // The country's ISO code, from the list by code or by name:
            // "Germany" must never become "GE" (Georgia).
            let country = match places::code_of(places::countries(), typed_country) {
                Some(code) => code.to_owned(),
                None if typed_country.is_empty() => String::new(),
                None => {
                    c.fail(
                        id,
                        format!("\"{typed_country}\" is not a country in the list: type the start of its name, such as Germ for Germany, and pick it."),
                    );
                    return None;
                }
            };
            if a.parts()
                .iter()
                .any(|(_, v)| v.chars().count() > ADDRESS_LINE_LEN)
            {
                c.fail(
                    id,
                    format!(
                        "Each part of an address can be at most {ADDRESS_LINE_LEN} characters."
                    ),
                );
                return None;
            }
            let before = match original {
                Some(FieldValue::Address(o)) => Some(o.clone()),
                _ => None,
            };
            let mut parts = Vec::new();
            for (name, v) in a.parts() {
                let v = v.trim();
                let was = before.as_ref().map(|o| {
                    o.parts()
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, w)| w.trim().to_owned())
                        .unwrap_or_default()
                });
                let v = if name == "country" {
                    country.clone()
                } else {
                    v.to_owned()
                };
                match was {
                    // Update: unchanged parts stay out; a cleared one is sent empty.
                    Some(w) if w == v => {}
                    Some(_) => parts.push((name.to_owned(), Param::Text(v))),
                    None if !v.is_empty() => parts.push((name.to_owned(), Param::Text(v))),
                    None => {}
                }
            }
            Some(Param::Map(parts))
        }
        FieldKind::Metadata => {
            let FieldValue::Rows(rows) = value else {
                c.fail(id, format!("{label} should be rows of key and value."));
                return None;
            };
            let before: Vec<KeyValueRow> = match original {
                Some(FieldValue::Rows(r)) => r.clone(),
                _ => Vec::new(),
            };
            check_metadata(c, id, rows, &before)
        }
        FieldKind::SubscriptionItems => {
            let FieldValue::Items(items) = value else {
                c.fail(id, format!("{label} should be rows of price and quantity."));
                return None;
            };
            let items: Vec<&SubscriptionItemRow> = items
                .iter()
                .filter(|i| !(i.price.trim().is_empty() && i.quantity.trim().is_empty()))
                .collect();
            if items.len() > SUBSCRIPTION_ITEMS {
                c.fail(
                    id,
                    format!("At most {SUBSCRIPTION_ITEMS} items in one subscription."),
                );
                return None;
            }
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let n = i + 1;
                // A price (`price_...`), or a plan, whose ID may be the
                // account's own (`gold-monthly`): Stripe takes a plan ID as a price.
                let price = item.price.trim();
                let problem = id_problem(price, "price_", "The price")
                    .and_then(|_| custom_id_problem(price, "The price"));
                if let Some(p) = problem {
                    c.fail(id, format!("Item {n}: {p}"));
                    return None;
                }
                let mut entry = vec![("price".to_owned(), Param::Text(item.price.trim().into()))];
                let q = item.quantity.trim();
                if !q.is_empty() {
                    match q.parse::<u32>() {
                        Ok(q) if q >= 1 => {
                            entry.push(("quantity".into(), Param::Text(q.to_string())))
                        }
                        _ => {
                            c.fail(
                                id,
                                format!("Item {n}: the quantity is a whole number, 1 or more."),
                            );
                            return None;
                        }
                    }
                }
                out.push(Param::Map(entry));
            }
            Some(Param::List(out))
        }
        FieldKind::KeyValueRows => None,
    }
}

fn check_metadata(
    c: &mut Checker,
    id: &str,
    rows: &[KeyValueRow],
    before: &[KeyValueRow],
) -> Option<Param> {
    let rows: Vec<&KeyValueRow> = rows
        .iter()
        .filter(|r| !(r.key.trim().is_empty() && r.value.is_empty()))
        .collect();
    if rows.len() > METADATA_KEYS {
        c.fail(id, format!("At most {METADATA_KEYS} rows."));
        return None;
    }
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let n = i + 1;
        let key = row.key.trim();
        let problem = if key.is_empty() {
            Some("give the row a key.".to_owned())
        } else if key.chars().count() > METADATA_KEY_LEN {
            Some(format!(
                "a key can be at most {METADATA_KEY_LEN} characters."
            ))
        } else if key.contains(['[', ']']) {
            Some("a key cannot contain [ or ].".to_owned())
        } else if row.value.chars().count() > METADATA_VALUE_LEN {
            Some(format!(
                "a value can be at most {METADATA_VALUE_LEN} characters."
            ))
        } else if seen.contains(&key) {
            Some(format!("the key {key} appears twice."))
        } else {
            None
        };
        if let Some(p) = problem {
            c.fail(id, format!("Row {n}: {p}"));
            return None;
        }
        seen.push(key);
        let unchanged = before
            .iter()
            .any(|b| b.key.trim() == key && b.value == row.value);
        if !unchanged {
            out.push((key.to_owned(), Param::Text(row.value.clone())));
        }
    }
    // Keys that were there before and are gone now are removed by sending "".
    for b in before {
        let key = b.key.trim();
        if !key.is_empty() && !seen.contains(&key) {
            out.push((key.to_owned(), Param::Text(String::new())));
        }
    }
    Some(Param::Map(out))
}

/// Rules that involve more than one field.
fn cross_field_rules(c: &mut Checker) {
    let action = c.action;
    // An amount needs its currency, and a price needs an amount.
    for field in &action.fields {
        if let FieldKind::Amount { currency_field } = &field.kind {
            let amount = c.text(&field.id).is_some();
            let currency = c.text(currency_field).is_some();
            if amount && !currency {
                c.fail(currency_field, "Choose the currency of the amount.");
            }
            if !amount && currency {
                c.fail(&field.id, "Enter the amount, or leave the currency empty.");
            }
        }
    }
    if action.id == "create_product" {
        let priced = c.text("price_amount").is_some();
        if !priced && c.text("price_interval").is_some() {
            c.fail("price_amount", "A repeating price needs an amount.");
        }
        if c.text("price_interval_count").is_some() && c.text("price_interval").is_none() {
            c.fail(
                "price_interval_count",
                "Choose how often it repeats, or leave N empty.",
            );
        }
    }
    if c.text("starting_after").is_some() && c.text("ending_before").is_some() {
        c.fail(
            "ending_before",
            "Page forward or backward, not both at once.",
        );
    }
    if action.id == "list_customers" {
        if let Some(search) = c.text("search") {
            let filters = [
                "email",
                "created_from",
                "created_before",
                "starting_after",
                "ending_before",
            ];
            if let Some(f) = filters.iter().find(|f| c.text(f).is_some()) {
                c.fail(
                    f,
                    "Search and the filters cannot be combined: clear one of them.",
                );
                return;
            }
            if !is_search_syntax(&search) && search.chars().count() < 3 {
                c.fail(
                    "search",
                    "Type at least 3 characters to search, or put a whole email in \"Email is exactly\".",
                );
                return;
            }
            c.path = "/v1/customers/search".into();
            let mut tree = Tree::default();
            tree.insert("query", Param::Text(search_query(&search)));
            for key in ["limit", "page"] {
                if let Some(v) = c.text(key) {
                    tree.insert(key, Param::Text(v));
                }
            }
            c.tree = tree;
        } else if c.text("page").is_some() {
            c.fail("page", "A search page goes with a search.");
        }
    }
}

/// Stripe's own query syntax (`email:'a@b.com' AND metadata['k']:'v'`),
/// passed as typed.
fn is_search_syntax(input: &str) -> bool {
    input.contains(':') || input.contains('~')
}

/// Plain words become a search for any customer whose name, email or phone
/// contains them (Stripe's substring match, `~`, on its three string
/// fields for customers, joined with OR); Stripe's own syntax is passed as typed.
pub fn search_query(input: &str) -> String {
    let input = input.trim();
    if is_search_syntax(input) {
        return input.to_owned();
    }
    let quoted = input.replace('\\', "\\\\").replace('\'', "\\'");
    format!("name~'{quoted}' OR email~'{quoted}' OR phone~'{quoted}'")
}

fn any_endpoint(mut c: Checker) -> Result<BuiltRequest, Vec<FieldError>> {
    let method = match c.text("method").as_deref() {
        Some("GET") | None => HttpMethod::Get,
        Some("POST") => HttpMethod::Post,
        Some("DELETE") => HttpMethod::Delete,
        Some(_) => {
            c.fail("method", "Choose GET, POST or DELETE.");
            HttpMethod::Get
        }
    };
    let path = c.text("path").unwrap_or_default();
    // The client's own check, which every request passes; said here, at
    // the field, before sending.
    let path_ok = crate::stripe::check_path(crate::stripe::Host::Api, &path);
    if path.is_empty() {
        c.fail("path", "Path is required.");
    } else if let Err(problem) = path_ok {
        c.fail("path", problem.words());
    }
    let path_ok = path_ok.is_ok();
    if path_ok && c.errors.is_empty() {
        let m = match method {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
        };
        // Flagged, not forbidden: Stripe adds endpoints after this app's
        // copy of its description was taken.
        let override_ok = matches!(c.value("send_unlisted"), Some(FieldValue::Yes(true)));
        if !super::endpoints::is_known(m, &path) && !override_ok {
            c.fail(
                "path",
                format!("{m} {path} is not in this app's list of Stripe's endpoints: check the path and the method. If it is a newer endpoint, tick \"Send it even if this app does not know the path\"."),
            );
        }
    }
    let mut params = Params::new();
    let rows = match c.value("params") {
        Some(FieldValue::Rows(r)) => r.clone(),
        _ => Vec::new(),
    };
    let body = c.text("body");
    if body.is_some() && rows.iter().any(|r| !r.key.trim().is_empty()) {
        c.fail("body", "Use the rows or a raw body, not both.");
    }
    for (i, row) in rows.iter().enumerate() {
        let key = row.key.trim();
        if key.is_empty() && row.value.is_empty() {
            continue;
        }
        if !param_key_ok(key) {
            c.fail(
                "params",
                format!("Row {}: a parameter name is letters, digits and _, with [..] for nesting, such as items[0][price].", i + 1),
            );
            continue;
        }
        // The key is already Stripe's flattened name, so it goes as it is.
        params = params.text(key, row.value.clone());
    }
    if let Some(body) = body {
        for (key, value) in url::form_urlencoded::parse(body.as_bytes()) {
            if !param_key_ok(&key) {
                c.fail("body", format!("{key} is not a Stripe parameter name."));
                break;
            }
            params = params.text(&key, value.into_owned());
        }
    }
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(BuiltRequest {
        method,
        path,
        params,
    })
}

fn param_key_ok(key: &str) -> bool {
    let base = key.split('[').next().unwrap_or_default();
    !base.is_empty()
        && base
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        && key[base.len()..].split_inclusive(']').all(|seg| {
            seg.starts_with('[') && seg.ends_with(']') && !seg[1..seg.len() - 1].contains('[')
        })
}

fn list_items(value: &FieldValue) -> Vec<String> {
    let raw: Vec<String> = match value {
        FieldValue::List(l) => l.clone(),
        FieldValue::Text(t) => t.lines().map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    raw.into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn email_problem(t: &str) -> Option<String> {
    if t.chars().count() > EMAIL_LEN {
        return Some(format!(
            "An email address can be at most {EMAIL_LEN} characters."
        ));
    }
    let shape = t.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
    }) && !t.chars().any(|ch| ch.is_whitespace() || ch.is_control());
    if shape {
        None
    } else {
        Some("Enter an email address like name@example.com.".into())
    }
}

fn statement_descriptor_problem(t: &str) -> Option<String> {
    if t.chars().count() > 22 {
        Some("At most 22 characters appear on a card statement.".into())
    } else if !t.chars().any(|ch| ch.is_ascii_alphabetic()) {
        Some("Use at least one letter.".into())
    } else if t.contains(['<', '>', '\\', '"', '\'']) {
        Some("Card statements cannot show < > \\ \" or '.".into())
    } else if !t.is_ascii() {
        Some("Card statements show only plain Latin letters, digits and punctuation.".into())
    } else {
        None
    }
}

fn url_problem(t: &str) -> Option<String> {
    if t.chars().count() > 2048 {
        return Some("A web address can be at most 2048 characters.".into());
    }
    match url::Url::parse(t) {
        Ok(u) if (u.scheme() == "https" || u.scheme() == "http") && u.host().is_some() => None,
        _ => Some("Enter a web address starting with https://.".into()),
    }
}

/// An ID the account chose for a product or plan: letters, digits, `_` and `-`.
fn custom_id_problem(t: &str, label: &str) -> Option<String> {
    let ok = !t.is_empty()
        && t.len() <= 250
        && t.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
    (!ok).then(|| format!("{label}: an ID has only letters, digits, _ and -."))
}

fn id_problem(t: &str, prefix: &str, label: &str) -> Option<String> {
    let rest = t.strip_prefix(prefix);
    let ok = rest.is_some_and(|r| {
        !r.is_empty()
            && r.len() <= 250
            && r.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    });
    if ok {
        None
    } else if prefix.is_empty() {
        Some(format!("{label}: an ID has only letters, digits and _."))
    } else {
        Some(format!(
            "{label} is an ID starting with {prefix}, such as {prefix}1A2b3C."
        ))
    }
}

/// Unix time at the start of a `YYYY-MM-DD` day, UTC.
fn day_start(t: &str) -> Option<i64> {
    let mut parts = t.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d == 0 || d > days_in[m as usize - 1] || y < 1970 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146097 + doe - 719468) * 86400)
}

/// The form's values for an object Stripe sent, so an update form starts
/// from what is there now (and sends only what the person changes).
pub fn prefill(action: &Action, object: &serde_json::Value) -> BTreeMap<String, FieldValue> {
    use serde_json::Value;
    let mut out = BTreeMap::new();
    for field in &action.fields {
        if field.param.is_empty() {
            continue;
        }
        if field.param == "{id}" {
            if let Some(id) = object.get("id").and_then(Value::as_str) {
                out.insert(field.id.clone(), FieldValue::Text(id.into()));
            }
            continue;
        }
        let mut v = object;
        for seg in field.param.split(['[', ']']).filter(|s| !s.is_empty()) {
            match v.get(seg) {
                Some(next) => v = next,
                None => {
                    v = &Value::Null;
                    break;
                }
            }
        }
        let text = |v: &Value| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| v.as_i64().map(|n| n.to_string()))
        };
        let value = match &field.kind {
            FieldKind::YesNo => v.as_bool().map(FieldValue::Yes),
            FieldKind::Address => v.as_object().map(|_| {
                let part = |k: &str| {
                    v.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                FieldValue::Address(AddressValue {
                    line1: part("line1"),
                    line2: part("line2"),
                    city: part("city"),
                    postal_code: part("postal_code"),
                    state: part("state"),
                    country: part("country"),
                })
            }),
            FieldKind::Metadata => v.as_object().map(|m| {
                FieldValue::Rows(
                    m.iter()
                        // This app's own tags (`stripe_desk_submission`,
                        // a workflow run's): not the person's notes, and
                        // left as they are by an update.
                        .filter(|(k, _)| !k.starts_with("stripe_desk_"))
                        .map(|(k, val)| KeyValueRow {
                            key: k.clone(),
                            value: val.as_str().unwrap_or_default().to_owned(),
                        })
                        .collect(),
                )
            }),
            FieldKind::TextList { .. } | FieldKind::UrlList { .. } => v.as_array().map(|a| {
                FieldValue::List(
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                )
            }),
            _ => text(v).map(FieldValue::Text),
        };
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            out.insert(field.id.clone(), value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::find;

    fn action(id: &str) -> &'static Action {
        find(id).unwrap()
    }

    fn errors(id: &str, form: &FilledForm) -> Vec<FieldError> {
        build(action(id), form).expect_err("should be refused")
    }

    fn refused_at(id: &str, form: FilledForm, field: &str, words: &str) {
        let errs = errors(id, &form);
        assert!(
            errs.iter()
                .any(|e| e.field == field && e.message.contains(words)),
            "{id}: expected {field:?} to say {words:?}, got {errs:?}"
        );
    }

    fn encoded(id: &str, form: FilledForm) -> String {
        build(action(id), &form).unwrap().params.encode()
    }

    fn rows(pairs: &[(&str, &str)]) -> FieldValue {
        FieldValue::Rows(
            pairs
                .iter()
                .map(|(k, v)| KeyValueRow {
                    key: (*k).into(),
                    value: (*v).into(),
                })
                .collect(),
        )
    }

    fn items(prices: &[(&str, &str)]) -> FieldValue {
        FieldValue::Items(
            prices
                .iter()
                .map(|(p, q)| SubscriptionItemRow {
                    price: (*p).into(),
                    quantity: (*q).into(),
                })
                .collect(),
        )
    }

    #[test]
    fn email_shape_and_length() {
        for bad in [
            "a",
            "a@b",
            "a b@c.com",
            "@c.com",
            "a@@c.com",
            "a@.com",
            "a@c..com",
        ] {
            refused_at(
                "create_customer",
                FilledForm::new().text("email", bad),
                "email",
                "like name@example.com",
            );
        }
        let long = format!("{}@example.com", "a".repeat(501));
        refused_at(
            "create_customer",
            FilledForm::new().text("email", &long),
            "email",
            "512",
        );
        assert_eq!(
            encoded(
                "create_customer",
                FilledForm::new().text("email", " zoe@example.com ")
            ),
            "email=zoe%40example.com"
        );
    }

    #[test]
    fn statement_descriptor_rules() {
        let f = |t: &str| {
            FilledForm::new()
                .text("name", "Tea")
                .text("statement_descriptor", t)
        };
        refused_at(
            "create_product",
            f(&"A".repeat(23)),
            "statement_descriptor",
            "22",
        );
        refused_at(
            "create_product",
            f("12345"),
            "statement_descriptor",
            "one letter",
        );
        for bad in ["Tea<", "Tea>", "Tea\\", "Tea\"", "Tea'"] {
            refused_at(
                "create_product",
                f(bad),
                "statement_descriptor",
                "cannot show",
            );
        }
        assert!(build(action("create_product"), &f(&"A".repeat(22))).is_ok());
    }

    #[test]
    fn unit_label_and_text_lengths() {
        let f = FilledForm::new()
            .text("name", "Tea")
            .text("unit_label", "thirteen-char");
        refused_at("create_product", f, "unit_label", "at most 12");
        let f = FilledForm::new()
            .text("name", "Tea")
            .text("unit_label", "twelve-chars");
        assert!(build(action("create_product"), &f).is_ok());
        refused_at(
            "create_product",
            FilledForm::new(),
            "name",
            "Name is required",
        );
        // The OpenAPI description's limits: 5,000 characters, not fewer.
        let long = "x".repeat(5000);
        assert!(build(
            action("create_product"),
            &FilledForm::new().text("name", &long)
        )
        .is_ok());
        assert!(build(
            action("create_customer"),
            &FilledForm::new().text("description", &long)
        )
        .is_ok());
        refused_at(
            "create_product",
            FilledForm::new().text("name", &format!("{long}x")),
            "name",
            "at most 5000 characters",
        );
    }

    #[test]
    fn metadata_limits() {
        let many: Vec<(String, String)> = (0..51).map(|i| (format!("k{i}"), "v".into())).collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let f = |m: FieldValue| FilledForm::new().value("metadata", m);
        refused_at("create_customer", f(rows(&many)), "metadata", "At most 50");
        assert!(build(action("create_customer"), &f(rows(&many[..50]))).is_ok());
        refused_at(
            "create_customer",
            f(rows(&[(&"k".repeat(41), "v")])),
            "metadata",
            "40 characters",
        );
        refused_at(
            "create_customer",
            f(rows(&[("a[b]", "v")])),
            "metadata",
            "[ or ]",
        );
        refused_at(
            "create_customer",
            f(rows(&[("k", &"v".repeat(501))])),
            "metadata",
            "500",
        );
        refused_at(
            "create_customer",
            f(rows(&[("k", "1"), ("k", "2")])),
            "metadata",
            "twice",
        );
        refused_at("create_customer", f(rows(&[("", "v")])), "metadata", "key");
        assert_eq!(
            encoded("create_customer", f(rows(&[("order id", "A&B"), ("", "")]))),
            "metadata[order%20id]=A%26B"
        );
    }

    #[test]
    fn amounts_go_through_money() {
        let f = |amount: &str, currency: &str| {
            FilledForm::new()
                .text("name", "Tea")
                .text("price_amount", amount)
                .text("price_currency", currency)
        };
        assert_eq!(
            encoded("create_product", f("1,234.5", "USD")),
            "name=Tea&default_price_data[unit_amount]=123450&default_price_data[currency]=usd"
        );
        assert!(encoded("create_product", f("500", "jpy")).contains("[unit_amount]=500&"));
        refused_at(
            "create_product",
            f("1.5", "jpy"),
            "price_amount",
            "no decimal places",
        );
        refused_at(
            "create_product",
            f("1.234", "kwd"),
            "price_amount",
            "steps of 0.010",
        );
        let mut comma = f("12,50", "eur");
        comma.number_format = NumberFormat::COMMA;
        assert!(encoded("create_product", comma).contains("[unit_amount]=1250&"));
        refused_at("create_product", f("12", ""), "price_currency", "currency");
        refused_at("create_product", f("", "eur"), "price_amount", "amount");
        refused_at(
            "create_product",
            f("12", "euro"),
            "price_currency",
            "three letters",
        );
        let recurring = f("9", "eur")
            .text("price_interval", "month")
            .text("price_interval_count", "3");
        assert!(encoded("create_product", recurring)
            .ends_with("default_price_data[recurring][interval]=month&default_price_data[recurring][interval_count]=3"));
        let count_alone = f("9", "eur").text("price_interval_count", "3");
        refused_at(
            "create_product",
            count_alone,
            "price_interval_count",
            "how often",
        );
    }

    #[test]
    fn ids_need_their_prefix() {
        refused_at(
            "get_customer",
            FilledForm::new().text("customer", "prod_1"),
            "customer",
            "starting with cus_",
        );
        refused_at(
            "get_customer",
            FilledForm::new().text("customer", "cus_"),
            "customer",
            "cus_",
        );
        refused_at(
            "get_customer",
            FilledForm::new().text("customer", "cus_1/../x"),
            "customer",
            "cus_",
        );
        // Products may have IDs the account chose, but not any text.
        refused_at(
            "get_product",
            FilledForm::new().text("product", "gold monthly/1"),
            "product",
            "letters, digits, _ and -",
        );
        let gold = build(
            action("get_product"),
            &FilledForm::new().text("product", "gold-monthly"),
        )
        .unwrap();
        assert_eq!(gold.path, "/v1/products/gold-monthly");
        let by_plan = build(
            action("create_subscription"),
            &FilledForm::new()
                .text("customer", "cus_1")
                .value("items", items(&[("gold-monthly", "1")])),
        )
        .unwrap();
        assert!(by_plan
            .params
            .encode()
            .contains("items[0][price]=gold-monthly"));
        let after = build(
            action("list_products"),
            &FilledForm::new().text("starting_after", "gold"),
        )
        .unwrap();
        assert_eq!(after.params.encode(), "starting_after=gold");
        let built = build(
            action("get_customer"),
            &FilledForm::new().text("customer", "cus_9"),
        )
        .unwrap();
        assert_eq!(built.path, "/v1/customers/cus_9");
        assert!(built.params.is_empty());
        let sub = FilledForm::new()
            .text("customer", "cus_1")
            .value("items", items(&[("prod_1", "1")]));
        refused_at(
            "create_subscription",
            sub.value("items", items(&[("a price", "1")])),
            "items",
            "Item 1: The price: an ID has only letters, digits, _ and -.",
        );
    }

    #[test]
    fn subscription_needs_customer_and_one_to_twenty_items() {
        refused_at(
            "create_subscription",
            FilledForm::new(),
            "customer",
            "required",
        );
        refused_at(
            "create_subscription",
            FilledForm::new(),
            "items",
            "required",
        );
        let many: Vec<(String, String)> = (0..21)
            .map(|i| (format!("price_{i}"), "1".into()))
            .collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(p, q)| (p.as_str(), q.as_str())).collect();
        let f = |i: FieldValue| {
            FilledForm::new()
                .text("customer", "cus_1")
                .value("items", i)
        };
        refused_at(
            "create_subscription",
            f(items(&many)),
            "items",
            "At most 20",
        );
        assert!(build(action("create_subscription"), &f(items(&many[..20]))).is_ok());
        refused_at(
            "create_subscription",
            f(items(&[("price_1", "0")])),
            "items",
            "quantity",
        );
        assert_eq!(
            encoded(
                "create_subscription",
                f(items(&[("price_1", "2"), ("price_2", "")]))
            ),
            "customer=cus_1&items[0][price]=price_1&items[0][quantity]=2&items[1][price]=price_2&collection_method=send_invoice&days_until_due=30"
        );
        // Each way to pay sends what Stripe needs for it, and only what applies.
        let way = |payment: &str| f(items(&[("price_1", "")])).text("payment", payment);
        assert!(encoded("create_subscription", way("saved_card"))
            .ends_with("&collection_method=charge_automatically"));
        assert!(encoded("create_subscription", way("payment_page"))
            .ends_with("&payment_behavior=default_incomplete"));
        assert!(encoded(
            "create_subscription",
            way("invoice").text("days_until_due", "14")
        )
        .ends_with("&collection_method=send_invoice&days_until_due=14"));
        refused_at(
            "create_subscription",
            way("trial"),
            "trial_period_days",
            "required",
        );
        let trial = encoded(
            "create_subscription",
            way("trial")
                .text("trial_period_days", "14")
                .text("days_until_due", "30"),
        );
        assert!(trial.ends_with("&trial_period_days=14"), "{trial}");
        assert!(!trial.contains("days_until_due"), "{trial}");
        refused_at(
            "create_subscription",
            way("cash"),
            "payment",
            "Choose one of",
        );
    }

    #[test]
    fn up_to_eight_image_urls() {
        let f = |urls: Vec<String>| {
            FilledForm::new()
                .text("name", "Tea")
                .value("images", FieldValue::List(urls))
        };
        let urls: Vec<String> = (0..9)
            .map(|i| format!("https://example.com/{i}.png"))
            .collect();
        refused_at("create_product", f(urls.clone()), "images", "at most 8");
        assert!(encoded("create_product", f(urls[..8].to_vec())).contains("images[7]=https"));
        refused_at(
            "create_product",
            f(vec!["ftp://x/y".into()]),
            "images",
            "Line 1",
        );
        refused_at(
            "create_product",
            FilledForm::new()
                .text("name", "T")
                .text("url", "example.com"),
            "url",
            "https://",
        );
    }

    #[test]
    fn update_sends_only_changes_and_clears_with_empty_string() {
        let original: BTreeMap<String, FieldValue> = [
            ("name", FieldValue::Text("Zoë".into())),
            ("email", FieldValue::Text("zoe@example.com".into())),
            ("phone", FieldValue::Text("+44 1".into())),
            (
                "address",
                FieldValue::Address(AddressValue {
                    city: "Leeds".into(),
                    country: "GB".into(),
                    ..AddressValue::default()
                }),
            ),
            ("metadata", rows(&[("a", "1"), ("b", "2")])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let mut values = original.clone();
        values.insert("customer".into(), FieldValue::Text("cus_1".into()));
        values.insert("email".into(), FieldValue::Text("zoe@new.example".into()));
        values.insert("phone".into(), FieldValue::Text(String::new()));
        values.insert(
            "address".into(),
            FieldValue::Address(AddressValue {
                city: String::new(),
                country: "GB".into(),
                ..AddressValue::default()
            }),
        );
        values.insert("metadata".into(), rows(&[("a", "1"), ("c", "3")]));
        let form = FilledForm {
            values,
            original: Some(original),
            number_format: NumberFormat::POINT,
        };
        let built = build(action("update_customer"), &form).unwrap();
        assert_eq!(built.path, "/v1/customers/cus_1");
        assert_eq!(
            built.params.encode(),
            "email=zoe%40new.example&phone=&address[city]=&metadata[c]=3&metadata[b]="
        );
    }

    #[test]
    fn paging_forward_or_backward_not_both() {
        let f = FilledForm::new()
            .text("starting_after", "cus_1")
            .text("ending_before", "cus_2");
        refused_at("list_customers", f, "ending_before", "not both");
        refused_at(
            "list_customers",
            FilledForm::new().text("limit", "101"),
            "limit",
            "1 to 100",
        );
    }

    #[test]
    fn created_range_is_sent_as_unix_days() {
        let f = FilledForm::new()
            .text("created_from", "2026-01-31")
            .text("created_before", "2024-02-29");
        assert_eq!(
            encoded("list_customers", f),
            "created[gte]=1769817600&created[lt]=1709164800"
        );
        for bad in ["2026-02-30", "2025-02-29", "31/01/2026", "2026-1-31"] {
            refused_at(
                "list_customers",
                FilledForm::new().text("created_from", bad),
                "created_from",
                "YYYY-MM-DD",
            );
        }
    }

    #[test]
    fn customer_search_uses_stripes_query_language() {
        let built = build(
            action("list_customers"),
            &FilledForm::new()
                .text("search", "O'Brien")
                .text("limit", "5"),
        )
        .unwrap();
        assert_eq!(built.path, "/v1/customers/search");
        assert_eq!(
            built.params.encode(),
            "query=name~%27O%5C%27Brien%27%20OR%20email~%27O%5C%27Brien%27%20OR%20phone~%27O%5C%27Brien%27&limit=5"
        );
        assert_eq!(
            search_query("gmail"),
            "name~'gmail' OR email~'gmail' OR phone~'gmail'"
        );
        refused_at(
            "list_customers",
            FilledForm::new().text("search", "gm"),
            "search",
            "at least 3 characters",
        );
        assert_eq!(search_query("metadata['k']:'v'"), "metadata['k']:'v'");
        let both = FilledForm::new()
            .text("search", "x")
            .text("email", "a@b.com");
        refused_at("list_customers", both, "email", "cannot be combined");
        refused_at(
            "list_customers",
            FilledForm::new().text("page", "p"),
            "page",
            "search",
        );
    }

    #[test]
    fn choices_are_checked() {
        refused_at(
            "list_subscriptions",
            FilledForm::new().text("status", "gone"),
            "status",
            "Choose one of",
        );
        assert_eq!(
            encoded(
                "list_subscriptions",
                FilledForm::new().text("status", "canceled")
            ),
            "status=canceled"
        );
        assert_eq!(
            encoded("list_subscriptions", FilledForm::new().text("status", "")),
            ""
        );
    }

    #[test]
    fn any_endpoint_paths_and_raw_params() {
        let f = |path: &str| FilledForm::new().text("method", "POST").text("path", path);
        refused_at("any_endpoint", f("/v2/x"), "path", "/v1/");
        refused_at("any_endpoint", f("/v1/../x"), "path", "..");
        refused_at(
            "any_endpoint",
            f("/v1/customers?x=1"),
            "path",
            "put parameters in the rows",
        );
        refused_at(
            "any_endpoint",
            f("@127.0.0.1:9"),
            "path",
            "starts with /v1/",
        );
        refused_at("any_endpoint", FilledForm::new(), "path", "required");
        refused_at(
            "any_endpoint",
            f("/v1/customer"),
            "path",
            "POST /v1/customer is not in this app's list",
        );
        // A newer endpoint: flagged, then sent when the user says so.
        let newer = build(
            action("any_endpoint"),
            &f("/v1/brand_new_things").value("send_unlisted", FieldValue::Yes(true)),
        )
        .unwrap();
        assert_eq!(newer.path, "/v1/brand_new_things");
        let get_balance = FilledForm::new()
            .text("method", "DELETE")
            .text("path", "/v1/balance");
        refused_at(
            "any_endpoint",
            get_balance,
            "path",
            "DELETE /v1/balance is not in",
        );
        let built = build(
            action("any_endpoint"),
            &f("/v1/subscriptions").value(
                "params",
                rows(&[("items[0][price]", "price_1"), ("expand[]", "customer")]),
            ),
        )
        .unwrap();
        assert_eq!(built.method, HttpMethod::Post);
        assert_eq!(
            built.params.encode(),
            "items[0][price]=price_1&expand[]=customer"
        );
        refused_at(
            "any_endpoint",
            f("/v1/x").value("params", rows(&[("a]b", "1")])),
            "params",
            "Row 1",
        );
        let raw = build(
            action("any_endpoint"),
            &f("/v1/customers").text("body", "name=Zo%C3%AB&metadata[a]=1"),
        )
        .unwrap();
        assert_eq!(raw.params.encode(), "name=Zo%C3%AB&metadata[a]=1");
        let both = f("/v1/x")
            .text("body", "a=1")
            .value("params", rows(&[("b", "2")]));
        refused_at("any_endpoint", both, "body", "not both");
    }

    #[test]
    fn stripe_params_map_back_to_fields() {
        let a = action("create_customer");
        assert_eq!(a.field_for_param("address[country]").unwrap().id, "address");
        assert_eq!(a.field_for_param("metadata[x]").unwrap().id, "metadata");
        let p = action("create_product");
        assert_eq!(
            p.field_for_param("default_price_data[unit_amount]")
                .unwrap()
                .id,
            "price_amount"
        );
        assert_eq!(
            p.field_for_param("default_price_data[recurring][interval]")
                .unwrap()
                .id,
            "price_interval"
        );
        assert!(p.field_for_param("nothing").is_none());
    }

    #[test]
    fn prefill_then_unchanged_sends_nothing() {
        let a = action("update_customer");
        let object = serde_json::json!({
            "id": "cus_1", "object": "customer", "name": "Zoë", "email": "zoe@example.com",
            "phone": null, "address": {"city": "Leeds", "country": "GB", "line1": null},
            "metadata": {"order": "42"}, "preferred_locales": ["en"],
        });
        let values = prefill(a, &object);
        assert_eq!(values["customer"], FieldValue::Text("cus_1".into()));
        assert_eq!(values["metadata"], rows(&[("order", "42")]));
        assert!(!values.contains_key("phone"));
        let form = FilledForm {
            values: values.clone(),
            original: Some(values),
            number_format: NumberFormat::POINT,
        };
        let built = build(a, &form).unwrap();
        assert_eq!(built.path, "/v1/customers/cus_1");
        assert!(built.params.is_empty(), "{}", built.params.encode());
    }
}
