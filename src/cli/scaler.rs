//! `mlconform scaler`: recompute column statistics, compare them with a scaler file, write
//! and merge partial statistics of shards.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand, ValueEnum};

use super::{data_options, emit, ColorChoice, CommonArgs, FailOn, OutputFormat, ReadArgs};
use crate::check::describe_issue;
use crate::report::{self, Finding, Report, SourceText, ToolError};
use crate::scaler::{self, params, partial, ScalerCheck, ScalerOptions};
use crate::schema::{self, Validators};
use crate::source::{self, Limits, Node};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ScalerArgs {
    #[command(subcommand)]
    pub action: Option<ScalerAction>,

    /// Data files (CSV, TSV, JSON Lines or a JSON array of records). Several files are read
    /// as one table.
    #[arg(required = true, value_name = "DATA")]
    pub data: Vec<PathBuf>,

    /// The scaler parameter file (JSON or YAML) to compare with. Without it, the computed
    /// statistics are printed.
    #[arg(long, value_name = "FILE")]
    pub params: Option<PathBuf>,

    /// Columns to compute, comma-separated, when the scaler file does not list them.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub columns: Vec<String>,

    /// Delta degrees of freedom of the standard deviation: 0 for the population value
    /// (scikit-learn), 1 for the sample value (R, pandas). Overrides the scaler file.
    #[arg(long, value_name = "0|1", value_parser = clap::value_parser!(u8).range(0..=1))]
    pub ddof: Option<u8>,

    /// Check that the data is already scaled: mean 0 and standard deviation 1 per column.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub expect: Option<Expect>,

    /// Compute from a seeded reservoir sample of N rows per file instead of every row.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..))]
    pub sample: Option<u64>,

    /// The seed of `--sample`.
    #[arg(long, value_name = "SEED", default_value_t = 0)]
    pub seed: u64,

    /// Write the partial statistics to FILE, for `mlconform scaler merge`.
    #[arg(long, value_name = "FILE")]
    pub emit_partial: Option<PathBuf>,

    /// Relative tolerance of the comparison (default 1e-6, or the scaler file's).
    #[arg(long, value_name = "RATIO")]
    pub rtol: Option<f64>,

    #[command(flatten)]
    pub read: ReadArgs,

    #[command(flatten)]
    pub output: ScalerOutput,
}

/// Output options of `mlconform scaler`.
#[derive(Debug, Args, Clone)]
pub struct ScalerOutput {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human, help_heading = "Output")]
    pub format: OutputFormat,

    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, help_heading = "Output")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Expect {
    /// Mean 0 and standard deviation 1 in every column.
    Standardized,
}

#[derive(Debug, Subcommand)]
pub enum ScalerAction {
    /// Merge partial statistics written with `--emit-partial`, and compare the result with a
    /// scaler file.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial statistics files.
    #[arg(required = true, value_name = "PARTIALS")]
    pub partials: Vec<PathBuf>,

    /// The scaler parameter file to compare with.
    #[arg(long, value_name = "FILE")]
    pub params: Option<PathBuf>,

    /// Delta degrees of freedom (0 or 1), overriding the scaler file.
    #[arg(long, value_name = "0|1", value_parser = clap::value_parser!(u8).range(0..=1))]
    pub ddof: Option<u8>,

    /// Relative tolerance of the comparison.
    #[arg(long, value_name = "RATIO")]
    pub rtol: Option<f64>,

    #[command(flatten)]
    pub output: ScalerOutput,
}

/// A scaler file read for the command line, with the findings of its own schema.
struct LoadedParams {
    params: params::ScalerParams,
    source: Arc<SourceText>,
    findings: Vec<Finding>,
    /// True when a syntax error stopped the parser.
    broken: bool,
}

/// Reads and validates a scaler parameter file.
fn load_params(path: &Path) -> Result<LoadedParams, String> {
    let display = crate::report::redact::display_path(path);
    let text =
        crate::source::read::read_regular_to_string(path).map_err(|error| format!("cannot read {display}: {error}"))?;
    let text = text.strip_prefix('\u{FEFF}').map(str::to_string).unwrap_or(text);
    let yaml = path.extension().is_some_and(|extension| extension == "yaml" || extension == "yml");
    let limits = Limits::default();
    let parsed = if yaml { source::yaml::parse(&text, &limits) } else { source::json::parse(&text, &limits) };
    let source = SourceText::new(display.clone(), text);
    let mut findings = Vec::new();
    for issue in &parsed.issues {
        let (code, severity, message, help) = describe_issue(&issue.kind);
        let mut finding = Finding::new(code, severity, message, source.locate(issue.span, &issue.pointer));
        finding.help = help;
        finding.source = Some(source.clone());
        findings.push(finding);
    }
    if parsed.is_broken() {
        return Ok(LoadedParams { params: params::ScalerParams::default(), source, findings, broken: true });
    }
    let root = parsed
        .documents
        .into_iter()
        .next()
        .and_then(|document| document.root)
        .ok_or_else(|| format!("{display} is empty"))?;
    findings.extend(schema_findings(&root, &source));
    Ok(LoadedParams { params: params::read(&root), source, findings, broken: false })
}

