//! Only merges planned on their pull request are promoted. A manual run of the promote
//! workflow (`workflow_dispatch`) on a commit no merged pull request introduced (a direct
//! push, a revert made on main) has no reviewed plan: refused before anything is planned,
//! with what to do instead.

use super::{GateId, Refusal, short_sha};

/// Allows when the commit is a merged pull request's.
pub fn check(
    env: &str,
    sha: &str,
    merged_pr: Option<u64>,
    event: Option<&str>,
) -> Result<(), Refusal> {
    if merged_pr.is_some() {
        return Ok(());
    }
    let how = match event {
        Some("workflow_dispatch") => "this manual run names",
        _ => "this run is for",
    };
    Err(Refusal::new(
        GateId::PlanChange,
        env,
        vec![format!(
            "{} ({how}) is not the merge of a pull request: no merged pull request introduced it, so no reviewed plan exists for it",
            short_sha(sha)
        )],
        "put the change through a pull request (pr-plan plans it, reviewers see the plan), merge it, and promote that merge; \
         to re-run a promotion by hand, start the promote workflow on main while its head is a planned merge",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_without_a_merged_pull_request_is_refused_with_what_to_do() {
        assert!(check("dev", "abcdef1234567", Some(7), Some("workflow_dispatch")).is_ok());
        let text = check("dev", "abcdef1234567", None, Some("workflow_dispatch"))
            .expect_err("refused")
            .to_string();
        assert!(
            text.contains("manual run") && text.contains("not the merge of a pull request"),
            "{text}"
        );
        assert!(
            text.contains("put the change through a pull request"),
            "{text}"
        );
    }
}
