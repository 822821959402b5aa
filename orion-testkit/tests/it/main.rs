//! orion-testkit's integration tests: the in-memory backend against the
//! repository contract (one test per check) and beyond it, and the fake
//! clock.

mod clock;
mod contract;
mod memory;
