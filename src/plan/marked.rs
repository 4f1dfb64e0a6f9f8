//! The values a plan marks sensitive, read straight from the raw JSON of `before`/`after`
//! guided by the mark tree: only the marked parts are parsed, everything else is skipped
//! without building anything. Plans of databases, secrets and user data mark values in
//! nearly every resource; parsing each whole `before` and `after` into a tree just to
//! pick out a few leaves doubled the reading time of such plans (BENCHMARKS.md). Marked
//! values go straight into a [`Scalars`] sink as they are read (borrowed from the plan's
//! text where JSON escapes nothing), not built into a tree first.

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

use super::reader::{any_marked, is_marked};
use crate::redact::SecretList;

/// Where the walks put the scalars they find: a plan's [`SecretList`], or a plain list.
pub trait Scalars {
    /// How far the list has got, to [`Scalars::truncate`] back to: a walk that fails
    /// midway (the fingerprint's, on keys out of order) takes back what it pushed.
    type Point: Copy;
    fn push_scalar(&mut self, value: &str);
    fn point(&self) -> Self::Point;
    fn truncate(&mut self, to: Self::Point);
}

impl Scalars for SecretList {
    type Point = crate::redact::ListPoint;
    fn push_scalar(&mut self, value: &str) {
        self.push(value);
    }
    fn point(&self) -> Self::Point {
        SecretList::point(self)
    }
    fn truncate(&mut self, to: Self::Point) {
        SecretList::truncate(self, to);
    }
}

impl Scalars for Vec<String> {
    type Point = usize;
    fn push_scalar(&mut self, value: &str) {
        self.push(value.to_string());
    }
    fn point(&self) -> usize {
        self.len()
    }
    fn truncate(&mut self, to: usize) {
        Vec::truncate(self, to);
    }
}

/// Collects nothing: for walks whose caller wants no secrets (machine output).
pub struct NoScalars;

impl Scalars for NoScalars {
    type Point = ();
    fn push_scalar(&mut self, _: &str) {}
    fn point(&self) {}
    fn truncate(&mut self, _: ()) {}
}

/// Pushes onto `out` every scalar of `raw` that lies under a `true` leaf of `mark` (which
/// mirrors the value's shape; a bare `true` marks it all): strings as they are, numbers as
/// JSON writes them, booleans and nulls not at all. The same values as [`collect_marked`]
/// over the parsed value (inside a marked object, in the plan's key order rather than
/// sorted).
pub fn marked_scalars(raw: Option<&RawValue>, mark: &Value, out: &mut impl Scalars) {
    let Some(raw) = raw else { return };
    if !any_marked(mark) {
        return;
    }
    let mut de = serde_json::Deserializer::from_str(raw.get());
    // The reader has already checked `raw` is JSON. Marks whose shape does not match the
    // value's select nothing there, as in the tree form.
    let _ = Walk { mark, out }.deserialize(&mut de);
}

/// The tree form of [`marked_scalars`], for values already parsed (outputs).
pub fn collect_marked(value: &Value, mark: &Value, out: &mut impl Scalars) {
    if is_marked(mark) {
        return collect_scalars(value, out);
    }
    match (value, mark) {
        (Value::Object(values), Value::Object(marks)) => {
            for (key, m) in marks {
                if let Some(v) = values.get(key) {
                    collect_marked(v, m, out);
                }
            }
        }
        (Value::Array(values), Value::Array(marks)) => {
            for (v, m) in values.iter().zip(marks) {
                collect_marked(v, m, out);
            }
        }
        _ => {}
    }
}

/// Every string and number in `value`, however deep.
pub fn collect_scalars(value: &Value, out: &mut impl Scalars) {
    match value {
        Value::String(s) => out.push_scalar(s),
        Value::Number(n) => out.push_scalar(&n.to_string()),
        Value::Array(items) => items.iter().for_each(|v| collect_scalars(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_scalars(v, out)),
        Value::Bool(_) | Value::Null => {}
    }
}

/// Every string and number of a marked subtree, pushed as the parser meets them: no tree
/// and no string of its own for a value JSON escapes nothing in (nearly all).
pub(crate) struct Everything<'a, S> {
    pub out: &'a mut S,
}

impl<'de, S: Scalars> DeserializeSeed<'de> for Everything<'_, S> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: Scalars> Visitor<'de> for Everything<'_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    // Numbers as `serde_json::Number` writes them, like the tree form.
    fn visit_u64<E>(self, n: u64) -> Result<(), E> {
        self.out
            .push_scalar(&serde_json::Number::from(n).to_string());
        Ok(())
    }
    fn visit_i64<E>(self, n: i64) -> Result<(), E> {
        self.out
            .push_scalar(&serde_json::Number::from(n).to_string());
        Ok(())
    }
    fn visit_f64<E>(self, n: f64) -> Result<(), E> {
        // A number no float holds is `null` in the tree form: nothing to push.
        if let Some(n) = serde_json::Number::from_f64(n) {
            self.out.push_scalar(&n.to_string());
        }
        Ok(())
    }
    fn visit_str<E>(self, value: &str) -> Result<(), E> {
        self.out.push_scalar(value);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(Everything {
                out: &mut *self.out,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(Everything {
                out: &mut *self.out,
            })?;
        }
        Ok(())
    }
}

