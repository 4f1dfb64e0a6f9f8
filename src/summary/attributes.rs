//! Names of the attributes an update changes. Only names leave this module, never values,
//! and a sensitive attribute is named as such without looking inside it.

use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

use crate::plan::Change;
use crate::plan::reader::{any_marked, is_marked};

/// One level of an object, values left as raw JSON: comparing raw text is enough to tell
/// what changed (Terraform writes equal values identically) and builds no trees.
type RawObject<'a> = BTreeMap<String, &'a RawValue>;

fn raw_object(raw: Option<&RawValue>) -> RawObject<'_> {
    raw.filter(|r| r.get().starts_with('{'))
        .and_then(|r| serde_json::from_str(r.get()).ok())
        .unwrap_or_default()
}

fn raw_text<'a>(raw: Option<&&'a RawValue>) -> &'a str {
    raw.map(|r| r.get()).unwrap_or("null")
}

/// Changed attribute paths, top level and one level into objects (e.g. `tags["Owner"]`).
pub fn changed(change: &Change<'_>) -> Vec<String> {
    let before = raw_object(change.before);
    let after = raw_object(change.after);
    let no_unknowns = serde_json::Map::new();
    let unknown = change.after_unknown.as_object().unwrap_or(&no_unknowns);
    let mut keys: Vec<&String> = before
        .keys()
        .chain(after.keys())
        .chain(unknown.keys())
        .collect();
    keys.sort();
    keys.dedup();

    let whole_sensitive = is_marked(&change.before_sensitive) || is_marked(&change.after_sensitive);
    let mut out = Vec::new();
    for key in keys {
        let (b, a) = (before.get(key), after.get(key));
        let u = unknown.get(key).unwrap_or(&Value::Null);
        if raw_text(b) == raw_text(a) && !any_marked(u) {
            continue;
        }
        let before_sensitive = child(&change.before_sensitive, key);
        let after_sensitive = child(&change.after_sensitive, key);
        let mut name = String::new();
        push_key(&mut name, key);
        if whole_sensitive || is_marked(before_sensitive) || is_marked(after_sensitive) {
            out.push(format!("{name} (sensitive)"));
        } else if is_marked(u) {
            out.push(format!("{name} (known after apply)"));
        } else {
            let nested = match (b, a) {
                (Some(b), Some(a)) if b.get().starts_with('{') && a.get().starts_with('{') => {
                    nested_changes(
                        &name,
                        &raw_object(Some(b)),
                        &raw_object(Some(a)),
                        u,
                        before_sensitive,
                        after_sensitive,
                    )
                }
                _ => Vec::new(),
            };
            if nested.is_empty() {
                out.push(name);
            } else {
                out.extend(nested);
            }
        }
    }
    out
}

fn nested_changes(
    prefix: &str,
    before: &RawObject<'_>,
    after: &RawObject<'_>,
    unknown: &Value,
    before_sensitive: &Value,
    after_sensitive: &Value,
) -> Vec<String> {
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for key in keys {
        let u = child(unknown, key);
        if raw_text(before.get(key)) == raw_text(after.get(key)) && !any_marked(u) {
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

    fn change(
        before: Value,
        after: Value,
        after_unknown: Value,
        after_sensitive: Value,
    ) -> Change<'static> {
        let text: &'static str = Box::leak(
            json!({
                "actions": ["update"],
                "before": before,
                "after": after,
                "after_unknown": after_unknown,
                "before_sensitive": after_sensitive.clone(),
                "after_sensitive": after_sensitive,
            })
            .to_string()
            .into_boxed_str(),
        );
        serde_json::from_str(text).expect("change")
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
