//! Literal matching for very large secret sets.
//!
//! An Aho-Corasick automaton costs tens of bytes per pattern byte. A plan where every one
//! of 100,000 resources carries its own secrets registers about 440,000 of them, and the
//! automaton alone then took 675 MiB, more than the plan file. This index keeps 16 bytes per
//! form, its fingerprint ([`FormPrint`]: first four bytes, length, hash; sorted), and a 2 MiB
//! filter over the prefixes, and finds the same leftmost-longest matches with a constant
//! amount of work per byte of text for text that holds no secret. Where a prefix is filed,
//! the text is hashed once per length filed under it, longest first: many secrets share
//! their first bytes (`conn-…`, `key-…`), and the comment names attributes that start the
//! same way (`connection.password`), so comparing each such secret in turn cost a
//! comparison per secret at every such place. A hash collision can only replace text that
//! is not a secret. Every form is at least four bytes long (shorter values are never
//! registered, see [`super::is_trivial`]).

use std::sync::Arc;

use super::list::{FormPrint, hash, prefix};

/// log2 of the filter's size in bits (16 Mi bits = 2 MiB).
const FILTER_BITS_LOG2: u32 = 24;

#[derive(Clone)]
pub(super) struct PrefixIndex {
    /// One bit per hashed 4-byte prefix: most positions of ordinary text stop here.
    filter: Vec<u64>,
    /// Every form's fingerprint, sorted by prefix, then length, then hash; no duplicates.
    entries: Vec<FormPrint>,
    /// More of them, sorted the same way: those of values kept as fingerprints only,
    /// shared with the secret list rather than copied.
    shared: Arc<Vec<FormPrint>>,
}

impl std::fmt::Debug for PrefixIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PrefixIndex({} forms)",
            self.entries.len() + self.shared.len()
        )
    }
}

fn bit(prefix: u32) -> usize {
    // Fibonacci hashing: spreads prefixes that differ only in their low bytes.
    (prefix.wrapping_mul(0x9E37_79B1) >> (32 - FILTER_BITS_LOG2)) as usize
}

impl PrefixIndex {
    /// The index of `forms`' fingerprints and of `shared` (sorted by prefix, length and
    /// hash already).
    pub(super) fn new(
        forms: impl Iterator<Item = FormPrint>,
        shared: Option<Arc<Vec<FormPrint>>>,
    ) -> Self {
        let mut filter = vec![0u64; (1usize << FILTER_BITS_LOG2) / 64];
        let mut entries: Vec<FormPrint> = forms.collect();
        let shared = shared.unwrap_or_default();
        for print in entries.iter().chain(shared.iter()) {
            let b = bit(print.prefix);
            filter[b / 64] |= 1 << (b % 64);
        }
        entries.sort_unstable_by_key(FormPrint::order);
        entries.dedup();
        entries.shrink_to_fit();
        PrefixIndex {
            filter,
            entries,
            shared,
        }
    }

    /// The length of the longest form that starts at `text[at..]` (`at` a character
    /// boundary).
    fn longest_at<'a>(&'a self, text: &str, at: usize) -> Option<usize> {
        let rest = &text[at..];
        let p = prefix(rest.as_bytes())?;
        let b = bit(p);
        if self.filter[b / 64] & (1 << (b % 64)) == 0 {
            return None;
        }
        let group = |entries: &'a [FormPrint]| {
            let start = entries.partition_point(|e| e.prefix < p);
            let end = start + entries[start..].partition_point(|e| e.prefix == p);
            &entries[start..end]
        };
        let mut groups = [group(&self.entries), group(&self.shared)];
        // Longest first: walk the lengths filed under this prefix from the end.
        while let Some(len) = groups.iter().filter_map(|g| g.last()).map(|e| e.len).max() {
            let mut same_length: [&[FormPrint]; 2] = [&[], &[]];
            for (g, same) in groups.iter_mut().zip(&mut same_length) {
                let first = g.partition_point(|e| e.len < len);
                *same = &g[first..];
                *g = &g[..first];
            }
            if len == u32::MAX {
                // A form of 4 GiB or more: replace the rest rather than miss it.
                return Some(rest.len());
            }
            let len = len as usize;
            let Some(candidate) = rest.as_bytes().get(..len) else {
                continue;
            };
            if !rest.is_char_boundary(len) {
                continue;
            }
            let h = hash(candidate);
            if same_length
                .iter()
                .any(|same| same.binary_search_by_key(&h, |e| e.hash).is_ok())
            {
                return Some(len);
            }
        }
        None
    }

    /// The byte spans of every leftmost-longest match in `text`.
    pub(super) fn find_all(&self, text: &str) -> Vec<(usize, usize)> {
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        let mut at = 0;
        while at + 4 <= bytes.len() {
            if !text.is_char_boundary(at) {
                // No form starts inside a character (a form is valid UTF-8).
                at += 1;
                continue;
            }
            match self.longest_at(text, at) {
                Some(len) => {
                    found.push((at, at + len));
                    at += len.max(1);
                }
                None => at += 1,
            }
        }
        found
    }
}
