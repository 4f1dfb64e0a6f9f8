//! What a reviewer reads beside the plan, per environment: `fmt`/`validate` results, the
//! policy results and the cost delta. Computed in-process (no extra download) and carried
//! on the plan's [`crate::summary::Summary`], so every channel that shows the plan (the
//! tracker comment, the job summary, `render`) shows them too.

pub mod checks;
pub mod render;
pub mod setup;

use crate::cost::CostReport;
use crate::policy::PolicyReport;

/// Absent parts were not computed (e.g. `render` of a plan file has no `fmt` to run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Review {
    pub checks: Option<checks::Checks>,
    pub policy: Option<PolicyReport>,
    pub cost: Option<CostReport>,
}

/// The `policy` gate's warning under `warn`: the log, an annotation and the job summary.
pub fn warn_policy(env: &str, lines: &[String]) {
    crate::say!(
        "tfpromote: {env}: policy violations (mode warn), applying anyway:\n  - {}",
        lines.join("\n  - ")
    );
    crate::actions::annotate(
        crate::actions::Level::Warning,
        &format!("tfpromote: {env} policy violations (warn)"),
        &lines.join("; "),
    );
    let bullets: Vec<String> = lines
        .iter()
        .map(|l| format!("> - {}", render::plain(l)))
        .collect();
    if let Err(e) = crate::actions::append_step_summary(&format!(
        "> [!WARNING]\n> **{env}**: policy violations; applied anyway (`warn`):\n{}\n\n",
        bullets.join("\n")
    )) {
        crate::say!("tfpromote: cannot write $GITHUB_STEP_SUMMARY: {e}");
    }
}
