//! The per-environment Markdown block of the PR comment and job summary.
//!
//! Priority when space runs out: the heading, the counts line and the destroy/replace warnings
//! are always kept; output changes come next; the resource list is cut last-first (least
//! important kinds first) and ends with an "N more" line.

use super::reason_text;
use super::text::{code, fenced, plural, thousands};
use crate::pipeline::EnvReport;
#[cfg(test)]
use crate::summary::resource_type;
use crate::summary::{ResourceSummary, Summary};

/// At most this many attribute names per resource row.
const ATTRIBUTES_PER_ROW: usize = 8;
/// At most this many output rows before "N more".
const OUTPUT_ROWS: usize = 50;

/// One environment's plan, rendered within `budget` bytes.
pub fn environment_block(env: &str, summary: &Summary, budget: usize) -> String {
    // The resource table needs at least room for its frame and its "N more" line.
    const TABLE_RESERVE: usize = 400;
    let mut out = heading(env, summary);
    out.push_str(&counts_line(summary));
    let warnings = warnings(env, summary);
    if out.len() + warnings.len() + TABLE_RESERVE > budget {
        // Too many destructive changes to list one by one: keep every count, grouped by type.
        let room = budget.saturating_sub(out.len() + TABLE_RESERVE);
        out.push_str(&warnings_grouped(env, summary, room));
    } else {
        out.push_str(&warnings);
    }
    // fmt/validate, policy and cost: each within its own share of the budget.
    out.push_str(&crate::review::render::sections(&summary.review, budget));
    let mut outputs = outputs_section(summary);
    if !outputs.is_empty() && out.len() + outputs.len() + TABLE_RESERVE > budget {
        outputs = format!(
            "_{} not listed here (size limit); see the job summary._

",
            plural(summary.outputs.len(), "output change", "output changes")
        );
    }
    let resources = resources_section(summary, budget.saturating_sub(out.len() + outputs.len()));
    out.push_str(&resources);
    out.push_str(&outputs);
    out
}

/// A block for an environment whose plan failed; `error` must be redacted already.
pub fn failure_block(env: &str, error: &str) -> String {
    let mut error = error.to_string();
    if error.len() > 6000 {
        let mut cut = error.len() - 6000;
        while !error.is_char_boundary(cut) {
            cut += 1;
        }
        error = format!("…{}", &error[cut..]);
    }
    format!(
        "### {env}: plan failed\n\nNothing can be promoted to `{env}` until this plan succeeds. The end of Terraform's output:\n\n{}\n\n",
        fenced(&error)
    )
}

fn heading(env: &str, summary: &Summary) -> String {
    let c = &summary.counts;
    if !summary.has_changes() {
        return format!("### {env}: no changes\n\n");
    }
    let mut parts = vec![
        format!("{} to add", thousands(c.create)),
        format!("{} to change", thousands(c.update)),
        format!("{} to destroy", thousands(c.delete)),
    ];
    if c.replace > 0 {
        parts.push(format!("{} to replace", thousands(c.replace)));
    }
    if c.forget > 0 {
        parts.push(format!("{} to forget", thousands(c.forget)));
    }
    format!("### {env}: {}\n\n", parts.join(", "))
}

/// The one-line counts summary; also what the tracker table shows per environment.
pub fn counts_badge(summary: &Summary) -> String {
    let c = &summary.counts;
    format!(
        "`+{} ~{} -{} ±{}`",
        thousands(c.create),
        thousands(c.update),
        thousands(c.delete),
        thousands(c.replace)
    )
}

fn counts_line(summary: &Summary) -> String {
    let mut parts = vec![counts_badge(summary)];
    if !summary.outputs.is_empty() {
        parts.push(plural(
            summary.outputs.len(),
            "output changes",
            "outputs change",
        ));
    }
    if summary.moved > 0 {
        parts.push(format!("{} moved", thousands(summary.moved)));
    }
    if summary.importing > 0 {
        parts.push(format!("{} to import", thousands(summary.importing)));
    }
    if summary.counts.read > 0 {
        parts.push(format!("{} to read", thousands(summary.counts.read)));
    }
    if !summary.drift.is_empty() {
        parts.push(format!(
            "⚠️ {} changed outside Terraform",
            plural(summary.drift.len(), "resource", "resources")
        ));
    }
    if summary.errored {
        parts.push("⚠️ Terraform reported errors while planning".into());
    }
    let short = crate::summary::fingerprint::short(&summary.fingerprint);
    parts.push(format!("plan `{short}`"));
    format!("{}\n\n", parts.join(" · "))
}

