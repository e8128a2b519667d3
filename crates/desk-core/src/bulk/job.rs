//! A file, a target and a mapping: what each row becomes (a workflow's
//! inputs, or an action's fields) and the dry run, which puts every row
//! through the same checks as the forms (`workflows::model` for inputs,
//! `actions::form::check` for an action's fields) before anything is sent.
//! Each mistake is told at its cell, in the words the forms use.

use super::mapping::{metadata_key, slots, TargetDef};
use super::sheet::{Opened, Table};
use super::wire::{
    BulkOptions, BulkTarget, CellProblem, ColumnInfo, DryRunSummary, Mapping, Slot, SlotSource,
};
use crate::actions::{self, places, Action, FieldKind};
use crate::money::{self, DecimalMark};
use crate::workflows::bound::filled_form;
use crate::workflows::engine::StepCall;
use crate::workflows::reference::{resolve_value, Root, Scope, Template};
use crate::workflows::{ActionCatalog, Kind, Problem, Step, Workflow};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A row's run: the workflow and its inputs as typed.
#[derive(Debug, Clone)]
pub struct RowRun {
    pub workflow: Workflow,
    pub inputs: BTreeMap<String, String>,
}

/// A file opened for a target, with the person's mapping, fixes and choices.
#[derive(Debug, Clone)]
pub struct Job {
    pub file_name: String,
    pub opened: Arc<Opened>,
    /// The header row (index of the table's kept rows); `None`: none.
    pub header: Option<usize>,
    pub columns: Vec<ColumnInfo>,
    pub target_key: BulkTarget,
    pub target: TargetDef,
    pub mapping: Mapping,
    pub options: BulkOptions,
    /// Cells fixed in place: (row number, column) to the new text. Kept in
    /// memory only; a row's run keeps what it sent, masked.
    pub fixes: BTreeMap<(u32, u32), String>,
    /// Rows the person left out.
    pub left_out: BTreeSet<u32>,
    /// Rows matched to a customer that exists: its ID.
    pub existing: BTreeMap<u32, String>,
    /// From the last dry run: rows with mistakes.
    pub problems: BTreeMap<u32, Vec<CellProblem>>,
    pub mapping_problems: Vec<String>,
    pub workflow_problems: Vec<Problem>,
}

/// Lowercase hex of SHA-256.
pub fn hex_sha256(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The ID of a row's run: from the file's content hash, the target and
/// the row, so its idempotency keys (`stripe-desk-<run>-<step>-<n>`) and
/// tags are the same for a re-run, a copy of the file, or another day.
pub fn row_run_id(content_hash: &str, target: &BulkTarget, row: u32) -> String {
    let h = hex_sha256(&[content_hash, &target.key()]);
    format!("bulk_{}_{row}", &h[..24])
}

/// Text as a workflow field holds it literally: `{{` written `\{{` (and a
/// backslash right before it doubled), so a cell is never read as a reference.
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut slashes = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            slashes += 1;
            continue;
        }
        if c == '{' && chars.peek() == Some(&'{') {
            chars.next();
            out.push_str(&"\\".repeat(slashes * 2));
            out.push_str("\\{{");
            slashes = 0;
            continue;
        }
        out.push_str(&"\\".repeat(slashes));
        slashes = 0;
        out.push(c);
    }
    out.push_str(&"\\".repeat(slashes));
    out
}

/// One slot's value in a row: its text, and the column it came from.
#[derive(Debug, Clone)]
struct Cell {
    text: String,
    column: Option<u32>,
}

fn yes_no(text: &str) -> Option<bool> {
    match super::mapping::words_of(text).as_str() {
        "yes" | "y" | "true" | "1" | "ja" | "oui" | "si" | "x" => Some(true),
        "no" | "n" | "false" | "0" | "nein" | "non" => Some(false),
        _ => None,
    }
}

impl Job {
    /// A job with no fixes, nothing left out and no dry run yet.
    pub fn new(
        file_name: String,
        opened: Arc<Opened>,
        header: Option<usize>,
        target_key: BulkTarget,
        target: TargetDef,
        mapping: Mapping,
        options: BulkOptions,
    ) -> Job {
        Job {
            file_name,
            columns: super::sheet::columns(&opened.table, header),
            opened,
            header,
            target_key,
            target,
            mapping,
            options,
            fixes: BTreeMap::new(),
            left_out: BTreeSet::new(),
            existing: BTreeMap::new(),
            problems: BTreeMap::new(),
            mapping_problems: Vec::new(),
            workflow_problems: Vec::new(),
        }
    }

