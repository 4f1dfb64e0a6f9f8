//! The signed plan record: what reviewers saw, vouched for by GitHub rather than by whoever
//! last wrote the tracker comment.
//!
//! After every Terraform process of a pull request's plan has exited, tfpromote asks the
//! Actions token service for an OIDC token whose audience is `tfpromote-plan:<digest>`, the
//! digest covering the repository, the pull request, the environment, the commit planned,
//! the plan's fingerprint, its per-resource digests and the digest of the section shown in
//! the comment. GitHub signs the token and adds its own claims: which repository, which
//! workflow file at which ref ran the job (`job_workflow_ref`), for which event and ref. At
//! apply time the token is verified against the issuer's published keys (JWKS) and its
//! claims against what must hold (`crate::gate::reviewed_plan`). Anyone can edit the
//! comment; nobody but that workflow can get GitHub to sign a token that binds the edit.
//!
//! The token's `exp` (minutes after the plan) is not checked: the token is not used as a
//! credential here but as a signed statement about a past event, which stays true after the
//! token could no longer be presented anywhere. Replaying it elsewhere changes nothing: its
//! audience binds exactly one record, and its `ref` binds one pull request.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::aws::token::{self, TokenRequest};
use crate::context::Context;
use crate::tracker::{EnvRecord, SignedPlan, defuse};

/// The audience of a plan-signing token: this prefix and the record's digest.
pub const AUDIENCE_PREFIX: &str = "tfpromote-plan:";

/// `sha256:<hex>` of a section as the comment shows it.
pub fn section_digest(section: &str) -> String {
    format!(
        "sha256:{}",
        hex(&Sha256::digest(defuse(section).as_bytes()))
    )
}

/// The audience binding one environment's record: every fact the apply relies on.
pub fn audience(repository: &str, pr: u64, env: &str, record: &EnvRecord, section: &str) -> String {
    #[derive(Serialize)]
    struct Bound<'a> {
        v: u32,
        repository: String,
        pull_request: u64,
        environment: &'a str,
        commit: Option<&'a str>,
        fingerprint: Option<&'a str>,
        changes: Option<&'a BTreeMap<String, String>>,
        section: &'a str,
    }
    let bound = Bound {
        v: 1,
        repository: repository.to_ascii_lowercase(),
        pull_request: pr,
        environment: env,
        commit: record.commit.as_deref(),
        fingerprint: record.fingerprint.as_deref(),
        changes: record.changes.as_ref(),
        section,
    };
    // Field order is fixed by the struct and `changes` is a sorted map: one text per record.
    let text = serde_json::to_string(&bound).unwrap_or_default();
    format!("{AUDIENCE_PREFIX}{}", hex(&Sha256::digest(text.as_bytes())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Signs each planned record (those with a fingerprint) of a pull request's plan. Returns
/// one line per record left unsigned and why (no ID token in this job, the service
/// failed); an unsigned record is refused by `block` at apply time, so this never fails
/// the plan itself.
pub async fn sign(context: &Context, records: &mut [(String, EnvRecord, String)]) -> Vec<String> {
    let (Some(repo), Some(pr)) = (context.repo.as_ref(), context.pr) else {
        return Vec::new();
    };
    let repository = format!("{}/{}", repo.owner, repo.name);
    let request = match TokenRequest::from_lookup(|name| context.var(name)) {
        Ok(r) => r,
        Err(missing) => {
            return vec![format!(
                "the plans are not signed: {} not set (the plan job needs `permissions: id-token: write`), so `on_plan_change: block` will refuse to apply them",
                missing.join(" and ")
            )];
        }
    };
    let client = reqwest::Client::new();
    let mut unsigned = Vec::new();
    for (env, record, section) in records.iter_mut() {
        if record.fingerprint.is_none() {
            continue;
        }
        let shown = section_digest(section);
        let audience = audience(&repository, pr, env, record, &shown);
        match token::fetch(&client, &request, &audience, Duration::from_secs(30)).await {
            Ok(jwt) => {
                record.signed = Some(SignedPlan {
                    section: shown,
                    token: jwt,
                })
            }
            Err(e) => unsigned.push(format!("{env}: the plan is not signed: {}", e.message)),
        }
    }
    unsigned
}

/// The issuer's published keys.
#[derive(Debug, Clone, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Jwk {
    #[serde(default)]
    pub kid: Option<String>,
    pub kty: String,
    #[serde(default)]
    pub n: Option<String>,
    #[serde(default)]
    pub e: Option<String>,
}

/// `{issuer}/.well-known/jwks`, GitHub's published keys.
pub async fn fetch_jwks(issuer: &str) -> Result<Jwks, String> {
    let url = format!("{}/.well-known/jwks", issuer.trim_end_matches('/'));
    let response = reqwest::Client::new()
        .get(&url)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("GET {url} answered HTTP {status}"));
    }
    let body = response
        .text()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    serde_json::from_str(&body).map_err(|e| format!("GET {url}: not a JWKS ({e})"))
}

