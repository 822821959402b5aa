//! One supervised script: start it, capture its output, apply its restart
//! policy with backoff, report crashes, and obey start/stop/restart.
//!
//! The script runs in its own process group, so stopping it (SIGTERM, then
//! SIGKILL after `stop_timeout`) also reaches what it started (`sh -c`
//! children, workers).

use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use orion_client::{Alert, ContextLine, CrashContext, ScriptStatus};
use tokio::io::AsyncRead;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::action_error::ActionError;
use super::alerts::Alerts;
use super::backoff::Backoff;
use super::board::{Action, Figures, StatusBoard};
use super::capture::{LineReader, Stream, entry};
use super::config::ScriptConfig;
use super::shipper::Spooled;

/// Lines of output a crash report carries.
const CONTEXT_LINES: usize = 50;
/// Bytes of line text a crash report carries in all (the server takes 64 KiB).
const CONTEXT_BYTES: usize = 60 * 1024;
/// Longest line kept in a crash report, so one huge line leaves room for others.
const CONTEXT_LINE_BYTES: usize = 4 * 1024;
/// How long a crash report waits for the spool to hold the last lines.
const FLUSH_WAIT: Duration = Duration::from_secs(2);

/// Where a script's task sends what it produces.
#[derive(Debug)]
pub struct Sinks {
    /// Its spool writer.
    pub logs: mpsc::Sender<Spooled>,
    /// Its spool directory (crash contexts read the last lines back).
    pub spool: std::path::PathBuf,
    /// Crash alerts.
    pub alerts: Alerts,
    /// The latest heartbeat figures.
    pub figures: Figures,
}

/// How long output may keep flowing after the script exited (a background
/// child that inherited the pipes) before capture gives up on it.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// The answer to an action: what happened, or why it could not be done.
pub type Reply = oneshot::Sender<Result<String, ActionError>>;

/// Messages to a script's task.
#[derive(Debug)]
pub enum Control {
    /// Carry out an action and answer.
    Do(Action, Reply),
    /// Stop the script and end the task (agent shutdown).
    Shutdown,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Starting,
    Running,
    Restarting,
    Stopped,
    Crashed,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Restarting => "restarting",
            Self::Stopped => "stopped",
            Self::Crashed => "crashed",
        }
    }
}

/// How a run ended.
enum Ended {
    /// By itself.
    Exited(Option<ExitStatus>),
    /// Stopped by a `stop` command.
    Stopped(Option<ExitStatus>),
    /// Stopped by a `restart` command.
    Restarted(Option<ExitStatus>),
    /// Stopped because the agent is stopping.
    Shutdown,
}

/// The task of one script.
#[derive(Debug)]
pub struct ScriptTask {
    config: ScriptConfig,
    control: mpsc::Receiver<Control>,
    sinks: Sinks,
    board: StatusBoard,
    restarts: u32,
    last_exit_code: Option<i32>,
}

fn answer(reply: Option<Reply>, result: Result<String, ActionError>) {
    if let Some(reply) = reply {
        let _ = reply.send(result);
    }
}

fn describe(status: Option<ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Some(s) if s.code().is_some() => format!("exit code {}", s.code().unwrap_or_default()),
        Some(s) => format!("signal {}", s.signal().unwrap_or_default()),
        None => "unknown status".to_owned(),
    }
}

impl ScriptTask {
    /// A task for `config`, taking actions from `control`.
    pub fn new(
        config: ScriptConfig,
        control: mpsc::Receiver<Control>,
        sinks: Sinks,
        board: StatusBoard,
    ) -> Self {
        Self { config, control, sinks, board, restarts: 0, last_exit_code: None }
    }

    fn set(&self, state: State, pid: Option<u32>) {
        self.board.set(ScriptStatus {
            name: self.config.name.clone(),
            status: state.as_str().to_owned(),
            pid,
            restarts: Some(self.restarts),
            last_exit_code: self.last_exit_code,
            uptime: None,
        });
    }

