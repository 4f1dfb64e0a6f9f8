//! GitHub environments, their deployment branch rules, required reviewers' ids and the
//! repository's OIDC subject template: the REST calls behind `tfpromote github-setup`.
//! The decisions live in [`super::environment_diff`]; this file only reads and writes.
//! Every call here needs a token with administration rights on the repository (the default
//! `GITHUB_TOKEN` cannot manage environments).

use serde::Deserialize;
use serde_json::json;

use super::client::{GitHub, Method};
use super::environment_diff::{CurrentEnvironment, OidcSubject, Reviewer};
use super::error::GitHubError;

#[derive(Debug, Deserialize)]
struct EnvironmentBody {
    #[serde(default)]
    protection_rules: Vec<ProtectionRule>,
    #[serde(default)]
    deployment_branch_policy: Option<BranchPolicySetting>,
}

#[derive(Debug, Deserialize)]
struct ProtectionRule {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    wait_timer: Option<u64>,
    #[serde(default)]
    prevent_self_review: Option<bool>,
    #[serde(default)]
    reviewers: Vec<RuleReviewer>,
}

#[derive(Debug, Deserialize)]
struct RuleReviewer {
    #[serde(rename = "type")]
    kind: String,
    reviewer: Option<Account>,
}

#[derive(Debug, Deserialize)]
struct Account {
    id: u64,
    #[serde(default)]
    login: Option<String>,
    #[serde(default)]
    slug: Option<String>,
}

#[derive(Debug, Deserialize)]
struct BranchPolicySetting {
    #[serde(default)]
    protected_branches: bool,
    #[serde(default)]
    custom_branch_policies: bool,
}

#[derive(Debug, Deserialize)]
struct BranchPolicies {
    #[serde(default)]
    branch_policies: Vec<BranchPolicy>,
}

#[derive(Debug, Deserialize)]
struct BranchPolicy {
    name: String,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OidcBody {
    use_default: bool,
    #[serde(default)]
    include_claim_keys: Vec<String>,
}

impl GitHub {
    fn environment_route(&self, name: &str) -> String {
        format!("{}/environments/{name}", self.repo.path())
    }

    /// The environment as GitHub has it, or `None` when it does not exist (404).
    pub async fn environment(&self, name: &str) -> Result<Option<CurrentEnvironment>, GitHubError> {
        let route = self.environment_route(name);
        let body: EnvironmentBody = match self.json(Method::Get, &route, None::<&()>, true).await {
            Ok((body, _)) => body,
            Err(e) if e.status() == Some(404) => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut current = CurrentEnvironment::default();
        for rule in &body.protection_rules {
            match rule.kind.as_str() {
                "wait_timer" => current.wait_timer = rule.wait_timer.unwrap_or_default(),
                "required_reviewers" => {
                    current.prevent_self_review = rule.prevent_self_review.unwrap_or(false);
                    current.reviewers = rule
                        .reviewers
                        .iter()
                        .filter_map(|r| {
                            let account = r.reviewer.as_ref()?;
                            Some(match r.kind.as_str() {
                                "Team" => Reviewer::Team {
                                    slug: account.slug.clone().unwrap_or_default(),
                                    id: account.id,
                                },
                                _ => Reviewer::User {
                                    login: account.login.clone().unwrap_or_default(),
                                    id: account.id,
                                },
                            })
                        })
                        .collect();
                }
                _ => {}
            }
        }
        if let Some(policy) = body.deployment_branch_policy {
            current.protected_branches = policy.protected_branches;
            current.custom_branch_policies = policy.custom_branch_policies;
            if policy.custom_branch_policies {
                let (policies, _): (BranchPolicies, _) = self
                    .json(
                        Method::Get,
                        &format!("{route}/deployment-branch-policies?per_page=100"),
                        None::<&()>,
                        true,
                    )
                    .await?;
                current.branch_patterns = policies
                    .branch_policies
                    .into_iter()
                    .filter(|p| p.kind.as_deref().unwrap_or("branch") == "branch")
                    .map(|p| p.name)
                    .collect();
            }
        }
        Ok(Some(current))
    }

    /// Creates or updates an environment; deployments limited to custom branch rules.
    pub async fn put_environment(
        &self,
        name: &str,
        reviewers: &[Reviewer],
        prevent_self_review: bool,
        wait_timer: u64,
    ) -> Result<(), GitHubError> {
        let reviewers: Vec<_> = reviewers
            .iter()
            .map(|r| json!({ "type": r.kind(), "id": r.id() }))
            .collect();
        let body = json!({
            "wait_timer": wait_timer,
            "prevent_self_review": prevent_self_review,
            "reviewers": reviewers,
            "deployment_branch_policy": { "protected_branches": false, "custom_branch_policies": true },
        });
        self.send(
            Method::Put,
            &self.environment_route(name),
            Some(&body),
            true,
        )
        .await?;
        Ok(())
    }

    /// Adds a branch rule (`type: branch`) to an environment.
    pub async fn add_branch_policy(&self, env: &str, pattern: &str) -> Result<(), GitHubError> {
        let route = format!("{}/deployment-branch-policies", self.environment_route(env));
        let body = json!({ "name": pattern, "type": "branch" });
        // Not repeated blindly after a lost answer: a rerun of github-setup re-reads the
        // rules and adds this one only if it is still missing.
        self.send(Method::Post, &route, Some(&body), false).await?;
        Ok(())
    }

    /// The repository's OIDC subject template.
    pub async fn oidc_subject(&self) -> Result<OidcSubject, GitHubError> {
        let route = format!("{}/actions/oidc/customization/sub", self.repo.path());
        let (body, _): (OidcBody, _) = self.json(Method::Get, &route, None::<&()>, true).await?;
        Ok(OidcSubject {
            use_default: body.use_default,
            include_claim_keys: body.include_claim_keys,
        })
    }

    pub async fn put_oidc_subject(&self, subject: &OidcSubject) -> Result<(), GitHubError> {
        let route = format!("{}/actions/oidc/customization/sub", self.repo.path());
        let body = json!({
            "use_default": subject.use_default,
            "include_claim_keys": subject.include_claim_keys,
        });
        self.send(Method::Put, &route, Some(&body), true).await?;
        Ok(())
    }

    /// A user's numeric id (`GET /users/{username}`).
    pub async fn user_id(&self, login: &str) -> Result<u64, GitHubError> {
        let (account, _): (Account, _) = self
            .json(Method::Get, &format!("/users/{login}"), None::<&()>, true)
            .await?;
        Ok(account.id)
    }

    /// A team's numeric id (`GET /orgs/{org}/teams/{team_slug}`).
    pub async fn team_id(&self, org: &str, slug: &str) -> Result<u64, GitHubError> {
        let (account, _): (Account, _) = self
            .json(
                Method::Get,
                &format!("/orgs/{org}/teams/{slug}"),
                None::<&()>,
                true,
            )
            .await?;
        Ok(account.id)
    }
}
