//! Where Stripe is. Overridable for tests and the demo, and shown in the
//! window whenever it is not the real thing.

use std::env;

pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";
pub const DEFAULT_CONNECT_BASE: &str = "https://connect.stripe.com";
pub const DEFAULT_MARKETPLACE_BASE: &str = "https://marketplace.stripe.com";
/// The API version this app is written against (that of the bundled OpenAPI description).
pub const STRIPE_VERSION: &str = "2026-05-27.dahlia";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bases {
    pub api: String,
    pub connect: String,
    pub marketplace: String,
}

impl Default for Bases {
    fn default() -> Self {
        Bases {
            api: DEFAULT_API_BASE.into(),
            connect: DEFAULT_CONNECT_BASE.into(),
            marketplace: DEFAULT_MARKETPLACE_BASE.into(),
        }
    }
}

impl Bases {
    /// Reads `STRIPE_DESK_API_BASE`, `STRIPE_DESK_CONNECT_BASE` and
    /// `STRIPE_DESK_MARKETPLACE_BASE`; unset or empty means Stripe's own.
    pub fn from_env() -> Self {
        let pick = |name: &str, default: &str| {
            env::var(name)
                .ok()
                .map(|v| v.trim().trim_end_matches('/').to_owned())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Bases {
            api: pick("STRIPE_DESK_API_BASE", DEFAULT_API_BASE),
            connect: pick("STRIPE_DESK_CONNECT_BASE", DEFAULT_CONNECT_BASE),
            marketplace: pick("STRIPE_DESK_MARKETPLACE_BASE", DEFAULT_MARKETPLACE_BASE),
        }
    }

    /// The bases that are not Stripe's, for the banner in the window.
    pub fn non_default(&self) -> Vec<String> {
        let defaults = Bases::default();
        [
            (&self.api, &defaults.api),
            (&self.connect, &defaults.connect),
            (&self.marketplace, &defaults.marketplace),
        ]
        .into_iter()
        .filter(|(v, d)| v != d)
        .fold(Vec::new(), |mut shown, (v, _)| {
            if !shown.contains(v) {
                shown.push(v.clone());
            }
            shown
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_stripe_and_overrides_are_reported() {
        assert!(Bases::default().non_default().is_empty());
        let b = Bases {
            api: "http://127.0.0.1:9".into(),
            ..Bases::default()
        };
        assert_eq!(b.non_default(), vec!["http://127.0.0.1:9".to_string()]);
        let all_local = Bases {
            api: "http://127.0.0.1:9".into(),
            connect: "http://127.0.0.1:9".into(),
            marketplace: "http://127.0.0.1:8".into(),
        };
        assert_eq!(
            all_local.non_default(),
            ["http://127.0.0.1:9", "http://127.0.0.1:8"]
        );
    }
}
