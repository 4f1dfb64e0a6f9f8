//! The review sections of one environment's block: checks, policy, cost. Each has its own
//! byte budget and is cut like the resource table (rows last-first, then an "N more" line);
//! its headline (the status, the counts, the cost total) is always kept.

use super::Review;
use super::checks::{Checks, Severity};
use crate::cost::CostReport;
use crate::policy::{Mode, PolicyReport};
use crate::render::inline_code;

/// Shares of the environment's budget: the plan itself keeps most of it.
const CHECKS_SHARE: usize = 12; // percent
const POLICY_SHARE: usize = 18;
const COST_SHARE: usize = 12;
/// Room kept for the "N more" line of a cut list.
const MORE_RESERVE: usize = 120;

/// Every present section, within `budget` bytes in all (the headlines may exceed a tiny
/// budget: totals are never cut).
pub fn sections(review: &Review, budget: usize) -> String {
    let mut out = String::new();
    if let Some(checks) = &review.checks {
        out.push_str(&checks_section(checks, budget / 100 * CHECKS_SHARE));
    }
    if let Some(policy) = &review.policy {
        out.push_str(&policy_section(policy, budget / 100 * POLICY_SHARE));
        out.push_str(&label_lines(&review.labels));
    }
    if let Some(cost) = &review.cost {
        out.push_str(&cost_section(cost, budget / 100 * COST_SHARE));
    }
    out
}

/// Text from a plan or a policy message, safe in Markdown and in a table cell: no markup,
/// no HTML, no line breaks.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '!' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `head`, then as many `rows` as fit in `budget`, then "… and N more" when cut, then `tail`.
fn cut_list(head: String, rows: &[String], tail: &str, budget: usize, what: &str) -> String {
    let mut out = head;
    let mut shown = 0;
    for row in rows {
        if out.len() + row.len() + tail.len() + MORE_RESERVE > budget {
            break;
        }
        out.push_str(row);
        shown += 1;
    }
    if shown < rows.len() {
        out.push_str(&format!(
            "- _… and {} more {what} not shown (size limit); the full list is in the job summary_\n",
            grouped(rows.len() - shown)
        ));
    }
    out.push_str(tail);
    out
}

fn checks_section(checks: &Checks, budget: usize) -> String {
    let fmt = if checks.fmt_failed {
        "❌ fmt: the files do not parse (see validate)".to_string()
    } else if checks.unformatted.is_empty() {
        "✅ fmt".to_string()
    } else {
        format!(
            "⚠️ fmt: {} not formatted (`terraform fmt`)",
            count(checks.unformatted.len(), "file", "files")
        )
    };
    let errors = checks.validate_errors().count();
    let warnings = checks.diagnostics.len() - errors;
    let validate = match (errors, warnings) {
        (0, 0) => "✅ validate".to_string(),
        (0, w) => format!("✅ validate ({})", count(w, "warning", "warnings")),
        (e, _) => format!("❌ validate: {}", count(e, "error", "errors")),
    };
    let head = format!("**Checks:** {fmt} · {validate}\n\n");
    let mut rows: Vec<String> = checks
        .unformatted
        .iter()
        .map(|f| format!("- fmt: {} is not formatted\n", inline_code(f)))
        .collect();
    rows.extend(checks.diagnostics.iter().map(|d| {
        let mark = if d.severity == Severity::Error {
            "❌"
        } else {
            "⚠️"
        };
        let location = d
            .location
            .as_deref()
            .map(|l| format!("{} ", inline_code(l)))
            .unwrap_or_default();
        format!(
            "- {mark} validate: {location}{}\n",
            plain(&d.line_without_location())
        )
    }));
    if rows.is_empty() {
        return head;
    }
    cut_list(head, &rows, "\n", budget, "findings")
}

fn policy_section(policy: &PolicyReport, budget: usize) -> String {
    let mode = match policy.mode {
        Mode::Warn => "warn",
        Mode::Block => "block",
    };
    let source = plain(&policy.source);
    if let Some(error) = &policy.error {
        return format!(
            "**Policy** ({mode}, policies from {source}): ❌ not evaluated: {}\n\n",
            plain(error)
        );
    }
    let n = policy.findings.len();
    let verdict = match (n, policy.mode) {
        (0, _) => format!("✅ {} passed", count(policy.rules, "rule", "rules")),
        (n, Mode::Warn) => format!(
            "⚠️ {} (warn: applies with a warning)",
            count(n, "violation", "violations")
        ),
        (n, Mode::Block) => format!(
            "❌ {} (block: apply refuses)",
            count(n, "violation", "violations")
        ),
    };
    let head = format!("**Policy** ({mode}, policies from {source}): {verdict}\n\n");
    if n == 0 {
        return head;
    }
    let rows: Vec<String> = policy
        .findings
        .iter()
        .map(|f| {
            format!(
                "- {} {}: {}\n",
                inline_code(&f.rule),
                inline_code(&f.address),
                plain(&f.message)
            )
        })
        .collect();
    cut_list(head, &rows, "\n", budget, "violations")
}

/// Each label a policy names: honoured, or not and why (a few lines at most: only labels
/// a policy names are judged).
fn label_lines(labels: &[crate::policy::allow_labels::Judged]) -> String {
    let mut out: String = labels
        .iter()
        .map(|j| {
            let mark = if j.honoured() { "✅" } else { "⚠️" };
            format!(
                "- {mark} label {}: {}\n",
                inline_code(&j.label),
                plain(&j.explain())
            )
        })
        .collect();
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

fn cost_section(cost: &CostReport, budget: usize) -> String {
    let head = format!(
        "**Cost:** {}/month (prices: {})\n\n",
        crate::cost::dollars(cost.delta_micros, true),
        plain(&cost.sheet)
    );
    let mut rows: Vec<String> = cost
        .lines
        .iter()
        .map(|l| {
            format!(
                "- {} {}: {}/month\n",
                inline_code(&l.address),
                plain(&l.what),
                crate::cost::dollars(l.delta_micros, true)
            )
        })
        .collect();
    rows.extend(
        cost.unpriced
            .iter()
            .map(|(kind, n)| format!("- not priced: {} × {}\n", n, inline_code(kind))),
    );
    if rows.is_empty() {
        return head;
    }
    cut_list(head, &rows, "\n", budget, "cost lines")
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", grouped(n))
    }
}

/// `20000` -> `20,000`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
