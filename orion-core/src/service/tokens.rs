//! API tokens: issue, list, revoke, rotate. Values are random, shown once,
//! and stored as SHA-256 hashes; lookups compare hashes.

use std::sync::Arc;

use tracing::instrument;

use super::Deps;
use super::principal::Principal;
use super::projects::ProjectService;
use crate::error::{FieldError, ServiceError, ServiceResult, collect};
use crate::model::{ApiToken, Label, PermissionSet, ProjectId, ServerId, SourceId, TokenId, TokenKind};
use crate::port::secrets;

/// Characters of a value kept for display (`sk_api_Ab3x…`).
const DISPLAY_PREFIX_LEN: usize = 12;
/// Longest token name.
const MAX_NAME_CHARS: usize = 100;

/// A token together with its value, which exists only in this response.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The stored token.
    pub token: ApiToken,
    /// The secret value; never stored.
    pub value: String,
}

/// Token management for project owners.
#[derive(Debug, Clone)]
pub struct TokenService {
    deps: Arc<Deps>,
    projects: ProjectService,
}

/// Builds a token record and its value (not stored yet).
pub(crate) async fn mint(
    deps: &Deps,
    project_id: ProjectId,
    name: &str,
    kind: TokenKind,
    permissions: PermissionSet,
    source_id: Option<SourceId>,
    server_id: Option<ServerId>,
) -> Result<IssuedToken, crate::error::RepositoryError> {
    let value = secrets::new_token_value(kind.prefix());
    let token = ApiToken {
        id: deps.next_id::<TokenId>().await?,
        project_id,
        name: name.to_owned(),
        kind,
        hash: secrets::sha256_hex(&value),
        display_prefix: value[..DISPLAY_PREFIX_LEN].to_owned(),
        permissions,
        source_id,
        server_id,
        created_at: deps.clock.now(),
        last_used_at: None,
    };
    Ok(IssuedToken { token, value })
}

impl TokenService {
    pub(crate) fn new(deps: Arc<Deps>, projects: ProjectService) -> Self {
        Self { deps, projects }
    }

    /// The project's tokens (never their values).
    #[instrument(skip_all)]
    pub async fn list(&self, principal: &Principal, project: &str) -> ServiceResult<Vec<ApiToken>> {
        let project = self.projects.owned(principal, project).await?;
        Ok(self.deps.repos.tokens.list_by_project(project.id).await?)
    }

    /// Issues an `sk_api_` token with the given permissions.
    #[instrument(skip_all)]
    pub async fn create<S: AsRef<str>>(
        &self,
        principal: &Principal,
        project: &str,
        name: &str,
        permissions: &[S],
    ) -> ServiceResult<IssuedToken> {
        let project = self.projects.owned(principal, project).await?;
        let mut errors = Vec::new();
        let name = collect(&mut errors, Label::parse("name", name, MAX_NAME_CHARS).and_then(non_empty));
        let permissions = collect(&mut errors, PermissionSet::parse(permissions));
        let (Some(name), Some(permissions)) = (name, permissions) else {
            return Err(ServiceError::Validation(errors));
        };
        let issued =
            mint(&self.deps, project.id, name.as_str(), TokenKind::Api, permissions, None, None).await?;
        self.deps.repos.tokens.insert(&issued.token).await?;
        Ok(issued)
    }

    /// Deletes a token; its value stops working at once.
    #[instrument(skip_all)]
    pub async fn revoke(&self, principal: &Principal, project: &str, id: &str) -> ServiceResult<()> {
        let project = self.projects.owned(principal, project).await?;
        let id: TokenId = id.parse().map_err(|_| ServiceError::NotFound("token"))?;
        self.deps.repos.tokens.delete(project.id, id).await.map_err(not_found_token)
    }

    /// Gives a token a new value; the old one stops working at once.
    #[instrument(skip_all)]
    pub async fn rotate(&self, principal: &Principal, project: &str, id: &str) -> ServiceResult<IssuedToken> {
        let project = self.projects.owned(principal, project).await?;
        let id: TokenId = id.parse().map_err(|_| ServiceError::NotFound("token"))?;
        let mut token =
            self.deps.repos.tokens.find(project.id, id).await?.ok_or(ServiceError::NotFound("token"))?;
        let value = secrets::new_token_value(token.kind.prefix());
        token.hash = secrets::sha256_hex(&value);
        token.display_prefix = value[..DISPLAY_PREFIX_LEN].to_owned();
        self.deps
            .repos
            .tokens
            .replace_value(project.id, id, &token.hash, &token.display_prefix)
            .await
            .map_err(not_found_token)?;
        Ok(IssuedToken { token, value })
    }
}

fn non_empty(label: Label) -> Result<Label, FieldError> {
    if label.as_str().is_empty() { Err(FieldError::new("name", "must not be empty")) } else { Ok(label) }
}

fn not_found_token(e: crate::error::RepositoryError) -> ServiceError {
    match e {
        crate::error::RepositoryError::NotFound => ServiceError::NotFound("token"),
        other => other.into(),
    }
}
