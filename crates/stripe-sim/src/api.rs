//! The `/v1` API: authentication, account scoping, permissions, parameter
//! validation, idempotency, and the resource handlers.

use crate::error::ApiError;
use crate::resources::balance;
use crate::spec::Spec;
use crate::state::{gen_id, Data, IdemRecord, State};
use crate::store::ListQuery;
use crate::{form, KeyAccess, Out, Req, DEFAULT_API_VERSION};
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
    Events,
    BalanceTransactions,
}

impl Res {
    fn from_segment(s: &str) -> Option<Res> {
        Some(match s {
            "customers" => Res::Customers,
            "products" => Res::Products,
            "prices" => Res::Prices,
            "plans" => Res::Plans,
            "subscriptions" => Res::Subscriptions,
            "events" => Res::Events,
            "balance_transactions" => Res::BalanceTransactions,
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
            Res::Events => ("rak_event_read", "rak_event_read"),
            Res::BalanceTransactions => (
                "rak_balance_transaction_source_read",
                "rak_balance_transaction_source_read",
            ),
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
}

fn route(method: &str, path: &str) -> Option<Route> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    use Res::*;
    let r = match (method, segs.as_slice()) {
        ("GET", ["v1", "account"]) => Route::Account,
        ("GET", ["v1", "balance"]) => Route::Balance,
        ("GET", ["v1", "customers", "search"]) => Route::Search(Customers),
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
    }
}

/// Context of one request, for events and timestamps.
pub struct Ctx {
    pub now: i64,
    pub livemode: bool,
    pub request_id: String,
    pub idempotency_key: Option<String>,
    pub api_version: String,
    /// Set when the call went through `Stripe-Account`; events then carry it.
    pub connected_account: Option<String>,
}

pub fn handle(st: &mut State, spec: &Spec, req: &Req) -> Out {
    match handle_inner(st, spec, req) {
        Ok(out) => out,
        Err(e) => Out::error(&e),
    }
}

fn handle_inner(st: &mut State, spec: &Spec, req: &Req) -> Result<Out, ApiError> {
    let principal = authenticate(st, req)?;
    let target = req
        .header("stripe-account")
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .unwrap_or(&principal.account_id)
        .to_string();
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
        return Err(ApiError::new(
            404,
            "invalid_request_error",
            format!(
                "Unrecognized request URL ({}: {}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
                req.method, req.path
            ),
        ));
    };

    let params = match req.method.as_str() {
        "POST" => form::decode(&req.body),
        "DELETE" if !req.body.is_empty() => {
            let mut q = form::decode(&req.query);
            if let (Value::Object(q), Value::Object(b)) = (&mut q, form::decode(&req.body)) {
                q.extend(b);
            }
            q
        }
        _ => form::decode(&req.query),
    };

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
        op.validate(&req.method, &params).map_err(|v| {
            let mut e = ApiError::new(400, "invalid_request_error", v.message);
            e.code = v.code.map(str::to_string);
            e.param = Some(v.param);
            e
        })?;
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
    let info = AccountInfo {
        id: account.id.clone(),
        display_name: account.display_name.clone(),
        created: account.created,
    };
    let data = account.data(principal.livemode);

    if let Some(key) = &idem_key {
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

    let mut out = match execute(data, &info, &ctx, route, &params) {
        Ok((status, v)) => Out::json(status, &v),
        Err(e) => Out::error(&e),
    };
    if let Some(key) = idem_key {
        // Stripe keeps the outcome of anything that started executing.
        data.idempotency.insert(
            key.clone(),
            IdemRecord {
                fingerprint,
                status: out.status,
                body: out.body.clone(),
            },
        );
        out.headers.push(("idempotency-key".into(), key));
    }
    Ok(out)
}

struct AccountInfo {
    id: String,
    display_name: String,
    created: i64,
}

// ---- parameter helpers ----

fn ps<'a>(p: &'a Value, k: &str) -> Option<&'a str> {
    p.get(k).and_then(Value::as_str)
}

/// A string param for storage: absent or "" -> null.
fn str_or_null(p: &Value, k: &str) -> Value {
    match ps(p, k) {
        Some(s) if !s.is_empty() => json!(s),
        _ => Value::Null,
    }
}

fn p_int(p: &Value, k: &str) -> Result<Option<i64>, ApiError> {
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

fn p_bool(p: &Value, k: &str) -> Result<Option<bool>, ApiError> {
    match ps(p, k) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(s) => Err(ApiError::invalid(None, k, format!("Invalid boolean: {s}"))),
    }
}

fn require<'a>(p: &'a Value, k: &str) -> Result<&'a Value, ApiError> {
    match p.get(k) {
        Some(v) if v.as_str() != Some("") => Ok(v),
        _ => Err(ApiError::invalid(
            Some("parameter_missing"),
            k,
            format!("Missing required param: {k}."),
        )),
    }
}

