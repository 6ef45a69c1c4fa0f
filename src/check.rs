//! The pipeline of `mlconform check` and `mlconform validate`: walk, read, parse, classify,
//! validate, and collect findings into a [`Report`].
//!
//! Files are checked in parallel, each independently of the others. The report is sorted at
//! the end, so the output does not depend on the thread count. A panic
//! while checking one file is caught and becomes a tool error naming that file.

mod limits;
mod read;
mod summarise;

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value as Json;

mod data_files;

use crate::data::findings::{column_pointer, located};
use crate::data::{DataMeasures, DataOptions};
use crate::discover::{self, Format, Kind, Verdict, WalkOptions};
use crate::report::redact::display_path;
use crate::report::waivers::{self, Date};
use crate::report::{
    FileReport, Finding, Location, Related, Report, Severity, SkippedFile, SourceText, Status, ToolError,
};
use crate::rules::{self, RuleSet};
use crate::schema::refs::RefCycle;
use crate::schema::user::UserSchema;
use crate::schema::{self, Compiled, EmbeddedSchema, Validators};
use crate::source::{self, frontmatter, Document, Issue, IssueKind, Limits, OmittedIssues};
pub use data_files::data_flavor;
pub use limits::{parse_size, FileSizeLimits, SizeSetting, DEFAULT_MAX_FILE_SIZE};
pub use summarise::TOO_MANY_FINDINGS;

/// Settings shared by `check` and `validate`.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub walk: WalkOptions,
    /// `--kind`: the kind of every file named, instead of classifying.
    pub forced_kind: Option<Kind>,
    pub limits: Limits,
    /// Worker threads; `None` for one per core.
    pub threads: Option<usize>,
    /// Files larger than their format's limit are not read, and a finding reports them.
    pub max_file_size: FileSizeLimits,
    /// Schema versions chosen per kind and flavor, overriding the version a file declares
    /// (but not a `$schema` pin inside the file).
    pub pins: Vec<schema::SchemaId>,
    /// Rule packs to run, as `NAME` or `NAME@VERSION`; empty for the default `core` and
    /// `security`.
    pub packs: Vec<String>,
    /// Rule-pack files to load besides the packs.
    pub rule_files: Vec<PathBuf>,
    /// The project configuration of each file (`mlconform.toml`); `None` to check without one.
    pub config: Option<Arc<crate::config::Configs>>,
    /// The date waivers expire against; `None` for today's date in UTC.
    pub today: Option<Date>,
    /// Settings of the data checks.
    pub data: DataOptions,
    /// Settings of the scaler check.
    pub scaler: crate::scaler::ScalerOptions,
}

/// Stack size of worker threads. Schema validation recurses once per nesting level, and the
/// nesting limit keeps that recursion bounded; this leaves ample room for it.
const WORKER_STACK_SIZE: usize = 256 * 1024 * 1024;

/// The results of checking one file.
#[derive(Default)]
struct FileOutcome {
    file: Option<FileReport>,
    skipped: Option<SkippedFile>,
    findings: Vec<Finding>,
    tool_errors: Vec<ToolError>,
    waiver_comments: Vec<waivers::Comment>,
    /// The classified file with its parsed content, for the rules.
    artifact: Option<rules::Artifact>,
    /// Quality measures of a data file.
    measures: Option<DataMeasures>,
    /// Row hashes of a data file that may be half of a train/test pair.
    row_hashes: Option<std::collections::HashSet<u64>>,
    /// Scaler checks run for a scaler file.
    scaler: Vec<crate::scaler::ScalerCheck>,
    /// Parser issues counted but not kept, by severity.
    omitted: summarise::Counts,
}

impl FileOutcome {
    /// Ends the outcome of a file that could not be read, with `finding` giving the reason.
    fn unreadable(mut self, path: String, finding: Finding) -> FileOutcome {
        self.file = Some(FileReport {
            path,
            kind: None,
            flavor: None,
            schemas: Vec::new(),
            status: Status::Error,
            reason: None,
        });
        self.findings.push(finding);
        self
    }
}

/// Runs `mlconform check` over `paths`: schemas per file, then the selected rule packs over
/// the whole project. A rule pack that does not load is a tool error, and nothing is checked.
pub fn run_check(paths: &[PathBuf], options: &CheckOptions) -> Report {
    let rule_set = match rules::load_rule_set(&options.packs, &options.rule_files, &options.limits) {
        Ok(rule_set) => rule_set,
        Err(errors) => {
            let mut report = Report::default();
            report.tool_errors.extend(errors.into_iter().map(rules::PackError::into_tool_error));
            return report;
        }
    };
    let validators = Validators::default();
    run(paths, options, Some(&rule_set), |entry| check_file(&entry.path, entry.explicit, options, &validators))
}

/// Runs `mlconform validate`: every JSON, YAML or front-matter file under `paths` against one
/// user schema.
pub fn run_validate(paths: &[PathBuf], schema: &UserSchema, options: &CheckOptions) -> Report {
    run(paths, options, None, |entry| validate_file(&entry.path, entry.explicit, schema, options))
}

/// Runs `validate` with a schema that has a `$ref` cycle, which no file can be validated
/// against. Each JSON, YAML or Markdown file that reaches the cycle gets a tool error at the
/// value where validation would have looped, so that the user sees which data trips it.
pub fn run_loop_sites(paths: &[PathBuf], cycle: &RefCycle, options: &CheckOptions) -> Report {
    run(paths, options, None, |entry| locate_loop(&entry.path, entry.explicit, cycle, options))
}

