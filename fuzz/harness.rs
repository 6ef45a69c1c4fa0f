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
use std::path::{Path, PathBuf};

use mlconform::config;
use mlconform::data::{self, csv};
use mlconform::discover::Format;
use mlconform::report::ToolError;
use mlconform::rules::loader;
use mlconform::source::{self, frontmatter, read, Limits, LineIndex, Node, Parsed, Span, Value};

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

/// Picks a CSV dialect from the bits of one byte, so that the fuzzer explores every option.
fn dialect_from(bits: u8) -> csv::Dialect {
    let base = csv::Dialect::csv();
    let mut dialect = csv::Dialect { delimiter: [b',', b'\t', b';', b'|'][usize::from(bits & 3)], ..base };
    if bits & 4 != 0 {
        dialect.quote = None;
    }
    if bits & 8 != 0 {
        dialect.double_quote = false;
        dialect.escape = Some(b'\\');
    }
    dialect.skip_initial_space = bits & 16 != 0;
    if bits & 32 != 0 {
        dialect.comment = Some(b'#');
    }
    dialect
}

/// One field as the tokenizer gave it: value, start, end, quoted.
type TokenField = (String, csv::Pos, csv::Pos, bool);

/// Tokenizes `bytes`, reading `chunk` bytes at a time, or the tokenizer's usual amount.
fn tokenize(
    bytes: &[u8],
    dialect: csv::Dialect,
    chunk: Option<usize>,
) -> (Vec<Vec<TokenField>>, Vec<csv::SyntaxProblem>) {
    let reader = std::io::Cursor::new(bytes);
    let mut tokenizer = match chunk {
        Some(chunk) => csv::Tokenizer::with_chunk_size(reader, dialect, chunk),
        None => csv::Tokenizer::new(reader, dialect),
    };
    let mut records = Vec::new();
    let mut problems = Vec::new();
    while tokenizer.read_record().expect("reading a slice cannot fail") {
        problems.extend(tokenizer.take_problems());
        let record = tokenizer.record();
        assert!(record.start <= record.end, "record ends before it starts: {:?}", record.start);
        let fields = (0..record.len())
            .map(|i| {
                let field = &record.fields[i];
                (record.value(i).to_string(), field.start, field.end, field.quoted)
            })
            .collect();
        records.push(fields);
    }
    problems.extend(tokenizer.take_problems());
    (records, problems)
}

/// Panics unless `pos` is the place of its byte offset in `text`.
fn assert_pos(text: &str, lines: &LineIndex, pos: csv::Pos, what: &str) {
    let offset = usize::try_from(pos.offset).expect("offset fits");
    assert!(
        offset <= text.len() && text.is_char_boundary(offset),
        "{what}: offset {offset} is not a place in the text"
    );
    let expected = lines.position(text, offset);
    assert_eq!(
        (pos.line, pos.column),
        (expected.line as u64, expected.column as u64),
        "{what}: line and column disagree with offset {offset}"
    );
}

/// The CSV tokenizer. The first byte picks the dialect and a chunk size; the rest is the
/// file. The tokenizer must give the same records and problems whether it reads the file
/// in one chunk or a few bytes at a time, and on valid UTF-8 every field's line and column
/// must be those of its byte offset.
pub fn csv(data: &[u8]) {
    let Some((&bits, bytes)) = data.split_first() else { return };
    let dialect = dialect_from(bits);
    let chunk = [4, 5, 7, 64][usize::from(bits >> 6)];
    let whole = tokenize(bytes, dialect.clone(), None);
    let chunked = tokenize(bytes, dialect, Some(chunk));
    assert_eq!(whole, chunked, "reading {chunk} bytes at a time changes the result");
    let mut seen = std::collections::HashSet::new();
    for problem in &whole.1 {
        assert!(seen.insert((format!("{:?}", problem.kind), problem.at)), "{problem:?} is reported twice");
    }

    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(text) else { return };
    if text.contains('\0') {
        return;
    }
    let lines = LineIndex::new(text);
    let mut previous = csv::Pos::START;
    for field in whole.0.iter().flatten() {
        let (_, start, end, _) = field;
        assert_pos(text, &lines, *start, "field start");
        assert_pos(text, &lines, *end, "field end");
        assert!(start <= end, "field ends before it starts at {start:?}");
        assert!(previous <= *start, "fields out of order at {start:?}");
        previous = *end;
    }
    for problem in &whole.1 {
        assert_pos(text, &lines, problem.at, "problem");
    }
}

