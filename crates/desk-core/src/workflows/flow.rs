//! The shape of a workflow that decides and repeats: steps inside groups
//! ("Only if" ... "Otherwise") and "For each" loops, in reading order, and
//! what a step can count on. The one place that answers "may this step use
//! that result?", for the checks, the `{{` menu and the run alike:
//!
//! - a result is there for a later step only if its step ran on every path
//!   to it: not guarded by an "Only if" the later step is not inside, not in
//!   the other branch, not inside a "For each" (whose results are one per
//!   item) the later step is not inside;
//! - a "First of" value tries results that may not be there, in order, and
//!   is itself there on every path;
//! - inside a "For each", `{{item...}}` is the current item, shaped as the
//!   list's items are.
//!
//! Steps are numbered in reading order (a group, then its steps, then its
//! "Otherwise" steps): a straight workflow keeps its numbers.

use super::catalog::{Kind, Shape, StepCatalog};
use super::conditions::Subject;
use super::model::{Flow, Step, Workflow};
use super::reference::{Reference, Root, Template, EVENT_ROOT};
use super::words;
use std::collections::{HashMap, HashSet};

/// Which list of a group a step is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Branch {
    /// The group's steps (or a "For each"'s).
    Steps,
    /// The group's "Otherwise" steps.
    Otherwise,
}

/// One step and where it sits.
#[derive(Debug, Clone)]
pub struct Placed<'w> {
    pub step: &'w Step,
    /// Position in reading order, from 0.
    pub index: usize,
    /// 0 at the top.
    pub depth: usize,
    /// The group or "For each" it is directly in, and which of its lists.
    pub parent: Option<(usize, Branch)>,
    /// The "For each" it runs inside.
    pub in_loop: Option<usize>,
    /// The steps certainly done before it, on every path to it.
    pub sure: HashSet<&'w str>,
}

impl Placed<'_> {
    pub fn name(&self) -> &str {
        &self.step.name
    }
}

/// Every step of `steps` and inside them, in reading order.
fn place<'w>(
    steps: &'w [Step],
    depth: usize,
    parent: Option<(usize, Branch)>,
    in_loop: Option<usize>,
    sure_before: &HashSet<&'w str>,
    out: &mut Vec<Placed<'w>>,
) -> HashSet<&'w str> {
    let mut sure = sure_before.clone();
    for step in steps {
        let index = out.len();
        out.push(Placed {
            step,
            index,
            depth,
            parent,
            in_loop,
            sure: sure.clone(),
        });
        match &step.flow {
            None | Some(Flow::FirstOf { .. }) => {
                if step.only_if.is_none() {
                    sure.insert(&step.name);
                }
            }
            Some(Flow::Group { steps, otherwise }) => {
                let then = place(
                    steps,
                    depth + 1,
                    Some((index, Branch::Steps)),
                    in_loop,
                    &sure,
                    out,
                );
                let other = place(
                    otherwise,
                    depth + 1,
                    Some((index, Branch::Otherwise)),
                    in_loop,
                    &sure,
                    out,
                );
                if step.only_if.is_none() {
                    sure = then;
                } else {
                    sure = then.intersection(&other).copied().collect();
                }
            }
            Some(Flow::ForEach { steps, .. }) => {
                // Its steps' results are one per item: none is there after it.
                place(
                    steps,
                    depth + 1,
                    Some((index, Branch::Steps)),
                    Some(index),
                    &sure,
                    out,
                );
            }
        }
    }
    sure
}

