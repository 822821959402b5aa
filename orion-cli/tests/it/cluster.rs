//! A throw-away PostgreSQL cluster for the tests that need one of their
//! own (to stop it under a server, or to run several servers on it): started
//! as `.ci/start-postgres` does, from `/usr/lib/postgresql/*/bin`, as the
//! `postgres` user when run as root, on a free loopback port in a temporary
//! directory. Tests using it are `#[ignore]`d (the binaries are not
//! everywhere) and run by `.ci/run` with `--ignored`.

use std::path::PathBuf;
use std::process::Command;

/// A throw-away PostgreSQL cluster; stopped and removed when dropped.
pub struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    /// Initialises and starts a cluster on a free loopback port.
    pub fn start() -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|version| version.path().join("bin"))
            .filter(|bin| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
            .max_by_key(|bin| {
                let version = bin.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str());
                version.and_then(|v| v.split('.').next()?.parse::<u32>().ok()).unwrap_or(0)
            })
            .expect(
                "PostgreSQL binaries under /usr/lib/postgresql/*/bin (install postgresql, or run .ci/run)",
            );
        let root = run_ok(Command::new("id").arg("-u")).trim() == "0";
        let dir =
            tempfile::Builder::new().prefix("orion-outage-pg.").tempdir().expect("a temporary directory");
        if root {
            // initdb refuses to run as root: the cluster belongs to `postgres`.
            if !Command::new("id").arg("postgres").output().is_ok_and(|o| o.status.success()) {
                run_ok(Command::new("useradd").args(["--system", "--no-create-home", "postgres"]));
            }
            run_ok(Command::new("chown").arg("postgres").arg(dir.path()));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cluster = Cluster { bin, dir, port, as_postgres: root };
        let data = cluster.data();
        run_ok(cluster.command("initdb").args(["-D", &data, "-U", "postgres", "-A", "trust", "--no-sync"]));
        cluster.pg_ctl_start();
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().to_str().expect("a UTF-8 temporary path").to_owned()
    }

    /// `postgres://…` for the cluster's default database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A command running `tool` from the cluster's binaries, as `postgres`
    /// when the test runs as root.
    fn command(&self, tool: &str) -> Command {
        let tool = self.bin.join(tool);
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(tool);
            cmd
        } else {
            Command::new(tool)
        }
    }

    pub fn pg_ctl_start(&self) {
        let data = self.data();
        let log = format!("{data}/server.log");
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={data} -c fsync=off",
            self.port
        );
        run_ok(self.command("pg_ctl").args(["-D", &data, "-l", &log, "-w", "-o", &options, "start"]));
    }

    pub fn pg_ctl_stop(&self) {
        run_ok(self.command("pg_ctl").args(["-D", &self.data(), "-m", "fast", "-w", "stop"]));
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.command("pg_ctl").args(["-D", &self.data(), "-m", "immediate", "stop"]).output();
    }
}

/// Runs `cmd`, panics with its output unless it succeeds; returns stdout.
fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?} does not run: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
