//! Integration tests of orion-storage, as one binary: the repository
//! contract suite, one test per check, on SQLite (always) and PostgreSQL
//! (ignored unless run with `--ignored`, when `ORION_TEST_POSTGRES_URL`
//! must name an admin connection), plus checks that
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
