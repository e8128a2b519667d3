//! The `/v1` API: authentication, account scoping, permissions, parameter
//! validation, idempotency, and the resource handlers.

use crate::error::ApiError;
use crate::resources::customers::{create_customer, search_customers, update_customer};
use crate::resources::plans::{create_plan, update_plan};
use crate::resources::products::{create_price, create_product, update_price, update_product};
pub use crate::resources::subscriptions::build_subscription;
use crate::resources::subscriptions::{
    cancel_subscription, create_subscription, update_subscription,
};
use crate::resources::{
    balance, customers, events, invoices, payment_methods, plans, products, subscriptions,
};
use crate::spec::Spec;
use crate::state::{gen_id, Data, IdemRecord, State, IDEMPOTENCY_KEY_LIFETIME_SECS};
use crate::store::ListQuery;
use crate::{form, Failure, KeyAccess, Out, Req, DEFAULT_API_VERSION};
use serde_json::{json, Map, Value};

pub struct Principal {
    pub key: String,
    pub account_id: String,
    pub livemode: bool,
    pub access: KeyAccess,
}

/// Stripe's redaction: the prefix (`sk_test_`) and the last four characters.
pub fn mask_key(key: &str) -> String {
    let prefix_len = key
        .match_indices('_')
        .nth(1)
        .map(|(i, _)| i + 1)
        .filter(|i| *i <= 8)
        .unwrap_or_else(|| key.len().min(3));
    if key.len() <= prefix_len + 4 {
        return format!("{}****", &key[..prefix_len.min(key.len())]);
    }
    let last4 = &key[key.len() - 4..];
    let stars = "*".repeat((key.len() - prefix_len - 4).max(4));
    format!("{}{stars}{last4}", &key[..prefix_len])
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.trim().bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        buf = (buf << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The key from `Authorization: Bearer <key>` or Basic with the key as user.
pub fn request_key(req: &Req) -> Option<String> {
    let h = req.header("authorization")?.trim();
    let (scheme, rest) = h.split_once(' ')?;
    let rest = rest.trim();
    let key = if scheme.eq_ignore_ascii_case("bearer") {
        rest.to_string()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let raw = String::from_utf8(base64_decode(rest)?).ok()?;
        raw.split(':').next().unwrap_or_default().to_string()
    } else {
        return None;
    };
    (!key.is_empty()).then_some(key)
}

fn unauthorized(message: String) -> ApiError {
    ApiError::new(401, "invalid_request_error", message)
}

/// Resolves the caller's key to an account; `Err` is the 401 to send.
pub fn authenticate(st: &State, req: &Req) -> Result<Principal, ApiError> {
    let Some(key) = request_key(req) else {
        return Err(unauthorized(
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.".into(),
        ));
    };
    if key.starts_with("pk_") {
        return Err(unauthorized(
            "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.".into(),
        ));
    }
    let Some(rec) = st.keys.get(&key) else {
        return Err(
            unauthorized(format!("Invalid API Key provided: {}", mask_key(&key)))
                .with_code(Some("api_key_invalid")),
        );
    };
    let expired = rec.expires_at.is_some_and(|t| st.now() >= t);
    if rec.revoked || expired {
        return Err(
            unauthorized(format!("Expired API Key provided: {}", mask_key(&key)))
                .with_code(Some("api_key_expired")),
        );
    }
    Ok(Principal {
        key,
        account_id: rec.account_id.clone(),
        livemode: rec.livemode,
        access: rec.access.clone(),
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Res {
    Customers,
    Products,
    Prices,
    Plans,
    Subscriptions,
    Invoices,
    PaymentMethods,
    Events,
    BalanceTransactions,
    Payouts,
}

impl Res {
    fn from_segment(s: &str) -> Option<Res> {
        Some(match s {
            "customers" => Res::Customers,
            "products" => Res::Products,
            "prices" => Res::Prices,
            "plans" => Res::Plans,
            "subscriptions" => Res::Subscriptions,
            "invoices" => Res::Invoices,
            "payment_methods" => Res::PaymentMethods,
            "events" => Res::Events,
            "balance_transactions" => Res::BalanceTransactions,
            "payouts" => Res::Payouts,
            _ => return None,
        })
    }
    /// (read, write) restricted-key permissions.
    fn permissions(self) -> (&'static str, &'static str) {
        match self {
            Res::Customers => ("rak_customer_read", "rak_customer_write"),
            Res::Products => ("rak_product_read", "rak_product_write"),
            Res::Prices => ("rak_price_read", "rak_price_write"),
            Res::Plans => ("rak_plan_read", "rak_plan_write"),
            Res::Subscriptions => ("rak_subscription_read", "rak_subscription_write"),
            Res::Invoices => ("rak_invoice_read", "rak_invoice_write"),
            Res::PaymentMethods => ("rak_payment_method_read", "rak_payment_method_write"),
            Res::Events => ("rak_event_read", "rak_event_read"),
            Res::BalanceTransactions => (
                "rak_balance_transaction_source_read",
                "rak_balance_transaction_source_read",
            ),
            Res::Payouts => ("rak_payout_read", "rak_payout_write"),
        }
    }
}

#[derive(Debug)]
enum Route {
    Account,
    Balance,
    List(Res),
    Create(Res),
    Search(Res),
    Get(Res, String),
    Update(Res, String),
    Delete(Res, String),
    /// `POST /v1/payment_methods/{id}/attach`.
    Attach(String),
    /// `GET /v1/customers/{id}/payment_methods`.
    CustomerPaymentMethods(String),
}

fn route(method: &str, path: &str) -> Option<Route> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    use Res::*;
    let r = match (method, segs.as_slice()) {
        ("GET", ["v1", "account"]) => Route::Account,
        ("GET", ["v1", "balance"]) => Route::Balance,
        ("GET", ["v1", "customers", "search"]) => Route::Search(Customers),
        ("POST", ["v1", "payment_methods", id, "attach"]) if !id.is_empty() => {
            Route::Attach(id.to_string())
        }
        ("GET", ["v1", "customers", id, "payment_methods"]) if !id.is_empty() => {
            Route::CustomerPaymentMethods(id.to_string())
        }
        ("GET", ["v1", res]) => Route::List(Res::from_segment(res)?),
        ("POST", ["v1", res]) => match Res::from_segment(res)? {
            r @ (Customers | Products | Prices | Plans | Subscriptions) => Route::Create(r),
            _ => return None,
        },
        ("GET", ["v1", res, id]) if !id.is_empty() => {
            Route::Get(Res::from_segment(res)?, id.to_string())
        }
        ("POST", ["v1", res, id]) if !id.is_empty() => match Res::from_segment(res)? {
            r @ (Customers | Products | Prices | Plans | Subscriptions) => {
                Route::Update(r, id.to_string())
            }
            _ => return None,
        },
        ("DELETE", ["v1", res, id]) if !id.is_empty() => match Res::from_segment(res)? {
            r @ (Customers | Products | Plans | Subscriptions) => Route::Delete(r, id.to_string()),
            _ => return None,
        },
        _ => return None,
    };
    Some(r)
}

/// The permission a restricted key needs for a route (None: any key will do).
fn needed_permission(route: &Route) -> Option<(&'static str, Option<&'static str>)> {
    match route {
        Route::Account => None,
        Route::Balance => Some(("rak_balance_read", None)),
        Route::List(r) | Route::Search(r) | Route::Get(r, _) => {
            let (read, write) = r.permissions();
            Some((read, Some(write)))
        }
        Route::Create(r) | Route::Update(r, _) | Route::Delete(r, _) => {
            Some((r.permissions().1, None))
        }
        Route::Attach(_) => Some((Res::PaymentMethods.permissions().1, None)),
        Route::CustomerPaymentMethods(_) => {
            let (read, write) = Res::PaymentMethods.permissions();
            Some((read, Some(write)))
        }
    }
}

/// Context of one request, for events and timestamps.
pub struct Ctx {
    pub now: i64,
    /// The account the request acts on (hosted invoice pages name it).
    pub account_id: String,
    pub livemode: bool,
    pub request_id: String,
    pub idempotency_key: Option<String>,
    pub api_version: String,
    /// Set when the call went through `Stripe-Account`; events then carry it.
    pub connected_account: Option<String>,
}

/// Carries out one API request. `failure`: an injected 500 that happens once
/// the endpoint has started (after authentication and parameter checks), so
/// Stripe keeps it under the request's idempotency key like any answer.
pub fn handle(st: &mut State, spec: &Spec, req: &Req, failure: Option<Failure>) -> Out {
    match handle_inner(st, spec, req, failure) {
        Ok(out) => out,
        Err(e) => Out::error(&e),
    }
}

fn handle_inner(
    st: &mut State,
    spec: &Spec,
    req: &Req,
    failure: Option<Failure>,
) -> Result<Out, ApiError> {
    let principal = authenticate(st, req)?;
    let target = req
        .header("stripe-account")
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .unwrap_or(&principal.account_id)
        .to_string();
    // A restricted key acts for a connected account only with a Connect
    // permission ("All Connect resources" in the key editor); Stripe says so
    // before it looks at the account.
    if let KeyAccess::Restricted(perms) = &principal.access {
        let connect = perms
            .iter()
            .any(|p| p.starts_with("rak_connected_account_"));
        if target != principal.account_id && !connect {
            return Err(ApiError::new(
                403,
                "invalid_request_error",
                "You passed a restricted API key with the Stripe-Account header, but the restricted API key does not have any Connect permissions.",
            ));
        }
    }
    if !st.accounts.contains_key(&target) || !st.has_access(&principal.account_id, &target) {
        return Err(ApiError::new(
            403,
            "invalid_request_error",
            format!(
                "The provided key '{}' does not have access to account '{}' (or that account does not exist). Application access may have been revoked.",
                mask_key(&principal.key),
                target
            ),
        )
        .with_code(Some("account_invalid")));
    }
    let Some(route) = route(&req.method, &req.path) else {
        // Stripe checks the parameters against the endpoint before it looks
        // for the object: `metadata` sent to finalize an invoice is
        // "Received unknown parameter: metadata" even here, where the
        // simulator has no invoices.
        if let Some(op) = spec.find(&req.method, &req.path) {
            op.validate(&req.method, &decode_params(req))
                .map_err(violation)?;
        }
        return Err(ApiError::new(
            404,
            "invalid_request_error",
            format!(
                "Unrecognized request URL ({}: {}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
                req.method, req.path
            ),
        ));
    };

    let params = decode_params(req);

    if let (KeyAccess::Restricted(perms), Some((needed, also))) =
        (&principal.access, needed_permission(&route))
    {
        let allowed = perms.contains(needed) || also.is_some_and(|w| perms.contains(w));
        if !allowed {
            return Err(ApiError::new(
                403,
                "invalid_request_error",
                format!(
                    "The provided key '{}' does not have the required permissions for this endpoint on account '{}'. Having the '{}' permission would allow this request to continue.",
                    mask_key(&principal.key),
                    target,
                    needed
                ),
            ));
        }
    }

    if let Some(op) = spec.find(&req.method, &req.path) {
        op.validate(&req.method, &params).map_err(violation)?;
    }

    let idem_key = (req.method == "POST")
        .then(|| req.header("idempotency-key"))
        .flatten()
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    let fingerprint = format!(
        "{} {} {}",
        req.method,
        req.path,
        serde_json::to_string(&params).unwrap_or_default()
    );
    let ctx = Ctx {
        now: st.now(),
        account_id: target.clone(),
        livemode: principal.livemode,
        request_id: req.request_id.clone(),
        idempotency_key: idem_key.clone(),
        api_version: req
            .header("stripe-version")
            .unwrap_or(DEFAULT_API_VERSION)
            .to_string(),
        connected_account: (target != principal.account_id).then(|| target.clone()),
    };
    let account = st.accounts.get_mut(&target).expect("checked above");
    if account.search_unavailable && matches!(route, Route::Search(_)) {
        // Stripe's wording where search is not offered (see stripe/stripe-node users' reports).
        return Err(ApiError::new(
            400,
            "invalid_request_error",
            "The search feature is temporarily unavailable in your region.",
        ));
    }
    let info = AccountInfo {
        id: account.id.clone(),
        display_name: account.display_name.clone(),
        created: (!account.created_omitted).then_some(account.created),
        timezone: account.timezone.clone(),
    };
    let data = account.data(principal.livemode);

    if let Some(key) = &idem_key {
        let expired = data
            .idempotency
            .get(key)
            .is_some_and(|rec| ctx.now - rec.created > IDEMPOTENCY_KEY_LIFETIME_SECS);
        if expired {
            data.idempotency.remove(key);
        }
        if let Some(rec) = data.idempotency.get(key) {
            if rec.fingerprint != fingerprint {
                return Err(ApiError::new(
                    400,
                    "idempotency_error",
                    format!(
                        "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
                    ),
                )
                .with_header("idempotency-key", key));
            }
            return Ok(Out {
                status: rec.status,
                headers: vec![
                    ("idempotent-replayed".into(), "true".into()),
                    ("idempotency-key".into(), key.clone()),
                ],
                body: rec.body.clone(),
                content_type: "application/json",
            });
        }
    }

    let mut out = match failure {
        // Stripe failed partway: with `CommitThen500` after the object was
        // made. Either way the 500 is the answer kept under the key.
        Some(f) => {
            if f == Failure::CommitThen500 {
                let _ = execute(data, &info, &ctx, route, &params);
            }
            crate::failure_out(f)
        }
        None => match execute(data, &info, &ctx, route, &params)
            .and_then(|(status, v)| Ok((status, expand(data, v, &params)?)))
        {
            Ok((status, v)) => Out::json(status, &v),
            Err(e) => Out::error(&e),
        },
    };
    if let Some(key) = idem_key {
        // Stripe keeps the outcome of anything that started executing.
        data.idempotency.insert(
            key.clone(),
            IdemRecord {
                fingerprint,
                status: out.status,
                body: out.body.clone(),
                created: ctx.now,
            },
        );
        out.headers.push(("idempotency-key".into(), key));
    }
    Ok(out)
}

/// A request's parameters: the form body of a POST, the query otherwise
/// (a DELETE may carry both).
fn decode_params(req: &Req) -> Value {
    match req.method.as_str() {
        "POST" => form::decode(&req.body),
        "DELETE" if !req.body.is_empty() => {
            let mut q = form::decode(&req.query);
            if let (Value::Object(q), Value::Object(b)) = (&mut q, form::decode(&req.body)) {
                q.extend(b);
            }
            q
        }
        _ => form::decode(&req.query),
    }
}

fn violation(v: crate::spec::Violation) -> ApiError {
    let mut e = ApiError::new(400, "invalid_request_error", v.message);
    e.code = v.code.map(str::to_string);
    e.param = Some(v.param);
    e
}

struct AccountInfo {
    id: String,
    display_name: String,
    /// `None`: left out of the account object.
    created: Option<i64>,
    timezone: String,
}

// ---- parameter helpers ----

pub(crate) fn ps<'a>(p: &'a Value, k: &str) -> Option<&'a str> {
    p.get(k).and_then(Value::as_str)
}

/// A string param for storage: absent or "" -> null.
pub(crate) fn str_or_null(p: &Value, k: &str) -> Value {
    match ps(p, k) {
        Some(s) if !s.is_empty() => json!(s),
        _ => Value::Null,
    }
}

pub(crate) fn p_int(p: &Value, k: &str) -> Result<Option<i64>, ApiError> {
    match p.get(k) {
        None => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(v) => v
            .as_str()
            .and_then(|s| s.parse().ok())
            .map(Some)
            .ok_or_else(|| {
                ApiError::invalid(
                    Some("parameter_invalid_integer"),
                    k,
                    format!("Invalid integer: {}", v.as_str().unwrap_or("{...}")),
                )
            }),
    }
}

pub(crate) fn p_bool(p: &Value, k: &str) -> Result<Option<bool>, ApiError> {
    match ps(p, k) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(s) => Err(ApiError::invalid(None, k, format!("Invalid boolean: {s}"))),
    }
}

pub(crate) fn require<'a>(p: &'a Value, k: &str) -> Result<&'a Value, ApiError> {
    match p.get(k) {
        Some(v) if v.as_str() != Some("") => Ok(v),
        _ => Err(ApiError::invalid(
            Some("parameter_missing"),
            k,
            format!("Missing required param: {k}."),
        )),
    }
}

