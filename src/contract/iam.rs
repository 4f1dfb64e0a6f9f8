//! IAM isolation rules, over facts only: every role an environment creates carries that
//! environment's permissions boundary, the role it trusts is its own, and in the
//! account-per-environment layout its roles live in its own account. The names come from
//! `contract:` in the config, so another repository's naming works as well as this one's.

use super::EnvFacts;
use super::rules::{Violation, violation};
use super::trust::Trust;
use crate::config::contract::{ContractSettings, EnvPattern, TrustedRole};

/// The apply role may create roles only with the environment's boundary; a role without it
/// would fail at apply time in AWS (and be a gap if it did not).
pub(super) fn permissions_boundaries(
    env: &EnvFacts,
    pattern: &EnvPattern,
    out: &mut Vec<Violation>,
) {
    let want = pattern.for_env(&env.name);
    for creator in &env.role_creators {
        let what = if creator.via.is_empty() {
            creator.what.clone()
        } else {
            format!("{} (via {})", creator.what, creator.via.join(" > "))
        };
        let fix = format!(
            "pass this environment's boundary ({want}, contract.permissions_boundary) down to it"
        );
        match (&creator.boundary, creator.has_boundary) {
            (_, false) => violation(
                out,
                env,
                &creator.file,
                format!("{what} creates an IAM role without a permissions_boundary; {fix}"),
            ),
            (None, true) if creator.boundary_null => violation(
                out,
                env,
                &creator.file,
                format!(
                    "{what}: permissions_boundary is null (an input its caller did not pass); {fix}"
                ),
            ),
            (None, true) => violation(
                out,
                env,
                &creator.file,
                format!("{what}: permissions_boundary cannot be evaluated to an ARN; {fix}"),
            ),
            (Some(arn), true) if !pattern.matches(&env.name, arn) => violation(
                out,
                env,
                &creator.file,
                format!(
                    "{what}: permissions_boundary {arn:?} is not the `{}` environment's boundary; {fix}",
                    env.name
                ),
            ),
            _ => {}
        }
    }
}

/// The trusted role (for example the cluster administrator); another environment's role
/// there would reach across environments.
pub(super) fn trusted_role(env: &EnvFacts, trusted: &TrustedRole, out: &mut Vec<Violation>) {
    let Some((arn, file)) = env.locals.get(&trusted.local) else {
        return;
    };
    if !trusted.pattern.matches(&env.name, arn) {
        violation(
            out,
            env,
            file,
            format!(
                "local.{} {arn:?} is not the `{}` environment's role; use {} (contract.trusted_role)",
                trusted.local,
                env.name,
                trusted.pattern.for_env(&env.name)
            ),
        );
    }
}

/// The account of an IAM ARN (`arn:aws:iam::<account>:role/...`), if it has one.
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// Account-per-environment layout: an environment given an `account_id` must be planned
/// and applied by roles of that account, and the role it trusts must be of that account;
/// a role of another account there means one environment's credentials reach into
/// another's account.
pub(super) fn roles_in_own_account(
    env: &EnvFacts,
    rules: &ContractSettings,
    out: &mut Vec<Violation>,
) {
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
                     use the role created in account {want}"
                ),
            });
        }
    }
    let trusted = rules
        .trusted_role
        .as_ref()
        .and_then(|t| env.locals.get(&t.local).map(|v| (&t.local, v)));
    if let Some((local, (arn, file))) = trusted
        && arn_account(arn) != Some(want)
    {
        violation(
            out,
            env,
            file,
            format!(
                "local.{local} {arn:?} is not in the environment's account_id {want} \
                 (from tfpromote's config); set the account to {want} where it comes from"
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

    fn pattern(p: &str) -> EnvPattern {
        serde_yaml::from_str(&format!("{p:?}")).expect("pattern")
    }

    fn trusted() -> TrustedRole {
        TrustedRole {
            local: "apply_role_arn".into(),
            pattern: pattern("arn:aws:iam::*:role/*-gha-apply-{env}"),
        }
    }

    fn env(creators: Vec<RoleCreator>) -> EnvFacts {
        EnvFacts {
            name: "dev".into(),
            role_creators: creators,
            ..Default::default()
        }
    }

    fn creator(boundary: Option<&str>, has: bool, null: bool) -> RoleCreator {
        RoleCreator {
            what: "resource \"aws_iam_role\" \"node\"".into(),
            file: "main.tf".into(),
            via: vec!["module \"eks\"".into()],
            has_boundary: has,
            boundary: boundary.map(str::to_string),
            boundary_null: null,
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
            &env(vec![
                role(Trust::Principals(vec!["Service".into()])),
                creator(None, false, false),
            ]),
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
            trusts_only_services(&env(vec![role(trust)]), &mut out);
            assert_eq!(out.len(), 1, "{word}");
            assert!(out[0].message.contains(word), "{}", out[0].message);
        }
    }

    #[test]
    fn own_boundary_passes_and_others_fail() {
        let rule = pattern("arn:aws:iam::*:policy/*-boundary-{env}");
        let ok = "arn:aws:iam::111111111111:policy/mlops-boundary-dev";
        let mut out = Vec::new();
        permissions_boundaries(&env(vec![creator(Some(ok), true, false)]), &rule, &mut out);
        assert!(out.is_empty(), "{out:?}");
        for (b, has, null, word) in [
            (None, false, false, "without a permissions_boundary"),
            (None, true, true, "permissions_boundary is null"),
            (None, true, false, "cannot be evaluated"),
            (
                Some("arn:aws:iam::111111111111:policy/mlops-boundary-prod"),
                true,
                false,
                "is not the `dev` environment's boundary",
            ),
        ] {
            let mut out = Vec::new();
            permissions_boundaries(&env(vec![creator(b, has, null)]), &rule, &mut out);
            assert_eq!(out.len(), 1, "{b:?}");
            assert!(out[0].message.contains(word), "{}", out[0].message);
            assert!(
                out[0].message.contains("via module \"eks\""),
                "{}",
                out[0].message
            );
        }
    }

    #[test]
    fn roles_of_another_account_fail() {
        let ok = |r: &str| format!("arn:aws:iam::222222222222:role/{r}");
        let rules = ContractSettings {
            trusted_role: Some(trusted()),
            ..Default::default()
        };
        let facts = |plan: String, apply: String, root: String| EnvFacts {
            name: "dev".into(),
            locals: [("apply_role_arn".to_string(), (root, "main.tf".to_string()))]
                .into_iter()
                .collect(),
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
            &rules,
            &mut out,
        );
        assert!(out.is_empty(), "{out:?}");
        let other = "arn:aws:iam::333333333333:role/mlops-gha-apply-dev".to_string();
        roles_in_own_account(
            &facts(ok("mlops-gha-plan-dev"), other.clone(), other),
            &rules,
            &mut out,
        );
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[0].file, "tfpromote.yaml");
        assert!(
            out[0].message.starts_with("apply_role "),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn another_environments_trusted_role_fails() {
        let mut facts = env(Vec::new());
        facts.locals.insert(
            "apply_role_arn".into(),
            (
                "arn:aws:iam::1:role/mlops-gha-apply-prod".into(),
                "main.tf".into(),
            ),
        );
        let mut out = Vec::new();
        trusted_role(&facts, &trusted(), &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(
            out[0]
                .message
                .contains("is not the `dev` environment's role")
        );
    }
}
