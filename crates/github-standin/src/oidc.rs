//! GitHub Actions' OIDC token service, stood in: a job holding a request token asks for an
//! ID token with an audience of its choice, and gets a JWT signed (RS256) with a key that
//! is published as a JWKS, as `token.actions.githubusercontent.com` does. The claims are
//! the job's, as the test or the sandbox set them up (repository, ref, sha, event_name,
//! job_workflow_ref, ...): which workflow at which ref ran is GitHub's fact, never the
//! job's own say.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// One job's ID-token request token and the claims GitHub would put in its tokens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OidcJob {
    pub request_token: String,
    pub claims: Map<String, Value>,
}

/// The issuer's signing key, made on first use (a 2048-bit RSA key takes a moment).
pub struct Signer {
    key: RsaKeyPair,
    kid: String,
}

static SIGNER: OnceLock<Result<Signer, String>> = OnceLock::new();

fn signer() -> Result<&'static Signer, String> {
    SIGNER
        .get_or_init(|| {
            let key = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(|_| "cannot generate the stand-in's OIDC signing key".to_string())?;
            let (n, _) = components(key.public_key().as_ref())?;
            let kid = URL_SAFE_NO_PAD.encode(&n[n.len().saturating_sub(12)..]);
            Ok(Signer { key, kid })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// `(n, e)` from a PKCS#1 `RSAPublicKey` (DER: SEQUENCE { INTEGER n, INTEGER e }).
fn components(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    fn item(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (&t, rest) = input.split_first()?;
        if t != tag {
            return None;
        }
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (first as usize, rest)
        } else {
            let n = (first & 0x7f) as usize;
            let bytes = rest.get(..n)?;
            (
                bytes.iter().fold(0usize, |a, b| (a << 8) | *b as usize),
                &rest[n..],
            )
        };
        Some((rest.get(..len)?, rest.get(len..)?))
    }
    let bad = || "unexpected RSA public key encoding".to_string();
    let (seq, _) = item(der, 0x30).ok_or_else(bad)?;
    let (n, rest) = item(seq, 0x02).ok_or_else(bad)?;
    let (e, _) = item(rest, 0x02).ok_or_else(bad)?;
    let strip = |v: &[u8]| {
        v.iter()
            .skip_while(|b| **b == 0)
            .copied()
            .collect::<Vec<u8>>()
    };
    Ok((strip(n), strip(e)))
}

/// The JWKS document (`{issuer}/.well-known/jwks`).
pub fn jwks() -> Result<Value, String> {
    let s = signer()?;
    let (n, e) = components(s.key.public_key().as_ref())?;
    Ok(json!({"keys": [{
        "kty": "RSA", "alg": "RS256", "use": "sig", "kid": s.kid,
        "n": URL_SAFE_NO_PAD.encode(n), "e": URL_SAFE_NO_PAD.encode(e),
    }]}))
}

/// The discovery document (`{issuer}/.well-known/openid-configuration`).
pub fn configuration(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks"),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
    })
}

/// GitHub's numeric ids of the one repository served and of its owner (GitHub's own
/// examples: octocat/Hello-World). They are GitHub's facts, like the subject built from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepositoryIds {
    pub id: u64,
    pub owner_id: u64,
}

impl Default for RepositoryIds {
    fn default() -> RepositoryIds {
        RepositoryIds {
            id: 1296269,
            owner_id: 583231,
        }
    }
}

