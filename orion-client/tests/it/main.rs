//! orion-client integration tests: the calls against the real server
//! (`TestServer`), and batching, retries and the tracing layer against a
//! scriptable fake server that fails on purpose.

mod batching;
mod calls;
mod footprint;
mod layer;
mod retry;
mod support;
