//! The GitHub stand-in (crates/github-standin) under the name the tests have always used.
//!
//! Everything lives in the stand-in crate; this file only adds what needs tfpromote (a
//! client for the stand-in) and the review helper of the older tests, which take no commit.

use std::ops::Deref;

// Each test file uses a different part of it.
#[allow(unused_imports)]
pub use github_standin::{BOT, Comment as StoredComment, Fault, Pull, Recorded, Standin};

/// A stand-in on a random loopback port, as the tests use it.
pub struct FakeGitHub(Standin);

impl Deref for FakeGitHub {
    type Target = Standin;

    fn deref(&self) -> &Standin {
        &self.0
    }
}

impl FakeGitHub {
    pub async fn start() -> FakeGitHub {
        FakeGitHub(Standin::start().await)
    }

    /// A GitHub Enterprise Server lookalike: the API lives under `prefix` (`/api/v3`).
    pub async fn start_with_prefix(prefix: &str) -> FakeGitHub {
        FakeGitHub(Standin::start_with_prefix(prefix).await)
    }

    /// A tfpromote GitHub client for this stand-in, with short backoffs.
    pub fn client(&self) -> tfpromote::github::GitHub {
        tfpromote::github::GitHub::new(
            &self.api_url(),
            "ghs_faketoken",
            tfpromote::github::Repo::parse("octo/repo").expect("repo"),
            tfpromote::github::retry::Policy::fast(std::time::Duration::from_millis(5)),
        )
        .expect("client")
    }

    /// A review given on a named commit (the stand-in's own `add_review`).
    pub fn add_review_on(&self, pr: u64, login: &str, state: &str, commit_id: &str) -> u64 {
        self.0.add_review(pr, login, state, commit_id)
    }

    /// A review given on the PR's current head commit (the older tests take no commit).
    pub fn add_review(&self, pr: u64, login: &str, state: &str) -> u64 {
        let head = self
            .0
            .pull(pr)
            .map(|p| p.head_sha)
            .filter(|sha| !sha.is_empty())
            .unwrap_or_else(|| "0000000000000000000000000000000000000000".into());
        self.0.add_review(pr, login, state, &head)
    }
}
