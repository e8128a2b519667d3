//! "Connect with Stripe": Stripe Connect OAuth and Stripe Apps OAuth.
//! Settings, the single-use `state`, the authorize URL, and the token calls
//! (through the `oauth2` crate, with Stripe's extra fields kept).

use super::deep_link::{Callback, REDIRECT_URI};
use super::keys::ApiKey;
use crate::error::{Code, Error};
use crate::private_files;
use crate::secret::Secret;
use crate::stripe::random_token;
use crate::views::{Mode, OAuthProvider, OAuthSettingsForm, OAuthSettingsView, RedirectKind};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthorizationCode, ClientId, ClientSecret, EndpointNotSet, EndpointSet,
    ExtraTokenFields, RefreshToken, RequestTokenError, StandardRevocableToken,
    StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

/// How long a started "Connect with Stripe" may wait for its answer.
pub const STATE_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// The non-secret OAuth settings, kept in `oauth.json`; the client secret
/// is in the keyring under [`CLIENT_SECRET_ENTRY`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthSettings {
    pub provider: OAuthProvider,
    pub client_id: String,
    pub scope: String,
    #[serde(default)]
    pub redirect: RedirectKind,
    /// The user's HTTPS page that forwards to the app link; set exactly
    /// when `redirect` is [`RedirectKind::ForwardingPage`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarding_page: Option<String>,
}

/// The loopback redirect as registered with Stripe: any port is accepted
/// for loopback addresses, so the one registered carries none.
pub const LOOPBACK_REDIRECT_TO_REGISTER: &str = "http://127.0.0.1/oauth/callback";

pub const CLIENT_SECRET_ENTRY: &str = "oauth/client-secret";

impl OAuthSettings {
    /// Checks what the user typed (all but the client secret); each problem
    /// names its field.
    pub fn validate(form: &OAuthSettingsForm) -> Result<OAuthSettings, Error> {
        let provider = form.provider;
        let client_id = form.client_id.trim();
        let scope = form.scope.trim();
        if client_id.is_empty() {
            return Err(Error::invalid(
                Code::InvalidClientId,
                "Enter the client ID from your Stripe settings.",
                Some("clientId"),
            ));
        }
        if client_id
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(Error::invalid(
                Code::InvalidClientId,
                "A client ID has only letters, digits and underscores. Copy it again from Stripe.",
                Some("clientId"),
            ));
        }
        match provider {
            OAuthProvider::Connect => {
                if !client_id.starts_with("ca_") {
                    return Err(Error::invalid(
                        Code::InvalidClientId,
                        "A Stripe Connect client ID starts with ca_. Find it under Settings > Connect > Onboarding options > OAuth.",
                        Some("clientId"),
                    ));
                }
                if scope != "read_write" && scope != "read_only" {
                    return Err(Error::invalid(
                        Code::InvalidScope,
                        "Choose read_write or read_only.",
                        Some("scope"),
                    ));
                }
            }
            OAuthProvider::Apps => {
                if scope
                    .chars()
                    .any(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == ' '))
                {
                    return Err(Error::invalid(
                        Code::InvalidScope,
                        "Scopes are words separated by spaces.",
                        Some("scope"),
                    ));
                }
            }
        }
        let forwarding_page = match form.redirect {
            RedirectKind::ForwardingPage => Some(validate_forwarding_page(
                form.forwarding_page.as_deref().unwrap_or(""),
            )?),
            RedirectKind::AppLink | RedirectKind::Loopback => None,
        };
        Ok(OAuthSettings {
            provider,
            client_id: client_id.to_owned(),
            scope: scope.to_owned(),
            redirect: form.redirect,
            forwarding_page,
        })
    }

    /// Stripe sends live-mode answers only to HTTPS addresses, and a live
    /// client secret means a live-mode flow: refuse before anything opens.
    pub fn check_mode(&self, client_secret: &Secret) -> Result<(), Error> {
        let live = ApiKey::parse(client_secret.expose()).is_ok_and(|k| k.mode == Mode::Live);
        if live && self.redirect != RedirectKind::ForwardingPage {
            return Err(Error::invalid(
                Code::LiveNeedsHttps,
                "The client secret is a live key, and in live mode Stripe sends you back only to an HTTPS address. Choose “Through your own HTTPS page” and enter its address.",
                Some("redirect"),
            ));
        }
        Ok(())
    }

    /// The `redirect_uri` to send and to register, for app link and
    /// forwarding page redirects (a loopback one carries its port).
    pub(crate) fn fixed_redirect_uri(&self) -> Option<&str> {
        match self.redirect {
            RedirectKind::AppLink => Some(REDIRECT_URI),
            RedirectKind::ForwardingPage => self.forwarding_page.as_deref(),
            RedirectKind::Loopback => None,
        }
    }

    pub fn view(&self, client_secret_masked: Option<String>) -> OAuthSettingsView {
        OAuthSettingsView {
            provider: self.provider,
            client_id: self.client_id.clone(),
            scope: self.scope.clone(),
            redirect: self.redirect,
            redirect_uri: self
                .fixed_redirect_uri()
                .unwrap_or(LOOPBACK_REDIRECT_TO_REGISTER)
                .to_owned(),
            client_secret_masked,
        }
    }
}

