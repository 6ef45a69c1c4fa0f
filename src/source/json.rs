//! JSON parsing with positions. (Being written.)

use super::{Limits, Parsed};

pub fn parse(text: &str, limits: &Limits) -> Parsed {
    let _ = (text, limits);
    Parsed::default()
}
