//! `defined`: the value exists and is not null.
//!
//! **What it checks**: that the field is present, with any value other than `null`.
//!
//! **Why**: a missing key and a key left empty in YAML (`seed:`, which reads as null) both mean
//! the information is absent.
//!
//! **Options**: none.
//!
//! **Known problems**: an empty string or list counts as defined; use `non-empty` to reject it.

use serde_json::{Map, Value as Json};

use super::{Function, Input, OptionError, Spec, Violation};

pub const SPEC: Spec = Spec { name: "defined", options: &[], summary: "the value exists and is not null", compile };

struct Defined;

fn compile(_: &Map<String, Json>) -> Result<Box<dyn Function>, OptionError> {
    Ok(Box::new(Defined))
}

impl Function for Defined {
    fn check(&self, input: &Input<'_>) -> Vec<Violation> {
        match input.value {
            None => vec![Violation::at_input(input, "missing")],
            Some(Json::Null) => vec![Violation::at_input(input, "null")],
            Some(_) => Vec::new(),
        }
    }
}
