//! A workflow run as a process of its own, through the real binding to the
//! actions (`ActionCatalog`, `ActionSteps`, the one Stripe client): the
//! crash test SIGKILLs it inside a step and resumes the run in a new
//! process, as an app killed mid-run and started again would.
//!
//! desk-workflow-run --api-base URL --data-dir DIR --workflow ID --account ACCT
//!                   [--input NAME=VALUE]... [--resume RUN_ID] [--go-ahead]
//! `--go-ahead`: the person agreed to a "For each" of more than 50 items.
//! The workflow is the one saved in DIR; the run history is kept there too.
//! The key is read from the `STRIPE_DESK_RUN_KEY` environment variable, so it
//! never shows in a process list. Prints the run record as JSON at the end.

use desk_core::money::NumberFormat;
use desk_core::stripe::{Auth, ClientConfig, StripeClient};
use desk_core::views::Mode;
use desk_core::workflows::engine::{RunAccount, RunRecord};
use desk_core::workflows::{ActionSteps, GoAhead, RunHistory, WorkflowStore};
use desk_core::Secret;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

const USAGE: &str = "usage: desk-workflow-run --api-base URL --data-dir DIR --workflow ID --account ACCT [--input NAME=VALUE]... [--resume RUN_ID] [--go-ahead]";

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut base, mut dir, mut workflow_id, mut account, mut resume) =
        (None, None, None, None, None);
    let mut inputs = BTreeMap::new();
    let mut go_ahead = GoAhead::default();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--go-ahead" => go_ahead.many_items = true,
            "--api-base" => base = args.next(),
            "--data-dir" => dir = args.next().map(PathBuf::from),
            "--workflow" => workflow_id = args.next(),
            "--account" => account = args.next(),
            "--resume" => resume = args.next(),
            "--input" => {
                let pair = args.next().unwrap_or_default();
                let (k, v) = pair.split_once('=').unwrap_or((&pair, ""));
                inputs.insert(k.to_owned(), v.to_owned());
            }
            other => {
                eprintln!("unknown argument {other}\n{USAGE}");
                std::process::exit(2);
            }
        }
    }
    let (Some(base), Some(dir), Some(workflow_id), Some(account)) =
        (base, dir, workflow_id, account)
    else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let Ok(key) = std::env::var("STRIPE_DESK_RUN_KEY") else {
        eprintln!("set STRIPE_DESK_RUN_KEY");
        std::process::exit(2);
    };
    let mut config = ClientConfig::new(base.clone(), base);
    config.retry.initial_delay = Duration::from_millis(50);
    config.timeout = Duration::from_secs(10);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let code = runtime.block_on(async move {
        let client = StripeClient::new(config).expect("client");
        let auth = Auth {
            secret: Secret::new(key),
            mode: Mode::Test,
            stripe_account: None,
        };
        let workflow = match WorkflowStore::new(&dir).load(&workflow_id) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("{}", e.plain_message());
                return 1;
            }
        };
        let history = RunHistory::new(&dir);
        let steps = ActionSteps {
            client: &client,
            auth: &auth,
        };
        let engine = steps.engine(&history, NumberFormat::POINT);
        let account = RunAccount {
            name: account.clone(),
            id: account,
            livemode: false,
            through: None,
        };
        let mut quiet = |_: &RunRecord| {};
        let run = match resume {
            Some(run_id) => {
                engine
                    .resume_with(&workflow, &run_id, &account, None, go_ahead, &mut quiet)
                    .await
            }
            None => {
                engine
                    .start_with(&workflow, account, inputs, go_ahead, &mut quiet)
                    .await
            }
        };
        match run {
            Ok(run) => {
                println!("{}", serde_json::to_string(&run).unwrap_or_default());
                0
            }
            Err(e) => {
                let e = desk_core::AppError::from(e);
                eprintln!("{}: {}", e.code, e.message);
                1
            }
        }
    });
    std::process::exit(code);
}
