//! The JSON report: a stable machine format that CI scripts parse.
//!
//! `report_version` changes only when a field is removed or changes meaning; new fields may
//! appear at any time.

use serde::Serialize;

use super::redact::clean;
use super::{Finding, Location, Report, Summary};

#[derive(Serialize)]
struct JsonReport<'a> {
    report_version: u32,
    tool: Tool,
    summary: Summary,
    files: Vec<JsonFile<'a>>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    skipped: Vec<JsonSkipped<'a>>,
    tool_errors: Vec<JsonToolError<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    rule_packs: &'a [String],
    /// Quality measures per data file.
    data: &'a [crate::data::DataMeasures],
    /// Scaler checks.
    scaler: &'a [crate::scaler::ScalerCheck],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    kind: Option<&'a str>,
    flavor: Option<&'a str>,
    /// The first schema the file was checked against.
    schema: Option<&'a str>,
    /// All schemas, for a stream whose documents use different ones.
    schemas: &'a [String],
    status: super::Status,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: super::Severity,
    message: String,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    pointer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    document: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schema: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keyword_location: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'a super::RuleRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    waived: Option<&'a super::Waiver>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    message: String,
    path: &'a str,
    line: usize,
    column: usize,
    pointer: String,
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    path: &'a str,
    reason: String,
}

#[derive(Serialize)]
struct JsonToolError<'a> {
    code: &'static str,
    severity: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pointer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
}

/// Renders `report` as pretty-printed JSON. Every text taken from a checked file passes
/// through [`clean`], which masks secrets and escapes control characters.
pub fn render(report: &Report) -> String {
    let json = JsonReport {
        report_version: 1,
        tool: Tool { name: "mlconform", version: env!("CARGO_PKG_VERSION") },
        summary: report.summary(),
        files: report
            .files
            .iter()
            .map(|file| JsonFile {
                path: &file.path,
                kind: file.kind.as_deref(),
                flavor: file.flavor.as_deref(),
                schema: file.schemas.first().map(String::as_str),
                schemas: &file.schemas,
                status: file.status,
            })
            .collect(),
        diagnostics: report.findings.iter().map(diagnostic).collect(),
        skipped: report
            .skipped
            .iter()
            .map(|skipped| JsonSkipped { path: &skipped.path, reason: clean(&skipped.reason) })
            .collect(),
        rule_packs: &report.rule_packs,
        tool_errors: report
            .tool_errors
            .iter()
            .map(|error| {
                let location = error.location.as_ref();
                JsonToolError {
                    code: "tool-error",
                    severity: "error",
                    message: clean(&error.message),
                    path: location.map(|location| location.path.as_str()),
                    line: location.map(|location| location.line),
                    column: location.map(|location| location.column),
                    end_line: location.map(|location| location.end_line),
                    end_column: location.map(|location| location.end_column),
                    pointer: location.map(|location| location.pointer.as_str()),
                    help: error.help.as_deref().map(clean),
                }
            })
            .collect(),
        data: &report.data,
        scaler: &report.scaler,
    };
    let mut out = serde_json::to_string_pretty(&json).expect("the report serializes");
    out.push('\n');
    out
}

fn diagnostic(finding: &Finding) -> JsonDiagnostic<'_> {
    let Location { path, line, column, end_line, end_column, pointer, .. } = &finding.location;
    JsonDiagnostic {
        code: &finding.code,
        severity: finding.severity,
        message: clean(&finding.message),
        path,
        line: *line,
        column: *column,
        end_line: *end_line,
        end_column: *end_column,
        pointer: clean(pointer),
        document: finding.document,
        schema: finding.schema.as_deref(),
        keyword_location: finding.keyword_location.as_deref(),
        note: finding.note.as_deref().map(clean),
        help: finding.help.as_deref().map(clean),
        related: finding
            .related
            .iter()
            .map(|related| JsonRelated {
                message: clean(&related.message),
                path: &related.location.path,
                line: related.location.line,
                column: related.location.column,
                pointer: clean(&related.location.pointer),
            })
            .collect(),
        rule: finding.rule.as_ref(),
        waived: finding.waiver.as_ref(),
    }
}
