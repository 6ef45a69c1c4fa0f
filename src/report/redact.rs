//! Making text from checked files safe to print: secrets masked, control characters escaped,
//! file names that are not UTF-8 shown with their bytes escaped.
//!
//! Every output format passes its messages through [`clean`], so a message that quotes a value
//! from a file can never print a recognised secret or move a terminal's cursor, whatever check
//! wrote it. Checks that quote a value under a secret-looking key mask it themselves with
//! [`mask_value`], because only they know the key.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

/// Tokens with a recognisable vendor prefix, which is kept when masking, followed by the
/// secret part.
// NOTE: only single-line tokens are recognised; a PEM private key block spans lines, and
// its body lines have no prefix to recognise them by.
static SECRET: LazyLock<Regex> = LazyLock::new(|| {
    let patterns = [
        // OpenAI and Anthropic API keys (`sk-`, `sk-proj-`, `sk-ant-api03-`).
        r"(sk-)[A-Za-z0-9_-]{20,}",
        // Stripe secret, restricted and publishable keys.
        r"((?:sk|rk|pk)_(?:live|test)_)[A-Za-z0-9]{16,}",
        // Hugging Face access tokens.
        r"(hf_)[A-Za-z0-9]{30,}",
        // GitHub tokens: classic and fine-grained.
        r"(gh[pousr]_)[A-Za-z0-9]{30,}",
        r"(github_pat_)[A-Za-z0-9_]{30,}",
        // GitLab personal access tokens.
        r"(glpat-)[A-Za-z0-9_-]{20,}",
        // npm access tokens.
        r"(npm_)[A-Za-z0-9]{36,}",
        // AWS access key ids.
        r"((?:AKIA|ASIA))[0-9A-Z]{16}",
        // Google API keys.
        r"(AIza)[0-9A-Za-z_-]{35}",
        // Slack tokens.
        r"(xox[abprs]-)[A-Za-z0-9-]{10,}",
        // JSON Web Tokens: three base64url parts, the first an encoded `{"`.
        r"(eyJ)[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
    ];
    let alternatives: Vec<String> = patterns.iter().map(|pattern| format!(r"\b{pattern}")).collect();
    Regex::new(&alternatives.join("|")).expect("the secret patterns compile")
});

/// Returns the prefix a secret token is recognised by, when `token` as a whole is one.
fn secret_prefix(token: &str) -> Option<&str> {
    let captures = SECRET.captures(token)?;
    let whole = captures.get(0)?;
    if whole.start() != 0 || whole.end() != token.len() {
        return None;
    }
    captures.iter().skip(1).flatten().next().map(|prefix| prefix.as_str())
}

/// Masks a secret: its recognised prefix, then `...****` (`sk-...****`). A value with no
/// recognised prefix becomes `****`. Nothing of the secret part is kept, not even its length.
pub fn mask_secret(secret: &str) -> String {
    match secret_prefix(secret) {
        Some(prefix) => format!("{prefix}...****"),
        None => "****".to_string(),
    }
}

/// Masks every recognised secret token in `text`.
pub fn mask_secrets(text: &str) -> Cow<'_, str> {
    SECRET.replace_all(text, |captures: &regex::Captures<'_>| {
        let prefix = captures.iter().skip(1).flatten().next().map_or("", |prefix| prefix.as_str());
        format!("{prefix}...****")
    })
}

/// Masks every recognised secret token in `text` with `*`, keeping the prefix and every byte
/// offset, so that spans into the text stay valid. For source excerpts.
pub fn mask_secrets_in_place(text: &mut String) {
    let ranges: Vec<(usize, usize)> = SECRET
        .captures_iter(text)
        .filter_map(|captures| {
            let whole = captures.get(0)?;
            let prefix = captures.iter().skip(1).flatten().next()?;
            Some((prefix.end(), whole.end()))
        })
        .collect();
    for (start, end) in ranges {
        // The patterns match ASCII only, so every byte in the range is one character.
        text.replace_range(start..end, &"*".repeat(end - start));
    }
}

/// Replaces the characters of `text[start..end]` with `*`, byte for byte, so that offsets
/// stay valid. The range is widened to character boundaries.
pub fn mask_range_in_place(text: &mut String, start: usize, end: usize) {
    let mut start = start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    text.replace_range(start..end, &"*".repeat(end - start));
}

