//! Connections: API keys and "Connect with Stripe", what is saved of them
//! (in the data dir, secrets in the keyring), testing them, and sending
//! requests as one of them.

pub mod connection_test;
pub mod deep_link;
pub mod expected;
pub mod key_guide;
pub mod keys;
pub mod loopback;
pub mod oauth;
mod oauth_flow;
pub mod saved;
pub mod secret_store;
mod service;

pub use expected::ExpectedConnection;
pub use oauth_flow::{LoopbackWait, OAuthStart};
pub use service::Connections;
