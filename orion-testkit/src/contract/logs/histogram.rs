//! Histogram: counts per epoch-aligned bucket and level, under filters.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use orion_core::Repos;
use orion_core::model::log::{HistogramCount, Interval, Level, LevelFilter, LogEntry, LogFilter};

use super::super::{at, stored_project};
use super::{append, entry, entry_at, source};

/// The reference histogram of `stored` under `filter`.
fn expected(stored: &[LogEntry], filter: &LogFilter, interval: Interval) -> Vec<HistogramCount> {
    let width = interval.seconds();
    let mut counts: BTreeMap<(i64, Level), u64> = BTreeMap::new();
    for row in stored.iter().filter(|e| filter.matches(&e.entry)) {
        let start = row.entry.timestamp.timestamp().div_euclid(width) * width;
        *counts.entry((start, row.entry.level)).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((start, level), count)| HistogramCount {
            bucket: Utc.timestamp_opt(start, 0).single().expect("in range"),
            level,
            count,
        })
        .collect()
}

/// Entries spread over two days at irregular steps, three levels and two
/// sources; every interval, alone and under filters.
pub async fn counts_agree_with_the_reference_for_every_interval_and_filter(repos: &Repos) {
    let project = stored_project(repos).await.id;
    let entries = (0..120_i64)
        .map(|i| {
            // Quadratic steps: dense at first (many per minute), sparse later (hours apart).
            let mut e = entry(
                project,
                i * i * 11_987,
                [Level::Info, Level::Warn, Level::Error][(i % 3) as usize],
                &format!("h {i}"),
            );
            e.source = Some(source(if i % 4 == 0 { "cron" } else { "web" }));
            e
        })
        .collect();
    let stored = append(repos, entries).await;
    let filters = [
        LogFilter::default(),
        LogFilter { levels: LevelFilter::AtLeast(Level::Warn), ..LogFilter::default() },
        LogFilter { source: Some("cron".into()), search: Some("H 1".into()), ..LogFilter::default() },
        LogFilter { from: Some(at(3_600_000)), to: Some(at(30 * 3_600_000)), ..LogFilter::default() },
        LogFilter { search: Some("nothing".into()), ..LogFilter::default() },
    ];
    for filter in &filters {
        for interval in [Interval::Minute, Interval::FiveMinutes, Interval::Hour, Interval::Day] {
            let got = repos.logs.histogram(project, filter, interval).await.expect("histogram");
            assert_eq!(
                got,
                expected(&stored, filter, interval),
                "histogram by {interval:?} under {filter:?}"
            );
        }
    }
}

/// A bucket is `[k·width, (k+1)·width)` since the epoch, in UTC: the last
/// millisecond of a minute stays in it, the next one starts a new bucket.
pub async fn buckets_start_at_multiples_of_the_interval(repos: &Repos) {
    let project = stored_project(repos).await.id;
    let minute = |h, m| Utc.with_ymd_and_hms(2024, 3, 2, h, m, 0).single().expect("valid");
    let ms = Duration::milliseconds;
    let at_times: [(DateTime<Utc>, Level); 5] = [
        (minute(23, 4) + ms(59_999), Level::Debug),
        (minute(23, 4), Level::Debug),
        (minute(23, 5), Level::Debug),
        (minute(23, 59) + ms(59_999), Level::Fatal),
        (minute(23, 59) + ms(60_000), Level::Trace),
    ];
    let entries = at_times.iter().map(|(t, level)| entry_at(project, *t, *level, "edge")).collect();
    append(repos, entries).await;
    let count = |bucket, level, count| HistogramCount { bucket, level, count };
    let next_day = Utc.with_ymd_and_hms(2024, 3, 3, 0, 0, 0).single().expect("valid");
    let filter = LogFilter::default();

    let by_minute = repos.logs.histogram(project, &filter, Interval::Minute).await.expect("histogram");
    let want = [
        count(minute(23, 4), Level::Debug, 2),
        count(minute(23, 5), Level::Debug, 1),
        count(minute(23, 59), Level::Fatal, 1),
        count(next_day, Level::Trace, 1),
    ];
    assert_eq!(by_minute, want);

    let by_five = repos.logs.histogram(project, &filter, Interval::FiveMinutes).await.expect("histogram");
    let want = [
        count(minute(23, 0), Level::Debug, 2),
        count(minute(23, 5), Level::Debug, 1),
        count(minute(23, 55), Level::Fatal, 1),
        count(next_day, Level::Trace, 1),
    ];
    assert_eq!(by_five, want);

    let by_day = repos.logs.histogram(project, &filter, Interval::Day).await.expect("histogram");
    let day = Utc.with_ymd_and_hms(2024, 3, 2, 0, 0, 0).single().expect("valid");
    let want = [count(day, Level::Debug, 3), count(day, Level::Fatal, 1), count(next_day, Level::Trace, 1)];
    assert_eq!(by_day, want, "levels sort lowest first within a bucket");
}
