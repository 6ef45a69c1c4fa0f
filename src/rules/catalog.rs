//! The packs a run can use (built-in and the user's files), `extends` resolution with version
//! pins and cycle detection, and the selection of packs a run applies.

use std::path::PathBuf;
use std::sync::Arc;

use super::loader::{self, LoadedPack, Origin, PackError};
use super::rule::Rule;
use crate::schema::{closest, compare_versions};
use crate::source::Limits;

static EMBEDDED_PACKS: &[(&str, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_packs.rs"));

/// The packs applied when neither the command line nor a config names any.
pub const DEFAULT_PACKS: &[&str] = &["core", "security"];

/// A pack request: `core`, `core@1` (newest 1.x.y), `core@1.0` or `core@1.0.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackSpec {
    pub name: String,
    /// Version parts given, such as `["1"]` for `@1`; empty for the newest version.
    pub version: Vec<String>,
}

impl PackSpec {
    pub fn parse(text: &str) -> Result<PackSpec, String> {
        let (name, version) = match text.split_once('@') {
            Some((name, version)) => (name, Some(version)),
            None => (text, None),
        };
        if name.is_empty() || !name.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-') {
            return Err(format!("\"{text}\" is not a pack name; expected NAME or NAME@VERSION, such as core@1"));
        }
        let version: Vec<String> = match version {
            None => Vec::new(),
            Some(version) => {
                let parts: Vec<String> = version.split('.').map(str::to_string).collect();
                if parts.len() > 3
                    || parts.iter().any(|part| part.is_empty() || !part.chars().all(|ch| ch.is_ascii_digit()))
                {
                    return Err(format!("\"{version}\" in \"{text}\" is not a version; expected 1, 1.2 or 1.2.3"));
                }
                parts
            }
        };
        Ok(PackSpec { name: name.to_string(), version })
    }

    fn accepts(&self, version: &str) -> bool {
        let parts: Vec<&str> = version.split('.').collect();
        self.version.iter().zip(&parts).all(|(wanted, have)| wanted == have) && self.version.len() <= parts.len()
    }
}

impl std::fmt::Display for PackSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.version.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}@{}", self.name, self.version.join("."))
        }
    }
}

/// Every pack a run can select.
#[derive(Debug, Default)]
pub struct Catalog {
    pub packs: Vec<LoadedPack>,
    /// Indexes of the packs loaded from the user's files, in the order given.
    pub user: Vec<usize>,
}

/// The rules a run applies.
#[derive(Debug, Default)]
pub struct RuleSet {
    /// The packs selected, as `name@version`.
    pub packs: Vec<String>,
    pub rules: Vec<Arc<Rule>>,
}

impl Catalog {
    /// Loads the built-in packs and the packs in `files`. A built-in pack whose name or version
    /// disagrees with its place under `rules/` is an error.
    pub fn load(files: &[PathBuf], limits: &Limits) -> Result<Catalog, Vec<PackError>> {
        let mut catalog = Catalog::default();
        let mut errors = Vec::new();
        for (name, version, text) in EMBEDDED_PACKS {
            let display = format!("rules/{name}/{version}.yaml");
            match loader::load(&display, text, Origin::Builtin, limits) {
                Ok(pack) => {
                    if pack.name != *name {
                        errors.push(pack.error_at(
                            "/pack",
                            format!("the pack is named \"{}\" but lives in rules/{name}/", pack.name),
                        ));
                    } else if pack.version != *version {
                        errors.push(pack.error_at(
                            "/version",
                            format!("the pack version {} differs from its file name {version}.yaml", pack.version),
                        ));
                    } else {
                        catalog.packs.push(pack);
                    }
                }
                Err(mut pack_errors) => errors.append(&mut pack_errors),
            }
        }
        for path in files {
            let text = match crate::source::read::read_regular_to_string(path) {
                Ok(text) => text,
                Err(error) => {
                    errors.push(PackError::plain(format!("cannot read rule pack {}: {error}", path.display())));
                    continue;
                }
            };
            match loader::load(&path.display().to_string(), &text, Origin::File(path.clone()), limits) {
                Ok(pack) => {
                    let duplicate =
                        catalog.packs.iter().any(|other| other.name == pack.name && other.version == pack.version);
                    if duplicate {
                        errors.push(
                            pack.error_at("/version", format!("pack {}@{} is already loaded", pack.name, pack.version))
                                .with_help("give your pack another name or version"),
                        );
                    } else {
                        catalog.user.push(catalog.packs.len());
                        catalog.packs.push(pack);
                    }
                }
                Err(mut pack_errors) => errors.append(&mut pack_errors),
            }
        }
        if errors.is_empty() {
            Ok(catalog)
        } else {
            Err(errors)
        }
    }

