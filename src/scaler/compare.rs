//! Comparing declared scaler statistics with recomputed ones, and saying why they differ.
//!
//! Every declared mean, standard deviation, variance and sample count is compared with the
//! recomputed value within the tolerance. A mismatch is an error at the declared value, with
//! both values and the absolute and relative difference. It gets a diagnosis where one of the
//! usual causes fits. These are the other ddof, statistics of the whole file instead of the
//! training split, already standardized data, columns in another order, NaN in the data, and
//! missing cells read as zero.

use std::sync::Arc;

use serde::Serialize;

use super::accumulate::{CellPlace, FileStats, Tally};
use super::moments::Moments;
use super::params::{DeclaredValue, ScalerParams, Tolerance};
use crate::report::{Finding, Location, Severity, SourceText};
use crate::source::Span;

/// The verdict on one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ColumnStatus {
    Ok,
    Mismatch,
    Constant,
    NonNumeric,
}

/// One column of a scaler check, as the JSON report's `scaler[].columns` gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnReport {
    pub name: String,
    /// Numeric values the statistics are computed from.
    pub count: u64,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub var: Option<f64>,
    pub declared_mean: Option<f64>,
    pub declared_std: Option<f64>,
    pub declared_var: Option<f64>,
    pub status: ColumnStatus,
    pub missing: u64,
    pub nan: u64,
    pub non_numeric: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_missing: Option<CellPlace>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_nan: Option<CellPlace>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_non_numeric: Option<CellPlace>,
    /// Known causes that fit a declared value's difference.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnoses: Vec<String>,
}

/// Formats a number with six significant digits, as the messages give them.
pub fn short(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value == 0.0 || !value.is_finite() {
        return value.to_string();
    }
    let exponent = value.abs().log10().floor() as i32;
    if (-5..15).contains(&exponent) {
        let decimals = (5 - exponent).max(0) as usize;
        let text = format!("{value:.decimals$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    } else {
        let text = format!("{value:.5e}");
        let (mantissa, power) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa =
            if mantissa.contains('.') { mantissa.trim_end_matches('0').trim_end_matches('.') } else { mantissa };
        format!("{mantissa}e{power}")
    }
}

fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

/// True when `declared` equals `actual` within the tolerance, relative to `scale`.
fn close(declared: f64, actual: f64, tolerance: &Tolerance, scale: f64) -> bool {
    if declared.is_nan() || actual.is_nan() {
        return false;
    }
    (declared - actual).abs() <= tolerance.absolute + tolerance.relative * scale
}

/// The inputs of a comparison.
pub struct Inputs<'a> {
    pub params: Option<(&'a ScalerParams, &'a Arc<SourceText>)>,
    pub stats: &'a FileStats,
    pub ddof: u8,
    pub tolerance: Tolerance,
    pub expect_standardized: bool,
    /// The statistics come from a sample, so the tolerance widens by its standard error.
    pub sampled: bool,
    /// The caller named the columns, so a non-numeric one is a finding.
    pub explicit_columns: bool,
}

/// The statistics of a declared column, or of every numeric column without declarations.
struct Compared<'a> {
    name: String,
    tally: Option<&'a Tally>,
}

