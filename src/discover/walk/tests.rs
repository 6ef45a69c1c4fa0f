use std::fs::File;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::process::Command;

use tempfile::TempDir;

use super::*;

/// Creates `relative` under `root` with `contents`, making parent folders as needed.
fn write(root: &Path, relative: &str, contents: &[u8]) -> PathBuf {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, contents).unwrap();
    path
}

fn walk_root(root: &Path, options: &WalkOptions) -> Walk {
    walk(&[root.to_path_buf()], options).unwrap()
}

/// Returns the walked files' paths relative to `root`, as strings.
fn relative_files(walk: &Walk, root: &Path) -> Vec<String> {
    walk.files.iter().map(|entry| entry.path.strip_prefix(root).unwrap().to_string_lossy().into_owned()).collect()
}

fn skip_reason(walk: &Walk, path: &Path) -> Option<String> {
    walk.skipped.iter().find(|skipped| skipped.path == path).map(|skipped| skipped.reason.clone())
}

fn excluding(patterns: &[&str]) -> WalkOptions {
    WalkOptions { excludes: patterns.iter().map(|pattern| pattern.to_string()).collect(), follow_links: false }
}

fn following_links() -> WalkOptions {
    WalkOptions { excludes: Vec::new(), follow_links: true }
}

#[test]
fn walk_lists_files_sorted() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "b.yaml", b"b: 1\n");
    write(dir.path(), "a/z.json", b"{}");
    write(dir.path(), "a.json", b"{}");
    write(dir.path(), "c/d/e.md", b"# e\n");

    let walk = walk_root(dir.path(), &WalkOptions::default());

    assert_eq!(relative_files(&walk, dir.path()), ["a/z.json", "a.json", "b.yaml", "c/d/e.md"]);
    assert!(walk.files.iter().all(|entry| !entry.explicit));
    assert!(walk.skipped.is_empty());
    assert!(walk.problems.is_empty());
}

#[test]
fn walk_honours_gitignore_without_git() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), ".gitignore", b"build/\n*.log.json\n");
    write(dir.path(), ".ignore", b"scratch.yaml\n");
    write(dir.path(), "build/out.json", b"{}");
    write(dir.path(), "run.log.json", b"{}");
    write(dir.path(), "scratch.yaml", b"a: 1\n");
    write(dir.path(), "keep.json", b"{}");

    let walk = walk_root(dir.path(), &WalkOptions::default());

    assert_eq!(relative_files(&walk, dir.path()), ["keep.json"]);
}

#[test]
fn walk_skips_hidden_and_git() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), ".git/config.json", b"{}");
    write(dir.path(), ".hidden/card.md", b"---\n---\n");
    write(dir.path(), ".secret.yaml", b"a: 1\n");
    write(dir.path(), "visible.yaml", b"a: 1\n");

    let walk = walk_root(dir.path(), &WalkOptions::default());

    assert_eq!(relative_files(&walk, dir.path()), ["visible.yaml"]);
}

#[test]
fn walk_applies_exclude_globs() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "data/train.csv", b"a\n1\n");
    write(dir.path(), "data/nested/test.csv", b"a\n1\n");
    write(dir.path(), "data/card.md", b"# card\n");
    write(dir.path(), "logs/run.jsonl", b"{}\n");
    write(dir.path(), "config.yaml", b"a: 1\n");

    let walk = walk_root(dir.path(), &excluding(&["data/**/*.csv", "logs/"]));

    assert_eq!(relative_files(&walk, dir.path()), ["config.yaml", "data/card.md"]);
}

#[test]
fn exclude_without_slash_matches_anywhere() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "a/b/records.jsonl", b"{}\n");
    write(dir.path(), "records.jsonl", b"{}\n");
    write(dir.path(), "a/keep.yaml", b"a: 1\n");

    let walk = walk_root(dir.path(), &excluding(&["*.jsonl"]));

    assert_eq!(relative_files(&walk, dir.path()), ["a/keep.yaml"]);
}

#[test]
fn invalid_exclude_is_error() {
    let dir = TempDir::new().unwrap();

    let error = walk(&[dir.path().to_path_buf()], &excluding(&["data/[a"])).unwrap_err();

    assert!(matches!(&error, WalkError::InvalidExclude { pattern, .. } if pattern == "data/[a"), "{error:?}");
    assert_eq!(error.path(), None);
}

