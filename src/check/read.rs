//! Reading a file for the check: size limits, decoding, and the findings that say why a file
//! could not be read.

use std::io;
use std::path::Path;
use std::sync::Arc;

use super::limits::{format_key, round_up_size, Bytes};
use super::CheckOptions;
use crate::discover::Format;
use crate::report::{Finding, Location, Severity, SourceText};
use crate::source::read::{self, DecodeError, ReadError};
use crate::source::Span;

/// Reads and decodes a file, or returns the finding that says why it could not be. `display`
/// is the path as reports show it.
///
/// A data file is streamed to find encoding errors and never held in memory; its source text
/// is empty, because its reader streams it again.
pub(super) fn read_source(
    path: &Path,
    display: &str,
    format: Option<Format>,
    options: &CheckOptions,
) -> Result<Arc<SourceText>, Box<Finding>> {
    let limit = match format {
        Some(format) => options.max_file_size.for_format(format),
        None => Some(options.max_file_size.default),
    };
    let Some(limit) = limit else {
        return scan_data_file(path, display).map(|()| SourceText::new(display.to_string(), String::new()));
    };

    let bytes = match read::read_limited(path, limit) {
        Ok(bytes) => bytes,
        Err(ReadError::TooLarge { size }) => return Err(Box::new(too_large(display, format, size, limit))),
        Err(ReadError::Io(error)) => return Err(Box::new(read_error(display, &error))),
    };
    match read::decode(&bytes) {
        Ok(text) => Ok(SourceText::new(display.to_string(), text)),
        Err(error) => Err(Box::new(encoding_error_in_text(display, &bytes, &error))),
    }
}

fn scan_data_file(path: &Path, display: &str) -> Result<(), Box<Finding>> {
    let file = read::open_regular(path).map_err(|error| Box::new(read_error(display, &error)))?;
    match read::scan_encoding(file) {
        Ok(None) => Ok(()),
        Ok(Some(error)) => {
            let mut location = Location::file(display);
            if let Some((line, column)) = error.position {
                location.line = line as usize;
                location.column = column as usize;
                location.end_line = location.line;
                location.end_column = location.column;
            }
            location.span = Span::at(error.offset as usize);
            Err(Box::new(encoding_finding(&error, location)))
        }
        Err(error) => Err(Box::new(read_error(display, &error))),
    }
}

fn too_large(display: &str, format: Option<Format>, size: u64, limit: u64) -> Finding {
    let formats = format.map_or_else(|| "files of this format".to_string(), |format| format!("{format} files"));
    let message =
        format!("file is too large to check: {}, over the limit of {} for {formats}", Bytes(size), Bytes(limit));
    let suggested = round_up_size(size);
    let help = match format {
        Some(format) => format!(
            "raise the limit with --max-file-size {}={suggested}, or with --max-file-size {suggested} for every format",
            format_key(format)
        ),
        None => format!("raise the limit with --max-file-size {suggested}"),
    };
    Finding::new("file-too-large", Severity::Error, message, Location::file(display)).with_help(help)
}

fn read_error(display: &str, error: &io::Error) -> Finding {
    let cause = match error.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::NotFound => "the file was removed while mlconform ran".to_string(),
        _ => error.to_string(),
    };
    Finding::new("read-error", Severity::Error, format!("cannot read the file: {cause}"), Location::file(display))
}

/// The finding for a document whose bytes do not decode, located in the text decoded up to
/// the bad byte.
fn encoding_error_in_text(display: &str, bytes: &[u8], error: &DecodeError) -> Finding {
    let offset = error.offset as usize;
    // Positions are computed on the UTF-8 reading of the file, which is meaningful for UTF-8
    // files; a UTF-16 problem is located at the start and named by its byte offset.
    let is_utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    let skipped = bytes.len() - body.len();
    let (text, at) = if is_utf16 {
        (String::new(), 0)
    } else {
        let before = &body[..offset.saturating_sub(skipped).min(body.len())];
        (String::from_utf8_lossy(body).into_owned(), String::from_utf8_lossy(before).len())
    };
    let source = SourceText::new(display.to_string(), text);
    let mut location = source.locate(Span::at(at), "");
    location.span = Span::at(at);
    let mut finding = encoding_finding(error, location);
    finding.source = Some(source);
    finding
}

fn encoding_finding(error: &DecodeError, location: Location) -> Finding {
    let message = format!("{} at byte offset {}", error.problem, error.offset);
    Finding::new("encoding-error", Severity::Error, message, location).with_help("save the file as UTF-8")
}
