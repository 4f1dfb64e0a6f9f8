//! `tfpromote credentials --env NAME [--role plan|apply] [--export github-env]`: assume an
//! environment's role through GitHub OIDC and STS, show who we became, and optionally hand
//! the credentials to later steps of the job.

use crate::actions;
use crate::aws::{self, RoleKind};
use crate::cli::{CredentialsArgs, Export};
use crate::config::Config;
use crate::context::Context;
use crate::{Error, Result};

pub async fn run(config: &Config, context: &Context, args: &CredentialsArgs) -> Result<()> {
    let env = &super::environment(config, &args.env)?;
    let export = args.export == Some(Export::GithubEnv);
    // Refuse before any network call: exporting is the point of the step.
    if export && context.actions.env.is_none() {
        return Err(Error::Usage(
            "--export github-env needs $GITHUB_ENV, which only GitHub Actions sets: \
             run this inside a workflow step, or drop --export"
                .into(),
        ));
    }
    let role_name = role_key(args.role);
    let Some(creds) = aws::credentials_for(config, context, env, args.role).await? else {
        crate::out!(
            "environment {} has no {role_name}: Terraform uses the ambient AWS credentials; nothing to assume",
            env.name
        );
        return Ok(());
    };
    let role = args.role.role_of(env).unwrap_or_default();
    crate::out!(
        "assumed {} ({role_name} {role}) for environment {}, expires {}",
        creds.assumed_role_arn,
        env.name,
        creds.expiration
    );
    if export {
        // `aws::assume` has already masked the secret parts in the job log.
        let region = &config.aws.region;
        for (key, value) in aws::terraform_env(&creds, region) {
            actions::set_env(key, &value).map_err(|e| Error::io("cannot write $GITHUB_ENV", e))?;
        }
        crate::out!(
            "exported AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_REGION ({region}) to later steps"
        );
    }
    Ok(())
}

fn role_key(kind: RoleKind) -> &'static str {
    match kind {
        RoleKind::Plan => "plan_role",
        RoleKind::Apply => "apply_role",
    }
}
