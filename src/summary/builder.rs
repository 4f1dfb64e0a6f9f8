//! Folds the plan reader's events into a [`Summary`].

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::fingerprint::FingerprintBuilder;
use super::{
    ChangeKind, Counts, DriftSummary, OutputSummary, Purpose, ResourceSummary, Summary, attributes,
    row_floor,
};
use crate::plan::marked::{NoScalars, collect_marked, collect_scalars, marked_scalars};
use crate::plan::{ChangeVisitor, OutputChange, PathStep, PlanVisitor, ResourceChange};
use crate::redact::SecretList;

#[derive(Default)]
pub struct SummaryBuilder {
    format_version: String,
    terraform_version: Option<String>,
    changes: ChangeTally,
    outputs: Vec<OutputSummary>,
    drift: Vec<DriftSummary>,
    errored: bool,
    variables: BTreeMap<String, Value>,
    sensitive_variables: BTreeSet<String>,
}

/// What `resource_changes` contribute. Chunks of a large plan are tallied on several
/// threads and merged in document order.
#[derive(Default)]
pub struct ChangeTally {
    counts: Counts,
    moved: usize,
    importing: usize,
    resources: Vec<ResourceSummary>,
    fingerprint: FingerprintBuilder,
    /// Every value Terraform marks sensitive anywhere in the plan, in plan order;
    /// deduplicated per chunk (on its worker) and once more at the end. Hashed, not
    /// sorted: sorting a plan's hundreds of thousands of secrets was a fifth of the
    /// Markdown comment's time (string comparisons, scripts/bench-render). Stored in one
    /// buffer per chunk, with the fingerprints the matcher needs made on the worker.
    marked_values: SecretList,
    purpose: Purpose,
    /// The [`row_floor`] bytes of the resources kept per change kind (indexed by
    /// `ChangeKind as usize`): in a chunk's tally the chunk's own, in the merged one all.
    kept: [usize; KINDS],
    /// Per change kind, a resource did not fit: none after it is kept either (the block
    /// lists each kind's rows in plan order and stops at the first that does not fit).
    full: [bool; KINDS],
    /// Resources worth listing that a [`Purpose::Comment`] summary did not keep.
    unlisted: usize,
    destructive_types: BTreeMap<(ChangeKind, String), usize>,
    /// What the merged tally has kept so far, shared with the chunks' tallies.
    merged: Option<Arc<MergedKept>>,
}

/// How many change kinds there are.
const KINDS: usize = 7;

/// Per change kind, the row bytes the merged tally kept, in document order (`usize::MAX`
/// once full). A chunk being tallied comes after every merged one, so once a resource
/// cannot fit on top of this it is only counted, not diffed: on a large plan most of them.
#[derive(Default)]
struct MergedKept([AtomicUsize; KINDS]);

impl ChangeVisitor for ChangeTally {
    fn fresh(&self) -> Self {
        ChangeTally {
            purpose: self.purpose,
            merged: self.merged.clone(),
            marked_values: secret_list(self.purpose),
            ..ChangeTally::default()
        }
    }

    fn chunk_done(&mut self) {
        self.marked_values.dedup();
    }

    fn merge(&mut self, later: Self) {
        let c = later.counts;
        self.counts.create += c.create;
        self.counts.update += c.update;
        self.counts.delete += c.delete;
        self.counts.replace += c.replace;
        self.counts.read += c.read;
        self.counts.no_op += c.no_op;
        self.counts.forget += c.forget;
        self.moved += later.moved;
        self.importing += later.importing;
        self.unlisted += later.unlisted;
        for (group, n) in later.destructive_types {
            *self.destructive_types.entry(group).or_default() += n;
        }
        match self.purpose.row_budget() {
            None => self.resources.extend(later.resources),
            Some(budget) => {
                for r in later.resources {
                    let kind = r.kind as usize;
                    let cost = row_floor(&r.address);
                    if !self.full[kind] && self.kept[kind] + cost <= budget {
                        self.kept[kind] += cost;
                        self.resources.push(r);
                    } else {
                        self.full[kind] = true;
                        self.unlisted += 1;
                    }
                }
                // The chunk found a resource that cannot fit even on what was merged before
                // it: nothing of that kind after it can.
                for (full, later) in self.full.iter_mut().zip(later.full) {
                    *full |= later;
                }
                if let Some(merged) = &self.merged {
                    for ((shared, kept), full) in merged.0.iter().zip(self.kept).zip(self.full) {
                        shared.store(if full { usize::MAX } else { kept }, Ordering::Relaxed);
                    }
                }
            }
        }
        self.fingerprint.merge(later.fingerprint);
        self.marked_values.append(later.marked_values);
    }

