//! Accounts: `users`, `login_challenges`, `login_failures`, `settings`, and
//! `id_sequences` (the integer id counters of every table).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::unique_index;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    FirstName,
    LastName,
    Pseudo,
    PseudoKey,
    Email,
    PasswordHash,
    TotpSecret,
    TotpPendingSecret,
    TotpEnabled,
    TotpLastStep,
    RecoveryCodeHashes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoginChallenges {
    Table,
    TokenHash,
    UserId,
    ExpiresAt,
    FailedAttempts,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    Email,
    At,
}

#[derive(DeriveIden)]
enum IdSequences {
    Table,
    Name,
    Last,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_integer(Users::Id).primary_key())
                    .col(string(Users::FirstName))
                    .col(string(Users::LastName))
                    .col(string(Users::Pseudo))
                    .col(string(Users::PseudoKey))
                    .col(string(Users::Email))
                    .col(string(Users::PasswordHash))
                    .col(string_null(Users::TotpSecret))
                    .col(string_null(Users::TotpPendingSecret))
                    .col(boolean(Users::TotpEnabled))
                    .col(big_integer_null(Users::TotpLastStep))
                    .col(text(Users::RecoveryCodeHashes))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;
        unique_index(manager, "ux_users_email", Users::Table, [Users::Email]).await?;
        unique_index(manager, "ux_users_pseudo_key", Users::Table, [Users::PseudoKey]).await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginChallenges::Table)
                    .col(string(LoginChallenges::TokenHash).primary_key())
                    .col(big_integer(LoginChallenges::UserId))
                    .col(timestamp_with_time_zone(LoginChallenges::ExpiresAt))
                    .col(integer(LoginChallenges::FailedAttempts))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_login_challenges_user_id")
                            .from(LoginChallenges::Table, LoginChallenges::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_login_challenges_user_id")
                    .table(LoginChallenges::Table)
                    .col(LoginChallenges::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginFailures::Table)
                    .col(big_pk_auto(LoginFailures::Id))
                    .col(string(LoginFailures::Email))
                    .col(timestamp_with_time_zone(LoginFailures::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_login_failures_email_at")
                    .table(LoginFailures::Table)
                    .col(LoginFailures::Email)
                    .col(LoginFailures::At)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(string(Settings::Key).primary_key())
                    .col(text(Settings::Value))
                    .to_owned(),
            )
            .await?;
        // One row per kind of id: `last` is the id handed out most recently.
        // Bumped with one `INSERT .. ON CONFLICT DO UPDATE .. RETURNING`, so
        // every instance on the database draws from the same counter.
        manager
            .create_table(
                Table::create()
                    .table(IdSequences::Table)
                    .col(string(IdSequences::Name).primary_key())
                    .col(big_integer(IdSequences::Last))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdSequences::Table.into_iden(),
            Settings::Table.into_iden(),
            LoginFailures::Table.into_iden(),
            LoginChallenges::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
