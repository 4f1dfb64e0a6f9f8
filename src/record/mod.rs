//! One recorder for every outcome of an apply or a destroy: each event (what the gates
//! read, a warning, the start, the end) goes to every channel that shows it: stderr, a
//! warning annotation, the job summary, the commit status `tfpromote/<env>`, the GitHub
//! Deployment and the tracker row. `decide` says what each channel says (pure, snapshot
//! tested); `send` delivers it.

pub mod decide;
mod send;

pub use decide::{Action, Event, Subject};
pub use send::Recorder;
