//! Workflows: named, ordered steps, each an action with its fields filled,
//! where later steps use earlier results through `{{step.field}}` references.
//!
//! Nothing here describes an action: what an action takes and returns comes
//! through [`catalog::StepCatalog`], bound to the actions' own descriptions.

pub mod catalog;
pub mod checks;
pub mod engine;
pub mod files;
pub mod menu;
pub mod model;
pub mod reference;
pub mod store;
pub mod templates;
