//! Running an action: check the form, send it through the one Stripe
//! client with the caller's idempotency key, and summarise the answer.

use super::{form, Action, Display, FilledForm, HttpMethod, SummaryField};
use crate::error::{Code, Error};
use crate::money;
use crate::stripe::Params;
use crate::stripe::{Auth, IdempotencyKey, Request, StripeClient, PAGE_SIZE};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// One line of a result: a label and the value in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SummaryRow {
    pub label: String,
    pub value: String,
    /// The value is an ID (shown one click away, with Copy).
    pub copy: bool,
    /// Unix time, for dates the window shows in the user's locale.
    #[ts(type = "number | null")]
    pub timestamp: Option<i64>,
    /// The ID behind a name ("Maria Lopez" is `cus_...`), one click away.
    #[serde(default)]
    pub id: Option<String>,
    /// The value is a page of Stripe's to give the customer: Copy and Open.
    #[serde(default)]
    pub link: bool,
}

/// Also kept in a workflow run's record (a done step shows it as this
/// screen does), hence `Deserialize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ActionResult {
    pub action_id: String,
    /// "Created", "Found", "Updated", "3 customers", "This customer was deleted".
    pub headline: String,
    /// The object's summary (for lists: empty; see `items`).
    pub rows: Vec<SummaryRow>,
    /// For lists: each item's summary.
    pub items: Vec<Vec<SummaryRow>>,
    pub has_more: bool,
    /// The related list's items (a product's prices), and why it is
    /// missing if fetching it failed.
    pub related: Vec<Vec<SummaryRow>>,
    pub related_error: Option<String>,
    /// For paging: the first and last ID on this page, and a search's next page.
    pub first_id: Option<String>,
    pub last_id: Option<String>,
    pub next_page: Option<String>,
    /// Stripe's `Request-Id` and `Idempotent-Replayed`; `None` until the
    /// client reports them.
    pub request_id: Option<String>,
    pub replayed: Option<bool>,
    /// Stripe's HTTP status (200), shown with the request to any endpoint.
    pub status: Option<u16>,
    /// Said above the result: how it was found when not as asked (search
    /// unavailable, so the exact-email filter was used).
    pub note: Option<String>,
    /// The object in the Stripe Dashboard (test or live path, and the
    /// connected account when there is one), for the system browser.
    pub dashboard_url: Option<String>,
    /// Stripe's whole answer, for the JSON toggle and workflow references.
    #[ts(type = "unknown")]
    pub json: Value,
}

/// One submission of a form: its ID, kept across every try of it and
/// written into what a create makes (`metadata[stripe_desk_submission]`),
/// and which try this is. The idempotency key is the ID for the first try;
/// after Stripe answered a try with a 5xx (which it keeps under that key
/// and replays for 24 hours) the window counts a new try, which first looks
/// for what the earlier one may have made, then sends under a new key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Submission {
    /// Checked as it comes in from the window, like every key.
    pub id: IdempotencyKey,
    pub attempt: u32,
}

/// The metadata key a submission's create carries.
pub const SUBMISSION_METADATA_KEY: &str = "stripe_desk_submission";

impl Submission {
    pub fn first(id: IdempotencyKey) -> Self {
        Submission { id, attempt: 0 }
    }

    /// This try's key: the submission's own, then `<id>-<try>`; refused
    /// when the submission's key leaves no room for the try's number.
    pub fn idempotency_key(&self) -> Result<IdempotencyKey, Error> {
        match self.attempt {
            0 => Ok(self.id.clone()),
            n => IdempotencyKey::new(format!("{}-{n}", self.id)),
        }
    }
}

/// Whether the action makes a new object that keeps metadata, so a try can
/// tag it and a later try find it: the catalog's creates (a request to any
/// endpoint is not tagged: not every endpoint takes metadata).
fn tags(action: &Action) -> bool {
    action.writes
        && action.method == HttpMethod::Post
        && !action.changes_only
        && action
            .fields
            .iter()
            .any(|f| f.kind == super::FieldKind::Metadata)
}

