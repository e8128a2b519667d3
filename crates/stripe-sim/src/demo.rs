//! The demo shop, "Demo Coffee Roasters": its account, its keys, a year of
//! sample data and its trading. The same shop for `stripe-sim --demo`
//! (scripts/demo.sh) and for the sample account inside the app.

use crate::{KeyAccess, OAuthKind, SeedSpec, Simulator};
use std::collections::BTreeSet;
use std::time::Duration;

pub const ACCOUNT: &str = "acct_1DeskDemo";
pub const ACCOUNT_NAME: &str = "Demo Coffee Roasters";
/// Full access, test mode.
pub const KEY: &str = "sk_test_demo_4242424242424242";
/// Reads the screens' resources, writes nothing.
pub const READ_ONLY_KEY: &str = "rk_test_demo_0000000000001111";

/// Sets the shop up and starts its trading. Returns the trading task,
/// which runs until aborted.
pub fn setup(sim: &Simulator) -> tokio::task::JoinHandle<()> {
    sim.add_account(ACCOUNT, ACCOUNT_NAME);
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    let read_only: BTreeSet<String> = [
        "rak_customer_read",
        "rak_product_read",
        "rak_price_read",
        "rak_plan_read",
        "rak_subscription_read",
        "rak_balance_read",
        "rak_balance_transaction_source_read",
        "rak_event_read",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    sim.add_key(READ_ONLY_KEY, ACCOUNT, KeyAccess::Restricted(read_only));
    sim.add_oauth_client("ca_demo_connect", KEY, OAuthKind::Connect);
    sim.add_oauth_client("ca_demo_apps", KEY, OAuthKind::Apps);
    sim.seed_sample_data(
        ACCOUNT,
        SeedSpec {
            customers: 200,
            products: 20,
            subscriptions: 50,
            balance_transactions: 20_000,
            rng_seed: 42,
        },
    );
    // Its shop keeps trading, so the Activity feed moves; events appear a
    // moment after they happen, as Stripe's do.
    sim.set_event_delay(Duration::from_secs(1));
    sim.start_demo_activity(ACCOUNT, Duration::from_secs(60))
}
