//! Reading a configuration file into a [`Config`].
//!
//! The TOML is parsed into a tree that keeps the span of every key and value. The tree is
//! checked by hand rather than through serde, so that every error names the line and column
//! of the key or value at fault, and an unknown key gets a "did you mean" suggestion. All
//! errors of a file are collected, not just the first.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::pattern::{ExcludeSet, PathPattern, Selector};
use super::{
    Config, ConfigFile, ConfigWaiver, KindOverride, Origin, PerFileIgnore, SeverityOverride, Sourced, PYPROJECT_FILE,
};
use crate::discover::Kind;
use crate::report::waivers::{check_terms, Problem, RuleToken};
use crate::report::{is_finding_reference, Severity, SourceText, ToolError};
use crate::schema::{self, closest, SchemaId};
use crate::source::Span;

/// The keys of a configuration, in the order `--show-config` prints them.
pub(super) const KEYS: [&str; 11] = [
    "packs",
    "rules",
    "select",
    "ignore",
    "fail-on",
    "exclude",
    "schema-versions",
    "severity",
    "per-file-ignores",
    "kinds",
    "waivers",
];

const WAIVER_KEYS: [&str; 6] = ["rule", "file", "pointer", "reason", "owner", "expires"];

/// Reads the configuration file at `path` (absolute), displayed as `display`.
///
/// Returns `Ok(None)` for a `pyproject.toml` without a `[tool.mlconform]` table.
///
/// # Errors
///
/// Returns every problem found: an unreadable file, invalid TOML, unknown keys, values of the
/// wrong type or out of range. Each is located in the file where possible.
pub(super) fn load(path: &Path, display: String) -> Result<Option<Config>, Vec<ToolError>> {
    let unlocated = |message: String| ToolError { message, location: None, source: None, help: None };
    let bytes = crate::source::read::read_regular(path)
        .map_err(|error| vec![unlocated(format!("cannot read the configuration file {display}: {error}"))])?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes).map_err(|error| {
        vec![unlocated(format!(
            "the configuration file {display} is not valid UTF-8 (at byte offset {})",
            error.valid_up_to()
        ))]
    })?;
    parse(path, display, text)
}

/// Reads configuration `text` as the contents of the file at `path` (absolute), displayed as
/// `display`. A `pyproject.toml` path selects the `[tool.mlconform]` table.
///
/// # Errors
///
/// As [`load`], without the reading errors.
pub fn parse(path: &Path, display: String, text: &str) -> Result<Option<Config>, Vec<ToolError>> {
    let pyproject = path.file_name().is_some_and(|name| name == PYPROJECT_FILE);
    let source = SourceText::new(display, text.to_string());

    let root = match DeTable::parse(text) {
        Ok(root) => root,
        // A broken `pyproject.toml` that never mentions mlconform is another tool's problem.
        Err(_) if pyproject && !text.contains("mlconform") => return Ok(None),
        Err(error) => {
            let span = error.span().unwrap_or(0..0);
            let message = format!("invalid TOML: {}", error.message().trim_end());
            return Err(vec![located(&source, span, message, None)]);
        }
    };

    let table = if pyproject {
        let Some(tool) = entry(root.get_ref(), "tool") else { return Ok(None) };
        let DeValue::Table(tool) = tool.1.get_ref() else { return Ok(None) };
        let Some((_, settings)) = entry(tool, "mlconform") else { return Ok(None) };
        match settings.get_ref() {
            DeValue::Table(table) => table,
            other => {
                let message = format!("`tool.mlconform` must be a table, not {}", describe(other));
                return Err(vec![located(&source, settings.span(), message, None)]);
            }
        }
    } else {
        root.get_ref()
    };

    let base = path.parent().map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
    let file = Arc::new(ConfigFile {
        path: path.to_path_buf(),
        base,
        table: pyproject.then_some("tool.mlconform"),
        source: source.clone(),
    });
    let mut reader = Reader { file: file.clone(), errors: Vec::new() };
    let config = reader.read(table);
    if reader.errors.is_empty() {
        Ok(Some(config))
    } else {
        Err(reader.errors)
    }
}

