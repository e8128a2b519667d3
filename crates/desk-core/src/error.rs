//! Errors. Inside the domain, [`Error`] keeps the detail; at the IPC
//! boundary everything becomes one [`AppError`]: a stable `code`, a message
//! in plain words, and the `param` (form field) it concerns.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Stripe's error object, as sent in `{"error": {...}}`. Unknown fields are ignored.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct StripeApiError {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
    #[serde(default)]
    pub param: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub doc_url: Option<String>,
    /// The dashboard's log of this request, sent with some errors.
    #[serde(default)]
    pub request_log_url: Option<String>,
    /// A 429's `Stripe-Rate-Limited-Reason` header (`global-rate`,
    /// `endpoint-concurrency`, `resource-specific`, ...): which limiter said no.
    #[serde(skip)]
    pub rate_limited_reason: Option<String>,
}

/// Declares [`Code`]: each of Stripe Desk's own codes with its name on
/// the wire, which `as_str` gives back without allocating.
macro_rules! codes {
    ($($variant:ident = $name:literal,)*) => {
        /// Every code Stripe Desk gives an error at the IPC boundary: a
        /// closed set, so the window can tell them apart and `tsc` checks
        /// each one it names. Stripe's own codes pass through as
        /// [`Code::Stripe`]. On the wire Stripe Desk's codes are their
        /// snake_case names, Stripe's `{"stripe": "card_declined"}`.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        #[ts(export)]
        pub enum Code {
            $(#[serde(rename = $name)] $variant,)*
            /// Stripe's own code (`card_declined`, `lock_timeout`, ...), as Stripe sent it.
            #[serde(rename = "stripe")]
            Stripe(String),
        }

        impl Code {
            /// Stripe Desk's own codes.
            pub const OWN: &'static [Code] = &[$(Code::$variant),*];

            /// The code as a word: Stripe Desk's name, or Stripe's code.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Code::$variant => $name,)*
                    Code::Stripe(code) => code,
                }
            }
        }
    };
}

codes! {
    // Stripe answered with an error that carried no code of its own.
    AuthenticationFailed = "authentication_failed",
    PermissionDenied = "permission_denied",
    NotFound = "not_found",
    Conflict = "conflict",
    RateLimited = "rate_limited",
    StripeUnavailable = "stripe_unavailable",
    StripeError = "stripe_error",
    // The way to Stripe.
    Network = "network",
    Timeout = "timeout",
    BadResponse = "bad_response",
    AnswerTooLarge = "answer_too_large",
    PathRefused = "path_refused",
    InsecureBase = "insecure_base",
    InvalidBase = "invalid_base",
    ParametersExclusive = "parameters_exclusive",
    // This computer.
    KeyringUnavailable = "keyring_unavailable",
    Storage = "storage",
    StartupFailed = "startup_failed",
    BrowserUnavailable = "browser_unavailable",
    NotDashboard = "not_dashboard",
    // Connections and keys.
    InvalidKey = "invalid_key",
    NotApiKey = "not_api_key",
    ConnectionUnavailable = "connection_unavailable",
    ConnectionChanged = "connection_changed",
    InvalidName = "invalid_name",
    NameRequired = "name_required",
    InvalidAccountId = "invalid_account_id",
    NoSuchConnectedAccount = "no_such_connected_account",
    AccountCheckFailed = "account_check_failed",
    // Connect with Stripe.
    OauthNotSetUp = "oauth_not_set_up",
    OauthState = "oauth_state",
    OauthDenied = "oauth_denied",
    OauthRefused = "oauth_refused",
    OauthError = "oauth_error",
    BadLink = "bad_link",
    InvalidClientId = "invalid_client_id",
    InvalidClientSecret = "invalid_client_secret",
    InvalidScope = "invalid_scope",
    InvalidForwardingPage = "invalid_forwarding_page",
    LiveNeedsHttps = "live_needs_https",
    // Actions.
    InvalidForm = "invalid_form",
    InvalidAmount = "invalid_amount",
    Refused = "refused",
    ResourceMissing = "resource_missing",
    ResourceDeleted = "resource_deleted",
    SearchUnavailable = "search_unavailable",
    LookUpFailed = "look_up_failed",
    // Balances.
    Busy = "busy",
    BadCursor = "bad_cursor",
    CopyInUse = "copy_in_use",
    // Workflows.
    WorkflowNotReady = "workflow_not_ready",
    WorkflowNotReviewed = "workflow_not_reviewed",
    WorkflowRunning = "workflow_running",
    WorkflowTooBig = "workflow_too_big",
    WorkflowFileRefused = "workflow_file_refused",
    NoSuchStep = "no_such_step",
    InvalidStepName = "invalid_step_name",
    InvalidInputName = "invalid_input_name",
    UncheckedStep = "unchecked_step",
    WrongAccount = "wrong_account",
    ConfirmationNeeded = "confirmation_needed",
    ConfirmationStale = "confirmation_stale",
    HistoryDays = "history_days",
    InvalidRetention = "invalid_retention",
    // Activity.
    InvalidInterval = "invalid_interval",
    // Spreadsheets and triggers.
    FileTooLarge = "file_too_large",
    FileUnreadable = "file_unreadable",
    SheetMissing = "sheet_missing",
    HeaderRowEmpty = "header_row_empty",
    ActionUnknown = "action_unknown",
    BulkNotChecked = "bulk_not_checked",
    BulkNotReady = "bulk_not_ready",
    BulkNotRunning = "bulk_not_running",
    BulkRunning = "bulk_running",
    TriggerInvalid = "trigger_invalid",
    // Made by the window itself.
    MissingKey = "missing_key",
    NoBackend = "no_backend",
    Internal = "internal",
}

