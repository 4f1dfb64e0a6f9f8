//! AWS credentials without stored keys: a GitHub OIDC ID token exchanged with STS
//! AssumeRoleWithWebIdentity for the role an environment and step need.
//!
//! Pure parts (retry classification, backoff, session name, claims) live in their own files
//! with unit tests; this file is the loop that drives the two HTTP edges.

mod error;
pub mod retry;
pub mod session;
pub mod sts;
pub mod token;

pub use error::AwsError;
pub use sts::Credentials;

use std::time::{Duration, Instant};

use crate::config::{Config, Environment};
use crate::context::Context;
use crate::terraform::Terraform;

/// Which of an environment's roles a step needs: `plan` is read-only (pull requests),
/// `apply` may change the environment (main, destroy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleKind {
    Plan,
    Apply,
}

impl RoleKind {
    pub fn role_of(self, env: &Environment) -> Option<&str> {
        match self {
            RoleKind::Plan => env.plan_role.as_ref(),
            RoleKind::Apply => env.apply_role.as_ref(),
        }
        .map(|r| r.as_str())
    }
}

/// Everything one exchange needs, gathered from config and environment by [`request_for`].
#[derive(Debug, Clone)]
pub struct AssumeRequest {
    pub env: String,
    pub role_arn: String,
    pub region: String,
    pub audience: String,
    pub duration: Duration,
    pub session_name: String,
    /// Total time for all attempts (`aws.retry_timeout`).
    pub budget: Duration,
    pub endpoint: Option<String>,
    pub token: token::TokenRequest,
}

/// The request for `env`'s `kind` role, or `None` when the environment has no such role and
/// so keeps using ambient credentials (local use, the sandbox). Fails at once, without any
/// network call, when the job cannot request an ID token.
pub fn request_for(
    config: &Config,
    context: &Context,
    env: &Environment,
    kind: RoleKind,
) -> Result<Option<AssumeRequest>, AwsError> {
    let Some(role) = kind.role_of(env) else {
        return Ok(None);
    };
    let name = env.name.to_string();
    let lookup = |name: &str| context.var(name);
    let token =
        token::TokenRequest::from_lookup(lookup).map_err(|missing| AwsError::NoIdToken {
            env: name.clone(),
            role: role.to_string(),
            missing,
        })?;
    Ok(Some(AssumeRequest {
        session_name: session::session_name(&name, &session::SessionFacts::from_lookup(lookup)),
        env: name,
        role_arn: role.to_string(),
        region: config.aws.region.clone(),
        audience: config.aws.audience.clone(),
        duration: config.aws.session_duration.0,
        budget: config.aws.retry_timeout.0,
        endpoint: sts::endpoint_from(lookup),
        token,
    }))
}

/// Fails at once, before any network call, when one of `envs` has a `kind` role but the
/// job cannot request an ID token. Every command that needs AWS credentials calls it before
/// anything else, so a job without `id-token: write` exits 2 with the same message
/// everywhere rather than after gates, GitHub calls or other environments' plans.
pub fn require_id_token<'e>(
    config: &Config,
    context: &Context,
    envs: impl IntoIterator<Item = &'e Environment>,
    kind: RoleKind,
) -> Result<(), AwsError> {
    for env in envs {
        request_for(config, context, env, kind)?;
    }
    Ok(())
}

/// Credentials for `env`'s `kind` role, or `None` for ambient credentials. The reusable entry
/// point for every command that runs Terraform (plan, apply, destroy).
pub async fn credentials_for(
    config: &Config,
    context: &Context,
    env: &Environment,
    kind: RoleKind,
) -> Result<Option<Credentials>, AwsError> {
    match request_for(config, context, env, kind)? {
        Some(request) => assume(&request).await.map(Some),
        None => Ok(None),
    }
}

/// The variables that hand `creds` to Terraform (provider and S3 backend alike).
pub fn terraform_env(creds: &Credentials, region: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", creds.access_key_id.clone()),
        ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.clone()),
        ("AWS_SESSION_TOKEN", creds.session_token.clone()),
        ("AWS_REGION", region.to_string()),
        ("AWS_DEFAULT_REGION", region.to_string()),
    ]
}

/// `terraform` with `creds` in its child environment only: tfpromote's own process
/// environment never holds them, so nothing else it starts or prints can pick them up.
pub fn with_credentials(terraform: Terraform, creds: &Credentials, region: &str) -> Terraform {
    terraform_env(creds, region)
        .into_iter()
        .fold(terraform, |tf, (key, value)| tf.with_env(key, value))
}