fn entry<'t, 'i>(
    table: &'t DeTable<'i>,
    key: &str,
) -> Option<(&'t Spanned<toml::de::DeString<'i>>, &'t Spanned<DeValue<'i>>)> {
    table.iter().find(|(name, _)| name.get_ref() == key)
}

fn located(source: &Arc<SourceText>, span: Range<usize>, message: String, help: Option<String>) -> ToolError {
    ToolError {
        message,
        location: Some(source.locate(Span::new(span.start, span.end), "")),
        source: Some(source.clone()),
        help,
    }
}

/// Names a TOML value's type with its article, for messages.
fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date or time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn suggestion(text: &str, known: &[&str]) -> Option<String> {
    let known: Vec<String> = known.iter().map(|name| name.to_string()).collect();
    closest(text, &known).map(|near| format!("did you mean `{near}`?"))
}

fn span_of(range: Range<usize>) -> Span {
    Span::new(range.start, range.end)
}

struct Reader {
    file: Arc<ConfigFile>,
    errors: Vec<ToolError>,
}

impl Reader {
    fn source(&self) -> &Arc<SourceText> {
        &self.file.source
    }

    fn origin(&self, range: Range<usize>) -> Origin {
        let location = self.source().locate(span_of(range), "");
        Origin::File {
            path: self.source().path.clone(),
            line: location.line,
            column: location.column,
            span: location.span,
        }
    }

    fn error(&mut self, range: Range<usize>, message: String, help: Option<String>) {
        let error = located(self.source(), range, message, help);
        self.errors.push(error);
    }

    /// Returns the key as written in the file, with the table prefix of a `pyproject.toml`.
    fn key_name(&self, key: &str) -> String {
        match self.file.table {
            Some(table) => format!("{table}.{key}"),
            None => key.to_string(),
        }
    }