/// Panics unless `location` points at a place in `text` whose line and column it gives.
fn assert_location(text: &str, lines: &LineIndex, location: &report::Location, what: &str) {
    assert_span(text, location.span, what);
    let expected = lines.position(text, location.span.start);
    assert_eq!(
        (location.line, location.column),
        (expected.line, expected.column),
        "{what}: line and column disagree with byte {}",
        location.span.start
    );
}

/// The data check of one file: the first byte picks CSV, TSV, JSON Lines or JSON records;
/// the rest is written to a temporary file, which the check reads as it reads a user's file.
/// Every finding placed in the file must point where its line and column say.
pub fn data_file(data: &[u8]) {
    let Some((&bits, bytes)) = data.split_first() else { return };
    let (format, extension) =
        [(Format::Csv, "csv"), (Format::Tsv, "tsv"), (Format::JsonLines, "jsonl"), (Format::Json, "json")]
            [usize::from(bits & 3)];
    let path = scratch_file(extension, bytes);
    let outcome = data::check_data_file(&path, format, &data::DataOptions::default(), None);
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(text) else { return };
    if text.contains('\0') {
        return;
    }
    let lines = LineIndex::new(text);
    for finding in &outcome.findings {
        assert_location(text, &lines, &finding.location, &finding.code);
    }
}

/// Writes `bytes` to this process's scratch file with `extension` and returns its path. The
/// file lives in shared memory where there is some, so that the fuzzer does not wear a disk.
fn scratch_file(extension: &str, bytes: &[u8]) -> PathBuf {
    let folder = [Path::new("/dev/shm"), &std::env::temp_dir()]
        .into_iter()
        .find(|folder| folder.is_dir())
        .map(Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir);
    let path = folder.join(format!("mlconform-fuzz-{}.{extension}", std::process::id()));
    std::fs::write(&path, bytes).expect("the scratch file can be written");
    path
}

/// Panics unless every located error lies in `text` at the line and column it gives.
fn assert_errors_located(text: &str, errors: &[ToolError]) {
    let lines = LineIndex::new(text);
    for error in errors {
        assert!(!error.message.is_empty(), "an error without a message");
        if let Some(location) = &error.location {
            assert_location(text, &lines, location, &error.message);
        }
    }
}

/// The rule-pack loader: parse, validation against the pack schema, and compilation of every
/// rule (JSONPath, regular expressions, schema fragments, message templates).
pub fn rule_pack(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for limits in limit_sets() {
        let origin = loader::Origin::File(PathBuf::from("/fuzz/pack.yaml"));
        if let Err(errors) = loader::load("pack.yaml", text, origin, &limits) {
            let errors: Vec<ToolError> = errors.into_iter().map(loader::PackError::into_tool_error).collect();
            // The loader strips a byte order mark before it parses, so positions count from
            // after it.
            assert_errors_located(text.strip_prefix('\u{feff}').unwrap_or(text), &errors);
        }
    }
}

/// The configuration loader, on the text both as `mlconform.toml` and as `pyproject.toml`.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for name in [config::CONFIG_FILE, config::PYPROJECT_FILE] {
        let path = Path::new("/fuzz").join(name);
        if let Err(errors) = config::parse(&path, name.to_string(), text) {
            assert_errors_located(text, &errors);
        }
    }
}
