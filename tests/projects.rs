//! The fixture projects under `fixtures/projects/`: a model card, a dataset card, a training
//! config, a deployment manifest, a data file and a scaler file that refer to each other.
//! `consistent/` gives no finding at all. Each other folder is a copy that breaks one
//! reference, and must give exactly that cross-file finding, located at the node that makes
//! the claim, with the other file and position in `related` where there is one.

mod common;

use common::{files_under, relative_to, root, run_in};
use serde_json::Value;

/// The rules of the default packs that compare one file with others.
const CROSS_FILE_RULES: &[&str] = &["MLC005", "MLC006", "MLC009", "MLC024", "MLC025", "MLC035"];

/// A place in a file of the project, with its path relative to the project folder.
#[derive(Debug, PartialEq)]
struct Place {
    path: String,
    line: u64,
    column: u64,
    pointer: String,
}

impl Place {
    fn new(path: &str, line: u64, column: u64, pointer: &str) -> Place {
        Place { path: path.to_string(), line, column, pointer: pointer.to_string() }
    }

    fn of(value: &Value) -> Place {
        let path = value["path"].as_str().expect("a finding has a path");
        Place {
            path: path.trim_start_matches("./").to_string(),
            line: value["line"].as_u64().expect("a finding has a line"),
            column: value["column"].as_u64().expect("a finding has a column"),
            pointer: value["pointer"].as_str().expect("a finding has a pointer").to_string(),
        }
    }
}

/// Checks `fixtures/projects/NAME` with the default packs, from inside the folder so that
/// report paths are relative to it.
fn check_project(name: &str) -> Value {
    let folder = root().join("fixtures/projects").join(name);
    let run = run_in(&folder, &["check", "--format", "json", "--fail-on", "never", "."]);
    assert_eq!(run.code, 0, "{name}: {}", run.stderr);
    let report = run.json();
    assert_eq!(report["tool_errors"], serde_json::json!([]), "{name}: tool errors");
    report
}

fn cross_file_findings(report: &Value) -> Vec<Value> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics is an array")
        .iter()
        .filter(|diagnostic| CROSS_FILE_RULES.iter().any(|code| diagnostic["code"] == *code))
        .cloned()
        .collect()
}

/// Returns the one cross-file finding of project `name`, after checking its rule id.
fn only_cross_file_finding(name: &str, code: &str) -> Value {
    let report = check_project(name);
    let found = cross_file_findings(&report);
    assert_eq!(found.len(), 1, "{name}: expected one cross-file finding, found {found:#?}");
    let finding = found.into_iter().next().unwrap();
    assert_eq!(finding["code"], code, "{name}: {finding:#}");
    assert_eq!(finding["rule"]["id"], code, "{name}: {finding:#}");
    finding
}

fn related_places(finding: &Value) -> Vec<Place> {
    finding["related"].as_array().map(|related| related.iter().map(Place::of).collect()).unwrap_or_default()
}

#[test]
fn consistent_project_has_no_findings() {
    let report = check_project("consistent");
    let diagnostics = report["diagnostics"].as_array().expect("diagnostics is an array");
    assert!(diagnostics.is_empty(), "consistent: {diagnostics:#?}");
}

#[test]
fn consistent_project_checks_every_kind() {
    let report = check_project("consistent");
    let kinds: Vec<&str> = report["files"]
        .as_array()
        .expect("files is an array")
        .iter()
        .filter_map(|file| file["kind"].as_str())
        .collect();
    for kind in ["model-card", "dataset-card", "training-config", "deployment-manifest", "data", "scaler"] {
        assert!(kinds.contains(&kind), "consistent: no {kind} among {kinds:?}");
    }
}

#[test]
fn dataset_without_card_reported() {
    let finding = only_cross_file_finding("dataset-card-missing", "MLC005");
    assert_eq!(Place::of(&finding), Place::new("README.md", 7, 5, "/datasets/0"));
    assert!(finding["message"].as_str().unwrap().contains("\"./data/penguin-census\""), "{finding:#}");
}

#[test]
fn missing_data_file_reported() {
    let finding = only_cross_file_finding("data-file-missing", "MLC024");
    assert_eq!(Place::of(&finding), Place::new("configs/train.yaml", 13, 17, "/data/init_args/train_file"));
    assert!(finding["message"].as_str().unwrap().contains("train-2024.csv"), "{finding:#}");
}

#[test]
fn missing_scaler_file_reported() {
    let finding = only_cross_file_finding("scaler-file-missing", "MLC025");
    assert_eq!(Place::of(&finding), Place::new("configs/train.yaml", 14, 18, "/data/init_args/scaler_path"));
    assert!(finding["message"].as_str().unwrap().contains("scaler-v2.json"), "{finding:#}");
}

#[test]
fn version_mismatch_names_model_card() {
    let finding = only_cross_file_finding("version-mismatch", "MLC035");
    assert_eq!(
        Place::of(&finding),
        Place::new("deploy/inference-service.yaml", 6, 32, "/metadata/labels/app.kubernetes.io~1version")
    );
    assert_eq!(related_places(&finding), vec![Place::new("README.md", 3, 10, "/version")]);
    assert_eq!(finding["related"][0]["message"], "model-card states \"1.4.0\"");
}

#[test]
fn license_conflict_names_dataset_card() {
    let finding = only_cross_file_finding("license-incompatible", "MLC006");
    assert_eq!(Place::of(&finding), Place::new("README.md", 2, 10, "/license"));
    assert_eq!(related_places(&finding), vec![Place::new("data/penguin-measurements/README.md", 3, 10, "/license")]);
    assert!(finding["message"].as_str().unwrap().contains("cc-by-nc-4.0"), "{finding:#}");
}

#[test]
fn fault_projects_change_one_file() {
    let base = root().join("fixtures/projects");
    let consistent = files_with_text(&base.join("consistent"));
    for fault in
        ["dataset-card-missing", "data-file-missing", "scaler-file-missing", "version-mismatch", "license-incompatible"]
    {
        let copy = files_with_text(&base.join(fault));
        let names: Vec<&String> = copy.iter().map(|(name, _)| name).collect();
        let expected_names: Vec<&String> = consistent.iter().map(|(name, _)| name).collect();
        assert_eq!(names, expected_names, "{fault}: not the same files as consistent/");
        let changed: Vec<&String> =
            copy.iter().zip(&consistent).filter(|(a, b)| a.1 != b.1).map(|((name, _), _)| name).collect();
        assert_eq!(changed.len(), 1, "{fault}: changed files {changed:?}");
    }
}

/// Lists the files under `folder` with their text, sorted by relative path.
fn files_with_text(folder: &std::path::Path) -> Vec<(String, String)> {
    files_under(folder).iter().map(|path| (relative_to(folder, path), std::fs::read_to_string(path).unwrap())).collect()
}
