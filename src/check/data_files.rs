//! The data and scaler steps of `check`: data files stream through the data checks, scaler
//! files get their statistics recomputed, and train/test pairs are compared once every file
//! is done.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::{file_status, CheckOptions, FileOutcome};
use crate::data::{self, RecordSchema};
use crate::discover::Format;
use crate::report::{FileReport, Finding, Report, Severity, SourceText};
use crate::scaler::{self, ScalerCheck};
use crate::schema::user::{self, UserSchemaOptions};
use crate::source::Node;

/// Checks a data file. `reason` is how it was recognised, for `--verbose`.
pub(super) fn check_data(path: &Path, format: Format, options: &CheckOptions, reason: String) -> FileOutcome {
    let display = crate::report::redact::display_path(path);
    let mut outcome = FileOutcome::default();

    // A JSON Schema beside a JSON Lines or JSON records file (`chat.schema.json` with
    // `properties` rather than Table Schema `fields`) applies to each record.
    let mut record_schema = None;
    let mut schema_names = Vec::new();
    if matches!(format, Format::JsonLines | Format::Json) {
        if let Some(sidecar) = data::describe::sidecar_path(path).filter(|sidecar| is_json_schema(sidecar)) {
            let schema_options = UserSchemaOptions {
                default_draft: jsonschema::Draft::Draft202012,
                maps: Vec::new(),
                limits: options.limits,
            };
            match user::load_user_schema(&sidecar, &schema_options) {
                Ok(schema) => {
                    schema_names.push(schema.display.clone());
                    record_schema = Some(schema);
                }
                Err(problem) => {
                    let location = problem.location.map(|location| *location).unwrap_or_else(|| {
                        crate::report::Location::file(&crate::report::redact::display_path(&sidecar))
                    });
                    let mut finding = Finding::new("schema-invalid", Severity::Error, problem.message, location);
                    finding.source = problem.source;
                    finding.help = problem.help;
                    outcome.findings.push(finding);
                }
            }
        }
    }
    let record =
        record_schema.as_ref().map(|schema| RecordSchema { compiled: &schema.compiled, name: schema.display.clone() });
    let checked = data::check_data_file(path, format, &options.data, record.as_ref());

    outcome.findings.extend(checked.findings);
    attach_source(path, &mut outcome.findings);
    if let Some(measures) = &checked.measures {
        if let Some(origin) = &measures.table_schema {
            schema_names.insert(0, origin.clone());
        }
    }
    let keep_hashes = checked.measures.is_some() && may_pair(path);
    outcome.row_hashes = if keep_hashes { checked.row_hashes } else { None };
    let flavor = data_flavor(format);
    outcome.measures = checked.measures;
    let status = file_status(checked.unreadable, &outcome.findings, outcome.omitted);
    outcome.file = Some(FileReport {
        path: display,
        kind: Some("data".to_string()),
        flavor: Some(flavor.to_string()),
        schemas: schema_names,
        status,
        reason: Some(reason),
    });
    outcome
}

/// Validates the rows or records of a data file against a user's JSON Schema.
pub(super) fn validate_data(
    path: &Path,
    format: Format,
    schema: &user::UserSchema,
    options: &CheckOptions,
) -> FileOutcome {
    let display = crate::report::redact::display_path(path);
    let record = RecordSchema { compiled: &schema.compiled, name: schema.display.clone() };
    let checked = data::validate_data_file(path, format, &options.data, &record);
    let mut outcome = FileOutcome { findings: checked.findings, ..FileOutcome::default() };
    attach_source(path, &mut outcome.findings);
    let status = file_status(checked.unreadable, &outcome.findings, outcome.omitted);
    outcome.file = Some(FileReport {
        path: display,
        kind: None,
        flavor: None,
        schemas: vec![schema.display.clone()],
        status,
        reason: None,
    });
    outcome
}

/// Data files up to this size are read again for source excerpts in human output.
const MAX_EXCERPT_FILE_BYTES: u64 = 1024 * 1024;

