//! TwoFactorService and the 2FA step of login: setup, enable, verify with
//! TOTP or recovery codes, replay and brute-force protection, disable.

use chrono::Duration;
use orion_core::port::{Clock, totp};
use orion_core::service::LoginOutcome;
use orion_core::{Orion, ServiceError};
use orion_testkit::FakeClock;
use orion_testkit::builders::{TestUser, enable_two_factor, register_user, totp_now};

use crate::setup;

/// A user with 2FA on, the secret, the recovery codes; the clock has moved
/// one step past the code used to enable.
async fn two_factor_user(orion: &Orion, clock: &FakeClock) -> (TestUser, String, Vec<String>) {
    let ada = register_user(orion, "ada").await;
    let (secret, codes) = enable_two_factor(orion, &ada.principal, clock).await;
    clock.advance(Duration::seconds(30));
    (ada, secret, codes)
}

/// Logs in with the right password and returns the `tmp_` session token.
async fn challenge(orion: &Orion, user: &TestUser) -> String {
    match orion.accounts().login(&user.email, &user.password).await.unwrap() {
        LoginOutcome::TwoFactorRequired(token) => token,
        LoginOutcome::Session(_) => panic!("2FA is on, yet login gave a session"),
    }
}

/// The code `offset_steps` steps away from the clock's current one.
fn code_at_step(secret: &str, clock: &FakeClock, offset_steps: i64) -> String {
    totp::code_at(secret, clock.now().timestamp() + 30 * offset_steps).unwrap()
}

/// A six-digit code that matches none of the accepted steps.
fn wrong_code(secret: &str, clock: &FakeClock) -> String {
    let valid: Vec<_> = (-1..=1).map(|s| code_at_step(secret, clock, s)).collect();
    (0..10).map(|d| d.to_string().repeat(6)).find(|c| !valid.contains(c)).unwrap()
}

fn assert_unauthorized<T: std::fmt::Debug>(result: Result<T, ServiceError>) {
    assert!(matches!(result, Err(ServiceError::Unauthorized(_))), "expected 401, got {result:?}");
}

#[tokio::test]
async fn setup_then_enable_then_login_needs_a_code_that_gives_a_session() {
    let (orion, clock) = setup();
    let (ada, secret, codes) = two_factor_user(&orion, &clock).await;
    assert_eq!(codes.len(), 10);
    let token = challenge(&orion, &ada).await;
    assert!(token.starts_with("tmp_"));

    let jwt = orion.accounts().verify_two_factor(&token, &totp_now(&secret, &clock)).await.unwrap();
    assert_eq!(orion.accounts().authenticate(&jwt).await.unwrap(), ada.principal);
}

#[tokio::test]
async fn setup_gives_an_otpauth_url_and_does_not_enable_yet() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    let setup = orion.two_factor().setup(&ada.principal).await.unwrap();
    assert!(setup.otpauth_url.starts_with("otpauth://totp/"));
    assert!(!setup.qr_png_base64.is_empty());
    let outcome = orion.accounts().login(&ada.email, &ada.password).await.unwrap();
    assert!(matches!(outcome, LoginOutcome::Session(_)), "pending 2FA does not apply");
}

#[tokio::test]
async fn enable_needs_setup_first_and_a_valid_code() {
    let (orion, clock) = setup();
    let ada = register_user(&orion, "ada").await;
    let err = orion.two_factor().enable(&ada.principal, "123456").await.unwrap_err();
    assert!(matches!(err, ServiceError::Validation(_)), "{err:?}");

    let setup = orion.two_factor().setup(&ada.principal).await.unwrap();
    let bad = wrong_code(&setup.secret, &clock);
    let err = orion.two_factor().enable(&ada.principal, &bad).await.unwrap_err();
    assert!(matches!(err, ServiceError::Validation(_)), "{err:?}");
    orion.two_factor().enable(&ada.principal, &totp_now(&setup.secret, &clock)).await.unwrap();

    let again = orion.two_factor().setup(&ada.principal).await;
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
}

#[tokio::test]
async fn a_replayed_code_is_refused() {
    let (orion, clock) = setup();
    let (ada, secret, _) = two_factor_user(&orion, &clock).await;
    let code = totp_now(&secret, &clock);
    orion.accounts().verify_two_factor(&challenge(&orion, &ada).await, &code).await.unwrap();
    assert_unauthorized(orion.accounts().verify_two_factor(&challenge(&orion, &ada).await, &code).await);
}

#[tokio::test]
async fn the_code_used_to_enable_cannot_be_replayed_at_login() {
    let (orion, clock) = setup();
    let ada = register_user(&orion, "ada").await;
    let (secret, _) = enable_two_factor(&orion, &ada.principal, &clock).await;
    let token = challenge(&orion, &ada).await;
    assert_unauthorized(orion.accounts().verify_two_factor(&token, &totp_now(&secret, &clock)).await);
}

