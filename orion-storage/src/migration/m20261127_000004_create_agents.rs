//! Machines watched by agents: `servers`, `heartbeats`, `commands` and
//! `incidents`.
//!
//! Instants are microseconds since the Unix epoch (`BIGINT`), as for logs:
//! integer comparisons on both backends, and window averages for alert
//! rules become plain range scans.
//!
//! - `servers` is keyed by its natural key `(project_id, server_id)`.
//! - `heartbeats` and `commands` reference their server (neither can exist
//!   for an unknown one).
//! - `heartbeats` keep the figures as real columns so alert rules can
//!   average them in SQL; the `(project_id, timestamp, server_id, …)` index
//!   carries the averaged columns, so a project's window — overall or
//!   grouped by server — is an index-only range scan.
//! - `commands` and `incidents` get a `seq` surrogate key besides their
//!   UUID: commands enqueued in the same millisecond must still reach the
//!   agent in the order they were sent (a `stop` then a `start` is not a
//!   `start` then a `stop`), and ties in listings follow insertion order.

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
enum Servers {
    Table,
    Id,
    ProjectId,
    ServerId,
    DisplayName,
    Hostname,
    Platform,
    Arch,
    CreatedAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum Heartbeats {
    Table,
    Id,
    ProjectId,
    ServerId,
    Timestamp,
    ReceivedAt,
    UptimeSeconds,
    CpuPercent,
    CpuCores,
    RamUsedMb,
    RamTotalMb,
    RamPercent,
    DiskUsedGb,
    DiskTotalGb,
    DiskPercent,
    NetRxBytesPerSec,
    NetTxBytesPerSec,
    LoadAverage,
    Scripts,
}

#[derive(DeriveIden)]
enum Commands {
    Table,
    Seq,
    Id,
    ProjectId,
    ServerId,
    Kind,
    ScriptName,
    Payload,
    Status,
    Output,
    CreatedAt,
    AckedAt,
}

#[derive(DeriveIden)]
enum Incidents {
    Table,
    Seq,
    Id,
    ProjectId,
    ServerId,
    Event,
    Message,
    ScriptName,
    Timestamp,
    ReceivedAt,
}

/// `<table>.project_id → projects.id`, cascading.
fn project_fk(name: &str, table: impl IntoTableRef, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(Projects::Table, Projects::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_servers(manager).await?;
        create_heartbeats(manager).await?;
        create_commands(manager).await?;
        create_incidents(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Incidents::Table.into_iden(),
            Commands::Table.into_iden(),
            Heartbeats::Table.into_iden(),
            Servers::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

async fn create_servers(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Servers::Table)
                .col(big_integer(Servers::Id))
                .col(big_integer(Servers::ProjectId))
                .col(string(Servers::ServerId))
                .col(text(Servers::DisplayName))
                .col(text(Servers::Hostname))
                .col(text(Servers::Platform))
                .col(text(Servers::Arch))
                .col(big_integer(Servers::CreatedAt))
                .col(big_integer_null(Servers::LastSeenAt))
                // Leading `project_id` also serves "the project's servers".
                .primary_key(Index::create().col(Servers::ProjectId).col(Servers::ServerId))
                .foreign_key(&mut project_fk("fk_servers_project_id", Servers::Table, Servers::ProjectId))
                .to_owned(),
        )
        .await?;
    unique_index(manager, "ux_servers_id", Servers::Table, [Servers::Id]).await
}

async fn create_heartbeats(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Heartbeats::Table)
                .col(big_pk_auto(Heartbeats::Id))
                .col(big_integer(Heartbeats::ProjectId))
                .col(string(Heartbeats::ServerId))
                .col(big_integer(Heartbeats::Timestamp))
                .col(big_integer(Heartbeats::ReceivedAt))
                .col(double_null(Heartbeats::UptimeSeconds))
                .col(double_null(Heartbeats::CpuPercent))
                .col(integer_null(Heartbeats::CpuCores))
                .col(double_null(Heartbeats::RamUsedMb))
                .col(double_null(Heartbeats::RamTotalMb))
                .col(double_null(Heartbeats::RamPercent))
                .col(double_null(Heartbeats::DiskUsedGb))
                .col(double_null(Heartbeats::DiskTotalGb))
                .col(double_null(Heartbeats::DiskPercent))
                .col(double_null(Heartbeats::NetRxBytesPerSec))
                .col(double_null(Heartbeats::NetTxBytesPerSec))
                .col(json_binary_null(Heartbeats::LoadAverage))
                .col(json_binary(Heartbeats::Scripts))
                .foreign_key(&mut project_fk(
                    "fk_heartbeats_project_id",
                    Heartbeats::Table,
                    Heartbeats::ProjectId,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_heartbeats_server")
                        .from(Heartbeats::Table, (Heartbeats::ProjectId, Heartbeats::ServerId))
                        .to(Servers::Table, (Servers::ProjectId, Servers::ServerId))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    // One server's history, newest first (latest, list); insertion order
    // breaks timestamp ties.
    manager
        .create_index(
            Index::create()
                .name("ix_heartbeats_project_id_server_id_timestamp")
                .table(Heartbeats::Table)
                .col(Heartbeats::ProjectId)
                .col(Heartbeats::ServerId)
                .col((Heartbeats::Timestamp, IndexOrder::Desc))
                .col((Heartbeats::Id, IndexOrder::Desc))
                .to_owned(),
        )
        .await?;
    // A project's window (alert rules): covers what they average, grouped
    // by server, so the table itself is never read.
    manager
        .create_index(
            Index::create()
                .name("ix_heartbeats_project_id_timestamp")
                .table(Heartbeats::Table)
                .col(Heartbeats::ProjectId)
                .col(Heartbeats::Timestamp)
                .col(Heartbeats::ServerId)
                .col(Heartbeats::CpuPercent)
                .col(Heartbeats::RamPercent)
                .col(Heartbeats::RamUsedMb)
                .col(Heartbeats::RamTotalMb)
                .col(Heartbeats::DiskPercent)
                .col(Heartbeats::DiskUsedGb)
                .col(Heartbeats::DiskTotalGb)
                .to_owned(),
        )
        .await
}

async fn create_commands(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Commands::Table)
                .col(big_pk_auto(Commands::Seq))
                .col(big_integer(Commands::Id))
                .col(big_integer(Commands::ProjectId))
                .col(string(Commands::ServerId))
                .col(string(Commands::Kind))
                .col(text_null(Commands::ScriptName))
                .col(json_binary(Commands::Payload))
                .col(string(Commands::Status))
                .col(text_null(Commands::Output))
                .col(big_integer(Commands::CreatedAt))
                .col(big_integer_null(Commands::AckedAt))
                .foreign_key(&mut project_fk("fk_commands_project_id", Commands::Table, Commands::ProjectId))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_commands_server")
                        .from(Commands::Table, (Commands::ProjectId, Commands::ServerId))
                        .to(Servers::Table, (Servers::ProjectId, Servers::ServerId))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    unique_index(manager, "ux_commands_id", Commands::Table, [Commands::Id]).await?;
    // An agent's poll: its pending commands, oldest first.
    manager
        .create_index(
            Index::create()
                .name("ix_commands_project_id_server_id_status_created_at")
                .table(Commands::Table)
                .col(Commands::ProjectId)
                .col(Commands::ServerId)
                .col(Commands::Status)
                .col(Commands::CreatedAt)
                .col(Commands::Seq)
                .to_owned(),
        )
        .await?;
    // The owner's listing: every status, newest first.
    manager
        .create_index(
            Index::create()
                .name("ix_commands_project_id_server_id_created_at")
                .table(Commands::Table)
                .col(Commands::ProjectId)
                .col(Commands::ServerId)
                .col((Commands::CreatedAt, IndexOrder::Desc))
                .col((Commands::Seq, IndexOrder::Desc))
                .to_owned(),
        )
        .await
}

async fn create_incidents(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Incidents::Table)
                .col(big_pk_auto(Incidents::Seq))
                .col(big_integer(Incidents::Id))
                .col(big_integer(Incidents::ProjectId))
                .col(string_null(Incidents::ServerId))
                .col(string(Incidents::Event))
                .col(text(Incidents::Message))
                .col(text_null(Incidents::ScriptName))
                .col(big_integer(Incidents::Timestamp))
                .col(big_integer(Incidents::ReceivedAt))
                .foreign_key(&mut project_fk(
                    "fk_incidents_project_id",
                    Incidents::Table,
                    Incidents::ProjectId,
                ))
                .to_owned(),
        )
        .await?;
    unique_index(manager, "ux_incidents_id", Incidents::Table, [Incidents::Id]).await?;
    manager
        .create_index(
            Index::create()
                .name("ix_incidents_project_id_timestamp")
                .table(Incidents::Table)
                .col(Incidents::ProjectId)
                .col((Incidents::Timestamp, IndexOrder::Desc))
                .col((Incidents::Seq, IndexOrder::Desc))
                .to_owned(),
        )
        .await
}
