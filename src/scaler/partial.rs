//! Partial statistics: the state of a scaler recomputation over one shard, written to a file
//! so that shards can be reduced in parallel by any job runner and merged exactly.
//!
//! Floats are written in their shortest round-trip form, so reading a partial back gives the
//! same bits, and a merge of shards agrees with a single pass to rounding.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::accumulate::FileStats;

/// The `format` value of a partial file.
pub const PARTIAL_FORMAT: &str = "mlconform-scaler-partial";

/// The layout version of partial files this build reads and writes.
pub const PARTIAL_VERSION: u32 = 1;

/// One shard's statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partial {
    pub format: String,
    pub version: u32,
    /// The data files the shard covers.
    pub data: Vec<String>,
    /// The split the statistics were restricted to, described.
    pub split: Option<String>,
    pub stats: FileStats,
}

impl Partial {
    pub fn new(data: Vec<String>, split: Option<String>, stats: FileStats) -> Partial {
        Partial { format: PARTIAL_FORMAT.to_string(), version: PARTIAL_VERSION, data, split, stats }
    }
}

/// Writes a partial file.
pub fn write(path: &Path, partial: &Partial) -> Result<(), String> {
    let text = serde_json::to_string_pretty(partial)
        .map_err(|error| format!("cannot encode the partial statistics: {error}"))?;
    fs::write(path, text + "\n").map_err(|error| format!("cannot write {}: {error}", path.display()))
}

/// Reads a partial file.
pub fn read(path: &Path) -> Result<Partial, String> {
    let text = crate::source::read::read_regular_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let partial: Partial = serde_json::from_str(&text)
        .map_err(|error| format!("{} is not a partial statistics file: {error}", path.display()))?;
    if partial.format != PARTIAL_FORMAT {
        return Err(format!("{} is not a partial statistics file (format \"{}\")", path.display(), partial.format));
    }
    if partial.version != PARTIAL_VERSION {
        return Err(format!(
            "{} has partial format version {}, but this mlconform reads version {PARTIAL_VERSION}",
            path.display(),
            partial.version
        ));
    }
    Ok(partial)
}

/// Merges shards: counts add up and each column's moments merge with Chan's formula. Every
/// shard must have the same columns and the same split.
pub fn merge(partials: &[(String, Partial)]) -> Result<(Vec<String>, FileStats), String> {
    let Some((first_name, first)) = partials.first() else {
        return Err("no partial statistics to merge".to_string());
    };
    let names =
        |partial: &Partial| -> Vec<String> { partial.stats.columns.iter().map(|tally| tally.name.clone()).collect() };
    let expected = names(first);
    let mut stats = first.stats.clone();
    let mut data = first.data.clone();
    for (name, partial) in &partials[1..] {
        if names(partial) != expected {
            return Err(format!(
                "{name} has columns {:?}, but {first_name} has {:?}; shards must track the same columns",
                names(partial),
                expected
            ));
        }
        if partial.split != first.split {
            return Err(format!("{name} was computed on another split than {first_name}"));
        }
        stats.rows += partial.stats.rows;
        stats.fitted_rows += partial.stats.fitted_rows;
        stats.sampled = match (stats.sampled, partial.stats.sampled) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        for (tally, other) in stats.columns.iter_mut().zip(&partial.stats.columns) {
            tally.merge(other);
        }
        data.extend(partial.data.iter().cloned());
    }
    Ok((data, stats))
}
