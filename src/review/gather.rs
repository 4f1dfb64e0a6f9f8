//! Gathers what the policies and the cost estimate read from each resource change while
//! the render reads the plan (on its worker threads, in its one pass): only the resource
//! types and actions someone looks at, only the top-level attributes someone reads, as JSON
//! text, with every sensitive value replaced by `"(sensitive)"` before anything keeps it.
//! Everything else streams past, as it does for the render alone.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::plan::ResourceChange;
use crate::plan::observed::ChangeObserver;
use crate::policy::changes::{Change, Gathered, Side, known_name};
use crate::policy::facts::{SENSITIVE, hide_sensitive};
use crate::policy::reads::Reads;

/// What to keep of the resources of one type: the union of what every reader of that type
/// wants (`None`: everything of that part).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Keep {
    actions: Option<BTreeSet<String>>,
    before: Option<BTreeSet<String>>,
    after: Option<BTreeSet<String>>,
    /// Someone may name these resources (a policy finding, a cost line).
    addresses: bool,
}

fn union(a: &Option<BTreeSet<String>>, b: &Option<BTreeSet<String>>) -> Option<BTreeSet<String>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.union(b).cloned().collect()),
        _ => None,
    }
}

impl Keep {
    fn join(a: Option<Keep>, b: Option<&Keep>) -> Option<Keep> {
        match (a, b) {
            (None, None) => None,
            (Some(a), None) => Some(a),
            (None, Some(b)) => Some(b.clone()),
            (Some(a), Some(b)) => Some(Keep {
                actions: union(&a.actions, &b.actions),
                before: union(&a.before, &b.before),
                after: union(&a.after, &b.after),
                addresses: a.addresses || b.addresses,
            }),
        }
    }

    fn from_reads(reads: &Reads) -> Keep {
        Keep {
            actions: reads.actions.clone(),
            before: reads.before.clone(),
            after: reads.after.clone(),
            addresses: true,
        }
    }

    /// What the cost estimate reads of a type: changes that can move money, the
    /// attributes it prices by, and the addresses of what it can price (a cost line).
    fn for_cost(kind: Option<&str>) -> Keep {
        let attributes = kind.and_then(crate::cost::priced_attributes);
        let names: BTreeSet<String> = attributes
            .unwrap_or_default()
            .iter()
            .map(|a| a.to_string())
            .collect();
        Keep {
            actions: Some(["create", "update", "delete"].map(String::from).into()),
            before: Some(names.clone()),
            after: Some(names),
            addresses: attributes.is_some(),
        }
    }
}

/// What to keep, per resource type.
#[derive(Debug, Default)]
pub struct Interest {
    kinds: HashMap<String, Keep>,
    /// For every type not in `kinds`.
    other: Option<Keep>,
}

impl Interest {
    /// What `policies` (their declared reads) and, with `cost`, the estimate read.
    pub fn new(policies: &[Reads], cost: bool) -> Interest {
        let mut every: Option<Keep> = None;
        let mut named: HashMap<String, Option<Keep>> = HashMap::new();
        for reads in policies {
            let keep = Keep::from_reads(reads);
            match &reads.types {
                None => every = Keep::join(every, Some(&keep)),
                Some(types) => {
                    for kind in types {
                        let slot = named.entry(kind.clone()).or_default();
                        *slot = Keep::join(slot.take(), Some(&keep));
                    }
                }
            }
        }
        if cost {
            for (kind, _) in crate::cost::PRICED {
                named.entry(kind.to_string()).or_default();
            }
        }
        let with_cost = |keep: Option<Keep>, kind: Option<&str>| {
            if cost {
                Keep::join(keep, Some(&Keep::for_cost(kind)))
            } else {
                keep
            }
        };
        let kinds = named
            .into_iter()
            .filter_map(|(kind, keep)| {
                let keep = with_cost(Keep::join(keep, every.as_ref()), Some(&kind))?;
                Some((kind, keep))
            })
            .collect();
        Interest {
            kinds,
            other: with_cost(every, None),
        }
    }

    fn keep(&self, kind: &str) -> Option<&Keep> {
        self.kinds.get(kind).or(self.other.as_ref())
    }

    /// Nobody reads anything.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty() && self.other.is_none()
    }
}

/// The observer the plan reader shows every resource change to.
pub struct Gatherer {
    interest: Arc<Interest>,
    pub gathered: Gathered,
}

impl Gatherer {
    pub fn new(interest: Interest) -> Gatherer {
        Gatherer {
            interest: Arc::new(interest),
            gathered: Gathered::default(),
        }
    }
}

impl ChangeObserver for Gatherer {
    fn fresh(&self) -> Self {
        Gatherer {
            interest: self.interest.clone(),
            gathered: Gathered::default(),
        }
    }

    fn observe(&mut self, rc: &ResourceChange<'_>) {
        let Some(keep) = self.interest.keep(&rc.resource_type) else {
            self.gathered.skip();
            return;
        };
        let actions: Vec<Cow<'static, str>> = rc
            .change
            .actions
            .iter()
            .map(|a| known_name(a.name()))
            .collect();
        if let Some(wanted) = &keep.actions
            && !actions.iter().any(|a| wanted.contains(&**a))
        {
            self.gathered.skip();
            return;
        }
        let mode = match rc.mode {
            crate::plan::Mode::Managed => "managed",
            crate::plan::Mode::Data => "data",
        };
        let change = Change {
            mode: known_name(mode),
            kind: rc.resource_type.as_ref().into(),
            actions,
            before: side(rc.change.before, &rc.change.before_sensitive, &keep.before),
            after: side(rc.change.after, &rc.change.after_sensitive, &keep.after),
        };
        let address = keep.addresses.then_some(rc.address.as_ref());
        self.gathered.add(change, address);
    }

