//! Reads the facts the isolation rules need from one environment directory.

use hcl::eval::{Context, Evaluate};
use hcl::{Block, Body, Expression, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::REQUIRED_FILES;

/// The S3 backend settings that matter for isolation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backend {
    /// Backend type, e.g. `s3`.
    pub kind: String,
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub encrypt: Option<bool>,
    pub use_lockfile: Option<bool>,
    pub dynamodb_table: Option<String>,
}

/// What one environment root declares. `None` means "could not be determined", which
/// the rules report rather than guess.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvFacts {
    pub name: String,
    pub dir: PathBuf,
    pub missing_files: Vec<&'static str>,
    /// Files that exist but do not parse, with the parser's message.
    pub parse_errors: Vec<(String, String)>,
    pub backend: Option<Backend>,
    /// The `cidr` given to the VPC module.
    pub vpc_cidr: Option<String>,
    /// The `name` given to the EKS module.
    pub cluster_name: Option<String>,
    pub required_version: Option<String>,
    /// Provider local name -> `source version` constraint.
    pub providers: BTreeMap<String, String>,
    /// Everything in the root that creates IAM roles (the VPC and EKS module calls,
    /// `aws_iam_role` resources), with the permissions boundary it passes.
    pub role_creators: Vec<RoleCreator>,
    /// `local.apply_role_arn`: the apply role the root makes cluster admin.
    pub apply_role_arn: Option<String>,
    /// From the config, not the directory: the account the environment must live in.
    pub account: Option<EnvAccount>,
}

/// An environment's `account_id` in the config and the role ARNs the config gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvAccount {
    pub account_id: String,
    /// The config file, for messages.
    pub config_file: String,
    /// (`plan_role` or `apply_role`, ARN) as configured.
    pub roles: Vec<(&'static str, String)>,
}

/// One module call or resource that creates IAM roles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleCreator {
    /// `module "eks"` or `resource "aws_iam_role" "x"`, as written in the file.
    pub what: String,
    /// The file it is declared in.
    pub file: String,
    /// Whether a `permissions_boundary` argument is written at all.
    pub has_boundary: bool,
    /// Its value, when it evaluates to a string.
    pub boundary: Option<String>,
}

/// Reads every `.tf` file and `terraform.tfvars` of `dir`.
pub fn read(name: &str, dir: &Path) -> EnvFacts {
    let mut facts = EnvFacts {
        name: name.to_string(),
        dir: dir.to_path_buf(),
        ..Default::default()
    };
    facts.missing_files = REQUIRED_FILES
        .iter()
        .copied()
        .filter(|f| !dir.join(f).is_file())
        .collect();

    let mut bodies = Vec::new();
    let mut tf_files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "tf"))
                .collect()
        })
        .unwrap_or_default();
    tf_files.sort();
    for path in &tf_files {
        if let Some(body) = parse_file(path, &mut facts) {
            let file = path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            bodies.push((file, body));
        }
    }
    let tfvars = dir.join("terraform.tfvars");
    let tfvars = if tfvars.is_file() {
        parse_file(&tfvars, &mut facts)
    } else {
        None
    };

    let only_bodies: Vec<Body> = bodies.iter().map(|(_, b)| b.clone()).collect();
    let ctx = context(&only_bodies, tfvars.as_ref());
    for (file, body) in &bodies {
        for block in body.blocks() {
            match block.identifier() {
                "terraform" => read_terraform_block(block.body(), &ctx, &mut facts),
                "module" => read_module(block, file, &ctx, &mut facts),
                "resource" => read_resource(block, file, &ctx, &mut facts),
                _ => {}
            }
        }
    }
    facts.apply_role_arn = ctx_local_string(&ctx, "apply_role_arn");
    facts
}

fn parse_file(path: &Path, facts: &mut EnvFacts) -> Option<Body> {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            facts.parse_errors.push((file, e.to_string()));
            return None;
        }
    };
    match hcl::parse(&text) {
        Ok(body) => Some(body),
        Err(e) => {
            facts.parse_errors.push((file, e.to_string()));
            None
        }
    }
}

