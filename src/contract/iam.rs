//! IAM isolation rules (issue 12), over facts only: every role an environment creates
//! carries that environment's permissions boundary, and the root trusts only its own
//! apply role.

use super::EnvFacts;
use super::rules::{Violation, violation};
use super::trust::Trust;

/// The boundary policy name infra/bootstrap creates per environment ends with this.
fn boundary_suffix(env: &str) -> String {
    format!("-boundary-{env}")
}

/// The apply role name infra/bootstrap creates per environment ends with this.
fn apply_role_suffix(env: &str) -> String {
    format!("-gha-apply-{env}")
}

/// The apply role may create roles only with the environment's boundary; a module or
/// resource without it would fail at apply time in AWS (and be a gap if it did not).
pub(super) fn permissions_boundaries(env: &EnvFacts, out: &mut Vec<Violation>) {
    let suffix = boundary_suffix(&env.name);
    for creator in &env.role_creators {
        let fix = format!(
            "set permissions_boundary to this environment's boundary \
             (arn:aws:iam::<account>:policy/<project>{suffix}, infra/bootstrap output permissions_boundary_arns)"
        );
        match (&creator.boundary, creator.has_boundary) {
            (_, false) => violation(
                out,
                env,
                &creator.file,
                format!(
                    "{} creates IAM roles without a permissions_boundary; {fix}",
                    creator.what
                ),
            ),
            (None, true) => violation(
                out,
                env,
                &creator.file,
                format!(
                    "{}: permissions_boundary cannot be evaluated to an ARN; {fix}",
                    creator.what
                ),
            ),
            (Some(arn), true) if !(arn.contains(":policy/") && arn.ends_with(&suffix)) => {
                violation(
                    out,
                    env,
                    &creator.file,
                    format!(
                        "{}: permissions_boundary {arn:?} is not the `{}` environment's boundary; {fix}",
                        creator.what, env.name
                    ),
                )
            }
            _ => {}
        }
    }
}

/// `local.apply_role_arn` is made cluster administrator; another environment's apply
/// role there would reach across environments.
pub(super) fn own_apply_role(env: &EnvFacts, out: &mut Vec<Violation>) {
    let suffix = apply_role_suffix(&env.name);
    if let Some(arn) = &env.apply_role_arn
        && !(arn.contains(":role/") && arn.ends_with(&suffix))
    {
        violation(
            out,
            env,
            env.apply_role_file.as_deref().unwrap_or("main.tf"),
            format!(
                "local.apply_role_arn {arn:?} is not the `{}` environment's apply role; \
                 use arn:aws:iam::<account>:role/<project>{suffix}",
                env.name
            ),
        );
    }
}

/// The account of an IAM ARN (`arn:aws:iam::<account>:role/...`), if it has one.
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// Account-per-environment layout: an environment given an `account_id` must be planned
/// and applied by roles of that account, and its root must make that account's apply
/// role cluster admin; a role of another account there means one environment's
/// credentials reach into another's account.
pub(super) fn roles_in_own_account(env: &EnvFacts, out: &mut Vec<Violation>) {
    let Some(account) = &env.account else {
        return;
    };
    let want = account.account_id.as_str();
    for (field, arn) in &account.roles {
        if arn_account(arn) != Some(want) {
            out.push(Violation {
                env: env.name.clone(),
                file: account.config_file.clone(),
                message: format!(
                    "{field} {arn:?} is not in the environment's account_id {want}; \
                     use the role infra/bootstrap created in account {want}"
                ),
            });
        }
    }
    if let Some(arn) = &env.apply_role_arn
        && arn_account(arn) != Some(want)
    {
        violation(
            out,
            env,
            "terraform.tfvars",
            format!(
                "the root's apply role {arn:?} is not in the environment's account_id {want} \
                 (from tfpromote's config); set account_id = \"{want}\" here"
            ),
        );
    }
}

