//! Accounts: registration, login (with throttling and the 2FA step),
//! session verification, and turning a bearer value into a [`Principal`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tracing::instrument;

use super::Deps;
use super::principal::{Principal, TokenPrincipal};
use crate::error::{ConflictKey, RepositoryError, ServiceError, ServiceResult, collect};
use crate::model::user::TwoFactor;
use crate::model::{Email, LoginChallenge, Password, PersonName, Pseudo, User, UserId};
use crate::port::{secrets, totp};

/// How long a WebSocket ticket stays valid.
pub const WS_TICKET_LIFETIME: chrono::Duration = chrono::Duration::seconds(30);

/// The prefix of WebSocket tickets.
pub const WS_TICKET_PREFIX: &str = "wst_";

/// Raw registration input, straight from the wire.
#[derive(Debug, Clone)]
pub struct Registration {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Public handle.
    pub pseudo: String,
    /// Login email.
    pub email: String,
    /// Plain password.
    pub password: String,
}

/// What a correct email/password pair yields.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginOutcome {
    /// A session token.
    Session(String),
    /// 2FA is on: present a code with this `tmp_…` session token.
    TwoFactorRequired(String),
}

/// Registration, login, 2FA verification and bearer authentication.
#[derive(Debug, Clone)]
pub struct AccountService {
    deps: Arc<Deps>,
    /// A hash of a random string, made with the configured hasher on first
    /// use: verified against when the email is unknown, so both failure
    /// paths cost the same time and do not reveal which emails exist.
    dummy_hash: Arc<tokio::sync::OnceCell<String>>,
}

impl AccountService {
    pub(crate) fn new(deps: Arc<Deps>) -> Self {
        Self { deps, dummy_hash: Arc::default() }
    }

    /// Creates an account. Every field is validated and all problems are
    /// reported together; a duplicate email or pseudo is a `Conflict`.
    #[instrument(skip_all)]
    pub async fn register(&self, input: Registration) -> ServiceResult<User> {
        let mut errors = Vec::new();
        let first_name = collect(&mut errors, PersonName::parse("firstName", &input.first_name));
        let last_name = collect(&mut errors, PersonName::parse("lastName", &input.last_name));
        let pseudo = collect(&mut errors, Pseudo::parse(&input.pseudo));
        let email = collect(&mut errors, Email::parse(&input.email));
        let password = collect(&mut errors, Password::parse(&input.password));
        let (Some(first_name), Some(last_name), Some(pseudo), Some(email), Some(password)) =
            (first_name, last_name, pseudo, email, password)
        else {
            return Err(ServiceError::Validation(errors));
        };
        let user = User {
            id: self.deps.next_id::<UserId>().await?,
            first_name,
            last_name,
            pseudo,
            email,
            password_hash: self.deps.hasher.hash(password.expose()).await?,
            two_factor: TwoFactor::default(),
            created_at: self.deps.clock.now(),
        };
        self.deps.repos.users.insert(&user).await.map_err(|e| match e {
            RepositoryError::Conflict(ConflictKey::Pseudo) => {
                ServiceError::Conflict("an account with this pseudo already exists".into())
            }
            RepositoryError::Conflict(ConflictKey::Email) => {
                ServiceError::Conflict("an account with this email already exists".into())
            }
            other => other.into(),
        })?;
        Ok(user)
    }

    /// Checks an email/password pair. Unknown email and wrong password give
    /// the same `Unauthorized`; too many recent failures give `RateLimited`.
    #[instrument(skip_all)]
    pub async fn login(&self, email: &str, password: &str) -> ServiceResult<LoginOutcome> {
        const BAD_CREDENTIALS: &str = "invalid email or password";
        let Ok(email) = Email::parse(email) else {
            return Err(ServiceError::Unauthorized(BAD_CREDENTIALS));
        };
        let now = self.deps.clock.now();
        self.check_throttle(&email, now).await?;

        let user = self.deps.repos.users.find_by_email(&email).await?;
        let hash = match &user {
            Some(u) => u.password_hash.clone(),
            None => self.dummy_hash().await?,
        };
        let password_ok = self.deps.hasher.verify(password, &hash).await;
        let Some(user) = user.filter(|_| password_ok) else {
            self.deps.repos.login_attempts.record_failure(&email, now).await?;
            return Err(ServiceError::Unauthorized(BAD_CREDENTIALS));
        };
        self.deps.repos.login_attempts.clear(&email).await?;

        if !user.two_factor.enabled {
            return Ok(LoginOutcome::Session(self.deps.signer.issue(user.id, now)?));
        }
        let session_token = format!("tmp_{}", secrets::random_alphanumeric(40));
        let challenge = LoginChallenge {
            token_hash: secrets::sha256_hex(&session_token),
            user_id: user.id,
            expires_at: now + self.deps.config.challenge_lifetime,
            failed_attempts: 0,
        };
        self.deps.repos.challenges.insert(&challenge).await?;
        Ok(LoginOutcome::TwoFactorRequired(session_token))
    }

