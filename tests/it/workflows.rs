//! The workflows' own rules, read with a real YAML parser: what zizmor and
//! actionlint do not check (timeouts, concurrency, the promotion chain, Terraform pinned) and
//! what must stay true as the files change (least-privilege permissions per job, actions
//! pinned by full commit SHA, no credentials left in the checkout, no `${{ }}` in scripts).

use serde_yaml::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn workflow(name: &str) -> Value {
    let path = root().join(".github/workflows").join(name);
    let text = std::fs::read_to_string(&path).expect("workflow exists");
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn all() -> Vec<(String, Value)> {
    let mut names: Vec<String> = std::fs::read_dir(root().join(".github/workflows"))
        .expect("workflows dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| (n.clone(), workflow(&n)))
        .collect()
}

fn jobs(doc: &Value) -> Vec<(String, &Value)> {
    doc["jobs"]
        .as_mapping()
        .expect("jobs")
        .iter()
        .map(|(k, v)| (k.as_str().expect("job id").to_string(), v))
        .collect()
}

fn steps(job: &Value) -> Vec<&Value> {
    job["steps"]
        .as_sequence()
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

/// Environment names in tfpromote.yaml, in promotion order.
/// What every `hashicorp/setup-terraform` step is handed: the version the
/// `terraform-version` step read from `.terraform-version`, never a number of its own.
const VERSION_FROM_THE_ONE_PLACE: &str = "${{ steps.terraform-version.outputs.version }}";

fn config_envs() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("tfpromote.yaml")).expect("config");
    let doc: Value = serde_yaml::from_str(&text).expect("config YAML");
    doc["environments"]
        .as_sequence()
        .expect("environments")
        .iter()
        .map(|e| e["name"].as_str().expect("name").to_string())
        .collect()
}

#[test]
fn the_issue_lists_exactly_these_workflows() {
    let names: Vec<String> = all().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "ci.yml",
            "destroy.yml",
            "drift.yml",
            "plan.yml",
            "pr-plan.yml",
            "promote.yml",
            "release.yml"
        ]
    );
}

