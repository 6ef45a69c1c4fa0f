//! A static pass over a user's schema before it is compiled.
//!
//! It resolves every `$ref` offline and reports one that cannot be resolved at its position in
//! the schema file, and it finds `$ref` cycles that never move down the instance (a definition
//! whose `oneOf` refers back to itself). Such a cycle would recurse forever on an instance
//! that reaches it, so it is a schema error, reported at the `$ref` that closes it; [`reach`]
//! then finds the value of each instance at which validation would have looped.

mod reach;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use jsonschema::Draft;
use serde_json::Value as Json;
use url::Url;

use self::reach::SchemaLocation;
pub use self::reach::{LoopSite, Reach};
use super::user::{Loaded, Offline, SchemaProblem};
use crate::report::{Location, SourceText};
use crate::source::{pointer, Node, Span, Value};

/// Keywords whose value is a subschema applied to the same instance.
const IN_PLACE_ONE: &[&str] = &["not", "if", "then", "else"];
/// Keywords whose value is a list of subschemas applied to the same instance.
const IN_PLACE_LIST: &[&str] = &["allOf", "anyOf", "oneOf"];
/// Keywords whose value is a subschema applied to a part of the instance.
const CHILD_ONE: &[&str] = &[
    "additionalProperties",
    "additionalItems",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
];
/// Keywords whose value maps names to subschemas applied to parts of the instance (or, for
/// `$defs`, not applied at all until referenced).
const CHILD_MAP: &[&str] = &["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];

/// Returns the draft a schema declares with `$schema`.
pub fn draft_of(schema: &Json) -> Option<Draft> {
    let declared = schema.get("$schema")?.as_str()?;
    let trimmed = declared.trim_end_matches('#');
    Some(match trimmed {
        "http://json-schema.org/draft-04/schema" => Draft::Draft4,
        "http://json-schema.org/draft-06/schema" => Draft::Draft6,
        "http://json-schema.org/draft-07/schema" => Draft::Draft7,
        "https://json-schema.org/draft/2019-09/schema" => Draft::Draft201909,
        "https://json-schema.org/draft/2020-12/schema" => Draft::Draft202012,
        _ => return None,
    })
}

/// One schema document known to the pass.
#[derive(Debug)]
struct Doc {
    source: Arc<SourceText>,
    root: Node,
}

/// A reference found in a document: where it is and where it leads.
struct Reference {
    /// The document and pointer of the schema object holding the `$ref`.
    from: SchemaLocation,
    /// The span of the schema object holding the `$ref`, and of the `$ref` value.
    object_span: Span,
    value_span: Span,
    /// The absolute target URI, fragment included.
    target: String,
    /// The reference as written in the schema.
    written: String,
}

/// Checks the references of `root` and of every schema it reaches. Returns the URIs of the
/// documents it read, the root's included.
pub fn check(root: &Loaded, base_uri: &str, offline: &Offline, draft: Draft) -> Result<Vec<String>, SchemaProblem> {
    let mut docs: HashMap<String, Doc> = HashMap::new();
    let mut resources: HashMap<String, (String, String)> = HashMap::new();
    let mut anchors: HashMap<String, (String, String)> = HashMap::new();
    let mut references: Vec<Reference> = Vec::new();
    let mut queue: Vec<String> = Vec::new();

    let root_uri = strip_fragment(base_uri);
    docs.insert(root_uri.clone(), Doc { source: root.source.clone(), root: root.root.clone() });
    queue.push(root_uri);

    while let Some(doc_uri) = queue.pop() {
        let doc = &docs[&doc_uri];
        let mut walker = Walker {
            doc_uri: &doc_uri,
            draft,
            resources: &mut resources,
            anchors: &mut anchors,
            references: &mut references,
        };
        walker.walk(&doc.root, &doc_uri, &mut String::new(), 0);

        // Load every document the references of this one lead to.
        let pending: Vec<(String, Span, String)> = references
            .iter()
            .filter(|reference| reference.from.0 == doc_uri)
            .map(|reference| (strip_fragment(&reference.target), reference.value_span, reference.target.clone()))
            .collect();
        for (target_doc, value_span, target) in pending {
            if docs.contains_key(&target_doc) || resources.contains_key(&target_doc) || is_meta_schema(&target_doc) {
                continue;
            }
            match offline.load(&target_doc) {
                Ok(loaded) => {
                    docs.insert(target_doc.clone(), Doc { source: loaded.source, root: loaded.root });
                    queue.push(target_doc);
                }
                Err(message) => {
                    let source = docs[&doc_uri].source.clone();
                    let remote = !target_doc.starts_with("file:");
                    let help = remote.then(|| {
                        "mlconform never fetches schemas: map the URI prefix to a local folder with --map-uri PREFIX=DIR"
                            .to_string()
                    });
                    return Err(SchemaProblem {
                        message: format!("cannot resolve the reference to {target}: {message}"),
                        location: Some(Box::new(source.locate(value_span, ""))),
                        source: Some(source),
                        help,
                        cycle: None,
                    });
                }
            }
        }
        if docs.len() > 10_000 {
            break;
        }
    }

    let legacy = matches!(draft, Draft::Draft4 | Draft::Draft6 | Draft::Draft7);
    let targets: Vec<Option<SchemaLocation>> =
        references.iter().map(|reference| resolve_target(&reference.target, &docs, &resources, &anchors)).collect();
    if let Some((closing, members)) = find_cycle(&docs, &references, &targets, legacy) {
        let reference = &references[closing];
        let source = docs[&reference.from.0].source.clone();
        let location = source.locate(reference.object_span, &reference.from.1);
        let written = reference.written.clone();
        let targets = references
            .iter()
            .zip(targets)
            .filter_map(|(reference, target)| Some((reference.from.clone(), target?)))
            .collect();
        let root = (strip_fragment(base_uri), String::new());
        let files = local_files(docs.keys());
        let reach = Reach { docs, targets, members, root, legacy };
        return Err(SchemaProblem {
            message: format!(
                "\"$ref\": \"{written}\" loops back to itself without moving down the instance, so validation would never end"
            ),
            location: Some(Box::new(location.clone())),
            source: Some(source),
            help: Some("make every path back to this definition go through a keyword that moves into the instance, such as properties or items".to_string()),
            cycle: Some(Arc::new(RefCycle { reach, written, location, files })),
        });
    }
    let mut loaded: Vec<String> = docs.into_keys().collect();
    loaded.sort();
    Ok(loaded)
}

/// A `$ref` cycle that never moves down the instance, with what it takes to find where an
/// instance would make validation loop.
#[derive(Debug)]
pub struct RefCycle {
    pub reach: Reach,
    /// The `$ref` that closes the cycle, as written.
    pub written: String,
    /// The position of that `$ref` in its schema file.
    pub location: Location,
    /// Canonical paths of the schema's files, which a folder walk does not treat as instances.
    pub files: Vec<PathBuf>,
}

/// Returns the canonical paths of the local files among document URIs.
pub fn local_files<'a>(uris: impl Iterator<Item = &'a String>) -> Vec<PathBuf> {
    uris.filter_map(|uri| Url::parse(uri).ok())
        .filter_map(|url| url.to_file_path().ok())
        .filter_map(|path| std::fs::canonicalize(path).ok())
        .collect()
}

