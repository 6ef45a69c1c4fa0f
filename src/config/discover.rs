//! Finding the configuration of each path, and the settings of the whole run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::parse::{self, normalize};
use super::pattern::relative_to;
use super::{CommandLine, Config, CONFIG_FILE, PYPROJECT_FILE};
use crate::discover::{Kind, Skipped, Walk};
use crate::report::{Severity, ToolError};
use crate::schema::SchemaId;

/// The configurations of one run and the command-line settings that override them. The
/// configurations are the `--config` file, or else each path's nearest configuration, found on
/// demand and cached per folder.
#[derive(Debug)]
pub struct Configs {
    /// The working directory, against which relative paths are made absolute.
    cwd: PathBuf,
    /// The `--config` file, which applies to every file.
    forced: Option<Arc<Config>>,
    /// The configuration of the first path on the command line, or `forced`.
    run: Arc<Config>,
    /// The paths named on the command line, absolute, and whether each is a folder.
    roots: Vec<(PathBuf, bool)>,
    /// The command-line settings.
    pub command_line: CommandLine,
    defaults: Arc<Config>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Folder → its nearest configuration, or `None` when there is none up to the root.
    nearest: HashMap<PathBuf, Option<Arc<Config>>>,
    /// Every configuration file read, in the order read.
    loaded: Vec<Arc<Config>>,
    /// Configuration files that could not be read, found while checking.
    errors: Vec<ToolError>,
}

/// A kind fixed by the configuration rather than by classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForcedKind {
    pub kind: Kind,
    /// The flavor, when the entry names one.
    pub flavor: Option<&'static str>,
    /// The entry that fixed the kind, for `--verbose`.
    pub reason: String,
}

/// The settings that apply to the whole run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSettings {
    /// Rule packs to run; empty for the default packs.
    pub packs: Vec<String>,
    pub rule_files: Vec<PathBuf>,
    /// Schema versions pinned per kind and flavor: the command line's, then the file's.
    pub pins: Vec<SchemaId>,
    /// The lowest severity that fails the run; `None` for never.
    pub fail_on: Option<Severity>,
}

impl Configs {
    /// Finds the configurations for `paths`, or reads `explicit` when given.
    ///
    /// # Errors
    ///
    /// Returns the errors of every configuration file that could not be read, so that the run
    /// stops before checking anything.
    pub fn load(
        paths: &[PathBuf],
        explicit: Option<&Path>,
        command_line: CommandLine,
    ) -> Result<Configs, Vec<ToolError>> {
        let cwd = std::env::current_dir().map_err(|error| {
            vec![ToolError {
                message: format!("cannot read the current directory: {error}"),
                location: None,
                source: None,
                help: None,
            }]
        })?;
        let defaults = Arc::new(Config::default());
        let mut configs = Configs {
            roots: Vec::new(),
            forced: None,
            run: defaults.clone(),
            command_line,
            defaults,
            state: Mutex::new(State::default()),
            cwd,
        };

        if let Some(explicit) = explicit {
            let path = configs.absolute(explicit);
            let display = explicit.display().to_string();
            match parse::load(&path, display.clone()) {
                Ok(Some(config)) => {
                    let config = Arc::new(config);
                    configs.state_mut().loaded.push(config.clone());
                    configs.forced = Some(config.clone());
                    configs.run = config;
                }
                Ok(None) => {
                    return Err(vec![ToolError {
                        message: format!("{display} has no [tool.mlconform] table"),
                        location: None,
                        source: None,
                        help: Some("add the table, or name an mlconform.toml with --config".to_string()),
                    }])
                }
                Err(errors) => return Err(errors),
            }
        }

        let named: Vec<PathBuf> = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
        for (index, path) in named.iter().enumerate() {
            let absolute = configs.absolute(path);
            let is_dir = absolute.is_dir();
            let config = configs.config_for_path(&absolute, is_dir);
            if index == 0 && configs.forced.is_none() {
                configs.run = config;
            }
            configs.roots.push((absolute, is_dir));
        }

        let errors = std::mem::take(&mut configs.state_mut().errors);
        if errors.is_empty() {
            Ok(configs)
        } else {
            Err(errors)
        }
    }