/// The `sub` claim as GitHub builds it: GitHub's default template is `repo` then `context`;
/// a repository that opted out of it (`use_default: false`) gets its `include_claim_keys` in
/// order. `repo` reads `repo:OWNER/NAME`; `context` reads `environment:NAME` for a job with
/// an environment, `pull_request` for a pull-request event, else `ref:REF`; any other key
/// reads `KEY:VALUE` of that claim. A `:` inside a value is written `%3A`, so no value can
/// pass for another claim.
pub fn subject(claims: &Map<String, Value>, template: Option<&[String]>) -> String {
    let text = |key: &str| match claims.get(key) {
        Some(Value::String(s)) => s.replace(':', "%3A"),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string().replace(':', "%3A"),
    };
    let default = ["repo".to_string(), "context".to_string()];
    let keys = template.unwrap_or(&default);
    keys.iter()
        .map(|key| match key.as_str() {
            "repo" => format!("repo:{}", text("repository")),
            "context" => {
                let environment = text("environment");
                if !environment.is_empty() {
                    format!("environment:{environment}")
                } else if text("event_name") == "pull_request" {
                    "pull_request".to_string()
                } else {
                    format!("ref:{}", text("ref"))
                }
            }
            other => format!("{other}:{}", text(other)),
        })
        .collect::<Vec<_>>()
        .join(":")
}

/// An ID token for `job` with `audience`, issued by `issuer`, valid for five minutes. The
/// repository's ids and the subject are the stand-in's to set, as they are GitHub's: a job's
/// claims cannot name another repository id or another subject.
pub fn token(
    issuer: &str,
    job: &OidcJob,
    audience: &str,
    ids: RepositoryIds,
    template: Option<&[String]>,
) -> Result<String, String> {
    let s = signer()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut claims = job.claims.clone();
    claims.insert("repository_id".into(), json!(ids.id.to_string()));
    claims.insert(
        "repository_owner_id".into(),
        json!(ids.owner_id.to_string()),
    );
    let sub = subject(&claims, template);
    claims.insert("sub".into(), json!(sub));
    claims.insert("iss".into(), json!(issuer));
    claims.insert("aud".into(), json!(audience));
    claims.insert("iat".into(), json!(now));
    claims.insert("nbf".into(), json!(now.saturating_sub(5)));
    claims.insert("exp".into(), json!(now + 300));
    claims.insert(
        "jti".into(),
        json!(format!("standin-{now}-{}", claims.len())),
    );
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": s.kid, "x5t": s.kid});
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string())
    );
    let mut signature = vec![0u8; s.key.public_modulus_len()];
    s.key
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            signing_input.as_bytes(),
            &mut signature,
        )
        .map_err(|_| "signing the ID token failed".to_string())?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn job(extra: Value) -> Map<String, Value> {
        let mut c = claims(json!({
            "repository": "octo/repo",
            "repository_id": "1296269",
            "repository_owner_id": "583231",
            "job_workflow_ref": "octo/repo/.github/workflows/promote.yml@refs/heads/main",
            "ref": "refs/heads/main",
            "event_name": "push",
        }));
        c.extend(claims(extra));
        c
    }

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_template_is_repo_and_context() {
        assert_eq!(
            subject(&job(json!({})), None),
            "repo:octo/repo:ref:refs/heads/main"
        );
        assert_eq!(
            subject(&job(json!({"environment": "prod"})), None),
            "repo:octo/repo:environment:prod"
        );
        assert_eq!(
            subject(
                &job(json!({"event_name": "pull_request", "ref": "refs/pull/1/merge"})),
                None
            ),
            "repo:octo/repo:pull_request"
        );
    }

    #[test]
    fn a_custom_template_lists_its_claims_in_order() {
        let template = keys(&[
            "repo",
            "repository_owner_id",
            "repository_id",
            "context",
            "job_workflow_ref",
        ]);
        assert_eq!(
            subject(&job(json!({"environment": "prod"})), Some(&template)),
            "repo:octo/repo:repository_owner_id:583231:repository_id:1296269:environment:prod:job_workflow_ref:octo/repo/.github/workflows/promote.yml@refs/heads/main"
        );
    }

    #[test]
    fn a_colon_in_a_value_cannot_forge_another_claim() {
        let template = keys(&["repo", "context"]);
        assert_eq!(
            subject(
                &job(json!({"environment": "prod:job_workflow_ref:x"})),
                Some(&template)
            ),
            "repo:octo/repo:environment:prod%3Ajob_workflow_ref%3Ax"
        );
    }
}
