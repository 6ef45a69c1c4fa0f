use super::*;
use crate::source::{LineIndex, Position, DEFAULT_MAX_DEPTH};

fn load(text: &str) -> Parsed {
    parse(text, &Limits::default())
}

fn root(text: &str) -> Node {
    let parsed = load(text);
    assert!(parsed.issues.iter().all(|issue| !matches!(issue.kind, IssueKind::Syntax { .. })), "{:?}", parsed.issues);
    parsed.documents[0].root.clone().expect("document has a root")
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
    assert_eq!(parsed.documents[1].root.as_ref().unwrap().value, Value::Null);
}

// ----- syntax errors -----

#[test]
fn syntax_error_keeps_earlier_documents() {
    let text = "a: 1\n---\nb: 2\n---\nc: [1\n";
    let parsed = load(text);
    assert_eq!(parsed.documents.len(), 2);
    assert_eq!(parsed.issues.len(), 1);
    let issue = &parsed.issues[0];
    let IssueKind::Syntax { message } = &issue.kind else { panic!("{issue:?}") };
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
        assert_eq!(root(&format!("a: {text}")).get("a").unwrap().value, Value::Null, "{text}");
    }
    assert_eq!(root("a:").get("a").unwrap().value, Value::Null);
    for text in ["true", "True", "TRUE"] {
        assert_eq!(root(&format!("a: {text}")).get("a").unwrap().value, Value::Bool(true), "{text}");
    }
    for text in ["false", "False", "FALSE"] {
        assert_eq!(root(&format!("a: {text}")).get("a").unwrap().value, Value::Bool(false), "{text}");
    }
    for text in ["yes", "no", "on", "off", "y", "n", "nULL", "tRUE"] {
        assert_eq!(root(&format!("a: {text}")).get("a").unwrap().value, string(text), "{text}");
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
        ("123456789012345678901234567890", "123456789012345678901234567890"),
        ("0xFFFFFFFFFFFFFFFFFFFFFFFF", "79228162514264337593543950335"),
        ("0o7777777777777777777777777", "37778931862957161709567"),
    ];
    for (text, literal) in cases {
        assert_eq!(value(text), number(literal), "{text}");
    }
}

#[test]
fn core_strings_not_numbers() {
    for text in ["1_000", "0b101", "-0x1F", "0o8", "0xG", "1:20", "1.2.3", "e5", ".", "+", "1e", "12abc", ".inF"] {
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
    let node = parsed.documents[0].root.as_ref().unwrap().get("learning_rate").unwrap();
    assert_eq!(node.value, Value::NonFinite(".nan".into()));
    assert_eq!(parsed.issues.len(), 1);
    assert_eq!(parsed.issues[0].kind, IssueKind::NonFinite { text: ".nan".into() });
    assert_eq!(position(&text, parsed.issues[0].span.start), (1, 16));
    assert_eq!(parsed.issues[0].pointer, "/learning_rate");

    let text = read_case("15-nonfinite-nan-1e400/neg-inf.yaml");
    let parsed = load(&text);
    assert_eq!(parsed.issues[0].kind, IssueKind::NonFinite { text: "-.inf".into() });
    assert_eq!(position(&text, parsed.issues[0].span.start), (1, 16));

    for text in [".inf", ".Inf", "+.INF", ".NaN", ".NAN"] {
        assert!(matches!(value(text), Value::NonFinite(_)), "{text}");
    }
}

// ----- YAML 1.1 -----

fn value11(text: &str) -> Value {
    let parsed = load(&format!("%YAML 1.1\n---\n{text}\n"));
    assert!(parsed.issues.iter().all(|issue| !matches!(issue.kind, IssueKind::YamlVersionDifference { .. })));
    parsed.documents[0].root.clone().unwrap().value
}

#[test]
fn yaml11_bools_and_nulls() {
    for text in ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"] {
        assert_eq!(value11(text), Value::Bool(true), "{text}");
    }
    for text in ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"] {
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
        ("0b11111111111111111111111111111111111111111111111111111111111111111111", "295147905179352825855"),
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
    let roots: Vec<&Node> = parsed.documents.iter().map(|document| document.root.as_ref().unwrap()).collect();
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
    let Value::Sequence(languages) = &root.get("language").unwrap().value else { panic!() };
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
            IssueKind::YamlVersionDifference { read_as, other_reading, other_version, .. } => {
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
        assert_eq!(difference(text), Some((read_as.to_string(), other.to_string())), "{text}");
    }
}

