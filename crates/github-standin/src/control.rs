//! The HTTP control API under `/_standin/`, for processes that share one stand-in (the
//! sandbox runs several tfpromote processes against it). It is the stand-in's own surface,
//! not GitHub's: never validated against the description, never recorded as a request.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::api::Reply;
use crate::handler::{Incoming, Shared};
use crate::oidc::{self, OidcJob};
use crate::state::{Fault, Job, Pull, RunApproval, TokenOwner, WorkflowRun};

pub const PREFIX: &str = "/_standin/";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCommit {
    sha: String,
    #[serde(default)]
    parents: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewReview {
    pr: u64,
    login: String,
    state: String,
    commit_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTeamMember {
    org: String,
    slug: String,
    login: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewBranch {
    name: String,
    sha: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Merge {
    pr: u64,
    sha: String,
}

/// A fault for the next `times` calls of `operation`: answered without effect when
/// `before` (the default), or after the operation took effect.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewFault {
    operation: String,
    status: u16,
    #[serde(default = "one")]
    times: usize,
    #[serde(default = "yes")]
    before: bool,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    headers: Vec<(String, String)>,
}

fn one() -> usize {
    1
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewJob {
    run_id: u64,
    #[serde(flatten)]
    job: Job,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    login: String,
}

/// A label change on issue or pull request `pr` by `actor` (a human clicking in the web
/// interface, or a token's owner): recorded as a `labeled` or `unlabeled` event.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelChange {
    pr: u64,
    name: String,
    actor: String,
    #[serde(default)]
    remove: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPermission {
    login: String,
    permission: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ForcePush {
    pr: u64,
    head_sha: String,
    actor: String,
}

const ENDPOINTS: &str = "POST commits {sha, parents}, POST pulls {number, author, head_sha, base_ref, merged, merge_commit_sha}, POST reviews {pr, login, state, commit_id}, POST team-members {org, slug, login}, POST users {login}, POST labels {pr, name, actor, remove}, POST permissions {login, permission}, POST force-push {pr, head_sha, actor}, POST branches {name, sha}, POST approvals {run_id, environments, state, login, comment}, POST merge {pr, sha}, POST faults {operation, status, times, before, message, headers}, POST tokens {token, login, workflow}, POST runs {id, path, event, head_branch, head_sha, actor, jobs}, POST jobs {run_id, name, status, conclusion}, POST oidc-jobs {request_token, claims}, POST repository {id, owner_id} (the repository re-created: new ids), GET oidc/token?audience=A (Authorization: bearer request token), GET oidc/.well-known/jwks, GET oidc/.well-known/openid-configuration, GET state, GET violations";

/// Parses a control body, or says which endpoint and what is wrong with it.
fn parse<T: DeserializeOwned>(endpoint: &str, body: &str) -> Result<T, Reply> {
    serde_json::from_str(body).map_err(|e| {
        Reply::json(
            400,
            json!({"message": format!("{PREFIX}{endpoint}: invalid body: {e}"), "endpoints": ENDPOINTS}),
        )
    })
}

pub fn handle(shared: &Shared, request: &Incoming, endpoint: &str) -> Reply {
    let created = |what: serde_json::Value| Reply::json(201, what);
    let result = match (request.method.as_str(), endpoint) {
        ("POST", "commits") => parse::<NewCommit>(endpoint, &request.body).map(|c| {
            shared.state().add_commit(&c.sha, &c.parents);
            created(json!({"sha": c.sha, "parents": c.parents}))
        }),
        ("POST", "pulls") => parse::<Pull>(endpoint, &request.body).map(|p| {
            let number = p.number;
            shared.state().add_pull(p);
            created(json!({"number": number}))
        }),
        ("POST", "reviews") => parse::<NewReview>(endpoint, &request.body).map(|r| {
            let id = shared
                .state()
                .add_review(r.pr, &r.login, &r.state, &r.commit_id);
            created(json!({"id": id}))
        }),
        ("POST", "team-members") => parse::<NewTeamMember>(endpoint, &request.body).map(|m| {
            shared.state().add_team_member(&m.org, &m.slug, &m.login);
            created(json!({"org": m.org, "slug": m.slug, "login": m.login}))
        }),
        ("POST", "users") => parse::<NewUser>(endpoint, &request.body).map(|u| {
            let id = shared.state().user_id(&u.login);
            created(json!({"login": u.login, "id": id}))
        }),
        ("POST", "labels") => parse::<LabelChange>(endpoint, &request.body).and_then(|c| {
            let mut state = shared.state();
            let done = if c.remove {
                state.remove_label(c.pr, &c.name, &c.actor)
            } else {
                state.add_labels(c.pr, std::slice::from_ref(&c.name), &c.actor)
            };
            done.map(|()| created(json!({"pr": c.pr, "name": c.name, "actor": c.actor})))
                .map_err(|e| Reply::json(422, json!({"message": format!("{PREFIX}labels: {e}")})))
        }),
        ("POST", "permissions") => parse::<NewPermission>(endpoint, &request.body).map(|p| {
            shared.state().set_permission(&p.login, &p.permission);
            created(json!({"login": p.login, "permission": p.permission}))
        }),
        ("POST", "force-push") => parse::<ForcePush>(endpoint, &request.body).and_then(|f| {
            shared
                .state()
                .force_push(f.pr, &f.head_sha, &f.actor)
                .map(|()| created(json!({"pr": f.pr, "head_sha": f.head_sha})))
                .map_err(|e| {
                    Reply::json(422, json!({"message": format!("{PREFIX}force-push: {e}")}))
                })
        }),
        ("POST", "branches") => parse::<NewBranch>(endpoint, &request.body).map(|b| {
            shared
                .state()
                .branches
                .insert(b.name.clone(), b.sha.clone());
            created(json!({"name": b.name, "sha": b.sha}))
        }),
        ("POST", "approvals") => parse::<RunApproval>(endpoint, &request.body).map(|a| {
            shared.state().run_approvals.push(a.clone());
            created(json!(a))
        }),
        ("POST", "merge") => parse::<Merge>(endpoint, &request.body).and_then(|m| {
            shared
                .state()
                .merge_pull(m.pr, &m.sha)
                .map(|()| created(json!({"pr": m.pr, "sha": m.sha})))
                .map_err(|e| Reply::json(422, json!({"message": format!("{PREFIX}merge: {e}")})))
        }),
        ("POST", "faults") => parse::<NewFault>(endpoint, &request.body).map(|f| {
            let fault = if f.before {
                Fault::Before(
                    f.status,
                    f.headers,
                    f.message.unwrap_or_else(|| "Injected fault".into()),
                )
            } else {
                Fault::After(f.status)
            };
            shared
                .state()
                .faults
                .push((f.operation.clone(), fault, f.times));
            created(json!({"operation": f.operation, "times": f.times}))
        }),
        ("POST", "tokens") => parse::<TokenOwner>(endpoint, &request.body).map(|t| {
            let login = t.login.clone();
            let mut state = shared.state();
            state.user_id(&login);
            state.tokens.retain(|k| k.token != t.token);
            state.tokens.push(t);
            created(json!({"login": login}))
        }),
        ("POST", "runs") => parse::<WorkflowRun>(endpoint, &request.body).map(|r| {
            let id = shared.state().add_run(r);
            created(json!({"id": id}))
        }),
        ("POST", "jobs") => parse::<NewJob>(endpoint, &request.body).and_then(|j| {
            shared
                .state()
                .set_job(j.run_id, j.job)
                .map(|id| created(json!({"id": id})))
                .map_err(|e| Reply::json(422, json!({"message": format!("{PREFIX}jobs: {e}")})))
        }),
        ("POST", "oidc-jobs") => parse::<OidcJob>(endpoint, &request.body).map(|j| {
            let mut state = shared.state();
            state
                .oidc_jobs
                .retain(|k| k.request_token != j.request_token);
            state.oidc_jobs.push(j);
            created(json!({}))
        }),
        ("POST", "repository") => {
            parse::<oidc::RepositoryIds>(endpoint, &request.body).map(|ids| {
                shared.state().repository_ids = ids;
                created(json!({"id": ids.id, "owner_id": ids.owner_id}))
            })
        }
        ("GET", "oidc/.well-known/jwks") => Ok(match oidc::jwks() {
            Ok(keys) => Reply::json(200, keys),
            Err(e) => Reply::json(500, json!({"message": e})),
        }),
        ("GET", "oidc/.well-known/openid-configuration") => {
            Ok(Reply::json(200, oidc::configuration(&shared.issuer())))
        }
        ("GET", "oidc/token") => Ok(oidc_token(shared, request)),
        ("GET", "state") => Ok(Reply::json(
            200,
            serde_json::to_value(&*shared.state())
                .unwrap_or_else(|e| json!({"error": e.to_string()})),
        )),
        ("GET", "violations") => Ok(Reply::json(200, json!(shared.state().violations))),
        _ => Err(Reply::json(
            404,
            json!({"message": format!("{} {PREFIX}{endpoint}: no such control endpoint", request.method), "endpoints": ENDPOINTS}),
        )),
    };
    result.unwrap_or_else(|reply| reply)
}

/// An ID token for the job whose request token is presented, as the Actions token service
/// answers `ACTIONS_ID_TOKEN_REQUEST_URL&audience=...`.
fn oidc_token(shared: &Shared, request: &Incoming) -> Reply {
    let presented = request
        .authorization
        .as_deref()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .unwrap_or("");
    let job = shared
        .state()
        .oidc_jobs
        .iter()
        .find(|j| !presented.is_empty() && j.request_token == presented)
        .cloned();
    let Some(job) = job else {
        return Reply::json(
            401,
            json!({"message": "Unauthorized: unknown ID token request token"}),
        );
    };
    let audience = request
        .query
        .iter()
        .find(|(k, _)| k == "audience")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| format!("https://github.com/{}", shared.repo));
    let (ids, template) = {
        let state = shared.state();
        let template = state
            .oidc_sub
            .as_ref()
            .filter(|t| !t.use_default)
            .map(|t| t.include_claim_keys.clone());
        (state.repository_ids, template)
    };
    match oidc::token(&shared.issuer(), &job, &audience, ids, template.as_deref()) {
        Ok(value) => Reply::json(200, json!({"count": 1, "value": value})),
        Err(e) => Reply::json(500, json!({"message": e})),
    }
}
