//! `tfpromote check`: the config is valid and every environment directory exists.

use crate::config::Config;

pub fn run(config: &Config) -> crate::Result<()> {
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
    Ok(())
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
