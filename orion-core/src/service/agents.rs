//! Agents and the machines they watch: registration, heartbeats, incidents,
//! agent-made sources, and commands — plus the owner's views of them.

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::{Map, Value};
use tracing::instrument;

use super::Deps;
use super::principal::{Principal, TokenPrincipal};
use super::projects::ProjectService;
use super::query::{self, QueryInput};
use super::tokens::{IssuedToken, mint};
use crate::error::{ConflictKey, FieldError, RepositoryError, ServiceError, ServiceResult, collect};
use crate::model::text::bounded_text;
use crate::model::{
    Command, CommandId, CommandKind, CommandStatus, ContextLine, ContextMetrics, CrashContext, Heartbeat,
    Incident, IncidentChange, IncidentId, IncidentStatus, Label, Metrics, OutputStream, Permission, Project,
    ScriptState, ScriptStatus, Server, ServerId, ServerRowId, Source, SourceId, SourceName, TokenKind,
    Window,
};
use crate::port::live::LiveEvent;

mod metrics;

pub use metrics::{
    DEFAULT_METRICS_RANGE, DEFAULT_METRICS_STEP, MAX_METRICS_RANGE, MAX_SERIES_POINTS, MAX_TOTAL_POINTS,
    MetricsRange, ServerMetrics, format_step, parse_step,
};

/// Longest command output or incident message kept, in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Most scripts reported in one heartbeat.
pub const MAX_SCRIPTS: usize = 100;
/// Largest page of heartbeats, commands or incidents.
pub const MAX_LIST: u32 = Window::MAX_LIMIT;

/// `POST /agent/register` input.
#[derive(Debug, Clone, Default)]
pub struct AgentRegistration {
    /// Agent-chosen id.
    pub server_id: String,
    /// Shown in the UI (defaults to the hostname).
    pub display_name: String,
    /// Host name.
    pub hostname: String,
    /// Operating system.
    pub platform: String,
    /// CPU architecture.
    pub arch: String,
    /// Required with a user session; must match a token's project if given.
    pub project_name: Option<String>,
}

/// `POST /agent/heartbeat` input.
#[derive(Debug, Clone, Default)]
pub struct HeartbeatInput {
    /// Required only when the token is not bound to a server.
    pub server_id: Option<String>,
    /// RFC 3339; default: when received.
    pub timestamp: Option<String>,
    /// The figures.
    pub metrics: Metrics,
    /// Supervised scripts.
    pub scripts: Vec<ScriptInput>,
}

/// One supervised script of a heartbeat as received: `status` is checked
/// by the service (one of the five [`ScriptState`]s).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScriptInput {
    /// The script's name in the agent config.
    pub name: String,
    /// `starting`, `running`, `restarting`, `stopped` or `crashed`.
    pub status: String,
    /// Process id while running.
    pub pid: Option<u32>,
    /// Restarts since the agent started.
    pub restarts: Option<u32>,
    /// Exit code of the last run, if it ended.
    pub last_exit_code: Option<i32>,
    /// Seconds since the current run started.
    pub uptime_seconds: Option<f64>,
}

impl From<ScriptStatus> for ScriptInput {
    fn from(s: ScriptStatus) -> Self {
        Self {
            name: s.name,
            status: s.state.as_str().to_owned(),
            pid: s.pid,
            restarts: s.restarts,
            last_exit_code: s.last_exit_code,
            uptime_seconds: s.uptime_seconds,
        }
    }
}

/// `POST /agent/alert` input.
#[derive(Debug, Clone, Default)]
pub struct AlertInput {
    /// Machine-readable kind, e.g. `script_crash`.
    pub event: String,
    /// Human text.
    pub message: String,
    /// The script concerned.
    pub script_name: Option<String>,
    /// RFC 3339; default: when received.
    pub timestamp: Option<String>,
    /// What the agent knew when it happened (a crash's last lines, ...).
    pub context: Option<ContextInput>,
}

/// The `context` of `POST /agent/alert`, unchecked.
#[derive(Debug, Clone, Default)]
pub struct ContextInput {
    /// The script's last lines, oldest first.
    pub lines: Vec<ContextLineInput>,
    /// The machine's latest figures.
    pub metrics: Option<ContextMetricsInput>,
    /// The exit code.
    pub exit_code: Option<i32>,
    /// The signal that ended the script.
    pub signal: Option<i32>,
    /// Restarts since the agent started.
    pub restarts: Option<u32>,
}

