//! The JSON bodies each webhook flavour receives. All say the same thing
//! ([`Notification::subject`] and [`Notification::text`]); none links
//! anywhere.

use chrono::SecondsFormat;
use orion_core::port::notify::Notification;
use serde_json::{Value, json};

/// Discord refuses `content` longer than this many characters.
pub const DISCORD_MAX_CHARS: usize = 2000;

/// The generic webhook body: `{kind, project, rule, condition, value,
/// windowMinutes, at, subject, text}`; `value` is `null` for a test.
pub fn webhook(n: &Notification) -> Value {
    json!({
        "kind": n.kind.as_str(),
        "project": n.project,
        "rule": n.rule,
        "condition": n.condition,
        "value": n.value,
        "windowMinutes": n.window_minutes,
        "at": n.at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "subject": n.subject(),
        "text": n.text(),
    })
}

/// A Slack incoming-webhook body: `{"text": …}` in Slack's markup, the
/// subject in bold and the details in a preformatted block. `&`, `<` and
/// `>` are escaped as Slack requires, which also keeps a rule named
/// `<!channel>` from pinging anyone.
pub fn slack(n: &Notification) -> Value {
    let text = format!("*{}*\n```\n{}```", slack_escape(&n.subject()), slack_escape(&n.text()));
    json!({ "text": text })
}

/// A Discord webhook body: `{"content": …}` (at most 2000 characters) with
/// mentions disabled, so `@everyone` in a rule name stays text.
pub fn discord(n: &Notification) -> Value {
    let content = truncate(&format!("**{}**\n```\n{}```", n.subject(), n.text()), DISCORD_MAX_CHARS);
    json!({ "content": content, "allowed_mentions": { "parse": [] } })
}

fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// At most `max` characters, ending in `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}
