//! A stateful fake GitHub for tests: an in-memory store of comments, statuses, reviews,
//! pull requests and team memberships behind a wiremock responder.
//!
//! Every request is checked against GitHub's official REST description (a trimmed copy in
//! tests/fixtures/github/, see its README): method and path must name a documented
//! operation, query parameters must be declared, and the JSON body must match the
//! operation's schema. Answers are the description's own examples, adjusted to the state.
//! Faults can be injected per operation: an error after the operation took effect (502
//! after storing a comment), or before it (403 secondary rate limit, read-only token).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

/// The login comments made with the fake's token appear under.
pub const BOT: &str = "github-actions[bot]";

#[derive(Debug, Clone)]
pub enum Fault {
    /// Perform the operation, then answer with this status (the outcome looks unknown).
    After(u16),
    /// Answer with this status, headers and message without performing the operation.
    Before(u16, Vec<(String, String)>, String),
}

impl Fault {
    pub fn secondary_rate_limit(retry_after: u64) -> Fault {
        Fault::Before(
            403,
            vec![("retry-after".into(), retry_after.to_string())],
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.".into(),
        )
    }

    pub fn read_only() -> Fault {
        Fault::Before(403, vec![], "Resource not accessible by integration".into())
    }
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub operation: String,
    pub method: String,
    pub path: String,
    pub body: String,
    pub status: u16,
    pub at: Instant,
}

#[derive(Debug, Clone)]
pub struct StoredComment {
    pub id: u64,
    pub pr: u64,
    pub author: String,
    pub body: String,
}

#[derive(Default)]
struct State {
    next_id: u64,
    comments: Vec<StoredComment>,
    statuses: HashMap<String, Vec<Value>>,
    prs_for_commit: HashMap<String, Vec<(u64, bool)>>,
    pr_authors: HashMap<u64, String>,
    reviews: HashMap<u64, Vec<(String, String)>>,
    team_members: Vec<(String, String, String)>,
    faults: Vec<(String, Fault, usize)>,
    requests: Vec<Recorded>,
    violations: Vec<String>,
}

struct Operation {
    id: String,
    method: String,
    template: Vec<String>,
    query: Vec<String>,
    body_schema: Option<jsonschema::Validator>,
    body_required: bool,
    example: Value,
}

fn load_spec() -> Vec<Operation> {
    let path = super::repo_root().join("tests/fixtures/github/api.github.com.trimmed.json");
    let text = std::fs::read_to_string(&path).expect("trimmed OpenAPI description");
    let spec: Value = serde_json::from_str(&text).expect("OpenAPI JSON");
    let mut ops = Vec::new();
    for (path, methods) in spec["paths"].as_object().expect("paths") {
        for (method, op) in methods.as_object().expect("methods") {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let query = params
                .iter()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_string))
                .collect();
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            let body_schema = (!schema.is_null())
                .then(|| jsonschema::validator_for(schema).expect("request schema compiles"));
            let example = op["responses"]
                .as_object()
                .and_then(|r| r.values().next())
                .and_then(|r| r["content"]["application/json"]["examples"].as_object())
                .and_then(|e| e.values().next())
                .map(|e| e["value"].clone())
                .unwrap_or(Value::Null);
            ops.push(Operation {
                id: op["operationId"].as_str().expect("operationId").to_string(),
                method: method.to_uppercase(),
                template: path.split('/').map(str::to_string).collect(),
                query,
                body_schema,
                body_required: op["requestBody"]["required"] == true,
                example,
            });
        }
    }
    ops
}

fn route<'a>(
    ops: &'a [Operation],
    method: &str,
    path: &str,
) -> Option<(&'a Operation, BTreeMap<String, String>)> {
    let segments: Vec<&str> = path.split('/').collect();
    ops.iter().find_map(|op| {
        if op.method != method || op.template.len() != segments.len() {
            return None;
        }
        let mut params = BTreeMap::new();
        for (t, s) in op.template.iter().zip(&segments) {
            if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                if s.is_empty() {
                    return None;
                }
                params.insert(name.to_string(), s.to_string());
            } else if t != s {
                return None;
            }
        }
        Some((op, params))
    })
}

