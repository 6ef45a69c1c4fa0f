//! Regression tests for the data and scaler cases in `../shared/cases` (quoting, byte order
//! marks, line numbers, constant columns, cancellation, ddof) and for the worked scaler
//! example shipped as a fixture.

mod common;

use std::path::Path;

use common::{case, diag, diagnostics, errors, root, run, write_project, Run};
use serde_json::Value;

/// Runs `mlconform check --format json OPTIONS PATH`.
fn check_json(options: &[&str], path: &Path) -> Run {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(options);
    args.push(path.to_str().unwrap());
    run(&args)
}

/// Runs `mlconform scaler --format json OPTIONS DATA`.
fn scaler_json(options: &[&str], data: &Path) -> Run {
    let mut args = vec!["scaler", "--format", "json"];
    args.extend_from_slice(options);
    args.push(data.to_str().unwrap());
    run(&args)
}

/// Runs `mlconform scaler --format json OPTIONS --params PARAMS DATA`, with PARAMS and DATA
/// naming files in `dir`.
fn scaler_with_params(dir: &Path, params: &str, data: &str, options: &[&str]) -> Run {
    let params = dir.join(params);
    let mut args = options.to_vec();
    args.extend(["--params", params.to_str().unwrap()]);
    scaler_json(&args, &dir.join(data))
}

/// Runs `scaler` with `--ddof 1` on `column_name` and returns the sample standard deviation.
fn sample_std(data: &Path, column_name: &str) -> f64 {
    let run = scaler_json(&["--ddof", "1", "--columns", column_name], data);
    number(&column(&run.json(), column_name)["std"])
}

