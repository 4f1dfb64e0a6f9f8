//! Names of the attributes an update changes. Only names leave this module, never values,
//! and a sensitive attribute is named as such without looking inside it.

use serde_json::{Map, Value};

use crate::plan::Change;
use crate::plan::reader::is_marked;

/// Changed attribute paths, top level and one level into objects (e.g. `tags["Owner"]`).
pub fn changed(change: &Change) -> Vec<String> {
    let empty = Map::new();
    let before = change.before.as_object().unwrap_or(&empty);
    let after = change.after.as_object().unwrap_or(&empty);
    let unknown = change.after_unknown.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = before
        .keys()
        .chain(after.keys())
        .chain(unknown.keys())
        .collect();
    keys.sort();
    keys.dedup();

    let mut out = Vec::new();
    for key in keys {
        let b = before.get(key).unwrap_or(&Value::Null);
        let a = after.get(key).unwrap_or(&Value::Null);
        let u = unknown.get(key).unwrap_or(&Value::Null);
        let sensitive = is_marked(child(&change.before_sensitive, key))
            || is_marked(child(&change.after_sensitive, key))
            || is_marked(&change.before_sensitive)
            || is_marked(&change.after_sensitive);
        if a == b && !any_marked(u) {
            continue;
        }
        let mut name = String::new();
        push_key(&mut name, key);
        if sensitive {
            out.push(format!("{name} (sensitive)"));
        } else if is_marked(u) {
            out.push(format!("{name} (known after apply)"));
        } else if let (Some(bo), Some(ao)) = (b.as_object(), a.as_object()) {
            let nested = nested_changes(
                &name,
                bo,
                ao,
                u,
                child(&change.before_sensitive, key),
                child(&change.after_sensitive, key),
            );
            if nested.is_empty() {
                out.push(name);
            } else {
                out.extend(nested);
            }
        } else {
            out.push(name);
        }
    }
    out
}

fn nested_changes(
    prefix: &str,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    unknown: &Value,
    before_sensitive: &Value,
    after_sensitive: &Value,
) -> Vec<String> {
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for key in keys {
        let b = before.get(key).unwrap_or(&Value::Null);
        let a = after.get(key).unwrap_or(&Value::Null);
        let u = child(unknown, key);
        if a == b && !any_marked(u) {
            continue;
        }
        let mut name = prefix.to_string();
        push_key(&mut name, key);
        if is_marked(child(before_sensitive, key)) || is_marked(child(after_sensitive, key)) {
            name.push_str(" (sensitive)");
        } else if is_marked(u) {
            name.push_str(" (known after apply)");
        }
        out.push(name);
    }
    out
}

fn child<'a>(mark: &'a Value, key: &str) -> &'a Value {
    mark.get(key).unwrap_or(&Value::Null)
}

fn any_marked(mark: &Value) -> bool {
    match mark {
        Value::Bool(b) => *b,
        Value::Array(items) => items.iter().any(any_marked),
        Value::Object(map) => map.values().any(any_marked),
        _ => false,
    }
}

/// Appends `key` as `.key` (or the first segment bare) when it is an identifier, else as
/// `["key"]`, so odd map keys cannot break the rendered path.
pub(crate) fn push_key(out: &mut String, key: &str) {
    let ident = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if ident {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(key);
    } else {
        out.push_str(&format!("[{}]", serde_json::Value::String(key.to_string())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(before: Value, after: Value, after_unknown: Value, after_sensitive: Value) -> Change {
        serde_json::from_value(json!({
            "actions": ["update"],
            "before": before,
            "after": after,
            "after_unknown": after_unknown,
            "before_sensitive": after_sensitive.clone(),
            "after_sensitive": after_sensitive,
        }))
        .expect("change")
    }

    #[test]
    fn names_changed_top_level_and_map_keys() {
        let c = change(
            json!({"ami": "a", "tags": {"Name": "x", "Owner": "me"}, "same": 1}),
            json!({"ami": "b", "tags": {"Name": "y", "Owner": "me"}, "same": 1}),
            json!({"arn": true}),
            json!({}),
        );
        assert_eq!(
            changed(&c),
            vec!["ami", "arn (known after apply)", "tags.Name"]
        );
    }

    #[test]
    fn sensitive_attributes_are_named_not_opened() {
        let c = change(
            json!({"password": "old-secret", "cfg": {"token": "t1"}}),
            json!({"password": "new-secret", "cfg": {"token": "t2"}}),
            json!({}),
            json!({"password": true, "cfg": {"token": true}}),
        );
        assert_eq!(
            changed(&c),
            vec!["cfg.token (sensitive)", "password (sensitive)"]
        );
    }

    #[test]
    fn odd_keys_are_quoted() {
        let mut s = String::from("tags");
        push_key(&mut s, "kubernetes.io/role/elb");
        assert_eq!(s, r#"tags["kubernetes.io/role/elb"]"#);
    }
}
