//! `non-empty`: the value is defined and holds content.
//!
//! **What it checks**: that the value is present, not null, not an empty or whitespace-only
//! string, not an empty list or mapping, and not a template placeholder such as
//! `[More Information Needed]`, `TODO`, `TBD` or an unrendered `{{ variable }}`.
//!
//! **Why**: card templates ship with placeholders in every field, and a card published
//! unedited looks complete to a key check while saying nothing.
//!
//! **Options**: none.
//!
//! **Known problems**: a list whose items are all placeholders is reported; a mapping is only
//! checked for having keys, not for what its values hold.

use serde_json::{Map, Value as Json};

use super::placeholder;
use super::{Function, Input, OptionError, Spec, Violation};

pub const SPEC: Spec =
    Spec { name: "non-empty", options: &[], summary: "the value exists and is not empty or a placeholder", compile };

struct NonEmpty;

fn compile(_: &Map<String, Json>) -> Result<Box<dyn Function>, OptionError> {
    Ok(Box::new(NonEmpty))
}

/// Why a value is empty, or `None` when it holds content.
pub(crate) fn emptiness(value: Option<&Json>) -> Option<&'static str> {
    match value {
        None => Some("missing"),
        Some(Json::Null) => Some("null"),
        Some(Json::String(text)) if text.trim().is_empty() => Some("empty"),
        Some(Json::String(text)) if placeholder::is_placeholder(text) => Some("a template placeholder"),
        Some(Json::Array(items)) if items.is_empty() => Some("empty"),
        Some(Json::Array(items)) if items.iter().all(|item| emptiness(Some(item)).is_some()) => {
            Some("a list of empty values or placeholders")
        }
        Some(Json::Object(map)) if map.is_empty() => Some("empty"),
        Some(_) => None,
    }
}

impl Function for NonEmpty {
    fn check(&self, input: &Input<'_>) -> Vec<Violation> {
        match emptiness(input.value) {
            Some(reason) => vec![Violation::at_input(input, reason)],
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_forms() {
        assert_eq!(emptiness(None), Some("missing"));
        assert_eq!(emptiness(Some(&json!(null))), Some("null"));
        assert_eq!(emptiness(Some(&json!("  "))), Some("empty"));
        assert_eq!(emptiness(Some(&json!("[More Information Needed]"))), Some("a template placeholder"));
        assert_eq!(emptiness(Some(&json!([]))), Some("empty"));
        assert_eq!(emptiness(Some(&json!(["TODO"]))), Some("a list of empty values or placeholders"));
        assert_eq!(emptiness(Some(&json!({}))), Some("empty"));
    }

    #[test]
    fn content_is_not_empty() {
        assert_eq!(emptiness(Some(&json!("mit"))), None);
        assert_eq!(emptiness(Some(&json!(0))), None);
        assert_eq!(emptiness(Some(&json!(false))), None);
        assert_eq!(emptiness(Some(&json!(["imdb", "TODO"]))), None);
    }
}
