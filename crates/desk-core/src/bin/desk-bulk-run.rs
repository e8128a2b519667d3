//! A run over a spreadsheet as a process of its own, through the real
//! domain (`bulk::sheet`, the mapping, the dry run, the runner, the ledger,
//! the one Stripe client): the crash test SIGKILLs it mid-run and runs the
//! same file again in a new process, as an app killed and started again.
//!
//! desk-bulk-run --api-base URL --data-dir DIR --file PATH --account ACCT
//!               (--action ID | --workflow ID) [--map SLOT=COLUMN]...
//!               [--retry-failed] [--rate N] [--comma]
//! Without `--map`, columns are mapped by their names. The key is read from
//! `STRIPE_DESK_RUN_KEY`, so it never shows in a process list. Prints the
//! run's last progress as JSON, after the dry run's summary on stderr.

use desk_core::bulk::job::Job;
use desk_core::bulk::ledger::Ledger;
use desk_core::bulk::mapping::{propose, TargetDef};
use desk_core::bulk::runner::{Control, Runner, Which};
use desk_core::bulk::{sheet, BulkOptions, BulkTarget, SlotMapping, SlotSource};
use desk_core::money::NumberFormat;
use desk_core::stripe::{Auth, ClientConfig, StripeClient};
use desk_core::views::Mode;
use desk_core::workflows::engine::RunAccount;
use desk_core::workflows::WorkflowStore;
use desk_core::Secret;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const USAGE: &str = "usage: desk-bulk-run --api-base URL --data-dir DIR --file PATH --account ACCT (--action ID | --workflow ID) [--map SLOT=COLUMN]... [--retry-failed] [--rate N] [--comma]";

fn fail(message: &str) -> ! {
    eprintln!("{message}\n{USAGE}");
    std::process::exit(2);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut base, mut dir, mut file, mut account, mut target) = (None, None, None, None, None);
    let mut maps = Vec::new();
    let (mut retry, mut rate, mut comma) = (false, 25usize, false);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--api-base" => base = args.next(),
            "--data-dir" => dir = args.next().map(PathBuf::from),
            "--file" => file = args.next().map(PathBuf::from),
            "--account" => account = args.next(),
            "--action" => {
                target = args
                    .next()
                    .map(|action_id| BulkTarget::Action { action_id })
            }
            "--workflow" => {
                target = args
                    .next()
                    .map(|workflow_id| BulkTarget::Workflow { workflow_id })
            }
            "--map" => maps.push(args.next().unwrap_or_default()),
            "--retry-failed" => retry = true,
            "--rate" => rate = args.next().and_then(|n| n.parse().ok()).unwrap_or(25),
            "--comma" => comma = true,
            other => fail(&format!("unknown argument {other}")),
        }
    }
    let (Some(base), Some(dir), Some(file), Some(account), Some(target)) =
        (base, dir, file, account, target)
    else {
        fail("missing arguments");
    };
    let Ok(key) = std::env::var("STRIPE_DESK_RUN_KEY") else {
        fail("set STRIPE_DESK_RUN_KEY");
    };
    let mut config = ClientConfig::new(base.clone(), base);
    config.retry.initial_delay = Duration::from_millis(50);
    config.timeout = Duration::from_secs(10);
    config.test_mode_rate = rate as u32;
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let code = runtime.block_on(async move {
        let client = StripeClient::new(config).expect("client");
        let auth = Auth {
            secret: Secret::new(key),
            mode: Mode::Test,
            stripe_account: None,
        };
        let def = match &target {
            BulkTarget::Action { action_id } => match desk_core::actions::find(action_id) {
                Some(a) => TargetDef::Action(a),
                None => fail("no such action"),
            },
            BulkTarget::Workflow { workflow_id } => {
                match WorkflowStore::new(&dir).load(workflow_id) {
                    Ok(w) => TargetDef::Workflow(w),
                    Err(e) => fail(&e.plain_message()),
                }
            }
        };
        let opened = match sheet::open(&file, None) {
            Ok(o) => o,
            Err(e) => fail(&e.plain_message()),
        };
        let header = sheet::detect_header(&opened.table);
        let columns = sheet::columns(&opened.table, header);
        let mut mapping = propose(&def, &columns);
        for m in &maps {
            let (slot, column) = m.split_once('=').unwrap_or((m, ""));
            let Some(c) = columns.iter().find(|c| c.name == column) else {
                fail(&format!("no column {column}"));
            };
            mapping.slots.retain(|s| s.slot != slot);
            mapping.slots.push(SlotMapping {
                slot: slot.to_owned(),
                source: SlotSource::Column { column: c.index },
                by_name: false,
            });
        }
        let options = BulkOptions {
            number_format: if comma {
                NumberFormat::COMMA
            } else {
                NumberFormat::POINT
            },
            ..BulkOptions::default()
        };
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut job = Job::new(
            name,
            Arc::new(opened),
            header,
            target,
            def,
            mapping,
            options,
        );
        job.dry_run();
        eprintln!("{}", job.summary(&Default::default()).sentence);
        let ledger = match Ledger::open(&Ledger::path_for(&dir)) {
            Ok(l) => Arc::new(l),
            Err(e) => fail(&e.plain_message()),
        };
        let runner = Runner {
            client: &client,
            auth: &auth,
            ledger,
            data_dir: &dir,
            account: RunAccount {
                name: account.clone(),
                id: account,
                livemode: false,
                through: None,
            },
            control: Arc::new(Control::default()),
            concurrency: Some(rate),
        };
        let which = if retry { Which::Failed } else { Which::NotDone };
        match runner.run(&job, which, &mut |_| {}).await {
            Ok(p) => {
                println!("{}", serde_json::to_string(&p).unwrap_or_default());
                0
            }
            Err(e) => {
                eprintln!("{}: {}", e.code(), e.plain_message());
                1
            }
        }
    });
    std::process::exit(code);
}
