//! `tfpromote check`: the config is valid, and the environment directories keep the
//! isolation contract: the rules that hold for any layout, and those `contract:` turns on.
//! One verdict: every problem is listed, and `ok` is printed only when there is none.

use crate::cli::CheckArgs;
use crate::config::Config;
use crate::context::Context;
use crate::contract;

pub fn run(config: &Config, context: &Context, args: &CheckArgs) -> crate::Result<()> {
    crate::out!("{}: parsed", config.path.display());
    for (i, env) in config.environments.iter().enumerate() {
        let gate = match (&env.approval, i) {
            (Some(a), _) => format!(
                "after approval by {} of {:?}",
                a.required.0,
                approver_list(a)
            ),
            (None, 0) => "first in line".to_string(),
            (None, _) => format!("after {}", config.environments[i - 1].name),
        };
        crate::out!(
            "  {}. {} ({}): {gate}; on plan change: {:?}; destroy: {:?}",
            i + 1,
            env.name,
            env.dir.as_path().display(),
            env.plan_change_policy(),
            env.destroy_policy()
        );
    }
    for line in team_token_notes(config, context.team_token.is_some()) {
        crate::out!("{line}");
    }
    if args.config_only {
        crate::out!("{}: ok", config.path.display());
        return Ok(());
    }
    let config_file = config.path.display().to_string();
    let facts: Vec<contract::EnvFacts> = config
        .environments
        .iter()
        .map(|env| {
            let options = contract::ReadOptions {
                required_files: config.contract.required_files.clone(),
                var_files: env.var_files.iter().map(|p| config.resolve(p)).collect(),
                backend_config: env
                    .backend_config
                    .iter()
                    .map(|p| config.resolve(p))
                    .collect(),
                repo_root: Some(crate::config::repo::root_for(&config.base_dir, None)),
            };
            let mut facts =
                contract::facts::read(env.name.as_str(), &config.env_dir(env), &options);
            facts.account = env.account_id.as_ref().map(|id| contract::EnvAccount {
                account_id: id.as_str().to_string(),
                config_file: config_file.clone(),
                roles: [
                    ("plan_role", &env.plan_role),
                    ("apply_role", &env.apply_role),
                ]
                .into_iter()
                .filter_map(|(field, arn)| arn.as_ref().map(|a| (field, a.as_str().to_string())))
                .collect(),
            });
            facts
        })
        .collect();
    let violations = contract::check(&facts, &config.contract);
    if !violations.is_empty() {
        return Err(crate::Error::Contract(
            violations.iter().map(ToString::to_string).collect(),
        ));
    }
    let watched: Vec<_> = config
        .contract
        .disjoint_cidrs
        .iter()
        .chain(&config.contract.unique_inputs)
        .collect();
    for env in &facts {
        let mut line = format!(
            "  {}: state {:?}",
            env.name,
            env.backend
                .as_ref()
                .and_then(|b| b.key.as_deref())
                .unwrap_or("?")
        );
        for input in &watched {
            let value = env
                .module_calls
                .iter()
                .find(|c| c.label == input.module)
                .and_then(|c| c.inputs.get(&input.input))
                .map(String::as_str)
                .unwrap_or("?");
            line.push_str(&format!(", {}.{} {value}", input.module, input.input));
        }
        crate::out!("{line}");
    }
    crate::out!(
        "isolation contract: ok ({} environments, {})",
        facts.len(),
        rule_summary(&config.contract)
    );
    crate::out!("{}: ok", config.path.display());
    Ok(())
}

/// One note per environment whose approval names a `team:` while no team token is set: the
/// job that applies it must add one, or the approval gate refuses every apply.
pub fn team_token_notes(config: &Config, has_team_token: bool) -> Vec<String> {
    if has_team_token {
        return Vec::new();
    }
    config
        .environments
        .iter()
        .filter_map(|env| {
            let approval = env.approval.as_ref()?;
            let teams: Vec<String> = approver_list(approval)
                .into_iter()
                .filter(|a| a.starts_with("team:"))
                .collect();
            (!teams.is_empty()).then(|| {
                format!(
                    "  note: {} counts approvals from {}, and no team token is set here (TFPROMOTE_TEAM_TOKEN): in the job that applies {}, {}",
                    env.name,
                    teams.join(", "),
                    env.name,
                    crate::gate::team_token::HOW_TO_ADD
                )
            })
        })
        .collect()
}

fn approver_list(approval: &crate::config::Approval) -> Vec<String> {
    use crate::config::values::Approver;
    approval
        .from
        .iter()
        .map(|a| match a {
            Approver::User(login) => format!("user:{login}"),
            Approver::Team {
                org: Some(org),
                slug,
            } => format!("team:{org}/{slug}"),
            Approver::Team { org: None, slug } => format!("team:{slug}"),
        })
        .collect()
}

/// Which rule sets were checked, so `ok` says what it vouches for.
fn rule_summary(rules: &crate::config::contract::ContractSettings) -> String {
    let mut on = vec![
        "own remote state per environment",
        "module sources inside the repository",
    ];
    if !rules.required_files.is_empty() {
        on.push("required files");
    }
    if rules.backend.is_some() {
        on.push("backend settings");
    }
    if rules.same_versions {
        on.push("same versions");
    }
    if !rules.disjoint_cidrs.is_empty() {
        on.push("disjoint CIDRs");
    }
    if !rules.unique_inputs.is_empty() {
        on.push("unique inputs");
    }
    if rules.permissions_boundary.is_some() {
        on.push("permissions boundaries");
    }
    if rules.roles_trust_only_services {
        on.push("service-only role trust");
    }
    if rules.trusted_role.is_some() {
        on.push("trusted role");
    }
    on.join(", ")
}