    async fn dummy_hash(&self) -> ServiceResult<String> {
        let hasher = &self.deps.hasher;
        self.dummy_hash
            .get_or_try_init(|| async { hasher.hash(&secrets::random_alphanumeric(16)).await })
            .await
            .cloned()
    }

    async fn check_throttle(&self, email: &Email, now: DateTime<Utc>) -> ServiceResult<()> {
        let window = self.deps.config.login_failure_window;
        let since = now - window;
        // A failure exactly `window` old has left the window: that is the
        // instant `retry_after` below promises, so it must not still count.
        let failures: Vec<_> = self
            .deps
            .repos
            .login_attempts
            .failures_since(email, since)
            .await?
            .into_iter()
            .filter(|at| *at > since)
            .collect();
        let max = self.deps.config.login_max_failures;
        if failures.len() < max {
            return Ok(());
        }
        // The caller may try again once enough old failures leave the window.
        let unblocks_at = failures[failures.len() - max] + window;
        let wait = (unblocks_at - now).to_std().unwrap_or_default();
        Err(ServiceError::RateLimited { retry_after: wait.max(std::time::Duration::from_secs(1)) })
    }

    /// Completes a 2FA login with a TOTP code or a recovery code. The
    /// session token is single-use, expires, and dies after too many wrong
    /// codes; a TOTP code already used is refused.
    #[instrument(skip_all)]
    pub async fn verify_two_factor(&self, session_token: &str, code: &str) -> ServiceResult<String> {
        const BAD_SESSION: &str = "the two-factor session is invalid or has expired";
        let repos = &self.deps.repos;
        let now = self.deps.clock.now();
        if session_token.starts_with(WS_TICKET_PREFIX) {
            return Err(ServiceError::Unauthorized(BAD_SESSION));
        }
        let hash = secrets::sha256_hex(session_token);
        let challenge = repos.challenges.find(&hash).await?.ok_or(ServiceError::Unauthorized(BAD_SESSION))?;
        if challenge.expires_at <= now {
            repos.challenges.delete(&hash).await?;
            return Err(ServiceError::Unauthorized(BAD_SESSION));
        }
        let mut user = repos
            .users
            .find_by_id(challenge.user_id)
            .await?
            .ok_or(ServiceError::Unauthorized(BAD_SESSION))?;

        if !apply_second_factor(&mut user, code, now) {
            let attempts = repos.challenges.record_failure(&hash).await?;
            if attempts.is_none_or(|n| n >= self.deps.config.challenge_max_attempts) {
                repos.challenges.delete(&hash).await?;
            }
            return Err(ServiceError::Unauthorized("invalid two-factor code"));
        }
        // Consume first: only the caller that deletes the challenge wins.
        if !repos.challenges.delete(&hash).await? {
            return Err(ServiceError::Unauthorized(BAD_SESSION));
        }
        repos.users.update(&user).await?;
        self.deps.signer.issue(user.id, now)
    }

    /// The user behind an id (for `GET /auth/me`).
    pub async fn me(&self, principal: &Principal) -> ServiceResult<User> {
        let id = principal.user()?;
        self.deps.repos.users.find_by_id(id).await?.ok_or(ServiceError::Unauthorized("unknown user"))
    }

    /// A single-use ticket for opening the live-tail WebSocket
    /// (`/ws?ticket=`), valid [`WS_TICKET_LIFETIME`]: browsers cannot set
    /// headers on a WebSocket handshake, and a JWT must never be put in a
    /// URL. User sessions only. Returns the ticket (`wst_…`) and when it
    /// expires.
    ///
    /// Tickets are stored hashed beside the 2FA challenges (same
    /// single-use, expiring shape, shared by every instance); the prefixes
    /// keep them apart: [`Self::authenticate_ws_ticket`] takes only
    /// `wst_…` values and [`Self::verify_two_factor`] only `tmp_…` ones.
    #[instrument(skip_all)]
    pub async fn issue_ws_ticket(&self, principal: &Principal) -> ServiceResult<(String, DateTime<Utc>)> {
        let user_id = principal.user()?;
        let now = self.deps.clock.now();
        let ticket = format!("{WS_TICKET_PREFIX}{}", secrets::random_alphanumeric(40));
        let expires_at = now + WS_TICKET_LIFETIME;
        let challenge = LoginChallenge {
            token_hash: secrets::sha256_hex(&ticket),
            user_id,
            expires_at,
            failed_attempts: 0,
        };
        self.deps.repos.challenges.insert(&challenge).await?;
        Ok((ticket, expires_at))
    }

