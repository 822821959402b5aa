//! [`TestServer`] helpers for alert rules, test sends, the alert history
//! and the evaluation itself; a server with a real notifier; a valid rule
//! body to start from.
//!
//! The evaluation is not scheduled inside a test server: tests call
//! [`TestServer::evaluate`] when they want a run, after moving the
//! [`crate::FakeClock`], so a run happens exactly when the story says.

use std::sync::Arc;

use orion_core::port::Notifier;
use orion_core::service::Evaluation;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::TestServer;
use crate::{FakeClock, InMemoryRepos};

/// A valid rule body: `name`, `condition`, `channels`, a 5-minute window.
pub fn rule_body(name: &str, condition: &str, channels: &[&str]) -> Value {
    json!({ "name": name, "condition": condition, "windowMinutes": 5, "channels": channels })
}

impl TestServer {
    /// A server over fresh in-memory repositories whose alerts go through
    /// `notifier` (the real `orion_notify::Notifiers`, or a recording fake).
    pub async fn start_with_notifier(notifier: Arc<dyn Notifier>) -> Self {
        let clock = FakeClock::default();
        let orion = Self::orion_builder(InMemoryRepos::new(), &clock).notifier(notifier).build();
        Self::start_orion(orion, clock).await
    }
}

/// Alert helpers (the owner's side).
impl TestServer {
    fn rules_path(project: &str) -> String {
        format!("/api/projects/{project}/alerts/rules")
    }

    /// `POST /api/projects/<project>/alerts/rules`.
    pub async fn post_rule(&self, session: &str, project: &str, body: Value) -> (StatusCode, Value) {
        self.post(&Self::rules_path(project), session, body).await
    }

    /// Creates a rule; returns it; panics unless 201.
    pub async fn create_rule(&self, session: &str, project: &str, body: Value) -> Value {
        let (status, reply) = self.post_rule(session, project, body).await;
        assert_eq!(status, StatusCode::CREATED, "create rule: {reply}");
        reply
    }

    /// `PUT /api/projects/<project>/alerts/rules/<id>`.
    pub async fn put_rule(&self, session: &str, project: &str, id: &str, body: Value) -> (StatusCode, Value) {
        let path = format!("{}/{id}", Self::rules_path(project));
        self.request(Method::PUT, &path, Some(session), Some(body)).await
    }

    /// `DELETE /api/projects/<project>/alerts/rules/<id>`.
    pub async fn delete_rule(&self, session: &str, project: &str, id: &str) -> (StatusCode, Value) {
        let path = format!("{}/{id}", Self::rules_path(project));
        self.request(Method::DELETE, &path, Some(session), None).await
    }

    /// `GET /api/projects/<project>/alerts/rules`.
    pub async fn list_rules(&self, session: &str, project: &str) -> (StatusCode, Value) {
        self.get(&Self::rules_path(project), session).await
    }

    /// The project's rules; panics unless 200.
    pub async fn rules(&self, session: &str, project: &str) -> Vec<Value> {
        let (status, body) = self.list_rules(session, project).await;
        assert_eq!(status, StatusCode::OK, "rules of {project}: {body}");
        body.as_array().unwrap_or_else(|| panic!("not an array: {body}")).clone()
    }

    /// `POST /api/projects/<project>/alerts/rules/<id>/test`.
    pub async fn test_rule(&self, session: &str, project: &str, id: &str) -> (StatusCode, Value) {
        let path = format!("{}/{id}/test", Self::rules_path(project));
        self.request(Method::POST, &path, Some(session), None).await
    }

    /// `GET /api/projects/<project>/alerts/events?<query>` (`query` already
    /// encoded, without the `?`; may be empty).
    pub async fn list_alert_events(&self, session: &str, project: &str, query: &str) -> (StatusCode, Value) {
        self.get(&format!("/api/projects/{project}/alerts/events?{query}"), session).await
    }

    /// The project's alert history, newest first; panics unless 200.
    pub async fn alert_events(&self, session: &str, project: &str) -> Vec<Value> {
        let (status, body) = self.list_alert_events(session, project, "").await;
        assert_eq!(status, StatusCode::OK, "alert events of {project}: {body}");
        body.as_array().unwrap_or_else(|| panic!("not an array: {body}")).clone()
    }

    /// One evaluation run of every enabled rule at the fake clock's
    /// instant (what the server's scheduler does every interval); panics
    /// if the run fails as a whole.
    pub async fn evaluate(&self) -> Vec<Evaluation> {
        self.orion.alerts().evaluate_all().await.expect("alert evaluation")
    }
}
