//! Statistics checked against independent references: pandas and scikit-learn on the real
//! data files of the shared corpus, and Python's `math.fsum` (a corrected two-pass) on
//! generated ill-conditioned columns. Tests that need Python or pandas skip with a message
//! when it is missing; `.ci/run` installs them.
//!
//! Shards merged from partial files are compared with a single pass; that test needs no
//! Python.

mod common;

use std::path::Path;
use std::process::Command;

use common::{run, shared};
use serde_json::Value;

/// Runs a Python script and returns its standard output, or `None` (with a message) when
/// Python or one of `modules` is missing.
fn python(script: &str, modules: &[&str], cwd: &Path) -> Option<String> {
    let probe = format!("import {}", if modules.is_empty() { "math".to_string() } else { modules.join(", ") });
    let available = Command::new("python3").arg("-c").arg(&probe).output().map(|output| output.status.success());
    if !available.unwrap_or(false) {
        eprintln!(
            "SKIPPED: python3 with {modules:?} is not installed; `pip install pandas scikit-learn` enables this test"
        );
        return None;
    }
    let output = Command::new("python3").arg("-c").arg(script).current_dir(cwd).output().expect("python3 runs");
    assert!(output.status.success(), "the reference script failed:\n{}", String::from_utf8_lossy(&output.stderr));
    Some(String::from_utf8(output.stdout).unwrap())
}

fn scaler_columns(report: &Value) -> &Vec<Value> {
    report["scaler"][0]["columns"].as_array().expect("a scaler check")
}

fn column<'a>(report: &'a Value, name: &str) -> &'a Value {
    scaler_columns(report).iter().find(|column| column["name"] == name).unwrap_or_else(|| panic!("no column {name}"))
}

fn assert_relative(found: f64, expected: f64, tolerance: f64, what: &str) {
    let scale = expected.abs().max(f64::MIN_POSITIVE);
    assert!((found - expected).abs() <= tolerance * scale, "{what}: found {found:e}, expected {expected:e}");
}

/// The pandas reference for one corpus file: numeric columns with their population mean and
/// standard deviation (ddof 0, as scikit-learn's StandardScaler computes), and a Table
/// Schema that declares the file's missing-value marker.
const PANDAS_REFERENCE: &str = r#"
import json, sys
import pandas as pd
from sklearn.preprocessing import StandardScaler
path, marker = sys.argv[1], sys.argv[2]
markers = [marker] if marker else []
frame = pd.read_csv(path, na_values=markers, keep_default_na=False)
numeric = [name for name in frame.columns if pd.api.types.is_numeric_dtype(frame[name])]
result = {"rows": len(frame), "columns": {}}
for name in numeric:
    values = frame[[name]].dropna()
    scaler = StandardScaler().fit(values.to_numpy(dtype="float64"))
    result["columns"][name] = {
        "count": int(values.shape[0]),
        "mean": float(frame[name].mean()),
        "std": float(frame[name].std(ddof=0)),
        "sklearn_mean": float(scaler.mean_[0]),
        "sklearn_scale": float(scaler.scale_[0]),
        "missing": int(frame[name].isna().sum()),
    }
fields = [{"name": name, "type": "number" if name in numeric else "string"} for name in frame.columns]
result["schema"] = {"fields": fields, "missingValues": markers + [""]}
print(json.dumps(result))
"#;

