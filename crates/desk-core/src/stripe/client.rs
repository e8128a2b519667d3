//! The one Stripe client. Requests are values; [`StripeClient::send`] is the
//! one place that sets auth, `Stripe-Version`, `Stripe-Account`, idempotency
//! keys, retries, rate limiting and timeouts, and the one place that decides
//! where a request may go: every path is checked here ([`check_path`]) and
//! the URL is built by parsing, so the key never leaves for another host.

use super::form::Params;
use super::rate_limit::RateLimiter;
use super::retry::{parse_retry_after, parse_should_retry, Attempt, RetryPolicy};
use super::IdempotencyKey;
use crate::config::STRIPE_VERSION;
use crate::error::{Code, Error, StripeApiError};
use crate::secret::Secret;
use crate::views::Mode;
use rand::Rng;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;
use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    fn as_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// Which of Stripe's hosts a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// `api.stripe.com`: everything but Connect OAuth.
    Api,
    /// `connect.stripe.com`: Connect OAuth (deauthorize).
    Connect,
}

/// One logical Stripe request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub host: Host,
    /// Path under the API base, e.g. `/v1/customers`.
    pub path: String,
    pub params: Params,
    /// Set to replay a request Stripe may already have committed; when
    /// `None`, a POST gets a fresh key that every retry of it reuses.
    pub idempotency_key: Option<IdempotencyKey>,
}

impl Request {
    pub fn get(path: impl Into<String>) -> Self {
        Request::new(Method::Get, path)
    }
    pub fn post(path: impl Into<String>) -> Self {
        Request::new(Method::Post, path)
    }
    pub fn delete(path: impl Into<String>) -> Self {
        Request::new(Method::Delete, path)
    }
    fn new(method: Method, path: impl Into<String>) -> Self {
        Request {
            method,
            host: Host::Api,
            path: path.into(),
            params: Params::new(),
            idempotency_key: None,
        }
    }
    pub fn params(mut self, params: Params) -> Self {
        self.params = params;
        self
    }
    pub fn on(mut self, host: Host) -> Self {
        self.host = host;
        self
    }
    pub fn idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.idempotency_key = Some(key);
        self
    }
}

/// Who a request acts as: a secret/restricted key or OAuth access token
/// (all sent as a bearer token), and the connected account, if any.
#[derive(Debug, Clone)]
pub struct Auth {
    pub secret: Secret,
    pub mode: Mode,
    pub stripe_account: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub api_base: String,
    pub connect_base: String,
    pub retry: RetryPolicy,
    pub connect_timeout: Duration,
    /// Whole-request limit; Stripe's libraries use 80 s.
    pub timeout: Duration,
    pub test_mode_rate: u32,
    pub live_mode_rate: u32,
    /// The most of one answer read from Stripe; nothing legitimate comes
    /// close (a page of 100 objects is well under a megabyte).
    pub max_body_bytes: usize,
}

/// 32 MB.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

impl ClientConfig {
    pub fn new(api_base: impl Into<String>, connect_base: impl Into<String>) -> Self {
        ClientConfig {
            api_base: api_base.into(),
            connect_base: connect_base.into(),
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(80),
            test_mode_rate: 25,
            live_mode_rate: 100,
            max_body_bytes: MAX_BODY_BYTES,
        }
    }
}

/// One answer from Stripe, with what its headers say about it.
#[derive(Debug, Clone, PartialEq)]
pub struct StripeResponse {
    pub status: u16,
    /// `Request-Id`, e.g. `req_...`: the first thing Stripe's support asks for.
    pub request_id: Option<String>,
    /// `Idempotent-Replayed: true`: Stripe replayed the saved answer to an
    /// earlier request with the same idempotency key.
    pub idempotent_replayed: bool,
    pub body: Value,
}

pub struct StripeClient {
    http: reqwest::Client,
    config: ClientConfig,
    /// The bases, parsed once: every request's URL must keep their origin.
    api_base: Url,
    connect_base: Url,
    test_limiter: RateLimiter,
    live_limiter: RateLimiter,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorEnvelope {
    Api {
        error: StripeApiError,
    },
    OAuth {
        error: String,
        #[serde(default)]
        error_description: Option<String>,
    },
}

impl StripeClient {
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let api_base = secure_base(&config.api_base)?;
        let connect_base = secure_base(&config.connect_base)?;
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(concat!("StripeDesk/", env!("CARGO_PKG_VERSION")))
            // A redirect would carry `Authorization`'s neighbours
            // (`Idempotency-Key`, `Stripe-Account`) elsewhere; Stripe's API
            // never redirects, so a 3xx is an answer like any other.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Network(e.to_string()))?;
        Ok(StripeClient {
            api_base,
            connect_base,
            test_limiter: RateLimiter::new(config.test_mode_rate),
            live_limiter: RateLimiter::new(config.live_mode_rate),
            http,
            config,
        })
    }