impl Workflow {
    /// Every step, nested ones too, in reading order, with where it sits.
    pub fn placed(&self) -> Vec<Placed<'_>> {
        let mut out = Vec::new();
        place(&self.steps, 0, None, None, &HashSet::new(), &mut out);
        out
    }

    /// Every step, nested ones too, in reading order (without where each
    /// sits: cheaper than [`Workflow::placed`], for words).
    pub fn in_reading_order(&self) -> Vec<&Step> {
        fn walk<'w>(steps: &'w [Step], out: &mut Vec<&'w Step>) {
            for step in steps {
                out.push(step);
                match &step.flow {
                    Some(Flow::Group { steps, otherwise }) => {
                        walk(steps, out);
                        walk(otherwise, out);
                    }
                    Some(Flow::ForEach { steps, .. }) => walk(steps, out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.steps, &mut out);
        out
    }

    /// How many steps there are, nested ones too.
    pub fn step_count(&self) -> usize {
        fn count(steps: &[Step]) -> usize {
            steps
                .iter()
                .map(|s| {
                    1 + match &s.flow {
                        Some(Flow::Group { steps, otherwise }) => count(steps) + count(otherwise),
                        Some(Flow::ForEach { steps, .. }) => count(steps),
                        _ => 0,
                    }
                })
                .sum()
        }
        count(&self.steps)
    }

    /// The step called `name`, wherever it is.
    pub fn find(&self, name: &str) -> Option<&Step> {
        self.in_reading_order().into_iter().find(|s| s.name == name)
    }

    /// Every step, nested ones too, for changes (renames).
    pub fn each_step_mut(&mut self, change: &mut dyn FnMut(&mut Step)) {
        fn walk(steps: &mut [Step], change: &mut dyn FnMut(&mut Step)) {
            for step in steps {
                change(step);
                match &mut step.flow {
                    Some(Flow::Group { steps, otherwise }) => {
                        walk(steps, change);
                        walk(otherwise, change);
                    }
                    Some(Flow::ForEach { steps, .. }) => walk(steps, change),
                    _ => {}
                }
            }
        }
        walk(&mut self.steps, change)
    }
}

/// Why a step's result may not be there for another step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaybeNot {
    /// It, or the group it is in, runs only if a condition (of the step at
    /// this index) holds; `otherwise`: only if it does not.
    Guarded { at: usize, otherwise: bool },
    /// It runs once per item of the "For each" at this index.
    InLoop { at: usize },
    /// It is in an "Otherwise" with no "Only if": it never runs.
    Never,
}

/// Answers what a step may use: references checked against the workflow's
/// shape, the actions' results and the steps that certainly ran.
pub struct Resolver<'w> {
    pub workflow: &'w Workflow,
    pub catalog: &'w dyn StepCatalog,
    pub placed: Vec<Placed<'w>>,
    positions: HashMap<&'w str, usize>,
    /// For a workflow an event starts: what that kind of event is about,
    /// which `{{event.…}}` references read (see `crate::bulk::triggers`).
    event: Option<&'w Shape>,
}

/// What a reference is, for a step that may use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub kind: Kind,
    /// What is there below it (for `{{item}}` menus and lists).
    pub shape: Shape,
}