/// Validates a scaler file against the embedded `scaler/standard` schema.
fn schema_findings(root: &Node, source: &Arc<SourceText>) -> Vec<Finding> {
    let Some(embedded) = schema::newest("scaler", "standard") else {
        return Vec::new();
    };
    let Ok(compiled) = Validators::default().get(embedded) else {
        return Vec::new();
    };
    let mut silenced = Vec::new();
    let json = root.to_json(&mut String::new(), &mut silenced);
    schema::findings_for(&compiled, root, &json, &silenced)
        .into_iter()
        .map(|found| {
            let mut finding = Finding::new(
                &found.code,
                report::Severity::Error,
                found.message,
                source.locate(found.span, &found.pointer),
            );
            finding.help = found.help;
            finding.schema = Some(embedded.id.to_string());
            finding.keyword_location = Some(found.keyword_location);
            finding.source = Some(source.clone());
            finding
        })
        .collect()
}

/// Runs `mlconform scaler`.
pub fn run(args: ScalerArgs) -> ExitCode {
    if let Some(ScalerAction::Merge(merge)) = args.action {
        return run_merge(merge);
    }
    let options = ScalerOptions {
        enabled: true,
        ddof: args.ddof,
        columns: (!args.columns.is_empty()).then(|| args.columns.clone()),
        expect_standardized: args.expect == Some(Expect::Standardized),
        sample: args.sample.map(|size| size as usize),
        seed: args.seed,
        relative_tolerance: args.rtol,
    };
    let data_options = data_options(&args.read);
    let mut report = Report::default();

    let loaded = match args.params.as_deref().map(load_params).transpose() {
        Ok(loaded) => loaded,
        Err(message) => return tool_error(message, &args.output, &args.data),
    };
    let params = loaded.as_ref().map(|loaded| &loaded.params);
    let wanted = scaler::wanted_columns(params, &options);
    let split = params.and_then(|params| params.split.as_ref());
    let stats = match scaler::compute(&args.data, wanted, split, &options, &data_options) {
        Ok(stats) => stats,
        Err(message) => return tool_error(message, &args.output, &args.data),
    };
    let data: Vec<String> = args.data.iter().map(|path| crate::report::redact::display_path(path)).collect();

    if let Some(partial_path) = &args.emit_partial {
        let shard = partial::Partial::new(data.clone(), split.map(params::Split::describe), stats.clone());
        if let Err(message) = partial::write(partial_path, &shard) {
            return tool_error(message, &args.output, &args.data);
        }
    }

    if let Some(loaded) = &loaded {
        report.findings.extend(loaded.findings.iter().cloned());
    }
    report.findings.extend(structure_findings(&args.data, &data_options));
    let (check, findings) =
        scaler::evaluate(loaded.as_ref().map(|loaded| (&loaded.params, &loaded.source)), data, &stats, &options);
    report.findings.extend(findings);
    report.scaler.push(check);
    list_files(&mut report, &args.data, loaded.as_ref());
    finish(report, &args.output, &args.data)
}

/// Finding codes that say a data file was not read as its author meant: statistics computed
/// from such a file cannot be trusted, so the scaler command reports them as `check` does.
const STRUCTURE_CODES: &[&str] = &[
    "unclosed-quote",
    "stray-quote",
    "encoding-error",
    "extra-cell",
    "missing-cell",
    "blank-header",
    "duplicate-header",
];

/// Reads each data file once more for its structure (quotes, encoding, ragged rows).
fn structure_findings(paths: &[PathBuf], options: &crate::data::DataOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    for path in paths {
        let Some(format) = crate::discover::detect_format(path) else { continue };
        let checked = crate::data::check_data_file(path, format, options, None);
        out.extend(checked.findings.into_iter().filter(|finding| STRUCTURE_CODES.contains(&finding.code.as_str())));
    }
    out
}