    pub fn api_base(&self) -> &str {
        &self.config.api_base
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The URL a request goes to: its path under the base of its host,
    /// checked by [`check_path`], built by parsing and refused unless it
    /// keeps the base's scheme, host and port.
    pub fn url(&self, request: &Request) -> Result<Url, Error> {
        check_path(request.host, &request.path)?;
        let base = match request.host {
            Host::Api => &self.api_base,
            Host::Connect => &self.connect_base,
        };
        let mut url = base.clone();
        url.set_path(&format!(
            "{}{}",
            base.path().trim_end_matches('/'),
            request.path
        ));
        let encoded = request.params.encode();
        url.set_query((request.method != Method::Post && !encoded.is_empty()).then_some(&*encoded));
        let same_origin = url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default()
            && url.username().is_empty()
            && url.password().is_none();
        if !same_origin {
            return Err(path_refused(&request.path, base));
        }
        Ok(url)
    }

    /// Sends the request, retrying as the policy allows; returns Stripe's JSON.
    pub async fn send(&self, auth: &Auth, request: &Request) -> Result<Value, Error> {
        self.send_full(auth, request).await.map(|r| r.body)
    }

    /// Sends the request, retrying as the policy allows; returns Stripe's
    /// answer with its `Request-Id` (the first thing Stripe's support asks for).
    pub async fn send_full(&self, auth: &Auth, request: &Request) -> Result<StripeResponse, Error> {
        let url = self.url(request)?;
        // One key per logical request, reused by every retry, so a create
        // that Stripe committed before the connection dropped is not repeated.
        let idempotency_key = match (request.method, &request.idempotency_key) {
            (_, Some(k)) => Some(k.clone()),
            (Method::Post, None) => Some(IdempotencyKey::random()),
            _ => None,
        };
        let mut retries = 0;
        let mut answer_lost = false;
        loop {
            let (attempt, result) = self
                .attempt(auth, request, &url, idempotency_key.as_ref())
                .await;
            let post = request.method == Method::Post;
            if !self.config.retry.should_retry(post, attempt, retries) {
                return match result {
                    Err(e) if answer_lost && request.method == Method::Delete => {
                        deleted_after_lost_answer(&request.path, e)
                    }
                    other => other,
                };
            }
            answer_lost |= attempt.lost_answer();
            retries += 1;
            let jitter = rand::rng().random_range(0.5..=1.0);
            let retry_after = match attempt {
                Attempt::Answered { retry_after, .. } => retry_after,
                _ => None,
            };
            let wait = self.config.retry.delay(retries, jitter, retry_after);
            let request_id = result.as_ref().err().and_then(Error::request_id);
            tracing::info!(path = %request.path, retries, ?attempt, ?wait, request_id, "retrying Stripe request");
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends and decodes into `T`. Unknown fields in the answer are ignored.
    pub async fn send_as<T: DeserializeOwned>(
        &self,
        auth: &Auth,
        request: &Request,
    ) -> Result<T, Error> {
        let value = self.send(auth, request).await?;
        serde_json::from_value(value).map_err(|e| Error::Decode(e.to_string()))
    }

    async fn attempt(
        &self,
        auth: &Auth,
        request: &Request,
        url: &Url,
        idempotency_key: Option<&IdempotencyKey>,
    ) -> (Attempt, Result<StripeResponse, Error>) {
        // Held until the answer is read: the request is in flight till then.
        let _in_flight = match auth.mode {
            Mode::Test => self.test_limiter.start().await,
            Mode::Live => self.live_limiter.start().await,
        };
        let mut builder = self
            .http
            .request(request.method.as_reqwest(), url.clone())
            .bearer_auth(auth.secret.expose())
            .header("Stripe-Version", STRIPE_VERSION);
        if let Some(account) = &auth.stripe_account {
            builder = builder.header("Stripe-Account", account);
        }
        if let Some(key) = idempotency_key {
            builder = builder.header("Idempotency-Key", key.as_str());
        }
        if request.method == Method::Post {
            builder = builder
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(request.params.encode());
        }
        let response = match builder.send().await {
            Ok(r) => r,
            Err(e) => return transport_failure(&e),
        };
        let status = response.status().as_u16();
        let headers = response.headers();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let request_id = header("Request-Id").map(str::to_owned);
        let idempotent_replayed = header("Idempotent-Replayed") == Some("true");
        let should_retry = parse_should_retry(header("Stripe-Should-Retry"));
        let retry_after = parse_retry_after(header("Retry-After"));
        let rate_limited_reason = header("Stripe-Rate-Limited-Reason").map(str::to_owned);
        let answered = Attempt::Answered {
            status,
            should_retry,
            lock_timeout: false,
            retry_after,
        };
        let body = match read_capped(response, self.config.max_body_bytes).await {
            Ok(b) => b,
            Err(Capped::Transport(e)) => return transport_failure(&e),
            Err(Capped::TooLarge) => {
                tracing::warn!(path = %request.path, status, request_id, "Stripe's answer is over the size limit; not read");
                return (answered, Err(too_large(self.config.max_body_bytes)));
            }
        };
        if (200..300).contains(&status) {
            let attempt = Attempt::Answered {
                status,
                should_retry,
                lock_timeout: false,
                retry_after,
            };
            tracing::debug!(path = %request.path, status, request_id, "Stripe answered");
            let parsed = serde_json::from_slice(&body)
                .map(|body| StripeResponse {
                    status,
                    request_id,
                    idempotent_replayed,
                    body,
                })
                .map_err(|e| Error::Decode(e.to_string()));
            return (attempt, parsed);
        }
        let error = match serde_json::from_slice::<ErrorEnvelope>(&body) {
            Ok(ErrorEnvelope::Api { error }) => error,
            // OAuth endpoints answer `{"error": "invalid_grant", "error_description": "..."}`.
            Ok(ErrorEnvelope::OAuth {
                error,
                error_description,
            }) => StripeApiError {
                code: Some(error),
                message: error_description,
                ..StripeApiError::default()
            },
            Err(_) => StripeApiError::default(),
        };
        let error = StripeApiError {
            rate_limited_reason,
            ..error
        };
        tracing::warn!(
            path = %request.path,
            status,
            code = ?error.code,
            rate_limited_reason = ?error.rate_limited_reason,
            request_id,
            request_log_url = ?error.request_log_url,
            "Stripe answered with an error"
        );
        let attempt = Attempt::Answered {
            status,
            should_retry,
            lock_timeout: error.code.as_deref() == Some("lock_timeout"),
            retry_after,
        };
        (
            attempt,
            Err(Error::Stripe {
                status,
                error: Box::new(error),
                request_id,
            }),
        )
    }
}

/// The one path check, for every request: a path of Stripe's API
/// (`/v1/...`, or `/oauth/...` on the Connect host) made of letters, digits
/// and `/ _ - .`, without empty, `.` or `..` segments. Anything else could
/// move the request (and its key) elsewhere once joined to the base:
/// `.evil.example`, `@127.0.0.1:9`, `//host`, `/v1/../x`.
pub fn check_path(host: Host, path: &str) -> Result<(), PathProblem> {
    let root = match host {
        Host::Api => "/v1/",
        Host::Connect => "/oauth/",
    };
    let Some(rest) = path.strip_prefix(root) else {
        return Err(PathProblem::NotUnderRoot(root));
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/_-.".contains(c);
    if !path.chars().all(allowed) {
        return Err(PathProblem::Characters);
    }
    if rest
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(PathProblem::Segments);
    }
    Ok(())
}

/// Why a path is not one of Stripe's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathProblem {
    /// It does not start with `/v1/` (or `/oauth/` on the Connect host).
    NotUnderRoot(&'static str),
    /// Something other than letters, digits and `/ _ - .`.
    Characters,
    /// An empty, `.` or `..` part between slashes.
    Segments,
}

impl PathProblem {
    /// In plain words, for the field where a path is typed.
    pub fn words(self) -> String {
        match self {
            PathProblem::NotUnderRoot(root) => {
                format!("The path starts with {root}, such as {root}customers.")
            }
            PathProblem::Characters => {
                "The path has only letters, digits and / _ - . (put parameters in the rows).".into()
            }
            PathProblem::Segments => {
                "The path cannot have // or a part that is . or .. between slashes.".into()
            }
        }
    }
}

impl From<PathProblem> for Error {
    fn from(p: PathProblem) -> Error {
        Error::invalid(
            Code::PathRefused,
            format!("Nothing was sent: {}", p.words()),
            None,
        )
    }
}

fn path_refused(path: &str, base: &Url) -> Error {
    tracing::warn!(path, "refused a request that would leave Stripe's host");
    Error::invalid(
        Code::PathRefused,
        format!(
            "Nothing was sent: that address would leave {}, the only place Stripe Desk sends your key.",
            base.host_str().unwrap_or("Stripe")
        ),
        None,
    )
}

/// A base must be HTTPS, or HTTP to this computer (the simulator in tests
/// and the demo): a key is never sent in the clear over a network.
fn secure_base(base: &str) -> Result<Url, Error> {
    let insecure = || {
        Error::invalid(
            Code::InsecureBase,
            format!("Stripe Desk talks to Stripe only over HTTPS (http:// only to this computer), and {base} is neither."),
            None,
        )
    };
    let url = Url::parse(base).map_err(|_| insecure())?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    let ok = url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && (url.scheme() == "https" || (url.scheme() == "http" && loopback));
    if ok {
        Ok(url)
    } else {
        Err(insecure())
    }
}

enum Capped {
    Transport(reqwest::Error),
    TooLarge,
}

/// The answer's body, read no further than `max` bytes.
async fn read_capped(mut response: reqwest::Response, max: usize) -> Result<Vec<u8>, Capped> {
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(Capped::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Capped::Transport)? {
        if body.len() + chunk.len() > max {
            return Err(Capped::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_large(max: usize) -> Error {
    let mb = max as f64 / (1024.0 * 1024.0);
    let size = if mb >= 1.0 {
        format!("{} MB", mb.round())
    } else {
        format!("{} KB", (max / 1024).max(1))
    };
    Error::invalid(
        Code::AnswerTooLarge,
        format!("Stripe's answer was larger than {size}, more than Stripe Desk reads at once, so it was not read. Ask for less at a time, such as a smaller page size."),
        None,
    )
}

/// A DELETE whose answer was lost may have gone through: if the retry then
/// hears "no such object" about the very object being deleted, it is gone,
/// so say so in Stripe's own deleted-object shape rather than report a failure.
fn deleted_after_lost_answer(path: &str, error: Error) -> Result<StripeResponse, Error> {
    let mut segments = path.trim_end_matches('/').rsplit('/');
    let (Some(id), Some(collection)) = (segments.next(), segments.next()) else {
        return Err(error);
    };
    let Error::Stripe {
        status: 404,
        error: ref detail,
        ref request_id,
    } = error
    else {
        return Err(error);
    };
    let names_this_object = detail.code.as_deref() == Some("resource_missing")
        && detail
            .message
            .as_deref()
            .is_some_and(|m| m.contains(&format!("'{id}'")));
    if !names_this_object {
        return Err(error);
    }
    tracing::info!(
        path,
        request_id,
        "DELETE answered 404 after a lost answer: it was deleted"
    );
    // Stripe's object names are the singular of the path (`customers` ->
    // `customer`, `invoiceitems` -> `invoiceitem`, `tax_ids` -> `tax_id`).
    let object = collection.strip_suffix('s').unwrap_or(collection);
    Ok(StripeResponse {
        status: 200,
        request_id: request_id.clone(),
        idempotent_replayed: false,
        body: serde_json::json!({"id": id, "object": object, "deleted": true}),
    })
}

fn transport_failure(e: &reqwest::Error) -> (Attempt, Result<StripeResponse, Error>) {
    if e.is_timeout() {
        (Attempt::TimedOut, Err(Error::Timeout))
    } else {
        // reqwest's text names the URL, never headers, so no key can leak here.
        (
            Attempt::ConnectionFailed,
            Err(Error::Network(error_chain(e))),
        )
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A prefixed random identifier with 128 bits of entropy.
pub fn random_token(prefix: &str) -> String {
    let bits: u128 = rand::rng().random();
    format!("{prefix}_{bits:032x}")
}