impl<'w> Resolver<'w> {
    pub fn new(workflow: &'w Workflow, catalog: &'w dyn StepCatalog) -> Resolver<'w> {
        let placed = workflow.placed();
        // The first step of a name wins: a second one is a problem of its own.
        let mut positions = HashMap::new();
        for p in &placed {
            positions.entry(p.step.name.as_str()).or_insert(p.index);
        }
        Resolver {
            workflow,
            catalog,
            placed,
            positions,
            event: None,
        }
    }

    /// The same, for a workflow started by an event about `event`.
    pub fn started_by(mut self, event: Option<&'w Shape>) -> Resolver<'w> {
        self.event = event;
        self
    }

    pub fn position(&self, name: &str) -> Option<usize> {
        self.positions.get(name).copied()
    }

    /// "Step 2 (Create Customer)", "Step 3 (Only if)".
    pub fn step_words(&self, index: usize) -> String {
        words::step_words(self.catalog, self.workflow, index)
    }

    /// The result a step gives back: an action's, a "First of"'s value;
    /// groups and loops give back nothing themselves.
    pub fn output_shape(&self, step: &Step) -> Option<Shape> {
        match &step.flow {
            None => self.catalog.output_shape(&step.action),
            Some(Flow::FirstOf { of }) => {
                let index = self.position(&step.name)?;
                let mut shape: Option<Shape> = None;
                for text in of {
                    let Some(r) = Template::parse(text)
                        .ok()
                        .and_then(|t| t.whole_reference().cloned())
                    else {
                        continue;
                    };
                    let Ok(found) = self.resolve(index, &r, true) else {
                        continue;
                    };
                    shape = Some(match shape {
                        None => found.shape,
                        // Candidates of different shapes: only what all share is sure.
                        Some(s) if s == found.shape => s,
                        Some(_) => Shape::Open,
                    });
                }
                Some(Shape::object(vec![("value", shape.unwrap_or(Shape::Open))]))
            }
            Some(_) => None,
        }
    }

    /// Whether the step at `inner` is inside the list `(at, branch)`.
    fn inside(&self, inner: usize, at: usize, branch: Branch) -> bool {
        let mut here = self.placed[inner].parent;
        while let Some((p, b)) = here {
            if p == at && b == branch {
                return true;
            }
            here = self.placed[p].parent;
        }
        false
    }

    /// Why the result of the step at `target` may not be there for the
    /// step at `from`, if it may not.
    pub fn maybe_not(&self, from: usize, target: usize) -> Option<MaybeNot> {
        let name = self.placed[target].step.name.as_str();
        if self.placed[from].sure.contains(name) {
            return None;
        }
        if self.placed[target].step.only_if.is_some() {
            return Some(MaybeNot::Guarded {
                at: target,
                otherwise: false,
            });
        }
        let mut here = self.placed[target].parent;
        while let Some((at, branch)) = here {
            if !self.inside(from, at, branch) {
                let container = self.placed[at].step;
                if matches!(container.flow, Some(Flow::ForEach { .. })) {
                    return Some(MaybeNot::InLoop { at });
                }
                match (&container.only_if, branch) {
                    (Some(_), b) => {
                        return Some(MaybeNot::Guarded {
                            at,
                            otherwise: b == Branch::Otherwise,
                        })
                    }
                    (None, Branch::Otherwise) => return Some(MaybeNot::Never),
                    (None, Branch::Steps) => {}
                }
            }
            here = self.placed[at].parent;
        }
        None
    }

    /// The "why" of [`Resolver::maybe_not`], in words.
    pub fn maybe_not_words(&self, why: MaybeNot) -> String {
        match why {
            MaybeNot::Guarded { at, otherwise } => {
                let guard = self.placed[at]
                    .step
                    .only_if
                    .as_ref()
                    .map(|c| super::conditions::words(c, &|r| self.subject_any(at, r)))
                    .unwrap_or_default();
                let whose = self.step_words(at);
                if otherwise {
                    format!("it runs only when the condition of {whose} does not hold ({guard})")
                } else {
                    format!("it runs only if {guard} ({whose})")
                }
            }
            MaybeNot::InLoop { at } => format!(
                "it runs once for each item of {}, so it has one result per item",
                self.step_words(at)
            ),
            MaybeNot::Never => {
                "it is in an “Otherwise” with no “Only if” above it, so it never runs".into()
            }
        }
    }

    /// The "For each" whose items a step at `from` sees as `{{item}}`.
    fn item_shape(&self, from: usize) -> Result<Shape, String> {
        let Some(at) = self.placed[from].in_loop else {
            return Err(
                "The current item is there only inside a “For each”: this step is not in one."
                    .into(),
            );
        };
        let Some(Flow::ForEach { over, .. }) = &self.placed[at].step.flow else {
            return Err("The current item is there only inside a “For each”.".into());
        };
        let reference = Template::parse(over)
            .ok()
            .and_then(|t| t.whole_reference().cloned())
            .ok_or_else(|| {
                format!(
                    "{} does not say which list to go through yet.",
                    self.step_words(at)
                )
            })?;
        let list = self.resolve(at, &reference, false)?;
        match list.shape {
            Shape::List { item } => Ok(*item),
            Shape::Open => Ok(Shape::Open),
            _ => Err(format!(
                "{} goes through something that is not a list.",
                self.step_words(at)
            )),
        }
    }

    /// What `reference` is for the step at `from`, or why it cannot use
    /// it. `maybe`: results that may not be there are fine (a "First of").
    pub fn resolve(
        &self,
        from: usize,
        reference: &Reference,
        maybe: bool,
    ) -> Result<Resolved, String> {
        let walk = |shape: &Shape, path: &[String], named: &dyn Fn() -> String, whose: String| {
            shape_at(shape, path).map_err(|_| format!("{} is not part of {whose}.", named()))
        };
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
                let kind = input.kind.kind();
                let shape = if input.list.unwrap_or(false) {
                    Shape::list(Shape::value(kind.clone()))
                } else {
                    Shape::value(kind.clone())
                };
                Ok(Resolved {
                    kind: if input.list.unwrap_or(false) {
                        Kind::Any
                    } else {
                        kind
                    },
                    shape,
                })
            }
            Root::Item => {
                let item = self.item_shape(from)?;
                let named = || words::reference_words(self.catalog, self.workflow, reference);
                let shape = walk(&item, &reference.path, &named, "the current item".into())?;
                Ok(Resolved {
                    kind: kind_of(&shape),
                    shape,
                })
            }
            Root::Step(target) => {
                if let (None, Some(event), true) =
                    (self.position(target), self.event, target == EVENT_ROOT)
                {
                    let named = || words::reference_words(self.catalog, self.workflow, reference);
                    let shape = walk(
                        event,
                        &reference.path,
                        &named,
                        "the event that starts this workflow".into(),
                    )?;
                    return Ok(Resolved {
                        kind: kind_of(&shape),
                        shape,
                    });
                }
                let Some(position) = self.position(target) else {
                    return Err(format!(
                        "This refers to a step that is not in this workflow (“{}”): pick a result of an earlier step.",
                        target.replace('_', " ")
                    ));
                };
                if position == from {
                    return Err("A step cannot use its own result.".into());
                }
                let named = || words::reference_words(self.catalog, self.workflow, reference);
                if position > from {
                    return Err(format!(
                        "{} comes from a step that runs later (step {} of {}): move that step before this one.",
                        named(),
                        position + 1,
                        self.placed.len()
                    ));
                }
                let step = self.placed[position].step;
                let Some(shape) = self.output_shape(step) else {
                    return Err(match &step.flow {
                        None => format!(
                            "{} has an action Stripe Desk does not know.",
                            self.step_words(position)
                        ),
                        Some(_) if self.inside(from, position, Branch::Steps)
                            || self.inside(from, position, Branch::Otherwise) =>
                        {
                            format!(
                                "{} holds this step and gives back nothing itself: use a result of a step before it, or inside it.",
                                self.step_words(position)
                            )
                        }
                        Some(_) => format!(
                            "{} is a group of steps and gives back nothing itself: use a result of a step inside it, through a “First of” value.",
                            self.step_words(position)
                        ),
                    });
                };
                let shape = walk(
                    &shape,
                    &reference.path,
                    &named,
                    format!("what {} gives back", self.step_words(position)),
                )?;
                if let Some(why) = self.maybe_not(from, position) {
                    let in_loop = matches!(why, MaybeNot::InLoop { .. });
                    if !maybe || in_loop {
                        let fix = if in_loop {
                            "Use it inside that “For each”.".to_owned()
                        } else {
                            "Use it through a “First of” value that tries it and another result, or use a step that runs on every path.".to_owned()
                        };
                        return Err(format!(
                            "{} may not be there when this step runs: {}. {fix}",
                            named(),
                            self.maybe_not_words(why)
                        ));
                    }
                }
                Ok(Resolved {
                    kind: kind_of(&shape),
                    shape,
                })
            }
        }
    }

    /// What a condition at the step at `from` tests, for its checks and words.
    pub fn subject(&self, from: usize, reference: &Reference) -> Result<Subject, String> {
        let resolved = self.resolve(from, reference, false)?;
        Ok(self.subject_of(reference, resolved))
    }

    /// Like [`Resolver::subject`], for words only: whatever can be said.
    pub fn subject_any(&self, from: usize, reference: &Reference) -> Option<Subject> {
        let resolved = self.resolve(from, reference, true).unwrap_or(Resolved {
            kind: Kind::Any,
            shape: Shape::Open,
        });
        Some(self.subject_of(reference, resolved))
    }

    fn subject_of(&self, reference: &Reference, resolved: Resolved) -> Subject {
        let found_by = match (&reference.root, reference.path.as_slice(), &resolved.shape) {
            (Root::Step(step), [data], Shape::List { .. }) if data == "data" => {
                self.position(step).map(|i| self.step_words(i))
            }
            _ => None,
        };
        let currency = match &reference.root {
            Root::Input => self
                .workflow
                .inputs
                .iter()
                .find(|i| i.name == reference.path[0])
                .and_then(|i| match &i.kind {
                    super::model::InputKind::AmountIn { currency } => Some(currency.clone()),
                    _ => None,
                }),
            _ => None,
        };
        Subject {
            kind: resolved.kind,
            words: words::reference_words(self.catalog, self.workflow, reference),
            found_by,
            currency,
        }
    }
}

/// The kind of what is at a place in a result: a whole list or object
/// fills a field that takes anything.
fn kind_of(shape: &Shape) -> Kind {
    match shape {
        Shape::Value { kind } => kind.clone(),
        _ => Kind::Any,
    }
}

/// The part of `shape` at `path`, or why there is none.
pub fn shape_at(shape: &Shape, path: &[String]) -> Result<Shape, String> {
    let mut here = shape;
    for (i, seg) in path.iter().enumerate() {
        here = match here {
            Shape::Open => return Ok(Shape::Open),
            Shape::Object { fields } => match fields.iter().find(|(k, _)| k == seg) {
                Some((_, s)) => s,
                None => return Err(format!("no field {seg}")),
            },
            Shape::List { item } => {
                if seg.parse::<usize>().is_err() {
                    return Err(format!("{} is a list", path[..i].join(".")));
                }
                item
            }
            Shape::Value { .. } => return Err(format!("{} has no parts", path[..i].join("."))),
        };
    }
    Ok(here.clone())
}
