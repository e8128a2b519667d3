//! A workflow: inputs and named, ordered steps; editing that keeps
//! references right; and the checks made before a run starts.

use super::catalog::{Kind, Shape, StepCatalog};
use super::checks;
use super::reference::{is_valid_step_name, Reference, Root, Template, EVENT_ROOT};
use super::words;
use crate::money::NumberFormat;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use ts_rs::TS;

/// The most steps a workflow has: checks and runs stay quick, and a file
/// from someone else cannot make them slow.
pub const MAX_STEPS: usize = 100;
/// The most inputs a workflow asks for.
pub const MAX_INPUTS: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Workflow {
    /// `wf_` and 32 hex digits; also the file name.
    pub id: String,
    pub name: String,
    /// One line on what it does ("Adds a customer, then subscribes them to a price").
    #[serde(default)]
    pub description: String,
    /// False for a workflow imported from a file until the person has read
    /// what it does and accepted it; it does not run before.
    #[serde(default = "reviewed_by_default")]
    pub reviewed: bool,
    #[serde(default)]
    pub inputs: Vec<InputSpec>,
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// Workflows made on this computer (and files from before imports were
/// reviewed) count as reviewed; an import sets it to false.
fn reviewed_by_default() -> bool {
    true
}

/// A value asked for when the workflow runs: `{{input.<name>}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct InputSpec {
    pub name: String,
    /// What the run form shows ("Customer email").
    #[serde(default)]
    pub label: String,
    pub kind: InputKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum InputKind {
    Text,
    Email,
    AmountIn { currency: String },
    IdWithPrefix { prefix: String },
}

impl InputKind {
    pub fn kind(&self) -> Kind {
        match self {
            InputKind::Text => Kind::Text,
            InputKind::Email => Kind::Email,
            InputKind::AmountIn { .. } => Kind::Amount,
            InputKind::IdWithPrefix { prefix } => Kind::id(prefix),
        }
    }

    /// A currency or prefix that no value could ever match.
    fn definition_problem(&self) -> Option<String> {
        match self {
            InputKind::AmountIn { currency }
                if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) =>
            {
                Some(format!(
                    "{currency:?} is not a currency code: use three letters, like usd."
                ))
            }
            InputKind::IdWithPrefix { prefix }
                if prefix.len() < 2
                    || !prefix.ends_with('_')
                    || !prefix[..prefix.len() - 1]
                        .chars()
                        .all(|c| c.is_ascii_lowercase()) =>
            {
                Some(format!(
                    "{prefix:?} is not an ID prefix: use letters and _, like cus_."
                ))
            }
            _ => None,
        }
    }

    /// Checks what was typed and turns it into the value references get:
    /// amounts become integer minor units, everything else trimmed text.
    pub fn check(&self, typed: &str, format: NumberFormat) -> Result<Value, String> {
        let typed = typed.trim();
        if typed.is_empty() {
            return Err(match self {
                InputKind::IdWithPrefix { prefix } if prefix == "price_" => {
                    "Pick a product, then one of its prices.".into()
                }
                InputKind::IdWithPrefix { prefix } if prefix == "cus_" => {
                    "Find the customer by name or email, and pick them.".into()
                }
                _ => "Fill this in to run the workflow.".into(),
            });
        }
        match self {
            InputKind::Text => Ok(Value::from(typed)),
            InputKind::Email => checks::check_email(typed).map(|()| Value::from(typed)),
            InputKind::IdWithPrefix { prefix } => checks::check_id(typed, prefix)
                .map(|()| Value::from(typed))
                .map_err(|why| match prefix.as_str() {
                    "price_" => {
                        format!("“{typed}” is not a price: pick a product, then one of its prices.")
                    }
                    "cus_" => format!(
                        "“{typed}” is not a customer: find them by name or email, and pick them."
                    ),
                    "prod_" => format!("“{typed}” is not a product: pick one from the list."),
                    _ => why,
                }),
            InputKind::AmountIn { currency } => {
                checks::check_amount(typed, currency, format).map(Value::from)
            }
        }
    }
}

