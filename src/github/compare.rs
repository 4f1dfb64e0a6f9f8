//! The Compare API: is this commit behind what is applied?

use serde::Deserialize;

use super::client::{GitHub, Method};
use super::error::GitHubError;
use crate::gate::regression::Comparison;

#[derive(Deserialize)]
struct CompareAnswer {
    status: String,
}

impl GitHub {
    /// How `head` relates to `base` (`GET /repos/{o}/{r}/compare/{base}...{head}`).
    pub async fn compare(&self, base: &str, head: &str) -> Result<Comparison, GitHubError> {
        let route = format!("{}/compare/{base}...{head}", self.repo.path());
        let (answer, _): (CompareAnswer, _) =
            self.json(Method::Get, &route, None::<&()>, true).await?;
        Comparison::parse(&answer.status).ok_or_else(|| GitHubError::Decode {
            call: format!("GET compare/{base}...{head}"),
            message: format!("unknown comparison status {:?}", answer.status),
        })
    }
}
