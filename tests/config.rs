//! Command-line tests of the configuration: discovery, precedence, every setting, the errors
//! of a broken configuration, `--show-config` and `mlconform init`. Each test writes a small
//! project into a temporary folder and runs the binary there.

mod common;

use std::path::Path;

use common::{counted, run_in, write_project};
use serde_json::Value;

/// An `hf-trainer` training config with a duplicate key on line 5, and no finding of the
/// default rule packs.
const TRAIN_DUPLICATE: &str = "output_dir: outputs/run\nlearning_rate: 0.00003\nper_device_train_batch_size: 16\nseed: 42\nseed: 43\neval_strategy: epoch\noptim: adamw_torch\nbf16: true\n";

/// A DeepSpeed config with a misspelled key at `/zero_optimization/stgae`, line 4.
const DEEPSPEED_UNKNOWN_KEY: &str = "{\n  \"train_micro_batch_size_per_gpu\": 16,\n  \"zero_optimization\": {\n    \"stgae\": 2\n  },\n  \"bf16\": {\"enabled\": true}\n}\n";

/// A model card whose evaluation result lacks its dataset (`schema-required` on line 7).
const CARD_MISSING_DATASET: &str = "---\nlicense: mit\nlibrary_name: transformers\nmodel-index:\n  - name: m\n    results:\n      - task:\n          type: text-classification\n        metrics:\n          - type: accuracy\n            value: 0.9\n---\n\n# Model\n";

/// A training config whose only finding is a warning: `3e-5` reads as a string in YAML 1.1.
const TRAIN_WARNING_ONLY: &str = "output_dir: outputs/run\nlearning_rate: 3e-5\nper_device_train_batch_size: 16\nseed: 42\neval_strategy: epoch\noptim: adamw_torch\nbf16: true\n";

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(path, code)| (path.to_string(), code.to_string())).collect()
}

fn check_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let run = run_in(dir, &all);
    (run.code, run.json())
}

#[test]
fn discovery_from_nested_path() {
    let project = write_project(&[
        ("mlconform.toml", "ignore = [\"duplicate-key\"]\n"),
        ("configs/deep/train.yaml", TRAIN_DUPLICATE),
    ]);

    let (code, report) = check_json(project.path(), &["configs/deep/train.yaml"]);
    assert_eq!(code, 0, "{report}");
    assert!(counted(&report).is_empty());

    let (code, report) = check_json(&project.path().join("configs/deep"), &["train.yaml"]);
    assert_eq!(code, 0, "{report}");
    assert!(counted(&report).is_empty());
}

