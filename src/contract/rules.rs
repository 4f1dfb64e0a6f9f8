//! The isolation rules, over facts only: no files, no parsing.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

use super::EnvFacts;

/// One broken rule, tied to the environment and file to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub env: String,
    pub file: String,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.env, self.file, self.message)
    }
}

/// Every rule over every environment; empty means the environments are isolated.
pub fn check(envs: &[EnvFacts]) -> Vec<Violation> {
    let mut out = Vec::new();
    for env in envs {
        files(env, &mut out);
        backend(env, &mut out);
        super::iam::permissions_boundaries(env, &mut out);
        super::iam::own_apply_role(env, &mut out);
        super::iam::roles_in_own_account(env, &mut out);
        super::iam::trusts_only_services(env, &mut out);
    }
    shared_state_keys(envs, &mut out);
    overlapping_cidrs(envs, &mut out);
    colliding_clusters(envs, &mut out);
    same_versions(envs, &mut out);
    out
}

pub(super) fn violation(out: &mut Vec<Violation>, env: &EnvFacts, file: &str, message: String) {
    out.push(Violation {
        env: env.name.clone(),
        file: lexically_clean(&env.dir.join(file)).display().to_string(),
        message,
    });
}

/// `infra/environments/dev/../../modules/platform/main.tf` -> `infra/modules/platform/main.tf`,
/// the path a reader opens (module files are found through the root's `source`).
fn lexically_clean(path: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn files(env: &EnvFacts, out: &mut Vec<Violation>) {
    for file in &env.missing_files {
        violation(
            out,
            env,
            file,
            format!(
                "missing; every environment root has {}",
                super::REQUIRED_FILES.join(", ")
            ),
        );
    }
    for (file, error) in &env.parse_errors {
        violation(out, env, file, format!("cannot be parsed as HCL: {error}"));
    }
}

fn backend(env: &EnvFacts, out: &mut Vec<Violation>) {
    let Some(backend) = &env.backend else {
        if !env.missing_files.contains(&"backend.tf") {
            violation(
                out,
                env,
                "backend.tf",
                "declares no `backend` block: state must live in the remote S3 backend".into(),
            );
        }
        return;
    };
    if backend.kind != "s3" {
        violation(
            out,
            env,
            "backend.tf",
            format!(
                "uses the `{}` backend; the platform keeps state in `s3`",
                backend.kind
            ),
        );
    }
    match &backend.key {
        None => violation(
            out,
            env,
            "backend.tf",
            "has no state `key`: set `key = \"<env>/terraform.tfstate\"`".into(),
        ),
        Some(key) if !key.starts_with(&format!("{}/", env.name)) => violation(
            out,
            env,
            "backend.tf",
            format!(
                "state key {key:?} is not under the environment's name: use \"{}/terraform.tfstate\"",
                env.name
            ),
        ),
        Some(_) => {}
    }
    if backend.use_lockfile != Some(true) {
        violation(out, env, "backend.tf", "lacks `use_lockfile = true`: without S3 lock files two runs can write the state at once".into());
    }
    if backend.encrypt != Some(true) {
        violation(
            out,
            env,
            "backend.tf",
            "lacks `encrypt = true`: state holds secrets and must be encrypted at rest".into(),
        );
    }
    if let Some(table) = &backend.dynamodb_table {
        violation(
            out,
            env,
            "backend.tf",
            format!(
                "uses `dynamodb_table = {table:?}`: locking is by S3 lock files (`use_lockfile`); remove the table"
            ),
        );
    }
}

fn shared_state_keys(envs: &[EnvFacts], out: &mut Vec<Violation>) {
    let mut seen: BTreeMap<(Option<&str>, &str), &str> = BTreeMap::new();
    for env in envs {
        let Some(backend) = &env.backend else {
            continue;
        };
        let Some(key) = &backend.key else { continue };
        if let Some(other) = seen.insert((backend.bucket.as_deref(), key.as_str()), &env.name) {
            violation(
                out,
                env,
                "backend.tf",
                format!(
                    "state key {key:?} is also used by `{other}`: each environment needs its own state"
                ),
            );
        }
    }
}

/// Parses `a.b.c.d/n` into (network, prefix).
fn parse_cidr(cidr: &str) -> Option<(u32, u32)> {
    let (addr, prefix) = cidr.split_once('/')?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    let prefix: u32 = prefix.parse().ok().filter(|p| *p <= 32)?;
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    Some((u32::from(addr) & mask, prefix))
}

fn overlap(a: (u32, u32), b: (u32, u32)) -> bool {
    let prefix = a.1.min(b.1);
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    a.0 & mask == b.0 & mask
}

fn overlapping_cidrs(envs: &[EnvFacts], out: &mut Vec<Violation>) {
    let mut parsed = Vec::new();
    for env in envs {
        match env.vpc_cidr.as_deref().map(|c| (c, parse_cidr(c))) {
            None => violation(
                out,
                env,
                "main.tf",
                "no VPC CIDR found: pass `cidr` to the vpc module (from terraform.tfvars)".into(),
            ),
            Some((c, None)) => violation(
                out,
                env,
                "terraform.tfvars",
                format!("VPC CIDR {c:?} is not an IPv4 CIDR"),
            ),
            Some((c, Some(net))) => parsed.push((env, c, net)),
        }
    }
    for (i, (env, cidr, net)) in parsed.iter().enumerate() {
        for (other, other_cidr, other_net) in &parsed[..i] {
            if overlap(*net, *other_net) {
                violation(
                    out,
                    env,
                    "terraform.tfvars",
                    format!(
                        "VPC CIDR {cidr} overlaps {other_cidr} of `{}`: environments need disjoint address space",
                        other.name
                    ),
                );
            }
        }
    }
}

fn colliding_clusters(envs: &[EnvFacts], out: &mut Vec<Violation>) {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for env in envs {
        let Some(name) = env.cluster_name.as_deref() else {
            violation(
                out,
                env,
                "main.tf",
                "no EKS cluster name found: pass `name` to the eks module".into(),
            );
            continue;
        };
        if let Some(other) = seen.insert(name, &env.name) {
            violation(
                out,
                env,
                "main.tf",
                format!(
                    "cluster name {name:?} is also used by `{other}`: cluster names must be unique"
                ),
            );
        }
    }
}

/// Every environment must be planned by the same Terraform and provider versions, or a
/// change proven in dev says nothing about prod.
fn same_versions(envs: &[EnvFacts], out: &mut Vec<Violation>) {
    let Some(first) = envs.first() else { return };
    for env in &envs[1..] {
        if env.required_version != first.required_version {
            violation(
                out,
                env,
                "versions.tf",
                format!(
                    "required_version {:?} differs from {:?} in `{}`: use one constraint everywhere",
                    env.required_version.as_deref().unwrap_or("(none)"),
                    first.required_version.as_deref().unwrap_or("(none)"),
                    first.name
                ),
            );
        }
        if env.providers != first.providers {
            violation(
                out,
                env,
                "versions.tf",
                format!(
                    "required_providers {:?} differ from {:?} in `{}`: use the same providers and constraints everywhere",
                    env.providers, first.providers, first.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_overlap_by_the_shorter_prefix() {
        let n = |s| parse_cidr(s).expect("cidr");
        assert!(overlap(n("10.0.0.0/16"), n("10.0.128.0/17")));
        assert!(overlap(n("10.0.0.0/8"), n("10.1.0.0/16")));
        assert!(!overlap(n("10.0.0.0/16"), n("10.1.0.0/16")));
        assert!(parse_cidr("10.0.0.0").is_none());
        assert!(parse_cidr("10.0.0.0/33").is_none());
    }
}
