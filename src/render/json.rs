//! `render --format json` and the `<env>_summary_json` step output: the machine-readable
//! summary. It holds counts, the fingerprint and the destructive changes' addresses; no
//! attribute value.

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
    destructive: DestructiveList<'a>,
}

/// Strings a plan controls (addresses carry `for_each` keys, paths carry map keys) are
/// masked one by one before they are serialised: the document stays valid JSON and holds
/// no secret the Markdown would hide.
#[derive(Serialize)]
struct Destructive {
    address: String,
    action: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    replace_paths: Vec<String>,
}

/// Serialises the destructive resources one by one as the list is written, rather than
/// first collecting them: a large plan's list is megabytes.
struct DestructiveList<'a>(&'a Summary);

impl Serialize for DestructiveList<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use crate::redact::point::mask;
        s.collect_seq(self.0.destructive().map(|r| Destructive {
            address: mask(&r.address),
            action: r.kind,
            reason: r.reason.as_deref().map(mask),
            replace_paths: r.replace_paths.iter().map(|p| mask(p)).collect(),
        }))
    }
}

pub fn render(summary: &Summary) -> String {
    let mut out = Vec::new();
    // Writing plain structs of strings and numbers into memory cannot fail, and the bytes
    // serde_json writes are UTF-8.
    match write(summary, &mut out) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => format!("{{\"error\":\"{e}\"}}"),
    }
}

/// [`render`] straight into `out`, for a caller that would otherwise hold the whole text.
pub fn write<W: std::io::Write>(summary: &Summary, out: W) -> serde_json::Result<()> {
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
        destructive: DestructiveList(summary),
    };
    serde_json::to_writer_pretty(out, &doc)
}
