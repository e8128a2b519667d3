//! The workflow traits bound to the real actions: [`ActionCatalog`] reads the
//! actions' own descriptions (`actions::all()`), and [`ActionSteps`] carries
//! a step out through `actions::run` (its one checker, the one Stripe
//! client). No action is described here a second time.

use super::catalog::{Kind, Shape, StepCatalog};
use super::engine::{
    system_clock, Engine, RunHistory, StepCall, StepExecutor, StepFailure, StepResult,
};
use super::tags;
use crate::actions::form::{AddressValue, KeyValueRow, SubscriptionItemRow};
use crate::actions::{self, Action, Display, FieldKind, FieldValue, FilledForm, HttpMethod};
use crate::error::Error;
use crate::money::NumberFormat;
use crate::stripe::{Auth, IdempotencyKey, Param, Params, StripeClient};
use futures_util::TryStreamExt;
use serde_json::{Map, Value};

/// How far before a step's first attempt its look-up starts: a computer's
/// clock may be off from Stripe's, and `created` is Stripe's.
pub const LOOKUP_SLACK_SECS: i64 = 60 * 60;

/// The actions' descriptions, as workflows need them.
pub struct ActionCatalog;

/// The ID prefix of the objects at a collection path (`/v1/customers`).
fn id_prefix(path: &str) -> Option<&'static str> {
    let collection = path.trim_start_matches("/v1/").split('/').next()?;
    Some(match collection {
        "customers" => "cus_",
        "subscriptions" => "sub_",
        "products" => "prod_",
        "prices" => "price_",
        "balance_transactions" => "txn_",
        "payouts" => "po_",
        "invoices" => "in_",
        _ => return None,
    })
}

/// The kind of one output path of an action's result: from how its summary
/// shows it, else from Stripe's field name.
fn output_kind(action: &Action, path: &str) -> Kind {
    let shown = action.result.summary.iter().find(|s| s.path == path);
    match shown.map(|s| &s.display) {
        Some(Display::Money { .. }) => return Kind::Amount,
        Some(Display::Date) => return Kind::Timestamp,
        Some(Display::YesNo) => return Kind::YesNo,
        _ => {}
    }
    let last = path.rsplit('.').next().unwrap_or(path);
    match last {
        "id" => id_prefix(&action.path).map_or(Kind::Text, Kind::id),
        "customer" => Kind::id("cus_"),
        "product" => Kind::id("prod_"),
        "default_price" => Kind::id("price_"),
        "latest_invoice" => Kind::id("in_"),
        "email" => Kind::Email,
        "currency" => Kind::Currency,
        "created" | "trial_end" | "available_on" | "arrival_date" => Kind::Timestamp,
        "active" | "livemode" => Kind::YesNo,
        "amount" | "unit_amount" | "fee" | "net" => Kind::Amount,
        _ => Kind::Text,
    }
}

/// Puts `shape` at a dotted path inside an object shape.
fn insert(fields: &mut Vec<(String, Shape)>, path: &[&str], shape: Shape) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        fields.push(((*first).to_owned(), shape));
        return;
    }
    let at = match fields.iter().position(|(k, _)| k == first) {
        Some(i) => i,
        None => {
            fields.push(((*first).to_owned(), Shape::Object { fields: Vec::new() }));
            fields.len() - 1
        }
    };
    if let Shape::Object { fields: inner } = &mut fields[at].1 {
        insert(inner, rest, shape);
    }
}

fn object_shape(action: &Action) -> Shape {
    let mut fields = Vec::new();
    for path in &action.result.outputs {
        let parts: Vec<&str> = path.split('.').collect();
        insert(&mut fields, &parts, Shape::value(output_kind(action, path)));
    }
    fields.push(("object".into(), Shape::value(Kind::Text)));
    // Every Stripe object that has metadata takes any key.
    fields.push(("metadata".into(), Shape::Open));
    Shape::Object { fields }
}

fn field_kind_of(kind: &FieldKind) -> Kind {
    match kind {
        FieldKind::Email => Kind::Email,
        FieldKind::Amount { .. } => Kind::Amount,
        FieldKind::Currency => Kind::Currency,
        FieldKind::Id { prefix, .. } => Kind::id(prefix),
        FieldKind::YesNo => Kind::YesNo,
        FieldKind::Choice { options } => Kind::Choice {
            options: options.iter().map(|o| o.value.clone()).collect(),
        },
        FieldKind::Integer { .. } => Kind::Integer,
        FieldKind::Address | FieldKind::SubscriptionItems => Kind::Group,
        FieldKind::Metadata | FieldKind::KeyValueRows => Kind::Any,
        FieldKind::Text { .. }
        | FieldKind::StatementDescriptor
        | FieldKind::Phone
        | FieldKind::Url
        | FieldKind::UrlList { .. }
        | FieldKind::TextList { .. }
        | FieldKind::Date => Kind::Text,
    }
}

