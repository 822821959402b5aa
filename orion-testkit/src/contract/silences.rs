//! Contract of [`SilenceRepository`](orion_core::repo::SilenceRepository).

use orion_core::Repos;
use orion_core::model::alert::Silence;
use orion_core::model::{ProjectId, RuleId, ServerId, SilenceId};

use super::{assert_not_found, at, stored_project};

fn silence(project: ProjectId, created_ms: i64, until_ms: i64) -> Silence {
    Silence {
        id: SilenceId(crate::fresh_id()),
        project_id: project,
        rule_id: Some(RuleId(crate::fresh_id())),
        server_id: Some(ServerId::parse("web-1.eu:node_2").expect("valid server id")),
        until: at(until_ms),
        reason: "deploy «v2» — maintenance".into(),
        created_at: at(created_ms),
    }
}

/// Insert (bounded by `max` active ones), find and list only while active
/// (oldest first), never another project's; delete once; an expired
/// silence is neither found, listed, deletable nor counted.
pub async fn silences_round_trip_while_active_with_a_bounded_count(repos: &Repos) {
    let (project, other) = (stored_project(repos).await, stored_project(repos).await);
    let s = &repos.silences;
    let now = at(1_000);
    let b = silence(project.id, 20, 60_000);
    let a = Silence { rule_id: None, server_id: None, ..silence(project.id, 10, 2_000) };
    assert!(s.insert(&b, 2, now).await.expect("insert"));
    assert!(s.insert(&a, 2, now).await.expect("insert"));
    assert!(!s.insert(&silence(project.id, 30, 60_000), 2, now).await.expect("insert"), "the bound");
    assert!(s.insert(&silence(other.id, 30, 60_000), 2, now).await.expect("another project's count"));
    assert_eq!(s.find(project.id, a.id, now).await.expect("find"), Some(a.clone()));
    assert_eq!(s.find(other.id, a.id, now).await.expect("find"), None);
    assert_eq!(s.active(project.id, now).await.expect("active"), [a.clone(), b.clone()]);

    // `a` lasts strictly before its `until`.
    let later = at(2_000);
    assert_eq!(s.find(project.id, a.id, later).await.expect("find"), None);
    assert_eq!(s.active(project.id, later).await.expect("active"), std::slice::from_ref(&b));
    assert_not_found(s.delete(project.id, a.id, later).await);
    let c = silence(project.id, 2_000, 90_000);
    assert!(s.insert(&c, 2, later).await.expect("an expired silence is not counted"));

    assert_not_found(s.delete(other.id, b.id, later).await);
    s.delete(project.id, b.id, later).await.expect("delete");
    assert_not_found(s.delete(project.id, b.id, later).await);
    assert_eq!(s.active(project.id, later).await.expect("active"), std::slice::from_ref(&c));

    repos.projects.delete(project.id).await.expect("delete the project");
    assert_eq!(s.active(project.id, later).await.expect("active"), []);
}