fn locate_loop(path: &Path, explicit: bool, cycle: &RefCycle, options: &CheckOptions) -> FileOutcome {
    let Instance { source, parsed, mut outcome, .. } = match open_instance(path, explicit, &cycle.files, options) {
        Opened::Instance(instance) => *instance,
        // Records are not walked: the tool error on the schema states that nothing was validated.
        Opened::Data(_) => return FileOutcome::default(),
        Opened::Done(outcome) => return *outcome,
    };
    let at = &cycle.location;
    for root in parsed.documents.iter().filter_map(|document| document.root.as_ref()) {
        if let Some(site) = cycle.reach.loop_site(root) {
            outcome.tool_errors.push(ToolError {
                message: format!(
                    "validation would never end at this value: \"$ref\": \"{}\" ({}:{}:{}) applies to it again and again",
                    cycle.written, at.path, at.line, at.column
                ),
                location: Some(source.locate(site.span, &site.pointer)),
                source: Some(source.clone()),
                help: Some("no file was validated. Break the $ref cycle in the schema, then run again".to_string()),
            });
        }
    }
    outcome
}

fn run<F>(paths: &[PathBuf], options: &CheckOptions, rule_set: Option<&RuleSet>, check: F) -> Report
where
    F: Fn(&discover::WalkEntry) -> FileOutcome + Sync,
{
    let mut report = Report::default();
    let mut walk = match discover::walk(paths, &options.walk) {
        Ok(walk) => walk,
        Err(error) => {
            report.tool_errors.push(ToolError { message: error.to_string(), location: None, source: None, help: None });
            return report;
        }
    };
    if let Some(config) = &options.config {
        config.exclude_walked(&mut walk);
    }
    for skipped in walk.skipped {
        let path = display_path(&skipped.path);
        if paths.contains(&skipped.path) {
            report.findings.push(not_checked(&path, &skipped.reason, false));
        }
        report.skipped.push(SkippedFile { path, reason: skipped.reason });
    }
    for problem in walk.problems {
        let path = display_path(&problem.path);
        report.findings.push(Finding::new("read-error", Severity::Error, problem.message, Location::file(&path)));
    }

    let check_one = |entry: &discover::WalkEntry| -> FileOutcome {
        match panic::catch_unwind(AssertUnwindSafe(|| {
            injected_panic("check", &entry.path);
            check(entry)
        })) {
            Ok(mut outcome) => {
                // A file the user named is expected to be checked: skipping it is worth a warning,
                // not only a line under --verbose.
                if let Some(skipped) = outcome.skipped.as_ref().filter(|_| entry.explicit) {
                    let finding = not_checked(&skipped.path, &skipped.reason, skipped.reason != EMPTY_FILE);
                    outcome.findings.push(finding);
                }
                outcome
            }
            Err(payload) => {
                let doing = format!("checking {}", display_path(&entry.path));
                FileOutcome { tool_errors: vec![ToolError::internal(&doing, &*payload)], ..FileOutcome::default() }
            }
        }
    };

    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(options.threads.unwrap_or(0)).stack_size(WORKER_STACK_SIZE).build();
    let outcomes: Vec<FileOutcome> = match &pool {
        Ok(pool) => pool.install(|| walk.files.par_iter().map(check_one).collect()),
        Err(_) => walk.files.iter().map(check_one).collect(),
    };

    let mut waiver_comments = Vec::new();
    let mut project = rules::Project::new(project_roots(paths));
    let mut row_hashes = Vec::new();
    for (mut outcome, entry) in outcomes.into_iter().zip(&walk.files) {
        let path = display_path(&entry.path);
        // The report may overwrite a file that was read only to find it is no ML artifact,
        // such as the previous run's JSON report. It never overwrites a checked or named file.
        if outcome.skipped.is_none() || entry.explicit {
            report.checked_paths.push(entry.path.clone());
        }
        let max = options.limits.max_findings;
        report.omitted.extend(summarise::summarise(&mut outcome.findings, outcome.omitted, max, &path));
        report.files.extend(outcome.file);
        report.skipped.extend(outcome.skipped);
        report.findings.extend(outcome.findings);
        report.tool_errors.extend(outcome.tool_errors);
        waiver_comments.extend(outcome.waiver_comments);
        project.artifacts.extend(outcome.artifact);
        if let (Some(measures), Some(hashes)) = (&outcome.measures, outcome.row_hashes) {
            row_hashes.push((measures.path.clone(), hashes));
        }
        report.data.extend(outcome.measures);
        report.scaler.extend(outcome.scaler);
    }
    data_files::link_overlaps(&mut report, &row_hashes);
    for measures in &report.data {
        let flavor = report.files.iter().find(|file| file.path == measures.path).and_then(|file| file.flavor.clone());
        project.artifacts.push(data_artifact(measures, flavor));
    }

    // Rules run once every file is parsed, so that a rule on one file can see the others.
    if let Some(rule_set) = rule_set.filter(|rule_set| !rule_set.rules.is_empty()) {
        let (findings, errors) = match &pool {
            Ok(pool) => pool.install(|| rules::evaluate(rule_set, &project)),
            Err(_) => rules::evaluate(rule_set, &project),
        };
        report.findings.extend(findings);
        report.tool_errors.extend(errors);
    }
    if let Some(rule_set) = rule_set {
        report.rule_packs = rule_set.packs.clone();
    }
    let today = options.today.unwrap_or_else(Date::today);
    crate::config::apply(&mut report, options.config.as_deref(), waiver_comments, today);
    report.sort();
    report
}