#[test]
fn named_file_checked_when_ignored() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), ".gitignore", b"*.yaml\n");
    let ignored = write(dir.path(), "ignored.yaml", b"a: 1\n");
    let hidden = write(dir.path(), ".hidden.json", b"{}");
    let excluded = write(dir.path(), "excluded.json", b"{}");
    let binary = write(dir.path(), "weights.json", b"\x00\x01\x02");
    let roots = [ignored.clone(), hidden.clone(), excluded.clone(), binary.clone()];

    let walk = walk(&roots, &excluding(&["excluded.json"])).unwrap();

    let paths: Vec<&Path> = walk.files.iter().map(|entry| entry.path.as_path()).collect();
    assert_eq!(paths, [hidden.as_path(), excluded.as_path(), ignored.as_path(), binary.as_path()]);
    assert!(walk.files.iter().all(|entry| entry.explicit));
    assert!(walk.skipped.is_empty());
}

#[test]
fn named_folder_contents_excluded() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "project/data/big.csv", b"a\n1\n");
    write(dir.path(), "project/card.md", b"# card\n");
    let project = dir.path().join("project");

    let walk = walk_root(&project, &excluding(&["data/"]));

    assert_eq!(relative_files(&walk, &project), ["card.md"]);
}

#[test]
fn named_and_walked_file_listed_once() {
    let dir = TempDir::new().unwrap();
    let card = write(dir.path(), "card.md", b"---\n---\n");
    write(dir.path(), "other.yaml", b"a: 1\n");
    let roots = [dir.path().to_path_buf(), card.clone(), card.clone()];

    let walk = walk(&roots, &WalkOptions::default()).unwrap();

    assert_eq!(relative_files(&walk, dir.path()), ["card.md", "other.yaml"]);
    assert!(walk.files[0].explicit, "the named file keeps its explicit mark");
    assert!(!walk.files[1].explicit);
    assert!(walk.skipped.is_empty(), "{:?}", walk.skipped);
}

#[test]
fn named_binary_file_not_skipped() {
    let dir = TempDir::new().unwrap();
    let weights = write(dir.path(), "weights.json", b"\x00\x00");

    let walk = walk(&[dir.path().to_path_buf(), weights.clone()], &WalkOptions::default()).unwrap();

    assert_eq!(walk.files, [WalkEntry { path: weights, explicit: true }]);
    assert!(walk.skipped.is_empty(), "{:?}", walk.skipped);
}

#[test]
fn walk_keeps_relative_paths() {
    // Tests run in the crate root, where `target` exists. A relative root needs a folder
    // reachable from there, and changing the process's directory would race other tests.
    let dir = tempfile::Builder::new().prefix("discover-walk").tempdir_in("target").unwrap();
    write(dir.path(), "fixtures/a.yaml", b"a: 1\n");
    let current = std::env::current_dir().unwrap();
    let root = dir.path().strip_prefix(&current).unwrap().join("fixtures");
    let dotted_root = Path::new(".").join(&root);

    let plain = walk_root(&root, &WalkOptions::default());
    let dotted = walk_root(&dotted_root, &WalkOptions::default());

    assert!(root.is_relative());
    assert_eq!(plain.files, [WalkEntry { path: root.join("a.yaml"), explicit: false }]);
    assert_eq!(dotted.files, [WalkEntry { path: dotted_root.join("a.yaml"), explicit: false }]);
}

#[test]
fn binary_file_skipped_when_walked() {
    let dir = TempDir::new().unwrap();
    let weights = write(dir.path(), "weights.json", b"{\"a\": 1}\x00\x00");
    let mut late_nul = vec![b'a'; 9000];
    late_nul.push(0);
    write(dir.path(), "late-nul.yaml", &late_nul);

    let walk = walk_root(dir.path(), &WalkOptions::default());

    assert_eq!(relative_files(&walk, dir.path()), ["late-nul.yaml"], "only the first 8 KiB are probed");
    assert_eq!(skip_reason(&walk, &weights).as_deref(), Some("binary file"));
}

#[test]
fn text_with_stray_nul_not_binary() {
    let dir = TempDir::new().unwrap();
    let config = write(dir.path(), "config.yaml", b"learning_rate: 0.1\nname: \"a\x00b\"\n");
    let image = write(dir.path(), "image.json", b"\x89PNG\r\n\x1a\n{\"text\": \"after the signature\"}\x00");

    let walk = walk_root(dir.path(), &WalkOptions::default());

    assert_eq!(relative_files(&walk, dir.path()), ["config.yaml"]);
    assert_eq!(skip_reason(&walk, &image).as_deref(), Some("binary file"));
    assert_eq!(skip_reason(&walk, &config), None);
}