impl Code {
    /// Whether trying the same thing again may work: Stripe or the way to it
    /// was down or busy, or the look-up before a second try could not tell.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            Code::Network
                | Code::Timeout
                | Code::StripeUnavailable
                | Code::Conflict
                | Code::LookUpFailed
        )
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Stripe answered with an error object.
    #[error("Stripe refused the request ({status}): {}", .error.message.as_deref().unwrap_or("no message"))]
    Stripe {
        status: u16,
        // Boxed: it is large, and errors travel by value through every `?`.
        error: Box<StripeApiError>,
        /// The answer's `Request-Id`.
        request_id: Option<String>,
    },
    /// Never reached Stripe, or the answer never came back.
    #[error("could not reach Stripe: {0}")]
    Network(String),
    #[error("Stripe did not answer in time")]
    Timeout,
    /// Stripe answered with something we could not read.
    #[error("unexpected answer from Stripe: {0}")]
    Decode(String),
    /// Bad input, caught before anything was sent.
    #[error("{message}")]
    Invalid {
        code: Code,
        message: String,
        param: Option<String>,
    },
    #[error("keyring: {0}")]
    Keyring(String),
    #[error("storage: {0}")]
    Storage(String),
    #[error("{0}")]
    NotFound(String),
}

impl Error {
    pub fn invalid(code: Code, message: impl Into<String>, param: Option<&str>) -> Self {
        Error::Invalid {
            code,
            message: message.into(),
            param: param.map(str::to_owned),
        }
    }

    /// Stripe's `Request-Id` for the answer this error came from.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Stripe { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Stripe { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The permission Stripe names in a 403 for a restricted key:
    /// "... Having the 'rak_customer_read' permission would allow this request to continue."
    pub fn missing_permission(&self) -> Option<String> {
        let Error::Stripe {
            status: 403, error, ..
        } = self
        else {
            return None;
        };
        let message = error.message.as_deref()?;
        // Stripe names no permission here; the key editor's "All Connect
        // resources" (read) is the one Stripe's partners ask for.
        if message.contains("restricted API key does not have any Connect permissions") {
            return Some("rak_connected_account_read".into());
        }
        let start = message.find("'rak_")? + 1;
        let end = start + message[start..].find('\'')?;
        Some(message[start..end].to_owned())
    }

    /// Stripe says this key or connection no longer works: a revoked or
    /// expired key, or an OAuth connection the account owner removed.
    pub fn is_revoked(&self) -> bool {
        match self {
            Error::Stripe { status: 401, .. } => true,
            Error::Stripe { error, .. } => error
                .message
                .as_deref()
                .is_some_and(|m| m.contains("Application access may have been revoked")),
            _ => false,
        }
    }

    /// Stripe refused a search because search is not offered for this
    /// account ("The search feature is temporarily unavailable in your
    /// region.", "search feature unavailable for merchant").
    pub fn is_search_unavailable(&self) -> bool {
        match self {
            Error::Stripe {
                status: 400, error, ..
            } => error.message.as_deref().is_some_and(|m| {
                let m = m.to_ascii_lowercase();
                m.contains("search") && m.contains("unavailable")
            }),
            _ => false,
        }
    }

