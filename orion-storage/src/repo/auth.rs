//! [`ChallengeRepository`] over `login_challenges` and
//! [`LoginAttemptRepository`] over `login_failures`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use orion_core::error::RepoResult;
use orion_core::model::{Email, LoginChallenge};
use orion_core::repo::{ChallengeRepository, LoginAttemptRepository};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, DatabaseConnection, QueryOrder, TransactionTrait};

use super::{parse_id, stored};
use crate::entity::{login_challenges as challenges, login_failures as failures};
use crate::error::{CorruptRow, repo_err};

/// Login challenges stored through SeaORM.
#[derive(Debug)]
pub(crate) struct ChallengeRepo(pub(crate) DatabaseConnection);

#[async_trait]
impl ChallengeRepository for ChallengeRepo {
    async fn insert(&self, challenge: &LoginChallenge) -> RepoResult<()> {
        let attempts = i32::try_from(challenge.failed_attempts).unwrap_or(i32::MAX);
        let row = challenges::ActiveModel {
            token_hash: Set(challenge.token_hash.clone()),
            user_id: Set(challenge.user_id.get()),
            expires_at: Set(stored(challenge.expires_at)),
            failed_attempts: Set(attempts),
        };
        challenges::Entity::insert(row).exec_without_returning(&self.0).await.map_err(repo_err)?;
        Ok(())
    }

    async fn find(&self, token_hash: &str) -> RepoResult<Option<LoginChallenge>> {
        let row =
            challenges::Entity::find_by_id(token_hash.to_owned()).one(&self.0).await.map_err(repo_err)?;
        row.map(to_domain).transpose()
    }

    async fn record_failure(&self, token_hash: &str) -> RepoResult<Option<u32>> {
        // Increment in SQL (not read-modify-write) and read back inside the
        // same transaction, so concurrent wrong codes are all counted.
        let txn = self.0.begin().await.map_err(repo_err)?;
        let done = challenges::Entity::update_many()
            .col_expr(
                challenges::Column::FailedAttempts,
                Expr::col(challenges::Column::FailedAttempts).add(1),
            )
            .filter(challenges::Column::TokenHash.eq(token_hash))
            .exec(&txn)
            .await
            .map_err(repo_err)?;
        if done.rows_affected == 0 {
            return Ok(None);
        }
        let row = challenges::Entity::find_by_id(token_hash.to_owned()).one(&txn).await.map_err(repo_err)?;
        txn.commit().await.map_err(repo_err)?;
        row.map(|r| attempts(r.failed_attempts)).transpose()
    }

    async fn delete(&self, token_hash: &str) -> RepoResult<bool> {
        // Only one concurrent DELETE can see the row: that caller wins.
        let done = challenges::Entity::delete_many()
            .filter(challenges::Column::TokenHash.eq(token_hash))
            .exec(&self.0)
            .await
            .map_err(repo_err)?;
        Ok(done.rows_affected == 1)
    }

    async fn delete_expired(&self, now: DateTime<Utc>, batch: u32) -> RepoResult<u64> {
        let expired =
            sea_orm::sea_query::Condition::all().add(challenges::Column::ExpiresAt.lte(stored(now)));
        super::delete_batch::<challenges::Entity>(&self.0, challenges::Column::TokenHash, expired, batch)
            .await
    }
}

fn attempts(stored: i32) -> RepoResult<u32> {
    u32::try_from(stored)
        .map_err(|_| CorruptRow::in_table("login_challenges", format!("negative attempt count {stored}")))
}

fn to_domain(row: challenges::Model) -> RepoResult<LoginChallenge> {
    Ok(LoginChallenge {
        token_hash: row.token_hash,
        user_id: parse_id("login_challenges", row.user_id)?,
        expires_at: row.expires_at,
        failed_attempts: attempts(row.failed_attempts)?,
    })
}

/// Failed-login records stored through SeaORM.
#[derive(Debug)]
pub(crate) struct LoginAttemptRepo(pub(crate) DatabaseConnection);

#[async_trait]
impl LoginAttemptRepository for LoginAttemptRepo {
    async fn record_failure(&self, email: &Email, at: DateTime<Utc>) -> RepoResult<()> {
        let row =
            failures::ActiveModel { id: NotSet, email: Set(email.as_str().to_owned()), at: Set(stored(at)) };
        failures::Entity::insert(row).exec_without_returning(&self.0).await.map_err(repo_err)?;
        Ok(())
    }

    async fn failures_since(&self, email: &Email, since: DateTime<Utc>) -> RepoResult<Vec<DateTime<Utc>>> {
        let rows = failures::Entity::find()
            .filter(failures::Column::Email.eq(email.as_str()))
            .filter(failures::Column::At.gte(stored(since)))
            .order_by_asc(failures::Column::At)
            .order_by_asc(failures::Column::Id)
            .all(&self.0)
            .await
            .map_err(repo_err)?;
        Ok(rows.into_iter().map(|row| row.at).collect())
    }

    async fn clear(&self, email: &Email) -> RepoResult<()> {
        failures::Entity::delete_many()
            .filter(failures::Column::Email.eq(email.as_str()))
            .exec(&self.0)
            .await
            .map_err(repo_err)?;
        Ok(())
    }
}
