//! Sources: named log streams in a project, each created with its own
//! `sk_` token bound to it.

use std::sync::Arc;

use tracing::instrument;

use super::Deps;
use super::principal::Principal;
use super::projects::ProjectService;
use super::tokens::{IssuedToken, mint};
use crate::error::{ConflictKey, RepositoryError, ServiceError, ServiceResult, collect};
use crate::model::{Label, Source, SourceId, SourceName, TokenKind};

/// Longest source description.
const MAX_DESCRIPTION_CHARS: usize = 500;

/// Source management for project owners.
#[derive(Debug, Clone)]
pub struct SourceService {
    deps: Arc<Deps>,
    projects: ProjectService,
}

impl SourceService {
    pub(crate) fn new(deps: Arc<Deps>, projects: ProjectService) -> Self {
        Self { deps, projects }
    }

    /// The project's sources.
    #[instrument(skip_all)]
    pub async fn list(&self, principal: &Principal, project: &str) -> ServiceResult<Vec<Source>> {
        let project = self.projects.owned(principal, project).await?;
        Ok(self.deps.repos.sources.list_by_project(project.id).await?)
    }

    /// Creates a source and its `sk_` token (permission `logs:write`) in one
    /// transaction.
    #[instrument(skip_all)]
    pub async fn create(
        &self,
        principal: &Principal,
        project: &str,
        name: &str,
        description: Option<&str>,
    ) -> ServiceResult<(Source, IssuedToken)> {
        let project = self.projects.owned(principal, project).await?;
        let mut errors = Vec::new();
        let name = collect(&mut errors, SourceName::parse(name));
        let description = collect(
            &mut errors,
            Label::parse("description", description.unwrap_or_default(), MAX_DESCRIPTION_CHARS),
        );
        let (Some(name), Some(description)) = (name, description) else {
            return Err(ServiceError::Validation(errors));
        };
        let source = Source {
            id: self.deps.next_id::<SourceId>().await?,
            project_id: project.id,
            name,
            description,
            created_at: self.deps.clock.now(),
        };
        let kind = TokenKind::Source;
        let issued = mint(
            &self.deps,
            project.id,
            source.name.as_str(),
            kind,
            kind.default_permissions(),
            Some(source.id),
            None,
        )
        .await?;
        self.deps.repos.sources.insert(&source, Some(&issued.token)).await.map_err(|e| match e {
            RepositoryError::Conflict(ConflictKey::Name) => {
                ServiceError::Conflict(format!("a source named `{}` already exists", source.name.as_str()))
            }
            other => other.into(),
        })?;
        Ok((source, issued))
    }
}
