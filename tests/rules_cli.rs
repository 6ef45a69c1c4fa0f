//! The rule packs from the command line: pack selection with `check --pack` and `--rules`,
//! errors in packs, how rule findings look in each format, and snapshots of `rules` and
//! `explain`. Review snapshot changes with `cargo insta review`.

mod common;

use common::{run, run_in};
use serde_json::Value;

/// A model card with a secret and no licence: a finding for `core` and one for `security`.
const CARD: &str = "---\nlibrary_name: transformers\n---\n# ticket-classifier\n\n## Intended Use\n\nRoutes tickets.\n\n## Training Data\n\nSupport tickets from 2023.\n\n## Evaluation\n\nAccuracy 0.91 on held-out tickets.\n\n## Limitations\n\nEnglish only. Token: sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t\n";

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    dir
}

fn codes(report: &Value) -> Vec<String> {
    let mut codes: Vec<String> =
        report["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect();
    codes.sort();
    codes
}

#[test]
fn check_default_selects_core_and_security() {
    let dir = project(&[("README.md", CARD)]);
    let run = run_in(dir.path(), &["check", "--format", "json", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(codes(&run.json()), vec!["MLC001", "SEC001"]);
    assert_eq!(run.json()["rule_packs"], serde_json::json!(["core@1.0.0", "security@1.0.0"]));
}

#[test]
fn check_pack_limits_selection() {
    let dir = project(&[("README.md", CARD)]);
    let run = run_in(dir.path(), &["check", "--format", "json", "--pack", "security@1", "."]);
    assert_eq!(codes(&run.json()), vec!["SEC001"]);
    assert_eq!(run.json()["rule_packs"], serde_json::json!(["security@1.0.0"]));
    let run = run_in(dir.path(), &["check", "--format", "json", "--pack", "core@1.0.0", "."]);
    assert_eq!(codes(&run.json()), vec!["MLC001"]);
}

#[test]
fn check_unknown_pack_is_tool_error() {
    let dir = project(&[("README.md", CARD)]);
    let run = run_in(dir.path(), &["check", "--format", "json", "--pack", "secruity", "."]);
    assert_eq!(run.code, 2);
    let report = run.json();
    assert_eq!(report["tool_errors"][0]["message"], "no rule pack named \"secruity\"");
    assert_eq!(report["tool_errors"][0]["help"], "did you mean \"security\"?");
    let run = run_in(dir.path(), &["check", "--format", "json", "--pack", "core@9", "."]);
    assert_eq!(run.code, 2);
    assert_eq!(run.json()["tool_errors"][0]["message"], "no version of pack \"core\" matches core@9");
}

#[test]
fn rule_finding_carries_rule_data() {
    let dir = project(&[("README.md", CARD)]);
    let report = run_in(dir.path(), &["check", "--format", "json", "--pack", "core", "."]).json();
    let finding = &report["diagnostics"][0];
    assert_eq!(finding["code"], "MLC001");
    assert_eq!(finding["message"], "model card licence is missing");
    assert_eq!(finding["line"], 1);
    assert_eq!(finding["column"], 1);
    assert_eq!(finding["end_column"], 4);
    assert_eq!(finding["pointer"], "");
    assert_eq!(finding["rule"]["name"], "model-card-license-missing");
    assert_eq!(finding["rule"]["status"], "stable");
    assert_eq!(finding["rule"]["references"][0]["clause"], "section 4.1, Model Details");
    assert!(finding["help"].as_str().unwrap().starts_with("Add `license:`"), "{finding}");
}

#[test]
fn human_output_names_rule_and_references() {
    let dir = project(&[("README.md", CARD)]);
    let run = run_in(dir.path(), &["check", "--color", "never", "--pack", "core", "."]);
    assert!(run.stdout.contains("rule: model-card-license-missing (MLC001)"), "{}", run.stdout);
    assert!(
        run.stdout.contains("references: Model Cards for Model Reporting (Mitchell et al., 2019), section 4.1"),
        "{}",
        run.stdout
    );
}

#[test]
fn secret_never_printed() {
    let dir = project(&[("README.md", CARD)]);
    for format in ["human", "json"] {
        let run = run_in(dir.path(), &["check", "--color", "never", "--format", format, "--pack", "security", "."]);
        assert!(run.stdout.contains("sk-...****"), "{format}: {}", run.stdout);
        assert!(!run.stdout.contains("Ab3dEf6h"), "{format} shows the secret: {}", run.stdout);
    }
}

#[test]
fn cross_file_finding_names_other_file() {
    let run = run(&["check", "--format", "json", "--pack", "core", "fixtures/rules/core/MLC006/fail"]);
    let report = run.json();
    let finding = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "MLC006" && d["message"].as_str().unwrap().contains("base model"))
        .expect("the base model conflict is reported");
    assert_eq!(finding["path"], "fixtures/rules/core/MLC006/fail/README.md");
    assert_eq!(finding["related"][0]["path"], "fixtures/rules/core/MLC006/fail/base/README.md");
    assert_eq!(finding["related"][0]["line"], 2);
    assert_eq!(finding["related"][0]["column"], 10);
    assert_eq!(finding["related"][0]["pointer"], "/license");
}

const USER_PACK: &str = "pack: team
version: 0.1.0
description: Team conventions.
extends: [core@1]
rules:
  - id: TEAM001
    name: model-card-owner-missing
    severity: info
    status: preview
    since: 0.1.0
    applies-to: [{kind: model-card}]
    then: {field: owner, function: defined}
    message: model card names no owner
    docs:
      what: Checks for an owner.
      why: Someone answers for the model.
      fix: Add `owner:`.
      examples: [{file: README.md, fail: x, pass: y}]
    references: [{standard: Team handbook, clause: section 2}]
";

#[test]
fn user_pack_extends_builtin() {
    let dir = project(&[("README.md", CARD), ("team.yaml", USER_PACK)]);
    // `--rules` adds the pack to the selection; `--pack team` then selects it alone, with
    // the core rules it extends.
    let run = run_in(dir.path(), &["check", "--format", "json", "--pack", "team", "--rules", "team.yaml", "README.md"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    assert_eq!(codes(&report), vec!["MLC001", "TEAM001"]);
    let team = report["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "TEAM001").unwrap();
    assert_eq!(team["severity"], "info");
    assert_eq!(team["rule"]["status"], "preview");
}

#[test]
fn broken_user_pack_located() {
    let broken = USER_PACK.replace("function: defined", "function: definde").replace("severity: info", "severty: info");
    let dir = project(&[("README.md", CARD), ("team.yaml", &broken)]);
    let run = run_in(dir.path(), &["check", "--format", "json", "--rules", "team.yaml", "README.md"]);
    assert_eq!(run.code, 2);
    let report = run.json();
    let errors = report["tool_errors"].as_array().unwrap();
    let unknown_key = errors.iter().find(|e| e["message"] == "unknown key \"severty\"").expect("the key is reported");
    assert_eq!(unknown_key["path"], "team.yaml");
    assert_eq!(unknown_key["line"], 8);
    assert_eq!(unknown_key["column"], 5);
    assert_eq!(unknown_key["help"], "did you mean \"severity\"?");
    assert!(report["diagnostics"].as_array().unwrap().is_empty(), "nothing is checked with a broken pack");
}

#[test]
fn rules_list_snapshot() {
    let run = run(&["rules"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn rules_json_snapshot() {
    let run = run(&["rules", "--pack", "security@1", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let list: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn explain_snapshot() {
    let by_id = run(&["explain", "MLC006"]);
    assert_eq!(by_id.code, 0, "{}", by_id.stderr);
    let by_name = run(&["explain", "model-card-license-incompatible"]);
    assert_eq!(by_name.stdout, by_id.stdout, "an id and a name explain the same rule");
    insta::assert_snapshot!(by_id.stdout);
}

#[test]
fn explain_unknown_rule_suggests() {
    let run = run(&["explain", "model-card-licence-missing"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn explain_user_pack_rule() {
    let dir = project(&[("team.yaml", USER_PACK)]);
    let run = run_in(dir.path(), &["explain", "--rules", "team.yaml", "TEAM001"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("TEAM001 model-card-owner-missing\npack team@0.1.0"), "{}", run.stdout);
}

#[test]
fn cross_ref_equals_names_disagreeing_file() {
    let pack = "pack: release
version: 1.0.0
description: Release consistency.
rules:
  - id: REL001
    name: deployment-version-mismatch
    severity: error
    status: stable
    since: 1.0.0
    applies-to: [{kind: deployment-manifest}]
    given: $.metadata.labels
    then:
      field: app.kubernetes.io/version
      function: cross-ref
      options: {kind: model-card, equals: /version}
    message: deployed version {{value}} {{detail}}
    docs:
      what: Compares versions.
      why: The deployment should serve the documented model.
      fix: Align the versions.
      examples: [{file: x.yaml, fail: x, pass: y}]
    references: [{standard: Team handbook, clause: section 3}]
";
    let card = "---\nlicense: mit\nversion: 1.2.0\n---\n# m\n";
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: m\n  labels:\n    app.kubernetes.io/version: 1.3.0\nspec:\n  template:\n    spec:\n      containers: [{name: m, image: m}]\n";
    let dir = project(&[("README.md", card), ("deploy/app.yaml", deployment), ("release.yaml", pack)]);
    let run = run_in(dir.path(), &["check", "--format", "json", "--pack", "release", "--rules", "release.yaml", "."]);
    let report = run.json();
    let findings: Vec<&Value> =
        report["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "REL001").collect();
    assert_eq!(findings.len(), 1, "{}", run.stdout);
    assert_eq!(findings[0]["line"], 6);
    assert_eq!(findings[0]["column"], 32);
    assert_eq!(findings[0]["pointer"], "/metadata/labels/app.kubernetes.io~1version");
    assert_eq!(findings[0]["related"][0]["path"], "./README.md");
    assert_eq!(findings[0]["related"][0]["line"], 3);
    assert_eq!(findings[0]["related"][0]["pointer"], "/version");

    // With equal versions the rule is quiet.
    std::fs::write(dir.path().join("deploy/app.yaml"), deployment.replace("1.3.0", "1.2.0")).unwrap();
    let run = run_in(dir.path(), &["check", "--format", "json", "--pack", "release", "--rules", "release.yaml", "."]);
    assert_eq!(codes(&run.json()).iter().filter(|code| *code == "REL001").count(), 0);
}

#[test]
fn project_rule_runs_once() {
    let pack = "pack: layout
version: 1.0.0
description: Project layout.
rules:
  - id: LAY001
    name: project-model-card-missing
    severity: warning
    status: stable
    since: 1.0.0
    applies-to: [{kind: project}]
    then:
      field: artifacts
      schema:
        contains: {properties: {kind: {const: model-card}}, required: [kind]}
    message: the project has no model card
    docs:
      what: Looks for a model card.
      why: Every model needs one.
      fix: Add a README.md with card metadata.
      examples: [{file: x.yaml, fail: x, pass: y}]
    references: [{standard: Team handbook, clause: section 1}]
";
    let config = "output_dir: out\nlearning_rate: 0.1\nper_device_train_batch_size: 8\nseed: 1\n";
    let dir = project(&[("training_args.yaml", config), ("layout.yaml", pack)]);
    let run = run_in(dir.path(), &["check", "--format", "json", "--pack", "layout", "--rules", "layout.yaml", "."]);
    let report = run.json();
    let findings: Vec<&Value> =
        report["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "LAY001").collect();
    assert_eq!(findings.len(), 1, "{}", run.stdout);
    assert_eq!(findings[0]["path"], ".");
    assert_eq!(findings[0]["pointer"], "/artifacts");
    assert_eq!(findings[0]["message"], "the project has no model card");

    std::fs::write(dir.path().join("README.md"), "---\nlicense: mit\n---\n# m\n").unwrap();
    let run = run_in(dir.path(), &["check", "--format", "json", "--pack", "layout", "--rules", "layout.yaml", "."]);
    assert_eq!(codes(&run.json()).iter().filter(|code| *code == "LAY001").count(), 0);
}

#[test]
fn stream_documents_checked_separately() {
    let digest = "a".repeat(64);
    let stream = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: a}}\nspec:\n  template:\n    spec:\n      containers: [{{name: a, image: \"a@sha256:{digest}\"}}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: b}}\nspec:\n  template:\n    spec:\n      containers: [{{name: b, image: b:2.0}}]\n---\n"
    );
    let dir = project(&[("deploy.yaml", &stream)]);
    let report = run_in(dir.path(), &["check", "--format", "json", "--pack", "core", "."]).json();
    let findings: Vec<&Value> =
        report["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "MLC010").collect();
    assert_eq!(findings.len(), 1, "{report}");
    assert_eq!(findings[0]["document"], 1);
    assert_eq!(findings[0]["line"], 15);
    assert_eq!(findings[0]["pointer"], "/spec/template/spec/containers/0/image");
    assert_eq!(findings[0]["message"], "container image \"b:2.0\" uses the tag \"2.0\" without a digest");
}

#[test]
fn empty_front_matter_licence_at_opening_line() {
    // An empty front matter block, with LF and with CRLF line breaks: the missing licence is
    // reported at the opening `---` of each.
    let dir = common::case("31-modelcard-empty-metadata-crlf");
    let report = run(&["check", "--format", "json", "--pack", "core", dir.to_str().unwrap()]).json();
    for file in ["README-crlf.md", "README-lf.md"] {
        let finding = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "MLC001" && d["path"].as_str().unwrap().ends_with(file))
            .unwrap_or_else(|| panic!("{file}: no MLC001 finding"));
        assert_eq!((finding["line"].as_u64(), finding["column"].as_u64()), (Some(1), Some(1)), "{file}");
        assert_eq!(finding["end_column"], 4, "{file}");
        assert_eq!(finding["pointer"], "", "{file}");
    }
}
