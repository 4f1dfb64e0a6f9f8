//! The HTTP edge: octocrab for transport, auth and the base URL (GitHub Enterprise Server's
//! `/api/v3` prefix is kept), our own retry loop on top. octocrab is built without its
//! `retry` feature: its retries are immediate and repeat POSTs, which duplicates comments.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use octocrab::Octocrab;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::GitHubError;
use super::retry::{self, Decision, Outcome, Policy, RateFacts};

/// Owner and name of a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl Repo {
    /// Parses `GITHUB_REPOSITORY` (`owner/name`).
    pub fn parse(text: &str) -> Option<Repo> {
        let (owner, name) = text.trim().split_once('/')?;
        let ok = |s: &str| !s.is_empty() && !s.contains('/') && !s.contains(char::is_whitespace);
        (ok(owner) && ok(name)).then(|| Repo {
            owner: owner.into(),
            name: name.into(),
        })
    }

    pub fn path(&self) -> String {
        format!("/repos/{}/{}", self.owner, self.name)
    }
}

/// A GitHub client for one repository.
#[derive(Clone)]
pub struct GitHub {
    octocrab: Octocrab,
    pub repo: Repo,
    pub policy: Policy,
}

/// HTTP methods we use; whether a blind repeat is safe follows from the method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// A response read to the end.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub link: Option<String>,
    /// The rate-limit headers (lower-case names), for the retry decision.
    pub rate_headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<String> {
        self.rate_headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

impl GitHub {
    /// `api_url` is `GITHUB_API_URL`: `https://api.github.com`, or `https://HOST/api/v3`.
    pub fn new(
        api_url: &str,
        token: &str,
        repo: Repo,
        policy: Policy,
    ) -> Result<Self, GitHubError> {
        let context = |message: String| {
            GitHubError::Context(format!(
                "cannot build a GitHub client for {api_url:?}: {message}; set GITHUB_API_URL to the API root (e.g. https://api.github.com or https://HOST/api/v3)"
            ))
        };
        let octocrab = Octocrab::builder()
            .base_uri(api_url.trim_end_matches('/'))
            .map_err(|e| context(e.to_string()))?
            .personal_token(token.to_string())
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(30)))
            .build()
            .map_err(|e| context(e.to_string()))?;
        Ok(GitHub {
            octocrab,
            repo,
            policy,
        })
    }

    /// One call with retries. `route` is a path under the API root or an absolute URL from
    /// a `Link` header. Non-2xx answers become errors after the retries. `idempotent: false`
    /// means a 5xx or lost connection is returned at once: the caller must re-read before
    /// repeating it.
    pub async fn send<B: Serialize + ?Sized>(
        &self,
        method: Method,
        route: &str,
        body: Option<&B>,
        idempotent: bool,
    ) -> Result<Response, GitHubError> {
        let call = format!("{} {}", method.name(), strip_query(route));
        // Request bodies are a text channel (comments, statuses, deployments, issues): every
        // string in them passes the redaction point, and the JSON stays valid.
        let body = match body.map(serde_json::to_value).transpose() {
            Ok(body) => body.map(|mut value| {
                crate::redact::point::mask_json(&mut value);
                value
            }),
            Err(e) => {
                return Err(GitHubError::Transport {
                    call,
                    message: format!("cannot encode the request body: {e}"),
                });
            }
        };
        let body = body.as_ref();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (outcome, error) = match self.once(method, route, body).await {
                Ok(response) if (200..300).contains(&response.status) => return Ok(response),
                Ok(response) => {
                    let facts = RateFacts::read(|h| response.header(h), &response.body);
                    (
                        Outcome::Status(response.status, facts),
                        GitHubError::Status {
                            call: call.clone(),
                            status: response.status,
                            message: error_message(&response.body),
                        },
                    )
                }
                Err(message) => (
                    Outcome::Transport,
                    GitHubError::Transport {
                        call: call.clone(),
                        message,
                    },
                ),
            };
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default();
            match retry::decide(
                &self.policy,
                idempotent,
                &outcome,
                attempt,
                now,
                retry::random_jitter(),
            ) {
                Decision::Retry(wait) => {
                    tracing::warn!("{error}; retrying in {:.1}s", wait.as_secs_f64());
                    tokio::time::sleep(wait).await;
                }
                Decision::Stop => return Err(error),
            }
        }
    }

    /// Sends and decodes a JSON answer.
    pub async fn json<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        route: &str,
        body: Option<&B>,
        idempotent: bool,
    ) -> Result<(T, Response), GitHubError> {
        let response = self.send(method, route, body, idempotent).await?;
        let value = serde_json::from_str(&response.body).map_err(|e| GitHubError::Decode {
            call: format!("{} {}", method.name(), strip_query(route)),
            message: crate::error::json_error_shape(&e),
        })?;
        Ok((value, response))
    }

    /// Every page of a list, following `Link: rel="next"` (absolute URLs on the same host
    /// keep the token; octocrab never sends it elsewhere).
    pub async fn list_all<T: DeserializeOwned>(&self, route: &str) -> Result<Vec<T>, GitHubError> {
        let separator = if route.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{route}{separator}per_page=100"));
        let mut all = Vec::new();
        // A bound against a server that links in a circle: 100 pages of 100 is far past
        // anything a pull request has.
        for _ in 0..100 {
            let Some(url) = next.take() else { break };
            let (page, response): (Vec<T>, _) =
                self.json(Method::Get, &url, None::<&()>, true).await?;
            all.extend(page);
            next = response.link.as_deref().and_then(next_link);
        }
        Ok(all)
    }

    async fn once<B: Serialize + ?Sized>(
        &self,
        method: Method,
        route: &str,
        body: Option<&B>,
    ) -> Result<Response, String> {
        let gh = &self.octocrab;
        let response = match method {
            Method::Get => gh._get(route).await,
            Method::Post => gh._post(route, body).await,
            Method::Patch => gh._patch(route, body).await,
            Method::Put => gh._put(route, body).await,
            Method::Delete => gh._delete(route, body).await,
        }
        .map_err(|e| error_chain(&e))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let link = header("link");
        let rate_headers: Vec<(String, String)> =
            ["retry-after", "x-ratelimit-remaining", "x-ratelimit-reset"]
                .iter()
                .filter_map(|h| header(h).map(|v| (h.to_string(), v)))
                .collect();
        let body = gh
            .body_to_string(response)
            .await
            .map_err(|e| error_chain(&e))?;
        Ok(Response {
            status,
            link,
            rate_headers,
            body,
        })
    }
}

fn strip_query(route: &str) -> &str {
    route.split('?').next().unwrap_or(route)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// GitHub's `{"message": ...}`, else only the size of the body: an unexpected answer (a
/// proxy's page, an echo of the request) may hold the token, so it is never quoted.
fn error_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| {
            format!(
                "an answer of {} bytes that is not GitHub's JSON",
                body.len()
            )
        })
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_found_among_others() {
        let h = r#"<https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3>; rel="last""#;
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=2")
        );
        assert_eq!(next_link(r#"<https://x/y?page=1>; rel="prev""#), None);
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn repo_parses_owner_and_name() {
        assert_eq!(
            Repo::parse("octo-org/infra"),
            Some(Repo {
                owner: "octo-org".into(),
                name: "infra".into()
            })
        );
        assert_eq!(Repo::parse("nope"), None);
        assert_eq!(Repo::parse("a/b/c"), None);
        assert_eq!(Repo::parse("/b"), None);
    }
}
