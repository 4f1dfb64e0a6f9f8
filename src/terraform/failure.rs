//! What a failed Terraform command's error says.
//!
//! The error goes into the comment, the report, the job summary and an `::error`
//! annotation, so it carries Terraform's diagnostics (summary, file and line, explanation)
//! and not its raw lines: those show the values an expression saw (`x.output is "..."`)
//! and the source lines of var files, which may hold secrets nobody has learned yet. The
//! raw output stays in the collapsible log, which passes the redactor. Pure.

use crate::actions::diagnostics;

/// Terraform's errors (or, when it printed none, its warnings) in the form
/// `Error: SUMMARY (FILE line N): DETAIL`; if it printed no diagnostic at all, the lines of
/// the tail that are neither a value dump nor a source line.
pub fn explain(tail: &str) -> String {
    let lines: Vec<String> = tail.lines().map(str::to_string).collect();
    let found = diagnostics(&lines);
    let errors: Vec<_> = found.iter().filter(|d| d.error).collect();
    let shown = if errors.is_empty() {
        found.iter().collect()
    } else {
        errors
    };
    if shown.is_empty() {
        return lines
            .iter()
            .map(|l| l.trim_end())
            .filter(|l| !is_value_or_source(l))
            .collect::<Vec<_>>()
            .join("\n");
    }
    shown
        .iter()
        .map(|d| {
            let mut text = format!(
                "{}: {}",
                if d.error { "Error" } else { "Warning" },
                d.summary
            );
            if let Some((file, line)) = &d.location {
                text.push_str(&format!(" ({file} line {line})"));
            }
            if !d.detail.is_empty() {
                text.push_str(": ");
                text.push_str(&d.detail);
            }
            text
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `│ x is "..."`, `├────`, `  12: source`: context lines that quote values.
fn is_value_or_source(line: &str) -> bool {
    let text = line.trim_start();
    text.starts_with('│')
        || text.starts_with('├')
        || text
            .split_once(':')
            .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_dumps_and_source_lines_are_left_out() {
        let tail = "Planning failed.\n\nError: Resource precondition failed\n\n  on main.tf line 16, in resource \"terraform_data\" \"y\":\n  16:       condition     = terraform_data.x.output == \"never\"\n    ├────────────────\n    │ terraform_data.x.output is \"CANARY-FAIL\"\n    │ var.fail is true\n\nThe precondition failed.";
        let shown = explain(tail);
        assert_eq!(
            shown,
            "Error: Resource precondition failed (main.tf line 16): The precondition failed."
        );
        assert!(!explain("x\n  │ y is \"CANARY\"\n  3: pw = \"CANARY\"").contains("CANARY"));
    }
}
