//! Secret values stored compactly, with what matching needs worked out as each is added.
//!
//! A plan where every resource carries its own secrets marks about 440,000 values on
//! 100,000 resources. Held as one `String` each, with their escaped and collapsed forms as
//! more strings, they cost several times the plan's own reading memory (BENCHMARKS.md). Here
//! the values share one buffer, and a value that is not [`super::is_plain`] keeps only a
//! fingerprint of each of its match forms (its first four bytes, its length and a 64-bit
//! hash): enough for the prefix index to find it. A hash collision can only make the
//! matcher replace text that is not a secret, never miss one. The forms themselves are
//! derived again from the value when something needs their text (the automaton of a small
//! set, `::add-mask::`).
//!
//! Values are added where they are read (on the plan's worker threads), so the forms are
//! derived and hashed there, in parallel, not after the whole plan is read. A list made by
//! [`SecretList::prints_only`] keeps no text at all, only every value's forms'
//! fingerprints: what `render`'s Markdown block needs, which masks them and prints nothing
//! else of them.

use std::sync::Arc;

use super::forms::FormBuffer;
use super::{is_plain, is_trivial};

/// The fingerprint of one match form: what the prefix index files it under (its first four
/// bytes), how long it is and a hash of all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct FormPrint {
    pub prefix: u32,
    /// The form's length in bytes; `u32::MAX` for a form of 4 GiB or more, which then
    /// matches the rest of any text from its prefix on (replacing too much, never too little).
    pub len: u32,
    pub hash: u64,
}

impl FormPrint {
    /// The order the prefix index keeps fingerprints in (prefix, then length, then hash) as
    /// one number: sorting a large plan's hundreds of thousands compares faster that way.
    pub(super) fn order(&self) -> u128 {
        (u128::from(self.prefix) << 96) | (u128::from(self.len) << 64) | u128::from(self.hash)
    }

    /// `None` for a form shorter than four bytes (never registered: see [`is_trivial`]).
    pub(super) fn of(form: &str) -> Option<FormPrint> {
        let bytes = form.as_bytes();
        Some(FormPrint {
            prefix: prefix(bytes)?,
            len: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
            hash: hash(bytes),
        })
    }
}

/// The first four bytes of `bytes` as a number, the key of the prefix index.
pub(super) fn prefix(bytes: &[u8]) -> Option<u32> {
    let four: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    Some(u32::from_le_bytes(four))
}

/// A 64-bit hash of `bytes`: eight bytes at a time, each folded in with a 128-bit multiply
/// (the construction of foldhash and wyhash). Fixed, not seeded per process: a collision
/// only replaces text that is not a secret.
pub(super) fn hash(bytes: &[u8]) -> u64 {
    const K1: u64 = 0x9E37_79B9_7F4A_7C15;
    const K2: u64 = 0xA076_1D64_78BD_642F;
    fn fold(a: u64, b: u64) -> u64 {
        let product = u128::from(a) * u128::from(b);
        (product as u64) ^ ((product >> 64) as u64)
    }
    let mut h = fold(bytes.len() as u64 ^ K2, K1);
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h = fold(h ^ u64::from_le_bytes(w), K2) ^ h.rotate_left(23);
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = fold(h ^ u64::from_le_bytes(w), K2) ^ h.rotate_left(23);
    }
    fold(h ^ K1, K2 ^ h)
}

/// Non-trivial secret values in the order added, with the fingerprints of the match forms
/// of those that are not plain; or, in a list made by [`SecretList::prints_only`], only the
/// fingerprints of every value's match forms. Its `Debug` shows only how many there are, so
/// a debug print never carries one.
#[derive(Clone, Default)]
pub struct SecretList {
    /// Every value, one after another.
    text: String,
    /// Where each value ends in `text` (value `i` starts where value `i - 1` ends).
    ends: Vec<usize>,
    /// Per value: how it is matched.
    kinds: Vec<Kind>,
    /// The fingerprints of the match forms of the values that are not plain.
    forms: Vec<FormPrint>,
    /// Per value, where its fingerprints end in `forms`.
    form_ends: Vec<usize>,
    /// Set by [`SecretList::dedup`] while no value has been added since.
    distinct: bool,
    /// Keep new values as fingerprints only.
    prints_only: bool,
    /// The match forms' fingerprints of the values kept as fingerprints only; sorted by
    /// prefix, length and hash, without duplicates, once [`SecretList::seal`]ed. Shared
    /// with the prefix index built from them rather than copied.
    loose: Arc<Vec<FormPrint>>,
    /// True while `loose` is sorted and without duplicates.
    sealed: bool,
    /// True while `loose` is sealed lists one after another (each sorted on its own).
    sorted_runs: bool,
    /// Values kept as fingerprints only that look like a number Terraform may print with
    /// more digits than a float keeps (see [`super::lost_digits_pattern`]), as text.
    numbers: Vec<String>,
    /// Where the match forms of the value being added are derived: reused, not part of
    /// what the list holds.
    scratch: FormBuffer,
}

