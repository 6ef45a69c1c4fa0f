//! The rule engine: runs every selected rule over every artifact of the project.
//!
//! For each artifact whose kind and flavor a rule applies to, and for each of its documents,
//! `given` selects nodes. Each check of `then` looks at the node or its `field` and returns
//! violations, which [`message`](super::message) words into findings. Artifacts are evaluated
//! in parallel; a panic in one becomes a tool error naming the file.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::{json, Value as Json};

use super::context::{Artifact, Project};
use super::functions::{Input, Spot, Violation};
use super::message;
use super::rule::{Rule, Test};
use super::RuleSet;
use crate::report::{Finding, Location, SourceText, ToolError};
use crate::schema;
use crate::source::pointer;

/// Runs the rules over the project. Call it inside the run's thread pool.
pub fn evaluate(rules: &RuleSet, project: &Project) -> (Vec<Finding>, Vec<ToolError>) {
    let per_artifact: Vec<Result<Vec<Finding>, Box<ToolError>>> = project
        .artifacts
        .par_iter()
        .map(|artifact| {
            panic::catch_unwind(AssertUnwindSafe(|| {
                crate::check::injected_panic("rules", std::path::Path::new(&artifact.path));
                evaluate_artifact(rules, project, artifact)
            }))
            .map_err(|payload| Box::new(ToolError::internal(&format!("running rules on {}", artifact.path), &*payload)))
        })
        .collect();

    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for result in per_artifact {
        match result {
            Ok(mut found) => findings.append(&mut found),
            Err(error) => errors.push(*error),
        }
    }
    findings.extend(evaluate_project(rules, project));
    (findings, errors)
}

fn evaluate_artifact(rules: &RuleSet, project: &Project, artifact: &Artifact) -> Vec<Finding> {
    let mut findings = Vec::new();
    if artifact.broken {
        return findings;
    }
    let streamed = artifact.documents.len() > 1;
    for rule in rules
        .rules
        .iter()
        .filter(|rule| rule.applies_to.iter().any(|target| target.matches(artifact.kind, &artifact.flavor)))
    {
        for (position, document) in artifact.documents.iter().enumerate() {
            // An empty document in a stream (a trailing `---`) contains no artifact.
            if document.root.is_none() || (streamed && document.json.is_null()) {
                continue;
            }
            for located in rule.given.query_located(&document.json) {
                let at = located.location().to_json_pointer();
                run_checks(rule, project, artifact, position, &at, located.node(), &mut findings);
            }
        }
    }
    findings
}

fn run_checks(
    rule: &Rule,
    project: &Project,
    artifact: &Artifact,
    document: usize,
    at: &str,
    node: &Json,
    findings: &mut Vec<Finding>,
) {
    for check in &rule.checks {
        let (value, value_at) = field_value(node, check.field.as_deref(), at);
        let violations = match &check.test {
            Test::Function { function, .. } => {
                let input = Input { value, pointer: &value_at, document, artifact, project };
                function.check(&input)
            }
            Test::Schema(compiled) => match value {
                Some(value) => schema_violations(compiled, artifact, document, &value_at, value),
                None => Vec::new(),
            },
        };
        for violation in &violations {
            findings.push(message::finding(rule, violation, project, artifact, document, check.field.as_deref()));
        }
    }
}

/// Evaluates a schema fragment at a value and locates each error in the artifact.
fn schema_violations(
    compiled: &schema::Compiled,
    artifact: &Artifact,
    document: usize,
    at: &str,
    value: &Json,
) -> Vec<Violation> {
    let Some(root) = artifact.documents.get(document).and_then(|document| document.root.as_ref()) else {
        return Vec::new();
    };
    let (target, _) = pointer::resolve(root, at);
    schema::findings_for(compiled, target.node, value, &[])
        .into_iter()
        .map(|found| {
            let full = format!("{at}{}", found.pointer);
            let spot = match (full.is_empty(), &artifact.markdown) {
                (true, Some(body)) => Spot::Span { span: body.front_matter_open, pointer: full.clone() },
                _ => Spot::Span { span: found.span, pointer: full.clone() },
            };
            let shown = value.pointer(&found.pointer).cloned();
            Violation { at: spot, value: shown, masked: None, detail: found.message, related: Vec::new() }
        })
        .collect()
}

