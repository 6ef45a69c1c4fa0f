//! The human format: each finding rendered by miette with its code, message, the source line
//! with the node labelled, and help; then one short line per waived finding, so that waivers
//! stay in sight; then a summary line.
//!
//!
//! Text from checked files is made safe before it reaches a terminal. Messages pass through
//! [`clean`]. In source excerpts, recognised secrets, values under credential keys and control
//! characters are replaced byte for byte, so that spans still point at the right place.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};

use super::redact::{self, clean};
use super::{Finding, Report, Severity, SourceText, ToolError};

/// Lines longer than this many characters are not excerpted: the finding's location is printed
/// instead, so a minified one-line JSON file does not flood the terminal.
const MAX_EXCERPT_LINE: usize = 400;

/// A file's text as miette reads it, with secrets and control characters masked byte for byte,
/// and with lines and columns counted as mlconform counts them (Unicode scalar values, CRLF and
/// lone CR as one break); miette alone counts bytes.
#[derive(Debug)]
struct Excerpt {
    source: Arc<SourceText>,
    /// The masked text: the same line breaks and byte offsets as the source's text, with one
    /// space appended when its last line has no line break.
    text: String,
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.as_str().read_span(span, context_lines_before, context_lines_after)?;
        let start = inner.span().offset();
        let position = self.source.lines.position(&self.source.text, start);
        Ok(Box::new(MietteSpanContents::new_named(
            self.source.path.clone(),
            inner.data(),
            *inner.span(),
            position.line - 1,
            position.column - 1,
            inner.line_count(),
        )))
    }
}

/// Whether the line holding byte `offset` is short enough to excerpt.
fn excerpt_fits(source: &SourceText, offset: usize) -> bool {
    // Data files are streamed, so their findings carry no text to excerpt.
    if offset > source.text.len() || source.text.is_empty() {
        return false;
    }
    let position = source.lines.position(&source.text, offset);
    let start = source.lines.line_start(position.line).unwrap_or(0);
    let end = source.lines.line_start(position.line + 1).unwrap_or(source.text.len());
    source.text[start..end.max(start)].chars().count() <= MAX_EXCERPT_LINE
}

/// How to draw: colours and Unicode for a terminal, plain ASCII for files and tests.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

/// Renders the whole report. `verbose` adds how each file was classified or why it was skipped.
pub fn render(report: &Report, style: Style, verbose: bool) -> String {
    let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::none() };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut sources: HashMap<&str, Excerpt> = HashMap::new();
    let mut out = String::new();

    if verbose {
        if !report.rule_packs.is_empty() {
            out.push_str(&format!("rule packs: {}\n", report.rule_packs.join(", ")));
        }
        for file in &report.files {
            let what = match (&file.kind, &file.flavor) {
                (Some(kind), Some(flavor)) => format!("{kind} ({flavor})"),
                (Some(kind), None) => kind.clone(),
                _ => "not classified, because the file could not be read or parsed".to_string(),
            };
            let schemas =
                if file.schemas.is_empty() { String::new() } else { format!(", schema {}", file.schemas.join(", ")) };
            let reason = file.reason.as_deref().map(|reason| format!(": {}", clean(reason))).unwrap_or_default();
            out.push_str(&format!("checked {}: {what}{schemas}{reason}\n", file.path));
        }
        for skipped in &report.skipped {
            out.push_str(&format!("skipped {}: {}\n", skipped.path, clean(&skipped.reason)));
        }
        if !report.files.is_empty() || !report.skipped.is_empty() {
            out.push('\n');
        }
    }

    for finding in report.findings.iter().filter(|finding| finding.waiver.is_none()) {
        let source = finding
            .source
            .as_ref()
            .filter(|source| {
                excerpt_fits(source, finding.location.span.start) && finding.location.span.end <= source.text.len()
            })
            .map(|source| &*sources.entry(source.path.as_str()).or_insert_with(|| excerpt_source(source)));
        let rendered = Rendered { finding, source };
        let _ = handler.render_report(&mut out, &rendered);
    }
    for error in &report.tool_errors {
        let source = error
            .source
            .as_ref()
            .filter(|source| error.location.as_ref().is_none_or(|location| excerpt_fits(source, location.span.start)))
            .map(excerpt_source);
        let rendered = RenderedToolError { error, source: source.as_ref() };
        let _ = handler.render_report(&mut out, &rendered);
    }

    for finding in report.findings.iter().filter(|finding| finding.waiver.is_some()) {
        out.push_str(&waived_line(finding));
    }

    out.push_str(&summary_line(report));
    out
}

/// Describes a waived finding on one line: what was found, and the waiver's terms.
fn waived_line(finding: &Finding) -> String {
    let Some(waiver) = &finding.waiver else {
        return String::new();
    };
    let location = &finding.location;
    let mut terms = format!("reason: {:?}", waiver.reason);
    if let Some(owner) = &waiver.owner {
        terms.push_str(&format!(", owner: {owner}"));
    }
    if let Some(expires) = &waiver.expires {
        terms.push_str(&format!(", expires: {expires}"));
    }
    format!(
        "waived {} {}:{}:{}: {} ({terms}; waiver at {})\n",
        finding.code, location.path, location.line, location.column, finding.message, waiver.source
    )
}

