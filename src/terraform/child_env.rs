//! What Terraform's environment may hold, and keeping ours to ourselves.
//!
//! Terraform runs code a pull request controls (`local-exec`, `external` data sources,
//! `file("/proc/self/environ")`, providers). Its environment is therefore built from an
//! allowlist rather than inherited: whatever tfpromote holds for itself (the GitHub token,
//! the OIDC token request's token and URL, the runner's own tokens) never reaches it.
//! Pure, except [`protect_own_environment`].

/// Exact names Terraform and its providers may need, and why.
const PASSED: &[&str] = &[
    // Finding programs, a home for the CLI config and plugin cache, a temporary directory.
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "TMPDIR",
    "TMP",
    "TEMP",
    // Text encoding and time zone of messages and timestamps.
    "LANG",
    "LANGUAGE",
    "TZ",
    "TERM",
    // Reaching the network from behind a proxy, with the host's certificates.
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    // Providers and scripts that behave differently in CI.
    "CI",
];

/// Name prefixes that pass: locale settings, Terraform's own settings (`TF_VAR_*` inputs,
/// `TF_LOG`, `TF_DATA_DIR`, registry tokens `TF_TOKEN_*`; `TF_CLI_ARGS*` is removed below)
/// and the AWS provider's (ambient credentials when no role is configured, region,
/// endpoints, profiles).
const PASSED_PREFIXES: &[&str] = &["LC_", "TF_", "AWS_"];

/// Variables that never pass, whatever the lists say: flags injected into every Terraform
/// command would change what is planned and applied.
fn refused(name: &str) -> bool {
    name.starts_with("TF_CLI_ARGS")
}

/// True for variables that hold a credential of tfpromote's or the runner's: the GitHub
/// token (whatever it is called), the OIDC token request's token and URL, the runner's own
/// tokens, and anything whose name says it is a token, secret, password or private key.
/// Their values are secrets to the redaction point.
pub fn is_credential(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.starts_with("ACTIONS_")
        || upper.starts_with("INPUT_")
        || [
            "TOKEN",
            "SECRET",
            "PASSWORD",
            "PASSWD",
            "PRIVATE_KEY",
            "CREDENTIAL",
        ]
        .iter()
        .any(|word| upper.contains(word))
}

/// Whether `name` may pass to Terraform. `extra` are names the user asked to pass (for a
/// provider that reads its own variable, say `CLOUDFLARE_API_TOKEN`), from
/// `TFPROMOTE_TERRAFORM_ENV`; GitHub's and the runner's variables never pass.
pub fn passes(name: &str, extra: &[String]) -> bool {
    if refused(name) {
        return false;
    }
    let github = name.starts_with("GITHUB_")
        || name.starts_with("ACTIONS_")
        || name.starts_with("RUNNER_")
        || name.starts_with("INPUT_")
        || name.starts_with("TFPROMOTE_");
    if github {
        return false;
    }
    if extra.iter().any(|e| e == name) {
        return true;
    }
    // `AWS_*` and `TF_*` pass, but not a variable of those families that is ours in
    // disguise (`TF_VAR_github_token` is an input the user chose to give; it passes).
    PASSED.contains(&name) || PASSED_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The names the user asked to pass as well: `TFPROMOTE_TERRAFORM_ENV`, comma-separated.
pub fn extra_names(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// The subset of `vars` Terraform gets.
pub fn for_terraform<'a, I>(vars: I) -> Vec<(String, String)>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let vars: Vec<(&str, &str)> = vars.into_iter().collect();
    let extra = extra_names(
        vars.iter()
            .find(|(k, _)| *k == "TFPROMOTE_TERRAFORM_ENV")
            .map(|(_, v)| *v),
    );
    vars.into_iter()
        .filter(|(k, _)| passes(k, &extra))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Marks this process not dumpable, so a child running as the same user cannot read
/// `/proc/<our pid>/environ` (or our memory) to find the credentials we keep from it. A
/// child running as root still can: the protection is against the same user only.
pub fn protect_own_environment() {
    #[cfg(target_os = "linux")]
    if let Err(e) = nix::sys::prctl::set_dumpable(false) {
        tracing::warn!("cannot mark tfpromote non-dumpable: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_allowlist_passes() {
        let vars = [
            ("PATH", "/bin"),
            ("HOME", "/root"),
            ("GITHUB_TOKEN", "ghs_x"),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "t"),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://x"),
            ("INPUT_GITHUB_TOKEN", "ghs_y"),
            ("TFPROMOTE_GITHUB_TOKEN", "ghs_z"),
            ("GITHUB_OUTPUT", "/runner/out"),
            ("TF_VAR_pw", "secret"),
            ("TF_CLI_ARGS_plan", "-target=x"),
            ("AWS_REGION", "eu-west-1"),
            ("LC_ALL", "C"),
            ("CLOUDFLARE_API_TOKEN", "cf"),
            ("SOMETHING_ELSE", "1"),
            (
                "TFPROMOTE_TERRAFORM_ENV",
                "CLOUDFLARE_API_TOKEN,GITHUB_TOKEN",
            ),
        ];
        let passed: Vec<String> = for_terraform(vars).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            passed,
            [
                "PATH",
                "HOME",
                "TF_VAR_pw",
                "AWS_REGION",
                "LC_ALL",
                "CLOUDFLARE_API_TOKEN"
            ]
        );
    }

    #[test]
    fn credentials_are_recognised_by_name() {
        for name in [
            "GITHUB_TOKEN",
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "INPUT_GITHUB_TOKEN",
            "AWS_SESSION_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "DB_PASSWORD",
        ] {
            assert!(is_credential(name), "{name}");
        }
        assert!(!is_credential("AWS_REGION"));
        assert!(!is_credential("GITHUB_REPOSITORY"));
    }
}
