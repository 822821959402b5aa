//! orion-testkit's integration tests: the in-memory backend against the
//! repository contract (one test per check) and beyond it, the shared test
//! doubles, and the fake clock.

mod clock;
mod contract;
mod doubles;
mod memory;
