//! Which [`ConflictKey`] a backend's unique-violation message means.
//!
//! PostgreSQL names the violated constraint (`ux_users_email`,
//! `users_pkey`), SQLite the columns (`users.email`). Both are read here
//! once, against the schema's own names, so no caller ever looks at
//! backend text.

use orion_core::ConflictKey;

/// The unique rules callers tell apart: PostgreSQL's constraint name,
/// SQLite's column list, and the key they mean. Every other unique rule in
/// the schema is a row's id or primary key, hence [`ConflictKey::Id`].
const NAMED: &[(&str, &str, ConflictKey)] = &[
    ("ux_users_email", "users.email", ConflictKey::Email),
    ("ux_users_pseudo_key", "users.pseudo_key", ConflictKey::Pseudo),
    ("ux_projects_owner_id_name", "projects.owner_id, projects.name", ConflictKey::Name),
    ("ux_sources_project_id_name", "sources.project_id, sources.name", ConflictKey::Name),
    (
        "ux_saved_searches_project_id_name",
        "saved_searches.project_id, saved_searches.name",
        ConflictKey::Name,
    ),
    ("ux_api_tokens_hash", "api_tokens.hash", ConflictKey::TokenHash),
    ("login_challenges_pkey", "login_challenges.token_hash", ConflictKey::TokenHash),
    ("ux_incidents_project_id_open_key", "incidents.project_id, incidents.open_key", ConflictKey::OpenKey),
];

/// The key a unique-violation `message` from either backend names.
pub(crate) fn conflict_key(message: &str) -> ConflictKey {
    let what = collided(message);
    NAMED
        .iter()
        .find(|(constraint, columns, _)| what == *constraint || what == *columns)
        .map_or(ConflictKey::Id, |(_, _, key)| *key)
}

/// Extracts the name of what collided from a backend's unique-violation
/// message:
/// - PostgreSQL: `duplicate key value violates unique constraint "ux_users_email"`
///   gives `ux_users_email`;
/// - SQLite: `UNIQUE constraint failed: users.email` gives `users.email`.
fn collided(message: &str) -> &str {
    let quoted = message.split('"').nth(1).filter(|name| !name.is_empty());
    let after_colon = message.rsplit_once(": ").map(|(_, cols)| cols.trim());
    quoted.or(after_colon).unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn postgres(constraint: &str) -> String {
        format!(r#"duplicate key value violates unique constraint "{constraint}""#)
    }

    fn sqlite(columns: &str) -> String {
        format!("UNIQUE constraint failed: {columns}")
    }

    #[test]
    fn postgres_messages_name_the_constraint() {
        assert_eq!(collided(&postgres("ux_users_pseudo_key")), "ux_users_pseudo_key");
        assert_eq!(conflict_key(&postgres("ux_users_pseudo_key")), ConflictKey::Pseudo);
        assert_eq!(conflict_key(&postgres("ux_users_email")), ConflictKey::Email);
        assert_eq!(conflict_key(&postgres("ux_incidents_project_id_open_key")), ConflictKey::OpenKey);
    }

    #[test]
    fn sqlite_messages_name_the_columns() {
        assert_eq!(collided(&sqlite("projects.owner_id, projects.name")), "projects.owner_id, projects.name");
        assert_eq!(conflict_key(&sqlite("users.email")), ConflictKey::Email);
        assert_eq!(conflict_key(&sqlite("projects.owner_id, projects.name")), ConflictKey::Name);
        assert_eq!(conflict_key(&sqlite("api_tokens.hash")), ConflictKey::TokenHash);
    }

    #[test]
    fn every_named_rule_maps_the_same_on_both_backends() {
        for (constraint, columns, key) in NAMED {
            assert_eq!(conflict_key(&postgres(constraint)), *key, "{constraint}");
            assert_eq!(conflict_key(&sqlite(columns)), *key, "{columns}");
        }
    }

    #[test]
    fn ids_and_primary_keys_are_id() {
        assert_eq!(conflict_key(&postgres("ux_commands_id")), ConflictKey::Id);
        assert_eq!(conflict_key(&postgres("users_pkey")), ConflictKey::Id);
        assert_eq!(conflict_key(&sqlite("servers.project_id, servers.server_id")), ConflictKey::Id);
    }
}