struct Walker<'a> {
    doc_uri: &'a str,
    draft: Draft,
    resources: &'a mut HashMap<String, (String, String)>,
    anchors: &'a mut HashMap<String, (String, String)>,
    references: &'a mut Vec<Reference>,
}

impl Walker<'_> {
    /// Visits a subschema at `pointer` with base URI `base`.
    fn walk(&mut self, node: &Node, base: &str, pointer: &mut String, depth: usize) {
        let Value::Mapping(entries) = &node.value else {
            return;
        };
        if depth > 500 {
            return;
        }
        let has_ref = node.get("$ref").is_some();
        let legacy = matches!(self.draft, Draft::Draft4 | Draft::Draft6 | Draft::Draft7);

        // `$id` changes the base URI, except next to `$ref` in drafts up to 7.
        let mut base = base.to_string();
        let id_key = if matches!(self.draft, Draft::Draft4) { "id" } else { "$id" };
        if let Some(id) = node.get(id_key).and_then(Node::as_str) {
            if !(legacy && has_ref) {
                if let Some(anchor) = id.strip_prefix('#') {
                    self.anchors.insert(
                        format!("{}#{anchor}", strip_fragment(&base)),
                        (self.doc_uri.to_string(), pointer.clone()),
                    );
                } else if let Ok(joined) = join(&base, id) {
                    base = strip_fragment(&joined);
                    self.resources.insert(base.clone(), (self.doc_uri.to_string(), pointer.clone()));
                }
            }
        }
        if let Some(anchor) = node.get("$anchor").and_then(Node::as_str) {
            self.anchors
                .insert(format!("{}#{anchor}", strip_fragment(&base)), (self.doc_uri.to_string(), pointer.clone()));
        }
        if let Some(entry) = node.entry("$ref") {
            if let Some(written) = entry.value.as_str() {
                if let Ok(target) = join(&base, written) {
                    self.references.push(Reference {
                        from: (self.doc_uri.to_string(), pointer.clone()),
                        object_span: node.span,
                        value_span: entry.value.span,
                        target,
                        written: written.to_string(),
                    });
                }
            }
        }
        // Drafts up to 7 ignore the siblings of `$ref` during validation, but a pointer such as
        // `#/definitions/a` still reaches them, and jsonschema 0.60 (through its `referencing`
        // crate) registers their `$id`s. So the walk goes on, and the cycle search adds no
        // in-place edges for these siblings.
        for entry in entries {
            let keyword = entry.key.as_str();
            let length = pointer.len();
            pointer.push('/');
            pointer::escape_into(keyword, pointer);
            if IN_PLACE_ONE.contains(&keyword) || CHILD_ONE.contains(&keyword) {
                self.walk(&entry.value, &base, pointer, depth + 1);
            } else if IN_PLACE_LIST.contains(&keyword) || keyword == "prefixItems" || keyword == "items" {
                match &entry.value.value {
                    Value::Sequence(items) => {
                        for (i, item) in items.iter().enumerate() {
                            let inner = pointer.len();
                            pointer.push_str(&format!("/{i}"));
                            self.walk(item, &base, pointer, depth + 1);
                            pointer.truncate(inner);
                        }
                    }
                    _ => self.walk(&entry.value, &base, pointer, depth + 1),
                }
            } else if CHILD_MAP.contains(&keyword) || keyword == "dependencies" {
                if let Value::Mapping(children) = &entry.value.value {
                    for child in children {
                        let inner = pointer.len();
                        pointer.push('/');
                        pointer::escape_into(&child.key, pointer);
                        self.walk(&child.value, &base, pointer, depth + 1);
                        pointer.truncate(inner);
                    }
                }
            }
            pointer.truncate(length);
        }
    }
}

