//! Where a Terraform child's output goes: streamed to stderr with an environment prefix, or
//! buffered so concurrent environments print as whole `::group::` blocks in Actions.

use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub struct OutputSink {
    prefix: String,
    buffer: Option<Arc<Mutex<Vec<String>>>>,
}

impl OutputSink {
    /// Lines are printed as they come, each prefixed (e.g. `[dev] `).
    pub fn streaming(prefix: impl Into<String>) -> Self {
        OutputSink {
            prefix: prefix.into(),
            buffer: None,
        }
    }

    /// Lines are kept and printed later with [`OutputSink::take`].
    pub fn buffered() -> Self {
        OutputSink {
            prefix: String::new(),
            buffer: Some(Arc::new(Mutex::new(Vec::new()))),
        }
    }

    /// `line` as Terraform wrote it: a streamed line is masked by the stderr channel, a
    /// buffered one when it is printed.
    pub fn line(&self, line: &str) {
        match &self.buffer {
            Some(buffer) => {
                if let Ok(mut lines) = buffer.lock() {
                    lines.push(line.to_string());
                }
            }
            None => crate::say!("{}{line}", self.prefix),
        }
    }

    pub fn take(&self) -> Vec<String> {
        self.buffer
            .as_ref()
            .and_then(|b| b.lock().ok().map(|mut lines| std::mem::take(&mut *lines)))
            .unwrap_or_default()
    }
}