    /// Returns the index of the newest pack that `spec` accepts.
    pub fn find(&self, spec: &PackSpec) -> Option<usize> {
        self.packs
            .iter()
            .enumerate()
            .filter(|(_, pack)| pack.name == spec.name && spec.accepts(&pack.version))
            .max_by(|(_, a), (_, b)| compare_versions(&a.version, &b.version))
            .map(|(index, _)| index)
    }

    /// Words why no pack matches `spec`, with the packs that exist as help.
    fn not_found(&self, spec: &PackSpec) -> (String, String) {
        let versions: Vec<&str> =
            self.packs.iter().filter(|pack| pack.name == spec.name).map(|pack| pack.version.as_str()).collect();
        if versions.is_empty() {
            let mut names: Vec<String> = self.packs.iter().map(|pack| pack.name.clone()).collect();
            names.sort();
            names.dedup();
            let help = match closest(&spec.name, &names) {
                Some(near) => format!("did you mean \"{near}\"?"),
                None => format!("the known packs are {}", names.join(", ")),
            };
            (format!("no rule pack named \"{}\"", spec.name), help)
        } else {
            (
                format!("no version of pack \"{}\" matches {spec}", spec.name),
                format!("available versions: {}", versions.join(", ")),
            )
        }
    }

    /// Returns the rules of pack `index` with those of the packs it extends, included packs
    /// first. A rule of the extending pack replaces an included rule with the same id.
    pub fn resolve(&self, index: usize) -> Result<Vec<Arc<Rule>>, Vec<PackError>> {
        self.resolve_with(index, &mut Vec::new())
    }

    fn resolve_with(&self, index: usize, stack: &mut Vec<usize>) -> Result<Vec<Arc<Rule>>, Vec<PackError>> {
        let pack = &self.packs[index];
        stack.push(index);
        let mut rules: Vec<Arc<Rule>> = Vec::new();
        let mut errors = Vec::new();
        for (text, at) in &pack.extends {
            let spec = match PackSpec::parse(text) {
                Ok(spec) => spec,
                Err(message) => {
                    errors.push(pack.error_at(at, message));
                    continue;
                }
            };
            let Some(included) = self.find(&spec) else {
                let (message, help) = self.not_found(&spec);
                errors.push(pack.error_at(at, message).with_help(help));
                continue;
            };
            if let Some(position) = stack.iter().position(|open| *open == included) {
                let cycle: Vec<String> = stack[position..]
                    .iter()
                    .chain(std::iter::once(&included))
                    .map(|open| format!("{}@{}", self.packs[*open].name, self.packs[*open].version))
                    .collect();
                errors.push(pack.error_at(at, format!("`extends` forms a cycle: {}", cycle.join(" -> "))));
                continue;
            }
            match self.resolve_with(included, stack) {
                Ok(included_rules) => {
                    for rule in included_rules {
                        if !rules.iter().any(|have| have.id == rule.id) {
                            rules.push(rule);
                        }
                    }
                }
                Err(mut included_errors) => errors.append(&mut included_errors),
            }
        }
        stack.pop();
        if !errors.is_empty() {
            return Err(errors);
        }
        for rule in &pack.rules {
            match rules.iter().position(|have| have.id == rule.id) {
                Some(position) => rules[position] = rule.clone(),
                None => rules.push(rule.clone()),
            }
        }
        Ok(rules)
    }

