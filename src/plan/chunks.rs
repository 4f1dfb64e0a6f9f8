//! Parses `resource_changes` on several threads: the scanner cuts elements out of the
//! stream on this thread and hands them over in chunks; workers parse and tally them; the
//! tallies are merged back in document order. On two cores this nearly halves reading time
//! (scripts/bench-render), while memory stays bounded by the chunks in flight.

use std::collections::BTreeMap;
use std::io::Read;
use std::ops::Range;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use super::ResourceChange;
use super::reader::{ChangeVisitor, parse_text};
use super::scan::Scanner;

/// Bytes of elements per chunk: large enough to amortise hand-over, small enough to keep
/// a few in flight without holding much of the plan. Up to `2 * workers + 1` chunks are
/// alive at once (queued, being tallied, being filled); 512 KiB chunks and a queue twice
/// as deep cost 4 MiB more peak memory on large plans for no measurable speed
/// (scripts/bench-render).
const CHUNK_BYTES: usize = 256 * 1024;

/// Elements of one chunk, copied out of the scanner's buffer.
struct Chunk {
    first_index: usize,
    bytes: Vec<u8>,
    elements: Vec<Range<usize>>,
}

impl Chunk {
    fn new(first_index: usize) -> Self {
        Chunk {
            first_index,
            bytes: Vec::with_capacity(CHUNK_BYTES + 32 * 1024),
            elements: Vec::new(),
        }
    }

    /// Folds this chunk's elements into `tally`, a fresh one made for it.
    fn tally<C: ChangeVisitor>(&self, mut tally: C) -> Result<C, String> {
        let name = |offset: usize| format!("resource_changes[{}]", self.first_index + offset);
        // One UTF-8 check for the whole chunk rather than one per string and per raw value
        // kept: most of a plan's bytes are in `before`/`after`, which are read again later.
        let text = std::str::from_utf8(&self.bytes).map_err(|e| {
            let at = e.valid_up_to();
            let offset = self.elements.iter().position(|r| r.contains(&at));
            let element = offset.map_or_else(|| "resource_changes".to_string(), name);
            let byte = offset.map_or(at, |o| at - self.elements[o].start);
            format!("is not valid JSON ({element}: not UTF-8 text at byte {byte} of it)")
        })?;
        for (offset, range) in self.elements.iter().enumerate() {
            // Elements start and end on `{`/`}` (or another ASCII byte): character boundaries.
            let element = text.get(range.clone()).unwrap_or_default();
            let change: ResourceChange = parse_text(element, || name(offset))?;
            tally.resource_change(change);
        }
        tally.chunk_done();
        Ok(tally)
    }
}

/// Reads the elements after `[` up to and including `]` into `into`.
pub fn read_changes<R: Read, C: ChangeVisitor>(
    scan: &mut Scanner<R>,
    into: &mut C,
) -> Result<(), String> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    std::thread::scope(|scope| {
        // One queued chunk per worker keeps each busy while the next is cut.
        let (jobs, job_queue) = sync_channel::<(usize, Chunk, C)>(workers);
        let job_queue = Arc::new(Mutex::new(job_queue));
        let (results, finished) = std::sync::mpsc::channel::<(usize, Result<C, String>)>();
        for _ in 0..workers {
            let (job_queue, results) = (job_queue.clone(), results.clone());
            scope.spawn(move || work(&job_queue, &results));
        }
        drop(results);

        let mut merger = Merger::new(into);
        let mut sequence = 0;
        let mut chunk = Chunk::new(0);
        let mut index = 0;
        let outcome = loop {
            let piece = match scan.value() {
                Ok(piece) => piece,
                Err(e) => break Err(e),
            };
            let start = chunk.bytes.len();
            chunk.bytes.extend_from_slice(piece);
            chunk.elements.push(start..chunk.bytes.len());
            index += 1;
            let more = match scan.eat(b',') {
                Ok(more) => more,
                Err(e) => break Err(e),
            };
            if chunk.bytes.len() >= CHUNK_BYTES || !more {
                let full = std::mem::replace(&mut chunk, Chunk::new(index));
                if jobs.send((sequence, full, merger.into.fresh())).is_err() {
                    break Err("internal error: plan workers stopped".into());
                }
                sequence += 1;
                // Merge what is ready so finished tallies do not pile up.
                while let Ok((seq, tally)) = finished.try_recv() {
                    merger.accept(seq, tally);
                }
            }
            if !more {
                break Ok(());
            }
        };
        drop(jobs);
        for (seq, tally) in finished.iter() {
            merger.accept(seq, tally);
        }
        outcome?;
        merger.finish(sequence)?;
        scan.expect(b']', "',' or ']' in a list of resource changes")
    })
}

