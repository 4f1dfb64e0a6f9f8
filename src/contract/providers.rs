//! Providers a pull request may bring into a plan.
//!
//! A pull request's plan runs its author's Terraform with the plan role, and providers run
//! as code at plan time (their configuration, data sources). A provider that the default
//! branch has never locked is code nobody has reviewed running with AWS credentials, so a
//! pull request plan is refused when its configuration uses a provider missing from the
//! default branch's `.terraform.lock.hcl`, unless `terraform.allowed_new_providers` lists
//! it. [`uses`] and [`locked`] read; [`unlisted`] decides, purely.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use hcl::{Body, Expression, ObjectKey};

/// Local modules are followed this deep (the same bound as the isolation contract's).
const MAX_MODULE_DEPTH: usize = 8;

/// A provider the configuration uses, with the first place it was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderUse {
    /// Full address, e.g. `registry.terraform.io/hashicorp/aws`.
    pub address: String,
    /// File the use was found in, as given to [`uses`].
    pub file: String,
    /// What uses it, e.g. `required_providers "random"` or `resource "random_id"`.
    pub what: String,
}

/// Terraform's provider address of a `source` (`hashicorp/aws`, `aws`, or with a host),
/// lower-cased as Terraform compares them.
pub fn normalize(source: &str) -> String {
    let source = source.trim().to_ascii_lowercase();
    match source.split('/').count() {
        1 => format!("registry.terraform.io/hashicorp/{source}"),
        2 => format!("registry.terraform.io/{source}"),
        _ => source,
    }
}

/// Providers built into Terraform (never in a lock file).
fn builtin(address: &str) -> bool {
    address.starts_with("terraform.io/builtin/")
}

/// The provider addresses a lock file records (`provider "<address>" { ... }` blocks).
pub fn locked(lock_file: &str) -> Result<BTreeSet<String>, String> {
    let body = hcl::parse(lock_file).map_err(|e| e.to_string())?;
    Ok(body
        .blocks()
        .filter(|b| b.identifier() == "provider")
        .filter_map(|b| b.labels().first().map(|l| normalize(l.as_str())))
        .collect())
}

/// The uses whose provider is neither locked on the default branch nor allowed; one per
/// provider (its first use).
pub fn unlisted<'a>(
    uses: &'a [ProviderUse],
    locked: &BTreeSet<String>,
    allowed: &[String],
) -> Vec<&'a ProviderUse> {
    let allowed: BTreeSet<String> = allowed.iter().map(|a| normalize(a)).collect();
    let mut seen = BTreeSet::new();
    uses.iter()
        .filter(|u| !builtin(&u.address))
        .filter(|u| !locked.contains(&u.address) && !allowed.contains(&u.address))
        .filter(|u| seen.insert(u.address.clone()))
        .collect()
}

fn string(expr: &Expression) -> Option<&str> {
    match expr {
        Expression::String(s) => Some(s),
        _ => None,
    }
}

/// Providers used by parsed files: `required_providers` entries, `provider` blocks, and
/// the provider each `resource`/`data` type implies (its first word, e.g. `aws_s3_bucket`
/// -> `aws`), resolved through `required_providers` like Terraform does.
pub fn uses_in(bodies: &[(String, Body)]) -> Vec<ProviderUse> {
    let mut sources = std::collections::BTreeMap::new();
    let mut found = Vec::new();
    for (file, body) in bodies {
        for terraform in body.blocks().filter(|b| b.identifier() == "terraform") {
            for required in terraform
                .body()
                .blocks()
                .filter(|b| b.identifier() == "required_providers")
            {
                for attr in required.body().attributes() {
                    let source = match attr.expr() {
                        Expression::Object(spec) => spec
                            .iter()
                            .find(|(k, _)| {
                                matches!(k, ObjectKey::Identifier(i) if i.as_str() == "source")
                                    || matches!(k, ObjectKey::Expression(Expression::String(s)) if s == "source")
                            })
                            .and_then(|(_, v)| string(v))
                            .map(str::to_string),
                        _ => None,
                    }
                    .unwrap_or_else(|| attr.key().to_string());
                    let address = normalize(&source);
                    sources.insert(attr.key().to_string(), address.clone());
                    found.push(ProviderUse {
                        address,
                        file: file.clone(),
                        what: format!("required_providers \"{}\"", attr.key()),
                    });
                }
            }
        }
    }
    let resolve = |local: &str| {
        sources.get(local).cloned().unwrap_or_else(|| {
            if local == "terraform" {
                "terraform.io/builtin/terraform".to_string()
            } else {
                normalize(local)
            }
        })
    };
    for (file, body) in bodies {
        for block in body.blocks() {
            let kind = block.identifier();
            let Some(label) = block.labels().first().map(|l| l.as_str()) else {
                continue;
            };
            let local = match kind {
                "provider" => label,
                "resource" | "data" | "ephemeral" => label.split('_').next().unwrap_or(label),
                _ => continue,
            };
            found.push(ProviderUse {
                address: resolve(local),
                file: file.clone(),
                what: format!("{kind} \"{label}\""),
            });
        }
    }
    found
}

