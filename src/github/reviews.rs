//! Reviews and team memberships: the facts of the approval gate (`crate::gate::approval`
//! decides what counts).

use serde::Deserialize;

use super::client::{GitHub, Method};
use super::comments::User;
use super::error::GitHubError;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Review {
    pub id: u64,
    #[serde(default)]
    pub user: Option<User>,
    pub state: String,
    #[serde(default)]
    pub commit_id: Option<String>,
    #[serde(default)]
    pub submitted_at: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Membership {
    state: String,
}

impl GitHub {
    pub async fn reviews(&self, pr: u64) -> Result<Vec<Review>, GitHubError> {
        self.list_all(&format!("{}/pulls/{pr}/reviews", self.repo.path()))
            .await
    }

    /// Active membership of `login` in `org/slug` (`GET /orgs/{org}/teams/{slug}/memberships/{login}`).
    /// 404 means not a member. The token needs `members: read` on the organisation; a 403 is
    /// an error, never a silent "no".
    pub async fn team_member(
        &self,
        org: &str,
        slug: &str,
        login: &str,
    ) -> Result<bool, GitHubError> {
        let route = format!("/orgs/{org}/teams/{slug}/memberships/{login}");
        match self
            .json::<Membership, ()>(Method::Get, &route, None, true)
            .await
        {
            Ok((m, _)) => Ok(m.state == "active"),
            Err(e) if e.status() == Some(404) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