#[test]
fn corpus_statistics_match_pandas() {
    let corpus = shared().join("corpus").join("data");
    for (file, marker) in [("iris-kserve.csv", ""), ("titanic.csv", "?"), ("penguins.csv", "NA")] {
        let dir = tempfile::tempdir().unwrap();
        let source = corpus.join(file);
        let script = PANDAS_REFERENCE
            .replace("sys.argv[1], sys.argv[2]", &format!("{:?}, {:?}", source.to_str().unwrap(), marker));
        let Some(output) = python(&script, &["pandas", "sklearn"], dir.path()) else {
            return;
        };
        let reference: Value = serde_json::from_str(&output).unwrap();

        // The file is linked into a temporary folder beside a Table Schema that declares its
        // missing-value marker, as a project would keep one.
        let linked = dir.path().join(file);
        std::os::unix::fs::symlink(&source, &linked).unwrap();
        let stem = file.trim_end_matches(".csv");
        std::fs::write(dir.path().join(format!("{stem}.schema.json")), reference["schema"].to_string()).unwrap();

        let names: Vec<String> = reference["columns"].as_object().unwrap().keys().cloned().collect();
        assert!(!names.is_empty(), "{file}: pandas found no numeric column");
        let run = run(&["scaler", "--format", "json", "--columns", &names.join(","), linked.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{file}: {}", run.stdout);
        let report = run.json();
        assert_eq!(report["scaler"][0]["rows"], reference["rows"], "{file}: row count");
        for name in &names {
            let expected = &reference["columns"][name];
            let found = column(&report, name);
            let what = format!("{file} {name}");
            assert_eq!(found["count"], expected["count"], "{what} count");
            assert_eq!(found["missing"], expected["missing"], "{what} missing");
            // (report field, reference field, label): mean and std against pandas, then against
            // scikit-learn.
            let compared = [
                ("mean", "mean", "mean"),
                ("std", "std", "std"),
                ("mean", "sklearn_mean", "sklearn mean"),
                ("std", "sklearn_scale", "sklearn scale"),
            ];
            for (found_key, expected_key, label) in compared {
                assert_relative(
                    found[found_key].as_f64().unwrap(),
                    expected[expected_key].as_f64().unwrap(),
                    1e-12,
                    &format!("{what} {label}"),
                );
            }
        }
    }
}

#[test]
fn corpus_data_files_each_checked() {
    let corpus = shared().join("corpus").join("data");
    let run = run(&["check", "--format", "json", corpus.to_str().unwrap()]);
    let report = run.json();
    let measured: Vec<String> = report["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|measures| {
            Path::new(measures["path"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    for file in std::fs::read_dir(&corpus).unwrap().flatten() {
        let name = file.file_name().to_string_lossy().into_owned();
        assert!(measured.contains(&name), "{name} has no data measures: {measured:?}");
    }
    let rows = |name: &str| {
        report["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|measures| measures["path"].as_str().unwrap().ends_with(name))
            .unwrap()["rows"]
            .as_u64()
            .unwrap()
    };
    // Row counts as pandas reads them; iris ends with an empty line that is not a row.
    assert_eq!(rows("iris-kserve.csv"), 150);
    assert_eq!(rows("titanic.csv"), 1309);
    assert_eq!(rows("penguins.csv"), 344);
    assert_eq!(rows("world-happiness-2015.jsonl"), 158);
    // The first header cell of this pandas index dump is empty.
    let blank: Vec<_> = common::diagnostics(&report, Some("pass-mini-metadata.csv"))
        .into_iter()
        .filter(|d| d.code == "blank-header")
        .collect();
    assert_eq!(blank, vec![common::diag(1, 1, "blank-header", "/0")]);
}

/// Writes ill-conditioned columns and their references: a large offset with a small spread,
/// values near 1e-13, a constant, mixed magnitudes, and an outlier first value before a large
/// offset. References are the corrected two-pass with `math.fsum`.
const ILL_CONDITIONED: &str = r#"
import json, math, random
random.seed(20261204)
n = 20000
columns = {
    "offset": [1.7e12 + random.uniform(0, 10) for _ in range(n)],
    "tiny": [random.uniform(1e-13, 6e-13) for _ in range(n)],
    "constant": [2.675] * n,
    "mixed": [random.choice([1e-8, 1.0, 1e8]) * random.uniform(0.5, 1.5) for _ in range(n)],
    "outlier_first": [0.0] + [1e9 + random.uniform(-1, 1) for _ in range(n - 1)],
    "negative": [-3.3e7 + random.gauss(0, 1e-3) for _ in range(n)],
}
names = list(columns)
with open("ill.csv", "w") as out:
    out.write(",".join(names) + "\n")
    for i in range(n):
        out.write(",".join(repr(columns[name][i]) for name in names) + "\n")
reference = {}
for name, values in columns.items():
    # Read back exactly as written: repr round-trips doubles.
    mean = math.fsum(values) / n
    deviations = [x - mean for x in values]
    first = math.fsum(deviations)
    variance = (math.fsum(d * d for d in deviations) - first * first / n) / n
    reference[name] = {"mean": mean + first / n, "var": variance, "std": math.sqrt(variance)}
print(json.dumps(reference))
"#;

#[test]
fn ill_conditioned_columns_match_fsum_reference() {
    let dir = tempfile::tempdir().unwrap();
    let Some(output) = python(ILL_CONDITIONED, &[], dir.path()) else {
        return;
    };
    let reference: Value = serde_json::from_str(&output).unwrap();
    let data = dir.path().join("ill.csv");
    let run = run(&["scaler", "--format", "json", data.to_str().unwrap()]);
    let report = run.json();
    for (name, expected) in reference.as_object().unwrap() {
        let found = column(&report, name);
        assert_relative(
            found["mean"].as_f64().unwrap(),
            expected["mean"].as_f64().unwrap(),
            1e-12,
            &format!("{name} mean"),
        );
        let expected_std = expected["std"].as_f64().unwrap();
        if expected_std == 0.0 {
            assert_eq!(found["std"].as_f64().unwrap(), 0.0, "{name} std");
            assert_eq!(found["status"], "constant");
        } else {
            assert_relative(found["std"].as_f64().unwrap(), expected_std, 1e-12, &format!("{name} std"));
            assert_relative(
                found["var"].as_f64().unwrap(),
                expected["var"].as_f64().unwrap(),
                1e-12,
                &format!("{name} var"),
            );
            assert_ne!(found["status"], "constant", "{name}");
        }
    }
}

/// A deterministic generator, so the shard test needs no Python.
struct Lcg(u64);

impl Lcg {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn four_shards_merge_equals_single_pass() {
    let dir = tempfile::tempdir().unwrap();
    let mut random = Lcg(42);
    let header = "offset,small,wide\n";
    let mut whole = String::from(header);
    let mut shards = vec![String::from(header); 4];
    for i in 0..40_000 {
        let row = format!(
            "{:?},{:?},{:?}\n",
            1.7e12 + random.uniform() * 10.0,
            1e-13 * (1.0 + random.uniform()),
            (random.uniform() - 0.5) * 1e6
        );
        whole.push_str(&row);
        // Uneven shards: 10%, 20%, 30%, 40%.
        let shard = match i % 10 {
            0 => 0,
            1 | 2 => 1,
            3..=5 => 2,
            _ => 3,
        };
        shards[shard].push_str(&row);
    }
    std::fs::write(dir.path().join("whole.csv"), &whole).unwrap();
    let mut partials = Vec::new();
    for (i, shard) in shards.iter().enumerate() {
        let data = dir.path().join(format!("shard{i}.csv"));
        let partial = dir.path().join(format!("shard{i}.partial.json"));
        std::fs::write(&data, shard).unwrap();
        let run =
            run(&["scaler", "--format", "json", "--emit-partial", partial.to_str().unwrap(), data.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stdout);
        partials.push(partial.to_str().unwrap().to_string());
    }

    let single = run(&["scaler", "--format", "json", dir.path().join("whole.csv").to_str().unwrap()]).json();
    let mut args = vec!["scaler", "merge", "--format", "json"];
    args.extend(partials.iter().map(String::as_str));
    let merged = run(&args).json();
    assert_eq!(merged["scaler"][0]["rows"], 40_000);
    for name in ["offset", "small", "wide"] {
        let one = column(&single, name);
        let many = column(&merged, name);
        assert_eq!(many["count"], one["count"], "{name} count");
        for stat in ["mean", "std", "var"] {
            assert_relative(
                many[stat].as_f64().unwrap(),
                one[stat].as_f64().unwrap(),
                1e-12,
                &format!("{name} {stat}"),
            );
        }
    }
}

#[test]
fn sample_reports_its_size_and_stays_close() {
    let dir = tempfile::tempdir().unwrap();
    let mut random = Lcg(7);
    let mut text = String::from("x\n");
    for _ in 0..20_000 {
        text.push_str(&format!("{:?}\n", 100.0 + random.uniform() * 10.0));
    }
    let data = dir.path().join("big.csv");
    std::fs::write(&data, text).unwrap();
    let full = run(&["scaler", "--format", "json", data.to_str().unwrap()]).json();
    let sampled =
        run(&["scaler", "--format", "json", "--sample", "2000", "--seed", "3", data.to_str().unwrap()]).json();
    assert_eq!(sampled["scaler"][0]["sample"]["size"], 2000);
    assert_eq!(sampled["scaler"][0]["sample"]["seed"], 3);
    assert_eq!(column(&sampled, "x")["count"], 2000);
    // The standard error of the mean of 2000 draws of U(100, 110) is about 0.065.
    let difference =
        (column(&sampled, "x")["mean"].as_f64().unwrap() - column(&full, "x")["mean"].as_f64().unwrap()).abs();
    assert!(difference < 0.3, "sample mean off by {difference}");
}
