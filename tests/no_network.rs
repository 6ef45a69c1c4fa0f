//! mlconform never touches the network. A full check of the hostile corpus, and `validate` with
//! schemas whose `$ref`s and `$id`s name remote URLs, run under `strace` with every network
//! system call traced. Where `unshare` is allowed they also run in a network namespace with no
//! interface up. The trace must show no network system call at all, not even a failed one.
//!
//! Needs `strace` (Debian package `strace`) and, for the namespace, `unshare` from util-linux
//! with root or unprivileged user namespaces. Without `strace` the test fails and says so,
//! because nothing else here can show that no connection was attempted.

mod common;

use std::ffi::OsString;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::hostile::{run_with_deadline, Corpus};

const DEADLINE: Duration = Duration::from_secs(120);

/// Returns the command prefix that runs a program without network: `unshare -n` as root,
/// `unshare -rn` in a user namespace otherwise, or nothing where neither is allowed.
fn isolation() -> Vec<&'static str> {
    for prefix in [&["unshare", "-n"][..], &["unshare", "-rn"][..]] {
        let works = Command::new(prefix[0])
            .args(&prefix[1..])
            .arg("true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if works {
            return prefix.to_vec();
        }
    }
    Vec::new()
}

fn strace_available() -> bool {
    Command::new("strace").arg("-V").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Runs `mlconform ARGS` under strace (and the network isolation) and returns the network
/// system calls it made, one per line, with its exit code.
fn network_calls(trace: &Path, args: &[OsString]) -> (Vec<String>, Option<i32>) {
    let mut words: Vec<OsString> = isolation().into_iter().map(OsString::from).collect();
    words.extend(["strace", "-f", "-qq", "-e", "trace=network", "-o"].map(OsString::from));
    words.push(trace.as_os_str().to_owned());
    words.push(env!("CARGO_BIN_EXE_mlconform").into());
    words.extend(args.iter().cloned());
    let mut command = Command::new(&words[0]);
    command.args(&words[1..]).env("NO_COLOR", "1").stdin(Stdio::null());

    let outcome = run_with_deadline(command, DEADLINE);

    let text =
        fs::read_to_string(trace).unwrap_or_else(|error| panic!("no trace written ({error}): {}", outcome.stderr));
    // With -qq strace still reports how each traced process ended; those lines are no calls.
    let calls = text
        .lines()
        .filter(|line| !line.contains("+++ exited") && !line.contains("--- SIG"))
        .map(str::to_string)
        .collect();
    (calls, outcome.status.code())
}

#[test]
fn full_check_makes_no_network_call() {
    assert!(strace_available(), "strace is required to prove that no connection is attempted: apt-get install strace");
    let corpus = Corpus::generate();
    let trace = corpus.dir.path().join("trace.txt");

    let args: Vec<OsString> = vec!["check".into(), "--format".into(), "json".into(), corpus.root().into()];
    let (calls, code) = network_calls(&trace, &args);

    assert!(matches!(code, Some(1 | 2)), "exit code {code:?}");
    assert!(calls.is_empty(), "network system calls during check:\n{}", calls.join("\n"));
}

#[test]
fn remote_refs_make_no_network_call() {
    assert!(strace_available(), "strace is required to prove that no connection is attempted: apt-get install strace");
    let corpus = Corpus::generate();
    let trace = corpus.dir.path().join("trace.txt");
    let instance = corpus.dir.path().join("instance.json");
    fs::write(&instance, "{\"license\": \"mit\"}").unwrap();

    // A `$ref` to an unmapped remote URL, and a schema whose `$id` is remote but whose refs
    // resolve through --map-uri to a local folder.
    let remote = corpus.root().join("schemas/remote-ref.schema.json");
    let case = common::case("09-ref-against-remote-id-offline").join("schemas");
    let runs: Vec<(Vec<OsString>, i32)> = vec![
        (vec!["validate".into(), "--schema".into(), remote.into(), instance.clone().into()], 2),
        (
            vec![
                "validate".into(),
                "--schema".into(),
                case.join("card.json").into(),
                "--map-uri".into(),
                format!("https://schemas.example.org/ml/={}", case.display()).into(),
                case.join("../instance.json").into(),
            ],
            1,
        ),
    ];

    for (args, expected) in runs {
        let (calls, code) = network_calls(&trace, &args);

        assert_eq!(code, Some(expected), "{args:?}");
        assert!(calls.is_empty(), "network system calls during {args:?}:\n{}", calls.join("\n"));
    }
}
