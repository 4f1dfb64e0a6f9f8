//! `tfpromote check` on the real infra/ passes; on broken copies each isolation rule fails
//! with a message that names the environment, the file and the fix.

use crate::common;

use std::path::{Path, PathBuf};

/// A copy of infra/environments and infra/modules with the repository's config.
fn infra_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    for part in ["infra/environments", "infra/modules"] {
        common::copy_tree(&common::repo_root().join(part), &root.join(part));
    }
    // Never copy Terraform's working data from a developer's tree.
    for env in ["dev", "stage", "prod"] {
        let _ =
            std::fs::remove_dir_all(root.join("infra/environments").join(env).join(".terraform"));
    }
    std::fs::copy(
        common::repo_root().join("tfpromote.yaml"),
        root.join("tfpromote.yaml"),
    )
    .expect("config");
    (tmp, root)
}

fn env_file(root: &Path, env: &str, file: &str) -> PathBuf {
    root.join("infra/environments").join(env).join(file)
}

/// Edits one environment's file; a file the roots share (a link into `_shared`) becomes
/// this environment's own diverging copy, as a user who edits it in place would make it.
fn edit(root: &Path, env: &str, file: &str, from: &str, to: &str) {
    let path = env_file(root, env, file);
    edit_path(&path, from, to);
}

/// Edits a file of the platform composition, which every environment calls.
fn edit_module(root: &Path, file: &str, from: &str, to: &str) {
    edit_path(&root.join("infra/modules/platform").join(file), from, to);
}

