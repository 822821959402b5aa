//! Saved searches: a named query string (`q`) and time range of a
//! project's logs explorer, shared by everyone who sees the project.

use chrono::{DateTime, Utc};

use super::{ProjectId, SearchId};

/// A saved search. Built only by the log service, which validates every
/// field (`q` parses, the range ends are times).
#[derive(Debug, Clone, PartialEq)]
pub struct SavedSearch {
    /// Its id.
    pub id: SearchId,
    /// Its project.
    pub project_id: ProjectId,
    /// 1–100 characters, trimmed, unique in the project.
    pub name: String,
    /// The query string as given (it parses with
    /// [`parse_query`](super::log::parse_query)); may be empty.
    pub q: String,
    /// Start of the range: `now`, `now-1h` (`s`, `m`, `h`, `d`, `w`) or an
    /// RFC 3339 instant, as given; `None` means the explorer's default.
    pub from: Option<String>,
    /// End of the range, the same forms.
    pub to: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last replaced.
    pub updated_at: DateTime<Utc>,
}
