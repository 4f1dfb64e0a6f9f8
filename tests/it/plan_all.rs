//! `tfpromote plan` as a binary against real Terraform: `--all` plans environments
//! concurrently but never more than `terraform.parallelism` at once, and exit codes map
//! Terraform failures to 1 and successful plans (with changes) to 0.

use crate::common;

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use common::slow_http::{Request, SlowHttp};

const ENVS: [&str; 3] = ["dev", "stage", "prod"];

/// How long the fake state server holds each read: long enough that concurrent plans must
/// overlap, and sequential ones cannot be mistaken for concurrent ones.
const HOLD: Duration = Duration::from_millis(1500);

struct Workspace {
    tmp: tempfile::TempDir,
    config: PathBuf,
}

impl Workspace {
    /// `tfpromote.yaml` plus one copied fixture root per `(env, fixture)`.
    fn new(parallelism: usize, envs: &[(&str, &str)]) -> Workspace {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut yaml = format!(
            "version: 1\nterraform:\n  min_version: \"1.11\"\n  lock_timeout: 30s\n  parallelism: {parallelism}\nenvironments:\n"
        );
        for (name, fixture) in envs {
            common::copy_tree(
                &common::fixtures().join("tf").join(fixture),
                &tmp.path().join("envs").join(name),
            );
            yaml.push_str(&format!("  - name: {name}\n    dir: envs/{name}\n"));
        }
        let config = tmp.path().join("tfpromote.yaml");
        std::fs::write(&config, yaml).expect("write tfpromote.yaml");
        Workspace { tmp, config }
    }

