//! `mlconform check` over the hostile-input corpus that `fixtures/hostile/generate.sh` builds:
//! every hostile file is reported by name, no run panics, hangs or is killed by a signal, no
//! input is changed, and a run stays within generous time and memory bounds.
//!
//! The bounds are guards against a hang or a memory bomb, not benchmarks: measured numbers are
//! in BENCHMARKS.md. Under root the checks run as the user `nobody` (with `setpriv`), because
//! root reads files whatever their permissions and the unreadable entries would be read.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::time::Duration;

use common::hostile::{is_root, peak_child_rss, run_mlconform, snapshot, Corpus, Outcome};
use mlconform::report::redact::display_path;
use serde_json::Value;

/// Upper bound on one run over the whole corpus, in a debug build.
const TIME_BOUND: Duration = Duration::from_secs(30);
/// Upper bound on the peak resident memory of one run.
const MEMORY_BOUND: u64 = 1 << 30;
/// Time after which a run is taken to hang and is killed.
const DEADLINE: Duration = Duration::from_secs(120);

/// Secrets written into the corpus; no output may contain them.
const SECRETS: &[&str] =
    &["sk-proj-Zq4Xv8Lm2Np6Rt0Wy3Bc7Df1Gh5Jk9", "hf_QwErTyUiOpAsDfGhJkLzXcVbNm0123456789", "plain-credential-7f3a"];

fn check(args: &[&OsStr]) -> Outcome {
    let mut all: Vec<&OsStr> = vec![OsStr::new("check")];
    all.extend_from_slice(args);
    run_mlconform(&all, DEADLINE)
}

fn assert_exit_1_or_2(outcome: &Outcome) {
    assert_eq!(outcome.status.signal(), None, "killed by a signal\nstderr:\n{}", outcome.stderr);
    let code = outcome.status.code();
    assert!(matches!(code, Some(1 | 2)), "exit code {code:?}, expected 1 or 2\nstderr:\n{}", outcome.stderr);
}

fn json(outcome: &Outcome) -> Value {
    serde_json::from_str(&outcome.stdout)
        .unwrap_or_else(|error| panic!("stdout is not JSON ({error})\nstderr:\n{}", outcome.stderr))
}

/// The report's entries per path: diagnostic codes, skip reasons, checked files.
struct Listed {
    codes: BTreeMap<String, Vec<String>>,
    skipped: BTreeMap<String, String>,
    checked: BTreeSet<String>,
}

fn listed(report: &Value) -> Listed {
    let mut codes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for diagnostic in report["diagnostics"].as_array().unwrap() {
        let path = diagnostic["path"].as_str().unwrap().to_string();
        codes.entry(path).or_default().push(diagnostic["code"].as_str().unwrap().to_string());
    }
    let skipped = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| (entry["path"].as_str().unwrap().to_string(), entry["reason"].as_str().unwrap().to_string()))
        .collect();
    let checked =
        report["files"].as_array().unwrap().iter().map(|file| file["path"].as_str().unwrap().to_string()).collect();
    Listed { codes, skipped, checked }
}

#[test]
fn corpus_reported_file_by_file() {
    let corpus = Corpus::generate();
    let root = corpus.root();
    let shown_root = display_path(&root);
    let before = snapshot(&root);

    let outcome = check(&[OsStr::new("--format"), OsStr::new("json"), root.as_os_str()]);
    let after = snapshot(&root);

    assert_exit_1_or_2(&outcome);
    let report = json(&outcome);
    assert_eq!(report["tool_errors"], serde_json::json!([]), "no internal error on any input");
    let listed = listed(&report);
    let mut failures = Vec::new();
    for (relative, expectation) in corpus.manifest() {
        let path = format!("{shown_root}/{relative}");
        let codes = listed.codes.get(&path).cloned().unwrap_or_default();
        let skipped = listed.skipped.get(&path);
        let holds = match expectation.split_once(':') {
            Some(("finding", code)) => codes.iter().any(|found| found == code),
            Some(("skipped", reason)) => skipped.is_some_and(|found| found.contains(reason)),
            _ if expectation == "checked" => listed.checked.contains(&path),
            _ if expectation == "folder" => true,
            // Inside an unreadable folder: never read, so never named.
            _ if expectation == "unreachable" => !listed.checked.contains(&path) && codes.is_empty(),
            _ => panic!("unknown expectation {expectation:?} for {relative}"),
        };
        if !holds {
            failures.push(format!("{relative}: expected {expectation}, found codes {codes:?}, skipped {skipped:?}"));
        }
    }
    assert!(failures.is_empty(), "{} entries not reported as expected:\n{}", failures.len(), failures.join("\n"));

    assert_eq!(before, after, "the check changed an entry of the corpus");
    assert!(outcome.elapsed < TIME_BOUND, "the check took {:?}", outcome.elapsed);
    let peak = peak_child_rss();
    assert!(peak < MEMORY_BOUND, "peak resident memory {peak} bytes");
}