/// The address of the user's forwarding page: HTTPS, as Stripe requires in
/// live mode, and with no query or fragment of its own, since the page
/// passes its whole query string on to the app.
fn validate_forwarding_page(input: &str) -> Result<String, Error> {
    let input = input.trim();
    let problem = |message: &str| {
        Error::invalid(
            Code::InvalidForwardingPage,
            format!("{message} For example: https://example.com/stripe-desk/callback"),
            Some("forwardingPage"),
        )
    };
    if input.is_empty() {
        return Err(problem("Enter the address of your forwarding page."));
    }
    let url = Url::parse(input).map_err(|_| problem("This is not a web address."))?;
    if url.scheme() != "https" {
        return Err(problem(
            "Stripe accepts only https:// addresses here; this one is not.",
        ));
    }
    if url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(problem(
            "The address needs a host name and nothing before it.",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(problem(
            "The address cannot have a ? or # part: Stripe adds its answer there.",
        ));
    }
    Ok(url.into())
}

/// The platform's (Connect) or developer's (Apps) secret key.
pub fn validate_client_secret(input: &str) -> Result<Secret, Error> {
    let s = input.trim();
    let ok = (s.starts_with("sk_test_") || s.starts_with("sk_live_"))
        && s.len() > 16
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(Secret::new(s))
    } else {
        Err(Error::invalid(
            Code::InvalidClientSecret,
            "The client secret is your platform's secret key (sk_test_... or sk_live_...) from Developers > API keys.",
            Some("clientSecret"),
        ))
    }
}

pub struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    pub fn new(data_dir: &Path) -> Self {
        SettingsFile {
            path: data_dir.join("oauth.json"),
        }
    }

    pub fn load(&self) -> Option<OAuthSettings> {
        let bytes = std::fs::read(&self.path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn save(&self, settings: &OAuthSettings) -> Result<(), Error> {
        private_files::write_atomically(
            &self.path,
            &serde_json::to_vec_pretty(settings).expect("settings serialize"),
        )
        .map_err(|e| Error::Storage(e.to_string()))
    }
}

/// A "Connect with Stripe" that was started and not yet answered. Kept in
/// `oauth-pending.json` so an answer that starts the app cold still fits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingFlow {
    pub state: String,
    pub settings: OAuthSettings,
    /// Unix seconds.
    started_at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateProblem {
    /// No flow is waiting, or the answer's state is not the one we sent
    /// (a forged link, or one answered already).
    Unknown,
    Expired,
    /// The settings changed since the flow started.
    SettingsChanged,
}

impl StateProblem {
    pub fn message(&self) -> &'static str {
        match self {
            StateProblem::Unknown => "This answer from Stripe does not belong to a connection Stripe Desk started (or it was used already). Nothing was saved. Click Connect with Stripe to start again.",
            StateProblem::Expired => "This connection attempt expired after 10 minutes. Nothing was saved. Click Connect with Stripe to start again.",
            StateProblem::SettingsChanged => "The OAuth settings changed while Stripe was open. Nothing was saved. Click Connect with Stripe to start again.",
        }
    }
}

impl PendingFlow {
    /// A fresh flow with 128 random bits of state.
    pub fn start(settings: OAuthSettings) -> PendingFlow {
        PendingFlow::start_at(settings, unix_now())
    }

    pub fn start_at(settings: OAuthSettings, now: u64) -> PendingFlow {
        PendingFlow {
            state: random_token("st"),
            settings,
            started_at: now,
        }
    }

    /// Whether an answer carries this flow's state.
    pub fn is_answered_by(&self, callback: &Callback) -> bool {
        callback.state().is_some_and(|s| same_state(&self.state, s))
    }

