//! Finding the Table Schema and CSV dialect that describe a data file.
//!
//! The Table Schema is, in order of precedence, a schema given by the caller (the command line
//! or the project configuration), or a `<stem>.schema.json` beside the file (`train.csv` →
//! `train.schema.json`). Failing both, it is the `schema` of a `datapackage.json` resource
//! that lists the file, searched from the file's folder upwards. The dialect comes from the data package resource, and a delimiter
//! given by the caller overrides it.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value as Json;

use super::csv::Dialect;
use super::table_schema::{self, TableSchema};
use crate::report::{Finding, Location, Severity, SourceText};
use crate::source::{self, Limits, Node};

/// How many folders above the data file are searched for a `datapackage.json`.
const PACKAGE_SEARCH_DEPTH: usize = 4;

/// Descriptor files larger than this are not read.
const MAX_DESCRIPTOR_BYTES: u64 = 16 * 1024 * 1024;

/// The descriptors of a data file.
#[derive(Debug, Default)]
pub struct Description {
    pub schema: Option<TableSchema>,
    /// The schema's origin for the report: a path, or a path and a pointer.
    pub schema_origin: Option<String>,
    /// Dialect properties from a data package resource, applied over the format's default.
    pub dialect: Option<Json>,
    /// Problems in the descriptors, located in them.
    pub findings: Vec<Finding>,
}

/// Describes `path`. `explicit` is a schema file given by the caller.
pub fn describe(path: &Path, explicit: Option<&Path>) -> Description {
    let mut description = Description::default();
    if let Some(schema_path) = explicit {
        load_schema_file(schema_path, &mut description);
        if let Some((package, resource)) = find_package_resource(path, &mut description.findings) {
            description.dialect = resource_dialect(&package, &resource);
        }
        return description;
    }

    let sidecar = sidecar_path(path);
    if sidecar.as_ref().is_some_and(|sidecar| sidecar.is_file()) {
        load_schema_file(sidecar.as_deref().expect("checked above"), &mut description);
    }
    if let Some((package, resource)) = find_package_resource(path, &mut description.findings) {
        description.dialect = resource_dialect(&package, &resource);
        if description.schema.is_none() {
            load_resource_schema(&package, &resource, &mut description);
        }
    }
    description
}

/// `train.csv` → `train.schema.json`, beside it.
pub fn sidecar_path(path: &Path) -> Option<PathBuf> {
    let stem = path.file_stem()?.to_str()?;
    Some(path.with_file_name(format!("{stem}.schema.json")))
}

/// A parsed JSON descriptor file.
struct Descriptor {
    source: Arc<SourceText>,
    root: Node,
    json: Json,
    folder: PathBuf,
}

fn read_descriptor(path: &Path, findings: &mut Vec<Finding>) -> Option<Descriptor> {
    let display = crate::report::redact::display_path(path);
    let problem =
        |message: String| Finding::new("table-schema-invalid", Severity::Error, message, Location::file(&display));
    let size = fs::metadata(path).map(|metadata| metadata.len()).unwrap_or(0);
    if size > MAX_DESCRIPTOR_BYTES {
        findings.push(problem(format!("descriptor is larger than {MAX_DESCRIPTOR_BYTES} bytes and is not read")));
        return None;
    }
    let text = match crate::source::read::read_regular_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            findings.push(problem(format!("cannot read the descriptor: {error}")));
            return None;
        }
    };
    let text = text.strip_prefix('\u{FEFF}').map(str::to_string).unwrap_or(text);
    let parsed = source::json::parse(&text, &Limits::default());
    let source = SourceText::new(display, text);
    let broken = parsed.is_broken();
    for issue in &parsed.issues {
        let (code, severity, message, help) = crate::check::describe_issue(&issue.kind);
        let mut finding = Finding::new(code, severity, message, source.locate(issue.span, &issue.pointer));
        finding.help = help;
        finding.source = Some(source.clone());
        findings.push(finding);
    }
    if broken {
        return None;
    }
    let root = parsed.documents.into_iter().next()?.root?;
    let json = root.to_json(&mut String::new(), &mut Vec::new());
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Some(Descriptor { source, root, json, folder })
}

/// True for a descriptor that is a JSON Schema (for records) rather than a Table Schema: it
/// has no `fields`, and has `$schema`, `properties` or `type`.
pub fn is_json_schema(json: &Json) -> bool {
    json.get("fields").is_none()
        && (json.get("$schema").is_some() || json.get("properties").is_some() || json.get("type").is_some())
}

fn load_schema_file(path: &Path, description: &mut Description) {
    let Some(descriptor) = read_descriptor(path, &mut description.findings) else {
        return;
    };
    // A sidecar JSON Schema describes records; the caller validates with it.
    if is_json_schema(&descriptor.json) {
        return;
    }
    apply_schema(&descriptor, &descriptor.root, &descriptor.json, "", description);
    description.schema_origin = Some(path.display().to_string());
}

fn apply_schema(descriptor: &Descriptor, node: &Node, json: &Json, pointer: &str, description: &mut Description) {
    if !json.is_object() {
        let mut finding = Finding::new(
            "table-schema-invalid",
            Severity::Error,
            "a Table Schema must be a JSON object".to_string(),
            descriptor.source.locate(node.span, pointer),
        );
        finding.source = Some(descriptor.source.clone());
        description.findings.push(finding);
        return;
    }
    let (schema, problems) = table_schema::parse(node, json, pointer);
    for problem in problems {
        let mut finding = Finding::new(
            "table-schema-invalid",
            Severity::Error,
            problem.message,
            descriptor.source.locate(problem.span, &problem.pointer),
        );
        finding.source = Some(descriptor.source.clone());
        description.findings.push(finding);
    }
    description.schema = Some(schema);
}

