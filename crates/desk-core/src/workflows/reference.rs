//! References to earlier results inside a step's field text:
//! `{{create_customer.id}}`, `{{list_products.data.0.id}}`, `{{input.email}}`,
//! and inside a "For each" the current item: `{{item.email}}`, `{{item}}`.
//!
//! Syntax (the one place it is decided):
//! - `{{` opens a reference and `}}` closes it; spaces just inside the braces
//!   are allowed (`{{ input.email }}`) and dropped when printed.
//! - A reference is a root (`input`, `item`, or a step name) followed by one
//!   or more `.`-separated segments of letters, digits, `_` and `-`. A segment
//!   of digits indexes a list (`data.0.id`) or names an object key ("0").
//!   `item` alone is the current item itself (a list of emails has no fields).
//! - In a run of braces (`{{{a.b}}`), the last two open the reference and
//!   the ones before are text.
//! - Escape: `\{{` is a literal `{{`. Backslashes only mean something right
//!   before `{{`: there, `\\` is one literal backslash, so `\\{{a.b}}` is a
//!   backslash followed by a reference. Everywhere else a backslash is just a
//!   backslash (`C:\shop` stays as typed).
//! - A field that is exactly one reference (nothing around it) takes the
//!   referenced JSON value as it is (a number stays a number); any other text
//!   is text, with each reference written into it.

use serde_json::Value;
use std::fmt;

/// Names the run's inputs in a reference: `{{input.email}}`.
pub const INPUT_ROOT: &str = "input";
/// Names the current item inside a "For each": `{{item.email}}`.
pub const ITEM_ROOT: &str = "item";

/// Names, in a workflow started by an event (`crate::bulk::triggers`), the
/// object the event is about: `{{event.email}}`. It is read as a step's
/// name, so a step really called `event` comes first.
pub const EVENT_ROOT: &str = "event";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Root {
    Input,
    /// The item a "For each" is at.
    Item,
    Step(String),
}

impl Root {
    pub fn name(&self) -> &str {
        match self {
            Root::Input => INPUT_ROOT,
            Root::Item => ITEM_ROOT,
            Root::Step(s) => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    pub root: Root,
    /// At least one segment, except for `{{item}}`: the item itself.
    pub path: Vec<String>,
}

impl Reference {
    /// `create_customer.id`, as written between the braces.
    pub fn dotted(&self) -> String {
        let mut s = self.root.name().to_owned();
        for seg in &self.path {
            s.push('.');
            s.push_str(seg);
        }
        s
    }

    /// The path after the root: `data.0.id`.
    pub fn path_text(&self) -> String {
        self.path.join(".")
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{{}}}}}", self.dotted())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    Ref(Reference),
}

/// A field's text, split into literal text and references. Normalised: no
/// empty text parts and never two text parts side by side.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template(pub Vec<Part>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset of the `{{` that could not be read.
    pub at: usize,
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

fn is_segment_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// A step name: a lowercase letter, then lowercase letters, digits or `_`
/// (at most 40), and never `input` or `item`.
pub fn is_valid_step_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 40
        && name != INPUT_ROOT
        && name != ITEM_ROOT
}

