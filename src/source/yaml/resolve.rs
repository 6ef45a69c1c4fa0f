//! Plain scalar resolution under the YAML 1.2 core schema and under YAML 1.1.
//!
//! Numbers come out as JSON number literals that keep every digit: octal, hexadecimal,
//! binary and sexagesimal integers are converted to decimal on digit strings, so integers of
//! any size stay exact.

use std::sync::LazyLock;

use regex::Regex;

/// The YAML version whose rules resolve a document's plain scalars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// YAML 1.2 core schema, the default.
    V1_2,
    /// YAML 1.1 as PyYAML reads it, chosen by a `%YAML 1.1` directive.
    V1_1,
}

/// What a scalar's text means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Null,
    Bool(bool),
    /// A JSON number literal.
    Int(String),
    /// A JSON number literal.
    Float(String),
    /// `.nan`, `.inf` or `-.inf` (any accepted spelling), in lowercase with no `+` sign.
    NonFinite(String),
    String,
}

impl Resolved {
    /// Describes the reading for a message, such as `the boolean false` or `the string "no"`.
    pub fn describe(&self, text: &str) -> String {
        match self {
            Resolved::Null => "null".to_string(),
            Resolved::Bool(value) => format!("the boolean {value}"),
            Resolved::Int(literal) => format!("the integer {literal}"),
            Resolved::Float(literal) => format!("the number {literal}"),
            Resolved::NonFinite(literal) => format!("the non-finite number {literal}"),
            Resolved::String => format!("the string {}", serde_json::Value::from(text)),
        }
    }
}

/// Resolves the text of a plain scalar.
pub fn resolve_plain(text: &str, version: Version) -> Resolved {
    match version {
        Version::V1_2 => resolve_core(text),
        Version::V1_1 => resolve_yaml11(text),
    }
}

static CORE_FLOAT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$").unwrap());

fn resolve_core(text: &str) -> Resolved {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        _ => {}
    }
    if let Some(non_finite) = non_finite(text) {
        return non_finite;
    }

    let (sign, unsigned) = split_sign(text);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return Resolved::Int(format!("{sign}{}", strip_leading_zeros(unsigned)));
    }
    if let Some(octal) = text.strip_prefix("0o") {
        if !octal.is_empty() && octal.bytes().all(|b| matches!(b, b'0'..=b'7')) {
            return based_int("", octal, 8);
        }
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return based_int("", hex, 16);
        }
    }
    if CORE_FLOAT.is_match(text) {
        return Resolved::Float(normalize_float(text));
    }
    Resolved::String
}

// The YAML 1.1 patterns follow PyYAML's implicit resolvers (resolver.py), which is what YAML
// 1.1 tools in the ML ecosystem use. Like the YAML 1.1 type repository and unlike PyYAML,
// `y`, `Y`, `n` and `N` are booleans too.
static YAML11_INT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
    )
    .unwrap()
});

static YAML11_FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*)$",
    )
    .unwrap()
});

fn resolve_yaml11(text: &str) -> Resolved {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false);
        }
        _ => {}
    }
    if let Some(non_finite) = non_finite(text) {
        return non_finite;
    }

    if YAML11_INT.is_match(text) {
        return yaml11_int(text);
    }
    if YAML11_FLOAT.is_match(text) {
        let cleaned = text.replace('_', "");
        if cleaned.contains(':') {
            return sexagesimal(&cleaned, true);
        }
        return Resolved::Float(normalize_float(&cleaned));
    }
    Resolved::String
}

fn yaml11_int(text: &str) -> Resolved {
    let cleaned = text.replace('_', "");
    let (sign, unsigned) = split_sign(&cleaned);
    if let Some(binary) = unsigned.strip_prefix("0b") {
        return based_int(sign, binary, 2);
    }
    if let Some(hex) = unsigned.strip_prefix("0x") {
        return based_int(sign, hex, 16);
    }
    if unsigned.contains(':') {
        return sexagesimal(&cleaned, false);
    }
    if let Some(octal) = unsigned.strip_prefix('0').filter(|rest| !rest.is_empty()) {
        return based_int(sign, octal, 8);
    }
    Resolved::Int(format!("{sign}{}", strip_leading_zeros(unsigned)))
}

fn non_finite(text: &str) -> Option<Resolved> {
    match text {
        ".nan" | ".NaN" | ".NAN" => Some(Resolved::NonFinite(".nan".to_string())),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Some(Resolved::NonFinite(".inf".to_string())),
        "-.inf" | "-.Inf" | "-.INF" => Some(Resolved::NonFinite("-.inf".to_string())),
        _ => None,
    }
}

