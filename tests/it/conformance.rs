//! Every plan in shared/conformance/terraform-json must give the counts in expected.json,
//! through the real binary (`render --format json`).

use crate::common;

use serde_json::Value;

#[test]
fn render_json_agrees_with_expected_on_every_plan() {
    let dir = common::conformance_dir();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"),
    )
    .expect("expected.json is JSON");
    let cases = expected.as_object().expect("object");
    assert!(cases.len() >= 20, "corpus shrank to {} plans", cases.len());
    let mut checked = 0;
    for (file, want) in cases {
        let path = dir.join(file);
        let out = common::tfpromote()
            .args(["render", "--format", "json", "--plan-json"])
            .arg(&path)
            .output()
            .expect("run tfpromote");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{file}: panic: {stderr}");
        if want["valid"] == Value::Bool(false) {
            assert_ne!(out.status.code(), Some(0), "{file}: invalid JSON must fail");
            assert!(
                stderr.contains(file.as_str()),
                "{file}: error must name the file: {stderr}"
            );
            assert!(out.stdout.is_empty(), "{file}: no half summary on stdout");
            continue;
        }
        assert!(
            out.status.success(),
            "{file}: exit {:?}: {stderr}",
            out.status.code()
        );
        let got: Value = serde_json::from_slice(&out.stdout).expect("render prints JSON");
        for kind in ["create", "update", "delete", "replace", "read", "no_op"] {
            assert_eq!(
                got["resources"][kind], want["resources"][kind],
                "{file}: resources.{kind}"
            );
        }
        for key in ["moved", "importing", "outputs_changed"] {
            assert_eq!(got[key], want[key], "{file}: {key}");
        }
        if !want["has_changes"].is_null() {
            assert_eq!(
                got["has_changes"], want["has_changes"],
                "{file}: has_changes"
            );
        }
        let fingerprint = got["fingerprint"].as_str().expect("fingerprint");
        assert!(
            fingerprint.starts_with("sha256:") && fingerprint.len() == 71,
            "{file}: {fingerprint}"
        );
        checked += 1;
    }
    assert_eq!(checked, cases.len() - 1);
}

#[test]
fn missing_and_non_plan_files_fail_clearly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let missing = tmp.path().join("nope.json");
    let out = common::tfpromote()
        .args(["render", "--plan-json"])
        .arg(&missing)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.json"));

    let log = tmp.path().join("plan-log.json");
    std::fs::write(
        &log,
        r#"{"@level":"info","@message":"Terraform 1.11.4","type":"version"}"#,
    )
    .expect("write");
    let out = common::tfpromote()
        .args(["render", "--plan-json"])
        .arg(&log)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("plan-log.json")
            && stderr.contains("`terraform plan -json` log")
            && stderr.contains("terraform show -json PLANFILE"),
        "{stderr}"
    );

    let future = tmp.path().join("future.json");
    std::fs::write(&future, r#"{"format_version":"2.0","resource_changes":[]}"#).expect("write");
    let out = common::tfpromote()
        .args(["render", "--plan-json"])
        .arg(&future)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2.0"));
}
