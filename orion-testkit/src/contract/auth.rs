//! Contract of [`ChallengeRepository`](orion_core::repo::ChallengeRepository)
//! and [`LoginAttemptRepository`](orion_core::repo::LoginAttemptRepository).

use orion_core::Repos;
use orion_core::model::LoginChallenge;

use super::{at, fresh_email, random, stored_user};

async fn stored_challenge(repos: &Repos) -> LoginChallenge {
    let user = stored_user(repos).await;
    let challenge = LoginChallenge {
        token_hash: format!("{}{}", random(32), random(32)),
        user_id: user.id,
        expires_at: at(300_000),
        failed_attempts: 0,
    };
    repos.challenges.insert(&challenge).await.expect("insert challenge");
    challenge
}

/// Insert, find, and `record_failure` returns the running count.
pub async fn a_challenge_round_trips_and_counts_failures(repos: &Repos) {
    let challenge = stored_challenge(repos).await;
    let hash = &challenge.token_hash;
    assert_eq!(repos.challenges.find(hash).await.expect("find"), Some(challenge.clone()));
    assert_eq!(repos.challenges.record_failure(hash).await.expect("fail"), Some(1));
    assert_eq!(repos.challenges.record_failure(hash).await.expect("fail"), Some(2));
    let found = repos.challenges.find(hash).await.expect("find").expect("still there");
    assert_eq!(found.failed_attempts, 2);
    assert_eq!(repos.challenges.find(&random(32)).await.expect("find"), None);
    assert_eq!(repos.challenges.record_failure(&random(32)).await.expect("fail"), None);
}

/// `delete_expired` removes challenges expiring at or before `now`, at
/// most `batch` per call, and never a live one.
pub async fn expired_challenges_are_deleted_in_bounded_batches(repos: &Repos) {
    let user = stored_user(repos).await;
    let challenge = |expires_at| LoginChallenge {
        token_hash: format!("{}{}", random(32), random(32)),
        user_id: user.id,
        expires_at,
        failed_attempts: 0,
    };
    let (old, due, live) = (challenge(at(1_000)), challenge(at(2_000)), challenge(at(2_001)));
    for c in [&old, &due, &live] {
        repos.challenges.insert(c).await.expect("insert challenge");
    }
    assert_eq!(repos.challenges.delete_expired(at(2_000), 0).await.expect("purge"), 0);
    assert_eq!(repos.challenges.delete_expired(at(2_000), 1).await.expect("purge"), 1, "one per batch");
    assert!(repos.challenges.delete_expired(at(2_000), 1_000).await.expect("purge") >= 1);
    for gone in [&old, &due] {
        assert_eq!(repos.challenges.find(&gone.token_hash).await.expect("find"), None);
    }
    assert_eq!(repos.challenges.find(&live.token_hash).await.expect("find"), Some(live.clone()));
    assert!(repos.challenges.delete(&live.token_hash).await.expect("clean up"));
}

/// The first `delete` returns `true`, later ones `false`; the row is gone.
pub async fn deleting_a_challenge_succeeds_only_once(repos: &Repos) {
    let challenge = stored_challenge(repos).await;
    let hash = &challenge.token_hash;
    assert!(repos.challenges.delete(hash).await.expect("delete"));
    assert!(!repos.challenges.delete(hash).await.expect("delete again"));
    assert_eq!(repos.challenges.find(hash).await.expect("find"), None);
    assert_eq!(repos.challenges.record_failure(hash).await.expect("fail"), None);
}

/// Concurrent deletes: exactly one caller is told it removed the challenge
/// (this is what makes a 2FA session token single-use under races).
pub async fn racing_deletes_of_a_challenge_have_one_winner(repos: &Repos) {
    let challenge = stored_challenge(repos).await;
    let delete = || repos.challenges.delete(&challenge.token_hash);
    let (a, b, c, d) = tokio::join!(delete(), delete(), delete(), delete());
    let wins = [a, b, c, d].into_iter().filter(|r| *r.as_ref().expect("delete")).count();
    assert_eq!(wins, 1, "exactly one delete may report success");
}

/// Failures at or after `since`, oldest first, whatever the insertion order;
/// other emails' failures are not counted.
pub async fn failures_since_lists_the_window_oldest_first(repos: &Repos) {
    let (email, other) = (fresh_email(), fresh_email());
    for offset in [120_000, 0, 60_000, -60_000] {
        repos.login_attempts.record_failure(&email, at(offset)).await.expect("record");
    }
    repos.login_attempts.record_failure(&other, at(30_000)).await.expect("record");
    let all = repos.login_attempts.failures_since(&email, at(0)).await.expect("since");
    assert_eq!(all, vec![at(0), at(60_000), at(120_000)], "the bound is inclusive");
    let recent = repos.login_attempts.failures_since(&email, at(60_001)).await.expect("since");
    assert_eq!(recent, vec![at(120_000)]);
    let none = repos.login_attempts.failures_since(&email, at(120_001)).await.expect("since");
    assert!(none.is_empty());
}

/// `clear` empties one email's record and leaves another's alone.
pub async fn clearing_failures_forgets_only_that_email(repos: &Repos) {
    let (email, other) = (fresh_email(), fresh_email());
    repos.login_attempts.record_failure(&email, at(0)).await.expect("record");
    repos.login_attempts.record_failure(&other, at(0)).await.expect("record");
    repos.login_attempts.clear(&email).await.expect("clear");
    assert!(repos.login_attempts.failures_since(&email, at(-1)).await.expect("since").is_empty());
    assert_eq!(repos.login_attempts.failures_since(&other, at(-1)).await.expect("since"), [at(0)]);
    // Clearing an email with no failures is fine.
    repos.login_attempts.clear(&fresh_email()).await.expect("clear nothing");
}