/// True for a mapping key whose value is most likely a credential (`api_key`, `hf_token`,
/// `accessToken`, `password`). The key is compared word by word, so that ML settings such as
/// `tokenizer`, `max_tokens` or `token_budget` are not taken for credentials.
pub fn is_secret_key(key: &str) -> bool {
    let words = key_words(key);
    words.iter().enumerate().any(|(i, word)| match word.as_str() {
        "password" | "passwd" | "passphrase" | "secret" | "secrets" | "credential" | "credentials" | "apikey" => true,
        // Tokenizer settings name special tokens (`pad_token`, `eos_token_id`) and counts.
        "token" => {
            let special = i > 0
                && matches!(
                    words[i - 1].as_str(),
                    "pad" | "eos" | "bos" | "unk" | "sep" | "cls" | "mask" | "start" | "end"
                );
            let count = matches!(
                words.get(i + 1).map(String::as_str),
                Some("budget" | "count" | "limit" | "length" | "len" | "size" | "type" | "id" | "ids")
            );
            !special && !count
        }
        "key" => i > 0 && matches!(words[i - 1].as_str(), "api" | "access" | "private" | "secret" | "signing"),
        _ => false,
    })
}

/// Splits a key into lowercase words at non-alphanumeric characters and at camelCase humps:
/// `hf_token` and `hfToken` both give `hf`, `token`.
fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for ch in key.chars() {
        if !ch.is_alphanumeric() {
            words.extend((!word.is_empty()).then(|| std::mem::take(&mut word)));
            previous_lower = false;
            continue;
        }
        if ch.is_uppercase() && previous_lower {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = ch.is_lowercase() || ch.is_ascii_digit();
        word.extend(ch.to_lowercase());
    }
    words.extend((!word.is_empty()).then_some(word));
    words
}

/// Returns the text to quote for a string found under `key`: the whole value masked when the
/// key names a credential, else the value with any recognised secret masked.
pub fn mask_value<'a>(key: &str, value: &'a str) -> Cow<'a, str> {
    if is_secret_key(key) && !value.is_empty() {
        Cow::Owned(mask_secret(value))
    } else {
        mask_secrets(value)
    }
}

