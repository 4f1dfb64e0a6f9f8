//! Removes secrets from every piece of text we write (comment, summary, logs, annotations,
//! step outputs, request bodies): the matcher behind the process's one redaction point
//! ([`point`]).
//!
//! Terraform's own `sensitive` marks are honoured where values are read; this is the second
//! line: literal values known to be secret (sensitive variables, `TF_VAR_*`, configured
//! environment variables, values Terraform marks, every credential tfpromote holds) and
//! user patterns for values Terraform does not mark.
//!
//! Each secret is registered in the forms it is printed in: as is, JSON-escaped and
//! HCL-escaped (Terraform's text output), and line by line when it spans lines (the runner's
//! `::add-mask::` matches line by line). Matching is one leftmost-longest pass over the
//! whole text, so a secret inside a longer one never hides the longer one, and it is
//! whitespace-tolerant: every run of whitespace (a line break with the `│` border and
//! indentation after it included) counts as one space, in the text and in the forms, so a
//! secret Terraform wrapped over two lines is still found. Literals are matched by one
//! Aho-Corasick automaton, so the cost grows with the length of the text, not with the
//! number of secrets times the text; very large secret sets use a [`PrefixIndex`] that finds
//! the same matches.
//!
//! Trivial values are not registered at all ([`is_trivial`]): masking `true` or `5059` would
//! corrupt ordinary text and machine output while protecting nothing.

mod forms;
mod list;
pub mod point;
mod prefix_index;

pub use forms::printed_forms;
use forms::special_match_forms;
use list::FormPrint;
pub use list::{ListPoint, SecretList};

use aho_corasick::{AhoCorasick, MatchKind};
use prefix_index::PrefixIndex;
use regex::Regex;
use std::borrow::Cow;

pub const REPLACEMENT: &str = "***";

/// Above this many bytes of forms the automaton would outgrow the text it masks (tens of
/// bytes per pattern byte); a [`PrefixIndex`] matches them instead.
const AUTOMATON_MAX_FORM_BYTES: usize = 4 << 20;

/// Literals shorter than this are not masked: masking `1` or `on` would shred every line
/// while protecting nothing a real secret looks like.
const MIN_SECRET_LEN: usize = 4;

/// Numbers with at most this many digits are counts, ports and sizes, not secrets worth
/// corrupting every line that happens to contain them.
const TRIVIAL_NUMBER_DIGITS: usize = 6;

/// True for values that are never registered as masks: short strings, booleans, `null` and
/// small numbers. Masking them would corrupt ordinary text (`"has_changes": ***`) and tell
/// the runner to hide every `true` in the log, while protecting nothing.
pub fn is_trivial(value: &str) -> bool {
    let v = value.trim();
    // A character is at most four bytes: only short texts need counting (this runs for
    // every value a plan marks and every form of it).
    if v.len() < 4 * MIN_SECRET_LEN && v.chars().count() < MIN_SECRET_LEN {
        return true;
    }
    if v.len() <= 5
        && ["true", "false", "null"]
            .iter()
            .any(|w| v.eq_ignore_ascii_case(w))
    {
        return true;
    }
    let digits = v.strip_prefix('-').unwrap_or(v);
    let numeric = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1;
    numeric && digits.chars().filter(char::is_ascii_digit).count() <= TRIVIAL_NUMBER_DIGITS
}

/// The secrets a [`Redactor`] knows. Shared by its clones (every channel and every
/// environment's Terraform masks with the same set; a large plan's is megabytes) and copied
/// only when one of them learns more.
#[derive(Debug, Clone, Default)]
struct Secrets {
    /// Secret values as given (for `::add-mask::`), non-trivial, in the order learned,
    /// without duplicates. A [`is_plain`] literal is its own only printed form and is
    /// matched as it is: nearly every secret of a plan, so nothing else is stored for it.
    /// The others' match forms ([`special_match_forms`]) are kept as fingerprints.
    literals: SecretList,
}

impl Secrets {
    /// Every match form's fingerprint: the plain literals' (made here), then the special
    /// forms' (made when their literal was added).
    fn match_prints(&self) -> impl Iterator<Item = FormPrint> + '_ {
        let literals = &self.literals;
        let plain = literals.plain_values().filter_map(FormPrint::of);
        plain.chain(literals.forms().iter().copied())
    }

    /// True when there is no form to look for.
    fn no_forms(&self) -> bool {
        self.literals.forms().is_empty()
            && self.literals.loose().is_none()
            && self.literals.plain_values().next().is_none()
    }

    /// The text of every match form, the special ones derived again from their literals.
    /// For a set small enough for the automaton.
    fn match_form_texts(&self) -> Vec<Cow<'_, str>> {
        let literals = &self.literals;
        let mut texts: Vec<Cow<'_, str>> = literals.plain_values().map(Cow::Borrowed).collect();
        for literal in literals.special_values() {
            texts.extend(special_match_forms(literal).into_iter().map(Cow::Owned));
        }
        texts
    }
}