/// Builds the document that `project` rules see: each artifact's path, kind and flavor.
pub fn project_summary(project: &Project) -> Json {
    let artifacts: Vec<Json> = project
        .artifacts
        .iter()
        .map(|artifact| json!({"path": artifact.path, "kind": artifact.kind.as_str(), "flavor": artifact.flavor}))
        .collect();
    json!({ "artifacts": artifacts })
}

/// Runs the rules that apply to the whole project, once each. Their findings are located at
/// the first project root, since no single file makes the claim.
fn evaluate_project(rules: &RuleSet, project: &Project) -> Vec<Finding> {
    let project_rules: Vec<&Arc<Rule>> = rules.rules.iter().filter(|rule| rule.runs_on_project()).collect();
    if project_rules.is_empty() {
        return Vec::new();
    }
    let summary = project_summary(project);
    let root = match project.roots.first().map(|root| root.display().to_string()) {
        Some(root) if !root.is_empty() => root,
        _ => ".".to_string(),
    };
    // Functions that read the artifact they check get a stand-in without content.
    let stand_in = Artifact {
        path: root.clone(),
        kind: crate::discover::Kind::ModelCard,
        flavor: String::new(),
        format: crate::discover::Format::Json,
        documents: Vec::new(),
        markdown: None,
        source: SourceText::new(root.clone(), String::new()),
        broken: false,
        summary: None,
    };

    let mut findings = Vec::new();
    for rule in project_rules {
        for located in rule.given.query_located(&summary) {
            let at = located.location().to_json_pointer();
            for check in &rule.checks {
                let (value, value_at) = field_value(located.node(), check.field.as_deref(), &at);
                let violations: Vec<Violation> = match (&check.test, value) {
                    (Test::Function { function, .. }, _) => {
                        let input = Input { value, pointer: &value_at, document: 0, artifact: &stand_in, project };
                        function.check(&input)
                    }
                    (Test::Schema(compiled), Some(value)) => compiled
                        .validator
                        .iter_errors(value)
                        .map(|error| {
                            let pointer = format!("{value_at}{}", error.instance_path());
                            Violation::new(Spot::Node(pointer), Some(error.instance()), error.to_string())
                        })
                        .collect(),
                    (Test::Schema(_), None) => Vec::new(),
                };
                for violation in violations {
                    let pointer = match &violation.at {
                        Spot::Node(at) | Spot::Missing(at) => at.clone(),
                        Spot::Span { pointer, .. } => pointer.clone(),
                    };
                    let mut location = Location::file(&root);
                    location.pointer = pointer.clone();
                    let text = message::render(rule, &violation, check.field.as_deref(), &pointer, &root);
                    let mut finding =
                        Finding::new(&rule.id, rule.severity, text, location).with_help(message::help(rule));
                    finding.rule = Some(rule.reference());
                    findings.push(finding);
                }
            }
        }
    }
    findings
}

