//! Drift: what to do with an environment's drift issue after a scheduled plan. Pure: the
//! issue that exists (found by its hidden marker) and the plan's outcome in, an action out.

use crate::summary::Summary;

/// The label every drift issue carries (issues are found by it, then by their marker).
pub const LABEL: &str = "tfpromote-drift";

/// The hidden marker that ties an issue to its environment.
pub fn marker(env: &str) -> String {
    format!("<!-- tfpromote:drift {env} -->")
}

/// The open issue of `env` among `bodies` (number, body), if any.
pub fn find(env: &str, issues: &[(u64, Option<&str>)]) -> Option<u64> {
    let marker = marker(env);
    issues
        .iter()
        .find(|(_, body)| body.is_some_and(|b| b.starts_with(&marker)))
        .map(|(n, _)| *n)
}

/// Whether a plan of main means the real environment differs from the code on main:
/// anything to change, or objects changed outside Terraform.
pub fn drifted(summary: &Summary) -> bool {
    summary.has_changes() || !summary.drift.is_empty()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Open,
    Update(u64),
    Close(u64),
    Nothing,
}

pub fn decide(existing: Option<u64>, drifted: bool) -> Action {
    match (existing, drifted) {
        (None, true) => Action::Open,
        (Some(n), true) => Action::Update(n),
        (Some(n), false) => Action::Close(n),
        (None, false) => Action::Nothing,
    }
}

/// The issue's title and body: the marker first, then what was found and the plan block.
pub fn issue(env: &str, commit: &str, run_url: Option<&str>, block: &str) -> (String, String) {
    let title = format!("Drift in {env}: the environment differs from main");
    let run = run_url
        .map(|u| format!(" ([run]({u}))"))
        .unwrap_or_default();
    let body = format!(
        "{}\n`{env}` does not match main at `{}`{run}. Either apply main again (re-run the promotion) \
         or bring the change into the code through a pull request.\n\n{block}",
        marker(env),
        crate::gate::short_sha(commit)
    );
    (title, body)
}

/// The body an issue is closed with.
pub fn resolved(env: &str, commit: &str) -> String {
    format!(
        "{}\n`{env}` matches main again at `{}`: no drift. Closed by tfpromote.",
        marker(env),
        crate::gate::short_sha(commit)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_issue_per_environment_opened_updated_closed() {
        assert_eq!(decide(None, true), Action::Open);
        assert_eq!(decide(Some(4), true), Action::Update(4));
        assert_eq!(decide(Some(4), false), Action::Close(4));
        assert_eq!(decide(None, false), Action::Nothing);
    }

    #[test]
    fn issues_are_found_by_their_environment_marker() {
        let dev = issue("dev", "abcdef123", None, "x").1;
        let prod = issue("prod", "abcdef123", None, "x").1;
        let list = [(1, Some(prod.as_str())), (2, None), (3, Some(dev.as_str()))];
        assert_eq!(find("dev", &list), Some(3));
        assert_eq!(find("prod", &list), Some(1));
        assert_eq!(find("stage", &list), None);
        let quoted = format!("see {}", marker("stage"));
        assert_eq!(
            find("stage", &[(9, Some(quoted.as_str()))]),
            None,
            "the marker must lead"
        );
    }
}