/// Edges from a schema location to the locations applied to the same instance, each with the
/// index of the `$ref` it goes through, if any.
type Edges = HashMap<SchemaLocation, Vec<(SchemaLocation, Option<usize>)>>;

/// Finds a cycle of `$ref`s and in-place applicators, which never consumes the instance.
/// Returns the index of the `$ref` to report it at (the first in the schema of those on the
/// cycle) and the schema locations on the cycle.
fn find_cycle(
    docs: &HashMap<String, Doc>,
    references: &[Reference],
    targets: &[Option<SchemaLocation>],
    legacy: bool,
) -> Option<(usize, HashSet<SchemaLocation>)> {
    // Edges between schema locations that apply to the same instance location.
    let mut edges: Edges = HashMap::new();
    for (index, (reference, target)) in references.iter().zip(targets).enumerate() {
        if let Some(target) = target {
            edges.entry(reference.from.clone()).or_default().push((target.clone(), Some(index)));
        }
    }
    for (uri, doc) in docs {
        add_in_place_edges(&doc.root, uri, &mut String::new(), legacy, &mut edges, 0);
    }

    // Depth-first search with colours; a back edge closes a cycle.
    let mut state: HashMap<SchemaLocation, u8> = HashMap::new();
    let mut starts: Vec<&SchemaLocation> = edges.keys().collect();
    starts.sort();
    for start in starts {
        if state.get(start).copied().unwrap_or(0) != 0 {
            continue;
        }
        let mut stack: Vec<(SchemaLocation, usize, Option<usize>)> = vec![(start.clone(), 0, None)];
        state.insert(start.clone(), 1);
        while let Some((node, next, _)) = stack.last().cloned() {
            let outgoing = edges.get(&node).map(Vec::as_slice).unwrap_or(&[]);
            if next < outgoing.len() {
                stack.last_mut().expect("stack is non-empty").1 += 1;
                let (target, via) = &outgoing[next];
                match state.get(target).copied().unwrap_or(0) {
                    0 => {
                        state.insert(target.clone(), 1);
                        stack.push((target.clone(), 0, *via));
                    }
                    1 => {
                        // The cycle runs from `target` on the stack to `node`, then back.
                        let position = stack.iter().position(|(location, _, _)| location == target).unwrap_or(0);
                        let on_cycle = &stack[position..];
                        let cycle_refs = on_cycle[1..].iter().filter_map(|(_, _, via)| *via).chain(via.iter().copied());
                        let closing = cycle_refs
                            .min_by_key(|index| (references[*index].from.clone(), references[*index].object_span.start))
                            .or(*via);
                        if let Some(closing) = closing {
                            let members = on_cycle.iter().map(|(location, _, _)| location.clone()).collect();
                            return Some((closing, members));
                        }
                    }
                    _ => {}
                }
            } else {
                state.insert(node, 2);
                stack.pop();
            }
        }
    }
    None
}

