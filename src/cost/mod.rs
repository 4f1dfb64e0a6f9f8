//! Cost delta of a plan: the monthly price of every priced resource after the change minus
//! before it, from a committed, dated price sheet ([`sheet`]). Pure: facts in, report out.
//! A resource type that is neither priced nor known to be free is listed as not priced.

pub mod sheet;

/// The `cost:` section of `tfpromote.yaml`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CostSettings {
    /// Show the cost delta (default true).
    pub enabled: bool,
    /// Another price sheet (same format as `cost/aws-prices.yaml`), relative to the config.
    pub prices: Option<std::path::PathBuf>,
}

impl Default for CostSettings {
    fn default() -> Self {
        CostSettings {
            enabled: true,
            prices: None,
        }
    }
}

use serde_json::Value;
use std::collections::BTreeMap;

use crate::policy::changes::{Change, Gathered, Side};
use crate::policy::facts::ResourceFacts;
use sheet::{PriceSheet, RegionPrices};

/// One priced change: `+$32.85` for a new NAT gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostLine {
    pub address: String,
    /// What was priced, e.g. `node group: 2 × t3.large`.
    pub what: String,
    pub delta_micros: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostReport {
    /// The monthly change, in millionths of a dollar.
    pub delta_micros: i64,
    /// Largest changes first.
    pub lines: Vec<CostLine>,
    /// (resource type, how many changing resources of it) the sheet has no price for.
    pub unpriced: Vec<(String, usize)>,
    /// The sheet's region and date, for the reader: `us-east-1, 2026-12-06`.
    pub sheet: String,
}

/// `64_800_000` -> `+$64.80` (`signed`) or `$64.80`; rounded to the cent.
pub fn dollars(micros: i64, signed: bool) -> String {
    let cents = (micros.abs() + 5_000) / 10_000;
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = match (signed, micros < 0 && cents > 0) {
        (_, true) => "-",
        (true, false) => "+",
        (false, false) => "",
    };
    format!("{sign}${grouped}.{:02}", cents % 100)
}

/// What one resource costs a month in this state (`values`), or why it cannot be priced.
enum Price {
    Free,
    Priced(String, i64),
    Unpriced,
}

fn text<'a>(values: &'a Value, key: &str) -> Option<&'a str> {
    values.get(key).and_then(Value::as_str)
}

fn number(values: &Value, key: &str) -> Option<i64> {
    values.get(key).and_then(Value::as_i64)
}

/// The resource types `price` can put a price on, and the top-level attributes it reads
/// of each: only these are gathered from the plan for the estimate (every other type is
/// free or not priced whatever its values say).
pub const PRICED: &[(&str, &[&str])] = &[
    ("aws_nat_gateway", &[]),
    ("aws_eks_cluster", &[]),
    ("aws_eip", &[]),
    ("aws_prometheus_workspace", &[]),
    ("aws_eks_node_group", &["instance_types", "scaling_config"]),
    ("aws_instance", &["instance_type"]),
    ("aws_ebs_volume", &["type", "size"]),
    (
        "aws_db_instance",
        &[
            "instance_class",
            "storage_type",
            "multi_az",
            "allocated_storage",
        ],
    ),
];

/// The attributes the estimate reads of a resource of type `kind`, if it can price it.
pub fn priced_attributes(kind: &str) -> Option<&'static [&'static str]> {
    PRICED
        .iter()
        .find(|(priced, _)| *priced == kind)
        .map(|(_, attributes)| *attributes)
}

fn price(kind: &str, values: &Value, p: &RegionPrices, hours: i64, sheet: &PriceSheet) -> Price {
    if priced_attributes(kind).is_none() {
        return if sheet.free.contains(kind) {
            Price::Free
        } else {
            Price::Unpriced
        };
    }
    match kind {
        "aws_nat_gateway" => Price::Priced("NAT gateway".into(), p.nat_gateway_hour.0 * hours),
        "aws_eks_cluster" => Price::Priced("EKS control plane".into(), p.eks_cluster_hour.0 * hours),
        "aws_eip" => Price::Priced("Elastic IP (public IPv4)".into(), p.public_ipv4_hour.0 * hours),
        "aws_prometheus_workspace" => Price::Priced(
            "Managed Prometheus workspace (no fixed fee; ingestion and storage are usage-based, not estimated)".into(),
            p.prometheus_workspace_month.0,
        ),
        "aws_eks_node_group" => {
            let instance = values
                .get("instance_types")
                .and_then(Value::as_array)
                .and_then(|types| types.first())
                .and_then(Value::as_str);
            let desired = values
                .get("scaling_config")
                .and_then(Value::as_array)
                .and_then(|c| c.first())
                .and_then(|c| number(c, "desired_size"));
            match (instance, desired) {
                (Some(instance), Some(n)) => match p.instance_hour.get(instance) {
                    Some(hourly) => Price::Priced(
                        format!("node group: {n} × {instance}{}", gpu_note(instance)),
                        hourly.0 * hours * n,
                    ),
                    None => Price::Unpriced,
                },
                _ => Price::Unpriced,
            }
        }
        "aws_instance" => match text(values, "instance_type").and_then(|t| p.instance_hour.get(t).map(|h| (t, h))) {
            Some((instance, hourly)) => Price::Priced(
                format!("instance {instance}{}", gpu_note(instance)),
                hourly.0 * hours,
            ),
            None => Price::Unpriced,
        },
        "aws_ebs_volume" => {
            let volume = text(values, "type").unwrap_or("gp3");
            match (number(values, "size"), p.ebs_gb_month.get(volume)) {
                (Some(gb), Some(per_gb)) => {
                    Price::Priced(format!("EBS {volume} {gb} GB"), per_gb.0 * gb)
                }
                _ => Price::Unpriced,
            }
        }
        "aws_db_instance" => {
            let class = text(values, "instance_class");
            let storage = text(values, "storage_type").unwrap_or("gp2");
            let copies = if values.get("multi_az").and_then(Value::as_bool) == Some(true) { 2 } else { 1 };
            let gb = number(values, "allocated_storage").unwrap_or(0);
            match (class.and_then(|c| p.db_instance_hour.get(c).map(|h| (c, h))), p.rds_storage_gb_month.get(storage)) {
                (Some((class, hourly)), Some(per_gb)) => Price::Priced(
                    format!(
                        "RDS {class}{}, {gb} GB {storage}",
                        if copies == 2 { " Multi-AZ" } else { "" }
                    ),
                    (hourly.0 * hours + per_gb.0 * gb) * copies,
                ),
                _ => Price::Unpriced,
            }
        }
        other if sheet.free.contains(other) => Price::Free,
        _ => Price::Unpriced,
    }
}

