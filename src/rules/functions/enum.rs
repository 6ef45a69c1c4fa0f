//! `enum`: the value is one of a list.
//!
//! **What it checks**: that the value equals one of `values`, compared as JSON (so `"true"`
//! and `true` differ).
//!
//! **Why**: settings such as `trust_remote_code` or a precision have a short list of safe or
//! supported values.
//!
//! **Options**: `values`, a non-empty list.
//!
//! **Known problems**: an absent value holds; combine with `defined` to require it.

use serde_json::{Map, Value as Json};

use super::{Function, Input, OptionError, Spec, Violation};

pub const SPEC: Spec = Spec { name: "enum", options: &["values"], summary: "the value is one of `values`", compile };

struct Enum {
    values: Vec<Json>,
}

fn compile(options: &Map<String, Json>) -> Result<Box<dyn Function>, OptionError> {
    match options.get("values") {
        Some(Json::Array(values)) if !values.is_empty() => Ok(Box::new(Enum { values: values.clone() })),
        Some(_) => Err(OptionError::at("values", "`values` must be a non-empty list")),
        None => Err(OptionError { option: None, message: "`enum` needs `values`".to_string() }),
    }
}

impl Function for Enum {
    fn check(&self, input: &Input<'_>) -> Vec<Violation> {
        let Some(value) = input.value else { return Vec::new() };
        if self.values.iter().any(|allowed| numbers_equal(allowed, value) || allowed == value) {
            return Vec::new();
        }
        let listed: Vec<String> = self.values.iter().map(Json::to_string).collect();
        vec![Violation::at_input(input, format!("not one of {}", listed.join(", ")))]
    }
}

/// Compares numbers by value, so that `1` equals `1.0`.
fn numbers_equal(a: &Json, b: &Json) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => a.is_number() && b.is_number() && x == y,
        _ => false,
    }
}
