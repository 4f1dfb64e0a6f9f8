//! Markdown building blocks that stay correct whatever text they are given: addresses and
//! map keys come from user configuration and may contain backticks, pipes or newlines.

/// An inline code span that cannot be broken out of; `in_table` also escapes `|`.
pub fn code(text: &str, in_table: bool) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let flat = if in_table {
        flat.replace('|', "\\|")
    } else {
        flat
    };
    let longest_run = flat.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    if longest_run > 0 || flat.starts_with(' ') || flat.ends_with(' ') {
        format!("{fence} {flat} {fence}")
    } else {
        format!("{fence}{flat}{fence}")
    }
}

/// A fenced block whose fence is longer than any backtick run in the text.
pub fn fenced(text: &str) -> String {
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest_run + 1).max(3));
    format!("{fence}text\n{}\n{fence}", text.trim_end())
}

/// `12345` -> `12,345`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("a.b", false), "`a.b`");
        assert_eq!(code("x[\"a`b\"]", false), "`` x[\"a`b\"] ``");
        assert_eq!(code("a|b", true), "`a\\|b`");
        assert_eq!(code("a\nb", false), "`a b`");
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(20000), "20,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
