//! Whether a label on a pull request counts as a person's decision. A policy's allow label
//! (`stateful_resources` lets a destroy of state through when the pull request carries
//! `tfpromote:allow-stateful-change`) must be evidence that a pull request cannot produce
//! for itself: its own workflow's `GITHUB_TOKEN` (`pull-requests: write`) can add labels
//! as `github-actions[bot]`, and its author can add them too. So a label counts only when
//! the pull request's events show that its latest addition was made by a person who is not
//! the author, not a bot, not through an app, who has write access to the repository, and
//! after the last force push of the head.
//!
//! Pure: the facts come from [`crate::github::labels`]; anything that could not be read is
//! a [`Fact::Unknown`] and the label does not count, with the reason.
//!
//! Why only force pushes: GitHub records a force push of the head as an event with its own
//! time (`head_ref_force_pushed`), which nobody can forge, so a label added before it never
//! covers the code pushed after it. An ordinary push records no issue event, and the
//! commits' dates are written by whoever made the commits, so they prove nothing; what
//! binds the reviewed code to an apply is the approval gate (approvals count only on the
//! final head commit), not the label.

use std::collections::BTreeMap;

use crate::gate::Fact;

/// One entry of a pull request's issue events, as far as the decision needs it. Events
/// come oldest first (GitHub's order); other kinds of event are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueEvent {
    /// `labeled`, `unlabeled`, `head_ref_force_pushed`, ...
    pub event: String,
    pub label: Option<String>,
    /// None when the account no longer exists.
    pub actor: Option<Actor>,
    /// The GitHub App the change was made through (`performed_via_github_app`).
    pub via_app: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub login: String,
    /// GitHub's account type: `User`, `Bot`, `Organization`.
    pub kind: String,
}

/// Everything the decision reads about one pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelFacts {
    /// The labels to judge: on the pull request now (GitHub's list of them).
    pub present: Vec<String>,
    /// The pull request's author; empty when unknown.
    pub author: String,
    pub events: Fact<Vec<IssueEvent>>,
    /// Lower-case login -> repository permission (`admin`, `maintain`, `write`, `triage`,
    /// `read`, `none`), for the logins [`permissions_needed`] names.
    pub permissions: BTreeMap<String, Fact<String>>,
}

/// What one label is worth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A person with write access other than the author added it last.
    Honoured { by: String, permission: String },
    /// It does not count; why, in words the pull request's reader can act on.
    Refused(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub label: String,
    pub verdict: Verdict,
}

impl Judged {
    pub fn honoured(&self) -> bool {
        matches!(self.verdict, Verdict::Honoured { .. })
    }

    /// `honoured: added by bob (write access)` or `not honoured: <why>`.
    pub fn explain(&self) -> String {
        match &self.verdict {
            Verdict::Honoured { by, permission } => {
                format!("honoured: added by {by} ({permission} access)")
            }
            Verdict::Refused(why) => format!("not honoured: {why}"),
        }
    }
}

/// Permissions that make a person's label count.
const WRITERS: [&str; 3] = ["admin", "maintain", "write"];

/// The labels in `present` that some policy names as a string (`"name"` or `` `name` ``
/// in a `.rego` file or in `data.json`): only those can change a policy's result, so only
/// those are judged (and cost GitHub calls). A policy that builds label names at run time
/// sees none of them.
pub fn named_by_policies(set: &super::PolicySet, present: &[String]) -> Vec<String> {
    let texts: Vec<&str> = set
        .files
        .iter()
        .map(|(_, text)| text.as_str())
        .chain(set.data.as_deref())
        .collect();
    let mut named: Vec<String> = Vec::new();
    for label in present {
        let quoted = format!("\"{label}\"");
        let raw = format!("`{label}`");
        if !named.contains(label)
            && texts
                .iter()
                .any(|t| t.contains(&quoted) || t.contains(&raw))
        {
            named.push(label.clone());
        }
    }
    named
}

/// The latest `labeled`/`unlabeled` event of `label`, and whether an earlier one exists.
fn latest_change<'a>(
    events: &'a [IssueEvent],
    label: &str,
) -> Option<(usize, &'a IssueEvent, bool)> {
    let changes: Vec<(usize, &IssueEvent)> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            matches!(e.event.as_str(), "labeled" | "unlabeled") && e.label.as_deref() == Some(label)
        })
        .collect();
    let (index, event) = *changes.last()?;
    Some((index, event, changes.len() > 1))
}