fn gpu_note(instance: &str) -> &'static str {
    if instance.starts_with('g') || instance.starts_with('p') {
        " (GPU)"
    } else {
        ""
    }
}

/// The monthly cost change of `resources` in `region`.
pub fn estimate(sheet: &PriceSheet, region: &str, resources: &[ResourceFacts]) -> CostReport {
    estimate_gathered(sheet, region, &Gathered::from_facts(resources))
}

/// [`estimate`] over the changes gathered in the render's own pass over the plan: each
/// distinct change is priced once, for every resource that shares it.
pub fn estimate_gathered(sheet: &PriceSheet, region: &str, gathered: &Gathered) -> CostReport {
    let label = format!("{region}, {}", sheet.date);
    let Some(prices) = sheet.regions.get(region) else {
        let mut unpriced: BTreeMap<String, usize> = BTreeMap::new();
        for (change, members) in gathered.groups() {
            if changes(change) {
                *unpriced.entry(change.kind.to_string()).or_default() += members.count;
            }
        }
        return CostReport {
            delta_micros: 0,
            lines: Vec::new(),
            unpriced: unpriced.into_iter().collect(),
            sheet: format!("{label}; the sheet has no prices for {region}"),
        };
    };
    let hours = sheet.hours_per_month;
    // (line, place in the plan): equal changes are listed in plan order.
    let mut lines: Vec<(CostLine, usize)> = Vec::new();
    let mut unpriced: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0i64;
    for (change, members) in gathered.groups() {
        if !changes(change) {
            continue;
        }
        let side = |side: &Side| match side {
            Side::Null => Price::Free,
            values => price(
                &change.kind,
                &values.view(&None).to_json(),
                prices,
                hours,
                sheet,
            ),
        };
        match (side(&change.before), side(&change.after)) {
            (Price::Unpriced, _) | (_, Price::Unpriced) => {
                *unpriced.entry(change.kind.to_string()).or_default() += members.count;
            }
            (Price::Free, Price::Free) => {}
            (before, after) => {
                let (was, was_what) = match before {
                    Price::Priced(what, m) => (m, Some(what)),
                    _ => (0, None),
                };
                let (now, now_what) = match after {
                    Price::Priced(what, m) => (m, Some(what)),
                    _ => (0, None),
                };
                let what = match (was_what, now_what) {
                    (Some(a), Some(b)) if a != b => format!("{a} → {b}"),
                    (_, Some(b)) => b,
                    (Some(a), None) => format!("{a} (removed)"),
                    (None, None) => continue,
                };
                total += (now - was) * members.count as i64;
                if now != was || change.has_action("delete") {
                    lines.extend(members.resources.iter().map(|(place, address)| {
                        let line = CostLine {
                            address: address.to_string(),
                            what: what.clone(),
                            delta_micros: now - was,
                        };
                        (line, *place)
                    }));
                }
            }
        }
    }
    lines.sort_by(|(a, a_place), (b, b_place)| {
        b.delta_micros
            .abs()
            .cmp(&a.delta_micros.abs())
            .then(a.address.cmp(&b.address))
            .then(a_place.cmp(b_place))
    });
    CostReport {
        delta_micros: total,
        lines: lines.into_iter().map(|(line, _)| line).collect(),
        unpriced: unpriced.into_iter().collect(),
        sheet: label,
    }
}

/// Managed resources whose change can move money (reads and no-ops cannot).
fn changes(change: &Change) -> bool {
    change.mode == "managed"
        && change
            .actions
            .iter()
            .any(|a| a == "create" || a == "delete" || a == "update")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_round_to_the_cent_with_a_sign() {
        assert_eq!(dollars(64_800_000, true), "+$64.80");
        assert_eq!(dollars(-32_850_000, true), "-$32.85");
        assert_eq!(dollars(1_234_567_890, false), "$1,234.57");
        assert_eq!(dollars(0, true), "+$0.00");
        assert_eq!(dollars(-4_000, true), "+$0.00");
    }
}