#[test]
fn utf16_file_not_binary() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "le.yaml", b"\xFF\xFEa\x00:\x00 \x001\x00");
    write(dir.path(), "be.json", b"\xFE\xFF\x00{\x00}");

    let walk = walk_root(dir.path(), &WalkOptions::default());

    assert_eq!(relative_files(&walk, dir.path()), ["be.json", "le.yaml"]);
    assert!(walk.skipped.is_empty());
}

fn make_fifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success(), "mkfifo failed for {}", path.display());
}

#[test]
fn fifo_skipped_when_walked() {
    let dir = TempDir::new().unwrap();
    let fifo = dir.path().join("pipe.yaml");
    make_fifo(&fifo);
    write(dir.path(), "real.yaml", b"a: 1\n");

    let walk = walk_root(dir.path(), &WalkOptions::default());

    assert_eq!(relative_files(&walk, dir.path()), ["real.yaml"]);
    assert_eq!(skip_reason(&walk, &fifo).as_deref(), Some("not a regular file (FIFO)"));
}

#[test]
fn named_fifo_skipped() {
    let dir = TempDir::new().unwrap();
    let fifo = dir.path().join("pipe.json");
    make_fifo(&fifo);

    // Opening the FIFO would block forever, so the test finishing is part of the check.
    let walk = walk(std::slice::from_ref(&fifo), &WalkOptions::default()).unwrap();

    assert!(walk.files.is_empty());
    assert_eq!(skip_reason(&walk, &fifo).as_deref(), Some("not a regular file (FIFO)"));
}

#[test]
fn named_missing_path_is_error() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("missing.yaml");

    let error = walk(std::slice::from_ref(&missing), &WalkOptions::default()).unwrap_err();

    assert!(matches!(&error, WalkError::NotFound { path } if *path == missing), "{error:?}");
    assert_eq!(error.path(), Some(missing.as_path()));
    assert_eq!(error.to_string(), format!("path not found: {}", missing.display()));
}

#[test]
fn symlink_not_followed_by_default() {
    let dir = TempDir::new().unwrap();
    let target = write(dir.path(), "real/card.md", b"---\n---\n");
    let file_link = dir.path().join("link.md");
    symlink(&target, &file_link).unwrap();
    symlink(dir.path().join("real"), dir.path().join("linked-dir")).unwrap();

    let walk = walk_root(dir.path(), &WalkOptions::default());

    assert_eq!(relative_files(&walk, dir.path()), ["real/card.md"]);
    let reason = skip_reason(&walk, &file_link).unwrap();
    assert!(reason.starts_with("symbolic link"), "{reason}");
    assert!(walk.problems.is_empty(), "{:?}", walk.problems);
}

#[test]
fn named_symlink_followed() {
    let dir = TempDir::new().unwrap();
    let target = write(dir.path(), "real.yaml", b"a: 1\n");
    let link = dir.path().join("link.yaml");
    symlink(&target, &link).unwrap();

    let walk = walk(std::slice::from_ref(&link), &WalkOptions::default()).unwrap();

    assert_eq!(walk.files, [WalkEntry { path: link, explicit: true }]);
}

#[test]
fn followed_symlink_loop_reported() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "a/config.yaml", b"a: 1\n");
    let link = dir.path().join("a/loop");
    symlink(dir.path().join("a"), &link).unwrap();

    let walk = walk_root(dir.path(), &following_links());

    assert_eq!(relative_files(&walk, dir.path()), ["a/config.yaml"]);
    assert_eq!(walk.problems.len(), 1, "{:?}", walk.problems);
    assert_eq!(walk.problems[0].path, link);
    assert!(walk.problems[0].message.starts_with("symbolic link loop"), "{}", walk.problems[0].message);
}

#[test]
fn followed_symlink_to_file_listed_once() {
    let dir = TempDir::new().unwrap();
    let real = write(dir.path(), "real.yaml", b"a: 1\n");
    symlink(&real, dir.path().join("alias.yaml")).unwrap();

    let walk = walk_root(dir.path(), &following_links());

    assert_eq!(relative_files(&walk, dir.path()), ["alias.yaml"], "the first path in sort order is kept");
    let reason = skip_reason(&walk, &real).unwrap();
    assert!(reason.starts_with("same file as"), "{reason}");
}

