//! Storage errors, and the one mapping from SeaORM's [`DbErr`] to the
//! domain's [`RepositoryError`].
//!
//! Unique violations become `Conflict` with the [`ConflictKey`] of the
//! rule that was broken (read from the backend's message in
//! [`crate::conflict`]). A database that cannot be
//! reached (see [`is_unreachable`]) is `Unreachable`, which the HTTP layer
//! answers with 503 and `Retry-After`. Everything else the database reports
//! is `Unavailable`, with the original error kept as the source for the
//! server log; SQL text never reaches a user because the HTTP layer only
//! shows a generic message for it.

use std::path::PathBuf;

#[cfg(doc)]
use orion_core::ConflictKey;
use orion_core::RepositoryError;
use sea_orm::sqlx::Error as SqlxError;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

use crate::conflict::conflict_key;

/// What can go wrong while opening or migrating a database.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The URL names no backend this crate speaks. Only the scheme is kept,
    /// since the rest of a URL may hold a password.
    #[error("unsupported database URL scheme `{0}`: use sqlite://PATH, sqlite::memory: or postgres://")]
    UnsupportedUrl(String),
    /// The directory that should hold the SQLite file could not be created.
    #[error("cannot create the database directory {}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The database could not be reached or opened.
    #[error("cannot connect to the database")]
    Connect(#[source] DatabaseError),
    /// Applying the schema migrations failed.
    #[error("database migration failed")]
    Migrate(#[source] DatabaseError),
}

impl StorageError {
    pub(crate) fn connect(err: DbErr) -> Self {
        Self::Connect(DatabaseError(Box::new(err)))
    }

    pub(crate) fn migrate(err: DbErr) -> Self {
        Self::Migrate(DatabaseError(Box::new(err)))
    }
}

/// What the database reported, boxed so that SeaORM's error type is not
/// part of this crate's API (a SeaORM upgrade changes no caller); its
/// message and source chain carry the details for the log.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DatabaseError(Box<DbErr>);

/// A stored row that cannot be turned back into a domain value (an unknown
/// token kind, a malformed id): reported as `Unavailable`, never a panic.
#[derive(Debug, thiserror::Error)]
#[error("corrupt row in `{table}`: {what}")]
pub(crate) struct CorruptRow {
    table: &'static str,
    what: String,
}

impl CorruptRow {
    /// A `RepositoryError` for a bad value in `table`.
    pub(crate) fn in_table(table: &'static str, what: impl Into<String>) -> RepositoryError {
        RepositoryError::unavailable(Self { table, what: what.into() })
    }
}

/// Maps a SeaORM error to what the domain can act on.
pub(crate) fn repo_err(err: DbErr) -> RepositoryError {
    match err {
        DbErr::RecordNotFound(_) | DbErr::RecordNotUpdated => RepositoryError::NotFound,
        err if is_unreachable(&err) => RepositoryError::unreachable(err),
        err => match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(message)) => {
                RepositoryError::Conflict(conflict_key(&message))
            }
            _ => RepositoryError::unavailable(err),
        },
    }
}

/// Whether `err` says the database cannot be reached right now, rather
/// than that it refused a statement: no connection within the pool's
/// acquire timeout, a closed pool, an I/O or TLS failure (connection
/// refused, reset or closed), or a PostgreSQL error of the kind a server
/// going away or too busy sends (connection exceptions `08xxx`, shutdown
/// `57P01`–`57P03`, too many connections `53300`, and `57014`, a statement
/// cancelled by `statement_timeout`).
pub(crate) fn is_unreachable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(RuntimeErr::Internal(message)) => message == "Disconnected",
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => sqlx_unreachable(e),
        _ => false,
    }
}

fn sqlx_unreachable(err: &SqlxError) -> bool {
    match err {
        SqlxError::Io(_)
        | SqlxError::Tls(_)
        | SqlxError::PoolTimedOut
        | SqlxError::PoolClosed
        | SqlxError::WorkerCrashed => true,
        SqlxError::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300" | "57014")
        }),
        _ => false,
    }
}

/// [`repo_err`] for an insert whose row references a parent (a project, a
/// server): a missing parent is `NotFound`, as the domain sees it, rather
/// than a storage failure.
pub(crate) fn parent_err(err: DbErr) -> RepositoryError {
    match err.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => RepositoryError::NotFound,
        _ => repo_err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_not_found_is_not_found() {
        let err = repo_err(DbErr::RecordNotFound("users".into()));
        assert!(matches!(err, RepositoryError::NotFound));
    }

    #[test]
    fn lost_connections_and_pool_timeouts_are_unreachable() {
        use std::sync::Arc;

        use sea_orm::ConnAcquireErr;

        let io = |kind| RuntimeErr::SqlxError(Arc::new(SqlxError::Io(std::io::Error::from(kind))));
        let unreachable = [
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            DbErr::Conn(RuntimeErr::SqlxError(Arc::new(SqlxError::PoolTimedOut))),
            DbErr::Conn(io(std::io::ErrorKind::ConnectionRefused)),
            DbErr::Exec(io(std::io::ErrorKind::ConnectionReset)),
            DbErr::Query(io(std::io::ErrorKind::UnexpectedEof)),
            DbErr::Conn(RuntimeErr::Internal("Disconnected".into())),
        ];
        for err in unreachable {
            assert!(matches!(repo_err(err.clone()), RepositoryError::Unreachable(_)), "{err}");
        }
        let protocol = DbErr::Query(RuntimeErr::SqlxError(Arc::new(SqlxError::Protocol("bad".into()))));
        assert!(matches!(repo_err(protocol), RepositoryError::Unavailable(_)));
    }

    #[test]
    fn other_failures_are_unavailable() {
        let err = repo_err(DbErr::Custom("disk on fire".into()));
        assert!(matches!(err, RepositoryError::Unavailable(_)));
    }
}
