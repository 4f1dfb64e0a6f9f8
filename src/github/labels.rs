//! Who added a pull request's labels, and whether they may write: the facts of
//! [`crate::policy::allow_labels`], which decides what counts. Two documented calls: the
//! pull request's issue events (`GET /repos/{o}/{r}/issues/{n}/events`, every page) and a
//! user's permission (`GET /repos/{o}/{r}/collaborators/{login}/permission`). Every failure
//! becomes [`Fact::Unknown`] with its reason, so the label does not count and says why.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::client::{GitHub, Method};
use super::error::GitHubError;
use crate::gate::Fact;
use crate::policy::allow_labels::{self, Actor, IssueEvent, LabelFacts};

#[derive(Debug, Deserialize)]
struct Event {
    #[serde(default)]
    event: String,
    #[serde(default)]
    actor: Option<EventActor>,
    #[serde(default)]
    label: Option<EventLabel>,
    #[serde(default)]
    performed_via_github_app: Option<App>,
    #[serde(default)]
    created_at: String,
}

#[derive(Debug, Deserialize)]
struct EventActor {
    login: String,
    #[serde(rename = "type", default)]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct EventLabel {
    #[serde(default)]
    name: String,
}

#[derive(Debug, Deserialize)]
struct App {
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Permission {
    permission: String,
    /// The role itself (`maintain`, `triage`, custom roles); `permission` folds those into
    /// GitHub's four older levels.
    #[serde(default)]
    role_name: Option<String>,
}

impl GitHub {
    /// The issue events of issue or pull request `number`, oldest first.
    pub async fn issue_events(&self, number: u64) -> Result<Vec<IssueEvent>, GitHubError> {
        let events: Vec<Event> = self
            .list_all(&format!("{}/issues/{number}/events", self.repo.path()))
            .await?;
        Ok(events
            .into_iter()
            .map(|e| IssueEvent {
                event: e.event,
                label: e.label.map(|l| l.name),
                actor: e.actor.map(|a| Actor {
                    login: a.login,
                    kind: a.kind,
                }),
                via_app: e
                    .performed_via_github_app
                    .map(|app| app.slug.or(app.name).unwrap_or_else(|| "(unnamed)".into())),
                created_at: e.created_at,
            })
            .collect())
    }

    /// `login`'s permission on the repository: the four-level `permission` (`admin`,
    /// `write`, `read`, `none`), or `maintain` when that is the role.
    pub async fn collaborator_permission(&self, login: &str) -> Result<String, GitHubError> {
        // GitHub logins are letters, digits and hyphens: anything else names nobody.
        if login.is_empty() || !login.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(GitHubError::Context(format!(
                "{login:?} is not a GitHub login"
            )));
        }
        let route = format!("{}/collaborators/{login}/permission", self.repo.path());
        let (answer, _): (Permission, _) =
            self.json(Method::Get, &route, None::<&()>, true).await?;
        Ok(match answer.role_name.as_deref() {
            Some("maintain") => "maintain".to_string(),
            _ => answer.permission,
        })
    }

    /// The facts to judge `present` (labels on pull request `number` by `author`): its
    /// events, then the permission of each person whose addition could count.
    pub async fn label_facts(
        &self,
        number: u64,
        present: Vec<String>,
        author: String,
    ) -> LabelFacts {
        let events = Fact::from_result(self.issue_events(number).await);
        let mut permissions = BTreeMap::new();
        if let Fact::Known(list) = &events {
            for login in allow_labels::permissions_needed(&present, list, &author) {
                let permission = Fact::from_result(self.collaborator_permission(&login).await);
                permissions.insert(login, permission);
            }
        }
        LabelFacts {
            present,
            author,
            events,
            permissions,
        }
    }
}
