//! [`TestServer`] helpers for the agent endpoints (registration,
//! heartbeats, alerts, sources, the command queue) and the owner's views of
//! servers, commands and incidents; plus valid sample bodies to start from.
//!
//! The `*_ok` helpers (and those returning a plain value) panic unless the
//! answer is the success the API promises, so a test reads as its story;
//! the others return `(status, body)` for tests about errors.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::TestServer;

/// A valid registration body for `server_id`; `project` is the
/// `projectName` (required with a user session).
pub fn registration_body(server_id: &str, project: Option<&str>) -> Value {
    json!({
        "serverId": server_id,
        "displayName": format!("{server_id} (test)"),
        "hostname": format!("{server_id}.example.com"),
        "platform": "linux",
        "arch": "x86_64",
        "projectName": project,
    })
}

/// A valid heartbeat body in the reference's shape (no `serverId`: agent
/// tokens are bound to theirs), with the optional extensions and one
/// running script `api`.
pub fn heartbeat_body() -> Value {
    json!({
        "uptime": 86_400,
        "cpu": {"percent": 12.5, "cores": 4},
        "ram": {"usedMb": 2_048, "totalMb": 8_192, "percent": 25},
        "disk": {"usedGb": 50, "totalGb": 200, "percent": 25},
        "network": {"rxBytesPerSec": 1024.0, "txBytesPerSec": 512.5},
        "loadAverage": [0.5, 0.75, 1.0],
        "scripts": [{"name": "api", "status": "running", "pid": 4242, "restarts": 0}],
    })
}

/// A valid `script_crash` alert for `script`.
pub fn alert_body(script: &str) -> Value {
    json!({
        "event": "script_crash",
        "message": format!("{script} exited with code 1"),
        "scriptName": script,
        "timestamp": "2026-01-01T00:00:00.000Z",
    })
}

/// Agent helpers (the agent's side).
impl TestServer {
    /// `POST /api/agent/register` with `token` (a session or an API token).
    pub async fn register_agent(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.post("/api/agent/register", token, body).await
    }

    /// Registers `server_id` in `project` with a user session; returns its
    /// `sk_agent_` token.
    pub async fn agent_token(&self, session: &str, project: &str, server_id: &str) -> String {
        let (status, reply) = self.register_agent(session, registration_body(server_id, Some(project))).await;
        assert_eq!(status, StatusCode::CREATED, "register agent {server_id}: {reply}");
        let token = reply["token"].as_str().unwrap_or_else(|| panic!("no token in {reply}"));
        token.to_owned()
    }

    /// `POST /api/agent/heartbeat`.
    pub async fn heartbeat(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.post("/api/agent/heartbeat", token, body).await
    }

    /// Sends `body`; panics unless it is stored (201 `{"ok": true}`).
    pub async fn heartbeat_ok(&self, token: &str, body: Value) {
        assert_eq!(
            self.heartbeat(token, body).await,
            (StatusCode::CREATED, json!({"ok": true})),
            "heartbeat"
        );
    }

    /// `POST /api/agent/alert`.
    pub async fn alert(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.post("/api/agent/alert", token, body).await
    }

    /// `POST /api/agent/source` `{name, cwd}`.
    pub async fn agent_source(&self, token: &str, name: &str, cwd: Option<&str>) -> (StatusCode, Value) {
        self.post("/api/agent/source", token, json!({"name": name, "cwd": cwd})).await
    }

    /// `GET /api/agent/commands` (`query` already encoded, without the `?`;
    /// may be empty).
    pub async fn pending_commands(&self, token: &str, query: &str) -> (StatusCode, Value) {
        let path = if query.is_empty() {
            "/api/agent/commands".to_owned()
        } else {
            format!("/api/agent/commands?{query}")
        };
        self.get(&path, token).await
    }

    /// The pending commands of an agent token's server; panics unless 200.
    pub async fn commands(&self, token: &str) -> Vec<Value> {
        let (status, body) = self.pending_commands(token, "").await;
        assert_eq!(status, StatusCode::OK, "pending commands: {body}");
        body.as_array().unwrap_or_else(|| panic!("not an array: {body}")).clone()
    }

    /// `POST /api/agent/commands/<id>/ack` `{status, output}`.
    pub async fn ack(
        &self,
        token: &str,
        id: &str,
        status: &str,
        output: Option<&str>,
    ) -> (StatusCode, Value) {
        let path = format!("/api/agent/commands/{id}/ack");
        self.post(&path, token, json!({"status": status, "output": output})).await
    }
}

/// Owner helpers (the user's side).
impl TestServer {
    /// `GET /api/projects/<project>/servers`; panics unless 200.
    pub async fn servers(&self, session: &str, project: &str) -> Vec<Value> {
        let (status, body) = self.get(&format!("/api/projects/{project}/servers"), session).await;
        assert_eq!(status, StatusCode::OK, "servers of {project}: {body}");
        body.as_array().unwrap_or_else(|| panic!("not an array: {body}")).clone()
    }

    /// `POST /api/projects/<project>/servers/<server>/commands`.
    pub async fn enqueue_command(
        &self,
        session: &str,
        project: &str,
        server: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        self.post(&format!("/api/projects/{project}/servers/{server}/commands"), session, body).await
    }

    /// Queues `kind` (`restart`, `stop`, `start`) of `script`; returns the
    /// command; panics unless 201.
    pub async fn enqueue_ok(
        &self,
        session: &str,
        project: &str,
        server: &str,
        kind: &str,
        script: &str,
    ) -> Value {
        let body = json!({"type": kind, "scriptName": script});
        let (status, reply) = self.enqueue_command(session, project, server, body).await;
        assert_eq!(status, StatusCode::CREATED, "enqueue {kind} {script}: {reply}");
        reply
    }

    /// `GET /api/projects/<project>/servers/<server>/commands?<query>`.
    pub async fn server_commands(
        &self,
        session: &str,
        project: &str,
        server: &str,
        query: &str,
    ) -> (StatusCode, Value) {
        self.get(&format!("/api/projects/{project}/servers/{server}/commands?{query}"), session).await
    }

    /// `GET /api/projects/<project>/servers/<server>/heartbeats?<query>`.
    pub async fn heartbeats(
        &self,
        session: &str,
        project: &str,
        server: &str,
        query: &str,
    ) -> (StatusCode, Value) {
        self.get(&format!("/api/projects/{project}/servers/{server}/heartbeats?{query}"), session).await
    }

    /// `GET /api/projects/<project>/incidents?<query>`.
    pub async fn incidents(&self, session: &str, project: &str, query: &str) -> (StatusCode, Value) {
        self.get(&format!("/api/projects/{project}/incidents?{query}"), session).await
    }
}