fn metadata_new(p: &Value) -> Value {
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
fn metadata_merge(old: &Value, p: &Value) -> Value {
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
fn set(obj: &mut Value, prev: &mut Map<String, Value>, key: &str, new: Value) {
    if obj[key] != new {
        prev.insert(key.to_string(), obj[key].clone());
        obj[key] = new;
    }
}

fn string_array(v: Option<&Value>) -> Vec<String> {
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

fn emit(
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

fn deleted_stub(id: &str, object: &str) -> Value {
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

type Reply = Result<(u16, Value), ApiError>;

fn execute(data: &mut Data, info: &AccountInfo, ctx: &Ctx, route: Route, p: &Value) -> Reply {
    match route {
        Route::Account => Ok((200, account_json(info))),
        Route::Balance => Ok((200, balance::retrieve(data, ctx.now))),
        Route::List(res) => list(data, res, p, ctx.now),
        Route::Search(_) => search_customers(data, p),
        Route::Get(res, id) => {
            let store = match res {
                Res::BalanceTransactions => return Ok((200, balance::get(data, &id, ctx.now)?)),
                Res::Customers => &data.customers,
                Res::Products => &data.products,
                Res::Prices => &data.prices,
                Res::Plans => &data.plans,
                Res::Subscriptions => &data.subscriptions,
                Res::Events => &data.events,
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
    json!({
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
            "dashboard": {"display_name": info.display_name, "timezone": "Etc/UTC"},
        },
        "type": "standard",
    })
}

fn list(data: &Data, res: Res, p: &Value, now: i64) -> Reply {
    let q = ListQuery::from_params(p)?;
    let eq = |k: &str| ps(p, k).filter(|s| !s.is_empty()).map(str::to_string);
    let v = match res {
        Res::Customers => {
            let email = eq("email");
            data.customers.list_json(&q, "/v1/customers", |c| {
                email.as_ref().is_none_or(|e| c["email"] == json!(e))
            })?
        }
        Res::Products => {
            let active = p_bool(p, "active")?;
            let shippable = p_bool(p, "shippable")?;
            let ids = string_array(p.get("ids"));
            let url = eq("url");
            data.products.list_json(&q, "/v1/products", |o| {
                active.is_none_or(|a| o["active"] == json!(a))
                    && shippable.is_none_or(|s| o["shippable"] == json!(s))
                    && (ids.is_empty() || ids.iter().any(|i| o["id"] == json!(i)))
                    && url.as_ref().is_none_or(|u| o["url"] == json!(u))
            })?
        }
        Res::Prices => {
            let active = p_bool(p, "active")?;
            let currency = eq("currency");
            let product = eq("product");
            let kind = eq("type");
            let interval = p
                .pointer("/recurring/interval")
                .and_then(Value::as_str)
                .map(str::to_string);
            let lookup_keys = string_array(p.get("lookup_keys"));
            data.prices.list_json(&q, "/v1/prices", |o| {
                active.is_none_or(|a| o["active"] == json!(a))
                    && currency.as_ref().is_none_or(|c| o["currency"] == json!(c))
                    && product.as_ref().is_none_or(|x| o["product"] == json!(x))
                    && kind.as_ref().is_none_or(|x| o["type"] == json!(x))
                    && interval
                        .as_ref()
                        .is_none_or(|x| o.pointer("/recurring/interval") == Some(&json!(x)))
                    && (lookup_keys.is_empty()
                        || lookup_keys.iter().any(|k| o["lookup_key"] == json!(k)))
            })?
        }
        Res::Plans => {
            let active = p_bool(p, "active")?;
            let product = eq("product");
            data.plans.list_json(&q, "/v1/plans", |o| {
                active.is_none_or(|a| o["active"] == json!(a))
                    && product.as_ref().is_none_or(|x| o["product"] == json!(x))
            })?
        }
        Res::Subscriptions => {
            let customer = eq("customer");
            let status = eq("status");
            let price = eq("price");
            data.subscriptions.list_json(&q, "/v1/subscriptions", |o| {
                let st = o["status"].as_str().unwrap_or_default();
                let status_ok = match status.as_deref() {
                    None => st != "canceled" && st != "incomplete_expired",
                    Some("all") => true,
                    Some(s) => st == s,
                };
                status_ok
                    && customer.as_ref().is_none_or(|c| o["customer"] == json!(c))
                    && price.as_ref().is_none_or(|pr| {
                        o["items"]["data"].as_array().is_some_and(|items| {
                            items.iter().any(|i| i["price"]["id"] == json!(pr))
                        })
                    })
            })?
        }
        Res::Events => {
            let mut types = string_array(p.get("types"));
            if let Some(t) = eq("type") {
                types.push(t);
            }
            data.events.list_json(&q, "/v1/events", |e| {
                let t = e["type"].as_str().unwrap_or_default();
                types.is_empty()
                    || types.iter().any(|want| match want.strip_suffix('*') {
                        Some(prefix) => t.starts_with(prefix),
                        None => t == want,
                    })
            })?
        }
        Res::BalanceTransactions => balance::list(data, p, now)?,
    };
    Ok((200, v))
}

/// `email:'x'`, `name:"y"`, `metadata['k']:'v'`, joined with AND.
fn parse_search(query: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for clause in query.split(" AND ") {
        let clause = clause.trim();
        let (field, value) = clause.split_once(':')?;
        let value = value.trim();
        let quote = value.chars().next()?;
        if (quote != '\'' && quote != '"') || value.len() < 2 || !value.ends_with(quote) {
            return None;
        }
        out.push((
            field.trim().to_string(),
            value[1..value.len() - 1].to_string(),
        ));
    }
    Some(out)
}

fn search_customers(data: &Data, p: &Value) -> Reply {
    let query = require(p, "query")?.as_str().unwrap_or_default();
    let clauses = parse_search(query).ok_or_else(|| {
        ApiError::invalid(
            None,
            "query",
            format!("Invalid query: '{query}'. The query must be a list of field:'value' clauses joined by AND."),
        )
    })?;
    let limit = p_int(p, "limit")?.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid(
            None,
            "limit",
            "Invalid limit: must be between 1 and 100",
        ));
    }
    let offset: usize = ps(p, "page")
        .and_then(|s| s.strip_prefix("page_"))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let matches = |c: &Value| {
        clauses.iter().all(|(field, want)| {
            if let Some(key) = field
                .strip_prefix("metadata[")
                .and_then(|s| s.strip_suffix(']'))
            {
                let key = key.trim_matches(|c| c == '\'' || c == '"');
                c["metadata"][key].as_str() == Some(want)
            } else {
                c[field.as_str()].as_str() == Some(want)
            }
        })
    };
    let found: Vec<Value> = data
        .customers
        .iter()
        .filter(|c| matches(c))
        .skip(offset)
        .take(limit as usize + 1)
        .cloned()
        .collect();
    let more = found.len() > limit as usize;
    let data_out: Vec<Value> = found.into_iter().take(limit as usize).collect();
    let next = more.then(|| format!("page_{}", offset + limit as usize));
    Ok((
        200,
        json!({
            "object": "search_result",
            "data": data_out,
            "has_more": more,
            "next_page": next,
            "url": "/v1/customers/search",
        }),
    ))
}

fn invoice_prefix() -> String {
    gen_id("", 8).to_uppercase()
}

fn create_customer(data: &mut Data, ctx: &Ctx, p: &Value) -> Reply {
    let address = p.get("address").filter(|v| v.is_object()).cloned();
    let obj = json!({
        "id": gen_id("cus_", 14),
        "object": "customer",
        "address": address,
        "balance": p_int(p, "balance")?.unwrap_or(0),
        "created": ctx.now,
        "currency": null,
        "default_source": null,
        "delinquent": false,
        "description": str_or_null(p, "description"),
        "discount": null,
        "email": str_or_null(p, "email"),
        "invoice_prefix": invoice_prefix(),
        "invoice_settings": {
            "custom_fields": null,
            "default_payment_method": null,
            "footer": null,
            "rendering_options": null,
        },
        "livemode": ctx.livemode,
        "metadata": metadata_new(p),
        "name": str_or_null(p, "name"),
        "next_invoice_sequence": 1,
        "phone": str_or_null(p, "phone"),
        "preferred_locales": string_array(p.get("preferred_locales")),
        "shipping": null,
        "tax_exempt": ps(p, "tax_exempt").unwrap_or("none"),
        "test_clock": null,
    });
    emit(data, ctx, "customer.created", &obj, None);
    data.customers.insert(obj.clone());
    Ok((200, obj))
}

fn update_customer(data: &mut Data, ctx: &Ctx, id: &str, p: &Value) -> Reply {
    let balance = p_int(p, "balance")?;
    let Some(obj) = data.customers.get_mut(id) else {
        return Err(ApiError::missing("customer", id, "id"));
    };
    let mut prev = Map::new();
    for k in ["name", "email", "description", "phone"] {
        if p.get(k).is_some() {
            set(obj, &mut prev, k, str_or_null(p, k));
        }
    }
    if let Some(b) = balance {
        set(obj, &mut prev, "balance", json!(b));
    }
    if let Some(a) = p.get("address") {
        let new = if a.is_object() {
            a.clone()
        } else {
            Value::Null
        };
        set(obj, &mut prev, "address", new);
    }
    if p.get("preferred_locales").is_some() {
        set(
            obj,
            &mut prev,
            "preferred_locales",
            json!(string_array(p.get("preferred_locales"))),
        );
    }
    if let Some(t) = ps(p, "tax_exempt") {
        set(obj, &mut prev, "tax_exempt", json!(t));
    }
    let meta = metadata_merge(&obj["metadata"], p);
    set(obj, &mut prev, "metadata", meta);
    let obj = obj.clone();
    if !prev.is_empty() {
        emit(data, ctx, "customer.updated", &obj, Some(prev));
    }
    Ok((200, obj))
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

fn product_json(
    id: String,
    name: &str,
    ctx_now: i64,
    livemode: bool,
    p: &Value,
) -> Result<Value, ApiError> {
    Ok(json!({
        "id": id,
        "object": "product",
        "active": p_bool(p, "active")?.unwrap_or(true),
        "created": ctx_now,
        "default_price": null,
        "description": str_or_null(p, "description"),
        "images": string_array(p.get("images")),
        "livemode": livemode,
        "marketing_features": [],
        "metadata": metadata_new(p),
        "name": name,
        "package_dimensions": null,
        "shippable": p_bool(p, "shippable")?,
        "statement_descriptor": str_or_null(p, "statement_descriptor"),
        "tax_code": str_or_null(p, "tax_code"),
        "type": "service",
        "unit_label": str_or_null(p, "unit_label"),
        "updated": ctx_now,
        "url": str_or_null(p, "url"),
    }))
}

fn create_product(data: &mut Data, ctx: &Ctx, p: &Value) -> Reply {
    let name = require(p, "name")?.as_str().unwrap_or_default().to_string();
    let id = match ps(p, "id").filter(|s| !s.is_empty()) {
        Some(id) if data.products.contains(id) => {
            return Err(ApiError::invalid(
                Some("resource_already_exists"),
                "id",
                "Product already exists.",
            ))
        }
        Some(id) => id.to_string(),
        None => gen_id("prod_", 14),
    };
    let mut obj = product_json(id.clone(), &name, ctx.now, ctx.livemode, p)?;
    // The price refers to the product, so the product goes in first.
    data.products.insert(obj.clone());
    let default_price = match p.get("default_price_data") {
        Some(dp) if dp.is_object() => {
            let mut dp = dp.clone();
            dp["product"] = json!(id);
            match build_price(data, ctx, &dp, "default_price_data") {
                Ok(price) => Some(price),
                Err(e) => {
                    data.products.remove(&id);
                    return Err(e);
                }
            }
        }
        _ => None,
    };
    if let Some(price) = &default_price {
        obj["default_price"] = price["id"].clone();
        data.products.insert(obj.clone());
    }
    emit(data, ctx, "product.created", &obj, None);
    if let Some(price) = default_price {
        emit(data, ctx, "price.created", &price, None);
        data.prices.insert(price);
    }
    Ok((200, obj))
}

fn update_product(data: &mut Data, ctx: &Ctx, id: &str, p: &Value) -> Reply {
    let active = p_bool(p, "active")?;
    let shippable = p_bool(p, "shippable")?;
    if let Some(dp) = ps(p, "default_price").filter(|s| !s.is_empty()) {
        if !data.prices.contains(dp) {
            return Err(ApiError::invalid(
                Some("resource_missing"),
                "default_price",
                format!("No such price: '{dp}'"),
            ));
        }
    }
    let Some(obj) = data.products.get_mut(id) else {
        return Err(ApiError::missing("product", id, "id"));
    };
    let mut prev = Map::new();
    if let Some(n) = ps(p, "name").filter(|s| !s.is_empty()) {
        set(obj, &mut prev, "name", json!(n));
    }
    for k in [
        "description",
        "statement_descriptor",
        "tax_code",
        "unit_label",
        "url",
        "default_price",
    ] {
        if p.get(k).is_some() {
            set(obj, &mut prev, k, str_or_null(p, k));
        }
    }
    if let Some(a) = active {
        set(obj, &mut prev, "active", json!(a));
    }
    if let Some(s) = shippable {
        set(obj, &mut prev, "shippable", json!(s));
    }
    if p.get("images").is_some() {
        set(
            obj,
            &mut prev,
            "images",
            json!(string_array(p.get("images"))),
        );
    }
    let meta = metadata_merge(&obj["metadata"], p);
    set(obj, &mut prev, "metadata", meta);
    if !prev.is_empty() {
        obj["updated"] = json!(ctx.now);
    }
    let obj = obj.clone();
    if !prev.is_empty() {
        emit(data, ctx, "product.updated", &obj, Some(prev));
    }
    Ok((200, obj))
}

/// Builds a price from create params (also `default_price_data`), checking the product.
fn build_price(data: &mut Data, ctx: &Ctx, p: &Value, prefix: &str) -> Result<Value, ApiError> {
    let name = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}[{k}]")
        }
    };
    let currency = require(p, "currency")
        .map_err(|_| {
            ApiError::invalid(
                Some("parameter_missing"),
                &name("currency"),
                format!("Missing required param: {}.", name("currency")),
            )
        })?
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    let product = match (
        ps(p, "product").filter(|s| !s.is_empty()),
        p.get("product_data"),
    ) {
        (Some(prod), _) => {
            if !data.products.contains(prod) {
                return Err(ApiError::invalid(
                    Some("resource_missing"),
                    &name("product"),
                    format!("No such product: '{prod}'"),
                ));
            }
            prod.to_string()
        }
        (None, Some(pd)) if pd.is_object() => {
            let pname = require(pd, "name")
                .map_err(|_| {
                    ApiError::invalid(
                        Some("parameter_missing"),
                        "product_data[name]",
                        "Missing required param: product_data[name].",
                    )
                })?
                .as_str()
                .unwrap_or_default()
                .to_string();
            let prod = product_json(gen_id("prod_", 14), &pname, ctx.now, ctx.livemode, pd)?;
            let id = prod["id"].as_str().unwrap_or_default().to_string();
            emit(data, ctx, "product.created", &prod, None);
            data.products.insert(prod);
            id
        }
        _ => {
            return Err(ApiError::invalid(
                Some("parameter_missing"),
                &name("product"),
                format!("Missing required param: {}.", name("product")),
            ))
        }
    };
    let unit_amount =
        match p_int(p, "unit_amount").map_err(|e| e.with_param(&name("unit_amount")))? {
            Some(a) => Some(a),
            None => ps(p, "unit_amount_decimal")
                .and_then(|s| s.parse::<f64>().ok())
                .map(|f| f.round() as i64),
        };
    let custom = p.get("custom_unit_amount").is_some();
    let tiered = ps(p, "billing_scheme") == Some("tiered");
    if unit_amount.is_none() && !custom && !tiered {
        return Err(ApiError::invalid(
            Some("parameter_missing"),
            &name("unit_amount"),
            format!("Missing required param: {}.", name("unit_amount")),
        ));
    }
    let recurring = match p.get("recurring") {
        Some(r) if r.is_object() => {
            let interval = ps(r, "interval").unwrap_or("month");
            let count = p_int(r, "interval_count")?.unwrap_or(1);
            json!({
                "interval": interval,
                "interval_count": count,
                "meter": null,
                "trial_period_days": p_int(r, "trial_period_days")?,
                "usage_type": ps(r, "usage_type").unwrap_or("licensed"),
            })
        }
        _ => Value::Null,
    };
    let kind = if recurring.is_null() {
        "one_time"
    } else {
        "recurring"
    };
    Ok(json!({
        "id": gen_id("price_", 24),
        "object": "price",
        "active": p_bool(p, "active")?.unwrap_or(true),
        "billing_scheme": if tiered { "tiered" } else { "per_unit" },
        "created": ctx.now,
        "currency": currency,
        "custom_unit_amount": null,
        "livemode": ctx.livemode,
        "lookup_key": str_or_null(p, "lookup_key"),
        "metadata": metadata_new(p),
        "nickname": str_or_null(p, "nickname"),
        "product": product,
        "recurring": recurring,
        "tax_behavior": ps(p, "tax_behavior").unwrap_or("unspecified"),
        "tiers_mode": null,
        "transform_quantity": null,
        "type": kind,
        "unit_amount": unit_amount,
        "unit_amount_decimal": unit_amount.map(|a| a.to_string()),
    }))
}

fn create_price(data: &mut Data, ctx: &Ctx, p: &Value) -> Reply {
    let obj = build_price(data, ctx, p, "")?;
    emit(data, ctx, "price.created", &obj, None);
    data.prices.insert(obj.clone());
    Ok((200, obj))
}

fn update_price(data: &mut Data, ctx: &Ctx, id: &str, p: &Value) -> Reply {
    let active = p_bool(p, "active")?;
    let Some(obj) = data.prices.get_mut(id) else {
        return Err(ApiError::missing("price", id, "id"));
    };
    let mut prev = Map::new();
    if let Some(a) = active {
        set(obj, &mut prev, "active", json!(a));
    }
    for k in ["nickname", "lookup_key"] {
        if p.get(k).is_some() {
            set(obj, &mut prev, k, str_or_null(p, k));
        }
    }
    if let Some(t) = ps(p, "tax_behavior") {
        set(obj, &mut prev, "tax_behavior", json!(t));
    }
    let meta = metadata_merge(&obj["metadata"], p);
    set(obj, &mut prev, "metadata", meta);
    let obj = obj.clone();
    if !prev.is_empty() {
        emit(data, ctx, "price.updated", &obj, Some(prev));
    }
    Ok((200, obj))
}

fn create_plan(data: &mut Data, ctx: &Ctx, p: &Value) -> Reply {
    let currency = require(p, "currency")?
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    let interval = require(p, "interval")?
        .as_str()
        .unwrap_or_default()
        .to_string();
    let amount = p_int(p, "amount")?;
    let product = match p.get("product") {
        Some(Value::String(id)) if !id.is_empty() => {
            if !data.products.contains(id) {
                return Err(ApiError::invalid(
                    Some("resource_missing"),
                    "product",
                    format!("No such product: '{id}'"),
                ));
            }
            id.clone()
        }
        Some(pd) if pd.is_object() => {
            let pname = require(pd, "name")
                .map_err(|e| e.with_param("product[name]"))?
                .as_str()
                .unwrap_or_default()
                .to_string();
            let id = ps(pd, "id")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| gen_id("prod_", 14));
            let prod = product_json(id.clone(), &pname, ctx.now, ctx.livemode, pd)?;
            emit(data, ctx, "product.created", &prod, None);
            data.products.insert(prod);
            id
        }
        _ => {
            return Err(ApiError::invalid(
                Some("parameter_missing"),
                "product",
                "Missing required param: product.",
            ))
        }
    };
    let id = match ps(p, "id").filter(|s| !s.is_empty()) {
        Some(id) if data.plans.contains(id) => {
            return Err(ApiError::invalid(
                Some("resource_already_exists"),
                "id",
                "Plan already exists.",
            ))
        }
        Some(id) => id.to_string(),
        None => gen_id("plan_", 24),
    };
    let obj = json!({
        "id": id,
        "object": "plan",
        "active": p_bool(p, "active")?.unwrap_or(true),
        "amount": amount,
        "amount_decimal": amount.map(|a| a.to_string()),
        "billing_scheme": ps(p, "billing_scheme").unwrap_or("per_unit"),
        "created": ctx.now,
        "currency": currency,
        "interval": interval,
        "interval_count": p_int(p, "interval_count")?.unwrap_or(1),
        "livemode": ctx.livemode,
        "metadata": metadata_new(p),
        "meter": null,
        "nickname": str_or_null(p, "nickname"),
        "product": product,
        "tiers_mode": null,
        "transform_usage": null,
        "trial_period_days": p_int(p, "trial_period_days")?,
        "usage_type": ps(p, "usage_type").unwrap_or("licensed"),
    });
    emit(data, ctx, "plan.created", &obj, None);
    data.plans.insert(obj.clone());
    Ok((200, obj))
}

fn update_plan(data: &mut Data, ctx: &Ctx, id: &str, p: &Value) -> Reply {
    let active = p_bool(p, "active")?;
    let trial = p_int(p, "trial_period_days")?;
    let Some(obj) = data.plans.get_mut(id) else {
        return Err(ApiError::missing("plan", id, "id"));
    };
    let mut prev = Map::new();
    if let Some(a) = active {
        set(obj, &mut prev, "active", json!(a));
    }
    if p.get("nickname").is_some() {
        set(obj, &mut prev, "nickname", str_or_null(p, "nickname"));
    }
    if let Some(t) = trial {
        set(obj, &mut prev, "trial_period_days", json!(t));
    }
    if let Some(prod) = ps(p, "product") {
        set(obj, &mut prev, "product", json!(prod));
    }
    let meta = metadata_merge(&obj["metadata"], p);
    set(obj, &mut prev, "metadata", meta);
    let obj = obj.clone();
    if !prev.is_empty() {
        emit(data, ctx, "plan.updated", &obj, Some(prev));
    }
    Ok((200, obj))
}

/// A plan-shaped view of a recurring price (subscription items carry both).
pub fn plan_from_price(price: &Value) -> Value {
    json!({
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": price["billing_scheme"],
        "created": price["created"],
        "currency": price["currency"],
        "interval": price["recurring"]["interval"],
        "interval_count": price["recurring"]["interval_count"],
        "livemode": price["livemode"],
        "metadata": price["metadata"],
        "meter": null,
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": null,
        "transform_usage": null,
        "trial_period_days": null,
        "usage_type": "licensed",
    })
}

/// A price-shaped view of a plan.
pub fn price_from_plan(plan: &Value) -> Value {
    json!({
        "id": plan["id"],
        "object": "price",
        "active": plan["active"],
        "billing_scheme": plan["billing_scheme"],
        "created": plan["created"],
        "currency": plan["currency"],
        "custom_unit_amount": null,
        "livemode": plan["livemode"],
        "lookup_key": null,
        "metadata": plan["metadata"],
        "nickname": plan["nickname"],
        "product": plan["product"],
        "recurring": {
            "interval": plan["interval"],
            "interval_count": plan["interval_count"],
            "meter": null,
            "trial_period_days": plan["trial_period_days"],
            "usage_type": plan["usage_type"],
        },
        "tax_behavior": "unspecified",
        "tiers_mode": null,
        "transform_quantity": null,
        "type": "recurring",
        "unit_amount": plan["amount"],
        "unit_amount_decimal": plan["amount_decimal"],
    })
}

// Calendar arithmetic (Howard Hinnant's civil-days algorithms), so monthly
// periods end on the same day of the next month as Stripe's do.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn add_interval(ts: i64, interval: &str, count: i64) -> i64 {
    const DAY: i64 = 86_400;
    match interval {
        "day" => ts + DAY * count,
        "week" => ts + 7 * DAY * count,
        _ => {
            let months = if interval == "year" {
                12 * count
            } else {
                count
            };
            let (y, m, d) = civil_from_days(ts.div_euclid(DAY));
            let total = y * 12 + (m - 1) + months;
            let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
            let last = days_from_civil(ny + i64::from(nm == 12), nm % 12 + 1, 1)
                - days_from_civil(ny, nm, 1);
            days_from_civil(ny, nm, d.min(last)) * DAY + ts.rem_euclid(DAY)
        }
    }
}

/// Builds a subscription object; used by the API and by seeding.
pub fn build_subscription(
    data: &Data,
    customer: &str,
    items: &[(String, i64, Value)],
    now: i64,
    livemode: bool,
    extra: &Value,
) -> Result<Value, ApiError> {
    let id = gen_id("sub_", 24);
    let mut item_objs = Vec::new();
    let mut period_end = None;
    let mut currency = Value::Null;
    for (i, (price_id, quantity, metadata)) in items.iter().enumerate() {
        let (price, plan) = if let Some(pr) = data.prices.get(price_id) {
            (pr.clone(), plan_from_price(pr))
        } else if let Some(pl) = data.plans.get(price_id) {
            (price_from_plan(pl), pl.clone())
        } else {
            let kind = if extra.get("_by_plan").is_some() {
                "plan"
            } else {
                "price"
            };
            return Err(ApiError::invalid(
                Some("resource_missing"),
                &format!("items[{i}][{kind}]"),
                format!("No such {kind}: '{price_id}'"),
            ));
        };
        if price["type"] != json!("recurring") {
            return Err(ApiError::invalid(
                None,
                &format!("items[{i}][price]"),
                "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.",
            ));
        }
        let interval = price["recurring"]["interval"].as_str().unwrap_or("month");
        let count = price["recurring"]["interval_count"].as_i64().unwrap_or(1);
        let end = add_interval(now, interval, count);
        period_end.get_or_insert(end);
        currency = price["currency"].clone();
        item_objs.push(json!({
            "id": gen_id("si_", 14),
            "object": "subscription_item",
            "created": now,
            "current_period_end": end,
            "current_period_start": now,
            "discounts": [],
            "metadata": metadata,
            "plan": plan,
            "price": price,
            "quantity": quantity,
            "subscription": id,
            "tax_rates": [],
        }));
    }
    let trial_days = extra
        .get("trial_period_days")
        .and_then(Value::as_i64)
        .filter(|d| *d > 0);
    let (status, trial_start, trial_end) = match trial_days {
        Some(d) => ("trialing", json!(now), json!(now + d * 86_400)),
        None => ("active", Value::Null, Value::Null),
    };
    Ok(json!({
        "id": id,
        "object": "subscription",
        "application": null,
        "billing_cycle_anchor": now,
        "cancel_at": null,
        "cancel_at_period_end": extra.get("cancel_at_period_end").and_then(Value::as_bool).unwrap_or(false),
        "canceled_at": null,
        "collection_method": extra.get("collection_method").and_then(Value::as_str).unwrap_or("charge_automatically"),
        "created": now,
        "currency": currency,
        "customer": customer,
        "days_until_due": extra.get("days_until_due").cloned().unwrap_or(Value::Null),
        "default_payment_method": null,
        "description": extra.get("description").cloned().unwrap_or(Value::Null),
        "discounts": [],
        "ended_at": null,
        "items": {
            "object": "list",
            "data": item_objs,
            "has_more": false,
            "total_count": items.len(),
            "url": format!("/v1/subscription_items?subscription={id}"),
        },
        "latest_invoice": null,
        "livemode": livemode,
        "metadata": extra.get("metadata").cloned().unwrap_or_else(|| json!({})),
        "start_date": now,
        "status": status,
        "trial_end": trial_end,
        "trial_start": trial_start,
        "current_period_end": period_end,
        "current_period_start": now,
    }))
}

fn create_subscription(data: &mut Data, ctx: &Ctx, p: &Value) -> Reply {
    let customer = require(p, "customer")?
        .as_str()
        .unwrap_or_default()
        .to_string();
    let items_param = match p.get("items") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        Some(Value::Object(m)) if !m.is_empty() => m.values().cloned().collect(),
        _ => {
            return Err(ApiError::invalid(
                Some("parameter_missing"),
                "items",
                "Missing required param: items.",
            ))
        }
    };
    if !data.customers.contains(&customer) {
        return Err(ApiError::invalid(
            Some("resource_missing"),
            "customer",
            format!("No such customer: '{customer}'"),
        ));
    }
    let mut items = Vec::new();
    let mut by_plan = false;
    for (i, it) in items_param.iter().enumerate() {
        let price = ps(it, "price").or_else(|| {
            by_plan = true;
            ps(it, "plan")
        });
        let Some(price) = price.filter(|s| !s.is_empty()) else {
            return Err(ApiError::invalid(
                Some("parameter_missing"),
                &format!("items[{i}][price]"),
                format!("Missing required param: items[{i}][price]."),
            ));
        };
        let quantity = p_int(it, "quantity")
            .map_err(|e| e.with_param(&format!("items[{i}][quantity]")))?
            .unwrap_or(1);
        items.push((price.to_string(), quantity, metadata_new(it)));
    }
    let mut extra = json!({
        "metadata": metadata_new(p),
        "description": str_or_null(p, "description"),
        "trial_period_days": p_int(p, "trial_period_days")?,
        "cancel_at_period_end": p_bool(p, "cancel_at_period_end")?,
        "collection_method": ps(p, "collection_method"),
        "days_until_due": p_int(p, "days_until_due")?,
    });
    if by_plan {
        extra["_by_plan"] = json!(true);
    }
    let obj = build_subscription(data, &customer, &items, ctx.now, ctx.livemode, &extra)?;
    emit(data, ctx, "customer.subscription.created", &obj, None);
    data.subscriptions.insert(obj.clone());
    Ok((200, obj))
}

