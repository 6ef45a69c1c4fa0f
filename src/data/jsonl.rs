//! JSON Lines: one JSON object per line, read line by line.
//!
//! Each line is parsed with the positioned JSON parser, so a finding inside a record points at
//! the value's own line and column. Columns are the keys in the order they first appear; a
//! record without a key has an `Absent` cell there.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};

use super::csv::Pos;
use super::table::{locate_in, Cell, CellValue, Header, JsonRecord, ReadProblem, Row, TableVisitor};
use crate::check::describe_issue;
use crate::source::{self, Limits, Node, Value};

/// Lines longer than this are not parsed, so that one huge line cannot exhaust memory.
pub const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;

/// Columns seen so far, and how to turn a record into cells.
#[derive(Default)]
pub struct JsonColumns {
    header: Header,
    index: HashMap<String, usize>,
    announced: bool,
}

impl JsonColumns {
    /// Parses `text` (a record starting at `start`) and visits it as row `number`. Returns
    /// false when the text is not a JSON object (a problem is reported instead).
    pub fn visit(&mut self, text: &str, start: Pos, number: u64, visitor: &mut dyn TableVisitor) -> bool {
        let parsed = source::json::parse(text, &Limits::default());
        let mut fatal = false;
        for issue in &parsed.issues {
            let (code, _, message, help) = describe_issue(&issue.kind);
            let broken = matches!(issue.kind, source::IssueKind::Syntax { .. } | source::IssueKind::TooDeep { .. });
            fatal |= broken;
            visitor.problem(&ReadProblem {
                code: if broken { "json-syntax-error" } else { code },
                message,
                help,
                at: locate_in(text, start, issue.span.start),
                fatal_for_row: broken,
            });
        }
        if fatal {
            return false;
        }
        let Some(root) = parsed.documents.into_iter().next().and_then(|document| document.root) else {
            return false;
        };
        let Value::Mapping(entries) = &root.value else {
            visitor.problem(&ReadProblem {
                code: "record-not-object",
                message: format!("record is {}, not a JSON object", describe(&root)),
                help: Some("write each record as an object of column names to values".to_string()),
                at: locate_in(text, start, root.span.start),
                fatal_for_row: true,
            });
            return false;
        };

        if !self.announced {
            self.announced = true;
            self.header.from_file = false;
            visitor.header(&self.header);
        }
        for entry in entries {
            if !self.index.contains_key(&entry.key) {
                let at = locate_in(text, start, entry.key_span.start);
                self.index.insert(entry.key.clone(), self.header.names.len());
                self.header.names.push(entry.key.clone());
                self.header.positions.push(at);
                visitor.new_column(&entry.key, at);
            }
        }

        let row_end = locate_in(text, start, root.span.end);
        let mut cells: Vec<Cell<'_>> =
            vec![Cell { value: CellValue::Absent, start: row_end, end: row_end }; self.header.names.len()];
        for entry in entries {
            let column = self.index[&entry.key];
            cells[column] = Cell {
                value: cell_value(&entry.value),
                start: locate_in(text, start, entry.value.span.start),
                end: locate_in(text, start, entry.value.span.end),
            };
        }
        let mut silenced = Vec::new();
        let json = root.to_json(&mut String::new(), &mut silenced);
        let row = Row {
            number,
            start: locate_in(text, start, root.span.start),
            end: row_end,
            cells: &cells,
            extra: &[],
            width: entries.len(),
            blank: entries.is_empty(),
            json: Some(JsonRecord { node: &root, json: &json, text, start }),
        };
        visitor.row(&row);
        true
    }
}

fn cell_value(node: &Node) -> CellValue<'_> {
    match &node.value {
        Value::String(text) => CellValue::Text(text),
        Value::Number(literal) => CellValue::Number(literal),
        Value::Bool(value) => CellValue::Bool(*value),
        Value::Null | Value::NonFinite(_) => CellValue::Null,
        Value::Sequence(_) | Value::Mapping(_) => CellValue::Nested,
    }
}

fn describe(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) | Value::NonFinite(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "an array",
        Value::Mapping(_) => "an object",
    }
}

/// Reads a JSON Lines file. Returns the number of records visited.
pub fn read(file: File, visitor: &mut dyn TableVisitor) -> io::Result<u64> {
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let mut columns = JsonColumns::default();
    let mut line = Vec::new();
    let mut pos = Pos::START;
    let mut rows = 0u64;
    let mut first = true;
    // Blank lines are held back until a later record shows they are not trailing.
    let mut blank_lines: Vec<Pos> = Vec::new();

    loop {
        line.clear();
        let count = read_line(&mut reader, &mut line)?;
        if count == 0 {
            break;
        }
        let mut body: &[u8] = &line;
        if first {
            first = false;
            if let Some(rest) = body.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
                body = rest;
            }
        }
        let bom = (line.len() - body.len()) as u64;
        let start = pos;
        // Records end at `\n` only, but a lone `\r` inside one still starts a new line for
        // positions, as everywhere else in mlconform (and in editors).
        let lone_crs = body.iter().enumerate().filter(|&(i, &byte)| byte == b'\r' && body.get(i + 1) != Some(&b'\n'));
        pos.line += 1 + lone_crs.count() as u64;
        pos.column = 1;
        pos.offset += count as u64 - bom;

        let content = trim_line_break(body);
        if content.len() > MAX_RECORD_BYTES {
            visitor.problem(&ReadProblem {
                code: "record-too-long",
                message: format!("record is longer than {MAX_RECORD_BYTES} bytes and is not checked"),
                help: None,
                at: start,
                fatal_for_row: true,
            });
            rows += 1;
            continue;
        }
        let text = match std::str::from_utf8(content) {
            Ok(text) => text,
            Err(error) => {
                let valid = std::str::from_utf8(&content[..error.valid_up_to()]).unwrap_or_default();
                let at = locate_in(valid, start, valid.len());
                let bad = &content[error.valid_up_to()..];
                let length = error.error_len().unwrap_or(bad.len()).min(bad.len());
                let hex: Vec<String> = bad[..length].iter().map(|byte| format!("{byte:02X}")).collect();
                visitor.problem(&ReadProblem {
                    code: "encoding-error",
                    message: format!(
                        "invalid UTF-8 byte sequence {} at byte offset {}",
                        hex.join(" "),
                        at.offset + bom_offset(start, bom)
                    ),
                    help: Some("save the file as UTF-8".to_string()),
                    at,
                    fatal_for_row: true,
                });
                rows += 1;
                continue;
            }
        };
        if text.trim().is_empty() {
            blank_lines.push(start);
            continue;
        }
        for blank in blank_lines.drain(..) {
            rows += 1;
            let row = Row {
                number: rows,
                start: blank,
                end: blank,
                cells: &[],
                extra: &[],
                width: 0,
                blank: true,
                json: None,
            };
            visitor.row(&row);
        }
        rows += 1;
        columns.visit(text, start, rows, visitor);
    }
    visitor.end(rows);
    Ok(rows)
}

/// Returns the byte order mark's length when `start` is the first line, else 0.
fn bom_offset(start: Pos, bom: u64) -> u64 {
    if start.line == 1 {
        bom
    } else {
        0
    }
}

/// Reads up to and including the next `\n`, or a lone `\r`-terminated line.
fn read_line(reader: &mut impl BufRead, out: &mut Vec<u8>) -> io::Result<usize> {
    reader.read_until(b'\n', out)
}

fn trim_line_break(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
