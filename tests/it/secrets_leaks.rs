//! Leaks found by attacking the binary as a pull request would, each reproduced with real
//! Terraform (`tests/fixtures/tf/leaks`, `tests/fixtures/tf/environ`) and the GitHub
//! stand-in (`crates/github-standin`, which follows GitHub's REST description; a stand-in
//! because GitHub cannot run here). Every channel is searched for every canary: stdout,
//! stderr (annotations included), the job summary, step outputs, the comment and report
//! files and every request body sent to GitHub. `::add-mask::` lines are the one place a
//! secret may appear: they tell the runner to hide it.

use crate::common;

use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use github_standin::{Pull, Standin};

/// Stand-in credentials tfpromote holds in every run here: they must reach no channel and
/// not Terraform.
const GITHUB_TOKEN: &str = "ghs_canaryGithubToken4242";
const OIDC_TOKEN: &str = "canary-oidc-request-token-9911";
const OIDC_URL: &str = "https://canary-oidc.example/token?x=canaryurl77";

pub(crate) struct World {
    gh: Standin,
    tmp: tempfile::TempDir,
    config: PathBuf,
    runs: Cell<u64>,
    /// (what, text) of every process output so far.
    seen: RefCell<Vec<(String, String)>>,
}

impl World {
    /// One environment `dev`, a copy of `fixture`, with `extra` config lines.
    pub(crate) fn new(fixture: &str, extra: &str) -> World {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("envs/dev");
        common::copy_tree(&common::fixtures().join("tf").join(fixture), &dir);
        let config = tmp.path().join("tfpromote.yaml");
        std::fs::write(
            &config,
            format!(
                "version: 1\nterraform:\n  lock_timeout: 2s\nenvironments:\n  - name: dev\n    dir: envs/dev\n{extra}"
            ),
        )
        .expect("config");
        let gh = Standin::start_with(Default::default()).expect("stand-in");
        gh.add_commit("a0", &[]);
        World {
            gh,
            tmp,
            config,
            runs: Cell::new(0),
            seen: Default::default(),
        }
    }

    pub(crate) fn dir(&self) -> PathBuf {
        self.tmp.path().join("envs/dev")
    }

    fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// `tfpromote ARGS` in a runner-like environment for `event` at `sha`.
    fn command(&self, event: &str, sha: &str, payload: &str, args: &[&str]) -> Command {
        let run = self.runs.get() + 1;
        self.runs.set(run);
        let event_path = self.root().join(format!("event-{run}.json"));
        std::fs::write(&event_path, payload).expect("event");
        let mut cmd = common::tfpromote();
        cmd.arg("--config")
            .arg(&self.config)
            .args(args)
            .current_dir(self.root())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_API_URL", self.gh.api_url())
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", "octo/repo")
            .env("GITHUB_TOKEN", GITHUB_TOKEN)
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", OIDC_TOKEN)
            .env("ACTIONS_ID_TOKEN_REQUEST_URL", OIDC_URL)
            .env("GITHUB_EVENT_NAME", event)
            .env("GITHUB_EVENT_PATH", &event_path)
            .env("GITHUB_SHA", sha)
            .env("GITHUB_RUN_ID", run.to_string())
            .env("GITHUB_STEP_SUMMARY", self.root().join("summary.md"))
            .env("GITHUB_OUTPUT", self.root().join("output"))
            .env("TFPROMOTE_GITHUB_BACKOFF", "10ms");
        cmd
    }

