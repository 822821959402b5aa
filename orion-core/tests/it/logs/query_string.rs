//! The `q=` query string: every kind of term, negation, quoting, bounds,
//! and errors that say what is wrong and where (byte offsets, like the
//! alert condition language).

use orion_core::model::log::{
    Level, LogFilter, MAX_QUERY_BYTES, MAX_TERMS, MetaCondition, MetaOp, NewLogEntry, QueryError, Term,
    TermKind, parse_query,
};
use orion_core::model::{ProjectId, SourceName};
use serde_json::json;

fn meta(key: &str, op: MetaOp, value: &str) -> TermKind {
    TermKind::Meta(MetaCondition { key: key.into(), op, value: value.into() })
}

#[test]
fn every_kind_of_term_parses() {
    use TermKind::*;
    let got = parse_query(
        r#"timeout "connection refused" level:error,FATAL level>=warn source:api tag:checkout tag:eu server:web-1 meta.user.id=42 meta.status>=500 meta.region!=eu-1 meta.ms<1.5 meta.a>b meta.b<=c"#,
    )
    .unwrap();
    assert_eq!(
        got,
        [
            Term::is(Text("timeout".into())),
            Term::is(Text("connection refused".into())),
            Term::is(Levels(vec![Level::Error, Level::Fatal])),
            Term::is(Levels(vec![Level::Warn, Level::Error, Level::Fatal])),
            Term::is(Source("api".into())),
            Term::is(Tag("checkout".into())),
            Term::is(Tag("eu".into())),
            Term::is(Server("web-1".into())),
            Term::is(meta("user.id", MetaOp::Eq, "42")),
            Term::is(meta("status", MetaOp::Ge, "500")),
            Term::is(meta("region", MetaOp::Ne, "eu-1")),
            Term::is(meta("ms", MetaOp::Lt, "1.5")),
            Term::is(meta("a", MetaOp::Gt, "b")),
            Term::is(meta("b", MetaOp::Le, "c")),
        ]
    );
}

