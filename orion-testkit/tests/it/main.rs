//! orion-testkit's integration tests: the in-memory backend against the
//! repository contract, and the fake clock.

mod clock;
mod memory;
