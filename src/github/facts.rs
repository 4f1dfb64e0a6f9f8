//! Fetching the gates' facts. Every failure becomes [`Fact::Unknown`] with its reason, so
//! the pure rule in `crate::gate` decides (and refuses) rather than this edge.

use std::collections::BTreeMap;

use super::client::GitHub;
use super::pulls::merged_pr_of;
use crate::gate::Fact;
use crate::gate::approval::{PullFacts, ReviewFact};
use crate::gate::regression::Comparison;

impl GitHub {
    pub async fn compare_fact(&self, base: &str, head: &str) -> Fact<Comparison> {
        Fact::from_result(self.compare(base, head).await)
    }

    /// The merged pull request behind `sha`, with its final head and author.
    pub async fn merged_pull(&self, sha: &str) -> Fact<Option<PullFacts>> {
        let listed = match self.pulls_for_commit(sha).await {
            Ok(l) => l,
            Err(e) => return Fact::Unknown(e.to_string()),
        };
        let Some(number) = merged_pr_of(&listed, sha) else {
            return Fact::Known(None);
        };
        Fact::from_result(self.pull_request(number).await.map(|p| {
            Some(PullFacts {
                number,
                merged: p.merged.unwrap_or(p.merged_at.is_some()),
                author: p.user.map(|u| u.login).unwrap_or_default(),
                head_sha: p.head.map(|h| h.sha).unwrap_or_default(),
            })
        }))
    }

    pub async fn review_facts(&self, pr: u64) -> Fact<Vec<ReviewFact>> {
        Fact::from_result(self.reviews(pr).await.map(|list| {
            list.into_iter()
                .filter_map(|r| {
                    Some(ReviewFact {
                        login: r.user?.login,
                        state: r.state,
                        commit_id: r.commit_id,
                    })
                })
                .collect()
        }))
    }

    /// Team memberships for every `(org, slug)` x login pair the approval rule may ask.
    pub async fn memberships(
        &self,
        teams: &[(String, String)],
        logins: &[String],
    ) -> BTreeMap<(String, String, String), Fact<bool>> {
        let mut out = BTreeMap::new();
        for (org, slug) in teams {
            for login in logins {
                let key = (org.clone(), slug.clone(), login.to_ascii_lowercase());
                if out.contains_key(&key) {
                    continue;
                }
                let fact = Fact::from_result(self.team_member(org, slug, login).await);
                out.insert(key, fact);
            }
        }
        out
    }
}
