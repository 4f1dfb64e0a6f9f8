//! Runs the composite action's own `run:` steps the way GitHub's runner does, on this
//! machine: `action.yml` is parsed with a real YAML parser, each step's `env:` is evaluated
//! (only the expression forms the action uses: `inputs.*`, `steps.*.outputs.*`,
//! `github.token`; anything else fails the test so the harness never guesses), and the
//! `run:` text is written to a file and started as `bash --noprofile --norc -eo pipefail
//! FILE` (GitHub's `shell: bash`) with a runner-like environment (`GITHUB_OUTPUT`,
//! `GITHUB_ENV`, `GITHUB_PATH`, `GITHUB_ACTION_PATH`, `RUNNER_OS`, `RUNNER_ARCH`,
//! `RUNNER_TOOL_CACHE`, `RUNNER_TEMP`, ...). Steps stop at the first failure, as in a
//! composite action; the action's outputs are resolved from its `outputs:` section.

use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct StepRun {
    pub id: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub outputs: BTreeMap<String, String>,
}

/// A step that calls another action (`uses:`). Nothing here can run GitHub's JavaScript
/// actions, so the harness records what the runner would hand the action instead: whether
/// its `if:` held and its `with:` inputs, evaluated like any `env:` value.
pub struct UsedAction {
    pub id: String,
    pub uses: String,
    pub ran: bool,
    pub with: BTreeMap<String, String>,
}

pub struct ActionRun {
    pub steps: Vec<StepRun>,
    pub used: Vec<UsedAction>,
    pub outputs: BTreeMap<String, String>,
}

impl ActionRun {
    pub fn step(&self, id: &str) -> &StepRun {
        self.steps
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("step {id} did not run; ran: {:?}", self.ids()))
    }

    pub fn used(&self, id: &str) -> &UsedAction {
        self.used
            .iter()
            .find(|u| u.id == id)
            .unwrap_or_else(|| panic!("no `uses:` step {id} was reached"))
    }

    pub fn ids(&self) -> Vec<&str> {
        self.steps.iter().map(|s| s.id.as_str()).collect()
    }

    /// Everything every step printed, for assertion messages.
    pub fn log(&self) -> String {
        self.steps
            .iter()
            .map(|s| format!("--- {} (exit {:?})\n{}{}", s.id, s.code, s.stdout, s.stderr))
            .collect()
    }
}

/// The parsed `action.yml`.
pub struct Action {
    pub doc: Value,
}

impl Action {
    pub fn load(path: &Path) -> Self {
        let text = std::fs::read_to_string(path).expect("read action.yml");
        let doc: Value = serde_yaml::from_str(&text).expect("action.yml is YAML");
        Self { doc }
    }

    pub fn steps(&self) -> Vec<&Value> {
        self.doc["runs"]["steps"]
            .as_sequence()
            .expect("runs.steps is a list")
            .iter()
            .collect()
    }

    pub fn mapping(&self, key: &str) -> Vec<(String, &Value)> {
        self.doc[key]
            .as_mapping()
            .unwrap_or_else(|| panic!("action.yml has no {key} mapping"))
            .iter()
            .map(|(k, v)| (k.as_str().expect("string key").to_string(), v))
            .collect()
    }
}

/// One runner: a copy of the action (its files plus the release files the test writes), a
/// workspace, a tool cache and a temp dir that survive across runs (the cache must).
pub struct Runner {
    pub root: tempfile::TempDir,
    pub action_path: PathBuf,
    pub workspace: PathBuf,
    pub tool_cache: PathBuf,
    pub server_url: String,
    pub github_token: String,
    pub extra_env: Vec<(String, String)>,
    runs: usize,
}

