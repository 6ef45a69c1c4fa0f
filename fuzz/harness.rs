//! What each fuzz target runs on one input, shared with `tests/fuzz_regressions.rs`, which runs
//! the inputs the fuzzers found through the same functions.
//!
//! Besides "no panic, no hang", every target checks that positions are usable: each span lies
//! inside the text on character boundaries, because the human report slices the text there.
//! Each input is parsed twice, with the default limits and with tiny ones, so that the paths
//! where a limit stops the parser are fuzzed too.

#![allow(dead_code)]

use std::sync::{Arc, LazyLock};

use mlconform::check::describe_issue;
use mlconform::report::{self, Finding, Report, SourceText};
use mlconform::schema::{self, Compiled, Validators};
use mlconform::source::{self, frontmatter, read, Limits, Node, Parsed, Span, Value};

/// Limits small enough that fuzzed inputs reach them often.
const TINY: Limits = Limits { max_depth: 6, max_alias_expansions: 40, max_findings: 3 };

fn limit_sets() -> [Limits; 2] {
    [Limits::default(), TINY]
}

/// Panics unless `span` is a valid range of `text` on character boundaries.
fn assert_span(text: &str, span: Span, what: &str) {
    assert!(span.start <= span.end, "{what}: span {span:?} is reversed");
    assert!(span.end <= text.len(), "{what}: span {span:?} ends past the text ({} bytes)", text.len());
    assert!(text.is_char_boundary(span.start), "{what}: span {span:?} starts inside a character");
    assert!(text.is_char_boundary(span.end), "{what}: span {span:?} ends inside a character");
}

fn assert_tree(text: &str, node: &Node) {
    assert_span(text, node.span, "node");
    match &node.value {
        Value::Sequence(items) => items.iter().for_each(|item| assert_tree(text, item)),
        Value::Mapping(entries) => {
            for entry in entries {
                assert_span(text, entry.key_span, "key");
                assert_tree(text, &entry.value);
            }
        }
        _ => {}
    }
}

/// Checks every span of a parse, converts each document to JSON as validation does, and
/// renders the issues in both report formats.
fn check_parsed(text: &str, parsed: &Parsed, limits: &Limits) {
    if limits.max_findings > 0 {
        let stopping = parsed.issues.iter().filter(|issue| issue.kind.stops_parsing()).count();
        assert!(stopping <= 1, "the parser stopped {stopping} times");
        assert!(parsed.issues.len() <= limits.max_findings + stopping, "more issues kept than the limit");
    }
    for document in &parsed.documents {
        assert_span(text, document.span, "document");
        if let Some(root) = &document.root {
            assert_tree(text, root);
            let _ = root.to_json(&mut String::new(), &mut Vec::new());
        }
    }
    for issue in &parsed.issues {
        assert_span(text, issue.span, "issue");
        if let source::IssueKind::DuplicateKey { first, .. } | source::IssueKind::DuplicateMergeKey { first } =
            &issue.kind
        {
            assert_span(text, *first, "first occurrence");
        }
    }
    render(text, parsed);
}

fn render(text: &str, parsed: &Parsed) {
    let source = SourceText::new("fuzz.yaml".to_string(), text.to_string());
    let mut report = Report::default();
    for issue in &parsed.issues {
        let (code, severity, message, help) = describe_issue(&issue.kind);
        let mut finding = Finding::new(code, severity, message, source.locate(issue.span, &issue.pointer));
        finding.help = help;
        finding.source = Some(Arc::clone(&source));
        report.findings.push(finding);
    }
    report.sort();
    let style = report::human::Style { color: false, width: 80 };
    let _ = report::human::render(&report, style, true);
    let _ = report::json::render(&report);
}

/// The JSON parser with positions.
pub fn json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for limits in limit_sets() {
        let parsed = source::json::parse(text, &limits);
        check_parsed(text, &parsed, &limits);
    }
}

/// The YAML loader with positions.
pub fn yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for limits in limit_sets() {
        let parsed = source::yaml::parse(text, &limits);
        check_parsed(text, &parsed, &limits);
    }
}

/// The front-matter splitter and the parse of the block it finds.
pub fn front_matter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(front) = frontmatter::split(text) {
        assert_span(text, front.open, "opening line");
        assert_span(text, front.yaml, "block");
        if let Some(close) = front.close {
            assert_span(text, close, "closing line");
        }
        assert!(front.body_start <= text.len() && text.is_char_boundary(front.body_start), "body start");
    }
    for limits in limit_sets() {
        if let (frontmatter::Metadata::Parsed(parsed), _) = frontmatter::parse(text, &limits) {
            check_parsed(text, &parsed, &limits);
        }
    }
}

/// The readers that do not need a file: whole-file decoding and the streaming encoding scan,
/// which must agree on the first bad byte of UTF-8 text.
pub fn decode(data: &[u8]) {
    let decoded = read::decode(data);
    let scanned = read::scan_encoding(data).expect("reading a slice cannot fail");
    let utf16 = data.starts_with(&[0xFF, 0xFE]) || data.starts_with(&[0xFE, 0xFF]);
    let utf32 = data.starts_with(&[0xFF, 0xFE, 0, 0]) || data.starts_with(&[0, 0, 0xFE, 0xFF]);
    if let Ok(text) = &decoded {
        assert!(!text.contains('\0'), "decoded text contains NUL");
    }
    if !utf16 && !utf32 {
        let decoded = decoded.err().map(|error| (error.offset, error.problem));
        let scanned = scanned.map(|error| (error.offset, error.problem));
        assert_eq!(decoded, scanned, "decode and scan disagree");
    }
}

static DEEPSPEED: LazyLock<Arc<Compiled>> = LazyLock::new(|| {
    let embedded = schema::newest("training-config", "deepspeed").expect("an embedded DeepSpeed schema");
    Validators::default().get(embedded).expect("the embedded schema compiles")
});

/// Schema validation of a parsed YAML document and the location of every error in it.
pub fn schema_findings(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for limits in limit_sets() {
        let parsed = source::yaml::parse(text, &limits);
        for document in &parsed.documents {
            let Some(root) = &document.root else { continue };
            let mut silenced = Vec::new();
            let instance = root.to_json(&mut String::new(), &mut silenced);
            let (findings, _) =
                schema::findings_for_limited(&DEEPSPEED, root, &instance, &silenced, limits.max_findings);
            for finding in findings {
                assert_span(text, finding.span, "schema finding");
            }
        }
    }
}
