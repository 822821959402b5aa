//! Request-size limits shared by the body filters (which enforce them) and
//! the error mapping (which names them in a 413), kept apart so neither
//! module imports the other.

/// Largest accepted request body, in bytes (1 MiB).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Largest ingest body, in bytes (10 MiB): agents and shippers send
/// batches.
pub const INGEST_BODY_LIMIT: usize = 10 * 1024 * 1024;
