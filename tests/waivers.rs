//! Command-line tests of waivers: inline in YAML and Markdown, and `[[waivers]]` entries of the
//! configuration for JSON, with their exit codes, JSON report fields and human output.

mod common;

use std::path::Path;

use common::{counted, run_in, write_project};
use serde_json::Value;

/// An `hf-trainer` config whose duplicate key (line 5) is waived by the comment above it, and
/// that the default rule packs have nothing else to report on.
const TRAIN_WAIVED: &str = "output_dir: outputs/run\nlearning_rate: 0.00003\nper_device_train_batch_size: 16\nseed: 42\n# mlconform: waive[duplicate-key] reason=\"the launcher reads the last value\" owner=\"ml-platform\" expires=2027-06-30\nseed: 43\neval_strategy: epoch\noptim: adamw_torch\nbf16: true\n";

/// A DeepSpeed config with a misspelled key at `/zero_optimization/stgae`, line 4.
const DEEPSPEED_UNKNOWN_KEY: &str = "{\n  \"train_micro_batch_size_per_gpu\": 16,\n  \"zero_optimization\": {\n    \"stgae\": 2\n  },\n  \"bf16\": {\"enabled\": true}\n}\n";

/// Returns a training config with the waiver comment `comment` on line 5, above a duplicate
/// key.
fn train_with(comment: &str) -> String {
    format!("output_dir: outputs/run\nlearning_rate: 0.00003\nper_device_train_batch_size: 16\nseed: 42\n{comment}\nseed: 43\n")
}

/// Runs `check` with JSON output on 2026-01-15.
fn check_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    check_json_on(dir, "2026-01-15", args)
}

/// Runs `check` with the rule packs' findings ignored, so that the tests see only the parser
/// and schema findings their files are written to produce.
fn check_json_on(dir: &Path, today: &str, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json", "--today", today, "--ignore", "MLC,SEC"];
    all.extend_from_slice(args);
    let run = run_in(dir, &all);
    (run.code, run.json())
}

fn diagnostic<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {report}"))
}

fn position(diagnostic: &Value) -> (u64, u64) {
    (diagnostic["line"].as_u64().unwrap(), diagnostic["column"].as_u64().unwrap())
}

#[test]
fn valid_waiver_covers_finding() {
    let project = write_project(&[("train.yaml", TRAIN_WAIVED)]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 0, "{report}");

    let waived = diagnostic(&report, "duplicate-key");
    assert_eq!(position(waived), (6, 1));
    assert_eq!(waived["waived"]["reason"], "the launcher reads the last value");
    assert_eq!(waived["waived"]["owner"], "ml-platform");
    assert_eq!(waived["waived"]["expires"], "2027-06-30");
    assert_eq!(waived["waived"]["source"], "./train.yaml:5");
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(report["summary"]["waived"], 1);
    assert_eq!(report["files"][0]["status"], "pass");
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 1, "no finding about the waiver");
}

