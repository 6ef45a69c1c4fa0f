//! A streaming CSV and TSV tokenizer that keeps the physical position of every field.
//!
//! The `csv` crate reports where a record starts, but not where each field starts once a
//! quoted field has spanned lines or contained doubled quotes, and it silently accepts a quote
//! that is never closed. This tokenizer is a byte state machine over a fixed-size buffer, so
//! memory stays constant whatever the file size. It tracks, for every field, the line, the
//! column (in Unicode scalar values) and the byte offset where it starts and ends.
//!
//! Line breaks are `\n`, `\r\n` (one break) and a lone `\r`, as in [`crate::source::LineIndex`],
//! so CRLF and LF files give the same positions. A UTF-8 byte order mark is skipped and takes
//! no column. Byte offsets count from after it, like the spans of every other parser in
//! mlconform. Invalid UTF-8 is reported where it occurs and replaced by U+FFFD in the value.
//!
//! A quote left open at the end of the file is reported where it opens. The tokenizer then
//! reads the rest of the file again from just after that quote, treating the quote as a literal
//! character, so the rows after it are still checked rather than swallowed into one field.

use std::collections::VecDeque;
use std::io::{self, Read, Seek, SeekFrom};

/// A place in a file: 1-based line and column (Unicode scalar values), and the byte offset
/// from the start of the text (after any byte order mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
    pub offset: u64,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, column: 1, offset: 0 };
}

/// The layout of a delimited file: Frictionless CSV Dialect properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    pub delimiter: u8,
    /// `None` turns quoting off (`quoteChar: ""` is not allowed by the spec, but
    /// `doubleQuote: false` with an `escapeChar` is).
    pub quote: Option<u8>,
    /// A doubled quote inside a quoted field stands for one quote.
    pub double_quote: bool,
    /// A character that makes the next one literal inside a quoted field.
    pub escape: Option<u8>,
    /// Spaces right after a delimiter are not part of the field.
    pub skip_initial_space: bool,
    /// Lines starting with this character are skipped.
    pub comment: Option<u8>,
    /// The first record is a header.
    pub header: bool,
}

impl Dialect {
    pub fn csv() -> Dialect {
        Dialect {
            delimiter: b',',
            quote: Some(b'"'),
            double_quote: true,
            escape: None,
            skip_initial_space: false,
            comment: None,
            header: true,
        }
    }

    pub fn tsv() -> Dialect {
        Dialect { delimiter: b'\t', ..Dialect::csv() }
    }
}

/// One field of a record: where it is, and its value in the record's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub start: Pos,
    pub end: Pos,
    value_start: usize,
    value_end: usize,
    pub quoted: bool,
}

/// One record: its fields with their values unescaped.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub fields: Vec<Field>,
    /// Unescaped field values, back to back. Valid UTF-8 except where a field was cut at
    /// [`MAX_FIELD_BYTES`] inside a character.
    buffer: Vec<u8>,
    /// The start of the record and the end of its last field.
    pub start: Pos,
    pub end: Pos,
    /// 0-based number of the record among the file's records, header included.
    pub index: u64,
}

impl Record {
    /// Returns the unescaped value of field `i`.
    pub fn value(&self, i: usize) -> &str {
        let field = &self.fields[i];
        let bytes = &self.buffer[field.value_start..field.value_end];
        match std::str::from_utf8(bytes) {
            Ok(text) => text,
            // Only a cut at the length limit can split a character: drop the partial one.
            Err(error) => std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or_default(),
        }
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// True when every field is empty: an empty line or a line of bare delimiters.
    pub fn is_blank(&self) -> bool {
        self.fields.iter().all(|field| field.value_start == field.value_end)
    }

    pub fn values(&self) -> impl Iterator<Item = &str> {
        (0..self.fields.len()).map(|i| self.value(i))
    }
}

/// A problem the tokenizer found in the file's syntax or encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxProblem {
    pub kind: ProblemKind,
    pub at: Pos,
    /// The byte offset in the file, counting any byte order mark, for encoding errors.
    pub file_offset: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// Bytes that are not UTF-8.
    InvalidUtf8 { bytes: Vec<u8> },
    /// A quoted field is still open at the end of the file.
    UnclosedQuote,
    /// A quote inside an unquoted field, or text right after a closing quote.
    StrayQuote { after_closing: bool },
    /// A field longer than [`MAX_FIELD_BYTES`], whose value is cut there.
    FieldTooLong,
    /// The file starts with a UTF-16 byte order mark.
    Utf16,
    /// A NUL byte: the file holds binary data, and the rest of it is not read.
    NulByte,
}