/// Returns the project roots: each folder named, and the folder holding each file named.
/// Reports that a file named on the command line was skipped, and why: a user who names a
/// file expects it to be checked.
/// `unrecognised` adds the help that fits a file whose kind could not be determined.
fn not_checked(path: &str, reason: &str, unrecognised: bool) -> Finding {
    let message = format!("file was not checked: {reason}");
    let finding = Finding::new("not-checked", Severity::Warning, message, Location::file(path));
    if unrecognised {
        finding.with_help("name a file mlconform recognises, or use --kind KIND to choose how to check it")
    } else {
        finding
    }
}

/// The reason given for skipping a file that contains only white space.
const EMPTY_FILE: &str = "empty file";

/// The variable that makes a debug build panic on purpose, so that tests can show that a panic
/// in the work on one file is caught. Its value is `STAGE:FILE NAME`, where the stage is
/// `check` (reading, parsing, validating) or `rules`. Release builds ignore it.
pub const INJECT_PANIC_VARIABLE: &str = "MLCONFORM_DEBUG_INJECT_PANIC";

/// Panics when a debug build is asked to by [`INJECT_PANIC_VARIABLE`] for `stage` and a file
/// named like `path`'s last component.
pub(crate) fn injected_panic(stage: &str, path: &Path) {
    if !cfg!(debug_assertions) {
        return;
    }
    let Ok(wanted) = std::env::var(INJECT_PANIC_VARIABLE) else { return };
    let name = path.file_name().map(|name| name.to_string_lossy());
    if wanted.split_once(':').is_some_and(|(at, file)| at == stage && name.as_deref() == Some(file)) {
        panic!("panic injected by {INJECT_PANIC_VARIABLE}");
    }
}

fn project_roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .map(|path| if path.is_dir() { path.clone() } else { path.parent().map(Path::to_path_buf).unwrap_or_default() })
        .collect()
}

/// Builds the artifact rules see for a data file: its quality summary as one document. The
/// summary has no place in the file, so its findings point at a column's header cell or at
/// the file's start (see [`rules::SummaryPlaces`]).
fn data_artifact(measures: &crate::data::DataMeasures, flavor: Option<String>) -> rules::Artifact {
    let json = serde_json::to_value(measures).unwrap_or(Json::Null);
    let root = node_at_start(&json);
    let format = match measures.format {
        "tsv" => Format::Tsv,
        "jsonl" => Format::JsonLines,
        "json" => Format::Json,
        _ => Format::Csv,
    };
    rules::Artifact {
        path: measures.path.clone(),
        kind: Kind::Data,
        flavor: flavor.unwrap_or_else(|| measures.format.to_string()),
        format,
        documents: vec![rules::ArtifactDocument { index: 0, json, root: Some(root), span: source::Span::at(0) }],
        markdown: None,
        source: SourceText::new(measures.path.clone(), String::new()),
        broken: false,
        summary: Some(rules::SummaryPlaces {
            columns: measures
                .header_cells
                .iter()
                .map(|(name, at)| (name.clone(), located(&measures.path, *at, *at, &column_pointer(name))))
                .collect(),
        }),
    }
}

/// Builds a node tree for a value that has no source text, every node at offset 0.
fn node_at_start(json: &Json) -> source::Node {
    let at = source::Span::at(0);
    let value = match json {
        Json::Null => source::Value::Null,
        Json::Bool(flag) => source::Value::Bool(*flag),
        Json::Number(number) => source::Value::Number(number.to_string()),
        Json::String(text) => source::Value::String(text.clone()),
        Json::Array(items) => source::Value::Sequence(items.iter().map(node_at_start).collect()),
        Json::Object(map) => source::Value::Mapping(
            map.iter()
                .map(|(key, value)| source::Entry { key: key.clone(), key_span: at, value: node_at_start(value) })
                .collect(),
        ),
    };
    source::Node::new(value, at)
}

/// Builds the artifact the rules see: the file's documents as data and as trees, and for a
/// Markdown card where its body starts.
fn artifact_of(
    path: &str,
    classification: &discover::Classification,
    format: Format,
    source: &Arc<SourceText>,
    documents: Vec<Document>,
    documents_json: Vec<Json>,
    broken: bool,
) -> rules::Artifact {
    let markdown = match format {
        Format::Markdown => frontmatter::split(&source.text)
            .map(|front| rules::MarkdownBody::new(front.open, front.body_start))
            .or_else(|| Some(rules::MarkdownBody::new(source::Span::at(0), 0))),
        _ => None,
    };
    let documents = documents
        .into_iter()
        .zip(documents_json)
        .map(|(document, json)| rules::ArtifactDocument {
            index: document.index,
            json,
            root: document.root,
            span: document.span,
        })
        .collect();
    rules::Artifact {
        path: path.to_string(),
        kind: classification.kind,
        flavor: classification.flavor.to_string(),
        format,
        documents,
        markdown,
        source: source.clone(),
        broken,
        summary: None,
    }
}

/// A parsed file: its documents and the parser's issues.
struct ParsedFile {
    documents: Vec<Document>,
    issues: Vec<Issue>,
    omitted: Vec<OmittedIssues>,
    broken: bool,
    /// The Markdown file is a Jinja template, not a card.
    template: bool,
}

