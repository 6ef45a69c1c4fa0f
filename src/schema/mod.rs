//! Versioned schemas: the embedded registry, version selection, compilation once per run, and
//! validation of parsed documents with findings located at the nodes they concern.

mod errors;
pub mod refs;
pub mod user;

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

pub(crate) use errors::{closest, short};
pub use errors::{findings_for, findings_for_limited, SchemaFinding};

/// The prefix of every embedded schema's `$id`.
pub const ID_PREFIX: &str = "https://mlconform.dev/schemas/";

/// Names one embedded schema: `kind/flavor@version`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchemaId {
    pub kind: String,
    pub flavor: String,
    pub version: String,
}

impl SchemaId {
    /// The `$id` URI the schema declares.
    pub fn uri(&self) -> String {
        format!("{ID_PREFIX}{}/{}/{}.json", self.kind, self.flavor, self.version)
    }

    /// Parses `kind/flavor@version`, an embedded schema's `$id` URI, or a path that ends in
    /// `<kind>/<flavor>/<version>.json`, as `mlconform schemas export` writes them (the form
    /// editors resolve in a `yaml-language-server` comment).
    pub fn parse(text: &str) -> Option<SchemaId> {
        if let Some(rest) = text.strip_suffix(".json") {
            let mut parts = rest.rsplit(['/', '\\']);
            let (version, flavor, kind) = (parts.next()?, parts.next()?, parts.next()?);
            if [version, flavor, kind].iter().any(|part| part.is_empty()) {
                return None;
            }
            return Some(SchemaId { kind: kind.into(), flavor: flavor.into(), version: version.into() });
        }
        let (path, version) = text.split_once('@')?;
        let (kind, flavor) = path.split_once('/')?;
        Some(SchemaId { kind: kind.into(), flavor: flavor.into(), version: version.into() })
    }
}

impl fmt::Display for SchemaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}@{}", self.kind, self.flavor, self.version)
    }
}

/// A schema built into the binary.
#[derive(Debug)]
pub struct EmbeddedSchema {
    pub id: SchemaId,
    pub text: &'static str,
}

static EMBEDDED_TABLE: &[(&str, &str, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_schemas.rs"));

static EMBEDDED: LazyLock<Vec<EmbeddedSchema>> = LazyLock::new(|| {
    let mut schemas: Vec<EmbeddedSchema> = EMBEDDED_TABLE
        .iter()
        .map(|(kind, flavor, version, text)| EmbeddedSchema {
            id: SchemaId { kind: kind.to_string(), flavor: flavor.to_string(), version: version.to_string() },
            text,
        })
        .collect();
    schemas.sort_by(|a, b| {
        (&a.id.kind, &a.id.flavor)
            .cmp(&(&b.id.kind, &b.id.flavor))
            .then_with(|| compare_versions(&a.id.version, &b.id.version))
    });
    schemas
});

/// Every embedded schema, sorted by kind, flavor and version.
pub fn embedded() -> &'static [EmbeddedSchema] {
    &EMBEDDED
}

/// The embedded schema with this id.
pub fn find(id: &SchemaId) -> Option<&'static EmbeddedSchema> {
    embedded().iter().find(|schema| &schema.id == id)
}

/// The newest version for a kind and flavor.
pub fn newest(kind: &str, flavor: &str) -> Option<&'static EmbeddedSchema> {
    embedded().iter().rfind(|schema| schema.id.kind == kind && schema.id.flavor == flavor)
}

/// All versions for a kind and flavor, oldest first.
pub fn versions(kind: &str, flavor: &str) -> Vec<&'static EmbeddedSchema> {
    embedded().iter().filter(|schema| schema.id.kind == kind && schema.id.flavor == flavor).collect()
}

/// Compares dotted versions numerically where both parts are numbers (`1.10` > `1.9`).
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let mut left = a.split(['.', '-']);
    let mut right = b.split(['.', '-']);
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// A compiled schema with the JSON it was compiled from (for `x-help` and key suggestions).
pub struct Compiled {
    pub validator: jsonschema::Validator,
    pub schema: serde_json::Value,
}

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compiled").finish_non_exhaustive()
    }
}

type Slot = Arc<OnceLock<Result<Arc<Compiled>, String>>>;

/// Embedded schemas compiled on first use, once per run, shared by all threads.
#[derive(Default)]
pub struct Validators {
    slots: Mutex<HashMap<SchemaId, Slot>>,
}

impl Validators {
    /// The compiled validator for an embedded schema. An error means the embedded schema is
    /// broken, which is a bug in mlconform.
    pub fn get(&self, schema: &EmbeddedSchema) -> Result<Arc<Compiled>, String> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            slots.entry(schema.id.clone()).or_default().clone()
        };
        slot.get_or_init(|| compile_embedded(schema).map(Arc::new)).clone()
    }
}

fn compile_embedded(schema: &EmbeddedSchema) -> Result<Compiled, String> {
    let json: serde_json::Value = serde_json::from_str(schema.text)
        .map_err(|error| format!("embedded schema {} is not valid JSON: {error}", schema.id))?;
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_retriever(user::Offline::embedded_only())
        .build(&json)
        .map_err(|error| format!("embedded schema {} does not compile: {error}", schema.id))?;
    Ok(Compiled { validator, schema: json })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare_versions("1.10.0", "1.9.0"), Ordering::Greater);
        assert_eq!(compare_versions("0.0.1", "0.0.2"), Ordering::Less);
        assert_eq!(compare_versions("1.0", "1.0.0"), Ordering::Less);
        assert_eq!(compare_versions("1.1", "1.1"), Ordering::Equal);
    }

    #[test]
    fn schema_id_round_trips() {
        let id = SchemaId { kind: "model-card".into(), flavor: "hf".into(), version: "1.0.0".into() };
        assert_eq!(SchemaId::parse(&id.to_string()), Some(id.clone()));
        assert_eq!(SchemaId::parse(&id.uri()), Some(id.clone()));
        assert_eq!(SchemaId::parse("../.schemas/model-card/hf/1.0.0.json"), Some(id));
        assert_eq!(SchemaId::parse("nonsense"), None);
        assert_eq!(SchemaId::parse("a.json"), None);
    }

    /// Collects every `x-help` string of a schema.
    fn help_texts(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    match (key.as_str(), inner) {
                        ("x-help", serde_json::Value::String(text)) => out.push(text.clone()),
                        _ => help_texts(inner, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| help_texts(item, out)),
            _ => {}
        }
    }

    #[test]
    fn help_texts_follow_message_style() {
        for schema in embedded() {
            let mut texts = Vec::new();
            help_texts(&serde_json::from_str(schema.text).unwrap(), &mut texts);
            for text in texts {
                let first = text.chars().next().unwrap_or(' ');
                let second = text.chars().nth(1).unwrap_or(' ');
                let capitalized_word = first.is_uppercase() && !second.is_uppercase();
                assert!(!capitalized_word, "{}: help starts with a capital: {text}", schema.id);
                assert!(!text.ends_with('.'), "{}: help ends with a period: {text}", schema.id);
            }
        }
    }

    #[test]
    fn every_embedded_schema_compiles() {
        let validators = Validators::default();
        for schema in embedded() {
            let compiled = validators.get(schema);
            assert!(compiled.is_ok(), "{}: {:?}", schema.id, compiled.err());
            let declared =
                serde_json::from_str::<serde_json::Value>(schema.text).unwrap()["$id"].as_str().map(str::to_string);
            assert_eq!(declared, Some(schema.id.uri()), "{} declares another $id", schema.id);
        }
    }
}