struct Handler {
    state: Arc<Mutex<State>>,
    ops: Arc<Vec<Operation>>,
    /// `http://127.0.0.1:PORT` plus the API prefix (`/api/v3` for GHES).
    base: String,
    prefix: String,
}

fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json; charset=utf-8")
        .set_body_string(body.to_string())
}

fn message(status: u16, text: &str) -> ResponseTemplate {
    json_response(
        status,
        &json!({"message": text, "documentation_url": "https://docs.github.com/rest"}),
    )
}

impl Respond for Handler {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().expect("fake state");
        let method = request.method.as_str().to_string();
        let full_path = request.url.path().to_string();
        let body = String::from_utf8_lossy(&request.body).to_string();
        let mut record = Recorded {
            operation: String::new(),
            method: method.clone(),
            path: full_path.clone(),
            body: body.clone(),
            status: 0,
            at: Instant::now(),
        };
        let response = self.handle(&mut state, request, &mut record);
        state.requests.push(record);
        response
    }
}

impl Handler {
    fn handle(
        &self,
        state: &mut State,
        request: &Request,
        record: &mut Recorded,
    ) -> ResponseTemplate {
        let method = record.method.clone();
        let Some(path) = record.path.strip_prefix(&self.prefix).map(str::to_string) else {
            state.violations.push(format!(
                "{method} {}: outside the API prefix {}",
                record.path, self.prefix
            ));
            return message(404, "Not Found");
        };
        let Some((op, params)) = route(&self.ops, &method, &path) else {
            state.violations.push(format!(
                "{method} {path}: no such operation in GitHub's REST description"
            ));
            return message(404, "Not Found");
        };
        record.operation = op.id.clone();
        if !request.headers.get("authorization").is_some_and(|v| {
            v.to_str()
                .is_ok_and(|v| v.starts_with("Bearer ") || v.starts_with("token "))
        }) {
            state.violations.push(format!("{}: no token", op.id));
        }
        for (name, _) in request.url.query_pairs() {
            if !op.query.iter().any(|q| *q == name) {
                state
                    .violations
                    .push(format!("{}: undeclared query parameter {name}", op.id));
            }
        }
        match (&op.body_schema, record.body.is_empty()) {
            (Some(_), true) if op.body_required => {
                state.violations.push(format!("{}: body required", op.id))
            }
            (Some(schema), false) => match serde_json::from_str::<Value>(&record.body) {
                Ok(value) => {
                    for e in schema.iter_errors(&value) {
                        state.violations.push(format!("{}: body: {e}", op.id));
                    }
                }
                Err(e) => state
                    .violations
                    .push(format!("{}: body is not JSON: {e}", op.id)),
            },
            (None, false) if record.body != "null" => {
                state.violations.push(format!("{}: unexpected body", op.id))
            }
            _ => {}
        }
        let fault = state
            .faults
            .iter_mut()
            .find(|(id, _, n)| *id == op.id && *n > 0)
            .map(|f| {
                f.2 -= 1;
                f.1.clone()
            });
        if let Some(Fault::Before(status, headers, text)) = &fault {
            record.status = *status;
            let mut t = message(*status, text);
            for (k, v) in headers {
                t = t.insert_header(k.as_str(), v.as_str());
            }
            return t;
        }
        let (status, response) = self.perform(state, op, &params, request);
        if let Some(Fault::After(status)) = fault {
            record.status = status;
            return message(status, "Server Error");
        }
        record.status = status;
        response
    }

    fn comment_json(&self, op: &Operation, c: &StoredComment, example: &Value) -> Value {
        let _ = op;
        let mut v = example.clone();
        v["id"] = json!(c.id);
        v["body"] = json!(c.body);
        v["html_url"] = json!(format!(
            "https://github.com/octo/repo/pull/{}#issuecomment-{}",
            c.pr, c.id
        ));
        v["url"] = json!(format!(
            "{}/repos/octo/repo/issues/comments/{}",
            self.base, c.id
        ));
        v["user"]["login"] = json!(c.author);
        v["user"]["type"] = json!(if c.author.ends_with("[bot]") {
            "Bot"
        } else {
            "User"
        });
        v
    }

