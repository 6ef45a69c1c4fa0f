//! JSON parsing with positions (RFC 8259, strict).
//!
//! `serde_json` keeps the last of two duplicate keys without a word and drops positions, so
//! mlconform parses JSON itself into [`Node`]s. The parser is iterative: nesting depth costs
//! heap, not stack, and the depth limit is a finding rather than a crash. Number literals are
//! kept as written, so `1e400` and `1e-400` reach validation unrounded.

use std::collections::HashMap;

use super::{Document, Entry, Issue, IssueKind, Limits, Node, Parsed, Span, Value};

/// Parses one JSON text. `text` has no byte order mark.
pub fn parse(text: &str, limits: &Limits) -> Parsed {
    let mut parser = Parser { text, bytes: text.as_bytes(), pos: 0, limits, parsed: Parsed::default() };
    let root = parser.parse_document();
    let mut parsed = parser.parsed;
    if let Some(root) = root {
        parsed.documents.push(Document { index: 0, span: root.span, root: Some(root) });
    }
    parsed
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    limits: &'a Limits,
    /// Issues found so far; the documents are added at the end.
    parsed: Parsed,
}

/// An open array or object while the parser descends.
enum Frame {
    Array {
        start: usize,
        items: Vec<Node>,
    },
    /// `entries` keeps source order, and a key seen again leaves `None` at its earlier place.
    /// `seen` maps each key to the span of its first occurrence and the index of its latest
    /// entry, so that a duplicate costs constant time however large the object is.
    Object {
        start: usize,
        entries: Vec<Option<Entry>>,
        seen: HashMap<String, (Span, usize)>,
        key: Option<(String, Span)>,
    },
}

/// The offset of a [`SyntaxError`] that only stops parsing, because the issue that stopped it
/// (a limit) is already recorded.
const STOPPED: usize = usize::MAX;

/// A syntax error: where and what.
struct SyntaxError {
    at: usize,
    message: String,
}

impl<'a> Parser<'a> {
    fn parse_document(&mut self) -> Option<Node> {
        match self.parse_value_tree() {
            Ok(root) => {
                self.skip_whitespace();
                if self.pos < self.bytes.len() {
                    let found = self.describe_here();
                    self.syntax(self.pos, format!("unexpected {found} after the end of the JSON value"));
                    return None;
                }
                Some(root)
            }
            Err(error) => {
                if error.at != STOPPED {
                    self.syntax(error.at, error.message);
                }
                None
            }
        }
    }

    fn push_issue(&mut self, issue: Issue) {
        self.parsed.push_issue(issue, self.limits.max_findings);
    }

    fn syntax(&mut self, at: usize, message: String) {
        self.push_issue(Issue {
            kind: IssueKind::Syntax { message },
            span: Span::at(at),
            pointer: String::new(),
            document: Some(0),
        });
    }

    /// Parses a whole value, arrays and objects included, with an explicit stack.
    fn parse_value_tree(&mut self) -> Result<Node, SyntaxError> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut pointer_keys: Vec<String> = Vec::new();

