//! Contract of [`SavedSearchRepository`](orion_core::repo::SavedSearchRepository).

use orion_core::Repos;
use orion_core::model::{ProjectId, SavedSearch, SearchId};

use super::{assert_not_found, at, random, stored_project};

fn search(project: ProjectId, name: &str, offset_ms: i64) -> SavedSearch {
    SavedSearch {
        id: SearchId(crate::fresh_id()),
        project_id: project,
        name: name.into(),
        q: format!("level>=warn -tag:{} \"timed out\"", random(6)),
        from: Some("now-1h".into()),
        to: None,
        created_at: at(offset_ms),
        updated_at: at(offset_ms),
    }
}

/// Insert (bounded by `max`, names unique per project), find, list oldest
/// first, update (never another project's, never onto a taken name),
/// delete once, and a project's deletion takes its searches.
pub async fn saved_searches_round_trip_with_unique_names_and_a_bounded_count(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let s = &repos.searches;
    let (b, a) = (search(project.id, "b", 10), search(project.id, "a", 0));
    assert!(s.insert(&b, 3).await.expect("insert"));
    assert!(s.insert(&a, 3).await.expect("insert"));
    assert_eq!(s.find(project.id, a.id).await.expect("find"), Some(a.clone()));
    assert_eq!(s.find(other.id, a.id).await.expect("find"), None);
    assert_eq!(s.list(project.id).await.expect("list"), [a.clone(), b.clone()]);

    let dup = search(project.id, "a", 20);
    assert!(matches!(
        s.insert(&dup, 3).await,
        Err(orion_core::RepositoryError::Conflict(orion_core::ConflictKey::Name))
    ));
    assert!(s.insert(&search(other.id, "a", 0), 3).await.expect("another project may use the name"));
    assert!(s.insert(&search(project.id, "c", 30), 3).await.expect("insert"));
    assert!(!s.insert(&search(project.id, "d", 40), 3).await.expect("full"), "the fourth is refused");
    assert_eq!(s.list(project.id).await.expect("list").len(), 3);

    let renamed = SavedSearch {
        name: "a2".into(),
        q: String::new(),
        from: None,
        to: Some("now".into()),
        updated_at: at(99),
        ..a.clone()
    };
    s.update(&renamed).await.expect("update");
    assert_eq!(s.find(project.id, a.id).await.expect("find"), Some(renamed.clone()));
    assert!(matches!(
        s.update(&SavedSearch { name: "b".into(), ..renamed.clone() }).await,
        Err(orion_core::RepositoryError::Conflict(orion_core::ConflictKey::Name))
    ));
    assert_not_found(s.update(&SavedSearch { project_id: other.id, ..renamed.clone() }).await);
    assert_not_found(s.delete(other.id, a.id).await);
    s.delete(project.id, a.id).await.expect("delete");
    assert_not_found(s.delete(project.id, a.id).await);
    assert_eq!(s.find(project.id, a.id).await.expect("find"), None);

    repos.projects.delete(project.id).await.expect("delete the project");
    assert!(s.list(project.id).await.expect("list").is_empty());
    assert_eq!(s.find(project.id, b.id).await.expect("find"), None);
}
