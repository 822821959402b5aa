//! Email over SMTP against the testkit's `SmtpSink`; configuration errors.

use orion_core::model::alert::Channel;
use orion_core::port::notify::Notifier;
use orion_notify::{Notifiers, NotifyConfig, SMTP_NOT_CONFIGURED, SmtpConfig};
use orion_testkit::SmtpSink;

use crate::support::{WAIT, firing, notifiers, with_smtp};

#[tokio::test]
async fn an_email_arrives_with_the_subject_sender_recipient_and_text() {
    let sink = SmtpSink::start().await;
    let n = firing();

    with_smtp(&sink.url()).send(&Channel::Email("oncall@example.com".into()), &n).await.unwrap();

    let mails = sink.wait_for(1, WAIT).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.from, "orion@example.com");
    assert_eq!(mail.recipients, ["oncall@example.com"]);
    assert_eq!(mail.subject.as_deref(), Some(n.subject().as_str()));
    assert_eq!(mail.header("To").as_deref(), Some("oncall@example.com"));
    assert_eq!(mail.header("From").as_deref(), Some("Orion <orion@example.com>"));
    // A plain-text part with the text, and an HTML alternative.
    let plain = mail.body.split("Content-Type: text/html").next().unwrap();
    assert!(plain.contains("Content-Type: text/plain"), "{}", mail.body);
    assert!(plain.contains(n.text().trim_end()), "{}", mail.body);
    assert!(mail.body.contains("Content-Type: text/html"), "{}", mail.body);
    assert!(mail.body.contains("&gt;"), "the HTML part is escaped: {}", mail.body);
}

#[tokio::test]
async fn an_unconfigured_smtp_is_an_error_saying_how_to_configure_it() {
    let err = notifiers(WAIT, 1)
        .send(&Channel::Email("a@example.com".into()), &firing())
        .await
        .unwrap_err()
        .to_string();

    assert_eq!(err, SMTP_NOT_CONFIGURED);
    assert_eq!(err, "SMTP is not configured: start the server with --smtp-url and --smtp-from");
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_an_error_without_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let notifiers = with_smtp(&format!("smtp://mailer:hunter22@127.0.0.1:{port}"));

    let err =
        notifiers.send(&Channel::Email("a@example.com".into()), &firing()).await.unwrap_err().to_string();

    assert!(err.starts_with(&format!("email to a@example.com via smtp://127.0.0.1:{port} failed:")), "{err}");
    assert!(err.contains("after 2 attempts"), "a connection error is retried: {err}");
    assert!(!err.contains("hunter22") && !err.contains("mailer"), "{err}");
}

#[test]
fn a_bad_smtp_url_is_refused_without_showing_the_password() {
    let err = Notifiers::new(NotifyConfig {
        smtp: Some(SmtpConfig {
            url: "gopher://mailer:hunter22@host".into(),
            from: "orion@example.com".into(),
        }),
        ..NotifyConfig::default()
    })
    .unwrap_err()
    .to_string();

    assert!(err.starts_with("invalid --smtp-url gopher://***@host"), "{err}");
    assert!(!err.contains("hunter22"), "{err}");
}

#[test]
fn a_bad_sender_address_is_refused() {
    let err = Notifiers::new(NotifyConfig {
        smtp: Some(SmtpConfig { url: "smtp://127.0.0.1:2525".into(), from: "not an address".into() }),
        ..NotifyConfig::default()
    })
    .unwrap_err();

    assert_eq!(err.to_string(), "invalid --smtp-from `not an address`: expected an email address");
}

#[test]
fn smtp_settings_do_not_show_the_password_in_debug_output() {
    let config =
        SmtpConfig { url: "smtps://mailer:hunter22@mail.example.com".into(), from: "o@example.com".into() };

    let shown = format!("{config:?}");

    assert!(!shown.contains("hunter22") && !shown.contains("mailer"), "{shown}");
    assert!(shown.contains("mail.example.com"), "{shown}");
}

#[tokio::test]
async fn an_owner_email_channel_that_reaches_the_notifier_is_refused() {
    let sink = SmtpSink::start().await;

    let err = with_smtp(&sink.url()).send(&Channel::OwnerEmail, &firing()).await.unwrap_err().to_string();

    assert!(err.contains("not resolved"), "{err}");
    assert!(sink.received().is_empty());
}
