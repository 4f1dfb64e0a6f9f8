//! The STS role session name. It shows up in CloudTrail and in the assumed-role ARN, so it
//! names what a reader needs to find the job: environment, workflow run and repository.

/// STS limit for `RoleSessionName`.
pub const MAX_LEN: usize = 64;

/// Facts about the job the name is built from (from `GITHUB_*` variables when in Actions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFacts {
    /// `owner/repo` (`GITHUB_REPOSITORY`).
    pub repository: Option<String>,
    /// `GITHUB_RUN_ID`.
    pub run_id: Option<String>,
    /// `GITHUB_RUN_ATTEMPT`.
    pub run_attempt: Option<String>,
}

impl SessionFacts {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        SessionFacts {
            repository: var("GITHUB_REPOSITORY"),
            run_id: var("GITHUB_RUN_ID"),
            run_attempt: var("GITHUB_RUN_ATTEMPT"),
        }
    }
}

/// `tfpromote-ENV-RUN.ATTEMPT-OWNER.REPO`, e.g. `tfpromote-dev-9876543210.1-acme.mlops-platform`.
///
/// Only STS's allowed characters (`[A-Za-z0-9+=,.@_-]`) survive; anything else becomes `-`
/// (so `owner/repo` reads `owner.repo`). When too long, the repository is shortened first,
/// because the environment and the run are what tell two sessions of one repository apart.
pub fn session_name(env: &str, facts: &SessionFacts) -> String {
    let run = match (&facts.run_id, &facts.run_attempt) {
        (Some(id), Some(attempt)) => format!("{}.{}", clean(id), clean(attempt)),
        (Some(id), None) => clean(id),
        _ => "local".to_string(),
    };
    let head = format!("tfpromote-{}-{run}", clean(env));
    let repo = facts
        .repository
        .as_deref()
        .map(|r| clean(&r.replace('/', ".")))
        .unwrap_or_default();
    let mut name = head;
    let room = MAX_LEN.saturating_sub(name.len() + 1);
    if !repo.is_empty() && room > 0 {
        name.push('-');
        name.push_str(&repo[..room.min(repo.len())]);
    }
    // All characters are ASCII after `clean`, so byte truncation is safe.
    name.truncate(MAX_LEN);
    name.trim_end_matches(['-', '.']).to_string()
}

fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(repo: &str, run: &str, attempt: &str) -> SessionFacts {
        SessionFacts {
            repository: Some(repo.into()),
            run_id: Some(run.into()),
            run_attempt: Some(attempt.into()),
        }
    }

    fn allowed(name: &str) -> bool {
        (2..=MAX_LEN).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    }

    #[test]
    fn names_env_run_and_repo() {
        let name = session_name("dev", &facts("acme/mlops-platform", "9876543210", "2"));
        assert_eq!(name, "tfpromote-dev-9876543210.2-acme.mlops-platform");
        assert!(allowed(&name));
    }

    #[test]
    fn local_runs_say_so() {
        assert_eq!(
            session_name("prod", &SessionFacts::default()),
            "tfpromote-prod-local"
        );
    }

    #[test]
    fn long_repositories_are_shortened_not_the_env_or_run() {
        let repo = format!("some-org/{}", "x".repeat(100));
        let name = session_name("stage", &facts(&repo, "12345678901", "1"));
        assert_eq!(name.len(), MAX_LEN);
        assert!(
            name.starts_with("tfpromote-stage-12345678901.1-some-org."),
            "{name}"
        );
        assert!(allowed(&name));
    }

    #[test]
    fn disallowed_characters_are_replaced() {
        let name = session_name("dev", &facts("ac me/répo:x", "1", "1"));
        assert!(allowed(&name), "{name}");
        assert_eq!(name, "tfpromote-dev-1.1-ac-me.r-po-x");
    }

    #[test]
    fn extreme_inputs_stay_within_limits() {
        let env = "e".repeat(32);
        let name = session_name(&env, &facts("o/r", &"9".repeat(40), &"1".repeat(10)));
        assert!(allowed(&name), "{name}");
    }
}
