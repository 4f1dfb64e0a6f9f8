//! The plugin cache under parallel `init`, with roots that have no lock file (so every
//! `init` re-installs the provider into the cache).
//!
//! Real Terraform, real `hashicorp/aws` provider from the local mirror, an empty cache per
//! try. First the race itself is reproduced with bare concurrent `terraform init`s (so the
//! test would catch a machine where it cannot be shown), then `tfpromote plan --all` over
//! the same kind of roots must pass every try, and two `plan --all` processes sharing one
//! cache must both pass. The race is timing-dependent, so the mechanism is also checked
//! directly: a recording wrapper around Terraform logs when each command ran and probes the
//! cache lock while it runs; no `init` may overlap any other command, in one process or two.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ENVS: [&str; 3] = ["dev", "stage", "prod"];

/// Bare inits race often here (measured on 2 cores: 3 of 6 tries had a failed init), so
/// twenty tries show the race with near certainty (seen at the 1st to 6th try).
const RACE_TRIES: usize = 20;
/// Tries through tfpromote: each would fail about half the time without the lock.
const LOCKED_TRIES: usize = 5;

fn mirror() -> PathBuf {
    let dir = std::env::var_os("TFPROMOTE_PROVIDER_MIRROR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/tf-plugins"));
    assert!(
        dir.join("registry.terraform.io/hashicorp/aws").is_dir(),
        "no hashicorp/aws provider mirror at {}: run scripts/setup (it finds the mirror)",
        dir.display()
    );
    dir
}

/// A CLI config that installs `hashicorp/aws` from the mirror, optionally into a cache.
fn cli_config(path: &Path, cache: Option<&Path>) {
    let mut text = format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n",
        mirror().display()
    );
    if let Some(cache) = cache {
        text.push_str(&format!("plugin_cache_dir = \"{}\"\n", cache.display()));
    }
    std::fs::write(path, text).expect("write CLI config");
}

/// One fresh root per environment that needs the aws provider and has nothing to create.
fn roots(base: &Path) -> Vec<PathBuf> {
    ENVS.iter()
        .map(|env| {
            let dir = base.join("envs").join(env);
            std::fs::create_dir_all(&dir).expect("root dir");
            std::fs::write(
                dir.join("main.tf"),
                "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\", version = \"5.100.0\" }\n  }\n}\n",
            )
            .expect("main.tf");
            dir
        })
        .collect()
}

fn config(base: &Path, plugin_cache: Option<&Path>) -> PathBuf {
    let mut yaml = String::from("version: 1\nterraform:\n  parallelism: 3\n");
    if let Some(cache) = plugin_cache {
        yaml.push_str(&format!("  plugin_cache: {}\n", cache.display()));
    }
    yaml.push_str("environments:\n");
    for env in ENVS {
        yaml.push_str(&format!("  - name: {env}\n    dir: envs/{env}\n"));
    }
    let path = base.join("tfpromote.yaml");
    std::fs::write(&path, yaml).expect("tfpromote.yaml");
    path
}

fn plan_all(config: &Path, cli_config: &Path) -> std::process::Child {
    plan_all_with(config, cli_config, &common::terraform())
}

