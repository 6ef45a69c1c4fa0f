//! `markdown-section`: the card's Markdown body has a section, and it is filled in.
//!
//! **What it checks**: that a heading whose text matches `heading` or one of `aliases` exists
//! in the card's body, and that its section (subsections included) has at least `min-words`
//! words once template placeholders and HTML comments are removed. Headings are compared
//! case-insensitively, ignoring a leading section number (`4.2`), a trailing colon and
//! surrounding emphasis and the template's `[optional]` mark, with `&` read as `and`.
//!
//! **Why**: the Markdown body is where a card answers its questions in prose; a heading copied
//! from a template with `[More Information Needed]` below it answers nothing.
//!
//! **Options**: `heading` (required), `aliases` (a list), `min-words` (default 1).
//!
//! **Where findings point**: a missing section at the front matter's opening `---` (pointer
//! `""`); an empty section at its heading.
//!
//! **Known problems**: the rule ignores the value `given` matched and reads the body instead,
//! so it should use `given: $`. JSON cards have no body and never produce a finding.

use serde_json::{Map, Value as Json};

use super::Violation;
use super::{number_option, placeholder, string_option, strings_option, Function, Input, OptionError, Spec, Spot};

pub const SPEC: Spec = Spec {
    name: "markdown-section",
    options: &["heading", "aliases", "min-words"],
    summary: "the Markdown body has a section under `heading` or an alias, filled in",
    compile,
};

struct MarkdownSection {
    heading: String,
    /// `heading` and the aliases, normalized.
    accepted: Vec<String>,
    min_words: usize,
}

fn compile(options: &Map<String, Json>) -> Result<Box<dyn Function>, OptionError> {
    let heading = string_option(options, "heading")?
        .ok_or_else(|| OptionError { option: None, message: "`markdown-section` needs `heading`".to_string() })?;
    let mut accepted = vec![normalize(&heading)];
    accepted.extend(strings_option(options, "aliases")?.iter().map(|alias| normalize(alias)));
    let min_words = match number_option(options, "min-words")? {
        None => 1,
        Some(count) if count >= 0.0 && count.fract() == 0.0 => count as usize,
        Some(_) => return Err(OptionError::at("min-words", "`min-words` must be a whole number, 0 or more")),
    };
    Ok(Box::new(MarkdownSection { heading, accepted, min_words }))
}

/// Lowercases a heading and strips what varies between cards: a leading section number,
/// emphasis marks, a trailing colon, extra spaces.
fn normalize(heading: &str) -> String {
    let trimmed = heading.trim().trim_matches(['*', '_', '`']).trim();
    let without_number = trimmed.trim_start_matches(|ch: char| ch.is_ascii_digit() || ch == '.').trim_start();
    let text =
        if without_number.len() < trimmed.len() && !without_number.is_empty() { without_number } else { trimmed };
    let text = text.trim_end_matches(':').trim();
    // The Hugging Face template marks optional sections with a trailing `[optional]`.
    let text = text.strip_suffix("[optional]").unwrap_or(text).trim();
    text.split_whitespace()
        .map(|word| if word == "&" { "and" } else { word })
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Function for MarkdownSection {
    fn check(&self, input: &Input<'_>) -> Vec<Violation> {
        let Some(body) = &input.artifact.markdown else { return Vec::new() };
        let matching: Vec<_> = input
            .artifact
            .headings()
            .iter()
            .filter(|heading| self.accepted.contains(&normalize(&heading.text)))
            .collect();

        if matching.is_empty() {
            let at = Spot::Span { span: body.front_matter_open, pointer: String::new() };
            let detail = format!("no \"{}\" section", self.heading);
            return vec![Violation::new(at, None, detail)];
        }
        // Any one filled-in section of the accepted names is enough.
        if matching.iter().any(|heading| placeholder::words(&heading.section_text) >= self.min_words.max(1)) {
            return Vec::new();
        }
        if self.min_words == 0 {
            return Vec::new();
        }
        let first = matching[0];
        let at = Spot::Span { span: first.span, pointer: String::new() };
        let detail = if placeholder::words(&first.section_text) == 0 {
            format!("the \"{}\" section is empty or a placeholder", first.text)
        } else {
            format!("the \"{}\" section has fewer than {} words", first.text, self.min_words)
        };
        vec![Violation::new(at, Some(&Json::String(first.text.clone())), detail)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_normalize() {
        assert_eq!(normalize("4.2 Intended Use:"), "intended use");
        assert_eq!(normalize("**Uses**"), "uses");
        assert_eq!(normalize("Bias,  Risks, and Limitations"), "bias, risks, and limitations");
        assert_eq!(normalize("2024"), "2024");
        assert_eq!(normalize("Intended uses & limitations"), normalize("Intended uses and limitations"));
        assert_eq!(normalize("Downstream Use [optional]"), "downstream use");
    }
}
