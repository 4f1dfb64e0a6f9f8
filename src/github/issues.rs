//! Issues: one open issue per drifted environment (`tfpromote drift`).

use serde::Deserialize;
use serde_json::json;

use super::client::{GitHub, Method};
use super::error::GitHubError;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Issue {
    pub number: u64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub html_url: String,
    /// Set on pull requests, which the issues list also returns.
    #[serde(default)]
    pub pull_request: Option<serde_json::Value>,
}

impl GitHub {
    /// Open issues carrying `label` (all pages), pull requests left out.
    pub async fn open_issues(&self, label: &str) -> Result<Vec<Issue>, GitHubError> {
        let all: Vec<Issue> = self
            .list_all(&format!(
                "{}/issues?state=open&labels={}",
                self.repo.path(),
                label.replace(':', "%3A")
            ))
            .await?;
        Ok(all
            .into_iter()
            .filter(|i| i.pull_request.is_none())
            .collect())
    }

    /// Creates an issue. Not repeated on 5xx: the caller re-lists before trying again.
    pub async fn create_issue(
        &self,
        title: &str,
        body: &str,
        labels: &[&str],
    ) -> Result<Issue, GitHubError> {
        let route = format!("{}/issues", self.repo.path());
        let (issue, _) = self
            .json(
                Method::Post,
                &route,
                Some(&json!({ "title": title, "body": body, "labels": labels })),
                false,
            )
            .await?;
        Ok(issue)
    }

    /// Replaces an issue's body and, when given, its state (`open`/`closed`).
    pub async fn update_issue(
        &self,
        number: u64,
        body: &str,
        state: Option<&str>,
    ) -> Result<Issue, GitHubError> {
        let route = format!("{}/issues/{number}", self.repo.path());
        let mut patch = json!({ "body": body });
        if let Some(state) = state {
            patch["state"] = json!(state);
        }
        let (issue, _) = self.json(Method::Patch, &route, Some(&patch), true).await?;
        Ok(issue)
    }
}
