//! What Stripe Desk's tests and benchmarks share, as a library of its own
//! (a dev-dependency), so each test binary and bench uses it like any
//! crate: [`window`] drives the real app window through tauri-driver under
//! Xvfb; [`exactly_once`] and [`prices`] drive the domain against the
//! simulator.

pub mod exactly_once;
pub mod prices;
pub mod window;
