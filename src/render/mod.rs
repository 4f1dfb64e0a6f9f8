//! Summary -> text. Pure functions with explicit size budgets; the caller redacts the result.

pub mod json;
pub mod markdown;
mod text;

/// An inline code span safe inside a table cell, whatever the text.
pub fn inline_code(text: &str) -> String {
    text::code(text, true)
}

/// GitHub rejects comment bodies over 65,536 characters; we stay below with room for the
/// tracker's own table and marker. Budgets count bytes, which are never fewer than characters.
pub const COMMENT_BUDGET: usize = 60_000;

/// GitHub drops a step summary over 1 MiB; keep a margin for other steps' additions.
pub const STEP_SUMMARY_BUDGET: usize = 1_000_000;

/// Explains Terraform's `action_reason` in words a reviewer understands.
pub fn reason_text(reason: &str) -> String {
    match reason {
        "replace_because_tainted" => "the object is tainted".into(),
        "replace_because_cannot_update" => "a changed attribute cannot be updated in place".into(),
        "replace_by_request" => "replacement was requested (-replace)".into(),
        "replace_by_triggers" => "`replace_triggered_by` fired".into(),
        "delete_because_no_resource_config" => {
            "its resource block was removed from the configuration".into()
        }
        "delete_because_no_module" => "its module was removed from the configuration".into(),
        "delete_because_wrong_repetition" => "it switched between count and for_each".into(),
        "delete_because_count_index" => "its count index is no longer in range".into(),
        "delete_because_each_key" => "its for_each key is no longer in the map".into(),
        "delete_because_no_move_target" => "its moved block points nowhere".into(),
        "read_because_config_unknown" => "its configuration is known only after apply".into(),
        "read_because_dependency_pending" => "a dependency has pending changes".into(),
        // Any other string from a plan is untrusted: shown as code, never as Markdown/HTML.
        other => format!("unrecognised reason {}", text::code(other, false)),
    }
}