#[tokio::test]
async fn codes_of_the_neighbouring_steps_are_accepted() {
    let (orion, clock) = setup();
    let (ada, secret, _) = two_factor_user(&orion, &clock).await;
    clock.advance(Duration::seconds(60));
    let previous = code_at_step(&secret, &clock, -1);
    orion.accounts().verify_two_factor(&challenge(&orion, &ada).await, &previous).await.unwrap();
    let next = code_at_step(&secret, &clock, 1);
    orion.accounts().verify_two_factor(&challenge(&orion, &ada).await, &next).await.unwrap();
}

#[tokio::test]
async fn codes_two_steps_away_are_refused() {
    let (orion, clock) = setup();
    let (ada, secret, _) = two_factor_user(&orion, &clock).await;
    clock.advance(Duration::minutes(4));
    let token = challenge(&orion, &ada).await;
    for offset in [-2, 2] {
        let code = code_at_step(&secret, &clock, offset);
        assert_unauthorized(orion.accounts().verify_two_factor(&token, &code).await);
    }
    // Two wrong codes do not kill the session yet.
    orion.accounts().verify_two_factor(&token, &totp_now(&secret, &clock)).await.unwrap();
}

#[tokio::test]
async fn an_expired_session_token_is_refused() {
    let (orion, clock) = setup();
    let (ada, secret, _) = two_factor_user(&orion, &clock).await;
    let token = challenge(&orion, &ada).await;
    clock.advance(Duration::minutes(5));
    assert_unauthorized(orion.accounts().verify_two_factor(&token, &totp_now(&secret, &clock)).await);
}

#[tokio::test]
async fn a_session_token_works_only_once() {
    let (orion, clock) = setup();
    let (ada, secret, _) = two_factor_user(&orion, &clock).await;
    let token = challenge(&orion, &ada).await;
    orion.accounts().verify_two_factor(&token, &totp_now(&secret, &clock)).await.unwrap();
    clock.advance(Duration::seconds(30));
    assert_unauthorized(orion.accounts().verify_two_factor(&token, &totp_now(&secret, &clock)).await);
}

#[tokio::test]
async fn five_wrong_codes_kill_the_session_token() {
    let (orion, clock) = setup();
    let (ada, secret, _) = two_factor_user(&orion, &clock).await;
    let token = challenge(&orion, &ada).await;
    let bad = wrong_code(&secret, &clock);
    for _ in 0..5 {
        assert_unauthorized(orion.accounts().verify_two_factor(&token, &bad).await);
    }
    assert_unauthorized(orion.accounts().verify_two_factor(&token, &totp_now(&secret, &clock)).await);
    // A new login starts a fresh session token.
    let fresh = challenge(&orion, &ada).await;
    orion.accounts().verify_two_factor(&fresh, &totp_now(&secret, &clock)).await.unwrap();
}

#[tokio::test]
async fn each_recovery_code_works_exactly_once() {
    let (orion, clock) = setup();
    let (ada, _, codes) = two_factor_user(&orion, &clock).await;
    let first = &codes[0];
    orion.accounts().verify_two_factor(&challenge(&orion, &ada).await, first).await.unwrap();
    assert_unauthorized(orion.accounts().verify_two_factor(&challenge(&orion, &ada).await, first).await);
    // Case and surrounding spaces do not matter; the other codes still work.
    let second = format!("  {} ", codes[1].to_uppercase());
    orion.accounts().verify_two_factor(&challenge(&orion, &ada).await, &second).await.unwrap();
    let user = orion.accounts().me(&ada.principal).await.unwrap();
    assert_eq!(user.two_factor.recovery_code_hashes.len(), 8);
}

#[tokio::test]
async fn disable_needs_a_valid_code_and_turns_the_second_step_off() {
    let (orion, clock) = setup();
    let (ada, secret, _) = two_factor_user(&orion, &clock).await;
    let err = orion.two_factor().disable(&ada.principal, &wrong_code(&secret, &clock)).await;
    assert!(matches!(err, Err(ServiceError::Validation(_))), "{err:?}");

    orion.two_factor().disable(&ada.principal, &totp_now(&secret, &clock)).await.unwrap();
    let outcome = orion.accounts().login(&ada.email, &ada.password).await.unwrap();
    assert!(matches!(outcome, LoginOutcome::Session(_)));
    let again = orion.two_factor().disable(&ada.principal, "123456").await;
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
}

#[tokio::test]
async fn a_recovery_code_can_disable_two_factor() {
    let (orion, clock) = setup();
    let (ada, _, codes) = two_factor_user(&orion, &clock).await;
    orion.two_factor().disable(&ada.principal, &codes[3]).await.unwrap();
    let user = orion.accounts().me(&ada.principal).await.unwrap();
    assert!(!user.two_factor.enabled);
    assert!(user.two_factor.secret.is_none() && user.two_factor.recovery_code_hashes.is_empty());
}
