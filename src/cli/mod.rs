//! The command-line front end: argument definitions, output, exit codes. The only module that
//! prints.

mod rules;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod scaler;

use crate::check::{self, CheckOptions, FileSizeLimits, SizeSetting};
use crate::config::{self, Configs, Selector};
use crate::data::{DataOptions, ProgressFn, Thresholds};
use crate::discover::{Kind, WalkOptions};
use crate::report::waivers::Date;
use crate::report::{self, Report, Severity};
use crate::schema::user::{self, UriMap, UserSchemaOptions};
use crate::schema::{self};
use crate::source::{Limits, DEFAULT_MAX_DEPTH, DEFAULT_MAX_FINDINGS, MAX_DEPTH_CEILING};

/// Checks machine-learning projects against versioned schemas and standards.
#[derive(Debug, Parser)]
#[command(name = "mlconform", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Walk paths, classify ML artifacts, validate each against its versioned schema and
    /// apply the rule packs.
    Check(CheckArgs),
    /// Validate JSON, YAML or front-matter files against your own JSON Schema.
    Validate(ValidateArgs),
    /// List the embedded schemas, or export them for editors.
    Schemas(SchemasArgs),
    /// Write a commented mlconform.toml for the project in a folder.
    Init(InitArgs),
    /// List the rules of the rule packs with their severity, status and references.
    Rules(rules::RulesArgs),
    /// Print a rule's documentation: what it checks, why, how to fix, examples, references.
    Explain(rules::ExplainArgs),
    /// Recompute the mean and standard deviation of data columns, and compare them with a
    /// scaler's parameter file.
    Scaler(scaler::ScalerArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files and folders to check. Folders are walked, honouring .gitignore and .ignore.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Treat every file named on the command line as this kind instead of classifying it.
    #[arg(long, value_name = "KIND", value_parser = parse_kind)]
    pub kind: Option<Kind>,

    /// Check files of a kind and flavor against this schema version (repeatable), for
    /// example `model-card/mct@0.0.1`. A `$schema` key in a file still wins.
    #[arg(long = "schema-version", value_name = "KIND/FLAVOR@VERSION", value_parser = parse_pin)]
    pub schema_versions: Vec<schema::SchemaId>,

    /// Read the configuration from FILE (an mlconform.toml, or a pyproject.toml with a
    /// [tool.mlconform] table) for every file, instead of each file's nearest one.
    #[arg(long, value_name = "FILE", help_heading = "Configuration")]
    pub config: Option<PathBuf>,

    /// Print the effective configuration and where each value comes from, then exit.
    #[arg(long, help_heading = "Configuration")]
    pub show_config: bool,

    /// Report only these rules and findings: rule ids, id prefixes, rule names or finding
    /// codes, comma-separated or repeated. Replaces `select` of the configuration.
    #[arg(long, value_name = "RULES", value_delimiter = ',', value_parser = parse_selector, help_heading = "Configuration")]
    pub select: Option<Vec<Selector>>,

    /// Do not report these rules and findings (comma-separated or repeated). Added to
    /// `ignore` of the configuration.
    #[arg(long, value_name = "RULES", value_delimiter = ',', value_parser = parse_selector, help_heading = "Configuration")]
    pub ignore: Vec<Selector>,

    /// Check waiver expiry dates against this date instead of today's date (in UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, hide = true)]
    pub today: Option<Date>,
    /// Apply this rule pack (repeatable), as NAME or NAME@VERSION; `core@1` is the newest
    /// 1.x.y. Without --pack, the default packs `core` and `security` apply.
    #[arg(long = "pack", value_name = "PACK[@VERSION]", help_heading = "Rules")]
    pub packs: Vec<String>,

    /// Also apply the rule pack in the YAML file PATH (repeatable), written in the rule-pack
    /// format of docs/rule-packs.md.
    #[arg(long = "rules", value_name = "PATH", help_heading = "Rules")]
    pub rule_files: Vec<PathBuf>,

    /// Do not recompute the statistics of scaler files.
    #[arg(long, help_heading = "Data")]
    pub no_scaler: bool,

    #[command(flatten)]
    pub read: ReadArgs,

    #[command(flatten)]
    pub quality: QualityArgs,

    #[command(flatten)]
    pub common: CommonArgs,
}

