//! `no-secrets`: no string looks like a credential.
//!
//! **What it checks**: every string under the value, the full-line comments of a YAML file
//! (when the rule looks at the whole document, `given: $` without `field`), and with
//! `include-body: true` a card's Markdown body. They are compared with a short list of
//! credential formats chosen for few false positives:
//! AWS access key ids, GitHub, GitLab, Hugging Face, OpenAI-style (`sk-`), Slack, Google and
//! Stripe tokens, private key blocks, JSON Web Tokens, passwords inside URLs
//! (`scheme://user:password@host`), and literal values of keys or environment variables named
//! like credentials (`password`, `api_key`, `hub_token`, `HF_TOKEN`...). References such as
//! `${VAR}`, `{{ var }}` or `<token>`, and paths to key files, are not secrets.
//!
//! **Why**: a credential committed with a model card or a config is public the moment the
//! repository is, and stays in its history after it is deleted.
//!
//! **Options**: `allow`, regular expressions for values to ignore (test fixtures, known dummy
//! keys); `include-body`, also scan a Markdown card's body.
//!
//! **Masking**: findings never show a secret: `{{value}}` renders a known prefix followed by
//! `...****` (`sk-...****`), or `****`.
//!
//! **Known problems**: a credential in a format not on the list, a short password, or a
//! credential in a comment after a value on the same line (`key: 1  # token`) is not found;
//! rotate anything committed even when this check is quiet.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value as Json};

use super::{each_string, regexes_option, Function, Input, OptionError, Spec, Spot, Violation};
use crate::discover::Format;
use crate::source::{Node, Span, Value};

pub const SPEC: Spec = Spec {
    name: "no-secrets",
    options: &["allow", "include-body"],
    summary: "no string looks like a credential: API keys, tokens, private keys, passwords in URLs",
    compile,
};

/// One credential format.
struct CredentialFormat {
    what: &'static str,
    regex: Regex,
    /// The leading characters a finding may show.
    shown_prefix: usize,
}

static FORMATS: LazyLock<Vec<CredentialFormat>> = LazyLock::new(|| {
    let format = |what, pattern: &str, shown_prefix| CredentialFormat {
        what,
        regex: Regex::new(pattern).expect("the credential patterns compile"),
        shown_prefix,
    };
    vec![
        format("an AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", 4),
        format("a GitHub token", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b", 4),
        format("a GitHub token", r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b", 11),
        format("a GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}", 6),
        format("a Hugging Face token", r"\bhf_[A-Za-z0-9]{30,}\b", 3),
        format("an Anthropic API key", r"\bsk-ant-[A-Za-z0-9_-]{20,}", 7),
        format("an API secret key", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", 3),
        format("a Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", 5),
        format("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b", 4),
        format("a Stripe secret key", r"\b[rs]k_live_[0-9A-Za-z]{24,}\b", 8),
        format("a private key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----", 0),
        format("a JSON Web Token", r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}", 3),
    ]
});

static URL_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://([^/\s:@]+):([^/\s@]+)@[^\s/]+").expect("the URL pattern compiles")
});

/// Key and environment variable names whose literal value is a credential.
static SECRET_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:[a-z0-9]+[_-])*(?:password|passwd|secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|access[_-]?token|auth[_-]?token|hub[_-]?token|hf[_-]?token|private[_-]?key)$|^token$",
    )
    .expect("the name pattern compiles")
});

struct NoSecrets {
    allow: Vec<Regex>,
    include_body: bool,
}

fn compile(options: &Map<String, Json>) -> Result<Box<dyn Function>, OptionError> {
    let include_body = match options.get("include-body") {
        None => false,
        Some(Json::Bool(flag)) => *flag,
        Some(other) => {
            return Err(OptionError::at("include-body", format!("`include-body` must be true or false, found {other}")))
        }
    };
    Ok(Box::new(NoSecrets { allow: regexes_option(options, "allow")?, include_body }))
}

/// A credential found in a string: what it looks like, its byte range, and its masked form.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found {
    pub what: &'static str,
    pub start: usize,
    pub end: usize,
    pub masked: String,
}

