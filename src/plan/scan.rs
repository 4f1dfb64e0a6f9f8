//! Splits a JSON document, read incrementally, into the byte slices of its top-level values
//! and of the elements of chosen arrays, without parsing them. Each slice is then parsed
//! with `serde_json::from_slice`, which is several times faster than parsing from a reader,
//! while memory holds one slice at a time however large the document is. Values nobody
//! asked for are skipped as they stream past.

use std::io::Read;

/// Bytes read at a time. The buffer holds about two of these plus the value being cut
/// out; more only costs peak memory, reads are cheap next to scanning.
const CHUNK: usize = 256 << 10;

/// serde_json's recursion limit: anything nested deeper would fail to parse later, or be
/// silently dropped where a value is opened leniently, so it is refused here with the
/// place named.
pub const MAX_DEPTH: usize = 128;

/// The largest single value (one resource change, the `variables` map, ...) held in memory
/// at once. Whole plans may be far larger: they are streamed value by value.
pub const MAX_VALUE_BYTES: usize = 256 << 20;

const QUOTE: u8 = 1;
const OPEN: u8 = 2;
const CLOSE: u8 = 3;

/// Byte class outside strings; a table lookup beats a chain of comparisons here.
static STRUCTURAL: [u8; 256] = {
    let mut table = [0u8; 256];
    table[b'"' as usize] = QUOTE;
    table[b'{' as usize] = OPEN;
    table[b'[' as usize] = OPEN;
    table[b'}' as usize] = CLOSE;
    table[b']' as usize] = CLOSE;
    table
};

pub struct Scanner<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// Bytes dropped from the front of `buf`, for error offsets.
    dropped: u64,
    /// See [`MAX_VALUE_BYTES`]; lower in tests.
    max_value_bytes: usize,
}

pub type ScanResult<T> = Result<T, String>;

impl<R: Read> Scanner<R> {
    pub fn new(reader: R) -> Self {
        Scanner {
            reader,
            buf: Vec::with_capacity(CHUNK),
            pos: 0,
            eof: false,
            dropped: 0,
            max_value_bytes: MAX_VALUE_BYTES,
        }
    }

    /// A scanner that refuses values over `limit` bytes (tests use a small one).
    #[cfg(test)]
    pub fn with_value_limit(reader: R, limit: usize) -> Self {
        Scanner {
            max_value_bytes: limit,
            ..Scanner::new(reader)
        }
    }