/// A role an environment creates is assumed by AWS services only. IAM has no condition
/// key on a trust policy's content, so the apply role could give a role it may edit any
/// trust (an outside account, someone else's OIDC provider); this rule is where such a
/// trust is caught, in review, before it is applied. Cross-account access belongs in the
/// bootstrap.
pub(super) fn trusts_only_services(env: &EnvFacts, out: &mut Vec<Violation>) {
    for creator in &env.role_creators {
        match &creator.trust {
            Trust::NotApplicable => {}
            Trust::Unreadable => violation(
                out,
                env,
                &creator.file,
                format!(
                    "{}: its trust policy cannot be read; write assume_role_policy as jsonencode({{...}}) \
                     or data.aws_iam_policy_document.<name>.json in the same module, so that who may \
                     assume the role is checked",
                    creator.what
                ),
            ),
            Trust::Principals(kinds) => {
                let others: Vec<&str> = kinds
                    .iter()
                    .map(String::as_str)
                    .filter(|k| *k != "Service")
                    .collect();
                if !others.is_empty() {
                    violation(
                        out,
                        env,
                        &creator.file,
                        format!(
                            "{}: its trust policy names {} principals; a role an environment creates may \
                             be assumed only by AWS services (Principal Service), since another account or \
                             an OIDC provider there would be a way in from outside; grant cross-account \
                             access in infra/bootstrap",
                            creator.what,
                            others.join(", ")
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::RoleCreator;

    fn env(creators: Vec<RoleCreator>, apply: Option<&str>) -> EnvFacts {
        EnvFacts {
            name: "dev".into(),
            role_creators: creators,
            apply_role_arn: apply.map(str::to_string),
            ..Default::default()
        }
    }

    fn creator(boundary: Option<&str>, has: bool) -> RoleCreator {
        RoleCreator {
            what: "module \"eks\"".into(),
            file: "main.tf".into(),
            has_boundary: has,
            boundary: boundary.map(str::to_string),
            trust: Trust::NotApplicable,
        }
    }

    #[test]
    fn only_service_principals_may_be_trusted() {
        let role = |trust: Trust| RoleCreator {
            what: "resource \"aws_iam_role\" \"r\"".into(),
            file: "main.tf".into(),
            trust,
            ..Default::default()
        };
        let mut out = Vec::new();
        trusts_only_services(
            &env(
                vec![
                    role(Trust::Principals(vec!["Service".into()])),
                    creator(None, false),
                ],
                None,
            ),
            &mut out,
        );
        assert!(out.is_empty(), "{out:?}");
        for (trust, word) in [
            (
                Trust::Principals(vec!["Service".into(), "AWS".into()]),
                "names AWS principals",
            ),
            (
                Trust::Principals(vec!["Federated".into()]),
                "names Federated principals",
            ),
            (Trust::Principals(vec!["*".into()]), "names * principals"),
            (Trust::Unreadable, "cannot be read"),
        ] {
            let mut out = Vec::new();
            trusts_only_services(&env(vec![role(trust)], None), &mut out);
            assert_eq!(out.len(), 1, "{word}");
            assert!(out[0].message.contains(word), "{}", out[0].message);
        }
    }

    #[test]
    fn own_boundary_passes_and_others_fail() {
        let ok = "arn:aws:iam::111111111111:policy/mlops-boundary-dev";
        let mut out = Vec::new();
        permissions_boundaries(&env(vec![creator(Some(ok), true)], None), &mut out);
        assert!(out.is_empty(), "{out:?}");
        for (b, has, word) in [
            (None, false, "without a permissions_boundary"),
            (None, true, "cannot be evaluated"),
            (
                Some("arn:aws:iam::111111111111:policy/mlops-boundary-prod"),
                true,
                "is not the `dev` environment's boundary",
            ),
        ] {
            let mut out = Vec::new();
            permissions_boundaries(&env(vec![creator(b, has)], None), &mut out);
            assert_eq!(out.len(), 1, "{b:?}");
            assert!(out[0].message.contains(word), "{}", out[0].message);
        }
    }

    #[test]
    fn roles_of_another_account_fail() {
        let ok = |r: &str| format!("arn:aws:iam::222222222222:role/{r}");
        let facts = |plan: String, apply: String, root: String| EnvFacts {
            name: "dev".into(),
            apply_role_arn: Some(root),
            account: Some(crate::contract::EnvAccount {
                account_id: "222222222222".into(),
                config_file: "tfpromote.yaml".into(),
                roles: vec![("plan_role", plan), ("apply_role", apply)],
            }),
            ..Default::default()
        };
        let mut out = Vec::new();
        roles_in_own_account(
            &facts(
                ok("mlops-gha-plan-dev"),
                ok("mlops-gha-apply-dev"),
                ok("mlops-gha-apply-dev"),
            ),
            &mut out,
        );
        assert!(out.is_empty(), "{out:?}");
        let other = "arn:aws:iam::333333333333:role/mlops-gha-apply-dev".to_string();
        roles_in_own_account(
            &facts(ok("mlops-gha-plan-dev"), other.clone(), other),
            &mut out,
        );
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[0].file, "tfpromote.yaml");
        assert!(
            out[0].message.starts_with("apply_role "),
            "{}",
            out[0].message
        );
        assert!(out[1].file.ends_with("terraform.tfvars"), "{}", out[1].file);
        // No account_id in the config: the single-account layout, nothing to compare.
        let mut out = Vec::new();
        roles_in_own_account(
            &EnvFacts {
                name: "dev".into(),
                apply_role_arn: Some("arn:aws:iam::333333333333:role/x".into()),
                ..Default::default()
            },
            &mut out,
        );
        assert!(out.is_empty());
    }

    #[test]
    fn apply_role_of_another_environment_fails() {
        let mut out = Vec::new();
        own_apply_role(
            &env(
                vec![],
                Some("arn:aws:iam::111111111111:role/mlops-gha-apply-dev"),
            ),
            &mut out,
        );
        assert!(out.is_empty());
        own_apply_role(
            &env(
                vec![],
                Some("arn:aws:iam::111111111111:role/mlops-gha-apply-prod"),
            ),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert!(out[0].message.contains("role/<project>-gha-apply-dev"));
    }
}