/// One action with its fields filled. Field values are JSON; every text in
/// them (also inside lists and objects) may hold references.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Step {
    pub name: String,
    pub action: String,
    #[serde(default)]
    #[ts(type = "Record<string, unknown>")]
    pub fields: Map<String, Value>,
}

/// Something that stops a run from starting, at the place to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Problem {
    /// The step, or `None` for the workflow's inputs.
    pub step: Option<String>,
    /// The field id, with the path inside it for nested values
    /// (`items.0.price`); for inputs, the input's name.
    pub field: Option<String>,
    pub reason: String,
}

impl Problem {
    fn at(step: Option<&str>, field: Option<&str>, reason: impl Into<String>) -> Problem {
        Problem {
            step: step.map(str::to_owned),
            field: field.map(str::to_owned),
            reason: reason.into(),
        }
    }
}

/// Rewrites the references in every text of a field value. Texts whose
/// references `change` leaves alone are kept exactly as typed.
fn rewrite_references(value: &mut Value, change: &dyn Fn(&mut Reference) -> bool) {
    match value {
        Value::String(s) => {
            if let Ok(mut t) = Template::parse(s) {
                let mut changed = false;
                for r in t.references_mut() {
                    changed |= change(r);
                }
                if changed {
                    *s = t.to_string();
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_references(v, change)),
        Value::Object(map) => map.values_mut().for_each(|v| rewrite_references(v, change)),
        _ => {}
    }
}

impl Workflow {
    pub fn new(name: impl Into<String>) -> Workflow {
        Workflow {
            id: crate::stripe::random_token("wf"),
            name: name.into(),
            description: String::new(),
            reviewed: true,
            inputs: Vec::new(),
            steps: Vec::new(),
        }
    }

    /// Why the workflow is too big to check or run, in words, if it is.
    pub fn over_limit(&self) -> Option<String> {
        if self.steps.len() > MAX_STEPS {
            return Some(format!(
                "A workflow has at most {MAX_STEPS} steps; this one has {}. Split it into smaller workflows.",
                self.steps.len()
            ));
        }
        if self.inputs.len() > MAX_INPUTS {
            return Some(format!(
                "A workflow asks for at most {MAX_INPUTS} inputs; this one asks for {}.",
                self.inputs.len()
            ));
        }
        None
    }

    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }

    fn check_new_name(&self, name: &str, what: &str) -> Result<(), String> {
        if !is_valid_step_name(name) {
            return Err(format!(
                "{what} names use lowercase letters, digits and _, start with a letter, have at most 40 characters and are not \"input\": {name:?} is not one."
            ));
        }
        let taken =
            self.steps.iter().any(|s| s.name == name) || self.inputs.iter().any(|i| i.name == name);
        if taken {
            return Err(format!("{name} is already used in this workflow."));
        }
        Ok(())
    }

    /// A name for a new step of this action that no step has yet:
    /// `create_customer`, then `create_customer_2`...
    pub fn free_step_name(&self, action: &str) -> String {
        let base: String = action
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let base = if is_valid_step_name(&base) {
            base
        } else {
            format!("step_{base}")
        };
        (1..)
            .map(|n| {
                if n == 1 {
                    base.clone()
                } else {
                    format!("{base}_{n}")
                }
            })
            .find(|n| self.step(n).is_none() && self.inputs.iter().all(|i| &i.name != n))
            .expect("some suffix is free")
    }

    pub fn add_step(&mut self, name: &str, action: &str) -> Result<(), String> {
        self.check_new_name(name, "Step")?;
        self.steps.push(Step {
            name: name.to_owned(),
            action: action.to_owned(),
            fields: Map::new(),
        });
        Ok(())
    }

    /// Renames a step and every reference to it.
    pub fn rename_step(&mut self, old: &str, new: &str) -> Result<(), String> {
        if old == new {
            return Ok(());
        }
        let index = self
            .steps
            .iter()
            .position(|s| s.name == old)
            .ok_or_else(|| format!("There is no step named {old}."))?;
        self.check_new_name(new, "Step")?;
        self.steps[index].name = new.to_owned();
        let change = |r: &mut Reference| match &r.root {
            Root::Step(s) if s == old => {
                r.root = Root::Step(new.to_owned());
                true
            }
            _ => false,
        };
        for step in &mut self.steps {
            for v in step.fields.values_mut() {
                rewrite_references(v, &change);
            }
        }
        Ok(())
    }

    /// Renames an input and every `{{input.<name>}}`.
    pub fn rename_input(&mut self, old: &str, new: &str) -> Result<(), String> {
        if old == new {
            return Ok(());
        }
        let index = self
            .inputs
            .iter()
            .position(|i| i.name == old)
            .ok_or_else(|| format!("There is no input named {old}."))?;
        self.check_new_name(new, "Input")?;
        self.inputs[index].name = new.to_owned();
        let change = |r: &mut Reference| {
            if r.root == Root::Input && r.path.first().is_some_and(|p| p == old) {
                r.path[0] = new.to_owned();
                true
            } else {
                false
            }
        };
        for step in &mut self.steps {
            for v in step.fields.values_mut() {
                rewrite_references(v, &change);
            }
        }
        Ok(())
    }

    pub fn add_input(&mut self, name: &str, label: &str, kind: InputKind) -> Result<(), String> {
        self.check_new_name(name, "Input")?;
        self.inputs.push(InputSpec {
            name: name.to_owned(),
            label: label.to_owned(),
            kind,
        });
        Ok(())
    }

    /// Moves the step at `from` to position `to`. References that now point
    /// at a later step are reported by [`Workflow::check`], not changed.
    pub fn move_step(&mut self, from: usize, to: usize) -> Result<(), String> {
        if from >= self.steps.len() || to >= self.steps.len() {
            return Err("There is no step at that position.".into());
        }
        let step = self.steps.remove(from);
        self.steps.insert(to, step);
        Ok(())
    }

    pub fn remove_step(&mut self, name: &str) -> Option<Step> {
        let index = self.steps.iter().position(|s| s.name == name)?;
        Some(self.steps.remove(index))
    }

    /// Everything that would stop a run: names, unknown actions and fields,
    /// and every reference (unknown or later step, a field the step's result
    /// cannot have, a kind that does not fit the field).
    pub fn check(&self, catalog: &dyn StepCatalog) -> Vec<Problem> {
        self.check_started_by(catalog, None)
    }

    /// [`Workflow::check`] for a workflow an event starts: `event` is the
    /// shape of what that kind of event is about, which `{{event.…}}`
    /// references are checked against (hook for `crate::bulk::triggers`).
    pub fn check_started_by(
        &self,
        catalog: &dyn StepCatalog,
        event: Option<&Shape>,
    ) -> Vec<Problem> {
        if let Some(reason) = self.over_limit() {
            return vec![Problem::at(None, None, reason)];
        }
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(Problem::at(None, None, "Give the workflow a name."));
        }
        if self.steps.is_empty() {
            problems.push(Problem::at(None, None, "Add at least one step."));
        }
        // Names seen so far, and each step's position: one pass, no search per reference.
        let mut seen: HashSet<&str> = HashSet::new();
        let positions: HashMap<&str, usize> = self
            .steps
            .iter()
            .enumerate()
            .rev()
            .map(|(i, s)| (s.name.as_str(), i))
            .collect();
        for input in &self.inputs {
            if !is_valid_step_name(&input.name) || !seen.insert(&input.name) {
                problems.push(Problem::at(
                    None,
                    Some(&input.name),
                    format!("The name used in references, “{}”, is not usable: use lowercase letters, digits and _, and a name no other input or step has.", input.name),
                ));
            }
            if let Some(reason) = input.kind.definition_problem() {
                problems.push(Problem::at(None, Some(&input.name), reason));
            }
        }
        for (index, step) in self.steps.iter().enumerate() {
            let name = step.name.as_str();
            if !is_valid_step_name(name) || !seen.insert(name) {
                problems.push(Problem::at(
                    Some(name),
                    None,
                    format!("The name used in references for this step, “{name}”, is not usable: use lowercase letters, digits and _, a name nothing else in the workflow has, and not “input”."),
                ));
            }
            if catalog.output_shape(&step.action).is_none() {
                problems.push(Problem::at(
                    Some(name),
                    None,
                    format!("Stripe Desk has no action {:?}.", step.action),
                ));
                continue;
            }
            for (field, value) in &step.fields {
                let Some(kind) = catalog.field_kind(&step.action, field) else {
                    problems.push(Problem::at(
                        Some(name),
                        Some(field),
                        format!(
                            "{} has no field {field}.",
                            words::action_words(catalog, &step.action)
                        ),
                    ));
                    continue;
                };
                let mut at = FieldAt {
                    workflow: self,
                    catalog,
                    event,
                    step_index: index,
                    positions: &positions,
                    problems: &mut problems,
                };
                at.check_value(value, field, field, &kind);
            }
        }
        problems
    }

    /// Checks the values typed for the inputs, as the action forms check
    /// theirs, and turns them into what references get.
    /// `format` is the user's number convention ("12,50" or "12.50").
    pub fn check_inputs(
        &self,
        typed: &BTreeMap<String, String>,
        format: NumberFormat,
    ) -> Result<BTreeMap<String, Value>, Vec<Problem>> {
        let mut values = BTreeMap::new();
        let mut problems = Vec::new();
        for input in &self.inputs {
            let typed = typed.get(&input.name).map(String::as_str).unwrap_or("");
            match input.kind.check(typed, format) {
                Ok(v) => {
                    values.insert(input.name.clone(), v);
                }
                Err(reason) => problems.push(Problem::at(None, Some(&input.name), reason)),
            }
        }
        if problems.is_empty() {
            Ok(values)
        } else {
            Err(problems)
        }
    }
}

