use jsonschema::Draft;
use serde_json::{json, Value as Json};

use crate::schema::user::{compile_value, UserSchemaOptions};
use crate::source::{self, Limits};

/// Compiles `schema`, which must have a `$ref` cycle, and returns the pointer of the value
/// of `instance` (JSON text) at which validation would loop.
fn loop_pointer(schema: Json, instance: &str) -> Option<String> {
    let options = UserSchemaOptions { default_draft: Draft::Draft202012, maps: Vec::new(), limits: Limits::default() };
    let Err(problem) = compile_value(&schema, "file:///schemas/cycle.json", &options, &[]) else {
        panic!("the schema compiled: {schema}");
    };
    let cycle = problem.cycle.unwrap_or_else(|| panic!("not a cycle: {}", problem.message));
    let parsed = source::json::parse(instance, &Limits::default());
    let root = parsed.documents[0].root.as_ref().expect("the instance parses");
    let site = cycle.reach.loop_site(root)?;
    // The span must cover the value the pointer names.
    let (target, found) = source::pointer::resolve(root, &site.pointer);
    assert!(found, "{site:?} names no value");
    assert_eq!(target.node.span, site.span, "{site:?} is not the span of its pointer");
    Some(site.pointer)
}

/// Returns a definition that refers back to itself from its own `anyOf`.
fn looping() -> Json {
    json!({"anyOf": [{"type": "integer"}, {"$ref": "#/$defs/loop"}]})
}

#[test]
fn loops_at_first_member() {
    let schema = json!({
        "$defs": {"layer": {"oneOf": [{"properties": {"units": {"type": "integer"}}}, {"$ref": "#/$defs/layer"}]}},
        "additionalProperties": {"$ref": "#/$defs/layer"}
    });

    assert_eq!(
        loop_pointer(schema.clone(), r#"{"encoder": {"units": 1}, "decoder": {}}"#).as_deref(),
        Some("/encoder")
    );
    assert_eq!(loop_pointer(schema.clone(), "{}"), None);
    assert_eq!(loop_pointer(schema, "[1, 2]"), None);
}

#[test]
fn properties_lead_to_the_named_member_only() {
    let schema = json!({
        "$defs": {"loop": looping()},
        "properties": {"a/b": {"$ref": "#/$defs/loop"}, "other": {"type": "string"}}
    });

    assert_eq!(loop_pointer(schema.clone(), r#"{"other": "x", "a/b": 3}"#).as_deref(), Some("/a~1b"));
    assert_eq!(loop_pointer(schema, r#"{"other": "x"}"#), None);
}

#[test]
fn pattern_properties_and_additional_properties_split_members() {
    let schema = json!({
        "$defs": {"loop": looping()},
        "properties": {"known": true},
        "patternProperties": {"^x_": true},
        "additionalProperties": {"$ref": "#/$defs/loop"}
    });

    assert_eq!(loop_pointer(schema.clone(), r#"{"known": 1, "x_a": 2, "rest": 3}"#).as_deref(), Some("/rest"));
    assert_eq!(loop_pointer(schema, r#"{"known": 1, "x_a": 2}"#), None);

    let by_pattern = json!({"$defs": {"loop": looping()}, "patternProperties": {"^x_": {"$ref": "#/$defs/loop"}}});
    assert_eq!(loop_pointer(by_pattern, r#"{"a": 1, "x_b": 2}"#).as_deref(), Some("/x_b"));
}

#[test]
fn items_after_prefix_items() {
    let schema = json!({"$defs": {"loop": looping()}, "prefixItems": [true], "items": {"$ref": "#/$defs/loop"}});

    assert_eq!(loop_pointer(schema.clone(), "[1, 2]").as_deref(), Some("/1"));
    assert_eq!(loop_pointer(schema, "[1]"), None);

    let nested = json!({"$defs": {"loop": looping()}, "items": {"items": {"$ref": "#/$defs/loop"}}});
    assert_eq!(loop_pointer(nested.clone(), "[[], [[], 7]]").as_deref(), Some("/1/0"));
    assert_eq!(loop_pointer(nested, "[[], []]"), None);
}

#[test]
fn every_branch_is_followed() {
    // `1` passes the first branch of `anyOf`, so a validator may never try the second. The
    // walk tests no assertion, so it reports the value where validation can loop.
    let schema = json!({
        "$defs": {"loop": looping()},
        "if": {"type": "object"},
        "then": {"properties": {"deep": {"$ref": "#/$defs/loop"}}}
    });

    assert_eq!(loop_pointer(schema, r#"{"deep": 1}"#).as_deref(), Some("/deep"));
}

#[test]
fn dependent_schemas_apply_when_the_member_is_present() {
    let schema = json!({"$defs": {"loop": looping()}, "dependentSchemas": {"trigger": {"$ref": "#/$defs/loop"}}});

    assert_eq!(loop_pointer(schema.clone(), r#"{"trigger": 1}"#).as_deref(), Some(""));
    assert_eq!(loop_pointer(schema, r#"{"other": 1}"#), None);
}

#[test]
fn draft_7_ignores_keywords_beside_ref() {
    let schema = |draft: &str| {
        json!({
            "$schema": draft,
            "definitions": {"loop": {"anyOf": [{"$ref": "#/definitions/loop"}]}, "open": {}},
            "$ref": "#/definitions/open",
            "properties": {"a": {"$ref": "#/definitions/loop"}}
        })
    };

    assert_eq!(loop_pointer(schema("http://json-schema.org/draft-07/schema#"), r#"{"a": 1}"#), None);
    let current = schema("https://json-schema.org/draft/2020-12/schema");
    assert_eq!(loop_pointer(current, r#"{"a": 1}"#).as_deref(), Some("/a"));
}
