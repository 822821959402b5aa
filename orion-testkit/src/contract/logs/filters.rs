//! Every filter alone and combined agrees with [`LogFilter::matches`] over
//! a data set that mixes levels, sources, tags, metadata and timestamp ties.

use orion_core::Repos;
use orion_core::model::ProjectId;
use orion_core::model::log::{Level, LevelFilter, LogEntry, LogFilter, parse_query};
use serde_json::{Value, json};

use super::super::{at, stored_project};
use super::{append, assert_search_agrees, entry};

/// How many entries the data set holds.
const ROWS: usize = 60;

/// Stores the data set in a fresh project. Two entries share each second,
/// so ties are everywhere; sources, tags and metadata cycle with periods
/// coprime-ish to the level's, so combinations vary.
async fn data_set(repos: &Repos) -> (ProjectId, Vec<LogEntry>) {
    let project = stored_project(repos).await.id;
    let words = ["timeout contacting db", "TIMEOUT", "all ok", "Timeout: retry later", "100% done"];
    let sources = [Some("api"), Some("api-2"), Some("worker"), None, None];
    let tags: [&[&str]; 7] =
        [&[], &["prod"], &["prod", "eu"], &["eu"], &["us", "prod"], &["staging", "eu"], &["prod-eu"]];
    let entries = (0..ROWS)
        .map(|i| {
            let mut e = entry(
                project,
                (i as i64 / 2) * 1_000,
                Level::ALL[i % 6],
                &format!("req {i} {}", words[i % 5]),
            );
            e.source = sources[i % 5].map(super::source);
            e.tags = tags[i % 7].iter().map(|t| (*t).to_owned()).collect();
            let meta = &mut e.metadata;
            if let Some(region) = [Some("eu-1"), Some("us-2"), None][i % 3] {
                meta.insert("region".into(), region.into());
            }
            if let Some(code) = [Some(json!(500)), Some(json!("500")), Some(json!(404)), None][i % 4].clone()
            {
                meta.insert("code".into(), code);
            }
            if let Some(ok) = [Some(true), Some(false), None][(i / 3) % 3] {
                meta.insert("ok".into(), Value::Bool(ok));
            }
            if i % 2 == 0 {
                meta.insert("http.status".into(), json!(200));
            }
            if i % 5 == 0 {
                meta.insert("latency".into(), json!(1.5));
            }
            if i % 6 == 1 {
                meta.insert("nested".into(), json!({"region": "eu-1"}));
            }
            if i % 8 == 0 {
                meta.insert("quote".into(), json!("it's \"q\""));
            }
            e
        })
        .collect();
    let stored = append(repos, entries).await;
    (project, stored)
}

fn levels(filter: LevelFilter) -> LogFilter {
    LogFilter { levels: filter, ..LogFilter::default() }
}

fn search(needle: &str) -> LogFilter {
    LogFilter { search: Some(needle.into()), ..LogFilter::default() }
}

fn source(name: &str) -> LogFilter {
    LogFilter { source: Some(name.into()), ..LogFilter::default() }
}

fn tags(tags: &[&str]) -> LogFilter {
    LogFilter { tags: tags.iter().map(|t| (*t).to_owned()).collect(), ..LogFilter::default() }
}

fn meta(key: &str, value: &str) -> LogFilter {
    LogFilter { metadata: vec![(key.into(), value.into())], ..LogFilter::default() }
}

fn range(from: Option<i64>, to: Option<i64>) -> LogFilter {
    LogFilter { from: from.map(at), to: to.map(at), ..LogFilter::default() }
}

