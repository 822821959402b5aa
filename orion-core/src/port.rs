//! What the domain needs from outside, as traits, with default
//! implementations that need no I/O.

pub mod clock;
pub mod live;
pub mod notify;
pub mod password;
pub mod secrets;
pub mod session;
pub mod totp;

pub use clock::{Clock, SystemClock};
pub use live::{BroadcastBus, LiveBus, LiveEvent};
pub use notify::{DeliveryError, NoNotifier, Notification, NotificationKind, Notifier};
pub use password::{BcryptHasher, PasswordHasher};
pub use session::{JwtSigner, SessionSigner};