/// Collects the spans of the string and number values under credential keys in `node`,
/// however deeply they sit below the key, so that source excerpts can mask them.
pub fn collect_credential_spans(node: &crate::source::Node, out: &mut Vec<crate::source::Span>) {
    use crate::source::Value;

    match &node.value {
        Value::Mapping(entries) => {
            for entry in entries {
                if is_secret_key(&entry.key) {
                    collect_strings(&entry.value, out);
                } else {
                    collect_credential_spans(&entry.value, out);
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| collect_credential_spans(item, out)),
        _ => {}
    }
}

fn collect_strings(node: &crate::source::Node, out: &mut Vec<crate::source::Span>) {
    use crate::source::Value;

    match &node.value {
        Value::String(_) | Value::Number(_) => out.push(node.span),
        Value::Mapping(entries) => entries.iter().for_each(|entry| collect_strings(&entry.value, out)),
        Value::Sequence(items) => items.iter().for_each(|item| collect_strings(item, out)),
        _ => {}
    }
}

/// True for characters that must not reach a terminal raw: C0 and C1 controls, and the
/// Unicode controls that reorder or hide text (bidirectional overrides and isolates, zero-width
/// characters).
fn is_unsafe_char(ch: char) -> bool {
    ch.is_control()
        || matches!(ch, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn escape_char(ch: char, out: &mut String) {
    match ch {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", ch as u32);
        }
    }
}

/// Escapes the characters [`is_unsafe_char`] flags as `\n`, `\t` or `\u{1b}`.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if is_unsafe_char(ch) {
            escape_char(ch, &mut out);
        } else {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

/// Makes a message safe to print: secrets masked, controls escaped.
pub fn clean(text: &str) -> String {
    escape_controls(&mask_secrets(text)).into_owned()
}

/// Replaces the characters that [`is_unsafe_char`] flags, except tabs and line breaks, with
/// characters of the same UTF-8 length (`?`, `¿`, `�`), and a lone CR with LF, so that spans
/// into the text stay valid. For source excerpts.
pub fn neutralise_controls_in_place(text: &mut String) {
    let lone_cr = |bytes: &[u8], i: usize| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
    let has_lone_cr = (0..text.len()).any(|i| lone_cr(text.as_bytes(), i));
    if !has_lone_cr && !text.chars().any(|ch| is_unsafe_char(ch) && !matches!(ch, '\n' | '\r' | '\t')) {
        return;
    }
    let mut out = String::with_capacity(text.len());
    for (i, ch) in text.char_indices() {
        if ch == '\r' && lone_cr(text.as_bytes(), i) {
            // mlconform counts a lone CR as a line break, so the excerpt shows one. A raw CR
            // would move the terminal's cursor back over the line.
            out.push('\n');
        } else if is_unsafe_char(ch) && !matches!(ch, '\n' | '\r' | '\t') {
            out.push(match ch.len_utf8() {
                1 => '?',
                2 => '¿',
                3 => '\u{FFFD}',
                // No control character is four bytes long; keep the length anyway.
                _ => '\u{1F5F4}',
            });
        } else {
            out.push(ch);
        }
    }
    *text = out;
}

/// Shows a path for reports: bytes that are not UTF-8 as `\xFF`, control characters escaped,
/// and a backslash doubled so that escapes are unambiguous.
pub fn display_path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;

    let bytes = path.as_os_str().as_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for ch in chunk.valid().chars() {
            if ch == '\\' {
                out.push_str("\\\\");
            } else if is_unsafe_char(ch) {
                escape_char(ch, &mut out);
            } else {
                out.push(ch);
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    use super::*;

    const OPENAI: &str = "sk-proj-Ab3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gH";
    const HUGGING_FACE: &str = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";

    #[test]
    fn secrets_keep_only_their_prefix() {
        assert_eq!(mask_secret(OPENAI), "sk-...****");
        assert_eq!(mask_secret(HUGGING_FACE), "hf_...****");
        assert_eq!(mask_secret("AKIAIOSFODNN7EXAMPLE"), "AKIA...****");
        assert_eq!(mask_secret("hunter2"), "****");
    }

    #[test]
    fn secrets_in_messages_are_masked() {
        let message = format!("\"{OPENAI}\" is not of type \"integer\"");
        assert_eq!(mask_secrets(&message), "\"sk-...****\" is not of type \"integer\"");
        assert_eq!(mask_secrets("task-force is not a secret"), "task-force is not a secret");
        assert_eq!(mask_secrets("a short sk-abc is not a key"), "a short sk-abc is not a key");
    }

    #[test]
    fn masking_in_place_keeps_offsets() {
        let mut text = format!("api: {OPENAI}\nnext: 1\n");
        let length = text.len();
        mask_secrets_in_place(&mut text);
        assert_eq!(text.len(), length);
        assert!(text.starts_with("api: sk-*****"));
        assert!(text.ends_with("\nnext: 1\n"));
    }

    #[test]
    fn secret_keys_mask_any_value() {
        assert_eq!(mask_value("hf_token", "plain-looking-value"), "****");
        assert_eq!(mask_value("DB-Password", "x"), "****");
        assert_eq!(mask_value("author", "Ada"), "Ada");
        assert_eq!(mask_value("notes", OPENAI), "sk-...****");
    }

    #[test]
    fn credential_values_found_below_their_key() {
        let text = "name: run\nwandb:\n  api_key: abc123\nhf_token: {value: xyz}\napi_key_count: [1]\n";
        let parsed = crate::source::yaml::parse(text, &Default::default());
        let root = parsed.documents[0].root.as_ref().unwrap();

        let mut spans = Vec::new();
        collect_credential_spans(root, &mut spans);

        let masked: Vec<&str> = spans.iter().map(|span| &text[span.start..span.end]).collect();
        assert_eq!(masked, ["abc123", "xyz", "1"]);
    }

    #[test]
    fn secret_keys_matched_by_word() {
        for key in ["api_key", "hf_token", "HF_TOKEN", "accessToken", "api-key", "apiKey", "password", "db_passwd"] {
            assert!(is_secret_key(key), "{key} names a credential");
        }
        for key in ["aws_secret_access_key", "client_secret", "privateKey", "credentials", "auth_token"] {
            assert!(is_secret_key(key), "{key} names a credential");
        }
        for key in ["tokenizer", "max_tokens", "token_budget", "pad_token", "eos_token_id", "keys", "monkey"] {
            assert!(!is_secret_key(key), "{key} is an ordinary setting");
        }
    }

    #[test]
    fn controls_are_escaped_for_terminals() {
        assert_eq!(escape_controls("plain"), "plain");
        assert_eq!(escape_controls("\u{1b}[31mred\n"), "\\u{1b}[31mred\\n");
        assert_eq!(escape_controls("abc\u{202e}fed"), "abc\\u{202e}fed");
        let mut excerpt = "a\u{1b}b\u{85}c\u{202e}d\n".to_string();
        let length = excerpt.len();
        neutralise_controls_in_place(&mut excerpt);
        assert_eq!(excerpt, "a?b¿c\u{FFFD}d\n");
        assert_eq!(excerpt.len(), length);
        let mut excerpt = "a\rb\r\nc".to_string();
        neutralise_controls_in_place(&mut excerpt);
        assert_eq!(excerpt, "a\nb\r\nc");
    }

    #[test]
    fn paths_show_invalid_bytes_escaped() {
        let path = Path::new(OsStr::from_bytes(b"dir/bad-\xFF\xFE.yaml"));
        assert_eq!(display_path(path), "dir/bad-\\xFF\\xFE.yaml");
        assert_eq!(display_path(Path::new("a\nb\\c.json")), "a\\nb\\\\c.json");
        assert_eq!(display_path(Path::new("plain/é.yaml")), "plain/é.yaml");
    }
}