/// Options for reading data files, shared by `check`, `validate` and `scaler`.
#[derive(Debug, Args, Clone, Default)]
pub struct ReadArgs {
    /// The delimiter of CSV files (one character; `tab` or `\t` for a tab), overriding `,`
    /// and a data package dialect.
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter, help_heading = "Data")]
    pub delimiter: Option<u8>,

    /// Cell values that mean "missing" in data files without a Table Schema, comma-separated
    /// (for example `?` or `NA,`). The default is only the empty cell.
    #[arg(long, value_name = "LIST", value_delimiter = ',', num_args = 1.., help_heading = "Data")]
    pub missing_values: Option<Vec<String>>,

    /// Use the Table Schema SCHEMA for the data file DATA (repeatable).
    #[arg(long, value_name = "DATA=SCHEMA", value_parser = parse_table_schema, help_heading = "Data")]
    pub table_schema: Vec<(PathBuf, PathBuf)>,
}

/// Data-quality thresholds for `check`.
#[derive(Debug, Args, Clone, Default)]
pub struct QualityArgs {
    /// The label column whose class balance is measured (default: a column named label,
    /// labels, target or class).
    #[arg(long, value_name = "NAME", help_heading = "Data")]
    pub label_column: Option<String>,

    /// Report a column whose share of missing cells is above RATIO (0 to 1).
    #[arg(long, value_name = "RATIO", value_parser = parse_ratio, help_heading = "Data")]
    pub max_missing_ratio: Option<f64>,

    /// Report a file whose share of duplicate rows is above RATIO (0 to 1).
    #[arg(long, value_name = "RATIO", value_parser = parse_ratio, help_heading = "Data")]
    pub max_duplicate_ratio: Option<f64>,

    /// Report a label column whose rarest class has fewer than RATIO times the rows of the
    /// largest (0 to 1).
    #[arg(long, value_name = "RATIO", value_parser = parse_ratio, help_heading = "Data")]
    pub min_class_ratio: Option<f64>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project folder to look at and write mlconform.toml into.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Overwrite an existing mlconform.toml.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The JSON Schema to validate against, as a JSON or YAML file.
    #[arg(long, value_name = "FILE")]
    pub schema: PathBuf,

    /// The draft for a schema without `$schema`.
    #[arg(long, value_name = "DRAFT", default_value = "2020-12")]
    pub default_draft: DraftArg,

    /// Resolve `$ref` URIs starting with PREFIX to files under DIR (repeatable). Nothing is
    /// ever fetched from the network.
    #[arg(long = "map-uri", value_name = "PREFIX=DIR")]
    pub map_uri: Vec<UriMap>,

    /// Files and folders to validate. Rows of CSV and TSV files and records of JSON Lines
    /// files are validated one by one.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub read: ReadArgs,

    #[command(flatten)]
    pub common: CommonArgs,
}

/// Options shared by `check` and `validate`.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human, help_heading = "Output")]
    pub format: OutputFormat,

    /// Write the report to FILE instead of standard output (replaced atomically).
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Lowest severity that makes the exit code 1 [default: error, or for `check` the
    /// `fail-on` of the configuration].
    #[arg(long, value_enum, help_heading = "Output")]
    pub fail_on: Option<FailOn>,

    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, help_heading = "Output")]
    pub color: ColorChoice,

    /// Say how each file was classified and why each skipped file was skipped.
    #[arg(long, short = 'v', help_heading = "Output")]
    pub verbose: bool,

    /// Skip paths matching GLOB (gitignore syntax; repeatable). Files named explicitly are
    /// still checked.
    #[arg(long, value_name = "GLOB", help_heading = "Walking")]
    pub exclude: Vec<String>,

    /// Follow symbolic links while walking (loops are detected and reported).
    #[arg(long, help_heading = "Walking")]
    pub follow_links: bool,

    /// Number of worker threads (default: one per core).
    #[arg(long, short = 'j', visible_alias = "threads", value_name = "N", help_heading = "Limits")]
    pub jobs: Option<usize>,

    /// Maximum nesting depth of JSON and YAML documents and schemas (at most 10000).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_DEPTH, help_heading = "Limits",
          value_parser = parse_depth)]
    pub max_depth: usize,

    /// Maximum number of nodes YAML aliases may copy into one file.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_alias_expansions, help_heading = "Limits")]
    pub max_alias_expansions: usize,

    /// Maximum size of a JSON, YAML or Markdown file [default: 64MiB]. SIZE is bytes or a
    /// number with K, M, G (powers of 1024) or KB, MB, GB; FORMAT= (json, yaml, markdown) sets
    /// one format only (repeatable). Data files are streamed and have no size limit.
    #[arg(long, value_name = "[FORMAT=]SIZE", help_heading = "Limits")]
    pub max_file_size: Vec<SizeSetting>,

    /// Maximum number of findings listed per file; the rest are counted in one
    /// too-many-findings finding. 0 for no limit.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_FINDINGS, help_heading = "Limits")]
    pub max_findings_per_file: usize,
}

