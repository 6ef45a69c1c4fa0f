//! Regression tests for the parsing and schema-validation cases in `../shared/cases`: inputs
//! from bug reports against peer tools, each with the positions and verdicts a correct
//! checker gives.

mod common;

use common::{case, diag, diagnostics, errors, run};

fn validate(case_name: &str, schema: &str, instance: &str, extra: &[&str]) -> common::Run {
    let dir = case(case_name);
    let schema = dir.join(schema);
    let instance = dir.join(instance);
    let mut args = vec!["validate", "--format", "json", "--schema", schema.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(instance.to_str().unwrap());
    run(&args)
}

#[test]
fn case01_empty_documents_fail() {
    for file in ["empty.yaml", "comment-only.yaml", "marker-only.yaml"] {
        let run = validate("01-empty-yaml-document", "schema.json", file, &[]);
        assert_eq!(run.code, 1, "{file}: {}", run.stdout);
        assert_eq!(diagnostics(&run.json(), None), vec![diag(1, 1, "schema-type", "")], "{file}");
    }
    let control = validate("01-empty-yaml-document", "schema.json", "control-valid.yaml", &[]);
    assert_eq!(control.code, 0);
    assert!(diagnostics(&control.json(), None).is_empty());
}

#[test]
fn case03_yaml12_by_default() {
    let run = validate("03-yaml11-boolean-on-norway", "schema.json", "card-default.yaml", &[]);
    assert_eq!(run.code, 1);
    let report = run.json();
    assert_eq!(errors(&report), vec![diag(5, 14, "schema-type", "/push_to_hub")]);
    // Both readings of `no` and `on` are named in warnings.
    let warnings: Vec<_> =
        diagnostics(&report, None).into_iter().filter(|d| d.code == "yaml-version-difference").collect();
    assert_eq!(
        warnings,
        vec![
            diag(3, 5, "yaml-version-difference", "/language/1"),
            diag(5, 14, "yaml-version-difference", "/push_to_hub")
        ]
    );
}

#[test]
fn case03_yaml11_directive_honoured() {
    let run = validate("03-yaml11-boolean-on-norway", "schema.json", "card-yaml11.yaml", &[]);
    assert_eq!(run.code, 1);
    assert_eq!(diagnostics(&run.json(), None), vec![diag(5, 5, "schema-type", "/language/1")]);
}

#[test]
fn case04_every_document_validated() {
    let run = validate("04-multidoc-later-doc-invalid", "schema.json", "experiments.yaml", &[]);
    assert_eq!(run.code, 1);
    let report = run.json();
    assert_eq!(diagnostics(&report, None), vec![diag(8, 13, "schema-type", "/batch_size")]);
    assert_eq!(report["diagnostics"][0]["document"], 2);
}

#[test]
fn case08_relative_refs_resolve_from_file() {
    let run = validate("08-relative-ref-no-id", "schemas/card.schema.json", "model-card.json", &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        diagnostics(&run.json(), None),
        vec![diag(5, 14, "schema-pattern", "/metrics/1/name"), diag(5, 35, "schema-type", "/metrics/1/value")]
    );
}

#[test]
fn case09_mapped_remote_id_resolves_offline() {
    let schemas = case("09-ref-against-remote-id-offline").join("schemas");
    let map = format!("https://schemas.example.org/ml/={}", schemas.display());
    let run = validate("09-ref-against-remote-id-offline", "schemas/card.json", "instance.json", &["--map-uri", &map]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(diagnostics(&run.json(), None), vec![diag(1, 13, "schema-enum", "/license")]);
}

#[test]
fn case09_unmapped_ref_is_tool_error() {
    let run = validate("09-ref-against-remote-id-offline", "schemas/card-missing.json", "instance.json", &[]);
    assert_eq!(run.code, 2);
    let report = run.json();
    let error = &report["tool_errors"][0];
    assert!(error["path"].as_str().unwrap().ends_with("card-missing.json"));
    assert_eq!((error["line"].as_u64(), error["column"].as_u64()), (Some(6), Some(27)));
    assert!(error["message"].as_str().unwrap().contains("https://schemas.example.org/ml/tokenizer.json"));
}

#[test]
fn case10_ref_cycle_is_schema_error() {
    let run = validate("10-ref-left-recursion", "bad-recursion.schema.json", "layers.json", &[]);
    assert_eq!(run.code, 2);
    let report = run.json();
    let error = &report["tool_errors"][0];
    assert!(error["path"].as_str().unwrap().ends_with("bad-recursion.schema.json"));
    assert_eq!((error["line"].as_u64(), error["column"].as_u64()), (Some(7), Some(9)));

    // The instance value where validation would have looped: the first member's value.
    let text = std::fs::read_to_string(case("10-ref-left-recursion").join("layers.json")).unwrap();
    let column = text.find(r#"{"units": 256}"#).unwrap() as u64 + 1;
    let sites = &report["tool_errors"].as_array().unwrap()[1..];
    assert_eq!(sites.len(), 1, "{sites:?}");
    assert!(sites[0]["path"].as_str().unwrap().ends_with("layers.json"), "{sites:?}");
    assert_eq!(sites[0]["pointer"], "/encoder");
    assert_eq!((sites[0]["line"].as_u64(), sites[0]["column"].as_u64()), (Some(1), Some(column)));
}

#[test]
fn case10_recursion_down_the_tree_is_fine() {
    let run = validate("10-ref-left-recursion", "good-recursion.schema.json", "tree.json", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn case10_same_location_twice_is_not_a_loop() {
    let run = validate("10-ref-left-recursion", "twice-not-a-loop.schema.json", "units-zero.json", &[]);
    assert_eq!(run.code, 1);
    let found = diagnostics(&run.json(), None);
    assert!(!found.is_empty(), "{found:?}");
    assert!(found.len() <= 2, "{found:?}");
    assert!(found.iter().all(|d| (d.line, d.column) == (1, 11)), "{found:?}");
}

#[test]
fn case12_multiple_of_uses_decimals() {
    let run = validate("12-multipleof-decimal", "schema.json", "sweep.json", &[]);
    assert_eq!(run.code, 1);
    assert_eq!(
        diagnostics(&run.json(), None),
        vec![diag(2, 31, "schema-multiple-of", "/dropout/3"), diag(3, 35, "schema-multiple-of", "/cost_usd/2")]
    );
}

#[test]
fn case15_non_finite_numbers() {
    let expectations = [
        ("nan-token.json", 1, Some(diag(1, 19, "syntax-error", ""))),
        ("overflow.json", 1, Some(diag(1, 19, "schema-maximum", "/learning_rate"))),
        ("underflow.json", 0, None),
        ("nan.yaml", 1, Some(diag(1, 16, "non-finite-number", "/learning_rate"))),
        ("neg-inf.yaml", 1, Some(diag(1, 16, "non-finite-number", "/learning_rate"))),
    ];
    for (file, code, expected) in expectations {
        let run = validate("15-nonfinite-nan-1e400", "schema.json", file, &[]);
        assert_eq!(run.code, code, "{file}: {}", run.stdout);
        assert_eq!(diagnostics(&run.json(), None), expected.into_iter().collect::<Vec<_>>(), "{file}");
    }
}

#[test]
fn case16_duplicate_keys_json() {
    let run = validate("16-duplicate-keys-json-yaml", "schema.json", "train.json", &[]);
    assert_eq!(run.code, 1);
    let report = run.json();
    assert_eq!(diagnostics(&report, None), vec![diag(4, 3, "duplicate-key", "/learning_rate")]);
    assert_eq!(report["diagnostics"][0]["related"][0]["line"], 2);
}

#[test]
fn case16_duplicate_keys_yaml() {
    let run = validate("16-duplicate-keys-json-yaml", "schema.json", "train.yaml", &[]);
    assert_eq!(run.code, 1);
    let found = diagnostics(&run.json(), None);
    let duplicates: Vec<_> = found.iter().filter(|d| d.code == "duplicate-key").cloned().collect();
    assert_eq!(
        duplicates,
        vec![diag(5, 3, "duplicate-key", "/optimizer/batch_size"), diag(6, 1, "duplicate-key", "/optimizer")]
    );
    // Whatever else is reported points at real positions: the enum violation of "lion".
    assert!(found.iter().filter(|d| d.code != "duplicate-key").all(|d| (d.line, d.column) == (7, 9)), "{found:?}");
}

#[test]
fn case31_empty_front_matter_lf_and_crlf() {
    for file in ["README-lf.md", "README-crlf.md"] {
        let run = validate("31-modelcard-empty-metadata-crlf", "card.schema.json", file, &[]);
        assert_eq!(run.code, 1, "{file}");
        assert_eq!(diagnostics(&run.json(), None), vec![diag(1, 1, "schema-required", "")], "{file}");
    }
}

#[test]
fn case34_depth_200_is_valid() {
    let run = validate("34-deep-nesting", "schema.json", "nest-200.json", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn case34_deep_nesting_is_a_finding() {
    // The limit is 255 nested collections. In the YAML file the top-level mapping is one of
    // them, so the 255th `[` (column 6 + 255) is the first one past the limit.
    let limit = mlconform::source::DEFAULT_MAX_DEPTH as u64;
    for (file, column) in [("nest-50000.json", limit + 1), ("nest-50000.yaml", limit + 6)] {
        let run = validate("34-deep-nesting", "schema.json", file, &[]);
        assert_eq!(run.code, 1, "{file}");
        let found = diagnostics(&run.json(), None);
        assert_eq!(found.len(), 1, "{file}: {found:?}");
        assert_eq!((found[0].line, found[0].column, found[0].code.as_str()), (1, column, "nesting-too-deep"), "{file}");
    }
}

#[test]
fn case35_malformed_model_index_entry() {
    let run = validate("35-modelcard-malformed-model-index", "model-index.schema.json", "README.md", &[]);
    assert_eq!(run.code, 1);
    assert_eq!(diagnostics(&run.json(), None), vec![diag(17, 5, "schema-required", "/model-index/0/results/1")]);
}