/// Fields longer than this are cut, so that a runaway quote cannot hold the file in memory.
pub const MAX_FIELD_BYTES: usize = 16 * 1024 * 1024;

const CHUNK: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first byte of a field.
    FieldStart,
    Unquoted,
    Quoted,
    /// Just read a quote inside a quoted field: the end of the field, or the first half of a
    /// doubled quote.
    QuoteInQuoted,
    /// Just read the escape character inside a quoted field.
    Escaped,
    /// Inside a comment line.
    Comment,
}

/// Reads records from a seekable byte source.
pub struct Tokenizer<R> {
    reader: R,
    dialect: Dialect,
    buf: Vec<u8>,
    /// How many bytes one read fills.
    chunk: usize,
    /// Bytes of `buf` that are read and validated; a partial character may follow, up to
    /// `filled`.
    len: usize,
    /// Bytes of `buf` that are read.
    filled: usize,
    /// Next byte of `buf` to process.
    at: usize,
    /// Buffer-relative starts and lengths of invalid UTF-8 sequences, in order.
    invalid: VecDeque<(usize, usize)>,
    eof: bool,
    /// Offset of `buf[0]` in the text (after the byte order mark).
    base: u64,
    bom: u64,
    started: bool,

    pos: Pos,
    after_cr: bool,
    state: State,
    record: Record,
    field_start: Pos,
    field_value_start: usize,
    field_quoted: bool,
    field_truncated: bool,
    /// The position of the current field's open quote, and the record's buffer length then.
    quote_open: Option<(Pos, usize)>,
    /// Offset of a quote that recovery turned into a literal character.
    literal_quote: Option<u64>,
    records: u64,
    problems: Vec<SyntaxProblem>,
    done: bool,
    /// The current record was handed out; the next read starts a new one.
    returned: bool,
    /// The offset that reading reached before it went back to an unclosed quote.
    scanned_to: Option<u64>,
}

impl<R: Read + Seek> Tokenizer<R> {
    pub fn new(reader: R, dialect: Dialect) -> Tokenizer<R> {
        Tokenizer::with_chunk_size(reader, dialect, CHUNK)
    }

    /// Creates a tokenizer that reads `chunk` bytes at a time (at least 4, so that a carried
    /// partial character always fits). Small chunks put chunk boundaries inside short inputs,
    /// which is how the tests and the fuzzer reach the code that joins chunks.
    pub fn with_chunk_size(reader: R, dialect: Dialect, chunk: usize) -> Tokenizer<R> {
        let chunk = chunk.max(4);
        Tokenizer {
            reader,
            dialect,
            buf: vec![0; chunk + 8],
            chunk,
            len: 0,
            filled: 0,
            at: 0,
            invalid: VecDeque::new(),
            eof: false,
            base: 0,
            bom: 0,
            started: false,
            pos: Pos::START,
            after_cr: false,
            state: State::FieldStart,
            record: Record::default(),
            field_start: Pos::START,
            field_value_start: 0,
            field_quoted: false,
            field_truncated: false,
            quote_open: None,
            literal_quote: None,
            records: 0,
            problems: Vec::new(),
            done: false,
            returned: false,
            scanned_to: None,
        }
    }

