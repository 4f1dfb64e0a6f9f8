//! Reads the facts the isolation rules need from one environment directory.

use hcl::eval::{Context, Evaluate};
use hcl::{Block, Body, Expression, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The S3 backend settings that matter for isolation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backend {
    /// Backend type, e.g. `s3`.
    pub kind: String,
    /// The file that declares it.
    pub file: String,
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
    /// Required files (from the config) that the directory lacks.
    pub missing_files: Vec<String>,
    /// Files that exist but do not parse, with the parser's message.
    pub parse_errors: Vec<(String, String)>,
    /// The backend block, with the environment's `backend_config` files merged in.
    pub backend: Option<Backend>,
    pub required_version: Option<String>,
    /// Provider local name -> `source version` constraint.
    pub providers: BTreeMap<String, String>,
    /// The file of the root's `terraform` block (for version messages).
    pub terraform_file: Option<String>,
    /// Every `aws_iam_role` the environment creates, in the root or any local module.
    pub role_creators: Vec<RoleCreator>,
    /// Every module call, at any depth, with the inputs that evaluate to text.
    pub module_calls: Vec<ModuleCall>,
    /// Local module calls whose source directory does not exist.
    pub missing_modules: Vec<ModuleProblem>,
    /// Local module calls whose source leads outside the repository.
    pub outside_modules: Vec<ModuleProblem>,
    /// `locals` that evaluate to text, at any depth (the first definition found wins), with
    /// the file defining each.
    pub locals: BTreeMap<String, (String, String)>,
    /// `terraform_remote_state` data sources: the state each one reads.
    pub remote_state_reads: Vec<RemoteStateRead>,
    /// From the config, not the directory: the account the environment must live in.
    pub account: Option<EnvAccount>,
}

/// One module call as written, where it was found, and its inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleCall {
    pub label: String,
    pub file: String,
    /// The calls that lead to it, outermost first (`module "platform"`).
    pub via: Vec<String>,
    pub inputs: BTreeMap<String, String>,
}

/// A module call whose `source` cannot be used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleProblem {
    pub label: String,
    pub file: String,
    pub source: String,
}

/// A `terraform_remote_state` data source and the state it reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteStateRead {
    pub what: String,
    pub file: String,
    pub bucket: Option<String>,
    pub key: Option<String>,
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

/// One resource that creates an IAM role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleCreator {
    /// `resource "aws_iam_role" "x"`, as written in the file.
    pub what: String,
    /// The file it is declared in.
    pub file: String,
    /// The module calls that lead to it, outermost first.
    pub via: Vec<String>,
    /// Whether a `permissions_boundary` argument is written at all.
    pub has_boundary: bool,
    /// Its value, when it evaluates to a string.
    pub boundary: Option<String>,
    /// It evaluates to null (say, a module input the caller did not pass).
    pub boundary_null: bool,
    /// Who its trust policy lets assume it.
    pub trust: super::trust::Trust,
}

/// What the reader needs beyond the directory: from the config.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Files the directory must have (`contract.required_files`).
    pub required_files: Vec<String>,
    /// The environment's extra `-var-file`s, absolute.
    pub var_files: Vec<PathBuf>,
    /// The environment's `-backend-config` files, absolute.
    pub backend_config: Vec<PathBuf>,
    /// Local module sources must stay inside this directory.
    pub repo_root: Option<PathBuf>,
}

/// Local module calls (`source = "../..."`) are followed this deep: an environment root
/// calling a composition calling feature modules is three.
const MAX_MODULE_DEPTH: usize = 4;

