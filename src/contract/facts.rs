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
    /// The file that defines it, as seen from the root.
    pub apply_role_file: Option<String>,
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
    /// Who its trust policy lets assume it (roles only; module calls are read inside).
    pub trust: super::trust::Trust,
}

/// Local module calls (`source = "../..."`) are followed this deep: the environment root
/// calls the platform composition, which calls the vpc, eks and feature modules.
const MAX_MODULE_DEPTH: usize = 4;

/// Reads every `.tf` file and `terraform.tfvars` of `dir`, and the local modules it calls,
/// so a role created three modules down is held to the same rules as one in the root.
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

    let bodies = parse_dir(dir, Path::new(""), &mut facts);
    let tfvars = dir.join("terraform.tfvars");
    let tfvars = if tfvars.is_file() {
        parse_file(&tfvars, "terraform.tfvars", &mut facts)
    } else {
        None
    };
    let mut vars = variable_defaults(&bodies);
    if let Some(tfvars) = tfvars {
        for attr in tfvars.attributes() {
            if let Ok(value) = attr.expr().evaluate(&Context::new()) {
                vars.insert(attr.key().to_string(), value);
            }
        }
    }
    read_unit(dir, Path::new(""), &bodies, vars, 0, &mut facts);
    facts
}

/// One module (the root is depth 0), given the values of its input variables.
fn read_unit(
    dir: &Path,
    shown_as: &Path,
    bodies: &[(String, Body)],
    vars: hcl::Map<String, Value>,
    depth: usize,
    facts: &mut EnvFacts,
) {
    let ctx = context(bodies, vars);
    for (file, body) in bodies {
        for block in body.blocks() {
            match block.identifier() {
                // Version constraints are compared between roots only.
                "terraform" if depth == 0 => read_terraform_block(block.body(), &ctx, facts),
                "module" => read_module(dir, shown_as, block, file, &ctx, depth, facts),
                "resource" => read_resource(block, file, &ctx, bodies, facts),
                _ => {}
            }
        }
    }
    if facts.apply_role_arn.is_none()
        && let Some(arn) = ctx_local_string(&ctx, "apply_role_arn")
    {
        facts.apply_role_arn = Some(arn);
        facts.apply_role_file = bodies
            .iter()
            .find(|(_, b)| {
                b.blocks().any(|l| {
                    l.identifier() == "locals"
                        && l.body().attributes().any(|a| a.key() == "apply_role_arn")
                })
            })
            .map(|(file, _)| file.clone());
    }
}

/// Every `.tf` file of `dir` (symlinks followed: environment roots share theirs), parsed,
/// labelled with its path as seen from the environment root.
fn parse_dir(dir: &Path, shown_as: &Path, facts: &mut EnvFacts) -> Vec<(String, Body)> {
    let mut tf_files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "tf"))
                .collect()
        })
        .unwrap_or_default();
    tf_files.sort();
    let mut bodies = Vec::new();
    for path in &tf_files {
        let Some(name) = path.file_name() else {
            continue;
        };
        let file = shown_as.join(name).display().to_string();
        if let Some(body) = parse_file(path, &file, facts) {
            bodies.push((file, body));
        }
    }
    bodies
}

/// `variable` blocks' defaults; variables without one are left out (unknown).
fn variable_defaults(bodies: &[(String, Body)]) -> hcl::Map<String, Value> {
    let mut vars = hcl::Map::new();
    for (_, body) in bodies {
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
    vars
}

fn parse_file(path: &Path, file: &str, facts: &mut EnvFacts) -> Option<Body> {
    let file = file.to_string();
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

/// `var.*` as given, and `local.*` evaluated in dependency order (a local that cannot be
/// evaluated is left out).
fn context(bodies: &[(String, Body)], vars: hcl::Map<String, Value>) -> Context<'static> {
    let locals_exprs: Vec<(String, Expression)> = bodies
        .iter()
        .flat_map(|(_, b)| b.blocks().filter(|b| b.identifier() == "locals"))
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
        trust: super::trust::Trust::NotApplicable,
    }
}

/// `aws_iam_role` resources declared in the root itself.
fn read_resource(
    block: &Block,
    file: &str,
    ctx: &Context,
    bodies: &[(String, Body)],
    facts: &mut EnvFacts,
) {
    let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
    if let [kind @ "aws_iam_role", name] = labels.as_slice() {
        let mut creator = role_creator(
            format!("resource \"{kind}\" \"{name}\""),
            file,
            block.body(),
            ctx,
        );
        creator.trust = super::trust::read(block.body(), bodies);
        facts.role_creators.push(creator);
    }
}

/// The VPC and EKS modules are recognised by their source path (`.../modules/vpc`): both
/// create IAM roles (flow logs; control plane and nodes) and must be given the boundary.
/// Any other local module is read in turn, with its inputs evaluated here.
fn read_module(
    dir: &Path,
    shown_as: &Path,
    block: &Block,
    file: &str,
    ctx: &Context,
    depth: usize,
    facts: &mut EnvFacts,
) {
    let body = block.body();
    let source = eval_string(body, "source", ctx).unwrap_or_default();
    let kind = source
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    let label = block.labels().first().map(|l| l.as_str()).unwrap_or("");
    match kind {
        "vpc" => facts.vpc_cidr = eval_string(body, "cidr", ctx),
        "eks" => facts.cluster_name = eval_string(body, "name", ctx),
        _ => {}
    }
    if matches!(kind, "vpc" | "eks") {
        facts
            .role_creators
            .push(role_creator(format!("module \"{label}\""), file, body, ctx));
        return;
    }
    let local = source.starts_with("./") || source.starts_with("../");
    if !local || depth >= MAX_MODULE_DEPTH {
        return;
    }
    let module_dir = dir.join(&source);
    let module_shown = shown_as.join(&source);
    if !module_dir.is_dir() {
        facts.parse_errors.push((
            file.to_string(),
            format!("module \"{label}\": source {source:?} is not a directory"),
        ));
        return;
    }
    let bodies = parse_dir(&module_dir, &module_shown, facts);
    let mut vars = variable_defaults(&bodies);
    for attr in body.attributes() {
        if matches!(
            attr.key(),
            "source" | "version" | "providers" | "count" | "for_each" | "depends_on"
        ) {
            continue;
        }
        match attr.expr().evaluate(ctx) {
            // A null argument leaves a `nullable = false` variable at its default.
            Ok(Value::Null) if vars.contains_key(attr.key()) => {}
            Ok(value) => {
                vars.insert(attr.key().to_string(), value);
            }
            Err(_) => {}
        }
    }
    read_unit(&module_dir, &module_shown, &bodies, vars, depth + 1, facts);
}