fn edit_path(path: &Path, from: &str, to: &str) {
    let path = path.to_path_buf();
    let text = std::fs::read_to_string(&path).expect("read");
    if path.is_symlink() {
        std::fs::remove_file(&path).expect("unlink");
    }
    assert!(
        text.contains(from),
        "{}: {from:?} not found; the fixture edit no longer applies",
        path.display()
    );
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

fn check(root: &Path) -> (Option<i32>, String, String) {
    let out = common::tfpromote()
        .current_dir(root)
        .arg("check")
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_real_infra_keeps_the_contract() {
    let (_tmp, root) = infra_copy();
    let (code, stdout, stderr) = check(&root);
    assert_eq!(code, Some(0), "{stderr}");
    for line in [
        "dev: state \"dev/terraform.tfstate\", vpc.cidr 10.0.0.0/16, eks.name mlops-dev-cluster",
        "stage: state \"stage/terraform.tfstate\", vpc.cidr 10.1.0.0/16, eks.name mlops-stage-cluster",
        "prod: state \"prod/terraform.tfstate\", vpc.cidr 10.2.0.0/16, eks.name mlops-prod-cluster",
        "isolation contract: ok (3 environments, own remote state per environment, module sources inside the repository, required files, backend settings, same versions, disjoint CIDRs, unique inputs, permissions boundaries, service-only role trust, trusted role)",
        "tfpromote.yaml: ok",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
}

type Breakage = fn(&Path);

#[test]
fn each_broken_rule_fails_with_its_message() {
    let cases: &[(&str, Breakage, &[&str])] = &[
        (
            "overlapping CIDRs",
            |r| {
                edit(
                    r,
                    "stage",
                    "terraform.tfvars",
                    "10.1.0.0/16",
                    "10.0.128.0/17",
                )
            },
            &[
                "stage:",
                "infra/modules/platform/main.tf",
                "module \"vpc\" input `cidr` 10.0.128.0/17 overlaps 10.0.0.0/16 of `dev`",
            ],
        ),
        (
            "missing state key",
            |r| {
                edit(
                    r,
                    "dev",
                    "backend.tf",
                    "key          = \"dev/terraform.tfstate\"",
                    "",
                )
            },
            &["dev:", "backend.tf", "has no state `key`"],
        ),
        (
            "shared state key",
            |r| {
                edit(
                    r,
                    "prod",
                    "backend.tf",
                    "\"prod/terraform.tfstate\"",
                    "\"stage/terraform.tfstate\"",
                )
            },
            &[
                "prod:",
                "state key \"stage/terraform.tfstate\" is also used by `stage`",
            ],
        ),
        (
            "key outside the environment's name",
            |r| {
                edit(
                    r,
                    "dev",
                    "backend.tf",
                    "\"dev/terraform.tfstate\"",
                    "\"terraform.tfstate\"",
                )
            },
            &[
                "dev:",
                "is not under the environment's name",
                "dev/terraform.tfstate",
            ],
        ),
        (
            "no lock file",
            |r| {
                edit(
                    r,
                    "stage",
                    "backend.tf",
                    "use_lockfile = true",
                    "use_lockfile = false",
                )
            },
            &["stage:", "lacks `use_lockfile = true`"],
        ),
        (
            "unencrypted state",
            |r| edit(r, "prod", "backend.tf", "encrypt      = true", ""),
            &["prod:", "lacks `encrypt = true`"],
        ),
        (
            "DynamoDB locking",
            |r| {
                edit(
                    r,
                    "dev",
                    "backend.tf",
                    "use_lockfile = true",
                    "use_lockfile = true\n    dynamodb_table = \"tf-locks\"",
                )
            },
            &[
                "dev:",
                "uses `dynamodb_table = \"tf-locks\"`",
                "remove the table",
            ],
        ),
        (
            "missing file",
            |r| std::fs::remove_file(env_file(r, "stage", "provider.tf")).expect("rm"),
            &["stage:", "provider.tf", "missing"],
        ),
        (
            "colliding cluster names",
            |r| {
                edit_module(
                    r,
                    "main.tf",
                    "cluster_name = \"${local.name}-cluster\"",
                    "cluster_name = var.env == \"prod\" ? \"mlops-stage-cluster\" : \"${local.name}-cluster\"",
                )
            },
            &[
                "prod:",
                "module \"eks\" input `name` \"mlops-stage-cluster\" is also used by `stage`",
            ],
        ),
        (
            "different provider constraint",
            |r| {
                edit(
                    r,
                    "prod",
                    "versions.tf",
                    "\">= 5.100, < 7.0\"",
                    "\">= 5.100, < 6.0\"",
                )
            },
            &["prod:", "versions.tf", "required_providers", "differ"],
        ),
        (
            "different Terraform constraint",
            |r| {
                edit(
                    r,
                    "stage",
                    "versions.tf",
                    "required_version = \">= 1.11\"",
                    "required_version = \">= 1.12\"",
                )
            },
            &[
                "stage:",
                "versions.tf",
                "required_version \">= 1.12\" differs from \">= 1.11\" in `dev`",
            ],
        ),
        (
            "a module that creates roles without the boundary",
            |r| {
                edit_module(
                    r,
                    "main.tf",
                    "  kubernetes_version = var.kubernetes_version\n\n  permissions_boundary = local.permissions_boundary\n",
                    "  kubernetes_version = var.kubernetes_version\n",
                )
            },
            &[
                "dev:",
                "infra/modules/eks/main.tf",
                "(via module \"platform\" > module \"eks\")",
                "permissions_boundary is null (an input its caller did not pass)",
                "arn:aws:iam::*:policy/*-boundary-dev",
            ],
        ),
        (
            "another environment's boundary",
            |r| {
                edit_module(
                    r,
                    "main.tf",
                    "policy/${var.project}-boundary-${var.env}",
                    "policy/${var.project}-boundary-prod",
                )
            },
            &[
                "stage:",
                "infra/modules/vpc/main.tf: resource \"aws_iam_role\" \"flow_log\"",
                "(via module \"platform\" > module \"vpc\"): permissions_boundary \"arn:aws:iam::111111111111:policy/mlops-boundary-prod\" is not the `stage` environment's boundary",
            ],
        ),
        (
            "a role resource without the boundary",
            |r| {
                // Two modules down: the composition calls a feature module that creates a role.
                let feature = r.join("infra/modules/extra");
                std::fs::create_dir_all(&feature).expect("mkdir");
                std::fs::write(
                    feature.join("main.tf"),
                    "variable \"name\" {}\n\nresource \"aws_iam_role\" \"extra\" {\n  name               = var.name\n  assume_role_policy = \"{}\"\n}\n",
                )
                .expect("write");
                let path = r.join("infra/modules/platform/main.tf");
                let mut text = std::fs::read_to_string(&path).expect("read");
                text.push_str(
                    "\nmodule \"extra\" {\n  source = \"../extra\"\n  name   = \"${local.name}-extra\"\n}\n",
                );
                std::fs::write(&path, text).expect("write");
            },
            &[
                "prod:",
                "infra/modules/extra/main.tf",
                "resource \"aws_iam_role\" \"extra\" (via module \"platform\" > module \"extra\") creates an IAM role without a permissions_boundary",
            ],
        ),
        (
            "another environment's apply role as cluster admin",
            |r| {
                edit_module(
                    r,
                    "main.tf",
                    "role/${var.project}-gha-apply-${var.env}",
                    "role/${var.project}-gha-apply-prod",
                )
            },
            &[
                "dev:",
                "infra/modules/platform/main.tf",
                "local.apply_role_arn \"arn:aws:iam::111111111111:role/mlops-gha-apply-prod\" is not the `dev` environment's role",
            ],
        ),
        (
            "a role trusting another account",
            |r| {
                edit_path(
                    &r.join("infra/modules/karpenter/main.tf"),
                    "Principal = { Service = \"ec2.${local.dns_suffix}\" }",
                    "Principal = { Service = \"ec2.${local.dns_suffix}\", AWS = \"arn:aws:iam::999999999999:root\" }",
                )
            },
            &[
                "dev:",
                "infra/modules/karpenter/main.tf",
                "resource \"aws_iam_role\" \"node\": its trust policy names AWS principals",
                "grant cross-account access in infra/bootstrap",
            ],
        ),
        (
            "a Pod Identity trust naming an OIDC provider",
            |r| {
                edit_path(
                    &r.join("infra/modules/pod-identity-role/main.tf"),
                    "type        = \"Service\"",
                    "type        = \"Federated\"",
                )
            },
            &[
                "infra/modules/pod-identity-role/main.tf",
                "its trust policy names Federated principals",
            ],
        ),
        (
            "unparsable file",
            |r| {
                std::fs::write(
                    env_file(r, "dev", "backend.tf"),
                    "terraform {\n  backend \"s3\" {\n",
                )
                .expect("write")
            },
            &["dev:", "backend.tf", "cannot be parsed as HCL"],
        ),
    ];
    for (what, breakage, words) in cases {
        let (_tmp, root) = infra_copy();
        breakage(&root);
        let (code, _, stderr) = check(&root);
        assert_eq!(code, Some(2), "{what}: exit code; stderr:\n{stderr}");
        for word in *words {
            assert!(
                stderr.contains(word),
                "{what}: expected {word:?} in:\n{stderr}"
            );
        }
    }
}

fn edit_config(root: &Path, from: &str, to: &str) {
    let path = root.join("tfpromote.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(
        text.contains(from),
        "tfpromote.yaml: {from:?} not found; the fixture edit no longer applies"
    );
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

/// The account-per-environment layout: each environment's `account_id` in the config.
/// Its roles (config) and its root's apply role (tfvars) must be in that account.
#[test]
fn each_environment_lives_in_its_own_account() {
    let (_tmp, root) = infra_copy();
    for env in ["dev", "stage", "prod"] {
        edit_config(
            &root,
            &format!("dir: infra/environments/{env}\n"),
            &format!("dir: infra/environments/{env}\n    account_id: \"111111111111\"\n"),
        );
    }
    let (code, _, stderr) = check(&root);
    assert_eq!(code, Some(0), "one account named per environment: {stderr}");

    // prod moves to its own account, its roles and tfvars with it: still isolated.
    edit_config(
        &root,
        "dir: infra/environments/prod\n    account_id: \"111111111111\"",
        "dir: infra/environments/prod\n    account_id: \"222222222222\"",
    );
    let (code, _, stderr) = check(&root);
    assert_eq!(code, Some(2), "roles still in the old account: {stderr}");
    for word in [
        "prod: ",
        "tfpromote.yaml: plan_role \"arn:aws:iam::111111111111:role/mlops-gha-plan-prod\" is not in the environment's account_id 222222222222",
        "apply_role \"arn:aws:iam::111111111111:role/mlops-gha-apply-prod\" is not in the environment's account_id 222222222222",
        "local.apply_role_arn \"arn:aws:iam::111111111111:role/mlops-gha-apply-prod\" is not in the environment's account_id 222222222222",
    ] {
        assert!(stderr.contains(word), "expected {word:?} in:\n{stderr}");
    }
    assert!(!stderr.contains("dev: "), "dev is unaffected:\n{stderr}");

    for role in ["plan-prod", "apply-prod"] {
        edit_config(
            &root,
            &format!("111111111111:role/mlops-gha-{role}"),
            &format!("222222222222:role/mlops-gha-{role}"),
        );
    }
    edit(
        &root,
        "prod",
        "terraform.tfvars",
        "account_id = \"111111111111\"",
        "account_id = \"222222222222\"",
    );
    let (code, _, stderr) = check(&root);
    assert_eq!(code, Some(0), "prod moved with its roles: {stderr}");
}
