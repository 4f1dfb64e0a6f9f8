//! Malformed configs: each gives exit 2 and an error naming file, line and the problem.

use crate::common;

const GOOD: &str = "\
version: 1
terraform: { min_version: \"1.11\", lock_timeout: 5m, parallelism: 3 }
aws: { region: us-east-1, audience: sts.amazonaws.com, session_duration: 1h }
environments:
  - name: dev
    dir: envs/dev
  - name: prod
    dir: envs/prod
    plan_role: arn:aws:iam::111111111111:role/mlops-gha-plan
    approval: { required: 1, from: [team:platform-admins] }
    on_plan_change: block
";

fn check(config: &str) -> (Option<i32>, String, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    for env in ["dev", "prod"] {
        std::fs::create_dir_all(tmp.path().join("envs").join(env)).expect("dir");
    }
    let path = tmp.path().join("tfpromote.yaml");
    std::fs::write(&path, config).expect("write");
    let out = common::tfpromote()
        .arg("--config")
        .arg(&path)
        .args(["check", "--config-only"])
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_good_config_passes() {
    let (code, stdout, stderr) = check(GOOD);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("prod") && stdout.contains("Block"),
        "{stdout}"
    );
}

/// (what is broken, replacement of GOOD's text, expected `file:line:` prefix, words in message)
#[test]
fn each_malformed_config_names_line_and_problem() {
    let cases: &[(&str, &str, &str, &str, &[&str])] = &[
        (
            "missing dir",
            "dir: envs/prod",
            "dir: envs/prd",
            "tfpromote.yaml:8:",
            &["envs/prd", "does not exist"],
        ),
        (
            "duplicate name",
            "name: prod",
            "name: dev",
            "tfpromote.yaml:7:",
            &["duplicate environment name", "dev"],
        ),
        (
            "name of the CI roles",
            "name: prod",
            "name: gha",
            "tfpromote.yaml:7:",
            &[
                "environment name \"gha\" is reserved",
                "<project>-gha-apply-<env>",
                "rename the environment",
            ],
        ),
        (
            "name of the boundaries",
            "name: prod",
            "name: boundary_x",
            "tfpromote.yaml:7:",
            &[
                "environment name \"boundary_x\" is reserved",
                "<project>-boundary-<env>",
            ],
        ),
        (
            "name of the account trail",
            "name: prod",
            "name: account",
            "tfpromote.yaml:7:",
            &["\"account\" is reserved", "<project>-account-trail"],
        ),
        (
            "bad role ARN",
            "111111111111:role",
            "1111:role",
            "tfpromote.yaml:9:",
            &["plan_role", "invalid role ARN", "12-digit"],
        ),
        (
            "bad account_id",
            "    plan_role: arn",
            "    account_id: \"1234\"\n    plan_role: arn",
            "tfpromote.yaml:9:",
            &["account_id", "\"1234\"", "12-digit"],
        ),
        (
            "bad duration",
            "lock_timeout: 5m",
            "lock_timeout: soon",
            "tfpromote.yaml:2:",
            &["lock_timeout", "soon", "5m"],
        ),
        (
            "unknown key",
            "on_plan_change: block",
            "on_plan_chnage: block",
            "tfpromote.yaml:11:",
            &["on_plan_chnage", "on_plan_change"],
        ),
        (
            "bad enum",
            "on_plan_change: block",
            "on_plan_change: maybe",
            "tfpromote.yaml:11:",
            &["maybe", "warn", "block"],
        ),
        (
            "bad approver",
            "team:platform-admins",
            "platform-admins",
            "tfpromote.yaml:10:",
            &["approver", "team:SLUG"],
        ),
        (
            "nobody may approve",
            "from: [team:platform-admins]",
            "from: []",
            "tfpromote.yaml:10:",
            &[
                "approval.from is empty",
                "team:platform-admins",
                "any reviewer",
            ],
        ),
        (
            "zero approvals",
            "required: 1",
            "required: 0",
            "tfpromote.yaml:10:",
            &["approval.required 0", "1 to 10"],
        ),
        (
            "empty destroy confirmation",
            "    on_plan_change: block\n",
            "    on_plan_change: block\n    destroy_confirmation: \"\"\n",
            "tfpromote.yaml:12:",
            &["destroy_confirmation", "no confirmation", "remove the key"],
        ),
        (
            "blank destroy confirmation",
            "    on_plan_change: block\n",
            "    on_plan_change: block\n    destroy_confirmation: \"  \"\n",
            "tfpromote.yaml:12:",
            &["destroy_confirmation", "no confirmation"],
        ),
        (
            "one apply job for every environment",
            "version: 1\n",
            "version: 1\ngithub: { apply_job: apply }\n",
            "tfpromote.yaml:2:",
            &["apply_job", "{env}"],
        ),
        (
            "empty default branch",
            "version: 1\n",
            "version: 1\ngithub: { default_branch: \"\" }\n",
            "tfpromote.yaml:2:",
            &["is empty"],
        ),
        (
            "zero parallelism",
            "parallelism: 3",
            "parallelism: 0",
            "tfpromote.yaml:2:",
            &["parallelism", "1 to 32"],
        ),
        (
            "session too long",
            "session_duration: 1h",
            "session_duration: 24h",
            "tfpromote.yaml:3:",
            &["session_duration", "12h"],
        ),
        (
            "wrong version",
            "version: 1",
            "version: 2",
            "tfpromote.yaml:1:",
            &["version 2", "version: 1"],
        ),
        (
            "bad YAML",
            "    dir: envs/dev\n",
            "    dir: envs/dev\n   oops\n",
            "tfpromote.yaml:",
            &["expected"],
        ),
    ];
    for (what, from, to, prefix, words) in cases {
        assert!(GOOD.contains(from), "{what}: test case does not apply");
        let (code, _, stderr) = check(&GOOD.replacen(from, to, 1));
        assert_eq!(code, Some(2), "{what}: exit code; stderr: {stderr}");
        assert!(
            stderr.contains(prefix),
            "{what}: expected {prefix} in: {stderr}"
        );
        for word in *words {
            assert!(
                stderr.contains(word),
                "{what}: expected {word:?} in: {stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    }
}

#[test]
fn missing_and_empty_files_explain_the_fix() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = common::tfpromote()
        .arg("--config")
        .arg(tmp.path().join("absent.yaml"))
        .args(["check", "--config-only"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent.yaml: config file not found"));

    let (code, _, stderr) = check("version: 1\nenvironments: []\n");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("at least one environment"), "{stderr}");
}

/// The `policies:` section: a wrong mode and an unknown environment are refused at their
/// line, saying what is allowed.
#[test]
fn policy_settings_errors_name_the_line() {
    let bad_mode = GOOD.replace(
        "environments:\n",
        "policies:\n  dir: policy\n  mode:\n    prod: blok\nenvironments:\n",
    );
    let (code, _, stderr) = check(&bad_mode);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("tfpromote.yaml:7:"), "{stderr}");
    assert!(
        stderr.contains("`warn`") && stderr.contains("`block`"),
        "{stderr}"
    );
    let unknown = GOOD.replace(
        "environments:\n",
        "policies:\n  dir: policy\n  mode:\n    prod: block\n    qa: warn\nenvironments:\n",
    );
    let (code, _, stderr) = check(&unknown);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("tfpromote.yaml:8:"), "{stderr}");
    assert!(
        stderr.contains("`qa` is not an environment of this config (dev, prod)"),
        "{stderr}"
    );
}