pub(crate) fn metadata_new(p: &Value) -> Value {
    let mut m = Map::new();
    if let Some(given) = p.get("metadata").and_then(form::as_object_lenient) {
        for (k, v) in given {
            if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
                m.insert(k, json!(s));
            }
        }
    }
    Value::Object(m)
}

/// Stripe's metadata update: `metadata=` clears, `metadata[k]=` removes k.
pub(crate) fn metadata_merge(old: &Value, p: &Value) -> Value {
    match p.get("metadata") {
        None => old.clone(),
        Some(Value::String(_)) => json!({}),
        Some(given) => {
            let mut m = old.as_object().cloned().unwrap_or_default();
            for (k, v) in form::as_object_lenient(given).unwrap_or_default() {
                match v.as_str() {
                    Some("") | None => {
                        m.remove(&k);
                    }
                    Some(s) => {
                        m.insert(k, json!(s));
                    }
                }
            }
            Value::Object(m)
        }
    }
}

/// Sets a field, remembering the old value for the event's previous_attributes.
pub(crate) fn set(obj: &mut Value, prev: &mut Map<String, Value>, key: &str, new: Value) {
    if obj[key] != new {
        prev.insert(key.to_string(), obj[key].clone());
        obj[key] = new;
    }
}

pub(crate) fn string_array(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

pub fn make_event(
    kind: &str,
    object: Value,
    previous: Option<Map<String, Value>>,
    created: i64,
    livemode: bool,
    api_version: &str,
    request: Value,
) -> Value {
    let mut data = json!({ "object": object });
    if let Some(prev) = previous {
        data["previous_attributes"] = Value::Object(prev);
    }
    json!({
        "id": gen_id("evt_", 24),
        "object": "event",
        "api_version": api_version,
        "created": created,
        "data": data,
        "livemode": livemode,
        "pending_webhooks": 0,
        "request": request,
        "type": kind,
    })
}

pub(crate) fn emit(
    data: &mut Data,
    ctx: &Ctx,
    kind: &str,
    object: &Value,
    previous: Option<Map<String, Value>>,
) {
    let mut ev = make_event(
        kind,
        object.clone(),
        previous,
        ctx.now,
        ctx.livemode,
        &ctx.api_version,
        json!({"id": ctx.request_id, "idempotency_key": ctx.idempotency_key}),
    );
    if let Some(a) = &ctx.connected_account {
        ev["account"] = json!(a);
    }
    data.events.insert(ev);
}

pub(crate) fn deleted_stub(id: &str, object: &str) -> Value {
    json!({"id": id, "object": object, "deleted": true})
}

fn get_or_404(
    store: &crate::store::Store<Value>,
    deleted: &std::collections::HashMap<String, &'static str>,
    id: &str,
) -> Result<Value, ApiError> {
    if let Some(v) = store.get(id) {
        return Ok(v.clone());
    }
    if let Some(object) = deleted.get(id) {
        return Ok(deleted_stub(id, object));
    }
    Err(ApiError::missing(store.noun(), id, "id"))
}

pub(crate) type Reply = Result<(u16, Value), ApiError>;

fn execute(data: &mut Data, info: &AccountInfo, ctx: &Ctx, route: Route, p: &Value) -> Reply {
    match route {
        Route::Account => Ok((200, account_json(info))),
        Route::Balance => Ok((200, balance::retrieve(data, ctx.now))),
        Route::List(res) => {
            if res == Res::Subscriptions {
                subscriptions::expire_incomplete(data, ctx.now);
            }
            list(data, res, p, ctx.now)
        }
        Route::Search(_) => search_customers(data, p),
        Route::Attach(id) => payment_methods::attach(data, ctx, &id, p),
        Route::CustomerPaymentMethods(customer) => {
            let q = ListQuery::from_params(p)?;
            Ok((200, payment_methods::list(data, &q, p, Some(&customer))?))
        }
        Route::Get(res, id) => {
            if res == Res::Subscriptions {
                subscriptions::expire_incomplete(data, ctx.now);
            }
            let store = match res {
                Res::BalanceTransactions => return Ok((200, balance::get(data, &id, ctx.now)?)),
                Res::Payouts => return Ok((200, balance::get_payout(data, &id, ctx.now)?)),
                Res::Customers => &data.customers,
                Res::Products => &data.products,
                Res::Prices => &data.prices,
                Res::Plans => &data.plans,
                Res::Subscriptions => &data.subscriptions,
                Res::Invoices => &data.invoices,
                Res::PaymentMethods => &data.payment_methods,
                Res::Events => return Ok((200, events::retrieve(data, &id, ctx.now)?)),
            };
            Ok((200, get_or_404(store, &data.deleted, &id)?))
        }
        Route::Create(Res::Customers) => create_customer(data, ctx, p),
        Route::Create(Res::Products) => create_product(data, ctx, p),
        Route::Create(Res::Prices) => create_price(data, ctx, p),
        Route::Create(Res::Plans) => create_plan(data, ctx, p),
        Route::Create(Res::Subscriptions) => create_subscription(data, ctx, p),
        Route::Update(Res::Customers, id) => update_customer(data, ctx, &id, p),
        Route::Update(Res::Products, id) => update_product(data, ctx, &id, p),
        Route::Update(Res::Prices, id) => update_price(data, ctx, &id, p),
        Route::Update(Res::Plans, id) => update_plan(data, ctx, &id, p),
        Route::Update(Res::Subscriptions, id) => update_subscription(data, ctx, &id, p),
        Route::Delete(Res::Customers, id) => delete_simple(data, ctx, Res::Customers, &id),
        Route::Delete(Res::Products, id) => {
            if data.prices.iter().any(|pr| pr["product"] == json!(id)) {
                return Err(ApiError::new(
                    400,
                    "invalid_request_error",
                    "This product cannot be deleted because it has one or more user-created prices.",
                ));
            }
            delete_simple(data, ctx, Res::Products, &id)
        }
        Route::Delete(Res::Plans, id) => delete_simple(data, ctx, Res::Plans, &id),
        Route::Delete(Res::Subscriptions, id) => cancel_subscription(data, ctx, &id),
        Route::Create(_) | Route::Update(..) | Route::Delete(..) => Err(ApiError::new(
            404,
            "invalid_request_error",
            "Unrecognized request URL.",
        )),
    }
}

/// The store an expandable field's ID lives in, by the field's name
/// (`customer`, `latest_invoice`, `default_payment_method`, ...).
fn expandable<'a>(data: &'a Data, field: &str) -> Option<&'a crate::store::Store<Value>> {
    Some(match field {
        "customer" => &data.customers,
        "product" => &data.products,
        "price" | "default_price" => &data.prices,
        "plan" => &data.plans,
        "subscription" => &data.subscriptions,
        "latest_invoice" | "invoice" => &data.invoices,
        "default_payment_method" | "payment_method" => &data.payment_methods,
        _ => return None,
    })
}

