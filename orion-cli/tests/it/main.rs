//! End-to-end tests of the `orion` binary, started the way a user starts it.

mod alerts;
mod cluster;
mod commands;
mod crash;
mod live_cluster;
mod outage;
mod process;
mod serve;
