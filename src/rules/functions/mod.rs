//! The built-in functions that a rule's `then` calls, one file each.
//!
//! A function is compiled once per rule when the pack loads, so that a bad option is reported
//! at its place in the pack file before any artifact is checked. At check time it decides and
//! does not word: it returns [`Violation`]s with the place of the problem, the value found and
//! a short `detail`. The rule's message template turns those into a finding's text.
//!
//! Each file documents its function with the headings rules use: what it checks, why, its
//! options, and known problems.

mod cross_ref;
mod defined;
mod r#enum;
mod file_exists;
mod image_pinned;
mod license_compatible;
mod markdown_section;
mod no_pii;
mod no_secrets;
mod non_empty;
mod pattern;
pub(crate) mod placeholder;
mod range;

use serde_json::{Map, Value as Json};

use super::context::{Artifact, Project};
use crate::source::Span;

/// The input of a function at one matched place.
pub struct Input<'a> {
    /// The value checked: the matched node, or its `field`. `None` when the field is absent.
    pub value: Option<&'a Json>,
    /// JSON Pointer of `value` in the document; of the mapping that lacks the field when
    /// `value` is `None`.
    pub pointer: &'a str,
    /// The document the value is in.
    pub document: usize,
    pub artifact: &'a Artifact,
    pub project: &'a Project,
}

/// The place of a violation in the artifact being checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Spot {
    /// The node at this pointer.
    Node(String),
    /// The mapping at this pointer, which lacks something.
    Missing(String),
    /// An explicit span, such as a Markdown heading, with the pointer to report.
    Span { span: Span, pointer: String },
}

/// A place in another artifact that a violation refers to.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedSpot {
    pub message: String,
    /// Index of the artifact in [`Project::artifacts`].
    pub artifact: usize,
    pub document: usize,
    pub pointer: String,
}

/// One problem a function found.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub at: Spot,
    /// The offending value, when there is one.
    pub value: Option<Json>,
    /// The value as a finding may show it, when showing it whole would leak a secret or
    /// personal data.
    pub masked: Option<String>,
    /// The function's own short description of what failed: lowercase, no final period.
    pub detail: String,
    pub related: Vec<RelatedSpot>,
}

impl Violation {
    pub fn new(at: Spot, value: Option<&Json>, detail: impl Into<String>) -> Violation {
        Violation { at, value: value.cloned(), masked: None, detail: detail.into(), related: Vec::new() }
    }

    /// Creates a violation at the value's node, or at the mapping that lacks the value.
    pub fn at_input(input: &Input<'_>, detail: impl Into<String>) -> Violation {
        let at = match input.value {
            Some(_) => Spot::Node(input.pointer.to_string()),
            None => Spot::Missing(input.pointer.to_string()),
        };
        Violation::new(at, input.value, detail)
    }
}

/// A function compiled with its options.
pub trait Function: Send + Sync {
    fn check(&self, input: &Input<'_>) -> Vec<Violation>;
}

/// A bad option, located at the option's key when `option` is set.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionError {
    pub option: Option<String>,
    pub message: String,
}

impl OptionError {
    pub fn at(option: &str, message: impl Into<String>) -> OptionError {
        OptionError { option: Some(option.to_string()), message: message.into() }
    }
}

/// A built-in function: its name, the options it takes, and how to compile it.
pub struct Spec {
    pub name: &'static str,
    pub options: &'static [&'static str],
    /// One line for `mlconform rules` and error messages.
    pub summary: &'static str,
    pub compile: Compile,
}

/// Compiles a function with its options.
pub type Compile = fn(&Map<String, Json>) -> Result<Box<dyn Function>, OptionError>;

/// Every built-in function, by name.
pub const ALL: &[Spec] = &[
    defined::SPEC,
    non_empty::SPEC,
    pattern::SPEC,
    r#enum::SPEC,
    range::SPEC,
    markdown_section::SPEC,
    file_exists::SPEC,
    cross_ref::SPEC,
    no_secrets::SPEC,
    no_pii::SPEC,
    image_pinned::SPEC,
    license_compatible::SPEC,
];

pub fn find(name: &str) -> Option<&'static Spec> {
    ALL.iter().find(|spec| spec.name == name)
}

// Option readers shared by the functions.

pub(crate) fn string_option(options: &Map<String, Json>, name: &str) -> Result<Option<String>, OptionError> {
    match options.get(name) {
        None => Ok(None),
        Some(Json::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(OptionError::at(name, format!("`{name}` must be a string, found {other}"))),
    }
}

/// Reads an option that is a string or a list of strings.
pub(crate) fn strings_option(options: &Map<String, Json>, name: &str) -> Result<Vec<String>, OptionError> {
    match options.get(name) {
        None => Ok(Vec::new()),
        Some(Json::String(text)) => Ok(vec![text.clone()]),
        Some(Json::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| OptionError::at(name, format!("`{name}` must list strings, found {item}")))
            })
            .collect(),
        Some(other) => {
            Err(OptionError::at(name, format!("`{name}` must be a string or a list of strings, found {other}")))
        }
    }
}

pub(crate) fn regex_option(options: &Map<String, Json>, name: &str) -> Result<Option<regex::Regex>, OptionError> {
    string_option(options, name)?
        .map(|text| {
            regex::Regex::new(&text)
                .map_err(|error| OptionError::at(name, format!("`{name}` is not a valid regular expression: {error}")))
        })
        .transpose()
}

pub(crate) fn regexes_option(options: &Map<String, Json>, name: &str) -> Result<Vec<regex::Regex>, OptionError> {
    strings_option(options, name)?
        .iter()
        .map(|text| {
            regex::Regex::new(text)
                .map_err(|error| OptionError::at(name, format!("`{name}` has an invalid regular expression: {error}")))
        })
        .collect()
}

pub(crate) fn number_option(options: &Map<String, Json>, name: &str) -> Result<Option<f64>, OptionError> {
    match options.get(name) {
        None => Ok(None),
        Some(Json::Number(number)) => number
            .as_f64()
            .map(Some)
            .ok_or_else(|| OptionError::at(name, format!("`{name}` is out of range: {number}"))),
        Some(other) => Err(OptionError::at(name, format!("`{name}` must be a number, found {other}"))),
    }
}

/// Calls `visit` with every string under `value` and its pointer below `pointer`.
pub(crate) fn each_string<'a>(value: &'a Json, pointer: &str, visit: &mut dyn FnMut(&'a str, String)) {
    match value {
        Json::String(text) => visit(text, pointer.to_string()),
        Json::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                each_string(item, &format!("{pointer}/{index}"), visit);
            }
        }
        Json::Object(map) => {
            for (key, item) in map {
                each_string(item, &format!("{pointer}/{}", crate::source::pointer::escape(key)), visit);
            }
        }
        _ => {}
    }
}

/// The strings a function checks "each of": the value itself, or each item of a list, with
/// their pointers. Items that are not strings are returned as `Err` with their pointer.
pub(crate) fn string_items<'a>(value: &'a Json, pointer: &str) -> Vec<(Result<&'a str, &'a Json>, String)> {
    match value {
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| (item.as_str().ok_or(item), format!("{pointer}/{index}")))
            .collect(),
        other => vec![(other.as_str().ok_or(other), pointer.to_string())],
    }
}