/// One line of a crash context, unchecked.
#[derive(Debug, Clone, Default)]
pub struct ContextLineInput {
    /// RFC 3339.
    pub timestamp: String,
    /// `stdout` or `stderr`.
    pub stream: String,
    /// The text (required; may be empty).
    pub line: Option<String>,
}

/// The figures of a crash context, unchecked.
#[derive(Debug, Clone, Default)]
pub struct ContextMetricsInput {
    /// RFC 3339, when the agent took them.
    pub timestamp: Option<String>,
    /// The figures.
    pub metrics: Metrics,
}

/// Checks a crash context, naming each problem under `context.…`; the
/// error list stays bounded whatever the input.
fn check_context(input: ContextInput, errors: &mut Vec<FieldError>) -> Option<CrashContext> {
    let before = errors.len();
    let mut lines = Vec::new();
    if input.lines.len() > CrashContext::MAX_LINES {
        errors.push(FieldError::new("context.lines", format!("at most {} lines", CrashContext::MAX_LINES)));
    } else if input.lines.iter().map(|l| l.line.as_ref().map_or(0, String::len)).sum::<usize>()
        > CrashContext::MAX_BYTES
    {
        errors.push(FieldError::new(
            "context.lines",
            format!("the lines may hold at most {} bytes of text in all", CrashContext::MAX_BYTES),
        ));
    } else {
        let mut bad = 0;
        for (i, line) in input.lines.into_iter().enumerate() {
            let at =
                DateTime::parse_from_rfc3339(&line.timestamp).map(|t| t.with_timezone(&Utc).trunc_subsecs(3));
            let stream = OutputStream::parse(&line.stream);
            let text = line.line;
            let missing = text.is_none();
            if let (Ok(timestamp), Some(stream), Some(line)) = (at, stream, text) {
                lines.push(ContextLine { timestamp, stream, line });
                continue;
            }
            bad += 1;
            if bad > 10 {
                continue;
            }
            if at.is_err() {
                errors.push(FieldError::new(
                    format!("context.lines[{i}].timestamp"),
                    "must be an RFC 3339 date-time",
                ));
            }
            if stream.is_none() {
                errors.push(FieldError::new(
                    format!("context.lines[{i}].stream"),
                    "must be `stdout` or `stderr`",
                ));
            }
            if missing {
                errors.push(FieldError::new(format!("context.lines[{i}].line"), "is required (a string)"));
            }
        }
    }
    let metrics = match input.metrics {
        None => None,
        Some(m) => {
            let mut found = Vec::new();
            check_metrics(&m.metrics, &mut found);
            errors.extend(
                found.into_iter().map(|e| FieldError::new(format!("context.metrics.{}", e.field), e.message)),
            );
            let timestamp = match m.timestamp.as_deref() {
                None => None,
                Some(raw) => collect(errors, timestamp("context.metrics.timestamp", Some(raw), Utc::now())),
            };
            Some(ContextMetrics { timestamp, metrics: m.metrics })
        }
    };
    if input.signal.is_some_and(|s| !(1..=64).contains(&s)) {
        errors.push(FieldError::new("context.signal", "must be a signal number between 1 and 64"));
    }
    (errors.len() == before).then_some(CrashContext {
        lines,
        metrics,
        exit_code: input.exit_code,
        signal: input.signal,
        restarts: input.restarts,
    })
}

/// A server as its owner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerOverview {
    /// The server.
    pub server: Server,
    /// Heard from within the offline threshold.
    pub online: bool,
    /// Its latest heartbeat.
    pub latest: Option<Heartbeat>,
}

/// Agent endpoints and the owner's server views.
#[derive(Debug, Clone)]
pub struct AgentService {
    deps: Arc<Deps>,
    projects: ProjectService,
}

fn text(field: &str, raw: &str, min: usize, max: usize) -> Result<String, FieldError> {
    bounded_text(raw, min..=max)
        .map(str::to_owned)
        .map_err(|_| FieldError::new(field, format!("must be {min} to {max} printable characters")))
}

