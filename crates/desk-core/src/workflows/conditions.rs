//! "Only if": conditions that decide whether a step, or a group of steps,
//! runs. A condition is data, never an expression language: a list of
//! comparisons combined with "all of" or "any of". A comparison tests one
//! `{{ }}` reference (an earlier result, an input, the current item) against
//! a typed value or another reference:
//!
//! - is empty, is not empty (a list that found nothing is empty);
//! - equals, contains, starts with, ends with (text without regard to
//!   capital letters, IDs exactly);
//! - is more than, is less than: amounts (integer minor units, the typed
//!   one read in the convention it was typed in and in the amount's own
//!   currency), whole numbers, and dates (a typed day is a day in the
//!   comparison's time zone);
//! - is one of;
//! - is yes, is no.
//!
//! The same module checks a condition before a run (each problem at its
//! comparison and part: `only_if.tests.1.to`), evaluates it during one, and
//! says what it found in words ("Step 1 (List Customers) found none").

use super::catalog::Kind;
use super::reference::{lookup, resolve, Reference, Scope, Template};
use crate::money::{self, NumberFormat};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::str::FromStr;
use ts_rs::TS;

/// How the comparisons of a condition combine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// "All of these": every comparison holds.
    #[default]
    All,
    /// "Any of these": at least one holds.
    Any,
}

/// "Only if" these comparisons hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Condition {
    #[serde(default)]
    pub combine: Combine,
    pub tests: Vec<Comparison>,
}

/// One comparison: `value` (a reference) tested by `test`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Comparison {
    /// What is tested: one `{{ }}` reference (`{{find_customer.data}}`).
    pub value: String,
    #[serde(flatten)]
    pub test: Test,
    /// The number convention an amount in `to` was typed in ("12,50" or
    /// "12.50"); the point when absent. Kept with the comparison, so a
    /// workflow reads the same on every computer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub number_format: Option<NumberFormat>,
    /// The time zone a typed day in `to` is a day of (`Europe/Berlin`);
    /// this computer's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub time_zone: Option<String>,
}

/// What a comparison tests. `to` is typed text or a `{{ }}` reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case", tag = "test")]
pub enum Test {
    IsEmpty,
    IsNotEmpty,
    Equals {
        to: String,
    },
    Contains {
        to: String,
    },
    StartsWith {
        to: String,
    },
    EndsWith {
        to: String,
    },
    /// "Is more than".
    GreaterThan {
        to: String,
    },
    /// "Is less than".
    LessThan {
        to: String,
    },
    IsOneOf {
        to: Vec<String>,
    },
    /// "Is yes".
    IsTrue,
    /// "Is no".
    IsFalse,
}

impl Test {
    /// What it compares with, each at its place in the file (`to`, `to.1`).
    pub fn operands(&self) -> Vec<(String, &str)> {
        match self {
            Test::Equals { to }
            | Test::Contains { to }
            | Test::StartsWith { to }
            | Test::EndsWith { to }
            | Test::GreaterThan { to }
            | Test::LessThan { to } => vec![("to".into(), to.as_str())],
            Test::IsOneOf { to } => to
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("to.{i}"), v.as_str()))
                .collect(),
            Test::IsEmpty | Test::IsNotEmpty | Test::IsTrue | Test::IsFalse => Vec::new(),
        }
    }

    /// Every operand, for editing references in it (renames).
    pub fn operands_mut(&mut self) -> Vec<&mut String> {
        match self {
            Test::Equals { to }
            | Test::Contains { to }
            | Test::StartsWith { to }
            | Test::EndsWith { to }
            | Test::GreaterThan { to }
            | Test::LessThan { to } => vec![to],
            Test::IsOneOf { to } => to.iter_mut().collect(),
            Test::IsEmpty | Test::IsNotEmpty | Test::IsTrue | Test::IsFalse => Vec::new(),
        }
    }

    /// As the editor's list names it.
    pub fn words(&self) -> &'static str {
        match self {
            Test::IsEmpty => "is empty",
            Test::IsNotEmpty => "is not empty",
            Test::Equals { .. } => "equals",
            Test::Contains { .. } => "contains",
            Test::StartsWith { .. } => "starts with",
            Test::EndsWith { .. } => "ends with",
            Test::GreaterThan { .. } => "is more than",
            Test::LessThan { .. } => "is less than",
            Test::IsOneOf { .. } => "is one of",
            Test::IsTrue => "is yes",
            Test::IsFalse => "is no",
        }
    }
}

impl Comparison {
    pub fn new(value: &str, test: Test) -> Comparison {
        Comparison {
            value: value.to_owned(),
            test,
            number_format: None,
            time_zone: None,
        }
    }
}

impl Condition {
    /// "All of" these comparisons.
    pub fn all(tests: Vec<Comparison>) -> Condition {
        Condition {
            combine: Combine::All,
            tests,
        }
    }