fn parse_reference(inner: &str, at: usize) -> Result<Reference, ParseError> {
    let fail = |reason: String| ParseError { at, reason };
    let inner = inner.trim_matches(' ');
    if inner.is_empty() {
        return Err(fail(
            "Empty reference {{}}: name a step and a field, like {{create_customer.id}}.".into(),
        ));
    }
    let mut segments = inner.split('.');
    let root = segments.next().unwrap_or_default();
    let path: Vec<String> = segments.map(str::to_owned).collect();
    if root.is_empty() || !root.chars().all(is_segment_char) {
        return Err(fail(format!(
            "{{{{{inner}}}}} is not a reference: it must start with a step name or `input`."
        )));
    }
    if path.is_empty() && root != ITEM_ROOT {
        return Err(fail(format!(
            "{{{{{inner}}}}} names no field: add one, like {{{{{root}.id}}}}."
        )));
    }
    if let Some(bad) = path
        .iter()
        .find(|s| s.is_empty() || !s.chars().all(is_segment_char))
    {
        return Err(fail(format!(
            "{{{{{inner}}}}} has a field name that cannot be read ({bad:?}): use letters, digits, _ and - between the dots."
        )));
    }
    let root = match root {
        INPUT_ROOT => Root::Input,
        ITEM_ROOT => Root::Item,
        step => Root::Step(step.to_owned()),
    };
    Ok(Reference { root, path })
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, ParseError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        let mut offset = 0;
        loop {
            let Some(open) = rest.find("{{") else {
                literal.push_str(rest);
                break;
            };
            let before = &rest[..open];
            let slashes = before.len() - before.trim_end_matches('\\').len();
            literal.push_str(&before[..before.len() - slashes]);
            for _ in 0..slashes / 2 {
                literal.push('\\');
            }
            let after = &rest[open + 2..];
            if slashes % 2 == 1 {
                literal.push_str("{{");
                offset += open + 2;
                rest = after;
                continue;
            }
            // In a run like `{{{`, the last two braces open the reference
            // and the ones before are text.
            let extra = after.len() - after.trim_start_matches('{').len();
            for _ in 0..extra {
                literal.push('{');
            }
            let (open, after) = (open + extra, &after[extra..]);
            let Some(close) = after.find("}}") else {
                return Err(ParseError {
                    at: offset + open,
                    reason: "A reference opens with {{ but never closes with }}. To write {{ as text, type \\{{.".into(),
                });
            };
            let reference = parse_reference(&after[..close], offset + open)?;
            if !literal.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut literal)));
            }
            parts.push(Part::Ref(reference));
            offset += open + 2 + close + 2;
            rest = &after[close + 2..];
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template(parts))
    }

    /// A field that is exactly one reference: its value keeps its JSON type.
    pub fn whole_reference(&self) -> Option<&Reference> {
        match self.0.as_slice() {
            [Part::Ref(r)] => Some(r),
            _ => None,
        }
    }

    pub fn references(&self) -> impl Iterator<Item = &Reference> {
        self.0.iter().filter_map(|p| match p {
            Part::Ref(r) => Some(r),
            Part::Text(_) => None,
        })
    }

    pub fn references_mut(&mut self) -> impl Iterator<Item = &mut Reference> {
        self.0.iter_mut().filter_map(|p| match p {
            Part::Ref(r) => Some(r),
            Part::Text(_) => None,
        })
    }
}

/// Writes `text` so that [`Template::parse`] reads it back as this same text.
/// `next_is_ref`: a reference follows, so trailing backslashes must be doubled.
fn print_literal(text: &str, next_is_ref: bool, out: &mut String) {
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let before = &rest[..open];
        let slashes = before.len() - before.trim_end_matches('\\').len();
        out.push_str(before);
        // Double the backslashes that precede the brace, then escape it.
        out.push_str(&"\\".repeat(slashes));
        out.push_str("\\{{");
        rest = &rest[open + 2..];
    }
    if !next_is_ref {
        out.push_str(rest);
        return;
    }
    // Backslashes before the braces that end the text would escape the
    // reference's `{{`: double them.
    let body = rest.trim_end_matches('{');
    let slashes = body.len() - body.trim_end_matches('\\').len();
    out.push_str(body);
    out.push_str(&"\\".repeat(slashes));
    out.push_str(&rest[body.len()..]);
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for (i, part) in self.0.iter().enumerate() {
            match part {
                Part::Text(t) => {
                    let next_is_ref = matches!(self.0.get(i + 1), Some(Part::Ref(_)));
                    print_literal(t, next_is_ref, &mut out);
                }
                Part::Ref(r) => out.push_str(&r.to_string()),
            }
        }
        f.write_str(&out)
    }
}

/// Why a reference could not be filled in at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    pub reference: String,
    pub reason: String,
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{{}}}}}: {}", self.reference, self.reason)
    }
}

