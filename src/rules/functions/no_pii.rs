//! `no-pii`: no string contains personal data.
//!
//! **What it checks**: every string under the value, and with `include-body: true` a card's
//! Markdown body, for e-mail addresses, phone numbers in international form (`+` and a country
//! code) or the North American `(555) 010-0199` form, IBANs whose mod-97 checksum holds,
//! payment card numbers with a known issuer prefix whose Luhn checksum holds, and Chinese
//! resident identity numbers whose ISO 7064 MOD 11-2 check digit and birth date hold.
//! Checksums keep numbers that only look like these (ids, hashes) out of the findings.
//! Addresses at the domains reserved for documentation (`example.com`, `.test`, `.invalid`...)
//! are not personal data.
//!
//! **Why**: a card or config that carries someone's contact or account details publishes them,
//! and data protection law asks that such data be handled on purpose, not leak by accident.
//!
//! **Options**: `kinds`, a subset of `email`, `phone`, `iban`, `card`, `cn-id` (all by default);
//! `allow`, regular expressions for values to ignore (a team's public contact address);
//! `include-body`, also scan a Markdown card's body.
//!
//! **Masking**: findings show personal data masked (`m***@mailbox.org`, `**** 1111`).
//!
//! **Known problems**: names, postal addresses and national formats other than the ones above
//! are not found.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value as Json};

use super::{each_string, regexes_option, strings_option, Function, Input, OptionError, Spec, Spot, Violation};
use crate::source::Span;

pub const SPEC: Spec = Spec {
    name: "no-pii",
    options: &["kinds", "allow", "include-body"],
    summary: "no string holds an e-mail address, phone number, IBAN, card number or Chinese resident id",
    compile,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PiiKind {
    Email,
    Phone,
    Iban,
    Card,
    CnId,
}

impl PiiKind {
    const ALL: [PiiKind; 5] = [PiiKind::Email, PiiKind::Phone, PiiKind::Iban, PiiKind::Card, PiiKind::CnId];

    fn name(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::Iban => "iban",
            PiiKind::Card => "card",
            PiiKind::CnId => "cn-id",
        }
    }

    fn what(self) -> &'static str {
        match self {
            PiiKind::Email => "an e-mail address",
            PiiKind::Phone => "a phone number",
            PiiKind::Iban => "an IBAN",
            PiiKind::Card => "a payment card number",
            PiiKind::CnId => "a Chinese resident identity number",
        }
    }
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Za-z0-9._%+-]+@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24})\b").expect("the e-mail pattern compiles")
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+[1-9][0-9]{0,2}[ .-]?(?:\(?[0-9]{1,4}\)?[ .-]?){2,5}[0-9]{2,4}\b|\(\d{3}\) ?\d{3}-\d{4}\b)")
        .expect("the phone pattern compiles")
});
static IBAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b").expect("the IBAN pattern compiles")
});
static CARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[0-9](?:[ -]?[0-9]){12,18}\b").expect("the card pattern compiles"));
static CN_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[1-9][0-9]{16}[0-9Xx]\b").expect("the id pattern compiles"));

/// Domains reserved for documentation and testing (RFC 2606, RFC 6761).
fn reserved_domain(domain: &str) -> bool {
    let domain = domain.to_ascii_lowercase();
    ["example.com", "example.org", "example.net"]
        .iter()
        .any(|reserved| domain == *reserved || domain.ends_with(&format!(".{reserved}")))
        || [".test", ".example", ".invalid", ".localhost", ".local"].iter().any(|suffix| domain.ends_with(suffix))
}

/// Checks an IBAN (spaces ignored) with the ISO 13616 mod-97 checksum.
pub(crate) fn iban_valid(iban: &str) -> bool {
    let compact: String = iban.chars().filter(|ch| !ch.is_whitespace()).collect();
    if !(15..=34).contains(&compact.len()) {
        return false;
    }
    let rearranged = format!("{}{}", &compact[4..], &compact[..4]);
    let mut remainder: u32 = 0;
    for ch in rearranged.chars() {
        let value = match ch {
            '0'..='9' => ch as u32 - '0' as u32,
            'A'..='Z' => ch as u32 - 'A' as u32 + 10,
            _ => return false,
        };
        let digits = if value >= 10 { 100 } else { 10 };
        remainder = (remainder * digits + value) % 97;
    }
    remainder == 1
}

