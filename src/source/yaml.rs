//! YAML loading with positions.
//!
//! The tree is built from `saphyr-parser` events with an explicit stack, so nesting never
//! touches the call stack and a deep file ends in a [`IssueKind::TooDeep`] issue instead of a
//! crash. Plain scalars are resolved with the YAML 1.2 core schema, or with YAML 1.1 rules for
//! a document that a `%YAML 1.1` directive precedes. Aliases are copied into the tree, and
//! the number of nodes they copy is counted before each copy so that an alias bomb stops early.

mod resolve;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

use super::lines::CharOffsets;
use super::pointer::escape_into;
use super::{Document, Entry, Issue, IssueKind, Limits, Node, Parsed, Span, Value};
use resolve::{resolve_plain, Resolved, Version};

/// Parses a YAML stream. `text` has no byte order mark; spans in the result are byte offsets
/// into `text`.
pub fn parse(text: &str, limits: &Limits) -> Parsed {
    let mut loader = Loader::new(text, *limits, aliased_anchors(text));
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let flow = match next {
            Ok((event, span)) => loader.on_event(event, span),
            Err(error) => {
                loader.on_scan_error(&error);
                ControlFlow::Break(())
            }
        };
        if flow.is_break() {
            break;
        }
    }
    loader.parsed
}

/// Collects the ids of the anchors that some alias refers to, in a first pass over the events.
///
/// The loader keeps a copy of every anchored node for later aliases. Copying anchors that no
/// alias uses would let a file without a single alias, such as 200 anchors nested around one
/// large list, cost 200 copies of the list. With this set the loader copies only aliased
/// anchors, and it charges those copies to the alias budget: each aliased anchor is expanded
/// at least once, so a file within [`Limits::max_alias_expansions`] never trips that charge.
/// A text without `*` has no alias, and the pass is skipped.
fn aliased_anchors(text: &str) -> HashSet<usize> {
    let mut aliased = HashSet::new();
    if !text.contains('*') {
        return aliased;
    }
    let mut parser = Parser::new_from_str(text);
    while let Some(Ok((event, _))) = parser.next_event() {
        if let Event::Alias(id) = event {
            aliased.insert(id);
        }
    }
    aliased
}

const CORE_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// Character index → byte offset, with a fast path for ASCII text.
struct Offsets<'a> {
    ascii: bool,
    chars: CharOffsets<'a>,
}

impl Offsets<'_> {
    fn byte(&self, marker: &saphyr_parser::Marker) -> usize {
        if self.ascii {
            marker.index()
        } else {
            self.chars.byte_offset(marker.index())
        }
    }
}

/// A node whose anchor was defined, kept for the aliases that refer to it.
struct Anchored {
    node: Node,
    /// Nodes in the fully expanded node, including keys that are dropped from the tree.
    size: usize,
    /// Collections nested in the node, counting the node itself.
    height: usize,
}

/// A collection being built.
struct Frame {
    collection: Collection,
    start: usize,
    /// End of the last child, for block collections, whose end event carries no position.
    last_end: usize,
    anchor: usize,
    size: usize,
    height: usize,
}

enum Collection {
    Sequence(Vec<Node>),
    Mapping(MappingState),
}

#[derive(Default)]
struct MappingState {
    /// Entries in source order; a key seen again leaves `None` at its first place.
    entries: Vec<Option<Entry>>,
    /// Key → index in `entries`.
    index: HashMap<String, usize>,
    next: Slot,
    /// Span of the `<<` key.
    merge_key: Option<Span>,
    merge: Option<Merge>,
}

struct Merge {
    /// Index in `entries` where the merged entries go.
    at: usize,
    sources: Vec<Vec<Entry>>,
}

/// The role of the next completed node in a mapping.
#[derive(Default)]
enum Slot {
    #[default]
    Key,
    Value {
        key: String,
        key_span: Span,
    },
    MergeValue,
    /// The value of a key that could not be kept (a mapping or a sequence as a key).
    Skipped,
}