    fn read(&mut self, table: &DeTable<'_>) -> Config {
        let mut config = Config { file: Some(self.file.clone()), ..Config::default() };
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            let origin = self.origin(key.span());
            match name {
                "packs" => self.read_packs(value, origin, &mut config),
                "rules" => self.read_rules(value, origin, &mut config),
                "select" => config.select = Some(self.read_selectors(name, value)),
                "ignore" => config.ignore = self.read_selectors(name, value),
                "fail-on" => self.read_fail_on(value, origin, &mut config),
                "exclude" => self.read_exclude(value, &mut config),
                "schema-versions" => self.read_schema_versions(value, origin, &mut config),
                "severity" => self.read_severity(value, &mut config),
                "per-file-ignores" => self.read_per_file_ignores(value, &mut config),
                "kinds" => self.read_kinds(value, &mut config),
                "waivers" => self.read_waivers(value, &mut config),
                _ => {
                    let mut help = suggestion(name, &KEYS).unwrap_or_default();
                    help.push_str(if help.is_empty() { "" } else { " " });
                    help.push_str(&format!("The keys are {}.", KEYS.join(", ")));
                    let message = format!("unknown configuration key `{}`", self.key_name(name));
                    self.error(key.span(), message, Some(help));
                }
            }
        }
        config
    }

    /// Reads an array of strings, reporting each value of another type.
    fn strings(&mut self, key: &str, value: &Spanned<DeValue<'_>>) -> Vec<(String, Range<usize>)> {
        let DeValue::Array(items) = value.get_ref() else {
            let message =
                format!("`{}` must be an array of strings, not {}", self.key_name(key), describe(value.get_ref()));
            let help = match value.get_ref() {
                DeValue::String(text) => Some(format!("write `{key} = [\"{text}\"]`")),
                _ => None,
            };
            self.error(value.span(), message, help);
            return Vec::new();
        };
        let mut strings = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::String(text) => strings.push((text.to_string(), item.span())),
                other => {
                    let message = format!(
                        "`{}` must be an array of strings, but item {} is {}",
                        self.key_name(key),
                        index + 1,
                        describe(other)
                    );
                    self.error(item.span(), message, None);
                }
            }
        }
        strings
    }

    fn string<'v>(&mut self, key: &str, value: &'v Spanned<DeValue<'_>>) -> Option<&'v str> {
        match value.get_ref() {
            DeValue::String(text) => Some(text.as_ref()),
            other => {
                let message = format!("`{}` must be a string, not {}", self.key_name(key), describe(other));
                self.error(value.span(), message, None);
                None
            }
        }
    }

    fn table<'v, 'i>(&mut self, key: &str, value: &'v Spanned<DeValue<'i>>) -> Option<&'v DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            other => {
                let message = format!("`{}` must be a table, not {}", self.key_name(key), describe(other));
                self.error(value.span(), message, Some(format!("write it as a `[{key}]` section")));
                None
            }
        }
    }

    fn read_packs(&mut self, value: &Spanned<DeValue<'_>>, origin: Origin, config: &mut Config) {
        let mut packs: Vec<String> = Vec::new();
        for (text, span) in self.strings("packs", value) {
            if !is_pack_reference(&text) {
                let help = "name a pack as NAME or NAME@VERSION, such as `core@1` or `eu-ai-act@1.0.0`";
                self.error(span, format!("invalid pack `{text}`"), Some(help.to_string()));
            } else if packs.contains(&text) {
                self.error(span, format!("pack `{text}` is listed twice"), None);
            } else {
                packs.push(text);
            }
        }
        config.packs = Some(Sourced { value: packs, origin });
    }

    fn read_rules(&mut self, value: &Spanned<DeValue<'_>>, origin: Origin, config: &mut Config) {
        let mut files = Vec::new();
        for (text, span) in self.strings("rules", value) {
            let path = normalize(&self.file.base.join(&text));
            if path.is_file() {
                files.push(path);
            } else {
                let help = format!(
                    "paths in `rules` are relative to the folder of {}, so this one resolves to {}",
                    self.source().path,
                    path.display()
                );
                self.error(span, format!("rule pack file not found: {text}"), Some(help));
            }
        }
        config.rules = Some(Sourced { value: files, origin });
    }

    fn read_selectors(&mut self, key: &str, value: &Spanned<DeValue<'_>>) -> Vec<Sourced<Selector>> {
        let mut selectors = Vec::new();
        for (text, span) in self.strings(key, value) {
            match Selector::parse(&text) {
                Ok(selector) => selectors.push(Sourced { value: selector, origin: self.origin(span) }),
                Err(message) => self.error(span, message, None),
            }
        }
        selectors
    }

    fn read_fail_on(&mut self, value: &Spanned<DeValue<'_>>, origin: Origin, config: &mut Config) {
        const LEVELS: [&str; 4] = ["error", "warning", "info", "never"];
        let Some(text) = self.string("fail-on", value) else { return };
        let threshold = match text {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            "never" => None,
            _ => {
                let mut help = suggestion(text, &LEVELS).map(|near| format!("{near} ")).unwrap_or_default();
                help.push_str("`fail-on` is one of error, warning, info, never");
                self.error(value.span(), format!("invalid `fail-on` value \"{text}\""), Some(help));
                return;
            }
        };
        config.fail_on = Some(Sourced { value: threshold, origin });
    }

    fn read_exclude(&mut self, value: &Spanned<DeValue<'_>>, config: &mut Config) {
        let patterns = self.strings("exclude", value);
        let texts: Vec<&str> = patterns.iter().map(|(text, _)| text.as_str()).collect();
        match ExcludeSet::new(&self.file.base, &texts) {
            Ok(set) => config.exclude_set = Some(set),
            Err((index, message)) => self.error(
                patterns[index].1.clone(),
                format!("invalid exclude pattern `{}`: {message}", texts[index]),
                None,
            ),
        }
        config.exclude = patterns
            .iter()
            .map(|(text, span)| Sourced { value: text.clone(), origin: self.origin(span.clone()) })
            .collect();
    }

    fn read_schema_versions(&mut self, value: &Spanned<DeValue<'_>>, origin: Origin, config: &mut Config) {
        let mut pins: Vec<SchemaId> = Vec::new();
        for (text, span) in self.strings("schema-versions", value) {
            let Some(id) = SchemaId::parse(&text) else {
                let help = "write KIND/FLAVOR@VERSION, such as `model-card/mct@0.0.1`";
                self.error(span, format!("invalid schema version `{text}`"), Some(help.to_string()));
                continue;
            };
            if schema::find(&id).is_none() {
                let known: Vec<String> =
                    schema::versions(&id.kind, &id.flavor).iter().map(|schema| schema.id.to_string()).collect();
                let (message, help) = if known.is_empty() {
                    (
                        format!("no embedded schema for {}/{}", id.kind, id.flavor),
                        "run `mlconform schemas` to list the embedded schemas".to_string(),
                    )
                } else {
                    (format!("no embedded schema {id}"), format!("available: {}", known.join(", ")))
                };
                self.error(span, message, Some(help));
                continue;
            }
            if let Some(earlier) = pins.iter().find(|pin| pin.kind == id.kind && pin.flavor == id.flavor) {
                let message =
                    format!("{}/{} is pinned twice, to {} and {}", id.kind, id.flavor, earlier.version, id.version);
                self.error(span, message, None);
                continue;
            }
            pins.push(id);
        }
        config.schema_versions = Some(Sourced { value: pins, origin });
    }

    fn read_severity(&mut self, value: &Spanned<DeValue<'_>>, config: &mut Config) {
        const LEVELS: [&str; 4] = ["error", "warning", "info", "off"];
        let Some(table) = self.table("severity", value) else { return };
        for (key, level) in table.iter() {
            let selector = match Selector::parse(key.get_ref()) {
                Ok(selector) => selector,
                Err(message) => {
                    self.error(key.span(), message, None);
                    continue;
                }
            };
            let Some(text) = self.string(&format!("severity.{}", key.get_ref()), level) else { continue };
            let severity = match text {
                "error" => Some(Severity::Error),
                "warning" => Some(Severity::Warning),
                "info" => Some(Severity::Info),
                "off" => None,
                _ => {
                    let mut help = suggestion(text, &LEVELS).map(|near| format!("{near} ")).unwrap_or_default();
                    help.push_str("a severity is one of error, warning, info, off");
                    self.error(level.span(), format!("invalid severity \"{text}\""), Some(help));
                    continue;
                }
            };
            config.severity.push(SeverityOverride { selector, severity, origin: self.origin(key.span()) });
        }
    }

    fn read_per_file_ignores(&mut self, value: &Spanned<DeValue<'_>>, config: &mut Config) {
        let Some(table) = self.table("per-file-ignores", value) else { return };
        for (key, list) in table.iter() {
            let pattern = PathPattern::new(&self.file.base, key.get_ref());
            let name = format!("per-file-ignores.\"{}\"", key.get_ref());
            let selectors: Vec<Selector> =
                self.read_selectors(&name, list).into_iter().map(|selector| selector.value).collect();
            match pattern {
                Ok(pattern) => {
                    config.per_file_ignores.push(PerFileIgnore { pattern, selectors, origin: self.origin(key.span()) })
                }
                Err(message) => {
                    self.error(key.span(), format!("invalid file pattern `{}`: {message}", key.get_ref()), None)
                }
            }
        }
    }

    fn read_kinds(&mut self, value: &Spanned<DeValue<'_>>, config: &mut Config) {
        let Some(table) = self.table("kinds", value) else { return };
        for (key, target) in table.iter() {
            let pattern = match PathPattern::new(&self.file.base, key.get_ref()) {
                Ok(pattern) => pattern,
                Err(message) => {
                    self.error(key.span(), format!("invalid file pattern `{}`: {message}", key.get_ref()), None);
                    continue;
                }
            };
            let Some(text) = self.string(&format!("kinds.\"{}\"", key.get_ref()), target) else { continue };
            let (kind_text, flavor_text) = match text.split_once('/') {
                Some((kind, flavor)) => (kind, Some(flavor)),
                None => (text, None),
            };
            let Ok(kind) = kind_text.parse::<Kind>() else {
                let names: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
                let mut help = suggestion(kind_text, &names).map(|near| format!("{near} ")).unwrap_or_default();
                help.push_str(&format!("the kinds are {}", names.join(", ")));
                self.error(target.span(), format!("unknown kind `{kind_text}`"), Some(help));
                continue;
            };
            let flavor = match flavor_text {
                None => None,
                Some(flavor) => match kind.flavors().iter().find(|known| **known == flavor) {
                    Some(known) => Some(*known),
                    None => {
                        let flavors = kind.flavors();
                        let mut help = suggestion(flavor, flavors).map(|near| format!("{near} ")).unwrap_or_default();
                        help.push_str(&format!("the flavors of {kind} are {}", flavors.join(", ")));
                        self.error(target.span(), format!("unknown flavor `{flavor}` of {kind}"), Some(help));
                        continue;
                    }
                },
            };
            config.kinds.push(KindOverride { pattern, kind, flavor, origin: self.origin(key.span()) });
        }
    }

    fn read_waivers(&mut self, value: &Spanned<DeValue<'_>>, config: &mut Config) {
        let DeValue::Array(entries) = value.get_ref() else {
            let message =
                format!("`{}` must be an array of tables, not {}", self.key_name("waivers"), describe(value.get_ref()));
            self.error(value.span(), message, Some("write each waiver as a `[[waivers]]` section".to_string()));
            return;
        };
        for entry in entries.iter() {
            let DeValue::Table(table) = entry.get_ref() else {
                let message = format!("each waiver must be a table, not {}", describe(entry.get_ref()));
                self.error(entry.span(), message, Some("write each waiver as a `[[waivers]]` section".to_string()));
                continue;
            };
            if let Some(waiver) = self.read_waiver(table, entry.span()) {
                config.waivers.push(waiver);
            }
        }
    }

    /// Reads one `[[waivers]]` entry. Wrong types and unknown keys are configuration errors.
    /// A missing rule, file or reason, or an invalid pattern, pointer or date, makes the entry
    /// invalid instead, and the run reports it as `waiver-invalid`.
    fn read_waiver(&mut self, table: &DeTable<'_>, whole: Range<usize>) -> Option<ConfigWaiver> {
        let errors_before = self.errors.len();
        let mut rules: Option<Vec<RuleToken>> = None;
        let mut file: Option<(String, Range<usize>)> = None;
        let mut pointer: Option<(String, Range<usize>)> = None;
        let mut reason: Option<(String, Range<usize>)> = None;
        let mut owner: Option<String> = None;
        let mut expires: Option<(String, Range<usize>)> = None;

        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            let key_name = format!("waivers.{name}");
            match name {
                "rule" => {
                    let texts = match value.get_ref() {
                        DeValue::String(text) => vec![(text.to_string(), value.span())],
                        DeValue::Array(_) => self.strings(&key_name, value),
                        other => {
                            let message = format!(
                                "`{}` must be a string or an array of strings, not {}",
                                self.key_name(&key_name),
                                describe(other)
                            );
                            self.error(value.span(), message, None);
                            continue;
                        }
                    };
                    rules =
                        Some(texts.into_iter().map(|(text, span)| RuleToken { text, span: span_of(span) }).collect());
                }
                "file" => file = self.string(&key_name, value).map(|text| (text.to_string(), value.span())),
                "pointer" => pointer = self.string(&key_name, value).map(|text| (text.to_string(), value.span())),
                "reason" => reason = self.string(&key_name, value).map(|text| (text.to_string(), value.span())),
                "owner" => owner = self.string(&key_name, value).map(str::to_string),
                "expires" => match value.get_ref() {
                    DeValue::String(text) => expires = Some((text.to_string(), value.span())),
                    DeValue::Datetime(datetime) => expires = Some((datetime.to_string(), value.span())),
                    other => {
                        let message = format!("`{}` must be a date, not {}", self.key_name(&key_name), describe(other));
                        self.error(value.span(), message, Some("write `expires = 2027-06-30`".to_string()));
                    }
                },
                _ => {
                    let mut help = suggestion(name, &WAIVER_KEYS).map(|near| format!("{near} ")).unwrap_or_default();
                    help.push_str(&format!("a waiver takes {}", WAIVER_KEYS.join(", ")));
                    self.error(key.span(), format!("unknown waiver key `{name}`"), Some(help));
                }
            }
        }
        if self.errors.len() > errors_before {
            return None;
        }

        let whole_span = span_of(whole.clone());
        let pattern = file.as_ref().map(|(text, span)| {
            PathPattern::new(&self.file.base, text).map_err(|message| {
                Problem::new(format!("invalid file pattern `{text}`: {message}"), span_of(span.clone()))
            })
        });
        let content = (|| {
            let rules = rules.filter(|rules| !rules.is_empty()).ok_or_else(|| {
                Problem::new("the waiver names no rule", whole_span)
                    .with_help("add `rule = \"...\"` with a rule id, a rule name or a finding code")
            })?;
            if let Some(rule) = rules.iter().find(|rule| !is_finding_reference(&rule.text)) {
                return Err(Problem::new(
                    format!("`{}` is not a rule id, rule name or finding code", rule.text),
                    rule.span,
                ));
            }
            match &pattern {
                None => {
                    return Err(Problem::new("the waiver names no file", whole_span).with_help(
                        "add `file = \"...\"` with the file's path or a glob, relative to this configuration's folder",
                    ))
                }
                Some(Err(problem)) => return Err(problem.clone()),
                Some(Ok(_)) => {}
            }
            if let Some((text, span)) = &pointer {
                if !text.is_empty() && !text.starts_with('/') {
                    return Err(Problem::new(format!("invalid JSON Pointer `{text}`"), span_of(span.clone()))
                        .with_help("a JSON Pointer is empty or starts with `/`, such as `/zero_optimization/stage`"));
                }
            }
            let terms = check_terms(
                reason.as_ref().map(|(text, span)| (text.as_str(), span_of(span.clone()))),
                owner.as_deref(),
                expires.as_ref().map(|(text, span)| (text.as_str(), span_of(span.clone()))),
                whole_span,
            )?;
            Ok((rules, terms))
        })();

        Some(ConfigWaiver {
            span: whole_span,
            origin: self.origin(whole),
            file: pattern.and_then(Result::ok),
            pointer: pointer.map(|(text, _)| text),
            content,
        })
    }
}

/// Returns whether `text` names a pack: a kebab-case name, optionally with `@` and a version of
/// one to three numbers.
fn is_pack_reference(text: &str) -> bool {
    let (name, version) = match text.split_once('@') {
        Some((name, version)) => (name, Some(version)),
        None => (text, None),
    };
    let name_ok = !name.is_empty()
        && name
            .split('-')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    let version_ok = version.is_none_or(|version| {
        let parts: Vec<&str> = version.split('.').collect();
        parts.len() <= 3 && parts.iter().all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
    });
    name_ok && version_ok
}

/// Removes `.` and `..` components without touching the file system.
pub(super) fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

#[cfg(test)]
mod tests;
