//! YAML loading with positions. (Being written.)

use super::{Limits, Parsed};

/// Parses a YAML stream. `text` has no byte order mark; spans in the result are byte offsets
/// into `text`.
pub fn parse(text: &str, limits: &Limits) -> Parsed {
    let _ = (text, limits);
    Parsed::default()
}