    /// Runs until [`Control::Shutdown`].
    pub async fn run(mut self) {
        let mut backoff = Backoff::new(self.config.backoff_initial, self.config.backoff_max);
        let mut want_running = true;
        // Answered once the next start has happened.
        let mut pending: Option<Reply> = None;
        loop {
            if !want_running {
                match self.control.recv().await {
                    None | Some(Control::Shutdown) => return,
                    Some(Control::Do(Action::Stop, reply)) => {
                        let _ = reply.send(Ok("already stopped".to_owned()));
                        continue;
                    }
                    Some(Control::Do(_, reply)) => {
                        want_running = true;
                        backoff.reset();
                        pending = Some(reply);
                    }
                }
            }

            self.set(State::Starting, None);
            let (mut child, started) = match self.spawn() {
                Ok(child) => (child, Instant::now()),
                Err(e) => {
                    let why =
                        ActionError::CannotStart { script: self.config.name.clone(), reason: e.to_string() };
                    tracing::error!(script = %self.config.name, error = %e, "cannot start the script");
                    answer(pending.take(), Err(why.clone()));
                    let alert = self.crash_alert(why.to_string(), None).await;
                    self.sinks.alerts.report(alert);
                    self.last_exit_code = None;
                    if !self.config.restart.restarts(false) {
                        want_running = false;
                        self.set(State::Crashed, None);
                    } else if !self.wait_before_restart(&mut backoff, &mut want_running, &mut pending).await {
                        return;
                    }
                    continue;
                }
            };
            let pid = child.id();
            tracing::info!(script = %self.config.name, pid, "script started");
            answer(pending.take(), Ok(format!("started (pid {})", pid.unwrap_or_default())));
            self.set(State::Running, pid);
            let capture = self.capture(&mut child, pid);

            let ended = loop {
                tokio::select! {
                    status = child.wait() => break Ended::Exited(status.ok()),
                    control = self.control.recv() => match control {
                        None | Some(Control::Shutdown) => {
                            self.stop(&mut child).await;
                            break Ended::Shutdown;
                        }
                        Some(Control::Do(Action::Start, reply)) => {
                            let _ = reply.send(Ok(format!("already running (pid {})", pid.unwrap_or_default())));
                        }
                        Some(Control::Do(Action::Stop, reply)) => {
                            let status = self.stop(&mut child).await;
                            let _ = reply.send(Ok(format!("stopped ({})", describe(status))));
                            break Ended::Stopped(status);
                        }
                        Some(Control::Do(Action::Restart, reply)) => {
                            pending = Some(reply);
                            break Ended::Restarted(self.stop(&mut child).await);
                        }
                    },
                }
            };
            drain(capture).await;

            match ended {
                Ended::Shutdown => {
                    self.set(State::Stopped, None);
                    return;
                }
                Ended::Stopped(status) => {
                    self.last_exit_code = status.and_then(|s| s.code());
                    want_running = false;
                    self.set(State::Stopped, None);
                }
                Ended::Restarted(status) => {
                    self.last_exit_code = status.and_then(|s| s.code());
                    self.restarts += 1;
                    backoff.reset();
                }
                Ended::Exited(status) => {
                    self.last_exit_code = status.and_then(|s| s.code());
                    let succeeded = status.is_some_and(|s| s.success());
                    if !succeeded {
                        let message =
                            format!("script `{}` exited with {}", self.config.name, describe(status));
                        tracing::warn!(script = %self.config.name, pid, "{message}");
                        let alert = self.crash_alert(message, status).await;
                        self.sinks.alerts.report(alert);
                    }
                    // A run that lasted is not part of a crash loop.
                    if started.elapsed() >= backoff.max() {
                        backoff.reset();
                    }
                    if !self.config.restart.restarts(succeeded) {
                        want_running = false;
                        self.set(if succeeded { State::Stopped } else { State::Crashed }, None);
                    } else if !self.wait_before_restart(&mut backoff, &mut want_running, &mut pending).await {
                        return;
                    }
                }
            }
        }
    }

    /// The backoff wait before an automatic restart, during which commands
    /// are still obeyed. `false` when the agent is shutting down.
    async fn wait_before_restart(
        &mut self,
        backoff: &mut Backoff,
        want_running: &mut bool,
        pending: &mut Option<Reply>,
    ) -> bool {
        let delay = backoff.next_delay();
        self.set(State::Restarting, None);
        tracing::info!(script = %self.config.name, delay_ms = delay.as_millis() as u64, "restarting the script after a delay");
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            control = self.control.recv() => match control {
                None | Some(Control::Shutdown) => {
                    self.set(State::Stopped, None);
                    return false;
                }
                Some(Control::Do(Action::Stop, reply)) => {
                    let _ = reply.send(Ok("stopped (it was waiting to restart)".to_owned()));
                    *want_running = false;
                    self.set(State::Stopped, None);
                    return true;
                }
                // Start or restart now rather than after the delay.
                Some(Control::Do(_, reply)) => *pending = Some(reply),
            },
        }
        self.restarts += 1;
        true
    }

    /// The crash report: the message, and as context the script's last
    /// lines as its spool holds them (once the spool has every captured
    /// line), how it ended, its restarts and the latest figures.
    async fn crash_alert(&self, message: String, status: Option<ExitStatus>) -> Alert {
        use std::os::unix::process::ExitStatusExt;
        let (done, flushed) = oneshot::channel();
        if self.sinks.logs.send(Spooled::Flush(done)).await.is_ok() {
            let _ = tokio::time::timeout(FLUSH_WAIT, flushed).await;
        }
        let spool = self.sinks.spool.clone();
        let raw = tokio::task::spawn_blocking(move || super::buffer::tail(&spool, CONTEXT_LINES))
            .await
            .ok()
            .and_then(|read| read.ok())
            .unwrap_or_default();
        let lines = newest_within(raw.iter().filter_map(|raw| context_line(raw)).collect());
        Alert {
            event: "script_crash".to_owned(),
            message,
            script_name: Some(self.config.name.clone()),
            timestamp: Some(chrono::Utc::now()),
            context: Some(CrashContext {
                lines,
                metrics: self.sinks.figures.latest(),
                exit_code: status.and_then(|s| s.code()),
                signal: status.and_then(|s| s.signal()).filter(|s| (1..=64).contains(s)),
                restarts: Some(self.restarts),
            }),
        }
    }

    fn spawn(&self) -> std::io::Result<Child> {
        let mut command = Command::new(&self.config.command);
        command
            .args(&self.config.args)
            .envs(&self.config.env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own group, so a stop reaches its children too.
            .process_group(0)
            // Last resort if the agent's task is dropped without a stop.
            .kill_on_drop(true);
        if let Some(cwd) = &self.config.cwd {
            command.current_dir(cwd);
        }
        command.spawn()
    }

    fn capture(&self, child: &mut Child, pid: Option<u32>) -> Vec<JoinHandle<()>> {
        let mut tasks = Vec::new();
        if let Some(out) = child.stdout.take() {
            tasks.push(capture(out, Stream::Stdout, pid, self.sinks.logs.clone()));
        }
        if let Some(err) = child.stderr.take() {
            tasks.push(capture(err, Stream::Stderr, pid, self.sinks.logs.clone()));
        }
        tasks
    }

    /// SIGTERM to the group, SIGKILL after `stop_timeout`; the exit status.
    async fn stop(&self, child: &mut Child) -> Option<ExitStatus> {
        let group = child.id().and_then(|pid| i32::try_from(pid).ok()).map(Pid::from_raw);
        if let Some(group) = group {
            let _ = killpg(group, Signal::SIGTERM);
        }
        if let Ok(status) = tokio::time::timeout(self.config.stop_timeout, child.wait()).await {
            return status.ok();
        }
        tracing::warn!(script = %self.config.name, "the script ignored SIGTERM; killing it");
        if let Some(group) = group {
            let _ = killpg(group, Signal::SIGKILL);
        }
        let _ = child.start_kill();
        child.wait().await.ok()
    }
}