        loop {
            // Read one value: a scalar, or the opening of a container.
            self.skip_whitespace();
            let start = self.pos;
            let mut value = match self.peek() {
                Some(b'[') | Some(b'{') => {
                    if stack.len() >= self.limits.max_depth {
                        self.push_issue(Issue {
                            kind: IssueKind::TooDeep { limit: self.limits.max_depth },
                            span: Span::new(start, start + 1),
                            pointer: join_pointer(&pointer_keys),
                            document: Some(0),
                        });
                        return Err(SyntaxError { at: STOPPED, message: String::new() });
                    }
                    self.pos += 1;
                    self.skip_whitespace();
                    let is_array = self.bytes[start] == b'[';
                    let close = if is_array { b']' } else { b'}' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        let empty = if is_array { Value::Sequence(Vec::new()) } else { Value::Mapping(Vec::new()) };
                        Node::new(empty, Span::new(start, self.pos))
                    } else if is_array {
                        stack.push(Frame::Array { start, items: Vec::new() });
                        pointer_keys.push("0".to_string());
                        continue;
                    } else {
                        let key = self.parse_key()?;
                        pointer_keys.push(key.0.clone());
                        stack.push(Frame::Object { start, entries: Vec::new(), seen: HashMap::new(), key: Some(key) });
                        continue;
                    }
                }
                _ => self.parse_scalar()?,
            };

            // Attach the value to its parent; close every container that ends here.
            loop {
                let Some(frame) = stack.last_mut() else {
                    return Ok(value);
                };
                match frame {
                    Frame::Array { start, items } => {
                        items.push(value);
                        self.skip_whitespace();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                *pointer_keys.last_mut().expect("one key per open frame") = items.len().to_string();
                                break;
                            }
                            Some(b']') => {
                                self.pos += 1;
                                let span = Span::new(*start, self.pos);
                                let items = std::mem::take(items);
                                stack.pop();
                                pointer_keys.pop();
                                value = Node::new(Value::Sequence(items), span);
                            }
                            _ => return Err(self.expected("`,` or `]`")),
                        }
                    }
                    Frame::Object { start, entries, seen, key } => {
                        let (name, key_span) = key.take().expect("a key is read before its value");
                        let at = entries.len();
                        match seen.get_mut(&name) {
                            Some((first, latest)) => {
                                let first = *first;
                                entries[*latest] = None;
                                *latest = at;
                                let pointer = join_pointer(&pointer_keys);
                                self.push_issue(Issue {
                                    kind: IssueKind::DuplicateKey { key: name.clone(), first },
                                    span: key_span,
                                    pointer,
                                    document: Some(0),
                                });
                            }
                            None => {
                                seen.insert(name.clone(), (key_span, at));
                            }
                        }
                        entries.push(Some(Entry { key: name, key_span, value }));
                        self.skip_whitespace();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                let next = self.parse_key()?;
                                *pointer_keys.last_mut().expect("one key per open frame") = next.0.clone();
                                *key = Some(next);
                                break;
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                let span = Span::new(*start, self.pos);
                                let entries = std::mem::take(entries).into_iter().flatten().collect();
                                stack.pop();
                                pointer_keys.pop();
                                value = Node::new(Value::Mapping(entries), span);
                            }
                            _ => return Err(self.expected("`,` or `}`")),
                        }
                    }
                }
            }
        }
    }

    /// Reads `"key"` and the `:` after it.
    fn parse_key(&mut self) -> Result<(String, Span), SyntaxError> {
        self.skip_whitespace();
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return Err(self.expected("a string key in double quotes"));
        }
        let key = self.parse_string()?;
        let span = Span::new(start, self.pos);
        self.skip_whitespace();
        if self.peek() != Some(b':') {
            return Err(self.expected("`:` after the key"));
        }
        self.pos += 1;
        Ok((key, span))
    }

    fn parse_scalar(&mut self) -> Result<Node, SyntaxError> {
        let start = self.pos;
        let value = match self.peek() {
            None => {
                return Err(SyntaxError {
                    at: start,
                    message: "unexpected end of input, expected a JSON value".to_string(),
                })
            }
            Some(b'"') => Value::String(self.parse_string()?),
            Some(b't') => self.parse_literal("true", Value::Bool(true))?,
            Some(b'f') => self.parse_literal("false", Value::Bool(false))?,
            Some(b'n') => self.parse_literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.parse_number()?,
            Some(_) => {
                let word = self.word_here();
                if matches!(word, "NaN" | "Infinity" | "-Infinity" | "+Infinity") {
                    return Err(SyntaxError {
                        at: start,
                        message: format!("`{word}` is not a JSON value: JSON numbers are finite (RFC 8259, section 6)"),
                    });
                }
                return Err(self.expected("a JSON value"));
            }
        };
        Ok(Node::new(value, Span::new(start, self.pos)))
    }

    fn parse_literal(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes())
            && !self.bytes.get(self.pos + word.len()).is_some_and(|b| b.is_ascii_alphanumeric())
        {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.expected("a JSON value"))
        }
    }

    fn parse_number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
            if self.bytes[self.pos..].starts_with(b"Infinity") {
                return Err(SyntaxError {
                    at: start,
                    message: "`-Infinity` is not a JSON value: JSON numbers are finite (RFC 8259, section 6)"
                        .to_string(),
                });
            }
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    return Err(SyntaxError {
                        at: start,
                        message: "a JSON number cannot have leading zeros".to_string(),
                    });
                }
            }
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(SyntaxError { at: self.pos, message: "expected a digit in the number".to_string() }),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(SyntaxError {
                    at: self.pos,
                    message: "expected a digit after the decimal point".to_string(),
                });
            }
            self.skip_digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(SyntaxError { at: self.pos, message: "expected a digit in the exponent".to_string() });
            }
            self.skip_digits();
        }
        Ok(Value::Number(self.text[start..self.pos].to_string()))
    }

    fn skip_digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    /// Reads a string starting at its opening quote, decoding escapes.
    fn parse_string(&mut self) -> Result<String, SyntaxError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run_start..self.pos]);
            match self.peek() {
                None => {
                    return Err(SyntaxError {
                        at: open,
                        message: "string is not closed before the end of the file".to_string(),
                    })
                }
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.parse_escape(&mut out)?,
                Some(b) => {
                    return Err(SyntaxError {
                        at: self.pos,
                        message: format!("control character U+{b:04X} must be escaped inside a string"),
                    })
                }
            }
        }
    }

    fn parse_escape(&mut self, out: &mut String) -> Result<(), SyntaxError> {
        let at = self.pos;
        self.pos += 1;
        let Some(code) = self.peek() else {
            return Err(SyntaxError { at, message: "string is not closed before the end of the file".to_string() });
        };
        self.pos += 1;
        let ch = match code {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.parse_hex4(at)?;
                if (0xD800..0xDC00).contains(&high) && self.bytes[self.pos..].starts_with(b"\\u") {
                    let save = self.pos;
                    self.pos += 2;
                    let low = self.parse_hex4(at)?;
                    if (0xDC00..0xE000).contains(&low) {
                        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                        char::from_u32(code).unwrap_or('\u{FFFD}')
                    } else {
                        self.pos = save;
                        '\u{FFFD}'
                    }
                } else {
                    // NOTE: a lone surrogate is valid JSON text but no Rust string can hold it;
                    // it becomes U+FFFD, as most JSON libraries do.
                    char::from_u32(high).unwrap_or('\u{FFFD}')
                }
            }
            _ => return Err(SyntaxError { at, message: "invalid escape sequence in a string".to_string() }),
        };
        out.push(ch);
        Ok(())
    }

    fn parse_hex4(&mut self, escape_at: usize) -> Result<u32, SyntaxError> {
        let digits = self.bytes.get(self.pos..self.pos + 4).filter(|d| d.iter().all(u8::is_ascii_hexdigit));
        let Some(digits) = digits else {
            return Err(SyntaxError {
                at: escape_at,
                message: "`\\u` must be followed by four hexadecimal digits".to_string(),
            });
        };
        self.pos += 4;
        Ok(u32::from_str_radix(std::str::from_utf8(digits).unwrap_or("0"), 16).unwrap_or(0xFFFD))
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn word_here(&self) -> &'a str {
        let rest = &self.text[self.pos..];
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '+' || c == '-' || c == '_')).unwrap_or(rest.len());
        &rest[..end.max(rest.chars().next().map_or(0, char::len_utf8))]
    }

    fn describe_here(&self) -> String {
        match self.text[self.pos..].chars().next() {
            Some(ch) if ch.is_control() => format!("character U+{:04X}", ch as u32),
            Some(ch) => format!("`{ch}`"),
            None => "end of input".to_string(),
        }
    }

    fn expected(&self, what: &str) -> SyntaxError {
        SyntaxError { at: self.pos, message: format!("expected {what}, found {}", self.describe_here()) }
    }
}

