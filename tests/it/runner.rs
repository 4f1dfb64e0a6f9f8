//! The Terraform runner against real Terraform: exit-code mapping, saved-plan apply, plan JSON,
//! fingerprint stability, and S3 lockfile contention on a real moto server.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::moto::{AWS_ENV, Moto};
use tfpromote::redact::Redactor;
use tfpromote::summary::{ChangeKind, Summary};
use tfpromote::terraform::output::OutputSink;
use tfpromote::terraform::runner::PlanArgs;
use tfpromote::terraform::{PlanOutcome, Terraform, TerraformError};

fn terraform(lock_timeout: Duration) -> Terraform {
    Terraform::new(
        common::terraform(),
        lock_timeout,
        Arc::new(Redactor::default()),
    )
}

/// A fresh copy of `tests/fixtures/tf/NAME` (Terraform writes into its root).
fn fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join(name);
    common::copy_tree(&common::fixtures().join("tf").join(name), &dir);
    (tmp, dir)
}

async fn init(tf: &Terraform, dir: &Path) {
    let sink = OutputSink::buffered();
    if let Err(e) = tf.init(dir, &[], &sink).await {
        panic!(
            "terraform init in {} failed: {e}\n{}",
            dir.display(),
            sink.take().join("\n")
        );
    }
}

async fn plan(
    tf: &Terraform,
    dir: &Path,
    planfile: &Path,
    var_files: &[PathBuf],
) -> Result<PlanOutcome, TerraformError> {
    let args = PlanArgs {
        destroy: false,
        lock: true,
        var_files: var_files.to_vec(),
    };
    tf.plan(dir, planfile, &args, &OutputSink::buffered()).await
}

async fn plan_ok(
    tf: &Terraform,
    dir: &Path,
    planfile: &Path,
    var_files: &[PathBuf],
) -> PlanOutcome {
    plan(tf, dir, planfile, var_files)
        .await
        .unwrap_or_else(|e| panic!("plan in {} failed: {e}", dir.display()))
}

/// Plans and summarises through `show -json`, like `tfpromote plan` does.
async fn summarise(
    tf: &Terraform,
    dir: &Path,
    work: &Path,
    tag: &str,
    var_files: &[PathBuf],
) -> (PlanOutcome, Summary, PathBuf) {
    let planfile = work.join(format!("{tag}.tfplan"));
    let json = work.join(format!("{tag}.json"));
    let outcome = plan_ok(tf, dir, &planfile, var_files).await;
    tf.show_json(dir, &planfile, &json)
        .await
        .unwrap_or_else(|e| panic!("show -json {tag} failed: {e}"));
    let summary = Summary::from_file(&json).unwrap_or_else(|e| panic!("summary of {tag}: {e}"));
    (outcome, summary, json)
}