    fn keep(&self, what: &str, out: Output) -> Output {
        let mut seen = self.seen.borrow_mut();
        seen.push((
            format!("{what} stdout"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ));
        seen.push((
            format!("{what} stderr"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
        out
    }

    /// `plan --env dev` on pull request 1 at `head`, with the comment and report files.
    pub(crate) fn pr_plan(&self, head: &str, vars: &[(&str, &str)]) -> Output {
        if self.gh.pull(1).is_none() {
            self.gh.add_commit(head, &["a0"]);
            self.gh.add_pull(Pull {
                number: 1,
                author: "alice".into(),
                head_sha: head.into(),
                base_ref: "main".into(),
                merged: false,
                merge_commit_sha: None,
            });
        }
        let payload =
            format!(r#"{{"number":1,"pull_request":{{"number":1,"head":{{"sha":"{head}"}}}}}}"#);
        let mut cmd = self.command("pull_request", head, &payload, &["plan", "--env", "dev"]);
        cmd.arg("--comment-file")
            .arg(self.root().join("comment.md"))
            .arg("--report-file")
            .arg(self.root().join("report.md"))
            .envs(vars.iter().copied());
        let out = cmd.output().expect("plan");
        self.keep("plan", out)
    }

    fn merge(&self, head: &str, merge: &str) {
        self.gh.add_commit(merge, &["a0", head]);
        self.gh.set_branch("main", merge);
        self.gh.add_pull(Pull {
            number: 1,
            author: "alice".into(),
            head_sha: head.into(),
            base_ref: "main".into(),
            merged: true,
            merge_commit_sha: Some(merge.into()),
        });
    }

    fn apply(&self, sha: &str, vars: &[(&str, &str)]) -> Output {
        let mut cmd = self.command(
            "push",
            sha,
            r#"{"ref":"refs/heads/main"}"#,
            &["apply", "--env", "dev"],
        );
        cmd.envs(vars.iter().copied());
        let out = cmd.output().expect("apply");
        self.keep("apply", out)
    }

    /// Every channel: process outputs, files, request bodies.
    pub(crate) fn channels(&self) -> Vec<(String, String)> {
        let mut all = self.seen.borrow().clone();
        for file in ["summary.md", "output", "comment.md", "report.md"] {
            if let Ok(t) = std::fs::read_to_string(self.root().join(file)) {
                all.push((file.into(), t));
            }
        }
        for r in self.gh.requests() {
            all.push((format!("request {} {}", r.method, r.path), r.body));
        }
        all
    }

    /// No canary in any channel (outside `::add-mask::` lines), the credentials included,
    /// and no request broke GitHub's description.
    fn assert_clean(&self, canaries: &[&str]) {
        let mut canaries = canaries.to_vec();
        canaries.extend([
            GITHUB_TOKEN,
            OIDC_TOKEN,
            "canary-oidc.example",
            "canaryurl77",
        ]);
        for (name, text) in self.channels() {
            let shown: Vec<&str> = text
                .lines()
                .filter(|l| !l.starts_with("::add-mask::"))
                .collect();
            let shown = shown.join("\n");
            for canary in &canaries {
                assert!(
                    !shown.contains(canary),
                    "{canary:?} leaked into {name}:\n{shown}"
                );
            }
        }
        assert_eq!(self.gh.violations(), Vec::<String>::new());
    }

    fn stderr_of_all(&self) -> String {
        self.seen
            .borrow()
            .iter()
            .filter(|(n, _)| n.ends_with("stderr"))
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn terraform(dir: &Path, args: &[&str], vars: &[(&str, &str)]) {
    let out = Command::new(common::terraform())
        .arg(format!("-chdir={}", dir.display()))
        .args(args)
        .envs(vars.iter().copied())
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .expect("terraform");
    assert!(
        out.status.success(),
        "terraform {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A `for_each` key built from a `TF_VAR_` value is secret. When the plan changed after
/// review, the plan-change gate names the changed instance: on stderr, in the `::warning`
/// annotation and in the job summary, the key is masked.
#[test]
fn the_plan_change_gate_masks_secret_for_each_keys() {
    let key = "canary-foreach-key-5150";
    let w = World::new("leaks", "    on_plan_change: warn\n");
    let vars = [("TF_VAR_key", key)];
    let plan = w.pr_plan("h1", &vars);
    assert!(plan.status.success(), "{}", text(&plan));
    w.merge("h1", "m1");
    // Between review and apply the instance's input changes.
    let changed = [("TF_VAR_key", key), ("TF_VAR_size", "7")];
    let apply = w.apply("m1", &changed);
    assert!(apply.status.success(), "{}", text(&apply));
    let err = String::from_utf8_lossy(&apply.stderr);
    assert!(
        err.contains("plan changed since review") && err.contains("terraform_data.t["),
        "the warning names the instance: {err}"
    );
    w.assert_clean(&[key]);
}

/// Terraform wraps a diagnostic's text at about 78 columns; a secret holding spaces is cut
/// across two lines. Masking whole texts with whitespace-tolerant forms still finds it.
#[test]
fn a_secret_wrapped_across_lines_is_masked() {
    let words = [
        "wrapalpha",
        "wrapbravo",
        "wrapcharlie",
        "wrapdelta",
        "wrapecho",
        "wrapfoxtrot",
    ];
    let phrase = words.join(" ");
    let w = World::new("leaks", "");
    let plan = w.pr_plan("h1", &[("TF_VAR_phrase", &phrase)]);
    assert_eq!(plan.status.code(), Some(1), "{}", text(&plan));
    assert!(
        w.stderr_of_all()
            .contains("is longer than nineteen characters"),
        "Terraform's diagnostic is shown: {}",
        w.stderr_of_all()
    );
    w.assert_clean(&words);
}

/// A sensitive variable set in a var file by an expression Terraform refuses there
/// (`trimspace("...")`), or on a key given twice: Terraform quotes the line.
#[test]
fn var_file_lines_terraform_refuses_are_masked() {
    for (tfvars, canaries) in [
        (
            "db_password = trimspace(\"  canary-trimmed-3141  \")\n",
            vec!["canary-trimmed-3141"],
        ),
        (
            "db_password = \"canary-first-2718\"\ndb_password = \"canary-second-1618\"\n",
            vec!["canary-first-2718", "canary-second-1618"],
        ),
        (
            "db_password = \"canary-broken-1414\n",
            vec!["canary-broken-1414"],
        ),
    ] {
        let w = World::new("leaks", "");
        std::fs::write(w.dir().join("terraform.tfvars"), tfvars).expect("tfvars");
        let plan = w.pr_plan("h1", &[]);
        assert_eq!(plan.status.code(), Some(1), "{tfvars}: {}", text(&plan));
        w.assert_clean(&canaries);
    }
}

/// Apply OLD secrets, plan NEW ones: Terraform's plan text prints the prior values through
/// `terraform_data`'s unmarked `output`. A short secret (`TF_VAR_stage=prod`) inside a
/// longer one (`prod-OLDPW-...`) must not hide the longer one from masking, and a sensitive
/// number longer than a float keeps is masked as Terraform prints it.
#[test]
fn nested_secrets_and_long_numbers_are_masked_whole() {
    let w = World::new("leaks", "");
    let old = [
        ("TF_VAR_db_password", "prod-OLDPW-canary-8080"),
        ("TF_VAR_big", "98765432109876543210"),
    ];
    terraform(&w.dir(), &["init", "-input=false"], &[]);
    terraform(&w.dir(), &["apply", "-input=false", "-auto-approve"], &old);
    std::fs::write(
        w.dir().join("terraform.tfvars"),
        "db_password = \"prod-NEWPW-canary-9090\"\nbig = 12345678901234567891\n",
    )
    .expect("tfvars");
    let plan = w.pr_plan("h1", &[("TF_VAR_stage", "prod")]);
    assert!(plan.status.success(), "{}", text(&plan));
    assert!(
        w.stderr_of_all().contains("terraform_data.keys"),
        "Terraform's plan text is shown: {}",
        w.stderr_of_all()
    );
    w.assert_clean(&[
        "OLDPW-canary-8080",
        "NEWPW-canary-9090",
        "98765432109876543210",
        "12345678901234567891",
    ]);
}

/// A pull request links `zz.auto.tfvars` to `/proc/self/environ` (or a module's file to a
/// host file): Terraform never starts, the link is named, and nothing of the environment is
/// printed.
#[test]
fn links_out_of_the_repository_are_refused_before_terraform_starts() {
    let w = World::new("leaks", "");
    std::os::unix::fs::symlink("/proc/self/environ", w.dir().join("zz.auto.tfvars")).expect("link");
    let plan = w.pr_plan("h1", &[("TF_VAR_key", "canary-env-key-6060")]);
    assert!(!plan.status.success(), "{}", text(&plan));
    let all = w.stderr_of_all();
    assert!(
        all.contains("zz.auto.tfvars") && all.contains("outside the repository"),
        "the link is named: {all}"
    );
    assert!(
        !w.dir().join(".terraform").exists(),
        "Terraform never ran (no init)"
    );
    w.assert_clean(&["canary-env-key-6060"]);
}

/// Machine output (`<env>_summary_json`, `render --format json`) carries destructive
/// addresses; a secret `for_each` key in them is masked and the JSON stays valid.
#[test]
fn machine_output_masks_secret_keys_and_stays_valid_json() {
    let key = "canary-json-key-7070";
    let w = World::new("leaks", "");
    let first = [("TF_VAR_key", key)];
    terraform(&w.dir(), &["init", "-input=false"], &[]);
    terraform(
        &w.dir(),
        &["apply", "-input=false", "-auto-approve"],
        &first,
    );
    // A new size replaces the instance: a destructive change, listed by address.
    let replace = [("TF_VAR_key", key), ("TF_VAR_size", "3")];
    let plan = w.pr_plan("h1", &replace);
    assert!(plan.status.success(), "{}", text(&plan));
    let outputs = std::fs::read_to_string(w.root().join("output")).expect("outputs");
    let json = outputs
        .split("dev_summary_json<<")
        .nth(1)
        .and_then(|rest| {
            let (delimiter, body) = rest.split_once('\n')?;
            body.split_once(&format!("\n{delimiter}")).map(|(b, _)| b)
        })
        .or_else(|| {
            outputs
                .lines()
                .find_map(|l| l.strip_prefix("dev_summary_json="))
        })
        .expect("dev_summary_json");
    let parsed: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    let address = parsed["destructive"][0]["address"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(address, "terraform_data.t[\"***\"]", "{json}");

    // The same through `render --format json` on the plan's JSON.
    terraform(
        &w.dir(),
        &["plan", "-input=false", "-out=replace.tfplan"],
        &replace,
    );
    let shown = Command::new(common::terraform())
        .arg(format!("-chdir={}", w.dir().display()))
        .args(["show", "-json", "replace.tfplan"])
        .output()
        .expect("show");
    std::fs::write(w.root().join("plan.json"), &shown.stdout).expect("plan json");
    let render = common::tfpromote()
        .current_dir(w.root())
        .args(["render", "--format", "json", "--plan-json"])
        .arg(w.root().join("plan.json"))
        .envs(replace)
        .output()
        .expect("render");
    assert!(render.status.success(), "{}", text(&render));
    let rendered: serde_json::Value =
        serde_json::from_slice(&render.stdout).expect("render gives valid JSON");
    assert_eq!(
        rendered["destructive"][0]["address"], "terraform_data.t[\"***\"]",
        "{rendered}"
    );
    w.keep("render", render);
    w.assert_clean(&[key]);
}

/// Terraform's environment holds none of tfpromote's credentials: code in the pull request
/// reads `/proc/self/environ` at plan time and the plan prints what it found.
#[test]
fn terraform_never_sees_tfpromotes_credentials() {
    let w = World::new("environ", "");
    let plan = w.pr_plan("h1", &[("TFPROMOTE_CANARY_NOTE", "canary")]);
    assert!(plan.status.success(), "{}", text(&plan));
    let err = w.stderr_of_all();
    for (output, expected) in [
        ("sees_github_token", false),
        ("sees_oidc_request", false),
        ("sees_canary", false),
        ("sees_path", true),
    ] {
        let line = err
            .lines()
            .find(|l| l.contains(output) && l.contains('='))
            .unwrap_or_else(|| panic!("{output} in the plan: {err}"));
        assert!(
            line.trim_end().ends_with(&expected.to_string()),
            "{output} should be {expected}: {line}"
        );
    }
    w.assert_clean(&[]);
}

/// A same-user child cannot read tfpromote's own environment from
/// `/proc/<pid>/environ`. The test runs as root, which may read any process's files, so
/// tfpromote and the reader both run as `nobody` (with `setpriv`), as a runner's job does.
#[test]
fn a_same_user_child_cannot_read_tfpromotes_environment() {
    let w = World::new("leaks", "");
    // `nobody` must be able to reach the copy and write Terraform's data there.
    let mut perms = std::process::Command::new("chmod");
    perms.args(["-R", "a+rwX"]).arg(w.root());
    assert!(perms.status().expect("chmod").success());
    let cmd = w.command(
        "pull_request",
        "h1",
        r#"{"number":1,"pull_request":{"number":1,"head":{"sha":"h1"}}}"#,
        &["plan", "--env", "dev"],
    );
    // `setpriv` then execs tfpromote in the same process: the child's pid is tfpromote's.
    let program = cmd.get_program().to_owned();
    let args: Vec<std::ffi::OsString> = cmd.get_args().map(|a| a.to_owned()).collect();
    let envs: Vec<(std::ffi::OsString, Option<std::ffi::OsString>)> = cmd
        .get_envs()
        .map(|(k, v)| (k.to_owned(), v.map(|v| v.to_owned())))
        .collect();
    let mut nobody = Command::new("setpriv");
    nobody
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(program)
        .args(args)
        .current_dir(w.root())
        .env("HOME", w.root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in envs {
        match v {
            Some(v) => nobody.env(k, v),
            None => nobody.env_remove(k),
        };
    }
    let child = nobody.spawn().expect("setpriv tfpromote");
    let pid = child.id();
    // Read while Terraform runs as tfpromote's child: that is when a pull request's code
    // would try it.
    let mut read = None;
    for _ in 0..1000 {
        if has_child(pid) {
            read = Some(
                Command::new("setpriv")
                    .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                    .args(["cat", &format!("/proc/{pid}/environ")])
                    .output()
                    .expect("cat as nobody"),
            );
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let out = child.wait_with_output().expect("tfpromote");
    let read = read.expect("tfpromote started");
    let environ = String::from_utf8_lossy(&read.stdout);
    assert!(
        !environ.contains(GITHUB_TOKEN) && !environ.contains(OIDC_TOKEN),
        "a same-user process read tfpromote's environment ({} bytes)",
        read.stdout.len()
    );
    assert!(
        !read.status.success(),
        "reading it is refused: {}",
        String::from_utf8_lossy(&read.stderr)
    );
    w.keep("plan as nobody", out);
    w.assert_clean(&[]);
}

/// True when some process's parent is `pid`.
fn has_child(pid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|e| {
        std::fs::read_to_string(e.path().join("status")).is_ok_and(|status| {
            status
                .lines()
                .any(|l| l.strip_prefix("PPid:").map(str::trim) == Some(&pid.to_string()))
        })
    })
}
