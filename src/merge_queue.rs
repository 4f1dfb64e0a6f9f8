//! GitHub's merge queue: a `merge_group` event names the commit the queue built for a pull
//! request (main plus every pull request ahead of it, plus this one), and that commit is
//! the one that lands on main. Pure: which pull request is queued, and the group's commits.

use serde::Deserialize;

/// The queue's group as the event names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The pull request this group was built for.
    pub pr: u64,
    /// The commit the queue built, that lands on main when the checks pass.
    pub head_sha: String,
    /// Main as the queue found it.
    pub base_sha: String,
}

#[derive(Deserialize)]
struct Event {
    merge_group: Option<Payload>,
}

#[derive(Deserialize)]
struct Payload {
    head_sha: String,
    head_ref: String,
    base_sha: String,
}

/// The pull request in a queue branch name: `refs/heads/gh-readonly-queue/<base>/pr-<n>-<sha>`.
pub fn queued_pr(head_ref: &str) -> Option<u64> {
    let name = head_ref.strip_prefix("refs/heads/").unwrap_or(head_ref);
    let rest = name.strip_prefix("gh-readonly-queue/")?;
    let last = rest.rsplit('/').next()?;
    let digits = last.strip_prefix("pr-")?.split('-').next()?;
    digits.parse().ok()
}

/// The group of a `merge_group` event's payload, or what is wrong with it.
pub fn parse(payload: &str) -> Result<Group, String> {
    let event: Event = serde_json::from_str(payload)
        .map_err(|e| format!("the merge_group event payload is not JSON: {e}"))?;
    let p = event.merge_group.ok_or(
        "the event payload has no `merge_group` (is the workflow triggered by merge_group?)",
    )?;
    let pr = queued_pr(&p.head_ref).ok_or_else(|| {
        format!(
            "the queue branch {:?} does not name a pull request (expected gh-readonly-queue/<base>/pr-<number>-<sha>)",
            p.head_ref
        )
    })?;
    Ok(Group {
        pr,
        head_sha: p.head_sha,
        base_sha: p.base_sha,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_branch_names_the_pull_request() {
        assert_eq!(
            queued_pr("refs/heads/gh-readonly-queue/main/pr-42-0123abcd"),
            Some(42)
        );
        assert_eq!(queued_pr("gh-readonly-queue/release/v2/pr-7-ffff"), Some(7));
        assert_eq!(queued_pr("refs/heads/main"), None);
        assert_eq!(queued_pr("refs/heads/gh-readonly-queue/main/prx-1-a"), None);
    }

    #[test]
    fn a_payload_parses_or_says_what_is_missing() {
        let group = parse(
            r#"{"merge_group":{"head_sha":"q3","head_ref":"refs/heads/gh-readonly-queue/main/pr-3-m1","base_sha":"m1","base_ref":"refs/heads/main"}}"#,
        )
        .expect("a group");
        assert_eq!(
            group,
            Group {
                pr: 3,
                head_sha: "q3".into(),
                base_sha: "m1".into()
            }
        );
        assert!(
            parse(r#"{"pull_request":{}}"#)
                .unwrap_err()
                .contains("merge_group")
        );
        assert!(parse("nope").unwrap_err().contains("not JSON"));
    }
}
