//! What a workflow will do, step by step, in words: shown before an
//! imported workflow is accepted, and before a run that needs confirming
//! (live mode, or a step that sends money or data out of the account).
//! Every request to any endpoint is shown with its method, its whole path
//! and every parameter; conditions, branches, "For each" loops and "First
//! of" values are said in words, each step with where it sits.

use super::bound::{method_and_path, ActionCatalog};
use super::catalog::StepCatalog;
use super::conditions;
use super::flow::{Branch, Resolver};
use super::model::{Flow, InputKind, Problem, Step, Workflow};
use super::reference::{Part, Root, Template};
use super::words;
use crate::actions::{self, FieldKind};
use crate::sensitive;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use ts_rs::TS;

/// Endpoints that send money or data out of the account, or hand someone
/// else a way in: a step that writes to one is confirmed by name, in test
/// mode too. Matched on the path's start, so updates and deletes count.
const MOVES_OUT: &[(&str, &str)] = &[
    ("/v1/webhook_endpoints", "sends every event of this account (customers, payments, payouts) to the web address it names"),
    ("/v1/accounts/{account}/external_accounts", "changes the bank account or card the account's payouts go to"),
    ("/v1/accounts/{account}/bank_accounts", "changes the bank account the account's payouts go to"),
    ("/v1/payouts", "sends money from the Stripe balance to a bank account"),
    ("/v1/transfers", "sends money to another Stripe account"),
    ("/v1/account_links", "makes a link that lets whoever opens it manage the account"),
    ("/v1/accounts/{account}/login_links", "makes a link that signs whoever opens it in to the account's Dashboard"),
    ("/v1/ephemeral_keys", "makes a key that can act on this account"),
    ("/v1/apps/secrets", "stores a secret that apps can read"),
    ("/v1/treasury/outbound_payments", "sends money out of a financial account"),
    ("/v1/treasury/outbound_transfers", "sends money out of a financial account"),
];

/// What a write to `path` sends out of the account, if anything.
pub fn moves_out(method: &str, path: &str) -> Option<&'static str> {
    if method.eq_ignore_ascii_case("GET") {
        return None;
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    MOVES_OUT.iter().find_map(|(template, what)| {
        let t: Vec<&str> = template.trim_start_matches('/').split('/').collect();
        let starts = parts.len() >= t.len()
            && t.iter().zip(&parts).all(|(t, p)| {
                if t.starts_with('{') {
                    !p.is_empty()
                } else {
                    t == p
                }
            });
        starts.then_some(*what)
    })
}

/// One parameter as the person reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ParamLine {
    /// The field's label ("Email"), or Stripe's parameter name for the
    /// request to any endpoint (`enabled_events[0]`).
    pub name: String,
    /// As typed, earlier results in words ("[Step 1, Create Customer → ID]"),
    /// secrets masked.
    pub value: String,
}

/// One step, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StepPlan {
    /// 1 for the first step.
    pub number: u32,
    /// The step's name in the file (never shown; it places messages).
    pub step: String,
    /// "Create Customer", "Request to any endpoint".
    pub title: String,
    /// Creates or changes something in Stripe.
    pub writes: bool,
    pub method: String,
    /// The whole path, with what is known filled in.
    pub path: String,
    pub params: Vec<ParamLine>,
    /// What it sends out of the account, for the steps that do.
    pub moves_out: Option<String>,
    /// A write that cannot be looked up after Stripe forgets its key
    /// (24 hours): it carries no tags.
    pub unchecked: bool,
    /// How far inside groups and loops it is: 0 at the top.
    pub depth: u32,
    /// Where it sits, in words, when inside a group or loop: "Only if Step
    /// 1 (List Customers) found none", "Otherwise", "For each item of ...".
    pub within: Option<String>,
    /// What a step that decides or repeats does, or a step's own "Only
    /// if", in words: "For each item of [Step 1, List Customers →
    /// Customers] (every page, up to 1000), one after another; a failed
    /// item does not stop the others."
    pub says: Option<String>,
    /// It runs once for each item of a "For each".
    pub per_item: bool,
}

