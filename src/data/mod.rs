//! Data files: streaming readers for CSV, TSV, JSON Lines and JSON arrays of records, Table
//! Schema validation, JSON Schema validation of records, and data-quality measures.
//!
//! Every reader keeps the physical line and column of each cell, so a finding points at the
//! place in the file, not at a record number: a quoted field with line breaks shifts every
//! later line, and the positions follow. Files are read once, in constant memory, and each
//! check is a [`table::TableVisitor`] fed by that one pass.

pub mod cast;
pub mod csv;
pub mod describe;
pub mod findings;
pub mod jsonl;
pub mod quality;
pub mod records;
pub mod row_schema;
pub mod table;
pub mod table_schema;
pub mod validate;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::discover::Format;
use crate::report::{Finding, Location, Severity};
use crate::schema::Compiled;

pub use quality::DataMeasures;
use table::{Header, ReadProblem, Row, TableFormat, TableVisitor};

/// Reports how far reading a large file has come: the path, bytes read and the file size.
pub type ProgressFn = dyn Fn(&str, u64, u64) + Send + Sync;

/// Thresholds on the quality measures. A measure past its threshold is a finding.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thresholds {
    /// The largest acceptable share of missing cells in a column.
    pub max_missing_ratio: Option<f64>,
    /// The largest acceptable share of duplicate rows.
    pub max_duplicate_ratio: Option<f64>,
    /// The smallest acceptable ratio of the rarest class to the most common one.
    pub min_class_ratio: Option<f64>,
}

/// Settings of the data checks.
#[derive(Clone, Default)]
pub struct DataOptions {
    /// The delimiter of CSV files, overriding `,` and a data package dialect.
    pub delimiter: Option<u8>,
    /// Table Schemas given by the caller, by data file path.
    pub table_schemas: Vec<(PathBuf, PathBuf)>,
    /// Missing-value markers to use when a file has no Table Schema.
    pub missing_values: Option<Vec<String>>,
    /// The label column for the class balance; else a column named like `label` or `target`.
    pub label_column: Option<String>,
    pub thresholds: Thresholds,
    /// Called while large files are read.
    pub progress: Option<Arc<ProgressFn>>,
}

impl std::fmt::Debug for DataOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataOptions")
            .field("delimiter", &self.delimiter)
            .field("table_schemas", &self.table_schemas)
            .field("missing_values", &self.missing_values)
            .field("label_column", &self.label_column)
            .field("thresholds", &self.thresholds)
            .finish_non_exhaustive()
    }
}

impl DataOptions {
    /// Returns the Table Schema the caller gave for `path`. Paths match as files, so that
    /// `./data/train.csv` and `data/train.csv` are the same.
    pub fn table_schema_for(&self, path: &Path) -> Option<&Path> {
        let target = std::fs::canonicalize(path).ok();
        self.table_schemas
            .iter()
            .find(|(data, _)| data == path || (target.is_some() && std::fs::canonicalize(data).ok() == target))
            .map(|(_, schema)| schema.as_path())
    }
}

/// Files at least this large get progress reports.
pub const PROGRESS_MIN_BYTES: u64 = 64 * 1024 * 1024;

/// The results of checking one data file.
#[derive(Debug, Default)]
pub struct DataOutcome {
    pub findings: Vec<Finding>,
    pub measures: Option<DataMeasures>,
    /// Hashes of the file's normalised rows, kept for train/test overlap when every distinct
    /// row fitted in memory.
    pub row_hashes: Option<HashSet<u64>>,
    /// The file could not be read at all.
    pub unreadable: bool,
}

impl DataOutcome {
    /// Ends the outcome of a file whose reading failed with `error`.
    fn unreadable(mut self, display: &str, error: &std::io::Error) -> DataOutcome {
        self.findings.push(Finding::new(
            "read-error",
            Severity::Error,
            format!("cannot read the file: {error}"),
            Location::file(display),
        ));
        self.unreadable = true;
        self
    }
}

/// Returns the table layout of a data file of `format` under the dialect that describes it,
/// and the dialect properties that cannot be used.
pub fn table_format(
    format: Format,
    dialect: Option<&serde_json::Value>,
    options: &DataOptions,
) -> (TableFormat, Vec<String>) {
    match format {
        Format::JsonLines => (TableFormat::JsonLines, Vec::new()),
        Format::Json => (TableFormat::JsonRecords, Vec::new()),
        _ => {
            let mut base = if format == Format::Tsv { csv::Dialect::tsv() } else { csv::Dialect::csv() };
            let problems = dialect.map(|properties| describe::apply_dialect(&mut base, properties)).unwrap_or_default();
            if let Some(delimiter) = options.delimiter {
                base.delimiter = delimiter;
            }
            (TableFormat::Delimited(base), problems)
        }
    }
}

/// Several visitors fed by one pass.
struct Fanout<'a> {
    visitors: Vec<&'a mut dyn TableVisitor>,
}

