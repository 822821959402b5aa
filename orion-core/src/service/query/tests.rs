//! The rules on query parameters, one test per rule (moved here from
//! orion-http's `query.rs` with the code, plus the parameters that were
//! read in its route files).

use chrono::{TimeZone, Utc};

use super::*;
use crate::model::log::{Term, TermKind};

fn input(pairs: &[(&str, &str)]) -> QueryInput {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// The parameters named by a validation error, in order.
fn fields(err: ServiceError) -> Vec<String> {
    match err {
        ServiceError::Validation(details) => details.into_iter().map(|d| d.field).collect(),
        other => panic!("not a validation error: {other:?}"),
    }
}

/// The one message of a validation error about one parameter.
fn message(err: ServiceError) -> String {
    match err {
        ServiceError::Validation(mut details) if details.len() == 1 => details.remove(0).message,
        other => panic!("not one field error: {other:?}"),
    }
}

#[test]
fn no_parameters_is_an_empty_filter_and_the_default_page() {
    let query = page(&QueryInput::default()).unwrap();
    assert_eq!(query, LogQuery { filter: LogFilter::default(), limit: 100, offset: 0 });
}

#[test]
fn every_filter_is_parsed() {
    let query = page(&input(&[
        ("level", "WARNING, err"),
        ("level", "fatal"),
        ("search", "disk 100%"),
        ("source", "api"),
        ("tags", "a,b"),
        ("tags", "c"),
        ("from", "2026-01-01T00:00:00Z"),
        ("to", "2026-01-02T01:00:00+01:00"),
        ("limit", "20"),
        ("offset", "40"),
        ("meta.region", "eu-1"),
        ("unrelated", "x"),
    ]))
    .unwrap();
    let f = &query.filter;
    assert_eq!(f.levels, LevelFilter::OneOf(vec![Level::Warn, Level::Error, Level::Fatal]));
    assert_eq!(f.search.as_deref(), Some("disk 100%"));
    assert_eq!(f.source.as_deref(), Some("api"));
    assert_eq!(f.tags, ["a", "b", "c"]);
    assert_eq!(f.from, Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
    assert_eq!(f.to, Some(Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap()));
    assert_eq!(f.metadata, [("region".to_owned(), "eu-1".to_owned())]);
    assert_eq!((query.limit, query.offset), (20, 40));
}

#[test]
fn q_is_parsed_into_terms_and_a_bad_one_names_its_position() {
    let f = filter(&input(&[("q", "timeout -tag:health"), ("search", "db")])).unwrap();
    assert_eq!(
        f.terms,
        [Term::is(TermKind::Text("timeout".into())), Term::not(TermKind::Tag("health".into()))]
    );
    assert_eq!(f.search.as_deref(), Some("db"), "q is ANDed with the other parameters");
    let err = filter(&input(&[("q", "ok level:loud")])).unwrap_err();
    let message = message(err);
    assert!(message.contains("at character 10"), "{message}");
    let f = filter(&input(&[("q", "-\"GET /healthz\"")])).unwrap();
    assert_eq!(f.terms, [Term::not(TermKind::Text("GET /healthz".into()))]);
}

#[test]
fn min_level_keeps_that_level_and_above() {
    let f = filter(&input(&[("minLevel", "Warn")])).unwrap();
    assert_eq!(f.levels, LevelFilter::AtLeast(Level::Warn));
}

#[test]
fn bad_values_are_all_reported_by_parameter_name() {
    let err = page(&input(&[
        ("level", "info,loud"),
        ("from", "yesterday"),
        ("to", "2026-13-01T00:00:00Z"),
        ("limit", "-1"),
        ("offset", "x"),
        ("meta.", "v"),
    ]))
    .unwrap_err();
    assert_eq!(fields(err), ["level", "from", "to", "meta.", "limit", "offset"]);
}

#[test]
fn each_bad_parameter_gives_its_own_field_error_with_the_wire_message() {
    let cases: &[(&str, &str, &str)] = &[
        ("level", "loud", "unknown level `loud`; use trace, debug, info, warn, error or fatal"),
        ("minLevel", "loud", "unknown level `loud`; use trace, debug, info, warn, error or fatal"),
        ("from", "soon", "`soon` is not an RFC 3339 date-time like 2026-01-31T12:00:00Z"),
        ("to", "2026-01-01", "`2026-01-01` is not an RFC 3339 date-time like 2026-01-31T12:00:00Z"),
        ("limit", "0", "must be a whole number from 1 to 1000"),
        ("offset", "-3", "must be a whole number, 0 or more"),
        ("meta.", "v", "name a metadata key: `meta.<key>=<value>`"),
    ];
    for (key, value, expected) in cases {
        let err = page(&input(&[(key, value)])).unwrap_err();
        match err {
            ServiceError::Validation(details) => {
                assert_eq!(details.len(), 1, "{key}={value}");
                assert_eq!(details[0].field, *key);
                assert_eq!(details[0].message, *expected);
                assert_eq!(details[0].index, None);
            }
            other => panic!("{key}={value}: {other:?}"),
        }
    }
    let q = message(filter(&input(&[("q", "\"open")])).unwrap_err());
    assert!(q.ends_with("(at character 1)"), "{q}");
}

#[test]
fn every_bad_level_of_a_list_is_named_once_each() {
    let err =
        filter(&input(&[("level", "loud,info"), ("level", "quiet"), ("minLevel", "deafening")])).unwrap_err();
    assert_eq!(fields(err), ["level", "level", "minLevel"]);
}

#[test]
fn limits_outside_one_to_a_thousand_are_refused() {
    for bad in ["0", "1001", "ten", "1.5", ""] {
        assert_eq!(fields(page(&input(&[("limit", bad)])).unwrap_err()), ["limit"], "{bad:?}");
    }
    assert_eq!(page(&input(&[("limit", "1000")])).unwrap().limit, 1000);
    assert_eq!(page(&input(&[("limit", " 7 ")])).unwrap().limit, 7, "blanks around a number are fine");
}

#[test]
fn level_and_min_level_together_both_narrow() {
    let f = filter(&input(&[("level", "info,error,fatal"), ("minLevel", "warn")])).unwrap();
    assert_eq!(f.levels, LevelFilter::OneOf(vec![Level::Error, Level::Fatal]));
    let f = filter(&input(&[("level", "debug"), ("minLevel", "error")])).unwrap();
    assert_eq!(f.levels, LevelFilter::OneOf(vec![]), "nothing is both");
    assert_eq!(fields(filter(&input(&[("minLevel", "loud")])).unwrap_err()), ["minLevel"]);
}

#[test]
fn repeated_levels_and_tags_add_up_and_repeats_count_once() {
    let f = filter(&input(&[("level", "warn"), ("level", "error,WARN"), ("tags", "a"), ("tags", "b,a")]))
        .unwrap();
    assert_eq!(f.levels, LevelFilter::OneOf(vec![Level::Warn, Level::Error]));
    assert_eq!(f.tags, ["a", "b"]);
}

#[test]
fn for_every_other_parameter_the_last_occurrence_wins() {
    let query = page(&input(&[
        ("search", "first"),
        ("search", "second"),
        ("source", "a"),
        ("source", "b"),
        ("minLevel", "loud"),
        ("minLevel", "error"),
        ("from", "never"),
        ("from", "2026-01-01T00:00:00Z"),
        ("limit", "x"),
        ("limit", "5"),
        ("offset", "1"),
        ("offset", "2"),
        ("q", "\"unclosed"),
        ("q", "ok"),
    ]))
    .unwrap();
    let f = &query.filter;
    assert_eq!((f.search.as_deref(), f.source.as_deref()), (Some("second"), Some("b")));
    assert_eq!(f.levels, LevelFilter::AtLeast(Level::Error), "an earlier bad value is not read");
    assert_eq!(f.from, Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
    assert_eq!(f.terms, [Term::is(TermKind::Text("ok".into()))]);
    assert_eq!((query.limit, query.offset), (5, 2));
    // An empty last value is "no filter", not the earlier one.
    let f = filter(&input(&[("search", "disk"), ("search", "")])).unwrap();
    assert_eq!(f.search, None);
}

#[test]
fn unknown_parameters_are_ignored() {
    let ignored = input(&[("_", "1712"), ("cacheBuster", "x"), ("LEVEL", "loud"), ("metadata", "y")]);
    assert_eq!(page(&ignored).unwrap(), page(&QueryInput::default()).unwrap());
    assert_eq!(window(&ignored).unwrap(), Window::latest(100).unwrap());
}

#[test]
fn empty_values_mean_no_filter() {
    let f = filter(&input(&[("level", ""), ("minLevel", ""), ("search", ""), ("tags", ","), ("source", "")]))
        .unwrap();
    assert_eq!(f, LogFilter::default());
    let f = filter(&input(&[("level", " , "), ("minLevel", "  ")])).unwrap();
    assert_eq!(f.levels, LevelFilter::Any);
}

#[test]
fn an_empty_or_padded_date_is_refused() {
    for bad in ["", " 2026-01-01T00:00:00Z", "2026-01-01"] {
        assert_eq!(fields(filter(&input(&[("from", bad), ("to", bad)])).unwrap_err()), ["from", "to"]);
    }
}

#[test]
fn a_malformed_date_is_an_error_never_no_bound_on_every_read() {
    let bad = input(&[("from", "yesterday")]);
    assert_eq!(fields(filter(&bad).unwrap_err()), ["from"]);
    assert_eq!(fields(page(&bad).unwrap_err()), ["from"]);
    assert_eq!(fields(window(&bad).unwrap_err()), ["from"]);
    assert_eq!(fields(incidents(&bad).unwrap_err()), ["from"]);
    assert_eq!(fields(metrics_range(&bad).unwrap_err()), ["from"]);
    assert_eq!(fields(histogram(&bad).unwrap_err()), ["from"]);
    assert_eq!(fields(export(&bad).unwrap_err()), ["from"]);
    assert_eq!(fields(context(&bad).unwrap_err()), ["from"]);
    assert_eq!(fields(facets(&bad).unwrap_err()), ["from"]);
}

#[test]
fn a_window_reads_from_to_and_limit_and_names_every_bad_one() {
    assert_eq!(window(&QueryInput::default()).unwrap(), Window::latest(100).unwrap());
    let w = window(&input(&[("from", "2026-01-01T00:00:00Z"), ("limit", "1000")])).unwrap();
    assert_eq!(
        (w.from(), w.to(), w.limit()),
        (Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()), None, 1000)
    );
    let err = window(&input(&[("from", "soon"), ("to", "later"), ("limit", "1001")])).unwrap_err();
    assert_eq!(fields(err), ["from", "to", "limit"]);
    assert_eq!(fields(limit(&input(&[("limit", "0")]), MAX_LIST).unwrap_err()), ["limit"]);
    assert_eq!(limit(&QueryInput::default(), MAX_LIST).unwrap(), 100);
}

#[test]
fn incidents_read_a_window_and_a_status_and_name_both() {
    let (w, status) = incidents(&input(&[("status", "resolved"), ("limit", "3")])).unwrap();
    assert_eq!((w.limit(), status), (3, Some(IncidentStatus::Resolved)));
    assert_eq!(incidents(&QueryInput::default()).unwrap(), (Window::latest(100).unwrap(), None));
    let err = incidents(&input(&[("limit", "0"), ("status", "")])).unwrap_err();
    assert_eq!(fields(err), ["limit", "status"]);
    let err = incidents(&input(&[("status", "closed")])).unwrap_err();
    assert_eq!(message(err), "must be `open` or `resolved`");
}

#[test]
fn metrics_ranges_read_two_dates_and_a_step() {
    let range = metrics_range(&input(&[("to", "2026-01-01T00:00:00Z"), ("step", "15m")])).unwrap();
    assert_eq!(range.from, None);
    assert_eq!(range.to, Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
    assert_eq!(range.step, Some(Duration::minutes(15)));
    assert_eq!(metrics_range(&QueryInput::default()).unwrap(), MetricsRange::default());
    let err = metrics_range(&input(&[("from", "x"), ("to", "y"), ("step", "1w")])).unwrap_err();
    assert_eq!(fields(err), ["from", "to", "step"]);
    assert_eq!(
        message(metrics_range(&input(&[("step", "0m")])).unwrap_err()),
        "must be a whole number from 1 to 999999 and a unit, s, m, h or d (like 1m)"
    );
}

#[test]
fn intervals_parse_and_default_to_an_hour() {
    assert_eq!(histogram(&QueryInput::default()).unwrap().1, Interval::Hour);
    assert_eq!(histogram(&input(&[("interval", "5m")])).unwrap().1, Interval::FiveMinutes);
    assert_eq!(fields(histogram(&input(&[("interval", "2h")])).unwrap_err()), ["interval"]);
    let err = histogram(&input(&[("interval", "2h"), ("level", "loud")])).unwrap_err();
    assert_eq!(fields(err), ["level", "interval"], "the filters first, then the interval");
}

#[test]
fn export_formats_are_named_first_and_default_to_ndjson() {
    assert_eq!(export(&QueryInput::default()).unwrap().0, ExportFormat::Ndjson);
    assert_eq!(export(&input(&[("format", "csv")])).unwrap().0, ExportFormat::Csv);
    assert_eq!(export(&input(&[("format", "json")])).unwrap().0, ExportFormat::Json);
    let err = export(&input(&[("from", "never"), ("format", "pdf")])).unwrap_err();
    assert_eq!(fields(err), ["format", "from"]);
    assert_eq!(message(export(&input(&[("format", "")])).unwrap_err()), "must be ndjson, json or csv");
    // `limit` and `offset` mean nothing to an export.
    assert!(export(&input(&[("limit", "0"), ("offset", "x")])).is_ok());
}

#[test]
fn a_context_reads_before_and_after_and_names_the_first_bad_one() {
    let (_, before, after) = context(&QueryInput::default()).unwrap();
    assert_eq!((before, after), (DEFAULT_CONTEXT, DEFAULT_CONTEXT));
    let (_, before, after) = context(&input(&[("before", "0"), ("after", "200")])).unwrap();
    assert_eq!((before, after), (0, 200));
    assert_eq!(
        message(context(&input(&[("after", "201")])).unwrap_err()),
        "must be a whole number from 0 to 200"
    );
    let err = context(&input(&[("level", "loud"), ("before", "-1"), ("after", "x")])).unwrap_err();
    assert_eq!(fields(err), ["level", "before"]);
}

#[test]
fn facets_read_fields_and_a_limit() {
    let (_, fields_read, limit) = facets(&QueryInput::default()).unwrap();
    assert_eq!(fields_read, [FacetField::Level, FacetField::Source, FacetField::Tags, FacetField::ServerId]);
    assert_eq!(limit, DEFAULT_FACET_VALUES);
    let (_, fields_read, limit) =
        facets(&input(&[("fields", " meta.region ,, level,level"), ("limit", "100")])).unwrap();
    assert_eq!(fields_read, [FacetField::Meta("region".into()), FacetField::Level]);
    assert_eq!(limit, 100);

    let err = facets(&input(&[("fields", "colour,level,shape"), ("limit", "0"), ("to", "x")])).unwrap_err();
    assert_eq!(fields(err), ["to", "fields", "fields", "limit"]);
    let err = facets(&input(&[("fields", "colour")])).unwrap_err();
    assert_eq!(message(err), "unknown field `colour`; use level, source, tags, serverId or meta.<key>");
    assert_eq!(message(facets(&input(&[("fields", " , ")])).unwrap_err()), "must list 1 to 10 fields");
    let eleven = ["level"; 11].join(",");
    assert_eq!(message(facets(&input(&[("fields", &eleven)])).unwrap_err()), "must list 1 to 10 fields");
    assert_eq!(
        message(facets(&input(&[("limit", "101")])).unwrap_err()),
        "must be a whole number from 1 to 100"
    );
}

#[test]
fn archived_defaults_to_the_active_projects() {
    assert_eq!(archived(&QueryInput::default()).unwrap(), ArchivedFilter::Active);
    assert_eq!(archived(&input(&[("archived", "all")])).unwrap(), ArchivedFilter::All);
    assert_eq!(archived(&input(&[("archived", "true")])).unwrap(), ArchivedFilter::Archived);
    let err = archived(&input(&[("archived", "maybe")])).unwrap_err();
    assert_eq!(message(err), "must be `true`, `false` or `all`");
}

#[test]
fn the_input_keeps_every_pair_in_order() {
    let raw = input(&[("a", "1"), ("b", "2"), ("a", "3")]);
    assert_eq!(raw.get("a"), Some("3"));
    assert_eq!(raw.all("a").collect::<Vec<_>>(), ["1", "3"]);
    assert_eq!(raw.get("c"), None);
    assert_eq!(raw.pairs().len(), 3);
    assert_eq!(QueryInput::from(raw.pairs().to_vec()), raw);
}
