//! Reviews for the approval gate (design.md section 8): each reviewer's latest decisive
//! review, dismissed ones dropped, the PR author never counted, `approval.from` resolved.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::client::{GitHub, Method};
use super::comments::User;
use super::error::GitHubError;
use crate::config::values::Approver;

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

/// Logins whose latest decisive review approves, the author excluded. Reviews come in the
/// order GitHub lists them (chronological); `COMMENTED` and `PENDING` do not change a
/// reviewer's decision, `DISMISSED` withdraws it, and a later `CHANGES_REQUESTED` overrides
/// an earlier approval. Logins compare case-insensitively, as GitHub's do.
pub fn approvers(reviews: &[Review], author: &str) -> Vec<String> {
    let mut latest: BTreeMap<String, (u64, &str)> = BTreeMap::new();
    for (index, r) in reviews.iter().enumerate() {
        let Some(user) = &r.user else { continue };
        if matches!(r.state.as_str(), "COMMENTED" | "PENDING") {
            continue;
        }
        let key = user.login.to_ascii_lowercase();
        // GitHub lists reviews oldest first: a later position is a later decision.
        let rank = index as u64;
        match latest.get(&key) {
            Some((seen, _)) if *seen > rank => {}
            _ => {
                latest.insert(key, (rank, r.state.as_str()));
            }
        }
    }
    let author = author.to_ascii_lowercase();
    latest
        .into_iter()
        .filter(|(login, (_, state))| *state == "APPROVED" && *login != author)
        .map(|(login, _)| login)
        .collect()
}

/// Whether `login` counts under `from`, given a team-membership lookup. An empty `from`
/// means any approver counts. `org` is the repository owner for `team:SLUG`.
pub fn counts_under(
    login: &str,
    from: &[Approver],
    org: &str,
    is_member: impl Fn(&str, &str, &str) -> bool,
) -> bool {
    from.is_empty()
        || from.iter().any(|a| match a {
            Approver::User(u) => u.eq_ignore_ascii_case(login),
            Approver::Team {
                org: team_org,
                slug,
            } => is_member(team_org.as_deref().unwrap_or(org), slug, login),
        })
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

    /// The logins whose approval counts for an environment's `approval.from`: the latest
    /// decisive review per reviewer, not the author, resolved against users and teams.
    pub async fn counted_approvals(
        &self,
        pr: u64,
        from: &[Approver],
    ) -> Result<Vec<String>, GitHubError> {
        let author = self
            .pull_request(pr)
            .await?
            .user
            .map(|u| u.login)
            .ok_or_else(|| GitHubError::Decode {
                call: format!("GET pulls/{pr}"),
                message: "the pull request has no author".into(),
            })?;
        let candidates = approvers(&self.reviews(pr).await?, &author);
        let mut memberships = BTreeMap::new();
        for login in &candidates {
            for a in from {
                if let Approver::Team { org, slug } = a {
                    let org = org.clone().unwrap_or_else(|| self.repo.owner.clone());
                    let key = (org.clone(), slug.clone(), login.clone());
                    if let std::collections::btree_map::Entry::Vacant(slot) = memberships.entry(key)
                    {
                        slot.insert(self.team_member(&org, slug, login).await?);
                    }
                }
            }
        }
        let owner = self.repo.owner.clone();
        Ok(candidates
            .into_iter()
            .filter(|login| {
                counts_under(login, from, &owner, |org, slug, who| {
                    memberships
                        .get(&(org.to_string(), slug.to_string(), who.to_string()))
                        .copied()
                        .unwrap_or(false)
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(id: u64, login: &str, state: &str) -> Review {
        Review {
            id,
            user: Some(User {
                login: login.into(),
            }),
            state: state.into(),
            commit_id: None,
            submitted_at: None,
        }
    }

    #[test]
    fn latest_decisive_review_wins_and_author_is_ignored() {
        let reviews = [
            review(1, "alice", "APPROVED"),
            review(2, "alice", "COMMENTED"),
            review(3, "bob", "APPROVED"),
            review(4, "bob", "CHANGES_REQUESTED"),
            review(5, "carol", "CHANGES_REQUESTED"),
            review(6, "carol", "APPROVED"),
            review(7, "dave", "APPROVED"),
            review(8, "dave", "DISMISSED"),
            review(9, "Author", "APPROVED"),
        ];
        assert_eq!(approvers(&reviews, "author"), vec!["alice", "carol"]);
    }

    #[test]
    fn users_and_teams_are_resolved() {
        let from = vec![
            Approver::User("Alice".into()),
            Approver::Team {
                org: None,
                slug: "admins".into(),
            },
        ];
        let member =
            |org: &str, slug: &str, who: &str| org == "acme" && slug == "admins" && who == "bob";
        assert!(counts_under("alice", &from, "acme", member));
        assert!(counts_under("bob", &from, "acme", member));
        assert!(!counts_under("eve", &from, "acme", member));
        assert!(counts_under("eve", &[], "acme", member));
    }
}
