//! One streaming interface over every tabular format: CSV and TSV records, JSON Lines
//! records and the items of a JSON array of records.
//!
//! [`read_table`] reads a file once and hands each row to a [`TableVisitor`]. Checks (Table
//! Schema validation, quality measures, scaler statistics) are visitors, so one pass feeds
//! them all and memory stays bounded by the largest row.

use std::fs::File;
use std::io;
use std::path::Path;

use serde_json::Value as Json;

use super::csv::{Dialect, Pos, ProblemKind, Record, Tokenizer};
use super::{jsonl, records};
use crate::source::Node;

/// The layout of a data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableFormat {
    Delimited(Dialect),
    JsonLines,
    /// A JSON array whose items are objects.
    JsonRecords,
}

impl TableFormat {
    pub fn name(&self) -> &'static str {
        match self {
            TableFormat::Delimited(dialect) if dialect.delimiter == b'\t' => "tsv",
            TableFormat::Delimited(_) => "csv",
            TableFormat::JsonLines => "jsonl",
            TableFormat::JsonRecords => "json-records",
        }
    }
}

/// A cell's value as the file writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellValue<'a> {
    /// A delimited file's field, or a JSON string.
    Text(&'a str),
    /// A JSON number, as its literal.
    Number(&'a str),
    Bool(bool),
    /// JSON `null`.
    Null,
    /// The record has no value for this column (a JSON object without the key).
    Absent,
    /// A JSON array or object.
    Nested,
}

/// One cell with its place in the file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell<'a> {
    pub value: CellValue<'a>,
    pub start: Pos,
    pub end: Pos,
}

/// A JSON record with what is needed to locate a node inside it.
pub struct JsonRecord<'a> {
    pub node: &'a Node,
    pub json: &'a Json,
    /// The record's source text; the node's spans index into it.
    pub text: &'a str,
    /// The position in the file where `text` starts.
    pub start: Pos,
}

impl JsonRecord<'_> {
    /// Returns the file position of byte `offset` of the record's text.
    pub fn locate(&self, offset: usize) -> Pos {
        locate_in(self.text, self.start, offset)
    }
}

/// Returns the file position of byte `offset` of `text`, which starts at `start`.
pub fn locate_in(text: &str, start: Pos, offset: usize) -> Pos {
    let offset = offset.min(text.len());
    let mut pos = start;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < offset {
        match bytes[i] {
            b'\n' => {
                pos.line += 1;
                pos.column = 1;
            }
            b'\r' => {
                pos.line += 1;
                pos.column = 1;
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            byte if byte & 0xC0 != 0x80 => pos.column += 1,
            _ => {}
        }
        i += 1;
    }
    pos.offset = start.offset + offset as u64;
    pos
}

/// The column names and where each is written.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub names: Vec<String>,
    /// The header cell of each column; for JSON records, the key where it was first seen.
    pub positions: Vec<Pos>,
    /// False for a delimited file read without a header row: names are `field1`, `field2`...
    pub from_file: bool,
}

/// One data row.
pub struct Row<'a> {
    /// 1-based number of the row among data rows (the header is not a row).
    pub number: u64,
    pub start: Pos,
    pub end: Pos,
    /// One cell per column of the header, `Absent` where the row has none.
    pub cells: &'a [Cell<'a>],
    /// Fields past the header's width (delimited files only).
    pub extra: &'a [Cell<'a>],
    /// The number of fields the row has (delimited files only).
    pub width: usize,
    /// Every field empty.
    pub blank: bool,
    /// The parsed record, for JSON formats.
    pub json: Option<JsonRecord<'a>>,
}

/// A problem reading the file: its syntax or encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProblem {
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    pub at: Pos,
    /// The row cannot be used (a JSON record that does not parse).
    pub fatal_for_row: bool,
}

