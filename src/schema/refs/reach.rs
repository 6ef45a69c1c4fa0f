//! The value of an instance at which a schema's `$ref` cycle would make validation loop.
//!
//! The cycle itself is found statically, before any instance is read. To tell the user which
//! value of their file would have sent a validator into the loop, this walk follows the
//! applicators of the schema down the instance, as a validator would, without testing any
//! assertion: every branch of `anyOf`, `oneOf` and `if` is followed. The first value at which
//! a schema location of the cycle applies is where validation would never end.

use std::collections::{HashMap, HashSet};

use regex::Regex;

use super::Doc;
use crate::source::{pointer, Node, Span, Value};

/// A schema location: the URI of its document and a JSON Pointer into it.
pub(super) type SchemaLocation = (String, String);

/// Pairs of schema location and instance value visited before the walk gives up, which keeps
/// its memory to tens of megabytes. A schema and an instance of ordinary size need a few
/// thousand.
const MAX_STEPS: usize = 250_000;

/// Keywords whose subschemas apply to the same value.
const IN_PLACE_ONE: &[&str] = &["not", "if", "then", "else"];
const IN_PLACE_LIST: &[&str] = &["allOf", "anyOf", "oneOf"];

/// The schema documents a cycle runs through, and what is needed to walk them.
#[derive(Debug)]
pub struct Reach {
    pub(super) docs: HashMap<String, Doc>,
    /// The target of each `$ref`, by the location of the schema object that contains it.
    pub(super) targets: HashMap<SchemaLocation, SchemaLocation>,
    /// The schema locations on the cycle.
    pub(super) members: HashSet<SchemaLocation>,
    /// The root schema's location.
    pub(super) root: SchemaLocation,
    /// Drafts up to 7 ignore the keywords beside a `$ref`.
    pub(super) legacy: bool,
}

/// An instance value at which validation would loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopSite {
    pub pointer: String,
    pub span: Span,
}

impl Reach {
    /// Returns the first value of `instance`, in document order, at which a schema location
    /// of the cycle applies, or `None` when the instance never reaches the cycle (or the walk
    /// ran out of steps).
    pub fn loop_site(&self, instance: &Node) -> Option<LoopSite> {
        let mut seen: HashSet<(SchemaLocation, String)> = HashSet::new();
        let mut stack: Vec<(SchemaLocation, String, &Node)> = vec![(self.root.clone(), String::new(), instance)];
        let mut patterns: HashMap<String, Option<Regex>> = HashMap::new();
        while let Some((location, at, value)) = stack.pop() {
            if self.members.contains(&location) {
                return Some(LoopSite { pointer: at, span: value.span });
            }
            if seen.len() >= MAX_STEPS || !seen.insert((location.clone(), at.clone())) {
                continue;
            }
            let Some(schema) = self.schema_at(&location) else { continue };
            let mut next = Vec::new();
            self.applied(schema, &location, &at, value, &mut patterns, &mut next);
            // The stack is last in, first out: push in reverse to visit in schema order.
            stack.extend(next.into_iter().rev());
        }
        None
    }

    fn schema_at(&self, (uri, at): &SchemaLocation) -> Option<&Node> {
        let doc = self.docs.get(uri)?;
        let (target, found) = pointer::resolve(&doc.root, at);
        found.then_some(target.node)
    }