#[test]
fn every_job_is_least_privilege_timed_and_pinned() {
    let sha_pin = regex::Regex::new(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@]+)?@[0-9a-f]{40}$")
        .expect("regex");
    for (name, doc) in all() {
        assert_eq!(
            doc["permissions"].as_mapping().map(|m| m.len()),
            Some(0),
            "{name}: the workflow default must be `permissions: {{}}`"
        );
        let triggers = &doc["on"];
        assert!(
            triggers.get("pull_request_target").is_none(),
            "{name}: pull_request_target"
        );
        for (id, job) in jobs(&doc) {
            let perms = job["permissions"]
                .as_mapping()
                .unwrap_or_else(|| panic!("{name}/{id}: no job permissions"));
            for (scope, level) in perms {
                assert!(
                    matches!(level.as_str(), Some("read" | "write" | "none")),
                    "{name}/{id}: {scope:?} {level:?}"
                );
            }
            // A job that calls a reusable workflow has no steps or timeout of its own; the
            // only one is the plan, called at the default branch on purpose (docs/gates.md).
            if let Some(called) = job["uses"].as_str() {
                assert!(
                    called.ends_with("/.github/workflows/plan.yml@main"),
                    "{name}/{id}: calls `{called}`"
                );
                continue;
            }
            let timeout = job["timeout-minutes"].as_u64();
            assert!(
                matches!(timeout, Some(1..=90)),
                "{name}/{id}: timeout-minutes {timeout:?}"
            );
            for step in steps(job) {
                if let Some(uses) = step["uses"].as_str() {
                    assert!(
                        uses == "./" || uses == "./.tfpromote-main" || sha_pin.is_match(uses),
                        "{name}/{id}: `{uses}` is not pinned by full commit SHA"
                    );
                    if uses.starts_with("actions/checkout@") {
                        assert_eq!(
                            step["with"]["persist-credentials"].as_bool(),
                            Some(false),
                            "{name}/{id}: checkout keeps credentials"
                        );
                    }
                    if uses.starts_with("hashicorp/setup-terraform@") {
                        let version = step["with"]["terraform_version"].as_str().unwrap_or("");
                        assert_eq!(
                            version, VERSION_FROM_THE_ONE_PLACE,
                            "{name}/{id}: Terraform's version must come from .terraform-version"
                        );
                        assert!(
                            steps(job).iter().any(|s| s["id"].as_str()
                                == Some("terraform-version")
                                && s["run"]
                                    .as_str()
                                    .is_some_and(|r| r.contains("action/terraform-version.sh"))),
                            "{name}/{id}: no `terraform-version` step reads the version"
                        );
                        assert_eq!(
                            step["with"]["terraform_wrapper"].as_bool(),
                            Some(false),
                            "{name}/{id}: the wrapper breaks tfpromote's Terraform output"
                        );
                    }
                }
                if let Some(run) = step["run"].as_str() {
                    assert!(
                        !run.contains("${{"),
                        "{name}/{id}: expression in run: {run}"
                    );
                }
            }
        }
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .map(|s| {
            s.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn needs(job: &Value) -> Vec<String> {
    match job["needs"].as_str() {
        Some(one) => vec![one.to_string()],
        None => strings(&job["needs"]),
    }
}

/// The step of `job` that runs this repository's action (`uses: ./`).
fn action_step(job: &Value) -> Option<&Value> {
    steps(job)
        .into_iter()
        .find(|s| s["uses"].as_str() == Some("./"))
}

/// Minutes of a tfpromote deadline as the workflows write it (`50m`).
fn deadline_minutes(text: &str) -> u64 {
    let minutes = text
        .strip_suffix('m')
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("deadline {text:?} is not whole minutes like 50m"));
    // The binary reads the same text with humantime: both must agree.
    assert_eq!(
        humantime::parse_duration(text)
            .expect("humantime")
            .as_secs(),
        minutes * 60
    );
    minutes
}

/// The step of the plan job (the reusable plan.yml that pr-plan calls at main) that decides
/// whether a pull request needs a plan.
fn pr_plan_filter() -> (Vec<String>, String) {
    let doc = workflow("plan.yml");
    let job = &doc["jobs"]["plan"];
    let step = steps(job)
        .into_iter()
        .find(|s| s["id"].as_str() == Some("paths"))
        .expect("plan.yml has a `paths` step");
    let list = step["env"]["PLAN_PATHS"]
        .as_str()
        .expect("PLAN_PATHS")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    (list, step["run"].as_str().expect("run").to_string())
}

/// One list of paths: every merge promote applies was planned on its pull request (a
/// platform/-only merge too), and the required pr-plan check is never filtered by `paths:`
/// (GitHub leaves such a required check "Pending" forever on pull requests it skips).
#[test]
fn pr_plan_filters_inside_the_job_with_promotes_list_of_paths() {
    let pr_plan = workflow("pr-plan.yml");
    assert!(
        pr_plan["on"]["pull_request"]["paths"].is_null()
            && pr_plan["on"]["pull_request"]["paths-ignore"].is_null(),
        "a paths filter on the trigger leaves a required check pending"
    );
    let promote = workflow("promote.yml");
    let promoted = strings(&promote["on"]["push"]["paths"]);
    let (planned, _) = pr_plan_filter();
    assert_eq!(planned, promoted, "pr-plan plans what promote applies");
    for needed in [
        "infra/**",
        "platform/**",
        "scripts/deploy-platform",
        "tfpromote.yaml",
    ] {
        assert!(promoted.iter().any(|p| p == needed), "{needed}");
    }
    let reusable = workflow("plan.yml");
    let job = &reusable["jobs"]["plan"];
    let gated: Vec<&Value> = steps(job)
        .into_iter()
        .filter(|s| s["if"].as_str() == Some("steps.paths.outputs.plan == 'true'"))
        .collect();
    assert!(
        gated
            .iter()
            .any(|s| s["uses"].as_str() == Some("./.tfpromote-main")
                && s["with"]["command"].as_str() == Some("plan")),
        "the plan runs only when the filter says so"
    );
    assert_eq!(
        steps(job)[0]["with"]["fetch-depth"].as_u64(),
        Some(2),
        "the merge commit and its base parent"
    );
}

/// A small git history like the checkout of a pull_request event: a base commit and a merge
/// commit whose first parent is the base.
fn merge_checkout(changed: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(dir.path().join("README.md"), "base\n").expect("write");
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "base"]);
    git(&["checkout", "-q", "-b", "feature"]);
    for file in changed {
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, "changed\n").expect("write");
    }
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "change"]);
    git(&["checkout", "-q", "main"]);
    git(&["merge", "-q", "--no-ff", "-m", "merge", "feature"]);
    dir
}

/// Runs the filter step's script as GitHub's `shell: bash` would; returns its `plan` output.
fn run_filter(changed: &[&str]) -> String {
    let (list, script) = pr_plan_filter();
    let repo = merge_checkout(changed);
    let output = repo.path().join("github-output");
    let summary = repo.path().join("summary");
    let script_path = repo.path().join("step.sh");
    std::fs::write(&script_path, &script).expect("script");
    let out = std::process::Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script_path)
        .current_dir(repo.path())
        .env("PLAN_PATHS", list.join("\n") + "\n")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&output).expect("output");
    text.lines()
        .find_map(|l| l.strip_prefix("plan="))
        .expect("plan=")
        .to_string()
}

#[test]
fn a_platform_only_pull_request_is_planned_and_a_docs_only_one_passes_without_a_plan() {
    assert_eq!(run_filter(&["platform/environments/dev/app.yaml"]), "true");
    assert_eq!(run_filter(&["scripts/deploy-platform"]), "true");
    assert_eq!(run_filter(&["infra/modules/vpc/main.tf"]), "true");
    assert_eq!(run_filter(&["tfpromote.yaml"]), "true");
    assert_eq!(run_filter(&["docs/setup.md", "src/main.rs"]), "false");
    assert_eq!(
        run_filter(&["infrastructure.md"]),
        "false",
        "infra/** is a directory"
    );
}