fn parse(format: Format, text: &str, limits: &Limits) -> ParsedFile {
    let parsed = match format {
        Format::Json => source::json::parse(text, limits),
        Format::Yaml => source::yaml::parse(text, limits),
        Format::Markdown => match frontmatter::parse(text, limits).0 {
            frontmatter::Metadata::Absent => source::Parsed::default(),
            frontmatter::Metadata::Template => {
                return ParsedFile {
                    documents: Vec::new(),
                    issues: Vec::new(),
                    omitted: Vec::new(),
                    broken: false,
                    template: true,
                }
            }
            frontmatter::Metadata::Parsed(parsed) => parsed,
        },
        Format::Csv | Format::Tsv | Format::JsonLines => source::Parsed::default(),
    };
    let broken = parsed.is_broken();
    ParsedFile { documents: parsed.documents, issues: parsed.issues, omitted: parsed.omitted, broken, template: false }
}

/// Guesses the format of a file named on the command line with a name mlconform does not know.
fn sniff_format(text: &str) -> Format {
    let start = text.trim_start();
    if start.starts_with('{') || start.starts_with('[') {
        Format::Json
    } else if start.starts_with("---")
        && text.contains("\n---")
        && text.lines().skip(1).any(|line| line.starts_with('#'))
    {
        Format::Markdown
    } else {
        Format::Yaml
    }
}

fn check_file(path: &Path, explicit: bool, options: &CheckOptions, validators: &Validators) -> FileOutcome {
    let display = display_path(path);
    let mut outcome = FileOutcome::default();
    let configured_kind = options.config.as_ref().and_then(|config| config.kind_override(path));

    let format = match discover::detect_format(path) {
        Some(format) => Some(format),
        None if (explicit && options.forced_kind.is_some()) || configured_kind.is_some() => None,
        None => {
            outcome.skipped =
                Some(SkippedFile { path: display, reason: "not a file type mlconform checks".to_string() });
            return outcome;
        }
    };

    let forced_data = explicit && options.forced_kind == Some(Kind::Data);
    let other_kind_forced = explicit && options.forced_kind.is_some_and(|kind| kind != Kind::Data);
    match format {
        Some(format @ (Format::Csv | Format::Tsv | Format::JsonLines)) if !other_kind_forced => {
            return data_files::check_data(path, format, options, "data file by its extension".to_string());
        }
        Some(Format::Json) if !other_kind_forced && (forced_data || data_files::is_large_json_array(path, options)) => {
            return data_files::check_data(path, Format::Json, options, "JSON array of records".to_string());
        }
        _ => {}
    }

    let source = match read::read_source(path, &display, format, options) {
        Ok(source) => source,
        Err(finding) => return outcome.unreadable(display, *finding),
    };
    let format = format.unwrap_or_else(|| sniff_format(&source.text));
    if source.text.trim().is_empty() && options.forced_kind.is_none() {
        outcome.skipped = Some(SkippedFile { path: display, reason: EMPTY_FILE.to_string() });
        return outcome;
    }
    let mut parsed = parse(format, &source.text, &options.limits);
    // A file whose kind the user set is checked as that kind even when it has no content.
    let forced = (options.forced_kind.is_some() && explicit) || configured_kind.is_some();
    let empty_note = if forced { add_null_document(&mut parsed, format) } else { None };

    if parsed.template {
        outcome.skipped = Some(SkippedFile {
            path: display,
            reason: "a template whose front matter is a Jinja placeholder".to_string(),
        });
        return outcome;
    }

    // Each document keeps the pointers whose schema findings are dropped because another
    // finding already covers them (a non-finite number, a removed Kubernetes API).
    let mut silenced: Vec<Vec<String>> = vec![Vec::new(); parsed.documents.len()];
    let documents_json: Vec<Json> = parsed
        .documents
        .iter()
        .zip(silenced.iter_mut())
        .map(|(document, silenced)| {
            document.root.as_ref().map_or(Json::Null, |root| root.to_json(&mut String::new(), silenced))
        })
        .collect();

    let classification = match (options.forced_kind, &configured_kind) {
        (Some(kind), _) if explicit => Some(forced_classification(path, format, kind, &documents_json, &options.pins)),
        (_, Some(forced)) => Some(configured_classification(path, format, forced, &documents_json, &options.pins)),
        _ => match discover::classify(path, format, &documents_json) {
            Verdict::Artifact(classification) => Some(classification),
            Verdict::Skip { reason } => {
                if parsed.broken {
                    None
                } else {
                    outcome.skipped = Some(SkippedFile { path: display, reason });
                    return outcome;
                }
            }
        },
    };

    outcome.waiver_comments = waivers::scan(&source, format, &parsed.documents);

    // Parser findings come first: they hold even when the file could not be classified.
    add_issue_findings(&parsed, &source, &mut outcome);

    if classification.as_ref().is_some_and(|c| c.kind == Kind::Data) && !parsed.broken {
        let reason = classification.map(|c| c.reason).unwrap_or_default();
        return data_files::check_data(path, Format::Json, options, reason);
    }

    let first_schema_finding = outcome.findings.len();
    let mut schemas_used: Vec<String> = Vec::new();
    if let Some(classification) = &classification {
        if !matches!(classification.kind, Kind::Data) {
            for ((document, json), silenced) in parsed.documents.iter().zip(&documents_json).zip(&mut silenced) {
                // An empty document in a stream (a trailing `---`) contains no artifact, and kubectl
                // and other readers skip it too.
                let Some(root) = document
                    .root
                    .as_ref()
                    .filter(|root| root.value != source::Value::Null || parsed.documents.len() == 1)
                else {
                    continue;
                };
                if classification.kind == Kind::DeploymentManifest {
                    if let Some(finding) = removed_api_finding(root, json, document, &source) {
                        silenced.push("/apiVersion".to_string());
                        outcome.findings.push(finding);
                    }
                }
                let flavor = match classification.kind {
                    Kind::DeploymentManifest => {
                        discover::document_flavor(classification.kind, json).unwrap_or(classification.flavor)
                    }
                    _ => classification.flavor,
                };
                let selection = select_schema(
                    classification.kind.as_str(),
                    flavor,
                    json,
                    &source,
                    document,
                    &options.pins,
                    &mut outcome.findings,
                );
                let Some(embedded) = selection else { continue };
                let compiled = match validators.get(embedded) {
                    Ok(compiled) => compiled,
                    Err(message) => {
                        outcome.tool_errors.push(ToolError { message, location: None, source: None, help: None });
                        continue;
                    }
                };
                let id = embedded.id.to_string();
                if !schemas_used.contains(&id) {
                    schemas_used.push(id.clone());
                }
                let instance = without_schema_key(json);
                let max = options.limits.max_findings;
                validate_document(&compiled, root, &instance, silenced, document, &source, &id, max, &mut outcome);
            }
        }
    }
    if let Some(note) = empty_note {
        for finding in &mut outcome.findings[first_schema_finding..] {
            finding.note = Some(note.to_string());
        }
    }

    if classification.as_ref().is_some_and(|c| c.kind == Kind::Scaler) && !parsed.broken && options.scaler.enabled {
        if let Some(root) = parsed.documents.first().and_then(|document| document.root.as_ref()) {
            let checks = data_files::check_scaler_file(path, root, &source, options);
            outcome.findings.extend(checks.findings);
            outcome.scaler.extend(checks.checks);
        }
    }

    let status = file_status(parsed.broken, &outcome.findings, outcome.omitted);
    outcome.artifact = classification.as_ref().map(|classification| {
        artifact_of(&display, classification, format, &source, parsed.documents, documents_json, parsed.broken)
    });
    outcome.file = Some(FileReport {
        path: display,
        kind: classification.as_ref().map(|c| c.kind.as_str().to_string()),
        flavor: classification.as_ref().map(|c| c.flavor.to_string()),
        schemas: schemas_used,
        status,
        reason: classification.map(|c| c.reason),
    });
    outcome
}

