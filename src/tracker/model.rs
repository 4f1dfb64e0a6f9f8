//! What the tracker knows per environment, and the pure updates of it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where an environment stands on the promotion ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Planned,
    PlanFailed,
    WaitingForApproval,
    Applying,
    Applied,
    Failed,
    Blocked,
    /// Planned against a state an apply has since changed: re-planned before review.
    Stale,
    /// A status written by a newer tfpromote: shown, never misread.
    #[serde(other)]
    Unknown,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Planned => "📝 planned",
            Status::PlanFailed => "❌ plan failed",
            Status::WaitingForApproval => "⏸️ waiting for approval",
            Status::Applying => "⏳ applying",
            Status::Applied => "✅ applied",
            Status::Failed => "❌ apply failed",
            Status::Blocked => "⛔ blocked",
            Status::Stale => "⌛ stale",
            Status::Unknown => "?",
        }
    }
}

/// The counts shown in the table: `+add ~change -destroy ±replace`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    pub replace: usize,
    /// Output changes: a plan with only these still has changes.
    #[serde(default)]
    pub outputs: usize,
    /// Removed from state without being destroyed (`removed` blocks): a change too.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub forget: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Counts {
    pub fn total(&self) -> usize {
        self.add + self.change + self.destroy + self.replace + self.outputs + self.forget
    }
}

impl From<&crate::summary::Summary> for Counts {
    fn from(s: &crate::summary::Summary) -> Self {
        Counts {
            add: s.counts.create,
            change: s.counts.update,
            destroy: s.counts.delete,
            replace: s.counts.replace,
            outputs: s.outputs.len(),
            forget: s.counts.forget,
        }
    }
}

/// One environment's row and the facts the gates read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvRecord {
    pub status: Status,
    /// The plan fingerprint (`sha256:...`) the reviewers saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The commit the plan was made at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// `None` when the plan failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<Counts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_url: Option<String>,
    /// Per changing resource: short address digest -> short change digest, so the
    /// plan-change gate can name what differs. Absent for plans too large to record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<BTreeMap<String, String>>,
    /// One line shown with the status: a refusal's reason, a redacted failure excerpt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The plan workflow's signature over this record and its section
    /// (`crate::github::signed_plan`): what lets an apply tell a reviewed plan from an edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<SignedPlan>,
}

/// A planned environment's record, signed: the digest of its visible section, and the
/// GitHub OIDC token whose audience binds the record's digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedPlan {
    /// `sha256:` of the section as shown in the comment.
    pub section: String,
    /// The OIDC token (a JWT) the plan workflow obtained with the record's digest as its
    /// audience.
    pub token: String,
}

/// At most this many resources are recorded per environment in the marker (about 22
/// bytes each), so the marker never crowds the sections out of the comment.
pub const MAX_RECORDED_CHANGES: usize = 150;

impl EnvRecord {
    /// A planned environment's record.
    pub fn planned(
        summary: &crate::summary::Summary,
        commit: Option<String>,
        run_url: Option<String>,
    ) -> EnvRecord {
        let digests = summary.change_digests();
        let changes = (digests.len() <= MAX_RECORDED_CHANGES)
            .then(|| digests.into_iter().map(|(k, (_, d))| (k, d)).collect());
        EnvRecord {
            status: Status::Planned,
            fingerprint: Some(summary.fingerprint.clone()),
            commit,
            counts: Some(Counts::from(summary)),
            run_url,
            changes,
            note: None,
            signed: None,
        }
    }
}

/// The marker's data: every environment's record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackerData {
    #[serde(default)]
    pub envs: BTreeMap<String, EnvRecord>,
}

/// A parsed tracker comment: marker data plus each environment's rendered section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracker {
    pub data: TrackerData,
    pub sections: BTreeMap<String, String>,
}