/// Stripe's `expand[]`: each dotted path (`latest_invoice`,
/// `items.data.price.product`, `data.customer` in a list) has the IDs along
/// it replaced by their objects. A path through something that is not an
/// expandable ID is refused in Stripe's words. "Expansions have a maximum
/// depth of four levels (for example, the deepest expansion allowed when
/// listing subscriptions is `data.items.data.price.product`)": four dots.
fn expand(data: &Data, mut answer: Value, params: &Value) -> Result<Value, ApiError> {
    for path in string_array(params.get("expand")) {
        let segments: Vec<&str> = path.split('.').collect();
        if segments.len() > 5 {
            return Err(ApiError::invalid(
                None,
                "expand",
                format!("You cannot expand more than 4 levels of a property. Property: {path}"),
            ));
        }
        expand_at(data, &mut answer, &segments)?;
    }
    Ok(answer)
}

fn expand_at(data: &Data, at: &mut Value, segments: &[&str]) -> Result<(), ApiError> {
    let Some((first, rest)) = segments.split_first() else {
        return Ok(());
    };
    if let Value::Array(items) = at {
        for item in items {
            expand_at(data, item, segments)?;
        }
        return Ok(());
    }
    let cannot = || {
        ApiError::invalid(
            None,
            "expand",
            format!("This property cannot be expanded ({first})."),
        )
    };
    let Some(child) = at.get_mut(*first) else {
        return Err(cannot());
    };
    if let Some(id) = child.as_str().map(str::to_string) {
        let store = expandable(data, first).ok_or_else(cannot)?;
        if let Some(object) = store.get(&id) {
            *child = object.clone();
        } else if let Some(object) = data.deleted.get(&id) {
            *child = deleted_stub(&id, object);
        }
    } else if rest.is_empty() && !child.is_null() && !child.is_object() {
        return Err(cannot());
    }
    if child.is_null() {
        return Ok(());
    }
    expand_at(data, child, rest)
}

