//! Integration tests of the block format: randomized (seeded) properties
//! against `LogFilter::matches`, and corruption.

mod arb;
mod corruption;
mod merge;
mod properties;
mod roundtrip;
mod rows;
mod support;
