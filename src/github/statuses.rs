//! Commit statuses `tfpromote/<env>`: the promotion ladder's records.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::client::{GitHub, Method};
use super::error::GitHubError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Pending,
    Success,
    Failure,
    Error,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Status {
    pub state: State,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub target_url: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub id: u64,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// The context an environment's record uses.
pub fn context_for(env: &str) -> String {
    format!("tfpromote/{env}")
}

/// GitHub keeps every status; the newest per context counts. The list comes newest first.
pub fn latest<'a>(statuses: &'a [Status], env: &str) -> Option<&'a Status> {
    let context = context_for(env);
    statuses
        .iter()
        .filter(|s| s.context.eq_ignore_ascii_case(&context))
        .max_by_key(|s| s.id)
}

impl GitHub {
    /// Writes `tfpromote/<env>` on a commit. Repeating it is harmless (the newest counts),
    /// so it is retried like an idempotent call.
    pub async fn set_status(
        &self,
        sha: &str,
        env: &str,
        state: State,
        description: &str,
        target_url: Option<&str>,
    ) -> Result<(), GitHubError> {
        let route = format!("{}/statuses/{sha}", self.repo.path());
        // GitHub caps descriptions at 140 characters; masked first so no secret is cut in half.
        let description: String = crate::redact::point::mask(description)
            .chars()
            .take(140)
            .collect();
        let mut body =
            json!({ "state": state, "context": context_for(env), "description": description });
        if let Some(url) = target_url {
            body["target_url"] = json!(url);
        }
        self.send(Method::Post, &route, Some(&body), true).await?;
        Ok(())
    }

    /// Every status on a commit (all pages).
    pub async fn statuses(&self, sha: &str) -> Result<Vec<Status>, GitHubError> {
        self.list_all(&format!("{}/commits/{sha}/statuses", self.repo.path()))
            .await
    }

    /// The newest `tfpromote/<env>` record on a commit, if any.
    pub async fn env_status(&self, sha: &str, env: &str) -> Result<Option<Status>, GitHubError> {
        Ok(latest(&self.statuses(sha).await?, env).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(id: u64, context: &str, state: State) -> Status {
        Status {
            state,
            context: context.into(),
            target_url: None,
            description: None,
            id,
            updated_at: None,
        }
    }

    #[test]
    fn newest_record_of_the_environment_counts() {
        let list = [
            status(3, "tfpromote/dev", State::Success),
            status(2, "tfpromote/dev", State::Pending),
            status(4, "tfpromote/stage", State::Failure),
            status(5, "ci/build", State::Success),
        ];
        assert_eq!(latest(&list, "dev").map(|s| s.state), Some(State::Success));
        assert_eq!(
            latest(&list, "stage").map(|s| s.state),
            Some(State::Failure)
        );
        assert_eq!(latest(&list, "prod"), None);
    }
}
