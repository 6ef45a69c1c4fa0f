//! `mlconform init`: writes a commented `mlconform.toml` for the project in a folder.
//!
//! The folder is walked and classified as `check` does, without any configuration, and the
//! file lists the artifacts found and suggests packs for them. Every setting is explained,
//! and those that need the user's choice are left as comments.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::check::{self, CheckOptions};

use super::{CONFIG_FILE, PYPROJECT_FILE};

/// Folders that training runs and experiment trackers fill with generated files; `init`
/// suggests excluding those that exist.
const OUTPUT_FOLDERS: [&str; 7] = ["checkpoints", "lightning_logs", "mlruns", "output", "outputs", "runs", "wandb"];

/// The result of [`write`].
#[derive(Debug)]
pub struct Written {
    pub path: PathBuf,
    /// One line for the user: what was written and what was found.
    pub summary: String,
}

/// Writes `mlconform.toml` into the folder `project`.
///
/// # Errors
///
/// Returns a message when `project` is not a folder, when an `mlconform.toml` exists or a
/// `pyproject.toml` has a `[tool.mlconform]` table and `force` is off, when the walk fails,
/// or when the file cannot be written.
pub fn write(project: &Path, force: bool) -> Result<Written, String> {
    if !project.is_dir() {
        return Err(format!("{} is not a folder", project.display()));
    }
    let target = project.join(CONFIG_FILE);
    if !force {
        if target.exists() {
            return Err(format!("{} already exists; pass --force to overwrite it", target.display()));
        }
        let pyproject = project.join(PYPROJECT_FILE);
        if crate::source::read::read_regular_to_string(&pyproject).is_ok_and(|text| has_tool_table(&text)) {
            return Err(format!(
                "{} already configures mlconform in [tool.mlconform], and an {CONFIG_FILE} beside it would take precedence; pass --force to write it anyway",
                pyproject.display()
            ));
        }
    }

    let survey = survey(project)?;
    let text = render(&survey);
    let written = if force {
        std::fs::write(&target, &text)
    } else {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .and_then(|mut file| file.write_all(text.as_bytes()))
    };
    written.map_err(|error| format!("cannot write {}: {error}", target.display()))?;

    let count: usize = survey.artifacts.values().map(Vec::len).sum();
    let kinds: Vec<String> = survey.kinds().into_iter().map(|(kind, files)| format!("{files} {kind}")).collect();
    let found = if count == 0 { "no artifacts found".to_string() } else { format!("found {}", kinds.join(", ")) };
    let summary = format!("wrote {}: {found}; packs {}", target.display(), survey.packs().join(", "));
    Ok(Written { path: target, summary })
}

/// The artifacts the walk found, by kind and flavor, with paths relative to the project.
struct Survey {
    artifacts: BTreeMap<(String, String), Vec<String>>,
    output_folders: Vec<&'static str>,
}

impl Survey {
    /// Counts the files of each kind, in the order of [`crate::discover::Kind::ALL`].
    fn kinds(&self) -> Vec<(&'static str, usize)> {
        crate::discover::Kind::ALL
            .iter()
            .map(|kind| {
                let count = self
                    .artifacts
                    .iter()
                    .filter(|((name, _), _)| name == kind.as_str())
                    .map(|(_, files)| files.len())
                    .sum();
                (kind.as_str(), count)
            })
            .filter(|(_, count)| *count > 0)
            .collect()
    }

    fn has(&self, kind: &str) -> bool {
        self.artifacts.keys().any(|(name, _)| name == kind)
    }

    fn packs(&self) -> Vec<&'static str> {
        let mut packs = vec!["core@1", "security@1"];
        if self.has("model-card") || self.has("dataset-card") {
            packs.push("model-cards@1");
        }
        packs
    }

    /// Returns the first JSON artifact, for the `[[waivers]]` example.
    fn first_json(&self) -> Option<&str> {
        self.artifacts.values().flatten().find(|path| path.ends_with(".json")).map(String::as_str)
    }
}

fn survey(project: &Path) -> Result<Survey, String> {
    let report = check::run_check(&[project.to_path_buf()], &CheckOptions::default());
    if let Some(error) = report.tool_errors.first() {
        return Err(format!("cannot survey {}: {}", project.display(), error.message));
    }
    let mut artifacts: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for file in &report.files {
        let (Some(kind), Some(flavor)) = (&file.kind, &file.flavor) else { continue };
        let path = Path::new(&file.path);
        let relative = path.strip_prefix(project).unwrap_or(path);
        artifacts.entry((kind.clone(), flavor.clone())).or_default().push(relative.display().to_string());
    }
    let output_folders = OUTPUT_FOLDERS.iter().copied().filter(|name| project.join(name).is_dir()).collect();
    Ok(Survey { artifacts, output_folders })
}

/// Returns whether a `pyproject.toml` text has a `[tool.mlconform]` table.
fn has_tool_table(text: &str) -> bool {
    let Ok(root) = toml::de::DeTable::parse(text) else { return false };
    root.get_ref()
        .iter()
        .find(|(key, _)| key.get_ref() == "tool")
        .and_then(|(_, tool)| tool.get_ref().as_table())
        .is_some_and(|tool| tool.iter().any(|(key, _)| key.get_ref() == "mlconform"))
}

/// The maximum number of artifacts listed by name per kind and flavor. The count includes
/// the rest.
const LISTED_PER_FLAVOR: usize = 5;