/// Checking one step's field values.
struct FieldAt<'a> {
    workflow: &'a Workflow,
    catalog: &'a dyn StepCatalog,
    /// What the starting event is about, for `{{event.…}}`.
    event: Option<&'a Shape>,
    step_index: usize,
    /// Each step name's position in the workflow.
    positions: &'a HashMap<&'a str, usize>,
    problems: &'a mut Vec<Problem>,
}

impl FieldAt<'_> {
    fn step(&self) -> &Step {
        &self.workflow.steps[self.step_index]
    }

    fn problem(&mut self, field: &str, reason: String) {
        let step = self.step().name.clone();
        self.problems
            .push(Problem::at(Some(&step), Some(field), reason));
    }

    /// `shown`: the field as the UI names it (`items.0.price`);
    /// `described`: as the catalog names it (`items.price`).
    fn check_value(&mut self, value: &Value, shown: &str, described: &str, kind: &Kind) {
        match value {
            Value::String(text) => self.check_text(text, shown, kind),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.check_value(item, &format!("{shown}.{i}"), described, kind);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    let inner = format!("{described}.{key}");
                    let inner_kind = match self.catalog.field_kind(&self.step().action, &inner) {
                        Some(k) => k,
                        // Free-form below an untyped field (metadata rows).
                        None if *kind == Kind::Any => Kind::Any,
                        None => {
                            let action = words::action_words(self.catalog, &self.step().action);
                            self.problem(
                                &format!("{shown}.{key}"),
                                format!("{action} has no field {inner}."),
                            );
                            continue;
                        }
                    };
                    self.check_value(item, &format!("{shown}.{key}"), &inner, &inner_kind);
                }
            }
            _ => {}
        }
    }

    fn check_text(&mut self, text: &str, field: &str, kind: &Kind) {
        let template = match Template::parse(text) {
            Ok(t) => t,
            Err(e) => return self.problem(field, e.reason),
        };
        let mut kinds = Vec::new();
        for reference in template.references() {
            match self.reference_kind(reference) {
                Ok(k) => kinds.push(k),
                Err(reason) => self.problem(field, reason),
            }
        }
        if kinds.len() != template.references().count() {
            return;
        }
        if let (Kind::Choice { options }, true) = (kind, kinds.is_empty()) {
            // A typed choice (from an imported file, say) is known wrong now.
            if !options.iter().any(|o| o == text) {
                self.problem(field, format!("{text:?} is not {}.", kind.describe()));
            }
            return;
        }
        if let Some(reference) = template.whole_reference() {
            let source = &kinds[0];
            if !source.fits(kind) {
                let named = words::reference_words(self.catalog, self.workflow, reference);
                self.problem(
                    field,
                    format!(
                        "{named} is {}, but this field takes {}.",
                        source.describe(),
                        kind.describe()
                    ),
                );
            }
        } else if !kinds.is_empty() && !takes_text(kind) {
            self.problem(
                field,
                format!(
                    "This field takes {}: use one reference on its own, with no text around it.",
                    kind.describe()
                ),
            );
        }
    }

    fn reference_kind(&self, reference: &Reference) -> Result<Kind, String> {
        match &reference.root {
            Root::Input => {
                let name = &reference.path[0];
                let input = self
                    .workflow
                    .inputs
                    .iter()
                    .find(|i| &i.name == name)
                    .ok_or_else(|| {
                        format!(
                            "There is no input “{}” in this workflow: add it under Inputs, or pick another.",
                            name.replace('_', " ")
                        )
                    })?;
                if reference.path.len() > 1 {
                    return Err(format!(
                        "{} is a single value and has no parts.",
                        words::reference_words(self.catalog, self.workflow, reference)
                    ));
                }
                Ok(input.kind.kind())
            }
            Root::Step(target) => {
                let event = self.event.filter(|_| target == EVENT_ROOT);
                if let (None, Some(event)) = (self.positions.get(target.as_str()), event) {
                    return event.kind_at(&reference.path).map_err(|_| {
                        format!(
                            "{} is not part of the event that starts this workflow.",
                            words::reference_words(self.catalog, self.workflow, reference)
                        )
                    });
                }
                let Some(&position) = self.positions.get(target.as_str()) else {
                    return Err(format!(
                        "This refers to a step that is not in this workflow (“{}”): pick a result of an earlier step.",
                        target.replace('_', " ")
                    ));
                };
                if position == self.step_index {
                    return Err("A step cannot use its own result.".into());
                }
                let named = words::reference_words(self.catalog, self.workflow, reference);
                if position > self.step_index {
                    return Err(format!(
                        "{named} comes from a step that runs later (step {} of {}): move that step before this one.",
                        position + 1,
                        self.workflow.steps.len()
                    ));
                }
                let action = &self.workflow.steps[position].action;
                let shape = self.catalog.output_shape(action).ok_or_else(|| {
                    format!(
                        "{} has an action Stripe Desk does not know.",
                        words::step_words(self.catalog, self.workflow, position)
                    )
                })?;
                shape.kind_at(&reference.path).map_err(|_| {
                    format!(
                        "{named} is not part of what {} gives back.",
                        words::step_words(self.catalog, self.workflow, position)
                    )
                })
            }
        }
    }
}

