//! The `eu-ai-act` pack over the shared corpus of real public files. Every model card gets
//! findings for the documentation it lacks. A Markdown card's findings point at its front
//! matter or at the heading concerned, a JSON card's at the node concerned, and the findings
//! cite the Annex IV points they enforce.

mod common;

use std::collections::BTreeMap;

use common::{run, shared};
use serde_json::Value;

/// Runs the pack over the corpus with the corpus path written as `../shared/corpus`, as a
/// user in the crate root would.
fn corpus_report() -> Option<Value> {
    if !shared().join("corpus").is_dir() {
        eprintln!("skipped: the shared corpus is not beside the crate root");
        return None;
    }
    let run = run(&["check", "../shared/corpus", "--pack", "eu-ai-act@1", "--format", "json"]);
    assert_eq!(run.code, 1, "the corpus cards lack documentation, so the exit code is 1\n{}", run.stderr);
    Some(run.json())
}

/// Groups the pack's findings by file path.
fn findings_by_path(report: &Value) -> BTreeMap<String, Vec<&Value>> {
    let mut by_path: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for diagnostic in report["diagnostics"].as_array().unwrap() {
        if diagnostic["code"].as_str().unwrap().starts_with("EUA") {
            by_path.entry(diagnostic["path"].as_str().unwrap().to_string()).or_default().push(diagnostic);
        }
    }
    by_path
}

fn model_card_paths(report: &Value) -> Vec<String> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|file| file["kind"] == "model-card")
        .map(|file| file["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_corpus_model_card_has_findings() {
    let Some(report) = corpus_report() else { return };
    assert!(report["tool_errors"].as_array().unwrap().is_empty(), "{}", report["tool_errors"]);
    let by_path = findings_by_path(&report);
    let cards = model_card_paths(&report);
    assert!(cards.len() >= 8, "expected the corpus's model cards, found {cards:?}");
    for card in &cards {
        assert!(by_path.contains_key(card), "{card} has no eu-ai-act finding");
    }
}

#[test]
fn corpus_findings_located_at_front_matter_or_heading() {
    let Some(report) = corpus_report() else { return };
    let by_path = findings_by_path(&report);
    for card in model_card_paths(&report) {
        let text = std::fs::read_to_string(common::root().join(&card)).unwrap();
        for finding in by_path.get(&card).into_iter().flatten() {
            let line = finding["line"].as_u64().unwrap() as usize;
            let pointer = finding["pointer"].as_str().unwrap();
            if card.ends_with(".json") {
                let json: Value = serde_json::from_str(&text).unwrap();
                assert!(json.pointer(pointer).is_some(), "{card}: pointer {pointer:?} names no node: {finding}");
                continue;
            }
            let source_line = text.lines().nth(line - 1).unwrap_or_default().trim_end();
            assert!(
                source_line == "---" || source_line.starts_with('#'),
                "{card}:{line} is neither the front matter nor a heading ({source_line:?}): {finding}"
            );
        }
    }
}

#[test]
fn corpus_findings_cite_annex_iv_points() {
    let Some(report) = corpus_report() else { return };
    let by_path = findings_by_path(&report);
    for card in model_card_paths(&report) {
        let clauses: Vec<&str> = by_path[&card]
            .iter()
            .flat_map(|finding| finding["rule"]["references"].as_array().unwrap())
            .filter_map(|reference| reference["clause"].as_str())
            .collect();
        assert!(
            clauses.iter().any(|clause| clause.starts_with("Annex IV, point ")),
            "{card}: no finding cites an Annex IV point, only {clauses:?}"
        );
    }
}

#[test]
fn corpus_hf_cards_lack_oversight_and_monitoring() {
    let Some(report) = corpus_report() else { return };
    let by_path = findings_by_path(&report);
    let simple = by_path.iter().find(|(path, _)| path.ends_with("model-cards/hfhub-fixture-simple.md")).unwrap().1;
    let codes: Vec<&str> = simple.iter().map(|finding| finding["code"].as_str().unwrap()).collect();
    for code in ["EUA022", "EUA024", "EUA031", "EUA033"] {
        assert!(codes.contains(&code), "hfhub-fixture-simple.md lacks a {code} finding: {codes:?}");
    }
    // The card with a model-index declares numeric metric values, so Article 15(3) holds.
    let with_index =
        by_path.iter().find(|(path, _)| path.ends_with("model-cards/hfhub-fixture-simple-model-index.md")).unwrap().1;
    assert!(with_index.iter().all(|finding| finding["code"] != "EUA033"), "{with_index:?}");
}