/// Compares and returns the column reports and the findings.
pub fn compare(inputs: &Inputs<'_>) -> (Vec<ColumnReport>, Vec<Finding>) {
    let mut findings = Vec::new();
    let by_name = |name: &str| inputs.stats.columns.iter().find(|tally| tally.name == name);

    let declared_names: Vec<String> = inputs
        .params
        .map(|(params, _)| params.columns.iter().map(|(name, _, _)| name.clone()).collect())
        .unwrap_or_default();
    let compared: Vec<Compared<'_>> = if declared_names.is_empty() {
        let numeric: Vec<&Tally> = inputs
            .stats
            .columns
            .iter()
            .filter(|tally| inputs.params.is_none() || (tally.moments.count > 0 && tally.non_numeric == 0))
            .collect();
        numeric.into_iter().map(|tally| Compared { name: tally.name.clone(), tally: Some(tally) }).collect()
    } else {
        declared_names.iter().map(|name| Compared { name: name.clone(), tally: by_name(name) }).collect()
    };

    if let Some((params, source)) = inputs.params {
        for (name, span, pointer) in &params.columns {
            if by_name(name).is_none() {
                let mut finding = Finding::new(
                    "scaler-column-missing",
                    Severity::Error,
                    format!("column \"{name}\" is not in the data"),
                    source.locate(*span, pointer),
                )
                .with_help("check the column name against the data file's header");
                finding.source = Some(source.clone());
                findings.push(finding);
            }
        }
        for declared in [&params.mean, &params.scale, &params.var].into_iter().flatten() {
            if declared.values.len() != compared.len() && !compared.is_empty() {
                let mut finding = Finding::new(
                    "scaler-length-mismatch",
                    Severity::Error,
                    format!("`{}` has {} values for {} columns", declared.key, declared.values.len(), compared.len()),
                    source.locate(declared.key_span, &format!("/{}", declared.key)),
                )
                .with_help("give one value per column, in the order of the columns");
                finding.source = Some(source.clone());
                findings.push(finding);
            }
        }
    }

    let mut reports = Vec::new();
    for (i, column) in compared.iter().enumerate() {
        let Some(tally) = column.tally else {
            continue;
        };
        let mut report = column_report(tally, inputs.ddof);
        if !tally.numeric_type || tally.non_numeric > 0 {
            report.status = ColumnStatus::NonNumeric;
            // Listing every column's statistics flags nothing: a text column is expected.
            if inputs.params.is_some() || inputs.explicit_columns {
                findings.push(non_numeric_finding(tally));
            }
        }
        if tally.missing > 0 || tally.nan > 0 {
            findings.push(skipped_finding(tally));
        }
        if tally.moments.is_constant() && tally.moments.count > 1 {
            findings.push(constant_finding(tally));
            if report.status == ColumnStatus::Ok {
                report.status = ColumnStatus::Constant;
            }
        }
        if let Some((params, source)) = inputs.params {
            let mismatched = compare_declared(inputs, params, source, &compared, i, tally, &mut report, &mut findings);
            if mismatched && report.status != ColumnStatus::NonNumeric {
                report.status = ColumnStatus::Mismatch;
            }
        }
        let standardized = !inputs.expect_standardized || check_standardized(inputs, tally, &mut report, &mut findings);
        if !standardized && report.status != ColumnStatus::NonNumeric {
            report.status = ColumnStatus::Mismatch;
        }
        reports.push(report);
    }
    (reports, findings)
}

fn column_report(tally: &Tally, ddof: u8) -> ColumnReport {
    let moments = &tally.moments;
    ColumnReport {
        name: tally.name.clone(),
        count: moments.count,
        mean: finite(moments.mean()),
        std: finite(moments.std(ddof)),
        var: finite(moments.variance(ddof)),
        declared_mean: None,
        declared_std: None,
        declared_var: None,
        status: ColumnStatus::Ok,
        missing: tally.missing,
        nan: tally.nan,
        non_numeric: tally.non_numeric,
        first_missing: tally.first_missing.clone(),
        first_nan: tally.first_nan.clone(),
        first_non_numeric: tally.first_non_numeric.clone(),
        diagnoses: Vec::new(),
    }
}

fn place_location(place: Option<&CellPlace>, fallback: &str) -> Location {
    match place {
        Some(place) => Location {
            path: place.path.clone(),
            span: Span::default(),
            line: place.line as usize,
            column: place.column as usize,
            end_line: place.line as usize,
            end_column: place.column as usize,
            pointer: String::new(),
        },
        None => Location::file(fallback),
    }
}

fn non_numeric_finding(tally: &Tally) -> Finding {
    let place = tally.first_non_numeric.as_ref().or(tally.header.as_ref());
    let path = place.map(|place| place.path.clone()).unwrap_or_default();
    let mut location = place_location(place, &path);
    location.pointer = crate::data::findings::column_pointer(&tally.name);
    let message = match &tally.first_non_numeric {
        Some(first) => format!(
            "column \"{}\" has {} non-numeric cells, first \"{}\"; they are left out of the statistics",
            tally.name,
            tally.non_numeric,
            first.value.as_deref().unwrap_or("")
        ),
        None => format!("column \"{}\" is not numeric in its Table Schema", tally.name),
    };
    Finding::new("scaler-non-numeric", Severity::Error, message, location)
        .with_help("a scaler needs numbers: fix the cells, or declare the marker in the Table Schema's `missingValues`")
}

