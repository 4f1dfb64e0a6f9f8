//! The in-process handle tests hold: start a stand-in, set up facts, read what happened.

use std::sync::{Arc, MutexGuard};

use crate::handler::Shared;
use crate::oidc::{OidcJob, RepositoryIds};
use crate::server::{self, Server};
use crate::state::{
    Comment, CommentEdit, Deployment, Environment, Fault, Issue, IssueEvent, Job, OidcSub, Pull,
    Recorded, RunApproval, State, Status, TokenOwner, WorkflowRun,
};

/// Where and what a stand-in serves.
#[derive(Debug, Clone)]
pub struct Options {
    /// 0 picks a free port.
    pub port: u16,
    /// `""` for github.com's layout, `/api/v3` for a GitHub Enterprise Server lookalike.
    pub prefix: String,
    /// `owner/name` of the one repository served.
    pub repo: String,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            port: 0,
            prefix: String::new(),
            repo: "octo/repo".into(),
        }
    }
}

/// A running stand-in; dropping it stops the server.
pub struct Standin {
    shared: Arc<Shared>,
    server: Server,
}

impl Standin {
    /// A stand-in for `octo/repo` on a random loopback port.
    pub async fn start() -> Standin {
        Standin::start_with_prefix("").await
    }

    /// A GitHub Enterprise Server lookalike: the API lives under `prefix` (`/api/v3`).
    pub async fn start_with_prefix(prefix: &str) -> Standin {
        Standin::start_with(Options {
            prefix: prefix.to_string(),
            ..Options::default()
        })
        .expect("a loopback port for the GitHub stand-in")
    }

    /// Starts with explicit options; fails only when the port cannot be bound.
    pub fn start_with(options: Options) -> std::io::Result<Standin> {
        let prefix = options.prefix.trim_end_matches('/').to_string();
        let (server, shared) = server::start(options.port, |addr| {
            Arc::new(Shared::new(
                &options.repo,
                &prefix,
                format!("http://{addr}{prefix}"),
            ))
        })?;
        Ok(Standin { shared, server })
    }

    /// `http://127.0.0.1:PORT` (without the API prefix).
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// The API base URL: what `GITHUB_API_URL` should say.
    pub fn api_url(&self) -> String {
        self.shared.base.clone()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }

    // ---- facts a test sets up

    pub fn add_commit(&self, sha: &str, parents: &[&str]) {
        let parents: Vec<String> = parents.iter().map(|p| p.to_string()).collect();
        self.state().add_commit(sha, &parents);
    }

    /// Points a branch at a commit (refs resolve through branches; `main` is the default
    /// branch `auto_merge` merges from).
    pub fn set_branch(&self, name: &str, sha: &str) {
        self.state().branches.insert(name.into(), sha.into());
    }

    pub fn add_pull(&self, pull: Pull) {
        self.state().add_pull(pull);
    }

    /// Merges an open pull request into its base branch with merge commit `sha` (parents:
    /// the base branch's head, when set, and the PR's head); the branch moves to `sha`.
    pub fn merge_pull(&self, number: u64, sha: &str) -> Result<(), String> {
        self.state().merge_pull(number, sha)
    }

    /// Closes a pull request without merging it.
    pub fn close_pull(&self, number: u64) {
        self.state().close_pull(number);
    }

    /// Records a review; returns its id (later reviews have larger ids).
    pub fn add_review(&self, pr: u64, login: &str, state: &str, commit_id: &str) -> u64 {
        self.state().add_review(pr, login, state, commit_id)
    }

    pub fn add_team_member(&self, org: &str, slug: &str, login: &str) {
        self.state().add_team_member(org, slug, login);
    }

    /// Makes a user known (`GET /users/{username}` answers 404 for unknown logins).
    pub fn add_user(&self, login: &str) -> u64 {
        self.state().user_id(login)
    }