/// Fields where text with references inside may go; the action's checker
/// looks at the filled-in text at run time.
fn takes_text(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Text
            | Kind::Email
            | Kind::Id { .. }
            | Kind::Currency
            | Kind::Choice { .. }
            | Kind::Any
    )
}

#[cfg(test)]
mod tests {
    use super::super::catalog::test_catalog::TestCatalog;
    use super::*;
    use serde_json::json;

    fn two_steps() -> Workflow {
        let mut w = Workflow::new("Customer with subscription");
        w.add_input("email", "Email", InputKind::Email).unwrap();
        w.add_input(
            "price",
            "Price",
            InputKind::IdWithPrefix {
                prefix: "price_".into(),
            },
        )
        .unwrap();
        w.add_step("create_customer", "create_customer").unwrap();
        w.steps[0]
            .fields
            .insert("email".into(), json!("{{input.email}}"));
        w.steps[0].fields.insert(
            "description".into(),
            json!("Signed up as {{ input.email }}, \\{{literal}}"),
        );
        w.add_step("create_subscription", "create_subscription")
            .unwrap();
        w.steps[1]
            .fields
            .insert("customer".into(), json!("{{create_customer.id}}"));
        w.steps[1].fields.insert(
            "items".into(),
            json!([{"price": "{{input.price}}", "quantity": 1}]),
        );
        w
    }