/// Returns true for a value that refers to a secret rather than being one: a variable
/// reference, a template, a placeholder, or a path to a key file.
fn is_reference(value: &str) -> bool {
    let value = value.trim();
    value.starts_with('$')
        || value.starts_with('<')
        || value.starts_with('%')
        || value.contains("{{")
        || value.starts_with('/')
        || value.starts_with("./")
        || value.starts_with("~/")
        || value.ends_with(".pem")
        || value.ends_with(".key")
        || value.chars().all(|ch| matches!(ch, '*' | 'x' | 'X' | '.' | '-' | '_'))
}

/// Returns true for a literal that is plausibly a real credential: long enough, one token,
/// not a reference.
fn is_literal_secret(value: &str) -> bool {
    let value = value.trim();
    let letters = value.chars().any(char::is_alphabetic);
    let digits = value.chars().any(|ch| ch.is_ascii_digit());
    value.chars().count() >= 8
        && !value.contains(char::is_whitespace)
        && !is_reference(value)
        && ((letters && digits) || value.chars().count() >= 20)
}

/// Scans one string for credential formats and passwords in URLs.
pub(crate) fn scan(text: &str, allow: &[Regex]) -> Vec<Found> {
    let mut out = Vec::new();
    for format in FORMATS.iter() {
        for found in format.regex.find_iter(text) {
            let secret = found.as_str();
            if allow.iter().any(|regex| regex.is_match(secret))
                || out.iter().any(|other: &Found| other.start == found.start())
            {
                continue;
            }
            let prefix: String = secret.chars().take(format.shown_prefix).collect();
            let masked = if prefix.is_empty() { "****".to_string() } else { format!("{prefix}...****") };
            out.push(Found { what: format.what, start: found.start(), end: found.end(), masked });
        }
    }
    for captures in URL_PASSWORD.captures_iter(text) {
        let (Some(whole), Some(user), Some(password)) = (captures.get(0), captures.get(1), captures.get(2)) else {
            continue;
        };
        if is_reference(password.as_str()) || allow.iter().any(|regex| regex.is_match(whole.as_str())) {
            continue;
        }
        let scheme_end = whole.as_str().find("://").map_or(0, |at| at + 3);
        let masked = format!("{}{}:****@...", &whole.as_str()[..scheme_end], user.as_str());
        out.push(Found { what: "a password in a URL", start: whole.start(), end: whole.end(), masked });
    }
    out.sort_by_key(|found| found.start);
    out
}

impl NoSecrets {
    fn check_value(&self, value: &Json, pointer: &str, out: &mut Vec<Violation>) {
        each_string(value, pointer, &mut |text, string_pointer| {
            for found in scan(text, &self.allow) {
                out.push(violation(Spot::Node(string_pointer.clone()), &found));
            }
        });
        self.check_names(value, pointer, out);
    }

    /// Literal values of keys named like credentials, and Kubernetes-style `{name, value}`
    /// environment entries whose name is.
    fn check_names(&self, value: &Json, pointer: &str, out: &mut Vec<Violation>) {
        match value {
            Json::Object(map) => {
                let env_name = map.get("name").and_then(Json::as_str).filter(|name| SECRET_NAME.is_match(name));
                for (key, item) in map {
                    let item_pointer = format!("{pointer}/{}", crate::source::pointer::escape(key));
                    let named = SECRET_NAME.is_match(key) || (key == "value" && env_name.is_some());
                    if let (true, Json::String(text)) = (named, item) {
                        let already = out.iter().any(|violation| violation.at == Spot::Node(item_pointer.clone()));
                        if is_literal_secret(text) && !already && !self.allow.iter().any(|regex| regex.is_match(text)) {
                            let what = format!(
                                "a literal value of \"{}\"",
                                env_name.filter(|_| key == "value").unwrap_or(key)
                            );
                            let mut violation = Violation::new(
                                Spot::Node(item_pointer.clone()),
                                None,
                                format!("{what} looks like a credential"),
                            );
                            violation.masked = Some("****".to_string());
                            out.push(violation);
                        }
                    }
                    self.check_names(item, &item_pointer, out);
                }
            }
            Json::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.check_names(item, &format!("{pointer}/{index}"), out);
                }
            }
            _ => {}
        }
    }
}

