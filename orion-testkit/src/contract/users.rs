//! Contract of [`UserRepository`](orion_core::repo::UserRepository).

use orion_core::model::{Pseudo, UserId};
use orion_core::{ConflictKey, Repos};

use super::{assert_conflict, assert_not_found, at, new_user, random};

/// Insert, then find by id and by email: every field comes back as stored.
pub async fn a_user_round_trips_by_id_and_by_email(repos: &Repos) {
    let mut user = new_user();
    user.created_at = at(4_567);
    repos.users.insert(&user).await.expect("insert");
    assert_eq!(repos.users.find_by_id(user.id).await.expect("find_by_id"), Some(user.clone()));
    assert_eq!(repos.users.find_by_email(&user.email).await.expect("find_by_email"), Some(user));
    assert_eq!(repos.users.find_by_id(UserId(crate::fresh_id())).await.expect("find_by_id"), None);
    assert_eq!(repos.users.find_by_email(&super::fresh_email()).await.expect("find"), None);
}

/// Secrets, flags, the last TOTP step and recovery hashes survive an update.
pub async fn two_factor_state_round_trips_through_update(repos: &Repos) {
    let mut user = new_user();
    repos.users.insert(&user).await.expect("insert");
    let tf = &mut user.two_factor;
    tf.secret = Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into());
    tf.pending_secret = Some("KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU".into());
    tf.enabled = true;
    tf.last_used_step = Some(56_666_666);
    tf.recovery_code_hashes = (0..3).map(|_| random(32)).collect();
    user.password_hash = format!("$2b$04${}", random(30));
    repos.users.update(&user).await.expect("update");
    assert_eq!(repos.users.find_by_id(user.id).await.expect("find"), Some(user.clone()));

    // And back to "off", with no recovery codes left.
    user.two_factor = Default::default();
    repos.users.update(&user).await.expect("update");
    assert_eq!(repos.users.find_by_id(user.id).await.expect("find"), Some(user));
}

/// `update` of a user that was never inserted is `NotFound`.
pub async fn updating_a_missing_user_is_not_found(repos: &Repos) {
    assert_not_found(repos.users.update(&new_user()).await);
}

/// A second user with the same email is refused, and not stored.
pub async fn a_duplicate_email_is_a_conflict_naming_email(repos: &Repos) {
    let first = new_user();
    repos.users.insert(&first).await.expect("insert");
    let mut second = new_user();
    second.email = first.email.clone();
    assert_conflict(repos.users.insert(&second).await, ConflictKey::Email);
    assert_eq!(repos.users.find_by_id(second.id).await.expect("find"), None);
}

/// Pseudos are unique case-insensitively.
pub async fn a_pseudo_differing_only_in_case_is_a_conflict_naming_pseudo(repos: &Repos) {
    let mut first = new_user();
    first.pseudo = Pseudo::parse(&format!("Ab{}", random(16))).expect("valid");
    repos.users.insert(&first).await.expect("insert");
    let mut second = new_user();
    second.pseudo = Pseudo::parse(&first.pseudo.as_str().to_uppercase()).expect("valid");
    assert_conflict(repos.users.insert(&second).await, ConflictKey::Pseudo);
    assert_eq!(repos.users.find_by_email(&second.email).await.expect("find"), None);
}
