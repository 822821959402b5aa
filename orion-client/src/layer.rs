//! [`OrionLayer`]: a `tracing_subscriber` layer that turns an app's
//! tracing events into [`LogEntry`]s and hands them to a [`LogSender`].
//!
//! Mapping of one event:
//!
//! - level: `TRACE`…`ERROR` → `trace`…`error`;
//! - message: the `message` field (what `info!("text")` records); an event
//!   without one gets its other fields as `key=value` text, so it is never
//!   refused as empty;
//! - other fields → `metadata` (numbers and booleans stay JSON numbers and
//!   booleans, the rest is text), plus `metadata.target` (the event's
//!   target, e.g. `my_app::db`);
//! - with [`OrionLayer::with_spans`], the names of the enclosing spans as
//!   `metadata.spans` (`outer:inner`) and their fields under the event's
//!   own (the innermost wins);
//! - with [`OrionLayer::with_target_tag`], the target as a tag too;
//! - timestamp: when the event happened, not when its batch leaves.
//!
//! Entries are cut down to what the server accepts (message ≤ 64 KiB,
//! metadata ≤ 16 KiB) so that an oversized event costs only its tail.
//!
//! Events whose target is this crate's or belongs to the HTTP stack under
//! it (`reqwest`, `hyper`, `h2`, `rustls`, …) are ignored: shipping them
//! would log the sending of logs, without end.

use std::fmt::{self, Write as _};

use chrono::Utc;
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use crate::sender::LogSender;
use crate::wire::LogEntry;

/// Targets never shipped (each also covers its `::` submodules).
pub const IGNORED_TARGETS: &[&str] = &[
    "orion_client",
    "reqwest",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    "tokio_rustls",
    "tower",
    "want",
    "mio",
];

/// Largest message the server takes, in bytes.
const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Largest metadata object the server takes, as JSON bytes.
const MAX_METADATA_BYTES: usize = 16 * 1024;
/// Longest text kept for one field: a huge field must not crowd out the rest.
const MAX_FIELD_BYTES: usize = 4 * 1024;
/// Longest tag the server takes.
const MAX_TAG_BYTES: usize = 128;

/// Ships tracing events to Orion through a [`LogSender`].
///
/// ```no_run
/// use orion_client::{BatchConfig, Client, LogSender, OrionLayer};
/// use tracing_subscriber::layer::SubscriberExt;
///
/// # async fn run() -> Result<(), orion_client::ClientError> {
/// let sender = LogSender::spawn(Client::new("https://orion.example.com", "sk_...")?, BatchConfig::default());
/// let subscriber = tracing_subscriber::registry().with(OrionLayer::new(sender.clone()).with_spans(true));
/// tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
///
/// tracing::warn!(user = 42, "payment declined");
/// sender.shutdown().await; // before exiting: delivers the buffered events
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct OrionLayer {
    sender: LogSender,
    max_level: Level,
    spans: bool,
    target_tag: bool,
    source: Option<String>,
    tags: Vec<String>,
    ignored: Vec<String>,
}

