//! What `tfpromote github-setup` must change: the wanted GitHub environments (from the
//! config) against what GitHub has. Pure: plain data in, a list of changes out, so every rule
//! is unit-tested without a server and `--dry-run` prints exactly what a real run would do.
//!
//! The rules, and why:
//! - every configured environment exists, and may deploy from `main` only (custom branch
//!   policies with the one pattern `main`): the apply roles trust `environment:<env>`, so the
//!   environment's branch rule is what keeps a branch's workflow from assuming them;
//! - an environment with `approval` has exactly the configured users and teams as required
//!   reviewers, and `prevent_self_review` (whoever started the run cannot approve it);
//!   environments without `approval` keep whatever reviewers a human set (never removed);
//! - the repository's OIDC subject includes `job_workflow_ref`, so a trust policy can pin the
//!   workflow file and not only the environment, and `repository_owner_id`/`repository_id`,
//!   GitHub's numeric ids: a repository deleted and re-created under the same name, or an
//!   owner's released name registered by someone else, keeps the names but not the ids. AWS
//!   conditions on no GitHub claim but `sub`, so the ids must be in the subject.

/// A required reviewer, resolved to GitHub's numeric id (what the REST API takes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reviewer {
    User { login: String, id: u64 },
    Team { slug: String, id: u64 },
}

impl Reviewer {
    pub fn kind(&self) -> &'static str {
        match self {
            Reviewer::User { .. } => "User",
            Reviewer::Team { .. } => "Team",
        }
    }

    pub fn id(&self) -> u64 {
        match self {
            Reviewer::User { id, .. } | Reviewer::Team { id, .. } => *id,
        }
    }

    pub fn label(&self) -> String {
        match self {
            Reviewer::User { login, .. } => format!("user:{login}"),
            Reviewer::Team { slug, .. } => format!("team:{slug}"),
        }
    }
}

/// What one environment should look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantedEnvironment {
    pub name: String,
    /// `Some` for environments with `approval` (reviewers managed), `None` to leave them.
    pub reviewers: Option<Vec<Reviewer>>,
}

/// What GitHub has for one environment (absent environments are `None` in [`plan`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CurrentEnvironment {
    pub reviewers: Vec<Reviewer>,
    pub prevent_self_review: bool,
    pub wait_timer: u64,
    /// `deployment_branch_policy.custom_branch_policies` (false also when no policy at all).
    pub custom_branch_policies: bool,
    /// `deployment_branch_policy.protected_branches`.
    pub protected_branches: bool,
    /// Names of the environment's branch-type deployment policies.
    pub branch_patterns: Vec<String>,
}

/// The repository's OIDC subject template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSubject {
    pub use_default: bool,
    pub include_claim_keys: Vec<String>,
}

/// The claims of the subject the bootstrap's trust policies expect, in order:
/// `repo:OWNER/REPO:repository_owner_id:N:repository_id:N:<context>:job_workflow_ref:W@REF`.
/// The ids come right after the name and before the context, so the one wildcard the plan
/// roles use (a pull request's merge ref) comes after everything pinned.
pub const SUBJECT_CLAIMS: [&str; 5] = [
    "repo",
    "repository_owner_id",
    "repository_id",
    "context",
    "job_workflow_ref",
];

impl OidcSubject {
    pub fn wanted() -> Self {
        OidcSubject {
            use_default: false,
            include_claim_keys: SUBJECT_CLAIMS.map(String::from).to_vec(),
        }
    }

    fn describe(&self) -> String {
        if self.use_default {
            "GitHub's default".into()
        } else {
            format!("claims {}", self.include_claim_keys.join(", "))
        }
    }
}

/// The one branch environments may deploy from.
pub const DEPLOY_BRANCH: &str = "main";

/// One change to make, in the order they must be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Create or update the environment: one PUT carrying the whole wanted protection.
    PutEnvironment {
        name: String,
        created: bool,
        reviewers: Vec<Reviewer>,
        prevent_self_review: bool,
        wait_timer: u64,
        /// Human-readable reasons, one per differing setting.
        reasons: Vec<String>,
    },
    /// Add the `main` branch policy.
    AddBranchPolicy { env: String, pattern: String },
    /// Set the repository's OIDC subject template.
    PutOidcSubject { from: OidcSubject, to: OidcSubject },
}

/// Things github-setup leaves alone but the user should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice(pub String);

