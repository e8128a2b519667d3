//! The checks made before a run starts, each problem at the place to fix
//! it: names, unknown actions and fields, every reference (unknown, later,
//! not there on every path, a field the result cannot have, a kind that
//! does not fit), the conditions (at their comparison and part:
//! `only_if.tests.0.to`), the "For each" lists (`flow.over`) and "First
//! of" values (`flow.of.1`), and list steps' page limits.

use super::catalog::{Kind, Shape, StepCatalog};
use super::conditions;
use super::flow::Resolver;
use super::model::{Flow, Problem, Step, Workflow, MAX_EVERY_PAGE};
use super::reference::{is_valid_step_name, Reference, Root, Template};
use super::words;
use serde_json::Value;
use std::collections::HashSet;

impl Workflow {
    /// Everything that would stop a run: names, unknown actions and fields,
    /// every reference (unknown or later step, a step that may not have
    /// run, a field the step's result cannot have, a kind that does not fit
    /// the field), the conditions, loops and "First of" values.
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
        let resolver = Resolver::new(self, catalog).started_by(event);
        let mut seen: HashSet<&str> = HashSet::new();
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
        for placed in &resolver.placed {
            let step = placed.step;
            let index = placed.index;
            let name = step.name.as_str();
            if !is_valid_step_name(name) || !seen.insert(name) {
                problems.push(Problem::at(
                    Some(name),
                    None,
                    format!("The name used in references for this step, “{name}”, is not usable: use lowercase letters, digits and _, a name nothing else in the workflow has, and not “input” or “item”."),
                ));
            }
            if let Some(condition) = &step.only_if {
                for p in conditions::check(condition, &mut |r| resolver.subject(index, r)) {
                    problems.push(Problem::at(Some(name), Some(&p.field), p.reason));
                }
            }
            match &step.flow {
                None => check_action(&resolver, catalog, index, &mut problems),
                Some(flow) => check_flow(&resolver, index, flow, &mut problems),
            }
        }
        problems
    }
}

/// An action step: its action, fields and page limit.
fn check_action(
    resolver: &Resolver<'_>,
    catalog: &dyn StepCatalog,
    index: usize,
    problems: &mut Vec<Problem>,
) {
    let step = resolver.placed[index].step;
    let name = step.name.as_str();
    let Some(shape) = catalog.output_shape(&step.action) else {
        problems.push(Problem::at(
            Some(name),
            None,
            format!("Stripe Desk has no action {:?}.", step.action),
        ));
        return;
    };
    if let Some(most) = step.every_page_up_to {
        let lists = matches!(&shape, Shape::Object { fields }
            if fields.iter().any(|(k, s)| k == "data" && matches!(s, Shape::List { .. })));
        let reason = if !lists {
            Some(format!(
                "{} does not list: only a step that lists can fetch every page.",
                words::action_words(catalog, &step.action)
            ))
        } else if most == 0 || most > MAX_EVERY_PAGE {
            Some(format!(
                "Fetch between 1 and {MAX_EVERY_PAGE} items; {most} is not."
            ))
        } else {
            None
        };
        if let Some(reason) = reason {
            problems.push(Problem::at(Some(name), Some("every_page_up_to"), reason));
        }
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
            resolver,
            catalog,
            step_index: index,
            problems,
        };
        at.check_value(value, field, field, &kind);
    }
}

/// The one reference a flow's part holds, or why it holds none.
fn one_reference(text: &str, what: &str) -> Result<Reference, String> {
    let template = Template::parse(text).map_err(|e| e.reason)?;
    if template.0.is_empty() {
        return Err(format!("Pick {what}."));
    }
    template
        .whole_reference()
        .cloned()
        .ok_or_else(|| format!("Pick {what}: one result or input, with no text around it."))
}

