//! Starting and stopping the real `orion` binary.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// The binary cargo built for these tests.
pub fn orion() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_orion"));
    // The tests' own environment must not leak settings into the server.
    for (key, _) in std::env::vars() {
        if key.starts_with("ORION_") {
            cmd.env_remove(key);
        }
    }
    cmd.kill_on_drop(true);
    cmd
}

/// A running `orion serve`.
pub struct Server {
    pub child: Child,
    pub base_url: String,
    /// The rest of its stdout, for assertions on what it logged.
    pub stdout: Lines<BufReader<ChildStdout>>,
}

impl Server {
    /// Starts `orion serve` in `dir` on an ephemeral port with `extra` flags and
    /// waits for the line that says where it listens.
    pub async fn start(dir: &Path, extra: &[&str]) -> Server {
        let mut child = orion()
            .current_dir(dir)
            .args(["serve", "--bind", "127.0.0.1:0", "--bcrypt-cost", "4", "--log-format", "json"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the orion binary starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let base_url = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = stdout.next_line().await.expect("stdout readable") {
                let value: serde_json::Value = serde_json::from_str(&line).expect("JSON log lines");
                if value["message"].as_str().is_some_and(|m| m.starts_with("orion is listening on ")) {
                    return format!("http://{}", value["addr"].as_str().expect("addr field"));
                }
            }
            panic!("orion exited before listening");
        })
        .await
        .expect("orion listens within 30 s");
        Server { child, base_url, stdout }
    }

    /// Sends SIGTERM and waits for the exit status.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("still running").to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().await.expect("kill runs");
        assert!(sent.success());
        tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("orion exits within 20 s of SIGTERM")
            .expect("exit status")
    }
}
