//! Turning validation errors into located findings.
//!
//! The validator reports an instance path (a JSON Pointer) and the failing keyword. This
//! module decides where in the source each error belongs (a wrong value at the value, a
//! missing key at the mapping that lacks it, an unknown key at the key) and words it, value
//! first.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::ValidationError;
use serde_json::Value as Json;

use crate::source::pointer::{self, Target};
use crate::source::{Node, Span};

use super::Compiled;

/// A schema violation, located and worded.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaFinding {
    /// `schema-<keyword>` (`schema-type`, `schema-required`) or `unknown-key`.
    pub code: String,
    pub message: String,
    pub help: Option<String>,
    pub span: Span,
    pub pointer: String,
    /// The failing keyword's location in the schema.
    pub keyword_location: String,
}

/// Validates `instance` and locates every error in `root`, with no limit on their number.
pub fn findings_for(compiled: &Compiled, root: &Node, instance: &Json, silenced: &[String]) -> Vec<SchemaFinding> {
    findings_for_limited(compiled, root, instance, silenced, 0).0
}

/// Validates `instance` (the JSON form of `root`) and locates every error in `root`.
/// Errors at a pointer in `silenced` are dropped: the parser has reported those nodes already.
///
/// At most `max` findings are located and worded (0 for no limit). The rest are only counted,
/// and the count is returned beside the findings: locating costs a search through the
/// document, and a hostile document can fail a schema millions of times. The count is of
/// validation errors before duplicates are merged, so it can be a little high.
pub fn findings_for_limited(
    compiled: &Compiled,
    root: &Node,
    instance: &Json,
    silenced: &[String],
    max: usize,
) -> (Vec<SchemaFinding>, usize) {
    let limit = if max == 0 { usize::MAX } else { max };
    let mut out = Vec::new();
    let mut omitted = 0;
    for error in compiled.validator.iter_errors(instance) {
        if out.len() >= limit {
            omitted += match error.kind() {
                ValidationErrorKind::AdditionalProperties { unexpected }
                | ValidationErrorKind::UnevaluatedProperties { unexpected } => unexpected.len(),
                _ => 1,
            };
            continue;
        }
        push_error(compiled, root, &error, silenced, limit, &mut out, &mut omitted);
    }
    out.sort_by(|a, b| (a.span.start, &a.code, &a.message).cmp(&(b.span.start, &b.code, &b.message)));
    out.dedup();
    if out.len() > limit {
        omitted += out.len() - limit;
        out.truncate(limit);
    }
    (out, omitted)
}

/// Locates and words one validation error into `out`, counting in `omitted` what does not fit
/// under `limit`.
fn push_error(
    compiled: &Compiled,
    root: &Node,
    error: &ValidationError<'_>,
    silenced: &[String],
    limit: usize,
    out: &mut Vec<SchemaFinding>,
    omitted: &mut usize,
) {
    let instance_pointer = error.instance_path().to_string();
    if silenced
        .iter()
        .any(|pointer| instance_pointer == *pointer || instance_pointer.starts_with(&format!("{pointer}/")))
    {
        return;
    }
    let keyword_location = error.schema_path().to_string();
    let (target, _) = pointer::resolve(root, &instance_pointer);
    let value = error.instance();
    let value_text = quote_instance(value, &instance_pointer);
    let help = x_help(&compiled.schema, &keyword_location);

    let room = limit.saturating_sub(out.len());
    let mut push = |code: &str, message: String, span: Span, pointer: String, help: Option<String>| {
        out.push(SchemaFinding {
            code: code.to_string(),
            message,
            help,
            span,
            pointer,
            keyword_location: keyword_location.clone(),
        });
    };

    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let known = known_keys(&compiled.schema, &keyword_location);
            for (index, key) in unexpected.iter().enumerate() {
                // Finding a key's entry is a linear search, so past the limit keys are counted.
                if index >= room {
                    *omitted += 1;
                    continue;
                }
                let entry = target.node.entry(key);
                let span = entry.map_or(target.node.span, |entry| entry.key_span);
                let key_pointer = format!("{instance_pointer}/{}", pointer::escape(key));
                let suggestion = closest(key, &known).map(|near| format!("did you mean \"{near}\"?"));
                let help = suggestion
                    .or_else(|| help.clone())
                    .or_else(|| Some("remove the key, or check its spelling against the schema".to_string()));
                push("unknown-key", format!("unknown key \"{key}\""), span, key_pointer, help);
            }
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().map_or_else(|| property.to_string(), str::to_string);
            push(
                "schema-required",
                format!("required key \"{name}\" is missing"),
                target.node.span,
                instance_pointer.clone(),
                help,
            );
        }
        ValidationErrorKind::FalseSchema => {
            let span = key_or_value(&target);
            push(
                "schema-not-allowed",
                format!("{value_text} is not allowed here"),
                span,
                instance_pointer.clone(),
                help,
            );
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            let keyword = if matches!(error.kind(), ValidationErrorKind::AnyOf { .. }) { "anyOf" } else { "oneOf" };
            match best_branch(context, &instance_pointer) {
                Some(branch) => {
                    for inner in branch {
                        push_error(compiled, root, inner, silenced, limit, out, omitted);
                    }
                }
                None => {
                    let expected = branch_types(&compiled.schema, &keyword_location);
                    let message = match expected {
                        Some(types) => format!("{value_text} is not {types}"),
                        None => format!("{value_text} does not match any of the allowed forms ({keyword})"),
                    };
                    out.push(SchemaFinding {
                        code: format!("schema-{}", kebab(keyword)),
                        message,
                        help,
                        span: target.node.span,
                        pointer: instance_pointer.clone(),
                        keyword_location: keyword_location.clone(),
                    });
                }
            }
        }
        kind => {
            let (keyword, message) = word(kind, &value_text, error);
            push(&format!("schema-{}", kebab(keyword)), message, target.node.span, instance_pointer.clone(), help);
        }
    }
}

