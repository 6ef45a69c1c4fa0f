//! A rule as the engine runs it: the pack entry with its JSONPath parsed, its functions and
//! schema fragments compiled, and its kinds resolved.

use std::fmt;
use std::sync::Arc;

use serde_json_path::JsonPath;

use super::functions::Function;
use crate::discover::Kind;
use crate::report::{Reference, RuleRef, Severity};
use crate::schema::Compiled;

/// How settled a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Stable,
    /// The clause citation or the check may still change.
    Preview,
    /// Still runs; `deprecated_reason` says why it is going away.
    Deprecated,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Stable => "stable",
            Status::Preview => "preview",
            Status::Deprecated => "deprecated",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "stable" => Some(Status::Stable),
            "preview" => Some(Status::Preview),
            "deprecated" => Some(Status::Deprecated),
            _ => None,
        }
    }
}

/// What a rule runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Artifacts of a kind, of any flavor when `flavors` is `None`.
    Kind { kind: Kind, flavors: Option<Vec<String>> },
    /// The whole project, once.
    Project,
}

impl Target {
    pub fn matches(&self, kind: Kind, flavor: &str) -> bool {
        match self {
            Target::Kind { kind: wanted, flavors } => {
                *wanted == kind && flavors.as_ref().is_none_or(|list| list.iter().any(|one| one == flavor))
            }
            Target::Project => false,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Kind { kind, flavors: None } => write!(f, "{kind}"),
            Target::Kind { kind, flavors: Some(list) } => write!(f, "{kind} ({})", list.join(", ")),
            Target::Project => f.write_str("project"),
        }
    }
}

/// The test of one check.
pub enum Test {
    Function { name: &'static str, function: Box<dyn Function> },
    Schema(Arc<Compiled>),
}

impl fmt::Debug for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Test::Function { name, .. } => write!(f, "Function({name})"),
            Test::Schema(_) => f.write_str("Schema"),
        }
    }
}

/// One entry of `then`.
#[derive(Debug)]
pub struct Check {
    pub field: Option<String>,
    pub test: Test,
}

/// A docs example: a file that fails the rule, one that passes, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub file: String,
    pub fail: Option<String>,
    pub pass: Option<String>,
    /// Other files of the example project, by relative path.
    pub context: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Docs {
    pub what: String,
    pub why: String,
    pub fix: String,
    pub known_problems: Option<String>,
    pub examples: Vec<Example>,
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub status: Status,
    /// The pack version that introduced the rule.
    pub since: String,
    pub deprecated_reason: Option<String>,
    pub applies_to: Vec<Target>,
    pub given: JsonPath,
    /// `given` as written.
    pub given_text: String,
    pub checks: Vec<Check>,
    pub message: Option<String>,
    pub docs: Docs,
    pub references: Vec<Reference>,
    /// The pack that defines the rule, as `name@version`.
    pub pack: String,
}

impl Rule {
    /// The rule data every finding of the rule carries.
    pub fn reference(&self) -> RuleRef {
        RuleRef {
            id: self.id.clone(),
            name: self.name.clone(),
            status: self.status.as_str().to_string(),
            references: self.references.clone(),
        }
    }

    pub fn runs_on_project(&self) -> bool {
        self.applies_to.contains(&Target::Project)
    }
}