fn timestamp(field: &str, raw: Option<&str>, now: DateTime<Utc>) -> Result<DateTime<Utc>, FieldError> {
    match raw {
        None => Ok(now),
        Some(raw) => DateTime::parse_from_rfc3339(raw)
            .map(|t| t.with_timezone(&Utc).trunc_subsecs(3))
            .map_err(|_| FieldError::new(field, format!("`{raw}` is not an RFC 3339 date-time"))),
    }
}

fn check_metrics(m: &Metrics, errors: &mut Vec<FieldError>) {
    fn non_negative(errors: &mut Vec<FieldError>, field: &str, value: Option<f64>) -> bool {
        if value.is_some_and(|v| !v.is_finite() || v < 0.0) {
            errors.push(FieldError::new(field, "must be a finite, non-negative number"));
            false
        } else {
            true
        }
    }
    let figures = [
        ("uptime", m.uptime_seconds),
        ("ram.usedMb", m.ram.used),
        ("ram.totalMb", m.ram.total),
        ("disk.usedGb", m.disk.used),
        ("disk.totalGb", m.disk.total),
        ("network.rxBytesPerSec", m.net_rx_bytes_per_sec),
        ("network.txBytesPerSec", m.net_tx_bytes_per_sec),
    ];
    for (field, value) in figures {
        non_negative(errors, field, value);
    }
    for (field, value) in
        [("cpu.percent", m.cpu_percent), ("ram.percent", m.ram.percent), ("disk.percent", m.disk.percent)]
    {
        if non_negative(errors, field, value) && value.is_some_and(|v| v > 100.0) {
            errors.push(FieldError::new(field, "must be between 0 and 100"));
        }
    }
    if m.cpu_cores == Some(0) {
        errors.push(FieldError::new("cpu.cores", "must be at least 1"));
    }
    // `used` above `total` is not refused: a heartbeat is first of all a
    // sign of life, and agents round their units differently. The derived
    // percent is capped at 100 instead.
    if m.load_average.is_some_and(|l| l.iter().any(|v| !v.is_finite() || *v < 0.0)) {
        errors.push(FieldError::new("loadAverage", "must be three finite, non-negative numbers"));
    }
}

/// Script names are agent-chosen text that ends up in storage and on every
/// owner's screen: bound them like any other label.
/// The scripts with their states, or what is wrong with them (every
/// script's problems; the caller caps how many scripts there are).
fn check_scripts(scripts: Vec<ScriptInput>, errors: &mut Vec<FieldError>) -> Vec<ScriptStatus> {
    let mut checked = Vec::with_capacity(scripts.len());
    for (i, script) in scripts.into_iter().enumerate() {
        if let Err(e) = text(&format!("scripts[{i}].name"), &script.name, 1, 128) {
            errors.push(e);
        }
        let state = ScriptState::parse(&script.status);
        if state.is_none() {
            errors.push(FieldError::new(
                format!("scripts[{i}].status"),
                "must be one of starting, running, restarting, stopped, crashed",
            ));
        }
        if script.uptime_seconds.is_some_and(|v| !v.is_finite() || v < 0.0) {
            errors.push(FieldError::new(
                format!("scripts[{i}].uptime"),
                "must be a finite, non-negative number",
            ));
        }
        if let Some(state) = state {
            checked.push(ScriptStatus {
                name: script.name,
                state,
                pid: script.pid,
                restarts: script.restarts,
                last_exit_code: script.last_exit_code,
                uptime_seconds: script.uptime_seconds,
            });
        }
    }
    checked
}

impl AgentService {
    pub(crate) fn new(deps: Arc<Deps>, projects: ProjectService) -> Self {
        Self { deps, projects }
    }

    fn publish(&self, project: &Project, make: impl FnOnce(Project) -> LiveEvent) {
        self.deps.bus.publish(Arc::new(make(project.clone())));
    }

