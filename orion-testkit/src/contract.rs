//! The repository contract suite: what every storage backend must do, as
//! plain async checks that panic on any deviation. The in-memory backend
//! runs it in this crate's tests; `orion-storage` runs it on SQLite and
//! PostgreSQL.
//!
//! Every check makes fresh random names, emails and ids, so the suite can
//! run repeatedly and concurrently against one shared database. Instants are
//! millisecond-aligned: that is the precision every backend must keep.
//!
//! One module per aggregate (the logs' split by concern). [`checks`] lists
//! every check by name; a backend runs each as a test of its own with
//! [`contract_tests!`](crate::contract_tests), so a failure names the rule
//! it broke (`contract::logs::paging::equal_timestamps_are_ordered_by_id_descending::sqlite`).
//!
//! The modules are private and every check is listed once, in
//! `__contract_suite!` below: a check written but not listed is dead code,
//! which the lints refuse.

mod alerts;
mod auth;
mod commands;
mod ids;
mod incidents;
mod logs;
mod metrics;
mod projects;
mod searches;
mod servers;
mod settings;
mod silences;
mod sources;
mod tokens;
mod users;

use chrono::{DateTime, Duration, TimeZone, Utc};
use futures_util::future::BoxFuture;
use orion_core::model::user::TwoFactor;
use orion_core::model::{
    ApiToken, Email, Label, PermissionSet, PersonName, Project, ProjectId, ProjectName, Pseudo, Server,
    ServerId, Source, SourceId, SourceName, TokenId, TokenKind, User, UserId, Window,
};
use orion_core::{ConflictKey, Repos, RepositoryError};

/// One check of the suite.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Its path under `contract`, e.g. `"logs::paging::equal_timestamps_are_ordered_by_id_descending"`.
    pub name: &'static str,
    /// Runs it against a backend; panics on any deviation.
    pub run: for<'a> fn(&'a Repos) -> BoxFuture<'a, ()>,
}

/// Every check of the suite, in the order a run through them takes.
#[allow(clippy::vec_init_then_push, reason = "one push per check, made by walking the suite's tree")]
pub fn checks() -> Vec<Check> {
    let mut checks = Vec::new();
    crate::__contract_suite!(__contract_index checks);
    checks
}

/// The check named `name` (a path under `contract`, as in [`checks`]).
///
/// # Panics
///
/// When no check has that name.
pub fn check(name: &str) -> Check {
    checks()
        .into_iter()
        .find(|check| check.name == name)
        .unwrap_or_else(|| panic!("no contract check {name}"))
}

