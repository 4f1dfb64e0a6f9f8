//! Streaming reader: walks the top-level object of a plan and hands each resource change to
//! a [`PlanVisitor`] as soon as it is parsed, so memory stays at one resource at a time
//! (plus what the visitor keeps) however large the plan is.

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

use super::{OutputChange, ResourceChange};

/// Receives the parts of a plan in document order.
pub trait PlanVisitor {
    fn format_version(&mut self, _version: &str) {}
    fn terraform_version(&mut self, _version: &str) {}
    /// A root input variable and its value, in clear text even when sensitive.
    fn variable(&mut self, _name: String, _value: Value) {}
    fn resource_change(&mut self, _change: ResourceChange) {}
    fn resource_drift(&mut self, _change: ResourceChange) {}
    fn output_change(&mut self, _name: String, _change: OutputChange) {}
    /// A root variable declared `sensitive = true` (from `configuration`).
    fn sensitive_variable(&mut self, _name: String) {}
    fn errored(&mut self, _errored: bool) {}
}

/// True for a sensitivity/unknown mark that covers the whole value.
pub(crate) fn is_marked(mark: &Value) -> bool {
    matches!(mark, Value::Bool(true))
}

/// Reads a plan from any reader (buffer it: this reads byte by byte).
pub fn read_plan<R: Read, V: PlanVisitor>(reader: R, visitor: &mut V) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let seen = PlanSeed { visitor }
        .deserialize(&mut de)
        .map_err(|e| describe(&e))?;
    de.end().map_err(|e| describe(&e))?;
    check_format(seen.format_version.as_deref())
}

/// Reads a plan file; errors name the file.
pub fn read_plan_file<V: PlanVisitor>(path: &Path, visitor: &mut V) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open plan JSON: {e}"))?;
    read_plan(std::io::BufReader::with_capacity(256 * 1024, file), visitor)
}

fn describe(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match error.classify() {
        Category::Io => "could not be read",
        Category::Syntax | Category::Eof => "is not valid JSON",
        Category::Data => "is not a Terraform plan in JSON form",
    };
    format!(
        "{what} ({error}); pass the output of `terraform show -json PLANFILE`, not the plan file itself or `plan -json` logs"
    )
}

fn check_format(version: Option<&str>) -> Result<(), String> {
    let Some(version) = version else {
        return Err(
            "has no `format_version`, so it is not `terraform show -json` output of a plan".into(),
        );
    };
    match version.split('.').next() {
        Some("0") | Some("1") => Ok(()),
        _ => Err(format!(
            "has format_version {version:?}, which this tfpromote does not understand (it reads 0.x and 1.x); upgrade tfpromote"
        )),
    }
}

struct Seen {
    format_version: Option<String>,
}

struct PlanSeed<'v, V> {
    visitor: &'v mut V,
}

impl<'de, V: PlanVisitor> DeserializeSeed<'de> for PlanSeed<'_, V> {
    type Value = Seen;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Seen, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, V: PlanVisitor> Visitor<'de> for PlanSeed<'_, V> {
    type Value = Seen;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object with format_version and resource_changes")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Seen, A::Error> {
        let mut seen = Seen {
            format_version: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format_version" => {
                    let v: String = map.next_value()?;
                    self.visitor.format_version(&v);
                    seen.format_version = Some(v);
                }
                "terraform_version" => {
                    if let Some(v) = map.next_value::<Option<String>>()? {
                        self.visitor.terraform_version(&v);
                    }
                }
                "variables" => {
                    let vars: Option<BTreeMap<String, VariableValue>> = map.next_value()?;
                    for (name, var) in vars.unwrap_or_default() {
                        self.visitor.variable(name, var.value);
                    }
                }
                "resource_changes" => map.next_value_seed(Changes {
                    visitor: &mut *self.visitor,
                    drift: false,
                })?,
                "resource_drift" => map.next_value_seed(Changes {
                    visitor: &mut *self.visitor,
                    drift: true,
                })?,
                "output_changes" => {
                    let outputs: Option<BTreeMap<String, OutputChange>> = map.next_value()?;
                    for (name, change) in outputs.unwrap_or_default() {
                        self.visitor.output_change(name, change);
                    }
                }
                "configuration" => {
                    let config: Option<Configuration> = map.next_value()?;
                    let vars = config.and_then(|c| c.root_module).and_then(|m| m.variables);
                    for (name, decl) in vars.unwrap_or_default() {
                        if decl.sensitive {
                            self.visitor.sensitive_variable(name);
                        }
                    }
                }
                "errored" => {
                    let errored: Option<bool> = map.next_value()?;
                    self.visitor.errored(errored.unwrap_or(false));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(seen)
    }
}

/// Streams the elements of `resource_changes` / `resource_drift`.
struct Changes<'v, V> {
    visitor: &'v mut V,
    drift: bool,
}

impl<'de, V: PlanVisitor> DeserializeSeed<'de> for Changes<'_, V> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, V: PlanVisitor> Visitor<'de> for Changes<'_, V> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of resource changes")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(change) = seq.next_element::<ResourceChange>()? {
            if self.drift {
                self.visitor.resource_drift(change);
            } else {
                self.visitor.resource_change(change);
            }
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct VariableValue {
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
struct Configuration {
    #[serde(default)]
    root_module: Option<RootModule>,
}

#[derive(Deserialize)]
struct RootModule {
    #[serde(default)]
    variables: Option<BTreeMap<String, VariableDecl>>,
}

#[derive(Deserialize)]
struct VariableDecl {
    #[serde(default)]
    sensitive: bool,
}
