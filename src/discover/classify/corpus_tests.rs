//! Classification of the real files in the shared corpus.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::tests::{kind_and_flavor, skip_reason};
use super::*;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

/// Every corpus file that can be classified without a YAML parser: JSON, the tabular
/// formats, and the files MLflow and BentoML find by name.
const CORPUS_EXPECTED: &[(&str, Kind, &str)] = &[
    ("data/iris-kserve.csv", Kind::Data, "csv"),
    ("data/pass-mini-metadata.csv", Kind::Data, "csv"),
    ("data/penguins-raw.csv", Kind::Data, "csv"),
    ("data/penguins.csv", Kind::Data, "csv"),
    ("data/titanic.csv", Kind::Data, "csv"),
    ("data/world-happiness-2015.jsonl", Kind::Data, "jsonl"),
    ("dataset-cards/croissant-0.8-titanic.json", Kind::DatasetCard, "croissant"),
    ("dataset-cards/croissant-1.0-flores-200.json", Kind::DatasetCard, "croissant"),
    ("dataset-cards/croissant-1.0-minimal.json", Kind::DatasetCard, "croissant"),
    ("dataset-cards/croissant-1.0-titanic.json", Kind::DatasetCard, "croissant"),
    ("dataset-cards/croissant-1.1-hf-wildchat.json", Kind::DatasetCard, "croissant"),
    ("deployment/bentoml-fraud-detection-gpu/bentofile.yaml", Kind::DeploymentManifest, "bentoml"),
    ("deployment/bentoml-quickstart/bentofile.yaml", Kind::DeploymentManifest, "bentoml"),
    ("deployment/mlflow-langchain-2.12/MLmodel", Kind::DeploymentManifest, "mlmodel"),
    ("deployment/mlflow-sklearn-1x/MLmodel", Kind::DeploymentManifest, "mlmodel"),
    ("deployment/seldon-canary.json", Kind::DeploymentManifest, "seldon"),
    ("deployment/seldon-invalid-pullpolicy.json", Kind::DeploymentManifest, "seldon"),
    ("model-cards/mct-cats-vs-dogs-v0.0.2.json", Kind::ModelCard, "mct"),
    ("model-cards/mct-full-v0.0.2.json", Kind::ModelCard, "mct"),
    ("model-cards/mct-model-card-v0.0.1.json", Kind::ModelCard, "mct"),
    ("training-configs/deepspeed-axolotl-zero1.json", Kind::TrainingConfig, "deepspeed"),
    ("training-configs/deepspeed-axolotl-zero3-bf16-cpuoffload.json", Kind::TrainingConfig, "deepspeed"),
    ("training-configs/deepspeed-transformers-tests-zero3.json", Kind::TrainingConfig, "deepspeed"),
    ("training-configs/mlflow-docker-project/MLproject", Kind::TrainingConfig, "mlproject"),
    ("training-configs/mlflow-example-project/MLproject", Kind::TrainingConfig, "mlproject"),
    ("training-configs/mlflow-sklearn-elasticnet-wine/MLproject", Kind::TrainingConfig, "mlproject"),
];

/// Returns the corpus files below `folder`, relative to the corpus root, sorted.
fn corpus_files(folder: &str) -> Vec<String> {
    let mut files = Vec::new();
    let mut pending = vec![corpus().join(folder)];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path.strip_prefix(corpus()).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn corpus_json_files_all_listed() {
    let listed: Vec<&str> = CORPUS_EXPECTED.iter().map(|(file, _, _)| *file).collect();
    for folder in ["data", "dataset-cards", "deployment", "model-cards", "training-configs"] {
        for file in corpus_files(folder) {
            if file.ends_with(".json") {
                assert!(listed.contains(&file.as_str()), "{file} is missing from CORPUS_EXPECTED");
            }
        }
    }
}

#[test]
fn corpus_files_classified() {
    for (file, kind, flavor) in CORPUS_EXPECTED {
        let path = corpus().join(file);
        let format = detect_format(&path).unwrap_or_else(|| panic!("no format for {file}"));
        let documents = if format == Format::Json {
            let text = fs::read_to_string(&path).unwrap();
            vec![serde_json::from_str::<Value>(&text).unwrap_or_else(|error| panic!("{file}: {error}"))]
        } else {
            // YAML is classified here by name alone, and tabular data by format.
            Vec::new()
        };

        let verdict = classify(&path, format, &documents);

        assert_eq!(kind_and_flavor(&verdict), (*kind, *flavor), "{file}");
    }
}

#[test]
fn corpus_licenses_skipped() {
    let files = corpus_files("licenses");
    assert!(!files.is_empty());
    for file in files {
        let path = corpus().join(&file);
        let Some(format) = detect_format(&path) else {
            continue;
        };
        assert_eq!(format, Format::Markdown, "{file}");
        let text = fs::read_to_string(&path).unwrap();
        assert!(!text.starts_with("---"), "{file} has front matter");

        let verdict = classify(&path, format, &[]);

        assert_eq!(skip_reason(&verdict), "Markdown without front matter", "{file}");
    }
}