    /// Plain words for a person: what happened and what to do.
    pub fn plain_message(&self) -> String {
        match self {
            Error::Stripe { status, error, .. } => {
                let stripe_says = error.message.clone().unwrap_or_default();
                match status {
                    401 if stripe_says.starts_with("Expired API Key") => {
                        "Stripe says this key has expired or was revoked. Create a new key in Developers > API keys.".into()
                    }
                    401 => "Stripe does not recognise this key. Check that you copied the whole key, or create a new one in Developers > API keys.".into(),
                    403 => match self.missing_permission() {
                        Some(p) => format!(
                            "This restricted key isn't allowed to do this: it needs {}. Edit the key in the Stripe Dashboard, under Developers > API keys.",
                            permission_words(&p)
                        ),
                        None if self.is_revoked() => {
                            "Stripe says this app no longer has access to the account. Reconnect it.".into()
                        }
                        None => format!("Stripe refused access: {stripe_says}"),
                    },
                    404 => format!("Not found in Stripe: {stripe_says}"),
                    409 => "Stripe was busy with another change to the same thing. Try again in a moment.".into(),
                    429 if error.code.as_deref() == Some("lock_timeout") => {
                        "This object is busy with another request to Stripe. Wait a moment and try again.".into()
                    }
                    429 => match error.rate_limited_reason.as_deref() {
                        Some("global-concurrency" | "endpoint-concurrency") => "Stripe is working on too many requests from this account at the same time. Wait a moment and try again.".into(),
                        Some("resource-specific") => "This has been changed too often in a short time, and Stripe limits that. Wait a while and try again.".into(),
                        Some("endpoint-rate") => "Stripe is receiving too many requests of this kind from this account. Wait a moment and try again.".into(),
                        _ => "Stripe is receiving too many requests from this account. Wait a moment and try again.".into(),
                    },
                    s if *s >= 500 => "Stripe had a problem on its side. Try again in a few minutes.".into(),
                    _ if !stripe_says.is_empty() => stripe_says,
                    _ => format!("Stripe refused the request (HTTP {status})."),
                }
            }
            Error::Network(_) => "Could not reach Stripe. Check your internet connection and try again.".into(),
            Error::Timeout => "Stripe did not answer in time. Check your internet connection and try again.".into(),
            Error::Decode(_) => "Stripe sent an answer Stripe Desk could not read. Try again; if it keeps happening, the app may need an update.".into(),
            Error::Invalid { message, .. } => message.clone(),
            Error::Keyring(detail) => format!("The system keyring did not work: {detail}"),
            Error::Storage(detail) => format!("Could not save Stripe Desk's settings: {detail}"),
            Error::NotFound(what) => what.clone(),
        }
    }

    pub fn code(&self) -> Code {
        match self {
            Error::Stripe { status, error, .. } => match &error.code {
                Some(code) => Code::Stripe(code.clone()),
                None => match status {
                    401 => Code::AuthenticationFailed,
                    403 => Code::PermissionDenied,
                    404 => Code::NotFound,
                    409 => Code::Conflict,
                    429 => Code::RateLimited,
                    s if *s >= 500 => Code::StripeUnavailable,
                    _ => Code::StripeError,
                },
            },
            Error::Network(_) => Code::Network,
            Error::Timeout => Code::Timeout,
            Error::Decode(_) => Code::BadResponse,
            Error::Invalid { code, .. } => code.clone(),
            Error::Keyring(_) => Code::KeyringUnavailable,
            Error::Storage(_) => Code::Storage,
            Error::NotFound(_) => Code::NotFound,
        }
    }
}

/// A restricted key's permission as the Dashboard's key editor names it:
/// `rak_customer_write` -> "Customers: Write".
pub fn permission_words(name: &str) -> String {
    let bare = name.strip_prefix("rak_").unwrap_or(name);
    let (resource, level) = match bare.rsplit_once('_') {
        Some((r, l @ ("read" | "write"))) => (r, l),
        _ => (bare, ""),
    };
    let resource = match crate::connections::key_guide::dashboard_name(resource) {
        Some(name) => name.to_owned(),
        None => {
            let words = resource.replace('_', " ");
            let mut chars = words.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => words,
            }
        }
    };
    match level {
        "read" => format!("{resource}: Read"),
        "write" => format!("{resource}: Write"),
        _ => resource,
    }
}