/// Builds the text shown in excerpts of one file, with secrets, credential values and control
/// characters replaced without moving any byte offset.
fn excerpt_source(source: &Arc<SourceText>) -> Excerpt {
    let mut text = source.text.clone();
    redact::mask_secrets_in_place(&mut text);
    for span in source.credential_spans.get().into_iter().flatten() {
        redact::mask_range_in_place(&mut text, span.start, span.end);
    }
    redact::neutralise_controls_in_place(&mut text);
    // miette draws no label on an empty span at the very end of the text, which is where an
    // error about a truncated file points: give it a character to point at, on the same line.
    if !text.is_empty() && !text.ends_with(['\n', '\r']) {
        text.push(' ');
    }
    Excerpt { source: source.clone(), text }
}

fn summary_line(report: &Report) -> String {
    let summary = report.summary();
    let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    // `mlconform scaler merge` without a scaler file reads only its own partial files.
    let subject = if summary.files_checked == 0 && !report.scaler.is_empty() {
        plural(report.scaler.len(), "scaler check")
    } else {
        format!("{} checked", plural(summary.files_checked, "file"))
    };
    let mut line = format!(
        "{subject}, {} skipped: {}, {}, {}",
        summary.files_skipped,
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        plural(summary.infos, "info"),
    );
    if summary.waived > 0 {
        line.push_str(&format!(", {} waived", summary.waived));
    }
    if summary.omitted > 0 {
        line.push_str(&format!(" ({} not listed)", summary.omitted));
    }
    if !report.tool_errors.is_empty() {
        line.push_str(&format!(", {}", plural(report.tool_errors.len(), "tool error")));
    }
    line.push('\n');
    line
}

/// A finding seen through miette's `Diagnostic` trait.
struct Rendered<'a> {
    finding: &'a Finding,
    source: Option<&'a Excerpt>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rendered").field("code", &self.finding.code).finish()
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // With a source excerpt, miette prints the location above it; without one, the message
        // carries it.
        let location = &self.finding.location;
        let message = clean(&self.finding.message);
        if self.source.is_some() {
            write!(f, "{message}")
        } else {
            write!(f, "{}:{}:{}: {message}", location.path, location.line, location.column)
        }
    }
}

impl std::error::Error for Rendered<'_> {}

impl Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.finding.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let mut parts = Vec::new();
        if let Some(note) = &self.finding.note {
            parts.push(clean(note));
        }
        if let Some(help) = &self.finding.help {
            parts.push(clean(help));
        }
        for related in &self.finding.related {
            let location = &related.location;
            let message = clean(&related.message);
            parts.push(format!("{message} at {}:{}:{}", location.path, location.line, location.column));
        }
        if let Some(document) = self
            .finding
            .document
            .filter(|_| self.finding.location.path.ends_with(".yaml") || self.finding.location.path.ends_with(".yml"))
        {
            if document > 0 {
                parts.push(format!("in document index {document} of the YAML stream (the first is 0)"));
            }
        }
        if let Some(rule) = &self.finding.rule {
            let status = if rule.status == "stable" { String::new() } else { format!(", {}", rule.status) };
            parts.push(format!("rule: {} ({}{status})", rule.name, rule.id));
            if !rule.references.is_empty() {
                let references: Vec<String> = rule
                    .references
                    .iter()
                    .map(|reference| format!("{}, {}", reference.standard, reference.clause))
                    .collect();
                parts.push(format!("references: {}", references.join("; ")));
            }
        }
        (!parts.is_empty()).then(|| Box::new(parts.join("\n")) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let source = self.finding.source.as_ref()?;
        let span = first_line(&source.text, self.finding.location.span);
        let label = if self.finding.location.pointer.is_empty() {
            "here".to_string()
        } else {
            clean(&self.finding.location.pointer)
        };
        Some(Box::new(std::iter::once(LabeledSpan::new(Some(label), span.start, span.end - span.start))))
    }
}

/// The part of `span` on its first line, so that a finding about a whole mapping labels one
/// line rather than drawing a bracket around the mapping.
fn first_line(text: &str, span: crate::source::Span) -> crate::source::Span {
    let start = span.start.min(text.len());
    let end = span.end.clamp(start, text.len());
    let line_end = text[start..end].find(['\n', '\r']).map_or(end, |i| start + i);
    crate::source::Span::new(start, line_end)
}

struct RenderedToolError<'a> {
    error: &'a ToolError,
    source: Option<&'a Excerpt>,
}

impl fmt::Debug for RenderedToolError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenderedToolError").field("message", &self.error.message).finish()
    }
}

impl fmt::Display for RenderedToolError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = clean(&self.error.message);
        match &self.error.location {
            Some(_) if self.source.is_some() => write!(f, "{message}"),
            Some(location) => write!(f, "{}:{}:{}: {message}", location.path, location.line, location.column),
            None => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for RenderedToolError<'_> {}

impl Diagnostic for RenderedToolError<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new("tool-error"))
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.error.help.as_deref().map(|help| Box::new(clean(help)) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let location = self.error.location.as_ref()?;
        let source = self.error.source.as_ref()?;
        let span = first_line(&source.text, location.span);
        Some(Box::new(std::iter::once(LabeledSpan::new(Some("here".to_string()), span.start, span.end - span.start))))
    }
}
