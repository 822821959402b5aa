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
use orion_client::{Alert, LogEntry, ScriptStatus};
use tokio::io::AsyncRead;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::alerts::Alerts;
use super::backoff::Backoff;
use super::capture::{LineReader, Stream, entry};
use super::config::ScriptConfig;
use super::supervisor::{Action, StatusBoard};

/// How long output may keep flowing after the script exited (a background
/// child that inherited the pipes) before capture gives up on it.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// The answer to an action: what happened, or why it could not be done.
pub type Reply = oneshot::Sender<Result<String, String>>;

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
    logs: mpsc::Sender<LogEntry>,
    alerts: Alerts,
    board: StatusBoard,
    restarts: u32,
    last_exit_code: Option<i32>,
}

fn answer(reply: Option<Reply>, result: Result<String, String>) {
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
        logs: mpsc::Sender<LogEntry>,
        alerts: Alerts,
        board: StatusBoard,
    ) -> Self {
        Self { config, control, logs, alerts, board, restarts: 0, last_exit_code: None }
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
                    let why = format!("script `{}` could not be started: {e}", self.config.name);
                    tracing::error!(script = %self.config.name, error = %e, "cannot start the script");
                    answer(pending.take(), Err(why.clone()));
                    self.alerts.report(self.crash_alert(why));
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
                        self.alerts.report(self.crash_alert(message));
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

    fn crash_alert(&self, message: String) -> Alert {
        Alert {
            event: "script_crash".to_owned(),
            message,
            script_name: Some(self.config.name.clone()),
            timestamp: Some(chrono::Utc::now()),
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
            tasks.push(capture(out, Stream::Stdout, pid, self.logs.clone()));
        }
        if let Some(err) = child.stderr.take() {
            tasks.push(capture(err, Stream::Stderr, pid, self.logs.clone()));
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
    logs: mpsc::Sender<LogEntry>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = LineReader::new(pipe);
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(entry) = entry(stream, line, pid)
                && logs.send(entry).await.is_err()
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
