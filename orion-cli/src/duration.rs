//! Durations as people write them in flags and config files (`500ms`,
//! `30s`, `5m`, `2h`, plain seconds): the agent's parser, so the server's
//! settings and the agent's config read the same way.

pub use orion_agent::duration::{format, parse};