/// Facts about a completed node that its parent needs.
#[derive(Default)]
struct Completed {
    size: usize,
    height: usize,
    anchor: usize,
    /// A plain, untagged `<<`.
    merge_key: bool,
}

struct OpenDocument {
    index: usize,
    start: Span,
    version: Version,
    root: Option<Node>,
}

struct Loader<'a> {
    text: &'a str,
    offsets: Offsets<'a>,
    limits: Limits,
    parsed: Parsed,
    document: Option<OpenDocument>,
    /// Byte offset from which the directives of the next document may start.
    directives_from: usize,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    /// The anchors some alias refers to; only these are kept in `anchors`.
    aliased: HashSet<usize>,
    /// Nodes copied by aliases so far, in the whole file.
    expansions: usize,
    /// Nodes copied into `anchors` so far, in the whole file.
    anchor_copies: usize,
    /// End of the last event's span.
    last_event_end: usize,
}

impl<'a> Loader<'a> {
    fn new(text: &'a str, limits: Limits, aliased: HashSet<usize>) -> Loader<'a> {
        Loader {
            text,
            offsets: Offsets { ascii: text.is_ascii(), chars: CharOffsets::new(text) },
            limits,
            parsed: Parsed::default(),
            document: None,
            directives_from: 0,
            stack: Vec::new(),
            anchors: HashMap::new(),
            aliased,
            expansions: 0,
            anchor_copies: 0,
            last_event_end: 0,
        }
    }

    fn span(&self, span: &saphyr_parser::Span) -> Span {
        Span::new(self.offsets.byte(&span.start), self.offsets.byte(&span.end))
    }

    fn on_event(&mut self, event: Event<'_>, marker_span: saphyr_parser::Span) -> ControlFlow<()> {
        let span = self.span(&marker_span);
        self.last_event_end = span.end;
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            Event::DocumentStart(_) => self.start_document(span),
            Event::DocumentEnd => self.end_document(span),
            Event::Scalar(text, style, anchor, tag) => {
                let props = anchor != 0 || tag.is_some();
                let span = self.content_span(span, props);
                self.on_scalar(&text, style, anchor, tag.as_deref(), span)?;
            }
            Event::Alias(id) => self.on_alias(id, span)?,
            Event::SequenceStart(anchor, tag) => {
                let start = self.content_span(span, anchor != 0 || tag.is_some()).start;
                self.start_collection(Collection::Sequence(Vec::new()), start, anchor, tag.as_deref(), "seq")?;
            }
            Event::MappingStart(anchor, tag) => {
                let start = self.content_span(span, anchor != 0 || tag.is_some()).start;
                let collection = Collection::Mapping(MappingState::default());
                self.start_collection(collection, start, anchor, tag.as_deref(), "map")?;
            }
            Event::SequenceEnd | Event::MappingEnd => self.end_collection(span)?,
        }
        ControlFlow::Continue(())
    }

    // ----- documents -----

    fn start_document(&mut self, span: Span) {
        let region = self.text.get(self.directives_from..span.start).unwrap_or_default();
        self.document = Some(OpenDocument {
            index: self.parsed.documents.len(),
            start: span,
            version: directive_version(region),
            root: None,
        });
        self.anchors.clear();
    }

    fn end_document(&mut self, span: Span) {
        if let Some(document) = self.document.take() {
            let end = document.root.as_ref().map_or(document.start.end, |root| root.span.end.max(document.start.end));
            self.parsed.documents.push(Document {
                index: document.index,
                root: document.root,
                span: Span::new(document.start.start, end),
            });
        }
        self.directives_from = span.end;
    }

    fn version(&self) -> Version {
        self.document.as_ref().map_or(Version::V1_2, |document| document.version)
    }

    fn document_index(&self) -> usize {
        self.document.as_ref().map_or(self.parsed.documents.len(), |document| document.index)
    }

    // ----- issues -----