fn run_merge(args: MergeArgs) -> ExitCode {
    let mut shards = Vec::new();
    for path in &args.partials {
        match partial::read(path) {
            Ok(shard) => shards.push((crate::report::redact::display_path(path), shard)),
            Err(message) => return tool_error(message, &args.output, &args.partials),
        }
    }
    let (data, stats) = match partial::merge(&shards) {
        Ok(merged) => merged,
        Err(message) => return tool_error(message, &args.output, &args.partials),
    };
    let loaded = match args.params.as_deref().map(load_params).transpose() {
        Ok(loaded) => loaded,
        Err(message) => return tool_error(message, &args.output, &args.partials),
    };
    let options = ScalerOptions { ddof: args.ddof, relative_tolerance: args.rtol, ..ScalerOptions::default() };
    let mut report = Report::default();
    if let Some(loaded) = &loaded {
        report.findings.extend(loaded.findings.iter().cloned());
    }
    let (check, findings) =
        scaler::evaluate(loaded.as_ref().map(|loaded| (&loaded.params, &loaded.source)), data, &stats, &options);
    report.findings.extend(findings);
    report.scaler.push(check);
    list_files(&mut report, &[], loaded.as_ref());
    finish(report, &args.output, &args.partials)
}

/// Adds each data file and the scaler file, if any, to the report's `files`, so that the
/// summary counts them. Partial statistics files are the command's own output and not listed.
fn list_files(report: &mut Report, data: &[PathBuf], params: Option<&LoadedParams>) {
    let status = |path: &str, broken: bool| {
        let failed = report
            .findings
            .iter()
            .any(|finding| finding.location.path == path && finding.severity == report::Severity::Error);
        match (broken, failed) {
            (true, _) => report::Status::Error,
            (false, true) => report::Status::Fail,
            (false, false) => report::Status::Pass,
        }
    };
    let mut files = Vec::new();
    for path in data {
        let display = report::redact::display_path(path);
        let flavor = crate::discover::detect_format(path).map(crate::check::data_flavor);
        files.push(report::FileReport {
            status: status(&display, false),
            path: display,
            kind: Some("data".to_string()),
            flavor: flavor.map(str::to_string),
            schemas: Vec::new(),
            reason: None,
        });
    }
    if let Some(loaded) = params {
        let path = loaded.source.path.clone();
        files.push(report::FileReport {
            status: status(&path, loaded.broken),
            path,
            kind: Some("scaler".to_string()),
            flavor: Some("standard".to_string()),
            schemas: schema::newest("scaler", "standard").map(|schema| schema.id.to_string()).into_iter().collect(),
            reason: None,
        });
    }
    report.files.extend(files);
}

fn common(output: &ScalerOutput) -> CommonArgs {
    CommonArgs {
        format: output.format,
        output: None,
        fail_on: Some(FailOn::Error),
        color: output.color,
        verbose: false,
        exclude: Vec::new(),
        follow_links: false,
        jobs: None,
        max_depth: source::DEFAULT_MAX_DEPTH,
        max_alias_expansions: Limits::default().max_alias_expansions,
        max_file_size: Vec::new(),
        max_findings_per_file: crate::source::DEFAULT_MAX_FINDINGS,
    }
}

fn tool_error(message: String, output: &ScalerOutput, inputs: &[PathBuf]) -> ExitCode {
    let mut report = Report::default();
    report.tool_errors.push(ToolError { message, location: None, source: None, help: None });
    finish(report, output, inputs)
}

fn finish(mut report: Report, output: &ScalerOutput, inputs: &[PathBuf]) -> ExitCode {
    report.sort();
    if output.format == OutputFormat::Human {
        for check in &report.scaler {
            print!("{}", statistics_table(check));
        }
    }
    emit(&report, &common(output), inputs)
}

/// Formats the statistics of a check as a table, for human output.
fn statistics_table(check: &ScalerCheck) -> String {
    let mut out = String::new();
    let what = match &check.params {
        Some(params) => format!("{params} against {}", check.data.join(", ")),
        None => check.data.join(", "),
    };
    let sample = check
        .sample
        .as_ref()
        .map(|sample| format!(", a sample of {} rows (seed {})", sample.size, sample.seed))
        .unwrap_or_default();
    let split = match (&check.split, check.split_rows) {
        (Some(split), Some(rows)) => format!(", split: {split} ({rows} rows)"),
        _ => String::new(),
    };
    out.push_str(&format!("scaler check: {what} ({} rows, ddof {}{split}{sample})\n", check.rows, check.ddof));
    let shown = |value: Option<f64>| value.map(scaler::compare::short).unwrap_or_else(|| "-".to_string());
    let rows: Vec<[String; 8]> = check
        .columns
        .iter()
        .map(|column| {
            [
                column.name.clone(),
                column.count.to_string(),
                shown(column.mean),
                shown(column.std),
                shown(column.declared_mean),
                shown(column.declared_std),
                (column.missing + column.nan + column.non_numeric).to_string(),
                serde_json::to_value(column.status)
                    .ok()
                    .and_then(|value| value.as_str().map(str::to_string))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let header = ["column", "count", "mean", "std", "declared mean", "declared std", "skipped", "status"];
    let mut widths: Vec<usize> = header.iter().map(|title| title.len()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    out.push_str(&line(header.to_vec()));
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out.push('\n');
    out
}
