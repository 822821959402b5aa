//! A notification a crash fired carries the incident's context — the last
//! lines and the machine's figures — bounded (the newest 20 lines, each
//! cut to 200 characters) and escaped for each channel: HTML in the
//! email's HTML part, `& < >` for Slack, no backtick that could close
//! Discord's or Slack's code block, JSON for the webhook.

use chrono::{TimeZone, Utc};
use orion_core::model::{ContextLine, ContextMetrics, CrashContext, Metrics, OutputStream};
use orion_core::port::notify::{CrashDetails, Notification};
use orion_notify::payload::{DISCORD_MAX_CHARS, discord, email_html, slack, webhook};

use crate::support::firing;

fn crashed(lines: Vec<&str>) -> Notification {
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let context = CrashContext {
        lines: lines
            .into_iter()
            .map(|line| ContextLine { timestamp: at, stream: OutputStream::Stderr, line: line.into() })
            .collect(),
        metrics: Some(ContextMetrics {
            timestamp: Some(at),
            metrics: Metrics {
                cpu_percent: Some(97.5),
                load_average: Some([3.0, 2.0, 1.0]),
                ..Metrics::default()
            },
        }),
        exit_code: Some(2),
        signal: None,
        restarts: Some(3),
    };
    Notification {
        condition: "crash_count >= 1".into(),
        crash: Some(CrashDetails {
            script_name: Some("api".into()),
            server_id: Some("web-1".into()),
            message: "api exited with code 2".into(),
            count: 3,
            context,
        }),
        ..firing()
    }
}

const NASTY: &str = "<script>alert('x')</script> & ``` @everyone <!channel>";

#[test]
fn the_text_names_the_crash_its_figures_and_the_newest_lines_bounded() {
    let mut lines: Vec<String> = (0..30).map(|i| format!("line {i}")).collect();
    lines.push("é".repeat(500));
    lines.push("bell\u{7} and \u{1b}[31mred".into());
    let n = crashed(lines.iter().map(String::as_str).collect());
    let text = n.text();
    assert!(text.contains("api exited with code 2"), "{text}");
    assert!(text.contains("api on web-1, exit code 2, 3 restart(s); 3 report(s)"), "{text}");
    assert!(text.contains("cpu 97.5 %, ram ?, disk ?, load 3.00 2.00 1.00"), "{text}");
    let shown = n.crash.as_ref().unwrap().lines();
    assert_eq!(shown.len(), 20);
    assert!(shown[0].ends_with("err | line 12"), "{}", shown[0]);
    assert!(!text.contains("line 11\n"));
    let long = &shown[18];
    assert_eq!(long.split(" | ").nth(1).unwrap().chars().count(), 200);
    assert!(long.ends_with('…'));
    assert!(shown[19].ends_with("bell\u{fffd} and \u{fffd}[31mred"), "{}", shown[19]);
}

#[test]
fn each_channel_escapes_the_lines_its_own_way() {
    let n = crashed(vec![NASTY]);
    let html = email_html(&n);
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp;"), "{html}");
    assert!(!html.contains("<script>"));

    let slack = slack(&n)["text"].as_str().unwrap().to_owned();
    assert!(
        slack.contains("&lt;script&gt;") && slack.contains("&lt;!channel&gt;") && slack.contains("&amp;"),
        "{slack}"
    );
    assert_eq!(slack.matches("```").count(), 2, "only the block's own fences: {slack}");

    let discord = discord(&n);
    let content = discord["content"].as_str().unwrap();
    assert_eq!(content.matches("```").count(), 2, "{content}");
    assert!(content.ends_with("```"));
    assert_eq!(discord["allowed_mentions"]["parse"], serde_json::json!([]));

    let hook = webhook(&n);
    assert_eq!(hook["crash"]["exitCode"], 2);
    assert_eq!(hook["crash"]["restarts"], 3);
    assert_eq!(hook["crash"]["lines"].as_array().unwrap().len(), 1);
    assert!(hook["crash"]["lines"][0].as_str().unwrap().ends_with(NASTY), "JSON keeps the text as it is");
}

#[test]
fn a_long_crash_keeps_discords_code_block_closed_within_its_limit() {
    let lines: Vec<String> = (0..20).map(|i| format!("{i} {}", "x".repeat(199))).collect();
    let n = crashed(lines.iter().map(String::as_str).collect());
    let content = discord(&n)["content"].as_str().unwrap().to_owned();
    assert!(content.chars().count() <= DISCORD_MAX_CHARS);
    assert!(content.ends_with("…```"), "{}", &content[content.len() - 20..]);
}