/// GitHub's merge queue: a required check that never runs on `merge_group` never reports
/// in the queue and blocks it, so pr-plan runs on it, plans the queue's commit with the
/// same reusable plan.yml at main (the token then names plan.yml@refs/heads/main, which
/// the plan roles trust for gh-readonly-queue/ refs), and no queue entry cancels another.
#[test]
fn the_merge_queue_runs_the_plan_of_the_queues_commit_through_plan_yml_at_main() {
    let doc = workflow("pr-plan.yml");
    assert!(
        doc["on"].get("merge_group").is_some(),
        "pr-plan must trigger on merge_group: {:?}",
        doc["on"]
    );
    assert!(doc["on"].get("pull_request").is_some());
    let plan = &doc["jobs"]["plan"];
    let condition = plan["if"].as_str().expect("the plan job has a condition");
    assert!(
        condition.contains("github.event_name == 'merge_group'"),
        "the queue's run (no pull_request in its payload) must reach the plan job: {condition}"
    );
    assert!(
        plan["uses"]
            .as_str()
            .is_some_and(|u| u.ends_with("/.github/workflows/plan.yml@main")),
        "{:?}",
        plan["uses"]
    );
    let fork = doc["jobs"]["fork"]["if"].as_str().expect("fork condition");
    assert!(
        fork.contains("github.event_name == 'pull_request'"),
        "a queue run is no fork: {fork}"
    );
    let group = doc["concurrency"]["group"].as_str().expect("group");
    assert!(
        group.contains("github.ref"),
        "each queue entry has its own ref, so entries never cancel each other: {group}"
    );
    // The reusable workflow plans whatever commit the run checked out (GITHUB_SHA: the
    // queue's commit on merge_group), every environment, with tfpromote from main.
    let reusable = workflow("plan.yml");
    let (_, job) = jobs(&reusable).into_iter().next().expect("one job");
    // A branch pushed under the queue's name, with its own workflow calling plan.yml@main
    // on `push`, gets the queue's subject: the job must not run for it.
    assert_eq!(
        job["if"].as_str(),
        Some("github.event_name == 'pull_request' || github.event_name == 'merge_group'"),
        "plan.yml runs only for pull requests and the merge queue"
    );
    let checkout = steps(job)
        .into_iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/checkout@"))
        })
        .expect("a checkout");
    assert!(
        checkout["with"]["ref"].is_null(),
        "the first checkout takes the event's commit (the queue's on merge_group): {checkout:?}"
    );
    // The bootstrap's plan roles trust exactly this: the queue's refs, plan.yml at main.
    let roles =
        std::fs::read_to_string(root().join("infra/bootstrap/modules/ci-roles/plan_role.tf"))
            .expect("plan_role.tf");
    assert!(
        roles.contains(":ref:refs/heads/gh-readonly-queue/${var.main_branch}/pr-*:job_workflow_ref:${var.github_org}/${var.github_repo}/.github/workflows/${var.merge_queue_workflow_file}@refs/heads/${var.main_branch}"),
        "the plan role trusts the queue's runs of plan.yml at main"
    );
}

/// A fork's pull request: the plan job is skipped (GitHub shows "skipped", a neutral
/// result), so no green check claims a plan that never ran.
#[test]
fn a_forks_pull_request_skips_the_plan_job_instead_of_passing_it() {
    let doc = workflow("pr-plan.yml");
    let job = &doc["jobs"]["plan"];
    assert_eq!(
        job["if"].as_str(),
        Some(
            "github.event_name == 'merge_group' || github.event.pull_request.head.repo.full_name == github.repository"
        )
    );
    let reusable = workflow("plan.yml");
    let job = &reusable["jobs"]["plan"];
    for step in steps(job) {
        let condition = step["if"].as_str().unwrap_or("");
        assert!(
            !condition.contains("!= github.repository"),
            "a step that runs for forks turns the job green: {step:?}"
        );
    }
    let group = doc["concurrency"]["group"].as_str().expect("group");
    assert!(
        group.contains("github.event.pull_request.number"),
        "{group}"
    );
    assert_eq!(
        doc["concurrency"]["cancel-in-progress"].as_bool(),
        Some(true)
    );
    let all = jobs(&doc);
    let fork = all
        .iter()
        .find(|(_, j)| j["if"].as_str().is_some_and(|c| c.contains("!=")))
        .map(|(_, j)| *j)
        .expect("a job for forks");
    assert!(
        steps(fork)
            .iter()
            .any(|s| s["run"].as_str().is_some_and(|r| r.contains("fork")))
    );
    // The plan runs in plan.yml as it is on main: the signer the apply trusts.
    let (_, caller) = all
        .iter()
        .find(|(_, j)| j["uses"].is_string())
        .expect("the plan job calls plan.yml");
    assert!(
        caller["uses"]
            .as_str()
            .is_some_and(|u| u.ends_with("/.github/workflows/plan.yml@main")),
        "{:?}",
        caller["uses"]
    );
    assert!(caller["if"].as_str().is_some_and(|c| c.contains("==")));
    assert_eq!(caller["permissions"]["id-token"].as_str(), Some("write"));
    assert_eq!(
        caller["permissions"]["pull-requests"].as_str(),
        Some("write")
    );

    let reusable = workflow("plan.yml");
    assert!(reusable["on"].get("workflow_call").is_some());
    let (_, job) = jobs(&reusable).into_iter().next().expect("one job");
    assert_eq!(job["permissions"]["id-token"].as_str(), Some("write"));
    assert_eq!(job["permissions"]["pull-requests"].as_str(), Some("write"));
    let all_steps = steps(job);
    let trusted = all_steps
        .iter()
        .find(|s| s["with"]["path"].as_str() == Some(".tfpromote-main"))
        .expect("tfpromote checked out from the default branch");
    assert!(
        trusted["with"]["ref"]
            .as_str()
            .is_some_and(|r| r.contains("default_branch")),
        "{:?}",
        trusted["with"]["ref"]
    );
    let plan = all_steps
        .iter()
        .find(|s| s["uses"].as_str() == Some("./.tfpromote-main"))
        .expect("the action as it is on main");
    assert_eq!(plan["with"]["command"].as_str(), Some("plan"));
    assert!(
        plan["with"]["environment"].is_null(),
        "plan every environment"
    );
}