/// Splits a leading sign off; a `+` sign is dropped because JSON has none.
fn split_sign(text: &str) -> (&'static str, &str) {
    if let Some(rest) = text.strip_prefix('-') {
        ("-", rest)
    } else if let Some(rest) = text.strip_prefix('+') {
        ("", rest)
    } else {
        ("", text)
    }
}

fn strip_leading_zeros(digits: &str) -> &str {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        "0"
    } else {
        trimmed
    }
}

/// Rewrites a float that matched one of the float patterns (underscores removed) as a JSON
/// number literal: `+1.` → `1.0`, `.5` → `0.5`, `-.5e3` → `-0.5e3`, `007.5` → `7.5`.
fn normalize_float(text: &str) -> String {
    let (sign, unsigned) = split_sign(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => unsigned.split_at(at),
        None => (unsigned, ""),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };

    let mut literal = String::with_capacity(text.len() + 2);
    literal.push_str(sign);
    literal.push_str(strip_leading_zeros(whole));
    if let Some(fraction) = fraction {
        literal.push('.');
        literal.push_str(if fraction.is_empty() { "0" } else { fraction });
    }
    literal.push_str(exponent);
    literal
}

/// Integers with more digits than this in base 2, 8 or 16 stay strings, because the digit-string
/// conversion to decimal takes time quadratic in the length.
const MAX_BASED_DIGITS: usize = 10_000;

fn based_int(sign: &str, digits: &str, base: u32) -> Resolved {
    if digits.is_empty() || digits.len() > MAX_BASED_DIGITS {
        return Resolved::String;
    }
    let decimal = to_decimal(digits.chars().map(|ch| ch.to_digit(base).expect("digits checked by the caller")), base);
    Resolved::Int(format!("{sign}{decimal}"))
}

/// Base-60 numbers such as `190:20:30` (685230) or `1:30.5` (90.5), with underscores removed.
fn sexagesimal(text: &str, float: bool) -> Resolved {
    let (sign, unsigned) = split_sign(text);
    let (integral, fraction) = match unsigned.split_once('.') {
        Some((integral, fraction)) if float => (integral, Some(fraction)),
        _ => (unsigned, None),
    };
    if integral.len() > MAX_BASED_DIGITS {
        return Resolved::String;
    }

    // The first part is any decimal number; the pattern allows only 0 to 59 after each colon.
    let mut parts = integral.split(':');
    let mut value = BigDecimal::default();
    for digit in parts.next().unwrap_or_default().bytes() {
        value.push_digit(10, u32::from(digit - b'0'));
    }
    for part in parts {
        let digit = part.parse::<u32>().expect("sexagesimal parts checked by the pattern");
        value.push_digit(60, digit);
    }

    let mut literal = format!("{sign}{value}");
    match fraction {
        Some(fraction) => {
            literal.push('.');
            literal.push_str(if fraction.is_empty() { "0" } else { fraction });
            Resolved::Float(literal)
        }
        None => Resolved::Int(literal),
    }
}

fn to_decimal(digits: impl Iterator<Item = u32>, base: u32) -> String {
    let mut value = BigDecimal::default();
    for digit in digits {
        value.push_digit(base, digit);
    }
    value.to_string()
}

/// A non-negative integer as little-endian limbs of nine decimal digits.
#[derive(Default)]
struct BigDecimal {
    limbs: Vec<u32>,
}

const LIMB: u64 = 1_000_000_000;

impl BigDecimal {
    /// Sets the value to `value * base + digit`, for `digit < base <= 60`.
    fn push_digit(&mut self, base: u32, digit: u32) {
        let mut carry = u64::from(digit);
        for limb in self.limbs.iter_mut() {
            let product = u64::from(*limb) * u64::from(base) + carry;
            *limb = (product % LIMB) as u32;
            carry = product / LIMB;
        }
        while carry > 0 {
            self.limbs.push((carry % LIMB) as u32);
            carry /= LIMB;
        }
    }
}

impl std::fmt::Display for BigDecimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some((most, rest)) = self.limbs.split_last() else {
            return f.write_str("0");
        };
        write!(f, "{most}")?;
        for limb in rest.iter().rev() {
            write!(f, "{limb:09}")?;
        }
        Ok(())
    }
}
