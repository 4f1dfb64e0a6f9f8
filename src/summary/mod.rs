//! Plan -> summary: counts, the resources a reviewer must look at, and the fingerprint.
//! Pure: no I/O beyond the plan reader it is fed from.

mod attributes;
mod builder;
pub mod fingerprint;

pub use builder::SummaryBuilder;

/// What a summary is read for, so that reading keeps only what that use needs: on a plan of
/// 100,000 resources the per-resource lists and the secret values are most of the memory
/// and, on plans full of secrets, a good part of the time (scripts/bench-render).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Purpose {
    /// Everything: every listed resource with its changed attributes (comments, reports,
    /// the plan-change gate), and every value marked sensitive, to mask text with.
    #[default]
    Review,
    /// `render --format json` only: counts, fingerprint, moved/importing/output counts and
    /// the destructive resources, no changed attributes and no secret values. That output
    /// is built from structured data that holds no value and never passes the redactor,
    /// so nothing it prints differs from a [`Purpose::Review`] summary.
    Machine,
    /// One Markdown block of at most this many bytes (`render --format markdown`): every
    /// count and secret value, but per change kind only the first resources the block can
    /// possibly list (see [`row_floor`]) and, for the others, how many there are and, for
    /// destructive ones, their resource types. On a plan of 100,000 resources the block
    /// lists a few hundred; keeping and diffing the rest was most of the memory and, for
    /// the changed attributes, a tenth of the time (scripts/bench-render).
    Comment(usize),
}

/// A resource row of the Markdown block without its address is never shorter than this
/// (`| `+` | `` |  |` and a line break).
pub const MIN_ROW_BYTES: usize = 16;

/// The fewest bytes the Markdown block's row for `address` takes: the address is written
/// whole, in a code span (which only ever adds to it), before masking.
pub fn row_floor(address: &str) -> usize {
    address.len() + MIN_ROW_BYTES
}

impl Purpose {
    /// The bytes of rows one change kind may fill (the block's whole budget: the kinds share
    /// it), `None` when every resource is kept.
    pub fn row_budget(self) -> Option<usize> {
        match self {
            Purpose::Comment(budget) => Some(budget),
            Purpose::Review | Purpose::Machine => None,
        }
    }
}

use crate::plan::Action;
use serde::Serialize;
use std::path::Path;

/// What a resource change does, folded from Terraform's action set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Replace,
    Delete,
    Update,
    Create,
    /// Removed from state without being destroyed (`removed` block).
    Forget,
    Read,
    NoOp,
}

impl ChangeKind {
    pub fn from_actions(actions: &[Action]) -> ChangeKind {
        let has = |a: Action| actions.contains(&a);
        if has(Action::Delete) && has(Action::Create) {
            ChangeKind::Replace
        } else if has(Action::Create) && has(Action::Forget) {
            // A new object is created and the old one is only dropped from state.
            ChangeKind::Replace
        } else if has(Action::Delete) {
            ChangeKind::Delete
        } else if has(Action::Forget) {
            ChangeKind::Forget
        } else if has(Action::Create) {
            ChangeKind::Create
        } else if has(Action::Update) || has(Action::Unknown) {
            ChangeKind::Update
        } else if has(Action::Read) {
            ChangeKind::Read
        } else {
            ChangeKind::NoOp
        }
    }

    /// The symbol used in counts lines and lists: `+ ~ - ± ...`.
    pub fn symbol(self) -> &'static str {
        match self {
            ChangeKind::Create => "+",
            ChangeKind::Update => "~",
            ChangeKind::Delete => "-",
            ChangeKind::Replace => "±",
            ChangeKind::Forget => "⊘",
            ChangeKind::Read => "<=",
            ChangeKind::NoOp => "=",
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            ChangeKind::Create => "create",
            ChangeKind::Update => "update",
            ChangeKind::Delete => "destroy",
            ChangeKind::Replace => "replace",
            ChangeKind::Forget => "forget",
            ChangeKind::Read => "read",
            ChangeKind::NoOp => "no-op",
        }
    }

    /// Changes that lose something: they get a warning line that is never cut.
    pub fn is_destructive(self) -> bool {
        matches!(
            self,
            ChangeKind::Delete | ChangeKind::Replace | ChangeKind::Forget
        )
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub replace: usize,
    pub read: usize,
    pub no_op: usize,
    pub forget: usize,
}

impl Counts {
    fn add(&mut self, kind: ChangeKind) {
        let slot = match kind {
            ChangeKind::Create => &mut self.create,
            ChangeKind::Update => &mut self.update,
            ChangeKind::Delete => &mut self.delete,
            ChangeKind::Replace => &mut self.replace,
            ChangeKind::Read => &mut self.read,
            ChangeKind::NoOp => &mut self.no_op,
            ChangeKind::Forget => &mut self.forget,
        };
        *slot += 1;
    }

    /// Changes that alter real infrastructure or state.
    pub fn changing(&self) -> usize {
        self.create + self.update + self.delete + self.replace + self.forget
    }
}

/// A resource worth listing: anything but a plain no-op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceSummary {
    pub address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_address: Option<String>,
    pub kind: ChangeKind,
    /// Terraform's `action_reason`, e.g. `replace_because_cannot_update`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Attribute paths that force replacement.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replace_paths: Vec<String>,
    /// Names of changed attributes (never values).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed_attributes: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub importing: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
    /// The start of this change's digest (see `fingerprint`): tells which resources differ
    /// between two plans.
    #[serde(skip)]
    pub digest: [u8; 4],
}