fn skipped_finding(tally: &Tally) -> Finding {
    let place = tally.first_missing.as_ref().or(tally.first_nan.as_ref());
    let path = place.map(|place| place.path.clone()).unwrap_or_default();
    let mut location = place_location(place, &path);
    location.pointer = crate::data::findings::column_pointer(&tally.name);
    let mut parts = Vec::new();
    if tally.missing > 0 {
        parts.push(format!("{} missing", tally.missing));
    }
    if tally.nan > 0 {
        parts.push(format!("{} NaN", tally.nan));
    }
    Finding::new(
        "scaler-cells-skipped",
        Severity::Info,
        format!("column \"{}\" has {} cells, skipped in the statistics", tally.name, parts.join(" and ")),
        location,
    )
    .with_note("missing and NaN cells are skipped and counted, never read as 0, as scikit-learn's StandardScaler does")
}

fn constant_finding(tally: &Tally) -> Finding {
    let path = tally.header.as_ref().map(|place| place.path.clone()).unwrap_or_default();
    let mut location = place_location(tally.header.as_ref(), &path);
    location.pointer = crate::data::findings::column_pointer(&tally.name);
    Finding::new(
        "scaler-constant-column",
        Severity::Warning,
        format!(
            "column \"{}\" has zero variance (every value is {}): its standard deviation is 0",
            tally.name,
            short(tally.moments.mean())
        ),
        location,
    )
    .with_note("scikit-learn uses a scale of 1 for such a column, so its z-scores are 0")
    .with_help("drop the column before scaling, or declare its scale as 1")
}