impl StepCatalog for ActionCatalog {
    fn output_shape(&self, action_id: &str) -> Option<Shape> {
        let action = actions::find(action_id)?;
        Some(if action.path.is_empty() {
            // The request to any endpoint: the result depends on the endpoint.
            Shape::Open
        } else if action.result.list {
            Shape::object(vec![
                ("data", Shape::list(object_shape(action))),
                ("has_more", Shape::value(Kind::YesNo)),
            ])
        } else {
            object_shape(action)
        })
    }

    fn field_kind(&self, action_id: &str, field: &str) -> Option<Kind> {
        let action = actions::find(action_id)?;
        let (top, inner) = match field.split_once('.') {
            Some((top, inner)) => (top, Some(inner)),
            None => (field, None),
        };
        let kind = &action.field(top)?.kind;
        match (kind, inner) {
            (_, None) => Some(field_kind_of(kind)),
            (FieldKind::SubscriptionItems, Some("price")) => Some(Kind::id("price_")),
            (FieldKind::SubscriptionItems, Some("quantity")) => Some(Kind::Integer),
            (
                FieldKind::Address,
                Some(
                    "line1" | "line2" | "city" | "postal_code" | "postalCode" | "state" | "country",
                ),
            ) => Some(Kind::Text),
            (FieldKind::Metadata | FieldKind::KeyValueRows, Some(_)) => Some(Kind::Any),
            _ => None,
        }
    }

    fn writes(&self, action_id: &str) -> bool {
        actions::find(action_id).is_some_and(|a| a.writes)
    }

    fn tags(&self, action_id: &str, fields: &Map<String, Value>) -> bool {
        actions::find(action_id).is_some_and(|a| {
            let (method, path) = method_and_path(a, fields);
            a.writes && tags::collection(&method, &path).is_some()
        })
    }

    fn action_name(&self, action_id: &str) -> Option<String> {
        actions::find(action_id).map(|a| a.name.clone())
    }

    fn output_label(&self, action_id: &str, path: &str) -> Option<String> {
        let action = actions::find(action_id)?;
        action
            .result
            .summary
            .iter()
            .find(|s| s.path == path)
            .map(|s| s.label.clone())
    }
}

/// The method and path a step sends to: the action's own, or, for the
/// request to any endpoint, what its fields say (references left in).
pub fn method_and_path(action: &Action, fields: &Map<String, Value>) -> (String, String) {
    if action.path.is_empty() {
        let field = |id: &str| fields.get(id).map(text_of).unwrap_or_default();
        (
            field("method").trim().to_ascii_uppercase(),
            field("path").trim().to_owned(),
        )
    } else {
        let method = match action.method {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
        };
        (method.to_owned(), action.path.clone())
    }
}

/// A resolved value as text: strings as they are, numbers and yes/no written out.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Nested JSON as Stripe's bracketed parameter rows (`recurring[interval]`).
fn rows_of(prefix: &str, value: &Value, out: &mut Vec<KeyValueRow>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}[{k}]")
                };
                rows_of(&key, v, out);
            }
        }
        // Rows as the form holds them: `[{key, value}]`.
        Value::Array(items)
            if prefix.is_empty()
                || items.iter().all(|i| {
                    i.get("key").is_some() && i.as_object().is_some_and(|o| o.len() <= 2)
                }) =>
        {
            for item in items {
                let key = text_of(item.get("key").unwrap_or(&Value::Null));
                let key = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}[{key}]")
                };
                out.push(KeyValueRow {
                    key,
                    value: text_of(item.get("value").unwrap_or(&Value::Null)),
                });
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                rows_of(&format!("{prefix}[{i}]"), v, out);
            }
        }
        other => out.push(KeyValueRow {
            key: prefix.to_owned(),
            value: text_of(other),
        }),
    }
}