/// The changes that make GitHub match the config; empty when it already does.
pub fn plan(
    wanted: &[WantedEnvironment],
    current: &[(String, Option<CurrentEnvironment>)],
    oidc: &OidcSubject,
) -> (Vec<Change>, Vec<Notice>) {
    let mut changes = Vec::new();
    let mut notices = Vec::new();
    for want in wanted {
        let have = current
            .iter()
            .find(|(name, _)| name == &want.name)
            .and_then(|(_, c)| c.clone());
        let created = have.is_none();
        let have = have.unwrap_or_default();
        let mut reasons = Vec::new();
        if created {
            reasons.push("create it".to_string());
        }
        if !have.custom_branch_policies || have.protected_branches {
            reasons.push(format!("deploy from the {DEPLOY_BRANCH} branch only"));
        }
        let (reviewers, prevent_self_review) = match &want.reviewers {
            Some(wanted_reviewers) => {
                let mut want_sorted = wanted_reviewers.clone();
                want_sorted.sort();
                want_sorted.dedup();
                let mut have_sorted = have.reviewers.clone();
                have_sorted.sort();
                if want_sorted != have_sorted {
                    reasons.push(format!(
                        "required reviewers {} (was {})",
                        labels(&want_sorted),
                        labels(&have_sorted)
                    ));
                }
                if !have.prevent_self_review {
                    reasons.push("prevent self-review".to_string());
                }
                (want_sorted, true)
            }
            None => (have.reviewers.clone(), have.prevent_self_review),
        };
        if !reasons.is_empty() {
            changes.push(Change::PutEnvironment {
                name: want.name.clone(),
                created,
                reviewers,
                prevent_self_review,
                wait_timer: have.wait_timer,
                reasons,
            });
        }
        if !have.branch_patterns.iter().any(|p| p == DEPLOY_BRANCH) {
            changes.push(Change::AddBranchPolicy {
                env: want.name.clone(),
                pattern: DEPLOY_BRANCH.to_string(),
            });
        }
        for other in have.branch_patterns.iter().filter(|p| *p != DEPLOY_BRANCH) {
            notices.push(Notice(format!(
                "environment {} may also deploy from branches matching {other:?}: remove that rule (Settings > Environments > {}) if only {DEPLOY_BRANCH} should deploy",
                want.name, want.name
            )));
        }
        if want.reviewers.is_none() && !have.reviewers.is_empty() {
            notices.push(Notice(format!(
                "environment {} has required reviewers {} that tfpromote.yaml does not list (no `approval`); left as they are",
                want.name,
                labels(&have.reviewers)
            )));
        }
    }
    let wanted_oidc = OidcSubject::wanted();
    if oidc.use_default != wanted_oidc.use_default
        || oidc.include_claim_keys != wanted_oidc.include_claim_keys
    {
        changes.push(Change::PutOidcSubject {
            from: oidc.clone(),
            to: wanted_oidc,
        });
    }
    (changes, notices)
}

