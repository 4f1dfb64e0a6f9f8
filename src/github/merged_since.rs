//! The pull requests merged between two commits of the default branch, oldest merge first:
//! the Compare API's commit list (GitHub's own record of the history), then each commit's
//! pull request whose merge commit it is. What catch-up reads to know which reviewed plans
//! an environment is behind on.

use serde::Deserialize;

use super::client::{GitHub, Method};
use super::error::GitHubError;
use super::pulls::PullRequest;

#[derive(Deserialize)]
struct CompareCommits {
    #[serde(default)]
    total_commits: u64,
    #[serde(default)]
    commits: Vec<CommitRef>,
}

#[derive(Deserialize)]
struct CommitRef {
    sha: String,
}

/// The pull request whose merge commit is exactly `sha` (a head commit of a merged branch
/// is listed with its pull request too, but is not where the merge landed).
pub fn merged_at(prs: &[PullRequest], sha: &str) -> Option<u64> {
    prs.iter()
        .find(|p| p.merged_at.is_some() && p.merge_commit_sha.as_deref() == Some(sha))
        .map(|p| p.number)
}

/// The open pull request whose head commit is `sha`: in a merge queue's group, each pull
/// request ahead of the queued one is merged in by its head commit.
pub fn queued_at(prs: &[PullRequest], sha: &str) -> Option<u64> {
    prs.iter()
        .find(|p| p.merged_at.is_none() && p.head.as_ref().is_some_and(|h| h.sha == sha))
        .map(|p| p.number)
}

impl GitHub {
    /// The pull requests in a merge queue's group `base...head`, in queue order, ending
    /// with `pr` (the one the group was built for).
    pub async fn queued_pulls(
        &self,
        base: &str,
        head: &str,
        pr: u64,
    ) -> Result<Vec<u64>, GitHubError> {
        let mut numbers = Vec::new();
        for sha in self.commits_since(base, head).await? {
            let listed = self.pulls_for_commit(&sha).await?;
            if let Some(n) = queued_at(&listed, &sha)
                && n != pr
                && !numbers.contains(&n)
            {
                numbers.push(n);
            }
        }
        numbers.push(pr);
        Ok(numbers)
    }

    /// The commit of the oldest promotion run that counts (`None`: no run yet). For an
    /// environment never applied, the merges it is behind on start there: every merge the
    /// promotion workflow ran for. Runs are GitHub's record, which no token can write.
    pub async fn first_promoted_commit(
        &self,
        settings: &crate::config::GitHubSettings,
    ) -> Result<Option<String>, GitHubError> {
        let runs = self.workflow_runs(&settings.promote_workflow.0).await?;
        Ok(runs
            .into_iter()
            .rev()
            .find(|r| crate::gate::runs::counts(r, &settings.default_branch.0))
            .map(|r| r.head_sha))
    }

    /// The commits in `base...head` that `head` has and `base` lacks, oldest first. GitHub
    /// lists at most 250 here; a longer range is an error rather than a shorter answer.
    pub async fn commits_since(&self, base: &str, head: &str) -> Result<Vec<String>, GitHubError> {
        let route = format!("{}/compare/{base}...{head}", self.repo.path());
        let (answer, _): (CompareCommits, _) =
            self.json(Method::Get, &route, None::<&()>, true).await?;
        if answer.commits.len() as u64 != answer.total_commits {
            return Err(GitHubError::Decode {
                call: format!("GET compare/{base}...{head}"),
                message: format!(
                    "GitHub listed {} of {} commits; catch-up reads at most 250 commits since an environment's last apply: apply an intermediate merge first",
                    answer.commits.len(),
                    answer.total_commits
                ),
            });
        }
        Ok(answer.commits.into_iter().map(|c| c.sha).collect())
    }

    /// The pull requests merged into `base...head`, oldest merge first, each once; with
    /// `with_base`, also the one merged at `base` itself.
    pub async fn merged_pulls_since(
        &self,
        base: &str,
        head: &str,
        with_base: bool,
    ) -> Result<Vec<u64>, GitHubError> {
        let mut numbers = Vec::new();
        let mut commits = self.commits_since(base, head).await?;
        if with_base {
            commits.insert(0, base.to_string());
        }
        for sha in commits {
            let listed = self.pulls_for_commit(&sha).await?;
            if let Some(n) = merged_at(&listed, &sha)
                && !numbers.contains(&n)
            {
                numbers.push(n);
            }
        }
        Ok(numbers)
    }
}

/// The pull requests merged on the way from an environment's last apply to a commit.
pub struct Window {
    pub numbers: Vec<u64>,
    /// Where the window starts, for the evidence line.
    pub since: String,
}

impl GitHub {
    /// The pull requests merged between the commit last applied to `env` and `head`,
    /// oldest first; for an environment never applied, every merge since the first
    /// promotion run. `None` when there is nothing to read (already at `head`, no run
    /// yet, or the last apply unknown: the no-regression gate refuses that case).
    pub async fn merged_window(
        &self,
        settings: &crate::config::GitHubSettings,
        env: &str,
        head: &str,
    ) -> Option<Result<Window, GitHubError>> {
        let (base, with_base, since) = match self.last_applied_run(settings, env).await.fact {
            crate::gate::Fact::Known(Some(last)) if last != head => {
                let since = format!("`{env}` last applied at {}", crate::gate::short_sha(&last));
                (last, false, since)
            }
            crate::gate::Fact::Known(None) => match self.first_promoted_commit(settings).await {
                Ok(Some(first)) if first != head => {
                    let since = format!(
                        "`{env}` never applied; promotions since {}",
                        crate::gate::short_sha(&first)
                    );
                    (first, true, since)
                }
                _ => return None,
            },
            _ => return None,
        };
        Some(
            self.merged_pulls_since(&base, head, with_base)
                .await
                .map(|numbers| Window { numbers, since }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(number: u64, merge: Option<&str>) -> PullRequest {
        PullRequest {
            number,
            state: "closed".into(),
            merged_at: merge.map(|_| "2026-01-01T00:00:00Z".into()),
            user: None,
            base: None,
            head: None,
            merged: None,
            merge_commit_sha: merge.map(str::to_string),
            labels: Vec::new(),
        }
    }

    #[test]
    fn only_the_merge_commit_names_its_pull_request() {
        assert_eq!(merged_at(&[pr(1, Some("m1"))], "m1"), Some(1));
        // h1 is the branch head of #1: listed with it, but not where it was merged.
        assert_eq!(merged_at(&[pr(1, Some("m1"))], "h1"), None);
        assert_eq!(merged_at(&[pr(2, None)], "m2"), None);
    }
}
