//! Workflows: named, ordered steps, each an action with its fields filled,
//! where later steps use earlier results through `{{step.field}}` references.
//!
//! Nothing here describes an action. Two traits are bound to the actions:
//! - [`catalog::StepCatalog`]: each action's result shape, field kinds and
//!   whether it writes (for the checks before a run and the `{{` menu);
//! - [`engine::StepExecutor`]: carries out one step (the actions' checker
//!   and request) and finds what an earlier attempt created, by metadata.
//!
//! The parts:
//! - [`bound`]: both traits bound to the real actions;
//! - [`desk`](mod@desk): the `Desk` entry points the window calls;
//! - [`reference`](mod@reference): the `{{...}}` syntax (escape `\{{`), resolution;
//! - [`model`]: inputs, steps (actions, groups, "For each", "First of"),
//!   renames that follow references;
//! - [`flow`]: where each step sits and what it may use (a result that may
//!   not have run is refused), for the checks, the menu and the run;
//! - [`conditions`]: "Only if": comparisons, their checks, evaluation, words;
//! - [`check`](mod@check): everything checked before a run, at its place;
//! - [`checks`]: the one place emails, ID prefixes and amounts are checked;
//! - [`store`]: `<data dir>/workflows/<id>.json`, export and import;
//! - [`templates`]: ready workflows (action and field ids in one place);
//! - [`engine`]: runs, branches, loops, Resume, idempotency, run history
//!   (`<data dir>/workflows/runs/<workflow id>/<run id>.json`, and for a
//!   "For each" its items' log beside it);
//! - [`menu`]: what the `{{` menu offers in a field;
//! - [`progress`]: which changes of a run go to the window, and how often;
//! - [`review`]: what a workflow will do, step by step, for an import's
//!   review and the confirmation before a run;
//! - [`settings`]: how long run history is kept;
//! - [`tags`]: which creates carry the run's metadata (from Stripe's description);
//! - [`words`](mod@words): steps and references in a person's words;
//! - [`files`]: the one function that writes files.

pub mod bound;
pub mod catalog;
pub mod check;
pub mod checks;
pub mod conditions;
pub mod desk;
pub mod engine;
pub mod files;
pub mod flow;
pub mod menu;
pub mod model;
pub mod progress;
pub mod reference;
pub mod review;
pub mod settings;
pub mod store;
pub mod tags;
pub mod templates;
pub mod words;

pub use bound::{ActionCatalog, ActionSteps};
pub use catalog::{Kind, Shape, StepCatalog};
pub use conditions::{Combine, Comparison, Condition, Test};
pub use engine::{Engine, GoAhead, RunHistory, RunRecord, StepExecutor};
pub use model::{Flow, InputKind, Problem, Step, Workflow};
pub use store::WorkflowStore;
