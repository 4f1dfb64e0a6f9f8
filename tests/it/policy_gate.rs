//! The `policy` gate at apply, end to end (real Terraform, real git, the GitHub stand-in):
//! the same violation applies with a warning in `dev` (mode warn) and is refused with exit
//! 3 in `prod` (mode block), naming the rule and the resource. The policies are read as
//! they were before the merge (`HEAD^1`).

use crate::promotion::{World, text};
use std::process::Command;

fn git(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_violation_warns_in_dev_and_is_refused_in_prod_with_exit_3() {
    let w = World::new(&[("dev", ""), ("prod", "")]);
    let root = w.tmp.path();
    std::fs::create_dir_all(root.join("policy")).expect("dir");
    std::fs::write(
        root.join("policy/no_db.rego"),
        "package tfpromote.no_db\n\nimport rego.v1\n\ndeny contains {\"address\": rc.address, \"message\": \"a database needs a ticket\"} if {\n\tsome rc in input.resource_changes\n\trc.address == \"terraform_data.db\"\n\t\"create\" in rc.actions\n}\n"
    )
    .expect("policy");
    let config = root.join("tfpromote.yaml");
    let yaml = std::fs::read_to_string(&config).expect("config").replace(
        "environments:\n",
        "policies:\n  dir: policy\n  mode:\n    dev: warn\n    prod: block\nenvironments:\n",
    );
    std::fs::write(&config, yaml).expect("config");
    // The default branch before the merge holds the policy; HEAD is the merge.
    std::fs::write(
        root.join(".gitignore"),
        "*\n!policy/\n!policy/*\n!tfpromote.yaml\n",
    )
    .expect("ignore");
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "policies on main"]);
    git(root, &["commit", "-q", "--allow-empty", "-m", "the merge"]);

    w.reviewed_merge(1, "a0", "h1", "m1");
    let dev = w.apply("m1", "dev");
    let dev_text = text(&dev);
    assert!(dev.status.success(), "{dev_text}");
    assert!(
        dev_text.contains("policy violations (mode warn), applying anyway"),
        "{dev_text}"
    );
    assert!(
        dev_text.contains("rule `no_db` on `terraform_data.db`: a database needs a ticket"),
        "{dev_text}"
    );
    assert!(w.marker("dev"));

    let prod = w.apply("m1", "prod");
    let prod_text = text(&prod);
    assert_eq!(prod.status.code(), Some(3), "{prod_text}");
    assert!(
        prod_text.contains("refused by the policy gate"),
        "{prod_text}"
    );
    assert!(
        prod_text.contains("rule `no_db` on `terraform_data.db`"),
        "{prod_text}"
    );
    assert!(!w.marker("prod"), "prod was not applied");
    w.assert_clean();
}