/// How far a [`SecretList`] had got, to take back what was added after it.
#[derive(Debug, Clone, Copy)]
pub struct ListPoint {
    text: usize,
    values: usize,
    forms: usize,
    loose: usize,
    numbers: usize,
}

/// How a value kept with its text is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// As it is (see [`is_plain`]).
    Plain,
    /// By its match forms' fingerprints.
    Special,
    /// Not at all ([`is_trivial`]): kept so a summary lists every value its plan marks, left
    /// out of what a redactor learns.
    Trivial,
}

impl std::fmt::Debug for SecretList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SecretList({} values, {} fingerprints only)",
            self.ends.len(),
            self.loose.len()
        )
    }
}

/// Lists with text compare their values in order. A list holding values as fingerprints
/// only compares as the set of every match form's fingerprint (the same secrets, masked the
/// same way; trivial values, never masked, do not count).
impl PartialEq for SecretList {
    fn eq(&self, other: &Self) -> bool {
        let text_only = |l: &SecretList| !l.prints_only && l.loose.is_empty();
        if text_only(self) && text_only(other) {
            return self.len() == other.len() && self.iter().eq(other.iter());
        }
        self.all_prints() == other.all_prints()
    }
}

impl Eq for SecretList {}

impl<S: AsRef<str>> FromIterator<S> for SecretList {
    fn from_iter<I: IntoIterator<Item = S>>(values: I) -> Self {
        let mut list = SecretList::default();
        for value in values {
            list.push(value.as_ref());
        }
        list
    }
}

impl SecretList {
    /// A list that keeps values as the fingerprints of their match forms only, for text
    /// that is masked but never registered with the runner (`render`'s Markdown block): on
    /// a plan with hundreds of thousands of secrets the values' text and offsets were most
    /// of the memory. Such values are matched by the prefix index only, never iterated.
    pub fn prints_only() -> Self {
        SecretList {
            prints_only: true,
            ..SecretList::default()
        }
    }

    /// Adds `value`. A trivial one ([`is_trivial`]) is never masked: kept as text only
    /// (a list of fingerprints drops it), and a redactor never learns it.
    pub fn push(&mut self, value: &str) {
        self.distinct = false;
        let trivial = is_trivial(value);
        if trivial && self.prints_only {
            return;
        }
        if self.prints_only {
            let loose = Arc::make_mut(&mut self.loose);
            if is_plain(value) {
                loose.extend(FormPrint::of(value));
            } else {
                loose.extend(self.scratch.derive(value).filter_map(FormPrint::of));
            }
            self.sealed = false;
            self.sorted_runs = false;
            if super::lost_digits_pattern(value).is_some() {
                self.numbers.push(value.to_string());
            }
            return;
        }
        self.text.push_str(value);
        self.ends.push(self.text.len());
        let kind = match (trivial, is_plain(value)) {
            (true, _) => Kind::Trivial,
            (false, true) => Kind::Plain,
            (false, false) => Kind::Special,
        };
        self.kinds.push(kind);
        if kind == Kind::Special {
            self.forms
                .extend(self.scratch.derive(value).filter_map(FormPrint::of));
        }
        self.form_ends.push(self.forms.len());
        self.distinct = false;
    }

    /// Where the list stands now.
    pub fn point(&self) -> ListPoint {
        ListPoint {
            text: self.text.len(),
            values: self.ends.len(),
            forms: self.forms.len(),
            loose: self.loose.len(),
            numbers: self.numbers.len(),
        }
    }

    /// Takes back every value added since `point` was taken.
    pub fn truncate(&mut self, point: ListPoint) {
        if self.loose.len() > point.loose {
            Arc::make_mut(&mut self.loose).truncate(point.loose);
        }
        self.text.truncate(point.text);
        self.ends.truncate(point.values);
        self.kinds.truncate(point.values);
        self.form_ends.truncate(point.values);
        self.forms.truncate(point.forms);
        self.numbers.truncate(point.numbers);
        self.distinct = false;
    }

    /// How many values are kept with their text, plus how many fingerprints stand for
    /// values kept without.
    pub fn len(&self) -> usize {
        self.ends.len() + self.loose.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty() && self.loose.is_empty()
    }

    /// The values kept with their text and those kept as fingerprints only that may be
    /// numbers Terraform prints with more digits than a float keeps.
    pub(super) fn number_candidates(&self) -> impl Iterator<Item = &str> {
        self.iter().chain(self.numbers.iter().map(String::as_str))
    }

    /// The fingerprints of the values kept as fingerprints only, once sealed.
    pub(super) fn loose(&self) -> Option<&Arc<Vec<FormPrint>>> {
        (!self.loose.is_empty()).then_some(&self.loose)
    }

