//! The JSON bodies each webhook flavour receives. All say the same thing
//! ([`Notification::subject`] and [`Notification::text`]); none links
//! anywhere.

use orion_core::port::notify::Notification;
use orion_core::rfc3339;
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
        "at": rfc3339::millis(n.at),
        "subject": n.subject(),
        "text": n.text(),
        "crash": n.crash.as_ref().map(|c| json!({
            "scriptName": c.script_name,
            "serverId": c.server_id,
            "message": c.message,
            "count": c.count,
            "exitCode": c.context.exit_code,
            "signal": c.context.signal,
            "restarts": c.context.restarts,
            "summary": c.summary(),
            "lines": c.lines(),
        })),
    })
}

/// The email's HTML part: the subject as a heading and the text in a
/// `<pre>`, both HTML-escaped (crash lines are whatever a script printed).
pub fn email_html(n: &Notification) -> String {
    format!(
        "<!DOCTYPE html><html><body><h2>{}</h2><pre>{}</pre></body></html>",
        html_escape(&n.subject()),
        html_escape(&n.text())
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Text for inside a Markdown code block: a backtick becomes `ˋ` (U+02CB),
/// so no line a script printed can close the block.
fn in_code_block(text: &str) -> String {
    text.replace('`', "\u{2cb}")
}

/// A Slack incoming-webhook body: `{"text": …}` in Slack's markup, the
/// subject in bold and the details in a preformatted block. `&`, `<` and
/// `>` are escaped as Slack requires, which also keeps a rule named
/// `<!channel>` from pinging anyone.
pub fn slack(n: &Notification) -> Value {
    let text =
        format!("*{}*\n```\n{}```", slack_escape(&n.subject()), slack_escape(&in_code_block(&n.text())));
    json!({ "text": text })
}

/// A Discord webhook body: `{"content": …}` (at most 2000 characters) with
/// mentions disabled, so `@everyone` in a rule name stays text.
pub fn discord(n: &Notification) -> Value {
    // The block is cut, not the message: its closing fence always stays.
    let head = truncate(&format!("**{}**\n```\n", n.subject()), DISCORD_MAX_CHARS / 4);
    let budget = DISCORD_MAX_CHARS - head.chars().count() - "```".len();
    let content = format!("{head}{}```", truncate(&in_code_block(&n.text()), budget));
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