/// Returns the notes of the report's `scaler-mean-mismatch` findings, with an empty string for
/// a finding without a note.
fn mean_mismatch_notes(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["code"] == "scaler-mean-mismatch")
        .map(|finding| finding["note"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Returns the `scaler[0].columns` entry named `name`.
fn column<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["scaler"][0]["columns"]
        .as_array()
        .expect("the report has a scaler check")
        .iter()
        .find(|column| column["name"] == name)
        .unwrap_or_else(|| panic!("no column {name} in {}", report["scaler"]))
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or_else(|| panic!("{value} is not a number"))
}

fn assert_close(found: f64, expected: f64, relative: f64, what: &str) {
    assert!((found - expected).abs() <= relative * expected.abs(), "{what}: found {found}, expected {expected}");
}

#[test]
fn case22_bom_and_quoted_header_validate_rows() {
    let dir = case("22-csv-bom-quoted-header");
    let schema = dir.join("row.schema.json");
    let data = dir.join("reviews.csv");
    let run = run(&["validate", "--format", "json", "--schema", schema.to_str().unwrap(), data.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(diagnostics(&run.json(), None), vec![diag(2, 20, "schema-maximum", "/score")]);
}

#[test]
fn case22_statistics_of_score_and_label() {
    let data = case("22-csv-bom-quoted-header").join("reviews.csv");
    let run = scaler_json(&["--columns", "score,label"], &data);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_close(number(&column(&report, "score")["mean"]), 0.5375, 1e-12, "score mean");
    assert_close(number(&column(&report, "score")["std"]), 0.317126, 1e-6, "score std");
    assert_close(number(&column(&report, "label")["mean"]), 0.5, 1e-12, "label mean");
    assert_close(number(&column(&report, "label")["std"]), 0.5, 1e-12, "label std");
    let sample = sample_std(&data, "score");
    assert_close(sample, 0.366185, 1e-6, "score sample std");
}

#[test]
fn case22_header_has_no_bom_or_quotes() {
    let data = case("22-csv-bom-quoted-header").join("reviews.csv");
    let run = check_json(&[], &data);
    let report = run.json();
    let names: Vec<&str> = report["data"][0]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|column| column["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sample_id", "text", "label", "score"]);
    assert_eq!(report["data"][0]["rows"], 4);
    assert!(errors(&report).is_empty(), "{}", run.stdout);
}

#[test]
fn case25_extra_field_at_physical_line() {
    let data = case("25-csv-quoted-newline-line-numbers").join("notes.csv");
    let run = check_json(&[], &data);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    assert_eq!(errors(&report), vec![diag(6, 10, "extra-cell", "/3")]);
    assert_eq!(report["data"][0]["rows"], 4);
}

#[test]
fn case25_unclosed_quote_at_opening_without_row_loss() {
    let data = case("25-csv-quoted-newline-line-numbers").join("unclosed.csv");
    let run = check_json(&[], &data);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    assert_eq!(errors(&report), vec![diag(3, 3, "unclosed-quote", "")]);
    assert_eq!(report["data"][0]["rows"], 4);
}

#[test]
fn case27_constant_and_tiny_columns() {
    let data = case("27-scaler-constant-column").join("features.csv");
    let run = scaler_json(&[], &data);
    let report = run.json();
    let warmup = column(&report, "warmup_ratio");
    assert_eq!(number(&warmup["mean"]), 2.675);
    assert_eq!(number(&warmup["std"]), 0.0);
    assert_eq!(warmup["status"], "constant");
    let signal = column(&report, "grad_signal");
    assert_close(number(&signal["mean"]), 3.5e-13, 1e-12, "grad_signal mean");
    assert_close(number(&signal["std"]), 1.70783e-13, 1e-5, "grad_signal std");
    assert_eq!(signal["status"], "ok");
    let constant: Vec<_> =
        diagnostics(&report, None).into_iter().filter(|d| d.code == "scaler-constant-column").collect();
    assert_eq!(constant, vec![diag(1, 5, "scaler-constant-column", "/warmup_ratio")]);
}

#[test]
fn case28_large_offset_keeps_variance() {
    let data = case("28-scaler-cancellation-large-offset").join("events.csv");
    let run = scaler_json(&["--columns", "timestamp_ms"], &data);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    let timestamp = column(&report, "timestamp_ms");
    assert_eq!(number(&timestamp["mean"]), 1709251200010.0);
    assert_eq!(number(&timestamp["var"]), 22.5);
    assert_close(number(&timestamp["std"]), 4.74342, 1e-6, "std");
    assert_eq!(timestamp["status"], "ok");
    assert_close(sample_std(&data, "timestamp_ms"), 5.47723, 1e-6, "sample std");
}

#[test]
fn case29_sklearn_params_consistent() {
    let run = scaler_with_params(&case("29-scaler-ddof"), "scaler-sklearn.json", "losses.csv", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(diagnostics(&run.json(), None).is_empty(), "{}", run.stdout);
}

#[test]
fn case29_r_params_flagged_as_ddof_mismatch() {
    let run = scaler_with_params(&case("29-scaler-ddof"), "scaler-r.json", "losses.csv", &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    assert_eq!(diagnostics(&report, None), vec![diag(4, 12, "scaler-std-mismatch", "/scale")]);
    let finding = &report["diagnostics"][0];
    let message = finding["message"].as_str().unwrap();
    assert!(message.contains("7.2111"), "{message}");
    assert!(message.contains("6.44981"), "{message}");
    assert!(message.contains("relative difference 0.118034"), "{message}");
    assert!(finding["note"].as_str().unwrap().contains("matches the ddof=1 value 7.2111"), "{}", finding["note"]);
    let losses = column(&report, "val_loss_x100");
    assert_eq!(number(&losses["mean"]), 10.0);
    assert_close(number(&losses["std"]), 6.44981, 1e-6, "std");
    assert_eq!(losses["status"], "mismatch");
}

#[test]
fn case29_r_params_consistent_with_ddof1() {
    let run = scaler_with_params(&case("29-scaler-ddof"), "scaler-r.json", "losses.csv", &["--ddof", "1"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_close(number(&column(&run.json(), "val_loss_x100")["std"]), 7.21110, 1e-6, "sample std");
}

#[test]
fn worked_example_reports_each_wrong_value() {
    let dir = root().join("fixtures/scaler/standard/invalid/worked-example");
    let run = scaler_with_params(&dir, "scaler.json", "table.csv", &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();

    // The true values: means 2.3, 5.26667, 3.53333; population stds 0.898146, 0.623610,
    // 0.694422. The declared ones are 2.5, 5.1, 3.5 and 0.6, 0.6, 0.4.
    let expected =
        [("a", 2.3, 0.898146, 2.5, 0.6), ("b", 5.26667, 0.623610, 5.1, 0.6), ("c", 3.53333, 0.694422, 3.5, 0.4)];
    let findings = report["diagnostics"].as_array().unwrap();
    for (name, mean, std, declared_mean, declared_std) in expected {
        let found = column(&report, name);
        assert_close(number(&found["mean"]), mean, 1e-5, "mean");
        assert_close(number(&found["std"]), std, 1e-5, "std");
        assert_eq!(number(&found["declared_mean"]), declared_mean);
        assert_eq!(number(&found["declared_std"]), declared_std);
        assert_eq!(found["status"], "mismatch");
        let shown_mean = format!("recomputed {}", short(mean));
        let shown_std = format!("recomputed {}", short(std));
        let about = |code: &str| {
            findings
                .iter()
                .filter(|finding| finding["code"] == code)
                .filter(|finding| finding["message"].as_str().unwrap().contains(&format!("column \"{name}\"")))
                .map(|finding| finding["message"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        let mean_messages = about("scaler-mean-mismatch");
        assert_eq!(mean_messages.len(), 1, "{name}: {mean_messages:?}");
        assert!(mean_messages[0].contains(&shown_mean), "{}", mean_messages[0]);
        let std_messages = about("scaler-std-mismatch");
        assert_eq!(std_messages.len(), 1, "{name}: {std_messages:?}");
        assert!(std_messages[0].contains(&shown_std), "{}", std_messages[0]);
    }
}

#[test]
fn scaler_report_lists_checked_files() {
    let dir = root().join("fixtures/scaler/standard/invalid/worked-example");
    let run = scaler_with_params(&dir, "scaler.json", "table.csv", &[]);
    let report = run.json();
    assert_eq!(report["summary"]["files_checked"], 2, "{report}");

    let files = report["files"].as_array().unwrap();
    let named = |suffix: &str| {
        files.iter().find(|file| file["path"].as_str().unwrap().ends_with(suffix)).expect("the file is listed")
    };
    let data = named("table.csv");
    assert_eq!(data["kind"], "data");
    assert_eq!(data["flavor"], "csv");
    let params = named("scaler.json");
    assert_eq!(params["kind"], "scaler");
    assert!(params["schema"].as_str().unwrap().starts_with("scaler/standard@"), "{params}");
    assert_eq!(params["status"], "fail", "its declared means and standard deviations are wrong");
}

/// Six significant digits, trailing zeros dropped, as the reference values are written.
fn short(value: f64) -> String {
    let text = format!("{value:.6}");
    let digits_before = value.abs().log10().floor() as i32 + 1;
    let decimals = (6 - digits_before).max(0) as usize;
    let text = if decimals < 6 { format!("{value:.decimals$}") } else { text };
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[test]
fn leaky_split_diagnosed() {
    let dir = root().join("fixtures/scaler/standard/invalid/leaky-split");
    let report = check_json(&[], &dir).json();
    let notes = mean_mismatch_notes(&report);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("whole file rather than the training split"), "{notes:?}");
    assert_eq!(report["scaler"][0]["split_rows"], 40);
    assert_eq!(report["scaler"][0]["rows"], 60);
}

#[test]
fn no_scaler_skips_the_check() {
    let dir = root().join("fixtures/scaler/standard/invalid/worked-example");
    let run = check_json(&["--no-scaler"], &dir);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.json()["scaler"].as_array().unwrap().is_empty());
}

#[test]
fn shuffled_columns_diagnosed() {
    // Population statistics: x mean 2.5 std 1.118034; y mean 250 std 111.8034.
    let dir = write_project(&[
        ("data.csv", "x,y\n1,100\n2,200\n3,300\n4,400\n"),
        (
            "scaler.json",
            r#"{"data": "data.csv", "columns": ["x", "y"], "mean": [250, 2.5], "scale": [111.80339887498948, 1.118033988749895]}"#,
        ),
    ]);
    let run = check_json(&[], dir.path());
    let notes = mean_mismatch_notes(&run.json());
    assert_eq!(notes.len(), 2, "{}", run.stdout);
    assert!(notes.iter().all(|note| note.contains("columns are in a different order than declared")), "{notes:?}");
}

#[test]
fn standardized_data_diagnosed() {
    // Already standardized: mean 0, population std 1.
    let dir = write_project(&[
        ("scaled.csv", "f\n-1.224744871391589\n0\n1.224744871391589\n"),
        ("scaler.json", r#"{"data": "scaled.csv", "columns": ["f"], "mean": [40], "scale": [8]}"#),
    ]);
    let run = check_json(&[], dir.path());
    let note = mean_mismatch_notes(&run.json()).into_iter().next().unwrap_or_default();
    assert!(note.contains("data appears already standardized"), "{}", run.stdout);

    let expect = scaler_json(&["--expect", "standardized"], &dir.path().join("scaled.csv"));
    assert_eq!(expect.code, 0, "{}", expect.stdout);
}

#[test]
fn expect_standardized_flags_raw_data() {
    let data = case("29-scaler-ddof").join("losses.csv");
    let run = scaler_json(&["--columns", "val_loss_x100", "--expect", "standardized"], &data);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    assert_eq!(errors(&report), vec![diag(1, 7, "scaler-not-standardized", "/val_loss_x100")]);
    assert_eq!(report["scaler"][0]["expect"], "standardized");
}

#[test]
fn nan_declared_value_diagnosed() {
    let dir = write_project(&[
        ("data.csv", "v\n1\nNaN\n3\n"),
        ("scaler.json", r#"{"data": "data.csv", "columns": ["v"], "mean": [null], "scale": [1]}"#),
    ]);
    let run = check_json(&[], dir.path());
    let report = run.json();
    let note = mean_mismatch_notes(&report).into_iter().next().unwrap_or_default();
    assert!(note.contains("declared from data containing NaN"), "{}", run.stdout);
    let column = &report["scaler"][0]["columns"][0];
    assert_eq!(column["nan"], 1);
    assert_eq!(column["count"], 2);
    assert_eq!(number(&column["mean"]), 2.0);
    assert_eq!(column["first_nan"]["line"], 3);
}

#[test]
fn train_test_overlap_measured() {
    let dir = write_project(&[
        ("train.csv", "x,y\n1,a\n2,b\n3,c\n4,d\n"),
        // " 2.0" equals "2" once normalised; the last row is new.
        ("test.csv", "x,y\n 2.0,b\n3,c\n9,z\n"),
    ]);
    let run = check_json(&[], dir.path());
    let report = run.json();
    let test = report["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|measures| measures["path"].as_str().unwrap().ends_with("test.csv"))
        .unwrap();
    assert_eq!(test["overlap"][0]["rows"], 2);
    assert!(test["overlap"][0]["with"].as_str().unwrap().ends_with("train.csv"));
    let overlap: Vec<_> =
        report["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "train-test-overlap").collect();
    assert_eq!(overlap.len(), 1, "{}", run.stdout);
    assert_eq!(overlap[0]["severity"], "warning");
}

#[test]
fn quality_thresholds_become_findings() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("labels.csv");
    std::fs::write(&data, "feature,label\n1,yes\n,yes\n,yes\n4,no\n4,no\n").unwrap();
    let run =
        check_json(&["--max-missing-ratio", "0.2", "--max-duplicate-ratio", "0.1", "--min-class-ratio", "0.9"], &data);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    let codes: Vec<&str> =
        report["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"missing-ratio-exceeded"), "{codes:?}");
    assert!(codes.contains(&"duplicate-ratio-exceeded"), "{codes:?}");
    assert!(codes.contains(&"class-imbalance"), "{codes:?}");
    let measures = &report["data"][0];
    assert_eq!(measures["columns"][0]["missing"], 2);
    assert_eq!(measures["duplicate_rows"], 2);
    assert_eq!(measures["label"]["column"], "label");
    assert_eq!(measures["label"]["classes"][0]["value"], "yes");
    assert_eq!(measures["label"]["classes"][0]["count"], 3);
}

#[test]
fn table_schema_option_and_delimiter() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("scores.txt.csv");
    std::fs::write(&data, "name;score\nada;0,5\nbob;high\n").unwrap();
    let schema = dir.path().join("elsewhere.json");
    std::fs::write(
        &schema,
        r#"{"fields": [{"name": "name"}, {"name": "score", "type": "number", "decimalChar": ","}]}"#,
    )
    .unwrap();
    let mapping = format!("{}={}", data.display(), schema.display());
    let run = check_json(&["--delimiter", ";", "--table-schema", &mapping], &data);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(errors(&run.json()), vec![diag(3, 5, "type-error", "/score")]);
}

#[test]
fn partial_merge_rejects_other_columns() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a.csv");
    let second = dir.path().join("b.csv");
    std::fs::write(&first, "x\n1\n2\n").unwrap();
    std::fs::write(&second, "y\n1\n2\n").unwrap();
    let partial_a = dir.path().join("a.json");
    let partial_b = dir.path().join("b.json");
    for (data, partial) in [(&first, &partial_a), (&second, &partial_b)] {
        let run = scaler_json(&["--emit-partial", partial.to_str().unwrap()], data);
        assert_eq!(run.code, 0, "{}", run.stdout);
    }
    let run = run(&["scaler", "merge", "--format", "json", partial_a.to_str().unwrap(), partial_b.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let message = run.json()["tool_errors"][0]["message"].as_str().unwrap().to_string();
    assert!(message.contains("shards must track the same columns"), "{message}");
}
