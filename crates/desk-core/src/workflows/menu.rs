//! What the `{{` menu offers in a step's field: the run's inputs, inside
//! a "For each" the current item's fields, and the output fields of the
//! steps before it (from each action's result shape, and from the last
//! run's real output where the shape leaves it open), filtered by what was
//! typed after `{{`, the ones that fit the field first. A result that may
//! not be there when the step runs (a branch's) is offered with why, for a
//! "First of" value; inside a "First of", it is offered as any other.
//!
//! `field` is a field id (`items.price`), or a part of the step's flow:
//! `only_if.tests.0.value`, `only_if.tests.0.to`, `flow.over`, `flow.of.1`.

use super::catalog::{Kind, Shape, StepCatalog};
use super::engine::RunRecord;
use super::flow::{MaybeNot, Resolver};
use super::model::{Flow, Workflow};
use super::reference::{Reference, Root, Template};
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

/// How deep the menu goes into a result (`data.0.price.id` is four).
const MAX_DEPTH: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct MenuEntry {
    /// `create_customer.id`: what is filtered, with [`MenuEntry::words`].
    pub path: String,
    /// "Step 1, Create Customer → ID": what is shown.
    pub words: String,
    /// `{{create_customer.id}}`: what is inserted.
    pub insert: String,
    pub kind: Kind,
    /// Whether it may fill this field (see [`Kind::fits`]).
    pub fits: bool,
    /// Its value in the last run, as text, when there is one.
    pub example: Option<String>,
    /// Why it may not be there when this step runs (it is in a branch):
    /// it can be used only through a "First of" value.
    pub may_be_missing: Option<String>,
}

fn example(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `lists`: offer whole lists too (what a "For each" goes through, what a
/// condition finds empty), not only their first item's fields.
fn walk_shape(
    shape: &Shape,
    lists: bool,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Kind)>,
) {
    if path.len() > MAX_DEPTH {
        return;
    }
    match shape {
        Shape::Value { kind } => out.push((path.clone(), kind.clone())),
        Shape::Object { fields } => {
            for (name, inner) in fields {
                path.push(name.clone());
                walk_shape(inner, lists, path, out);
                path.pop();
            }
        }
        Shape::List { item } => {
            if lists && !path.is_empty() {
                out.push((path.clone(), Kind::Any));
            }
            path.push("0".into());
            walk_shape(item, lists, path, out);
            path.pop();
        }
        // Open: only a real output can tell what is there (see walk_output).
        Shape::Open => out.push((path.clone(), Kind::Any)),
    }
}

/// Paths in a real output, under `path` (for shapes left open).
fn walk_output(value: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Kind)>) {
    if path.len() > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                path.push(k.clone());
                walk_output(v, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            if let Some(first) = items.first() {
                path.push("0".into());
                walk_output(first, path, out);
                path.pop();
            }
        }
        _ => out.push((path.clone(), Kind::Any)),
    }
}

fn at<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, seg| match v {
        Value::Object(m) => m.get(seg),
        Value::Array(a) => a.get(seg.parse::<usize>().ok()?),
        _ => None,
    })
}

/// The value a reference had in the last run, where it can be told.
fn last_value<'r>(last_run: Option<&'r RunRecord>, reference: &Reference) -> Option<&'r Value> {
    let run = last_run?;
    match &reference.root {
        Root::Step(s) => at(run.output(s)?, &reference.path),
        _ => None,
    }
}

/// What the field `field` of the step at `index` takes.
fn target_kind(resolver: &Resolver<'_>, index: usize, field: &str) -> Kind {
    let step = resolver.placed[index].step;
    let parts: Vec<&str> = field.split('.').collect();
    match parts.as_slice() {
        ["only_if", "tests", i, "to", ..] => {
            // What the comparison's value is: the same kind compares.
            let tested = i
                .parse::<usize>()
                .ok()
                .and_then(|i| step.only_if.as_ref()?.tests.get(i))
                .and_then(|t| Template::parse(&t.value).ok())
                .and_then(|t| t.whole_reference().cloned());
            tested
                .and_then(|r| resolver.resolve(index, &r, false).ok())
                .map(|r| r.kind)
                .unwrap_or(Kind::Any)
        }
        ["only_if", ..] | ["flow", ..] => Kind::Any,
        _ => resolver
            .catalog
            .field_kind(&step.action, field)
            .unwrap_or(Kind::Any),
    }
}

