//! From a [`LogFilter`] to SQL: which rows drive the query (the access
//! path), and the conditions every row must pass, written to agree with
//! [`LogFilter::matches`].
//!
//! Access paths (SQLite names the index outright, because without table
//! statistics its planner may prefer an index that forces a full sort):
//! - the time index `(project_id, timestamp DESC, id DESC)`, which yields
//!   rows already newest first, so `LIMIT` stops early;
//! - `log_tags` (SQLite) for a tag filter: `(project_id, tag, timestamp,
//!   log_id)` is newest first for one tag; further tags are point lookups;
//! - the ids of a rare needle's FTS matches, fetched and sorted;
//! - the FTS matches themselves, for counts and histograms of a common
//!   needle (no order needed, and FTS5 stops at `LIMIT`);
//! - for per-level counts (alert rules), the level index `(project_id,
//!   level, timestamp)` or, for one source, `(project_id, source, level,
//!   timestamp)`, given every wanted level as an `IN` list so the count is
//!   one index-only range scan per level.
//!
//! Totals use `SELECT count(*) FROM (… LIMIT cap + 1)`, so counting never
//! walks more than the cap of matching rows.

use orion_core::model::ProjectId;
use orion_core::model::log::{Level, LevelFilter, LogCursor, LogFilter};
use sea_orm::DbBackend;

use super::needle::Needle;
use super::sql::Sql;
use super::{micros, micros_bound, rows::COLUMNS_POSTGRES, rows::COLUMNS_SQLITE};

/// What the query is for: the access path depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    /// Rows, newest first.
    List,
    /// How many rows (capped by the caller's `LIMIT`).
    Count,
    /// Counts per bucket and level.
    Histogram,
    /// Counts per level.
    LevelCounts,
}

