//! Template placeholders: text that stands where content should be.
//!
//! The Hugging Face card templates fill every unanswered field with `[More Information
//! Needed]`; other templates leave `TODO`, `TBD` or an unrendered `{{ variable }}`.

use std::sync::LazyLock;

use regex::Regex;

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \[\s*more\s+information\s+needed\s*\]
        | \{\{.*?\}\}
        | \{%.*?%\}
        | \b(?:TODO|TBD|TBA|FIXME)\b:?
        | \bN/?A\b
        | <!--.*?-->",
    )
    .expect("the placeholder pattern compiles")
});

/// Removes placeholders from `text`.
pub fn strip(text: &str) -> String {
    PLACEHOLDER.replace_all(text, " ").into_owned()
}

/// True when `text` holds nothing but placeholders, punctuation and whitespace.
pub fn is_placeholder(text: &str) -> bool {
    words(text) == 0
}

/// Counts the words left once placeholders are removed. A word has at least one letter or
/// digit.
pub fn words(text: &str) -> usize {
    strip(text).split_whitespace().filter(|word| word.chars().any(char::is_alphanumeric)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_not_content() {
        for text in ["[More Information Needed]", "  TODO ", "{{ model_description }}", "TBD.", "N/A", "-", ""] {
            assert!(is_placeholder(text), "{text:?}");
        }
    }

    #[test]
    fn real_text_counts_words() {
        assert!(!is_placeholder("apache-2.0"));
        assert_eq!(words("Classify support tickets. [More Information Needed]"), 3);
        assert!(!is_placeholder("NATO"), "a word containing NA is not the placeholder");
    }
}