    /// Builds the JSON Pointer of the node that completes next.
    fn pointer(&self) -> String {
        let mut pointer = String::new();
        for frame in &self.stack {
            match &frame.collection {
                Collection::Sequence(items) => {
                    pointer.push('/');
                    pointer.push_str(&items.len().to_string());
                }
                Collection::Mapping(mapping) => match &mapping.next {
                    Slot::Value { key, .. } => {
                        pointer.push('/');
                        escape_into(key, &mut pointer);
                    }
                    Slot::MergeValue => pointer.push_str("/<<"),
                    Slot::Key | Slot::Skipped => {}
                },
            }
        }
        pointer
    }

    fn pointer_with(&self, key: &str) -> String {
        let mut pointer = self.pointer();
        pointer.push('/');
        escape_into(key, &mut pointer);
        pointer
    }

    fn issue(&mut self, kind: IssueKind, span: Span, pointer: String) {
        let document = Some(self.document_index());
        self.parsed.push_issue(Issue { kind, span, pointer, document }, self.limits.max_findings);
    }

    fn on_scan_error(&mut self, error: &ScanError) {
        let offset = self.offsets.byte(error.marker());
        if error.info() == SAPHYR_FLOW_LIMIT_MESSAGE {
            self.on_flow_limit(offset);
            return;
        }
        let message = reword_scan_error(error.info(), self.text, offset);
        self.issue(IssueKind::Syntax { message }, Span::at(offset), self.pointer());
    }

    /// Handles saphyr's own limit on flow nesting. Its scanner reads ahead through the whole
    /// run of opening brackets before the parser reports any of them, so the place where
    /// `max_depth` is passed is found by scanning the text from the last event onwards.
    /// NOTE: the issue's pointer is that of the last node saphyr reported, which is shorter than
    /// the pointer of the bracket the issue points at.
    fn on_flow_limit(&mut self, offset: usize) {
        let pointer = self.pointer();
        let target = self.limits.max_depth + 1;
        match find_flow_opening(self.text, self.last_event_end, self.stack.len(), target) {
            Some(at) => {
                let limit = self.limits.max_depth;
                self.issue(IssueKind::TooDeep { limit }, Span::at(at), pointer);
            }
            None => {
                // NOTE: with a `max_depth` above saphyr's flow limit, flow collections nested
                // between the two limits cannot be loaded and are reported as a syntax error.
                let message =
                    format!("flow collections nested more than {SAPHYR_FLOW_LIMIT} levels deep are not supported");
                self.issue(IssueKind::Syntax { message }, Span::at(offset), pointer);
            }
        }
    }

