//! End-to-end tests of the `orion` binary, started the way a user starts it.

mod agent;
mod agent_proxy;
mod alerts;
mod commands;
mod crash;
mod outage;
mod process;
mod serve;