    /// Whether the flow an answer belongs to ([`Self::is_answered_by`]) may
    /// still finish. The caller removes the flow before calling, so a state
    /// is used at most once.
    pub fn check(&self, current: Option<&OAuthSettings>, now: u64) -> Result<(), StateProblem> {
        if now.saturating_sub(self.started_at) > STATE_LIFETIME.as_secs() || now < self.started_at {
            return Err(StateProblem::Expired);
        }
        if current != Some(&self.settings) {
            return Err(StateProblem::SettingsChanged);
        }
        Ok(())
    }

    /// The page to open in the system browser.
    pub fn authorize_url(
        &self,
        connect_base: &str,
        marketplace_base: &str,
        redirect_uri: &str,
    ) -> String {
        let s = &self.settings;
        let mut url = match s.provider {
            OAuthProvider::Connect => Url::parse(&format!("{connect_base}/oauth/authorize")),
            OAuthProvider::Apps => Url::parse(&format!("{marketplace_base}/oauth/v2/authorize")),
        }
        .expect("bases are URLs");
        {
            let mut q = url.query_pairs_mut();
            if s.provider == OAuthProvider::Connect {
                q.append_pair("response_type", "code");
            }
            q.append_pair("client_id", &s.client_id);
            if !s.scope.is_empty() {
                q.append_pair("scope", &s.scope);
            }
            q.append_pair("state", &self.state);
            q.append_pair("redirect_uri", redirect_uri);
        }
        url.into()
    }
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The pending flow's file; absent when nothing is waiting.
pub struct PendingFile {
    path: PathBuf,
}

impl PendingFile {
    pub fn new(data_dir: &Path) -> Self {
        PendingFile {
            path: data_dir.join("oauth-pending.json"),
        }
    }

    pub fn load(&self) -> Option<PendingFlow> {
        serde_json::from_slice(&std::fs::read(&self.path).ok()?).ok()
    }

    pub fn save(&self, flow: Option<&PendingFlow>) -> Result<(), Error> {
        match flow {
            Some(f) => private_files::write_atomically(
                &self.path,
                &serde_json::to_vec(f).expect("flow serializes"),
            )
            .map_err(|e| Error::Storage(e.to_string())),
            None => match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(Error::Storage(e.to_string()))
                }
                _ => Ok(()),
            },
        }
    }
}

/// Compares a flow's state with one from outside in constant time, so the
/// time taken tells nothing of how much of a guess was right.
pub(crate) fn same_state(ours: &str, given: &str) -> bool {
    let (a, b) = (ours.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Stripe's fields beyond standard OAuth, kept from the token answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StripeTokenFields {
    pub stripe_user_id: String,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub stripe_publishable_key: Option<String>,
}

impl ExtraTokenFields for StripeTokenFields {}

pub type StripeTokenResponse = StandardTokenResponse<StripeTokenFields, BasicTokenType>;

type TokenClient = oauth2::Client<
    BasicErrorResponse,
    StripeTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What a token call gave us, secrets wrapped.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_in: Option<Duration>,
    pub stripe_user_id: String,
    pub livemode: bool,
    pub scope: Option<String>,
}

/// Talks to Stripe's token endpoint for one provider.
pub struct TokenEndpoint {
    client: TokenClient,
    /// Token calls must not follow redirects (the `oauth2` crate's advice).
    http: reqwest::Client,
}

impl TokenEndpoint {
    pub fn new(
        provider: OAuthProvider,
        client_id: &str,
        client_secret: &Secret,
        connect_base: &str,
        api_base: &str,
    ) -> Result<Self, Error> {
        let token_url = match provider {
            OAuthProvider::Connect => format!("{connect_base}/oauth/token"),
            OAuthProvider::Apps => format!("{api_base}/v1/oauth/token"),
        };
        // Connect's token endpoint takes the platform key as `client_secret`
        // in the body; Stripe Apps' (an API endpoint) authenticates like any
        // API call, with the developer's key as the Basic-auth user name.
        let (id, secret, auth_type) = match provider {
            OAuthProvider::Connect => (
                client_id.to_owned(),
                client_secret.expose().to_owned(),
                AuthType::RequestBody,
            ),
            OAuthProvider::Apps => (
                client_secret.expose().to_owned(),
                String::new(),
                AuthType::BasicAuth,
            ),
        };
        let client = oauth2::Client::new(ClientId::new(id))
            .set_client_secret(ClientSecret::new(secret))
            .set_auth_type(auth_type)
            .set_token_uri(
                TokenUrl::new(token_url)
                    .map_err(|e| Error::invalid(Code::InvalidBase, e.to_string(), None))?,
            );
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(80))
            .build()
            .map_err(|e| Error::Network(e.to_string()))?;
        Ok(TokenEndpoint { client, http })
    }

    /// Exchanges a single-use code. Never call twice with one code: Stripe
    /// revokes the connection when a code is reused.
    pub async fn exchange_code(&self, code: &str) -> Result<Tokens, Error> {
        let answer = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .request_async(&self.http)
            .await;
        tokens(answer)
    }

    /// Stripe Apps: a new access token, and a new refresh token that
    /// replaces the one sent (which stops working).
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<Tokens, Error> {
        let token = RefreshToken::new(refresh_token.expose().to_owned());
        let answer = self
            .client
            .exchange_refresh_token(&token)
            .request_async(&self.http)
            .await;
        tokens(answer)
    }
}

