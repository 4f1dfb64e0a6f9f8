//! Policy as code, built in: Rego policies evaluated inside tfpromote (the `regorus`
//! interpreter; no OPA or conftest binary to fetch) over each environment's plan.
//!
//! Contract of a policy file (`<dir>/*.rego`, see docs/policy.md): `package
//! tfpromote.<rule>`, and a set `deny` of objects `{"address": ..., "message": ...}`. The
//! input is `{"environment", "labels", "resource_changes": [{"address", "mode", "type",
//! "actions", "before", "after"}]}` with every sensitive value already replaced by
//! `"(sensitive)"`; `<dir>/data.json`, when present, is `data`. A policy that declares
//! which types, actions and attributes it reads ([`reads`]) gets only those resources and
//! values, and one that declares `group` gets each distinct change once, with a `count`
//! ([`engine`]). The plan's changes are gathered in the render's own pass ([`changes`]).

pub mod allow_labels;
pub mod changes;
pub mod engine;
pub mod facts;
pub mod reads;
pub mod settings;
pub mod source;

pub use settings::{Mode, PolicySettings};

/// One violation: which rule, which resource, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub rule: String,
    pub address: String,
    pub message: String,
}

/// One environment's policy results as every channel shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyReport {
    pub mode: Mode,
    /// Where the policies were read from (e.g. `origin/main:policy`).
    pub source: String,
    /// How many rules (policy files) were evaluated.
    pub rules: usize,
    pub findings: Vec<Finding>,
    /// The policies could not be read or evaluated: nothing was checked.
    pub error: Option<String>,
}

/// The policy files and data as read from one place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicySet {
    /// Where they came from, for the reader.
    pub source: String,
    /// (file name, Rego text), sorted by name.
    pub files: Vec<(String, String)>,
    /// `data.json`, when present.
    pub data: Option<String>,
}

/// Evaluates `set` over `resources` for `environment`; the report says what was found (or
/// why nothing could be checked: a broken policy is never a pass).
pub fn evaluate(
    set: &PolicySet,
    mode: Mode,
    environment: &str,
    labels: &[String],
    resources: &[facts::ResourceFacts],
) -> PolicyReport {
    evaluate_gathered(
        set,
        mode,
        environment,
        labels,
        &changes::Gathered::from_facts(resources),
    )
}

/// [`evaluate`] over the changes gathered in the render's own pass over the plan.
pub fn evaluate_gathered(
    set: &PolicySet,
    mode: Mode,
    environment: &str,
    labels: &[String],
    gathered: &changes::Gathered,
) -> PolicyReport {
    let (findings, error) = match engine::evaluate(set, environment, labels, gathered) {
        Ok(findings) => (findings, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    PolicyReport {
        mode,
        source: set.source.clone(),
        rules: set.files.len(),
        findings,
        error,
    }
}
