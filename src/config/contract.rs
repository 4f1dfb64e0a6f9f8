//! `contract:` in tfpromote.yaml: which isolation rules `tfpromote check` holds the
//! environments to, beyond those that hold for any layout.
//!
//! Rules that depend on how a repository is organised (file names, backend settings, which
//! module input carries a CIDR, how roles and boundaries are named) are configuration, so a
//! repository laid out differently is not failed by rules written for another one. Without
//! this section, `check` enforces only what isolates environments in every layout: each
//! environment has a remote backend of its own, no two share a state, and local module
//! sources stay inside the repository.

use serde::{Deserialize, Deserializer};

use super::values;

/// The optional rules. Every field is off (or empty) unless set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContractSettings {
    /// Files every environment directory must have, so all roots read alike.
    pub required_files: Vec<String>,
    /// Settings every environment's backend must have.
    pub backend: Option<BackendRule>,
    /// `required_version` and `required_providers` identical in every environment, so a
    /// change proven in one says something about the next.
    pub same_versions: bool,
    /// Module inputs holding IPv4 CIDRs that must not overlap between environments.
    pub disjoint_cidrs: Vec<ModuleInput>,
    /// Module inputs whose values must differ between environments (e.g. a cluster name).
    pub unique_inputs: Vec<ModuleInput>,
    /// Every `aws_iam_role` an environment creates, found through its local modules, must
    /// carry a permissions boundary whose ARN matches this pattern.
    pub permissions_boundary: Option<EnvPattern>,
    /// Every `aws_iam_role` the environment creates may be assumed only by AWS services
    /// (`Principal = { Service = ... }`): another account or an OIDC provider in a trust
    /// policy would be a way in from outside, and IAM has no condition key that stops an
    /// apply role from writing one.
    pub roles_trust_only_services: bool,
    /// A local value naming the role the environment trusts (e.g. as cluster admin), and
    /// the pattern its ARN must match.
    pub trusted_role: Option<TrustedRole>,
}

/// Backend settings required of every environment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackendRule {
    /// The backend type, e.g. `s3`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The state key must start with this; `{env}` is the environment's name.
    pub key_prefix: Option<EnvPattern>,
    /// S3: `use_lockfile = true` (S3 lock files; a DynamoDB table is then refused).
    pub use_lockfile: bool,
    /// S3: `encrypt = true`.
    pub encrypt: bool,
}

/// A module input, by the module call's label (`module "vpc"`) at any depth.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleInput {
    pub module: String,
    pub input: String,
}

/// The role an environment trusts, read from a local value.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedRole {
    /// The name of the `locals` entry holding the role ARN.
    pub local: String,
    pub pattern: EnvPattern,
}

/// A pattern that names one environment's resource: `*` matches any text, `{env}` the
/// environment's name. It must contain `{env}`, or every environment's resource would
/// match it and the rule would isolate nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvPattern(String);

impl EnvPattern {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The pattern with `{env}` filled in, as a reader would write it.
    pub fn for_env(&self, env: &str) -> String {
        self.0.replace("{env}", env)
    }

    /// Whether `text` matches the whole pattern for `env`.
    pub fn matches(&self, env: &str, text: &str) -> bool {
        let expanded = self.for_env(env);
        let body: Vec<String> = expanded.split('*').map(regex::escape).collect();
        regex::Regex::new(&format!("^{}$", body.join(".*"))).is_ok_and(|re| re.is_match(text))
    }

    /// Whether `text` starts with the pattern for `env` (`*` not allowed in prefixes).
    pub fn is_prefix_of(&self, env: &str, text: &str) -> bool {
        text.starts_with(&self.for_env(env))
    }
}

impl<'de> Deserialize<'de> for EnvPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        values::validated(d, |raw| {
            if raw.contains("{env}") {
                Ok(EnvPattern(raw.to_string()))
            } else {
                Err(format!(
                    "pattern {raw:?} does not contain {{env}}: without it every environment's \
                     resource matches and the rule isolates nothing; write e.g. \
                     \"arn:aws:iam::*:policy/*-boundary-{{env}}\""
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_the_whole_text_for_one_environment() {
        let p = EnvPattern("arn:aws:iam::*:policy/*-boundary-{env}".into());
        assert!(p.matches("dev", "arn:aws:iam::1:policy/mlops-boundary-dev"));
        assert!(!p.matches("dev", "arn:aws:iam::1:policy/mlops-boundary-prod"));
        assert!(!p.matches("dev", "arn:aws:iam::1:policy/mlops-boundary-dev2"));
        // Regex metacharacters in the pattern are literal.
        let dots = EnvPattern("a.b-{env}".into());
        assert!(!dots.matches("x", "aXb-x"));
        assert!(dots.matches("x", "a.b-x"));
    }

    #[test]
    fn a_pattern_without_env_is_refused_with_the_fix() {
        let err = serde_yaml::from_str::<EnvPattern>("\"*-boundary\"")
            .expect_err("must be refused")
            .to_string();
        assert!(err.contains("does not contain {env}"), "{err}");
        assert!(err.contains("isolates nothing"), "{err}");
    }
}