    /// Makes a team known without members; returns its id.
    pub fn add_team(&self, org: &str, slug: &str) -> u64 {
        self.state().team_id(org, slug)
    }

    /// Publishes release `tag` with these assets (name, bytes).
    pub fn add_release(&self, tag: &str, assets: &[(&str, Vec<u8>)]) {
        crate::api::releases::add(&mut self.state(), tag, assets);
    }

    /// Makes the repository private: anonymous release downloads answer 404, as on GitHub.
    pub fn set_private(&self, private: bool) {
        self.state().private = private;
    }

    pub fn add_run_approval(&self, approval: RunApproval) {
        self.state().run_approvals.push(approval);
    }

    pub fn add_comment(&self, pr: u64, author: &str, body: &str) -> u64 {
        self.state().add_comment(pr, author, body)
    }

    /// Lists these PRs for `sha` whatever the graph says (number, merged).
    pub fn set_prs_for_commit(&self, sha: &str, prs: &[(u64, bool)]) {
        self.state().prs_for_commit.insert(sha.into(), prs.to_vec());
    }

    /// Sets the author of a PR, creating an open PR when there is none.
    pub fn set_pr_author(&self, pr: u64, login: &str) {
        let mut state = self.state();
        state.user_id(login);
        match state.pulls.get_mut(&pr) {
            Some(p) => p.pull.author = login.into(),
            None => state.add_pull(Pull {
                number: pr,
                author: login.into(),
                head_sha: String::new(),
                base_ref: "main".into(),
                merged: false,
                merge_commit_sha: None,
            }),
        }
    }

    /// `actor` adds label `name` to issue or pull request `pr` (as in the web interface):
    /// a `labeled` event by `actor`. Err when there is no such issue or pull request.
    pub fn add_label(&self, pr: u64, name: &str, actor: &str) -> Result<(), String> {
        self.state().add_labels(pr, &[name.to_string()], actor)
    }

    /// `actor` removes label `name` from `pr`: an `unlabeled` event.
    pub fn remove_label(&self, pr: u64, name: &str, actor: &str) -> Result<(), String> {
        self.state().remove_label(pr, name, actor)
    }

    /// The labels of issue or pull request `pr`.
    pub fn labels(&self, pr: u64) -> Vec<String> {
        let state = self.state();
        match state.pulls.get(&pr) {
            Some(p) => p.labels.clone(),
            None => state
                .issues
                .iter()
                .find(|i| i.number == pr)
                .map(|i| i.labels.clone())
                .unwrap_or_default(),
        }
    }

    /// Every label change and force push recorded, oldest first.
    pub fn issue_events(&self) -> Vec<IssueEvent> {
        self.state().issue_events.clone()
    }

    /// Gives `login` a permission on the repository (`admin`, `maintain`, `write`,
    /// `triage`, `read`, `none`); unset, a user has `read` (`none` when private).
    pub fn set_permission(&self, login: &str, permission: &str) {
        self.state().set_permission(login, permission);
    }

    /// `actor` force-pushes pull request `pr`'s head to `head_sha`: GitHub records a
    /// `head_ref_force_pushed` event (an ordinary push records none).
    pub fn force_push(&self, pr: u64, head_sha: &str, actor: &str) -> Result<(), String> {
        self.state().force_push(pr, head_sha, actor)
    }

    /// The next `times` calls of `operation` (an operationId) get `fault`.
    pub fn inject(&self, operation: &str, fault: Fault, times: usize) {
        self.state().faults.push((operation.into(), fault, times));
    }

    /// Registers a token and whose it is: a personal access token writes as its user; a
    /// token never registered is a workflow's `GITHUB_TOKEN` (`github-actions[bot]`).
    pub fn add_token(&self, token: &str, login: &str, workflow: bool) {
        let mut state = self.state();
        state.user_id(login);
        state.tokens.retain(|t| t.token != token);
        state.tokens.push(TokenOwner {
            token: token.into(),
            login: login.into(),
            workflow,
        });
    }

