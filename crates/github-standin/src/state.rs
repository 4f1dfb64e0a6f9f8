//! The stand-in's memory: one repository's commits, pull requests, reviews, statuses,
//! deployments, issues, environments, plus the org's teams and users, and the record of
//! every request. Plain data with the mutations both control surfaces (Rust and HTTP) share.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Instant, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The login a workflow's `GITHUB_TOKEN` writes as, in every workflow of the repository
/// (a pull request's own workflow included); also the identity of any token the stand-in
/// was not told about.
pub const BOT: &str = "github-actions[bot]";

/// Who a token belongs to, as GitHub would resolve it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TokenOwner {
    pub token: String,
    /// The login writes appear under: `github-actions[bot]` for a workflow token, the
    /// user's login for a personal access token.
    pub login: String,
    /// A workflow's `GITHUB_TOKEN` (an installation token of the repository only): GitHub
    /// answers it 403 on organisation reads such as team membership.
    #[serde(default)]
    pub workflow: bool,
}

/// A workflow run of the repository, as the Actions API lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorkflowRun {
    #[serde(default)]
    pub id: u64,
    /// The workflow file, `.github/workflows/promote.yml`.
    pub path: String,
    /// `push`, `workflow_dispatch`, `pull_request`, ...
    pub event: String,
    pub head_branch: String,
    pub head_sha: String,
    #[serde(default = "bot")]
    pub actor: String,
    #[serde(default)]
    pub jobs: Vec<Job>,
}

fn bot() -> String {
    BOT.into()
}

/// One job of a run (the latest attempt).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Job {
    #[serde(default)]
    pub id: u64,
    pub name: String,
    /// queued, in_progress or completed.
    pub status: String,
    /// success, failure, cancelled, skipped, ... once completed.
    #[serde(default)]
    pub conclusion: Option<String>,
}

/// An edit of a comment after it was created: who, and the body it replaced.
#[derive(Debug, Clone, Serialize)]
pub struct CommentEdit {
    pub comment_id: u64,
    pub editor: String,
    pub previous: String,
    pub at: String,
}

/// A failure to inject into the next calls of one operation.
#[derive(Debug, Clone, Serialize)]
pub enum Fault {
    /// Perform the operation, then answer with this status (the outcome looks unknown).
    After(u16),
    /// Answer with this status, headers and message without performing the operation.
    Before(u16, Vec<(String, String)>, String),
}

impl Fault {
    pub fn secondary_rate_limit(retry_after: u64) -> Fault {
        Fault::Before(
            403,
            vec![("retry-after".into(), retry_after.to_string())],
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.".into(),
        )
    }

    pub fn read_only() -> Fault {
        Fault::Before(403, vec![], "Resource not accessible by integration".into())
    }
}

/// One request as received, with the operation it was routed to ("" when none).
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub operation: String,
    pub method: String,
    pub path: String,
    pub body: String,
    pub status: u16,
    #[serde(skip)]
    pub at: Instant,
    /// When the request arrived, in microseconds since the Unix epoch: wall-clock time, so
    /// another process (a benchmark timing a run from its start to its first comment) can
    /// line it up with its own clock through `/_standin/state`.
    pub received_unix_us: u64,
}

/// An issue or pull request comment.
#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    pub id: u64,
    /// The issue or pull request number.
    pub pr: u64,
    pub author: String,
    pub body: String,
}

/// A pull request as a test or the sandbox sets it up. Merged means closed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Pull {
    pub number: u64,
    pub author: String,
    pub head_sha: String,
    #[serde(default = "default_base")]
    pub base_ref: String,
    #[serde(default)]
    pub merged: bool,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
}

fn default_base() -> String {
    "main".into()
}

/// A pull request as stored: what was set plus what GitHub derives.
#[derive(Debug, Clone, Serialize)]
pub struct StoredPull {
    #[serde(flatten)]
    pub pull: Pull,
    /// `open` or `closed`.
    pub state: String,
    pub merged_at: Option<String>,
    /// Label names, in the order they were added (each change is an [`IssueEvent`]).
    pub labels: Vec<String>,
}