/// Each filter on its own, including the edges: empty level list, bounds
/// exactly on stored timestamps, tags that are prefixes of stored tags,
/// metadata numbers vs. strings vs. booleans vs. nested objects.
pub async fn every_filter_alone_agrees_with_the_reference(repos: &Repos) {
    let (project, stored) = data_set(repos).await;
    let nonempty = [
        LogFilter::default(),
        levels(LevelFilter::OneOf(vec![Level::Warn, Level::Error])),
        levels(LevelFilter::OneOf(vec![Level::Trace])),
        levels(LevelFilter::AtLeast(Level::Warn)),
        levels(LevelFilter::AtLeast(Level::Trace)),
        levels(LevelFilter::AtLeast(Level::Fatal)),
        search("timeout"),
        search("TIMEOUT"),
        search("req 1"),
        source("api"),
        source("api-2"),
        source("worker"),
        tags(&["prod"]),
        tags(&["prod", "eu"]),
        tags(&["eu", "prod"]),
        tags(&["prod-eu"]),
        // `from` inclusive and `to` exclusive, both exactly on stored instants.
        range(Some(10_000), None),
        range(None, Some(10_000)),
        range(Some(10_000), Some(20_000)),
        meta("region", "eu-1"),
        meta("code", "500"),
        meta("code", "404"),
        meta("ok", "true"),
        meta("ok", "false"),
        meta("http.status", "200"),
        meta("latency", "1.5"),
        meta("quote", "it's \"q\""),
    ];
    for filter in &nonempty {
        let matched = assert_search_agrees(repos, project, &stored, filter).await;
        assert!(matched > 0, "the data set should give {filter:?} something to find");
    }
    let empty = [
        levels(LevelFilter::OneOf(Vec::new())),
        search("no such text"),
        source("nope"),
        source("API"),
        tags(&["pro"]),
        tags(&["prod", "staging"]),
        tags(&["missing"]),
        range(Some(10_000), Some(10_000)),
        range(Some(20_000), Some(10_000)),
        meta("region", "EU-1"),
        meta("code", "5"),
        meta("code", "\"500\""),
        meta("nested", "{\"region\":\"eu-1\"}"),
        meta("missing", "x"),
        meta("ok", "1"),
        meta("latency", "1.50"),
    ];
    for filter in &empty {
        let matched = assert_search_agrees(repos, project, &stored, filter).await;
        assert_eq!(matched, 0, "{filter:?} should find nothing in the data set");
    }
}

/// Filters narrow together: every one must hold.
pub async fn combined_filters_agree_with_the_reference(repos: &Repos) {
    let (project, stored) = data_set(repos).await;
    let combined = [
        LogFilter {
            levels: LevelFilter::AtLeast(Level::Warn),
            source: Some("api".into()),
            ..LogFilter::default()
        },
        LogFilter {
            levels: LevelFilter::OneOf(vec![Level::Info, Level::Fatal]),
            search: Some("timeout".into()),
            tags: vec!["prod".into()],
            ..LogFilter::default()
        },
        LogFilter {
            from: Some(at(5_000)),
            to: Some(at(25_000)),
            metadata: vec![("region".into(), "eu-1".into()), ("code".into(), "500".into())],
            ..LogFilter::default()
        },
        LogFilter {
            levels: LevelFilter::AtLeast(Level::Debug),
            search: Some("REQ".into()),
            source: Some("worker".into()),
            tags: vec!["eu".into()],
            from: Some(at(0)),
            to: Some(at(29_000)),
            metadata: vec![("http.status".into(), "200".into())],
            ..LogFilter::default()
        },
        LogFilter {
            search: Some("%".into()),
            metadata: vec![("ok".into(), "true".into()), ("latency".into(), "1.5".into())],
            ..LogFilter::default()
        },
    ];
    for filter in &combined {
        assert_search_agrees(repos, project, &stored, filter).await;
    }
}

/// Query-string terms (several needles, negations of every kind, metadata
/// comparisons), alone and with the other filters; each count is also
/// worked out by hand from the data set's cycles, so a wrong reference
/// fails too.
pub async fn query_string_terms_agree_with_the_reference(repos: &Repos) {
    let (project, stored) = data_set(repos).await;
    let cases: [(&str, LogFilter, usize); 14] = [
        // Words cycle with i % 5: 0 and 3 and 1 hold "timeout", 0 "contacting".
        ("timeout -contacting", LogFilter::default(), 24),
        ("timeout retry", LogFilter::default(), 12),
        ("-timeout", LogFilter::default(), 24),
        ("-\"100% done\" -timeout", LogFilter::default(), 12),
        // Levels cycle with i % 6, sources with i % 5 (0 is api).
        ("level>=error -source:api", LogFilter::default(), 16),
        ("-level:trace,debug,info,warn", LogFilter::default(), 20),
        // Tags cycle with i % 7: 1 and 4 carry prod without eu.
        ("tag:prod -tag:eu", LogFilter::default(), 17),
        // Codes cycle with i % 4: 500, "500", 404, none.
        ("meta.code>=404", LogFilter::default(), 30),
        ("meta.code>404", LogFilter::default(), 15),
        ("-meta.code=500", LogFilter::default(), 30),
        ("meta.code!=500", LogFilter::default(), 15),
        ("meta.region<f", LogFilter::default(), 20),
        ("-server:web-1 -source:nope", LogFilter::default(), 60),
        // With the other parameters: ANDed.
        ("-tag:prod", LogFilter { search: Some("timeout".into()), ..LogFilter::default() }, 20),
    ];
    for (q, base, want) in cases {
        let filter = LogFilter { terms: parse_query(q).expect(q), ..base };
        let got = assert_search_agrees(repos, project, &stored, &filter).await;
        assert_eq!(got, want, "matches of {q:?}");
    }
}