#[test]
fn difference_not_reported() {
    for text in [
        "true", "false", "null", "~", "", "12", "-3", "1.5", "0.0003", ".5", "0x1F", ".nan", "-.inf", "name", "\"no\"",
        "'on'", "!!str no",
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
    let Value::Sequence(languages) = &root.get("language").unwrap().value else { panic!() };
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
    assert_eq!(parsed.documents[0].root.as_ref().unwrap().entries().unwrap()[0].key, "on");
}

// ----- tags -----

fn issues_of(text: &str) -> Vec<IssueKind> {
    load(text).issues.into_iter().map(|issue| issue.kind).collect()
}

fn unsupported(tag: &str) -> IssueKind {
    IssueKind::UnsupportedTag { tag: tag.to_string() }
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
    let kinds: Vec<_> = parsed.issues.iter().map(|issue| (issue.kind.clone(), issue.pointer.as_str())).collect();
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
            let IssueKind::DuplicateKey { key, first } = &issue.kind else { panic!("{issue:?}") };
            (key.as_str(), position(&text, issue.span.start), position(&text, first.start), issue.pointer.as_str())
        })
        .collect();
    assert_eq!(
        duplicates,
        vec![("batch_size", (5, 3), (4, 3), "/optimizer/batch_size"), ("optimizer", (6, 1), (2, 1), "/optimizer")]
    );

    let root = parsed.documents[0].root.as_ref().unwrap();
    let keys: Vec<_> = root.entries().unwrap().iter().map(|entry| entry.key.as_str()).collect();
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
    assert_eq!(parsed.issues[0].kind, IssueKind::DuplicateKey { key: "a".into(), first: Span::new(1, 2) });
    assert_eq!(parsed.issues[0].span, Span::new(13, 16));
    let root = parsed.documents[0].root.as_ref().unwrap();
    assert_eq!(root.get("a").unwrap().value, number("3"));
    assert_eq!(root.entries().unwrap().len(), 2);
}

#[test]
fn keys_scalars_as_json_text() {
    let root = root("1: a\ntrue: b\nnull: c\n1.5: d\n0x10: e\n");
    let keys: Vec<_> = root.entries().unwrap().iter().map(|entry| entry.key.as_str()).collect();
    assert_eq!(keys, vec!["1", "true", "null", "1.5", "16"]);
}

#[test]
fn keys_complex_skipped() {
    let text = "? [1, 2]\n: x\n? {a: b}\n: c\nok: z\n";
    let parsed = load(text);
    assert_eq!(issues_of(text), vec![IssueKind::ComplexKey, IssueKind::ComplexKey]);
    assert_eq!(position(text, parsed.issues[0].span.start), (1, 3));
    let root = parsed.documents[0].root.as_ref().unwrap();
    assert_eq!(root.entries().unwrap().len(), 1);
    assert_eq!(root.get("ok").unwrap().value, string("z"));
}

// ----- aliases -----

#[test]
fn alias_copies_anchored_node() {
    let text = "base: &b {lr: 0.1, opt: adam}\nrun: *b\n";
    let root = root(text);
    let run = root.get("run").unwrap();
    assert_eq!(slice(text, run.span), "*b");
    let lr = run.get("lr").unwrap();
    assert_eq!(lr.value, number("0.1"));
    assert_eq!(slice(text, lr.span), "0.1");
    assert_eq!(lr.span, root.get("base").unwrap().get("lr").unwrap().span);
}

#[test]
fn alias_scalar_as_key() {
    let root = root("k: &k name\n*k : value\n");
    assert_eq!(root.get("name").unwrap().value, string("value"));
}

#[test]
fn alias_list_bomb_stops() {
    let mut text = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let items = vec![format!("*{}", pair[0]); 9].join(",");
        text.push_str(&format!("{}: &{} [{items}]\n", pair[1], pair[1]));
    }
    let started = std::time::Instant::now();
    let parsed = parse(&text, &Limits::default());
    assert!(started.elapsed().as_secs() < 2);
    let last = parsed.issues.last().unwrap();
    assert_eq!(last.kind, IssueKind::TooManyAliases { limit: 100_000 });
    assert_eq!(&text[last.span.start..last.span.start + 1], "*");
    assert!(parsed.documents.is_empty());
}

#[test]
fn alias_key_bomb_stops() {
    // Every level is a mapping whose keys are aliases of the level below: the keys are
    // dropped as complex keys, but a loader that copied them would grow tenfold per level.
    let mut text = String::from("a0: &a0 [x, y, z, w, v, u, t, s, r, q]\n");
    for level in 1..30 {
        let entries: Vec<String> = (0..10).map(|i| format!("? *a{} : {i}", level - 1)).collect();
        text.push_str(&format!("a{level}: &a{level} {{{}}}\n", entries.join(", ")));
    }
    let started = std::time::Instant::now();
    let parsed =
        parse(&text, &Limits { max_depth: DEFAULT_MAX_DEPTH, max_alias_expansions: 10_000, ..Limits::default() });
    assert!(started.elapsed().as_secs() < 2);
    assert_eq!(parsed.issues.last().unwrap().kind, IssueKind::TooManyAliases { limit: 10_000 });
}

