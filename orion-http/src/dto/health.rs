//! `GET /api/health`'s answer.

use serde::Serialize;

/// `{"status": "ok", "version"}`.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `ok`: the process answers.
    pub status: &'static str,
    /// This build's version.
    pub version: &'static str,
}
