//! One request in, one answer out: control requests go to the control API; everything else
//! is recorded, routed to a documented operation, validated, faulted if asked, performed.

use std::sync::{Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::api::{self, Call, Reply};
use crate::control;
use crate::spec;
use crate::state::{Fault, Recorded, State};

/// What the stand-in needs from an HTTP request.
pub struct Incoming {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub authorization: Option<String>,
    pub accept: Option<String>,
    pub body: String,
}

/// The state and the facts every request needs, shared by the server and the handles.
pub struct Shared {
    state: Mutex<State>,
    /// `owner/name` of the one repository served.
    pub repo: String,
    /// The API prefix (`""`, or `/api/v3` for a GitHub Enterprise Server lookalike).
    pub prefix: String,
    /// `http://127.0.0.1:PORT` plus the prefix: the base of every URL in answers.
    pub base: String,
}

impl Shared {
    pub fn new(repo: &str, prefix: &str, base: String) -> Shared {
        Shared {
            state: Mutex::new(State::default()),
            repo: repo.to_string(),
            prefix: prefix.to_string(),
            base,
        }
    }

    /// The OIDC issuer URL: `http://127.0.0.1:PORT/_standin/oidc` (outside the API prefix,
    /// as GitHub's issuer is another host than its API).
    pub fn issuer(&self) -> String {
        let root = self.base.strip_suffix(&self.prefix).unwrap_or(&self.base);
        format!("{root}{}oidc", crate::control::PREFIX)
    }

    /// The state; a test that panicked while holding it must not hide the state from the
    /// others, so a poisoned lock is taken over.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn handle(&self, request: Incoming) -> Reply {
        if let Some(rest) = request.path.strip_prefix(control::PREFIX) {
            return control::handle(self, &request, rest);
        }
        // Before waiting for the state: the moment the request arrived.
        let received_unix_us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| {
                u64::try_from(since.as_micros()).unwrap_or(u64::MAX)
            });
        let mut state = self.state();
        if let Some(reply) = api::releases::browser_download(&state, &self.repo, &request.path) {
            return reply;
        }
        let mut record = Recorded {
            operation: String::new(),
            method: request.method.clone(),
            path: request.path.clone(),
            body: request.body.clone(),
            status: 0,
            at: Instant::now(),
            received_unix_us,
        };
        let reply = self.api(&mut state, &request, &mut record);
        record.status = reply.status;
        state.requests.push(record);
        reply
    }

    fn api(&self, state: &mut State, request: &Incoming, record: &mut Recorded) -> Reply {
        let method = &request.method;
        let Some(path) = request.path.strip_prefix(&self.prefix) else {
            state.violations.push(format!(
                "{method} {}: outside the API prefix {}",
                request.path, self.prefix
            ));
            return Reply::not_found();
        };
        let Some((op, params)) = spec::route(spec::operations(), method, path) else {
            state.violations.push(format!(
                "{method} {path}: no such operation in GitHub's REST description"
            ));
            return Reply::not_found();
        };
        record.operation = op.id.clone();
        let token = request
            .authorization
            .as_deref()
            .is_some_and(|v| v.starts_with("Bearer ") || v.starts_with("token "));
        // Release reads are GitHub's one anonymous case here (public repositories).
        let release_read = matches!(
            op.id.as_str(),
            "repos/get-release-by-tag" | "repos/get-release-asset"
        );
        if !token && !release_read {
            state.violations.push(format!("{}: no token", op.id));
        }
        state
            .violations
            .extend(op.violations(&request.query, &request.body));
        let fault = state.take_fault(&op.id);
        if let Some(Fault::Before(status, headers, text)) = &fault {
            let mut reply = Reply::message(*status, text);
            reply.headers.extend(headers.iter().cloned());
            return reply;
        }
        let (actor, workflow_token) = state.identity(request.authorization.as_deref());
        let call = Call {
            actor,
            workflow_token,
            op,
            params,
            query: request.query.clone(),
            body: serde_json::from_str(&request.body).unwrap_or(serde_json::Value::Null),
            base: &self.base,
            repo: &self.repo,
            path,
        };
        if let Some(reply) =
            api::releases::perform(state, &call, &op.id, !token, request.accept.as_deref())
        {
            return reply;
        }
        let reply = api::perform(state, &call);
        match fault {
            Some(Fault::After(status)) => Reply::message(status, "Server Error"),
            _ => reply,
        }
    }
}