    /// Registers (or re-registers) a server and issues an `sk_agent_` token
    /// bound to it. Older tokens of the server stay valid until revoked.
    #[instrument(skip_all)]
    pub async fn register(
        &self,
        principal: &Principal,
        input: AgentRegistration,
    ) -> ServiceResult<IssuedToken> {
        let project = match principal {
            Principal::User(_) => {
                let name = input
                    .project_name
                    .as_deref()
                    .ok_or_else(|| ServiceError::invalid("projectName", "is required with a user session"))?;
                self.projects.owned(principal, name).await?
            }
            Principal::Token(token) => {
                principal.token_with(Permission::AgentRegister)?;
                let project = self.projects.by_id(token.project_id).await?;
                if input.project_name.as_deref().is_some_and(|name| name != project.name.as_str()) {
                    return Err(ServiceError::NotFound("project"));
                }
                project
            }
        };
        let mut errors = Vec::new();
        let server_id = collect(&mut errors, ServerId::parse(&input.server_id));
        let hostname = collect(&mut errors, text("hostname", &input.hostname, 1, 255));
        // A blank display name falls back to the *validated* hostname, so a
        // bad hostname is reported once, under its own name.
        let display_name = if input.display_name.trim().is_empty() {
            hostname.as_deref().map(|h| h.chars().take(200).collect())
        } else {
            collect(&mut errors, text("displayName", &input.display_name, 1, 200))
        };
        let platform = collect(&mut errors, text("platform", &input.platform, 1, 64));
        let arch = collect(&mut errors, text("arch", &input.arch, 1, 64));
        let (Some(server_id), Some(hostname), Some(display_name), Some(platform), Some(arch)) =
            (server_id, hostname, display_name, platform, arch)
        else {
            return Err(ServiceError::Validation(errors));
        };
        let server = Server {
            // Used only when the server is new: a re-registration keeps its id.
            id: self.deps.next_id::<ServerRowId>().await?,
            project_id: project.id,
            server_id,
            display_name,
            hostname,
            platform,
            arch,
            created_at: self.deps.clock.now(),
            last_seen_at: None,
        };
        let server = self.deps.repos.servers.upsert(&server).await?;
        let kind = TokenKind::Agent;
        let issued = mint(
            &self.deps,
            project.id,
            &format!("agent {}", server.server_id),
            kind,
            kind.default_permissions(),
            None,
            Some(server.server_id.clone()),
        )
        .await?;
        self.deps.repos.tokens.insert(&issued.token).await?;
        Ok(issued)
    }

    /// The server a token speaks for: its bound server, or `server_id`
    /// from the request when the token is not bound to one. A requested id
    /// must be well-formed either way (a bound token's server still wins).
    fn server_of(token: &TokenPrincipal, requested: Option<&str>) -> ServiceResult<ServerId> {
        let parse = |raw: &str| ServerId::parse(raw).map_err(|e| ServiceError::Validation(vec![e]));
        let requested = requested.map(parse).transpose()?;
        match (&token.server_id, requested) {
            (Some(bound), _) => Ok(bound.clone()),
            (None, Some(id)) => Ok(id),
            (None, None) => {
                Err(ServiceError::invalid("serverId", "is required: this token is not bound to a server"))
            }
        }
    }