fn work<C: ChangeVisitor>(
    job_queue: &Mutex<Receiver<(usize, Chunk, C)>>,
    results: &std::sync::mpsc::Sender<(usize, Result<C, String>)>,
) {
    loop {
        let job = match job_queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok((sequence, chunk, tally)) = job else {
            return;
        };
        if results.send((sequence, chunk.tally(tally))).is_err() {
            return;
        }
    }
}

/// Merges tallies in sequence order, holding early arrivals until their turn.
struct Merger<'a, C> {
    into: &'a mut C,
    next: usize,
    waiting: BTreeMap<usize, C>,
    error: Option<(usize, String)>,
}

impl<'a, C: ChangeVisitor> Merger<'a, C> {
    fn new(into: &'a mut C) -> Self {
        Merger {
            into,
            next: 0,
            waiting: BTreeMap::new(),
            error: None,
        }
    }

    fn accept(&mut self, sequence: usize, tally: Result<C, String>) {
        match tally {
            Ok(tally) => {
                self.waiting.insert(sequence, tally);
                while let Some(ready) = self.waiting.remove(&self.next) {
                    self.into.merge(ready);
                    self.next += 1;
                }
            }
            // Report the first error in document order, as a sequential reader would.
            Err(e) => {
                if self.error.as_ref().is_none_or(|(s, _)| sequence < *s) {
                    self.error = Some((sequence, e));
                }
            }
        }
    }

    fn finish(self, chunks: usize) -> Result<(), String> {
        if let Some((_, e)) = self.error {
            return Err(e);
        }
        if self.next != chunks {
            return Err("internal error: a chunk of resource changes was lost".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::{ChangeVisitor, ResourceChange, read_plan};
    use crate::summary::{Summary, SummaryBuilder};

    fn plan(n: usize, broken_at: Option<usize>) -> String {
        let mut text = String::from(r#"{"format_version":"1.2","resource_changes":["#);
        for i in 0..n {
            if i > 0 {
                text.push(',');
            }
            let actions = ["create", "update", "delete"][i % 3];
            if Some(i) == broken_at {
                text.push_str(r#"{"address":"x.broken","change":{"actions":"not-a-list"}}"#);
                continue;
            }
            text.push_str(&format!(
                r#"{{"address":"module.m.aws_thing.r{i:06}","change":{{"actions":["{actions}"],"before":{{"v":{i},"pad":"{pad}"}},"after":{{"v":{next},"pad":"{pad}"}}}}}}"#,
                next = i + 1,
                pad = "x".repeat(200)
            ));
        }
        text.push_str("]}");
        text
    }

    /// Several chunks on several threads give exactly what one sequential pass gives.
    #[test]
    fn chunked_reading_equals_a_sequential_fold() {
        let text = plan(6000, None);
        assert!(
            text.len() > 3 * super::CHUNK_BYTES,
            "the plan must span several chunks"
        );
        let chunked = Summary::from_reader(text.as_bytes()).expect("reads");

        let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
        let mut sequential = SummaryBuilder::default();
        crate::plan::PlanVisitor::format_version(&mut sequential, "1.2");
        for element in doc["resource_changes"].as_array().expect("list") {
            let raw = element.to_string();
            let change: ResourceChange = serde_json::from_str(&raw).expect("change");
            crate::plan::PlanVisitor::changes(&mut sequential).resource_change(change);
        }
        let sequential = sequential.finish();
        assert_eq!(chunked, sequential);
        assert_eq!(chunked.resources.len(), 6000);
        assert_eq!(
            chunked.resources[4321].address,
            "module.m.aws_thing.r004321"
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_named_with_its_element() {
        let mut text = plan(6000, None).into_bytes();
        let at = text
            .windows(8)
            .position(|w| w == b"r004500\"")
            .expect("element 4500");
        text[at + 1] = 0xff;
        let mut builder = SummaryBuilder::default();
        let error = read_plan(text.as_slice(), &mut builder).expect_err("must fail");
        assert!(
            error.contains("resource_changes[4500]: not UTF-8 text at byte"),
            "{error}"
        );
    }

    #[test]
    fn a_bad_element_in_a_later_chunk_is_named() {
        let text = plan(6000, Some(5000));
        let mut builder = SummaryBuilder::default();
        let error = read_plan(text.as_bytes(), &mut builder).expect_err("must fail");
        assert!(error.contains("resource_changes[5000]"), "{error}");
    }
}
