//! SIGINT to tfpromote while Terraform applies: the signal is forwarded once, Terraform stops
//! cleanly and releases its S3 lockfile. Its own test binary: it signals its own process, and
//! after that every later Terraform command in this process is refused by design.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::moto::{AWS_ENV, Moto};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tfpromote::redact::Redactor;
use tfpromote::terraform::output::OutputSink;
use tfpromote::terraform::runner::PlanArgs;
use tfpromote::terraform::{PlanOutcome, Terraform, signals};

const BUCKET: &str = "tfstate";
const KEY: &str = "signal-test/terraform.tfstate";

async fn wait_for_file(path: &Path, timeout: Duration, still_running: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if path.exists() {
            return true;
        }
        if !still_running() {
            return path.exists();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_during_apply_stops_terraform_cleanly_and_releases_the_s3_lock() {
    let lockfile = format!("{KEY}.tflock");
    let moto = Moto::start();
    moto.create_bucket(BUCKET);
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("root");
    common::copy_tree(&common::fixtures().join("tf/slow_apply"), &dir);
    moto.write_backend(&dir, BUCKET, KEY);

    signals::install();
    let mut tf = Terraform::new(
        common::terraform(),
        Duration::from_secs(5),
        Arc::new(Redactor::default()),
    )
    .with_env("AWS_EC2_METADATA_DISABLED", "true")
    .with_env("TF_VAR_sleep_seconds", "60");
    for (k, v) in AWS_ENV {
        tf = tf.with_env(k, v);
    }

    let sink = OutputSink::buffered();
    if let Err(e) = tf.init(&dir, &[], &sink).await {
        panic!("init failed: {e}\n{}", sink.take().join("\n"));
    }
    let planfile = tmp.path().join("slow.tfplan");
    let outcome = tf
        .plan(&dir, &planfile, &PlanArgs::default(), &sink)
        .await
        .unwrap_or_else(|e| panic!("plan failed: {e}\n{}", sink.take().join("\n")));
    assert_eq!(outcome, PlanOutcome::Changes);

    let apply_sink = OutputSink::buffered();
    let apply = {
        let (tf, dir, planfile, sink) = (
            tf.clone(),
            dir.clone(),
            planfile.clone(),
            apply_sink.clone(),
        );
        tokio::spawn(async move {
            let started = Instant::now();
            let result = tf.apply(&dir, &planfile, &sink).await;
            (result, started.elapsed())
        })
    };

    // The provisioner touches its marker and then sleeps 60 s with the lock held.
    let marker = dir.join("started.marker");
    let started = wait_for_file(&marker, Duration::from_secs(60), || !apply.is_finished()).await;
    assert!(
        started,
        "the provisioner never started; apply output:\n{}",
        apply_sink.take().join("\n")
    );
    assert!(
        moto.keys(BUCKET).contains(&lockfile),
        "the running apply should hold {lockfile} (else the release check below proves nothing)"
    );

    let signalled = Instant::now();
    kill(Pid::this(), Signal::SIGINT).expect("send SIGINT to this process");

    let (result, apply_took) = tokio::time::timeout(Duration::from_secs(45), apply)
        .await
        .expect("the apply did not stop within 45s of SIGINT")
        .expect("apply task panicked");
    let stop_took = signalled.elapsed();
    let output = apply_sink.take().join("\n");
    let error = match result {
        Ok(()) => panic!("the apply succeeded despite SIGINT after {apply_took:?}:\n{output}"),
        Err(e) => e,
    };
    assert!(
        error.interrupted,
        "the error must say interrupted: {error:?}\n{output}"
    );
    assert!(
        stop_took < Duration::from_secs(20),
        "stopping took {stop_took:?}: the 60 s sleep was not cut short"
    );
    assert!(
        apply_took < Duration::from_secs(50),
        "apply ran {apply_took:?}"
    );
    assert!(
        output.contains("Interrupt received") || output.contains("Gracefully shutting down"),
        "Terraform should have received exactly one, graceful interrupt; its output:\n{output}"
    );
    assert!(
        !output.contains("Two interrupts received"),
        "the signal must be forwarded once: a second interrupt makes Terraform exit without unlocking:\n{output}"
    );
    assert!(error.to_string().contains("interrupted"), "{error}");

    // The lock was released on the way out.
    let keys = moto.keys(BUCKET);
    assert!(
        !keys.contains(&lockfile),
        "{lockfile} is still in the bucket after the interrupt: {keys:?}"
    );

    // Nothing new starts in this process once cancelled ...
    let refused = tf
        .plan(
            &dir,
            &tmp.path().join("after.tfplan"),
            &PlanArgs::default(),
            &OutputSink::buffered(),
        )
        .await
        .expect_err("after a stop signal no new Terraform command may start");
    assert!(refused.interrupted, "{refused:?}");

    // ... but another run can take the lock at once (-lock-timeout=0s).
    let after = Command::new(common::terraform())
        .arg(format!("-chdir={}", dir.display()))
        .args([
            "plan",
            "-input=false",
            "-no-color",
            "-detailed-exitcode",
            "-lock-timeout=0s",
        ])
        .envs(AWS_ENV)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TF_VAR_sleep_seconds", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run terraform plan");
    let code = after.status.code();
    assert!(
        matches!(code, Some(0) | Some(2)),
        "a plan with -lock-timeout=0s after the interrupt must succeed (exit 0 or 2), got {code:?}:\n{}",
        String::from_utf8_lossy(&after.stderr)
    );
}
