//! The OAuth answer coming back into the app, as a typed value. A deep link
//! is text from outside the app (any program can open one): anything that is
//! not exactly the expected shape is refused.

use url::Url;

/// The app's deep-link scheme, registered in `tauri.conf.json`.
pub const SCHEME: &str = "stripe-desk";
/// Where Stripe sends the browser back to.
pub const REDIRECT_URI: &str = "stripe-desk://oauth/callback";
/// Longer than any real answer from Stripe; longer links are refused unread.
pub const MAX_LEN: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// Stripe approved: a single-use code to exchange for tokens.
    Code {
        code: String,
        state: String,
        scope: Option<String>,
    },
    /// Stripe (or the user) refused.
    Error {
        error: String,
        description: Option<String>,
        state: Option<String>,
    },
}

impl Callback {
    pub fn state(&self) -> Option<&str> {
        match self {
            Callback::Code { state, .. } => Some(state),
            Callback::Error { state, .. } => state.as_deref(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    TooLong,
    NotAUrl,
    WrongTarget,
    UnexpectedParameter(String),
    RepeatedParameter(String),
    BadValue(&'static str),
    Incomplete,
}

impl LinkError {
    pub fn message(&self) -> String {
        let what = match self {
            LinkError::TooLong => "it is far too long".into(),
            LinkError::NotAUrl => "it is not a valid address".into(),
            LinkError::WrongTarget => "it is not an answer to \"Connect with Stripe\"".into(),
            // Not the part's name: it is the sender's text, and it could
            // say anything to the user.
            LinkError::UnexpectedParameter(_) => "it carries a part Stripe does not send".into(),
            LinkError::RepeatedParameter(_) => "it carries a part twice".into(),
            LinkError::BadValue(p) => format!("its {p} is malformed"),
            LinkError::Incomplete => "it lacks the code or the state Stripe sends".into(),
        };
        format!("Stripe Desk ignored a link it was asked to open: {what}.")
    }
}

/// Parses `stripe-desk://oauth/callback?...`, or the loopback form
/// `http://127.0.0.1:PORT/oauth/callback?...`.
pub fn parse(input: &str) -> Result<Callback, LinkError> {
    if input.len() > MAX_LEN {
        return Err(LinkError::TooLong);
    }
    let url = Url::parse(input).map_err(|_| LinkError::NotAUrl)?;
    let deep =
        url.scheme() == SCHEME && url.host_str() == Some("oauth") && url.path() == "/callback";
    let loopback = url.scheme() == "http"
        && url.host_str() == Some("127.0.0.1")
        && url.path() == "/oauth/callback";
    if !(deep || loopback)
        || !url.username().is_empty()
        || url.password().is_some()
        || url.fragment().is_some()
    {
        return Err(LinkError::WrongTarget);
    }
    let mut code = None;
    let mut state = None;
    let mut scope = None;
    let mut error = None;
    let mut description = None;
    for (name, value) in url.query_pairs() {
        let (slot, check): (&mut Option<String>, fn(&str) -> bool) = match name.as_ref() {
            "code" => (&mut code, is_token),
            "state" => (&mut state, is_token),
            "scope" => (&mut scope, is_scope),
            "error" => (&mut error, is_token),
            "error_description" => (&mut description, is_description),
            other => return Err(LinkError::UnexpectedParameter(shorten(other))),
        };
        if slot.is_some() {
            return Err(LinkError::RepeatedParameter(name.into_owned()));
        }
        if !check(&value) {
            return Err(LinkError::BadValue(match name.as_ref() {
                "code" => "code",
                "state" => "state",
                "scope" => "scope",
                "error" => "error",
                _ => "error description",
            }));
        }
        *slot = Some(value.into_owned());
    }
    match (code, state, error) {
        (None, state, Some(error)) => Ok(Callback::Error {
            error,
            description,
            state,
        }),
        (Some(code), Some(state), None) => Ok(Callback::Code { code, state, scope }),
        _ => Err(LinkError::Incomplete),
    }
}

/// Codes, states and error names: Stripe's are short ASCII tokens.
fn is_token(v: &str) -> bool {
    (1..=512).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

fn is_scope(v: &str) -> bool {
    (1..=256).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b' ' || b == b':')
}

/// Free text for the user, but printable and bounded.
fn is_description(v: &str) -> bool {
    v.chars().count() <= 500 && !v.chars().any(char::is_control)
}

fn shorten(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_an_approval() {
        let cb = parse("stripe-desk://oauth/callback?code=ac_123ABC&state=st_abc&scope=read_write")
            .unwrap();
        assert_eq!(
            cb,
            Callback::Code {
                code: "ac_123ABC".into(),
                state: "st_abc".into(),
                scope: Some("read_write".into())
            }
        );
        let loopback = parse("http://127.0.0.1:43111/oauth/callback?state=s1&code=c1").unwrap();
        assert_eq!(loopback.state(), Some("s1"));
    }

    #[test]
    fn parses_a_refusal() {
        let cb = parse("stripe-desk://oauth/callback?error=access_denied&error_description=The+user+denied+your+request&state=s").unwrap();
        assert_eq!(
            cb,
            Callback::Error {
                error: "access_denied".into(),
                description: Some("The user denied your request".into()),
                state: Some("s".into())
            }
        );
    }

    #[test]
    fn refuses_everything_else() {
        let long = format!(
            "stripe-desk://oauth/callback?code=c&state={}",
            "a".repeat(5000)
        );
        let cases: Vec<(&str, LinkError)> = vec![
            ("", LinkError::NotAUrl),
            ("not a url", LinkError::NotAUrl),
            (
                "stripe-desk://other/callback?code=c&state=s",
                LinkError::WrongTarget,
            ),
            (
                "stripe-desk://oauth/callback/x?code=c&state=s",
                LinkError::WrongTarget,
            ),
            (
                "evil://oauth/callback?code=c&state=s",
                LinkError::WrongTarget,
            ),
            (
                "http://evil.example/oauth/callback?code=c&state=s",
                LinkError::WrongTarget,
            ),
            (
                "stripe-desk://user:pw@oauth/callback?code=c&state=s",
                LinkError::WrongTarget,
            ),
            (
                "stripe-desk://oauth/callback?code=c&state=s#frag",
                LinkError::WrongTarget,
            ),
            ("stripe-desk://oauth/callback?code=c", LinkError::Incomplete),
            (
                "stripe-desk://oauth/callback?state=s",
                LinkError::Incomplete,
            ),
            (
                "stripe-desk://oauth/callback?code=c&state=s&error=x",
                LinkError::Incomplete,
            ),
            (
                "stripe-desk://oauth/callback?code=c&code=d&state=s",
                LinkError::RepeatedParameter("code".into()),
            ),
            (
                "stripe-desk://oauth/callback?code=c&state=s&redirect=http://x",
                LinkError::UnexpectedParameter("redirect".into()),
            ),
            (
                "stripe-desk://oauth/callback?code=%3Cscript%3E&state=s",
                LinkError::BadValue("code"),
            ),
            (
                "stripe-desk://oauth/callback?code=c&state=",
                LinkError::BadValue("state"),
            ),
            (
                "stripe-desk://oauth/callback?error=x&error_description=a%00b",
                LinkError::BadValue("error description"),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), Err(expected), "{input:?}");
        }
        assert_eq!(parse(&long), Err(LinkError::TooLong));
        for e in [
            LinkError::TooLong,
            LinkError::Incomplete,
            LinkError::UnexpectedParameter("x".into()),
        ] {
            assert!(e.message().starts_with("Stripe Desk ignored a link"));
        }
        // The sender's own words never reach the user.
        for e in [
            LinkError::UnexpectedParameter("call_0800_EVIL".into()),
            LinkError::RepeatedParameter("call_0800_EVIL".into()),
        ] {
            assert!(!e.message().contains("EVIL"), "{}", e.message());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any text at all: parsed or refused, never a panic.
        #[test]
        fn never_panics_on_any_text(s in ".{0,600}") {
            let _ = parse(&s);
        }

        /// Hostile variations of a real link: never a panic, and whatever
        /// parses holds only well-formed values.
        #[test]
        fn hostile_links_parse_only_clean_values(
            prefix in prop_oneof![Just("stripe-desk://oauth/callback"), Just("stripe-desk://oauth/callback/"), Just("STRIPE-DESK://oauth/callback"), Just("stripe-desk:oauth/callback"), Just("http://127.0.0.1:1/oauth/callback")],
            query in "[a-z_=&%0-9A-F+;#?/.:<>\"'\\\\ -]{0,300}",
        ) {
            if let Ok(cb) = parse(&format!("{prefix}?{query}")) {
                match cb {
                    Callback::Code { code, state, .. } => prop_assert!(is_token(&code) && is_token(&state)),
                    Callback::Error { error, .. } => prop_assert!(is_token(&error)),
                }
            }
        }

        /// Every well-formed answer parses to exactly what was sent.
        #[test]
        fn well_formed_links_round_trip(code in "[A-Za-z0-9_]{1,64}", state in "[A-Za-z0-9_-]{1,64}", scope in proptest::option::of("read_write|read_only")) {
            let mut link = format!("stripe-desk://oauth/callback?code={code}&state={state}");
            if let Some(s) = &scope {
                link.push_str(&format!("&scope={s}"));
            }
            prop_assert_eq!(parse(&link), Ok(Callback::Code { code, state, scope }));
        }
    }
}
