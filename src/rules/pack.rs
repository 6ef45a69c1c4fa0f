//! The rule-pack file as written: the serde model of `rules/<pack>/<version>.yaml`.
//!
//! These types mirror `rules/rule-pack.schema.json`. A pack is validated against that schema
//! first, so that every error has a position in the pack file; deserializing into these types
//! only happens once the schema holds.

use serde::Deserialize;
use serde_json::Value as Json;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PackFile {
    pub pack: String,
    pub version: String,
    pub description: String,
    #[serde(default)]
    pub extends: Vec<String>,
    #[serde(default)]
    pub rules: Vec<RuleDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleDef {
    pub id: String,
    pub name: String,
    pub severity: String,
    pub status: String,
    pub since: String,
    pub deprecated_reason: Option<String>,
    pub applies_to: Vec<TargetDef>,
    pub given: Option<String>,
    pub then: OneOrMany<CheckDef>,
    pub message: Option<String>,
    pub docs: DocsDef,
    pub references: Vec<ReferenceDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetDef {
    pub kind: String,
    pub flavors: Option<Vec<String>>,
}

/// `then:` holds one check or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckDef {
    pub field: Option<String>,
    pub function: Option<String>,
    pub options: Option<Json>,
    pub schema: Option<Json>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DocsDef {
    pub what: String,
    pub why: String,
    pub fix: String,
    pub known_problems: Option<String>,
    pub examples: Vec<ExampleDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleDef {
    pub file: String,
    pub fail: Option<String>,
    pub pass: Option<String>,
    #[serde(default)]
    pub context: serde_json::Map<String, Json>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceDef {
    pub standard: String,
    pub clause: String,
}