    /// "Any of" these comparisons.
    pub fn any(tests: Vec<Comparison>) -> Condition {
        Condition {
            combine: Combine::Any,
            tests,
        }
    }

    /// Every text that may hold references, for renames and the words.
    pub fn texts_mut(&mut self) -> Vec<&mut String> {
        let mut out = Vec::new();
        for t in &mut self.tests {
            out.push(&mut t.value);
            out.extend(t.test.operands_mut());
        }
        out
    }
}

/// Where a condition's part is, inside its step: `only_if.tests.0.to.1`.
pub fn place(index: usize, part: &str) -> String {
    format!("only_if.tests.{index}.{part}")
}

/// What the checks and the run know of the tested reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub kind: Kind,
    /// "Step 1, List Customers → Email".
    pub words: String,
    /// For a list result's `data`: the step in words ("Step 1 (List
    /// Customers)"), so an empty list reads "found none".
    pub found_by: Option<String>,
    /// The currency of an amount when known before the run (an amount
    /// input); otherwise the result's own `currency` beside it.
    pub currency: Option<String>,
}

/// A part of a condition that needs fixing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionProblem {
    /// `only_if.tests.0.to`.
    pub field: String,
    pub reason: String,
}

fn text_like(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Text | Kind::Email | Kind::Id { .. } | Kind::Currency | Kind::Choice { .. }
    )
}

fn ordered(kind: &Kind) -> bool {
    matches!(kind, Kind::Amount | Kind::Integer | Kind::Timestamp)
}

/// Whether `test` can ever hold for a value of `kind`, or why not.
fn applies(test: &Test, kind: &Kind, words: &str) -> Result<(), String> {
    let described = kind.describe();
    let refused = |what: &str| Err(format!("{words} is {described}: {what}"));
    match (test, kind) {
        (_, Kind::Any) | (Test::IsEmpty | Test::IsNotEmpty, _) => Ok(()),
        (Test::IsTrue | Test::IsFalse, Kind::YesNo) => Ok(()),
        (Test::IsTrue | Test::IsFalse, _) => {
            refused("only a yes/no value can be yes or no. Compare it with equals instead.")
        }
        (_, Kind::YesNo) => refused("test it with “is yes” or “is no”."),
        (Test::GreaterThan { .. } | Test::LessThan { .. }, k) if ordered(k) => Ok(()),
        (Test::GreaterThan { .. } | Test::LessThan { .. }, _) => refused(
            "only amounts, whole numbers and dates can be more or less than something. Use equals, contains, starts with or ends with.",
        ),
        (Test::Contains { .. } | Test::StartsWith { .. } | Test::EndsWith { .. }, k)
            if text_like(k) =>
        {
            Ok(())
        }
        (Test::Contains { .. } | Test::StartsWith { .. } | Test::EndsWith { .. }, _) => {
            refused("only text can contain, start or end with something. Use equals, more than or less than.")
        }
        (Test::Equals { .. } | Test::IsOneOf { .. }, k) if text_like(k) || ordered(k) => Ok(()),
        (Test::Equals { .. } | Test::IsOneOf { .. }, _) => {
            refused("test whether it is empty or not.")
        }
    }
}

/// Whether a reference of kind `operand` can be compared with `subject`.
fn comparable(subject: &Kind, operand: &Kind) -> bool {
    match (subject, operand) {
        (Kind::Any, _) | (_, Kind::Any) => true,
        (Kind::Amount, Kind::Amount)
        | (Kind::Integer, Kind::Integer)
        | (Kind::Timestamp, Kind::Timestamp) => true,
        (Kind::Amount | Kind::Integer | Kind::Timestamp, _) => false,
        // Any single value can be compared as text.
        (_, k) => !matches!(k, Kind::Group),
    }
}

/// Checks a typed operand for a subject of `kind`, as the run will read it.
fn check_typed(
    cmp: &Comparison,
    kind: &Kind,
    currency: Option<&str>,
    typed: &str,
) -> Result<(), String> {
    let format = cmp.number_format.unwrap_or_default();
    match kind {
        Kind::Amount => match currency {
            Some(c) => money::parse_amount(typed, c, format)
                .map(|_| ())
                .map_err(|e| e.message(c)),
            // The currency is the result's own: read it as an amount of
            // two or three decimals now, in its currency during the run.
            None => money::parse_amount(typed, "usd", format)
                .or_else(|_| money::parse_amount(typed, "bhd", format))
                .map(|_| ())
                .map_err(|e| e.message("usd")),
        },
        Kind::Integer => parse_number(typed, format)
            .filter(|d| d.fract().is_zero())
            .map(|_| ())
            .ok_or_else(|| format!("“{typed}” is not a whole number: enter one like 3.")),
        Kind::Timestamp => read_day_or_moment(typed, cmp.time_zone.as_deref()).map(|_| ()),
        _ => Ok(()),
    }
}

