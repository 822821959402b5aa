//! What the alert tables (rules, their state, the history) and the alert
//! metric queries do beyond the shared contract: the compare-and-set
//! decided by the database under a race, history that outlives its rule,
//! deletion by the repository and by the foreign keys alone, the schema
//! step, and metric windows at their microsecond edges — on both backends.

mod actions;
mod deletion;
mod metrics;
mod schema;
mod state;

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// `SELECT count(*) FROM {from_where}`; ids are UUIDs, safe to inline.
async fn count(raw: &DatabaseConnection, from_where: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {from_where}");
    let row = raw.query_one_raw(Statement::from_string(raw.get_database_backend(), sql)).await;
    row.unwrap().unwrap().try_get_by_index(0).unwrap()
}
