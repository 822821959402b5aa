//! Quick ways to get going in a test: an [`Orion`] wired to a
//! [`FakeClock`], a registered and logged-in user, a project, tokens, 2FA,
//! log inputs, registered agents and their heartbeats, alert rules.
//!
//! Every builder goes through the public services (not the repositories),
//! so what it hands back is exactly what a real caller would have. They
//! panic on failure: a builder failing is a broken test setup, not a result
//! under test.

use std::sync::Arc;

use orion_core::model::{Metrics, Project, Source, Usage, User};
use orion_core::port::{Notifier, totp};
use orion_core::service::{
    AgentRegistration, HeartbeatInput, IssuedToken, LogInput, LoginOutcome, Principal, Registration,
    RuleInput,
};
use orion_core::{Orion, Repos};

use crate::FakeClock;

/// The JWT secret of [`test_orion`], fixed so tokens are reproducible.
pub const TEST_JWT_SECRET: &[u8] = b"orion-testkit-not-a-secret";
/// The password every [`register_user`] account gets.
pub const TEST_PASSWORD: &str = "correct horse battery staple";

/// An `Orion` over `repos`, driven by `clock`, with the cheapest bcrypt cost
/// (4) so registration and login stay fast.
pub fn test_orion(repos: Repos, clock: FakeClock) -> Orion {
    Orion::builder(repos).clock(Arc::new(clock)).bcrypt_cost(4).jwt_secret(TEST_JWT_SECRET).build()
}

/// Like [`test_orion`], delivering alert notifications with `notifier`.
pub fn test_orion_notifying(repos: Repos, clock: FakeClock, notifier: Arc<dyn Notifier>) -> Orion {
    Orion::builder(repos)
        .clock(Arc::new(clock))
        .bcrypt_cost(4)
        .jwt_secret(TEST_JWT_SECRET)
        .notifier(notifier)
        .build()
}

/// A random lower-case suffix, so names never collide across tests that
/// share one database.
pub fn unique_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// A registered, logged-in user and the credentials that made it.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// The stored user.
    pub user: User,
    /// The login email (`<pseudo>@example.com`, lower-cased).
    pub email: String,
    /// The plain password ([`TEST_PASSWORD`]).
    pub password: String,
    /// The authenticated caller, for service calls.
    pub principal: Principal,
    /// A session JWT, for HTTP calls.
    pub jwt: String,
}

/// Registers `pseudo` (email `<pseudo>@example.com`) and logs in.
pub async fn register_user(orion: &Orion, pseudo: &str) -> TestUser {
    let email = format!("{}@example.com", pseudo.to_lowercase());
    let user = orion
        .accounts()
        .register(Registration {
            first_name: "Test".into(),
            last_name: pseudo.into(),
            pseudo: pseudo.into(),
            email: email.clone(),
            password: TEST_PASSWORD.into(),
        })
        .await
        .expect("registration of a fresh test user");
    let outcome = orion.accounts().login(&email, TEST_PASSWORD).await.expect("login");
    let LoginOutcome::Session(jwt) = outcome else {
        panic!("a fresh user has no 2FA, yet login asked for it");
    };
    let principal = orion.accounts().authenticate(&jwt).await.expect("fresh session is valid");
    TestUser { user, email, password: TEST_PASSWORD.into(), principal, jwt }
}

/// Creates a project `name` for `owner`.
pub async fn create_project(orion: &Orion, owner: &Principal, name: &str) -> Project {
    orion.projects().create(owner, name, None).await.expect("project creation")
}

/// Creates a source (and its `sk_` token) in the owner's `project`.
pub async fn create_source(
    orion: &Orion,
    owner: &Principal,
    project: &str,
    name: &str,
) -> (Source, IssuedToken) {
    orion.sources().create(owner, project, name, None).await.expect("source creation")
}

/// Issues an `sk_api_` token on the owner's `project` with `permissions`
/// (wire names such as `"logs:read"`).
pub async fn create_api_token(
    orion: &Orion,
    owner: &Principal,
    project: &str,
    permissions: &[&str],
) -> IssuedToken {
    orion.tokens().create(owner, project, "test token", permissions).await.expect("token creation")
}