    /// Maintenance: deletes one batch (at most `batch`) of expired 2FA
    /// challenges and WebSocket tickets, by the clock port; returns how
    /// many went (fewer than `batch`: none expired is left).
    pub async fn purge_expired_challenges(&self, batch: u32) -> ServiceResult<u64> {
        Ok(self.deps.repos.challenges.delete_expired(self.deps.clock.now(), batch).await?)
    }

    /// Consumes a WebSocket ticket: the user it was issued to, once, before
    /// it expires; `Unauthorized` otherwise (unknown, used, expired, or not
    /// a ticket at all).
    #[instrument(skip_all)]
    pub async fn authenticate_ws_ticket(&self, ticket: &str) -> ServiceResult<Principal> {
        const BAD_TICKET: &str = "the WebSocket ticket is invalid, used or expired";
        if !ticket.starts_with(WS_TICKET_PREFIX) {
            return Err(ServiceError::Unauthorized(BAD_TICKET));
        }
        let repos = &self.deps.repos;
        let hash = secrets::sha256_hex(ticket);
        let challenge = repos.challenges.find(&hash).await?.ok_or(ServiceError::Unauthorized(BAD_TICKET))?;
        // Consume first: only the caller that deletes the ticket wins.
        if !repos.challenges.delete(&hash).await? || challenge.expires_at <= self.deps.clock.now() {
            return Err(ServiceError::Unauthorized(BAD_TICKET));
        }
        match repos.users.find_by_id(challenge.user_id).await? {
            Some(_) => Ok(Principal::User(challenge.user_id)),
            None => Err(ServiceError::Unauthorized(BAD_TICKET)),
        }
    }

    /// Turns a bearer value into a [`Principal`]: `sk_…` values are API
    /// tokens looked up by hash; anything else must be a valid session JWT
    /// of an existing user.
    #[instrument(skip_all)]
    pub async fn authenticate(&self, bearer: &str) -> ServiceResult<Principal> {
        const BAD_TOKEN: &str = "missing, invalid or expired token";
        let now = self.deps.clock.now();
        if bearer.starts_with("sk_") {
            let token = self
                .deps
                .repos
                .tokens
                .find_by_hash(&secrets::sha256_hex(bearer))
                .await?
                .ok_or(ServiceError::Unauthorized(BAD_TOKEN))?;
            let stale = token.last_used_at.is_none_or(|at| now - at >= self.deps.config.token_touch_interval);
            if stale {
                self.deps.repos.tokens.touch(token.id, now).await?;
            }
            return Ok(Principal::Token(TokenPrincipal {
                token_id: token.id,
                project_id: token.project_id,
                kind: token.kind,
                permissions: token.permissions,
                source_id: token.source_id,
                server_id: token.server_id,
            }));
        }
        let user_id = self.deps.signer.verify(bearer, now).ok_or(ServiceError::Unauthorized(BAD_TOKEN))?;
        match self.deps.repos.users.find_by_id(user_id).await? {
            Some(_) => Ok(Principal::User(user_id)),
            None => Err(ServiceError::Unauthorized(BAD_TOKEN)),
        }
    }
}

/// Checks `code` as a TOTP code (not replayed) or an unused recovery code,
/// updating `user`'s 2FA state in memory when it matches.
pub(crate) fn apply_second_factor(user: &mut User, code: &str, now: DateTime<Utc>) -> bool {
    let tf = &mut user.two_factor;
    let Some(secret) = tf.secret.as_deref().filter(|_| tf.enabled) else {
        return false;
    };
    if let Some(step) = totp::matching_step(secret, code, now.timestamp()) {
        if tf.last_used_step.is_some_and(|last| step <= last) {
            return false;
        }
        tf.last_used_step = Some(step);
        return true;
    }
    let hash = secrets::sha256_hex(&code.trim().to_lowercase());
    if let Some(pos) = tf.recovery_code_hashes.iter().position(|h| *h == hash) {
        tf.recovery_code_hashes.remove(pos);
        return true;
    }
    false
}
