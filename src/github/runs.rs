//! The Actions API's record of the promotion workflow: its runs and their jobs. These are
//! the order and no-regression gates' evidence because no token can write them: a run
//! exists only because GitHub started the workflow for an event, and its `event`,
//! `head_branch`, `head_sha` and each job's conclusion are GitHub's own facts. Every list is
//! read to its end and checked against the `total_count` GitHub reports; a list that does
//! not add up is an error, never a shorter answer.

use serde::Deserialize;

use super::client::{GitHub, Method, next_link};
use super::error::GitHubError;

/// One run of a workflow, as the gates read it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Run {
    pub id: u64,
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub head_branch: Option<String>,
    #[serde(default)]
    pub head_sha: String,
    /// The workflow file that ran (`.github/workflows/promote.yml`).
    #[serde(default)]
    pub path: String,
}

/// One job of a run (its latest attempt).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Job {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub completed_at: Option<String>,
}

#[derive(Deserialize)]
struct RunsPage {
    total_count: u64,
    workflow_runs: Vec<Run>,
}

#[derive(Deserialize)]
struct JobsPage {
    total_count: u64,
    jobs: Vec<Job>,
}

/// A bound against a server that links in a circle: 1,000 pages of 100 runs.
const MAX_PAGES: usize = 1000;

impl GitHub {
    /// Every run of `workflow` (a file name such as `promote.yml`) for `head_sha`, newest
    /// first: all pages, checked against GitHub's count.
    pub async fn workflow_runs_at(
        &self,
        workflow: &str,
        head_sha: &str,
    ) -> Result<Vec<Run>, GitHubError> {
        let route = format!(
            "{}/actions/workflows/{}/runs?head_sha={}&per_page=100",
            self.repo.path(),
            encode(workflow),
            encode(head_sha)
        );
        self.runs_from(&route, &format!("the runs of {workflow} at {head_sha}"))
            .await
    }

    /// Every run of `workflow`, newest first, all pages, checked against GitHub's count.
    /// No filter is passed: GitHub caps filtered run searches at 1,000 results, and a cap
    /// would silently hide the older runs.
    pub async fn workflow_runs(&self, workflow: &str) -> Result<Vec<Run>, GitHubError> {
        let route = format!(
            "{}/actions/workflows/{}/runs?per_page=100",
            self.repo.path(),
            encode(workflow)
        );
        let mut runs = self
            .runs_from(&route, &format!("the runs of {workflow}"))
            .await?;
        // A run started while the pages were read pushes one already seen onto the next
        // page: keep the first sighting.
        let mut seen = std::collections::BTreeSet::new();
        runs.retain(|r| seen.insert(r.id));
        Ok(runs)
    }

    async fn runs_from(&self, first: &str, what: &str) -> Result<Vec<Run>, GitHubError> {
        let mut next = Some(first.to_string());
        let mut all = Vec::new();
        let mut total = None;
        for _ in 0..MAX_PAGES {
            let Some(url) = next.take() else { break };
            let (page, response): (RunsPage, _) =
                self.json(Method::Get, &url, None::<&()>, true).await?;
            total = Some(page.total_count);
            all.extend(page.workflow_runs);
            next = response.link.as_deref().and_then(next_link);
        }
        complete(what, all.len() as u64, total, next.is_some())?;
        Ok(all)
    }

    /// Every job of a run (latest attempt), all pages, checked against GitHub's count.
    pub async fn run_jobs(&self, run_id: u64) -> Result<Vec<Job>, GitHubError> {
        let what = format!("the jobs of run {run_id}");
        let mut next = Some(format!(
            "{}/actions/runs/{run_id}/jobs?filter=latest&per_page=100",
            self.repo.path()
        ));
        let mut all = Vec::new();
        let mut total = None;
        for _ in 0..MAX_PAGES {
            let Some(url) = next.take() else { break };
            let (page, response): (JobsPage, _) =
                self.json(Method::Get, &url, None::<&()>, true).await?;
            total = Some(page.total_count);
            all.extend(page.jobs);
            next = response.link.as_deref().and_then(next_link);
        }
        complete(&what, all.len() as u64, total, next.is_some())?;
        Ok(all)
    }
}

/// A list is complete when no page is left and it holds what GitHub counted; otherwise the
/// gates would decide from part of the record, so it is an error.
fn complete(what: &str, seen: u64, total: Option<u64>, more: bool) -> Result<(), GitHubError> {
    if more {
        return Err(GitHubError::Conflict(format!(
            "{what}: more than {MAX_PAGES} pages; the record is too long to read whole"
        )));
    }
    match total {
        Some(total) if total != seen => Err(GitHubError::Conflict(format!(
            "{what}: GitHub counts {total} but {seen} were listed; the list changed or was cut short, re-run the job"
        ))),
        _ => Ok(()),
    }
}

/// Percent-encodes a path segment or query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_that_does_not_add_up_is_an_error() {
        assert!(complete("x", 3, Some(3), false).is_ok());
        assert!(complete("x", 0, None, false).is_ok());
        let short = complete("the runs", 100, Some(101), false).expect_err("short");
        assert!(short.to_string().contains("counts 101 but 100"), "{short}");
        assert!(complete("x", 5, Some(5), true).is_err(), "pages left");
    }
}
