//! Where a notification goes ([`Channel`]), parsed from its wire form
//! (`email`, `email:<address>`, `webhook:<url>`, …), and why a wire form
//! was refused ([`ChannelError`]).

/// What every "use …" hint lists, so the two unknown-channel messages agree.
const KINDS: &str = "email, email:<address>, webhook:<url>, slack:<url> or discord:<url>";

/// Where a notification goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The project owner's email.
    OwnerEmail,
    /// This address.
    Email(String),
    /// A generic JSON POST.
    Webhook(String),
    /// A Slack incoming webhook.
    Slack(String),
    /// A Discord webhook.
    Discord(String),
}

/// Why [`Channel::parse`] refused its input. The messages are shown to
/// users as field errors (`channels[i]`), so they name the offending text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// Neither `email` nor `<kind>:<target>`.
    #[error("unknown channel `{0}`; use {KINDS}")]
    Unknown(String),
    /// `<kind>:<target>` with a kind that is not a channel.
    #[error("unknown channel kind `{0}`; use {KINDS}")]
    UnknownKind(String),
    /// `email:<target>` whose target is not an address.
    #[error("`{0}` is not an email address")]
    NotAnEmail(String),
    /// A webhook kind whose target is not an http(s) URL.
    #[error("`{0}` is not an http(s) URL")]
    NotAUrl(String),
}

impl Channel {
    /// Parses `email`, `email:addr@host`, `webhook:https://…`,
    /// `slack:https://…`, `discord:https://…`.
    pub fn parse(raw: &str) -> Result<Self, ChannelError> {
        let raw = raw.trim();
        if raw == "email" {
            return Ok(Self::OwnerEmail);
        }
        let (kind, target) = raw.split_once(':').ok_or_else(|| ChannelError::Unknown(raw.to_owned()))?;
        match kind {
            "email" => crate::model::Email::parse(target)
                .map(|e| Self::Email(e.as_str().to_owned()))
                .map_err(|_| ChannelError::NotAnEmail(target.to_owned())),
            "webhook" => url(target).map(Self::Webhook),
            "slack" => url(target).map(Self::Slack),
            "discord" => url(target).map(Self::Discord),
            other => Err(ChannelError::UnknownKind(other.to_owned())),
        }
    }

    /// The wire form (what `parse` takes).
    pub fn to_wire(&self) -> String {
        match self {
            Self::OwnerEmail => "email".to_owned(),
            Self::Email(addr) => format!("email:{addr}"),
            Self::Webhook(url) => format!("webhook:{url}"),
            Self::Slack(url) => format!("slack:{url}"),
            Self::Discord(url) => format!("discord:{url}"),
        }
    }
}

/// `target` if it is an http(s) URL a webhook can be posted to: a host
/// after the scheme, at most 2048 characters, no whitespace or control
/// characters (which would let a stored URL break a request line).
fn url(target: &str) -> Result<String, ChannelError> {
    let ok = (target.starts_with("https://") || target.starts_with("http://"))
        && target.len() > "https://".len()
        && target.chars().count() <= 2048
        && !target.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok { Ok(target.to_owned()) } else { Err(ChannelError::NotAUrl(target.to_owned())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms_parse_back() {
        for raw in
            ["email", "email:ada@example.com", "webhook:https://h.example/x", "slack:http://s.example/y"]
        {
            assert_eq!(Channel::parse(raw).map(|c| c.to_wire()), Ok(raw.to_owned()));
        }
    }

    #[test]
    fn refusals_say_what_failed_in_the_words_users_see() {
        let cases = [
            (
                "pager",
                "unknown channel `pager`; use email, email:<address>, webhook:<url>, slack:<url> or discord:<url>",
            ),
            (
                "sms:+331234",
                "unknown channel kind `sms`; use email, email:<address>, webhook:<url>, slack:<url> or discord:<url>",
            ),
            ("email:nobody", "`nobody` is not an email address"),
            ("webhook:ftp://example.com", "`ftp://example.com` is not an http(s) URL"),
            ("discord:https://", "`https://` is not an http(s) URL"),
        ];
        for (raw, message) in cases {
            assert_eq!(Channel::parse(raw).map_err(|e| e.to_string()), Err(message.to_owned()), "{raw}");
        }
        assert_eq!(Channel::parse(" sms:x "), Err(ChannelError::UnknownKind("sms".into())));
    }
}