/// Carries out a submission: on a later try of a create, first looks for
/// what an earlier try made (the workflows' own look-up, by the
/// submission's metadata), and only then sends, under this try's key.
pub async fn submit(
    client: &StripeClient,
    auth: &Auth,
    action: &Action,
    filled: &FilledForm,
    submission: &Submission,
) -> Result<ActionResult, Error> {
    if !tags(action) {
        return run(client, auth, action, filled, &submission.idempotency_key()?).await;
    }
    let tag = (
        SUBMISSION_METADATA_KEY.to_owned(),
        submission.id.to_string(),
    );
    if submission.attempt > 0 {
        let fields: serde_json::Map<String, Value> = filled
            .values
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), serde_json::to_value(v).ok()?)))
            .collect();
        let call = crate::workflows::engine::StepCall {
            action: action.id.clone(),
            fields,
            idempotency_key: None,
            metadata: vec![tag.clone()],
            // The earlier try was made from this window, in this session:
            // within a day (the window keeps no time of its first try).
            since: Some(jiff::Timestamp::now().as_second() - 24 * 60 * 60),
        };
        let steps = crate::workflows::ActionSteps { client, auth };
        use crate::workflows::engine::StepExecutor;
        let found = steps.find_created(&call).await.map_err(|f| {
            Error::invalid(
                Code::LookUpFailed,
                format!("Stripe had a problem with the earlier try, and looking for what it may have made failed too: {} Nothing new was sent.", f.reason),
                None,
            )
        })?;
        if let Some(found) = found {
            let mut shown = found
                .shown
                .map(|b| *b)
                .unwrap_or_else(|| summarise(action, Value::Null, None, None));
            shown.json = found.output;
            shown.headline = "Already created by the earlier try".into();
            shown.note = Some(
                "Stripe had a problem answering the earlier try, but it had made this: nothing new was made.".into(),
            );
            shown.dashboard_url = dashboard_url(&shown.json, auth);
            return Ok(shown);
        }
    }
    let mut tagged = filled.clone();
    let target = action
        .fields
        .iter()
        .find(|f| f.kind == super::FieldKind::Metadata)
        .map(|f| f.id.clone())
        .unwrap_or_default();
    let mut rows = match tagged.values.remove(&target) {
        Some(super::FieldValue::Rows(rows)) => rows,
        _ => Vec::new(),
    };
    rows.retain(|r| r.key != tag.0);
    rows.push(super::KeyValueRow {
        key: tag.0,
        value: tag.1,
    });
    tagged.values.insert(target, super::FieldValue::Rows(rows));
    // An update form's `original` never holds the tag: it is always sent.
    run(
        client,
        auth,
        action,
        &tagged,
        &submission.idempotency_key()?,
    )
    .await
}