impl OrionLayer {
    /// A layer shipping every event the subscriber enables (see
    /// [`Self::with_max_level`]) to `sender`.
    pub fn new(sender: LogSender) -> Self {
        Self {
            sender,
            max_level: Level::TRACE,
            spans: false,
            target_tag: false,
            source: None,
            tags: Vec::new(),
            ignored: IGNORED_TARGETS.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    /// Ships only events at `level` or more severe (`INFO` ships info,
    /// warn and error).
    pub fn with_max_level(mut self, level: Level) -> Self {
        self.max_level = level;
        self
    }

    /// Adds the enclosing spans' names and fields to each entry.
    pub fn with_spans(mut self, spans: bool) -> Self {
        self.spans = spans;
        self
    }

    /// Tags each entry with its target as well.
    pub fn with_target_tag(mut self, on: bool) -> Self {
        self.target_tag = on;
        self
    }

    /// Sets the source name of every entry (ignored by the server when the
    /// token is bound to a source).
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Adds a tag to every entry.
    pub fn with_tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Ignores another target (and its submodules) besides
    /// [`IGNORED_TARGETS`] — say, a crate of yours that logs the same
    /// events elsewhere.
    pub fn ignore_target(mut self, target: impl Into<String>) -> Self {
        self.ignored.push(target.into());
        self
    }

    fn is_ignored(&self, target: &str) -> bool {
        self.ignored.iter().any(|prefix| {
            target.strip_prefix(prefix.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
        })
    }

    /// The entry for one event, given the spans' fields (outermost first).
    fn entry(
        &self,
        event: &Event<'_>,
        span_names: Vec<&str>,
        span_fields: Vec<Map<String, Value>>,
    ) -> Option<LogEntry> {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        // Events bridged from the `log` crate carry their real target in a field.
        let target = match fields.map.remove("log.target") {
            Some(Value::String(target)) => target,
            _ => meta.target().to_owned(),
        };
        if self.is_ignored(&target) {
            return None;
        }
        fields.map.retain(|key, _| !key.starts_with("log."));
        let mut metadata = Map::new();
        for map in span_fields {
            metadata.extend(map);
        }
        let message = match fields.message.take().filter(|m| !m.trim().is_empty()) {
            Some(message) => message,
            None if !fields.map.is_empty() => render(&fields.map),
            None => meta.name().to_owned(),
        };
        metadata.extend(fields.map);
        if !span_names.is_empty() {
            metadata.insert("spans".into(), Value::String(span_names.join(":")));
        }
        metadata.insert("target".into(), Value::String(target.clone()));
        fit_metadata(&mut metadata);
        let mut tags = self.tags.clone();
        if self.target_tag && !target.is_empty() && target.len() <= MAX_TAG_BYTES && !target.contains(',') {
            tags.push(target);
        }
        Some(LogEntry {
            message: truncate(message, MAX_MESSAGE_BYTES),
            level: Some(level_name(meta.level()).to_owned()),
            timestamp: Some(Utc::now()),
            metadata: Some(metadata),
            tags,
            source: self.source.clone(),
        })
    }
}

impl<S> tracing_subscriber::Layer<S> for OrionLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if !self.spans {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        span.extensions_mut().insert(SpanFields(fields.into_map()));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if !self.spans {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Fields::default();
        values.record(&mut fields);
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<SpanFields>() {
            Some(SpanFields(map)) => map.extend(fields.into_map()),
            None => extensions.insert(SpanFields(fields.into_map())),
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        // Cheap refusals first: this runs for every event of the app.
        if *meta.level() > self.max_level || self.is_ignored(meta.target()) {
            return;
        }
        let mut names = Vec::new();
        let mut span_fields = Vec::new();
        if self.spans
            && let Some(scope) = ctx.event_scope(event)
        {
            for span in scope.from_root() {
                names.push(span.name());
                if let Some(SpanFields(map)) = span.extensions().get::<SpanFields>() {
                    span_fields.push(map.clone());
                }
            }
        }
        if let Some(entry) = self.entry(event, names, span_fields) {
            self.sender.send(entry);
        }
    }
}

/// A span's recorded fields, kept in its registry extensions.
struct SpanFields(Map<String, Value>);

/// Collects an event's or span's fields.
#[derive(Default)]
struct Fields {
    message: Option<String>,
    map: Map<String, Value>,
}

impl Fields {
    fn into_map(mut self) -> Map<String, Value> {
        if let Some(message) = self.message.take() {
            self.map.insert("message".into(), Value::String(message));
        }
        self.map
    }

    fn put(&mut self, field: &Field, value: Value) {
        self.map.insert(field.name().to_owned(), value);
    }

    fn put_text(&mut self, field: &Field, text: String) {
        if field.name() == "message" {
            self.message = Some(text);
        } else {
            self.put(field, Value::String(truncate(text, MAX_FIELD_BYTES)));
        }
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put_text(field, format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put_text(field, value.to_owned());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity: keep those as text.
        let value = serde_json::Number::from_f64(value)
            .map_or_else(|| Value::String(value.to_string()), Value::Number);
        self.put(field, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        // The whole chain: the outer error alone rarely says what happened.
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            let _ = write!(text, ": {cause}");
            source = cause.source();
        }
        self.put_text(field, text);
    }
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// `key=value key=value`, for events that have fields but no message.
fn render(map: &Map<String, Value>) -> String {
    let mut out = String::new();
    for (key, value) in map {
        if !out.is_empty() {
            out.push(' ');
        }
        match value {
            Value::String(text) => write!(out, "{key}={text}"),
            other => write!(out, "{key}={other}"),
        }
        .expect("writing to a String cannot fail");
    }
    out
}

/// `text` cut to at most `max` bytes, on a character boundary.
fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// Drops the largest fields until the metadata fits the server's limit,
/// noting which were dropped (`target` is small and kept).
fn fit_metadata(metadata: &mut Map<String, Value>) {
    let size = |m: &Map<String, Value>| serde_json::to_vec(m).map_or(usize::MAX, |v| v.len());
    let mut dropped = Vec::new();
    while size(metadata) > MAX_METADATA_BYTES {
        let largest = metadata
            .iter()
            .filter(|(key, _)| key.as_str() != "target")
            .max_by_key(|(_, value)| serde_json::to_vec(value).map_or(usize::MAX, |v| v.len()))
            .map(|(key, _)| key.clone());
        let Some(key) = largest else { break };
        metadata.remove(&key);
        dropped.push(Value::String(truncate(key, 64)));
    }
    if !dropped.is_empty() {
        metadata.insert("droppedFields".into(), Value::Array(dropped));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("héllo".into(), 2), "h");
        assert_eq!(truncate("héllo".into(), 3), "hé");
        assert_eq!(truncate("abc".into(), 10), "abc");
    }

    #[test]
    fn oversized_metadata_loses_its_largest_fields_first() {
        let mut metadata = Map::new();
        metadata.insert("target".into(), "app".into());
        metadata.insert("small".into(), 1.into());
        for key in ["a", "b", "c", "d", "e"] {
            metadata.insert(key.into(), Value::String("x".repeat(4_500)));
        }
        fit_metadata(&mut metadata);
        assert!(serde_json::to_vec(&metadata).unwrap().len() <= MAX_METADATA_BYTES);
        assert_eq!(metadata["small"], 1);
        assert_eq!(metadata["target"], "app");
        assert_eq!(metadata["droppedFields"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn fields_without_a_message_are_rendered_as_the_message() {
        let mut map = Map::new();
        map.insert("user".into(), 5.into());
        map.insert("name".into(), "ann".into());
        assert_eq!(render(&map), "name=ann user=5");
    }
}