#[test]
fn manifest_covers_every_entry() {
    let corpus = Corpus::generate();
    let root = corpus.root();
    let manifest: BTreeSet<String> = corpus.manifest().into_iter().map(|(path, _)| path).collect();

    for path in snapshot(&root).into_keys() {
        if path == root {
            continue;
        }
        let relative = display_path(path.strip_prefix(&root).unwrap());
        assert!(manifest.contains(&relative), "{relative} has no expectation in manifest.tsv");
    }
}

#[test]
fn human_output_masks_secrets_and_controls() {
    let corpus = Corpus::generate();
    let root = corpus.root();

    for format in ["human", "json"] {
        let outcome = check(&[OsStr::new("--format"), OsStr::new(format), OsStr::new("--verbose"), root.as_os_str()]);

        assert_exit_1_or_2(&outcome);
        for secret in SECRETS {
            assert!(!outcome.stdout.contains(secret), "{format} output shows a secret");
        }
        assert!(outcome.stdout.contains("sk-...****"), "{format} output has no masked secret");
        assert!(!outcome.stdout.contains('\u{1b}'), "{format} output contains an escape character");
        // JSON escapes the backslash of `\xFF` once more.
        let escaped_name = if format == "json" { r"bad-\\xFF\\xFE-name.yaml" } else { r"bad-\xFF\xFE-name.yaml" };
        assert!(outcome.stdout.contains(escaped_name), "{format} output lacks the escaped file name");
    }
}

#[test]
fn named_special_files_never_block() {
    let corpus = Corpus::generate();
    let root = corpus.root();
    let fifo = root.join("walk/pipe.yaml");
    let socket = root.join("walk/socket.yaml");
    let device = Path::new("/dev/null");

    let outcome =
        check(&[OsStr::new("--format"), OsStr::new("json"), fifo.as_os_str(), device.as_os_str(), socket.as_os_str()]);

    assert_eq!(outcome.status.code(), Some(0), "stderr:\n{}", outcome.stderr);
    let listed = listed(&json(&outcome));
    assert!(listed.skipped[&display_path(&fifo)].contains("FIFO"));
    assert!(listed.skipped["/dev/null"].contains("character device"));
    if socket.exists() {
        assert!(listed.skipped[&display_path(&socket)].contains("socket"));
    }
}

#[test]
fn named_binary_file_checked() {
    let corpus = Corpus::generate();
    let root = corpus.root();
    let binary = root.join("binary/weights.json");

    let outcome = check(&[OsStr::new("--format"), OsStr::new("json"), binary.as_os_str()]);

    assert_eq!(outcome.status.code(), Some(1), "stderr:\n{}", outcome.stderr);
    let report = json(&outcome);
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["code"], "encoding-error");
    assert_eq!(diagnostic["message"], "invalid UTF-8 at byte offset 0");
}

