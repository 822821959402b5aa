//! Typed settings, merged from defaults → TOML file → `ORION_*` environment
//! → flags. (clap already merged the last two: a flag beats its variable.)

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

use crate::cli::{CommonArgs, LogFormat, MigrateArgs, ServeArgs};

/// Where the SQLite file goes when no database URL is given.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://orion-data/orion.db";
const DEFAULT_BIND: &str = "127.0.0.1:3001";
const DEFAULT_BCRYPT_COST: u32 = 12;
const DEFAULT_RETENTION_DAYS: u32 = 30;
/// The decoded log cache's size, MiB (see `orion_storage::LogCache`).
const DEFAULT_LOG_CACHE_MIB: u64 = 128;
/// Its bounds: below 8 MiB a search re-reads most of what it needs; 64 GiB
/// is more than any machine Orion targets.
const LOG_CACHE_MIB: std::ops::RangeInclusive<u64> = 8..=65_536;
const DEFAULT_ALERT_INTERVAL: Duration = Duration::from_secs(30);
const DEFAULT_OFFLINE_AFTER: Duration = Duration::from_secs(180);
/// Shortest alert interval and offline threshold: below this the engine
/// would mostly measure itself.
const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// Longest alert interval: rules are meant to be watched, not archived.
const MAX_ALERT_INTERVAL: Duration = Duration::from_secs(24 * 3600);
/// Longest offline threshold (30 days).
const MAX_OFFLINE_AFTER: Duration = Duration::from_secs(30 * 24 * 3600);
/// Orion at `info`; warp's own per-request trace lines are left out because
/// orion-http logs one access line per request with its request id.
const DEFAULT_LOG_LEVEL: &str = "info,warp=warn";

/// The optional TOML file; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    bind: Option<SocketAddr>,
    database_url: Option<String>,
    jwt_secret: Option<String>,
    log_format: Option<LogFormat>,
    log_level: Option<String>,
    bcrypt_cost: Option<u32>,
    retention_days: Option<u32>,
    smtp_url: Option<String>,
    smtp_from: Option<String>,
    alert_interval: Option<String>,
    offline_after: Option<String>,
    syslog_tcp: Option<SocketAddr>,
    syslog_udp: Option<SocketAddr>,
    syslog_token: Option<String>,
    log_cache_mib: Option<u64>,
}

impl FileSettings {
    fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = path else { return Ok(Self::default()) };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
    }
}

/// A secret that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Everything `orion serve` needs.
#[derive(Debug)]
pub struct ServeSettings {
    /// Listen address.
    pub bind: SocketAddr,
    /// Database URL (may hold a password: never logged as such).
    pub database_url: Secret,
    /// Explicit JWT secret, if any.
    pub jwt_secret: Option<Secret>,
    /// bcrypt cost.
    pub bcrypt_cost: u32,
    /// Days logs are kept; 0 = forever.
    pub retention_days: u32,
    /// Log output format.
    pub log_format: LogFormat,
    /// Log filter.
    pub log_level: String,
    /// Email for alerts, when configured.
    pub smtp: Option<SmtpSettings>,
    /// Time between two alert evaluations.
    pub alert_interval: Duration,
    /// Silence after which a server is offline.
    pub offline_after: Duration,
    /// Bytes of decoded log blocks kept in memory.
    pub log_cache: orion_storage::LogCache,
    /// Syslog listeners, when any is enabled.
    pub syslog: Option<crate::syslog::listen::SyslogConfig>,
}

/// Where alert emails go out, and as whom.
#[derive(Debug)]
pub struct SmtpSettings {
    /// The SMTP URL (may hold a password).
    pub url: Secret,
    /// The sender address.
    pub from: String,
}

/// Everything `orion migrate` needs.
#[derive(Debug)]
pub struct MigrateSettings {
    /// Database URL.
    pub database_url: Secret,
    /// Log output format.
    pub log_format: LogFormat,
    /// Log filter.
    pub log_level: String,
}

struct Common {
    file: FileSettings,
    database_url: Secret,
    log_format: LogFormat,
    log_level: String,
}