/// Reports a Kubernetes object written against an API version that clusters no longer serve.
fn removed_api_finding(
    root: &source::Node,
    json: &Json,
    document: &Document,
    source: &Arc<SourceText>,
) -> Option<Finding> {
    let api_version = json.get("apiVersion")?.as_str()?;
    let kind = json.get("kind")?.as_str()?;
    let removal = crate::kubernetes::removal(api_version, kind)?;
    let span = root.get("apiVersion").map_or(root.span, |node| node.span);
    let message = format!("\"{api_version}\" no longer serves {kind}: Kubernetes {} removed it", removal.removed_in);
    let help = match removal.replacement {
        Some(replacement) => format!("set apiVersion to {replacement} and check the fields that changed with it"),
        None => format!("{kind} no longer exists in Kubernetes; remove the object or replace it"),
    };
    let mut finding =
        Finding::new("k8s-api-removed", Severity::Error, message, source.locate(span, "/apiVersion")).with_help(help);
    finding.document = Some(document.index);
    finding.source = Some(source.clone());
    Some(finding)
}

fn file_status(broken: bool, findings: &[Finding], omitted: summarise::Counts) -> Status {
    if broken {
        Status::Error
    } else if omitted.errors > 0 || findings.iter().any(|finding| finding.severity == Severity::Error) {
        Status::Fail
    } else {
        Status::Pass
    }
}

/// Classifies a file for `--kind`: the classifier's flavor when it agrees on the kind, else
/// the flavor of a `--schema-version` pin for the kind, else the kind's usual flavor for the
/// file's format.
fn forced_classification(
    path: &Path,
    format: Format,
    kind: Kind,
    documents: &[Json],
    pins: &[schema::SchemaId],
) -> discover::Classification {
    if let Verdict::Artifact(found) = discover::classify(path, format, documents) {
        if found.kind == kind {
            return found;
        }
    }
    if let Some(pin) = pins.iter().find(|pin| pin.kind == kind.as_str()) {
        if let Some(flavor) = kind.flavors().iter().find(|flavor| **flavor == pin.flavor) {
            return discover::Classification {
                kind,
                flavor,
                reason: format!("kind forced to {} by --kind, flavor from --schema-version {pin}", kind.as_str()),
            };
        }
    }
    let flavor = match (kind, format) {
        (Kind::ModelCard, Format::Json) => "mct",
        (Kind::ModelCard, _) => "hf",
        (Kind::DatasetCard, Format::Json) => "croissant",
        (Kind::DatasetCard, _) => "hf",
        (Kind::TrainingConfig, Format::Json) => "deepspeed",
        (Kind::TrainingConfig, _) => "hf-trainer",
        (Kind::DeploymentManifest, _) => {
            documents.iter().find_map(|document| discover::document_flavor(kind, document)).unwrap_or("k8s-workload")
        }
        (Kind::Data, Format::Tsv) => "tsv",
        (Kind::Data, Format::JsonLines) => "jsonl",
        (Kind::Data, Format::Json) => "json-records",
        (Kind::Data, _) => "csv",
        (Kind::Scaler, _) => "standard",
    };
    discover::Classification { kind, flavor, reason: format!("kind forced to {} by --kind", kind.as_str()) }
}