fn destructive_title(env: &str, summary: &Summary) -> Option<String> {
    let c = &summary.counts;
    let mut parts = Vec::new();
    if c.delete > 0 {
        parts.push(plural(
            c.delete,
            "resource will be destroyed",
            "resources will be destroyed",
        ));
    }
    if c.replace > 0 {
        parts.push(plural(
            c.replace,
            "resource will be replaced",
            "resources will be replaced",
        ));
    }
    if c.forget > 0 {
        parts.push(plural(
            c.forget,
            "resource will be forgotten (kept, removed from state)",
            "resources will be forgotten (kept, removed from state)",
        ));
    }
    (!parts.is_empty()).then(|| format!("> [!CAUTION]\n> **{env}: {}**\n", parts.join(", ")))
}

fn warnings(env: &str, summary: &Summary) -> String {
    let Some(mut out) = destructive_title(env, summary) else {
        return String::new();
    };
    for r in summary.destructive() {
        out.push_str("> - ");
        out.push_str(&warning_line(r));
        out.push('\n');
    }
    out.push('\n');
    out
}

fn warning_line(r: &ResourceSummary) -> String {
    let mut line = format!("**{}** {}", r.kind.verb(), code(&r.address, false));
    if let Some(deposed) = &r.deposed {
        line.push_str(&format!(" (deposed object {})", code(deposed, false)));
    }
    if let Some(reason) = &r.reason {
        line.push_str(": ");
        line.push_str(&reason_text(reason));
    }
    if !r.replace_paths.is_empty() {
        let paths: Vec<String> = r.replace_paths.iter().map(|p| code(p, false)).collect();
        line.push_str(&format!("; forced by {}", paths.join(", ")));
    }
    line
}

/// Every destroy/replace count survives, grouped by resource type, when the list is too long.
/// The caution title (with the totals) is always kept; groups are listed while they fit in
/// `room` bytes, the rest summed up in one line, so the block holds for any plan shape.
fn warnings_grouped(env: &str, summary: &Summary, room: usize) -> String {
    /// Resource types are identifiers, but a plan is untrusted input: cap what one row shows.
    const TYPE_CHARS: usize = 120;
    const CLOSING: &str = "> \n> Too many to list one by one here; every address is in the job summary and the plan artifact.\n\n";
    let Some(mut out) = destructive_title(env, summary) else {
        return String::new();
    };
    let groups = summary.destructive_by_type();
    // Room for the "N more" line; the longest is well under this.
    const MORE_RESERVE: usize = 120;
    let (mut hidden_groups, mut hidden) = (0usize, 0usize);
    for ((kind, rtype), n) in groups {
        let shown: String = if rtype.chars().count() > TYPE_CHARS {
            rtype.chars().take(TYPE_CHARS).chain(['…']).collect()
        } else {
            rtype
        };
        let line = format!(
            "> - **{}** {} × {}\n",
            kind.verb(),
            thousands(n),
            code(&shown, false)
        );
        if hidden_groups == 0 && out.len() + line.len() + MORE_RESERVE + CLOSING.len() <= room {
            out.push_str(&line);
        } else {
            hidden_groups += 1;
            hidden += n;
        }
    }
    if hidden_groups > 0 {
        out.push_str(&format!(
            "> - … and {} more in {}\n",
            plural(hidden, "resource", "resources"),
            plural(hidden_groups, "other resource type", "other resource types")
        ));
    }
    out.push_str(CLOSING);
    out
}

fn outputs_section(summary: &Summary) -> String {
    if summary.outputs.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<details><summary>Output changes ({})</summary>\n\n",
        thousands(summary.outputs.len())
    );
    for o in summary.outputs.iter().take(OUTPUT_ROWS) {
        out.push_str(&format!(
            "- {} {}",
            code(o.kind.symbol(), false),
            code(&o.name, false)
        ));
        if o.sensitive {
            out.push_str(" (sensitive)");
        }
        out.push('\n');
    }
    if summary.outputs.len() > OUTPUT_ROWS {
        out.push_str(&format!(
            "- … and {} more\n",
            thousands(summary.outputs.len() - OUTPUT_ROWS)
        ));
    }
    out.push_str("\n</details>\n\n");
    out
}