/// The suite's checks, by module: the one list that [`checks`] and
/// [`contract_tests!`](crate::contract_tests) are made from. Calls
/// `$crate::$then!` with `$args` and then the tree of modules and checks
/// (`module { check, sub_module { check, … }, … }`).
#[doc(hidden)]
#[macro_export]
macro_rules! __contract_suite {
    ($then:ident $args:tt) => {
        $crate::$then! { $args
            ids { ids_of_one_kind_only_grow, concurrent_draws_never_repeat_an_id },
            users {
                a_user_round_trips_by_id_and_by_email,
                two_factor_state_round_trips_through_update,
                updating_a_missing_user_is_not_found,
                a_duplicate_email_is_a_conflict_naming_email,
                a_pseudo_differing_only_in_case_is_a_conflict_naming_pseudo,
            },
            auth {
                a_challenge_round_trips_and_counts_failures,
                deleting_a_challenge_succeeds_only_once,
                racing_deletes_of_a_challenge_have_one_winner,
                expired_challenges_are_deleted_in_bounded_batches,
                failures_since_lists_the_window_oldest_first,
                clearing_failures_forgets_only_that_email,
            },
            projects {
                a_project_round_trips_by_id_and_by_name,
                two_owners_may_use_the_same_name_but_one_owner_may_not,
                find_by_name_never_returns_another_owners_project,
                list_by_owner_filters_on_archived_oldest_first,
                archiving_a_missing_project_is_not_found,
                deleting_a_project_removes_its_sources_and_tokens_only,
            },
            sources {
                a_source_and_its_token_are_stored_together,
                a_token_hash_collision_stores_neither_source_nor_token,
                a_duplicate_name_in_one_project_stores_neither,
                sources_are_listed_oldest_first_and_found_only_in_their_project,
            },
            tokens {
                a_token_round_trips_by_hash_and_by_id,
                a_duplicate_hash_is_a_conflict_naming_hash,
                find_is_scoped_by_project,
                tokens_are_listed_oldest_first,
                replacing_the_value_retires_the_old_hash,
                delete_removes_only_the_projects_token,
                touch_records_the_last_use,
            },
            settings { get_or_insert_keeps_the_first_value, concurrent_get_or_insert_callers_agree },
            logs {
                round_trip {
                    every_field_round_trips_and_ids_increase_in_input_order,
                    ids_keep_increasing_across_appends,
                    an_empty_append_stores_nothing,
                    find_returns_the_projects_entry_and_nothing_else,
                },
                filters {
                    every_filter_alone_agrees_with_the_reference,
                    combined_filters_agree_with_the_reference,
                    query_string_terms_agree_with_the_reference,
                },
                text_search {
                    special_characters_are_matched_literally,
                    case_folds_for_non_ascii_text_too,
                    one_and_two_character_needles_and_needles_longer_than_any_message,
                },
                paging {
                    equal_timestamps_are_ordered_by_id_descending,
                    limit_and_offset_cut_the_ordered_matches,
                    page_after_walks_every_match_exactly_once_in_order,
                    totals_are_exact_up_to_the_cap_and_a_lower_bound_past_it,
                },
                histogram {
                    counts_agree_with_the_reference_for_every_interval_and_filter,
                    buckets_start_at_multiples_of_the_interval,
                },
                retention { deletes_only_before_the_cutoff_and_at_most_a_batch_at_a_time },
                isolation {
                    identical_logs_of_another_project_never_appear,
                    deleting_a_project_deletes_its_logs_and_only_its_logs,
                },
                level_counts {
                    level_counts_agree_with_the_reference_under_windows_and_sources,
                    an_empty_or_foreign_project_counts_zero_everywhere,
                },
                idempotency {
                    the_same_key_twice_stores_once_and_answers_the_first_count,
                    another_project_may_reuse_a_key,
                    concurrent_calls_with_one_key_store_exactly_once,
                    an_expired_key_is_new_again_and_purged,
                },
            },
            servers {
                a_new_server_round_trips,
                upserting_a_known_server_updates_its_description_and_keeps_its_history,
                servers_are_listed_by_id_and_scoped_to_their_project,
                a_heartbeat_round_trips_its_metrics_and_scripts,
                a_heartbeat_sets_last_seen_at_to_its_received_at,
                a_heartbeat_of_an_unknown_server_is_not_found_and_not_stored,
                the_latest_heartbeat_is_the_newest_by_timestamp_then_insertion,
                heartbeats_are_listed_newest_first_in_a_from_inclusive_to_exclusive_window,
                heartbeat_averages_are_means_of_per_heartbeat_percentages_in_a_window,
                expired_heartbeats_are_deleted_before_the_cutoff_a_batch_at_a_time,
                deleting_a_project_removes_its_servers_heartbeats_commands_and_incidents,
            },
            metrics { buckets_are_per_server_means_in_epoch_aligned_steps_of_a_window },
            searches { saved_searches_round_trip_with_unique_names_and_a_bounded_count },
            silences { silences_round_trip_while_active_with_a_bounded_count },
            commands {
                a_command_round_trips_its_payload,
                pending_commands_are_the_servers_own_oldest_first,
                commands_are_listed_newest_first_with_a_limit,
                acknowledging_records_the_outcome_once,
                acknowledging_another_servers_or_projects_command_is_not_found,
                of_concurrent_acknowledgements_exactly_one_succeeds,
                expired_acknowledged_commands_are_deleted_a_batch_at_a_time_and_pending_ones_kept,
            },
            incidents {
                an_incident_round_trips_with_its_context,
                reports_of_one_server_script_and_event_group_while_the_incident_is_open,
                racing_reports_of_one_key_make_one_incident,
                resolving_is_conditional_and_the_next_report_opens_a_new_incident,
                running_since_is_kept_only_on_open_incidents,
                incidents_are_listed_newest_first_in_a_from_inclusive_to_exclusive_window,
                incidents_are_counted_in_a_from_inclusive_to_exclusive_window_per_server,
                expired_incidents_are_deleted_before_the_cutoff_a_batch_at_a_time,
            },
            alerts {
                a_rule_round_trips_with_its_condition_channels_and_narrowing,
                a_new_rule_starts_with_a_quiet_state,
                updating_a_rule_replaces_it_and_resets_its_state,
                deleting_a_rule_removes_it_and_its_state_but_keeps_its_history,
                list_enabled_holds_every_projects_enabled_rules_with_their_own_state,
                save_state_is_a_compare_and_set_on_evaluated_at,
                concurrent_save_states_with_the_same_expectation_let_exactly_one_win,
                events_are_listed_newest_first_with_their_deliveries,
                deleting_a_project_removes_its_rules_states_and_history_only,
            },
        }
    };
}