/// Checks a card number's length, issuer prefix and Luhn checksum.
pub(crate) fn card_valid(number: &str) -> bool {
    let digits: Vec<u32> = number.chars().filter_map(|ch| ch.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let prefix = |n: usize| digits.iter().take(n).fold(0u32, |acc, digit| acc * 10 + digit);
    let known_issuer = digits[0] == 4
        || (51..=55).contains(&prefix(2))
        || (2221..=2720).contains(&prefix(4))
        || [34, 37, 35, 62, 65].contains(&prefix(2))
        || prefix(4) == 6011;
    if !known_issuer {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(index, digit)| {
            if index % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                *digit
            }
        })
        .sum();
    sum % 10 == 0
}

/// Checks the ISO 7064 MOD 11-2 check digit and the birth date of an 18-character Chinese
/// resident identity number (GB 11643).
pub(crate) fn cn_id_valid(id: &str) -> bool {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 18 || !chars[..17].iter().all(char::is_ascii_digit) {
        return false;
    }
    let sum: u32 = chars[..17]
        .iter()
        .enumerate()
        .map(|(index, ch)| {
            // The weight of position i (from the left) is 2^(17 - i) mod 11.
            let weight = (1u32 << (17 - index)) % 11;
            ch.to_digit(10).unwrap_or(0) * weight
        })
        .sum();
    let expected = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize];
    let year: u32 = id[6..10].parse().unwrap_or(0);
    let month: u32 = id[10..12].parse().unwrap_or(0);
    let day: u32 = id[12..14].parse().unwrap_or(0);
    chars[17].to_ascii_uppercase() == expected
        && (1900..=2100).contains(&year)
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
}

/// Personal data found in a string.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found {
    kind_what: &'static str,
    start: usize,
    end: usize,
    masked: String,
}

fn mask(kind: PiiKind, text: &str) -> String {
    match kind {
        PiiKind::Email => match text.split_once('@') {
            Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
            None => "****".to_string(),
        },
        _ => {
            let digits: String = text.chars().filter(char::is_ascii_alphanumeric).collect();
            let tail: String = digits.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
            format!("**** {tail}")
        }
    }
}

fn scan(text: &str, kinds: &[PiiKind], allow: &[Regex]) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::new();
    let mut push = |kind: PiiKind, start: usize, end: usize| {
        let found = &text[start..end];
        let overlaps = out.iter().any(|other| start < other.end && other.start < end);
        if !overlaps && !allow.iter().any(|regex| regex.is_match(found)) {
            out.push(Found { kind_what: kind.what(), start, end, masked: mask(kind, found) });
        }
    };
    // Checksummed kinds first, so that an IBAN or an id is not also read as a phone number.
    for kind in [PiiKind::CnId, PiiKind::Iban, PiiKind::Card, PiiKind::Email, PiiKind::Phone] {
        if !kinds.contains(&kind) {
            continue;
        }
        match kind {
            PiiKind::Email => {
                for captures in EMAIL.captures_iter(text) {
                    let (whole, domain) = (captures.get(0).expect("match"), captures.get(1).expect("domain"));
                    if !reserved_domain(domain.as_str()) {
                        push(kind, whole.start(), whole.end());
                    }
                }
            }
            PiiKind::Phone => {
                for found in PHONE.find_iter(text) {
                    let digits = found.as_str().chars().filter(char::is_ascii_digit).count();
                    if (8..=15).contains(&digits) {
                        push(kind, found.start(), found.end());
                    }
                }
            }
            PiiKind::Iban => {
                for found in IBAN.find_iter(text).filter(|found| iban_valid(found.as_str())) {
                    push(kind, found.start(), found.end());
                }
            }
            PiiKind::Card => {
                for found in CARD.find_iter(text).filter(|found| card_valid(found.as_str())) {
                    push(kind, found.start(), found.end());
                }
            }
            PiiKind::CnId => {
                for found in CN_ID.find_iter(text).filter(|found| cn_id_valid(found.as_str())) {
                    push(kind, found.start(), found.end());
                }
            }
        }
    }
    out.sort_by_key(|found| found.start);
    out
}

