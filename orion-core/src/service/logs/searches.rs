//! Saved searches of the logs explorer: `{name, q, from?, to?}` per
//! project, for its owner. `q` is validated with the query-string parser
//! ([`parse_query`]) and the range ends as times, before anything is
//! stored; another user's project (or an unknown search) is `NotFound`.

use chrono::{DateTime, SubsecRound};
use tracing::instrument;

use super::LogService;
use crate::error::{ConflictKey, FieldError, RepositoryError, ServiceError, ServiceResult};
use crate::model::log::parse_query;
use crate::model::text::bounded_text;
use crate::model::{Project, ProjectId, SavedSearch, SearchId};
use crate::service::principal::Principal;

/// Most saved searches in one project.
pub const MAX_SAVED_SEARCHES: u32 = 100;
/// Longest name, in characters.
pub const MAX_SEARCH_NAME_CHARS: usize = 100;
/// Longest range end (`from`, `to`), in characters.
pub const MAX_RANGE_END_CHARS: usize = 64;

/// A saved search as a client sends it (create and full replace).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchInput {
    /// 1–100 characters once trimmed, no control characters.
    pub name: String,
    /// A query string; empty matches everything.
    pub q: String,
    /// `now`, `now-<n><s|m|h|d|w>` (or `+`), or an RFC 3339 instant.
    pub from: Option<String>,
    /// The same forms.
    pub to: Option<String>,
}

/// Whether `raw` is a range end: `now`, `now±<1-999999><s|m|h|d|w>` or an
/// RFC 3339 date-time.
pub fn is_range_end(raw: &str) -> bool {
    if let Some(offset) = raw.strip_prefix("now") {
        if offset.is_empty() {
            return true;
        }
        let Some(amount) = offset.strip_prefix(['-', '+']) else { return false };
        let Some(digits) = amount.strip_suffix(['s', 'm', 'h', 'd', 'w']) else { return false };
        return (1..=6).contains(&digits.len())
            && !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit());
    }
    DateTime::parse_from_rfc3339(raw).is_ok()
}

fn validate(
    input: SearchInput,
    errors: &mut Vec<FieldError>,
) -> (String, String, Option<String>, Option<String>) {
    let name = input.name.trim().to_owned();
    if bounded_text(&name, 1..=MAX_SEARCH_NAME_CHARS).is_err() {
        errors.push(FieldError::new(
            "name",
            format!("must be 1 to {MAX_SEARCH_NAME_CHARS} characters, without control characters"),
        ));
    }
    if let Err(err) = parse_query(&input.q) {
        errors.push(FieldError::new("q", err.to_string()));
    }
    let mut end = |field: &str, raw: Option<String>| match raw {
        Some(raw) if raw.chars().count() > MAX_RANGE_END_CHARS || !is_range_end(&raw) => {
            errors.push(FieldError::new(
                field,
                "must be now, now-<n><s|m|h|d|w> (like now-1h) or an RFC 3339 date-time",
            ));
            None
        }
        other => other,
    };
    let from = end("from", input.from);
    let to = end("to", input.to);
    (name, input.q, from, to)
}

fn search_not_found(err: RepositoryError) -> ServiceError {
    match err {
        RepositoryError::NotFound => ServiceError::NotFound("saved search"),
        RepositoryError::Conflict(ConflictKey::Name) => name_taken(),
        other => other.into(),
    }
}

fn name_taken() -> ServiceError {
    ServiceError::Conflict("a saved search with this name already exists in the project".into())
}

impl LogService {
    /// The project's saved searches, oldest first. Owner only.
    #[instrument(skip_all)]
    pub async fn saved_searches(
        &self,
        principal: &Principal,
        project: &str,
    ) -> ServiceResult<Vec<SavedSearch>> {
        let project = self.projects.owned(principal, project).await?;
        Ok(self.deps.repos.searches.list(project.id).await?)
    }

    /// Saves a search. Owner only; every field is checked before anything
    /// is stored; a name already used in the project, or a project that
    /// already has [`MAX_SAVED_SEARCHES`], is a `Conflict`.
    #[instrument(skip_all)]
    pub async fn create_search(
        &self,
        principal: &Principal,
        project: &str,
        input: SearchInput,
    ) -> ServiceResult<SavedSearch> {
        let project = self.projects.owned(principal, project).await?;
        let mut errors = Vec::new();
        let (name, q, from, to) = validate(input, &mut errors);
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let now = self.deps.clock.now().trunc_subsecs(3);
        let search = SavedSearch {
            id: self.deps.next_id::<SearchId>().await?,
            project_id: project.id,
            name,
            q,
            from,
            to,
            created_at: now,
            updated_at: now,
        };
        match self.deps.repos.searches.insert(&search, MAX_SAVED_SEARCHES).await {
            Ok(true) => Ok(search),
            Ok(false) => Err(ServiceError::Conflict(format!(
                "the project already has {MAX_SAVED_SEARCHES} saved searches; delete one first"
            ))),
            Err(RepositoryError::Conflict(ConflictKey::Name)) => Err(name_taken()),
            Err(other) => Err(other.into()),
        }
    }

    /// Replaces a saved search (same checks as [`Self::create_search`]).
    #[instrument(skip_all)]
    pub async fn update_search(
        &self,
        principal: &Principal,
        project: &str,
        id: &str,
        input: SearchInput,
    ) -> ServiceResult<SavedSearch> {
        let (_, existing) = self.owned_search(principal, project, id).await?;
        let mut errors = Vec::new();
        let (name, q, from, to) = validate(input, &mut errors);
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let search =
            SavedSearch { name, q, from, to, updated_at: self.deps.clock.now().trunc_subsecs(3), ..existing };
        self.deps.repos.searches.update(&search).await.map_err(search_not_found)?;
        Ok(search)
    }

    /// Deletes a saved search.
    #[instrument(skip_all)]
    pub async fn delete_search(&self, principal: &Principal, project: &str, id: &str) -> ServiceResult<()> {
        let (project, search) = self.owned_search(principal, project, id).await?;
        self.deps.repos.searches.delete(project.id, search.id).await.map_err(search_not_found)
    }

    /// The owner's project and its saved search `id`; an unknown or
    /// malformed id is `NotFound`, like another user's project.
    pub async fn owned_search(
        &self,
        principal: &Principal,
        project: &str,
        id: &str,
    ) -> ServiceResult<(Project, SavedSearch)> {
        let project = self.projects.owned(principal, project).await?;
        let id: SearchId = id.parse().map_err(|_| ServiceError::NotFound("saved search"))?;
        let search = find(self, project.id, id).await?;
        Ok((project, search))
    }
}

async fn find(logs: &LogService, project: ProjectId, id: SearchId) -> ServiceResult<SavedSearch> {
    logs.deps.repos.searches.find(project, id).await?.ok_or(ServiceError::NotFound("saved search"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_ends_are_now_an_offset_from_now_or_an_rfc_3339_instant() {
        for good in ["now", "now-1h", "now+15m", "now-7d", "now-2w", "now-999999s", "2026-01-31T12:00:00Z"] {
            assert!(is_range_end(good), "{good}");
        }
        for bad in [
            "",
            "now-",
            "now-0h",
            "now-01h",
            "now-1y",
            "now-1H",
            "now -1h",
            "1h",
            "yesterday",
            "now-1000000s",
        ] {
            assert!(!is_range_end(bad), "{bad}");
        }
    }
}
