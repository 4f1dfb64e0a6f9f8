//! Typed model of `terraform show -json` (format versions 0.x and 1.x).
//!
//! Only the parts a summary needs are modelled; unknown fields are ignored so newer Terraform
//! versions keep working. Documents are read element by element (see [`reader`]), never as
//! one `serde_json::Value`, because large plans reach hundreds of megabytes.

mod chunks;
pub mod marked;
pub mod observed;
pub mod reader;
mod scan;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;

pub use reader::{ChangeVisitor, PlanVisitor, read_plan, read_plan_file};

/// One entry of `resource_changes` or `resource_drift`; borrows the reader's buffer.
#[derive(Debug, Clone, Deserialize)]
pub struct ResourceChange<'a> {
    /// Borrowed from the plan's text (unless JSON escapes something in it): a plan of
    /// 100,000 resources made 300,000 short-lived strings of these three otherwise.
    #[serde(borrow)]
    pub address: Cow<'a, str>,
    #[serde(default)]
    pub previous_address: Option<String>,
    #[serde(default)]
    pub module_address: Option<String>,
    #[serde(default)]
    pub mode: Mode,
    #[serde(rename = "type", default, borrow)]
    pub resource_type: Cow<'a, str>,
    #[serde(default, borrow)]
    pub name: Cow<'a, str>,
    /// Set for deposed objects (create_before_destroy leftovers).
    #[serde(default)]
    pub deposed: Option<String>,
    #[serde(default)]
    pub action_reason: Option<String>,
    #[serde(borrow)]
    pub change: Change<'a>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Managed,
    Data,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Change<'a> {
    pub actions: Vec<Action>,
    /// Kept as raw JSON: most resources never need these opened, and building a tree for
    /// every object of a large plan is what makes reading slow (see scripts/bench-render).
    #[serde(default, borrow)]
    pub before: Option<&'a RawValue>,
    #[serde(default, borrow)]
    pub after: Option<&'a RawValue>,
    /// Mirrors `after` with `true` where the value is known only after apply.
    #[serde(default, deserialize_with = "marks")]
    pub after_unknown: Value,
    /// Mirror the values with `true` at sensitive leaves; may be a bare `true`.
    #[serde(default, deserialize_with = "marks")]
    pub before_sensitive: Value,
    #[serde(default, deserialize_with = "marks")]
    pub after_sensitive: Value,
    #[serde(default)]
    pub replace_paths: Vec<Vec<PathStep>>,
    /// Present (any value but null) when the resource is being imported.
    #[serde(default)]
    pub importing: Option<Value>,
}

impl Change<'_> {
    pub fn after_value(&self) -> Value {
        parse_raw(self.after)
    }
}

/// A mark tree with no `true` leaf means "nothing marked", the same as null; most are like
/// that, so they are not built into a tree at all.
fn marks<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    let raw = <&'de RawValue>::deserialize(d)?;
    if !raw.get().contains("true") {
        return Ok(Value::Null);
    }
    serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)
}

/// A raw value the reader already validated as JSON; absent means null.
fn parse_raw(raw: Option<&RawValue>) -> Value {
    raw.and_then(|r| serde_json::from_str(r.get()).ok())
        .unwrap_or(Value::Null)
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

impl Action {
    /// Terraform's own spelling.
    pub fn name(self) -> &'static str {
        match self {
            Action::NoOp => "no-op",
            Action::Create => "create",
            Action::Read => "read",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Forget => "forget",
            Action::Unknown => "unknown",
        }
    }
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