fn account_json(info: &AccountInfo) -> Value {
    let slug: String = info
        .display_name
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let slug = if slug.is_empty() {
        "account".into()
    } else {
        slug
    };
    let mut account = json!({
        "id": info.id,
        "object": "account",
        "business_profile": {
            "mcc": null,
            "name": info.display_name,
            "product_description": null,
            "support_email": null,
            "url": null,
        },
        "business_type": "company",
        "capabilities": {"card_payments": "active", "transfers": "active"},
        "charges_enabled": true,
        "country": "US",
        "created": info.created,
        "default_currency": "usd",
        "details_submitted": true,
        "email": format!("owner@{slug}.example.com"),
        "metadata": {},
        "payouts_enabled": true,
        "settings": {
            "dashboard": {"display_name": info.display_name, "timezone": info.timezone},
        },
        "type": "standard",
    });
    if info.created.is_none() {
        // Left out, not null: the field is absent from such an account's record.
        account.as_object_mut().map(|a| a.remove("created"));
    }
    account
}

fn list(data: &Data, res: Res, p: &Value, now: i64) -> Reply {
    let q = ListQuery::from_params(p)?;
    let v = match res {
        Res::Customers => customers::list(data, &q, p)?,
        Res::Products => products::list_products(data, &q, p)?,
        Res::Prices => products::list_prices(data, &q, p)?,
        Res::Plans => plans::list(data, &q, p)?,
        Res::Subscriptions => subscriptions::list(data, &q, p)?,
        Res::Invoices => invoices::list(data, &q, p)?,
        Res::PaymentMethods => payment_methods::list(data, &q, p, None)?,
        Res::Events => events::list(data, q, p, now)?,
        Res::BalanceTransactions => balance::list(data, p, now)?,
        Res::Payouts => balance::list_payouts(data, &q, p, now)?,
    };
    Ok((200, v))
}

