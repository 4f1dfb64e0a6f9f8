//! Drift that knows promotion: a scheduled plan of main shows changes in an environment
//! either because something changed outside Terraform, or simply because main's newer
//! merges have not been promoted there yet (prod waiting for approval while stage moved
//! on). This tells the two apart and says where each environment stands: the commit
//! deployed (the promotion workflow's last successful apply job, which no token can
//! write) and the merges on main it lacks. Pure.

use crate::gate::{Fact, short_sha};

/// Where one environment stands against main.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub env: String,
    /// The commit last applied (`None`: never applied).
    pub deployed: Fact<Option<String>>,
    /// The pull requests merged on main since `deployed`, oldest first.
    pub behind: Fact<Vec<u64>>,
}

impl Position {
    /// Whether main holds merges not applied here (unknown counts as lagging: the plan's
    /// changes are then not blamed on anyone outside Terraform).
    pub fn lagging(&self, main: &str) -> bool {
        match (&self.deployed, &self.behind) {
            (Fact::Known(Some(d)), Fact::Known(b)) => d != main && !b.is_empty(),
            _ => true,
        }
    }
}

/// Whether the plan of main shows a change made outside Terraform: objects Terraform found
/// changed on refresh, or any change at all in an environment that runs main already.
/// Changes in an environment behind main are promotion lag, not drift.
pub fn out_of_band(changed_outside: usize, has_changes: bool, lagging: bool) -> bool {
    changed_outside > 0 || (has_changes && !lagging)
}

fn numbers(list: &[u64]) -> String {
    list.iter()
        .map(|n| format!("#{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The report's promotion section: each environment's deployed commit and lag behind
/// main, then for each environment how far the one before it is ahead.
pub fn report(main: &str, positions: &[Position]) -> String {
    let mut out = format!(
        "### Promotion\n\nmain is at `{}`.\n\n| environment | deployed commit | behind main |\n|---|---|---|\n",
        short_sha(main)
    );
    for p in positions {
        let deployed = match &p.deployed {
            Fact::Known(Some(d)) => format!("`{}`", short_sha(d)),
            Fact::Known(None) => "never applied".into(),
            Fact::Unknown(why) => format!("unknown ({})", why.replace('|', "\\|")),
        };
        let behind = match &p.behind {
            Fact::Known(b) if b.is_empty() => "up to date".into(),
            Fact::Known(b) => format!("{} merge(s): {}", b.len(), numbers(b)),
            Fact::Unknown(why) => format!("unknown ({})", why.replace('|', "\\|")),
        };
        out.push_str(&format!("| {} | {deployed} | {behind} |\n", p.env));
    }
    let mut lines = Vec::new();
    for pair in positions.windows(2) {
        let (ahead, behind) = (&pair[0], &pair[1]);
        if let (Fact::Known(a), Fact::Known(b)) = (&ahead.behind, &behind.behind) {
            let gap: Vec<u64> = b.iter().copied().filter(|n| !a.contains(n)).collect();
            if !gap.is_empty() {
                lines.push(format!(
                    "- `{}` is ahead of `{}` by {} merge(s): {} (promotion lag, not drift)",
                    ahead.env,
                    behind.env,
                    gap.len(),
                    numbers(&gap)
                ));
            }
        }
    }
    if !lines.is_empty() {
        out.push('\n');
        out.push_str(&lines.join("\n"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(env: &str, deployed: &str, behind: &[u64]) -> Position {
        Position {
            env: env.into(),
            deployed: Fact::Known(Some(deployed.into())),
            behind: Fact::Known(behind.to_vec()),
        }
    }

    #[test]
    fn lag_is_not_drift_but_a_change_outside_terraform_is() {
        assert!(!out_of_band(0, true, true), "changes behind main: lag");
        assert!(
            out_of_band(0, true, false),
            "changes at main: outside Terraform"
        );
        assert!(
            out_of_band(2, true, true),
            "refresh found objects changed outside"
        );
        assert!(!out_of_band(0, false, false));
        assert!(at("prod", "m1", &[2]).lagging("m3"));
        assert!(!at("dev", "m3", &[]).lagging("m3"));
    }

    #[test]
    fn the_report_shows_each_deployed_commit_and_who_is_ahead() {
        let text = report(
            "m3aaaaaaaa",
            &[
                at("dev", "m3aaaaaaaa", &[]),
                at("stage", "m3aaaaaaaa", &[]),
                at("prod", "m1bbbbbbbb", &[2, 3]),
            ],
        );
        assert!(
            text.contains("| prod | `m1bbbbb` | 2 merge(s): #2, #3 |"),
            "{text}"
        );
        assert!(text.contains("| dev | `m3aaaaa` | up to date |"), "{text}");
        assert!(
            text.contains("`stage` is ahead of `prod` by 2 merge(s): #2, #3"),
            "{text}"
        );
        assert!(!text.contains("`dev` is ahead"), "{text}");
    }
}
