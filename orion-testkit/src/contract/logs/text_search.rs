//! `search` is a case-insensitive, literal substring match: no wildcard,
//! escape or full-text operator has any special meaning, non-ASCII text
//! folds case, and needles too short for a trigram index still work.

use orion_core::Repos;
use orion_core::model::log::{Level, LogEntry, LogFilter};

use super::super::stored_project;
use super::{append, assert_search_agrees, entry};

/// Stores one entry per message in a fresh project.
async fn messages(repos: &Repos, messages: &[&str]) -> (orion_core::model::ProjectId, Vec<LogEntry>) {
    let project = stored_project(repos).await.id;
    let entries =
        messages.iter().enumerate().map(|(i, m)| entry(project, i as i64 * 10, Level::Info, m)).collect();
    (project, append(repos, entries).await)
}

async fn check(
    repos: &Repos,
    project: orion_core::model::ProjectId,
    stored: &[LogEntry],
    needle: &str,
    want: usize,
) {
    let filter = LogFilter { search: Some(needle.into()), ..LogFilter::default() };
    let found = assert_search_agrees(repos, project, stored, &filter).await;
    assert_eq!(found, want, "the suite's own expectation for needle {needle:?}");
}

/// `%`, `_`, quotes, backslashes, `*`, and FTS syntax (`AND`, `OR`,
/// `NEAR`, `-`, `:`, `^`, parentheses) mean themselves.
pub async fn special_characters_are_matched_literally(repos: &Repos) {
    let (project, stored) = messages(
        repos,
        &[
            "100% done",
            "1000 done",
            "a_b joined",
            "axb joined",
            "say \"hi\" twice",
            "it's fine",
            "path C:\\temp\\new",
            "2*3=6",
            "cats AND dogs",
            "cats OR dogs",
            "cats dogs",
            "NEAR(a b)",
            "use -flag now",
            "key:value pair",
            "^start of line",
            "(parenthesised) {braced} [bracketed]",
            "plain text",
        ],
    )
    .await;
    for (needle, want) in [
        ("%", 1),
        ("100%", 1),
        ("0%", 1),
        ("_", 1),
        ("a_b", 1),
        ("\"hi\"", 1),
        ("\"", 1),
        ("'", 1),
        ("it's", 1),
        ("\\", 1),
        ("C:\\temp\\", 1),
        ("\\n", 1),
        ("*", 1),
        ("2*3", 1),
        ("AND", 1),
        ("cats AND dogs", 1),
        ("OR", 1),
        ("cats OR", 1),
        ("NEAR", 1),
        ("NEAR(a", 1),
        ("-", 1),
        ("-flag", 1),
        (":", 2),
        ("key:value", 1),
        ("^", 1),
        ("^start", 1),
        ("(", 2),
        ("{braced}", 1),
        ("[", 1),
        ("a%b", 0),
        ("1_0", 0),
        ("cats*", 0),
        ("cats NOT dogs", 0),
        ("\"cats dogs\"", 0),
        ("dogs cats", 0),
        ("\\%", 0),
        ("%%", 0),
    ] {
        check(repos, project, &stored, needle, want).await;
    }
}

/// Unicode case folding, both ways, beyond ASCII.
pub async fn case_folds_for_non_ascii_text_too(repos: &Repos) {
    let (project, stored) = messages(
        repos,
        &[
            "L'école est fermée",
            "ÉCOLE NORMALE",
            "Die Straße ist lang",
            "ОШИБКА сети",
            "ошибка диска",
            "naïve café",
        ],
    )
    .await;
    for (needle, want) in [
        ("ÉCOLE", 2),
        ("école", 2),
        ("École", 2),
        ("FERMÉE", 1),
        ("straße", 1),
        ("STRAßE", 1),
        ("ошибка", 2),
        ("ОШИБКА", 2),
        ("NAÏVE CAFÉ", 1),
        ("ecole", 0),
    ] {
        check(repos, project, &stored, needle, want).await;
    }
}

/// Needles of one or two characters (shorter than a trigram) and needles
/// longer than every message still give exactly the reference's answer.
pub async fn one_and_two_character_needles_and_needles_longer_than_any_message(repos: &Repos) {
    let (project, stored) = messages(repos, &["a", "ab", "xyz", "Éa", "q1", "日本語のログ"]).await;
    for (needle, want) in [
        ("a", 3),
        ("A", 3),
        ("ab", 1),
        ("é", 1),
        ("Éa", 1),
        ("y", 1),
        ("yz", 1),
        ("1", 1),
        ("本", 1),
        ("日本", 1),
        ("z", 1),
        ("b", 1),
        ("ba", 0),
        ("xyz and much more than any message holds", 0),
        ("日本語のログです", 0),
    ] {
        check(repos, project, &stored, needle, want).await;
    }
}
