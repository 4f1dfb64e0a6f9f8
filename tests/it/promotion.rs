//! End to end: pull-request plans, then apply / promote / destroy behind the gates, with
//! real Terraform (built-in `terraform_data`/`local-exec` roots, local state) and the GitHub
//! stand-in (`crates/github-standin`, every request checked against GitHub's REST
//! description; a stand-in because GitHub's API cannot run here).
//!
//! Every run's channels (stdout, stderr, job summary, step outputs, comment bodies, request
//! bodies, status descriptions) are searched for the sensitive canary each root holds.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use github_standin::{Pull, Standin};

const CANARY: &str = "canary-db-pw-7f3a9c21e5";
/// The reusable plan workflow as it is on the default branch: the only signer trusted.
pub(crate) const PLAN_WORKFLOW_ON_MAIN: &str =
    "octo/repo/.github/workflows/plan.yml@refs/heads/main";
pub(crate) const TEAM_CONFIG: &str =
    "    approval:\n      required: 1\n      from: [team:platform-admins]\n";

pub(crate) struct World {
    pub(crate) gh: Standin,
    pub(crate) tmp: tempfile::TempDir,
    config: PathBuf,
    runs: std::cell::Cell<u64>,
    outputs: std::cell::RefCell<Vec<String>>,
    /// The promotion workflow's run per merge commit, as GitHub starts one for each push.
    promote_runs: std::cell::RefCell<std::collections::BTreeMap<String, u64>>,
}

impl World {
    /// Environments `(name, extra yaml)` in promotion order, each a copy of the ladder root.
    pub(crate) fn new(envs: &[(&str, &str)]) -> World {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut yaml = String::from(
            "version: 1\nterraform:\n  lock_timeout: 2s\n  parallelism: 3\nenvironments:\n",
        );
        for (name, extra) in envs {
            let dir = tmp.path().join("envs").join(name);
            common::copy_tree(&common::fixtures().join("tf/ladder"), &dir);
            std::fs::write(
                dir.join("terraform.tfvars"),
                format!("env = \"{name}\"\ndb_password = \"{CANARY}\"\n"),
            )
            .expect("tfvars");
            yaml.push_str(&format!("  - name: {name}\n    dir: envs/{name}\n{extra}"));
        }
        let config = tmp.path().join("tfpromote.yaml");
        std::fs::write(&config, yaml).expect("config");
        let gh = Standin::start_with(Default::default()).expect("stand-in");
        gh.add_commit("a0", &[]);
        gh.add_team_member("octo", "platform-admins", "bob");
        World {
            gh,
            tmp,
            config,
            runs: std::cell::Cell::new(0),
            outputs: Default::default(),
            promote_runs: Default::default(),
        }
    }

    pub(crate) fn dir(&self, env: &str) -> PathBuf {
        self.tmp.path().join("envs").join(env)
    }

    /// Sets `key = value` in the environment's tfvars (replacing an earlier value).
    pub(crate) fn set_var(&self, env: &str, line: &str) {
        let path = self.dir(env).join("terraform.tfvars");
        let key = line.split('=').next().unwrap_or(line).trim().to_string();
        let text = std::fs::read_to_string(&path).expect("tfvars");
        let mut kept: Vec<&str> = text
            .lines()
            .filter(|l| l.split('=').next().map(str::trim) != Some(key.as_str()))
            .collect();
        kept.push(line);
        std::fs::write(path, kept.join("\n") + "\n").expect("tfvars");
    }

