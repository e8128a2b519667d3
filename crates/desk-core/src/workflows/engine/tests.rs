//! Unit tests of the run's keys, failures, history and errors; whole runs
//! against the simulator are in `tests/it` (workflows_*.rs).

use super::*;
use crate::error::{AppError, StripeApiError};
use crate::workflows::files::temp_dir;
use crate::workflows::model::Problem;

#[test]
fn keys_are_derived_from_run_step_and_generation_only() {
    assert_eq!(
        idempotency_key("run_1a", "create_customer", 0),
        "stripe-desk-run_1a-create_customer-0"
    );
    assert_eq!(
        idempotency_key("run_1a", "create_customer", 0),
        idempotency_key("run_1a", "create_customer", 0)
    );
    let all = [
        idempotency_key("run_1a", "create_customer", 0),
        idempotency_key("run_1a", "create_customer", 1),
        idempotency_key("run_1b", "create_customer", 0),
        idempotency_key("run_1a", "create_subscription", 0),
    ];
    let distinct: std::collections::BTreeSet<_> = all.iter().collect();
    assert_eq!(distinct.len(), all.len());
    // Stripe accepts keys of up to 255 characters.
    let longest = idempotency_key(
        &crate::stripe::random_token("run"),
        &"a".repeat(40),
        u32::MAX,
    );
    assert!(longest.len() <= 255);
}

fn stripe(status: u16, param: Option<&str>) -> Error {
    Error::Stripe {
        status,
        error: Box::new(StripeApiError {
            param: param.map(str::to_owned),
            message: Some("The price specified is inactive.".into()),
            ..StripeApiError::default()
        }),
        request_id: None,
    }
}

#[test]
fn failures_say_whether_anything_may_have_been_created() {
    let f = StepFailure::from_error(&stripe(400, Some("items[0][price]")));
    assert_eq!(f.kind, FailureKind::Refused);
    assert_eq!(f.param.as_deref(), Some("items[0][price]"));
    assert_eq!(f.reason, "The price specified is inactive.");
    for (e, kind) in [
        (stripe(402, None), FailureKind::Refused),
        (stripe(404, None), FailureKind::Refused),
        (stripe(409, None), FailureKind::NoAnswer),
        (stripe(429, None), FailureKind::NoAnswer),
        (stripe(500, None), FailureKind::Unclear),
        (Error::Network("reset".into()), FailureKind::NoAnswer),
        (Error::Timeout, FailureKind::NoAnswer),
        (Error::Decode("eof".into()), FailureKind::Unclear),
        (
            Error::invalid(Code::InvalidForm, "Bad email", Some("email")),
            FailureKind::Refused,
        ),
    ] {
        assert_eq!(StepFailure::from_error(&e).kind, kind, "{e:?}");
    }
}

fn record(run_id: &str, started_at: i64) -> RunRecord {
    RunRecord {
        run_id: run_id.into(),
        workflow_id: "wf_1".into(),
        workflow_name: "W".into(),
        account: RunAccount {
            id: "acct_1".into(),
            name: "Shop".into(),
            livemode: false,
            through: None,
        },
        started_at,
        updated_at: started_at,
        inputs: BTreeMap::from([("email".into(), "jo@example.com".into())]),
        number_format: Default::default(),
        steps: vec![StepRecord {
            state: StepState::Done {
                result: StepResult {
                    output: serde_json::json!({"id": "cus_1"}),
                    summary: "Created cus_1".into(),
                    shown: None,
                },
                found_existing: false,
            },
            ..StepRecord::waiting("create_customer", "create_customer")
        }],
        outcome: Outcome::Succeeded,
        trigger: None,
    }
}

#[test]
fn history_keeps_runs_newest_first_and_skips_damaged_files() {
    let root = temp_dir("runs");
    let history = RunHistory::new(&root);
    assert_eq!(history.list("wf_1").unwrap(), vec![]);
    history.save(&record("run_old", 100)).unwrap();
    history.save(&record("run_new", 200)).unwrap();
    std::fs::write(root.join("workflows/runs/wf_1/run_bad.json"), b"{").unwrap();
    let runs = history.list("wf_1").unwrap();
    let ids: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["run_new", "run_old"]);
    assert_eq!(
        history.load("wf_1", "run_old").unwrap(),
        record("run_old", 100)
    );
    assert!(history.load("wf_1", "run_bad").is_err());
    assert!(matches!(
        history.load("wf_1", "run_none"),
        Err(Error::NotFound(_))
    ));
    assert!(history.load("wf_1", "../../x").is_err());
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn problems_cross_the_boundary_at_their_field() {
    let app = AppError::from(RunError::Problems(vec![Problem {
        step: Some("create_subscription".into()),
        field: Some("customer".into()),
        reason: "there is no step named create_custmer.".into(),
    }]));
    assert_eq!(app.code, "workflow_not_ready");
    assert_eq!(app.param.as_deref(), Some("customer"));
    assert_eq!(
        app.message,
        "Step create_subscription: there is no step named create_custmer."
    );
}
