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
use std::sync::Arc;

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
    pub after_unknown: Arc<Value>,
    /// Mirror the values with `true` at sensitive leaves; may be a bare `true`.
    #[serde(default, deserialize_with = "marks")]
    pub before_sensitive: Arc<Value>,
    #[serde(default, deserialize_with = "marks")]
    pub after_sensitive: Arc<Value>,
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
/// that, so they are not built into a tree at all. The others repeat from one resource of a
/// type to the next (a database's password and connection block, an instance's user data):
/// each thread keeps the trees it built lately by their text and shares them, rather than
/// building the same maps again for every resource.
fn marks<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Arc<Value>, D::Error> {
    let raw = <&'de RawValue>::deserialize(d)?;
    let text = raw.get();
    let text = if text.contains("true") { text } else { "null" };
    RECENT_MARKS.with_borrow_mut(|recent| {
        if let Some(tree) = recent.get(text) {
            return Ok(tree.clone());
        }
        let tree: Arc<Value> =
            Arc::new(serde_json::from_str(text).map_err(serde::de::Error::custom)?);
        if recent.len() >= RECENT_MARKS_KEPT {
            recent.clear();
        }
        recent.insert(text.to_string(), tree.clone());
        Ok(tree)
    })
}

/// How many distinct mark trees a thread keeps for sharing: a plan has a few shapes per
/// resource type; past this many, they are forgotten and built again.
const RECENT_MARKS_KEPT: usize = 256;

thread_local! {
    static RECENT_MARKS: std::cell::RefCell<std::collections::HashMap<String, Arc<Value>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn change(marks: &str) -> ResourceChange<'static> {
        let text = format!(
            r#"{{"address":"a.b","change":{{"actions":["update"],"before":{{}},"after":{{}},"after_unknown":{{}},"before_sensitive":{marks},"after_sensitive":{marks}}}}}"#
        );
        serde_json::from_str(Box::leak(text.into_boxed_str())).expect("change")
    }

    /// Resources whose marks read the same share one tree; different marks never do.
    #[test]
    fn identical_mark_trees_are_shared_and_different_ones_kept_apart() {
        let first = change(r#"{"password":true,"tags":{}}"#);
        let second = change(r#"{"password":true,"tags":{}}"#);
        let other = change(r#"{"password":false,"token":true}"#);
        assert!(Arc::ptr_eq(
            &first.change.after_sensitive,
            &second.change.after_sensitive
        ));
        assert_eq!(
            *first.change.after_sensitive,
            serde_json::json!({"password": true, "tags": {}})
        );
        assert_eq!(
            *other.change.after_sensitive,
            serde_json::json!({"password": false, "token": true})
        );
        // A tree without a `true` leaf is no tree at all.
        assert_eq!(
            *change(r#"{"tags":{}}"#).change.before_sensitive,
            Value::Null
        );
        // Past the number kept, trees are built again and still read right.
        for i in 0..(RECENT_MARKS_KEPT + 10) {
            let marks = format!(r#"{{"k{i}":true}}"#);
            let read = change(&marks);
            assert_eq!(
                *read.change.after_sensitive,
                serde_json::from_str::<Value>(&marks).expect("json")
            );
        }
    }
}
