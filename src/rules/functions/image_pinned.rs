//! `image-pinned`: a container image is pinned by digest.
//!
//! **What it checks**: that the image reference (each of a list) carries a digest,
//! `@sha256:` followed by 64 hexadecimal digits. A reference without a tag pulls `latest`; a
//! tag can be moved to other content at any time, so neither pins what runs.
//!
//! **Why**: a deployment is reproducible and reviewable only when it names the exact image;
//! a digest also stops a compromised registry from swapping the content behind a tag.
//!
//! **Options**: `allow-tags`, regular expressions for tags accepted without a digest (for a
//! registry that makes tags immutable).
//!
//! **Known problems**: the digest is checked for form only, not looked up.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value as Json};

use super::{regexes_option, string_items, Function, Input, OptionError, Spec, Spot, Violation};

pub const SPEC: Spec = Spec {
    name: "image-pinned",
    options: &["allow-tags"],
    summary: "the container image reference has an @sha256: digest",
    compile,
};

static DIGEST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"@sha256:[0-9a-f]{64}$").expect("the digest pattern compiles"));

struct ImagePinned {
    allow_tags: Vec<Regex>,
}

fn compile(options: &Map<String, Json>) -> Result<Box<dyn Function>, OptionError> {
    Ok(Box::new(ImagePinned { allow_tags: regexes_option(options, "allow-tags")? }))
}

/// The tag of an image reference without digest: after the last `:` that follows the last `/`
/// (a `:` before it separates a registry port).
fn tag(reference: &str) -> Option<&str> {
    let name_start = reference.rfind('/').map_or(0, |at| at + 1);
    reference[name_start..].rsplit_once(':').map(|(_, tag)| tag)
}

/// Why a reference is not pinned, or `None` when it is (or its tag is allowed).
fn problem(reference: &str, allow_tags: &[Regex]) -> Option<String> {
    let reference = reference.trim();
    if DIGEST.is_match(reference) {
        return None;
    }
    if reference.contains('@') {
        return Some("has a malformed digest".to_string());
    }
    match tag(reference) {
        None => Some("has no tag and no digest, so it pulls latest".to_string()),
        Some("latest") => Some("uses the tag latest".to_string()),
        Some(tag) if allow_tags.iter().any(|regex| regex.is_match(tag)) => None,
        Some(tag) => Some(format!("uses the tag \"{tag}\" without a digest")),
    }
}

impl Function for ImagePinned {
    fn check(&self, input: &Input<'_>) -> Vec<Violation> {
        let Some(value) = input.value else { return Vec::new() };
        let mut out = Vec::new();
        for (item, pointer) in string_items(value, input.pointer) {
            let Ok(reference) = item else { continue };
            if let Some(detail) = problem(reference, &self.allow_tags) {
                out.push(Violation::new(Spot::Node(pointer), Some(&Json::String(reference.to_string())), detail));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_classified() {
        let digest = format!("@sha256:{}", "a".repeat(64));
        assert_eq!(problem(&format!("nginx{digest}"), &[]), None);
        assert_eq!(problem(&format!("nginx:1.25{digest}"), &[]), None);
        assert_eq!(problem("nginx", &[]).as_deref(), Some("has no tag and no digest, so it pulls latest"));
        assert_eq!(problem("nginx:latest", &[]).as_deref(), Some("uses the tag latest"));
        assert_eq!(
            problem("registry:5000/team/app", &[]).as_deref(),
            Some("has no tag and no digest, so it pulls latest")
        );
        assert_eq!(problem("registry:5000/team/app:v2", &[]).as_deref(), Some("uses the tag \"v2\" without a digest"));
        assert_eq!(problem("app@sha256:abc", &[]).as_deref(), Some("has a malformed digest"));
        let allow = vec![Regex::new(r"^v\d+\.\d+\.\d+$").unwrap()];
        assert_eq!(problem("app:v1.2.3", &allow), None);
    }
}