/// [`plan_all`] with `terraform` as the Terraform binary.
fn plan_all_with(config: &Path, cli_config: &Path, terraform: &Path) -> std::process::Child {
    common::tfpromote()
        .env("TFPROMOTE_TERRAFORM", terraform)
        .arg("--config")
        .arg(config)
        .args(["plan", "--all"])
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .env_remove("TF_PLUGIN_CACHE_DIR")
        .current_dir(config.parent().expect("config dir"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start tfpromote")
}

fn explain(out: &Output) -> String {
    format!(
        "exit {:?}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn parallel_inits_race_on_a_shared_cache_and_tfpromote_serialises_them() {
    // 1. The race exists here: bare concurrent inits into one empty cache.
    let mut reproduced_at = None;
    for attempt in 1..=RACE_TRIES {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = tmp.path().join("cache");
        std::fs::create_dir_all(&cache).expect("cache");
        let rc = tmp.path().join("terraformrc");
        cli_config(&rc, Some(&cache));
        let running: Vec<_> = roots(tmp.path())
            .iter()
            .map(|root| {
                Command::new(common::terraform())
                    .arg(format!("-chdir={}", root.display()))
                    .args(["init", "-input=false", "-no-color"])
                    .env("TF_CLI_CONFIG_FILE", &rc)
                    .env_remove("TF_PLUGIN_CACHE_DIR")
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .expect("start terraform")
            })
            .collect();
        let failed = running
            .into_iter()
            .map(|mut c| c.wait().expect("wait terraform"))
            .filter(|s| !s.success())
            .count();
        if failed > 0 {
            reproduced_at = Some(attempt);
            break;
        }
    }
    let attempt = reproduced_at.unwrap_or_else(|| {
        panic!("{RACE_TRIES} tries of 3 concurrent bare inits never failed: the race this test guards against was not reproduced here")
    });
    eprintln!("bare concurrent inits failed at try {attempt} of {RACE_TRIES}");

    // 2. The same through tfpromote, with the cache from tfpromote.yaml: every try passes.
    for attempt in 1..=LOCKED_TRIES {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = tmp.path().join("cache");
        let rc = tmp.path().join("terraformrc");
        cli_config(&rc, None);
        roots(tmp.path());
        let config_path = config(tmp.path(), Some(&cache));
        let out = plan_all(&config_path, &rc)
            .wait_with_output()
            .expect("tfpromote");
        assert!(
            out.status.success(),
            "try {attempt}: plan --all failed:\n{}",
            explain(&out)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.matches("for the plugin cache lock").count(),
            3,
            "each environment's line says how long it waited:\n{stderr}"
        );
        // One copy of the provider in the cache, linked from every root.
        let provider = cache.join("registry.terraform.io/hashicorp/aws/5.100.0");
        assert!(provider.is_dir(), "the cache holds the provider");
        for env in ENVS {
            let installed = tmp.path().join("envs").join(env).join(
                ".terraform/providers/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64",
            );
            let meta = std::fs::symlink_metadata(&installed).expect("installed provider");
            assert!(
                meta.file_type().is_symlink(),
                "{env}: linked from the cache, not copied"
            );
        }
    }
}

#[test]
fn two_plan_all_processes_on_one_cache_both_succeed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("shared-cache");
    let rc = tmp.path().join("terraformrc");
    // The cache comes from the CLI config here, as a user's runner would configure it.
    cli_config(&rc, Some(&cache));
    std::fs::create_dir_all(&cache).expect("cache");
    let runs: Vec<PathBuf> = ["a", "b"]
        .iter()
        .map(|name| {
            let base = tmp.path().join(name);
            roots(&base);
            config(&base, None)
        })
        .collect();
    let children: Vec<_> = runs.iter().map(|c| plan_all(c, &rc)).collect();
    for (child, config) in children.into_iter().zip(&runs) {
        let out = child.wait_with_output().expect("tfpromote");
        assert!(
            out.status.success(),
            "{}: plan --all failed:\n{}",
            config.display(),
            explain(&out)
        );
    }
    assert!(
        cache
            .join("registry.terraform.io/hashicorp/aws/5.100.0")
            .is_dir()
    );
}

/// A wrapper around real Terraform that appends `start|end PID COMMAND NANOS` lines to
/// `log`, and a `VIOLATION` line when the cache lock is not held the way the command needs
/// while it runs: exclusively for `init` (a shared probe must fail), shared for every other
/// command but `version` (an exclusive probe must fail, a shared one succeed).
fn recording_terraform(base: &Path, lock_file: &Path, log: &Path) -> PathBuf {
    let wrapper = base.join("terraform-recorder");
    let script = format!(
        r#"#!/usr/bin/env bash
real={real:?}; lock={lock:?}; log={log:?}
cmd=""
for a in "$@"; do case $a in -*) ;; *) cmd=$a; break;; esac; done
if [ "$cmd" = init ]; then
  if flock -n -s "$lock" true; then echo "VIOLATION $$ init ran without the exclusive lock" >>"$log"; fi
elif [ "$cmd" != version ]; then
  if flock -n -x "$lock" true; then echo "VIOLATION $$ $cmd ran without the shared lock" >>"$log"; fi
  if ! flock -n -s "$lock" true; then echo "VIOLATION $$ $cmd ran under an exclusive lock" >>"$log"; fi
fi
echo "start $$ $cmd $(date +%s%N)" >>"$log"
"$real" "$@"
rc=$?
echo "end $$ $cmd $(date +%s%N)" >>"$log"
exit $rc
"#,
        real = common::terraform().display().to_string(),
        lock = lock_file.display().to_string(),
        log = log.display().to_string(),
    );
    std::fs::write(&wrapper, script).expect("write wrapper");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    wrapper
}

