//! A local, stateful Stripe simulator for tests and the demo.
//!
//! It listens on 127.0.0.1, keeps objects in memory per account and mode,
//! speaks Stripe's wire format (form-encoded requests, JSON responses, list
//! cursors, idempotency keys, Connect and Stripe Apps OAuth), optionally
//! validates parameters against Stripe's OpenAPI description, and has knobs
//! for latency, rate limits and injected failures.

mod api;
pub mod demo;
mod error;
pub mod form;
mod oauth;
mod resources;
mod seed;
mod spec;
mod state;
mod store;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::{json, Value};
use state::State;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use resources::balance::Charge;
pub use resources::events::{Payment, Trigger};
pub use spec::{Spec, SpecSource, BUNDLED_SPEC_FILE};

/// Stripe-Version sent back when the request names none.
pub const DEFAULT_API_VERSION: &str = "2026-05-27.dahlia";

#[derive(Debug, Clone, Default)]
pub struct SimConfig {
    /// 0 picks a free port.
    pub port: u16,
    /// The OpenAPI description requests are checked against (always one).
    pub spec: SpecSource,
}

impl SimConfig {
    /// A free port, checked against the OpenAPI description this repository carries.
    pub fn bundled() -> SimConfig {
        SimConfig::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAccess {
    Full,
    /// Permission names such as `rak_customer_read`.
    Restricted(BTreeSet<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 500 with an `api_error` body; nothing happens. Like any answer to a
    /// request that started executing, Stripe keeps it under the request's
    /// idempotency key and replays it for 24 hours.
    ServerError500,
    /// The request is carried out, then Stripe fails with a 500 (kept under
    /// the idempotency key like `ServerError500`): the object exists though
    /// the answer says Stripe had a problem.
    CommitThen500,
    /// The connection closes without a response; nothing happens.
    DropConnection,
    /// The request is carried out (and its idempotency record kept), then the
    /// connection closes without a response.
    CommitThenDrop,
    /// 429 with code `rate_limit`.
    RateLimited429,
    /// 429 with code `lock_timeout`.
    LockTimeout429,
    /// 500 with `Stripe-Should-Retry: false`.
    ShouldRetryFalse500,
}

impl Failure {
    /// Parses the variant name (case-insensitive), as used by `/_sim/fail_next`.
    pub fn parse(s: &str) -> Option<Failure> {
        let all = [
            Failure::ServerError500,
            Failure::CommitThen500,
            Failure::DropConnection,
            Failure::CommitThenDrop,
            Failure::RateLimited429,
            Failure::LockTimeout429,
            Failure::ShouldRetryFalse500,
        ];
        all.into_iter()
            .find(|f| format!("{f:?}").eq_ignore_ascii_case(s))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeedSpec {
    pub customers: usize,
    pub products: usize,
    pub subscriptions: usize,
    pub balance_transactions: usize,
    pub rng_seed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: String,
    /// Lowercase names, in arrival order.
    pub headers: Vec<(String, String)>,
    /// 0 when the connection was dropped without a response.
    pub status: u16,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthKind {
    Connect,
    Apps,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthDecision {
    /// The user approves as this account (created if it doesn't exist).
    Approve {
        account_id: String,
    },
    Deny,
}

pub(crate) struct Inner {
    state: Mutex<State>,
    spec: Arc<Spec>,
    addr: SocketAddr,
    /// API requests being answered now, and the most seen at once.
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

/// Handle to a running simulator; cheap to clone.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

/// Makes hyper close the connection without writing a response.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the simulator")
    }
}

impl std::error::Error for DropConnection {}

/// A request as the handlers see it.
pub(crate) struct Req {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub request_id: String,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A response before it becomes HTTP.
pub(crate) struct Out {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub content_type: &'static str,
}

impl Out {
    pub fn json(status: u16, v: &Value) -> Out {
        Out {
            status,
            headers: Vec::new(),
            body: serde_json::to_vec(v).unwrap_or_default(),
            content_type: "application/json",
        }
    }
    pub fn text(status: u16, s: &str) -> Out {
        Out {
            status,
            headers: Vec::new(),
            body: s.as_bytes().to_vec(),
            content_type: "text/plain; charset=utf-8",
        }
    }
    pub fn error(e: &error::ApiError) -> Out {
        let mut o = Out::json(e.status, &e.body());
        o.headers.extend(e.headers.iter().cloned());
        o
    }
}

impl Simulator {
    pub async fn start(config: SimConfig) -> std::io::Result<Simulator> {
        let source = config.spec.clone();
        let spec = tokio::task::spawn_blocking(move || Spec::load(&source))
            .await
            .map_err(std::io::Error::other)??;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            state: Mutex::new(State::new()),
            spec,
            addr,
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
        });
        let server = inner.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let inner = server.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| serve(inner.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Ok(Simulator { inner })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    pub fn port(&self) -> u16 {
        self.inner.addr.port()
    }

    /// Adds an account, or renames it if it exists.
    pub fn add_account(&self, id: &str, display_name: &str) {
        self.state().ensure_account(id, display_name).display_name = display_name.to_string();
    }

    /// Connects `account_id` to the platform `platform_account` (as a
    /// finished Connect OAuth flow would): the platform's keys may then act
    /// on it with `Stripe-Account`.
    pub fn connect_account(&self, platform_account: &str, account_id: &str) {
        let mut st = self.state();
        st.ensure_account(account_id, account_id);
        st.connections.push(state::Connection {
            client_id: "ca_sim_connected".into(),
            platform_account: platform_account.into(),
            account_id: account_id.into(),
            kind: OAuthKind::Connect,
            active: true,
        });
    }

    /// Disconnects `account_id` from the platform (the account owner removed
    /// the platform's access): `Stripe-Account` calls for it get Stripe's 403.
    pub fn disconnect_account(&self, platform_account: &str, account_id: &str) {
        let mut st = self.state();
        let found: Vec<usize> = st
            .connections
            .iter()
            .enumerate()
            .filter(|(_, c)| c.platform_account == platform_account && c.account_id == account_id)
            .map(|(i, _)| i)
            .collect();
        for i in found {
            st.revoke_connection(i);
        }
    }

    /// Sets the IANA time zone `GET /v1/account` reports in
    /// `settings.dashboard.timezone` (`Etc/UTC` unless set).
    pub fn set_timezone(&self, account_id: &str, timezone: &str) {
        self.state().ensure_account(account_id, account_id).timezone = timezone.to_string();
    }

    /// Registers an API key; livemode comes from the prefix (`sk_live_`, `rk_live_`).
    pub fn add_key(&self, key: &str, account_id: &str, access: KeyAccess) {
        let mut st = self.state();
        st.ensure_account(account_id, account_id);
        st.keys.insert(
            key.to_string(),
            state::KeyRec {
                account_id: account_id.to_string(),
                access,
                livemode: key.contains("_live_"),
                revoked: false,
                expires_at: None,
                connection: None,
            },
        );
    }

    /// Every search (`/v1/customers/search`) of the account is refused, as
    /// Stripe does in countries where search is not offered.
    pub fn set_search_unavailable(&self, account_id: &str, unavailable: bool) {
        let mut st = self.state();
        st.ensure_account(account_id, account_id).search_unavailable = unavailable;
    }

    /// Later calls with the key get 401 "Expired API Key provided".
    pub fn revoke_key(&self, key: &str) {
        if let Some(k) = self.state().keys.get_mut(key) {
            k.revoked = true;
        }
    }

    /// Delay added before every API and OAuth response.
    pub fn set_latency(&self, d: Duration) {
        self.state().latency = d;
    }

    /// From now on every API request whose path and query (`/v1/x?a=b`, as
    /// sent) contain `needle` is carried out at once and answered `d`
    /// later, instead of after [`Simulator::set_latency`]'s delay; a zero
    /// `d` ends it. For a test that stops a client inside one request.
    pub fn set_latency_when(&self, needle: &str, d: Duration) {
        let mut st = self.state();
        st.slow.retain(|(n, _)| n != needle);
        if !d.is_zero() {
            st.slow.push((needle.to_string(), d));
        }
    }

    /// The next `n` API requests (not `/_sim`, not OAuth) fail this way.
    pub fn fail_next(&self, n: u32, failure: Failure) {
        let mut st = self.state();
        for _ in 0..n {
            st.failures.push_back(failure);
        }
    }

    /// From now on every API request (not `/_sim`, not OAuth) whose path and
    /// query (`/v1/x?a=b`, as sent) contain `needle` fails this way, until
    /// [`Simulator::stop_failing`].
    pub fn fail_when(&self, needle: &str, failure: Failure) {
        self.state().failing.push((needle.to_string(), failure));
    }

    pub fn stop_failing(&self) {
        self.state().failing.clear();
    }

    /// From now on every API request (not `/_sim`, not OAuth) fails with
    /// `probability`, in one of `kinds` picked at random; `fail_next`
    /// failures come first. A probability of 0 turns it off.
    pub fn fail_randomly(&self, probability: f64, kinds: &[Failure]) {
        self.state().random_failures = (probability > 0.0 && !kinds.is_empty())
            .then(|| (probability.min(1.0), kinds.to_vec()));
    }

    /// Token bucket over all API requests; `None` turns it off. A request
    /// over it gets Stripe's 429 with `Stripe-Rate-Limited-Reason: global-rate`.
    pub fn set_rate_limit(&self, per_second: Option<u32>) {
        self.state().rate = per_second.filter(|n| *n > 0).map(state::Bucket::new);
    }

    /// Stripe's concurrency limiter: at most `n` API requests answered at
    /// once; one more gets a 429 with `Stripe-Rate-Limited-Reason:
    /// global-concurrency`. `None` turns it off.
    pub fn set_concurrency_limit(&self, n: Option<usize>) {
        self.state().concurrency = n.filter(|n| *n > 0);
    }

    /// The most API requests that were being answered at the same moment.
    pub fn most_concurrent_requests(&self) -> usize {
        self.inner.most_in_flight.load(Ordering::SeqCst)
    }

    /// Gives a customer (test mode) a saved card, as attaching Stripe's test
    /// PaymentMethod `token` (`pm_card_visa`, `pm_card_mastercard`, ...) and
    /// setting it as `invoice_settings.default_payment_method` does. Returns
    /// the new PaymentMethod's ID.
    pub fn save_test_card(
        &self,
        account_id: &str,
        customer: &str,
        token: &str,
    ) -> Result<String, String> {
        let mut st = self.state();
        let now = st.now();
        let acct = st.ensure_account(account_id, account_id);
        let ctx = api::Ctx {
            now,
            account_id: account_id.to_string(),
            livemode: false,
            request_id: state::gen_id("req_", 14),
            idempotency_key: None,
            api_version: DEFAULT_API_VERSION.to_string(),
            connected_account: None,
        };
        resources::payment_methods::save_test_card(acct.data(false), &ctx, customer, token)
            .map_err(|e| e.message)
    }

    /// Invoices Stripe emailed to customers (test mode): (address, invoice ID).
    pub fn emailed_invoices(&self, account_id: &str) -> Vec<(String, String)> {
        self.state()
            .accounts
            .get(account_id)
            .map(|a| a.test.emailed_invoices.clone())
            .unwrap_or_default()
    }

    /// One object of the account (test mode) as stored, by its collection
    /// (`customers`, `subscriptions`, `invoices`, ...) and ID.
    pub fn object(&self, account_id: &str, collection: &str, id: &str) -> Option<Value> {
        let st = self.state();
        let data = &st.accounts.get(account_id)?.test;
        let store = match collection {
            "customers" => &data.customers,
            "products" => &data.products,
            "prices" => &data.prices,
            "plans" => &data.plans,
            "subscriptions" => &data.subscriptions,
            "invoices" => &data.invoices,
            "payment_methods" => &data.payment_methods,
            _ => return None,
        };
        store.get(id).cloned()
    }

    /// Adds sample data (test mode); the same seed gives the same data.
    pub fn seed_sample_data(&self, account_id: &str, seed: SeedSpec) {
        let mut st = self.state();
        let now = st.now();
        st.ensure_account(account_id, account_id);
        let acct = st.accounts.get_mut(account_id).expect("just ensured");
        seed::seed(acct.data(false), &seed, now);
        // An account is never younger than its data (a sync starts from `created`).
        let oldest = acct.test.txns.iter().map(|t| t.created).min();
        acct.created = oldest.map_or(acct.created, |o| acct.created.min(o));
    }

    /// Adds `n` balance transactions created within the last `within` (test
    /// mode), as new activity arrives at Stripe.
    pub fn add_recent_balance_transactions(
        &self,
        account_id: &str,
        n: usize,
        within: Duration,
        rng_seed: u64,
    ) {
        use rand::SeedableRng;
        let mut st = self.state();
        let now = st.now();
        let acct = st.ensure_account(account_id, account_id);
        let mut rng = rand::rngs::StdRng::seed_from_u64(rng_seed);
        resources::balance::seed(
            acct.data(false),
            &mut rng,
            n,
            now,
            within.as_secs() as i64,
            |rng, prefix| seed::rid(rng, prefix, 24),
        );
    }

    /// Every API request (not `/_sim`, not OAuth) fails with probability
    /// `probability`, one of `kinds` at random; `0.0` turns it off.
    pub fn set_random_failures(&self, probability: f64, kinds: &[Failure]) {
        self.state().random_failures =
            (probability > 0.0).then(|| (probability.min(1.0), kinds.to_vec()));
    }

    /// Adds `delta` (minor units) to the available balance of `currency` in
    /// test mode, so `GET /v1/balance` no longer matches the transactions.
    pub fn set_balance_skew(&self, account_id: &str, currency: &str, delta: i64) {
        let mut st = self.state();
        st.ensure_account(account_id, account_id)
            .test
            .balance_skew
            .insert(currency.to_ascii_lowercase(), delta);
    }

    /// Every balance transaction of the account (test mode) as Stripe renders
    /// it now, newest first: the ground truth tests compare a copy against.
    pub fn balance_transactions(&self, account_id: &str) -> Vec<Value> {
        let st = self.state();
        let now = st.now();
        st.accounts
            .get(account_id)
            .map(|a| a.test.txns.iter().map(|t| t.render(now)).collect())
            .unwrap_or_default()
    }

    /// Objects of one resource in an account, test and live mode together.
    pub fn count(&self, account_id: &str, resource: &str) -> usize {
        self.state()
            .accounts
            .get(account_id)
            .map(|a| a.test.count(resource) + a.live.count(resource))
            .unwrap_or(0)
    }

    /// Every API and OAuth request seen, in order (control calls to `/_sim` are not recorded).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.state().requests.clear();
    }

    /// Moves the simulator's clock forward (token and code expiry, `created`).
    pub fn advance_clock(&self, d: Duration) {
        self.state().clock_offset += d;
    }

    /// Unix seconds on the simulator's clock.
    pub fn now(&self) -> i64 {
        self.state().now()
    }

    pub fn add_oauth_client(&self, client_id: &str, platform_key: &str, kind: OAuthKind) {
        self.state().clients.insert(
            client_id.to_string(),
            state::OAuthClient {
                platform_key: platform_key.to_string(),
                kind,
            },
        );
    }

    pub fn set_oauth_decision(&self, d: OAuthDecision) {
        self.state().decision = d;
    }

    /// Every OAuth access and refresh token issued so far (secrets the app
    /// must never write outside the keyring).
    pub fn issued_tokens(&self) -> Vec<String> {
        self.state().issued.clone()
    }

    /// Stripe's lag: from now on, each new event appears to lists and
    /// retrieves a random while (up to `max`) after it was made, so a list can
    /// show a later event before an earlier one. Zero (the default) turns it off.
    pub fn set_event_delay(&self, max: Duration) {
        let mut st = self.state();
        st.event_delay = max;
        for a in st.accounts.values_mut() {
            a.test.events.max_delay = max;
            a.live.events.max_delay = max;
        }
    }

    /// Makes `trigger` happen in the account (live mode when `livemode`),
    /// with the events Stripe sends for it; returns their ids, oldest first.
    pub fn trigger(&self, account_id: &str, livemode: bool, trigger: Trigger) -> Vec<String> {
        let mut st = self.state();
        let now = st.now();
        let acct = st.ensure_account(account_id, account_id);
        resources::events::trigger(acct.data(livemode), account_id, &trigger, now)
    }

    /// Every event of the account in one mode, newest first, however old and
    /// whether it has appeared yet or not: the ground truth tests compare with.
    pub fn events(&self, account_id: &str, livemode: bool) -> Vec<Value> {
        let st = self.state();
        st.accounts
            .get(account_id)
            .map(|a| {
                let data = if livemode { &a.live } else { &a.test };
                data.events.all().cloned().collect()
            })
            .unwrap_or_default()
    }

    /// `n` events (test mode) spread over the `span` before now, visible at
    /// once: history an app that was closed has to catch up on.
    pub fn seed_events(&self, account_id: &str, n: usize, span: Duration, rng_seed: u64) {
        let mut st = self.state();
        let now = st.now();
        let acct = st.ensure_account(account_id, account_id);
        resources::events::seed(acct.data(false), n, span.as_secs() as i64, now, rng_seed);
    }

    /// The demo's shop keeps trading (test mode): every `every`, a few
    /// payments, one that fails and a payout on its way. Runs until aborted.
    pub fn start_demo_activity(
        &self,
        account_id: &str,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let sim = self.clone();
        let account = account_id.to_string();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let mut st = sim.state();
                let now = st.now();
                let acct = st.ensure_account(&account, &account);
                resources::events::demo_minute(acct.data(false), &account, now);
            }
        })
    }

    /// `(client_id, stripe_user_id)` for every `/oauth/deauthorize` that succeeded.
    pub fn deauthorizations(&self) -> Vec<(String, String)> {
        self.state().deauths.clone()
    }
}

pub(crate) fn failure_out(f: Failure) -> Out {
    use error::ApiError;
    const API_ERROR: &str = "Sorry, something went wrong. We've already been notified of the problem, but if you need any help, you can reach us at https://support.stripe.com/contact.";
    let e = match f {
        Failure::RateLimited429 => ApiError::new(
            429,
            "invalid_request_error",
            "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.",
        )
        .with_code(Some("rate_limit"))
        .with_header("stripe-rate-limited-reason", "global-rate"),
        Failure::LockTimeout429 => ApiError::new(
            429,
            "invalid_request_error",
            "This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request. If you see this error frequently and are making multiple concurrent requests to a single object, make your requests serially or at a lower rate. See https://stripe.com/docs/rate-limits for more details.",
        )
        .with_code(Some("lock_timeout")),
        Failure::ShouldRetryFalse500 => {
            ApiError::new(500, "api_error", API_ERROR).with_header("stripe-should-retry", "false")
        }
        _ => ApiError::new(500, "api_error", API_ERROR),
    };
    Out::error(&e)
}

/// Leaves the in-flight count when the request is answered (or dropped).
struct InFlight<'a>(&'a Inner, bool);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.1 {
            self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Stripe's concurrency limiter's 429: the same body as the rate limiter's,
/// told apart by `Stripe-Rate-Limited-Reason`.
fn concurrency_out() -> Out {
    let mut out = failure_out(Failure::RateLimited429);
    out.headers
        .retain(|(k, _)| k != "stripe-rate-limited-reason");
    out.headers.push((
        "stripe-rate-limited-reason".into(),
        "global-concurrency".into(),
    ));
    out
}

async fn serve(
    inner: Arc<Inner>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let req = Req {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
        request_id: state::gen_id("req_", 14),
    };

    if req.path.starts_with("/_sim/") {
        let out = control(&inner, &req);
        return Ok(to_response(out, &req));
    }

    let is_oauth = req.path.starts_with("/oauth/") || req.path == "/v1/oauth/token";
    // Counted while the answer is being made and sent, as Stripe's
    // concurrency limiter counts "requests that are active at any given time".
    let now_in_flight = if is_oauth {
        0
    } else {
        let n = inner.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        inner.most_in_flight.fetch_max(n, Ordering::SeqCst);
        n
    };
    let _leave = InFlight(&inner, !is_oauth);
    let (out, drop_after, latency) = {
        let mut st = inner.state.lock().unwrap_or_else(|e| e.into_inner());
        let failure = if is_oauth {
            None
        } else {
            st.next_failure(&format!("{}?{}", req.path, req.query))
        };
        let out = match failure {
            Some(Failure::DropConnection) => None,
            Some(Failure::CommitThenDrop) => Some(api::handle(&mut st, &inner.spec, &req, None)),
            Some(
                f @ (Failure::ServerError500
                | Failure::CommitThen500
                | Failure::ShouldRetryFalse500),
            ) => Some(api::handle(&mut st, &inner.spec, &req, Some(f))),
            Some(f) => Some(failure_out(f)),
            None => {
                let over_concurrency = st.concurrency.is_some_and(|most| now_in_flight > most);
                let limited = !is_oauth && st.rate.as_mut().is_some_and(|b| !b.take());
                if over_concurrency {
                    Some(concurrency_out())
                } else if limited {
                    Some(failure_out(Failure::RateLimited429))
                } else if is_oauth {
                    Some(oauth::handle(&mut st, &req))
                } else {
                    Some(api::handle(&mut st, &inner.spec, &req, None))
                }
            }
        };
        let drop_after = matches!(
            failure,
            Some(Failure::DropConnection) | Some(Failure::CommitThenDrop)
        );
        st.requests.push(RecordedRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            body: req.body.clone(),
            headers: req.headers.clone(),
            status: if drop_after {
                0
            } else {
                out.as_ref().map(|o| o.status).unwrap_or(0)
            },
        });
        let latency = if is_oauth {
            st.latency
        } else {
            st.latency_of(&format!("{}?{}", req.path, req.query))
        };
        (out, drop_after, latency)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match out {
        Some(out) if !drop_after => Ok(to_response(out, &req)),
        _ => Err(DropConnection),
    }
}

fn to_response(mut out: Out, req: &Req) -> Response<Full<Bytes>> {
    add_request_log_url(&mut out, req);
    let mut b = Response::builder()
        .status(out.status)
        .header("content-type", out.content_type)
        .header("request-id", &req.request_id)
        .header(
            "stripe-version",
            req.header("stripe-version").unwrap_or(DEFAULT_API_VERSION),
        );
    for (k, v) in &out.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(Full::new(Bytes::from(out.body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// Stripe's API errors link the dashboard's log of the request.
fn add_request_log_url(out: &mut Out, req: &Req) {
    if out.status < 400 || req.path.starts_with("/_sim/") {
        return;
    }
    let Ok(mut body) = serde_json::from_slice::<Value>(&out.body) else {
        return;
    };
    if let Some(error) = body.get_mut("error").and_then(Value::as_object_mut) {
        error.insert(
            "request_log_url".into(),
            json!(format!(
                "https://dashboard.stripe.com/test/logs/{}",
                req.request_id
            )),
        );
        out.body = serde_json::to_vec(&body).unwrap_or_default();
    }
}

/// `/_sim/*`: knobs for other processes (the demo, window tests). Loopback only
/// by construction (the server binds 127.0.0.1), so no authentication.
fn control(inner: &Arc<Inner>, req: &Req) -> Out {
    let sim = Simulator {
        inner: inner.clone(),
    };
    let body: Value = serde_json::from_str(&req.body).unwrap_or(Value::Null);
    let q = form::decode(&req.query);
    let bad = |m: &str| Out::json(400, &json!({"error": m}));
    let ok = || Out::json(200, &json!({"ok": true}));
    let s = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/_sim/fail_next") => {
            let n = body.get("n").and_then(Value::as_u64).unwrap_or(1) as u32;
            match s("failure").as_deref().and_then(Failure::parse) {
                Some(f) => {
                    sim.fail_next(n, f);
                    ok()
                }
                None => bad("unknown failure"),
            }
        }
        ("POST", "/_sim/latency_ms") => match body.get("ms").and_then(Value::as_u64) {
            Some(ms) => {
                sim.set_latency(Duration::from_millis(ms));
                ok()
            }
            None => bad("ms required"),
        },
        ("POST", "/_sim/concurrency_limit") => {
            sim.set_concurrency_limit(body.get("n").and_then(Value::as_u64).map(|n| n as usize));
            ok()
        }
        ("POST", "/_sim/save_test_card") => match (s("account"), s("customer")) {
            (Some(account), Some(customer)) => {
                let token = s("token").unwrap_or_else(|| "pm_card_visa".into());
                match sim.save_test_card(&account, &customer, &token) {
                    Ok(id) => Out::json(200, &json!({"id": id})),
                    Err(e) => bad(&e),
                }
            }
            _ => bad("account and customer required"),
        },
        ("POST", "/_sim/rate_limit") => {
            sim.set_rate_limit(
                body.get("per_second")
                    .and_then(Value::as_u64)
                    .map(|n| n as u32),
            );
            ok()
        }
        ("POST", "/_sim/revoke_key") => match s("key") {
            Some(k) => {
                sim.revoke_key(&k);
                ok()
            }
            None => bad("key required"),
        },
        ("POST", "/_sim/oauth_decision") => {
            if body.get("deny").and_then(Value::as_bool) == Some(true) {
                sim.set_oauth_decision(OAuthDecision::Deny);
                ok()
            } else if let Some(a) = s("approve") {
                sim.set_oauth_decision(OAuthDecision::Approve { account_id: a });
                ok()
            } else {
                bad("approve or deny required")
            }
        }
        ("POST", "/_sim/advance_clock") => match body.get("seconds").and_then(Value::as_u64) {
            Some(secs) => {
                sim.advance_clock(Duration::from_secs(secs));
                ok()
            }
            None => bad("seconds required"),
        },
        ("POST", "/_sim/add_account") => match (s("id"), s("display_name")) {
            (Some(id), name) => {
                sim.add_account(&id, name.as_deref().unwrap_or(&id));
                ok()
            }
            _ => bad("id required"),
        },
        ("POST", "/_sim/add_key") => match (s("key"), s("account")) {
            (Some(key), Some(account)) => {
                let access = match body.get("permissions").and_then(Value::as_array) {
                    Some(perms) => KeyAccess::Restricted(
                        perms
                            .iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect(),
                    ),
                    None => KeyAccess::Full,
                };
                sim.add_key(&key, &account, access);
                ok()
            }
            _ => bad("key and account required"),
        },
        ("POST", "/_sim/seed") => match s("account") {
            Some(account) => {
                let n = |k: &str| body.get(k).and_then(Value::as_u64).unwrap_or(0) as usize;
                sim.seed_sample_data(
                    &account,
                    SeedSpec {
                        customers: n("customers"),
                        products: n("products"),
                        subscriptions: n("subscriptions"),
                        balance_transactions: n("balance_transactions"),
                        rng_seed: body.get("rng_seed").and_then(Value::as_u64).unwrap_or(1),
                    },
                );
                ok()
            }
            None => bad("account required"),
        },
        ("POST", "/_sim/random_failures") => {
            let p = body
                .get("probability")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            let kinds: Option<Vec<Failure>> = body
                .get("failures")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(Failure::parse)
                        .collect()
                })
                .unwrap_or(Some(vec![Failure::ServerError500]));
            match kinds {
                Some(kinds) => {
                    sim.set_random_failures(p, &kinds);
                    ok()
                }
                None => bad("unknown failure"),
            }
        }
        ("POST", "/_sim/balance_skew") => match (s("account"), s("currency")) {
            (Some(account), Some(currency)) => {
                let delta = body.get("delta").and_then(Value::as_i64).unwrap_or(0);
                sim.set_balance_skew(&account, &currency, delta);
                ok()
            }
            _ => bad("account and currency required"),
        },
        ("POST", "/_sim/trigger") => match (s("account"), Trigger::from_json(&body)) {
            (Some(account), Ok(t)) => {
                let livemode = body.get("livemode").and_then(Value::as_bool) == Some(true);
                Out::json(200, &json!({"events": sim.trigger(&account, livemode, t)}))
            }
            (None, _) => bad("account required"),
            (_, Err(e)) => bad(&e),
        },
        ("POST", "/_sim/event_delay_ms") => match body.get("ms").and_then(Value::as_u64) {
            Some(ms) => {
                sim.set_event_delay(Duration::from_millis(ms));
                ok()
            }
            None => bad("ms required"),
        },
        ("POST", "/_sim/deauthorize") => match (s("platform"), s("account")) {
            (Some(platform), Some(account)) => {
                sim.disconnect_account(&platform, &account);
                ok()
            }
            _ => bad("platform and account required"),
        },
        ("GET", "/_sim/requests") => Out::json(200, &json!(sim.requests())),
        ("POST", "/_sim/clear_requests") => {
            sim.clear_requests();
            ok()
        }
        ("GET", "/_sim/count") => {
            let account = q.get("account").and_then(Value::as_str).unwrap_or_default();
            let resource = q
                .get("resource")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Out::json(200, &json!({"count": sim.count(account, resource)}))
        }
        ("GET", "/_sim/deauthorizations") => Out::json(200, &json!(sim.deauthorizations())),
        _ => Out::json(404, &json!({"error": "unknown control endpoint"})),
    }
}
