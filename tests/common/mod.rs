//! Helpers shared by the integration tests: run the built binary and read its JSON report.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared folder beside the crate root, as CI lays it out.
pub fn shared() -> PathBuf {
    root().join("..").join("shared")
}

pub fn case(name: &str) -> PathBuf {
    shared().join("cases").join(name)
}

/// The outcome of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }
}

/// Runs `mlconform ARGS` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_mlconform"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // Human reports are as wide as COLUMNS says; snapshots are taken at 100.
        .env("COLUMNS", "100")
        .output()
        .expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `mlconform ARGS` in the crate root.
pub fn run(args: &[&str]) -> Run {
    run_in(&root(), args)
}

/// One diagnostic, reduced to what tests compare.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diag {
    pub line: u64,
    pub column: u64,
    pub code: String,
    pub pointer: String,
}

/// The diagnostics of a report, optionally only those of one file (matched by path suffix).
pub fn diagnostics(report: &Value, path_suffix: Option<&str>) -> Vec<Diag> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics is an array")
        .iter()
        .filter(|d| path_suffix.is_none_or(|suffix| d["path"].as_str().unwrap_or("").ends_with(suffix)))
        .map(|d| Diag {
            line: d["line"].as_u64().unwrap(),
            column: d["column"].as_u64().unwrap(),
            code: d["code"].as_str().unwrap().to_string(),
            pointer: d["pointer"].as_str().unwrap().to_string(),
        })
        .collect()
}

/// Diagnostics of error severity only.
pub fn errors(report: &Value) -> Vec<Diag> {
    let only_errors: Vec<Value> =
        report["diagnostics"].as_array().unwrap().iter().filter(|d| d["severity"] == "error").cloned().collect();
    diagnostics(&serde_json::json!({ "diagnostics": only_errors }), None)
}

pub fn diag(line: u64, column: u64, code: &str, pointer: &str) -> Diag {
    Diag { line, column, code: code.to_string(), pointer: pointer.to_string() }
}

/// Writes `files` (relative path, content) into a new temporary folder, creating parent
/// folders, and returns it.
pub fn write_project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Lists every file below `dir`, in all its subfolders, sorted by path.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Returns `path` relative to `dir`, with `/` between its parts on every platform.
pub fn relative_to(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/")
}

/// The codes of a report's diagnostics that no waiver covers, with their paths.
pub fn counted(report: &Value) -> Vec<(String, String)> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics is an array")
        .iter()
        .filter(|d| d.get("waived").is_none())
        .map(|d| (d["path"].as_str().unwrap().to_string(), d["code"].as_str().unwrap().to_string()))
        .collect()
}
pub mod hostile;
