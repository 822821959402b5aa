//! [`RecordingNotifier`]: records every delivery asked of it.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use orion_core::model::alert::Channel;
use orion_core::port::{DeliveryError, Notification, Notifier};

/// A [`Notifier`] that records every delivery, in order, and answers `Ok`
/// except for the channels it was told to fail for, which get the error
/// they were given (and are recorded too: the attempt was made).
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    sent: Mutex<Vec<(Channel, Notification)>>,
    failures: Mutex<HashMap<Channel, DeliveryError>>,
}

impl RecordingNotifier {
    /// A notifier that delivers everywhere.
    pub fn new() -> Self {
        Self::default()
    }

    /// From now on, deliveries to `channel` fail with `error`.
    pub fn fail_for(&self, channel: Channel, error: DeliveryError) -> &Self {
        lock(&self.failures).insert(channel, error);
        self
    }

    /// Every delivery asked since the last call, in order (and forgets them).
    pub fn take(&self) -> Vec<(Channel, Notification)> {
        std::mem::take(&mut *lock(&self.sent))
    }

    /// Every delivery asked since the last [`take`](Self::take), in order.
    pub fn sent(&self) -> Vec<(Channel, Notification)> {
        lock(&self.sent).clone()
    }
}

#[async_trait]
impl Notifier for RecordingNotifier {
    async fn send(&self, channel: &Channel, notification: &Notification) -> Result<(), DeliveryError> {
        lock(&self.sent).push((channel.clone(), notification.clone()));
        match lock(&self.failures).get(channel) {
            Some(error) => Err(error.clone()),
            None => Ok(()),
        }
    }
}

/// A panic while holding a lock happens only in a failing test; the data
/// is a plain list either way.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
