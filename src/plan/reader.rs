//! Streaming reader: walks the top-level object of a plan and hands each resource change to
//! a [`PlanVisitor`] as soon as it is parsed, so memory stays at one resource at a time
//! (plus what the visitor keeps) however large the plan is.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use super::chunks;
use super::scan::Scanner;
use super::{OutputChange, ResourceChange};

/// Receives the parts of a plan in document order.
pub trait PlanVisitor {
    /// Where `resource_changes` go; large plans fill several on worker threads.
    type Changes: ChangeVisitor;
    /// The visitor's own tally, which every chunk is merged into in document order.
    fn changes(&mut self) -> &mut Self::Changes;
    fn format_version(&mut self, _version: &str) {}
    fn terraform_version(&mut self, _version: &str) {}
    /// A root input variable and its value, in clear text even when sensitive.
    fn variable(&mut self, _name: String, _value: Value) {}
    fn resource_drift(&mut self, _change: ResourceChange<'_>) {}
    fn output_change(&mut self, _name: String, _change: OutputChange) {}
    /// A root variable declared `sensitive = true` (from `configuration`).
    fn sensitive_variable(&mut self, _name: String) {}
    fn errored(&mut self, _errored: bool) {}
}

/// Receives the elements of `resource_changes`. A fresh one (from [`ChangeVisitor::fresh`])
/// tallies each chunk, possibly on another thread; `merge` appends a later chunk's tally.
pub trait ChangeVisitor: Send {
    /// An empty tally with the same settings as this one, for the next chunk.
    fn fresh(&self) -> Self;
    fn resource_change(&mut self, change: ResourceChange<'_>);
    /// A chunk's tally is complete (called on its worker thread, before `merge`): the
    /// place for tidying that should not hold up the thread that merges.
    fn chunk_done(&mut self) {}
    fn merge(&mut self, later: Self);
}

/// True for a sensitivity/unknown mark that covers the whole value.
pub(crate) fn is_marked(mark: &Value) -> bool {
    matches!(mark, Value::Bool(true))
}

/// True when any leaf of a mark tree is `true`.
pub(crate) fn any_marked(mark: &Value) -> bool {
    match mark {
        Value::Bool(b) => *b,
        Value::Array(items) => items.iter().any(any_marked),
        Value::Object(map) => map.values().any(any_marked),
        _ => false,
    }
}

/// Reads a plan from any reader. Each top-level value, and each element of
/// `resource_changes` and `resource_drift`, is cut out by [`Scanner`] and parsed on its own.
pub fn read_plan<R: Read, V: PlanVisitor>(reader: R, visitor: &mut V) -> Result<(), String> {
    let mut scan = Scanner::new(reader);
    scan.skip_bom()?;
    if scan.peek()? != Some(b'{') {
        return Err(not_a_plan("the document is not a JSON object"));
    }
    scan.expect(b'{', "{")?;
    let mut format_version = None;
    if !scan.eat(b'}')? {
        loop {
            let key: String = parse(scan.value()?, "an object key")?;
            scan.expect(b':', "':' after a key")?;
            read_member(&mut scan, &key, visitor, &mut format_version)?;
            if scan.eat(b',')? {
                continue;
            }
            scan.expect(b'}', "',' or '}'")?;
            break;
        }
    }
    if scan.peek()?.is_some() {
        return Err(format!(
            "is not valid JSON (trailing characters at byte {})",
            scan.offset()
        ));
    }
    check_format(format_version.as_deref())
}

fn read_member<R: Read, V: PlanVisitor>(
    scan: &mut Scanner<R>,
    key: &str,
    visitor: &mut V,
    format_version: &mut Option<String>,
) -> Result<(), String> {
    match key {
        // `terraform plan -json` writes a stream of UI messages, each with these keys.
        "@level" | "@message" | "@module" | "@timestamp" => {
            return Err(
                "is a `terraform plan -json` log (one UI message per line), not a plan: pass the output of `terraform show -json PLANFILE`".into(),
            );
        }
        "format_version" => {
            let v: String = parse(scan.value()?, key)?;
            visitor.format_version(&v);
            *format_version = Some(v);
        }
        "terraform_version" => {
            if let Some(v) = parse::<Option<String>>(scan.value()?, key)? {
                visitor.terraform_version(&v);
            }
        }
        "variables" => {
            let vars: Option<BTreeMap<String, VariableValue>> = parse(scan.value()?, key)?;
            for (name, var) in vars.unwrap_or_default() {
                visitor.variable(name, var.value);
            }
        }
        "resource_changes" => {
            if !open_list(scan, key)? {
                return Ok(());
            }
            chunks::read_changes(scan, visitor.changes())?;
        }
        "resource_drift" => {
            if !open_list(scan, key)? {
                return Ok(());
            }
            for index in 0.. {
                let change: ResourceChange = parse(scan.value()?, &format!("{key}[{index}]"))?;
                visitor.resource_drift(change);
                if !scan.eat(b',')? {
                    break;
                }
            }
            scan.expect(b']', "',' or ']' in a list of resource changes")?;
        }
        "output_changes" => {
            let outputs: Option<BTreeMap<String, OutputChange>> = parse(scan.value()?, key)?;
            for (name, change) in outputs.unwrap_or_default() {
                visitor.output_change(name, change);
            }
        }
        "configuration" => {
            let config: Option<Configuration> = parse(scan.value()?, key)?;
            let vars = config.and_then(|c| c.root_module).and_then(|m| m.variables);
            for (name, decl) in vars.unwrap_or_default() {
                if decl.sensitive {
                    visitor.sensitive_variable(name);
                }
            }
        }
        "errored" => {
            let errored: Option<bool> = parse(scan.value()?, key)?;
            visitor.errored(errored.unwrap_or(false));
        }
        // planned_values, prior_state, ...: often as large as the changes, never needed.
        _ => scan.skip()?,
    }
    Ok(())
}

/// Consumes `null`, `[]` (false: nothing to read) or the `[` of a non-empty list (true).
fn open_list<R: Read>(scan: &mut Scanner<R>, key: &str) -> Result<bool, String> {
    if scan.peek()? == Some(b'n') {
        parse::<()>(scan.value()?, key)?;
        return Ok(false);
    }
    scan.expect(b'[', "'[' to start a list of resource changes")?;
    Ok(!scan.eat(b']')?)
}

/// Parses one piece; errors say where in the plan it was.
pub(super) fn parse<'a, T: Deserialize<'a>>(bytes: &'a [u8], what: &str) -> Result<T, String> {
    serde_json::from_slice(bytes).map_err(|e| describe(&e, what))
}

/// Parses one piece of text already checked to be UTF-8 (serde_json then checks no string
/// of it again); `what` names it in an error, and is only worked out then.
pub(super) fn parse_text<'a, T: Deserialize<'a>>(
    text: &'a str,
    what: impl FnOnce() -> String,
) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| describe(&e, &what()))
}

fn describe(e: &serde_json::Error, what: &str) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            format!("is not valid JSON ({what}: {e})")
        }
        Category::Data => not_a_plan(&format!("{what}: {e}")),
    }
}

fn not_a_plan(detail: &str) -> String {
    format!(
        "is not a Terraform plan in JSON form ({detail}); pass the output of `terraform show -json PLANFILE`, not the plan file itself or `plan -json` logs"
    )
}

/// Reads a plan file; errors name the file.
pub fn read_plan_file<V: PlanVisitor>(path: &Path, visitor: &mut V) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open plan JSON: {e}"))?;
    read_plan(file, visitor)
}

fn check_format(version: Option<&str>) -> Result<(), String> {
    let Some(version) = version else {
        return Err(
            "has no `format_version`, so it is not `terraform show -json` output of a plan; pass the output of `terraform show -json PLANFILE`".into(),
        );
    };
    match version.split('.').next() {
        Some("0") | Some("1") => Ok(()),
        _ => Err(format!(
            "has format_version {version:?}, which this tfpromote does not understand (it reads 0.x and 1.x); upgrade tfpromote"
        )),
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
