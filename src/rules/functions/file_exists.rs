//! `file-exists`: a path in the artifact names a file or folder inside the project.
//!
//! **What it checks**: that the path (each path of a list) exists, relative to the artifact's
//! folder (`base: artifact`, the default) or to the project root (`base: project`), and that
//! it stays inside the project once symbolic links and `..` are resolved. The project root is
//! the folder named on the command line that contains the artifact.
//!
//! **Why**: a training config that points at data which is not there cannot be rerun, and a
//! path that leaves the project depends on one machine's layout.
//!
//! **Options**: `base` (`artifact` or `project`); `skip`, a regular expression for values that
//! are not paths (URLs, hub ids), which are left alone.
//!
//! **Known problems**: a path that exists only on the machine that trains (a mounted volume)
//! is reported; write a `skip` pattern for such prefixes.

use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::{Map, Value as Json};

use super::{regex_option, string_items, string_option, Function, Input, OptionError, Spec, Spot, Violation};

pub const SPEC: Spec = Spec {
    name: "file-exists",
    options: &["base", "skip"],
    summary: "the path names a file or folder inside the project",
    compile,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Base {
    Artifact,
    Project,
}

struct FileExists {
    base: Base,
    skip: Option<Regex>,
}

fn compile(options: &Map<String, Json>) -> Result<Box<dyn Function>, OptionError> {
    let base = match string_option(options, "base")?.as_deref() {
        None | Some("artifact") => Base::Artifact,
        Some("project") => Base::Project,
        Some(other) => {
            return Err(OptionError::at(
                "base",
                format!("`base` must be \"artifact\" or \"project\", found \"{other}\""),
            ))
        }
    };
    Ok(Box::new(FileExists { base, skip: regex_option(options, "skip")? }))
}

/// Describes what is wrong with a path, or returns `None` when it names something inside the
/// project.
fn problem(base: &Path, root: &Path, value: &str) -> Option<String> {
    let candidate = base.join(value);
    let Ok(target) = candidate.canonicalize() else {
        return Some(format!("no file or folder at {}", candidate.display()));
    };
    let Ok(root) = root.canonicalize() else {
        return Some(format!("the project root {} cannot be read", root.display()));
    };
    if target.starts_with(&root) {
        None
    } else {
        Some(format!("{} is outside the project", target.display()))
    }
}

impl Function for FileExists {
    fn check(&self, input: &Input<'_>) -> Vec<Violation> {
        let Some(value) = input.value else { return Vec::new() };
        let root = input.project.root_of(Path::new(&input.artifact.path));
        let base: PathBuf = match self.base {
            Base::Artifact => input.artifact.folder(),
            Base::Project => root.clone(),
        };
        // An empty folder name means the current directory.
        let base = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base };
        let root = if root.as_os_str().is_empty() { PathBuf::from(".") } else { root };

        let mut out = Vec::new();
        for (item, pointer) in string_items(value, input.pointer) {
            let Ok(text) = item else { continue };
            if text.trim().is_empty() || self.skip.as_ref().is_some_and(|skip| skip.is_match(text)) {
                continue;
            }
            if let Some(detail) = problem(&base, &root, text) {
                out.push(Violation::new(Spot::Node(pointer), Some(&Json::String(text.to_string())), detail));
            }
        }
        out
    }
}
