//! The agent's TOML config (`/etc/orion/agent.toml` by default): where the
//! server is, the agent's token, the intervals, the disk buffer and the
//! supervised scripts. `orion-agent setup` writes the connection part; the
//! `[[scripts]]` are the operator's. The file holds a secret, so it is
//! written with mode 0600, atomically (temporary file + rename).

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where `setup` writes and `run` reads the config unless `--config` says otherwise.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/orion/agent.toml";
/// Where logs wait for the server unless `buffer_dir` says otherwise.
pub const DEFAULT_BUFFER_DIR: &str = "/var/lib/orion/agent";
const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(30);
const DEFAULT_COMMAND_POLL: Duration = Duration::from_secs(10);
const DEFAULT_FLUSH: Duration = Duration::from_secs(1);
const DEFAULT_RETRY_BACKOFF_MAX: Duration = Duration::from_secs(30);
const DEFAULT_BUFFER_MAX_BYTES: u64 = 256 * 1024 * 1024;
const DEFAULT_BACKOFF_INITIAL: Duration = Duration::from_secs(1);
const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(60);
const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// The whole file.
#[derive(Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// Base URL of the Orion server, e.g. `https://orion.example.com`.
    pub server_url: String,
    /// The `sk_agent_` token `setup` obtained. Never logged.
    pub token: String,
    /// This machine's id in its project.
    pub server_id: String,
    /// Time between two heartbeats.
    #[serde(default = "d_heartbeat", with = "duration")]
    pub heartbeat_interval: Duration,
    /// Time between two polls for commands.
    #[serde(default = "d_command_poll", with = "duration")]
    pub command_poll_interval: Duration,
    /// Longest a captured line stays un-fsynced in the buffer (what a power
    /// cut can take); also how often the buffer is checked for lines.
    #[serde(default = "d_flush", with = "duration")]
    pub flush_interval: Duration,
    /// Longest wait between two attempts to reach an unreachable server
    /// (the wait doubles from 200 ms up to this).
    #[serde(default = "d_retry_backoff_max", with = "duration")]
    pub retry_backoff_max: Duration,
    /// Directory of the on-disk log buffer (one subdirectory per script).
    #[serde(default = "d_buffer_dir")]
    pub buffer_dir: PathBuf,
    /// Disk the buffer may use in total, split evenly between scripts.
    #[serde(default = "d_buffer_max_bytes")]
    pub buffer_max_bytes: u64,
    /// The supervised scripts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scripts: Vec<ScriptConfig>,
}

/// One `[[scripts]]` entry.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptConfig {
    /// Unique name; also the name of the Orion source its lines go to, so a
    /// slug: lowercase letters and digits in groups joined by `-`.
    pub name: String,
    /// Program to run (looked up in `PATH`).
    pub command: String,
    /// Its arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// Working directory (default: the agent's).
    #[serde(default)]
    pub cwd: Option<PathBuf>,
    /// Extra environment variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// When the script is started again after it ends.
    #[serde(default)]
    pub restart: RestartPolicy,
    /// First delay before a restart; doubles after each quick failure.
    #[serde(default = "d_backoff_initial", with = "duration")]
    pub backoff_initial: Duration,
    /// Ceiling of the restart delay. A run that lasts this long resets it.
    #[serde(default = "d_backoff_max", with = "duration")]
    pub backoff_max: Duration,
    /// Time between SIGTERM and SIGKILL when the script is stopped.
    #[serde(default = "d_stop_timeout", with = "duration")]
    pub stop_timeout: Duration,
}

/// When a script that ended is started again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    /// Whatever the exit code.
    Always,
    /// Only after a non-zero exit or a signal.
    #[default]
    OnFailure,
    /// Never: the script runs once.
    Never,
}

impl RestartPolicy {
    /// Whether a run that ended this way is followed by another.
    pub fn restarts(self, succeeded: bool) -> bool {
        match self {
            Self::Always => true,
            Self::OnFailure => !succeeded,
            Self::Never => false,
        }
    }
}

