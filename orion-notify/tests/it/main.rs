//! orion-notify against real local endpoints: the testkit's `WebhookSink`
//! (webhook, Slack, Discord) and `SmtpSink` (email).

mod crash;
mod email;
mod support;
mod webhooks;
