//! The forms a secret takes in printed text, and the forms the matcher looks for.
//!
//! A plan that marks secrets in every resource has about 110,000 values on 100,000
//! resources that are not printed as they are (JSON documents, scripts with line breaks).
//! Deriving their forms as a `String` each was most of what registering a plan's secrets
//! cost (scripts/bench-render), so [`FormBuffer`] derives them into buffers it reuses from
//! one value to the next; [`printed_forms`] and [`special_match_forms`] are the same forms
//! as owned strings, for the few places that keep them.

use super::{collapse_into, is_space, is_trivial, needs_collapse};

/// The forms a secret takes in text we print: itself, JSON- and HCL-escaped, and each of
/// its lines. Trivial forms and repeats are left out.
pub fn printed_forms(value: &str) -> Vec<String> {
    let mut buffer = FormBuffer::default();
    buffer.derive_printed(value).map(str::to_string).collect()
}

/// The match forms of a value that is not [`super::is_plain`]: each printed form, with
/// each whitespace run collapsed to one space and the ends trimmed when it has any (what
/// the matcher looks for in a text whose whitespace runs, line breaks and Terraform's `│`
/// borders included, are collapsed the same way); trivial ones left out.
pub(super) fn special_match_forms(value: &str) -> Vec<String> {
    let mut buffer = FormBuffer::default();
    buffer.derive(value).map(str::to_string).collect()
}

/// How Terraform quotes a string in its diagnostics and plan text (HCL string escapes).
#[cfg(test)]
fn hcl_escaped(value: &str) -> String {
    let mut out = String::new();
    push_hcl_escaped(value, &mut out);
    out
}

fn push_hcl_escaped(value: &str, out: &mut String) {
    out.reserve(value.len() + 8);
    let bytes = value.as_bytes();
    // Every byte escaped is ASCII, so the text between two of them is copied whole.
    let mut copied = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escaped = match b {
            b'\\' => "\\\\",
            b'"' => "\\\"",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b'$' if bytes.get(i + 1) == Some(&b'{') => "$$",
            b'%' if bytes.get(i + 1) == Some(&b'{') => "%%",
            _ => continue,
        };
        out.push_str(&value[copied..i]);
        out.push_str(escaped);
        copied = i + 1;
    }
    out.push_str(&value[copied..]);
}

/// What a value's printed forms differ from it by, found in one pass over its bytes.
pub(super) struct Escapes {
    /// serde_json escapes a byte of it (a quote, a backslash, a control character).
    pub json: bool,
    /// [`push_hcl_escaped`] changes it.
    pub hcl: bool,
    /// Its HCL escaping differs from its JSON escaping: it has a control character other
    /// than a tab or line break (JSON escapes it, HCL does not) or a `${`/`%{` (HCL doubles
    /// the `$`/`%`).
    hcl_not_json: bool,
    /// It has a line break.
    lines: bool,
}

impl Escapes {
    pub(super) fn of(value: &str) -> Escapes {
        let bytes = value.as_bytes();
        let mut escapes = Escapes {
            json: false,
            hcl: false,
            hcl_not_json: false,
            lines: false,
        };
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'"' | b'\\' | b'\n' | b'\r' | b'\t' => {
                    escapes.json = true;
                    escapes.hcl = true;
                    escapes.lines |= b == b'\n' || b == b'\r';
                }
                0..0x20 => {
                    escapes.json = true;
                    escapes.hcl_not_json = true;
                }
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    escapes.hcl = true;
                    escapes.hcl_not_json = true;
                }
                _ => {}
            }
        }
        escapes
    }
}

/// Derives one value's forms at a time into buffers kept from one value to the next.
#[derive(Default, Clone)]
pub(super) struct FormBuffer {
    /// The value's escaped and collapsed forms, one after another.
    text: String,
    /// serde_json's escaping of the value, quotes included.
    json: Vec<u8>,
    /// A form being collapsed, copied out of `text` (which the collapsed form is appended to).
    source: String,
    /// Each printed form kept.
    printed: Vec<Form>,
    /// Each match form.
    matched: Vec<Form>,
}

/// Where a form lies: a range of the value itself (the value, its lines) or of the derived
/// text.
#[derive(Clone, Copy)]
struct Form {
    in_value: bool,
    start: usize,
    end: usize,
}

impl Form {
    fn of_value(start: usize, end: usize) -> Form {
        Form {
            in_value: true,
            start,
            end,
        }
    }

    fn of_text(start: usize, end: usize) -> Form {
        Form {
            in_value: false,
            start,
            end,
        }
    }

    fn get<'s>(self, value: &'s str, text: &'s str) -> &'s str {
        let whole = if self.in_value { value } else { text };
        &whole[self.start..self.end]
    }
}

impl FormBuffer {
    /// `value`'s printed forms (see [`printed_forms`]), valid until the next call.
    fn derive_printed<'s>(&'s mut self, value: &'s str) -> impl Iterator<Item = &'s str> {
        self.text.clear();
        self.printed.clear();
        let mut candidates = [Some(Form::of_value(0, value.len())), None, None];
        // An escaped form that escapes nothing is the value again, which the check for
        // repeats would drop: it is not derived at all.
        let escapes = Escapes::of(value);
        self.json.clear();
        // Writing a string to memory cannot fail, and serde_json writes UTF-8.
        if escapes.json
            && serde_json::to_writer(&mut self.json, value).is_ok()
            && let Ok(json) = std::str::from_utf8(&self.json)
            && let Some(inner) = json.strip_prefix('"').and_then(|s| s.strip_suffix('"'))
        {
            self.text.push_str(inner);
            candidates[1] = Some(Form::of_text(0, self.text.len()));
        }
        // The same text as the JSON form is a repeat: not derived.
        if escapes.hcl && (escapes.hcl_not_json || candidates[1].is_none()) {
            let start = self.text.len();
            push_hcl_escaped(value, &mut self.text);
            candidates[2] = Some(Form::of_text(start, self.text.len()));
        }
        for form in candidates.into_iter().flatten() {
            self.keep_printed(value, form);
        }
        if escapes.lines {
            for line in value.lines() {
                let line = line.trim_end_matches('\r');
                let start = line.as_ptr() as usize - value.as_ptr() as usize;
                self.keep_printed(value, Form::of_value(start, start + line.len()));
            }
        }
        let text = &self.text;
        self.printed.iter().map(move |f| f.get(value, text))
    }