fn d_heartbeat() -> Duration {
    DEFAULT_HEARTBEAT
}
fn d_command_poll() -> Duration {
    DEFAULT_COMMAND_POLL
}
fn d_flush() -> Duration {
    DEFAULT_FLUSH
}
fn d_retry_backoff_max() -> Duration {
    DEFAULT_RETRY_BACKOFF_MAX
}
fn d_buffer_dir() -> PathBuf {
    PathBuf::from(DEFAULT_BUFFER_DIR)
}
fn d_buffer_max_bytes() -> u64 {
    DEFAULT_BUFFER_MAX_BYTES
}
fn d_backoff_initial() -> Duration {
    DEFAULT_BACKOFF_INITIAL
}
fn d_backoff_max() -> Duration {
    DEFAULT_BACKOFF_MAX
}
fn d_stop_timeout() -> Duration {
    DEFAULT_STOP_TIMEOUT
}

impl fmt::Debug for AgentConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentConfig")
            .field("server_url", &self.server_url)
            .field("token", &"<redacted>")
            .field("server_id", &self.server_id)
            .field("heartbeat_interval", &self.heartbeat_interval)
            .field("command_poll_interval", &self.command_poll_interval)
            .field("buffer_dir", &self.buffer_dir)
            .field("scripts", &self.scripts)
            .finish_non_exhaustive()
    }
}

impl AgentConfig {
    /// A config with the connection settings and every default.
    pub fn new(server_url: String, token: String, server_id: String) -> Self {
        Self {
            server_url,
            token,
            server_id,
            heartbeat_interval: DEFAULT_HEARTBEAT,
            command_poll_interval: DEFAULT_COMMAND_POLL,
            flush_interval: DEFAULT_FLUSH,
            retry_backoff_max: DEFAULT_RETRY_BACKOFF_MAX,
            buffer_dir: d_buffer_dir(),
            buffer_max_bytes: DEFAULT_BUFFER_MAX_BYTES,
            scripts: Vec::new(),
        }
    }

    /// Parses and checks the TOML text.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let config: Self = toml::from_str(text)?;
        config.check()?;
        Ok(config)
    }

    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the agent config {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("invalid agent config {}", path.display()))
    }

    fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.server_url.starts_with("http://") || self.server_url.starts_with("https://"),
            "server_url must start with http:// or https://"
        );
        anyhow::ensure!(self.token.starts_with("sk_agent_"), "token must be an agent token (sk_agent_...)");
        anyhow::ensure!(!self.server_id.is_empty(), "server_id must not be empty");
        for (key, value) in [
            ("heartbeat_interval", self.heartbeat_interval),
            ("command_poll_interval", self.command_poll_interval),
            ("flush_interval", self.flush_interval),
            ("retry_backoff_max", self.retry_backoff_max),
        ] {
            anyhow::ensure!(!value.is_zero(), "{key} must be longer than 0");
        }
        anyhow::ensure!(self.buffer_max_bytes >= 1024 * 1024, "buffer_max_bytes must be at least 1 MiB");
        let mut names = std::collections::HashSet::new();
        for script in &self.scripts {
            anyhow::ensure!(
                is_slug(&script.name),
                "script name `{}` must be 1 to 64 lowercase letters and digits in groups joined by '-' \
                 (it names the script's Orion source)",
                script.name
            );
            anyhow::ensure!(names.insert(&script.name), "two scripts are named `{}`", script.name);
            anyhow::ensure!(!script.command.is_empty(), "script `{}` has an empty command", script.name);
            anyhow::ensure!(
                !script.backoff_initial.is_zero() && script.backoff_initial <= script.backoff_max,
                "script `{}`: backoff_initial must be above 0 and at most backoff_max",
                script.name
            );
        }
        Ok(())
    }

    /// Writes the config to `path` with mode 0600, replacing any file there
    /// atomically so a reader never sees half a config.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let text = toml::to_string_pretty(self).context("cannot serialise the agent config")?;
        write_private(path, text.as_bytes())
    }
}

/// Writes `bytes` to `path` as a 0600 file (created 0600 from the start, so
/// the secret is never readable by others, not even for an instant).
pub fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("agent.toml"),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

