//! Workflows in a person's words. A step is "Step 2 (Create Subscription)";
//! a reference to an earlier result is "Step 1, Create Customer → ID"; a
//! reference to an input is the input's label ("Customer email"). Step
//! names and `{{...}}` stay what the file holds and what `{{` typing
//! offers, not what a person reads.

use super::catalog::StepCatalog;
use super::model::{Flow, Step, Workflow};
use super::reference::{Part, Reference, Root, Template};
use serde::Serialize;
use ts_rs::TS;

/// A reference as written in a field, and the same in words: what the
/// editor shows in its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ReferenceWords {
    /// `{{create_customer.id}}`, as printed (no spaces inside the braces).
    pub reference: String,
    /// "Step 1, Create Customer → ID".
    pub words: String,
}

/// "Create Customer", or the action's ID in words when it is unknown.
pub fn action_words(catalog: &dyn StepCatalog, action: &str) -> String {
    catalog
        .action_name(action)
        .unwrap_or_else(|| capitalised(&action.replace('_', " ")))
}

/// What a step does, named: its action ("Create Customer"), or for a step
/// that organises others "Only if", "Group", "For each", "First of".
pub fn step_kind_words(catalog: &dyn StepCatalog, step: &Step) -> String {
    match &step.flow {
        None => action_words(catalog, &step.action),
        Some(Flow::Group { .. }) if step.only_if.is_some() => "Only if".into(),
        Some(Flow::Group { .. }) => "Group".into(),
        Some(Flow::ForEach { .. }) => "For each".into(),
        Some(Flow::FirstOf { .. }) => "First of".into(),
    }
}

/// "Step 2 (Create Subscription)", for the step at `index` in reading
/// order (steps inside groups and loops are counted where they are).
pub fn step_words(catalog: &dyn StepCatalog, workflow: &Workflow, index: usize) -> String {
    let what = workflow
        .in_reading_order()
        .get(index)
        .map(|s| step_kind_words(catalog, s))
        .unwrap_or_else(|| action_words(catalog, ""));
    format!("Step {} ({what})", index + 1)
}

