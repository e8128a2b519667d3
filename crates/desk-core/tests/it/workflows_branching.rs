//! Workflows that decide (issue 21): "Only if" conditions on every kind of
//! value, decided against the local Stripe simulator over real HTTP through
//! the real actions; references to a branch refused by the checks, at
//! their place, in words; "Find or create a customer, then subscribe them"
//! down both of its paths; the `{{` menu and the review of branches; and a
//! straight workflow saved in today's format, still loading and running.

use desk_core::money::NumberFormat;
use desk_core::secret::Secret;
use desk_core::stripe::{Auth, ClientConfig, Params, Request, StripeClient};
use desk_core::views::Mode;
use desk_core::workflows::engine::{Outcome, RunAccount, RunHistory, RunRecord, StepState};
use desk_core::workflows::menu::menu;
use desk_core::workflows::model::InputKind;
use desk_core::workflows::{
    templates, ActionCatalog, ActionSteps, Comparison, Condition, Flow, Step, Test, Workflow,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;
use stripe_sim::{KeyAccess, SimConfig, Simulator};

const KEY: &str = "sk_test_51BranchingWorkflowKey000001234";
const ACCOUNT: &str = "acct_1BranchingShop";

async fn sim() -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(ACCOUNT, "Branching Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim
}

fn client(sim: &Simulator) -> StripeClient {
    let mut c = ClientConfig::new(sim.base_url(), sim.base_url());
    c.retry.initial_delay = Duration::from_millis(5);
    c.retry.max_delay = Duration::from_millis(20);
    StripeClient::new(c).unwrap()
}

fn auth() -> Auth {
    Auth {
        secret: Secret::new(KEY),
        mode: Mode::Test,
        stripe_account: None,
    }
}

fn account() -> RunAccount {
    RunAccount {
        id: ACCOUNT.into(),
        name: "Branching Shop".into(),
        livemode: false,
        through: None,
    }
}

/// Runs kept in a scratch folder, removed when the test ends.
struct Scratch {
    dir: std::path::PathBuf,
    history: RunHistory,
    auth: Auth,
}

impl Scratch {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(desk_core::stripe::random_token("desk-wf-branch"));
        Scratch {
            history: RunHistory::new(&dir),
            dir,
            auth: auth(),
        }
    }

    fn steps<'a>(&'a self, client: &'a StripeClient) -> ActionSteps<'a> {
        ActionSteps {
            client,
            auth: &self.auth,
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn fields(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// A plan (Stripe's older form of a recurring price) of 15.00 USD a month;
/// returns its product's ID.
async fn plan_of_15_usd(c: &StripeClient) -> String {
    let product = c
        .send(
            &auth(),
            &Request::post("/v1/products").params(Params::new().text("name", "Coffee club")),
        )
        .await
        .unwrap();
    let product = product["id"].as_str().unwrap().to_owned();
    c.send(
        &auth(),
        &Request::post("/v1/plans").params(
            Params::new()
                .text("product", &product)
                .text("amount", "1500")
                .text("currency", "usd")
                .text("interval", "month"),
        ),
    )
    .await
    .unwrap();
    product
}

fn cmp(value: &str, test: Test, format: NumberFormat) -> Comparison {
    let mut c = Comparison::new(value, test);
    c.number_format = Some(format);
    c.time_zone = Some("UTC".into());
    c
}

fn to(s: &str) -> String {
    s.to_owned()
}

/// Issue 21, "Simulator and proof": every comparison on each kind of value
/// (text, email, ID, amount typed with a decimal comma and a point, an
/// amount input, currency, yes/no, date, an untyped result, a list) and
/// "all of" / "any of", each guarding a group whose step reads the
/// customer: the run records which way each went, and why, and ran exactly
/// the steps of the conditions that held.
#[tokio::test]
async fn every_comparison_on_each_kind_decides_against_the_simulator() {
    use NumberFormat as F;
    use Test::*;
    let sim = sim().await;
    let c = client(&sim);
    let product = plan_of_15_usd(&c).await;
    let _ = product;
    let today = jiff::Timestamp::from_second(sim.now())
        .unwrap()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .to_string();

    let mut w = Workflow::new("Every comparison");
    w.add_input("email", "Email", InputKind::Email).unwrap();
    w.add_input(
        "fee",
        "Fee",
        InputKind::AmountIn {
            currency: "eur".into(),
        },
    )
    .unwrap();
    w.steps = vec![
        Step::action(
            "customer",
            "create_customer",
            fields(json!({"name": "Maria Lopez", "email": "Maria@Example.com"})),
        ),
        Step::action("plans", "list_plans", fields(json!({"limit": "1"}))),
        Step::action(
            "nobody",
            "list_customers",
            fields(json!({"email": "nobody@example.com"})),
        ),
        Step::action(
            "raw",
            "any_endpoint",
            fields(json!({"method": "GET", "path": "/v1/customers/{{customer.id}}"})),
        ),
    ];
    let p = F::POINT;
    let k = F::COMMA;
    let name = "{{customer.name}}";
    let amount = "{{plans.data.0.amount}}";
    let cases: Vec<(Condition, bool)> = vec![
        // Text, without regard to capital letters.
        (
            Condition::all(vec![cmp(
                name,
                Equals {
                    to: to("maria lopez"),
                },
                p,
            )]),
            true,
        ),
        (
            Condition::all(vec![cmp(name, Equals { to: to("Maria") }, p)]),
            false,
        ),
        (
            Condition::all(vec![cmp(name, Contains { to: to("LOP") }, p)]),
            true,
        ),
        (
            Condition::all(vec![cmp(name, StartsWith { to: to("maria") }, p)]),
            true,
        ),
        (
            Condition::all(vec![cmp(name, EndsWith { to: to("Lopez") }, p)]),
            true,
        ),
        (
            Condition::all(vec![cmp(name, EndsWith { to: to("Maria") }, p)]),
            false,
        ),
        (
            Condition::all(vec![cmp(
                name,
                IsOneOf {
                    to: vec![to("Jo Baker"), to("maria lopez")],
                },
                p,
            )]),
            true,
        ),
        (Condition::all(vec![cmp(name, IsNotEmpty, p)]), true),
        (
            Condition::all(vec![cmp("{{customer.phone}}", IsEmpty, p)]),
            true,
        ),
        // Email, against an input.
        (
            Condition::all(vec![cmp(
                "{{customer.email}}",
                Equals {
                    to: to("{{input.email}}"),
                },
                p,
            )]),
            true,
        ),
        (
            Condition::all(vec![cmp(
                "{{customer.email}}",
                EndsWith {
                    to: to("@example.com"),
                },
                p,
            )]),
            true,
        ),
        // IDs, exactly.
        (
            Condition::all(vec![cmp(
                "{{customer.id}}",
                StartsWith { to: to("cus_") },
                p,
            )]),
            true,
        ),
        (
            Condition::all(vec![cmp("{{customer.id}}", Equals { to: to("CUS_X") }, p)]),
            false,
        ),
        // An amount of the result (15.00 USD), typed with a decimal comma or point.
        (
            Condition::all(vec![cmp(amount, GreaterThan { to: to("14,99") }, k)]),
            true,
        ),
        (
            Condition::all(vec![cmp(amount, GreaterThan { to: to("1.500,00") }, k)]),
            false,
        ),
        (
            Condition::all(vec![cmp(amount, Equals { to: to("15,00") }, k)]),
            true,
        ),
        (
            Condition::all(vec![cmp(amount, LessThan { to: to("15.01") }, p)]),
            true,
        ),
        (
            Condition::all(vec![cmp(amount, LessThan { to: to("15") }, p)]),
            false,
        ),
        (
            Condition::all(vec![cmp(
                amount,
                IsOneOf {
                    to: vec![to("10"), to("15")],
                },
                p,
            )]),
            true,
        ),
        // An amount input (12,50 EUR, typed with a decimal comma).
        (
            Condition::all(vec![cmp("{{input.fee}}", Equals { to: to("12,5") }, k)]),
            true,
        ),
        (
            Condition::all(vec![cmp(
                "{{input.fee}}",
                GreaterThan { to: to("12,49") },
                k,
            )]),
            true,
        ),
        // A currency.
        (
            Condition::all(vec![cmp(
                "{{plans.data.0.currency}}",
                Equals { to: to("USD") },
                p,
            )]),
            true,
        ),
        (
            Condition::all(vec![cmp(
                "{{plans.data.0.currency}}",
                IsOneOf {
                    to: vec![to("eur"), to("gbp")],
                },
                p,
            )]),
            false,
        ),
        // Yes/no.
        (
            Condition::all(vec![cmp("{{plans.data.0.active}}", IsTrue, p)]),
            true,
        ),
        (
            Condition::all(vec![cmp("{{plans.data.0.active}}", IsFalse, p)]),
            false,
        ),
        // Dates: a typed day is the whole day.
        (
            Condition::all(vec![cmp(
                "{{customer.created}}",
                GreaterThan {
                    to: to("2020-01-01"),
                },
                p,
            )]),
            true,
        ),
        (
            Condition::all(vec![cmp(
                "{{customer.created}}",
                LessThan {
                    to: to("2020-01-01"),
                },
                p,
            )]),
            false,
        ),
        (
            Condition::all(vec![cmp(
                "{{customer.created}}",
                Equals { to: today.clone() },
                p,
            )]),
            true,
        ),
        // A result the description leaves open: compared as what it is.
        (
            Condition::all(vec![cmp(
                "{{raw.name}}",
                Equals {
                    to: to("Maria Lopez"),
                },
                p,
            )]),
            true,
        ),
        (
            Condition::all(vec![cmp(
                "{{raw.balance}}",
                GreaterThan { to: to("-1") },
                p,
            )]),
            true,
        ),
        (
            Condition::all(vec![cmp("{{raw.balance}}", LessThan { to: to("0") }, p)]),
            false,
        ),
        // Lists: found none, found some.
        (
            Condition::all(vec![cmp("{{nobody.data}}", IsEmpty, p)]),
            true,
        ),
        (
            Condition::all(vec![cmp("{{plans.data}}", IsNotEmpty, p)]),
            true,
        ),
        (
            Condition::all(vec![cmp("{{nobody.data.0.email}}", IsNotEmpty, p)]),
            false,
        ),
        // All of, any of.
        (
            Condition::any(vec![
                cmp(name, Equals { to: to("x") }, p),
                cmp("{{customer.id}}", StartsWith { to: to("cus_") }, p),
            ]),
            true,
        ),
        (
            Condition::all(vec![
                cmp(
                    name,
                    Equals {
                        to: to("Maria Lopez"),
                    },
                    p,
                ),
                cmp("{{plans.data}}", IsEmpty, p),
            ]),
            false,
        ),
    ];
    for (i, (condition, _)) in cases.iter().enumerate() {
        w.steps.push(Step::group(
            &format!("case_{i}"),
            condition.clone(),
            vec![Step::action(
                &format!("ran_{i}"),
                "get_customer",
                fields(json!({"customer": "{{customer.id}}"})),
            )],
            Vec::new(),
        ));
    }
    assert_eq!(w.check(&ActionCatalog), vec![]);

    let scratch = Scratch::new();
    let executor = scratch.steps(&c);
    let engine = executor.engine(&scratch.history, NumberFormat::COMMA);
    let inputs = BTreeMap::from([
        ("email".to_owned(), "maria@example.com".to_owned()),
        ("fee".to_owned(), "12,50".to_owned()),
    ]);
    let run = engine
        .start(&w, account(), inputs, &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(run.outcome, Outcome::Succeeded, "{run:#?}");
    for (i, (_, held)) in cases.iter().enumerate() {
        let group = run.step(&format!("case_{i}")).unwrap();
        let decision = group.decision.as_ref().expect("decided");
        assert_eq!(decision.held, *held, "case {i}: {}", decision.why);
        let ran = run.step(&format!("ran_{i}")).unwrap();
        if *held {
            assert!(decision.why.starts_with("Only if: "), "{}", decision.why);
            assert!(matches!(ran.state, StepState::Done { .. }), "case {i}");
            assert_eq!(ran.skipped, None);
        } else {
            assert!(decision.why.starts_with("Skipped: "), "{}", decision.why);
            assert!(matches!(ran.state, StepState::Waiting), "case {i}");
            assert_eq!(ran.skipped.as_deref(), Some(decision.why.as_str()));
        }
    }
    // Why, in words, with what the run found.
    let why = |i: usize| {
        run.step(&format!("case_{i}"))
            .unwrap()
            .decision
            .clone()
            .unwrap()
            .why
    };
    assert_eq!(why(31), "Only if: Step 3 (List Customers) found none");
    assert_eq!(
        why(1),
        "Skipped: Step 1, Create Customer → Name is “Maria Lopez”, not “Maria”"
    );
    assert_eq!(
        why(14),
        "Skipped: Step 2, List Plans → First found → Price is 15,00 USD, not more than 1.500,00 USD"
    );
    assert_eq!(why(19), "Only if: Fee is 12,50 EUR");
    assert!(why(27).ends_with(&format!("is {today}")), "{}", why(27));
    // Kept in the run history as the run view shows it.
    let kept = scratch.history.load(&w.id, &run.run_id).unwrap();
    assert_eq!(
        kept.step("case_31").unwrap().decision,
        run.step("case_31").unwrap().decision
    );
    // Only the steps whose condition held read the customer.
    let reads = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/v1/customers/cus_"))
        .count();
    let held = cases.iter().filter(|(_, h)| *h).count();
    assert_eq!(
        reads,
        held + 1,
        "one read each, and the request to any endpoint"
    );
}

/// A typed amount is checked before the run in the amount's currency when
/// that is known (an input's); when it is the result's own, the run reads
/// it in that currency, and one it cannot read stops the run at the
/// condition's place, in words, before the guarded step is sent.
#[tokio::test]
async fn a_condition_the_run_cannot_read_stops_at_its_place() {
    let sim = sim().await;
    let c = client(&sim);
    plan_of_15_usd(&c).await;
    let mut w = Workflow::new("Amount");
    w.add_input(
        "fee",
        "Fee",
        InputKind::AmountIn {
            currency: "jpy".into(),
        },
    )
    .unwrap();
    w.steps = vec![
        Step::action("plans", "list_plans", fields(json!({"limit": "1"}))),
        Step::group(
            "big",
            Condition::all(vec![cmp(
                "{{plans.data.0.amount}}",
                Test::GreaterThan {
                    to: "12.340".into(),
                },
                NumberFormat::POINT,
            )]),
            vec![Step::action(
                "make",
                "create_customer",
                fields(json!({"name": "Never"})),
            )],
            Vec::new(),
        ),
    ];
    // Typed for the JPY input: no decimals, said before the run.
    let mut typed = w.clone();
    typed.steps[1].only_if = Some(Condition::all(vec![cmp(
        "{{input.fee}}",
        Test::GreaterThan { to: "12.5".into() },
        NumberFormat::POINT,
    )]));
    let found = typed.check(&ActionCatalog);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field.as_deref(), Some("only_if.tests.0.to"));
    assert_eq!(
        found[0].reason,
        "JPY has no decimal places: enter a whole amount."
    );

    // The plan's currency is known only in the run: USD has two decimals.
    assert_eq!(w.check(&ActionCatalog), vec![]);
    let scratch = Scratch::new();
    let executor = scratch.steps(&c);
    let engine = executor.engine(&scratch.history, NumberFormat::POINT);
    let run = engine
        .start(
            &w,
            account(),
            BTreeMap::from([("fee".to_owned(), "1500".to_owned())]),
            &mut |_: &RunRecord| {},
        )
        .await
        .unwrap();
    assert_eq!(run.outcome, Outcome::Failed { step: "big".into() });
    let StepState::Failed { failure } = &run.step("big").unwrap().state else {
        panic!("{run:#?}")
    };
    assert_eq!(failure.field.as_deref(), Some("only_if.tests.0.to"));
    assert_eq!(failure.reason, "USD amounts have at most 2 decimal places.");
    assert!(matches!(
        run.step("make").unwrap().state,
        StepState::Waiting
    ));
    assert_eq!(sim.count(ACCOUNT, "customers"), 0, "nothing was sent");
}

fn problems(w: &Workflow) -> Vec<(String, String, String)> {
    w.check(&ActionCatalog)
        .into_iter()
        .map(|p| {
            (
                p.step.unwrap_or_default(),
                p.field.unwrap_or_default(),
                p.reason,
            )
        })
        .collect()
}

fn one_problem(w: &Workflow, step: &str, field: &str, says: &str) {
    let found = problems(w);
    assert_eq!(found.len(), 1, "{found:#?}");
    let (s, f, reason) = &found[0];
    assert_eq!((s.as_str(), f.as_str()), (step, field), "{reason}");
    assert!(reason.contains(says), "{reason}\n  should say: {says}");
}

fn group_steps<'w>(w: &'w mut Workflow, name: &str) -> &'w mut Vec<Step> {
    let step = w.steps.iter_mut().find(|s| s.name == name).unwrap();
    match &mut step.flow {
        Some(Flow::Group { steps, .. }) | Some(Flow::ForEach { steps, .. }) => steps,
        _ => unreachable!(),
    }
}

/// Issue 21, "What a later step can reference": a result of a step that
/// may not have run is refused at the field that uses it, saying why and
/// what to do; a "First of" takes it. Conditions, lists and "First of"
/// values are checked like every reference, each problem at its place.
#[test]
fn references_to_a_branch_are_refused_by_the_checks_and_say_why() {
    let base = templates::find_or_create_customer_then_subscribe();
    assert_eq!(problems(&base), vec![]);

    // A step after the group uses the created customer directly.
    let mut w = base.clone();
    w.steps[3].fields["customer"] = json!("{{create_customer.id}}");
    one_problem(
        &w,
        "create_subscription",
        "customer",
        "Step 3, Create Customer → ID may not be there when this step runs: it runs only if Step 1 (List Customers) found none (Step 2 (Only if)). Use it through a “First of” value that tries it and another result, or use a step that runs on every path.",
    );

    // A "First of" whose values are of two kinds.
    let mut w = base.clone();
    w.steps[2].flow = Some(Flow::FirstOf {
        of: vec![
            "{{find_customer.data.0.id}}".into(),
            "{{find_customer.data.0.email}}".into(),
        ],
    });
    one_problem(
        &w,
        "customer",
        "flow.of.1",
        "a “First of” takes values of one kind",
    );

    // A condition on a field the result cannot have.
    let mut w = base.clone();
    w.steps[1].only_if.as_mut().unwrap().tests[0].value = "{{find_customer.data.0.emial}}".into();
    one_problem(
        &w,
        "if_new",
        "only_if.tests.0.value",
        "Step 1, List Customers → First found → Emial is not part of what Step 1 (List Customers) gives back.",
    );

    // A test that cannot apply to the kind of value.
    let mut w = base.clone();
    w.steps[1].only_if = Some(Condition::all(vec![Comparison::new(
        "{{input.email}}",
        Test::GreaterThan { to: "3".into() },
    )]));
    one_problem(&w, "if_new", "only_if.tests.0.test", "Customer email is an email address: only amounts, whole numbers and dates can be more or less than something.");

    // A typed amount or date that cannot be read.
    let mut w = base.clone();
    w.add_input(
        "fee",
        "Fee",
        InputKind::AmountIn {
            currency: "eur".into(),
        },
    )
    .unwrap();
    w.steps[1].only_if = Some(Condition::all(vec![cmp(
        "{{input.fee}}",
        Test::GreaterThan {
            to: "12,5,0".into(),
        },
        NumberFormat::COMMA,
    )]));
    one_problem(
        &w,
        "if_new",
        "only_if.tests.0.to",
        "The separators in this amount do not make sense",
    );
    w.steps[1].only_if = Some(Condition::all(vec![cmp(
        "{{find_customer.data.0.created}}",
        Test::LessThan {
            to: "31/03/2025".into(),
        },
        NumberFormat::POINT,
    )]));
    one_problem(
        &w,
        "if_new",
        "only_if.tests.0.to",
        "“31/03/2025” is not a date: enter one like 2025-03-31.",
    );
    // Compared with a reference of another kind.
    w.steps[1].only_if = Some(Condition::all(vec![Comparison::new(
        "{{input.fee}}",
        Test::Equals {
            to: "{{input.email}}".into(),
        },
    )]));
    one_problem(
        &w,
        "if_new",
        "only_if.tests.0.to",
        "Fee is an amount, and Customer email is an email address: they cannot be compared.",
    );
    w.steps[1].only_if = Some(Condition::all(Vec::new()));
    one_problem(&w, "if_new", "only_if.tests", "Add at least one condition");
    w.steps[1].only_if = Some(Condition::all(vec![Comparison::new(
        "{{input.email}}",
        Test::IsOneOf { to: Vec::new() },
    )]));
    one_problem(
        &w,
        "if_new",
        "only_if.tests.0.to",
        "Add at least one value it may be.",
    );

    // A condition that tests a result that may not be there.
    let mut w = base.clone();
    w.steps.insert(
        3,
        Step::group(
            "check_new",
            Condition::all(vec![Comparison::new(
                "{{create_customer.id}}",
                Test::IsEmpty,
            )]),
            vec![Step::action("again", "list_customers", Map::new())],
            Vec::new(),
        ),
    );
    one_problem(
        &w,
        "check_new",
        "only_if.tests.0.value",
        "may not be there when this step runs",
    );

    // "Otherwise" with no "Only if", and a group with nothing in it.
    let mut w = base.clone();
    w.steps[1].only_if = None;
    w.steps[1].flow = Some(Flow::Group {
        steps: Vec::new(),
        otherwise: vec![Step::action(
            "create_customer",
            "create_customer",
            Map::new(),
        )],
    });
    w.steps[3].fields["customer"] = json!("{{create_customer.id}}");
    let found = problems(&w);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1.as_str()),
        ("if_new", "flow.otherwise")
    );
    assert!(found[0].2.contains("add the “Only if”"), "{}", found[0].2);
    assert_eq!(
        (found[1].0.as_str(), found[1].1.as_str()),
        ("create_subscription", "customer")
    );
    assert!(
        found[1]
            .2
            .contains("it is in an “Otherwise” with no “Only if” above it, so it never runs"),
        "{}",
        found[1].2
    );

    // A step inside the group that uses a later one.
    let mut w = base.clone();
    group_steps(&mut w, "if_new")[0]
        .fields
        .insert("description".into(), json!("{{create_subscription.id}}"));
    one_problem(
        &w,
        "create_customer",
        "description",
        "comes from a step that runs later (step 5 of 5)",
    );

    // For each: over something that is not a list, the item outside it,
    // its results after it, one inside another.
    let mut w = Workflow::new("Loops");
    w.steps = vec![
        Step::action("everyone", "list_customers", Map::new()),
        Step::for_each(
            "each",
            "{{everyone.data}}",
            vec![Step::action(
                "rename",
                "update_customer",
                fields(json!({"customer": "{{item.id}}", "name": "{{item.name}} (VIP)"})),
            )],
        ),
        Step::action(
            "after",
            "get_customer",
            fields(json!({"customer": "{{everyone.data.0.id}}"})),
        ),
    ];
    assert_eq!(problems(&w), vec![]);
    let mut bad = w.clone();
    bad.steps[1].flow = Some(Flow::ForEach {
        over: "{{everyone.has_more}}".into(),
        steps: vec![Step::action(
            "rename",
            "update_customer",
            fields(json!({"customer": "cus_1"})),
        )],
        side_by_side: false,
        stop_at_first_failure: false,
    });
    one_problem(
        &bad,
        "each",
        "flow.over",
        "Step 1, List Customers → Has more is a yes/no value, not a list",
    );
    let mut bad = w.clone();
    bad.steps[2].fields["customer"] = json!("{{item.id}}");
    one_problem(
        &bad,
        "after",
        "customer",
        "The current item is there only inside a “For each”: this step is not in one.",
    );
    let mut bad = w.clone();
    bad.steps[2].fields["customer"] = json!("{{rename.id}}");
    one_problem(&bad, "after", "customer", "it runs once for each item of Step 2 (For each), so it has one result per item. Use it inside that “For each”.");
    let mut bad = w.clone();
    group_steps(&mut bad, "each")[0]
        .fields
        .insert("email".into(), json!("{{item.emial}}"));
    one_problem(
        &bad,
        "rename",
        "email",
        "Current item → Emial is not part of the current item.",
    );
    let mut bad = w.clone();
    group_steps(&mut bad, "each").push(Step::for_each(
        "inner",
        "{{everyone.data}}",
        vec![Step::action(
            "x",
            "get_customer",
            fields(json!({"customer": "{{item.id}}"})),
        )],
    ));
    one_problem(
        &bad,
        "inner",
        "",
        "A “For each” cannot be inside another “For each”",
    );

    // Every page: only on a step that lists, within the limit.
    let mut bad = w.clone();
    bad.steps[0].every_page_up_to = Some(0);
    one_problem(
        &bad,
        "everyone",
        "every_page_up_to",
        "Fetch between 1 and 10000 items; 0 is not.",
    );
    let mut bad = w.clone();
    bad.steps[2].every_page_up_to = Some(100);
    one_problem(
        &bad,
        "after",
        "every_page_up_to",
        "Get Customer by ID does not list",
    );
}

