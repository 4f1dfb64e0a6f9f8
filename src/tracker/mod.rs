//! The promotion tracker: one PR comment per pull request.
//!
//! Pure: the model, its Markdown, the hidden marker and the merge of concurrent updates are
//! plain functions over strings, tested without a network. `github::tracker` does the
//! read-merge-write-verify loop against GitHub.
//!
//! The comment carries its own state, so any job can rebuild it: a hidden marker at the top
//! (`<!-- tfpromote:tracker v1 {json} -->`) holds per environment the fingerprint, commit,
//! status, counts and run link; each environment's section sits between
//! `<!-- tfpromote:section ENV -->` and `<!-- tfpromote:end ENV -->`, so one job replaces
//! its own section and keeps the others' byte for byte.

mod document;
mod model;
pub mod stale;

pub use document::{COMMENT_LIMIT, find, is_stub, is_tracker, parse, render, section_budget};
pub use model::{
    Counts, EnvRecord, MAX_RECORDED_CHANGES, SignedPlan, Status, Tracker, TrackerData, defuse,
};
