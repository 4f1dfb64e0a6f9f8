//! The plan fingerprint: a SHA-256 over a canonical form of the
//! changes, so "the plan that was reviewed" can be compared with "the plan about to apply".
//!
//! Canonical: resources sorted by the digest of their address (which needs 32 bytes per
//! resource in memory, not the address itself), object keys sorted, strings and numbers
//! length-prefixed, containers delimited. Sensitive leaves contribute only a marker, so the
//! digest does not depend on (and cannot be used to confirm a guess of) a secret value.
//!
//! Planned values are folded straight from their raw JSON text ([`stream`]); only an object
//! whose keys are not already sorted falls back to building a tree ([`tree`]). Both write
//! the same bytes, which a test checks.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::plan::marked::{Scalars, marked_scalars};
use crate::plan::{Action, ResourceChange};

const DOMAIN: &[u8] = b"tfpromote-fingerprint-v2";

/// `sha256:` and the first 12 hex digits: how tables and messages show a fingerprint.
pub fn short(fingerprint: &str) -> &str {
    fingerprint.get(..19).unwrap_or(fingerprint)
}

#[derive(Default)]
pub struct FingerprintBuilder {
    /// (digest of the address incl. deposed key, digest of that resource's change)
    resources: Vec<([u8; 32], [u8; 32])>,
    outputs: Vec<(String, Vec<Action>)>,
}

impl FingerprintBuilder {
    /// Folds one resource change in and returns the digest of that change alone (the
    /// plan-change gate compares resources one by one). With `secrets`, the values `after`
    /// marks sensitive go there too, read in the same walk rather than a second one.
    pub fn resource<S: Scalars>(
        &mut self,
        rc: &ResourceChange<'_>,
        mut secrets: Option<&mut S>,
    ) -> [u8; 32] {
        let mut h = Sha256::new();
        feed_str(&mut h, &rc.address);
        feed_str(&mut h, rc.deposed.as_deref().unwrap_or(""));
        feed_actions(&mut h, &rc.change.actions);
        let (sensitive, unknown) = (&rc.change.after_sensitive, &rc.change.after_unknown);
        let raw = rc.change.after.map(|r| r.get()).unwrap_or("null");
        let mut streamed = h.clone();
        let point = secrets.as_deref().map(Scalars::point);
        if stream::fold(
            &mut streamed,
            raw,
            sensitive,
            unknown,
            secrets.as_deref_mut(),
        ) {
            h = streamed;
        } else {
            if let (Some(secrets), Some(point)) = (secrets, point) {
                secrets.truncate(point);
                marked_scalars(rc.change.after, sensitive, secrets);
            }
            tree::fold(&mut h, &rc.change.after_value(), sensitive, unknown);
        }
        let mut key = Sha256::new();
        feed_str(&mut key, &rc.address);
        feed_str(&mut key, rc.deposed.as_deref().unwrap_or(""));
        let digest: [u8; 32] = h.finalize().into();
        self.resources.push((key.finalize().into(), digest));
        digest
    }

    /// Adds what another builder saw (order does not matter: everything is sorted at the end).
    pub fn merge(&mut self, other: FingerprintBuilder) {
        self.resources.extend(other.resources);
        self.outputs.extend(other.outputs);
    }

    pub fn output(&mut self, name: &str, actions: &[Action]) {
        self.outputs.push((name.to_string(), actions.to_vec()));
    }