fn is_bot(actor: &Actor) -> bool {
    actor.kind.eq_ignore_ascii_case("bot") || actor.login.ends_with("[bot]")
}

/// The logins whose repository permission decides a label: the person who last added each
/// label in `present`, when nothing else already refuses it (a bot, an app, the author).
pub fn permissions_needed(present: &[String], events: &[IssueEvent], author: &str) -> Vec<String> {
    let mut logins: Vec<String> = Vec::new();
    for label in present {
        let Some((_, event, _)) = latest_change(events, label) else {
            continue;
        };
        let Some(actor) = &event.actor else { continue };
        if event.event != "labeled"
            || is_bot(actor)
            || event.via_app.is_some()
            || actor.login.eq_ignore_ascii_case(author)
        {
            continue;
        }
        let login = actor.login.to_ascii_lowercase();
        if !logins.contains(&login) {
            logins.push(login);
        }
    }
    logins
}

/// Each label in `facts.present`, honoured or refused with the reason.
pub fn judge(facts: &LabelFacts) -> Vec<Judged> {
    facts
        .present
        .iter()
        .map(|label| Judged {
            label: label.clone(),
            verdict: match verdict(facts, label) {
                Ok((by, permission)) => Verdict::Honoured { by, permission },
                Err(why) => Verdict::Refused(why),
            },
        })
        .collect()
}

/// The names of the honoured labels: what a policy's `input.labels` holds.
pub fn honoured(judged: &[Judged]) -> Vec<String> {
    judged
        .iter()
        .filter(|j| j.honoured())
        .map(|j| j.label.clone())
        .collect()
}