/// A step that organises others.
fn check_flow(resolver: &Resolver<'_>, index: usize, flow: &Flow, problems: &mut Vec<Problem>) {
    let placed = &resolver.placed[index];
    let step = placed.step;
    let name = step.name.as_str();
    let mut problem = |field: Option<&str>, reason: String| {
        problems.push(Problem::at(Some(name), field, reason));
    };
    if !step.action.is_empty() || !step.fields.is_empty() {
        problem(
            None,
            "A group, a “For each” or a “First of” carries out no action itself: put the action in a step inside it.".into(),
        );
    }
    if step.every_page_up_to.is_some() {
        problem(
            Some("every_page_up_to"),
            "Only a step that lists can fetch every page.".into(),
        );
    }
    match flow {
        Flow::Group { steps, otherwise } => {
            if steps.is_empty() && otherwise.is_empty() {
                problem(Some("flow.steps"), "Add a step to this group.".into());
            }
            if !otherwise.is_empty() && step.only_if.is_none() {
                problem(
                    Some("flow.otherwise"),
                    "“Otherwise” steps run when the “Only if” does not hold: add the “Only if”, or move these steps out.".into(),
                );
            }
        }
        Flow::ForEach { over, steps, .. } => {
            if placed.in_loop.is_some() {
                problem(
                    None,
                    "A “For each” cannot be inside another “For each”: make the inner one a workflow of its own.".into(),
                );
            }
            if steps.is_empty() {
                problem(
                    Some("flow.steps"),
                    "Add the steps to repeat for each item.".into(),
                );
            }
            match one_reference(over, "the list to go through").and_then(|r| {
                let found = resolver.resolve(index, &r, false)?;
                match found.shape {
                    Shape::List { .. } | Shape::Open => Ok(()),
                    _ => Err(format!(
                        "{} is {}, not a list: pick a list, like what a List step found, or an input that takes several values.",
                        words::reference_words(resolver.catalog, resolver.workflow, &r),
                        found.kind.describe()
                    )),
                }
            }) {
                Ok(()) => {}
                Err(reason) => problem(Some("flow.over"), reason),
            }
        }
        Flow::FirstOf { of } => {
            if of.is_empty() {
                problem(
                    Some("flow.of"),
                    "Pick the results to try, in order: the first that has a value is used.".into(),
                );
            }
            let mut first: Option<(Kind, String)> = None;
            for (i, text) in of.iter().enumerate() {
                let at = format!("flow.of.{i}");
                let found = one_reference(text, "a result to try").and_then(|r| {
                    let found = resolver.resolve(index, &r, true)?;
                    Ok((
                        found.kind,
                        words::reference_words(resolver.catalog, resolver.workflow, &r),
                    ))
                });
                match (found, &first) {
                    (Err(reason), _) => problem(Some(&at), reason),
                    (Ok(this), None) => first = Some(this),
                    (Ok((kind, said)), Some((first_kind, first_said))) => {
                        if !(kind.fits(first_kind) && first_kind.fits(&kind)) {
                            problem(
                                Some(&at),
                                format!(
                                    "{said} is {}, but {first_said} is {}: a “First of” takes values of one kind.",
                                    kind.describe(),
                                    first_kind.describe()
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Checking one step's field values.
struct FieldAt<'a> {
    resolver: &'a Resolver<'a>,
    catalog: &'a dyn StepCatalog,
    /// The step's place in reading order.
    step_index: usize,
    problems: &'a mut Vec<Problem>,
}

impl FieldAt<'_> {
    fn step(&self) -> &Step {
        self.resolver.placed[self.step_index].step
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
                let named = words::reference_words(self.catalog, self.resolver.workflow, reference);
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
        let found = self.resolver.resolve(self.step_index, reference, false)?;
        if reference.root == Root::Input && matches!(found.shape, Shape::List { .. }) {
            return Err(format!(
                "{} holds several values, one a line: go through them with a “For each”, and use the current item inside it.",
                words::reference_words(self.catalog, self.resolver.workflow, reference)
            ));
        }
        Ok(found.kind)
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