    fn reasons(w: &Workflow) -> Vec<(Option<String>, Option<String>, String)> {
        w.check(&TestCatalog)
            .into_iter()
            .map(|p| (p.step, p.field, p.reason))
            .collect()
    }

    #[test]
    fn a_good_workflow_has_no_problems() {
        assert_eq!(reasons(&two_steps()), vec![]);
    }

    #[test]
    fn every_reference_problem_names_step_field_and_reason() {
        let cases: Vec<(&str, Value, &str)> = vec![
            ("customer", json!("{{create_custmer.id}}"), "This refers to a step that is not in this workflow (“create custmer”)"),
            ("customer", json!("{{create_subscription.id}}"), "A step cannot use its own result."),
            ("customer", json!("{{create_customer.emial}}"), "Step 1, Create customer → Emial is not part of what Step 1 (Create customer) gives back."),
            ("customer", json!("{{create_customer.balance}}"), "Step 1, Create customer → Balance is an amount, but this field takes a customer ID."),
            ("customer", json!("{{input.price}}"), "Price is a price ID, but this field takes a customer ID"),
            ("customer", json!("{{input.phone}}"), "There is no input “phone” in this workflow"),
            ("customer", json!("{{input.email.domain}}"), "Email is a single value"),
            ("customer", json!("{{create_customer.id"), "never closes"),
            ("items", json!([{"price": "{{create_customer.id}}"}]), "is a customer ID, but this field takes a price ID"),
            ("items", json!([{"quantity": "{{input.email}}x"}]), "This field takes a whole number: use one reference on its own"),
            ("items", json!([{"colour": "red"}]), "Create subscription has no field items.colour."),
            ("trial", json!("7"), "Create subscription has no field trial."),
        ];
        for (field, value, says) in cases {
            let mut w = two_steps();
            w.steps[1].fields.insert(field.into(), value.clone());
            let found = reasons(&w);
            assert_eq!(found.len(), 1, "{value}: {found:?}");
            let (step, at, reason) = &found[0];
            assert_eq!(step.as_deref(), Some("create_subscription"), "{value}");
            assert!(at.as_deref().unwrap().starts_with(field), "{value}: {at:?}");
            assert!(reason.contains(says), "{value}: {reason}");
        }
    }

