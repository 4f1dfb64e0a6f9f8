//! A plain HTTP client for the stand-in's tests: requests as GitHub clients send them.
#![allow(dead_code)]

use serde_json::Value;

pub struct Api {
    pub base: String,
    http: reqwest::Client,
    /// Sent as `Bearer`; unregistered (a workflow's `GITHUB_TOKEN`) unless a test says so.
    token: String,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            base: base.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
            token: "ghs_test".into(),
        }
    }

    /// The same client sending `token` instead (register its owner with `add_token`).
    pub fn with_token(base: &str, token: &str) -> Api {
        Api {
            token: token.into(),
            ..Api::new(base)
        }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.token))
            .header("accept", "application/vnd.github+json");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the stand-in answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("JSON answer ({e}): {text}"))
        };
        (status, json)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }
}
