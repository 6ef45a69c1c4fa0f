use super::*;
use crate::report::Severity;

/// Writes `text` as `name` in a new temporary folder and reads it.
fn read_named(name: &str, text: &str) -> (tempfile::TempDir, Result<Option<Config>, Vec<ToolError>>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let result = load(&path, name.to_string());
    (dir, result)
}

fn read(text: &str) -> Config {
    match read_named("mlconform.toml", text).1 {
        Ok(Some(config)) => config,
        Ok(None) => panic!("not a configuration"),
        Err(errors) => panic!("errors: {:?}", errors.iter().map(|error| &error.message).collect::<Vec<_>>()),
    }
}

/// Reads `text` and returns its errors as `(line, column, message, help)`.
fn errors(text: &str) -> Vec<(usize, usize, String, Option<String>)> {
    match read_named("mlconform.toml", text).1 {
        Ok(_) => panic!("no error for {text}"),
        Err(errors) => errors
            .into_iter()
            .map(|error| {
                let location = error.location.expect("located");
                (location.line, location.column, error.message, error.help)
            })
            .collect(),
    }
}

#[test]
fn every_key_reads() {
    let config = read(
        r#"
packs = ["core@1", "eu-ai-act@1.0.0"]
select = ["MLC", "duplicate-key"]
ignore = ["MLC010"]
fail-on = "warning"
exclude = ["outputs/"]
schema-versions = ["model-card/mct@0.0.1"]

[severity]
MLC001 = "info"
yaml-version-difference = "off"

[per-file-ignores]
"tests/**" = ["MLC", "SEC"]

[kinds]
"deploy/*.yaml" = "deployment-manifest"
"cards/*.json" = "model-card/mct"

[[waivers]]
rule = "unknown-key"
file = "configs/ds_config.json"
pointer = "/zero_optimization/stgae"
reason = "read by our fork of DeepSpeed"
owner = "training-team"
expires = 2027-06-30
"#,
    );
    assert_eq!(config.packs.unwrap().value, ["core@1", "eu-ai-act@1.0.0"]);
    let select: Vec<String> = config.select.unwrap().iter().map(|selector| selector.value.to_string()).collect();
    assert_eq!(select, ["MLC", "duplicate-key"]);
    assert_eq!(config.ignore[0].value.as_str(), "MLC010");
    assert_eq!(config.fail_on.unwrap().value, Some(Severity::Warning));
    assert!(config.exclude_set.unwrap().excludes(Path::new("outputs/a.yaml")));
    assert_eq!(config.schema_versions.unwrap().value[0].to_string(), "model-card/mct@0.0.1");
    assert_eq!(config.severity.len(), 2);
    assert_eq!(config.severity[0].severity, Some(Severity::Info));
    assert_eq!(config.severity[1].severity, None);
    assert!(config.per_file_ignores[0].pattern.matches(Path::new("tests/a/b.yaml")));
    assert_eq!(config.kinds[0].kind, Kind::DeploymentManifest);
    assert_eq!(config.kinds[0].flavor, None);
    assert_eq!(config.kinds[1].flavor, Some("mct"));
    let waiver = &config.waivers[0];
    assert_eq!(waiver.pointer.as_deref(), Some("/zero_optimization/stgae"));
    let (rules, terms) = waiver.content.as_ref().unwrap();
    assert_eq!(rules[0].text, "unknown-key");
    assert_eq!(terms.owner.as_deref(), Some("training-team"));
    assert_eq!(terms.expires.unwrap().to_string(), "2027-06-30");
}

#[test]
fn origins_name_file_line_and_column() {
    let config = read("\nfail-on = \"never\"\n");
    let origin = config.fail_on.unwrap().origin;
    assert_eq!(origin.to_string(), "mlconform.toml:2:1");
}

#[test]
fn unknown_key_suggests_the_nearest() {
    let found = errors("selct = [\"MLC\"]\n");
    assert_eq!(found.len(), 1);
    let (line, column, message, help) = &found[0];
    assert_eq!((*line, *column), (1, 1));
    assert_eq!(message, "unknown configuration key `selct`");
    assert!(help.as_deref().unwrap().starts_with("did you mean `select`?"));
}

