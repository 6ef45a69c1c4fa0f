//! The project as rules see it: every artifact the walk found, with its parsed documents,
//! built after all files are parsed so that a rule on one file can look at the others.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde_json::Value as Json;

use super::markdown::{self, Heading};
use crate::discover::{Format, Kind};
use crate::report::{Location, SourceText};
use crate::source::{Node, Span};

/// One document of an artifact, as data and as a tree with positions.
#[derive(Debug, Clone)]
pub struct ArtifactDocument {
    pub index: usize,
    pub json: Json,
    /// `None` for a document with no content.
    pub root: Option<Node>,
    /// The start of the document.
    pub span: Span,
}

/// The Markdown part of a card.
#[derive(Debug)]
pub struct MarkdownBody {
    /// The opening `---` of the front matter, where findings about the whole card point.
    pub front_matter_open: Span,
    /// The offset of the body, after the front matter.
    pub body_start: usize,
    headings: OnceLock<Vec<Heading>>,
}

impl MarkdownBody {
    pub fn new(front_matter_open: Span, body_start: usize) -> MarkdownBody {
        MarkdownBody { front_matter_open, body_start, headings: OnceLock::new() }
    }
}

/// A classified file with its parsed content.
#[derive(Debug)]
pub struct Artifact {
    /// The path as reports show it.
    pub path: String,
    pub kind: Kind,
    pub flavor: String,
    /// The format the file was parsed as.
    pub format: Format,
    pub documents: Vec<ArtifactDocument>,
    /// Set for Markdown cards.
    pub markdown: Option<MarkdownBody>,
    pub source: Arc<SourceText>,
    /// A syntax error stopped the parser: rules do not run on the file, but other files'
    /// references to it still find it.
    pub broken: bool,
    /// The header cells that findings on a data file point at. Set only for a data file, whose
    /// one document is its quality summary.
    pub summary: Option<SummaryPlaces>,
}

/// Locations in a data file for findings about its quality summary, which has no place in the
/// file. A finding under a column's entry points at the column's header cell, with the pointer
/// that data checks give a column (`/name`). Any other finding points at the file's start.
#[derive(Debug, Clone)]
pub struct SummaryPlaces {
    /// Each column's name and the location of its header cell.
    pub columns: Vec<(String, Location)>,
}

impl SummaryPlaces {
    /// Returns the location in the data file at `path` for the node at pointer `at` of `summary`.
    pub fn locate(&self, path: &str, summary: &Json, at: &str) -> Location {
        let mut parts = at.split('/').skip(1);
        let name = match (parts.next(), parts.next()) {
            (Some("columns"), Some(index)) => summary.pointer(&format!("/columns/{index}/name")),
            (Some("constant_columns"), Some(index)) => summary.pointer(&format!("/constant_columns/{index}")),
            (Some("label"), _) => summary.pointer("/label/column"),
            _ => None,
        };
        name.and_then(Json::as_str)
            .and_then(|name| self.columns.iter().find(|(column, _)| column == name))
            .map_or_else(|| Location::file(path), |(_, location)| location.clone())
    }
}

impl Artifact {
    /// Returns the headings of a Markdown card's body, parsed on first use.
    pub fn headings(&self) -> &[Heading] {
        match &self.markdown {
            Some(body) => body.headings.get_or_init(|| markdown::headings(&self.source.text, body.body_start)),
            None => &[],
        }
    }

    /// Returns the folder holding the artifact.
    pub fn folder(&self) -> PathBuf {
        Path::new(&self.path).parent().map(Path::to_path_buf).unwrap_or_default()
    }

    /// Returns the first document's value at a top-level key.
    pub fn top_level(&self, key: &str) -> Option<&Json> {
        self.documents.first()?.json.get(key)
    }

    /// Returns the names a reference may use for the artifact: its `pretty_name`, `name` or
    /// `model_name`, and the name of the folder holding it.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = ["pretty_name", "name", "model_name"]
            .iter()
            .filter_map(|key| self.top_level(key).and_then(Json::as_str))
            .map(str::to_string)
            .collect();
        if let Some(folder) = self.folder().file_name() {
            names.push(folder.to_string_lossy().into_owned());
        }
        names
    }

    /// Identifiers the artifact declares: top-level `id`, `@id` or `identifier`.
    pub fn ids(&self) -> Vec<String> {
        ["id", "@id", "identifier"]
            .iter()
            .filter_map(|key| self.top_level(key).and_then(Json::as_str))
            .map(str::to_string)
            .collect()
    }
}

/// Everything a run checks: the artifacts and the folders the user named.
#[derive(Debug, Default)]
pub struct Project {
    pub artifacts: Vec<Artifact>,
    /// The project roots: each folder named on the command line, or the folder holding each
    /// file named.
    pub roots: Vec<PathBuf>,
}

/// The part of a target artifact that a reference is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefBy {
    /// A path relative to the referring artifact's folder or to the project root, naming the
    /// target file or the folder holding it.
    Path,
    /// The target's `pretty_name`, `name` or `model_name`, or its folder's name.
    Name,
    /// The target's `id`, `@id` or `identifier`.
    Id,
}

impl Project {
    pub fn new(roots: Vec<PathBuf>) -> Project {
        Project { artifacts: Vec::new(), roots }
    }

    /// Returns the project root of `path`: the longest root that contains it.
    pub fn root_of(&self, path: &Path) -> PathBuf {
        let normalized = normalize(path);
        self.roots
            .iter()
            .filter(|root| normalized.starts_with(normalize(root)))
            .max_by_key(|root| root.as_os_str().len())
            .cloned()
            .unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default())
    }

    /// Returns the indexes of the artifacts of `kinds` that `value` refers to, compared as `by`
    /// selects.
    pub fn find(&self, from: &Artifact, value: &str, kinds: &[Kind], by: &[RefBy]) -> Vec<usize> {
        let wanted = value.trim();
        if wanted.is_empty() {
            return Vec::new();
        }
        let root = self.root_of(Path::new(&from.path));
        let candidates_by_path: Vec<PathBuf> = if by.contains(&RefBy::Path) {
            vec![normalize(&from.folder().join(wanted)), normalize(&root.join(wanted))]
        } else {
            Vec::new()
        };
        self.artifacts
            .iter()
            .enumerate()
            .filter(|(_, artifact)| kinds.contains(&artifact.kind) && !std::ptr::eq(*artifact, from))
            .filter(|(_, artifact)| {
                let path = normalize(Path::new(&artifact.path));
                let by_path = candidates_by_path
                    .iter()
                    .any(|candidate| *candidate == path || path.parent().is_some_and(|folder| folder == candidate));
                let by_name =
                    by.contains(&RefBy::Name) && artifact.names().iter().any(|name| name.eq_ignore_ascii_case(wanted));
                let by_id = by.contains(&RefBy::Id) && artifact.ids().iter().any(|id| id == wanted);
                by_path || by_name || by_id
            })
            .map(|(index, _)| index)
            .collect()
    }
}

/// Removes `.` parts and folds `..` into the part before it, without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("./x")), PathBuf::from("x"));
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
    }

    #[test]
    fn root_of_picks_longest() {
        let project = Project::new(vec![PathBuf::from("p"), PathBuf::from("p/sub")]);
        assert_eq!(project.root_of(Path::new("p/sub/a.yaml")), PathBuf::from("p/sub"));
        assert_eq!(project.root_of(Path::new("p/b.yaml")), PathBuf::from("p"));
    }
}