    fn perform(
        &self,
        state: &mut State,
        op: &Operation,
        params: &BTreeMap<String, String>,
        request: &Request,
    ) -> (u16, ResponseTemplate) {
        let num = |name: &str| {
            params
                .get(name)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let ok = |status: u16, v: Value| (status, json_response(status, &v));
        match op.id.as_str() {
            "issues/list-comments" => {
                let pr = num("issue_number");
                let query: HashMap<String, String> = request
                    .url
                    .query_pairs()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect();
                let per_page: usize = query
                    .get("per_page")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(30)
                    .clamp(1, 100);
                let page: usize = query
                    .get("page")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1)
                    .max(1);
                let all: Vec<&StoredComment> =
                    state.comments.iter().filter(|c| c.pr == pr).collect();
                let example = op.example[0].clone();
                let items: Vec<Value> = all
                    .iter()
                    .skip((page - 1) * per_page)
                    .take(per_page)
                    .map(|c| self.comment_json(op, c, &example))
                    .collect();
                let mut t = json_response(200, &Value::Array(items));
                let pages = all.len().div_ceil(per_page).max(1);
                if page < pages {
                    let link = |p: usize| {
                        format!(
                            "{}{}?per_page={per_page}&page={p}",
                            self.base,
                            request
                                .url
                                .path()
                                .strip_prefix(&self.prefix)
                                .unwrap_or_default()
                        )
                    };
                    t = t.insert_header(
                        "link",
                        format!(
                            "<{}>; rel=\"next\", <{}>; rel=\"last\"",
                            link(page + 1),
                            link(pages)
                        )
                        .as_str(),
                    );
                }
                (200, t)
            }
            "issues/create-comment" => {
                state.next_id += 1;
                let c = StoredComment {
                    id: 1_000 + state.next_id,
                    pr: num("issue_number"),
                    author: BOT.into(),
                    body: body["body"].as_str().unwrap_or_default().to_string(),
                };
                state.comments.push(c.clone());
                ok(201, self.comment_json(op, &c, &op.example))
            }
            "issues/update-comment" => {
                let id = num("comment_id");
                match state.comments.iter_mut().find(|c| c.id == id) {
                    Some(c) => {
                        c.body = body["body"].as_str().unwrap_or_default().to_string();
                        let c = c.clone();
                        ok(200, self.comment_json(op, &c, &op.example))
                    }
                    None => (404, message(404, "Not Found")),
                }
            }
            "issues/delete-comment" => {
                let id = num("comment_id");
                let before = state.comments.len();
                state.comments.retain(|c| c.id != id);
                if before == state.comments.len() {
                    (404, message(404, "Not Found"))
                } else {
                    (204, ResponseTemplate::new(204))
                }
            }
            "repos/list-pull-requests-associated-with-commit" => {
                let prs = state
                    .prs_for_commit
                    .get(&params["commit_sha"])
                    .cloned()
                    .unwrap_or_default();
                let items = prs
                    .iter()
                    .map(|(n, merged)| {
                        let mut v = op.example[0].clone();
                        v["number"] = json!(n);
                        v["merged_at"] = if *merged {
                            json!("2026-01-01T00:00:00Z")
                        } else {
                            Value::Null
                        };
                        v
                    })
                    .collect();
                ok(200, Value::Array(items))
            }
            "pulls/get" => {
                let pr = num("pull_number");
                let Some(author) = state.pr_authors.get(&pr) else {
                    return (404, message(404, "Not Found"));
                };
                let mut v = op.example.clone();
                v["number"] = json!(pr);
                v["user"]["login"] = json!(author);
                ok(200, v)
            }
            "pulls/list-reviews" => {
                let reviews = state
                    .reviews
                    .get(&num("pull_number"))
                    .cloned()
                    .unwrap_or_default();
                let items = reviews
                    .iter()
                    .enumerate()
                    .map(|(i, (login, st))| {
                        let mut v = op.example[0].clone();
                        v["id"] = json!(i + 1);
                        v["user"]["login"] = json!(login);
                        v["state"] = json!(st);
                        v
                    })
                    .collect();
                ok(200, Value::Array(items))
            }
            "repos/create-commit-status" => {
                state.next_id += 1;
                let mut v = op.example.clone();
                v["id"] = json!(state.next_id);
                for key in ["state", "context", "description", "target_url"] {
                    v[key] = body.get(key).cloned().unwrap_or(Value::Null);
                }
                state
                    .statuses
                    .entry(params["sha"].clone())
                    .or_default()
                    .push(v.clone());
                ok(201, v)
            }
            "repos/list-commit-statuses-for-ref" => {
                let mut list = state
                    .statuses
                    .get(&params["ref"])
                    .cloned()
                    .unwrap_or_default();
                list.reverse();
                ok(200, Value::Array(list))
            }
            "teams/get-membership-for-user-in-org" => {
                let key = (
                    params["org"].clone(),
                    params["team_slug"].clone(),
                    params["username"].clone(),
                );
                if state.team_members.contains(&key) {
                    ok(200, op.example.clone())
                } else {
                    (404, message(404, "Not Found"))
                }
            }
            other => (
                501,
                message(501, &format!("the fake does not implement {other}")),
            ),
        }
    }
}

