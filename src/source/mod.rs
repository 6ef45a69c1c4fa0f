//! Parsers that keep source positions.
//!
//! Every format mlconform reads (JSON, YAML, Markdown front matter) is parsed into the same
//! tree of [`Node`]s. A node carries its value and the byte span it came from, so any finding
//! about a node can be located exactly. Spans are byte offsets into the file's text with any
//! UTF-8 byte order mark removed; [`LineIndex`] turns them into 1-based lines and columns that
//! count Unicode scalar values.

pub mod frontmatter;
pub mod json;
pub mod lines;
pub mod pointer;
pub mod read;
pub mod yaml;

pub use lines::{LineIndex, Position};

/// A half-open byte range `start..end` in a file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// An empty span at `offset`.
    pub fn at(offset: usize) -> Span {
        Span { start: offset, end: offset }
    }

    pub fn shifted(self, by: usize) -> Span {
        Span { start: self.start + by, end: self.end + by }
    }
}

/// A parsed value with its position in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// A mapping entry: the key keeps its own span so that findings about a key (unknown,
/// duplicated) point at the key and findings about the value point at the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

/// The JSON data model, plus the one YAML value JSON cannot hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number as a JSON number literal (`-12`, `0.5`, `1e-400`). The literal is kept so
    /// that no precision is lost before validation: `1e400` stays greater than `1` and
    /// `1e-400` stays greater than `0`.
    Number(String),
    String(String),
    Sequence(Vec<Node>),
    /// Entries in source order. Duplicate keys are reported by the parser and only the last
    /// occurrence is kept here, so that the tree is a plain JSON object.
    Mapping(Vec<Entry>),
    /// `.nan`, `.inf` or `-.inf` in YAML: a number outside the JSON data model. The parser
    /// reports it; validation sees `null` at this place and stays silent about it.
    NonFinite(String),
}

impl Node {
    pub fn new(value: Value, span: Span) -> Node {
        Node { value, span }
    }

    /// The entries of a mapping, or `None` for any other value.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|entry| &entry.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries()?.iter().find(|entry| entry.key == key)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// Moves every span in the tree by `by` bytes, for a tree parsed from a slice of a file.
    pub fn shift(&mut self, by: usize) {
        self.span = self.span.shifted(by);
        match &mut self.value {
            Value::Sequence(items) => items.iter_mut().for_each(|item| item.shift(by)),
            Value::Mapping(entries) => {
                for entry in entries {
                    entry.key_span = entry.key_span.shifted(by);
                    entry.value.shift(by);
                }
            }
            _ => {}
        }
    }

    /// Converts the tree to a `serde_json::Value` for schema validation.
    ///
    /// Non-finite numbers become `null`; their pointers are pushed to `non_finite` so that the
    /// caller can drop schema findings about them (the parser has already reported them).
    pub fn to_json(&self, pointer: &mut String, non_finite: &mut Vec<String>) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(literal) => match serde_json::from_str::<serde_json::Number>(literal) {
                Ok(number) => J::Number(number),
                Err(_) => J::Null,
            },
            Value::String(text) => J::String(text.clone()),
            Value::NonFinite(_) => {
                non_finite.push(pointer.clone());
                J::Null
            }
            Value::Sequence(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&i.to_string());
                    out.push(item.to_json(pointer, non_finite));
                    pointer.truncate(len);
                }
                J::Array(out)
            }
            Value::Mapping(entries) => {
                let mut out = serde_json::Map::with_capacity(entries.len());
                for entry in entries {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer::escape_into(&entry.key, pointer);
                    out.insert(entry.key.clone(), entry.value.to_json(pointer, non_finite));
                    pointer.truncate(len);
                }
                J::Object(out)
            }
        }
    }
}

/// One document of a file: a JSON file has one, a YAML stream any number, a Markdown file
/// the front matter.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Position of the document in a multi-document stream, from 0.
    pub index: usize,
    /// `None` for a document with no content at all (an empty file, a comment-only file).
    pub root: Option<Node>,
    /// Where the document starts; findings about an empty document point here.
    pub span: Span,
}