/// Checks one condition before a run. `describe` says what a reference is,
/// or why it cannot be used here (the same check as every field's).
pub fn check(
    condition: &Condition,
    describe: &mut dyn FnMut(&Reference) -> Result<Subject, String>,
) -> Vec<ConditionProblem> {
    let mut problems = Vec::new();
    let mut problem =
        |field: String, reason: String| problems.push(ConditionProblem { field, reason });
    if condition.tests.is_empty() {
        problem(
            "only_if.tests".into(),
            "Add at least one condition, or remove “Only if”.".into(),
        );
    }
    for (i, cmp) in condition.tests.iter().enumerate() {
        if let Some(zone) = &cmp.time_zone {
            if jiff::tz::TimeZone::get(zone).is_err() {
                problem(
                    place(i, "time_zone"),
                    format!("“{zone}” is not a time zone this computer knows."),
                );
            }
        }
        let subject = match Template::parse(&cmp.value) {
            Err(e) => {
                problem(place(i, "value"), e.reason);
                continue;
            }
            Ok(t) if t.0.is_empty() => {
                problem(
                    place(i, "value"),
                    "Pick what to test: a result of an earlier step, an input or the current item."
                        .into(),
                );
                continue;
            }
            Ok(t) => match t.whole_reference() {
                None => {
                    problem(
                        place(i, "value"),
                        "Test one value: pick one result or input, with no text around it.".into(),
                    );
                    continue;
                }
                Some(r) => match describe(r) {
                    Ok(s) => s,
                    Err(reason) => {
                        problem(place(i, "value"), reason);
                        continue;
                    }
                },
            },
        };
        if let Err(reason) = applies(&cmp.test, &subject.kind, &subject.words) {
            problem(place(i, "test"), reason);
            continue;
        }
        if matches!(&cmp.test, Test::IsOneOf { to } if to.is_empty()) {
            problem(place(i, "to"), "Add at least one value it may be.".into());
        }
        for (part, typed) in cmp.test.operands() {
            let at = place(i, &part);
            let template = match Template::parse(typed) {
                Ok(t) => t,
                Err(e) => {
                    problem(at, e.reason);
                    continue;
                }
            };
            if typed.trim().is_empty() {
                problem(at, "Fill in what to compare with.".into());
                continue;
            }
            let mut kinds = Vec::new();
            for r in template.references() {
                match describe(r) {
                    Ok(s) => kinds.push(s),
                    Err(reason) => problem(at.clone(), reason),
                }
            }
            if kinds.len() != template.references().count() {
                continue;
            }
            match (template.whole_reference(), kinds.first()) {
                (Some(_), Some(other)) if !comparable(&subject.kind, &other.kind) => problem(
                    at,
                    format!(
                        "{} is {}, and {} is {}: they cannot be compared.",
                        subject.words,
                        subject.kind.describe(),
                        other.words,
                        other.kind.describe()
                    ),
                ),
                (None, Some(_)) if ordered(&subject.kind) => problem(
                    at,
                    format!(
                        "{} is {}: compare it with one value on its own, typed or picked, with no text around it.",
                        subject.words,
                        subject.kind.describe()
                    ),
                ),
                (_, None) => {
                    if let Err(reason) =
                        check_typed(cmp, &subject.kind, subject.currency.as_deref(), typed.trim())
                    {
                        problem(at, reason);
                    }
                }
                _ => {}
            }
        }
    }
    problems
}

/// What a condition decided, and why, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub held: bool,
    /// What the deciding comparisons found: "Step 1 (List Customers) found none".
    pub found: String,
}

/// A value as the run found it: missing and `null` are both empty, and so
/// are blank text, an empty list and an object with nothing in it.
pub fn is_empty_value(value: &Value) -> bool {
    is_empty(value)
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A number as typed ("3", "1,000", "2,5"), read in `format` as the
/// amounts are (up to two decimals), never through a float.
fn parse_number(typed: &str, format: NumberFormat) -> Option<Decimal> {
    let t = typed.trim();
    let (negative, digits) = t.strip_prefix('-').map_or((false, t), |d| (true, d));
    let parsed = money::parse_amount(digits, "usd", format).ok()?;
    let value = money::to_decimal(parsed.minor, "usd");
    Some(if negative { -value } else { value })
}

fn json_number(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(n) => {
            let s = n.to_string();
            Decimal::from_str(&s)
                .or_else(|_| Decimal::from_scientific(&s))
                .ok()
        }
        _ => None,
    }
}

