//! `Orion::spawn_maintenance`: retention deletes what is older than the
//! period *by the clock port* (moving the fake clock expires more), the
//! alert scheduler evaluates rules on its own, and both stop on shutdown.

use std::time::Duration;

use chrono::SecondsFormat;
use orion_core::Orion;
use orion_core::maintenance::MaintenanceOptions;
use orion_core::model::LoginChallenge;
use orion_core::model::alert::AlertEventKind;
use orion_core::model::log::LogQuery;
use orion_core::port::Clock;
use orion_core::service::{LogInput, Principal};
use orion_testkit::builders::{
    create_api_token, create_project, log_input, register_user, rule_input, test_orion, token_principal,
};
use orion_testkit::{FakeClock, InMemoryRepos, wait};
use tokio::sync::watch;

/// Ada's project `shop` and a `logs:write` token for it.
async fn setup() -> (Orion, FakeClock, Principal, Principal) {
    let clock = FakeClock::default();
    let orion = test_orion(InMemoryRepos::new(), clock.clone());
    let owner = register_user(&orion, "ada").await;
    create_project(&orion, &owner.principal, "shop").await;
    let issued = create_api_token(&orion, &owner.principal, "shop", &["logs:write"]).await;
    let ingest = token_principal(&orion, &issued).await;
    (orion, clock, owner.principal, ingest)
}

async fn messages(orion: &Orion, owner: &Principal) -> Vec<String> {
    let page =
        orion.logs().search(owner, "shop", &LogQuery { limit: 100, ..LogQuery::default() }).await.unwrap();
    page.logs.into_iter().map(|l| l.entry.message).collect()
}

/// Waits up to 5 s for `check` to hold.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    wait::eventually(what, Duration::from_secs(5), async || check().await.then_some(())).await;
}

/// Returns once a whole retention sweep has run after the call began: a
/// sweep deletes expired challenges first, so an expired one stored now is
/// gone once a sweep has started after this point; a second one stored
/// after that can only go in the next sweep, which starts once the first
/// has finished (logs, agent data and all). The deterministic way to know
/// the job ran, before checking what it did not do.
async fn a_whole_sweep_ran(orion: &Orion, owner: &Principal) {
    let Principal::User(user_id) = owner else { panic!("the owner is a user") };
    for _ in 0..2 {
        let probe = LoginChallenge {
            token_hash: format!("probe-{}", orion_testkit::fresh_id()),
            user_id: *user_id,
            expires_at: orion.clock().now() - chrono::Duration::seconds(1),
            failed_attempts: 0,
        };
        orion.repos().challenges.insert(&probe).await.unwrap();
        let challenges = &orion.repos().challenges;
        eventually("a sweep purging an expired challenge", async || {
            challenges.find(&probe.token_hash).await.unwrap().is_none()
        })
        .await;
    }
}

fn quick(retention_days: u32) -> MaintenanceOptions {
    MaintenanceOptions {
        retention_days,
        retention_every: Duration::from_millis(20),
        alert_every: Duration::from_millis(20),
    }
}

#[tokio::test]
async fn retention_deletes_by_the_clock_port_and_stops_on_shutdown() {
    let (orion, clock, owner, ingest) = setup().await;
    let stamp =
        |days: i64| (clock.now() - chrono::Duration::days(days)).to_rfc3339_opts(SecondsFormat::Millis, true);
    let entry = |message: &str, days: i64| LogInput { timestamp: Some(stamp(days)), ..log_input(message) };
    orion.logs().ingest(&ingest, vec![entry("three days old", 3), entry("fresh", 0)]).await.unwrap();

    let (stop, shutdown) = watch::channel(false);
    let maintenance = orion.spawn_maintenance(quick(2), shutdown);
    eventually("the three-day-old entry expiring", async || messages(&orion, &owner).await == ["fresh"])
        .await;

    // Two more days on the clock: the fresh entry is now past the period too.
    clock.advance(chrono::Duration::days(2) + chrono::Duration::minutes(1));
    eventually("the fresh entry expiring once the clock moved", async || {
        messages(&orion, &owner).await.is_empty()
    })
    .await;

    stop.send(true).unwrap();
    assert!(maintenance.stopped(Duration::from_secs(5)).await, "both jobs stop on the signal");
    // Stopped: `stopped` said true only once both job tasks had ended, so
    // no sweep can run any more, whatever the clock says; nothing to wait
    // for before looking.
    orion.logs().ingest(&ingest, vec![entry("after shutdown", 0)]).await.unwrap();
    clock.advance(chrono::Duration::days(30));
    assert_eq!(messages(&orion, &owner).await, ["after shutdown"]);
}