#[test]
fn alias_count_within_limit() {
    let text = "a: &a [1, 2]\nb: [*a, *a]\n";
    let parsed = parse(text, &Limits { max_depth: 10, max_alias_expansions: 6, ..Limits::default() });
    assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
    let parsed = parse(text, &Limits { max_depth: 10, max_alias_expansions: 5, ..Limits::default() });
    assert_eq!(parsed.issues[0].kind, IssueKind::TooManyAliases { limit: 5 });
    assert_eq!(parsed.issues[0].pointer, "/b/1");
}

#[test]
fn alias_depth_counted() {
    let text = "a: &a [[[1]]]\nb: [[*a]]\n";
    let parsed = parse(text, &Limits { max_depth: 5, max_alias_expansions: 100, ..Limits::default() });
    assert_eq!(parsed.issues[0].kind, IssueKind::TooDeep { limit: 5 });
    assert_eq!(slice(text, parsed.issues[0].span), "*a");
    assert!(parse(text, &Limits { max_depth: 6, max_alias_expansions: 100, ..Limits::default() }).issues.is_empty());
}

#[test]
fn alias_to_earlier_document() {
    let parsed = load("a: &a 1\n---\nb: *a\n");
    assert_eq!(parsed.documents.len(), 1);
    assert!(matches!(parsed.issues[0].kind, IssueKind::Syntax { .. }));
    assert_eq!(parsed.issues[0].document, Some(1));
}

// ----- merge keys -----

fn keys_and_values(node: &Node) -> Vec<(String, Value)> {
    node.entries().unwrap().iter().map(|entry| (entry.key.clone(), entry.value.value.clone())).collect()
}

#[test]
fn merge_alias_explicit_wins() {
    let text = "base: &b {lr: 0.1, opt: adam}\nrun:\n  lr: 0.5\n  <<: *b\n  epochs: 3\n";
    let parsed = load(text);
    assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
    let run = parsed.documents[0].root.as_ref().unwrap().get("run").unwrap();
    assert_eq!(
        keys_and_values(run),
        vec![("lr".into(), number("0.5")), ("opt".into(), string("adam")), ("epochs".into(), number("3"))]
    );
    assert_eq!(slice(text, run.entry("opt").unwrap().key_span), "opt");
}

#[test]
fn merge_sequence_earlier_wins() {
    let text = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n";
    let root = root(text);
    let c = root.get("c").unwrap();
    assert_eq!(
        keys_and_values(c),
        vec![("x".into(), number("1")), ("y".into(), number("1")), ("z".into(), number("2"))]
    );
}

#[test]
fn merge_in_yaml11() {
    let root = root("%YAML 1.1\n---\na: &a {x: on}\nb: {<<: *a}\n");
    assert_eq!(root.get("b").unwrap().get("x").unwrap().value, Value::Bool(true));
}

#[test]
fn merge_duplicate_key() {
    let text = "a: &a {x: 1}\nb: &b {z: 2}\nc:\n  <<: *a\n  <<: *b\n";
    let parsed = load(text);
    assert_eq!(parsed.issues.len(), 1);
    let IssueKind::DuplicateMergeKey { first } = parsed.issues[0].kind else { panic!("{:?}", parsed.issues) };
    assert_eq!(position(text, first.start), (4, 3));
    assert_eq!(position(text, parsed.issues[0].span.start), (5, 3));
    assert_eq!(parsed.issues[0].pointer, "/c/<<");
    let c = parsed.documents[0].root.as_ref().unwrap().get("c").unwrap();
    assert_eq!(keys_and_values(c), vec![("z".into(), number("2"))]);
}

#[test]
fn merge_invalid_value() {
    for text in ["a: {<<: 1}", "a: {<<: [{x: 1}, 2]}", "a: {<<: text}"] {
        let parsed = load(text);
        assert_eq!(parsed.issues.len(), 1, "{text}");
        assert!(matches!(parsed.issues[0].kind, IssueKind::InvalidMerge { .. }), "{text}");
        assert_eq!(parsed.issues[0].pointer, "/a/<<");
        assert_eq!(parsed.documents[0].root.as_ref().unwrap().get("a").unwrap().entries().unwrap().len(), 0);
    }
}

#[test]
fn merge_quoted_is_ordinary_key() {
    let root = root("a: &a {x: 1}\nb: {\"<<\": *a}\n");
    let b = root.get("b").unwrap();
    assert_eq!(b.entries().unwrap()[0].key, "<<");
    assert!(b.get("x").is_none());
}

// ----- depth -----