/// What an imported workflow will do, before the person accepts it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct WorkflowReview {
    pub workflow: super::model::Workflow,
    /// The labels of what each run asks for.
    pub inputs: Vec<String>,
    pub steps: Vec<StepPlan>,
    /// What would stop it from running as it is.
    pub problems: Vec<Problem>,
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A value in words: inputs as typed (when `typed` has them) or by their
/// label, earlier results in words, secrets masked (by `name` or value).
fn value_words(
    workflow: &Workflow,
    name: &str,
    value: &Value,
    typed: Option<&BTreeMap<String, String>>,
) -> String {
    let text = text_of(value);
    let said = match Template::parse(&text) {
        Ok(t) => {
            t.0.iter()
                .map(|p| match p {
                    Part::Text(s) => s.clone(),
                    Part::Ref(r) => match (&r.root, typed) {
                        (Root::Input, Some(typed)) if typed.contains_key(&r.path[0]) => {
                            let value = typed[&r.path[0]].trim();
                            // An amount as typed, in its currency (Stripe gets minor units).
                            let kind = workflow.inputs.iter().find(|i| i.name == r.path[0]);
                            match kind.map(|i| &i.kind) {
                                Some(InputKind::AmountIn { currency }) => {
                                    format!("{value} {}", currency.to_uppercase())
                                }
                                _ => value.to_owned(),
                            }
                        }
                        _ => format!("[{}]", words::reference_words(&ActionCatalog, workflow, r)),
                    },
                })
                .collect()
        }
        Err(_) => text,
    };
    if sensitive::is_sensitive_param(name) || sensitive::is_sensitive_value(&said) {
        sensitive::masked(&said)
    } else {
        said
    }
}

/// `{key, value}` rows (parameters, metadata) as lines.
fn row_lines(
    workflow: &Workflow,
    rows: &Value,
    prefix: &str,
    typed: Option<&BTreeMap<String, String>>,
    out: &mut Vec<ParamLine>,
) {
    for row in rows.as_array().into_iter().flatten() {
        let key = text_of(row.get("key").unwrap_or(&Value::Null));
        if key.trim().is_empty() {
            continue;
        }
        let name = format!("{prefix}{key}");
        let value = value_words(
            workflow,
            &name,
            row.get("value").unwrap_or(&Value::Null),
            typed,
        );
        out.push(ParamLine { name, value });
    }
}

/// A condition in words, for the step at `index`.
fn condition_words(
    resolver: &Resolver<'_>,
    index: usize,
    condition: &conditions::Condition,
) -> String {
    conditions::words(condition, &|r| resolver.subject_any(index, r))
}

/// What a step that organises others (or a step's own "Only if") does, in words.
fn flow_words(resolver: &Resolver<'_>, index: usize, step: &Step) -> Option<String> {
    let catalog = resolver.catalog;
    let workflow = resolver.workflow;
    let guard = step
        .only_if
        .as_ref()
        .map(|c| condition_words(resolver, index, c));
    Some(match (&step.flow, guard) {
        (None, None) => return None,
        (None, Some(guard)) => format!("Only if {guard}; skipped otherwise."),
        (Some(Flow::Group { otherwise, .. }), Some(guard)) if !otherwise.is_empty() => {
            format!("Only if {guard}: the steps inside run; otherwise the “Otherwise” steps do.")
        }
        (Some(Flow::Group { .. }), Some(guard)) => {
            format!("Only if {guard}: the steps inside run; otherwise none of them.")
        }
        (Some(Flow::Group { .. }), None) => "A group of steps, run in order.".into(),
        (
            Some(Flow::ForEach {
                over,
                side_by_side,
                stop_at_first_failure,
                ..
            }),
            guard,
        ) => {
            let list = words::text_words(catalog, workflow, over);
            let pages = Template::parse(over)
                .ok()
                .and_then(|t| t.whole_reference().cloned())
                .and_then(|r| match r.root {
                    Root::Step(s) => workflow.find(&s)?.every_page_up_to,
                    _ => None,
                })
                .map(|most| format!(" (every page, up to {most})"))
                .unwrap_or_default();
            let order = if *side_by_side {
                "side by side"
            } else {
                "one after another"
            };
            let failures = if *stop_at_first_failure {
                "the first item that fails stops the others"
            } else {
                "a failed item does not stop the others"
            };
            let guard = guard.map(|g| format!("Only if {g}: ")).unwrap_or_default();
            format!("{guard}For each item of {list}{pages}, {order}; {failures}.")
        }
        (Some(Flow::FirstOf { of }), guard) => {
            let tried: Vec<String> = of
                .iter()
                .map(|t| words::text_words(catalog, workflow, t))
                .collect();
            let guard = guard.map(|g| format!("Only if {g}: ")).unwrap_or_default();
            format!(
                "{guard}The first of these with a value: {}.",
                tried.join(", then ")
            )
        }
    })
}

