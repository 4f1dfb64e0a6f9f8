//! The documented operations, one file per API area. Each answer starts from the
//! description's own example and is adjusted to the state, so field names and shapes are
//! GitHub's, and only what the state knows differs.

mod actions;
mod comments;
mod commits;
mod deployments;
mod environments;
mod issues;
mod labels;
mod orgs;
mod pulls;
pub mod releases;
mod runs;

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::spec::Operation;
use crate::state::State;

/// One routed request, with what the operations need to answer it.
pub struct Call<'a> {
    pub op: &'a Operation,
    pub params: BTreeMap<String, String>,
    pub query: Vec<(String, String)>,
    /// The JSON body, or Null when there is none (it was validated before).
    pub body: Value,
    /// `http://127.0.0.1:PORT` plus the API prefix.
    pub base: &'a str,
    /// `owner/name` of the one repository the stand-in serves.
    pub repo: &'a str,
    /// The request path without the API prefix (for page links).
    pub path: &'a str,
    /// The login the request's token writes as (`github-actions[bot]` for a workflow's).
    pub actor: String,
    /// Whether the token is a workflow's `GITHUB_TOKEN` (an installation token).
    pub workflow_token: bool,
}

/// An answer: status, extra headers, JSON body (None for an empty body).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    /// A file's bytes instead of JSON (release assets).
    pub raw: Option<Vec<u8>>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Some(body),
            raw: None,
        }
    }

    /// GitHub's error shape.
    pub fn message(status: u16, text: &str) -> Reply {
        Reply::json(
            status,
            json!({"message": text, "documentation_url": "https://docs.github.com/rest"}),
        )
    }

    pub fn not_found() -> Reply {
        Reply::message(404, "Not Found")
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: None,
            raw: None,
        }
    }

    /// A file, as `application/octet-stream`.
    pub fn bytes(status: u16, bytes: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: vec![(
                "content-type".to_string(),
                "application/octet-stream".to_string(),
            )],
            body: None,
            raw: Some(bytes),
        }
    }
}

impl Call<'_> {
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).map_or("", String::as_str)
    }

    /// A numeric path parameter; the description types them as integers.
    pub fn number(&self, name: &str) -> Option<u64> {
        self.param(name).parse().ok()
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_str(&self, key: &str) -> Option<&str> {
        self.body.get(key).and_then(Value::as_str)
    }

    pub fn repo_url(&self) -> String {
        format!("{}/repos/{}", self.base, self.repo)
    }

    pub fn html_url(&self) -> String {
        format!("https://github.com/{}", self.repo)
    }

    /// The example answer as a single object (the first item of a list example).
    pub fn example_item(&self) -> Value {
        match &self.op.example {
            Value::Array(items) => items.first().cloned().unwrap_or(Value::Null),
            other => other.clone(),
        }
    }

    /// One page of `items` (`per_page` defaults to 30, at most 100), with GitHub's `link`
    /// header for the next and last pages.
    pub fn page(&self, items: Vec<Value>) -> Reply {
        let (items, link) = self.page_of(items);
        let mut reply = Reply::json(200, Value::Array(items));
        reply.headers.extend(link);
        reply
    }

    /// The items of the requested page and the `link` header, for answers that wrap the
    /// list in an object (`{total_count, deployment_branch_policies}`).
    pub fn page_of(&self, items: Vec<Value>) -> (Vec<Value>, Option<(String, String)>) {
        let per_page: usize = self
            .query("per_page")
            .and_then(|v| v.parse().ok())
            .unwrap_or(30)
            .clamp(1, 100);
        let page: usize = self
            .query("page")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
            .max(1);
        let pages = items.len().div_ceil(per_page).max(1);
        let link = (page < pages).then(|| {
            let others: String = self
                .query
                .iter()
                .filter(|(k, _)| k != "page" && k != "per_page")
                .map(|(k, v)| format!("&{k}={v}"))
                .collect();
            let url = |p: usize| {
                format!(
                    "{}{}?per_page={per_page}&page={p}{others}",
                    self.base, self.path
                )
            };
            (
                "link".to_string(),
                format!(
                    "<{}>; rel=\"next\", <{}>; rel=\"last\"",
                    url(page + 1),
                    url(pages)
                ),
            )
        });
        let items = items
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        (items, link)
    }
}

/// Performs `call` on `state`. Requests for another repository than the one served get
/// GitHub's 404, as a token without access to it would.
pub fn perform(state: &mut State, call: &Call) -> Reply {
    if let (Some(owner), Some(repo)) = (call.params.get("owner"), call.params.get("repo"))
        && !format!("{owner}/{repo}").eq_ignore_ascii_case(call.repo)
    {
        return Reply::not_found();
    }
    // Numeric path parameters (`issue_number`, `deployment_id`, ...) that are not numbers
    // name nothing: GitHub answers 404, and the operations below can rely on them parsing.
    // `workflow_id` is the exception: it is an id or the workflow's file name.
    if call.params.iter().any(|(k, v)| {
        (k.ends_with("_number") || k.ends_with("_id"))
            && k != "workflow_id"
            && v.parse::<u64>().is_err()
    }) {
        return Reply::not_found();
    }
    let id = call.op.id.as_str();
    let reply = comments::perform(state, call, id)
        .or_else(|| pulls::perform(state, call, id))
        .or_else(|| commits::perform(state, call, id))
        .or_else(|| deployments::perform(state, call, id))
        .or_else(|| issues::perform(state, call, id))
        .or_else(|| labels::perform(state, call, id))
        .or_else(|| environments::perform(state, call, id))
        .or_else(|| orgs::perform(state, call, id))
        .or_else(|| actions::perform(state, call, id))
        .or_else(|| runs::perform(state, call, id));
    reply.unwrap_or_else(|| Reply::message(501, &format!("the stand-in does not implement {id}")))
}

/// GitHub's user object for `login`, built from an example's user object.
pub fn user_json(state: &mut State, template: &Value, login: &str) -> Value {
    let id = state.user_id(login);
    let mut user = if template.is_object() {
        template.clone()
    } else {
        json!({})
    };
    user["login"] = json!(login);
    user["id"] = json!(id);
    user["type"] = json!(if login.ends_with("[bot]") {
        "Bot"
    } else {
        "User"
    });
    user["html_url"] = json!(format!("https://github.com/{login}"));
    user
}
