//! A JSON array of records, read one item at a time.
//!
//! The scanner finds where each top-level item starts and ends (tracking strings, escapes and
//! nesting) and hands that item's text to the positioned JSON parser, so memory is bounded by
//! the largest record rather than the file.

use std::fs::File;
use std::io::{self, BufReader, Read};

use super::csv::Pos;
use super::jsonl::{JsonColumns, MAX_RECORD_BYTES};
use super::table::{ReadProblem, TableVisitor};

/// Bytes with their positions, read through a buffer.
struct Scanner<R> {
    bytes: io::Bytes<BufReader<R>>,
    peeked: Option<u8>,
    pos: Pos,
    after_cr: bool,
}

impl<R: Read> Scanner<R> {
    fn peek(&mut self) -> io::Result<Option<u8>> {
        if self.peeked.is_none() {
            self.peeked = self.bytes.next().transpose()?;
        }
        Ok(self.peeked)
    }

    fn next(&mut self) -> io::Result<Option<u8>> {
        let byte = self.peek()?;
        self.peeked = None;
        if let Some(byte) = byte {
            self.pos.offset += 1;
            match byte {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.pos.line += 1;
                    self.pos.column = 1;
                    self.after_cr = byte == b'\r';
                }
                _ => {
                    self.after_cr = false;
                    if byte & 0xC0 != 0x80 {
                        self.pos.column += 1;
                    }
                }
            }
        }
        Ok(byte)
    }

    fn skip_whitespace(&mut self) -> io::Result<Option<u8>> {
        while let Some(byte) = self.peek()? {
            if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                return Ok(Some(byte));
            }
            self.next()?;
        }
        Ok(None)
    }
}

/// Reads a JSON array of records. Returns the number of records visited.
pub fn read(file: File, visitor: &mut dyn TableVisitor) -> io::Result<u64> {
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    // A byte order mark is skipped; any other first bytes are read again by the scanner.
    let mut head = Vec::new();
    reader.by_ref().take(3).read_to_end(&mut head)?;
    let skip = if head == [0xEF, 0xBB, 0xBF] { 3 } else { 0 };
    let replay: Vec<u8> = head[skip..].to_vec();
    let chained = io::Cursor::new(replay).chain(reader);
    let mut scanner =
        Scanner { bytes: BufReader::new(chained).bytes(), peeked: None, pos: Pos::START, after_cr: false };

    let mut columns = JsonColumns::default();
    let mut rows = 0u64;
    let fail = |visitor: &mut dyn TableVisitor, at: Pos, message: String| {
        visitor.problem(&ReadProblem { code: "json-syntax-error", message, help: None, at, fatal_for_row: true });
    };

    match scanner.skip_whitespace()? {
        Some(b'[') => {
            scanner.next()?;
        }
        _ => {
            let at = scanner.pos;
            fail(visitor, at, "expected a JSON array of records".to_string());
            visitor.end(0);
            return Ok(0);
        }
    }
    let mut item = Vec::new();
    loop {
        match scanner.skip_whitespace()? {
            Some(b']') if rows == 0 => {
                scanner.next()?;
                break;
            }
            None => {
                let at = scanner.pos;
                fail(visitor, at, "the array is not closed before the end of the file".to_string());
                break;
            }
            _ => {}
        }
        let start = scanner.pos;
        item.clear();
        if let Err(message) = scan_item(&mut scanner, &mut item)? {
            let at = scanner.pos;
            fail(visitor, at, message);
            break;
        }
        rows += 1;
        match std::str::from_utf8(&item) {
            Ok(text) => {
                columns.visit(text, start, rows, visitor);
            }
            Err(error) => {
                let valid = std::str::from_utf8(&item[..error.valid_up_to()]).unwrap_or_default();
                let at = super::table::locate_in(valid, start, valid.len());
                visitor.problem(&ReadProblem {
                    code: "encoding-error",
                    message: format!("invalid UTF-8 at byte offset {}", at.offset + skip as u64),
                    help: Some("save the file as UTF-8".to_string()),
                    at,
                    fatal_for_row: true,
                });
            }
        }
        match scanner.skip_whitespace()? {
            Some(b',') => {
                scanner.next()?;
            }
            Some(b']') => {
                scanner.next()?;
                break;
            }
            _ => {
                let at = scanner.pos;
                fail(visitor, at, "expected `,` or `]` after a record".to_string());
                break;
            }
        }
    }
    if scanner.skip_whitespace()?.is_some() {
        let at = scanner.pos;
        fail(visitor, at, "unexpected content after the end of the array".to_string());
    }
    visitor.end(rows);
    Ok(rows)
}

/// Copies one array item into `out`. The inner error is a syntax problem.
fn scan_item<R: Read>(scanner: &mut Scanner<R>, out: &mut Vec<u8>) -> io::Result<Result<(), String>> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    loop {
        let Some(byte) = scanner.peek()? else {
            return Ok(Err("the file ends inside a record".to_string()));
        };
        if !in_string && depth == 0 && matches!(byte, b',' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
            return Ok(if out.is_empty() { Err("expected a record".to_string()) } else { Ok(()) });
        }
        scanner.next()?;
        if out.len() >= MAX_RECORD_BYTES {
            return Ok(Err(format!("record is longer than {MAX_RECORD_BYTES} bytes")));
        }
        out.push(byte);
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok(Ok(()));
                }
            }
            _ => {}
        }
    }
}
