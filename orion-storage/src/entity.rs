//! SeaORM entities, one file per table. Crate-private: repositories convert
//! them to domain types, so ORM types never cross the crate boundary.
//!
//! Ids are stored as UUID text. Account and project timestamps are
//! `timestamptz` (text on SQLite); the agent tables (servers, heartbeats,
//! commands, incidents) and the alert tables store microseconds since the
//! Unix epoch as `BIGINT`, like `logs` (which has no entity: it is written
//! and read with raw SQL), so time ranges compare as integers on both
//! backends.
//! Relations are left to the foreign keys the migrations declare; the one
//! join (a rule with its state, for the alert engine) is declared on
//! `alert_rule_states`.

pub(crate) mod alert_event_actions;
pub(crate) mod alert_events;
pub(crate) mod alert_rule_states;
pub(crate) mod alert_rules;
pub(crate) mod alert_silences;
pub(crate) mod api_tokens;
pub(crate) mod commands;
pub(crate) mod heartbeats;
pub(crate) mod incident_occurrences;
pub(crate) mod incidents;
pub(crate) mod login_challenges;
pub(crate) mod login_failures;
pub(crate) mod projects;
pub(crate) mod saved_searches;
pub(crate) mod servers;
pub(crate) mod settings;
pub(crate) mod sources;
pub(crate) mod users;