fn tokens<RE: std::error::Error + 'static>(
    answer: Result<StripeTokenResponse, RequestTokenError<RE, BasicErrorResponse>>,
) -> Result<Tokens, Error> {
    match answer {
        Ok(t) => Ok(Tokens {
            access_token: Secret::new(t.access_token().secret()),
            refresh_token: t.refresh_token().map(|r| Secret::new(r.secret())),
            expires_in: t.expires_in(),
            stripe_user_id: t.extra_fields().stripe_user_id.clone(),
            livemode: t.extra_fields().livemode,
            scope: t
                .scopes()
                .map(|s| s.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(" ")),
        }),
        Err(RequestTokenError::ServerResponse(e)) => {
            let description = e.error_description().cloned().unwrap_or_default();
            Err(Error::invalid(
                Code::OauthRefused,
                format!(
                    "Stripe refused to finish the connection: {} {description}",
                    e.error()
                )
                .trim()
                .to_owned(),
                None,
            ))
        }
        Err(RequestTokenError::Request(e)) => Err(Error::Network(e.to_string())),
        Err(RequestTokenError::Parse(e, _)) => Err(Error::Decode(e.to_string())),
        Err(RequestTokenError::Other(e)) => Err(Error::Decode(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(
        provider: OAuthProvider,
        client_id: &str,
        scope: &str,
        redirect: RedirectKind,
    ) -> OAuthSettingsForm {
        OAuthSettingsForm {
            provider,
            client_id: client_id.into(),
            client_secret: None,
            scope: scope.into(),
            redirect,
            forwarding_page: None,
        }
    }

    /// A Connect form for `redirect` with `page` typed as the forwarding page.
    fn form_with_page(redirect: RedirectKind, page: &str) -> OAuthSettingsForm {
        OAuthSettingsForm {
            forwarding_page: Some(page.into()),
            ..form(OAuthProvider::Connect, "ca_Test123", "read_write", redirect)
        }
    }

    fn settings() -> OAuthSettings {
        OAuthSettings::validate(&form(
            OAuthProvider::Connect,
            "ca_Test123",
            "read_write",
            RedirectKind::AppLink,
        ))
        .unwrap()
    }

    #[test]
    fn state_is_128_random_bits_and_fresh_each_time() {
        let a = PendingFlow::start(settings());
        let b = PendingFlow::start(settings());
        assert_ne!(a.state, b.state);
        let hex = a.state.strip_prefix("st_").unwrap();
        assert_eq!(hex.len(), 32);
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn state_must_match_be_fresh_and_bound_to_the_settings() {
        let t0 = 1_800_000_000;
        let flow = PendingFlow::start_at(settings(), t0);
        let answer = |state: &str| Callback::Code {
            code: "ac_1".into(),
            state: state.into(),
            scope: None,
        };
        let current = settings();
        assert!(flow.is_answered_by(&answer(&flow.state)));
        assert_eq!(flow.check(Some(&current), t0 + 60), Ok(()));
        assert!(!flow.is_answered_by(&answer("st_forged")));
        assert!(!flow.is_answered_by(&answer(&flow.state[..flow.state.len() - 1])));
        let no_state = Callback::Error {
            error: "access_denied".into(),
            description: None,
            state: None,
        };
        assert!(!flow.is_answered_by(&no_state));
        assert_eq!(
            flow.check(Some(&current), t0 + STATE_LIFETIME.as_secs() + 1),
            Err(StateProblem::Expired)
        );
        let other = OAuthSettings::validate(&form(
            OAuthProvider::Connect,
            "ca_Other",
            "read_write",
            RedirectKind::AppLink,
        ))
        .unwrap();
        assert_eq!(
            flow.check(Some(&other), t0),
            Err(StateProblem::SettingsChanged)
        );
    }

    #[test]
    fn authorize_urls_carry_what_stripe_needs() {
        let flow = PendingFlow::start(settings());
        let url = Url::parse(&flow.authorize_url(
            "https://connect.stripe.com",
            "https://marketplace.stripe.com",
            REDIRECT_URI,
        ))
        .unwrap();
        assert_eq!(
            url.as_str().split('?').next(),
            Some("https://connect.stripe.com/oauth/authorize")
        );
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "ca_Test123");
        assert_eq!(q["scope"], "read_write");
        assert_eq!(q["state"], flow.state);
        assert_eq!(q["redirect_uri"], "stripe-desk://oauth/callback");
        let apps = PendingFlow::start(
            OAuthSettings::validate(&form(
                OAuthProvider::Apps,
                "abc_123",
                "",
                RedirectKind::Loopback,
            ))
            .unwrap(),
        );
        assert!(apps
            .authorize_url(
                "https://connect.stripe.com",
                "https://marketplace.stripe.com",
                "http://127.0.0.1:5555/oauth/callback"
            )
            .starts_with(
                "https://marketplace.stripe.com/oauth/v2/authorize?client_id=abc_123&state="
            ));
        let view = apps.settings.view(None);
        assert_eq!(view.redirect_uri, "http://127.0.0.1/oauth/callback");
    }

    #[test]
    fn settings_problems_name_their_field() {
        for (client_id, scope, param) in [
            ("", "read_write", "clientId"),
            ("pk_123", "read_write", "clientId"),
            ("ca_1", "everything", "scope"),
        ] {
            let err = OAuthSettings::validate(&form(
                OAuthProvider::Connect,
                client_id,
                scope,
                RedirectKind::AppLink,
            ))
            .unwrap_err();
            assert_eq!(
                crate::AppError::from(err).param.as_deref(),
                Some(param),
                "{client_id:?} {scope:?}"
            );
        }
        assert_eq!(
            crate::AppError::from(validate_client_secret("pk_test_123").unwrap_err())
                .param
                .as_deref(),
            Some("clientSecret")
        );
        assert!(validate_client_secret(" sk_test_1234567890abcdef ").is_ok());
    }

    #[test]
    fn a_forwarding_page_is_an_https_address_with_nothing_after_the_path() {
        let with_page = |page: &str| {
            OAuthSettings::validate(&form_with_page(RedirectKind::ForwardingPage, page))
        };
        let ok = with_page(" https://desk.example.com/stripe/callback ").unwrap();
        let view = ok.view(None);
        assert_eq!(
            view.redirect_uri,
            "https://desk.example.com/stripe/callback"
        );
        assert_eq!(ok.fixed_redirect_uri(), Some(view.redirect_uri.as_str()));
        for bad in [
            "",
            "desk.example.com/callback",
            "http://desk.example.com/callback",
            "stripe-desk://oauth/callback",
            "https://user@desk.example.com/callback",
            "https://desk.example.com/callback?x=1",
            "https://desk.example.com/callback#top",
        ] {
            let err = crate::AppError::from(with_page(bad).unwrap_err());
            assert_eq!(err.code, "invalid_forwarding_page", "{bad:?}");
            assert_eq!(err.param.as_deref(), Some("forwardingPage"));
            assert!(
                err.message.contains("https://example.com/"),
                "{}",
                err.message
            );
        }
        // Another redirect keeps no page address.
        let app_link = OAuthSettings::validate(&form_with_page(
            RedirectKind::AppLink,
            "https://desk.example.com/cb",
        ))
        .unwrap();
        assert_eq!(app_link.forwarding_page, None);
    }

    #[test]
    fn a_live_client_secret_needs_the_forwarding_page() {
        let live = Secret::new("sk_live_FAKE_not_a_real_key_0001");
        let test = Secret::new("sk_test_1234567890abcdef");
        for redirect in [RedirectKind::AppLink, RedirectKind::Loopback] {
            let s = OAuthSettings::validate(&form(
                OAuthProvider::Connect,
                "ca_Test123",
                "read_write",
                redirect,
            ))
            .unwrap();
            assert!(s.check_mode(&test).is_ok());
            let err = crate::AppError::from(s.check_mode(&live).unwrap_err());
            assert_eq!(
                (err.code.as_str(), err.param.as_deref()),
                ("live_needs_https", Some("redirect"))
            );
        }
        let page = OAuthSettings::validate(&form_with_page(
            RedirectKind::ForwardingPage,
            "https://desk.example.com/cb",
        ))
        .unwrap();
        assert!(page.check_mode(&live).is_ok());
    }
}
