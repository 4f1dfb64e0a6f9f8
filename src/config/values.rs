//! Validated config values. Each rejects bad input inside `Deserialize`, which is what lets the
//! YAML parser attach the line and column of the value to the message.

use regex::Regex;
use serde::{Deserialize, Deserializer, de};
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Environment;

/// What validation needs to know beyond the value itself; set by [`super::load::parse`] for the
/// duration of one parse on this thread.
#[derive(Default)]
pub(super) struct ParseContext {
    pub base_dir: PathBuf,
    /// Every configured path must resolve inside this ([`super::repo`]).
    pub root: PathBuf,
    /// Skip the directory-exists check (e.g. `render` never touches environment dirs).
    pub check_dirs: bool,
    pub seen_names: HashSet<String>,
}

thread_local! {
    pub(super) static CONTEXT: RefCell<Option<ParseContext>> = const { RefCell::new(None) };
}

fn with_context<T>(f: impl FnOnce(&mut ParseContext) -> T) -> Option<T> {
    CONTEXT.with(|c| c.borrow_mut().as_mut().map(f))
}

/// Deserializes a string and validates it inside the parser's `visit_str`, which is where
/// the YAML parser still knows the value's own line and column.
pub(super) fn validated<'de, D, T>(
    d: D,
    check: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct StrVisitor<F>(F);
    impl<'de, T, F: FnOnce(&str) -> Result<T, String>> de::Visitor<'de> for StrVisitor<F> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            (self.0)(v).map_err(E::custom)
        }
    }
    d.deserialize_str(StrVisitor(check))
}

macro_rules! validated_string {
    ($(#[$meta:meta])* $name:ident, $check:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let check: fn(&str) -> Result<(), String> = $check;
                validated(d, |raw| check(raw).map(|()| $name(raw.to_string())))
            }
        }
    };
}

validated_string!(
    /// Environment name: used in status contexts, output names and file names, so kept simple.
    EnvName,
    |raw| {
        let ok = !raw.is_empty()
            && raw.len() <= 32
            && raw.starts_with(|c: char| c.is_ascii_lowercase())
            && raw.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !ok {
            return Err(format!(
                "invalid environment name {raw:?}: use 1-32 lowercase letters, digits, '-' or '_', starting with a letter (e.g. `dev`)"
            ));
        }
        if let Some(reason) = reserved_environment_word(raw) {
            return Err(format!(
                "environment name {raw:?} is reserved: {reason}, and an environment owns every \
                 AWS name `<project>-<environment>-*`; rename the environment (e.g. `{}x`) in \
                 tfpromote.yaml and in the bootstrap's `environments`",
                raw.split(['-', '_']).next().unwrap_or(raw)
            ));
        }
        let fresh = with_context(|c| c.seen_names.insert(raw.to_string())).unwrap_or(true);
        if !fresh {
            return Err(format!(
                "duplicate environment name {raw:?}: each environment must have a unique name"
            ));
        }
        Ok(())
    }
);

/// Words of the names the bootstrap gives its own resources (infra/bootstrap: the CI roles
/// `<project>-gha-plan-<env>`/`<project>-gha-apply-<env>`, the boundaries
/// `<project>-boundary-<env>`, the `bootstrap/` state prefix, the account trail
/// `<project>-account-trail`, the access analyzer `<project>-external-access`, the state
/// key's alias `alias/<project>-tfstate` and the `*-tfstate-*` buckets). An environment's
/// roots and its apply role own `<project>-<env>-*`, so an environment named after one of
/// these words would own the bootstrap's resources. The bootstrap's `environments`
/// validation refuses the same words.
pub const RESERVED_ENVIRONMENT_WORDS: [(&str, &str); 6] = [
    (
        "gha",
        "the bootstrap names the CI roles <project>-gha-plan-<env> and <project>-gha-apply-<env>",
    ),
    (
        "boundary",
        "the bootstrap names the permissions boundaries <project>-boundary-<env>",
    ),
    (
        "bootstrap",
        "the bootstrap keeps its own state under bootstrap/ in the state bucket",
    ),
    (
        "account",
        "the bootstrap names the account trail and its key <project>-account-trail",
    ),
    (
        "external",
        "the bootstrap names the access analyzer <project>-external-access",
    ),
    (
        "tfstate",
        "the bootstrap names the state key alias/<project>-tfstate and its buckets *-tfstate-*",
    ),
];