/// Pushes a [`Check`] per leaf of the suite's tree onto the vector `$v`
/// (for [`checks`]; paths are relative to this module).
#[doc(hidden)]
#[macro_export]
macro_rules! __contract_index {
    ($v:ident $($tree:tt)*) => {
        $crate::__contract_index!(@at $v [] $($tree)*)
    };
    (@at $v:ident [$($path:ident)*]) => {};
    (@at $v:ident [$($path:ident)*] $module:ident { $($inner:tt)* } $(, $($rest:tt)*)?) => {
        $crate::__contract_index!(@at $v [$($path)* $module] $($inner)*);
        $crate::__contract_index!(@at $v [$($path)*] $($($rest)*)?);
    };
    (@at $v:ident [$($path:ident)*] $check:ident $(, $($rest:tt)*)?) => {
        $v.push($crate::contract::Check {
            name: concat!($(stringify!($path), "::",)* stringify!($check)),
            run: |repos| Box::pin($($path::)* $check(repos)),
        });
        $crate::__contract_index!(@at $v [$($path)*] $($($rest)*)?);
    };
}

/// One test per contract check per backend: for every check, a module
/// named after its path holding a `#[tokio::test]` per backend, named after
/// the backend, that hands the [`contract::Check`](crate::contract::Check)
/// to the backend's runner. Call it in a module named `contract` and the
/// tests read `contract::logs::paging::equal_timestamps_are_ordered_by_id_descending::sqlite`.
///
/// Each backend is `name => runner`, with attributes before it if its tests
/// need them (`#[ignore = "…"]`); `runner` is a path from the crate root
/// (`crate::…`, as the tests sit in modules of their own) to an
/// `async fn(Check)` that gives the check a fresh backend. The calling
/// crate needs `tokio` with its `macros` feature.
///
/// ```text
/// orion_testkit::contract_tests! {
///     sqlite => crate::contract::on_sqlite,
///     #[ignore = "needs ORION_TEST_POSTGRES_URL"]
///     postgres => crate::contract::on_postgres,
/// }
/// ```
#[macro_export]
macro_rules! contract_tests {
    ($($backends:tt)+) => {
        $crate::__contract_suite!(__contract_tests { $($backends)+ });
    };
}

/// The tree walk behind [`contract_tests!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __contract_tests {
    (@at $backends:tt [$($path:ident)*]) => {};
    (@at $backends:tt [$($path:ident)*] $module:ident { $($inner:tt)* } $(, $($rest:tt)*)?) => {
        mod $module {
            $crate::__contract_tests!(@at $backends [$($path)* $module] $($inner)*);
        }
        $crate::__contract_tests!(@at $backends [$($path)*] $($($rest)*)?);
    };
    (@at $backends:tt [$($path:ident)*] $check:ident $(, $($rest:tt)*)?) => {
        mod $check {
            $crate::__contract_tests!(
                @tests [concat!($(stringify!($path), "::",)* stringify!($check))] $backends
            );
        }
        $crate::__contract_tests!(@at $backends [$($path)*] $($($rest)*)?);
    };
    (@tests [$name:expr] { $($(#[$attr:meta])* $backend:ident => $runner:path),+ $(,)? }) => {
        $(
            #[tokio::test]
            $(#[$attr])*
            async fn $backend() {
                $runner($crate::contract::check($name)).await;
            }
        )+
    };
    // The entry, last: the arms above start with `@`, which it would match.
    ($backends:tt $($tree:tt)*) => {
        $crate::__contract_tests!(@at $backends [] $($tree)*);
    };
}

/// A fresh random lower-case alphanumeric string of `len` (≤ 32) characters.
fn random(len: usize) -> String {
    uuid::Uuid::new_v4().simple().to_string()[..len].to_owned()
}

/// A fixed instant with odd milliseconds plus `offset_ms`, so a backend that
/// truncates to seconds fails the round-trip checks.
fn at(offset_ms: i64) -> DateTime<Utc> {
    let base = Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).single().expect("valid instant");
    base + Duration::milliseconds(123 + offset_ms)
}

/// Serialises the agent tables' retention checks across concurrent suite
/// runs in one process: deletion is global, so one run's sweep would
/// otherwise take another's rows mid-count.
static AGENT_RETENTION: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The retention checks' cutoff: before 1990, far from every other
/// check's rows (which sit in 2024), with odd milliseconds.
fn retention_cutoff() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1990, 1, 1, 0, 0, 0).single().expect("valid") + Duration::milliseconds(321)
}

