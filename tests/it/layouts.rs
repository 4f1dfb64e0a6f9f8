//! tfpromote on repositories laid out unlike this one (tests/fixtures/layouts): an
//! `envs/<name>/` layout and a one-root-many-var-files layout. `check` applies only the
//! rules that hold for any layout unless `contract:` turns more on; `plan --all` (moto),
//! `apply` and `status` (the GitHub stand-in, a stand-in because GitHub's API cannot run
//! here) work on both, the one-root layout included (one directory, a var file and state
//! key per environment).

use crate::common;
use crate::common::moto::{AWS_ENV, Moto};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use github_standin::{Pull, Standin};

/// A copy of a fixture layout, with the moto backend file its config names.
fn layout(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join(name);
    common::copy_tree(&common::fixtures().join("layouts").join(name), &root);
    std::fs::write(
        root.join("moto.s3.tfbackend"),
        "use_path_style              = true\nskip_credentials_validation = true\n\
         skip_requesting_account_id  = true\nskip_metadata_api_check     = true\n\
         skip_region_validation      = true\n",
    )
    .expect("moto backend file");
    (tmp, root)
}

fn run(root: &Path, args: &[&str]) -> Output {
    common::tfpromote()
        .current_dir(root)
        .args(args)
        .output()
        .expect("run tfpromote")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn append(path: &Path, extra: &str) {
    let mut text = std::fs::read_to_string(path).expect("read");
    text.push_str(extra);
    std::fs::write(path, text).expect("write");
}

/// This repository's own rules, as its tfpromote.yaml turns them on.
const STRICT_RULES: &str = "contract:
  required_files: [backend.tf, main.tf, provider.tf, variables.tf, versions.tf, terraform.tfvars]
  backend:
    type: s3
    key_prefix: \"{env}/\"
    use_lockfile: true
    encrypt: true
  permissions_boundary: \"arn:aws:iam::*:policy/*-boundary-{env}\"
";

#[test]
fn check_holds_other_layouts_only_to_the_rules_for_any_layout() {
    for name in ["envs-dirs", "single-root"] {
        let (_tmp, root) = layout(name);
        let out = run(&root, &["check"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out));
        assert!(
            stdout.contains("isolation contract: ok (2 environments, own remote state per environment, module sources inside the repository)"),
            "{name}: {stdout}"
        );
        assert!(
            stdout.trim_end().ends_with("tfpromote.yaml: ok"),
            "{name}: one verdict, last: {stdout}"
        );
    }
}

#[test]
fn stricter_rules_are_configuration() {
    let (_tmp, root) = layout("envs-dirs");
    append(&root.join("tfpromote.yaml"), STRICT_RULES);
    let out = run(&root, &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    for word in [
        "envs/dev/provider.tf: missing; contract.required_files",
        "envs/dev/backend.tf: state key \"network/dev.tfstate\" is not under the environment's name: use \"dev/terraform.tfstate\"",
        "modules/network/main.tf: resource \"aws_iam_role\" \"flow_logs\" (via module \"network\") creates an IAM role without a permissions_boundary",
    ] {
        assert!(stderr.contains(word), "expected {word:?} in:\n{stderr}");
    }
    // One verdict: no `ok` for the config when the contract fails.
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(": ok"),
        "{}",
        text(&out)
    );
}

#[test]
fn shared_state_is_refused_in_any_layout() {
    // Two environments of one root pointing at the same state key.
    let (_tmp, root) = layout("single-root");
    let prod = root.join("config/prod.s3.tfbackend");
    let body = std::fs::read_to_string(&prod).expect("read");
    std::fs::write(&prod, body.replace("app/prod.tfstate", "app/dev.tfstate")).expect("write");
    let out = run(&root, &["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("terraform/versions.tf: state key \"app/dev.tfstate\" is also used by `dev`"),
        "{}",
        text(&out)
    );

    // Two environments of one root with the same backend files: refused at load.
    let (_tmp, root) = layout("single-root");
    let config = root.join("tfpromote.yaml");
    let yaml = std::fs::read_to_string(&config).expect("read");
    std::fs::write(
        &config,
        yaml.replace("config/prod.s3.tfbackend", "config/dev.s3.tfbackend"),
    )
    .expect("write");
    let out = run(&root, &["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("environments `dev` and `prod` share directory \"terraform\" with the same backend_config"),
        "{stderr}"
    );

    // A root without a backend keeps its state on the runner.
    let (_tmp, root) = layout("envs-dirs");
    let backend = root.join("envs/prod/backend.tf");
    let body = std::fs::read_to_string(&backend).expect("read");
    let cut = body.find("  backend \"s3\"").expect("backend block");
    std::fs::write(&backend, format!("{}}}\n", &body[..cut])).expect("write");
    let out = run(&root, &["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("envs/prod/(the environment's .tf files): declares no `backend` block: state would stay on the runner's disk"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_missing_module_source_is_named_as_such() {
    let (_tmp, root) = layout("envs-dirs");
    append(&root.join("tfpromote.yaml"), STRICT_RULES);
    std::fs::remove_dir_all(root.join("modules/network")).expect("rm");
    let out = run(&root, &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr.contains(
            "envs/dev/main.tf: module \"network\": source \"../../modules/network\" not found (no such directory)"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("permissions_boundary"),
        "a module that cannot be read is not guessed about:\n{stderr}"
    );
}

#[test]
fn a_module_source_outside_the_repository_is_refused() {
    let (tmp, root) = layout("envs-dirs");
    // The module moves next to the repository; the root reaches it with `../../../`.
    std::fs::rename(root.join("modules"), tmp.path().join("modules")).expect("mv");
    for env in ["dev", "prod"] {
        let main = root.join("envs").join(env).join("main.tf");
        let body = std::fs::read_to_string(&main).expect("read");
        std::fs::write(&main, body.replace("../../modules", "../../../modules")).expect("write");
    }
    let out = run(&root, &["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "module \"network\": source \"../../../modules/network\" leads outside the repository"
        ),
        "{}",
        text(&out)
    );
}

/// A runner-like `tfpromote` for `event` at `sha` against the stand-in and moto.
fn on_runner(
    root: &Path,
    gh: &Standin,
    moto: &Moto,
    event: &str,
    sha: &str,
    payload: &str,
) -> Command {
    let event_path = root.join(format!("event-{sha}.json"));
    std::fs::write(&event_path, payload).expect("event");
    let mut cmd = common::tfpromote();
    cmd.current_dir(root)
        .envs(AWS_ENV)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_API_URL", gh.api_url())
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "octo/repo")
        .env("GITHUB_TOKEN", "ghs_standintoken")
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_SHA", sha)
        .env("GITHUB_RUN_ID", "1")
        .env("GITHUB_STEP_SUMMARY", root.join("summary.md"))
        .env("GITHUB_OUTPUT", root.join("output"))
        .env("TFPROMOTE_GITHUB_BACKOFF", "10ms");
    cmd
}

#[test]
fn plan_apply_and_status_work_on_other_layouts() {
    for name in ["envs-dirs", "single-root"] {
        let (_tmp, root) = layout(name);
        // A pull request may only use providers the default branch's lock files list; these
        // copies are no git checkout with a base branch, so the one provider is allowed.
        let config = root.join("tfpromote.yaml");
        let yaml = std::fs::read_to_string(&config).expect("config");
        std::fs::write(
            &config,
            yaml.replace(
                "terraform:\n",
                "terraform:\n  allowed_new_providers: [hashicorp/aws]\n",
            ),
        )
        .expect("config");
        let moto = Moto::start();
        moto.create_bucket("acme-terraform-state");
        let gh = Standin::start_with(Default::default()).expect("stand-in");
        gh.add_commit("a0", &[]);
        gh.add_commit("h1", &["a0"]);
        let pull = |merged: bool| Pull {
            number: 1,
            author: "alice".into(),
            head_sha: "h1".into(),
            base_ref: "main".into(),
            merged,
            merge_commit_sha: merged.then(|| "m1".to_string()),
        };
        gh.add_pull(pull(false));

        // The pull request's plan of both environments.
        let out = on_runner(
            &root,
            &gh,
            &moto,
            "pull_request",
            "h1",
            r#"{"number":1,"pull_request":{"number":1,"head":{"sha":"h1"}}}"#,
        )
        .args(["plan", "--all"])
        .output()
        .expect("plan");
        assert!(out.status.success(), "{name}: plan --all: {}", text(&out));
        let comment = gh
            .comments(1)
            .into_iter()
            .find(|c| tfpromote::tracker::is_tracker(&c.body))
            .map(|c| c.body)
            .expect("a tracker comment");
        for env in ["dev", "prod"] {
            assert!(
                comment.contains(env),
                "{name}: {env} in the comment:\n{comment}"
            );
        }
        let tracker = tfpromote::tracker::parse(&comment);
        assert_eq!(tracker.data.envs.len(), 2, "{name}: {comment}");

        // Merged; dev applied on main.
        gh.add_commit("m1", &["a0", "h1"]);
        gh.set_branch("main", "m1");
        gh.add_pull(pull(true));
        let out = on_runner(
            &root,
            &gh,
            &moto,
            "push",
            "m1",
            r#"{"ref":"refs/heads/main"}"#,
        )
        .args(["apply", "--env", "dev"])
        .output()
        .expect("apply");
        assert!(out.status.success(), "{name}: apply dev: {}", text(&out));
        let keys = moto.keys("acme-terraform-state");
        let dev_key = if name == "envs-dirs" {
            "network/dev.tfstate"
        } else {
            "app/dev.tfstate"
        };
        assert!(keys.iter().any(|k| k == dev_key), "{name}: {keys:?}");
        assert!(
            !keys.iter().any(|k| k.contains("prod")),
            "{name}: only dev was applied: {keys:?}"
        );

        // The ladder: dev applied at m1, prod not yet.
        let out = on_runner(
            &root,
            &gh,
            &moto,
            "push",
            "m1",
            r#"{"ref":"refs/heads/main"}"#,
        )
        .args(["status", "--sha", "m1", "--format", "json"])
        .output()
        .expect("status");
        assert!(out.status.success(), "{name}: status: {}", text(&out));
        let ladder: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status json");
        let rendered = ladder.to_string();
        assert!(rendered.contains("dev"), "{name}: {rendered}");
        assert!(
            rendered.contains("success"),
            "{name}: dev applied: {rendered}"
        );
        assert!(gh.violations().is_empty(), "{:?}", gh.violations());
    }
}
