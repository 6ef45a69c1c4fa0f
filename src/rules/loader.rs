//! Reading one rule pack: YAML with positions, validation against
//! `rules/rule-pack.schema.json`, and compilation of its rules. Every error is located in the
//! pack file, and an unknown key, function, option, flavor or placeholder gets a "did you
//! mean" suggestion.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use serde_json::{Map, Value as Json};
use serde_json_path::JsonPath;

use super::functions;
use super::pack::{CheckDef, PackFile, RuleDef};
use super::rule::{Check, Docs, Example, Rule, Status, Target, Test};
use crate::discover::Kind;
use crate::report::{Location, Reference, Severity, SourceText, ToolError};
use crate::schema::{self, closest, Compiled};
use crate::source::{self, pointer, Limits, Node};

/// The JSON Schema of the pack format.
pub const PACK_SCHEMA: &str = include_str!("../../rules/rule-pack.schema.json");

static PACK_VALIDATOR: LazyLock<Result<Compiled, String>> = LazyLock::new(|| {
    let json: Json =
        serde_json::from_str(PACK_SCHEMA).map_err(|error| format!("the rule-pack schema is not JSON: {error}"))?;
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .with_retriever(schema::user::Offline::embedded_only())
        .build(&json)
        .map_err(|error| format!("the rule-pack schema does not compile: {error}"))?;
    Ok(Compiled { validator, schema: json })
});

/// The placeholders a message template may use.
pub const PLACEHOLDERS: &[&str] = &["value", "field", "pointer", "path", "detail"];

/// A problem with a rule pack, located in the pack file where possible.
#[derive(Debug, Clone)]
pub struct PackError {
    pub message: String,
    pub location: Option<Location>,
    pub source: Option<Arc<SourceText>>,
    pub help: Option<String>,
}

impl PackError {
    pub fn plain(message: impl Into<String>) -> PackError {
        PackError { message: message.into(), location: None, source: None, help: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> PackError {
        self.help = Some(help.into());
        self
    }

    /// Converts the error into a tool error of the run.
    pub fn into_tool_error(self) -> ToolError {
        ToolError { message: self.message, location: self.location, source: self.source, help: self.help }
    }
}

/// The source of a pack: embedded in the binary, or a user's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    File(PathBuf),
}

/// A pack read and compiled, before `extends` is resolved.
#[derive(Debug)]
pub struct LoadedPack {
    pub name: String,
    pub version: String,
    pub description: String,
    /// The `extends` entries as written, with the pointer of each.
    pub extends: Vec<(String, String)>,
    /// The pack's own rules, without those it extends.
    pub rules: Vec<Arc<Rule>>,
    pub origin: Origin,
    pub source: Arc<SourceText>,
    pub root: Node,
}

impl LoadedPack {
    /// Locates an error at the node `pointer` names in the pack file.
    pub fn error_at(&self, pointer: &str, message: impl Into<String>) -> PackError {
        locate_error(&self.source, &self.root, pointer, false, message.into())
    }
}

fn locate_error(source: &Arc<SourceText>, root: &Node, at: &str, key: bool, message: String) -> PackError {
    let (target, _) = pointer::resolve(root, at);
    let span = if key { target.key_span.unwrap_or(target.node.span) } else { target.node.span };
    PackError { message, location: Some(source.locate(span, at)), source: Some(source.clone()), help: None }
}

/// Reads, validates and compiles the pack in `text`. `display` names the file in errors.
pub fn load(display: &str, text: &str, origin: Origin, limits: &Limits) -> Result<LoadedPack, Vec<PackError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let source = SourceText::new(display.to_string(), text.to_string());
    let parsed = source::yaml::parse(text, limits);