fn resolve_common(args: CommonArgs) -> anyhow::Result<Common> {
    let mut file = FileSettings::load(args.config.as_deref())?;
    let database_url =
        args.database_url.or(file.database_url.take()).unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
    Ok(Common {
        database_url: Secret(database_url),
        log_format: args.log_format.or(file.log_format).unwrap_or(LogFormat::Human),
        log_level: args.log_level.or(file.log_level.take()).unwrap_or_else(|| DEFAULT_LOG_LEVEL.to_owned()),
        file,
    })
}

impl ServeSettings {
    /// Merges the sources for `serve` and checks the values.
    pub fn resolve(args: ServeArgs) -> anyhow::Result<Self> {
        let mut common = resolve_common(args.common)?;
        let bcrypt_cost = args.bcrypt_cost.or(common.file.bcrypt_cost).unwrap_or(DEFAULT_BCRYPT_COST);
        anyhow::ensure!((4..=31).contains(&bcrypt_cost), "bcrypt cost must be between 4 and 31");
        let jwt_secret = args.jwt_secret.or(common.file.jwt_secret.take()).map(Secret);
        if let Some(secret) = &jwt_secret {
            anyhow::ensure!(secret.0.len() >= 16, "the JWT secret must be at least 16 bytes long");
        }
        let smtp = match (
            args.smtp_url.or(common.file.smtp_url.take()),
            args.smtp_from.or(common.file.smtp_from.take()),
        ) {
            (Some(url), Some(from)) => Some(SmtpSettings { url: Secret(url), from }),
            (None, None) => None,
            (Some(_), None) => anyhow::bail!("--smtp-url needs --smtp-from (the sender of alert emails)"),
            (None, Some(_)) => anyhow::bail!("--smtp-from needs --smtp-url (the SMTP server)"),
        };
        let alert_interval = duration_setting(
            "alert interval",
            args.alert_interval,
            common.file.alert_interval.as_deref(),
            DEFAULT_ALERT_INTERVAL,
            MAX_ALERT_INTERVAL,
        )?;
        let offline_after = duration_setting(
            "offline threshold",
            args.offline_after,
            common.file.offline_after.as_deref(),
            DEFAULT_OFFLINE_AFTER,
            MAX_OFFLINE_AFTER,
        )?;
        let log_cache = log_cache_setting(args.log_cache_mib.or(common.file.log_cache_mib))?;
        let syslog = syslog_setting(
            args.syslog_tcp.or(common.file.syslog_tcp),
            args.syslog_udp.or(common.file.syslog_udp),
            args.syslog_token.or(common.file.syslog_token.take()),
        )?;
        Ok(Self {
            bind: args
                .bind
                .or(common.file.bind)
                .unwrap_or_else(|| DEFAULT_BIND.parse().expect("valid default")),
            database_url: common.database_url,
            jwt_secret,
            bcrypt_cost,
            retention_days: args
                .retention_days
                .or(common.file.retention_days)
                .unwrap_or(DEFAULT_RETENTION_DAYS),
            log_format: common.log_format,
            log_level: common.log_level,
            smtp,
            alert_interval,
            offline_after,
            log_cache,
            syslog,
        })
    }
}

/// The decoded log cache: the flag or file value in MiB, else the default.
fn log_cache_setting(mib: Option<u64>) -> anyhow::Result<orion_storage::LogCache> {
    let mib = mib.unwrap_or(DEFAULT_LOG_CACHE_MIB);
    anyhow::ensure!(
        LOG_CACHE_MIB.contains(&mib),
        "the log cache must be between {} and {} MiB (--log-cache-mib)",
        LOG_CACHE_MIB.start(),
        LOG_CACHE_MIB.end()
    );
    Ok(orion_storage::LogCache::total(mib << 20))
}

/// The syslog listeners: none, or at least one address with a token.
fn syslog_setting(
    tcp: Option<SocketAddr>,
    udp: Option<SocketAddr>,
    token: Option<String>,
) -> anyhow::Result<Option<crate::syslog::listen::SyslogConfig>> {
    match (tcp.is_some() || udp.is_some(), token) {
        (false, _) => Ok(None),
        (true, Some(token)) if !token.trim().is_empty() => {
            Ok(Some(crate::syslog::listen::SyslogConfig { tcp, udp, token: token.trim().to_owned() }))
        }
        (true, _) => {
            anyhow::bail!("--syslog-tcp and --syslog-udp need --syslog-token (an API token with logs:write)")
        }
    }
}

