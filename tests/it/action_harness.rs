//! The composite action, run step by step with bash in a runner-like environment
//! (tests/common/action_runner.rs). Its install step downloads a release tarball built here
//! from the real `tfpromote` binary, served over loopback HTTP at the path GitHub Releases
//! uses (`$GITHUB_SERVER_URL/OWNER/REPO/releases/download/TAG/ASSET`); GitHub itself is not
//! reachable from tests, so the server is a plain static file server that logs requests.

use crate::common;

use common::action_runner::{Action, Runner, target_triple};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const REPO: &str = "octo/tfpromote";

fn version() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

fn asset() -> String {
    format!("tfpromote-{}-{}.tar.gz", version(), target_triple())
}

fn release_file(version: &str) -> String {
    format!("# test release\nversion={version}\nrepository={REPO}\n")
}

/// A release tarball with the real binary at its top level, as scripts/release-build makes.
/// Built once per test binary (the debug binary is large); gzip -1 keeps that quick.
fn tarball() -> Vec<u8> {
    static TARBALL: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    TARBALL
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let pkg = dir.path().join("pkg");
            std::fs::create_dir_all(&pkg).expect("pkg");
            std::fs::copy(env!("CARGO_BIN_EXE_tfpromote"), pkg.join("tfpromote"))
                .expect("copy binary");
            let out = std::process::Command::new("bash")
                .arg("-c")
                .arg("set -o pipefail; tar -cf - -C \"$1\" tfpromote | gzip -1")
                .arg("tarball")
                .arg(&pkg)
                .output()
                .expect("tar");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        })
        .clone()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn release_server(bytes: Vec<u8>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/{REPO}/releases/download/{}/{}",
            version(),
            asset()
        )))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes))
        .mount(&server)
        .await;
    server
}

async fn downloads(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path().ends_with(".tar.gz"))
        .count()
}

