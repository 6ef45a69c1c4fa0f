//! Runs the official JSON-Schema-Test-Suite through mlconform's own validation path.
//!
//! Each group's schema is compiled with `compile_value` (the static `$ref` pass, then the
//! `jsonschema` crate with our offline retriever). Each test's data is written out as JSON
//! text, parsed by mlconform's JSON parser and validated with `findings_for`, so the suite
//! also exercises number literals and the conversion from `Node` to `serde_json::Value`.
//!
//! The suite's remote references (`http://localhost:1234/...`) resolve to its `remotes`
//! folder through a `--map-uri` mapping, never over the network.
//!
//! Tests that fail on purpose or through a limitation of the `jsonschema` crate are listed in
//! `json-schema-suite-known-failures.txt` with a reason. The harness fails on a failure that
//! is not listed, and on a listed entry that passes or names no test, so the list stays exact.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use jsonschema::Draft;
use mlconform::schema::findings_for;
use mlconform::schema::user::{compile_value, UriMap, UserSchemaOptions};
use mlconform::source::{self, Limits};
use serde_json::Value as Json;

/// The prefix that the suite's remote references start with.
const REMOTE_PREFIX: &str = "http://localhost:1234/";

/// The drafts we run: the folder name and the draft its schemas default to.
const DRAFTS: &[(&str, Draft)] =
    &[("draft7", Draft::Draft7), ("draft2019-09", Draft::Draft201909), ("draft2020-12", Draft::Draft202012)];

const KNOWN_FAILURES: &str = "tests/json-schema-suite-known-failures.txt";

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/specs/json-schema-test-suite")
}

fn remotes_dir() -> PathBuf {
    let remotes = suite_dir().join("remotes");
    fs::canonicalize(&remotes)
        .unwrap_or_else(|error| panic!("cannot open the suite's remotes folder {}: {error}", remotes.display()))
}

/// Identifies one suite test: `(<draft>/<file>, group description, test description)`.
type TestKey = (String, String, String);

/// The outcome of one suite test that did not match its expected verdict.
struct Failure {
    key: TestKey,
    detail: String,
}

