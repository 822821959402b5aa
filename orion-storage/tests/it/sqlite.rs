//! What only a real SQLite file can show: the file and its directory are
//! created, migrations run once, WAL and foreign keys are on.

use orion_core::RepositoryError;
use orion_core::model::ProjectId;
use orion_storage::{Backend, Storage, StorageError};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

use crate::fixtures::{source, user};

#[tokio::test]
async fn connect_creates_a_missing_parent_directory_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not").join("yet").join("orion.db");
    orion_storage::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    assert!(file.is_file(), "{} should exist", file.display());
}

#[tokio::test]
async fn connecting_twice_keeps_the_data_and_migrates_once() {
    let (_dir, url) = crate::backends::sqlite_url();
    let first = orion_storage::migrate(&url).await.unwrap();
    assert!(!first.applied.is_empty(), "a fresh database needs every migration");

    let repos = orion_storage::connect(&url).await.unwrap();
    let ada = user("ada@example.com", "ada");
    repos.users.insert(&ada).await.unwrap();

    let again = orion_storage::migrate(&url).await.unwrap();
    assert_eq!(again.applied, Vec::<String>::new());
    let reopened = orion_storage::connect(&url).await.unwrap();
    assert_eq!(reopened.users.find_by_id(ada.id).await.unwrap(), Some(ada));
}

#[tokio::test]
async fn a_sqlite_file_runs_in_wal_mode() {
    let (_dir, url) = crate::backends::sqlite_url();
    let storage = Storage::open(&url).await.unwrap();
    assert_eq!(storage.backend(), Backend::Sqlite);

    // The journal mode is stored in the file, so a plain connection sees it.
    let raw = Database::connect(url.as_str()).await.unwrap();
    let row = raw
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA journal_mode"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "wal");
}

#[tokio::test]
async fn foreign_keys_are_enforced_on_sqlite() {
    let (_dir, url) = crate::backends::sqlite_url();
    let repos = orion_storage::connect(&url).await.unwrap();
    let orphan = source(ProjectId(orion_testkit::fresh_id()), "api");
    let inserted = repos.sources.insert(&orphan, None).await;
    assert!(matches!(inserted, Err(RepositoryError::Unavailable(_))), "{inserted:?}");
}

#[tokio::test]
async fn an_in_memory_database_keeps_its_data_across_calls() {
    let repos = orion_storage::connect("sqlite::memory:").await.unwrap();
    let ada = user("ada@example.com", "ada");
    repos.users.insert(&ada).await.unwrap();
    assert_eq!(repos.users.find_by_email(&ada.email).await.unwrap(), Some(ada));
}

#[tokio::test]
async fn an_unknown_scheme_is_refused() {
    let err = orion_storage::connect("mysql://root@localhost/orion").await.unwrap_err();
    assert!(matches!(err, StorageError::UnsupportedUrl(scheme) if scheme == "mysql"));
}
