//! Snapshots of what users see: the human and JSON reports on the bundled example project and
//! the help text of every command. Review changes with `cargo insta review`.

mod common;

use common::run;

/// Replaces the version so that a release does not change every snapshot.
fn without_version(text: &str) -> String {
    text.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn example_project_human() {
    let run = run(&["check", "--color", "never", "fixtures/example-project"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn example_project_json() {
    let run = run(&["check", "--format", "json", "fixtures/example-project"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(without_version(&run.stdout));
}

#[test]
fn example_project_verbose() {
    let run = run(&["check", "--color", "never", "--verbose", "--fail-on", "never", "fixtures/example-project"]);
    assert_eq!(run.code, 0);
    let listing: String =
        run.stdout.lines().take_while(|line| !line.is_empty()).map(|line| format!("{line}\n")).collect();
    insta::assert_snapshot!(listing);
}

#[test]
fn help_texts() {
    for command in
        [&["--help"][..], &["check", "--help"], &["validate", "--help"], &["schemas", "--help"], &["init", "--help"]]
    {
        let run = run(command);
        assert_eq!(run.code, 0, "{command:?}");
        insta::assert_snapshot!(format!("help_{}", command.join("_").replace("--", "")), run.stdout);
    }
}

#[test]
fn schemas_list() {
    let run = run(&["schemas"]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn human_report_follows_columns() {
    for width in [60, 160] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_mlconform"))
            .args(["check", "fixtures/example-project"])
            .current_dir(common::root())
            .env("NO_COLOR", "1")
            .env("COLUMNS", width.to_string())
            .output()
            .unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        let widest = text.lines().map(|line| line.chars().count()).max().unwrap();
        // Excerpt lines are source lines and may run past the width; help text wraps.
        let help_widest = text
            .lines()
            .filter(|line| line.trim_start().starts_with("help:"))
            .map(|line| line.chars().count())
            .max()
            .unwrap();
        assert!(help_widest <= width, "COLUMNS={width}: a help line is {help_widest} wide");
        assert!(widest > width / 2, "COLUMNS={width}: the widest line is {widest}");
    }
}

#[test]
fn truncated_file_error_has_caret() {
    let project = common::write_project(&[("ds_config.json", "{\"train_batch_size\": [1, 2")]);

    let run = common::run_in(project.path(), &["check", "ds_config.json"]);

    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("ds_config.json:1:27]"), "{}", run.stdout);
    let caret = run.stdout.lines().find(|line| line.trim_start().starts_with(": ") && line.contains('^'));
    assert!(caret.is_some(), "no label drawn under the end of the file:\n{}", run.stdout);
}
