//! The Rego evaluation: one regorus engine per evaluation, every policy file added; each
//! package is then evaluated over its own input, the plan facts cut down to what that
//! policy file declares it reads ([`super::reads`]), and its `deny` set read back as
//! findings.

use super::facts::ResourceFacts;
use super::reads::{Projected, Reads};
use super::{Finding, PolicySet};

/// Packages must live under this prefix; the rest of the package path is the rule's name.
const PACKAGE_PREFIX: &str = "data.tfpromote.";

pub fn evaluate(
    set: &PolicySet,
    environment: &str,
    labels: &[String],
    resources: &[ResourceFacts],
) -> Result<Vec<Finding>, String> {
    let mut engine = regorus::Engine::new();
    let mut packages = Vec::new();
    for (name, text) in &set.files {
        let package = engine
            .add_policy(name.clone(), text.clone())
            .map_err(|e| format!("{}/{name}: {e}", set.source))?;
        let Some(rule) = package.strip_prefix(PACKAGE_PREFIX) else {
            return Err(format!(
                "{}/{name}: package `{}` is not under `tfpromote.`: name it `package tfpromote.<rule>`",
                set.source,
                package.trim_start_matches("data.")
            ));
        };
        packages.push((name.clone(), package.clone(), rule.to_string(), text));
    }
    let data = match &set.data {
        Some(data) => {
            engine
                .add_data_json(data)
                .map_err(|e| format!("{}/data.json: {e}", set.source))?;
            Some(
                serde_json::from_str::<serde_json::Value>(data)
                    .map_err(|e| format!("{}/data.json: {e}", set.source))?,
            )
        }
        None => None,
    };
    let mut findings = Vec::new();
    for (file, package, rule, text) in packages {
        let reads =
            Reads::parse(&file, text, data.as_ref()).map_err(|e| format!("{}/{e}", set.source))?;
        // Each package gets an engine of its own (a clone: the policies are parsed once),
        // so no evaluation state of one input can carry over to the next.
        let mut engine = engine.clone();
        engine.set_input(input(environment, labels, resources, &reads));
        let denied = engine
            .eval_rule(format!("{package}.deny"))
            .map_err(|e| format!("{}/{file}: {e}", set.source))?;
        if denied == regorus::Value::Undefined {
            continue;
        }
        let items = denied.as_set().map_err(|_| {
            format!(
                "{}/{file}: `deny` must be a set (`deny contains {{...}} if ...`)",
                set.source
            )
        })?;
        for item in items {
            let field = |key: &str| -> Result<String, String> {
                item[key].as_string().map(|s| s.to_string()).map_err(|_| {
                    format!(
                        "{}/{file}: each `deny` entry needs a string `{key}` (got {item})",
                        set.source
                    )
                })
            };
            findings.push(Finding {
                rule: rule.clone(),
                address: field("address")?,
                message: field("message")?,
            });
        }
    }
    findings.sort();
    findings.dedup();
    Ok(findings)
}

/// The input document of one policy, built directly as regorus values: the resources of the
/// types it reads, with the attributes it reads.
fn input(
    environment: &str,
    labels: &[String],
    resources: &[ResourceFacts],
    reads: &Reads,
) -> regorus::Value {
    use regorus::Value;
    let mut changes = Vec::new();
    for r in reads.select(resources) {
        let mut object = Value::new_object();
        if let Ok(map) = object.as_object_mut() {
            map.insert(Value::from("address"), Value::from(r.address.as_str()));
            map.insert(Value::from("mode"), Value::from(r.mode.as_str()));
            map.insert(Value::from("type"), Value::from(r.kind.as_str()));
            map.insert(
                Value::from("actions"),
                Value::from(
                    r.actions
                        .iter()
                        .map(|a| Value::from(a.as_str()))
                        .collect::<Vec<_>>(),
                ),
            );
            map.insert(
                Value::from("before"),
                value(Reads::project(&reads.before, &r.before)),
            );
            map.insert(
                Value::from("after"),
                value(Reads::project(&reads.after, &r.after)),
            );
        }
        changes.push(object);
    }
    let mut input = Value::new_object();
    if let Ok(map) = input.as_object_mut() {
        map.insert(Value::from("environment"), Value::from(environment));
        map.insert(
            Value::from("labels"),
            Value::from(
                labels
                    .iter()
                    .map(|l| Value::from(l.as_str()))
                    .collect::<Vec<_>>(),
            ),
        );
        map.insert(Value::from("resource_changes"), Value::from(changes));
    }
    input
}

fn value(projected: Projected<'_>) -> regorus::Value {
    use regorus::Value;
    match projected {
        Projected::Whole(whole) => Value::from(whole.clone()),
        Projected::Fields(fields) => {
            let mut object = Value::new_object();
            if let Ok(map) = object.as_object_mut() {
                for (key, field) in fields {
                    map.insert(Value::from(key.as_str()), Value::from(field.clone()));
                }
            }
            object
        }
    }
}
