//! Lets a second reader look at every resource change in the same pass as a
//! [`PlanVisitor`] (the summary), on the same worker threads, so what policies and the cost
//! estimate need is gathered without reading the plan a second time (scripts/bench-policy:
//! the second read alone cost more than the whole render on large plans).

use serde_json::Value;

use super::{ChangeVisitor, OutputChange, PlanVisitor, ResourceChange};

/// Looks at each element of `resource_changes` before the visitor's own tally takes it.
/// Like a [`ChangeVisitor`], each chunk of a large plan gets a fresh one (possibly on
/// another thread) and the chunks' observers are merged back in document order.
pub trait ChangeObserver: Send {
    fn fresh(&self) -> Self;
    fn observe(&mut self, change: &ResourceChange<'_>);
    fn merge(&mut self, later: Self);
}

/// A visitor's tally and an observer, read together.
pub struct Both<C, O> {
    pub tally: C,
    pub observer: O,
}

impl<C: ChangeVisitor, O: ChangeObserver> ChangeVisitor for Both<C, O> {
    fn fresh(&self) -> Self {
        Both {
            tally: self.tally.fresh(),
            observer: self.observer.fresh(),
        }
    }

    fn resource_change(&mut self, change: ResourceChange<'_>) {
        self.observer.observe(&change);
        self.tally.resource_change(change);
    }

    fn chunk_done(&mut self) {
        self.tally.chunk_done();
    }

    fn merge(&mut self, later: Self) {
        self.tally.merge(later.tally);
        self.observer.merge(later.observer);
    }
}

/// `visitor`, with `observer` shown every resource change as well. The visitor's own
/// change tally is lent to the pair while `resource_changes` is read and handed back
/// before any other part of the plan reaches the visitor, so the visitor sees exactly
/// what it would have seen alone.
pub struct Observed<V: PlanVisitor, O> {
    visitor: V,
    both: Both<V::Changes, O>,
    lent: bool,
}

impl<V: PlanVisitor, O: ChangeObserver> Observed<V, O> {
    pub fn new(mut visitor: V, observer: O) -> Self {
        // A stand-in until the visitor's own tally is lent (same settings, empty).
        let tally = visitor.changes().fresh();
        Observed {
            visitor,
            both: Both { tally, observer },
            lent: false,
        }
    }

    fn give_back(&mut self) -> &mut V {
        if self.lent {
            std::mem::swap(self.visitor.changes(), &mut self.both.tally);
            self.lent = false;
        }
        &mut self.visitor
    }

    /// The visitor, with its tally back, and what the observer gathered.
    pub fn finish(mut self) -> (V, O) {
        self.give_back();
        (self.visitor, self.both.observer)
    }
}

impl<V: PlanVisitor, O: ChangeObserver> PlanVisitor for Observed<V, O> {
    type Changes = Both<V::Changes, O>;

    fn changes(&mut self) -> &mut Self::Changes {
        if !self.lent {
            std::mem::swap(self.visitor.changes(), &mut self.both.tally);
            self.lent = true;
        }
        &mut self.both
    }

    fn format_version(&mut self, version: &str) {
        self.give_back().format_version(version);
    }

    fn terraform_version(&mut self, version: &str) {
        self.give_back().terraform_version(version);
    }

    fn variable(&mut self, name: String, value: Value) {
        self.give_back().variable(name, value);
    }

    fn resource_drift(&mut self, change: ResourceChange<'_>) {
        self.give_back().resource_drift(change);
    }

    fn output_change(&mut self, name: String, change: OutputChange) {
        self.give_back().output_change(name, change);
    }

    fn sensitive_variable(&mut self, name: String) {
        self.give_back().sensitive_variable(name);
    }

    fn errored(&mut self, errored: bool) {
        self.give_back().errored(errored);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{Summary, SummaryBuilder};

    /// Counts the resource changes it is shown.
    #[derive(Default)]
    struct Count(Vec<String>);

    impl ChangeObserver for Count {
        fn fresh(&self) -> Self {
            Count::default()
        }
        fn observe(&mut self, change: &ResourceChange<'_>) {
            self.0.push(change.address.to_string());
        }
        fn merge(&mut self, later: Self) {
            self.0.extend(later.0);
        }
    }

    /// The summary read with an observer equals the one read alone (outputs before and
    /// after the resources included: the tally must be back in place for them), and the
    /// observer saw every resource in document order.
    #[test]
    fn an_observed_read_gives_the_same_summary() {
        let mut text = String::from(
            r#"{"format_version":"1.2","output_changes":{"a":{"actions":["create"],"after":"x","after_sensitive":false}},"resource_changes":["#,
        );
        for i in 0..5000 {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&format!(
                r#"{{"address":"aws_thing.r{i}","type":"aws_thing","change":{{"actions":["{}"],"before":null,"after":{{"v":"{}"}},"after_sensitive":{{"v":{}}}}}}}"#,
                ["create", "no-op", "update"][i % 3],
                "x".repeat(100),
                i % 7 == 0
            ));
        }
        text.push_str(r#"],"output_changes":{"b":{"actions":["update"],"before":"p","after":"q","before_sensitive":true,"after_sensitive":true}}}"#);
        let alone = Summary::from_reader(text.as_bytes()).expect("reads");
        let mut observed = Observed::new(SummaryBuilder::default(), Count::default());
        crate::plan::read_plan(text.as_bytes(), &mut observed).expect("reads");
        let (builder, seen) = observed.finish();
        assert_eq!(builder.finish(), alone);
        assert_eq!(seen.0.len(), 5000);
        assert_eq!(seen.0[4321], "aws_thing.r4321");
    }
}
