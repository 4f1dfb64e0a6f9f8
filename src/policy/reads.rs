//! What one policy file reads, as it declares it in comment lines, so it is evaluated over
//! only the resources and values it can look at instead of the whole plan (on a plan of
//! 100,000 resources every policy walking every resource's full values is what made policy
//! evaluation many times slower than the render itself).
//!
//! ```rego
//! # tfpromote:types aws_instance, aws_eks_node_group, data.platform.tagged_types
//! # tfpromote:after instance_type, tags_all
//! # tfpromote:before none
//! ```
//!
//! - `types`: resource types (or `data.<path>` naming a list of types in `data.json`); the
//!   policy's `input.resource_changes` holds only resources of those types.
//! - `after` / `before`: the top-level attributes of `after` / `before` the policy reads
//!   (each kept whole, nested values included); `none` keeps none of them.
//! - `actions`: the policy's input holds only resources whose action set has one of these
//!   (most rules judge only creates and updates, or only deletes).
//! - `group` (no list): the policy judges each resource on its own; resources it would see
//!   identically (but for the address) are handed to it once, as one entry standing for all
//!   of them ([`super::engine`] and docs/policy.md say exactly what that promises).
//!
//! A declaration left out means "everything" for that part: a policy without any
//! declaration sees the whole plan, as before. A declaration is a promise: an attribute it
//! does not name is absent for that policy, so a rule reading it never fires.

use std::collections::BTreeSet;

use serde_json::Value;

use super::facts::ResourceFacts;

const PREFIX: &str = "tfpromote:";

/// One policy file's declared reads; `None` is "everything".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reads {
    pub types: Option<BTreeSet<String>>,
    pub after: Option<BTreeSet<String>>,
    pub before: Option<BTreeSet<String>>,
    pub actions: Option<BTreeSet<String>>,
    /// `tfpromote:group`: identical resources are evaluated once.
    pub group: bool,
    /// Attributes of `after`/`before` declared `name:keys`: the policy reads which keys the
    /// object has, never their values (required tags), so values stop telling resources
    /// apart for grouping.
    pub keys_only: BTreeSet<String>,
}

impl Reads {
    /// Reads the declarations of `text` (file `name`); `data` is `data.json` for
    /// `data.<path>` type lists.
    pub fn parse(name: &str, text: &str, data: Option<&Value>) -> Result<Reads, String> {
        let mut reads = Reads::default();
        for (number, line) in text.lines().enumerate() {
            let Some(rest) = line.trim_start().strip_prefix('#') else {
                continue;
            };
            let Some(declaration) = rest.trim_start().strip_prefix(PREFIX) else {
                continue;
            };
            let (key, list) = declaration
                .split_once(char::is_whitespace)
                .unwrap_or((declaration, ""));
            // Any other `tfpromote:` comment is not a declaration (and a misspelt one only
            // leaves that part at "everything", which can cost time but never hide a finding).
            if !matches!(key, "types" | "after" | "before" | "actions" | "group") {
                continue;
            }
            let at = || format!("{name}:{}", number + 1);
            if key == "group" {
                if !list.trim().is_empty() {
                    return Err(format!(
                        "{}: `tfpromote:group` takes no list; write it alone on its line",
                        at()
                    ));
                }
                if reads.group {
                    return Err(format!("{}: `tfpromote:group` is declared twice", at()));
                }
                reads.group = true;
                continue;
            }
            let items: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .collect();
            let names: BTreeSet<String> = if items == ["none"] {
                BTreeSet::new()
            } else if items.is_empty() {
                return Err(format!(
                    "{}: `tfpromote:{key}` lists nothing; name what the policy reads, or write `none`",
                    at()
                ));
            } else {
                let mut names = BTreeSet::new();
                for item in &items {
                    match item.split_once(':') {
                        Some((attribute, "keys")) if matches!(key, "after" | "before") => {
                            reads.keys_only.insert(attribute.to_string());
                            names.insert(attribute.to_string());
                        }
                        Some(_) => {
                            return Err(format!(
                                "{}: `{item}`: the only qualifier is `:keys`, on `after` and `before` attributes (the policy reads the object's keys, not its values)",
                                at()
                            ));
                        }
                        None => {
                            names.insert(item.to_string());
                        }
                    }
                }
                names
            };
            let slot = match key {
                "types" => &mut reads.types,
                "after" => &mut reads.after,
                "actions" => &mut reads.actions,
                _ => &mut reads.before,
            };
            if slot.is_some() {
                return Err(format!("{}: `tfpromote:{key}` is declared twice", at()));
            }
            let names = if key == "types" {
                resolve_types(names, data).map_err(|e| format!("{}: {e}", at()))?
            } else {
                names
            };
            *slot = Some(names);
        }
        Ok(reads)
    }

    /// Whether this policy looks at a resource of type `kind`.
    pub fn wants(&self, kind: &str) -> bool {
        self.types.as_ref().is_none_or(|types| types.contains(kind))
    }

    /// Whether this policy looks at a resource whose action set is `actions`.
    pub fn wants_actions<A: AsRef<str>>(&self, actions: &[A]) -> bool {
        self.actions
            .as_ref()
            .is_none_or(|wanted| actions.iter().any(|a| wanted.contains(a.as_ref())))
    }

