//! Where each environment stands against main, for the drift report
//! ([`crate::promotion_lag`]): the commit last applied (the promotion workflow's runs and
//! jobs, as the no-regression gate reads them) and the pull requests merged since.

use super::client::GitHub;
use crate::config::GitHubSettings;
use crate::gate::Fact;
use crate::promotion_lag::Position;

impl GitHub {
    /// The position of each of `envs` against `main`.
    pub async fn positions(
        &self,
        settings: &GitHubSettings,
        envs: &[&str],
        main: &str,
    ) -> Vec<Position> {
        let mut out = Vec::new();
        for env in envs {
            let deployed = self.last_applied_run(settings, env).await.fact;
            let behind = match &deployed {
                Fact::Known(Some(d)) if d == main => Fact::Known(Vec::new()),
                Fact::Known(Some(d)) => {
                    Fact::from_result(self.merged_pulls_since(d, main, false).await)
                }
                Fact::Known(None) => Fact::Unknown("never applied".into()),
                Fact::Unknown(why) => Fact::Unknown(why.clone()),
            };
            out.push(Position {
                env: env.to_string(),
                deployed,
                behind,
            });
        }
        out
    }
}