    /// Problems found since the last call, in file order.
    pub fn take_problems(&mut self) -> Vec<SyntaxProblem> {
        std::mem::take(&mut self.problems)
    }

    /// Returns the position just past the last byte read.
    pub fn position(&self) -> Pos {
        self.pos
    }

    /// Reads the next record, which [`Tokenizer::record`] then returns. Returns false at the
    /// end of the file. Empty lines at the very end of the file are not records.
    pub fn read_record(&mut self) -> io::Result<bool> {
        if self.done {
            return Ok(false);
        }
        if self.returned {
            self.returned = false;
            self.reset_record();
        }
        loop {
            if self.at == self.len {
                if self.eof || !self.fill()? {
                    if self.finish()? {
                        continue;
                    }
                    return Ok(self.emit_final());
                }
                continue;
            }
            if self.invalid.front().is_some_and(|&(start, _)| start == self.at) {
                let (_, length) = self.invalid.pop_front().expect("checked above");
                self.invalid_bytes(length);
                continue;
            }
            let byte = self.buf[self.at];
            if byte == 0 {
                // Text data has no NUL bytes; past one the file is binary (or a sparse hole),
                // so reading on would only turn gigabytes of zeros into one endless field.
                let at = Pos { offset: self.offset(), ..self.pos };
                self.encoding_problem(ProblemKind::NulByte, at);
                self.len = self.at;
                self.filled = self.at;
                self.eof = true;
                self.invalid.clear();
                continue;
            }
            self.at += 1;
            if self.step(byte) {
                return Ok(true);
            }
        }
    }

    /// Returns the record that the last successful [`Tokenizer::read_record`] read.
    pub fn record(&self) -> &Record {
        &self.record
    }

    /// Reads more bytes into the buffer and validates them. Returns false at the end of input.
    fn fill(&mut self) -> io::Result<bool> {
        // An incomplete UTF-8 sequence at the end of the last chunk is carried over.
        let carried = self.filled - self.at;
        self.buf.copy_within(self.at..self.filled, 0);
        self.base += self.at as u64;
        self.at = 0;
        self.filled = carried;
        let mut read_any = false;
        while self.filled < self.chunk {
            let count = self.reader.read(&mut self.buf[self.filled..self.chunk])?;
            if count == 0 {
                self.eof = true;
                break;
            }
            self.filled += count;
            read_any = true;
        }
        self.len = self.filled;
        if !self.started {
            self.started = true;
            if self.buf[..self.len].starts_with(&[0xEF, 0xBB, 0xBF]) {
                self.bom = 3;
                self.at = 3;
            } else if self.buf[..self.len].starts_with(&[0xFF, 0xFE]) || self.buf[..self.len].starts_with(&[0xFE, 0xFF])
            {
                self.problems.push(SyntaxProblem { kind: ProblemKind::Utf16, at: Pos::START, file_offset: 0 });
                self.len = 0;
                self.filled = 0;
                self.eof = true;
                return Ok(false);
            }
            self.base = 0;
        }
        if !read_any && carried == 0 {
            return Ok(false);
        }
        self.validate();
        if self.at == self.len && !self.eof {
            // All that is new is the start of a character cut by the chunk's end: read on.
            return self.fill();
        }
        Ok(self.at < self.len)
    }

    /// Finds the invalid UTF-8 in the unprocessed part of the buffer. An incomplete sequence at
    /// the end is left for the next read unless the input has ended.
    fn validate(&mut self) {
        self.invalid.clear();
        let mut from = self.at;
        while from < self.len {
            match std::str::from_utf8(&self.buf[from..self.len]) {
                Ok(_) => break,
                Err(error) => {
                    let start = from + error.valid_up_to();
                    match error.error_len() {
                        Some(length) => {
                            self.invalid.push_back((start, length));
                            from = start + length;
                        }
                        None if self.eof => {
                            self.invalid.push_back((start, self.len - start));
                            break;
                        }
                        None => {
                            // Keep the partial character for the next chunk.
                            self.len = start;
                            break;
                        }
                    }
                }
            }
        }
    }

