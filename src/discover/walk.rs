//! Walking the paths named on the command line.
//!
//! Directories are walked with the `ignore` crate, the walker behind ripgrep, so the same
//! files are left out as there. These are entries matched by `.gitignore`, `.ignore`,
//! `.git/info/exclude` or the global git excludes file (even outside a git repository), hidden
//! files and folders, and `.git`. `--exclude` patterns use gitignore syntax and are anchored at each walked
//! directory: `data/*.csv` matches `ROOT/data/x.csv`, and a pattern without a slash, such as
//! `*.jsonl`, matches at any depth.
//!
//! A file named on the command line is always listed, even when it is hidden, ignored or
//! excluded, and is not tested for binary content: the user asked for it. The one exception is
//! a file that is not a regular file (a FIFO, a socket, a device): it is never opened, because
//! reading a FIFO blocks until some other process writes to it.
//!
//! Symbolic links met during a walk are not followed by default, as in ripgrep: a link to a
//! file is reported as skipped, a link to a folder is not entered. With `follow_links` both are
//! followed, and a link that points back to one of its ancestors is reported as a
//! [`WalkProblem`] while the walk goes on. A symbolic link named on the command line is always
//! followed.

use std::collections::{HashMap, HashSet};
use std::fs::{self, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::overrides::{Override, OverrideBuilder};
use ignore::WalkBuilder;

/// Number of bytes read from the start of a walked file to decide whether it is binary.
pub const BINARY_PROBE_LEN: u64 = 8 * 1024;

/// Options for [`walk`] that apply to walked directories.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkOptions {
    /// Gitignore-style patterns of files and folders to leave out of walked directories.
    pub excludes: Vec<String>,
    /// Follow symbolic links met while walking a directory.
    pub follow_links: bool,
}

/// A file to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkEntry {
    /// The path as the user would type it: walked files are joined onto the root as given.
    pub path: PathBuf,
    /// True when the file was named on the command line rather than found in a folder.
    pub explicit: bool,
}

/// A file that is deliberately not checked, with the reason for `--verbose` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// A file or folder inside a walked directory that could not be read, such as a folder without
/// read permission or a symbolic link loop. The walk goes on past it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkProblem {
    pub path: PathBuf,
    pub message: String,
}

/// The result of [`walk`]. Each list is sorted by path and contains a path at most once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Walk {
    pub files: Vec<WalkEntry>,
    pub skipped: Vec<Skipped>,
    pub problems: Vec<WalkProblem>,
}

/// A path named on the command line that cannot be used. Unlike a [`WalkProblem`] this stops
/// the run, because the user asked for something that is not there. A named path that exists
/// but cannot be read is a [`WalkProblem`] instead, so that the other paths are still checked.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("path not found: {}", path.display())]
    NotFound { path: PathBuf },
    #[error("failed to read {}: {}", path.display(), describe_io_error(error))]
    Unreadable { path: PathBuf, error: io::Error },
    #[error("invalid exclude pattern `{pattern}`: {message}")]
    InvalidExclude { pattern: String, message: String },
}

impl WalkError {
    /// Returns the path named on the command line, or `None` for an invalid exclude pattern.
    pub fn path(&self) -> Option<&Path> {
        match self {
            WalkError::NotFound { path } | WalkError::Unreadable { path, .. } => Some(path),
            WalkError::InvalidExclude { .. } => None,
        }
    }
}

/// Walks `roots` and returns the files to check, the files set aside, and the problems met.
///
/// Each root is a file or a directory. Files found in several roots, or named and also found
/// in a walked folder, are listed once; the named path wins. Files are identified by device
/// and inode, so two hard links to one file are also listed once.
///
/// # Errors
///
/// Returns an error when a root does not exist or its metadata cannot be read, or when an
/// exclude pattern is not a valid glob. A root that exists but cannot be opened (permission
/// denied) and problems inside a walked directory are returned in [`Walk::problems`].
pub fn walk(roots: &[PathBuf], options: &WalkOptions) -> Result<Walk, WalkError> {
    let mut collector = Collector::default();
    for root in roots {
        let metadata = root_metadata(root)?;
        if metadata.is_dir() {
            if let Err(error) = fs::read_dir(root) {
                collector.problem(root, describe_io_error(&error));
                continue;
            }
            walk_directory(root, options, &mut collector)?;
        } else {
            add_named_file(root, &metadata, &mut collector);
        }
    }
    Ok(collector.finish())
}

