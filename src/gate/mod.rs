//! The gates: one file per rule, each a pure function of facts that
//! returns allow or a [`Refusal`]. The GitHub edge only fetches facts; a fact it could not
//! fetch reaches a rule as [`Fact::Unknown`], and a rule that cannot decide refuses.

pub mod approval;
pub mod catch_up;
pub mod destroy;
pub mod merge_queue;
pub mod order;
pub mod plan_change;
pub mod planned_merge;
pub mod policy;
pub mod regression;
pub mod reviewed_plan;
pub mod runs;
pub mod team_token;

use std::fmt;

/// A fact a gate needs, or why it could not be had (GitHub unreachable, no tracker, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact<T> {
    Known(T),
    Unknown(String),
}

impl<T> Fact<T> {
    pub fn from_result<E: fmt::Display>(result: Result<T, E>) -> Self {
        match result {
            Ok(v) => Fact::Known(v),
            Err(e) => Fact::Unknown(e.to_string()),
        }
    }
}

/// Which gate decided. Code branches on this (the tracker row a refusal leaves, the exit
/// code); the name users read comes from [`GateId::name`], so a renamed message never
/// changes behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GateId {
    /// Environments apply in promotion order: the previous one must have applied this commit.
    Order,
    /// Never apply a commit older than the one an environment already runs.
    NoRegression,
    /// Enough qualifying reviewers approved (team approvers need a team token).
    Approval,
    /// The plan reviewers saw is the one the plan workflow on the default branch signed.
    ReviewedPlan,
    /// The plan about to be applied is the one reviewers saw (and a reviewed plan exists).
    PlanChange,
    /// An environment behind by several merges: every change is one a signed review of one
    /// of them contained.
    CatchUp,
    /// The merge queue's commit changes only what the signed reviews in its group contained.
    MergeQueue,
    /// The plan passes the Rego policies as they are on the default branch (block mode).
    Policy,
    /// A destroy is confirmed by typing its text and allowed for the environment.
    Destroy,
}

impl GateId {
    /// Every gate, in the order an apply meets them (destroy last: it guards another command).
    pub const ALL: [GateId; 9] = [
        GateId::Order,
        GateId::NoRegression,
        GateId::Approval,
        GateId::ReviewedPlan,
        GateId::PlanChange,
        GateId::CatchUp,
        GateId::MergeQueue,
        GateId::Policy,
        GateId::Destroy,
    ];

    /// The gate's name as docs/gates.md and every message spell it.
    pub fn name(self) -> &'static str {
        match self {
            GateId::Order => "order",
            GateId::NoRegression => "no-regression",
            GateId::Approval => "approval",
            GateId::ReviewedPlan => "reviewed-plan",
            GateId::PlanChange => "plan-change",
            GateId::CatchUp => "catch-up",
            GateId::MergeQueue => "merge-queue",
            GateId::Policy => "policy",
            GateId::Destroy => "destroy",
        }
    }
}

impl fmt::Display for GateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a gate said no: which rule, what it saw, and what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rule: GateId,
    pub env: String,
    /// The facts the rule saw, one per line, for the log, the job summary and the tracker.
    pub facts: Vec<String>,
    pub next: String,
}

impl Refusal {
    pub fn new(rule: GateId, env: &str, facts: Vec<String>, next: impl Into<String>) -> Self {
        Refusal {
            rule,
            env: env.to_string(),
            facts,
            next: next.into(),
        }
    }

    /// The refusal when a rule's facts could not be fetched: never assume, refuse.
    pub fn undecidable(rule: GateId, env: &str, what: &str, why: &str) -> Self {
        Refusal::new(
            rule,
            env,
            vec![format!("could not read {what}: {why}")],
            "fix the cause above (token permissions, GitHub availability) and re-run the job; \
             a gate that cannot read its facts never lets an apply through",
        )
    }

    /// One line for a commit status or a tracker note (GitHub caps descriptions at 140).
    pub fn short(&self) -> String {
        let first = self.facts.first().map(String::as_str).unwrap_or("");
        format!("refused by the {} gate: {first}", self.rule)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: refused by the {} gate", self.env, self.rule)?;
        for fact in &self.facts {
            writeln!(f, "  - {fact}")?;
        }
        write!(f, "  next: {}", self.next)
    }
}

impl std::error::Error for Refusal {}

/// A gate's answer: go, go with a warning to show, or a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Warn(Vec<String>),
    Refuse(Refusal),
}

/// A commit id shortened for messages.
pub fn short_sha(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}
