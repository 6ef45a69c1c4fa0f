//! Reading a cell as its Table Schema type, and checking the field's constraints.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::Value as Json;

use super::table::CellValue;
use super::table_schema::{FieldDef, FieldType};

/// A cell's value read as its field type.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    String(String),
    Integer(i128),
    Number(f64),
    Boolean(bool),
    Date(NaiveDate),
    /// Naive date-times and those with an offset, both in UTC when an offset is given.
    Datetime(NaiveDateTime),
    Time(NaiveTime),
    Year(i64),
    YearMonth(i64, u32),
    /// A type whose values mlconform does not read.
    Any(String),
}

/// The outcome of reading a cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cast {
    /// The cell is one of the field's missing values, empty, null or absent.
    Missing,
    Value(Typed),
    /// The cell is not a value of the type; the text says what was expected.
    Invalid(String),
}

/// Returns the physical text of a cell: what the file writes, for messages and patterns.
pub fn physical(value: &CellValue<'_>) -> String {
    match value {
        CellValue::Text(text) | CellValue::Number(text) => text.to_string(),
        CellValue::Bool(value) => value.to_string(),
        CellValue::Null => "null".to_string(),
        CellValue::Absent => String::new(),
        CellValue::Nested => "(nested value)".to_string(),
    }
}

/// Reads `value` as `field`'s type, with `missing` as the field's missing values.
pub fn cast(field: &FieldDef, missing: &[String], value: &CellValue<'_>) -> Cast {
    let text = match value {
        CellValue::Absent | CellValue::Null => return Cast::Missing,
        CellValue::Text(text) => {
            if missing.iter().any(|marker| marker == text) {
                return Cast::Missing;
            }
            *text
        }
        CellValue::Number(literal) => {
            if missing.iter().any(|marker| marker == literal) {
                return Cast::Missing;
            }
            return match field.field_type {
                FieldType::Number => literal
                    .parse::<f64>()
                    .map(|number| Cast::Value(Typed::Number(number)))
                    .unwrap_or_else(|_| Cast::Invalid("a number".to_string())),
                FieldType::Integer | FieldType::Year => match literal.parse::<i128>() {
                    Ok(number) if field.field_type == FieldType::Year => Cast::Value(Typed::Year(number as i64)),
                    Ok(number) => Cast::Value(Typed::Integer(number)),
                    Err(_) => integral_float(literal)
                        .map(|number| Cast::Value(Typed::Integer(number)))
                        .unwrap_or_else(|| Cast::Invalid("an integer".to_string())),
                },
                FieldType::Any => Cast::Value(Typed::Any(literal.to_string())),
                other => Cast::Invalid(expected(other, field)),
            };
        }
        CellValue::Bool(flag) => {
            return match field.field_type {
                FieldType::Boolean => Cast::Value(Typed::Boolean(*flag)),
                FieldType::Any => Cast::Value(Typed::Any(flag.to_string())),
                other => Cast::Invalid(expected(other, field)),
            };
        }
        CellValue::Nested => {
            return match field.field_type {
                FieldType::Any => Cast::Value(Typed::Any(String::new())),
                other => Cast::Invalid(expected(other, field)),
            };
        }
    };
    cast_text(field, text)
}

/// A JSON number literal such as `3.0` or `1e3` that is a whole number.
fn integral_float(literal: &str) -> Option<i128> {
    let number = literal.parse::<f64>().ok()?;
    (number.fract() == 0.0 && number.abs() < 1e30).then_some(number as i128)
}

fn expected(field_type: FieldType, field: &FieldDef) -> String {
    match (field_type, &field.format) {
        (FieldType::Integer, _) => "an integer".to_string(),
        (FieldType::Number, _) => "a number".to_string(),
        (FieldType::Boolean, _) => {
            let mut accepted = field.true_values.clone();
            accepted.extend(field.false_values.iter().cloned());
            format!("a boolean ({})", accepted.join(", "))
        }
        (FieldType::Date, Some(format)) => format!("a date in the format {format}"),
        (FieldType::Date, None) => "a date (YYYY-MM-DD)".to_string(),
        (FieldType::Datetime, Some(format)) => format!("a date and time in the format {format}"),
        (FieldType::Datetime, None) => "a date and time (YYYY-MM-DDThh:mm:ss, with an optional zone)".to_string(),
        (FieldType::Time, Some(format)) => format!("a time in the format {format}"),
        (FieldType::Time, None) => "a time (hh:mm:ss)".to_string(),
        (FieldType::Year, _) => "a year".to_string(),
        (FieldType::YearMonth, _) => "a year and month (YYYY-MM)".to_string(),
        (FieldType::String, _) => "a string".to_string(),
        (FieldType::Any, _) => "any value".to_string(),
    }
}

