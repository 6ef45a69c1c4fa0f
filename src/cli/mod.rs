//! The command-line front end: argument definitions, output, exit codes. The only module that
//! prints.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::check::{self, CheckOptions, FileSizeLimits, SizeSetting};
use crate::discover::{Kind, WalkOptions};
use crate::report::{self, Report, Severity};
use crate::schema::user::{self, UriMap, UserSchemaOptions};
use crate::schema::{self};
use crate::source::{Limits, DEFAULT_MAX_DEPTH, DEFAULT_MAX_FINDINGS};

/// Checks machine-learning projects against versioned schemas and standards.
#[derive(Debug, Parser)]
#[command(name = "mlconform", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Walk paths, classify ML artifacts and validate each against its versioned schema.
    Check(CheckArgs),
    /// Validate JSON, YAML or front-matter files against your own JSON Schema.
    Validate(ValidateArgs),
    /// List the embedded schemas, or export them for editors.
    Schemas(SchemasArgs),
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

    #[command(flatten)]
    pub common: CommonArgs,
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

    /// Files and folders to validate.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

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

    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error, help_heading = "Output")]
    pub fail_on: FailOn,

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

    /// Maximum nesting depth of JSON and YAML documents and schemas.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_DEPTH, help_heading = "Limits")]
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

fn parse_kind(text: &str) -> Result<Kind, String> {
    text.parse::<Kind>().map_err(|_| {
        let known: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
        format!("unknown kind \"{text}\"; expected one of {}", known.join(", "))
    })
}

/// Runs the command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => {
            let mut options = check_options(&args.common, args.kind);
            options.pins = args.schema_versions.clone();
            let report = check::run_check(&args.paths, &options);
            emit(&report, &args.common, &args.paths)
        }
        Command::Validate(args) => {
            let options = check_options(&args.common, None);
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
                    let mut report = Report::default();
                    report.tool_errors.push(report::ToolError {
                        message: problem.message,
                        location: problem.location.map(|location| *location),
                        source: problem.source,
                        help: problem.help,
                    });
                    emit(&report, &args.common, &args.paths)
                }
            }
        }
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
    }
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
        pins: Vec::new(),
    }
}

/// Renders the report, writes it out, and turns it into an exit code.
fn emit(report: &Report, common: &CommonArgs, inputs: &[PathBuf]) -> ExitCode {
    let to_terminal = common.output.is_none() && std::io::stdout().is_terminal();
    let color = match common.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let rendered = match common.format {
        OutputFormat::Human => {
            report::human::render(report, report::human::Style { color, width: 100 }, common.verbose)
        }
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
    ExitCode::from(report.exit_code(common.fail_on.threshold()) as u8)
}

/// Writes the report to a temporary file beside `path` and renames it into place, so an
/// interrupted run never leaves half a report. Refuses to overwrite a file that was read.
fn write_report(path: &Path, text: &str, inputs: &[PathBuf], report: &Report) -> Result<(), String> {
    if let Ok(target) = std::fs::canonicalize(path) {
        let read = report.read_paths.iter().chain(inputs);
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
    let shown = report::redact::display_path(&temporary);

    // `create_new` never follows a symbolic link or truncates an existing file, whatever a
    // checked project left at that name.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .map_err(|error| format!("cannot create {shown}: {error}"))?;
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