/// The menu for `field` (catalog naming: `items.price`, or a flow part) of
/// step `step`, wherever it is.
pub fn menu(
    workflow: &Workflow,
    step: &str,
    field: &str,
    catalog: &dyn StepCatalog,
    last_run: Option<&RunRecord>,
    typed: &str,
) -> Vec<MenuEntry> {
    let resolver = Resolver::new(workflow, catalog);
    let Some(index) = resolver.position(step) else {
        return Vec::new();
    };
    let target = target_kind(&resolver, index, field);
    let first_of = field.starts_with("flow.of")
        && matches!(resolver.placed[index].step.flow, Some(Flow::FirstOf { .. }));
    let lists = field == "flow.over" || field.starts_with("only_if.");
    let mut entries = Vec::new();
    let mut push =
        |reference: Reference, kind: Kind, example: Option<String>, missing: Option<String>| {
            entries.push(MenuEntry {
                words: super::words::reference_words(catalog, workflow, &reference),
                path: reference.dotted(),
                insert: reference.to_string(),
                fits: kind.fits(&target) && missing.is_none(),
                kind,
                example,
                may_be_missing: missing,
            })
        };
    for input in &workflow.inputs {
        let example = last_run.and_then(|r| r.inputs.get(&input.name)).cloned();
        let reference = Reference {
            root: Root::Input,
            path: vec![input.name.clone()],
        };
        let kind = resolver
            .resolve(index, &reference, false)
            .map(|r| r.kind)
            .unwrap_or_else(|_| input.kind.kind());
        push(reference, kind, example, None);
    }
    // Inside a "For each": the current item and its fields.
    if let Some(at_loop) = resolver.placed[index].in_loop {
        let item = Reference {
            root: Root::Item,
            path: Vec::new(),
        };
        if let Ok(found) = resolver.resolve(index, &item, false) {
            let first_item = match &resolver.placed[at_loop].step.flow {
                Some(Flow::ForEach { over, .. }) => Template::parse(over)
                    .ok()
                    .and_then(|t| t.whole_reference().cloned())
                    .and_then(|r| last_value(last_run, &r))
                    .and_then(|list| list.get(0)),
                _ => None,
            };
            let mut paths = Vec::new();
            walk_shape(&found.shape, lists, &mut Vec::new(), &mut paths);
            for (path, kind) in paths {
                if kind == Kind::Any && !path.is_empty() {
                    // Open below here: what the last run's first item had.
                    if let Some(inner) = first_item.and_then(|v| at(v, &path)) {
                        let mut found = Vec::new();
                        walk_output(inner, &mut path.clone(), &mut found);
                        for (p, k) in found {
                            let ex = first_item.and_then(|v| at(v, &p)).map(example);
                            push(
                                Reference {
                                    root: Root::Item,
                                    path: p,
                                },
                                k,
                                ex,
                                None,
                            );
                        }
                        continue;
                    }
                }
                let ex = first_item.and_then(|v| at(v, &path)).map(example);
                push(
                    Reference {
                        root: Root::Item,
                        path,
                    },
                    kind,
                    ex,
                    None,
                );
            }
        }
    }
    for earlier in &resolver.placed[..index] {
        let Some(shape) = resolver.output_shape(earlier.step) else {
            continue;
        };
        let missing = match resolver.maybe_not(index, earlier.index) {
            // One result per item: nothing to offer after the loop.
            Some(MaybeNot::InLoop { .. }) => continue,
            Some(_) if first_of => None,
            Some(why) => Some(format!(
                "It may not be there when this step runs: {}. Use it through a “First of” value.",
                resolver.maybe_not_words(why)
            )),
            None => None,
        };
        let output = last_run.and_then(|r| r.output(&earlier.step.name));
        let mut paths = Vec::new();
        walk_shape(&shape, lists, &mut Vec::new(), &mut paths);
        for (path, kind) in paths {
            if kind == Kind::Any && matches!(super::flow::shape_at(&shape, &path), Ok(Shape::Open))
            {
                // An open part of the shape: offer what the last run had there.
                if let Some(found) = output.and_then(|o| at(o, &path)) {
                    let mut inner = Vec::new();
                    walk_output(found, &mut path.clone(), &mut inner);
                    for (p, k) in inner {
                        let example = output.and_then(|o| at(o, &p)).map(example);
                        push(
                            Reference {
                                root: Root::Step(earlier.step.name.clone()),
                                path: p,
                            },
                            k,
                            example,
                            missing.clone(),
                        );
                    }
                }
                continue;
            }
            let example = output.and_then(|o| at(o, &path)).map(example);
            push(
                Reference {
                    root: Root::Step(earlier.step.name.clone()),
                    path,
                },
                kind,
                example,
                missing.clone(),
            );
        }
    }
    let typed = typed.trim().to_lowercase();
    entries.retain(|e| {
        e.path.to_lowercase().contains(&typed) || e.words.to_lowercase().contains(&typed)
    });
    // Fitting entries first; otherwise the workflow's own order.
    entries.sort_by_key(|e| !e.fits);
    entries
}

