//! `tfpromote render`: summarise a plan JSON file offline.

use std::io::Write;
use std::path::Path;

use crate::cli::{Format, RenderArgs};
use crate::config::{self, Config};
use crate::context::Context;
use crate::redact::Redactor;
use crate::render::{json, markdown};
use crate::summary::{Purpose, Summary};

/// `config_path` is the global `--config`: its `redact` settings apply when the file exists
/// too; the default path may be absent, an explicitly named file may not.
pub fn run(args: &RenderArgs, config_path: &Path, context: &Context) -> crate::Result<()> {
    let text = match args.format {
        // Machine output is built from structured data: no attribute value is in it, and
        // its strings (addresses, whose `for_each` keys may be secret) are masked one by
        // one as it is written, so it stays valid JSON. Reading keeps only what this
        // document prints (no per-resource lists beyond destructive changes), and the
        // document is written as it is built.
        Format::Json => {
            let mut summary = Summary::from_file_for(&args.plan_json, Purpose::Machine)?;
            crate::redact::point::adopt(redactor_for(
                settings(config_path)?.as_ref(),
                &mut summary,
                context,
            ));
            return print_json(&summary);
        }
        Format::Markdown => {
            let config = settings(config_path)?;
            let purpose = Purpose::Comment(args.budget);
            // With a config: its policies (from the working tree outside CI) and prices,
            // gathered in the same pass over the plan.
            let mut summary = match &config {
                Some(config) => {
                    let setup = crate::review::setup::setup(config, context, &args.env);
                    crate::review::setup::read_with_review(&setup, &args.plan_json, purpose, None)?
                }
                None => Summary::from_file_for(&args.plan_json, purpose)?,
            };
            crate::redact::point::adopt(redactor_for(config.as_ref(), &mut summary, context));
            // Masked once, by the stdout channel.
            markdown::environment_block(&args.env, &summary, args.budget)
        }
    };
    crate::out!("{text}");
    Ok(())
}

fn print_json(summary: &Summary) -> crate::Result<()> {
    let failed = |e| crate::Error::io("cannot write the JSON summary to stdout", e);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    json::write(summary, &mut out).map_err(|e| failed(e.into()))?;
    writeln!(out).map_err(failed)?;
    out.flush().map_err(failed)
}

fn settings(path: &Path) -> crate::Result<Option<Config>> {
    if path == Path::new(config::DEFAULT_PATH) && !path.exists() {
        return Ok(None);
    }
    Ok(Some(config::load_settings(path)?))
}

/// Takes the summary's secret values (nothing renders them): a large plan's are tens of
/// megabytes, not worth a second copy.
fn redactor_for(config: Option<&Config>, summary: &mut Summary, context: &Context) -> Redactor {
    let mut redactor = match config {
        Some(c) => Redactor::new(c.redact.patterns.iter().map(|p| p.0.clone())),
        None => Redactor::default(),
    };
    redactor.add_env_values(
        config.map(|c| c.redact.env.as_slice()).unwrap_or_default(),
        &context.vars,
    );
    redactor.add_list(std::mem::take(&mut summary.secret_literals));
    redactor
}
