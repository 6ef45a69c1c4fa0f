//! `cross-ref`: the value names another artifact of the project, or an external id.
//!
//! **What it checks**: that the value (each string of a list, or the `name`/`id`/`path` key of
//! each mapping of a list) refers to an artifact of `kind` in the project, compared by `by`, or
//! else matches `external`. With `equals`, the check is a comparison instead: the value must
//! equal the value at that JSON Pointer in some artifact of `kind`, and a finding names each
//! artifact that disagrees.
//!
//! **Why**: documentation is only traceable when the things it names can be found: a model
//! card's training datasets should have dataset cards or public ids, and a deployment should
//! serve the model version its card describes.
//!
//! **Options**: `kind` (required; a kind or a list); `by` (`path`, `name`, `id`, or a list;
//! all three by default); `external` (a regular expression for ids that live elsewhere, such
//! as `^[\w.-]+/[\w.-]+$` for Hugging Face Hub ids); `equals` (a JSON Pointer into the
//! target's first document).
//!
//! **Known problems**: with `equals`, a project with no artifact of `kind`, or none that has a
//! value at `equals`, gives no finding: there is nothing to compare against.

use regex::Regex;
use serde_json::{Map, Value as Json};

use super::Violation;
use super::{regex_option, string_option, strings_option, Function, Input, OptionError, RelatedSpot, Spec, Spot};
use crate::discover::Kind;
use crate::rules::context::RefBy;

pub const SPEC: Spec = Spec {
    name: "cross-ref",
    options: &["kind", "by", "external", "equals"],
    summary: "the value names an artifact of `kind` in the project, or matches `external`",
    compile,
};

struct CrossRef {
    kinds: Vec<Kind>,
    by: Vec<RefBy>,
    external: Option<Regex>,
    equals: Option<String>,
}

fn compile(options: &Map<String, Json>) -> Result<Box<dyn Function>, OptionError> {
    let kinds = strings_option(options, "kind")?
        .iter()
        .map(|name| name.parse::<Kind>().map_err(|error| OptionError::at("kind", format!("`kind`: {error}"))))
        .collect::<Result<Vec<Kind>, OptionError>>()?;
    if kinds.is_empty() {
        return Err(OptionError { option: None, message: "`cross-ref` needs `kind`".to_string() });
    }
    let by_names = strings_option(options, "by")?;
    let by = if by_names.is_empty() {
        vec![RefBy::Path, RefBy::Name, RefBy::Id]
    } else {
        by_names
            .iter()
            .map(|name| match name.as_str() {
                "path" => Ok(RefBy::Path),
                "name" => Ok(RefBy::Name),
                "id" => Ok(RefBy::Id),
                other => Err(OptionError::at("by", format!("`by` takes path, name or id, found \"{other}\""))),
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let equals = string_option(options, "equals")?;
    if let Some(pointer) = &equals {
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(OptionError::at(
                "equals",
                format!("`equals` must be a JSON Pointer such as \"/version\", found \"{pointer}\""),
            ));
        }
    }
    Ok(Box::new(CrossRef { kinds, by, external: regex_option(options, "external")?, equals }))
}

/// The reference text of one item: a string, or the `name`, `id` or `path` of a mapping.
fn reference_text(item: &Json) -> Option<&str> {
    match item {
        Json::String(text) => Some(text),
        Json::Object(map) => ["name", "id", "path"].iter().find_map(|key| map.get(*key).and_then(Json::as_str)),
        _ => None,
    }
}

impl CrossRef {
    fn check_reference(&self, input: &Input<'_>, item: &Json, pointer: String, out: &mut Vec<Violation>) {
        let Some(text) = reference_text(item) else { return };
        if self.external.as_ref().is_some_and(|external| external.is_match(text)) {
            return;
        }
        if !input.project.find(input.artifact, text, &self.kinds, &self.by).is_empty() {
            return;
        }
        let kinds: Vec<&str> = self.kinds.iter().map(|kind| kind.as_str()).collect();
        let mut detail = format!("no {} in the project matches it", kinds.join(" or "));
        if self.external.is_some() {
            detail.push_str(", and it is not an external id");
        }
        out.push(Violation::new(Spot::Node(pointer), Some(&Json::String(text.to_string())), detail));
    }

    fn check_equals(&self, input: &Input<'_>, pointer: &str, value: &Json) -> Vec<Violation> {
        let mut related = Vec::new();
        for (index, artifact) in input.project.artifacts.iter().enumerate() {
            if !self.kinds.contains(&artifact.kind) || std::ptr::eq(artifact, input.artifact) {
                continue;
            }
            let Some(document) = artifact.documents.first() else { continue };
            let Some(other) = document.json.pointer(pointer) else { continue };
            if same_value(other, value) {
                return Vec::new();
            }
            related.push(RelatedSpot {
                message: format!("{} states {}", artifact.kind, other),
                artifact: index,
                document: document.index,
                pointer: pointer.to_string(),
            });
        }
        if related.is_empty() {
            return Vec::new();
        }
        let mut violation = Violation::at_input(
            input,
            format!("differs from the value at {pointer} in {} other file(s)", related.len()),
        );
        violation.related = related;
        vec![violation]
    }
}

/// Compares scalars as text, so that a version `1.2` written as a number matches `"1.2"`.
fn same_value(a: &Json, b: &Json) -> bool {
    let text = |value: &Json| match value {
        Json::String(text) => text.trim().to_string(),
        other => other.to_string(),
    };
    a == b || (!a.is_object() && !a.is_array() && text(a) == text(b))
}

impl Function for CrossRef {
    fn check(&self, input: &Input<'_>) -> Vec<Violation> {
        let Some(value) = input.value else { return Vec::new() };
        if let Some(pointer) = &self.equals {
            return self.check_equals(input, pointer, value);
        }
        let mut out = Vec::new();
        match value {
            Json::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.check_reference(input, item, format!("{}/{index}", input.pointer), &mut out);
                }
            }
            other => self.check_reference(input, other, input.pointer.to_string(), &mut out),
        }
        out
    }
}
