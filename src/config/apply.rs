//! The stage after checking: selection, per-file ignores and severity overrides from each
//! file's configuration, then waivers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::pattern::{relative_to, Specificity};
use super::{CommandLine, Config, Configs, Origin, Selector};
use crate::report::waivers::{self, Comment, Date, Scope, Statement};
use crate::report::{Finding, Report, Severity, Status};

/// Codes that `select` never removes, because they mean a file or a waiver could not be read
/// as intended, which no selection should hide. `ignore`, `per-file-ignores` and `[severity]`
/// still remove them when they name the exact code.
const ALWAYS_SELECTED: [&str; 11] = [
    "read-error",
    "encoding-error",
    "file-too-large",
    "syntax-error",
    "front-matter-unclosed",
    "nesting-too-deep",
    "alias-limit",
    "waiver-invalid",
    "waiver-expired",
    "waiver-unused",
    "config-setting-ignored",
];

/// Applies the configuration and the waivers to the findings of a finished run.
///
/// With `configs`, each finding goes through the `select`, `ignore`, `per-file-ignores` and
/// `[severity]` of its file's configuration and the command line. Then the inline waivers in
/// `comments` and the `[[waivers]]` of every configuration read mark the findings they cover
/// (waivers expire after `today`), and the findings about waivers are filtered the same way.
/// Last, each checked file's status is recomputed from the findings that still count.
pub fn apply(report: &mut Report, configs: Option<&Configs>, comments: Vec<Comment>, today: Date) {
    if let Some(configs) = configs {
        report.findings.extend(setting_conflicts(configs));
        let findings = std::mem::take(&mut report.findings);
        report.findings = filter(findings, configs);
    }

    let mut statements: Vec<Statement> = comments.into_iter().map(Statement::from_comment).collect();
    // For each statement, the configuration and index of its `[[waivers]]` entry.
    let mut entries: Vec<Option<(Arc<Config>, usize)>> = vec![None; statements.len()];
    if let Some(configs) = configs {
        let checked: Vec<PathBuf> = report.files.iter().map(|file| configs.absolute(Path::new(&file.path))).collect();
        for config in configs.loaded() {
            let Some(file) = config.file.clone() else { continue };
            for (index, waiver) in config.waivers.iter().enumerate() {
                let covers_checked_file = checked.iter().any(|path| entry_covers_path(configs, &config, index, path));
                let line = match &waiver.origin {
                    Origin::File { line, .. } => *line,
                    _ => 0,
                };
                statements.push(Statement {
                    source: file.source.clone(),
                    span: waiver.span,
                    label: format!("{}:{line}", file.source.path),
                    scope: Scope::Entry,
                    content: waiver.content.clone(),
                    report_unused: covers_checked_file || configs.walks_whole_folder(&config),
                });
                entries.push(Some((config.clone(), index)));
            }
        }
    }

    let covers = |index: usize, finding: &Finding| -> bool {
        let (Some(configs), Some(Some((config, entry)))) = (configs, entries.get(index)) else {
            return false;
        };
        let path = configs.absolute(Path::new(&finding.location.path));
        let pointer_ok = config.waivers[*entry]
            .pointer
            .as_deref()
            .is_none_or(|pointer| pointer_covers(pointer, &finding.location.pointer));
        pointer_ok && entry_covers_path(configs, config, *entry, &path)
    };
    let about_waivers = waivers::apply(&mut report.findings, &statements, today, &covers);
    let about_waivers = match configs {
        Some(configs) => filter(about_waivers, configs),
        None => about_waivers,
    };
    report.findings.extend(about_waivers);

    if let Some(configs) = configs {
        report.tool_errors.extend(configs.take_errors());
    }
    update_statuses(report);
}

/// Returns whether `[[waivers]]` entry `entry` of `config` covers the file at the absolute
/// `path`: the file's configuration is `config` and the entry's pattern matches it.
fn entry_covers_path(configs: &Configs, config: &Arc<Config>, entry: usize, path: &Path) -> bool {
    let Some(file) = &config.file else { return false };
    let Some(pattern) = &config.waivers[entry].file else { return false };
    let Some(relative) = relative_to(path, &file.base) else { return false };
    Arc::ptr_eq(&configs.config_for(path), config) && pattern.matches(&relative)
}

/// Returns whether a waiver's JSON Pointer covers a finding's: the same node or one below it.
fn pointer_covers(waiver: &str, finding: &str) -> bool {
    finding == waiver || (finding.starts_with(waiver) && finding[waiver.len()..].starts_with('/'))
}

/// Removes the findings that the configuration deselects and sets overridden severities.
fn filter(findings: Vec<Finding>, configs: &Configs) -> Vec<Finding> {
    let mut per_path: HashMap<String, (Arc<Config>, Option<PathBuf>)> = HashMap::new();
    let mut kept = Vec::with_capacity(findings.len());
    for mut finding in findings {
        let (config, relative) = per_path.entry(finding.location.path.clone()).or_insert_with(|| {
            let config = configs.config_for(Path::new(&finding.location.path));
            let relative = configs.relative_in(&config, Path::new(&finding.location.path));
            (config, relative)
        });
        if let Some(severity) = decide(config, &configs.command_line, relative.as_deref(), &finding) {
            finding.severity = severity;
            kept.push(finding);
        }
    }
    kept
}

