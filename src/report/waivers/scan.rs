//! Finding waiver comments in the text of a checked file.
//!
//! The parsed tree contains no comments, so comments are found in the text. In YAML (and in a
//! Markdown card's front matter) a comment starts at a `#` that begins a line or follows a
//! space or tab, and is not inside a scalar: the parsed tree gives the span of every key and
//! scalar, which covers quoted strings and block scalars whose content contains `#`. In a
//! Markdown body, a comment is an HTML comment `<!-- ... -->` outside fenced code blocks and
//! inline code spans, so that documentation showing the syntax waives nothing.
//!
//! A comment that shares its line with content covers findings on that line. A comment on a
//! line of its own covers its own lines and the next line that is not another such comment,
//! so several waivers may be stacked above one line. In a Markdown card, a comment above the
//! first key of the front matter also covers the opening `---`, where findings about the whole
//! card are located.

use std::sync::Arc;

use crate::discover::Format;
use crate::report::SourceText;
use crate::source::{frontmatter, Document, Node, Span, Value};

use super::directive::{self, Directive, MARKER};
use super::Problem;

/// A waiver comment found in a file.
#[derive(Debug, Clone)]
pub struct Comment {
    pub source: Arc<SourceText>,
    /// From [`MARKER`] to the end of the comment.
    pub span: Span,
    /// The first and last line (1-based) whose findings the comment covers.
    pub lines: (usize, usize),
    /// The parsed directive, with spans in the file's text.
    pub directive: Result<Directive, Problem>,
}

/// Finds the waiver comments of a file. JSON has no comments, and data files are not read
/// for them.
pub fn scan(source: &Arc<SourceText>, format: Format, documents: &[Document]) -> Vec<Comment> {
    let text = source.text.as_str();
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let mut scalars = Vec::new();
    for document in documents {
        if let Some(root) = &document.root {
            collect_scalar_spans(root, &mut scalars);
        }
    }
    scalars.sort();

    let mut found = Vec::new();
    match format {
        Format::Yaml => scan_yaml(source, Span::new(0, text.len()), &scalars, &mut found),
        Format::Markdown => {
            let body_start = match frontmatter::split(text) {
                Some(front) => {
                    let before = found.len();
                    scan_yaml(source, front.yaml, &scalars, &mut found);
                    // Findings about the whole card (a missing section) sit at the opening
                    // `---`, which no comment can precede: a waiver written above the first
                    // key of the front matter covers that line too.
                    let first_key = scalars.first().map_or(front.yaml.end, |span| span.start);
                    for comment in &mut found[before..] {
                        if comment.span.start < first_key {
                            comment.lines.0 = 1;
                        }
                    }
                    front.body_start
                }
                None => 0,
            };
            scan_markdown_body(source, body_start, &mut found);
        }
        Format::Json | Format::Csv | Format::Tsv | Format::JsonLines => {}
    }
    found
}

