//! TOTP (RFC 6238: SHA-1, 6 digits, 30 s steps, ±1 step) on top of
//! `totp-rs`. Matching reports *which* step a code belongs to, so the
//! account service can refuse replays (a step at or before the last one used).

use rand::RngCore;
use totp_rs::{Algorithm, Builder, Secret, Totp};

const STEP_SECONDS: i64 = 30;

/// A fresh 160-bit secret, base32-encoded (what authenticator apps take).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32()
}

fn build(secret_base32: &str, issuer: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_base32).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECONDS as u64)
        .with_secret(secret)
        .with_issuer(Some(issuer.replace(':', "")))
        .with_account_name(account.replace(':', ""))
        .build()
        .ok()
}

/// The code for the step containing unix time `unix_seconds`.
pub fn code_at(secret_base32: &str, unix_seconds: i64) -> Option<String> {
    let totp = build(secret_base32, "Orion", "user")?;
    Some(totp.generate(unix_seconds.max(0) as u64).to_string())
}

/// The time step (unix time / 30) that `code` is valid for, looking at the
/// current step and one either side; `None` if it matches none.
pub fn matching_step(secret_base32: &str, code: &str, unix_seconds: i64) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = build(secret_base32, "Orion", "user")?;
    let current = unix_seconds.div_euclid(STEP_SECONDS);
    (current - 1..=current + 1)
        .find(|step| *step >= 0 && totp.generate((step * STEP_SECONDS) as u64).to_string() == code)
}

/// The `otpauth://` URL and a base64 PNG QR code of it, for setup screens.
pub fn provisioning(secret_base32: &str, issuer: &str, account: &str) -> Option<(String, String)> {
    let totp = build(secret_base32, issuer, account)?;
    let url = totp.to_url().ok()?;
    let png = totp.to_qr_base64().ok()?;
    Some((url, png))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 appendix B, secret "12345678901234567890", T = 59 → 94287082 (8 digits);
        // the 6-digit code is its last six digits.
        let secret = Secret::from(*b"12345678901234567890").to_base32();
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
    }

    #[test]
    fn a_code_matches_its_step_and_the_neighbours() {
        let secret = new_secret();
        let now = 1_700_000_000;
        let code = code_at(&secret, now).unwrap();
        let step = now / 30;
        assert_eq!(matching_step(&secret, &code, now), Some(step));
        assert_eq!(matching_step(&secret, &code, now + 30), Some(step));
        assert_eq!(matching_step(&secret, &code, now - 30), Some(step));
        assert_eq!(matching_step(&secret, &code, now + 90), None);
        assert_eq!(matching_step(&secret, "12a456", now), None);
    }

    #[test]
    fn provisioning_gives_an_otpauth_url_and_a_png() {
        let (url, png) = provisioning(&new_secret(), "Orion", "ada@example.com").unwrap();
        assert!(url.starts_with("otpauth://totp/"));
        assert!(!png.is_empty());
    }
}
