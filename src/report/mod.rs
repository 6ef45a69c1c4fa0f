//! Findings and reports.
//!
//! Every check produces the same [`Finding`]; output formats only render findings, and checks
//! never print. A [`Report`] holds the findings of one run in a deterministic order: files
//! sorted by path, findings by position.

pub mod human;
pub mod json;
pub mod redact;
pub mod waivers;

use std::sync::Arc;

use serde::Serialize;

use crate::source::{LineIndex, Span};

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The text of a checked file, shared by its findings for rendering source excerpts.
#[derive(Debug)]
pub struct SourceText {
    /// The path as the user would type it.
    pub path: String,
    /// The decoded text, without a byte order mark. Spans index into it.
    pub text: String,
    pub lines: LineIndex,
    /// Spans of the values under credential keys (`api_key`, `password`), masked in source
    /// excerpts. Set once the file is parsed.
    pub credential_spans: std::sync::OnceLock<Vec<Span>>,
}

impl SourceText {
    pub fn new(path: String, text: String) -> Arc<SourceText> {
        let lines = LineIndex::new(&text);
        Arc::new(SourceText { path, text, lines, credential_spans: std::sync::OnceLock::new() })
    }

    /// Locates `span` in this file.
    pub fn locate(&self, span: Span, pointer: &str) -> Location {
        let start = self.lines.position(&self.text, span.start);
        let end = self.lines.position(&self.text, span.end.max(span.start));
        Location {
            path: self.path.clone(),
            span,
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            pointer: pointer.to_string(),
        }
    }
}

/// Where a finding is: the file, the source span, and the JSON Pointer of the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: String,
    pub span: Span,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub pointer: String,
}

impl Location {
    /// A location for a whole file, when there is no better place (an unreadable file).
    pub fn file(path: &str) -> Location {
        Location {
            path: path.to_string(),
            span: Span::default(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            pointer: String::new(),
        }
    }
}

/// Another place a finding refers to, such as the first of two duplicate keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub message: String,
    pub location: Location,
}

/// A clause a rule enforces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// The standard, regulation or paper, such as `EU AI Act, Regulation (EU) 2024/1689`.
    pub standard: String,
    /// The clause, at the precision that is certain, such as `Annex IV, point 2(d)`.
    pub clause: String,
}

/// The rule a finding comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    pub id: String,
    pub name: String,
    /// `stable`, `preview` or `deprecated`.
    pub status: String,
    pub references: Vec<Reference>,
}

#[cfg(test)]
impl RuleRef {
    /// Builds a reference to a stable rule without clauses, for tests of findings that come
    /// from a rule.
    pub(crate) fn stable(id: &str, name: &str) -> RuleRef {
        RuleRef { id: id.to_string(), name: name.to_string(), status: "stable".to_string(), references: Vec::new() }
    }
}

/// An accepted exception to a finding, as an auditor reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiver {
    pub reason: String,
    pub owner: Option<String>,
    /// The last day the waiver applies, as `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// Where the waiver is written: a comment in the file, or the config.
    pub source: String,
}

/// One problem found in one place.
#[derive(Debug, Clone)]
pub struct Finding {
    /// A stable code, such as `duplicate-key` or `schema-type`. Codes are never reused.
    pub code: String,
    pub severity: Severity,
    /// What is wrong, offending value first.
    pub message: String,
    /// Why it matters, where that is not obvious.
    pub note: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
    pub location: Location,
    /// Index of the document in a multi-document YAML stream.
    pub document: Option<usize>,
    /// The schema the finding comes from, as `kind/flavor@version` or a file path.
    pub schema: Option<String>,
    /// The failing keyword's location in the schema (a JSON Pointer).
    pub keyword_location: Option<String>,
    pub related: Vec<Related>,
    /// The rule the finding comes from; `None` for parser and schema findings.
    pub rule: Option<RuleRef>,
    /// Set when a waiver covers the finding: it stays in the report but counts for nothing.
    pub waiver: Option<Waiver>,
    /// The file's text, for source excerpts; `None` for findings without a readable source.
    pub source: Option<Arc<SourceText>>,
}

impl Finding {
    pub fn new(code: &str, severity: Severity, message: String, location: Location) -> Finding {
        Finding {
            code: code.to_string(),
            severity,
            message,
            note: None,
            help: None,
            location,
            document: None,
            schema: None,
            keyword_location: None,
            related: Vec::new(),
            rule: None,
            waiver: None,
            source: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Finding {
        self.note = Some(note.into());
        self
    }

    /// Returns whether `name` names this finding: its code, its rule's id or its rule's name.
    pub fn is_named(&self, name: &str) -> bool {
        self.code == name || self.rule.as_ref().is_some_and(|rule| rule.id == name || rule.name == name)
    }

    fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        (&self.location.path, self.location.line, self.location.column, &self.code, &self.message)
    }
}

/// Returns whether `text` has the shape of a name for findings: a rule id or id prefix in
/// upper case (`MLC001`, `EUA`), or a rule name or finding code in lower kebab case
/// (`model-card-license-missing`, `duplicate-key`).
pub fn is_finding_reference(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if first.is_ascii_uppercase() {
        text.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
    } else if first.is_ascii_lowercase() || first.is_ascii_digit() {
        text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    } else {
        false
    }
}

/// The verdict on one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Checked, with no error-severity finding.
    Pass,
    /// Checked, with at least one error-severity finding.
    Fail,
    /// Could not be read or parsed.
    Error,
}