/// A typed day ("2025-03-31") or moment ("2025-03-31T09:00:00Z"), as the
/// span of time it names: a day is the whole day in `zone`.
fn read_day_or_moment(typed: &str, zone: Option<&str>) -> Result<(i64, i64, String), String> {
    let typed = typed.trim();
    if let Ok(at) = typed.parse::<jiff::Timestamp>() {
        return Ok((at.as_second(), at.as_second() + 1, typed.to_owned()));
    }
    let day: jiff::civil::Date = typed
        .parse()
        .map_err(|_| format!("“{typed}” is not a date: enter one like 2025-03-31."))?;
    let tz = match zone {
        Some(z) => jiff::tz::TimeZone::get(z)
            .map_err(|_| format!("“{z}” is not a time zone this computer knows."))?,
        None => jiff::tz::TimeZone::system(),
    };
    let start = day
        .to_zoned_datetime(tz.clone())
        .map_err(|e| e.to_string())?
        .timestamp()
        .as_second();
    let end = day
        .tomorrow()
        .and_then(|d| d.to_zoned_datetime(tz))
        .map_err(|e| e.to_string())?
        .timestamp()
        .as_second();
    Ok((start, end, day.to_string()))
}

/// A Unix time as the day it falls on in `zone`.
fn day_words(seconds: i64, zone: Option<&str>) -> String {
    let tz = zone
        .and_then(|z| jiff::tz::TimeZone::get(z).ok())
        .unwrap_or_else(jiff::tz::TimeZone::system);
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.to_zoned_datetime(tz).date().to_string())
        .unwrap_or_else(|_| seconds.to_string())
}

/// One comparison as the run reads it.
struct Reading<'a> {
    cmp: &'a Comparison,
    subject: Subject,
    reference: Reference,
    value: Value,
    index: usize,
    describe: &'a dyn Fn(&Reference) -> Subject,
}

/// The currency of an amount at `reference`: known before the run, or the
/// `currency` beside it in the result.
fn currency_at(reference: &Reference, known: Option<&str>, scope: &dyn Scope) -> Option<String> {
    if let Some(c) = known {
        return Some(c.to_ascii_lowercase());
    }
    let mut beside = reference.clone();
    *beside.path.last_mut()? = "currency".into();
    match lookup(&beside, scope) {
        Ok(Value::String(c)) if !c.is_empty() => Some(c.to_ascii_lowercase()),
        _ => None,
    }
}

fn fail(index: usize, part: &str, reason: String) -> ConditionProblem {
    ConditionProblem {
        field: place(index, part),
        reason,
    }
}

impl Reading<'_> {
    /// The kind to compare as: the described one, or, for a result the
    /// description leaves open, what the value turned out to be.
    fn kind(&self) -> Kind {
        match (&self.subject.kind, &self.value) {
            (Kind::Any, Value::Number(_)) => Kind::Integer,
            (Kind::Any, Value::Bool(_)) => Kind::YesNo,
            (Kind::Any, _) => Kind::Text,
            (k, _) => k.clone(),
        }
    }

    /// The currency of the amount tested: known before the run, or the
    /// `currency` beside it in the result.
    fn currency(&self, scope: &dyn Scope) -> Option<String> {
        currency_at(&self.reference, self.subject.currency.as_deref(), scope)
    }

    /// How the tested value reads in the words of the run.
    fn shown(&self, scope: &dyn Scope) -> String {
        if is_empty(&self.value) {
            return "empty".into();
        }
        match self.kind() {
            Kind::Amount => match (self.value.as_i64(), self.currency(scope)) {
                (Some(minor), Some(c)) => {
                    money::format_in(minor, &c, self.cmp.number_format.unwrap_or_default())
                }
                _ => as_text(&self.value),
            },
            Kind::Timestamp => self
                .value
                .as_i64()
                .map(|s| day_words(s, self.cmp.time_zone.as_deref()))
                .unwrap_or_else(|| as_text(&self.value)),
            Kind::YesNo => match self.value {
                Value::Bool(true) => "yes".into(),
                Value::Bool(false) => "no".into(),
                _ => as_text(&self.value),
            },
            Kind::Integer => as_text(&self.value),
            _ => format!("“{}”", as_text(&self.value)),
        }
    }
}

/// An operand as the run reads it, in the subject's kind.
enum Operand {
    Text(String),
    Number(Decimal, String),
    /// From, until (exclusive), in words.
    Span(i64, i64, String),
}

impl Operand {
    fn words(&self) -> String {
        match self {
            Operand::Text(t) => format!("“{t}”"),
            Operand::Number(_, w) | Operand::Span(_, _, w) => w.clone(),
        }
    }
}