    /// Keeps `form` unless it is trivial or already kept (a handful of forms: a linear
    /// check beats a set).
    fn keep_printed(&mut self, value: &str, form: Form) {
        let text = form.get(value, &self.text);
        let repeated = || {
            self.printed
                .iter()
                .any(|kept| kept.get(value, &self.text) == text)
        };
        if !is_trivial(text) && !repeated() {
            self.printed.push(form);
        }
    }

    /// `value`'s match forms (see [`special_match_forms`]), valid until the next call.
    pub(super) fn derive<'s>(&'s mut self, value: &'s str) -> impl Iterator<Item = &'s str> {
        // Only the forms' positions are needed from here on.
        let _ = self.derive_printed(value);
        self.matched.clear();
        for i in 0..self.printed.len() {
            let form = self.printed[i];
            let text = form.get(value, &self.text);
            if !needs_collapse(text) {
                self.matched.push(form);
                continue;
            }
            // Appended after the forms already derived, so their ranges stay valid; the
            // source is copied out first when it lies in the text being appended to.
            self.source.clear();
            self.source.push_str(text.trim_matches(is_space));
            let start = self.text.len();
            collapse_into(&self.source, &mut self.text);
            let collapsed = Form::of_text(start, self.text.len());
            if !is_trivial(collapsed.get(value, &self.text)) {
                self.matched.push(collapsed);
            }
        }
        let text = &self.text;
        self.matched.iter().map(move |f| f.get(value, text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::collapse_whitespace;

    /// HCL escaping as first written, character by character.
    fn reference_hcl(value: &str) -> String {
        let mut out = String::new();
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

    /// The forms as first written, one `String` each: the reference the buffer must equal.
    fn reference_printed(value: &str) -> Vec<String> {
        let mut forms = vec![value.to_string()];
        let json = serde_json::to_string(value).unwrap_or_default();
        if let Some(inner) = json.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
            forms.push(inner.to_string());
        }
        forms.push(reference_hcl(value));
        if value.contains(['\n', '\r']) {
            forms.extend(value.lines().map(|l| l.trim_end_matches('\r').to_string()));
        }
        let mut kept: Vec<String> = Vec::new();
        for form in forms {
            if !is_trivial(&form) && !kept.contains(&form) {
                kept.push(form);
            }
        }
        kept
    }

    fn reference_matched(value: &str) -> Vec<String> {
        let mut forms = Vec::new();
        for form in reference_printed(value) {
            if !needs_collapse(&form) {
                forms.push(form);
                continue;
            }
            let collapsed = collapse_whitespace(&form);
            if !is_trivial(&collapsed) {
                forms.push(collapsed);
            }
        }
        forms
    }

    #[test]
    fn a_script_and_a_json_document() {
        let script = "#!/bin/bash\nexport TOKEN=abc123\n  /opt/start --port 8080\n";
        assert_eq!(
            special_match_forms(script),
            [
                "#!/bin/bash export TOKEN=abc123 /opt/start --port 8080",
                "#!/bin/bash\\nexport TOKEN=abc123\\n /opt/start --port 8080\\n",
                "#!/bin/bash",
                "export TOKEN=abc123",
                "/opt/start --port 8080",
            ]
        );
        let document = r#"{"api_key": "k-1", "t": "${x}"}"#;
        assert_eq!(
            special_match_forms(document),
            [
                document,
                r#"{\"api_key\": \"k-1\", \"t\": \"${x}\"}"#,
                r#"{\"api_key\": \"k-1\", \"t\": \"$${x}\"}"#,
            ]
        );
    }

    proptest::proptest! {
        /// The one-pass check says exactly when an escaped form differs from the value.
        #[test]
        fn escapes_are_found_exactly(value in "[a-c \t\r\n\"\\\\$%{}\u{1}\u{1f}\u{7f}é]{0,12}") {
            let escapes = Escapes::of(&value);
            let json = serde_json::to_string(&value).expect("a string");
            proptest::prop_assert_eq!(escapes.json, json != format!("\"{value}\""));
            proptest::prop_assert_eq!(escapes.hcl, hcl_escaped(&value) != value);
            proptest::prop_assert_eq!(hcl_escaped(&value), reference_hcl(&value));
            let json_inner = &json[1..json.len() - 1];
            proptest::prop_assert_eq!(escapes.hcl_not_json, hcl_escaped(&value) != json_inner);
            proptest::prop_assert_eq!(escapes.lines, value.contains(['\n', '\r']));
        }

        /// One buffer reused across values derives exactly the forms of the reference.
        #[test]
        fn the_buffer_equals_the_reference(
            values in proptest::collection::vec("[a-c \t\r\n\"\\\\$%{}│\u{7f}\u{1}\u{a0}é]{0,24}", 1..6)
        ) {
            let mut buffer = FormBuffer::default();
            for value in &values {
                let got: Vec<String> = buffer.derive(value).map(str::to_string).collect();
                proptest::prop_assert_eq!(got, reference_matched(value));
                proptest::prop_assert_eq!(printed_forms(value), reference_printed(value));
            }
        }
    }
}