/// Returns the severity `finding` keeps under `config` and the command line, or `None` when it
/// is removed. `relative` is the finding's file relative to the configuration's folder.
///
/// A finding is selected by the most specific matching entry of `select` (every finding when
/// `select` is not set) and removed by a matching `ignore` entry at least as specific, so that
/// `select = ["EUA012"]` wins over `ignore = ["EUA"]`. `per-file-ignores` then removes it
/// even when `select` names it. Of the `[severity]` entries that match, the most specific
/// wins, and among equally specific ones the last.
pub(super) fn decide(
    config: &Config,
    command_line: &CommandLine,
    relative: Option<&Path>,
    finding: &Finding,
) -> Option<Severity> {
    let selectors: Option<Vec<&Selector>> = match (&command_line.select, &config.select) {
        (Some(selectors), _) => Some(selectors.iter().collect()),
        (None, Some(selectors)) => Some(selectors.iter().map(|selector| &selector.value).collect()),
        (None, None) => None,
    };
    let mut selected = match &selectors {
        Some(selectors) => most_specific(selectors.iter().copied(), finding),
        None => Some(Specificity::ANY),
    };
    if ALWAYS_SELECTED.contains(&finding.code.as_str()) {
        selected = selected.max(Some(Specificity::ANY));
    }
    let ignored =
        most_specific(config.ignore.iter().map(|selector| &selector.value).chain(command_line.ignore.iter()), finding);
    match (selected, ignored) {
        (None, _) => return None,
        (Some(selected), Some(ignored)) if ignored >= selected => return None,
        _ => {}
    }

    if let Some(relative) = relative {
        let ignored_here = config.per_file_ignores.iter().any(|entry| {
            entry.pattern.matches(relative)
                && entry.selectors.iter().any(|selector| selector.specificity(finding).is_some())
        });
        if ignored_here {
            return None;
        }
    }

    let mut chosen: Option<(Specificity, Option<Severity>)> = None;
    for entry in &config.severity {
        if let Some(specificity) = entry.selector.specificity(finding) {
            if chosen.is_none_or(|(best, _)| specificity >= best) {
                chosen = Some((specificity, entry.severity));
            }
        }
    }
    match chosen {
        Some((_, severity)) => severity,
        None => Some(finding.severity),
    }
}

fn most_specific<'a>(selectors: impl Iterator<Item = &'a Selector>, finding: &Finding) -> Option<Specificity> {
    selectors.filter_map(|selector| selector.specificity(finding)).max()
}

/// Reports the run-level settings of configurations other than the run configuration that
/// differ from what the run uses.
fn setting_conflicts(configs: &Configs) -> Vec<Finding> {
    let run = configs.run_config();
    let settings = configs.run_settings();
    let taken_from = |from_command_line: bool, origin: Option<&Origin>| match (from_command_line, origin) {
        (true, _) => "the command line".to_string(),
        (false, Some(Origin::File { path, .. })) => path.clone(),
        _ => "the defaults".to_string(),
    };
    let command_line = &configs.command_line;

    let mut findings = Vec::new();
    for config in configs.loaded() {
        if Arc::ptr_eq(&config, run) {
            continue;
        }
        let Some(file) = &config.file else { continue };
        let mut conflicts: Vec<(&str, &Origin, String)> = Vec::new();
        if let Some(packs) = &config.packs {
            let mut mine = packs.value.clone();
            let mut used = settings.packs.clone();
            mine.sort();
            used.sort();
            if mine != used {
                let origin = run.packs.as_ref().map(|packs| &packs.origin);
                conflicts.push(("packs", &packs.origin, taken_from(!command_line.packs.is_empty(), origin)));
            }
        }
        if let Some(rules) = &config.rules {
            if rules.value != settings.rule_files {
                let origin = run.rules.as_ref().map(|rules| &rules.origin);
                conflicts.push(("rules", &rules.origin, taken_from(!command_line.rule_files.is_empty(), origin)));
            }
        }
        if let Some(fail_on) = &config.fail_on {
            if fail_on.value != settings.fail_on {
                let origin = run.fail_on.as_ref().map(|fail_on| &fail_on.origin);
                conflicts.push(("fail-on", &fail_on.origin, taken_from(command_line.fail_on.is_some(), origin)));
            }
        }
        if let Some(pins) = &config.schema_versions {
            if pins.value.iter().any(|pin| !settings.pins.contains(pin)) {
                let origin = run.schema_versions.as_ref().map(|pins| &pins.origin);
                let from_command_line = !command_line.schema_versions.is_empty();
                conflicts.push(("schema-versions", &pins.origin, taken_from(from_command_line, origin)));
            }
        }

        for (key, origin, source) in conflicts {
            let Origin::File { span, .. } = origin else { continue };
            let message =
                format!("`{key}` here is not used: it applies to the whole run, which takes it from {source}");
            let folder = configs.display(&file.base);
            let mut finding = Finding::new(
                "config-setting-ignored",
                Severity::Warning,
                message,
                file.source.locate(*span, ""),
            )
            .with_note("packs, rules, schema-versions and fail-on come from the configuration of the first path checked, or from --config")
            .with_help(format!("check this project in a run of its own: `mlconform check {folder}`"));
            finding.source = Some(file.source.clone());
            findings.push(finding);
        }
    }
    findings
}

/// Recomputes the status of each file that was checked: it fails when an error-severity
/// finding still counts.
fn update_statuses(report: &mut Report) {
    let failing: std::collections::HashSet<&str> = report
        .findings
        .iter()
        .filter(|finding| finding.waiver.is_none() && finding.severity == Severity::Error)
        .map(|finding| finding.location.path.as_str())
        .collect();
    for file in &mut report.files {
        if file.status != Status::Error {
            file.status = if failing.contains(file.path.as_str()) { Status::Fail } else { Status::Pass };
        }
    }
}

#[cfg(test)]
mod tests;
