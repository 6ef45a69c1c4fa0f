//! Tests of `decide` with hand-made findings, including findings of rules, so that matching by
//! rule id, id prefix and rule name is covered before any rule pack exists.

use super::*;
use crate::config::{PathPattern, PerFileIgnore, SeverityOverride, Sourced};
use crate::report::{Location, RuleRef};

fn rule_finding(id: &str, name: &str, severity: Severity) -> Finding {
    let mut finding = Finding::new(id, severity, String::new(), Location::file("card/README.md"));
    finding.rule = Some(RuleRef::stable(id, name));
    finding
}

fn code_finding(code: &str) -> Finding {
    Finding::new(code, Severity::Error, String::new(), Location::file("card/README.md"))
}

fn selectors(texts: &[&str]) -> Vec<Sourced<Selector>> {
    texts.iter().map(|text| Sourced { value: Selector::parse(text).unwrap(), origin: Origin::Default }).collect()
}

fn severity(selector: &str, severity: Option<Severity>) -> SeverityOverride {
    SeverityOverride { selector: Selector::parse(selector).unwrap(), severity, origin: Origin::Default }
}

fn license() -> Finding {
    rule_finding("MLC001", "model-card-license-missing", Severity::Error)
}

fn decide_plain(config: &Config, finding: &Finding) -> Option<Severity> {
    decide(config, &CommandLine::default(), Some(Path::new("card/README.md")), finding)
}

#[test]
fn no_settings_keep_everything() {
    assert_eq!(decide_plain(&Config::default(), &license()), Some(Severity::Error));
}

#[test]
fn select_keeps_only_matches() {
    let config = Config { select: Some(selectors(&["EUA"])), ..Config::default() };
    assert_eq!(decide_plain(&config, &license()), None);
    assert_eq!(decide_plain(&config, &code_finding("duplicate-key")), None);
    let eu = rule_finding("EUA004", "technical-documentation-missing", Severity::Warning);
    assert_eq!(decide_plain(&config, &eu), Some(Severity::Warning));
}

#[test]
fn select_by_name_and_code() {
    let config =
        Config { select: Some(selectors(&["model-card-license-missing", "duplicate-key"])), ..Config::default() };
    assert!(decide_plain(&config, &license()).is_some());
    assert!(decide_plain(&config, &code_finding("duplicate-key")).is_some());
    assert!(decide_plain(&config, &code_finding("schema-required")).is_none());
}

#[test]
fn select_never_hides_unreadable_files() {
    let config = Config { select: Some(selectors(&["EUA"])), ..Config::default() };
    assert!(decide_plain(&config, &code_finding("syntax-error")).is_some());
    assert!(decide_plain(&config, &code_finding("waiver-invalid")).is_some());
}

#[test]
fn ignore_by_exact_code_still_drops_unreadable_files() {
    let config = Config { ignore: selectors(&["syntax-error"]), ..Config::default() };
    assert!(decide_plain(&config, &code_finding("syntax-error")).is_none());
}

#[test]
fn ignore_by_id_prefix_and_name() {
    for ignored in ["MLC001", "MLC", "MLC0", "model-card-license-missing"] {
        let config = Config { ignore: selectors(&[ignored]), ..Config::default() };
        assert_eq!(decide_plain(&config, &license()), None, "{ignored}");
    }
    let config = Config { ignore: selectors(&["MLC002", "EUA", "model-card"]), ..Config::default() };
    assert!(decide_plain(&config, &license()).is_some());
}

#[test]
fn more_specific_select_beats_ignore() {
    let config = Config { select: Some(selectors(&["MLC001"])), ignore: selectors(&["MLC"]), ..Config::default() };
    assert!(decide_plain(&config, &license()).is_some());
}

#[test]
fn equally_specific_ignore_wins() {
    let config = Config { select: Some(selectors(&["MLC"])), ignore: selectors(&["MLC"]), ..Config::default() };
    assert!(decide_plain(&config, &license()).is_none());
    let config = Config {
        select: Some(selectors(&["MLC001"])),
        ignore: selectors(&["model-card-license-missing"]),
        ..Config::default()
    };
    assert!(decide_plain(&config, &license()).is_none());
}

