//! Why credentials could not be obtained, worded for the person who must fix the workflow or
//! the role's trust policy.

use std::time::Duration;

use super::token::{Claims, URL_VAR};

#[derive(Debug, Clone, thiserror::Error)]
pub enum AwsError {
    /// The job cannot request an ID token at all.
    #[error(
        "cannot assume {role} for environment {env}: {missing} not set, so there is no GitHub OIDC ID token. \
         Grant the job `permissions: id-token: write` (a reusable workflow's caller must grant it too). \
         Pull requests from forks never get an ID token: plan them without AWS access. \
         Outside GitHub Actions, remove the role from the environment to use ambient credentials.",
        missing = .missing.join(" and ")
    )]
    NoIdToken {
        env: String,
        role: String,
        missing: Vec<&'static str>,
    },

    /// The ID token could not be fetched.
    #[error(
        "cannot assume {role} for environment {env}: no ID token from {URL_VAR} after {attempts} attempt(s){}: {detail}. \
         Check that the job still has `permissions: id-token: write` and that the runner can reach the token service{}",
        within(.gave_up),
        if .gave_up.is_some() { " (raise aws.retry_timeout to wait longer)" } else { "" }
    )]
    Token {
        env: String,
        role: String,
        detail: String,
        attempts: u32,
        /// The retry budget, when the failure was retryable but time ran out.
        gave_up: Option<Duration>,
    },

    /// STS refused, or kept failing until the budget ran out.
    #[error(
        "cannot assume {role} for environment {env}: STS AssumeRoleWithWebIdentity failed after {attempts} attempt(s){}: {detail}. \
         {}The role's trust policy must allow these token claims: {}",
        within(.gave_up),
        if .gave_up.is_some() { "Raise aws.retry_timeout to wait longer. " } else { "" },
        claims.as_deref().map(Claims::describe).unwrap_or_else(|| "(the token could not be decoded)".into())
    )]
    Sts {
        env: String,
        role: String,
        detail: String,
        attempts: u32,
        /// Boxed: only failures carry it, and it keeps the error small.
        claims: Option<Box<Claims>>,
        gave_up: Option<Duration>,
    },

    /// A local problem before any request (e.g. the HTTP client could not start).
    #[error("cannot assume {role} for environment {env}: {detail}")]
    Setup {
        env: String,
        role: String,
        detail: String,
    },
}

fn within(gave_up: &Option<Duration>) -> String {
    gave_up
        .map(|d| {
            format!(
                " within aws.retry_timeout ({})",
                humantime::format_duration(d)
            )
        })
        .unwrap_or_default()
}

impl AwsError {
    /// Missing token permission is a workflow configuration error (exit 2); the rest are
    /// failures (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(self, AwsError::NoIdToken { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::super::token::TOKEN_VAR;
    use super::*;

    #[test]
    fn missing_variables_say_what_to_grant() {
        let e = AwsError::NoIdToken {
            env: "dev".into(),
            role: "arn:aws:iam::111111111111:role/plan".into(),
            missing: vec![URL_VAR, TOKEN_VAR],
        };
        let text = e.to_string();
        assert!(text.contains("id-token: write"), "{text}");
        assert!(text.contains("forks"), "{text}");
        assert!(text.contains("ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN"));
        assert!(e.is_usage());
    }

    #[test]
    fn refusals_show_role_and_claims() {
        let e = AwsError::Sts {
            env: "dev".into(),
            role: "arn:aws:iam::111111111111:role/plan".into(),
            detail: "AccessDenied: Not authorized".into(),
            attempts: 1,
            claims: Some(Box::new(Claims {
                sub: Some("repo:acme/infra:pull_request".into()),
                ..Claims::default()
            })),
            gave_up: None,
        };
        let text = e.to_string();
        assert!(
            text.contains("arn:aws:iam::111111111111:role/plan"),
            "{text}"
        );
        assert!(text.contains("sub=repo:acme/infra:pull_request"), "{text}");
        assert!(text.contains("after 1 attempt(s): AccessDenied"), "{text}");
        assert!(!text.contains("retry_timeout"), "{text}");
    }

    #[test]
    fn exhausted_budgets_name_the_setting() {
        let e = AwsError::Token {
            env: "dev".into(),
            role: "r".into(),
            detail: "GET http://x/ failed: could not connect".into(),
            attempts: 4,
            gave_up: Some(Duration::from_secs(5)),
        };
        let text = e.to_string();
        assert!(text.contains("within aws.retry_timeout (5s)"), "{text}");
        assert!(!e.is_usage());
    }
}
