//! STS AssumeRoleWithWebIdentity: an unsigned call (the ID token is the proof), with the
//! SDK's own retries off, because every retry here needs a fresh ID token (they live five
//! minutes and are single-purpose), which only the caller's loop can fetch.

use std::time::Duration;

use aws_sdk_sts::config::retry::RetryConfig;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sts::primitives::DateTimeFormat;

/// Credentials of an assumed role. `Debug` never shows the secret parts.
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// RFC 3339, as STS returned it.
    pub expiration: String,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub assumed_role_arn: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .field("assumed_role_arn", &self.assumed_role_arn)
            .finish()
    }
}

/// The STS endpoint the standard AWS SDK variables select: `AWS_ENDPOINT_URL_STS`, else
/// `AWS_ENDPOINT_URL`, unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true. `None` means
/// the regional AWS endpoint.
pub fn endpoint_from(lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
    let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    if get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return None;
    }
    get("AWS_ENDPOINT_URL_STS").or_else(|| get("AWS_ENDPOINT_URL"))
}

/// An STS client for `region` (and an endpoint override), with no credentials and no retries.
pub fn client(region: &str, endpoint: Option<&str>) -> aws_sdk_sts::Client {
    let mut builder = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .retry_config(RetryConfig::disabled());
    if let Some(url) = endpoint {
        builder = builder.endpoint_url(url);
    }
    aws_sdk_sts::Client::from_conf(builder.build())
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Worth another attempt with a fresh token (throttling, IdP hiccup, 5xx, network).
    Retry,
    /// The answer will not change: the trust policy, the token or the request is wrong.
    Fail,
}

/// Error codes that mean "no", however often we ask.
const FATAL_CODES: &[&str] = &[
    "AccessDenied",
    "InvalidIdentityToken",
    "ExpiredToken",
    "IDPRejectedClaim",
    "MalformedPolicyDocument",
    "PackedPolicyTooLarge",
    "RegionDisabledException",
    "ValidationError",
    "InvalidParameterValue",
];

/// Error codes of a busy or briefly broken service (the SDK's throttling and transient lists,
/// plus `IDPCommunicationError`: STS could not reach GitHub's OIDC keys in time).
const RETRY_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "IDPCommunicationError",
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
];

/// Classifies one failed attempt from its error code, HTTP status and whether it failed in
/// transport (no response at all). Known codes win over the status.
pub fn classify(code: Option<&str>, status: Option<u16>, transport: bool) -> Disposition {
    if let Some(code) = code {
        if FATAL_CODES.contains(&code) {
            return Disposition::Fail;
        }
        if RETRY_CODES.contains(&code) {
            return Disposition::Retry;
        }
    }
    if transport || status.is_some_and(|s| s >= 500 || s == 429) {
        Disposition::Retry
    } else {
        Disposition::Fail
    }
}

/// One failed STS attempt, already classified.
#[derive(Debug, Clone)]
pub struct StsFailure {
    pub code: Option<String>,
    pub message: String,
    pub disposition: Disposition,
}

/// Inputs of one AssumeRoleWithWebIdentity call.
#[derive(Debug, Clone)]
pub struct AssumeInput<'a> {
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub duration: Duration,
}

/// One AssumeRoleWithWebIdentity call.
pub async fn assume(
    client: &aws_sdk_sts::Client,
    input: &AssumeInput<'_>,
    web_identity_token: &str,
) -> Result<Credentials, StsFailure> {
    let duration = i32::try_from(input.duration.as_secs()).unwrap_or(i32::MAX);
    let result = client
        .assume_role_with_web_identity()
        .role_arn(input.role_arn)
        .role_session_name(input.session_name)
        .web_identity_token(web_identity_token)
        .duration_seconds(duration)
        .send()
        .await;
    let output = match result {
        Ok(output) => output,
        Err(error) => return Err(failure(&error)),
    };
    let malformed = |what: &str| StsFailure {
        code: None,
        message: format!("STS answered without {what}"),
        disposition: Disposition::Fail,
    };
    let creds = output
        .credentials()
        .ok_or_else(|| malformed("credentials"))?;
    let expiration = creds
        .expiration()
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_else(|_| creds.expiration().to_string());
    Ok(Credentials {
        access_key_id: creds.access_key_id().to_string(),
        secret_access_key: creds.secret_access_key().to_string(),
        session_token: creds.session_token().to_string(),
        expiration,
        assumed_role_arn: output
            .assumed_role_user()
            .map(|u| u.arn().to_string())
            .unwrap_or_default(),
    })
}

fn failure<E, R>(error: &SdkError<E, R>) -> StsFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HasStatus,
{
    let code = error.code().map(str::to_string);
    let status = error.raw_response().map(HasStatus::status);
    let transport = matches!(
        error,
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)
    );
    let message = match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => match status {
            Some(status) => format!("HTTP {status}: {}", DisplayErrorContext(error)),
            None => DisplayErrorContext(error).to_string(),
        },
    };
    StsFailure {
        disposition: classify(code.as_deref(), status, transport),
        code,
        message,
    }
}

/// The HTTP status of a raw response, whatever the SDK's response type.
pub trait HasStatus {
    fn status(&self) -> u16;
}

impl HasStatus for aws_sdk_sts::config::http::HttpResponse {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_fail_at_once() {
        for code in ["AccessDenied", "InvalidIdentityToken", "ExpiredToken"] {
            assert_eq!(
                classify(Some(code), Some(400), false),
                Disposition::Fail,
                "{code}"
            );
            assert_eq!(
                classify(Some(code), Some(503), false),
                Disposition::Fail,
                "{code}"
            );
        }
    }

    #[test]
    fn throttling_idp_and_server_errors_retry() {
        assert_eq!(
            classify(Some("Throttling"), Some(400), false),
            Disposition::Retry
        );
        assert_eq!(
            classify(Some("IDPCommunicationError"), Some(400), false),
            Disposition::Retry
        );
        assert_eq!(classify(None, Some(502), false), Disposition::Retry);
        assert_eq!(
            classify(Some("Unknown"), Some(500), false),
            Disposition::Retry
        );
        assert_eq!(classify(None, None, true), Disposition::Retry);
    }

    #[test]
    fn other_client_errors_fail() {
        assert_eq!(
            classify(Some("Unknown"), Some(400), false),
            Disposition::Fail
        );
        assert_eq!(classify(None, Some(403), false), Disposition::Fail);
        assert_eq!(classify(None, None, false), Disposition::Fail);
    }

    #[test]
    fn endpoint_variables() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(endpoint_from(env(&[])), None);
        assert_eq!(
            endpoint_from(env(&[("AWS_ENDPOINT_URL", "http://a")])),
            Some("http://a".into())
        );
        assert_eq!(
            endpoint_from(env(&[
                ("AWS_ENDPOINT_URL", "http://a"),
                ("AWS_ENDPOINT_URL_STS", "http://sts")
            ])),
            Some("http://sts".into())
        );
        assert_eq!(
            endpoint_from(env(&[
                ("AWS_ENDPOINT_URL_STS", "http://sts"),
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
            ])),
            None
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "s3cr3t".into(),
            session_token: "t0k3n".into(),
            expiration: "2026-01-01T00:00:00Z".into(),
            assumed_role_arn: "arn".into(),
        };
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("t0k3n"),
            "{shown}"
        );
    }
}