#[test]
fn a_minus_negates_any_term() {
    use TermKind::*;
    assert_eq!(
        parse_query(r#"-tag:health -"GET /healthz" -level:debug -source:lb -server:x -meta.k=v -noise"#)
            .unwrap(),
        [
            Term::not(Tag("health".into())),
            Term::not(Text("GET /healthz".into())),
            Term::not(Levels(vec![Level::Debug])),
            Term::not(Source("lb".into())),
            Term::not(Server("x".into())),
            Term::not(meta("k", MetaOp::Eq, "v")),
            Term::not(Text("noise".into())),
        ]
    );
}

#[test]
fn quoting_field_names_and_unknown_prefixes() {
    use TermKind::*;
    assert_eq!(
        parse_query(r#"SOURCE:"my app" Level<info meta.path="/a b" meta.empty="" http://x "-1" a"b"#)
            .unwrap(),
        [
            Term::is(Source("my app".into())),
            Term::is(Levels(vec![Level::Trace, Level::Debug])),
            Term::is(meta("path", MetaOp::Eq, "/a b")),
            Term::is(meta("empty", MetaOp::Eq, "")),
            Term::is(Text("http://x".into())),
            Term::is(Text("-1".into())),
            Term::is(Text("a\"b".into())),
        ]
    );
    // `levels:x` is not the level field: it is text.
    assert_eq!(parse_query("levels:x").unwrap(), [Term::is(Text("levels:x".into()))]);
}

#[test]
fn errors_name_the_problem_and_its_position() {
    let table: &[(&str, usize, &str)] = &[
        ("ok level:loud", 9, "unknown level `loud`; use trace, debug, info, warn, error or fatal"),
        ("level:error,,fatal", 12, "expected a level between the commas"),
        ("level:error,nope", 12, "unknown level `nope`; use trace, debug, info, warn, error or fatal"),
        ("level:", 5, "expected a level after `level:`"),
        ("level>=", 5, "expected a level after `level>=`"),
        ("level>=warn,error", 7, "`level>=` takes one level; use `level:a,b` for a list"),
        ("a \"never closed", 2, "this quote is never closed"),
        ("\"\"", 0, "an empty phrase `\"\"` matches every message; remove it"),
        ("x -", 2, "`-` must be followed by a term to exclude"),
        ("- x", 0, "`-` must be followed by a term to exclude"),
        ("--x", 1, "a term is negated once; quote text that starts with `-`"),
        ("source:", 7, "expected a value after `source:`"),
        ("tag: x", 4, "expected a value after `tag:`"),
        ("server:\"\"", 7, "expected a value after `server:`"),
        ("meta.=1", 5, "expected a metadata key after `meta.`"),
        (
            "meta.status",
            11,
            "expected an operator (=, !=, >, >=, <, <=) after `meta.status` but found the end",
        ),
        ("meta.status 5", 11, "expected an operator (=, !=, >, >=, <, <=) after `meta.status` but found ` `"),
        ("meta.status>=", 13, "expected a value after `meta.status>=`"),
        ("\"a\"b", 3, "expected a space before `b`"),
        ("source:\"a\"b", 10, "expected a space before `b`"),
    ];
    for &(text, position, message) in table {
        assert_eq!(parse_query(text), Err(QueryError { position, message: message.into() }), "{text:?}");
    }
}

#[test]
fn an_error_prints_its_message_and_one_based_character() {
    let err = parse_query("ok level:loud").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown level `loud`; use trace, debug, info, warn, error or fatal (at character 10)"
    );
}

#[test]
fn queries_are_bounded_in_bytes_and_terms() {
    let long = "a".repeat(MAX_QUERY_BYTES + 1);
    let err = parse_query(&long).unwrap_err();
    assert_eq!(err.position, MAX_QUERY_BYTES);
    assert!(err.message.contains("longer than"), "{}", err.message);
    // A multi-byte character across the limit: the position is still a boundary.
    let wide = format!("{}é", "a".repeat(MAX_QUERY_BYTES - 1));
    assert_eq!(parse_query(&wide).unwrap_err().position, MAX_QUERY_BYTES - 1);

    let most = vec!["x"; MAX_TERMS].join(" ");
    assert_eq!(parse_query(&most).unwrap().len(), MAX_TERMS);
    let err = parse_query(&format!("{most} y")).unwrap_err();
    assert_eq!(err.position, most.len() + 1);
    assert_eq!(err.message, format!("a query holds at most {MAX_TERMS} terms"));
}

#[test]
fn long_values_are_cut_in_messages() {
    let err = parse_query(&format!("level:{}", "z".repeat(100))).unwrap_err();
    assert!(err.message.len() < 120, "{}", err.message);
    assert!(err.message.contains('…'));
}

fn entry(message: &str) -> NewLogEntry {
    let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    NewLogEntry {
        project_id: ProjectId(1),
        timestamp: at,
        received_at: at,
        level: Level::Warn,
        message: message.into(),
        metadata: json!({"status": 503, "region": "eu-1", "user.id": 42, "nested": {"id": 1}})
            .as_object()
            .unwrap()
            .clone(),
        tags: vec!["checkout".into()],
        source: Some(SourceName::parse("api").unwrap()),
        server_id: None,
    }
}

fn matches(q: &str, e: &NewLogEntry) -> bool {
    LogFilter { terms: parse_query(q).unwrap(), ..LogFilter::default() }.matches(e)
}

#[test]
fn a_filter_with_terms_means_what_the_query_says() {
    let e = entry("Connection REFUSED by db: timeout");
    for holds in [
        "timeout",
        "\"connection refused\" TIMEOUT",
        "level>=warn level:warn",
        "-level:error",
        "source:api -source:web",
        "tag:checkout -tag:health",
        "-server:web-1",
        "meta.status>=500 meta.status<600 meta.status=503 meta.status!=500",
        "meta.user.id=42 meta.region<f -meta.missing=1 -meta.nested.id=1",
        "",
    ] {
        assert!(matches(holds, &e), "{holds:?} should hold");
    }
    for fails in [
        "timeout nothing",
        "-timeout",
        "-\"refused by\"",
        "level>warn",
        "source:web",
        "-tag:checkout",
        "server:web-1",
        "meta.status>503",
        "meta.missing!=1",
        "meta.nested.id=1",
        "meta.region>=f",
    ] {
        assert!(!matches(fails, &e), "{fails:?} should not hold");
    }
}
