//! End-to-end tests of the `orion-agent` binary, started the way an
//! operator starts it, against an in-process server (orion-testkit's
//! `TestServer`: the real routes over in-memory storage), and its footprint.

mod agent;
mod footprint;
mod proxy;

/// The `orion-agent` binary cargo built for these tests, with the tests'
/// own `ORION_*` variables removed so they cannot leak into it.
pub fn orion_agent() -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_orion-agent"));
    for (key, _) in std::env::vars() {
        if key.starts_with("ORION_") {
            cmd.env_remove(key);
        }
    }
    cmd.kill_on_drop(true);
    cmd
}
