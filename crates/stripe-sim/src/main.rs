//! `stripe-sim [--port N] [--spec PATH] [--demo]`: runs the simulator until
//! killed. Prints one line with the address once it listens. Requests are
//! always checked against Stripe's OpenAPI description: the bundled copy, or
//! the file `--spec` names (a missing or unreadable one stops it at start).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;
use stripe_sim::{KeyAccess, OAuthKind, SeedSpec, SimConfig, Simulator, SpecSource};

const USAGE: &str = "usage: stripe-sim [--port N] [--spec PATH] [--demo]";

fn parse_args() -> Result<(SimConfig, bool), String> {
    let mut config = SimConfig::default();
    let mut demo = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => {
                let v = args.next().ok_or("--port needs a value")?;
                config.port = v.parse().map_err(|_| format!("bad port: {v}"))?;
            }
            "--spec" => {
                config.spec =
                    SpecSource::File(PathBuf::from(args.next().ok_or("--spec needs a path")?));
            }
            "--demo" => demo = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument: {other}\n{USAGE}")),
        }
    }
    Ok((config, demo))
}

fn setup_demo(sim: &Simulator) {
    const ACCOUNT: &str = "acct_1DeskDemo";
    const KEY: &str = "sk_test_demo_4242424242424242";
    sim.add_account(ACCOUNT, "Demo Coffee Roasters");
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
    sim.add_key(
        "rk_test_demo_0000000000001111",
        ACCOUNT,
        KeyAccess::Restricted(read_only),
    );
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
    sim.start_demo_activity(ACCOUNT, Duration::from_secs(60));
}

#[tokio::main]
async fn main() {
    let (config, demo) = match parse_args() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let sim = match Simulator::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("stripe-sim: cannot start: {e}");
            std::process::exit(1);
        }
    };
    if demo {
        // Before the line is printed, so whoever waits for it finds the data.
        setup_demo(&sim);
    }
    println!("stripe-sim listening on {}", sim.base_url());
    let _ = std::io::stdout().flush();
    // Runs until killed.
    std::future::pending::<()>().await;
}
