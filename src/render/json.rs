//! `render --format json`: the machine-readable summary (design.md section 4).

use serde::Serialize;

use crate::summary::{ChangeKind, Counts, Summary};

#[derive(Serialize)]
struct JsonSummary<'a> {
    format_version: &'a str,
    terraform_version: Option<&'a str>,
    resources: &'a Counts,
    moved: usize,
    importing: usize,
    outputs_changed: usize,
    has_changes: bool,
    fingerprint: &'a str,
    drift: usize,
    errored: bool,
    destructive: Vec<Destructive<'a>>,
}

#[derive(Serialize)]
struct Destructive<'a> {
    address: &'a str,
    action: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    replace_paths: &'a [String],
}

pub fn render(summary: &Summary) -> String {
    let doc = JsonSummary {
        format_version: &summary.format_version,
        terraform_version: summary.terraform_version.as_deref(),
        resources: &summary.counts,
        moved: summary.moved,
        importing: summary.importing,
        outputs_changed: summary.outputs_changed(),
        has_changes: summary.has_changes(),
        fingerprint: &summary.fingerprint,
        drift: summary.drift.len(),
        errored: summary.errored,
        destructive: summary
            .destructive()
            .map(|r| Destructive {
                address: &r.address,
                action: r.kind,
                reason: r.reason.as_deref(),
                replace_paths: &r.replace_paths,
            })
            .collect(),
    };
    // Serialising plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
