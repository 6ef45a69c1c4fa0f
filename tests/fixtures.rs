//! The per-flavor fixtures under `fixtures/<kind>/<flavor>/[<version>/]{valid,invalid}/`.
//!
//! Each file is checked on its own. A valid fixture must give no error; an invalid one must give
//! exactly the errors its sibling `<file>.expect` lists, one `LINE:COLUMN POINTER` per line
//! (the pointer is empty for the document root). The harness names any file it cannot place.
//!
//! Under `fixtures/data/`, Table Schemas and JSON Schemas beside a data file
//! (`<stem>.schema.json`) and `datapackage.json` files describe the fixture rather than being
//! one. Under `fixtures/scaler/`, data files are the inputs the scaler file names.

mod common;

use std::path::{Path, PathBuf};

use common::{files_under, root, run};

/// One fixture file, with the kind, flavor, version and verdict its folders give.
struct Fixture {
    path: PathBuf,
    kind: String,
    flavor: String,
    version: Option<String>,
    valid: bool,
}

fn fixtures() -> Vec<Fixture> {
    let base = root().join("fixtures");
    let mut found = Vec::new();
    for path in files_under(&base) {
        let relative = path.strip_prefix(&base).unwrap();
        let parts: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
        // The example project and other non-kind folders have their own tests.
        if !["model-card", "dataset-card", "training-config", "deployment-manifest", "data", "scaler"]
            .contains(&parts[0].as_str())
        {
            continue;
        }
        if is_description_or_input(&parts[0], &path) {
            continue;
        }
        if path.extension().is_some_and(|ext| ext == "expect") {
            let data = PathBuf::from(path.to_string_lossy().trim_end_matches(".expect"));
            assert!(data.exists(), "{} has no fixture beside it", relative.display());
            continue;
        }
        let (version, verdict_at) = match parts.get(2).map(String::as_str) {
            Some("valid" | "invalid") => (None, 2),
            Some(_) => (Some(parts[2].clone()), 3),
            None => panic!("{} is not under fixtures/<kind>/<flavor>/", relative.display()),
        };
        let valid = match parts.get(verdict_at).map(String::as_str) {
            Some("valid") => true,
            Some("invalid") => false,
            _ => panic!("{} is not in a valid/ or invalid/ folder", relative.display()),
        };
        found.push(Fixture { path, kind: parts[0].clone(), flavor: parts[1].clone(), version, valid });
    }
    assert!(found.len() >= 60, "expected the fixture tree, found {} files", found.len());
    found
}

/// True for a file that describes a data fixture, or is the data of a scaler fixture.
fn is_description_or_input(kind: &str, path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    match kind {
        "data" => name.ends_with(".schema.json") || name == "datapackage.json",
        "scaler" => [".csv", ".tsv", ".jsonl"].iter().any(|extension| name.ends_with(extension)),
        _ => false,
    }
}

/// The newest schema version of a flavor, read from the `schemas/` folder.
fn newest_version(kind: &str, flavor: &str) -> String {
    let folder = root().join("schemas").join(kind).join(flavor);
    let mut versions: Vec<String> =
        files_under(&folder).iter().map(|path| path.file_stem().unwrap().to_string_lossy().into_owned()).collect();
    versions.sort_by(|a, b| mlconform::schema::compare_versions(a, b));
    versions.pop().unwrap_or_else(|| panic!("no schema for fixtures of {kind}/{flavor}"))
}

/// Parses an `.expect` file into sorted `(line, column, pointer)` triples.
fn expected(path: &Path) -> Vec<(u64, u64, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|_| panic!("{} has no .expect file", path.display()));
    let mut out: Vec<(u64, u64, String)> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (position, pointer) = line.split_once(' ').unwrap_or((line, ""));
            let (row, column) =
                position.split_once(':').unwrap_or_else(|| panic!("bad line {line:?} in {}", path.display()));
            (row.parse().unwrap(), column.parse().unwrap(), pointer.trim().to_string())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn fixtures_match_expectations() {
    let mut failures = Vec::new();
    for fixture in fixtures() {
        let relative = fixture.path.strip_prefix(root()).unwrap().to_string_lossy().into_owned();
        // The folder names the kind. Invalid fixtures may be too broken to classify by content
        // (a misspelled key, a missing section), and a lone Kubernetes object is skipped when
        // classified, so the kind is forced for them. Valid fixtures must classify on their own.
        let mut args = vec!["check".to_string(), "--format".to_string(), "json".to_string()];
        if !fixture.valid || fixture.flavor == "k8s-object" {
            args.push("--kind".to_string());
            args.push(fixture.kind.clone());
        }
        // Data files have no versioned schema of their own.
        if fixture.kind != "data" {
            let version = fixture.version.clone().unwrap_or_else(|| newest_version(&fixture.kind, &fixture.flavor));
            args.push("--schema-version".to_string());
            args.push(format!("{}/{}@{version}", fixture.kind, fixture.flavor));
        }
        args.push(relative.clone());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = run(&args);
        let report = run.json();

        let file = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|file| file["path"] == relative.as_str())
            .cloned()
            .unwrap_or_default();
        let file = &file;
        if file["kind"] != fixture.kind.as_str() || file["flavor"] != fixture.flavor.as_str() {
            failures.push(format!(
                "{relative}: classified as {} / {}, but its folder says {} / {}",
                file["kind"], file["flavor"], fixture.kind, fixture.flavor
            ));
            continue;
        }

        // Rule findings have their own fixtures under fixtures/rules/; these fixtures test the
        // schemas.
        let mut found: Vec<(u64, u64, String)> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == "error" && d["rule"].is_null() && d["path"] == relative.as_str())
            .map(|d| {
                (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap(), d["pointer"].as_str().unwrap().to_string())
            })
            .collect();
        found.sort();
        let expected_errors = if fixture.valid {
            Vec::new()
        } else {
            expected(&PathBuf::from(format!("{}.expect", fixture.path.display())))
        };
        if found != expected_errors {
            failures.push(format!("{relative}: expected {expected_errors:?}, found {found:?}"));
        }
        let rule_errors =
            report["diagnostics"].as_array().unwrap().iter().any(|d| d["severity"] == "error" && !d["rule"].is_null());
        let expected_code = if fixture.valid && !rule_errors { 0 } else { 1 };
        if run.code != expected_code {
            failures.push(format!("{relative}: exit code {}, expected {expected_code}", run.code));
        }
    }
    assert!(failures.is_empty(), "{} fixture(s) failed:\n{}", failures.len(), failures.join("\n"));
}