/// True when `value` is printed only as it is: JSON and HCL escape nothing in it (no quote,
/// backslash, control character, `${` or `%{`), it has one line and no whitespace run to
/// collapse. Checked byte by byte; true for nearly every secret a plan marks.
fn is_plain(value: &str) -> bool {
    let bytes = value.as_bytes();
    // Nearly every secret is printable ASCII with no space, quote, backslash, `$` or `%`:
    // a check the compiler vectorises settles those.
    if !bytes.is_empty()
        && bytes
            .iter()
            .all(|&b| b > b' ' && b < 0x7f && !matches!(b, b'"' | b'\\' | b'$' | b'%'))
    {
        return true;
    }
    let escapes = forms::Escapes::of(value);
    !escapes.json && !escapes.hcl && !needs_collapse(value)
}

/// What finds the secrets' match forms in a (collapsed) text, built on first use and shared
/// by every clone of the redactor that built it.
#[derive(Debug)]
enum Matcher {
    /// No form to look for.
    Nothing,
    /// Leftmost-longest: a secret that contains another is replaced whole.
    Automaton(AhoCorasick),
    /// Instead of the automaton, for very large secret sets.
    Index(PrefixIndex),
    /// Building the automaton failed (it never should): a slow scan of every form.
    Scan(Vec<String>),
}

impl Matcher {
    /// The automaton, or the prefix index past [`AUTOMATON_MAX_FORM_BYTES`] of forms
    /// (`large` overrides the choice, for tests comparing the two).
    fn build(secrets: &Secrets, large: Option<bool>) -> Matcher {
        // Values kept as fingerprints only have no text for the automaton.
        let large = secrets.literals.loose().is_some()
            || large.unwrap_or_else(|| secrets.literals.form_bytes() > AUTOMATON_MAX_FORM_BYTES);
        if large {
            return Matcher::Index(PrefixIndex::new(
                secrets.match_prints(),
                secrets.literals.loose().cloned(),
            ));
        }
        if secrets.no_forms() {
            return Matcher::Nothing;
        }
        let texts = secrets.match_form_texts();
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(texts.iter().map(|t| t.as_ref()))
            .map_or_else(
                |_| Matcher::Scan(texts.into_iter().map(Cow::into_owned).collect()),
                Matcher::Automaton,
            )
    }

