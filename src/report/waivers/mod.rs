//! Waivers: accepted exceptions to findings, written where an auditor can read them.
//!
//! A waiver is written either as a comment in the file ([`scan`]), on the finding's line or
//! on a line of its own above it, or as a `[[waivers]]` entry of the configuration, which
//! names a file and a JSON Pointer and so also works for JSON. Each waiver names one or more
//! rules (by id or name) or finding codes, gives a reason, and may give an owner and the last
//! day it applies.
//!
//! [`apply`] marks each finding a waiver covers: the finding stays in the report with the
//! waiver attached and no longer counts. Problems with the waivers themselves become findings:
//! `waiver-invalid` (error) for a waiver that cannot be read or gives no reason, which then
//! waives nothing; `waiver-expired` (warning) for a waiver past its date, which then waives
//! nothing; and `waiver-unused` (warning) for each rule of a waiver that matched no finding.

pub mod date;
pub mod directive;
pub mod scan;

use std::collections::HashMap;
use std::sync::Arc;

use crate::source::Span;

use super::{Finding, Severity, SourceText, Waiver};
pub use date::Date;
pub use directive::RuleToken;
pub use scan::{scan, Comment};

/// A problem in a waiver's text, located in the file that holds the waiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub help: Option<String>,
    pub span: Span,
}

impl Problem {
    pub fn new(message: impl Into<String>, span: Span) -> Problem {
        Problem { message: message.into(), help: None, span }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn shifted(mut self, by: usize) -> Problem {
        self.span = self.span.shifted(by);
        self
    }
}

/// What a valid waiver states besides its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub reason: String,
    pub owner: Option<String>,
    /// The last day the waiver applies.
    pub expires: Option<Date>,
}

/// Checks the fields of a waiver, inline or from the configuration. `whole` is the span to
/// report a missing reason at.
///
/// # Errors
///
/// Returns a problem when the reason is missing or blank, or the expiry date is invalid.
pub fn check_terms(
    reason: Option<(&str, Span)>,
    owner: Option<&str>,
    expires: Option<(&str, Span)>,
    whole: Span,
) -> Result<Terms, Problem> {
    let help = "say why the finding is accepted: reason=\"...\"";
    let reason = match reason {
        None => return Err(Problem::new("the waiver gives no reason", whole).with_help(help)),
        Some((text, span)) if text.trim().is_empty() => {
            return Err(Problem::new("the waiver's reason is empty", span).with_help(help))
        }
        Some((text, _)) => text.trim().to_string(),
    };
    let expires = expires.map(|(text, span)| directive::parse_expiry(text, span)).transpose()?;
    let owner = owner.map(str::trim).filter(|owner| !owner.is_empty()).map(str::to_string);
    Ok(Terms { reason, owner, expires })
}

/// Which findings a waiver can cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// An inline comment: findings in the file at `path` whose first line is within
    /// `first..=last`.
    Lines { path: String, first: usize, last: usize },
    /// A configuration entry: the caller of [`apply`] decides which findings it covers.
    Entry,
}

/// A waiver as written, inline or in the configuration.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The file that holds the waiver, for findings about it.
    pub source: Arc<SourceText>,
    /// The waiver's text in `source`.
    pub span: Span,
    /// Where the waiver is written, as `PATH:LINE`, for the report.
    pub label: String,
    pub scope: Scope,
    /// The named rules and the terms, with spans in `source`; or why the waiver is invalid.
    pub content: Result<(Vec<RuleToken>, Terms), Problem>,
    /// Whether a rule that matched nothing is reported. The configuration turns this off for
    /// an entry whose file was not part of the run.
    pub report_unused: bool,
}

impl Statement {
    /// Turns a waiver comment into a statement.
    pub fn from_comment(comment: Comment) -> Statement {
        let line = comment.source.lines.position(&comment.source.text, comment.span.start).line;
        let (first, last) = comment.lines;
        Statement {
            label: format!("{}:{line}", comment.source.path),
            scope: Scope::Lines { path: comment.source.path.clone(), first, last },
            source: comment.source,
            span: comment.span,
            content: comment.directive.map(|directive| (directive.rules, directive.terms)),
            report_unused: true,
        }
    }
}

