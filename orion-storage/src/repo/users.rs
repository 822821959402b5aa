//! [`UserRepository`] over the `users` table.

use async_trait::async_trait;
use orion_core::error::{RepoResult, RepositoryError};
use orion_core::model::user::TwoFactor;
use orion_core::model::{Email, PersonName, Pseudo, User, UserId};
use orion_core::repo::UserRepository;
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseConnection};

use super::{parse_id, stored};
use crate::entity::users::{self, Column, Entity};
use crate::error::{CorruptRow, repo_err};

/// Users stored through SeaORM.
#[derive(Debug)]
pub(crate) struct UserRepo(pub(crate) DatabaseConnection);

#[async_trait]
impl UserRepository for UserRepo {
    async fn insert(&self, user: &User) -> RepoResult<()> {
        Entity::insert(active(user)?).exec_without_returning(&self.0).await.map_err(repo_err)?;
        Ok(())
    }

    async fn find_by_id(&self, id: UserId) -> RepoResult<Option<User>> {
        let row = Entity::find_by_id(id.get()).one(&self.0).await.map_err(repo_err)?;
        row.map(to_domain).transpose()
    }

    async fn find_by_email(&self, email: &Email) -> RepoResult<Option<User>> {
        let row =
            Entity::find().filter(Column::Email.eq(email.as_str())).one(&self.0).await.map_err(repo_err)?;
        row.map(to_domain).transpose()
    }

    async fn update(&self, user: &User) -> RepoResult<()> {
        let done = Entity::update_many()
            .set(active(user)?)
            .filter(Column::Id.eq(user.id.get()))
            .exec(&self.0)
            .await
            .map_err(repo_err)?;
        if done.rows_affected == 0 {
            return Err(RepositoryError::NotFound);
        }
        Ok(())
    }
}

fn active(user: &User) -> RepoResult<users::ActiveModel> {
    let tf = &user.two_factor;
    let codes = serde_json::to_string(&tf.recovery_code_hashes).map_err(RepositoryError::unavailable)?;
    Ok(users::ActiveModel {
        id: Set(user.id.get()),
        first_name: Set(user.first_name.as_str().to_owned()),
        last_name: Set(user.last_name.as_str().to_owned()),
        pseudo: Set(user.pseudo.as_str().to_owned()),
        // The unique key that makes pseudos collide case-insensitively.
        pseudo_key: Set(user.pseudo.as_str().to_lowercase()),
        email: Set(user.email.as_str().to_owned()),
        password_hash: Set(user.password_hash.clone()),
        totp_secret: Set(tf.secret.clone()),
        totp_pending_secret: Set(tf.pending_secret.clone()),
        totp_enabled: Set(tf.enabled),
        totp_last_step: Set(tf.last_used_step),
        recovery_code_hashes: Set(codes),
        created_at: Set(stored(user.created_at)),
    })
}

fn to_domain(row: users::Model) -> RepoResult<User> {
    let bad = |what: String| CorruptRow::in_table("users", what);
    Ok(User {
        id: parse_id("users", row.id)?,
        first_name: PersonName::parse("firstName", &row.first_name).map_err(|e| bad(e.message))?,
        last_name: PersonName::parse("lastName", &row.last_name).map_err(|e| bad(e.message))?,
        pseudo: Pseudo::parse(&row.pseudo).map_err(|e| bad(e.message))?,
        email: Email::parse(&row.email).map_err(|e| bad(e.message))?,
        password_hash: row.password_hash,
        two_factor: TwoFactor {
            secret: row.totp_secret,
            pending_secret: row.totp_pending_secret,
            enabled: row.totp_enabled,
            last_used_step: row.totp_last_step,
            recovery_code_hashes: serde_json::from_str(&row.recovery_code_hashes)
                .map_err(|e| bad(format!("recovery codes: {e}")))?,
        },
        created_at: row.created_at,
    })
}
