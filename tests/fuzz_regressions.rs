//! Runs every input the fuzzers found a crash, hang or broken position with, kept under
//! `fuzz/regressions/<target>/`, through the same checks the fuzz target runs. Fuzzing itself
//! needs a nightly compiler and `cargo fuzz`; these inputs run with the ordinary tests.

#[path = "../fuzz/harness.rs"]
mod harness;

mod common;

use std::fs;

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("json", harness::json),
    ("yaml", harness::yaml),
    ("front_matter", harness::front_matter),
    ("decode", harness::decode),
    ("schema_findings", harness::schema_findings),
    ("csv", harness::csv),
    ("data_file", harness::data_file),
    ("rule_pack", harness::rule_pack),
    ("config", harness::config),
];

#[test]
fn fuzz_regressions_pass() {
    let folder = common::root().join("fuzz/regressions");
    let mut count = 0;
    for (name, target) in TARGETS {
        let Ok(entries) = fs::read_dir(folder.join(name)) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            let input = fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&input));
            assert!(outcome.is_ok(), "{name}: {} fails", path.display());
            count += 1;
        }
    }
    assert!(count > 0, "no regression input found under {}", folder.display());
}