    fn state_mut(&mut self) -> &mut State {
        self.state.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Returns the run configuration, whose run-level settings apply.
    pub fn run_config(&self) -> &Arc<Config> {
        &self.run
    }

    /// Returns the paths named on the command line, absolute, with whether each is a folder.
    pub fn roots(&self) -> &[(PathBuf, bool)] {
        &self.roots
    }

    /// Returns the configuration of each path named on the command line, with the paths (as
    /// displayed) that share it, in the order of the first path of each.
    pub fn root_configs(&self) -> Vec<(Arc<Config>, Vec<String>)> {
        let mut groups: Vec<(Arc<Config>, Vec<String>)> = Vec::new();
        for (root, is_dir) in &self.roots {
            let config = self.config_for_path(root, *is_dir);
            let display = self.display(root);
            match groups.iter_mut().find(|(other, _)| Arc::ptr_eq(other, &config)) {
                Some((_, paths)) => paths.push(display),
                None => groups.push((config, vec![display])),
            }
        }
        groups
    }

    /// Returns every configuration file read so far, in the order read.
    pub fn loaded(&self) -> Vec<Arc<Config>> {
        self.state().loaded.clone()
    }

    /// Takes the errors of configuration files read while checking.
    pub fn take_errors(&self) -> Vec<ToolError> {
        std::mem::take(&mut self.state().errors)
    }

    /// Returns `path` made absolute against the working directory, without `.` and `..`.
    pub fn absolute(&self, path: &Path) -> PathBuf {
        normalize(&self.cwd.join(path))
    }

    /// Returns how to display an absolute path: relative to the working directory when it is
    /// inside it.
    pub fn display(&self, path: &Path) -> String {
        match path.strip_prefix(&self.cwd) {
            Ok(relative) if relative.as_os_str().is_empty() => ".".to_string(),
            Ok(relative) => relative.display().to_string(),
            Err(_) => path.display().to_string(),
        }
    }

    /// Returns the configuration of the file at `path` (as the report shows it).
    pub fn config_for(&self, path: &Path) -> Arc<Config> {
        self.config_for_path(&self.absolute(path), false)
    }

    /// Returns the configuration of an absolute, normalized path; a folder's search starts in
    /// the folder itself, a file's in its parent.
    fn config_for_path(&self, path: &Path, is_dir: bool) -> Arc<Config> {
        if let Some(forced) = &self.forced {
            return forced.clone();
        }
        let folder = if is_dir { Some(path) } else { path.parent() };
        folder.and_then(|folder| self.nearest(folder)).unwrap_or_else(|| self.defaults.clone())
    }

    /// Returns the nearest configuration of `folder`, reading files as needed. A file that
    /// cannot be read still ends the search: its folder gets the defaults and the error is
    /// kept for the report.
    fn nearest(&self, folder: &Path) -> Option<Arc<Config>> {
        let mut state = self.state();
        let mut visited = Vec::new();
        let mut current = Some(folder);
        let found = loop {
            let Some(dir) = current else { break None };
            if let Some(cached) = state.nearest.get(dir) {
                break cached.clone();
            }
            visited.push(dir.to_path_buf());
            if let Some(config) = self.read_folder(dir, &mut state) {
                break Some(config);
            }
            current = dir.parent();
        };
        for dir in visited {
            state.nearest.insert(dir, found.clone());
        }
        found
    }

    /// Reads the configuration file of `dir` itself, if it has one.
    fn read_folder(&self, dir: &Path, state: &mut State) -> Option<Arc<Config>> {
        for name in [CONFIG_FILE, PYPROJECT_FILE] {
            let path = dir.join(name);
            if !path.is_file() {
                continue;
            }
            match parse::load(&path, self.display(&path)) {
                Ok(Some(config)) => {
                    let config = Arc::new(config);
                    state.loaded.push(config.clone());
                    return Some(config);
                }
                Ok(None) => continue,
                Err(errors) => {
                    state.errors.extend(errors);
                    return Some(self.defaults.clone());
                }
            }
        }
        None
    }

    /// Returns the settings of the whole run: the command line's, else the run
    /// configuration's, else the defaults.
    pub fn run_settings(&self) -> RunSettings {
        let run = &self.run;
        let command_line = &self.command_line;
        let packs = if command_line.packs.is_empty() {
            run.packs.as_ref().map(|packs| packs.value.clone()).unwrap_or_default()
        } else {
            command_line.packs.clone()
        };
        let rule_files = if command_line.rule_files.is_empty() {
            run.rules.as_ref().map(|rules| rules.value.clone()).unwrap_or_default()
        } else {
            command_line.rule_files.clone()
        };
        let mut pins = command_line.schema_versions.clone();
        for pin in run.schema_versions.iter().flat_map(|pins| &pins.value) {
            if !pins.iter().any(|other| other.kind == pin.kind && other.flavor == pin.flavor) {
                pins.push(pin.clone());
            }
        }
        let fail_on = command_line
            .fail_on
            .or_else(|| run.fail_on.as_ref().map(|fail_on| fail_on.value))
            .unwrap_or(Some(Severity::Error));
        RunSettings { packs, rule_files, pins, fail_on }
    }

    /// Moves walked files that their configuration's `exclude` matches to the skipped list.
    /// Files named on the command line stay, as with `--exclude`.
    // NOTE: this runs after the walk, so an excluded folder is still walked; only its files
    // are dropped.
    pub fn exclude_walked(&self, walk: &mut Walk) {
        let mut kept = Vec::with_capacity(walk.files.len());
        for entry in std::mem::take(&mut walk.files) {
            if entry.explicit {
                kept.push(entry);
                continue;
            }
            let absolute = self.absolute(&entry.path);
            let config = self.config_for_path(&absolute, false);
            let excluded = match (&config.file, &config.exclude_set) {
                (Some(file), Some(set)) => {
                    relative_to(&absolute, &file.base).is_some_and(|relative| set.excludes(&relative))
                }
                _ => false,
            };
            if excluded {
                let display = config.display_path().unwrap_or_default();
                walk.skipped.push(Skipped { path: entry.path, reason: format!("excluded by `exclude` in {display}") });
            } else {
                kept.push(entry);
            }
        }
        walk.files = kept;
        walk.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// Returns the kind that a `[kinds]` entry gives the file at `path`, if any.
    pub fn kind_override(&self, path: &Path) -> Option<ForcedKind> {
        let absolute = self.absolute(path);
        let config = self.config_for_path(&absolute, false);
        let relative = relative_to(&absolute, &config.file.as_ref()?.base)?;
        let entry = config.kind_for(&relative)?;
        let target = match entry.flavor {
            Some(flavor) => format!("{}/{flavor}", entry.kind),
            None => entry.kind.to_string(),
        };
        let reason = format!("kind set to {target} by `kinds` \"{}\" at {}", entry.pattern.as_str(), entry.origin);
        Some(ForcedKind { kind: entry.kind, flavor: entry.flavor, reason })
    }

    /// Returns the path of `path` relative to the folder of `config`, when it is inside it.
    pub fn relative_in(&self, config: &Config, path: &Path) -> Option<PathBuf> {
        relative_to(&self.absolute(path), &config.file.as_ref()?.base)
    }

    /// Returns whether every file under the folder of `config` was part of the run: some
    /// folder named on the command line contains the configuration's folder.
    pub fn walks_whole_folder(&self, config: &Config) -> bool {
        let Some(file) = &config.file else { return false };
        self.roots.iter().any(|(root, is_dir)| *is_dir && file.base.starts_with(root))
    }
}
