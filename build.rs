//! Embeds every schema under `schemas/<kind>/<flavor>/<version>.json` and every rule pack under
//! `rules/<pack>/<version>.yaml` in the binary, by generating a table of `include_str!`s.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));

    let schemas = files_at_depth(&root.join("schemas"), 3, "json");
    let mut table = String::from("&[\n");
    for path in &schemas {
        let parts: Vec<String> = path
            .strip_prefix(root.join("schemas"))
            .expect("listed under schemas/")
            .iter()
            .map(|part| part.to_string_lossy().into_owned())
            .collect();
        let version = parts[2].trim_end_matches(".json");
        writeln!(
            table,
            "    ({:?}, {:?}, {:?}, include_str!({:?})),",
            parts[0],
            parts[1],
            version,
            path.display().to_string()
        )
        .unwrap();
    }
    table.push(']');
    fs::write(out.join("embedded_schemas.rs"), table).expect("OUT_DIR is writable");

    println!("cargo:rerun-if-changed=schemas");
    for path in &schemas {
        println!("cargo:rerun-if-changed={}", path.display());
    }

    let packs = files_at_depth(&root.join("rules"), 2, "yaml");
    let mut table = String::from("&[\n");
    for path in &packs {
        let parts: Vec<String> = path
            .strip_prefix(root.join("rules"))
            .expect("listed under rules/")
            .iter()
            .map(|part| part.to_string_lossy().into_owned())
            .collect();
        let version = parts[1].trim_end_matches(".yaml");
        writeln!(table, "    ({:?}, {:?}, include_str!({:?})),", parts[0], version, path.display().to_string())
            .unwrap();
    }
    table.push(']');
    fs::write(out.join("embedded_packs.rs"), table).expect("OUT_DIR is writable");

    println!("cargo:rerun-if-changed=rules");
    println!("cargo:rerun-if-changed=rules/rule-pack.schema.json");
    for path in &packs {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// Files with extension `ext` exactly `depth` folders below `dir`, sorted.
fn files_at_depth(dir: &Path, depth: usize, ext: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if depth > 1 && path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            found.extend(files_at_depth(&path, depth - 1, ext));
        } else if depth == 1 && path.extension().is_some_and(|e| e == ext) {
            found.push(path);
        }
    }
    found.sort();
    found
}