/// Reads a root's metadata, following a symbolic link as ripgrep does for named paths.
fn root_metadata(root: &Path) -> Result<Metadata, WalkError> {
    match fs::metadata(root) {
        Ok(metadata) => Ok(metadata),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Err(WalkError::NotFound { path: root.to_path_buf() }),
        Err(error) => Err(WalkError::Unreadable { path: root.to_path_buf(), error }),
    }
}

fn add_named_file(path: &Path, metadata: &Metadata, collector: &mut Collector) {
    let file_type = metadata.file_type();
    if !file_type.is_file() {
        collector.skip(path, not_regular_reason(&file_type));
        return;
    }

    // Opening here reports an unreadable named file as a problem before any work starts.
    // The open does not block, even on a file swapped for a FIFO since the metadata was read.
    match crate::source::read::open_regular(path) {
        Ok(_) => collector.add(path, FileId::of(metadata), true),
        Err(error) => collector.problem(path, describe_io_error(&error)),
    }
}

/// The ignore files the walker reads in each folder it enters.
const IGNORE_FILES: [&str; 3] = [".gitignore", ".ignore", ".git/info/exclude"];

/// Returns the first ignore file in `folder` that exists but is not a regular file. The walker
/// would open it and, for a FIFO, block forever.
fn special_ignore_file(folder: &Path) -> Option<PathBuf> {
    IGNORE_FILES
        .iter()
        .map(|name| folder.join(name))
        .find(|path| fs::metadata(path).is_ok_and(|metadata| !metadata.is_file()))
}

fn walk_directory(root: &Path, options: &WalkOptions, collector: &mut Collector) -> Result<(), WalkError> {
    let mut builder = WalkBuilder::new(root);
    builder
        .standard_filters(true)
        .require_git(false)
        .follow_links(options.follow_links)
        .overrides(build_excludes(root, &options.excludes)?);

    // The walker reads the ignore files of the root and of its parents before any filter
    // runs, so a special one there turns ignore files off for the whole walk.
    let absolute = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if let Some(special) = absolute.ancestors().find_map(special_ignore_file) {
        let kind = fs::metadata(&special).map(|metadata| not_regular_reason(&metadata.file_type())).unwrap_or_default();
        let message = format!(
            "{kind}: this ignore file is never opened, so no ignore file applies to {}",
            crate::report::redact::display_path(root)
        );
        collector.problem(&special, message);
        builder.git_ignore(false).ignore(false).git_exclude(false).parents(false);
    }

    // A folder deeper down with a special ignore file is left out whole: the walker reads its
    // ignore files as it enters it, and there is no way to make it skip only those.
    let left_out: Arc<Mutex<Vec<(PathBuf, PathBuf)>>> = Arc::default();
    let recorder = Arc::clone(&left_out);
    // `hidden` already leaves `.git` out; this keeps it out should hidden files be allowed.
    builder.filter_entry(move |entry| {
        if entry.file_name() == ".git" {
            return false;
        }
        if entry.depth() > 0 && entry.file_type().is_some_and(|file_type| file_type.is_dir()) {
            if let Some(special) = special_ignore_file(entry.path()) {
                let folder = entry.path().to_path_buf();
                recorder.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push((folder, special));
                return false;
            }
        }
        true
    });

    for result in builder.build() {
        let entry = match result {
            Ok(entry) => entry,
            Err(error) => {
                collector.add_ignore_error(&error, root);
                continue;
            }
        };

        // An ignore file that was only partly understood, such as a `.gitignore` with an
        // invalid glob, arrives attached to its folder's entry.
        if let Some(error) = entry.error() {
            collector.add_ignore_error(error, entry.path());
        }
        if entry.depth() == 0 {
            continue;
        }
        let Some(file_type) = entry.file_type() else {
            continue;
        };

        let path = entry.path();
        if file_type.is_dir() {
            continue;
        } else if file_type.is_symlink() {
            // Only reached without `follow_links`: the walker resolves links when following.
            collector.skip(path, symlink_reason(root, path));
        } else if !file_type.is_file() {
            collector.skip(path, not_regular_reason(&file_type));
        } else {
            match probe_file(path) {
                Ok((_, true)) => collector.skip(path, "binary file".to_string()),
                Ok((id, false)) => collector.add(path, id, false),
                Err(error) => collector.problem(path, describe_io_error(&error)),
            }
        }
    }

    for (folder, special) in std::mem::take(&mut *left_out.lock().unwrap_or_else(|poisoned| poisoned.into_inner())) {
        let kind = fs::metadata(&special).map(|metadata| not_regular_reason(&metadata.file_type())).unwrap_or_default();
        let message = format!(
            "{kind}: this ignore file is never opened, so the folder {} is not checked",
            crate::report::redact::display_path(&folder)
        );
        collector.problem(&special, message);
    }
    Ok(())
}