/// Picks the `anyOf`/`oneOf` branch whose errors best explain the failure: branches that fail
/// on the type of the value itself are the wrong shape, and of the others the one with the
/// fewest errors is the one the author most likely meant. `None` when every branch is the
/// wrong shape.
fn best_branch<'a>(context: &'a [Vec<ValidationError<'static>>], at: &str) -> Option<&'a [ValidationError<'static>]> {
    context
        .iter()
        .filter(|branch| !branch.is_empty())
        .filter(|branch| {
            !branch.iter().any(|error| {
                error.instance_path().to_string() == at
                    && matches!(
                        error.kind(),
                        ValidationErrorKind::Type { .. }
                            | ValidationErrorKind::Constant { .. }
                            | ValidationErrorKind::Enum { .. }
                            | ValidationErrorKind::FalseSchema
                    )
            })
        })
        .min_by_key(|branch| branch.len())
        .map(Vec::as_slice)
}

/// For an `anyOf`/`oneOf` whose branches only differ by type, the expected types as words.
fn branch_types(schema: &Json, keyword_location: &str) -> Option<String> {
    let branches = schema.pointer(keyword_location)?.as_array()?;
    let mut names = Vec::new();
    for branch in branches {
        match branch.get("type") {
            Some(Json::String(name)) => names.push(format!("\"{name}\"")),
            Some(Json::Array(list)) => {
                names.extend(list.iter().filter_map(Json::as_str).map(|name| format!("\"{name}\"")))
            }
            _ => {
                if let Some(constant) = branch.get("const") {
                    names.push(format!("the value {}", short(constant)));
                } else {
                    return None;
                }
            }
        }
    }
    names.dedup();
    Some(format!("of type {}", names.join(" or ")))
}

/// The keyword name and the message for the remaining error kinds.
fn word(kind: &ValidationErrorKind, value_text: &str, error: &ValidationError<'_>) -> (&'static str, String) {
    match kind {
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(single) => format!("\"{single}\""),
                TypeKind::Multiple(set) => set.iter().map(|one| format!("\"{one}\"")).collect::<Vec<_>>().join(" or "),
            };
            ("type", format!("{value_text} is not of type {expected}"))
        }
        ValidationErrorKind::Enum { options } => ("enum", format!("{value_text} is not one of {}", list(options))),
        ValidationErrorKind::Constant { expected_value } => {
            ("const", format!("{value_text} is not {}", short(expected_value)))
        }
        ValidationErrorKind::Minimum { limit } => {
            ("minimum", format!("{value_text} is less than the minimum of {limit}"))
        }
        ValidationErrorKind::Maximum { limit } => {
            ("maximum", format!("{value_text} is greater than the maximum of {limit}"))
        }
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            ("exclusiveMinimum", format!("{value_text} is less than or equal to the exclusive minimum of {limit}"))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            ("exclusiveMaximum", format!("{value_text} is greater than or equal to the exclusive maximum of {limit}"))
        }
        ValidationErrorKind::MultipleOf { multiple_of } => {
            ("multipleOf", format!("{value_text} is not a multiple of {multiple_of}"))
        }
        ValidationErrorKind::Pattern { pattern } => {
            ("pattern", format!("{value_text} does not match the pattern \"{pattern}\""))
        }
        ValidationErrorKind::Format { format } => ("format", format!("{value_text} is not a valid \"{format}\"")),
        ValidationErrorKind::MinLength { limit } => {
            ("minLength", format!("{value_text} is shorter than {limit} characters"))
        }
        ValidationErrorKind::MaxLength { limit } => {
            ("maxLength", format!("{value_text} is longer than {limit} characters"))
        }
        ValidationErrorKind::MinItems { limit } => ("minItems", format!("{value_text} has fewer than {limit} items")),
        ValidationErrorKind::MaxItems { limit } => ("maxItems", format!("{value_text} has more than {limit} items")),
        ValidationErrorKind::MinProperties { limit } => {
            ("minProperties", format!("{value_text} has fewer than {limit} keys"))
        }
        ValidationErrorKind::MaxProperties { limit } => {
            ("maxProperties", format!("{value_text} has more than {limit} keys"))
        }
        ValidationErrorKind::UniqueItems => ("uniqueItems", format!("{value_text} has duplicate items")),
        ValidationErrorKind::Contains => {
            ("contains", format!("{value_text} has no item matching the `contains` schema"))
        }
        ValidationErrorKind::Not { .. } => ("not", format!("{value_text} matches a schema it must not match (`not`)")),
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            ("oneOf", format!("{value_text} matches more than one of the `oneOf` schemas"))
        }
        ValidationErrorKind::AdditionalItems { limit } => {
            ("additionalItems", format!("{value_text} has more than the {limit} items the schema allows"))
        }
        ValidationErrorKind::UnevaluatedItems { .. } => {
            ("unevaluatedItems", format!("{value_text} has items that no schema allows"))
        }
        ValidationErrorKind::PropertyNames { error } => ("propertyNames", format!("key {error}")),
        ValidationErrorKind::ContentEncoding { content_encoding } => {
            ("contentEncoding", format!("{value_text} is not valid \"{content_encoding}\""))
        }
        ValidationErrorKind::ContentMediaType { content_media_type } => {
            ("contentMediaType", format!("{value_text} is not valid \"{content_media_type}\""))
        }
        _ => ("invalid", truncate(&error.to_string(), 200)),
    }
}

