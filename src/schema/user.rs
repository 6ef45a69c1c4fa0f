//! Users' own schemas (`mlconform validate --schema FILE`) and the offline retriever.
//!
//! mlconform never fetches anything. A `$ref` resolves to an embedded schema, to a file inside
//! the schema's own folder, or through a `--map-uri PREFIX=DIR` mapping to a file inside DIR.
//! Anything else, including a `file:` reference that leaves those folders, is an error that
//! names the URI.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jsonschema::{Draft, Retrieve, Uri};
use serde_json::Value as Json;

use super::refs;
use super::Compiled;
use crate::report::{Location, SourceText};
use crate::source::{self, Limits, Node, Span};

/// A `--map-uri PREFIX=DIR` mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriMap {
    pub prefix: String,
    pub dir: PathBuf,
}

impl std::str::FromStr for UriMap {
    type Err = String;

    fn from_str(text: &str) -> Result<UriMap, String> {
        let (prefix, dir) = text.split_once('=').ok_or_else(|| format!("expected PREFIX=DIR, found \"{text}\""))?;
        if prefix.is_empty() || dir.is_empty() {
            return Err(format!("expected PREFIX=DIR with both parts non-empty, found \"{text}\""));
        }
        Ok(UriMap { prefix: prefix.to_string(), dir: PathBuf::from(dir) })
    }
}

/// Resolves `$ref`s without the network.
#[derive(Debug, Clone, Default)]
pub struct Offline {
    maps: Vec<(String, PathBuf)>,
    /// Folders whose files `file:` URIs may name (canonical paths).
    roots: Vec<PathBuf>,
    limits: Limits,
}

impl Offline {
    /// A retriever that resolves only embedded schemas.
    pub fn embedded_only() -> Offline {
        Offline::default()
    }

    pub fn new(maps: &[UriMap], roots: &[PathBuf], limits: Limits) -> Offline {
        let maps = maps
            .iter()
            .map(|map| (map.prefix.clone(), fs::canonicalize(&map.dir).unwrap_or_else(|_| map.dir.clone())))
            .collect::<Vec<_>>();
        let mut all_roots: Vec<PathBuf> =
            roots.iter().map(|root| fs::canonicalize(root).unwrap_or_else(|_| root.clone())).collect();
        all_roots.extend(maps.iter().map(|(_, dir)| dir.clone()));
        Offline { maps, roots: all_roots, limits }
    }

    /// The local file a URI (without fragment) stands for, or why there is none.
    pub fn local_path(&self, uri: &str) -> Result<PathBuf, String> {
        for (prefix, dir) in &self.maps {
            if let Some(rest) = uri.strip_prefix(prefix.as_str()) {
                let path = dir.join(percent_decode(rest));
                return self.inside_roots(&path, uri);
            }
        }
        if let Ok(url) = url::Url::parse(uri) {
            if url.scheme() == "file" {
                let path = url.to_file_path().map_err(|()| format!("\"{uri}\" is not a local file path"))?;
                return self.inside_roots(&path, uri);
            }
        }
        Err("remote retrieval is disabled and no --map-uri prefix maps it to a local folder".to_string())
    }

    fn inside_roots(&self, path: &Path, uri: &str) -> Result<PathBuf, String> {
        let canonical =
            fs::canonicalize(path).map_err(|error| format!("{} cannot be read: {error}", path.display()))?;
        if self.roots.iter().any(|root| canonical.starts_with(root)) {
            Ok(canonical)
        } else {
            Err(format!(
                "\"{uri}\" resolves to {}, outside the schema folders; map its folder with --map-uri to allow it",
                canonical.display()
            ))
        }
    }

