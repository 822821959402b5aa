//! fake clock (being written)
/// Fake clock.
#[derive(Debug)]
pub struct FakeClock;
