//! The batching sender: when it sends, how much per request, in which
//! order, and what becomes of entries when the server fails.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use orion_client::{BatchConfig, Client, LogEntry, LogSender, RetryPolicy, SenderStats};

use crate::support::{FakeServer, Orion, Reply, fast_retry};

const LONG: Duration = Duration::from_secs(60);

fn sender(server: &FakeServer, policy: RetryPolicy, config: BatchConfig) -> LogSender {
    let client = Client::new(&server.url, "sk_test").unwrap().with_retry(policy);
    LogSender::spawn(client, config)
}

fn config(max_batch: usize, flush_interval: Duration, max_buffer: usize) -> BatchConfig {
    BatchConfig { max_batch, flush_interval, max_buffer }
}

fn numbered(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| i.to_string()).collect()
}

fn send_numbered(sender: &LogSender, range: std::ops::Range<usize>) {
    for i in range {
        sender.send(LogEntry::new("info", i.to_string()));
    }
}

#[tokio::test]
async fn many_sends_become_few_full_requests_in_order() {
    let server = FakeServer::accepting().await;
    let logs = sender(&server, fast_retry(3), config(100, LONG, 10_000));
    send_numbered(&logs, 0..1_000);
    logs.flush().await;
    let requests = server.requests();
    assert_eq!(requests.len(), 10);
    assert!(requests.iter().all(|r| r.messages().len() == 100));
    assert_eq!(server.messages_after(0), numbered(0..1_000));
    assert_eq!(logs.stats(), SenderStats { sent: 1_000, dropped: 0, failed: 0, buffered: 0 });
}

#[tokio::test]
async fn a_full_batch_is_sent_without_waiting_for_the_interval() {
    let server = FakeServer::accepting().await;
    let logs = sender(&server, fast_retry(3), config(5, LONG, 100));
    send_numbered(&logs, 0..7);
    server.wait_for(1).await;
    assert_eq!(server.messages_after(0), numbered(0..5));
    // The two left wait for the interval (a minute away): the next request
    // is the batch three more entries fill, not the two on their own.
    assert_eq!(logs.stats().buffered, 2);
    send_numbered(&logs, 7..10);
    server.wait_for(2).await;
    let second = &server.requests()[1];
    assert_eq!(second.messages(), numbered(5..10), "the two were held until the batch was full");
}

#[tokio::test]
async fn a_partial_batch_is_sent_when_the_interval_comes() {
    let server = FakeServer::accepting().await;
    let logs = sender(&server, fast_retry(3), config(100, Duration::from_millis(100), 1_000));
    send_numbered(&logs, 0..3);
    assert_eq!(server.count(), 0, "sent before the interval");
    server.wait_for(1).await;
    assert_eq!(server.messages_after(0), numbered(0..3));
}

#[tokio::test]
async fn flush_returns_once_what_was_sent_before_it_is_delivered() {
    let server = FakeServer::accepting().await;
    let logs = sender(&server, fast_retry(3), config(100, LONG, 1_000));
    send_numbered(&logs, 0..3);
    logs.flush().await;
    assert_eq!(server.messages_after(0), numbered(0..3));
    logs.flush().await;
    assert_eq!(server.count(), 1, "an empty flush sends nothing");
}

#[tokio::test]
async fn shutdown_delivers_everything_buffered_and_later_sends_are_dropped() {
    let server = FakeServer::accepting().await;
    let logs = sender(&server, fast_retry(3), config(1_000, LONG, 10_000));
    let clone = logs.clone();
    send_numbered(&logs, 0..2_000);
    send_numbered(&clone, 2_000..2_500);
    logs.shutdown().await;
    assert_eq!(server.messages_after(0), numbered(0..2_500));
    assert_eq!(server.count(), 3);
    clone.send(LogEntry::new("info", "too late"));
    assert_eq!(logs.stats(), SenderStats { sent: 2_500, dropped: 1, failed: 0, buffered: 0 });
    logs.flush().await; // returns at once
}

#[tokio::test]
async fn dropping_every_handle_still_delivers_the_buffer() {
    let server = FakeServer::accepting().await;
    let logs = sender(&server, fast_retry(3), config(100, LONG, 1_000));
    send_numbered(&logs, 0..3);
    drop(logs);
    server.wait_for(1).await;
    assert_eq!(server.messages_after(0), numbered(0..3));
}

#[tokio::test]
async fn entries_are_kept_while_the_server_is_down_and_sent_in_order_when_it_is_back() {
    let down = Arc::new(AtomicBool::new(true));
    let server = FakeServer::switchable(down.clone()).await;
    let logs = sender(&server, RetryPolicy::none(), config(10, LONG, 1_000));
    send_numbered(&logs, 0..25);
    logs.flush().await;
    let failed_requests = server.count();
    assert!(failed_requests >= 1);
    assert_eq!(logs.stats(), SenderStats { sent: 0, dropped: 0, failed: 0, buffered: 25 });
    down.store(false, Ordering::SeqCst);
    logs.flush().await;
    assert_eq!(server.messages_after(failed_requests), numbered(0..25));
    assert_eq!(logs.stats().sent, 25);
}

