//! Rule packs and the rule engine.
//!
//! Schemas say whether a file is well formed; rules say whether a project meets a standard.
//! A rule pack (`rules/<pack>/<version>.yaml`, specified in `docs/rule-packs.md`) is a list of
//! declarative rules, each citing the clauses it enforces. The steps:
//!
//! - [`loader`] reads one pack with positions, validates it against
//!   `rules/rule-pack.schema.json` and compiles its rules ([`rule`]): JSONPaths parsed,
//!   functions and schema fragments compiled once per run.
//! - [`catalog`] holds the built-in packs (embedded at build time) and the user's pack files,
//!   resolves `extends` with version pins, and selects the packs a run applies.
//! - [`context`] is the project the rules see, built after every file is parsed.
//! - [`evaluate`] runs the rules over it; [`functions`] are the built-in checks, one file each;
//!   [`message`] words what they found into findings.

pub mod catalog;
pub mod context;
pub mod evaluate;
pub mod functions;
pub mod loader;
pub mod markdown;
pub mod message;
pub mod pack;
pub mod rule;

use std::path::PathBuf;

pub use catalog::{Catalog, PackSpec, RuleSet, DEFAULT_PACKS};
pub use context::{Artifact, ArtifactDocument, MarkdownBody, Project, SummaryPlaces};
pub use evaluate::evaluate;
pub use loader::PackError;
pub use rule::{Rule, Status, Target};

use crate::source::Limits;

/// Loads the built-in packs and `files`, and selects `packs` (the default packs when empty)
/// plus every pack in `files`.
pub fn load_rule_set(packs: &[String], files: &[PathBuf], limits: &Limits) -> Result<RuleSet, Vec<PackError>> {
    Catalog::load(files, limits)?.select(packs)
}

/// Finds a rule of the newest version of any pack by id or name, case-insensitively for ids.
pub fn find_rule<'a>(catalog: &'a Catalog, id_or_name: &str) -> Option<&'a std::sync::Arc<Rule>> {
    catalog
        .newest()
        .into_iter()
        .flat_map(|pack| pack.rules.iter())
        .find(|rule| rule.id.eq_ignore_ascii_case(id_or_name) || rule.name == id_or_name)
}