fn labels(reviewers: &[Reviewer]) -> String {
    if reviewers.is_empty() {
        return "none".into();
    }
    reviewers
        .iter()
        .map(Reviewer::label)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line per change, as printed (with "would" in front for `--dry-run`).
pub fn describe(change: &Change) -> String {
    match change {
        Change::PutEnvironment { name, reasons, .. } => {
            format!("environment {name}: {}", reasons.join("; "))
        }
        Change::AddBranchPolicy { env, pattern } => {
            format!("environment {env}: add deployment branch rule {pattern:?}")
        }
        Change::PutOidcSubject { from, to } => format!(
            "repository OIDC subject: {} (was {})",
            to.describe(),
            from.describe()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(slug: &str, id: u64) -> Reviewer {
        Reviewer::Team {
            slug: slug.into(),
            id,
        }
    }

    fn user(login: &str, id: u64) -> Reviewer {
        Reviewer::User {
            login: login.into(),
            id,
        }
    }

    fn wanted() -> Vec<WantedEnvironment> {
        vec![
            WantedEnvironment {
                name: "dev".into(),
                reviewers: None,
            },
            WantedEnvironment {
                name: "prod".into(),
                reviewers: Some(vec![team("platform-admins", 7), user("alice", 3)]),
            },
        ]
    }

    fn configured(reviewers: Vec<Reviewer>) -> CurrentEnvironment {
        CurrentEnvironment {
            reviewers,
            prevent_self_review: true,
            wait_timer: 0,
            custom_branch_policies: true,
            protected_branches: false,
            branch_patterns: vec!["main".into()],
        }
    }

    #[test]
    fn nothing_exists_yet_creates_everything_in_order() {
        let current = vec![("dev".into(), None), ("prod".into(), None)];
        let (changes, notices) = plan(
            &wanted(),
            &current,
            &OidcSubject {
                use_default: true,
                include_claim_keys: vec![],
            },
        );
        assert!(notices.is_empty());
        let lines: Vec<String> = changes.iter().map(describe).collect();
        assert_eq!(
            lines,
            [
                "environment dev: create it; deploy from the main branch only",
                "environment dev: add deployment branch rule \"main\"",
                "environment prod: create it; deploy from the main branch only; required reviewers user:alice, team:platform-admins (was none); prevent self-review",
                "environment prod: add deployment branch rule \"main\"",
                "repository OIDC subject: claims repo, repository_owner_id, repository_id, context, job_workflow_ref (was GitHub's default)",
            ]
        );
        match &changes[2] {
            Change::PutEnvironment {
                reviewers,
                prevent_self_review,
                created,
                ..
            } => {
                assert!(*created && *prevent_self_review);
                assert_eq!(
                    reviewers.iter().map(Reviewer::id).collect::<Vec<_>>(),
                    [3, 7]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn matching_state_needs_no_change() {
        let current = vec![
            ("dev".into(), Some(configured(vec![]))),
            (
                "prod".into(),
                Some(configured(vec![
                    user("alice", 3),
                    team("platform-admins", 7),
                ])),
            ),
        ];
        let (changes, notices) = plan(&wanted(), &current, &OidcSubject::wanted());
        assert_eq!(changes, []);
        assert_eq!(notices, []);
    }

    #[test]
    fn reviewers_are_replaced_but_unmanaged_ones_are_kept_with_a_notice() {
        let mut dev = configured(vec![user("bob", 9)]);
        dev.prevent_self_review = false;
        let current = vec![
            ("dev".into(), Some(dev)),
            ("prod".into(), Some(configured(vec![user("mallory", 66)]))),
        ];
        let (changes, notices) = plan(&wanted(), &current, &OidcSubject::wanted());
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            describe(&changes[0]),
            "environment prod: required reviewers user:alice, team:platform-admins (was user:mallory)"
        );
        assert_eq!(notices.len(), 1);
        assert!(notices[0].0.contains("user:bob") && notices[0].0.contains("left as they are"));
    }

    #[test]
    fn any_branch_or_protected_branches_is_narrowed_to_main() {
        let mut dev = configured(vec![]);
        dev.custom_branch_policies = false;
        dev.protected_branches = true;
        dev.branch_patterns = vec!["release/*".into()];
        dev.wait_timer = 5;
        let current = vec![
            ("dev".into(), Some(dev)),
            (
                "prod".into(),
                Some(configured(vec![
                    user("alice", 3),
                    team("platform-admins", 7),
                ])),
            ),
        ];
        let (changes, notices) = plan(&wanted(), &current, &OidcSubject::wanted());
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(matches!(
            &changes[0],
            Change::PutEnvironment { wait_timer: 5, .. }
        ));
        assert_eq!(
            describe(&changes[1]),
            "environment dev: add deployment branch rule \"main\""
        );
        assert!(notices[0].0.contains("\"release/*\""));
    }

    /// The template before the ids were pinned: names only, which a re-created repository
    /// of the same name would match.
    #[test]
    fn an_oidc_template_without_the_repository_ids_is_replaced() {
        let current = vec![
            ("dev".into(), Some(configured(vec![]))),
            (
                "prod".into(),
                Some(configured(vec![
                    user("alice", 3),
                    team("platform-admins", 7),
                ])),
            ),
        ];
        let old = OidcSubject {
            use_default: false,
            include_claim_keys: ["repo", "context", "job_workflow_ref"]
                .map(String::from)
                .to_vec(),
        };
        let (changes, _) = plan(&wanted(), &current, &old);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            describe(&changes[0]),
            "repository OIDC subject: claims repo, repository_owner_id, repository_id, context, job_workflow_ref (was claims repo, context, job_workflow_ref)"
        );
    }

    #[test]
    fn an_oidc_template_without_job_workflow_ref_is_replaced() {
        let current = vec![
            ("dev".into(), Some(configured(vec![]))),
            (
                "prod".into(),
                Some(configured(vec![
                    user("alice", 3),
                    team("platform-admins", 7),
                ])),
            ),
        ];
        let old = OidcSubject {
            use_default: false,
            include_claim_keys: vec!["repo".into(), "context".into()],
        };
        let (changes, _) = plan(&wanted(), &current, &old);
        assert_eq!(
            changes,
            [Change::PutOidcSubject {
                from: old,
                to: OidcSubject::wanted()
            }]
        );
    }
}