impl Runner {
    /// Copies `action.yml` and `action/` from the repository; `RELEASE` and `SHA256SUMS`
    /// come from the caller (the committed ones name the placeholder release).
    pub fn new(server_url: &str, release: &str, sums: &str) -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        let action_path = root.path().join("action-checkout");
        let repo = super::repo_root();
        std::fs::create_dir_all(action_path.join("action")).expect("mkdir");
        std::fs::copy(repo.join("action.yml"), action_path.join("action.yml")).expect("copy");
        for entry in std::fs::read_dir(repo.join("action")).expect("action/") {
            let entry = entry.expect("entry");
            std::fs::copy(
                entry.path(),
                action_path.join("action").join(entry.file_name()),
            )
            .expect("copy script");
        }
        std::fs::write(action_path.join("RELEASE"), release).expect("RELEASE");
        std::fs::write(action_path.join("SHA256SUMS"), sums).expect("SHA256SUMS");
        let workspace = root.path().join("workspace");
        let tool_cache = root.path().join("tool-cache");
        std::fs::create_dir_all(&workspace).expect("workspace");
        std::fs::create_dir_all(&tool_cache).expect("tool cache");
        // A caller's repository names its Terraform version once; the action reads it.
        std::fs::copy(
            repo.join(".terraform-version"),
            workspace.join(".terraform-version"),
        )
        .expect("copy .terraform-version");
        Self {
            root,
            action_path,
            workspace,
            tool_cache,
            server_url: server_url.to_string(),
            github_token: String::new(),
            extra_env: Vec::new(),
            runs: 0,
        }
    }

    pub fn action(&self) -> Action {
        Action::load(&self.action_path.join("action.yml"))
    }

    /// Runs every step of the action with these inputs (unset ones take their defaults).
    pub fn run(&mut self, inputs: &[(&str, &str)]) -> ActionRun {
        self.runs += 1;
        let action = self.action();
        let given: BTreeMap<&str, &str> = inputs.iter().copied().collect();
        let mut resolved_inputs = BTreeMap::new();
        for (name, spec) in action.mapping("inputs") {
            let value = match given.get(name.as_str()) {
                Some(v) => v.to_string(),
                None => match spec["default"].as_str() {
                    Some(default) => self.evaluate(default, &BTreeMap::new(), &BTreeMap::new()),
                    None => {
                        assert!(
                            spec["required"].as_bool() != Some(true),
                            "required input {name} not given"
                        );
                        String::new()
                    }
                },
            };
            resolved_inputs.insert(name, value);
        }
        for name in given.keys() {
            assert!(
                resolved_inputs.contains_key(*name),
                "action.yml has no input {name}"
            );
        }

        let temp = self.root.path().join(format!("runner-temp-{}", self.runs));
        std::fs::create_dir_all(&temp).expect("runner temp");
        let mut steps: Vec<StepRun> = Vec::new();
        let mut used: Vec<UsedAction> = Vec::new();
        let mut step_outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (index, step) in action.steps().into_iter().enumerate() {
            let id = step["id"]
                .as_str()
                .expect("every step has an id")
                .to_string();
            if let Some(uses) = step["uses"].as_str() {
                let ran = match step["if"].as_str() {
                    Some(condition) => self.condition(condition, &step_outputs),
                    None => true,
                };
                let mut with = BTreeMap::new();
                if let Some(map) = step["with"].as_mapping() {
                    for (k, v) in map {
                        let key = k.as_str().expect("with key").to_string();
                        let raw = v.as_str().expect("with value is a string");
                        with.insert(key, self.evaluate(raw, &resolved_inputs, &step_outputs));
                    }
                }
                used.push(UsedAction {
                    id,
                    uses: uses.to_string(),
                    ran,
                    with,
                });
                continue;
            }
            assert_eq!(step["shell"].as_str(), Some("bash"), "step {id}: shell");
            let script = step["run"].as_str().expect("every step runs a script");
            let output_file = temp.join(format!("output-{index}"));
            std::fs::write(&output_file, "").expect("GITHUB_OUTPUT");
            let script_file = temp.join(format!("step-{index}.sh"));
            std::fs::write(&script_file, script).expect("script");

            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script_file)
                .current_dir(&self.workspace)
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", self.root.path())
                .env("CI", "true")
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_ACTION_PATH", &self.action_path)
                .env("GITHUB_WORKSPACE", &self.workspace)
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_ENV", temp.join("env"))
                .env("GITHUB_PATH", temp.join("path"))
                .env("GITHUB_STEP_SUMMARY", temp.join("summary.md"))
                .env("GITHUB_SERVER_URL", &self.server_url)
                .env("RUNNER_OS", runner_os())
                .env("RUNNER_ARCH", runner_arch())
                .env("RUNNER_TOOL_CACHE", &self.tool_cache)
                .env("RUNNER_TEMP", &temp)
                .env("TFPROMOTE_TERRAFORM", super::terraform());
            for (k, v) in &self.extra_env {
                cmd.env(k, v);
            }
            if let Some(env) = step["env"].as_mapping() {
                for (k, v) in env {
                    let key = k.as_str().expect("env key");
                    let raw = v.as_str().expect("env value is a string");
                    cmd.env(key, self.evaluate(raw, &resolved_inputs, &step_outputs));
                }
            }
            let out = cmd.output().expect("start bash");
            let outputs = parse_output_file(&std::fs::read_to_string(&output_file).expect("read"));
            step_outputs.insert(id.clone(), outputs.clone());
            let failed = !out.status.success();
            steps.push(StepRun {
                id,
                code: out.status.code(),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                outputs,
            });
            if failed {
                break;
            }
        }
        let mut outputs = BTreeMap::new();
        for (name, spec) in action.mapping("outputs") {
            let raw = spec["value"].as_str().expect("output value");
            outputs.insert(name, self.evaluate(raw, &resolved_inputs, &step_outputs));
        }
        ActionRun {
            steps,
            used,
            outputs,
        }
    }

    /// A step's `if:`; only the form the action uses, `steps.ID.outputs.NAME != ''`. Any
    /// other condition fails the test: extend the harness, never guess.
    fn condition(&self, raw: &str, steps: &BTreeMap<String, BTreeMap<String, String>>) -> bool {
        let expr = raw.trim();
        let expr = expr
            .strip_prefix("${{")
            .and_then(|rest| rest.strip_suffix("}}"))
            .unwrap_or(expr)
            .trim();
        let operand = expr
            .strip_suffix("!= ''")
            .map(str::trim)
            .unwrap_or_else(|| panic!("the harness does not evaluate the condition `{raw}`"));
        let parts: Vec<&str> = operand.split('.').collect();
        match parts.as_slice() {
            ["steps", id, "outputs", name] => steps
                .get(*id)
                .and_then(|o| o.get(*name))
                .is_some_and(|v| !v.is_empty()),
            _ => panic!("the harness does not evaluate the condition `{raw}`"),
        }
    }

    /// Evaluates a value that is either plain text or exactly one `${{ expr }}` of a form the
    /// action uses. Any other expression fails the test: extend the harness, never guess.
    fn evaluate(
        &self,
        raw: &str,
        inputs: &BTreeMap<String, String>,
        steps: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> String {
        let trimmed = raw.trim();
        let Some(expr) = trimmed
            .strip_prefix("${{")
            .and_then(|rest| rest.strip_suffix("}}"))
            .map(str::trim)
        else {
            assert!(!raw.contains("${{"), "mixed text and expression: {raw}");
            return raw.to_string();
        };
        let parts: Vec<&str> = expr.split('.').collect();
        match parts.as_slice() {
            ["inputs", name] => inputs
                .get(*name)
                .unwrap_or_else(|| panic!("unknown input in {raw}"))
                .clone(),
            ["steps", id, "outputs", name] => steps
                .get(*id)
                .and_then(|o| o.get(*name))
                .cloned()
                .unwrap_or_default(),
            ["github", "token"] => self.github_token.clone(),
            _ => panic!("the harness does not evaluate `{raw}`"),
        }
    }
}

/// `$GITHUB_OUTPUT` lines: `name=value` or the heredoc form `name<<DELIMITER`.
pub fn parse_output_file(text: &str) -> BTreeMap<String, String> {
    let mut outputs = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delimiter {
                    break;
                }
                value.push(l);
            }
            outputs.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.insert(name.to_string(), value.to_string());
        }
    }
    outputs
}

pub fn runner_os() -> &'static str {
    match std::env::consts::OS {
        "macos" => "macOS",
        "windows" => "Windows",
        _ => "Linux",
    }
}

pub fn runner_arch() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "ARM64",
        _ => "X64",
    }
}

/// The target triple install.sh picks for this machine's RUNNER_OS/RUNNER_ARCH.
pub fn target_triple() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("macos", "aarch64") => "aarch64-apple-darwin",
        ("macos", _) => "x86_64-apple-darwin",
        (_, "aarch64") => "aarch64-unknown-linux-musl",
        _ => "x86_64-unknown-linux-musl",
    }
}