    pub fn table(&self) -> &Table {
        &self.opened.table
    }

    /// Indexes (of the table's kept rows) of the data rows.
    pub fn data_rows(&self) -> std::ops::Range<usize> {
        self.header.map_or(0, |h| h + 1)..self.table().len()
    }

    pub fn content_hash(&self) -> &str {
        &self.opened.content_hash
    }

    pub fn run_id(&self, row: u32) -> String {
        row_run_id(self.content_hash(), &self.target_key, row)
    }

    pub fn slots(&self) -> Vec<Slot> {
        slots(&self.target, Some(&self.mapping))
    }

    fn column_name(&self, column: u32) -> String {
        self.columns
            .get(column as usize)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| format!("Column {}", super::sheet::column_letter(column as usize)))
    }

    /// A cell's text with the person's fix, if any.
    pub fn cell_text(&self, i: usize, column: u32) -> &str {
        let number = self.table().number(i);
        match self.fixes.get(&(number, column)) {
            Some(fixed) => fixed,
            None => self.table().cell(i, column as usize),
        }
    }

    /// The value of `slot` in row `i`, trimmed; a number from the file
    /// (XLSX, ODS) filling an amount is written in the person's convention.
    fn value(&self, i: usize, slot: &Slot) -> Option<Cell> {
        let (text, column) = match self.mapping.source(&slot.id) {
            SlotSource::Nothing => return None,
            SlotSource::Constant { value } => (value.clone(), None),
            SlotSource::Column { column } => {
                let number = self.table().number(i);
                let fixed = self.fixes.contains_key(&(number, *column));
                let mut text = self.cell_text(i, *column).to_owned();
                if !fixed
                    && slot.kind == Kind::Amount
                    && self.table().is_number(i, *column as usize)
                    && self.options.number_format.decimal == DecimalMark::Comma
                {
                    text = text.replace('.', ",");
                }
                (text, Some(*column))
            }
        };
        let text = text.trim().to_owned();
        (!text.is_empty()).then_some(Cell { text, column })
    }

    /// A problem at the cell `slot` took its value from; a constant's
    /// problem is the mapping's (said once, not on every row).
    fn at(&self, row: u32, slot: &Slot, cell: Option<&Cell>, message: String) -> Located {
        let column = match self.mapping.source(&slot.id) {
            // An empty cell of a mapped column is still that cell.
            SlotSource::Column { column } => Some(*column),
            _ => cell.and_then(|c| c.column),
        };
        match column {
            Some(column) => Located::Cell(CellProblem {
                row,
                column: Some(column),
                column_name: self.column_name(column),
                message,
            }),
            None => match self.mapping.source(&slot.id) {
                SlotSource::Constant { value } => Located::Mapping(format!(
                    "{} (the same for every row, “{value}”): {message}",
                    slot.label
                )),
                _ => Located::Mapping(unmapped(slot)),
            },
        }
    }

    /// What row `i` runs, or its mistakes.
    pub fn row_run(&self, i: usize) -> Result<RowRun, Vec<Located>> {
        match &self.target {
            TargetDef::Workflow(w) => self.workflow_row(w, i),
            TargetDef::Action(a) => self.action_row(a, i),
        }
    }

    fn workflow_row(&self, w: &Workflow, i: usize) -> Result<RowRun, Vec<Located>> {
        let row = self.table().number(i);
        let slots = self.slots();
        let mut cells: BTreeMap<String, Cell> = BTreeMap::new();
        let mut inputs = BTreeMap::new();
        for s in &slots {
            if let Some(c) = self.value(i, s) {
                inputs.insert(s.id.clone(), c.text.clone());
                cells.insert(s.id.clone(), c);
            }
        }
        let slot_of = |name: &str| slots.iter().find(|s| s.id == name);
        let values = match w.check_inputs(&inputs, self.options.number_format) {
            Ok(v) => v,
            Err(problems) => {
                return Err(problems
                    .into_iter()
                    .filter_map(|p| {
                        let name = p.field?;
                        let s = slot_of(&name)?;
                        let cell = cells.get(&name);
                        let message = match cell {
                            Some(c) => format!("“{}”: {}", c.text, p.reason),
                            None => p.reason,
                        };
                        Some(self.at(row, s, cell, message))
                    })
                    .collect())
            }
        };
        // Steps that take only inputs go through their action's checker now.
        let scope = InputsOnly(&values);
        let mut found = Vec::new();
        for step in &w.steps {
            let Some(action) = actions::find(&step.action) else {
                continue;
            };
            let resolved: Option<Map<String, Value>> = step
                .fields
                .iter()
                .map(|(k, v)| resolve_value(v, &scope).ok().map(|v| (k.clone(), v)))
                .collect();
            let Some(fields) = resolved else { continue };
            for e in form_errors(action, fields) {
                let input = step
                    .fields
                    .get(&e.field)
                    .and_then(first_input)
                    .and_then(|name| slot_of(&name));
                match input {
                    Some(s) => {
                        let cell = cells.get(&s.id);
                        found.push(self.at(row, s, cell, e.message));
                    }
                    None => found.push(Located::Workflow(Problem {
                        step: Some(step.name.clone()),
                        field: Some(e.field),
                        reason: e.message,
                    })),
                }
            }
        }
        if found.is_empty() {
            Ok(RowRun {
                workflow: w.clone(),
                inputs,
            })
        } else {
            Err(found)
        }
    }

    fn action_row(&self, action: &'static Action, i: usize) -> Result<RowRun, Vec<Located>> {
        let row = self.table().number(i);
        let slots = self.slots();
        let mut cells: BTreeMap<String, Cell> = BTreeMap::new();
        for s in &slots {
            if let Some(c) = self.value(i, s) {
                cells.insert(s.id.clone(), c);
            }
        }
        let mut found = Vec::new();
        // Fields already told of (a cell that is not an amount): the
        // checker would only add that the field is missing.
        let mut told = BTreeSet::new();
        let mut fields = Map::new();
        for f in &action.fields {
            let mine = |s: &&Slot| s.id == f.id || s.id.starts_with(&format!("{}.", f.id));
            match &f.kind {
                FieldKind::Address => {
                    let mut parts = Map::new();
                    for s in slots.iter().filter(mine) {
                        if let (Some(c), Some((_, part))) = (cells.get(&s.id), s.id.split_once('.'))
                        {
                            parts.insert(part.to_owned(), Value::from(literal(&c.text)));
                        }
                    }
                    if !parts.is_empty() {
                        fields.insert(f.id.clone(), Value::Object(parts));
                    }
                }
                FieldKind::Metadata => {
                    let mut rows = Map::new();
                    for s in slots.iter().filter(mine) {
                        if let (Some(c), Some(key)) =
                            (cells.get(&s.id), metadata_key(action, &s.id))
                        {
                            rows.insert(literal(key), Value::from(literal(&c.text)));
                        }
                    }
                    if !rows.is_empty() {
                        fields.insert(f.id.clone(), Value::Object(rows));
                    }
                }
                FieldKind::SubscriptionItems => {
                    let get = |part: &str| cells.get(&format!("{}.{part}", f.id));
                    if let Some(price) = get("price") {
                        let mut item = Map::new();
                        item.insert("price".into(), Value::from(literal(&price.text)));
                        if let Some(q) = get("quantity") {
                            item.insert("quantity".into(), Value::from(literal(&q.text)));
                        }
                        fields.insert(f.id.clone(), Value::Array(vec![Value::Object(item)]));
                    }
                }
                FieldKind::KeyValueRows => {}
                kind => {
                    let Some(s) = slots.iter().find(|s| s.id == f.id) else {
                        continue;
                    };
                    let Some(c) = cells.get(&s.id) else { continue };
                    match self.simple_value(action, kind, c, &cells) {
                        Ok(v) => {
                            fields.insert(f.id.clone(), v);
                        }
                        Err(message) => {
                            told.insert(f.id.clone());
                            if let FieldKind::Amount { currency_field } = kind {
                                told.insert(currency_field.clone());
                            }
                            found.push(self.at(row, s, Some(c), message));
                        }
                    }
                }
            }
        }
        for e in form_errors(action, fields.clone()) {
            if told.contains(&e.field) {
                continue;
            }
            let s = slots
                .iter()
                .filter(|s| s.id == e.field || s.id.starts_with(&format!("{}.", e.field)))
                .find(|s| cells.contains_key(&s.id))
                .or_else(|| slots.iter().find(|s| s.id == e.field));
            match s {
                Some(s) => found.push(self.at(row, s, cells.get(&s.id), e.message)),
                None => {
                    let label = action
                        .field(&e.field)
                        .map_or(e.field.clone(), |f| f.label.clone());
                    found.push(Located::Mapping(format!("{label}: {}", e.message)));
                }
            }
        }
        if !found.is_empty() {
            return Err(found);
        }
        let mut workflow = Workflow::new(action.name.clone());
        workflow.id = format!("action_{}", action.id);
        workflow
            .steps
            .push(Step::action(&action.id, &action.id, fields));
        Ok(RowRun {
            workflow,
            inputs: BTreeMap::new(),
        })
    }

    /// A cell as the value of a one-value field.
    fn simple_value(
        &self,
        action: &Action,
        kind: &FieldKind,
        c: &Cell,
        cells: &BTreeMap<String, Cell>,
    ) -> Result<Value, String> {
        let text = c.text.as_str();
        Ok(match kind {
            FieldKind::YesNo => {
                Value::Bool(yes_no(text).ok_or_else(|| format!("“{text}” is not yes or no."))?)
            }
            FieldKind::Amount { currency_field } => {
                let currency = cells
                    .get(currency_field)
                    .map(|c| c.text.to_ascii_lowercase())
                    .or_else(|| action.field(currency_field)?.default.clone())
                    .filter(|c| c.len() == 3)
                    .unwrap_or_else(|| "usd".into());
                let parsed = money::parse_amount(text, &currency, self.options.number_format)
                    .map_err(|e| match e {
                        money::MoneyError::NotANumber | money::MoneyError::BadGrouping => {
                            format!("“{text}” is not an amount. {}", e.message(&currency))
                        }
                        other => format!("“{text}”: {}", other.message(&currency)),
                    })?;
                Value::from(parsed.minor)
            }
            FieldKind::Choice { options } => {
                let typed = super::mapping::words_of(text);
                let option = options.iter().find(|o| {
                    o.value.eq_ignore_ascii_case(text)
                        || super::mapping::words_of(&o.label) == typed
                });
                match option {
                    Some(o) => Value::from(o.value.clone()),
                    None => Value::from(literal(text)),
                }
            }
            FieldKind::TextList { .. } | FieldKind::UrlList { .. } => {
                let items = text
                    .split(['\n', ';', ','])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        // Languages by their name ("French") as the picker does.
                        let code = places::code_of(places::locales(), s).unwrap_or(s);
                        Value::from(literal(code))
                    })
                    .collect();
                Value::Array(items)
            }
            _ => Value::from(literal(text)),
        })
    }

    /// Checks every row, keeping what is wrong and where.
    pub fn dry_run(&mut self) {
        let mut problems = BTreeMap::new();
        let mut mapping = BTreeSet::new();
        let mut workflow = Vec::new();
        if let TargetDef::Workflow(w) = &self.target {
            workflow = w.check(&ActionCatalog);
        }
        for s in self.slots() {
            if s.required && matches!(self.mapping.source(&s.id), SlotSource::Nothing) {
                mapping.insert(unmapped(&s));
            }
        }
        for i in self.data_rows() {
            if let Err(found) = self.row_run(i) {
                let mut cells = Vec::new();
                for l in found {
                    match l {
                        Located::Cell(p) => cells.push(p),
                        Located::Mapping(m) => {
                            mapping.insert(m);
                        }
                        Located::Workflow(p) => {
                            if !workflow.contains(&p) {
                                workflow.push(p);
                            }
                        }
                    }
                }
                if !cells.is_empty() {
                    problems.insert(self.table().number(i), cells);
                }
            }
        }
        self.problems = problems;
        self.mapping_problems = mapping.into_iter().collect();
        self.workflow_problems = workflow;
    }

    /// Re-checks one row after a fix.
    pub fn recheck(&mut self, i: usize) {
        let row = self.table().number(i);
        self.problems.remove(&row);
        if let Err(found) = self.row_run(i) {
            let cells: Vec<CellProblem> = found
                .into_iter()
                .filter_map(|l| match l {
                    Located::Cell(p) => Some(p),
                    _ => None,
                })
                .collect();
            if !cells.is_empty() {
                self.problems.insert(row, cells);
            }
        }
    }

    /// Whether the person left row `row` out, or it matched what exists.
    pub fn skip_reason(&self, row: u32) -> Option<String> {
        if self.left_out.contains(&row) {
            return Some("Left out.".into());
        }
        self.existing
            .get(&row)
            .map(|id| format!("Already in Stripe: {id}."))
    }

    /// The summary, with `done_before` rows finished by earlier runs.
    pub fn summary(&self, done_before: &BTreeSet<u32>) -> DryRunSummary {
        let (mut ready, mut fixing, mut skipped, mut existing, mut done) = (0u64, 0u64, 0, 0, 0);
        let rows = self.data_rows();
        let total = rows.len() as u64;
        for i in rows {
            let row = self.table().number(i);
            if done_before.contains(&row) {
                done += 1;
            } else if self.left_out.contains(&row) {
                skipped += 1;
            } else if self.existing.contains_key(&row) {
                existing += 1;
            } else if self.problems.contains_key(&row) {
                fixing += 1;
            } else {
                ready += 1;
            }
        }
        let mut parts = vec![
            format!(
                "{} {} ready",
                thousands(ready),
                plural(ready, "row", "rows")
            ),
            format!(
                "{} {}",
                thousands(fixing),
                plural(fixing, "needs fixing", "need fixing")
            ),
        ];
        if existing > 0 {
            parts.push(format!("{} already in Stripe", thousands(existing)));
        }
        if skipped > 0 {
            parts.push(format!("{} left out", thousands(skipped)));
        }
        if done > 0 {
            parts.push(format!("{} done in an earlier run", thousands(done)));
        }
        DryRunSummary {
            rows: total,
            ready,
            needs_fixing: fixing,
            skipped,
            existing,
            done_before: done,
            sentence: parts.join(", "),
            mapping_problems: self.mapping_problems.clone(),
            workflow_problems: self.workflow_problems.clone(),
        }
    }
}

