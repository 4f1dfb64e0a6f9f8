//! What GitHub Actions tells us about the run: repository, commit,
//! event, run link, API root, token, and the pull request the run is about.
//!
//! Reading is split from deciding: [`Context::from_lookup`] takes any variable lookup and the
//! event payload as text, so every rule is tested without touching the process environment.

use serde::Deserialize;

use crate::github::Repo;

/// A run's view of GitHub. Outside Actions most fields are absent and nothing is posted.
#[derive(Clone, Default)]
pub struct Context {
    pub event_name: Option<String>,
    pub repo: Option<Repo>,
    pub sha: Option<String>,
    /// `GITHUB_SERVER_URL` (`https://github.com` or the GHES host).
    pub server_url: String,
    /// `GITHUB_API_URL` (`https://api.github.com` or `https://HOST/api/v3`).
    pub api_url: String,
    pub run_id: Option<String>,
    /// Never printed; see the manual `Debug`.
    pub token: Option<String>,
    /// `TFPROMOTE_TEAM_TOKEN`: used only to read organisation team membership for `team:`
    /// approvers. The workflow's `GITHUB_TOKEN` cannot (GitHub answers 403), and the token
    /// that can (an App token with `members: read`) is not the one that writes statuses,
    /// deployments and the tracker. Never printed.
    pub team_token: Option<String>,
    /// `TFPROMOTE_DEADLINE` as given (`50m`): after it, Terraform is interrupted cleanly.
    /// Checked where the command starts (`crate::terraform::deadline`).
    pub deadline: Option<String>,
    /// The pull request of a `pull_request`/`pull_request_target` event; `None` on `push`,
    /// where it is looked up from the commit.
    pub pr: Option<u64>,
    /// The pull request head commit, which is what a PR plan is "planned at".
    pub head_sha: Option<String>,
    /// The login the tracker comment is trusted from (`github-actions[bot]` for
    /// `GITHUB_TOKEN`; `TFPROMOTE_COMMENT_AUTHOR` for a PAT or an App). Always one login:
    /// the gates trust what the tracker records, so a comment from anyone never counts.
    pub comment_author: String,
    /// `TFPROMOTE_GITHUB_BACKOFF`: shortens computed GitHub retry waits (tests, local runs).
    pub github_backoff: Option<std::time::Duration>,
    /// `TFPROMOTE_LOG_DIR`: Terraform's output goes to files there instead of the terminal.
    pub log_dir: Option<std::path::PathBuf>,
    /// `GITHUB_WORKSPACE`: the repository root configured paths must stay inside.
    pub workspace: Option<std::path::PathBuf>,
    /// Inside a GitHub Actions job (`GITHUB_ACTIONS=true`) and its files.
    pub actions: crate::actions::ActionsEnv,
    /// The process environment, read once: the few lower edges that need a variable
    /// (ID token request, STS endpoint, `TF_VAR_*`, plugin cache) get it from here.
    pub vars: std::sync::Arc<std::collections::BTreeMap<String, String>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("event_name", &self.event_name)
            .field("repo", &self.repo)
            .field("sha", &self.sha)
            .field("api_url", &self.api_url)
            .field("pr", &self.pr)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("team_token", &self.team_token.as_ref().map(|_| "***"))
            .field("deadline", &self.deadline)
            .finish()
    }
}

#[derive(Deserialize)]
struct Event {
    #[serde(default)]
    pull_request: Option<EventPr>,
    #[serde(default)]
    number: Option<u64>,
}

#[derive(Deserialize)]
struct EventPr {
    number: u64,
    #[serde(default)]
    head: Option<EventHead>,
}

#[derive(Deserialize)]
struct EventHead {
    sha: String,
}

/// Variables that may carry the token, in order: the action input, our own, the default.
const TOKEN_VARS: [&str; 3] = [
    "INPUT_GITHUB_TOKEN",
    "TFPROMOTE_GITHUB_TOKEN",
    "GITHUB_TOKEN",
];

impl Context {
    /// The context of this process: its environment (read here, once) and
    /// `GITHUB_EVENT_PATH`'s payload.
    pub fn from_env() -> Context {
        let vars: std::collections::BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Context::from_vars(vars)
    }

