//! Removes secrets from every piece of text we write (comment, summary, logs, annotations).
//!
//! Terraform's own `sensitive` marks are honoured where values are read; this is the second
//! line: literal values known to be secret (sensitive variables, `TF_VAR_*`, configured
//! environment variables, values Terraform marks) and user patterns for values Terraform
//! does not mark.
//!
//! Literals are matched by one Aho-Corasick automaton, so the cost of masking grows with the
//! length of the text, not with the number of secrets times the text.
//! Each secret is registered in the forms it is printed in: as is, JSON-escaped and
//! HCL-escaped (Terraform's text output), and line by line when it spans lines, so a text
//! masked one line at a time still loses every line of a PEM key.
//!
//! Machine output (JSON, step outputs, the fingerprint) is built from structured data and
//! never passes through here: masking a value that happens to be `true` or `5059` would make
//! it invalid. Such trivial values are not registered at all ([`is_trivial`]); they are still
//! never rendered, because sensitive leaves are never rendered.

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
    /// Every printed form of every literal: what the automaton matches.
    forms: Vec<String>,
    known: HashSet<String>,
    patterns: Vec<Regex>,
    automaton: Option<AhoCorasick>,
    /// Instead of the automaton, for very large secret sets.
    prefix_index: Option<PrefixIndex>,
    combined_patterns: Option<Regex>,
}

impl Redactor {
    pub fn new(patterns: impl IntoIterator<Item = Regex>) -> Self {
        let patterns: Vec<Regex> = patterns.into_iter().collect();
        let alternatives: Vec<String> = patterns
            .iter()
            .map(|p| format!("(?:{})", p.as_str()))
            .collect();
        // Each part is an already-compiled pattern, so this fails only on size limits; then
        // the patterns are applied one by one.
        let combined_patterns = if alternatives.is_empty() {
            None
        } else {
            Regex::new(&alternatives.join("|")).ok()
        };
        Redactor {
            patterns,
            combined_patterns,
            ..Default::default()
        }
    }

    /// Adds literal secret values (e.g. every string leaf of a sensitive variable). Trivial
    /// values are skipped (see [`is_trivial`]).
    pub fn add_literals<I, S>(&mut self, values: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let before = self.forms.len();
        for value in values {
            let value = value.into();
            if is_trivial(&value) || !self.known.insert(value.clone()) {
                continue;
            }
            for form in printed_forms(&value) {
                if form != value && !self.known.insert(form.clone()) {
                    continue;
                }
                self.forms.push(form);
            }
            self.literals.push(value);
        }
        if self.forms.len() != before {
            self.rebuild();
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

    /// Every form the automaton masks, for `::add-mask::` (escaped forms included, since
    /// Terraform prints those).
    pub fn mask_forms(&self) -> &[String] {
        &self.forms
    }

    fn rebuild(&mut self) {
        let form_bytes: usize = self.forms.iter().map(String::len).sum();
        self.rebuild_with(form_bytes > AUTOMATON_MAX_FORM_BYTES);
    }

    fn rebuild_with(&mut self, large: bool) {
        self.automaton = None;
        self.prefix_index = None;
        if large {
            self.prefix_index = PrefixIndex::new(&self.forms);
        }
        if self.prefix_index.is_none() {
            // Leftmost-longest: a secret that contains another is replaced whole.
            self.automaton = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&self.forms)
                .ok();
        }
    }

    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let literal_free: Cow<'a, str> = match (&self.automaton, &self.prefix_index) {
            (_, Some(index)) => match index.replace_all(&self.forms, text, REPLACEMENT) {
                Some(out) => Cow::Owned(out),
                None => Cow::Borrowed(text),
            },
            (Some(ac), None) if ac.is_match(text) => {
                // No per-call table of replacements: that would cost as much as the number
                // of secrets on every line of a log.
                let mut out = String::with_capacity(text.len());
                ac.replace_all_with(text, &mut out, |_, _, dst| {
                    dst.push_str(REPLACEMENT);
                    true
                });
                Cow::Owned(out)
            }
            (Some(_), None) => Cow::Borrowed(text),
            (None, None) if self.forms.is_empty() => Cow::Borrowed(text),
            // Building the automaton failed (it never should): mask form by form.
            (None, None) => {
                let mut out = text.to_string();
                for form in &self.forms {
                    out = out.replace(form.as_str(), REPLACEMENT);
                }
                Cow::Owned(out)
            }
        };
        if self.patterns.is_empty() {
            return literal_free;
        }
        let replaced = match &self.combined_patterns {
            Some(re) => match re.replace_all(&literal_free, REPLACEMENT) {
                Cow::Borrowed(_) => None,
                Cow::Owned(s) => Some(s),
            },
            None => {
                let mut out = literal_free.to_string();
                for pattern in &self.patterns {
                    out = pattern.replace_all(&out, REPLACEMENT).into_owned();
                }
                Some(out)
            }
        };
        match replaced {
            Some(s) => Cow::Owned(s),
            None => literal_free,
        }
    }
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
        assert!(r.mask_forms().is_empty());
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

    proptest::proptest! {
        /// Random secrets and text over a small alphabet, so matches and overlaps are common.
        #[test]
        fn both_matchers_agree(
            secrets in proptest::collection::vec("[ab\\-é]{4,9}", 1..12),
            text in "[ab\\-é ]{0,80}",
        ) {
            let mut r = Redactor::default();
            r.add_literals(secrets);
            if !r.mask_forms().is_empty() {
                let large = with_index(&r);
                proptest::prop_assert_eq!(r.redact(&text), large.redact(&text));
            }
        }
    }
}