fn render(survey: &Survey) -> String {
    let mut out = String::new();
    out.push_str("# mlconform configuration, written by `mlconform init`.\n");
    out.push_str("# `mlconform check --show-config` prints the settings in effect and where each comes from.\n");
    out.push_str("# Paths and patterns below are relative to the folder of this file.\n#\n");
    if survey.artifacts.is_empty() {
        out.push_str("# No artifacts were found when this file was written.\n");
    } else {
        out.push_str("# Artifacts found when this file was written:\n");
        for ((kind, flavor), files) in &survey.artifacts {
            let mut listed: Vec<&str> = files.iter().take(LISTED_PER_FLAVOR).map(String::as_str).collect();
            if files.len() > LISTED_PER_FLAVOR {
                listed.push("...");
            }
            let _ = writeln!(out, "#   {kind} ({flavor}), {}: {}", count(files.len(), "file"), listed.join(", "));
        }
    }

    out.push_str("\n# Rule packs to run, as NAME@MAJOR for the newest release of that major version.\n");
    out.push_str("# core and security suit every project");
    if survey.packs().contains(&"model-cards@1") {
        out.push_str(", and model-cards checks the sections of the model\n");
        out.push_str("# and dataset cards found here");
    }
    out.push_str(".\n");
    let packs: Vec<String> = survey.packs().iter().map(|pack| format!("\"{pack}\"")).collect();
    let _ = writeln!(out, "packs = [{}]", packs.join(", "));
    out.push_str("# Add the packs of the standards this project must meet:\n");
    out.push_str("#   \"eu-ai-act@1\"      EU AI Act: data governance, technical documentation, logging\n");
    out.push_str("#   \"iso-iec-42001@1\"  ISO/IEC 42001 Annex A controls\n");
    out.push_str("#   \"nist-ai-rmf@1\"    NIST AI RMF: MAP and MEASURE evidence\n");
    out.push_str("#   \"china-genai@1\"    Chinese measures for generative AI services and training data\n");

    out.push_str("\n# Your own rule packs, as files.\n");
    out.push_str("# rules = [\"rules/our-policy.yaml\"]\n");

    out.push_str("\n# Report only some rules or findings, or leave some out, by rule id, id prefix,\n");
    out.push_str("# rule name or finding code.\n");
    out.push_str("# select = [\"MLC\", \"SEC\"]\n");
    out.push_str("# ignore = [\"yaml-version-difference\"]\n");

    out.push_str("\n# The lowest severity that makes `mlconform check` fail: error, warning, info or never.\n");
    out.push_str("fail-on = \"error\"\n");

    out.push_str("\n# Files and folders not to check, in .gitignore syntax.\n");
    if survey.output_folders.is_empty() {
        out.push_str("# exclude = [\"outputs/\"]\n");
    } else {
        out.push_str("# Training runs and experiment trackers write generated files into these folders.\n");
        let folders: Vec<String> = survey.output_folders.iter().map(|folder| format!("\"{folder}/\"")).collect();
        let _ = writeln!(out, "exclude = [{}]", folders.join(", "));
    }

    out.push_str("\n# Schema versions to check files against, per kind and flavor, instead of the version\n");
    out.push_str("# a file declares; a `$schema` key in a file still wins. `mlconform schemas` lists them.\n");
    out.push_str("# schema-versions = [\"model-card/mct@0.0.1\"]\n");

    out.push_str("\n# Severity per rule or finding code: error, warning, info, or off to drop it.\n");
    out.push_str("[severity]\n");
    out.push_str("# yaml-version-difference = \"info\"\n");

    out.push_str("\n# Rules and findings to leave out for matching files.\n");
    out.push_str("[per-file-ignores]\n");
    out.push_str("# \"tests/fixtures/**\" = [\"MLC\", \"SEC\"]\n");

    out.push_str("\n# The kind, and optionally the flavor, of files mlconform does not recognise.\n");
    out.push_str("[kinds]\n");
    let kind_example = if survey.has("deployment-manifest") { "deploy/*.yaml" } else { "manifests/*.yaml" };
    let _ = writeln!(out, "# \"{kind_example}\" = \"deployment-manifest/kserve\"");

    out.push_str("\n# Accepted exceptions. In YAML and Markdown, write them on or above the line concerned:\n");
    out.push_str("#   # mlconform: waive[RULE] reason=\"...\" owner=\"...\" expires=YYYY-MM-DD\n");
    out.push_str("# JSON has no comments, so name the file and the JSON Pointer here.\n");
    out.push_str("# [[waivers]]\n");
    out.push_str("# rule = \"RULE\"\n");
    let _ = writeln!(out, "# file = \"{}\"", survey.first_json().unwrap_or("configs/ds_config.json"));
    out.push_str("# pointer = \"/zero_optimization\"\n");
    out.push_str("# reason = \"why the finding is accepted\"\n");
    out.push_str("# owner = \"team or person\"\n");
    out.push_str("# expires = 2027-06-30\n");
    out
}

fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_table_is_detected() {
        assert!(has_tool_table("[tool.mlconform]\nfail-on = \"warning\"\n"));
        assert!(has_tool_table("[tool]\nmlconform = { fail-on = \"never\" }\n"));
        assert!(!has_tool_table("[tool.ruff]\nline-length = 100\n"));
        assert!(!has_tool_table("not toml ["));
    }
}
