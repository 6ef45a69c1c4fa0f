//! Wording: turning a function's [`Violation`] into a finding's message, help and related
//! locations. Functions decide; this module words, so that every rule's findings read alike.

use serde_json::Value as Json;

use super::context::{Artifact, Project};
use super::functions::{Spot, Violation};
use super::rule::Rule;
use crate::report::{Finding, Location, Related};
use crate::source::{pointer, Span};

/// Maximum length of a value quoted in a message, in characters.
const MAX_VALUE_CHARS: usize = 60;

/// The value as a message shows it: masked when the function masked it, strings in quotes
/// and shortened, containers by size.
pub fn show_value(violation: &Violation) -> Option<String> {
    if let Some(masked) = &violation.masked {
        return Some(format!("\"{masked}\""));
    }
    violation.value.as_ref().map(|value| match value {
        Json::String(text) => format!("\"{}\"", shorten(text)),
        other => crate::schema::short(other),
    })
}

fn shorten(text: &str) -> String {
    let single_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if single_line.chars().count() <= MAX_VALUE_CHARS {
        return single_line;
    }
    let cut: String = single_line.chars().take(MAX_VALUE_CHARS - 1).collect();
    format!("{cut}…")
}

/// Fills a message template. Without a template, the message is the value (when there is
/// one, and the detail does not start with it already) followed by the detail.
pub fn render(rule: &Rule, violation: &Violation, field: Option<&str>, pointer: &str, path: &str) -> String {
    let value = show_value(violation);
    let Some(template) = &rule.message else {
        return match (&value, field) {
            (Some(value), _) if violation.detail.starts_with(value.as_str()) => violation.detail.clone(),
            (Some(value), _) => format!("{value} {}", violation.detail),
            (None, Some(field)) => format!("\"{field}\" {}", violation.detail),
            (None, None) => violation.detail.clone(),
        };
    };
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template.as_str();
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let name = after[..close].trim();
        let replacement = match name {
            "value" => value.clone().unwrap_or_else(|| "(none)".to_string()),
            "field" => field.unwrap_or_default().to_string(),
            "pointer" => pointer.to_string(),
            "path" => path.to_string(),
            "detail" => violation.detail.clone(),
            // The loader rejects unknown placeholders, so this keeps the text as written.
            _ => after[..close + 2].to_string(),
        };
        out.push_str(&replacement);
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// Returns the help line of a rule's findings: the first paragraph of its `fix`, on one line.
pub fn help(rule: &Rule) -> String {
    let paragraph = rule.docs.fix.split("\n\n").next().unwrap_or_default();
    paragraph.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Locates a spot in a document of an artifact. A pointer of `""` in a Markdown card means the
/// card as a whole, which is located at the front matter's opening `---`.
pub fn locate(artifact: &Artifact, document: usize, spot: &Spot) -> Location {
    if let Some(places) = &artifact.summary {
        let (Spot::Span { pointer: at, .. } | Spot::Node(at) | Spot::Missing(at)) = spot;
        let summary = artifact.documents.get(document).map_or(&Json::Null, |document| &document.json);
        return places.locate(&artifact.path, summary, at);
    }
    let (span, at) = match spot {
        Spot::Span { span, pointer } => (*span, pointer.clone()),
        Spot::Node(at) | Spot::Missing(at) => (node_span(artifact, document, at), at.clone()),
    };
    artifact.source.locate(span, &at)
}

fn node_span(artifact: &Artifact, document: usize, at: &str) -> Span {
    if let (true, Some(body)) = (at.is_empty(), &artifact.markdown) {
        return body.front_matter_open;
    }
    let Some(document) = artifact.documents.get(document) else { return Span::default() };
    match &document.root {
        Some(root) => pointer::resolve(root, at).0.node.span,
        None => document.span,
    }
}

/// Builds the finding of one violation.
pub fn finding(
    rule: &Rule,
    violation: &Violation,
    project: &Project,
    artifact: &Artifact,
    document: usize,
    field: Option<&str>,
) -> Finding {
    let location = locate(artifact, document, &violation.at);
    let message = render(rule, violation, field, &location.pointer, &artifact.path);
    let mut finding = Finding::new(&rule.id, rule.severity, message, location).with_help(help(rule));
    finding.rule = Some(rule.reference());
    // A source excerpt would print the secret or personal data that the message masks. A data
    // file's rules read its summary, not its text, so there is nothing to quote.
    if violation.masked.is_none() && artifact.summary.is_none() {
        finding.source = Some(artifact.source.clone());
    }
    if artifact.markdown.is_none() && artifact.summary.is_none() {
        finding.document = Some(document);
    }
    for related in &violation.related {
        let Some(other) = project.artifacts.get(related.artifact) else { continue };
        let spot = Spot::Node(related.pointer.clone());
        finding
            .related
            .push(Related { message: related.message.clone(), location: locate(other, related.document, &spot) });
    }
    finding
}