    fn resource_change(&mut self, rc: ResourceChange<'_>) {
        let kind = ChangeKind::from_actions(&rc.change.actions);
        self.counts.add(kind);
        // Terraform's own text output has been seen to print a prior value whose mark was
        // lost in state (e.g. `terraform_data.output`); knowing every marked value lets the
        // redactor mask it wherever it turns up. `after`'s are read by the fingerprint's own
        // walk over it.
        let digest = if self.purpose == Purpose::Machine {
            self.fingerprint.resource::<NoScalars>(&rc, None)
        } else {
            marked_scalars(
                rc.change.before,
                &rc.change.before_sensitive,
                &mut self.marked_values,
            );
            self.fingerprint
                .resource(&rc, Some(&mut self.marked_values))
        };
        let importing = rc.change.importing.as_ref().is_some_and(|v| !v.is_null());
        let moved = rc
            .previous_address
            .as_deref()
            .is_some_and(|p| p != rc.address);
        self.importing += usize::from(importing);
        self.moved += usize::from(moved);
        if kind == ChangeKind::NoOp && !importing && !moved {
            return;
        }
        if let Some(budget) = self.purpose.row_budget() {
            if kind.is_destructive() {
                *self
                    .destructive_types
                    .entry((kind, super::resource_type(&rc.address)))
                    .or_default() += 1;
            }
            // What was merged so far comes before this chunk: at least that much is kept
            // ahead of this resource.
            let merged = self
                .merged
                .as_ref()
                .map_or(0, |m| m.0[kind as usize].load(Ordering::Relaxed));
            let cost = row_floor(&rc.address);
            let k = kind as usize;
            if self.full[k] || merged.saturating_add(self.kept[k]).saturating_add(cost) > budget {
                self.full[k] = true;
                self.unlisted += 1;
                return;
            }
            self.kept[k] += cost;
        }
        let changed_attributes = match (self.purpose, kind) {
            // Machine output lists destructive changes only, without attributes.
            (Purpose::Machine, _) if !kind.is_destructive() => return,
            (Purpose::Machine, _) => Vec::new(),
            (_, ChangeKind::Update | ChangeKind::Replace) => attributes::changed(&rc.change),
            (_, _) => Vec::new(),
        };
        self.resources.push(ResourceSummary {
            replace_paths: rc
                .change
                .replace_paths
                .iter()
                .map(|p| path_string(p))
                .collect(),
            changed_attributes,
            importing,
            reason: rc.action_reason,
            deposed: rc.deposed,
            previous_address: rc.previous_address.filter(|p| *p != rc.address),
            address: rc.address.into_owned(),
            kind,
            digest: [digest[0], digest[1], digest[2], digest[3]],
        });
    }
}

impl PlanVisitor for SummaryBuilder {
    type Changes = ChangeTally;

    fn changes(&mut self) -> &mut ChangeTally {
        &mut self.changes
    }

    fn format_version(&mut self, version: &str) {
        self.format_version = version.to_string();
    }

    fn terraform_version(&mut self, version: &str) {
        self.terraform_version = Some(version.to_string());
    }

    fn variable(&mut self, name: String, value: Value) {
        self.variables.insert(name, value);
    }

    fn resource_drift(&mut self, rc: ResourceChange<'_>) {
        let kind = ChangeKind::from_actions(&rc.change.actions);
        if kind != ChangeKind::NoOp {
            self.drift.push(DriftSummary {
                address: rc.address.into_owned(),
                kind,
            });
        }
    }

    fn output_change(&mut self, name: String, change: OutputChange) {
        let kind = ChangeKind::from_actions(&change.actions);
        let tally = &mut self.changes;
        tally.fingerprint.output(&name, &change.actions);
        if tally.purpose != Purpose::Machine {
            collect_marked(
                &change.before,
                &change.before_sensitive,
                &mut tally.marked_values,
            );
            collect_marked(
                &change.after,
                &change.after_sensitive,
                &mut tally.marked_values,
            );
        }
        if kind != ChangeKind::NoOp {
            self.outputs.push(OutputSummary {
                sensitive: change.sensitive(),
                name,
                kind,
            });
        }
    }

    fn sensitive_variable(&mut self, name: String) {
        self.sensitive_variables.insert(name);
    }

    fn errored(&mut self, errored: bool) {
        self.errored = errored;
    }
}

impl SummaryBuilder {
    /// A builder that keeps what `purpose` needs (the default one: [`Purpose::Review`]).
    pub fn new(purpose: Purpose) -> Self {
        let mut builder = SummaryBuilder::default();
        builder.changes.purpose = purpose;
        builder.changes.marked_values = secret_list(purpose);
        if purpose.row_budget().is_some() {
            builder.changes.merged = Some(Arc::default());
        }
        builder
    }

    pub fn finish(self) -> Summary {
        let tally = self.changes;
        let mut secret_literals = tally.marked_values;
        // Sensitive variables are few and are needed by every purpose: a `for_each` key
        // built from one shows up in addresses, which machine output carries too.
        {
            for (name, value) in &self.variables {
                if self.sensitive_variables.contains(name) {
                    collect_scalars(value, &mut secret_literals);
                }
            }
        }
        // The two sorts of a large plan (its secrets' fingerprints, its resources' digests)
        // are independent: side by side they wait for the longer one only.
        let fingerprint = std::thread::scope(|scope| {
            let fingerprint = scope.spawn(|| tally.fingerprint.finish());
            secret_literals.dedup();
            fingerprint.join()
        })
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Summary {
            format_version: self.format_version,
            terraform_version: self.terraform_version,
            counts: tally.counts,
            moved: tally.moved,
            importing: tally.importing,
            outputs: self.outputs,
            resources: tally.resources,
            drift: self.drift,
            fingerprint,
            errored: self.errored,
            secret_literals,
            purpose: tally.purpose,
            unlisted: tally.unlisted,
            destructive_types: tally.destructive_types,
            review: crate::review::Review::default(),
        }
    }
}

/// Where a summary for `purpose` keeps the plan's secrets. A Markdown comment's are only
/// ever matched, never printed or registered with the runner (`render` prints the block and
/// exits), so it keeps them as fingerprints only: on a plan marking hundreds of thousands
/// of values their text was most of the comment path's memory. `plan` keeps the text, which
/// `::add-mask::` needs.
fn secret_list(purpose: Purpose) -> SecretList {
    match purpose {
        Purpose::Comment(_) => SecretList::prints_only(),
        Purpose::Review | Purpose::Machine => SecretList::default(),
    }
}

/// `["tags", "Name"]` -> `tags["Name"]`, `["ingress", 0, "cidr"]` -> `ingress[0].cidr`.
pub(super) fn path_string(steps: &[PathStep]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            PathStep::Key(key) => attributes::push_key(&mut out, key),
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}