/// `var.*` from variable defaults overridden by terraform.tfvars, and `local.*` evaluated
/// in dependency order (a local that cannot be evaluated is left out).
fn context(bodies: &[Body], tfvars: Option<&Body>) -> Context<'static> {
    let mut vars = hcl::Map::new();
    for body in bodies {
        for block in body.blocks().filter(|b| b.identifier() == "variable") {
            let (Some(label), Some(default)) =
                (block.labels().first(), attribute(block.body(), "default"))
            else {
                continue;
            };
            if let Ok(value) = default.evaluate(&Context::new()) {
                vars.insert(label.as_str().to_string(), value);
            }
        }
    }
    if let Some(tfvars) = tfvars {
        for attr in tfvars.attributes() {
            if let Ok(value) = attr.expr().evaluate(&Context::new()) {
                vars.insert(attr.key().to_string(), value);
            }
        }
    }
    let locals_exprs: Vec<(String, Expression)> = bodies
        .iter()
        .flat_map(|b| b.blocks().filter(|b| b.identifier() == "locals"))
        .flat_map(|b| {
            b.body()
                .attributes()
                .map(|a| (a.key().to_string(), a.expr().clone()))
        })
        .collect();
    let mut locals = hcl::Map::new();
    // Each pass resolves at least one more local, or stops.
    loop {
        let mut ctx = Context::new();
        ctx.declare_var("var", Value::Object(vars.clone()));
        ctx.declare_var("local", Value::Object(locals.clone()));
        let before = locals.len();
        for (name, expr) in &locals_exprs {
            if !locals.contains_key(name)
                && let Ok(value) = expr.evaluate(&ctx)
            {
                locals.insert(name.clone(), value);
            }
        }
        if locals.len() == before {
            break;
        }
    }
    let mut ctx = Context::new();
    ctx.declare_var("var", Value::Object(vars));
    ctx.declare_var("local", Value::Object(locals));
    ctx
}

fn attribute<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.attributes().find(|a| a.key() == key).map(|a| a.expr())
}

fn eval_string(body: &Body, key: &str, ctx: &Context) -> Option<String> {
    match attribute(body, key)?.evaluate(ctx).ok()? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn eval_bool(body: &Body, key: &str, ctx: &Context) -> Option<bool> {
    match attribute(body, key)?.evaluate(ctx).ok()? {
        Value::Bool(b) => Some(b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn read_terraform_block(body: &Body, ctx: &Context, facts: &mut EnvFacts) {
    if let Some(version) = eval_string(body, "required_version", ctx) {
        facts.required_version = Some(version);
    }
    for block in body.blocks() {
        match block.identifier() {
            "backend" => read_backend(block, ctx, facts),
            "required_providers" => {
                for attr in block.body().attributes() {
                    if let Ok(Value::Object(spec)) = attr.expr().evaluate(ctx) {
                        let text = |k: &str| {
                            spec.get(k)
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_string()
                        };
                        facts.providers.insert(
                            attr.key().to_string(),
                            format!("{} {}", text("source"), text("version"))
                                .trim()
                                .to_string(),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

fn read_backend(block: &Block, ctx: &Context, facts: &mut EnvFacts) {
    let body = block.body();
    facts.backend = Some(Backend {
        kind: block
            .labels()
            .first()
            .map(|l| l.as_str().to_string())
            .unwrap_or_default(),
        bucket: eval_string(body, "bucket", ctx),
        key: eval_string(body, "key", ctx),
        encrypt: eval_bool(body, "encrypt", ctx),
        use_lockfile: eval_bool(body, "use_lockfile", ctx),
        dynamodb_table: eval_string(body, "dynamodb_table", ctx),
    });
}

/// A local's string value, read back by evaluating `local.NAME`.
fn ctx_local_string(ctx: &Context, name: &str) -> Option<String> {
    let expr: Expression = format!("local.{name}").parse::<hcl::Expression>().ok()?;
    match expr.evaluate(ctx).ok()? {
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn role_creator(what: String, file: &str, body: &Body, ctx: &Context) -> RoleCreator {
    RoleCreator {
        what,
        file: file.to_string(),
        has_boundary: attribute(body, "permissions_boundary").is_some(),
        boundary: eval_string(body, "permissions_boundary", ctx),
    }
}

/// `aws_iam_role` resources declared in the root itself.
fn read_resource(block: &Block, file: &str, ctx: &Context, facts: &mut EnvFacts) {
    let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
    if let [kind @ "aws_iam_role", name] = labels.as_slice() {
        facts.role_creators.push(role_creator(
            format!("resource \"{kind}\" \"{name}\""),
            file,
            block.body(),
            ctx,
        ));
    }
}

/// The VPC and EKS modules are recognised by their source path (`.../modules/vpc`).
/// Both create IAM roles (flow logs; control plane and nodes).
fn read_module(block: &Block, file: &str, ctx: &Context, facts: &mut EnvFacts) {
    let body = block.body();
    let source = eval_string(body, "source", ctx).unwrap_or_default();
    let kind = source
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    match kind {
        "vpc" => facts.vpc_cidr = eval_string(body, "cidr", ctx),
        "eks" => facts.cluster_name = eval_string(body, "name", ctx),
        _ => {}
    }
    if matches!(kind, "vpc" | "eks") {
        let label = block.labels().first().map(|l| l.as_str()).unwrap_or("");
        facts
            .role_creators
            .push(role_creator(format!("module \"{label}\""), file, body, ctx));
    }
}
