//! What a reviewer reads beside the plan, per environment: `fmt`/`validate` results, the
//! policy results and the cost delta. Computed in-process (no extra download) and carried
//! on the plan's [`crate::summary::Summary`], so every channel that shows the plan (the
//! tracker comment, the job summary, `render`) shows them too.

pub mod checks;
pub mod gather;
pub mod labels;
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
    /// Each label a policy names, and whether it counts (and why not).
    pub labels: Vec<crate::policy::allow_labels::Judged>,
}