/// Classifies a file whose kind a `[kinds]` entry of the configuration sets: with the entry's
/// flavor when it names one, else as for `--kind`.
fn configured_classification(
    path: &Path,
    format: Format,
    forced: &crate::config::ForcedKind,
    documents: &[Json],
    pins: &[schema::SchemaId],
) -> discover::Classification {
    let mut classification = match forced.flavor {
        Some(flavor) => discover::Classification { kind: forced.kind, flavor, reason: String::new() },
        None => forced_classification(path, format, forced.kind, documents, pins),
    };
    classification.reason = forced.reason.clone();
    classification
}

/// Removes a top-level `$schema` key from the instance. The key names the schema rather than
/// being data, and a closed schema would report it as unknown.
fn without_schema_key(json: &Json) -> Json {
    match json {
        Json::Object(map) if map.get("$schema").is_some_and(Json::is_string) => {
            let mut map = map.clone();
            map.shift_remove("$schema");
            Json::Object(map)
        }
        other => other.clone(),
    }
}

/// Chooses the schema version for a document. The order is: a pin in the file (a `$schema`
/// key or a `yaml-language-server` modeline), a `--schema-version` pin for the kind and
/// flavor, the version the content declares (`schema_version`, Croissant's `conformsTo`), and
/// last the newest version.
fn select_schema(
    kind: &str,
    flavor: &str,
    json: &Json,
    source: &Arc<SourceText>,
    document: &Document,
    pins: &[schema::SchemaId],
    findings: &mut Vec<Finding>,
) -> Option<&'static EmbeddedSchema> {
    let pin = json.get("$schema").and_then(Json::as_str).map(str::to_string).or_else(|| modeline(&source.text));
    if let Some(pin) = pin {
        match schema::SchemaId::parse(&pin).and_then(|id| schema::find(&id)) {
            Some(found) if found.id.kind == kind => return Some(found),
            _ => {
                let span = document
                    .root
                    .as_ref()
                    .and_then(|root| root.entry("$schema"))
                    .map_or(document.span, |entry| entry.value.span);
                let mut finding = Finding::new(
                    "schema-pin-unknown",
                    Severity::Warning,
                    format!("\"{pin}\" is not an embedded {kind} schema; checking against the default version instead"),
                    source.locate(span, "/$schema"),
                )
                .with_help("run `mlconform schemas` to list the embedded schemas and their ids");
                finding.source = Some(source.clone());
                finding.document = Some(document.index);
                findings.push(finding);
            }
        }
    }

    if let Some(pinned) = pins.iter().find(|pin| pin.kind == kind && pin.flavor == flavor).and_then(schema::find) {
        return Some(pinned);
    }

    let versions = schema::versions(kind, flavor);
    if let Some((declared, pointer)) = declared_version(flavor, json) {
        let matching = versions
            .iter()
            .rev()
            .find(|schema| schema.id.version == declared || schema.id.version.starts_with(&format!("{declared}.")));
        if let Some(found) = matching {
            return Some(found);
        }
        if let (Some(oldest), Some(newest)) = (versions.first(), versions.last()) {
            let known: Vec<&str> = versions.iter().map(|schema| schema.id.version.as_str()).collect();
            let root = document.root.as_ref();
            let span = root
                .and_then(|root| source::pointer::resolve(root, &pointer).0.node.span.into())
                .unwrap_or(document.span);
            // A version older than every schema would fail on each renamed term; one finding that
            // names the version says more than dozens of schema errors.
            let too_old = schema::compare_versions(&declared, &oldest.id.version) == std::cmp::Ordering::Less;
            let (code, severity, message) = if too_old {
                (
                    "schema-version-unsupported",
                    Severity::Error,
                    format!("{flavor} version {declared} is older than every version mlconform checks; the document was not validated"),
                )
            } else {
                (
                    "schema-version-unknown",
                    Severity::Warning,
                    format!("the file declares {flavor} version {declared}, which mlconform has no schema for; checked against {}", newest.id.version),
                )
            };
            let mut finding = Finding::new(code, severity, message, source.locate(span, &pointer))
                .with_help(format!("mlconform knows versions {}; migrate the file to one of them", known.join(", ")));
            finding.source = Some(source.clone());
            finding.document = Some(document.index);
            findings.push(finding);
            if too_old {
                return None;
            }
        }
    }
    versions.last().copied()
}

/// The version a document declares for its own format, with the pointer of the declaration.
fn declared_version(flavor: &str, json: &Json) -> Option<(String, String)> {
    match flavor {
        "mct" => json
            .get("schema_version")
            .and_then(Json::as_str)
            .map(|version| (version.to_string(), "/schema_version".to_string())),
        "croissant" => {
            if let Some(conforms) = json.get("conformsTo").and_then(Json::as_str) {
                let version = conforms.trim_end_matches('/').rsplit('/').next()?;
                return Some((version.to_string(), "/conformsTo".to_string()));
            }
            // Croissant 0.8 had no `conformsTo` and bound its `ml` prefix to this vocabulary.
            let context = json.get("@context")?;
            let old_vocabulary = context.to_string().contains("mlcommons.org/schema/");
            old_vocabulary.then(|| ("0.8".to_string(), "/@context".to_string()))
        }
        _ => None,
    }
}

/// Returns the schema named by a `# yaml-language-server: $schema=...` comment.
fn modeline(text: &str) -> Option<String> {
    text.lines().take(20).find_map(|line| {
        let rest = line.trim_start().strip_prefix('#')?.trim_start().strip_prefix("yaml-language-server:")?;
        let value = rest.trim_start().strip_prefix("$schema=")?;
        Some(value.trim().to_string())
    })
}

