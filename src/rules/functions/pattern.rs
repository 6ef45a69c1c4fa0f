//! `pattern`: the string matches a regular expression, or does not.
//!
//! **What it checks**: that the string (each string of a list) matches `match` and does not
//! match `not-match`. Both are unanchored regular expressions in the syntax of the Rust
//! `regex` crate; write `^...$` to match the whole string.
//!
//! **Why**: many conventions are about form: a URI scheme, an identifier format, a version.
//!
//! **Options**: `match`, `not-match`; at least one is required.
//!
//! **Known problems**: a value that is neither a string nor a list of strings is reported as
//! not a string; an absent value holds.

use regex::Regex;
use serde_json::{Map, Value as Json};

use super::{regex_option, string_items, Function, Input, OptionError, Spec, Spot, Violation};

pub const SPEC: Spec = Spec {
    name: "pattern",
    options: &["match", "not-match"],
    summary: "the string matches `match` and does not match `not-match`",
    compile,
};

struct Pattern {
    matching: Option<Regex>,
    not_matching: Option<Regex>,
}

fn compile(options: &Map<String, Json>) -> Result<Box<dyn Function>, OptionError> {
    let matching = regex_option(options, "match")?;
    let not_matching = regex_option(options, "not-match")?;
    if matching.is_none() && not_matching.is_none() {
        return Err(OptionError { option: None, message: "`pattern` needs `match` or `not-match`".to_string() });
    }
    Ok(Box::new(Pattern { matching, not_matching }))
}

impl Function for Pattern {
    fn check(&self, input: &Input<'_>) -> Vec<Violation> {
        let Some(value) = input.value else { return Vec::new() };
        let mut out = Vec::new();
        for (item, pointer) in string_items(value, input.pointer) {
            let text = match item {
                Ok(text) => text,
                Err(other) => {
                    out.push(Violation::new(Spot::Node(pointer), Some(other), "not a string"));
                    continue;
                }
            };
            let item_value = Json::String(text.to_string());
            if let Some(regex) = &self.matching {
                if !regex.is_match(text) {
                    let detail = format!("does not match `{}`", regex.as_str());
                    out.push(Violation::new(Spot::Node(pointer.clone()), Some(&item_value), detail));
                    continue;
                }
            }
            if let Some(regex) = &self.not_matching {
                if regex.is_match(text) {
                    let detail = format!("matches `{}`", regex.as_str());
                    out.push(Violation::new(Spot::Node(pointer), Some(&item_value), detail));
                }
            }
        }
        out
    }
}
