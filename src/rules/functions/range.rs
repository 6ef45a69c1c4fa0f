//! `range`: the number is within bounds.
//!
//! **What it checks**: that the value is a number within `min` and `max` (inclusive) and
//! strictly above `exclusive-min` and below `exclusive-max`. A string that reads as a number
//! (`"1e-4"`, as configs often quote it) counts as that number.
//!
//! **Why**: thresholds in standards are numeric: a retention period, a share of held-out data.
//!
//! **Options**: `min`, `max`, `exclusive-min`, `exclusive-max`; at least one.
//!
//! **Known problems**: numbers are compared as 64-bit floats; an absent value holds.

use serde_json::{Map, Value as Json};

use super::{number_option, Function, Input, OptionError, Spec, Violation};

pub const SPEC: Spec = Spec {
    name: "range",
    options: &["min", "max", "exclusive-min", "exclusive-max"],
    summary: "the number is within `min`/`max` and `exclusive-min`/`exclusive-max`",
    compile,
};

struct Range {
    min: Option<f64>,
    max: Option<f64>,
    exclusive_min: Option<f64>,
    exclusive_max: Option<f64>,
}

fn compile(options: &Map<String, Json>) -> Result<Box<dyn Function>, OptionError> {
    let range = Range {
        min: number_option(options, "min")?,
        max: number_option(options, "max")?,
        exclusive_min: number_option(options, "exclusive-min")?,
        exclusive_max: number_option(options, "exclusive-max")?,
    };
    if range.min.is_none() && range.max.is_none() && range.exclusive_min.is_none() && range.exclusive_max.is_none() {
        return Err(OptionError { option: None, message: "`range` needs at least one bound".to_string() });
    }
    Ok(Box::new(range))
}

impl Range {
    /// The first bound `number` breaks, worded.
    fn broken_bound(&self, number: f64) -> Option<String> {
        if let Some(min) = self.min.filter(|min| number < *min) {
            return Some(format!("less than the minimum of {min}"));
        }
        if let Some(limit) = self.exclusive_min.filter(|limit| number <= *limit) {
            return Some(format!("not greater than {limit}"));
        }
        if let Some(max) = self.max.filter(|max| number > *max) {
            return Some(format!("greater than the maximum of {max}"));
        }
        if let Some(limit) = self.exclusive_max.filter(|limit| number >= *limit) {
            return Some(format!("not less than {limit}"));
        }
        None
    }
}

impl Function for Range {
    fn check(&self, input: &Input<'_>) -> Vec<Violation> {
        let Some(value) = input.value else { return Vec::new() };
        let number = match value {
            Json::Number(number) => number.as_f64(),
            Json::String(text) => text.trim().parse::<f64>().ok().filter(|number| number.is_finite()),
            _ => None,
        };
        let detail = match number {
            Some(number) => self.broken_bound(number),
            None => Some("not a number".to_string()),
        };
        detail.map(|detail| Violation::at_input(input, detail)).into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_worded() {
        let range = Range { min: None, max: Some(1.0), exclusive_min: Some(0.0), exclusive_max: None };
        assert_eq!(range.broken_bound(0.0).as_deref(), Some("not greater than 0"));
        assert_eq!(range.broken_bound(1.5).as_deref(), Some("greater than the maximum of 1"));
        assert_eq!(range.broken_bound(0.1), None);
        assert_eq!(range.broken_bound(1.0), None);
    }
}