fn var_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write var file");
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_of_empty_root_is_no_changes() {
    let (tmp, dir) = fixture("empty");
    let tf = terraform(Duration::from_secs(5));
    init(&tf, &dir).await;
    let outcome = plan_ok(&tf, &dir, &tmp.path().join("p.tfplan"), &[]).await;
    assert_eq!(
        outcome,
        PlanOutcome::NoChanges,
        "a root with no resources has nothing to do (exit 0)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_of_new_resource_is_changes() {
    let (tmp, dir) = fixture("data");
    let tf = terraform(Duration::from_secs(5));
    init(&tf, &dir).await;
    let planfile = tmp.path().join("p.tfplan");
    let outcome = plan_ok(&tf, &dir, &planfile, &[]).await;
    assert_eq!(
        outcome,
        PlanOutcome::Changes,
        "a new terraform_data is a change (exit 2)"
    );
    assert!(
        planfile.is_file(),
        "the saved plan {} was not written",
        planfile.display()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_of_invalid_reference_fails_with_terraform_error_text() {
    let (tmp, dir) = fixture("invalid_ref");
    let tf = terraform(Duration::from_secs(5));
    init(&tf, &dir).await;
    let error = plan(&tf, &dir, &tmp.path().join("p.tfplan"), &[])
        .await
        .expect_err("a plan with an undeclared reference must fail");
    assert_eq!(
        error.exit_code,
        Some(1),
        "terraform plan exits 1 on errors: {error:?}"
    );
    assert!(!error.interrupted, "not interrupted: {error:?}");
    assert!(error.lock.is_none(), "not a lock error: {error:?}");
    assert!(
        error.detail.contains("Reference to undeclared resource"),
        "the error detail must carry Terraform's own explanation, got:\n{}",
        error.detail
    );
    let shown = error.to_string();
    assert!(
        shown.contains("exit 1") && shown.contains("Reference to undeclared resource"),
        "Display: {shown}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn saved_plan_apply_runs_the_plan_and_converges() {
    let (tmp, dir) = fixture("data");
    let tf = terraform(Duration::from_secs(5));
    init(&tf, &dir).await;
    let planfile = tmp.path().join("p.tfplan");
    assert_eq!(
        plan_ok(&tf, &dir, &planfile, &[]).await,
        PlanOutcome::Changes
    );
    let marker = dir.join("applied.marker");
    assert!(!marker.exists(), "planning must not run provisioners");

    let sink = OutputSink::buffered();
    if let Err(e) = tf.apply(&dir, &planfile, &sink).await {
        panic!(
            "apply of the saved plan failed: {e}\n{}",
            sink.take().join("\n")
        );
    }
    assert!(
        marker.is_file(),
        "the local-exec provisioner did not run: no {}",
        marker.display()
    );
    let log = sink.take().join("\n");
    assert!(
        log.contains("Apply complete! Resources: 1 added"),
        "apply output:\n{log}"
    );

    let again = plan_ok(&tf, &dir, &tmp.path().join("p2.tfplan"), &[]).await;
    assert_eq!(
        again,
        PlanOutcome::NoChanges,
        "an applied root plans to no changes (exit 0)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn show_json_of_saved_plan_summarises_counts() {
    let (tmp, dir) = fixture("data");
    let tf = terraform(Duration::from_secs(5));
    init(&tf, &dir).await;
    let (outcome, summary, _) = summarise(&tf, &dir, tmp.path(), "create", &[]).await;
    assert_eq!(outcome, PlanOutcome::Changes);
    assert_eq!(summary.counts.create, 1, "counts: {:?}", summary.counts);
    assert_eq!(
        (
            summary.counts.update,
            summary.counts.delete,
            summary.counts.replace,
            summary.counts.forget
        ),
        (0, 0, 0, 0),
        "counts: {:?}",
        summary.counts
    );
    assert!(summary.has_changes());
    assert!(!summary.errored);
    assert!(
        summary
            .terraform_version
            .as_deref()
            .is_some_and(|v| v.starts_with("1.")),
        "terraform_version from the plan JSON: {:?}",
        summary.terraform_version
    );
    let listed: Vec<(&str, ChangeKind)> = summary
        .resources
        .iter()
        .map(|r| (r.address.as_str(), r.kind))
        .collect();
    assert_eq!(listed, [("terraform_data.this", ChangeKind::Create)]);
    assert!(
        summary.fingerprint.starts_with("sha256:") && summary.fingerprint.len() == 7 + 64,
        "{}",
        summary.fingerprint
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fingerprint_ignores_timestamps_but_not_values_or_actions() {
    let (tmp, fresh) = fixture("data");
    let work = tmp.path();
    let tf = terraform(Duration::from_secs(5));
    init(&tf, &fresh).await;

    // Same code, same (empty) state, planned twice: plan JSON differs only by its timestamp.
    let (_, first, first_json) = summarise(&tf, &fresh, work, "first", &[]).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, second, second_json) = summarise(&tf, &fresh, work, "second", &[]).await;
    let timestamp = |path: &Path| {
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("read plan JSON"))
                .expect("plan JSON");
        json["timestamp"].as_str().map(str::to_string)
    };
    let (t1, t2) = (timestamp(&first_json), timestamp(&second_json));
    assert!(
        t1.is_some() && t1 != t2,
        "the two plans should carry different timestamps ({t1:?}, {t2:?})"
    );
    assert_eq!(
        first.fingerprint, second.fingerprint,
        "same code + same state must give the same fingerprint"
    );

    // One planned, non-sensitive value differs.
    let two = var_file(work, "two.tfvars", "value = \"two\"\n");
    let (_, changed_value, _) =
        summarise(&tf, &fresh, work, "value", std::slice::from_ref(&two)).await;
    assert_eq!(changed_value.counts.create, 1);
    assert_ne!(
        first.fingerprint, changed_value.fingerprint,
        "a different planned value must change the fingerprint"
    );

    // Same target configuration, different action: create (fresh state) vs replace (applied).
    let t2_vars = var_file(work, "t2.tfvars", "trigger = \"t2\"\n");
    let applied = work.join("applied");
    common::copy_tree(&common::fixtures().join("tf/data"), &applied);
    init(&tf, &applied).await;
    let planfile = work.join("apply.tfplan");
    plan_ok(&tf, &applied, &planfile, &[]).await;
    tf.apply(&applied, &planfile, &OutputSink::buffered())
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    let (_, replace, _) = summarise(
        &tf,
        &applied,
        work,
        "replace",
        std::slice::from_ref(&t2_vars),
    )
    .await;
    let (_, replace_again, _) = summarise(
        &tf,
        &applied,
        work,
        "replace-again",
        std::slice::from_ref(&t2_vars),
    )
    .await;
    let (_, create, _) = summarise(
        &tf,
        &fresh,
        work,
        "create-t2",
        std::slice::from_ref(&t2_vars),
    )
    .await;
    assert_eq!(
        replace.counts.replace, 1,
        "triggers_replace change must plan a replace: {:?}",
        replace.counts
    );
    assert_eq!(create.counts.create, 1, "{:?}", create.counts);
    assert_eq!(
        replace.fingerprint, replace_again.fingerprint,
        "same code + same applied state: same fingerprint"
    );
    assert_ne!(
        replace.fingerprint, create.fingerprint,
        "replace vs create of the same configuration must differ"
    );
    assert_ne!(
        create.fingerprint, first.fingerprint,
        "a different trigger value must change the fingerprint"
    );
}

/// Kills the lock holder if the test fails before it is stopped cleanly.
struct Holder(Option<Child>);

impl Holder {
    /// Asks it to stop cleanly (SIGINT to its process group); returns its exit status.
    fn stop(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let mut child = self.0.take()?;
        let pgid = nix::unistd::Pid::from_raw(child.id() as i32);
        let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGINT);
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        child.wait().ok()
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
            let _ = child.wait();
        }
    }
}

fn raw_terraform(dir: &Path) -> Command {
    let mut cmd = Command::new(common::terraform());
    cmd.arg(format!("-chdir={}", dir.display()))
        .envs(AWS_ENV)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .stdin(Stdio::null());
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_lock_held_by_another_run_fails_after_timeout_with_its_lock_id() {
    const BUCKET: &str = "tfstate";
    const KEY: &str = "lock-test/terraform.tfstate";
    let lockfile = format!("{KEY}.tflock");
    let moto = Moto::start();
    moto.create_bucket(BUCKET);
    let tmp = tempfile::tempdir().expect("tempdir");

    // The holder: a plain `terraform apply` whose provisioner sleeps while it holds the lock.
    let holder_dir = tmp.path().join("holder");
    common::copy_tree(&common::fixtures().join("tf/slow_apply"), &holder_dir);
    moto.write_backend(&holder_dir, BUCKET, KEY);
    let init_out = raw_terraform(&holder_dir)
        .args(["init", "-input=false", "-no-color"])
        .output()
        .expect("run terraform init");
    assert!(
        init_out.status.success(),
        "holder init failed:\n{}",
        String::from_utf8_lossy(&init_out.stderr)
    );
    let holder_log = tmp.path().join("holder.log");
    let log = std::fs::File::create(&holder_log).expect("holder log");
    let mut holder = Holder(Some({
        use std::os::unix::process::CommandExt;
        raw_terraform(&holder_dir)
            .args([
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "-var",
                "sleep_seconds=20",
            ])
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("start the holder apply")
    }));
    let held = moto.wait_for_key(BUCKET, &lockfile, true, Duration::from_secs(60));
    assert!(
        held,
        "the holder never wrote {lockfile}; holder output:\n{}",
        std::fs::read_to_string(&holder_log).unwrap_or_default()
    );
    let lock_json: serde_json::Value =
        serde_json::from_str(&moto.get(BUCKET, &lockfile)).expect("lock file JSON");
    let holder_id = lock_json["ID"]
        .as_str()
        .expect("lock file has an ID")
        .to_string();

    // The waiter: our runner, with a 2 s lock timeout, planning the same state.
    let waiter_dir = tmp.path().join("waiter");
    common::copy_tree(&common::fixtures().join("tf/slow_apply"), &waiter_dir);
    moto.write_backend(&waiter_dir, BUCKET, KEY);
    let mut tf = terraform(Duration::from_secs(2)).with_env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in AWS_ENV {
        tf = tf.with_env(k, v);
    }
    init(&tf, &waiter_dir).await;
    let started = Instant::now();
    let error = plan(&tf, &waiter_dir, &tmp.path().join("waiter.tfplan"), &[])
        .await
        .expect_err("planning a locked state must fail");
    let waited = started.elapsed();
    let still_holding = holder
        .0
        .as_mut()
        .is_some_and(|c| matches!(c.try_wait(), Ok(None)));
    assert!(
        still_holding,
        "the holder finished early: the lock test proves nothing"
    );

    assert!(
        waited >= Duration::from_millis(1900),
        "it must wait for -lock-timeout=2s, failed after {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(15),
        "it waited far past the 2s lock timeout: {waited:?}"
    );
    let lock = error
        .lock
        .as_ref()
        .unwrap_or_else(|| panic!("expected a lock error, got: {error}\n{error:?}"));
    assert_eq!(
        lock.id, holder_id,
        "the reported lock ID must be the one in {lockfile}"
    );
    assert!(
        lock.who.is_some(),
        "Terraform prints who holds the lock: {lock:?}"
    );
    assert!(!error.interrupted);
    let shown = error.to_string();
    assert!(
        shown.contains(&holder_id),
        "the message must name the lock ID:\n{shown}"
    );
    assert!(
        shown.contains(&format!("terraform force-unlock {holder_id}")),
        "the message gives the fix:\n{shown}"
    );

    // Stop the holder cleanly; it releases its lock.
    let status = holder.stop(Duration::from_secs(30));
    assert!(status.is_some(), "the holder did not stop");
    assert!(
        moto.wait_for_key(BUCKET, &lockfile, false, Duration::from_secs(10)),
        "the interrupted holder left {lockfile} behind; holder output:\n{}",
        std::fs::read_to_string(&holder_log).unwrap_or_default()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn destroy_plan_previews_every_delete_and_its_apply_empties_the_state() {
    let (tmp, dir) = fixture("data");
    let tf = terraform(Duration::from_secs(5));
    init(&tf, &dir).await;
    let first = tmp.path().join("create.tfplan");
    plan_ok(&tf, &dir, &first, &[]).await;
    tf.apply(&dir, &first, &OutputSink::buffered())
        .await
        .expect("create");

    let preview = tmp.path().join("destroy.tfplan");
    let args = PlanArgs {
        destroy: true,
        lock: true,
        var_files: Vec::new(),
    };
    let outcome = tf
        .plan(&dir, &preview, &args, &OutputSink::buffered())
        .await
        .expect("plan -destroy");
    assert_eq!(outcome, PlanOutcome::Changes);
    let json = tmp.path().join("destroy.json");
    tf.show_json(&dir, &preview, &json).await.expect("show");
    let summary = Summary::from_file(&json).expect("summary");
    assert_eq!(summary.counts.delete, 1, "{:?}", summary.counts);
    assert_eq!(summary.counts.create, 0);
    let warned: Vec<_> = summary.destructive().map(|r| r.address.as_str()).collect();
    assert_eq!(warned, ["terraform_data.this"]);

    tf.apply(&dir, &preview, &OutputSink::buffered())
        .await
        .expect("apply the destroy plan");
    let state = std::fs::read_to_string(dir.join("terraform.tfstate")).expect("state");
    let state: serde_json::Value = serde_json::from_str(&state).expect("state JSON");
    assert_eq!(state["resources"], serde_json::json!([]), "{state}");
}
