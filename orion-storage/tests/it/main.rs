//! Integration tests of orion-storage, as one binary: the repository
//! contract suite on SQLite (always) and PostgreSQL (when
//! `ORION_TEST_POSTGRES_URL` names an admin connection), plus checks that
//! only a real database can answer (WAL, foreign keys, migrations, conflict
//! mapping, corrupt rows, the log writer and search index upkeep, the agent
//! tables' races and cascades, the alert tables' compare-and-set, history
//! and cascades).

mod agents;
mod alerts;
mod backends;
mod conflicts;
mod contract;
mod corrupt;
mod fixtures;
mod live;
mod logs;
mod migrations;
mod sqlite;