/// Finds the data package resource that lists `path`, searching upwards from its folder.
fn find_package_resource(path: &Path, findings: &mut Vec<Finding>) -> Option<(Descriptor, usize)> {
    let target = fs::canonicalize(path).ok()?;
    let mut folder = target.parent()?.to_path_buf();
    for _ in 0..=PACKAGE_SEARCH_DEPTH {
        let candidate = folder.join("datapackage.json");
        if candidate.is_file() {
            let shown = relative_display(path, &candidate);
            if let Some(mut package) = read_descriptor(&shown, findings) {
                package.folder = folder.clone();
                let resources = package.json.get("resources").and_then(Json::as_array).cloned().unwrap_or_default();
                for (i, resource) in resources.iter().enumerate() {
                    let paths: Vec<&str> = match resource.get("path") {
                        Some(Json::String(single)) => vec![single.as_str()],
                        Some(Json::Array(many)) => many.iter().filter_map(Json::as_str).collect(),
                        _ => Vec::new(),
                    };
                    let listed = paths
                        .iter()
                        .any(|listed| fs::canonicalize(folder.join(listed)).is_ok_and(|found| found == target));
                    if listed {
                        return Some((package, i));
                    }
                }
            }
        }
        if folder.join(".git").exists() || !folder.pop() {
            break;
        }
    }
    None
}

/// Returns the descriptor's path relative to the data file's path as the user typed it.
fn relative_display(data: &Path, descriptor: &Path) -> PathBuf {
    let data_folder = data.parent().unwrap_or(Path::new(""));
    let Ok(canonical_data_folder) =
        fs::canonicalize(if data_folder.as_os_str().is_empty() { Path::new(".") } else { data_folder })
    else {
        return descriptor.to_path_buf();
    };
    let mut ups = PathBuf::new();
    let mut folder = canonical_data_folder.as_path();
    loop {
        if let Ok(rest) = descriptor.strip_prefix(folder) {
            return data_folder.join(ups).join(rest);
        }
        ups.push("..");
        match folder.parent() {
            Some(parent) => folder = parent,
            None => return descriptor.to_path_buf(),
        }
    }
}

fn load_resource_schema(package: &Descriptor, resource: &usize, description: &mut Description) {
    let pointer = format!("/resources/{resource}/schema");
    let Some(schema) = package.json.pointer(&pointer) else {
        return;
    };
    match schema {
        Json::String(relative) => {
            if relative.contains("://") {
                let mut finding = Finding::new(
                    "table-schema-invalid",
                    Severity::Warning,
                    format!("the schema \"{relative}\" is a URL; mlconform reads only local schema files"),
                    package.source.locate(source::pointer::resolve(&package.root, &pointer).0.node.span, &pointer),
                );
                finding.source = Some(package.source.clone());
                description.findings.push(finding);
                return;
            }
            let shown = Path::new(&package.source.path).parent().unwrap_or(Path::new("")).join(relative);
            load_schema_file(&shown, description);
        }
        json => {
            let node = source::pointer::resolve(&package.root, &pointer).0.node;
            apply_schema(package, node, json, &pointer, description);
            description.schema_origin = Some(format!("{}#{pointer}", package.source.path));
        }
    }
}

fn resource_dialect(package: &Descriptor, resource: &usize) -> Option<Json> {
    let dialect = package.json.pointer(&format!("/resources/{resource}/dialect"))?;
    match dialect {
        Json::Object(_) => Some(dialect.clone()),
        Json::String(relative) => {
            let text = crate::source::read::read_regular_to_string(&package.folder.join(relative)).ok()?;
            serde_json::from_str(&text).ok()
        }
        _ => None,
    }
}

/// Applies Frictionless CSV Dialect properties to `dialect`. Returns a message for each
/// property that cannot be used.
pub fn apply_dialect(dialect: &mut Dialect, properties: &Json) -> Vec<String> {
    let mut problems = Vec::new();
    let single_byte = |key: &str, problems: &mut Vec<String>| -> Option<Option<u8>> {
        let value = properties.get(key)?;
        match value.as_str() {
            Some(text) if text.len() == 1 && text.is_ascii() => Some(Some(text.as_bytes()[0])),
            Some("") if key != "delimiter" => Some(None),
            _ => {
                problems.push(format!("dialect `{key}` must be one ASCII character, found {value}"));
                None
            }
        }
    };
    if let Some(Some(delimiter)) = single_byte("delimiter", &mut problems) {
        dialect.delimiter = delimiter;
    }
    if let Some(quote) = single_byte("quoteChar", &mut problems) {
        dialect.quote = quote;
    }
    if let Some(escape) = single_byte("escapeChar", &mut problems) {
        dialect.escape = escape;
    }
    if let Some(comment) = single_byte("commentChar", &mut problems) {
        dialect.comment = comment;
    }
    if let Some(flag) = properties.get("doubleQuote").and_then(Json::as_bool) {
        dialect.double_quote = flag;
    }
    if let Some(flag) = properties.get("skipInitialSpace").and_then(Json::as_bool) {
        dialect.skip_initial_space = flag;
    }
    if let Some(flag) = properties.get("header").and_then(Json::as_bool) {
        dialect.header = flag;
    }
    problems
}
