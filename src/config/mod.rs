//! Project configuration: `mlconform.toml`, or the `[tool.mlconform]` table of
//! `pyproject.toml`.
//!
//! # Discovery
//!
//! Each checked file uses its nearest configuration: the first folder, from the file's own
//! folder upwards to the file system root, that contains an `mlconform.toml`, or a
//! `pyproject.toml` with a `[tool.mlconform]` table. When one folder holds both,
//! `mlconform.toml` wins. A `pyproject.toml` without the table is passed over. Settings are
//! never merged across files: the nearest configuration is used whole, and a file without
//! one gets the defaults. `--config FILE` replaces discovery, and its settings apply to every
//! file. In every case, paths and patterns in a configuration are relative to the folder of
//! the file that holds them.
//!
//! Most settings apply per file, so a project inside a larger one can keep its own:
//! `select`, `ignore`, `[severity]`, `per-file-ignores`, `[kinds]`, `exclude` and
//! `[[waivers]]`. Four settings apply to the whole run, because they decide which rules and
//! schemas are loaded and what the exit code means: `packs`, `rules`, `schema-versions` and
//! `fail-on`. They come from the run configuration: the configuration of the first path on
//! the command line, or the `--config` file. Another configuration in the run that sets one
//! of them differently gets a `config-setting-ignored` warning at that key.
//!
//! # Precedence
//!
//! Command-line options override the file: `--select` replaces `select`, `--ignore` adds to
//! `ignore`, `--fail-on` replaces `fail-on`, `--schema-version` wins over `schema-versions`
//! for the same kind and flavor, and `--exclude` adds to `exclude`.
//!
//! # Order of application
//!
//! 1. Before checking: `exclude` leaves walked files out, `[kinds]` fixes the kind of matching
//!    files, `schema-versions` pins schema versions.
//! 2. After all findings exist ([`apply`]): `select` and `ignore`, then `per-file-ignores`,
//!    then `[severity]`, whose `off` removes a finding.
//! 3. Then waivers, inline and from `[[waivers]]`, mark the findings they cover. Findings
//!    about waivers go through step 2 as well.

mod apply;
mod discover;
pub mod init;
mod parse;
pub mod pattern;
pub mod show;

use std::path::PathBuf;
use std::sync::Arc;

use crate::discover::Kind;
use crate::report::waivers::{RuleToken, Terms};
use crate::report::{Severity, SourceText};
use crate::schema::SchemaId;
use crate::source::Span;

pub use apply::apply;
pub use discover::{Configs, ForcedKind, RunSettings};
pub use parse::parse;
pub use pattern::{ExcludeSet, PathPattern, Selector};

/// The file name of a stand-alone configuration.
pub const CONFIG_FILE: &str = "mlconform.toml";
/// The Python project file whose `[tool.mlconform]` table is a configuration.
pub const PYPROJECT_FILE: &str = "pyproject.toml";

/// The origin of a setting's value, for `--show-config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    /// A configuration file, at the key or entry that sets the value.
    File {
        path: String,
        line: usize,
        column: usize,
        span: Span,
    },
    /// A command-line option, such as `--ignore`.
    CommandLine(&'static str),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File { path, line, column, .. } => write!(f, "{path}:{line}:{column}"),
            Origin::CommandLine(option) => write!(f, "command line ({option})"),
        }
    }
}

/// A value and where it comes from.
#[derive(Debug, Clone)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

/// A configuration file that was read.
#[derive(Debug)]
pub struct ConfigFile {
    /// The file's absolute path.
    pub path: PathBuf,
    /// The folder that relative paths and patterns in the file start from.
    pub base: PathBuf,
    /// `Some("tool.mlconform")` for a `pyproject.toml`, whose settings sit in that table.
    pub table: Option<&'static str>,
    /// The text, for locating findings and errors; its path is the file as displayed.
    pub source: Arc<SourceText>,
}

