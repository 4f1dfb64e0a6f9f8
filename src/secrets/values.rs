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

/// What a variable definition file tells about each name: its value when it is a literal,
/// and every literal string written in its expression whatever surrounds it
/// (`trimspace("...")`, a conditional, a template's text). `None` when the file does not
/// parse: then nothing in it can be attributed to a name.
pub fn tfvars_strings(text: &str, json: bool) -> Option<Vec<(String, Vec<String>)>> {
    if json {
        let map = serde_json::from_str::<serde_json::Map<String, Value>>(text).ok()?;
        return Some(map.into_iter().map(|(k, v)| (k, leaves(&v))).collect());
    }
    let body = hcl::parse(text).ok()?;
    Some(
        body.attributes()
            .map(|a| {
                let mut found = literal(a.expr()).map(|v| leaves(&v)).unwrap_or_default();
                string_literals(a.expr(), &mut found);
                (a.key().to_string(), found)
            })
            .collect(),
    )
}

/// Every literal string and number inside `expr`, however it is combined.
fn string_literals(expr: &Expression, out: &mut Vec<String>) {
    match expr {
        Expression::String(s) => out.push(s.clone()),
        Expression::Number(n) => out.push(n.to_string()),
        Expression::Array(items) => items.iter().for_each(|e| string_literals(e, out)),
        Expression::Object(map) => {
            for (key, value) in map {
                if let hcl::ObjectKey::Expression(k) = key {
                    string_literals(k, out);
                }
                string_literals(value, out);
            }
        }
        Expression::TemplateExpr(t) => {
            let raw = match t.as_ref() {
                hcl::TemplateExpr::QuotedString(s) => s.as_str(),
                hcl::TemplateExpr::Heredoc(h) => h.template.as_str(),
            };
            out.push(raw.to_string());
            // The text between interpolations, as Terraform would print each piece.
            out.extend(
                raw.split("${")
                    .flat_map(|piece| piece.split('}'))
                    .map(str::to_string),
            );
        }
        Expression::FuncCall(f) => f.args.iter().for_each(|e| string_literals(e, out)),
        Expression::Parenthesis(e) => string_literals(e, out),
        Expression::Conditional(c) => {
            for e in [&c.cond_expr, &c.true_expr, &c.false_expr] {
                string_literals(e, out);
            }
        }
        Expression::Operation(op) => match op.as_ref() {
            hcl::Operation::Unary(u) => string_literals(&u.expr, out),
            hcl::Operation::Binary(b) => {
                string_literals(&b.lhs_expr, out);
                string_literals(&b.rhs_expr, out);
            }
        },
        Expression::ForExpr(f) => {
            string_literals(&f.collection_expr, out);
            string_literals(&f.value_expr, out);
            if let Some(k) = &f.key_expr {
                string_literals(k, out);
            }
        }
        Expression::Null
        | Expression::Bool(_)
        | Expression::Variable(_)
        | Expression::Traversal(_) => {}
        _ => {}
    }
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