    /// Reports invalid UTF-8 or a NUL byte at `at`, unless a read before a rewind reported it.
    fn encoding_problem(&mut self, kind: ProblemKind, at: Pos) {
        if self.scanned_to.is_some_and(|end| at.offset <= end) {
            return;
        }
        self.problems.push(SyntaxProblem { kind, at, file_offset: at.offset + self.bom });
    }

    fn offset(&self) -> u64 {
        // Offsets are kept relative to the text after the byte order mark.
        self.base + self.at as u64 - self.bom
    }

    fn invalid_bytes(&mut self, length: usize) {
        let bytes = self.buf[self.at..self.at + length].to_vec();
        let at = Pos { offset: self.offset(), ..self.pos };
        self.encoding_problem(ProblemKind::InvalidUtf8 { bytes }, at);
        if self.state == State::FieldStart {
            self.begin_field(false);
            self.state = State::Unquoted;
        }
        if self.state != State::Comment {
            self.push_str("\u{FFFD}");
        }
        self.at += length;
        self.pos.column += 1;
        self.pos.offset = self.offset();
        self.after_cr = false;
    }

    fn push_byte(&mut self, byte: u8) {
        if self.record.buffer.len() - self.field_value_start >= MAX_FIELD_BYTES {
            if !self.field_truncated {
                self.field_truncated = true;
                self.problems.push(SyntaxProblem {
                    kind: ProblemKind::FieldTooLong,
                    at: self.field_start,
                    file_offset: self.field_start.offset + self.bom,
                });
            }
            return;
        }
        self.record.buffer.push(byte);
    }

    fn push_str(&mut self, text: &str) {
        self.record.buffer.extend_from_slice(text.as_bytes());
    }

    /// Advances the position over `byte`, which was just consumed.
    fn advance(&mut self, byte: u8) {
        self.pos.offset = self.offset();
        match byte {
            b'\n' if self.after_cr => self.after_cr = false,
            b'\n' => {
                self.pos.line += 1;
                self.pos.column = 1;
            }
            b'\r' => {
                self.pos.line += 1;
                self.pos.column = 1;
                self.after_cr = true;
            }
            _ => {
                self.after_cr = false;
                if byte & 0xC0 != 0x80 {
                    self.pos.column += 1;
                }
            }
        }
    }

    fn begin_field(&mut self, quoted: bool) {
        self.field_start = self.pos;
        self.field_value_start = self.record.buffer.len();
        self.field_quoted = quoted;
        self.field_truncated = false;
        if self.record.fields.is_empty() {
            self.record.start = self.pos;
        }
    }

    fn end_field(&mut self) {
        self.record.fields.push(Field {
            start: self.field_start,
            end: self.pos,
            value_start: self.field_value_start,
            value_end: self.record.buffer.len(),
            quoted: self.field_quoted,
        });
        self.record.end = self.pos;
        self.quote_open = None;
    }

    fn reset_record(&mut self) {
        self.record.fields.clear();
        self.record.buffer.clear();
    }

    /// Ends the record. Returns true when a record is ready.
    fn end_record(&mut self) -> bool {
        self.end_field();
        self.state = State::FieldStart;
        self.record.index = self.records;
        self.records += 1;
        self.returned = true;
        true
    }