/// What the mapping lacks when no column (and no constant) fills a slot
/// the checks need.
fn unmapped(slot: &Slot) -> String {
    format!(
        "{}: pick the column that holds it, or enter a value for every row.",
        slot.label
    )
}

/// "1,982".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// Where a mistake is told.
#[derive(Debug, Clone)]
pub enum Located {
    Cell(CellProblem),
    /// The mapping's (a constant, a field no column fills): once.
    Mapping(String),
    /// The workflow's own (a value typed in a step): at its step.
    Workflow(Problem),
}

/// Resolves references against the inputs only.
struct InputsOnly<'a>(&'a BTreeMap<String, Value>);

impl Scope for InputsOnly<'_> {
    fn input(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
    fn step_output(&self, _: &str) -> Option<&Value> {
        None
    }
}

/// The first `{{input.x}}` in a field's value.
fn first_input(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Template::parse(s).ok()?.references().find_map(|r| {
            (r.root == Root::Input)
                .then(|| r.path.first().cloned())
                .flatten()
        }),
        Value::Array(items) => items.iter().find_map(first_input),
        Value::Object(map) => map.values().find_map(first_input),
        _ => None,
    }
}

/// The action's checker on these fields, as a step would send them.
fn form_errors(action: &Action, fields: Map<String, Value>) -> Vec<crate::actions::FieldError> {
    let call = StepCall {
        action: action.id.clone(),
        fields,
        idempotency_key: None,
        metadata: Vec::new(),
        since: None,
    };
    let form = filled_form(action, &call);
    match actions::form::check(action, &form).0 {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().filter(|e| !e.note).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflows::reference::{Part, Template};

    #[test]
    fn literals_are_never_read_as_references() {
        for text in [
            "plain",
            "{{input.email}}",
            "a {{b.c}} d",
            "\\{{x.y}}",
            "\\\\{{x.y}}",
            "{{{a.b}}}",
            "{{{{",
            "C:\\shop\\{{",
            "ends with \\",
            "{",
            "}}",
        ] {
            let parsed = Template::parse(&literal(text)).unwrap();
            let back: String = parsed
                .0
                .iter()
                .map(|p| match p {
                    Part::Text(t) => t.clone(),
                    Part::Ref(r) => panic!("{text:?} read as a reference {r}"),
                })
                .collect();
            assert_eq!(back, text);
        }
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1982), "1,982");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn row_ids_depend_on_the_content_target_and_row_only() {
        let t = BulkTarget::Action {
            action_id: "create_customer".into(),
        };
        let a = row_run_id("abc", &t, 7);
        assert_eq!(a, row_run_id("abc", &t, 7));
        assert_ne!(a, row_run_id("abd", &t, 7));
        assert_ne!(a, row_run_id("abc", &t, 8));
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    }
}