/// One command's run as the wrapper logged it.
#[derive(Debug)]
struct Interval {
    command: String,
    start: u128,
    end: u128,
}

/// Reads the wrapper's log: the intervals, and every violation line.
fn read_recording(log: &Path) -> (Vec<Interval>, Vec<String>) {
    let text = std::fs::read_to_string(log).expect("the wrapper ran");
    let mut open: std::collections::HashMap<String, (String, u128)> = Default::default();
    let mut done = Vec::new();
    let mut violations = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        match fields.as_slice() {
            ["VIOLATION", ..] => violations.push(line.to_string()),
            ["start", pid, cmd, at] => {
                open.insert(
                    pid.to_string(),
                    (cmd.to_string(), at.parse().expect("nanos")),
                );
            }
            ["end", pid, _, at] => {
                let (command, start) = open.remove(*pid).expect("a start for every end");
                done.push(Interval {
                    command,
                    start,
                    end: at.parse().expect("nanos"),
                });
            }
            _ => panic!("unexpected wrapper line: {line}"),
        }
    }
    assert!(open.is_empty(), "commands that never ended: {open:?}");
    (done, violations)
}

/// Every pair of an `init` and another command that ran at the same time.
fn overlaps(intervals: &[Interval]) -> Vec<String> {
    let mut found = Vec::new();
    for init in intervals.iter().filter(|i| i.command == "init") {
        for other in intervals.iter().filter(|o| !std::ptr::eq(*o, init)) {
            if other.command != "version" && init.start < other.end && other.start < init.end {
                found.push(format!("init {init:?} overlaps {other:?}"));
            }
        }
    }
    found
}

#[test]
fn no_init_runs_beside_another_command_in_one_process() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("cache");
    let rc = tmp.path().join("terraformrc");
    cli_config(&rc, None);
    roots(tmp.path());
    let config_path = config(tmp.path(), Some(&cache));
    let log = tmp.path().join("recording.log");
    let wrapper = recording_terraform(tmp.path(), &cache.join(".tfpromote-init.lock"), &log);
    let out = plan_all_with(&config_path, &rc, &wrapper)
        .wait_with_output()
        .expect("tfpromote");
    assert!(
        out.status.success(),
        "plan --all failed:\n{}",
        explain(&out)
    );
    let (intervals, violations) = read_recording(&log);
    assert!(
        intervals.iter().filter(|i| i.command == "init").count() >= 3
            && intervals.iter().filter(|i| i.command == "plan").count() >= 3,
        "every environment ran init and plan through the wrapper: {intervals:?}"
    );
    assert!(violations.is_empty(), "{violations:#?}");
    let found = overlaps(&intervals);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn no_init_runs_beside_another_command_across_processes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("shared-cache");
    std::fs::create_dir_all(&cache).expect("cache");
    let rc = tmp.path().join("terraformrc");
    cli_config(&rc, Some(&cache));
    let log = tmp.path().join("recording.log");
    let wrapper = recording_terraform(tmp.path(), &cache.join(".tfpromote-init.lock"), &log);
    let runs: Vec<PathBuf> = ["a", "b"]
        .iter()
        .map(|name| {
            let base = tmp.path().join(name);
            roots(&base);
            config(&base, None)
        })
        .collect();
    let children: Vec<_> = runs
        .iter()
        .map(|c| plan_all_with(c, &rc, &wrapper))
        .collect();
    for (child, config) in children.into_iter().zip(&runs) {
        let out = child.wait_with_output().expect("tfpromote");
        assert!(
            out.status.success(),
            "{}: plan --all failed:\n{}",
            config.display(),
            explain(&out)
        );
    }
    let (intervals, violations) = read_recording(&log);
    assert_eq!(
        intervals.iter().filter(|i| i.command == "init").count(),
        6,
        "both processes ran their three inits through the wrapper: {intervals:?}"
    );
    assert!(violations.is_empty(), "{violations:#?}");
    let found = overlaps(&intervals);
    assert!(found.is_empty(), "{found:#?}");
}
