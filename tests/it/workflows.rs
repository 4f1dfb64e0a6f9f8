//! The workflows' own rules (issue 11), read with a real YAML parser: what zizmor and
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
    let exact_version = regex::Regex::new(r"^\d+\.\d+\.\d+$").expect("regex");
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
                        assert!(
                            exact_version.is_match(version),
                            "{name}/{id}: Terraform not pinned: {version:?}"
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

#[test]
fn pr_plan_plans_everything_per_pr_and_passes_on_forks() {
    let doc = workflow("pr-plan.yml");
    let paths: Vec<&str> = doc["on"]["pull_request"]["paths"]
        .as_sequence()
        .expect("paths")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(paths, ["infra/**", "tfpromote.yaml"]);
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
    // The platform-<env> jobs (in-cluster parts, below) are not part of the Terraform ladder.
    let apply_jobs: Vec<(String, &Value)> = jobs(&doc)
        .into_iter()
        .filter(|(id, _)| !id.starts_with("platform-"))
        .collect();
    let ids: Vec<String> = apply_jobs.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids, envs, "one job per environment, in promotion order");
    let mut previous: Option<String> = None;
    for (id, job) in apply_jobs {
        assert_eq!(job["environment"].as_str(), Some(id.as_str()));
        match &previous {
            None => assert!(job["needs"].is_null(), "{id}"),
            Some(p) => assert_eq!(job["needs"].as_str(), Some(p.as_str()), "{id}"),
        }
        assert_eq!(
            job["concurrency"]["cancel-in-progress"].as_bool(),
            Some(false)
        );
        let group = job["concurrency"]["group"].as_str().expect("group");
        assert!(group.ends_with(&id), "{group}");
        let action = steps(job)
            .into_iter()
            .find(|s| s["uses"].as_str() == Some("./"))
            .expect("the action");
        assert_eq!(action["with"]["command"].as_str(), Some("apply"));
        assert_eq!(action["with"]["environment"].as_str(), Some(id.as_str()));
        assert_eq!(job["permissions"]["id-token"].as_str(), Some("write"));
        assert_eq!(job["permissions"]["statuses"].as_str(), Some("write"));
        previous = Some(id);
    }
}

/// Issue 14 point 7: after each environment's apply, platform/ reaches its cluster (private
/// endpoint) only from a runner inside the VPC, named by a repository variable; without the
/// variable the job is skipped. Each runs in its environment, after the apply of the same
/// environment and the platform job before it, with the apply role and nothing more.
#[test]
fn promote_applies_platform_after_terraform_only_on_an_in_vpc_runner() {
    let doc = workflow("promote.yml");
    let paths: Vec<&str> = doc["on"]["push"]["paths"]
        .as_sequence()
        .expect("paths")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(paths.contains(&"platform/**"), "{paths:?}");
    let mut previous: Option<String> = None;
    for env in config_envs() {
        let id = format!("platform-{env}");
        let job = &doc["jobs"][id.as_str()];
        assert!(job.is_mapping(), "no job {id}");
        assert_eq!(
            job["if"].as_str(),
            Some("vars.PLATFORM_RUNNER_LABEL != ''"),
            "{id}"
        );
        // One runner per environment's VPC (the VPCs, and maybe the accounts, are isolated).
        assert_eq!(
            job["runs-on"].as_str(),
            Some(format!("${{{{ vars.PLATFORM_RUNNER_LABEL }}}}-{env}").as_str()),
            "{id}"
        );
        assert_eq!(job["environment"].as_str(), Some(env.as_str()), "{id}");
        let needs: Vec<&str> = job["needs"]
            .as_sequence()
            .expect("needs")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let mut expected = vec![env.as_str()];
        if let Some(p) = &previous {
            expected.push(p.as_str());
        }
        assert_eq!(needs, expected, "{id}");
        let perms = job["permissions"].as_mapping().expect("permissions");
        assert_eq!(
            perms.len(),
            2,
            "{id}: only contents: read and id-token: write"
        );
        assert_eq!(job["permissions"]["contents"].as_str(), Some("read"));
        assert_eq!(job["permissions"]["id-token"].as_str(), Some("write"));
        assert_eq!(
            job["concurrency"]["cancel-in-progress"].as_bool(),
            Some(false)
        );
        let runs: Vec<&str> = steps(job)
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect();
        assert!(
            runs.contains(
                &format!("tfpromote credentials --env {env} --role apply --export github-env")
                    .as_str()
            ),
            "{id}: {runs:?}"
        );
        assert_eq!(
            runs.last().copied(),
            Some(format!("bash scripts/deploy-platform {env}").as_str()),
            "{id}"
        );
        previous = Some(id);
    }
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
    let tags: Vec<&str> = release["on"]["push"]["tags"]
        .as_sequence()
        .expect("tags")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(tags, ["v*"]);
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

/// Issue 13: every workflow that runs tfpromote gets the plugin cache from the action itself
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