#[test]
fn promote_applies_the_config_environments_in_order_each_in_its_environment() {
    let doc = workflow("promote.yml");
    assert!(
        doc["on"]["push"]["branches"]
            .as_sequence()
            .is_some_and(|b| b.iter().any(|x| x.as_str() == Some("main")))
    );
    let envs = config_envs();
    let apply_jobs: Vec<(String, &Value)> = jobs(&doc)
        .into_iter()
        .filter(|(id, _)| id != "binary")
        .collect();
    let ids: Vec<String> = apply_jobs.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids, envs, "one job per environment, in promotion order");
    let mut previous: Option<String> = None;
    for (id, job) in apply_jobs {
        assert_eq!(job["environment"].as_str(), Some(id.as_str()));
        let mut expected = vec!["binary".to_string()];
        expected.extend(previous.clone());
        assert_eq!(needs(job), expected, "{id}");
        let action = action_step(job).expect("the action");
        assert_eq!(action["with"]["command"].as_str(), Some("apply"));
        assert_eq!(action["with"]["environment"].as_str(), Some(id.as_str()));
        assert_eq!(job["permissions"]["id-token"].as_str(), Some("write"));
        assert_eq!(job["permissions"]["statuses"].as_str(), Some("write"));
        // An apply re-runs the plan runs of open pull requests whose plans it made stale.
        assert_eq!(
            job["permissions"]["actions"].as_str(),
            Some("write"),
            "{id}"
        );
        previous = Some(id);
    }
}

/// Merges in quick succession: GitHub's default keeps one pending job per concurrency group
/// and cancels it when a newer one arrives, silently dropping that run's environments, and
/// destroy shares the groups. Every group an apply or destroy uses queues instead
/// (`queue: max`, at most 100 waiting; GitHub docs "Control the concurrency of workflows and
/// jobs"), and never cancels a running one. What an older commit may still do is the gates'
/// decision.
#[test]
fn no_pending_promotion_or_destroy_is_cancelled_by_the_scheduler() {
    let mut groups = Vec::new();
    for name in ["promote.yml", "destroy.yml"] {
        let doc = workflow(name);
        assert!(
            doc["concurrency"].is_null(),
            "{name}: a workflow-level group would cancel"
        );
        for (id, job) in jobs(&doc) {
            let Some(command) = action_step(job).and_then(|s| s["with"]["command"].as_str()) else {
                continue;
            };
            if !matches!(command, "apply" | "destroy") {
                continue;
            }
            let block = &job["concurrency"];
            let group = block["group"].as_str().expect("group").to_string();
            assert!(group.starts_with("promote-"), "{name}/{id}: {group}");
            assert_eq!(
                block["cancel-in-progress"].as_bool(),
                Some(false),
                "{name}/{id}"
            );
            assert_eq!(
                block["queue"].as_str(),
                Some("max"),
                "{name}/{id}: the default queue cancels a pending {command}"
            );
            groups.push(group);
        }
    }
    for env in config_envs() {
        assert!(
            groups.contains(&format!("promote-{env}")),
            "{env}: {groups:?}"
        );
    }
    assert!(
        groups.contains(&"promote-${{ inputs.environment }}".to_string()),
        "destroy shares the environment's group: {groups:?}"
    );
}

