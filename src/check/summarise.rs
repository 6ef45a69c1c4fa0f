//! The per-file limit on findings: past it, findings are counted instead of listed.

use crate::report::{Finding, Location, OmittedFindings, Severity};

/// The code of the finding that stands for the findings left out of a file's list.
pub const TOO_MANY_FINDINGS: &str = "too-many-findings";

/// Findings counted but not kept, by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Counts {
    pub fn add(&mut self, severity: Severity, count: usize) {
        match severity {
            Severity::Error => self.errors += count,
            Severity::Warning => self.warnings += count,
            Severity::Info => self.infos += count,
        }
    }

    fn total(&self) -> usize {
        self.errors + self.warnings + self.infos
    }

    fn highest(&self) -> Option<Severity> {
        [(self.errors, Severity::Error), (self.warnings, Severity::Warning), (self.infos, Severity::Info)]
            .into_iter()
            .find(|(count, _)| *count > 0)
            .map(|(_, severity)| severity)
    }
}

/// Keeps the first `max` of one file's findings, in position order, and replaces the rest,
/// together with `already_omitted` (issues a parser counted without keeping), by one
/// `too-many-findings` finding. Its severity is the highest of the findings it stands for, so
/// the exit code is what it would be with every finding listed. `max` 0 means no limit.
pub(super) fn summarise(
    findings: &mut Vec<Finding>,
    already_omitted: Counts,
    max: usize,
    path: &str,
) -> Option<OmittedFindings> {
    let mut omitted = already_omitted;
    if max > 0 && findings.len() > max {
        findings.sort_by(|a, b| {
            (a.location.line, a.location.column, &a.code).cmp(&(b.location.line, b.location.column, &b.code))
        });
        for finding in findings.drain(max..) {
            omitted.add(finding.severity, 1);
        }
    }
    let severity = omitted.highest()?;

    let count = omitted.total();
    let mut parts = Vec::new();
    for (n, word) in [(omitted.errors, "error"), (omitted.warnings, "warning"), (omitted.infos, "info")] {
        if n > 0 {
            parts.push(format!("{n} {word}{}", if n == 1 { "" } else { "s" }));
        }
    }
    let message = format!(
        "{count} more finding{} in this file {} not shown ({})",
        if count == 1 { "" } else { "s" },
        if count == 1 { "is" } else { "are" },
        parts.join(", ")
    );
    let help = format!(
        "only the first {max} findings of a file are listed; raise the limit with --max-findings-per-file N, or 0 for no limit"
    );
    findings.push(Finding::new(TOO_MANY_FINDINGS, severity, message, Location::file(path)).with_help(help));
    Some(OmittedFindings {
        path: path.to_string(),
        errors: omitted.errors,
        warnings: omitted.warnings,
        infos: omitted.infos,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(line: usize, severity: Severity) -> Finding {
        let mut location = Location::file("a.yaml");
        location.line = line;
        Finding::new("duplicate-key", severity, format!("at {line}"), location)
    }

    #[test]
    fn keeps_first_findings_and_counts_rest() {
        let mut findings: Vec<Finding> = (1..=5)
            .rev()
            .map(|line| finding(line, if line == 5 { Severity::Error } else { Severity::Warning }))
            .collect();
        let omitted = summarise(&mut findings, Counts::default(), 3, "a.yaml").unwrap();

        assert_eq!((omitted.errors, omitted.warnings, omitted.infos), (1, 1, 0));
        let lines: Vec<usize> = findings.iter().take(3).map(|finding| finding.location.line).collect();
        assert_eq!(lines, [1, 2, 3]);
        let summary = findings.last().unwrap();
        assert_eq!(summary.code, TOO_MANY_FINDINGS);
        assert_eq!(summary.severity, Severity::Error);
        assert_eq!(summary.message, "2 more findings in this file are not shown (1 error, 1 warning)");
    }

    #[test]
    fn under_the_limit_nothing_changes() {
        let mut findings = vec![finding(1, Severity::Error)];
        assert!(summarise(&mut findings, Counts::default(), 3, "a.yaml").is_none());
        assert_eq!(findings.len(), 1);
        assert!(summarise(&mut findings, Counts::default(), 0, "a.yaml").is_none());
    }

    #[test]
    fn parser_counts_are_included() {
        let mut findings = vec![finding(1, Severity::Warning)];
        let mut parsed = Counts::default();
        parsed.add(Severity::Warning, 7);
        let omitted = summarise(&mut findings, parsed, 3, "a.yaml").unwrap();
        assert_eq!(omitted.warnings, 7);
        assert_eq!(findings.last().unwrap().severity, Severity::Warning);
    }
}
