//! The meta-test of the built-in rule packs. Every rule must have docs (what, why, fix),
//! references, a failing and a passing docs example, and a fixture folder
//! `fixtures/rules/<pack>/<id>/{fail,pass}/` with `fail/expect`. Every docs example and every
//! fixture runs through `mlconform check --pack <pack>@<version> --format json`: failing ones
//! must give exactly the rule's findings, passing ones none of them. Messages follow the house
//! style, and names and ids are unique across packs.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{root, run, run_in};
use mlconform::rules::{Catalog, Rule};
use mlconform::source::Limits;
use serde_json::Value;

/// The id prefix of each built-in pack.
const PREFIXES: &[(&str, &str)] = &[
    ("core", "MLC"),
    ("security", "SEC"),
    ("eu-ai-act", "EUA"),
    ("iso-iec-42001", "ISO"),
    ("nist-ai-rmf", "NIST"),
    ("china-genai", "CNG"),
    ("model-cards", "MCD"),
];

fn catalog() -> Catalog {
    Catalog::load(&[], &Limits::default()).unwrap_or_else(|errors| {
        let messages: Vec<String> = errors.iter().map(|error| format!("{error:?}")).collect();
        panic!("the built-in packs do not load:\n{}", messages.join("\n"))
    })
}

/// Lists every rule a built-in pack defines itself, with the pack's name and version.
fn own_rules(catalog: &Catalog) -> Vec<(String, String, &Rule)> {
    catalog
        .packs
        .iter()
        .flat_map(|pack| pack.rules.iter().map(move |rule| (pack.name.clone(), pack.version.clone(), rule.as_ref())))
        .collect()
}

/// Returns the findings of rule `id` in a JSON report as `PATH LINE:COLUMN POINTER` lines,
/// with `PATH` relative to `base`.
fn rule_findings(report: &Value, id: &str, base: &str) -> Vec<String> {
    let mut found: Vec<String> = report["diagnostics"]
        .as_array()
        .expect("diagnostics is an array")
        .iter()
        .filter(|diagnostic| diagnostic["code"] == id)
        .map(|diagnostic| {
            let path = diagnostic["path"].as_str().unwrap();
            let relative = path.strip_prefix(base).unwrap_or(path).trim_start_matches("./").trim_start_matches('/');
            let line = format!(
                "{relative} {}:{} {}",
                diagnostic["line"],
                diagnostic["column"],
                diagnostic["pointer"].as_str().unwrap()
            );
            line.trim_end().to_string()
        })
        .collect();
    found.sort();
    found
}

fn expected(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
    let mut lines: Vec<String> =
        text.lines().map(str::trim).filter(|line| !line.is_empty()).map(str::to_string).collect();
    lines.sort();
    lines
}

/// Checks a message against the house style: no capital letter first (a quoted value may
/// start with one) and no final period.
fn style_problem(message: &str) -> Option<&'static str> {
    let first = message.chars().next()?;
    if first.is_uppercase() {
        return Some("starts with a capital letter");
    }
    if message.trim_end().ends_with('.') {
        return Some("ends with a period");
    }
    None
}