impl ResourceSummary {
    /// A short digest of the address (and deposed key): a compact, value-free name for the
    /// resource in the tracker's marker.
    pub fn address_key(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.address.as_bytes());
        h.update([0]);
        h.update(self.deposed.as_deref().unwrap_or("").as_bytes());
        hex(&h.finalize()[..4])
    }

    pub fn digest_hex(&self) -> String {
        hex(&self.digest)
    }

    pub fn moved(&self) -> bool {
        self.previous_address
            .as_deref()
            .is_some_and(|p| p != self.address)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputSummary {
    pub name: String,
    pub kind: ChangeKind,
    pub sensitive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftSummary {
    pub address: String,
    pub kind: ChangeKind,
}

/// Everything a reviewer needs from one environment's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub format_version: String,
    pub terraform_version: Option<String>,
    pub counts: Counts,
    pub moved: usize,
    pub importing: usize,
    /// Changed outputs only.
    pub outputs: Vec<OutputSummary>,
    /// Non-no-op resources (and no-ops that move or import), in plan order.
    pub resources: Vec<ResourceSummary>,
    pub drift: Vec<DriftSummary>,
    pub fingerprint: String,
    pub errored: bool,
    /// Clear-text values of sensitive variables and marked values: never rendered, only
    /// fed to the redactor. A [`Purpose::Machine`] summary keeps the variables' only.
    /// A [`Purpose::Comment`] summary keeps them as fingerprints only (see
    /// [`crate::redact::SecretList::prints_only`]); the others keep their text.
    pub secret_literals: crate::redact::SecretList,
    /// What was kept; a [`Purpose::Machine`] summary lists destructive resources only.
    pub purpose: Purpose,
    /// Resources worth listing that a [`Purpose::Comment`] summary did not keep.
    pub unlisted: usize,
    /// A [`Purpose::Comment`] summary's destructive changes by kind and resource type,
    /// kept ones included (empty for other purposes: [`Summary::destructive_by_type`]).
    pub destructive_types: std::collections::BTreeMap<(ChangeKind, String), usize>,
    /// fmt/validate, policy and cost results, filled in after the plan is read.
    pub review: crate::review::Review,
}

/// `module.a["k"].module.b[0].aws_instance.web["x.y"]` -> `aws_instance`: instance keys
/// (which may hold dots and brackets inside quotes) are dropped before the address is split.
pub fn resource_type(address: &str) -> String {
    if !address.contains('[') {
        // No instance key to drop (most addresses): split the address itself.
        return type_part(address).to_string();
    }
    let mut without_keys = String::with_capacity(address.len());
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for c in address.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '"' if depth > 0 => in_string = true,
            _ if depth == 0 => without_keys.push(c),
            _ => {}
        }
    }
    type_part(&without_keys).to_string()
}

/// The type in an address without instance keys: the part after the `module.NAME` pairs
/// and `data`, or the whole address when there is none.
fn type_part(without_keys: &str) -> &str {
    let mut parts = without_keys.split('.').peekable();
    let mut part = parts.next();
    while part == Some("module") {
        // `module` is the type only when nothing follows it.
        if parts.peek().is_none() {
            break;
        }
        parts.next();
        part = parts.next();
    }
    if part == Some("data") {
        part = parts.next();
    }
    part.filter(|s| !s.is_empty()).unwrap_or(without_keys)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Summary {
    /// Each changing resource's address key -> (address, change digest); what the
    /// plan-change gate compares with the reviewed plan.
    pub fn change_digests(&self) -> std::collections::BTreeMap<String, (String, String)> {
        debug_assert_eq!(
            self.purpose,
            Purpose::Review,
            "a machine summary lists destructive changes only"
        );
        self.resources
            .iter()
            .filter(|r| r.kind != ChangeKind::NoOp)
            .map(|r| (r.address_key(), (r.address.clone(), r.digest_hex())))
            .collect()
    }

    pub fn has_changes(&self) -> bool {
        self.counts.changing() > 0 || !self.outputs.is_empty()
    }

    pub fn outputs_changed(&self) -> usize {
        self.outputs.len()
    }

    /// Deletes, replaces and forgets, most severe first: the warning block.
    pub fn destructive(&self) -> impl Iterator<Item = &ResourceSummary> {
        let mut list: Vec<&ResourceSummary> = self
            .resources
            .iter()
            .filter(|r| r.kind.is_destructive())
            .collect();
        list.sort_by_key(|r| r.kind);
        list.into_iter()
    }

    /// How many resources are worth listing, kept or not.
    pub fn listed(&self) -> usize {
        self.resources.len() + self.unlisted
    }

    /// Destructive changes counted by kind and resource type (see [`resource_type`]).
    pub fn destructive_by_type(&self) -> std::collections::BTreeMap<(ChangeKind, String), usize> {
        if matches!(self.purpose, Purpose::Comment(_)) {
            return self.destructive_types.clone();
        }
        let mut groups = std::collections::BTreeMap::new();
        for r in self.destructive() {
            *groups
                .entry((r.kind, resource_type(&r.address)))
                .or_default() += 1;
        }
        groups
    }

    /// Reads a plan JSON file into a summary; the error names the file.
    pub fn from_file(path: &Path) -> crate::Result<Summary> {
        Summary::from_file_for(path, Purpose::Review)
    }

    /// [`Summary::from_file`], keeping only what `purpose` needs.
    pub fn from_file_for(path: &Path, purpose: Purpose) -> crate::Result<Summary> {
        let mut builder = SummaryBuilder::new(purpose);
        crate::plan::read_plan_file(path, &mut builder).map_err(|message| {
            crate::Error::PlanJson {
                path: path.to_path_buf(),
                message,
            }
        })?;
        Ok(builder.finish())
    }

    pub fn from_reader<R: std::io::Read>(reader: R) -> Result<Summary, String> {
        let mut builder = SummaryBuilder::default();
        crate::plan::read_plan(reader, &mut builder)?;
        Ok(builder.finish())
    }
}
