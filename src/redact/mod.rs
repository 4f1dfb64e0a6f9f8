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

pub mod point;
mod prefix_index;

use aho_corasick::{AhoCorasick, MatchKind};
use prefix_index::PrefixIndex;
use regex::Regex;
use std::borrow::Cow;
use std::collections::HashSet;

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
    if v.chars().count() < MIN_SECRET_LEN {
        return true;
    }
    if ["true", "false", "null"]
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

/// The forms a secret takes in text we print: itself, JSON- and HCL-escaped, and each of
/// its lines. Trivial forms are left out.
pub fn printed_forms(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_string()];
    let json = serde_json::to_string(value).unwrap_or_default();
    if let Some(inner) = json.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        forms.push(inner.to_string());
    }
    forms.push(hcl_escaped(value));
    if value.contains(['\n', '\r']) {
        forms.extend(value.lines().map(|l| l.trim_end_matches('\r').to_string()));
    }
    let mut seen = HashSet::new();
    forms.retain(|f| !is_trivial(f) && seen.insert(f.clone()));
    forms
}

/// How Terraform quotes a string in its diagnostics and plan text (HCL string escapes).
fn hcl_escaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            other => out.push(other),
        }
    }
    out
}

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Secret values as given (for `::add-mask::`), non-trivial, without duplicates.
    literals: Vec<String>,
    /// The printed forms that differ from their collapsed form in `match_forms` (kept for
    /// `::add-mask::`, which matches exactly); the others are not stored twice.
    forms: Vec<String>,
    /// The forms with each whitespace run collapsed to one space and the ends trimmed:
    /// what the automaton matches, over a text whose whitespace runs (line breaks and
    /// Terraform's `│` borders included) are collapsed the same way.
    match_forms: Vec<String>,
    known: HashSet<String>,
    known_match: HashSet<String>,
    /// Patterns for numbers Terraform prints with more digits than a float keeps.
    number_patterns: Vec<Regex>,
    patterns: Vec<Regex>,
    automaton: Option<AhoCorasick>,
    /// Instead of the automaton, for very large secret sets.
    prefix_index: Option<PrefixIndex>,
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
        S: Into<String>,
    {
        let before = self.match_forms.len();
        let patterns_before = self.number_patterns.len();
        for value in values {
            let value = value.into();
            if is_trivial(&value) || !self.known.insert(value.clone()) {
                continue;
            }
            for form in printed_forms(&value) {
                if form != value && !self.known.insert(form.clone()) {
                    continue;
                }
                if !needs_collapse(&form) {
                    // Most forms: matched as they are, stored once.
                    self.match_forms.push(form);
                    continue;
                }
                let collapsed = collapse_whitespace(&form);
                if !is_trivial(&collapsed) && self.known_match.insert(collapsed.clone()) {
                    self.match_forms.push(collapsed);
                }
                self.forms.push(form);
            }
            if let Some(pattern) = lost_digits_pattern(&value) {
                self.number_patterns.push(pattern);
            }
            self.literals.push(value);
        }
        if self.match_forms.len() != before {
            self.rebuild();
        }
        if self.number_patterns.len() != patterns_before {
            self.rebuild_patterns();
        }
    }

    /// Every secret and pattern `other` knows joins this one.
    pub fn merge(&mut self, other: &Redactor) {
        self.add_literals(other.literals.iter().cloned());
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
    pub fn literals(&self) -> &[String] {
        &self.literals
    }

    /// Every form masked, for `::add-mask::` (escaped forms included, since Terraform
    /// prints those).
    pub fn mask_forms(&self) -> impl Iterator<Item = &String> {
        self.match_forms.iter().chain(&self.forms)
    }

    fn rebuild(&mut self) {
        let form_bytes: usize = self.match_forms.iter().map(String::len).sum();
        self.rebuild_with(form_bytes > AUTOMATON_MAX_FORM_BYTES);
    }

    fn rebuild_with(&mut self, large: bool) {
        self.automaton = None;
        self.prefix_index = None;
        if large {
            self.prefix_index = PrefixIndex::new(&self.match_forms);
        }
        if self.prefix_index.is_none() {
            // Leftmost-longest: a secret that contains another is replaced whole.
            self.automaton = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&self.match_forms)
                .ok();
        }
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
        let literal_free: Cow<'a, str> = if self.match_forms.is_empty() {
            Cow::Borrowed(text)
        } else {
            let view = CollapsedView::new(text);
            let matches = self.find_all(view.text());
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

    /// Leftmost-longest matches of the collapsed forms in `view`, as byte spans.
    fn find_all(&self, view: &str) -> Vec<(usize, usize)> {
        match (&self.automaton, &self.prefix_index) {
            (_, Some(index)) => index.find_all(&self.match_forms, view),
            (Some(ac), None) => ac.find_iter(view).map(|m| (m.start(), m.end())).collect(),
            // Building the automaton failed (it never should): the longest form at each
            // position, leftmost first.
            (None, None) => {
                let mut found = Vec::new();
                let mut at = 0;
                while at < view.len() {
                    let longest = self
                        .match_forms
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

/// True for the characters a collapsed run is made of.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// True when [`collapse_whitespace`] would change `value`. One pass over the bytes: it runs
/// for every form of every secret.
fn needs_collapse(value: &str) -> bool {
    let mut after_space = true;
    for &b in value.as_bytes() {
        match b {
            b' ' if after_space => return true,
            b' ' => after_space = true,
            b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => return true,
            _ => after_space = false,
        }
    }
    (after_space && !value.is_empty())
        || (!value.is_ascii() && value.chars().any(|c| is_space(c) && c != ' '))
}

/// `value` with its ends trimmed and each whitespace run replaced by one space: the form
/// matched against a [`CollapsedView`].
fn collapse_whitespace(value: &str) -> String {
    let view = CollapsedView::new(value.trim_matches(is_space));
    view.text().to_string()
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
        let mut chars = original.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            if !is_space(c) {
                text.push(c);
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
            let at = text.len();
            text.push(' ');
            if end - start != 1 {
                extra += end - start - 1;
                runs.push((at, extra));
            }
        }
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
        large.rebuild_with(true);
        assert!(large.prefix_index.is_some() && large.automaton.is_none());
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
        assert!(r.prefix_index.is_some(), "over 4 MiB of forms");
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
}
