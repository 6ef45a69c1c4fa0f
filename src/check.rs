//! The pipeline of `mlconform check` and `mlconform validate`: walk, read, parse, classify,
//! validate, and collect findings into a [`Report`].
//!
//! Files are checked in parallel; each file's findings are computed independently and the
//! report is sorted at the end, so the output does not depend on the thread count. A panic
//! while checking one file is caught and becomes a tool error naming that file.

mod limits;
mod read;
mod summarise;

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value as Json;

use crate::discover::{self, Format, Kind, Verdict, WalkOptions};
use crate::report::redact::display_path;
use crate::report::{
    FileReport, Finding, Location, Related, Report, Severity, SkippedFile, SourceText, Status, ToolError,
};
use crate::schema::user::UserSchema;
use crate::schema::{self, Compiled, EmbeddedSchema, Validators};
use crate::source::{self, frontmatter, Document, Issue, IssueKind, Limits, OmittedIssues};
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
}

/// Stack size of worker threads. Schema validation recurses once per nesting level, and the
/// nesting limit keeps that recursion bounded; this leaves ample room for it.
const WORKER_STACK_SIZE: usize = 256 * 1024 * 1024;

/// What checking one file produced.
#[derive(Default)]
struct FileOutcome {
    file: Option<FileReport>,
    skipped: Option<SkippedFile>,
    findings: Vec<Finding>,
    tool_errors: Vec<ToolError>,
    /// Parser issues counted but not kept, by severity.
    omitted: summarise::Counts,
}

/// Runs `mlconform check` over `paths`.
pub fn run_check(paths: &[PathBuf], options: &CheckOptions) -> Report {
    let validators = Validators::default();
    run(paths, options, |entry| check_file(&entry.path, entry.explicit, options, &validators))
}

/// Runs `mlconform validate`: every JSON, YAML or front-matter file under `paths` against one
/// user schema.
pub fn run_validate(paths: &[PathBuf], schema: &UserSchema, options: &CheckOptions) -> Report {
    run(paths, options, |entry| validate_file(&entry.path, entry.explicit, schema, options))
}