/// Reads every `.tf` file of `dir` with the variable values Terraform would use
/// (`terraform.tfvars`, `*.auto.tfvars`, the configured var files), and the local modules
/// it calls, so a role created three modules down is held to the same rules as one in the
/// root.
pub fn read(name: &str, dir: &Path, options: &ReadOptions) -> EnvFacts {
    let mut facts = EnvFacts {
        name: name.to_string(),
        dir: dir.to_path_buf(),
        ..Default::default()
    };
    facts.missing_files = options
        .required_files
        .iter()
        .filter(|f| !dir.join(f).is_file())
        .cloned()
        .collect();

    let bodies = parse_dir(dir, Path::new(""), &mut facts);
    let mut vars = variable_defaults(&bodies);
    for (path, shown) in var_file_order(dir, &options.var_files) {
        if let Some(tfvars) = parse_file(&path, &shown, &mut facts) {
            for attr in tfvars.attributes() {
                if let Ok(value) = attr.expr().evaluate(&Context::new()) {
                    vars.insert(attr.key().to_string(), value);
                }
            }
        }
    }
    let root = Unit {
        dir,
        shown_as: Path::new(""),
        via: Vec::new(),
        depth: 0,
    };
    read_unit(&root, &bodies, vars, options, &mut facts);
    merge_backend_config(&options.backend_config, &mut facts);
    facts
}

/// Terraform's order: `terraform.tfvars`, then `*.auto.tfvars` in lexical order, then
/// `-var-file`s as given; later files win. Labelled as a reader would open them.
fn var_file_order(dir: &Path, extra: &[PathBuf]) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let default = dir.join("terraform.tfvars");
    if default.is_file() {
        files.push((default, "terraform.tfvars".to_string()));
    }
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".auto.tfvars"))
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    for path in auto {
        let shown = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push((path, shown));
    }
    for path in extra {
        files.push((path.clone(), path.display().to_string()));
    }
    files
}

/// A partial backend block is completed by `-backend-config` files (HCL attributes, later
/// files win), as `init` completes it.
fn merge_backend_config(files: &[PathBuf], facts: &mut EnvFacts) {
    for path in files {
        let shown = path.display().to_string();
        let Some(body) = parse_file(path, &shown, facts) else {
            continue;
        };
        let ctx = Context::new();
        // Without a backend block Terraform ignores these; the rules report the block.
        let Some(backend) = facts.backend.as_mut() else {
            return;
        };
        if let Some(v) = eval_string(&body, "bucket", &ctx) {
            backend.bucket = Some(v);
        }
        if let Some(v) = eval_string(&body, "key", &ctx) {
            backend.key = Some(v);
        }
        if let Some(v) = eval_bool(&body, "encrypt", &ctx) {
            backend.encrypt = Some(v);
        }
        if let Some(v) = eval_bool(&body, "use_lockfile", &ctx) {
            backend.use_lockfile = Some(v);
        }
        if let Some(v) = eval_string(&body, "dynamodb_table", &ctx) {
            backend.dynamodb_table = Some(v);
        }
        if let Some(v) = eval_string(&body, "path", &ctx) {
            backend.key = Some(v);
        }
    }
}

/// Where a module's files are, how messages show them, and how it was reached.
struct Unit<'a> {
    dir: &'a Path,
    shown_as: &'a Path,
    via: Vec<String>,
    depth: usize,
}

