//! The GitHub Actions OIDC ID token: where to ask for it, how to fetch it, and what its
//! (unverified) claims say. The token itself is a bearer secret: it is never printed, logged
//! or kept after the STS call; only its non-secret claims are shown, in errors.

use std::time::Duration;

use base64::Engine;
use serde::Deserialize;

/// The runner's token service: URL and the bearer that authorises requests to it. Both are
/// set only when the job has `permissions: id-token: write`.
#[derive(Clone)]
pub struct TokenRequest {
    pub url: String,
    bearer: String,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("url", &self.url)
            .field("bearer", &"<redacted>")
            .finish()
    }
}

pub const URL_VAR: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
pub const TOKEN_VAR: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

impl TokenRequest {
    /// Reads the two `ACTIONS_ID_TOKEN_REQUEST_*` variables through `lookup`; returns the names
    /// of the missing ones otherwise.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<TokenRequest, Vec<&'static str>> {
        let get = |name| lookup(name).filter(|v: &String| !v.trim().is_empty());
        match (get(URL_VAR), get(TOKEN_VAR)) {
            (Some(url), Some(bearer)) => Ok(TokenRequest { url, bearer }),
            (url, bearer) => Err([(URL_VAR, url.is_none()), (TOKEN_VAR, bearer.is_none())]
                .into_iter()
                .filter(|(_, missing)| *missing)
                .map(|(name, _)| name)
                .collect()),
        }
    }

    /// The request URL with `audience` added as a query parameter (the runner's URL already
    /// carries a query string, so it is parsed rather than concatenated).
    pub fn url_for(&self, audience: &str) -> Result<reqwest::Url, String> {
        let mut url =
            reqwest::Url::parse(&self.url).map_err(|e| format!("{URL_VAR} is not a URL ({e})"))?;
        url.query_pairs_mut().append_pair("audience", audience);
        Ok(url)
    }
}

/// Why one token fetch failed, and whether another attempt may succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    pub message: String,
    pub retryable: bool,
}

/// Whether an HTTP status from the token service is worth retrying: 429 and 5xx are the
/// service being busy or broken for a moment; other 4xx mean the request itself is wrong.
pub fn status_retryable(status: u16) -> bool {
    status == 429 || status == 408 || (500..600).contains(&status)
}

/// One GET to the token service. `timeout` bounds the whole request.
pub async fn fetch(
    client: &reqwest::Client,
    request: &TokenRequest,
    audience: &str,
    timeout: Duration,
) -> Result<String, FetchError> {
    let url = request.url_for(audience).map_err(|message| FetchError {
        message,
        retryable: false,
    })?;
    let shown = redacted_url(&url);
    let response = client
        .get(url)
        .bearer_auth(&request.bearer)
        .header(reqwest::header::ACCEPT, "application/json")
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| FetchError {
            message: format!("GET {shown} failed: {}", transport_reason(&e)),
            retryable: true,
        })?;
    let status = response.status();
    let body = response.text().await.map_err(|e| FetchError {
        message: format!(
            "reading the answer of GET {shown} failed: {}",
            transport_reason(&e)
        ),
        retryable: true,
    })?;
    if !status.is_success() {
        return Err(FetchError {
            message: format!("GET {shown} answered HTTP {status}"),
            retryable: status_retryable(status.as_u16()),
        });
    }
    let token = parse_token_response(&body).map_err(|message| FetchError {
        message: format!("GET {shown}: {message}"),
        retryable: false,
    })?;
    // Whether the token is a secret depends on its audience, so the caller decides: one for
    // STS is a bearer credential; one that signs a plan record is published on purpose.
    Ok(token)
}

/// The runner answers `{"value": "<JWT>"}` (sometimes with a `count`).
pub fn parse_token_response(body: &str) -> Result<String, String> {
    #[derive(Deserialize)]
    struct Answer {
        value: Option<String>,
    }
    match serde_json::from_str::<Answer>(body) {
        Ok(Answer { value: Some(v) }) if !v.trim().is_empty() => Ok(v),
        Ok(_) => Err("the answer has no `value` (expected {\"value\": \"<JWT>\"})".into()),
        Err(e) => Err(format!(
            "the answer is not the expected {{\"value\": \"<JWT>\"}} ({})",
            crate::error::json_error_shape(&e)
        )),
    }
}

/// The URL without its query: the runner's query string is opaque and may carry run details.
/// How the token URL is named in messages: by its variable, never by its value, because the
/// URL itself (host, path and query) is one of the job's credentials.
fn redacted_url(_url: &reqwest::Url) -> String {
    "the ID-token URL ($ACTIONS_ID_TOKEN_REQUEST_URL)".to_string()
}

/// reqwest's error and its causes, without the URL (the caller names it without its query).
fn transport_reason(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    if e.is_timeout() {
        parts.push("timed out".to_string());
    } else if e.is_connect() {
        parts.push("could not connect".to_string());
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    if parts.is_empty() {
        parts.push("request failed".to_string());
    }
    parts.join(": ")
}

/// The claims an IAM trust policy matches on; all public information about the job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Claims {
    pub sub: Option<String>,
    #[serde(default, deserialize_with = "string_or_list")]
    pub aud: Option<String>,
    pub repository: Option<String>,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub environment: Option<String>,
    pub event_name: Option<String>,
}

