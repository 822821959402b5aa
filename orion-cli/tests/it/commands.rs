//! `orion migrate`, `--help`, settings errors and the `orion agent` forwarder.

use crate::process::orion;

#[tokio::test]
async fn migrate_creates_the_schema_and_a_second_run_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/orion.db", dir.path().display());
    for _ in 0..2 {
        let out = orion().args(["migrate", "--database-url", &url]).output().await.unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("database schema is up to date"));
    }
    assert!(dir.path().join("data/orion.db").is_file());
}

#[tokio::test]
async fn serve_help_documents_every_flag_and_its_variable() {
    let out = orion().args(["serve", "--help"]).output().await.unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--bind",
        "ORION_BIND",
        "127.0.0.1:3001",
        "--database-url",
        "ORION_DATABASE_URL",
        "orion-data",
        "--jwt-secret",
        "ORION_JWT_SECRET",
        "--bcrypt-cost",
        "--log-format",
        "--log-level",
        "--config",
        "--retention-days",
        "ORION_RETENTION_DAYS",
        "--smtp-url",
        "ORION_SMTP_URL",
        "--smtp-from",
        "ORION_SMTP_FROM",
        "--alert-interval",
        "ORION_ALERT_INTERVAL",
        "30s",
        "--offline-after",
        "ORION_OFFLINE_AFTER",
        "3m",
    ] {
        assert!(help.contains(needle), "`serve --help` does not mention {needle}:\n{help}");
    }
}

#[tokio::test]
async fn a_config_file_supplies_settings_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orion.toml");
    std::fs::write(&config, "bcrypt_cost = 99\n").unwrap();
    let out = orion().args(["serve", "--config", config.to_str().unwrap()]).output().await.unwrap();
    assert!(!out.status.success(), "a bcrypt cost of 99 from the file must be refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("bcrypt cost"));

    // The flag wins over the file: cost 4 is valid, so the failure is now the
    // unknown key we add, proving the file is still read.
    std::fs::write(&config, "bcrypt_cost = 99\nunknown_key = 1\n").unwrap();
    let out = orion()
        .args(["serve", "--config", config.to_str().unwrap(), "--bcrypt-cost", "4"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid config file"));
}

#[tokio::test]
async fn a_short_jwt_secret_is_refused() {
    let out = orion().args(["serve", "--jwt-secret", "short"]).output().await.unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 16 bytes"));
}

/// `orion agent …` forwards to the orion-agent crate: the same flags and
/// the same behaviour as the `orion-agent` binary (whose own tests cover it).
#[tokio::test]
async fn orion_agent_is_forwarded_to_the_agent_crate() {
    let out = orion().args(["agent", "setup", "--help"]).output().await.unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in
        ["--server", "ORION_SETUP_TOKEN", "--buffer-dir", "ORION_AGENT_CONFIG", "/etc/orion/agent.toml"]
    {
        assert!(help.contains(needle), "`agent setup --help` does not mention {needle}:\n{help}");
    }

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("agent.toml");
    let out = orion().args(["agent", "run", "--config"]).arg(&missing).output().await.unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the agent config"));
}