fn read_operand(
    reading: &Reading<'_>,
    part: &str,
    typed: &str,
    scope: &dyn Scope,
) -> Result<Operand, ConditionProblem> {
    let index = reading.index;
    let template = Template::parse(typed).map_err(|e| fail(index, part, e.reason))?;
    let format = reading.cmp.number_format.unwrap_or_default();
    let kind = reading.kind();
    if let Some(r) = template.whole_reference() {
        let value = lookup(r, scope).unwrap_or(Value::Null);
        if kind == Kind::Amount {
            // Two amounts compare only in one currency.
            let other = (reading.describe)(r);
            let theirs = currency_at(r, other.currency.as_deref(), scope);
            if let (Some(mine), Some(theirs)) = (reading.currency(scope), theirs) {
                if mine != theirs {
                    return Err(fail(
                        index,
                        part,
                        format!(
                            "{} is in {}, and {} in {}: amounts in two currencies cannot be compared.",
                            reading.subject.words,
                            mine.to_uppercase(),
                            other.words,
                            theirs.to_uppercase()
                        ),
                    ));
                }
            }
        }
        return Ok(match kind {
            Kind::Amount | Kind::Integer => match json_number(&value) {
                Some(n) => {
                    let words = match (kind, value.as_i64(), reading.currency(scope)) {
                        (Kind::Amount, Some(minor), Some(c)) => money::format_in(minor, &c, format),
                        _ => n.to_string(),
                    };
                    Operand::Number(n, words)
                }
                None => Operand::Text(as_text(&value)),
            },
            Kind::Timestamp => match value.as_i64() {
                Some(s) => Operand::Span(s, s + 1, day_words(s, reading.cmp.time_zone.as_deref())),
                None => Operand::Text(as_text(&value)),
            },
            _ => Operand::Text(as_text(&value)),
        });
    }
    let text = match resolve(&template, scope) {
        Ok(v) => as_text(&v),
        Err(e) => return Err(fail(index, part, e.to_string())),
    };
    let text = text.trim();
    Ok(match kind {
        Kind::Amount => {
            let currency = reading.currency(scope).ok_or_else(|| {
                fail(
                    index,
                    part,
                    format!(
                        "{} has no currency beside it in this run, so “{text}” cannot be read as an amount.",
                        reading.subject.words
                    ),
                )
            })?;
            let parsed = money::parse_amount(text, &currency, format)
                .map_err(|e| fail(index, part, e.message(&currency)))?;
            Operand::Number(Decimal::from(parsed.minor), parsed.as_understood)
        }
        Kind::Integer => {
            let n = parse_number(text, format).ok_or_else(|| {
                fail(
                    index,
                    part,
                    format!("“{text}” is not a number: enter one like 3."),
                )
            })?;
            Operand::Number(n, text.to_owned())
        }
        Kind::Timestamp => {
            let (from, until, words) = read_day_or_moment(text, reading.cmp.time_zone.as_deref())
                .map_err(|reason| fail(index, part, reason))?;
            Operand::Span(from, until, words)
        }
        _ => Operand::Text(text.to_owned()),
    })
}

fn fold(s: &str, exact: bool) -> String {
    if exact {
        s.trim().to_owned()
    } else {
        s.trim().to_lowercase()
    }
}

/// Whether one comparison holds, and what it found, in words.
fn decide(reading: &Reading<'_>, scope: &dyn Scope) -> Result<(bool, String), ConditionProblem> {
    let shown = reading.shown(scope);
    let words = &reading.subject.words;
    let kind = reading.kind();
    let exact = matches!(kind, Kind::Id { .. });
    let value_text = fold(&as_text(&reading.value), exact);
    let said = |held: bool, yes: String, no: String| (held, if held { yes } else { no });
    let index = reading.index;
    Ok(match &reading.cmp.test {
        Test::IsEmpty | Test::IsNotEmpty => {
            let empty = is_empty(&reading.value);
            let fact = match (&reading.subject.found_by, &reading.value) {
                (Some(step), Value::Array(items)) => match items.len() {
                    0 => format!("{step} found none"),
                    n => format!("{step} found {n}"),
                },
                (Some(step), _) => format!("{step} found none"),
                _ if empty => format!("{words} is empty"),
                _ => format!("{words} is {shown}"),
            };
            let wanted_empty = matches!(reading.cmp.test, Test::IsEmpty);
            (empty == wanted_empty, fact)
        }
        Test::IsTrue | Test::IsFalse => {
            let wanted = matches!(reading.cmp.test, Test::IsTrue);
            let held = reading.value == Value::Bool(wanted);
            (held, format!("{words} is {shown}"))
        }
        Test::Contains { to } | Test::StartsWith { to } | Test::EndsWith { to } => {
            let operand = read_operand(reading, "to", to, scope)?;
            let wanted = fold(
                &match &operand {
                    Operand::Text(t) => t.clone(),
                    other => other.words(),
                },
                exact,
            );
            let (held, verb) = match &reading.cmp.test {
                Test::Contains { .. } => (value_text.contains(&wanted), "contain"),
                Test::StartsWith { .. } => (value_text.starts_with(&wanted), "start with"),
                _ => (value_text.ends_with(&wanted), "end with"),
            };
            let verb_s = match verb {
                "contain" => "contains",
                "start with" => "starts with",
                _ => "ends with",
            };
            said(
                held && !is_empty(&reading.value),
                format!("{words} is {shown}, which {verb_s} {}", operand.words()),
                format!(
                    "{words} is {shown}, which does not {verb} {}",
                    operand.words()
                ),
            )
        }
        Test::Equals { to } | Test::GreaterThan { to } | Test::LessThan { to } => {
            let operand = read_operand(reading, "to", to, scope)?;
            let ordering = order(reading, &operand, exact, &value_text)
                .map_err(|reason| fail(index, "to", reason))?;
            let (held, yes, no) = match (&reading.cmp.test, ordering) {
                (_, None) => (
                    false,
                    String::new(),
                    format!("{words} is {shown}, not {}", operand.words()),
                ),
                (Test::Equals { .. }, Some(o)) => (
                    o == std::cmp::Ordering::Equal,
                    format!("{words} is {shown}"),
                    format!("{words} is {shown}, not {}", operand.words()),
                ),
                (Test::GreaterThan { .. }, Some(o)) => (
                    o == std::cmp::Ordering::Greater,
                    format!("{words} is {shown}, more than {}", operand.words()),
                    format!("{words} is {shown}, not more than {}", operand.words()),
                ),
                (_, Some(o)) => (
                    o == std::cmp::Ordering::Less,
                    format!("{words} is {shown}, less than {}", operand.words()),
                    format!("{words} is {shown}, not less than {}", operand.words()),
                ),
            };
            said(held, yes, no)
        }
        Test::IsOneOf { to } => {
            let mut named = Vec::new();
            let mut held = false;
            for (i, typed) in to.iter().enumerate() {
                let part = format!("to.{i}");
                let operand = read_operand(reading, &part, typed, scope)?;
                let o = order(reading, &operand, exact, &value_text)
                    .map_err(|reason| fail(index, &part, reason))?;
                held |= o == Some(std::cmp::Ordering::Equal);
                named.push(operand.words());
            }
            let list = named.join(", ");
            said(
                held,
                format!("{words} is {shown}, one of {list}"),
                format!("{words} is {shown}, not one of {list}"),
            )
        }
    })
}

