//! A local, stateful stand-in for GitHub's REST API, for tests and the sandbox.
//!
//! Every request is checked against GitHub's official REST description (a trimmed copy in
//! spec/, embedded): method and path must name a documented operation, query parameters
//! must be declared, and the JSON body must match the operation's schema. Anything else is
//! recorded as a violation. Answers are the description's own examples, adjusted to the
//! state. It serves one repository (`octo/repo` unless told otherwise).
//!
//! Two control surfaces over the same state: [`Standin`] in-process, and JSON endpoints
//! under `/_standin/` for other processes. This crate is a dev-dependency of tfpromote
//! only: it never ships inside the tfpromote binary.

mod api;
mod control;
mod handler;
mod oidc;
mod server;
mod spec;
mod standin;
mod state;

pub use oidc::{OidcJob, RepositoryIds};
pub use standin::{Options, Standin};
pub use state::{
    BOT, BranchPolicy, BranchPolicySetting, Comment, CommentEdit, Comparison, Deployment,
    DeploymentStatus, Environment, Fault, Issue, IssueEvent, Job, OidcSub, Pull, Recorded, Review,
    Reviewer, RunApproval, Status, TokenOwner, WorkflowRun,
};
