//! Every server's metrics series in one call (the servers screen's
//! sparklines): CPU, RAM and disk percent and network rates, averaged per
//! step by the store. Bounded: the range is at most [`MAX_METRICS_RANGE`],
//! a series at most [`MAX_SERIES_POINTS`] steps and the answer at most
//! [`MAX_TOTAL_POINTS`] steps over all servers; past those the step widens
//! (the answer says which step it used) rather than the request failing.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use tracing::instrument;

use super::AgentService;
use crate::error::ServiceResult;
use crate::model::{HeartbeatBucket, Project, ServerId};
use crate::service::principal::Principal;
use crate::service::query::{self, QueryInput};

/// Longest range a metrics call covers (an earlier `from` is moved up).
pub const MAX_METRICS_RANGE: Duration = Duration::days(30);
/// Range when `from` is absent: the last hour before `to`.
pub const DEFAULT_METRICS_RANGE: Duration = Duration::hours(1);
/// Step when none is asked for.
pub const DEFAULT_METRICS_STEP: Duration = Duration::minutes(1);
/// Most steps in one server's series.
pub const MAX_SERIES_POINTS: i64 = 1_440;
/// Most steps over every server of the answer.
pub const MAX_TOTAL_POINTS: i64 = 100_000;
/// Largest number in a step (`999999d`).
const MAX_STEP_NUMBER: i64 = 999_999;

/// What a metrics call asks for; absent parts take their defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MetricsRange {
    /// Inclusive; default `to` minus [`DEFAULT_METRICS_RANGE`].
    pub from: Option<DateTime<Utc>>,
    /// Exclusive; default now.
    pub to: Option<DateTime<Utc>>,
    /// Default [`DEFAULT_METRICS_STEP`].
    pub step: Option<Duration>,
}

/// Every server's series.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerMetrics {
    /// The range covered (after the bounds).
    pub from: DateTime<Utc>,
    /// Its end (exclusive).
    pub to: DateTime<Utc>,
    /// The step used: the one asked for, or wider to stay within the
    /// bounds (whole seconds then).
    pub step: Duration,
    /// Every server of the project, by id, with its steps oldest first
    /// (empty when it sent no heartbeat in the range).
    pub servers: BTreeMap<ServerId, Vec<HeartbeatBucket>>,
}

/// Parses a step: a whole number from 1 to 999999 and a unit, `s`, `m`,
/// `h` or `d` (`30s`, `1m`, `15m`, `1h`, `1d`).
pub fn parse_step(raw: &str) -> Option<Duration> {
    let unit = raw.chars().last()?;
    let digits = &raw[..raw.len() - unit.len_utf8()];
    if digits.is_empty()
        || digits.len() > 6
        || digits.starts_with('0')
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let n: i64 = digits.parse().ok().filter(|n| (1..=MAX_STEP_NUMBER).contains(n))?;
    match unit {
        's' => Some(Duration::seconds(n)),
        'm' => Some(Duration::minutes(n)),
        'h' => Some(Duration::hours(n)),
        'd' => Some(Duration::days(n)),
        _ => None,
    }
}