    /// Reads and parses the schema document at a URI.
    pub fn load(&self, uri: &str) -> Result<Loaded, String> {
        if let Some(schema) = super::SchemaId::parse(uri).and_then(|id| super::find(&id)) {
            let text = schema.text.to_string();
            return parse_schema_text(uri.to_string(), text, Path::new("schema.json"), &self.limits);
        }
        let path = self.local_path(uri)?;
        let bytes = read_schema_file(&path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let text = String::from_utf8(bytes).map_err(|_| format!("{} is not valid UTF-8", path.display()))?;
        parse_schema_text(path.display().to_string(), text, &path, &self.limits)
    }
}

impl Retrieve for Offline {
    fn retrieve(&self, uri: &Uri<String>) -> Result<Json, Box<dyn std::error::Error + Send + Sync>> {
        let text = uri.as_str();
        let without_fragment = text.split('#').next().unwrap_or(text);
        match self.load(without_fragment) {
            Ok(loaded) => Ok(loaded.json),
            Err(message) => Err(message.into()),
        }
    }
}

/// Largest schema file read, the same as the default limit for JSON and YAML documents.
const MAX_SCHEMA_FILE_SIZE: u64 = crate::check::DEFAULT_MAX_FILE_SIZE;

/// Reads a schema file without blocking on a FIFO and without reading past the size limit,
/// because a schema folder may come from the checked project.
fn read_schema_file(path: &Path) -> Result<Vec<u8>, String> {
    match source::read::read_limited(path, MAX_SCHEMA_FILE_SIZE) {
        Ok(bytes) => Ok(bytes),
        Err(source::read::ReadError::TooLarge { size }) => {
            Err(format!("the file is {size} bytes, over the {MAX_SCHEMA_FILE_SIZE}-byte limit for schemas"))
        }
        Err(source::read::ReadError::Io(error)) => Err(error.to_string()),
    }
}

/// A schema document read from a file, with positions.
#[derive(Debug)]
pub struct Loaded {
    pub source: Arc<SourceText>,
    pub root: Node,
    pub json: Json,
}

/// Parses schema text as JSON, or YAML for `.yaml`/`.yml` files.
fn parse_schema_text(display: String, text: String, path: &Path, limits: &Limits) -> Result<Loaded, String> {
    let text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
    let is_yaml = path.extension().is_some_and(|ext| ext == "yaml" || ext == "yml");
    let parsed = if is_yaml { source::yaml::parse(&text, limits) } else { source::json::parse(&text, limits) };
    let source = SourceText::new(display.clone(), text);
    if let Some(issue) = parsed
        .issues
        .iter()
        .find(|issue| parsed.is_broken() || matches!(issue.kind, source::IssueKind::DuplicateKey { .. }))
    {
        let position = source.lines.position(&source.text, issue.span.start);
        return Err(format!(
            "{display}:{}:{}: the schema cannot be read: {}",
            position.line,
            position.column,
            crate::check::describe_issue(&issue.kind).2
        ));
    }
    let Some(root) = parsed.documents.into_iter().next().and_then(|document| document.root) else {
        return Err(format!("{display}: the schema file is empty"));
    };
    let json = root.to_json(&mut String::new(), &mut Vec::new());
    Ok(Loaded { source, root, json })
}

/// A problem with a user's schema: a tool error, located in the schema file where possible.
#[derive(Debug, Clone)]
pub struct SchemaProblem {
    pub message: String,
    pub location: Option<Box<Location>>,
    pub source: Option<Arc<SourceText>>,
    pub help: Option<String>,
    /// Set for a `$ref` cycle, to locate in each instance the value at which validation would
    /// loop.
    pub cycle: Option<Arc<refs::RefCycle>>,
}

/// Options of `mlconform validate`.
#[derive(Debug, Clone)]
pub struct UserSchemaOptions {
    pub default_draft: Draft,
    pub maps: Vec<UriMap>,
    pub limits: Limits,
}

/// A user's schema, compiled.
pub struct UserSchema {
    pub compiled: Compiled,
    /// The path as given, for reports.
    pub display: String,
    /// Canonical paths of the schema file and of every local file its `$ref`s load, so that
    /// `validate` does not check the schema against itself when walking the folder holding it.
    pub files: Vec<PathBuf>,
}

/// Reads, checks and compiles a user's schema file.
pub fn load_user_schema(path: &Path, options: &UserSchemaOptions) -> Result<UserSchema, SchemaProblem> {
    let display = path.display().to_string();
    let problem = |message: String| SchemaProblem { message, location: None, source: None, help: None, cycle: None };

    for map in &options.maps {
        if !map.dir.is_dir() {
            return Err(problem(format!("--map-uri {}={}: the folder does not exist", map.prefix, map.dir.display())));
        }
    }
    let canonical =
        fs::canonicalize(path).map_err(|error| problem(format!("cannot read schema {display}: {error}")))?;
    let folder = canonical.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("/"));
    let offline = Offline::new(&options.maps, &[folder], options.limits);
    let bytes =
        read_schema_file(&canonical).map_err(|error| problem(format!("cannot read schema {display}: {error}")))?;
    let text = String::from_utf8(bytes).map_err(|_| problem(format!("schema {display} is not valid UTF-8")))?;
    let loaded = parse_schema_text(display.clone(), text, &canonical, &options.limits).map_err(problem)?;