#[cfg(test)]
mod tests {
    use super::super::catalog::test_catalog::TestCatalog;
    use super::super::engine::{Outcome, RunAccount, StepRecord, StepResult, StepState};
    use super::super::templates;
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn paths(entries: &[MenuEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.path.as_str()).collect()
    }

    #[test]
    fn offers_inputs_and_earlier_outputs_fitting_ones_first() {
        let w = templates::customer_with_subscription();
        let all = menu(
            &w,
            "create_subscription",
            "customer",
            &TestCatalog,
            None,
            "",
        );
        assert_eq!(
            paths(&all),
            [
                "create_customer.id",
                "input.name",
                "input.email",
                "input.price",
                "create_customer.email",
                "create_customer.name",
                "create_customer.balance",
            ]
        );
        assert!(all[0].fits && !all[1].fits);
        assert_eq!(all[0].insert, "{{create_customer.id}}");
        // Typing after {{ filters.
        assert_eq!(
            paths(&menu(
                &w,
                "create_subscription",
                "items.price",
                &TestCatalog,
                None,
                "PRI"
            )),
            ["input.price"]
        );
        // The first step sees only the inputs.
        assert_eq!(
            menu(&w, "create_customer", "email", &TestCatalog, None, "").len(),
            3
        );
        assert!(menu(&w, "nope", "email", &TestCatalog, None, "").is_empty());
    }

    #[test]
    fn lists_offer_their_first_item_and_open_shapes_use_the_last_run() {
        let w = templates::customer_subscriptions_by_email();
        let entries = menu(&w, "list_subscriptions", "customer", &TestCatalog, None, "");
        assert_eq!(entries[0].path, "find_customer.data.0.id");
        assert!(entries[0].fits);

        let w = templates::product_with_price();
        let mut with_request = w.clone();
        with_request.steps.push(super::super::model::Step::action(
            "later",
            "create_product",
            Default::default(),
        ));
        assert!(
            !paths(&menu(
                &with_request,
                "later",
                "name",
                &TestCatalog,
                None,
                ""
            ))
            .iter()
            .any(|p| p.starts_with("create_price")),
            "an open result with no run offers nothing"
        );
        let run = RunRecord {
            run_id: "run_1".into(),
            workflow_id: w.id.clone(),
            workflow_name: w.name.clone(),
            account: RunAccount {
                id: "acct_1".into(),
                name: "Shop".into(),
                livemode: false,
                through: None,
            },
            started_at: 0,
            updated_at: 0,
            inputs: BTreeMap::from([("product_name".into(), "Beans".into())]),
            number_format: Default::default(),
            steps: vec![StepRecord {
                name: "create_price".into(),
                action: "any_endpoint".into(),
                state: StepState::Done {
                    result: StepResult {
                        output: json!({"id": "price_9", "unit_amount": 500, "recurring": {"interval": "month"}}),
                        summary: String::new(),
                        shown: None,
                    },
                    found_existing: false,
                },
                sent: None,
                generation: 0,
                first_tried_at: None,
                decision: None,
                skipped: None,
                items: None,
            }],
            outcome: Outcome::Succeeded,
            trigger: None,
        };
        let entries = menu(
            &with_request,
            "later",
            "name",
            &TestCatalog,
            Some(&run),
            "create_price",
        );
        let found: Vec<(&str, Option<&str>)> = entries
            .iter()
            .map(|e| (e.path.as_str(), e.example.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                ("create_price.id", Some("price_9")),
                ("create_price.recurring.interval", Some("month")),
                ("create_price.unit_amount", Some("500")),
            ]
        );
        let inputs = menu(
            &with_request,
            "later",
            "name",
            &TestCatalog,
            Some(&run),
            "input.product",
        );
        assert_eq!(inputs[0].example.as_deref(), Some("Beans"));
    }
}
