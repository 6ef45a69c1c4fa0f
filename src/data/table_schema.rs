//! The Frictionless Table Schema: the model of a table's columns and how it is read from a
//! descriptor.
//!
//! Versions 1.0 and 2.0 of the specification are read. Version 2.0 adds per-field
//! `missingValues`, `fieldsMatch` and `uniqueKeys`; a 1.0 descriptor simply lacks them. A
//! descriptor that breaks the specification (an unknown type, a constraint of the wrong
//! shape) is reported at the offending node of the descriptor, and the column is then read as
//! a string so the rest of the table is still checked.

use regex::Regex;
use serde_json::Value as Json;

use crate::source::{pointer, Node};

/// A column type. Types mlconform does not check the values of (`object`, `array`,
/// `geopoint`, `geojson`, `duration`, `list`, `any`) are kept as [`FieldType::Any`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    Integer,
    Number,
    Boolean,
    Date,
    Datetime,
    Time,
    Year,
    YearMonth,
    Any,
}

impl FieldType {
    pub fn parse(name: &str) -> Option<FieldType> {
        Some(match name {
            "string" => FieldType::String,
            "integer" => FieldType::Integer,
            "number" => FieldType::Number,
            "boolean" => FieldType::Boolean,
            "date" => FieldType::Date,
            "datetime" => FieldType::Datetime,
            "time" => FieldType::Time,
            "year" => FieldType::Year,
            "yearmonth" => FieldType::YearMonth,
            "any" | "object" | "array" | "list" | "geopoint" | "geojson" | "duration" => FieldType::Any,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Time => "time",
            FieldType::Year => "year",
            FieldType::YearMonth => "yearmonth",
            FieldType::Any => "any",
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, FieldType::Integer | FieldType::Number)
    }
}

/// The constraints of one field, as written in the descriptor.
#[derive(Debug, Clone, Default)]
pub struct Constraints {
    pub required: bool,
    pub unique: bool,
    /// Bounds as written: a number, or a string in the field's own format (dates).
    pub minimum: Option<Json>,
    pub maximum: Option<Json>,
    pub exclusive_minimum: Option<Json>,
    pub exclusive_maximum: Option<Json>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    /// The pattern as written, and compiled anchored at both ends: Table Schema patterns
    /// match the whole value.
    pub pattern: Option<(String, Regex)>,
    pub enumeration: Option<Vec<Json>>,
}

/// One column of a Table Schema.
#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: String,
    pub field_type: FieldType,
    /// `format`, such as `%d/%m/%Y` for a date; `None` for `default`.
    pub format: Option<String>,
    pub constraints: Constraints,
    /// Per-field missing values (Table Schema 2.0), overriding the schema's.
    pub missing_values: Option<Vec<String>>,
    pub decimal_char: String,
    pub group_char: Option<String>,
    /// `false` lets a number carry text around it, such as `€95` or `10%`.
    pub bare_number: bool,
    pub true_values: Vec<String>,
    pub false_values: Vec<String>,
}

/// How header names must match the schema's fields (`fieldsMatch`, Table Schema 2.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldsMatch {
    /// Same names in the same order (the default).
    Exact,
    /// Same names, any order.
    Equal,
    /// The header has every schema field, and maybe more.
    Subset,
    /// Every header name is a schema field.
    Superset,
    /// At least one name in common.
    Partial,
}

/// A parsed Table Schema.
#[derive(Debug, Clone)]
pub struct TableSchema {
    pub fields: Vec<FieldDef>,
    pub missing_values: Vec<String>,
    pub primary_key: Vec<String>,
    pub unique_keys: Vec<Vec<String>>,
    pub fields_match: FieldsMatch,
}

impl TableSchema {
    /// The missing values of field `i`.
    pub fn missing_values_of<'a>(&'a self, field: &'a FieldDef) -> &'a [String] {
        field.missing_values.as_deref().unwrap_or(&self.missing_values)
    }

    /// A schema with only missing values, for a user who sets them without describing fields.
    pub fn with_missing_values(values: Vec<String>) -> TableSchema {
        TableSchema {
            fields: Vec::new(),
            missing_values: values,
            primary_key: Vec::new(),
            unique_keys: Vec::new(),
            fields_match: FieldsMatch::Partial,
        }
    }

    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|field| field.name == name)
    }
}

/// A mistake in a descriptor, at a node of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescriptorProblem {
    pub message: String,
    pub pointer: String,
    pub span: crate::source::Span,
}

