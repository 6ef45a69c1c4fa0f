//! Rules on data files read the file's quality summary, which has no place in the file. A
//! finding about a column must point at the column's header cell (for JSON records, the key's
//! first occurrence), with the pointer that data checks give a column. A finding about the
//! whole file points at its start, with the empty pointer.

mod common;

use common::{diag, diagnostics, run, write_project, Diag};
use serde_json::Value;

/// Checks `dir` with the `core` pack and returns the report.
fn check(dir: &std::path::Path) -> Value {
    let run = run(&["check", "--format", "json", "--fail-on", "never", "--pack", "core", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()
}

/// Returns the rule findings (those with a `rule` entry) on the file whose path ends with
/// `suffix`.
fn rule_findings(report: &Value, suffix: &str) -> Vec<Diag> {
    let rules: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"].is_object())
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    diagnostics(report, Some(suffix)).into_iter().filter(|d| rules.contains(&d.code.as_str())).collect()
}

/// Checks a project holding only the data file `name` with `text`, and returns the rule
/// findings on that file.
fn findings_on(name: &str, text: &str) -> Vec<Diag> {
    let dir = write_project(&[(name, text)]);
    rule_findings(&check(dir.path()), name)
}

/// Returns the 1-based line and column of the first `needle` in `text`, counting characters.
fn position_of(text: &str, needle: &str) -> (u64, u64) {
    let offset = text.find(needle).expect("the needle is in the text");
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line as u64, column as u64)
}

#[test]
fn csv_column_finding_at_header_cell() {
    // Two of three `queue` cells are empty, over the pack's 5% limit.
    let text = "id,text,queue\n1,refund,\n2,crash,\n3,login,billing\n";
    let found = findings_on("tickets.csv", text);
    let (line, column) = position_of(text, "queue");
    assert!(found.contains(&diag(line, column, "MLC015", "/queue")), "{found:?}");
    assert!(found.contains(&diag(1, 1, "MLC014", "")), "{found:?}");
    assert!(found.iter().all(|d| d.code != "MLC015" || d.pointer == "/queue"), "only `queue` has gaps: {found:?}");
}

#[test]
fn jsonl_column_finding_at_first_key() {
    // `note` first appears on the second record, and is null or absent in every record.
    let text = "{\"id\": 1}\n{\"id\": 2, \"note\": null}\n{\"id\": 3}\n";
    let found = findings_on("events.jsonl", text);
    let (line, column) = position_of(text, "\"note\"");
    assert!(found.contains(&diag(line, column, "MLC015", "/note")), "{found:?}");
}

#[test]
fn summary_finding_has_no_document() {
    let dir = write_project(&[("tickets.csv", "id,text\n1,refund\n")]);
    let report = check(dir.path());
    let finding = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "MLC014")
        .expect("a data file without a Table Schema gets MLC014");
    assert_eq!(finding["pointer"], "");
    assert!(finding.get("document").is_none(), "a data file has no documents: {finding}");
}