    /// Stores a heartbeat for the token's server and publishes it.
    #[instrument(skip_all)]
    pub async fn heartbeat(&self, principal: &Principal, input: HeartbeatInput) -> ServiceResult<()> {
        let token = principal.token_with(Permission::HeartbeatWrite)?;
        let server_id = Self::server_of(token, input.server_id.as_deref())?;
        let now = self.deps.clock.now().trunc_subsecs(3);
        let mut errors = Vec::new();
        let timestamp = collect(&mut errors, timestamp("timestamp", input.timestamp.as_deref(), now));
        check_metrics(&input.metrics, &mut errors);
        let scripts = if input.scripts.len() > MAX_SCRIPTS {
            errors.push(FieldError::new("scripts", format!("at most {MAX_SCRIPTS} scripts")));
            Vec::new()
        } else {
            // Only within the cap, so the error list stays bounded too.
            check_scripts(input.scripts, &mut errors)
        };
        let (Some(timestamp), true) = (timestamp, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let project = self.projects.by_id(token.project_id).await?;
        let heartbeat = Heartbeat {
            project_id: project.id,
            server_id,
            timestamp,
            received_at: now,
            metrics: input.metrics,
            scripts,
        };
        self.deps.repos.heartbeats.insert(&heartbeat).await.map_err(|e| match e {
            RepositoryError::NotFound => ServiceError::NotFound("server"),
            other => other.into(),
        })?;
        // The heartbeat is stored whatever happens next: a failure to
        // follow the incidents is logged, and the next heartbeat tries again.
        if let Err(err) = self.follow_scripts(&project, &heartbeat).await {
            tracing::warn!(error = %err, "cannot follow the open incidents of a heartbeat");
        }
        self.publish(&project, |p| LiveEvent::Heartbeat {
            project_id: p.id,
            project: p.name,
            owner_id: p.owner_id,
            heartbeat,
        });
        Ok(())
    }

    /// Records a report from an agent — a new open incident, or one more
    /// report of the open incident with the same server, script and event
    /// — and publishes the change.
    #[instrument(skip_all)]
    pub async fn alert(&self, principal: &Principal, input: AlertInput) -> ServiceResult<Incident> {
        let token = principal.token_with(Permission::LogsWrite)?;
        let now = self.deps.clock.now().trunc_subsecs(3);
        let mut errors = Vec::new();
        let event_ok = (1..=64).contains(&input.event.len())
            && input.event.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !event_ok {
            errors.push(FieldError::new("event", "must be 1 to 64 characters of a-z, 0-9 and '_'"));
        }
        if input.message.trim().is_empty() || input.message.len() > MAX_TEXT_BYTES {
            errors.push(FieldError::new("message", format!("must be 1 to {MAX_TEXT_BYTES} bytes")));
        }
        let script_name = match input.script_name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(name) => collect(&mut errors, text("scriptName", name, 1, 128)),
            None => None,
        };
        let timestamp = collect(&mut errors, timestamp("timestamp", input.timestamp.as_deref(), now));
        let context = input.context.and_then(|c| check_context(c, &mut errors));
        let (Some(timestamp), true) = (timestamp, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let project = self.projects.by_id(token.project_id).await?;
        let report = Incident {
            id: self.deps.next_id::<IncidentId>().await?,
            project_id: project.id,
            server_id: token.server_id.clone(),
            event: input.event,
            message: input.message,
            script_name,
            timestamp,
            received_at: now,
            status: IncidentStatus::Open,
            count: 1,
            last_at: timestamp,
            resolved_at: None,
            running_since: None,
            context,
        };
        let (incident, opened) = self.deps.repos.incidents.record(&report).await?;
        let change = if opened { IncidentChange::Opened } else { IncidentChange::Repeated };
        self.publish_incident(&project, &incident, change);
        Ok(incident)
    }

    fn publish_incident(&self, project: &Project, incident: &Incident, change: IncidentChange) {
        self.publish(project, |p| LiveEvent::Incident {
            project_id: p.id,
            project: p.name,
            owner_id: p.owner_id,
            incident: incident.clone(),
            change,
        });
    }

    /// The automatic resolution: for each open incident of the server whose
    /// script the heartbeat reports, starts (`running`), keeps or breaks
    /// (any other state) its run of `running` reports, and resolves it once
    /// the run has lasted [`Config::incident_resolve_after`](crate::Config).
    async fn follow_scripts(&self, project: &Project, heartbeat: &Heartbeat) -> ServiceResult<()> {
        let incidents = &self.deps.repos.incidents;
        let open = incidents.open_of_server(project.id, &heartbeat.server_id).await?;
        let at = heartbeat.received_at;
        for incident in open {
            let Some(script) = incident.script_name.as_deref() else { continue };
            let Some(state) = heartbeat.scripts.iter().find(|s| s.name == script).map(|s| s.state) else {
                continue;
            };
            match (state == ScriptState::Running, incident.running_since) {
                (true, None) => incidents.set_running_since(project.id, incident.id, Some(at)).await?,
                (true, Some(since)) if at - since >= self.deps.config.incident_resolve_after => {
                    let (resolved, changed) = incidents.resolve(project.id, incident.id, at).await?;
                    if changed {
                        self.publish_incident(project, &resolved, IncidentChange::Resolved);
                    }
                }
                (false, Some(_)) => incidents.set_running_since(project.id, incident.id, None).await?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Creates the source if missing and issues an `sk_source_` token bound
    /// to it (and to the agent's server).
    #[instrument(skip_all)]
    pub async fn create_source(
        &self,
        principal: &Principal,
        name: &str,
        cwd: Option<&str>,
    ) -> ServiceResult<IssuedToken> {
        let token = principal.token_with(Permission::AgentRegister)?;
        let mut errors = Vec::new();
        let name = collect(&mut errors, SourceName::parse(name));
        let description = collect(&mut errors, Label::parse("cwd", cwd.unwrap_or_default(), 500));
        let (Some(name), Some(description)) = (name, description) else {
            return Err(ServiceError::Validation(errors));
        };
        let sources = &self.deps.repos.sources;
        let source = match sources.find_by_name(token.project_id, &name).await? {
            Some(source) => source,
            None => {
                let source = Source {
                    id: self.deps.next_id::<SourceId>().await?,
                    project_id: token.project_id,
                    name: name.clone(),
                    description,
                    created_at: self.deps.clock.now(),
                };
                match sources.insert(&source, None).await {
                    Ok(()) => source,
                    // A concurrent registration created it first.
                    Err(RepositoryError::Conflict(ConflictKey::Name)) => sources
                        .find_by_name(token.project_id, &name)
                        .await?
                        .ok_or(ServiceError::NotFound("source"))?,
                    Err(other) => return Err(other.into()),
                }
            }
        };
        let kind = TokenKind::AgentSource;
        let issued = mint(
            &self.deps,
            token.project_id,
            source.name.as_str(),
            kind,
            kind.default_permissions(),
            Some(source.id),
            token.server_id.clone(),
        )
        .await?;
        self.deps.repos.tokens.insert(&issued.token).await?;
        Ok(issued)
    }

    /// The pending commands of the token's server, oldest first.
    #[instrument(skip_all)]
    pub async fn pending_commands(
        &self,
        principal: &Principal,
        server_id: Option<&str>,
    ) -> ServiceResult<Vec<Command>> {
        let token = principal.token_with(Permission::CommandsRead)?;
        let server_id = Self::server_of(token, server_id)?;
        Ok(self.deps.repos.commands.pending(token.project_id, &server_id).await?)
    }

    /// [`Self::pending_commands`] for a request's query parameters:
    /// `serverId` (empty means none), needed only by a token not bound to
    /// a server.
    pub async fn pending_commands_request(
        &self,
        principal: &Principal,
        input: &QueryInput,
    ) -> ServiceResult<Vec<Command>> {
        self.pending_commands(principal, input.non_empty("serverId")).await
    }

    /// The command `command_id` as the token may act on it: the token needs
    /// `commands:write`; a command of another project or of another server
    /// than the token's is `NotFound`, like an unknown or malformed id.
    pub async fn command(&self, principal: &Principal, command_id: &str) -> ServiceResult<Command> {
        let token = principal.token_with(Permission::CommandsWrite)?;
        let id: CommandId = command_id.parse().map_err(|_| ServiceError::NotFound("command"))?;
        let command = self
            .deps
            .repos
            .commands
            .find(token.project_id, id)
            .await?
            .ok_or(ServiceError::NotFound("command"))?;
        if token.server_id.as_ref().is_some_and(|bound| *bound != command.server_id) {
            return Err(ServiceError::NotFound("command"));
        }
        Ok(command)
    }

    /// Records a command's outcome. Another server's command is
    /// `NotFound`; a second acknowledgement is `Conflict`. The command is
    /// found before the input is checked.
    #[instrument(skip_all)]
    pub async fn acknowledge(
        &self,
        principal: &Principal,
        command_id: &str,
        status: &str,
        output: Option<&str>,
    ) -> ServiceResult<Command> {
        let command = self.command(principal, command_id).await?;
        let mut errors = Vec::new();
        let status = match CommandStatus::parse(status) {
            Some(s @ (CommandStatus::Ok | CommandStatus::Failed)) => Some(s),
            _ => {
                errors.push(FieldError::new("status", "must be `ok` or `failed`"));
                None
            }
        };
        if output.is_some_and(|o| o.len() > MAX_TEXT_BYTES) {
            errors.push(FieldError::new("output", format!("must be at most {MAX_TEXT_BYTES} bytes")));
        }
        let (Some(status), true) = (status, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let now = self.deps.clock.now().trunc_subsecs(3);
        self.deps
            .repos
            .commands
            .acknowledge(command.project_id, &command.server_id, command.id, status, output, now)
            .await
            .map_err(|e| match e {
                RepositoryError::NotFound => ServiceError::NotFound("command"),
                RepositoryError::Conflict(ConflictKey::Acknowledged) => {
                    ServiceError::Conflict("this command was already acknowledged".into())
                }
                other => other.into(),
            })
    }

    /// The owner's project and its server `server_id`; an unknown or
    /// malformed server id is `NotFound`, like another user's project.
    pub async fn owned_server(
        &self,
        principal: &Principal,
        project: &str,
        server_id: &str,
    ) -> ServiceResult<(Project, Server)> {
        let project = self.projects.owned(principal, project).await?;
        let id = ServerId::parse(server_id).map_err(|_| ServiceError::NotFound("server"))?;
        let server =
            self.deps.repos.servers.find(project.id, &id).await?.ok_or(ServiceError::NotFound("server"))?;
        Ok((project, server))
    }

    /// The project's servers with their online state and latest heartbeat.
    #[instrument(skip_all)]
    pub async fn servers(&self, principal: &Principal, project: &str) -> ServiceResult<Vec<ServerOverview>> {
        let project = self.projects.owned(principal, project).await?;
        let now = self.deps.clock.now();
        let mut out = Vec::new();
        for server in self.deps.repos.servers.list(project.id).await? {
            let latest = self.deps.repos.heartbeats.latest(project.id, &server.server_id).await?;
            let online = server.last_seen_at.is_some_and(|seen| now - seen < self.deps.config.offline_after);
            out.push(ServerOverview { server, online, latest });
        }
        Ok(out)
    }

    /// A server's heartbeats, newest first.
    #[instrument(skip_all)]
    pub async fn heartbeats(
        &self,
        principal: &Principal,
        project: &str,
        server_id: &str,
        window: Window,
    ) -> ServiceResult<Vec<Heartbeat>> {
        let (project, server) = self.owned_server(principal, project, server_id).await?;
        Ok(self.deps.repos.heartbeats.list(project.id, &server.server_id, window).await?)
    }

    /// [`Self::heartbeats`] for a request's query parameters (`from`, `to`,
    /// `limit`: see [`crate::service::query`]), read once the server is
    /// found.
    #[instrument(skip_all)]
    pub async fn heartbeats_request(
        &self,
        principal: &Principal,
        project: &str,
        server_id: &str,
        input: &QueryInput,
    ) -> ServiceResult<Vec<Heartbeat>> {
        let (project, server) = self.owned_server(principal, project, server_id).await?;
        let window = query::window(input)?;
        Ok(self.deps.repos.heartbeats.list(project.id, &server.server_id, window).await?)
    }

    /// Queues a command for a server's agent.
    #[instrument(skip_all)]
    pub async fn enqueue_command(
        &self,
        principal: &Principal,
        project: &str,
        server_id: &str,
        kind: &str,
        script_name: Option<&str>,
        payload: Option<Value>,
    ) -> ServiceResult<Command> {
        let (project, server) = self.owned_server(principal, project, server_id).await?;
        let mut errors = Vec::new();
        let kind = CommandKind::parse(kind).or_else(|| {
            errors.push(FieldError::new("type", "must be `restart`, `stop` or `start`"));
            None
        });
        let script_name = match script_name.map(str::trim).filter(|s| !s.is_empty()) {
            Some(name) => collect(&mut errors, text("scriptName", name, 1, 128)),
            None => {
                errors.push(FieldError::new("scriptName", "is required for restart, stop and start"));
                None
            }
        };
        let payload = match payload {
            None | Some(Value::Null) => Some(Map::new()),
            Some(Value::Object(map)) if serde_json::to_vec(&map).map_or(0, |v| v.len()) <= MAX_TEXT_BYTES => {
                Some(map)
            }
            Some(_) => {
                errors.push(FieldError::new("payload", "must be a JSON object of at most 64 KiB"));
                None
            }
        };
        let (Some(kind), Some(script_name), Some(payload)) = (kind, script_name, payload) else {
            return Err(ServiceError::Validation(errors));
        };
        let command = Command {
            id: self.deps.next_id::<CommandId>().await?,
            project_id: project.id,
            server_id: server.server_id,
            kind,
            script_name: Some(script_name),
            payload,
            status: CommandStatus::Pending,
            output: None,
            created_at: self.deps.clock.now().trunc_subsecs(3),
            acked_at: None,
        };
        self.deps.repos.commands.insert(&command).await?;
        Ok(command)
    }

    /// A server's commands, newest first.
    #[instrument(skip_all)]
    pub async fn commands(
        &self,
        principal: &Principal,
        project: &str,
        server_id: &str,
        limit: u32,
    ) -> ServiceResult<Vec<Command>> {
        let (project, server) = self.owned_server(principal, project, server_id).await?;
        check_limit(limit)?;
        Ok(self.deps.repos.commands.list(project.id, &server.server_id, limit).await?)
    }

    /// [`Self::commands`] for a request's query parameters (`limit`: see
    /// [`crate::service::query`]), read once the server is found.
    #[instrument(skip_all)]
    pub async fn commands_request(
        &self,
        principal: &Principal,
        project: &str,
        server_id: &str,
        input: &QueryInput,
    ) -> ServiceResult<Vec<Command>> {
        let (project, server) = self.owned_server(principal, project, server_id).await?;
        let limit = query::limit(input, MAX_LIST)?;
        Ok(self.deps.repos.commands.list(project.id, &server.server_id, limit).await?)
    }

    /// The project's incidents (only those in `status` when given), by
    /// their latest report, newest first.
    #[instrument(skip_all)]
    pub async fn incidents(
        &self,
        principal: &Principal,
        project: &str,
        status: Option<IncidentStatus>,
        window: Window,
    ) -> ServiceResult<Vec<Incident>> {
        let project = self.projects.owned(principal, project).await?;
        Ok(self.deps.repos.incidents.list(project.id, status, window).await?)
    }

    /// [`Self::incidents`] for a request's query parameters (`from`, `to`,
    /// `limit`, `status`: see [`crate::service::query`]), read once the
    /// project is found.
    #[instrument(skip_all)]
    pub async fn incidents_request(
        &self,
        principal: &Principal,
        project: &str,
        input: &QueryInput,
    ) -> ServiceResult<Vec<Incident>> {
        let project = self.projects.owned(principal, project).await?;
        let (window, status) = query::incidents(input)?;
        Ok(self.deps.repos.incidents.list(project.id, status, window).await?)
    }

    /// The owner's project and its incident `id`; an unknown or malformed
    /// id is `NotFound`, like another user's project.
    #[instrument(skip_all)]
    pub async fn incident(
        &self,
        principal: &Principal,
        project: &str,
        id: &str,
    ) -> ServiceResult<(Project, Incident)> {
        let project = self.projects.owned(principal, project).await?;
        let id: IncidentId = id.parse().map_err(|_| ServiceError::NotFound("incident"))?;
        let incident = self
            .deps
            .repos
            .incidents
            .find(project.id, id)
            .await?
            .ok_or(ServiceError::NotFound("incident"))?;
        Ok((project, incident))
    }

    /// Resolves an incident by hand (an incident already resolved stays as
    /// it was) and publishes the change.
    #[instrument(skip_all)]
    pub async fn resolve_incident(
        &self,
        principal: &Principal,
        project: &str,
        id: &str,
    ) -> ServiceResult<Incident> {
        let (project, incident) = self.incident(principal, project, id).await?;
        let now = self.deps.clock.now().trunc_subsecs(3);
        let (incident, changed) =
            self.deps.repos.incidents.resolve(project.id, incident.id, now).await.map_err(|e| match e {
                RepositoryError::NotFound => ServiceError::NotFound("incident"),
                other => other.into(),
            })?;
        if changed {
            self.publish_incident(&project, &incident, IncidentChange::Resolved);
        }
        Ok(incident)
    }

    /// Retention: deletes one batch (at most `batch` rows each) of
    /// heartbeats with `timestamp` before `cutoff`, incidents whose latest
    /// report is before it, and of
    /// acknowledged commands with `acked_at` before it; pending commands
    /// stay. Returns how many rows went in all: less than `batch` means
    /// nothing expired is left.
    pub async fn purge_batch(&self, cutoff: DateTime<Utc>, batch: u32) -> ServiceResult<u64> {
        let repos = &self.deps.repos;
        let heartbeats = repos.heartbeats.delete_older_than(cutoff, batch).await?;
        let incidents = repos.incidents.delete_older_than(cutoff, batch).await?;
        let commands = repos.commands.delete_older_than(cutoff, batch).await?;
        Ok(heartbeats + incidents + commands)
    }
}

fn check_limit(limit: u32) -> ServiceResult<()> {
    if limit == 0 || limit > MAX_LIST {
        return Err(ServiceError::invalid("limit", format!("must be between 1 and {MAX_LIST}")));
    }
    Ok(())
}
