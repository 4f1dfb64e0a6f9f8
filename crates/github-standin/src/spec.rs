//! GitHub's REST description (a trimmed, dereferenced copy embedded in the binary, see
//! spec/README.md): routes a request to a documented operation and checks it.
//!
//! The stand-in is only as faithful as this check: a request tfpromote sends that GitHub
//! would not accept (wrong method, undeclared query parameter, body outside the schema)
//! must show up as a violation here, never be answered as if it were fine.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

/// The trimmed description; embedded so the binary needs no files beside it.
const DESCRIPTION: &str = include_str!("../spec/api.github.com.trimmed.json");

/// One documented operation, ready to route and validate against.
pub struct Operation {
    pub id: String,
    pub method: String,
    template: Vec<String>,
    query: Vec<String>,
    body_schema: Option<jsonschema::Validator>,
    body_required: bool,
    /// The first 2xx example: answers are built from it, adjusted to the state.
    pub example: Value,
}

/// The operations, parsed and compiled once per process (tests start many stand-ins).
pub fn operations() -> &'static [Operation] {
    static OPS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPS.get_or_init(|| parse(DESCRIPTION))
}

/// Parses the embedded description. It is part of this crate, so a malformed one is a
/// build defect (caught by every test), not input: panicking with the reason is right.
fn parse(text: &str) -> Vec<Operation> {
    let spec: Value = serde_json::from_str(text).expect("embedded REST description is JSON");
    let mut ops = Vec::new();
    let paths = spec["paths"].as_object().expect("description has paths");
    for (path, methods) in paths {
        for (method, op) in methods.as_object().expect("path item is an object") {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let query = params
                .iter()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_string))
                .collect();
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            let body_schema = (!schema.is_null()).then(|| {
                jsonschema::validator_for(schema).expect("request schema in description compiles")
            });
            // Examples by "status/name", so the first is the lowest 2xx status's.
            let mut examples = BTreeMap::new();
            for (code, response) in op["responses"].as_object().into_iter().flatten() {
                let named = response["content"]["application/json"]["examples"].as_object();
                for (name, example) in named.into_iter().flatten() {
                    examples.insert(format!("{code}/{name}"), example["value"].clone());
                }
            }
            let example = examples.values().next().cloned().unwrap_or(Value::Null);
            ops.push(Operation {
                id: op["operationId"]
                    .as_str()
                    .expect("operation has an operationId")
                    .to_string(),
                method: method.to_uppercase(),
                template: path.split('/').map(str::to_string).collect(),
                query,
                body_schema,
                body_required: op["requestBody"]["required"] == true,
                example,
            });
        }
    }
    ops
}

/// Finds the operation for `method path` (path without the API prefix) and its path
/// parameters, percent-decoded. When several templates match (`issues/comments/{id}` and
/// `issues/{number}/comments` for `issues/comments/comments`), the one with more literal
/// segments wins, as in GitHub's own router.
pub fn route<'a>(
    ops: &'a [Operation],
    method: &str,
    path: &str,
) -> Option<(&'a Operation, BTreeMap<String, String>)> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut best: Option<(usize, &Operation, BTreeMap<String, String>)> = None;
    for op in ops {
        if op.method != method || op.template.len() != segments.len() {
            continue;
        }
        let mut params = BTreeMap::new();
        let mut literals = 0;
        let matched = op.template.iter().zip(&segments).all(|(t, s)| {
            if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                let value = percent_encoding::percent_decode_str(s).decode_utf8_lossy();
                params.insert(name.to_string(), value.into_owned());
                !s.is_empty()
            } else {
                literals += 1;
                t == s
            }
        });
        if matched && best.as_ref().is_none_or(|(n, _, _)| literals > *n) {
            best = Some((literals, op, params));
        }
    }
    best.map(|(_, op, params)| (op, params))
}

impl Operation {
    /// Everything about the request that GitHub's description forbids, one line each.
    pub fn violations(&self, query: &[(String, String)], body: &str) -> Vec<String> {
        let mut found = Vec::new();
        for (name, _) in query {
            if !self.query.iter().any(|q| q == name) {
                found.push(format!("{}: undeclared query parameter {name}", self.id));
            }
        }
        match (&self.body_schema, body.is_empty()) {
            (Some(_), true) if self.body_required => {
                found.push(format!("{}: body required", self.id))
            }
            (Some(schema), false) => match serde_json::from_str::<Value>(body) {
                Ok(value) => {
                    for e in schema.iter_errors(&value) {
                        found.push(format!("{}: body: {e}", self.id));
                    }
                }
                Err(e) => found.push(format!("{}: body is not JSON: {e}", self.id)),
            },
            (None, false) if body != "null" => found.push(format!("{}: unexpected body", self.id)),
            _ => {}
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_an_example_answer() {
        for op in operations() {
            assert!(
                !op.example.is_null()
                    || op.id == "issues/delete-comment"
                    || op.id == "actions/set-custom-oidc-sub-claim-for-repo"
                    // GitHub's description gives the re-run's 201 (an empty object) a null
                    // example; the stand-in answers `{}`.
                    || op.id == "actions/re-run-workflow",
                "{} has no 2xx example",
                op.id
            );
        }
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        let ops = operations();
        let (op, params) = route(ops, "PATCH", "/repos/o/r/issues/comments/7").expect("routed");
        assert_eq!(op.id, "issues/update-comment");
        assert_eq!(params["comment_id"], "7");
        let (op, params) = route(ops, "PATCH", "/repos/o/r/issues/7").expect("routed");
        assert_eq!(op.id, "issues/update");
        assert_eq!(params["issue_number"], "7");
    }

    #[test]
    fn path_parameters_are_percent_decoded() {
        let (_, params) =
            route(operations(), "GET", "/repos/o/r/environments/my%20env").expect("routed");
        assert_eq!(params["environment_name"], "my env");
    }
}