    pub fn finish(mut self) -> String {
        self.resources.sort_unstable();
        self.outputs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut h = Sha256::new();
        h.update(DOMAIN);
        h.update((self.resources.len() as u64).to_be_bytes());
        for (address, digest) in &self.resources {
            h.update(address);
            h.update(digest);
        }
        h.update((self.outputs.len() as u64).to_be_bytes());
        for (name, actions) in &self.outputs {
            feed_str(&mut h, name);
            feed_actions(&mut h, actions);
        }
        let mut out = String::with_capacity(7 + 64);
        out.push_str("sha256:");
        for byte in h.finalize() {
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
        feed_str(h, action.name());
    }
}

fn feed_number(h: &mut Sha256, n: &serde_json::Number) {
    h.update(b"#");
    feed_str(h, &n.to_string());
}

fn feed_key(h: &mut Sha256, key: &str) {
    h.update(b":");
    feed_str(h, key);
}

/// Keys present only in the unknown marks (Terraform omits unknown attributes from
/// `after`), sorted: they are folded as null with their marks.
fn unknown_keys(unknown: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = unknown
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

static NULL: Value = Value::Null;

fn child<'a>(mark: &'a Value, key: &str) -> &'a Value {
    mark.get(key).unwrap_or(&NULL)
}

/// The reference form, over a parsed value.
mod tree {
    use super::*;
    use crate::plan::reader::is_marked;

    pub fn fold(h: &mut Sha256, value: &Value, sensitive: &Value, unknown: &Value) {
        if is_marked(sensitive) {
            return h.update(b"S");
        }
        if is_marked(unknown) {
            return h.update(b"U");
        }
        match value {
            Value::Null => h.update(b"n"),
            Value::Bool(b) => h.update(if *b { b"t" } else { b"f" }),
            Value::Number(n) => feed_number(h, n),
            Value::String(s) => {
                h.update(b"s");
                feed_str(h, s);
            }
            Value::Array(items) => {
                h.update(b"[");
                for (i, item) in items.iter().enumerate() {
                    fold(
                        h,
                        item,
                        sensitive.get(i).unwrap_or(&NULL),
                        unknown.get(i).unwrap_or(&NULL),
                    );
                }
                h.update(b"]");
            }
            Value::Object(map) => {
                let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
                keys.extend(unknown_keys(unknown));
                keys.sort_unstable();
                keys.dedup();
                h.update(b"{");
                for key in keys {
                    feed_key(h, key);
                    fold(
                        h,
                        map.get(key).unwrap_or(&NULL),
                        child(sensitive, key),
                        child(unknown, key),
                    );
                }
                h.update(b"}");
            }
        }
    }
}

/// The fast form, straight from JSON text. Returns false (and the caller uses [`tree`])
/// when an object's keys are not in ascending order.
mod stream {
    use super::*;
    use crate::plan::marked::{Everything, Walk};
    use crate::plan::reader::{any_marked, is_marked};
    use serde::Deserialize;
    use serde::de::{
        DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
    };
    use std::borrow::Cow;
    use std::fmt;

    const UNSORTED: &str = "object keys out of order";

    /// With `secrets`, also pushes the scalars under `sensitive`'s `true` leaves there, as
    /// [`marked_scalars`] would; after a `false` return some may have been pushed.
    pub fn fold<S: Scalars>(
        h: &mut Sha256,
        raw: &str,
        sensitive: &Value,
        unknown: &Value,
        secrets: Option<&mut S>,
    ) -> bool {
        let mut de = serde_json::Deserializer::from_str(raw);
        Fold {
            h,
            sensitive,
            unknown,
            secrets,
        }
        .deserialize(&mut de)
        .is_ok()
            && de.end().is_ok()
    }