#[test]
fn waived_finding_is_one_line_in_human_output() {
    let project = write_project(&[("train.yaml", TRAIN_WAIVED)]);
    let run = run_in(project.path(), &["check", "--color", "never", "--today", "2026-01-15"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        "waived duplicate-key ./train.yaml:6:1: duplicate key \"seed\" (reason: \"the launcher reads the last value\", owner: ml-platform, expires: 2027-06-30; waiver at ./train.yaml:5)\n1 file checked, 0 skipped: 0 errors, 0 warnings, 0 infos, 1 waived\n"
    );
}

#[test]
fn trailing_waiver_covers_its_line() {
    let text = "output_dir: outputs/run\nlearning_rate: 0.00003\nper_device_train_batch_size: 16\nseed: 42\nseed: 43  # mlconform: waive[duplicate-key] reason=\"kept for the old launcher\"\n";
    let project = write_project(&[("train.yaml", text)]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(diagnostic(&report, "duplicate-key")["waived"]["source"], "./train.yaml:5");
}

#[test]
fn waiver_covers_only_named_rule() {
    let text = "output_dir: outputs/run\nlearning_rate: 0.00003\nper_device_train_batch_size: 16\n# mlconform: waive[yaml-version-difference] reason=\"read by PyYAML, which agrees\"\npush_to_hub: no\n";
    let project = write_project(&[("train.yaml", text)]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 1);
    assert!(diagnostic(&report, "yaml-version-difference").get("waived").is_some());
    assert_eq!(counted(&report), [("./train.yaml".to_string(), "schema-type".to_string())]);
}

#[test]
fn waiver_without_reason_is_an_error() {
    let project =
        write_project(&[("train.yaml", &train_with("# mlconform: waive[duplicate-key] owner=\"ml-platform\""))]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 1);
    let invalid = diagnostic(&report, "waiver-invalid");
    assert_eq!(invalid["severity"], "error");
    assert_eq!(invalid["message"], "the waiver gives no reason");
    assert_eq!(position(invalid), (5, 3));
    assert!(diagnostic(&report, "duplicate-key").get("waived").is_none(), "an invalid waiver covers nothing");
}

#[test]
fn malformed_waiver_is_an_error() {
    let project = write_project(&[(
        "train.yaml",
        &train_with("# mlconform: waive[duplicate-key] reason=\"x\" expiers=2027-01-01"),
    )]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 1);
    let invalid = diagnostic(&report, "waiver-invalid");
    assert_eq!(invalid["message"], "unknown waiver field `expiers`");
    assert_eq!(position(invalid), (5, 46));
    assert!(invalid["help"].as_str().unwrap().starts_with("did you mean `expires`?"));
}

#[test]
fn expired_waiver_stops_applying() {
    let project = write_project(&[("train.yaml", TRAIN_WAIVED)]);
    let (code, report) = check_json_on(project.path(), "2027-07-01", &[]);
    assert_eq!(code, 1);
    let expired = diagnostic(&report, "waiver-expired");
    assert_eq!(expired["severity"], "warning");
    assert_eq!(expired["message"], "waiver for `duplicate-key` expired on 2027-06-30");
    assert_eq!(position(expired), (5, 3));
    assert!(diagnostic(&report, "duplicate-key").get("waived").is_none());
    assert_eq!(report["summary"]["errors"], 1);
}

#[test]
fn waiver_applies_through_its_last_day() {
    let project = write_project(&[("train.yaml", TRAIN_WAIVED)]);
    let (code, report) = check_json_on(project.path(), "2027-06-30", &[]);
    assert_eq!(code, 0, "{report}");
}

#[test]
fn today_must_be_a_date() {
    let project = write_project(&[("train.yaml", TRAIN_WAIVED)]);
    let run = run_in(project.path(), &["check", "--today", "2027-13-01"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("expected a date as YYYY-MM-DD"), "{}", run.stderr);
}

#[test]
fn unused_waiver_is_reported() {
    let project = write_project(&[("train.yaml", &train_with("# mlconform: waive[unknown-key] reason=\"x\""))]);
    let (code, report) = check_json(project.path(), &["--fail-on", "never"]);
    assert_eq!(code, 0);
    let unused = diagnostic(&report, "waiver-unused");
    assert_eq!(unused["severity"], "warning");
    assert_eq!(unused["message"], "waiver for `unknown-key` matched no finding");
    assert_eq!(position(unused), (5, 20));
    let help = unused["help"].as_str().unwrap();
    assert!(help.ends_with("the findings on the lines it covers are `duplicate-key`"), "{help}");

    let (code, _) = check_json(project.path(), &["--fail-on", "warning"]);
    assert_eq!(code, 1);
}

#[test]
fn unused_waiver_can_be_ignored() {
    let project = write_project(&[
        ("mlconform.toml", "ignore = [\"waiver-unused\"]\n"),
        ("train.yaml", &train_with("# mlconform: waive[unknown-key] reason=\"x\"")),
    ]);
    let (_, report) = check_json(project.path(), &[]);
    assert!(report["diagnostics"].as_array().unwrap().iter().all(|d| d["code"] != "waiver-unused"), "{report}");
}

#[test]
fn waiver_for_ignored_finding_is_unused() {
    let project = write_project(&[("mlconform.toml", "ignore = [\"duplicate-key\"]\n"), ("train.yaml", TRAIN_WAIVED)]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(counted(&report), [("./train.yaml".to_string(), "waiver-unused".to_string())]);
}

#[test]
fn json_pointer_waiver_from_config() {
    let project = write_project(&[
        (
            "mlconform.toml",
            "[[waivers]]\nrule = \"unknown-key\"\nfile = \"configs/ds_config.json\"\npointer = \"/zero_optimization\"\nreason = \"read by our DeepSpeed fork\"\nowner = \"training\"\nexpires = 2027-06-30\n",
        ),
        ("configs/ds_config.json", DEEPSPEED_UNKNOWN_KEY),
    ]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 0, "{report}");
    let waived = diagnostic(&report, "unknown-key");
    assert_eq!(waived["pointer"], "/zero_optimization/stgae");
    assert_eq!(waived["waived"]["reason"], "read by our DeepSpeed fork");
    assert_eq!(waived["waived"]["owner"], "training");
    assert_eq!(waived["waived"]["expires"], "2027-06-30");
    assert_eq!(waived["waived"]["source"], "mlconform.toml:1");
}

#[test]
fn config_waiver_with_other_pointer_is_unused() {
    let project = write_project(&[
        ("mlconform.toml", "[[waivers]]\nrule = \"unknown-key\"\nfile = \"configs/*.json\"\npointer = \"/optimizer\"\nreason = \"r\"\n"),
        ("configs/ds_config.json", DEEPSPEED_UNKNOWN_KEY),
    ]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 1);
    assert!(diagnostic(&report, "unknown-key").get("waived").is_none());
    let unused = diagnostic(&report, "waiver-unused");
    assert_eq!(unused["path"], "mlconform.toml");
    assert_eq!(position(unused), (2, 8));
}

#[test]
fn config_waiver_without_reason_is_an_error() {
    let project = write_project(&[
        ("mlconform.toml", "\n[[waivers]]\nrule = \"unknown-key\"\nfile = \"ds_config.json\"\n"),
        ("ds_config.json", DEEPSPEED_UNKNOWN_KEY),
    ]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 1);
    let invalid = diagnostic(&report, "waiver-invalid");
    assert_eq!(invalid["message"], "the waiver gives no reason");
    assert_eq!(invalid["path"], "mlconform.toml");
    assert_eq!(position(invalid), (2, 1));
    assert!(diagnostic(&report, "unknown-key").get("waived").is_none());
}

#[test]
fn expired_config_waiver_is_reported_at_config() {
    let project = write_project(&[
        (
            "mlconform.toml",
            "[[waivers]]\nrule = \"unknown-key\"\nfile = \"ds_config.json\"\nreason = \"r\"\nexpires = 2025-12-31\n",
        ),
        ("ds_config.json", DEEPSPEED_UNKNOWN_KEY),
    ]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 1);
    let expired = diagnostic(&report, "waiver-expired");
    assert_eq!(expired["message"], "waiver for `unknown-key` expired on 2025-12-31");
    assert_eq!(expired["path"], "mlconform.toml");
}

#[test]
fn config_waiver_for_unchecked_file_stays_silent() {
    let project = write_project(&[
        ("mlconform.toml", "[[waivers]]\nrule = \"unknown-key\"\nfile = \"ds_config.json\"\nreason = \"r\"\n"),
        ("ds_config.json", DEEPSPEED_UNKNOWN_KEY),
        ("train.yaml", TRAIN_WAIVED),
    ]);
    let (code, report) = check_json(project.path(), &["train.yaml"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 1, "{report}");
}

#[test]
fn stale_config_waiver_is_unused_when_folder_checked() {
    let project = write_project(&[
        ("mlconform.toml", "[[waivers]]\nrule = \"unknown-key\"\nfile = \"renamed.json\"\nreason = \"r\"\n"),
        ("train.yaml", TRAIN_WAIVED),
    ]);
    let (_, report) = check_json(project.path(), &[]);
    assert_eq!(diagnostic(&report, "waiver-unused")["path"], "mlconform.toml");
}

#[test]
fn markdown_front_matter_waiver() {
    let card = "---\nlicense: mit\nlibrary_name: transformers\nmodel-index:\n  - name: m\n    results:\n      # mlconform: waive[schema-required] reason=\"evaluated on a private set\" owner=eval-team\n      - task:\n          type: text-classification\n        metrics:\n          - type: accuracy\n            value: 0.9\n---\n\n# Model\n";
    let project = write_project(&[("README.md", card)]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 0, "{report}");
    let waived = diagnostic(&report, "schema-required");
    assert_eq!(position(waived), (8, 9));
    assert_eq!(waived["waived"]["source"], "./README.md:7");
}

#[test]
fn markdown_html_comment_waivers_are_read_outside_code() {
    let card = "---\nlicense: mit\n---\n\n# Model\n\n<!-- mlconform: waive[MLC004] reason=\"limitations are in the paper\" -->\n## Limitations\n\n```markdown\n<!-- mlconform: waive[MLC005] reason=\"an example, not a waiver\" -->\n```\n\nWrite `<!-- mlconform: waive[MLC006] reason=\"x\" -->` above a heading.\n";
    let project = write_project(&[("README.md", card)]);
    let (_, report) = check_json(project.path(), &[]);
    let unused: Vec<(u64, u64, &str)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "waiver-unused")
        .map(|d| (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap(), d["message"].as_str().unwrap()))
        .collect();
    assert_eq!(unused, [(7, 23, "waiver for `MLC004` matched no finding")]);
}

#[test]
fn markdown_html_comment_missing_reason() {
    let card = "---\nlicense: mit\n---\n\n# Model\n\n<!-- mlconform: waive[MLC004] owner=docs -->\n## Limitations\n";
    let project = write_project(&[("README.md", card)]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 1);
    let invalid = diagnostic(&report, "waiver-invalid");
    assert_eq!(position(invalid), (7, 6));
}

#[test]
fn front_matter_waiver_covers_whole_card_finding() {
    let card = "---\n# mlconform: waive[MLC012] reason=\"evaluation is in the paper\"\nlicense: mit\nlibrary_name: transformers\n---\n# Model\n\n## Intended Use\nRouting tickets.\n\n## Limitations\nEnglish only.\n\n## Training Data\nTickets.\n";
    let project = write_project(&[("README.md", card)]);
    let run = run_in(project.path(), &["check", "--format", "json", "--today", "2026-01-15", "--pack", "core"]);
    let report = run.json();
    let waived: Vec<&Value> =
        report["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "MLC012").collect();
    assert_eq!(waived.len(), 1, "{report}");
    assert_eq!(waived[0]["line"], 1);
    assert_eq!(waived[0]["waived"]["reason"], "evaluation is in the paper");
    assert_eq!(report["summary"]["waived"], 1);
}