fn collect_scalar_spans(node: &Node, spans: &mut Vec<Span>) {
    match &node.value {
        Value::Mapping(entries) => {
            for entry in entries {
                spans.push(entry.key_span);
                collect_scalar_spans(&entry.value, spans);
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| collect_scalar_spans(item, spans)),
        _ => spans.push(node.span),
    }
}

fn inside_scalar(offset: usize, scalars: &[Span]) -> bool {
    // Scalars do not overlap, so only the last one starting at or before `offset` can hold it.
    let index = scalars.partition_point(|span| span.start <= offset);
    index > 0 && offset < scalars[index - 1].end
}

/// Splits `region` of `text` into lines, as spans without their line breaks. Breaks are
/// `\n`, `\r\n` or a lone `\r`, as in [`crate::source::LineIndex`].
fn lines_in(text: &str, region: Span) -> Vec<Span> {
    let mut lines = Vec::new();
    let mut start = region.start;
    while start < region.end {
        let end = line_end(text, start).min(region.end);
        lines.push(Span::new(start, end));
        start = match text.as_bytes().get(end) {
            Some(b'\r') if text.as_bytes().get(end + 1) == Some(&b'\n') => end + 2,
            Some(_) => end + 1,
            None => end,
        };
    }
    lines
}

/// Returns the offset of the line break that ends the line containing `offset`, or the
/// text's end.
fn line_end(text: &str, offset: usize) -> usize {
    text[offset..].find(['\n', '\r']).map_or(text.len(), |index| offset + index)
}

/// Returns the offset of the `#` that starts a YAML comment on `line`, if any.
fn yaml_comment_start(text: &str, line: Span, scalars: &[Span]) -> Option<usize> {
    let content = &text[line.start..line.end];
    content.match_indices('#').map(|(index, _)| line.start + index).find(|&offset| {
        let after_space = offset == line.start || matches!(text.as_bytes()[offset - 1], b' ' | b'\t');
        after_space && !inside_scalar(offset, scalars)
    })
}

fn scan_yaml(source: &Arc<SourceText>, region: Span, scalars: &[Span], found: &mut Vec<Comment>) {
    let text = source.text.as_str();
    let lines = lines_in(text, region);
    let comment_only = |line: Span| {
        yaml_comment_start(text, line, scalars).is_some_and(|start| text[line.start..start].trim().is_empty())
    };

    for (index, line) in lines.iter().enumerate() {
        if !text[line.start..line.end].contains(MARKER) {
            continue;
        }
        let Some(hash) = yaml_comment_start(text, *line, scalars) else { continue };
        let body = &text[hash + 1..line.end];
        if !body.trim_start().starts_with(MARKER) {
            continue;
        }
        let start = hash + 1 + (body.len() - body.trim_start().len());
        let span = Span::new(start, hash + 1 + body.trim_end().len());

        let line_number = index_line(source, line.start);
        let last = if text[line.start..hash].trim().is_empty() {
            let following = lines[index + 1..].iter().take_while(|next| comment_only(**next)).count();
            line_number + following + 1
        } else {
            line_number
        };
        found.push(comment(source, span, (line_number, last)));
    }
}

fn scan_markdown_body(source: &Arc<SourceText>, body_start: usize, found: &mut Vec<Comment>) {
    let text = source.text.as_str();
    let lines = lines_in(text, Span::new(body_start, text.len()));
    let mut fence: Option<(u8, usize)> = None;
    // The start offset of an HTML comment that continues past the current line.
    let mut open_comment: Option<usize> = None;
    let mut comments: Vec<Span> = Vec::new();

    for line in &lines {
        let content = &text[line.start..line.end];
        let mut from = line.start;
        if let Some(start) = open_comment {
            match content.find("-->") {
                Some(index) => {
                    comments.push(Span::new(start, line.start + index + 3));
                    open_comment = None;
                    from = line.start + index + 3;
                }
                None => continue,
            }
        } else if let Some((marker, length)) = fence {
            if closes_fence(content, marker, length) {
                fence = None;
            }
            continue;
        } else if let Some(opening) = opens_fence(content) {
            fence = Some(opening);
            continue;
        }

        // Comments that start on this line, outside inline code spans.
        let code = code_spans(text, Span::new(from, line.end));
        let mut search = from;
        while let Some(index) = text[search..line.end].find("<!--") {
            let start = search + index;
            if code.iter().any(|span| span.start <= start && start < span.end) {
                search = start + 4;
                continue;
            }
            match text[start + 4..line.end].find("-->") {
                Some(end) => {
                    let end = start + 4 + end + 3;
                    comments.push(Span::new(start, end));
                    search = end;
                }
                None => {
                    open_comment = Some(start);
                    break;
                }
            }
        }
    }

    let comment_only_line = |line_number: usize| {
        let Some(line) = source.lines.line_start(line_number) else {
            return false;
        };
        let trimmed = text[line..line_end(text, line)].trim();
        trimmed.starts_with("<!--") && trimmed.ends_with("-->") && trimmed.matches("-->").count() == 1
    };

    for span in comments {
        let inner = &text[span.start + 4..span.end - 3];
        if !inner.trim_start().starts_with(MARKER) {
            continue;
        }
        let directive_start = span.start + 4 + (inner.len() - inner.trim_start().len());
        let directive_span = Span::new(directive_start, span.start + 4 + inner.trim_end().len());

        let first = index_line(source, span.start);
        let last_of_comment = index_line(source, span.end);
        let first_line_start = source.lines.line_start(first).unwrap_or(0);
        let last_line_end = line_end(text, span.end);
        let alone =
            text[first_line_start..span.start].trim().is_empty() && text[span.end..last_line_end].trim().is_empty();
        let last = if alone {
            let mut next = last_of_comment + 1;
            while comment_only_line(next) {
                next += 1;
            }
            next
        } else {
            last_of_comment
        };
        found.push(comment(source, directive_span, (first, last)));
    }
}

/// Returns the fence character and length when `line` opens a fenced code block.
fn opens_fence(line: &str) -> Option<(u8, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let marker = *rest.as_bytes().first()?;
    if marker != b'`' && marker != b'~' {
        return None;
    }
    let length = rest.bytes().take_while(|byte| *byte == marker).count();
    // A backtick fence's info string may not contain a backtick.
    let valid = length >= 3 && (marker == b'~' || !rest[length..].contains('`'));
    valid.then_some((marker, length))
}

fn closes_fence(line: &str, marker: u8, length: usize) -> bool {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let run = rest.bytes().take_while(|byte| *byte == marker).count();
    indent <= 3 && run >= length && rest[run..].trim().is_empty()
}

/// Finds the inline code spans within `region` of one line. A span runs from a run of
/// backticks to the next run of the same length.
// NOTE: CommonMark lets a code span continue onto the next line of a paragraph. A comment
// marker inside such a span is still read as a comment.
fn code_spans(text: &str, region: Span) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut at = region.start;
    while at < region.end {
        if bytes[at] != b'`' {
            at += 1;
            continue;
        }
        let run = bytes[at..region.end].iter().take_while(|byte| **byte == b'`').count();
        let mut search = at + run;
        let mut closed = None;
        while search < region.end {
            if bytes[search] == b'`' {
                let other = bytes[search..region.end].iter().take_while(|byte| **byte == b'`').count();
                if other == run {
                    closed = Some(search + other);
                    break;
                }
                search += other;
            } else {
                search += 1;
            }
        }
        match closed {
            Some(end) => {
                spans.push(Span::new(at, end));
                at = end;
            }
            None => at += run,
        }
    }
    spans
}

