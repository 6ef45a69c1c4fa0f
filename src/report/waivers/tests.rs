use super::*;
use crate::discover::Format;
use crate::report::{Location, RuleRef};
use crate::source::Limits;

const TODAY: &str = "2026-03-15";

fn today() -> Date {
    Date::parse(TODAY).unwrap()
}

/// Builds a finding at `line` of `path`, from a rule when `rule` gives an id and a name.
fn finding(path: &str, line: usize, code: &str, rule: Option<(&str, &str)>) -> Finding {
    let mut location = Location::file(path);
    location.line = line;
    let mut finding = Finding::new(code, Severity::Error, format!("{code} at line {line}"), location);
    finding.rule = rule.map(|(id, name)| RuleRef::stable(id, name));
    finding
}

fn statements(path: &str, text: &str) -> Vec<Statement> {
    let source = SourceText::new(path.to_string(), text.to_string());
    let parsed = crate::source::yaml::parse(text, &Limits::default());
    scan(&source, Format::Yaml, &parsed.documents).into_iter().map(Statement::from_comment).collect()
}

fn no_entries(_: usize, _: &Finding) -> bool {
    false
}

fn codes(findings: &[Finding]) -> Vec<(&str, usize)> {
    findings.iter().map(|finding| (finding.code.as_str(), finding.location.line)).collect()
}

/// Applies the waiver comments in `text`, read as `card.yaml`, to one `MLC001` finding on line 2
/// and returns that finding with the waiver reports.
fn waive_license_finding(text: &str) -> (Finding, Vec<Finding>) {
    let mut findings = vec![finding("card.yaml", 2, "MLC001", Some(("MLC001", "model-card-license-missing")))];
    let reports = apply(&mut findings, &statements("card.yaml", text), today(), &no_entries);
    (findings.remove(0), reports)
}

/// Builds a `[[waivers]]` entry of `mlconform.toml` that waives `schema-required`.
fn config_entry(report_unused: bool) -> Statement {
    let source = SourceText::new("mlconform.toml".to_string(), "[[waivers]]\n".to_string());
    let terms = Terms { reason: "r".to_string(), owner: None, expires: None };
    let rule = RuleToken { text: "schema-required".to_string(), span: Span::new(0, 11) };
    Statement {
        source,
        span: Span::new(0, 11),
        label: "mlconform.toml:1".to_string(),
        scope: Scope::Entry,
        content: Ok((vec![rule], terms)),
        report_unused,
    }
}

#[test]
fn waiver_matches_rule_by_id() {
    let text = "# mlconform: waive[MLC001] reason=\"internal model\" owner=ml-team\nlicense: null\n";
    let (license, reports) = waive_license_finding(text);
    assert!(reports.is_empty(), "{:?}", codes(&reports));
    let waiver = license.waiver.as_ref().expect("waived");
    assert_eq!(waiver.reason, "internal model");
    assert_eq!(waiver.owner.as_deref(), Some("ml-team"));
    assert_eq!(waiver.source, "card.yaml:1");
}

#[test]
fn waiver_matches_rule_by_name() {
    let text = "license: null  # mlconform: waive[model-card-license-missing] reason=\"internal\"\n";
    // The code is deliberately different from the id, to show that the name is read from the
    // rule, not from the code.
    let mut findings = vec![finding("card.yaml", 1, "X1", Some(("MLC001", "model-card-license-missing")))];
    let reports = apply(&mut findings, &statements("card.yaml", text), today(), &no_entries);
    assert!(reports.is_empty());
    assert!(findings[0].waiver.is_some());
}

#[test]
fn waiver_matches_finding_code() {
    let text = "a: 1\n# mlconform: waive[duplicate-key] reason=\"read by a loader that keeps the last\"\na: 2\n";
    let mut findings = vec![finding("x.yaml", 3, "duplicate-key", None), finding("x.yaml", 1, "duplicate-key", None)];
    let reports = apply(&mut findings, &statements("x.yaml", text), today(), &no_entries);
    assert!(reports.is_empty());
    assert!(findings[0].waiver.is_some());
    assert!(findings[1].waiver.is_none(), "line 1 is above the comment");
}

#[test]
fn waiver_ignores_other_files_and_rules() {
    let text = "# mlconform: waive[MLC001] reason=r\nlicense: null\n";
    let mut findings = vec![
        finding("other.yaml", 2, "MLC001", Some(("MLC001", "model-card-license-missing"))),
        finding("card.yaml", 2, "MLC002", Some(("MLC002", "model-card-intended-use-missing"))),
    ];
    let reports = apply(&mut findings, &statements("card.yaml", text), today(), &no_entries);
    assert!(findings.iter().all(|finding| finding.waiver.is_none()));
    assert_eq!(codes(&reports), [("waiver-unused", 1)]);
}

#[test]
fn unused_waiver_names_nearby_findings() {
    let text = "# mlconform: waive[MLC009] reason=r\nlicense: null\n";
    let (_, reports) = waive_license_finding(text);
    assert_eq!(reports[0].message, "waiver for `MLC009` matched no finding");
    let help = reports[0].help.as_deref().unwrap();
    assert!(help.ends_with("the findings on the lines it covers are `model-card-license-missing` (MLC001)"), "{help}");
}

#[test]
fn unused_rule_reported_per_rule() {
    let text = "# mlconform: waive[MLC001, MLC002] reason=r\nlicense: null\n";
    let (license, reports) = waive_license_finding(text);
    assert!(license.waiver.is_some());
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].message, "waiver for `MLC002` matched no finding");
    assert_eq!(reports[0].location.column, 28, "points at MLC002");
}

#[test]
fn expired_waiver_stops_applying() {
    let text = "# mlconform: waive[MLC001] reason=r expires=2026-03-14\nlicense: null\n";
    let (license, reports) = waive_license_finding(text);
    assert!(license.waiver.is_none());
    assert_eq!(codes(&reports), [("waiver-expired", 1)]);
    assert_eq!(reports[0].severity, Severity::Warning);
    assert_eq!(reports[0].message, "waiver for `MLC001` expired on 2026-03-14");
}

#[test]
fn waiver_applies_on_its_last_day() {
    let text = format!("# mlconform: waive[MLC001] reason=r expires={TODAY}\nlicense: null\n");
    let (license, reports) = waive_license_finding(&text);
    assert!(reports.is_empty());
    assert_eq!(license.waiver.as_ref().unwrap().expires.as_deref(), Some(TODAY));
}

#[test]
fn invalid_waiver_waives_nothing() {
    let text = "# mlconform: waive[MLC001] owner=me\nlicense: null\n";
    let (license, reports) = waive_license_finding(text);
    assert!(license.waiver.is_none());
    assert_eq!(codes(&reports), [("waiver-invalid", 1)]);
    assert_eq!(reports[0].severity, Severity::Error);
    assert_eq!(reports[0].message, "the waiver gives no reason");
}

#[test]
fn entry_scope_asks_the_caller() {
    let statement = config_entry(true);
    let mut findings =
        vec![finding("a.json", 3, "schema-required", None), finding("b.json", 3, "schema-required", None)];
    let covers = |index: usize, finding: &Finding| index == 0 && finding.location.path == "b.json";
    let reports = apply(&mut findings, &[statement], today(), &covers);
    assert!(reports.is_empty());
    assert!(findings[0].waiver.is_none());
    assert_eq!(findings[1].waiver.as_ref().unwrap().source, "mlconform.toml:1");
}

#[test]
fn unreported_entry_stays_silent() {
    let statement = config_entry(false);
    let reports = apply(&mut [], &[statement], today(), &no_entries);
    assert!(reports.is_empty());
}
