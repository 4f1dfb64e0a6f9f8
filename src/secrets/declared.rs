//! Which root-module variables are declared `sensitive = true`. Pure: text in, names out.

use hcl::Expression;
use serde_json::Value;

/// `(name, default)` of each `variable "name" { sensitive = true }` block in a `.tf` file.
/// A file that does not parse yields nothing (Terraform reports it).
pub fn sensitive_variables(text: &str) -> Vec<(String, Option<Value>)> {
    let Ok(body) = hcl::parse(text) else {
        return Vec::new();
    };
    body.blocks()
        .filter(|b| b.identifier() == "variable")
        .filter_map(|b| {
            let name = b.labels().first()?.as_str().to_string();
            let sensitive = b
                .body()
                .attributes()
                .any(|a| a.key() == "sensitive" && matches!(a.expr(), Expression::Bool(true)));
            if !sensitive {
                return None;
            }
            let default = b
                .body()
                .attributes()
                .find(|a| a.key() == "default")
                .and_then(|a| super::values::literal(a.expr()));
            Some((name, default))
        })
        .collect()
}
