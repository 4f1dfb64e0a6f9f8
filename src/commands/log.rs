//! Terraform's output as the user sees it: one collapsible group per environment, workflow
//! commands disabled inside it, diagnostics as annotations on the files they name.

use crate::actions;
use crate::redact::Redactor;

/// How many trailing lines of a failed step are shown when the log went to a file.
const FAILURE_TAIL: usize = 25;

/// Writes one step's Terraform output to `DIR/<name>.log` (redacted) and prints where; a
/// failed step also shows its tail. Without a directory, prints it like [`print`].
pub fn print_or_file(
    dir: Option<&std::path::Path>,
    name: &str,
    lines: &[String],
    redactor: &Redactor,
    failed: bool,
    prefixed: bool,
) {
    let Some(dir) = dir else {
        print(name, lines, redactor, prefixed);
        return;
    };
    // The runner masks only what follows its `::add-mask::`.
    actions::add_masks(redactor.mask_forms());
    let path = dir.join(format!("{}.log", name.replace([' ', '/'], "-")));
    // Masked whole, not line by line: a secret Terraform wrapped over two lines is found.
    let mut text = lines.join("\n");
    text.push('\n');
    let written = std::fs::create_dir_all(dir).and_then(|_| actions::write_file(&path, &text));
    match written {
        Ok(()) => crate::say!("tfpromote: {name}: Terraform log in {}", path.display()),
        Err(e) => {
            crate::say!(
                "tfpromote: cannot write {}: {e}; printing the log",
                path.display()
            );
            print(name, lines, redactor, false);
            return;
        }
    }
    if failed {
        let tail = &lines[lines.len().saturating_sub(FAILURE_TAIL)..];
        print(
            &format!("{name} (last {} lines)", tail.len()),
            tail,
            redactor,
            false,
        );
    }
}

/// Prints one environment's Terraform output as a collapsible group, with workflow commands
/// disabled inside it (the text may echo strings a pull request controls).
pub fn print(name: &str, lines: &[String], redactor: &Redactor, prefixed: bool) {
    let prefix = if prefixed && !actions::in_actions() {
        format!("[{name}] ")
    } else {
        String::new()
    };
    // The runner masks only what follows its `::add-mask::`.
    actions::add_masks(redactor.mask_forms());
    actions::group_start(&format!("terraform: {name}"));
    let token = actions::pause_commands();
    // Masked whole (see above), then prefixed line by line.
    let text = crate::redact::point::mask(&lines.join("\n"));
    for line in text.lines() {
        eprintln!("{prefix}{line}");
    }
    actions::resume_commands(token);
    actions::group_end();
}

/// Terraform's errors and warnings as annotations on the file and line they name, so they
/// show on the pull request's diff. Paths are made relative to the working directory (the
/// workspace in Actions). At most ten per environment: GitHub shows no more per step.
pub fn annotate_diagnostics(dir: &std::path::Path, lines: &[String]) {
    let cwd = std::env::current_dir().unwrap_or_default();
    let base = dir.strip_prefix(&cwd).unwrap_or(dir);
    for d in actions::diagnostics(lines).into_iter().take(10) {
        let level = if d.error {
            actions::Level::Error
        } else {
            actions::Level::Warning
        };
        // The annotation channel masks both (after the detail's lines were joined).
        let title = format!("Terraform: {}", d.summary);
        let detail = d.detail;
        match &d.location {
            Some((file, line)) => {
                let path = base.join(file);
                actions::annotate_at(level, &title, &detail, &path.to_string_lossy(), *line)
            }
            None => actions::annotate(level, &title, &detail),
        }
    }
}