/// Why `name` is reserved, when it is one of [`RESERVED_ENVIRONMENT_WORDS`] or starts with one
/// followed by `-` or `_` (`gha-x` would name things `<project>-gha-x-*`, inside the CI roles'
/// `<project>-gha-*`).
fn reserved_environment_word(name: &str) -> Option<&'static str> {
    RESERVED_ENVIRONMENT_WORDS
        .iter()
        .find(|(word, _)| {
            name == *word
                || name
                    .strip_prefix(word)
                    .is_some_and(|rest| rest.starts_with(['-', '_']))
        })
        .map(|(_, reason)| *reason)
}

validated_string!(
    /// IAM role ARN, e.g. `arn:aws:iam::111111111111:role/mlops-gha-plan`.
    RoleArn,
    |raw| {
        static PATTERN: &str = r"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$";
        let re = Regex::new(PATTERN).map_err(|e| e.to_string())?;
        if re.is_match(raw) {
            Ok(())
        } else {
            Err(format!(
                "invalid role ARN {raw:?}: expected arn:aws:iam::<12-digit account id>:role/<name>, \
                 e.g. arn:aws:iam::111111111111:role/mlops-gha-plan (see the bootstrap outputs)"
            ))
        }
    }
);

validated_string!(
    /// AWS account ID of one environment (the account-per-environment layout), e.g.
    /// `"222222222222"`. Kept as a string: IDs may start with 0.
    AccountId,
    |raw| {
        if raw.len() == 12 && raw.bytes().all(|b| b.is_ascii_digit()) {
            Ok(())
        } else {
            Err(format!(
                "invalid account_id {raw:?}: expected the environment's 12-digit AWS account ID, \
                 e.g. \"222222222222\" (quote it if it starts with 0)"
            ))
        }
    }
);

/// Environment directory, relative to the config file; must exist. Several environments may
/// share one (one root, a var file and backend config each): see [`Environments`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvDir(PathBuf);

impl EnvDir {
    pub fn as_path(&self) -> &Path {
        &self.0
    }
}

impl<'de> Deserialize<'de> for EnvDir {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        validated(d, |raw| {
            if raw.trim().is_empty() {
                return Err("`dir` is empty: give the environment's Terraform directory, e.g. infra/environments/dev".into());
            }
            let path = PathBuf::from(raw);
            let problem = with_context(|c| {
                if let Some(outside) = super::repo::outside(&c.root, &c.base_dir, raw, "`dir`") {
                    return Some(outside);
                }
                let full = c.base_dir.join(&path);
                if c.check_dirs && !full.is_dir() {
                    return Some(format!(
                        "directory {raw:?} does not exist (looked in {}): fix the path, relative to the config file",
                        full.display()
                    ));
                }
                None
            })
            .flatten();
            match problem {
                Some(message) => Err(message),
                None => Ok(EnvDir(path)),
            }
        })
    }
}

/// A file path from the config that must resolve inside the repository.
struct RepoFile(PathBuf);

fn repo_file<'de, D: Deserializer<'de>>(d: D, what: &'static str) -> Result<RepoFile, D::Error> {
    validated(d, |raw| {
        if raw.trim().is_empty() {
            return Err(format!(
                "empty {what} path: remove the entry or give a file"
            ));
        }
        match with_context(|c| super::repo::outside(&c.root, &c.base_dir, raw, what)).flatten() {
            Some(message) => Err(message),
            None => Ok(RepoFile(PathBuf::from(raw))),
        }
    })
}

struct VarFile(RepoFile);
impl<'de> Deserialize<'de> for VarFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        repo_file(d, "var file").map(VarFile)
    }
}

struct BackendFile(RepoFile);
impl<'de> Deserialize<'de> for BackendFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        repo_file(d, "backend config file").map(BackendFile)
    }
}

/// `var_files`, each checked where the parser still knows its line.
pub(super) fn var_files<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
    let files = Vec::<VarFile>::deserialize(d)?;
    Ok(files.into_iter().map(|f| f.0.0).collect())
}

/// `backend_config`, each checked where the parser still knows its line.
pub(super) fn backend_files<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
    let files = Vec::<BackendFile>::deserialize(d)?;
    Ok(files.into_iter().map(|f| f.0.0).collect())
}