/// Reads the text of a delimited file's cell (or a JSON string) as `field`'s type.
pub fn cast_text(field: &FieldDef, text: &str) -> Cast {
    let invalid = || Cast::Invalid(expected(field.field_type, field));
    match field.field_type {
        FieldType::String => Cast::Value(Typed::String(text.to_string())),
        FieldType::Any => Cast::Value(Typed::Any(text.to_string())),
        FieldType::Number => {
            parse_number(field, text).map_or_else(invalid, |number| Cast::Value(Typed::Number(number)))
        }
        FieldType::Integer => {
            parse_integer(field, text).map_or_else(invalid, |number| Cast::Value(Typed::Integer(number)))
        }
        FieldType::Boolean => {
            if field.true_values.iter().any(|value| value == text) {
                Cast::Value(Typed::Boolean(true))
            } else if field.false_values.iter().any(|value| value == text) {
                Cast::Value(Typed::Boolean(false))
            } else {
                invalid()
            }
        }
        FieldType::Date => {
            let format = field.format.as_deref().unwrap_or("%Y-%m-%d");
            NaiveDate::parse_from_str(text, format).map_or_else(|_| invalid(), |date| Cast::Value(Typed::Date(date)))
        }
        FieldType::Datetime => parse_datetime(field.format.as_deref(), text)
            .map_or_else(invalid, |datetime| Cast::Value(Typed::Datetime(datetime))),
        FieldType::Time => {
            let format = field.format.as_deref().unwrap_or("%H:%M:%S%.f");
            NaiveTime::parse_from_str(text, format).map_or_else(|_| invalid(), |time| Cast::Value(Typed::Time(time)))
        }
        FieldType::Year => {
            let digits = text.strip_prefix('-').unwrap_or(text);
            if digits.len() == 4 && digits.bytes().all(|byte| byte.is_ascii_digit()) {
                text.parse().map_or_else(|_| invalid(), |year| Cast::Value(Typed::Year(year)))
            } else {
                invalid()
            }
        }
        FieldType::YearMonth => {
            let parsed = text.split_once('-').and_then(|(year, month)| {
                let valid = year.len() == 4 && month.len() == 2;
                let year: i64 = year.parse().ok()?;
                let month: u32 = month.parse().ok()?;
                (valid && (1..=12).contains(&month)).then_some((year, month))
            });
            parsed.map_or_else(invalid, |(year, month)| Cast::Value(Typed::YearMonth(year, month)))
        }
    }
}

/// Strips what `bareNumber: false`, `groupChar` and `decimalChar` allow, leaving a plain
/// number literal.
fn plain_number(field: &FieldDef, text: &str) -> Option<String> {
    let mut text = text.to_string();
    if !field.bare_number {
        let is_part = |c: char| c.is_ascii_digit() || c == '-' || c == '+';
        let start = text.find(|c: char| is_part(c) || field.decimal_char.starts_with(c))?;
        let end = text.rfind(|c: char| c.is_ascii_digit() || field.decimal_char.ends_with(c))?;
        text = text[start..=end].to_string();
    }
    if let Some(group) = field.group_char.as_deref().filter(|group| !group.is_empty()) {
        text = text.replace(group, "");
    }
    if field.decimal_char != "." {
        if text.contains('.') {
            return None;
        }
        text = text.replace(&field.decimal_char, ".");
    }
    Some(text)
}

/// Parses a Table Schema `number`: a decimal with optional exponent, or `NaN`, `INF`, `-INF`.
pub fn parse_number(field: &FieldDef, text: &str) -> Option<f64> {
    let plain = plain_number(field, text)?;
    match plain.as_str() {
        "NaN" => return Some(f64::NAN),
        "INF" | "+INF" => return Some(f64::INFINITY),
        "-INF" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    is_decimal_literal(&plain).then(|| plain.parse::<f64>().ok()).flatten()
}

/// True for `[+-]digits[.digits][e[+-]digits]` with at least one digit in the mantissa.
pub fn is_decimal_literal(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - digits_start;
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        let fraction_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - fraction_start;
    }
    if digits == 0 {
        return false;
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exponent_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == exponent_start {
            return false;
        }
    }
    i == bytes.len()
}