/// Orion's slug rule (source names).
pub fn is_slug(raw: &str) -> bool {
    (1..=64).contains(&raw.len())
        && raw.split('-').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Durations as `"250ms"`, `"30s"`, `"5m"` or `"1h"`.
mod duration {
    use super::*;

    pub use crate::duration::{format, parse};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let raw = String::deserialize(d)?;
        parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
server_url = "http://127.0.0.1:3001"
token = "sk_agent_abc"
server_id = "web-1"
"#;

    #[test]
    fn a_minimal_config_gets_every_default() {
        let config = AgentConfig::parse(MINIMAL).unwrap();
        assert_eq!(config.heartbeat_interval, Duration::from_secs(30));
        assert_eq!(config.command_poll_interval, Duration::from_secs(10));
        assert_eq!(config.buffer_dir, PathBuf::from(DEFAULT_BUFFER_DIR));
        assert!(config.scripts.is_empty());
    }

    #[test]
    fn scripts_parse_with_their_policy_env_and_backoff() {
        let text = format!(
            "{MINIMAL}heartbeat_interval = \"500ms\"\n\n[[scripts]]\nname = \"worker-1\"\ncommand = \"sh\"\n\
             args = [\"-c\", \"echo hi\"]\ncwd = \"/tmp\"\nrestart = \"always\"\nbackoff_initial = \"200ms\"\n\
             backoff_max = \"5s\"\nenv = {{ MODE = \"prod\" }}\n"
        );
        let config = AgentConfig::parse(&text).unwrap();
        assert_eq!(config.heartbeat_interval, Duration::from_millis(500));
        let script = &config.scripts[0];
        assert_eq!(script.restart, RestartPolicy::Always);
        assert_eq!(script.backoff_initial, Duration::from_millis(200));
        assert_eq!(script.backoff_max, Duration::from_secs(5));
        assert_eq!(script.env["MODE"], "prod");
        assert_eq!(script.args, ["-c", "echo hi"]);
    }

    #[test]
    fn bad_values_are_refused_with_the_key_named() {
        let cases = [
            (format!("{MINIMAL}heartbeat_interval = \"30 parsecs\""), "unit"),
            (format!("{MINIMAL}[[scripts]]\nname = \"Web App\"\ncommand = \"x\""), "script name"),
            (
                format!(
                    "{MINIMAL}[[scripts]]\nname = \"a\"\ncommand = \"x\"\n[[scripts]]\nname = \"a\"\ncommand = \"y\""
                ),
                "two scripts",
            ),
            (
                format!("{MINIMAL}[[scripts]]\nname = \"a\"\ncommand = \"x\"\nrestart = \"sometimes\""),
                "sometimes",
            ),
            (MINIMAL.replace("sk_agent_abc", "sk_source_abc"), "agent token"),
            (format!("{MINIMAL}unknown = 1"), "unknown"),
        ];
        for (text, needle) in cases {
            let err = format!("{:#}", AgentConfig::parse(&text).unwrap_err());
            assert!(err.contains(needle), "`{needle}` not in: {err}");
        }
    }

    #[test]
    fn restart_policies_decide_by_outcome() {
        assert!(RestartPolicy::Always.restarts(true) && RestartPolicy::Always.restarts(false));
        assert!(!RestartPolicy::OnFailure.restarts(true) && RestartPolicy::OnFailure.restarts(false));
        assert!(!RestartPolicy::Never.restarts(true) && !RestartPolicy::Never.restarts(false));
    }

    #[test]
    fn a_saved_config_is_private_and_reads_back_equal() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("etc/agent.toml");
        let mut config = AgentConfig::parse(MINIMAL).unwrap();
        config.flush_interval = Duration::from_millis(1_500);
        config.save(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(AgentConfig::load(&path).unwrap(), config);
    }

    #[test]
    fn the_token_does_not_show_in_debug_output() {
        let config = AgentConfig::parse(MINIMAL).unwrap();
        assert!(!format!("{config:?}").contains("sk_agent_abc"));
    }
}
