//! The isolation rules, over facts only: no files, no parsing. Some hold for any layout
//! (a remote backend per environment, no shared state, module sources inside the
//! repository); the rest are turned on by `contract:` in the config.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

use super::EnvFacts;
use crate::config::contract::{ContractSettings, ModuleInput};

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
pub fn check(envs: &[EnvFacts], rules: &ContractSettings) -> Vec<Violation> {
    let mut out = Vec::new();
    for env in envs {
        files(env, rules, &mut out);
        modules(env, &mut out);
        backend(env, rules, &mut out);
        if let Some(pattern) = &rules.permissions_boundary {
            super::iam::permissions_boundaries(env, pattern, &mut out);
        }
        if rules.roles_trust_only_services {
            super::iam::trusts_only_services(env, &mut out);
        }
        if let Some(trusted) = &rules.trusted_role {
            super::iam::trusted_role(env, trusted, &mut out);
        }
        super::iam::roles_in_own_account(env, rules, &mut out);
    }
    shared_state_keys(envs, &mut out);
    reads_of_other_states(envs, &mut out);
    for input in &rules.disjoint_cidrs {
        overlapping_cidrs(envs, input, &mut out);
    }
    for input in &rules.unique_inputs {
        colliding_values(envs, input, &mut out);
    }
    if rules.same_versions {
        same_versions(envs, &mut out);
    }
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

fn files(env: &EnvFacts, rules: &ContractSettings, out: &mut Vec<Violation>) {
    for file in &env.missing_files {
        violation(
            out,
            env,
            file,
            format!(
                "missing; contract.required_files says every environment has {}",
                rules.required_files.join(", ")
            ),
        );
    }
    for (file, error) in &env.parse_errors {
        violation(out, env, file, format!("cannot be parsed as HCL: {error}"));
    }
}

/// A module that cannot be read is named as such, not guessed about.
fn modules(env: &EnvFacts, out: &mut Vec<Violation>) {
    for m in &env.missing_modules {
        violation(
            out,
            env,
            &m.file,
            format!(
                "module \"{}\": source {:?} not found (no such directory): fix the path, relative to this file",
                m.label, m.source
            ),
        );
    }
    for m in &env.outside_modules {
        violation(
            out,
            env,
            &m.file,
            format!(
                "module \"{}\": source {:?} leads outside the repository: a pull request could not be reviewed for what it runs; keep local modules inside the repository",
                m.label, m.source
            ),
        );
    }
}

fn backend(env: &EnvFacts, rules: &ContractSettings, out: &mut Vec<Violation>) {
    let Some(backend) = &env.backend else {
        violation(
            out,
            env,
            "(the environment's .tf files)",
            "declares no `backend` block: state would stay on the runner's disk and be lost when the job ends; declare a remote backend".into(),
        );
        return;
    };
    if backend.kind == "local" {
        violation(
            out,
            env,
            &backend.file,
            "uses the `local` backend: state would stay on the runner's disk and be lost when the job ends; declare a remote backend".into(),
        );
    }
    if backend.key.is_none() && backend.kind != "local" {
        violation(
            out,
            env,
            &backend.file,
            "has no state `key` (in the backend block or its backend_config files): set one per environment, e.g. \"<env>/terraform.tfstate\"".into(),
        );
    }
    let Some(rule) = &rules.backend else { return };
    if let Some(kind) = &rule.kind
        && &backend.kind != kind
    {
        violation(
            out,
            env,
            &backend.file,
            format!(
                "uses the `{}` backend; contract.backend.type requires `{kind}`",
                backend.kind
            ),
        );
    }
    if let (Some(prefix), Some(key)) = (&rule.key_prefix, &backend.key)
        && !prefix.is_prefix_of(&env.name, key)
    {
        violation(
            out,
            env,
            &backend.file,
            format!(
                "state key {key:?} is not under the environment's name: use \"{}terraform.tfstate\" (contract.backend.key_prefix)",
                prefix.for_env(&env.name)
            ),
        );
    }
    if rule.use_lockfile && backend.use_lockfile != Some(true) {
        violation(out, env, &backend.file, "lacks `use_lockfile = true`: without S3 lock files two runs can write the state at once".into());
    }
    if rule.use_lockfile
        && let Some(table) = &backend.dynamodb_table
    {
        violation(
            out,
            env,
            &backend.file,
            format!(
                "uses `dynamodb_table = {table:?}`: locking is by S3 lock files (`use_lockfile`); remove the table"
            ),
        );
    }
    if rule.encrypt && backend.encrypt != Some(true) {
        violation(
            out,
            env,
            &backend.file,
            "lacks `encrypt = true`: state holds secrets and must be encrypted at rest".into(),
        );
    }
}

fn shared_state_keys(envs: &[EnvFacts], out: &mut Vec<Violation>) {
    let mut seen: BTreeMap<(&str, Option<&str>, &str), &str> = BTreeMap::new();
    for env in envs {
        let Some(backend) = &env.backend else {
            continue;
        };
        let Some(key) = &backend.key else { continue };
        let place = (
            backend.kind.as_str(),
            backend.bucket.as_deref(),
            key.as_str(),
        );
        if let Some(other) = seen.insert(place, &env.name) {
            violation(
                out,
                env,
                &backend.file,
                format!(
                    "state key {key:?} is also used by `{other}`: each environment needs its own state"
                ),
            );
        }
    }
}

/// A `terraform_remote_state` that reads another environment's state makes this
/// environment depend on (and its plan role able to read) the other's state.
fn reads_of_other_states(envs: &[EnvFacts], out: &mut Vec<Violation>) {
    for env in envs {
        for read in &env.remote_state_reads {
            let Some(key) = &read.key else { continue };
            let owner = envs.iter().find(|other| {
                other.name != env.name
                    && other.backend.as_ref().is_some_and(|b| {
                        b.key.as_deref() == Some(key.as_str())
                            && (read.bucket.is_none() || b.bucket == read.bucket)
                    })
            });
            if let Some(owner) = owner {
                violation(
                    out,
                    env,
                    &read.file,
                    format!(
                        "{} reads the state of `{}` ({key:?}): environments must not share state; pass the value through variables instead",
                        read.what, owner.name
                    ),
                );
            }
        }
    }
}

/// The value each environment gives `input`, with the call it was found at.
fn input_values<'a>(
    env: &'a EnvFacts,
    input: &ModuleInput,
) -> Vec<(&'a super::ModuleCall, &'a str)> {
    env.module_calls
        .iter()
        .filter(|c| c.label == input.module)
        .filter_map(|c| c.inputs.get(&input.input).map(|v| (c, v.as_str())))
        .collect()
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

fn overlapping_cidrs(envs: &[EnvFacts], input: &ModuleInput, out: &mut Vec<Violation>) {
    let what = format!("module \"{}\" input `{}`", input.module, input.input);
    let mut parsed = Vec::new();
    for env in envs {
        let values = input_values(env, input);
        if values.is_empty() {
            violation(
                out,
                env,
                "(the environment's .tf files)",
                format!(
                    "no {what} found (contract.disjoint_cidrs): call the module with that input, or fix the rule"
                ),
            );
        }
        for (call, cidr) in values {
            match parse_cidr(cidr) {
                None => violation(
                    out,
                    env,
                    &call.file,
                    format!("{what} {cidr:?} is not an IPv4 CIDR"),
                ),
                Some(net) => parsed.push((env, call, cidr, net)),
            }
        }
    }
    for (i, (env, call, cidr, net)) in parsed.iter().enumerate() {
        for (other, _, other_cidr, other_net) in &parsed[..i] {
            if other.name != env.name && overlap(*net, *other_net) {
                violation(
                    out,
                    env,
                    &call.file,
                    format!(
                        "{what} {cidr} overlaps {other_cidr} of `{}`: environments need disjoint address space (set where the value comes from, e.g. terraform.tfvars)",
                        other.name
                    ),
                );
            }
        }
    }
}

fn colliding_values(envs: &[EnvFacts], input: &ModuleInput, out: &mut Vec<Violation>) {
    let what = format!("module \"{}\" input `{}`", input.module, input.input);
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for env in envs {
        let values = input_values(env, input);
        if values.is_empty() {
            violation(
                out,
                env,
                "(the environment's .tf files)",
                format!(
                    "no {what} found (contract.unique_inputs): call the module with that input, or fix the rule"
                ),
            );
        }
        for (call, value) in values {
            if let Some(other) = seen.insert(value, &env.name)
                && other != env.name
            {
                violation(
                    out,
                    env,
                    &call.file,
                    format!(
                        "{what} {value:?} is also used by `{other}`: it must differ between environments"
                    ),
                );
            }
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
                env.terraform_file.as_deref().unwrap_or("versions.tf"),
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
                env.terraform_file.as_deref().unwrap_or("versions.tf"),
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
