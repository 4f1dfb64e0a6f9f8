//! The plugin cache under parallel `init` (issue: the sandbox failed on a fresh checkout).
//!
//! Real Terraform, real `hashicorp/aws` provider from the local mirror, an empty cache per
//! try. First the race itself is reproduced with bare concurrent `terraform init`s (so the
//! test would catch a machine where it cannot be shown), then `tfpromote plan --all` over
//! the same kind of roots must pass every try, and two `plan --all` processes sharing one
//! cache must both pass.

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
    common::tfpromote()
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