    fn unset_var(&self, env: &str, key: &str) {
        let path = self.dir(env).join("terraform.tfvars");
        let text = std::fs::read_to_string(&path).expect("tfvars");
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| l.split('=').next().map(str::trim) != Some(key))
            .collect();
        std::fs::write(path, kept.join("\n") + "\n").expect("tfvars");
    }

    pub(crate) fn marker(&self, env: &str) -> bool {
        self.dir(env).join("applied.marker").exists()
    }

    /// A `tfpromote` command in a runner-like environment for `event` at `sha`.
    pub(crate) fn command(&self, event: &str, sha: &str, payload: &str, args: &[&str]) -> Command {
        let run = self.runs.get() + 1;
        self.runs.set(run);
        self.command_in_run(run, event, sha, payload, args)
    }

    /// The same, inside workflow run `run` (`GITHUB_RUN_ID`).
    pub(crate) fn command_in_run(
        &self,
        run: u64,
        event: &str,
        sha: &str,
        payload: &str,
        args: &[&str],
    ) -> Command {
        let event_path = self.tmp.path().join(format!("event-{run}.json"));
        std::fs::write(&event_path, payload).expect("event");
        let mut cmd = common::tfpromote();
        cmd.arg("--config")
            .arg(&self.config)
            .args(args)
            .current_dir(self.tmp.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_API_URL", self.gh.api_url())
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", "octo/repo")
            .env("GITHUB_TOKEN", "ghs_standintoken")
            // Team membership is read with its own token (an App token with members: read).
            .env("TFPROMOTE_TEAM_TOKEN", "ghs_standin_team_token")
            .env("GITHUB_EVENT_NAME", event)
            .env("GITHUB_EVENT_PATH", &event_path)
            .env("GITHUB_SHA", sha)
            .env("GITHUB_RUN_ID", run.to_string())
            .env("GITHUB_STEP_SUMMARY", self.tmp.path().join("summary.md"))
            .env("GITHUB_OUTPUT", self.tmp.path().join("output"))
            .env("TFPROMOTE_GITHUB_BACKOFF", "10ms")
            // The stand-in's OIDC issuer: its keys verify signed plans.
            .env("TFPROMOTE_OIDC_ISSUER", self.gh.oidc_issuer());
        cmd
    }

    /// The plan job of pull request `pr` as GitHub runs it: the reusable plan workflow on
    /// main, called from the pull request's workflow; its ID-token requests are signed
    /// with these claims.
    pub(crate) fn plan_job_claims(&self, pr: u64, head: &str, job_workflow_ref: &str) -> String {
        let request_token = format!("id-token-request-pr-{pr}-{}", self.runs.get() + 1);
        let claims = serde_json::json!({
            "repository": "octo/repo",
            "repository_owner": "octo",
            "ref": format!("refs/pull/{pr}/merge"),
            "sha": format!("merge-of-{head}"),
            "event_name": "pull_request",
            "workflow_ref": format!("octo/repo/.github/workflows/pr-plan.yml@refs/pull/{pr}/merge"),
            "job_workflow_ref": job_workflow_ref,
        });
        let serde_json::Value::Object(claims) = claims else {
            unreachable!("an object literal")
        };
        self.gh.add_oidc_job(github_standin::OidcJob {
            request_token: request_token.clone(),
            claims,
        });
        request_token
    }

    /// `plan --all` of pull request `pr` as the plan workflow at `job_workflow_ref` runs it.
    pub(crate) fn plan_as(&self, pr: u64, head: &str, job_workflow_ref: &str) -> Output {
        let payload = format!(
            r#"{{"number":{pr},"pull_request":{{"number":{pr},"head":{{"sha":"{head}"}}}}}}"#
        );
        let request_token = self.plan_job_claims(pr, head, job_workflow_ref);
        let out = self
            .command("pull_request", head, &payload, &["plan", "--all"])
            .env(
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                format!("{}/token?api-version=2.0", self.gh.oidc_issuer()),
            )
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token)
            .output()
            .expect("plan");
        self.keep(out)
    }

    pub(crate) fn keep(&self, out: Output) -> Output {
        let mut all = self.outputs.borrow_mut();
        all.push(String::from_utf8_lossy(&out.stdout).into_owned());
        all.push(String::from_utf8_lossy(&out.stderr).into_owned());
        out
    }

    /// `plan --all` on pull request `pr` at its head.
    pub(crate) fn pr_plan(&self, pr: u64, head: &str) -> Output {
        let out = self.plan_as(pr, head, PLAN_WORKFLOW_ON_MAIN);
        assert!(out.status.success(), "PR plan failed:\n{}", text(&out));
        out
    }

    /// Opens PR `pr` (head `head` on `base`), plans it, merges it as `merge`.
    pub(crate) fn reviewed_merge(&self, pr: u64, base: &str, head: &str, merge: &str) {
        self.gh.add_commit(head, &[base]);
        self.gh.add_pull(Pull {
            number: pr,
            author: "alice".into(),
            head_sha: head.into(),
            base_ref: "main".into(),
            merged: false,
            merge_commit_sha: None,
        });
        self.pr_plan(pr, head);
        self.merge(pr, base, head, merge);
    }

    pub(crate) fn merge(&self, pr: u64, base: &str, head: &str, merge: &str) {
        self.gh.add_commit(merge, &[base, head]);
        self.gh.set_branch("main", merge);
        self.gh.add_pull(Pull {
            number: pr,
            author: "alice".into(),
            head_sha: head.into(),
            base_ref: "main".into(),
            merged: true,
            merge_commit_sha: Some(merge.into()),
        });
    }

    pub(crate) fn on_main(&self, sha: &str, args: &[&str]) -> Output {
        let out = self
            .command("push", sha, r#"{"ref":"refs/heads/main"}"#, args)
            .output()
            .expect("tfpromote");
        self.keep(out)
    }

    /// The promotion workflow's run for a push of `sha` to main (one per commit, made on
    /// first use): what GitHub starts, and what no token can create.
    pub(crate) fn promote_run(&self, sha: &str) -> u64 {
        if let Some(id) = self.promote_runs.borrow().get(sha) {
            return *id;
        }
        let id = self.gh.add_run(github_standin::WorkflowRun {
            id: 0,
            path: ".github/workflows/promote.yml".into(),
            event: "push".into(),
            head_branch: "main".into(),
            head_sha: sha.into(),
            actor: "alice".into(),
            jobs: Vec::new(),
        });
        self.promote_runs.borrow_mut().insert(sha.into(), id);
        id
    }

    /// `apply --env ENV` as the promotion workflow's `apply ENV` job of the run for `sha`;
    /// the job ends as the runner would record it (success when tfpromote exits 0).
    pub(crate) fn apply(&self, sha: &str, env: &str) -> Output {
        let run = self.promote_run(sha);
        let job = format!("apply {env}");
        self.gh.set_job(run, &job, "in_progress", None);
        let out = self
            .command_in_run(
                run,
                "push",
                sha,
                r#"{"ref":"refs/heads/main"}"#,
                &["apply", "--env", env],
            )
            .output()
            .expect("tfpromote");
        let conclusion = if out.status.success() {
            "success"
        } else {
            "failure"
        };
        self.gh.set_job(run, &job, "completed", Some(conclusion));
        self.keep(out)
    }

    pub(crate) fn status(&self, sha: &str, env: &str) -> Option<(String, String)> {
        self.gh
            .statuses(sha)
            .into_iter()
            .filter(|s| s.context == format!("tfpromote/{env}"))
            .max_by_key(|s| s.id)
            .map(|s| (s.state, s.description.unwrap_or_default()))
    }

    pub(crate) fn tracker(&self, pr: u64) -> tfpromote::tracker::Tracker {
        let comments = self.gh.comments(pr);
        let body = comments
            .iter()
            .find(|c| tfpromote::tracker::is_tracker(&c.body))
            .map(|c| c.body.clone())
            .expect("a tracker comment");
        tfpromote::tracker::parse(&body)
    }

    /// No canary in any channel, and no request broke GitHub's description.
    pub(crate) fn assert_clean(&self) {
        let mut channels: Vec<(String, String)> = self
            .outputs
            .borrow()
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("process output {i}"), t.clone()))
            .collect();
        for file in ["summary.md", "output"] {
            if let Ok(t) = std::fs::read_to_string(self.tmp.path().join(file)) {
                channels.push((file.into(), t));
            }
        }
        for r in self.gh.requests() {
            channels.push((format!("{} {}", r.method, r.path), r.body));
        }
        for (name, text) in channels {
            // `::add-mask::VALUE` is how the runner learns to mask VALUE: it never shows it.
            let leaked = text
                .lines()
                .any(|l| l.contains(CANARY) && !l.starts_with("::add-mask::"));
            assert!(
                !leaked,
                "the sensitive canary leaked into {name}:
{text}"
            );
        }
        assert_eq!(self.gh.violations(), Vec::<String>::new());
    }
}