/// One entry of an issue's or pull request's event list (`GET .../issues/{n}/events`):
/// `labeled`, `unlabeled` or `head_ref_force_pushed`, with who did it and when, as GitHub
/// records it (the actor is the token's owner; nobody can choose it).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IssueEvent {
    /// Chronological: a later event has a larger id.
    pub id: u64,
    /// The issue or pull request number.
    pub issue: u64,
    pub event: String,
    pub actor: String,
    /// The label's name (`labeled` and `unlabeled` only).
    pub label: Option<String>,
    /// The GitHub App the change was made through: a workflow's `GITHUB_TOKEN` is the
    /// GitHub Actions app's installation token.
    pub via_app: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// Chronological: a later review has a larger id.
    pub id: u64,
    pub pr: u64,
    pub login: String,
    /// APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED or PENDING.
    pub state: String,
    pub commit_id: String,
    pub submitted_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub id: u64,
    /// The identity of the token that posted it.
    pub creator: String,
    pub sha: String,
    pub state: String,
    pub context: String,
    pub description: Option<String>,
    pub target_url: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeploymentStatus {
    pub id: u64,
    pub state: String,
    pub description: String,
    pub environment: String,
    pub environment_url: String,
    pub log_url: String,
    pub creator: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deployment {
    pub id: u64,
    pub sha: String,
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub task: String,
    pub environment: String,
    pub payload: Value,
    pub description: Option<String>,
    pub production_environment: bool,
    pub transient_environment: bool,
    pub creator: String,
    pub created_at: String,
    /// Oldest first.
    pub statuses: Vec<DeploymentStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    /// `open` or `closed`.
    pub state: String,
    pub state_reason: Option<String>,
    pub labels: Vec<String>,
    pub creator: String,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
}

/// A required reviewer of an environment: `User` or `Team` by id.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reviewer {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BranchPolicySetting {
    pub protected_branches: bool,
    pub custom_branch_policies: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BranchPolicy {
    pub id: u64,
    pub name: String,
    /// `branch` or `tag`.
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    pub id: u64,
    pub name: String,
    pub wait_timer: u64,
    pub prevent_self_review: bool,
    pub reviewers: Vec<Reviewer>,
    pub deployment_branch_policy: Option<BranchPolicySetting>,
    pub branch_policies: Vec<BranchPolicy>,
    pub created_at: String,
    pub updated_at: String,
}

/// The repository's OIDC subject claim template; GitHub's default is `use_default: true`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OidcSub {
    pub use_default: bool,
    pub include_claim_keys: Vec<String>,
}