    /// Selects the rules of the packs `specs` names (the default packs when it is empty), plus
    /// every pack loaded from the user's files. A rule id or name defined differently by two
    /// selected packs is an error.
    pub fn select(&self, specs: &[String]) -> Result<RuleSet, Vec<PackError>> {
        let mut chosen: Vec<usize> = Vec::new();
        let mut errors = Vec::new();
        let defaults: Vec<String> = DEFAULT_PACKS.iter().map(|name| name.to_string()).collect();
        let specs = if specs.is_empty() { &defaults } else { specs };
        for text in specs {
            match PackSpec::parse(text) {
                Ok(spec) => match self.find(&spec) {
                    Some(index) => chosen.push(index),
                    None => {
                        let (message, help) = self.not_found(&spec);
                        errors.push(PackError::plain(message).with_help(help));
                    }
                },
                Err(message) => errors.push(PackError::plain(message)),
            }
        }
        chosen.extend(self.user.iter().copied());
        let mut unique = Vec::new();
        for index in chosen {
            if !unique.contains(&index) {
                unique.push(index);
            }
        }

        let mut set = RuleSet::default();
        for index in unique {
            let pack = &self.packs[index];
            set.packs.push(format!("{}@{}", pack.name, pack.version));
            let rules = match self.resolve(index) {
                Ok(rules) => rules,
                Err(mut pack_errors) => {
                    errors.append(&mut pack_errors);
                    continue;
                }
            };
            for rule in rules {
                if let Some(have) = set.rules.iter().find(|have| have.id == rule.id || have.name == rule.name) {
                    if !Arc::ptr_eq(have, &rule) {
                        errors.push(
                            PackError::plain(format!(
                                "rule {} ({}) of {} conflicts with rule {} ({}) of {}",
                                rule.id, rule.name, rule.pack, have.id, have.name, have.pack
                            ))
                            .with_help("select only one of the two packs, or give the rules distinct ids and names"),
                        );
                    }
                    continue;
                }
                set.rules.push(rule);
            }
        }
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    /// Returns the newest version of each pack, sorted by name, for listing and `explain`.
    pub fn newest(&self) -> Vec<&LoadedPack> {
        let mut names: Vec<&str> = self.packs.iter().map(|pack| pack.name.as_str()).collect();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter_map(|name| self.find(&PackSpec { name: name.to_string(), version: Vec::new() }))
            .map(|index| &self.packs[index])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        assert_eq!(PackSpec::parse("core").unwrap().version, Vec::<String>::new());
        assert_eq!(PackSpec::parse("eu-ai-act@1").unwrap().version, vec!["1"]);
        assert!(PackSpec::parse("core@1.x").is_err());
        assert!(PackSpec::parse("Core").is_err());
    }

    #[test]
    fn pins_accept_versions() {
        let spec = PackSpec::parse("core@1").unwrap();
        assert!(spec.accepts("1.0.0"));
        assert!(spec.accepts("1.4.2"));
        assert!(!spec.accepts("2.0.0"));
        assert!(!spec.accepts("10.0.0"));
        assert!(PackSpec::parse("core@1.2.3").unwrap().accepts("1.2.3"));
        assert!(!PackSpec::parse("core@1.2").unwrap().accepts("1.3.0"));
    }

    fn pack(name: &str, version: &str, extends: &[&str], ids: &[&str]) -> String {
        let mut text =
            format!("pack: {name}\nversion: {version}\ndescription: d\nextends: [{}]\nrules:\n", extends.join(", "));
        for id in ids {
            text.push_str(&format!(
                "  - id: {id}\n    name: rule-{}\n    severity: error\n    status: stable\n    since: {version}\n    applies-to: [{{kind: model-card}}]\n    then: {{field: license, function: defined}}\n    docs: {{what: w, why: y, fix: f, examples: [{{file: README.md, pass: x}}]}}\n    references: [{{standard: S, clause: C}}]\n",
                id.to_lowercase()
            ));
        }
        text
    }

    fn catalog(packs: &[String]) -> Result<Catalog, Vec<PackError>> {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<PathBuf> = packs
            .iter()
            .enumerate()
            .map(|(index, text)| {
                let path = dir.path().join(format!("p{index}.yaml"));
                std::fs::write(&path, text).unwrap();
                path
            })
            .collect();
        Catalog::load(&files, &Limits::default())
    }

    #[test]
    fn extends_includes_and_overrides() {
        let catalog = catalog(&[
            pack("base", "1.0.0", &[], &["BAS001", "BAS002"]),
            pack("base", "1.1.0", &[], &["BAS001", "BAS002", "BAS003"]),
            pack("child", "1.0.0", &["base@1"], &["BAS002", "CHD001"]),
        ])
        .unwrap();
        let child = catalog.find(&PackSpec::parse("child").unwrap()).unwrap();
        let rules = catalog.resolve(child).unwrap();
        let ids: Vec<(&str, &str)> = rules.iter().map(|rule| (rule.id.as_str(), rule.pack.as_str())).collect();
        assert_eq!(
            ids,
            vec![
                ("BAS001", "base@1.1.0"),
                ("BAS002", "child@1.0.0"),
                ("BAS003", "base@1.1.0"),
                ("CHD001", "child@1.0.0")
            ]
        );
    }

    #[test]
    fn extends_cycle_is_reported() {
        let catalog = catalog(&[
            pack("one", "1.0.0", &["two@1"], &["ONE001"]),
            pack("two", "1.0.0", &["one@1.0.0"], &["TWO001"]),
        ])
        .unwrap();
        let one = catalog.find(&PackSpec::parse("one").unwrap()).unwrap();
        let errors = catalog.resolve(one).unwrap_err();
        assert_eq!(errors[0].message, "`extends` forms a cycle: one@1.0.0 -> two@1.0.0 -> one@1.0.0");
        assert_eq!(errors[0].location.as_ref().unwrap().line, 4);
    }

    #[test]
    fn unknown_pack_suggests_name() {
        let catalog = catalog(&[
            pack("baseline", "1.0.0", &[], &["BAS001"]),
            pack("child", "1.0.0", &["basline@1"], &["CHD001"]),
        ])
        .unwrap();
        let child = catalog.find(&PackSpec::parse("child").unwrap()).unwrap();
        let errors = catalog.resolve(child).unwrap_err();
        assert_eq!(errors[0].message, "no rule pack named \"basline\"");
        assert_eq!(errors[0].help.as_deref(), Some("did you mean \"baseline\"?"));
    }
}
