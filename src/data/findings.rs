//! Findings about a data file, located at physical positions and capped per code.
//!
//! A file with a systematic fault (a wrong delimiter, a shifted column) would otherwise give
//! one finding per row. Past [`MAX_PER_CODE`] findings of one code in one file, the rest are
//! counted, and one closing finding says how many were left out.

use std::collections::BTreeMap;

use super::csv::Pos;
use crate::report::{Finding, Location, Related, Severity};
use crate::source::Span;

/// Findings of one code reported per file before the rest are only counted.
pub const MAX_PER_CODE: usize = 100;

/// The findings of one data file.
#[derive(Debug)]
pub struct DataFindings {
    path: String,
    pub list: Vec<Finding>,
    counts: BTreeMap<String, usize>,
}

impl DataFindings {
    pub fn new(path: &str) -> DataFindings {
        DataFindings { path: path.to_string(), list: Vec::new(), counts: BTreeMap::new() }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// The location of `start..end` in this file, with a pointer.
    pub fn location(&self, start: Pos, end: Pos, pointer: &str) -> Location {
        located(&self.path, start, end, pointer)
    }

    /// Adds a finding unless the code's cap is reached. Returns it for adding help and notes.
    pub fn push(
        &mut self,
        code: &str,
        severity: Severity,
        message: String,
        start: Pos,
        end: Pos,
        pointer: &str,
    ) -> Option<&mut Finding> {
        let count = self.counts.entry(code.to_string()).or_default();
        *count += 1;
        if *count > MAX_PER_CODE {
            return None;
        }
        let location = located(&self.path, start, end, pointer);
        self.list.push(Finding::new(code, severity, message, location));
        self.list.last_mut()
    }

    /// Adds a finding that points at another place too.
    pub fn related(finding: &mut Finding, path: &str, message: &str, at: Pos, pointer: &str) {
        finding.related.push(Related { message: message.to_string(), location: located(path, at, at, pointer) });
    }

    /// Adds one closing finding per code whose findings were cut, and returns the list.
    pub fn finish(mut self) -> Vec<Finding> {
        for (code, count) in &self.counts {
            if *count > MAX_PER_CODE {
                let hidden = count - MAX_PER_CODE;
                // The summary sits at the last finding shown, so that it sorts right after it.
                let last = self.list.iter().rfind(|finding| &finding.code == code);
                let severity = last.map_or(Severity::Info, |finding| finding.severity);
                let location = last.map_or_else(|| Location::file(&self.path), |finding| finding.location.clone());
                let finding = Finding::new(
                    code,
                    severity,
                    format!("{hidden} more `{code}` findings in this file are not shown ({count} in all)"),
                    location,
                )
                .with_help("fix the first ones; a systematic fault often causes the rest");
                self.list.push(finding);
            }
        }
        self.list
    }
}

/// A location from physical positions.
pub fn located(path: &str, start: Pos, end: Pos, pointer: &str) -> Location {
    let end = end.max(start);
    Location {
        path: path.to_string(),
        span: Span::new(start.offset as usize, end.offset as usize),
        line: start.line as usize,
        column: start.column as usize,
        end_line: end.line as usize,
        end_column: end.column as usize,
        pointer: pointer.to_string(),
    }
}

/// A JSON Pointer to a column of a row: `/name`.
pub fn column_pointer(name: &str) -> String {
    format!("/{}", crate::source::pointer::escape(name))
}

/// A cell value as a message shows it: line breaks and tabs escaped, and at most 80
/// characters, so that one finding stays on one line.
pub fn shown(value: &str) -> String {
    let mut out = String::new();
    for (count, character) in value.chars().enumerate() {
        if count == 80 {
            out.push('…');
            break;
        }
        match character {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            other => out.push(other),
        }
    }
    out
}