/// A setting that must say something: empty would match every run, job or branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonEmpty(pub String);

impl<'de> Deserialize<'de> for NonEmpty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        validated(d, |raw| {
            if raw.trim().is_empty() {
                Err(format!(
                    "{raw:?} is empty: give a value or remove the key for the default (see docs/gates.md)"
                ))
            } else {
                Ok(NonEmpty(raw.trim().to_string()))
            }
        })
    }
}

/// A workflow file name such as `promote.yml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowFile(pub String);

impl<'de> Deserialize<'de> for WorkflowFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        validated(d, |raw| {
            let ok = (raw.ends_with(".yml") || raw.ends_with(".yaml"))
                && raw.len() > 4
                && !raw.contains('/')
                && raw
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if ok {
                Ok(WorkflowFile(raw.to_string()))
            } else {
                Err(format!(
                    "invalid workflow file {raw:?}: give the file name under .github/workflows/, e.g. `promote.yml`"
                ))
            }
        })
    }
}

/// The apply job's name with `{env}` in it. Without `{env}` every environment's apply would
/// be the same job, and one environment's success would count as the one before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPattern(pub String);

impl<'de> Deserialize<'de> for JobPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        validated(d, |raw| {
            if raw.contains("{env}") {
                Ok(JobPattern(raw.to_string()))
            } else {
                Err(format!(
                    "apply_job {raw:?} does not contain `{{env}}`: every environment would then be the same job; write e.g. `apply {{env}}`"
                ))
            }
        })
    }
}

/// `approval.from`: at least one approver. An empty list is refused where the parser still
/// knows its line, because the only readings of it are "nobody" (a gate that never opens)
/// or "anyone" (a gate that opens for any drive-by reviewer).
pub(super) fn approvers<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Approver>, D::Error> {
    let list = Vec::<Approver>::deserialize(d)?;
    if list.is_empty() {
        return Err(de::Error::custom(
            "approval.from is empty: it must name who may approve, e.g. `from: [team:platform-admins]` \
             or `from: [user:alice]` (an empty list would let any reviewer who is not the author count; \
             remove `approval` altogether if the environment needs no approval)",
        ));
    }
    Ok(list)
}

/// `destroy_confirmation`: a word to type. Empty or blank would be matched by an empty
/// `--confirm`, so destroy would need no confirmation at all.
pub(super) fn destroy_confirmation<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    validated(d, |raw| {
        if raw.trim().is_empty() {
            Err(format!(
                "destroy_confirmation {raw:?} is empty: destroy would then need no confirmation; \
                 remove the key (the environment's name must then be typed) or give a word, e.g. `destroy_confirmation: destroy-prod`"
            ))
        } else {
            Ok(Some(raw.trim().to_string()))
        }
    })
}

/// A duration written like `5m`, `90s` or `1h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        validated(d, |raw| parse_duration(raw).map(HumanDuration))
    }
}

fn parse_duration(raw: &str) -> Result<Duration, String> {
    humantime::parse_duration(raw.trim()).map_err(|e| {
        format!("invalid duration {raw:?} ({e}): write a number with a unit, e.g. 30s, 5m or 1h")
    })
}

/// STS session length: AWS accepts 15 minutes to 12 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionDuration(pub Duration);

impl Default for SessionDuration {
    fn default() -> Self {
        SessionDuration(Duration::from_secs(3600))
    }
}

impl<'de> Deserialize<'de> for SessionDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        validated(d, |raw| {
            let duration = parse_duration(raw)?;
            if !(900..=43_200).contains(&duration.as_secs()) {
                return Err(format!(
                    "session_duration {raw:?} is outside what STS accepts: use 15m to 12h (and no more than the role's maximum session duration)"
                ));
            }
            Ok(SessionDuration(duration))
        })
    }
}

/// Lowest Terraform version the environments were written for, e.g. `"1.11"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinVersion(pub Vec<u64>);

impl Default for MinVersion {
    fn default() -> Self {
        MinVersion(vec![1, 11])
    }
}

impl fmt::Display for MinVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u64::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