#[test]
fn follow_links_ends_on_loops() {
    let corpus = Corpus::generate();
    let walk = corpus.root().join("walk");

    let outcome = check(&[OsStr::new("--format"), OsStr::new("json"), OsStr::new("--follow-links"), walk.as_os_str()]);

    assert_exit_1_or_2(&outcome);
    let listed = listed(&json(&outcome));
    let shown = display_path(&walk);
    let cycle = &listed.codes[&format!("{shown}/cycle/up")];
    assert_eq!(cycle, &["read-error"], "the folder loop is a finding");
    let outside = format!("{shown}/leaves-root.yaml");
    assert!(
        listed.checked.contains(&outside)
            || listed.skipped.get(&outside).is_some_and(|reason| !reason.contains("link")),
        "with --follow-links the link leaving the folder is followed"
    );
}

#[test]
fn too_large_names_limit_and_option() {
    let corpus = Corpus::generate();
    let huge = corpus.root().join("big/huge.yaml");

    let outcome = check(&[OsStr::new("--format"), OsStr::new("json"), huge.as_os_str()]);

    assert_eq!(outcome.status.code(), Some(1));
    let report = json(&outcome);
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["code"], "file-too-large");
    assert_eq!(diagnostic["message"], "file is too large to check: 2 GiB, over the limit of 64 MiB for YAML files");
    let help = diagnostic["help"].as_str().unwrap();
    assert!(help.contains("--max-file-size yaml=2GiB"), "{help}");
}

#[test]
fn max_file_size_per_format_applies() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("MLproject"), "name: tiny\nentry_points:\n  main:\n    command: python train.py\n")
        .unwrap();
    fs::write(dir.path().join("data.csv"), "a,b\n1,2\n").unwrap();

    let outcome = check(&[
        OsStr::new("--format"),
        OsStr::new("json"),
        // Only the size limit is under test, not what the rule packs say about the files.
        OsStr::new("--ignore"),
        OsStr::new("MLC,SEC"),
        OsStr::new("--max-file-size"),
        OsStr::new("yaml=10"),
        OsStr::new("--max-file-size"),
        OsStr::new("1"),
        dir.path().as_os_str(),
    ]);

    let report = json(&outcome);
    let listed = listed(&report);
    let shown = display_path(dir.path());
    assert_eq!(listed.codes[&format!("{shown}/MLproject")], ["file-too-large"]);
    assert!(!listed.codes.contains_key(&format!("{shown}/data.csv")), "data files have no size limit");
    assert!(listed.checked.contains(&format!("{shown}/data.csv")));
}

#[test]
fn findings_past_limit_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("duplicates.json");
    let entries: Vec<String> = (0..1_000).map(|_| "\"train_batch_size\": 8".to_string()).collect();
    fs::write(&path, format!("{{\"zero_optimization\": {{\"stage\": 2}}, {}}}", entries.join(", "))).unwrap();

    let ignore_rules = [OsStr::new("--ignore"), OsStr::new("MLC,SEC")];
    let limited =
        check(&[OsStr::new("--format"), OsStr::new("json"), ignore_rules[0], ignore_rules[1], path.as_os_str()]);
    let unlimited = check(&[
        OsStr::new("--format"),
        OsStr::new("json"),
        ignore_rules[0],
        ignore_rules[1],
        OsStr::new("--max-findings-per-file"),
        OsStr::new("0"),
        path.as_os_str(),
    ]);

    assert_eq!(limited.status.code(), Some(1));
    let report = json(&limited);
    let codes: Vec<&str> =
        report["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 101, "100 findings and one summary");
    assert_eq!(codes.iter().filter(|code| **code == "too-many-findings").count(), 1);
    assert_eq!(report["summary"]["errors"], 999);
    assert_eq!(report["summary"]["omitted"], 899);

    let all = json(&unlimited);
    assert_eq!(all["diagnostics"].as_array().unwrap().len(), 999);
    assert_eq!(all["summary"]["errors"], 999);
}