fn add_in_place_edges(node: &Node, uri: &str, pointer: &mut String, legacy: bool, edges: &mut Edges, depth: usize) {
    let Value::Mapping(entries) = &node.value else {
        return;
    };
    if depth > 500 {
        return;
    }
    let here = (uri.to_string(), pointer.clone());
    let in_place = !(legacy && node.get("$ref").is_some());
    for entry in entries {
        let keyword = entry.key.as_str();
        let length = pointer.len();
        pointer.push('/');
        pointer::escape_into(keyword, pointer);
        if in_place && IN_PLACE_ONE.contains(&keyword) {
            edges.entry(here.clone()).or_default().push(((uri.to_string(), pointer.clone()), None));
            add_in_place_edges(&entry.value, uri, pointer, legacy, edges, depth + 1);
        } else if in_place && IN_PLACE_LIST.contains(&keyword) {
            if let Value::Sequence(items) = &entry.value.value {
                for (i, item) in items.iter().enumerate() {
                    let inner = pointer.len();
                    pointer.push_str(&format!("/{i}"));
                    edges.entry(here.clone()).or_default().push(((uri.to_string(), pointer.clone()), None));
                    add_in_place_edges(item, uri, pointer, legacy, edges, depth + 1);
                    pointer.truncate(inner);
                }
            }
        } else if in_place && (keyword == "dependentSchemas" || keyword == "dependencies") {
            // `dependencies` is the draft 7 form of `dependentSchemas`, and jsonschema 0.60 applies
            // it in every draft. Its lists of property names are not subschemas.
            if let Value::Mapping(children) = &entry.value.value {
                for child in children.iter().filter(|child| !matches!(child.value.value, Value::Sequence(_))) {
                    let inner = pointer.len();
                    pointer.push('/');
                    pointer::escape_into(&child.key, pointer);
                    edges.entry(here.clone()).or_default().push(((uri.to_string(), pointer.clone()), None));
                    add_in_place_edges(&child.value, uri, pointer, legacy, edges, depth + 1);
                    pointer.truncate(inner);
                }
            }
        } else {
            // Subschemas under other keywords start their own in-place chains.
            match &entry.value.value {
                Value::Mapping(children) if CHILD_MAP.contains(&keyword) => {
                    for child in children {
                        let inner = pointer.len();
                        pointer.push('/');
                        pointer::escape_into(&child.key, pointer);
                        add_in_place_edges(&child.value, uri, pointer, legacy, edges, depth + 1);
                        pointer.truncate(inner);
                    }
                }
                Value::Sequence(items) if keyword == "items" || keyword == "prefixItems" => {
                    for (i, item) in items.iter().enumerate() {
                        let inner = pointer.len();
                        pointer.push_str(&format!("/{i}"));
                        add_in_place_edges(item, uri, pointer, legacy, edges, depth + 1);
                        pointer.truncate(inner);
                    }
                }
                Value::Mapping(_) if CHILD_ONE.contains(&keyword) || keyword == "items" => {
                    add_in_place_edges(&entry.value, uri, pointer, legacy, edges, depth + 1);
                }
                _ => {}
            }
        }
        pointer.truncate(length);
    }
}

/// Resolves a `$ref` target to a document and pointer, when the pass has loaded that document.
fn resolve_target(
    target: &str,
    docs: &HashMap<String, Doc>,
    resources: &HashMap<String, SchemaLocation>,
    anchors: &HashMap<String, SchemaLocation>,
) -> Option<SchemaLocation> {
    let (doc, fragment) = match target.split_once('#') {
        Some((doc, fragment)) => (doc.to_string(), fragment.to_string()),
        None => (target.to_string(), String::new()),
    };
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return anchors.get(target).cloned();
    }
    let fragment = percent_decode_pointer(&fragment);
    if let Some((doc_uri, base_pointer)) = resources.get(&doc) {
        return Some((doc_uri.clone(), format!("{base_pointer}{fragment}")));
    }
    if docs.contains_key(&doc) {
        Some((doc, fragment))
    } else {
        None
    }
}

fn percent_decode_pointer(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = fragment.get(i + 1..i + 3).and_then(|digits| u8::from_str_radix(digits, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn join(base: &str, reference: &str) -> Result<String, ()> {
    let base = Url::parse(base).map_err(|_| ())?;
    base.join(reference).map(|url| url.to_string()).map_err(|_| ())
}

fn strip_fragment(uri: &str) -> String {
    uri.split('#').next().unwrap_or(uri).to_string()
}

fn is_meta_schema(uri: &str) -> bool {
    let known: HashSet<&str> = [
        "http://json-schema.org/draft-04/schema",
        "http://json-schema.org/draft-06/schema",
        "http://json-schema.org/draft-07/schema",
        "https://json-schema.org/draft/2019-09/schema",
        "https://json-schema.org/draft/2020-12/schema",
    ]
    .into_iter()
    .collect();
    known.contains(uri.trim_end_matches('#'))
        || uri.starts_with("https://json-schema.org/draft/2019-09/meta/")
        || uri.starts_with("https://json-schema.org/draft/2020-12/meta/")
}