    /// Processes one byte (already consumed from the buffer). Returns true when a record is
    /// complete.
    fn step(&mut self, byte: u8) -> bool {
        let is_break = byte == b'\n' || byte == b'\r';
        match self.state {
            State::FieldStart => {
                let at_record_start = self.record.fields.is_empty();
                if at_record_start && byte == b'\n' && self.after_cr {
                    // The second half of a CRLF that ended the previous record.
                    self.advance(byte);
                    return false;
                }
                if at_record_start && Some(byte) == self.dialect.comment {
                    self.state = State::Comment;
                    self.advance(byte);
                    return false;
                }
                if byte == b' ' && self.dialect.skip_initial_space && !at_record_start {
                    self.advance(byte);
                    return false;
                }
                let literal = self.literal_quote == Some(self.offset_before());
                if Some(byte) == self.dialect.quote && !literal {
                    self.begin_field(true);
                    self.quote_open = Some((self.pos, self.field_value_start));
                    self.advance(byte);
                    self.state = State::Quoted;
                    return false;
                }
                self.begin_field(false);
                if let Some(ready) = self.separator(byte, is_break) {
                    return ready;
                }
                self.push_byte(byte);
                self.advance(byte);
                self.state = State::Unquoted;
                false
            }
            State::Unquoted => {
                if let Some(ready) = self.separator(byte, is_break) {
                    return ready;
                }
                if Some(byte) == self.dialect.quote && self.literal_quote != Some(self.offset_before()) {
                    self.stray_quote(false);
                }
                self.push_byte(byte);
                self.advance(byte);
                false
            }
            State::Quoted => {
                if Some(byte) == self.dialect.quote {
                    self.state = if self.dialect.double_quote { State::QuoteInQuoted } else { State::Unquoted };
                } else if Some(byte) == self.dialect.escape {
                    self.state = State::Escaped;
                } else {
                    self.push_byte(byte);
                }
                self.advance(byte);
                false
            }
            State::Escaped => {
                self.push_byte(byte);
                self.advance(byte);
                self.state = State::Quoted;
                false
            }
            State::QuoteInQuoted => {
                if Some(byte) == self.dialect.quote {
                    self.push_byte(byte);
                    self.advance(byte);
                    self.state = State::Quoted;
                    return false;
                }
                if let Some(ready) = self.separator(byte, is_break) {
                    return ready;
                }
                self.stray_quote(true);
                self.quote_open = None;
                self.push_byte(byte);
                self.advance(byte);
                self.state = State::Unquoted;
                false
            }
            State::Comment => {
                if is_break {
                    self.state = State::FieldStart;
                }
                self.advance(byte);
                false
            }
        }
    }

    /// Returns the offset of the byte just consumed.
    fn offset_before(&self) -> u64 {
        self.offset() - 1
    }