/// Text we render ourselves never contains our own delimiters; a plan that tries (an
/// address is PR-controlled) gets them defused.
/// Outer blank lines go too, so a parsed section renders back byte for byte.
pub fn defuse(section: &str) -> String {
    section
        .trim_matches('\n')
        .replace("<!-- tfpromote:", "<!-- tfpromote&#58;")
}

impl Tracker {
    /// Records a plan: the row, the marker facts and the section of one environment.
    pub fn record_plan(&mut self, env: &str, record: EnvRecord, section: &str) {
        self.data.envs.insert(env.to_string(), record);
        self.sections.insert(env.to_string(), defuse(section));
    }

    /// Updates an environment's status (apply, gates) and its note; keeps its plan facts
    /// and section.
    pub fn set_status(
        &mut self,
        env: &str,
        status: Status,
        run_url: Option<&str>,
        note: Option<&str>,
    ) {
        let record = self.data.envs.entry(env.to_string()).or_insert(EnvRecord {
            status,
            fingerprint: None,
            commit: None,
            counts: None,
            run_url: None,
            changes: None,
            note: None,
            signed: None,
        });
        record.status = status;
        if let Some(url) = run_url {
            record.run_url = Some(url.to_string());
        }
        record.note = note.map(|n| n.chars().take(300).collect());
    }

    /// Whether `env` shows `status` with `note`: the check after a status write.
    pub fn shows(&self, env: &str, status: Status, note: Option<&str>) -> bool {
        self.data.envs.get(env).is_some_and(|r| {
            r.status == status
                && r.note.as_deref()
                    == note
                        .map(|n| n.chars().take(300).collect::<String>())
                        .as_deref()
        })
    }

    /// Whether this tracker holds exactly `record` for `env`: the check after a write that
    /// a concurrent writer did not overwrite it.
    pub fn holds(&self, env: &str, record: &EnvRecord) -> bool {
        self.data.envs.get(env) == Some(record)
    }

    /// Takes environments only `other` knows (a duplicate tracker from a racing create).
    pub fn absorb(&mut self, other: &Tracker) {
        for (env, record) in &other.data.envs {
            if !self.data.envs.contains_key(env) {
                self.data.envs.insert(env.clone(), record.clone());
                if let Some(section) = other.sections.get(env) {
                    self.sections.insert(env.clone(), section.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fp: &str) -> EnvRecord {
        EnvRecord {
            status: Status::Planned,
            fingerprint: Some(fp.into()),
            commit: Some("abc".into()),
            counts: Some(Counts::default()),
            run_url: None,
            changes: None,
            note: None,
            signed: None,
        }
    }

    #[test]
    fn plan_then_status_keeps_the_fingerprint() {
        let mut t = Tracker::default();
        t.record_plan("prod", record("sha256:1"), "### prod");
        t.set_status("prod", Status::Applied, Some("https://run"), None);
        let r = &t.data.envs["prod"];
        assert_eq!(r.status, Status::Applied);
        assert_eq!(r.fingerprint.as_deref(), Some("sha256:1"));
        assert_eq!(t.sections["prod"], "### prod");
    }

    #[test]
    fn delimiters_in_sections_are_defused() {
        let mut t = Tracker::default();
        t.record_plan("dev", record("x"), "a <!-- tfpromote:end dev --> b");
        assert!(!t.sections["dev"].contains("<!-- tfpromote:end"));
    }

    #[test]
    fn absorb_keeps_own_rows() {
        let mut a = Tracker::default();
        a.record_plan("dev", record("a"), "A");
        let mut b = Tracker::default();
        b.record_plan("dev", record("b"), "B");
        b.record_plan("prod", record("p"), "P");
        a.absorb(&b);
        assert_eq!(a.data.envs["dev"].fingerprint.as_deref(), Some("a"));
        assert_eq!(a.sections["prod"], "P");
    }

    #[test]
    fn unknown_status_from_a_newer_version_is_kept_readable() {
        let r: EnvRecord = serde_json::from_str(r#"{"status":"rolled_back"}"#).expect("parse");
        assert_eq!(r.status, Status::Unknown);
    }
}
