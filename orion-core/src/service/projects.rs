//! Projects: create, list, archive, restore, delete — always scoped to the
//! owner, and another user's project is `NotFound`, never `Forbidden`.

use std::sync::Arc;

use tracing::instrument;

use super::Deps;
use super::principal::Principal;
use super::query::{self, QueryInput};
use crate::error::{ConflictKey, RepositoryError, ServiceError, ServiceResult, collect};
use crate::model::{ArchivedFilter, Label, Permission, Project, ProjectId, ProjectName, UserId};

/// Longest project label, in characters.
pub const MAX_LABEL_CHARS: usize = 200;

/// Project management for their owners.
#[derive(Debug, Clone)]
pub struct ProjectService {
    deps: Arc<Deps>,
}

impl ProjectService {
    pub(crate) fn new(deps: Arc<Deps>) -> Self {
        Self { deps }
    }

    /// The caller's own project of that name. Users only; a malformed name
    /// is simply not found.
    pub async fn owned(&self, principal: &Principal, name: &str) -> ServiceResult<Project> {
        let owner = principal.user()?;
        self.find_owned(owner, name).await
    }

    async fn find_owned(&self, owner: UserId, name: &str) -> ServiceResult<Project> {
        let Ok(name) = ProjectName::parse(name) else {
            return Err(ServiceError::NotFound("project"));
        };
        self.deps.repos.projects.find_by_name(owner, &name).await?.ok_or(ServiceError::NotFound("project"))
    }

    /// The project a caller may act on with `perm`: the owner always; an API
    /// token only for its own project and only with `perm`. A token of
    /// another project gets `NotFound`, as if the project did not exist.
    pub async fn accessible(
        &self,
        principal: &Principal,
        name: &str,
        perm: Permission,
    ) -> ServiceResult<Project> {
        match principal {
            Principal::User(owner) => self.find_owned(*owner, name).await,
            Principal::Token(token) => {
                let project = self.by_id(token.project_id).await?;
                if project.name.as_str() != name {
                    return Err(ServiceError::NotFound("project"));
                }
                principal.token_with(perm)?;
                Ok(project)
            }
        }
    }

    /// A project by id (for token principals).
    pub async fn by_id(&self, id: ProjectId) -> ServiceResult<Project> {
        self.deps.repos.projects.find_by_id(id).await?.ok_or(ServiceError::NotFound("project"))
    }

    /// The caller's projects matching `filter`.
    #[instrument(skip_all)]
    pub async fn list(&self, principal: &Principal, filter: ArchivedFilter) -> ServiceResult<Vec<Project>> {
        let owner = principal.user()?;
        Ok(self.deps.repos.projects.list_by_owner(owner, filter).await?)
    }

    /// [`Self::list`] for a request's query parameters (`archived`: see
    /// [`crate::service::query`]), read once the caller is known to be a
    /// user session.
    #[instrument(skip_all)]
    pub async fn list_request(
        &self,
        principal: &Principal,
        input: &QueryInput,
    ) -> ServiceResult<Vec<Project>> {
        let owner = principal.user()?;
        let filter = query::archived(input)?;
        Ok(self.deps.repos.projects.list_by_owner(owner, filter).await?)
    }

    /// Creates a project; the label defaults to the name.
    #[instrument(skip_all)]
    pub async fn create(
        &self,
        principal: &Principal,
        name: &str,
        label: Option<&str>,
    ) -> ServiceResult<Project> {
        let owner = principal.user()?;
        let mut errors = Vec::new();
        let name = collect(&mut errors, ProjectName::parse(name));
        let label = collect(&mut errors, Label::parse("label", label.unwrap_or_default(), MAX_LABEL_CHARS));
        let (Some(name), Some(label)) = (name, label) else {
            return Err(ServiceError::Validation(errors));
        };
        let label = if label.as_str().is_empty() {
            Label::parse("label", name.as_str(), MAX_LABEL_CHARS)
                .map_err(|e| ServiceError::Validation(vec![e]))?
        } else {
            label
        };
        let project = Project {
            id: self.deps.next_id::<ProjectId>().await?,
            owner_id: owner,
            name,
            label,
            archived: false,
            created_at: self.deps.clock.now(),
        };
        self.deps.repos.projects.insert(&project).await.map_err(|e| match e {
            RepositoryError::Conflict(ConflictKey::Name) => {
                ServiceError::Conflict(format!("a project named `{}` already exists", project.name))
            }
            other => other.into(),
        })?;
        Ok(project)
    }

    /// Archives (`true`) or restores (`false`) a project.
    #[instrument(skip_all)]
    pub async fn set_archived(
        &self,
        principal: &Principal,
        name: &str,
        archived: bool,
    ) -> ServiceResult<Project> {
        let mut project = self.owned(principal, name).await?;
        self.deps.repos.projects.set_archived(project.id, archived).await?;
        project.archived = archived;
        Ok(project)
    }

    /// Deletes a project and everything in it.
    #[instrument(skip_all)]
    pub async fn delete(&self, principal: &Principal, name: &str) -> ServiceResult<()> {
        let project = self.owned(principal, name).await?;
        Ok(self.deps.repos.projects.delete(project.id).await?)
    }
}