/// How the tested value orders against an operand; `None` when it is
/// missing (a missing value is equal to, more and less than nothing).
fn order(
    reading: &Reading<'_>,
    operand: &Operand,
    exact: bool,
    value_text: &str,
) -> Result<Option<std::cmp::Ordering>, String> {
    if is_empty(&reading.value) {
        return Ok(None);
    }
    Ok(match operand {
        Operand::Text(t) => Some(value_text.cmp(&fold(t, exact))),
        Operand::Number(n, _) => match json_number(&reading.value) {
            Some(v) => Some(v.cmp(n)),
            None => {
                return Err(format!(
                    "{} is “{}” in this run, which is not a number.",
                    reading.subject.words,
                    as_text(&reading.value)
                ))
            }
        },
        Operand::Span(from, until, _) => match reading.value.as_i64() {
            Some(v) if v < *from => Some(std::cmp::Ordering::Less),
            Some(v) if v >= *until => Some(std::cmp::Ordering::Greater),
            Some(_) => Some(std::cmp::Ordering::Equal),
            None => {
                return Err(format!(
                    "{} is “{}” in this run, which is not a date.",
                    reading.subject.words,
                    as_text(&reading.value)
                ))
            }
        },
    })
}

/// Evaluates a condition during a run. `describe` says what each tested
/// reference is (the checks passed before the run, so it is known).
pub fn evaluate(
    condition: &Condition,
    scope: &dyn Scope,
    describe: &dyn Fn(&Reference) -> Subject,
) -> Result<Verdict, ConditionProblem> {
    let mut results = Vec::new();
    for (index, cmp) in condition.tests.iter().enumerate() {
        let template = Template::parse(&cmp.value).map_err(|e| fail(index, "value", e.reason))?;
        let Some(reference) = template.whole_reference().cloned() else {
            return Err(fail(
                index,
                "value",
                "Test one value: pick one result or input, with no text around it.".into(),
            ));
        };
        // A result that is not there (nothing found, a field Stripe left
        // out) is empty, not an error.
        let value = lookup(&reference, scope).unwrap_or(Value::Null);
        let reading = Reading {
            cmp,
            subject: describe(&reference),
            reference,
            value,
            index,
            describe,
        };
        let (held, found) = decide(&reading, scope)?;
        let settled = match condition.combine {
            Combine::All => !held,
            Combine::Any => held,
        };
        if settled {
            return Ok(Verdict { held, found });
        }
        results.push((held, found));
    }
    let held = matches!(condition.combine, Combine::All);
    let found = results
        .into_iter()
        .map(|(_, f)| f)
        .collect::<Vec<_>>()
        .join(", and ");
    Ok(Verdict { held, found })
}

