//! The promise that an app shipping logs compiles no server crate.

/// The `[dependencies]` table of this crate's manifest, one line each.
fn dependencies() -> Vec<String> {
    let manifest = include_str!("../../Cargo.toml");
    manifest
        .lines()
        .skip_while(|line| line.trim() != "[dependencies]")
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with('['))
        .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_client_depends_on_no_server_crate() {
    let deps = dependencies();
    assert!(deps.iter().any(|d| d.starts_with("reqwest")), "the manifest was not parsed: {deps:?}");
    for forbidden in ["orion-core", "orion-http", "orion-storage", "orion-testkit", "warp", "sea-orm", "sqlx"]
    {
        assert!(!deps.iter().any(|d| d.starts_with(forbidden)), "{forbidden} in {deps:?}");
    }
}