/// Returns the value a check looks at and its pointer: the matched node, or its `field`. An
/// absent field gives no value and the pointer of the mapping that lacks it.
fn field_value<'a>(node: &'a Json, field: Option<&str>, at: &str) -> (Option<&'a Json>, String) {
    match field {
        Some(field) => match node.get(field) {
            Some(value) => (Some(value), format!("{at}/{}", pointer::escape(field))),
            None => (None, at.to_string()),
        },
        None => (Some(node), at.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::Kind;
    use crate::rules::context::ArtifactDocument;
    use crate::rules::loader::{self, Origin};
    use crate::source::Limits;

    fn artifact(path: &str, kind: Kind, flavor: &str, text: &str) -> Artifact {
        let parsed = crate::source::yaml::parse(text, &Limits::default());
        let documents = parsed
            .documents
            .into_iter()
            .map(|document| {
                let json =
                    document.root.as_ref().map_or(Json::Null, |root| root.to_json(&mut String::new(), &mut Vec::new()));
                ArtifactDocument { index: document.index, json, root: document.root, span: document.span }
            })
            .collect();
        Artifact {
            path: path.to_string(),
            kind,
            flavor: flavor.to_string(),
            format: crate::discover::Format::Yaml,
            documents,
            markdown: None,
            source: SourceText::new(path.to_string(), text.to_string()),
            broken: false,
            summary: None,
        }
    }

    fn rule_set(then: &str, given: &str, flavors: &str) -> RuleSet {
        let text = format!(
            "pack: t\nversion: 1.0.0\ndescription: d\nrules:\n  - id: TST001\n    name: test-rule-fails\n    severity: warning\n    status: stable\n    since: 1.0.0\n    applies-to: [{{kind: training-config, flavors: [{flavors}]}}]\n    given: \"{given}\"\n    then: {then}\n    docs: {{what: w, why: y, fix: f, examples: [{{file: a.yaml, pass: x}}]}}\n    references: [{{standard: S, clause: C}}]\n"
        );
        let pack = loader::load("t.yaml", &text, Origin::Builtin, &Limits::default()).expect("the test pack loads");
        RuleSet { packs: vec!["t@1.0.0".to_string()], rules: pack.rules }
    }

    fn positions(findings: &[Finding]) -> Vec<(usize, usize, String)> {
        findings.iter().map(|f| (f.location.line, f.location.column, f.location.pointer.clone())).collect()
    }

    #[test]
    fn absent_field_located_at_mapping() {
        let rules = rule_set("{field: seed, function: defined}", "$.trainer", "hf-trainer");
        let mut project = Project::new(vec![]);
        project.artifacts.push(artifact("a.yaml", Kind::TrainingConfig, "hf-trainer", "x: 1\ntrainer:\n  lr: 0.1\n"));
        let (findings, errors) = evaluate(&rules, &project);
        assert!(errors.is_empty());
        assert_eq!(positions(&findings), vec![(3, 3, "/trainer".to_string())]);
        assert_eq!(findings[0].message, "\"seed\" missing");
        assert_eq!(findings[0].rule.as_ref().map(|rule| rule.name.as_str()), Some("test-rule-fails"));
    }

    #[test]
    fn each_list_item_located() {
        let rules = rule_set("{function: pattern, options: {match: '^s3://'}}", "$.uris", "hf-trainer");
        let mut project = Project::new(vec![]);
        project.artifacts.push(artifact(
            "a.yaml",
            Kind::TrainingConfig,
            "hf-trainer",
            "uris: [s3://a, http://b, gs://c]\n",
        ));
        let (findings, _) = evaluate(&rules, &project);
        assert_eq!(positions(&findings), vec![(1, 16, "/uris/1".to_string()), (1, 26, "/uris/2".to_string())]);
        assert_eq!(findings[0].message, "\"http://b\" does not match `^s3://`");
    }

    #[test]
    fn other_flavor_and_broken_file_skipped() {
        let rules = rule_set("{field: seed, function: defined}", "$", "axolotl");
        let mut project = Project::new(vec![]);
        project.artifacts.push(artifact("a.yaml", Kind::TrainingConfig, "hf-trainer", "lr: 1\n"));
        let mut broken = artifact("b.yaml", Kind::TrainingConfig, "axolotl", "lr: 1\n");
        broken.broken = true;
        project.artifacts.push(broken);
        assert!(evaluate(&rules, &project).0.is_empty());
    }

    #[test]
    fn schema_error_located_inside_value() {
        let rules = rule_set("{field: steps, schema: {type: array, items: {type: integer}}}", "$", "hf-trainer");
        let mut project = Project::new(vec![]);
        project.artifacts.push(artifact("a.yaml", Kind::TrainingConfig, "hf-trainer", "steps:\n  - 1\n  - two\n"));
        let (findings, _) = evaluate(&rules, &project);
        assert_eq!(positions(&findings), vec![(3, 5, "/steps/1".to_string())]);
        assert_eq!(findings[0].message, "\"two\" is not of type \"integer\"");
    }
}
