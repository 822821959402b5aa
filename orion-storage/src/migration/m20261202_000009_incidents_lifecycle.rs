//! Incidents with a lifecycle: reports of the same server, script and
//! event group into one open incident, which resolves later; each report
//! keeps its crash context and is counted as an occurrence.
//!
//! - `incidents` gains `status` (`open`/`resolved`), `count`, `last_at`,
//!   `resolved_at`, `running_since` (the automatic resolution's clock),
//!   `context` (JSON, the latest report's) and `open_key`: the group key
//!   while the incident is open, `NULL` once resolved. The unique index on
//!   `(project_id, open_key)` is what makes "one open incident per key"
//!   hold when reports race on several instances (`NULL`s never collide on
//!   either backend, so resolved incidents do not count).
//! - Incidents stored before this step predate the lifecycle: they become
//!   resolved single reports (`count` 1, `last_at` = `timestamp`,
//!   `resolved_at` = `received_at`), each one occurrence.
//! - `incident_occurrences` has one row per report, for `crash_count`
//!   (reports in a window, not incidents), removed with its incident.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::unique_index;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Incidents {
    Table,
    Id,
    ProjectId,
    ServerId,
    Status,
    Count,
    LastAt,
    ResolvedAt,
    RunningSince,
    Context,
    OpenKey,
}

#[derive(DeriveIden)]
enum IncidentOccurrences {
    Table,
    Seq,
    IncidentId,
    ProjectId,
    ServerId,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One change per ALTER (SQLite). Defaults describe the old rows.
        let columns = [
            string(Incidents::Status).default("resolved").to_owned(),
            big_integer(Incidents::Count).default(1).to_owned(),
            big_integer(Incidents::LastAt).default(0).to_owned(),
            big_integer_null(Incidents::ResolvedAt),
            big_integer_null(Incidents::RunningSince),
            json_binary_null(Incidents::Context),
            text_null(Incidents::OpenKey),
        ];
        for mut column in columns {
            manager
                .alter_table(Table::alter().table(Incidents::Table).add_column(&mut column).to_owned())
                .await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared("UPDATE incidents SET last_at = timestamp, resolved_at = received_at").await?;
        unique_index(
            manager,
            "ux_incidents_project_id_open_key",
            Incidents::Table,
            [Incidents::ProjectId, Incidents::OpenKey],
        )
        .await?;
        // Listings and retention go by the latest report.
        manager
            .create_index(
                Index::create()
                    .name("ix_incidents_project_id_last_at")
                    .table(Incidents::Table)
                    .col(Incidents::ProjectId)
                    .col((Incidents::LastAt, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        // A heartbeat's open incidents.
        manager
            .create_index(
                Index::create()
                    .name("ix_incidents_project_id_status_server_id")
                    .table(Incidents::Table)
                    .col(Incidents::ProjectId)
                    .col(Incidents::Status)
                    .col(Incidents::ServerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IncidentOccurrences::Table)
                    .col(big_pk_auto(IncidentOccurrences::Seq))
                    .col(big_integer(IncidentOccurrences::IncidentId))
                    .col(big_integer(IncidentOccurrences::ProjectId))
                    .col(string_null(IncidentOccurrences::ServerId))
                    .col(big_integer(IncidentOccurrences::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_incident_occurrences_project_id")
                            .from(IncidentOccurrences::Table, IncidentOccurrences::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_incident_occurrences_incident_id")
                            .from(IncidentOccurrences::Table, IncidentOccurrences::IncidentId)
                            .to(Incidents::Table, Incidents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // `crash_count`: a project's reports in a window.
        manager
            .create_index(
                Index::create()
                    .name("ix_incident_occurrences_project_id_at")
                    .table(IncidentOccurrences::Table)
                    .col(IncidentOccurrences::ProjectId)
                    .col(IncidentOccurrences::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_incident_occurrences_incident_id")
                    .table(IncidentOccurrences::Table)
                    .col(IncidentOccurrences::IncidentId)
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "INSERT INTO incident_occurrences (incident_id, project_id, server_id, at) \
             SELECT id, project_id, server_id, timestamp FROM incidents",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(IncidentOccurrences::Table).to_owned()).await?;
        for index in [
            "ux_incidents_project_id_open_key",
            "ix_incidents_project_id_last_at",
            "ix_incidents_project_id_status_server_id",
        ] {
            manager.drop_index(Index::drop().name(index).table(Incidents::Table).to_owned()).await?;
        }
        for column in [
            Incidents::OpenKey,
            Incidents::Context,
            Incidents::RunningSince,
            Incidents::ResolvedAt,
            Incidents::LastAt,
            Incidents::Count,
            Incidents::Status,
        ] {
            manager
                .alter_table(Table::alter().table(Incidents::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