    /// Choice and yes/no fields take a reference instead of a picked value:
    /// a yes/no only a yes/no (or an untyped result), a choice any text.
    #[test]
    fn choice_and_yes_no_fields_take_references_of_a_kind_that_fits() {
        let mut w = two_steps();
        w.add_input("wanted", "Status", InputKind::Text).unwrap();
        w.add_step("create_product", "create_product").unwrap();
        w.add_step("ask", "any_endpoint").unwrap();
        w.add_step("copy", "create_product").unwrap();
        w.add_step("list_subscriptions", "list_subscriptions")
            .unwrap();
        let problems_with = |product_active: Value, status: Value| {
            let mut w = w.clone();
            w.steps[4].fields.insert("active".into(), product_active);
            w.steps[5].fields.insert("status".into(), status);
            reasons(&w)
        };
        // Fits: a yes/no result, an untyped one, a picked value; text for a choice.
        for (active, status) in [
            (
                json!("{{create_product.active}}"),
                json!("{{input.wanted}}"),
            ),
            (
                json!("{{ask.anything}}"),
                json!("{{create_subscription.status}}"),
            ),
            (json!(true), json!("canceled")),
            (json!(false), json!("")),
        ] {
            assert_eq!(
                problems_with(active.clone(), status.clone()),
                vec![],
                "{active} {status}"
            );
        }
        // Refused at the field, saying what it takes.
        let cases = [
            (
                json!("{{input.wanted}}"),
                "active",
                "Status is text, but this field takes a yes/no value.",
            ),
            (
                json!("{{create_customer.email}}"),
                "active",
                "is an email address, but this field takes a yes/no value",
            ),
            (
                json!("yes {{create_product.active}}"),
                "active",
                "This field takes a yes/no value: use one reference on its own",
            ),
        ];
        for (value, field, says) in cases {
            let found = problems_with(value.clone(), json!("active"));
            assert_eq!(found.len(), 1, "{value}: {found:?}");
            assert_eq!(found[0].0.as_deref(), Some("copy"));
            assert_eq!(found[0].1.as_deref(), Some(field));
            assert!(found[0].2.contains(says), "{value}: {}", found[0].2);
        }
        let cases = [
            (json!("{{create_customer.balance}}"), "Step 1, Create customer → Balance is an amount, but this field takes one of its choices (active, canceled)."),
            (json!("{{create_product.active}}"), "is a yes/no value, but this field takes one of its choices"),
            (json!("paused"), "\"paused\" is not one of its choices (active, canceled)."),
        ];
        for (value, says) in cases {
            let found = problems_with(json!(true), value.clone());
            assert_eq!(found.len(), 1, "{value}: {found:?}");
            assert_eq!(found[0].0.as_deref(), Some("list_subscriptions"));
            assert_eq!(found[0].1.as_deref(), Some("status"));
            assert!(found[0].2.contains(says), "{value}: {}", found[0].2);
        }
    }