/// The parts of the keys, for masks and redaction (the key id too: with the secret it is
/// the credential, and nothing needs to print it).
pub fn secrets(creds: &Credentials) -> [&str; 3] {
    [
        &creds.access_key_id,
        &creds.secret_access_key,
        &creds.session_token,
    ]
}

/// Fetches a fresh ID token and calls STS until success, a refusal, or the budget runs out.
///
/// Each attempt fetches a new token: ID tokens live minutes and STS may have rejected the
/// previous one for a transient reason (IDPCommunicationError means STS could not verify it
/// in time). Throttling, IdP and server errors and transport failures back off with jitter;
/// AccessDenied, InvalidIdentityToken and ExpiredToken fail at once.
pub async fn assume(request: &AssumeRequest) -> Result<Credentials, AwsError> {
    let http = reqwest::Client::builder()
        .build()
        .map_err(|e| AwsError::Setup {
            env: request.env.clone(),
            role: request.role_arn.clone(),
            detail: format!("the HTTP client could not start: {e}"),
        })?;
    let client = sts::client(&request.region, request.endpoint.as_deref());
    let input = sts::AssumeInput {
        role_arn: &request.role_arn,
        session_name: &request.session_name,
        duration: request.duration,
    };
    let backoff = retry::Backoff::for_budget(request.budget);
    let deadline = Instant::now() + request.budget;
    // A floor so that even a tiny budget makes one real attempt.
    let left = || deadline.saturating_duration_since(Instant::now());
    let attempt_time = || left().max(Duration::from_millis(200));

    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let failure = match token::fetch(&http, &request.token, &request.audience, attempt_time())
            .await
        {
            Err(e) if !e.retryable => {
                return Err(token_error(request, e.message, attempts, None));
            }
            Err(e) => Failure::Token(e.message),
            Ok(jwt) => {
                // A bearer credential for STS: the redaction point masks it on every channel.
                crate::redact::point::learn([jwt.clone()]);
                crate::actions::add_mask(&jwt);
                let claims = token::Claims::decode(&jwt);
                let call = tokio::time::timeout(attempt_time(), sts::assume(&client, &input, &jwt));
                match call.await {
                    Ok(Ok(creds)) => {
                        for secret in secrets(&creds) {
                            crate::actions::add_mask(secret);
                        }
                        crate::redact::point::learn(secrets(&creds).map(str::to_string));
                        return Ok(creds);
                    }
                    Ok(Err(f)) if f.disposition == sts::Disposition::Fail => {
                        return Err(sts_error(request, f.message, attempts, claims, None));
                    }
                    Ok(Err(f)) => Failure::Sts(f.message, claims),
                    Err(_) => Failure::Sts("no answer from STS in time".into(), claims),
                }
            }
        };
        let delay = backoff.delay(attempts - 1, retry::random_jitter());
        let Some(sleep) = retry::next_sleep(delay, left()) else {
            let budget = Some(request.budget);
            return Err(match failure {
                Failure::Token(detail) => token_error(request, detail, attempts, budget),
                Failure::Sts(detail, claims) => {
                    sts_error(request, detail, attempts, claims, budget)
                }
            });
        };
        let what = match &failure {
            Failure::Token(detail) => format!("ID token: {detail}"),
            Failure::Sts(detail, _) => format!("STS: {detail}"),
        };
        crate::say!(
            "tfpromote: {}: {what}; retrying in {:.2}s (attempt {} failed)",
            request.env,
            sleep.as_secs_f64(),
            attempts
        );
        tokio::time::sleep(sleep).await;
    }
}

enum Failure {
    Token(String),
    Sts(String, Option<token::Claims>),
}

fn token_error(
    request: &AssumeRequest,
    detail: String,
    attempts: u32,
    gave_up: Option<Duration>,
) -> AwsError {
    AwsError::Token {
        env: request.env.clone(),
        role: request.role_arn.clone(),
        detail,
        attempts,
        gave_up,
    }
}

fn sts_error(
    request: &AssumeRequest,
    detail: String,
    attempts: u32,
    claims: Option<token::Claims>,
    gave_up: Option<Duration>,
) -> AwsError {
    AwsError::Sts {
        env: request.env.clone(),
        role: request.role_arn.clone(),
        detail,
        attempts,
        claims: claims.map(Box::new),
        gave_up,
    }
}
