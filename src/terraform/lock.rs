//! Recognising "state is locked" in Terraform's error text, so the user gets the lock ID.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockInfo {
    pub id: String,
    pub who: Option<String>,
}

/// Terraform prints a `Lock Info:` block with `ID:` and `Who:` lines when it cannot acquire
/// the state lock (all backends, S3 lockfiles included).
pub fn parse_lock_info(text: &str) -> Option<LockInfo> {
    if !text.contains("Error acquiring the state lock") && !text.contains("Lock Info:") {
        return None;
    }
    let after = text.split("Lock Info:").nth(1)?;
    let field = |name: &str| {
        after.lines().find_map(|line| {
            let line = line.trim_start_matches(['│', ' ', '\t']).trim();
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        })
    };
    Some(LockInfo {
        id: field("ID")?,
        who: field("Who"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_id_in_boxed_diagnostic() {
        let text = "╷\n│ Error: Error acquiring the state lock\n│ \n│ Error message: operation error S3: PutObject, StatusCode: 412\n│ Lock Info:\n│   ID:        6d1c7d2e-1b0a-4f8e-9a43-7d0c1f0f8c11\n│   Path:      b/dev/terraform.tfstate\n│   Who:       runner@host\n╵\n";
        let info = parse_lock_info(text).expect("lock info");
        assert_eq!(info.id, "6d1c7d2e-1b0a-4f8e-9a43-7d0c1f0f8c11");
        assert_eq!(info.who.as_deref(), Some("runner@host"));
    }

    #[test]
    fn ignores_other_errors() {
        assert_eq!(parse_lock_info("Error: Invalid reference"), None);
    }
}
