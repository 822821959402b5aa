//! Wire types of the saved searches (`…/searches`).

use orion_core::model::SavedSearch;
use orion_core::service::logs::SearchInput;
use serde::{Deserialize, Serialize};

use super::timestamp;

/// `{name, q, from?, to?}` (create and full replace).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchBody {
    /// 1–100 characters.
    pub name: String,
    /// A query string.
    pub q: String,
    /// Range start; null or absent: none.
    pub from: Option<String>,
    /// Range end.
    pub to: Option<String>,
}

impl From<SearchBody> for SearchInput {
    fn from(b: SearchBody) -> Self {
        Self { name: b.name, q: b.q, from: b.from, to: b.to }
    }
}

/// A saved search as the API shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchView {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its query string.
    pub q: String,
    /// Range start, or null.
    pub from: Option<String>,
    /// Range end, or null.
    pub to: Option<String>,
    /// Creation time.
    pub created_at: String,
    /// Last replacement.
    pub updated_at: String,
}

impl From<&SavedSearch> for SearchView {
    fn from(s: &SavedSearch) -> Self {
        Self {
            id: s.id.get(),
            name: s.name.clone(),
            q: s.q.clone(),
            from: s.from.clone(),
            to: s.to.clone(),
            created_at: timestamp(s.created_at),
            updated_at: timestamp(s.updated_at),
        }
    }
}