#[allow(clippy::too_many_arguments)]
fn compare_declared(
    inputs: &Inputs<'_>,
    params: &ScalerParams,
    source: &Arc<SourceText>,
    compared: &[Compared<'_>],
    index: usize,
    tally: &Tally,
    report: &mut ColumnReport,
    findings: &mut Vec<Finding>,
) -> bool {
    let ddof = inputs.ddof;
    let moments = &tally.moments;
    let mean = moments.mean();
    let std = moments.std(ddof);
    let variance = moments.variance(ddof);
    let constant = moments.is_constant();
    let mut tolerance = inputs.tolerance;
    if inputs.sampled && moments.count > 1 {
        // A sample's statistics differ from the file's by a few standard errors.
        tolerance.absolute += 4.0 * std / (moments.count as f64).sqrt();
    }
    let mut mismatched = false;

    let value_at = |declared: &Option<super::params::Declared>| -> Option<DeclaredValue> {
        declared.as_ref().and_then(|declared| declared.values.get(index).cloned())
    };
    let declared_mean = value_at(&params.mean).filter(|_| params.with_mean);
    let declared_std = value_at(&params.scale).filter(|_| params.with_std);
    let declared_var = value_at(&params.var).filter(|_| params.with_std);
    report.declared_mean = declared_mean.as_ref().and_then(|value| finite(value.value));
    report.declared_std = declared_std.as_ref().and_then(|value| finite(value.value));
    report.declared_var = declared_var.as_ref().and_then(|value| finite(value.value));

    let std_key = params.scale.as_ref().map_or("scale", |declared| declared.key.as_str());
    let checks: [(Option<&DeclaredValue>, &str, f64, Stat); 3] = [
        (declared_mean.as_ref(), "mean", mean, Stat::Mean),
        (declared_std.as_ref(), "standard deviation", std, Stat::Std),
        (declared_var.as_ref(), "variance", variance, Stat::Var),
    ];
    for (declared, what, actual, stat) in checks {
        let Some(declared) = declared else {
            continue;
        };
        if moments.count == 0 {
            continue;
        }
        let scale = match stat {
            Stat::Mean => declared.value.abs().max(mean.abs()).max(if std.is_finite() { std } else { 0.0 }),
            _ => declared.value.abs().max(actual.abs()),
        };
        let matches = close(declared.value, actual, &tolerance, scale)
            // scikit-learn stores a scale of 1 for a zero-variance column.
            || (constant && stat == Stat::Std && (declared.value == 1.0 || declared.value == 0.0))
            || (constant && stat == Stat::Var && declared.value == 0.0);
        if matches {
            continue;
        }
        mismatched = true;
        let diagnoses = diagnose(inputs, compared, index, tally, declared.value, stat, &tolerance);
        report.diagnoses.extend(diagnoses.iter().cloned());
        let label = if stat == Stat::Std { format!("{what} (`{std_key}`)") } else { what.to_string() };
        let difference = (declared.value - actual).abs();
        let relative = if actual != 0.0 { difference / actual.abs() } else { f64::INFINITY };
        let code = match stat {
            Stat::Mean => "scaler-mean-mismatch",
            Stat::Std => "scaler-std-mismatch",
            Stat::Var => "scaler-var-mismatch",
        };
        let message = format!(
            "declared {label} {} of column \"{}\" does not match the data: recomputed {} (absolute difference {}, relative difference {})",
            short(declared.value),
            tally.name,
            short(actual),
            short(difference),
            short(relative)
        );
        let mut finding = Finding::new(code, Severity::Error, message, source.locate(declared.span, &declared.pointer))
            .with_help(format!("replace it with {actual:?}, or re-fit the scaler on the data it is checked against"));
        if !diagnoses.is_empty() {
            finding.note = Some(diagnoses.join("; "));
        }
        finding.source = Some(source.clone());
        findings.push(finding);
    }

    // A single count is shared by every column (scikit-learn writes one when no value is
    // missing): it is compared once, with the first column.
    let declared_count = match params.n_samples_seen.len() {
        0 => None,
        1 if index == 0 => params.n_samples_seen.first(),
        1 => None,
        _ => params.n_samples_seen.get(index),
    };
    if let Some(declared) = declared_count.filter(|_| !inputs.sampled) {
        if declared.value != moments.count as f64 {
            mismatched = true;
            let mut notes = Vec::new();
            if tally.whole.is_some_and(|whole| whole.count as f64 == declared.value) {
                notes.push("matches the row count of the whole file rather than the training split".to_string());
            }
            if (moments.count + tally.missing + tally.nan) as f64 == declared.value {
                notes.push("matches the count with missing and NaN cells included".to_string());
            }
            let mut finding = Finding::new(
                "scaler-count-mismatch",
                Severity::Error,
                format!(
                    "declared n_samples_seen {} of column \"{}\" does not match the {} numeric values in the data",
                    short(declared.value),
                    tally.name,
                    moments.count
                ),
                source.locate(declared.span, &declared.pointer),
            );
            if !notes.is_empty() {
                finding.note = Some(notes.join("; "));
            }
            finding.source = Some(source.clone());
            findings.push(finding);
        }
    }
    mismatched
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stat {
    Mean,
    Std,
    Var,
}

fn stat_of(moments: &Moments, stat: Stat, ddof: u8) -> f64 {
    match stat {
        Stat::Mean => moments.mean(),
        Stat::Std => moments.std(ddof),
        Stat::Var => moments.variance(ddof),
    }
}

/// Returns the known causes that a mismatch fits.
fn diagnose(
    inputs: &Inputs<'_>,
    compared: &[Compared<'_>],
    index: usize,
    tally: &Tally,
    declared: f64,
    stat: Stat,
    tolerance: &Tolerance,
) -> Vec<String> {
    let ddof = inputs.ddof;
    let moments = &tally.moments;
    let near = |value: f64| close(declared, value, tolerance, declared.abs().max(value.abs()));
    let mut out = Vec::new();

    if declared.is_nan() {
        if tally.nan > 0 || tally.missing > 0 {
            out.push(format!(
                "declared from data containing NaN; NaN cells are skipped and counted ({} NaN and {} missing here)",
                tally.nan, tally.missing
            ));
        } else {
            out.push("the declared value is NaN, but the data has no NaN or missing cell".to_string());
        }
        return out;
    }

    if stat != Stat::Mean {
        let other = 1 - ddof.min(1);
        let value = stat_of(moments, stat, other);
        if near(value) {
            let convention = if other == 1 {
                "the sample statistic that R's scale() and pandas' std() compute"
            } else {
                "the population statistic that scikit-learn's StandardScaler computes"
            };
            out.push(format!(
                "matches the ddof={other} value {} ({convention}); the check uses ddof={ddof}, set `ddof: {other}` in the scaler file or pass --ddof {other} if that convention is intended",
                short(value)
            ));
        }
    }

    if let Some(whole) = &tally.whole {
        if near(stat_of(whole, stat, ddof)) {
            out.push("matches the statistics of the whole file rather than the training split (data leakage from the evaluation rows)".to_string());
        }
    }

    let mean = moments.mean();
    let std = moments.std(ddof);
    let data_standardized = mean.abs() <= 1e-3 && (std - 1.0).abs() <= 1e-3;
    let declared_standardized = match stat {
        Stat::Mean => declared.abs() <= 1e-3,
        Stat::Std | Stat::Var => (declared - 1.0).abs() <= 1e-3,
    };
    if data_standardized && !declared_standardized {
        out.push("data appears already standardized: it has mean 0 and standard deviation 1, so the file checked holds scaled values rather than the raw data the scaler was fitted on".to_string());
    } else if declared_standardized && !data_standardized && moments.count > 1 {
        out.push("data appears already standardized where the scaler was fitted: the declared value is that of standardized data (mean 0, standard deviation 1), not of this raw data".to_string());
    }

    for (other_index, other) in compared.iter().enumerate() {
        if other_index == index {
            continue;
        }
        let Some(other_tally) = other.tally else {
            continue;
        };
        if near(stat_of(&other_tally.moments, stat, ddof)) {
            out.push(format!(
                "columns are in a different order than declared: the value matches column \"{}\" (position {}), not \"{}\" (position {})",
                other.name,
                other_index + 1,
                tally.name,
                index + 1
            ));
            break;
        }
    }

    if (tally.missing > 0 || tally.nan > 0) && near(stat_of(&tally.with_zeros, stat, ddof)) {
        out.push(format!(
            "matches the statistics with missing and NaN cells read as 0 ({} cells here); they must be skipped, not filled with 0",
            tally.missing + tally.nan
        ));
    }
    out
}

/// Checks that a column is standardized: mean 0 and standard deviation 1 within the
/// tolerance (relative to 1). Returns false and adds a finding when it is not.
fn check_standardized(
    inputs: &Inputs<'_>,
    tally: &Tally,
    report: &mut ColumnReport,
    findings: &mut Vec<Finding>,
) -> bool {
    let moments = &tally.moments;
    if moments.count < 2 {
        return true;
    }
    let mean = moments.mean();
    let std = moments.std(inputs.ddof);
    let mut tolerance = inputs.tolerance;
    if inputs.sampled {
        tolerance.absolute += 4.0 / (moments.count as f64).sqrt();
    }
    let mean_ok = close(0.0, mean, &tolerance, 1.0);
    let std_ok = close(1.0, std, &tolerance, 1.0) || moments.is_constant();
    if mean_ok && std_ok {
        return true;
    }
    let path = tally.header.as_ref().map(|place| place.path.clone()).unwrap_or_default();
    let mut location = place_location(tally.header.as_ref(), &path);
    location.pointer = crate::data::findings::column_pointer(&tally.name);
    let mut problems = Vec::new();
    if !mean_ok {
        problems.push(format!("mean {} instead of 0", short(mean)));
    }
    if !std_ok {
        problems.push(format!("standard deviation {} instead of 1", short(std)));
    }
    report.declared_mean = Some(0.0);
    report.declared_std = Some(1.0);
    let mut finding = Finding::new(
        "scaler-not-standardized",
        Severity::Error,
        format!("column \"{}\" is not standardized: {}", tally.name, problems.join(", ")),
        location,
    )
    .with_help("apply the scaler to this data, or check that the right file is used");
    let other = moments.std(1 - inputs.ddof.min(1));
    if mean_ok && close(1.0, other, &tolerance, 1.0) {
        let note = format!(
            "matches the ddof={} value: the data was scaled with the other standard deviation convention",
            1 - inputs.ddof.min(1)
        );
        report.diagnoses.push(note.clone());
        finding.note = Some(note);
    }
    findings.push(finding);
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_gives_six_significant_digits() {
        assert_eq!(short(6.449806198), "6.44981");
        assert_eq!(short(7.2111), "7.2111");
        assert_eq!(short(1709251200010.0), "1709251200010");
        assert_eq!(short(1.707825127659933e-13), "1.70783e-13");
        assert_eq!(short(0.118034), "0.118034");
        assert_eq!(short(10.0), "10");
    }
}