/// Says why a symbolic link met in a walk is skipped, and where it points: a link that leaves
/// the walked folder could expose any file on the machine, so it is named as such.
fn symlink_reason(root: &Path, link: &Path) -> String {
    const HOW: &str = "not followed unless --follow-links is given";
    match (fs::canonicalize(root), fs::canonicalize(link)) {
        (Ok(root), Ok(target)) if !target.starts_with(&root) => {
            format!(
                "symbolic link to {}, outside the checked folder ({HOW})",
                crate::report::redact::display_path(&target)
            )
        }
        (_, Ok(_)) => format!("symbolic link ({HOW})"),
        (_, Err(error)) if error.raw_os_error() == Some(libc::ELOOP) => format!("symbolic link loop ({HOW})"),
        (_, Err(_)) => format!("broken symbolic link ({HOW})"),
    }
}

/// Builds the override matcher that leaves out `excludes`, anchored at `root`.
fn build_excludes(root: &Path, excludes: &[String]) -> Result<Override, WalkError> {
    let mut builder = OverrideBuilder::new(root);
    for pattern in excludes {
        // In an override set a plain glob selects files and a `!` glob ignores them.
        if let Err(error) = builder.add(&format!("!{pattern}")) {
            return Err(WalkError::InvalidExclude { pattern: pattern.clone(), message: error.to_string() });
        }
    }
    builder
        .build()
        .map_err(|error| WalkError::InvalidExclude { pattern: excludes.join(", "), message: error.to_string() })
}

/// Opens a walked regular file and reads its first [`BINARY_PROBE_LEN`] bytes. Returns the
/// file's identity and whether the bytes look binary.
fn probe_file(path: &Path) -> io::Result<(FileId, bool)> {
    // A file swapped for a FIFO since the walker saw it fails here instead of blocking.
    let file = crate::source::read::open_regular(path)?;
    let id = FileId::of(&file.metadata()?);
    let mut head = Vec::with_capacity(BINARY_PROBE_LEN as usize);
    file.take(BINARY_PROBE_LEN).read_to_end(&mut head)?;
    Ok((id, looks_binary(&head)))
}

/// Decides whether the first bytes of a file are binary: they start with the signature of a
/// common binary format, or more than a tenth of them are NUL or other control bytes that text
/// does not use. Text with a stray NUL byte is not binary, so that the reader reports the byte
/// as an encoding error instead of the file being passed over. UTF-16 text is full of NUL
/// bytes, so a file starting with a UTF-16 byte order mark counts as text.
fn looks_binary(head: &[u8]) -> bool {
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return false;
    }
    if !head.contains(&0) {
        return false;
    }
    if BINARY_SIGNATURES.iter().any(|signature| head.starts_with(signature)) {
        return true;
    }
    let controls = head.iter().filter(|&&byte| matches!(byte, 0x00..=0x08 | 0x0E..=0x1A | 0x1C..=0x1F)).count();
    controls * 10 > head.len()
}

/// Leading bytes of binary formats found in ML projects: images, archives, compressed files,
/// executables, pickles and NumPy and HDF5 arrays.
const BINARY_SIGNATURES: &[&[u8]] = &[
    b"\x89PNG\r\n\x1a\n",
    b"GIF8",
    b"\xFF\xD8\xFF",
    b"PK\x03\x04",
    b"\x1F\x8B",
    b"BZh",
    b"\xFD7zXZ\x00",
    b"\x28\xB5\x2F\xFD",
    b"7z\xBC\xAF\x27\x1C",
    b"\x7FELF",
    b"\x93NUMPY",
    b"\x89HDF\r\n\x1a\n",
    b"\x80\x02",
    b"\x80\x03",
    b"\x80\x04",
    b"\x80\x05",
];

fn not_regular_reason(file_type: &fs::FileType) -> String {
    let name = if file_type.is_fifo() {
        "FIFO"
    } else if file_type.is_socket() {
        "socket"
    } else if file_type.is_block_device() {
        "block device"
    } else if file_type.is_char_device() {
        "character device"
    } else if file_type.is_dir() {
        "directory"
    } else {
        "unknown file type"
    };
    format!("not a regular file ({name})")
}