fn capture<R: AsyncRead + Unpin + Send + 'static>(
    pipe: R,
    stream: Stream,
    pid: Option<u32>,
    logs: mpsc::Sender<Spooled>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = LineReader::new(pipe);
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(entry) = entry(stream, line, pid)
                && logs.send(Spooled::Entry(entry)).await.is_err()
            {
                break;
            }
        }
    })
}

/// Waits for the capture tasks to reach the end of the pipes.
async fn drain(tasks: Vec<JoinHandle<()>>) {
    let deadline = tokio::time::Instant::now() + DRAIN_GRACE;
    for mut task in tasks {
        if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
            task.abort();
        }
    }
}

/// A spooled log entry (one JSON line) as a context line: its message,
/// time and stream (`stderr` when the entry says so, `stdout` otherwise).
fn context_line(raw: &str) -> Option<ContextLine> {
    let entry: orion_client::LogEntry = serde_json::from_str(raw).ok()?;
    let stream = entry.metadata.as_ref().and_then(|m| m.get("stream")).and_then(|s| s.as_str());
    Some(ContextLine {
        timestamp: entry.timestamp?,
        stream: if stream == Some("stderr") { "stderr" } else { "stdout" }.to_owned(),
        line: entry.message,
    })
}

/// The newest lines whose text fits [`CONTEXT_BYTES`], each cut to
/// [`CONTEXT_LINE_BYTES`], oldest first.
fn newest_within(mut lines: Vec<ContextLine>) -> Vec<ContextLine> {
    let mut kept = Vec::new();
    let mut bytes = 0;
    while let Some(mut line) = lines.pop() {
        if line.line.len() > CONTEXT_LINE_BYTES {
            let mut end = CONTEXT_LINE_BYTES;
            while !line.line.is_char_boundary(end) {
                end -= 1;
            }
            line.line.truncate(end);
        }
        if bytes + line.line.len() > CONTEXT_BYTES {
            break;
        }
        bytes += line.line.len();
        kept.push(line);
    }
    kept.reverse();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: String) -> ContextLine {
        ContextLine { timestamp: chrono::Utc::now(), stream: "stdout".into(), line: text }
    }

    #[test]
    fn a_context_keeps_the_newest_lines_within_its_byte_budget() {
        let lines: Vec<ContextLine> = (0..40).map(|i| line(format!("{i:02}{}", "x".repeat(5_000)))).collect();
        let kept = newest_within(lines);
        assert!(kept.iter().all(|l| l.line.len() == CONTEXT_LINE_BYTES));
        assert_eq!(kept.len(), CONTEXT_BYTES / CONTEXT_LINE_BYTES);
        assert!(kept.last().unwrap().line.starts_with("39"), "the newest is last");
        let raw = r#"{"message":"boom","level":"error","timestamp":"2026-01-01T00:00:00.000Z","metadata":{"stream":"stderr"}}"#;
        let parsed = context_line(raw).unwrap();
        assert_eq!((parsed.stream.as_str(), parsed.line.as_str()), ("stderr", "boom"));
        assert!(context_line("{torn").is_none());
    }
}
