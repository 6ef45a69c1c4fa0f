//! The numeric scaler check: recompute the mean and standard deviation of the data a z-score
//! scaler was fitted on, and compare them with what its parameter file declares.
//!
//! Statistics stream through [`moments`] (exact block summaries merged with Chan's formula),
//! cells are read by [`accumulate`] with the data's Table Schema applied, [`compare`] words
//! every mismatch at the declared value with a diagnosis, and [`partial`] writes and merges
//! the state of shards computed separately.

pub mod accumulate;
pub mod compare;
pub mod moments;
pub mod params;
pub mod partial;
pub mod sample;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::data::table::read_table;
use crate::data::{self, describe, DataOptions};
use crate::discover::{self, Format};
use crate::report::{Finding, Location, Severity, SourceText};
use crate::source::Node;
use accumulate::{FileStats, StatsCollector};
use compare::{ColumnReport, Inputs};
use params::{ScalerParams, Split};

/// Settings of the scaler check.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalerOptions {
    /// `check` runs the scaler check for scaler files (off with `--no-scaler`).
    pub enabled: bool,
    /// The ddof to compare with, overriding the scaler file's.
    pub ddof: Option<u8>,
    /// The columns to compute, when no scaler file lists them.
    pub columns: Option<Vec<String>>,
    /// Check that the data has mean 0 and standard deviation 1 per column.
    pub expect_standardized: bool,
    /// Compute from a reservoir sample of this many rows per file.
    pub sample: Option<usize>,
    pub seed: u64,
    /// The relative tolerance, overriding the scaler file's.
    pub relative_tolerance: Option<f64>,
}

impl Default for ScalerOptions {
    fn default() -> ScalerOptions {
        ScalerOptions {
            enabled: true,
            ddof: None,
            columns: None,
            expect_standardized: false,
            sample: None,
            seed: 0,
            relative_tolerance: None,
        }
    }
}

/// A sample the statistics come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleInfo {
    /// Rows in the sample.
    pub size: u64,
    pub seed: u64,
}

/// One scaler check, as the JSON report's `scaler` list gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScalerCheck {
    /// The scaler parameter file, if any.
    pub params: Option<String>,
    /// The data files read.
    pub data: Vec<String>,
    pub ddof: u8,
    /// Data records read, header excluded.
    pub rows: u64,
    /// The split the scaler declares, and how many rows are in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_rows: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<SampleInfo>,
    /// `standardized` with `--expect standardized`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<&'static str>,
    pub columns: Vec<ColumnReport>,
}

/// Reads every data file and merges the statistics of the columns in `wanted` (all columns
/// when `None`). A file that cannot be read is an error naming it.
pub fn compute(
    paths: &[PathBuf],
    wanted: Option<Vec<String>>,
    split: Option<&Split>,
    options: &ScalerOptions,
    data_options: &DataOptions,
) -> Result<FileStats, String> {
    let mut merged: Option<FileStats> = None;
    for path in paths {
        let display = path.display().to_string();
        let Some(format) = discover::detect_format(path) else {
            return Err(format!("{display} is not a data file mlconform reads (CSV, TSV, JSON Lines or a JSON array)"));
        };
        if !matches!(format, Format::Csv | Format::Tsv | Format::JsonLines | Format::Json) {
            return Err(format!("{display} is not a data file mlconform reads (CSV, TSV, JSON Lines or a JSON array)"));
        }
        let explicit = data_options.table_schema_for(path);
        let description = describe::describe(path, explicit);
        let schema = description
            .schema
            .or_else(|| data_options.missing_values.clone().map(data::table_schema::TableSchema::with_missing_values));
        let (layout, _) = data::table_format(format, description.dialect.as_ref(), data_options);
        let reservoir = options.sample.map(|size| sample::Reservoir::new(size, options.seed));
        let mut collector = StatsCollector::new(&display, schema.as_ref(), wanted.clone(), split.cloned(), reservoir);
        read_table(path, &layout, &mut collector).map_err(|error| format!("cannot read {display}: {error}"))?;
        let stats = collector.finish();
        merged = Some(match merged {
            None => stats,
            Some(mut total) => {
                total.rows += stats.rows;
                total.fitted_rows += stats.fitted_rows;
                total.sampled = total.sampled.map(|size| size + stats.sampled.unwrap_or(0));
                for tally in stats.columns {
                    match total.columns.iter_mut().find(|existing| existing.name == tally.name) {
                        Some(existing) => existing.merge(&tally),
                        None => total.columns.push(tally),
                    }
                }
                total
            }
        });
    }
    merged.ok_or_else(|| "no data file to compute statistics from".to_string())
}