/// One module (the root is depth 0), given the values of its input variables.
fn read_unit(
    unit: &Unit,
    bodies: &[(String, Body)],
    vars: hcl::Map<String, Value>,
    options: &ReadOptions,
    facts: &mut EnvFacts,
) {
    let ctx = context(bodies, vars);
    for (file, body) in bodies {
        for block in body.blocks() {
            match block.identifier() {
                // Version constraints are compared between roots only.
                "terraform" if unit.depth == 0 => {
                    read_terraform_block(block.body(), file, &ctx, facts)
                }
                "module" => read_module(unit, block, file, &ctx, options, facts),
                "resource" => read_resource(unit, block, file, &ctx, bodies, facts),
                "data" => read_data(block, file, &ctx, facts),
                "locals" => {
                    for attr in block.body().attributes() {
                        if facts.locals.contains_key(attr.key()) {
                            continue;
                        }
                        if let Some(value) = ctx_local_string(&ctx, attr.key()) {
                            facts
                                .locals
                                .insert(attr.key().to_string(), (value, file.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
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

fn read_terraform_block(body: &Body, file: &str, ctx: &Context, facts: &mut EnvFacts) {
    if let Some(version) = eval_string(body, "required_version", ctx) {
        facts.required_version = Some(version);
        facts.terraform_file = Some(file.to_string());
    }
    for block in body.blocks() {
        match block.identifier() {
            "backend" => read_backend(block, file, ctx, facts),
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

fn read_backend(block: &Block, file: &str, ctx: &Context, facts: &mut EnvFacts) {
    let body = block.body();
    facts.backend = Some(Backend {
        file: file.to_string(),
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

/// `aws_iam_role` resources, wherever they are declared.
fn read_resource(
    unit: &Unit,
    block: &Block,
    file: &str,
    ctx: &Context,
    bodies: &[(String, Body)],
    facts: &mut EnvFacts,
) {
    let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
    if let [kind @ "aws_iam_role", name] = labels.as_slice() {
        let body = block.body();
        let evaluated = attribute(body, "permissions_boundary").map(|e| e.evaluate(ctx));
        facts.role_creators.push(RoleCreator {
            what: format!("resource \"{kind}\" \"{name}\""),
            file: file.to_string(),
            via: unit.via.clone(),
            has_boundary: evaluated.is_some(),
            boundary: eval_string(body, "permissions_boundary", ctx),
            boundary_null: matches!(evaluated, Some(Ok(Value::Null))),
            trust: super::trust::read(body, bodies),
        });
    }
}

/// `terraform_remote_state` data sources: another environment's state read here would tie
/// the two together.
fn read_data(block: &Block, file: &str, ctx: &Context, facts: &mut EnvFacts) {
    let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
    let [kind @ "terraform_remote_state", name] = labels.as_slice() else {
        return;
    };
    let config = match attribute(block.body(), "config").map(|e| e.evaluate(ctx)) {
        Some(Ok(Value::Object(config))) => config,
        _ => hcl::Map::new(),
    };
    let text = |k: &str| config.get(k).and_then(Value::as_str).map(str::to_string);
    facts.remote_state_reads.push(RemoteStateRead {
        what: format!("data \"{kind}\" \"{name}\""),
        file: file.to_string(),
        bucket: text("bucket"),
        key: text("key").or_else(|| text("path")),
    });
}

/// Every module call is recorded with its inputs; a local one is read in turn, with its
/// inputs evaluated here, so what it creates is known from its own files.
fn read_module(
    unit: &Unit,
    block: &Block,
    file: &str,
    ctx: &Context,
    options: &ReadOptions,
    facts: &mut EnvFacts,
) {
    let body = block.body();
    let source = eval_string(body, "source", ctx).unwrap_or_default();
    let label = block.labels().first().map(|l| l.as_str()).unwrap_or("");
    let mut call = ModuleCall {
        label: label.to_string(),
        file: file.to_string(),
        via: unit.via.clone(),
        inputs: BTreeMap::new(),
    };
    for attr in body.attributes() {
        if let Some(value) = eval_string(body, attr.key(), ctx) {
            call.inputs.insert(attr.key().to_string(), value);
        }
    }
    facts.module_calls.push(call);

    let local = source.starts_with("./") || source.starts_with("../");
    if !local || unit.depth >= MAX_MODULE_DEPTH {
        return;
    }
    let module_dir = unit.dir.join(&source);
    let module_shown = unit.shown_as.join(&source);
    let problem = ModuleProblem {
        label: label.to_string(),
        file: file.to_string(),
        source: source.clone(),
    };
    if let Some(root) = &options.repo_root
        && !lexically_inside(root, &module_dir)
    {
        facts.outside_modules.push(problem);
        return;
    }
    if !module_dir.is_dir() {
        facts.missing_modules.push(problem);
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
    let mut via = unit.via.clone();
    via.push(format!("module \"{label}\""));
    let inner = Unit {
        dir: &module_dir,
        shown_as: &module_shown,
        via,
        depth: unit.depth + 1,
    };
    read_unit(&inner, &bodies, vars, options, facts);
}

/// Whether `path` stays under `root` with `..` and symlinks resolved, so a link out of the
/// repository is caught too.
fn lexically_inside(root: &Path, path: &Path) -> bool {
    crate::config::repo::real_path(path).starts_with(crate::config::repo::real_path(root))
}
