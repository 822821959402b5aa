//! Contract of [`ProjectRepository`](orion_core::repo::ProjectRepository).

use orion_core::model::{ArchivedFilter, Project, ProjectId, ProjectName};
use orion_core::{ConflictKey, Repos};

use super::{
    assert_conflict, assert_not_found, at, new_project, new_source, new_token, random, stored_project,
    stored_user,
};

/// Insert, then find by id and by `(owner, name)`.
pub async fn a_project_round_trips_by_id_and_by_name(repos: &Repos) {
    let owner = stored_user(repos).await;
    let project = new_project(owner.id, &format!("p-{}", random(12)), at(987));
    repos.projects.insert(&project).await.expect("insert");
    let by_id = repos.projects.find_by_id(project.id).await.expect("find_by_id");
    assert_eq!(by_id, Some(project.clone()));
    let by_name = repos.projects.find_by_name(owner.id, &project.name).await.expect("by name");
    assert_eq!(by_name, Some(project));
    assert_eq!(repos.projects.find_by_id(ProjectId(crate::fresh_id())).await.expect("find"), None);
}

/// `(owner, name)` is unique; the name alone is not.
pub async fn two_owners_may_use_the_same_name_but_one_owner_may_not(repos: &Repos) {
    let (ada, bob) = (stored_user(repos).await, stored_user(repos).await);
    let name = format!("shared-{}", random(10));
    repos.projects.insert(&new_project(ada.id, &name, at(0))).await.expect("ada's");
    repos.projects.insert(&new_project(bob.id, &name, at(0))).await.expect("bob's, same name");
    let duplicate = new_project(ada.id, &name, at(1));
    assert_conflict(repos.projects.insert(&duplicate).await, ConflictKey::Name);
    assert_eq!(repos.projects.find_by_id(duplicate.id).await.expect("find"), None);
}

/// Looking a name up under the wrong owner finds nothing.
pub async fn find_by_name_never_returns_another_owners_project(repos: &Repos) {
    let project = stored_project(repos).await;
    let stranger = stored_user(repos).await;
    let found = repos.projects.find_by_name(stranger.id, &project.name).await.expect("find");
    assert_eq!(found, None);
    let missing = ProjectName::parse(&format!("none-{}", random(8))).expect("valid");
    assert_eq!(repos.projects.find_by_name(project.owner_id, &missing).await.expect("find"), None);
}

/// Each filter returns the right projects, oldest first, whatever the
/// insertion order; `set_archived` flips the flag both ways.
pub async fn list_by_owner_filters_on_archived_oldest_first(repos: &Repos) {
    let owner = stored_user(repos).await;
    let make = |offset| new_project(owner.id, &format!("p-{}", random(12)), at(offset));
    let (oldest, middle, newest) = (make(0), make(1_000), make(2_000));
    for project in [&middle, &newest, &oldest] {
        repos.projects.insert(project).await.expect("insert");
    }
    // Someone else's project never shows up.
    stored_project(repos).await;

    repos.projects.set_archived(middle.id, true).await.expect("archive");
    let archived_middle = Project { archived: true, ..middle.clone() };
    let list = |filter| async move { repos.projects.list_by_owner(owner.id, filter).await.expect("list") };
    assert_eq!(list(ArchivedFilter::Active).await, [oldest.clone(), newest.clone()]);
    assert_eq!(list(ArchivedFilter::Archived).await, std::slice::from_ref(&archived_middle));
    assert_eq!(list(ArchivedFilter::All).await, [oldest.clone(), archived_middle, newest.clone()]);

    repos.projects.set_archived(middle.id, false).await.expect("restore");
    assert_eq!(list(ArchivedFilter::Active).await, [oldest, middle, newest]);
    assert!(list(ArchivedFilter::Archived).await.is_empty());
}

/// `set_archived` on an id that does not exist is `NotFound`.
pub async fn archiving_a_missing_project_is_not_found(repos: &Repos) {
    assert_not_found(repos.projects.set_archived(ProjectId(crate::fresh_id()), true).await);
}

/// Deleting a project takes its sources and tokens with it, and nothing of
/// any other project.
pub async fn deleting_a_project_removes_its_sources_and_tokens_only(repos: &Repos) {
    let (doomed, kept) = (stored_project(repos).await, stored_project(repos).await);
    let mut tokens = Vec::new();
    for project in [&doomed, &kept] {
        let source = new_source(project.id, &format!("s-{}", random(10)), at(0));
        let bound = new_token(project.id, Some(source.id), at(0));
        repos.sources.insert(&source, Some(&bound)).await.expect("insert source");
        let loose = new_token(project.id, None, at(0));
        repos.tokens.insert(&loose).await.expect("insert token");
        tokens.push((bound, loose));
    }

    repos.projects.delete(doomed.id).await.expect("delete");

    assert_eq!(repos.projects.find_by_id(doomed.id).await.expect("find"), None);
    assert!(repos.sources.list_by_project(doomed.id).await.expect("list").is_empty());
    assert!(repos.tokens.list_by_project(doomed.id).await.expect("list").is_empty());
    let (bound, loose) = &tokens[0];
    assert_eq!(repos.tokens.find_by_hash(&bound.hash).await.expect("find"), None);
    assert_eq!(repos.tokens.find_by_hash(&loose.hash).await.expect("find"), None);

    assert_eq!(repos.projects.find_by_id(kept.id).await.expect("find"), Some(kept.clone()));
    assert_eq!(repos.sources.list_by_project(kept.id).await.expect("list").len(), 1);
    assert_eq!(repos.tokens.list_by_project(kept.id).await.expect("list").len(), 2);
    let (bound, loose) = &tokens[1];
    assert!(repos.tokens.find_by_hash(&bound.hash).await.expect("find").is_some());
    assert!(repos.tokens.find_by_hash(&loose.hash).await.expect("find").is_some());
}