    /// Skips a UTF-8 byte-order mark at the very start (editors on Windows write one).
    pub fn skip_bom(&mut self) -> ScanResult<()> {
        while self.buf.len() < 3 && self.fill()? {}
        if self.offset() == 0 && self.buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.pos = 3;
        }
        Ok(())
    }

    /// Byte offset of the next unread byte, for messages.
    pub fn offset(&self) -> u64 {
        self.dropped + self.pos as u64
    }

    /// Drops consumed bytes before reading more (slices handed out earlier are gone by then:
    /// they borrow the scanner). Returns how far the remaining bytes moved.
    fn compact(&mut self) -> usize {
        let shift = self.pos;
        if shift > 0 {
            self.buf.drain(..shift);
            self.dropped += shift as u64;
            self.pos = 0;
        }
        shift
    }

    /// Reads more input; false at end of input.
    fn fill(&mut self) -> ScanResult<bool> {
        if self.eof {
            return Ok(false);
        }
        let old = self.buf.len();
        self.buf.resize(old + CHUNK, 0);
        let n = loop {
            match self.reader.read(&mut self.buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(format!("could not be read: {e}"));
                }
            }
        };
        self.buf.truncate(old + n);
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    /// The next non-whitespace byte, not consumed; None at end of input.
    pub fn peek(&mut self) -> ScanResult<Option<u8>> {
        loop {
            while self.pos < self.buf.len() {
                let b = self.buf[self.pos];
                if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                    self.pos += 1;
                } else {
                    return Ok(Some(b));
                }
            }
            self.compact();
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Consumes `want` (after whitespace) or fails naming what was found.
    pub fn expect(&mut self, want: u8, what: &str) -> ScanResult<()> {
        match self.peek()? {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => Err(format!(
                "is not valid JSON (expected {what} at byte {}, found {:?})",
                self.offset(),
                b as char
            )),
            None => Err(format!("is not valid JSON (ended early, expected {what})")),
        }
    }

    /// Consumes `b` if it is next (after whitespace).
    pub fn eat(&mut self, b: u8) -> ScanResult<bool> {
        if self.peek()? == Some(b) {
            self.pos += 1;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// The complete next value as a slice (valid until the next call).
    pub fn value(&mut self) -> ScanResult<&[u8]> {
        if self.peek()?.is_none() {
            return Err("is not valid JSON (ended early, expected a value)".into());
        }
        let end = self.scan(true)?;
        let start = self.pos;
        self.pos = end;
        Ok(&self.buf[start..end])
    }

    /// Consumes the next value without keeping it.
    pub fn skip(&mut self) -> ScanResult<()> {
        if self.peek()?.is_none() {
            return Err("is not valid JSON (ended early, expected a value)".into());
        }
        let end = self.scan(false)?;
        self.pos = end;
        Ok(())
    }

    /// Finds the end of the value starting at `pos`. With `keep` false, consumed bytes are
    /// dropped while scanning so a huge skipped value never sits in memory.
    fn scan(&mut self, keep: bool) -> ScanResult<usize> {
        let first = self.buf[self.pos];
        let mut i = self.pos + 1;
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        let mut depth: usize = usize::from(matches!(first, b'{' | b'['));
        let mut in_string = first == b'"';
        let mut escaped = false;
        loop {
            let bytes = &self.buf[..];
            while i < bytes.len() {
                if scalar {
                    if matches!(bytes[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        return Ok(i);
                    }
                    i += 1;
                } else if in_string {
                    if escaped {
                        escaped = false;
                        i += 1;
                        continue;
                    }
                    // Jump to the next quote or backslash: most bytes are string content.
                    match memchr::memchr2(b'"', b'\\', &bytes[i..]) {
                        None => i = bytes.len(),
                        Some(at) => {
                            i += at;
                            if bytes[i] == b'\\' {
                                escaped = true;
                            } else {
                                in_string = false;
                                if depth == 0 {
                                    return Ok(i + 1);
                                }
                            }
                            i += 1;
                        }
                    }
                } else {
                    match STRUCTURAL[bytes[i] as usize] {
                        QUOTE => in_string = true,
                        OPEN => {
                            depth += 1;
                            if keep && depth > MAX_DEPTH {
                                return Err(format!(
                                    "nests values more than {MAX_DEPTH} levels deep (at byte {}); tfpromote refuses a plan it cannot read completely rather than ignore part of it",
                                    self.dropped + i as u64
                                ));
                            }
                        }
                        CLOSE => {
                            depth -= 1;
                            if depth == 0 {
                                return Ok(i + 1);
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            if keep {
                i -= self.compact();
                if i > self.max_value_bytes {
                    return Err(format!(
                        "has a single value larger than {} MiB (starting at byte {}); tfpromote holds one value at a time in memory and refuses this one",
                        self.max_value_bytes >> 20,
                        self.offset()
                    ));
                }
            } else {
                // Nothing before `i` is needed any more.
                self.pos = i;
                self.compact();
                i = 0;
            }
            if !self.fill()? {
                return if scalar {
                    Ok(i)
                } else {
                    Err("is not valid JSON (ended inside a value)".into())
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns one byte per call, to exercise every refill boundary.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), out.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn splits_values_across_refills() {
        let doc = br#" {"a" : [1, {"s": "x]}\"y"}, "t\\"], "big": {"k": [1,2,3]}, "n": -1.5e3 } "#;
        let mut s = Scanner::new(Trickle(doc));
        s.expect(b'{', "{").expect("open");
        assert_eq!(s.value().expect("key"), br#""a""#);
        s.expect(b':', ":").expect("colon");
        s.expect(b'[', "[").expect("array");
        assert_eq!(s.value().expect("1"), b"1");
        assert!(s.eat(b',').expect("comma"));
        assert_eq!(s.value().expect("obj"), br#"{"s": "x]}\"y"}"#);
        assert!(s.eat(b',').expect("comma"));
        assert_eq!(s.value().expect("str"), br#""t\\""#);
        s.expect(b']', "]").expect("close");
        assert!(s.eat(b',').expect("comma"));
        s.value().expect("key");
        s.expect(b':', ":").expect("colon");
        s.skip().expect("skip");
        assert!(s.eat(b',').expect("comma"));
        s.value().expect("key");
        s.expect(b':', ":").expect("colon");
        assert_eq!(s.value().expect("number"), b"-1.5e3");
        s.expect(b'}', "}").expect("close");
        assert_eq!(s.peek().expect("end"), None);
    }

    /// Item 8: nesting deeper than serde_json reads is refused, not silently dropped.
    #[test]
    fn deep_nesting_is_refused_with_the_offset() {
        let doc = format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        let err = Scanner::new(doc.as_bytes()).value().expect_err("too deep");
        assert!(
            err.contains("more than 128 levels deep (at byte 128)"),
            "{err}"
        );
        let ok = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(Scanner::new(ok.as_bytes()).value().is_ok());
        // Skipped values (never parsed) may nest deeper.
        assert!(Scanner::new(doc.as_bytes()).skip().is_ok());
    }

    /// Item 13: a value over the memory budget fails fast.
    #[test]
    fn oversized_values_fail_fast() {
        let doc = format!("[\"{}\"]", "x".repeat(3 << 20));
        let err = Scanner::with_value_limit(doc.as_bytes(), 1 << 20)
            .value()
            .expect_err("too big");
        assert!(err.contains("larger than 1 MiB"), "{err}");
        assert!(
            Scanner::with_value_limit(doc.as_bytes(), 4 << 20)
                .value()
                .is_ok()
        );
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let mut s = Scanner::new(Trickle(b"\xEF\xBB\xBF{}"));
        s.skip_bom().expect("bom");
        assert_eq!(s.value().expect("object"), b"{}");
    }

    #[test]
    fn truncated_input_is_an_error() {
        let mut s = Scanner::new(Trickle(br#"{"a": [1, 2"#));
        s.expect(b'{', "{").expect("open");
        s.value().expect("key");
        s.expect(b':', ":").expect("colon");
        assert!(s.value().is_err());
    }
}