fn update_subscription(data: &mut Data, ctx: &Ctx, id: &str, p: &Value) -> Reply {
    let cancel_at_period_end = p_bool(p, "cancel_at_period_end")?;
    let Some(obj) = data.subscriptions.get_mut(id) else {
        return Err(ApiError::missing("subscription", id, "id"));
    };
    let mut prev = Map::new();
    if p.get("description").is_some() {
        set(obj, &mut prev, "description", str_or_null(p, "description"));
    }
    if let Some(c) = cancel_at_period_end {
        set(obj, &mut prev, "cancel_at_period_end", json!(c));
        let at = if c {
            obj["current_period_end"].clone()
        } else {
            Value::Null
        };
        set(obj, &mut prev, "cancel_at", at);
    }
    let meta = metadata_merge(&obj["metadata"], p);
    set(obj, &mut prev, "metadata", meta);
    let obj = obj.clone();
    if !prev.is_empty() {
        emit(data, ctx, "customer.subscription.updated", &obj, Some(prev));
    }
    Ok((200, obj))
}

fn cancel_subscription(data: &mut Data, ctx: &Ctx, id: &str) -> Reply {
    let Some(obj) = data.subscriptions.get_mut(id) else {
        return Err(ApiError::missing("subscription", id, "id"));
    };
    if obj["status"] == json!("canceled") {
        return Err(ApiError::invalid(
            None,
            "id",
            format!("A canceled subscription can only update its cancellation_details and metadata. (subscription {id})"),
        ));
    }
    obj["status"] = json!("canceled");
    obj["canceled_at"] = json!(ctx.now);
    obj["ended_at"] = json!(ctx.now);
    let obj = obj.clone();
    emit(data, ctx, "customer.subscription.deleted", &obj, None);
    Ok((200, obj))
}

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

    #[test]
    fn month_arithmetic() {
        // 2024-01-31 00:00 UTC + 1 month = 2024-02-29
        let jan31 = days_from_civil(2024, 1, 31) * 86_400;
        assert_eq!(
            civil_from_days(add_interval(jan31, "month", 1) / 86_400),
            (2024, 2, 29)
        );
        assert_eq!(
            civil_from_days(add_interval(jan31, "year", 1) / 86_400),
            (2025, 1, 31)
        );
        let dec15 = days_from_civil(2023, 12, 15) * 86_400 + 3600;
        assert_eq!(add_interval(dec15, "month", 1) % 86_400, 3600);
        assert_eq!(
            civil_from_days(add_interval(dec15, "month", 1) / 86_400),
            (2024, 1, 15)
        );
    }
}