/// Reads a Table Schema from its parsed descriptor. Problems are collected, never fatal: a
/// broken field is read as a string field.
pub fn parse(root: &Node, json: &Json, base_pointer: &str) -> (TableSchema, Vec<DescriptorProblem>) {
    let mut problems = Vec::new();
    let mut problem = |pointer: String, message: String| {
        let (target, _) = pointer::resolve(root, &pointer);
        problems.push(DescriptorProblem {
            message,
            span: target.node.span,
            pointer: format!("{base_pointer}{pointer}"),
        });
    };

    let missing_values = match json.get("missingValues") {
        None => vec![String::new()],
        Some(value) => read_missing_values(value).unwrap_or_else(|| {
            problem("/missingValues".into(), "`missingValues` must be an array of strings".into());
            vec![String::new()]
        }),
    };

    let mut fields = Vec::new();
    match json.get("fields") {
        Some(Json::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let at = format!("/fields/{i}");
                let Some(object) = item.as_object() else {
                    problem(at, "a field must be an object".into());
                    continue;
                };
                let Some(name) = object.get("name").and_then(Json::as_str) else {
                    problem(at, "a field must have a string `name`".into());
                    continue;
                };
                let type_name = object.get("type").and_then(Json::as_str).unwrap_or("string");
                let field_type = FieldType::parse(type_name).unwrap_or_else(|| {
                    problem(
                        format!("{at}/type"),
                        format!("unknown field type \"{type_name}\"; the column is read as a string"),
                    );
                    FieldType::String
                });
                let format = object
                    .get("format")
                    .and_then(Json::as_str)
                    .filter(|format| *format != "default" && *format != "any")
                    .map(str::to_string);
                let constraints =
                    read_constraints(object.get("constraints"), &format!("{at}/constraints"), &mut problem);
                let missing = object.get("missingValues").map(|value| {
                    read_missing_values(value).unwrap_or_else(|| {
                        problem(format!("{at}/missingValues"), "`missingValues` must be an array of strings".into());
                        Vec::new()
                    })
                });
                let strings = |key: &str, default: &[&str]| -> Vec<String> {
                    object
                        .get(key)
                        .and_then(Json::as_array)
                        .map(|values| values.iter().filter_map(Json::as_str).map(str::to_string).collect())
                        .unwrap_or_else(|| default.iter().map(|value| value.to_string()).collect())
                };
                fields.push(FieldDef {
                    name: name.to_string(),
                    field_type,
                    format,
                    constraints,
                    missing_values: missing,
                    decimal_char: object.get("decimalChar").and_then(Json::as_str).unwrap_or(".").to_string(),
                    group_char: object.get("groupChar").and_then(Json::as_str).map(str::to_string),
                    bare_number: object.get("bareNumber").and_then(Json::as_bool).unwrap_or(true),
                    true_values: strings("trueValues", &["true", "True", "TRUE", "1"]),
                    false_values: strings("falseValues", &["false", "False", "FALSE", "0"]),
                });
            }
        }
        Some(_) => problem("/fields".into(), "`fields` must be an array".into()),
        None => problem(String::new(), "a Table Schema must have `fields`".into()),
    }

    let names = |value: Option<&Json>| -> Vec<String> {
        match value {
            Some(Json::String(name)) => vec![name.clone()],
            Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        }
    };
    let primary_key = names(json.get("primaryKey"));
    for key in &primary_key {
        if !fields.iter().any(|field: &FieldDef| &field.name == key) {
            problem("/primaryKey".into(), format!("primary key field \"{key}\" is not a field of the schema"));
        }
    }
    let unique_keys: Vec<Vec<String>> = json
        .get("uniqueKeys")
        .and_then(Json::as_array)
        .map(|keys| keys.iter().map(|key| names(Some(key))).collect())
        .unwrap_or_default();

    let fields_match = match json.get("fieldsMatch").and_then(Json::as_str) {
        None | Some("exact") => FieldsMatch::Exact,
        Some("equal") => FieldsMatch::Equal,
        Some("subset") => FieldsMatch::Subset,
        Some("superset") => FieldsMatch::Superset,
        Some("partial") => FieldsMatch::Partial,
        Some(other) => {
            problem(
                "/fieldsMatch".into(),
                format!("unknown `fieldsMatch` \"{other}\"; expected exact, equal, subset, superset or partial"),
            );
            FieldsMatch::Exact
        }
    };

    (TableSchema { fields, missing_values, primary_key, unique_keys, fields_match }, problems)
}

/// Reads `missingValues`: strings, or (Table Schema 2.0) objects with a `value`.
fn read_missing_values(value: &Json) -> Option<Vec<String>> {
    let items = value.as_array()?;
    items
        .iter()
        .map(|item| match item {
            Json::String(text) => Some(text.clone()),
            Json::Object(object) => object.get("value").and_then(Json::as_str).map(str::to_string),
            _ => None,
        })
        .collect()
}

fn read_constraints(value: Option<&Json>, at: &str, problem: &mut impl FnMut(String, String)) -> Constraints {
    let Some(value) = value else {
        return Constraints::default();
    };
    let Some(object) = value.as_object() else {
        problem(at.to_string(), "`constraints` must be an object".into());
        return Constraints::default();
    };
    let flag = |key: &str| object.get(key).and_then(Json::as_bool).unwrap_or(false);
    let length = |key: &str, problem: &mut dyn FnMut(String, String)| -> Option<u64> {
        let value = object.get(key)?;
        let length = value.as_u64();
        if length.is_none() {
            problem(format!("{at}/{key}"), format!("`{key}` must be a non-negative integer"));
        }
        length
    };
    let min_length = length("minLength", problem);
    let max_length = length("maxLength", problem);
    let pattern = object.get("pattern").and_then(|pattern| {
        let Some(text) = pattern.as_str() else {
            problem(format!("{at}/pattern"), "`pattern` must be a string".into());
            return None;
        };
        match Regex::new(&format!("^(?:{text})$")) {
            Ok(regex) => Some((text.to_string(), regex)),
            Err(error) => {
                problem(format!("{at}/pattern"), format!("`pattern` is not a valid regular expression: {error}"));
                None
            }
        }
    });
    let enumeration = object.get("enum").and_then(|values| {
        let list = values.as_array().cloned();
        if list.is_none() {
            problem(format!("{at}/enum"), "`enum` must be an array".into());
        }
        list
    });
    Constraints {
        required: flag("required"),
        unique: flag("unique"),
        minimum: object.get("minimum").cloned(),
        maximum: object.get("maximum").cloned(),
        exclusive_minimum: object.get("exclusiveMinimum").cloned(),
        exclusive_maximum: object.get("exclusiveMaximum").cloned(),
        min_length,
        max_length,
        pattern,
        enumeration,
    }
}
