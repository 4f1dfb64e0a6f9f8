//! `tfpromote render`: summarise a plan JSON file offline.

use crate::cli::{Format, RenderArgs};
use crate::redact::Redactor;
use crate::render::{json, markdown};
use crate::summary::Summary;

pub fn run(args: &RenderArgs) -> crate::Result<()> {
    let summary = Summary::from_file(&args.plan_json)?;
    let mut redactor = Redactor::default();
    redactor.add_env_values(&[]);
    redactor.add_literals(summary.secret_literals.iter().cloned());
    let text = match args.format {
        Format::Json => json::render(&summary),
        Format::Markdown => markdown::environment_block(&args.env, &summary, args.budget),
    };
    println!("{}", redactor.redact(&text));
    Ok(())
}
