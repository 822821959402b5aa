//! Retries and error mapping, against a fake server that fails the first
//! requests on purpose.

use std::time::{Duration, Instant};

use orion_client::{Client, ClientError, LogEntry, RetryPolicy};

use crate::support::{FakeServer, Orion, Reply, fast_retry};

fn one_entry() -> Vec<LogEntry> {
    vec![LogEntry::new("info", "hello")]
}

fn client(server: &FakeServer, policy: RetryPolicy) -> Client {
    Client::new(&server.url, "sk_test").unwrap().with_retry(policy)
}

#[tokio::test]
async fn transient_503s_are_retried_until_the_call_succeeds() {
    let server =
        FakeServer::start(
            |n, request| if n < 2 { Reply::error(503, "unavailable") } else { Reply::accept(request) },
        )
        .await;
    let accepted = client(&server, fast_retry(5)).send_logs(&one_entry()).await.unwrap();
    assert_eq!(accepted, 1);
    assert_eq!(server.count(), 3);
    // Every attempt is the same request, token included.
    for request in server.requests() {
        assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/api/agent/log"));
        assert_eq!(request.header("authorization"), Some("Bearer sk_test"));
        assert_eq!(request.messages(), ["hello"]);
    }
}

#[tokio::test]
async fn dropped_connections_are_retried() {
    let server =
        FakeServer::start(|n, request| if n < 2 { Reply::Hangup } else { Reply::accept(request) }).await;
    assert_eq!(client(&server, fast_retry(5)).send_logs(&one_entry()).await.unwrap(), 1);
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn a_429_waits_for_retry_after_rather_than_the_backoff() {
    let server = FakeServer::start(|n, request| {
        if n == 0 {
            Reply::Status(
                429,
                vec![("retry-after", "1".into())],
                r#"{"error":"slow down","code":"rate_limited"}"#.into(),
            )
        } else {
            Reply::accept(request)
        }
    })
    .await;
    let started = Instant::now();
    client(&server, fast_retry(3)).send_logs(&one_entry()).await.unwrap();
    // The policy alone would have waited at most 5 ms.
    assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn attempts_stop_at_the_policy_maximum_with_the_last_error() {
    let server = FakeServer::start(|_, _| Reply::error(503, "unavailable")).await;
    let err = client(&server, fast_retry(3)).send_logs(&one_entry()).await.unwrap_err();
    assert!(matches!(&err, ClientError::Api { status: 503, code, .. } if code == "unavailable"), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn a_400_or_a_401_is_never_retried() {
    for (status, code) in [(400, "validation_failed"), (401, "unauthorized"), (403, "missing_permission")] {
        let server = FakeServer::start(move |_, _| Reply::error(status, code)).await;
        let err = client(&server, fast_retry(5)).send_logs(&one_entry()).await.unwrap_err();
        match &err {
            ClientError::Api { status: got, code: got_code, message, retry_after } => {
                assert_eq!((*got, got_code.as_str()), (status, code));
                assert_eq!(message, &format!("test {code}"));
                assert_eq!(*retry_after, None);
            }
            other => panic!("{other:?}"),
        }
        assert!(!err.is_retryable());
        assert_eq!(server.count(), 1, "{status} was retried");
    }
}

#[tokio::test]
async fn a_body_that_is_not_an_api_error_still_gives_a_status_and_a_code() {
    let server =
        FakeServer::start(|_, _| Reply::Status(502, Vec::new(), "<html>Bad Gateway</html>".into())).await;
    let err = client(&server, RetryPolicy::none()).health().await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Api { status: 502, code, message, .. } if code == "http_502" && message.contains("Bad Gateway")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_retryable_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = Client::new(&url, "t").unwrap().with_retry(fast_retry(2)).health().await.unwrap_err();
    assert!(matches!(err, ClientError::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_is_a_transport_error() {
    let server = FakeServer::start(|_, _| Reply::Stall).await;
    let client = client(&server, fast_retry(2)).with_timeout(Duration::from_millis(100));
    let started = Instant::now();
    let err = client.health().await.unwrap_err();
    assert!(matches!(&err, ClientError::Transport(e) if e.is_timeout()), "{err:?}");
    assert_eq!(server.count(), 2, "a timeout is retried");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_success_body_that_is_not_the_documented_one_is_a_decode_error() {
    let server = FakeServer::start(|_, _| Reply::json(201, serde_json::json!({ "stored": 1 }))).await;
    let err = client(&server, fast_retry(3)).send_logs(&one_entry()).await.unwrap_err();
    assert!(matches!(err, ClientError::Decode(_)), "{err:?}");
    assert_eq!(server.count(), 1, "the request took effect: no retry");
}

#[tokio::test]
async fn a_batch_committed_but_unanswered_is_retried_under_its_key_and_stored_once() {
    let orion = Orion::start().await;
    let to = orion.server.base_url.clone();
    // The first attempt reaches the real server, which commits it; the
    // answer is lost. The retry goes through to the same server.
    let proxy = FakeServer::start(move |n, _| Reply::Forward { to: to.clone(), hangup: n == 0 }).await;
    let client = Client::new(&proxy.url, &orion.source_token).unwrap().with_retry(fast_retry(3));
    let batch = vec![LogEntry::new("info", "once"), LogEntry::new("warn", "only once")];
    assert_eq!(client.send_logs(&batch).await.unwrap(), 2);

    let attempts = proxy.requests();
    assert_eq!(attempts.len(), 2, "one lost answer, one retry");
    let keys: Vec<Option<&str>> = attempts.iter().map(|r| r.header("idempotency-key")).collect();
    assert!(keys[0].is_some_and(|k| !k.is_empty()), "{keys:?}");
    assert_eq!(keys[0], keys[1], "the retry carries the same key");
    assert_eq!(orion.messages("").await, ["only once", "once"], "stored exactly once");

    // Another call is another batch: a new key, stored again.
    let direct = Client::new(&orion.server.base_url, &orion.source_token).unwrap();
    assert_eq!(direct.send_logs(&batch).await.unwrap(), 2);
    assert_eq!(orion.messages("").await.len(), 4);
    // A caller's own key makes resends across calls safe.
    assert_eq!(direct.send_logs_with_key(&batch, "mine-1").await.unwrap(), 2);
    assert_eq!(direct.send_logs_with_key(&batch, "mine-1").await.unwrap(), 2);
    assert_eq!(orion.messages("").await.len(), 6);
}