fn run<F>(paths: &[PathBuf], options: &CheckOptions, check: F) -> Report
where
    F: Fn(&discover::WalkEntry) -> FileOutcome + Sync,
{
    let mut report = Report::default();
    let walk = match discover::walk(paths, &options.walk) {
        Ok(walk) => walk,
        Err(error) => {
            report.tool_errors.push(ToolError { message: error.to_string(), location: None, source: None, help: None });
            return report;
        }
    };
    for skipped in walk.skipped {
        report.skipped.push(SkippedFile { path: display_path(&skipped.path), reason: skipped.reason });
    }
    for problem in walk.problems {
        let path = display_path(&problem.path);
        report.findings.push(Finding::new("read-error", Severity::Error, problem.message, Location::file(&path)));
    }

    let check_one = |entry: &discover::WalkEntry| -> FileOutcome {
        match panic::catch_unwind(AssertUnwindSafe(|| check(entry))) {
            Ok(outcome) => outcome,
            Err(payload) => {
                let detail = payload
                    .downcast_ref::<&str>()
                    .map(|text| text.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_string());
                let message = format!("internal error while checking {}: {detail}", display_path(&entry.path));
                FileOutcome {
                    tool_errors: vec![ToolError {
                        message,
                        location: None,
                        source: None,
                        help: Some(
                            "please report this as a bug in mlconform, with the file if you can share it".to_string(),
                        ),
                    }],
                    ..FileOutcome::default()
                }
            }
        }
    };

    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(options.threads.unwrap_or(0)).stack_size(WORKER_STACK_SIZE).build();
    let outcomes: Vec<FileOutcome> = match pool {
        Ok(pool) => pool.install(|| walk.files.par_iter().map(check_one).collect()),
        Err(_) => walk.files.iter().map(check_one).collect(),
    };

    report.read_paths = walk.files.iter().map(|entry| entry.path.clone()).collect();
    for (mut outcome, entry) in outcomes.into_iter().zip(&walk.files) {
        let path = display_path(&entry.path);
        let max = options.limits.max_findings;
        report.omitted.extend(summarise::summarise(&mut outcome.findings, outcome.omitted, max, &path));
        report.files.extend(outcome.file);
        report.skipped.extend(outcome.skipped);
        report.findings.extend(outcome.findings);
        report.tool_errors.extend(outcome.tool_errors);
    }
    report.sort();
    report
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

    let format = match discover::detect_format(path) {
        Some(format) => Some(format),
        None if explicit && options.forced_kind.is_some() => None,
        None => {
            outcome.skipped =
                Some(SkippedFile { path: display, reason: "not a file type mlconform checks".to_string() });
            return outcome;
        }
    };

    let source = match read::read_source(path, &display, format, options) {
        Ok(source) => source,
        Err(finding) => {
            outcome.file = Some(FileReport {
                path: display,
                kind: None,
                flavor: None,
                schemas: Vec::new(),
                status: Status::Error,
                reason: None,
            });
            outcome.findings.push(*finding);
            return outcome;
        }
    };
    let format = format.unwrap_or_else(|| sniff_format(&source.text));
    let parsed = parse(format, &source.text, &options.limits);

    if parsed.template {
        outcome.skipped = Some(SkippedFile {
            path: display,
            reason: "a template whose front matter is a Jinja placeholder".to_string(),
        });
        return outcome;
    }

    let mut silenced = Vec::new();
    let documents_json: Vec<Json> = parsed
        .documents
        .iter()
        .map(|document| {
            document.root.as_ref().map_or(Json::Null, |root| root.to_json(&mut String::new(), &mut silenced))
        })
        .collect();

    let classification = match options.forced_kind {
        Some(kind) if explicit => Some(forced_classification(path, format, kind, &documents_json, &options.pins)),
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

    // Parser findings come first: they hold even when the file could not be classified.
    add_issue_findings(&parsed, &source, &mut outcome);

    let mut schemas_used: Vec<String> = Vec::new();
    if let Some(classification) = &classification {
        if !matches!(classification.kind, Kind::Data) {
            for (document, json) in parsed.documents.iter().zip(&documents_json) {
                // An empty document in a stream (a trailing `---`) holds no artifact; kubectl
                // and other readers skip it too.
                let Some(root) = document
                    .root
                    .as_ref()
                    .filter(|root| root.value != source::Value::Null || parsed.documents.len() == 1)
                else {
                    continue;
                };
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
                validate_document(&compiled, root, &instance, &silenced, document, &source, &id, max, &mut outcome);
            }
        }
    }

    let status = file_status(parsed.broken, &outcome.findings, outcome.omitted);
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

fn file_status(broken: bool, findings: &[Finding], omitted: summarise::Counts) -> Status {
    if broken {
        Status::Error
    } else if omitted.errors > 0 || findings.iter().any(|finding| finding.severity == Severity::Error) {
        Status::Fail
    } else {
        Status::Pass
    }
}

/// The classification for `--kind`: the classifier's flavor when it agrees on the kind, else
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

/// The instance without a top-level `$schema` key, which names the schema rather than being
/// data (a closed schema would otherwise call it unknown).
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

/// Chooses the schema version for a document: a pin in the file (`$schema` key or a
/// `yaml-language-server` modeline), then a pin for the kind and flavor from the command line,
/// then the version the content declares (`schema_version`, Croissant's `conformsTo`), then
/// the newest.
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
        if !versions.is_empty() {
            let known: Vec<&str> = versions.iter().map(|schema| schema.id.version.as_str()).collect();
            let root = document.root.as_ref();
            let span = root
                .and_then(|root| source::pointer::resolve(root, &pointer).0.node.span.into())
                .unwrap_or(document.span);
            let mut finding = Finding::new(
                "schema-version-unknown",
                Severity::Warning,
                format!("the file declares {flavor} version {declared}, which mlconform has no schema for; checked against {}", known.last().unwrap_or(&"?")),
                source.locate(span, &pointer),
            )
            .with_help(format!("mlconform knows versions {}", known.join(", ")));
            finding.source = Some(source.clone());
            finding.document = Some(document.index);
            findings.push(finding);
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
            let conforms = json.get("conformsTo").and_then(Json::as_str)?;
            let version = conforms.trim_end_matches('/').rsplit('/').next()?;
            Some((version.to_string(), "/conformsTo".to_string()))
        }
        _ => None,
    }
}

/// The schema named by a `# yaml-language-server: $schema=...` comment.
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
    let (found_all, omitted) = schema::findings_for(compiled, root, instance, silenced, max_findings);
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

fn validate_file(path: &Path, explicit: bool, schema: &UserSchema, options: &CheckOptions) -> FileOutcome {
    let display = display_path(path);
    let mut outcome = FileOutcome::default();
    let format = match discover::detect_format(path) {
        Some(format @ (Format::Json | Format::Yaml | Format::Markdown)) => Some(format),
        None if explicit => None,
        _ => {
            outcome.skipped =
                Some(SkippedFile { path: display, reason: "not a JSON, YAML or Markdown file".to_string() });
            return outcome;
        }
    };
    let source = match read::read_source(path, &display, format, options) {
        Ok(source) => source,
        Err(finding) => {
            outcome.file = Some(FileReport {
                path: display,
                kind: None,
                flavor: None,
                schemas: Vec::new(),
                status: Status::Error,
                reason: None,
            });
            outcome.findings.push(*finding);
            return outcome;
        }
    };
    let format = format.unwrap_or_else(|| sniff_format(&source.text));
    let mut parsed = parse(format, &source.text, &options.limits);
    add_issue_findings(&parsed, &source, &mut outcome);

    // A stream with no document at all still has to satisfy the schema: it holds `null`.
    if parsed.documents.is_empty() && !parsed.broken && !parsed.template {
        let root = source::Node::new(source::Value::Null, source::Span::at(0));
        parsed.documents.push(Document { index: 0, root: Some(root), span: source::Span::at(0) });
    }
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

/// A parser issue as a finding.
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

/// The stable code, severity, message and help of a parser issue.
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
            Some("quote the value to make it a string for every reader, or write it in a form both versions read alike".to_string()),
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
            Some("raise the limit with --max-depth N if the file is legitimate".to_string()),
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

        let report = run(&[dir.path().to_path_buf()], &CheckOptions::default(), |entry| {
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
