//! Test doubles of the ports tests most often need to break on purpose:
//! [`FaultyLogs`], a [`LogRepository`](orion_core::repo::LogRepository)
//! over a real one that fails when told, and [`RecordingNotifier`], a
//! [`Notifier`](orion_core::port::Notifier) that records every delivery
//! and fails for the channels it is told to.

mod logs;
mod notifier;

pub use logs::FaultyLogs;
pub use notifier::RecordingNotifier;