#[test]
fn depth_flow_100000() {
    let text = "[".repeat(100_000);
    let parsed = load(&text);
    assert_eq!(parsed.issues.len(), 1);
    assert_eq!(parsed.issues[0].kind, IssueKind::TooDeep { limit: DEFAULT_MAX_DEPTH });
    assert_eq!(parsed.issues[0].span.start, DEFAULT_MAX_DEPTH);
}

#[test]
fn depth_case_50000() {
    let text = read_case("34-deep-nesting/nest-50000.yaml");
    let parsed = load(&text);
    assert_eq!(parsed.issues.len(), 1);
    assert_eq!(parsed.issues[0].kind, IssueKind::TooDeep { limit: DEFAULT_MAX_DEPTH });
    assert_eq!(position(&text, parsed.issues[0].span.start), (1, 261));
    assert!(parsed.documents.is_empty());
}

#[test]
fn depth_at_limit_accepted() {
    let text = "a:\n  b:\n    - [x]\n";
    assert!(parse(text, &Limits { max_depth: 4, max_alias_expansions: 10, ..Limits::default() }).issues.is_empty());
    let parsed = parse(text, &Limits { max_depth: 3, max_alias_expansions: 10, ..Limits::default() });
    assert_eq!(parsed.issues[0].kind, IssueKind::TooDeep { limit: 3 });
    assert_eq!(position(text, parsed.issues[0].span.start), (3, 7));
    assert_eq!(parsed.issues[0].pointer, "/a/b/0");
}

// ----- pointers and positions -----

#[test]
fn pointer_escapes_tokens() {
    let parsed = load("a/b:\n  m~n: [x, .nan]\n");
    assert_eq!(parsed.issues[0].pointer, "/a~1b/m~0n/1");
}

#[test]
fn positions_crlf() {
    let text = "model:\r\n  name: tiny\r\n  layers: [1, 2]\r\n";
    let root = root(text);
    let model = root.get("model").unwrap();
    assert_eq!(slice(text, model.get("name").unwrap().span), "tiny");
    let layers = model.get("layers").unwrap();
    assert_eq!(slice(text, layers.span), "[1, 2]");
    assert_eq!(position(text, layers.span.start), (3, 11));
    assert_eq!(position(text, model.entry("layers").unwrap().key_span.start), (3, 3));
}

#[test]
fn positions_lone_cr_and_tabs() {
    let text = "a: 1\rb:\t[x,\ty]\r\nc: 'z'\n";
    let root = root(text);
    let b = root.get("b").unwrap();
    assert_eq!(slice(text, b.span), "[x,\ty]");
    assert_eq!(position(text, b.span.start), (2, 4));
    assert_eq!(slice(text, root.get("c").unwrap().span), "'z'");
}

#[test]
fn positions_non_ascii() {
    let text = "名前: \"Ésperanto 日本\"\nlicense: mit\nno: [é, x]\n";
    let parsed = load(text);
    let root = parsed.documents[0].root.as_ref().unwrap();
    let license = root.get("license").unwrap();
    assert_eq!(slice(text, license.span), "mit");
    assert_eq!(slice(text, root.get("名前").unwrap().span), "\"Ésperanto 日本\"");
    let issue = &parsed.issues[0];
    assert_eq!(slice(text, issue.span), "no");
    assert_eq!(position(text, issue.span.start), (3, 1));
}

#[test]
fn positions_front_matter_case() {
    // Case 31's metadata block is empty: as YAML it is a stream with no documents, whatever
    // the line endings around it.
    for file in ["README-lf.md", "README-crlf.md"] {
        let text = read_case(&format!("31-modelcard-empty-metadata-crlf/{file}"));
        let second = text[3..].find("---").unwrap() + 3;
        let block = text[3..second].trim_start_matches(['\r', '\n']);
        let parsed = load(block);
        assert!(parsed.documents.is_empty(), "{file}");
        assert!(parsed.issues.is_empty(), "{file}");
    }
}

// ----- real files -----

fn collect_yaml(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_yaml(&path, out);
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy();
        if name.ends_with(".yaml") || name.ends_with(".yml") || name == "MLmodel" || name == "MLproject" {
            out.push(path);
        }
    }
}

#[test]
fn corpus_parses_cleanly() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let mut files = Vec::new();
    collect_yaml(&corpus, &mut files);
    assert!(files.len() > 10, "found only {} files under {}", files.len(), corpus.display());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let parsed = load(text);
        for issue in &parsed.issues {
            assert!(
                !matches!(
                    issue.kind,
                    IssueKind::Syntax { .. } | IssueKind::TooDeep { .. } | IssueKind::TooManyAliases { .. }
                ),
                "{}: {issue:?}",
                path.display()
            );
        }
        assert!(!parsed.documents.is_empty() || text.trim().is_empty(), "{}", path.display());
    }
}
