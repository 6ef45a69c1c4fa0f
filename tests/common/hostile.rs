//! The hostile-input corpus: generating it, reading its manifest, taking a snapshot of it, and
//! running mlconform over it with a deadline.

use std::collections::BTreeMap;
use std::fs;
use std::hash::{DefaultHasher, Hasher};
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// A generated corpus in a temporary folder, removed when dropped.
pub struct Corpus {
    pub dir: TempDir,
}

impl Corpus {
    /// Runs `fixtures/hostile/generate.sh` into a new temporary folder.
    pub fn generate() -> Corpus {
        let dir = tempfile::Builder::new().prefix("mlconform-hostile-").tempdir().unwrap();
        let script = super::root().join("fixtures/hostile/generate.sh");
        let status = Command::new("bash").arg(&script).arg(dir.path()).status().expect("bash runs");
        assert!(status.success(), "{} failed: {status}", script.display());
        // The folder must be open to the unprivileged user the check runs as under root.
        for folder in [dir.path(), &dir.path().join("corpus"), &dir.path().join("outside")] {
            fs::set_permissions(folder, fs::Permissions::from_mode(0o755)).unwrap();
        }
        Corpus { dir }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("corpus")
    }

    /// Reads `manifest.tsv`: the path as reports show it, relative to the corpus root, and
    /// the expectation.
    pub fn manifest(&self) -> Vec<(String, String)> {
        let text = fs::read_to_string(self.dir.path().join("manifest.tsv")).unwrap();
        text.lines()
            .map(|line| {
                let (path, expectation) = line.split_once('\t').expect("a tab in each manifest line");
                (path.to_string(), expectation.to_string())
            })
            .collect()
    }
}

impl Drop for Corpus {
    fn drop(&mut self) {
        // Unreadable folders would stop the temporary folder from being removed.
        let locked = self.root().join("walk/locked");
        let _ = fs::set_permissions(locked, fs::Permissions::from_mode(0o755));
    }
}

/// What is known about one entry of the corpus, to tell whether a run changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryState {
    pub mode: u32,
    pub size: u64,
    pub modified: (i64, i64),
    pub changed: (i64, i64),
    /// A hash of the content of regular files of at most 16 MiB that this process can read;
    /// larger files are covered by size, modification and change times.
    pub content: Option<u64>,
}

/// Records every entry under `root` (not following links), keyed by its path. Folders this
/// process cannot read are recorded but not entered.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, EntryState> {
    let mut states = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(path) = pending.pop() {
        let metadata = fs::symlink_metadata(&path).unwrap();
        let content = if metadata.is_file() && metadata.len() <= 16 << 20 { hash_file(&path) } else { None };
        if metadata.is_dir() {
            if let Ok(entries) = fs::read_dir(&path) {
                pending.extend(entries.map(|entry| entry.unwrap().path()));
            }
        }
        let state = EntryState {
            mode: metadata.mode(),
            size: metadata.len(),
            modified: (metadata.mtime(), metadata.mtime_nsec()),
            changed: (metadata.ctime(), metadata.ctime_nsec()),
            content,
        };
        states.insert(path, state);
    }
    states
}

fn hash_file(path: &Path) -> Option<u64> {
    let mut file = fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    let mut hasher = DefaultHasher::new();
    hasher.write(&bytes);
    Some(hasher.finish())
}

/// The result of one run of the binary.
pub struct Outcome {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// True when this process runs as root, which reads files whatever their permissions.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A copy of the binary that the user `nobody` can run, because the build folder may sit in a
/// checkout that only root can enter. It has a fixed place in the temporary folder, replaced
/// on each test run, so that runs leave at most one copy behind.
static SHARED_BINARY: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join("mlconform-hostile-bin");
    fs::create_dir_all(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    let partial = dir.join(format!("mlconform.{}", std::process::id()));
    fs::copy(env!("CARGO_BIN_EXE_mlconform"), &partial).unwrap();
    fs::set_permissions(&partial, fs::Permissions::from_mode(0o755)).unwrap();
    let copy = dir.join("mlconform");
    fs::rename(&partial, &copy).unwrap();
    copy
});

/// Runs `mlconform ARGS`, as the unprivileged user `nobody` when this process is root so that
/// file permissions apply, and kills it after `deadline`.
pub fn run_mlconform(args: &[&std::ffi::OsStr], deadline: Duration) -> Outcome {
    let mut command = if is_root() {
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&*SHARED_BINARY);
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_mlconform"))
    };
    command.args(args).env("NO_COLOR", "1").env("COLUMNS", "100").current_dir("/").stdin(Stdio::null());
    run_with_deadline(command, deadline)
}

/// Runs `command` with its output captured, killing it after `deadline`.
pub fn run_with_deadline(mut command: Command, deadline: Duration) -> Outcome {
    let started = Instant::now();
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the command starts");
    let mut stdout_pipe = child.stdout.take().unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stdout_reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut text);
        text
    });
    let stderr_reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut text);
        text
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} ran longer than {deadline:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    Outcome {
        status,
        stdout: String::from_utf8_lossy(&stdout_reader.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&stderr_reader.join().unwrap()).into_owned(),
        elapsed,
    }
}

/// The largest peak resident set size, in bytes, of any child process this process has waited
/// for so far.
pub fn peak_child_rss() -> u64 {
    // SAFETY: getrusage writes into the zeroed struct it is given and has no other effect.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    // Linux reports ru_maxrss in KiB.
    usage.ru_maxrss as u64 * 1024
}