/// Returns the flavor that reports give a data file of `format`.
pub fn data_flavor(format: Format) -> &'static str {
    match format {
        Format::Tsv => "tsv",
        Format::JsonLines => "jsonl",
        Format::Json => "json-records",
        _ => "csv",
    }
}

/// Gives the findings located in a small data file its text, so human output shows the line.
/// Larger files are streamed and never held whole, so their findings give the position only.
fn attach_source(path: &Path, findings: &mut [Finding]) {
    let display = crate::report::redact::display_path(path);
    if !findings.iter().any(|finding| finding.location.path == display && finding.source.is_none()) {
        return;
    }
    let size = std::fs::metadata(path).map(|metadata| metadata.len()).unwrap_or(u64::MAX);
    if size > MAX_EXCERPT_FILE_BYTES {
        return;
    }
    let Ok(bytes) = crate::source::read::read_regular(path) else {
        return;
    };
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&bytes);
    // Spans count bytes of the text after the byte order mark, so they index into it as is.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let source = SourceText::new(display.clone(), text.to_string());
    for finding in findings.iter_mut() {
        let located_here = finding.location.path == display && finding.source.is_none();
        if located_here && finding.location.span.end <= text.len() && finding.location.line > 0 {
            finding.source = Some(source.clone());
        }
    }
}

/// True for a JSON file that looks like a JSON Schema rather than a Table Schema.
fn is_json_schema(path: &Path) -> bool {
    let Ok(text) = crate::source::read::read_regular_to_string(path) else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|json| data::describe::is_json_schema(&json))
}

/// True for names that can be half of a train/test pair.
fn may_pair(path: &Path) -> bool {
    let name = path.file_name().map(|name| name.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    ["train", "test", "val", "eval", "dev"].iter().any(|word| name.contains(word))
}

/// True for a `.json` file too large to parse whole whose first character opens an array:
/// it is read as a stream of records instead.
pub(super) fn is_large_json_array(path: &Path, options: &CheckOptions) -> bool {
    let size = std::fs::metadata(path).map(|metadata| metadata.len()).unwrap_or(0);
    if size <= options.max_file_size.for_format(Format::Json).unwrap_or(u64::MAX) {
        return false;
    }
    let Ok(file) = crate::source::read::open_regular(path) else {
        return false;
    };
    let mut head = Vec::new();
    if file.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    let head = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&head);
    head.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'[')
}

/// Adds the overlap of each training file with its evaluation files to the report.
pub(super) fn link_overlaps(report: &mut Report, row_hashes: &[(String, HashSet<u64>)]) {
    let find = |path: &str| row_hashes.iter().find(|(candidate, _)| candidate == path).map(|(_, hashes)| hashes);
    let mut additions = Vec::new();
    for (train_path, train) in row_hashes {
        for partner in data::evaluation_partners(Path::new(train_path)) {
            let partner = partner.display().to_string();
            let Some(eval) = find(&partner) else {
                continue;
            };
            let rows = report.data.iter().find(|measures| measures.path == partner).map_or(0, |measures| measures.rows);
            let (overlap, finding) = data::overlap(train_path, train, &partner, eval, rows);
            additions.push((partner, overlap, finding));
        }
    }
    for (partner, overlap, finding) in additions {
        if let Some(measures) = report.data.iter_mut().find(|measures| measures.path == partner) {
            measures.overlap.push(overlap);
        }
        report.findings.extend(finding);
    }
}

/// The results of the scaler check of one scaler file.
pub(super) struct ScalerOutcome {
    pub findings: Vec<Finding>,
    pub checks: Vec<ScalerCheck>,
}

/// Runs the scaler check for a scaler file found by `check`.
pub(super) fn check_scaler_file(
    path: &Path,
    root: &Node,
    source: &Arc<SourceText>,
    options: &CheckOptions,
) -> ScalerOutcome {
    let (check, findings) = scaler::check_params_file(path, root, source, &options.scaler, &options.data);
    ScalerOutcome { findings, checks: check.into_iter().collect() }
}
