//! A `team:` approver needs a token that can read organisation team membership. The
//! workflow's `GITHUB_TOKEN` never can (GitHub answers 403 for any organisation's teams),
//! so without a separate team token the approval gate could only ever refuse, with a
//! misleading "not a member". This rule refuses first and says exactly what to add.

use super::{GateId, Refusal};

/// What to add to the workflow; shared by the gate and `tfpromote check`.
pub const HOW_TO_ADD: &str = "mint a GitHub App installation token with `members: read` in the job \
(actions/create-github-app-token with `permission-members: read`) and pass it as the action's \
`team-token` input (`team-token: ${{ steps.<id>.outputs.token }}`), or set TFPROMOTE_TEAM_TOKEN; \
the workflow's GITHUB_TOKEN cannot read team membership (GitHub answers 403). docs/setup.md \
shows the App and the step";

/// Allows when no `team:` approver is configured or a team token is present.
pub fn check(env: &str, teams: &[(String, String)], has_team_token: bool) -> Result<(), Refusal> {
    if teams.is_empty() || has_team_token {
        return Ok(());
    }
    let names: Vec<String> = teams
        .iter()
        .map(|(org, slug)| format!("team:{org}/{slug}"))
        .collect();
    Err(Refusal::new(
        GateId::Approval,
        env,
        vec![format!(
            "`{env}` counts approvals from {} but no team token is configured, so team membership cannot be read",
            names.join(", ")
        )],
        HOW_TO_ADD,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_rule_without_a_team_token_refuses_and_says_what_to_add() {
        let teams = [("octo".to_string(), "platform-admins".to_string())];
        let refusal = check("prod", &teams, false).expect_err("refused");
        let text = refusal.to_string();
        assert!(text.contains("team:octo/platform-admins"), "{text}");
        assert!(text.contains("`team-token`"), "{text}");
        assert!(text.contains("permission-members: read"), "{text}");
        assert!(text.contains("TFPROMOTE_TEAM_TOKEN"), "{text}");
        assert!(check("prod", &teams, true).is_ok());
        assert!(
            check("prod", &[], false).is_ok(),
            "user: approvers need no team token"
        );
    }
}