/// Every provider use in the root `dir` and the local modules it calls (`./`, `../`),
/// files labelled relative to `shown_as`. A file that does not parse is an error: its
/// providers could not be checked.
pub fn uses(dir: &Path, shown_as: &Path) -> Result<Vec<ProviderUse>, String> {
    let mut found = Vec::new();
    let mut visited = BTreeSet::new();
    walk(dir, shown_as, 0, &mut visited, &mut found)?;
    Ok(found)
}

fn walk(
    dir: &Path,
    shown_as: &Path,
    depth: usize,
    visited: &mut BTreeSet<PathBuf>,
    found: &mut Vec<ProviderUse>,
) -> Result<(), String> {
    let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    if depth > MAX_MODULE_DEPTH || !visited.insert(key) {
        return Ok(());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", shown_as.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    files.sort();
    let mut bodies = Vec::new();
    for path in files {
        let Some(name) = path.file_name() else {
            continue;
        };
        let label = shown_as.join(name).display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{label}: {e}"))?;
        let body = hcl::parse(&text).map_err(|e| format!("{label}: {e}"))?;
        bodies.push((label, body));
    }
    found.extend(uses_in(&bodies));
    for (_, body) in &bodies {
        for module in body.blocks().filter(|b| b.identifier() == "module") {
            let Some(source) = module
                .body()
                .attributes()
                .find(|a| a.key() == "source")
                .and_then(|a| string(a.expr()))
            else {
                continue;
            };
            if source.starts_with("./") || source.starts_with("../") {
                walk(
                    &dir.join(source),
                    &shown_as.join(source),
                    depth + 1,
                    visited,
                    found,
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(files: &[(&str, &str)]) -> Vec<(String, Body)> {
        files
            .iter()
            .map(|(name, text)| (name.to_string(), hcl::parse(text).expect("test HCL")))
            .collect()
    }

    #[test]
    fn sources_normalise_like_terraform() {
        assert_eq!(normalize("aws"), "registry.terraform.io/hashicorp/aws");
        assert_eq!(
            normalize("Hashicorp/AWS"),
            "registry.terraform.io/hashicorp/aws"
        );
        assert_eq!(
            normalize("example.com/acme/thing"),
            "example.com/acme/thing"
        );
    }

    #[test]
    fn lock_files_list_their_providers() {
        let lock = "provider \"registry.terraform.io/hashicorp/aws\" {\n  version = \"6.0.0\"\n  hashes = [\"h1:x\"]\n}\n";
        assert_eq!(
            locked(lock).expect("lock"),
            BTreeSet::from(["registry.terraform.io/hashicorp/aws".to_string()])
        );
        assert!(locked("provider {").is_err());
    }

    #[test]
    fn required_providers_provider_blocks_and_resource_types_are_uses() {
        let bodies = parsed(&[
            (
                "versions.tf",
                "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\", version = \">= 6\" }\n    mine = { source = \"acme/custom\" }\n  }\n}\n",
            ),
            (
                "main.tf",
                "provider \"aws\" {}\nresource \"random_id\" \"x\" { byte_length = 4 }\ndata \"mine_thing\" \"y\" {}\nresource \"terraform_data\" \"z\" {}\n",
            ),
        ]);
        let uses = uses_in(&bodies);
        let addresses: BTreeSet<&str> = uses.iter().map(|u| u.address.as_str()).collect();
        assert_eq!(
            addresses,
            BTreeSet::from([
                "registry.terraform.io/hashicorp/aws",
                "registry.terraform.io/acme/custom",
                "registry.terraform.io/hashicorp/random",
                "terraform.io/builtin/terraform",
            ])
        );
        let random = uses
            .iter()
            .find(|u| u.address.ends_with("/random"))
            .expect("random");
        assert_eq!(
            (random.file.as_str(), random.what.as_str()),
            ("main.tf", "resource \"random_id\"")
        );
    }

    #[test]
    fn only_providers_neither_locked_nor_allowed_are_unlisted() {
        let bodies = parsed(&[(
            "main.tf",
            "resource \"aws_s3_bucket\" \"a\" {}\nresource \"random_id\" \"b\" {}\nresource \"random_pet\" \"c\" {}\nresource \"http_thing\" \"d\" {}\nresource \"terraform_data\" \"e\" {}\n",
        )]);
        let uses = uses_in(&bodies);
        let locked = BTreeSet::from(["registry.terraform.io/hashicorp/aws".to_string()]);
        let refused: Vec<&str> = unlisted(&uses, &locked, &["hashicorp/http".to_string()])
            .iter()
            .map(|u| u.what.as_str())
            .collect();
        assert_eq!(refused, ["resource \"random_id\""]);
        assert!(unlisted(&uses, &locked, &["random".into(), "http".into()]).is_empty());
    }
}
