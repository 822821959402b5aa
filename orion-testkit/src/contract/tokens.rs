//! Contract of [`TokenRepository`](orion_core::repo::TokenRepository).

use orion_core::model::{PermissionSet, ServerId, TokenId, TokenKind};
use orion_core::{ConflictKey, Repos};

use super::{assert_conflict, assert_not_found, at, new_source, new_token, random, stored_project};

/// Every field comes back, including permissions and bindings.
pub async fn a_token_round_trips_by_hash_and_by_id(repos: &Repos) {
    let project = stored_project(repos).await;
    let source = new_source(project.id, &format!("s-{}", random(10)), at(0));
    repos.sources.insert(&source, None).await.expect("insert source");
    let mut token = new_token(project.id, Some(source.id), at(321));
    token.kind = TokenKind::AgentSource;
    token.permissions = TokenKind::Agent.default_permissions();
    token.server_id = Some(ServerId::parse(&format!("srv-{}", random(8))).expect("a valid server id"));
    repos.tokens.insert(&token).await.expect("insert");
    assert_eq!(repos.tokens.find_by_hash(&token.hash).await.expect("find"), Some(token.clone()));
    assert_eq!(repos.tokens.find(project.id, token.id).await.expect("find"), Some(token));
    assert_eq!(repos.tokens.find_by_hash(&random(32)).await.expect("find"), None);
}

/// Two tokens may not share a hash.
pub async fn a_duplicate_hash_is_a_conflict_naming_hash(repos: &Repos) {
    let project = stored_project(repos).await;
    let first = new_token(project.id, None, at(0));
    repos.tokens.insert(&first).await.expect("insert");
    let mut second = new_token(project.id, None, at(1));
    second.hash = first.hash.clone();
    assert_conflict(repos.tokens.insert(&second).await, ConflictKey::TokenHash);
    assert_eq!(repos.tokens.find(project.id, second.id).await.expect("find"), None);
}

/// `find` with the wrong project returns nothing, as for an unknown id.
pub async fn find_is_scoped_by_project(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let token = new_token(project.id, None, at(0));
    repos.tokens.insert(&token).await.expect("insert");
    assert_eq!(repos.tokens.find(other.id, token.id).await.expect("find"), None);
    assert_eq!(repos.tokens.find(project.id, TokenId(crate::fresh_id())).await.expect("find"), None);
    assert!(repos.tokens.list_by_project(other.id).await.expect("list").is_empty());
}

/// Oldest first whatever the insertion order.
pub async fn tokens_are_listed_oldest_first(repos: &Repos) {
    let project = stored_project(repos).await;
    let (a, b, c) = (
        new_token(project.id, None, at(0)),
        new_token(project.id, None, at(1)),
        new_token(project.id, None, at(5_000)),
    );
    for token in [&b, &c, &a] {
        repos.tokens.insert(token).await.expect("insert");
    }
    assert_eq!(repos.tokens.list_by_project(project.id).await.expect("list"), [a, b, c]);
}

/// After `replace_value` the old hash finds nothing and the new one finds
/// the same token; a wrong project or unknown id is `NotFound`.
pub async fn replacing_the_value_retires_the_old_hash(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let token = new_token(project.id, None, at(0));
    repos.tokens.insert(&token).await.expect("insert");
    let (new_hash, new_prefix) = (format!("{}{}", random(32), random(32)), "sk_api_new12".to_owned());
    repos.tokens.replace_value(project.id, token.id, &new_hash, &new_prefix).await.expect("replace");

    assert_eq!(repos.tokens.find_by_hash(&token.hash).await.expect("find"), None);
    let found = repos.tokens.find_by_hash(&new_hash).await.expect("find").expect("new hash");
    let expected = orion_core::model::ApiToken {
        hash: new_hash.clone(),
        display_prefix: new_prefix.clone(),
        ..token.clone()
    };
    assert_eq!(found, expected);

    let stolen = format!("{}{}", random(32), random(32));
    assert_not_found(repos.tokens.replace_value(other.id, token.id, &stolen, "x").await);
    assert_not_found(repos.tokens.replace_value(project.id, TokenId(crate::fresh_id()), &stolen, "x").await);
    assert_eq!(repos.tokens.find_by_hash(&stolen).await.expect("find"), None);
}

/// `delete` needs the right project; the token is then gone for good.
pub async fn delete_removes_only_the_projects_token(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let (token, sibling) = (new_token(project.id, None, at(0)), new_token(project.id, None, at(1)));
    repos.tokens.insert(&token).await.expect("insert");
    repos.tokens.insert(&sibling).await.expect("insert");

    assert_not_found(repos.tokens.delete(other.id, token.id).await);
    assert!(repos.tokens.find_by_hash(&token.hash).await.expect("find").is_some());

    repos.tokens.delete(project.id, token.id).await.expect("delete");
    assert_eq!(repos.tokens.find_by_hash(&token.hash).await.expect("find"), None);
    assert_eq!(repos.tokens.find(project.id, token.id).await.expect("find"), None);
    assert_not_found(repos.tokens.delete(project.id, token.id).await);
    assert_eq!(repos.tokens.list_by_project(project.id).await.expect("list"), [sibling]);
}

/// `touch` sets `last_used_at` (to the millisecond) and nothing else.
pub async fn touch_records_the_last_use(repos: &Repos) {
    let project = stored_project(repos).await;
    let mut token = new_token(project.id, None, at(0));
    token.permissions = PermissionSet::parse(&["commands:read"]).expect("known");
    repos.tokens.insert(&token).await.expect("insert");
    repos.tokens.touch(token.id, at(61_789)).await.expect("touch");
    token.last_used_at = Some(at(61_789));
    assert_eq!(repos.tokens.find_by_hash(&token.hash).await.expect("find"), Some(token.clone()));
    repos.tokens.touch(token.id, at(125_001)).await.expect("touch again");
    token.last_used_at = Some(at(125_001));
    assert_eq!(repos.tokens.find(project.id, token.id).await.expect("find"), Some(token));
}