    /// Leftmost-longest matches of the match forms in `view`, as byte spans.
    fn find_all(&self, view: &str) -> Vec<(usize, usize)> {
        match self {
            Matcher::Nothing => Vec::new(),
            Matcher::Automaton(ac) => ac.find_iter(view).map(|m| (m.start(), m.end())).collect(),
            Matcher::Index(index) => index.find_all(view),
            Matcher::Scan(forms) => {
                let mut found = Vec::new();
                let mut at = 0;
                while at < view.len() {
                    let longest = forms
                        .iter()
                        .filter(|f| view[at..].starts_with(f.as_str()))
                        .map(String::len)
                        .max();
                    match longest {
                        Some(len) => {
                            found.push((at, at + len));
                            at += len;
                        }
                        None => at += view[at..].chars().next().map_or(1, char::len_utf8),
                    }
                }
                found
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: std::sync::Arc<Secrets>,
    /// Built from `secrets` on the first text masked, not per secret learned: a plan's
    /// hundreds of thousands of secrets arrive in a few batches, and many clones are made
    /// before anything is masked.
    matcher: std::sync::Arc<std::sync::OnceLock<Matcher>>,
    /// Patterns for numbers Terraform prints with more digits than a float keeps.
    number_patterns: Vec<Regex>,
    patterns: Vec<Regex>,
    combined_patterns: Option<Regex>,
}

impl Redactor {
    pub fn new(patterns: impl IntoIterator<Item = Regex>) -> Self {
        let mut redactor = Redactor {
            patterns: patterns.into_iter().collect(),
            ..Default::default()
        };
        redactor.rebuild_patterns();
        redactor
    }

    /// Adds literal secret values (e.g. every string leaf of a sensitive variable). Trivial
    /// values are skipped (see [`is_trivial`]).
    pub fn add_literals<I, S>(&mut self, values: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.add_list(values.into_iter().collect());
    }

    /// Adds the values of `fresh` not known yet, taking the list rather than copying it (a
    /// plan's secrets, already stored compactly and with their forms' fingerprints).
    pub fn add_list(&mut self, mut fresh: SecretList) {
        fresh.retain_new(Some(&self.secrets.literals), true);
        if fresh.is_empty() {
            return;
        }
        let patterns_before = self.number_patterns.len();
        self.number_patterns
            .extend(fresh.number_candidates().filter_map(lost_digits_pattern));
        let secrets = std::sync::Arc::make_mut(&mut self.secrets);
        secrets.literals.append(fresh);
        secrets.literals.seal();
        self.matcher = Default::default();
        if self.number_patterns.len() != patterns_before {
            self.rebuild_patterns();
        }
    }

    /// Every secret and pattern `other` knows joins this one. A redactor that knows no
    /// secret yet shares `other`'s set and matcher instead of copying them.
    pub fn merge(&mut self, other: &Redactor) {
        if self.secrets.literals.is_empty() {
            self.secrets = other.secrets.clone();
            self.matcher = other.matcher.clone();
            self.number_patterns = other.number_patterns.clone();
            self.rebuild_patterns();
        } else if !std::sync::Arc::ptr_eq(&self.secrets, &other.secrets) {
            self.add_list(other.secrets.literals.clone());
        }
        let mut added = false;
        for pattern in &other.patterns {
            if !self.patterns.iter().any(|p| p.as_str() == pattern.as_str()) {
                self.patterns.push(pattern.clone());
                added = true;
            }
        }
        if added {
            self.rebuild_patterns();
        }
    }

    /// Masks the values of `TF_VAR_*` and the named environment variables.
    /// `vars` is the run's environment (read once, in the context).
    pub fn add_env_values(
        &mut self,
        names: &[String],
        vars: &std::collections::BTreeMap<String, String>,
    ) {
        let values: Vec<String> = vars
            .iter()
            .filter(|(k, _)| k.starts_with("TF_VAR_") || names.iter().any(|n| n == *k))
            .map(|(_, v)| v.clone())
            .collect();
        self.add_literals(values);
    }

    /// Literal secrets, for `::add-mask::` so the runner masks them too.
    pub fn literals(&self) -> &SecretList {
        &self.secrets.literals
    }

    /// Every form masked, for `::add-mask::` (escaped forms included, since Terraform
    /// prints those): the plain literals, then the other literals' match forms and the
    /// printed forms those collapse, each sorted and without duplicates. Derived when
    /// iterated, not stored (outside Actions nothing iterates it).
    pub fn mask_forms(&self) -> impl Iterator<Item = Cow<'_, str>> {
        let literals = &self.secrets.literals;
        let plain = literals.plain_values().map(Cow::Borrowed);
        let special = std::iter::once(()).flat_map(move |()| {
            let mut matched = Vec::new();
            let mut uncollapsed = Vec::new();
            for literal in literals.special_values() {
                matched.extend(special_match_forms(literal));
                uncollapsed.extend(
                    printed_forms(literal)
                        .into_iter()
                        .filter(|f| needs_collapse(f)),
                );
            }
            for forms in [&mut matched, &mut uncollapsed] {
                forms.sort_unstable();
                forms.dedup();
            }
            matched.into_iter().chain(uncollapsed).map(Cow::Owned)
        });
        plain.chain(special)
    }

    fn matcher(&self) -> &Matcher {
        self.matcher
            .get_or_init(|| Matcher::build(&self.secrets, None))
    }

    /// The user's patterns and the number patterns as one regex (one pass over the text).
    fn rebuild_patterns(&mut self) {
        let alternatives: Vec<String> = self
            .patterns
            .iter()
            .chain(&self.number_patterns)
            .map(|p| format!("(?:{})", p.as_str()))
            .collect();
        self.combined_patterns = if alternatives.is_empty() {
            None
        } else {
            Regex::new(&alternatives.join("|")).ok()
        };
    }

    /// `text` with every secret replaced by [`REPLACEMENT`], in one leftmost-longest pass
    /// over the whole text. Whitespace is matched loosely: a run of spaces, tabs, line
    /// breaks and the `│` border Terraform draws at the start of a diagnostic's lines counts
    /// as one space, so a secret Terraform wrapped across two lines is still found and
    /// replaced whole (the line break with it).
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let literal_free: Cow<'a, str> = if self.secrets.literals.is_empty() {
            Cow::Borrowed(text)
        } else {
            let view = CollapsedView::new(text);
            let matches = self.matcher().find_all(view.text());
            if matches.is_empty() {
                Cow::Borrowed(text)
            } else {
                let mut out = String::with_capacity(text.len());
                let mut copied = 0;
                for (start, end) in matches {
                    let (start, end) = view.original_span(start, end);
                    out.push_str(&text[copied..start]);
                    out.push_str(REPLACEMENT);
                    copied = end;
                }
                out.push_str(&text[copied..]);
                Cow::Owned(out)
            }
        };
        let Some(re) = &self.combined_patterns else {
            if self.patterns.is_empty() && self.number_patterns.is_empty() {
                return literal_free;
            }
            // The combined pattern exceeded a size limit: apply them one by one.
            let mut out = literal_free.into_owned();
            for pattern in self.patterns.iter().chain(&self.number_patterns) {
                out = pattern.replace_all(&out, REPLACEMENT).into_owned();
            }
            return Cow::Owned(out);
        };
        match re.replace_all(&literal_free, REPLACEMENT) {
            Cow::Borrowed(_) => literal_free,
            Cow::Owned(s) => Cow::Owned(s),
        }
    }
}