fn resources_section(summary: &Summary, budget: usize) -> String {
    if summary.listed() == 0 {
        return String::new();
    }
    let mut ordered: Vec<&ResourceSummary> = summary.resources.iter().collect();
    // Stable: plan order within a kind.
    ordered.sort_by_key(|r| r.kind);
    // A comment summary keeps only the first rows of each kind: never fewer than fit.
    let total = summary.listed();
    let head = format!(
        "<details><summary>Resource changes ({})</summary>\n\n| | Resource | Changed attributes |\n|:-:|---|---|\n",
        thousands(total)
    );
    let tail = "\n</details>\n\n";
    // Room for the longest possible "N more" line.
    let more_reserve = 160;
    let mut out = head;
    let mut shown = 0;
    for r in &ordered {
        let row = resource_row(r);
        if out.len() + row.len() + tail.len() + more_reserve > budget {
            break;
        }
        out.push_str(&row);
        shown += 1;
    }
    if shown < total {
        out.push_str(&format!(
            "| | _… and {} more not shown (size limit); the full list is in the job summary_ | |\n",
            thousands(total - shown)
        ));
    }
    out.push_str(tail);
    out
}

fn resource_row(r: &ResourceSummary) -> String {
    let mut notes = Vec::new();
    if let Some(previous) = &r.previous_address {
        notes.push(format!("moved from {}", code(previous, true)));
    }
    if r.importing {
        notes.push("import".to_string());
    }
    if let Some(deposed) = &r.deposed {
        notes.push(format!("deposed {}", code(deposed, true)));
    }
    let mut attrs: Vec<String> = r
        .changed_attributes
        .iter()
        .take(ATTRIBUTES_PER_ROW)
        .map(|a| code(a, true))
        .collect();
    if r.changed_attributes.len() > ATTRIBUTES_PER_ROW {
        attrs.push(format!(
            "+{} more",
            r.changed_attributes.len() - ATTRIBUTES_PER_ROW
        ));
    }
    attrs.extend(notes);
    format!(
        "| {} | {} | {} |\n",
        code(r.kind.symbol(), true),
        code(&r.address, true),
        attrs.join(", ")
    )
}

/// The whole plan report: an overview table, then one block per environment, within
/// `budget` bytes. Space left over by small environments goes to the ones after them.
pub fn plan_document(title: &str, envs: &[EnvReport], budget: usize) -> String {
    let mut out =
        format!("## {title}\n\n| Environment | Plan | Needs attention |\n|---|---|---|\n");
    for env in envs {
        let (plan, attention) = match &env.result {
            Ok(s) if !s.has_changes() => ("no changes".to_string(), String::new()),
            Ok(s) => (counts_badge(s), attention(s)),
            Err(_) => ("—".to_string(), "❌ plan failed".to_string()),
        };
        out.push_str(&format!("| `{}` | {plan} | {attention} |\n", env.name));
    }
    out.push('\n');
    for (i, env) in envs.iter().enumerate() {
        let share = budget.saturating_sub(out.len()) / (envs.len() - i);
        match &env.result {
            Ok(summary) => out.push_str(&environment_block(&env.name, summary, share)),
            Err(error) => out.push_str(&failure_block(&env.name, error)),
        }
    }
    out
}

fn attention(summary: &Summary) -> String {
    let c = &summary.counts;
    let mut parts = Vec::new();
    if c.delete > 0 {
        parts.push(format!("⚠️ {} to destroy", thousands(c.delete)));
    }
    if c.replace > 0 {
        parts.push(format!("⚠️ {} to replace", thousands(c.replace)));
    }
    if !summary.drift.is_empty() {
        parts.push(format!("{} drifted", thousands(summary.drift.len())));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_type_skips_modules_and_keys() {
        assert_eq!(
            resource_type("module.a.module.b.aws_instance.web[\"x.y\"]"),
            "aws_instance"
        );
        assert_eq!(resource_type("data.aws_ami.al2023"), "aws_ami");
        assert_eq!(resource_type("aws_s3_bucket.b[0]"), "aws_s3_bucket");
    }

    /// Odd addresses come out as the first reading did: the part after the module pairs
    /// and `data`, or the whole address when nothing is left.
    #[test]
    fn resource_type_of_odd_addresses() {
        for (address, want) in [
            ("module", "module"),
            ("module.a", "module.a"),
            ("module.a.module", "module"),
            ("module.a.b.c", "b"),
            ("data", "data"),
            ("data.x.y", "x"),
            ("module.a.data", "module.a.data"),
            ("module.a.module.b", "module.a.module.b"),
            ("module..x", "x"),
            ("", ""),
            ("a..b", "a"),
            ("module.a[0].data", "module.a.data"),
        ] {
            assert_eq!(resource_type(address), want, "{address}");
        }
    }

    /// Item 6: module instance keys (with quotes, dots and brackets) are not the type.
    #[test]
    fn resource_type_skips_module_instance_keys() {
        assert_eq!(resource_type("module.m[0].aws_instance.x"), "aws_instance");
        assert_eq!(
            resource_type(r#"module.a["k.]\"x"].module.b[1].data.aws_ami.y["z"]"#),
            "aws_ami"
        );
    }
}