struct NoPii {
    kinds: Vec<PiiKind>,
    allow: Vec<Regex>,
    include_body: bool,
}

fn compile(options: &Map<String, Json>) -> Result<Box<dyn Function>, OptionError> {
    let names = strings_option(options, "kinds")?;
    let kinds = if names.is_empty() {
        PiiKind::ALL.to_vec()
    } else {
        names
            .iter()
            .map(|name| {
                PiiKind::ALL.into_iter().find(|kind| kind.name() == name).ok_or_else(|| {
                    OptionError::at(
                        "kinds",
                        format!("unknown kind \"{name}\"; expected email, phone, iban, card or cn-id"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let include_body = match options.get("include-body") {
        None => false,
        Some(Json::Bool(flag)) => *flag,
        Some(other) => {
            return Err(OptionError::at("include-body", format!("`include-body` must be true or false, found {other}")))
        }
    };
    Ok(Box::new(NoPii { kinds, allow: regexes_option(options, "allow")?, include_body }))
}

fn violation(at: Spot, found: &Found) -> Violation {
    let mut violation = Violation::new(at, None, format!("looks like {}", found.kind_what));
    violation.masked = Some(found.masked.clone());
    violation
}

impl Function for NoPii {
    fn check(&self, input: &Input<'_>) -> Vec<Violation> {
        let mut out = Vec::new();
        if let Some(value) = input.value {
            each_string(value, input.pointer, &mut |text, pointer| {
                for found in scan(text, &self.kinds, &self.allow) {
                    out.push(violation(Spot::Node(pointer.clone()), &found));
                }
            });
        }
        if let (true, Some(body)) = (self.include_body, &input.artifact.markdown) {
            let text = &input.artifact.source.text;
            let start = body.body_start.min(text.len());
            for found in scan(&text[start..], &self.kinds, &self.allow) {
                let span = Span::new(start + found.start, start + found.end);
                out.push(violation(Spot::Span { span, pointer: String::new() }, &found));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whats(text: &str) -> Vec<&'static str> {
        scan(text, &PiiKind::ALL, &[]).into_iter().map(|found| found.kind_what).collect()
    }

    #[test]
    fn checksums() {
        assert!(iban_valid("GB82 WEST 1234 5698 7654 32"));
        assert!(!iban_valid("GB82 WEST 1234 5698 7654 33"));
        assert!(card_valid("4111 1111 1111 1111"));
        assert!(!card_valid("4111 1111 1111 1112"));
        assert!(!card_valid("1234 5678 9012 3452"), "no known issuer starts with 1");
        assert!(cn_id_valid("11010519491231002X"));
        assert!(!cn_id_valid("110105194912310021"));
    }

    #[test]
    fn kinds_found_and_masked() {
        assert_eq!(whats("contact maria.lopez@mailbox.org"), vec!["an e-mail address"]);
        assert_eq!(whats("call +49 30 1234 5678"), vec!["a phone number"]);
        assert_eq!(whats("IBAN GB82 WEST 1234 5698 7654 32"), vec!["an IBAN"]);
        assert_eq!(whats("card 4111-1111-1111-1111"), vec!["a payment card number"]);
        assert_eq!(whats("id 11010519491231002X"), vec!["a Chinese resident identity number"]);
        let found = scan("maria.lopez@mailbox.org", &PiiKind::ALL, &[]);
        assert_eq!(found[0].masked, "m***@mailbox.org");
        let card = scan("4111 1111 1111 1111", &PiiKind::ALL, &[]);
        assert_eq!(card[0].masked, "**** 1111");
    }

    #[test]
    fn look_alikes_are_quiet() {
        for text in
            ["team@example.com", "version 2.10.3", "sha 1234567890123456", "GB82WEST12345698765433", "steps 1000000"]
        {
            assert!(whats(text).is_empty(), "{text}: {:?}", whats(text));
        }
    }
}