#[derive(Debug, Args)]
pub struct SchemasArgs {
    #[command(subcommand)]
    pub action: Option<SchemasAction>,

    /// Output format of the list.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

#[derive(Debug, Subcommand)]
pub enum SchemasAction {
    /// List the embedded schemas (the default).
    List,
    /// Write every embedded schema to DIR as <kind>/<flavor>/<version>.json.
    Export {
        /// The folder to write to; created if missing.
        dir: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    /// Exit 0 whatever was found (tool errors still exit 2).
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }

    fn from_threshold(threshold: Option<Severity>) -> FailOn {
        match threshold {
            Some(Severity::Error) => FailOn::Error,
            Some(Severity::Warning) => FailOn::Warning,
            Some(Severity::Info) => FailOn::Info,
            None => FailOn::Never,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DraftArg {
    #[value(name = "4")]
    Draft4,
    #[value(name = "6")]
    Draft6,
    #[value(name = "7")]
    Draft7,
    #[value(name = "2019-09")]
    Draft201909,
    #[value(name = "2020-12")]
    Draft202012,
}

impl DraftArg {
    fn draft(self) -> jsonschema::Draft {
        match self {
            DraftArg::Draft4 => jsonschema::Draft::Draft4,
            DraftArg::Draft6 => jsonschema::Draft::Draft6,
            DraftArg::Draft7 => jsonschema::Draft::Draft7,
            DraftArg::Draft201909 => jsonschema::Draft::Draft201909,
            DraftArg::Draft202012 => jsonschema::Draft::Draft202012,
        }
    }
}

fn parse_pin(text: &str) -> Result<schema::SchemaId, String> {
    let id = schema::SchemaId::parse(text).ok_or_else(|| format!("expected KIND/FLAVOR@VERSION, found \"{text}\""))?;
    if schema::find(&id).is_none() {
        let known: Vec<String> =
            schema::versions(&id.kind, &id.flavor).iter().map(|schema| schema.id.to_string()).collect();
        return Err(if known.is_empty() {
            format!("no embedded schema for {}/{}; run `mlconform schemas` to list them", id.kind, id.flavor)
        } else {
            format!("no embedded schema {id}; available: {}", known.join(", "))
        });
    }
    Ok(id)
}

fn parse_depth(text: &str) -> Result<usize, String> {
    let depth: usize = text.parse().map_err(|_| format!("expected a whole number, found \"{text}\""))?;
    if depth == 0 || depth > MAX_DEPTH_CEILING {
        return Err(format!("{depth} is outside the allowed range 1 to {MAX_DEPTH_CEILING}"));
    }
    Ok(depth)
}

fn parse_selector(text: &str) -> Result<Selector, String> {
    Selector::parse(text.trim())
}

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("expected a date as YYYY-MM-DD, found \"{text}\""))
}

fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() && !matches!(text, "\"" | "\n" | "\r") => Ok(text.as_bytes()[0]),
        _ => Err(format!("expected one ASCII character (or `tab`), found \"{text}\"")),
    }
}

fn parse_table_schema(text: &str) -> Result<(PathBuf, PathBuf), String> {
    let (data, schema) = text.split_once('=').ok_or_else(|| format!("expected DATA=SCHEMA, found \"{text}\""))?;
    if data.is_empty() || schema.is_empty() {
        return Err(format!("expected DATA=SCHEMA with both parts non-empty, found \"{text}\""));
    }
    Ok((PathBuf::from(data), PathBuf::from(schema)))
}

fn parse_ratio(text: &str) -> Result<f64, String> {
    let ratio: f64 = text.parse().map_err(|_| format!("expected a number from 0 to 1, found \"{text}\""))?;
    if (0.0..=1.0).contains(&ratio) {
        Ok(ratio)
    } else {
        Err(format!("expected a number from 0 to 1, found {ratio}"))
    }
}

fn parse_kind(text: &str) -> Result<Kind, String> {
    text.parse::<Kind>().map_err(|_| {
        let known: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
        format!("unknown kind \"{text}\"; expected one of {}", known.join(", "))
    })
}