    struct Fold<'a, S> {
        h: &'a mut Sha256,
        sensitive: &'a Value,
        unknown: &'a Value,
        secrets: Option<&'a mut S>,
    }

    impl<S> Fold<'_, S> {
        /// A key present only in the unknown marks: folded as null with its marks.
        fn unknown_only(&mut self, key: &str) {
            feed_key(self.h, key);
            tree::fold(
                self.h,
                &NULL,
                child(self.sensitive, key),
                child(self.unknown, key),
            );
        }
    }

    impl<'de, S: Scalars> DeserializeSeed<'de> for Fold<'_, S> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            if is_marked(self.sensitive) {
                self.h.update(b"S");
                return match self.secrets {
                    Some(out) => Everything { out }.deserialize(d),
                    None => IgnoredAny::deserialize(d).map(|_| ()),
                };
            }
            if is_marked(self.unknown) {
                self.h.update(b"U");
                return match self.secrets {
                    Some(out) if any_marked(self.sensitive) => Walk {
                        mark: self.sensitive,
                        out,
                    }
                    .deserialize(d),
                    _ => IgnoredAny::deserialize(d).map(|_| ()),
                };
            }
            d.deserialize_any(self)
        }
    }

    impl<'de, S: Scalars> Visitor<'de> for Fold<'_, S> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON value")
        }

        fn visit_unit<E>(self) -> Result<(), E> {
            self.h.update(b"n");
            Ok(())
        }

        fn visit_bool<E>(self, v: bool) -> Result<(), E> {
            self.h.update(if v { b"t" } else { b"f" });
            Ok(())
        }

        fn visit_u64<E>(self, v: u64) -> Result<(), E> {
            feed_number(self.h, &v.into());
            Ok(())
        }

        fn visit_i64<E>(self, v: i64) -> Result<(), E> {
            feed_number(self.h, &v.into());
            Ok(())
        }

        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
            let n =
                serde_json::Number::from_f64(v).ok_or_else(|| E::custom("non-finite number"))?;
            feed_number(self.h, &n);
            Ok(())
        }

        fn visit_str<E>(self, v: &str) -> Result<(), E> {
            self.h.update(b"s");
            feed_str(self.h, v);
            Ok(())
        }

        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
            self.h.update(b"[");
            let mut i = 0;
            loop {
                let seed = Fold {
                    h: &mut *self.h,
                    sensitive: self.sensitive.get(i).unwrap_or(&NULL),
                    unknown: self.unknown.get(i).unwrap_or(&NULL),
                    secrets: self.secrets.as_deref_mut(),
                };
                if seq.next_element_seed(seed)?.is_none() {
                    break;
                }
                i += 1;
            }
            self.h.update(b"]");
            Ok(())
        }

        fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
            let pending = unknown_keys(self.unknown);
            let mut pending = pending.iter().peekable();
            let mut previous: Option<Cow<'de, str>> = None;
            self.h.update(b"{");
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                if previous.as_deref().is_some_and(|p| p >= key.as_ref()) {
                    return Err(A::Error::custom(UNSORTED));
                }
                // Unknown-only keys that sort before this one.
                while let Some(u) = pending.next_if(|u| **u < key.as_ref()) {
                    self.unknown_only(u);
                }
                pending.next_if(|u| **u == key.as_ref());
                feed_key(self.h, &key);
                map.next_value_seed(Fold {
                    h: &mut *self.h,
                    sensitive: child(self.sensitive, &key),
                    unknown: child(self.unknown, &key),
                    secrets: self.secrets.as_deref_mut(),
                })?;
                previous = Some(key);
            }
            for u in pending {
                self.unknown_only(u);
            }
            self.h.update(b"}");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::marked::NoScalars;
    use serde_json::json;

    /// Leaks the JSON text so the change can borrow it for the whole test.
    fn rc(
        address: &str,
        actions: &[&str],
        after: Value,
        after_sensitive: Value,
    ) -> ResourceChange<'static> {
        let text: &'static str = Box::leak(
            json!({
                "address": address,
                "change": {"actions": actions, "before": null, "after": after,
                           "after_unknown": {}, "after_sensitive": after_sensitive}
            })
            .to_string()
            .into_boxed_str(),
        );
        serde_json::from_str(text).expect("resource change")
    }

    fn fingerprint(changes: &[ResourceChange<'_>]) -> String {
        let mut b = FingerprintBuilder::default();
        changes.iter().for_each(|c| {
            b.resource::<crate::plan::marked::NoScalars>(c, None);
        });
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

    /// The streamed fold and the tree fold must write the same bytes, including unknown-only
    /// keys before, between and after present ones, nested marks and escaped keys.
    #[test]
    fn stream_and_tree_agree() {
        let cases = [
            (
                json!({"b": 1, "d": [1, 2.5, -3], "f": {"x": null}}),
                json!({"a": true, "c": {"q": true}, "e": true, "g": true}),
                json!({"d": [false, true]}),
            ),
            (
                json!({"k\"ey": "v", "z": [{"a": 1}, {"b": "s"}]}),
                json!({"z": [{}, {"b": true}]}),
                json!({"z": [{"a": true}]}),
            ),
            (
                json!([1, "two", {"three": 3}]),
                json!([false, false, {"four": true}]),
                json!({}),
            ),
            (json!("scalar"), json!(false), json!(false)),
            (json!(null), json!(true), json!(false)),
            (
                json!({"big": 18446744073709551615u64, "neg": -9007199254740993i64, "f": 1e300}),
                json!({}),
                json!({}),
            ),
        ];
        for (value, unknown, sensitive) in cases {
            let raw = value.to_string();
            let mut streamed = Sha256::new();
            assert!(
                stream::fold::<NoScalars>(&mut streamed, &raw, &sensitive, &unknown, None),
                "{raw}"
            );
            let mut reference = Sha256::new();
            tree::fold(&mut reference, &value, &sensitive, &unknown);
            assert_eq!(streamed.finalize(), reference.finalize(), "{raw}");
        }
    }

    /// The fold's own collection of `after`'s marked values finds what the separate walk
    /// finds, in the same order: on sorted keys (one walk), on keys out of order (the
    /// fold fails midway and takes back what it pushed), and under an unknown mark.
    #[test]
    fn the_fold_collects_what_the_marked_walk_collects() {
        let cases = [
            (
                r#"{"a":"pw-one-1","b":{"c":["list-1","list-2"],"d":"not-secret"},"e":12345678}"#,
                json!({"a": true, "b": {"c": [false, true]}, "e": true}),
                json!({}),
            ),
            (
                r#"{"z":"pw-zzzz","a":{"k":"pw-kkkk","j":"pw-jjjj"}}"#,
                json!({"z": true, "a": true}),
                json!({}),
            ),
            (
                r#"{"a":{"x":"pw-xxxx","y":"plain"}}"#,
                json!({"a": {"x": true}}),
                json!({"a": true}),
            ),
        ];
        for (after, after_sensitive, after_unknown) in cases {
            let text = json!({
                "address": "a.x",
                "change": {"actions": ["create"], "after": "AFTER",
                           "after_unknown": after_unknown, "after_sensitive": after_sensitive}
            })
            .to_string()
            .replace(r#""AFTER""#, after);
            let change: ResourceChange = serde_json::from_str(&text).expect("change");
            let mut walked = Vec::new();
            marked_scalars(
                change.change.after,
                &change.change.after_sensitive,
                &mut walked,
            );
            assert!(!walked.is_empty(), "{after}");
            let mut folded = vec!["earlier".to_string()];
            let digest = FingerprintBuilder::default().resource(&change, Some(&mut folded));
            assert_eq!(folded[0], "earlier");
            assert_eq!(folded[1..], walked[..], "{after}");
            let plain = FingerprintBuilder::default().resource::<NoScalars>(&change, None);
            assert_eq!(digest, plain, "collecting does not change the digest");
        }
    }

    #[test]
    fn unsorted_keys_fall_back_to_the_tree_and_agree() {
        let sorted = rc("a.x", &["create"], json!({"a": 1, "b": 2}), json!({}));
        let unsorted: ResourceChange = serde_json::from_str(
            r#"{"address":"a.x","change":{"actions":["create"],"after":{"b":2,"a":1},"after_unknown":{},"after_sensitive":{}}}"#,
        )
        .expect("parse");
        let mut probe = Sha256::new();
        assert!(!stream::fold::<NoScalars>(
            &mut probe,
            r#"{"b":2,"a":1}"#,
            &NULL,
            &NULL,
            None
        ));
        assert_eq!(fingerprint(&[sorted]), fingerprint(&[unsorted]));
    }
}