    /// The context of a set of variables (the process's, or a test's).
    pub fn from_vars(vars: std::collections::BTreeMap<String, String>) -> Context {
        let lookup = |name: &str| vars.get(name).filter(|v| !v.is_empty()).cloned();
        let event = lookup("GITHUB_EVENT_PATH").and_then(|p| std::fs::read_to_string(p).ok());
        let mut context = Context::from_lookup(lookup, event.as_deref());
        context.vars = std::sync::Arc::new(vars);
        context
    }

    /// Every credential this process holds (the GitHub token, the OIDC token request's
    /// token and URL, AWS keys and session token, and any variable whose name says it holds
    /// a token, secret, password or key): all are secrets to the redaction point, and none
    /// of them reaches Terraform (see [`crate::terraform::child_env`]).
    pub fn credentials(&self) -> Vec<String> {
        let mut found: Vec<String> = self.token.iter().cloned().collect();
        found.extend(
            self.vars
                .iter()
                .filter(|(name, _)| crate::terraform::child_env::is_credential(name))
                .map(|(_, value)| value.clone()),
        );
        found
    }

    /// A variable of the process environment, unless empty.
    pub fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).filter(|v| !v.is_empty()).cloned()
    }

    /// Pure: the context from a variable lookup and the event payload text. A payload that
    /// does not parse yields no PR (then nothing is posted), never a crash.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>, event: Option<&str>) -> Context {
        let event_name = lookup("GITHUB_EVENT_NAME");
        let payload = event.and_then(|text| serde_json::from_str::<Event>(text).ok());
        let is_pr_event = matches!(
            event_name.as_deref(),
            Some("pull_request" | "pull_request_target" | "pull_request_review")
        );
        let (pr, head_sha) = match payload {
            Some(Event {
                pull_request: Some(p),
                ..
            }) if is_pr_event => (Some(p.number), p.head.map(|h| h.sha)),
            Some(Event {
                number: Some(n), ..
            }) if is_pr_event => (Some(n), None),
            _ => (None, None),
        };
        Context {
            repo: lookup("GITHUB_REPOSITORY").and_then(|r| Repo::parse(&r)),
            sha: lookup("GITHUB_SHA"),
            server_url: lookup("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into()),
            api_url: lookup("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
            run_id: lookup("GITHUB_RUN_ID"),
            token: TOKEN_VARS.iter().find_map(|v| lookup(v)),
            team_token: lookup("TFPROMOTE_TEAM_TOKEN")
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            deadline: lookup("TFPROMOTE_DEADLINE"),
            event_name,
            pr,
            head_sha,
            comment_author: lookup("TFPROMOTE_COMMENT_AUTHOR")
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .unwrap_or_else(|| crate::github::tracker::DEFAULT_AUTHOR.to_string()),
            github_backoff: lookup("TFPROMOTE_GITHUB_BACKOFF")
                .and_then(|v| humantime::parse_duration(v.trim()).ok()),
            log_dir: lookup("TFPROMOTE_LOG_DIR").map(std::path::PathBuf::from),
            workspace: lookup("GITHUB_WORKSPACE").map(std::path::PathBuf::from),
            actions: crate::actions::ActionsEnv {
                active: lookup("GITHUB_ACTIONS").is_some_and(|v| v == "true"),
                output: lookup("GITHUB_OUTPUT").map(std::path::PathBuf::from),
                step_summary: lookup("GITHUB_STEP_SUMMARY").map(std::path::PathBuf::from),
                env: lookup("GITHUB_ENV").map(std::path::PathBuf::from),
            },
            vars: Default::default(),
        }
    }

    /// A pull request's event: plans there change nothing and run without the state lock.
    pub fn is_pull_request(&self) -> bool {
        matches!(
            self.event_name.as_deref(),
            Some("pull_request" | "pull_request_target")
        )
    }

    /// The link to this run, for table rows and commit statuses.
    pub fn run_url(&self) -> Option<String> {
        let repo = self.repo.as_ref()?;
        let run = self.run_id.as_ref()?;
        Some(format!(
            "{}/{}/{}/actions/runs/{run}",
            self.server_url.trim_end_matches('/'),
            repo.owner,
            repo.name
        ))
    }

    /// The commit a plan is made at: the PR head for PR events (`GITHUB_SHA` is then a
    /// merge commit nobody sees), else `GITHUB_SHA`.
    pub fn commit(&self) -> Option<&str> {
        self.head_sha.as_deref().or(self.sha.as_deref())
    }

    pub fn is_push(&self) -> bool {
        self.event_name.as_deref() == Some("push")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn ctx(vars: &[(&str, &str)], event: Option<&str>) -> Context {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Context::from_lookup(|k| map.get(k).cloned(), event)
    }

    #[test]
    fn pull_request_event_gives_number_and_head() {
        let c = ctx(
            &[
                ("GITHUB_EVENT_NAME", "pull_request"),
                ("GITHUB_REPOSITORY", "acme/infra"),
                ("GITHUB_SHA", "merge"),
                ("GITHUB_RUN_ID", "42"),
                ("GITHUB_TOKEN", "t"),
            ],
            Some(r#"{"number": 7, "pull_request": {"number": 7, "head": {"sha": "head"}}}"#),
        );
        assert_eq!(c.pr, Some(7));
        assert_eq!(c.commit(), Some("head"));
        assert_eq!(
            c.run_url().as_deref(),
            Some("https://github.com/acme/infra/actions/runs/42")
        );
        assert_eq!(c.api_url, "https://api.github.com");
        assert!(!format!("{c:?}").contains("\"t\""), "token never printed");
    }

    #[test]
    fn push_has_no_pr_and_uses_the_sha() {
        let c = ctx(
            &[("GITHUB_EVENT_NAME", "push"), ("GITHUB_SHA", "abc")],
            Some(r#"{"ref": "refs/heads/main"}"#),
        );
        assert_eq!(c.pr, None);
        assert!(c.is_push());
        assert_eq!(c.commit(), Some("abc"));
    }

    #[test]
    fn garbage_event_is_no_pr() {
        let c = ctx(&[("GITHUB_EVENT_NAME", "pull_request")], Some("{oops"));
        assert_eq!(c.pr, None);
    }

    #[test]
    fn input_token_wins_and_ghes_urls_are_kept() {
        let c = ctx(
            &[
                ("GITHUB_TOKEN", "default"),
                ("INPUT_GITHUB_TOKEN", "input"),
                ("GITHUB_API_URL", "https://ghe.example/api/v3"),
                ("GITHUB_SERVER_URL", "https://ghe.example"),
            ],
            None,
        );
        assert_eq!(c.token.as_deref(), Some("input"));
        assert_eq!(c.api_url, "https://ghe.example/api/v3");
    }

    #[test]
    fn the_team_token_is_its_own_and_never_printed() {
        let c = ctx(&[("GITHUB_TOKEN", "workflow")], None);
        assert_eq!(
            c.team_token, None,
            "the workflow token is never the team token"
        );
        let c = ctx(
            &[
                ("GITHUB_TOKEN", "workflow"),
                ("TFPROMOTE_TEAM_TOKEN", " ghs_app_members_read "),
            ],
            None,
        );
        assert_eq!(c.team_token.as_deref(), Some("ghs_app_members_read"));
        assert_eq!(
            c.token.as_deref(),
            Some("workflow"),
            "writes keep their token"
        );
        assert!(!format!("{c:?}").contains("ghs_app"), "never printed");
    }

    #[test]
    fn the_environment_is_read_once_into_the_context() {
        let vars: std::collections::BTreeMap<String, String> = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_OUTPUT", "/runner/out"),
            ("GITHUB_STEP_SUMMARY", "/runner/summary"),
            ("GITHUB_WORKSPACE", "/work/repo"),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://token"),
            ("GITHUB_ENV", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let c = Context::from_vars(vars);
        assert!(c.actions.active);
        assert_eq!(
            c.actions.output.as_deref(),
            Some(std::path::Path::new("/runner/out"))
        );
        assert_eq!(c.actions.env, None, "empty means unset");
        assert_eq!(
            c.workspace.as_deref(),
            Some(std::path::Path::new("/work/repo"))
        );
        assert_eq!(
            c.var("ACTIONS_ID_TOKEN_REQUEST_URL").as_deref(),
            Some("https://token")
        );
        assert_eq!(c.var("GITHUB_ENV"), None);
    }

    #[test]
    fn the_tracker_is_trusted_from_exactly_one_login() {
        assert_eq!(ctx(&[], None).comment_author, "github-actions[bot]");
        let c = ctx(&[("TFPROMOTE_COMMENT_AUTHOR", "*")], None);
        assert_eq!(c.comment_author, "*", "a literal login, never a wildcard");
        let found = crate::tracker::find(
            &[(1u64, "mallory", "<!-- tfpromote:tracker v1 {} -->")],
            |c| (c.0, Some(c.1), Some(c.2)),
            &c.comment_author,
        );
        assert!(found.is_empty());
    }
}
