//! The committed, dated price sheet (`cost/aws-prices.yaml`): money is read from decimal
//! text into integer micro-dollars, so totals add up exactly (no float rounding drift).

use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, BTreeSet};

/// The sheet shipped with tfpromote; `cost.prices` in the config names another.
pub const BUILT_IN: &str = include_str!("../../cost/aws-prices.yaml");

/// An amount in millionths of a dollar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Money(pub i64);

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_money(&text).map(Money).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid price {text:?}: write a decimal number of dollars in quotes, such as \"0.045\""
            ))
        })
    }
}

/// `"0.045"` -> 45_000 micro-dollars; at most 6 decimals.
pub fn parse_money(text: &str) -> Option<i64> {
    let (whole, frac) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if whole.is_empty()
        || frac.len() > 6
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().ok()?
    };
    whole.checked_mul(1_000_000)?.checked_add(frac)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceSheet {
    pub source: String,
    pub date: String,
    pub currency: String,
    pub hours_per_month: i64,
    pub regions: BTreeMap<String, RegionPrices>,
    #[serde(default)]
    pub free: BTreeSet<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionPrices {
    pub nat_gateway_hour: Money,
    pub eks_cluster_hour: Money,
    pub public_ipv4_hour: Money,
    pub ebs_gb_month: BTreeMap<String, Money>,
    pub rds_storage_gb_month: BTreeMap<String, Money>,
    pub prometheus_workspace_month: Money,
    pub instance_hour: BTreeMap<String, Money>,
    pub db_instance_hour: BTreeMap<String, Money>,
}

impl PriceSheet {
    pub fn parse(text: &str, name: &str) -> Result<PriceSheet, String> {
        serde_yaml::from_str(text).map_err(|e| format!("price sheet {name}: {e}"))
    }

    pub fn built_in() -> PriceSheet {
        // Checked by a unit test: the shipped sheet always parses.
        PriceSheet::parse(BUILT_IN, "cost/aws-prices.yaml").unwrap_or_else(|_| PriceSheet {
            source: String::new(),
            date: String::new(),
            currency: "USD".into(),
            hours_per_month: 730,
            regions: BTreeMap::new(),
            free: BTreeSet::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_exact() {
        assert_eq!(parse_money("0.045"), Some(45_000));
        assert_eq!(parse_money("12"), Some(12_000_000));
        assert_eq!(parse_money("1.0000001"), None);
        assert_eq!(parse_money("-1"), None);
        assert_eq!(parse_money("1e3"), None);
    }

    #[test]
    fn the_shipped_sheet_parses_and_is_dated() {
        let sheet = PriceSheet::parse(BUILT_IN, "built-in").expect("parses");
        assert!(!sheet.source.is_empty() && sheet.date.len() == 10);
        assert!(sheet.regions.contains_key("us-east-1"));
    }
}
