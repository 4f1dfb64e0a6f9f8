//! The principals a role's trust policy names, read from the HCL without evaluating it:
//! `assume_role_policy = jsonencode({ ... Principal = { Service = ... } ... })` or
//! `= data.aws_iam_policy_document.<name>.json` with `principals { type = ... }` blocks in
//! the same module.

use hcl::expr::TraversalOperator;
use hcl::{Body, Expression, ObjectKey};

/// What a role's trust names, by principal kind (`Service`, `AWS`, `Federated`, `*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Trust {
    /// Not a role resource (a module call: its roles are read where the module is followed).
    #[default]
    NotApplicable,
    /// The kinds of principal the trust names.
    Principals(Vec<String>),
    /// Written in a form this reader does not follow (a variable, `file()`, a template).
    Unreadable,
}

fn key_name(key: &ObjectKey) -> Option<&str> {
    match key {
        ObjectKey::Identifier(i) => Some(i.as_str()),
        ObjectKey::Expression(Expression::String(s)) => Some(s),
        _ => None,
    }
}

/// Every `Principal`/`NotPrincipal` in a literal policy object, by kind.
fn principals_in(expr: &Expression, kinds: &mut Vec<String>) {
    match expr {
        Expression::Object(object) => {
            for (key, value) in object {
                match key_name(key) {
                    Some("Principal" | "NotPrincipal") => match value {
                        Expression::Object(p) => {
                            kinds.extend(p.keys().map(|k| key_name(k).unwrap_or("?").to_string()))
                        }
                        Expression::String(s) => kinds.push(s.clone()),
                        _ => kinds.push("?".to_string()),
                    },
                    _ => principals_in(value, kinds),
                }
            }
        }
        Expression::Array(items) => items.iter().for_each(|i| principals_in(i, kinds)),
        _ => {}
    }
}

/// `data.aws_iam_policy_document.<name>.json` -> `<name>`.
fn policy_document_name(expr: &Expression) -> Option<String> {
    let Expression::Traversal(t) = expr else {
        return None;
    };
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    let names: Vec<&str> = t
        .operators
        .iter()
        .filter_map(|op| match op {
            TraversalOperator::GetAttr(i) => Some(i.as_str()),
            _ => None,
        })
        .collect();
    match (root.as_str(), names.as_slice()) {
        ("data", ["aws_iam_policy_document", name, "json"]) => Some(name.to_string()),
        _ => None,
    }
}

/// The trust of an `aws_iam_role` whose body is `role`, in a module made of `bodies`.
pub fn read(role: &Body, bodies: &[(String, Body)]) -> Trust {
    let Some(expr) = role
        .attributes()
        .find(|a| a.key() == "assume_role_policy")
        .map(|a| a.expr())
    else {
        return Trust::Unreadable;
    };
    if let Expression::FuncCall(call) = expr
        && call.name.name.as_str() == "jsonencode"
        && let [document] = call.args.as_slice()
    {
        let mut kinds = Vec::new();
        principals_in(document, &mut kinds);
        return Trust::Principals(kinds);
    }
    let Some(name) = policy_document_name(expr) else {
        return Trust::Unreadable;
    };
    let document = bodies.iter().flat_map(|(_, b)| b.blocks()).find(|b| {
        b.identifier() == "data"
            && b.labels()
                .iter()
                .map(|l| l.as_str())
                .eq(["aws_iam_policy_document", name.as_str()])
    });
    let Some(document) = document else {
        return Trust::Unreadable;
    };
    let mut kinds = Vec::new();
    for statement in document
        .body()
        .blocks()
        .filter(|b| b.identifier() == "statement")
    {
        for principals in statement
            .body()
            .blocks()
            .filter(|b| matches!(b.identifier(), "principals" | "not_principals"))
        {
            match principals
                .body()
                .attributes()
                .find(|a| a.key() == "type")
                .map(|a| a.expr())
            {
                Some(Expression::String(kind)) => kinds.push(kind.clone()),
                _ => kinds.push("?".to_string()),
            }
        }
    }
    Trust::Principals(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role_and_module(text: &str) -> Trust {
        let body: Body = hcl::parse(text).expect("test HCL");
        let role = body
            .blocks()
            .find(|b| b.identifier() == "resource")
            .expect("a resource")
            .body()
            .clone();
        read(&role, &[("main.tf".to_string(), body)])
    }

    #[test]
    fn jsonencode_trusts_list_their_principal_kinds() {
        let trust = role_and_module(
            "resource \"aws_iam_role\" \"r\" {\n  assume_role_policy = jsonencode({\n    Statement = [{ Effect = \"Allow\", Principal = { Service = \"ec2.amazonaws.com\" } }, { Principal = { AWS = var.outside } }]\n  })\n}\n",
        );
        assert_eq!(
            trust,
            Trust::Principals(vec!["Service".into(), "AWS".into()])
        );
    }

    #[test]
    fn policy_documents_in_the_module_are_followed() {
        let trust = role_and_module(
            "resource \"aws_iam_role\" \"r\" {\n  assume_role_policy = data.aws_iam_policy_document.t.json\n}\ndata \"aws_iam_policy_document\" \"t\" {\n  statement {\n    principals {\n      type        = \"Federated\"\n      identifiers = [var.provider]\n    }\n  }\n}\n",
        );
        assert_eq!(trust, Trust::Principals(vec!["Federated".into()]));
    }

    #[test]
    fn other_forms_are_unreadable() {
        for text in [
            "resource \"aws_iam_role\" \"r\" {\n  assume_role_policy = var.trust\n}\n",
            "resource \"aws_iam_role\" \"r\" {\n  assume_role_policy = data.aws_iam_policy_document.missing.json\n}\n",
            "resource \"aws_iam_role\" \"r\" {\n  name = \"x\"\n}\n",
        ] {
            assert_eq!(role_and_module(text), Trust::Unreadable, "{text}");
        }
    }
}