/// Where the step at `index` sits, in words.
fn within_words(resolver: &Resolver<'_>, index: usize) -> Option<String> {
    let (parent, branch) = resolver.placed[index].parent?;
    let container = resolver.placed[parent].step;
    let whose = resolver.step_words(parent);
    Some(match (&container.flow, branch, &container.only_if) {
        (Some(Flow::ForEach { over, .. }), _, _) => format!(
            "For each item of {} ({whose})",
            words::text_words(resolver.catalog, resolver.workflow, over)
        ),
        (_, Branch::Otherwise, Some(c)) => format!(
            "Otherwise: when {} does not hold ({whose})",
            condition_words(resolver, parent, c)
        ),
        (_, Branch::Steps, Some(c)) => {
            format!("Only if {} ({whose})", condition_words(resolver, parent, c))
        }
        _ => format!("In {whose}"),
    })
}

/// The step at `index` (in reading order) in words; `typed`: the inputs
/// as typed for a run.
pub fn plan_step(
    workflow: &Workflow,
    index: usize,
    typed: Option<&BTreeMap<String, String>>,
) -> StepPlan {
    let catalog = &ActionCatalog;
    let resolver = Resolver::new(workflow, catalog);
    let placed = &resolver.placed[index];
    let step = placed.step;
    let said = StepPlan {
        number: index as u32 + 1,
        step: step.name.clone(),
        title: words::step_kind_words(catalog, step),
        writes: false,
        method: String::new(),
        path: String::new(),
        params: Vec::new(),
        moves_out: None,
        unchecked: false,
        depth: placed.depth as u32,
        within: within_words(&resolver, index),
        says: flow_words(&resolver, index, step),
        per_item: placed.in_loop.is_some(),
    };
    let Some(action) = actions::find(&step.action).filter(|_| step.flow.is_none()) else {
        return said;
    };
    let (method, template_path) = method_and_path(action, &step.fields);
    let mut params = Vec::new();
    let mut path = template_path.clone();
    for field in &action.fields {
        let Some(value) = step.fields.get(&field.id).filter(|v| !v.is_null()) else {
            continue;
        };
        match (&field.kind, field.id.as_str()) {
            _ if action.path.is_empty() && field.id == "method" => {}
            _ if action.path.is_empty() && field.id == "send_unlisted" => {}
            _ if action.path.is_empty() && field.id == "path" => {
                path = value_words(workflow, "path", value, typed);
            }
            (_, "body") if action.path.is_empty() => {
                let body = value_words(workflow, "body", value, typed);
                for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
                    let value = if sensitive::is_sensitive_param(&k) {
                        sensitive::masked(&v)
                    } else {
                        v.into_owned()
                    };
                    params.push(ParamLine {
                        name: k.into_owned(),
                        value,
                    });
                }
            }
            (FieldKind::KeyValueRows, _) => row_lines(workflow, value, "", typed, &mut params),
            (FieldKind::Metadata, _) => row_lines(
                workflow,
                value,
                &format!("{} · ", field.label),
                typed,
                &mut params,
            ),
            (FieldKind::SubscriptionItems, _) => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    let price = value_words(
                        workflow,
                        "price",
                        item.get("price").unwrap_or(&Value::Null),
                        typed,
                    );
                    let quantity = text_of(item.get("quantity").unwrap_or(&Value::Null));
                    let quantity = if quantity.trim().is_empty() {
                        "1".to_owned()
                    } else {
                        quantity
                    };
                    params.push(ParamLine {
                        name: format!("{} · item {}", field.label, i + 1),
                        value: format!("{price}, quantity {quantity}"),
                    });
                }
            }
            (FieldKind::Choice { options }, _) => {
                // The choice as the form names it ("Charge automatically").
                let said = value_words(workflow, &field.param, value, typed);
                let label = options
                    .iter()
                    .find(|o| o.value == said)
                    .map(|o| o.label.clone())
                    .unwrap_or(said);
                if !label.trim().is_empty() {
                    params.push(ParamLine {
                        name: field.label.clone(),
                        value: label,
                    });
                }
            }
            (FieldKind::YesNo, _) => params.push(ParamLine {
                name: field.label.clone(),
                value: match value {
                    Value::Bool(true) => "Yes".into(),
                    Value::Bool(false) => "No".into(),
                    other => value_words(workflow, &field.param, other, typed),
                },
            }),
            (FieldKind::Address, _) => {
                let parts: Vec<String> = [
                    "line1",
                    "line2",
                    "city",
                    "postalCode",
                    "postal_code",
                    "state",
                    "country",
                ]
                .iter()
                .filter_map(|k| value.get(*k))
                .map(|v| value_words(workflow, &field.param, v, typed))
                .filter(|v| !v.trim().is_empty())
                .collect();
                params.push(ParamLine {
                    name: field.label.clone(),
                    value: parts.join(", "),
                });
            }
            _ => {
                let said = match value {
                    Value::Array(items) => items
                        .iter()
                        .map(|v| value_words(workflow, &field.param, v, typed))
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => value_words(workflow, &field.param, other, typed),
                };
                if field.param == "{id}" {
                    path = path.replace("{id}", &said);
                }
                if !said.trim().is_empty() {
                    params.push(ParamLine {
                        name: field.label.clone(),
                        value: said,
                    });
                }
            }
        }
    }
    let writes = catalog.writes(&step.action) && method != "GET";
    StepPlan {
        title: action.name.clone(),
        writes,
        moves_out: moves_out(&method, &template_path)
            .or_else(|| moves_out(&method, &path))
            .map(str::to_owned),
        unchecked: writes && !catalog.tags(&step.action, &step.fields),
        method,
        path,
        params,
        ..said
    }
}

