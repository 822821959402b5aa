//! AccountService: registration, login, throttling, session tokens.

use chrono::Duration;
use orion_core::ServiceError;
use orion_core::service::{LoginOutcome, Principal, Registration};
use orion_testkit::builders::{TEST_PASSWORD, register_user};

use crate::setup;

fn registration(pseudo: &str, email: &str) -> Registration {
    Registration {
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        pseudo: pseudo.into(),
        email: email.into(),
        password: "analytical engine".into(),
    }
}

#[tokio::test]
async fn registration_reports_every_invalid_field_at_once() {
    let (orion, _) = setup();
    let input = Registration {
        first_name: " ".into(),
        last_name: "".into(),
        pseudo: "a b".into(),
        email: "not-an-email".into(),
        password: "short".into(),
    };
    let Err(ServiceError::Validation(errors)) = orion.accounts().register(input).await else {
        panic!("expected a validation error");
    };
    let mut fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["email", "firstName", "lastName", "password", "pseudo"]);
}

#[tokio::test]
async fn registration_normalises_the_email_and_keeps_the_pseudo_case() {
    let (orion, _) = setup();
    let user = orion.accounts().register(registration("AdaL", " Ada@Example.COM ")).await.unwrap();
    assert_eq!(user.email.as_str(), "ada@example.com");
    assert_eq!(user.pseudo.as_str(), "AdaL");
    assert_ne!(user.password_hash, "analytical engine", "the password is stored hashed");
}

#[tokio::test]
async fn a_duplicate_email_is_a_conflict() {
    let (orion, _) = setup();
    orion.accounts().register(registration("ada", "ada@example.com")).await.unwrap();
    let err = orion.accounts().register(registration("other", "ADA@example.com")).await;
    assert!(matches!(err, Err(ServiceError::Conflict(m)) if m.contains("email")));
}

#[tokio::test]
async fn a_pseudo_differing_only_in_case_is_a_conflict() {
    let (orion, _) = setup();
    orion.accounts().register(registration("ada", "ada@example.com")).await.unwrap();
    let err = orion.accounts().register(registration("ADA", "other@example.com")).await;
    assert!(matches!(err, Err(ServiceError::Conflict(m)) if m.contains("pseudo")));
}

#[tokio::test]
async fn unknown_email_and_wrong_password_fail_identically() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    let unknown = orion.accounts().login("nobody@example.com", TEST_PASSWORD).await.unwrap_err();
    let wrong = orion.accounts().login(&ada.email, "wrong password").await.unwrap_err();
    assert!(matches!(unknown, ServiceError::Unauthorized(_)), "{unknown:?}");
    assert!(matches!(wrong, ServiceError::Unauthorized(_)), "{wrong:?}");
    assert_eq!(unknown.to_string(), wrong.to_string());
}

#[tokio::test]
async fn login_is_case_insensitive_on_the_email() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    let outcome = orion.accounts().login(&ada.email.to_uppercase(), TEST_PASSWORD).await.unwrap();
    assert!(matches!(outcome, LoginOutcome::Session(_)));
}

#[tokio::test]
async fn ten_failures_in_fifteen_minutes_rate_limit_even_the_right_password() {
    let (orion, clock) = setup();
    let ada = register_user(&orion, "ada").await;
    for _ in 0..10 {
        let err = orion.accounts().login(&ada.email, "wrong password").await.unwrap_err();
        assert!(matches!(err, ServiceError::Unauthorized(_)), "{err:?}");
        clock.advance(Duration::seconds(10));
    }
    // The first failure was 100 s ago: it leaves the window in 13 min 20 s.
    let err = orion.accounts().login(&ada.email, TEST_PASSWORD).await.unwrap_err();
    let ServiceError::RateLimited { retry_after } = err else { panic!("expected 429, got {err:?}") };
    assert_eq!(retry_after, std::time::Duration::from_secs(15 * 60 - 100));

    clock.advance(Duration::seconds(15 * 60 - 100));
    let outcome = orion.accounts().login(&ada.email, TEST_PASSWORD).await.unwrap();
    assert!(matches!(outcome, LoginOutcome::Session(_)));
}

#[tokio::test]
async fn failures_for_unknown_emails_are_throttled_too() {
    let (orion, _) = setup();
    for _ in 0..10 {
        let _ = orion.accounts().login("ghost@example.com", "whatever1").await;
    }
    let err = orion.accounts().login("ghost@example.com", "whatever1").await.unwrap_err();
    assert!(matches!(err, ServiceError::RateLimited { .. }), "{err:?}");
}

#[tokio::test]
async fn a_successful_login_resets_the_failure_count() {
    let (orion, _) = setup();
    let ada = register_user(&orion, "ada").await;
    for _ in 0..2 {
        for _ in 0..9 {
            orion.accounts().login(&ada.email, "wrong password").await.unwrap_err();
        }
        orion.accounts().login(&ada.email, TEST_PASSWORD).await.expect("not throttled yet");
    }
}

#[tokio::test]
async fn a_session_token_authenticates_its_user_until_it_expires() {
    let (orion, clock) = setup();
    let ada = register_user(&orion, "ada").await;
    assert_eq!(ada.principal, Principal::User(ada.user.id));
    assert_eq!(orion.accounts().me(&ada.principal).await.unwrap().id, ada.user.id);

    clock.advance(Duration::hours(23));
    assert!(orion.accounts().authenticate(&ada.jwt).await.is_ok());
    clock.advance(Duration::hours(1));
    let err = orion.accounts().authenticate(&ada.jwt).await.unwrap_err();
    assert!(matches!(err, ServiceError::Unauthorized(_)), "{err:?}");
}

#[tokio::test]
async fn garbage_and_unknown_bearer_values_are_unauthorized() {
    let (orion, _) = setup();
    for bearer in ["", "garbage", "a.b.c", "sk_api_doesnotexist", "sk_"] {
        let err = orion.accounts().authenticate(bearer).await.unwrap_err();
        assert!(matches!(err, ServiceError::Unauthorized(_)), "{bearer:?}: {err:?}");
    }
}