/// One environment approval (or rejection) recorded on a workflow run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunApproval {
    pub run_id: u64,
    pub environments: Vec<String>,
    /// `approved`, `rejected` or `pending`.
    pub state: String,
    pub login: String,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Team {
    pub id: u64,
    pub org: String,
    pub slug: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: u64,
    pub login: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamMember {
    pub org: String,
    pub slug: String,
    pub login: String,
}

/// How `base...head` relate in the commit graph, as the Compare API reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// identical, ahead, behind or diverged.
    pub status: &'static str,
    pub ahead_by: usize,
    pub behind_by: usize,
    pub merge_base: Option<String>,
    /// Commits in head but not in base, oldest first.
    pub commits: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct State {
    #[serde(skip)]
    next_id: u64,
    /// sha -> parents.
    pub commits: BTreeMap<String, Vec<String>>,
    /// Branch name -> head sha (refs other than SHAs resolve through this).
    pub branches: BTreeMap<String, String>,
    pub pulls: BTreeMap<u64, StoredPull>,
    /// PRs listed for a commit regardless of the graph (number, merged).
    pub prs_for_commit: BTreeMap<String, Vec<(u64, bool)>>,
    pub reviews: Vec<Review>,
    /// Label changes and force pushes of issues and pull requests, oldest first.
    pub issue_events: Vec<IssueEvent>,
    /// Login (lower case) -> repository permission (`admin`, `maintain`, `write`, `triage`,
    /// `read`, `none`); anyone else has `read` (public repository) or `none` (private).
    pub permissions: BTreeMap<String, String>,
    pub comments: Vec<Comment>,
    pub statuses: Vec<Status>,
    pub deployments: Vec<Deployment>,
    pub issues: Vec<Issue>,
    pub environments: Vec<Environment>,
    pub oidc_sub: Option<OidcSub>,
    pub run_approvals: Vec<RunApproval>,
    pub teams: Vec<Team>,
    pub users: Vec<User>,
    pub team_members: Vec<TeamMember>,
    /// Published releases (what the action's installer downloads).
    pub releases: Vec<crate::api::releases::Release>,
    /// A private (or internal) repository: anonymous release reads answer 404.
    pub private: bool,
    /// Tokens the stand-in knows the owner of; any other token is a workflow's.
    pub tokens: Vec<TokenOwner>,
    pub runs: Vec<WorkflowRun>,
    /// Run ids re-run through the API (`actions/re-run-workflow`), in order.
    pub reruns: Vec<u64>,
    pub comment_edits: Vec<CommentEdit>,
    /// OIDC ID-token request tokens -> the claims of the job that holds them.
    pub oidc_jobs: Vec<crate::oidc::OidcJob>,
    /// GitHub's ids of the served repository and its owner (new ones when a test deletes
    /// and re-creates the repository under the same name).
    pub repository_ids: crate::oidc::RepositoryIds,
    #[serde(skip)]
    pub faults: Vec<(String, Fault, usize)>,
    pub requests: Vec<Recorded>,
    pub violations: Vec<String>,
}

/// Now, as GitHub writes times (`2026-11-28T05:00:00Z`).
pub fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

impl State {
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn add_commit(&mut self, sha: &str, parents: &[String]) {
        self.commits.insert(sha.to_string(), parents.to_vec());
    }

    /// Resolves a branch name to its head; anything else is taken as a SHA.
    pub fn resolve(&self, git_ref: &str) -> String {
        let name = git_ref.strip_prefix("refs/heads/").unwrap_or(git_ref);
        self.branches
            .get(name)
            .cloned()
            .unwrap_or_else(|| git_ref.to_string())
    }

    /// Adds or replaces a pull request; a replaced one keeps its labels (they are changed
    /// only through label calls, which record events).
    pub fn add_pull(&mut self, pull: Pull) {
        self.user_id(&pull.author);
        let labels = self
            .pulls
            .get(&pull.number)
            .map(|p| p.labels.clone())
            .unwrap_or_default();
        let stored = StoredPull {
            state: if pull.merged { "closed" } else { "open" }.into(),
            merged_at: pull.merged.then(now),
            pull,
            labels,
        };
        self.pulls.insert(stored.pull.number, stored);
    }

    /// The labels of issue or pull request `number`, or None when there is neither.
    fn labels_mut(&mut self, number: u64) -> Option<&mut Vec<String>> {
        if let Some(p) = self.pulls.get_mut(&number) {
            return Some(&mut p.labels);
        }
        self.issues
            .iter_mut()
            .find(|i| i.number == number)
            .map(|i| &mut i.labels)
    }

    /// Records an event on issue or pull request `number` by `actor`, as GitHub does for
    /// every label change: a workflow's token acts through the GitHub Actions app.
    pub fn record_event(&mut self, number: u64, event: &str, actor: &str, label: Option<&str>) {
        self.user_id(actor);
        let id = 300_000 + self.next_id();
        self.issue_events.push(IssueEvent {
            id,
            issue: number,
            event: event.into(),
            actor: actor.into(),
            label: label.map(str::to_string),
            via_app: (actor == BOT).then(|| "github-actions".to_string()),
            created_at: now(),
        });
    }

    /// Sets the labels of `number` to `wanted` as `actor`: one `unlabeled` event per label
    /// dropped, one `labeled` per label added (a label already there records nothing, as
    /// on GitHub). Err when there is no such issue or pull request.
    pub fn set_labels(
        &mut self,
        number: u64,
        wanted: &[String],
        actor: &str,
    ) -> Result<(), String> {
        let Some(labels) = self.labels_mut(number) else {
            return Err(format!("no issue or pull request #{number}"));
        };
        let before = labels.clone();
        let mut after: Vec<String> = Vec::new();
        for name in wanted {
            if !after.contains(name) {
                after.push(name.clone());
            }
        }
        *labels = after.clone();
        for gone in before.iter().filter(|l| !after.contains(l)) {
            self.record_event(number, "unlabeled", actor, Some(gone));
        }
        for new in after.iter().filter(|l| !before.contains(l)) {
            self.record_event(number, "labeled", actor, Some(new));
        }
        Ok(())
    }

    /// Adds `names` to the labels of `number` as `actor`.
    pub fn add_labels(&mut self, number: u64, names: &[String], actor: &str) -> Result<(), String> {
        let mut wanted = self
            .labels_mut(number)
            .map(|l| l.clone())
            .unwrap_or_default();
        wanted.extend(names.iter().cloned());
        self.set_labels(number, &wanted, actor)
    }

    /// Removes label `name` from `number` as `actor`. Err when it is not there.
    pub fn remove_label(&mut self, number: u64, name: &str, actor: &str) -> Result<(), String> {
        let Some(labels) = self.labels_mut(number) else {
            return Err(format!("no issue or pull request #{number}"));
        };
        if !labels.iter().any(|l| l == name) {
            return Err(format!("#{number} has no label {name:?}"));
        }
        let wanted: Vec<String> = labels.iter().filter(|l| *l != name).cloned().collect();
        self.set_labels(number, &wanted, actor)
    }

    /// A force push of pull request `number`'s head branch to `head_sha` by `actor`:
    /// the head moves and GitHub records `head_ref_force_pushed` (an ordinary push records
    /// no issue event). Err when there is no such pull request.
    pub fn force_push(&mut self, number: u64, head_sha: &str, actor: &str) -> Result<(), String> {
        let Some(pull) = self.pulls.get_mut(&number) else {
            return Err(format!("no pull request #{number}"));
        };
        pull.pull.head_sha = head_sha.to_string();
        self.record_event(number, "head_ref_force_pushed", actor, None);
        Ok(())
    }

    /// Gives `login` a repository permission (`admin`, `maintain`, `write`, `triage`,
    /// `read`, `none`).
    pub fn set_permission(&mut self, login: &str, permission: &str) {
        self.user_id(login);
        self.permissions
            .insert(login.to_ascii_lowercase(), permission.to_string());
    }

    /// `login`'s permission on the repository, as the collaborator permission API answers.
    pub fn permission(&self, login: &str) -> String {
        match self.permissions.get(&login.to_ascii_lowercase()) {
            Some(p) => p.clone(),
            None if self.private => "none".into(),
            None => "read".into(),
        }
    }

    /// Merges an open pull request as GitHub's merge button does: a merge commit `sha`
    /// whose parents are the default branch's head (when known) and the PR's head, the
    /// default branch moved to it, the PR closed and merged. Err names what is wrong.
    pub fn merge_pull(&mut self, number: u64, sha: &str) -> Result<(), String> {
        let Some(pull) = self.pulls.get(&number).map(|p| p.pull.clone()) else {
            return Err(format!("no pull request #{number}"));
        };
        if pull.merged {
            return Err(format!("pull request #{number} is already merged"));
        }
        let mut parents: Vec<String> = self
            .branches
            .get(&pull.base_ref)
            .cloned()
            .into_iter()
            .collect();
        if !pull.head_sha.is_empty() && !parents.contains(&pull.head_sha) {
            parents.push(pull.head_sha.clone());
        }
        self.add_commit(sha, &parents);
        self.branches.insert(pull.base_ref.clone(), sha.to_string());
        if let Some(stored) = self.pulls.get_mut(&number) {
            stored.pull.merged = true;
            stored.pull.merge_commit_sha = Some(sha.to_string());
            stored.state = "closed".into();
            stored.merged_at = Some(now());
        }
        Ok(())
    }

    pub fn close_pull(&mut self, number: u64) -> bool {
        match self.pulls.get_mut(&number) {
            Some(p) => {
                p.state = "closed".into();
                true
            }
            None => false,
        }
    }

    pub fn add_review(&mut self, pr: u64, login: &str, state: &str, commit_id: &str) -> u64 {
        self.user_id(login);
        let id = self.next_id();
        self.reviews.push(Review {
            id,
            pr,
            login: login.into(),
            state: state.into(),
            commit_id: commit_id.into(),
            submitted_at: now(),
        });
        id
    }

    pub fn add_comment(&mut self, pr: u64, author: &str, body: &str) -> u64 {
        let id = 1_000 + self.next_id();
        self.comments.push(Comment {
            id,
            pr,
            author: author.into(),
            body: body.into(),
        });
        id
    }

    /// The id of a user, registering the login on first sight.
    pub fn user_id(&mut self, login: &str) -> u64 {
        if let Some(u) = self
            .users
            .iter()
            .find(|u| u.login.eq_ignore_ascii_case(login))
        {
            return u.id;
        }
        let id = 5_000 + self.next_id();
        self.users.push(User {
            id,
            login: login.into(),
        });
        id
    }

    /// The id of a team, registering it on first sight.
    pub fn team_id(&mut self, org: &str, slug: &str) -> u64 {
        if let Some(t) = self.teams.iter().find(|t| t.org == org && t.slug == slug) {
            return t.id;
        }
        let id = 9_000 + self.next_id();
        self.teams.push(Team {
            id,
            org: org.into(),
            slug: slug.into(),
        });
        id
    }

    pub fn add_team_member(&mut self, org: &str, slug: &str, login: &str) {
        self.team_id(org, slug);
        self.user_id(login);
        self.team_members.push(TeamMember {
            org: org.into(),
            slug: slug.into(),
            login: login.into(),
        });
    }

    /// Every commit reachable from `sha` (itself included), or None when `sha` is unknown.
    fn ancestors(&self, sha: &str) -> Option<BTreeSet<String>> {
        self.commits.get(sha)?;
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([sha.to_string()]);
        while let Some(next) = queue.pop_front() {
            if !seen.insert(next.clone()) {
                continue;
            }
            for parent in self.commits.get(&next).into_iter().flatten() {
                queue.push_back(parent.clone());
            }
        }
        Some(seen)
    }

    /// Compares `base...head` over the commit graph; None when either is unknown.
    pub fn compare(&self, base: &str, head: &str) -> Option<Comparison> {
        let (base, head) = (self.resolve(base), self.resolve(head));
        let from_base = self.ancestors(&base)?;
        let from_head = self.ancestors(&head)?;
        let ahead: BTreeSet<&String> = from_head.difference(&from_base).collect();
        let behind = from_base.difference(&from_head).count();
        let status = match (ahead.is_empty(), behind == 0) {
            (true, true) => "identical",
            (false, true) => "ahead",
            (true, false) => "behind",
            (false, false) => "diverged",
        };
        // The merge base: a common ancestor that no other common ancestor descends from.
        let common: BTreeSet<&String> = from_base.intersection(&from_head).collect();
        let merge_base = common
            .iter()
            .find(|c| {
                !common.iter().any(|other| {
                    other != *c
                        && self
                            .ancestors(other)
                            .is_some_and(|a| a.contains(c.as_str()))
                })
            })
            .map(|c| c.to_string());
        // Oldest first: a commit comes after all of its ancestors in the list.
        let mut commits: Vec<String> = ahead.iter().map(|c| c.to_string()).collect();
        commits.sort_by_key(|c| self.ancestors(c).map_or(0, |a| a.len()));
        Some(Comparison {
            status,
            ahead_by: ahead.len(),
            behind_by: behind,
            merge_base,
            commits,
        })
    }

    /// The newest status of each context on `sha`, newest first.
    pub fn latest_statuses(&self, sha: &str) -> Vec<&Status> {
        let mut seen = BTreeSet::new();
        self.statuses
            .iter()
            .rev()
            .filter(|s| s.sha == sha && seen.insert(s.context.clone()))
            .collect()
    }

    /// Who `authorization` (the header's value) is: a registered token's owner, otherwise
    /// `github-actions[bot]`. Second: whether it is registered as a workflow's
    /// `GITHUB_TOKEN`. A token never registered writes as the bot yet may read teams: the
    /// tests' stand-in for an app token with `members: read`.
    pub fn identity(&self, authorization: Option<&str>) -> (String, bool) {
        let token = authorization
            .map(|v| {
                v.trim_start_matches("Bearer ")
                    .trim_start_matches("token ")
                    .trim()
            })
            .unwrap_or("");
        match self.tokens.iter().find(|t| t.token == token) {
            Some(t) => (t.login.clone(), t.workflow),
            None => (BOT.to_string(), false),
        }
    }

    /// Adds a workflow run (a fresh id when 0); returns its id.
    pub fn add_run(&mut self, mut run: WorkflowRun) -> u64 {
        if run.id == 0 {
            run.id = 70_000 + self.next_id();
        }
        for job in &mut run.jobs {
            if job.id == 0 {
                job.id = 80_000 + self.next_id();
            }
        }
        let id = run.id;
        self.runs.retain(|r| r.id != id);
        self.runs.push(run);
        id
    }

    /// Creates or updates the job `name` of run `run_id`, as the runner reports its
    /// progress. Err when the run is unknown.
    pub fn set_job(&mut self, run_id: u64, mut job: Job) -> Result<u64, String> {
        let fresh = 80_000 + self.next_id();
        let Some(run) = self.runs.iter_mut().find(|r| r.id == run_id) else {
            return Err(format!("no workflow run {run_id}"));
        };
        match run.jobs.iter_mut().find(|j| j.name == job.name) {
            Some(existing) => {
                job.id = existing.id;
                *existing = job.clone();
            }
            None => {
                if job.id == 0 {
                    job.id = fresh;
                }
                run.jobs.push(job.clone());
            }
        }
        Ok(job.id)
    }

    pub fn take_fault(&mut self, operation: &str) -> Option<Fault> {
        self.faults
            .iter_mut()
            .find(|(id, _, n)| id == operation && *n > 0)
            .map(|f| {
                f.2 -= 1;
                f.1.clone()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph() -> State {
        // a - b - c (main)
        //      \
        //       d     (a branch off b)
        let mut s = State::default();
        s.add_commit("a", &[]);
        s.add_commit("b", &["a".into()]);
        s.add_commit("c", &["b".into()]);
        s.add_commit("d", &["b".into()]);
        s
    }

    #[test]
    fn compare_reports_each_relation() {
        let s = graph();
        assert_eq!(s.compare("c", "c").map(|c| c.status), Some("identical"));
        let ahead = s.compare("a", "c").expect("known");
        assert_eq!(
            (ahead.status, ahead.ahead_by, ahead.behind_by),
            ("ahead", 2, 0)
        );
        assert_eq!(ahead.commits, vec!["b".to_string(), "c".to_string()]);
        let behind = s.compare("c", "a").expect("known");
        assert_eq!((behind.status, behind.behind_by), ("behind", 2));
        let diverged = s.compare("c", "d").expect("known");
        assert_eq!(
            (diverged.status, diverged.ahead_by, diverged.behind_by),
            ("diverged", 1, 1)
        );
        assert_eq!(diverged.merge_base.as_deref(), Some("b"));
        assert_eq!(s.compare("c", "zzz"), None);
    }

    #[test]
    fn merging_moves_the_base_branch_to_a_merge_commit() {
        let mut s = graph();
        s.branches.insert("main".into(), "c".into());
        s.add_pull(Pull {
            number: 4,
            author: "alice".into(),
            head_sha: "d".into(),
            base_ref: "main".into(),
            merged: false,
            merge_commit_sha: None,
        });
        assert_eq!(s.merge_pull(4, "m"), Ok(()));
        assert_eq!(s.commits["m"], ["c".to_string(), "d".to_string()]);
        assert_eq!(s.resolve("main"), "m");
        let pr = &s.pulls[&4];
        assert_eq!((pr.state.as_str(), pr.pull.merged), ("closed", true));
        assert_eq!(pr.pull.merge_commit_sha.as_deref(), Some("m"));
        assert!(pr.merged_at.is_some());
        assert_eq!(s.compare("c", "m").map(|c| c.status), Some("ahead"));
        assert!(s.merge_pull(4, "n").is_err(), "twice");
        assert!(s.merge_pull(5, "n").is_err(), "unknown");
    }

    #[test]
    fn latest_status_per_context_wins() {
        let mut s = State::default();
        for (state, context) in [("pending", "x"), ("success", "x"), ("failure", "y")] {
            let id = s.next_id();
            s.statuses.push(Status {
                id,
                creator: BOT.into(),
                sha: "a".into(),
                state: state.into(),
                context: context.into(),
                description: None,
                target_url: None,
                created_at: now(),
            });
        }
        let latest: Vec<(&str, &str)> = s
            .latest_statuses("a")
            .iter()
            .map(|s| (s.context.as_str(), s.state.as_str()))
            .collect();
        assert_eq!(latest, vec![("y", "failure"), ("x", "success")]);
    }
}
