//! Scaler parameter files: what a fitted z-score scaler declares, with the place of every
//! declared value so that a mismatch is reported there.
//!
//! mlconform's own names (`columns`, `mean`, `scale` or `std`, `var`, `n_samples_seen`) and
//! scikit-learn's attribute names (`feature_names_in_`, `mean_`, `scale_`, `var_`,
//! `n_samples_seen_`) are both read, as is the one-column form `column` with scalar values.
//! The structure is checked by the embedded schema `scaler/standard`; this module reads
//! what that schema allows and skips what it reports.

use crate::source::{Node, Span, Value};

/// One declared number: its value (NaN for `null`, `"NaN"` or `.nan`), and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredValue {
    pub value: f64,
    pub span: Span,
    pub pointer: String,
}

/// A declared statistic: one value per column.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    /// The key as written, such as `scale_` or `std`.
    pub key: String,
    pub values: Vec<DeclaredValue>,
    /// The key's span, for findings about the whole list.
    pub key_span: Span,
}

/// The rows the scaler declares it was fitted on.
#[derive(Debug, Clone, PartialEq)]
pub enum Split {
    /// Rows whose `column` contains `value`.
    Column { column: String, value: String },
    /// Data rows `start..end`, 0-based, end excluded.
    Rows { start: u64, end: u64 },
}

impl Split {
    pub fn describe(&self) -> String {
        match self {
            Split::Column { column, value } => format!("rows where \"{column}\" is \"{value}\""),
            Split::Rows { start, end } => format!("data rows {start} to {}", end.saturating_sub(1)),
        }
    }
}

/// Tolerances of the comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    pub relative: f64,
    pub absolute: f64,
}

/// The default relative tolerance: tight enough to tell ddof 0 from ddof 1 on a few
/// thousand rows, loose enough for values written with six or seven significant digits.
pub const DEFAULT_RELATIVE_TOLERANCE: f64 = 1e-6;

impl Default for Tolerance {
    fn default() -> Tolerance {
        Tolerance { relative: DEFAULT_RELATIVE_TOLERANCE, absolute: 0.0 }
    }
}

/// A parsed scaler parameter file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScalerParams {
    /// Data files the scaler was fitted on, as written (relative to the parameter file).
    pub data: Vec<(String, Span)>,
    /// Column names in order, with their places.
    pub columns: Vec<(String, Span, String)>,
    pub mean: Option<Declared>,
    pub scale: Option<Declared>,
    pub var: Option<Declared>,
    /// Declared sample counts: one for all columns, or one per column.
    pub n_samples_seen: Vec<DeclaredValue>,
    pub ddof: Option<u8>,
    pub with_mean: bool,
    pub with_std: bool,
    pub split: Option<Split>,
    pub tolerance: Tolerance,
    /// The span of the whole mapping, for findings about what is missing.
    pub span: Span,
}

fn first_entry<'a>(root: &'a Node, keys: &[&str]) -> Option<&'a crate::source::Entry> {
    keys.iter().find_map(|key| root.entry(key))
}

fn number(node: &Node) -> Option<f64> {
    match &node.value {
        Value::Number(literal) => literal.parse().ok(),
        Value::Null => Some(f64::NAN),
        Value::NonFinite(text) => Some(if text.contains("nan") || text.contains("NaN") || text.contains("NAN") {
            f64::NAN
        } else if text.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }),
        Value::String(text) if text.eq_ignore_ascii_case("nan") => Some(f64::NAN),
        _ => None,
    }
}

fn declared(root: &Node, keys: &[&str]) -> Option<Declared> {
    let entry = first_entry(root, keys)?;
    let base = format!("/{}", crate::source::pointer::escape(&entry.key));
    let values = match &entry.value.value {
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                number(item).map(|value| DeclaredValue { value, span: item.span, pointer: format!("{base}/{i}") })
            })
            .collect(),
        _ => number(&entry.value)
            .map(|value| vec![DeclaredValue { value, span: entry.value.span, pointer: base.clone() }])
            .unwrap_or_default(),
    };
    Some(Declared { key: entry.key.clone(), values, key_span: entry.key_span })
}

