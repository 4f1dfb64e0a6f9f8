//! Pull request lookups: the PR a pushed commit came from, and a PR's author.

use serde::Deserialize;

use super::client::{GitHub, Method};
use super::comments::User;
use super::error::GitHubError;

#[derive(Debug, Clone, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub merged_at: Option<String>,
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub base: Option<Base>,
    #[serde(default)]
    pub head: Option<Head>,
    /// Only on `GET pulls/{n}`; the list endpoints leave it out.
    #[serde(default)]
    pub merged: Option<bool>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    /// The labels (the list endpoints include them): what a policy may ask for.
    #[serde(default)]
    pub labels: Vec<Label>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Head {
    #[serde(default)]
    pub sha: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Base {
    #[serde(rename = "ref", default)]
    pub ref_name: String,
}

impl GitHub {
    /// Pull requests associated with a commit (`GET /repos/{o}/{r}/commits/{sha}/pulls`).
    pub async fn pulls_for_commit(&self, sha: &str) -> Result<Vec<PullRequest>, GitHubError> {
        let route = format!("{}/commits/{sha}/pulls", self.repo.path());
        let (list, _) = self.json(Method::Get, &route, None::<&()>, true).await?;
        Ok(list)
    }

    pub async fn pull_request(&self, number: u64) -> Result<PullRequest, GitHubError> {
        let route = format!("{}/pulls/{number}", self.repo.path());
        let (pr, _) = self.json(Method::Get, &route, None::<&()>, true).await?;
        Ok(pr)
    }
}

/// The merged PR whose merge commit is `sha` (else any merged one listed for it): what the
/// approval gate reads. An open PR is never it.
pub fn merged_pr_of(prs: &[PullRequest], sha: &str) -> Option<u64> {
    let merged = |p: &&PullRequest| p.merged_at.is_some();
    prs.iter()
        .filter(merged)
        .find(|p| p.merge_commit_sha.as_deref() == Some(sha))
        .or_else(|| prs.iter().find(merged))
        .map(|p| p.number)
}

/// The PR that introduced a pushed commit: a merged one first (push to main after a merge),
/// then any other. Pure, so the choice is tested without a server.
pub fn introducing_pr(prs: &[PullRequest]) -> Option<u64> {
    prs.iter()
        .find(|p| p.merged_at.is_some())
        .or_else(|| prs.first())
        .map(|p| p.number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(number: u64, merged: bool) -> PullRequest {
        PullRequest {
            number,
            state: "closed".into(),
            merged_at: merged.then(|| "2026-01-01T00:00:00Z".into()),
            user: None,
            base: None,
            head: None,
            merged: None,
            merge_commit_sha: None,
            labels: Vec::new(),
        }
    }

    #[test]
    fn merged_pr_wins() {
        assert_eq!(introducing_pr(&[pr(3, false), pr(7, true)]), Some(7));
        assert_eq!(introducing_pr(&[pr(3, false)]), Some(3));
        assert_eq!(introducing_pr(&[]), None);
    }
}