impl TableVisitor for Fanout<'_> {
    fn header(&mut self, header: &Header) {
        self.visitors.iter_mut().for_each(|visitor| visitor.header(header));
    }

    fn new_column(&mut self, name: &str, at: csv::Pos) {
        self.visitors.iter_mut().for_each(|visitor| visitor.new_column(name, at));
    }

    fn row(&mut self, row: &Row<'_>) {
        self.visitors.iter_mut().for_each(|visitor| visitor.row(row));
    }

    fn problem(&mut self, problem: &ReadProblem) {
        self.visitors.iter_mut().for_each(|visitor| visitor.problem(problem));
    }

    fn end(&mut self, rows: u64) {
        self.visitors.iter_mut().for_each(|visitor| visitor.end(rows));
    }
}

/// Calls the progress callback every few megabytes of rows.
struct ProgressVisitor<'a> {
    path: &'a str,
    total: u64,
    callback: Arc<ProgressFn>,
    last: u64,
}

impl TableVisitor for ProgressVisitor<'_> {
    fn row(&mut self, row: &Row<'_>) {
        if row.end.offset >= self.last + 16 * 1024 * 1024 {
            self.last = row.end.offset;
            (self.callback)(self.path, row.end.offset, self.total);
        }
    }

    fn end(&mut self, _rows: u64) {
        (self.callback)(self.path, self.total, self.total);
    }
}

/// A JSON Schema that each record must satisfy, with its name for the report.
pub struct RecordSchema<'a> {
    pub compiled: &'a Compiled,
    pub name: String,
}

/// Checks one data file: its Table Schema (found beside it, in a data package, or given),
/// each record against `record_schema` if any, and the quality measures.
pub fn check_data_file(
    path: &Path,
    format: Format,
    options: &DataOptions,
    record_schema: Option<&RecordSchema<'_>>,
) -> DataOutcome {
    let display = crate::report::redact::display_path(path);
    let mut outcome = DataOutcome::default();

    let explicit = options.table_schema_for(path);
    let description = describe::describe(path, explicit);
    outcome.findings.extend(description.findings);
    let schema = description
        .schema
        .or_else(|| options.missing_values.clone().map(table_schema::TableSchema::with_missing_values));

    let (layout, dialect_problems) = table_format(format, description.dialect.as_ref(), options);
    for problem in dialect_problems {
        outcome.findings.push(Finding::new("table-schema-invalid", Severity::Error, problem, Location::file(&display)));
    }

    let json = !matches!(layout, TableFormat::Delimited(_));
    let mut validator = validate::TableValidator::new(&display, schema.as_ref(), json);
    let mut quality = quality::QualityCollector::new(schema.as_ref(), options.label_column.as_deref());
    let mut row_schema =
        record_schema.map(|record| row_schema::RowSchemaValidator::new(&display, record.compiled, &record.name));
    let size = std::fs::metadata(path).map(|metadata| metadata.len()).unwrap_or(0);
    let mut progress = options
        .progress
        .clone()
        .filter(|_| size >= PROGRESS_MIN_BYTES)
        .map(|callback| ProgressVisitor { path: &display, total: size, callback, last: 0 });

    let result = {
        let mut visitors: Vec<&mut dyn TableVisitor> = vec![&mut validator, &mut quality];
        if let Some(row_schema) = row_schema.as_mut() {
            visitors.push(row_schema);
        }
        if let Some(progress) = progress.as_mut() {
            visitors.push(progress);
        }
        let mut fanout = Fanout { visitors };
        table::read_table(path, &layout, &mut fanout)
    };
    if let Err(error) = result {
        return outcome.unreadable(&display, &error);
    }

    let mut measures = quality.measures(&display, layout.name(), description.schema_origin);
    outcome.row_hashes = quality.take_row_hashes();
    threshold_findings(&measures, &options.thresholds, &validator, &mut outcome.findings);
    outcome.findings.extend(validator.findings.finish());
    if let Some(row_schema) = row_schema {
        outcome.findings.extend(row_schema.findings.finish());
    }
    measures.overlap.clear();
    outcome.measures = Some(measures);
    outcome
}

/// Validates each row or record of a data file against a JSON Schema, with the file's syntax,
/// encoding and row shape checked too (`mlconform validate`). No Table Schema and no quality
/// measures.
pub fn validate_data_file(
    path: &Path,
    format: Format,
    options: &DataOptions,
    record: &RecordSchema<'_>,
) -> DataOutcome {
    let display = crate::report::redact::display_path(path);
    let mut outcome = DataOutcome::default();
    let description = describe::describe(path, None);
    let (layout, _) = table_format(format, description.dialect.as_ref(), options);
    let json = !matches!(layout, TableFormat::Delimited(_));
    let mut validator = validate::TableValidator::new(&display, None, json);
    let mut rows = row_schema::RowSchemaValidator::new(&display, record.compiled, &record.name);
    let result = {
        let mut fanout = Fanout { visitors: vec![&mut validator, &mut rows] };
        table::read_table(path, &layout, &mut fanout)
    };
    if let Err(error) = result {
        return outcome.unreadable(&display, &error);
    }
    outcome.findings.extend(validator.findings.finish());
    outcome.findings.extend(rows.findings.finish());
    outcome
}