/// Formats an I/O error as a short lowercase message, without the `(os error N)` suffix of the
/// standard library's message.
fn describe_io_error(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::PermissionDenied => return "permission denied".to_string(),
        io::ErrorKind::NotFound => return "not found".to_string(),
        _ => {}
    }
    match os_error_code(error) {
        Some(libc::ELOOP) => "symbolic link loop: the link cannot be resolved".to_string(),
        // The walker's own message repeats the path, which the finding already names.
        Some(code) => io::Error::from_raw_os_error(code).to_string(),
        None => error.to_string(),
    }
}

/// Returns the operating system's error code behind `error`, looking through the errors the
/// walker wraps around it.
fn os_error_code(error: &io::Error) -> Option<i32> {
    if let Some(code) = error.raw_os_error() {
        return Some(code);
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = error.get_ref().map(|inner| inner as _);
    while let Some(current) = source {
        if let Some(code) = current.downcast_ref::<io::Error>().and_then(io::Error::raw_os_error) {
            return Some(code);
        }
        source = current.source();
    }
    None
}

/// A file's identity on its file system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FileId {
    device: u64,
    inode: u64,
}

impl FileId {
    fn of(metadata: &Metadata) -> FileId {
        FileId { device: metadata.dev(), inode: metadata.ino() }
    }
}

struct Candidate {
    path: PathBuf,
    id: FileId,
    explicit: bool,
}

/// Gathers the walk's output from all roots, then sorts and deduplicates it.
#[derive(Default)]
struct Collector {
    candidates: Vec<Candidate>,
    skipped: Vec<Skipped>,
    problems: Vec<WalkProblem>,
}

impl Collector {
    fn add(&mut self, path: &Path, id: FileId, explicit: bool) {
        self.candidates.push(Candidate { path: path.to_path_buf(), id, explicit });
    }

    fn skip(&mut self, path: &Path, reason: String) {
        self.skipped.push(Skipped { path: path.to_path_buf(), reason });
    }

    fn problem(&mut self, path: &Path, message: String) {
        self.problems.push(WalkProblem { path: path.to_path_buf(), message });
    }

    /// Records an error from the `ignore` walker. `fallback` is the path to report when the
    /// error does not name one.
    fn add_ignore_error(&mut self, error: &ignore::Error, fallback: &Path) {
        match error {
            ignore::Error::Partial(errors) => {
                for error in errors {
                    self.add_ignore_error(error, fallback);
                }
            }
            ignore::Error::WithPath { path, err } => self.add_ignore_error(err, path),
            ignore::Error::WithDepth { err, .. } => self.add_ignore_error(err, fallback),
            ignore::Error::WithLineNumber { line, err } => {
                let before = self.problems.len();
                self.add_ignore_error(err, fallback);
                for problem in &mut self.problems[before..] {
                    problem.message = format!("line {line}: {}", problem.message);
                }
            }
            ignore::Error::Loop { ancestor, child } => {
                let message = format!("symbolic link loop: points back to {}", ancestor.display());
                self.problem(child, message);
            }
            ignore::Error::Io(io_error) => {
                let is_link = fs::symlink_metadata(fallback).is_ok_and(|metadata| metadata.file_type().is_symlink());
                let message = if is_link && io_error.kind() == io::ErrorKind::NotFound {
                    "broken symbolic link: its target does not exist".to_string()
                } else {
                    describe_io_error(io_error)
                };
                self.problem(fallback, message);
            }
            other => self.problem(fallback, other.to_string()),
        }
    }

    fn finish(mut self) -> Walk {
        // Named files first, then by path, so that the first candidate seen for a file is the
        // one to keep.
        self.candidates.sort_by(|a, b| b.explicit.cmp(&a.explicit).then_with(|| a.path.cmp(&b.path)));

        let mut kept: HashMap<FileId, PathBuf> = HashMap::new();
        let mut files = Vec::new();
        for candidate in self.candidates {
            match kept.get(&candidate.id) {
                Some(first) if *first == candidate.path => {}
                Some(first) => {
                    let reason = format!("same file as {}", first.display());
                    self.skipped.push(Skipped { path: candidate.path, reason });
                }
                None => {
                    kept.insert(candidate.id, candidate.path.clone());
                    files.push(WalkEntry { path: candidate.path, explicit: candidate.explicit });
                }
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));

        // A named file is checked even where the walk of its folder set it aside (as binary,
        // for example), so it must not be listed as skipped too.
        let mut seen: HashSet<PathBuf> = kept.into_values().collect();
        self.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        self.skipped.retain(|skipped| seen.insert(skipped.path.clone()));

        self.problems.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.message.cmp(&b.message)));
        self.problems.dedup();

        Walk { files, skipped: self.skipped, problems: self.problems }
    }
}

#[cfg(test)]
mod tests;