#[test]
fn without_config_findings_stay() {
    let project = write_project(&[("configs/deep/train.yaml", TRAIN_DUPLICATE)]);
    let (code, report) = check_json(project.path(), &["configs/deep/train.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(counted(&report), pairs(&[("configs/deep/train.yaml", "duplicate-key")]));
}

#[test]
fn nearest_config_wins_per_file() {
    let project = write_project(&[
        ("mlconform.toml", "ignore = [\"duplicate-key\"]\n"),
        ("train.yaml", TRAIN_DUPLICATE),
        ("sub/mlconform.toml", "# no settings: the defaults, not the parent's\n"),
        ("sub/train.yaml", TRAIN_DUPLICATE),
    ]);
    let (code, report) = check_json(project.path(), &["."]);
    assert_eq!(code, 1);
    assert_eq!(counted(&report), pairs(&[("./sub/train.yaml", "duplicate-key")]));
}

#[test]
fn pyproject_table_is_used() {
    let project = write_project(&[
        ("pyproject.toml", "[project]\nname = \"demo\"\n\n[tool.mlconform]\nignore = [\"duplicate-key\"]\n"),
        ("train.yaml", TRAIN_DUPLICATE),
    ]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 0, "{report}");
    assert!(counted(&report).is_empty());
}

#[test]
fn pyproject_without_table_is_passed_over() {
    let project = write_project(&[
        ("mlconform.toml", "ignore = [\"duplicate-key\"]\n"),
        ("app/pyproject.toml", "[project]\nname = \"app\"\n"),
        ("app/train.yaml", TRAIN_DUPLICATE),
    ]);
    let (code, report) = check_json(project.path(), &["app"]);
    assert_eq!(code, 0, "the parent's mlconform.toml applies: {report}");
}

#[test]
fn mlconform_toml_wins_over_pyproject() {
    let project = write_project(&[
        // The rule packs are ignored so that only the parser and schema findings remain.
        ("mlconform.toml", "ignore = [\"duplicate-key\", \"MLC\", \"SEC\"]\n"),
        ("pyproject.toml", "[tool.mlconform]\nfail-on = \"never\"\n"),
        ("train.yaml", TRAIN_DUPLICATE),
        ("card/README.md", CARD_MISSING_DATASET),
    ]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 1, "pyproject's fail-on = never is not read");
    assert_eq!(counted(&report), pairs(&[("./card/README.md", "schema-required")]));
}

#[test]
fn config_option_overrides_discovery() {
    let project = write_project(&[
        ("mlconform.toml", "ignore = [\"duplicate-key\"]\n"),
        ("ci/strict.toml", "ignore = [\"unknown-key\"]\n"),
        ("train.yaml", TRAIN_DUPLICATE),
        ("ds_config.json", DEEPSPEED_UNKNOWN_KEY),
    ]);
    let (code, report) = check_json(project.path(), &["--config", "ci/strict.toml"]);
    assert_eq!(code, 1);
    assert_eq!(counted(&report), pairs(&[("./train.yaml", "duplicate-key")]));
}

#[test]
fn config_option_with_missing_file_fails() {
    let project = write_project(&[("train.yaml", TRAIN_DUPLICATE)]);
    let run = run_in(project.path(), &["check", "--config", "nowhere.toml", "--format", "json"]);
    assert_eq!(run.code, 2);
    let message = run.json()["tool_errors"][0]["message"].as_str().unwrap().to_string();
    assert!(message.starts_with("cannot read the configuration file nowhere.toml: "), "{message}");
}

#[test]
fn unknown_key_is_a_tool_error_with_suggestion() {
    let project = write_project(&[
        ("mlconform.toml", "fail-on = \"error\"\nselct = [\"duplicate-key\"]\n"),
        ("train.yaml", TRAIN_DUPLICATE),
    ]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 2);
    let error = &report["tool_errors"][0];
    assert_eq!(error["message"], "unknown configuration key `selct`");
    assert_eq!(error["path"], "mlconform.toml");
    assert_eq!((error["line"].as_u64(), error["column"].as_u64()), (Some(2), Some(1)));
    assert!(error["help"].as_str().unwrap().starts_with("did you mean `select`?"));
    assert_eq!(report["files"].as_array().unwrap().len(), 0, "nothing is checked with a broken configuration");

    let human = run_in(project.path(), &["check", "--color", "never"]);
    assert_eq!(human.code, 2);
    assert!(human.stdout.contains("unknown configuration key `selct`"), "{}", human.stdout);
    assert!(human.stdout.contains("[mlconform.toml:2:1]"), "{}", human.stdout);
    assert!(human.stdout.contains("did you mean `select`?"), "{}", human.stdout);
}

#[test]
fn wrong_type_is_a_located_tool_error() {
    let project =
        write_project(&[("mlconform.toml", "\n\nignore = \"duplicate-key\"\n"), ("train.yaml", TRAIN_DUPLICATE)]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 2);
    let error = &report["tool_errors"][0];
    assert_eq!(error["message"], "`ignore` must be an array of strings, not a string");
    assert_eq!((error["line"].as_u64(), error["column"].as_u64()), (Some(3), Some(10)));
}

#[test]
fn broken_nested_config_is_a_tool_error() {
    let project = write_project(&[
        ("train.yaml", TRAIN_DUPLICATE),
        ("sub/mlconform.toml", "fail-on = 3\n"),
        ("sub/train.yaml", TRAIN_DUPLICATE),
    ]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 2);
    let error = &report["tool_errors"][0];
    assert_eq!(error["message"], "`fail-on` must be a string, not an integer");
    assert_eq!(error["path"], "sub/mlconform.toml");
}

fn mixed_project(config: &str) -> tempfile::TempDir {
    write_project(&[
        ("mlconform.toml", config),
        ("train.yaml", TRAIN_DUPLICATE),
        ("ds_config.json", DEEPSPEED_UNKNOWN_KEY),
        ("README.md", CARD_MISSING_DATASET),
    ])
}

#[test]
fn select_in_file_keeps_only_matches() {
    let project = mixed_project("select = [\"duplicate-key\", \"unknown-key\"]\n");
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(counted(&report), pairs(&[("./ds_config.json", "unknown-key"), ("./train.yaml", "duplicate-key")]));
}

#[test]
fn ignore_on_command_line_adds_to_file() {
    let project = mixed_project("select = [\"duplicate-key\", \"unknown-key\"]\n");
    let (_, report) = check_json(project.path(), &["--ignore", "unknown-key"]);
    assert_eq!(counted(&report), pairs(&[("./train.yaml", "duplicate-key")]));
}

#[test]
fn select_on_command_line_replaces_file() {
    let project = mixed_project("select = [\"duplicate-key\", \"unknown-key\"]\n");
    let (_, report) = check_json(project.path(), &["--select", "schema-required"]);
    assert_eq!(counted(&report), pairs(&[("./README.md", "schema-required")]));
}

#[test]
fn ignore_accepts_commas_and_repeats() {
    let project = mixed_project("");
    let (code, report) = check_json(project.path(), &["--ignore", "duplicate-key,unknown-key,MLC,SEC"]);
    assert_eq!(code, 1);
    assert_eq!(counted(&report), pairs(&[("./README.md", "schema-required")]));
    let (_, report) = check_json(project.path(), &["--ignore", "duplicate-key,MLC,SEC", "--ignore", "schema-required"]);
    assert_eq!(counted(&report), pairs(&[("./ds_config.json", "unknown-key")]));
}

#[test]
fn invalid_selector_on_command_line_is_rejected() {
    let project = mixed_project("");
    let run = run_in(project.path(), &["check", "--ignore", "Duplicate Key"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is not a rule id or id prefix"), "{}", run.stderr);
}

#[test]
fn severity_override_changes_exit_code() {
    let project = write_project(&[
        ("mlconform.toml", "[severity]\nduplicate-key = \"warning\"\n"),
        ("train.yaml", TRAIN_DUPLICATE),
    ]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["diagnostics"][0]["severity"], "warning");
    assert_eq!(report["summary"]["warnings"], 1);
    assert_eq!(report["files"][0]["status"], "pass");

    let (code, _) = check_json(project.path(), &["--fail-on", "warning"]);
    assert_eq!(code, 1);
}

#[test]
fn severity_off_removes_finding() {
    let project =
        write_project(&[("mlconform.toml", "[severity]\nduplicate-key = \"off\"\n"), ("train.yaml", TRAIN_DUPLICATE)]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 0);
}

#[test]
fn per_file_ignores_apply_to_matching_files() {
    let project = write_project(&[
        ("mlconform.toml", "[per-file-ignores]\n\"legacy/*.yaml\" = [\"duplicate-key\"]\n"),
        ("legacy/train.yaml", TRAIN_DUPLICATE),
        ("current/train.yaml", TRAIN_DUPLICATE),
    ]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(counted(&report), pairs(&[("./current/train.yaml", "duplicate-key")]));
}

#[test]
fn fail_on_from_config_and_command_line() {
    let project = write_project(&[("mlconform.toml", "fail-on = \"warning\"\n"), ("train.yaml", TRAIN_WARNING_ONLY)]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 1, "{report}");
    let (code, _) = check_json(project.path(), &["--fail-on", "error"]);
    assert_eq!(code, 0, "the command line wins");
}

#[test]
fn kind_override_classifies_unrecognised_file() {
    // The logger keeps the default packs quiet, so that only schema findings remain.
    let manifest = "metadata:\n  name: router\nspec:\n  predictor:\n    logger: {mode: all}\n";
    let without = write_project(&[("serving/router.yaml", manifest)]);
    let (_, report) = check_json(without.path(), &[]);
    assert_eq!(report["files"].as_array().unwrap().len(), 0, "unrecognised: {report}");

    let project = write_project(&[
        ("mlconform.toml", "[kinds]\n\"serving/*.yaml\" = \"deployment-manifest/kserve\"\n"),
        ("serving/router.yaml", manifest),
    ]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 1, "{report}");
    let file = &report["files"][0];
    assert_eq!(file["kind"], "deployment-manifest");
    assert_eq!(file["flavor"], "kserve");
    assert_eq!(file["schema"], "deployment-manifest/kserve@1.0.0");
    assert!(counted(&report).iter().all(|(_, code)| code.starts_with("schema-")), "{report}");

    let verbose = run_in(project.path(), &["check", "--verbose", "--color", "never"]);
    assert!(
        verbose
            .stdout
            .contains("kind set to deployment-manifest/kserve by `kinds` \"serving/*.yaml\" at mlconform.toml:2:1"),
        "{}",
        verbose.stdout
    );
}

#[test]
fn schema_pin_from_config() {
    let card = "{\n  \"schema_version\": \"0.0.2\",\n  \"model_details\": {\"name\": \"fraud-gbm\"}\n}\n";
    let project =
        write_project(&[("mlconform.toml", "schema-versions = [\"model-card/mct@0.0.1\"]\n"), ("card.json", card)]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(report["files"][0]["schema"], "model-card/mct@0.0.1");
    assert_eq!(code, 1);
    assert_eq!(report["diagnostics"][0]["pointer"], "/schema_version");

    let (code, report) = check_json(project.path(), &["--schema-version", "model-card/mct@0.0.2"]);
    assert_eq!(report["files"][0]["schema"], "model-card/mct@0.0.2", "the command line wins");
    assert_eq!(code, 0, "{report}");
}

#[test]
fn exclude_from_config_skips_walked_files() {
    let project = write_project(&[
        ("mlconform.toml", "exclude = [\"outputs/\"]\n"),
        ("outputs/run1/train.yaml", TRAIN_DUPLICATE),
    ]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 0);
    let skipped = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|skipped| skipped["path"] == "./outputs/run1/train.yaml")
        .unwrap_or_else(|| panic!("not skipped: {report}"));
    assert_eq!(skipped["reason"], "excluded by `exclude` in mlconform.toml");

    let (code, _) = check_json(project.path(), &["outputs/run1/train.yaml"]);
    assert_eq!(code, 1, "a file named on the command line is still checked");
}

#[test]
fn nested_run_level_setting_is_reported() {
    let project = write_project(&[
        ("mlconform.toml", "packs = [\"core@1\"]\n"),
        ("sub/mlconform.toml", "\npacks = [\"eu-ai-act@1\"]\n"),
        ("sub/train.yaml", TRAIN_WARNING_ONLY),
    ]);
    let (code, report) = check_json(project.path(), &[]);
    assert_eq!(code, 0);
    let conflict = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "config-setting-ignored")
        .unwrap_or_else(|| panic!("no conflict reported: {report}"));
    assert_eq!(conflict["path"], "sub/mlconform.toml");
    assert_eq!((conflict["line"].as_u64(), conflict["column"].as_u64()), (Some(2), Some(1)));
    assert_eq!(
        conflict["message"],
        "`packs` here is not used: it applies to the whole run, which takes it from mlconform.toml"
    );
}

#[test]
fn show_config_names_origins() {
    let project = write_project(&[
        ("mlconform.toml", "fail-on = \"warning\"\nignore = [\"duplicate-key\"]\n[severity]\nMLC001 = \"info\"\n"),
        ("train.yaml", TRAIN_DUPLICATE),
    ]);
    let run = run_in(project.path(), &["check", "--show-config", "--ignore", "MLC002"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().map(str::trim_end).collect();
    let line_of = |start: &str| -> String {
        lines
            .iter()
            .find(|line| line.starts_with(start))
            .unwrap_or_else(|| panic!("no {start}:\n{}", run.stdout))
            .to_string()
    };
    assert!(line_of("fail-on = \"warning\"").ends_with("# mlconform.toml:1:1"));
    assert!(line_of("    \"duplicate-key\",").ends_with("# mlconform.toml:2:11"));
    assert!(line_of("    \"MLC002\",").ends_with("# command line (--ignore)"));
    assert!(line_of("\"MLC001\" = \"info\"").ends_with("# mlconform.toml:4:1"));
    assert!(line_of("packs = [\"core\", \"security\"]").ends_with("# default"));
    assert_eq!(line_of("# Configuration for"), "# Configuration for .: mlconform.toml");
}

#[test]
fn show_config_output_is_valid_config() {
    let project = write_project(&[(
        "mlconform.toml",
        "select = [\"MLC\"]\n[per-file-ignores]\n\"a/*.md\" = [\"MLC001\"]\n[kinds]\n\"x.yaml\" = \"model-card\"\n[[waivers]]\nrule = \"unknown-key\"\nfile = \"ds.json\"\nreason = \"kept \\\"as is\\\"\"\nexpires = 2027-01-31\n",
    )]);
    let run = run_in(project.path(), &["check", "--show-config"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let copy = write_project(&[("mlconform.toml", &run.stdout)]);
    let again = run_in(copy.path(), &["check", "--show-config"]);
    assert_eq!(again.code, 0, "the printed configuration reads back: {}", again.stdout);
    let strip = |text: &str| -> Vec<String> {
        text.lines().map(|line| line.split("  #").next().unwrap().trim_end().to_string()).collect()
    };
    assert_eq!(strip(&again.stdout), strip(&run.stdout));
}

#[test]
fn show_config_as_json() {
    let project = write_project(&[("mlconform.toml", "ignore = [\"duplicate-key\"]\n")]);
    let run = run_in(project.path(), &["check", "--show-config", "--format", "json", "--ignore", "MLC"]);
    assert_eq!(run.code, 0);
    let shown = run.json();
    let config = &shown["configurations"][0];
    assert_eq!(config["file"], "mlconform.toml");
    assert_eq!(config["run_configuration"], true);
    let ignore = &config["settings"]["ignore"];
    assert_eq!(ignore[0]["value"], "duplicate-key");
    assert_eq!(ignore[0]["source"], "mlconform.toml:1:11");
    assert_eq!(ignore[1]["value"], "MLC");
    assert_eq!(ignore[1]["source"], "command line (--ignore)");
    assert_eq!(config["settings"]["select"], Value::Null);
    assert_eq!(config["settings"]["fail-on"]["source"], "default");
}

#[test]
fn show_config_without_any_file() {
    let project = write_project(&[("train.yaml", TRAIN_DUPLICATE)]);
    let run = run_in(project.path(), &["check", "--show-config"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("# Configuration for .: no configuration file (defaults)\n"), "{}", run.stdout);
}

/// Copies the folder `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn init_example_project() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&common::root().join("fixtures/example-project"), dir.path());
    std::fs::create_dir(dir.path().join("outputs")).unwrap();

    let run = run_in(dir.path(), &["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "wrote ./mlconform.toml: found 1 model-card, 2 training-config, 1 deployment-manifest, 1 data; packs core@1, security@1, model-cards@1\n"
    );
    let written = std::fs::read_to_string(dir.path().join("mlconform.toml")).unwrap();
    insta::assert_snapshot!(written);

    let shown = run_in(dir.path(), &["check", "--show-config"]);
    assert_eq!(shown.code, 0, "the written file is a valid configuration: {}", shown.stdout);
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let project = write_project(&[("mlconform.toml", "fail-on = \"never\"\n"), ("train.yaml", TRAIN_DUPLICATE)]);
    let run = run_in(project.path(), &["init"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, "error: ./mlconform.toml already exists; pass --force to overwrite it\n");
    let kept = std::fs::read_to_string(project.path().join("mlconform.toml")).unwrap();
    assert_eq!(kept, "fail-on = \"never\"\n");

    let forced = run_in(project.path(), &["init", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    let written = std::fs::read_to_string(project.path().join("mlconform.toml")).unwrap();
    assert!(written.contains("#   training-config (hf-trainer), 1 file: train.yaml\n"), "{written}");
}

#[test]
fn init_refuses_beside_pyproject_table() {
    let project = write_project(&[("pyproject.toml", "[tool.mlconform]\nfail-on = \"never\"\n")]);
    let run = run_in(project.path(), &["init"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("already configures mlconform in [tool.mlconform]"), "{}", run.stderr);
    assert!(!project.path().join("mlconform.toml").exists());
}

#[test]
fn init_on_named_folder() {
    let project = write_project(&[("ml/train.yaml", TRAIN_DUPLICATE)]);
    let run = run_in(project.path(), &["init", "ml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(project.path().join("ml/mlconform.toml")).unwrap();
    assert!(written.contains("packs = [\"core@1\", \"security@1\"]\n"), "{written}");
}