/// A checked file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: String,
    pub kind: Option<String>,
    pub flavor: Option<String>,
    /// The schemas the file was checked against, as `kind/flavor@version` (several for a
    /// Kubernetes stream that mixes kinds).
    pub schemas: Vec<String>,
    pub status: Status,
    /// How the file was classified, for `--verbose`.
    pub reason: Option<String>,
}

/// A file the walk or the classifier passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    pub path: String,
    pub reason: String,
}

/// A problem with the run rather than with a checked file: an unreadable path named on the
/// command line, a schema that does not compile, an internal error. It makes the exit code 2.
#[derive(Debug, Clone)]
pub struct ToolError {
    pub message: String,
    /// Where the problem is, when it is in a file (a schema's broken `$ref`).
    pub location: Option<Location>,
    pub source: Option<Arc<SourceText>>,
    pub help: Option<String>,
}

impl ToolError {
    /// Reports a panic caught while `doing` something (`checking data/train.csv`), with the
    /// panic's message from `payload`.
    pub fn internal(doing: &str, payload: &(dyn std::any::Any + Send)) -> ToolError {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        ToolError {
            message: format!("internal error while {doing}: {detail}"),
            location: None,
            source: None,
            help: Some("please report this as a bug in mlconform, with the file if you can share it".to_string()),
        }
    }
}

/// Everything one run found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub files: Vec<FileReport>,
    pub skipped: Vec<SkippedFile>,
    pub findings: Vec<Finding>,
    pub tool_errors: Vec<ToolError>,
    /// The rule packs applied, as `name@version`; empty for `validate`.
    pub rule_packs: Vec<String>,
    /// Quality measures of each data file.
    pub data: Vec<crate::data::DataMeasures>,
    /// Each scaler check run.
    pub scaler: Vec<crate::scaler::ScalerCheck>,
    /// Findings counted but not listed, per file that had more than the per-file limit. Each
    /// such file also has one `too-many-findings` finding in `findings`.
    pub omitted: Vec<OmittedFindings>,
    /// The files the run checked or was given by name, as paths on disk (report paths are
    /// escaped for display and may not name the file), so that a report is never written
    /// over one of them.
    pub checked_paths: Vec<std::path::PathBuf>,
}

/// The findings of one file that were counted but not listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmittedFindings {
    pub path: String,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// Counts for the report summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files_checked: usize,
    pub files_skipped: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings covered by a waiver, of any severity.
    pub waived: usize,
    /// Findings counted in `errors`, `warnings` and `infos` but not listed, because their file
    /// had more than the per-file limit.
    pub omitted: usize,
}

impl Report {
    /// Sorts files by path and findings by path and position, so output does not depend on
    /// the order in which threads finished.
    pub fn sort(&mut self) {
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        self.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.data.sort_by(|a, b| a.path.cmp(&b.path));
        self.scaler.sort_by(|a, b| (&a.params, &a.data).cmp(&(&b.params, &b.data)));
    }

    /// Counts the findings by severity. Omitted findings count; the `too-many-findings`
    /// finding that stands for them does not, and neither do waived findings.
    pub fn summary(&self) -> Summary {
        let listed = |severity| {
            self.findings
                .iter()
                .filter(|finding| {
                    finding.waiver.is_none()
                        && finding.severity == severity
                        && finding.code != crate::check::TOO_MANY_FINDINGS
                })
                .count()
        };
        let omitted = |count: fn(&OmittedFindings) -> usize| self.omitted.iter().map(count).sum::<usize>();
        Summary {
            files_checked: self.files.len(),
            files_skipped: self.skipped.len(),
            errors: listed(Severity::Error) + omitted(|file| file.errors),
            warnings: listed(Severity::Warning) + omitted(|file| file.warnings),
            infos: listed(Severity::Info) + omitted(|file| file.infos),
            waived: self.findings.iter().filter(|finding| finding.waiver.is_some()).count(),
            omitted: omitted(|file| file.errors + file.warnings + file.infos),
        }
    }

    /// The process exit code: 2 on a tool error, 1 when a finding is at or above `fail_on`,
    /// else 0.
    pub fn exit_code(&self, fail_on: Option<Severity>) -> i32 {
        if !self.tool_errors.is_empty() {
            return 2;
        }
        let failed = fail_on.is_some_and(|threshold| {
            self.findings.iter().any(|finding| finding.waiver.is_none() && finding.severity >= threshold)
        });
        i32::from(failed)
    }
}