/// Attaches waivers to the findings they cover and returns the findings about the waivers.
///
/// A finding is covered by a statement when the statement is valid, not expired on `today`,
/// in scope (for [`Scope::Entry`], when `entry_covers(statement index, finding)` holds), and
/// names the finding's code, rule id or rule name. When several statements cover a finding,
/// the first in `statements` is recorded, and all count as used.
pub fn apply(
    findings: &mut [Finding],
    statements: &[Statement],
    today: Date,
    entry_covers: &dyn Fn(usize, &Finding) -> bool,
) -> Vec<Finding> {
    let mut by_path: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut entries = Vec::new();
    for (index, statement) in statements.iter().enumerate() {
        match &statement.scope {
            Scope::Lines { path, .. } => by_path.entry(path.as_str()).or_default().push(index),
            Scope::Entry => entries.push(index),
        }
    }
    let active = |statement: &Statement| match &statement.content {
        Ok((_, terms)) => terms.expires.is_none_or(|last_day| today <= last_day),
        Err(_) => false,
    };
    let mut used: Vec<Vec<bool>> = statements
        .iter()
        .map(|statement| vec![false; statement.content.as_ref().map_or(0, |(rules, _)| rules.len())])
        .collect();

    for finding in findings.iter_mut().filter(|finding| finding.waiver.is_none()) {
        let inline = by_path.get(finding.location.path.as_str()).into_iter().flatten().copied().filter(|&index| {
            let Scope::Lines { first, last, .. } = &statements[index].scope else { return false };
            (*first..=*last).contains(&finding.location.line)
        });
        let candidates: Vec<usize> =
            inline.chain(entries.iter().copied().filter(|&index| entry_covers(index, finding))).collect();

        for index in candidates {
            let statement = &statements[index];
            if !active(statement) {
                continue;
            }
            let Ok((rules, terms)) = &statement.content else { continue };
            for (position, rule) in rules.iter().enumerate() {
                if finding.is_named(&rule.text) {
                    used[index][position] = true;
                    if finding.waiver.is_none() {
                        finding.waiver = Some(Waiver {
                            reason: terms.reason.clone(),
                            owner: terms.owner.clone(),
                            expires: terms.expires.map(|date| date.to_string()),
                            source: statement.label.clone(),
                        });
                    }
                }
            }
        }
    }

    let mut reports = Vec::new();
    for (index, statement) in statements.iter().enumerate() {
        match &statement.content {
            Err(problem) => {
                let mut finding =
                    waiver_finding(statement, "waiver-invalid", Severity::Error, problem.span, problem.message.clone())
                        .with_note("an invalid waiver covers nothing");
                finding.help = problem.help.clone();
                reports.push(finding);
            }
            Ok((rules, terms)) if !active(statement) => {
                let names: Vec<String> = rules.iter().map(|rule| format!("`{}`", rule.text)).collect();
                let last_day = terms.expires.map(|date| date.to_string()).unwrap_or_default();
                let message = format!("waiver for {} expired on {last_day}", names.join(", "));
                reports.push(
                    waiver_finding(statement, "waiver-expired", Severity::Warning, statement.span, message)
                        .with_note("an expired waiver covers nothing, so the findings it covered count again")
                        .with_help("fix the findings, or renew the waiver with a later `expires` date if the exception still holds"),
                );
            }
            Ok((rules, _)) if statement.report_unused => {
                for (_, rule) in rules.iter().enumerate().filter(|(position, _)| !used[index][*position]) {
                    let message = format!("waiver for `{}` matched no finding", rule.text);
                    let mut finding = waiver_finding(statement, "waiver-unused", Severity::Warning, rule.span, message);
                    finding.help = Some(unused_help(statement, findings));
                    reports.push(finding);
                }
            }
            Ok(_) => {}
        }
    }
    reports
}

fn waiver_finding(statement: &Statement, code: &str, severity: Severity, span: Span, message: String) -> Finding {
    let mut finding = Finding::new(code, severity, message, statement.source.locate(span, ""));
    finding.source = Some(statement.source.clone());
    finding
}

/// Suggests what an unused waiver may have meant: the codes of the findings on the lines it
/// covers, if any.
fn unused_help(statement: &Statement, findings: &[Finding]) -> String {
    let remove = "remove the waiver if the finding is gone, or correct the rule it names";
    let Scope::Lines { path, first, last } = &statement.scope else {
        return format!("{remove}, its file or its pointer");
    };
    let mut nearby: Vec<String> = Vec::new();
    for finding in findings.iter().filter(|finding| finding.location.path == *path) {
        if !(*first..=*last).contains(&finding.location.line) {
            continue;
        }
        let name = match &finding.rule {
            Some(rule) => format!("`{}` ({})", rule.name, rule.id),
            None => format!("`{}`", finding.code),
        };
        if !nearby.contains(&name) {
            nearby.push(name);
        }
    }
    if nearby.is_empty() {
        format!("{remove}; a waiver covers its own line and the line below it")
    } else {
        format!("{remove}; the findings on the lines it covers are {}", nearby.join(", "))
    }
}

#[cfg(test)]
mod tests;