/// A runner whose SHA256SUMS carries the right checksum of the served tarball.
async fn installed_release() -> (MockServer, Runner) {
    let bytes = tarball();
    let sums = format!("# test sums\n{}  {}\n", sha256_hex(&bytes), asset());
    let server = release_server(bytes).await;
    let runner = Runner::new(&server.uri(), &release_file(&version()), &sums);
    (server, runner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_checksum_installs_runs_version_and_the_second_run_uses_the_cache() {
    let (server, mut runner) = installed_release().await;

    let first = runner.run(&[("command", "check")]);
    let install = first.step("install");
    assert_eq!(install.code, Some(0), "{}", first.log());
    let bin = install.outputs.get("path").expect("path output").clone();
    assert!(
        bin.starts_with(runner.tool_cache.to_str().expect("utf-8")),
        "installed under RUNNER_TOOL_CACHE: {bin}"
    );
    assert!(
        install
            .stderr
            .contains(&format!("using tfpromote {}", env!("CARGO_PKG_VERSION"))),
        "install ran `tfpromote --version`: {}",
        first.log()
    );
    assert_eq!(
        first.outputs.get("path"),
        Some(&bin),
        "action output `path`"
    );
    assert_eq!(downloads(&server).await, 1);

    let second = runner.run(&[("command", "check")]);
    let install = second.step("install");
    assert_eq!(install.code, Some(0), "{}", second.log());
    assert!(install.stderr.contains("cached"), "{}", second.log());
    assert_eq!(install.outputs.get("path"), Some(&bin));
    assert_eq!(
        downloads(&server).await,
        1,
        "the second run must not download again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_checksum_refuses_with_a_clear_error_and_installs_nothing() {
    let bytes = tarball();
    let wrong = sha256_hex(b"not the release");
    let sums = format!("{wrong}  {}\n", asset());
    let server = release_server(bytes.clone()).await;
    let mut runner = Runner::new(&server.uri(), &release_file(&version()), &sums);

    let run = runner.run(&[("command", "check")]);
    let install = run.step("install");
    assert_eq!(install.code, Some(1), "{}", run.log());
    assert_eq!(run.ids(), ["install"], "the run step must not start");
    assert!(
        install.stderr.contains("checksum mismatch")
            && install.stderr.contains(&wrong)
            && install.stderr.contains(&sha256_hex(&bytes))
            && install.stderr.contains("refusing to install"),
        "{}",
        run.log()
    );
    assert!(!install.outputs.contains_key("path"));
    let installed = walk(&runner.tool_cache)
        .into_iter()
        .filter(|p| p.ends_with("tfpromote"))
        .count();
    assert_eq!(installed, 0, "nothing may be cached from a bad download");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_without_committed_checksums_is_refused_before_any_download() {
    let (server, mut runner) = installed_release().await;
    let run = runner.run(&[("command", "check"), ("version", "v9.9.9")]);
    let install = run.step("install");
    assert_eq!(install.code, Some(1), "{}", run.log());
    assert!(
        install.stderr.contains("no checksum for tfpromote-v9.9.9-")
            && install.stderr.contains("pin the action to the tag"),
        "{}",
        run.log()
    );
    assert_eq!(downloads(&server).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_asset_for_the_platform_builds_from_source_and_says_what_it_needs() {
    // The committed placeholder release lists no asset: the action compiles instead. With no
    // cargo on PATH that must fail with the fix, not download anything.
    let server = release_server(tarball()).await;
    let mut runner = Runner::new(&server.uri(), &release_file("v0.0.0"), "# none yet\n");
    let bin_dir = runner.root.path().join("bin-without-cargo");
    std::fs::create_dir_all(&bin_dir).expect("dir");
    for tool in [
        "bash",
        "curl",
        "tar",
        "sha256sum",
        "mktemp",
        "cat",
        "dirname",
        "rm",
    ] {
        if let Ok(p) = which(tool) {
            std::os::unix::fs::symlink(p, bin_dir.join(tool)).expect("symlink");
        }
    }
    runner
        .extra_env
        .push(("PATH".into(), bin_dir.display().to_string()));
    let run = runner.run(&[("command", "check")]);
    let install = run.step("install");
    assert_eq!(install.code, Some(1), "{}", run.log());
    assert!(
        install.stderr.contains("no checksum for tfpromote-v0.0.0-")
            && install.stderr.contains("needs cargo on PATH"),
        "{}",
        run.log()
    );
    assert_eq!(downloads(&server).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_action_plans_and_its_outputs_mirror_the_binary_step_outputs() {
    let (_server, mut runner) = installed_release().await;
    let env_dir = runner.workspace.join("envs/dev");
    std::fs::create_dir_all(&env_dir).expect("dir");
    std::fs::write(
        env_dir.join("main.tf"),
        "resource \"terraform_data\" \"x\" {}\n",
    )
    .expect("main.tf");
    std::fs::write(
        runner.workspace.join("platform.yaml"),
        "version: 1\nenvironments:\n  - name: dev\n    dir: envs/dev\n",
    )
    .expect("config");

    // No environment: plan every one (TFPROMOTE_ALL); config through its input.
    let run = runner.run(&[("command", "plan"), ("config", "platform.yaml")]);
    assert_eq!(run.step("run").code, Some(0), "{}", run.log());
    let outputs = &run.outputs;
    assert_eq!(outputs["has_changes"], "true", "{outputs:?}");
    assert_eq!(outputs["add"], "1", "{outputs:?}");
    // Per environment: one JSON object keyed by the config's names, whatever they are.
    let environments: serde_json::Value =
        serde_json::from_str(&outputs["environments"]).expect("environments is JSON");
    let names: Vec<&String> = environments.as_object().expect("object").keys().collect();
    assert_eq!(names, ["dev"], "{outputs:?}");
    assert_eq!(environments["dev"]["add"], 1, "{outputs:?}");
    assert_eq!(environments["dev"]["has_changes"], true, "{outputs:?}");
    assert!(
        environments["dev"]["fingerprint"]
            .as_str()
            .is_some_and(|f| f.starts_with("sha256:")),
        "{outputs:?}"
    );
    assert_eq!(
        environments["dev"]["summary"]["resources"]["create"], 1,
        "{outputs:?}"
    );
    assert!(
        !outputs
            .keys()
            .any(|k| k.starts_with("dev_") || k.starts_with("prod_")),
        "no output is named after one repository's environments: {outputs:?}"
    );
    assert_eq!(outputs["failed"], "", "{outputs:?}");
}

#[test]
fn action_outputs_mirror_the_run_step_and_no_script_contains_an_expression() {
    let action = Action::load(&common::repo_root().join("action.yml"));
    for (name, spec) in action.mapping("outputs") {
        let value = spec["value"].as_str().expect("value");
        let want = if name == "path" {
            "${{ steps.install.outputs.path }}".to_string()
        } else {
            format!("${{{{ steps.run.outputs.{name} }}}}")
        };
        assert_eq!(value, want, "output {name}");
    }
    for step in action.steps() {
        if let Some(run) = step["run"].as_str() {
            assert!(!run.contains("${{"), "expression inside run: {run}");
        }
    }
    let run_step = action
        .steps()
        .into_iter()
        .find(|s| s["id"].as_str() == Some("run"))
        .expect("run step");
    assert!(run_step["run"].as_str().expect("run").starts_with("exec "));
    let script =
        std::fs::read_to_string(common::repo_root().join("action/run.sh")).expect("run.sh");
    assert!(script.contains("\nexec \"$bin\" \"$command\"\n"));
}

/// A workspace with one environment whose only resource needs no provider download.
fn plannable_workspace(runner: &Runner) -> PathBuf {
    let env_dir = runner.workspace.join("envs/dev");
    std::fs::create_dir_all(&env_dir).expect("dir");
    std::fs::write(
        env_dir.join("main.tf"),
        "resource \"terraform_data\" \"x\" {}\n",
    )
    .expect("main.tf");
    std::fs::write(
        runner.workspace.join("platform.yaml"),
        "version: 1\nenvironments:\n  - name: dev\n    dir: envs/dev\n",
    )
    .expect("config");
    env_dir
}

const LOCK_V1: &str =
    "provider \"registry.terraform.io/hashicorp/aws\" {\n  version = \"6.0.0\"\n}\n";
const LOCK_V2: &str =
    "provider \"registry.terraform.io/hashicorp/aws\" {\n  version = \"6.1.0\"\n}\n";

/// The action keeps the plugin cache between runs with `actions/cache` (pinned by
/// commit SHA), on the directory the binary fills, keyed by the runner's OS and architecture
/// and the committed lock files: same locks, same key; a changed lock, a new key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plugin_cache_is_kept_between_runs_keyed_by_lock_files_and_platform() {
    let (_server, mut runner) = installed_release().await;
    let env_dir = plannable_workspace(&runner);
    std::fs::write(env_dir.join(".terraform.lock.hcl"), LOCK_V1).expect("lock");
    let cache_dir = runner.tool_cache.join("tfpromote/plugin-cache");

    let first = runner.run(&[("command", "plan"), ("config", "platform.yaml")]);
    assert_eq!(first.step("run").code, Some(0), "{}", first.log());
    let cache = first.used("restore-plugin-cache");
    assert!(cache.ran, "the cache step was skipped: {}", first.log());
    let pinned = regex::Regex::new(r"^actions/cache@[0-9a-f]{40}$").expect("regex");
    assert!(pinned.is_match(&cache.uses), "{}", cache.uses);
    assert_eq!(cache.with["path"], cache_dir.to_str().expect("utf-8"));
    let key = regex::Regex::new(&format!(
        r"^tfpromote-plugins-{}-{}-[0-9a-f]{{64}}$",
        common::action_runner::runner_os(),
        common::action_runner::runner_arch()
    ))
    .expect("regex");
    assert!(key.is_match(&cache.with["key"]), "{}", cache.with["key"]);
    assert!(
        !cache.with.contains_key("restore-keys"),
        "an old entry would carry stale providers into every new one"
    );
    // The binary filled the cached directory: it took its init lock there.
    assert!(
        cache_dir.join(".tfpromote-init.lock").exists(),
        "tfpromote did not use {}: {}",
        cache_dir.display(),
        first.log()
    );

    // `terraform init` drops the entry for the unused aws provider: put the committed
    // content back, as a fresh checkout would have it.
    std::fs::write(env_dir.join(".terraform.lock.hcl"), LOCK_V1).expect("lock");
    let again = runner.run(&[("command", "plan"), ("config", "platform.yaml")]);
    assert_eq!(
        again.used("restore-plugin-cache").with["key"],
        cache.with["key"],
        "unchanged lock files must give the same key"
    );
    std::fs::write(env_dir.join(".terraform.lock.hcl"), LOCK_V2).expect("lock");
    let changed = runner.run(&[("command", "plan"), ("config", "platform.yaml")]);
    assert_ne!(
        changed.used("restore-plugin-cache").with["key"],
        cache.with["key"],
        "a changed lock file must give a new key"
    );
}

/// Without a committed lock file the cache step is skipped with a note (Terraform would not
/// use cached providers anyway); `plugin-cache: false` skips it and leaves the binary on the
/// cache it would pick without the action; a bad value is refused by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plugin_cache_needs_lock_files_and_can_be_turned_off() {
    let (_server, mut runner) = installed_release().await;
    let env_dir = plannable_workspace(&runner);
    let cache_dir = runner.tool_cache.join("tfpromote/plugin-cache");

    let unpinned = runner.run(&[("command", "plan"), ("config", "platform.yaml")]);
    assert_eq!(unpinned.step("run").code, Some(0), "{}", unpinned.log());
    assert!(!unpinned.used("restore-plugin-cache").ran);
    assert!(
        unpinned
            .step("plugin-cache")
            .stderr
            .contains("no .terraform.lock.hcl"),
        "{}",
        unpinned.log()
    );

    // A CLI config naming another cache: with the action's cache on, the binary fills the
    // action's directory (the one saved); with it off, the CLI config's, as without the action.
    let cli_cache = runner.root.path().join("cli-config-cache");
    std::fs::create_dir_all(&cli_cache).expect("cli cache");
    let cli_config = runner.root.path().join("terraform.rc");
    std::fs::write(
        &cli_config,
        format!("plugin_cache_dir = \"{}\"\n", cli_cache.display()),
    )
    .expect("cli config");
    runner.extra_env.push((
        "TF_CLI_CONFIG_FILE".into(),
        cli_config.to_str().expect("utf-8").into(),
    ));
    std::fs::write(env_dir.join(".terraform.lock.hcl"), LOCK_V1).expect("lock");
    let _ = std::fs::remove_dir_all(&cache_dir);
    let on = runner.run(&[("command", "plan"), ("config", "platform.yaml")]);
    assert_eq!(on.step("run").code, Some(0), "{}", on.log());
    assert!(
        cache_dir.join(".tfpromote-init.lock").exists(),
        "{}",
        on.log()
    );
    assert!(!cli_cache.join(".tfpromote-init.lock").exists());

    std::fs::remove_dir_all(&cache_dir).expect("clear the cache dir");
    let off = runner.run(&[
        ("command", "plan"),
        ("config", "platform.yaml"),
        ("plugin-cache", "false"),
    ]);
    assert_eq!(off.step("run").code, Some(0), "{}", off.log());
    assert!(!off.used("restore-plugin-cache").ran);
    assert!(
        !cache_dir.join(".tfpromote-init.lock").exists(),
        "plugin-cache: false must not point the binary at the action's cache"
    );
    assert!(
        cli_cache.join(".tfpromote-init.lock").exists(),
        "{}",
        off.log()
    );

    let bad = runner.run(&[("command", "plan"), ("plugin-cache", "yes")]);
    let step = bad.step("plugin-cache");
    assert_eq!(step.code, Some(2), "{}", bad.log());
    assert!(
        step.stderr.contains("input plugin-cache: \"yes\""),
        "{}",
        step.stderr
    );
}

/// Hostile text in every free-form input, through the same harness: nothing it contains may
/// run. Each value names its own marker file; none may exist afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_inputs_never_execute() {
    let (_server, mut runner) = installed_release().await;
    std::fs::write(
        runner.workspace.join("tfpromote.yaml"),
        "version: 1\nenvironments:\n  - name: dev\n    dir: envs/dev\n",
    )
    .expect("config");
    std::fs::create_dir_all(runner.workspace.join("envs/dev")).expect("dir");
    let markers = runner.root.path().join("markers");
    std::fs::create_dir_all(&markers).expect("markers");
    let m = |n: &str| markers.join(n).display().to_string();

    // (command, inputs): every case is refused except the token one, which is just a token.
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        (
            "destroy",
            vec![
                ("environment", "dev".into()),
                ("confirm", format!("\"; touch {}; \"", m("confirm"))),
            ],
        ),
        (
            "plan",
            vec![("environment", format!("$(touch {})", m("subst")))],
        ),
        (
            "plan",
            vec![("environment", format!("`touch {}`", m("backtick")))],
        ),
        (
            "plan",
            vec![("environment", format!("dev\ntouch {}\n", m("newline")))],
        ),
        (
            "destroy",
            vec![
                ("environment", format!("dev'; touch {}; '", m("quote"))),
                ("confirm", format!("$(touch {})", m("confirm2"))),
            ],
        ),
        (
            "plan",
            vec![("config", format!("$(touch {})", m("config")))],
        ),
        (
            "plan",
            vec![("working-directory", format!("$(touch {})", m("workdir")))],
        ),
        (
            "plan",
            vec![("version", format!("v1.0.0; touch {}", m("version")))],
        ),
        (
            "plan",
            vec![("github-token", format!("x\"; touch {}; \"", m("token")))],
        ),
    ];
    for (command, inputs) in &cases {
        let mut all: Vec<(&str, &str)> = vec![("command", command)];
        all.extend(inputs.iter().map(|(k, v)| (*k, v.as_str())));
        let run = runner.run(&all);
        let last = run.steps.last().expect("a step ran");
        if !inputs.iter().any(|(k, _)| *k == "github-token") {
            assert_ne!(
                last.code,
                Some(0),
                "hostile input accepted: {all:?}\n{}",
                run.log()
            );
        }
    }
    // The command itself is only ever one of the allowed words.
    let run = runner.run(&[("command", &format!("plan; touch {}", m("command")))]);
    assert!(
        run.step("run")
            .stderr
            .contains("is not one of plan, apply, promote, destroy, status, drift, check"),
        "{}",
        run.log()
    );

    let executed: Vec<_> = std::fs::read_dir(&markers)
        .expect("markers")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(executed.is_empty(), "hostile input executed: {executed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_environment_reaches_the_binary_as_literal_text() {
    let (_server, mut runner) = installed_release().await;
    std::fs::write(
        runner.workspace.join("tfpromote.yaml"),
        "version: 1\nenvironments:\n  - name: dev\n    dir: envs/dev\n",
    )
    .expect("config");
    std::fs::create_dir_all(runner.workspace.join("envs/dev")).expect("dir");
    let run = runner.run(&[("command", "plan"), ("environment", "$(id)`id`")]);
    let step = run.step("run");
    assert_eq!(step.code, Some(2), "{}", run.log());
    assert!(
        step.stderr.contains("unknown environment") && step.stderr.contains("$(id)`id`"),
        "the binary must see the text unchanged: {}",
        run.log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_confirmation_reaches_destroy_as_text_and_is_refused() {
    let (_server, mut runner) = installed_release().await;
    std::fs::write(
        runner.workspace.join("tfpromote.yaml"),
        "version: 1\nenvironments:\n  - name: dev\n    dir: envs/dev\n",
    )
    .expect("config");
    std::fs::create_dir_all(runner.workspace.join("envs/dev")).expect("dir");
    let marker = runner.root.path().join("pwned");
    let confirm = format!("\"; touch {}; \"", marker.display());
    let run = runner.run(&[
        ("command", "destroy"),
        ("environment", "dev"),
        ("confirm", &confirm),
    ]);
    let step = run.step("run");
    assert_eq!(
        step.code,
        Some(3),
        "refused by the destroy gate: {}",
        run.log()
    );
    assert!(
        step.stderr.contains("the confirmation does not match"),
        "{}",
        run.log()
    );
    assert!(!marker.exists(), "the confirmation was executed");
}

#[test]
fn release_files_update_the_committed_version_and_checksums() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("scripts")).expect("scripts");
    std::fs::copy(
        common::repo_root().join("scripts/release-files"),
        root.join("scripts/release-files"),
    )
    .expect("copy");
    for f in ["RELEASE", "SHA256SUMS"] {
        std::fs::copy(common::repo_root().join(f), root.join(f)).expect("copy");
    }
    let old = format!(
        "{}  tfpromote-v0.9.0-x86_64-unknown-linux-musl.tar.gz\n",
        "a".repeat(64)
    );
    let committed = std::fs::read_to_string(root.join("SHA256SUMS")).expect("read");
    std::fs::write(root.join("SHA256SUMS"), format!("{committed}{old}")).expect("write");
    let release_sums = root.join("dist-SHA256SUMS");
    let linux = format!(
        "{}  tfpromote-v1.0.0-x86_64-unknown-linux-musl.tar.gz",
        "b".repeat(64)
    );
    let mac = format!(
        "{}  tfpromote-v1.0.0-aarch64-apple-darwin.tar.gz",
        "c".repeat(64)
    );
    std::fs::write(&release_sums, format!("{linux}\n{mac}\n")).expect("write");

    let run = |args: &[&str]| {
        std::process::Command::new("bash")
            .arg(root.join("scripts/release-files"))
            .args(args)
            .output()
            .expect("run")
    };
    let out = run(&[
        "v1.0.0",
        "acme/platform",
        release_sums.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let release = std::fs::read_to_string(root.join("RELEASE")).expect("read");
    assert!(
        release.contains("\nversion=v1.0.0\nrepository=acme/platform\n"),
        "{release}"
    );
    assert_eq!(release.matches("version=").count(), 1, "{release}");
    let sums = std::fs::read_to_string(root.join("SHA256SUMS")).expect("read");
    assert!(sums.starts_with(&committed), "comments kept: {sums}");
    assert!(
        sums.contains(&old) && sums.contains(&linux) && sums.contains(&mac),
        "{sums}"
    );

    // Running it again replaces the version's lines instead of duplicating them.
    let out = run(&[
        "v1.0.0",
        "acme/platform",
        release_sums.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success());
    let again = std::fs::read_to_string(root.join("SHA256SUMS")).expect("read");
    assert_eq!(again, sums);

    // A checksum file that lists another version's assets is refused.
    let out = run(&[
        "v2.0.0",
        "acme/platform",
        release_sums.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an asset of v2.0.0"));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                found.extend(walk(&p));
            } else {
                found.push(p);
            }
        }
    }
    found
}

fn which(tool: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
        .ok_or(())
}

/// A private (or internal) repository: GitHub answers 404 to an anonymous download of its
/// release assets (the GitHub stand-in does the same; GitHub itself is not reachable from
/// tests). Without a token the install says so and what to pass; with the workflow's token
/// it goes through the release assets API (`Accept: application/octet-stream`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_repositorys_release_installs_with_the_token_and_a_404_says_why() {
    let bytes = tarball();
    let gh = github_standin::Standin::start_with(github_standin::Options {
        repo: REPO.to_string(),
        ..Default::default()
    })
    .expect("stand-in");
    gh.add_release(&version(), &[(asset().as_str(), bytes.clone())]);
    gh.set_private(true);
    let sums = format!("# test sums\n{}  {}\n", sha256_hex(&bytes), asset());
    let mut runner = Runner::new(&gh.url(), &release_file(&version()), &sums);
    runner
        .extra_env
        .push(("GITHUB_API_URL".into(), gh.api_url()));

    let anonymous = runner.run(&[("command", "check")]);
    let install = anonymous.step("install");
    assert_eq!(install.code, Some(1), "{}", anonymous.log());
    for needed in ["404", "private or internal", "github-token"] {
        assert!(
            install.stderr.contains(needed),
            "{needed}: {}",
            anonymous.log()
        );
    }

    let token = "ghs_canary_install_token_5d1e";
    runner.github_token = token.to_string();
    let with_token = runner.run(&[("command", "check")]);
    let install = with_token.step("install");
    assert_eq!(install.code, Some(0), "{}", with_token.log());
    assert!(install.outputs.contains_key("path"));
    assert_eq!(gh.count("repos/get-release-by-tag"), 1);
    assert_eq!(gh.count("repos/get-release-asset"), 1);
    assert!(
        !with_token.log().contains(token),
        "the token is never printed"
    );
    assert_eq!(gh.violations(), Vec::<String>::new());

    // A public repository still installs anonymously, from the browser download URL.
    gh.set_private(false);
    let mut public = Runner::new(&gh.url(), &release_file(&version()), &sums);
    let run = public.run(&[("command", "check")]);
    assert_eq!(run.step("install").code, Some(0), "{}", run.log());
}

/// A runner tfpromote cannot run on is refused at once with the supported list, before any
/// download or build (a Windows build would fail minutes later).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsupported_runner_is_refused_at_once_with_the_supported_list() {
    let (server, mut runner) = installed_release().await;
    runner
        .extra_env
        .push(("RUNNER_OS".into(), "Windows".into()));
    let run = runner.run(&[("command", "check"), ("build-from-source", "true")]);
    let install = run.step("install");
    assert_eq!(install.code, Some(1), "{}", run.log());
    assert!(
        install.stderr.contains("Windows")
            && install
                .stderr
                .contains("Linux (X64, ARM64) and macOS (X64, ARM64)"),
        "{}",
        run.log()
    );
    assert!(
        !install.stderr.contains("cargo"),
        "no build was tried: {}",
        run.log()
    );
    assert_eq!(downloads(&server).await, 0);
}

/// One build per workflow run: a later job hands the earlier job's binary and its SHA-256
/// to the action, which runs it only when the checksum matches, and downloads nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_binary_handed_on_by_an_earlier_job_is_used_only_with_its_checksum() {
    let (server, mut runner) = installed_release().await;
    let handed = runner.root.path().join("artifact/tfpromote");
    std::fs::create_dir_all(handed.parent().expect("parent")).expect("dir");
    std::fs::copy(env!("CARGO_BIN_EXE_tfpromote"), &handed).expect("copy");
    let sum = sha256_hex(&std::fs::read(&handed).expect("read"));
    let path = handed.display().to_string();

    let run = runner.run(&[
        ("command", "check"),
        ("binary", &path),
        ("binary-sha256", &sum),
    ]);
    let install = run.step("install");
    assert_eq!(install.code, Some(0), "{}", run.log());
    assert_eq!(install.outputs.get("path"), Some(&path));
    assert_eq!(downloads(&server).await, 0);

    let wrong = sha256_hex(b"another build");
    let run = runner.run(&[
        ("command", "check"),
        ("binary", &path),
        ("binary-sha256", &wrong),
    ]);
    let install = run.step("install");
    assert_eq!(install.code, Some(1), "{}", run.log());
    assert!(
        install.stderr.contains("checksum mismatch") && install.stderr.contains(&wrong),
        "{}",
        run.log()
    );
    assert_eq!(run.ids(), ["install"], "the binary never ran");
}

/// macOS has `shasum` but no `sha256sum`: the plugin cache key is the same either way.
#[test]
fn the_plugin_cache_key_is_the_same_with_shasum_where_sha256sum_is_missing() {
    let Ok(shasum) = which("shasum") else {
        panic!("shasum (perl) is needed to test the macOS path");
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path().join("work/envs/dev");
    std::fs::create_dir_all(&work).expect("dir");
    std::fs::write(work.join(".terraform.lock.hcl"), LOCK_V1).expect("lock");
    let key = |path: &std::ffi::OsStr| {
        let output = dir.path().join("output");
        std::fs::write(&output, "").expect("output");
        let out = std::process::Command::new(which("bash").expect("bash"))
            .arg(common::repo_root().join("action/plugin-cache.sh"))
            .env_clear()
            .env("PATH", path)
            .env("GITHUB_OUTPUT", &output)
            .env("INPUT_WORKING_DIRECTORY", dir.path().join("work"))
            .env("RUNNER_OS", "macOS")
            .env("RUNNER_ARCH", "ARM64")
            .env("RUNNER_TOOL_CACHE", dir.path().join("cache"))
            .output()
            .expect("plugin-cache.sh");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read_to_string(&output)
            .expect("read")
            .lines()
            .find_map(|l| l.strip_prefix("key=").map(str::to_string))
            .expect("key=")
    };
    let linux = key(&std::env::var_os("PATH").unwrap_or_default());
    let mac_bin = dir.path().join("mac-bin");
    std::fs::create_dir_all(&mac_bin).expect("dir");
    for tool in ["find", "sort", "mkdir"] {
        std::os::unix::fs::symlink(which(tool).expect(tool), mac_bin.join(tool)).expect("link");
    }
    std::os::unix::fs::symlink(&shasum, mac_bin.join("shasum")).expect("link");
    assert!(which("sha256sum").is_ok(), "the Linux side uses sha256sum");
    let mac = key(mac_bin.as_os_str());
    assert_eq!(mac, linux);
    assert!(mac.starts_with("tfpromote-plugins-macOS-ARM64-"), "{mac}");
}

/// `verify-provenance: true` runs `gh attestation verify` on the downloaded asset before
/// anything is unpacked, and refuses when it fails. Sigstore and GitHub's attestation API
/// cannot run here, so `gh` is a recording script on PATH; what is checked is the call the
/// action makes (with the token) and that a failed verification installs nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_provenance_checks_the_asset_with_gh_before_installing() {
    let bytes = tarball();
    let gh = github_standin::Standin::start_with(github_standin::Options {
        repo: REPO.to_string(),
        ..Default::default()
    })
    .expect("stand-in");
    gh.add_release(&version(), &[(asset().as_str(), bytes.clone())]);
    let sums = format!("{}  {}\n", sha256_hex(&bytes), asset());
    let mut runner = Runner::new(&gh.url(), &release_file(&version()), &sums);
    runner.github_token = "ghs_provenance_token".into();
    let fake = runner.root.path().join("fake-gh");
    std::fs::create_dir_all(&fake).expect("dir");
    let calls = runner.root.path().join("gh-calls");
    let script = fake.join("gh");
    let write_gh = |exit: u8| {
        std::fs::write(
            &script,
            format!(
                "#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >>\"{}\"\n[ -n \"$GH_TOKEN\" ] || exit 9\nexit {exit}\n",
                calls.display()
            ),
        )
        .expect("gh");
        let mut perms = std::fs::metadata(&script).expect("meta").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&script, perms).expect("chmod");
    };
    runner
        .extra_env
        .push(("GITHUB_API_URL".into(), gh.api_url()));
    runner.extra_env.push((
        "PATH".into(),
        format!(
            "{}:{}",
            fake.display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    ));

    write_gh(1);
    let run = runner.run(&[("command", "check"), ("verify-provenance", "true")]);
    let install = run.step("install");
    assert_eq!(install.code, Some(1), "{}", run.log());
    assert!(
        install.stderr.contains("could not be verified"),
        "{}",
        run.log()
    );
    let recorded = std::fs::read_to_string(&calls).expect("gh was called");
    assert!(
        recorded.starts_with("attestation verify ")
            && recorded.contains(&asset())
            && recorded.trim_end().ends_with(&format!("--repo {REPO}")),
        "{recorded}"
    );
    let installed = walk(&runner.tool_cache)
        .into_iter()
        .filter(|p| p.ends_with("tfpromote"))
        .count();
    assert_eq!(
        installed, 0,
        "nothing installed without verified provenance"
    );

    write_gh(0);
    let run = runner.run(&[("command", "check"), ("verify-provenance", "true")]);
    let install = run.step("install");
    assert_eq!(install.code, Some(0), "{}", run.log());
    assert!(
        install.stderr.contains("build provenance of"),
        "{}",
        run.log()
    );
}
