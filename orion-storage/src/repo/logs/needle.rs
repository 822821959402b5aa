//! How a `search` needle is answered, chosen per query so that both rare
//! and common needles stay index-backed.
//!
//! **SQLite.** The FTS5 trigram index answers "which rows contain this
//! substring" for needles of 3+ characters, with its own Unicode case
//! folding (`case_sensitive 0`, diacritics kept), which agrees with Rust's
//! `to_lowercase` on common text. It returns matches in id order, not time
//! order, so a *common* needle ("error") would have to fetch and sort
//! hundreds of thousands of rows to show the newest 100. So the index is
//! probed first, cheaply (FTS5 evaluates lazily): up to [`RARE_CAP`]
//! matches → [`Needle::Ids`], those rows are fetched by id and sorted;
//! more → [`Needle::Common`], the list walks the time index and checks each
//! row (matches are frequent, so the first page comes quickly) while the
//! total is counted by walking the FTS matches (stops at the cap).
//!
//! Needles under 3 characters have no trigram: rows are checked one by one
//! ([`Needle::Short`]). SQLite's `lower()` folds ASCII only, so an ASCII
//! needle is compared with `instr(lower(message), needle)`, and a non-ASCII
//! one as "any of its case variants" (`é` → `é` or `É`), each found with a
//! case-sensitive `instr`.
//!
//! **PostgreSQL.** `lower(message) LIKE '%needle%'` with `%`, `_` and `\`
//! escaped, which the `gin (lower(message) gin_trgm_ops)` index serves
//! (needles under 3 characters scan). `lower()` folds Unicode under a UTF-8
//! `LC_CTYPE` (the default `C.UTF-8`/`en_US.UTF-8`; a plain `C` database
//! would fold ASCII only).
//!
//! Known differences from [`contains_case_insensitive`]: characters whose
//! lower case is not one character or depends on context (`İ`, a final
//! `Σ`), and the Kelvin sign and friends, fold differently in SQL.
//!
//! [`contains_case_insensitive`]: orion_core::model::log::contains_case_insensitive

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::error::repo_err;
use orion_core::error::RepoResult;

/// A needle with at most this many FTS matches (over all projects) is
/// fetched by id; more and the time index leads.
pub(super) const RARE_CAP: usize = 4_000;

/// The trigram tokenizer indexes nothing shorter.
const TRIGRAM: usize = 3;

/// The chosen way to apply a `search` filter.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Needle {
    /// No search, or an empty needle (every message contains it).
    Any,
    /// SQLite: every row (of any project) whose message contains the
    /// needle; few enough to fetch by id.
    Ids(Vec<i64>),
    /// SQLite: a needle of 3+ characters with many matches.
    Common {
        /// The FTS5 query: the needle as one quoted phrase.
        phrase: String,
        /// For an ASCII needle, its lower case, checked per row with
        /// `instr(lower(message), ..)`; otherwise rows are checked against
        /// the FTS matches.
        ascii_lower: Option<String>,
    },
    /// SQLite: a needle under 3 characters, checked per row: it matches
    /// when `lower(message)` (ASCII needle) or `message` (otherwise)
    /// contains one of these.
    Short { ascii: bool, variants: Vec<String> },
    /// PostgreSQL: a `LIKE` pattern for `lower(message)`.
    Like(String),
}

impl Needle {
    /// Decides how to search for `needle`, probing the FTS index on SQLite.
    pub(super) async fn resolve<C: ConnectionTrait>(db: &C, needle: Option<&str>) -> RepoResult<Self> {
        let Some(needle) = needle.filter(|n| !n.is_empty()) else { return Ok(Self::Any) };
        if db.get_database_backend() == DbBackend::Postgres {
            return Ok(Self::Like(like_pattern(&needle.to_lowercase())));
        }
        let ascii = needle.is_ascii();
        if needle.chars().count() < TRIGRAM {
            let variants =
                if ascii { vec![needle.to_ascii_lowercase()] } else { case_variants(&needle.to_lowercase()) };
            return Ok(Self::Short { ascii, variants });
        }
        let phrase = fts_phrase(needle);
        let probe = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!("SELECT rowid FROM logs_fts WHERE logs_fts MATCH ? LIMIT {}", RARE_CAP + 1),
            [phrase.clone().into()],
        );
        let rows = db.query_all_raw(probe).await.map_err(repo_err)?;
        if rows.len() <= RARE_CAP {
            let ids = rows.iter().map(|r| r.try_get_by_index::<i64>(0)).collect::<Result<_, _>>();
            return Ok(Self::Ids(ids.map_err(repo_err)?));
        }
        Ok(Self::Common { phrase, ascii_lower: ascii.then(|| needle.to_ascii_lowercase()) })
    }

    /// Whether no row can match (a rare needle with no match at all).
    pub(super) fn matches_nothing(&self) -> bool {
        matches!(self, Self::Ids(ids) if ids.is_empty())
    }
}

/// The needle as one FTS5 phrase: inside double quotes everything is
/// literal except `"`, written twice.
fn fts_phrase(needle: &str) -> String {
    format!("\"{}\"", needle.replace('"', "\"\""))
}

/// `%needle%` for `LIKE`, with PostgreSQL's default escape character (`\`)
/// protecting `%`, `_` and itself.
fn like_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Every spelling of a lower-cased `needle` whose characters are each in
/// lower or upper case (`éa` → `éa`, `éA`, `Éa`, `ÉA`). Only used for
/// needles of one or two characters, so at most four.
fn case_variants(lowered: &str) -> Vec<String> {
    let mut variants = vec![String::new()];
    for c in lowered.chars() {
        let mut forms = vec![c];
        let mut upper = c.to_uppercase();
        if let (Some(u), None) = (upper.next(), upper.next())
            && u != c
        {
            forms.push(u);
        }
        variants = variants.iter().flat_map(|v| forms.iter().map(move |f| format!("{v}{f}"))).collect();
    }
    variants
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_phrases_double_their_quotes() {
        assert_eq!(fts_phrase(r#"say "hi" OR x*"#), r#""say ""hi"" OR x*""#);
    }

    #[test]
    fn like_patterns_escape_wildcards_and_backslashes() {
        assert_eq!(like_pattern(r"50%_a\b"), r"%50\%\_a\\b%");
    }

    #[test]
    fn short_needles_spell_every_case_combination() {
        let mut variants = case_variants("éa");
        variants.sort();
        assert_eq!(variants, ["ÉA", "Éa", "éA", "éa"]);
        assert_eq!(case_variants("日本"), ["日本"]);
        assert_eq!(case_variants("ß"), ["ß"], "ß upper-cases to two letters");
    }
}