/// What references are resolved against: the run's inputs and the outputs
/// of the steps that already ran.
pub trait Scope {
    fn input(&self, name: &str) -> Option<&Value>;
    /// `None`: the step has not run (or does not exist).
    fn step_output(&self, step: &str) -> Option<&Value>;
    /// The item a "For each" is at; `None` outside one.
    fn item(&self) -> Option<&Value> {
        None
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a yes/no value",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The JSON value a reference points at.
pub fn lookup(reference: &Reference, scope: &dyn Scope) -> Result<Value, ResolveError> {
    let fail = |reason: String| ResolveError {
        reference: reference.dotted(),
        reason,
    };
    let (mut value, root_label) = match &reference.root {
        Root::Input => {
            let name = &reference.path[0];
            let v = scope
                .input(name)
                .ok_or_else(|| fail(format!("this workflow has no input named {name}")))?;
            (v, format!("input {name}"))
        }
        Root::Item => {
            let v = scope
                .item()
                .ok_or_else(|| fail("there is no current item outside a For each".into()))?;
            (v, "the current item".to_owned())
        }
        Root::Step(step) => {
            let v = scope
                .step_output(step)
                .ok_or_else(|| fail(format!("step {step} has no result yet")))?;
            (v, format!("step {step}"))
        }
    };
    let skip = usize::from(reference.root == Root::Input);
    let mut walked = Vec::new();
    for seg in &reference.path[skip..] {
        let next = match value {
            Value::Object(map) => map.get(seg),
            Value::Array(items) => match seg.parse::<usize>() {
                Ok(i) => items.get(i),
                Err(_) => {
                    return Err(fail(format!(
                    "in {root_label}, {} is a list: pick an item by number (like .0), not .{seg}",
                    if walked.is_empty() {
                        "the result".to_owned()
                    } else {
                        walked.join(".")
                    }
                )))
                }
            },
            other => {
                return Err(fail(format!(
                    "in {root_label}, {} is {} and has no field {seg}",
                    if walked.is_empty() {
                        "the result".to_owned()
                    } else {
                        walked.join(".")
                    },
                    describe(other)
                )))
            }
        };
        walked.push(seg.clone());
        value = next.ok_or_else(|| {
            fail(format!(
                "{root_label} has no {} in its result",
                walked.join(".")
            ))
        })?;
    }
    Ok(value.clone())
}

/// Fills in a field's text. A whole-field reference keeps its JSON type;
/// references inside other text are written as text, and must be text,
/// numbers or yes/no values.
pub fn resolve(template: &Template, scope: &dyn Scope) -> Result<Value, ResolveError> {
    if let Some(r) = template.whole_reference() {
        return lookup(r, scope);
    }
    let mut out = String::new();
    for part in &template.0 {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Ref(r) => match lookup(r, scope)? {
                Value::String(s) => out.push_str(&s),
                Value::Number(n) => out.push_str(&n.to_string()),
                Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
                other => {
                    return Err(ResolveError {
                        reference: r.dotted(),
                        reason: format!(
                            "is {}, which cannot be written into text; use it as the whole field",
                            describe(&other)
                        ),
                    })
                }
            },
        }
    }
    Ok(Value::String(out))
}

/// Resolves every text inside a field value (objects and lists are walked,
/// so `items: [{"price": "{{create_price.id}}"}]` works).
pub fn resolve_value(value: &Value, scope: &dyn Scope) -> Result<Value, ResolveError> {
    Ok(match value {
        Value::String(s) => {
            let template = Template::parse(s).map_err(|e| ResolveError {
                reference: s.clone(),
                reason: e.reason,
            })?;
            resolve(&template, scope)?
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| resolve_value(v, scope))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), resolve_value(v, scope)?)))
                .collect::<Result<_, ResolveError>>()?,
        ),
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::collections::HashMap;

    fn r(root: &str, path: &[&str]) -> Reference {
        Reference {
            root: if root == INPUT_ROOT {
                Root::Input
            } else {
                Root::Step(root.into())
            },
            path: path.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn parses_the_three_kinds_of_reference() {
        let t = Template::parse("{{create_customer.id}}").unwrap();
        assert_eq!(t.whole_reference(), Some(&r("create_customer", &["id"])));
        let t = Template::parse("{{ list_products.data.0.id }}").unwrap();
        assert_eq!(
            t.whole_reference(),
            Some(&r("list_products", &["data", "0", "id"]))
        );
        let t = Template::parse("Hello {{input.email}}!").unwrap();
        assert_eq!(
            t.0,
            vec![
                Part::Text("Hello ".into()),
                Part::Ref(r("input", &["email"])),
                Part::Text("!".into())
            ]
        );
        assert_eq!(t.whole_reference(), None);
    }

    #[test]
    fn escapes_and_backslashes() {
        assert_eq!(
            Template::parse(r"\{{not a ref}}").unwrap().0,
            vec![Part::Text("{{not a ref}}".into())]
        );
        assert_eq!(
            Template::parse(r"\\{{a.b}}").unwrap().0,
            vec![Part::Text("\\".into()), Part::Ref(r("a", &["b"]))]
        );
        assert_eq!(
            Template::parse(r"C:\shop\{x} { } }}").unwrap().0,
            vec![Part::Text(r"C:\shop\{x} { } }}".into())]
        );
        assert_eq!(
            Template::parse("{{{a.b}}}").unwrap().0,
            vec![
                Part::Text("{".into()),
                Part::Ref(r("a", &["b"])),
                Part::Text("}".into())
            ]
        );
        assert_eq!(Template::parse("").unwrap().0, vec![]);
    }

    #[test]
    fn malformed_references_say_what_is_wrong() {
        for (text, says) in [
            ("{{create_customer.id", "never closes"),
            ("{{}}", "Empty reference"),
            ("{{create_customer}}", "names no field"),
            ("{{a..b}}", "cannot be read"),
            ("{{a.b c}}", "cannot be read"),
            ("{{.id}}", "must start with"),
        ] {
            let e = Template::parse(text).unwrap_err();
            assert!(e.reason.contains(says), "{text}: {}", e.reason);
        }
    }

    struct TestScope {
        inputs: HashMap<String, Value>,
        steps: HashMap<String, Value>,
    }

    impl Scope for TestScope {
        fn input(&self, name: &str) -> Option<&Value> {
            self.inputs.get(name)
        }
        fn step_output(&self, step: &str) -> Option<&Value> {
            self.steps.get(step)
        }
    }

    fn scope() -> TestScope {
        TestScope {
            inputs: HashMap::from([
                ("email".into(), json!("jo@example.com")),
                ("amount".into(), json!(1250)),
            ]),
            steps: HashMap::from([
                (
                    "create_customer".into(),
                    json!({"id": "cus_1", "metadata": {"0": "zero"}, "balance": 0, "address": null}),
                ),
                (
                    "list_products".into(),
                    json!({"data": [{"id": "prod_a", "price": {"unit_amount": 500}}, {"id": "prod_b"}]}),
                ),
            ]),
        }
    }

    fn fill(text: &str) -> Result<Value, ResolveError> {
        resolve(&Template::parse(text).unwrap(), &scope())
    }

    #[test]
    fn resolves_nested_paths_indexes_and_inputs_keeping_types() {
        assert_eq!(fill("{{create_customer.id}}").unwrap(), json!("cus_1"));
        assert_eq!(
            fill("{{list_products.data.1.id}}").unwrap(),
            json!("prod_b")
        );
        assert_eq!(
            fill("{{list_products.data.0.price.unit_amount}}").unwrap(),
            json!(500)
        );
        assert_eq!(fill("{{input.amount}}").unwrap(), json!(1250));
        assert_eq!(
            fill("{{create_customer.metadata.0}}").unwrap(),
            json!("zero")
        );
        assert_eq!(
            fill("{{list_products.data.0}}").unwrap(),
            json!({"id": "prod_a", "price": {"unit_amount": 500}})
        );
        assert_eq!(fill("{{create_customer.address}}").unwrap(), Value::Null);
        assert_eq!(
            fill("To {{input.email}} ({{input.amount}}) \\{{x}}").unwrap(),
            json!("To jo@example.com (1250) {{x}}")
        );
    }

    #[test]
    fn missing_fields_name_the_step_and_path() {
        let e = fill("{{create_customer.emial}}").unwrap_err();
        assert_eq!(e.reference, "create_customer.emial");
        assert_eq!(e.reason, "step create_customer has no emial in its result");
        let e = fill("{{list_products.data.7.id}}").unwrap_err();
        assert_eq!(e.reason, "step list_products has no data.7 in its result");
        let e = fill("{{list_products.data.first}}").unwrap_err();
        assert!(e.reason.contains("data is a list"), "{}", e.reason);
        let e = fill("{{create_customer.id.x}}").unwrap_err();
        assert!(
            e.reason.contains("id is text and has no field x"),
            "{}",
            e.reason
        );
        let e = fill("{{later.id}}").unwrap_err();
        assert_eq!(e.reason, "step later has no result yet");
        let e = fill("{{input.phone}}").unwrap_err();
        assert_eq!(e.reason, "this workflow has no input named phone");
        let e = fill("Items: {{list_products.data}}").unwrap_err();
        assert!(e.reason.contains("is a list"), "{}", e.reason);
    }

    #[test]
    fn nested_field_values_are_resolved_everywhere() {
        let v = resolve_value(
            &json!({"customer": "{{create_customer.id}}", "items": [{"price": "price_1", "quantity": "{{input.amount}}"}], "n": 3}),
            &scope(),
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"customer": "cus_1", "items": [{"price": "price_1", "quantity": 1250}], "n": 3})
        );
    }

    #[test]
    fn step_names() {
        for ok in ["create_customer", "a", "step2", "a_b_c"] {
            assert!(is_valid_step_name(ok), "{ok}");
        }
        for bad in [
            "",
            "input",
            "2step",
            "Create",
            "a-b",
            "a.b",
            &"a".repeat(41),
        ] {
            assert!(!is_valid_step_name(bad), "{bad}");
        }
    }

    fn arb_reference() -> impl Strategy<Value = Reference> {
        let seg = "[A-Za-z0-9_-]{1,8}";
        (
            prop_oneof![
                Just(Root::Input),
                "[a-z][a-z0-9_]{0,8}".prop_map(Root::Step)
            ],
            prop::collection::vec(seg, 1..4),
        )
            .prop_map(|(root, path)| Reference { root, path })
    }

    fn arb_template() -> impl Strategy<Value = Template> {
        // Text rich in the characters that matter: braces and backslashes.
        let text = "[a-z {}\\\\.]{1,10}".prop_map(Part::Text);
        prop::collection::vec(prop_oneof![text, arb_reference().prop_map(Part::Ref)], 0..6)
            .prop_map(|parts| {
                // Normalise: merge neighbouring text parts.
                let mut out: Vec<Part> = Vec::new();
                for p in parts {
                    match (out.last_mut(), p) {
                        (Some(Part::Text(prev)), Part::Text(t)) => prev.push_str(&t),
                        (_, p) => out.push(p),
                    }
                }
                Template(out)
            })
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z{}\\\\ ]{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map("[a-z0-9]{1,4}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn print_then_parse_gives_back_the_template(t in arb_template()) {
            let printed = t.to_string();
            prop_assert_eq!(Template::parse(&printed).unwrap(), t);
        }

        #[test]
        fn any_text_that_parses_prints_to_text_that_parses_the_same(s in "[a-z {}\\\\._0-9]{0,30}") {
            if let Ok(t) = Template::parse(&s) {
                let again = Template::parse(&t.to_string()).unwrap();
                prop_assert_eq!(again, t);
            }
        }

        #[test]
        fn a_whole_field_reference_keeps_the_value_and_its_type(value in arb_json()) {
            let mut s = scope();
            s.steps.insert("step".into(), serde_json::json!({"out": [value.clone()]}));
            let t = Template::parse("{{step.out.0}}").unwrap();
            prop_assert_eq!(resolve(&t, &s).unwrap(), value);
        }

        #[test]
        fn text_without_braces_is_itself(s in "[^{]{0,30}") {
            let t = Template::parse(&s).unwrap();
            prop_assert_eq!(t.to_string(), s.clone());
            let filled = resolve(&t, &scope()).unwrap();
            prop_assert_eq!(filled, Value::String(s));
        }
    }
}
