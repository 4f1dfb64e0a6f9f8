//! The Rego evaluation: one regorus engine per evaluation, every policy file added, the plan
//! facts as input, each package's `deny` set read back as findings.

use super::facts::ResourceFacts;
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
        packages.push((name.clone(), package.clone(), rule.to_string()));
    }
    if let Some(data) = &set.data {
        engine
            .add_data_json(data)
            .map_err(|e| format!("{}/data.json: {e}", set.source))?;
    }
    engine.set_input(input(environment, labels, resources));
    let mut findings = Vec::new();
    for (file, package, rule) in packages {
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

/// The input document, built directly as regorus values.
fn input(environment: &str, labels: &[String], resources: &[ResourceFacts]) -> regorus::Value {
    use regorus::Value;
    let mut changes = Vec::with_capacity(resources.len());
    for r in resources {
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
            map.insert(Value::from("before"), Value::from(r.before.clone()));
            map.insert(Value::from("after"), Value::from(r.after.clone()));
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