fn fresh_email() -> Email {
    Email::parse(&format!("c{}@contract.example.com", random(20))).expect("valid email")
}

/// A user that is not stored yet, with a fresh email and pseudo.
fn new_user() -> User {
    User {
        id: UserId(crate::fresh_id()),
        first_name: PersonName::parse("firstName", "Grace").expect("valid"),
        last_name: PersonName::parse("lastName", "Hopper").expect("valid"),
        pseudo: Pseudo::parse(&format!("c{}", random(20))).expect("valid pseudo"),
        email: fresh_email(),
        password_hash: format!("$2b$04${}", random(32)),
        two_factor: TwoFactor::default(),
        created_at: at(0),
    }
}

/// Stores a fresh user (rows of other aggregates may need an owner to exist).
async fn stored_user(repos: &Repos) -> User {
    let user = new_user();
    repos.users.insert(&user).await.expect("insert a fresh user");
    user
}

fn new_project(owner: UserId, name: &str, created_at: DateTime<Utc>) -> Project {
    Project {
        id: ProjectId(crate::fresh_id()),
        owner_id: owner,
        name: ProjectName::parse(name).expect("valid project name"),
        label: Label::parse("label", "Contract project", 200).expect("valid label"),
        archived: false,
        created_at,
    }
}

/// Stores a fresh project with a random name for a fresh owner.
async fn stored_project(repos: &Repos) -> Project {
    let owner = stored_user(repos).await;
    let project = new_project(owner.id, &format!("p-{}", random(12)), at(0));
    repos.projects.insert(&project).await.expect("insert a fresh project");
    project
}

fn new_source(project: ProjectId, name: &str, created_at: DateTime<Utc>) -> Source {
    Source {
        id: SourceId(crate::fresh_id()),
        project_id: project,
        name: SourceName::parse(name).expect("valid source name"),
        description: Label::parse("description", "from the contract suite", 500).expect("valid"),
        created_at,
    }
}

/// A token that is not stored yet, with a fresh random hash.
fn new_token(project: ProjectId, source: Option<SourceId>, created_at: DateTime<Utc>) -> ApiToken {
    let kind = if source.is_some() { TokenKind::Source } else { TokenKind::Api };
    ApiToken {
        id: TokenId(crate::fresh_id()),
        project_id: project,
        name: format!("token {}", random(6)),
        kind,
        hash: format!("{}{}", random(32), random(32)),
        // Twelve characters, like the values the services mint.
        display_prefix: format!("{}{}", kind.prefix(), random(12))[..12].to_owned(),
        permissions: PermissionSet::parse(&["logs:write", "logs:read"]).expect("known"),
        source_id: source,
        server_id: None,
        created_at,
        last_used_at: None,
    }
}

/// A server of `project` that is not stored yet, never seen.
fn new_server(project: ProjectId, server_id: &str) -> Server {
    Server {
        id: orion_core::model::ServerRowId(crate::fresh_id()),
        project_id: project,
        server_id: ServerId::parse(server_id).expect("valid server id"),
        display_name: format!("Web {server_id}"),
        hostname: format!("{server_id}.example.com"),
        platform: "linux".into(),
        arch: "x86_64".into(),
        created_at: at(7),
        last_seen_at: None,
    }
}

/// Stores a fresh server with a random id in `project`.
async fn stored_server(repos: &Repos, project: ProjectId) -> Server {
    let server = new_server(project, &format!("srv-{}", random(10)));
    repos.servers.upsert(&server).await.expect("insert a fresh server")
}

/// Panics unless `result` is a `Conflict` on `key`.
#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: Result<T, RepositoryError>, key: ConflictKey) {
    match result {
        Err(RepositoryError::Conflict(got)) => assert_eq!(got, key, "Conflict on the wrong key"),
        other => panic!("expected Conflict on {key:?}, got {other:?}"),
    }
}

/// A window the suites know to be valid.
fn window(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>, limit: u32) -> Window {
    Window::new(from, to, limit).expect("a valid window")
}

/// Panics unless `result` is `NotFound`.
#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: Result<T, RepositoryError>) {
    assert!(matches!(result, Err(RepositoryError::NotFound)), "expected NotFound, got {result:?}");
}