/// Findings for measures: constant columns always, and each measure past its threshold.
fn threshold_findings(
    measures: &DataMeasures,
    thresholds: &Thresholds,
    validator: &validate::TableValidator<'_>,
    out: &mut Vec<Finding>,
) {
    let path = &measures.path;
    let header_at = |name: &str| -> Location {
        let at = validator.header_position(name).unwrap_or(csv::Pos::START);
        findings::located(path, at, at, &findings::column_pointer(name))
    };
    for column in &measures.columns {
        if column.constant {
            out.push(
                Finding::new(
                    "constant-column",
                    Severity::Warning,
                    format!("column \"{}\" has the same value in every row", column.name),
                    header_at(&column.name),
                )
                .with_note(
                    "a constant column carries no information, and a scaler divides by its zero standard deviation",
                )
                .with_help("drop the column, or check that the data was exported correctly"),
            );
        }
        if let Some(limit) = thresholds.max_missing_ratio {
            if column.missing_ratio > limit {
                out.push(
                    Finding::new(
                        "missing-ratio-exceeded",
                        Severity::Error,
                        format!(
                            "column \"{}\" is missing {} of {} values ({:.2}%), over the limit of {:.2}%",
                            column.name,
                            column.missing,
                            measures.rows,
                            column.missing_ratio * 100.0,
                            limit * 100.0
                        ),
                        header_at(&column.name),
                    )
                    .with_help("fill in or drop the missing values, or raise --max-missing-ratio"),
                );
            }
        }
    }
    if let Some(limit) = thresholds.max_duplicate_ratio {
        if measures.duplicate_row_ratio > limit {
            let estimate = if measures.duplicates_exact { "" } else { "about " };
            out.push(
                Finding::new(
                    "duplicate-ratio-exceeded",
                    Severity::Error,
                    format!(
                        "{estimate}{} of {} rows are duplicates ({:.2}%), over the limit of {:.2}%",
                        measures.duplicate_rows,
                        measures.rows,
                        measures.duplicate_row_ratio * 100.0,
                        limit * 100.0
                    ),
                    Location::file(path),
                )
                .with_help("remove the duplicate rows, or raise --max-duplicate-ratio"),
            );
        }
    }
    if let (Some(limit), Some(label)) = (thresholds.min_class_ratio, &measures.label) {
        if label.minority_ratio < limit {
            let rarest = label.classes.last().map(|class| class.value.clone()).unwrap_or_default();
            out.push(
                Finding::new(
                    "class-imbalance",
                    Severity::Error,
                    format!(
                        "label \"{}\" is imbalanced: class \"{rarest}\" has {:.3} times the rows of the largest class, under the limit of {limit}",
                        label.column, label.minority_ratio
                    ),
                    header_at(&label.column),
                )
                .with_help("resample or reweight the classes, or lower --min-class-ratio"),
            );
        }
    }
}

/// Computes the overlap between a train file and its evaluation files, from their row hashes.
/// Returns the overlap entry for the evaluation file and the finding, if any rows overlap.
pub fn overlap(
    train_path: &str,
    train: &HashSet<u64>,
    eval_path: &str,
    eval: &HashSet<u64>,
    eval_rows: u64,
) -> (quality::Overlap, Option<Finding>) {
    let shared = eval.iter().filter(|hash| train.contains(hash)).count() as u64;
    let ratio = if eval_rows == 0 { 0.0 } else { shared as f64 / eval_rows as f64 };
    let entry = quality::Overlap { with: train_path.to_string(), rows: shared, ratio };
    let finding = (shared > 0).then(|| {
        Finding::new(
            "train-test-overlap",
            Severity::Warning,
            format!(
                "{shared} distinct rows of {eval_path} also occur in {train_path} ({:.2}% of its rows)",
                ratio * 100.0
            ),
            Location::file(eval_path),
        )
        .with_note("rows shared between training and evaluation data inflate evaluation scores")
        .with_help("remove the shared rows from one of the two files")
    });
    (entry, finding)
}

/// Returns the evaluation files that go with a training file: `train` in the name replaced
/// by `test`, `valid`, `validation`, `val`, `eval` or `dev`.
pub fn evaluation_partners(train: &Path) -> Vec<PathBuf> {
    let Some(name) = train.file_name().and_then(|name| name.to_str()) else {
        return Vec::new();
    };
    let lower = name.to_ascii_lowercase();
    let Some(at) = lower.find("train") else {
        return Vec::new();
    };
    ["test", "valid", "validation", "val", "eval", "dev"]
        .iter()
        .map(|other| train.with_file_name(format!("{}{other}{}", &name[..at], &name[at + 5..])))
        .collect()
}