#[test]
fn schema_refs_refused_offline() {
    let corpus = Corpus::generate();
    let schemas = corpus.root().join("schemas");
    let instance = corpus.dir.path().join("instance.json");
    fs::write(&instance, "{\"a\": 1}").unwrap();
    let cases = [
        ("remote-ref.schema.json", "remote retrieval is disabled"),
        ("self-ref.schema.json", "loops back to itself"),
        ("root-self-ref.schema.json", "loops back to itself"),
        ("etc-passwd-ref.schema.json", "outside the schema folders"),
        ("dotdot-ref.schema.json", "outside the schema folders"),
        ("fifo-ref.schema.json", "not a regular file"),
    ];

    for (name, expected) in cases {
        let schema = schemas.join(name);
        let outcome = run_mlconform(
            &[
                OsStr::new("validate"),
                OsStr::new("--format"),
                OsStr::new("json"),
                OsStr::new("--schema"),
                schema.as_os_str(),
                instance.as_os_str(),
            ],
            DEADLINE,
        );

        assert_eq!(outcome.status.code(), Some(2), "{name}\nstderr:\n{}", outcome.stderr);
        let report = json(&outcome);
        let error = &report["tool_errors"][0];
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(expected), "{name}: {message}");
        assert!(error["path"].as_str().unwrap().ends_with(name), "{name}: {error}");
        assert!(!outcome.stdout.contains("root:x:0:0"), "{name}: /etc/passwd was read");
    }
}

