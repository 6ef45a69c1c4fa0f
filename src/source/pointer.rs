//! JSON Pointers (RFC 6901): building them and finding the node one names.

use super::{Node, Span, Value};

/// Appends `token` to `out` with `~` and `/` escaped.
pub fn escape_into(token: &str, out: &mut String) {
    for ch in token.chars() {
        match ch {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            _ => out.push(ch),
        }
    }
}

pub fn escape(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    escape_into(token, &mut out);
    out
}

/// Splits a pointer into unescaped tokens. `""` is the root and has no tokens.
pub fn tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer.trim_start_matches('/').split('/').map(|token| token.replace("~1", "/").replace("~0", "~")).collect()
}

/// The node a pointer leads to in a tree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target<'a> {
    pub node: &'a Node,
    /// The span of the key when the last step went through a mapping entry.
    pub key_span: Option<Span>,
}

/// Finds the node a pointer names. When the pointer goes further than the tree, returns the
/// deepest node reached and `false`.
pub fn resolve<'a>(root: &'a Node, pointer: &str) -> (Target<'a>, bool) {
    let mut target = Target { node: root, key_span: None };
    for token in tokens(pointer) {
        let next = match &target.node.value {
            Value::Mapping(entries) => entries
                .iter()
                .rev()
                .find(|entry| entry.key == token)
                .map(|entry| Target { node: &entry.value, key_span: Some(entry.key_span) }),
            Value::Sequence(items) => {
                token.parse::<usize>().ok().and_then(|i| items.get(i)).map(|node| Target { node, key_span: None })
            }
            _ => None,
        };
        match next {
            Some(next) => target = next,
            None => return (target, false),
        }
    }
    (target, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        let pointer = format!("/{}/{}", escape("a/b"), escape("m~n"));
        assert_eq!(pointer, "/a~1b/m~0n");
        assert_eq!(tokens(&pointer), vec!["a/b".to_string(), "m~n".to_string()]);
        assert!(tokens("").is_empty());
    }
}
