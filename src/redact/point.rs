//! The process's one redaction point. Every text channel (stderr, annotations, the job
//! summary, step outputs, files we write, request bodies sent to GitHub, the tracing log)
//! passes [`mask`] or [`mask_json`] on its way out, and every secret tfpromote learns is fed
//! here the moment it is known ([`learn`]). Texts are masked whole, once, at the edge:
//! nothing upstream pre-masks with a redactor that knows less (a short secret masked inside
//! a longer one would hide the longer one from a later pass).

use std::sync::RwLock;

use super::Redactor;

static POINT: RwLock<Option<Redactor>> = RwLock::new(None);

/// Adds every secret (and pattern) `redactor` knows.
pub fn learn_from(redactor: &Redactor) {
    if let Ok(mut point) = POINT.write() {
        match point.as_mut() {
            Some(known) => known.merge(redactor),
            // Nothing known yet: take it as it is rather than build its matcher again.
            None => *point = Some(redactor.clone()),
        }
    }
}

/// [`learn_from`] for a redactor the caller no longer needs (no copy when the point is
/// still empty: a large plan's secret set is tens of megabytes).
pub fn adopt(redactor: Redactor) {
    if let Ok(mut point) = POINT.write() {
        let mut larger = redactor;
        if let Some(known) = point.take() {
            // Merge the smaller set into the larger one: its matcher is built once.
            if known.literals().len() > larger.literals().len() {
                let smaller = std::mem::replace(&mut larger, known);
                larger.merge(&smaller);
            } else {
                larger.merge(&known);
            }
        }
        *point = Some(larger);
    }
}

/// Adds literal secret values (trivial ones are skipped, see [`super::is_trivial`]).
pub fn learn<I, S>(values: I)
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    if let Ok(mut point) = POINT.write() {
        point
            .get_or_insert_with(Redactor::default)
            .add_literals(values);
    }
}

/// A copy of what the point knows now (for `::add-mask::` and for tests).
pub fn snapshot() -> Redactor {
    POINT
        .read()
        .ok()
        .and_then(|p| p.clone())
        .unwrap_or_default()
}

/// `text` with every secret known now replaced.
pub fn mask(text: &str) -> String {
    match POINT.read() {
        Ok(point) => match point.as_ref() {
            Some(r) => r.redact(text).into_owned(),
            None => text.to_string(),
        },
        // A writer panicked while holding the lock: print nothing rather than risk clear text.
        Err(_) => super::REPLACEMENT.to_string(),
    }
}

/// Machine output: a JSON document with secrets masked inside its strings and object keys,
/// so it stays valid JSON (masking the serialised text could cut an escape in half). Text
/// that is not JSON is masked as text.
pub fn mask_json_text(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut value) if value.is_object() || value.is_array() => {
            let before = value.clone();
            mask_json(&mut value);
            if value == before {
                // Nothing to hide: the document as it was written (its layout and order).
                return text.to_string();
            }
            serde_json::to_string(&value).unwrap_or_else(|_| mask(text))
        }
        _ => mask(text),
    }
}

/// Masks every string and object key of `value` in place.
pub fn mask_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            let masked = mask(s);
            if masked != *s {
                *s = masked;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_json),
        Value::Object(map) => {
            let old = std::mem::take(map);
            for (key, mut v) in old {
                mask_json(&mut v);
                map.insert(mask(&key), v);
            }
        }
        Value::Number(_) | Value::Bool(_) | Value::Null => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Masking machine output inside its strings and keys keeps it valid JSON, even for a
    /// secret whose escaped form a text pass would cut in half (`\n` before it).
    #[test]
    fn machine_output_stays_valid_json() {
        learn(["n-point-secret\"q\\z", "key-point-secret"]);
        let doc = serde_json::json!({
            "a": "x\nn-point-secret\"q\\z y",
            "key-point-secret": ["terraform_data.t[\"key-point-secret\"]", 5059, true],
        });
        let text = serde_json::to_string(&doc).expect("json");
        let masked: serde_json::Value =
            serde_json::from_str(&mask_json_text(&text)).expect("still JSON");
        assert_eq!(masked["a"], "x\n*** y");
        assert_eq!(masked["***"][0], "terraform_data.t[\"***\"]");
        assert_eq!(masked["***"][1], 5059);
        let plain = "{\"has_changes\": true}";
        assert_eq!(
            mask_json_text(plain),
            plain,
            "unchanged documents keep their layout"
        );
    }
}
