//! Typed model of `terraform show -json` (format versions 0.x and 1.x).
//!
//! Only the parts a summary needs are modelled; unknown fields are ignored so newer Terraform
//! versions keep working. Documents are read element by element (see [`reader`]), never as
//! one `serde_json::Value`, because large plans reach hundreds of megabytes.

pub mod reader;

use serde::Deserialize;
use serde_json::Value;

pub use reader::{PlanVisitor, read_plan, read_plan_file};

/// One entry of `resource_changes` or `resource_drift`.
#[derive(Debug, Clone, Deserialize)]
pub struct ResourceChange {
    pub address: String,
    #[serde(default)]
    pub previous_address: Option<String>,
    #[serde(default)]
    pub module_address: Option<String>,
    #[serde(default)]
    pub mode: Mode,
    #[serde(rename = "type", default)]
    pub resource_type: String,
    #[serde(default)]
    pub name: String,
    /// Set for deposed objects (create_before_destroy leftovers).
    #[serde(default)]
    pub deposed: Option<String>,
    #[serde(default)]
    pub action_reason: Option<String>,
    pub change: Change,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Managed,
    Data,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Change {
    pub actions: Vec<Action>,
    #[serde(default)]
    pub before: Value,
    #[serde(default)]
    pub after: Value,
    /// Mirrors `after` with `true` where the value is known only after apply.
    #[serde(default)]
    pub after_unknown: Value,
    /// Mirror the values with `true` at sensitive leaves; may be a bare `true`.
    #[serde(default)]
    pub before_sensitive: Value,
    #[serde(default)]
    pub after_sensitive: Value,
    #[serde(default)]
    pub replace_paths: Vec<Vec<PathStep>>,
    /// Present (any value but null) when the resource is being imported.
    #[serde(default)]
    pub importing: Option<Value>,
}

/// An element of an attribute path: an attribute name or map key, or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum PathStep {
    Key(String),
    Index(i64),
}

/// A single action; action sets such as `["delete","create"]` combine them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    Create,
    Read,
    Update,
    Delete,
    Forget,
    /// An action this reader does not know yet; counted as a change, never dropped.
    #[serde(other)]
    Unknown,
}

/// One entry of `output_changes`.
#[derive(Debug, Clone, Deserialize)]
pub struct OutputChange {
    pub actions: Vec<Action>,
    /// Read only to learn which values are secret; never rendered.
    #[serde(default)]
    pub before: Value,
    #[serde(default)]
    pub after: Value,
    /// For outputs these are plain booleans (per the JSON format docs), but tolerate shapes.
    #[serde(default)]
    pub before_sensitive: Value,
    #[serde(default)]
    pub after_sensitive: Value,
}

impl OutputChange {
    pub fn sensitive(&self) -> bool {
        reader::is_marked(&self.after_sensitive) || reader::is_marked(&self.before_sensitive)
    }
}