    /// A workflow run, as GitHub records one when an event starts a workflow; returns its
    /// id. Only the runner (the test, the sandbox) makes runs: no token can.
    /// The run ids re-run through the API, in order.
    pub fn reruns(&self) -> Vec<u64> {
        self.state().reruns.clone()
    }

    pub fn add_run(&self, run: WorkflowRun) -> u64 {
        self.state().add_run(run)
    }

    /// Creates or updates a job of a run (status, conclusion), as the runner reports it.
    pub fn set_job(&self, run_id: u64, name: &str, status: &str, conclusion: Option<&str>) {
        let job = Job {
            id: 0,
            name: name.into(),
            status: status.into(),
            conclusion: conclusion.map(str::to_string),
        };
        if let Err(e) = self.state().set_job(run_id, job) {
            panic!("stand-in: {e}");
        }
    }

    /// Gives a job an ID-token request token with the claims GitHub would sign for it.
    pub fn add_oidc_job(&self, job: OidcJob) {
        let mut state = self.state();
        state
            .oidc_jobs
            .retain(|j| j.request_token != job.request_token);
        state.oidc_jobs.push(job);
    }

    /// The OIDC issuer (its JWKS is at `{issuer}/.well-known/jwks`, its token service at
    /// `{issuer}/token`).
    pub fn oidc_issuer(&self) -> String {
        self.shared.issuer()
    }

    // ---- what happened

    /// Every edit of a comment after its creation, oldest first: who edited it, and what
    /// it said before.
    pub fn comment_edits(&self) -> Vec<CommentEdit> {
        self.state().comment_edits.clone()
    }

    pub fn pull(&self, number: u64) -> Option<Pull> {
        self.state().pulls.get(&number).map(|p| p.pull.clone())
    }

    /// Statuses posted for `sha`, oldest first.
    pub fn statuses(&self, sha: &str) -> Vec<Status> {
        self.state()
            .statuses
            .iter()
            .filter(|s| s.sha == sha)
            .cloned()
            .collect()
    }

    /// Deployments, oldest first, each with its statuses (oldest first).
    pub fn deployments(&self) -> Vec<Deployment> {
        self.state().deployments.clone()
    }

    pub fn comments(&self, pr: u64) -> Vec<Comment> {
        self.state()
            .comments
            .iter()
            .filter(|c| c.pr == pr)
            .cloned()
            .collect()
    }

    pub fn issues(&self) -> Vec<Issue> {
        self.state().issues.clone()
    }

    pub fn environments(&self) -> Vec<Environment> {
        self.state().environments.clone()
    }

    /// GitHub's ids of the served repository and its owner, as its ID tokens carry them.
    pub fn repository_ids(&self) -> RepositoryIds {
        self.state().repository_ids
    }

    /// The repository deleted and re-created under the same name: same owner and name,
    /// new ids (as GitHub gives a new repository, whoever creates it).
    pub fn recreate_repository(&self, ids: RepositoryIds) {
        self.state().repository_ids = ids;
    }

    /// The repository's OIDC subject template (`use_default: true` until set).
    pub fn oidc_sub(&self) -> OidcSub {
        self.state().oidc_sub.clone().unwrap_or(OidcSub {
            use_default: true,
            include_claim_keys: Vec::new(),
        })
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// Requests that broke GitHub's description; every test asserts this is empty.
    pub fn violations(&self) -> Vec<String> {
        self.state().violations.clone()
    }

    pub fn count(&self, operation: &str) -> usize {
        self.state()
            .requests
            .iter()
            .filter(|r| r.operation == operation)
            .count()
    }

    /// Everything, as `GET /_standin/state` answers it.
    pub fn snapshot(&self) -> serde_json::Value {
        serde_json::to_value(&*self.state()).unwrap_or_default()
    }
}