/// Checks the form, sends it with `idempotency_key` (one key per
/// submission: a retry or "Try again" of the same submission passes the
/// same key, so Stripe creates at most one object), and summarises the
/// answer. A form mistake comes back as `Error::Invalid` naming the field;
/// a Stripe refusal has its `param` turned into the form's field id.
pub async fn run(
    client: &StripeClient,
    auth: &Auth,
    action: &Action,
    filled: &FilledForm,
    idempotency_key: &IdempotencyKey,
) -> Result<ActionResult, Error> {
    let built = form::build(action, filled).map_err(|errors| {
        let first = &errors[0];
        let more = if errors.len() > 1 {
            format!(" ({} more fields need attention.)", errors.len() - 1)
        } else {
            String::new()
        };
        Error::Invalid {
            code: Code::InvalidForm,
            message: format!("{}{more}", first.message),
            param: Some(first.field.clone()),
        }
    })?;
    let mut params = built.params;
    if !action.result.expand.is_empty() {
        // Names and amounts instead of IDs, in the same answer.
        params = params.param(
            "expand",
            crate::stripe::Param::Flat(action.result.expand.clone()),
        );
    }
    let request = match built.method {
        HttpMethod::Get => Request::get(built.path),
        HttpMethod::Post => Request::post(built.path),
        HttpMethod::Delete => Request::delete(built.path),
    }
    .params(params)
    .idempotency_key(idempotency_key.clone());
    let answer = client
        .send_full(auth, &request)
        .await
        .map_err(|e| at_field(action, e))?;
    // Stripe's `Idempotent-Replayed: true`: this same submission was
    // carried out before (a retry or "Try again" after a lost answer).
    let replayed = (built.method == HttpMethod::Post).then_some(answer.idempotent_replayed);
    let mut result = summarise(action, answer.body, answer.request_id, replayed);
    // What a workflow reads keeps Stripe's IDs where they were asked expanded.
    collapse(&mut result.json, &action.result.expand);
    result.status = Some(answer.status);
    result.dashboard_url = dashboard_url(&result.json, auth);
    if let Some(related) = &action.result.related {
        let id = result
            .json
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(id) = id.filter(|_| result.json.get("deleted").is_none()) {
            let list = Request::get(&related.path).params(
                Params::new()
                    .text(&related.filter, id)
                    .text("limit", PAGE_SIZE.to_string()),
            );
            match client.send(auth, &list).await {
                Ok(page) => {
                    let items = page.get("data").and_then(Value::as_array);
                    result.related = items
                        .into_iter()
                        .flatten()
                        .map(|o| rows_of(&related.summary, o))
                        .collect();
                }
                // The object itself was found: show it, and say what is missing.
                Err(e) => result.related_error = Some(e.plain_message()),
            }
        }
    }
    Ok(result)
}

/// Stripe names the parameter it refused; the window shows it at the field
/// that produced it. A refusal the catalog knows (one naming no parameter)
/// becomes its plain words at its field.
fn at_field(action: &Action, e: Error) -> Error {
    if let Error::Stripe { error, .. } = &e {
        let says = error.message.as_deref().unwrap_or_default();
        if let Some(known) = action
            .refusals
            .iter()
            .find(|r| says.starts_with(&r.stripe_says))
        {
            return Error::invalid(Code::Refused, known.words.clone(), Some(&known.field));
        }
    }
    match e {
        Error::Stripe {
            status,
            mut error,
            request_id,
        } => {
            if let Some(field) = error
                .param
                .as_deref()
                .and_then(|p| action.field_for_param(p))
            {
                error.param = Some(field.id.clone());
            }
            Error::Stripe {
                status,
                error,
                request_id,
            }
        }
        other => other,
    }
}