#[test]
fn followed_broken_symlink_reported() {
    let dir = TempDir::new().unwrap();
    let link = dir.path().join("dangling.yaml");
    symlink(dir.path().join("nowhere.yaml"), &link).unwrap();

    let walk = walk_root(dir.path(), &following_links());

    assert!(walk.files.is_empty());
    assert_eq!(walk.problems.len(), 1, "{:?}", walk.problems);
    assert_eq!(walk.problems[0].path, link);
    assert!(walk.problems[0].message.starts_with("broken symbolic link"), "{}", walk.problems[0].message);
}

#[test]
fn unreadable_folder_reported() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "open/a.yaml", b"a: 1\n");
    let locked = dir.path().join("locked");
    write(dir.path(), "locked/b.yaml", b"b: 1\n");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // Root, or any user with CAP_DAC_READ_SEARCH, reads the folder anyway.
    let readable_anyway = fs::read_dir(&locked).is_ok();

    let walk = walk_root(dir.path(), &WalkOptions::default());
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();

    if readable_anyway {
        return;
    }
    assert_eq!(relative_files(&walk, dir.path()), ["open/a.yaml"]);
    assert_eq!(walk.problems.len(), 1, "{:?}", walk.problems);
    assert_eq!(walk.problems[0].path, locked);
    assert_eq!(walk.problems[0].message, "permission denied");
}

#[test]
fn unreadable_named_file_is_problem() {
    let dir = TempDir::new().unwrap();
    let locked = write(dir.path(), "locked.yaml", b"a: 1\n");
    let open = write(dir.path(), "open.yaml", b"a: 1\n");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let readable_anyway = File::open(&locked).is_ok();

    let walk = walk(&[locked.clone(), open.clone()], &WalkOptions::default()).unwrap();

    if readable_anyway {
        return;
    }
    assert_eq!(walk.files, [WalkEntry { path: open, explicit: true }]);
    assert_eq!(walk.problems, [WalkProblem { path: locked, message: "permission denied".to_string() }]);
}

#[test]
fn symlink_leaving_root_named_in_reason() {
    let outside = TempDir::new().unwrap();
    let secret = write(outside.path(), "secret.yaml", b"token: 1\n");
    let dir = TempDir::new().unwrap();
    let link = dir.path().join("innocent.yaml");
    symlink(&secret, &link).unwrap();
    let looping = dir.path().join("loop.yaml");
    symlink(&looping, &looping).unwrap();

    let walk = walk_root(dir.path(), &WalkOptions::default());

    assert!(walk.files.is_empty(), "{:?}", walk.files);
    let reason = skip_reason(&walk, &link).unwrap();
    assert!(reason.contains("outside the checked folder"), "{reason}");
    assert!(reason.contains("--follow-links"), "{reason}");
    let reason = skip_reason(&walk, &looping).unwrap();
    assert!(reason.starts_with("symbolic link loop"), "{reason}");
}

#[test]
fn fifo_gitignore_leaves_its_folder_out() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "top.yaml", b"a: 1\n");
    write(dir.path(), "sub/inner.yaml", b"a: 1\n");
    make_fifo(&dir.path().join("sub/.gitignore"));

    // The walker opening the FIFO would block forever, so finishing is part of the check.
    let walk = walk_root(dir.path(), &WalkOptions::default());

    assert_eq!(relative_files(&walk, dir.path()), ["top.yaml"]);
    assert_eq!(walk.problems.len(), 1);
    assert_eq!(walk.problems[0].path, dir.path().join("sub/.gitignore"));
    assert!(walk.problems[0].message.contains("is not checked"), "{}", walk.problems[0].message);
}

#[test]
fn fifo_ignore_file_at_root_turns_ignore_files_off() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "a.yaml", b"a: 1\n");
    write(dir.path(), "sub/b.yaml", b"a: 1\n");
    make_fifo(&dir.path().join(".ignore"));

    let walk = walk_root(dir.path(), &WalkOptions::default());

    assert_eq!(relative_files(&walk, dir.path()), ["a.yaml", "sub/b.yaml"]);
    assert_eq!(walk.problems.len(), 1);
    assert!(walk.problems[0].message.contains("no ignore file applies"), "{}", walk.problems[0].message);
}

#[test]
fn self_link_followed_is_a_loop_problem() {
    let dir = TempDir::new().unwrap();
    let link = dir.path().join("self");
    std::os::unix::fs::symlink("self", &link).unwrap();

    let walk = walk_root(dir.path(), &WalkOptions { follow_links: true, ..WalkOptions::default() });

    assert_eq!(walk.problems.len(), 1, "{:?}", walk.problems);
    assert_eq!(walk.problems[0].path, link);
    assert_eq!(walk.problems[0].message, "symbolic link loop: the link cannot be resolved");
}