pub struct FakeGitHub {
    pub server: MockServer,
    state: Arc<Mutex<State>>,
    prefix: String,
}

impl FakeGitHub {
    pub async fn start() -> FakeGitHub {
        FakeGitHub::start_with_prefix("").await
    }

    /// A GitHub Enterprise Server lookalike: the API lives under `prefix` (`/api/v3`).
    pub async fn start_with_prefix(prefix: &str) -> FakeGitHub {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        let handler = Handler {
            state: state.clone(),
            ops: Arc::new(load_spec()),
            base: format!("{}{prefix}", server.uri()),
            prefix: prefix.to_string(),
        };
        Mock::given(any())
            .respond_with(handler)
            .mount(&server)
            .await;
        FakeGitHub {
            server,
            state,
            prefix: prefix.to_string(),
        }
    }

    /// A tfpromote GitHub client for this fake, with short backoffs.
    pub fn client(&self) -> tfpromote::github::GitHub {
        tfpromote::github::GitHub::new(
            &self.api_url(),
            "ghs_faketoken",
            tfpromote::github::Repo::parse("octo/repo").expect("repo"),
            tfpromote::github::retry::Policy::fast(std::time::Duration::from_millis(5)),
        )
        .expect("client")
    }

    pub fn api_url(&self) -> String {
        format!("{}{}", self.server.uri(), self.prefix)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("fake state")
    }

    pub fn comments(&self, pr: u64) -> Vec<StoredComment> {
        self.state()
            .comments
            .iter()
            .filter(|c| c.pr == pr)
            .cloned()
            .collect()
    }

    pub fn add_comment(&self, pr: u64, author: &str, body: &str) -> u64 {
        let mut s = self.state();
        s.next_id += 1;
        let id = 1_000 + s.next_id;
        s.comments.push(StoredComment {
            id,
            pr,
            author: author.into(),
            body: body.into(),
        });
        id
    }

    /// The next `times` calls of `operation` (an operationId) get `fault`.
    pub fn inject(&self, operation: &str, fault: Fault, times: usize) {
        self.state().faults.push((operation.into(), fault, times));
    }

    pub fn set_prs_for_commit(&self, sha: &str, prs: &[(u64, bool)]) {
        self.state().prs_for_commit.insert(sha.into(), prs.to_vec());
    }

    pub fn set_pr_author(&self, pr: u64, login: &str) {
        self.state().pr_authors.insert(pr, login.into());
    }

    pub fn add_review(&self, pr: u64, login: &str, state: &str) {
        self.state()
            .reviews
            .entry(pr)
            .or_default()
            .push((login.into(), state.into()));
    }

    pub fn add_team_member(&self, org: &str, slug: &str, login: &str) {
        self.state()
            .team_members
            .push((org.into(), slug.into(), login.into()));
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// Requests that broke GitHub's description; every test asserts this is empty.
    pub fn violations(&self) -> Vec<String> {
        self.state().violations.clone()
    }

    pub fn count(&self, operation: &str) -> usize {
        self.state()
            .requests
            .iter()
            .filter(|r| r.operation == operation)
            .count()
    }
}