/// Lists the test files of one draft folder, relative to it: the top level, then
/// `optional/format`, each sorted by name.
fn test_files(draft_dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for sub in ["", "optional/format"] {
        let dir = draft_dir.join(sub);
        let entries = fs::read_dir(&dir).unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
        let mut names: Vec<String> = entries
            .map(|entry| entry.expect("readable folder entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .collect();
        names.sort();
        for name in names {
            files.push(if sub.is_empty() { name } else { format!("{sub}/{name}") });
        }
    }
    files
}

/// Validates `data` against a compiled schema the way `mlconform validate` does: JSON text,
/// our parser, then `findings_for`. Returns the number of findings.
fn count_findings(schema: &mlconform::schema::user::UserSchema, data: &Json, limits: &Limits) -> Result<usize, String> {
    let text = serde_json::to_string(data).map_err(|error| format!("cannot serialize the test data: {error}"))?;
    let parsed = source::json::parse(&text, limits);
    if parsed.is_broken() {
        return Err(format!("mlconform's JSON parser rejects the test data {text}: {:?}", parsed.issues));
    }
    let root = parsed
        .documents
        .into_iter()
        .next()
        .and_then(|document| document.root)
        .ok_or_else(|| format!("no document parsed from {text}"))?;
    let mut silenced = Vec::new();
    let json = root.to_json(&mut String::new(), &mut silenced);
    Ok(findings_for(&schema.compiled, &root, &json, &silenced).len())
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|text| text.to_string()))
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// The tests of one suite file that ran, and those among them that failed.
struct FileOutcome {
    tests: Vec<TestKey>,
    failures: Vec<Failure>,
}

/// Runs every test of one suite file. A panic in compiling or validating is caught and
/// recorded as a failure of the test, so one panic does not hide the other results.
fn run_file(draft_name: &str, draft: Draft, file: &str, options: &UserSchemaOptions) -> FileOutcome {
    let path = suite_dir().join("tests").join(draft_name).join(file);
    let text = fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let groups: Vec<Json> = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not a list of test groups: {error}", path.display()));
    let file_id = format!("{draft_name}/{file}");
    let base_uri = format!("file:///json-schema-test-suite/{draft_name}/{file}");

    let mut outcome = FileOutcome { tests: Vec::new(), failures: Vec::new() };
    for group in &groups {
        let group_description = group["description"].as_str().expect("group description").to_string();
        let tests = group["tests"].as_array().expect("group tests");
        let options = UserSchemaOptions { default_draft: draft, ..options.clone() };
        let compiled = panic::catch_unwind(AssertUnwindSafe(|| {
            compile_value(&group["schema"], &base_uri, &options, &[]).map_err(|problem| problem.message)
        }));

        for test in tests {
            let key = (
                file_id.clone(),
                group_description.clone(),
                test["description"].as_str().expect("test description").to_string(),
            );
            let expected = test["valid"].as_bool().expect("test verdict");
            outcome.tests.push(key.clone());
            let schema = match &compiled {
                Ok(Ok(schema)) => schema,
                Ok(Err(message)) => {
                    outcome.failures.push(Failure { key, detail: format!("schema rejected: {message}") });
                    continue;
                }
                Err(payload) => {
                    outcome.failures.push(Failure {
                        key,
                        detail: format!("compiling panicked: {}", panic_message(payload.as_ref())),
                    });
                    continue;
                }
            };
            let findings =
                panic::catch_unwind(AssertUnwindSafe(|| count_findings(schema, &test["data"], &options.limits)));
            let detail = match findings {
                Ok(Ok(findings)) if (findings == 0) == expected => continue,
                Ok(Ok(findings)) => {
                    format!("expected {}, got {findings} finding(s)", if expected { "valid" } else { "invalid" })
                }
                Ok(Err(message)) => message,
                Err(payload) => format!("validating panicked: {}", panic_message(payload.as_ref())),
            };
            outcome.failures.push(Failure { key, detail });
        }
    }
    outcome
}

/// Reads the known-failures list: one `<draft>/<file> :: <group> :: <test> :: <reason>` per
/// line. Blank lines and lines starting with `#` are skipped.
fn read_known_failures() -> BTreeMap<TestKey, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(KNOWN_FAILURES);
    let text = fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let mut known = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.splitn(4, " :: ").collect();
        assert_eq!(
            parts.len(),
            4,
            "{KNOWN_FAILURES}:{}: expected `<draft>/<file> :: <group> :: <test> :: <reason>`, found {line:?}",
            number + 1
        );
        assert!(!parts[3].trim().is_empty(), "{KNOWN_FAILURES}:{}: the reason is empty", number + 1);
        let key = (parts[0].to_string(), parts[1].to_string(), parts[2].to_string());
        let previous = known.insert(key, parts[3].to_string());
        assert!(previous.is_none(), "{KNOWN_FAILURES}:{}: duplicate entry {line:?}", number + 1);
    }
    known
}