    fn merge(&mut self, later: Self) {
        self.gathered.merge(later.gathered);
    }
}

/// One side of a change from the plan's raw JSON: the attributes in `keep` (`None`: all),
/// with what `mask` marks sensitive replaced, exactly as `facts::hide_sensitive` replaces
/// it in a whole value. The plan reader validated the JSON already; a value it cannot
/// read again here is kept as `null`.
fn side(raw: Option<&RawValue>, mask: &Value, keep: &Option<BTreeSet<String>>) -> Side {
    let Some(raw) = raw else {
        return Side::Null;
    };
    let text = raw.get().trim();
    if text == "null" {
        return Side::Null;
    }
    if matches!(mask, Value::Bool(true)) {
        return Side::Whole(sensitive_text());
    }
    if !text.starts_with('{') {
        let mut value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        hide_sensitive(&mut value, mask);
        return Side::from_value(&value);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let Ok(picked) = Pick(keep).deserialize(&mut de) else {
        return Side::Null;
    };
    let mut fields: Vec<(Box<str>, Box<str>)> = Vec::with_capacity(picked.len());
    for (key, value) in picked {
        let value = match mask.get(&*key) {
            Some(mark) if crate::plan::reader::any_marked(mark) => {
                let mut value: Value = serde_json::from_str(value.get()).unwrap_or(Value::Null);
                hide_sensitive(&mut value, mark);
                value.to_string().into()
            }
            _ => value.get().into(),
        };
        fields.push((key.into_owned().into(), value));
    }
    // Sorted by name; of a name given twice the last counts, as in a parsed JSON object.
    fields.reverse();
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    fields.dedup_by(|later, first| later.0 == first.0);
    Side::Fields(fields)
}

fn sensitive_text() -> Box<str> {
    Value::from(SENSITIVE).to_string().into()
}

/// Reads an object's members, keeping the raw text of those named in the set.
struct Pick<'k>(&'k Option<BTreeSet<String>>);

/// An object key, borrowed from the plan when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

impl<'de> DeserializeSeed<'de> for Pick<'_> {
    type Value = Vec<(Cow<'de, str>, &'de RawValue)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Pick<'_> {
    type Value = Vec<(Cow<'de, str>, &'de RawValue)>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Key(key)) = map.next_key()? {
            if self.0.as_ref().is_none_or(|keep| keep.contains(&*key)) {
                out.push((key, map.next_value::<&'de RawValue>()?));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_string()).expect("json")
    }

    #[test]
    fn a_side_keeps_the_named_attributes_with_sensitive_values_replaced() {
        let value = raw(
            r#"{"password":"canary-1","tags":{"Owner":"canary-2","Team":"ml"},"list":["a","canary-3"],"size":3,"size":4,"skip\u0041":1}"#,
        );
        let mask: Value =
            serde_json::json!({"password": true, "tags": {"Owner": true}, "list": [false, true]});
        let keep = Some(
            ["password", "tags", "list", "size"]
                .map(String::from)
                .into(),
        );
        let side = side(Some(&value), &mask, &keep);
        let text = format!("{side:?}");
        assert!(!text.contains("canary"), "{text}");
        assert_eq!(
            side,
            Side::Fields(vec![
                ("list".into(), r#"["a","(sensitive)"]"#.into()),
                ("password".into(), r#""(sensitive)""#.into()),
                ("size".into(), "4".into()),
                (
                    "tags".into(),
                    r#"{"Owner":"(sensitive)","Team":"ml"}"#.into()
                ),
            ])
        );
        // All attributes (no declaration), escaped names included.
        let all = super::side(Some(&value), &Value::Null, &None);
        assert!(matches!(&all, Side::Fields(f) if f.iter().any(|(k, _)| &**k == "skipA")));
        // Sensitive as a whole; null stays null.
        assert_eq!(
            super::side(Some(&value), &Value::Bool(true), &keep),
            Side::Whole(r#""(sensitive)""#.into())
        );
        assert_eq!(super::side(None, &Value::Bool(true), &keep), Side::Null);
    }

    #[test]
    fn interest_joins_every_reader_of_a_type() {
        let reads = |text: &str| Reads::parse("x.rego", text, None).expect("parses");
        let tags = reads(
            "# tfpromote:types aws_instance\n# tfpromote:after tags\n# tfpromote:actions create\n",
        );
        let deletes = reads(
            "# tfpromote:types aws_instance, aws_kms_key\n# tfpromote:after none\n# tfpromote:actions delete\n",
        );
        let interest = Interest::new(&[tags.clone(), deletes], true);
        let instance = interest.keep("aws_instance").expect("read");
        assert_eq!(
            instance.after,
            Some(["instance_type", "tags"].map(String::from).into())
        );
        assert_eq!(
            instance.actions,
            Some(["create", "delete", "update"].map(String::from).into())
        );
        assert!(instance.addresses);
        // Only counted by the estimate: no address, no attribute.
        let other = interest.keep("aws_iam_role").expect("counted");
        assert!(!other.addresses && other.after == Some(BTreeSet::new()));
        assert!(
            Interest::new(std::slice::from_ref(&tags), false)
                .keep("aws_iam_role")
                .is_none()
        );
        // A policy without declarations reads everything of every type.
        let everything = Interest::new(&[tags, reads("")], false);
        assert_eq!(
            everything.keep("aws_iam_role").map(|k| &k.after),
            Some(&None)
        );
    }
}