#[test]
fn snake_case_key_suggests_kebab_case() {
    let found = errors("fail_on = \"warning\"\n");
    assert!(found[0].3.as_deref().unwrap().starts_with("did you mean `fail-on`?"));
}

#[test]
fn wrong_types_are_located() {
    let found = errors("select = \"MLC\"\nignore = [\"MLC\", 3]\n[severity]\nMLC001 = 2\n");
    let messages: Vec<(usize, usize, &str)> =
        found.iter().map(|(line, column, message, _)| (*line, *column, message.as_str())).collect();
    assert_eq!(
        messages,
        [
            (1, 10, "`select` must be an array of strings, not a string"),
            (2, 18, "`ignore` must be an array of strings, but item 2 is an integer"),
            (4, 10, "`severity.MLC001` must be a string, not an integer"),
        ]
    );
    assert_eq!(found[0].3.as_deref(), Some("write `select = [\"MLC\"]`"));
}

#[test]
fn all_errors_are_collected() {
    assert_eq!(errors("a = 1\nb = 2\nfail-on = \"sometimes\"\n").len(), 3);
}

#[test]
fn invalid_values_are_errors() {
    let cases = [
        ("fail-on = \"warnings\"\n", "invalid `fail-on` value \"warnings\""),
        ("packs = [\"Core\"]\n", "invalid pack `Core`"),
        ("packs = [\"core@1\", \"core@1\"]\n", "pack `core@1` is listed twice"),
        ("packs = [\"core@v1\"]\n", "invalid pack `core@v1`"),
        ("select = [\"Dup-key\"]\n", "`Dup-key` is not a rule id or id prefix (such as `MLC001` or `EUA`), a rule name or a finding code (such as `duplicate-key`)"),
        ("[severity]\nMLC001 = \"fatal\"\n", "invalid severity \"fatal\""),
        ("[kinds]\n\"x/*.yaml\" = \"model_card\"\n", "unknown kind `model_card`"),
        ("[kinds]\n\"x/*.yaml\" = \"model-card/hugging-face\"\n", "unknown flavor `hugging-face` of model-card"),
        ("schema-versions = [\"model-card/mct@9\"]\n", "no embedded schema model-card/mct@9"),
        ("schema-versions = [\"model-card/zzz@1\"]\n", "no embedded schema for model-card/zzz"),
        ("schema-versions = [\"model-card\"]\n", "invalid schema version `model-card`"),
        ("rules = [\"missing.yaml\"]\n", "rule pack file not found: missing.yaml"),
        ("severity = \"off\"\n", "`severity` must be a table, not a string"),
        ("[[waivers]]\nrule = \"x\"\nreasn = \"y\"\n", "unknown waiver key `reasn`"),
        ("[[waivers]]\nreason = 5\n", "`waivers.reason` must be a string, not an integer"),
        ("waivers = 3\n", "`waivers` must be an array of tables, not an integer"),
    ];
    for (text, expected) in cases {
        let found = errors(text);
        assert_eq!(found[0].2, expected, "{text}");
    }
}

#[test]
fn invalid_glob_is_an_error() {
    let found = errors("[kinds]\n\"x/{a\" = \"model-card\"\n");
    assert!(found[0].2.starts_with("invalid file pattern `x/{a`: "), "{}", found[0].2);
    assert_eq!((found[0].0, found[0].1), (2, 1));
}

#[test]
fn suggestions_for_values() {
    let found = errors("[kinds]\n\"x/*.yaml\" = \"model-crad\"\n");
    assert!(found[0].3.as_deref().unwrap().starts_with("did you mean `model-card`?"));
    let found = errors("fail-on = \"warnign\"\n");
    assert!(found[0].3.as_deref().unwrap().starts_with("did you mean `warning`?"));
}

#[test]
fn schema_pinned_twice_is_an_error() {
    let found = errors("schema-versions = [\"model-card/mct@0.0.1\", \"model-card/mct@0.0.2\"]\n");
    assert_eq!(found[0].2, "model-card/mct is pinned twice, to 0.0.1 and 0.0.2");
}

