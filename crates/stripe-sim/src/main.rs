//! `stripe-sim [--port N] [--spec PATH] [--demo]`: runs the simulator until
//! killed. Prints one line with the address once it listens. Requests are
//! always checked against Stripe's OpenAPI description: the bundled copy, or
//! the file `--spec` names (a missing or unreadable one stops it at start).

use std::io::Write;
use std::path::PathBuf;
use stripe_sim::{SimConfig, Simulator, SpecSource};

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
        stripe_sim::demo::setup(&sim);
    }
    println!("stripe-sim listening on {}", sim.base_url());
    let _ = std::io::stdout().flush();
    // Runs until killed.
    std::future::pending::<()>().await;
}