#[test]
fn report_never_written_over_input() {
    let corpus = Corpus::generate();
    let target = corpus.root().join("yaml/truncated.yaml");
    let link = corpus.dir.path().join("report-link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let before = fs::read(&target).unwrap();

    for output in [&target, &link] {
        let outcome = check(&[OsStr::new("--output"), output.as_os_str(), target.as_os_str()]);

        assert_eq!(outcome.status.code(), Some(2), "stderr:\n{}", outcome.stderr);
        assert!(outcome.stderr.contains("refusing to write the report over"), "{}", outcome.stderr);
        assert_eq!(fs::read(&target).unwrap(), before);
    }
}

#[test]
fn unreadable_entries_are_findings_not_errors() {
    if !is_root() && !can_drop_read_permission() {
        return;
    }
    let corpus = Corpus::generate();
    let unreadable = corpus.root().join("walk/unreadable.yaml");
    let readable = corpus.root().join("yaml/truncated.yaml");

    let outcome = check(&[OsStr::new("--format"), OsStr::new("json"), unreadable.as_os_str(), readable.as_os_str()]);

    assert_eq!(outcome.status.code(), Some(1), "stderr:\n{}", outcome.stderr);
    let listed = listed(&json(&outcome));
    assert_eq!(listed.codes[&display_path(&unreadable)], ["read-error"]);
    assert_eq!(listed.codes[&display_path(&readable)], ["syntax-error"]);
}

/// True when a file without read permission is unreadable to this process, which is not so
/// for root or a process with CAP_DAC_OVERRIDE.
fn can_drop_read_permission() -> bool {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe");
    fs::write(&path, "x").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    fs::read(&path).is_err()
}

/// Runs `check --format json` on the example project with a panic injected at `stage` in the
/// work on `file`.
fn check_with_injected_panic(stage: &str, file: &str) -> common::Run {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mlconform"))
        .args(["check", "--format", "json", "fixtures/example-project"])
        .current_dir(common::root())
        .env(mlconform::check::INJECT_PANIC_VARIABLE, format!("{stage}:{file}"))
        .output()
        .expect("the binary runs");
    common::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn panic_in_one_file_caught() {
    if !cfg!(debug_assertions) {
        // Release builds ignore the injection variable.
        return;
    }
    for stage in ["check", "rules"] {
        let run = check_with_injected_panic(stage, "ds_config.json");

        assert_eq!(run.code, 2, "{stage}: a caught panic is a tool error\nstderr:\n{}", run.stderr);
        let report = run.json();
        let errors = report["tool_errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{stage}: {errors:?}");
        let message = errors[0]["message"].as_str().unwrap();
        assert!(message.starts_with("internal error while"), "{stage}: {message}");
        assert!(message.contains("configs/ds_config.json"), "{stage}: the error names the file: {message}");
        // The other files are still checked and their findings reported.
        let paths: BTreeSet<&str> =
            report["diagnostics"].as_array().unwrap().iter().filter_map(|d| d["path"].as_str()).collect();
        assert!(paths.iter().any(|path| path.ends_with("inference-service.yaml")), "{stage}: {paths:?}");
    }
}

#[test]
fn deeply_nested_schema_compiles() {
    // 4000 levels overflowed the 8 MiB main thread while the schema compiled.
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("deep.schema.json");
    let instance = dir.path().join("instance.json");
    let levels = 4000;
    let text = format!("{}{{\"type\": \"integer\"}}{}", "{\"items\": ".repeat(levels), "}".repeat(levels));
    fs::write(&schema, text).unwrap();
    fs::write(&instance, "[[1]]").unwrap();

    let outcome = run_mlconform(
        &[
            OsStr::new("validate"),
            OsStr::new("--max-depth"),
            OsStr::new("10000"),
            OsStr::new("--schema"),
            schema.as_os_str(),
            instance.as_os_str(),
        ],
        DEADLINE,
    );

    assert_eq!(outcome.status.signal(), None, "killed by a signal\nstderr:\n{}", outcome.stderr);
    assert_eq!(outcome.status.code(), Some(0), "stderr:\n{}", outcome.stderr);
}

#[test]
fn fifo_given_to_options_never_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let data = dir.path().join("data.csv");
    fs::write(&data, "x\n1\n2\n").unwrap();
    let fifo = fifo.to_str().unwrap();
    let data = data.to_str().unwrap();
    let table_schema = format!("{data}={fifo}");
    let commands: [&[&str]; 7] = [
        &["check", "--config", fifo, data],
        &["check", "--rules", fifo, data],
        &["check", "--table-schema", &table_schema, data],
        &["scaler", fifo],
        &["scaler", data, "--params", fifo],
        &["scaler", "merge", fifo],
        &["check", "--kind", "data", fifo],
    ];

    for args in commands {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let outcome = run_mlconform(&args, Duration::from_secs(30));

        assert!(outcome.elapsed < Duration::from_secs(30), "{args:?} blocked on the FIFO");
        assert_eq!(outcome.status.signal(), None, "{args:?} was killed\nstderr:\n{}", outcome.stderr);
        let code = outcome.status.code();
        assert!(matches!(code, Some(0..=2)), "{args:?}: exit code {code:?}\nstderr:\n{}", outcome.stderr);
    }
}

#[test]
fn report_rewritten_but_never_over_walked_input() {
    let project = common::write_project(&[("configs/ds_config.json", "{\"train_batch_size\": 8, \"fp16\": {}}\n")]);
    let config = project.path().join("configs/ds_config.json");
    let before = fs::read(&config).unwrap();

    // The previous run's report lies in the walked folder; the next run replaces it.
    for run in 1..=2 {
        let outcome = common::run_in(project.path(), &["check", ".", "--format", "json", "-o", "report.json"]);
        assert!(matches!(outcome.code, 0 | 1), "run {run}: exit {}\nstderr:\n{}", outcome.code, outcome.stderr);
        let written = fs::read_to_string(project.path().join("report.json")).unwrap();
        assert!(written.contains("\"report_version\""), "run {run} wrote no JSON report");
    }

    // A file the walk checked is never overwritten, although it was not named.
    let outcome = common::run_in(project.path(), &["check", ".", "-o", "configs/ds_config.json"]);
    assert_eq!(outcome.code, 2, "stderr:\n{}", outcome.stderr);
    assert!(outcome.stderr.contains("refusing to write the report over"), "{}", outcome.stderr);
    assert_eq!(fs::read(&config).unwrap(), before);
}

#[test]
fn empty_card_with_forced_kind_is_checked() {
    for text in ["", "# Only a title\n"] {
        let project = common::write_project(&[("README.md", text)]);

        let run = common::run_in(project.path(), &["check", "--kind", "model-card", "--format", "json", "README.md"]);

        assert_eq!(run.code, 1, "{text:?}: an empty card fails\n{}", run.stdout);
        let report = run.json();
        assert_eq!(report["files"][0]["schema"], "model-card/hf@1.0.0", "{text:?}");
        let codes: Vec<&str> =
            report["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
        assert!(codes.contains(&"MLC001"), "{text:?}: the licence rule runs: {codes:?}");
    }
}