/// A duration from the flag, else the file (parsed), else the default;
/// checked against [`MIN_INTERVAL`] and `max`.
fn duration_setting(
    what: &str,
    flag: Option<Duration>,
    file: Option<&str>,
    default: Duration,
    max: Duration,
) -> anyhow::Result<Duration> {
    let value = match (flag, file) {
        (Some(value), _) => value,
        (None, Some(raw)) => crate::duration::parse(raw).map_err(|err| anyhow::anyhow!("{what}: {err}"))?,
        (None, None) => default,
    };
    anyhow::ensure!(
        (MIN_INTERVAL..=max).contains(&value),
        "the {what} must be between {} and {}",
        crate::duration::format(MIN_INTERVAL),
        crate::duration::format(max)
    );
    Ok(value)
}

impl MigrateSettings {
    /// Merges the sources for `migrate`.
    pub fn resolve(args: MigrateArgs) -> anyhow::Result<Self> {
        let common = resolve_common(args.common)?;
        Ok(Self {
            database_url: common.database_url,
            log_format: common.log_format,
            log_level: common.log_level,
        })
    }
}

/// The URL with any password replaced, for log lines.
pub fn redacted_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_removed_from_urls() {
        assert_eq!(
            redacted_url("postgres://orion:hunter2@db:5432/orion"),
            "postgres://orion:***@db:5432/orion"
        );
        assert_eq!(redacted_url("sqlite://orion-data/orion.db"), "sqlite://orion-data/orion.db");
    }

    #[test]
    fn duration_settings_prefer_the_flag_then_the_file_then_the_default_within_bounds() {
        let day = Duration::from_secs(86_400);
        let pick = |flag, file| duration_setting("alert interval", flag, file, Duration::from_secs(30), day);
        assert_eq!(pick(Some(Duration::from_secs(5)), Some("1m")).unwrap(), Duration::from_secs(5));
        assert_eq!(pick(None, Some("1m")).unwrap(), Duration::from_secs(60));
        assert_eq!(pick(None, None).unwrap(), Duration::from_secs(30));
        assert_eq!(
            pick(Some(Duration::from_millis(10)), None).unwrap_err().to_string(),
            "the alert interval must be between 1s and 24h"
        );
        assert!(pick(None, Some("often")).unwrap_err().to_string().starts_with("alert interval: "));
    }

    #[test]
    fn syslog_listeners_need_a_token_and_hide_it() {
        let addr: SocketAddr = "127.0.0.1:6514".parse().unwrap();
        assert!(syslog_setting(None, None, Some("sk_x".into())).unwrap().is_none());
        let config = syslog_setting(Some(addr), None, Some(" sk_x ".into())).unwrap().unwrap();
        assert_eq!((config.tcp, config.udp, config.token.as_str()), (Some(addr), None, "sk_x"));
        assert!(!format!("{config:?}").contains("sk_x"));
        for token in [None, Some("  ".to_owned())] {
            let err = syslog_setting(None, Some(addr), token).unwrap_err().to_string();
            assert!(err.contains("--syslog-token"), "{err}");
        }
    }

    #[test]
    fn the_log_cache_defaults_to_the_storage_default_and_is_bounded() {
        assert_eq!(log_cache_setting(None).unwrap(), orion_storage::LogCache::default());
        let big = log_cache_setting(Some(1_024)).unwrap();
        assert_eq!((big.filter_bytes, big.part_bytes), (768 << 20, 256 << 20));
        for wrong in [0, 7, 65_537] {
            let err = log_cache_setting(Some(wrong)).unwrap_err().to_string();
            assert!(err.contains("between 8 and 65536 MiB"), "{err}");
        }
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        assert_eq!(format!("{:?}", Secret("hunter2".into())), "<redacted>");
    }
}
