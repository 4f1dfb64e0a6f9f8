//! Sensitive values learned *before* Terraform runs.
//!
//! A plan that fails produces no plan JSON, so the values Terraform would have marked are
//! unknown exactly when its error text is most likely to print one (`x.output is "..."`).
//! The root module's `variable` blocks say which inputs are `sensitive`; their values come
//! from the same places Terraform reads them, in its order: `terraform.tfvars(.json)`,
//! `*.auto.tfvars(.json)` (lexical order), the configured `var_files`, and `TF_VAR_<name>`.
//! Every string and number leaf of those values joins the redactor. Defaults count too:
//! a sensitive default is as secret as a value from a file.
//!
//! A sensitive variable set by an expression Terraform will refuse in a var file
//! (`trimspace("...")`) still has its literal strings learned, since Terraform quotes the
//! line when it refuses it; a file that does not parse at all is untrusted, and every one of
//! its lines is learned.

mod declared;
pub mod links;
mod values;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use declared::sensitive_variables;
pub use values::{leaves, tfvars_strings, tfvars_values};

/// The clear-text secrets of the root module in `dir` with the extra `var_files`: every
/// scalar leaf of every variable declared `sensitive = true`.
pub fn learn(
    dir: &Path,
    var_files: &[PathBuf],
    vars: &std::collections::BTreeMap<String, String>,
) -> Vec<String> {
    let declared = read_declarations(dir);
    if declared.is_empty() {
        return Vec::new();
    }
    let mut secrets = BTreeSet::new();
    for default in declared.values().flatten() {
        secrets.extend(leaves(default));
    }
    for file in var_file_order(dir, var_files) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let json = file.extension().is_some_and(|e| e == "json");
        match tfvars_strings(&text, json) {
            Some(assignments) => {
                for (name, strings) in assignments {
                    if declared.contains_key(&name) {
                        secrets.extend(strings);
                    }
                }
            }
            // Terraform will reject the file and quote its lines: none may be printed.
            None => secrets.extend(untrusted_lines(&text)),
        }
    }
    for (key, value) in vars {
        if let Some(name) = key.strip_prefix("TF_VAR_")
            && declared.contains_key(name)
        {
            secrets.insert(value.clone());
        }
    }
    secrets.into_iter().collect()
}

/// A file that does not parse is untrusted: each of its lines (trimmed), and the value
/// side of each `name = value` line, is a secret.
fn untrusted_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        out.push(line.to_string());
        if let Some((_, value)) = line.split_once('=') {
            let value = value.trim();
            out.push(value.to_string());
            out.push(value.trim_matches('"').to_string());
        }
    }
    out
}

/// Sensitive variables of every `*.tf` file in `dir`, with their defaults.
fn read_declarations(dir: &Path) -> std::collections::BTreeMap<String, Option<serde_json::Value>> {
    let mut found = std::collections::BTreeMap::new();
    for file in files_ending(dir, ".tf") {
        if let Ok(text) = std::fs::read_to_string(&file) {
            found.extend(sensitive_variables(&text));
        }
    }
    found
}

/// Terraform's order of variable definition files.
fn var_file_order(dir: &Path, var_files: &[PathBuf]) -> Vec<PathBuf> {
    let mut order: Vec<PathBuf> = ["terraform.tfvars", "terraform.tfvars.json"]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .collect();
    let mut auto = files_ending(dir, ".auto.tfvars");
    auto.extend(files_ending(dir, ".auto.tfvars.json"));
    auto.sort();
    order.extend(auto);
    order.extend(var_files.iter().cloned());
    order
}

fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().ends_with(suffix))
        })
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_from_every_source_terraform_reads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::write(
            d.join("variables.tf"),
            "variable \"pw\" {\n  sensitive = true\n}\nvariable \"key\" {\n  type = string\n  sensitive = true\n  default = \"default-secret\"\n}\nvariable \"region\" {}\nvariable \"auto\" {\n  sensitive = true\n}\nvariable \"extra\" {\n  sensitive = true\n}\n",
        )
        .expect("tf");
        std::fs::write(
            d.join("terraform.tfvars"),
            "pw = \"from-tfvars\"\nregion = \"us-east-1\"\n",
        )
        .expect("tfvars");
        std::fs::write(
            d.join("b.auto.tfvars.json"),
            r#"{"auto": {"k": ["from-auto-json"]}}"#,
        )
        .expect("auto");
        std::fs::write(
            d.join("x.tfvars"),
            "extra = <<EOT\n-----BEGIN-----\nline-two\nEOT\n",
        )
        .expect("x");
        let learned = learn(d, &[d.join("x.tfvars")], &Default::default());
        for want in [
            "from-tfvars",
            "default-secret",
            "from-auto-json",
            "-----BEGIN-----\nline-two\n",
        ] {
            assert!(learned.iter().any(|l| l == want), "{want}: {learned:?}");
        }
        assert!(!learned.iter().any(|l| l == "us-east-1"), "{learned:?}");
    }
}
