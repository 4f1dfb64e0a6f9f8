//! The GitHub edge: comments, PR lookup, commit statuses, reviews.
//!
//! Thin: each file issues a few documented REST calls through [`client::GitHub`], which owns
//! retries. The decisions (which comment is the tracker, whose review counts, when to retry)
//! are pure functions next to the calls, unit-tested without a server.

pub mod client;
pub mod comments;
pub mod compare;
pub mod deployments;
pub mod environment_diff;
pub mod environments;
pub mod error;
pub mod evidence;
pub mod facts;
pub mod issues;
pub mod labels;
pub mod merged_since;
pub mod positions;
pub mod publish;
pub mod pulls;
pub mod retry;
pub mod reviewed;
pub mod reviews;
pub mod runs;
pub mod signed_plan;
pub mod stale;
pub mod statuses;
pub mod tracker;

pub use client::{GitHub, Repo};
pub use error::GitHubError;
