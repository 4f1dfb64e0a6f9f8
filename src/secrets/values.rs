//! Values of variable definition files. Pure: text in, values out.

use hcl::Expression;
use hcl::eval::{Context, Evaluate};
use serde_json::Value;

/// `name = value` pairs of a `.tfvars` (HCL) or `.tfvars.json` file. Values that are not
/// literals (Terraform refuses those in var files anyway) are left out.
pub fn tfvars_values(text: &str, json: bool) -> Vec<(String, Value)> {
    if json {
        return match serde_json::from_str::<serde_json::Map<String, Value>>(text) {
            Ok(map) => map.into_iter().collect(),
            Err(_) => Vec::new(),
        };
    }
    let Ok(body) = hcl::parse(text) else {
        return Vec::new();
    };
    body.attributes()
        .filter_map(|a| Some((a.key().to_string(), literal(a.expr())?)))
        .collect()
}

/// A literal expression (strings, heredocs, numbers, lists, objects) as JSON.
pub(super) fn literal(expr: &Expression) -> Option<Value> {
    let value = expr.evaluate(&Context::new()).ok()?;
    serde_json::to_value(value).ok()
}

/// Every string and number leaf of a value, as text.
pub fn leaves(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.values()),
            Value::Bool(_) | Value::Null => {}
        }
    }
    out
}