/// True for the characters a collapsed run is made of.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// True when [`collapse_whitespace`] would change `value`. One pass over the bytes: it runs
/// for every form of every secret.
fn needs_collapse(value: &str) -> bool {
    // Printable ASCII without a space has no run to collapse (most forms).
    if !value.is_empty() && value.bytes().all(|b| b > b' ' && b < 0x7f) {
        return false;
    }
    let bytes = value.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    // A space at either end, an ASCII space other than ' ', two spaces in a row, or a
    // Unicode space: whole-slice checks the compiler vectorises, not a byte-by-byte loop.
    first == b' '
        || last == b' '
        || bytes
            .iter()
            .any(|&b| matches!(b, b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
        || value.contains("  ")
        || (!value.is_ascii() && value.chars().any(|c| is_space(c) && c != ' '))
}

/// `value` with its ends trimmed and each whitespace run replaced by one space: the form
/// matched against a [`CollapsedView`].
#[cfg(test)]
fn collapse_whitespace(value: &str) -> String {
    let mut out = String::new();
    collapse_into(value.trim_matches(is_space), &mut out);
    out
}

/// Appends `text` with each whitespace run collapsed, as a [`CollapsedView`] shows it.
fn collapse_into(text: &str, out: &mut String) {
    collapse_runs(text, out, |_, _| {});
}

/// Appends `original` to `out` with each whitespace run (and, after a line break, the `│`
/// borders in it) replaced by one space; `run(at, bytes)` hears of each run: where its space
/// is in `out` and how many bytes of `original` it stood for.
fn collapse_runs(original: &str, out: &mut String, mut run: impl FnMut(usize, usize)) {
    let mut chars = original.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !is_space(c) {
            out.push(c);
            continue;
        }
        let mut end = start + c.len_utf8();
        let mut broke = c == '\n';
        while let Some(&(i, next)) = chars.peek() {
            if is_space(next) || (broke && next == '│') {
                broke |= next == '\n';
                end = i + next.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        run(out.len(), end - start);
        out.push(' ');
    }
}

/// A text with each whitespace run collapsed to one space (a run that holds a line break
/// also takes the `│` borders and indentation that follow it), and the way back to the
/// original's byte offsets.
struct CollapsedView<'a> {
    text: Cow<'a, str>,
    /// For each collapsed run: its position in the view (the one space) and how many bytes
    /// of the original text lie before the view's next byte, minus the view's own.
    runs: Vec<(usize, usize)>,
}

impl<'a> CollapsedView<'a> {
    fn new(original: &'a str) -> Self {
        // Fast path: nothing to collapse (no run other than single ASCII spaces).
        let needs = original.chars().any(|c| is_space(c) && c != ' ') || original.contains("  ");
        if !needs {
            return CollapsedView {
                text: Cow::Borrowed(original),
                runs: Vec::new(),
            };
        }
        let mut text = String::with_capacity(original.len());
        let mut runs = Vec::new();
        let mut extra = 0;
        collapse_runs(original, &mut text, |at, run| {
            if run != 1 {
                extra += run - 1;
                runs.push((at, extra));
            }
        });
        CollapsedView {
            text: Cow::Owned(text),
            runs,
        }
    }

    fn text(&self) -> &str {
        &self.text
    }

    /// The original offset of view offset `at` (a character boundary that is not inside a
    /// collapsed run, or the end).
    fn original(&self, at: usize) -> usize {
        let before = self.runs.partition_point(|(v, _)| *v < at);
        at + before.checked_sub(1).map_or(0, |i| self.runs[i].1)
    }

    /// The original span of view span `[start, end)`. Matches never start or end on a
    /// collapsed run (forms are trimmed), so both ends map exactly.
    fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        (self.original(start), self.original(end))
    }
}

/// For a number printed in exponent form with more digits than a float keeps
/// (`9.876543210987655e19`), a pattern for the integer Terraform prints
/// (`98765432109876543210`): its first 15 digits, then as many digits as the exponent says.
/// JSON readers keep such numbers as floats, so the exact digits are not known here.
fn lost_digits_pattern(value: &str) -> Option<Regex> {
    let v = value.trim();
    // Cheap refusal first: this runs for every secret, most of them long and not numbers.
    if v.len() > 32
        || !v
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let (sign, v) = match v.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", v),
    };
    let (mantissa, exponent) = v.split_once(['e', 'E'])?;
    let exponent: usize = exponent.trim_start_matches('+').parse().ok()?;
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if !(15..=400).contains(&exponent)
        || digits.is_empty()
        || mantissa.chars().any(|c| !c.is_ascii_digit() && c != '.')
    {
        return None;
    }
    let kept: String = digits.chars().take(15).collect();
    let rest = exponent + 1 - kept.len();
    Regex::new(&format!(
        r"{}\b{kept}[0-9]{{{rest}}}\b",
        regex::escape(sign)
    ))
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A value needs collapsing exactly when collapsing would change it.
        #[test]
        fn needs_collapse_says_when_collapsing_changes_a_value(
            value in "[a-b \t\r\n\u{b}\u{c}\u{a0}\u{2003}│é]{0,10}"
        ) {
            proptest::prop_assert_eq!(needs_collapse(&value), collapse_whitespace(&value) != value);
        }
    }

    #[test]
    fn masks_literals_and_patterns() {
        let mut r = Redactor::new([Regex::new(r"AKIA[0-9A-Z]{16}").expect("pattern")]);
        r.add_literals(["hunter2-secret", "no"]);
        let out = r.redact("pw=hunter2-secret key=AKIAABCDEFGHIJKLMNOP ok=no");
        assert_eq!(out, "pw=*** key=*** ok=no");
    }

    #[test]
    fn longest_literal_wins() {
        let mut r = Redactor::default();
        r.add_literals(["abcd", "abcdefgh"]);
        assert_eq!(r.redact("abcdefgh"), "***");
    }

    #[test]
    fn regex_metacharacters_are_literal() {
        let mut r = Redactor::default();
        r.add_literals(["a.b*c(d"]);
        assert_eq!(r.redact("xa.b*c(dx aXbbc"), "x***x aXbbc");
    }

    /// Item 2: a multi-line value is masked whole, and line by line when text is masked one
    /// line at a time.
    #[test]
    fn multi_line_secrets_are_masked_across_and_per_line() {
        let pem = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END KEY-----";
        let mut r = Redactor::default();
        r.add_literals([pem]);
        let text = format!("before\n{pem}\nafter");
        assert_eq!(r.redact(&text), "before\n***\nafter");
        for line in pem.lines() {
            assert_eq!(r.redact(&format!("  {line}  ")), "  ***  ", "{line}");
        }
    }

    /// Item 3: Terraform prints `"` and `\` escaped; those forms are masked too.
    #[test]
    fn escaped_forms_are_masked() {
        let secret = "pa\"ss\\wo${rd}\nline2-long";
        let mut r = Redactor::default();
        r.add_literals([secret]);
        let json = serde_json::to_string(secret).expect("json");
        assert_eq!(r.redact(&format!("x = {json}")), "x = \"***\"");
        let hcl = r#"x is "pa\"ss\\wo$${rd}\nline2-long""#;
        assert_eq!(r.redact(hcl), "x is \"***\"");
    }

    /// Item 7: trivial values are never registered, so they cannot corrupt text or JSON.
    #[test]
    fn trivial_values_are_not_registered() {
        let mut r = Redactor::default();
        r.add_literals(["true", "false", "5059", "null", "  ab ", "-12.5"]);
        assert!(r.literals().is_empty(), "{:?}", r.literals());
        assert!(r.mask_forms().next().is_none());
        assert_eq!(
            r.redact("\"has_changes\": true, n=5059"),
            "\"has_changes\": true, n=5059"
        );
        r.add_literals(["123456789012"]);
        assert_eq!(r.redact("account 123456789012"), "account ***");
    }

    /// Item 14: many secrets are masked in one pass.
    #[test]
    fn many_secrets_are_masked() {
        let secrets: Vec<String> = (0..20_000)
            .map(|i| format!("secret-value-{i:06}"))
            .collect();
        let mut r = Redactor::default();
        r.add_literals(secrets.iter().cloned());
        let text = format!("a {} b {} c", secrets[17], secrets[19_999]);
        assert_eq!(r.redact(&text), "a *** b *** c");
    }

    /// The same redactor matching with the prefix index, as it does past
    /// AUTOMATON_MAX_FORM_BYTES of forms.
    fn with_index(r: &Redactor) -> Redactor {
        let mut large = r.clone();
        large.matcher = std::sync::Arc::new(std::sync::OnceLock::from(Matcher::build(
            &large.secrets,
            Some(true),
        )));
        assert!(matches!(large.matcher(), Matcher::Index(_)));
        large
    }

    /// Both matchers give the same result on the cases above and on odd shapes: adjacent
    /// and overlapping secrets, multi-byte characters, a secret at either end.
    #[test]
    fn the_prefix_index_masks_what_the_automaton_masks() {
        let mut r = Redactor::default();
        r.add_literals([
            "abcd",
            "abcdefgh",
            "a.b*c(d",
            "-----BEGIN KEY-----\nMIIEvQIBADANBgkq\n-----END KEY-----",
            "pa\"ss\\wo${rd}",
            "géheim-wört",
            "bcde-overlap",
        ]);
        let large = with_index(&r);
        for text in [
            "abcdefgh",
            "abcdabcd",
            "xa.b*c(dx aXbbc",
            "before\n-----BEGIN KEY-----\nMIIEvQIBADANBgkq\n-----END KEY-----\nafter",
            "  MIIEvQIBADANBgkq  ",
            "x = \"pa\\\"ss\\\\wo${rd}\"",
            "é géheim-wört é",
            "abcde-overlap",
            "abc",
            "",
            "géheim-wörtabcd",
        ] {
            assert_eq!(r.redact(text), large.redact(text), "{text:?}");
        }
        assert_eq!(large.redact("abcdefgh"), "***");
        assert_eq!(large.redact("é géheim-wört é"), "é *** é");
    }

    #[test]
    fn a_large_secret_set_is_matched_by_the_prefix_index() {
        let secrets: Vec<String> = (0..300_000)
            .map(|i| format!("secret-value-{i:08}"))
            .collect();
        let mut r = Redactor::default();
        r.add_literals(secrets.iter().cloned());
        assert!(
            matches!(r.matcher(), Matcher::Index(_)),
            "over 4 MiB of forms"
        );
        let text = format!("a {} b {}{} c", secrets[17], secrets[299_999], secrets[3]);
        assert_eq!(r.redact(&text), "a *** b ****** c");
    }

    /// Terraform wraps a diagnostic at about 78 columns, inside a secret that holds spaces,
    /// and draws a `│` border before each line: the secret is found across the break and
    /// replaced whole, break included.
    #[test]
    fn a_secret_wrapped_across_lines_is_masked_whole() {
        let mut r = Redactor::default();
        r.add_literals(["alpha bravo  charlie delta"]);
        assert_eq!(
            r.redact("│ The value alpha bravo\n│ charlie delta is wrong.\n│ next"),
            "│ The value *** is wrong.\n│ next"
        );
        assert_eq!(
            r.redact("value alpha\n  bravo charlie\r\n\tdelta."),
            "value ***."
        );
        assert_eq!(r.redact("alpha bravo charlie"), "alpha bravo charlie");
        let large = with_index(&r);
        assert_eq!(
            large.redact("│ The value alpha bravo\n│ charlie delta is wrong."),
            "│ The value *** is wrong."
        );
    }

    /// One pass, leftmost-longest over every form: a short secret inside a longer one never
    /// hides the longer one, whichever was learned first.
    #[test]
    fn a_secret_inside_another_is_masked_with_it() {
        for order in [["prod", "prod-OLDPW-9f2"], ["prod-OLDPW-9f2", "prod"]] {
            let mut r = Redactor::default();
            r.add_literals(order);
            assert_eq!(r.redact("x prod-OLDPW-9f2 y prod z"), "x *** y *** z");
            let large = with_index(&r);
            assert_eq!(large.redact("x prod-OLDPW-9f2 y prod z"), "x *** y *** z");
        }
    }

    /// A JSON reader keeps `98765432109876543210` as the float `9.876543210987655e19`;
    /// Terraform prints every digit. The digits are masked as Terraform prints them.
    #[test]
    fn a_number_longer_than_a_float_is_masked_as_printed() {
        let mut r = Redactor::default();
        r.add_literals(["9.876543210987655e19", "-1.2345678901234567e20"]);
        assert_eq!(
            r.redact("big = 98765432109876543210, neg = -123456789012345678901"),
            "big = ***, neg = ***"
        );
        assert_eq!(
            r.redact("9876543210987654321 and 987654321098765432100"),
            "9876543210987654321 and 987654321098765432100",
            "other lengths are other numbers"
        );
    }

    /// The matcher is built on the first text masked: a secret learned after that (the
    /// last batch of a plan, after a log line was masked) must rebuild it, and a clone made
    /// earlier shares the set without seeing later additions to another clone.
    #[test]
    fn a_secret_learned_after_masking_is_masked_too() {
        let mut r = Redactor::default();
        r.add_literals(["first-secret-value"]);
        assert_eq!(r.redact("a first-secret-value"), "a ***");
        let earlier = r.clone();
        r.add_literals(["late-secret-value"]);
        assert_eq!(r.redact("late-secret-value first-secret-value"), "*** ***");
        assert_eq!(earlier.redact("late-secret-value"), "late-secret-value");
        let mut empty = Redactor::default();
        empty.merge(&r);
        assert_eq!(empty.redact("x late-secret-value"), "x ***");
        assert!(
            std::sync::Arc::ptr_eq(&empty.secrets, &r.secrets),
            "shared, not copied"
        );
    }

    proptest::proptest! {
        /// The shortcut that stores a plain secret once and derives no forms for it: a
        /// plain value's printed forms are exactly itself.
        #[test]
        fn a_plain_secret_is_its_only_form(value in "[a-z\\-\"\\\\${}%é \t\n]{4,12}") {
            if is_plain(&value) && !is_trivial(&value) {
                proptest::prop_assert_eq!(printed_forms(&value), vec![value.clone()]);
            }
        }

        /// Every printed form of every secret, quoted and escaped ones included, is masked
        /// wherever it stands alone in a text, whichever matcher is used.
        #[test]
        fn every_printed_form_is_masked(
            secrets in proptest::collection::vec("[a-c\"\\\\${}% \n]{4,10}", 1..8),
        ) {
            let mut r = Redactor::default();
            r.add_literals(secrets.iter().cloned());
            let large = r.mask_forms().next().map(|_| with_index(&r));
            for secret in secrets.iter().filter(|s| !is_trivial(s)) {
                for form in printed_forms(secret) {
                    if is_trivial(&collapse_whitespace(&form)) {
                        // Masked only by the runner (`::add-mask::`), as before.
                        continue;
                    }
                    let text = format!("<{form}>");
                    let masked = r.redact(&text);
                    proptest::prop_assert!(!masked.contains(form.as_str()), "{:?} in {:?}", form, masked);
                    if let Some(large) = &large {
                        proptest::prop_assert_eq!(large.redact(&text), masked);
                    }
                }
            }
        }
    }

    proptest::proptest! {
        /// Random secrets and text over a small alphabet, so matches, overlaps and wrapped
        /// whitespace are common.
        #[test]
        fn both_matchers_agree(
            secrets in proptest::collection::vec("[ab\\-é ]{4,9}", 1..12),
            text in "[ab\\-é \n│]{0,80}",
        ) {
            let mut r = Redactor::default();
            r.add_literals(secrets);
            if r.mask_forms().next().is_some() {
                let large = with_index(&r);
                proptest::prop_assert_eq!(r.redact(&text), large.redact(&text));
            }
        }
    }

    /// Hostile secrets against the fingerprinted forms: quotes, backslashes and `${` (JSON-
    /// and HCL-escaped forms, matched by fingerprint in the index), secrets that are
    /// prefixes of others or overlap them, multi-byte characters, and a secret wrapped
    /// over a line with Terraform's border. Both matchers mask the same, and nothing of a
    /// secret's escaped forms is left.
    #[test]
    fn hostile_secrets_are_masked_alike_by_both_matchers() {
        let secrets = [
            "tok\"en-ab",
            "tok\"en-abcd",
            "en-abcd-9",
            "ü-geheim-ü",
            "ü-geheim-üü",
            "pre${fix}-x",
            "a\\b\\c-zz",
            "line one\nline two",
            "wrapped secret words here",
        ];
        let mut r = Redactor::default();
        r.add_literals(secrets);
        let large = with_index(&r);
        let mut texts: Vec<String> = vec![
            "x tok\"en-abcd-9 y".into(),
            "\"tok\\\"en-abcd\" and tok\\\"en-ab".into(),
            "ü-geheim-üüü ü-geheim-ü".into(),
            "pre$${fix}-x pre${fix}-x".into(),
            "a\\\\b\\\\c-zz".into(),
            "│ the wrapped secret\n│ words here, and line one\nline two".into(),
            "line one only; line two only".into(),
        ];
        for secret in secrets {
            texts.extend(printed_forms(secret).into_iter().map(|f| format!("[{f}]")));
        }
        for text in &texts {
            let masked = r.redact(text);
            assert_eq!(masked, large.redact(text), "{text:?}");
            for secret in secrets {
                for form in printed_forms(secret) {
                    assert!(
                        !masked.contains(form.as_str()),
                        "{form:?} left in {masked:?}"
                    );
                }
            }
        }
        assert_eq!(large.redact("x tok\"en-abcd-9 y"), "x ***-9 y");
        assert_eq!(large.redact("ü-geheim-üüü"), "***ü");
    }

    /// A secret of several megabytes (a bundle, a key file) sends the set past the
    /// automaton's limit: the index finds it whole, in every printed form, and an escaped
    /// form that differs only at its end is not mistaken for it.
    #[test]
    fn a_huge_secret_is_masked_by_the_index() {
        let huge: String = (0..300_000).map(|i| format!("{i:07}\"")).collect();
        let mut r = Redactor::default();
        r.add_literals([huge.as_str(), "small-secret"]);
        assert!(matches!(r.matcher(), Matcher::Index(_)));
        let json = serde_json::to_string(&huge).expect("json");
        assert_eq!(r.redact(&format!("v = {json}!")), "v = \"***\"!");
        assert_eq!(r.redact(&format!("<{huge}>")), "<***>");
        let mut almost = huge.clone();
        almost.pop();
        almost.push('x');
        assert_eq!(r.redact(&almost), almost);
    }

    proptest::proptest! {
        /// Random hostile secrets (quotes, backslashes, `${`, line breaks, multi-byte
        /// characters) and texts made of pieces of their printed forms: the index, which
        /// matches their special forms by fingerprint, masks exactly what the automaton
        /// masks.
        #[test]
        fn both_matchers_agree_on_escaped_forms(
            secrets in proptest::collection::vec("[ab\"\\\\${}é\n ]{4,9}", 1..8),
            picks in proptest::collection::vec((0usize..8, 0usize..6, "[ab\\\\ é\n│]{0,3}"), 0..8),
        ) {
            let mut r = Redactor::default();
            r.add_literals(secrets.iter().cloned());
            if r.mask_forms().next().is_none() {
                return Ok(());
            }
            let large = with_index(&r);
            let mut text = String::new();
            for (secret, form, glue) in picks {
                let forms = printed_forms(&secrets[secret % secrets.len()]);
                if let Some(f) = forms.get(form % forms.len().max(1)) {
                    text.push_str(f);
                }
                text.push_str(&glue);
            }
            proptest::prop_assert_eq!(r.redact(&text), large.redact(&text));
        }
    }

    proptest::proptest! {
        /// A Markdown comment summary keeps its secrets as fingerprints only: a redactor
        /// given them that way masks exactly what one given their text masks, on hostile
        /// secrets and texts made of their printed forms, and the two lists compare equal.
        #[test]
        fn fingerprints_only_mask_what_the_text_masks(
            secrets in proptest::collection::vec("[ab\"\\\\${}é\n ]{4,9}", 1..8),
            picks in proptest::collection::vec((0usize..8, 0usize..6, "[ab\\\\ é\n│]{0,3}"), 0..8),
        ) {
            let mut r = Redactor::default();
            r.add_literals(secrets.iter().cloned());
            let mut prints = SecretList::prints_only();
            for secret in &secrets {
                prints.push(secret);
            }
            prints.dedup();
            let texts: SecretList = secrets.iter().collect();
            proptest::prop_assert!(prints == texts);
            let mut p = Redactor::default();
            p.add_literals(["unrelated-env-secret"]);
            p.add_list(prints);
            let mut text = String::from("unrelated-env-secret ");
            for (secret, form, glue) in picks {
                let forms = printed_forms(&secrets[secret % secrets.len()]);
                if let Some(f) = forms.get(form % forms.len().max(1)) {
                    text.push_str(f);
                }
                text.push_str(&glue);
            }
            let masked = r.redact(&text);
            proptest::prop_assert_eq!(
                masked.replacen("unrelated-env-secret", "***", 1),
                p.redact(&text).into_owned()
            );
        }
    }
}
