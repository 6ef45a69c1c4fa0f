//! `mlconform check` over the shared corpus of real public files: every file whose kind is
//! plain from its folder is classified into that kind, and the real faults in the corpus are
//! reported at their positions.

mod common;

use std::collections::BTreeMap;

use common::{diag, diagnostics, files_under, relative_to, run, shared};
use serde_json::Value;

fn corpus_report() -> Value {
    let corpus = shared().join("corpus");
    let run = run(&["check", "--format", "json", corpus.to_str().unwrap()]);
    assert_eq!(run.code, 1, "the corpus holds real faults, so the exit code is 1\n{}", run.stderr);
    run.json()
}

/// The kind a corpus file has by its folder, or `None` for files that are not artifacts
/// (licences, the sources list) and for the Jinja templates and the card without metadata,
/// which carry no checkable metadata.
fn expected_kind(relative: &str) -> Option<&'static str> {
    if relative.contains("template") || relative.ends_with("no-metadata.md") {
        return None;
    }
    match relative.split('/').next()? {
        "data" => Some("data"),
        "dataset-cards" => Some("dataset-card"),
        "deployment" => Some("deployment-manifest"),
        "model-cards" => Some("model-card"),
        "training-configs" => Some("training-config"),
        _ => None,
    }
}

#[test]
fn corpus_files_classified_by_kind() {
    let report = corpus_report();
    assert!(report["tool_errors"].as_array().unwrap().is_empty(), "{}", report["tool_errors"]);

    let mut kinds: BTreeMap<String, Option<String>> = BTreeMap::new();
    for file in report["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        let relative = path.split("corpus/").nth(1).unwrap().to_string();
        kinds.insert(relative, file["kind"].as_str().map(str::to_string));
    }
    for skipped in report["skipped"].as_array().unwrap() {
        let path = skipped["path"].as_str().unwrap();
        kinds.insert(path.split("corpus/").nth(1).unwrap().to_string(), None);
    }

    let corpus = shared().join("corpus");
    let on_disk: Vec<String> = files_under(&corpus).iter().map(|path| relative_to(&corpus, path)).collect();
    assert_eq!(kinds.len(), on_disk.len(), "every corpus file is either checked or skipped");
    for relative in on_disk {
        let expected = expected_kind(&relative);
        let found = kinds.get(&relative).cloned().flatten();
        assert_eq!(found.as_deref(), expected, "{relative}");
    }
}

#[test]
fn corpus_real_faults_located() {
    let report = corpus_report();
    let cases = [
        ("hfhub-fixture-invalid-model-index.md", diag(15, 5, "schema-required", "/model-index/0/results/0")),
        ("hfhub-fixture-list-front-matter.md", diag(2, 1, "schema-type", "")),
        (
            "seldon-invalid-pullpolicy.json",
            diag(24, 38, "schema-enum", "/spec/predictors/0/componentSpecs/0/spec/containers/0/imagePullPolicy"),
        ),
        ("k8s-deployment-bento-no-resources.yaml", diag(1, 13, "k8s-api-removed", "/apiVersion")),
        ("k8s-tfserving-resnet-no-limits.yaml", diag(16, 13, "k8s-api-removed", "/apiVersion")),
    ];
    for (file, expected) in cases {
        let found = diagnostics(&report, Some(file));
        assert!(found.contains(&expected), "{file}: expected {expected:?} among {found:?}");
    }
}

#[test]
fn corpus_removed_api_has_help() {
    let report = corpus_report();
    let finding = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["path"].as_str().unwrap().ends_with("k8s-deployment-bento-no-resources.yaml")
                && d["pointer"] == "/apiVersion"
        })
        .expect("the removed API is reported");
    assert!(finding["help"].as_str().unwrap().contains("apps/v1"), "{finding}");
    assert!(finding["message"].as_str().unwrap().contains("1.16"), "{finding}");
    let at_api_version = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"] == finding["path"] && d["pointer"] == "/apiVersion")
        .count();
    assert_eq!(at_api_version, 1, "the schema does not repeat the removed-API finding");
}

#[test]
fn corpus_findings_all_located() {
    let report = corpus_report();
    for finding in report["diagnostics"].as_array().unwrap() {
        assert!(finding["line"].as_u64().unwrap() >= 1, "{finding}");
        assert!(finding["column"].as_u64().unwrap() >= 1, "{finding}");
        assert!(finding["end_line"].as_u64() >= finding["line"].as_u64(), "{finding}");
    }
    let unsupported: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "schema-version-unsupported")
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    for file in report["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        let checked_against_schema =
            file["kind"] != "data" && file["status"] != "error" && !unsupported.contains(&path);
        if checked_against_schema {
            assert!(file["schema"].is_string(), "{file}");
        }
    }
}

#[test]
fn corpus_croissant_08_reported_once() {
    let report = corpus_report();
    let found = diagnostics(&report, Some("croissant-0.8-titanic.json"));
    assert_eq!(found, vec![diag(2, 15, "schema-version-unsupported", "/@context")]);
}
