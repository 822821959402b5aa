//! The promise that the binary every machine installs holds no server code:
//! its direct dependencies name no server crate (orion-client's own
//! footprint test covers the next level; `.ci/run` checks the whole tree
//! with `cargo tree -p orion-agent -e normal`).

#[test]
fn the_agent_depends_on_orion_client_and_no_server_crate() {
    let manifest: toml::Table = include_str!("../../Cargo.toml").parse().unwrap();
    let deps = manifest["dependencies"].as_table().expect("a [dependencies] table");
    assert!(deps.contains_key("orion-client"), "{deps:?}");
    for forbidden in [
        "orion-core",
        "orion-http",
        "orion-storage",
        "orion-logstore",
        "orion-notify",
        "orion-testkit",
        "sea-orm",
        "sqlx",
        "warp",
        "lettre",
        "tokio-tungstenite",
        "tungstenite",
    ] {
        assert!(!deps.contains_key(forbidden), "{forbidden} is a dependency of orion-agent");
    }
}