#[tokio::test]
async fn with_retention_off_nothing_is_deleted() {
    let (orion, clock, owner, ingest) = setup().await;
    let old = (clock.now() - chrono::Duration::days(400)).to_rfc3339_opts(SecondsFormat::Millis, true);
    orion
        .logs()
        .ingest(&ingest, vec![LogInput { timestamp: Some(old), ..log_input("ancient") }])
        .await
        .unwrap();
    let (stop, shutdown) = watch::channel(false);
    let maintenance = orion.spawn_maintenance(quick(0), shutdown);
    a_whole_sweep_ran(&orion, &owner).await;
    assert_eq!(messages(&orion, &owner).await, ["ancient"]);
    stop.send(true).unwrap();
    assert!(maintenance.stopped(Duration::from_secs(5)).await);
}

#[tokio::test]
async fn the_scheduler_evaluates_rules_without_being_asked() {
    let (orion, clock, owner, ingest) = setup().await;
    orion
        .alerts()
        .create_rule(&owner, "shop", rule_input("any log", "log_count >= 1", &["email"]))
        .await
        .unwrap();
    orion.logs().ingest(&ingest, vec![log_input("something happened")]).await.unwrap();
    // Evaluation windows end at "now", exclusive.
    clock.advance(chrono::Duration::seconds(1));

    let (stop, shutdown) = watch::channel(false);
    let maintenance = orion.spawn_maintenance(quick(0), shutdown);
    eventually("the rule firing on a scheduled run", async || {
        let events = orion.alerts().events(&owner, "shop", 10).await.unwrap();
        events.iter().any(|e| e.kind == AlertEventKind::Firing && e.rule_name == "any log")
    })
    .await;
    stop.send(true).unwrap();
    assert!(maintenance.stopped(Duration::from_secs(5)).await);
}

#[tokio::test]
async fn expired_ws_tickets_are_purged_by_the_clock_port_even_with_retention_off() {
    let (orion, clock, owner, _) = setup().await;
    let stored = async |ticket: &str| {
        orion.repos().challenges.find(&orion_core::port::secrets::sha256_hex(ticket)).await.unwrap().is_some()
    };
    let (old, _) = orion.accounts().issue_ws_ticket(&owner).await.unwrap();
    let (stop, shutdown) = watch::channel(false);
    let maintenance = orion.spawn_maintenance(quick(0), shutdown);
    // A sweep has run with the ticket stored: a live ticket is not touched.
    a_whole_sweep_ran(&orion, &owner).await;
    assert!(stored(&old).await, "a ticket within its 30 s stays");

    clock.advance(chrono::Duration::seconds(31));
    let (fresh, _) = orion.accounts().issue_ws_ticket(&owner).await.unwrap();
    eventually("the expired ticket being purged", async || !stored(&old).await).await;
    // And one more with the fresh ticket stored, after the clock moved.
    a_whole_sweep_ran(&orion, &owner).await;
    assert!(stored(&fresh).await, "the ticket issued after the clock moved is still there");
    assert_eq!(orion.accounts().authenticate_ws_ticket(&fresh).await.unwrap(), owner);
    stop.send(true).unwrap();
    assert!(maintenance.stopped(Duration::from_secs(5)).await);
}
