//! The part of a plan JSON that policies and the cost estimate read: each resource change's
//! address, type, actions and its values before and after, with every value Terraform marks
//! sensitive replaced by a placeholder first, so no policy message and no cost line can ever
//! carry one.

use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

/// What replaces a sensitive value before any policy sees it.
pub const SENSITIVE: &str = "(sensitive)";

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceFacts {
    pub address: String,
    pub mode: String,
    pub kind: String,
    pub actions: Vec<String>,
    /// `null` when the resource does not exist before (create) or after (delete).
    pub before: Value,
    pub after: Value,
}

impl ResourceFacts {
    pub fn creates(&self) -> bool {
        self.actions.iter().any(|a| a == "create")
    }
    pub fn deletes(&self) -> bool {
        self.actions.iter().any(|a| a == "delete")
    }
}

#[derive(Deserialize)]
struct PlanJson {
    #[serde(default)]
    resource_changes: Vec<ChangeJson>,
}

#[derive(Deserialize)]
struct ChangeJson {
    address: String,
    #[serde(default)]
    mode: String,
    #[serde(rename = "type", default)]
    kind: String,
    change: ChangeBody,
}

#[derive(Deserialize)]
struct ChangeBody {
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    before: Value,
    #[serde(default)]
    after: Value,
    #[serde(default)]
    before_sensitive: Value,
    #[serde(default)]
    after_sensitive: Value,
}

/// Reads every resource change of a plan JSON file (managed and data resources).
pub fn read(path: &Path) -> Result<Vec<ResourceFacts>, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    from_reader(std::io::BufReader::with_capacity(1 << 20, file))
        .map_err(|e| format!("{}: {e}", path.display()))
}

pub fn from_reader<R: std::io::Read>(reader: R) -> Result<Vec<ResourceFacts>, String> {
    let plan: PlanJson =
        serde_json::from_reader(reader).map_err(|e| format!("not a plan JSON: {e}"))?;
    Ok(plan
        .resource_changes
        .into_iter()
        .map(|rc| {
            let mut before = rc.change.before;
            let mut after = rc.change.after;
            hide_sensitive(&mut before, &rc.change.before_sensitive);
            hide_sensitive(&mut after, &rc.change.after_sensitive);
            ResourceFacts {
                address: rc.address,
                mode: rc.mode,
                kind: rc.kind,
                actions: rc.change.actions,
                before,
                after,
            }
        })
        .collect())
}

/// Replaces every value `mask` (Terraform's `*_sensitive` shape: `true`, or an object or
/// array mirroring the value) marks with [`SENSITIVE`].
pub(crate) fn hide_sensitive(value: &mut Value, mask: &Value) {
    match mask {
        Value::Bool(true) if !value.is_null() => {
            *value = Value::String(SENSITIVE.into());
        }
        Value::Object(marks) => {
            if let Value::Object(fields) = value {
                for (key, mark) in marks {
                    if let Some(field) = fields.get_mut(key) {
                        hide_sensitive(field, mark);
                    }
                }
            }
        }
        Value::Array(marks) => {
            if let Value::Array(items) = value {
                for (item, mark) in items.iter_mut().zip(marks) {
                    hide_sensitive(item, mark);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_values_are_replaced_before_anything_reads_them() {
        let plan = r#"{"resource_changes":[{"address":"aws_db_instance.x","mode":"managed","type":"aws_db_instance",
          "change":{"actions":["create"],"before":null,
            "after":{"password":"canary-3f9a","tags":{"Owner":"canary-77b1","Team":"ml"},"list":["a","canary-b2"]},
            "after_sensitive":{"password":true,"tags":{"Owner":true},"list":[false,true]}}}]}"#;
        let facts = from_reader(plan.as_bytes()).expect("reads");
        let text = facts[0].after.to_string();
        assert!(!text.contains("canary"), "{text}");
        assert_eq!(facts[0].after["tags"]["Team"], "ml");
        assert!(facts[0].creates() && !facts[0].deletes());
    }
}