/// The one error type that crosses into the window.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, TS)]
#[ts(export)]
pub struct AppError {
    pub code: Code,
    pub message: String,
    pub param: Option<String>,
    /// Stripe's `Request-Id` when the error is Stripe's answer, for support.
    pub request_id: Option<String>,
    /// Whether trying again may work ([`Code::retryable`]): the window
    /// offers "Try again" by this alone.
    pub retryable: bool,
    /// Stripe's own message and HTTP status, shown one click away behind
    /// the plain words (absent when Stripe did not answer).
    /// (`Box<str>`: keeps `AppError` small, it travels in every `Result`.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string")]
    pub stripe_message: Option<Box<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub status: Option<u16>,
}

impl AppError {
    /// An error of Stripe Desk's own, in plain words.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        AppError {
            retryable: code.retryable(),
            code,
            message: message.into(),
            param: None,
            request_id: None,
            stripe_message: None,
            status: None,
        }
    }

    /// The form field (or Stripe parameter) it concerns.
    pub fn param(mut self, param: Option<impl Into<String>>) -> Self {
        self.param = param.map(Into::into);
        self
    }

    pub fn request_id(mut self, request_id: Option<impl Into<String>>) -> Self {
        self.request_id = request_id.map(Into::into);
        self
    }
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        let param = match &e {
            Error::Stripe { error, .. } => error.param.clone(),
            Error::Invalid { param, .. } => param.clone(),
            _ => None,
        };
        let mut app = AppError::new(e.code(), e.plain_message())
            .param(param)
            .request_id(e.request_id());
        if let Error::Stripe { status, error, .. } = &e {
            app.stripe_message = error.message.as_deref().map(Box::from);
            app.status = Some(*status);
        }
        app
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripe(status: u16, body: &str) -> Error {
        #[derive(Deserialize)]
        struct Envelope {
            error: StripeApiError,
        }
        let e: Envelope = serde_json::from_str(body).unwrap();
        Error::Stripe {
            status,
            error: Box::new(e.error),
            request_id: Some("req_test123".into()),
        }
    }

    #[test]
    fn restricted_key_refusal_names_the_permission() {
        let e = stripe(
            403,
            r#"{"error":{"type":"invalid_request_error","message":"The provided key 'rk_test_****1111' does not have the required permissions for this endpoint on account 'acct_1'. Having the 'rak_customer_read' permission would allow this request to continue.","future_field":1}}"#,
        );
        assert_eq!(e.missing_permission().as_deref(), Some("rak_customer_read"));
        let app = AppError::from(e);
        assert_eq!(app.code, "permission_denied");
        assert!(
            app.message.contains("it needs Customers: Read"),
            "{}",
            app.message
        );
        assert!(!app.message.contains("rak_"), "{}", app.message);
        assert_eq!(app.status, Some(403));
        assert!(app
            .stripe_message
            .as_deref()
            .is_some_and(|m| m.starts_with("The provided key 'rk_test_****1111'")));
    }

    #[test]
    fn permissions_in_the_dashboards_words() {
        assert_eq!(permission_words("rak_customer_write"), "Customers: Write");
        assert_eq!(
            permission_words("rak_balance_transaction_source_read"),
            "Balance transaction sources: Read"
        );
        assert_eq!(permission_words("rak_topup_write"), "Topup: Write");
    }

    #[test]
    fn a_429_says_which_limit_was_hit() {
        let mut busy = stripe(
            429,
            r#"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Request rate limit exceeded."}}"#,
        );
        if let Error::Stripe { error, .. } = &mut busy {
            error.rate_limited_reason = Some("global-concurrency".into());
        }
        assert!(
            busy.plain_message().contains("at the same time"),
            "{}",
            busy.plain_message()
        );
    }

    #[test]
    fn search_unavailable_is_recognised() {
        let e = stripe(
            400,
            r#"{"error":{"type":"invalid_request_error","message":"The search feature is temporarily unavailable in your region."}}"#,
        );
        assert!(e.is_search_unavailable());
        let other = stripe(
            400,
            r#"{"error":{"type":"invalid_request_error","message":"Invalid query: 'x'"}}"#,
        );
        assert!(!other.is_search_unavailable());
    }

    #[test]
    fn field_errors_keep_their_param_and_code() {
        let e = stripe(
            400,
            r#"{"error":{"type":"invalid_request_error","code":"parameter_invalid_integer","param":"items[0][quantity]","message":"Invalid integer: abc"}}"#,
        );
        let app = AppError::from(e);
        assert_eq!(app.code, "parameter_invalid_integer");
        assert_eq!(app.param.as_deref(), Some("items[0][quantity]"));
        assert_eq!(app.message, "Invalid integer: abc");
        assert_eq!(app.request_id.as_deref(), Some("req_test123"));
    }

    #[test]
    fn a_lock_timeout_reads_as_a_busy_object_not_a_rate_limit() {
        let busy = AppError::from(stripe(
            429,
            r#"{"error":{"type":"invalid_request_error","code":"lock_timeout","message":"This object cannot be accessed right now because another API request or Stripe process is currently accessing it."}}"#,
        ));
        assert_eq!(busy.code, "lock_timeout");
        assert!(
            busy.message.contains("busy with another request"),
            "{}",
            busy.message
        );
        assert!(
            !busy.message.contains("too many requests"),
            "{}",
            busy.message
        );
        let limited = AppError::from(stripe(
            429,
            r#"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Request rate limit exceeded."}}"#,
        ));
        assert!(
            limited.message.contains("too many requests"),
            "{}",
            limited.message
        );
    }

    #[test]
    fn revoked_and_bad_keys_read_plainly() {
        let expired = stripe(
            401,
            r#"{"error":{"message":"Expired API Key provided: sk_test_****4242"}}"#,
        );
        assert!(expired.is_revoked());
        assert!(expired.plain_message().contains("expired or was revoked"));
        let bad = stripe(
            401,
            r#"{"error":{"message":"Invalid API Key provided: sk_test_****4242"}}"#,
        );
        assert!(bad.plain_message().contains("does not recognise this key"));
        let gone = stripe(
            403,
            r#"{"error":{"code":"account_invalid","message":"The provided key 'sk_test_****' does not have access to account 'acct_9' (or that account does not exist). Application access may have been revoked."}}"#,
        );
        assert!(gone.is_revoked());
        assert_eq!(gone.missing_permission(), None);
    }

    #[test]
    fn codes_are_a_closed_set_with_stripe_s_passed_through() {
        for code in Code::OWN {
            let wire = serde_json::to_value(code).unwrap();
            assert_eq!(wire, serde_json::json!(code.as_str()), "{code:?}");
            assert_eq!(&serde_json::from_value::<Code>(wire).unwrap(), code);
        }
        let declined = Code::Stripe("card_declined".into());
        assert_eq!(
            serde_json::to_value(&declined).unwrap(),
            serde_json::json!({"stripe": "card_declined"})
        );
        assert_eq!(declined, "card_declined");
        // A code Stripe sent is Stripe's, even where it has a name of ours.
        let e = stripe(
            404,
            r#"{"error":{"code":"resource_missing","message":"No such customer: 'cus_x'"}}"#,
        );
        assert_eq!(e.code(), Code::Stripe("resource_missing".into()));
        assert_ne!(e.code(), Code::ResourceMissing);
    }

    #[test]
    fn whether_to_try_again_is_decided_here() {
        let down = AppError::from(Error::Network("reset".into()));
        assert!(down.retryable);
        assert_eq!(
            serde_json::to_value(&down).unwrap()["retryable"],
            serde_json::json!(true)
        );
        assert!(AppError::from(stripe(503, "{\"error\":{}}")).retryable);
        assert!(AppError::from(stripe(409, "{\"error\":{}}")).retryable);
        let declined = AppError::from(stripe(
            402,
            r#"{"error":{"code":"card_declined","message":"Your card was declined."}}"#,
        ));
        assert!(!declined.retryable);
        let own = AppError::new(Code::BrowserUnavailable, "No browser.").param(Some("url"));
        assert_eq!(own.param.as_deref(), Some("url"));
        assert!(!own.retryable && own.status.is_none());
    }

    #[test]
    fn every_status_class_has_plain_words() {
        for (status, code) in [
            (404, "not_found"),
            (409, "conflict"),
            (429, "rate_limited"),
            (500, "stripe_unavailable"),
            (503, "stripe_unavailable"),
        ] {
            let e = Error::Stripe {
                status,
                error: Box::default(),
                request_id: None,
            };
            let app = AppError::from(e);
            assert!(!app.message.is_empty());
            assert_eq!(app.code, code);
        }
        assert_eq!(AppError::from(Error::Timeout).code, "timeout");
        assert_eq!(
            AppError::from(Error::Network("refused".into())).code,
            "network"
        );
    }
}
