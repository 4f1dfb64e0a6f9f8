//! The resource changes of a plan as the policies and the cost estimate see them, gathered
//! once and grouped: changes identical in everything but their address (mode, type,
//! actions, and the `before`/`after` values cut to what anyone reads) are one [`Change`]
//! with the list of resources that made it. Values are kept as their JSON text, so a group
//! costs its text once however many resources share it, and building the Rego input and
//! pricing happen once per group (scripts/bench-policy: on 100,000 resources, a JSON value
//! tree per resource was most of the memory, and a Rego value per resource much of the
//! time).

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::facts::ResourceFacts;

/// One side (`before` or `after`) of a change, sensitive values already replaced.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Side {
    /// The resource does not exist on this side (create, delete).
    Null,
    /// Not an object (e.g. sensitive as a whole): the whole value's JSON text.
    Whole(Box<str>),
    /// An object: its top-level attributes that someone reads, sorted by name, each with
    /// its value's JSON text.
    Fields(Vec<(Box<str>, Box<str>)>),
}

/// A side cut down further to what one reader (a policy) reads, borrowing the texts (an
/// attribute read for its keys only is the one text made anew).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SideView<'a> {
    Null,
    Whole(&'a str),
    Fields(Vec<(&'a str, Cow<'a, str>)>),
}

/// What every value of an attribute read for its keys only reads as.
pub const KEYS_ONLY_VALUE: &str = "(value)";

impl Side {
    /// This side as a reader reading the top-level attributes `keep` (`None`: all) sees
    /// it: a non-object value is seen whole, as `Reads::project` does.
    pub fn view(&self, keep: &Option<BTreeSet<String>>) -> SideView<'_> {
        self.view_for(keep, &BTreeSet::new())
    }

    /// [`Side::view`], with the attributes in `keys_only` (declared `name:keys`) seen as
    /// their keys only: an object's every value reads [`KEYS_ONLY_VALUE`], so resources that
    /// differ only in such values (a `Name` tag) are one group for that reader.
    pub fn view_for<'a>(
        &'a self,
        keep: &Option<BTreeSet<String>>,
        keys_only: &BTreeSet<String>,
    ) -> SideView<'a> {
        match self {
            Side::Null => SideView::Null,
            Side::Whole(text) => SideView::Whole(text),
            Side::Fields(fields) => SideView::Fields(
                fields
                    .iter()
                    .filter(|(key, _)| keep.as_ref().is_none_or(|k| k.contains(&**key)))
                    .map(|(key, value)| {
                        let value = if keys_only.contains(&**key) {
                            keys_of(value)
                        } else {
                            Cow::Borrowed(&**value)
                        };
                        (&**key, value)
                    })
                    .collect(),
            ),
        }
    }

    /// From a JSON value whose sensitive parts are already replaced: every attribute kept.
    pub fn from_value(value: &Value) -> Side {
        match value {
            Value::Null => Side::Null,
            Value::Object(map) => {
                let mut fields: Vec<(Box<str>, Box<str>)> = map
                    .iter()
                    .map(|(key, value)| (key.as_str().into(), value.to_string().into()))
                    .collect();
                fields.sort_by(|a, b| a.0.cmp(&b.0));
                Side::Fields(fields)
            }
            other => Side::Whole(other.to_string().into()),
        }
    }
}

/// An object's JSON text with every value replaced by [`KEYS_ONLY_VALUE`]; anything else
/// (null, a sensitive placeholder, a list) as it is.
fn keys_of(text: &str) -> Cow<'_, str> {
    match serde_json::from_str::<serde_json::Map<String, Value>>(text) {
        Ok(map) => {
            let keys: serde_json::Map<String, Value> = map
                .into_iter()
                .map(|(key, _)| (key, Value::from(KEYS_ONLY_VALUE)))
                .collect();
            Cow::Owned(Value::Object(keys).to_string())
        }
        Err(_) => Cow::Borrowed(text),
    }
}

impl SideView<'_> {
    /// As a JSON value (what the cost estimate prices, and the Rego input is made from).
    pub fn to_json(&self) -> Value {
        let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
        match self {
            SideView::Null => Value::Null,
            SideView::Whole(text) => parse(text),
            SideView::Fields(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(key, value)| (key.to_string(), parse(value)))
                    .collect(),
            ),
        }
    }
}

/// What the policies and the cost estimate see of one resource change, but its address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Change {
    pub mode: Cow<'static, str>,
    pub kind: Box<str>,
    pub actions: Vec<Cow<'static, str>>,
    pub before: Side,
    pub after: Side,
}

impl Change {
    pub fn has_action(&self, action: &str) -> bool {
        self.actions.iter().any(|a| a == action)
    }
}

/// The resources that share one [`Change`]: how many, and (when someone may name them)
/// their addresses with their place in the plan, in plan order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Members {
    pub count: usize,
    pub resources: Vec<(usize, Box<str>)>,
}

/// Every gathered change with its resources.
#[derive(Debug, Clone, Default)]
pub struct Gathered {
    groups: HashMap<Change, Members>,
    /// Resource changes looked at so far (kept or not): the next one's place in the plan.
    seen: usize,
}