#[test]
fn suite_matches_known_failures() {
    let options = UserSchemaOptions {
        default_draft: Draft::Draft202012,
        maps: vec![UriMap { prefix: REMOTE_PREFIX.to_string(), dir: remotes_dir() }],
        limits: Limits::default(),
    };
    let known = read_known_failures();

    let mut all_keys: HashMap<TestKey, usize> = HashMap::new();
    let mut failures: Vec<Failure> = Vec::new();
    for (draft_name, draft) in DRAFTS {
        let draft_dir = suite_dir().join("tests").join(draft_name);
        let mut total = 0;
        let mut failed = 0;
        for file in test_files(&draft_dir) {
            let outcome = run_file(draft_name, *draft, &file, &options);
            total += outcome.tests.len();
            failed += outcome.failures.len();
            for key in outcome.tests {
                *all_keys.entry(key).or_default() += 1;
            }
            failures.extend(outcome.failures);
        }
        let passed = total - failed;
        println!("{draft_name}: {passed}/{total} passed ({:.1}%)", 100.0 * passed as f64 / total as f64);
    }
    let duplicates: Vec<&TestKey> = all_keys.iter().filter(|(_, count)| **count > 1).map(|(key, _)| key).collect();
    assert!(duplicates.is_empty(), "suite tests share a file, group and test description, so {KNOWN_FAILURES} cannot tell them apart: {duplicates:?}");

    let unexpected: Vec<&Failure> = failures.iter().filter(|failure| !known.contains_key(&failure.key)).collect();
    let failed_keys: HashMap<&TestKey, &Failure> = failures.iter().map(|failure| (&failure.key, failure)).collect();
    let now_passing: Vec<&TestKey> =
        known.keys().filter(|key| all_keys.contains_key(*key) && !failed_keys.contains_key(key)).collect();
    let stale: Vec<&TestKey> = known.keys().filter(|key| !all_keys.contains_key(*key)).collect();

    let mut report = String::new();
    if !unexpected.is_empty() {
        report.push_str(&format!("{} suite test(s) failed that {KNOWN_FAILURES} does not list; fix the cause or add a line with the reason:\n", unexpected.len()));
        for failure in &unexpected {
            let (file, group, test) = &failure.key;
            report.push_str(&format!("{file} :: {group} :: {test} :: {}\n", failure.detail));
        }
    }
    if !now_passing.is_empty() {
        report.push_str(&format!(
            "{} test(s) listed in {KNOWN_FAILURES} now pass; remove their lines:\n",
            now_passing.len()
        ));
        for (file, group, test) in &now_passing {
            report.push_str(&format!("{file} :: {group} :: {test}\n"));
        }
    }
    if !stale.is_empty() {
        report.push_str(&format!(
            "{} line(s) in {KNOWN_FAILURES} name no suite test; correct or remove them:\n",
            stale.len()
        ));
        for (file, group, test) in &stale {
            report.push_str(&format!("{file} :: {group} :: {test}\n"));
        }
    }
    assert!(report.is_empty(), "{report}");
}

fn compile_with_defaults(schema: &Json) -> Result<(), String> {
    let options = UserSchemaOptions { default_draft: Draft::Draft202012, maps: Vec::new(), limits: Limits::default() };
    compile_value(schema, "file:///ref-cycles/schema.json", &options, &[])
        .map(|_| ())
        .map_err(|problem| problem.message)
}

#[test]
fn ref_cycle_in_place_rejected() {
    let through_all_of =
        serde_json::json!({"$defs": {"node": {"allOf": [{"$ref": "#/$defs/node"}]}}, "$ref": "#/$defs/node"});
    let through_dependent_schemas = serde_json::json!({"dependentSchemas": {"x": {"$ref": "#"}}});
    let through_dependencies = serde_json::json!({"$schema": "http://json-schema.org/draft-07/schema#", "dependencies": {"x": {"$ref": "#"}, "y": ["x"]}});

    let error =
        compile_with_defaults(&through_all_of).expect_err("a cycle through allOf never moves down the instance");
    assert!(error.contains("loops back to itself"), "unexpected message: {error}");
    assert!(
        compile_with_defaults(&through_dependent_schemas).is_err(),
        "a cycle through dependentSchemas never moves down the instance"
    );
    assert!(
        compile_with_defaults(&through_dependencies).is_err(),
        "a cycle through dependencies never moves down the instance"
    );
}

#[test]
fn ref_cycle_beside_draft7_ref_rejected() {
    // Draft 7 ignores the siblings of `$ref`, but `#/definitions/...` still reaches them.
    let schema = serde_json::json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"node": {"anyOf": [{"$ref": "#/definitions/node"}]}},
        "$ref": "#/definitions/node"
    });

    assert!(compile_with_defaults(&schema).is_err(), "a cycle through anyOf never moves down the instance");
}