/// The whole workflow in words, with what would stop it from running.
pub fn review(workflow: &Workflow) -> WorkflowReview {
    WorkflowReview {
        inputs: workflow
            .inputs
            .iter()
            .map(|i| {
                if i.label.trim().is_empty() {
                    i.name.replace('_', " ")
                } else {
                    i.label.clone()
                }
            })
            .collect(),
        steps: if workflow.over_limit().is_some() {
            Vec::new()
        } else {
            (0..workflow.step_count())
                .map(|i| plan_step(workflow, i, None))
                .collect()
        },
        problems: workflow.check(&ActionCatalog),
        workflow: workflow.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn endpoints_that_move_money_or_data_out() {
        assert!(moves_out("POST", "/v1/webhook_endpoints").is_some());
        assert!(moves_out("POST", "/v1/webhook_endpoints/we_1").is_some());
        assert!(moves_out("POST", "/v1/accounts/acct_1/external_accounts").is_some());
        assert!(moves_out("DELETE", "/v1/accounts/acct_1/external_accounts/ba_1").is_some());
        assert!(moves_out("POST", "/v1/payouts").is_some());
        assert!(moves_out("GET", "/v1/payouts").is_none());
        assert!(moves_out("POST", "/v1/customers").is_none());
    }

    #[test]
    fn a_request_to_any_endpoint_shows_method_path_and_every_parameter() {
        let mut w = Workflow::new("From a stranger");
        w.add_step("listen", "any_endpoint").unwrap();
        w.steps[0].fields = serde_json::from_value(json!({
            "method": "POST",
            "path": "/v1/webhook_endpoints",
            "params": [
                {"key": "url", "value": "https://collector.example/hook"},
                {"key": "enabled_events[0]", "value": "*"},
                {"key": "card[number]", "value": "4242424242424242"},
            ],
        }))
        .unwrap();
        let r = review(&w);
        let s = &r.steps[0];
        assert_eq!(
            (s.method.as_str(), s.path.as_str()),
            ("POST", "/v1/webhook_endpoints")
        );
        assert!(s.writes && s.moves_out.as_deref().unwrap().contains("every event"));
        let lines: Vec<(&str, &str)> = s
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(lines[0], ("url", "https://collector.example/hook"));
        assert_eq!(lines[1], ("enabled_events[0]", "*"));
        assert_eq!(lines[2].0, "card[number]");
        assert!(!lines[2].1.contains("4242424242424242"), "{lines:?}");
    }
}