/// A step as [`parse_step`] reads it, in the largest unit that divides it
/// (`90s` → `"90s"`, `3600s` → `"1h"`). Sub-second steps never occur.
pub fn format_step(step: Duration) -> String {
    let seconds = step.num_seconds();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if seconds >= size && seconds % size == 0 {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

/// The step to use over `range` for `servers` servers: `asked`, widened
/// to whole seconds so that every series has at most
/// [`MAX_SERIES_POINTS`] steps and all of them [`MAX_TOTAL_POINTS`].
fn effective_step(asked: Duration, range: Duration, servers: usize) -> Duration {
    let servers = i64::try_from(servers.max(1)).unwrap_or(i64::MAX);
    let per_series = MAX_SERIES_POINTS.min(MAX_TOTAL_POINTS / servers).max(2);
    // A range of `r` cut in steps of `s` aligned on the epoch touches at
    // most `ceil(r / s) + 1` of them.
    let needed_ms = ceil_div(range.num_milliseconds().max(0), per_series - 1);
    if asked.num_milliseconds() >= needed_ms {
        asked
    } else {
        Duration::seconds(ceil_div(needed_ms, 1_000).max(1))
    }
}

/// `a / b` rounded up, for `a >= 0` and `b > 0`.
fn ceil_div(a: i64, b: i64) -> i64 {
    a / b + i64::from(a % b != 0)
}

impl AgentService {
    /// Every server of the project with its metrics averaged per step over
    /// `[from, to)`; the owner's session only. The range and the number of
    /// points are bounded (see the module): a longer range starts
    /// [`MAX_METRICS_RANGE`] before `to`, a step too fine for the range
    /// and the number of servers is widened, and `from` at or after `to`
    /// gives empty series. Never refused for its range.
    #[instrument(skip_all)]
    pub async fn metrics(
        &self,
        principal: &Principal,
        project: &str,
        range: MetricsRange,
    ) -> ServiceResult<ServerMetrics> {
        let project = self.projects.owned(principal, project).await?;
        self.metrics_over(&project, range).await
    }

    /// [`Self::metrics`] for a request's query parameters (`from`, `to`,
    /// `step`: see [`crate::service::query`]), read once the project is
    /// found.
    #[instrument(skip_all)]
    pub async fn metrics_request(
        &self,
        principal: &Principal,
        project: &str,
        input: &QueryInput,
    ) -> ServiceResult<ServerMetrics> {
        let project = self.projects.owned(principal, project).await?;
        self.metrics_over(&project, query::metrics_range(input)?).await
    }

    async fn metrics_over(&self, project: &Project, range: MetricsRange) -> ServiceResult<ServerMetrics> {
        let to = range.to.unwrap_or_else(|| self.deps.clock.now().trunc_subsecs(3));
        let from = range.from.unwrap_or(to - DEFAULT_METRICS_RANGE).max(to - MAX_METRICS_RANGE);
        let mut servers: BTreeMap<ServerId, Vec<HeartbeatBucket>> = self
            .deps
            .repos
            .servers
            .list(project.id)
            .await?
            .into_iter()
            .map(|s| (s.server_id, Vec::new()))
            .collect();
        let step = effective_step(
            range.step.unwrap_or(DEFAULT_METRICS_STEP),
            (to - from).max(Duration::zero()),
            servers.len(),
        );
        if from < to {
            for bucket in self.deps.repos.heartbeats.buckets(project.id, from, to, step).await? {
                // Heartbeats of a server are stored only while it exists.
                if let Some(series) = servers.get_mut(&bucket.server_id) {
                    series.push(bucket);
                }
            }
        }
        for series in servers.values_mut() {
            series.sort_by_key(|b| b.start);
        }
        Ok(ServerMetrics { from, to, step, servers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_a_positive_number_and_a_unit() {
        assert_eq!(parse_step("1m"), Some(Duration::minutes(1)));
        assert_eq!(parse_step("30s"), Some(Duration::seconds(30)));
        assert_eq!(parse_step("15m"), Some(Duration::minutes(15)));
        assert_eq!(parse_step("2h"), Some(Duration::hours(2)));
        assert_eq!(parse_step("999999d"), Some(Duration::days(999_999)));
        for bad in
            ["", "m", "0m", "01m", "1", "1w", "1M", " 1m", "1m ", "-1m", "1000000s", "1.5m", "1mm", "é"]
        {
            assert_eq!(parse_step(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn steps_are_written_in_the_largest_unit_that_divides_them() {
        assert_eq!(format_step(Duration::minutes(1)), "1m");
        assert_eq!(format_step(Duration::seconds(90)), "90s");
        assert_eq!(format_step(Duration::seconds(3_600)), "1h");
        assert_eq!(format_step(Duration::days(2)), "2d");
        assert_eq!(format_step(Duration::seconds(1_801)), "1801s");
    }

    #[test]
    fn a_step_too_fine_for_the_range_or_the_servers_is_widened() {
        let day = Duration::days(1);
        // A minute over a day: 1,441 steps at most, one too many.
        let step = effective_step(Duration::minutes(1), day, 1);
        assert!(step > Duration::minutes(1) && day.num_seconds() / step.num_seconds() < MAX_SERIES_POINTS);
        assert_eq!(effective_step(Duration::minutes(5), day, 1), Duration::minutes(5));
        // 1,000 servers share 100,000 points: 100 each.
        let step = effective_step(Duration::minutes(5), day, 1_000);
        assert!(day.num_seconds() / step.num_seconds() < 100, "{step}");
        assert_eq!(effective_step(Duration::seconds(1), Duration::zero(), 3), Duration::seconds(1));
    }
}
