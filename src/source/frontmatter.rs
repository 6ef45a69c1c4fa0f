//! Markdown front matter: the YAML block between two `---` lines at the top of a card.
//!
//! Positions inside the block are positions in the whole Markdown file. An empty block
//! (`---` directly followed by `---`) is an empty mapping, as the Hugging Face Hub reads it,
//! whatever the line endings.

use super::{yaml, Document, Issue, IssueKind, Limits, Node, Parsed, Span, Value};

/// Where the front matter sits in a Markdown file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrontMatter {
    /// The opening `---` line, without its line break.
    pub open: Span,
    /// The YAML text between the delimiter lines.
    pub yaml: Span,
    /// The closing `---` line; `None` when the block is never closed.
    pub close: Option<Span>,
    /// Where the Markdown body starts.
    pub body_start: usize,
}

/// What the front matter holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Metadata {
    /// No front matter: the file does not start with a `---` line.
    Absent,
    /// A template whose front matter is a Jinja placeholder (`{{ card_data }}`), not YAML.
    Template,
    /// Parsed front matter: one document, whose root is an empty mapping for an empty block.
    Parsed(Parsed),
}

/// Finds the front matter block of `text` (a file's text without byte order mark).
pub fn split(text: &str) -> Option<FrontMatter> {
    let first_end = line_end(text, 0);
    if text[..first_end].trim_end_matches([' ', '\t']) != "---" {
        return None;
    }
    let open = Span::new(0, first_end);
    let yaml_start = skip_break(text, first_end);

    let mut line_start = yaml_start;
    while line_start < text.len() {
        let end = line_end(text, line_start);
        if text[line_start..end].trim_end_matches([' ', '\t']) == "---" {
            return Some(FrontMatter {
                open,
                yaml: Span::new(yaml_start, line_start),
                close: Some(Span::new(line_start, end)),
                body_start: skip_break(text, end),
            });
        }
        line_start = skip_break(text, end);
    }
    Some(FrontMatter { open, yaml: Span::new(yaml_start, text.len()), close: None, body_start: text.len() })
}

/// Splits and parses the front matter of a Markdown file.
pub fn parse(text: &str, limits: &Limits) -> (Metadata, Option<FrontMatter>) {
    let Some(front) = split(text) else {
        return (Metadata::Absent, None);
    };
    let yaml_text = &text[front.yaml.start..front.yaml.end];

    if front.close.is_none() {
        let issue =
            Issue { kind: IssueKind::UnclosedFrontMatter, span: front.open, pointer: String::new(), document: Some(0) };
        return (Metadata::Parsed(Parsed { issues: vec![issue], ..Parsed::default() }), Some(front));
    }
    if is_template(yaml_text) {
        return (Metadata::Template, Some(front));
    }

    let mut parsed = yaml::parse(yaml_text, limits);
    for document in &mut parsed.documents {
        document.span = document.span.shifted(front.yaml.start);
        if let Some(root) = &mut document.root {
            root.shift(front.yaml.start);
        }
    }
    for issue in &mut parsed.issues {
        issue.span = issue.span.shifted(front.yaml.start);
        if let IssueKind::DuplicateKey { first, .. } | IssueKind::DuplicateMergeKey { first } = &mut issue.kind {
            *first = first.shifted(front.yaml.start);
        }
    }
    // Omitted issues keep only their kind; their spans are never shown, so they stay as they are.

    // An empty block, or one holding only comments or a bare null, is an empty mapping that
    // starts at the opening delimiter.
    let empty = match parsed.documents.first() {
        None => !parsed.is_broken(),
        Some(document) => matches!(document.root.as_ref().map(|root| &root.value), None | Some(Value::Null)),
    };
    if empty {
        let root = Node::new(Value::Mapping(Vec::new()), front.open);
        parsed.documents = vec![Document { index: 0, root: Some(root), span: front.open }];
    }
    parsed.documents.truncate(1);
    (Metadata::Parsed(parsed), Some(front))
}

/// A front matter made of Jinja placeholders, as in the Hugging Face card templates.
fn is_template(yaml_text: &str) -> bool {
    let meaningful = yaml_text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#'));
    let mut lines = 0;
    let mut jinja = 0;
    for line in meaningful {
        lines += 1;
        if line.contains("{{") || line.contains("{%") {
            jinja += 1;
        }
    }
    lines > 0 && jinja * 2 >= lines
}

/// The end of the line starting at `from`, before its line break.
fn line_end(text: &str, from: usize) -> usize {
    text[from..].find(['\n', '\r']).map_or(text.len(), |i| from + i)
}

/// The offset after the line break at `at` (`\r\n`, `\n` or `\r`), or `at` at the end.
fn skip_break(text: &str, at: usize) -> usize {
    let rest = &text.as_bytes()[at..];
    match rest {
        [b'\r', b'\n', ..] => at + 2,
        [b'\n', ..] | [b'\r', ..] => at + 1,
        _ => at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_lf_and_crlf_alike() {
        for text in ["---\n---\n# tiny-bert\n", "---\r\n---\r\n# tiny-bert\r\n"] {
            let front = split(text).unwrap();
            assert_eq!(front.open, Span::new(0, 3));
            assert_eq!(front.yaml.start, front.yaml.end);
            assert!(text[front.body_start..].starts_with("# tiny-bert"));
        }
    }

    #[test]
    fn split_finds_block_and_body() {
        let text = "---\nlicense: mit\n---\nBody\n";
        let front = split(text).unwrap();
        assert_eq!(&text[front.yaml.start..front.yaml.end], "license: mit\n");
        assert_eq!(&text[front.body_start..], "Body\n");
    }

    #[test]
    fn no_front_matter() {
        assert_eq!(split("# Title\n---\n"), None);
        assert_eq!(split(""), None);
        assert_eq!(split("----\n"), None);
    }

    #[test]
    fn unclosed_front_matter_is_an_issue() {
        let (metadata, front) = parse("---\nlicense: mit\n", &Limits::default());
        assert!(front.unwrap().close.is_none());
        let Metadata::Parsed(parsed) = metadata else { panic!("expected parsed metadata") };
        assert!(matches!(parsed.issues[0].kind, IssueKind::UnclosedFrontMatter));
    }

    #[test]
    fn empty_block_is_empty_mapping() {
        let (metadata, _) = parse("---\r\n---\r\n# x\r\n", &Limits::default());
        let Metadata::Parsed(parsed) = metadata else { panic!("expected parsed metadata") };
        let root = parsed.documents[0].root.as_ref().unwrap();
        assert_eq!(root.value, Value::Mapping(Vec::new()));
        assert_eq!(root.span.start, 0);
    }

    #[test]
    fn jinja_front_matter_is_template() {
        let (metadata, _) = parse("---\n{{ card_data }}\n---\n# {{ model_id }}\n", &Limits::default());
        assert_eq!(metadata, Metadata::Template);
    }
}