    fn env_dir(&self, name: &str) -> PathBuf {
        self.tmp.path().join("envs").join(name)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Runs `tfpromote --config ... plan ARGS` with GitHub's output files in the workspace.
    fn plan(&self, args: &[&str]) -> Output {
        self.plan_with(args, &[])
    }

    /// [`Workspace::plan`] with extra environment variables.
    fn plan_with(&self, args: &[&str], vars: &[(&str, &str)]) -> Output {
        let mut cmd = common::tfpromote();
        cmd.envs(vars.iter().copied());
        cmd.arg("--config")
            .arg(&self.config)
            .arg("plan")
            .args(args)
            .env("GITHUB_OUTPUT", self.path("github_output"))
            .env("GITHUB_STEP_SUMMARY", self.path("step_summary.md"))
            .current_dir(self.tmp.path());
        let out = cmd.output().expect("run tfpromote");
        eprintln!(
            "tfpromote plan {args:?}: {}\n--- stderr ---\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }
}

/// Three slow-planning environments whose remote state is served by `server`.
fn slow_workspace(parallelism: usize, server: &SlowHttp) -> Workspace {
    let envs: Vec<(&str, &str)> = ENVS.iter().map(|e| (*e, "slow_plan")).collect();
    let ws = Workspace::new(parallelism, &envs);
    for env in ENVS {
        std::fs::write(
            ws.env_dir(env).join("terraform.auto.tfvars"),
            format!("state_address = \"{}\"\n", server.url(env)),
        )
        .expect("write terraform.auto.tfvars");
    }
    ws
}

fn requests_of(requests: &[Request], env: &str) -> Vec<Request> {
    let path = format!("/{env}");
    requests
        .iter()
        .filter(|r| r.method == "GET" && r.path == path)
        .cloned()
        .collect()
}

fn any_overlap(a: &[Request], b: &[Request]) -> bool {
    a.iter().any(|x| b.iter().any(|y| x.overlaps(y)))
}

/// Runs `plan --all` over the three slow environments with `parallelism`; returns the
/// workspace, each environment's remote-state reads, and their timeline for messages.
fn plan_all_slow(parallelism: usize) -> (Workspace, Vec<Vec<Request>>, String) {
    let server = SlowHttp::start(HOLD);
    let ws = slow_workspace(parallelism, &server);
    let out = ws.plan(&["--all", "--comment-file", "out.md"]);
    assert_success(&out);
    let requests = server.requests();
    let shown = timeline(&requests);
    let per_env: Vec<Vec<Request>> = ENVS.iter().map(|e| requests_of(&requests, e)).collect();
    for (env, reqs) in ENVS.iter().zip(&per_env) {
        assert!(
            !reqs.is_empty(),
            "{env} never read its remote state; requests:\n{shown}"
        );
    }
    (ws, per_env, shown)
}

fn assert_success(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "tfpromote plan should exit 0; stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn assert_outputs(ws: &Workspace) {
    let outputs = ws.read("github_output");
    for env in ENVS {
        assert!(
            outputs
                .lines()
                .any(|l| l.starts_with(&format!("{env}_fingerprint=sha256:"))),
            "$GITHUB_OUTPUT lacks {env}_fingerprint:\n{outputs}"
        );
        assert!(
            outputs
                .lines()
                .any(|l| l == format!("{env}_has_changes=true")),
            "$GITHUB_OUTPUT lacks {env}_has_changes=true:\n{outputs}"
        );
    }
    assert!(
        outputs.lines().any(|l| l == "has_changes=true"),
        "{outputs}"
    );
    assert!(outputs.lines().any(|l| l == "failed="), "{outputs}");
}

fn timeline(requests: &[Request]) -> String {
    let Some(origin) = requests.iter().map(|r| r.start).min() else {
        return "(no requests)".into();
    };
    requests
        .iter()
        .map(|r| {
            format!(
                "{} {}: {:.2}s .. {:.2}s",
                r.method,
                r.path,
                (r.start - origin).as_secs_f64(),
                (r.end - origin).as_secs_f64()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn plan_all_plans_environments_concurrently() {
    let (ws, per_env, shown) = plan_all_slow(3);
    for i in 0..ENVS.len() {
        for j in i + 1..ENVS.len() {
            assert!(
                any_overlap(&per_env[i], &per_env[j]),
                "with parallelism 3, {} and {} should plan at the same time; requests:\n{shown}",
                ENVS[i],
                ENVS[j]
            );
        }
    }

    let comment = ws.read("out.md");
    for env in ENVS {
        assert!(
            comment.contains(&format!("`{env}`")),
            "the comment does not mention {env}:\n{comment}"
        );
    }
    assert!(
        ws.read("step_summary.md").contains("`prod`"),
        "job summary lacks prod"
    );
    assert_outputs(&ws);
}

#[test]
fn plan_all_with_parallelism_1_plans_one_environment_at_a_time() {
    let (ws, per_env, shown) = plan_all_slow(1);
    for i in 0..ENVS.len() {
        for j in i + 1..ENVS.len() {
            assert!(
                !any_overlap(&per_env[i], &per_env[j]),
                "with parallelism 1, {} and {} must not plan at the same time; requests:\n{shown}",
                ENVS[i],
                ENVS[j]
            );
        }
    }
    assert_outputs(&ws);
}

#[test]
fn plan_env_with_syntax_error_exits_1_and_names_the_environment() {
    let ws = Workspace::new(3, &[("dev", "syntax_error")]);
    let out = ws.plan(&["--env", "dev"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a Terraform failure exits 1; stderr:\n{stderr}"
    );
    assert!(
        stderr.contains("dev: "),
        "stderr must name the failed environment:\n{stderr}"
    );
    assert!(
        stderr.contains("Error") && stderr.contains(&ws.env_dir("dev").display().to_string()),
        "stderr should carry Terraform's error and the directory:\n{stderr}"
    );
    let outputs = ws.read("github_output");
    assert!(
        outputs.lines().any(|l| l == "failed=dev"),
        "$GITHUB_OUTPUT failed=dev:\n{outputs}"
    );
}

#[test]
fn plan_env_with_changes_exits_0() {
    let ws = Workspace::new(3, &[("dev", "data")]);
    let out = ws.plan(&["--env", "dev", "--comment-file", "out.md"]);
    assert_success(&out);
    let outputs = ws.read("github_output");
    for expected in ["has_changes=true", "add=1", "dev_add=1", "failed="] {
        assert!(
            outputs.lines().any(|l| l == expected),
            "$GITHUB_OUTPUT lacks {expected}:\n{outputs}"
        );
    }
    for prefix in ["fingerprint=sha256:", "dev_fingerprint=sha256:"] {
        assert!(
            outputs.lines().any(|l| l.starts_with(prefix)),
            "$GITHUB_OUTPUT lacks {prefix}:\n{outputs}"
        );
    }
    assert!(ws.read("out.md").contains("`dev`"));
    assert!(
        !ws.env_dir("dev").join("applied.marker").exists(),
        "plan must never apply"
    );
}

/// `TFPROMOTE_TIMING=1` (for scripts/bench-first-comment) prints each phase's start and
/// end in microseconds since the epoch, in the order they ran; without it, nothing.
#[test]
fn plan_prints_phase_timing_only_when_asked() {
    let ws = Workspace::new(3, &[("dev", "data")]);
    let args = ["--env", "dev", "--comment-file", "out.md"];
    let quiet = ws.plan(&args);
    assert_success(&quiet);
    let stderr = String::from_utf8_lossy(&quiet.stderr);
    assert!(
        !stderr.contains("timing:"),
        "no timing lines unless asked:\n{stderr}"
    );

    let timed = ws.plan_with(&args, &[("TFPROMOTE_TIMING", "1")]);
    assert_success(&timed);
    let stderr = String::from_utf8_lossy(&timed.stderr);
    let phases: Vec<(String, u128, u128)> = stderr
        .lines()
        .filter_map(|line| line.strip_prefix("tfpromote: timing: "))
        .map(|rest| {
            let fields: Vec<&str> = rest.rsplitn(3, ' ').collect();
            let number = |s: &str| {
                s.parse::<u128>()
                    .unwrap_or_else(|e| panic!("{s} in {rest}: {e}"))
            };
            (fields[2].to_string(), number(fields[1]), number(fields[0]))
        })
        .collect();
    let names: Vec<&str> = phases.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["dev read", "render", "comment"], "{stderr}");
    for (name, start, end) in &phases {
        assert!(start <= end, "{name} ends before it starts: {stderr}");
    }
    for pair in phases.windows(2) {
        assert!(
            pair[0].2 <= pair[1].1,
            "{} overlaps {}: {stderr}",
            pair[0].0,
            pair[1].0
        );
    }
}

/// On SIGINT every environment's Terraform must get to release its lock: returning as soon
/// as the first environment reports the interrupt would drop the runtime while another
/// Terraform is still stopping; it then loses its stderr pipe (Go dies of SIGPIPE on fd 2)
/// and never releases its state lock.
#[test]
fn interrupted_plan_all_waits_for_every_environment_to_release_its_lock() {
    use common::moto::{AWS_ENV, Moto};
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    use std::process::Stdio;

    let moto = Moto::start();
    moto.create_bucket("tfstate");
    // dev stops soon after the interrupt; prod is still reading its remote state for a while.
    let fast = SlowHttp::start(Duration::from_secs(3));
    let slow = SlowHttp::start(Duration::from_secs(10));
    let ws = Workspace::new(2, &[("dev", "slow_plan"), ("prod", "slow_plan")]);
    // Plans take no lock by default (the plan role may not write lock files); this test is
    // about releasing locks, so it asks for them.
    let yaml = std::fs::read_to_string(&ws.config).expect("config");
    std::fs::write(
        &ws.config,
        yaml.replace("terraform:\n", "terraform:\n  lock_plans: true\n"),
    )
    .expect("config");
    for (env, server) in [("dev", &fast), ("prod", &slow)] {
        let dir = ws.env_dir(env);
        moto.write_backend(&dir, "tfstate", &format!("{env}/terraform.tfstate"));
        std::fs::write(
            dir.join("terraform.auto.tfvars"),
            format!("state_address = \"{}\"\n", server.url(env)),
        )
        .expect("write terraform.auto.tfvars");
    }
    let child = common::tfpromote()
        .arg("--config")
        .arg(&ws.config)
        .args(["plan", "--all"])
        .envs(AWS_ENV)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tfpromote");
    for env in ["dev", "prod"] {
        let held = moto.wait_for_key(
            "tfstate",
            &format!("{env}/terraform.tfstate.tflock"),
            true,
            Duration::from_secs(30),
        );
        assert!(held, "{env} never took its state lock");
    }
    std::thread::sleep(Duration::from_secs(1)); // both are now reading their remote state
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).expect("SIGINT tfpromote");
    let out = child.wait_with_output().expect("wait for tfpromote");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(130),
        "an interrupted plan exits 130:\n{stderr}"
    );
    let locks: Vec<String> = moto
        .keys("tfstate")
        .into_iter()
        .filter(|k| k.ends_with(".tflock"))
        .collect();
    assert!(
        locks.is_empty(),
        "tfpromote exited while Terraform still held {locks:?}: it must wait for every environment to stop\n{stderr}"
    );
}
