//! Removes secrets from every piece of text we write (comment, summary, logs, outputs).
//!
//! Terraform's own `sensitive` marks are honoured where values are read; this is the second
//! line: literal values known to be secret (sensitive variables, `TF_VAR_*`, configured
//! environment variables) and user patterns for values Terraform does not mark.

use regex::Regex;
use std::borrow::Cow;

pub const REPLACEMENT: &str = "***";

/// Literals shorter than this are not masked: masking `1` or `on` would shred every line
/// while protecting nothing a real secret looks like.
const MIN_SECRET_LEN: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    literals: Vec<String>,
    patterns: Vec<Regex>,
    combined: Option<Regex>,
}

impl Redactor {
    pub fn new(patterns: impl IntoIterator<Item = Regex>) -> Self {
        let mut redactor = Redactor {
            literals: Vec::new(),
            patterns: patterns.into_iter().collect(),
            combined: None,
        };
        redactor.rebuild();
        redactor
    }

    /// Adds literal secret values (e.g. every string leaf of a sensitive variable).
    pub fn add_literals<I, S>(&mut self, values: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let before = self.literals.len();
        for value in values {
            let value = value.into();
            if value.trim().len() >= MIN_SECRET_LEN && !self.literals.contains(&value) {
                self.literals.push(value);
            }
        }
        if self.literals.len() != before {
            self.rebuild();
        }
    }

    /// Masks the values of `TF_VAR_*` and the named environment variables.
    pub fn add_env_values(&mut self, names: &[String]) {
        let values: Vec<String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("TF_VAR_") || names.iter().any(|n| n == k))
            .map(|(_, v)| v)
            .collect();
        self.add_literals(values);
    }

    /// Literal secrets, for `::add-mask::` so the runner masks them too.
    pub fn literals(&self) -> &[String] {
        &self.literals
    }

    fn rebuild(&mut self) {
        // Longest first so a secret that contains another is replaced whole.
        let mut literals = self.literals.clone();
        literals.sort_by_key(|l| std::cmp::Reverse(l.len()));
        let alternatives: Vec<String> = literals
            .iter()
            .map(|l| regex::escape(l))
            .chain(self.patterns.iter().map(|p| format!("(?:{})", p.as_str())))
            .collect();
        self.combined = if alternatives.is_empty() {
            None
        } else {
            // Every part is an escaped literal or an already-compiled pattern, so this only
            // fails on size limits; then fall back to applying the pieces one by one.
            Regex::new(&alternatives.join("|")).ok()
        };
    }

    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match &self.combined {
            Some(re) => re.replace_all(text, REPLACEMENT),
            None if self.literals.is_empty() && self.patterns.is_empty() => Cow::Borrowed(text),
            None => {
                let mut out = text.to_string();
                for literal in &self.literals {
                    out = out.replace(literal.as_str(), REPLACEMENT);
                }
                for pattern in &self.patterns {
                    out = pattern.replace_all(&out, REPLACEMENT).into_owned();
                }
                Cow::Owned(out)
            }
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
}