fn parse_integer(field: &FieldDef, text: &str) -> Option<i128> {
    let plain = plain_number(field, text)?;
    let digits = plain.strip_prefix(['+', '-']).unwrap_or(&plain);
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    plain.parse().ok()
}

fn parse_datetime(format: Option<&str>, text: &str) -> Option<NaiveDateTime> {
    if let Some(format) = format {
        return DateTime::parse_from_str(text, format)
            .map(|datetime| datetime.naive_utc())
            .or_else(|_| NaiveDateTime::parse_from_str(text, format))
            .ok();
    }
    if let Ok(datetime) = DateTime::parse_from_rfc3339(text) {
        return Some(datetime.naive_utc());
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()
}

/// Compares a typed value with a bound or an enum item written in the descriptor. `None`
/// when they cannot be compared (the bound is of another type).
pub fn compare(field: &FieldDef, value: &Typed, bound: &Json) -> Option<Ordering> {
    let bound_typed = match bound {
        Json::String(text) => match cast_text(field, text) {
            Cast::Value(typed) => typed,
            _ => return None,
        },
        Json::Number(number) => match field.field_type {
            FieldType::Integer => {
                number.as_i64().map(|n| Typed::Integer(n.into())).or_else(|| number.as_f64().map(Typed::Number))?
            }
            FieldType::Year => Typed::Year(number.as_i64()?),
            _ => Typed::Number(number.as_f64()?),
        },
        Json::Bool(flag) => Typed::Boolean(*flag),
        _ => return None,
    };
    match (value, &bound_typed) {
        (Typed::Integer(a), Typed::Integer(b)) => Some(a.cmp(b)),
        (Typed::Integer(a), Typed::Number(b)) => (*a as f64).partial_cmp(b),
        (Typed::Number(a), Typed::Number(b)) => a.partial_cmp(b),
        (Typed::Number(a), Typed::Integer(b)) => a.partial_cmp(&(*b as f64)),
        (Typed::String(a), Typed::String(b)) | (Typed::Any(a), Typed::Any(b)) => Some(a.cmp(b)),
        (Typed::Boolean(a), Typed::Boolean(b)) => Some(a.cmp(b)),
        (Typed::Date(a), Typed::Date(b)) => Some(a.cmp(b)),
        (Typed::Datetime(a), Typed::Datetime(b)) => Some(a.cmp(b)),
        (Typed::Time(a), Typed::Time(b)) => Some(a.cmp(b)),
        (Typed::Year(a), Typed::Year(b)) => Some(a.cmp(b)),
        (Typed::YearMonth(a, b), Typed::YearMonth(c, d)) => Some((a, b).cmp(&(c, d))),
        _ => None,
    }
}

/// Returns the message for the first constraint a value breaks, or `None`. `text` is the
/// cell's physical text, matched by `pattern`; `display` is the same text as messages show it.
pub fn check_constraints(field: &FieldDef, value: &Typed, text: &str, display: &str) -> Option<String> {
    let constraints = &field.constraints;
    let shown = bound_text;
    if let Some(bound) = &constraints.minimum {
        if compare(field, value, bound) == Some(Ordering::Less) {
            return Some(format!("{display} is less than the minimum {}", shown(bound)));
        }
    }
    if let Some(bound) = &constraints.exclusive_minimum {
        if matches!(compare(field, value, bound), Some(Ordering::Less | Ordering::Equal)) {
            return Some(format!("{display} is not greater than the exclusive minimum {}", shown(bound)));
        }
    }
    if let Some(bound) = &constraints.maximum {
        if compare(field, value, bound) == Some(Ordering::Greater) {
            return Some(format!("{display} is greater than the maximum {}", shown(bound)));
        }
    }
    if let Some(bound) = &constraints.exclusive_maximum {
        if matches!(compare(field, value, bound), Some(Ordering::Greater | Ordering::Equal)) {
            return Some(format!("{display} is not less than the exclusive maximum {}", shown(bound)));
        }
    }
    if let Typed::String(string) | Typed::Any(string) = value {
        let length = string.chars().count() as u64;
        if let Some(minimum) = constraints.min_length {
            if length < minimum {
                return Some(format!("\"{display}\" has {length} characters, fewer than the minimum length {minimum}"));
            }
        }
        if let Some(maximum) = constraints.max_length {
            if length > maximum {
                return Some(format!("\"{display}\" has {length} characters, more than the maximum length {maximum}"));
            }
        }
    }
    if let Some((pattern, regex)) = &constraints.pattern {
        if !regex.is_match(text) {
            return Some(format!("\"{display}\" does not match the pattern \"{pattern}\""));
        }
    }
    if let Some(allowed) = &constraints.enumeration {
        let found = allowed.iter().any(|item| compare(field, value, item) == Some(Ordering::Equal));
        if !found {
            let listed: Vec<String> = allowed.iter().take(10).map(bound_text).collect();
            let more = if allowed.len() > 10 { ", ..." } else { "" };
            return Some(format!("\"{display}\" is not one of the allowed values ({}{more})", listed.join(", ")));
        }
    }
    None
}

fn bound_text(bound: &Json) -> String {
    match bound {
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::table_schema::Constraints;

    fn field(field_type: FieldType) -> FieldDef {
        FieldDef {
            name: "f".to_string(),
            field_type,
            format: None,
            constraints: Constraints::default(),
            missing_values: None,
            decimal_char: ".".to_string(),
            group_char: None,
            bare_number: true,
            true_values: vec!["true".to_string(), "1".to_string()],
            false_values: vec!["false".to_string(), "0".to_string()],
        }
    }

    #[test]
    fn numbers_with_group_and_decimal_chars() {
        let mut number = field(FieldType::Number);
        number.group_char = Some(".".to_string());
        number.decimal_char = ",".to_string();
        assert_eq!(cast_text(&number, "1.234,5"), Cast::Value(Typed::Number(1234.5)));
        assert!(matches!(cast_text(&number, "1,2,3"), Cast::Invalid(_)));
        let plain = field(FieldType::Number);
        assert_eq!(cast_text(&plain, "-1e-13"), Cast::Value(Typed::Number(-1e-13)));
        assert!(matches!(cast_text(&plain, " 1"), Cast::Invalid(_)));
        assert!(matches!(cast_text(&plain, "0x10"), Cast::Invalid(_)));
        assert!(matches!(cast_text(&plain, "NaN"), Cast::Value(Typed::Number(value)) if value.is_nan()));
    }

    #[test]
    fn bare_number_false_strips_text() {
        let mut number = field(FieldType::Number);
        number.bare_number = false;
        assert_eq!(cast_text(&number, "€95.50"), Cast::Value(Typed::Number(95.5)));
        assert_eq!(cast_text(&number, "12%"), Cast::Value(Typed::Number(12.0)));
    }

    #[test]
    fn integers_booleans_and_dates() {
        assert_eq!(cast_text(&field(FieldType::Integer), "-42"), Cast::Value(Typed::Integer(-42)));
        assert!(matches!(cast_text(&field(FieldType::Integer), "4.0"), Cast::Invalid(_)));
        assert_eq!(cast_text(&field(FieldType::Boolean), "1"), Cast::Value(Typed::Boolean(true)));
        assert!(matches!(cast_text(&field(FieldType::Boolean), "yes"), Cast::Invalid(_)));
        let date = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(cast_text(&field(FieldType::Date), "2024-02-29"), Cast::Value(Typed::Date(date)));
        assert!(matches!(cast_text(&field(FieldType::Date), "2023-02-29"), Cast::Invalid(_)));
        let mut european = field(FieldType::Date);
        european.format = Some("%d/%m/%Y".to_string());
        assert_eq!(cast_text(&european, "29/02/2024"), Cast::Value(Typed::Date(date)));
        assert!(matches!(cast_text(&field(FieldType::Datetime), "2024-02-29T10:00:00Z"), Cast::Value(_)));
        assert!(matches!(cast_text(&field(FieldType::Datetime), "2024-02-29 10:00"), Cast::Invalid(_)));
    }

    #[test]
    fn missing_values_and_pattern_anchoring() {
        let mut text = field(FieldType::String);
        assert_eq!(cast(&text, &["NA".to_string()], &CellValue::Text("NA")), Cast::Missing);
        assert_eq!(cast(&text, &[], &CellValue::Text("NA")), Cast::Value(Typed::String("NA".to_string())));
        text.constraints.pattern = Some(("[a-z]+".to_string(), regex::Regex::new("^(?:[a-z]+)$").unwrap()));
        let value = Typed::String("abc1".to_string());
        assert!(check_constraints(&text, &value, "abc1", "abc1").is_some());
        let value = Typed::String("abc".to_string());
        assert!(check_constraints(&text, &value, "abc", "abc").is_none());
    }
}
