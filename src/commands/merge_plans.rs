//! Many roots as a GitHub Actions matrix: each matrix job plans its environment (root)
//! with `plan --env X --records-out FILE`, signing its records as any pull-request plan
//! does, and uploads the file; one final job downloads them all and runs `merge-plans`,
//! which writes every record into the one tracker comment in a single update. GitHub
//! Actions schedules the fan-out; the tracker is written by one job, so matrix jobs never
//! race each other's edits.

use std::collections::BTreeSet;
use std::path::Path;

use crate::cli::MergePlansArgs;
use crate::config::Config;
use crate::context::Context;
use crate::github::publish;
use crate::tracker::EnvRecord;
use crate::{Error, Result};

type Records = Vec<(String, EnvRecord, String)>;

/// Writes a matrix job's records (its environments' rows, signed facts and sections).
pub fn write_records(path: &Path, records: &Records) -> Result<()> {
    let text = serde_json::to_string(records)
        .map_err(|e| Error::Usage(format!("cannot encode the plan records: {e}")))?;
    crate::actions::write_file(path, &text)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    crate::say!(
        "tfpromote: wrote {} plan record(s) to {} for the merge job",
        records.len(),
        path.display()
    );
    Ok(())
}

/// Every records file in `dir` (sorted by name), checked: each environment once, each one
/// in the config. Pure but for reading the files.
pub fn read_records(config: &Config, dir: &Path) -> Result<Records> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| {
            Error::io(
                format!("cannot read the records directory {}", dir.display()),
                e,
            )
        })?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "{} holds no .json records file: download every matrix job's `plan --records-out` file there first",
            dir.display()
        )));
    }
    let known: BTreeSet<&str> = config
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let mut seen = BTreeSet::new();
    let mut all = Records::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| Error::io(format!("cannot read {}", file.display()), e))?;
        let records: Records = serde_json::from_str(&text).map_err(|e| {
            Error::Usage(format!(
                "{}: not a records file written by `plan --records-out` ({})",
                file.display(),
                crate::error::json_error_shape(&e)
            ))
        })?;
        for (env, record, section) in records {
            if !known.contains(env.as_str()) {
                return Err(Error::Usage(format!(
                    "{}: environment {env:?} is not in the config: was it planned with another tfpromote.yaml?",
                    file.display()
                )));
            }
            if !seen.insert(env.clone()) {
                return Err(Error::Usage(format!(
                    "{}: environment {env:?} is in more than one records file: give each matrix job its own environments",
                    file.display()
                )));
            }
            all.push((env, record, section));
        }
    }
    Ok(all)
}

pub async fn run(config: &Config, context: &Context, args: &MergePlansArgs) -> Result<()> {
    let records = read_records(config, &args.records)?;
    let comment = match publish::publish_plans(config, context, &records).await {
        Some((_, body)) => body,
        None => publish::standalone_body(config, &records),
    };
    match &args.comment_file {
        Some(path) => crate::actions::write_file(path, &comment)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e)),
        None => {
            crate::out!("{comment}");
            Ok(())
        }
    }
}