    /// The `after` (or `before`) value this policy sees: only the declared attributes.
    pub fn project<'a>(keep: &Option<BTreeSet<String>>, value: &'a Value) -> Projected<'a> {
        match (keep, value) {
            (Some(keep), Value::Object(fields)) => Projected::Fields(
                fields
                    .iter()
                    .filter(|(key, _)| keep.contains(key.as_str()))
                    .collect(),
            ),
            _ => Projected::Whole(value),
        }
    }

    /// The resources of `resources` this policy sees.
    pub fn select<'a>(
        &'a self,
        resources: &'a [ResourceFacts],
    ) -> impl Iterator<Item = &'a ResourceFacts> + 'a {
        resources
            .iter()
            .filter(|r| self.wants(&r.kind) && self.wants_actions(&r.actions))
    }
}

/// A value as a policy sees it: whole, or an object cut down to some attributes.
pub enum Projected<'a> {
    Whole(&'a Value),
    Fields(Vec<(&'a String, &'a Value)>),
}

/// `data.a.b` entries replaced by the strings of the list at that path of `data.json`.
fn resolve_types(
    names: BTreeSet<String>,
    data: Option<&Value>,
) -> Result<BTreeSet<String>, String> {
    let mut out = BTreeSet::new();
    for name in names {
        let Some(path) = name.strip_prefix("data.") else {
            out.insert(name);
            continue;
        };
        let list = path
            .split('.')
            .try_fold(data.unwrap_or(&Value::Null), |value, key| value.get(key))
            .and_then(Value::as_array)
            .ok_or_else(|| {
                format!("`{name}` is not a list in data.json; name the types, or point at a list of them")
            })?;
        for item in list {
            let kind = item
                .as_str()
                .ok_or_else(|| format!("`{name}` in data.json holds {item}, not a type name"))?;
            out.insert(kind.to_string());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_read_and_data_lists_resolved() {
        let data: Value = serde_json::json!({"platform": {"tagged": ["aws_vpc", "aws_eip"]}});
        let text = "package tfpromote.x\n# tfpromote:types aws_instance, data.platform.tagged\n#tfpromote:after tags, acl\n# tfpromote:before none\n# tfpromote:actions create, update\n# tfpromote:group\n";
        let reads = Reads::parse("x.rego", text, Some(&data)).expect("parses");
        assert!(
            reads.wants("aws_eip") && reads.wants("aws_instance") && !reads.wants("aws_s3_bucket")
        );
        assert_eq!(
            reads.after,
            Some(["acl".to_string(), "tags".to_string()].into())
        );
        assert_eq!(reads.before, Some(BTreeSet::new()));
        assert!(reads.group);
        assert!(reads.wants_actions(&["delete", "create"]) && !reads.wants_actions(&["delete"]));
    }

    #[test]
    fn an_attribute_read_for_its_keys_only_is_kept_and_marked() {
        let text = "# tfpromote:after tags_all:keys, instance_type\n# tfpromote:before tags:keys\n";
        let reads = Reads::parse("x.rego", text, None).expect("parses");
        assert_eq!(
            reads.after,
            Some(["instance_type".to_string(), "tags_all".to_string()].into())
        );
        assert_eq!(reads.before, Some(["tags".to_string()].into()));
        assert_eq!(
            reads.keys_only,
            ["tags".to_string(), "tags_all".to_string()].into()
        );
        let err = Reads::parse("x.rego", "\n# tfpromote:after tags:values\n", None)
            .expect_err("an unknown qualifier");
        assert!(err.starts_with("x.rego:2: `tags:values`"), "{err}");
        let err = Reads::parse("x.rego", "# tfpromote:types aws_vpc:keys\n", None)
            .expect_err("not on types");
        assert!(err.contains("only qualifier is `:keys`"), "{err}");
    }

    #[test]
    fn no_declaration_means_everything() {
        let reads =
            Reads::parse("x.rego", "package tfpromote.x\n# a comment\n", None).expect("parses");
        assert_eq!(reads, Reads::default());
        assert!(reads.wants("anything"));
        let value = serde_json::json!({"a": 1});
        assert!(matches!(
            Reads::project(&reads.after, &value),
            Projected::Whole(_)
        ));
    }

    #[test]
    fn a_broken_declaration_is_an_error_naming_the_line() {
        let err = Reads::parse(
            "x.rego",
            "\n# tfpromote:after tags\n# tfpromote:after acl\n",
            None,
        )
        .expect_err("twice");
        assert!(err.contains("x.rego:3") && err.contains("twice"), "{err}");
        let err =
            Reads::parse("x.rego", "# tfpromote:types data.nope\n", None).expect_err("missing");
        assert!(err.contains("data.nope"), "{err}");
        let err = Reads::parse("x.rego", "# tfpromote:after\n", None).expect_err("empty");
        assert!(err.contains("none"), "{err}");
        let err = Reads::parse("x.rego", "\n# tfpromote:group yes\n", None).expect_err("list");
        assert!(err.contains("x.rego:2") && err.contains("no list"), "{err}");
    }
}