/// Receives a table, row by row.
pub trait TableVisitor {
    fn header(&mut self, _header: &Header) {}
    /// Called when a JSON record adds a column not seen before.
    fn new_column(&mut self, _name: &str, _at: Pos) {}
    fn row(&mut self, row: &Row<'_>);
    fn problem(&mut self, _problem: &ReadProblem) {}
    /// Called once after the last row.
    fn end(&mut self, _rows: u64) {}
}

/// Empty lines kept while waiting to see whether more records follow. Past this many in a row,
/// further ones are not reported.
const MAX_HELD_EMPTY_LINES: usize = 10_000;

/// Reads `path` in `format` and visits every row. Returns the number of data rows.
pub fn read_table(path: &Path, format: &TableFormat, visitor: &mut dyn TableVisitor) -> io::Result<u64> {
    let file = crate::source::read::open_regular(path)?;
    match format {
        TableFormat::Delimited(dialect) => read_delimited(file, dialect, visitor),
        TableFormat::JsonLines => jsonl::read(file, visitor),
        TableFormat::JsonRecords => records::read(file, visitor),
    }
}

fn read_delimited(file: File, dialect: &Dialect, visitor: &mut dyn TableVisitor) -> io::Result<u64> {
    let mut tokenizer = Tokenizer::new(file, dialect.clone());
    let mut header: Option<Header> = None;
    let mut rows = 0u64;
    // Empty lines are held back until a later record shows they are not trailing.
    let mut empty_lines: Vec<(Pos, Pos)> = Vec::new();

    loop {
        let more = tokenizer.read_record()?;
        for problem in tokenizer.take_problems() {
            visitor.problem(&read_problem(problem.kind, problem.at, problem.file_offset));
        }
        if !more {
            break;
        }
        let record = tokenizer.record();

        if record.len() == 1 && record.is_blank() && !record.fields[0].quoted {
            if empty_lines.len() < MAX_HELD_EMPTY_LINES {
                empty_lines.push((record.start, record.end));
            }
            continue;
        }

        if header.is_none() {
            let names: Vec<String> = if dialect.header {
                record.values().map(str::to_string).collect()
            } else {
                (1..=record.len()).map(|i| format!("field{i}")).collect()
            };
            let built = Header {
                names,
                positions: record.fields.iter().map(|field| field.start).collect(),
                from_file: dialect.header,
            };
            visitor.header(&built);
            header = Some(built);
            if dialect.header {
                // Blank lines before the header are not rows: every CSV reader skips them.
                empty_lines.clear();
                continue;
            }
        }
        let current = header.as_ref().expect("set above");
        for (start, end) in empty_lines.drain(..) {
            rows += 1;
            visit_blank(visitor, rows, start, end);
        }
        rows += 1;
        visit_record(visitor, record, current, rows);
    }
    if header.is_none() {
        // A file without a single record still has a header, an empty one, so that a Table
        // Schema's fields are reported missing.
        visitor.header(&Header { names: Vec::new(), positions: Vec::new(), from_file: dialect.header });
    }
    visitor.end(rows);
    Ok(rows)
}

fn visit_blank(visitor: &mut dyn TableVisitor, number: u64, start: Pos, end: Pos) {
    let row = Row { number, start, end, cells: &[], extra: &[], width: 0, blank: true, json: None };
    visitor.row(&row);
}

fn visit_record(visitor: &mut dyn TableVisitor, record: &Record, header: &Header, number: u64) {
    let mut cells: Vec<Cell<'_>> = Vec::with_capacity(header.names.len().max(record.len()));
    for (i, field) in record.fields.iter().enumerate() {
        cells.push(Cell { value: CellValue::Text(record.value(i)), start: field.start, end: field.end });
    }
    let width = cells.len();
    while cells.len() < header.names.len() {
        cells.push(Cell { value: CellValue::Absent, start: record.end, end: record.end });
    }
    let split = header.names.len().min(cells.len());
    let (own, extra) = cells.split_at(split);
    let row = Row {
        number,
        start: record.start,
        end: record.end,
        cells: own,
        extra,
        width,
        blank: record.is_blank(),
        json: None,
    };
    visitor.row(&row);
}

/// Words a tokenizer problem.
fn read_problem(kind: ProblemKind, at: Pos, file_offset: u64) -> ReadProblem {
    let (code, message, help) = match kind {
        ProblemKind::InvalidUtf8 { bytes } => {
            let hex: Vec<String> = bytes.iter().map(|byte| format!("{byte:02X}")).collect();
            (
                "encoding-error",
                format!("invalid UTF-8 byte sequence {} at byte offset {file_offset}", hex.join(" ")),
                Some("save the file as UTF-8; the bytes were read as U+FFFD".to_string()),
            )
        }
        ProblemKind::NulByte => (
            "encoding-error",
            format!("NUL byte at byte offset {file_offset}: the file holds binary data, so the rest of it is not read"),
            Some("save the data as UTF-8 text; a NUL byte never belongs in CSV or TSV".to_string()),
        ),
        ProblemKind::Utf16 => (
            "encoding-error",
            "the file is UTF-16 (it starts with a UTF-16 byte order mark); data files must be UTF-8".to_string(),
            Some("convert the file to UTF-8".to_string()),
        ),
        ProblemKind::UnclosedQuote => (
            "unclosed-quote",
            "quoted field opened here is not closed before the end of the file".to_string(),
            Some("close the quote, or double a quote that belongs to the value (\"\"); the rest of the file was read with this quote as a plain character".to_string()),
        ),
        ProblemKind::StrayQuote { after_closing: true } => (
            "stray-quote",
            "text follows the closing quote of a quoted field".to_string(),
            Some("quote the whole field and double the quotes inside it".to_string()),
        ),
        ProblemKind::StrayQuote { after_closing: false } => (
            "stray-quote",
            "quote inside an unquoted field".to_string(),
            Some("quote the whole field and double the quotes inside it".to_string()),
        ),
        ProblemKind::FieldTooLong => (
            "field-too-long",
            format!("field is longer than {} bytes; the rest of it is not checked", super::csv::MAX_FIELD_BYTES),
            Some("a runaway quote often causes this: check the quotes before this field".to_string()),
        ),
    };
    ReadProblem { code, message, help, at, fatal_for_row: false }
}
