//! SIGINT/SIGTERM handling. Terraform children run in their own process group, so a Ctrl-C in
//! a terminal reaches only us; we forward the first signal once, because a second interrupt
//! makes Terraform exit immediately without releasing its state lock.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static CANCELLED: AtomicBool = AtomicBool::new(false);
static INSTALLED: AtomicBool = AtomicBool::new(false);
static CHILDREN: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// Starts listening for SIGINT and SIGTERM. Call once from inside the runtime, before the
/// first Terraform child starts; later calls do nothing.
pub fn install() {
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tracing::warn!("cannot install signal handlers; Ctrl-C will stop Terraform abruptly");
        return;
    };
    tokio::spawn(async move {
        loop {
            let received = tokio::select! {
                _ = interrupt.recv() => Signal::SIGINT,
                _ = terminate.recv() => Signal::SIGTERM,
            };
            stop(&format!("{received} received"), received);
        }
    });
}

/// Stops every running Terraform child once, as a first Ctrl-C would: one `signal` to each,
/// then no new Terraform command may start. Called for a received signal and when
/// tfpromote's own deadline passes (`super::deadline`). A second call only says that
/// Terraform is still stopping (a second SIGINT would make it exit without releasing its
/// state lock).
pub fn stop(reason: &str, signal: Signal) {
    // Set the flag and take the snapshot under the CHILDREN lock, so a child that
    // registers concurrently is signalled either here or in register(), never both.
    let guard = CHILDREN.lock();
    if CANCELLED.swap(true, Ordering::SeqCst) {
        drop(guard);
        crate::say!(
            "tfpromote: {reason} again; still waiting for Terraform to stop and release its lock"
        );
        return;
    }
    let children = guard.map(|c| c.clone()).unwrap_or_default();
    crate::say!(
        "tfpromote: {reason}; asking {} Terraform process(es) to stop cleanly",
        children.len()
    );
    for pid in children {
        // The child may have just exited; nothing to do then.
        let _ = kill(Pid::from_raw(pid), signal);
    }
}

/// True once a stop signal arrived: no new Terraform command may start.
pub fn cancelled() -> bool {
    CANCELLED.load(Ordering::SeqCst)
}

/// Registers a running child so a stop signal reaches it; unregisters on drop.
pub struct ChildGuard(i32);

impl ChildGuard {
    pub fn register(pid: u32) -> Self {
        let pid = pid as i32;
        // Checked under the same lock install()'s handler holds while it sets CANCELLED and
        // snapshots CHILDREN: exactly one of the two signals this child.
        let late = match CHILDREN.lock() {
            Ok(mut children) => {
                children.push(pid);
                cancelled()
            }
            Err(_) => cancelled(),
        };
        // A signal that raced with the spawn must still reach this child.
        if late {
            let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
        }
        ChildGuard(pid)
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(mut children) = CHILDREN.lock() {
            children.retain(|p| *p != self.0);
        }
    }
}