fn delete_simple(data: &mut Data, ctx: &Ctx, res: Res, id: &str) -> Reply {
    let (store, object, event) = match res {
        Res::Customers => (&mut data.customers, "customer", "customer.deleted"),
        Res::Products => (&mut data.products, "product", "product.deleted"),
        Res::Plans => (&mut data.plans, "plan", "plan.deleted"),
        _ => unreachable!("only simple deletes"),
    };
    let Some(obj) = store.remove(id) else {
        return Err(ApiError::missing(store.noun(), id, "id"));
    };
    data.deleted.insert(id.to_string(), object);
    emit(data, ctx, event, &obj, None);
    Ok((200, deleted_stub(id, object)))
}

// Calendar arithmetic (Howard Hinnant's civil-days algorithms), so monthly
// periods end on the same day of the next month as Stripe's do.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keys_like_stripe() {
        assert_eq!(mask_key("sk_test_abcdefgh1234"), "sk_test_********1234");
        assert_eq!(mask_key("rk_live_x1111"), "rk_live_****1111");
        assert_eq!(mask_key("rk_live_x11"), "rk_live_****");
        assert!(mask_key("weird").starts_with("wei"));
    }

    #[test]
    fn basic_auth_decodes() {
        // "sk_test_x:" in base64
        assert_eq!(base64_decode("c2tfdGVzdF94Og==").unwrap(), b"sk_test_x:");
    }
}
