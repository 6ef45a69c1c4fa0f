use super::*;
use crate::source::{LineIndex, Position, DEFAULT_MAX_DEPTH};

fn load(text: &str) -> Parsed {
    parse(text, &Limits::default())
}

fn root(text: &str) -> Node {
    let parsed = load(text);
    assert!(
        parsed
            .issues
            .iter()
            .all(|issue| !matches!(issue.kind, IssueKind::Syntax { .. })),
        "{:?}",
        parsed.issues
    );
    parsed.documents[0]
        .root
        .clone()
        .expect("document has a root")
}

fn value(text: &str) -> Value {
    root(text).value
}

fn number(literal: &str) -> Value {
    Value::Number(literal.to_string())
}

fn string(text: &str) -> Value {
    Value::String(text.to_string())
}

fn position(text: &str, offset: usize) -> (usize, usize) {
    let Position { line, column } = LineIndex::new(text).position(text, offset);
    (line, column)
}

fn read_case(path: &str) -> String {
    let full = format!("{}/../shared/cases/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|error| panic!("cannot read {full}: {error}"))
}

fn slice(text: &str, span: Span) -> &str {
    &text[span.start..span.end]
}

// ----- documents -----

#[test]
fn documents_empty_file() {
    let parsed = load("");
    assert!(parsed.documents.is_empty());
    assert!(parsed.issues.is_empty());
}

#[test]
fn documents_comment_only() {
    let parsed = load(&read_case("01-empty-yaml-document/comment-only.yaml"));
    assert!(parsed.documents.is_empty());
    assert!(parsed.issues.is_empty());
}

#[test]
fn documents_marker_only_is_null() {
    let text = read_case("01-empty-yaml-document/marker-only.yaml");
    let parsed = load(&text);
    assert_eq!(parsed.documents.len(), 1);
    let root = parsed.documents[0].root.as_ref().unwrap();
    assert_eq!(root.value, Value::Null);
    assert_eq!(position(&text, root.span.start), (1, 1));
    assert_eq!(position(&text, parsed.documents[0].span.start), (1, 1));
}

#[test]
fn documents_control_mapping() {
    let text = read_case("01-empty-yaml-document/control-valid.yaml");
    let root = root(&text);
    assert_eq!(root.get("model_name").unwrap().value, string("tiny-bert"));
}

#[test]
fn documents_multi_indexes_and_spans() {
    let text = read_case("04-multidoc-later-doc-invalid/experiments.yaml");
    let parsed = load(&text);
    assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
    assert_eq!(parsed.documents.len(), 3);
    for (i, document) in parsed.documents.iter().enumerate() {
        assert_eq!(document.index, i);
    }
    let third = parsed.documents[2].root.as_ref().unwrap();
    let batch = third.get("batch_size").unwrap();
    assert_eq!(batch.value, string("sixteen"));
    assert_eq!(position(&text, batch.span.start), (8, 13));
    assert_eq!(position(&text, parsed.documents[1].span.start), (3, 1));
}

#[test]
fn documents_trailing_marker_is_null() {
    let parsed = load("a: 1\n---\n");
    assert_eq!(parsed.documents.len(), 2);
    assert_eq!(
        parsed.documents[1].root.as_ref().unwrap().value,
        Value::Null
    );
}

// ----- syntax errors -----

#[test]
fn syntax_error_keeps_earlier_documents() {
    let text = "a: 1\n---\nb: 2\n---\nc: [1\n";
    let parsed = load(text);
    assert_eq!(parsed.documents.len(), 2);
    assert_eq!(parsed.issues.len(), 1);
    let issue = &parsed.issues[0];
    let IssueKind::Syntax { message } = &issue.kind else {
        panic!("{issue:?}")
    };
    assert!(!message.contains(" at byte"), "{message}");
    assert!(message.contains("flow sequence"), "{message}");
    assert_eq!(position(text, issue.span.start), (6, 1));
    assert_eq!(issue.document, Some(2));
    assert!(parsed.is_broken());
}

#[test]
fn syntax_error_position_non_ascii() {
    let text = "é: 日本\nkey: value: x\n";
    let parsed = load(text);
    let issue = &parsed.issues[0];
    assert!(matches!(issue.kind, IssueKind::Syntax { .. }));
    assert_eq!(position(text, issue.span.start), (2, 11));
}

// ----- scalars, YAML 1.2 -----

#[test]
fn core_nulls_and_bools() {
    for text in ["null", "Null", "NULL", "~"] {
        assert_eq!(
            root(&format!("a: {text}")).get("a").unwrap().value,
            Value::Null,
            "{text}"
        );
    }
    assert_eq!(root("a:").get("a").unwrap().value, Value::Null);
    for text in ["true", "True", "TRUE"] {
        assert_eq!(
            root(&format!("a: {text}")).get("a").unwrap().value,
            Value::Bool(true),
            "{text}"
        );
    }
    for text in ["false", "False", "FALSE"] {
        assert_eq!(
            root(&format!("a: {text}")).get("a").unwrap().value,
            Value::Bool(false),
            "{text}"
        );
    }
    for text in ["yes", "no", "on", "off", "y", "n", "nULL", "tRUE"] {
        assert_eq!(
            root(&format!("a: {text}")).get("a").unwrap().value,
            string(text),
            "{text}"
        );
    }
}

#[test]
fn core_numbers_normalized() {
    let cases = [
        ("0", "0"),
        ("-0", "-0"),
        ("+12", "12"),
        ("007", "7"),
        ("-007", "-7"),
        ("0o17", "15"),
        ("0x1F", "31"),
        ("0xff", "255"),
        ("1.", "1.0"),
        (".5", "0.5"),
        ("-.5", "-0.5"),
        ("+.5", "0.5"),
        ("1e5", "1e5"),
        ("1E-5", "1E-5"),
        ("-1.5e+3", "-1.5e+3"),
        ("00.5", "0.5"),
        ("1e400", "1e400"),
        (
            "123456789012345678901234567890",
            "123456789012345678901234567890",
        ),
        (
            "0xFFFFFFFFFFFFFFFFFFFFFFFF",
            "79228162514264337593543950335",
        ),
        ("0o7777777777777777777777777", "37778931862957161709567"),
    ];
    for (text, literal) in cases {
        assert_eq!(value(text), number(literal), "{text}");
    }
}

#[test]
fn core_strings_not_numbers() {
    for text in [
        "1_000", "0b101", "-0x1F", "0o8", "0xG", "1:20", "1.2.3", "e5", ".", "+", "1e", "12abc",
        ".inF",
    ] {
        assert_eq!(value(text), string(text), "{text}");
    }
}

#[test]
fn core_quoted_and_block_are_strings() {
    let root = root("a: \"1\"\nb: 'true'\nc: |\n  null\nd: >-\n  12\n");
    assert_eq!(root.get("a").unwrap().value, string("1"));
    assert_eq!(root.get("b").unwrap().value, string("true"));
    assert_eq!(root.get("c").unwrap().value, string("null\n"));
    assert_eq!(root.get("d").unwrap().value, string("12"));
}

#[test]
fn core_non_finite_issues() {
    let text = read_case("15-nonfinite-nan-1e400/nan.yaml");
    let parsed = load(&text);
    let node = parsed.documents[0]
        .root
        .as_ref()
        .unwrap()
        .get("learning_rate")
        .unwrap();
    assert_eq!(node.value, Value::NonFinite(".nan".into()));
    assert_eq!(parsed.issues.len(), 1);
    assert_eq!(
        parsed.issues[0].kind,
        IssueKind::NonFinite {
            text: ".nan".into()
        }
    );
    assert_eq!(position(&text, parsed.issues[0].span.start), (1, 16));
    assert_eq!(parsed.issues[0].pointer, "/learning_rate");

    let text = read_case("15-nonfinite-nan-1e400/neg-inf.yaml");
    let parsed = load(&text);
    assert_eq!(
        parsed.issues[0].kind,
        IssueKind::NonFinite {
            text: "-.inf".into()
        }
    );
    assert_eq!(position(&text, parsed.issues[0].span.start), (1, 16));

    for text in [".inf", ".Inf", "+.INF", ".NaN", ".NAN"] {
        assert!(matches!(value(text), Value::NonFinite(_)), "{text}");
    }
}

// ----- YAML 1.1 -----

fn value11(text: &str) -> Value {
    let parsed = load(&format!("%YAML 1.1\n---\n{text}\n"));
    assert!(parsed
        .issues
        .iter()
        .all(|issue| !matches!(issue.kind, IssueKind::YamlVersionDifference { .. })));
    parsed.documents[0].root.clone().unwrap().value
}

#[test]
fn yaml11_bools_and_nulls() {
    for text in [
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
    ] {
        assert_eq!(value11(text), Value::Bool(true), "{text}");
    }
    for text in [
        "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
    ] {
        assert_eq!(value11(text), Value::Bool(false), "{text}");
    }
    for text in ["~", "null", "Null", "NULL"] {
        assert_eq!(value11(text), Value::Null, "{text}");
    }
    assert_eq!(value11("yES"), string("yES"));
}

#[test]
fn yaml11_numbers() {
    let cases = [
        ("0755", "493"),
        ("-0755", "-493"),
        ("0", "0"),
        ("0b101", "5"),
        ("-0b1_01", "-5"),
        ("0x1F", "31"),
        ("-0x1F", "-31"),
        ("1_000", "1000"),
        ("+1_000", "1000"),
        ("1:20", "80"),
        ("190:20:30", "685230"),
        ("-1:20", "-80"),
        ("1.0e-5", "1.0e-5"),
        ("1.5", "1.5"),
        ("1_0.5", "10.5"),
        ("1.", "1.0"),
        (".5", "0.5"),
        ("1:30.5", "90.5"),
        ("190:20:30.15", "685230.15"),
        (
            "0b11111111111111111111111111111111111111111111111111111111111111111111",
            "295147905179352825855",
        ),
    ];
    for (text, literal) in cases {
        assert_eq!(value11(text), number(literal), "{text}");
    }
}

#[test]
fn yaml11_strings() {
    for text in ["1e-5", "1e5", "1.0e5", "0o17", "08", "0b", "1:60", "abc"] {
        assert_eq!(value11(text), string(text), "{text}");
    }
    assert_eq!(value11(".inf"), Value::NonFinite(".inf".into()));
}

#[test]
fn yaml11_directive_applies_to_one_document() {
    let parsed = load("%YAML 1.1\n---\na: on\n...\n---\nb: on\n...\n%YAML 1.2\n---\nc: on\n");
    let roots: Vec<&Node> = parsed
        .documents
        .iter()
        .map(|document| document.root.as_ref().unwrap())
        .collect();
    assert_eq!(roots.len(), 3);
    assert_eq!(roots[0].get("a").unwrap().value, Value::Bool(true));
    assert_eq!(roots[1].get("b").unwrap().value, string("on"));
    assert_eq!(roots[2].get("c").unwrap().value, string("on"));
}

#[test]
fn yaml11_norway_case() {
    let text = read_case("03-yaml11-boolean-on-norway/card-yaml11.yaml");
    let parsed = load(&text);
    assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
    let root = parsed.documents[0].root.as_ref().unwrap();
    let Value::Sequence(languages) = &root.get("language").unwrap().value else {
        panic!()
    };
    assert_eq!(languages[1].value, Value::Bool(false));
    assert_eq!(position(&text, languages[1].span.start), (5, 5));
    let push = root.get("push_to_hub").unwrap();
    assert_eq!(push.value, Value::Bool(true));
    assert_eq!(position(&text, push.span.start), (7, 14));
}

// ----- version differences -----

fn difference(text: &str) -> Option<(String, String)> {
    let parsed = load(text);
    let differences: Vec<_> = parsed
        .issues
        .iter()
        .filter_map(|issue| match &issue.kind {
            IssueKind::YamlVersionDifference {
                read_as,
                other_reading,
                other_version,
                ..
            } => {
                assert_eq!(*other_version, "1.1");
                Some((read_as.clone(), other_reading.clone()))
            }
            _ => None,
        })
        .collect();
    assert!(differences.len() <= 1);
    differences.into_iter().next()
}

#[test]
fn difference_reported() {
    let cases = [
        ("no", "the string \"no\"", "the boolean false"),
        ("on", "the string \"on\"", "the boolean true"),
        ("Off", "the string \"Off\"", "the boolean false"),
        ("y", "the string \"y\"", "the boolean true"),
        ("0755", "the integer 755", "the integer 493"),
        ("1:20", "the string \"1:20\"", "the integer 80"),
        ("1e-5", "the number 1e-5", "the string \"1e-5\""),
        ("1_000", "the string \"1_000\"", "the integer 1000"),
        ("0b101", "the string \"0b101\"", "the integer 5"),
        ("0o17", "the integer 15", "the string \"0o17\""),
    ];
    for (text, read_as, other) in cases {
        assert_eq!(
            difference(text),
            Some((read_as.to_string(), other.to_string())),
            "{text}"
        );
    }
}

#[test]
fn difference_not_reported() {
    for text in [
        "true", "false", "null", "~", "", "12", "-3", "1.5", "0.0003", ".5", "0x1F", ".nan",
        "-.inf", "name", "\"no\"", "'on'", "!!str no",
    ] {
        assert_eq!(difference(text), None, "{text}");
    }
    assert_eq!(difference("%YAML 1.1\n---\nno"), None);
}

#[test]
fn difference_norway_case() {
    let text = read_case("03-yaml11-boolean-on-norway/card-default.yaml");
    let parsed = load(&text);
    let root = parsed.documents[0].root.as_ref().unwrap();
    let Value::Sequence(languages) = &root.get("language").unwrap().value else {
        panic!()
    };
    assert_eq!(languages[1].value, string("no"));
    let push = root.get("push_to_hub").unwrap();
    assert_eq!(push.value, string("on"));
    assert_eq!(position(&text, push.span.start), (5, 14));

    assert_eq!(parsed.issues.len(), 2, "{:?}", parsed.issues);
    assert_eq!(parsed.issues[0].pointer, "/language/1");
    assert_eq!(position(&text, parsed.issues[0].span.start), (3, 5));
    assert_eq!(parsed.issues[1].pointer, "/push_to_hub");
    assert_eq!(position(&text, parsed.issues[1].span.start), (5, 14));
    assert!(parsed.issues.iter().all(|issue| issue.document == Some(0)));
}

#[test]
fn difference_on_key() {
    let parsed = load("on: push\n");
    assert_eq!(parsed.issues.len(), 1);
    assert_eq!(parsed.issues[0].pointer, "/on");
    assert_eq!(
        parsed.documents[0]
            .root
            .as_ref()
            .unwrap()
            .entries()
            .unwrap()[0]
            .key,
        "on"
    );
}

// ----- tags -----

fn issues_of(text: &str) -> Vec<IssueKind> {
    load(text)
        .issues
        .into_iter()
        .map(|issue| issue.kind)
        .collect()
}

fn unsupported(tag: &str) -> IssueKind {
    IssueKind::UnsupportedTag {
        tag: tag.to_string(),
    }
}

#[test]
fn tags_core_scalars() {
    assert_eq!(value("!!str 12"), string("12"));
    assert_eq!(value("!!str"), string(""));
    assert_eq!(value("!!int \"12\""), number("12"));
    assert_eq!(value("!!float 1"), number("1"));
    assert_eq!(value("!!float .inf"), Value::NonFinite(".inf".into()));
    assert_eq!(value("!!bool 'true'"), Value::Bool(true));
    assert_eq!(value("!!null ''"), Value::Null);
    assert_eq!(value("! 12"), string("12"));
    assert!(issues_of("!!int 12\n").is_empty());
    assert!(issues_of("! 12\n").is_empty());
}

#[test]
fn tags_mismatch_kept_as_string() {
    for (text, tag, kept) in [
        ("!!int foo", "!!int", "foo"),
        ("!!float x", "!!float", "x"),
        ("!!bool yes", "!!bool", "yes"),
        ("!!null 0", "!!null", "0"),
    ] {
        assert_eq!(value(text), string(kept), "{text}");
        assert_eq!(issues_of(text), vec![unsupported(tag)], "{text}");
    }
}

#[test]
fn tags_custom_and_binary() {
    let text = "a: !Ref name\nb: !!binary aGVsbG8=\nc: !custom {x: 1}\nd: !!map {z: 2}\ne: !!seq [1]\nf: !!map [1]\n";
    let parsed = load(text);
    let root = parsed.documents[0].root.as_ref().unwrap();
    assert_eq!(root.get("a").unwrap().value, string("name"));
    assert_eq!(root.get("b").unwrap().value, string("aGVsbG8="));
    assert_eq!(root.get("c").unwrap().get("x").unwrap().value, number("1"));
    assert_eq!(root.get("d").unwrap().get("z").unwrap().value, number("2"));
    let kinds: Vec<_> = parsed
        .issues
        .iter()
        .map(|issue| (issue.kind.clone(), issue.pointer.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (unsupported("!Ref"), "/a"),
            (unsupported("!!binary"), "/b"),
            (unsupported("!custom"), "/c"),
            (unsupported("!!map"), "/f")
        ]
    );
}

#[test]
fn tags_node_spans() {
    let text = "a: !!int &x 5\nb: !Ref  name\nc: &m !!map\n  k: v\nd: !!seq [1, 2]\ne: *x\n";
    let root = root(text);
    assert_eq!(slice(text, root.get("a").unwrap().span), "5");
    assert_eq!(slice(text, root.get("b").unwrap().span), "name");
    let c = root.get("c").unwrap();
    assert_eq!(position(text, c.span.start), (4, 3));
    assert_eq!(slice(text, c.get("k").unwrap().span), "v");
    assert_eq!(slice(text, root.get("d").unwrap().span), "[1, 2]");
    assert_eq!(slice(text, root.get("e").unwrap().span), "*x");
    assert_eq!(root.get("e").unwrap().value, number("5"));
}

// ----- keys -----

#[test]
fn keys_duplicate_case() {
    let text = read_case("16-duplicate-keys-json-yaml/train.yaml");
    let parsed = load(&text);
    let duplicates: Vec<_> = parsed
        .issues
        .iter()
        .map(|issue| {
            let IssueKind::DuplicateKey { key, first } = &issue.kind else {
                panic!("{issue:?}")
            };
            (
                key.as_str(),
                position(&text, issue.span.start),
                position(&text, first.start),
                issue.pointer.as_str(),
            )
        })
        .collect();
    assert_eq!(
        duplicates,
        vec![
            ("batch_size", (5, 3), (4, 3), "/optimizer/batch_size"),
            ("optimizer", (6, 1), (2, 1), "/optimizer")
        ]
    );

    let root = parsed.documents[0].root.as_ref().unwrap();
    let keys: Vec<_> = root
        .entries()
        .unwrap()
        .iter()
        .map(|entry| entry.key.as_str())
        .collect();
    assert_eq!(keys, vec!["learning_rate", "optimizer"]);
    let name = root.get("optimizer").unwrap().get("name").unwrap();
    assert_eq!(name.value, string("lion"));
    assert_eq!(position(&text, name.span.start), (7, 9));
}

#[test]
fn keys_duplicate_flow_mapping() {
    let text = "{a: 1, b: 2, 'a': 3}";
    let parsed = load(text);
    assert_eq!(parsed.issues.len(), 1);
    assert_eq!(
        parsed.issues[0].kind,
        IssueKind::DuplicateKey {
            key: "a".into(),
            first: Span::new(1, 2)
        }
    );
    assert_eq!(parsed.issues[0].span, Span::new(13, 16));
    let root = parsed.documents[0].root.as_ref().unwrap();
    assert_eq!(root.get("a").unwrap().value, number("3"));
    assert_eq!(root.entries().unwrap().len(), 2);
}

#[test]
fn keys_scalars_as_json_text() {
    let root = root("1: a\ntrue: b\nnull: c\n1.5: d\n0x10: e\n");
    let keys: Vec<_> = root
        .entries()
        .unwrap()
        .iter()
        .map(|entry| entry.key.as_str())
        .collect();
    assert_eq!(keys, vec!["1", "true", "null", "1.5", "16"]);
}

#[test]
fn keys_complex_skipped() {
    let text = "? [1, 2]\n: x\n? {a: b}\n: c\nok: z\n";
    let parsed = load(text);
    assert_eq!(
        issues_of(text),
        vec![IssueKind::ComplexKey, IssueKind::ComplexKey]
    );
    assert_eq!(position(text, parsed.issues[0].span.start), (1, 3));
    let root = parsed.documents[0].root.as_ref().unwrap();
    assert_eq!(root.entries().unwrap().len(), 1);
    assert_eq!(root.get("ok").unwrap().value, string("z"));
}
