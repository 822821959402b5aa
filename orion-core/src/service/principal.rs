//! Who is calling: a user (from a session JWT) or an API token.

use crate::error::{ServiceError, ServiceResult};
use crate::model::{Permission, PermissionSet, ProjectId, ServerId, SourceId, TokenId, TokenKind, UserId};

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// A user holding a session token.
    User(UserId),
    /// An API token bound to one project.
    Token(TokenPrincipal),
}

/// What an authenticated API token may act on.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenPrincipal {
    /// The token's id.
    pub token_id: TokenId,
    /// The only project it acts on.
    pub project_id: ProjectId,
    /// What made it.
    pub kind: TokenKind,
    /// What it may do.
    pub permissions: PermissionSet,
    /// The source it is bound to, if any.
    pub source_id: Option<SourceId>,
    /// The agent server it is bound to, if any.
    pub server_id: Option<ServerId>,
}

impl Principal {
    /// The user, or `UserTokenRequired` for an API token.
    pub fn user(&self) -> ServiceResult<UserId> {
        match self {
            Self::User(id) => Ok(*id),
            Self::Token(_) => Err(ServiceError::UserTokenRequired),
        }
    }

    /// The token if it carries `perm`; `MissingPermission` otherwise, and
    /// for a user session (`UserTokenRequired` is not right there: the
    /// endpoint wants a token).
    pub fn token_with(&self, perm: Permission) -> ServiceResult<&TokenPrincipal> {
        match self {
            Self::Token(t) if t.permissions.contains(perm) => Ok(t),
            _ => Err(ServiceError::MissingPermission(perm.as_str())),
        }
    }
}
