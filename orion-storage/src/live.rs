//! Live events across instances, over PostgreSQL `LISTEN/NOTIFY`.
//!
//! Every transaction that stores something a live subscriber sees — a log
//! request's entries, a heartbeat, an incident — also announces it on the
//! [`CHANNEL`] with a [`Pointer`] (project and ids, never the data: a
//! `NOTIFY` payload is limited to 8,000 bytes). PostgreSQL delivers an
//! announcement only if its transaction commits, exactly once to every
//! listening session, and in commit order. Each instance's [`PgLiveBus`]
//! listens, reads the pointed-to rows back once, and fans the event out to
//! its own WebSocket sessions through an in-process bus: so a session on
//! any instance — the writing one included — sees every event of its scope
//! once, in the same order as every other session.
//!
//! On SQLite there is one instance, nothing is announced and
//! [`live_bus`](crate::Storage::live_bus) is the in-process bus the domain
//! publishes to.
//!
//! - this file: the pointer, announcing it inside a transaction.
//! - `bus`: the listener and its bounded relay into the in-process bus.
//! - `resolve`: a pointer read back into the event the domain would have
//!   published.

mod bus;
mod resolve;

use orion_core::error::RepoResult;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};

pub use bus::PgLiveBus;
pub(crate) use resolve::Resolver;

use crate::error::repo_err;

/// The `LISTEN/NOTIFY` channel of live events.
pub(crate) const CHANNEL: &str = "orion_live";

/// Largest payload sent in one `NOTIFY` (PostgreSQL refuses 8,000 bytes
/// and more); a transaction with more pointers sends several.
const MAX_PAYLOAD: usize = 7_000;

/// What was committed, by reference: enough for any instance to read it
/// back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Pointer {
    /// One ingest request's entries: ids `first..=last` of the project
    /// (a request's ids are consecutive among the project's, see
    /// `repo::logs::pack`), `count` of them.
    Logs { project: i64, first: i64, last: i64, count: u32 },
    /// The heartbeat in row `row` of `heartbeats`.
    Heartbeat { project: i64, row: i64 },
    /// The incident with this id, and what changed (`opened`,
    /// `repeated`, `resolved`; absent from older instances' payloads).
    Incident {
        project: i64,
        id: i64,
        #[serde(default)]
        change: Change,
    },
}

/// [`IncidentChange`](orion_core::model::IncidentChange) in a pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Change {
    /// Opened (also what an older instance's pointer means).
    #[default]
    Opened,
    /// One more report.
    Repeated,
    /// Resolved.
    Resolved,
}

impl From<orion_core::model::IncidentChange> for Change {
    fn from(change: orion_core::model::IncidentChange) -> Self {
        use orion_core::model::IncidentChange as C;
        match change {
            C::Opened => Self::Opened,
            C::Repeated => Self::Repeated,
            C::Resolved => Self::Resolved,
        }
    }
}

impl From<Change> for orion_core::model::IncidentChange {
    fn from(change: Change) -> Self {
        match change {
            Change::Opened => Self::Opened,
            Change::Repeated => Self::Repeated,
            Change::Resolved => Self::Resolved,
        }
    }
}

/// Announces `pointers`, in order, inside `db`'s transaction (PostgreSQL
/// only; a no-op on SQLite). Packs them into as few notifications as the
/// payload limit allows.
pub(crate) async fn announce<C: ConnectionTrait>(db: &C, pointers: &[Pointer]) -> RepoResult<()> {
    if db.get_database_backend() != DbBackend::Postgres || pointers.is_empty() {
        return Ok(());
    }
    for payload in payloads(pointers) {
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), payload.into()],
        );
        db.execute_raw(statement).await.map_err(repo_err)?;
    }
    Ok(())
}

/// JSON arrays of pointers, each below [`MAX_PAYLOAD`] bytes.
fn payloads(pointers: &[Pointer]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::from("[");
    for pointer in pointers {
        // A pointer is a few integers: it always serializes.
        let one = serde_json::to_string(pointer).unwrap_or_default();
        if current.len() > 1 && current.len() + one.len() + 2 > MAX_PAYLOAD {
            current.push(']');
            out.push(std::mem::replace(&mut current, String::from("[")));
        }
        if current.len() > 1 {
            current.push(',');
        }
        current.push_str(&one);
    }
    current.push(']');
    out.push(current);
    out
}

/// The pointers of one notification's payload; `None` if it is not ours.
fn parse(payload: &str) -> Option<Vec<Pointer>> {
    serde_json::from_str(payload).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_round_trip_through_payloads_below_the_limit_in_order() {
        let pointers: Vec<Pointer> = (0..1_000)
            .map(|i| match i % 3 {
                0 => Pointer::Logs { project: i, first: i << 16, last: (i << 16) + 999, count: 1_000 },
                1 => Pointer::Heartbeat { project: i, row: i * 7 },
                _ => Pointer::Incident { project: i, id: (1 << 52) + i, change: Change::Resolved },
            })
            .collect();
        let payloads = payloads(&pointers);
        assert!(payloads.len() > 1, "a thousand pointers need several notifications");
        assert!(payloads.iter().all(|p| p.len() < MAX_PAYLOAD));
        let back: Vec<Pointer> = payloads.iter().flat_map(|p| parse(p).unwrap()).collect();
        assert_eq!(back, pointers);
    }

    #[test]
    fn a_foreign_payload_is_not_taken_for_a_pointer() {
        assert_eq!(parse("hello"), None);
        assert_eq!(parse(r#"[{"kind":"logs","project":1}]"#), None);
    }
}
