//! File size limits per format, and the `--max-file-size [FORMAT=]SIZE` syntax that sets them.

use std::fmt;
use std::str::FromStr;

use crate::discover::Format;

/// Default size limit for JSON, YAML and Markdown files: 64 MiB, far above any real config or
/// card, low enough that one stray file cannot exhaust memory.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// The largest file of each format that is read whole. Data files (CSV, TSV, JSON Lines) are
/// streamed and have no limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSizeLimits {
    /// The limit for formats without a limit of their own.
    pub default: u64,
    /// Limits set for one format, the last setting winning.
    pub per_format: Vec<(Format, u64)>,
}

impl Default for FileSizeLimits {
    fn default() -> FileSizeLimits {
        FileSizeLimits { default: DEFAULT_MAX_FILE_SIZE, per_format: Vec::new() }
    }
}

impl FileSizeLimits {
    /// Builds the limits from `--max-file-size` values in the order given.
    pub fn from_settings(settings: &[SizeSetting]) -> FileSizeLimits {
        let mut limits = FileSizeLimits::default();
        for setting in settings {
            match setting.format {
                Some(format) => limits.per_format.push((format, setting.bytes)),
                None => limits.default = setting.bytes,
            }
        }
        limits
    }

    /// Returns the limit for `format`, or `None` for a streamed data format.
    pub fn for_format(&self, format: Format) -> Option<u64> {
        if is_streamed(format) {
            return None;
        }
        let own = self.per_format.iter().rev().find(|(limited, _)| *limited == format);
        Some(own.map_or(self.default, |(_, bytes)| *bytes))
    }
}

/// True for the data formats, which are read as a stream and never whole.
pub fn is_streamed(format: Format) -> bool {
    matches!(format, Format::Csv | Format::Tsv | Format::JsonLines)
}

/// Returns the name of a format in `--max-file-size FORMAT=SIZE`.
pub fn format_key(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Yaml => "yaml",
        Format::Markdown => "markdown",
        Format::Csv => "csv",
        Format::Tsv => "tsv",
        Format::JsonLines => "jsonl",
    }
}

/// One `--max-file-size` value: a size for every format, or for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeSetting {
    pub format: Option<Format>,
    pub bytes: u64,
}

impl FromStr for SizeSetting {
    type Err = String;

    fn from_str(text: &str) -> Result<SizeSetting, String> {
        let (format, size) = match text.split_once('=') {
            Some((key, size)) => {
                let format = [Format::Json, Format::Yaml, Format::Markdown]
                    .into_iter()
                    .find(|format| format_key(*format) == key.trim().to_ascii_lowercase())
                    .ok_or_else(|| {
                        if ["csv", "tsv", "jsonl"].contains(&key.trim()) {
                            format!("{key} files are streamed and have no size limit")
                        } else {
                            format!("unknown format \"{key}\"; expected json, yaml or markdown")
                        }
                    })?;
                (Some(format), size)
            }
            None => (None, text),
        };
        Ok(SizeSetting { format, bytes: parse_size(size)? })
    }
}

/// Parses a size: a number of bytes with an optional unit. `K`, `M`, `G` and `KiB`, `MiB`,
/// `GiB` are powers of 1024; `KB`, `MB`, `GB` are powers of 1000.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits_end = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits_end);
    let invalid =
        || format!("invalid size \"{text}\"; expected bytes, or a number with K, M, G, KB, MB, GB, KiB, MiB or GiB");
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => return Err(invalid()),
    };
    number.checked_mul(multiplier).ok_or_else(|| format!("size \"{text}\" is too large"))
}

/// A byte count for messages: exact bytes, and a rounded binary size above 1 KiB.
pub struct Bytes(pub u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
        let bytes = self.0;
        match UNITS.iter().find(|(_, size)| bytes >= *size) {
            Some((unit, size)) if bytes % size == 0 => write!(f, "{} {unit}", bytes / size),
            Some((unit, size)) => write!(f, "{:.1} {unit} ({bytes} bytes)", bytes as f64 / *size as f64),
            None if bytes == 1 => write!(f, "1 byte"),
            None => write!(f, "{bytes} bytes"),
        }
    }
}

/// Rounds `bytes` up to a whole number of the largest binary unit it reaches, for a suggested
/// limit.
pub fn round_up_size(bytes: u64) -> String {
    for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= size {
            return format!("{}{unit}", bytes.div_ceil(size));
        }
    }
    bytes.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("2 GiB"), Ok(2 << 30));
        assert_eq!(parse_size("5MB"), Ok(5_000_000));
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    #[test]
    fn settings_apply_per_format() {
        let settings: Vec<SizeSetting> =
            ["1MiB", "yaml=2MiB", "markdown=3K"].iter().map(|text| text.parse().unwrap()).collect();
        let limits = FileSizeLimits::from_settings(&settings);
        assert_eq!(limits.for_format(Format::Json), Some(1 << 20));
        assert_eq!(limits.for_format(Format::Yaml), Some(2 << 20));
        assert_eq!(limits.for_format(Format::Markdown), Some(3 << 10));
        assert_eq!(limits.for_format(Format::Csv), None);
        assert!("csv=1M".parse::<SizeSetting>().unwrap_err().contains("streamed"));
        assert!("toml=1M".parse::<SizeSetting>().unwrap_err().contains("unknown format"));
    }

    #[test]
    fn byte_counts_read_well() {
        assert_eq!(Bytes(64 << 20).to_string(), "64 MiB");
        assert_eq!(Bytes(2_147_483_648).to_string(), "2 GiB");
        assert_eq!(Bytes(1536).to_string(), "1.5 KiB (1536 bytes)");
        assert_eq!(Bytes(10).to_string(), "10 bytes");
        assert_eq!(round_up_size(2_147_483_649), "3GiB");
        assert_eq!(round_up_size(100), "100");
    }
}