#[tokio::test]
async fn a_full_buffer_drops_the_oldest_entries_and_counts_them() {
    let down = Arc::new(AtomicBool::new(true));
    let server = FakeServer::switchable(down.clone()).await;
    let logs = sender(&server, RetryPolicy::none(), config(10, LONG, 20));
    send_numbered(&logs, 0..25);
    logs.flush().await;
    assert_eq!(logs.stats(), SenderStats { sent: 0, dropped: 5, failed: 0, buffered: 20 });
    assert_eq!(logs.dropped(), 5);
    let failed_requests = server.count();
    down.store(false, Ordering::SeqCst);
    logs.flush().await;
    assert_eq!(server.messages_after(failed_requests), numbered(5..25));
}

#[tokio::test]
async fn while_the_server_is_down_a_full_buffer_does_not_hammer_it() {
    let server = FakeServer::start(|_, _| Reply::error(503, "unavailable")).await;
    let interval = Duration::from_millis(300);
    let logs = sender(&server, RetryPolicy::none(), config(10, interval, 1_000));
    let before = tokio::time::Instant::now();
    send_numbered(&logs, 0..10);
    server.wait_for(1).await;
    // Every further send fills a batch; none is tried before the interval:
    // the next request comes an interval after the first failed one (and
    // so after `before`), however many batches are full.
    send_numbered(&logs, 10..200);
    server.wait_for(2).await;
    assert!(before.elapsed() >= interval, "tried again after {:?}", before.elapsed());
}

#[tokio::test]
async fn an_unreachable_server_at_shutdown_fails_the_rest_without_waiting_out_each_batch() {
    let server = FakeServer::start(|_, _| Reply::error(503, "unavailable")).await;
    let logs = sender(&server, fast_retry(2), config(1_000, LONG, 10_000));
    send_numbered(&logs, 0..2_500);
    logs.shutdown().await;
    // The first (full) batch may have been tried once already; at shutdown
    // one batch is tried per the policy, then the rest is given up.
    assert!(server.count() <= 4, "{} requests", server.count());
    assert_eq!(logs.stats(), SenderStats { sent: 0, dropped: 0, failed: 2_500, buffered: 0 });
}

#[tokio::test]
async fn a_revoked_token_fails_the_batch_without_retrying_it() {
    let server = FakeServer::start(|_, _| Reply::error(401, "unauthorized")).await;
    let logs = sender(&server, fast_retry(5), config(100, LONG, 1_000));
    send_numbered(&logs, 0..30);
    logs.flush().await;
    assert_eq!(server.count(), 1);
    assert_eq!(logs.stats(), SenderStats { sent: 0, dropped: 0, failed: 30, buffered: 0 });
}

#[tokio::test]
async fn a_batch_refused_for_one_bad_entry_is_split_so_only_that_entry_is_lost() {
    let orion = Orion::start().await;
    let client = Client::new(&orion.server.base_url, &orion.source_token).unwrap();
    let logs = LogSender::spawn(client, config(100, LONG, 1_000));
    for i in 0..10 {
        // The server refuses an empty message, and with it the whole batch.
        let message = if i == 6 { String::new() } else { format!("entry {i}") };
        logs.send(LogEntry::new("info", message));
    }
    logs.shutdown().await;
    assert_eq!(logs.stats(), SenderStats { sent: 9, dropped: 0, failed: 1, buffered: 0 });
    let mut stored = orion.messages("limit=100").await;
    stored.sort();
    let expected: Vec<String> = (0..10).filter(|i| *i != 6).map(|i| format!("entry {i}")).collect();
    assert_eq!(stored, expected);
}

#[tokio::test]
async fn thousands_of_entries_sent_through_the_sender_all_reach_the_real_server_once() {
    let orion = Orion::start().await;
    let client = Client::new(&orion.server.base_url, &orion.source_token).unwrap();
    let logs = LogSender::spawn(client, config(1_000, Duration::from_millis(20), 100_000));
    send_numbered(&logs, 0..2_500);
    logs.shutdown().await;
    assert_eq!(logs.stats().sent, 2_500);
    let body = orion.logs("limit=1").await;
    assert_eq!(body["total"], 2_500);
    let page = orion.logs("limit=1000&search=249").await;
    // "249", "1249", "2249", "2490".."2499".
    assert_eq!(page["total"], 13);
}

#[tokio::test]
async fn a_put_back_batch_is_resent_whole_under_the_key_it_was_first_sent_with() {
    let down = Arc::new(AtomicBool::new(true));
    let server = FakeServer::switchable(down.clone()).await;
    let logs = sender(&server, RetryPolicy::none(), config(10, LONG, 1_000));
    send_numbered(&logs, 0..5);
    logs.flush().await;
    let failed = server.requests();
    assert_eq!(failed.len(), 1);
    // More entries arrive meanwhile; the put-back batch stays as it was.
    send_numbered(&logs, 5..8);
    down.store(false, Ordering::SeqCst);
    logs.flush().await;
    let requests = server.requests();
    let batches: Vec<(Option<&str>, Vec<String>)> =
        requests.iter().map(|r| (r.header("idempotency-key"), r.messages())).collect();
    assert_eq!(batches.len(), 3, "{batches:?}");
    assert_eq!(batches[1], (failed[0].header("idempotency-key"), numbered(0..5)), "same batch, same key");
    assert_eq!(batches[2].1, numbered(5..8));
    assert!(batches[2].0.is_some() && batches[2].0 != batches[1].0, "a new batch gets a new key");
    assert_eq!(logs.stats().sent, 8);
}
