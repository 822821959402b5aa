//! What of a URL may be shown. Slack and Discord webhook URLs carry their
//! token in the path, SMTP URLs their password in the userinfo: errors
//! and logs show only the scheme and the host.

use reqwest::Url;

/// `https://hooks.slack.com/services/T/B/secret` → `https://hooks.slack.com`
/// (with the port when one is given); `<invalid URL>` when it does not parse.
pub fn origin(url: &str) -> String {
    match Url::parse(url) {
        Ok(url) => {
            let host = url.host_str().unwrap_or_default();
            match url.port() {
                Some(port) => format!("{}://{host}:{port}", url.scheme()),
                None => format!("{}://{host}", url.scheme()),
            }
        }
        Err(_) => "<invalid URL>".to_owned(),
    }
}

/// The URL with its userinfo (user and password) replaced by `***`, for
/// `Debug` output of settings.
pub fn userinfo(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("***");
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "<invalid URL>".to_owned(),
    }
}