fn violation(at: Spot, found: &Found) -> Violation {
    let mut violation = Violation::new(at, None, format!("looks like {}", found.what));
    violation.masked = Some(found.masked.clone());
    violation
}

impl Function for NoSecrets {
    fn check(&self, input: &Input<'_>) -> Vec<Violation> {
        let mut out = Vec::new();
        if let Some(value) = input.value {
            self.check_value(value, input.pointer, &mut out);
        }
        // A commented-out credential is as public as a live one. The comments are scanned once,
        // with the first document.
        if input.artifact.format == Format::Yaml && input.document == 0 && input.pointer.is_empty() {
            for (span, found) in comment_secrets(input, &self.allow) {
                out.push(violation(Spot::Span { span, pointer: String::new() }, &found));
            }
        }
        if let (true, Some(body)) = (self.include_body, &input.artifact.markdown) {
            let text = &input.artifact.source.text;
            let start = body.body_start.min(text.len());
            for found in scan(&text[start..], &self.allow) {
                let span = Span::new(start + found.start, start + found.end);
                out.push(violation(Spot::Span { span, pointer: String::new() }, &found));
            }
        }
        out
    }
}

/// Finds credentials in the full-line comments of a YAML file. A line starting with `#` inside
/// a block scalar is string content, scanned with the values, so lines inside a string node's
/// span are left out.
fn comment_secrets(input: &Input<'_>, allow: &[Regex]) -> Vec<(Span, Found)> {
    let text = &input.artifact.source.text;
    let mut strings = Vec::new();
    for document in &input.artifact.documents {
        if let Some(root) = &document.root {
            string_spans(root, &mut strings);
        }
    }
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start().len();
        let comment_start = line_start + indent;
        let is_comment = line.trim_start().starts_with('#');
        let in_string = strings.iter().any(|span: &Span| span.start <= comment_start && comment_start < span.end);
        if is_comment && !in_string {
            for found in scan(line, allow) {
                out.push((Span::new(line_start + found.start, line_start + found.end), found));
            }
        }
        line_start += line.len();
    }
    out
}

fn string_spans(node: &Node, out: &mut Vec<Span>) {
    match &node.value {
        Value::String(_) => out.push(node.span),
        Value::Sequence(items) => items.iter().for_each(|item| string_spans(item, out)),
        Value::Mapping(entries) => entries.iter().for_each(|entry| string_spans(&entry.value, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<&'static str> {
        scan(text, &[]).into_iter().map(|found| found.what).collect()
    }

    #[test]
    fn known_formats_found_and_masked() {
        let found = scan("key: sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t", &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].masked, "sk-...****");
        assert_eq!(kinds("AKIAIOSFODNN7EXAMPLE"), vec!["an AWS access key id"]);
        assert_eq!(kinds("-----BEGIN OPENSSH PRIVATE KEY-----"), vec!["a private key"]);
        assert_eq!(kinds("hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh"), vec!["a Hugging Face token"]);
    }

    #[test]
    fn url_password_masked() {
        let found = scan("postgres://admin:s3cr3tPass@db.internal:5432/x", &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].masked, "postgres://admin:****@...");
        assert!(scan("postgres://admin:${DB_PASSWORD}@db:5432/x", &[]).is_empty());
    }

    #[test]
    fn ordinary_text_is_quiet() {
        for text in
            ["scikit-learn", "sk-learn", "https://huggingface.co/bert-base-uncased", "pad_token: <pad>", "eyJhbGciOi"]
        {
            assert!(scan(text, &[]).is_empty(), "{text}");
        }
    }

    #[test]
    fn literal_secret_heuristics() {
        assert!(is_literal_secret("hunter2hunter2"));
        assert!(!is_literal_secret("${HF_TOKEN}"));
        assert!(!is_literal_secret("/run/secrets/key.pem"));
        assert!(!is_literal_secret("short1"));
        assert!(!is_literal_secret("********"));
    }

    #[test]
    fn allow_list_skips() {
        let allow = vec![Regex::new("EXAMPLE$").unwrap()];
        assert!(scan("AKIAIOSFODNN7EXAMPLE", &allow).is_empty());
    }
}