fn join_pointer(keys: &[String]) -> String {
    let mut pointer = String::new();
    for key in keys {
        pointer.push('/');
        super::pointer::escape_into(key, &mut pointer);
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::LineIndex;

    fn parse_default(text: &str) -> Parsed {
        parse(text, &Limits::default())
    }

    fn position_of(text: &str, span: Span) -> (usize, usize) {
        let position = LineIndex::new(text).position(text, span.start);
        (position.line, position.column)
    }

    #[test]
    fn nested_values_keep_spans() {
        let text = "{\n  \"a\": [1, {\"b\": \"é\"}],\n  \"c\": null\n}";
        let parsed = parse_default(text);
        assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
        let root = parsed.documents[0].root.as_ref().unwrap();
        let (target, found) = crate::source::pointer::resolve(root, "/a/1/b");
        assert!(found);
        assert_eq!(target.node.as_str(), Some("é"));
        assert_eq!(position_of(text, target.node.span), (2, 18));
        assert_eq!(position_of(text, target.key_span.unwrap()), (2, 13));
    }

    #[test]
    fn duplicate_key_reported_at_second() {
        let text = "{\n  \"lr\": 30,\n  \"x\": 1,\n  \"lr\": 0.0003\n}";
        let parsed = parse_default(text);
        assert_eq!(parsed.issues.len(), 1);
        let issue = &parsed.issues[0];
        assert!(matches!(&issue.kind, IssueKind::DuplicateKey { key, .. } if key == "lr"));
        assert_eq!(position_of(text, issue.span), (4, 3));
        assert_eq!(issue.pointer, "/lr");
        let root = parsed.documents[0].root.as_ref().unwrap();
        assert_eq!(root.get("lr").unwrap().value, Value::Number("0.0003".into()));
        assert_eq!(root.entries().unwrap().len(), 2);
    }

    #[test]
    fn nan_token_is_syntax_error() {
        let text = "{\"learning_rate\": NaN}";
        let parsed = parse_default(text);
        assert!(parsed.documents.is_empty());
        assert!(matches!(parsed.issues[0].kind, IssueKind::Syntax { .. }));
        assert_eq!(position_of(text, parsed.issues[0].span), (1, 19));
    }

    #[test]
    fn big_and_tiny_numbers_keep_literal() {
        let parsed = parse_default("[1e400, 1e-400, -0.5, 12345678901234567890123]");
        let root = parsed.documents[0].root.as_ref().unwrap();
        let Value::Sequence(items) = &root.value else { panic!("not a sequence") };
        let literals: Vec<_> = items.iter().map(|item| item.value.clone()).collect();
        assert_eq!(literals[0], Value::Number("1e400".into()));
        assert_eq!(literals[1], Value::Number("1e-400".into()));
        assert_eq!(literals[3], Value::Number("12345678901234567890123".into()));
    }

    #[test]
    fn deep_nesting_stops_at_limit() {
        let depth = 100_000;
        let text = "[".repeat(depth) + &"]".repeat(depth);
        let parsed = parse_default(&text);
        assert!(parsed.documents.is_empty());
        assert_eq!(parsed.issues.len(), 1);
        assert!(matches!(parsed.issues[0].kind, IssueKind::TooDeep { limit: 255 }));
        assert_eq!(position_of(&text, parsed.issues[0].span), (1, 256));
    }

    #[test]
    fn depth_200_is_fine() {
        let text = "[".repeat(200) + &"]".repeat(200);
        let parsed = parse_default(&text);
        assert!(parsed.issues.is_empty());
    }

    #[test]
    fn syntax_errors_are_located() {
        let cases = [
            ("", (1, 1)),
            ("{\"a\": 1,}", (1, 9)),
            ("{\"a\": 01}", (1, 7)),
            ("[1 2]", (1, 4)),
            ("{\"a\": \"open", (1, 7)),
            ("{} x", (1, 4)),
            ("{'a': 1}", (1, 2)),
            ("// c\n{}", (1, 1)),
        ];
        for (text, expected) in cases {
            let parsed = parse_default(text);
            assert_eq!(parsed.issues.len(), 1, "{text:?}");
            assert!(matches!(parsed.issues[0].kind, IssueKind::Syntax { .. }), "{text:?}");
            assert_eq!(position_of(text, parsed.issues[0].span), expected, "{text:?}");
        }
    }

    #[test]
    fn escapes_and_surrogates_decode() {
        let parsed = parse_default(r#""a\n\u00e9\ud83d\ude00\ud800x""#);
        let root = parsed.documents[0].root.as_ref().unwrap();
        assert_eq!(root.as_str(), Some("a\né😀\u{FFFD}x"));
    }
}
