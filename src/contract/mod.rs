//! The isolation contract between environments (issue: infra/). [`facts`] reads what each
//! environment directory declares, with a real HCL parser and evaluator; [`rules`] decides,
//! purely, whether environments stay isolated.

pub mod base_branch;
pub mod facts;
mod iam;
pub mod providers;
pub mod rules;
pub mod trust;

pub use facts::{Backend, EnvAccount, EnvFacts, RoleCreator};
pub use rules::{Violation, check};

/// The files every environment root must have, so all roots read alike.
pub const REQUIRED_FILES: [&str; 6] = [
    "backend.tf",
    "main.tf",
    "provider.tf",
    "variables.tf",
    "versions.tf",
    "terraform.tfvars",
];