/// The TOTP code of `secret` at the clock's current time.
pub fn totp_now(secret: &str, clock: &FakeClock) -> String {
    use orion_core::port::Clock;
    totp::code_at(secret, clock.now().timestamp()).expect("a valid base32 secret")
}

/// Sets up and enables 2FA for `user`; returns the TOTP secret and the
/// recovery codes. The current step's code is consumed by enabling, so
/// advance the clock by 30 s before logging in with a fresh code.
pub async fn enable_two_factor(orion: &Orion, user: &Principal, clock: &FakeClock) -> (String, Vec<String>) {
    let setup = orion.two_factor().setup(user).await.expect("2FA setup");
    let codes = orion
        .two_factor()
        .enable(user, &totp_now(&setup.secret, clock))
        .await
        .expect("2FA enable with a current code");
    (setup.secret, codes)
}

/// The principal an issued token authenticates as.
pub async fn token_principal(orion: &Orion, issued: &IssuedToken) -> Principal {
    orion.accounts().authenticate(&issued.value).await.expect("a freshly issued token authenticates")
}

/// A log input with just a message; set other fields with struct update
/// syntax (`LogInput { level: Some("warn".into()), ..log_input("x") }`).
pub fn log_input(message: &str) -> LogInput {
    LogInput { message: message.to_owned(), ..LogInput::default() }
}

/// A registration of `server_id` into the owner's `project` (hostname
/// `<server_id>.local`, linux/x86_64, no display name).
pub fn agent_registration(project: &str, server_id: &str) -> AgentRegistration {
    AgentRegistration {
        server_id: server_id.to_owned(),
        display_name: String::new(),
        hostname: format!("{server_id}.local"),
        platform: "linux".into(),
        arch: "x86_64".into(),
        project_name: Some(project.to_owned()),
    }
}

/// Registers `server_id` in the owner's `project`; returns the `sk_agent_`
/// token and the principal it authenticates as.
pub async fn register_agent(
    orion: &Orion,
    owner: &Principal,
    project: &str,
    server_id: &str,
) -> (IssuedToken, Principal) {
    let issued = orion
        .agents()
        .register(owner, agent_registration(project, server_id))
        .await
        .expect("agent registration");
    let principal = token_principal(orion, &issued).await;
    (issued, principal)
}

/// Plausible, valid heartbeat figures: 25 % CPU, 4 of 16 GB RAM (25 %),
/// 100 of 500 GB disk (20 %), an hour up.
pub fn metrics() -> Metrics {
    Metrics {
        uptime_seconds: Some(3_600.0),
        cpu_percent: Some(25.0),
        cpu_cores: Some(4),
        ram: Usage { used: Some(4_096.0), total: Some(16_384.0), percent: Some(25.0) },
        disk: Usage { used: Some(100.0), total: Some(500.0), percent: Some(20.0) },
        net_rx_bytes_per_sec: Some(1_024.5),
        net_tx_bytes_per_sec: Some(512.0),
        load_average: Some([0.5, 0.25, 0.125]),
    }
}

/// A heartbeat input with [`metrics`], no scripts, no timestamp and no
/// server id (what a server-bound agent token sends).
pub fn heartbeat_input() -> HeartbeatInput {
    HeartbeatInput { metrics: metrics(), ..HeartbeatInput::default() }
}

/// A rule input with a name, a condition and channels (wire forms such as
/// `"email"` or `"webhook:http://…"`); the rest defaults (5-minute window,
/// enabled, no narrowing, 60-minute repeat). Set other fields with struct
/// update syntax.
pub fn rule_input(name: &str, condition: &str, channels: &[&str]) -> RuleInput {
    RuleInput {
        name: name.to_owned(),
        condition: condition.to_owned(),
        channels: channels.iter().map(|c| (*c).to_owned()).collect(),
        ..RuleInput::default()
    }
}