/// Builds the readable summary from Stripe's answer.
pub fn summarise(
    action: &Action,
    json: Value,
    request_id: Option<String>,
    replayed: Option<bool>,
) -> ActionResult {
    let noun = json
        .get("object")
        .and_then(Value::as_str)
        .unwrap_or("object")
        .replace('_', " ");
    let mut result = ActionResult {
        action_id: action.id.clone(),
        headline: String::new(),
        rows: Vec::new(),
        items: Vec::new(),
        has_more: json
            .get("has_more")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        related: Vec::new(),
        related_error: None,
        dashboard_url: None,
        first_id: None,
        last_id: None,
        next_page: json
            .get("next_page")
            .and_then(Value::as_str)
            .map(str::to_owned),
        request_id,
        replayed,
        status: None,
        note: None,
        json: Value::Null,
    };
    if action.result.list {
        let data = json
            .get("data")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let id = |v: Option<&Value>| {
            v.and_then(|o| o.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        result.first_id = id(data.first());
        result.last_id = id(data.last());
        result.items = data.iter().map(|o| rows(action, o)).collect();
        // A page is a page: "Customers", with "Showing 10" and Next
        // beside it; never a count Stripe did not give.
        result.headline = if data.is_empty() {
            "Nothing found".into()
        } else {
            capitalised(&action.result.noun)
        };
    } else if json.get("deleted").and_then(Value::as_bool) == Some(true) {
        result.headline = format!("This {noun} was deleted");
        result.rows = rows(action, &json);
    } else {
        result.headline = match (action.writes, action.changes_only, replayed) {
            (true, _, Some(true)) => "Already created by this same request".into(),
            (true, true, _) => "Updated".into(),
            (true, false, _) if action.id == "any_endpoint" => "Done".into(),
            (true, false, _) => "Created".into(),
            _ => "Found".into(),
        };
        result.rows = rows(action, &json);
    }
    result.json = json;
    result
}

fn rows(action: &Action, object: &Value) -> Vec<SummaryRow> {
    rows_of(&action.result.summary, object)
}

fn rows_of(summary: &[SummaryField], object: &Value) -> Vec<SummaryRow> {
    summary
        .iter()
        .filter_map(|f| {
            if let Some(only) = &f.only_if {
                let at = lookup(object, &only.field).and_then(Value::as_str)?;
                if !only.values.iter().any(|v| v == at) {
                    return None;
                }
            }
            let v = lookup(object, &f.path)?;
            let (value, timestamp) = match &f.display {
                Display::Text => (plain(v)?, None),
                Display::Id => (
                    v.as_str()
                        .or_else(|| v.get("id").and_then(Value::as_str))?
                        .to_owned(),
                    None,
                ),
                Display::Money { currency } => {
                    let cur = lookup(object, currency).and_then(Value::as_str)?;
                    (money::format(v.as_i64()?, cur), None)
                }
                Display::Date => {
                    let t = v.as_i64()?;
                    (utc_date(t), Some(t))
                }
                Display::Status => (status_words(v.as_str()?), None),
                Display::YesNo => ((if v.as_bool()? { "Yes" } else { "No" }).to_owned(), None),
                Display::Recurring {
                    currency,
                    interval,
                    count,
                } => {
                    let cur = lookup(object, currency).and_then(Value::as_str)?;
                    let amount = money::format(v.as_i64()?, cur);
                    let every = lookup(object, interval).and_then(Value::as_str);
                    let n = lookup(object, count).and_then(Value::as_i64).unwrap_or(1);
                    let value = match every {
                        Some(unit) if n == 1 => format!("{amount} / {unit}"),
                        Some(unit) => format!("{amount} every {n} {unit}s"),
                        None => amount,
                    };
                    (value, None)
                }
                Display::Link => (v.as_str()?.to_owned(), None),
                Display::Words { words } => {
                    let code = v.as_str()?;
                    let said = words.iter().find(|w| w.value == code);
                    (
                        said.map_or_else(|| status_words(code), |w| w.label.clone()),
                        None,
                    )
                }
            };
            let id = f
                .id_path
                .as_deref()
                .and_then(|p| lookup(object, p))
                .and_then(Value::as_str)
                .map(str::to_owned);
            Some(SummaryRow {
                label: f.label.clone(),
                value,
                copy: f.display == Display::Id,
                timestamp,
                id,
                link: f.display == Display::Link,
            })
        })
        .collect()
}

/// A dotted path; through a list it follows the first element.
fn lookup<'a>(object: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = object;
    for seg in path.split('.') {
        if let Value::Array(items) = v {
            v = items.first()?;
        }
        v = v.get(seg)?;
    }
    (!v.is_null()).then_some(v)
}

fn plain(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// "balance transactions" -> "Balance transactions".
fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Puts the IDs back where `expand` put objects (`customer`,
/// `data.items.data.price.product`), so the JSON a workflow reads is the
/// shape Stripe gives without expanding.
pub fn collapse(json: &mut Value, expand: &[String]) {
    fn at(v: &mut Value, segments: &[&str]) {
        let Some((first, rest)) = segments.split_first() else {
            return;
        };
        if let Value::Array(items) = v {
            for item in items {
                at(item, segments);
            }
            return;
        }
        let Some(child) = v.get_mut(*first) else {
            return;
        };
        if rest.is_empty() {
            if let Some(id) = child.get("id").cloned() {
                *child = id;
            }
        } else {
            at(child, rest);
        }
    }
    // Deepest first: a product inside an item's price before the price.
    let mut paths: Vec<&String> = expand.iter().collect();
    paths.sort_by_key(|p| std::cmp::Reverse(p.matches('.').count()));
    for path in paths {
        let segments: Vec<&str> = path.split('.').collect();
        at(json, &segments);
    }
}

/// `past_due` -> "Past due".
fn status_words(s: &str) -> String {
    let words = s.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// "2026-01-31 14:05 UTC"; the window shows `timestamp` in the user's locale.
fn utc_date(t: i64) -> String {
    match jiff::Timestamp::from_second(t) {
        Ok(at) => at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        // Out of jiff's range (years -9999..=9999): say the number.
        Err(_) => t.to_string(),
    }
}

/// Where the Dashboard shows an object: `/test` for test mode, the
/// connected account's id first when acting on one.
pub fn dashboard_url(object: &Value, auth: &Auth) -> Option<String> {
    let id = object.get("id").and_then(Value::as_str)?;
    if object.get("deleted").is_some() {
        return None;
    }
    let section = match object.get("object").and_then(Value::as_str)? {
        "customer" => "customers",
        "product" => "products",
        "price" => "prices",
        "plan" => "plans",
        "subscription" => "subscriptions",
        "balance_transaction" => "balance/transactions",
        _ => return None,
    };
    let account = auth
        .stripe_account
        .as_deref()
        .map(|a| format!("{a}/"))
        .unwrap_or_default();
    let mode = match auth.mode {
        crate::views::Mode::Test => "test/",
        crate::views::Mode::Live => "",
    };
    Some(format!("{DASHBOARD}{account}{mode}{section}/{id}"))
}

pub const DASHBOARD: &str = "https://dashboard.stripe.com/";

/// Where a customer pays a finalized invoice (`hosted_invoice_url`).
pub const HOSTED_INVOICE: &str = "https://invoice.stripe.com/i/";

/// Only Stripe's own pages are opened in the browser: the Dashboard
/// addresses this app makes, and hosted invoice (payment) pages.
pub fn is_dashboard_url(url: &str) -> bool {
    [DASHBOARD, HOSTED_INVOICE].iter().any(|base| {
        url.strip_prefix(base).is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_".contains(c))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use crate::views::Mode;
    use serde_json::json;

    fn auth(mode: Mode, account: Option<&str>) -> Auth {
        Auth {
            secret: Secret::new("sk_test_x"),
            mode,
            stripe_account: account.map(str::to_owned),
        }
    }

    #[test]
    fn dashboard_links_follow_mode_and_account() {
        let cus = json!({"id": "cus_1", "object": "customer"});
        assert_eq!(
            dashboard_url(&cus, &auth(Mode::Test, None)).unwrap(),
            "https://dashboard.stripe.com/test/customers/cus_1"
        );
        assert_eq!(
            dashboard_url(&cus, &auth(Mode::Live, Some("acct_9"))).unwrap(),
            "https://dashboard.stripe.com/acct_9/customers/cus_1"
        );
        let gone = json!({"id": "cus_1", "object": "customer", "deleted": true});
        assert_eq!(dashboard_url(&gone, &auth(Mode::Test, None)), None);
        assert!(is_dashboard_url(
            "https://dashboard.stripe.com/test/customers/cus_1"
        ));
        assert!(!is_dashboard_url(
            "https://dashboard.stripe.com.evil.example/x"
        ));
        assert!(!is_dashboard_url("https://dashboard.stripe.com/x?y=1"));
        assert!(!is_dashboard_url("javascript:alert(1)"));
        assert!(is_dashboard_url(
            "https://invoice.stripe.com/i/acct_1Shop/test_YWNjdF8xTXl"
        ));
        assert!(!is_dashboard_url("https://invoice.stripe.com.evil/i/x"));
    }

    #[test]
    fn status_words_and_dates() {
        assert_eq!(status_words("past_due"), "Past due");
        assert_eq!(utc_date(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_date(1_769_873_100), "2026-01-31 15:25 UTC");
    }
}