#[allow(clippy::too_many_arguments)]
fn validate_document(
    compiled: &Compiled,
    root: &source::Node,
    instance: &Json,
    silenced: &[String],
    document: &Document,
    source: &Arc<SourceText>,
    schema_name: &str,
    max_findings: usize,
    outcome: &mut FileOutcome,
) {
    let (found_all, omitted) = schema::findings_for_limited(compiled, root, instance, silenced, max_findings);
    outcome.omitted.add(Severity::Error, omitted);
    for found in found_all {
        let mut finding =
            Finding::new(&found.code, Severity::Error, found.message, source.locate(found.span, &found.pointer));
        finding.help = found.help;
        finding.schema = Some(schema_name.to_string());
        finding.keyword_location = Some(found.keyword_location);
        finding.document = Some(document.index);
        finding.source = Some(source.clone());
        outcome.findings.push(finding);
    }
}

/// A file `validate` was given, read and parsed, with its parser issues as findings.
struct Instance {
    display: String,
    source: Arc<SourceText>,
    parsed: ParsedFile,
    format: Format,
    outcome: FileOutcome,
}

enum Opened {
    Instance(Box<Instance>),
    /// A data file, whose records are validated one by one.
    Data(Format),
    /// A file skipped or unreadable: its outcome gives the reason.
    Done(Box<FileOutcome>),
}

/// Opens a file for `validate`. `schema_files` are the schema's own files, which a folder
/// walk may come across and which are not validated against themselves.
fn open_instance(path: &Path, explicit: bool, schema_files: &[PathBuf], options: &CheckOptions) -> Opened {
    let display = display_path(path);
    let mut outcome = FileOutcome::default();
    let is_schema_file = fs::canonicalize(path).is_ok_and(|canonical| schema_files.contains(&canonical));
    if is_schema_file && !explicit {
        outcome.skipped =
            Some(SkippedFile { path: display, reason: "the schema itself, or a file it references".to_string() });
        return Opened::Done(Box::new(outcome));
    }
    let format = match discover::detect_format(path) {
        Some(format @ (Format::Json | Format::Yaml | Format::Markdown)) => Some(format),
        Some(format @ (Format::Csv | Format::Tsv | Format::JsonLines)) => return Opened::Data(format),
        None if explicit => None,
        _ => {
            outcome.skipped =
                Some(SkippedFile { path: display, reason: "not a JSON, YAML or Markdown file".to_string() });
            return Opened::Done(Box::new(outcome));
        }
    };
    let source = match read::read_source(path, &display, format, options) {
        Ok(source) => source,
        Err(finding) => return Opened::Done(Box::new(outcome.unreadable(display, *finding))),
    };
    let format = format.unwrap_or_else(|| sniff_format(&source.text));
    let parsed = parse(format, &source.text, &options.limits);
    if format == Format::Markdown && parsed.documents.is_empty() && !parsed.broken && !explicit {
        outcome.skipped = Some(SkippedFile { path: display, reason: "Markdown without front matter".to_string() });
        return Opened::Done(Box::new(outcome));
    }
    add_issue_findings(&parsed, &source, &mut outcome);
    Opened::Instance(Box::new(Instance { display, source, parsed, format, outcome }))
}

fn validate_file(path: &Path, explicit: bool, schema: &UserSchema, options: &CheckOptions) -> FileOutcome {
    let Instance { display, source, mut parsed, format, mut outcome } =
        match open_instance(path, explicit, &schema.files, options) {
            Opened::Instance(instance) => *instance,
            Opened::Data(format) => return data_files::validate_data(path, format, schema, options),
            Opened::Done(outcome) => return *outcome,
        };

    let empty_note = add_null_document(&mut parsed, format);
    let first_new = outcome.findings.len();
    for document in &parsed.documents {
        let root = document.root.clone().unwrap_or_else(|| source::Node::new(source::Value::Null, document.span));
        let mut silenced = Vec::new();
        let json = root.to_json(&mut String::new(), &mut silenced);
        validate_document(
            &schema.compiled,
            &root,
            &json,
            &silenced,
            document,
            &source,
            &schema.display,
            options.limits.max_findings,
            &mut outcome,
        );
    }

    if let Some(note) = empty_note {
        for finding in &mut outcome.findings[first_new..] {
            finding.note = Some(note.to_string());
        }
    }

    let status = file_status(parsed.broken, &outcome.findings, outcome.omitted);
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

/// Gives a stream with no document at all one `null` document, which must still satisfy the
/// schema. Returns the note that findings on it carry.
fn add_null_document(parsed: &mut ParsedFile, format: Format) -> Option<&'static str> {
    if !parsed.documents.is_empty() || parsed.broken || parsed.template {
        return None;
    }
    let root = source::Node::new(source::Value::Null, source::Span::at(0));
    parsed.documents.push(Document { index: 0, root: Some(root), span: source::Span::at(0) });
    Some(match format {
        Format::Markdown => "the file has no front matter, so its metadata is validated as null",
        _ => "the file contains no document, so it is validated as null",
    })
}

/// Adds the parser's issues as findings, counts the issues it did not keep, and records where
/// credentials sit in the file for excerpts to mask.
fn add_issue_findings(parsed: &ParsedFile, source: &Arc<SourceText>, outcome: &mut FileOutcome) {
    let mut credentials = Vec::new();
    for root in parsed.documents.iter().filter_map(|document| document.root.as_ref()) {
        crate::report::redact::collect_credential_spans(root, &mut credentials);
    }
    let _ = source.credential_spans.set(credentials);

    for issue in &parsed.issues {
        outcome.findings.push(issue_finding(issue, source));
    }
    for omitted in &parsed.omitted {
        outcome.omitted.add(describe_issue(&omitted.sample).1, omitted.count);
    }
}

