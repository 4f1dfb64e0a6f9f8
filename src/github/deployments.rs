//! GitHub Deployments: what was applied where, for people and GitHub's environment pages.
//! Ours carry `task: tfpromote:apply` (or `tfpromote:destroy`). No gate reads them back:
//! any token with `deployments: write` (a pull request's own workflow token included) can
//! create one, so they are a display, never evidence.

use serde::Deserialize;
use serde_json::json;

use super::client::{GitHub, Method};
use super::error::GitHubError;

pub const APPLY_TASK: &str = "tfpromote:apply";
pub const DESTROY_TASK: &str = "tfpromote:destroy";

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Deployment {
    pub id: u64,
    #[serde(default)]
    pub sha: String,
    #[serde(default)]
    pub environment: String,
    #[serde(default)]
    pub task: String,
    #[serde(default)]
    pub payload: serde_json::Value,
    #[serde(default)]
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct DeploymentStatus {
    #[serde(default)]
    pub id: u64,
    pub state: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub log_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// The deployment state a finished or running apply is recorded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployState {
    InProgress,
    Success,
    Failure,
}

impl DeployState {
    fn name(self) -> &'static str {
        match self {
            DeployState::InProgress => "in_progress",
            DeployState::Success => "success",
            DeployState::Failure => "failure",
        }
    }
}

impl GitHub {
    /// Creates a deployment of `sha` to `env`. `auto_merge: false` and no required contexts:
    /// GitHub's defaults would merge main into the ref or refuse while our own
    /// `tfpromote/<env>` status is pending.
    pub async fn create_deployment(
        &self,
        sha: &str,
        env: &str,
        task: &str,
        fingerprint: Option<&str>,
        production: bool,
    ) -> Result<Deployment, GitHubError> {
        let route = format!("{}/deployments", self.repo.path());
        let body = json!({
            "ref": sha,
            "environment": env,
            "task": task,
            "auto_merge": false,
            "required_contexts": [],
            "payload": { "fingerprint": fingerprint },
            "description": format!("{task} {env}"),
            "production_environment": production,
        });
        // A create: not repeated on 5xx (a duplicate deployment would only add noise, but
        // the rule for creates holds everywhere).
        let (deployment, _) = self.json(Method::Post, &route, Some(&body), false).await?;
        Ok(deployment)
    }

    pub async fn set_deployment_status(
        &self,
        id: u64,
        state: DeployState,
        description: &str,
        log_url: Option<&str>,
    ) -> Result<(), GitHubError> {
        let route = format!("{}/deployments/{id}/statuses", self.repo.path());
        let description: String = crate::redact::point::mask(description)
            .chars()
            .take(140)
            .collect();
        let mut body = json!({ "state": state.name(), "description": description });
        if let Some(url) = log_url {
            body["log_url"] = json!(url);
        }
        self.send(Method::Post, &route, Some(&body), true).await?;
        Ok(())
    }

    /// Our deployments of one environment (and task), newest first, optionally for one SHA:
    /// every page (a display, but a partial one would still mislead).
    pub async fn deployments(
        &self,
        env: &str,
        task: &str,
        sha: Option<&str>,
    ) -> Result<Vec<Deployment>, GitHubError> {
        let mut route = format!(
            "{}/deployments?environment={}&task={}",
            self.repo.path(),
            encode(env),
            encode(task)
        );
        if let Some(sha) = sha {
            route.push_str(&format!("&sha={}", encode(sha)));
        }
        self.list_all(&route).await
    }
}

/// Percent-encodes a query value (environment names are simple, SHAs are hex; anything
/// else is escaped rather than trusted).
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