#[test]
fn embedded_id_beside_draft7_ref_resolved() {
    let schema = serde_json::json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"inner": {"$id": "http://example.com/inner.json", "type": "integer"}},
        "$ref": "http://example.com/inner.json"
    });

    assert_eq!(compile_with_defaults(&schema), Ok(()));
}

#[test]
fn ref_cycle_into_instance_accepted() {
    let through_properties = serde_json::json!({"$defs": {"node": {"properties": {"next": {"$ref": "#/$defs/node"}}}}, "$ref": "#/$defs/node"});
    let through_items = serde_json::json!({"items": {"$ref": "#"}});
    let dependencies_list_only = serde_json::json!({"$schema": "http://json-schema.org/draft-07/schema#", "dependencies": {"x": ["y"]}, "properties": {"y": {"$ref": "#"}}});

    assert_eq!(compile_with_defaults(&through_properties), Ok(()));
    assert_eq!(compile_with_defaults(&through_items), Ok(()));
    assert_eq!(compile_with_defaults(&dependencies_list_only), Ok(()));
}

/// Finds one suite test and returns its group's schema and its data.
fn suite_case(file: &str, group_description: &str, test_description: &str) -> (Json, Json) {
    let path = suite_dir().join("tests").join(file);
    let groups: Vec<Json> =
        serde_json::from_str(&fs::read_to_string(&path).expect("readable suite file")).expect("suite file is JSON");
    let group = groups
        .iter()
        .find(|group| group["description"] == group_description)
        .unwrap_or_else(|| panic!("no group {group_description:?} in {file}"));
    let test =
        group["tests"].as_array().expect("group tests").iter().find(|test| test["description"] == test_description);
    let test = test.unwrap_or_else(|| panic!("no test {test_description:?} in group {group_description:?} of {file}"));
    (group["schema"].clone(), test["data"].clone())
}

/// Writes a suite case to `schema.json` and `instance.json` in a fresh folder and runs
/// `mlconform validate` on it with `extra_args` before the instance path.
fn run_cli_case(file: &str, group_description: &str, test_description: &str, extra_args: &[&str]) -> Output {
    let (schema, data) = suite_case(file, group_description, test_description);
    let dir = tempfile::TempDir::new().expect("temporary folder");
    let schema_path = dir.path().join("schema.json");
    let instance_path = dir.path().join("instance.json");
    fs::write(&schema_path, serde_json::to_string_pretty(&schema).expect("schema serializes")).expect("schema written");
    fs::write(&instance_path, serde_json::to_string_pretty(&data).expect("data serializes")).expect("instance written");

    Command::new(env!("CARGO_BIN_EXE_mlconform"))
        .arg("validate")
        .arg("--schema")
        .arg(&schema_path)
        .args(extra_args)
        .arg(&instance_path)
        .output()
        .expect("mlconform runs")
}

fn remote_mapping() -> String {
    format!("{REMOTE_PREFIX}={}", remotes_dir().display())
}

fn combined_output(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn cli_mapped_remote_ref_valid() {
    let mapping = remote_mapping();
    let output = run_cli_case(
        "draft2020-12/refRemote.json",
        "ref within remote ref",
        "ref within ref valid",
        &["--map-uri", &mapping],
    );
    assert_eq!(output.status.code(), Some(0), "{}", combined_output(&output));
}

#[test]
fn cli_mapped_remote_ref_invalid() {
    let mapping = remote_mapping();
    let output = run_cli_case(
        "draft2020-12/refRemote.json",
        "ref within remote ref",
        "ref within ref invalid",
        &["--map-uri", &mapping],
    );
    assert_eq!(output.status.code(), Some(1), "{}", combined_output(&output));
}

#[test]
fn cli_unmapped_remote_ref_error() {
    let output = run_cli_case("draft2020-12/refRemote.json", "remote ref", "remote ref valid", &[]);
    let text = combined_output(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("http://localhost:1234/draft2020-12/integer.json"),
        "the error does not name the remote URI:\n{text}"
    );
}
