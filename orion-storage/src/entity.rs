//! SeaORM entities, one file per table. Crate-private: repositories convert
//! them to domain types, so ORM types never cross the crate boundary.
//!
//! Ids are stored as UUID text and timestamps as `timestamptz` (text on
//! SQLite), which keeps one schema for both backends. Relations are left to
//! the foreign keys the migrations declare; the repositories never join.

pub(crate) mod api_tokens;
pub(crate) mod login_challenges;
pub(crate) mod login_failures;
pub(crate) mod projects;
pub(crate) mod settings;
pub(crate) mod sources;
pub(crate) mod users;
