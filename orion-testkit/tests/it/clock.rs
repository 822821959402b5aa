//! FakeClock moves only when told, and clones share its time.

use chrono::{Duration, Timelike};
use orion_core::port::Clock;
use orion_testkit::FakeClock;

#[test]
fn the_default_clock_is_fixed_and_millisecond_aligned() {
    let (a, b) = (FakeClock::default(), FakeClock::default());
    assert_eq!(a.now(), b.now());
    assert_eq!(a.now().nanosecond() % 1_000_000, 0);
}

#[test]
fn clones_share_advances_and_sets() {
    let clock = FakeClock::default();
    let start = clock.now();
    let handle = clock.clone();
    handle.advance(Duration::minutes(5));
    assert_eq!(clock.now(), start + Duration::minutes(5));
    clock.set(start);
    assert_eq!(handle.now(), start);
}

#[test]
fn time_does_not_pass_by_itself() {
    let clock = FakeClock::default();
    let before = clock.now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert_eq!(clock.now(), before);
}
