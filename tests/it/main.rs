//! Every integration test in one test binary. Each former `tests/<name>.rs` is a module here
//! under its old name, so a test's full name is `<name>::<test>` (run one file's tests with
//! `cargo test --test it <name>::`). One binary links the crate and its dependencies once
//! instead of once per file: on this project that was ~280 MB and a full link per file for
//! each of 21 files after every change to the library (numbers in README "Tests").
//! `tests/runner_signal.rs` stays its own binary: it sends SIGINT to its own process, after
//! which every later Terraform command in that process is refused by design.

#[path = "../common/mod.rs"]
mod common;

mod action_harness;
mod allow_label;
mod catch_up;
mod check_contract;
mod checks;
mod comment_budget;
mod config_errors;
mod conformance;
mod cost;
mod credentials;
mod drift_lag;
mod forged_evidence;
mod github_gates;
mod github_plan_cli;
mod github_setup;
mod github_tracker;
mod isolation;
mod large_plan;
mod layouts;
mod limits;
mod matrix_plans;
mod merge_queue;
mod new_providers;
mod plan_all;
mod plan_cli;
mod plugin_cache;
mod policy;
mod policy_base;
mod policy_gate;
mod policy_one_pass;
mod promotion;
mod record_snapshots;
mod render_properties;
mod render_snapshots;
mod review_size;
mod runner;
mod secrets;
mod secrets_edge;
mod secrets_leaks;
mod secrets_properties;
mod stale_plans;
mod workflows;