/// Renders the instance value at `pointer` for messages. A string under a key
/// that names a credential (`api_key`, `hf_token`) is masked whole; recognised secret tokens
/// elsewhere are masked when the message is printed.
fn quote_instance(value: &Json, pointer: &str) -> String {
    let key = pointer.rsplit('/').next().unwrap_or_default();
    match value {
        Json::String(text) if crate::report::redact::is_secret_key(key) => {
            format!("\"{}\"", crate::report::redact::mask_value(key, text))
        }
        other => short(other),
    }
}

/// A short rendering of a value for messages: scalars as JSON, containers by size.
pub(crate) fn short(value: &Json) -> String {
    match value {
        Json::Array(items) => match items.len() {
            0 => "an empty array".to_string(),
            1 => "an array of 1 item".to_string(),
            n => format!("an array of {n} items"),
        },
        Json::Object(map) => match map.len() {
            0 => "an empty object".to_string(),
            1 => "an object with 1 key".to_string(),
            n => format!("an object with {n} keys"),
        },
        Json::String(text) => format!("\"{}\"", truncate(text, 80)),
        scalar => truncate(&scalar.to_string(), 80),
    }
}

fn list(options: &Json) -> String {
    let Some(items) = options.as_array() else {
        return short(options);
    };
    let shown: Vec<String> = items
        .iter()
        .take(12)
        .map(|item| match item {
            Json::String(text) => format!("\"{}\"", truncate(text, 40)),
            other => truncate(&other.to_string(), 40),
        })
        .collect();
    let more = items.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{cut}…")
}