    /// Handles the end of input. Returns true when reading must go on (after recovering from
    /// an unclosed quote).
    fn finish(&mut self) -> io::Result<bool> {
        if matches!(self.state, State::Quoted | State::Escaped) {
            if let Some((open, buffer_len)) = self.quote_open.take() {
                self.problems.push(SyntaxProblem {
                    kind: ProblemKind::UnclosedQuote,
                    at: open,
                    file_offset: open.offset + self.bom,
                });
                // Read again from the quote, which becomes a literal character. Everything up to
                // here has been scanned, so its encoding problems are already reported.
                self.scanned_to = Some(self.offset());
                self.reader.seek(SeekFrom::Start(open.offset + self.bom))?;
                self.record.buffer.truncate(buffer_len);
                self.base = open.offset + self.bom;
                self.len = 0;
                self.filled = 0;
                self.at = 0;
                self.eof = false;
                self.invalid.clear();
                self.pos = open;
                self.after_cr = false;
                self.literal_quote = Some(open.offset);
                self.state = State::FieldStart;
                // The field restarts at the quote; fields before it in the record are kept.
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Ends the field at a delimiter, or the record at a line break. Returns whether a record
    /// is ready, or `None` when `byte` is neither.
    fn separator(&mut self, byte: u8, is_break: bool) -> Option<bool> {
        if byte == self.dialect.delimiter {
            self.end_field();
            self.advance(byte);
            self.state = State::FieldStart;
            return Some(false);
        }
        if is_break {
            let ready = self.end_record();
            self.advance(byte);
            return Some(ready);
        }
        None
    }

    /// Reports a quote inside an unquoted field, or text right after a closing quote, at the
    /// byte just read.
    fn stray_quote(&mut self, after_closing: bool) {
        let at = Pos { offset: self.offset_before(), ..self.pos };
        self.problems.push(SyntaxProblem {
            kind: ProblemKind::StrayQuote { after_closing },
            at,
            file_offset: at.offset + self.bom,
        });
    }

    /// Emits the last record when the file does not end with a line break.
    fn emit_final(&mut self) -> bool {
        self.done = true;
        match self.state {
            State::FieldStart if self.record.fields.is_empty() => false,
            State::Comment => false,
            State::FieldStart => {
                // A delimiter was the last byte: the record ends with an empty field there.
                self.begin_field(false);
                self.end_record()
            }
            _ => self.end_record(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    /// A field's value and start position (line, column).
    type FieldAt = (String, u64, u64);

    /// Reads every record's fields, and returns them with the problems found.
    ///
    /// Short inputs fit in one chunk, so each is also read 4 to 9 bytes at a time, and must
    /// give the same records and problems: chunk boundaries then fall at every place.
    fn read_all(bytes: &[u8], dialect: Dialect) -> (Vec<Vec<FieldAt>>, Vec<SyntaxProblem>) {
        let whole = read_in_chunks(bytes, dialect.clone(), CHUNK);
        if bytes.len() < 4096 {
            for chunk in 4..10 {
                assert_eq!(read_in_chunks(bytes, dialect.clone(), chunk), whole, "read {chunk} bytes at a time");
            }
        }
        whole
    }

    fn read_in_chunks(bytes: &[u8], dialect: Dialect, chunk: usize) -> (Vec<Vec<FieldAt>>, Vec<SyntaxProblem>) {
        let mut tokenizer = Tokenizer::with_chunk_size(Cursor::new(bytes.to_vec()), dialect, chunk);
        let mut records = Vec::new();
        let mut problems = Vec::new();
        while tokenizer.read_record().unwrap() {
            problems.extend(tokenizer.take_problems());
            let record = tokenizer.record();
            records.push(
                (0..record.len())
                    .map(|i| (record.value(i).to_string(), record.fields[i].start.line, record.fields[i].start.column))
                    .collect(),
            );
        }
        problems.extend(tokenizer.take_problems());
        (records, problems)
    }

    #[test]
    fn crlf_lf_and_cr_give_same_positions() {
        let lf = read_all(b"a,b\n1,\"x\ny\"\n2,z\n", Dialect::csv());
        let crlf = read_all(b"a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n", Dialect::csv());
        let cr = read_all(b"a,b\r1,\"x\ry\"\r2,z\r", Dialect::csv());
        let positions = |records: &Vec<Vec<FieldAt>>| -> Vec<(u64, u64)> {
            records.iter().flatten().map(|(_, line, column)| (*line, *column)).collect()
        };
        assert_eq!(positions(&lf.0), positions(&crlf.0));
        assert_eq!(positions(&lf.0), positions(&cr.0));
        assert_eq!(lf.0[2][0], ("2".to_string(), 4, 1));
        assert_eq!(crlf.0[1][1].0, "x\r\ny");
    }

    #[test]
    fn trailing_empty_field_at_end_of_file() {
        let (records, problems) = read_all(b"a,b\n1,", Dialect::csv());
        assert!(problems.is_empty());
        assert_eq!(records[1], vec![("1".to_string(), 2, 1), (String::new(), 2, 3)]);
    }

    #[test]
    fn bom_takes_no_column_and_quotes_are_removed() {
        let (records, problems) = read_all(b"\xEF\xBB\xBF\"id\",\"a \"\"b\"\"\"\n1,2\n", Dialect::csv());
        assert!(problems.is_empty());
        assert_eq!(records[0][0], ("id".to_string(), 1, 1));
        assert_eq!(records[0][1], ("a \"b\"".to_string(), 1, 6));
    }

    #[test]
    fn character_cut_right_after_bom() {
        // Read 4 bytes at a time, the first chunk is the byte order mark and half of `é`.
        let (records, problems) = read_all("\u{feff}é,x\n".as_bytes(), Dialect { header: false, ..Dialect::csv() });
        assert!(problems.is_empty());
        assert_eq!(records, vec![vec![("é".to_string(), 1, 1), ("x".to_string(), 1, 3)]]);
    }

    #[test]
    fn encoding_problems_reported_once_after_unclosed_quote() {
        let (_, problems) = read_all(b"a,b\n\"x,\xFF\n1,2\0", Dialect::csv());
        let kinds: Vec<&ProblemKind> = problems.iter().map(|problem| &problem.kind).collect();
        assert_eq!(
            kinds,
            [&ProblemKind::InvalidUtf8 { bytes: vec![0xFF] }, &ProblemKind::NulByte, &ProblemKind::UnclosedQuote]
        );
    }

    #[test]
    fn columns_count_characters() {
        let (records, _) = read_all("é,日本,x\n".as_bytes(), Dialect::csv());
        assert_eq!(records[0][2], ("x".to_string(), 1, 6));
    }

    #[test]
    fn invalid_utf8_across_chunk_boundary() {
        // A valid two-byte character straddles the first chunk boundary; an invalid byte
        // follows later on the same line.
        let mut bytes = vec![b'a'; CHUNK - 1];
        bytes.extend_from_slice("é".as_bytes());
        bytes.extend_from_slice(b"x\xFFy\n");
        let (records, problems) = read_all(&bytes, Dialect { header: false, ..Dialect::csv() });
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, ProblemKind::InvalidUtf8 { bytes: vec![0xFF] });
        assert_eq!((problems[0].at.line, problems[0].at.column), (1, CHUNK as u64 + 2));
        assert_eq!(problems[0].file_offset, CHUNK as u64 + 2);
        assert!(records[0][0].0.ends_with("éx\u{FFFD}y"));
    }

    #[test]
    fn unclosed_quote_reported_at_opening_and_rows_kept() {
        let (records, problems) = read_all(b"a,b\n1,\"open\n2,x\n3,y\n", Dialect::csv());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, ProblemKind::UnclosedQuote);
        assert_eq!((problems[0].at.line, problems[0].at.column), (2, 3));
        let values: Vec<Vec<String>> =
            records.iter().map(|record| record.iter().map(|field| field.0.clone()).collect()).collect();
        assert_eq!(values, [vec!["a", "b"], vec!["1", "\"open"], vec!["2", "x"], vec!["3", "y"]]);
    }

    #[test]
    fn stray_quotes_are_warned_and_kept() {
        let (records, problems) = read_all(b"a\"b,\"c\"d\n", Dialect { header: false, ..Dialect::csv() });
        assert_eq!(records[0][0].0, "a\"b");
        assert_eq!(records[0][1].0, "cd");
        let kinds: Vec<&ProblemKind> = problems.iter().map(|problem| &problem.kind).collect();
        assert_eq!(
            kinds,
            [&ProblemKind::StrayQuote { after_closing: false }, &ProblemKind::StrayQuote { after_closing: true }]
        );
    }

    #[test]
    fn dialect_options_apply() {
        let dialect = Dialect {
            delimiter: b';',
            escape: Some(b'\\'),
            double_quote: false,
            comment: Some(b'#'),
            skip_initial_space: true,
            ..Dialect::csv()
        };
        let (records, _) = read_all(b"# a comment\nx; \"a\\\"b\";z\n", dialect);
        assert_eq!(records.len(), 1);
        let values: Vec<&str> = records[0].iter().map(|field| field.0.as_str()).collect();
        assert_eq!(values, ["x", "a\"b", "z"]);
        assert_eq!((records[0][0].1, records[0][1].2), (2, 4));
    }

    #[test]
    fn utf16_is_rejected() {
        let (records, problems) = read_all(b"\xFF\xFEa\x00", Dialect::csv());
        assert!(records.is_empty());
        assert_eq!(problems[0].kind, ProblemKind::Utf16);
    }
}