    let base =
        url::Url::from_file_path(&canonical).map_err(|()| problem(format!("cannot turn {display} into a file URI")))?;
    compile(loaded, base.as_str(), &offline, options.default_draft, display)
}

/// Compiles an in-memory schema, as the JSON-Schema-Test-Suite harness does.
pub fn compile_value(
    schema: &Json,
    base_uri: &str,
    options: &UserSchemaOptions,
    roots: &[PathBuf],
) -> Result<UserSchema, SchemaProblem> {
    let text = serde_json::to_string_pretty(schema).map_err(|error| SchemaProblem {
        message: error.to_string(),
        location: None,
        source: None,
        help: None,
        cycle: None,
    })?;
    let parsed = source::json::parse(&text, &options.limits);
    let root = parsed
        .documents
        .into_iter()
        .next()
        .and_then(|document| document.root)
        .unwrap_or_else(|| Node::new(source::Value::Null, Span::default()));
    let source = SourceText::new("<schema>".to_string(), text);
    let loaded = Loaded { source, json: schema.clone(), root };
    let offline = Offline::new(&options.maps, roots, options.limits);
    compile(loaded, base_uri, &offline, options.default_draft, "<schema>".to_string())
}

fn compile(
    loaded: Loaded,
    base_uri: &str,
    offline: &Offline,
    default_draft: Draft,
    display: String,
) -> Result<UserSchema, SchemaProblem> {
    let draft = refs::draft_of(&loaded.json).unwrap_or(default_draft);
    let loaded_uris = refs::check(&loaded, base_uri, offline, draft)?;
    let files = refs::local_files(loaded_uris.iter());

    let validator = jsonschema::options()
        .with_draft(draft)
        .should_validate_formats(true)
        .with_base_uri(base_uri.to_string())
        .with_retriever(offline.clone())
        .build(&loaded.json)
        .map_err(|error| compile_problem(&loaded, &error))?;
    Ok(UserSchema { compiled: Compiled { validator, schema: loaded.json }, display, files })
}

/// Locates a schema the validator cannot compile at the offending keyword, and words the most
/// common faults (an unknown type name, an invalid regular expression) plainly.
fn compile_problem(loaded: &Loaded, error: &jsonschema::ValidationError<'_>) -> SchemaProblem {
    let pointer = error.instance_path().to_string();
    let (target, _) = crate::source::pointer::resolve(&loaded.root, &pointer);
    let value = error.instance();
    let (message, help) = if pointer.ends_with("/type") || pointer.contains("/type/") {
        (
            format!("{} is not a JSON Schema type", super::errors::short(value)),
            Some("use array, boolean, integer, null, number, object or string".to_string()),
        )
    } else if pointer.ends_with("/pattern") || pointer.contains("/patternProperties/") {
        let detail = value
            .as_str()
            .and_then(|pattern| regex::Regex::new(pattern).err())
            .map(|error| {
                error.to_string().lines().last().unwrap_or("").trim().trim_start_matches("error: ").to_string()
            })
            .unwrap_or_default();
        (format!("{} is not a valid regular expression: {detail}", super::errors::short(value)), None)
    } else {
        (format!("the schema does not compile: {error}"), None)
    };
    SchemaProblem {
        message,
        location: Some(Box::new(loaded.source.locate(target.node.span, &pointer))),
        source: Some(loaded.source.clone()),
        help,
        cycle: None,
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(byte) = text.get(i + 1..i + 3).and_then(|digits| u8::from_str_radix(digits, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
