//! Literal matching for very large secret sets.
//!
//! An Aho-Corasick automaton costs tens of bytes per pattern byte. A plan where every one
//! of 100,000 resources carries its own secrets registers about 440,000 of them, and the
//! automaton alone then took 675 MiB, more than the plan file. This index keeps 8 bytes per
//! form (its first four bytes and its number, sorted) and a 2 MiB filter over those
//! prefixes, and finds the same leftmost-longest matches with a constant amount of work per
//! byte of text for text that holds no secret. Every form is at least four bytes long
//! (shorter values are never registered, see [`super::is_trivial`]).

/// log2 of the filter's size in bits (16 Mi bits = 2 MiB).
const FILTER_BITS_LOG2: u32 = 24;

#[derive(Clone)]
pub(super) struct PrefixIndex {
    /// One bit per hashed 4-byte prefix: most positions of ordinary text stop here.
    filter: Vec<u64>,
    /// (prefix, form number), sorted.
    entries: Vec<(u32, u32)>,
}

impl std::fmt::Debug for PrefixIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrefixIndex({} forms)", self.entries.len())
    }
}

fn prefix(bytes: &[u8]) -> Option<u32> {
    let four: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    Some(u32::from_le_bytes(four))
}

fn bit(prefix: u32) -> usize {
    // Fibonacci hashing: spreads prefixes that differ only in their low bytes.
    (prefix.wrapping_mul(0x9E37_79B1) >> (32 - FILTER_BITS_LOG2)) as usize
}

impl PrefixIndex {
    /// `None` when a form is shorter than four bytes. `forms` are the match forms with
    /// their numbers, which [`PrefixIndex::find_all`] is given a way to look up.
    pub(super) fn new<'a>(forms: impl Iterator<Item = (u32, &'a str)>) -> Option<Self> {
        let mut filter = vec![0u64; (1usize << FILTER_BITS_LOG2) / 64];
        let mut entries = Vec::with_capacity(forms.size_hint().0);
        for (id, form) in forms {
            let p = prefix(form.as_bytes())?;
            let b = bit(p);
            filter[b / 64] |= 1 << (b % 64);
            entries.push((p, id));
        }
        entries.sort_unstable();
        Some(PrefixIndex { filter, entries })
    }

    /// The length of the longest form that starts at `text[at..]`.
    fn longest_at<'a>(
        &self,
        form: &impl Fn(u32) -> &'a str,
        text: &[u8],
        at: usize,
    ) -> Option<usize> {
        let p = prefix(&text[at..])?;
        let b = bit(p);
        if self.filter[b / 64] & (1 << (b % 64)) == 0 {
            return None;
        }
        let start = self.entries.partition_point(|(q, _)| *q < p);
        self.entries[start..]
            .iter()
            .take_while(|(q, _)| *q == p)
            .map(|(_, id)| form(*id))
            .filter(|form| text[at..].starts_with(form.as_bytes()))
            .map(str::len)
            .max()
    }

    /// The byte spans of every leftmost-longest match in `text`.
    pub(super) fn find_all<'a>(
        &self,
        form: impl Fn(u32) -> &'a str,
        text: &str,
    ) -> Vec<(usize, usize)> {
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        let mut at = 0;
        while at + 4 <= bytes.len() {
            match self.longest_at(&form, bytes, at) {
                // A form is valid UTF-8 and starts with a leading byte, so `at` and
                // `at + len` are character boundaries of `text`.
                Some(len) => {
                    found.push((at, at + len));
                    at += len;
                }
                None => at += 1,
            }
        }
        found
    }
}
