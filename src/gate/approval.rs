//! Approval: the pull request merged into this commit has enough approvals from people who
//! count. Each reviewer's latest decisive review counts, never the author's, and only when
//! given on the PR's final head commit (an approval of an older push saw other code).

use std::collections::BTreeMap;

use super::{Fact, GateId, Refusal, short_sha};
use crate::config::values::Approver;

/// The merged pull request behind the commit being applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullFacts {
    pub number: u64,
    pub merged: bool,
    pub author: String,
    pub head_sha: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFact {
    pub login: String,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED`, `PENDING`.
    pub state: String,
    pub commit_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub required: u32,
    pub from: Vec<Approver>,
    /// Count approvals given on an earlier head commit of the PR.
    pub allow_stale: bool,
}

/// Why a reviewer's approval does not count; shown so the user sees what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotCounted {
    Stale { commit: String },
    NotListed,
}

/// Logins whose latest decisive review approves, the author excluded, in login order, each
/// with the commit it was given on. Reviews come oldest first (GitHub's order); `COMMENTED`
/// and `PENDING` do not change a decision, `DISMISSED` withdraws it, a later
/// `CHANGES_REQUESTED` overrides an approval. Logins compare case-insensitively.
pub fn latest_approvals(reviews: &[ReviewFact], author: &str) -> Vec<(String, Option<String>)> {
    let mut latest: BTreeMap<String, &ReviewFact> = BTreeMap::new();
    for r in reviews {
        if matches!(r.state.as_str(), "COMMENTED" | "PENDING") {
            continue;
        }
        latest.insert(r.login.to_ascii_lowercase(), r);
    }
    let author = author.to_ascii_lowercase();
    latest
        .into_iter()
        .filter(|(login, r)| r.state == "APPROVED" && *login != author)
        .map(|(login, r)| (login, r.commit_id.clone()))
        .collect()
}

/// The teams a membership lookup is needed for: `(org, slug)` per `team:` approver.
pub fn teams(from: &[Approver], owner: &str) -> Vec<(String, String)> {
    from.iter()
        .filter_map(|a| match a {
            Approver::Team { org, slug } => Some((
                org.clone().unwrap_or_else(|| owner.to_string()),
                slug.clone(),
            )),
            Approver::User(_) => None,
        })
        .collect()
}

pub fn check(
    env: &str,
    sha: &str,
    policy: &Policy,
    pull: Fact<Option<PullFacts>>,
    reviews: Fact<Vec<ReviewFact>>,
    owner: &str,
    is_member: impl Fn(&str, &str, &str) -> Fact<bool>,
) -> Result<(), Refusal> {
    // A policy that names nobody or asks for nothing is not an approval rule; config loading
    // refuses both, and the rule refuses them too rather than read them as "anyone".
    if policy.from.is_empty() || policy.required == 0 {
        return Err(Refusal::new(
            GateId::Approval,
            env,
            vec![format!(
                "the approval rule of `{env}` is empty (approval.from lists {} approver(s), required is {})",
                policy.from.len(),
                policy.required
            )],
            "list who may approve in approval.from and require at least 1 approval in tfpromote.yaml",
        ));
    }
    let pull = match pull {
        Fact::Unknown(why) => {
            return Err(Refusal::undecidable(
                GateId::Approval,
                env,
                &format!("the pull request merged into {}", short_sha(sha)),
                &why,
            ));
        }
        Fact::Known(None) => {
            return Err(Refusal::new(
                GateId::Approval,
                env,
                vec![format!(
                    "no merged pull request introduced {}: `{env}` needs an approved pull request",
                    short_sha(sha)
                )],
                "change infrastructure through a reviewed pull request; direct pushes are never promoted to this environment",
            ));
        }
        Fact::Known(Some(p)) => p,
    };
    if !pull.merged {
        return Err(Refusal::new(
            GateId::Approval,
            env,
            vec![format!("pull request #{} is not merged", pull.number)],
            "merge the pull request; only merged pull requests are promoted",
        ));
    }
    let reviews = match reviews {
        Fact::Known(r) => r,
        Fact::Unknown(why) => {
            return Err(Refusal::undecidable(
                GateId::Approval,
                env,
                &format!("the reviews of #{}", pull.number),
                &why,
            ));
        }
    };
    let mut counted = Vec::new();
    let mut skipped = Vec::new();
    let mut undecided = Vec::new();
    for (login, commit) in latest_approvals(&reviews, &pull.author) {
        let on_head = commit.as_deref() == Some(pull.head_sha.as_str());
        if !on_head && !policy.allow_stale {
            let commit = commit.unwrap_or_else(|| "an unknown commit".into());
            skipped.push((login, NotCounted::Stale { commit }));
            continue;
        }
        match listed(&login, &policy.from, owner, &is_member) {
            Fact::Known(true) => counted.push(login),
            Fact::Known(false) => skipped.push((login, NotCounted::NotListed)),
            Fact::Unknown(why) => undecided.push((login, why)),
        }
    }
    if counted.len() as u32 >= policy.required {
        return Ok(());
    }
    let mut facts = vec![format!(
        "pull request #{} (by {}) has {} of {} required approval(s) that count{}",
        pull.number,
        pull.author,
        counted.len(),
        policy.required,
        if counted.is_empty() {
            String::new()
        } else {
            format!(": {}", counted.join(", "))
        }
    )];
    for (login, why) in &skipped {
        facts.push(match why {
            NotCounted::Stale { commit } => format!(
                "{login} approved {} but the final head is {}",
                short_sha(commit),
                short_sha(&pull.head_sha)
            ),
            NotCounted::NotListed => format!("{login} is not in approval.from"),
        });
    }
    for (login, why) in &undecided {
        facts.push(format!("could not check whether {login} counts: {why}"));
    }
    let from: Vec<String> = policy.from.iter().map(describe).collect();
    let next = if undecided.is_empty() {
        format!(
            "get {} approval(s) on #{} at its final commit from {}, then re-run this job",
            policy.required,
            pull.number,
            if from.is_empty() {
                "the reviewers `approval.from` must list (it lists nobody)".to_string()
            } else {
                from.join(", ")
            }
        )
    } else {
        "give the token `members: read` on the organisation (a GitHub App or fine-grained token) so team membership can be checked, then re-run".to_string()
    };
    Err(Refusal::new(GateId::Approval, env, facts, next))
}

fn listed(
    login: &str,
    from: &[Approver],
    owner: &str,
    is_member: &impl Fn(&str, &str, &str) -> Fact<bool>,
) -> Fact<bool> {
    // An empty list names nobody, so nobody counts: config loading rejects it, and the rule
    // never reads it as "anyone" should a policy reach it another way.
    let mut unknown = None;
    for approver in from {
        match approver {
            Approver::User(u) if u.eq_ignore_ascii_case(login) => return Fact::Known(true),
            Approver::User(_) => {}
            Approver::Team { org, slug } => {
                match is_member(org.as_deref().unwrap_or(owner), slug, login) {
                    Fact::Known(true) => return Fact::Known(true),
                    Fact::Known(false) => {}
                    Fact::Unknown(why) => unknown = Some(why),
                }
            }
        }
    }
    match unknown {
        Some(why) => Fact::Unknown(why),
        None => Fact::Known(false),
    }
}

fn describe(a: &Approver) -> String {
    match a {
        Approver::User(u) => format!("user:{u}"),
        Approver::Team { org: Some(o), slug } => format!("team:{o}/{slug}"),
        Approver::Team { org: None, slug } => format!("team:{slug}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(login: &str, state: &str, commit: &str) -> ReviewFact {
        ReviewFact {
            login: login.into(),
            state: state.into(),
            commit_id: Some(commit.into()),
        }
    }

    fn pull(merged: bool) -> Fact<Option<PullFacts>> {
        Fact::Known(Some(PullFacts {
            number: 7,
            merged,
            author: "Author".into(),
            head_sha: "head".into(),
        }))
    }

    fn policy() -> Policy {
        Policy {
            required: 1,
            from: vec![Approver::Team {
                org: None,
                slug: "admins".into(),
            }],
            allow_stale: false,
        }
    }

    fn member(_: &str, slug: &str, login: &str) -> Fact<bool> {
        Fact::Known(slug == "admins" && login != "outsider")
    }

    fn run(reviews: Vec<ReviewFact>, merged: bool) -> Result<(), Refusal> {
        check(
            "prod",
            "sha",
            &policy(),
            pull(merged),
            Fact::Known(reviews),
            "acme",
            member,
        )
    }

    #[test]
    fn latest_decisive_review_wins_and_author_is_ignored() {
        let reviews = [
            review("alice", "APPROVED", "h"),
            review("alice", "COMMENTED", "h"),
            review("bob", "APPROVED", "h"),
            review("bob", "CHANGES_REQUESTED", "h"),
            review("carol", "CHANGES_REQUESTED", "h"),
            review("carol", "APPROVED", "h"),
            review("dave", "APPROVED", "h"),
            review("dave", "DISMISSED", "h"),
            review("author", "APPROVED", "h"),
        ];
        let logins: Vec<String> = latest_approvals(&reviews, "Author")
            .into_iter()
            .map(|(l, _)| l)
            .collect();
        assert_eq!(logins, vec!["alice", "carol"]);
    }

    #[test]
    fn a_qualifying_approval_on_the_head_allows() {
        assert!(run(vec![review("alice", "APPROVED", "head")], true).is_ok());
    }

    #[test]
    fn no_approval_author_only_dismissed_stale_unlisted_or_unmerged_refuses() {
        for (reviews, merged, needle) in [
            (vec![], true, "0 of 1"),
            (vec![review("Author", "APPROVED", "head")], true, "0 of 1"),
            (
                vec![
                    review("alice", "APPROVED", "head"),
                    review("alice", "DISMISSED", "head"),
                ],
                true,
                "0 of 1",
            ),
            (
                vec![review("alice", "APPROVED", "older")],
                true,
                "final head",
            ),
            (
                vec![review("outsider", "APPROVED", "head")],
                true,
                "not in approval.from",
            ),
            (
                vec![review("alice", "APPROVED", "head")],
                false,
                "not merged",
            ),
        ] {
            let r = run(reviews.clone(), merged).expect_err("refused");
            assert_eq!(r.rule, GateId::Approval);
            assert!(r.facts.iter().any(|f| f.contains(needle)), "{needle}: {r}");
        }
    }

    #[test]
    fn stale_approvals_count_only_when_allowed() {
        let mut p = policy();
        p.allow_stale = true;
        let r = check(
            "prod",
            "sha",
            &p,
            pull(true),
            Fact::Known(vec![review("alice", "APPROVED", "older")]),
            "acme",
            member,
        );
        assert!(r.is_ok());
    }

    #[test]
    fn unknown_facts_refuse() {
        assert!(
            check(
                "prod",
                "s",
                &policy(),
                Fact::Unknown("502".into()),
                Fact::Known(vec![]),
                "o",
                member
            )
            .is_err()
        );
        assert!(
            check(
                "prod",
                "s",
                &policy(),
                Fact::Known(None),
                Fact::Known(vec![]),
                "o",
                member
            )
            .is_err()
        );
        let forbidden = |_: &str, _: &str, _: &str| Fact::Unknown("HTTP 403".into());
        let r = check(
            "prod",
            "s",
            &policy(),
            pull(true),
            Fact::Known(vec![review("alice", "APPROVED", "head")]),
            "o",
            forbidden,
        )
        .expect_err("refused");
        assert!(r.next.contains("members: read"));
    }

    #[test]
    fn users_are_matched_without_lookups() {
        let p = Policy {
            required: 1,
            from: vec![Approver::User("Alice".into())],
            allow_stale: false,
        };
        let never = |_: &str, _: &str, _: &str| -> Fact<bool> { panic!("no team lookup") };
        assert!(
            check(
                "prod",
                "s",
                &p,
                pull(true),
                Fact::Known(vec![review("alice", "APPROVED", "head")]),
                "o",
                never
            )
            .is_ok()
        );
    }
}