/// Where rows come from.
#[derive(Debug)]
enum Access<'a> {
    /// `logs` alone; `indexed` forces the time index (SQLite lists).
    Logs { indexed: bool },
    /// `logs` through a level index; `indexed` names it (SQLite).
    Levels { indexed: bool },
    /// `log_tags` for one tag, then `logs` by id.
    Tag(&'a str),
    /// The given ids, then `logs` by id.
    Ids(&'a [i64]),
    /// The FTS matches of a phrase, then `logs` by id.
    Fts(&'a str),
}

/// A filter on one project, ready to be written as SQL.
#[derive(Debug)]
pub(super) struct Plan<'a> {
    backend: DbBackend,
    project: ProjectId,
    filter: &'a LogFilter,
    needle: &'a Needle,
    access: Access<'a>,
    purpose: Purpose,
}

impl<'a> Plan<'a> {
    /// Picks the access path for `purpose`.
    pub(super) fn new(
        backend: DbBackend,
        project: ProjectId,
        filter: &'a LogFilter,
        needle: &'a Needle,
        purpose: Purpose,
    ) -> Self {
        let sqlite = backend != DbBackend::Postgres;
        let first_tag = filter.tags.first().filter(|_| sqlite);
        let access = match (needle, first_tag, purpose) {
            (Needle::Ids(ids), _, _) => Access::Ids(ids),
            // Every purpose but listing needs no order.
            (Needle::Common { phrase, .. }, _, purpose) if purpose != Purpose::List => Access::Fts(phrase),
            (_, Some(tag), _) => Access::Tag(tag),
            (_, None, Purpose::List) => Access::Logs { indexed: sqlite },
            (_, None, Purpose::LevelCounts) => Access::Levels { indexed: sqlite },
            (_, None, _) => Access::Logs { indexed: false },
        };
        Self { backend, project, filter, needle, access, purpose }
    }

    /// A page of rows, newest first, after `after` when given.
    pub(super) fn select(&self, after: Option<LogCursor>, limit: u32, offset: u32) -> Sql {
        let mut sql = Sql::new(self.backend);
        let columns = if self.backend == DbBackend::Postgres { COLUMNS_POSTGRES } else { COLUMNS_SQLITE };
        sql.push("SELECT ").push(columns);
        self.write_from_where(&mut sql);
        let (ts, id) = self.order_columns();
        if let Some(cursor) = after {
            // Row values keep the keyset bound usable as an index range.
            sql.push(&format!(" AND ({ts}, {id}) < (")).bind(micros(cursor.timestamp));
            sql.push(", ").bind(cursor.id).push(")");
        }
        sql.push(&format!(" ORDER BY {ts} DESC, {id} DESC LIMIT ")).bind(i64::from(limit));
        if offset > 0 {
            sql.push(" OFFSET ").bind(i64::from(offset));
        }
        sql
    }

    /// `min(matches, limit)`.
    pub(super) fn count(&self, limit: u64) -> Sql {
        let mut sql = Sql::new(self.backend);
        sql.push("SELECT count(*) FROM (SELECT 1 AS one");
        self.write_from_where(&mut sql);
        sql.push(" LIMIT ").bind(i64::try_from(limit).unwrap_or(i64::MAX)).push(") AS capped");
        sql
    }

    /// `(bucket number, level, count)` rows, buckets `width_secs` wide and
    /// aligned on the epoch, sorted by bucket then level.
    pub(super) fn histogram(&self, width_secs: i64) -> Sql {
        let width = width_secs * 1_000_000;
        let (ts, _) = self.order_columns();
        // Integer division truncates toward zero on both backends; step
        // back one bucket for negative remainders to get the floor.
        let bucket = format!("({ts} / {width} - CASE WHEN {ts} % {width} < 0 THEN 1 ELSE 0 END)");
        let mut sql = Sql::new(self.backend);
        sql.push(&format!("SELECT {bucket} AS bucket, l.level AS level, count(*) AS n"));
        self.write_from_where(&mut sql);
        sql.push(" GROUP BY 1, 2 ORDER BY 1, 2");
        sql
    }

    /// `(level, count)` rows, one per level with matches.
    pub(super) fn level_counts(&self) -> Sql {
        let mut sql = Sql::new(self.backend);
        sql.push("SELECT l.level AS level, count(*) AS n");
        self.write_from_where(&mut sql);
        sql.push(" GROUP BY l.level");
        sql
    }

    /// Whether a condition reads the `logs` row itself (anything but tags,
    /// time and a needle the access path already applies).
    fn needs_row(&self) -> bool {
        let f = self.filter;
        let needle_per_row = match self.needle {
            Needle::Any | Needle::Ids(_) => false,
            Needle::Common { .. } => !matches!(self.access, Access::Fts(_)),
            Needle::Short { .. } | Needle::Like(_) => true,
        };
        f.levels != LevelFilter::Any || f.source.is_some() || !f.metadata.is_empty() || needle_per_row
    }

    /// The newest-first order columns of the access path.
    fn order_columns(&self) -> (&'static str, &'static str) {
        match self.access {
            Access::Tag(_) => ("t.timestamp", "t.log_id"),
            _ => ("l.timestamp", "l.id"),
        }
    }

    /// ` FROM … WHERE …` with every filter.
    fn write_from_where(&self, sql: &mut Sql) {
        let project = self.project.get();
        match self.access {
            Access::Logs { indexed: true } => {
                sql.push(" FROM logs l INDEXED BY ix_logs_project_id_timestamp_id WHERE l.project_id = ");
                sql.bind(project);
            }
            Access::Logs { indexed: false } => {
                sql.push(" FROM logs l WHERE l.project_id = ").bind(project);
            }
            Access::Levels { indexed } => {
                if !indexed {
                    sql.push(" FROM logs l");
                } else if self.filter.source.is_some() {
                    sql.push(" FROM logs l INDEXED BY ix_logs_project_id_source_level_timestamp");
                } else {
                    sql.push(" FROM logs l INDEXED BY ix_logs_project_id_level_timestamp");
                }
                sql.push(" WHERE l.project_id = ").bind(project);
                // Every wanted level, even when the filter takes them all:
                // an equality per level is what lets the index reach the
                // time range behind it.
                let ranks: Vec<i16> = Level::ALL
                    .into_iter()
                    .filter(|l| self.filter.levels.matches(*l))
                    .map(Level::rank)
                    .collect();
                if ranks.is_empty() {
                    sql.push(" AND 1 = 0");
                } else {
                    sql.push(" AND l.level IN (").bind_list(ranks, ", ").push(")");
                }
            }
            Access::Tag(tag) if self.purpose == Purpose::Count && !self.needs_row() => {
                // Only tags and time: counted from `log_tags` alone.
                sql.push(" FROM log_tags t WHERE t.project_id = ").bind(project);
                sql.push(" AND t.tag = ").bind(tag.to_owned());
            }
            Access::Tag(tag) => {
                sql.push(" FROM log_tags t CROSS JOIN logs l ON l.id = t.log_id WHERE t.project_id = ");
                sql.bind(project).push(" AND t.tag = ").bind(tag.to_owned());
            }
            Access::Ids(ids) => {
                let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned());
                sql.push(" FROM json_each(").bind(ids);
                sql.push(") m CROSS JOIN logs l ON l.id = m.value WHERE l.project_id = ").bind(project);
            }
            Access::Fts(phrase) => {
                sql.push(" FROM logs_fts CROSS JOIN logs l ON l.id = logs_fts.rowid WHERE logs_fts MATCH ");
                sql.bind(phrase.to_owned()).push(" AND l.project_id = ").bind(project);
            }
        }
        self.time_bounds(sql);
        self.levels(sql);
        if let Some(source) = &self.filter.source {
            sql.push(" AND l.source = ").bind(source.clone());
        }
        self.tags(sql);
        for (key, wanted) in &self.filter.metadata {
            self.metadata(sql, key, wanted);
        }
        self.needle(sql);
    }

    fn time_bounds(&self, sql: &mut Sql) {
        let (ts, _) = self.order_columns();
        if let Some(from) = self.filter.from {
            // Rounded up, so a bound between two stored microseconds keeps
            // `LogFilter::matches`'s answer (alert windows end at a clock's
            // `now`, which has nanoseconds).
            sql.push(&format!(" AND {ts} >= ")).bind(micros_bound(from));
        }
        if let Some(to) = self.filter.to {
            sql.push(&format!(" AND {ts} < ")).bind(micros_bound(to));
        }
    }

    fn levels(&self, sql: &mut Sql) {
        match &self.filter.levels {
            LevelFilter::Any => {}
            LevelFilter::OneOf(levels) if levels.is_empty() => {
                sql.push(" AND 1 = 0");
            }
            LevelFilter::OneOf(levels) => {
                sql.push(" AND l.level IN (").bind_list(levels.iter().map(|l| l.rank()), ", ").push(")");
            }
            LevelFilter::AtLeast(min) => {
                sql.push(" AND l.level >= ").bind(min.rank());
            }
        }
    }

    /// All-of: on PostgreSQL one `@>` (GIN); on SQLite each tag not already
    /// driving the query is a primary-key lookup in `log_tags`.
    fn tags(&self, sql: &mut Sql) {
        let tags = &self.filter.tags;
        if tags.is_empty() {
            return;
        }
        if self.backend == DbBackend::Postgres {
            let wanted = serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned());
            sql.push(" AND l.tags @> CAST(").bind(wanted).push(" AS jsonb)");
            return;
        }
        let skip = usize::from(matches!(self.access, Access::Tag(_)));
        for tag in &tags[skip..] {
            let (ts, id) = self.order_columns();
            let project = if matches!(self.access, Access::Tag(_)) { "t.project_id" } else { "l.project_id" };
            sql.push(&format!(
                " AND EXISTS (SELECT 1 FROM log_tags x WHERE x.project_id = {project} AND x.tag = "
            ));
            sql.bind(tag.clone()).push(&format!(" AND x.timestamp = {ts} AND x.log_id = {id})"));
        }
    }

    /// `metadata[key]` is a string equal to `wanted`, or a number or bool
    /// whose JSON text is `wanted` (see `metadata_equals`).
    fn metadata(&self, sql: &mut Sql, key: &str, wanted: &str) {
        if self.backend == DbBackend::Postgres {
            // `->>` gives a string unquoted and a number or bool as its JSON
            // text; objects, arrays and null are excluded by type.
            sql.push(" AND jsonb_typeof(l.metadata -> ").bind(key.to_owned());
            sql.push(") IN ('string', 'number', 'boolean') AND l.metadata ->> ").bind(key.to_owned());
            sql.push(" = ").bind(wanted.to_owned());
            return;
        }
        // SQLite parses JSON numbers into integers or reals, so compare as
        // numbers, but only when `wanted` is exactly how serde_json writes
        // that number ("5" matches 5, not 5.0; "5.0" matches 5.0). A key is
        // addressed with a quoted JSON path (SQLite caches the parse within
        // the statement); a key a path cannot quote goes through json_each.
        let by_path = !key.contains(['"', '\\']);
        let path = format!("$.\"{key}\"");
        let operand = |sql: &mut Sql, function: &str| {
            if by_path {
                sql.push(&format!("{function}(l.metadata, ")).bind(path.clone()).push(")");
            } else {
                sql.push(if function == "json_type" { "j.type" } else { "j.value" });
            }
        };
        if by_path {
            sql.push(" AND (");
        } else {
            sql.push(" AND EXISTS (SELECT 1 FROM json_each(l.metadata) j WHERE j.key = ")
                .bind(key.to_owned());
            sql.push(" AND (");
        }
        let alternative = |sql: &mut Sql, kind: &str, value: Option<sea_orm::Value>| {
            sql.push("(");
            operand(sql, "json_type");
            sql.push(&format!(" = '{kind}'"));
            if let Some(value) = value {
                sql.push(" AND ");
                operand(sql, "json_extract");
                sql.push(" = ").bind(value);
            }
            sql.push(")");
        };
        alternative(sql, "text", Some(wanted.to_owned().into()));
        if wanted == "true" || wanted == "false" {
            sql.push(" OR ");
            alternative(sql, wanted, None);
        }
        if let Ok(n) = wanted.parse::<i64>()
            && n.to_string() == wanted
        {
            sql.push(" OR ");
            alternative(sql, "integer", Some(n.into()));
        }
        if let Ok(x) = wanted.parse::<f64>()
            && x.is_finite()
            && serde_json::to_string(&x).is_ok_and(|text| text == wanted)
        {
            sql.push(" OR ");
            alternative(sql, "real", Some(x.into()));
        }
        sql.push(if by_path { ")" } else { "))" });
    }

    /// The per-row needle check, unless the access path already implies it.
    fn needle(&self, sql: &mut Sql) {
        if matches!(self.access, Access::Ids(_) | Access::Fts(_)) {
            return;
        }
        match self.needle {
            Needle::Any | Needle::Ids(_) => {}
            Needle::Like(pattern) => {
                sql.push(" AND lower(l.message) LIKE ").bind(pattern.clone());
            }
            Needle::Common { ascii_lower: Some(lower), .. } => {
                sql.push(" AND instr(lower(l.message), ").bind(lower.clone()).push(") > 0");
            }
            Needle::Common { phrase, ascii_lower: None } => {
                sql.push(" AND l.id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH ");
                sql.bind(phrase.clone()).push(")");
            }
            Needle::Short { ascii, variants } => {
                let haystack = if *ascii { "lower(l.message)" } else { "l.message" };
                sql.push(" AND (");
                for (i, variant) in variants.iter().enumerate() {
                    if i > 0 {
                        sql.push(" OR ");
                    }
                    sql.push(&format!("instr({haystack}, ")).bind(variant.clone()).push(") > 0");
                }
                sql.push(")");
            }
        }
    }
}