#[test]
fn command_line_select_replaces_and_ignore_adds() {
    let config = Config { select: Some(selectors(&["EUA"])), ignore: selectors(&["MLC002"]), ..Config::default() };
    let command_line = CommandLine {
        select: Some(vec![Selector::parse("MLC").unwrap()]),
        ignore: vec![Selector::parse("MLC003").unwrap()],
        ..CommandLine::default()
    };
    let decide_with = |finding: &Finding| decide(&config, &command_line, None, finding);
    assert!(decide_with(&license()).is_some(), "selected on the command line");
    assert!(decide_with(&rule_finding("EUA004", "x", Severity::Error)).is_none(), "file select replaced");
    assert!(decide_with(&rule_finding("MLC002", "x", Severity::Error)).is_none(), "file ignore kept");
    assert!(decide_with(&rule_finding("MLC003", "x", Severity::Error)).is_none(), "command-line ignore added");
}

#[test]
fn per_file_ignores_match_path_and_selector() {
    let config = Config {
        per_file_ignores: vec![PerFileIgnore {
            pattern: PathPattern::new(Path::new("/p"), "card/*.md").unwrap(),
            selectors: vec![Selector::parse("MLC").unwrap()],
            origin: Origin::Default,
        }],
        ..Config::default()
    };
    assert!(decide(&config, &CommandLine::default(), Some(Path::new("card/README.md")), &license()).is_none());
    assert!(decide(&config, &CommandLine::default(), Some(Path::new("other/README.md")), &license()).is_some());
    assert!(decide(&config, &CommandLine::default(), None, &license()).is_some(), "outside the config's folder");
    let other = code_finding("duplicate-key");
    assert!(decide(&config, &CommandLine::default(), Some(Path::new("card/README.md")), &other).is_some());
}

#[test]
fn per_file_ignores_beat_select() {
    let config = Config {
        select: Some(selectors(&["MLC001"])),
        per_file_ignores: vec![PerFileIgnore {
            pattern: PathPattern::new(Path::new("/p"), "*.md").unwrap(),
            selectors: vec![Selector::parse("MLC").unwrap()],
            origin: Origin::Default,
        }],
        ..Config::default()
    };
    assert!(decide_plain(&config, &license()).is_none());
}

#[test]
fn severity_override_by_id_name_and_code() {
    let config = Config { severity: vec![severity("MLC001", Some(Severity::Info))], ..Config::default() };
    assert_eq!(decide_plain(&config, &license()), Some(Severity::Info));
    let config =
        Config { severity: vec![severity("model-card-license-missing", Some(Severity::Warning))], ..Config::default() };
    assert_eq!(decide_plain(&config, &license()), Some(Severity::Warning));
    let config = Config { severity: vec![severity("duplicate-key", Some(Severity::Info))], ..Config::default() };
    assert_eq!(decide_plain(&config, &code_finding("duplicate-key")), Some(Severity::Info));
}

#[test]
fn severity_most_specific_wins_then_last() {
    let config = Config {
        severity: vec![severity("MLC001", Some(Severity::Info)), severity("MLC", Some(Severity::Warning))],
        ..Config::default()
    };
    assert_eq!(decide_plain(&config, &license()), Some(Severity::Info));
    let config = Config {
        severity: vec![
            severity("MLC001", Some(Severity::Info)),
            severity("model-card-license-missing", Some(Severity::Warning)),
        ],
        ..Config::default()
    };
    assert_eq!(decide_plain(&config, &license()), Some(Severity::Warning));
}

#[test]
fn severity_off_removes() {
    let config = Config { severity: vec![severity("MLC", None)], ..Config::default() };
    assert_eq!(decide_plain(&config, &license()), None);
}

#[test]
fn pointers_cover_their_subtree() {
    assert!(pointer_covers("/a", "/a"));
    assert!(pointer_covers("/a", "/a/b/0"));
    assert!(!pointer_covers("/a", "/ab"));
    assert!(pointer_covers("", "/a"));
    assert!(!pointer_covers("/a/b", "/a"));
}