/// A problem found while parsing, located at the node it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub kind: IssueKind,
    pub span: Span,
    /// JSON Pointer of the node concerned, `""` for the document root or when unknown.
    pub pointer: String,
    /// The document of a multi-document stream the issue is in.
    pub document: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum IssueKind {
    /// The text is not valid JSON or YAML. Parsing stops at the first syntax error.
    Syntax { message: String },
    /// A key appears twice in one mapping. `first` is the span of the first occurrence.
    DuplicateKey { key: String, first: Span },
    /// A plain YAML scalar that a YAML 1.1 reader (PyYAML, older Kubernetes tooling) reads
    /// differently from a YAML 1.2 reader. Both readings are given as short descriptions,
    /// such as `the string "no"` and `the boolean false`.
    YamlVersionDifference { text: String, read_as: String, other_reading: String, other_version: &'static str },
    /// A mapping holds more than one `<<` merge key.
    DuplicateMergeKey { first: Span },
    /// A `<<` merge key whose value is not a mapping or a sequence of mappings.
    InvalidMerge { message: String },
    /// `.nan`, `.inf`, `-.inf`, or a JSON `NaN`/`Infinity` token.
    NonFinite { text: String },
    /// Nesting deeper than the limit: parsing stops here.
    TooDeep { limit: usize },
    /// Alias expansions beyond the limit: an alias bomb, or a file too repetitive to load.
    TooManyAliases { limit: usize },
    /// A mapping key that is itself a mapping or a sequence: JSON has no such key.
    ComplexKey,
    /// A tag mlconform does not resolve (`!!binary`, `!custom`), or a value that does not fit
    /// its tag (`!!int foo`). The value is kept as a string.
    UnsupportedTag { tag: String },
    /// The Markdown front matter opens with `---` but is never closed.
    UnclosedFrontMatter,
}

impl IssueKind {
    /// True for the issues after which the parser reads no further.
    pub fn stops_parsing(&self) -> bool {
        matches!(
            self,
            IssueKind::Syntax { .. }
                | IssueKind::TooDeep { .. }
                | IssueKind::TooManyAliases { .. }
                | IssueKind::UnclosedFrontMatter
        )
    }
}

/// The highest `--max-depth` accepted. Validation recurses once per nesting level on threads
/// with a fixed stack, and depths far beyond this one overflowed it in testing.
pub const MAX_DEPTH_CEILING: usize = 10_000;

/// Limits that keep a hostile file from exhausting the stack, the memory or the CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of sequences and mappings. Identical for JSON, YAML and schemas.
    pub max_depth: usize,
    /// Maximum number of nodes that YAML aliases may copy into the tree, in total per file.
    pub max_alias_expansions: usize,
    /// Maximum number of findings kept per file, 0 for no limit. Parsers keep this many
    /// issues and only count the rest, so a file made of a million duplicate keys costs a
    /// count, not a million issues.
    pub max_findings: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: DEFAULT_MAX_DEPTH,
            max_alias_expansions: DEFAULT_MAX_ALIAS_EXPANSIONS,
            max_findings: DEFAULT_MAX_FINDINGS,
        }
    }
}

/// Default limit on nodes copied by YAML aliases. Real configs copy a few hundred; the alias
/// bombs that YAML parsers guard against copy billions.
pub const DEFAULT_MAX_ALIAS_EXPANSIONS: usize = 100_000;

/// Default number of findings kept per file before the rest are summarised.
pub const DEFAULT_MAX_FINDINGS: usize = 100;

/// Default nesting limit, the same for JSON, YAML and schemas. Real configs nest a dozen
/// levels. The YAML parser (saphyr-parser 0.3) cannot go past 255 levels of flow nesting, so
/// 255 is the highest limit every format can honour.
pub const DEFAULT_MAX_DEPTH: usize = 255;

/// What a parser returns: the documents it read and the problems it found. Both may be
/// non-empty: a duplicate key is an issue, but the document is still usable.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub documents: Vec<Document>,
    pub issues: Vec<Issue>,
    /// Issues past [`Limits::max_findings`], counted but not kept, grouped by kind.
    pub omitted: Vec<OmittedIssues>,
}

/// Issues of one kind that were counted but not kept.
#[derive(Debug, Clone, PartialEq)]
pub struct OmittedIssues {
    /// The first omitted issue of the kind, which stands for all of them.
    pub sample: IssueKind,
    pub count: usize,
}

impl Parsed {
    /// Keeps `issue`, or only counts it once `max_findings` issues are kept (0 means no
    /// limit). An issue that stops the parser is always kept, because [`Parsed::is_broken`]
    /// depends on it, and a parser stops at most once.
    pub fn push_issue(&mut self, issue: Issue, max_findings: usize) {
        if max_findings == 0 || self.issues.len() < max_findings || issue.kind.stops_parsing() {
            self.issues.push(issue);
            return;
        }
        let kind = std::mem::discriminant(&issue.kind);
        match self.omitted.iter_mut().find(|omitted| std::mem::discriminant(&omitted.sample) == kind) {
            Some(omitted) => omitted.count += 1,
            None => self.omitted.push(OmittedIssues { sample: issue.kind, count: 1 }),
        }
    }

    /// The number of issues found, kept or not.
    pub fn issue_count(&self) -> usize {
        self.issues.len() + self.omitted.iter().map(|omitted| omitted.count).sum::<usize>()
    }

    /// True when a syntax error (or a limit) stopped the parser, so the documents are partial.
    pub fn is_broken(&self) -> bool {
        self.issues.iter().any(|issue| issue.kind.stops_parsing())
    }
}
