//! Selectors, which name findings, and path patterns, which name files.

use std::fmt;
use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::report::{is_finding_reference, Finding};

/// Names findings in `select`, `ignore`, `[severity]` and `per-file-ignores`: a rule id or an
/// id prefix in upper case (`MLC001`, `EUA`), or a rule name or finding code in lower kebab
/// case (`model-card-license-missing`, `duplicate-key`), which must match exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector(String);

/// How closely a selector names a finding. An exact id, name or code is more specific than any
/// prefix, and a longer prefix more than a shorter one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Specificity {
    exact: bool,
    length: usize,
}

impl Specificity {
    /// The specificity of the implicit "select everything" when `select` is not set.
    pub const ANY: Specificity = Specificity { exact: false, length: 0 };
}

impl Selector {
    /// Parses a selector.
    ///
    /// # Errors
    ///
    /// Returns a message when `text` is neither an upper-case id nor a lower-case name.
    pub fn parse(text: &str) -> Result<Selector, String> {
        if is_finding_reference(text) {
            Ok(Selector(text.to_string()))
        } else {
            Err(format!(
                "`{text}` is not a rule id or id prefix (such as `MLC001` or `EUA`), a rule name or a finding code (such as `duplicate-key`)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn is_id(&self) -> bool {
        self.0.starts_with(|c: char| c.is_ascii_uppercase())
    }

    /// Returns how specifically this selector names `finding`, or `None` when it does not.
    pub fn specificity(&self, finding: &Finding) -> Option<Specificity> {
        let length = self.0.len();
        if finding.is_named(&self.0) {
            return Some(Specificity { exact: true, length });
        }
        let id = finding.rule.as_ref().map_or(finding.code.as_str(), |rule| rule.id.as_str());
        (self.is_id() && id.starts_with(&self.0)).then_some(Specificity { exact: false, length })
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A gitignore-style pattern for files, relative to the folder of the configuration file that
/// holds it: `data/*.csv` is anchored there, `*.md` matches at any depth, `deploy/` matches
/// everything under a `deploy` folder. A leading `!` matches every file the rest does not.
#[derive(Debug, Clone)]
pub struct PathPattern {
    text: String,
    negated: bool,
    matcher: Gitignore,
}

impl PathPattern {
    /// Compiles `text`, anchored at `base`.
    ///
    /// # Errors
    ///
    /// Returns the glob parser's message for an invalid pattern.
    pub fn new(base: &Path, text: &str) -> Result<PathPattern, String> {
        let (negated, glob) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if glob.trim().is_empty() {
            return Err("the pattern is empty".to_string());
        }
        let matcher = compile(base, &[glob])?;
        Ok(PathPattern { text: text.to_string(), negated, matcher })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Returns whether the file at `relative` (relative to the pattern's base) matches.
    pub fn matches(&self, relative: &Path) -> bool {
        let matched = self.matcher.matched_path_or_any_parents(relative, false).is_ignore();
        matched != self.negated
    }
}

/// The `exclude` patterns of one configuration file, read together as one gitignore file, so a
/// later `!pattern` takes back part of an earlier one.
#[derive(Debug, Clone)]
pub struct ExcludeSet {
    matcher: Gitignore,
}

impl ExcludeSet {
    /// Compiles `patterns`, anchored at `base`.
    ///
    /// # Errors
    ///
    /// Returns the index of the first invalid pattern and the glob parser's message.
    pub fn new(base: &Path, patterns: &[&str]) -> Result<ExcludeSet, (usize, String)> {
        for (index, pattern) in patterns.iter().enumerate() {
            compile(base, &[pattern]).map_err(|message| (index, message))?;
        }
        let matcher = compile(base, patterns).map_err(|message| (0, message))?;
        Ok(ExcludeSet { matcher })
    }

    pub fn is_empty(&self) -> bool {
        self.matcher.is_empty()
    }

    /// Returns whether the file at `relative` (relative to the set's base) is excluded.
    pub fn excludes(&self, relative: &Path) -> bool {
        self.matcher.matched_path_or_any_parents(relative, false).is_ignore()
    }
}

fn compile(base: &Path, lines: &[&str]) -> Result<Gitignore, String> {
    let mut builder = GitignoreBuilder::new(base);
    for line in lines {
        builder.add_line(None, line).map_err(|error| error.to_string())?;
    }
    builder.build().map_err(|error| error.to_string())
}

/// Returns `path` relative to `base` when it lies inside it. Both must be absolute and
/// normalized.
pub fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    path.strip_prefix(base).ok().map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Location, RuleRef, Severity};

    fn finding(code: &str, rule: Option<(&str, &str)>) -> Finding {
        let mut finding = Finding::new(code, Severity::Error, String::new(), Location::file("x"));
        finding.rule = rule.map(|(id, name)| RuleRef::stable(id, name));
        finding
    }

    fn selector(text: &str) -> Selector {
        Selector::parse(text).unwrap()
    }

    #[test]
    fn selectors_match_id_name_and_code() {
        let rule = finding("EUA012", Some(("EUA012", "intended-use-missing")));
        assert!(selector("EUA012").specificity(&rule).is_some());
        assert!(selector("intended-use-missing").specificity(&rule).is_some());
        assert!(selector("EUA").specificity(&rule).is_some());
        assert!(selector("EUA01").specificity(&rule).is_some());
        assert!(selector("EUA013").specificity(&rule).is_none());
        assert!(selector("MLC").specificity(&rule).is_none());
        assert!(selector("intended-use").specificity(&rule).is_none(), "names match exactly");

        let parser = finding("duplicate-key", None);
        assert!(selector("duplicate-key").specificity(&parser).is_some());
        assert!(selector("duplicate").specificity(&parser).is_none());
    }

    #[test]
    fn prefix_uses_rule_id_not_code() {
        let rule = finding("renamed", Some(("MLC001", "model-card-license-missing")));
        assert!(selector("MLC").specificity(&rule).is_some());
    }

    #[test]
    fn specificity_orders_exact_over_prefixes() {
        let rule = finding("EUA012", Some(("EUA012", "intended-use-missing")));
        let exact = selector("EUA012").specificity(&rule).unwrap();
        let by_name = selector("intended-use-missing").specificity(&rule).unwrap();
        let long = selector("EUA01").specificity(&rule).unwrap();
        let short = selector("EUA").specificity(&rule).unwrap();
        assert!(exact > long);
        assert!(by_name > long);
        assert!(long > short);
        assert!(short > Specificity::ANY);
    }

    #[test]
    fn invalid_selectors_are_rejected() {
        for text in ["", "Mlc001", "duplicate key", "dup*", "-x", "é"] {
            assert!(Selector::parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn path_patterns_follow_gitignore() {
        let base = Path::new("/project");
        let anchored = PathPattern::new(base, "data/*.csv").unwrap();
        assert!(anchored.matches(Path::new("data/a.csv")));
        assert!(!anchored.matches(Path::new("other/data/a.csv")));
        let anywhere = PathPattern::new(base, "*.md").unwrap();
        assert!(anywhere.matches(Path::new("cards/x/README.md")));
        let folder = PathPattern::new(base, "deploy/").unwrap();
        assert!(folder.matches(Path::new("deploy/prod/app.yaml")));
        let globstar = PathPattern::new(base, "configs/**/ds_*.json").unwrap();
        assert!(globstar.matches(Path::new("configs/a/b/ds_config.json")));
    }

    #[test]
    fn negated_path_pattern_inverts() {
        let pattern = PathPattern::new(Path::new("/p"), "!cards/*.md").unwrap();
        assert!(!pattern.matches(Path::new("cards/a.md")));
        assert!(pattern.matches(Path::new("other/a.md")));
    }

    #[test]
    fn invalid_path_pattern_is_an_error() {
        assert!(PathPattern::new(Path::new("/p"), "data/{a,b").is_err());
        assert!(PathPattern::new(Path::new("/p"), "!").is_err());
    }

    #[test]
    fn exclude_set_honours_reinclusion() {
        let set = ExcludeSet::new(Path::new("/p"), &["outputs/", "!outputs/keep.yaml"]).unwrap();
        assert!(set.excludes(Path::new("outputs/run1/config.yaml")));
        assert!(!set.excludes(Path::new("configs/a.yaml")));
    }
}