/// One resolved step field as the action's form holds it.
fn form_value(
    action: &Action,
    kind: &FieldKind,
    value: &Value,
    fields: &Map<String, Value>,
) -> FieldValue {
    match kind {
        FieldKind::YesNo => FieldValue::Yes(match value {
            Value::Bool(b) => *b,
            other => matches!(text_of(other).trim(), "true" | "yes" | "Yes" | "1"),
        }),
        FieldKind::UrlList { .. } | FieldKind::TextList { .. } => match value {
            Value::Array(items) => FieldValue::List(items.iter().map(text_of).collect()),
            other => FieldValue::List(text_of(other).lines().map(str::to_owned).collect()),
        },
        FieldKind::Metadata | FieldKind::KeyValueRows => {
            let mut rows = Vec::new();
            rows_of("", value, &mut rows);
            FieldValue::Rows(rows)
        }
        FieldKind::SubscriptionItems => FieldValue::Items(
            value
                .as_array()
                .into_iter()
                .flatten()
                .map(|item| SubscriptionItemRow {
                    price: text_of(item.get("price").unwrap_or(&Value::Null)),
                    quantity: text_of(item.get("quantity").unwrap_or(&Value::Null)),
                })
                .collect(),
        ),
        FieldKind::Address => {
            let part = |k: &str| text_of(value.get(k).unwrap_or(&Value::Null));
            FieldValue::Address(AddressValue {
                line1: part("line1"),
                line2: part("line2"),
                city: part("city"),
                // The form holds it as `postalCode` (camelCase over IPC).
                postal_code: match part("postalCode") {
                    p if p.is_empty() => part("postal_code"),
                    p => p,
                },
                state: part("state"),
                country: part("country"),
            })
        }
        // A workflow amount is integer minor units (an amount input, or a
        // result's `unit_amount`); the form takes it typed as a decimal.
        FieldKind::Amount { currency_field } => match value.as_i64() {
            Some(minor) => {
                let currency = fields
                    .get(currency_field)
                    .map(text_of)
                    .or_else(|| action.field(currency_field)?.default.clone())
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                FieldValue::Text(crate::money::to_decimal(minor, &currency).to_string())
            }
            None => FieldValue::Text(text_of(value)),
        },
        _ => FieldValue::Text(text_of(value)),
    }
}

/// The filled form of a step: its resolved fields, and for tagged creates
/// the run's metadata merged into the object's metadata (or, for the
/// request to any endpoint, into its parameter rows or its raw body).
pub fn filled_form(action: &Action, call: &StepCall) -> FilledForm {
    let mut form = FilledForm::new();
    for (id, value) in &call.fields {
        if value.is_null() {
            continue;
        }
        let value = match action.field(id) {
            Some(field) => form_value(action, &field.kind, value, &call.fields),
            // Left to the action's checker, which names the unknown field.
            None => FieldValue::Text(text_of(value)),
        };
        form.values.insert(id.clone(), value);
    }
    if call.metadata.is_empty() {
        return form;
    }
    // A raw body (the request to any endpoint) carries the tags itself:
    // rows and a raw body together are refused.
    if let Some(FieldValue::Text(body)) = form.values.get_mut("body") {
        if !body.trim().is_empty() {
            let mut tags = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &call.metadata {
                tags.append_pair(&format!("metadata[{k}]"), v);
            }
            let tags = tags.finish();
            *body = format!("{}&{tags}", body.trim().trim_end_matches('&'));
            return form;
        }
    }
    let (target, prefixed) = match action.fields.iter().find(|f| f.kind == FieldKind::Metadata) {
        Some(f) => (f.id.clone(), false),
        None => match action
            .fields
            .iter()
            .find(|f| f.kind == FieldKind::KeyValueRows)
        {
            Some(f) => (f.id.clone(), true),
            None => return form,
        },
    };
    let mut rows = match form.values.remove(&target) {
        Some(FieldValue::Rows(rows)) => rows,
        _ => Vec::new(),
    };
    for (k, v) in &call.metadata {
        let key = if prefixed {
            format!("metadata[{k}]")
        } else {
            k.clone()
        };
        rows.retain(|r| r.key != key);
        rows.push(KeyValueRow {
            key,
            value: v.clone(),
        });
    }
    form.values.insert(target, FieldValue::Rows(rows));
    form
}

/// "Created customer · Name: Jo Baker · ID: cus_...": the Actions screen's
/// headline and first summary lines, on one line.
pub fn summary_line(result: &actions::ActionResult) -> String {
    let mut parts = vec![result.headline.clone()];
    parts.extend(
        result
            .rows
            .iter()
            .filter(|r| !r.value.is_empty())
            .take(3)
            .map(|r| format!("{}: {}", r.label, r.value)),
    );
    parts.join(" · ")
}

