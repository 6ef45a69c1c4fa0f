//! The text of an inline waiver:
//!
//! ```text
//! mlconform: waive[RULE, RULE...] reason="..." owner="..." expires=YYYY-MM-DD
//! ```
//!
//! `RULE` is a rule id, a rule name or a finding code. Values are double-quoted strings, in
//! which `\"` and `\\` stand for a quote and a backslash, or bare words without spaces.
//! `reason` is required, `owner` and `expires` are optional, and each may appear once.

use crate::source::Span;

use super::date::Date;
use super::{check_terms, Problem, Terms};

/// The text that starts a directive inside a comment.
pub const MARKER: &str = "mlconform:";

const FIELDS: [&str; 3] = ["reason", "owner", "expires"];

/// A rule named in a waiver, with its span in the directive text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleToken {
    pub text: String,
    pub span: Span,
}

/// A parsed waiver directive. Spans are byte offsets into the text given to [`parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub rules: Vec<RuleToken>,
    pub terms: Terms,
}

/// Parses a directive. `text` starts with [`MARKER`] and ends where the comment ends.
///
/// # Errors
///
/// Returns the first problem found, located in `text`: an unknown directive, a malformed rule
/// list, an unknown or repeated field, an unclosed quote, a missing reason, an invalid date.
pub fn parse(text: &str) -> Result<Directive, Problem> {
    let mut cursor = Cursor { text, at: MARKER.len() };
    cursor.skip_spaces();

    let word_start = cursor.at;
    let word = cursor.take_while(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if word != "waive" {
        let span = Span::new(word_start, word_start + word.len());
        let message = if word.is_empty() {
            "expected `waive[RULE]` after `mlconform:`".to_string()
        } else {
            format!("unknown mlconform directive `{word}`")
        };
        return Err(Problem::new(message, span).with_help(SYNTAX_HELP));
    }
    if !cursor.eat('[') {
        return Err(Problem::new("expected `[` right after `waive`", Span::at(cursor.at)).with_help(SYNTAX_HELP));
    }
    let rules = parse_rules(&mut cursor)?;

    let mut values: [Option<(String, Span)>; 3] = [None, None, None];
    loop {
        let before = cursor.at;
        cursor.skip_spaces();
        if cursor.rest().is_empty() {
            break;
        }
        if cursor.at == before {
            let span = Span::new(cursor.at, cursor.at + cursor.rest().chars().next().map_or(0, char::len_utf8));
            return Err(Problem::new("expected a space before the next field", span).with_help(SYNTAX_HELP));
        }
        let key_start = cursor.at;
        let key = cursor.take_while(|c| !c.is_whitespace() && c != '=');
        let key_span = Span::new(key_start, cursor.at);
        let Some(slot) = FIELDS.iter().position(|field| *field == key) else {
            let known: Vec<String> = FIELDS.iter().map(|field| field.to_string()).collect();
            let help = match crate::schema::closest(key, &known) {
                Some(near) => format!("did you mean `{near}`? A waiver takes reason, owner and expires"),
                None => "a waiver takes reason, owner and expires".to_string(),
            };
            return Err(Problem::new(format!("unknown waiver field `{key}`"), key_span).with_help(help));
        };
        if !cursor.eat('=') {
            return Err(Problem::new(format!("expected `=` after `{key}`"), Span::at(cursor.at)).with_help(SYNTAX_HELP));
        }
        let value = parse_value(&mut cursor)?;
        if values[slot].is_some() {
            return Err(Problem::new(format!("`{key}` is given twice"), key_span));
        }
        values[slot] = Some(value);
    }

    let [reason, owner, expires] = values;
    let terms = check_terms(
        reason.as_ref().map(|(text, span)| (text.as_str(), *span)),
        owner.as_ref().map(|(text, _)| text.as_str()),
        expires.as_ref().map(|(text, span)| (text.as_str(), *span)),
        Span::new(0, text.len()),
    )?;
    Ok(Directive { rules, terms })
}

const SYNTAX_HELP: &str =
    "write `mlconform: waive[RULE] reason=\"...\"`, optionally followed by `owner=\"...\"` and `expires=YYYY-MM-DD`";

/// Parses the rule list after `waive[`, up to and including `]`.
fn parse_rules(cursor: &mut Cursor<'_>) -> Result<Vec<RuleToken>, Problem> {
    let open = cursor.at - 1;
    let Some(length) = cursor.rest().find(']') else {
        return Err(Problem::new("`[` is never closed", Span::at(open)).with_help(SYNTAX_HELP));
    };
    let list_start = cursor.at;
    let list = &cursor.text[list_start..list_start + length];
    cursor.at += length + 1;

    let mut rules = Vec::new();
    let mut offset = list_start;
    for part in list.split(',') {
        let trimmed = part.trim();
        let start = offset + (part.len() - part.trim_start().len());
        let span = Span::new(start, start + trimmed.len());
        offset += part.len() + 1;
        if trimmed.is_empty() {
            return Err(Problem::new("empty rule in `waive[...]`", span)
                .with_help("name a rule id, a rule name or a finding code, separated by commas"));
        }
        if !crate::report::is_finding_reference(trimmed) {
            return Err(Problem::new(format!("`{trimmed}` is not a rule id, rule name or finding code"), span)
                .with_help("rule ids look like `MLC001`; rule names and finding codes like `duplicate-key`"));
        }
        rules.push(RuleToken { text: trimmed.to_string(), span });
    }
    Ok(rules)
}

/// Parses a field value: a double-quoted string with `\"` and `\\` escapes, or a bare word.
fn parse_value(cursor: &mut Cursor<'_>) -> Result<(String, Span), Problem> {
    let start = cursor.at;
    if !cursor.eat('"') {
        let word = cursor.take_while(|c| !c.is_whitespace());
        return Ok((word.to_string(), Span::new(start, cursor.at)));
    }
    let mut value = String::new();
    let mut chars = cursor.rest().char_indices();
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => {
                cursor.at += index + 1;
                return Ok((value, Span::new(start, cursor.at)));
            }
            '\\' => match chars.next() {
                Some((_, escaped @ ('"' | '\\'))) => value.push(escaped),
                Some((_, other)) => {
                    value.push('\\');
                    value.push(other);
                }
                None => break,
            },
            other => value.push(other),
        }
    }
    Err(Problem::new("the quoted value is never closed", Span::at(start))
        .with_help("end the value with `\"`; write `\\\"` for a quote inside it"))
}

struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn skip_spaces(&mut self) {
        self.take_while(char::is_whitespace);
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let length = rest.find(|c: char| !keep(c)).unwrap_or(rest.len());
        self.at += length;
        &rest[..length]
    }

    fn eat(&mut self, expected: char) -> bool {
        if self.rest().starts_with(expected) {
            self.at += expected.len_utf8();
            true
        } else {
            false
        }
    }
}

/// Parses an expiry date for [`check_terms`].
pub(super) fn parse_expiry(text: &str, span: Span) -> Result<Date, Problem> {
    Date::parse(text).ok_or_else(|| {
        Problem::new(format!("invalid expiry date `{text}`"), span)
            .with_help("write the last day the waiver applies as YYYY-MM-DD, such as 2027-06-30")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Directive {
        parse(text).unwrap_or_else(|problem| panic!("{text}: {}", problem.message))
    }

    fn problem(text: &str) -> Problem {
        match parse(text) {
            Ok(directive) => panic!("{text} parsed as {directive:?}"),
            Err(problem) => problem,
        }
    }

    #[test]
    fn full_directive_parses() {
        let text = r#"mlconform: waive[MLC001, duplicate-key] reason="kept for the old loader" owner="data-team" expires=2027-06-30"#;
        let directive = parsed(text);
        let rules: Vec<&str> = directive.rules.iter().map(|rule| rule.text.as_str()).collect();
        assert_eq!(rules, ["MLC001", "duplicate-key"]);
        assert_eq!(&text[directive.rules[1].span.start..directive.rules[1].span.end], "duplicate-key");
        assert_eq!(directive.terms.reason, "kept for the old loader");
        assert_eq!(directive.terms.owner.as_deref(), Some("data-team"));
        assert_eq!(directive.terms.expires, Date::new(2027, 6, 30));
    }

    #[test]
    fn bare_words_and_escapes_parse() {
        let directive = parsed(r#"mlconform:waive[x] reason="say \"no\" \\ twice" owner=ops"#);
        assert_eq!(directive.terms.reason, r#"say "no" \ twice"#);
        assert_eq!(directive.terms.owner.as_deref(), Some("ops"));
        assert_eq!(directive.terms.expires, None);
    }

    #[test]
    fn missing_reason_is_a_problem() {
        let problem = problem("mlconform: waive[MLC001] owner=me");
        assert_eq!(problem.message, "the waiver gives no reason");
    }

    #[test]
    fn empty_reason_is_a_problem() {
        assert_eq!(problem(r#"mlconform: waive[MLC001] reason="  ""#).message, "the waiver's reason is empty");
    }

    #[test]
    fn unknown_field_gets_suggestion() {
        let problem = problem(r#"mlconform: waive[MLC001] reason="x" expiers=2027-01-01"#);
        assert_eq!(problem.message, "unknown waiver field `expiers`");
        assert!(problem.help.unwrap().starts_with("did you mean `expires`?"));
    }

    #[test]
    fn malformed_directives_are_problems() {
        let cases = [
            ("mlconform: wave[x] reason=y", "unknown mlconform directive `wave`"),
            ("mlconform:", "expected `waive[RULE]` after `mlconform:`"),
            ("mlconform: waive x reason=y", "expected `[` right after `waive`"),
            ("mlconform: waive[x reason=y", "`[` is never closed"),
            ("mlconform: waive[] reason=y", "empty rule in `waive[...]`"),
            ("mlconform: waive[a,,b] reason=y", "empty rule in `waive[...]`"),
            ("mlconform: waive[a b] reason=y", "`a b` is not a rule id, rule name or finding code"),
            ("mlconform: waive[x] reason=\"open", "the quoted value is never closed"),
            ("mlconform: waive[x] reason=y reason=z", "`reason` is given twice"),
            ("mlconform: waive[x] reason", "expected `=` after `reason`"),
            ("mlconform: waive[x] reason=\"a\"owner=b", "expected a space before the next field"),
            ("mlconform: waive[x] reason=y expires=2027-02-30", "invalid expiry date `2027-02-30`"),
        ];
        for (text, message) in cases {
            assert_eq!(problem(text).message, message, "{text}");
        }
    }

    #[test]
    fn problem_spans_point_at_the_fault() {
        let text = "mlconform: waive[x] reason=y expires=soon";
        let problem = problem(text);
        assert_eq!(&text[problem.span.start..problem.span.end], "soon");
    }
}