#[test]
fn every_rule_documented_and_cited() {
    let catalog = catalog();
    let mut failures = Vec::new();
    for (pack, version, rule) in own_rules(&catalog) {
        let at = format!("{pack}@{version} {}", rule.id);
        for (what, text) in [("what", &rule.docs.what), ("why", &rule.docs.why), ("fix", &rule.docs.fix)] {
            if text.trim().is_empty() {
                failures.push(format!("{at}: docs.{what} is empty"));
            }
        }
        if rule.references.is_empty() {
            failures.push(format!("{at}: no references"));
        }
        if !rule.docs.examples.iter().any(|example| example.fail.is_some()) {
            failures.push(format!("{at}: no failing docs example"));
        }
        if !rule.docs.examples.iter().any(|example| example.pass.is_some()) {
            failures.push(format!("{at}: no passing docs example"));
        }
        match PREFIXES.iter().find(|(name, _)| *name == pack) {
            Some((_, prefix)) => {
                let digits = rule.id.strip_prefix(prefix).unwrap_or_default();
                if digits.len() != 3 || !digits.chars().all(|ch| ch.is_ascii_digit()) {
                    failures.push(format!("{at}: the id should be {prefix} and three digits"));
                }
            }
            None => failures.push(format!("{at}: pack {pack} has no id prefix in this test")),
        }
        let folder = root().join("fixtures/rules").join(&pack).join(&rule.id);
        for part in ["fail", "pass", "fail/expect"] {
            if !folder.join(part).exists() {
                failures
                    .push(format!("{at}: {} is missing", folder.join(part).strip_prefix(root()).unwrap().display()));
            }
        }
    }
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn rule_messages_follow_style() {
    let catalog = catalog();
    let mut failures = Vec::new();
    for (pack, _, rule) in own_rules(&catalog) {
        if let Some(message) = &rule.message {
            if let Some(problem) = style_problem(message) {
                failures.push(format!("{pack} {}: the message template {problem}: {message:?}", rule.id));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rule_names_and_ids_unique() {
    let catalog = catalog();
    let mut by_name: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut by_id: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (pack, _, rule) in own_rules(&catalog) {
        // The same rule in two versions of one pack keeps its id and name.
        if let Some((other_id, other_pack)) = by_name.insert(rule.name.clone(), (rule.id.clone(), pack.clone())) {
            if other_id != rule.id {
                failures.push(format!("name {} is used by {other_pack} {other_id} and {pack} {}", rule.name, rule.id));
            }
        }
        if let Some((other_name, other_pack)) = by_id.insert(rule.id.clone(), (rule.name.clone(), pack.clone())) {
            if other_name != rule.name || other_pack != pack {
                failures.push(format!("id {} is used by {other_pack} {other_name} and {pack} {}", rule.id, rule.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fixture_folders_belong_to_rules() {
    let catalog = catalog();
    let known: Vec<(String, String)> =
        own_rules(&catalog).into_iter().map(|(pack, _, rule)| (pack, rule.id.clone())).collect();
    let base = root().join("fixtures/rules");
    let mut failures = Vec::new();
    for pack in std::fs::read_dir(&base).expect("fixtures/rules exists").flatten() {
        for rule in std::fs::read_dir(pack.path()).unwrap().flatten() {
            let pack_name = pack.file_name().to_string_lossy().into_owned();
            let id = rule.file_name().to_string_lossy().into_owned();
            if !known.contains(&(pack_name.clone(), id.clone())) {
                failures.push(format!("fixtures/rules/{pack_name}/{id} names no rule of pack {pack_name}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fixtures_give_exactly_expected_findings() {
    let catalog = catalog();
    let mut failures = Vec::new();
    for (pack, version, rule) in own_rules(&catalog) {
        let folder = PathBuf::from("fixtures/rules").join(&pack).join(&rule.id);
        if !root().join(&folder).exists() {
            continue;
        }
        let selection = format!("{pack}@{version}");
        for verdict in ["fail", "pass"] {
            let target = folder.join(verdict);
            let target_text = target.to_string_lossy().into_owned();
            let run = run(&["check", "--pack", &selection, "--format", "json", "--fail-on", "never", &target_text]);
            assert_eq!(run.code, 0, "{target_text}: {}", run.stderr);
            let report = run.json();
            if !report["tool_errors"].as_array().unwrap().is_empty() {
                failures.push(format!("{target_text}: tool errors {}", report["tool_errors"]));
            }
            let found = rule_findings(&report, &rule.id, &format!("{target_text}/"));
            let wanted = if verdict == "fail" { expected(&root().join(&target).join("expect")) } else { Vec::new() };
            if found != wanted {
                failures.push(format!("{target_text}: expected {wanted:?}, found {found:?}"));
            }
            for diagnostic in report["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == rule.id.as_str())
            {
                let message = diagnostic["message"].as_str().unwrap();
                if let Some(problem) = style_problem(message) {
                    failures.push(format!("{target_text}: message {problem}: {message:?}"));
                }
                if diagnostic["rule"]["name"] != rule.name.as_str() {
                    failures.push(format!("{target_text}: finding without the rule's name: {diagnostic}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} fixture problem(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn docs_examples_behave_as_documented() {
    let catalog = catalog();
    let mut failures = Vec::new();
    for (pack, version, rule) in own_rules(&catalog) {
        let selection = format!("{pack}@{version}");
        for (index, example) in rule.docs.examples.iter().enumerate() {
            for (verdict, text) in [("fail", &example.fail), ("pass", &example.pass)] {
                let Some(text) = text else { continue };
                let dir = tempfile::tempdir().unwrap();
                for (path, context) in &example.context {
                    let file = dir.path().join(path);
                    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                    std::fs::write(file, context).unwrap();
                }
                std::fs::write(dir.path().join(&example.file), text).unwrap();
                let run =
                    run_in(dir.path(), &["check", "--pack", &selection, "--format", "json", "--fail-on", "never", "."]);
                let report = run.json();
                let count =
                    report["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == rule.id.as_str()).count();
                let at = format!("{selection} {} example {index} ({verdict}, {})", rule.id, example.file);
                if verdict == "fail" && count == 0 {
                    failures.push(format!("{at}: no finding of the rule\n{}", run.stdout));
                }
                if verdict == "pass" && count > 0 {
                    failures.push(format!("{at}: {count} finding(s) of the rule\n{}", run.stdout));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} example problem(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn style_check_catches_bad_messages() {
    assert_eq!(style_problem("Model card has no licence"), Some("starts with a capital letter"));
    assert_eq!(style_problem("model card has no licence."), Some("ends with a period"));
    assert_eq!(style_problem("\"sk-...****\" looks like an API secret key"), None);
}