/// A job timeout kills Terraform without letting it release the state lock. Every job that
/// runs Terraform through the action gives tfpromote a deadline that leaves the later steps
/// their own timeouts and 10 minutes for checkout, installs and Terraform's own stop; at the
/// deadline tfpromote interrupts Terraform once (SIGINT) and Terraform releases the lock.
#[test]
fn tfpromotes_deadline_ends_terraform_before_the_job_timeout_does() {
    let mut checked = 0;
    for (name, doc) in all() {
        for (id, job) in jobs(&doc) {
            let all_steps = steps(job);
            let Some(index) = all_steps
                .iter()
                .position(|s| matches!(s["uses"].as_str(), Some("./" | "./.tfpromote-main")))
            else {
                continue;
            };
            let action = all_steps[index];
            if action["with"]["command"].as_str() == Some("check") {
                continue;
            }
            let deadline = action["with"]["deadline"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}/{id}: no deadline for tfpromote"));
            // Later `run:` steps bring their own timeout; installs of tools fit the margin.
            let mut later = 0;
            for step in &all_steps[index + 1..] {
                if step["run"].is_string() {
                    later += step["timeout-minutes"].as_u64().unwrap_or(0);
                }
            }
            let untimed = all_steps[index + 1..]
                .iter()
                .filter(|s| s["run"].is_string() && s["timeout-minutes"].is_null())
                .filter(|s| {
                    !s["run"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("tfpromote credentials")
                })
                .count();
            assert_eq!(
                untimed, 0,
                "{name}/{id}: a long step after tfpromote needs timeout-minutes"
            );
            let timeout = job["timeout-minutes"].as_u64().expect("timeout-minutes");
            assert!(
                deadline_minutes(deadline) + later + 10 <= timeout,
                "{name}/{id}: deadline {deadline} + later steps {later}m + 10m margin > timeout-minutes {timeout}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 6, "plan, 3 applies, destroy, drift: {checked}");
}

/// The platform deploy runs in the environment's apply job, after the apply, on the in-VPC
/// runner when one is configured: it cannot overlap the next Terraform apply of the same
/// environment (same job, same concurrency group), and prod's reviewers approve once per
/// merge (one job per environment).
#[test]
fn promote_applies_platform_in_the_same_job_right_after_terraform() {
    let doc = workflow("promote.yml");
    assert!(strings(&doc["on"]["push"]["paths"]).contains(&"platform/**".to_string()));
    for env in config_envs() {
        let in_env: Vec<String> = jobs(&doc)
            .into_iter()
            .filter(|(_, job)| job["environment"].as_str() == Some(env.as_str()))
            .map(|(id, _)| id)
            .collect();
        assert_eq!(
            in_env,
            std::slice::from_ref(&env),
            "one approval per merge for {env}"
        );
        let job = &doc["jobs"][env.as_str()];
        assert_eq!(
            job["runs-on"].as_str(),
            Some(
                format!(
                    "${{{{ vars.PLATFORM_RUNNER_LABEL != '' && format('{{0}}-{env}', vars.PLATFORM_RUNNER_LABEL) || 'ubuntu-24.04' }}}}"
                )
                .as_str()
            )
        );
        let all_steps = steps(job);
        let apply = all_steps
            .iter()
            .position(|s| s["uses"].as_str() == Some("./"))
            .expect("apply");
        let runs: Vec<(usize, &str, Option<&str>)> = all_steps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s["run"].as_str().map(|r| (i, r, s["if"].as_str())))
            .collect();
        let credentials =
            format!("tfpromote credentials --env {env} --role apply --export github-env");
        let deploy = format!("bash scripts/deploy-platform {env}");
        for wanted in [credentials.as_str(), deploy.as_str()] {
            let (i, _, condition) = runs
                .iter()
                .find(|(_, r, _)| *r == wanted)
                .unwrap_or_else(|| panic!("{env}: no step `{wanted}`"));
            assert!(*i > apply, "{env}: `{wanted}` after the Terraform apply");
            assert_eq!(*condition, Some("vars.PLATFORM_RUNNER_LABEL != ''"));
        }
    }
}

/// Until a release exists the action compiles tfpromote; one job does it once per run and
/// hands the binary on with its SHA-256 (a job output, which the artifact cannot change);
/// the later jobs pass both to the action, which checks the checksum before running it.
#[test]
fn promote_builds_tfpromote_once_and_hands_it_on_with_its_checksum() {
    let doc = workflow("promote.yml");
    let binary = &doc["jobs"]["binary"];
    assert_eq!(
        binary["outputs"]["sha256"].as_str(),
        Some("${{ steps.hand-over.outputs.sha256 }}")
    );
    let uploads: Vec<&Value> = steps(binary)
        .into_iter()
        .filter(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .collect();
    assert_eq!(uploads.len(), 1);
    assert_eq!(
        uploads[0]["with"]["name"].as_str(),
        Some("tfpromote-binary")
    );
    for env in config_envs() {
        let job = &doc["jobs"][env.as_str()];
        assert!(needs(job).contains(&"binary".to_string()), "{env}");
        let download = steps(job)
            .into_iter()
            .find(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/download-artifact@"))
            })
            .unwrap_or_else(|| panic!("{env}: no download"));
        assert_eq!(download["with"]["name"].as_str(), Some("tfpromote-binary"));
        let action = action_step(job).expect("action");
        assert_eq!(
            action["with"]["binary"].as_str(),
            Some("${{ runner.temp }}/tfpromote-binary/tfpromote")
        );
        assert_eq!(
            action["with"]["binary-sha256"].as_str(),
            Some("${{ needs.binary.outputs.sha256 }}")
        );
    }
}

/// The workflow's GITHUB_TOKEN cannot read organisation team membership (GitHub answers
/// 403), so every environment whose approval names a `team:` gets a separate token for that
/// lookup only: a GitHub App token with `members: read`, minted in that job. Statuses,
/// deployments and the tracker stay with the workflow's token.
#[test]
fn team_approvals_get_their_own_app_token_with_members_read() {
    let config: Value = serde_yaml::from_str(
        &std::fs::read_to_string(root().join("tfpromote.yaml")).expect("config"),
    )
    .expect("config YAML");
    let doc = workflow("promote.yml");
    let mut teams = 0;
    for env in config["environments"].as_sequence().expect("environments") {
        let name = env["name"].as_str().expect("name");
        let has_team = strings(&env["approval"]["from"])
            .iter()
            .any(|a| a.starts_with("team:"));
        let job = &doc["jobs"][name];
        let action = action_step(job).expect("action");
        assert!(
            action["with"]["github-token"].is_null(),
            "{name}: the workflow's token writes"
        );
        if !has_team {
            continue;
        }
        teams += 1;
        let minted = steps(job)
            .into_iter()
            .find(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/create-github-app-token@"))
            })
            .unwrap_or_else(|| panic!("{name}: a team: approver needs an App token"));
        assert_eq!(minted["with"]["permission-members"].as_str(), Some("read"));
        let id = minted["id"].as_str().expect("id");
        assert_eq!(
            action["with"]["team-token"].as_str(),
            Some(format!("${{{{ steps.{id}.outputs.token }}}}").as_str()),
            "{name}"
        );
    }
    assert!(teams >= 1, "tfpromote.yaml ships a team: approver");
}

#[test]
fn destroy_is_manual_with_a_choice_and_a_typed_confirmation() {
    let doc = workflow("destroy.yml");
    let triggers = doc["on"].as_mapping().expect("on");
    assert_eq!(triggers.len(), 1, "workflow_dispatch only");
    let inputs = &doc["on"]["workflow_dispatch"]["inputs"];
    assert_eq!(inputs["environment"]["type"].as_str(), Some("choice"));
    let options: Vec<String> = inputs["environment"]["options"]
        .as_sequence()
        .expect("options")
        .iter()
        .map(|o| o.as_str().expect("option").to_string())
        .collect();
    assert_eq!(options, config_envs());
    assert_eq!(inputs["confirm"]["required"].as_bool(), Some(true));
    let (_, job) = jobs(&doc).into_iter().next().expect("job");
    assert_eq!(
        job["environment"].as_str(),
        Some("${{ inputs.environment }}")
    );
    let action = steps(job)
        .into_iter()
        .find(|s| s["uses"].as_str() == Some("./"))
        .expect("the action");
    assert_eq!(action["with"]["command"].as_str(), Some("destroy"));
    assert_eq!(
        action["with"]["confirm"].as_str(),
        Some("${{ inputs.confirm }}")
    );
}

#[test]
fn drift_and_ci_and_release_run_what_the_readme_says() {
    let drift = workflow("drift.yml");
    assert!(drift["on"]["schedule"].as_sequence().is_some());
    let (_, job) = jobs(&drift).into_iter().next().expect("job");
    assert_eq!(job["permissions"]["issues"].as_str(), Some("write"));
    assert!(
        steps(job)
            .iter()
            .any(|s| s["with"]["command"].as_str() == Some("drift"))
    );

    let ci = workflow("ci.yml");
    let (_, job) = jobs(&ci).into_iter().next().expect("job");
    assert!(
        steps(job)
            .iter()
            .any(|s| s["run"].as_str() == Some("bash .ci/run"))
    );

    let release = workflow("release.yml");
    assert!(release["on"]["workflow_dispatch"]["inputs"]["version"].is_mapping());
    let targets: Vec<&str> = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .expect("matrix")
        .iter()
        .filter_map(|e| e["target"].as_str())
        .collect();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-musl",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "aarch64-apple-darwin"
        ]
    );
}