/// A condition in words, before a run: "Step 1 (List Customers) found none".
pub fn words(condition: &Condition, describe: &dyn Fn(&Reference) -> Option<Subject>) -> String {
    let parts: Vec<String> = condition
        .tests
        .iter()
        .map(|cmp| {
            let subject = Template::parse(&cmp.value)
                .ok()
                .and_then(|t| t.whole_reference().cloned())
                .and_then(|r| describe(&r));
            let words = subject
                .as_ref()
                .map(|s| s.words.clone())
                .unwrap_or_else(|| cmp.value.clone());
            let operand = |typed: &str| {
                let said = Template::parse(typed)
                    .ok()
                    .and_then(|t| t.whole_reference().cloned())
                    .and_then(|r| describe(&r))
                    .map(|s| format!("[{}]", s.words));
                said.unwrap_or_else(|| format!("“{}”", typed.trim()))
            };
            match (&cmp.test, subject.as_ref().and_then(|s| s.found_by.clone())) {
                (Test::IsEmpty, Some(step)) => format!("{step} found none"),
                (Test::IsNotEmpty, Some(step)) => format!("{step} found at least one"),
                (Test::IsOneOf { to }, _) => format!(
                    "{words} is one of {}",
                    to.iter().map(|t| operand(t)).collect::<Vec<_>>().join(", ")
                ),
                (test, _) => match test.operands().first() {
                    Some((_, typed)) => format!("{words} {} {}", test.words(), operand(typed)),
                    None => format!("{words} {}", test.words()),
                },
            }
        })
        .collect();
    let joiner = match condition.combine {
        Combine::All => " and ",
        Combine::Any => " or ",
    };
    parts.join(joiner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    struct S(HashMap<String, Value>);
    impl Scope for S {
        fn input(&self, name: &str) -> Option<&Value> {
            self.0.get(&format!("input.{name}"))
        }
        fn step_output(&self, step: &str) -> Option<&Value> {
            self.0.get(step)
        }
    }

    fn scope() -> S {
        S(HashMap::from([
            (
                "price".to_string(),
                json!({"unit_amount": 1500, "currency": "eur", "active": true, "nickname": "Gold",
                       "created": 1_700_000_000, "id": "price_Ab1", "count": 7, "none": null}),
            ),
            ("found".to_string(), json!({"data": []})),
            ("input.fee".to_string(), json!(1250)),
        ]))
    }

    fn subject_of<'a>(kinds: &'a HashMap<&'a str, Kind>) -> impl Fn(&Reference) -> Subject + 'a {
        move |r: &Reference| Subject {
            kind: kinds.get(r.dotted().as_str()).cloned().unwrap_or(Kind::Any),
            words: r.dotted(),
            found_by: (r.dotted() == "found.data").then(|| "Step 1 (List Customers)".into()),
            currency: (r.dotted() == "input.fee").then(|| "eur".into()),
        }
    }

    fn held(value: &str, test: Test, format: NumberFormat) -> bool {
        let kinds = HashMap::from([
            ("price.unit_amount", Kind::Amount),
            ("input.fee", Kind::Amount),
            ("price.currency", Kind::Currency),
            ("price.active", Kind::YesNo),
            ("price.nickname", Kind::Text),
            ("price.created", Kind::Timestamp),
            ("price.id", Kind::id("price_")),
            ("price.count", Kind::Integer),
            ("price.none", Kind::Text),
        ]);
        let mut cmp = Comparison::new(value, test);
        cmp.number_format = Some(format);
        cmp.time_zone = Some("UTC".into());
        let describe = subject_of(&kinds);
        let verdict = evaluate(&Condition::all(vec![cmp]), &scope(), &describe);
        verdict.unwrap().held
    }

    fn to(s: &str) -> String {
        s.to_owned()
    }

    #[test]
    fn every_comparison_on_each_kind() {
        use Test::*;
        let p = NumberFormat::POINT;
        let c = NumberFormat::COMMA;
        let cases: Vec<(&str, Test, NumberFormat, bool)> = vec![
            // Amounts, typed in either convention, in the amount's currency.
            (
                "{{price.unit_amount}}",
                GreaterThan { to: to("14,99") },
                c,
                true,
            ),
            (
                "{{price.unit_amount}}",
                GreaterThan { to: to("1.500,00") },
                c,
                false,
            ),
            ("{{price.unit_amount}}", Equals { to: to("15,00") }, c, true),
            ("{{price.unit_amount}}", Equals { to: to("15.00") }, p, true),
            (
                "{{price.unit_amount}}",
                LessThan { to: to("15.01") },
                p,
                true,
            ),
            ("{{price.unit_amount}}", LessThan { to: to("15") }, p, false),
            (
                "{{price.unit_amount}}",
                IsOneOf {
                    to: vec![to("10"), to("15")],
                },
                p,
                true,
            ),
            ("{{input.fee}}", Equals { to: to("12,5") }, c, true),
            (
                "{{input.fee}}",
                GreaterThan {
                    to: to("{{price.unit_amount}}"),
                },
                p,
                false,
            ),
            (
                "{{input.fee}}",
                LessThan {
                    to: to("{{price.unit_amount}}"),
                },
                p,
                true,
            ),
            // Whole numbers.
            ("{{price.count}}", GreaterThan { to: to("6") }, p, true),
            ("{{price.count}}", Equals { to: to("7") }, p, true),
            ("{{price.count}}", LessThan { to: to("7") }, p, false),
            // Dates: a typed day is the whole day.
            (
                "{{price.created}}",
                Equals {
                    to: to("2023-11-14"),
                },
                p,
                true,
            ),
            (
                "{{price.created}}",
                GreaterThan {
                    to: to("2023-11-13"),
                },
                p,
                true,
            ),
            (
                "{{price.created}}",
                GreaterThan {
                    to: to("2023-11-14"),
                },
                p,
                false,
            ),
            (
                "{{price.created}}",
                LessThan {
                    to: to("2023-11-15"),
                },
                p,
                true,
            ),
            (
                "{{price.created}}",
                LessThan {
                    to: to("2023-11-14T22:13:21Z"),
                },
                p,
                true,
            ),
            // Text, without regard to capital letters; IDs exactly.
            ("{{price.nickname}}", Equals { to: to("gold") }, p, true),
            ("{{price.nickname}}", Contains { to: to("OL") }, p, true),
            ("{{price.nickname}}", StartsWith { to: to("go") }, p, true),
            ("{{price.nickname}}", EndsWith { to: to("x") }, p, false),
            (
                "{{price.nickname}}",
                IsOneOf {
                    to: vec![to("Silver"), to("GOLD")],
                },
                p,
                true,
            ),
            (
                "{{price.id}}",
                Equals {
                    to: to("price_ab1"),
                },
                p,
                false,
            ),
            ("{{price.id}}", StartsWith { to: to("price_") }, p, true),
            ("{{price.currency}}", Equals { to: to("EUR") }, p, true),
            // Yes/no, empty.
            ("{{price.active}}", IsTrue, p, true),
            ("{{price.active}}", IsFalse, p, false),
            ("{{price.none}}", IsEmpty, p, true),
            ("{{price.none}}", Equals { to: to("") }, p, false),
            ("{{price.missing_field}}", IsEmpty, p, true),
            ("{{found.data}}", IsEmpty, p, true),
            ("{{found.data.0.id}}", IsNotEmpty, p, false),
            ("{{price.nickname}}", IsNotEmpty, p, true),
        ];
        for (value, test, format, want) in cases {
            assert_eq!(held(value, test.clone(), format), want, "{value} {test:?}");
        }
    }

    #[test]
    fn all_of_and_any_of_say_what_decided() {
        let kinds = HashMap::from([("price.nickname", Kind::Text)]);
        let describe = subject_of(&kinds);
        let found_none = Comparison::new("{{found.data}}", Test::IsEmpty);
        let gold = Comparison::new("{{price.nickname}}", Test::Equals { to: to("Silver") });
        let v = evaluate(
            &Condition::all(vec![found_none.clone(), gold.clone()]),
            &scope(),
            &describe,
        )
        .unwrap();
        assert!(!v.held);
        assert_eq!(v.found, "price.nickname is “Gold”, not “Silver”");
        let v = evaluate(&Condition::any(vec![gold, found_none]), &scope(), &describe).unwrap();
        assert!(v.held);
        assert_eq!(v.found, "Step 1 (List Customers) found none");
    }

    #[test]
    fn amounts_in_two_currencies_are_not_compared() {
        let kinds = HashMap::from([
            ("price.unit_amount", Kind::Amount),
            ("input.fee", Kind::Amount),
        ]);
        let mut s = scope();
        s.0.insert(
            "price".into(),
            json!({"unit_amount": 1500, "currency": "usd"}),
        );
        let cmp = Comparison::new(
            "{{input.fee}}",
            Test::LessThan {
                to: to("{{price.unit_amount}}"),
            },
        );
        let describe = subject_of(&kinds);
        let e = evaluate(&Condition::all(vec![cmp]), &s, &describe).unwrap_err();
        assert_eq!(e.field, "only_if.tests.0.to");
        assert_eq!(
            e.reason,
            "input.fee is in EUR, and price.unit_amount in USD: amounts in two currencies cannot be compared."
        );
    }

    #[test]
    fn a_value_the_run_cannot_read_is_said_at_its_place() {
        let kinds = HashMap::from([("price.unit_amount", Kind::Amount)]);
        let mut cmp = Comparison::new(
            "{{price.unit_amount}}",
            Test::GreaterThan { to: to("12.345") },
        );
        cmp.number_format = Some(NumberFormat::POINT);
        let e = evaluate(&Condition::all(vec![cmp]), &scope(), &subject_of(&kinds)).unwrap_err();
        assert_eq!(e.field, "only_if.tests.0.to");
        assert!(
            e.reason
                .contains("EUR amounts have at most 2 decimal places"),
            "{}",
            e.reason
        );
    }
}