/// A name Terraform writes (an action, a mode) without an allocation for each resource.
pub fn known_name(name: &str) -> Cow<'static, str> {
    const KNOWN: [&str; 9] = [
        "managed", "data", "create", "update", "delete", "no-op", "read", "forget", "unknown",
    ];
    match KNOWN.iter().find(|known| **known == name) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(name.to_string()),
    }
}

impl Gathered {
    /// Counts the next resource change of the plan without keeping it.
    pub fn skip(&mut self) {
        self.seen += 1;
    }

    /// Adds the next resource change of the plan; its address is kept only with
    /// `address` (nobody can name a resource whose address was not kept).
    pub fn add(&mut self, change: Change, address: Option<&str>) {
        let members = self.groups.entry(change).or_default();
        members.count += 1;
        if let Some(address) = address {
            members.resources.push((self.seen, address.into()));
        }
        self.seen += 1;
    }

    /// Appends what `later` gathered from the resource changes after these.
    pub fn merge(&mut self, later: Gathered) {
        let offset = self.seen;
        for (change, members) in later.groups {
            let mine = self.groups.entry(change).or_default();
            mine.count += members.count;
            mine.resources.extend(
                members
                    .resources
                    .into_iter()
                    .map(|(place, address)| (place + offset, address)),
            );
        }
        self.seen += later.seen;
    }

    /// Every resource change of `resources` (facts read the old way, whole), addresses
    /// included.
    pub fn from_facts(resources: &[ResourceFacts]) -> Gathered {
        let mut gathered = Gathered::default();
        for r in resources {
            gathered.add(
                Change {
                    mode: known_name(&r.mode),
                    kind: r.kind.as_str().into(),
                    actions: r.actions.iter().map(|a| known_name(a)).collect(),
                    before: Side::from_value(&r.before),
                    after: Side::from_value(&r.after),
                },
                Some(&r.address),
            );
        }
        gathered
    }

    /// The groups, ordered by the first resource of each in the plan, so everything built
    /// from them is the same from one run to the next. (Groups whose addresses were not
    /// kept come last in no particular order: they are only ever counted.)
    pub fn groups(&self) -> Vec<(&Change, &Members)> {
        let mut groups: Vec<(&Change, &Members)> = self.groups.iter().collect();
        groups.sort_by_key(|(_, members)| members.resources.first().map_or(usize::MAX, |r| r.0));
        groups
    }

    /// How many resource changes were looked at.
    pub fn seen(&self) -> usize {
        self.seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_changes_share_a_group_in_plan_order_across_merges() {
        let change = |after: &str| Change {
            mode: known_name("managed"),
            kind: "aws_s3_bucket".into(),
            actions: vec![known_name("create")],
            before: Side::Null,
            after: Side::Fields(vec![("acl".into(), after.into())]),
        };
        let mut first = Gathered::default();
        first.add(change("\"private\""), Some("aws_s3_bucket.a"));
        first.skip();
        let mut later = Gathered::default();
        later.add(change("\"public-read\""), Some("aws_s3_bucket.b"));
        later.add(change("\"private\""), Some("aws_s3_bucket.c"));
        later.add(change("\"private\""), None);
        first.merge(later);
        assert_eq!(first.seen(), 5);
        let groups = first.groups();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].1.count, 3);
        assert_eq!(
            groups[0].1.resources,
            [(0, "aws_s3_bucket.a".into()), (3, "aws_s3_bucket.c".into())]
        );
        assert_eq!(groups[1].1.resources, [(2, "aws_s3_bucket.b".into())]);
    }

    #[test]
    fn a_view_keeps_the_attributes_asked_for_and_whole_values_whole() {
        let side = Side::from_value(&serde_json::json!({"b": [1], "a": {"x": 1}, "c": null}));
        let keep = Some(["a".to_string(), "c".to_string()].into());
        assert_eq!(
            side.view(&keep),
            SideView::Fields(vec![("a", r#"{"x":1}"#.into()), ("c", "null".into())])
        );
        // Read for its keys only: values no longer tell resources apart.
        let keys_only = ["a".to_string()].into();
        assert_eq!(
            side.view_for(&keep, &keys_only),
            SideView::Fields(vec![
                ("a", r#"{"x":"(value)"}"#.into()),
                ("c", "null".into())
            ])
        );
        let other = Side::from_value(&serde_json::json!({"a": {"x": 2}, "c": null}));
        assert_eq!(
            other.view_for(&keep, &keys_only),
            side.view_for(&keep, &keys_only)
        );
        assert_ne!(other.view(&keep), side.view(&keep));
        assert_eq!(
            side.view(&None).to_json(),
            serde_json::json!({"b": [1], "a": {"x": 1}, "c": null})
        );
        let whole = Side::from_value(&serde_json::json!("(sensitive)"));
        assert_eq!(whole.view(&keep), SideView::Whole("\"(sensitive)\""));
        assert_eq!(Side::from_value(&Value::Null).view(&keep), SideView::Null);
    }
}