    #[test]
    fn a_step_that_comes_later_is_named_with_its_position() {
        let mut w = two_steps();
        w.move_step(1, 0).unwrap();
        let found = w.check(&TestCatalog);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field.as_deref(), Some("customer"));
        assert!(
            found[0]
                .reason
                .contains("comes from a step that runs later (step 2 of 2)"),
            "{}",
            found[0].reason
        );
    }

    #[test]
    fn names_and_actions_are_checked() {
        let mut w = two_steps();
        w.steps[0].action = "create_cusotmer".into();
        w.steps[1].name = "input".into();
        let found = reasons(&w);
        assert!(found
            .iter()
            .any(|(_, _, r)| r.contains("no action \"create_cusotmer\"")));
        assert!(found
            .iter()
            .any(|(s, _, r)| s.as_deref() == Some("input") && r.contains("not usable")));
        assert_eq!(Workflow::new(" ").check(&TestCatalog).len(), 2);
    }

    #[test]
    fn renaming_a_step_updates_its_references_and_nothing_else() {
        let mut w = two_steps();
        w.rename_step("create_customer", "new_customer").unwrap();
        assert_eq!(w.steps[0].name, "new_customer");
        assert_eq!(w.steps[1].fields["customer"], json!("{{new_customer.id}}"));
        // Texts without a reference to the step keep their spacing and escapes.
        assert_eq!(
            w.steps[0].fields["description"],
            json!("Signed up as {{ input.email }}, \\{{literal}}")
        );
        assert_eq!(reasons(&w), vec![]);
        assert!(w
            .rename_step("new_customer", "create_subscription")
            .is_err());
        assert!(w.rename_step("new_customer", "input").is_err());
        assert!(w.rename_step("new_customer", "Bad Name").is_err());
        assert!(w.rename_step("nope", "fine").is_err());
    }

    #[test]
    fn renaming_an_input_updates_its_references() {
        let mut w = two_steps();
        w.rename_input("email", "customer_email").unwrap();
        assert_eq!(
            w.steps[0].fields["email"],
            json!("{{input.customer_email}}")
        );
        assert_eq!(
            w.steps[0].fields["description"],
            json!("Signed up as {{input.customer_email}}, \\{{literal}}")
        );
        assert_eq!(reasons(&w), vec![]);
        // Inside lists and objects too; other inputs and steps are left alone.
        w.rename_input("price", "plan_price").unwrap();
        assert_eq!(
            w.steps[1].fields["items"],
            json!([{"price": "{{input.plan_price}}", "quantity": 1}])
        );
        assert_eq!(
            w.steps[1].fields["customer"],
            json!("{{create_customer.id}}")
        );
        assert_eq!(w.inputs[0].name, "customer_email");
        // A clash (with an input or a step) or an invalid name changes nothing.
        let before = w.clone();
        for (new, says) in [
            ("plan_price", "plan_price is already used"),
            ("create_customer", "create_customer is already used"),
            ("input", "not one"),
            ("Customer Email", "lowercase letters"),
            ("", "lowercase letters"),
        ] {
            let why = w.rename_input("customer_email", new).unwrap_err();
            assert!(why.contains(says), "{new:?}: {why}");
            assert_eq!(w, before);
        }
        assert!(w
            .rename_input("phone", "mobile")
            .unwrap_err()
            .contains("no input named phone"));
    }

    #[test]
    fn free_names_and_removal() {
        let mut w = two_steps();
        assert_eq!(w.free_step_name("create_customer"), "create_customer_2");
        assert_eq!(w.free_step_name("list_products"), "list_products");
        assert!(w.remove_step("create_customer").is_some());
        assert!(
            reasons(&w)
                .iter()
                .any(|(_, _, r)| r
                    .contains("a step that is not in this workflow (“create customer”)"))
        );
    }

    #[test]
    fn input_kinds_are_known_before_a_run() {
        let mut w = two_steps();
        w.add_input(
            "fee",
            "Fee",
            InputKind::AmountIn {
                currency: "dollars".into(),
            },
        )
        .unwrap();
        w.add_input(
            "who",
            "Who",
            InputKind::IdWithPrefix {
                prefix: "cus".into(),
            },
        )
        .unwrap();
        let found = reasons(&w);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].1.as_deref(), Some("fee"));
        assert!(found[0].2.contains("not a currency code"));
        assert_eq!(found[1].1.as_deref(), Some("who"));
        assert!(found[1].2.contains("not an ID prefix"));
    }

    #[test]
    fn inputs_are_checked_as_the_forms_check_them() {
        let mut w = two_steps();
        w.add_input(
            "amount",
            "Amount",
            InputKind::AmountIn {
                currency: "jpy".into(),
            },
        )
        .unwrap();
        let typed = |e: &str, p: &str, a: &str| {
            BTreeMap::from([
                ("email".to_string(), e.to_string()),
                ("price".to_string(), p.to_string()),
                ("amount".to_string(), a.to_string()),
            ])
        };
        let values = w
            .check_inputs(
                &typed(" jo@example.com ", "price_1", "1,500"),
                NumberFormat::POINT,
            )
            .unwrap();
        assert_eq!(values["email"], json!("jo@example.com"));
        assert_eq!(values["amount"], json!(1500));
        // Read in the user's convention: a decimal comma makes "1.500" a thousand and a half.
        let values = w
            .check_inputs(
                &typed("jo@example.com", "price_1", "1.500"),
                NumberFormat::COMMA,
            )
            .unwrap();
        assert_eq!(values["amount"], json!(1500));
        let problems = w
            .check_inputs(&typed("jo", "prod_1", "1.5"), NumberFormat::POINT)
            .unwrap_err();
        let fields: Vec<_> = problems
            .iter()
            .map(|p| p.field.as_deref().unwrap())
            .collect();
        assert_eq!(fields, vec!["email", "price", "amount"]);
        assert!(problems[2].reason.contains("JPY"));
        let problems = w
            .check_inputs(&BTreeMap::new(), NumberFormat::POINT)
            .unwrap_err();
        assert_eq!(problems.len(), 3);
        assert!(problems[0].reason.contains("Fill this in"));
    }
}