fn string_or_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Aud {
        One(String),
        Many(Vec<String>),
    }
    Ok(Option::<Aud>::deserialize(d)?.map(|a| match a {
        Aud::One(s) => s,
        Aud::Many(v) => v.join(","),
    }))
}

impl Claims {
    /// Decodes the JWT payload (the middle segment, base64url) without verifying anything:
    /// only to explain a refusal. `None` when the token is not a readable JWT.
    pub fn decode(jwt: &str) -> Option<Claims> {
        let payload = jwt.split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// `sub=…, aud=…, repository=…, ref=…, environment=…, event_name=…`, absent ones as `(none)`.
    pub fn describe(&self) -> String {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        format!(
            "sub={}, aud={}, repository={}, ref={}, environment={}, event_name={}",
            show(&self.sub),
            show(&self.aud),
            show(&self.repository),
            show(&self.git_ref),
            show(&self.environment),
            show(&self.event_name)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.sig", enc(r#"{"alg":"RS256"}"#), enc(payload))
    }

    #[test]
    fn both_variables_are_needed() {
        let none = TokenRequest::from_lookup(|_| None).expect_err("missing");
        assert_eq!(none, vec![URL_VAR, TOKEN_VAR]);
        let only_url = TokenRequest::from_lookup(|n| (n == URL_VAR).then(|| "https://x".into()))
            .expect_err("missing token");
        assert_eq!(only_url, vec![TOKEN_VAR]);
        let empty = TokenRequest::from_lookup(|_| Some(" ".into())).expect_err("blank");
        assert_eq!(empty.len(), 2);
        let ok = TokenRequest::from_lookup(|_| Some("https://t/x?api-version=2.0".into()))
            .expect("both set");
        assert!(!format!("{ok:?}").contains("api-version=2.0\", bearer: \"https"));
    }

    #[test]
    fn audience_is_appended_to_the_existing_query() {
        let req = TokenRequest::from_lookup(|n| {
            Some(if n == URL_VAR {
                "https://token.example/abc?api-version=2.0".into()
            } else {
                "secret".into()
            })
        })
        .expect("set");
        let url = req.url_for("sts.amazonaws.com").expect("url");
        assert_eq!(
            url.as_str(),
            "https://token.example/abc?api-version=2.0&audience=sts.amazonaws.com"
        );
        assert_eq!(
            req.url_for("a b&c").expect("url").query(),
            Some("api-version=2.0&audience=a+b%26c")
        );
        assert!(!format!("{req:?}").contains("secret"));
    }

    #[test]
    fn token_response_shapes() {
        assert_eq!(
            parse_token_response(r#"{"count":1,"value":"a.b.c"}"#),
            Ok("a.b.c".into())
        );
        assert!(parse_token_response(r#"{"value":""}"#).is_err());
        assert!(parse_token_response("<html>").is_err());
        assert!(parse_token_response("{}").is_err());
        // Item 5: an answer of another shape is described, never quoted.
        for body in [
            r#""eyJhbGciOiJSUzI1NiJ9.CANARY-JWT.sig""#,
            r#"{"value": ["eyJ.CANARY-JWT.x"]}"#,
            r#"{"value": "eyJ.CANARY-JWT.x""#,
            "eyJ.CANARY-JWT.x",
        ] {
            let err = parse_token_response(body).expect_err(body);
            assert!(!err.contains("CANARY-JWT"), "{err}");
            assert!(err.contains("not shown"), "{err}");
        }
    }

    #[test]
    fn retryable_statuses() {
        assert!(status_retryable(500) && status_retryable(503) && status_retryable(429));
        assert!(!status_retryable(401) && !status_retryable(403) && !status_retryable(404));
    }

    #[test]
    fn claims_are_read_without_verification() {
        let token = jwt(
            r#"{"sub":"repo:acme/infra:pull_request","aud":"sts.amazonaws.com","repository":"acme/infra",
                "ref":"refs/pull/7/merge","event_name":"pull_request","iss":"https://token.actions.githubusercontent.com"}"#,
        );
        let claims = Claims::decode(&token).expect("claims");
        assert_eq!(claims.sub.as_deref(), Some("repo:acme/infra:pull_request"));
        assert_eq!(claims.git_ref.as_deref(), Some("refs/pull/7/merge"));
        assert_eq!(
            claims.describe(),
            "sub=repo:acme/infra:pull_request, aud=sts.amazonaws.com, repository=acme/infra, \
             ref=refs/pull/7/merge, environment=(none), event_name=pull_request"
        );
    }

    #[test]
    fn list_audiences_and_garbage() {
        let claims = Claims::decode(&jwt(r#"{"aud":["a","b"]}"#)).expect("claims");
        assert_eq!(claims.aud.as_deref(), Some("a,b"));
        assert_eq!(Claims::decode("not-a-jwt"), None);
        assert_eq!(Claims::decode("a.!!!.c"), None);
        assert_eq!(Claims::decode(&jwt("[1,2]")), None);
    }
}