/// Reads the parameters from a parsed file.
pub fn read(root: &Node) -> ScalerParams {
    let mut params = ScalerParams { span: root.span, with_mean: true, with_std: true, ..ScalerParams::default() };

    if let Some(entry) = first_entry(root, &["data", "data_files"]) {
        match &entry.value.value {
            Value::String(path) => params.data.push((path.clone(), entry.value.span)),
            Value::Sequence(items) => {
                params.data =
                    items.iter().filter_map(|item| item.as_str().map(|path| (path.to_string(), item.span))).collect();
            }
            _ => {}
        }
    }

    if let Some(entry) = first_entry(root, &["columns", "feature_names_in_", "feature_names"]) {
        if let Value::Sequence(items) = &entry.value.value {
            params.columns = items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    item.as_str().map(|name| (name.to_string(), item.span, format!("/{}/{i}", entry.key)))
                })
                .collect();
        }
    } else if let Some(entry) = root.entry("column") {
        if let Some(name) = entry.value.as_str() {
            params.columns.push((name.to_string(), entry.value.span, "/column".to_string()));
        }
    }

    params.mean = declared(root, &["mean", "mean_"]);
    params.scale = declared(root, &["scale", "scale_", "std", "std_"]);
    params.var = declared(root, &["var", "var_"]);
    if let Some(found) = declared(root, &["n_samples_seen", "n_samples_seen_"]) {
        params.n_samples_seen = found.values;
    }
    params.ddof = root.get("ddof").and_then(number).filter(|ddof| *ddof == 0.0 || *ddof == 1.0).map(|ddof| ddof as u8);
    if let Some(Value::Bool(flag)) = root.get("with_mean").map(|node| &node.value) {
        params.with_mean = *flag;
    }
    if let Some(Value::Bool(flag)) = root.get("with_std").map(|node| &node.value) {
        params.with_std = *flag;
    }

    params.split = root.get("split").and_then(|node| match &node.value {
        Value::String(value) => Some(Split::Column { column: "split".to_string(), value: value.clone() }),
        Value::Mapping(_) => {
            if let (Some(column), Some(value)) = (node.get("column").and_then(Node::as_str), node.get("value")) {
                let value = match &value.value {
                    Value::String(text) | Value::Number(text) => text.clone(),
                    Value::Bool(flag) => flag.to_string(),
                    _ => return None,
                };
                return Some(Split::Column { column: column.to_string(), value });
            }
            let rows = node.get("rows")?;
            let Value::Sequence(bounds) = &rows.value else {
                return None;
            };
            let start = bounds.first().and_then(number)?;
            let end = bounds.get(1).and_then(number)?;
            (start >= 0.0 && end >= start).then_some(Split::Rows { start: start as u64, end: end as u64 })
        }
        _ => None,
    });

    if let Some(tolerance) = root.get("tolerance") {
        match &tolerance.value {
            Value::Mapping(_) => {
                if let Some(relative) = tolerance.get("relative").and_then(number).filter(|value| *value >= 0.0) {
                    params.tolerance.relative = relative;
                }
                if let Some(absolute) = tolerance.get("absolute").and_then(number).filter(|value| *value >= 0.0) {
                    params.tolerance.absolute = absolute;
                }
            }
            _ => {
                if let Some(relative) = number(tolerance).filter(|value| *value >= 0.0) {
                    params.tolerance.relative = relative;
                }
            }
        }
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{json, Limits};

    fn parse(text: &str) -> ScalerParams {
        let parsed = json::parse(text, &Limits::default());
        read(parsed.documents[0].root.as_ref().unwrap())
    }

    #[test]
    fn reads_sklearn_attribute_names() {
        let params = parse(
            r#"{"feature_names_in_": ["a", "b"], "mean_": [1, 2], "scale_": [0.5, null], "n_samples_seen_": 10}"#,
        );
        assert_eq!(params.columns.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        let scale = params.scale.unwrap();
        assert_eq!(scale.key, "scale_");
        assert_eq!(scale.values[0].value, 0.5);
        assert!(scale.values[1].value.is_nan());
        assert_eq!(scale.values[1].pointer, "/scale_/1");
        assert_eq!(params.n_samples_seen[0].value, 10.0);
    }

    #[test]
    fn reads_single_column_form_and_split() {
        let params = parse(r#"{"column": "x", "mean": 10.0, "std": 7.2, "split": {"rows": [0, 80]}, "ddof": 1}"#);
        assert_eq!(params.columns[0].0, "x");
        assert_eq!(params.mean.unwrap().values[0].value, 10.0);
        assert_eq!(params.split, Some(Split::Rows { start: 0, end: 80 }));
        assert_eq!(params.ddof, Some(1));
    }
}
