//! The plan fingerprint (design.md section 7): a SHA-256 over a canonical form of the
//! changes, so "the plan that was reviewed" can be compared with "the plan about to apply".
//!
//! Canonical: resources sorted by address, object keys sorted, every string and number
//! length-prefixed. Sensitive leaves contribute only a marker, so the digest does not depend
//! on (and cannot be used to confirm a guess of) a secret value.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::plan::reader::is_marked;
use crate::plan::{Action, ResourceChange};

const DOMAIN: &[u8] = b"tfpromote-fingerprint-v1";

#[derive(Default)]
pub struct FingerprintBuilder {
    /// (address incl. deposed key, digest of that resource's change)
    resources: Vec<(String, [u8; 32])>,
    outputs: Vec<(String, Vec<Action>)>,
}

impl FingerprintBuilder {
    pub fn resource(&mut self, rc: &ResourceChange) {
        let mut h = Sha256::new();
        feed_str(&mut h, &rc.address);
        feed_str(&mut h, rc.deposed.as_deref().unwrap_or(""));
        feed_actions(&mut h, &rc.change.actions);
        fold(
            &mut h,
            &rc.change.after,
            &rc.change.after_sensitive,
            &rc.change.after_unknown,
        );
        let key = match &rc.deposed {
            Some(d) => format!("{} (deposed {d})", rc.address),
            None => rc.address.clone(),
        };
        self.resources.push((key, h.finalize().into()));
    }

    pub fn output(&mut self, name: &str, actions: &[Action]) {
        self.outputs.push((name.to_string(), actions.to_vec()));
    }

    pub fn finish(mut self) -> String {
        self.resources.sort();
        self.outputs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut h = Sha256::new();
        h.update(DOMAIN);
        h.update((self.resources.len() as u64).to_be_bytes());
        for (address, digest) in &self.resources {
            feed_str(&mut h, address);
            h.update(digest);
        }
        h.update((self.outputs.len() as u64).to_be_bytes());
        for (name, actions) in &self.outputs {
            feed_str(&mut h, name);
            feed_actions(&mut h, actions);
        }
        let digest = h.finalize();
        let mut out = String::with_capacity(7 + 64);
        out.push_str("sha256:");
        for byte in digest {
            out.push_str(&format!("{byte:02x}"));
        }
        out
    }
}

fn feed_str(h: &mut Sha256, s: &str) {
    h.update((s.len() as u64).to_be_bytes());
    h.update(s.as_bytes());
}

fn feed_actions(h: &mut Sha256, actions: &[Action]) {
    h.update((actions.len() as u64).to_be_bytes());
    for action in actions {
        feed_str(h, &format!("{action:?}"));
    }
}

/// Feeds `value` with its sensitivity and unknown marks applied.
fn fold(h: &mut Sha256, value: &Value, sensitive: &Value, unknown: &Value) {
    if is_marked(sensitive) {
        h.update(b"S");
        return;
    }
    if is_marked(unknown) {
        h.update(b"U");
        return;
    }
    let null = Value::Null;
    match value {
        Value::Null => h.update(b"n"),
        Value::Bool(b) => h.update(if *b { b"t" } else { b"f" }),
        Value::Number(n) => {
            h.update(b"#");
            feed_str(h, &n.to_string());
        }
        Value::String(s) => {
            h.update(b"s");
            feed_str(h, s);
        }
        Value::Array(items) => {
            h.update(b"[");
            h.update((items.len() as u64).to_be_bytes());
            for (i, item) in items.iter().enumerate() {
                fold(
                    h,
                    item,
                    sensitive.get(i).unwrap_or(&null),
                    unknown.get(i).unwrap_or(&null),
                );
            }
        }
        Value::Object(map) => {
            // Unknown attributes are absent from `after`; include them so "known after
            // apply" differs from "removed".
            let mut keys: Vec<&String> = map.keys().collect();
            if let Some(u) = unknown.as_object() {
                keys.extend(u.keys());
            }
            keys.sort();
            keys.dedup();
            h.update(b"{");
            h.update((keys.len() as u64).to_be_bytes());
            for key in keys {
                feed_str(h, key);
                fold(
                    h,
                    map.get(key).unwrap_or(&null),
                    sensitive.get(key).unwrap_or(&null),
                    unknown.get(key).unwrap_or(&null),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rc(address: &str, actions: &[&str], after: Value, after_sensitive: Value) -> ResourceChange {
        serde_json::from_value(json!({
            "address": address,
            "change": {"actions": actions, "before": null, "after": after,
                       "after_unknown": {}, "after_sensitive": after_sensitive}
        }))
        .expect("resource change")
    }

    fn fingerprint(changes: &[ResourceChange]) -> String {
        let mut b = FingerprintBuilder::default();
        changes.iter().for_each(|c| b.resource(c));
        b.finish()
    }

    #[test]
    fn order_of_resources_does_not_matter() {
        let a = rc("a.x", &["create"], json!({"v": 1}), json!({}));
        let b = rc("b.y", &["create"], json!({"v": 2}), json!({}));
        assert_eq!(fingerprint(&[a.clone(), b.clone()]), fingerprint(&[b, a]));
    }

    #[test]
    fn value_and_action_changes_change_it() {
        let base = fingerprint(&[rc("a.x", &["create"], json!({"v": 1}), json!({}))]);
        let value = fingerprint(&[rc("a.x", &["create"], json!({"v": 2}), json!({}))]);
        let action = fingerprint(&[rc("a.x", &["update"], json!({"v": 1}), json!({}))]);
        assert_ne!(base, value);
        assert_ne!(base, action);
        assert!(base.starts_with("sha256:") && base.len() == 71);
    }

    #[test]
    fn sensitive_values_do_not_influence_it() {
        let one = fingerprint(&[rc(
            "a.x",
            &["create"],
            json!({"p": "secret-1"}),
            json!({"p": true}),
        )]);
        let two = fingerprint(&[rc(
            "a.x",
            &["create"],
            json!({"p": "secret-2"}),
            json!({"p": true}),
        )]);
        assert_eq!(one, two);
    }
}