/// A `[severity]` entry.
#[derive(Debug, Clone)]
pub struct SeverityOverride {
    pub selector: Selector,
    /// The new severity, or `None` for `off`, which removes the finding.
    pub severity: Option<Severity>,
    pub origin: Origin,
}

/// A `per-file-ignores` entry.
#[derive(Debug, Clone)]
pub struct PerFileIgnore {
    pub pattern: PathPattern,
    pub selectors: Vec<Selector>,
    pub origin: Origin,
}

/// A `[kinds]` entry: files matching `pattern` are of `kind`, and of `flavor` when given,
/// without classification.
#[derive(Debug, Clone)]
pub struct KindOverride {
    pub pattern: PathPattern,
    pub kind: Kind,
    pub flavor: Option<&'static str>,
    pub origin: Origin,
}

/// A `[[waivers]]` entry.
#[derive(Debug, Clone)]
pub struct ConfigWaiver {
    /// The entry's header or inline table, where findings about the entry are located.
    pub span: Span,
    pub origin: Origin,
    /// The files it covers; `None` when the pattern is missing or invalid, which makes
    /// `content` an error.
    pub file: Option<PathPattern>,
    /// The JSON Pointer it covers; `None` for the whole file.
    pub pointer: Option<String>,
    /// The named rules and the terms; or why the entry is invalid.
    pub content: Result<(Vec<RuleToken>, Terms), crate::report::waivers::Problem>,
}

/// The settings of one configuration file, or the defaults.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `None` for the defaults.
    pub file: Option<Arc<ConfigFile>>,
    /// `None` when not set: the default packs.
    pub packs: Option<Sourced<Vec<String>>>,
    /// Rule-pack files, resolved to absolute paths.
    pub rules: Option<Sourced<Vec<PathBuf>>>,
    /// `None` when not set: every finding is selected.
    pub select: Option<Vec<Sourced<Selector>>>,
    pub ignore: Vec<Sourced<Selector>>,
    /// The lowest severity that fails the run; `Some(None)` for `never`.
    pub fail_on: Option<Sourced<Option<Severity>>>,
    pub exclude: Vec<Sourced<String>>,
    /// The compiled `exclude` patterns.
    pub exclude_set: Option<ExcludeSet>,
    pub severity: Vec<SeverityOverride>,
    pub per_file_ignores: Vec<PerFileIgnore>,
    pub kinds: Vec<KindOverride>,
    pub schema_versions: Option<Sourced<Vec<SchemaId>>>,
    pub waivers: Vec<ConfigWaiver>,
}

impl Config {
    /// Returns the file's path as displayed, or `None` for the defaults.
    pub fn display_path(&self) -> Option<&str> {
        self.file.as_ref().map(|file| file.source.path.as_str())
    }

    /// Returns the kind override for the file at `relative` (relative to this configuration's
    /// folder): the first `[kinds]` entry that matches.
    pub fn kind_for(&self, relative: &std::path::Path) -> Option<&KindOverride> {
        self.kinds.iter().find(|entry| entry.pattern.matches(relative))
    }
}

/// Settings given on the command line, which override every configuration file.
#[derive(Debug, Clone, Default)]
pub struct CommandLine {
    /// `--select`: replaces `select` when given.
    pub select: Option<Vec<Selector>>,
    /// `--ignore`: added to `ignore`.
    pub ignore: Vec<Selector>,
    /// `--fail-on`: `Some(None)` for `never`.
    pub fail_on: Option<Option<Severity>>,
    /// `--schema-version`.
    pub schema_versions: Vec<SchemaId>,
    /// `--exclude`, applied by the walker; listed here for `--show-config`.
    pub exclude: Vec<String>,
    /// Rule packs named on the command line; they replace `packs` when not empty.
    pub packs: Vec<String>,
    /// Rule-pack files named on the command line; they replace `rules` when not empty.
    pub rule_files: Vec<PathBuf>,
}

/// Returns the name of a `fail-on` threshold.
pub fn threshold_name(threshold: Option<Severity>) -> &'static str {
    threshold.map_or("never", Severity::as_str)
}