/// Issue 21, "Find or create": the ready template down both paths against
/// the simulator. The first run finds no customer with the email and
/// creates one; the second finds them, skips the create (saying why) and
/// sends no create at all. Both subscribe the one customer, by an emailed
/// invoice.
#[tokio::test]
async fn find_or_create_creates_once_then_finds() {
    let sim = sim().await;
    let c = client(&sim);
    let (price, _) = desk_testkit::prices::active_and_archived_prices(&c, &auth()).await;
    let scratch = Scratch::new();
    let executor = scratch.steps(&c);
    let engine = executor.engine(&scratch.history, NumberFormat::POINT);
    let w = templates::find_or_create_customer_then_subscribe();
    assert_eq!(w.check(&ActionCatalog), vec![]);
    let inputs = || {
        BTreeMap::from([
            ("name".to_owned(), "Maria Lopez".to_owned()),
            ("email".to_owned(), "maria@example.com".to_owned()),
            ("price".to_owned(), price.clone()),
        ])
    };

    let first = engine
        .start(&w, account(), inputs(), &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(first.outcome, Outcome::Succeeded, "{first:#?}");
    let decided = first.step("if_new").unwrap().decision.clone().unwrap();
    assert!(decided.held);
    assert_eq!(decided.why, "Only if: Step 1 (List Customers) found none");
    let created = first.output("create_customer").unwrap()["id"].clone();
    assert_eq!(first.output("customer").unwrap()["value"], created);
    let sub = first.output("create_subscription").unwrap();
    assert_eq!(sub["customer"], created);
    assert_eq!(sub["collection_method"], "send_invoice");

    sim.clear_requests();
    let second = engine
        .start(&w, account(), inputs(), &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert_eq!(second.outcome, Outcome::Succeeded, "{second:#?}");
    let decided = second.step("if_new").unwrap().decision.clone().unwrap();
    assert!(!decided.held);
    assert_eq!(decided.why, "Skipped: Step 1 (List Customers) found 1");
    let skipped = second.step("create_customer").unwrap();
    assert!(matches!(skipped.state, StepState::Waiting));
    assert_eq!(skipped.skipped.as_deref(), Some(decided.why.as_str()));
    assert_eq!(second.output("customer").unwrap()["value"], created);
    assert_eq!(
        second.output("create_subscription").unwrap()["customer"],
        created
    );
    let creates = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/customers")
        .count();
    assert_eq!(creates, 0, "the second run sent no create");
    assert_eq!(sim.count(ACCOUNT, "customers"), 1);
    assert_eq!(sim.count(ACCOUNT, "subscriptions"), 2);
    // The history keeps which way each run went.
    let kept = scratch.history.load(&w.id, &second.run_id).unwrap();
    assert_eq!(
        kept.step("create_customer").unwrap().skipped,
        skipped.skipped
    );
}

/// A reviewed step: number, title, depth, where it sits, what it says.
type Said<'a> = (u32, &'a str, u32, Option<&'a str>, Option<&'a str>);

/// Issue 21: the `{{` menu inside a "For each" offers the current item's
/// fields; after a branch it offers a result that may not be there only
/// with why (for a "First of"), and inside a "First of" as any other. The
/// review says conditions, branches and loops in words.
#[test]
fn the_menu_and_the_review_know_branches_and_loops() {
    let w = templates::find_or_create_customer_then_subscribe();
    let entries = menu(
        &w,
        "create_subscription",
        "customer",
        &ActionCatalog,
        None,
        "",
    );
    let entry = |path: &str| {
        entries
            .iter()
            .find(|e| e.path == path)
            .unwrap_or_else(|| panic!("{path} in {entries:#?}"))
    };
    assert!(entry("customer.value").fits);
    assert_eq!(entry("customer.value").words, "Step 4, First of → Value");
    let created = entry("create_customer.id");
    assert!(!created.fits);
    assert!(
        created
            .may_be_missing
            .as_deref()
            .unwrap()
            .contains("it runs only if Step 1 (List Customers) found none"),
        "{created:?}"
    );
    assert_eq!(entries[0].path, "find_customer.data.0.id", "fitting first");
    let inside = menu(&w, "customer", "flow.of.1", &ActionCatalog, None, "create");
    assert!(inside
        .iter()
        .any(|e| e.path == "create_customer.id" && e.fits && e.may_be_missing.is_none()));
    let condition = menu(
        &w,
        "if_new",
        "only_if.tests.0.value",
        &ActionCatalog,
        None,
        "find",
    );
    assert!(
        condition.iter().any(|e| e.path == "find_customer.data"),
        "whole lists for conditions"
    );

    let mut each = Workflow::new("Loops");
    each.steps = vec![
        Step::action("everyone", "list_customers", Map::new()),
        Step::for_each(
            "each",
            "{{everyone.data}}",
            vec![Step::action("rename", "update_customer", Map::new())],
        ),
    ];
    let item = menu(&each, "rename", "email", &ActionCatalog, None, "item");
    let email = item
        .iter()
        .find(|e| e.path == "item.email")
        .expect("the item's email");
    assert!(email.fits);
    assert_eq!(email.words, "Current item → Email");
    assert_eq!(email.insert, "{{item.email}}");
    assert!(item.iter().any(|e| e.path == "item.id"));
    let over = menu(&each, "each", "flow.over", &ActionCatalog, None, "");
    assert!(over.iter().any(|e| e.path == "everyone.data"));

    let review = desk_core::workflows::review::review(&w);
    let said: Vec<Said<'_>> = review
        .steps
        .iter()
        .map(|s| {
            (
                s.number,
                s.title.as_str(),
                s.depth,
                s.within.as_deref(),
                s.says.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        said,
        [
            (1, "List Customers", 0, None, None),
            (2, "Only if", 0, None, Some("Only if Step 1 (List Customers) found none: the steps inside run; otherwise none of them.")),
            (3, "Create Customer", 1, Some("Only if Step 1 (List Customers) found none (Step 2 (Only if))"), None),
            (4, "First of", 0, None, Some("The first of these with a value: [Step 1, List Customers → First found → ID], then [Step 3, Create Customer → ID].")),
            (5, "Create Subscription", 0, None, None),
        ]
    );
    let each_review = desk_core::workflows::review::review(&each);
    assert_eq!(
        each_review.steps[1].says.as_deref(),
        Some("For each item of [Step 1, List Customers → Everything found], one after another; a failed item does not stop the others.")
    );
    assert!(each_review.steps[2].per_item);
    assert_eq!(
        each_review.steps[2].within.as_deref(),
        Some("For each item of [Step 1, List Customers → Everything found] (Step 2 (For each))")
    );
}

/// Issue 21: a straight workflow saved by today's Stripe Desk, byte for
/// byte, still loads, runs, and is written back unchanged; a run record
/// from before loads too.
#[tokio::test]
async fn a_straight_workflow_saved_in_todays_format_loads_and_runs() {
    let sim = sim().await;
    let c = client(&sim);
    let (price, _) = desk_testkit::prices::active_and_archived_prices(&c, &auth()).await;
    let today = format!(
        r#"{{
  "format": "stripe-desk-workflow",
  "version": 1,
  "workflow": {{
    "id": "wf_0123456789abcdef0123456789abcdef",
    "name": "Customer, then subscription",
    "description": "",
    "reviewed": true,
    "inputs": [
      {{
        "name": "email",
        "label": "Email",
        "kind": {{
          "type": "email"
        }}
      }}
    ],
    "steps": [
      {{
        "name": "create_customer",
        "action": "create_customer",
        "fields": {{
          "email": "{{{{input.email}}}}",
          "name": "Jo Baker"
        }}
      }},
      {{
        "name": "create_subscription",
        "action": "create_subscription",
        "fields": {{
          "customer": "{{{{create_customer.id}}}}",
          "items": [
            {{
              "price": "{price}",
              "quantity": "1"
            }}
          ]
        }}
      }}
    ]
  }}
}}
"#
    );
    let scratch = Scratch::new();
    let store = desk_core::workflows::WorkflowStore::new(&scratch.dir);
    std::fs::create_dir_all(store.dir()).unwrap();
    let file = store.dir().join("wf_0123456789abcdef0123456789abcdef.json");
    std::fs::write(&file, &today).unwrap();
    let listed = store.list().unwrap();
    assert_eq!(listed.refused, vec![]);
    let w = store.load("wf_0123456789abcdef0123456789abcdef").unwrap();
    assert_eq!(w.check(&ActionCatalog), vec![]);
    // Written back exactly as it was: nothing new in a straight workflow.
    assert_eq!(
        String::from_utf8(desk_core::workflows::store::to_file_bytes(&w).unwrap()).unwrap(),
        today
    );
    let executor = scratch.steps(&c);
    let engine = executor.engine(&scratch.history, NumberFormat::POINT);
    let run = engine
        .start(
            &w,
            account(),
            BTreeMap::from([("email".to_owned(), "jo@example.com".to_owned())]),
            &mut |_: &RunRecord| {},
        )
        .await
        .unwrap();
    assert_eq!(run.outcome, Outcome::Succeeded, "{run:#?}");
    assert_eq!(sim.count(ACCOUNT, "subscriptions"), 1);

    // A run record written before branches: no decisions, no items.
    let before = json!({
        "format": "stripe-desk-run", "version": 1,
        "run": {
            "run_id": "run_before", "workflow_id": w.id, "workflow_name": w.name,
            "account": {"id": ACCOUNT, "name": "Branching Shop", "livemode": false},
            "started_at": 1, "updated_at": 2, "inputs": {"email": "jo@example.com"},
            "steps": [{"name": "create_customer", "action": "create_customer", "state": "waiting"}],
            "outcome": "running"
        }
    });
    let dir = scratch.dir.join("workflows/runs").join(&w.id);
    std::fs::write(dir.join("run_before.json"), before.to_string()).unwrap();
    let old = scratch.history.load(&w.id, "run_before").unwrap();
    assert_eq!(old.steps[0].decision, None);
    assert_eq!(old.steps[0].items, None);
    assert_eq!(scratch.history.list(&w.id).unwrap().len(), 2);
}
