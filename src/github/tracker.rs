//! Upserting the tracker comment: read, merge, write, re-read to verify, with bounded and
//! jittered rounds. Two jobs planning different environments of one PR may race; each
//! round re-reads what the other wrote, so neither loses the other's row.

use std::time::Duration;

use super::client::GitHub;
use super::comments::Comment;
use super::error::GitHubError;
use super::retry::random_jitter;
use crate::tracker::{self, Tracker};

/// How the tracker is found and how hard concurrent writes are retried.
#[derive(Debug, Clone)]
pub struct TrackerOptions {
    /// Only comments by this login are trusted as the tracker.
    pub trusted_author: String,
    /// Environments in promotion order (the config's).
    pub order: Vec<String>,
    pub rounds: u32,
    /// Base pause between rounds; each round waits a jittered multiple of it.
    pub pause: Duration,
}

impl Default for TrackerOptions {
    fn default() -> Self {
        TrackerOptions {
            trusted_author: DEFAULT_AUTHOR.into(),
            order: Vec::new(),
            rounds: 8,
            pause: Duration::from_millis(500),
        }
    }
}

/// The login `GITHUB_TOKEN` comments as.
pub const DEFAULT_AUTHOR: &str = "github-actions[bot]";

fn view(c: &Comment) -> (u64, Option<&str>, Option<&str>) {
    (c.id, c.author(), c.body.as_deref())
}

impl GitHub {
    /// The PR's tracker as it stands (the oldest trusted one), `None` when there is none.
    pub async fn read_tracker(
        &self,
        pr: u64,
        options: &TrackerOptions,
    ) -> Result<Option<Tracker>, GitHubError> {
        let comments = self.list_comments(pr).await?;
        let found = tracker::find(&comments, view, &options.trusted_author);
        Ok(found
            .first()
            .map(|c| tracker::parse(c.body.as_deref().unwrap_or_default())))
    }

    /// Applies `change` to the PR's tracker (creating it once) until a re-read shows
    /// `done` holds. Returns the comment's URL and its body as it now stands.
    pub async fn upsert_tracker(
        &self,
        pr: u64,
        options: &TrackerOptions,
        change: impl Fn(&mut Tracker),
        done: impl Fn(&Tracker) -> bool,
    ) -> Result<(String, String), GitHubError> {
        let trusted = options.trusted_author.as_str();
        for round in 0..options.rounds.max(1) {
            if round > 0 {
                // Jitter de-synchronises two writers that keep colliding.
                let factor = 1.0 + round as f64 * random_jitter();
                tokio::time::sleep(options.pause.mul_f64(factor)).await;
            }
            let comments = self.list_comments(pr).await?;
            let found = tracker::find(&comments, view, trusted);
            let Some(first) = found.first() else {
                let mut fresh = Tracker::default();
                change(&mut fresh);
                match self
                    .create_comment(pr, &tracker::render(&fresh, &options.order))
                    .await
                {
                    // Re-read next round: another writer may have created one too.
                    Ok(_) => continue,
                    // The comment may exist now: re-list, never re-POST blindly.
                    Err(e) if e.outcome_unknown() => {
                        tracing::warn!("{e}; re-reading the comments before trying again");
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            };
            let mut current = tracker::parse(first.body.as_deref().unwrap_or_default());
            // Two jobs may both have created a tracker: the oldest wins, absorbs the other's
            // rows and the duplicates go.
            for duplicate in &found[1..] {
                current.absorb(&tracker::parse(
                    duplicate.body.as_deref().unwrap_or_default(),
                ));
            }
            if done(&current) && found.len() == 1 {
                let body = first.body.clone().unwrap_or_default();
                return Ok((first.html_url.clone(), body));
            }
            change(&mut current);
            let body = tracker::render(&current, &options.order);
            if first.body.as_deref() != Some(body.as_str()) {
                self.update_comment(first.id, &body).await?;
            }
            for duplicate in &found[1..] {
                self.delete_comment(duplicate.id).await?;
            }
        }
        Err(GitHubError::Conflict(format!(
            "pull request #{pr}: the tracker comment kept changing under concurrent writers for {} rounds; re-run the job",
            options.rounds
        )))
    }
}
