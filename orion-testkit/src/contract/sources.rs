//! Contract of [`SourceRepository`](orion_core::repo::SourceRepository).

use orion_core::model::SourceName;
use orion_core::{ConflictKey, Repos};

use super::{assert_conflict, at, new_source, new_token, random, stored_project};

/// After `insert(source, Some(token))` both can be read back.
pub async fn a_source_and_its_token_are_stored_together(repos: &Repos) {
    let project = stored_project(repos).await;
    let source = new_source(project.id, &format!("s-{}", random(10)), at(55));
    let token = new_token(project.id, Some(source.id), at(55));
    repos.sources.insert(&source, Some(&token)).await.expect("insert");
    let found = repos.sources.find_by_name(project.id, &source.name).await.expect("find");
    assert_eq!(found, Some(source));
    assert_eq!(repos.tokens.find_by_hash(&token.hash).await.expect("find"), Some(token));
}

/// Atomicity: when the token cannot be stored, the source is not either.
pub async fn a_token_hash_collision_stores_neither_source_nor_token(repos: &Repos) {
    let project = stored_project(repos).await;
    let existing = new_token(project.id, None, at(0));
    repos.tokens.insert(&existing).await.expect("insert token");

    let source = new_source(project.id, &format!("s-{}", random(10)), at(0));
    let mut clash = new_token(project.id, Some(source.id), at(0));
    clash.hash = existing.hash.clone();
    assert_conflict(repos.sources.insert(&source, Some(&clash)).await, ConflictKey::TokenHash);

    assert_eq!(repos.sources.find_by_name(project.id, &source.name).await.expect("find"), None);
    assert!(repos.sources.list_by_project(project.id).await.expect("list").is_empty());
    assert_eq!(repos.tokens.find(project.id, clash.id).await.expect("find"), None);
    assert_eq!(repos.tokens.list_by_project(project.id).await.expect("list"), [existing]);
}

/// `(project, name)` is unique; the refused source's token is not stored.
pub async fn a_duplicate_name_in_one_project_stores_neither(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let name = format!("s-{}", random(10));
    repos.sources.insert(&new_source(project.id, &name, at(0)), None).await.expect("first");
    repos.sources.insert(&new_source(other.id, &name, at(0)), None).await.expect("other project");

    let duplicate = new_source(project.id, &name, at(1));
    let token = new_token(project.id, Some(duplicate.id), at(1));
    assert_conflict(repos.sources.insert(&duplicate, Some(&token)).await, ConflictKey::Name);
    assert_eq!(repos.tokens.find_by_hash(&token.hash).await.expect("find"), None);
    assert_eq!(repos.sources.list_by_project(project.id).await.expect("list").len(), 1);
}

/// Listing is oldest first whatever the insertion order; names are looked
/// up within one project only.
pub async fn sources_are_listed_oldest_first_and_found_only_in_their_project(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let make = |offset| new_source(project.id, &format!("s-{}", random(10)), at(offset));
    let (first, second, third) = (make(0), make(1), make(2_000));
    for source in [&third, &first, &second] {
        repos.sources.insert(source, None).await.expect("insert");
    }
    let listed = repos.sources.list_by_project(project.id).await.expect("list");
    assert_eq!(listed, [first.clone(), second, third]);

    assert_eq!(repos.sources.find_by_name(other.id, &first.name).await.expect("find"), None);
    let missing = SourceName::parse(&format!("none-{}", random(8))).expect("valid");
    assert_eq!(repos.sources.find_by_name(project.id, &missing).await.expect("find"), None);
    assert!(repos.sources.list_by_project(other.id).await.expect("list").is_empty());
}