    let mut errors: Vec<PackError> = Vec::new();
    for issue in &parsed.issues {
        let (_, severity, message, help) = crate::check::describe_issue(&issue.kind);
        if severity == Severity::Error {
            let mut error = locate_span(&source, issue.span, &issue.pointer, message);
            error.help = help;
            errors.push(error);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let Some(root) = parsed.documents.into_iter().next().and_then(|document| document.root) else {
        return Err(vec![PackError::plain(format!("{display}: the rule pack is empty"))]);
    };
    let json = root.to_json(&mut String::new(), &mut Vec::new());

    let validator = PACK_VALIDATOR.as_ref().map_err(|message| vec![PackError::plain(message.clone())])?;
    for found in schema::findings_for(validator, &root, &json, &[]) {
        let mut error = locate_span(&source, found.span, &found.pointer, found.message);
        error.help = found.help;
        errors.push(error);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let file: PackFile = serde_json::from_value(json)
        .map_err(|error| vec![locate_span(&source, root.span, "", format!("the rule pack cannot be read: {error}"))])?;

    let mut pack = LoadedPack {
        name: file.pack.clone(),
        version: file.version.clone(),
        description: file.description.clone(),
        extends: file
            .extends
            .iter()
            .enumerate()
            .map(|(index, spec)| (spec.clone(), format!("/extends/{index}")))
            .collect(),
        rules: Vec::new(),
        origin,
        source,
        root,
    };
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    let mut seen_names: HashMap<String, usize> = HashMap::new();
    for (index, definition) in file.rules.into_iter().enumerate() {
        let at = format!("/rules/{index}");
        if let Some(first) = seen_ids.insert(definition.id.clone(), index) {
            errors.push(pack.error_at(
                &format!("{at}/id"),
                format!("rule id \"{}\" is already used by rule {first} of this pack", definition.id),
            ));
        }
        if let Some(first) = seen_names.insert(definition.name.clone(), index) {
            errors.push(pack.error_at(
                &format!("{at}/name"),
                format!("rule name \"{}\" is already used by rule {first} of this pack", definition.name),
            ));
        }
        match compile_rule(&pack, &at, definition) {
            Ok(rule) => pack.rules.push(Arc::new(rule)),
            Err(mut rule_errors) => errors.append(&mut rule_errors),
        }
    }
    if errors.is_empty() {
        Ok(pack)
    } else {
        Err(errors)
    }
}

fn locate_span(source: &Arc<SourceText>, span: source::Span, at: &str, message: String) -> PackError {
    PackError { message, location: Some(source.locate(span, at)), source: Some(source.clone()), help: None }
}

/// Compiles one rule; `at` is its pointer in the pack.
fn compile_rule(pack: &LoadedPack, at: &str, definition: RuleDef) -> Result<Rule, Vec<PackError>> {
    let mut errors = Vec::new();
    let severity = match definition.severity.as_str() {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => Severity::Info,
    };
    let status = Status::parse(&definition.status).unwrap_or(Status::Preview);

    if schema::compare_versions(&definition.since, &pack.version) == std::cmp::Ordering::Greater {
        errors.push(pack.error_at(
            &format!("{at}/since"),
            format!("`since` {} is later than the pack version {}", definition.since, pack.version),
        ));
    }
    match (status, &definition.deprecated_reason) {
        (Status::Deprecated, None) => errors.push(
            pack.error_at(&format!("{at}/status"), "a deprecated rule needs `deprecated-reason`")
                .with_help("say why the rule is going away and what replaces it"),
        ),
        (Status::Stable | Status::Preview, Some(_)) => errors.push(pack.error_at(
            &format!("{at}/deprecated-reason"),
            "`deprecated-reason` is only allowed with `status: deprecated`",
        )),
        _ => {}
    }

    let mut applies_to = Vec::new();
    for (index, target) in definition.applies_to.iter().enumerate() {
        let target_at = format!("{at}/applies-to/{index}");
        if target.kind == "project" {
            applies_to.push(Target::Project);
            continue;
        }
        let Ok(kind) = target.kind.parse::<Kind>() else { continue };
        if let Some(flavors) = &target.flavors {
            for (flavor_index, flavor) in flavors.iter().enumerate() {
                if !kind.flavors().contains(&flavor.as_str()) {
                    let known: Vec<String> = kind.flavors().iter().map(|one| one.to_string()).collect();
                    let mut error = pack.error_at(
                        &format!("{target_at}/flavors/{flavor_index}"),
                        format!("\"{flavor}\" is not a flavor of {kind}"),
                    );
                    error.help = Some(match closest(flavor, &known) {
                        Some(near) => format!("did you mean \"{near}\"?"),
                        None => format!("the flavors of {kind} are {}", known.join(", ")),
                    });
                    errors.push(error);
                }
            }
        }
        applies_to.push(Target::Kind { kind, flavors: target.flavors.clone() });
    }

    let given_text = definition.given.clone().unwrap_or_else(|| "$".to_string());
    let given = match JsonPath::parse(&given_text) {
        Ok(path) => Some(path),
        Err(error) => {
            errors.push(
                pack.error_at(&format!("{at}/given"), format!("`given` is not a valid JSONPath (RFC 9535): {error}")),
            );
            None
        }
    };

    let then_at = |index: usize, many: bool| if many { format!("{at}/then/{index}") } else { format!("{at}/then") };
    let many = matches!(definition.then, super::pack::OneOrMany::Many(_));
    let mut checks = Vec::new();
    for (index, check) in definition.then.into_vec().into_iter().enumerate() {
        match compile_check(pack, &then_at(index, many), check) {
            Ok(check) => checks.push(check),
            Err(error) => errors.push(*error),
        }
    }

    if let Some(message) = &definition.message {
        for name in template_names(message) {
            if !PLACEHOLDERS.contains(&name.as_str()) {
                let known: Vec<String> = PLACEHOLDERS.iter().map(|one| one.to_string()).collect();
                let mut error = pack
                    .error_at(&format!("{at}/message"), format!("unknown placeholder {{{{{name}}}}} in the message"));
                error.help = Some(match closest(&name, &known) {
                    Some(near) => format!("did you mean {{{{{near}}}}}?"),
                    None => format!(
                        "a message may use {}",
                        PLACEHOLDERS.iter().map(|one| format!("{{{{{one}}}}}")).collect::<Vec<_>>().join(", ")
                    ),
                });
                errors.push(error);
            }
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    let docs = definition.docs;
    Ok(Rule {
        id: definition.id,
        name: definition.name,
        severity,
        status,
        since: definition.since,
        deprecated_reason: definition.deprecated_reason,
        applies_to,
        given: given.expect("an invalid `given` returned an error above"),
        given_text,
        checks,
        message: definition.message,
        docs: Docs {
            what: docs.what,
            why: docs.why,
            fix: docs.fix,
            known_problems: docs.known_problems,
            examples: docs
                .examples
                .into_iter()
                .map(|example| Example {
                    file: example.file,
                    fail: example.fail,
                    pass: example.pass,
                    context: example
                        .context
                        .into_iter()
                        .map(|(path, text)| (path, text.as_str().unwrap_or_default().to_string()))
                        .collect(),
                })
                .collect(),
        },
        references: definition
            .references
            .into_iter()
            .map(|reference| Reference { standard: reference.standard, clause: reference.clause })
            .collect(),
        pack: format!("{}@{}", pack.name, pack.version),
    })
}

fn compile_check(pack: &LoadedPack, at: &str, check: CheckDef) -> Result<Check, Box<PackError>> {
    if let Some(fragment) = check.schema {
        return compile_schema(&fragment)
            .map(|compiled| Check { field: check.field, test: Test::Schema(Arc::new(compiled)) })
            .map_err(|message| {
                Box::new(pack.error_at(&format!("{at}/schema"), format!("the schema does not compile: {message}")))
            });
    }
    let name = check.function.unwrap_or_default();
    let Some(spec) = functions::find(&name) else {
        let known: Vec<String> = functions::ALL.iter().map(|spec| spec.name.to_string()).collect();
        let mut error = pack.error_at(&format!("{at}/function"), format!("unknown function \"{name}\""));
        error.help = Some(match closest(&name, &known) {
            Some(near) => format!("did you mean \"{near}\"?"),
            None => format!("the built-in functions are {}", known.join(", ")),
        });
        return Err(Box::new(error));
    };
    let options: Map<String, Json> = match check.options {
        Some(Json::Object(map)) => map,
        _ => Map::new(),
    };
    for key in options.keys() {
        if !spec.options.contains(&key.as_str()) {
            let known: Vec<String> = spec.options.iter().map(|one| one.to_string()).collect();
            let mut error = locate_error(
                &pack.source,
                &pack.root,
                &format!("{at}/options/{}", pointer::escape(key)),
                true,
                format!("unknown option \"{key}\" of `{}`", spec.name),
            );
            error.help = Some(match closest(key, &known) {
                Some(near) => format!("did you mean \"{near}\"?"),
                None if known.is_empty() => format!("`{}` takes no options", spec.name),
                None => format!("`{}` takes {}", spec.name, known.join(", ")),
            });
            return Err(Box::new(error));
        }
    }
    match (spec.compile)(&options) {
        Ok(function) => Ok(Check { field: check.field, test: Test::Function { name: spec.name, function } }),
        Err(problem) => {
            let place = match &problem.option {
                Some(option) => format!("{at}/options/{}", pointer::escape(option)),
                None if options.is_empty() => format!("{at}/function"),
                None => format!("{at}/options"),
            };
            Err(Box::new(pack.error_at(&place, problem.message)))
        }
    }
}

/// Compiles a `schema:` fragment as Draft 2020-12 unless its `$schema` names another draft,
/// with formats asserted and `$ref`s resolved only to embedded schemas.
fn compile_schema(fragment: &Json) -> Result<Compiled, String> {
    let draft = schema::refs::draft_of(fragment).unwrap_or(jsonschema::Draft::Draft202012);
    let validator = jsonschema::options()
        .with_draft(draft)
        .should_validate_formats(true)
        .with_retriever(schema::user::Offline::embedded_only())
        .build(fragment)
        .map_err(|error| error.to_string())?;
    Ok(Compiled { validator, schema: fragment.clone() })
}

/// Returns the names of the `{{name}}` placeholders in a template.
pub fn template_names(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        names.push(after[..close].trim().to_string());
        rest = &after[close + 2..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(text: &str) -> Vec<PackError> {
        load("pack.yaml", text, Origin::File(PathBuf::from("pack.yaml")), &Limits::default())
            .expect_err("the pack is invalid")
    }

    const RULE: &str = "
  - id: TST001
    name: model-card-license-missing
    severity: error
    status: stable
    since: 1.0.0
    applies-to: [{kind: model-card}]
    then: {field: license, function: defined}
    message: no licence
    docs: {what: w, why: y, fix: f, examples: [{file: README.md, pass: x}]}
    references: [{standard: S, clause: C}]
";

    #[test]
    fn valid_pack_loads() {
        let text = format!("pack: test\nversion: 1.0.0\ndescription: d\nrules:{RULE}");
        let pack = load("pack.yaml", &text, Origin::Builtin, &Limits::default()).unwrap();
        assert_eq!(pack.rules.len(), 1);
        assert_eq!(pack.rules[0].pack, "test@1.0.0");
        assert_eq!(pack.rules[0].given_text, "$");
    }

    #[test]
    fn unknown_key_suggests_spelling() {
        let text =
            format!("pack: test\nversion: 1.0.0\ndescription: d\nrules:{}", RULE.replace("severity:", "severty:"));
        let errors = errors_of(&text);
        let unknown =
            errors.iter().find(|error| error.message.contains("severty")).expect("the unknown key is reported");
        assert_eq!(unknown.help.as_deref(), Some("did you mean \"severity\"?"));
        assert_eq!(unknown.location.as_ref().unwrap().line, 7);
    }

    #[test]
    fn unknown_function_located() {
        let text = format!(
            "pack: test\nversion: 1.0.0\ndescription: d\nrules:{}",
            RULE.replace("function: defined", "function: definde")
        );
        let errors = errors_of(&text);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "unknown function \"definde\"");
        assert_eq!(errors[0].help.as_deref(), Some("did you mean \"defined\"?"));
        assert_eq!(errors[0].location.as_ref().unwrap().line, 11);
    }

    #[test]
    fn bad_jsonpath_and_placeholder() {
        let text = format!(
            "pack: test\nversion: 1.0.0\ndescription: d\nrules:{}",
            RULE.replace("    then:", "    given: $[?\n    then:").replace("no licence", "no licence {{valeu}}")
        );
        let errors = errors_of(&text);
        assert!(errors.iter().any(|error| error.message.starts_with("`given` is not a valid JSONPath")), "{errors:?}");
        assert!(errors.iter().any(|error| error.help.as_deref() == Some("did you mean {{value}}?")), "{errors:?}");
    }

    #[test]
    fn deprecation_needs_reason() {
        let deprecated = RULE.replace("status: stable", "status: deprecated");
        let text = format!("pack: test\nversion: 1.0.0\ndescription: d\nrules:{deprecated}");
        let errors = errors_of(&text);
        assert_eq!(errors[0].message, "a deprecated rule needs `deprecated-reason`");
        assert_eq!(errors[0].location.as_ref().unwrap().line, 8);

        let with_reason = deprecated.replace("since: 1.0.0", "since: 1.0.0\n    deprecated-reason: replaced by TST002");
        let text = format!("pack: test\nversion: 1.0.0\ndescription: d\nrules:{with_reason}");
        let pack = load("pack.yaml", &text, Origin::Builtin, &Limits::default()).unwrap();
        assert_eq!(pack.rules[0].status, Status::Deprecated);
    }

    #[test]
    fn duplicate_id_and_late_since_reported() {
        let text = format!(
            "pack: test\nversion: 1.0.0\ndescription: d\nrules:{RULE}{}",
            RULE.replace("since: 1.0.0", "since: 1.1.0")
        );
        let messages: Vec<String> = errors_of(&text).into_iter().map(|error| error.message).collect();
        assert!(
            messages.contains(&"rule id \"TST001\" is already used by rule 0 of this pack".to_string()),
            "{messages:?}"
        );
        assert!(messages.contains(&"`since` 1.1.0 is later than the pack version 1.0.0".to_string()), "{messages:?}");
    }

    #[test]
    fn template_names_found() {
        assert_eq!(template_names("{{value}} is {{ detail }}"), vec!["value", "detail"]);
        assert!(template_names("no placeholders").is_empty());
    }
}
