//! The isolation contract between environments. [`facts`] reads what each environment
//! directory declares, with a real HCL parser and evaluator; [`rules`] decides, purely,
//! whether the environments stay isolated under the rules the config turns on.

pub mod base_branch;
pub mod facts;
mod iam;
pub mod providers;
pub mod rules;
pub mod trust;

pub use facts::{Backend, EnvAccount, EnvFacts, ModuleCall, ReadOptions, RoleCreator};
pub use rules::{Violation, check};
