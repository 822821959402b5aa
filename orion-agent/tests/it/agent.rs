//! `orion-agent` end to end: the real binary against a `TestServer` (real
//! routes over in-memory storage), with short intervals from its config.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use orion_core::model::{IncidentId, ProjectId};
use orion_testkit::{TestServer, wait};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::orion_agent;
use crate::proxy::Proxy;

const PROJECT: &str = "shop";
const SERVER_ID: &str = "web-1";

/// A server with a user, a project, and an agent token for `web-1`.
struct World {
    server: TestServer,
    session: String,
    /// The id of [`PROJECT`].
    project_id: ProjectId,
    token: String,
    dir: tempfile::TempDir,
}

impl World {
    async fn new() -> Self {
        let server = TestServer::start().await;
        let session = server.signup("alice").await;
        let project = server.create_project(&session, PROJECT).await;
        let project_id = ProjectId(project["id"].as_i64().expect("a project id"));
        let token = server.agent_token(&session, PROJECT, SERVER_ID).await;
        Self { server, session, project_id, token, dir: tempfile::tempdir().unwrap() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes an agent config pointing at `server_url`, with short
    /// intervals and `scripts` (TOML `[[scripts]]` tables).
    fn config(&self, server_url: &str, scripts: &str) -> PathBuf {
        let path = self.path("agent.toml");
        let text = format!(
            "server_url = \"{server_url}\"\ntoken = \"{}\"\nserver_id = \"{SERVER_ID}\"\n\
             heartbeat_interval = \"200ms\"\ncommand_poll_interval = \"100ms\"\nflush_interval = \"100ms\"\n\
             retry_backoff_max = \"300ms\"\nbuffer_dir = \"{}\"\n{scripts}",
            self.token,
            self.path("buffer").display()
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `[[scripts]]` running `sh -c <code>` in the test's directory.
    fn script(&self, name: &str, code: &str, restart: &str) -> String {
        format!(
            "[[scripts]]\nname = \"{name}\"\ncommand = \"sh\"\nargs = [\"-c\", '''{code}''']\ncwd = \"{}\"\n\
             restart = \"{restart}\"\nbackoff_initial = \"100ms\"\nbackoff_max = \"400ms\"\nstop_timeout = \"2s\"\n",
            self.dir.path().display()
        )
    }

    async fn messages(&self, source: &str) -> Vec<String> {
        self.server.messages(&self.session, PROJECT, &format!("source={source}&limit=1000")).await
    }

    async fn incidents(&self) -> Vec<Value> {
        let (status, body) = self.server.incidents(&self.session, PROJECT, "").await;
        assert!(status.is_success(), "{body}");
        body.as_array().unwrap().clone()
    }

    async fn command(&self, id: &Value) -> Value {
        let (status, body) = self.server.server_commands(&self.session, PROJECT, SERVER_ID, "").await;
        assert!(status.is_success(), "{body}");
        body.as_array().unwrap().iter().find(|c| &c["id"] == id).cloned().expect("the command is listed")
    }

    /// The messages of the lines in script `name`'s spool that the server
    /// has not acknowledged yet (from the persisted cursor on), as the
    /// agent's reader would send them next. Empty once everything
    /// captured has reached the server: nothing is left to send again.
    fn unsent(&self, name: &str) -> Vec<String> {
        let dir = self.path("buffer").join(name);
        let (segment, offset) = match std::fs::read_to_string(dir.join("cursor")) {
            Ok(text) => {
                let mut parts = text.split_whitespace().map(|p| p.parse::<u64>().expect("a cursor number"));
                (parts.next().expect("a segment"), parts.next().expect("an offset"))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (0, 0),
            Err(e) => panic!("the cursor of {}: {e}", dir.display()),
        };
        let mut segments: Vec<(u64, PathBuf)> = std::fs::read_dir(&dir)
            .map(|entries| entries.map(|e| e.unwrap().path()).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|path| {
                let name = path.file_name()?.to_str()?;
                let number = name.strip_prefix("seg-")?.strip_suffix(".ndjson")?.parse().ok()?;
                Some((number, path))
            })
            .filter(|(number, _)| *number >= segment)
            .collect();
        segments.sort();
        let mut messages = Vec::new();
        for (number, path) in segments {
            // A segment deleted since it was listed was wholly sent.
            let Ok(bytes) = std::fs::read(&path) else { continue };
            let from = if number == segment { usize::try_from(offset).unwrap().min(bytes.len()) } else { 0 };
            let text = String::from_utf8_lossy(&bytes[from..]);
            // Only complete lines are read (a line being written is not).
            let complete = text.rsplit_once('\n').map_or("", |(lines, _)| lines);
            for line in complete.lines().filter(|l| !l.is_empty()) {
                let entry: Value = serde_json::from_str(line).expect("a spooled JSON entry");
                messages.push(entry["message"].as_str().expect("a message").to_owned());
            }
        }
        messages
    }

    /// The script states of the latest heartbeat.
    async fn scripts(&self) -> Vec<Value> {
        let servers = self.server.servers(&self.session, PROJECT).await;
        servers[0]["latest"]["scripts"].as_array().cloned().unwrap_or_default()
    }
}

/// A running `orion-agent run`.
struct Agent {
    child: Child,
    log: PathBuf,
}

impl Agent {
    async fn start(config: &Path, log: PathBuf) -> Self {
        let out = std::fs::File::create(&log).unwrap();
        let child = orion_agent()
            .args(["run", "--log-format", "json", "--config"])
            .arg(config)
            .stdout(Stdio::from(out))
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the orion-agent binary starts");
        Self { child, log }
    }

    /// SIGTERM, then the exit status.
    async fn terminate(mut self) -> ExitStatus {
        let pid = self.child.id().expect("still running").to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().await.unwrap().success());
        tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .expect("the agent exits within 15 s of SIGTERM")
            .unwrap()
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for Agent {
    /// A failing test shows what the agent logged.
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- agent output ({}) ---\n{}",
                self.log.display(),
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
    }
}

/// Polls `check` until it returns `Some`, for up to 15 s (the agent is a
/// real process on real timers).
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    wait::eventually(what, Duration::from_secs(15), async || check().await).await
}

fn count(messages: &[String], needle: &str) -> usize {
    messages.iter().filter(|m| m.as_str() == needle).count()
}

#[tokio::test]
async fn a_crashing_script_is_logged_reported_and_restarted() {
    let world = World::new().await;
    let script =
        world.script("crasher", "echo 'hello from a run'; echo 'something broke' >&2; exit 1", "on-failure");
    let config = world.config(&world.server.base_url, &script);
    let agent = Agent::start(&config, world.path("agent.log")).await;

    // Each run prints the line again: two of them mean it was restarted.
    eventually("two runs' lines under the script's source", || async {
        (count(&world.messages("crasher").await, "hello from a run") >= 2).then_some(())
    })
    .await;
    let errors = world.server.messages(&world.session, PROJECT, "source=crasher&level=error").await;
    assert!(errors.iter().any(|m| m == "something broke"), "stderr is captured at level error: {errors:?}");

    let incident = eventually("a script_crash incident", || async {
        world.incidents().await.into_iter().find(|i| i["event"] == "script_crash")
    })
    .await;
    assert_eq!(incident["scriptName"], "crasher");
    assert_eq!(incident["serverId"], SERVER_ID);
    assert!(incident["message"].as_str().unwrap().contains("exit code 1"), "{incident}");

    let script = eventually("a heartbeat counting the restarts", || async {
        world.scripts().await.into_iter().find(|s| s["restarts"].as_u64().unwrap_or(0) >= 1)
    })
    .await;
    assert_eq!(script["name"], "crasher");
    assert_eq!(script["lastExitCode"], 1);
    let latest = &world.server.servers(&world.session, PROJECT).await[0]["latest"];
    assert!(latest["uptime"].as_f64().unwrap() > 0.0, "real figures: {latest}");
    assert!(latest["ram"]["totalMb"].as_f64().unwrap() > 0.0, "real figures: {latest}");
    assert!(latest["cpu"]["cores"].as_u64().unwrap() >= 1, "real figures: {latest}");

    let output = agent.output();
    assert!(agent.terminate().await.success());
    assert!(!output.contains(&world.token), "the agent logged its token");
}

/// A script that prints lines and exits 2 on its first three runs (a crash
/// loop the agent restarts quickly), then keeps running.
#[tokio::test]
async fn three_quick_crashes_make_one_incident_with_their_context_and_five_minutes_running_resolve_it() {
    let world = World::new().await;
    let code = "n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs; \
                for i in 1 2 3; do echo \"run $n line $i\"; done; echo \"run $n failing\" >&2; \
                if [ $n -le 3 ]; then exit 2; fi; exec sleep 600";
    let script = world.script("looper", code, "on-failure");
    let config = world.config(&world.server.base_url, &script);
    let agent = Agent::start(&config, world.path("agent.log")).await;

    let incident = eventually("one incident counting three crashes", || async {
        let incidents = world.incidents().await;
        incidents.into_iter().find(|i| i["scriptName"] == "looper" && i["count"] == 3)
    })
    .await;
    assert_eq!(world.incidents().await.len(), 1, "the crashes are grouped into one incident");
    assert_eq!(incident["status"], "open");
    let context = &incident["context"];
    assert_eq!(context["exitCode"], 2, "{context}");
    assert_eq!(context["signal"], Value::Null);
    assert_eq!(context["restarts"], 2, "the third run is the second restart");
    let lines: Vec<(&str, &str)> = context["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["stream"].as_str().unwrap(), l["line"].as_str().unwrap()))
        .collect();
    // The newest run's lines are last, from the on-disk buffer. stdout and
    // stderr are two pipes read by two tasks, so only each stream's own
    // order is defined, not how the two interleave.
    let mut newest = lines[lines.len() - 4..].to_vec();
    newest.sort_by_key(|(stream, _)| *stream == "stderr");
    assert_eq!(
        newest,
        [
            ("stdout", "run 3 line 1"),
            ("stdout", "run 3 line 2"),
            ("stdout", "run 3 line 3"),
            ("stderr", "run 3 failing")
        ],
        "{lines:?}"
    );
    assert!(lines.contains(&("stdout", "run 1 line 1")), "earlier runs' lines too: {lines:?}");
    assert!(lines.len() <= 50);
    let metrics = &context["metrics"];
    assert!(metrics["ram"]["totalMb"].as_f64().unwrap() > 0.0, "the latest real figures: {metrics}");
    assert!(metrics["cpu"]["cores"].as_u64().unwrap() >= 1, "{metrics}");

    // The fourth run stays up: once heartbeats have said `running` for
    // five minutes (of the server's fake clock), the incident resolves.
    // The run is counted from the server's handling of the first heartbeat
    // saying so (stored before the incident is updated): wait for the
    // incident to carry it before moving the clock, or the five minutes
    // would start after the move.
    let id = IncidentId(incident["id"].as_i64().expect("an incident id"));
    eventually("the server counting the script's run of `running`", || async {
        let incidents = &world.server.orion.repos().incidents;
        incidents.find(world.project_id, id).await.unwrap().and_then(|i| i.running_since)
    })
    .await;
    world.server.clock.advance(chrono::Duration::minutes(5));
    let resolved = eventually("the incident resolved", || async {
        world.incidents().await.into_iter().find(|i| i["status"] == "resolved")
    })
    .await;
    assert_eq!((&resolved["id"], &resolved["count"]), (&incident["id"], &json!(3)));
    assert!(agent.terminate().await.success());
}

#[tokio::test]
async fn commands_enqueued_through_the_api_are_carried_out_and_acknowledged() {
    let world = World::new().await;
    let script = world.script("web", "echo \"started $$\"; exec sleep 30", "always");
    let config = world.config(&world.server.base_url, &script);
    let agent = Agent::start(&config, world.path("agent.log")).await;
    let started = |n: usize| {
        let world = &world;
        async move {
            let messages = world.messages("web").await;
            (messages.iter().filter(|m| m.starts_with("started ")).count() >= n).then_some(messages)
        }
    };
    eventually("the first run", || started(1)).await;

    let restart = world.server.enqueue_ok(&world.session, PROJECT, SERVER_ID, "restart", "web").await;
    let done = eventually("the restart acknowledged", || async {
        let command = world.command(&restart["id"]).await;
        (command["status"] != "pending").then_some(command)
    })
    .await;
    assert_eq!(done["status"], "ok", "{done}");
    assert!(done["output"].as_str().unwrap().starts_with("started (pid"), "{done}");
    let messages = eventually("the second run", || started(2)).await;
    assert_ne!(messages[0], messages[1], "a new process (a new pid) after the restart");

    let stop = world.server.enqueue_ok(&world.session, PROJECT, SERVER_ID, "stop", "web").await;
    let unknown = world.server.enqueue_ok(&world.session, PROJECT, SERVER_ID, "start", "nope").await;
    let stopped = eventually("the stop acknowledged", || async {
        let command = world.command(&stop["id"]).await;
        (command["status"] != "pending").then_some(command)
    })
    .await;
    assert_eq!(stopped["status"], "ok", "{stopped}");
    let refused = eventually("the unknown script's command acknowledged", || async {
        let command = world.command(&unknown["id"]).await;
        (command["status"] != "pending").then_some(command)
    })
    .await;
    assert_eq!(refused["status"], "failed");
    assert!(refused["output"].as_str().unwrap().contains("no script named `nope`"), "{refused}");
    eventually("a heartbeat showing the script stopped", || async {
        world.scripts().await.into_iter().find(|s| s["name"] == "web" && s["status"] == "stopped")
    })
    .await;
    // Stopped by command: no crash is reported and it stays down.
    assert!(world.incidents().await.is_empty());

    assert!(agent.terminate().await.success());
}

/// A script that prints `first 1..n`, waits for the file `go` in its
/// directory, prints `second 1..n`, then idles.
fn two_phase(n: u32) -> String {
    format!(
        "for i in $(seq 1 {n}); do echo \"first $i\"; done; \
         while [ ! -f go ]; do sleep 0.05; done; \
         for i in $(seq 1 {n}); do echo \"second $i\"; done; exec sleep 30"
    )
}

fn expected(n: u32) -> Vec<String> {
    let mut all: Vec<String> = (1..=n).flat_map(|i| [format!("first {i}"), format!("second {i}")]).collect();
    all.sort();
    all
}

#[tokio::test]
async fn logs_buffered_while_the_server_is_unreachable_arrive_once_it_is_back_without_duplicates() {
    let world = World::new().await;
    let proxy = Proxy::start(&world.server.base_url).await;
    let config = world.config(&proxy.url, &world.script("job", &two_phase(20), "never"));
    let agent = Agent::start(&config, world.path("agent.log")).await;
    eventually("the first lines", || async { (world.messages("job").await.len() >= 20).then_some(()) }).await;

    proxy.down();
    std::fs::write(world.path("go"), "").unwrap();
    // The second lines are captured into the spool, and the agent has
    // tried to send them and failed (it says so once per outage).
    eventually("the second lines spooled and a failed attempt to send them", || async {
        let spooled = world.unsent("job").iter().filter(|m| m.starts_with("second ")).count() == 20;
        (spooled && agent.output().contains("stay buffered on disk")).then_some(())
    })
    .await;
    assert_eq!(world.messages("job").await.len(), 20, "nothing can arrive while the server is cut off");
    let buffered = std::fs::read_dir(world.path("buffer/job")).unwrap().count();
    assert!(buffered >= 2, "segments and cursor are on disk");

    proxy.up();
    // Once the spool is drained, every line has been acknowledged and
    // nothing is left that could be sent again: a duplicate is stored by
    // then or never.
    eventually("the spool drained", || async { world.unsent("job").is_empty().then_some(()) }).await;
    let mut all = world.messages("job").await;
    all.sort();
    assert_eq!(all, expected(20));

    assert!(agent.output().contains("stay buffered on disk"), "the outage is reported");
    assert!(agent.terminate().await.success());
}

#[tokio::test]
async fn an_agent_restart_neither_resends_nor_loses_logs() {
    let world = World::new().await;
    let proxy = Proxy::start(&world.server.base_url).await;
    let config = world.config(&proxy.url, &world.script("job", &two_phase(5), "never"));
    let first = Agent::start(&config, world.path("agent-1.log")).await;
    eventually("the first lines", || async { (world.messages("job").await.len() >= 5).then_some(()) }).await;

    // The second lines are printed while the server is unreachable, then
    // the agent stops: they can only be on disk.
    proxy.down();
    std::fs::write(world.path("go"), "").unwrap();
    eventually("the second lines spooled", || async {
        (world.unsent("job").iter().filter(|m| m.starts_with("second ")).count() == 5).then_some(())
    })
    .await;
    assert!(first.terminate().await.success());
    assert_eq!(world.messages("job").await.len(), 5);

    // The same script name (so the same buffer), printing nothing new.
    proxy.up();
    let config = world.config(&proxy.url, &world.script("job", "exec sleep 30", "never"));
    let second = Agent::start(&config, world.path("agent-2.log")).await;
    // Drained: everything acknowledged, nothing left to resend.
    eventually("the spool drained", || async { world.unsent("job").is_empty().then_some(()) }).await;
    let mut all = world.messages("job").await;
    all.sort();
    assert_eq!(all, expected(5), "every line once: none resent, none lost");
    let output = second.output();
    assert!(second.terminate().await.success());
    assert!(!output.contains(&world.token));
}

#[tokio::test]
async fn setup_registers_the_machine_and_writes_a_private_config_with_the_agent_token() {
    use std::os::unix::fs::PermissionsExt;
    let world = World::new().await;
    let config = world.path("etc/agent.toml");
    let setup = |token: String| {
        let config = config.clone();
        let base_url = world.server.base_url.clone();
        let buffer = world.path("buffer");
        async move {
            orion_agent()
                .args(["setup", "--server", &base_url, "--project", PROJECT, "--server-id", "db-1"])
                .args(["--display-name", "Database"])
                .arg("--config")
                .arg(&config)
                .arg("--buffer-dir")
                .arg(&buffer)
                .env("ORION_SETUP_TOKEN", token)
                .output()
                .await
                .unwrap()
        }
    };
    let out = setup(world.session.clone()).await;
    let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{printed}");
    assert!(
        printed.contains("orion-agent run --config"),
        "setup names the command that starts it: {printed}"
    );

    let mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let written: toml::Table = std::fs::read_to_string(&config).unwrap().parse().unwrap();
    let token = written["token"].as_str().unwrap();
    assert!(token.starts_with("sk_agent_"), "{written}");
    assert!(!printed.contains(token), "setup printed the token");
    assert_eq!(written["server_id"].as_str(), Some("db-1"));
    assert_eq!(written["server_url"].as_str(), Some(world.server.base_url.as_str()));
    let servers = world.server.servers(&world.session, PROJECT).await;
    let db = servers.iter().find(|s| s["serverId"] == "db-1").expect("db-1 is registered");
    assert_eq!(db["displayName"], "Database");

    // The token works as an agent token.
    let (status, _) = world.server.heartbeat(token, orion_testkit::server::heartbeat_body()).await;
    assert!(status.is_success());

    // Running setup again keeps the operator's scripts.
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n{}", world.script("web", "true", "never"))).unwrap();
    assert!(setup(world.session.clone()).await.status.success());
    let again: toml::Table = std::fs::read_to_string(&config).unwrap().parse().unwrap();
    assert_eq!(again["scripts"].as_array().unwrap().len(), 1);
    assert_ne!(again["token"].as_str(), Some(token), "a new token was issued");

    // A bad token fails loudly and leaves the config alone.
    let out = setup("not-a-token".to_owned()).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused the registration"));
    assert_eq!(std::fs::read_to_string(&config).unwrap().parse::<toml::Table>().unwrap(), again);
}