/// Verifies an RS256 JWT against `jwks` and returns its claims. Pure. Only the signature
/// is checked here; which claims must hold is the gate's business.
pub fn verify(jwt: &str, jwks: &Jwks) -> Result<serde_json::Value, String> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the signature is not a JWT (three dot-separated parts)".into());
    };
    let decode = |part: &str, what: &str| {
        URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .map_err(|_| format!("the token's {what} is not base64url"))
    };
    #[derive(Deserialize)]
    struct Header {
        alg: String,
        #[serde(default)]
        kid: Option<String>,
    }
    let header: Header = serde_json::from_slice(&decode(header, "header")?)
        .map_err(|_| "the token's header is not JSON".to_string())?;
    if header.alg != "RS256" {
        return Err(format!(
            "the token is signed with {:?}; GitHub signs with RS256",
            header.alg
        ));
    }
    let key = jwks
        .keys
        .iter()
        .find(|k| k.kty == "RSA" && (header.kid.is_none() || k.kid == header.kid))
        .ok_or_else(|| {
            format!(
                "the issuer publishes no key {:?} (keys rotate: plan the pull request again)",
                header.kid.as_deref().unwrap_or("")
            )
        })?;
    let (Some(n), Some(e)) = (key.n.as_deref(), key.e.as_deref()) else {
        return Err("the issuer's key has no modulus or exponent".into());
    };
    let public = RsaPublicKeyComponents {
        n: decode(n, "key modulus")?,
        e: decode(e, "key exponent")?,
    };
    let signing_input = &jwt[..header_len(jwt)];
    public
        .verify(
            &RSA_PKCS1_2048_8192_SHA256,
            signing_input.as_bytes(),
            &decode(signature, "signature")?,
        )
        .map_err(|_| {
            "the token's signature does not verify against the issuer's key".to_string()
        })?;
    serde_json::from_slice(&decode(payload, "payload")?)
        .map_err(|_| "the token's payload is not JSON".to_string())
}

/// The length of `header.payload` (what the signature covers).
fn header_len(jwt: &str) -> usize {
    jwt.rfind('.').unwrap_or(0)
}

/// Edits of a tracker since tfpromote last wrote it, found without the network: per
/// environment, a record whose facts no longer match the digest its token was requested
/// for, or a section that no longer matches the digest signed. Pure. (The signature itself
/// is verified at apply time; this is what the next plan reports.)
pub fn edits(
    tracker: &crate::tracker::Tracker,
    repository: &str,
    pr: u64,
) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (env, record) in &tracker.data.envs {
        let Some(signed) = &record.signed else {
            continue;
        };
        let bound = crate::aws::token::Claims::decode(&signed.token).and_then(|c| c.aud);
        if bound.as_deref() != Some(audience(repository, pr, env, record, &signed.section).as_str())
        {
            found.push((
                env.clone(),
                "its recorded plan (fingerprint, resource digests or commit) was changed after it was signed".to_string(),
            ));
        }
        let shown = tracker.sections.get(env).map(String::as_str).unwrap_or("");
        if section_digest(shown) != signed.section && !crate::tracker::is_stub(env, shown) {
            found.push((
                env.clone(),
                "its section was edited after it was signed".to_string(),
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fp: &str) -> EnvRecord {
        EnvRecord {
            status: crate::tracker::Status::Planned,
            fingerprint: Some(fp.into()),
            commit: Some("h1".into()),
            counts: None,
            run_url: Some("https://run/1".into()),
            changes: Some(BTreeMap::from([("a".to_string(), "b".to_string())])),
            note: None,
            signed: None,
        }
    }

    #[test]
    fn the_audience_binds_every_reviewed_fact_and_nothing_else() {
        let base = audience("Octo/Repo", 1, "prod", &record("sha256:1"), "sha256:s");
        assert!(base.starts_with(AUDIENCE_PREFIX));
        assert_eq!(
            base,
            audience("octo/repo", 1, "prod", &record("sha256:1"), "sha256:s")
        );
        assert_ne!(
            base,
            audience("octo/repo", 2, "prod", &record("sha256:1"), "sha256:s")
        );
        assert_ne!(
            base,
            audience("octo/repo", 1, "dev", &record("sha256:1"), "sha256:s")
        );
        assert_ne!(
            base,
            audience("octo/repo", 1, "prod", &record("sha256:2"), "sha256:s")
        );
        assert_ne!(
            base,
            audience("octo/repo", 1, "prod", &record("sha256:1"), "sha256:t")
        );
        let mut other = record("sha256:1");
        other.changes = None;
        assert_ne!(base, audience("octo/repo", 1, "prod", &other, "sha256:s"));
        // The row's status and run link change during the promotion: not bound.
        let mut later = record("sha256:1");
        later.status = crate::tracker::Status::Applied;
        later.run_url = None;
        assert_eq!(base, audience("octo/repo", 1, "prod", &later, "sha256:s"));
    }

    #[test]
    fn malformed_tokens_are_refused_with_a_reason() {
        let jwks = Jwks { keys: Vec::new() };
        assert!(verify("abc", &jwks).unwrap_err().contains("three"));
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
        let err = verify(&format!("{header}.e30."), &jwks).unwrap_err();
        assert!(err.contains("RS256"), "{err}");
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k1"}"#);
        let err = verify(&format!("{header}.e30.AAAA"), &jwks).unwrap_err();
        assert!(err.contains("no key"), "{err}");
    }
}