/// Runs the command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(mut args) => {
            let configs = match load_configs(&args) {
                Ok(configs) => configs,
                Err(report) => return emit(&report, &args.common, &args.paths),
            };
            if args.show_config {
                print!("{}", config::show::render(&configs, args.common.format == OutputFormat::Json));
                return ExitCode::SUCCESS;
            }
            let settings = configs.run_settings();
            let mut options = check_options(&args.common, args.kind);
            options.pins = settings.pins;
            options.packs = settings.packs;
            options.rule_files = settings.rule_files;
            options.config = Some(Arc::new(configs));
            options.today = args.today;
            args.common.fail_on = Some(FailOn::from_threshold(settings.fail_on));
            options.data = data_options(&args.read);
            options.data.label_column = args.quality.label_column.clone();
            options.data.thresholds = Thresholds {
                max_missing_ratio: args.quality.max_missing_ratio,
                max_duplicate_ratio: args.quality.max_duplicate_ratio,
                min_class_ratio: args.quality.min_class_ratio,
            };
            options.data.progress = progress_reporter();
            options.scaler.enabled = !args.no_scaler;
            let report = check::run_check(&args.paths, &options);
            emit(&report, &args.common, &args.paths)
        }
        Command::Validate(args) => {
            let mut options = check_options(&args.common, None);
            options.data = data_options(&args.read);
            let schema_options = UserSchemaOptions {
                default_draft: args.default_draft.draft(),
                maps: args.map_uri.clone(),
                limits: options.limits,
            };
            match user::load_user_schema(&args.schema, &schema_options) {
                Ok(schema) => {
                    let report = check::run_validate(&args.paths, &schema, &options);
                    emit(&report, &args.common, &args.paths)
                }
                Err(problem) => {
                    let mut report = match &problem.cycle {
                        Some(cycle) => check::run_loop_sites(&args.paths, cycle, &options),
                        None => Report::default(),
                    };
                    report.tool_errors.insert(
                        0,
                        report::ToolError {
                            message: problem.message,
                            location: problem.location.map(|location| *location),
                            source: problem.source,
                            help: problem.help,
                        },
                    );
                    emit(&report, &args.common, &args.paths)
                }
            }
        }
        Command::Scaler(args) => scaler::run(args),
        Command::Schemas(args) => match args.action {
            None | Some(SchemasAction::List) => {
                print!("{}", list_schemas(args.format));
                ExitCode::SUCCESS
            }
            Some(SchemasAction::Export { dir }) => match export_schemas(&dir) {
                Ok(count) => {
                    println!("wrote {count} schemas to {}", dir.display());
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: cannot export schemas to {}: {error}", dir.display());
                    ExitCode::from(2)
                }
            },
        },
        Command::Init(args) => match config::init::write(&args.path, args.force) {
            Ok(written) => {
                println!("{}", written.summary);
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::from(2)
            }
        },
        Command::Rules(args) => rules::run_rules(&args),
        Command::Explain(args) => rules::run_explain(&args),
    }
}

/// Finds the configurations of a `check` run and merges the command-line settings into them,
/// or returns a report of the configuration errors.
fn load_configs(args: &CheckArgs) -> Result<Configs, Box<Report>> {
    let command_line = config::CommandLine {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        fail_on: args.common.fail_on.map(FailOn::threshold),
        schema_versions: args.schema_versions.clone(),
        exclude: args.common.exclude.clone(),
        packs: args.packs.clone(),
        rule_files: args.rule_files.clone(),
    };
    Configs::load(&args.paths, args.config.as_deref(), command_line)
        .map_err(|tool_errors| Box::new(Report { tool_errors, ..Report::default() }))
}

fn check_options(common: &CommonArgs, kind: Option<Kind>) -> CheckOptions {
    CheckOptions {
        walk: WalkOptions { excludes: common.exclude.clone(), follow_links: common.follow_links },
        forced_kind: kind,
        limits: Limits {
            max_depth: common.max_depth,
            max_alias_expansions: common.max_alias_expansions,
            max_findings: common.max_findings_per_file,
        },
        threads: common.jobs,
        max_file_size: FileSizeLimits::from_settings(&common.max_file_size),
        ..CheckOptions::default()
    }
}

/// Builds the data options that `--delimiter`, `--missing-values` and `--table-schema` set.
fn data_options(read: &ReadArgs) -> DataOptions {
    DataOptions {
        delimiter: read.delimiter,
        table_schemas: read.table_schema.clone(),
        missing_values: read.missing_values.clone(),
        ..DataOptions::default()
    }
}

/// Returns a reporter that draws a progress line for large data files on standard error,
/// when it is a terminal.
fn progress_reporter() -> Option<Arc<ProgressFn>> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    Some(Arc::new(|path: &str, done: u64, total: u64| {
        let percent = done.saturating_mul(100).checked_div(total).unwrap_or(100);
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2Kreading {path}: {percent}%");
        if done >= total {
            let _ = write!(stderr, "\r\x1b[2K");
        }
        let _ = stderr.flush();
    }))
}