    /// True when the next completed node is a mapping key.
    fn expecting_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame { collection: Collection::Mapping(MappingState { next: Slot::Key, .. }), .. })
        )
    }

    // ----- nodes -----

    /// The span of a node's content. For a node with a tag or an anchor, saphyr's span starts at
    /// the first property, so the properties, and any space or comment after them, are skipped.
    fn content_span(&self, span: Span, has_properties: bool) -> Span {
        if !has_properties {
            return span;
        }
        let bytes = self.text.as_bytes();
        let mut at = span.start;
        loop {
            while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\r' | b'\n') {
                at += 1;
            }
            match bytes.get(at) {
                Some(b'#') => {
                    while at < bytes.len() && !matches!(bytes[at], b'\r' | b'\n') {
                        at += 1;
                    }
                }
                Some(b'!' | b'&') => {
                    while at < bytes.len()
                        && !matches!(bytes[at], b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']' | b'{' | b'}')
                    {
                        at += 1;
                    }
                }
                _ => break,
            }
        }
        Span::new(at.min(span.end), span.end)
    }

    fn on_scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        span: Span,
    ) -> ControlFlow<()> {
        let is_key = self.expecting_key();
        let plain = style == ScalarStyle::Plain;
        let mut issues = Vec::new();

        let value = match tag {
            None if plain => {
                let reading = resolve_plain(text, self.version());
                if self.version() == Version::V1_2 {
                    let other = resolve_plain(text, Version::V1_1);
                    if other != reading {
                        issues.push(IssueKind::YamlVersionDifference {
                            text: text.to_string(),
                            read_as: reading.describe(text),
                            other_reading: other.describe(text),
                            other_version: "1.1",
                        });
                    }
                }
                resolved_value(reading, text)
            }
            None => Value::String(text.to_string()),
            Some(tag) => self.tagged_scalar(text, tag, &mut issues),
        };
        if let (Value::NonFinite(_), false) = (&value, is_key) {
            issues.push(IssueKind::NonFinite { text: text.to_string() });
        }

        if !issues.is_empty() {
            let pointer = if is_key { self.pointer_with(&key_text(&value)) } else { self.pointer() };
            for kind in issues {
                self.issue(kind, span, pointer.clone());
            }
        }

        // An empty document points at its `---` rather than at the empty place after it.
        let mut span = span;
        if self.stack.is_empty() && text.is_empty() && plain && anchor == 0 && tag.is_none() {
            if let Some(document) = &self.document {
                span = document.start;
            }
        }

        let merge_key = is_key && plain && tag.is_none() && text == "<<";
        self.complete(Node::new(value, span), Completed { size: 1, height: 0, anchor, merge_key })
    }

    fn tagged_scalar(&mut self, text: &str, tag: &Tag, issues: &mut Vec<IssueKind>) -> Value {
        let full = format!("{}{}", tag.handle, tag.suffix);
        let name = tag_name(tag);
        let Some(core) = full.strip_prefix(CORE_TAG_PREFIX) else {
            // `!` alone is the non-specific tag: the scalar is a string. saphyr 0.3 reports it
            // with an empty handle and the suffix `!`.
            if full != "!" {
                issues.push(IssueKind::UnsupportedTag { tag: name });
            }
            return Value::String(text.to_string());
        };

        let reading = resolve_plain(text, self.version());
        let fits = match core {
            "str" => return Value::String(text.to_string()),
            "int" => matches!(reading, Resolved::Int(_)),
            "float" => matches!(reading, Resolved::Int(_) | Resolved::Float(_) | Resolved::NonFinite(_)),
            "bool" => matches!(reading, Resolved::Bool(_)),
            "null" => matches!(reading, Resolved::Null),
            _ => false,
        };
        if fits {
            resolved_value(reading, text)
        } else {
            issues.push(IssueKind::UnsupportedTag { tag: name });
            Value::String(text.to_string())
        }
    }

    fn on_alias(&mut self, id: usize, span: Span) -> ControlFlow<()> {
        let Some(anchored) = self.anchors.get(&id) else {
            let open = self.stack.iter().any(|frame| frame.anchor == id);
            let name = self.text.get(span.start..span.end).unwrap_or("*");
            let message = if open {
                format!("the alias {name} refers to a node that contains it")
            } else {
                format!("the alias {name} refers to an anchor defined in an earlier document")
            };
            self.issue(IssueKind::Syntax { message }, span, self.pointer());
            return ControlFlow::Break(());
        };
        let (size, height) = (anchored.size, anchored.height);

        // Count before copying, so that a bomb never gets built.
        if self.expansions + size > self.limits.max_alias_expansions {
            let limit = self.limits.max_alias_expansions;
            self.issue(IssueKind::TooManyAliases { limit }, span, self.pointer());
            return ControlFlow::Break(());
        }
        self.expansions += size;
        if self.stack.len() + height > self.limits.max_depth {
            let limit = self.limits.max_depth;
            self.issue(IssueKind::TooDeep { limit }, span, self.pointer());
            return ControlFlow::Break(());
        }

        // A collection used as a key is dropped anyway, so it is not copied.
        let is_collection = matches!(anchored.node.value, Value::Sequence(_) | Value::Mapping(_));
        if is_collection && self.expecting_key() {
            return self.complex_key(span, size);
        }
        let node = Node::new(anchored.node.value.clone(), span);
        self.complete(node, Completed { size, height, ..Completed::default() })
    }

    fn start_collection(
        &mut self,
        collection: Collection,
        start: usize,
        anchor: usize,
        tag: Option<&Tag>,
        expected_tag: &str,
    ) -> ControlFlow<()> {
        if self.stack.len() >= self.limits.max_depth {
            let limit = self.limits.max_depth;
            self.issue(IssueKind::TooDeep { limit }, Span::at(start), self.pointer());
            return ControlFlow::Break(());
        }
        if let Some(tag) = tag {
            let full = format!("{}{}", tag.handle, tag.suffix);
            if full.strip_prefix(CORE_TAG_PREFIX) != Some(expected_tag) {
                let tag = tag_name(tag);
                self.issue(IssueKind::UnsupportedTag { tag }, Span::at(start), self.pointer());
            }
        }
        self.stack.push(Frame { collection, start, last_end: start, anchor, size: 1, height: 1 });
        ControlFlow::Continue(())
    }

    fn end_collection(&mut self, span: Span) -> ControlFlow<()> {
        let Some(frame) = self.stack.pop() else {
            return ControlFlow::Continue(());
        };
        // A flow collection ends at its `]` or `}`; a block one at its last child.
        let end = if span.end > span.start { span.end } else { frame.last_end };
        let value = match frame.collection {
            Collection::Sequence(items) => Value::Sequence(items),
            Collection::Mapping(mapping) => Value::Mapping(finish_mapping(mapping)),
        };
        let node = Node::new(value, Span::new(frame.start, end));
        self.complete(
            node,
            Completed { size: frame.size, height: frame.height, anchor: frame.anchor, merge_key: false },
        )
    }

    /// Records a key that is a mapping or a sequence: JSON has no such key, so the entry is
    /// dropped.
    fn complex_key(&mut self, span: Span, size: usize) -> ControlFlow<()> {
        self.issue(IssueKind::ComplexKey, span, self.pointer());
        if let Some(frame) = self.stack.last_mut() {
            frame.size += size;
            frame.last_end = frame.last_end.max(span.end);
            if let Collection::Mapping(mapping) = &mut frame.collection {
                mapping.next = Slot::Skipped;
            }
        }
        ControlFlow::Continue(())
    }

    /// Attaches a finished node to its parent, or makes it the document's root.
    fn complete(&mut self, node: Node, completed: Completed) -> ControlFlow<()> {
        if completed.anchor != 0 && self.aliased.contains(&completed.anchor) {
            self.anchor_copies += completed.size;
            if self.anchor_copies > self.limits.max_alias_expansions {
                let limit = self.limits.max_alias_expansions;
                self.issue(IssueKind::TooManyAliases { limit }, node.span, self.pointer());
                return ControlFlow::Break(());
            }
            let anchored = Anchored { node: node.clone(), size: completed.size, height: completed.height };
            self.anchors.insert(completed.anchor, anchored);
        }

        if self.expecting_key() {
            return self.complete_key(node, completed);
        }
        let Some(frame) = self.stack.last_mut() else {
            if let Some(document) = &mut self.document {
                document.root = Some(node);
            }
            return ControlFlow::Continue(());
        };
        frame.size += completed.size;
        frame.height = frame.height.max(completed.height + 1);
        frame.last_end = frame.last_end.max(node.span.end);

        let mapping = match &mut frame.collection {
            Collection::Sequence(items) => {
                items.push(node);
                return ControlFlow::Continue(());
            }
            Collection::Mapping(mapping) => mapping,
        };
        match std::mem::take(&mut mapping.next) {
            Slot::Key | Slot::Skipped => {}
            Slot::MergeValue => {
                let at = mapping.entries.len();
                match merge_sources(node.value) {
                    Ok(sources) => mapping.merge = Some(Merge { at, sources }),
                    Err(found) => {
                        let message = format!(
                            "the value of a `<<` merge key must be a mapping or a sequence of mappings, not {found}"
                        );
                        let pointer = self.pointer_with("<<");
                        self.issue(IssueKind::InvalidMerge { message }, node.span, pointer);
                    }
                }
            }
            Slot::Value { key, key_span } => {
                let at = mapping.entries.len();
                if let Some(first) = mapping.index.insert(key.clone(), at) {
                    let first_span = mapping.entries[first].take().map_or(key_span, |entry| entry.key_span);
                    mapping.entries.push(Some(Entry { key: key.clone(), key_span, value: node }));
                    let pointer = self.pointer_with(&key);
                    self.issue(IssueKind::DuplicateKey { key, first: first_span }, key_span, pointer);
                } else {
                    mapping.entries.push(Some(Entry { key, key_span, value: node }));
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn complete_key(&mut self, node: Node, completed: Completed) -> ControlFlow<()> {
        if matches!(node.value, Value::Sequence(_) | Value::Mapping(_)) {
            return self.complex_key(node.span, completed.size);
        }
        let Some(Frame { collection: Collection::Mapping(mapping), size, last_end, .. }) = self.stack.last_mut() else {
            return ControlFlow::Continue(());
        };
        *size += completed.size;
        *last_end = (*last_end).max(node.span.end);

        if !completed.merge_key {
            mapping.next = Slot::Value { key: key_text(&node.value), key_span: node.span };
            return ControlFlow::Continue(());
        }
        let first = mapping.merge_key.replace(node.span);
        if let Some(first) = first {
            // The later `<<` replaces the earlier one, as a later duplicate key does.
            mapping.merge = None;
            let pointer = self.pointer_with("<<");
            self.issue(IssueKind::DuplicateMergeKey { first }, node.span, pointer);
        }
        if let Some(Frame { collection: Collection::Mapping(mapping), .. }) = self.stack.last_mut() {
            mapping.next = Slot::MergeValue;
        }
        ControlFlow::Continue(())
    }
}

/// Rewords scanner errors whose own text misleads. saphyr-parser, like PyYAML, rejects a tab
/// right after the `:` of a block mapping entry, which YAML 1.2 allows, and says the tab is no
/// whitespace.
fn reword_scan_error(info: &str, text: &str, offset: usize) -> String {
    let near = |range: std::ops::Range<usize>| text.get(range).unwrap_or("");
    let tab_follows = near(offset.saturating_sub(1)..offset) == "\t" || near(offset..offset + 1) == "\t";
    if info.contains("must be followed by a valid YAML whitespace") && tab_follows {
        return "a tab after `:` is not accepted by this parser or by PyYAML, although YAML 1.2 allows it; use a space"
            .to_string();
    }
    info.to_string()
}

/// saphyr-parser 0.3 keeps the flow nesting level in a `u8` and fails with this message when an
/// opening bracket would take it past 255.
const SAPHYR_FLOW_LIMIT_MESSAGE: &str = "recursion limit exceeded";
const SAPHYR_FLOW_LIMIT: usize = 255;

/// Finds the `[` or `{` that opens nesting level `target` in flow text starting at `from`,
/// where `depth` collections are already open. Quoted scalars and comments are skipped. The
/// scan stops when the nesting drops back to `depth`, because the deep run has then ended.
fn find_flow_opening(text: &str, from: usize, depth: usize, target: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let start_depth = depth;
    let mut depth = depth;
    let mut previous = b' ';
    let mut at = from;
    while at < bytes.len() {
        let byte = bytes[at];
        let node_start = matches!(previous, b'[' | b'{' | b',' | b':' | b'?' | b' ' | b'\t' | b'\r' | b'\n');
        match byte {
            b'[' | b'{' => {
                depth += 1;
                if depth == target {
                    return Some(at);
                }
            }
            b']' | b'}' => {
                depth -= 1;
                if depth <= start_depth {
                    return None;
                }
            }
            b'#' if matches!(previous, b' ' | b'\t' | b'\r' | b'\n') => {
                while at < bytes.len() && !matches!(bytes[at], b'\r' | b'\n') {
                    at += 1;
                }
                continue;
            }
            b'"' if node_start => {
                at += 1;
                while at < bytes.len() && bytes[at] != b'"' {
                    at += if bytes[at] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' if node_start => {
                at += 1;
                while at < bytes.len() {
                    if bytes[at] == b'\'' {
                        if bytes.get(at + 1) == Some(&b'\'') {
                            at += 1;
                        } else {
                            break;
                        }
                    }
                    at += 1;
                }
            }
            _ => {}
        }
        previous = bytes.get(at).copied().unwrap_or(b' ');
        at += 1;
    }
    None
}

/// Reads the version from the `%YAML` directive among the lines before a document's `---`.
fn directive_version(region: &str) -> Version {
    for line in region.lines() {
        let Some(rest) = line.strip_prefix("%YAML") else {
            continue;
        };
        let version = rest.split_whitespace().next().unwrap_or_default();
        if let Some(("1", minor)) = version.split_once('.') {
            if minor.parse::<u32>().is_ok_and(|minor| minor < 2) {
                return Version::V1_1;
            }
        }
    }
    Version::V1_2
}

fn tag_name(tag: &Tag) -> String {
    let full = format!("{}{}", tag.handle, tag.suffix);
    match full.strip_prefix(CORE_TAG_PREFIX) {
        Some(core) => format!("!!{core}"),
        None => tag.to_string(),
    }
}

fn resolved_value(reading: Resolved, text: &str) -> Value {
    match reading {
        Resolved::Null => Value::Null,
        Resolved::Bool(value) => Value::Bool(value),
        Resolved::Int(literal) | Resolved::Float(literal) => Value::Number(literal),
        Resolved::NonFinite(_) => Value::NonFinite(text.to_string()),
        Resolved::String => Value::String(text.to_string()),
    }
}

/// The string form of a scalar key: its JSON text, so `1` → `"1"` and `true` → `"true"`.
fn key_text(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(value) => value.to_string(),
        Value::Number(text) | Value::String(text) | Value::NonFinite(text) => text.clone(),
        Value::Sequence(_) | Value::Mapping(_) => String::new(),
    }
}

/// The mappings a `<<` value merges, or a description of what it is instead.
fn merge_sources(value: Value) -> Result<Vec<Vec<Entry>>, &'static str> {
    match value {
        Value::Mapping(entries) => Ok(vec![entries]),
        Value::Sequence(items) => items
            .into_iter()
            .map(|item| match item.value {
                Value::Mapping(entries) => Ok(entries),
                _ => Err("a sequence with an item that is not a mapping"),
            })
            .collect(),
        Value::Null => Err("null"),
        Value::Bool(_) => Err("a boolean"),
        Value::Number(_) | Value::NonFinite(_) => Err("a number"),
        Value::String(_) => Err("a string"),
    }
}

/// Drops the places of overwritten duplicates and inserts merged entries. Keys written in the
/// mapping win over merged ones, and earlier merged mappings win over later ones.
fn finish_mapping(mapping: MappingState) -> Vec<Entry> {
    let Some(merge) = mapping.merge else {
        return mapping.entries.into_iter().flatten().collect();
    };

    let mut taken: HashSet<String> = mapping.index.into_keys().collect();
    let mut merged = Vec::new();
    for source in merge.sources {
        for entry in source {
            if taken.insert(entry.key.clone()) {
                merged.push(entry);
            }
        }
    }

    let mut entries = Vec::with_capacity(mapping.entries.len() + merged.len());
    let mut merged = Some(merged);
    for (i, entry) in mapping.entries.into_iter().enumerate() {
        if i == merge.at {
            entries.extend(merged.take().unwrap_or_default());
        }
        entries.extend(entry);
    }
    entries.extend(merged.unwrap_or_default());
    entries
}