fn index_line(source: &SourceText, offset: usize) -> usize {
    source.lines.position(&source.text, offset).line
}

fn comment(source: &Arc<SourceText>, span: Span, lines: (usize, usize)) -> Comment {
    let directive = directive::parse(&source.text[span.start..span.end]).map_err(|problem| problem.shifted(span.start));
    let directive = directive.map(|mut directive| {
        for rule in &mut directive.rules {
            rule.span = rule.span.shifted(span.start);
        }
        directive
    });
    Comment { source: source.clone(), span, lines, directive }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Limits;

    fn yaml(text: &str) -> Vec<Comment> {
        let source = SourceText::new("x.yaml".to_string(), text.to_string());
        let parsed = crate::source::yaml::parse(text, &Limits::default());
        scan(&source, Format::Yaml, &parsed.documents)
    }

    fn markdown(text: &str) -> Vec<Comment> {
        let source = SourceText::new("README.md".to_string(), text.to_string());
        let documents = match frontmatter::parse(text, &Limits::default()).0 {
            frontmatter::Metadata::Parsed(parsed) => parsed.documents,
            _ => Vec::new(),
        };
        scan(&source, Format::Markdown, &documents)
    }

    fn lines(comments: &[Comment]) -> Vec<(usize, usize)> {
        comments.iter().map(|comment| comment.lines).collect()
    }

    #[test]
    fn yaml_comment_above_covers_next_line() {
        let comments = yaml("a: 1\n# mlconform: waive[x] reason=y\nb: 2\n");
        assert_eq!(lines(&comments), [(2, 3)]);
        assert!(comments[0].directive.is_ok());
    }

    #[test]
    fn yaml_trailing_comment_covers_its_line() {
        let comments = yaml("a: 1  # mlconform: waive[x] reason=\"y\"\nb: 2\n");
        assert_eq!(lines(&comments), [(1, 1)]);
        let comment = &comments[0];
        assert_eq!(&comment.source.text[comment.span.start..comment.span.end], "mlconform: waive[x] reason=\"y\"");
    }

    #[test]
    fn yaml_stacked_comments_reach_same_line() {
        let text = "# mlconform: waive[x] reason=y\n# other note\n# mlconform: waive[z] reason=y\nkey: 1\n";
        assert_eq!(lines(&yaml(text)), [(1, 4), (3, 4)]);
    }

    #[test]
    fn yaml_hash_inside_scalars_is_not_a_comment() {
        let text =
            "a: |\n  # mlconform: waive[x] reason=y\nb: \"q # mlconform: waive[x] reason=y\"\nc: d#mlconform:x\n";
        assert!(yaml(text).is_empty());
    }

    #[test]
    fn yaml_invalid_directive_is_kept() {
        let comments = yaml("# mlconform: waive[x]\nb: 2\n");
        let problem = comments[0].directive.as_ref().unwrap_err();
        assert_eq!(problem.message, "the waiver gives no reason");
    }

    #[test]
    fn yaml_crlf_lines_are_read() {
        let comments = yaml("a: 1\r\n# mlconform: waive[x] reason=y\r\nb: 2\r\n");
        assert_eq!(lines(&comments), [(2, 3)]);
        assert_eq!(comments[0].directive.as_ref().unwrap().terms.reason, "y");
    }

    #[test]
    fn markdown_front_matter_and_body_comments() {
        let text = "---\n# mlconform: waive[a] reason=y\nlicense: mit\n---\n\n# Card\n\n<!-- mlconform: waive[b] reason=\"z\" -->\n## Limitations\n\nText <!-- mlconform: waive[c] reason=w --> here\n";
        let comments = markdown(text);
        // The front-matter comment above the first key also covers the opening `---`.
        assert_eq!(lines(&comments), [(1, 3), (8, 9), (11, 11)]);
        let rules: Vec<&str> =
            comments.iter().map(|comment| comment.directive.as_ref().unwrap().rules[0].text.as_str()).collect();
        assert_eq!(rules, ["a", "b", "c"]);
    }

    #[test]
    fn markdown_multiline_comment_covers_following_line() {
        let text = "# Card\n<!--\n  mlconform: waive[b] reason=z\n-->\n## Limitations\n";
        assert_eq!(lines(&markdown(text)), [(2, 5)]);
    }

    #[test]
    fn markdown_code_is_not_scanned() {
        let text = "# Card\n\n```markdown\n<!-- mlconform: waive[b] reason=z -->\n```\n\nUse `<!-- mlconform: waive[b] reason=z -->` above a heading.\n~~~\n<!-- mlconform: waive[c] reason=z -->\n~~~\n";
        assert!(markdown(text).is_empty());
    }

    #[test]
    fn markdown_hash_in_body_is_not_a_comment() {
        assert!(markdown("---\nlicense: mit\n---\n# mlconform: waive[x] reason=y\n").is_empty());
    }

    #[test]
    fn json_has_no_comments() {
        let source = SourceText::new("x.json".to_string(), "{\"a\": \"# mlconform: waive[x] reason=y\"}".to_string());
        assert!(scan(&source, Format::Json, &[]).is_empty());
    }
}