impl<'de> Deserialize<'de> for MinVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Read as text: the parser keeps `1.10` as written rather than as the float 1.1.
        validated(d, |raw| {
            crate::terraform::parse_version(raw)
                .map(MinVersion)
                .ok_or_else(|| format!("invalid min_version {raw:?}: expected a version such as \"1.11\" or \"1.11.2\""))
        })
    }
}

/// How many environments are planned at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parallelism(pub usize);

impl Default for Parallelism {
    fn default() -> Self {
        Parallelism(3)
    }
}

impl<'de> Deserialize<'de> for Parallelism {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        if !(1..=32).contains(&n) {
            return Err(de::Error::custom(format!(
                "parallelism {n} is out of range: use 1 to 32 environments at once"
            )));
        }
        Ok(Parallelism(n as usize))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequiredApprovals(pub u32);

impl<'de> Deserialize<'de> for RequiredApprovals {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        if !(1..=10).contains(&n) {
            return Err(de::Error::custom(format!(
                "approval.required {n} is out of range: use 1 to 10 (remove `approval` for no approval)"
            )));
        }
        Ok(RequiredApprovals(n as u32))
    }
}

/// Who may approve: `user:LOGIN` or `team:SLUG` (`team:ORG/SLUG` for another org).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approver {
    User(String),
    Team { org: Option<String>, slug: String },
}

impl<'de> Deserialize<'de> for Approver {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        validated(d, |raw| {
            let valid = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
            };
            let bad = || {
                format!(
                    "invalid approver {raw:?}: write `user:LOGIN` or `team:SLUG` (or `team:ORG/SLUG`)"
                )
            };
            if let Some(login) = raw.strip_prefix("user:") {
                return if valid(login) {
                    Ok(Approver::User(login.into()))
                } else {
                    Err(bad())
                };
            }
            if let Some(team) = raw.strip_prefix("team:") {
                return match team.split_once('/') {
                    Some((org, slug)) if valid(org) && valid(slug) => Ok(Approver::Team {
                        org: Some(org.into()),
                        slug: slug.into(),
                    }),
                    None if valid(team) => Ok(Approver::Team {
                        org: None,
                        slug: team.into(),
                    }),
                    _ => Err(bad()),
                };
            }
            Err(bad())
        })
    }
}

/// A user-supplied regular expression for redaction.
#[derive(Debug, Clone)]
pub struct RedactPattern(pub Regex);

impl<'de> Deserialize<'de> for RedactPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        validated(d, |raw| {
            if raw.is_empty() {
                return Err("empty redact pattern: it would match everywhere".into());
            }
            Regex::new(raw)
                .map(RedactPattern)
                .map_err(|e| format!("invalid redact pattern {raw:?}: {e}"))
        })
    }
}

/// Only schema version 1 exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaVersion(pub u32);

impl<'de> Deserialize<'de> for SchemaVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)?;
        if v != 1 {
            return Err(de::Error::custom(format!(
                "unsupported config version {v}: this tfpromote reads `version: 1`"
            )));
        }
        Ok(SchemaVersion(1))
    }
}

/// The environments, in promotion order; at least one.
#[derive(Debug, Clone)]
pub struct Environments(pub Vec<Environment>);

impl std::ops::Deref for Environments {
    type Target = [Environment];
    fn deref(&self) -> &[Environment] {
        &self.0
    }
}

/// Two environments in one directory are told apart only by their `backend_config` (the
/// state key) and `var_files`; with the same backend config they would share one state.
fn shared_state(list: &[Environment]) -> Option<String> {
    for (i, env) in list.iter().enumerate() {
        for other in &list[..i] {
            if env.dir.as_path() != other.dir.as_path()
                || env.backend_config != other.backend_config
            {
                continue;
            }
            return Some(format!(
                "environments `{}` and `{}` share directory {:?} with the same backend_config, so they would share one state:                  give each its own `backend_config` file (with its own state `key`) and its own `var_files`, or its own directory",
                other.name,
                env.name,
                env.dir.as_path().display()
            ));
        }
    }
    None
}

impl<'de> Deserialize<'de> for Environments {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = Vec::<Environment>::deserialize(d)?;
        if list.is_empty() {
            return Err(de::Error::custom(
                "`environments` is empty: list at least one environment, in promotion order",
            ));
        }
        if let Some(problem) = shared_state(&list) {
            return Err(de::Error::custom(problem));
        }
        Ok(Environments(list))
    }
}