/// Renders the report, writes it out, and turns it into an exit code.
pub(crate) fn emit(report: &Report, common: &CommonArgs, inputs: &[PathBuf]) -> ExitCode {
    let to_terminal = common.output.is_none() && std::io::stdout().is_terminal();
    let color = match common.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let rendered = match common.format {
        OutputFormat::Human => report::human::render(
            report,
            report::human::Style { color, width: report_width(to_terminal) },
            common.verbose,
        ),
        OutputFormat::Json => report::json::render(report),
    };

    match &common.output {
        Some(path) => {
            if let Err(message) = write_report(path, &rendered, inputs, report) {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(rendered.as_bytes()).and_then(|()| stdout.flush()).is_err() {
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::from(report.exit_code(common.fail_on.unwrap_or(FailOn::Error).threshold()) as u8)
}

/// Returns the width of the human report: `COLUMNS` when set, else the terminal's width when
/// the report goes to one, else 100. Widths below 40 are raised to 40.
fn report_width(to_terminal: bool) -> usize {
    let from_env = std::env::var("COLUMNS").ok().and_then(|columns| columns.trim().parse::<usize>().ok());
    let from_terminal = || {
        to_terminal
            .then(terminal_size::terminal_size)
            .flatten()
            .map(|(terminal_size::Width(width), _)| usize::from(width))
    };
    from_env.or_else(from_terminal).unwrap_or(100).max(40)
}

/// Writes the report to a temporary file beside `path` and renames it into place, so an
/// interrupted run never leaves half a report. Refuses to overwrite a file that was checked.
fn write_report(path: &Path, text: &str, inputs: &[PathBuf], report: &Report) -> Result<(), String> {
    if let Ok(target) = std::fs::canonicalize(path) {
        let read = report.checked_paths.iter().chain(inputs);
        for input in read {
            if std::fs::canonicalize(input).is_ok_and(|input| input == target) {
                return Err(format!(
                    "refusing to write the report over {}, which is one of the checked files",
                    report::redact::display_path(path)
                ));
            }
        }
    }
    let folder = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_else(|| "report".to_string());
    let temporary = folder.join(format!(".{name}.{}.tmp", std::process::id()));
    if !folder.is_dir() {
        return Err(format!(
            "cannot write the report to {}: the folder {} does not exist",
            path.display(),
            folder.display()
        ));
    }
    let shown = report::redact::display_path(&temporary);

    // `create_new` never follows a symbolic link or truncates an existing file, whatever a
    // checked project left at that name.
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).open(&temporary).map_err(|error| {
            format!("cannot write the report to {}: cannot create {shown}: {error}", path.display())
        })?;
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all());
    drop(file);
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(format!("cannot write {shown}: {error}"));
    }
    std::fs::rename(&temporary, path).map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        format!("cannot move the report into {}: {error}", report::redact::display_path(path))
    })
}

fn list_schemas(format: OutputFormat) -> String {
    match format {
        OutputFormat::Json => {
            let list: Vec<serde_json::Value> = schema::embedded()
                .iter()
                .map(|schema| {
                    let newest =
                        schema::newest(&schema.id.kind, &schema.id.flavor).is_some_and(|newest| newest.id == schema.id);
                    serde_json::json!({
                        "id": schema.id.to_string(),
                        "kind": schema.id.kind,
                        "flavor": schema.id.flavor,
                        "version": schema.id.version,
                        "uri": schema.id.uri(),
                        "default": newest,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&list).expect("the list serializes") + "\n"
        }
        OutputFormat::Human => {
            let mut out = String::from("SCHEMA                                      DEFAULT  $id\n");
            for schema in schema::embedded() {
                let newest =
                    schema::newest(&schema.id.kind, &schema.id.flavor).is_some_and(|newest| newest.id == schema.id);
                out.push_str(&format!(
                    "{:<43} {:<8} {}\n",
                    schema.id.to_string(),
                    if newest { "yes" } else { "" },
                    schema.id.uri()
                ));
            }
            out
        }
    }
}

fn export_schemas(dir: &Path) -> std::io::Result<usize> {
    let mut count = 0;
    for schema in schema::embedded() {
        let folder = dir.join(&schema.id.kind).join(&schema.id.flavor);
        std::fs::create_dir_all(&folder)?;
        std::fs::write(folder.join(format!("{}.json", schema.id.version)), schema.text)?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