fn kebab(keyword: &str) -> String {
    let mut out = String::new();
    for ch in keyword.chars() {
        if ch.is_ascii_uppercase() {
            out.push('-');
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

fn key_or_value(target: &Target<'_>) -> Span {
    target.key_span.unwrap_or(target.node.span)
}

/// The `x-help` text of the subschema holding the failing keyword, or of its parents.
fn x_help(schema: &Json, keyword_location: &str) -> Option<String> {
    let mut location = keyword_location.to_string();
    loop {
        let cut = location.rfind('/')?;
        location.truncate(cut);
        if let Some(help) = schema.pointer(&location).and_then(|node| node.get("x-help")).and_then(Json::as_str) {
            return Some(help.to_string());
        }
        // Only the failing keyword's own subschema and the property schema right above it.
        if location.ends_with("/properties") || location.is_empty() {
            return None;
        }
    }
}

/// The keys a closed mapping allows, for "did you mean" suggestions.
fn known_keys(schema: &Json, keyword_location: &str) -> Vec<String> {
    let parent = keyword_location.rsplit_once('/').map_or("", |(parent, _)| parent);
    let Some(subschema) = schema.pointer(parent) else {
        return Vec::new();
    };
    let mut keys: Vec<String> = subschema
        .get("properties")
        .and_then(Json::as_object)
        .map(|map| map.keys().cloned().collect())
        .unwrap_or_default();
    // Keys allowed through `allOf` branches of the same subschema count too.
    if let Some(branches) = subschema.get("allOf").and_then(Json::as_array) {
        for branch in branches {
            if let Some(map) = branch.get("properties").and_then(Json::as_object) {
                keys.extend(map.keys().cloned());
            }
        }
    }
    keys
}

/// The known key nearest to `key`, when it is near enough to be a likely misspelling.
pub(crate) fn closest<'a>(key: &str, known: &'a [String]) -> Option<&'a str> {
    let lower = key.to_lowercase();
    known
        .iter()
        .map(|candidate| (edit_distance(&lower, &candidate.to_lowercase()), candidate))
        .filter(|(distance, candidate)| {
            *distance <= (candidate.chars().count().max(3) / 3).max(1) || candidate.to_lowercase() == lower
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.as_str())
}

/// Levenshtein distance with transpositions counted as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous2 = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            current[j] = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = current[j].min(previous2[j - 2] + 1);
            }
        }
        std::mem::swap(&mut previous2, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_find_misspellings() {
        let known: Vec<String> =
            ["stage", "offload_param", "overlap_comm", "contiguous_gradients"].iter().map(|s| s.to_string()).collect();
        assert_eq!(closest("stgae", &known), Some("stage"));
        assert_eq!(closest("overlap_com", &known), Some("overlap_comm"));
        assert_eq!(closest("contiguous_gradient", &known), Some("contiguous_gradients"));
        assert_eq!(closest("zzz", &known), None);
    }

    #[test]
    fn unknown_keys_past_limit_are_counted() {
        let schema = serde_json::json!({"properties": {"known": {}}, "additionalProperties": false});
        let compiled = Compiled { validator: jsonschema::options().build(&schema).unwrap(), schema: schema.clone() };
        let keys: Vec<String> = (0..10_000).map(|i| format!("\"k{i}\": 1")).collect();
        let text = format!("{{{}}}", keys.join(", "));
        let root = crate::source::json::parse(&text, &Default::default()).documents.remove(0).root.unwrap();
        let instance = root.to_json(&mut String::new(), &mut Vec::new());

        let (findings, omitted) = findings_for_limited(&compiled, &root, &instance, &[], 5);

        assert_eq!(findings.len(), 5);
        assert_eq!(omitted, 9_995);
        assert!(findings.iter().all(|finding| finding.code == "unknown-key"));
        let (all, none) = findings_for_limited(&compiled, &root, &instance, &[], 0);
        assert_eq!((all.len(), none), (10_000, 0));
    }

    #[test]
    fn secret_values_masked_by_key() {
        let schema = serde_json::json!({"properties": {"api_key": {"type": "integer"}}});
        let compiled = Compiled { validator: jsonschema::options().build(&schema).unwrap(), schema: schema.clone() };
        let text = r#"{"api_key": "plain-looking-credential"}"#;
        let root = crate::source::json::parse(text, &Default::default()).documents.remove(0).root.unwrap();
        let instance = root.to_json(&mut String::new(), &mut Vec::new());

        let (findings, _) = findings_for_limited(&compiled, &root, &instance, &[], 0);

        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].message, r#""****" is not of type "integer""#);
    }

    #[test]
    fn keywords_become_kebab_codes() {
        assert_eq!(kebab("exclusiveMinimum"), "exclusive-minimum");
        assert_eq!(kebab("type"), "type");
    }
}
