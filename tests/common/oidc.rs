//! A loopback GitHub OIDC token service and a scripted STS, on wiremock. Their answers follow
//! the documented formats: the runner's token endpoint returns `{"count":N,"value":"<JWT>"}`
//! (`@actions/core` reads `value`), and STS answers AssumeRoleWithWebIdentity with the XML of
//! the AWS STS API reference (`AssumeRoleWithWebIdentityResponse` on success, `ErrorResponse`
//! with `Type`/`Code`/`Message` and HTTP 400 for errors).

use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const REQUEST_BEARER: &str = "runner-request-token-for-tests";
pub const ROLE_ARN: &str = "arn:aws:iam::111111111111:role/mlops-gha-plan";
pub const SUB: &str = "repo:acme/infra:pull_request";
pub const SECRET_KEY: &str = "wJalrXUtnFEMIK7MDENGbPxRfiCYzTESTSECRETKEY";
pub const SESSION_TOKEN: &str = "FwoGZXIvYXdzEJrTESTSESSIONTOKENvalue0123456789";
pub const ACCESS_KEY: &str = "ASIATESTACCESSKEY0001";

/// An unsigned JWT with GitHub-like claims for a pull request; `n` makes each token unique.
pub fn jwt(audience: &str, n: usize) -> String {
    let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let payload = format!(
        r#"{{"jti":"token-{n}","sub":"{SUB}","aud":"{audience}","ref":"refs/pull/7/merge","repository":"acme/infra","event_name":"pull_request","iss":"https://token.actions.githubusercontent.com","iat":1700000000,"exp":1700000300}}"#
    );
    format!(
        "{}.{}.{}",
        enc(r#"{"alg":"RS256","typ":"JWT","kid":"test"}"#),
        enc(&payload),
        enc("not-a-signature")
    )
}

/// Answers each token request with a new JWT, so retries can be told apart.
pub struct FreshTokens {
    audience: String,
    count: AtomicUsize,
}

impl Respond for FreshTokens {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "count": 2000,
            "value": jwt(&self.audience, n),
        }))
    }
}

/// Mounts the token endpoint `GET /token?api-version=2.0&audience=AUDIENCE` with the bearer.
pub async fn mount_token_service(server: &MockServer, audience: &str) {
    Mock::given(method("GET"))
        .and(path("/token"))
        .and(query_param("api-version", "2.0"))
        .and(query_param("audience", audience))
        .and(header(
            "authorization",
            format!("Bearer {REQUEST_BEARER}").as_str(),
        ))
        .respond_with(FreshTokens {
            audience: audience.to_string(),
            count: AtomicUsize::new(0),
        })
        .with_priority(5)
        .mount(server)
        .await;
}

/// `ACTIONS_ID_TOKEN_REQUEST_URL` for a server with [`mount_token_service`].
pub fn token_url(server: &MockServer) -> String {
    format!("{}/token?api-version=2.0", server.uri())
}

pub fn sts_error(code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(400)
        .insert_header("content-type", "text/xml")
        .set_body_string(format!(
            r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>{code}</Code>
    <Message>{message}</Message>
  </Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>"#
        ))
}

pub fn sts_success(session: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/xml")
        .set_body_string(format!(
            r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>{SUB}</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::111111111111:assumed-role/mlops-gha-plan/{session}</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:{session}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>{SESSION_TOKEN}</SessionToken>
      <SecretAccessKey>{SECRET_KEY}</SecretAccessKey>
      <Expiration>2030-10-24T23:00:23Z</Expiration>
      <AccessKeyId>{ACCESS_KEY}</AccessKeyId>
    </Credentials>
    <Provider>token.actions.githubusercontent.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"#
        ))
}

/// Mounts `responses` on `POST /` in order: each answers once, the last one for good.
pub async fn script_sts(server: &MockServer, responses: Vec<ResponseTemplate>) {
    let last = responses.len().saturating_sub(1);
    for (i, response) in responses.into_iter().enumerate() {
        let mock = Mock::given(method("POST"))
            .and(path("/"))
            .respond_with(response)
            .with_priority(u8::try_from(i + 1).unwrap_or(u8::MAX));
        let mock = if i == last {
            mock
        } else {
            mock.up_to_n_times(1)
        };
        mock.mount(server).await;
    }
}

/// Decoded form fields of a request body (`application/x-www-form-urlencoded`).
pub fn form(request: &Request) -> Vec<(String, String)> {
    let body = String::from_utf8_lossy(&request.body);
    reqwest::Url::parse(&format!("http://form.invalid/?{body}"))
        .map(|url| {
            url.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

pub fn field(request: &Request, name: &str) -> Option<String> {
    form(request)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}