/// The scalars of a value under the `true` leaves of `mark` (see [`marked_scalars`]), as
/// a seed for a walk already under way.
pub(crate) struct Walk<'a, S> {
    pub mark: &'a Value,
    pub out: &'a mut S,
}

impl<'de, S: Scalars> DeserializeSeed<'de> for Walk<'_, S> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if is_marked(self.mark) {
            // A marked subtree (a password, a key, a user_data blob): every scalar in it.
            return Everything { out: self.out }.deserialize(d);
        }
        if !any_marked(self.mark) {
            return IgnoredAny::deserialize(d).map(|_| ());
        }
        d.deserialize_any(self)
    }
}

impl<'de, S: Scalars> Visitor<'de> for Walk<'_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    // Scalars under a mark that is not `true` are not secret.
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let marks = self.mark.as_array().map(Vec::as_slice).unwrap_or_default();
        let mut i = 0;
        loop {
            let more = match marks.get(i) {
                Some(mark) => seq
                    .next_element_seed(Walk {
                        mark,
                        out: &mut *self.out,
                    })?
                    .is_some(),
                None => seq.next_element::<IgnoredAny>()?.is_some(),
            };
            if !more {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let marks = self.mark.as_object();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match marks.and_then(|m| m.get(key.as_ref())) {
                Some(mark) => map.next_value_seed(Walk {
                    mark,
                    out: &mut *self.out,
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn walked(value: &Value, mark: &Value) -> Vec<String> {
        let raw = serde_json::to_string(value).expect("json");
        let raw: Box<RawValue> = serde_json::from_str(&raw).expect("raw");
        let mut out = Vec::new();
        marked_scalars(Some(&raw), mark, &mut out);
        out
    }

    fn tree(value: &Value, mark: &Value) -> Vec<String> {
        let mut out = Vec::new();
        collect_marked(value, mark, &mut out);
        out
    }

    #[test]
    fn picks_marked_leaves_of_nested_maps_and_lists() {
        let value = json!({
            "engine": "postgres", "password": "pw-1", "port": 5432,
            "connection": {"host": "db", "password": "conn-1", "options": ["ssl", "x"]},
            "keys": ["k1", "k2", "k3"], "user_data": {"a": ["s1", 7, null, true]},
        });
        let mark = json!({
            "password": true, "connection": {"password": true, "options": [false, true]},
            "keys": [true, false], "user_data": true, "engine": false,
        });
        let expected = ["conn-1", "x", "k1", "pw-1", "s1", "7"];
        let mut got = walked(&value, &mark);
        let mut want = tree(&value, &mark);
        got.sort();
        want.sort();
        let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(got, expected);
        assert_eq!(want, expected);
    }

    #[test]
    fn a_bare_true_marks_everything_and_no_mark_marks_nothing() {
        let value = json!({"a": "x", "b": [1.5, "y"]});
        assert_eq!(walked(&value, &json!(true)), tree(&value, &json!(true)));
        assert!(walked(&value, &json!({})).is_empty());
        assert!(walked(&value, &Value::Null).is_empty());
        // Marks shaped unlike the value select nothing, as in the tree form.
        assert!(walked(&value, &json!({"a": {"deeper": true}})).is_empty());
        assert!(walked(&json!("s"), &json!([true])).is_empty());
    }

    fn values() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            (-1e6f64..1e6).prop_map(|f| json!(f)),
            "[a-z\"\\\\\u{e9}]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("[a-e\"]{1,2}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// A mark tree over `value`'s shape: `true`, `false`, or mirrored children.
    fn marks_for(value: &Value, seed: &mut u64) -> Value {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        match (*seed >> 60) % 4 {
            0 => return Value::Bool(true),
            1 => return Value::Bool(false),
            _ => {}
        }
        match value {
            Value::Array(items) => Value::Array(items.iter().map(|v| marks_for(v, seed)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), marks_for(v, seed)))
                    .collect(),
            ),
            _ => Value::Bool(false),
        }
    }

    proptest! {
        /// The raw walk finds exactly what the tree walk finds, on any value and marks.
        #[test]
        fn the_raw_walk_equals_the_tree_walk(value in values(), seed in any::<u64>()) {
            let mut seed = seed;
            let mark = marks_for(&value, &mut seed);
            let (mut got, mut want) = (walked(&value, &mark), tree(&value, &mark));
            got.sort();
            want.sort();
            prop_assert_eq!(got, want);
        }
    }
}