/// A step's result as the Actions screen has it; Stripe's JSON moves to `output`.
fn step_result(mut shown: actions::ActionResult) -> StepResult {
    let output = std::mem::take(&mut shown.json);
    StepResult {
        summary: summary_line(&shown),
        output,
        shown: Some(Box::new(shown)),
    }
}

/// Carries out steps on one connection through the actions.
pub struct ActionSteps<'a> {
    pub client: &'a StripeClient,
    pub auth: &'a Auth,
}

impl<'a> ActionSteps<'a> {
    /// The engine that runs workflows through these actions, on the
    /// system clock, keeping its runs in `history`: the one binding the
    /// app, `desk-workflow-run` and the tests share.
    pub fn engine(
        &'a self,
        history: &'a RunHistory,
        number_format: NumberFormat,
    ) -> Engine<'a, ActionSteps<'a>> {
        Engine {
            catalog: &ActionCatalog,
            executor: self,
            history,
            clock: &system_clock,
            number_format,
            resend_unchecked: false,
        }
    }
}

fn failure(e: &Error) -> StepFailure {
    let mut f = StepFailure::from_error(e);
    // `actions::run` names the form field in `param` (Stripe's `items[0][price]`
    // becomes `items`), so the window marks it there.
    f.field = f.param.clone();
    f
}

impl StepExecutor for ActionSteps<'_> {
    async fn execute(&self, call: &StepCall) -> Result<StepResult, StepFailure> {
        let action = actions::find(&call.action).ok_or_else(|| {
            failure(&Error::NotFound(format!(
                "No action called {}.",
                call.action
            )))
        })?;
        let form = filled_form(action, call);
        // Reads need no key; one fresh key keeps a retried read harmless.
        let key = match &call.idempotency_key {
            Some(key) => IdempotencyKey::new(key.as_str()).map_err(|e| failure(&e))?,
            None => IdempotencyKey::random(),
        };
        let result = actions::run(self.client, self.auth, action, &form, &key)
            .await
            .map_err(|e| failure(&e))?;
        Ok(step_result(result))
    }

    /// Lists the collection the step creates in, from the step's first
    /// attempt on (less [`LOOKUP_SLACK_SECS`] for the clocks' difference),
    /// every page, and picks the object whose metadata names this run and
    /// step. A list rather than Stripe's search: search is only on some
    /// objects and may lag behind a create by up to a minute, just when a
    /// resume looks.
    async fn find_created(&self, call: &StepCall) -> Result<Option<StepResult>, StepFailure> {
        let Some(action) = actions::find(&call.action) else {
            return Ok(None);
        };
        let untagged = StepCall {
            metadata: Vec::new(),
            ..call.clone()
        };
        let Ok(built) = actions::build(action, &filled_form(action, &untagged)) else {
            return Ok(None);
        };
        let Some(collection) =
            tags::collection("POST", &built.path).filter(|_| built.method == HttpMethod::Post)
        else {
            return Ok(None);
        };
        let mut params = Params::new().text("limit", "100");
        if let (true, Some(since)) = (collection.by_created, call.since) {
            let from = since.saturating_sub(LOOKUP_SLACK_SECS).to_string();
            params = params.param(
                "created",
                Param::Map(vec![("gte".into(), Param::Text(from))]),
            );
        }
        for needed in &collection.needs {
            if let Some(value) = built.params.get(needed) {
                params = params.param(needed, value.clone());
            }
        }
        if built.path == "/v1/subscriptions" {
            // Stripe lists only subscriptions that are not canceled unless asked.
            params = params.text("status", "all");
            if let Some(c) = built.params.text_of("customer") {
                params = params.text("customer", c);
            }
        }
        let wanted = |o: &Value| {
            call.metadata
                .iter()
                .all(|(k, v)| o["metadata"][k].as_str() == Some(v.as_str()))
        };
        let objects = self.client.list::<Value>(self.auth, &built.path, params);
        futures_util::pin_mut!(objects);
        while let Some(object) = objects.try_next().await.map_err(|e| failure(&e))? {
            if wanted(&object) {
                let result = actions::run::summarise(action, object, None, None);
                return Ok(Some(step_result(result)));
            }
        }
        Ok(None)
    }
}