    /// Sorts and deduplicates the fingerprints of values kept as fingerprints only (what
    /// the prefix index needs of them).
    pub(super) fn seal(&mut self) {
        if !self.sealed {
            let loose = Arc::make_mut(&mut self.loose);
            if self.sorted_runs {
                // Sealed lists appended one after another: a stable sort merges the runs
                // rather than sorting from scratch (the last step of reading a large plan,
                // on one thread).
                loose.sort_by_key(FormPrint::order);
            } else {
                loose.sort_unstable_by_key(FormPrint::order);
            }
            loose.dedup();
            self.sorted_runs = true;
            self.sealed = true;
        }
    }

    /// Every match form's fingerprint, sorted and without duplicates.
    fn all_prints(&self) -> Vec<FormPrint> {
        let mut all: Vec<FormPrint> = (0..self.ends.len())
            .filter(|&i| self.kinds[i] == Kind::Plain)
            .filter_map(|i| FormPrint::of(self.get(i)))
            .chain(self.forms.iter().copied())
            .chain(self.loose.iter().copied())
            .collect();
        all.sort_unstable_by_key(FormPrint::order);
        all.dedup();
        all
    }

    /// Value number `i`.
    pub fn get(&self, i: usize) -> &str {
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p]);
        &self.text[start..self.ends[i]]
    }

    /// The values kept with their text (not those kept as fingerprints only).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + Clone + '_ {
        (0..self.ends.len()).map(|i| self.get(i))
    }

    /// True when value `i` is matched as it is.
    #[cfg(test)]
    pub(super) fn is_plain_at(&self, i: usize) -> bool {
        self.kinds[i] == Kind::Plain
    }

    /// The values kept with their text that are matched as they are.
    pub(super) fn plain_values(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len())
            .filter(|&i| self.kinds[i] == Kind::Plain)
            .map(|i| self.get(i))
    }

    /// The values kept with their text that are matched by their forms.
    pub(super) fn special_values(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len())
            .filter(|&i| self.kinds[i] == Kind::Special)
            .map(|i| self.get(i))
    }

    /// The fingerprints of every special match form, in order; numbered by position.
    pub(super) fn forms(&self) -> &[FormPrint] {
        &self.forms
    }

    /// The total length of every match form: plain values and special forms.
    pub(super) fn form_bytes(&self) -> usize {
        let plain: usize = (0..self.ends.len())
            .filter(|&i| self.kinds[i] == Kind::Plain)
            .map(|i| self.get(i).len())
            .sum();
        plain
            + self
                .forms
                .iter()
                .chain(self.loose.iter())
                .map(|f| f.len as usize)
                .fold(0usize, usize::saturating_add)
    }

    /// Appends `other`'s values after these.
    pub fn append(&mut self, mut other: SecretList) {
        if self.is_empty() {
            let prints_only = self.prints_only;
            *self = other;
            self.prints_only |= prints_only;
            self.distinct = false;
            return;
        }
        if !other.loose.is_empty() {
            self.sorted_runs = (self.sorted_runs || self.loose.is_empty()) && other.sorted_runs;
            if self.loose.is_empty() {
                self.loose = std::mem::take(&mut other.loose);
            } else {
                Arc::make_mut(&mut self.loose).extend(other.loose.iter().copied());
            }
            self.sealed = false;
            self.numbers.append(&mut other.numbers);
        }
        let (text, forms) = (self.text.len(), self.forms.len());
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|e| e + text));
        self.kinds.extend(other.kinds);
        self.forms.extend(other.forms);
        self.form_ends
            .extend(other.form_ends.iter().map(|e| e + forms));
        self.distinct = false;
    }

    /// Drops every value seen earlier in the list, keeping the first of each in place.
    pub fn dedup(&mut self) {
        if !self.distinct {
            self.retain_new(None, false);
            self.seal();
            self.numbers.sort_unstable();
            self.numbers.dedup();
            self.distinct = true;
        }
    }

    /// Drops every value `known` holds and every value seen earlier in this list, and the
    /// trivial ones with `drop_trivial`.
    pub(super) fn retain_new(&mut self, known: Option<&SecretList>, drop_trivial: bool) {
        let trivial = drop_trivial && self.kinds.contains(&Kind::Trivial);
        if (known.is_none_or(SecretList::is_empty) && self.distinct && !trivial)
            || self.ends.is_empty()
        {
            return;
        }
        // Indices into the values (the known list's first, then this one's, offset by its
        // length), hashed by value: 8 bytes a value rather than a copy or a borrowed slice.
        let known_len = known.map_or(0, |k| k.ends.len());
        let value = |i: usize| match known {
            Some(k) if i < known_len => k.get(i),
            _ => self.get(i - known_len),
        };
        let mut seen = hashbrown::HashTable::<usize>::with_capacity(known_len + self.ends.len());
        for i in 0..known_len {
            let h = hash(value(i).as_bytes());
            if seen.find(h, |&j| value(j) == value(i)).is_none() {
                seen.insert_unique(h, i, |&j| hash(value(j).as_bytes()));
            }
        }
        let mut keep = Vec::with_capacity(self.ends.len());
        for i in known_len..known_len + self.ends.len() {
            let h = hash(value(i).as_bytes());
            let new = seen.find(h, |&j| value(j) == value(i)).is_none();
            if new {
                seen.insert_unique(h, i, |&j| hash(value(j).as_bytes()));
            }
            keep.push(new && !(drop_trivial && self.kinds[i - known_len] == Kind::Trivial));
        }
        drop(seen);
        if keep.iter().all(|k| *k) {
            return;
        }
        let mut kept = SecretList {
            prints_only: self.prints_only,
            loose: std::mem::take(&mut self.loose),
            sealed: self.sealed,
            numbers: std::mem::take(&mut self.numbers),
            ..SecretList::default()
        };
        for (i, _) in keep.iter().enumerate().filter(|(_, k)| **k) {
            kept.text.push_str(self.get(i));
            kept.ends.push(kept.text.len());
            kept.kinds.push(self.kinds[i]);
            let start = i.checked_sub(1).map_or(0, |p| self.form_ends[p]);
            kept.forms
                .extend_from_slice(&self.forms[start..self.form_ends[i]]);
            kept.form_ends.push(kept.forms.len());
        }
        *self = kept;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_as_added_without_trivial_ones_or_repeats() {
        let mut list: SecretList = ["first-secret", "no", "second\"secret", "first-secret"]
            .into_iter()
            .collect();
        assert_eq!(
            list.iter().collect::<Vec<_>>(),
            ["first-secret", "no", "second\"secret", "first-secret"]
        );
        list.dedup();
        assert_eq!(
            list.iter().collect::<Vec<_>>(),
            ["first-secret", "no", "second\"secret"]
        );
        list.retain_new(None, true);
        assert_eq!(
            list.iter().collect::<Vec<_>>(),
            ["first-secret", "second\"secret"],
            "a redactor never learns a trivial value"
        );
        assert!(list.is_plain_at(0) && !list.is_plain_at(1));
        assert_eq!(
            list.forms().len(),
            2,
            "itself and JSON/HCL-escaped (one form)"
        );
        assert_eq!(
            format!("{list:?}"),
            "SecretList(2 values, 0 fingerprints only)"
        );
        let mut more: SecretList = ["third-secret", "first-secret"].into_iter().collect();
        more.retain_new(Some(&list), true);
        assert_eq!(more.iter().collect::<Vec<_>>(), ["third-secret"]);
        list.append(more);
        assert_eq!(list.len(), 3);
        assert_eq!(list.get(2), "third-secret");
    }

    #[test]
    fn a_fingerprint_finds_its_form_only() {
        let index = super::super::prefix_index::PrefixIndex::new(
            ["géheim wört", "abcdé"]
                .into_iter()
                .filter_map(FormPrint::of),
            None,
        );
        assert_eq!(
            index.find_all("x géheim wört y"),
            [(2, 2 + "géheim wört".len())]
        );
        assert!(index.find_all("géheim wörd géheim wö").is_empty());
        assert_eq!(index.find_all("abcdé"), [(0, 6)]);
        assert!(FormPrint::of("abc").is_none());
        // A length that would end inside a character is no match, whatever the hash says.
        let cut = FormPrint::of("abcd\u{e9}").expect("long enough");
        let inside = super::super::prefix_index::PrefixIndex::new(
            [FormPrint { len: 5, ..cut }].into_iter(),
            None,
        );
        assert!(inside.find_all("abcdé").is_empty());
    }

    proptest::proptest! {
        /// One number orders fingerprints as prefix, then length, then hash.
        #[test]
        fn the_order_is_prefix_then_length_then_hash(
            a in proptest::prelude::any::<(u32, u32, u64)>(),
            b in proptest::prelude::any::<(u32, u32, u64)>(),
        ) {
            let print = |(prefix, len, hash)| FormPrint { prefix, len, hash };
            proptest::prop_assert_eq!(print(a).order().cmp(&print(b).order()), a.cmp(&b));
        }

        /// Distinct short texts get distinct hashes (a collision would only over-mask, but
        /// a weak mix would make it common on secrets that differ in one character).
        #[test]
        fn hashes_differ(a in "[a-d0-9\\-]{4,20}", b in "[a-d0-9\\-]{4,20}") {
            if a != b {
                proptest::prop_assert_ne!(hash(a.as_bytes()), hash(b.as_bytes()));
            }
        }
    }
}