/// The columns to compute: the scaler file's, else the caller's.
pub fn wanted_columns(params: Option<&ScalerParams>, options: &ScalerOptions) -> Option<Vec<String>> {
    params
        .map(|params| params.columns.iter().map(|(name, _, _)| name.clone()).collect::<Vec<_>>())
        .filter(|names| !names.is_empty())
        .or_else(|| options.columns.clone())
}

/// Compares computed statistics with a scaler file (or with nothing, to report them).
pub fn evaluate(
    params: Option<(&ScalerParams, &Arc<SourceText>)>,
    data: Vec<String>,
    stats: &FileStats,
    options: &ScalerOptions,
) -> (ScalerCheck, Vec<Finding>) {
    let ddof = options.ddof.or(params.and_then(|(params, _)| params.ddof)).unwrap_or(0);
    let mut tolerance = params.map(|(params, _)| params.tolerance).unwrap_or_default();
    if let Some(relative) = options.relative_tolerance {
        tolerance.relative = relative;
    }
    let inputs = Inputs {
        params,
        stats,
        ddof,
        tolerance,
        expect_standardized: options.expect_standardized,
        sampled: stats.sampled.is_some(),
        explicit_columns: options.columns.is_some(),
    };
    let (columns, findings) = compare::compare(&inputs);
    let split = params.and_then(|(params, _)| params.split.as_ref());
    let check = ScalerCheck {
        params: params.map(|(_, source)| source.path.clone()),
        data,
        ddof,
        rows: stats.rows,
        split: split.map(Split::describe),
        split_rows: split.map(|_| stats.fitted_rows),
        sample: stats.sampled.map(|size| SampleInfo { size, seed: options.seed }),
        expect: options.expect_standardized.then_some("standardized"),
        columns,
    };
    (check, findings)
}

/// Checks a scaler file found by `check`: the data files it names, resolved beside it.
/// Returns no check when it names no data or none of its data is present.
pub fn check_params_file(
    path: &Path,
    root: &Node,
    source: &Arc<SourceText>,
    options: &ScalerOptions,
    data_options: &DataOptions,
) -> (Option<ScalerCheck>, Vec<Finding>) {
    let params = params::read(root);
    let folder = path.parent().unwrap_or(Path::new(""));
    let mut findings = Vec::new();
    let mut present = Vec::new();
    for (name, span) in &params.data {
        let data_path = folder.join(name);
        if data_path.is_file() {
            present.push(data_path);
        } else {
            let mut finding = Finding::new(
                "scaler-data-missing",
                Severity::Warning,
                format!(
                    "data file \"{name}\" is not found at {}; the scaler is not checked against it",
                    data_path.display()
                ),
                source.locate(*span, "/data"),
            )
            .with_help("correct the path (relative to the scaler file), or run `mlconform scaler DATA --params FILE`");
            finding.source = Some(source.clone());
            findings.push(finding);
        }
    }
    if present.is_empty() {
        return (None, findings);
    }
    let wanted = wanted_columns(Some(&params), options);
    match compute(&present, wanted, params.split.as_ref(), options, data_options) {
        Ok(stats) => {
            let data: Vec<String> = present.iter().map(|path| path.display().to_string()).collect();
            let (check, more) = evaluate(Some((&params, source)), data, &stats, options);
            findings.extend(more);
            (Some(check), findings)
        }
        Err(message) => {
            findings.push(Finding::new("read-error", Severity::Error, message, Location::file(&source.path)));
            (None, findings)
        }
    }
}