pub(crate) fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn terraform(dir: &Path, args: &[&str]) -> Output {
    Command::new(common::terraform())
        .arg(format!("-chdir={}", dir.display()))
        .args(args)
        .output()
        .expect("terraform")
}

pub(crate) fn approve(w: &World, login: &str, commit: &str) {
    w.gh.add_review(1, login, "APPROVED", commit);
}

#[test]
fn dev_stage_prod_in_order_with_records_and_the_ladder() {
    let w = World::new(&[("dev", ""), ("stage", ""), ("prod", TEAM_CONFIG)]);
    w.reviewed_merge(1, "a0", "h1", "m1");
    approve(&w, "bob", "h1");
    for env in ["dev", "stage", "prod"] {
        let out = w.apply("m1", env);
        assert!(out.status.success(), "{env}:\n{}", text(&out));
        assert!(w.marker(env), "{env} applied");
        assert_eq!(w.status("m1", env).map(|s| s.0), Some("success".into()));
    }
    let deployments: Vec<_> =
        w.gh.deployments()
            .into_iter()
            .filter(|d| d.task == "tfpromote:apply" && d.sha == "m1")
            .collect();
    assert_eq!(deployments.len(), 3, "one deployment per environment");
    for d in &deployments {
        assert!(
            d.statuses.iter().any(|s| s.state == "success"),
            "{} recorded as a success",
            d.environment
        );
    }
    let tracker = w.tracker(1);
    for env in ["dev", "stage", "prod"] {
        assert_eq!(
            tracker.data.envs[env].status,
            tfpromote::tracker::Status::Applied,
            "{env} row"
        );
    }
    let ladder = w.on_main("m1", &["status", "--sha", "m1"]);
    let shown = String::from_utf8_lossy(&ladder.stdout);
    assert!(ladder.status.success(), "{}", text(&ladder));
    for env in ["dev", "stage", "prod"] {
        assert!(
            shown
                .lines()
                .any(|l| l.contains(env) && l.contains("success")),
            "{env} in the ladder:\n{shown}"
        );
    }
    assert!(
        shown.contains("plan sha256:"),
        "fingerprints shown:\n{shown}"
    );
    let json = w.on_main("m1", &["status", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("status json");
    assert_eq!(value["environments"][2]["state"], "success");
    w.assert_clean();
}

#[test]
fn stage_before_dev_is_refused_and_nothing_is_applied() {
    let w = World::new(&[("dev", ""), ("stage", "")]);
    w.reviewed_merge(1, "a0", "h1", "m1");
    let out = w.apply("m1", "stage");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(!w.marker("stage"), "stage must not be applied");
    let err = stderr(&out);
    assert!(err.contains("order gate") && err.contains("`dev`"), "{err}");
    assert_eq!(w.status("m1", "stage").map(|s| s.0), Some("error".into()));
    assert_eq!(
        w.tracker(1).data.envs["stage"].status,
        tfpromote::tracker::Status::Blocked
    );
    w.assert_clean();
}

#[test]
fn prod_needs_a_qualifying_approval() {
    let w = World::new(&[("prod", TEAM_CONFIG)]);
    w.gh.add_commit("h0", &["a0"]);
    w.reviewed_merge(1, "h0", "h1", "m1");
    let refused = |why: &str| {
        let out = w.apply("m1", "prod");
        assert_eq!(out.status.code(), Some(3), "{why}: {}", text(&out));
        assert!(!w.marker("prod"), "{why}: nothing applied");
        stderr(&out)
    };
    assert!(refused("no approval").contains("0 of 1"));
    approve(&w, "alice", "h1"); // the author
    assert!(refused("only the author's").contains("0 of 1"));
    approve(&w, "bob", "h1");
    w.gh.add_review(1, "bob", "DISMISSED", "h1");
    assert!(refused("dismissed").contains("0 of 1"));
    approve(&w, "bob", "h0");
    assert!(refused("older head").contains("final head"));
    approve(&w, "carol", "h1");
    assert!(refused("not in the team").contains("not in approval.from"));
    assert_eq!(
        w.tracker(1).data.envs["prod"].status,
        tfpromote::tracker::Status::WaitingForApproval
    );
    approve(&w, "bob", "h1");
    let out = w.apply("m1", "prod");
    assert!(out.status.success(), "{}", text(&out));
    assert!(w.marker("prod"));
    w.assert_clean();
}

/// A merge that changes no Terraform (only platform/, say) still gets its reviewed plan on
/// the pull request; the empty reviewed plan matches the empty plan at apply time, so the
/// plan-change gate lets every environment through and the ladder goes on.
#[test]
fn an_empty_reviewed_plan_matches_an_empty_plan() {
    let w = World::new(&[("dev", ""), ("stage", "    on_plan_change: block\n")]);
    w.reviewed_merge(1, "a0", "h1", "m1");
    for env in ["dev", "stage"] {
        assert!(w.apply("m1", env).status.success(), "{env}");
    }
    // The second pull request changes nothing Terraform manages.
    w.reviewed_merge(2, "m1", "h2", "m2");
    let recorded = &w.tracker(2).data.envs["stage"];
    assert_eq!(
        recorded
            .counts
            .as_ref()
            .map(|c| c.add + c.change + c.destroy),
        Some(0)
    );
    assert!(
        recorded.fingerprint.is_some(),
        "an empty plan is a reviewed plan too"
    );
    for env in ["dev", "stage"] {
        let out = w.apply("m2", env);
        assert!(out.status.success(), "{env}: {}", text(&out));
        assert_eq!(
            w.status("m2", env).map(|s| s.0),
            Some("success".into()),
            "{env}"
        );
    }
    w.assert_clean();
}

/// A manual promote (workflow_dispatch) of a commit no pull request merged, say a push
/// straight to main: refused before anything is planned, saying what to do instead.
#[test]
fn a_manual_promote_of_a_commit_that_is_no_planned_merge_says_what_to_do() {
    let w = World::new(&[("dev", "")]);
    w.gh.add_commit("d1", &["a0"]);
    w.gh.set_branch("main", "d1");
    let out = w
        .command(
            "workflow_dispatch",
            "d1",
            r#"{"inputs":{}}"#,
            &["apply", "--env", "dev"],
        )
        .output()
        .expect("apply");
    let out = w.keep(out);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("this manual run names") && err.contains("is not the merge of a pull request"),
        "{err}"
    );
    assert!(
        err.contains("put the change through a pull request"),
        "{err}"
    );
    assert!(
        !w.dir("dev").join(".terraform").exists(),
        "nothing was planned"
    );
    assert!(!w.marker("dev"));
    w.assert_clean();
}

/// The workflow's GITHUB_TOKEN cannot read team membership on GitHub, so a `team:` rule
/// without a team token refuses at once and says what to add, without asking GitHub with the
/// wrong token; with the team token the same approval counts.
#[test]
fn a_team_rule_without_a_team_token_refuses_and_says_what_to_add() {
    let w = World::new(&[("prod", TEAM_CONFIG)]);
    w.reviewed_merge(1, "a0", "h1", "m1");
    approve(&w, "bob", "h1");
    let out = w
        .command(
            "push",
            "m1",
            r#"{"ref":"refs/heads/main"}"#,
            &["apply", "--env", "prod"],
        )
        .env_remove("TFPROMOTE_TEAM_TOKEN")
        .output()
        .expect("tfpromote");
    let out = w.keep(out);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let err = stderr(&out);
    for needed in [
        "team:octo/platform-admins",
        "`team-token`",
        "permission-members: read",
        "TFPROMOTE_TEAM_TOKEN",
    ] {
        assert!(err.contains(needed), "{needed}: {err}");
    }
    assert_eq!(
        w.gh.count("teams/get-membership-for-user-in-org"),
        0,
        "never asked with the workflow's token"
    );
    assert!(!w.marker("prod"));

    let check = w
        .command("push", "m1", "{}", &["check", "--config-only"])
        .env_remove("TFPROMOTE_TEAM_TOKEN")
        .output()
        .expect("check");
    let said = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(check.status.success(), "{}", text(&check));
    assert!(
        said.contains("note: prod counts approvals from team:platform-admins")
            && said.contains("`team-token`"),
        "{said}"
    );

    let out = w.apply("m1", "prod");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(w.gh.count("teams/get-membership-for-user-in-org"), 1);
    assert!(w.marker("prod"));
    w.assert_clean();
}

#[test]
fn a_pull_request_that_is_not_merged_never_reaches_prod() {
    let w = World::new(&[("prod", TEAM_CONFIG)]);
    w.gh.add_commit("h1", &["a0"]);
    w.gh.add_pull(Pull {
        number: 1,
        author: "alice".into(),
        head_sha: "h1".into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
    w.pr_plan(1, "h1");
    approve(&w, "bob", "h1");
    let out = w.apply("h1", "prod");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        stderr(&out).contains("no merged pull request"),
        "{}",
        text(&out)
    );
    assert!(!w.marker("prod"));
    w.assert_clean();
}

#[test]
fn a_late_run_for_an_older_merge_is_refused_as_a_regression() {
    let w = World::new(&[("prod", TEAM_CONFIG)]);
    w.reviewed_merge(1, "a0", "h1", "m1");
    approve(&w, "bob", "h1");
    w.gh.add_commit("h2", &["m1"]);
    w.gh.add_pull(Pull {
        number: 2,
        author: "alice".into(),
        head_sha: "h2".into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
    w.set_var("prod", "size = 2");
    w.pr_plan(2, "h2");
    w.merge(2, "m1", "h2", "m2");
    w.gh.add_review(2, "bob", "APPROVED", "h2");
    let b = w.apply("m2", "prod");
    assert!(b.status.success(), "B reaches prod: {}", text(&b));
    let late = w.apply("m1", "prod");
    assert_eq!(late.status.code(), Some(3), "{}", text(&late));
    let err = stderr(&late);
    assert!(
        err.contains("no-regression") && err.contains("behind"),
        "{err}"
    );
    w.assert_clean();
}

#[test]
fn a_plan_that_changed_after_review_warns_in_dev_and_blocks_prod() {
    let w = World::new(&[("dev", ""), ("prod", TEAM_CONFIG)]);
    w.reviewed_merge(1, "a0", "h1", "m1");
    approve(&w, "bob", "h1");
    // Between the review and the apply, a variable changes (a var file edited on main).
    w.set_var("dev", "size = 5");
    w.set_var("prod", "size = 5");
    let dev = w.apply("m1", "dev");
    assert!(dev.status.success(), "{}", text(&dev));
    let err = stderr(&dev);
    assert!(
        err.contains("plan changed since review") && err.contains("`terraform_data.app`"),
        "dev warns and names the resource: {err}"
    );
    let prod = w.apply("m1", "prod");
    assert_eq!(prod.status.code(), Some(3), "{}", text(&prod));
    let err = stderr(&prod);
    assert!(
        err.contains("plan-change gate") && err.contains("`terraform_data.app`"),
        "{err}"
    );
    assert!(!w.marker("prod"));
    w.assert_clean();
}

#[test]
fn a_failure_mid_apply_stops_the_promotion_and_leaves_the_state_usable() {
    let w = World::new(&[("dev", ""), ("stage", "")]);
    w.set_var("dev", "fail_apply = true");
    w.reviewed_merge(1, "a0", "h1", "m1");
    let out = w.on_main("m1", &["promote"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        w.marker("dev"),
        "dev's first resource was created before the failure"
    );
    assert!(!w.marker("stage"), "stage never ran");
    let (state, description) = w.status("m1", "dev").expect("dev status");
    assert_eq!(state, "failure");
    assert!(description.contains("failed"), "{description}");
    assert_eq!(w.status("m1", "stage"), None);
    assert_eq!(
        w.tracker(1).data.envs["dev"].status,
        tfpromote::tracker::Status::Failed
    );
    let list = terraform(&w.dir("dev"), &["state", "list"]);
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("terraform_data.app"),
        "state readable: {}",
        text(&list)
    );
    let plan = terraform(
        &w.dir("dev"),
        &[
            "plan",
            "-input=false",
            "-lock-timeout=0s",
            "-detailed-exitcode",
        ],
    );
    assert!(
        matches!(plan.status.code(), Some(0 | 2)),
        "state unlocked: {}",
        text(&plan)
    );
    w.assert_clean();
}

#[test]
fn a_held_state_lock_fails_with_its_id_and_changes_nothing() {
    let w = World::new(&[("dev", "")]);
    w.reviewed_merge(1, "a0", "h1", "m1");
    // Another run holds dev's state lock: a slow apply of its own.
    let dir = w.dir("dev");
    assert!(terraform(&dir, &["init", "-input=false"]).status.success());
    let mut holder = Command::new(common::terraform())
        .arg(format!("-chdir={}", dir.display()))
        .args([
            "apply",
            "-input=false",
            "-auto-approve",
            "-target=terraform_data.slow",
            "-var=sleep_seconds=60",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("lock holder");
    let started = Instant::now();
    while !dir.join("started.marker").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the holder never started"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = w.apply("m1", "dev");
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(holder.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    );
    let _ = holder.wait();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("lock ID") && err.contains("terraform force-unlock"),
        "{err}"
    );
    assert!(!w.marker("dev"), "nothing applied");
    assert!(
        !w.gh
            .deployments()
            .iter()
            .any(|d| d.statuses.iter().any(|s| s.state == "success")),
        "no deployment recorded as applied"
    );
    w.assert_clean();
}

#[test]
fn sigint_during_apply_is_forwarded_once_and_releases_the_lock() {
    let w = World::new(&[("dev", "")]);
    w.set_var("dev", "sleep_seconds = 30");
    w.reviewed_merge(1, "a0", "h1", "m1");
    let child = w
        .command(
            "push",
            "m1",
            r#"{"ref":"refs/heads/main"}"#,
            &["apply", "--env", "dev"],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("apply");
    let marker = w.dir("dev").join("started.marker");
    let started = Instant::now();
    while !marker.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the slow apply never started"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .expect("SIGINT");
    let out = w.keep(child.wait_with_output().expect("wait"));
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    assert_eq!(
        stderr(&out).matches("SIGINT received;").count(),
        1,
        "forwarded once"
    );
    assert_eq!(w.status("m1", "dev").map(|s| s.0), Some("failure".into()));
    let plan = terraform(
        &w.dir("dev"),
        &[
            "plan",
            "-input=false",
            "-lock-timeout=0s",
            "-var=sleep_seconds=0",
        ],
    );
    assert!(
        plan.status.success(),
        "the lock was released: {}",
        text(&plan)
    );
    w.assert_clean();
}

/// A job's timeout-minutes kills Terraform without letting it release the state lock;
/// tfpromote's own deadline, set below it, interrupts Terraform first (one SIGINT): the slow
/// local-exec apply stops, the lock is released, the run is recorded as interrupted.
#[test]
fn the_deadline_interrupts_terraform_cleanly_and_releases_the_lock() {
    let w = World::new(&[("dev", "")]);
    w.set_var("dev", "sleep_seconds = 300");
    w.reviewed_merge(1, "a0", "h1", "m1");
    let out = w
        .command(
            "push",
            "m1",
            r#"{"ref":"refs/heads/main"}"#,
            &["apply", "--env", "dev"],
        )
        .env("TFPROMOTE_DEADLINE", "25s")
        .output()
        .expect("apply");
    let out = w.keep(out);
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    let err = stderr(&out);
    assert_eq!(
        err.matches("deadline of 25s reached (TFPROMOTE_DEADLINE); asking 1 Terraform process(es) to stop cleanly").count(),
        1,
        "one SIGINT, to the running apply: {err}"
    );
    assert!(
        w.dir("dev").join("started.marker").exists(),
        "the slow apply had started"
    );
    assert_eq!(
        w.status("m1", "dev"),
        Some((
            "failure".into(),
            "interrupted; the state lock was released".into()
        ))
    );
    let plan = terraform(
        &w.dir("dev"),
        &[
            "plan",
            "-input=false",
            "-lock-timeout=0s",
            "-var=sleep_seconds=0",
        ],
    );
    assert!(
        plan.status.success(),
        "the lock was released: {}",
        text(&plan)
    );

    let bad = w
        .command(
            "push",
            "m1",
            r#"{"ref":"refs/heads/main"}"#,
            &["apply", "--env", "dev"],
        )
        .env("TFPROMOTE_DEADLINE", "soon")
        .output()
        .expect("apply");
    let bad = w.keep(bad);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert!(
        stderr(&bad).contains("\"soon\" is not a duration"),
        "{}",
        text(&bad)
    );
    w.assert_clean();
}

#[test]
fn destroy_only_on_purpose() {
    let w = World::new(&[("dev", ""), ("prod", TEAM_CONFIG)]);
    w.reviewed_merge(1, "a0", "h1", "m1");
    assert!(w.apply("m1", "dev").status.success());
    let destroy = |env: &str, confirm: &str| {
        let payload = r#"{"inputs":{}}"#;
        let out = w
            .command(
                "workflow_dispatch",
                "m1",
                payload,
                &["destroy", "--env", env, "--confirm", confirm],
            )
            .output()
            .expect("destroy");
        w.keep(out)
    };
    let wrong = destroy("dev", "prod");
    assert_eq!(wrong.status.code(), Some(3), "{}", text(&wrong));
    assert!(stderr(&wrong).contains("type exactly `dev`"));
    let forbidden = destroy("prod", "prod");
    assert_eq!(forbidden.status.code(), Some(3), "{}", text(&forbidden));
    assert!(stderr(&forbidden).contains("destroy: forbid"));
    let list = |env: &str| {
        String::from_utf8_lossy(&terraform(&w.dir(env), &["state", "list"]).stdout).into_owned()
    };
    assert!(
        list("dev").contains("terraform_data.app"),
        "refusals destroyed nothing"
    );
    // The recorder shows a refused destroy where it shows a refused apply (the job summary),
    // and leaves the commit alone: nothing started.
    let summary_path = w.tmp.path().join("summary.md");
    let refused = std::fs::read_to_string(&summary_path).expect("summary");
    assert!(
        refused.contains("### ⛔ dev: refused by the destroy gate")
            && refused.contains("### ⛔ prod: refused by the destroy gate"),
        "{refused}"
    );
    assert!(
        !w.gh
            .statuses("m1")
            .iter()
            .any(|s| s.context.ends_with("/destroy")),
        "a refused destroy sets no status"
    );

    let resources = list("dev").lines().filter(|l| !l.trim().is_empty()).count();
    let ok = destroy("dev", "dev");
    assert!(ok.status.success(), "{}", text(&ok));
    let preview = String::from_utf8_lossy(&ok.stdout);
    assert!(
        preview.contains("destroy preview") && preview.contains("terraform_data.app"),
        "{preview}"
    );
    let summary = std::fs::read_to_string(&summary_path).expect("summary");
    assert!(summary.contains("destroy preview"));
    assert!(
        summary.contains(&format!("### ✅ dev: destroyed {resources} resource(s)")),
        "{summary}"
    );
    assert_eq!(list("dev").trim(), "", "every resource is gone");
    let recorded =
        w.gh.statuses("m1")
            .into_iter()
            .find(|s| s.context == "tfpromote/dev/destroy" && s.state == "success");
    assert!(recorded.is_some(), "destroy recorded on the commit");
    assert!(
        w.gh.deployments()
            .iter()
            .any(|d| d.task == "tfpromote:destroy"
                && d.statuses.iter().any(|s| s.state == "in_progress")
                && d.statuses.iter().any(|s| s.state == "success"))
    );
    w.assert_clean();
}

#[test]
fn drift_opens_one_issue_updates_it_and_closes_it_when_clean() {
    let w = World::new(&[("dev", "")]);
    w.reviewed_merge(1, "a0", "h1", "m1");
    assert!(w.apply("m1", "dev").status.success());
    let drift = || {
        let out = w.on_main("m1", &["drift"]);
        assert!(out.status.success(), "{}", text(&out));
        w.gh.issues()
    };
    assert!(drift().is_empty(), "no drift, no issue");
    // The environment no longer matches main (here: the inputs changed under it).
    w.set_var("dev", "size = 2");
    let opened = drift();
    assert_eq!(opened.len(), 1, "one issue per drifted environment");
    assert_eq!(opened[0].state, "open");
    assert!(opened[0].labels.iter().any(|l| l == "tfpromote-drift"));
    let first = opened[0].body.clone().unwrap_or_default();
    assert!(first.contains("terraform_data.app"), "{first}");
    w.set_var("dev", "size = 3");
    let updated = drift();
    assert_eq!(
        updated.len(),
        1,
        "the same issue is updated, not a second one"
    );
    assert_eq!(updated[0].number, opened[0].number);
    // Back to what is applied: clean again.
    w.unset_var("dev", "size");
    let closed = drift();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].state, "closed", "closed when clean");
    w.assert_clean();
}