/// The step called `name`, in words, or `None` when there is none.
pub fn named_step_words(
    catalog: &dyn StepCatalog,
    workflow: &Workflow,
    name: &str,
) -> Option<String> {
    let index = workflow
        .in_reading_order()
        .iter()
        .position(|s| s.name == name)?;
    Some(step_words(catalog, workflow, index))
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One segment of a result path in words: `id` is "ID", `unit_amount`
/// "Unit amount".
fn segment_words(seg: &str) -> String {
    match seg {
        "id" => "ID".into(),
        "url" => "Web address".into(),
        other => capitalised(&other.replace('_', " ")),
    }
}

/// A result path in words: `data.0.id` is "First found → ID", `data`
/// "Everything found".
fn path_words(catalog: &dyn StepCatalog, action: &str, path: &[String]) -> String {
    if let Some(label) = catalog.output_label(action, &path.join(".")) {
        return label;
    }
    // The whole list a step found (what a "For each" goes through, what
    // "is empty" tests): a person's words, not the field's name.
    if let [data] = path {
        if data == "data" {
            return "Everything found".into();
        }
    }
    let mut out: Vec<String> = Vec::new();
    let mut rest = path;
    if let [data, n, tail @ ..] = path {
        if data == "data" {
            if let Ok(n) = n.parse::<usize>() {
                out.push(match n {
                    0 => "First found".into(),
                    n => format!("Found number {}", n + 1),
                });
                rest = tail;
                if !tail.is_empty() {
                    if let Some(label) = catalog.output_label(action, &tail.join(".")) {
                        out.push(label);
                        return out.join(" → ");
                    }
                }
            }
        }
    }
    for seg in rest {
        out.push(match seg.parse::<usize>() {
            Ok(n) => format!("number {}", n + 1),
            Err(_) => segment_words(seg),
        });
    }
    out.join(" → ")
}

/// A reference in words.
pub fn reference_words(catalog: &dyn StepCatalog, workflow: &Workflow, r: &Reference) -> String {
    match &r.root {
        Root::Item if r.path.is_empty() => "Current item".into(),
        Root::Item => {
            let mut out = vec!["Current item".to_owned()];
            out.extend(r.path.iter().map(|seg| match seg.parse::<usize>() {
                Ok(n) => format!("number {}", n + 1),
                Err(_) => segment_words(seg),
            }));
            out.join(" → ")
        }
        Root::Input => {
            let name = r.path.first().map(String::as_str).unwrap_or("");
            match workflow.inputs.iter().find(|i| i.name == name) {
                Some(input) if !input.label.trim().is_empty() => input.label.trim().to_owned(),
                _ => format!("the value asked for as “{}”", name.replace('_', " ")),
            }
        }
        Root::Step(step) => match workflow
            .in_reading_order()
            .into_iter()
            .enumerate()
            .find(|(_, s)| &s.name == step)
        {
            Some((index, target)) => {
                let action = &target.action;
                let path = match &target.flow {
                    Some(Flow::FirstOf { .. }) if r.path.len() == 1 && r.path[0] == "value" => {
                        "Value".to_owned()
                    }
                    _ => path_words(catalog, action, &r.path),
                };
                format!(
                    "Step {}, {} → {path}",
                    index + 1,
                    step_kind_words(catalog, target),
                )
            }
            // Hook for workflows started by an event: what the event is about.
            None if step == super::reference::EVENT_ROOT => {
                format!("The event → {}", path_words(catalog, "", &r.path))
            }
            None => format!(
                "a step that is not in this workflow (“{}”)",
                step.replace('_', " ")
            ),
        },
    }
}

/// A field's text with every reference in words, between brackets:
/// "Signed up as [Customer email]". Text that is not a template is kept.
pub fn text_words(catalog: &dyn StepCatalog, workflow: &Workflow, text: &str) -> String {
    match Template::parse(text) {
        Ok(t) => {
            t.0.iter()
                .map(|p| match p {
                    Part::Text(s) => s.clone(),
                    Part::Ref(r) => format!("[{}]", reference_words(catalog, workflow, r)),
                })
                .collect()
        }
        Err(_) => text.to_owned(),
    }
}

/// Every reference the workflow's fields hold, each once, in words.
pub fn references_in(catalog: &dyn StepCatalog, workflow: &Workflow) -> Vec<ReferenceWords> {
    let mut out: Vec<ReferenceWords> = Vec::new();
    let mut texts = Vec::new();
    let mut extra: Vec<serde_json::Value> = Vec::new();
    for step in workflow.in_reading_order() {
        for value in step.fields.values() {
            collect_texts(value, &mut texts);
        }
        // Conditions, lists and "First of" values hold references too.
        let mut copy = step.clone();
        copy.fields.clear();
        copy.each_text_mut(&mut |v| extra.push(v.clone()));
    }
    for value in &extra {
        collect_texts(value, &mut texts);
    }
    for text in texts {
        let Ok(t) = Template::parse(text) else {
            continue;
        };
        for r in t.references() {
            let reference = r.to_string();
            if out.iter().all(|w| w.reference != reference) {
                out.push(ReferenceWords {
                    words: reference_words(catalog, workflow, r),
                    reference,
                });
            }
        }
    }
    out
}

fn collect_texts<'v>(value: &'v serde_json::Value, out: &mut Vec<&'v str>) {
    match value {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_texts(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_texts(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::bound::ActionCatalog;
    use super::super::templates;
    use super::*;

    #[test]
    fn references_read_as_steps_and_labels() {
        let w = templates::customer_with_subscription();
        let found = references_in(&ActionCatalog, &w);
        let words = |r: &str| {
            found
                .iter()
                .find(|w| w.reference == r)
                .map(|w| w.words.clone())
                .unwrap_or_else(|| panic!("{r} in {found:?}"))
        };
        assert_eq!(
            words("{{create_customer.id}}"),
            "Step 1, Create Customer → ID"
        );
        assert_eq!(words("{{input.email}}"), "Customer email");
        let w = templates::customer_subscriptions_by_email();
        assert_eq!(
            text_words(&ActionCatalog, &w, "for {{find_customer.data.0.id}}"),
            "for [Step 1, List Customers → First found → ID]"
        );
        assert_eq!(
            step_words(&ActionCatalog, &w, 1),
            "Step 2 (List Subscriptions)"
        );
    }
}
