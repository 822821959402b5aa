//! [`UserRepository`] in memory.

use async_trait::async_trait;
use orion_core::error::RepoResult;
use orion_core::model::{Email, User, UserId};
use orion_core::repo::UserRepository;
use orion_core::{ConflictKey, RepositoryError};

use super::Db;

pub(super) struct Users(pub(super) Db);

/// Whether another user than `id` already holds `user`'s email or pseudo;
/// names the colliding key like the SQL backends do.
fn collision(store: &super::Store, user: &User) -> Option<ConflictKey> {
    let others = store.users.values().filter(|u| u.id != user.id);
    for other in others {
        if other.email == user.email {
            return Some(ConflictKey::Email);
        }
        if other.pseudo.as_str().eq_ignore_ascii_case(user.pseudo.as_str()) {
            return Some(ConflictKey::Pseudo);
        }
    }
    None
}

#[async_trait]
impl UserRepository for Users {
    async fn insert(&self, user: &User) -> RepoResult<()> {
        let mut store = self.0.lock();
        if store.users.contains_key(&user.id) {
            return Err(RepositoryError::Conflict(ConflictKey::Id));
        }
        if let Some(key) = collision(&store, user) {
            return Err(RepositoryError::Conflict(key));
        }
        store.users.insert(user.id, user.clone());
        Ok(())
    }

    async fn find_by_id(&self, id: UserId) -> RepoResult<Option<User>> {
        Ok(self.0.lock().users.get(&id).cloned())
    }

    async fn find_by_email(&self, email: &Email) -> RepoResult<Option<User>> {
        Ok(self.0.lock().users.values().find(|u| &u.email == email).cloned())
    }

    async fn update(&self, user: &User) -> RepoResult<()> {
        let mut store = self.0.lock();
        if !store.users.contains_key(&user.id) {
            return Err(RepositoryError::NotFound);
        }
        if let Some(key) = collision(&store, user) {
            return Err(RepositoryError::Conflict(key));
        }
        store.users.insert(user.id, user.clone());
        Ok(())
    }
}
