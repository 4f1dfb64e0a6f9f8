//! `tfpromote check`: the config is valid, and the environment directories keep the
//! isolation contract (own state, lock files, encryption, disjoint CIDRs, unique clusters,
//! same versions).

use crate::cli::CheckArgs;
use crate::config::Config;
use crate::context::Context;
use crate::contract;

pub fn run(config: &Config, context: &Context, args: &CheckArgs) -> crate::Result<()> {
    println!("{}: ok", config.path.display());
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
        println!(
            "  {}. {} ({}): {gate}; on plan change: {:?}; destroy: {:?}",
            i + 1,
            env.name,
            env.dir.as_path().display(),
            env.plan_change_policy(),
            env.destroy_policy()
        );
    }
    for line in team_token_notes(config, context.team_token.is_some()) {
        println!("{line}");
    }
    if args.config_only {
        return Ok(());
    }
    let config_file = config.path.display().to_string();
    let facts: Vec<contract::EnvFacts> = config
        .environments
        .iter()
        .map(|env| {
            let mut facts = contract::facts::read(env.name.as_str(), &config.env_dir(env));
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
    let violations = contract::check(&facts);
    if !violations.is_empty() {
        return Err(crate::Error::Contract(
            violations.iter().map(ToString::to_string).collect(),
        ));
    }
    for env in &facts {
        println!(
            "  {}: state {:?}, VPC {}, cluster {}",
            env.name,
            env.backend
                .as_ref()
                .and_then(|b| b.key.as_deref())
                .unwrap_or("?"),
            env.vpc_cidr.as_deref().unwrap_or("?"),
            env.cluster_name.as_deref().unwrap_or("?")
        );
    }
    println!("isolation contract: ok ({} environments)", facts.len());
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