    /// Lists the (schema location, instance value) pairs that the schema object at
    /// `location` applies to `value`, in the order of its keywords.
    fn applied<'a>(
        &self,
        schema: &Node,
        location: &SchemaLocation,
        at: &str,
        value: &'a Node,
        patterns: &mut HashMap<String, Option<Regex>>,
        next: &mut Vec<(SchemaLocation, String, &'a Node)>,
    ) {
        let Value::Mapping(keywords) = &schema.value else { return };
        let has_ref = schema.get("$ref").is_some();
        if has_ref {
            if let Some(target) = self.targets.get(location) {
                next.push((target.clone(), at.to_string(), value));
            }
            if self.legacy {
                return;
            }
        }
        let sub = |path: &[&str]| {
            let mut pointer = location.1.clone();
            for token in path {
                pointer.push('/');
                pointer::escape_into(token, &mut pointer);
            }
            (location.0.clone(), pointer)
        };
        let object_members = match &value.value {
            Value::Mapping(entries) => entries.as_slice(),
            _ => &[],
        };
        let items = match &value.value {
            Value::Sequence(items) => items.as_slice(),
            _ => &[],
        };
        let child = |key: &str| {
            let mut pointer = at.to_string();
            pointer.push('/');
            pointer::escape_into(key, &mut pointer);
            pointer
        };
        let element = |index: usize| format!("{at}/{index}");
        // The number of leading elements that `prefixItems` or a list-form `items` covers.
        let mut tuple_length = 0;

        for keyword in keywords {
            let name = keyword.key.as_str();
            let subschemas = &keyword.value;
            match (name, &subschemas.value) {
                (name, _) if IN_PLACE_ONE.contains(&name) => next.push((sub(&[name]), at.to_string(), value)),
                (name, Value::Sequence(list)) if IN_PLACE_LIST.contains(&name) => {
                    for index in 0..list.len() {
                        next.push((sub(&[name, &index.to_string()]), at.to_string(), value));
                    }
                }
                ("dependentSchemas" | "dependencies", Value::Mapping(dependencies)) => {
                    for dependency in dependencies {
                        let present = object_members.iter().any(|member| member.key == dependency.key);
                        if present && !matches!(dependency.value.value, Value::Sequence(_)) {
                            next.push((sub(&[name, &dependency.key]), at.to_string(), value));
                        }
                    }
                }
                ("properties", Value::Mapping(properties)) => {
                    for member in object_members {
                        if properties.iter().any(|property| property.key == member.key) {
                            next.push((sub(&[name, &member.key]), child(&member.key), &member.value));
                        }
                    }
                }
                ("patternProperties", Value::Mapping(by_pattern)) => {
                    for member in object_members {
                        for pattern in by_pattern {
                            if matches(patterns, &pattern.key, &member.key) {
                                next.push((sub(&[name, &pattern.key]), child(&member.key), &member.value));
                            }
                        }
                    }
                }
                ("additionalProperties" | "unevaluatedProperties", _) => {
                    let named = schema.get("properties");
                    let by_pattern = schema.get("patternProperties");
                    for member in object_members {
                        let listed = named.is_some_and(|named| named.get(&member.key).is_some());
                        let matched = match by_pattern.map(|node| &node.value) {
                            Some(Value::Mapping(by_pattern)) => {
                                by_pattern.iter().any(|pattern| matches(patterns, &pattern.key, &member.key))
                            }
                            _ => false,
                        };
                        if !listed && !matched {
                            next.push((sub(&[name]), child(&member.key), &member.value));
                        }
                    }
                }
                ("prefixItems", Value::Sequence(list)) | ("items", Value::Sequence(list)) => {
                    tuple_length = tuple_length.max(list.len());
                    for (index, item) in items.iter().enumerate().take(list.len()) {
                        next.push((sub(&[name, &index.to_string()]), element(index), item));
                    }
                }
                // `additionalItems` applies only after a list-form `items`.
                ("additionalItems", _)
                    if !matches!(schema.get("items").map(|items| &items.value), Some(Value::Sequence(_))) => {}
                ("items" | "additionalItems" | "unevaluatedItems", _) => {
                    let skip = if name == "items" && schema.get("prefixItems").is_none() {
                        0
                    } else {
                        tuple_length.max(prefix_length(schema))
                    };
                    for (index, item) in items.iter().enumerate().skip(skip) {
                        next.push((sub(&[name]), element(index), item));
                    }
                }
                ("contains", _) => {
                    for (index, item) in items.iter().enumerate() {
                        next.push((sub(&[name]), element(index), item));
                    }
                }
                _ => {}
            }
        }
    }
}

/// Returns the number of elements that `prefixItems`, or `items` in its list form, covers.
fn prefix_length(schema: &Node) -> usize {
    ["prefixItems", "items"]
        .iter()
        .filter_map(|keyword| match schema.get(keyword).map(|node| &node.value) {
            Some(Value::Sequence(list)) => Some(list.len()),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

/// Returns whether `name` matches a `patternProperties` pattern, compiling each pattern once.
/// A pattern the regex crate cannot compile matches nothing, and the validator reports it.
fn matches(patterns: &mut HashMap<String, Option<Regex>>, pattern: &str, name: &str) -> bool {
    patterns
        .entry(pattern.to_string())
        .or_insert_with(|| Regex::new(pattern).ok())
        .as_ref()
        .is_some_and(|regex| regex.is_match(name))
}

#[cfg(test)]
mod tests;
