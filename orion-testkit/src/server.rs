//! test server (being written)
/// Test server.
#[derive(Debug)]
pub struct TestServer;