#[test]
fn invalid_toml_is_located() {
    let found = errors("fail-on = \n");
    assert_eq!(found.len(), 1);
    assert!(found[0].2.starts_with("invalid TOML: "), "{}", found[0].2);
    assert_eq!(found[0].0, 1);
}

#[test]
fn waiver_content_problems_are_kept_not_raised() {
    let config = read("[[waivers]]\nrule = \"unknown-key\"\nfile = \"a.json\"\n\n[[waivers]]\nfile = \"a.json\"\nreason = \"r\"\n\n[[waivers]]\nrule = \"x\"\nreason = \"r\"\n\n[[waivers]]\nrule = \"x\"\nfile = \"a.json\"\nreason = \"r\"\npointer = \"zero\"\n\n[[waivers]]\nrule = \"x\"\nfile = \"a.json\"\nreason = \"r\"\nexpires = \"2027-02-30\"\n");
    let problems: Vec<String> =
        config.waivers.iter().map(|waiver| waiver.content.as_ref().unwrap_err().message.clone()).collect();
    assert_eq!(
        problems,
        [
            "the waiver gives no reason",
            "the waiver names no rule",
            "the waiver names no file",
            "invalid JSON Pointer `zero`",
            "invalid expiry date `2027-02-30`",
        ]
    );
}

#[test]
fn waiver_expiry_string_and_time() {
    let config = read("[[waivers]]\nrule = \"x\"\nfile = \"a.json\"\nreason = \"r\"\nexpires = \"2027-06-30\"\n\n[[waivers]]\nrule = \"x\"\nfile = \"a.json\"\nreason = \"r\"\nexpires = 2027-06-30T10:00:00\n");
    assert!(config.waivers[0].content.is_ok());
    let problem = config.waivers[1].content.as_ref().unwrap_err();
    assert_eq!(problem.message, "invalid expiry date `2027-06-30T10:00:00`");
}

#[test]
fn pyproject_without_table_is_not_a_config() {
    let (_dir, result) = read_named("pyproject.toml", "[project]\nname = \"x\"\n");
    assert!(matches!(result, Ok(None)));
    let (_dir, result) = read_named("pyproject.toml", "[project\nname = \"x\"\n");
    assert!(matches!(result, Ok(None)), "broken TOML that never mentions mlconform is passed over");
}

#[test]
fn pyproject_table_is_read_with_prefixed_keys() {
    let (_dir, result) =
        read_named("pyproject.toml", "[project]\nname = \"x\"\n\n[tool.mlconform]\nfail-on = \"info\"\n");
    let config = result.unwrap().unwrap();
    assert_eq!(config.fail_on.unwrap().value, Some(Severity::Info));

    let (_dir, result) = read_named("pyproject.toml", "[tool.mlconform]\nfailon = \"info\"\n");
    let errors = result.unwrap_err();
    assert_eq!(errors[0].message, "unknown configuration key `tool.mlconform.failon`");
    assert_eq!(errors[0].location.as_ref().unwrap().line, 2);
}

#[test]
fn rules_resolve_from_the_config_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(dir.path().join("rules/ours.yaml"), "pack: ours\n").unwrap();
    let path = dir.path().join("mlconform.toml");
    std::fs::write(&path, "rules = [\"./rules/../rules/ours.yaml\"]\n").unwrap();
    let config = load(&path, "mlconform.toml".to_string()).unwrap().unwrap();
    assert_eq!(config.rules.unwrap().value, [dir.path().join("rules/ours.yaml")]);
}

#[test]
fn pack_references() {
    for valid in ["core", "core@1", "eu-ai-act@1.0", "iso-iec-42001@1.0.0"] {
        assert!(is_pack_reference(valid), "{valid}");
    }
    for invalid in ["", "Core", "core@", "core@1.0.0.0", "core@x", "-core", "core--x", "core@1..0"] {
        assert!(!is_pack_reference(invalid), "{invalid}");
    }
}