/// One release path: started by hand on main with the version, built once per target with
/// the same pinned toolchain as ci.yml, build provenance attested over exactly the
/// published tarballs, then scripts/release-publish binds the tag, the release and the
/// committed checksums to one commit. What happens on github.com (Sigstore, the release
/// API) cannot run here; this checks the job graph and the pins.
#[test]
fn the_release_builds_once_with_a_pinned_toolchain_and_attests_its_provenance() {
    let release = workflow("release.yml");
    let triggers = release["on"].as_mapping().expect("on");
    assert_eq!(
        triggers.len(),
        1,
        "workflow_dispatch only: one release path"
    );
    assert_eq!(
        release["on"]["workflow_dispatch"]["inputs"]["version"]["required"].as_bool(),
        Some(true)
    );
    let ci = workflow("ci.yml");
    let ci_toolchain = steps(&ci["jobs"]["test"])
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find_map(|r| r.split("rustup toolchain install ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("ci.yml installs a pinned toolchain")
        .to_string();
    assert_eq!(
        release["env"]["RUST_TOOLCHAIN"].as_str(),
        Some(ci_toolchain.as_str())
    );
    let build = &release["jobs"]["build"];
    assert_eq!(
        build["if"].as_str(),
        Some("github.ref == 'refs/heads/main'")
    );
    let script = std::fs::read_to_string(root().join("scripts/release-build")).expect("script");
    assert!(
        script.contains("cargo \"+$toolchain\" build --locked --release"),
        "{script}"
    );
    let publish = &release["jobs"]["publish"];
    assert_eq!(needs(publish), ["build"]);
    for (scope, level) in [
        ("id-token", "write"),
        ("attestations", "write"),
        ("contents", "write"),
    ] {
        assert_eq!(
            publish["permissions"][scope].as_str(),
            Some(level),
            "{scope}"
        );
    }
    let publish_steps = steps(publish);
    let attest = publish_steps
        .iter()
        .position(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/attest-build-provenance@"))
        })
        .expect("build provenance");
    assert_eq!(
        publish_steps[attest]["with"]["subject-path"].as_str(),
        Some("dist/*.tar.gz")
    );
    let publishing = publish_steps
        .iter()
        .position(|s| s["run"].as_str() == Some("bash scripts/release-publish"))
        .expect("publish");
    assert!(attest < publishing, "attested before anything is published");
    assert_eq!(
        publish_steps[publishing]["env"]["RELEASE_BASE"].as_str(),
        Some("${{ github.sha }}"),
        "the release commit's parent is the commit that was built"
    );
}

/// Every workflow that runs tfpromote gets the plugin cache from the action itself
/// (`actions/cache` pinned by commit SHA, on the directory and key the action's
/// `plugin-cache` step computes from the lock files and the runner's OS and architecture),
/// none turns it off, and the release workflow, which publishes binaries, restores no cache
/// at all (zizmor's cache-poisoning rule: a poisoned entry must never reach a release).
#[test]
fn the_action_keeps_the_plugin_cache_and_the_release_restores_none() {
    let text = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    let action: Value = serde_yaml::from_str(&text).expect("action.yml YAML");
    let action_steps: Vec<&Value> = action["runs"]["steps"]
        .as_sequence()
        .expect("runs.steps")
        .iter()
        .collect();
    let position = |id: &str| {
        action_steps
            .iter()
            .position(|s| s["id"].as_str() == Some(id))
            .unwrap_or_else(|| panic!("action.yml has no step {id}"))
    };
    let cache = action_steps[position("restore-plugin-cache")];
    let pinned = regex::Regex::new(r"^actions/cache@[0-9a-f]{40}$").expect("regex");
    let uses = cache["uses"].as_str().expect("uses");
    assert!(pinned.is_match(uses), "{uses}");
    assert!(
        cache["with"]["restore-keys"].is_null(),
        "no restore-keys: stale providers would pile up in every new entry"
    );
    assert_eq!(
        cache["with"]["path"].as_str(),
        Some("${{ steps.plugin-cache.outputs.dir }}")
    );
    assert_eq!(
        cache["with"]["key"].as_str(),
        Some("${{ steps.plugin-cache.outputs.key }}")
    );
    assert_eq!(
        cache["if"].as_str(),
        Some("steps.plugin-cache.outputs.key != ''")
    );
    // Restored before tfpromote runs, and the run step fills that same directory.
    assert!(position("plugin-cache") < position("restore-plugin-cache"));
    assert!(position("restore-plugin-cache") < position("run"));
    assert_eq!(
        action_steps[position("run")]["env"]["INPUT_PLUGIN_CACHE_DIR"].as_str(),
        Some("${{ steps.plugin-cache.outputs.dir }}")
    );
    let script =
        std::fs::read_to_string(root().join("action/plugin-cache.sh")).expect("plugin-cache.sh");
    for part in [
        "RUNNER_OS",
        "RUNNER_ARCH",
        ".terraform.lock.hcl",
        "sha256sum",
    ] {
        assert!(script.contains(part), "the key must use {part}");
    }

    let mut callers = 0;
    for (name, doc) in all() {
        for (id, job) in jobs(&doc) {
            for step in steps(job) {
                let uses = step["uses"].as_str().unwrap_or("");
                if name == "release.yml" {
                    assert!(
                        uses != "./" && !uses.starts_with("actions/cache"),
                        "{name}/{id}: a release must not restore a cache ({uses})"
                    );
                }
                if uses == "./" || uses == "./.tfpromote-main" {
                    callers += 1;
                    assert!(
                        step["with"]["plugin-cache"].is_null(),
                        "{name}/{id}: the plugin cache is turned off"
                    );
                }
            }
        }
    }
    assert!(
        callers >= 4,
        "the plan, apply, drift and destroy jobs use the action"
    );
}

/// Runs `action/terraform-version.sh` in `dir` with these inputs; (exit code, outputs, stderr).
fn resolve_terraform_version(
    dir: &std::path::Path,
    inputs: &[(&str, &str)],
) -> (i32, String, String) {
    let output = tempfile::NamedTempFile::new().expect("output file");
    let mut cmd = std::process::Command::new("bash");
    cmd.arg(root().join("action/terraform-version.sh"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GITHUB_OUTPUT", output.path())
        .env("GITHUB_WORKSPACE", dir);
    for (k, v) in inputs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run bash");
    (
        out.status.code().unwrap_or(-1),
        std::fs::read_to_string(output.path()).expect("read output"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The Terraform version is written in one place, `.terraform-version`: the action installs
/// exactly that one, and no workflow, action file, script or config repeats the number (a
/// second copy drifts: CI would test one Terraform and promote apply with another).
#[test]
fn the_terraform_version_is_written_once_and_the_action_installs_it() {
    let version =
        std::fs::read_to_string(root().join(".terraform-version")).expect(".terraform-version");
    let version = version.trim();
    assert!(
        regex::Regex::new(r"^\d+\.\d+\.\d+$")
            .expect("regex")
            .is_match(version),
        ".terraform-version: {version:?} is not one exact version"
    );
    let literal = regex::Regex::new(r#"terraform_version:\s*['"]?\d"#).expect("regex");
    let mut files: Vec<PathBuf> = vec![
        root().join("action.yml"),
        root().join("tfpromote.yaml"),
        root().join("sandbox/tfpromote.yaml"),
    ];
    for dir in [".github/workflows", "action", "scripts", ".ci"] {
        for entry in std::fs::read_dir(root().join(dir)).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 10, "scanned only {} files", files.len());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        assert!(
            !text.contains(version),
            "{}: repeats the Terraform version {version}: read it from .terraform-version",
            file.display()
        );
        assert!(
            !literal.is_match(&text),
            "{}: a literal terraform_version",
            file.display()
        );
    }

    // The action's own install step takes the version from that file.
    let action: Value = serde_yaml::from_str(
        &std::fs::read_to_string(root().join("action.yml")).expect("action.yml"),
    )
    .expect("action YAML");
    let action_steps = steps(&action["runs"]);
    let find = action_steps
        .iter()
        .position(|s| s["id"].as_str() == Some("terraform-version"));
    let setup = action_steps.iter().position(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("hashicorp/setup-terraform@"))
    });
    let run = action_steps
        .iter()
        .position(|s| s["id"].as_str() == Some("run"));
    assert!(
        matches!((find, setup, run), (Some(f), Some(s), Some(r)) if f < s && s < r),
        "the action reads the version, installs Terraform, then runs tfpromote: {find:?} {setup:?} {run:?}"
    );
    let setup = action_steps[setup.expect("setup step")];
    assert_eq!(
        setup["with"]["terraform_version"].as_str(),
        Some(VERSION_FROM_THE_ONE_PLACE)
    );
    assert_eq!(setup["with"]["terraform_wrapper"].as_str(), Some("false"));

    // The resolver, run on this repository, names exactly that version.
    let (code, outputs, stderr) = resolve_terraform_version(&root(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        outputs.contains(&format!("version={version}\n")),
        "{outputs}"
    );

    // Without the file, the roots' exact pin counts; pins that disagree and mere ranges are
    // refused with what to add.
    let tmp = tempfile::tempdir().expect("tempdir");
    for (env, pin) in [("dev", "= 1.9.8"), ("prod", "1.9.8")] {
        std::fs::create_dir_all(tmp.path().join(env)).expect("mkdir");
        std::fs::write(
            tmp.path().join(env).join("versions.tf"),
            format!("terraform {{\n  required_version = \"{pin}\"\n}}\n"),
        )
        .expect("write");
    }
    let (code, outputs, stderr) = resolve_terraform_version(tmp.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(outputs.contains("version=1.9.8\n"), "{outputs}");
    std::fs::write(
        tmp.path().join("prod/versions.tf"),
        "terraform {\n  required_version = \"1.10.0\"\n}\n",
    )
    .expect("write");
    let (code, _, stderr) = resolve_terraform_version(tmp.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("pin different Terraform versions"),
        "{stderr}"
    );
    for env in ["dev", "prod"] {
        std::fs::write(
            tmp.path().join(env).join("versions.tf"),
            "terraform {\n  required_version = \">= 1.9\"\n}\n",
        )
        .expect("write");
    }
    let (code, _, stderr) = resolve_terraform_version(tmp.path(), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("add a .terraform-version file"), "{stderr}");
    std::fs::write(tmp.path().join(".terraform-version"), "1.9.8; curl evil\n").expect("write");
    let (code, outputs, stderr) = resolve_terraform_version(tmp.path(), &[]);
    assert_eq!(code, 2, "{outputs}");
    assert!(
        stderr.contains("is not one exact Terraform version"),
        "{stderr}"
    );
    let (code, outputs, _) =
        resolve_terraform_version(tmp.path(), &[("INPUT_INSTALL_TERRAFORM", "false")]);
    assert_eq!(
        (code, outputs.as_str()),
        (0, ""),
        "install-terraform: false installs nothing"
    );
}