fn verdict(facts: &LabelFacts, label: &str) -> Result<(String, String), String> {
    let events = match &facts.events {
        Fact::Known(events) => events,
        Fact::Unknown(why) => {
            return Err(format!(
                "who added it is unknown: the pull request's events could not be read ({why}; reading them needs the job permission `issues: read`)"
            ));
        }
    };
    if facts.author.trim().is_empty() {
        return Err(
            "the pull request's author is unknown, so an addition by the author cannot be told apart"
                .into(),
        );
    }
    let Some((index, event, earlier)) = latest_change(events, label) else {
        return Err(
            "the pull request's events do not show it being added (a label renamed after it was added has no event under its new name); remove it and add it again"
                .into(),
        );
    };
    let who = |e: &IssueEvent| {
        e.actor
            .as_ref()
            .map_or("a deleted account".to_string(), |a| a.login.clone())
    };
    if event.event == "unlabeled" {
        return Err(format!(
            "its latest event removes it ({} removed it); add it again",
            who(event)
        ));
    }
    let added = if earlier {
        "removed and re-added"
    } else {
        "added"
    };
    let Some(actor) = &event.actor else {
        return Err(format!("{added} by an account that no longer exists"));
    };
    let login = &actor.login;
    if is_bot(actor) {
        return Err(format!("{added} by {login}, a bot"));
    }
    if let Some(app) = &event.via_app {
        return Err(format!("{added} by {login} through the GitHub App {app}"));
    }
    if login.eq_ignore_ascii_case(&facts.author) {
        return Err(format!("{added} by the pull request's author {login}"));
    }
    if let Some(push) = events[index..]
        .iter()
        .rfind(|e| e.event == "head_ref_force_pushed")
    {
        return Err(format!(
            "{added} by {login} before the head was force-pushed ({} at {}), so it does not cover the code pushed since; remove it and add it again",
            who(push),
            push.created_at
        ));
    }
    match facts.permissions.get(&login.to_ascii_lowercase()) {
        Some(Fact::Known(permission)) if WRITERS.contains(&permission.as_str()) => {
            Ok((login.clone(), permission.clone()))
        }
        Some(Fact::Known(permission)) => Err(format!(
            "{added} by {login} who has {permission} access (write access is needed)"
        )),
        Some(Fact::Unknown(why)) => Err(format!(
            "{added} by {login}, whose access to the repository could not be read ({why})"
        )),
        None => Err(format!(
            "{added} by {login}, whose access to the repository was not read"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABEL: &str = "tfpromote:allow-stateful-change";

    fn event(kind: &str, label: Option<&str>, login: &str, actor_kind: &str) -> IssueEvent {
        IssueEvent {
            event: kind.into(),
            label: label.map(str::to_string),
            actor: Some(Actor {
                login: login.into(),
                kind: actor_kind.into(),
            }),
            via_app: None,
            created_at: "2026-12-06T08:00:00Z".into(),
        }
    }

    fn labeled(login: &str) -> IssueEvent {
        event("labeled", Some(LABEL), login, "User")
    }

    fn unlabeled(login: &str) -> IssueEvent {
        event("unlabeled", Some(LABEL), login, "User")
    }

    /// The label on a pull request by alice, with these events and bob writing, carol
    /// reading.
    fn facts(events: Vec<IssueEvent>) -> LabelFacts {
        LabelFacts {
            present: vec![LABEL.into()],
            author: "alice".into(),
            events: Fact::Known(events),
            permissions: BTreeMap::from([
                ("bob".to_string(), Fact::Known("write".to_string())),
                ("carol".to_string(), Fact::Known("read".to_string())),
                ("dave".to_string(), Fact::Known("admin".to_string())),
            ]),
        }
    }

    fn refusal(facts: &LabelFacts) -> String {
        let judged = judge(facts);
        assert_eq!(judged.len(), 1);
        match &judged[0].verdict {
            Verdict::Refused(why) => why.clone(),
            other => panic!("must be refused: {other:?}"),
        }
    }

    #[test]
    fn a_writer_who_is_not_the_author_is_honoured() {
        let judged = judge(&facts(vec![labeled("bob")]));
        assert_eq!(
            judged,
            vec![Judged {
                label: LABEL.into(),
                verdict: Verdict::Honoured {
                    by: "bob".into(),
                    permission: "write".into()
                }
            }]
        );
        assert_eq!(honoured(&judged), vec![LABEL.to_string()]);
        assert_eq!(judged[0].explain(), "honoured: added by bob (write access)");
        let admin = judge(&facts(vec![labeled("Dave")]));
        assert!(admin[0].honoured(), "{admin:?}");
    }

    #[test]
    fn the_workflow_token_is_a_bot() {
        let mut bot = event("labeled", Some(LABEL), "github-actions[bot]", "Bot");
        bot.via_app = Some("github-actions".into());
        assert_eq!(
            refusal(&facts(vec![bot])),
            "added by github-actions[bot], a bot"
        );
        // A bot account is a bot whatever its type says.
        let named = event("labeled", Some(LABEL), "renovate[bot]", "User");
        assert_eq!(
            refusal(&facts(vec![named])),
            "added by renovate[bot], a bot"
        );
    }

    #[test]
    fn a_person_acting_through_an_app_is_refused() {
        let mut via = labeled("bob");
        via.via_app = Some("some-app".into());
        assert_eq!(
            refusal(&facts(vec![via])),
            "added by bob through the GitHub App some-app"
        );
    }

    #[test]
    fn the_author_is_refused_whatever_the_case() {
        assert_eq!(
            refusal(&facts(vec![labeled("Alice")])),
            "added by the pull request's author Alice"
        );
    }

    #[test]
    fn a_reader_is_refused() {
        assert_eq!(
            refusal(&facts(vec![labeled("carol")])),
            "added by carol who has read access (write access is needed)"
        );
    }

    #[test]
    fn an_unreadable_permission_is_refused_with_the_reason() {
        let mut f = facts(vec![labeled("erin")]);
        f.permissions.insert(
            "erin".into(),
            Fact::Unknown("GET .../permission: 403".into()),
        );
        assert_eq!(
            refusal(&f),
            "added by erin, whose access to the repository could not be read (GET .../permission: 403)"
        );
        let f = facts(vec![labeled("frank")]);
        assert!(refusal(&f).contains("was not read"), "{}", refusal(&f));
    }

    #[test]
    fn unreadable_events_are_refused_with_the_reason() {
        let mut f = facts(vec![]);
        f.events = Fact::Unknown("GET .../events: 500".into());
        assert_eq!(
            refusal(&f),
            "who added it is unknown: the pull request's events could not be read (GET .../events: 500; reading them needs the job permission `issues: read`)"
        );
    }

    #[test]
    fn an_unknown_author_is_refused() {
        let mut f = facts(vec![labeled("bob")]);
        f.author = String::new();
        assert!(refusal(&f).contains("author is unknown"), "{}", refusal(&f));
    }

    #[test]
    fn no_event_for_the_label_is_refused() {
        let other = event("labeled", Some("documentation"), "bob", "User");
        assert!(refusal(&facts(vec![other])).contains("do not show it being added"));
    }

    #[test]
    fn the_latest_addition_decides() {
        // bob's addition, then the bot removes and re-adds it: the bot's counts.
        let mut bot = event("labeled", Some(LABEL), "github-actions[bot]", "Bot");
        bot.via_app = Some("github-actions".into());
        let f = facts(vec![labeled("bob"), unlabeled("github-actions[bot]"), bot]);
        assert_eq!(
            refusal(&f),
            "removed and re-added by github-actions[bot], a bot"
        );
        // The author's addition, then a writer removes and re-adds it: the writer's counts.
        let judged = judge(&facts(vec![
            labeled("alice"),
            unlabeled("bob"),
            labeled("bob"),
        ]));
        assert!(judged[0].honoured(), "{judged:?}");
        // Other labels' events change nothing.
        let judged = judge(&facts(vec![
            labeled("bob"),
            event("labeled", Some("documentation"), "alice", "User"),
        ]));
        assert!(judged[0].honoured(), "{judged:?}");
    }

    #[test]
    fn a_label_whose_latest_event_removes_it_is_refused() {
        assert_eq!(
            refusal(&facts(vec![labeled("bob"), unlabeled("carol")])),
            "its latest event removes it (carol removed it); add it again"
        );
    }

    #[test]
    fn a_deleted_account_is_refused() {
        let mut ghost = labeled("x");
        ghost.actor = None;
        assert_eq!(
            refusal(&facts(vec![ghost])),
            "added by an account that no longer exists"
        );
    }

    #[test]
    fn a_force_push_after_the_label_voids_it_and_a_later_label_counts() {
        let mut push = event("head_ref_force_pushed", None, "alice", "User");
        push.created_at = "2026-12-06T09:00:00Z".into();
        let f = facts(vec![labeled("bob"), push.clone()]);
        assert_eq!(
            refusal(&f),
            "added by bob before the head was force-pushed (alice at 2026-12-06T09:00:00Z), so it does not cover the code pushed since; remove it and add it again"
        );
        let again = facts(vec![labeled("bob"), push, unlabeled("bob"), labeled("bob")]);
        assert!(judge(&again)[0].honoured());
    }

    #[test]
    fn permissions_are_needed_only_for_people_who_could_count() {
        let mut bot = event("labeled", Some("b"), "github-actions[bot]", "Bot");
        bot.via_app = Some("github-actions".into());
        let events = vec![
            event("labeled", Some("a"), "Bob", "User"),
            bot,
            event("labeled", Some("c"), "alice", "User"),
            event("labeled", Some("d"), "bob", "User"),
            event("labeled", Some("e"), "carol", "User"),
            event("unlabeled", Some("e"), "carol", "User"),
        ];
        let present: Vec<String> = ["a", "b", "c", "d", "e", "f"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(permissions_needed(&present, &events, "alice"), vec!["bob"]);
    }

    #[test]
    fn only_labels_a_policy_names_are_judged() {
        let set = crate::policy::PolicySet {
            source: "test".into(),
            files: vec![(
                "a.rego".into(),
                "package tfpromote.a\nx if { \"in-rego\" in input.labels }\ny if { `raw` in input.labels }\n"
                    .into(),
            )],
            data: Some(format!("{{\"platform\": {{\"allow\": \"{LABEL}\"}}}}")),
        };
        let present: Vec<String> = [LABEL, "in-rego", "raw", "documentation", "in"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            named_by_policies(&set, &present),
            vec![LABEL.to_string(), "in-rego".into(), "raw".into()]
        );
    }
}
