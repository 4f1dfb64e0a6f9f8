//! Issue comments on a pull request: list (all pages), create, edit (PATCH), delete.
//! Lean structs of our own: only the fields we read, so fixture or API churn in fields we
//! ignore cannot break us.

use serde::Deserialize;
use serde_json::json;

use super::client::{GitHub, Method};
use super::error::GitHubError;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub html_url: String,
    #[serde(default)]
    pub user: Option<User>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct User {
    pub login: String,
}

impl Comment {
    pub fn author(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.login.as_str())
    }
}

impl GitHub {
    /// Every comment on the pull request, oldest first.
    pub async fn list_comments(&self, pr: u64) -> Result<Vec<Comment>, GitHubError> {
        self.list_all(&format!("{}/issues/{pr}/comments", self.repo.path()))
            .await
    }

    /// Creates a comment. Not retried on 5xx or a lost connection: the comment may exist,
    /// so the caller re-lists before trying again.
    pub async fn create_comment(&self, pr: u64, body: &str) -> Result<Comment, GitHubError> {
        let route = format!("{}/issues/{pr}/comments", self.repo.path());
        let (comment, _) = self
            .json(Method::Post, &route, Some(&json!({ "body": body })), false)
            .await?;
        Ok(comment)
    }

    /// Replaces a comment's body. PATCH, the documented verb (octocrab's helper sends POST).
    pub async fn update_comment(&self, id: u64, body: &str) -> Result<Comment, GitHubError> {
        let route = format!("{}/issues/comments/{id}", self.repo.path());
        let (comment, _) = self
            .json(Method::Patch, &route, Some(&json!({ "body": body })), true)
            .await?;
        Ok(comment)
    }

    /// Deletes a comment (a duplicate tracker two racing jobs both created).
    pub async fn delete_comment(&self, id: u64) -> Result<(), GitHubError> {
        let route = format!("{}/issues/comments/{id}", self.repo.path());
        match self.send(Method::Delete, &route, None::<&()>, true).await {
            Ok(_) => Ok(()),
            // Already gone: the goal is reached.
            Err(e) if e.status() == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