/// Turns a parser issue into a finding.
fn issue_finding(issue: &Issue, source: &Arc<SourceText>) -> Finding {
    let (code, severity, message, help) = describe_issue(&issue.kind);
    let mut finding = Finding::new(code, severity, message, source.locate(issue.span, &issue.pointer));
    finding.help = help;
    finding.document = issue.document;
    finding.source = Some(source.clone());
    if let IssueKind::DuplicateKey { first, .. } | IssueKind::DuplicateMergeKey { first } = &issue.kind {
        finding
            .related
            .push(Related { message: "first defined".to_string(), location: source.locate(*first, &issue.pointer) });
    }
    finding
}

/// Says how to write a scalar so that YAML 1.1 and 1.2 readers agree, depending on what it is
/// meant to be.
fn version_difference_help(text: &str, read_as: &str, other_reading: &str) -> String {
    let is_number = |reading: &str| reading.starts_with("the number") || reading.starts_with("the integer");
    if is_number(read_as) && other_reading.starts_with("the string") {
        // YAML 1.1 floats need a decimal point, and PyYAML also needs a signed exponent.
        if let Some((mantissa, exponent)) = text.split_once(['e', 'E']) {
            let (sign, digits) = match exponent.strip_prefix(['+', '-']) {
                Some(digits) => (&exponent[..1], digits),
                None => ("+", exponent),
            };
            let mantissa = if mantissa.contains('.') { mantissa.to_string() } else { format!("{mantissa}.0") };
            return format!("write `{mantissa}e{sign}{digits}` so that YAML 1.1 readers also read a number");
        }
        return "quote the value if it is meant as a string; otherwise write it in a form both versions read as a number"
            .to_string();
    }
    if is_number(read_as) && is_number(other_reading) {
        return "quote the value if it is a string such as a file mode; if it is a decimal number, drop the leading zero"
            .to_string();
    }
    "quote the value so that every reader reads a string".to_string()
}

/// Returns the stable code, severity, message and help of a parser issue.
pub fn describe_issue(kind: &IssueKind) -> (&'static str, Severity, String, Option<String>) {
    match kind {
        IssueKind::Syntax { message } => ("syntax-error", Severity::Error, message.clone(), None),
        IssueKind::DuplicateKey { key, .. } => (
            "duplicate-key",
            Severity::Error,
            format!("duplicate key \"{key}\""),
            Some("remove one of the two: most readers silently keep the last value, which hides the first".to_string()),
        ),
        IssueKind::YamlVersionDifference { text, read_as, other_reading, other_version } => (
            "yaml-version-difference",
            Severity::Warning,
            format!("`{text}` is {read_as} here, but a YAML {other_version} reader such as PyYAML reads {other_reading}"),
            Some(version_difference_help(text, read_as, other_reading)),
        ),
        IssueKind::DuplicateMergeKey { .. } => ("duplicate-merge-key", Severity::Error, "mapping has more than one `<<` merge key".to_string(), Some("merge several mappings with one key: `<<: [*first, *second]`".to_string())),
        IssueKind::InvalidMerge { message } => ("invalid-merge", Severity::Error, message.clone(), None),
        IssueKind::NonFinite { text } => (
            "non-finite-number",
            Severity::Error,
            format!("`{text}` is a non-finite number, which JSON and JSON Schema cannot represent"),
            Some("use a finite number, or null for a missing value".to_string()),
        ),
        IssueKind::TooDeep { limit } => (
            "nesting-too-deep",
            Severity::Error,
            format!("nesting depth exceeds the limit of {limit}"),
            Some(if *limit >= source::MAX_DEPTH_CEILING {
                format!("{limit} is the largest depth mlconform accepts; flatten the document")
            } else {
                "raise the limit with --max-depth N if the file is legitimate".to_string()
            }),
        ),
        IssueKind::TooManyAliases { limit } => (
            "alias-limit",
            Severity::Error,
            format!("YAML aliases expand to more than {limit} nodes; the file is not loaded further"),
            Some("this is how an alias bomb looks; if the file is legitimate, raise the limit with --max-alias-expansions N".to_string()),
        ),
        IssueKind::ComplexKey => ("complex-key", Severity::Error, "a mapping or sequence used as a key has no JSON equivalent".to_string(), None),
        IssueKind::UnsupportedTag { tag } => ("unsupported-tag", Severity::Warning, format!("tag `{tag}` is not resolved; the value is read as written"), None),
        IssueKind::UnclosedFrontMatter => (
            "front-matter-unclosed",
            Severity::Error,
            "front matter opened with `---` is never closed".to_string(),
            Some("add a line with `---` after the metadata".to_string()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_in_one_file_is_tool_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), "a: 1\n").unwrap();
        std::fs::write(dir.path().join("b.yaml"), "b: 1\n").unwrap();

        let report = run(&[dir.path().to_path_buf()], &CheckOptions::default(), None, |entry| {
            if entry.path.ends_with("a.yaml") {
                panic!("injected failure");
            }
            FileOutcome::default()
        });

        assert_eq!(report.tool_errors.len(), 1);
        let message = &report.tool_errors[0].message;
        assert!(message.contains("a.yaml") && message.contains("injected failure"), "{message}");
        assert_eq!(report.exit_code(Some(Severity::Error)), 2);
    }

    #[test]
    fn modeline_names_schema() {
        let text = "# yaml-language-server: $schema=training-config/deepspeed@1.0.0\nx: 1\n";
        assert_eq!(modeline(text).as_deref(), Some("training-config/deepspeed@1.0.0"));
    }
}
